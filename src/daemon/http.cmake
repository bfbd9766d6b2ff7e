# src/daemon/http.cmake - `mamori serve`, the HTTP API on libmicrohttpd.
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd>=0.9.71)
mamori_layer(mamori_http
  SOURCES src/daemon/http.c
  DEPS mamori_daemon mamori_store mamori_ppapd mamori PkgConfig::MHD PkgConfig::GLIB)
# the command itself is part of the CLI, defined further down
cmake_language(DEFER CALL target_sources mamori_cli PRIVATE
  ${PROJECT_SOURCE_DIR}/src/cli/cmd_serve.c)
cmake_language(DEFER CALL target_link_libraries mamori_cli PRIVATE mamori_http)
