/*
 * spf.h - Sender Policy Framework (RFC 7208) evaluation.
 *
 * spf_check_host() is RFC 7208's check_host() for one identity: the MAIL
 * FROM domain, or the HELO name (then sender is postmaster@helo).  Every
 * DNS query goes through dns.h on the caller's dns_ctx, so the scan's
 * budget, deadline and the resolver cache apply; the RFC's own limits (10
 * DNS mechanisms, 2 void lookups, 10 MX / PTR names) are enforced here.
 *
 * spf_record_parse() is the pure record parser (no DNS), also used by the
 * fuzzer: a record with any syntax error is rejected with a message.
 */
#ifndef MAMORI_AUTH_SPF_H
#define MAMORI_AUTH_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"

enum spf_result {
	SPF_RESULT_NONE,
	SPF_RESULT_NEUTRAL,
	SPF_RESULT_PASS,
	SPF_RESULT_FAIL,
	SPF_RESULT_SOFTFAIL,
	SPF_RESULT_TEMPERROR,
	SPF_RESULT_PERMERROR,
};

/* What spf_check_host() found; every string is g_malloc'ed or NULL. */
struct spf_info {
	char *explanation;	/* on fail: the expanded exp= text, if any */
	char *mechanism;	/* the top-level term that decided, as written */
	char *problem;		/* on permerror / temperror: why */
};

struct spf_record;

/*
 * check_host(ip, domain, sender).  ip: the client address (IPv4, IPv6;
 * IPv4-mapped IPv6 is treated as IPv4).  domain: the MAIL FROM domain or
 * the HELO name.  sender: the MAIL FROM address; NULL or "" means
 * postmaster@domain.  helo: for %{h} (may be NULL).  out may be NULL;
 * otherwise it is filled and must be cleared with spf_info_clear().
 */
enum spf_result spf_check_host(struct dns_ctx *dns, const char *ip,
    const char *domain, const char *sender, const char *helo,
    struct spf_info *out);
void spf_info_clear(struct spf_info *info);

/* "pass", "fail", ... as in RFC 8601 Authentication-Results. */
const char *spf_result_name(enum spf_result r);

/*
 * Parse one SPF record (txt, len: the TXT data, may hold any byte).  true
 * and *out set on success (free with spf_record_free); false and a message
 * in err on a syntax error.
 */
bool spf_record_parse(const char *txt, size_t len, struct spf_record **out,
    char *err, size_t errlen);
void spf_record_free(struct spf_record *rec);
/* Number of terms (mechanisms) of a parsed record. */
size_t spf_record_terms(const struct spf_record *rec);

#endif
