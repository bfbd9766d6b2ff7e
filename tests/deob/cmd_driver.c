/*
 * cmd_driver.c - deob_cmd() on a file, for tests/deob/cmd_oracle.py: the
 * JSON lines of driver.h.
 *
 *   cmd_driver FILE
 */
#include <stdio.h>

#include "driver.h"

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cmd_driver FILE\n");
		return 2;
	}
	gsize len = 0;
	gchar *text = driver_read("cmd_driver", argv[1], &len);
	if (text == NULL)
		return 2;
	struct deob_result r;
	deob_result_init(&r);
	deob_cmd(text, len, NULL, &r);
	driver_print(&r, NULL);
	deob_result_clear(&r);
	g_free(text);
	return 0;
}
