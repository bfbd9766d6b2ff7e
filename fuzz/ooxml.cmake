# fuzz/ooxml.cmake - the ooxml fuzz target (fuzz_ooxml.c: src/objects/documents/ooxml.c).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS ooxml)
set(fuzz_libs_ooxml mamori_objects)
set(fuzz_secs_ooxml 20)
