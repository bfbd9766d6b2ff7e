/*
 * main.c - `mamori COMMAND ...`: dispatch to a sub-command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mamori COMMAND [OPTIONS]\n"
	    "\n"
	    "commands:\n"
	    "  scan [--json] [-j N] [--config F] [--from A] [--rcpt A] [--ip IP] [--helo H] FILE|DIR|mbox|-\n"
	    "                       scan messages and print a verdict for each\n"
	    "  learn --spam|--ham [--forget] [--state DIR] [--config F] FILE|DIR|mbox|-\n"
	    "                       teach the spam classifier (docs/spam.md)\n"
	    "  serve --listen HOST:PORT [--config F] [--state DIR] [--threads N]\n"
	    "                       the HTTP API: POST /scan, /learn, /health, /metrics\n"
	    "  check-config [FILE]  validate a configuration file\n"
	    "  dump FILE            print the parsed message model as JSON\n"
	    "  milter --socket SPEC [--config F] [--state DIR]\n"
	    "                       run as a milter for Postfix or Sendmail\n"
	    "  quarantine [--state DIR] list|show|release|delete|purge|learn ...\n"
	    "                       the quarantined messages (mamori quarantine --help)\n"
	    "  version              print the version\n"
	    "\n"
	    "See `mamori scan --help` and docs/ for details.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	if (strcmp(cmd, "learn") == 0)
		return cmd_learn(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	if (strcmp(cmd, "milter") == 0)
		return cmd_milter(argc - 1, argv + 1);
	if (strcmp(cmd, "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	if (strcmp(cmd, "quarantine") == 0)
		return cmd_quarantine(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("mamori %s\n", MAMORI_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "mamori: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
