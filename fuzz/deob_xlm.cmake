# fuzz/deob_xlm.cmake - the deob_xlm fuzz target (fuzz_deob_xlm.c: cells in
# the text form of deob_xlm_lines() through src/deob/xlm.c, with small
# limits).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_xlm)
set(fuzz_libs_deob_xlm mamori_deob)
set(fuzz_secs_deob_xlm 20)
