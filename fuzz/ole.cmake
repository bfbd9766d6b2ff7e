# fuzz/ole.cmake - the ole fuzz target (fuzz_ole.c, src/objects/documents/ole.c vba.c
# xlm.c).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS ole)
set(fuzz_libs_ole mamori_objects)
set(fuzz_secs_ole 20)
# ole.c opens compound files with libgsf, which leaks on some damaged
# directories (scripts/lsan.supp names its constructor; found by a fuzz run
# of the ole target, fuzz/regress/ole/gsf-msole-dirent-leak.doc): the
# suppression needs full allocation stacks, so this target fuzzes with the
# slow unwinder and keeps leak detection for our code.
set(fuzz_run_env_ole "ASAN_OPTIONS=fast_unwind_on_malloc=0")
