# fuzz/dmarc.cmake - the dmarc fuzz target (fuzz_dmarc.c over src/auth/dmarc.c).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS dmarc)
set(fuzz_libs_dmarc mamori_dmarc)
set(fuzz_secs_dmarc 20)
set(fuzz_dict_dmarc ${CMAKE_CURRENT_SOURCE_DIR}/dict/dmarc.dict)
