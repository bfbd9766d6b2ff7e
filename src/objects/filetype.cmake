# src/objects: true file type by content (libmagic + own signatures) and
# file-name checks.
pkg_check_modules(LIBMAGIC IMPORTED_TARGET libmagic)
if(LIBMAGIC_FOUND)
  set(MAMORI_MAGIC_LIB PkgConfig::LIBMAGIC)
else()
  find_library(MAMORI_MAGIC_LIB magic REQUIRED)
endif()
mamori_layer(mamori_filetype
  SOURCES src/objects/filetype.c src/objects/filename.c
  DEPS mamori_util PkgConfig::GLIB ${MAMORI_MAGIC_LIB})
