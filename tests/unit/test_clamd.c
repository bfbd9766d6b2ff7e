/*
 * test_clamd.c - tests of the clamd client (src/engines/clamd.c).
 *
 * Three modes of one binary:
 *   test_clamd          protocol tests against fake servers (a thread in
 *                       this process on a unix socket in $TMPDIR or on
 *                       127.0.0.1): framing, early close, garbage, slow
 *                       and stalled servers (timeouts), clamd's size-limit
 *                       reply, oversize replies, refused connections, the
 *                       reply parser and socket strings.
 *   test_clamd --real   the same client against a real clamd, started by
 *                       tests/support/clamd.py (MAMORI_CLAMD_SOCKET, and
 *                       MAMORI_CLAMD_TCP with --tcp): every file of
 *                       clamav-testfiles is a virus, clean data is clean,
 *                       truncation, clamd's StreamMaxLength, 8 threads.
 *   test_clamd --bench  scans per second (2 KB clean, clam.exe) against
 *                       that clamd; prints figures, asserts nothing more
 *                       than that the verdicts are right.
 * Nothing outside 127.0.0.1 and unix sockets is contacted.
 */
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

#include "engines/clamd.h"

#ifndef CLAMAV_TESTFILES
#define CLAMAV_TESTFILES "/usr/share/clamav-testfiles"
#endif
#define SIG_CLAMEXE "Mamori.Test.ClamExe.UNOFFICIAL"
#define SIG_EICAR "Mamori.Test.EICAR.UNOFFICIAL"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The EICAR test file, assembled so that this source does not hold it. */
static GByteArray *eicar(bool newline)
{
	static const char a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
	static const char b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
	GByteArray *e = g_byte_array_new();
	g_byte_array_append(e, (const guint8 *)a, sizeof a - 1);
	g_byte_array_append(e, (const guint8 *)b, sizeof b - 1);
	if (newline)
		g_byte_array_append(e, (const guint8 *)"\n", 1);
	return e;
}

static uint8_t *pattern(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;
	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 9));
	return p;
}

/* ---- fake servers ------------------------------------------------------------ */

enum fake_mode {
	FAKE_REPLY,	/* read the whole request, send reply, close */
	FAKE_CLOSE,	/* accept and close at once */
	FAKE_STALL,	/* accept, never read, close after delay_ms */
	FAKE_LIMIT,	/* read; after limit stream bytes: clamd's size-limit reply, close */
};

struct fake {
	enum fake_mode mode;
	bool tcp;
	const char *reply;	/* sent with replylen bytes */
	size_t replylen;
	unsigned delay_ms;	/* FAKE_REPLY: before replying */
	size_t limit;
	/* set up */
	int lfd;
	char dir[256];
	char sockstr[320];
	GThread *th;
	/* seen by the server */
	char cmd[32];
	GByteArray *got;
	bool terminated;
};

static bool read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static void send_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* dir + "/s" into a sockaddr_un */
static void set_sun(struct sockaddr_un *a, const char *dir)
{
	char *p = g_strdup_printf("%s/s", dir);
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	assert_true(strlen(p) < sizeof a->sun_path);
	g_strlcpy(a->sun_path, p, sizeof a->sun_path);
	g_free(p);
}

static gpointer fake_main(gpointer data)
{
	struct fake *f = data;
	struct timeval tv = { .tv_sec = 10, .tv_usec = 0 };
	size_t i = 0;
	int fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (f->mode == FAKE_CLOSE) {
		close(fd);
		return NULL;
	}
	if (f->mode == FAKE_STALL) {
		g_usleep((gulong)f->delay_ms * 1000);
		close(fd);
		return NULL;
	}
	while (i < sizeof f->cmd - 1 && read_full(fd, &f->cmd[i], 1) && f->cmd[i] != '\0')
		i++;
	if (strcmp(f->cmd, "zINSTREAM") == 0) {
		for (;;) {
			uint8_t hdr[4];
			uint32_t n;
			uint8_t *buf;
			if (!read_full(fd, hdr, 4))
				break;
			n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
			if (n == 0) {
				f->terminated = true;
				break;
			}
			buf = malloc(n);
			if (buf == NULL || !read_full(fd, buf, n)) {
				free(buf);
				break;
			}
			g_byte_array_append(f->got, buf, n);
			free(buf);
			if (f->mode == FAKE_LIMIT && f->got->len > f->limit) {
				static const char lim[] = "INSTREAM size limit exceeded. ERROR";
				send_all(fd, lim, sizeof lim);
				close(fd);
				return NULL;
			}
		}
	}
	if (f->delay_ms)
		g_usleep((gulong)f->delay_ms * 1000);
	if (f->reply != NULL)
		send_all(fd, f->reply, f->replylen);
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f)
{
	f->got = g_byte_array_new();
	if (f->tcp) {
		struct sockaddr_in a;
		socklen_t al = sizeof a;
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(f->lfd >= 0);
		assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
		assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
		snprintf(f->sockstr, sizeof f->sockstr, "tcp:127.0.0.1:%u", ntohs(a.sin_port));
	} else {
		struct sockaddr_un a;
		const char *tmp = g_get_tmp_dir();
		char tmpl[200];
		snprintf(tmpl, sizeof tmpl, "%s/clamdXXXXXX", strlen(tmp) < 60 ? tmp : "/tmp");
		assert_non_null(g_mkdtemp(tmpl));
		snprintf(f->dir, sizeof f->dir, "%s", tmpl);
		set_sun(&a, f->dir);
		snprintf(f->sockstr, sizeof f->sockstr, "unix:%s", a.sun_path);
		f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(f->lfd >= 0);
		assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
	}
	assert_int_equal(listen(f->lfd, 8), 0);
	f->th = g_thread_new("fake-clamd", fake_main, f);
}

static void fake_stop(struct fake *f)
{
	/* a server still in accept(): wake it */
	shutdown(f->lfd, SHUT_RDWR);
	g_thread_join(f->th);
	close(f->lfd);
	if (f->dir[0]) {
		char p[300];
		snprintf(p, sizeof p, "%s/s", f->dir);
		unlink(p);
		rmdir(f->dir);
	}
}

/* after the assertions on what the server saw */
static void fake_free(struct fake *f)
{
	g_byte_array_unref(f->got);
	f->got = NULL;
}

#define REPLY(s) .reply = (s), .replylen = sizeof(s)	/* with its NUL */

static enum clamd_status scan_fake(struct fake *f, const uint8_t *p, size_t len, unsigned timeout_ms,
				   uint64_t max_stream, bool *trunc, char *sig, char *err)
{
	struct clamd_conf c = { .socket = f->sockstr, .timeout_ms = timeout_ms, .max_stream = max_stream };
	return clamd_scan(&c, p, len, trunc, sig, 128, err, 256);
}

/* ---- fake-server tests ------------------------------------------------------------ */

static void test_found_framing(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, REPLY("stream: Foo.Bar FOUND") };
	size_t len = 700 * 1024 + 5;	/* three chunks */
	uint8_t *p = pattern(len);
	char sig[128], err[256];
	bool trunc = true;
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, p, len, 5000, 0, &trunc, sig, err), CLAMD_VIRUS);
	fake_stop(&f);
	assert_string_equal(sig, "Foo.Bar");
	assert_string_equal(err, "");
	assert_false(trunc);
	assert_string_equal(f.cmd, "zINSTREAM");
	assert_true(f.terminated);
	assert_int_equal(f.got->len, len);
	assert_memory_equal(f.got->data, p, len);
	free(p);
	fake_free(&f);
}

static void test_clean_empty(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, REPLY("stream: OK") };
	char sig[128], err[256];
	bool trunc = true;
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, (const uint8_t *)"", 0, 5000, 0, &trunc, sig, err), CLAMD_CLEAN);
	fake_stop(&f);
	assert_false(trunc);
	assert_true(f.terminated);
	assert_int_equal(f.got->len, 0);
	assert_string_equal(sig, "");
	fake_free(&f);
}

static void test_truncated(void **state)
{
	uint8_t *p = pattern(5000);
	char sig[128], err[256];
	bool trunc = false;
	(void)state;
	{
		struct fake f = { .mode = FAKE_REPLY, REPLY("stream: OK") };
		fake_start(&f);
		assert_int_equal(scan_fake(&f, p, 5000, 5000, 1000, &trunc, sig, err), CLAMD_CLEAN);
		fake_stop(&f);
		assert_true(trunc);
		assert_int_equal(f.got->len, 1000);
		assert_memory_equal(f.got->data, p, 1000);
		assert_true(f.terminated);
		fake_free(&f);
	}
	{
		struct fake f = { .mode = FAKE_REPLY, REPLY("stream: OK") };
		fake_start(&f);
		assert_int_equal(scan_fake(&f, p, 5000, 5000, 5000, &trunc, sig, err), CLAMD_CLEAN);
		fake_stop(&f);
		assert_false(trunc);
		assert_int_equal(f.got->len, 5000);
		fake_free(&f);
	}
	free(p);
}

static void test_close_early(void **state)
{
	/* small and large (the large one meets EPIPE/ECONNRESET: no SIGPIPE) */
	size_t sizes[] = { 10, 16 * 1024 * 1024 };
	size_t i;
	(void)state;
	for (i = 0; i < 2; i++) {
		struct fake f = { .mode = FAKE_CLOSE };
		uint8_t *p = pattern(sizes[i]);
		char sig[128], err[256];
		fake_start(&f);
		assert_int_equal(scan_fake(&f, p, sizes[i], 5000, 0, NULL, sig, err), CLAMD_ERROR);
		fake_stop(&f);
		assert_true(err[0] != '\0');
		assert_string_equal(sig, "");
		free(p);
		fake_free(&f);
	}
}

static void test_garbage(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, REPLY("HELLO\001WORLD") };
	char sig[128], err[256];
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, (const uint8_t *)"abc", 3, 5000, 0, NULL, sig, err), CLAMD_ERROR);
	fake_stop(&f);
	assert_string_equal(err, "bad reply: HELLO?WORLD");
	fake_free(&f);
}

static void test_slow_reply(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, REPLY("stream: OK"), .delay_ms = 2500 };
	char sig[128], err[256];
	double t0, dt;
	(void)state;
	fake_start(&f);
	t0 = now_s();
	assert_int_equal(scan_fake(&f, (const uint8_t *)"abc", 3, 200, 0, NULL, sig, err), CLAMD_ERROR);
	dt = now_s() - t0;
	fake_stop(&f);
	assert_string_equal(err, "timeout after 200 ms");
	assert_true(dt >= 0.19 && dt < 1.5);	/* not the server's 2.5 s */
	fake_free(&f);
}

static void test_stalled_send(void **state)
{
	/* the server never reads: the send blocks until the deadline */
	struct fake f = { .mode = FAKE_STALL, .delay_ms = 2500 };
	size_t len = 16 * 1024 * 1024;
	uint8_t *p = pattern(len);
	char sig[128], err[256];
	double t0, dt;
	(void)state;
	fake_start(&f);
	t0 = now_s();
	assert_int_equal(scan_fake(&f, p, len, 300, 0, NULL, sig, err), CLAMD_ERROR);
	dt = now_s() - t0;
	fake_stop(&f);
	assert_string_equal(err, "timeout after 300 ms");
	assert_true(dt >= 0.29 && dt < 1.5);
	free(p);
	fake_free(&f);
}

static void test_size_limit(void **state)
{
	struct fake f = { .mode = FAKE_LIMIT, .limit = 1024 * 1024 };
	size_t len = 8 * 1024 * 1024;
	uint8_t *p = pattern(len);
	char sig[128], err[256];
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, p, len, 5000, 0, NULL, sig, err), CLAMD_ERROR);
	fake_stop(&f);
	assert_string_equal(err, "INSTREAM size limit exceeded");
	free(p);
	fake_free(&f);
}

static void test_oversize_reply(void **state)
{
	char big[10000];
	struct fake f = { .mode = FAKE_REPLY, .reply = big, .replylen = sizeof big };
	char sig[128], err[256];
	(void)state;
	memset(big, 'A', sizeof big);
	fake_start(&f);
	assert_int_equal(scan_fake(&f, (const uint8_t *)"abc", 3, 5000, 0, NULL, sig, err), CLAMD_ERROR);
	fake_stop(&f);
	assert_string_equal(err, "bad reply: longer than 1024 bytes");
	fake_free(&f);
}

static void test_reply_newline_eof(void **state)
{
	/* the reply of the non-z command form: newline, then EOF */
	struct fake f = { .mode = FAKE_REPLY, .reply = "stream: Eicar-Test-Signature FOUND\n", .replylen = 35 };
	char sig[128], err[256];
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, (const uint8_t *)"abc", 3, 5000, 0, NULL, sig, err), CLAMD_VIRUS);
	fake_stop(&f);
	assert_string_equal(sig, "Eicar-Test-Signature");
	fake_free(&f);
}

static void test_no_reply(void **state)
{
	struct fake f = { .mode = FAKE_REPLY };
	char sig[128], err[256];
	(void)state;
	fake_start(&f);
	assert_int_equal(scan_fake(&f, (const uint8_t *)"abc", 3, 5000, 0, NULL, sig, err), CLAMD_ERROR);
	fake_stop(&f);
	assert_string_equal(err, "connection closed by clamd without a reply");
	fake_free(&f);
}

static void test_tcp(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, .tcp = true, REPLY("stream: Tcp.Sig FOUND") };
	uint8_t *p = pattern(300000);
	char sig[128], err[256];
	(void)state;
	fake_start(&f);
	/* also the form without "tcp:" */
	memmove(f.sockstr, f.sockstr + 4, strlen(f.sockstr + 4) + 1);
	assert_int_equal(scan_fake(&f, p, 300000, 5000, 0, NULL, sig, err), CLAMD_VIRUS);
	fake_stop(&f);
	assert_string_equal(sig, "Tcp.Sig");
	assert_int_equal(f.got->len, 300000);
	assert_memory_equal(f.got->data, p, 300000);
	free(p);
	fake_free(&f);
}

static void test_connect_errors(void **state)
{
	struct clamd_conf c = { .timeout_ms = 2000 };
	char sig[128], err[256], dir[200], path[260], sockstr[300];
	struct sockaddr_un un;
	struct sockaddr_in in;
	socklen_t al = sizeof in;
	int fd;
	(void)state;

	c.socket = "unix:/nonexistent-mamori/clamd.ctl";
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"x", 1, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_ERROR);
	assert_string_equal(err, "connect: No such file or directory");
	assert_false(clamd_ping(&c, err, sizeof err));
	assert_string_equal(err, "connect: No such file or directory");

	/* a socket file nobody listens on */
	snprintf(dir, sizeof dir, "%s/clamdXXXXXX", strlen(g_get_tmp_dir()) < 60 ? g_get_tmp_dir() : "/tmp");
	assert_non_null(g_mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s", dir);
	set_sun(&un, dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof un), 0);
	close(fd);
	c.socket = path;
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"x", 1, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_ERROR);
	assert_string_equal(err, "connect: Connection refused");
	unlink(path);
	rmdir(dir);

	/* a closed TCP port on 127.0.0.1 */
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof in), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &al), 0);
	close(fd);
	snprintf(sockstr, sizeof sockstr, "127.0.0.1:%u", ntohs(in.sin_port));
	c.socket = sockstr;
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"x", 1, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_ERROR);
	assert_string_equal(err, "connect: Connection refused");

	/* a malformed socket string is an error, not a crash */
	c.socket = "clamd.example.org:3310";
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"x", 1, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_ERROR);
	assert_contains(err, "numeric");
}

static void test_backlog_full(void **state)
{
	/* clamd accepts nothing and its backlog is full: connect times out */
	struct sockaddr_un un;
	struct clamd_conf c = { .timeout_ms = 250 };
	char dir[200], sig[128], err[256];
	int lfd, fds[64], n = 0, i;
	double t0, dt;
	(void)state;
	snprintf(dir, sizeof dir, "%s/clamdXXXXXX", strlen(g_get_tmp_dir()) < 60 ? g_get_tmp_dir() : "/tmp");
	assert_non_null(g_mkdtemp(dir));
	set_sun(&un, dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&un, sizeof un), 0);
	assert_int_equal(listen(lfd, 0), 0);
	while (n < 64) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fd, (struct sockaddr *)&un, sizeof un) != 0) {
			assert_int_equal(errno, EAGAIN);
			close(fd);
			break;
		}
		fds[n++] = fd;
	}
	assert_true(n < 64);
	c.socket = un.sun_path;
	t0 = now_s();
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"x", 1, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_ERROR);
	dt = now_s() - t0;
	assert_string_equal(err, "timeout after 250 ms");
	assert_true(dt >= 0.24 && dt < 1.5);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
	unlink(un.sun_path);
	rmdir(dir);
}

static void test_ping_version_fake(void **state)
{
	char err[256], ver[64];
	(void)state;
	{
		struct fake f = { .mode = FAKE_REPLY, REPLY("PONG") };
		struct clamd_conf c = { .timeout_ms = 2000 };
		fake_start(&f);
		c.socket = f.sockstr;
		assert_true(clamd_ping(&c, err, sizeof err));
		fake_stop(&f);
		assert_string_equal(f.cmd, "zPING");
		fake_free(&f);
	}
	{
		struct fake f = { .mode = FAKE_REPLY, REPLY("PANG") };
		struct clamd_conf c = { .timeout_ms = 2000 };
		fake_start(&f);
		c.socket = f.sockstr;
		assert_false(clamd_ping(&c, err, sizeof err));
		fake_stop(&f);
		assert_string_equal(err, "bad reply: PANG");
		fake_free(&f);
	}
	{
		struct fake f = { .mode = FAKE_REPLY, REPLY("ClamAV 9.9.9/27000/Mon Jan  1 00:00:00 2024") };
		struct clamd_conf c = { .timeout_ms = 2000 };
		fake_start(&f);
		c.socket = f.sockstr;
		assert_true(clamd_version(&c, ver, 16, err, sizeof err));
		fake_stop(&f);
		assert_string_equal(f.cmd, "zVERSION");
		assert_string_equal(ver, "ClamAV 9.9.9/27");	/* cut to fit */
		fake_free(&f);
	}
}

/* ---- pure functions ------------------------------------------------------------ */

static void test_parse_reply(void **state)
{
	static const struct {
		const char *line;
		size_t len;	/* 0: strlen */
		enum clamd_status st;
		const char *out;	/* sig or err */
	} cases[] = {
		{ "stream: OK", 0, CLAMD_CLEAN, "" },
		{ "stream: OK\n", 0, CLAMD_CLEAN, "" },
		{ "stream: OK\r\n", 0, CLAMD_CLEAN, "" },
		{ "stream: OK\0", 11, CLAMD_CLEAN, "" },
		{ "stream: Win.Test.EICAR_HDB-1 FOUND", 0, CLAMD_VIRUS, "Win.Test.EICAR_HDB-1" },
		{ "stream: Mamori.Test.ClamExe.UNOFFICIAL FOUND\0", 46, CLAMD_VIRUS,
		  "Mamori.Test.ClamExe.UNOFFICIAL" },
		{ "stream: Eicar(44d88612fea8a8f36de82e1278abb02f:68) FOUND", 0, CLAMD_VIRUS,
		  "Eicar(44d88612fea8a8f36de82e1278abb02f:68)" },
		{ "INSTREAM size limit exceeded. ERROR", 0, CLAMD_ERROR, "INSTREAM size limit exceeded" },
		{ "stream: Can't allocate memory ERROR", 0, CLAMD_ERROR, "Can't allocate memory" },
		{ "stream: ERROR", 0, CLAMD_ERROR, "clamd error" },
		{ "stream:  FOUND", 0, CLAMD_ERROR, "bad reply: stream:  FOUND" },
		{ "stream: FOUND", 0, CLAMD_ERROR, "bad reply: stream: FOUND" },
		{ "stream: X\001Y FOUND", 0, CLAMD_ERROR, "bad reply: stream: X?Y FOUND" },
		{ "stream: OK\0junk", 15, CLAMD_ERROR, "bad reply: stream: OK?junk" },
		{ "UNKNOWN COMMAND", 0, CLAMD_ERROR, "bad reply: UNKNOWN COMMAND" },
		{ "COMMAND READ TIMED OUT", 0, CLAMD_ERROR, "bad reply: COMMAND READ TIMED OUT" },
		{ "", 0, CLAMD_ERROR, "bad reply: (empty)" },
		{ "\0", 1, CLAMD_ERROR, "bad reply: (empty)" },
		{ "stream: ok", 0, CLAMD_ERROR, "bad reply: stream: ok" },
		{ "1: stream: OK", 0, CLAMD_ERROR, "bad reply: 1: stream: OK" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char sig[128], err[256];
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].line);
		enum clamd_status st = clamd_parse_reply(cases[i].line, len, sig, sizeof sig, err, sizeof err);
		if (st != cases[i].st)
			fail_msg("case %zu: status %d, want %d", i, st, cases[i].st);
		assert_utf8_equal(st == CLAMD_VIRUS ? sig : err, cases[i].out);
		if (st != CLAMD_VIRUS)
			assert_string_equal(sig, "");
	}
	{
		/* a long name is cut to fit, a long error too; NULL outputs are fine */
		char sig[8], err[12];
		assert_int_equal(clamd_parse_reply("stream: Very.Long.Name FOUND", 28, sig, sizeof sig,
						   err, sizeof err), CLAMD_VIRUS);
		assert_string_equal(sig, "Very.Lo");
		assert_int_equal(clamd_parse_reply("garbage garbage garbage", 23, sig, sizeof sig,
						   err, sizeof err), CLAMD_ERROR);
		assert_string_equal(err, "bad reply: ");
		assert_int_equal(clamd_parse_reply("stream: OK", 10, NULL, 0, NULL, 0), CLAMD_CLEAN);
		assert_int_equal(clamd_parse_reply(NULL, 5, NULL, 0, NULL, 0), CLAMD_ERROR);
	}
}

static void test_socket_valid(void **state)
{
	static const char *good[] = {
		"unix:/run/clamav/clamd.ctl", "/run/clamav/clamd.ctl", "tcp:127.0.0.1:3310",
		"127.0.0.1:3310", "[::1]:3310", "tcp:[::1]:1", "10.0.0.1:65535",
	};
	static const char *bad[] = {
		"", "unix:", "unix:relative/path", "clamd.ctl", "127.0.0.1", "127.0.0.1:",
		"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:33a", "localhost:3310",
		"::1:3310", "[::1]3310", "[::1:3310", "[127.0.0.1]:3310", "tcp:", "tcp:/x",
		"1.2.3:3310", "127.0.0.1:123456",
	};
	char err[128], longpath[200];
	size_t i;
	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!clamd_socket_valid(good[i], err, sizeof err))
			fail_msg("%s refused: %s", good[i], err);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (clamd_socket_valid(bad[i], err, sizeof err))
			fail_msg("%s accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_false(clamd_socket_valid(NULL, err, sizeof err));
	memset(longpath, 'a', sizeof longpath);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	assert_false(clamd_socket_valid(longpath, err, sizeof err));
	assert_contains(err, "longer than");
}

/* ---- against a real clamd (tests/support/clamd.py) ------------------------------------- */

static struct clamd_conf real_conf(void)
{
	struct clamd_conf c = { .socket = getenv("MAMORI_CLAMD_SOCKET"), .timeout_ms = 20000 };
	assert_non_null(c.socket);
	return c;
}

static GByteArray *read_file(const char *path)
{
	gchar *data;
	gsize len;
	GError *e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e))
		fail_msg("%s: %s", path, e->message);
	return g_byte_array_new_take((guint8 *)data, len);
}

static void test_real_ping_version(void **state)
{
	struct clamd_conf c = real_conf();
	char err[256], ver[256];
	(void)state;
	assert_true(clamd_ping(&c, err, sizeof err));
	assert_true(clamd_version(&c, ver, sizeof ver, err, sizeof err));
	assert_true(strncmp(ver, "ClamAV ", 7) == 0);
	print_message("clamd: %s (started in %s ms)\n", ver,
		      getenv("MAMORI_CLAMD_STARTUP_MS") ? getenv("MAMORI_CLAMD_STARTUP_MS") : "?");
}

static void test_real_testfiles(void **state)
{
	struct clamd_conf c = real_conf();
	const char *dirname = getenv("MAMORI_CLAMAV_TESTFILES") ? getenv("MAMORI_CLAMAV_TESTFILES")
								: CLAMAV_TESTFILES;
	GDir *d = g_dir_open(dirname, 0, NULL);
	const char *name;
	unsigned n = 0, missed = 0;
	(void)state;
	if (d == NULL)
		fail_msg("%s missing (Debian clamav-testfiles)", dirname);
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dirname, name, NULL);
		GByteArray *b = read_file(path);
		char sig[128], err[256];
		bool trunc = true;
		enum clamd_status st = clamd_scan(&c, b->data, b->len, &trunc, sig, sizeof sig, err, sizeof err);
		if (st != CLAMD_VIRUS || strcmp(sig, SIG_CLAMEXE) != 0) {
			print_error("%s: status %d sig \"%s\" err \"%s\"\n", name, st, sig, err);
			missed++;
		}
		assert_false(trunc);
		n++;
		g_byte_array_unref(b);
		g_free(path);
	}
	g_dir_close(d);
	print_message("clamav-testfiles: %u of %u detected as %s\n", n - missed, n, SIG_CLAMEXE);
	assert_int_equal(missed, 0);
	assert_true(n >= 44);
}

static void test_real_eicar(void **state)
{
	struct clamd_conf c = real_conf();
	char sig[128], err[256];
	int nl;
	(void)state;
	for (nl = 0; nl < 2; nl++) {
		GByteArray *e = eicar(nl);
		assert_int_equal(clamd_scan(&c, e->data, e->len, NULL, sig, sizeof sig, err, sizeof err),
				 CLAMD_VIRUS);
		assert_string_equal(sig, SIG_EICAR);
		g_byte_array_unref(e);
	}
}

static void test_real_clean(void **state)
{
	struct clamd_conf c = real_conf();
	size_t len = 1024 * 1024, i;
	char *text = malloc(len), sig[128], err[256];
	static const char line[] = "The quick brown fox jumps over the lazy dog. 0123456789\n";
	(void)state;
	assert_non_null(text);
	for (i = 0; i < len; i++)
		text[i] = line[i % (sizeof line - 1)];
	assert_int_equal(clamd_scan(&c, (const uint8_t *)text, len, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_CLEAN);
	assert_string_equal(sig, "");
	assert_int_equal(clamd_scan(&c, (const uint8_t *)"", 0, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_CLEAN);
	assert_int_equal(clamd_scan(&c, NULL, 0, NULL, sig, sizeof sig, err, sizeof err), CLAMD_CLEAN);
	free(text);
}

static void test_real_truncated(void **state)
{
	struct clamd_conf c = real_conf();
	GByteArray *b = read_file(CLAMAV_TESTFILES "/clam.exe");
	char sig[128], err[256];
	bool trunc = false;
	(void)state;
	c.max_stream = 100;
	/* the first 100 bytes of clam.exe do not match its hash */
	assert_int_equal(clamd_scan(&c, b->data, b->len, &trunc, sig, sizeof sig, err, sizeof err),
			 CLAMD_CLEAN);
	assert_true(trunc);
	c.max_stream = b->len;
	assert_int_equal(clamd_scan(&c, b->data, b->len, &trunc, sig, sizeof sig, err, sizeof err),
			 CLAMD_VIRUS);
	assert_false(trunc);
	g_byte_array_unref(b);
}

static void test_real_stream_limit(void **state)
{
	struct clamd_conf c = real_conf();
	const char *lim = getenv("MAMORI_CLAMD_STREAM_MAX");
	size_t len = (size_t)g_ascii_strtoull(lim ? lim : "10485760", NULL, 10) + 1024 * 1024;
	uint8_t *p = pattern(len);
	char sig[128], err[256];
	bool trunc = true;
	(void)state;
	assert_int_equal(clamd_scan(&c, p, len, &trunc, sig, sizeof sig, err, sizeof err), CLAMD_ERROR);
	assert_string_equal(err, "INSTREAM size limit exceeded");
	assert_false(trunc);
	/* mamori's own max_stream below clamd's: truncated, scanned */
	c.max_stream = len / 2;
	assert_int_equal(clamd_scan(&c, p, len, &trunc, sig, sizeof sig, err, sizeof err), CLAMD_CLEAN);
	assert_true(trunc);
	free(p);
}

static void test_real_tcp(void **state)
{
	const char *tcp = getenv("MAMORI_CLAMD_TCP");
	struct clamd_conf c = { .timeout_ms = 20000 };
	GByteArray *b;
	char sig[128], err[256];
	(void)state;
	if (tcp == NULL)
		skip();
	c.socket = tcp;
	b = read_file(CLAMAV_TESTFILES "/clam.zip");
	assert_true(clamd_ping(&c, err, sizeof err));
	assert_int_equal(clamd_scan(&c, b->data, b->len, NULL, sig, sizeof sig, err, sizeof err),
			 CLAMD_VIRUS);
	assert_string_equal(sig, SIG_CLAMEXE);
	g_byte_array_unref(b);
}

struct worker {
	GByteArray *virus;
	unsigned rounds;
	unsigned failures;
};

static gpointer worker_main(gpointer data)
{
	struct worker *w = data;
	struct clamd_conf c = { .socket = getenv("MAMORI_CLAMD_SOCKET"), .timeout_ms = 20000 };
	uint8_t clean[2048];
	unsigned i;
	memset(clean, 'x', sizeof clean);
	for (i = 0; i < w->rounds; i++) {
		char sig[128], err[256];
		if (clamd_scan(&c, w->virus->data, w->virus->len, NULL, sig, sizeof sig, err, sizeof err)
			    != CLAMD_VIRUS || strcmp(sig, SIG_CLAMEXE) != 0)
			w->failures++;
		if (clamd_scan(&c, clean, sizeof clean, NULL, sig, sizeof sig, err, sizeof err) != CLAMD_CLEAN)
			w->failures++;
	}
	return NULL;
}

static void test_real_threads(void **state)
{
	struct worker w[8];
	GThread *th[8];
	GByteArray *v = read_file(CLAMAV_TESTFILES "/clam.tar.gz");
	int i;
	(void)state;
	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .virus = v, .rounds = 50 };
		th[i] = g_thread_new("scan", worker_main, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		g_thread_join(th[i]);
		assert_int_equal(w[i].failures, 0);
	}
	g_byte_array_unref(v);
}

/* ---- bench ------------------------------------------------------------------------ */

static double rate(const struct clamd_conf *c, const uint8_t *p, size_t len, enum clamd_status want)
{
	unsigned n = 0;
	double t0 = now_s(), dt;
	do {
		char sig[128], err[256];
		if (clamd_scan(c, p, len, NULL, sig, sizeof sig, err, sizeof err) != want) {
			fprintf(stderr, "bench: unexpected verdict (%s)\n", err);
			exit(1);
		}
		n++;
		dt = now_s() - t0;
	} while (dt < 2.0);
	return n / dt;
}

struct bench_thread {
	const uint8_t *p;
	size_t len;
	enum clamd_status want;
	double rate;
};

static gpointer bench_main(gpointer data)
{
	struct bench_thread *b = data;
	struct clamd_conf c = { .socket = getenv("MAMORI_CLAMD_SOCKET"), .timeout_ms = 20000 };
	b->rate = rate(&c, b->p, b->len, b->want);
	return NULL;
}

/* scans per second of n threads together */
static double rate_threads(unsigned n, const uint8_t *p, size_t len, enum clamd_status want)
{
	struct bench_thread b[8];
	GThread *th[8];
	double sum = 0;
	unsigned i;
	for (i = 0; i < n; i++) {
		b[i] = (struct bench_thread){ .p = p, .len = len, .want = want };
		th[i] = g_thread_new("bench", bench_main, &b[i]);
	}
	for (i = 0; i < n; i++) {
		g_thread_join(th[i]);
		sum += b[i].rate;
	}
	return sum;
}

static int bench(void)
{
	struct clamd_conf c = { .socket = getenv("MAMORI_CLAMD_SOCKET"), .timeout_ms = 20000 };
	uint8_t clean[2048];
	GByteArray *v;
	if (c.socket == NULL) {
		fprintf(stderr, "bench: MAMORI_CLAMD_SOCKET unset (run under tests/support/clamd.py)\n");
		return 2;
	}
	memset(clean, 'x', sizeof clean);
	v = read_file(CLAMAV_TESTFILES "/clam.exe");
	printf("bench: clamd startup %s ms\n", getenv("MAMORI_CLAMD_STARTUP_MS") ? getenv("MAMORI_CLAMD_STARTUP_MS") : "?");
	printf("bench: 2 KB clean, 1 thread: %.0f scans/s\n", rate(&c, clean, sizeof clean, CLAMD_CLEAN));
	printf("bench: clam.exe (544 B, virus), 1 thread: %.0f scans/s\n",
	       rate(&c, v->data, v->len, CLAMD_VIRUS));
	printf("bench: 2 KB clean, 8 threads: %.0f scans/s\n",
	       rate_threads(8, clean, sizeof clean, CLAMD_CLEAN));
	printf("bench: clam.exe, 8 threads: %.0f scans/s\n",
	       rate_threads(8, v->data, v->len, CLAMD_VIRUS));
	g_byte_array_unref(v);
	v = read_file(CLAMAV_TESTFILES "/clam.tar.gz");
	printf("bench: clam.tar.gz (virus in an archive), 1 thread: %.0f scans/s\n",
	       rate(&c, v->data, v->len, CLAMD_VIRUS));
	g_byte_array_unref(v);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest fake_tests[] = {
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_socket_valid),
		cmocka_unit_test(test_found_framing),
		cmocka_unit_test(test_clean_empty),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_close_early),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_slow_reply),
		cmocka_unit_test(test_stalled_send),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_oversize_reply),
		cmocka_unit_test(test_reply_newline_eof),
		cmocka_unit_test(test_no_reply),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_backlog_full),
		cmocka_unit_test(test_ping_version_fake),
	};
	const struct CMUnitTest real_tests[] = {
		cmocka_unit_test(test_real_ping_version),
		cmocka_unit_test(test_real_testfiles),
		cmocka_unit_test(test_real_eicar),
		cmocka_unit_test(test_real_clean),
		cmocka_unit_test(test_real_truncated),
		cmocka_unit_test(test_real_stream_limit),
		cmocka_unit_test(test_real_tcp),
		cmocka_unit_test(test_real_threads),
	};
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench();
	if (argc > 1 && strcmp(argv[1], "--real") == 0) {
		if (getenv("MAMORI_CLAMD_SOCKET") == NULL) {
			fprintf(stderr, "--real: MAMORI_CLAMD_SOCKET unset (run under tests/support/clamd.py)\n");
			return 2;
		}
		return cmocka_run_group_tests_name("clamd-real", real_tests, NULL, NULL);
	}
	return cmocka_run_group_tests_name("clamd", fake_tests, NULL, NULL);
}
