# src/auth/dkim.cmake - the DKIM verifier layer (OpenSSL libcrypto, no DNS:
# keys come from a callback).
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET libcrypto)
mamori_layer(mamori_dkim
  SOURCES src/auth/dkim.c
  DEPS PkgConfig::GLIB PkgConfig::OPENSSL)
