# fuzz/qr.cmake - the qr fuzz target (fuzz_qr.c: one image through
# src/qr/qr.c: libpng, libjpeg-turbo or giflib, then zbar).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS qr)
set(fuzz_libs_qr mamori_qr)
set(fuzz_secs_qr 60)
set(fuzz_dict_qr ${CMAKE_CURRENT_SOURCE_DIR}/dict/qr.dict)
