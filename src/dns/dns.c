/*
 * dns.c - the resolver of dns.h on c-ares 1.18.
 *
 * Purpose: DNS lookups for the checks (SPF first), synchronous for the
 * caller, with many queries in flight at once, a per-scan budget and
 * deadline, and a TTL-respecting cache shared by every scan.
 *
 * Design:
 *  - struct dns_resolver holds the immutable settings (server list as a
 *    c-ares CSV string, timeout, tries) and the cache: a GHashTable keyed
 *    by "type/lowercased-name" holding a copy of the answer and its expiry
 *    (g_get_monotonic_time clock), guarded by a GMutex.  When the cache is
 *    full, expired entries are dropped first, then arbitrary ones.
 *  - struct dns_ctx owns one c-ares channel (channels are not thread-safe
 *    in 1.18) and the scan's budget and deadline.  Queries are started with
 *    ares_query (no search list) and driven by ares_getsock + poll +
 *    ares_process_fd until every answer is in, the batch bound
 *    (timeout_ms x tries) passes or the scan deadline passes; whatever is
 *    still outstanding is cancelled and becomes DNS_TEMPFAIL.
 *  - Answers are parsed with ares_parse_{a,aaaa,mx,txt_ext,ptr}_reply.
 *    TXT: the character-strings of one RR are concatenated byte-exactly
 *    (NUL bytes allowed, the length is recorded).  The TTL of MX, TXT and
 *    PTR answers, and of negative answers (SOA in the authority section),
 *    comes from a small walk over the raw reply (dns_reply_ttl).
 *
 * Limits: negative answers are cached for min(SOA TTL, SOA minimum, 300 s),
 * 300 s when there is no SOA; positive ones for their smallest TTL, capped
 * at one day.  DNS_TEMPFAIL is never cached.  max_lookups == 0 means no
 * budget.  Names over 253 bytes, with an empty label or a label over 63
 * bytes are DNS_BADNAME and never sent.
 *
 * Security: every reply is hostile: parsing is left to c-ares' parsers and
 * the raw walk checks every offset against the reply length.  Nothing from
 * a reply is trusted as a C string (TXT data carries its length).
 */
#include "dns/dns.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <arpa/nameser.h>
#include <glib.h>

#define DNS_NEG_TTL_MAX 300u
#define DNS_POS_TTL_MAX 86400u

struct dns_resolver {
	char *servers_csv;	/* NULL: resolv.conf */
	unsigned timeout_ms;
	unsigned tries;
	size_t cache_max;
	GMutex lock;
	GHashTable *cache;	/* char *key -> struct cache_entry * */
};

struct cache_entry {
	struct dns_answer *answer;
	int64_t expiry_us;
};

struct dns_ctx {
	struct dns_resolver *r;
	ares_channel channel;	/* made at the first cache miss; NULL until
				   then, or when it could not be made */
	bool channel_tried;
	unsigned lookups;
	unsigned max_lookups;
	int64_t deadline_us;
};

/* one outstanding query of a batch */
struct pending {
	struct dns_ctx *ctx;
	const char *name;
	enum dns_type type;
	struct dns_answer *answer;	/* set by the callback */
	uint32_t ttl;			/* for the cache */
	bool done;
};

static gsize dns_lib_once;

static void dns_library_init(void)
{
	if (g_once_init_enter(&dns_lib_once)) {
		ares_library_init(ARES_LIB_INIT_ALL);
		g_once_init_leave(&dns_lib_once, 1);
	}
}

const char *dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "ok";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_NODATA: return "nodata";
	case DNS_TEMPFAIL: return "tempfail";
	case DNS_BUDGET: return "budget";
	case DNS_BADNAME: return "badname";
	}
	return "unknown";
}

static struct dns_answer *dns_answer_new(enum dns_status st)
{
	struct dns_answer *a = g_new0(struct dns_answer, 1);
	a->status = st;
	return a;
}

void dns_answer_free(struct dns_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct dns_rr *rr = &a->rr[i];
		switch (rr->type) {
		case DNS_T_MX: g_free(rr->u.mx.host); break;
		case DNS_T_PTR: g_free(rr->u.ptr); break;
		case DNS_T_TXT: g_free(rr->u.txt.data); break;
		case DNS_T_A:
		case DNS_T_AAAA:
			break;
		}
	}
	g_free(a->rr);
	g_free(a);
}

static struct dns_answer *dns_answer_copy(const struct dns_answer *src)
{
	struct dns_answer *a = dns_answer_new(src->status);
	a->n = src->n;
	a->rr = a->n ? g_new0(struct dns_rr, a->n) : NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *s = &src->rr[i];
		struct dns_rr *d = &a->rr[i];
		*d = *s;
		switch (s->type) {
		case DNS_T_MX: d->u.mx.host = g_strdup(s->u.mx.host); break;
		case DNS_T_PTR: d->u.ptr = g_strdup(s->u.ptr); break;
		case DNS_T_TXT:
			d->u.txt.data = g_malloc(s->u.txt.len + 1);
			memcpy(d->u.txt.data, s->u.txt.data, s->u.txt.len);
			d->u.txt.data[s->u.txt.len] = '\0';
			break;
		case DNS_T_A:
		case DNS_T_AAAA:
			break;
		}
	}
	return a;
}

/* Valid DNS name per dns.h: <= 253 bytes, labels 1..63 bytes. */
static bool dns_name_valid(const char *name, size_t *len_out)
{
	size_t len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63) {
			return false;
		}
	}
	if (label == 0)
		return false;
	*len_out = len;
	return true;
}

static char *dns_cache_key(const char *name, size_t len, enum dns_type type)
{
	char *lower = g_ascii_strdown(name, (gssize)len);
	char *key = g_strdup_printf("%d/%s", (int)type, lower);
	g_free(lower);
	return key;
}

static void cache_entry_free(gpointer p)
{
	struct cache_entry *e = p;
	dns_answer_free(e->answer);
	g_free(e);
}

/* ------------------------------------------------------------------ */
/* resolver */

static bool dns_servers_csv(const struct dns_settings *s, char **out,
    char *err, size_t errlen)
{
	*out = NULL;
	if (!s->servers || s->n_servers == 0)
		return true;
	GString *csv = g_string_new(NULL);
	for (size_t i = 0; i < s->n_servers; i++) {
		const char *sv = s->servers[i];
		if (!sv || !*sv || strchr(sv, ',')) {
			snprintf(err, errlen, "dns: bad server \"%s\"",
			    sv ? sv : "(null)");
			g_string_free(csv, TRUE);
			return false;
		}
		if (csv->len)
			g_string_append_c(csv, ',');
		g_string_append(csv, sv);
	}
	if (csv->len == 0) {
		g_string_free(csv, TRUE);
		return true;
	}
	*out = g_string_free(csv, FALSE);
	return true;
}

static int dns_channel_new(const struct dns_resolver *r, ares_channel *ch)
{
	struct ares_options o;
	memset(&o, 0, sizeof o);
	o.timeout = (int)r->timeout_ms;
	o.tries = (int)r->tries;
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	int st = ares_init_options(ch, &o,
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
	if (st != ARES_SUCCESS)
		return st;
	if (r->servers_csv) {
		st = ares_set_servers_ports_csv(*ch, r->servers_csv);
		if (st != ARES_SUCCESS) {
			ares_destroy(*ch);
			*ch = NULL;
		}
	}
	return st;
}

struct dns_resolver *dns_resolver_new(const struct dns_settings *s,
    char *err, size_t errlen)
{
	dns_library_init();
	struct dns_resolver *r = g_new0(struct dns_resolver, 1);
	r->timeout_ms = s->timeout_ms ? s->timeout_ms : 2000;
	r->tries = s->tries ? s->tries : 2;
	r->cache_max = s->cache_entries;
	g_mutex_init(&r->lock);
	r->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    cache_entry_free);
	if (!dns_servers_csv(s, &r->servers_csv, err, errlen)) {
		dns_resolver_free(r);
		return NULL;
	}
	/* try the settings once, so that a bad server list fails here */
	ares_channel ch = NULL;
	int st = dns_channel_new(r, &ch);
	if (st != ARES_SUCCESS) {
		snprintf(err, errlen, "dns: %s%s%s", ares_strerror(st),
		    r->servers_csv ? ": " : "",
		    r->servers_csv ? r->servers_csv : "");
		dns_resolver_free(r);
		return NULL;
	}
	ares_destroy(ch);
	return r;
}

void dns_resolver_free(struct dns_resolver *r)
{
	if (!r)
		return;
	g_hash_table_destroy(r->cache);
	g_mutex_clear(&r->lock);
	g_free(r->servers_csv);
	g_free(r);
}

static struct dns_answer *dns_cache_get(struct dns_resolver *r,
    const char *key)
{
	if (r->cache_max == 0)
		return NULL;
	struct dns_answer *a = NULL;
	g_mutex_lock(&r->lock);
	struct cache_entry *e = g_hash_table_lookup(r->cache, key);
	if (e) {
		if (e->expiry_us > g_get_monotonic_time())
			a = dns_answer_copy(e->answer);
		else
			g_hash_table_remove(r->cache, key);
	}
	g_mutex_unlock(&r->lock);
	return a;
}

static gboolean cache_expired(gpointer k, gpointer v, gpointer now)
{
	(void)k;
	const struct cache_entry *e = v;
	return e->expiry_us <= *(const int64_t *)now;
}

static void dns_cache_put(struct dns_resolver *r, const char *key,
    const struct dns_answer *a, uint32_t ttl)
{
	if (r->cache_max == 0 || ttl == 0)
		return;
	if (a->status != DNS_OK && a->status != DNS_NXDOMAIN &&
	    a->status != DNS_NODATA)
		return;
	int64_t now = g_get_monotonic_time();
	struct cache_entry *e = g_new0(struct cache_entry, 1);
	e->answer = dns_answer_copy(a);
	e->expiry_us = now + (int64_t)ttl * G_USEC_PER_SEC;
	g_mutex_lock(&r->lock);
	if (g_hash_table_size(r->cache) >= r->cache_max &&
	    !g_hash_table_contains(r->cache, key)) {
		g_hash_table_foreach_remove(r->cache, cache_expired, &now);
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, r->cache);
		while (g_hash_table_size(r->cache) >= r->cache_max &&
		    g_hash_table_iter_next(&it, &k, NULL))
			g_hash_table_iter_remove(&it);
	}
	g_hash_table_replace(r->cache, g_strdup(key), e);
	g_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------------ */
/* context */

struct dns_ctx *dns_ctx_new(struct dns_resolver *r, unsigned max_lookups,
    int64_t deadline_us)
{
	struct dns_ctx *ctx = g_new0(struct dns_ctx, 1);
	ctx->r = r;
	ctx->max_lookups = max_lookups;
	ctx->deadline_us = deadline_us;
	/* no channel yet: a scan answered from the cache never makes one
	 * (ares_init reads resolv.conf and opens nothing, but costs more than
	 * the rest of a warm authentication) */
	return ctx;
}

void dns_ctx_free(struct dns_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->channel)
		ares_destroy(ctx->channel);
	g_free(ctx);
}

unsigned dns_ctx_lookups(const struct dns_ctx *ctx)
{
	return ctx->lookups;
}

/* ------------------------------------------------------------------ */
/* reply parsing */

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* Skip one (possibly compressed) name at *off; false when malformed. */
static bool dns_skip_name(const unsigned char *abuf, int alen, int *off)
{
	char *s = NULL;
	long enclen = 0;
	if (*off >= alen ||
	    ares_expand_name(abuf + *off, abuf, alen, &s, &enclen) !=
	    ARES_SUCCESS)
		return false;
	ares_free_string(s);
	*off += (int)enclen;
	return *off <= alen;
}

/*
 * The TTL to cache a reply for: positive, the smallest TTL of the answer
 * section; negative, min(SOA TTL, SOA minimum) from the authority
 * section.  0 when the reply cannot be walked.
 */
static uint32_t dns_reply_ttl(const unsigned char *abuf, int alen,
    bool negative)
{
	if (!abuf || alen < 12)
		return negative ? DNS_NEG_TTL_MAX : 0;
	unsigned qd = rd16(abuf + 4), an = rd16(abuf + 6), ns = rd16(abuf + 8);
	int off = 12;
	for (unsigned i = 0; i < qd; i++) {
		if (!dns_skip_name(abuf, alen, &off) || off + 4 > alen)
			return negative ? DNS_NEG_TTL_MAX : 0;
		off += 4;
	}
	uint32_t best = UINT32_MAX;
	unsigned total = an + (negative ? ns : 0);
	for (unsigned i = 0; i < total; i++) {
		if (!dns_skip_name(abuf, alen, &off) || off + 10 > alen)
			break;
		uint16_t type = rd16(abuf + off);
		uint32_t ttl = rd32(abuf + off + 4);
		uint16_t rdlen = rd16(abuf + off + 8);
		off += 10;
		if (off + rdlen > alen)
			break;
		if (!negative) {
			if (i < an && ttl < best)
				best = ttl;
		} else if (i >= an && type == ns_t_soa && rdlen >= 20) {
			uint32_t min = rd32(abuf + off + rdlen - 4);
			uint32_t t = ttl < min ? ttl : min;
			if (t < best)
				best = t;
		}
		off += rdlen;
	}
	if (negative)
		return best < DNS_NEG_TTL_MAX ? best : DNS_NEG_TTL_MAX;
	if (best == UINT32_MAX)
		return 0;
	return best < DNS_POS_TTL_MAX ? best : DNS_POS_TTL_MAX;
}

static struct dns_rr *dns_answer_add(struct dns_answer *a, size_t *cap,
    enum dns_type type, uint32_t ttl)
{
	if (a->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		a->rr = g_renew(struct dns_rr, a->rr, *cap);
	}
	struct dns_rr *rr = &a->rr[a->n++];
	memset(rr, 0, sizeof *rr);
	rr->type = type;
	rr->ttl = ttl;
	return rr;
}

static enum dns_status dns_parse(struct dns_answer *a, enum dns_type type,
    const unsigned char *abuf, int alen, uint32_t ttl)
{
	size_t cap = 0;
	int st;
	unsigned an = alen >= 12 ? rd16(abuf + 6) : 0;
	int nslots = an > 0 ? (int)an : 1;

	switch (type) {
	case DNS_T_A: {
		struct ares_addrttl *t = g_new0(struct ares_addrttl, nslots);
		int n = nslots;
		st = ares_parse_a_reply(abuf, alen, NULL, t, &n);
		if (st == ARES_SUCCESS)
			for (int i = 0; i < n; i++)
				dns_answer_add(a, &cap, type,
				    (uint32_t)MAX(t[i].ttl, 0))->u.a =
				    t[i].ipaddr;
		g_free(t);
		break;
	}
	case DNS_T_AAAA: {
		struct ares_addr6ttl *t = g_new0(struct ares_addr6ttl, nslots);
		int n = nslots;
		st = ares_parse_aaaa_reply(abuf, alen, NULL, t, &n);
		if (st == ARES_SUCCESS)
			for (int i = 0; i < n; i++) {
				struct dns_rr *rr = dns_answer_add(a, &cap,
				    type, (uint32_t)MAX(t[i].ttl, 0));
				memcpy(&rr->u.aaaa, &t[i].ip6addr,
				    sizeof rr->u.aaaa);
			}
		g_free(t);
		break;
	}
	case DNS_T_MX: {
		struct ares_mx_reply *mx = NULL;
		st = ares_parse_mx_reply(abuf, alen, &mx);
		if (st == ARES_SUCCESS)
			for (struct ares_mx_reply *m = mx; m; m = m->next) {
				struct dns_rr *rr = dns_answer_add(a, &cap,
				    type, ttl);
				rr->u.mx.pref = m->priority;
				rr->u.mx.host = g_strdup(m->host);
			}
		if (mx)
			ares_free_data(mx);
		break;
	}
	case DNS_T_TXT: {
		struct ares_txt_ext *txt = NULL;
		st = ares_parse_txt_reply_ext(abuf, alen, &txt);
		if (st == ARES_SUCCESS) {
			GByteArray *cur = NULL;
			for (struct ares_txt_ext *t = txt; t; t = t->next) {
				if (t->record_start || !cur) {
					if (cur) {
						struct dns_rr *rr =
						    dns_answer_add(a, &cap,
						    type, ttl);
						rr->u.txt.len = cur->len;
						g_byte_array_append(cur,
						    (const guint8 *)"", 1);
						rr->u.txt.data = (char *)
						    g_byte_array_free(cur,
						    FALSE);
					}
					cur = g_byte_array_new();
				}
				g_byte_array_append(cur, t->txt,
				    (guint)t->length);
			}
			if (cur) {
				struct dns_rr *rr = dns_answer_add(a, &cap,
				    type, ttl);
				rr->u.txt.len = cur->len;
				g_byte_array_append(cur, (const guint8 *)"", 1);
				rr->u.txt.data = (char *)g_byte_array_free(cur,
				    FALSE);
			}
		}
		if (txt)
			ares_free_data(txt);
		break;
	}
	case DNS_T_PTR: {
		struct hostent *he = NULL;
		struct in_addr dummy = { 0 };
		st = ares_parse_ptr_reply(abuf, alen, &dummy, sizeof dummy,
		    AF_INET, &he);
		/* c-ares 1.18 lists every PTR name in h_aliases (h_name is
		 * one of them again) */
		if (st == ARES_SUCCESS && he) {
			for (char **al = he->h_aliases; al && *al; al++)
				dns_answer_add(a, &cap, type, ttl)->u.ptr =
				    g_strdup(*al);
			if (a->n == 0 && he->h_name)
				dns_answer_add(a, &cap, type, ttl)->u.ptr =
				    g_strdup(he->h_name);
		}
		if (he)
			ares_free_hostent(he);
		break;
	}
	default:
		return DNS_TEMPFAIL;
	}
	if (st == ARES_SUCCESS)
		return a->n ? DNS_OK : DNS_NODATA;
	if (st == ARES_ENODATA)
		return DNS_NODATA;
	if (st == ARES_ENOTFOUND)
		return DNS_NXDOMAIN;
	return DNS_TEMPFAIL;
}

static void dns_callback(void *arg, int status, int timeouts,
    unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct pending *p = arg;
	if (p->done)
		return;
	p->done = true;
	p->answer = dns_answer_new(DNS_TEMPFAIL);
	switch (status) {
	case ARES_SUCCESS: {
		uint32_t ttl = dns_reply_ttl(abuf, alen, false);
		p->answer->status = dns_parse(p->answer, p->type, abuf, alen,
		    ttl);
		if (p->answer->status == DNS_OK)
			p->ttl = ttl;
		else if (p->answer->status == DNS_NODATA)
			p->ttl = dns_reply_ttl(abuf, alen, true);
		break;
	}
	case ARES_ENODATA:
		p->answer->status = DNS_NODATA;
		p->ttl = dns_reply_ttl(abuf, alen, true);
		break;
	case ARES_ENOTFOUND:
		p->answer->status = DNS_NXDOMAIN;
		p->ttl = dns_reply_ttl(abuf, alen, true);
		break;
	default:
		p->answer->status = DNS_TEMPFAIL;
		break;
	}
}

/* Drive the channel until every pending query is done or until end_us. */
static void dns_run(struct dns_ctx *ctx, struct pending *p, size_t n,
    int64_t end_us)
{
	for (;;) {
		size_t left = 0;
		for (size_t i = 0; i < n; i++)
			if (!p[i].done)
				left++;
		if (left == 0)
			return;
		int64_t now = g_get_monotonic_time();
		if (now >= end_us)
			break;
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		int bits = ares_getsock(ctx->channel, socks,
		    ARES_GETSOCK_MAXNUM);
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		nfds_t nfd = 0;
		/* not ARES_GETSOCK_WRITABLE: it shifts 1 << 31 in an int */
		unsigned ubits = (unsigned)bits;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;
			if ((ubits >> i) & 1u)
				ev |= POLLIN;
			if ((ubits >> (i + ARES_GETSOCK_MAXNUM)) & 1u)
				ev |= POLLOUT;
			if (!ev)
				continue;
			pfd[nfd].fd = socks[i];
			pfd[nfd].events = ev;
			pfd[nfd].revents = 0;
			nfd++;
		}
		int64_t wait_us = end_us - now;
		struct timeval maxtv = {
			.tv_sec = (time_t)(wait_us / G_USEC_PER_SEC),
			.tv_usec = (suseconds_t)(wait_us % G_USEC_PER_SEC),
		};
		struct timeval tv, *tvp = ares_timeout(ctx->channel, &maxtv,
		    &tv);
		int ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		if (ms < 1)
			ms = 1;
		int rc = poll(pfd, nfd, ms);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0) {
			ares_process_fd(ctx->channel, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
			continue;
		}
		for (nfds_t i = 0; i < nfd; i++) {
			ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				rfd = pfd[i].fd;
			if (pfd[i].revents & POLLOUT)
				wfd = pfd[i].fd;
			if (rfd != ARES_SOCKET_BAD || wfd != ARES_SOCKET_BAD)
				ares_process_fd(ctx->channel, rfd, wfd);
		}
	}
	/* out of time: the callbacks run with ARES_ECANCELLED */
	ares_cancel(ctx->channel);
}

void dns_lookup_many(struct dns_ctx *ctx, struct dns_query *q, size_t n)
{
	struct pending *p = g_new0(struct pending, n ? n : 1);
	char **keys = g_new0(char *, n ? n : 1);
	size_t sent = 0;
	int64_t now = g_get_monotonic_time();

	for (size_t i = 0; i < n; i++) {
		q[i].answer = NULL;
		p[i].ctx = ctx;
		p[i].name = q[i].name;
		p[i].type = q[i].type;
		p[i].done = true;
		size_t len = 0;
		if (!q[i].name || !dns_name_valid(q[i].name, &len)) {
			q[i].answer = dns_answer_new(DNS_BADNAME);
			continue;
		}
		keys[i] = dns_cache_key(q[i].name, len, q[i].type);
		struct dns_answer *hit = dns_cache_get(ctx->r, keys[i]);
		if (hit) {
			q[i].answer = hit;
			continue;
		}
		if ((ctx->max_lookups && ctx->lookups >= ctx->max_lookups) ||
		    (ctx->deadline_us && now >= ctx->deadline_us)) {
			q[i].answer = dns_answer_new(DNS_BUDGET);
			continue;
		}
		ctx->lookups++;
		if (!ctx->channel && !ctx->channel_tried) {
			ctx->channel_tried = true;
			if (dns_channel_new(ctx->r, &ctx->channel) != ARES_SUCCESS)
				ctx->channel = NULL;
		}
		if (!ctx->channel) {
			q[i].answer = dns_answer_new(DNS_TEMPFAIL);
			continue;
		}
		/* duplicates inside one batch share the first query */
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (keys[j] && !q[j].answer && !strcmp(keys[j], keys[i])) {
				dup = true;
				break;
			}
		if (dup) {
			ctx->lookups--;
			continue;
		}
		char *qname = g_strndup(q[i].name, len);
		p[i].done = false;
		ares_query(ctx->channel, qname, ns_c_in, (int)q[i].type,
		    dns_callback, &p[i]);
		g_free(qname);
		sent++;
	}

	if (sent) {
		int64_t end = now + (int64_t)ctx->r->timeout_ms *
		    ctx->r->tries * 1000 + 50000;
		if (ctx->deadline_us && ctx->deadline_us < end)
			end = ctx->deadline_us;
		dns_run(ctx, p, n, end);
	}

	for (size_t i = 0; i < n; i++) {
		if (q[i].answer)
			continue;
		if (p[i].answer) {
			q[i].answer = p[i].answer;
			dns_cache_put(ctx->r, keys[i], p[i].answer, p[i].ttl);
			continue;
		}
		/* a duplicate: copy the first query's answer */
		for (size_t j = 0; j < i; j++)
			if (keys[j] && !strcmp(keys[j], keys[i]) && q[j].answer) {
				q[i].answer = dns_answer_copy(q[j].answer);
				break;
			}
		if (!q[i].answer)
			q[i].answer = dns_answer_new(DNS_TEMPFAIL);
	}
	for (size_t i = 0; i < n; i++)
		g_free(keys[i]);
	g_free(keys);
	g_free(p);
}

struct dns_answer *dns_lookup(struct dns_ctx *ctx, const char *name,
    enum dns_type type)
{
	struct dns_query q = { .name = name, .type = type, .answer = NULL };
	dns_lookup_many(ctx, &q, 1);
	return q.answer;
}
