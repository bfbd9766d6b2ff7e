/*
 * daemon.c - the services the long-running front ends share (daemon.h):
 * the current engine and its reload, privilege drop, logging.
 *
 * Engine holder: every engine ever built is wrapped in a struct holder
 * { engine, refs }.  The current holder and the retired ones (replaced by
 * a reload but still referenced by scans in flight) are guarded by one
 * GMutex.  daemon_engine_get() takes a reference on the current holder;
 * daemon_engine_put() finds the holder of the engine it is given (the
 * current one, or a retired one) and drops the reference; a retired holder
 * whose count reaches 0 is freed, outside the lock.  A reload builds the
 * new engine without the lock held (it may take a while: YARA rules), then
 * swaps.  A configuration that does not load or build leaves the old
 * engine in place.
 *
 * Logging: one line per call, to stderr ("ISO-8601 time, level, message")
 * or to syslog(LOG_MAIL).  Messages are never allowed to carry CR/LF:
 * they are replaced by spaces so one call is one line.
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib.h>

struct holder {
	struct mamori_engine *e;
	gint refs;		/* scans holding it */
};

struct daemon_engine {
	char *config_path;	/* NULL: built-in defaults */
	GMutex lock;
	struct holder *cur;
	GSList *retired;	/* struct holder *, refs > 0 */
};

static struct mamori_engine *
build_engine(const char *path, char *err, size_t errlen)
{
	struct mamori_config *cfg;
	struct mamori_engine *eng = NULL;

	if (path == NULL) {
		cfg = mamori_config_new_default();
	} else if (mamori_config_load(path, &cfg, err, errlen) != MAMORI_OK) {
		return NULL;
	}
	if (mamori_engine_new(cfg, &eng, err, errlen) != MAMORI_OK)
		return NULL;
	return eng;
}

struct daemon_engine *
daemon_engine_new(const char *config_path, char *err, size_t errlen)
{
	struct mamori_engine *e = build_engine(config_path, err, errlen);
	if (e == NULL)
		return NULL;
	struct daemon_engine *d = g_new0(struct daemon_engine, 1);
	d->config_path = g_strdup(config_path);
	g_mutex_init(&d->lock);
	d->cur = g_new0(struct holder, 1);
	d->cur->e = e;
	return d;
}

struct mamori_engine *
daemon_engine_get(struct daemon_engine *d)
{
	g_mutex_lock(&d->lock);
	d->cur->refs++;
	struct mamori_engine *e = d->cur->e;
	g_mutex_unlock(&d->lock);
	return e;
}

void
daemon_engine_put(struct daemon_engine *d, struct mamori_engine *e)
{
	struct holder *dead = NULL;

	if (e == NULL)
		return;
	g_mutex_lock(&d->lock);
	if (d->cur->e == e) {
		d->cur->refs--;
	} else {
		for (GSList *l = d->retired; l != NULL; l = l->next) {
			struct holder *h = l->data;
			if (h->e != e)
				continue;
			if (--h->refs <= 0) {
				d->retired = g_slist_delete_link(d->retired, l);
				dead = h;
			}
			break;
		}
	}
	g_mutex_unlock(&d->lock);
	if (dead != NULL) {
		mamori_engine_free(dead->e);
		g_free(dead);
	}
}

bool
daemon_engine_reload(struct daemon_engine *d, char *err, size_t errlen)
{
	struct mamori_engine *e = build_engine(d->config_path, err, errlen);
	if (e == NULL) {
		daemon_log(LOG_ERR, "reload failed, keeping the running configuration: %s", err);
		return false;
	}
	struct holder *h = g_new0(struct holder, 1), *dead = NULL;
	h->e = e;
	g_mutex_lock(&d->lock);
	struct holder *old = d->cur;
	d->cur = h;
	if (old->refs <= 0)
		dead = old;
	else
		d->retired = g_slist_prepend(d->retired, old);
	g_mutex_unlock(&d->lock);
	if (dead != NULL) {
		mamori_engine_free(dead->e);
		g_free(dead);
	}
	daemon_log(LOG_INFO, "configuration reloaded from %s",
	    d->config_path != NULL ? d->config_path : "(built-in defaults)");
	return true;
}

void
daemon_engine_free(struct daemon_engine *d)
{
	if (d == NULL)
		return;
	/* Every scan has ended: free whatever is left. */
	for (GSList *l = d->retired; l != NULL; l = l->next) {
		struct holder *h = l->data;
		mamori_engine_free(h->e);
		g_free(h);
	}
	g_slist_free(d->retired);
	mamori_engine_free(d->cur->e);
	g_free(d->cur);
	g_mutex_clear(&d->lock);
	g_free(d->config_path);
	g_free(d);
}

/* ---- privileges ------------------------------------------------------- */

bool
daemon_drop_privileges(const char *user, char *err, size_t errlen)
{
	if (user != NULL && user[0] == '\0')
		user = NULL;
	if (geteuid() != 0) {
		if (user == NULL)
			return true;
		struct passwd *pw = getpwnam(user);
		if (pw != NULL && pw->pw_uid == geteuid())
			return true;
		snprintf(err, errlen, "cannot switch to user %s: not running as root", user);
		return false;
	}
	if (user == NULL) {
		snprintf(err, errlen, "refusing to run as root: set daemon.user");
		return false;
	}
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "unknown user %s", user);
		return false;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "refusing to run as root: daemon.user %s is root", user);
		return false;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (setgid(gid) != 0 || initgroups(user, gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "cannot switch to user %s: %s", user, g_strerror(errno));
		return false;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(err, errlen, "cannot switch to user %s: root regained", user);
		return false;
	}
	return true;
}

/* ---- logging ---------------------------------------------------------- */

static bool log_syslog;
static GMutex log_lock;

void
daemon_log_open(bool use_syslog, const char *ident)
{
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident != NULL ? ident : "mamori", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static const char *
level_name(int priority)
{
	switch (LOG_PRI(priority)) {
	case LOG_EMERG:
		return "emerg";
	case LOG_ALERT:
		return "alert";
	case LOG_CRIT:
		return "crit";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void
daemon_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if (log_syslog) {
		syslog(LOG_MAIL | LOG_PRI(priority), "%s", msg);
	} else {
		GDateTime *now = g_date_time_new_now_utc();
		char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
		g_mutex_lock(&log_lock);
		fprintf(stderr, "%s.%03dZ %s %s\n", ts,
		    g_date_time_get_microsecond(now) / 1000, level_name(priority), msg);
		fflush(stderr);
		g_mutex_unlock(&log_lock);
		g_free(ts);
		g_date_time_unref(now);
	}
	g_free(msg);
}

struct sym {
	const char *name;
	double score;
};

static int
sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->score > y->score)
		return -1;
	if (x->score < y->score)
		return 1;
	return strcmp(x->name, y->name);
}

#define LOG_TOP_SYMBOLS 8

void
daemon_log_result(const char *front, const char *queue_id,
    const struct mamori_result *res, double ms)
{
	size_t n = mamori_result_nsymbols(res);
	struct sym *s = g_new0(struct sym, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++)
		s[i].name = mamori_result_symbol(res, i, &s[i].score);
	qsort(s, n, sizeof *s, sym_cmp);
	GString *syms = g_string_new(NULL);
	for (size_t i = 0; i < n && i < LOG_TOP_SYMBOLS; i++)
		g_string_append_printf(syms, "%s%s", i > 0 ? "," : "", s[i].name);
	daemon_log(LOG_INFO, "front=%s queue_id=%s action=%s score=%.2f symbols=%s time_ms=%.1f",
	    front != NULL ? front : "-",
	    queue_id != NULL && queue_id[0] != '\0' ? queue_id : "-",
	    mamori_action_name(mamori_result_action(res)),
	    mamori_result_score(res), syms->len > 0 ? syms->str : "-", ms);
	g_string_free(syms, TRUE);
	g_free(s);
}
