# fuzz/sa_conf.cmake - the sa_conf fuzz target (fuzz_sa_conf.c: the
# SpamAssassin rule-file parser, src/spam/sa_conf.c, over one .cf buffer
# with includes refused, with the default and tight limits, with and
# without plugins).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sa_conf)
set(fuzz_libs_sa_conf mamori_sa_conf)
set(fuzz_secs_sa_conf 30)
