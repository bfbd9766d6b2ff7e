/*
 * cmd_dump.c - `mamori dump FILE`: print the message model as mamori sees
 * it (decoded headers, addresses, parts with their UTF-8 text, defects),
 * for operators investigating a verdict and for tests.
 */
#include <stdio.h>

#include <glib.h>

#include "cli.h"

int
cmd_dump(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mamori dump FILE\n");
		return 2;
	}
	GError *err = NULL;
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(argv[1], &data, &len, &err)) {
		fprintf(stderr, "mamori: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	struct mamori_engine *eng = cli_engine(NULL, NULL, NULL);
	if (eng == NULL) {
		g_free(data);
		return 2;
	}
	char *out = mamori_dump_message(eng, (const uint8_t *)data, len);
	printf("%s\n", out);
	g_free(out);
	g_free(data);
	mamori_engine_free(eng);
	return 0;
}
