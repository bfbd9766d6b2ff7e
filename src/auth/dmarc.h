/*
 * dmarc.h - DMARC (RFC 7489, plus np= from DMARCbis): record parsing,
 * organisational domains, policy discovery, identifier alignment and the
 * evaluation of one message.
 *
 * The module does no DNS and no I/O: TXT records and the existence of a
 * name come through callbacks the caller implements (the scan glue, or a
 * test's table).  Everything it returns lives in caller-owned structures
 * with fixed-size buffers; nothing needs freeing except what the fetch
 * callback hands over (see dmarc_txt_fetch).
 *
 * Domains are given as ASCII (IDNA A-labels; the caller converts U-labels),
 * with or without one trailing dot; ASCII case does not matter.  A name
 * that is not a valid DNS name (empty label, leading dot, label over 63
 * bytes, name over DMARC_DOMAIN_MAX bytes, control bytes, blanks) never
 * aligns and has no policy.
 *
 * Security: every byte of a record is hostile; the parser reads only
 * (txt, len) and bounds the record length and the number of tags.
 */
#ifndef MAMORI_AUTH_DMARC_H
#define MAMORI_AUTH_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpsl.h>

#define DMARC_RECORD_MAX 2048	/* bytes of one TXT record; longer: invalid */
#define DMARC_TAGS_MAX 32	/* tags in one record; more: invalid */
#define DMARC_DOMAIN_MAX 253	/* bytes of a domain, without trailing dot */
#define DMARC_URI_MAX 1024	/* bytes kept of rua= / ruf= */
#define DMARC_RECORDS_MAX 64	/* TXT records looked at per name */

enum dmarc_policy {
	DMARC_POLICY_UNSET = 0,	/* tag absent (sp=, np=) */
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_align_mode {
	DMARC_ALIGN_RELAXED = 0,
	DMARC_ALIGN_STRICT,
};

/* fo= options, a bit set */
enum {
	DMARC_FO_0 = 1 << 0,
	DMARC_FO_1 = 1 << 1,
	DMARC_FO_D = 1 << 2,
	DMARC_FO_S = 1 << 3,
};

/* Tags whose value was invalid and so replaced by its default (a bit set). */
enum {
	DMARC_BAD_SP = 1 << 0,	/* only with rua=: otherwise the record is invalid */
	DMARC_BAD_NP = 1 << 1,
	DMARC_BAD_ADKIM = 1 << 2,
	DMARC_BAD_ASPF = 1 << 3,
	DMARC_BAD_PCT = 1 << 4,
	DMARC_BAD_FO = 1 << 5,
	DMARC_BAD_RF = 1 << 6,
	DMARC_BAD_RI = 1 << 7,
	DMARC_BAD_RUA = 1 << 8,
	DMARC_BAD_RUF = 1 << 9,
	DMARC_BAD_P = 1 << 10,	/* only with rua=: p=none applies (p_implied) */
};

struct dmarc_record {
	enum dmarc_policy p;	/* never UNSET after a successful parse */
	enum dmarc_policy sp;	/* UNSET: p applies to subdomains */
	enum dmarc_policy np;	/* UNSET: sp (or p) applies */
	enum dmarc_align_mode adkim;
	enum dmarc_align_mode aspf;
	unsigned pct;		/* 0..100, default 100 */
	unsigned fo;		/* DMARC_FO_*, default DMARC_FO_0 */
	bool rf_afrf;		/* rf= names afrf (the default) */
	uint32_t ri;		/* seconds, default 86400 */
	char rua[DMARC_URI_MAX + 1];	/* as written; "" when absent */
	char ruf[DMARC_URI_MAX + 1];
	bool p_implied;		/* p= missing or invalid, rua= valid: p=none */
	unsigned bad;		/* DMARC_BAD_*: values replaced by defaults */
	unsigned n_tags;
};

/*
 * Parse one DMARC TXT record (RFC 7489 6.3/6.4).  True: out is a usable
 * policy.  False: no policy (not a DMARC record, or an invalid one); err
 * says why.  Rules:
 *  - the first tag must be v=DMARC1 ("v" in any case, "DMARC1" exactly);
 *  - p= is required (anywhere after v=, as in DMARCbis); a missing or
 *    invalid p= (or an invalid sp=) makes the record invalid unless rua=
 *    holds a syntactically valid URI, when p=none applies (6.6.3 step 5);
 *  - other invalid values fall back to their defaults and are flagged in
 *    out->bad (6.3: "discarded in favor of default values");
 *  - unknown tags and segments without "=" are ignored; a tag repeated:
 *    the first one counts (a second v= makes the record invalid);
 *  - tag names and keyword values are case-insensitive (ABNF literals);
 *  - more than DMARC_TAGS_MAX tags, a record over DMARC_RECORD_MAX bytes
 *    or a NUL byte: invalid.
 * err may be NULL.
 */
bool dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out,
    char *err, size_t errlen);

/* Does this TXT record start with v=DMARC1 (6.6.3 step 2)? */
bool dmarc_record_is_dmarc(const char *txt, size_t len);

/*
 * The public suffix list used when a function below is given psl == NULL:
 * the process's one list (util/psl.h: the system's, else libpsl's
 * built-in), loaded once.  Thread-safe; never freed.
 */
const psl_ctx_t *dmarc_psl_default(void);

/*
 * The organisational domain (RFC 7489 3.2: the registrable domain under
 * the public suffix list), lower case, without trailing dot, into out.
 * False when the name is invalid or is itself a public suffix (no
 * organisational domain); out is then "".
 */
bool dmarc_org_domain(const psl_ctx_t *psl, const char *domain, char *out,
    size_t outlen);

/*
 * Identifier alignment (RFC 7489 3.1): strict = the same name (ASCII case
 * ignored); relaxed = the same organisational domain (a name that is a
 * public suffix is its own organisational domain here).  Invalid names
 * never align.
 */
bool dmarc_aligned(const psl_ctx_t *psl, const char *id_domain,
    const char *from_domain, enum dmarc_align_mode mode);

enum dmarc_fetch_status {
	DMARC_FETCH_FOUND,	/* records returned (may be zero of them) */
	DMARC_FETCH_NXDOMAIN,	/* the name does not exist */
	DMARC_FETCH_NODATA,	/* the name exists, no record of the type */
	DMARC_FETCH_TEMPFAIL,	/* timeout, SERVFAIL, budget spent ... */
};

/*
 * Fetch the TXT records of name (ASCII, no trailing dot).  On FOUND,
 * *records is a g_malloc'd array of *n g_malloc'd NUL-terminated strings
 * (each RR's character-strings joined); dmarc takes ownership and frees
 * them with g_free.  A record containing NUL bytes should be left out or
 * passed as it is (the part before the NUL is then parsed).  Otherwise
 * *records = NULL, *n = 0.
 */
typedef enum dmarc_fetch_status (*dmarc_txt_fetch)(void *user,
    const char *name, char ***records, size_t *n);

/*
 * Does name exist?  NXDOMAIN means it does not (for A, AAAA and MX: the
 * caller decides how many queries that takes; one NXDOMAIN answer is enough
 * per RFC 8020).  FOUND or NODATA: it exists.  TEMPFAIL: unknown, treated
 * as existing (sp= applies, not np=).
 */
typedef enum dmarc_fetch_status (*dmarc_exists)(void *user, const char *name);

struct dmarc_dns {
	dmarc_txt_fetch fetch;	/* required */
	dmarc_exists exists;	/* NULL: np= never applies */
	void *user;
};

enum dmarc_discover_status {
	DMARC_DISCOVER_FOUND,	/* record parsed (out->record, out->policy_domain) */
	DMARC_DISCOVER_NONE,	/* no record, several records, or bad From domain */
	DMARC_DISCOVER_INVALID,	/* one v=DMARC1 record, but invalid: no policy */
	DMARC_DISCOVER_TEMPFAIL,	/* a TXT lookup failed temporarily */
};

struct dmarc_policy_found {
	struct dmarc_record record;
	char policy_domain[DMARC_DOMAIN_MAX + 1];	/* where the record was */
	char org_domain[DMARC_DOMAIN_MAX + 1];	/* of the From domain; may be "" */
	bool at_org;		/* found at the org domain, From is below it */
	char err[400];		/* why NONE / INVALID / TEMPFAIL */
};

/*
 * Policy discovery (RFC 7489 6.6.3): TXT at _dmarc.<from-domain>; when no
 * v=DMARC1 record is there (NXDOMAIN, NODATA or only other TXT records),
 * TXT at _dmarc.<org-domain>.  Several v=DMARC1 records at the name where
 * records are found: NONE.  An invalid record ends the search (INVALID,
 * no fallback).  At most two TXT lookups.
 */
enum dmarc_discover_status dmarc_discover(const psl_ctx_t *psl,
    const struct dmarc_dns *dns, const char *from_domain,
    struct dmarc_policy_found *out);

/* Only PASS counts for DMARC; TEMPERROR may turn a fail into temperror. */
enum dmarc_auth_result {
	DMARC_AUTH_NONE = 0,	/* none, neutral, softfail, policy ... */
	DMARC_AUTH_PASS,
	DMARC_AUTH_FAIL,
	DMARC_AUTH_TEMPERROR,
	DMARC_AUTH_PERMERROR,
};

struct dmarc_dkim {
	enum dmarc_auth_result result;
	const char *domain;	/* the signature's d= */
};

struct dmarc_input {
	const char *from_domain;	/* RFC5322.From domain (one) */
	enum dmarc_auth_result spf;
	const char *spf_domain;	/* MAIL FROM domain, or HELO for <> */
	const struct dmarc_dkim *dkim;
	size_t n_dkim;
	unsigned sample;	/* caller's random 0..99 for pct= */
};

enum dmarc_result {
	DMARC_RESULT_NONE = 0,	/* no policy published (or none usable) */
	DMARC_RESULT_PASS,
	DMARC_RESULT_FAIL,
	DMARC_RESULT_TEMPERROR,
	DMARC_RESULT_PERMERROR,	/* the published record is invalid */
};

enum dmarc_policy_source {
	DMARC_SOURCE_NONE = 0,	/* no policy */
	DMARC_SOURCE_P,
	DMARC_SOURCE_SP,	/* From is a subdomain, record at the org domain */
	DMARC_SOURCE_NP,	/* ... and From does not exist (DMARCbis) */
};

/* Which identifiers aligned and passed (a bit set). */
enum {
	DMARC_ALIGNED_SPF = 1 << 0,
	DMARC_ALIGNED_DKIM = 1 << 1,
};

struct dmarc_eval {
	enum dmarc_result result;
	enum dmarc_policy policy;	/* the policy that applies; UNSET: none */
	enum dmarc_policy_source source;	/* which tag it came from */
	/*
	 * What to do: the policy on fail, lowered one step (reject to
	 * quarantine, quarantine to none) when pct= sampling leaves the
	 * message out (RFC 7489 6.6.4); NONE on pass; UNSET without policy.
	 */
	enum dmarc_policy disposition;
	bool sampled_out;
	unsigned aligned;	/* DMARC_ALIGNED_* */
	char dkim_domain[DMARC_DOMAIN_MAX + 1];	/* the aligned d=, or "" */
	struct dmarc_policy_found found;	/* the discovery behind it */
};

/*
 * Evaluate one message.  Never fails: a bad From domain gives NONE, a
 * TXT tempfail TEMPERROR, an invalid record PERMERROR.  A fail where an
 * identifier in the From domain's organisation had TEMPERROR becomes
 * TEMPERROR (a DNS hiccup must not reject mail).  psl NULL: the default.
 */
void dmarc_evaluate(const psl_ctx_t *psl, const struct dmarc_dns *dns,
    const struct dmarc_input *in, struct dmarc_eval *out);

/* Names for reports and Authentication-Results. */
const char *dmarc_result_name(enum dmarc_result r);	/* "pass", ... */
const char *dmarc_policy_name(enum dmarc_policy p);	/* "none", ...; UNSET "" */
const char *dmarc_source_name(enum dmarc_policy_source s);	/* "p","sp","np","" */

#endif
