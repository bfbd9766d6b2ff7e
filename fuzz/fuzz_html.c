/*
 * fuzz_html.c - libFuzzer target for the HTML/HTA/SVG analyser (html.c on
 * gumbo): smuggling, credential forms, redirects, the base64 payloads it
 * decodes and carves.  The first byte picks a prefix that makes the true
 * type html, svg or hta (the analyser runs by true type), the rest is the
 * document.  Then the tree is checked against its limits, as in
 * fuzz_objects.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = {
	.depth = 4,
	.objects = 50,
	.object_bytes = 4 << 20,
	.unpacked_bytes = 16 << 20,
	.stream_bytes = 32 << 20,
	.ratio = 100,
	.ratio_min = 1 << 20,
	.padding_min = 256 << 10,
	.mime = NULL,
};

static const char *const prefixes[] = {
	"<html>", "<svg xmlns=\"http://www.w3.org/2000/svg\">",
	"<html><hta:application id=\"a\">",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *pre = prefixes[data[0] % G_N_ELEMENTS(prefixes)];
	size_t pl = strlen(pre);
	uint8_t *buf = g_malloc(pl + size - 1);

	memcpy(buf, pre, pl);
	memcpy(buf + pl, data + 1, size - 1);
	struct obj_tree *t = obj_tree_build_file("attachment.html", buf, pl + size - 1, &lim);
	if (t->all->len > lim.objects || t->kept_bytes > lim.unpacked_bytes)
		abort();
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (o->depth > lim.depth + 1 || (o->owned != NULL && o->len > lim.object_bytes))
			abort();
		if (o->path == NULL || o->type == NULL)
			abort();
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			if (f->detail != NULL && strlen(f->detail) > 1024)
				abort();
		}
	}
	obj_tree_free(t);
	g_free(buf);
	return 0;
}
