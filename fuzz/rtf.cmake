# fuzz/rtf.cmake - the rtf fuzz target (fuzz_rtf.c: src/objects/documents/rtf.c).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS rtf)
set(fuzz_libs_rtf mamori_objects)
set(fuzz_secs_rtf 20)
