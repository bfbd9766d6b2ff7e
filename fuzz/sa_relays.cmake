# fuzz/sa_relays.cmake - the sa_relays fuzz target (fuzz_sa_relays.c: the
# Received parser, src/spam/sa_relays.c, over header fields cut from the
# input, with inferred and configured trust and tight limits).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sa_relays)
set(fuzz_libs_sa_relays mamori_sa_relays)
set(fuzz_secs_sa_relays 60)
