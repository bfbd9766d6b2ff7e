# src/spam/dnsbl.cmake - DNS blocklists, the pure part (dnsbl.c: zone
# strings, query names, answers, networks, SpamAssassin's sub-tests; issue
# 15).  No network: the dnsbl module sends the queries.  PCRE2 runs the
# sub-tests that are regular expressions.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
mamori_layer(mamori_dnsbl
  SOURCES src/spam/dnsbl.c
  DEPS PkgConfig::PCRE2 PkgConfig::GLIB m)
