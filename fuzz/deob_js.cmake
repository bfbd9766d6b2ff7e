# fuzz/deob_js.cmake - the deob_js fuzz target (fuzz_deob_js.c: a script
# through src/deob/js.c's JScript folder, with small limits).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_js)
set(fuzz_libs_deob_js mamori_deob)
set(fuzz_secs_deob_js 20)
