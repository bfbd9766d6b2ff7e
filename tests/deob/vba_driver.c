/*
 * vba_driver.c - deob_vba() on a file, for tests/deob/vba_oracle.py.
 *
 * Usage: vba_driver SOURCE [EXTRA]
 * SOURCE is the macro's text; EXTRA, when given, holds the document
 * strings, one "name<TAB>value" a line.  Prints the JSON lines of
 * driver.h.  Exit 0, or 2 when a file cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vba_driver SOURCE [EXTRA]\n");
		return 2;
	}
	gsize len = 0;
	gchar *text = driver_read("vba_driver", argv[1], &len);
	if (text == NULL)
		return 2;
	GHashTable *extra = NULL;
	if (argc == 3) {
		gsize elen = 0;
		gchar *e = driver_read("vba_driver", argv[2], &elen);
		if (e == NULL) {
			g_free(text);
			return 2;
		}
		extra = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		gchar **lines = g_strsplit(e, "\n", -1);
		for (gchar **l = lines; *l != NULL; l++) {
			char *tab = strchr(*l, '\t');
			if (tab != NULL)
				g_hash_table_insert(extra, g_strndup(*l, (gsize)(tab - *l)),
				    g_strdup(tab + 1));
		}
		g_strfreev(lines);
		g_free(e);
	}
	struct deob_result r;
	deob_result_init(&r);
	deob_vba(text, len, extra, NULL, &r);
	driver_print(&r, NULL);
	deob_result_clear(&r);
	if (extra != NULL)
		g_hash_table_destroy(extra);
	g_free(text);
	return 0;
}
