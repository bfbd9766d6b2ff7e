# src/ppap/ppap.cmake - PPAP: password-protected attachments and their
# passwords (docs/ppap.md).  discover.c finds candidate passwords in a
# mail's text, above the message model (mamori_mime) and the candidate
# lists of the object tree (mamori_objects); HTML through gumbo, found by
# src/objects/objects.cmake.
mamori_layer(mamori_ppap
  SOURCES src/ppap/discover.c
  DEPS mamori_objects mamori_mime PkgConfig::GUMBO)
