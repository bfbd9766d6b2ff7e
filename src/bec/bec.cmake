# src/bec/bec.cmake - what the bec module (src/checks/bec/) judges
# impersonation and business e-mail compromise from, without mail
# knowledge: quote.c finds the earlier messages a body quotes and their
# authors (THREAD_HIJACK); phrases.c matches the payment-change dictionary
# (rules/bec-phrases.txt, BEC_PAYMENT_CHANGE).
mamori_layer(mamori_bec
  SOURCES src/bec/quote.c
  DEPS mamori_util PkgConfig::GLIB)
