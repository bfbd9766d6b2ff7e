# src/daemon/daemon.cmake - what the long-running front ends share (engine
# reload, privileges, logging, metrics).
mamori_layer(mamori_daemon
  SOURCES src/daemon/daemon.c src/daemon/metrics.c
  DEPS mamori PkgConfig::GLIB)
