/*
 * daemon.h - what the long-running front ends (`mamori milter`, `mamori
 * serve`) share: the current engine and its reload, privileges, logging
 * and metrics.  Implemented in daemon.c and metrics.c.
 */
#ifndef MAMORI_DAEMON_DAEMON_H
#define MAMORI_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "mamori/mamori.h"

/*
 * The engine in use.  A scan takes a reference (daemon_engine_get) and
 * gives it back (daemon_engine_put); daemon_engine_reload() builds a new
 * engine from the configuration file and swaps it in, so scans in flight
 * finish on the old one, which is freed by its last put.  A configuration
 * that does not load leaves the old engine in place (the error is
 * returned and logged).
 */
struct daemon_engine;
struct daemon_engine *daemon_engine_new(const char *config_path, char *err, size_t errlen);
/* Hand store (borrowed: it outlives d; may be NULL) to the current engine
 * and to every engine a reload builds.  Called before the first scan. */
void daemon_engine_set_store(struct daemon_engine *d, struct mamori_store *store);
struct mamori_engine *daemon_engine_get(struct daemon_engine *d);
void daemon_engine_put(struct daemon_engine *d, struct mamori_engine *e);
bool daemon_engine_reload(struct daemon_engine *d, char *err, size_t errlen);
void daemon_engine_free(struct daemon_engine *d);

/*
 * Run as root only to bind: drop to user (setgid, initgroups, setuid) or
 * refuse.  Not root: nothing to do (user must then be NULL or ours).
 * With config_path, a privileged reader of that one file is forked first
 * (as root), so that daemon_config_load() can read it after the drop,
 * whatever its mode (daemon.c).
 */
bool daemon_drop_privileges(const char *user, const char *config_path, char *err,
    size_t errlen);
/*
 * mamori_config_load(), through the privileged reader when there is one
 * for this path (each call opens the file afresh: an edit or a
 * replacement by rename is seen).  Errors name the errno.
 */
enum mamori_status daemon_config_load(const char *path, struct mamori_config **out,
    char *err, size_t errlen);
/* Ends the reader (at exit). */
void daemon_config_reader_stop(void);

/*
 * The milter's unix socket: owner user (when root), group (a name; ""
 * = "postfix" if that group exists, else user's group), mode.
 */
bool daemon_socket_perms(const char *path, const char *user, const char *group,
    unsigned mode, char *err, size_t errlen);

/* Logging: to stderr (default) or syslog (facility mail). */
void daemon_log_open(bool use_syslog, const char *ident);
void daemon_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line per message: front end, queue id (may be NULL), action, score,
 * the top symbols, the scan time. */
void daemon_log_result(const char *front, const char *queue_id,
    const struct mamori_result *res, double ms);

/* Metrics, in Prometheus text format (GET /metrics). Thread-safe. */
void metrics_scan(const char *front, const struct mamori_result *res, double seconds);
void metrics_error(const char *front, const char *what);	/* internal / engine errors */
/* a message learned (POST /learn): what ("spam", "ham", "forget") and the
 * outcome's name (mamori_learn_outcome_name) */
void metrics_learn(const char *what, const char *outcome);
char *metrics_render(void);	/* g_free it */

#endif
