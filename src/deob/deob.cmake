# src/deob/deob.cmake - the static sandbox (issue 18): evaluators that
# fold the constant string-building of macros and scripts (PowerShell,
# the Script Encoder, VBA/VBScript, JScript, Excel 4.0 macro sheets, batch
# files) into the strings they yield, bounded; no mail knowledge (rank 1,
# tests/check_layers.py).
mamori_layer(mamori_deob
  SOURCES src/deob/cmd.c src/deob/deob.c src/deob/js.c src/deob/powershell.c
    src/deob/screnc.c src/deob/vba.c src/deob/xlm.c
  DEPS mamori_util PkgConfig::GLIB)
