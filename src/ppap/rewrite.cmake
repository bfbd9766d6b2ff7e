# src/ppap/rewrite.cmake - the expiry rewrite of a held PPAP message
# (rewrite.h): GMime 3 and the mime layer's RFC 2047 pre-pass.
mamori_layer(mamori_ppap_rewrite
  SOURCES src/ppap/rewrite.c
  DEPS mamori_mime PkgConfig::GMIME PkgConfig::GLIB)
