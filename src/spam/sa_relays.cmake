# src/spam/sa_relays.cmake - the Received fields parsed as SpamAssassin
# does (sa_relays.c: per-MTA formats in PCRE2, trusted/untrusted split,
# X-Spam-Relays-* texts).  Read by the RelayEval functions (sa_eval), the
# spam module's header rules, and the DNS blocklists.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
mamori_layer(mamori_sa_relays
  SOURCES src/spam/sa_relays.c
  DEPS PkgConfig::PCRE2 PkgConfig::GLIB)
