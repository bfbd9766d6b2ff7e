/*
 * http.c - `mamori serve`: the HTTP API on libmicrohttpd (docs/api.md).
 *
 * Design: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * slow client or a long scan never holds up another connection; scans
 * themselves take one of `threads` slots, so the CPU is not oversubscribed
 * however many clients connect.  Connections are capped (CONN_LIMIT) and
 * closed when idle for http.timeout_s (slow senders).  A request body is
 * buffered up to http.max_body; beyond it the answer is 413.  A scan that
 * cannot be completed is answered 503 with the error report: the caller
 * must tempfail, never drop, the message.
 *
 * The configuration is read and the listening socket bound before
 * privileges are dropped; the engine is built and the store opened after,
 * so a reload (SIGHUP) sees the same files as the start and the store
 * belongs to the daemon user.  The configuration file itself is read
 * again (start, reloads) through the privileged reader that the drop
 * leaves behind (daemon.c), so it may be readable by root only.
 *
 * /quarantine (docs/api.md): the store of --state or quarantine.state_dir,
 * behind `Authorization: Bearer <http.token>`.  A store that cannot be
 * opened makes these endpoints answer 503; /scan works regardless.
 */
#include "http.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>
#include <microhttpd.h>

#include "core/config.h"
#include "daemon/daemon.h"
#include "mamori/mamori.h"
#include "daemon/ppap.h"
#include "store/release.h"
#include "store/store.h"
#include "util/jsonw.h"

#define CONN_LIMIT 1000		/* open connections */
#define MAX_RCPT 1000		/* envelope recipients of one request */
#define MAX_NOBODY 65536	/* body bytes accepted (and ignored) elsewhere */
#define MIB (1024ull * 1024ull)
#define RELEASE_TIMEOUT_MS 60000
#define LIST_MAX 1000		/* entries of one GET /quarantine */

struct server {
	struct daemon_engine *engine;
	uint64_t max_body;
	/* /quarantine */
	bool token_set;		/* http.token is not empty */
	guint8 token_mac[32];	/* HMAC-SHA256(mac_key, http.token) */
	guint8 mac_key[32];	/* random, per process */
	struct mamori_store *store;	/* NULL: store_err says why */
	char *store_err;
	char *release_smtp;	/* NULL: release_sendmail */
	char *release_sendmail;
	GHashTable *releasing;	/* ids being released (under lock) */
	/* scan slots */
	GMutex lock;
	GCond cond;
	unsigned slots;
	unsigned busy;
};

enum route {
	R_NONE, R_SCAN, R_HEALTH, R_METRICS,
	R_Q_LIST, R_Q_SHOW, R_Q_RAW, R_Q_RELEASE, R_Q_DELETE, R_Q_PASSWORD
};

struct request {
	enum route route;
	char *id;		/* R_Q_* but R_Q_LIST */
	GByteArray *body;	/* R_SCAN */
	uint64_t ignored;	/* body bytes of other requests */
	bool too_large;
};

/* ---- responses ------------------------------------------------------------ */

/* Queue body (g_malloc'd, owned) as the response, with one more header
 * (hname NULL: none). */
static enum MHD_Result
respond_hdr(struct MHD_Connection *c, unsigned status, const char *ctype, char *body,
    size_t len, const char *hname, const char *hvalue)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback(len, body, g_free);
	if (r == NULL) {
		g_free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Queue body (g_malloc'd, owned) as the response; allow: an Allow header. */
static enum MHD_Result
respond(struct MHD_Connection *c, unsigned status, const char *ctype, char *body,
    size_t len, const char *allow)
{
	return respond_hdr(c, status, ctype, body, len,
	    allow != NULL ? MHD_HTTP_HEADER_ALLOW : NULL, allow);
}

static enum MHD_Result
respond_json(struct MHD_Connection *c, unsigned status, GString *s, const char *allow)
{
	g_string_append_c(s, '\n');
	size_t len = s->len;
	return respond(c, status, "application/json", g_string_free(s, FALSE), len, allow);
}

static enum MHD_Result
respond_error_hdr(struct MHD_Connection *c, unsigned status, const char *msg,
    const char *hname, const char *hvalue)
{
	struct jsonw w;
	GString *s = g_string_new(NULL);
	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_int(&w, "status", status);
	jw_str(&w, "error", msg);
	jw_obj_end(&w);
	g_string_append_c(s, '\n');
	size_t len = s->len;
	return respond_hdr(c, status, "application/json", g_string_free(s, FALSE), len,
	    hname, hvalue);
}

static enum MHD_Result
respond_error(struct MHD_Connection *c, unsigned status, const char *msg,
    const char *allow)
{
	return respond_error_hdr(c, status, msg, allow != NULL ? MHD_HTTP_HEADER_ALLOW : NULL,
	    allow);
}

/* ---- POST /scan ------------------------------------------------------------ */

/* A header (X-Mamori-NAME) or else a query parameter (arg); NULL if empty. */
static const char *
param(struct MHD_Connection *c, const char *header, const char *arg)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, header);
	if (v == NULL || *v == '\0')
		v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, arg);
	return v != NULL && *v != '\0' ? v : NULL;
}

struct rcpt_ctx {
	GPtrArray *rcpt;	/* char * */
	bool headers;		/* X-Mamori-Rcpt headers, else rcpt arguments */
};

static enum MHD_Result
collect_rcpt(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct rcpt_ctx *rc = cls;

	if (value == NULL || rc->rcpt->len >= MAX_RCPT)
		return MHD_YES;
	if (rc->headers && kind == MHD_HEADER_KIND &&
	    g_ascii_strcasecmp(key, "X-Mamori-Rcpt") == 0) {
		/* repeatable, and/or comma-separated */
		char **v = g_strsplit(value, ",", 0);
		for (size_t i = 0; v[i] != NULL && rc->rcpt->len < MAX_RCPT; i++) {
			char *a = g_strstrip(v[i]);
			if (*a != '\0')
				g_ptr_array_add(rc->rcpt, g_strdup(a));
		}
		g_strfreev(v);
	} else if (!rc->headers && kind == MHD_GET_ARGUMENT_KIND &&
	    strcmp(key, "rcpt") == 0 && *value != '\0') {
		g_ptr_array_add(rc->rcpt, g_strdup(value));
	}
	return MHD_YES;
}

static void
slot_take(struct server *srv)
{
	g_mutex_lock(&srv->lock);
	while (srv->busy >= srv->slots)
		g_cond_wait(&srv->cond, &srv->lock);
	srv->busy++;
	g_mutex_unlock(&srv->lock);
}

static void
slot_give(struct server *srv)
{
	g_mutex_lock(&srv->lock);
	srv->busy--;
	g_cond_signal(&srv->cond);
	g_mutex_unlock(&srv->lock);
}

static enum MHD_Result
handle_scan(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	struct mamori_envelope env = { 0 };
	struct rcpt_ctx rc = { .rcpt = g_ptr_array_new_with_free_func(g_free), .headers = true };

	env.client_ip = param(c, "X-Mamori-Client-IP", "ip");
	env.helo = param(c, "X-Mamori-Helo", "helo");
	env.mail_from = param(c, "X-Mamori-Mail-From", "from");
	env.queue_id = param(c, "X-Mamori-Queue-Id", "queue_id");
	env.source = param(c, "X-Mamori-Source", "source");
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_rcpt, &rc);
	if (rc.rcpt->len == 0) {
		rc.headers = false;
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_rcpt, &rc);
	}
	if (env.client_ip != NULL && !g_hostname_is_ip_address(env.client_ip)) {
		g_ptr_array_unref(rc.rcpt);
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "client IP (X-Mamori-Client-IP or ip) is not an IPv4 or IPv6 address",
		    NULL);
	}
	env.rcpt = (const char *const *)rc.rcpt->pdata;
	env.n_rcpt = rc.rcpt->len;

	const uint8_t *msg = rq->body->len > 0 ? rq->body->data : (const uint8_t *)"";
	struct mamori_result *res = NULL;
	enum mamori_status st = MAMORI_ERR_INTERNAL;

	slot_take(srv);
	gint64 t0 = g_get_monotonic_time();
	struct mamori_engine *eng = daemon_engine_get(srv->engine);
	if (eng != NULL) {
		st = mamori_scan(eng, msg, rq->body->len, &env, &res);
		daemon_engine_put(srv->engine, eng);
	}
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	slot_give(srv);

	enum MHD_Result ret;
	if (st != MAMORI_OK) {
		mamori_result_free(res);
		metrics_error("http", eng == NULL ? "engine" : "scan");
		daemon_log(LOG_ERR, "http: %s: scan failed (status %d), answered 503",
		    env.queue_id != NULL ? env.queue_id : "-", (int)st);
		char *rep = mamori_error_report(env.source);
		ret = respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", rep,
		    strlen(rep), NULL);
	} else {
		metrics_scan("http", res, secs);
		daemon_log_result("http", env.queue_id, res, secs * 1000.0);
		char *rep = g_strconcat(mamori_result_json(res), "\n", NULL);
		mamori_result_free(res);
		ret = respond(c, MHD_HTTP_OK, "application/json", rep, strlen(rep), NULL);
	}
	g_ptr_array_unref(rc.rcpt);
	return ret;
}

/* ---- GET /health, /metrics -------------------------------------------------- */

static enum MHD_Result
handle_health(struct MHD_Connection *c)
{
	struct jsonw w;
	GString *s = g_string_new(NULL);
	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_str(&w, "status", "ok");
	jw_str(&w, "version", MAMORI_VERSION);
	jw_obj_end(&w);
	return respond_json(c, MHD_HTTP_OK, s, NULL);
}

static enum MHD_Result
handle_metrics(struct MHD_Connection *c)
{
	char *m = metrics_render();
	return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", m,
	    strlen(m), NULL);
}

/* ---- dispatch ----------------------------------------------------------------- */

static bool
is_get(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* ---- /quarantine ------------------------------------------------------------- */

/* HMAC-SHA256 of a presented token under the per-process key: tokens are
 * compared as fixed-size digests, so the time taken depends neither on
 * where they differ nor on their lengths. */
static void
token_mac(const struct server *srv, const char *tok, size_t len, guint8 out[32])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, srv->mac_key, sizeof srv->mac_key);
	gsize n = 32;

	g_hmac_update(h, (const guchar *)tok, (gssize)len);
	g_hmac_get_digest(h, out, &n);
	g_hmac_unref(h);
}

/* Whether the request carries `Authorization: Bearer <http.token>`. */
static bool
authorized(const struct server *srv, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	guint8 mac[32];
	unsigned diff = 0;

	if (v == NULL)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	if (g_ascii_strncasecmp(v, "Bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\t'))
		return false;
	v += 6;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	token_mac(srv, v, len, mac);
	for (size_t i = 0; i < sizeof mac; i++)
		diff |= (unsigned)(mac[i] ^ srv->token_mac[i]);
	return diff == 0;
}

/* {"id":ID,"state":STATE[,"released_via":VIA]} */
static enum MHD_Result
respond_state(struct MHD_Connection *c, const char *id, enum q_state s, const char *via)
{
	struct jsonw w;
	GString *out = g_string_new(NULL);
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_str(&w, "id", id);
	jw_str(&w, "state", q_state_name(s));
	if (via != NULL)
		jw_str(&w, "released_via", via);
	jw_obj_end(&w);
	return respond_json(c, MHD_HTTP_OK, out, NULL);
}

/* A query argument as an integer in [min, max]; absent or empty: true, *out
 * untouched. */
static bool
arg_int(struct MHD_Connection *c, const char *name, gint64 min, gint64 max, gint64 *out)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	if (v == NULL || *v == '\0')
		return true;
	return g_ascii_string_to_signed(v, 10, min, max, out, NULL);
}

static enum MHD_Result
handle_q_list(struct server *srv, struct MHD_Connection *c)
{
	struct q_filter f = { 0 };
	enum q_state state;
	gint64 since = 0, until = 0, limit = 100, offset = 0;

	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	if (v != NULL && *v != '\0') {
		if (!q_state_parse(v, &state))
			return respond_error(c, MHD_HTTP_BAD_REQUEST,
			    "state must be quarantined, released or deleted", NULL);
		f.state = &state;
	}
	if (!arg_int(c, "since", 0, G_MAXINT64, &since) ||
	    !arg_int(c, "until", 0, G_MAXINT64, &until))
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "since and until must be Unix times (seconds)", NULL);
	if (!arg_int(c, "limit", 1, LIST_MAX, &limit) ||
	    !arg_int(c, "offset", 0, 100000000, &offset))
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "limit must be 1 to 1000, offset 0 to 100000000", NULL);
	f.since = since;
	f.until = until;
	f.limit = (unsigned)limit;
	f.offset = (unsigned)offset;
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "rcpt");
	f.rcpt = v != NULL && *v != '\0' ? v : NULL;
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	f.from = v != NULL && *v != '\0' ? v : NULL;

	GPtrArray *l = store_quarantine_list(srv->store, &f);
	struct jsonw w;
	GString *out = g_string_new(NULL);
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_arr(&w, "entries");
	for (guint i = 0; i < l->len; i++)
		q_entry_json(&w, g_ptr_array_index(l, i), false);
	jw_arr_end(&w);
	jw_obj_end(&w);
	g_ptr_array_unref(l);
	return respond_json(c, MHD_HTTP_OK, out, NULL);
}

static enum MHD_Result
handle_q_show(struct server *srv, struct MHD_Connection *c, const char *id)
{
	struct q_entry *e = store_quarantine_get(srv->store, id);
	if (e == NULL)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	struct jsonw w;
	GString *out = g_string_new(NULL);
	jw_init(&w, out, false);
	q_entry_json(&w, e, true);
	q_entry_free(e);
	return respond_json(c, MHD_HTTP_OK, out, NULL);
}

static enum MHD_Result
handle_q_raw(struct server *srv, struct MHD_Connection *c, const char *id)
{
	struct q_entry *e = store_quarantine_get(srv->store, id);
	if (e == NULL)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	enum q_state s = e->state;
	q_entry_free(e);
	if (s == Q_DELETED)
		return respond_error(c, MHD_HTTP_GONE, "the message was deleted", NULL);
	size_t len;
	uint8_t *m = store_quarantine_raw(srv->store, id, &len);
	if (m == NULL) {
		daemon_log(LOG_ERR, "http: quarantine %s: the stored message is missing", id);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the stored message is missing", NULL);
	}
	char *disp = g_strdup_printf("attachment; filename=\"%s.eml\"", id);
	enum MHD_Result ret = respond_hdr(c, MHD_HTTP_OK, "message/rfc822", (char *)m, len,
	    MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	g_free(disp);
	return ret;
}

static enum MHD_Result
do_release(struct server *srv, struct MHD_Connection *c, const char *id)
{
	char err[512] = "";
	struct q_entry *e = store_quarantine_get(srv->store, id);
	if (e == NULL)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	/* a held message (PPAP) is released as is: first taken out of the
	 * hold atomically, so a password mail or the sweeper cannot deliver
	 * it too */
	if (e->state == Q_HELD && store_hold_resolve(srv->store, id, Q_QUARANTINED, "operator"))
		e->state = Q_QUARANTINED;
	if (e->state != Q_QUARANTINED) {
		char *msg = g_strdup_printf("the entry is %s, not quarantined",
		    q_state_name(e->state));
		q_entry_free(e);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_CONFLICT, msg, NULL);
		g_free(msg);
		return ret;
	}
	const char *via = srv->release_smtp != NULL ? srv->release_smtp : srv->release_sendmail;
	if (via == NULL || *via == '\0') {
		q_entry_free(e);
		return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no release target: "
		    "set quarantine.release_smtp or quarantine.release_sendmail", NULL);
	}
	size_t len;
	uint8_t *m = store_quarantine_raw(srv->store, id, &len);
	if (m == NULL) {
		q_entry_free(e);
		daemon_log(LOG_ERR, "http: quarantine %s: the stored message is missing", id);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the stored message is missing", NULL);
	}
	bool ok = store_release(srv->release_smtp, srv->release_sendmail, e->mail_from,
	    e->rcpts, m, len, RELEASE_TIMEOUT_MS, err, sizeof err);
	g_free(m);
	q_entry_free(e);
	if (!ok) {
		daemon_log(LOG_WARNING, "http: quarantine %s: release via %s failed: %s", id,
		    via, err);
		char *msg = g_strdup_printf("release via %s failed: %s", via, err);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_BAD_GATEWAY, msg, NULL);
		g_free(msg);
		return ret;
	}
	if (!store_quarantine_set_state(srv->store, id, Q_RELEASED)) {
		daemon_log(LOG_ERR, "http: quarantine %s: released via %s, but the state "
		    "could not be updated", id, via);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "released, but the state could not be updated: do not release again",
		    NULL);
	}
	daemon_log(LOG_INFO, "http: quarantine %s: released via %s", id, via);
	return respond_state(c, id, Q_RELEASED, via);
}

/*
 * POST /quarantine/ID/password: candidate passwords for a held PPAP
 * message, one per line of the body (UTF-8, at most PW_LINES_MAX lines,
 * PW_BODY_MAX bytes).  The message is rescanned with them (ppap_try):
 * opened and clean, it is released; opened and not clean, quarantined.
 * 200 {"id","outcome"}: released or quarantined; 409: still held, or not
 * a held message; 502: it opened but could not be delivered (it is then
 * quarantined) or the store failed.
 */
#define PW_BODY_MAX 16384
#define PW_LINES_MAX 64

static enum MHD_Result
handle_q_password(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	if (rq->body == NULL || rq->body->len > PW_BODY_MAX)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "at most 16384 bytes of passwords, one per line", NULL);
	char *text = g_strndup((const char *)rq->body->data, rq->body->len);
	if (!g_utf8_validate(text, -1, NULL)) {
		g_free(text);
		return respond_error(c, MHD_HTTP_BAD_REQUEST, "passwords must be UTF-8", NULL);
	}
	gchar **lines = g_strsplit(text, "\n", PW_LINES_MAX + 1);
	GPtrArray *pw = g_ptr_array_new();
	for (gchar **l = lines; *l != NULL && pw->len < PW_LINES_MAX; l++) {
		g_strchomp(*l);
		if (**l != '\0')
			g_ptr_array_add(pw, *l);
	}
	if (pw->len == 0) {
		g_ptr_array_unref(pw);
		g_strfreev(lines);
		g_free(text);
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "no password in the body (one per line)", NULL);
	}
	struct mamori_engine *eng = daemon_engine_get(srv->engine);
	char err[512] = "";
	enum ppap_outcome o = ppap_try(srv->store, eng, rq->id, (const char *const *)pw->pdata,
	    pw->len, MAMORI_PW_OPERATOR, "operator (HTTP API)", err, sizeof err);
	daemon_engine_put(srv->engine, eng);
	g_ptr_array_unref(pw);
	g_strfreev(lines);
	g_free(text);
	daemon_log(LOG_INFO, "http: quarantine %s: operator password: %s%s%s", rq->id,
	    ppap_outcome_name(o), *err ? ": " : "", err);
	unsigned status = o == PPAP_DONE_RELEASED || o == PPAP_DONE_QUARANTINED ?
	    MHD_HTTP_OK : o == PPAP_FAILED ? MHD_HTTP_BAD_GATEWAY : MHD_HTTP_CONFLICT;
	struct jsonw w;
	GString *out = g_string_new(NULL);
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_str(&w, "id", rq->id);
	jw_str(&w, "outcome", ppap_outcome_name(o));
	if (*err)
		jw_str(&w, "error", err);
	jw_obj_end(&w);
	return respond_json(c, status, out, NULL);
}

/* One release of an id at a time: a second one while the first talks to
 * the next hop is 409, never a second delivery. */
static enum MHD_Result
handle_q_release(struct server *srv, struct MHD_Connection *c, const char *id)
{
	g_mutex_lock(&srv->lock);
	bool busy = !g_hash_table_add(srv->releasing, g_strdup(id));
	g_mutex_unlock(&srv->lock);
	if (busy)
		return respond_error(c, MHD_HTTP_CONFLICT,
		    "a release of this entry is in progress", NULL);
	enum MHD_Result ret = do_release(srv, c, id);
	g_mutex_lock(&srv->lock);
	g_hash_table_remove(srv->releasing, id);
	g_mutex_unlock(&srv->lock);
	return ret;
}

static enum MHD_Result
handle_q_delete(struct server *srv, struct MHD_Connection *c, const char *id)
{
	struct q_entry *e = store_quarantine_get(srv->store, id);
	if (e == NULL)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	enum q_state s = e->state;
	q_entry_free(e);
	if (s != Q_DELETED) {
		/* a held message leaves the PPAP life cycle atomically */
		if (!(s == Q_HELD && store_hold_resolve(srv->store, id, Q_DELETED, NULL)) &&
		    !store_quarantine_set_state(srv->store, id, Q_DELETED))
			return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "the entry could not be deleted", NULL);
		daemon_log(LOG_INFO, "http: quarantine %s: deleted", id);
	}
	return respond_state(c, id, Q_DELETED, NULL);
}

/*
 * Route a /quarantine request and check it before its body (if any) is
 * read: 404/405, then the token (403 off, 401), the store (503), the id
 * (400).  rq->route is set when the request is to be answered at the end.
 */
static enum MHD_Result
start_quarantine(struct server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq)
{
	const char *rest = url + strlen("/quarantine");
	const char *allow;
	enum route r = R_NONE;
	char *id = NULL;

	if (*rest == '\0') {
		allow = "GET, HEAD";
		if (is_get(method))
			r = R_Q_LIST;
	} else if (*rest == '/') {
		rest++;
		const char *slash = strchr(rest, '/');
		const char *sub = slash != NULL ? slash + 1 : NULL;
		if (sub == NULL) {
			allow = "GET, HEAD, DELETE";
			if (is_get(method))
				r = R_Q_SHOW;
			else if (strcmp(method, MHD_HTTP_METHOD_DELETE) == 0)
				r = R_Q_DELETE;
		} else if (strcmp(sub, "raw") == 0) {
			allow = "GET, HEAD";
			if (is_get(method))
				r = R_Q_RAW;
		} else if (strcmp(sub, "release") == 0) {
			allow = "POST";
			if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
				r = R_Q_RELEASE;
		} else if (strcmp(sub, "password") == 0) {
			allow = "POST";
			if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
				r = R_Q_PASSWORD;
		} else {
			return respond_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint", NULL);
		}
		id = slash != NULL ? g_strndup(rest, (gsize)(slash - rest)) : g_strdup(rest);
	} else {
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint", NULL);
	}
	enum MHD_Result ret;
	if (r == R_NONE)
		ret = respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here",
		    allow);
	else if (!srv->token_set)
		ret = respond_error(c, MHD_HTTP_FORBIDDEN,
		    "quarantine API disabled: set http.token", NULL);
	else if (!authorized(srv, c))
		ret = respond_error_hdr(c, MHD_HTTP_UNAUTHORIZED,
		    "missing or wrong bearer token (Authorization: Bearer TOKEN)",
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"mamori\"");
	else if (srv->store == NULL) {
		char *msg = g_strdup_printf("quarantine store unavailable: %s", srv->store_err);
		ret = respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg, NULL);
		g_free(msg);
	} else if (id != NULL && !store_id_valid(id))
		ret = respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "invalid id: 32 lower-case hex digits expected", NULL);
	else {
		rq->route = r;
		rq->id = id;
		if (r == R_Q_PASSWORD)
			rq->body = g_byte_array_new();	/* the passwords */
		return MHD_YES;
	}
	g_free(id);
	return ret;
}

/*
 * First call of a request (headers read): route it, or answer at once (the
 * rest of the body, if any, is then discarded and the connection closed).
 */
static enum MHD_Result
start(struct server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq)
{
	if (strcmp(url, "/scan") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "use POST /scan with the message as the body", "POST");
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		guint64 n = 0;
		if (cl != NULL && g_ascii_string_to_unsigned(cl, 10, 0, G_MAXUINT64, &n,
		    NULL) && n > srv->max_body)
			return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
			    "message larger than http.max_body", NULL);
		rq->route = R_SCAN;
		rq->body = g_byte_array_sized_new((guint)MIN(n, 16 * MIB));
		return MHD_YES;
	}
	if (strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0) {
		if (!is_get(method))
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET",
			    "GET, HEAD");
		rq->route = url[1] == 'h' ? R_HEALTH : R_METRICS;
		return MHD_YES;
	}
	if (g_str_has_prefix(url, "/quarantine"))
		return start_quarantine(srv, c, url, method, rq);
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint", NULL);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;
	(void)version;

	if (rq == NULL) {
		rq = g_new0(struct request, 1);
		*con_cls = rq;
		return start(srv, c, url, method, rq);
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (rq->body != NULL && !rq->too_large) {
			if (rq->body->len + n > srv->max_body) {
				/* chunked or lying about its length */
				rq->too_large = true;
				g_byte_array_unref(rq->body);
				rq->body = NULL;
				rq->ignored = n;
			} else {
				g_byte_array_append(rq->body, (const guint8 *)upload, (guint)n);
			}
		} else {
			rq->ignored += n;
			/* drop a bounded amount to answer 413, then hang up */
			if (rq->ignored > (rq->too_large ? MAX(srv->max_body, 16 * MIB)
			    : MAX_NOBODY))
				return MHD_NO;
		}
		return MHD_YES;
	}
	/* the whole request is in */
	if (rq->too_large)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "message larger than http.max_body", NULL);
	switch (rq->route) {
	case R_SCAN:
		return handle_scan(srv, c, rq);
	case R_HEALTH:
		return handle_health(c);
	case R_METRICS:
		return handle_metrics(c);
	case R_Q_LIST:
		return handle_q_list(srv, c);
	case R_Q_SHOW:
		return handle_q_show(srv, c, rq->id);
	case R_Q_RAW:
		return handle_q_raw(srv, c, rq->id);
	case R_Q_RELEASE:
		return handle_q_release(srv, c, rq->id);
	case R_Q_DELETE:
		return handle_q_delete(srv, c, rq->id);
	case R_Q_PASSWORD:
		return handle_q_password(srv, c, rq);
	case R_NONE:
		break;
	}
	return MHD_NO;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	if (rq->body != NULL)
		g_byte_array_unref(rq->body);
	g_free(rq->id);
	g_free(rq);
	*con_cls = NULL;
}

/*
 * Percent-decoding of the path and the query arguments: a %00 would end
 * the C string there (/quarantine/ID%00/raw read as /quarantine/ID), so a
 * decoded NUL becomes DEL instead, which no id, path or address accepts.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	size_t n = MHD_http_unescape(s);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = '\x7f';
	return n;
}

static void G_GNUC_PRINTF(2, 0)
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	(void)cls;
	vsnprintf(buf, sizeof buf, fmt, ap);
	g_strchomp(buf);
	daemon_log(LOG_WARNING, "http: %s", buf);
}

/* ---- start-up -------------------------------------------------------------------- */

/* Bind and listen on "HOST:PORT" or "[IPv6]:PORT"; -1 on error. */
static int
listen_on(const char *spec, char *err, size_t errlen)
{
	char *host = NULL;
	const char *port;
	const char *colon = strrchr(spec, ':');

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':') {
			snprintf(err, errlen, "--listen %s: give HOST:PORT or [IPv6]:PORT", spec);
			return -1;
		}
		host = g_strndup(spec + 1, (gsize)(end - spec - 1));
		port = end + 2;
	} else {
		if (colon == NULL || colon == spec || strchr(spec, ':') != colon) {
			snprintf(err, errlen, "--listen %s: give HOST:PORT or [IPv6]:PORT", spec);
			return -1;
		}
		host = g_strndup(spec, (gsize)(colon - spec));
		port = colon + 1;
	}
	guint64 pn;
	if (!g_ascii_string_to_unsigned(port, 10, 0, 65535, &pn, NULL)) {
		snprintf(err, errlen, "--listen %s: bad port", spec);
		g_free(host);
		return -1;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	g_free(host);
	if (rc != 0) {
		snprintf(err, errlen, "--listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errlen, "--listen %s: %s", spec, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
http_serve(const struct http_opts *o)
{
	char err[1024];
	struct mamori_config *cfg = NULL;
	struct server srv = { 0 };
	struct MHD_Daemon *mhd = NULL;
	int rc = 1;

	daemon_log_open(o->syslog, "mamori-serve");
	/* the http section (read once; the engine reads its own copy) */
	if (o->config == NULL)
		cfg = mamori_config_new_default();
	else if (mamori_config_load(o->config, &cfg, err, sizeof err) != MAMORI_OK) {
		daemon_log(LOG_ERR, "%s", err);
		return 1;
	}
	srv.max_body = cfg->http.max_body != 0 ? cfg->http.max_body
	    : cfg->limits.message_size + MIB;
	srv.token_set = cfg->http.token != NULL && cfg->http.token[0] != '\0';
	if (getrandom(srv.mac_key, sizeof srv.mac_key, 0) != (ssize_t)sizeof srv.mac_key) {
		for (size_t i = 0; i < sizeof srv.mac_key; i++)
			srv.mac_key[i] = (guint8)g_random_int();
	}
	if (srv.token_set)
		token_mac(&srv, cfg->http.token, strlen(cfg->http.token), srv.token_mac);
	srv.release_smtp = g_strdup(cfg->quarantine.release_smtp);
	srv.release_sendmail = g_strdup(cfg->quarantine.release_sendmail);
	srv.releasing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* --user, else daemon.user; --state, else quarantine.state_dir */
	char *user = g_strdup(o->user != NULL ? o->user : cfg->daemon.user);
	char *state = g_strdup(o->state_dir != NULL ? o->state_dir
	    : cfg->quarantine.state_dir);
	srv.slots = o->threads != 0 ? o->threads : cfg->http.threads;
	if (srv.slots == 0)
		srv.slots = g_get_num_processors();
	unsigned timeout = cfg->http.timeout_s;
	mamori_config_free(cfg);
	g_mutex_init(&srv.lock);
	g_cond_init(&srv.cond);

	/* signals: handled by this thread only (sigwait) */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	int fd = listen_on(o->listen, err, sizeof err);
	if (fd < 0) {
		daemon_log(LOG_ERR, "%s", err);
		goto out;
	}
	if (!daemon_drop_privileges(user, o->config, err, sizeof err)) {
		daemon_log(LOG_ERR, "%s", err);
		close(fd);
		goto out;
	}
	/* after the drop: the store belongs to the daemon user */
	if (state == NULL || state[0] == '\0') {
		srv.store_err = g_strdup("no state directory (--state or quarantine.state_dir)");
	} else {
		srv.store = store_open(state, err, sizeof err);
		if (srv.store == NULL)
			srv.store_err = g_strdup(err);
	}
	if (srv.store == NULL)
		daemon_log(LOG_WARNING, "http: the quarantine endpoints answer 503: %s",
		    srv.store_err);
	else if (!srv.token_set)
		daemon_log(LOG_INFO, "http: quarantine endpoints disabled (no http.token)");
	srv.engine = daemon_engine_new(o->config, err, sizeof err);
	if (srv.engine == NULL) {
		daemon_log(LOG_ERR, "%s", err);
		close(fd);
		goto out;
	}
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, handler, &srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, (void *)NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		daemon_log(LOG_ERR, "http: cannot start the HTTP server on %s", o->listen);
		close(fd);
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	daemon_log(LOG_INFO, "http: listening on %s (port %u), %u scan threads, "
	    "max body %llu bytes", o->listen, di != NULL ? (unsigned)di->port : 0,
	    srv.slots, (unsigned long long)srv.max_body);

	for (;;) {
		/* sigwaitinfo, not sigwait: milter.c (same binary) redefines
		 * sigwait() for libmilter to keep SIGHUP out of any set that
		 * holds SIGTERM, which made `mamori serve` ignore SIGHUP */
		int sig = sigwaitinfo(&set, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			if (daemon_engine_reload(srv.engine, err, sizeof err))
				daemon_log(LOG_INFO, "http: configuration reloaded");
			else
				metrics_error("http", "reload");	/* logged by the reload */
			continue;
		}
		daemon_log(LOG_INFO, "http: signal %d, stopping", sig);
		break;
	}
	MHD_stop_daemon(mhd);	/* closes fd */
	rc = 0;
out:
	if (srv.engine != NULL)
		daemon_engine_free(srv.engine);
	daemon_config_reader_stop();
	if (srv.store != NULL)
		store_close(srv.store);
	g_free(srv.store_err);
	g_free(srv.release_smtp);
	g_free(srv.release_sendmail);
	g_hash_table_unref(srv.releasing);
	g_mutex_clear(&srv.lock);
	g_cond_clear(&srv.cond);
	g_free(user);
	g_free(state);
	return rc;
}
