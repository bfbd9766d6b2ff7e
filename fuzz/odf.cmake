# fuzz/odf.cmake - the odf fuzz target (fuzz_odf.c: src/objects/documents/odf.c).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS odf)
set(fuzz_libs_odf mamori_objects)
set(fuzz_secs_odf 20)
