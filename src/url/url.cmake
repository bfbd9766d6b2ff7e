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

# bench/url-feeds.c: load time, memory and lookup cost of a feed of a
# million entries (bench/url-feeds.sh); built with the tests, not installed.
if(MAMORI_TESTS)
  add_executable(bench_url_feeds bench/url-feeds.c)
  target_compile_options(bench_url_feeds PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(bench_url_feeds PRIVATE mamori_url)
endif()
