# fuzz/objects.cmake - the objects fuzz target (fuzz_objects.c: one
# attachment typed and unpacked by src/objects).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS objects)
set(fuzz_libs_objects mamori_objects)
set(fuzz_secs_objects 60)
# Office documents reach ole.c and libgsf, which leaks on some damaged
# directories (scripts/lsan.supp): full allocation stacks, so that the
# suppression matches, as for the ole, vba and offcrypto targets.
set(fuzz_run_env_objects "ASAN_OPTIONS=fast_unwind_on_malloc=0")
