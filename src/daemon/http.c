/*
 * http.c - `mamori serve`: the HTTP API on libmicrohttpd (docs/api.md).
 *
 * Design: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * slow client or a long scan never holds up another connection; scans
 * themselves take one of `threads` slots, so the CPU is not oversubscribed
 * however many clients connect.  A request body is buffered up to
 * http.max_body; beyond it the answer is 413.  A scan that cannot be
 * completed is answered 503 with the error report: the caller must
 * tempfail, never drop, the message.
 *
 * Abuse (docs/api.md, "Limits"): see "connections" below for the caps, the
 * timeouts counted from the start of a request and the /health reserve;
 * the bodies of all requests share http.body_budget (503 + Retry-After
 * beyond it).
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
 *
 * POST /learn/spam, /learn/ham (docs/api.md): the body, capped as /scan's,
 * is learned by the classifier into the same store (mamori_learn), and
 * each request commits; behind the token always (feeding the model is
 * as powerful as releasing mail), 503 without a store.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
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
	/* scan slots */
	GMutex lock;
	GCond cond;
	unsigned slots;
	unsigned busy;
	/* connections and bodies (conn_lock; see "connections") */
	GMutex conn_lock;
	GCond sweep_cond;
	bool stopping;
	GHashTable *conns;	/* struct conn * */
	GHashTable *per_ip;	/* address -> live connections (GUINT_TO_POINTER) */
	unsigned n_regular;	/* live connections within max_conns */
	unsigned n_reserve;	/* live connections of the /health reserve */
	uint64_t buffered;	/* body bytes reserved by all requests */
	gint64 header_us, reserve_us, body_us;
	uint64_t min_rate;	/* body bytes per extra second; 0 = none */
	unsigned max_conns, max_per_ip, reserve;
	uint64_t budget;
	bool scan_token;	/* http.scan_requires_token */
	/* counted since the last summary in the log */
	unsigned long n_refused, n_evicted, n_cut, n_busy;
};

enum route {
	R_NONE, R_SCAN, R_HEALTH, R_METRICS, R_LEARN,
	R_Q_LIST, R_Q_SHOW, R_Q_RAW, R_Q_RELEASE, R_Q_DELETE, R_Q_PASSWORD
};

struct request {
	enum route route;
	char *id;		/* R_Q_* but R_Q_LIST */
	GByteArray *body;	/* R_SCAN, R_LEARN */
	enum mamori_learn_class cls;	/* R_LEARN */
	bool forget;
	uint64_t ignored;	/* body bytes of other requests */
	bool too_large;
	bool over_budget;	/* http.body_budget reached: answered 503 */
	uint64_t reserved;	/* of srv->buffered, for body */
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

/* ---- connections ------------------------------------------------------------ */

/*
 * Slow and greedy clients (slowloris, unfinished bodies), as nginx's
 * client_header_timeout / client_body_timeout and Apache's mod_reqtimeout
 * do it, on libmicrohttpd 0.9.75 in thread-per-connection mode:
 *
 * - Every connection is tracked from MHD_OPTION_NOTIFY_CONNECTION (STARTED
 *   and CLOSED) in srv->conns, with the phase of its current request: HEAD
 *   (request line and headers being read; also a kept-alive connection
 *   waiting for its next request), BODY (the access handler has been
 *   called, the body is coming), ANSWER (the request is in: scanning or
 *   answering).
 * - A sweeper thread (sweep()) cuts a connection whose head has not fully
 *   arrived http.header_timeout_s after the request started (the
 *   connection was accepted, or the previous answer completed), or whose
 *   body is not in by http.body_timeout_s plus one second per
 *   http.body_min_rate bytes received (mod_reqtimeout's MinRate).  MHD's
 *   own timeout (MHD_OPTION_CONNECTION_TIMEOUT, http.timeout_s) only
 *   counts idle time, so a header line every few seconds would reset it.
 *   A cut is shutdown(2) of the connection's socket (from
 *   MHD_CONNECTION_INFO_CONNECTION_FD): the connection's thread wakes up
 *   with end of file and MHD closes it as if the client had hung up.  This
 *   is done under conn_lock only for a connection still in srv->conns, and
 *   MHD calls NOTIFY_CONNECTION CLOSED (which takes conn_lock to remove
 *   it) before it closes the socket, so the descriptor is never one that
 *   has been closed and reused.
 * - Caps, decided in NOTIFY_CONNECTION STARTED (MHD has accepted the
 *   connection; a refused one is cut at once): at most http.max_conns
 *   connections, and at most http.max_conns_per_ip from one client
 *   address.  The per-client limit is ours, not
 *   MHD_OPTION_PER_IP_CONNECTION_LIMIT, because MHD's would also refuse a
 *   monitor that shares the abuser's address (127.0.0.1 in most
 *   deployments) before /health could be reserved for it.  When
 *   max_conns is reached, the connection that has been reading its head
 *   the longest (at least EVICT_MIN_US) is cut to make room: a real client
 *   sends its head in milliseconds and is never that one, so slow
 *   connections from many addresses cannot keep /scan out either.
 * - The /health reserve: a connection over either cap is still accepted,
 *   up to http.health_reserve of them, but it may only ask GET /health
 *   (anything else is answered 503 at once), must send its head within
 *   RESERVE_HEAD_MAX_US (or header_timeout_s if less), and is closed after the
 *   answer.  When the reserve is full, a new connection evicts the one of
 *   the reserve that has been reading its head the longest, if for
 *   RESERVE_EVICT_MIN_US at least: a monitor sends its head at once, so a
 *   slow abuser cannot hold the reserve at all (even from the monitor's
 *   own address, where no per-client rule can tell them apart); starving
 *   it takes a flood of more than health_reserve new connections every
 *   RESERVE_EVICT_MIN_US.  MHD's own MHD_OPTION_CONNECTION_LIMIT is set
 *   above max_conns + health_reserve, so it never refuses first.
 */
#define EVICT_MIN_US G_USEC_PER_SEC	/* a head this old may be evicted */
#define RESERVE_HEAD_MAX_US (2 * G_USEC_PER_SEC)
#define RESERVE_EVICT_MIN_US (G_USEC_PER_SEC / 2)
#define SWEEP_US (G_USEC_PER_SEC / 4)
#define SUMMARY_US (10 * G_USEC_PER_SEC)	/* log the counts this often */
#define RETRY_AFTER "5"

enum phase { PH_HEAD, PH_BODY, PH_ANSWER };

struct conn {
	MHD_socket fd;
	char ip[INET6_ADDRSTRLEN];	/* key of srv->per_ip */
	bool reserve;		/* over a cap: GET /health only */
	bool counted;		/* in n_regular/n_reserve and per_ip */
	bool cut;		/* shut down by us, closing */
	enum phase phase;
	gint64 t0;		/* start of the phase (monotonic, µs) */
	uint64_t received;	/* body bytes, PH_BODY */
};

/* Whether an address is a loopback address (127.0.0.0/8, ::1, or
 * ::ffff:127.x.y.z); 0.0.0.0 and :: are not: they accept from anywhere. */
bool
http_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* The client address as text, the key of the per-client count. */
static void
addr_key(const struct sockaddr *sa, char out[INET6_ADDRSTRLEN])
{
	out[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, INET6_ADDRSTRLEN);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		    INET6_ADDRSTRLEN);
}

/* conn_lock held */
static void
conn_uncount(struct server *srv, struct conn *cn)
{
	if (!cn->counted)
		return;
	cn->counted = false;
	if (cn->reserve)
		srv->n_reserve--;
	else
		srv->n_regular--;
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_ip, cn->ip));
	if (n <= 1)
		g_hash_table_remove(srv->per_ip, cn->ip);
	else
		g_hash_table_insert(srv->per_ip, g_strdup(cn->ip), GUINT_TO_POINTER(n - 1));
}

/* conn_lock held: end the connection now (see above for why the
 * descriptor is still this connection's). */
static void
conn_cut(struct server *srv, struct conn *cn)
{
	if (cn->cut)
		return;
	cn->cut = true;
	conn_uncount(srv, cn);
	if (cn->fd != MHD_INVALID_SOCKET)
		shutdown(cn->fd, SHUT_RDWR);
}

/* conn_lock held: cut the connection (of the reserve, or a regular one)
 * longest in its head, if one has been at it for min_us; whether one
 * was. */
static bool
conn_evict(struct server *srv, bool reserve, gint64 min_us, gint64 now)
{
	struct conn *old = NULL;
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, srv->conns);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		struct conn *cn = k;
		if (cn->cut || !cn->counted || cn->reserve != reserve ||
		    cn->phase != PH_HEAD || now - cn->t0 < min_us)
			continue;
		if (old == NULL || cn->t0 < old->t0)
			old = cn;
	}
	if (old == NULL)
		return false;
	conn_cut(srv, old);
	srv->n_evicted++;
	return true;
}

/* conn_lock held: admit a new connection as regular, into the /health
 * reserve, or not at all (cut). */
static void
conn_admit(struct server *srv, struct conn *cn, gint64 now)
{
	guint ip_n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_ip, cn->ip));
	bool over = ip_n >= srv->max_per_ip;

	if (!over && srv->n_regular >= srv->max_conns)
		over = !conn_evict(srv, false, EVICT_MIN_US, now);
	if (!over) {
		srv->n_regular++;
	} else if (srv->n_reserve < srv->reserve ||
	    (srv->reserve > 0 && conn_evict(srv, true, RESERVE_EVICT_MIN_US, now))) {
		cn->reserve = true;
		srv->n_reserve++;
	} else {
		cn->cut = true;
		srv->n_refused++;
		if (cn->fd != MHD_INVALID_SOCKET)
			shutdown(cn->fd, SHUT_RDWR);
		return;
	}
	cn->counted = true;
	g_hash_table_insert(srv->per_ip, g_strdup(cn->ip), GUINT_TO_POINTER(ip_n + 1));
}

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *cn = g_new0(struct conn, 1);
		const union MHD_ConnectionInfo *i =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = i != NULL ? i->connect_fd : MHD_INVALID_SOCKET;
		i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		addr_key(i != NULL ? i->client_addr : NULL, cn->ip);
		cn->phase = PH_HEAD;
		cn->t0 = g_get_monotonic_time();
		*socket_context = cn;
		g_mutex_lock(&srv->conn_lock);
		g_hash_table_add(srv->conns, cn);
		conn_admit(srv, cn, cn->t0);
		g_mutex_unlock(&srv->conn_lock);
		return;
	}
	struct conn *cn = *socket_context;
	if (cn == NULL)
		return;
	g_mutex_lock(&srv->conn_lock);
	conn_uncount(srv, cn);
	g_hash_table_remove(srv->conns, cn);
	g_mutex_unlock(&srv->conn_lock);
	g_free(cn);
	*socket_context = NULL;
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i != NULL ? i->socket_context : NULL;
}

/* The request on c enters phase ph; returns whether c is a reserve one. */
static bool
conn_phase(struct server *srv, struct MHD_Connection *c, enum phase ph)
{
	struct conn *cn = conn_of(c);
	bool reserve = false;

	if (cn == NULL)
		return false;
	g_mutex_lock(&srv->conn_lock);
	cn->phase = ph;
	cn->t0 = g_get_monotonic_time();
	cn->received = 0;
	reserve = cn->reserve;
	g_mutex_unlock(&srv->conn_lock);
	return reserve;
}

static void
conn_received(struct server *srv, struct MHD_Connection *c, size_t n)
{
	struct conn *cn = conn_of(c);
	if (cn == NULL)
		return;
	g_mutex_lock(&srv->conn_lock);
	cn->received += n;
	g_mutex_unlock(&srv->conn_lock);
}

/* The sweeper: cuts the requests past their deadlines (see above). */
static gpointer
sweep(gpointer data)
{
	struct server *srv = data;
	gint64 last_summary = g_get_monotonic_time();

	g_mutex_lock(&srv->conn_lock);
	while (!srv->stopping) {
		gint64 now = g_get_monotonic_time();
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, srv->conns);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			struct conn *cn = k;
			gint64 deadline;
			if (cn->cut)
				continue;
			if (cn->phase == PH_HEAD)
				deadline = cn->t0 + (cn->reserve ? srv->reserve_us : srv->header_us);
			else if (cn->phase == PH_BODY)
				deadline = cn->t0 + srv->body_us + (srv->min_rate == 0 ? 0 :
				    (gint64)(cn->received / srv->min_rate) * G_USEC_PER_SEC);
			else
				continue;
			if (now > deadline) {
				conn_cut(srv, cn);
				srv->n_cut++;
			}
		}
		if (now - last_summary >= SUMMARY_US) {
			last_summary = now;
			if (srv->n_refused + srv->n_evicted + srv->n_cut + srv->n_busy > 0)
				daemon_log(LOG_WARNING, "http: in the last %d s: %lu connections "
				    "refused (http.max_conns %u, http.max_conns_per_ip %u, "
				    "http.health_reserve %u), %lu evicted (slowest heads), "
				    "%lu cut by the header/body timeouts, %lu requests answered "
				    "503 (http.body_budget); now %u connections + %u in the "
				    "reserve, %llu body bytes reserved",
				    (int)(SUMMARY_US / G_USEC_PER_SEC), srv->n_refused,
				    srv->max_conns, srv->max_per_ip, srv->reserve,
				    srv->n_evicted, srv->n_cut, srv->n_busy, srv->n_regular,
				    srv->n_reserve, (unsigned long long)srv->buffered);
			srv->n_refused = srv->n_evicted = srv->n_cut = srv->n_busy = 0;
		}
		g_cond_wait_until(&srv->sweep_cond, &srv->conn_lock, now + SWEEP_US);
	}
	g_mutex_unlock(&srv->conn_lock);
	return NULL;
}

/* ---- the body budget -------------------------------------------------------- */

/* Reserve for rq's body room for `need` bytes in all (a body with a
 * Content-Length reserves it whole at the start; a chunked one grows by
 * powers of two, as GByteArray allocates); false, nothing reserved, when
 * that would take all bodies past http.body_budget. */
static bool
budget_reserve(struct server *srv, struct request *rq, uint64_t need, bool exact)
{
	uint64_t want = need;
	bool ok;

	if (need <= rq->reserved)
		return true;
	if (!exact) {
		want = 4096;
		while (want < need)
			want *= 2;
	}
	g_mutex_lock(&srv->conn_lock);
	ok = srv->buffered - rq->reserved + want <= srv->budget;
	if (ok) {
		srv->buffered = srv->buffered - rq->reserved + want;
		rq->reserved = want;
	} else {
		srv->n_busy++;
	}
	g_mutex_unlock(&srv->conn_lock);
	return ok;
}

static void
budget_release(struct server *srv, struct request *rq)
{
	if (rq->reserved == 0)
		return;
	g_mutex_lock(&srv->conn_lock);
	srv->buffered -= rq->reserved;
	g_mutex_unlock(&srv->conn_lock);
	rq->reserved = 0;
}

/* 503 + Retry-After, and the connection closed after it. */
static enum MHD_Result
respond_busy(struct MHD_Connection *c, const char *msg)
{
	struct jsonw w;
	GString *s = g_string_new(NULL);
	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_int(&w, "status", MHD_HTTP_SERVICE_UNAVAILABLE);
	jw_str(&w, "error", msg);
	jw_obj_end(&w);
	g_string_append_c(s, '\n');
	size_t len = s->len;
	char *body = g_string_free(s, FALSE);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback(len, body, g_free);
	if (r == NULL) {
		g_free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
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

/*
 * POST /learn/spam|ham[?forget=1]: learned and committed at once (one
 * transaction per request: an API client learns one message at a time,
 * and must know it was written when it gets 200).  It parses the message
 * as a scan does, so it takes a scan slot.
 */
static enum MHD_Result
handle_learn(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	const char *cls = rq->cls == MAMORI_LEARN_SPAM ? "spam" : "ham";
	enum mamori_learn_outcome o = MAMORI_NOT_LEARNED;
	enum mamori_status st = MAMORI_ERR_INTERNAL;
	char err[512] = "engine unavailable";

	if (rq->body->len == 0)
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "no message: POST the message as the body", NULL);
	slot_take(srv);
	struct mamori_engine *eng = daemon_engine_get(srv->engine);
	if (eng != NULL) {
		st = mamori_learn(eng, rq->body->data, rq->body->len, rq->cls, rq->forget, &o,
		    err, sizeof err);
		if (st == MAMORI_OK)
			st = mamori_learn_commit(eng, err, sizeof err);
		daemon_engine_put(srv->engine, eng);
	}
	slot_give(srv);
	if (st == MAMORI_ERR_CONFIG) {
		/* bayes.enabled = false: a state of the configuration */
		char *msg = g_strdup_printf("learning is off: %s", err);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg, NULL);
		g_free(msg);
		return ret;
	}
	if (st != MAMORI_OK) {
		metrics_error("http", "learn");
		daemon_log(LOG_ERR, "http: learn %s: %s", cls, err);
		char *msg = g_strdup_printf("not learned: %s", err);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, NULL);
		g_free(msg);
		return ret;
	}
	const char *name = mamori_learn_outcome_name(o);
	metrics_learn(rq->forget ? "forget" : cls, name);
	daemon_log(LOG_INFO, "http: learn %s%s: %s", cls, rq->forget ? " (forget)" : "", name);
	struct jsonw w;
	GString *out = g_string_new(NULL);
	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_str(&w, "outcome", name);
	jw_obj_end(&w);
	return respond_json(c, MHD_HTTP_OK, out, NULL);
}

/* ---- GET /health, /metrics -------------------------------------------------- */

/* close: a connection of the /health reserve, not kept alive. */
static enum MHD_Result
handle_health(struct MHD_Connection *c, bool close)
{
	struct jsonw w;
	GString *s = g_string_new(NULL);
	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_str(&w, "status", "ok");
	jw_str(&w, "version", MAMORI_VERSION);
	jw_obj_end(&w);
	g_string_append_c(s, '\n');
	size_t len = s->len;
	return respond_hdr(c, MHD_HTTP_OK, "application/json", g_string_free(s, FALSE), len,
	    close ? MHD_HTTP_HEADER_CONNECTION : NULL, "close");
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
		if (!q_state_parse(v, &state)) {
			char *msg = g_strdup_printf("state must be %s", q_state_names());
			enum MHD_Result ret = respond_error(c, MHD_HTTP_BAD_REQUEST, msg, NULL);
			g_free(msg);
			return ret;
		}
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

/*
 * POST /quarantine/ID/release: the store's claim (quarantined or held ->
 * releasing) decides, across this server's threads and every other
 * process: one release sends, the others get 409.  Then released, or back
 * to the state it had when the send failed.
 */
static enum MHD_Result
handle_q_release(struct server *srv, struct MHD_Connection *c, const char *id)
{
	char err[512] = "";
	const char *via = srv->release_smtp != NULL ? srv->release_smtp : srv->release_sendmail;
	if (via == NULL || *via == '\0')
		return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no release target: "
		    "set quarantine.release_smtp or quarantine.release_sendmail", NULL);
	enum q_state was;
	switch (store_release_claim(srv->store, id, g_get_real_time() / G_USEC_PER_SEC, &was)) {
	case Q_CLAIM_OK:
		break;
	case Q_CLAIM_NOENT:
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	case Q_CLAIM_BUSY:
		return respond_error(c, MHD_HTTP_CONFLICT,
		    "the entry is releasing: a release of it is in progress", NULL);
	case Q_CLAIM_STATE: {
		char *msg = g_strdup_printf("the entry is %s, not quarantined or held",
		    q_state_name(was));
		enum MHD_Result ret = respond_error(c, MHD_HTTP_CONFLICT, msg, NULL);
		g_free(msg);
		return ret;
	}
	case Q_CLAIM_ERROR:
	default:
		daemon_log(LOG_ERR, "http: quarantine %s: the store failed to claim it", id);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the store failed to claim the entry", NULL);
	}
	struct q_entry *e = store_quarantine_get(srv->store, id);
	size_t len = 0;
	uint8_t *m = e != NULL ? store_quarantine_raw(srv->store, id, &len) : NULL;
	if (m == NULL) {
		q_entry_free(e);
		store_release_abort(srv->store, id);
		daemon_log(LOG_ERR, "http: quarantine %s: the stored message is missing", id);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the stored message is missing", NULL);
	}
	bool ok = store_release(srv->release_smtp, srv->release_sendmail, e->mail_from,
	    e->rcpts, m, len, RELEASE_TIMEOUT_MS, err, sizeof err);
	g_free(m);
	q_entry_free(e);
	if (!ok) {
		bool back = store_release_abort(srv->store, id);
		daemon_log(LOG_WARNING, "http: quarantine %s: release via %s failed: %s; %s", id,
		    via, err, back ? "back to its state" : "its state could not be restored");
		char *msg = g_strdup_printf("release via %s failed: %s", via, err);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_BAD_GATEWAY, msg, NULL);
		g_free(msg);
		return ret;
	}
	if (!store_release_finish(srv->store, id, Q_RELEASED)) {
		daemon_log(LOG_ERR, "http: quarantine %s: released via %s, but it was no longer "
		    "releasing (reset meanwhile?)", id, via);
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

/* DELETE /quarantine/ID: one conditional UPDATE; 409 while a release
 * sends the message and once it was released. */
static enum MHD_Result
handle_q_delete(struct server *srv, struct MHD_Connection *c, const char *id)
{
	enum q_state cur;
	switch (store_quarantine_delete(srv->store, id, &cur)) {
	case Q_DEL_OK:
		daemon_log(LOG_INFO, "http: quarantine %s: deleted", id);
		return respond_state(c, id, Q_DELETED, NULL);
	case Q_DEL_ALREADY:
		return respond_state(c, id, Q_DELETED, NULL);
	case Q_DEL_NOENT:
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such entry", NULL);
	case Q_DEL_REFUSED: {
		char *msg = g_strdup_printf("the entry is %s: not deleted (%s)", q_state_name(cur),
		    cur == Q_RELEASING ? "a release is sending it" : "the message was delivered");
		enum MHD_Result ret = respond_error(c, MHD_HTTP_CONFLICT, msg, NULL);
		g_free(msg);
		return ret;
	}
	case Q_DEL_ERROR:
	default:
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the entry could not be deleted", NULL);
	}
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

/* A request whose body is a message (/scan, /learn): http.max_body by
 * Content-Length (a chunked body is cut in handler()), the body budget. */
static enum MHD_Result
start_body(struct server *srv, struct MHD_Connection *c, struct request *rq, enum route r)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	guint64 n = 0;
	if (cl != NULL && g_ascii_string_to_unsigned(cl, 10, 0, G_MAXUINT64, &n,
	    NULL) && n > srv->max_body)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "message larger than http.max_body", NULL);
	/* the whole announced body, from the budget, before it is read
	 * (allocated, not touched: memory is used as it arrives) */
	if (n > 0 && !budget_reserve(srv, rq, n, true))
		return respond_busy(c, "too many message bytes in memory "
		    "(http.body_budget): retry later");
	rq->route = r;
	rq->body = g_byte_array_sized_new((guint)MIN(n, (guint64)G_MAXUINT - 1));
	return MHD_YES;
}

/* POST /learn/spam|ham[?forget=1]: 404/405, then the token (403 off,
 * 401), the store (503), forget (400), then the body as /scan's. */
static enum MHD_Result
start_learn(struct server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq)
{
	const char *what = url + strlen("/learn/");
	if (strcmp(what, "spam") == 0)
		rq->cls = MAMORI_LEARN_SPAM;
	else if (strcmp(what, "ham") == 0)
		rq->cls = MAMORI_LEARN_HAM;
	else
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint "
		    "(POST /learn/spam or /learn/ham)", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "use POST with the message as the body", "POST");
	if (!srv->token_set)
		return respond_error(c, MHD_HTTP_FORBIDDEN, "learning API disabled: set http.token",
		    NULL);
	if (!authorized(srv, c))
		return respond_error_hdr(c, MHD_HTTP_UNAUTHORIZED,
		    "missing or wrong bearer token (Authorization: Bearer TOKEN)",
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"mamori\"");
	if (srv->store == NULL) {
		char *msg = g_strdup_printf("no store to learn into: %s", srv->store_err);
		enum MHD_Result ret = respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg, NULL);
		g_free(msg);
		return ret;
	}
	const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "forget");
	if (f == NULL || strcmp(f, "0") == 0 || strcmp(f, "false") == 0)
		rq->forget = false;
	else if (*f == '\0' || strcmp(f, "1") == 0 || strcmp(f, "true") == 0)
		rq->forget = true;
	else
		return respond_error(c, MHD_HTTP_BAD_REQUEST, "forget must be 1, true, 0 or false",
		    NULL);
	return start_body(srv, c, rq, R_LEARN);
}

/*
 * First call of a request (headers read): route it, or answer at once (the
 * rest of the body, if any, is then discarded and the connection closed).
 */
static enum MHD_Result
start(struct server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq, bool reserve)
{
	if (reserve && !(strcmp(url, "/health") == 0 && is_get(method)))
		return respond_busy(c, "too many connections (this one is kept for "
		    "GET /health): retry later");
	if (strcmp(url, "/scan") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "use POST /scan with the message as the body", "POST");
		if (srv->scan_token && !authorized(srv, c))
			return respond_error_hdr(c, MHD_HTTP_UNAUTHORIZED,
			    "missing or wrong bearer token (Authorization: Bearer TOKEN; "
			    "http.scan_requires_token)",
			    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"mamori\"");
		return start_body(srv, c, rq, R_SCAN);
	}
	if (g_str_has_prefix(url, "/learn/"))
		return start_learn(srv, c, url, method, rq);
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
		/* the head is in: the body's clock starts */
		bool reserve = conn_phase(srv, c, PH_BODY);
		rq = g_new0(struct request, 1);
		*con_cls = rq;
		enum MHD_Result ret = start(srv, c, url, method, rq, reserve);
		if (rq->route == R_NONE)	/* answered at once */
			conn_phase(srv, c, PH_ANSWER);
		return ret;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		conn_received(srv, c, n);
		if (rq->body != NULL && !rq->too_large) {
			if (rq->body->len + n > srv->max_body) {
				/* chunked or lying about its length */
				rq->too_large = true;
				g_byte_array_unref(rq->body);
				rq->body = NULL;
				budget_release(srv, rq);
				rq->ignored = n;
			} else if (!budget_reserve(srv, rq, rq->body->len + n, false)) {
				/* chunked, and all bodies at http.body_budget */
				rq->over_budget = true;
				g_byte_array_unref(rq->body);
				rq->body = NULL;
				budget_release(srv, rq);
				rq->ignored = n;
			} else {
				g_byte_array_append(rq->body, (const guint8 *)upload, (guint)n);
			}
		} else {
			rq->ignored += n;
			/* drop a bounded amount to answer 413/503, then hang up */
			if (rq->ignored > (rq->too_large || rq->over_budget ?
			    MAX(srv->max_body, 16 * MIB) : MAX_NOBODY))
				return MHD_NO;
		}
		return MHD_YES;
	}
	/* the whole request is in */
	bool reserve = conn_phase(srv, c, PH_ANSWER);
	if (rq->too_large)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "message larger than http.max_body", NULL);
	if (rq->over_budget)
		return respond_busy(c, "too many message bytes in memory "
		    "(http.body_budget): retry later");
	switch (rq->route) {
	case R_SCAN:
		return handle_scan(srv, c, rq);
	case R_LEARN:
		return handle_learn(srv, c, rq);
	case R_HEALTH:
		return handle_health(c, reserve);
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
	struct server *srv = cls;
	struct request *rq = *con_cls;
	(void)toe;
	/* a kept-alive connection: the next request's head starts now */
	conn_phase(srv, c, PH_HEAD);
	if (rq == NULL)
		return;
	if (rq->body != NULL)
		g_byte_array_unref(rq->body);
	budget_release(srv, rq);
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

/* libmicrohttpd's messages, at most MHD_LOG_BURST every SUMMARY_US: under
 * attack it writes one for every connection cut or refused (the sweeper
 * logs the counts). */
#define MHD_LOG_BURST 20

static void G_GNUC_PRINTF(2, 0)
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static GMutex lock;
	static gint64 window;
	static unsigned n, dropped;
	char buf[512];
	(void)cls;

	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&lock);
	if (now - window >= SUMMARY_US) {
		if (dropped > 0)
			daemon_log(LOG_WARNING, "http: %u more libmicrohttpd messages in %d s "
			    "not logged", dropped, (int)(SUMMARY_US / G_USEC_PER_SEC));
		window = now;
		n = dropped = 0;
	}
	bool show = n++ < MHD_LOG_BURST;
	if (!show)
		dropped++;
	g_mutex_unlock(&lock);
	if (!show)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	g_strchomp(buf);
	daemon_log(LOG_WARNING, "http: %s", buf);
}

/* ---- start-up -------------------------------------------------------------------- */

/* Bind and listen on "HOST:PORT" or "[IPv6]:PORT"; -1 on error.
 * *loopback: whether the address bound is a loopback one. */
static int
listen_on(const char *spec, bool *loopback, char *err, size_t errlen)
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
	*loopback = http_addr_is_loopback(ai->ai_addr);
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	/* a backlog for bursts of connections (the kernel caps it at somaxconn) */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
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
	if (cfg->http.body_budget < srv.max_body) {
		daemon_log(LOG_ERR, "%s: http.body_budget (%llu bytes) must be at least "
		    "http.max_body (%llu bytes, limits.message_size + 1M if unset): one "
		    "message of the largest size would never be accepted",
		    o->config != NULL ? o->config : "(defaults)",
		    (unsigned long long)cfg->http.body_budget,
		    (unsigned long long)srv.max_body);
		mamori_config_free(cfg);
		return 1;
	}
	srv.budget = cfg->http.body_budget;
	srv.header_us = (gint64)cfg->http.header_timeout_s * G_USEC_PER_SEC;
	srv.reserve_us = MIN(srv.header_us, RESERVE_HEAD_MAX_US);
	srv.body_us = (gint64)cfg->http.body_timeout_s * G_USEC_PER_SEC;
	srv.min_rate = cfg->http.body_min_rate;
	srv.max_conns = cfg->http.max_conns;
	srv.max_per_ip = cfg->http.max_conns_per_ip;
	srv.reserve = cfg->http.health_reserve;
	srv.scan_token = cfg->http.scan_requires_token;
	srv.token_set = cfg->http.token != NULL && cfg->http.token[0] != '\0';
	if (getrandom(srv.mac_key, sizeof srv.mac_key, 0) != (ssize_t)sizeof srv.mac_key) {
		for (size_t i = 0; i < sizeof srv.mac_key; i++)
			srv.mac_key[i] = (guint8)g_random_int();
	}
	if (srv.token_set)
		token_mac(&srv, cfg->http.token, strlen(cfg->http.token), srv.token_mac);
	srv.release_smtp = g_strdup(cfg->quarantine.release_smtp);
	srv.release_sendmail = g_strdup(cfg->quarantine.release_sendmail);
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
	g_mutex_init(&srv.conn_lock);
	g_cond_init(&srv.sweep_cond);
	srv.conns = g_hash_table_new(g_direct_hash, g_direct_equal);
	srv.per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GThread *sweeper = NULL;
	/* MHD's own cap, above ours (see "connections"): room for the reserve
	 * and for connections cut but not yet closed */
	unsigned conn_limit = srv.max_conns + srv.reserve + 64 + srv.max_conns / 8;

	/* signals: handled by this thread only (sigwait) */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	bool loopback = false;
	int fd = listen_on(o->listen, &loopback, err, sizeof err);
	if (fd < 0) {
		daemon_log(LOG_ERR, "%s", err);
		goto out;
	}
	if (!loopback && !srv.token_set)
		daemon_log(LOG_WARNING, "http: listening on %s, beyond loopback, without "
		    "http.token: POST /scan and GET /metrics answer anyone who can "
		    "connect (no authentication; /quarantine is off); set http.token and "
		    "http.scan_requires_token = true, or listen on 127.0.0.1", o->listen);
	else if (!loopback && !srv.scan_token)
		daemon_log(LOG_WARNING, "http: listening on %s, beyond loopback: POST /scan "
		    "(http.scan_requires_token = false) and GET /metrics need no token",
		    o->listen);
	/* one descriptor per connection: raise the soft limit to fit them */
	struct rlimit rl;
	rlim_t need = (rlim_t)conn_limit + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need
		    : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need)
			daemon_log(LOG_WARNING, "http: open files limited to %llu, below the "
			    "%llu the connection limits need (raise LimitNOFILE / ulimit -n)",
			    (unsigned long long)rl.rlim_cur, (unsigned long long)need);
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
	/* the checks keep their state in the same store (NULL: without) */
	daemon_engine_set_store(srv.engine, srv.store);
	sweeper = g_thread_new("http-sweep", sweep, &srv);
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, handler, &srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)conn_limit,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection, (void *)&srv,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)&srv,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, (void *)NULL,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		daemon_log(LOG_ERR, "http: cannot start the HTTP server on %s", o->listen);
		close(fd);
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	daemon_log(LOG_INFO, "http: listening on %s (port %u), %u scan threads, "
	    "max body %llu bytes, bodies in all %llu bytes, %u connections (%u per "
	    "client) + %u for /health, head within %u s", o->listen,
	    di != NULL ? (unsigned)di->port : 0, srv.slots,
	    (unsigned long long)srv.max_body, (unsigned long long)srv.budget,
	    srv.max_conns, srv.max_per_ip, srv.reserve,
	    (unsigned)(srv.header_us / G_USEC_PER_SEC));

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
	if (sweeper != NULL) {
		g_mutex_lock(&srv.conn_lock);
		srv.stopping = true;
		g_cond_signal(&srv.sweep_cond);
		g_mutex_unlock(&srv.conn_lock);
		g_thread_join(sweeper);
	}
	g_hash_table_unref(srv.conns);
	g_hash_table_unref(srv.per_ip);
	g_mutex_clear(&srv.conn_lock);
	g_cond_clear(&srv.sweep_cond);
	if (srv.engine != NULL)
		daemon_engine_free(srv.engine);
	daemon_config_reader_stop();
	if (srv.store != NULL)
		store_close(srv.store);
	g_free(srv.store_err);
	g_free(srv.release_smtp);
	g_free(srv.release_sendmail);
	g_mutex_clear(&srv.lock);
	g_cond_clear(&srv.cond);
	g_free(user);
	g_free(state);
	return rc;
}
