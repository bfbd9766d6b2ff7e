/*
 * arc_driver.c - run arc_validate over message files, for the ARC suite.
 *
 * Usage: arc_driver KEYFILE MSGFILE...
 * KEYFILE has one record a line: NAME<whitespace>VALUE (the TXT record);
 * ~~TEMPFAIL~~ means a temporary failure; lines starting with # are
 * comments.  A name not listed is not found.  No network.
 *
 * Output, one line per message:
 * PATH<TAB>CV<TAB>REASON<TAB>oldest-pass<TAB>sealer<TAB>aar
 *
 * Limits: files are read whole (test data).  Security: test tool only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "auth/arc.h"

static GHashTable *keys;

static enum dkim_key_status
fetch(void *user, const char *name, char **txt, size_t *len)
{
	(void)user;
	gchar *lname = g_ascii_strdown(name, -1);
	const char *v = g_hash_table_lookup(keys, lname);
	g_free(lname);
	if (v == NULL)
		return DKIM_KEY_NOTFOUND;
	if (strncmp(v, "~~", 2) == 0)
		return DKIM_KEY_TEMPFAIL;
	*txt = g_strdup(v);
	*len = strlen(v);
	return DKIM_KEY_FOUND;
}

static void
load_keys(const char *path)
{
	gchar *data = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, NULL, &err)) {
		fprintf(stderr, "arc_driver: %s\n", err->message);
		exit(2);
	}
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gchar **lines = g_strsplit(data, "\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		g_strstrip(*l);
		if (**l == '\0' || **l == '#')
			continue;
		char *sp = strpbrk(*l, " \t");
		if (sp == NULL)
			continue;
		*sp = '\0';
		char *v = g_strstrip(sp + 1);
		g_hash_table_replace(keys, g_ascii_strdown(*l, -1), g_strdup(v));
	}
	g_strfreev(lines);
	g_free(data);
}

int
main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: arc_driver KEYFILE MSGFILE...\n");
		return 2;
	}
	load_keys(argv[1]);
	for (int k = 2; k < argc; k++) {
		gchar *data = NULL;
		gsize len = 0;
		if (!g_file_get_contents(argv[k], &data, &len, NULL)) {
			printf("%s\terror\tunreadable\n", argv[k]);
			rc = 1;
			continue;
		}
		struct arc_result r;
		arc_validate((const uint8_t *)data, len, fetch, NULL, &r);
		printf("%s\t%s\t%s\t%d\t%s\t%s\n", argv[k], arc_cv_name(r.cv),
		    r.reason ? r.reason : "", r.oldest_pass,
		    r.sealer ? r.sealer : "-", r.aar ? r.aar : "-");
		arc_result_clear(&r);
		g_free(data);
	}
	g_hash_table_destroy(keys);
	return rc;
}
