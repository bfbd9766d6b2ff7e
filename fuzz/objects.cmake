# fuzz/objects.cmake - the objects fuzz target (fuzz_objects.c: one
# attachment typed and unpacked by src/objects).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS objects)
set(fuzz_libs_objects mamori_objects)
set(fuzz_secs_objects 60)
