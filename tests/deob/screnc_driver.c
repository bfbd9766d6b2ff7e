/*
 * screnc_driver.c - deob_screnc() on a file, for tests/deob/screnc_oracle.py:
 * the text with its blocks decoded on stdout, "blocks N" on stderr.
 *
 *   screnc_driver FILE
 */
#include <stdio.h>

#include "driver.h"

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: screnc_driver FILE\n");
		return 2;
	}
	gsize len = 0;
	gchar *text = driver_read("screnc_driver", argv[1], &len);
	if (text == NULL)
		return 2;
	size_t n;
	unsigned blocks;
	char *out = deob_screnc(text, len, &n, &blocks);
	fwrite(out, 1, n, stdout);
	fprintf(stderr, "blocks %u\n", blocks);
	g_free(out);
	g_free(text);
	return 0;
}
