/*
 * dns.h - DNS for the checks (SPF, DKIM, DMARC, ARC, later DNS lists).
 *
 * Two objects:
 *  - struct dns_resolver: one per engine (process), immutable settings plus
 *    a TTL-respecting cache shared by every scan; thread-safe.
 *  - struct dns_ctx: one per scan; it owns the scan's lookup budget and
 *    deadline and the c-ares channel the scan's queries go through.  A
 *    dns_ctx is used by one thread at a time.
 *
 * Lookups are synchronous for the caller but may run many queries in
 * flight at once (dns_lookup_many).  A lookup never waits longer than the
 * configured timeout x tries, nor past the scan's deadline: a resolver
 * that does not answer gives DNS_TEMPFAIL, never a hang.
 *
 * Answers are owned by the caller (dns_answer_free).  Names are given and
 * returned without the trailing dot, as ASCII (IDNA A-labels); a name
 * longer than 253 bytes or with an empty or >63-byte label is DNS_BADNAME
 * and is not sent.
 */
#ifndef MAMORI_DNS_DNS_H
#define MAMORI_DNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

enum dns_type {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

enum dns_status {
	DNS_OK,			/* at least one record of the type asked */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_NODATA,		/* the name exists, no record of that type */
	DNS_TEMPFAIL,		/* timeout, SERVFAIL, REFUSED, network error */
	DNS_BUDGET,		/* the scan's lookup budget or deadline is spent */
	DNS_BADNAME,		/* not a valid DNS name: not sent */
};

struct dns_rr {
	enum dns_type type;
	uint32_t ttl;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		struct {
			uint16_t pref;
			char *host;
		} mx;
		char *ptr;		/* host name */
		struct {
			char *data;	/* character-strings concatenated, NUL added */
			size_t len;	/* may contain NUL bytes: use len */
		} txt;
	} u;
};

struct dns_answer {
	enum dns_status status;
	size_t n;
	struct dns_rr *rr;	/* n records, in the order received */
};

struct dns_settings {
	/* "IP", "IP:PORT" or "[IPv6]:PORT"; NULL or empty: /etc/resolv.conf */
	const char *const *servers;
	size_t n_servers;
	unsigned timeout_ms;	/* per try */
	unsigned tries;
	size_t cache_entries;	/* 0: no cache */
};

struct dns_resolver;
struct dns_ctx;

struct dns_resolver *dns_resolver_new(const struct dns_settings *s,
    char *err, size_t errlen);
void dns_resolver_free(struct dns_resolver *r);

/*
 * A per-scan context: at most max_lookups queries (cache hits are free;
 * 0 = no limit), none after deadline_us (g_get_monotonic_time() clock;
 * 0 = none).
 */
struct dns_ctx *dns_ctx_new(struct dns_resolver *r, unsigned max_lookups,
    int64_t deadline_us);
void dns_ctx_free(struct dns_ctx *ctx);
/* Queries sent so far through this context (cache hits not counted). */
unsigned dns_ctx_lookups(const struct dns_ctx *ctx);

/* One lookup; never NULL. */
struct dns_answer *dns_lookup(struct dns_ctx *ctx, const char *name,
    enum dns_type type);

struct dns_query {
	const char *name;
	enum dns_type type;
	struct dns_answer *answer;	/* set by dns_lookup_many */
};
/* Many lookups in flight at once; every answer is set (never NULL). */
void dns_lookup_many(struct dns_ctx *ctx, struct dns_query *q, size_t n);

void dns_answer_free(struct dns_answer *a);
const char *dns_status_name(enum dns_status s);

#endif
