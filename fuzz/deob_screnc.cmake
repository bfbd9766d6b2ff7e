# fuzz/deob_screnc.cmake - the deob_screnc fuzz target (fuzz_deob_screnc.c:
# any text through src/deob/screnc.c's Script Encoder decoder).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_screnc)
set(fuzz_libs_deob_screnc mamori_deob)
set(fuzz_secs_deob_screnc 20)
