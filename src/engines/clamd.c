/*
 * clamd.c - the clamd INSTREAM client of clamd.h.
 *
 * Purpose: send a buffer to clamd and read its verdict, over a unix or TCP
 * socket, within a hard deadline, from any number of threads at once.
 *
 * Design:
 *  - The socket string is parsed into a sockaddr (clamd_target); only
 *    numeric addresses are accepted, so nothing ever blocks in a resolver.
 *  - One deadline (CLOCK_MONOTONIC, milliseconds) covers the whole
 *    request.  The socket is non-blocking; connect, send and recv wait in
 *    poll() for at most the time left.  A unix connect that finds clamd's
 *    backlog full (EAGAIN) is retried every 10 ms until the deadline.
 *  - INSTREAM: "zINSTREAM\0", then chunks of at most CHUNK bytes, each
 *    behind its length as 4 bytes in network order, then a zero length.
 *    Each chunk goes out with one sendmsg (header + data, plus the command
 *    before the first and the terminator after the last), MSG_NOSIGNAL.
 *  - clamd answers early, and closes, when the stream passes its
 *    StreamMaxLength.  So while a send waits, the socket is also polled
 *    for input, and EPIPE/ECONNRESET on send is not an error by itself:
 *    in both cases sending stops and the reply is read.
 *  - The reply is read up to its terminating NUL (or EOF) and at most
 *    CLAMD_REPLY_MAX bytes; clamd_parse_reply() turns it into a status.
 *
 * Limits: one connection per call (no IDSESSION); chunks of 256 KiB;
 * replies over CLAMD_REPLY_MAX bytes are errors.
 *
 * Security: clamd's reply is not trusted: it is length-bounded, may hold
 * any bytes, and only printable ASCII of it is copied into sig/err.
 */
#include "engines/clamd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define CHUNK ((size_t)256 * 1024)
#define STREAM_PREFIX "stream: "
#define STREAM_PREFIX_LEN (sizeof(STREAM_PREFIX) - 1)

struct clamd_target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int family;
};

struct clamd_req {
	const struct clamd_conf *conf;
	unsigned timeout_ms;
	int64_t deadline;	/* CLOCK_MONOTONIC, ms */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy src[0..n) into dst (NUL-terminated, cut to fit), bytes outside
 * printable ASCII replaced by '?'. */
static void copy_clean(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i;
	if (dst == NULL || dstlen == 0)
		return;
	if (n > dstlen - 1)
		n = dstlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[n] = '\0';
}

/* "bad reply: " and the reply's first bytes, cleaned. */
static void bad_reply(char *err, size_t errlen, const char *line, size_t len)
{
	char shown[81];
	bool cut = len > sizeof shown - 1;
	copy_clean(shown, sizeof shown, line, len);
	set_err(err, errlen, "bad reply: %s%s", len ? shown : "(empty)", cut ? "..." : "");
}

static bool has_prefix(const char *s, size_t len, const char *pre)
{
	size_t n = strlen(pre);
	return len >= n && memcmp(s, pre, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);
	return len >= n && memcmp(s + len - n, suf, n) == 0;
}

enum clamd_status clamd_parse_reply(const char *line, size_t len, char *sig, size_t siglen,
				    char *err, size_t errlen)
{
	if (sig != NULL && siglen > 0)
		sig[0] = '\0';
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (line == NULL)
		len = 0;
	while (len > 0 && (line[len - 1] == '\0' || line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(line, '\0', len) != NULL) {
		bad_reply(err, errlen, line, len);
		return CLAMD_ERROR;
	}
	if (len > 6 && has_suffix(line, len, " ERROR")) {
		const char *t = line;
		size_t n = len - 6;
		if (has_prefix(t, n, "stream:")) {
			t += 7;
			n -= 7;
		}
		while (n > 0 && (t[n - 1] == '.' || t[n - 1] == ' '))
			n--;
		while (n > 0 && t[0] == ' ') {
			t++;
			n--;
		}
		if (n == 0)
			set_err(err, errlen, "clamd error");
		else
			copy_clean(err, errlen, t, n);
		return CLAMD_ERROR;
	}
	if (len == STREAM_PREFIX_LEN + 2 && has_prefix(line, len, STREAM_PREFIX "OK"))
		return CLAMD_CLEAN;
	if (len > STREAM_PREFIX_LEN + 6 && has_prefix(line, len, STREAM_PREFIX) &&
	    has_suffix(line, len, " FOUND")) {
		const char *name = line + STREAM_PREFIX_LEN;
		size_t n = len - STREAM_PREFIX_LEN - 6, i;
		bool ok = name[0] != ' ';
		for (i = 0; ok && i < n; i++)
			ok = (unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f;
		if (ok) {
			copy_clean(sig, siglen, name, n);
			return CLAMD_VIRUS;
		}
	}
	bad_reply(err, errlen, line, len);
	return CLAMD_ERROR;
}

/* ---- socket strings ------------------------------------------------------ */

static bool parse_port(const char *s, in_port_t *port)
{
	unsigned long v = 0;
	if (*s == '\0' || strlen(s) > 5)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = htons((in_port_t)v);
	return true;
}

static bool parse_target(const char *s, struct clamd_target *t, char *err, size_t errlen)
{
	const char *path = NULL, *rest, *colon;
	char host[INET6_ADDRSTRLEN + 1];
	size_t hlen;
	in_port_t port;

	memset(t, 0, sizeof *t);
	if (s == NULL || *s == '\0') {
		set_err(err, errlen, "empty clamd socket");
		return false;
	}
	if (strncmp(s, "unix:", 5) == 0)
		path = s + 5;
	else if (s[0] == '/')
		path = s;
	if (path != NULL) {
		struct sockaddr_un *un = (struct sockaddr_un *)&t->addr;
		size_t n = strlen(path);
		if (path[0] != '/') {
			set_err(err, errlen, "unix socket path must be absolute");
			return false;
		}
		if (n >= sizeof un->sun_path) {
			set_err(err, errlen, "unix socket path longer than %zu bytes",
				sizeof un->sun_path - 1);
			return false;
		}
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, path, n + 1);
		t->family = AF_UNIX;
		t->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return true;
	}

	rest = strncmp(s, "tcp:", 4) == 0 ? s + 4 : s;
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');
		if (close == NULL || close[1] != ':') {
			set_err(err, errlen, "expected [IPv6]:port");
			return false;
		}
		hlen = (size_t)(close - rest - 1);
		if (hlen >= sizeof host) {
			set_err(err, errlen, "bad IPv6 address");
			return false;
		}
		memcpy(host, rest + 1, hlen);
		host[hlen] = '\0';
		colon = close + 1;
		t->family = AF_INET6;
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL) {
			set_err(err, errlen, "expected unix:/path, /path or address:port");
			return false;
		}
		if (memchr(rest, ':', (size_t)(colon - rest)) != NULL) {
			set_err(err, errlen, "an IPv6 address needs brackets: [addr]:port");
			return false;
		}
		hlen = (size_t)(colon - rest);
		if (hlen >= sizeof host) {
			set_err(err, errlen, "not a numeric IPv4 address");
			return false;
		}
		memcpy(host, rest, hlen);
		host[hlen] = '\0';
		t->family = AF_INET;
	}
	if (!parse_port(colon + 1, &port)) {
		set_err(err, errlen, "bad port \"%s\" (1-65535)", colon + 1);
		return false;
	}
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->addr;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			set_err(err, errlen, "not a numeric IPv6 address: %s", host);
			return false;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		t->addrlen = sizeof *in6;
	} else {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&t->addr;
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1) {
			set_err(err, errlen, "not a numeric IPv4 address (host names are not resolved): %s",
				host);
			return false;
		}
		in4->sin_family = AF_INET;
		in4->sin_port = port;
		t->addrlen = sizeof *in4;
	}
	return true;
}

bool clamd_socket_valid(const char *socket_str, char *err, size_t errlen)
{
	struct clamd_target t;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return parse_target(socket_str, &t, err, errlen);
}

/* ---- I/O under a deadline ------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(const struct clamd_req *r)
{
	int64_t d = r->deadline - now_ms();
	return d <= 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int)d;
}

static void timeout_err(const struct clamd_req *r)
{
	set_err(r->err, r->errlen, "timeout after %u ms", r->timeout_ms);
}

/* Wait for events on fd until the deadline: >0 revents, 0 timeout, -1 error. */
static int wait_fd(const struct clamd_req *r, int fd, short events, const char *what)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
		int ms = left_ms(r), n;
		if (ms == 0) {
			timeout_err(r);
			return 0;
		}
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return pfd.revents;
		if (n == 0) {
			timeout_err(r);
			return 0;
		}
		if (errno != EINTR) {
			set_err(r->err, r->errlen, "%s: poll: %s", what, g_strerror(errno));
			return -1;
		}
	}
}

static int open_conn(const struct clamd_req *r)
{
	struct clamd_target t;
	int fd;

	if (!parse_target(r->conf->socket, &t, r->err, r->errlen))
		return -1;
	fd = socket(t.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_err(r->err, r->errlen, "socket: %s", g_strerror(errno));
		return -1;
	}
	for (;;) {
		int soerr = 0, ev;
		socklen_t sl = sizeof soerr;
		if (connect(fd, (struct sockaddr *)&t.addr, t.addrlen) == 0)
			return fd;
		if (errno == EAGAIN && t.family == AF_UNIX) {
			/* clamd's listen backlog is full: try again shortly */
			int ms = left_ms(r);
			if (ms == 0) {
				timeout_err(r);
				break;
			}
			poll(NULL, 0, ms < 10 ? ms : 10);
			continue;
		}
		if (errno == EINTR && t.family == AF_UNIX)
			continue;
		if (errno != EINPROGRESS && errno != EINTR) {
			set_err(r->err, r->errlen, "connect: %s", g_strerror(errno));
			break;
		}
		ev = wait_fd(r, fd, POLLOUT, "connect");
		if (ev <= 0)
			break;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr != 0) {
			set_err(r->err, r->errlen, "connect: %s", g_strerror(soerr));
			break;
		}
		return fd;
	}
	close(fd);
	return -1;
}

/* Send the iovecs (modified in place).  0: all sent; 1: clamd spoke or
 * closed first (stop sending, read its reply; *send_errno says why, 0 if
 * it had data for us); -1: error (err set). */
static int send_iov(const struct clamd_req *r, int fd, struct iovec *iov, int n, int *send_errno)
{
	while (n > 0) {
		struct msghdr msg;
		ssize_t w;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		w = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			int ev;
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET) {
				*send_errno = errno;
				return 1;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				set_err(r->err, r->errlen, "send: %s", g_strerror(errno));
				return -1;
			}
			ev = wait_fd(r, fd, POLLOUT | POLLIN, "send");
			if (ev <= 0)
				return -1;
			if (ev & (POLLIN | POLLHUP | POLLERR)) {
				*send_errno = 0;
				return 1;
			}
			continue;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Read the reply up to its NUL or EOF into buf (CLAMD_REPLY_MAX + 1
 * bytes): its length, or -1 (err set). */
static ssize_t read_reply(const struct clamd_req *r, int fd, char *buf, int send_errno)
{
	size_t have = 0;
	for (;;) {
		ssize_t got = recv(fd, buf + have, CLAMD_REPLY_MAX + 1 - have, MSG_DONTWAIT);
		if (got > 0) {
			char *nul = memchr(buf + have, '\0', (size_t)got);
			have += (size_t)got;
			if (nul != NULL)
				return nul - buf;
			if (have > CLAMD_REPLY_MAX) {
				set_err(r->err, r->errlen, "bad reply: longer than %u bytes",
					CLAMD_REPLY_MAX);
				return -1;
			}
			continue;
		}
		if (got == 0 || (errno == ECONNRESET && have > 0))
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			set_err(r->err, r->errlen, "recv: %s", g_strerror(errno));
			return -1;
		}
		if (wait_fd(r, fd, POLLIN, "recv") <= 0)
			return -1;
	}
	if (have == 0) {
		if (send_errno != 0)
			set_err(r->err, r->errlen, "send: %s", g_strerror(send_errno));
		else
			set_err(r->err, r->errlen, "connection closed by clamd without a reply");
		return -1;
	}
	return (ssize_t)have;
}

static void req_init(struct clamd_req *r, const struct clamd_conf *c, char *err, size_t errlen)
{
	r->conf = c;
	r->timeout_ms = c->timeout_ms ? c->timeout_ms : CLAMD_DEFAULT_TIMEOUT_MS;
	r->deadline = now_ms() + r->timeout_ms;
	r->err = err;
	r->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

/* A command without data (zPING, zVERSION): the reply's length, or -1. */
static ssize_t simple_command(const struct clamd_req *r, const char *cmd, char *reply)
{
	struct iovec iov = { .iov_base = (void *)cmd, .iov_len = strlen(cmd) + 1 };
	int fd = open_conn(r), send_errno = 0, s;
	ssize_t n = -1;
	if (fd < 0)
		return -1;
	s = send_iov(r, fd, &iov, 1, &send_errno);
	if (s >= 0)
		n = read_reply(r, fd, reply, send_errno);
	close(fd);
	return n;
}

/* ---- the API --------------------------------------------------------------- */

enum clamd_status clamd_scan(const struct clamd_conf *c, const uint8_t *p, size_t len,
			     bool *truncated, char *sig, size_t siglen,
			     char *err, size_t errlen)
{
	static const char cmd[] = "zINSTREAM";	/* sent with its NUL */
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	struct clamd_req r;
	char reply[CLAMD_REPLY_MAX + 1];
	size_t off = 0;
	ssize_t n;
	int fd, send_errno = 0;

	if (sig != NULL && siglen > 0)
		sig[0] = '\0';
	req_init(&r, c, err, errlen);
	if (truncated != NULL)
		*truncated = false;
	if (c->max_stream > 0 && (uint64_t)len > c->max_stream) {
		len = (size_t)c->max_stream;
		if (truncated != NULL)
			*truncated = true;
	}
	if (p == NULL)
		len = 0;
	fd = open_conn(&r);
	if (fd < 0)
		return CLAMD_ERROR;
	for (;;) {
		struct iovec iov[4];
		uint8_t hdr[4];
		size_t chunk = len - off < CHUNK ? len - off : CHUNK;
		int k = 0, s;
		if (off == 0) {
			iov[k].iov_base = (void *)cmd;
			iov[k++].iov_len = sizeof cmd;
		}
		if (chunk > 0) {
			uint32_t be = htonl((uint32_t)chunk);
			memcpy(hdr, &be, 4);
			iov[k].iov_base = hdr;
			iov[k++].iov_len = 4;
			iov[k].iov_base = (void *)(p + off);
			iov[k++].iov_len = chunk;
		}
		off += chunk;
		if (off == len) {
			iov[k].iov_base = (void *)zero;
			iov[k++].iov_len = 4;
		}
		s = send_iov(&r, fd, iov, k, &send_errno);
		if (s < 0) {
			close(fd);
			return CLAMD_ERROR;
		}
		if (s > 0 || off == len)
			break;
	}
	n = read_reply(&r, fd, reply, send_errno);
	close(fd);
	if (n < 0)
		return CLAMD_ERROR;
	return clamd_parse_reply(reply, (size_t)n, sig, siglen, err, errlen);
}

bool clamd_ping(const struct clamd_conf *c, char *err, size_t errlen)
{
	struct clamd_req r;
	char reply[CLAMD_REPLY_MAX + 1];
	ssize_t n;

	req_init(&r, c, err, errlen);
	n = simple_command(&r, "zPING", reply);
	if (n < 0)
		return false;
	while (n > 0 && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
		n--;
	if (n == 4 && memcmp(reply, "PONG", 4) == 0)
		return true;
	bad_reply(err, errlen, reply, (size_t)n);
	return false;
}

bool clamd_version(const struct clamd_conf *c, char *buf, size_t buflen, char *err, size_t errlen)
{
	struct clamd_req r;
	char reply[CLAMD_REPLY_MAX + 1];
	ssize_t n;

	if (buf != NULL && buflen > 0)
		buf[0] = '\0';
	req_init(&r, c, err, errlen);
	n = simple_command(&r, "zVERSION", reply);
	if (n < 0)
		return false;
	while (n > 0 && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
		n--;
	if (n == 0 || has_suffix(reply, (size_t)n, " ERROR") ||
	    memchr(reply, '\0', (size_t)n) != NULL) {
		bad_reply(err, errlen, reply, (size_t)n);
		return false;
	}
	copy_clean(buf, buflen, reply, (size_t)n);
	return true;
}
