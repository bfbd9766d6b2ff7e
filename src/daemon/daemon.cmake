# src/daemon/daemon.cmake - what the long-running front ends share (engine
# reload, privileges, logging, metrics).
mamori_layer(mamori_daemon
  SOURCES src/daemon/daemon.c src/daemon/metrics.c
  DEPS mamori PkgConfig::GLIB)
# `mamori milter` on libmilter (no pkg-config file: found by name).
find_library(MILTER_LIBRARY milter REQUIRED)
find_path(MILTER_INCLUDE_DIR libmilter/mfapi.h REQUIRED)
find_package(Threads REQUIRED)
# the PPAP life cycle of held messages (ppap.h): milter, HTTP API, CLI
mamori_layer(mamori_ppapd
  SOURCES src/daemon/ppap.c
  DEPS mamori_daemon mamori_store mamori_ppap_rewrite mamori)
mamori_layer(mamori_milter
  SOURCES src/daemon/milter.c
  DEPS mamori_daemon mamori_store mamori_ppapd ${MILTER_LIBRARY} Threads::Threads)
target_compile_definitions(mamori_milter PRIVATE MAMORI_HAVE_STORE=1)
target_include_directories(mamori_milter PRIVATE ${MILTER_INCLUDE_DIR})
