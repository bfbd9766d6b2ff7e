/*
 * dnsbl.h - DNS blocklists: the pure part (issue 15, docs/spam.md "DNS
 * blocklists").  No network here: the dnsbl module (src/checks/dnsbl/)
 * sends the queries through mamori's resolver, and SpamAssassin's
 * check_rbl evals (sa_eval_dnsbl.c) read the answers it recorded.
 *
 *  - A zone as configured (dnsbl.zones): one string
 *
 *        ZONE: CODE=SYMBOL[:WEIGHT] [CODE=SYMBOL[:WEIGHT] ...]
 *
 *    ZONE a DNS name (case-insensitive, trailing dot allowed); CODE one
 *    address of 127.0.0.0/8 ("127.0.0.2"), a range of the last octet
 *    ("127.0.0.4-7") or of whole addresses ("127.0.0.4-127.0.0.7"), never
 *    touching the refused-query codes (127.255.255.252, .254, .255);
 *    SYMBOL upper snake ([A-Z][A-Z0-9_]*, at most 64 bytes); WEIGHT a
 *    decimal number in [-100, 100] (default: the caller's).  Entries are
 *    separated by blanks; an answer may match several.  No entry at all
 *    ("ZONE:"): the zone is asked, for SpamAssassin's check_rbl rules,
 *    and adds no symbol of its own.  dnsbl_zone_parse()
 *    refuses anything else with a message saying what and where.
 *  - The query name of an IPv4 address (reversed octets) or IPv6 address
 *    (reversed nibbles) in a zone.
 *  - Answers: a refused-query code (the list refuses to answer our
 *    resolver: 127.255.255.252/254/255) and an answer outside 127.0.0.0/8
 *    are errors, never hits.
 *  - Trusted networks (CIDR) and the addresses never worth a query
 *    (private, loopback, link-local, reserved).
 *  - SpamAssassin's sub-tests (Mail::SpamAssassin::Dns check_subtest):
 *    an IPv4 address (equality), a decimal bitmask (ANDed with an A record
 *    of 127.0.0.0/8), or a regular expression (PCRE2) on the record's text.
 */
#ifndef MAMORI_SPAM_DNSBL_H
#define MAMORI_SPAM_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSBL_ZONE_MAX 189	/* bytes: an IPv6 query name (64) + zone <= 253 */
#define DNSBL_SYMBOL_MAX 64	/* bytes of a symbol's name */
#define DNSBL_WEIGHT_MAX 100.0	/* |WEIGHT| */
#define DNSBL_CODES_MAX 64	/* CODE=SYMBOL entries of one zone (default limit) */
#define DNSBL_SPEC_MAX 4096	/* bytes of one zone's string (default limit) */
#define DNSBL_QNAME_MAX 254	/* a query name and its NUL */

struct dnsbl_code {
	uint32_t lo, hi;	/* host order, inclusive, within 127.0.0.0/8 */
	char *symbol;
	bool has_weight;
	double weight;
};

struct dnsbl_zone {
	char *zone;		/* lower case, no trailing dot */
	struct dnsbl_code *codes;
	size_t ncodes;
};

/*
 * Parse one zone's string (syntax above): at most max_len bytes and
 * max_codes entries (0: the defaults above).  false with a message in err
 * ("what: why", quoting the entry) and *z untouched.
 */
bool dnsbl_zone_parse(const char *spec, size_t max_len, size_t max_codes,
    struct dnsbl_zone *z, char *err, size_t errlen);
void dnsbl_zone_clear(struct dnsbl_zone *z);

/* The entries of z that an A record (host order) matches: their indexes
 * in idx (at most max); the number matched (may exceed max). */
size_t dnsbl_zone_match(const struct dnsbl_zone *z, uint32_t code, size_t *idx, size_t max);

/* 127.255.255.252, .254, .255: the list refused the query (public
 * resolver, too many queries, bad key): an error, not a hit. */
bool dnsbl_code_refused(uint32_t code);
/* Within 127.0.0.0/8: an answer a list may give. */
bool dnsbl_code_in_range(uint32_t code);

/*
 * The name to ask for ip (IPv4 dotted quad or IPv6 text) in zone: "d.c.b.a.ZONE"
 * or the 32 reversed nibbles of the IPv6 address, then the zone; false when
 * ip is not an address or the name would not fit outlen (or 253 bytes).
 */
bool dnsbl_query_name(const char *ip, const char *zone, char *out, size_t outlen);

/* A network: an address and a prefix length. */
struct dnsbl_net {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; 4 bytes used for AF_INET */
	unsigned prefix;
};
/* "192.0.2.0/24", "2001:db8::/32", or an address alone (/32, /128); the
 * host bits must be zero.  false: not a network. */
bool dnsbl_net_parse(const char *s, struct dnsbl_net *n);
/* Whether ip (text) is inside one of nets; false for a non-address.  An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is read as IPv4. */
bool dnsbl_net_contains(const struct dnsbl_net *nets, size_t n, const char *ip);
/*
 * Whether ip (text) is worth a query: a global address, not private
 * (RFC 1918, fc00::/7), shared (100.64/10), loopback, link-local,
 * unspecified, multicast, documentation-free reserved space (0/8,
 * 240/4) or an IPv4-mapped form of those.  Documentation prefixes
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are
 * queried: lists do not list them and the tests use them.
 */
bool dnsbl_ip_queryable(const char *ip);
/* The canonical text of ip (inet_ntop of its parse; IPv4-mapped IPv6 as
 * IPv4) in out (at least 46 bytes); false: not an address. */
bool dnsbl_ip_canon(const char *ip, char *out, size_t outlen);

/* SpamAssassin's sub-test of check_rbl / check_rbl_sub. */
enum dnsbl_subtest_kind {
	DNSBL_SUB_ANY,		/* no sub-test: any record */
	DNSBL_SUB_EXACT,	/* "127.0.0.2": the record's text equals it */
	DNSBL_SUB_MASK,		/* "8": an A record of 127/8 ANDed with it is not 0 */
	DNSBL_SUB_REGEX,	/* anything else: a regular expression */
};
struct dnsbl_subtest {
	enum dnsbl_subtest_kind kind;
	uint64_t mask;
	char *text;		/* EXACT: the address as written */
	void *re;		/* REGEX: pcre2_code * */
};
/* s NULL: ANY.  false with a message in err: "sb:" (SenderBase, gone) or
 * a regular expression that does not compile (or over 1,024 bytes). */
bool dnsbl_subtest_compile(const char *s, struct dnsbl_subtest *t, char *err, size_t errlen);
void dnsbl_subtest_clear(struct dnsbl_subtest *t);
/* Whether a record matches: rdata is the record's text (an A record as a
 * dotted quad, a TXT record's strings concatenated; len bytes, NULs
 * allowed).  The bitmask applies only to a text "127.D.D.D". */
bool dnsbl_subtest_match(const struct dnsbl_subtest *t, const char *rdata, size_t len);

#endif
