/*
 * screnc_driver.c - deob_screnc() on a file, for tests/deob/screnc_oracle.py:
 * the text with its blocks decoded on stdout, "blocks N" on stderr.
 *
 *   screnc_driver FILE
 */
#include <stdio.h>

#include <glib.h>

#include "deob/deob.h"

int
main(int argc, char **argv)
{
	gchar *text;
	gsize len;
	GError *err = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: screnc_driver FILE\n");
		return 2;
	}
	if (!g_file_get_contents(argv[1], &text, &len, &err)) {
		fprintf(stderr, "screnc_driver: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	size_t n;
	unsigned blocks;
	char *out = deob_screnc(text, len, &n, &blocks);
	fwrite(out, 1, n, stdout);
	fprintf(stderr, "blocks %u\n", blocks);
	g_free(out);
	g_free(text);
	return 0;
}
