# src/html/html.cmake - the one HTML pass (extract.c: gumbo, bounded): visible
# text, links and what the HTML analyser judges from.  Below the object tree
# (src/objects/html.c judges from it) and the content layer (src/content/,
# which keeps one parse per HTML part for the scan).
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
mamori_layer(mamori_html
  SOURCES src/html/extract.c src/html/sa_stats.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::GUMBO m)
