/*
 * clamd.h - a client for clamd's INSTREAM protocol (ClamAV's daemon) over
 * a unix or TCP socket.
 *
 * Purpose: hand one buffer (the message, or an object extracted from it)
 * to clamd and get its verdict: clean, a virus with its signature name, or
 * an error.  The check that calls this (symbols, actions) lives elsewhere;
 * an error must never be read as "clean" (see docs/clamd.md).
 *
 * Design: one connection per call, no global state: every function is
 * thread-safe and reentrant.  All I/O is non-blocking and bounded by one
 * deadline (connect + send + reply <= timeout_ms); SIGPIPE is never
 * raised (MSG_NOSIGNAL).  Commands use clamd's NUL-terminated form
 * (zINSTREAM, zPING, zVERSION).
 *
 * Socket strings:
 *   "unix:/run/clamav/clamd.ctl" or "/run/clamav/clamd.ctl"   unix socket
 *                                                            (absolute path)
 *   "tcp:127.0.0.1:3310", "127.0.0.1:3310", "[::1]:3310",
 *   "tcp:[::1]:3310"                                         TCP, numeric
 *                                                            address only
 * Host names are refused: resolving one could block beyond the timeout.
 */
#ifndef MAMORI_ENGINES_CLAMD_H
#define MAMORI_ENGINES_CLAMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum clamd_status { CLAMD_CLEAN, CLAMD_VIRUS, CLAMD_ERROR };

/* timeout_ms == 0 means CLAMD_DEFAULT_TIMEOUT_MS. */
#define CLAMD_DEFAULT_TIMEOUT_MS 30000u
/* The longest reply line read from clamd; longer ones are errors. */
#define CLAMD_REPLY_MAX 1024u

struct clamd_conf {
	const char *socket;	/* see above */
	unsigned timeout_ms;	/* whole request: connect + send + reply */
	uint64_t max_stream;	/* bytes sent at most (0: no limit of ours);
				 * longer buffers: the first max_stream bytes
				 * are sent and *truncated is set.  clamd's own
				 * StreamMaxLength may be smaller: its "INSTREAM
				 * size limit exceeded" reply is CLAMD_ERROR */
};

/* Validate a socket string (for config loading): true if well-formed;
 * otherwise err (if errlen > 0) gets a reason. */
bool clamd_socket_valid(const char *socket, char *err, size_t errlen);

/* Scan p[0..len) via INSTREAM.  CLAMD_VIRUS: sig gets the signature name
 * (as clamd reports it, e.g. "Mamori.Test.ClamExe.UNOFFICIAL").
 * CLAMD_ERROR: err gets a short reason ("connect: No such file or
 * directory", "timeout after 5000 ms", "INSTREAM size limit exceeded",
 * "bad reply: ...").  *truncated (may be NULL) is set to whether only
 * max_stream bytes were sent.  sig and err may be NULL when their length
 * is 0; strings are always NUL-terminated and cut to fit. */
enum clamd_status clamd_scan(const struct clamd_conf *c, const uint8_t *p, size_t len,
			     bool *truncated, char *sig, size_t siglen,
			     char *err, size_t errlen);

/* PING -> PONG, for health checks: true if clamd answered PONG. */
bool clamd_ping(const struct clamd_conf *c, char *err, size_t errlen);

/* VERSION (e.g. "ClamAV 1.4.6/27000/..."), NUL-terminated into buf
 * (cut to fit); false on error (err says why). */
bool clamd_version(const struct clamd_conf *c, char *buf, size_t buflen,
		   char *err, size_t errlen);

/* Parse one reply to INSTREAM, line[0..len) (a trailing NUL, "\n" or
 * "\r\n" is ignored; line need not be NUL-terminated).  Pure function,
 * exposed for the tests and the fuzzer:
 *   "stream: OK"                 -> CLAMD_CLEAN
 *   "stream: NAME FOUND"         -> CLAMD_VIRUS, sig = NAME
 *   "...TEXT ERROR"              -> CLAMD_ERROR, err = TEXT without the
 *                                   "stream: " prefix and a final '.'
 *   anything else                -> CLAMD_ERROR, err = "bad reply: ..."
 * Bytes outside printable ASCII in err are shown as '?'. */
enum clamd_status clamd_parse_reply(const char *line, size_t len, char *sig, size_t siglen,
				    char *err, size_t errlen);

#endif
