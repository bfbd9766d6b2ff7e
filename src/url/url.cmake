# src/url/url.cmake - URLs parsed (GLib's GUri), normalised (libidn2 for
# IDNA, libpsl for registrable domains), unwrapped, and ICU's spoof checker
# for homographs.  No mail knowledge: the urls module (src/checks/urls/)
# finds the URLs and judges them.  feeds.c: the urls.feeds index (XXH3
# hashes of the entries in one open-addressing table).
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(LIBIDN2 REQUIRED IMPORTED_TARGET libidn2)
pkg_check_modules(LIBPSL REQUIRED IMPORTED_TARGET libpsl)
mamori_layer(mamori_url
  SOURCES src/url/url.c src/url/feeds.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::LIBIDN2 PkgConfig::LIBPSL PkgConfig::ICU
       PkgConfig::XXHASH)
