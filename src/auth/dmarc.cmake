# src/auth/dmarc.cmake - the DMARC layer (RFC 7489 + np=): src/auth/dmarc.c.
# Included from the top-level CMakeLists.txt after the mamori_mime layer.
# Needs only GLib and libpsl (organisational domains: util/psl.h); no DNS,
# no MIME.
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
mamori_layer(mamori_dmarc
  SOURCES src/auth/dmarc.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::PSL)
