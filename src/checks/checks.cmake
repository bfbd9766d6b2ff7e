# src/checks/checks.cmake - the modules (src/core/module.h), one library
# per folder, each on the module interface (mamori_base) and the layers
# below it.  A new module adds its folder's library here and to
# MAMORI_MODULES, and one row in src/driver/registry.c.
mamori_layer(mamori_mod_message
  SOURCES src/checks/message/check_message.c
  DEPS mamori_base)
mamori_layer(mamori_mod_auth
  SOURCES src/checks/auth/check_auth.c
  DEPS mamori_base mamori_spf mamori_dkim mamori_arc mamori_dmarc mamori_dns)
mamori_layer(mamori_mod_dnsbl
  SOURCES src/checks/dnsbl/check_dnsbl.c
  DEPS mamori_base mamori_dnsbl mamori_dns mamori_sa_relays mamori_sa_eval)
mamori_layer(mamori_mod_objects
  SOURCES src/checks/objects/check_objects.c
  DEPS mamori_base mamori_objects)
mamori_layer(mamori_mod_documents
  SOURCES src/checks/documents/check_documents.c
  DEPS mamori_base mamori_objects)
mamori_layer(mamori_mod_ppap
  SOURCES src/checks/ppap/check_ppap.c
  DEPS mamori_base mamori_objects mamori_ppap)
mamori_layer(mamori_mod_engines
  SOURCES src/checks/engines/check_yara.c src/checks/engines/check_clamd.c
  DEPS mamori_base mamori_objects mamori_yara mamori_clamd)
# the shipped YARA rules: installed, or read from the source tree
target_compile_definitions(mamori_mod_engines PRIVATE
  MAMORI_YARA_INSTALL_DIR="${CMAKE_INSTALL_FULL_DATADIR}/mamori/yara"
  MAMORI_YARA_SOURCE_DIR="${PROJECT_SOURCE_DIR}/yara")
mamori_layer(mamori_mod_date
  SOURCES src/checks/date/check_date.c
  DEPS mamori_base PkgConfig::GMIME)
mamori_layer(mamori_mod_bayes
  SOURCES src/checks/bayes/check_bayes.c
  DEPS mamori_base mamori_spam mamori_spam_model mamori_content)
mamori_layer(mamori_mod_spam
  SOURCES src/checks/spam/check_spam.c
  DEPS mamori_base mamori_content mamori_sa_conf mamori_sa_meta mamori_sa_match mamori_sa_eval
       PkgConfig::GMIME)
mamori_layer(mamori_mod_urls
  SOURCES src/checks/urls/check_urls.c
  DEPS mamori_base mamori_content mamori_objects mamori_url mamori_qr mamori_dnsbl mamori_dns)
mamori_layer(mamori_mod_bec
  SOURCES src/checks/bec/check_bec.c
  DEPS mamori_base mamori_content mamori_objects mamori_url mamori_bec PkgConfig::GMIME)
set(MAMORI_MODULES mamori_mod_bec mamori_mod_urls mamori_mod_message mamori_mod_auth mamori_mod_dnsbl mamori_mod_objects
  mamori_mod_documents mamori_mod_ppap mamori_mod_engines mamori_mod_date
  mamori_mod_bayes mamori_mod_spam)
