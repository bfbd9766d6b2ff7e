/*
 * powershell_driver.c - deob_powershell() on a file, for the oracle
 * (tests/deob/powershell_oracle.py).
 *
 * Usage: powershell_driver [--depth N] [--steps N] FILE...
 * For each FILE, one JSON line per recovered string,
 * {"file": FILE, "how": HOW, "value": VALUE}, then
 * {"file": FILE, "limit": LIMIT or null}.  Exit 2 on a usage or read error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"
#include "util/jsonw.h"

int
main(int argc, char **argv)
{
	struct deob_limits lim = { 0 };
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--depth") == 0)
			lim.depth = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--steps") == 0)
			lim.steps = strtoull(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: powershell_driver [--depth N] [--steps N] FILE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		gchar *text = NULL;
		gsize len = 0;
		GError *err = NULL;
		if (!g_file_get_contents(argv[i], &text, &len, &err)) {
			fprintf(stderr, "powershell_driver: %s\n", err->message);
			g_error_free(err);
			return 2;
		}
		struct deob_result r;
		deob_result_init(&r);
		deob_powershell(text, len, &lim, &r);
		GString *out = g_string_new("");
		struct jsonw w;
		for (guint k = 0; k < r.strs->len; k++) {
			const struct deob_str *s = g_ptr_array_index(r.strs, k);
			jw_init(&w, out, false);
			jw_obj(&w, NULL);
			jw_str(&w, "file", argv[i]);
			jw_str(&w, "how", s->how);
			jw_strn(&w, "value", s->value, s->len);
			jw_obj_end(&w);
			g_string_append_c(out, '\n');
		}
		jw_init(&w, out, false);
		jw_obj(&w, NULL);
		jw_str(&w, "file", argv[i]);
		jw_str(&w, "limit", r.limit);
		jw_obj_end(&w);
		g_string_append_c(out, '\n');
		fwrite(out->str, 1, out->len, stdout);
		g_string_free(out, TRUE);
		deob_result_clear(&r);
		g_free(text);
	}
	return 0;
}
