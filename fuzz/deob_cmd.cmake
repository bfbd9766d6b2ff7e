# fuzz/deob_cmd.cmake - the deob_cmd fuzz target (fuzz_deob_cmd.c: a batch
# file or command line through src/deob/cmd.c's cmd.exe evaluator, with
# small limits).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_cmd)
set(fuzz_libs_deob_cmd mamori_deob)
set(fuzz_secs_deob_cmd 20)
set(fuzz_dict_deob_cmd ${CMAKE_CURRENT_SOURCE_DIR}/dict/deob_cmd.dict)
