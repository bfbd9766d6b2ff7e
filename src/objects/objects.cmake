# src/objects/objects.cmake - the object tree (unpacking on libarchive,
# libmspack and GMime) and the check that names what it found.
# The true-type library (filetype.cmake) is below it.
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBMSPACK REQUIRED IMPORTED_TARGET libmspack)
pkg_check_modules(LIBGSF REQUIRED IMPORTED_TARGET libgsf-1)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
mamori_layer(mamori_objects
  # the tree driver and the interface it implements (tree_api.h)
  SOURCES src/objects/unpack.c src/objects/sink.c src/objects/tree_api.c
    src/objects/password.c
  # containers (their registry: containers/registry.c)
    src/objects/containers/registry.c
    src/objects/containers/archive.c
    src/objects/containers/mspack.c
    src/objects/containers/sevenzip.c
    src/objects/containers/mailfile.c
    src/objects/containers/activemime.c
  # document analysers (their registry: documents/documents.c)
    src/objects/documents/documents.c
    src/objects/documents/lnk.c
    src/objects/documents/onenote.c
    src/objects/documents/markup.c
    src/objects/documents/ooxml.c
    src/objects/documents/xlsb.c
    src/objects/documents/odf.c
    src/objects/documents/ppt.c
    src/objects/documents/flatxml.c
    src/objects/documents/rtf.c
    src/objects/documents/ole.c
    src/objects/documents/vba.c
    src/objects/documents/pcode.c
    src/objects/documents/docstrings.c
    src/objects/documents/xlm.c
    src/objects/documents/sylk.c
    src/objects/documents/pdf.c
    src/objects/documents/offcrypto.c
    src/objects/documents/html.c
    src/objects/documents/sandbox.c
  DEPS mamori_mime mamori_html mamori_deob mamori_filetype PkgConfig::LIBARCHIVE PkgConfig::LIBMSPACK
    PkgConfig::OPENSSL PkgConfig::LIBGSF PkgConfig::ZLIB PkgConfig::GUMBO)
