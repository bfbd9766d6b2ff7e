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

struct sockaddr;
/* Whether a listening address is loopback only (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104); 0.0.0.0, :: and any other address are not: serve
 * warns at start when such a listener has no token. */
bool http_addr_is_loopback(const struct sockaddr *sa);

#endif
