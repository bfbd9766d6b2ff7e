/*
 * js_driver.c - deob_js() on a file, for tests/deob/js_oracle.py: one JSON
 * object per line for each recovered string ({"how": .., "value": ..}),
 * then {"limit": .., "steps": ..}.
 *
 *   js_driver FILE
 */
#include <stdio.h>

#include <glib.h>

#include "deob/deob.h"
#include "util/jsonw.h"

int
main(int argc, char **argv)
{
	gchar *text;
	gsize len;
	GError *err = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: js_driver FILE\n");
		return 2;
	}
	if (!g_file_get_contents(argv[1], &text, &len, &err)) {
		fprintf(stderr, "js_driver: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	struct deob_result r;
	deob_result_init(&r);
	deob_js(text, len, NULL, &r);
	GString *out = g_string_new(NULL);
	struct jsonw w;
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = r.strs->pdata[i];
		jw_init(&w, out, false);
		jw_obj(&w, NULL);
		jw_str(&w, "how", s->how);
		jw_strn(&w, "value", s->value, s->len);
		jw_obj_end(&w);
		g_string_append_c(out, '\n');
	}
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_str(&w, "limit", r.limit);
	jw_int(&w, "steps", (int64_t)r.steps);
	jw_obj_end(&w);
	g_string_append_c(out, '\n');
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
	deob_result_clear(&r);
	g_free(text);
	return 0;
}
