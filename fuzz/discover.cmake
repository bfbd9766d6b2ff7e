# fuzz/discover.cmake - the discover fuzz target (fuzz_discover.c: candidate
# passwords in text, subject keys, and a whole message through
# src/ppap/discover.c).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS discover)
set(fuzz_libs_discover mamori_ppap)
set(fuzz_secs_discover 20)
