# src/engines/clamd: the clamd INSTREAM client (clamd.h).  No dependency but
# GLib (g_strerror); the check that uses it links this layer.
mamori_layer(mamori_clamd SOURCES src/engines/clamd.c DEPS PkgConfig::GLIB)
