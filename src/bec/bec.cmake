# src/bec/bec.cmake - what the bec module (src/checks/bec/, issue 17:
# impersonation, business e-mail compromise, hijacked threads) judges from,
# without mail knowledge.  lookalike.c: lookalike domains of the protected
# domains (libidn2 for IDNA, libpsl for registrable domains, ICU's spoof
# checker for UTS #39 skeletons).
pkg_check_modules(LIBIDN2 REQUIRED IMPORTED_TARGET libidn2)
pkg_check_modules(LIBPSL REQUIRED IMPORTED_TARGET libpsl)
mamori_layer(mamori_bec
  SOURCES src/bec/lookalike.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::LIBIDN2 PkgConfig::LIBPSL PkgConfig::ICU)
