/*
 * cli.h - the mamori command line: one file per sub-command.
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include <stdbool.h>

#include <glib.h>

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

/*
 * The regular files under dir, recursively, in name order, appended to out
 * (char *, g_free): links not followed, hidden files and directories
 * (".git") skipped.  false when a directory could not be read (said on
 * stderr; the rest is listed).
 */
bool cli_list_dir(const char *dir, GPtrArray *out);

/*
 * As root with daemon.user set: become that user when the state directory
 * is theirs (it, or its mamori.db), or when it does not exist yet (it is
 * then created, 0750, for that user), so that a command leaves no
 * root-owned file the daemons cannot open.  Otherwise runs as is.
 */
bool cli_as_daemon_user(const char *user, const char *dir, char *err, size_t errlen);

/*
 * One message of the inputs: its source ("-", a file name, "FILE#N" for the
 * Nth message of an mbox) and its bytes, which point into map (a mapped
 * file) or bytes (what a stream gave), borrowed: a caller that keeps the
 * message past the callback takes a reference of the one that is set.
 */
struct cli_input {
	const char *source;
	const uint8_t *p;
	size_t len;
	GMappedFile *map;
	GBytes *bytes;
};
struct cli_inputs {
	void (*message)(void *ud, const struct cli_input *in);
	/* an input that could not be read: what, and why */
	void (*error)(void *ud, const char *what, const char *why);
	/* may be NULL: true stops the walk (the caller gave up) */
	bool (*stop)(void *ud);
};
/*
 * The messages of the command line's inputs, in order, as `mamori scan`
 * and `mamori learn` read them: files (mapped; pipes and devices read to
 * their end), directories (cli_list_dir), "-" or no input at all for
 * standard input; an mbox (recognised, or every input with force_mbox)
 * gives each of its messages.  false when some input could not be read.
 */
bool cli_read_inputs(char *const *files, bool force_mbox, const struct cli_inputs *ops,
    void *ud);

int cmd_scan(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_milter(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);

#endif
