# src/spam/sa_match.cmake - SpamAssassin's regular expressions matched in
# one pass (sa_match.c, issue 15): Hyperscan (libhs) for every pattern it
# takes exactly or as a prefilter, PCRE2 (8-bit, JIT) to confirm, to count
# and for the rest.  Beside the tokeniser, below the modules.
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
mamori_layer(mamori_sa_match
  SOURCES src/spam/sa_match.c
  DEPS PkgConfig::HYPERSCAN PkgConfig::PCRE2 PkgConfig::GLIB)

# bench/sa-match.c: CPU time per message of the stock rules' patterns in
# one database, against PCRE2 pattern by pattern; built with the tests,
# not installed.
if(MAMORI_TESTS)
  add_executable(bench_sa_match bench/sa-match.c)
  target_compile_options(bench_sa_match PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(bench_sa_match PRIVATE mamori_sa_match mamori_sa_conf PkgConfig::PCRE2)
endif()
