# fuzz/ole.cmake - the ole fuzz target (fuzz_ole.c, src/objects/ole.c vba.c
# xlm.c).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS ole)
set(fuzz_libs_ole mamori_objects)
set(fuzz_secs_ole 20)
