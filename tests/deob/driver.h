/*
 * driver.h - what the evaluators' test drivers (tests/deob/NAME_driver.c)
 * share: a file read whole, and a result printed for the Python oracles
 * as JSON lines: one {"file": .., "how": .., "value": ..} per recovered
 * string, then {"file": .., "limit": .. or null, "steps": N} ("file" only
 * when one is given).
 */
#ifndef MAMORI_TESTS_DEOB_DRIVER_H
#define MAMORI_TESTS_DEOB_DRIVER_H

#include <glib.h>

#include "deob/deob.h"

/* path's bytes (g_free), or NULL with "prog: why" on stderr. */
gchar *driver_read(const char *prog, const char *path, gsize *len);

/* r as the JSON lines above, on stdout. */
void driver_print(const struct deob_result *r, const char *file);

#endif
