# fuzz/html.cmake - the html fuzz target (fuzz_html.c: an HTML, HTA or SVG
# attachment through src/objects/documents/html.c and its one gumbo pass,
# src/html/extract.c).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS html)
set(fuzz_libs_html mamori_objects)
set(fuzz_secs_html 20)
