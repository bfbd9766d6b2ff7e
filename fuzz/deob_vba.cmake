# fuzz/deob_vba.cmake - the deob_vba fuzz target (fuzz_deob_vba.c: a macro's
# source through src/deob/vba.c's VBA/VBScript evaluator).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_vba)
set(fuzz_libs_deob_vba mamori_deob)
set(fuzz_secs_deob_vba 20)
