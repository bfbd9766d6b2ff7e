/*
 * xlm_driver.c - deob_xlm_lines() on a file, for tests/deob/xlm_oracle.py: the
 * JSON lines of driver.h.
 *
 *   xlm_driver FILE
 */
#include <stdio.h>

#include "driver.h"

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: xlm_driver FILE\n");
		return 2;
	}
	gsize len = 0;
	gchar *text = driver_read("xlm_driver", argv[1], &len);
	if (text == NULL)
		return 2;
	struct deob_result r;
	deob_result_init(&r);
	deob_xlm_lines(text, len, NULL, &r);
	driver_print(&r, NULL);
	deob_result_clear(&r);
	g_free(text);
	return 0;
}
