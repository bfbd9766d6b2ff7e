# src/engines/engines.cmake - the malware engines as a check (YARA in
# process, clamd over its socket); the engine libraries are yara.cmake and
# clamd.cmake.
mamori_layer(mamori_enginecheck
  SOURCES src/engines/check_engines.c
  DEPS mamori_base mamori_objects mamori_yara mamori_clamd)
