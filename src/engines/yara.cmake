# src/engines/yara: the YARA engine (yara.h) on libyara, in process.
pkg_check_modules(YARA REQUIRED IMPORTED_TARGET yara)
mamori_layer(mamori_yara SOURCES src/engines/yara.c DEPS PkgConfig::YARA PkgConfig::GLIB)
