# src/spam/sa_meta.cmake - SpamAssassin meta rule expressions (sa_meta.c,
# issue 15): compiled to bytecode once per configuration, evaluated per
# message over the other rules' hits, ordered by their dependencies.  No
# dependency beyond GLib: the rule loader and the spam module link it.
mamori_layer(mamori_sa_meta
  SOURCES src/spam/sa_meta.c
  DEPS mamori_util PkgConfig::GLIB)
