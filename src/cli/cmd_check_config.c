/*
 * cmd_check_config.c - `mamori check-config [FILE]`: load the configuration
 * exactly as the scanner would and say whether it is valid.  Errors name
 * FILE:LINE.  Exit status 0 valid, 1 invalid.  --keys prints every key the
 * configuration accepts (from the tables of the core and of each module),
 * --symbols every symbol with its default weight and forced action.  A
 * valid configuration is followed by what the modules' engines were built
 * from (mamori_engine_summary(): the SpamAssassin rules in use, and those
 * left out, by reason); --rules adds a line per rule in use.
 */
#include <stdio.h>

#include <glib.h>

#include "cli.h"

int
cmd_check_config(int argc, char **argv)
{
	const char *path = NULL;
	bool detail = false;

	for (int i = 1; i < argc; i++) {
		if ((g_str_equal(argv[i], "-c") || g_str_equal(argv[i], "--config")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (g_str_equal(argv[i], "--rules"))
			detail = true;
		else if (g_str_equal(argv[i], "--keys") || g_str_equal(argv[i], "--symbols")) {
			char *t = argv[i][2] == 'k' ? mamori_config_keys() : mamori_symbols();
			fputs(t, stdout);
			g_free(t);
			return 0;
		} else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else {
			fprintf(stderr, "usage: mamori check-config [--rules] [--config] [FILE] | --keys | --symbols\n");
			return 2;
		}
	}
	struct mamori_engine *eng = cli_engine(path, NULL, NULL);
	if (eng == NULL)
		return 1;
	const char *used = cli_config_path(path);
	printf("%s: OK\n", used != NULL ? used : "built-in defaults");
	char *sum = mamori_engine_summary(eng, detail);
	fputs(sum, stdout);
	g_free(sum);
	mamori_engine_free(eng);
	return 0;
}
