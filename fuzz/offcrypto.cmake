# fuzz/offcrypto.cmake - the offcrypto fuzz target (fuzz_offcrypto.c,
# src/objects/documents/offcrypto.c through ole.c).  Included from fuzz/CMakeLists.txt
# after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS offcrypto)
set(fuzz_libs_offcrypto mamori_objects)
set(fuzz_secs_offcrypto 20)
# libgsf leaks on some damaged directories (scripts/lsan.supp names its
# constructor): the suppression needs full allocation stacks, so this
# target fuzzes with the slow unwinder (about 300 runs/s; the key
# derivation dominates anyway) and keeps leak detection for our code.
set(fuzz_run_env_offcrypto "ASAN_OPTIONS=fast_unwind_on_malloc=0")
