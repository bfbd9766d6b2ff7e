# src/qr/qr.cmake - QR codes decoded from images (qr.c): PNG, JPEG and GIF
# decoded to grey by libpng, libjpeg-turbo and giflib, scanned by zbar.
# Rank 1 (tests/check_layers.py): no mail knowledge, for the URL module.
pkg_check_modules(ZBAR REQUIRED IMPORTED_TARGET zbar)
pkg_check_modules(PNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)
# giflib ships no pkg-config file in Debian 12
find_library(GIF_LIB gif)
find_path(GIF_INCLUDE_DIR gif_lib.h)
if(NOT GIF_LIB OR NOT GIF_INCLUDE_DIR)
  message(FATAL_ERROR "giflib not found (gif_lib.h and libgif): install libgif-dev "
    "(scripts/install-deps.sh)")
endif()
add_library(mamori_giflib INTERFACE IMPORTED)
set_target_properties(mamori_giflib PROPERTIES
  INTERFACE_LINK_LIBRARIES "${GIF_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${GIF_INCLUDE_DIR}")
mamori_layer(mamori_qr
  SOURCES src/qr/qr.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::ZBAR PkgConfig::PNG PkgConfig::JPEG mamori_giflib)
