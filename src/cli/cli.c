/*
 * cli.c - what the sub-commands share: finding and loading the
 * configuration.
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "cli.h"

const char *
cli_config_path(const char *path)
{
	if (path != NULL)
		return path;
	const char *env = g_getenv("MAMORI_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	if (g_file_test(DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
		return DEFAULT_CONFIG;
	return NULL;
}

struct mamori_engine *
cli_engine(const char *path, const char *dns, unsigned *threads)
{
	char err[1024];
	struct mamori_config *cfg;
	struct mamori_engine *eng;

	path = cli_config_path(path);
	if (path == NULL) {
		cfg = mamori_config_new_default();
	} else if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return NULL;
	}
	if (threads != NULL)
		*threads = mamori_config_threads(cfg);
	if (dns != NULL)
		mamori_config_set_dns_server(cfg, dns);
	if (mamori_engine_new(cfg, &eng, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return NULL;
	}
	return eng;
}
