/*
 * vba_driver.c - deob_vba() on a file, for tests/deob/vba_oracle.py.
 *
 * Usage: vba_driver SOURCE [EXTRA]
 * SOURCE is the macro's text; EXTRA, when given, holds the document
 * strings, one "name<TAB>value" a line.  Prints one JSON object a line,
 * {"how": ..., "value": ...} for each recovered string in order, then
 * {"limit": null or "..."}.  Exit 0, or 2 when a file cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

/* s as a JSON string (UTF-8 kept, controls, '"' and '\\' escaped). */
static void
put_json(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vba_driver SOURCE [EXTRA]\n");
		return 2;
	}
	gchar *text = NULL;
	gsize len = 0;
	GError *err = NULL;
	if (!g_file_get_contents(argv[1], &text, &len, &err)) {
		fprintf(stderr, "vba_driver: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	GHashTable *extra = NULL;
	if (argc == 3) {
		gchar *e = NULL;
		if (!g_file_get_contents(argv[2], &e, NULL, &err)) {
			fprintf(stderr, "vba_driver: %s\n", err->message);
			g_error_free(err);
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
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = g_ptr_array_index(r.strs, i);
		printf("{\"how\": ");
		put_json(s->how, strlen(s->how));
		printf(", \"value\": ");
		put_json(s->value, s->len);
		printf("}\n");
	}
	if (r.limit != NULL)
		printf("{\"limit\": \"%s\"}\n", r.limit);
	else
		printf("{\"limit\": null}\n");
	deob_result_clear(&r);
	if (extra != NULL)
		g_hash_table_destroy(extra);
	g_free(text);
	return 0;
}
