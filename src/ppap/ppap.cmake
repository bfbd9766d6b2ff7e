# src/ppap/ppap.cmake - PPAP: password-protected attachments and their
# passwords (docs/ppap.md).  discover.c finds candidate passwords in a
# mail's text, above the message model (mamori_mime) and the candidate
# lists of the object tree (mamori_objects); the visible text of HTML from
# the content layer (mamori_content), which parses each part once.
mamori_layer(mamori_ppap
  SOURCES src/ppap/discover.c
  DEPS mamori_content mamori_objects mamori_mime)
