/*
 * cmd_milter.c - `mamori milter --socket SPEC [--config F] [--state DIR]`:
 * the options; the milter itself is src/daemon/milter.c.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "daemon/milter.h"

static void
milter_usage(FILE *f)
{
	fprintf(f,
	    "usage: mamori milter --socket unix:/path|inet:PORT@127.0.0.1 [--config F] [--state DIR]\n"
	    "  --socket SPEC   where the MTA connects (libmilter syntax)\n"
	    "  --config F      configuration file (default: $MAMORI_CONFIG, " DEFAULT_CONFIG ")\n"
	    "  --state DIR     state directory: spool/ and the quarantine (default quarantine.state_dir)\n"
	    "SIGHUP reloads the configuration; SIGTERM stops.\n");
}

int
cmd_milter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct milter_opts o = { 0 };
	const char *config = NULL;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:c:S:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.socket = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'S':
			o.state_dir = optarg;
			break;
		case 'h':
			milter_usage(stdout);
			return 0;
		default:
			milter_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.socket == NULL) {
		milter_usage(stderr);
		return 2;
	}
	o.config_path = cli_config_path(config);
	return milter_run(&o);
}
