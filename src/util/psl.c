/*
 * psl.c - the public suffix list of the process (psl.h).
 */
#include "util/psl.h"

#include <glib.h>

static gpointer
load(gpointer unused)
{
	(void)unused;
	psl_ctx_t *latest = psl_latest(NULL);
	return latest != NULL ? (gpointer)latest : (gpointer)psl_builtin();
}

const psl_ctx_t *
mamori_psl(void)
{
	static GOnce once = G_ONCE_INIT;
	return g_once(&once, load, NULL);
}
