# fuzz/pcode.cmake - the pcode fuzz target (fuzz_pcode.c: src/objects/documents/pcode.c
# and docstrings.c).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS pcode)
set(fuzz_libs_pcode mamori_objects)
set(fuzz_secs_pcode 20)
