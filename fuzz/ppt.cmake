# fuzz/ppt.cmake - the ppt fuzz target (fuzz_ppt.c: src/objects/documents/ppt.c,
# through ooxml.c for .pptx).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS ppt)
set(fuzz_libs_ppt mamori_objects)
set(fuzz_secs_ppt 20)
