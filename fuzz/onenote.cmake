# fuzz/onenote.cmake - the onenote fuzz target (fuzz_onenote.c: src/objects/documents/onenote.c through
# the object tree).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS onenote)
set(fuzz_libs_onenote mamori_objects)
set(fuzz_secs_onenote 20)
