# fuzz/sylk.cmake - the sylk fuzz target (fuzz_sylk.c: src/objects/documents/sylk.c,
# and through it the XLM evaluator).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sylk)
set(fuzz_libs_sylk mamori_objects)
set(fuzz_secs_sylk 20)
