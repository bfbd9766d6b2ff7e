/*
 * keyfile.h - DKIM/ARC key records from a file, for the test drivers.
 *
 * One record a line: NAME<whitespace>VALUE, where VALUE is the TXT record,
 * NXDOMAIN (not found), ~~...~~ (a temporary failure, e.g. ~~SERVFAIL~~) or
 * "" (an empty record); lines starting with # or ; are comments.  A name
 * not listed is not found.  Names compare without case.
 */
#ifndef MAMORI_TESTS_KEYFILE_H
#define MAMORI_TESTS_KEYFILE_H

#include "auth/dkim.h"

/* Load path (exits with status 2 and a message naming prog on error). */
void keyfile_load(const char *path, const char *prog);
/* A dkim_key_fetch over the loaded records (user is ignored). */
enum dkim_key_status keyfile_fetch(void *user, const char *name, char **txt,
    size_t *len);
void keyfile_free(void);

#endif
