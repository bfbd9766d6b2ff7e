/*
 * milter.c - `mamori milter`: the libmilter front end for Postfix and
 * Sendmail.
 *
 * Flow: libmilter runs one thread per MTA connection and calls the
 * callbacks below with the connection's private struct conn.  The
 * envelope (client IP, HELO, MAIL FROM, RCPT TO) and the header fields are
 * collected as they come; the raw header block is rebuilt as
 * "Name: value\r\n" with the values exactly as libmilter gives them.  The
 * body goes to memory up to daemon.spool_bytes, beyond that to an
 * unlinked temporary file in STATE/spool/ (headers, blank line and body,
 * so the message is contiguous) which is mapped at end of message.  At
 * eom the message is scanned with a reference on the current engine
 * (daemon_engine_get/put) and the action is applied:
 *
 *   accept       forged Authentication-Results removed, ours and the
 *                X-Spam-* headers added, SMFIS_ACCEPT
 *   add_header   the same, plus daemon.subject_tag on the Subject
 *   reject       550 5.7.1 "Message rejected as <class>"
 *   tempfail     451 4.7.1
 *   quarantine   stored durably (store_quarantine_put) then discarded;
 *                without a store, or if storing fails: tempfail
 *   hold         (PPAP) stored durably as held (ppap_hold) then
 *                discarded; released, quarantined or expired later by
 *                the PPAP life cycle (ppap.h)
 *
 * A delivered mail that carries candidate passwords is offered to the
 * messages held for its sender and recipients (ppap_followup) before the
 * MTA gets the answer; a thread applies ppap.expire to holds whose window
 * has ended (ppap_expire, every PPAP_SWEEP_S seconds at most).  A password
 * mail gets "X-Mamori-PPAP: password-mail".
 *
 * Any internal error tempfails the message: mail is never dropped.
 *
 * Signals: libmilter's own signal thread stops the milter on SIGHUP,
 * SIGTERM and SIGINT.  mamori wants SIGHUP to reload instead, so this file
 * defines sigwait(): libmilter's calls resolve to it, and it takes SIGHUP
 * out of any set that also holds SIGTERM (libmilter's), leaving SIGHUP to
 * the reload thread, which waits with sigwaitinfo().  SIGHUP is blocked in
 * every thread before smfi_main.
 *
 * Limits: the header block is capped (MAX_HEADER_BYTES, MAX_HEADERS);
 * beyond it the message is rejected with 552 5.3.4.  libmilter itself
 * refuses packets over its maximum data size and closes the connection.
 */
#include "daemon/milter.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libmilter/mfapi.h>

#include "checks/ppap/ppap.h"
#include "core/config.h"
#include "core/module.h"
#include "daemon/daemon.h"
#ifdef MAMORI_HAVE_STORE
#include "daemon/ppap.h"
#include "store/store.h"
#endif

#define FRONT "milter"
#define MAX_HEADER_BYTES (1024 * 1024)
#define MAX_HEADERS 10000
#define MAX_RCPTS 10000
#define TOP_SYMBOLS 10
#define QUARANTINE_DAYS 30
#define PPAP_SWEEP_S 30

/* The process-wide state the callbacks use. */
static struct daemon_engine *engine;
static char *spool_dir;
static uint64_t spool_bytes;
static char *subject_tag;
static gint active_conns;
static unsigned expire_days = QUARANTINE_DAYS;
static unsigned dedup_window_s;	/* quarantine.dedup_window_s */
#ifdef MAMORI_HAVE_STORE
static struct mamori_store *store;
#endif

struct msg {
	char *mail_from;
	GPtrArray *rcpts;	/* char * */
	GString *hdr;		/* the raw header block */
	GPtrArray *names;	/* char *, header names in order */
	char *subject;		/* first Subject value, as given */
	GString *body;		/* while in memory */
	int fd;			/* spool file (headers + CRLF + body), or -1 */
	uint64_t body_len;
	bool too_big;		/* header limits exceeded */
	bool failed;		/* internal error: tempfail at eom */
};

struct conn {
	char *client_ip;	/* NULL: unix socket / unknown */
	char *helo;
	struct msg *m;
};

static void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	g_free(m->mail_from);
	g_ptr_array_unref(m->rcpts);
	g_string_free(m->hdr, TRUE);
	g_ptr_array_unref(m->names);
	g_free(m->subject);
	if (m->body != NULL)
		g_string_free(m->body, TRUE);
	if (m->fd >= 0)
		close(m->fd);
	g_free(m);
}

static struct msg *
msg_new(void)
{
	struct msg *m = g_new0(struct msg, 1);
	m->rcpts = g_ptr_array_new_with_free_func(g_free);
	m->hdr = g_string_new(NULL);
	m->names = g_ptr_array_new_with_free_func(g_free);
	m->body = g_string_new(NULL);
	m->fd = -1;
	return m;
}

static struct conn *
conn_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* The connection's message, created on first use. */
static struct msg *
msg_of(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL)
		return NULL;
	if (c->m == NULL)
		c->m = msg_new();
	return c->m;
}

static void
msg_reset(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	if (c != NULL) {
		msg_free(c->m);
		c->m = NULL;
	}
}

/* "<a@b>" -> "a@b" (ESMTP arguments are separate argv entries). */
static char *
strip_brackets(const char *a)
{
	if (a == NULL)
		return NULL;
	size_t n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>')
		return g_strndup(a + 1, n - 2);
	return g_strdup(a);
}

/* ---- callbacks ---------------------------------------------------------- */

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	(void)hostname;
	struct conn *c = g_new0(struct conn, 1);
	char buf[INET6_ADDRSTRLEN] = "";

	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != NULL)
			c->client_ip = g_strdup(buf);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) != NULL)
			c->client_ip = g_strdup(buf);
	}
	g_atomic_int_inc(&active_conns);
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		g_free(c->client_ip);
		g_free(c);
		g_atomic_int_dec_and_test(&active_conns);
		metrics_error(FRONT, "internal");
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	g_free(c->helo);
	c->helo = helo != NULL ? g_strndup(helo, 255) : NULL;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	msg_reset(ctx);
	struct msg *m = msg_of(ctx);
	if (m == NULL)
		return SMFIS_TEMPFAIL;
	m->mail_from = strip_brackets(argv != NULL ? argv[0] : NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct msg *m = msg_of(ctx);
	if (m == NULL)
		return SMFIS_TEMPFAIL;
	if (argv != NULL && argv[0] != NULL && m->rcpts->len < MAX_RCPTS)
		g_ptr_array_add(m->rcpts, strip_brackets(argv[0]));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct msg *m = msg_of(ctx);
	if (m == NULL)
		return SMFIS_TEMPFAIL;
	if (name == NULL)
		return SMFIS_CONTINUE;
	if (value == NULL)
		value = (char *)"";
	if (m->too_big)
		return SMFIS_CONTINUE;
	if (m->names->len >= MAX_HEADERS
	    || m->hdr->len + strlen(name) + strlen(value) + 4 > MAX_HEADER_BYTES) {
		m->too_big = true;
		return SMFIS_CONTINUE;
	}
	g_string_append_printf(m->hdr, "%s: %s\r\n", name, value);
	g_ptr_array_add(m->names, g_strdup(name));
	if (m->subject == NULL && g_ascii_strcasecmp(name, "Subject") == 0)
		m->subject = g_strdup(value);
	return SMFIS_CONTINUE;
}

/*
 * DATA: nothing to do, but registered.  Without it libmilter asks the MTA
 * to skip the DATA command (SMFIP_NODATA), and Postfix then sends the
 * DATA macros alone, a packet that gets no reply; its next packet (the
 * first header) is then held by Nagle on Postfix's side until our kernel's
 * delayed ACK, 40 ms per message.  With it, macros and command go in one
 * write that is answered at once.
 */
static sfsistat
cb_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static bool
write_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* Move the message to an unlinked temporary file in the spool. */
static bool
spool_start(struct msg *m)
{
	char *path = g_build_filename(spool_dir, "mamori-XXXXXX", NULL);
	int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		daemon_log(LOG_ERR, "milter: cannot create a spool file in %s: %s",
		    spool_dir, g_strerror(errno));
		g_free(path);
		return false;
	}
	g_unlink(path);
	g_free(path);
	if (!write_all(fd, m->hdr->str, m->hdr->len) || !write_all(fd, "\r\n", 2)
	    || !write_all(fd, m->body->str, m->body->len)) {
		daemon_log(LOG_ERR, "milter: cannot write the spool file: %s", g_strerror(errno));
		close(fd);
		return false;
	}
	m->fd = fd;
	g_string_free(m->body, TRUE);
	m->body = NULL;
	return true;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct msg *m = msg_of(ctx);
	if (m == NULL)
		return SMFIS_TEMPFAIL;
	if (m->failed || m->too_big)
		return SMFIS_CONTINUE;
	m->body_len += len;
	if (m->fd < 0) {
		g_string_append_len(m->body, (const char *)chunk, (gssize)len);
		if (m->body->len > spool_bytes && !spool_start(m))
			m->failed = true;
	} else if (!write_all(m->fd, chunk, len)) {
		daemon_log(LOG_ERR, "milter: cannot write the spool file: %s", g_strerror(errno));
		m->failed = true;
	}
	return SMFIS_CONTINUE;
}

/* ---- end of message ----------------------------------------------------- */

/* A header value on one line: CR and LF dropped, controls become spaces. */
static char *
sanitize(const char *v)
{
	GString *s = g_string_new(NULL);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		g_string_append_c(s, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	}
	return g_string_free(s, FALSE);
}

struct sym {
	const char *name;
	double score;
};

static int
sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (fabs(x->score) != fabs(y->score))
		return fabs(x->score) > fabs(y->score) ? -1 : 1;
	return strcmp(x->name, y->name);
}

static char *
top_symbols(const struct mamori_result *res)
{
	size_t n = mamori_result_nsymbols(res);
	struct sym *s = g_new0(struct sym, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++)
		s[i].name = mamori_result_symbol(res, i, &s[i].score);
	qsort(s, n, sizeof *s, sym_cmp);
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < n && i < TOP_SYMBOLS; i++)
		g_string_append_printf(out, "%s%s(%.2f)", i > 0 ? ", " : "", s[i].name, s[i].score);
	g_free(s);
	char *r = sanitize(out->str);
	g_string_free(out, TRUE);
	return r;
}

/* The reason class a rejection names (never the rule internals). */
static const char *
reject_class(const struct mamori_result *res)
{
	size_t n = mamori_result_nsymbols(res);
	for (size_t i = 0; i < n; i++) {
		const char *s = mamori_result_symbol(res, i, NULL);
		if (strcmp(s, "AV_VIRUS") == 0 || g_str_has_prefix(s, "YARA")
		    || strstr(s, "DANGEROUS") != NULL)
			return "malware";
	}
	if (mamori_result_has_symbol(res, "DMARC_POLICY_REJECT"))
		return "authentication (DMARC policy)";
	return "spam";
}

static bool
ok(int r, const char *what)
{
	if (r != MI_SUCCESS)
		daemon_log(LOG_ERR, "milter: %s failed", what);
	return r == MI_SUCCESS;
}

static gint
int_desc(gconstpointer a, gconstpointer b)
{
	return *(const int *)b - *(const int *)a;
}

/* Remove forged Authentication-Results (last first, so indexes hold). */
static bool
remove_forged(SMFICTX *ctx, const struct msg *m, const struct mamori_result *res)
{
	const unsigned *pos = NULL;
	size_t n = mamori_result_forged_ar(res, &pos);
	GArray *idx = g_array_new(FALSE, FALSE, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		if (pos[i] == 0 || pos[i] > m->names->len)
			continue;
		if (g_ascii_strcasecmp(g_ptr_array_index(m->names, pos[i] - 1),
		    "Authentication-Results") != 0)
			continue;
		int k = 0;
		for (unsigned j = 0; j < pos[i]; j++)
			if (g_ascii_strcasecmp(g_ptr_array_index(m->names, j),
			    "Authentication-Results") == 0)
				k++;
		g_array_append_val(idx, k);
	}
	g_array_sort(idx, int_desc);
	bool good = true;
	for (guint i = 0; i < idx->len && good; i++) {
		int k = g_array_index(idx, int, i);
		if (i > 0 && k == g_array_index(idx, int, i - 1))
			continue;
		good = ok(smfi_chgheader(ctx, (char *)"Authentication-Results", k, NULL),
		    "removing a forged Authentication-Results");
	}
	g_array_free(idx, TRUE);
	return good;
}

static bool
add_headers(SMFICTX *ctx, const struct msg *m, const struct mamori_result *res,
    const struct mamori_engine *eng, bool tag)
{
	if (!remove_forged(ctx, m, res))
		return false;
	const char *ar = mamori_result_auth_results(res);
	if (ar != NULL) {
		char *v = sanitize(ar);
		bool good = ok(smfi_insheader(ctx, 0, (char *)"Authentication-Results", v),
		    "adding Authentication-Results");
		g_free(v);
		if (!good)
			return false;
	}
	double score = mamori_result_score(res);
	double thr = mamori_engine_config(eng)->threshold[MAMORI_ACTION_ADD_HEADER];
	bool spam = mamori_result_action(res) != MAMORI_ACTION_ACCEPT;
	char *v = g_strdup_printf("%.2f", score);
	bool good = ok(smfi_addheader(ctx, (char *)"X-Spam-Score", v), "adding X-Spam-Score");
	g_free(v);
	if (isnan(thr))
		v = g_strdup_printf("%s, score=%.2f", spam ? "Yes" : "No", score);
	else
		v = g_strdup_printf("%s, score=%.2f required=%.2f", spam ? "Yes" : "No", score, thr);
	good = good && ok(smfi_addheader(ctx, (char *)"X-Spam-Status", v), "adding X-Spam-Status");
	g_free(v);
	v = top_symbols(res);
	if (v[0] != '\0')
		good = good && ok(smfi_addheader(ctx, (char *)"X-Spam-Symbols", v),
		    "adding X-Spam-Symbols");
	g_free(v);
	if (good && mamori_result_has_symbol(res, "PPAP_PASSWORD_MAIL"))
		good = ok(smfi_addheader(ctx, (char *)"X-Mamori-PPAP", (char *)"password-mail"),
		    "adding X-Mamori-PPAP");
	else if (good && mamori_result_has_symbol(res, "PPAP_DECRYPTED") &&
	    ppap_conf(mamori_engine_config(eng))->notice)
		good = ok(smfi_addheader(ctx, (char *)"X-Mamori-PPAP", (char *)"decrypted; "
		    "the encrypted attachments were opened and scanned"), "adding X-Mamori-PPAP");
	if (good && tag && subject_tag != NULL && subject_tag[0] != '\0') {
		if (m->subject == NULL) {
			char *t = g_strchomp(g_strdup(subject_tag));
			good = ok(smfi_addheader(ctx, (char *)"Subject", t), "adding Subject");
			g_free(t);
		} else {
			char *s = sanitize(m->subject);
			if (!g_str_has_prefix(s, subject_tag)) {
				char *t = g_strconcat(subject_tag, s, NULL);
				good = ok(smfi_chgheader(ctx, (char *)"Subject", 1, t), "tagging Subject");
				g_free(t);
			}
			g_free(s);
		}
	}
	return good;
}

static sfsistat
tempfail(SMFICTX *ctx, const char *what)
{
	metrics_error(FRONT, what);
	smfi_setreply(ctx, (char *)"451", (char *)"4.7.1",
	    (char *)"Temporary failure, try again later");
	return SMFIS_TEMPFAIL;
}

#ifdef MAMORI_HAVE_STORE
static bool
quarantine(const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res)
{
	char id[40], err[512] = "";
	char *syms = top_symbols(res);
	char *reason = g_strdup_printf("%s: score %.2f (%s)",
	    mamori_action_name(mamori_result_action(res)), mamori_result_score(res), syms);
	gint64 expires = g_get_real_time() / G_USEC_PER_SEC + (gint64)expire_days * 86400;
	bool good = store != NULL && store_quarantine_put(store, msg, len, env, res, reason,
	    expires, id, err, sizeof err);
	if (good)
		daemon_log(LOG_INFO, "milter: queue_id=%s quarantined as %s",
		    env->queue_id != NULL ? env->queue_id : "-", id);
	else
		daemon_log(LOG_ERR, "milter: queue_id=%s cannot quarantine: %s",
		    env->queue_id != NULL ? env->queue_id : "-",
		    store == NULL ? "no store" : err);
	g_free(reason);
	g_free(syms);
	return good;
}

static bool
hold(const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res, const struct mamori_engine *eng)
{
	char id[40], err[512] = "";
	bool good = store != NULL && ppap_hold(store, eng, msg, len, env, res, id, err,
	    sizeof err);
	if (good)
		daemon_log(LOG_INFO, "milter: queue_id=%s held as %s for %u s (PPAP)",
		    env->queue_id != NULL ? env->queue_id : "-", id, ppap_conf(mamori_engine_config(eng))->window_s);
	else
		daemon_log(LOG_ERR, "milter: queue_id=%s cannot hold: %s",
		    env->queue_id != NULL ? env->queue_id : "-",
		    store == NULL ? "no store" : err);
	return good;
}

/* A mail with candidate passwords: the held messages of its sender. */
static void
followup(const struct mamori_envelope *env, const struct mamori_result *res,
    const struct mamori_engine *eng)
{
	enum mamori_action a = mamori_result_action(res);

	if (store == NULL || a == MAMORI_ACTION_HOLD || a == MAMORI_ACTION_TEMPFAIL ||
	    a == MAMORI_ACTION_REJECT)
		return;
	unsigned n = ppap_followup(store, eng, env, res);
	if (n > 0)
		daemon_log(LOG_INFO, "milter: queue_id=%s opened %u held message%s (PPAP)",
		    env->queue_id != NULL ? env->queue_id : "-", n, n == 1 ? "" : "s");
}

/* Applies ppap.expire to the holds whose window ended, until stopping. */
static gint stopping;

static gpointer
sweep_thread(gpointer data)
{
	(void)data;
	while (!g_atomic_int_get(&stopping)) {
		struct mamori_engine *eng = daemon_engine_get(engine);
		unsigned every = MIN(PPAP_SWEEP_S, MAX(1u, ppap_conf(mamori_engine_config(eng))->window_s / 10));
		unsigned n = ppap_expire(store, eng, g_get_real_time() / G_USEC_PER_SEC);
		daemon_engine_put(engine, eng);
		if (n > 0)
			daemon_log(LOG_INFO, "milter: %u held message%s expired (PPAP)", n,
			    n == 1 ? "" : "s");
		for (unsigned i = 0; i < every * 10 && !g_atomic_int_get(&stopping); i++)
			g_usleep(G_USEC_PER_SEC / 10);
	}
	return NULL;
}
#else
static bool quarantine(const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res);

static bool
hold(const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res, const struct mamori_engine *eng)
{
	(void)eng;
	return quarantine(msg, len, env, res);
}

static void
followup(const struct mamori_envelope *env, const struct mamori_result *res,
    const struct mamori_engine *eng)
{
	(void)env, (void)res, (void)eng;
}

static bool
quarantine(const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res)
{
	(void)msg, (void)len, (void)res;
	daemon_log(LOG_ERR, "milter: queue_id=%s cannot quarantine: built without the store",
	    env->queue_id != NULL ? env->queue_id : "-");
	return false;
}
#endif

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msg *m = c != NULL ? c->m : NULL;
	if (m == NULL)
		return tempfail(ctx, "internal");
	if (m->too_big) {
		smfi_setreply(ctx, (char *)"552", (char *)"5.3.4",
		    (char *)"Message header too large");
		msg_reset(ctx);
		return SMFIS_REJECT;
	}
	if (m->failed) {
		msg_reset(ctx);
		return tempfail(ctx, "spool");
	}

	/* the message bytes */
	const uint8_t *bytes;
	size_t len;
	void *map = NULL;
	GString *mem = NULL;
	if (m->fd >= 0) {
		struct stat st;
		if (fstat(m->fd, &st) != 0 || st.st_size <= 0
		    || (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, m->fd, 0))
		    == MAP_FAILED) {
			daemon_log(LOG_ERR, "milter: cannot map the spool file: %s", g_strerror(errno));
			msg_reset(ctx);
			return tempfail(ctx, "spool");
		}
		bytes = map;
		len = (size_t)st.st_size;
	} else {
		mem = g_string_sized_new(m->hdr->len + 2 + m->body->len);
		g_string_append_len(mem, m->hdr->str, (gssize)m->hdr->len);
		g_string_append_len(mem, "\r\n", 2);
		g_string_append_len(mem, m->body->str, (gssize)m->body->len);
		bytes = (const uint8_t *)mem->str;
		len = mem->len;
	}

	const char *qid = smfi_getsymval(ctx, (char *)"i");
	struct mamori_envelope env = {
		.client_ip = c->client_ip,
		.helo = c->helo,
		.mail_from = m->mail_from,
		.rcpt = (const char *const *)m->rcpts->pdata,
		.n_rcpt = m->rcpts->len,
		.source = FRONT,
		.queue_id = qid,
	};
	struct mamori_engine *eng = daemon_engine_get(engine);
	struct mamori_result *res = NULL;
	gint64 t0 = g_get_monotonic_time();
	enum mamori_status st = mamori_scan(eng, bytes, len, &env, &res);
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	sfsistat r;

	if (st != MAMORI_OK || res == NULL) {
		daemon_log(LOG_ERR, "milter: queue_id=%s scan failed (status %d): tempfail",
		    qid != NULL ? qid : "-", (int)st);
		r = tempfail(ctx, "scan");
		goto out;
	}
	daemon_log_result(FRONT, qid, res, secs * 1000);
	metrics_scan(FRONT, res, secs);
	followup(&env, res, eng);
	switch (mamori_result_action(res)) {
	case MAMORI_ACTION_ACCEPT:
		r = add_headers(ctx, m, res, eng, false) ? SMFIS_ACCEPT : tempfail(ctx, "milter");
		break;
	case MAMORI_ACTION_ADD_HEADER:
		r = add_headers(ctx, m, res, eng, true) ? SMFIS_ACCEPT : tempfail(ctx, "milter");
		break;
	case MAMORI_ACTION_REJECT: {
		char *text = g_strdup_printf("Message rejected as %s", reject_class(res));
		smfi_setreply(ctx, (char *)"550", (char *)"5.7.1", text);
		g_free(text);
		r = SMFIS_REJECT;
		break;
	}
	case MAMORI_ACTION_QUARANTINE:
		r = quarantine(bytes, len, &env, res) ? SMFIS_DISCARD : tempfail(ctx, "quarantine");
		break;
	case MAMORI_ACTION_HOLD:
		r = hold(bytes, len, &env, res, eng) ? SMFIS_DISCARD : tempfail(ctx, "hold");
		break;
	case MAMORI_ACTION_TEMPFAIL:
	default:
		smfi_setreply(ctx, (char *)"451", (char *)"4.7.1",
		    (char *)"Temporary failure, try again later");
		r = SMFIS_TEMPFAIL;
		break;
	}
out:
	mamori_result_free(res);
	daemon_engine_put(engine, eng);
	if (map != NULL)
		munmap(map, len);
	if (mem != NULL)
		g_string_free(mem, TRUE);
	msg_reset(ctx);
	return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	msg_reset(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	if (c != NULL) {
		msg_free(c->m);
		g_free(c->client_ip);
		g_free(c->helo);
		g_free(c);
		smfi_setpriv(ctx, NULL);
		g_atomic_int_dec_and_test(&active_conns);
	}
	return SMFIS_CONTINUE;
}

/* ---- signals ------------------------------------------------------------ */

/*
 * libmilter's signal thread calls sigwait() on {SIGHUP, SIGTERM, SIGINT}
 * and stops the milter on any of them.  This definition (the executable's
 * symbol wins over libc's) leaves SIGHUP out of such a set, so SIGHUP
 * always reaches reload_thread().
 */
int sigwait(const sigset_t *set, int *sig);
int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t s = *set;
	if (sigismember(&s, SIGTERM))
		sigdelset(&s, SIGHUP);
	for (;;) {
		int r = sigwaitinfo(&s, NULL);
		if (r > 0) {
			*sig = r;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

static gpointer
reload_thread(gpointer data)
{
	(void)data;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	for (;;) {
		int sig = sigwaitinfo(&s, NULL);
		if (sig != SIGHUP)
			continue;
		char err[1024] = "";
		daemon_log(LOG_INFO, "milter: SIGHUP: reloading the configuration");
		if (!daemon_engine_reload(engine, err, sizeof err))
			metrics_error(FRONT, "reload");
	}
	return NULL;
}

/* ---- main --------------------------------------------------------------- */

static struct smfiDesc desc = {
	.xxfi_name = (char *)"mamori",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_data = cb_data,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
};

/*
 * TCP_NODELAY on the listening TCP sockets (libmilter's, the only ones in
 * this process): Linux copies it to every accepted connection.  Without
 * it, the second of two small replies in a row (an smfi_addheader, then
 * the accept) waits for the MTA's delayed ACK, 40 ms and more per
 * message.  Returns how many sockets got it.
 */
static int
tcp_nodelay_listeners(void)
{
	int n = 0;
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	if (d == NULL)
		return 0;
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		int fd = atoi(name), v = 0, proto = 0, one = 1;
		socklen_t l = sizeof v, lp = sizeof proto;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) != 0 || v == 0
		    || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &lp) != 0
		    || proto != IPPROTO_TCP)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
			n++;
		else
			daemon_log(LOG_WARNING, "milter: TCP_NODELAY: %s", g_strerror(errno));
	}
	g_dir_close(d);
	return n;
}

static bool
valid_socket(const char *s)
{
	return g_str_has_prefix(s, "unix:") || g_str_has_prefix(s, "local:")
	    || g_str_has_prefix(s, "inet:") || g_str_has_prefix(s, "inet6:");
}

int
milter_run(const struct milter_opts *o)
{
	char err[1024] = "";
	struct mamori_config *cfg = NULL;

	if (o->socket == NULL || !valid_socket(o->socket)) {
		fprintf(stderr, "mamori milter: --socket unix:/path or inet:PORT@HOST is required\n");
		return 2;
	}
	/* the daemon section: read once at start-up */
	if (o->config_path == NULL)
		cfg = mamori_config_new_default();
	else if (mamori_config_load(o->config_path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return 1;
	}
	daemon_log_open(cfg->daemon.syslog, "mamori-milter");
	spool_bytes = cfg->daemon.spool_bytes;
	subject_tag = g_strdup(cfg->daemon.subject_tag);
	char *user = g_strdup(cfg->daemon.user);
	char *sock_group = g_strdup(cfg->daemon.socket_group);
	unsigned sock_mode = cfg->daemon.socket_mode;
	char *state = g_strdup(o->state_dir != NULL ? o->state_dir : cfg->quarantine.state_dir);
	expire_days = cfg->quarantine.expire_days;
	dedup_window_s = cfg->quarantine.dedup_window_s;
	mamori_config_free(cfg);

	spool_dir = g_build_filename(state, "spool", NULL);

	/*
	 * Blocked in every thread: SIGHUP goes to the reload thread only,
	 * SIGTERM and SIGINT to libmilter's signal thread.
	 */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = 1;
#ifdef MAMORI_HAVE_STORE
	GThread *sweeper = NULL;
#endif
	const char *unix_path = NULL;
	if (g_str_has_prefix(o->socket, "unix:"))
		unix_path = o->socket + 5;
	else if (g_str_has_prefix(o->socket, "local:"))
		unix_path = o->socket + 6;
	if (unix_path != NULL)
		g_unlink(unix_path);
	if (smfi_setconn((char *)o->socket) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS
	    || smfi_settimeout(600) != MI_SUCCESS || smfi_setbacklog(128) != MI_SUCCESS) {
		fprintf(stderr, "mamori: libmilter setup failed for %s\n", o->socket);
		goto out;
	}
	/* a unix socket is born 0600 (nobody else can connect before its
	 * owner, group and mode are set below) */
	mode_t old_umask = umask(0177);
	int opened = smfi_opensocket(true);
	int open_errno = errno;
	umask(old_umask);
	if (opened != MI_SUCCESS) {
		fprintf(stderr, "mamori: cannot listen on %s: %s\n", o->socket,
		    g_strerror(open_errno));
		goto out;
	}
	if (unix_path != NULL) {
		if (!daemon_socket_perms(unix_path, user, sock_group, sock_mode, err, sizeof err)) {
			fprintf(stderr, "mamori: %s\n", err);
			goto out;
		}
	} else if (tcp_nodelay_listeners() == 0) {
		daemon_log(LOG_WARNING, "milter: TCP_NODELAY not set on %s: every reply "
		    "may wait for a delayed ACK", o->socket);
	}
	if (!daemon_drop_privileges(user, o->config_path, err, sizeof err)) {
		fprintf(stderr, "mamori: %s\n", err);
		goto out;
	}
	/*
	 * The engine is built after the drop, as the daemon user, like every
	 * reload: files the engine reads (YARA rules, ...) that this user
	 * cannot read fail the start rather than the first reload.  The
	 * configuration file itself comes through the privileged reader.
	 */
	engine = daemon_engine_new(o->config_path, err, sizeof err);
	if (engine == NULL) {
		fprintf(stderr, "mamori: %s\n", err);
		goto out;
	}
	/* after the drop: the spool and the store belong to the daemon user */
#ifdef MAMORI_HAVE_STORE
	store = store_open(state, err, sizeof err);
	if (store == NULL) {
		fprintf(stderr, "mamori: %s\n", err);
		goto out;
	}
	/* a message Postfix retries after a crash is stored once */
	store_set_dedup_window(store, dedup_window_s);
	/* the checks keep their state in the same store */
	daemon_engine_set_store(engine, store);
#endif
	if (g_mkdir_with_parents(spool_dir, 0700) != 0 || access(spool_dir, W_OK) != 0) {
		fprintf(stderr, "mamori: %s is not writable: %s\n", spool_dir, g_strerror(errno));
		goto out;
	}
	g_thread_unref(g_thread_new("reload", reload_thread, NULL));
#ifdef MAMORI_HAVE_STORE
	sweeper = g_thread_new("ppap-sweep", sweep_thread, NULL);
#endif
	daemon_log(LOG_INFO, "milter: listening on %s", o->socket);
	if (smfi_main() != MI_SUCCESS)
		daemon_log(LOG_ERR, "milter: smfi_main failed");
	else
		rc = 0;
	/* let the connections in flight finish their scans (at most 30 s) */
	for (int i = 0; i < 300 && g_atomic_int_get(&active_conns) > 0; i++)
		g_usleep(100000);
	daemon_log(LOG_INFO, "milter: stopped");
	if (g_atomic_int_get(&active_conns) > 0) {
		/* a connection still runs: do not free what it uses */
		fflush(NULL);
		_exit(rc);
	}
out:
#ifdef MAMORI_HAVE_STORE
	if (sweeper != NULL) {
		g_atomic_int_set(&stopping, 1);
		g_thread_join(sweeper);
	}
#endif
	/* the engines before the store they use: freeing one writes what the
	 * classifier autolearned (bayes.autolearn) */
	if (engine != NULL)
		daemon_engine_free(engine);
	engine = NULL;
#ifdef MAMORI_HAVE_STORE
	store_close(store);
	store = NULL;
#endif
	daemon_config_reader_stop();
	g_free(user);
	g_free(sock_group);
	g_free(state);
	g_free(spool_dir);
	g_free(subject_tag);
	return rc;
}
