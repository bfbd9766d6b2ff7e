/*
 * http.h - `mamori serve`: the HTTP API on libmicrohttpd (docs/api.md).
 */
#ifndef MAMORI_DAEMON_HTTP_H
#define MAMORI_DAEMON_HTTP_H

#include <stdbool.h>

struct http_opts {
	const char *listen;	/* "HOST:PORT", "[IPv6]:PORT" */
	const char *config;	/* configuration file, NULL: built-in defaults */
	const char *state_dir;	/* the store; NULL: no quarantine endpoints */
	unsigned threads;	/* concurrent scans; 0: http.threads */
	const char *user;	/* drop to this user after binding (as root) */
	bool syslog;		/* log to syslog instead of stderr */
};

/* Run the server until SIGTERM or SIGINT; returns the exit status. */
int http_serve(const struct http_opts *o);

#endif
