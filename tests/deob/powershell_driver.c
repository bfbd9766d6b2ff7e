/*
 * powershell_driver.c - deob_powershell() on a file, for the oracle
 * (tests/deob/powershell_oracle.py).
 *
 * Usage: powershell_driver [--depth N] [--steps N] FILE...
 * For each FILE, the JSON lines of driver.h, with "file".  Exit 2 on a
 * usage or read error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

int
main(int argc, char **argv)
{
	struct deob_limits lim = { 0 };
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--depth") == 0)
			lim.depth = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--steps") == 0)
			lim.steps = strtoull(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: powershell_driver [--depth N] [--steps N] FILE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		gsize len = 0;
		gchar *text = driver_read("powershell_driver", argv[i], &len);
		if (text == NULL)
			return 2;
		struct deob_result r;
		deob_result_init(&r);
		deob_powershell(text, len, &lim, &r);
		driver_print(&r, argv[i]);
		deob_result_clear(&r);
		g_free(text);
	}
	return 0;
}
