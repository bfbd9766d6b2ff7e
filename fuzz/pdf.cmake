# fuzz/pdf.cmake - the PDF fuzz target (fuzz_pdf.c: one PDF typed,
# scanned by src/objects/documents/pdf.c and its embedded files unpacked).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS pdf)
set(fuzz_libs_pdf mamori_objects)
set(fuzz_secs_pdf 20)
