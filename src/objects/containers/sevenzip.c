/*
 * sevenzip.c - encrypted 7z archives, opened with 7-Zip's own 7zz.
 *
 * libarchive reads 7z but cannot decrypt 7zAES (3.6 says "The archive
 * header is encrypted, but currently not supported" or "Crypto codec not
 * supported"), and no other library in Debian can.  So for an encrypted
 * 7z and a list of candidate passwords, the 7zz of Debian's 7zip package
 * (ppap.sevenzip) is run:
 *
 *   7zz t  -- ARCHIVE            one run per candidate: exit 0 = it opens
 *   7zz l -slt -ba -- ARCHIVE    the entries (path, size, directory?)
 *   7zz x -so -- ARCHIVE         all file contents, in entry order, on
 *                                stdout, cut into entries by their sizes
 *
 * each with the password on its standard input (never on the command line,
 * where other local users could read it).  The output streams into the
 * same sinks as libarchive's entries, so padding is dropped and every
 * limit applies (stream_bytes, object_bytes, the scan deadline).
 *
 * Hostile input reaches 7zz, so it runs confined: a fresh process with an
 * empty environment, in a private temporary directory that holds only the
 * archive, no_new_privs, and limits on CPU time, address space (2 GiB),
 * open files, and file size (0: it may write no file at all; the data
 * comes through the pipe).  It is killed at the scan's deadline.  Its
 * text output (the listing) is read bounded and parsed strictly; a
 * listing that does not add up with the data marks the archive damaged.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "objects/tree_api.h"
#include "objects/password.h"
#include "sevenzip.h"

#define LIST_MAX (4u << 20)	/* bytes of listing read */
#define RUN_MAX_US (120 * G_USEC_PER_SEC)	/* one run, without a deadline */
#define AS_LIMIT ((rlim_t)2 << 30)
#define CHUNK 65536

bool
sevenzip_usable(const char *path)
{
	return path != NULL && *path == '/' && access(path, X_OK) == 0;
}

struct run {
	int status;		/* exit status, or -1: killed / could not run */
	bool timed_out;
};

/* Called with each block of the child's stdout; false: stop reading. */
typedef bool (*out_fn)(void *arg, const uint8_t *p, size_t n);

static void
child(const char *dir, int in, int out, int devnull, const char *const argv[],
    rlim_t cpu_s)
{
	static const char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", NULL };
	struct rlimit r;

	if (dup2(in, 0) < 0 || dup2(out >= 0 ? out : devnull, 1) < 0 ||
	    dup2(devnull, 2) < 0 || chdir(dir) != 0)
		_exit(126);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	r.rlim_cur = r.rlim_max = cpu_s;
	setrlimit(RLIMIT_CPU, &r);
	r.rlim_cur = r.rlim_max = AS_LIMIT;
	setrlimit(RLIMIT_AS, &r);
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_FSIZE, &r);
	setrlimit(RLIMIT_CORE, &r);
	r.rlim_cur = r.rlim_max = 32;
	setrlimit(RLIMIT_NOFILE, &r);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], (char *const *)(uintptr_t)argv, (char *const *)(uintptr_t)envp);
	_exit(127);
}

/*
 * Run argv (argv[0] the 7zz path) in dir with pw on stdin; stdout to fn
 * (or discarded) until deadline_us (monotonic).
 */
static struct run
run_7zz(const char *dir, const char *const argv[], const char *pw, out_fn fn, void *arg,
    gint64 deadline_us)
{
	struct run res = { .status = -1 };
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	gint64 now = g_get_monotonic_time();

	if (deadline_us == 0 || deadline_us > now + RUN_MAX_US)
		deadline_us = now + RUN_MAX_US;
	/* stdin is a socket so that the password is sent with MSG_NOSIGNAL: a
	 * 7zz gone before reading it must not raise SIGPIPE in this process */
	if (devnull < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, inp) != 0 ||
	    (fn != NULL && pipe2(outp, O_CLOEXEC) != 0))
		goto out;
	rlim_t cpu = (rlim_t)((deadline_us - now) / G_USEC_PER_SEC + 1);
	pid_t pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		child(dir, inp[0], outp[1], devnull, argv, cpu);
	close(inp[0]);
	inp[0] = -1;
	if (outp[1] >= 0) {
		close(outp[1]);
		outp[1] = -1;
	}
	/* a password is short: the socket buffer takes it whole */
	char line[PW_LEN_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", pw != NULL ? pw : "");
	if (n > 0 && send(inp[1], line, (size_t)n, MSG_NOSIGNAL) < 0)
		(void)0;	/* 7zz gone already: its status says why */
	explicit_bzero(line, sizeof(line));
	close(inp[1]);
	inp[1] = -1;
	bool reading = outp[0] >= 0;
	uint8_t *buf = reading ? g_malloc(CHUNK) : NULL;
	while (reading) {
		gint64 left = deadline_us - g_get_monotonic_time();
		if (left <= 0) {
			res.timed_out = true;
			break;
		}
		struct pollfd pfd = { .fd = outp[0], .events = POLLIN };
		int pr = poll(&pfd, 1, (int)MIN(left / 1000 + 1, 1000));
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		ssize_t got = read(outp[0], buf, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (!fn(arg, buf, (size_t)got))
			break;
	}
	g_free(buf);
	if (outp[0] >= 0) {
		close(outp[0]);	/* a child still writing gets EPIPE */
		outp[0] = -1;
	}
	for (;;) {
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			res.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		if (res.timed_out || g_get_monotonic_time() >= deadline_us) {
			res.timed_out = true;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (inp[i] >= 0)
			close(inp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	if (devnull >= 0)
		close(devnull);
	return res;
}

struct ctx {
	struct obj_tree *t;
	struct mobj *o;
	const char *exe;
	char *dir;
};

static enum pw_verdict
trial(void *arg, const char *pw)
{
	struct ctx *c = arg;
	const char *argv[] = { c->exe, "t", "-bd", "-bso0", "-bse0", "-bsp0", "-y",
	    "--", "a.7z", NULL };
	struct run r = run_7zz(c->dir, argv, pw, NULL, NULL, c->t->lim->deadline_us);

	if (r.status == 0)
		return PW_RIGHT;
	if (r.status == 2)
		return PW_WRONG;	/* wrong password (or damaged data) */
	return PW_GIVE_UP;		/* killed, out of memory, cannot run */
}

/* ---- the listing ---- */

struct entry {
	char *path;
	uint64_t size;
	bool dir;
};

static bool
collect(void *arg, const uint8_t *p, size_t n)
{
	GString *s = arg;

	if (s->len + n > LIST_MAX)
		return false;
	g_string_append_len(s, (const char *)p, (gssize)n);
	return true;
}

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = g_ascii_strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* "Path = ...", "Size = ...", "Attributes = D ..." blocks, blank-line
 * separated.  False if it does not parse. */
static bool
parse_listing(const GString *s, GArray *out)
{
	gchar **lines = g_strsplit(s->str, "\n", -1);
	struct entry cur = { 0 };
	bool ok = true, have = false;

	for (gchar **l = lines; ok && *l != NULL; l++) {
		g_strchomp(*l);
		if (**l == '\0') {
			if (have)
				g_array_append_val(out, cur);
			memset(&cur, 0, sizeof(cur));
			have = false;
			continue;
		}
		if (g_str_has_prefix(*l, "Path = ")) {
			if (have) {
				ok = false;
				break;
			}
			cur.path = g_strdup(*l + 7);
			have = true;
		} else if (have && g_str_has_prefix(*l, "Size = ")) {
			ok = parse_u64(*l + 7, &cur.size) || (*l)[7] == '\0';
		} else if (have && g_str_has_prefix(*l, "Attributes = ")) {
			cur.dir = (*l)[13] == 'D';
		}
	}
	if (have && ok)
		g_array_append_val(out, cur);
	else
		g_free(cur.path);
	g_strfreev(lines);
	return ok;
}

/* ---- the data ---- */

struct split {
	struct ctx *c;
	GArray *entries;
	guint next;		/* entry to open */
	struct mobj *child;	/* entry being filled */
	struct sink *s;
	uint64_t left;		/* bytes still due to it */
	bool stop, short_data, over;
};

static void
finish_child(struct split *sp, bool complete)
{
	if (sp->child == NULL)
		return;
	sink_finish(sp->s, complete);
	unpack_identify(sp->child);
	sp->child->flags |= OBJ_DECRYPTED;
	sp->child->password = sp->c->o->password;
	g_free(sp->s);
	sp->s = NULL;
	sp->child = NULL;
}

/* Open the next file entry with data (directories and empty files have
 * none in the stream; empty files are created here). */
static bool
open_next(struct split *sp)
{
	while (sp->next < sp->entries->len) {
		struct entry *e = &g_array_index(sp->entries, struct entry, sp->next++);
		if (e->dir)
			continue;
		char *name = unpack_clean_name((const uint8_t *)e->path, strlen(e->path));
		char *path = g_strconcat(sp->c->o->path, "/", name, NULL);
		struct mobj *ch = unpack_new_object(sp->c->t, sp->c->o, OBJ_FROM_ARCHIVE,
		    name, path);
		g_free(name);
		g_free(path);
		if (ch == NULL) {
			sp->stop = true;	/* limits.objects */
			return false;
		}
		ch->cipher = g_strdup("7zAES-256");
		sp->child = ch;
		sp->s = g_new(struct sink, 1);
		sink_init(sp->s, sp->c->t, ch, false);
		sp->left = e->size;
		if (e->size > 0)
			return true;
		finish_child(sp, true);
	}
	return false;
}

static bool
split_out(void *arg, const uint8_t *p, size_t n)
{
	struct split *sp = arg;

	while (n > 0 && !sp->stop) {
		if (sp->child == NULL && !open_next(sp)) {
			sp->over = true;	/* more data than the listing says */
			return false;
		}
		size_t k = (size_t)MIN((uint64_t)n, sp->left);
		enum sink_stop st = sink_write(sp->s, p, k);
		if (st != SINK_OK) {
			obj_tree_hit(sp->c->t, st == SINK_STOP_STREAMED ? OBJ_LIMIT_STREAMED
			    : OBJ_LIMIT_TIME, sp->child->path);
			if (st == SINK_STOP_STREAMED) {
				sp->child->flags |= OBJ_BOMB;
				sp->c->o->flags |= OBJ_BOMB;
				sp->c->t->stopped = true;
			}
			finish_child(sp, false);
			sp->stop = true;
			return false;
		}
		sp->left -= k;
		p += k;
		n -= k;
		if (sp->left == 0)
			finish_child(sp, true);
	}
	return !sp->stop;
}

static void
unpack_children(struct obj_tree *t, struct mobj *o, unsigned first)
{
	for (guint i = first; i < o->children->len && !t->stopped; i++)
		unpack_object(t, o->children->pdata[i]);
}

bool
sevenzip_unpack(struct obj_tree *t, struct mobj *o, const char *exe)
{
	struct ctx c = { .t = t, .o = o, .exe = exe };
	bool done = false;

	if (!sevenzip_usable(exe) || t->lim == NULL || t->lim->passwords == NULL)
		return false;
	c.dir = g_dir_make_tmp("mamori-7z-XXXXXX", NULL);
	if (c.dir == NULL)
		return false;
	char *file = g_build_filename(c.dir, "a.7z", NULL);
	int fd = g_open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool written = fd >= 0 && write(fd, o->data, o->len) == (ssize_t)o->len;
	if (fd >= 0)
		close(fd);
	if (!written)
		goto out;
	const struct pw_cand *pw = obj_pw_try(t, o, NULL, 0, trial, &c);
	if (pw == NULL)
		goto out;
	o->flags |= OBJ_DECRYPTED;
	o->flags &= ~(unsigned)OBJ_NAMES_ENCRYPTED;
	g_free(o->cipher);
	o->cipher = g_strdup("7zAES-256");
	GString *ls = g_string_new(NULL);
	const char *largv[] = { exe, "l", "-slt", "-ba", "-bd", "-bse0", "--", "a.7z", NULL };
	struct run r = run_7zz(c.dir, largv, pw->pw, collect, ls, t->lim->deadline_us);
	GArray *entries = g_array_new(FALSE, TRUE, sizeof(struct entry));
	if (r.status != 0 || !parse_listing(ls, entries)) {
		cwalk_fail(o, OBJ_DAMAGED, r.timed_out ? "7-Zip listing timed out"
		    : "7-Zip could not list the decrypted archive");
	} else {
		unsigned first = o->children->len;
		struct split sp = { .c = &c, .entries = entries };
		const char *xargv[] = { exe, "x", "-so", "-bd", "-bse0", "-bsp0", "-y",
		    "--", "a.7z", NULL };
		r = run_7zz(c.dir, xargv, pw->pw, split_out, &sp, t->lim->deadline_us);
		bool cut = sp.child != NULL || sp.stop;
		finish_child(&sp, false);
		/* empty files after the last data */
		while (!sp.stop && !sp.over && open_next(&sp))
			finish_child(&sp, false);
		if (r.timed_out)
			obj_tree_hit(t, OBJ_LIMIT_TIME, o->path);
		else if (!sp.stop && (r.status != 0 || sp.over || cut))
			cwalk_fail(o, OBJ_DAMAGED, sp.over ? "7-Zip gave more data than listed"
			    : "7-Zip could not extract every entry");
		unpack_children(t, o, first);
		done = true;
	}
	for (guint i = 0; i < entries->len; i++)
		g_free(g_array_index(entries, struct entry, i).path);
	g_array_free(entries, TRUE);
	g_string_free(ls, TRUE);
out:
	g_unlink(file);
	g_rmdir(c.dir);
	g_free(file);
	g_free(c.dir);
	return done;
}
