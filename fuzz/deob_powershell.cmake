# fuzz/deob_powershell.cmake - the deob_powershell fuzz target
# (fuzz_deob_powershell.c: a PowerShell script or command line through
# src/deob/powershell.c, default and small limits).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS deob_powershell)
set(fuzz_libs_deob_powershell mamori_deob)
set(fuzz_secs_deob_powershell 20)
