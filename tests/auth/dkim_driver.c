/*
 * dkim_driver.c - run dkim_verify over message files, for the cross-checks.
 *
 * Usage: dkim_driver [--now SECONDS] [--all] KEYFILE MSGFILE...
 *        dkim_driver [--now SECONDS] [--all] KEYFILE --list LISTFILE
 * KEYFILE has one record a line: NAME<whitespace>VALUE, where VALUE is the
 * TXT record, NXDOMAIN (not found), ~~TEMPFAIL~~, ~~Query timed out~~ or
 * ~~SERVFAIL~~ (temporary failure), or "" (an empty record); lines starting
 * with # or ; are comments.  A name not listed is not found.
 *
 * Output, one line per message: PATH<TAB>VERDICT<TAB>REASON for the first
 * signature (dkimpy's default), or with --all one line per signature
 * PATH<TAB>N<TAB>VERDICT<TAB>d=..<TAB>REASON.
 *
 * Limits: files are read whole (test data).  Security: test tool only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "auth/dkim.h"

static GHashTable *keys;

static enum dkim_key_status
fetch(void *user, const char *name, char **txt, size_t *len)
{
	(void)user;
	gchar *lname = g_ascii_strdown(name, -1);
	const char *v = g_hash_table_lookup(keys, lname);
	g_free(lname);
	if (v == NULL || strcmp(v, "NXDOMAIN") == 0)
		return DKIM_KEY_NOTFOUND;
	if (strncmp(v, "~~", 2) == 0)
		return DKIM_KEY_TEMPFAIL;
	if (strcmp(v, "\"\"") == 0)
		v = "";
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
		fprintf(stderr, "dkim_driver: %s\n", err->message);
		exit(2);
	}
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gchar **lines = g_strsplit(data, "\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		g_strstrip(*l);
		if (**l == '\0' || **l == '#' || **l == ';')
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

static int
run(const char *path, int64_t now, int all)
{
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL)) {
		printf("%s\terror\tunreadable\n", path);
		return 1;
	}
	struct dkim_result res[DKIM_MAX_SIGNATURES];
	size_t n = dkim_verify((const uint8_t *)data, len, fetch, NULL, now,
	    res, DKIM_MAX_SIGNATURES);
	if (all) {
		for (size_t k = 0; k < n; k++)
			printf("%s\t%zu\t%s\td=%s\t%s\n", path, k + 1,
			    dkim_status_name(res[k].status),
			    res[k].d ? res[k].d : "", res[k].reason);
	} else {
		printf("%s\t%s\t%s\n", path, dkim_status_name(res[0].status),
		    res[0].reason);
	}
	dkim_results_clear(res, n);
	g_free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t now = (int64_t)time(NULL);
	int all = 0, i = 1, rc = 0;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: dkim_driver [--now S] [--all] KEYFILE MSG...|--list FILE\n");
		return 2;
	}
	load_keys(argv[i++]);
	if (i + 1 < argc && strcmp(argv[i], "--list") == 0) {
		gchar *lst = NULL;
		if (!g_file_get_contents(argv[i + 1], &lst, NULL, NULL))
			return 2;
		gchar **names = g_strsplit(lst, "\n", -1);
		for (gchar **p = names; *p != NULL; p++)
			if (**p != '\0')
				rc |= run(*p, now, all);
		g_strfreev(names);
		g_free(lst);
	} else {
		for (; i < argc; i++)
			rc |= run(argv[i], now, all);
	}
	g_hash_table_destroy(keys);
	return rc;
}
