/*
 * psl.h - the public suffix list of the process: the system's
 * (/usr/share/publicsuffix, libpsl's psl_latest()) when there is one, else
 * libpsl's built-in list; loaded once on first use, thread-safe, never
 * freed.  Everything that asks for a registrable domain (DMARC's
 * organisational domain, the URL module, the feeds, the look-alike test,
 * the classifier's URL hosts) asks this one list, so that they agree.
 */
#ifndef MAMORI_UTIL_PSL_H
#define MAMORI_UTIL_PSL_H

#include <libpsl.h>

const psl_ctx_t *mamori_psl(void);

#endif
