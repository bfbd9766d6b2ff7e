# src/objects/objects.cmake - the object tree (unpacking on libarchive,
# libmspack and GMime) and the check that names what it found.
# The true-type library (filetype.cmake) is below it.
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBMSPACK REQUIRED IMPORTED_TARGET libmspack)
pkg_check_modules(LIBGSF REQUIRED IMPORTED_TARGET libgsf-1)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
mamori_layer(mamori_objects
  SOURCES src/objects/unpack.c src/objects/sink.c src/objects/archive.c
    src/objects/formats.c src/objects/mspack.c src/objects/documents.c
    src/objects/lnk.c
    src/objects/onenote.c
    src/objects/ooxml.c
    src/objects/rtf.c
    src/objects/ole.c
    src/objects/vba.c
    src/objects/xlm.c
    src/objects/pdf.c
    src/objects/html.c
    src/objects/password.c
    src/objects/sevenzip.c
    src/objects/offcrypto.c
  DEPS mamori_mime mamori_html mamori_filetype PkgConfig::LIBARCHIVE PkgConfig::LIBMSPACK
    PkgConfig::OPENSSL PkgConfig::LIBGSF PkgConfig::ZLIB PkgConfig::GUMBO)
mamori_layer(mamori_objcheck
  SOURCES src/objects/check_objects.c src/objects/check_documents.c
    src/objects/check_ppap.c
  DEPS mamori_base mamori_objects)
