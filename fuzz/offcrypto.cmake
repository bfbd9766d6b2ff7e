# fuzz/offcrypto.cmake - the offcrypto fuzz target (fuzz_offcrypto.c,
# src/objects/offcrypto.c through ole.c).  Included from fuzz/CMakeLists.txt
# after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS offcrypto)
set(fuzz_libs_offcrypto mamori_objects)
set(fuzz_secs_offcrypto 20)
