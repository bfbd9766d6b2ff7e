# fuzz/extract.cmake - the extract fuzz target (fuzz_extract.c: the one HTML
# pass of src/html/extract.c, with tight and default limits).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS extract)
set(fuzz_libs_extract mamori_html)
set(fuzz_secs_extract 20)
