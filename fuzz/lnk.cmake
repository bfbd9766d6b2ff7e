# fuzz/lnk.cmake - the lnk fuzz target (fuzz_lnk.c: src/objects/documents/lnk.c through
# the object tree).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS lnk)
set(fuzz_libs_lnk mamori_objects)
set(fuzz_secs_lnk 20)
