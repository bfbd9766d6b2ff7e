# src/spam/sa_match.cmake - SpamAssassin's regular expressions matched in
# one pass (sa_match.c, issue 15): Hyperscan (libhs) for every pattern it
# takes exactly or as a prefilter, PCRE2 (8-bit, JIT) to confirm, to count
# and for the rest.  Beside the tokeniser, below the modules.
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
mamori_layer(mamori_sa_match
  SOURCES src/spam/sa_match.c
  DEPS PkgConfig::HYPERSCAN PkgConfig::PCRE2)
