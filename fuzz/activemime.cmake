# fuzz/activemime.cmake - the activemime fuzz target (fuzz_activemime.c:
# src/objects/containers/activemime.c and the OLE2 file behind it).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS activemime)
set(fuzz_libs_activemime mamori_objects)
set(fuzz_secs_activemime 20)
# the OLE2 file behind it reaches libgsf (see ole.cmake)
set(fuzz_run_env_activemime "ASAN_OPTIONS=fast_unwind_on_malloc=0")
