# fuzz/vba.cmake - the vba fuzz target (fuzz_vba.c, src/objects/ole.c vba.c
# xlm.c).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS vba)
set(fuzz_libs_vba mamori_objects)
set(fuzz_secs_vba 20)
