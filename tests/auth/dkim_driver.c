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
#include "keyfile.h"


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
	size_t n = dkim_verify((const uint8_t *)data, len, keyfile_fetch, NULL, now,
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
	keyfile_load(argv[i++], "dkim_driver");
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
	keyfile_free();
	return rc;
}
