/*
 * sa_relays.h - the relays of a message's Received header fields, as
 * SpamAssassin 4.0.1 reads them (Message/Metadata/Received.pm): each
 * field parsed by the per-MTA formats SpamAssassin knows, the relays split
 * into trusted and untrusted, internal and external (configured networks,
 * or inferred when none is configured), and the X-Spam-Relays-* texts its
 * header rules read.  Used by the RelayEval functions (sa_eval_relay.c),
 * the header rules of the spam module, and the DNS blocklists (the
 * untrusted relays' addresses).  docs/spam.md "Relays and RelayEval".
 *
 * Hostile input: a field longer than limits.field_max is not parsed (it
 * counts as unparseable), at most limits.hops_max fields are read (the
 * rest are counted in `dropped`), and each pattern match is bounded by
 * PCRE2's match and depth limits (a match stopped by a limit is a miss).
 */
#ifndef MAMORI_SPAM_SA_RELAYS_H
#define MAMORI_SPAM_SA_RELAYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* One relay: a Received field parsed.  Every string is set ("" when
 * absent) but envfrom, NULL when the field names no envelope sender. */
struct sa_relay {
	char *ip, *rdns, *helo, *by, *ident, *envfrom, *id, *auth;
	bool ip_private;	/* SpamAssassin's IP_PRIVATE (10/8, 127/8 ...) */
	bool no_reverse_dns;	/* rdns empty and the MTA is known to look */
	bool rdns_not_in_headers;	/* rdns empty, the MTA may not look */
	bool trusted, internal, msa;
	/* "[ ip=... rdns=... helo=... by=... ident=... envfrom=... intl=0|1
	 * id=... auth=... msa=0|1 ]" */
	char *as_string;
};

struct sa_relay_limits {
	size_t field_max;	/* bytes of a Received field parsed at most */
	unsigned hops_max;	/* Received fields read at most */
	uint32_t match_limit;	/* PCRE2 match limit of each pattern */
	uint32_t depth_limit;	/* PCRE2 depth limit */
};
extern const struct sa_relay_limits sa_relay_limits_default;	/* 16384, 100, 100000, 5000 */

/* A set of networks (trusted_networks, internal_networks). */
struct sa_netset;

/* Check one network as written in the configuration: an IPv4 or IPv6
 * address with an optional /prefix ("10.0.0.0/8", "2001:db8::/32",
 * "192.0.2.1").  false with a message in err. */
bool sa_net_check(const char *s, char *err, size_t errlen);
/* The set of nets[0..n) (each checked by sa_net_check(), else NULL with
 * the message in err); 127.0.0.0/8 and ::1 are always added, as
 * SpamAssassin does. */
struct sa_netset *sa_netset_new(const char *const *nets, size_t n, char *err, size_t errlen);
void sa_netset_free(struct sa_netset *s);
/* Whether ip (as a relay holds it: dotted IPv4, IPv6, brackets and an
 * "IPv6:" prefix allowed) is in the set; false when it does not parse. */
bool sa_netset_contains(const struct sa_netset *s, const char *ip);

struct sa_relay_opts {
	/* NULL: not configured.  Neither: the trust boundary is inferred
	 * (private addresses and authenticated hops are trusted, the first
	 * other relay ends trust); one of them: it serves as the other. */
	const struct sa_netset *trusted;
	const struct sa_netset *internal;
	/* the rule files' originating_ip_headers (X-Originating-IP ...): the
	 * last value of each that holds an address is a relay after the
	 * Received fields (NULL-terminated; NULL: none) */
	const char *const *originating;
	struct sa_relay_limits limits;
};

/* The relays of a message. */
struct sa_relays {
	GPtrArray *all;		/* struct sa_relay *, owned, in header order */
	/* borrowed from all, most recent hop first (header order) */
	GPtrArray *trusted, *untrusted, *internal, *external;
	unsigned unparseable;	/* fields no known format parses */
	unsigned received;	/* Received fields read */
	unsigned dropped;	/* Received fields beyond hops_max, not read */
	/* counting Received fields from the top, the index of the last one a
	 * trusted (internal) relay added, -1: none (PerMsgStatus's
	 * last_trusted_relay_index, for ALL-TRUSTED and the like) */
	int last_trusted_index, last_internal_index;
	/* X-Spam-Relays-Trusted, -Untrusted, -Internal, -External */
	char *trusted_str, *untrusted_str, *internal_str, *external_str;
};

/*
 * The relays of the header fields (struct sa_field *, sa_msg.h): every
 * field named Received (any case), then the originating headers.  Never
 * NULL.
 */
struct sa_relays *sa_relays_parse(const GPtrArray *fields, const struct sa_relay_opts *o);
void sa_relays_free(void *relays);

/*
 * One Received field's value (unfolded or not) parsed alone, as
 * SpamAssassin's parse_received_line: 1 and *out filled (free with
 * sa_relay_clear()), 0 a field known to hold no relay (a local delivery,
 * a fetchmail hop ...), -1 not parsed.  Trust fields are left false.
 */
int sa_received_parse(const char *value, size_t len, const struct sa_relay_limits *lim,
    struct sa_relay *out);
void sa_relay_clear(struct sa_relay *r);

/*
 * For the DNS blocklists: the addresses of the untrusted relays, the
 * first untrusted hop (the one a trusted relay received from) first, at
 * most max of them into ips (borrowed from r); returns how many there
 * are in all.  Relays without an address are skipped.
 */
size_t sa_relays_untrusted_ips(const struct sa_relays *r, const char **ips, size_t max);

/*
 * The header names of the rule files' originating_ip_headers settings
 * (settings: directive -> GPtrArray of argument strings, as sa_conf.h's
 * sa_ruleset keeps them), split at blanks, each name once (any case), in
 * order; a NULL-terminated vector (g_strfreev), or NULL when none.
 */
char **sa_relays_originating(GHashTable *settings);

/*
 * EnvelopeFrom when there is no SMTP envelope, as SpamAssassin guesses it
 * (PerMsgStatus.pm get_envelope_from): the envelope sender the last
 * untrusted relay (else the first trusted one) recorded; else, unless
 * X-Sender and a fetchmail hop make the headers untrustworthy, the first
 * address of X-Envelope-From, Envelope-Sender or Return-Path, each only
 * when no Received field comes before it.  Appended to out; false: none
 * (true with nothing appended: an empty sender).  Implemented in
 * sa_eval_relay.c (mamori_sa_eval), which has the address parser.
 */
bool sa_relays_envelope_from(const GPtrArray *fields, const struct sa_relays *r, GString *out);

/* SpamAssassin's IP_PRIVATE, IS_IPV4_ADDRESS: for the eval functions. */
bool sa_ip_is_private(const char *ip);
bool sa_ip_is_ipv4(const char *s);

#endif
