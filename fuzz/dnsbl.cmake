# fuzz/dnsbl.cmake - the dnsbl fuzz target (fuzz_dnsbl.c: DNS blocklists'
# parsers, src/spam/dnsbl.c: the zone strings of dnsbl.zones, networks,
# addresses and query names, SpamAssassin's sub-tests).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS dnsbl)
set(fuzz_libs_dnsbl mamori_dnsbl)
set(fuzz_secs_dnsbl 30)
