# src/store/store.cmake - the store (store.h) on SQLite, and the release of
# quarantined messages (release.h).  mamori_base: the result accessors.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3>=3.24)
mamori_layer(mamori_store
  SOURCES src/store/store.c src/store/sqlite.c src/store/release.c src/store/entry_json.c
  DEPS mamori_base PkgConfig::SQLITE3 PkgConfig::GLIB)
