/*
 * fuzz_extract.c - libFuzzer target for the one HTML pass
 * (src/html/extract.c).  The first byte picks the limits: the defaults, or
 * tight ones (few tags, little text, few links, short link texts, little
 * script) so that every cap is reached.  Then what the pass promises is
 * checked: parsed within the input and the byte cap; visible text valid
 * UTF-8 within text_max; links within links_max, each URL and text valid
 * UTF-8, a link text within link_text_max; script text within script_max
 * (plus the line break each piece ends with); the marks in text order
 * within the text, and
 * html_doc_text_upto() monotone and within the text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "html/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct html_limits tight = {
	.input_max = 4096,
	.tags_max = 64,
	.text_max = 257,
	.script_max = 300,
	.links_max = 5,
	.link_text_max = 7,
};

static void
check(const struct html_doc *d, const struct html_limits *lim, size_t size)
{
	if (d->parsed > size || d->parsed > lim->input_max || d->input_len != size)
		abort();
	if (d->text->len > lim->text_max)
		abort();
	/* valid UTF-8 (a NUL gumbo let through is valid, but ends a
	 * length-bounded g_utf8_validate()) */
	char *t = g_memdup2(d->text->str, d->text->len + 1);
	for (size_t i = 0; i < d->text->len; i++)
		if (t[i] == '\0')
			t[i] = ' ';
	bool ok = g_utf8_validate(t, (gssize)d->text->len, NULL);
	g_free(t);
	if (!ok)
		abort();
	if (d->links->len > lim->links_max)
		abort();
	for (guint i = 0; i < d->links->len; i++) {
		const struct html_link *l = d->links->pdata[i];
		if (l->url == NULL || !g_utf8_validate(l->url, -1, NULL))
			abort();
		if (l->text != NULL && (strlen(l->text) > lim->link_text_max ||
		    !g_utf8_validate(l->text, -1, NULL)))
			abort();
		if ((unsigned)l->attr > HTML_REF_REFRESH)
			abort();
	}
	if (d->js->len > lim->script_max + 1 || d->load->len > lim->script_max + 1)
		abort();
	size_t prev = 0;
	for (guint i = 0; i < d->marks->len; i++) {
		const struct html_mark *m = &g_array_index(d->marks, struct html_mark, i);
		if (m->text < prev || m->text > d->text->len || m->src >= d->parsed)
			abort();
		prev = m->text;
	}
	size_t last = 0;
	for (size_t off = 0; off <= d->parsed + 1; off += 1 + d->parsed / 16) {
		size_t u = html_doc_text_upto(d, off);
		if (u < last || u > d->text->len)
			abort();
		last = u;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct html_limits *lim = data[0] & 1 ? &tight : &html_limits_default;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	unsigned long before = html_parse_count();

	struct html_doc *d = html_doc_parse(p, n, lim);
	if (html_parse_count() != before + 1)
		abort();
	check(d, lim, n);
	html_doc_drop_analysis(d);
	if (d->elems != NULL || d->js != NULL)
		abort();
	html_doc_free(d);
	return 0;
}
