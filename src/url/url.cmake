# src/url/url.cmake - URLs parsed (GLib's GUri), normalised (libidn2 for
# IDNA, libpsl for registrable domains), unwrapped, and ICU's spoof checker
# for homographs.  No mail knowledge: the urls module (src/checks/urls/)
# finds the URLs and judges them.
pkg_check_modules(LIBIDN2 REQUIRED IMPORTED_TARGET libidn2)
pkg_check_modules(LIBPSL REQUIRED IMPORTED_TARGET libpsl)
mamori_layer(mamori_url
  SOURCES src/url/url.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::LIBIDN2 PkgConfig::LIBPSL PkgConfig::ICU)
