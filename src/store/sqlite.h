/*
 * sqlite.h - the SQLite backend of the store (sqlite.c): the one function
 * that knows it; everything else reaches it through struct mamori_store's
 * table of operations (include/mamori/store.h, store.h).
 */
#ifndef MAMORI_STORE_SQLITE_H
#define MAMORI_STORE_SQLITE_H

#include <stddef.h>

#include "mamori/store.h"

/*
 * Open (creating if needed) the store in state_dir: state_dir/mamori.db
 * (WAL, synchronous=FULL, schema versioned and migrated; it and its -wal
 * and -shm 0600) and state_dir/quarantine/.  NULL on error, with err
 * filled.  Close with mamori_store_close().
 */
struct mamori_store *store_sqlite_open(const char *state_dir, char *err, size_t errlen);

#endif
