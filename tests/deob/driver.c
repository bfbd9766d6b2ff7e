/*
 * driver.c - see driver.h.
 */
#include "driver.h"

#include <stdio.h>

#include "util/jsonw.h"

gchar *
driver_read(const char *prog, const char *path, gsize *len)
{
	gchar *text = NULL;
	GError *err = NULL;

	if (!g_file_get_contents(path, &text, len, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err->message);
		g_error_free(err);
		return NULL;
	}
	return text;
}

void
driver_print(const struct deob_result *r, const char *file)
{
	GString *out = g_string_new(NULL);
	struct jsonw w;

	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *s = r->strs->pdata[i];
		jw_init(&w, out, false);
		jw_obj(&w, NULL);
		if (file != NULL)
			jw_str(&w, "file", file);
		jw_str(&w, "how", s->how);
		jw_strn(&w, "value", s->value, s->len);
		jw_obj_end(&w);
		g_string_append_c(out, '\n');
	}
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	if (file != NULL)
		jw_str(&w, "file", file);
	jw_str(&w, "limit", r->limit);
	jw_int(&w, "steps", (int64_t)r->steps);
	jw_obj_end(&w);
	g_string_append_c(out, '\n');
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
}
