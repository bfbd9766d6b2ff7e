/*
 * release.c - re-inject a quarantined message with its original envelope
 * (release.h): a small SMTP client, and a sendmail binary run with the
 * message on its standard input.
 *
 * The SMTP client checks every reply, bounds every wait with poll() and
 * every reply line and reply; it never sends a CR or LF taken from an
 * address (the envelope came from the network once).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "store/release.h"

#define REPLY_LINE_MAX 2048
#define REPLY_LINES_MAX 200

struct smtp {
	int fd;
	unsigned timeout_ms;
	char buf[4096];
	size_t have, off;
	char *err;
	size_t errlen;
};

static gint64
now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* Wait for ev on fd until deadline (ms); false with err on timeout. */
static bool
wait_fd(struct smtp *c, short ev, gint64 deadline, const char *what)
{
	for (;;) {
		gint64 left = deadline - now_ms();
		if (left <= 0) {
			snprintf(c->err, c->errlen, "timeout %s", what);
			return false;
		}
		struct pollfd p = { .fd = c->fd, .events = ev };
		int n = poll(&p, 1, (int)MIN(left, 60000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(c->err, c->errlen, "poll: %s", g_strerror(errno));
			return false;
		}
		if (n > 0)
			return true;
	}
}

static bool
send_all(struct smtp *c, const char *p, size_t len, const char *what)
{
	gint64 deadline = now_ms() + c->timeout_ms;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!wait_fd(c, POLLOUT, deadline, what))
				return false;
			continue;
		}
		if (n < 0) {
			snprintf(c->err, c->errlen, "%s: %s", what, g_strerror(errno));
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* One byte of the reply stream; -1 with err on error, timeout or EOF. */
static int
get_byte(struct smtp *c, gint64 deadline, const char *what)
{
	while (c->off == c->have) {
		if (!wait_fd(c, POLLIN, deadline, what))
			return -1;
		ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			snprintf(c->err, c->errlen, "%s: %s", what, g_strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(c->err, c->errlen, "%s: connection closed by the server", what);
			return -1;
		}
		c->have = (size_t)n;
		c->off = 0;
	}
	return (unsigned char)c->buf[c->off++];
}

/*
 * Read one reply (all its lines): its code, and its text (the lines
 * without code, joined by '\n') into text if not NULL.
 */
static bool
read_reply(struct smtp *c, int *code, GString *text, const char *what)
{
	gint64 deadline = now_ms() + c->timeout_ms;
	char line[REPLY_LINE_MAX + 1];

	if (text != NULL)
		g_string_truncate(text, 0);
	for (int nlines = 0; nlines < REPLY_LINES_MAX; nlines++) {
		size_t n = 0;
		int ch;
		while ((ch = get_byte(c, deadline, what)) != '\n') {
			if (ch < 0)
				return false;
			if (n >= REPLY_LINE_MAX) {
				snprintf(c->err, c->errlen, "%s: reply line too long", what);
				return false;
			}
			line[n++] = (char)ch;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (n < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
		    !g_ascii_isdigit(line[2]) || (n > 3 && line[3] != ' ' && line[3] != '-')) {
			snprintf(c->err, c->errlen, "%s: malformed reply \"%.80s\"", what, line);
			return false;
		}
		int lc = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (nlines > 0 && lc != *code) {
			snprintf(c->err, c->errlen, "%s: inconsistent reply codes", what);
			return false;
		}
		*code = lc;
		if (text != NULL) {
			if (text->len > 0)
				g_string_append_c(text, '\n');
			g_string_append(text, n > 4 ? line + 4 : "");
		}
		if (n == 3 || line[3] == ' ')
			return true;
	}
	snprintf(c->err, c->errlen, "%s: reply has too many lines", what);
	return false;
}

/* Send a command line and expect a reply of class want (2 or 3). */
static bool
command(struct smtp *c, const char *cmd, int want, GString *text)
{
	GString *reply = g_string_new(NULL);
	char what[96];
	int code = 0;
	bool ok;

	/* "MAIL FROM:<...>" -> "MAIL FROM" for messages */
	snprintf(what, sizeof what, "%.*s", (int)strcspn(cmd, ":\r"), cmd);
	ok = send_all(c, cmd, strlen(cmd), what) && read_reply(c, &code, reply, what);
	if (ok && code / 100 != want) {
		char *first = g_strndup(reply->str, strcspn(reply->str, "\n"));
		snprintf(c->err, c->errlen, "%s: server answered %d %.200s", what, code, first);
		g_free(first);
		ok = false;
	}
	if (ok && text != NULL)
		g_string_assign(text, reply->str);
	g_string_free(reply, TRUE);
	return ok;
}

static bool
split_host_port(const char *hp, char **host, char **port)
{
	const char *colon;

	*host = *port = NULL;
	if (hp == NULL || *hp == '\0')
		return false;
	if (hp[0] == '[') {
		const char *end = strchr(hp, ']');
		if (end == NULL || end[1] != ':' || end[2] == '\0')
			return false;
		*host = g_strndup(hp + 1, (gsize)(end - hp - 1));
		*port = g_strdup(end + 2);
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL || colon == hp || colon[1] == '\0' ||
		    memchr(hp, ':', (size_t)(colon - hp)) != NULL)
			return false;
		*host = g_strndup(hp, (gsize)(colon - hp));
		*port = g_strdup(colon + 1);
	}
	for (const char *p = *port; *p; p++)
		if (!g_ascii_isdigit(*p)) {
			g_free(*host);
			g_free(*port);
			*host = *port = NULL;
			return false;
		}
	return true;
}

static int
connect_to(const char *host_port, unsigned timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char *host, *port;
	int fd = -1, rc;

	if (!split_host_port(host_port, &host, &port)) {
		snprintf(err, errlen, "%s: not HOST:PORT", host_port != NULL ? host_port : "");
		return -1;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host_port, gai_strerror(rc));
		goto out;
	}
	snprintf(err, errlen, "%s: no address", host_port);
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			do
				rc = poll(&p, 1, (int)timeout_ms);
			while (rc < 0 && errno == EINTR);
			if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
			    soerr == 0)
				break;
			snprintf(err, errlen, "%s: cannot connect: %s", host_port,
			    rc == 0 ? "timeout" : g_strerror(soerr != 0 ? soerr : errno));
		} else {
			snprintf(err, errlen, "%s: cannot connect: %s", host_port,
			    g_strerror(errno));
		}
		close(fd);
		fd = -1;
	}
out:
	if (res != NULL)
		freeaddrinfo(res);
	g_free(host);
	g_free(port);
	return fd;
}

/* An address that can go between < and > on a command line. */
static bool
addr_ok(const char *a)
{
	for (; *a; a++)
		if (*a == '\r' || *a == '\n' || *a == '<' || *a == '>' || (unsigned char)*a < 0x20)
			return false;
	return true;
}

static bool
envelope_ok(const char *mail_from, const GPtrArray *rcpts, char *err, size_t errlen)
{
	if (mail_from != NULL && (!addr_ok(mail_from) || strlen(mail_from) > 1000)) {
		snprintf(err, errlen, "the envelope sender cannot be sent");
		return false;
	}
	if (rcpts == NULL || rcpts->len == 0) {
		snprintf(err, errlen, "no recipients");
		return false;
	}
	for (guint i = 0; i < rcpts->len; i++) {
		const char *r = g_ptr_array_index(rcpts, i);
		if (r == NULL || *r == '\0' || !addr_ok(r) || strlen(r) > 1000) {
			snprintf(err, errlen, "recipient %u cannot be sent", i + 1);
			return false;
		}
	}
	return true;
}

/* The DATA payload: CRLF line ends, dot-stuffed, ending in CRLF.CRLF. */
static GString *
data_payload(const uint8_t *msg, size_t len)
{
	GString *o = g_string_sized_new(len + len / 32 + 8);
	bool bol = true;

	for (size_t i = 0; i < len; i++) {
		char ch = (char)msg[i];
		if (bol && ch == '.')
			g_string_append_c(o, '.');
		if (ch == '\n' && (i == 0 || msg[i - 1] != '\r'))
			g_string_append_c(o, '\r');
		g_string_append_c(o, ch);
		bol = ch == '\n';
	}
	if (len > 0 && !bol)
		g_string_append(o, "\r\n");
	g_string_append(o, ".\r\n");
	return o;
}

static bool
has_8bit(const uint8_t *msg, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (msg[i] & 0x80)
			return true;
	return false;
}

/* Whether the EHLO reply text lists the extension kw. */
static bool
ehlo_has(const char *text, const char *kw)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	bool found = false;
	size_t n = strlen(kw);

	for (int i = 1; lines[i] != NULL && !found; i++)
		found = g_ascii_strncasecmp(lines[i], kw, n) == 0 &&
		    (lines[i][n] == '\0' || lines[i][n] == ' ');
	g_strfreev(lines);
	return found;
}

bool
store_release_smtp(const char *host_port, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen)
{
	struct smtp c = { .fd = -1, .timeout_ms = timeout_ms > 0 ? timeout_ms : 30000,
	    .err = err, .errlen = errlen };
	GString *text = g_string_new(NULL);
	char host[256] = "localhost";
	char *cmd = NULL;
	bool ok = false;
	int code = 0;

	if (!envelope_ok(mail_from, rcpts, err, errlen))
		goto out;
	c.fd = connect_to(host_port, c.timeout_ms, err, errlen);
	if (c.fd < 0)
		goto out;
	if (!read_reply(&c, &code, NULL, "greeting"))
		goto out;
	if (code != 220) {
		snprintf(err, errlen, "greeting: server answered %d", code);
		goto out;
	}
	if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0' ||
	    !addr_ok(host) || strchr(host, ' ') != NULL)
		g_strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	cmd = g_strdup_printf("EHLO %s\r\n", host);
	bool esmtp = command(&c, cmd, 2, text);
	g_free(cmd);
	if (!esmtp) {
		cmd = g_strdup_printf("HELO %s\r\n", host);
		bool helo = command(&c, cmd, 2, NULL);
		g_free(cmd);
		if (!helo)
			goto out;
	}
	cmd = g_strdup_printf("MAIL FROM:<%s>%s\r\n", mail_from != NULL ? mail_from : "",
	    esmtp && has_8bit(msg, len) && ehlo_has(text->str, "8BITMIME") ?
	    " BODY=8BITMIME" : "");
	ok = command(&c, cmd, 2, NULL);
	g_free(cmd);
	for (guint i = 0; ok && i < rcpts->len; i++) {
		cmd = g_strdup_printf("RCPT TO:<%s>\r\n", (const char *)g_ptr_array_index(rcpts, i));
		ok = command(&c, cmd, 2, NULL);
		g_free(cmd);
	}
	ok = ok && command(&c, "DATA\r\n", 3, NULL);
	if (ok) {
		GString *d = data_payload(msg, len);
		ok = send_all(&c, d->str, d->len, "DATA") &&
		    read_reply(&c, &code, text, "end of DATA");
		g_string_free(d, TRUE);
		if (ok && code / 100 != 2) {
			snprintf(err, errlen, "end of DATA: server answered %d %.200s", code,
			    text->str);
			ok = false;
		}
	}
	if (ok) {
		/* accepted: the release is done whatever QUIT gets */
		char qerr[64];
		c.err = qerr;
		c.errlen = sizeof qerr;
		command(&c, "QUIT\r\n", 2, NULL);
	} else if (c.fd >= 0) {
		char qerr[64];
		c.err = qerr;
		c.errlen = sizeof qerr;
		c.timeout_ms = MIN(c.timeout_ms, 2000u);
		command(&c, "QUIT\r\n", 2, NULL);
	}
out:
	if (c.fd >= 0)
		close(c.fd);
	g_string_free(text, TRUE);
	return ok;
}

/* ---- sendmail --------------------------------------------------------- */

static bool
wait_child(pid_t pid, unsigned timeout_ms, int *status)
{
	gint64 deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return false;
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

bool
store_release_sendmail(const char *path, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen)
{
	int pfd[2];
	pid_t pid;
	bool ok = false;
	int status = 0;
	GPtrArray *argv;

	if (timeout_ms == 0)
		timeout_ms = 30000;
	if (path == NULL || *path != '/') {
		snprintf(err, errlen, "sendmail: \"%s\" is not an absolute path",
		    path != NULL ? path : "");
		return false;
	}
	if (!envelope_ok(mail_from, rcpts, err, errlen))
		return false;
	/* built before fork: the child only execs */
	argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)"sendmail");
	g_ptr_array_add(argv, (gpointer)"-i");
	g_ptr_array_add(argv, (gpointer)"-f");
	g_ptr_array_add(argv, (gpointer)(mail_from != NULL && *mail_from ? mail_from : "<>"));
	g_ptr_array_add(argv, (gpointer)"--");
	for (guint i = 0; i < rcpts->len; i++)
		g_ptr_array_add(argv, g_ptr_array_index(rcpts, i));
	g_ptr_array_add(argv, NULL);

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "sendmail: pipe: %s", g_strerror(errno));
		g_ptr_array_free(argv, TRUE);
		return false;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "sendmail: fork: %s", g_strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		g_ptr_array_free(argv, TRUE);
		return false;
	}
	if (pid == 0) {
		if (dup2(pfd[0], 0) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execv(path, (char *const *)argv->pdata);
		_exit(127);
	}
	close(pfd[0]);
	g_ptr_array_free(argv, TRUE);

	/* the message, without SIGPIPE if sendmail exits early */
	struct smtp c = { .fd = pfd[1], .timeout_ms = timeout_ms, .err = err, .errlen = errlen };
	gint64 deadline = now_ms() + timeout_ms;
	size_t off = 0;
	bool wrote = true;
	int fl = fcntl(pfd[1], F_GETFL);
	fcntl(pfd[1], F_SETFL, fl | O_NONBLOCK);
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (off < len) {
		ssize_t n = write(pfd[1], msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(&c, POLLOUT, deadline, "writing to sendmail")) {
				wrote = false;
				break;
			}
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "sendmail: write: %s", g_strerror(errno));
			wrote = false;
			break;
		}
		off += (size_t)n;
	}
	close(pfd[1]);
	if (!sigismember(&old, SIGPIPE)) {
		/* take a SIGPIPE of ours before unblocking it */
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (!wait_child(pid, wrote ? timeout_ms : 1000, &status)) {
		if (wrote)
			snprintf(err, errlen, "sendmail: %s did not finish in %u ms (killed)",
			    path, timeout_ms);
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ok = wrote;
	else if (WIFEXITED(status))
		snprintf(err, errlen, "sendmail: %s exited with status %d%s", path,
		    WEXITSTATUS(status), WEXITSTATUS(status) == 127 ? " (cannot run it?)" : "");
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "sendmail: %s killed by signal %d", path, WTERMSIG(status));
	return ok;
}

bool
store_release(const char *smtp, const char *sendmail, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen)
{
	if (smtp != NULL && *smtp != '\0')
		return store_release_smtp(smtp, mail_from, rcpts, msg, len, timeout_ms,
		    err, errlen);
	if (sendmail == NULL || *sendmail == '\0') {
		snprintf(err, errlen, "no release target: set quarantine.release_smtp or "
		    "quarantine.release_sendmail");
		return false;
	}
	return store_release_sendmail(sendmail, mail_from, rcpts, msg, len, timeout_ms,
	    err, errlen);
}
