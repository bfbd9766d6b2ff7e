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
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <syslog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "core/config.h"

struct holder {
	struct mamori_engine *e;
	gint refs;		/* scans holding it */
};

struct daemon_engine {
	char *config_path;	/* NULL: built-in defaults */
	struct mamori_store *store;	/* handed to every engine; borrowed, or NULL */
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
	} else if (daemon_config_load(path, &cfg, err, errlen) != MAMORI_OK) {
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

void
daemon_engine_set_store(struct daemon_engine *d, struct mamori_store *store)
{
	g_mutex_lock(&d->lock);
	d->store = store;
	mamori_engine_set_store(d->cur->e, store);
	g_mutex_unlock(&d->lock);
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
	g_mutex_lock(&d->lock);
	mamori_engine_set_store(e, d->store);	/* before any scan sees it */
	g_mutex_unlock(&d->lock);
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

/*
 * The configuration reader.  The configuration file may be readable by
 * root only (it holds http.token), but a reload happens long after the
 * privilege drop.  So before dropping, daemon_drop_privileges() forks a
 * small reader that stays root: it holds one end of a socketpair, and for
 * each byte it reads opens the configuration file by its path (a fresh
 * open: a file replaced by rename is seen), and answers with the errno of
 * the open (0 on success) and, on success, the open descriptor
 * (SCM_RIGHTS).  It answers nothing else and takes no path from the
 * daemon: a compromised daemon gains nothing it did not have at start,
 * the file's contents.  It closes every other descriptor, cannot be
 * traced or dumped, exits when the daemon's end closes (EOF) or the
 * daemon dies (PR_SET_PDEATHSIG).  It uses only async-signal-safe calls
 * (the daemon may have threads when it forks).
 */
static int reader_fd = -1;
static pid_t reader_pid = -1;
static char *reader_path;
static GMutex reader_lock;

static void G_GNUC_NORETURN
reader_main(int sock, const char *path, pid_t parent)
{
	sigset_t all;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_DUMPABLE, 0);
	sigfillset(&all);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* a SIGHUP to the whole service (systemctl kill -s HUP) is for the
	 * daemon; SIGTERM and SIGKILL end the reader as they end the daemon */
	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* only the socket stays open (stdio to /dev/null); started with a
	 * closed stdio, the socket may be 0-2: move it out of the way first */
	if (sock < 3 && (sock = fcntl(sock, F_DUPFD, 3)) < 0)
		_exit(1);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(1);
		sock = 3;
	}
	close_range(4, ~0u, 0);
	for (;;) {
		char c;
		ssize_t n = read(sock, &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
		if (n < 0)
			continue;
		int e = 0;
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			e = errno;
		struct msghdr mh = { 0 };
		struct iovec iov = { .iov_base = &e, .iov_len = sizeof e };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} u;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (fd >= 0) {
			memset(&u, 0, sizeof u);
			mh.msg_control = u.buf;
			mh.msg_controllen = sizeof u.buf;
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof fd);
		}
		while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
			;
		if (fd >= 0)
			close(fd);
	}
}

static bool
reader_start(const char *path, char *err, size_t errlen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "configuration reader: socketpair: %s", g_strerror(errno));
		return false;
	}
	char *p = g_strdup(path);	/* before the fork: no malloc in the child */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "configuration reader: fork: %s", g_strerror(errno));
		close(sv[0]), close(sv[1]);
		g_free(p);
		return false;
	}
	if (pid == 0)
		reader_main(sv[1], p, parent);
	close(sv[1]);
	reader_fd = sv[0];
	reader_pid = pid;
	reader_path = p;
	return true;
}

enum mamori_status
daemon_config_load(const char *path, struct mamori_config **out, char *err, size_t errlen)
{
	*out = NULL;
	if (reader_fd < 0 || reader_path == NULL || strcmp(path, reader_path) != 0)
		return mamori_config_load(path, out, err, errlen);

	int e = 0, fd = -1;
	ssize_t n;
	char c = 'r';
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = &e, .iov_len = sizeof e };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof u.buf,
	};

	g_mutex_lock(&reader_lock);
	do
		n = send(reader_fd, &c, 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		do
			n = recvmsg(reader_fd, &mh, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
	}
	int saved = errno;
	g_mutex_unlock(&reader_lock);
	if (n != (ssize_t)sizeof e) {
		snprintf(err, errlen, "%s: cannot read: the privileged configuration reader "
		    "is gone (%s); restart mamori", path,
		    n < 0 ? g_strerror(saved) : "connection closed");
		return MAMORI_ERR_CONFIG;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS
		    && cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (e != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    g_strerror(e != 0 ? e : EPROTO));
		return MAMORI_ERR_CONFIG;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return mamori_config_load_fd(fd, path, out, err, errlen);
}

void
daemon_config_reader_stop(void)
{
	if (reader_fd >= 0) {
		close(reader_fd);	/* EOF: the reader exits */
		reader_fd = -1;
	}
	if (reader_pid > 0) {
		while (waitpid(reader_pid, NULL, 0) < 0 && errno == EINTR)
			;
		reader_pid = -1;
	}
	g_free(reader_path);
	reader_path = NULL;
}

bool
daemon_drop_privileges(const char *user, const char *config_path, char *err, size_t errlen)
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
	if (config_path != NULL && reader_fd < 0 && !reader_start(config_path, err, errlen))
		return false;
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

/* ---- the milter's unix socket ---------------------------------------- */

bool
daemon_socket_perms(const char *path, const char *user, const char *group,
    unsigned mode, char *err, size_t errlen)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	bool root = geteuid() == 0;

	if (user != NULL && user[0] != '\0' && root) {
		struct passwd *pw = getpwnam(user);
		if (pw == NULL) {
			snprintf(err, errlen, "unknown user %s", user);
			return false;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (group != NULL && group[0] != '\0') {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errlen, "daemon.socket_group: unknown group %s", group);
			return false;
		}
		gid = gr->gr_gid;
	} else {
		/* "": Postfix's group when there is one (Debian), else the user's */
		struct group *gr = getgrnam("postfix");
		if (gr != NULL)
			gid = gr->gr_gid;
		else if (!root)
			gid = (gid_t)-1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0) {
		if (!root && (group == NULL || group[0] == '\0')) {
			/* not root, automatic group we are not in: leave ours */
			daemon_log(LOG_WARNING, "milter: %s: cannot give the socket to group "
			    "postfix: %s (set daemon.socket_group)", path, g_strerror(errno));
		} else {
			snprintf(err, errlen, "%s: chown: %s", path, g_strerror(errno));
			return false;
		}
	}
	if (chmod(path, (mode_t)mode) != 0) {
		snprintf(err, errlen, "%s: chmod %04o: %s", path, mode, g_strerror(errno));
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
