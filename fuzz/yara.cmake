# fuzz/yara.cmake - the yara fuzz target (fuzz_yara.c over src/engines/yara.c
# with the shipped rules of yara/).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.  The rules directory is a property of the
# source file, so that both fuzz_replay_yara and fuzz_yara get it.
list(APPEND MAMORI_FUZZ_TARGETS yara)
set(fuzz_libs_yara mamori_yara)
set(fuzz_secs_yara 20)
set_property(SOURCE fuzz_yara.c APPEND PROPERTY COMPILE_DEFINITIONS
  MAMORI_YARA_DIR="${PROJECT_SOURCE_DIR}/yara")
