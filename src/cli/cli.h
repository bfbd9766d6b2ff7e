/*
 * cli.h - the mamori command line: one file per sub-command.
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include "mamori/mamori.h"

#define DEFAULT_CONFIG "/etc/mamori/mamori.conf"

/*
 * The configuration to use: path if given, else $MAMORI_CONFIG, else
 * DEFAULT_CONFIG if it exists; NULL means the built-in defaults.
 */
const char *cli_config_path(const char *path);
/* Load the configuration and build an engine; prints errors, NULL on error. */
/* dns (may be NULL) replaces the configured DNS servers. */
struct mamori_engine *cli_engine(const char *path, const char *dns, unsigned *threads);

int cmd_scan(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_milter(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);

#endif
