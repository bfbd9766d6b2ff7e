/*
 * fuzz_url_feeds.c - libFuzzer target for the feed reader (src/url/feeds.c):
 * the input is one feed file, written to a temporary file and loaded (the
 * reader takes paths, as the configuration gives them); then the index is
 * asked about URLs made of the input's first line and a fixed few, and its
 * summary built.  A load may fail only with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "url/feeds.h"
#include "url/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz-url-feeds-%ld.txt", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	struct url_feed_spec spec = { .name = "fuzz", .path = path };
	char err[512] = "";
	struct url_feeds *fe = url_feeds_load(&spec, 1, err, sizeof err);
	if (fe == NULL) {
		if (err[0] == '\0')
			abort();	/* a failure says why */
		return 0;
	}
	const char *probes[] = { "https://www.example.com/", "http://192.0.2.1/x",
		"https://a.b.c.example.co.jp/p?q=1", "http://[2001:db8::1]/" };
	for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
		struct url *u = url_parse(probes[i], strlen(probes[i]));
		const char *entry = NULL;
		if (u != NULL && url_feeds_match(fe, u, &entry) != NULL && entry == NULL)
			abort();
		url_free(u);
	}
	/* the input's first line as a URL and as a host */
	const char *nl = memchr(data, '\n', size);
	size_t n = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	if (n > 0 && n < 4096) {
		char *s = g_strndup((const char *)data, n);
		char *h = g_strconcat("http://", s, "/", NULL);
		const char *cands[] = { s, h };
		for (size_t i = 0; i < 2; i++) {
			struct url *u = url_parse(cands[i], strlen(cands[i]));
			const char *entry = NULL;
			if (u != NULL)
				(void)url_feeds_match(fe, u, &entry);
			url_free(u);
		}
		g_free(h);
		g_free(s);
	}
	g_free(url_feeds_summary(fe));
	(void)url_feeds_count(fe);
	url_feeds_free(fe);
	return 0;
}
