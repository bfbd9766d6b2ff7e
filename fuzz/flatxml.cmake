# fuzz/flatxml.cmake - the flatxml fuzz target (fuzz_flatxml.c:
# src/objects/documents/flatxml.c, Flat OPC, Word 2003 XML, Excel 2003 XML).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS flatxml)
set(fuzz_libs_flatxml mamori_objects)
set(fuzz_secs_flatxml 20)
# binData and binaryData parts reach ole.c and libgsf (see ole.cmake)
set(fuzz_run_env_flatxml "ASAN_OPTIONS=fast_unwind_on_malloc=0")
