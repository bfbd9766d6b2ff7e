/*
 * milter.h - `mamori milter`: the libmilter front end (milter.c).
 */
#ifndef MAMORI_DAEMON_MILTER_H
#define MAMORI_DAEMON_MILTER_H

struct milter_opts {
	const char *socket;	/* libmilter syntax: unix:/path, inet:PORT@HOST */
	const char *config_path;	/* NULL: built-in defaults */
	const char *state_dir;	/* spool/ (and the store) live here */
};

/* Bind, drop privileges, serve until SIGTERM; the exit status. */
int milter_run(const struct milter_opts *o);

#endif
