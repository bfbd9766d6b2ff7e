# src/content/content.cmake - the content of a scan (content.c): the text and
# links of every text and HTML part, body and attachments, and the password
# candidates.  Above the object tree (it reads the attachments and their
# HTML parse, mobj.html) and the one HTML pass (mamori_html); below the
# checks, which read it.
mamori_layer(mamori_content
  SOURCES src/content/content.c
  DEPS mamori_objects mamori_html mamori_mime PkgConfig::ICU)
