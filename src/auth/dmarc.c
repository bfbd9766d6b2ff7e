/*
 * dmarc.c - DMARC (RFC 7489, plus np= from DMARCbis); API in dmarc.h.
 *
 * Design: four small pieces, each usable alone.
 *  - The record parser walks (txt, len) once, splitting at ';' and at the
 *    first '=' of each tag, trimming SP/HTAB (the ABNF's *WSP).  It never
 *    copies more than the bounded rua=/ruf= strings and never allocates.
 *  - Domain names are normalised once (lower case ASCII, one trailing dot
 *    dropped, label and length checks) into fixed buffers; every later
 *    step works on normalised names only.
 *  - Organisational domains come from libpsl (psl_registrable_domain).
 *  - Discovery and evaluation talk to DNS only through the caller's
 *    callbacks, so this file has no DNS, no clock and no randomness: pct=
 *    sampling uses the caller's number, and tests are deterministic.
 *
 * Choices where RFC 7489 leaves room (each also in dmarc.h):
 *  - p= may appear anywhere after v= (DMARCbis; real records put rua=
 *    first, and refusing them would drop the owner's reject policy).
 *  - Invalid values of tags other than p=/sp= fall back to defaults
 *    (6.3); OpenDMARC instead rejects the whole record (its test cases
 *    10-14 and 19): we keep the p= policy the owner published.
 *  - p=n is not p=none (OpenDMARC accepts prefixes).
 *  - An invalid v=DMARC1 record gives PERMERROR, with no fallback to the
 *    organisational domain (6.6.3 steps 3-5).
 *  - A fail where an aligned identifier had a DNS temperror is TEMPERROR.
 *
 * Limits: DMARC_RECORD_MAX bytes per record, DMARC_TAGS_MAX tags,
 * DMARC_RECORDS_MAX TXT records examined per name, DMARC_DOMAIN_MAX bytes
 * per domain, DMARC_URI_MAX bytes of rua=/ruf=; at most two TXT lookups and
 * one existence lookup per evaluation.
 *
 * Security: record bytes and domains are hostile.  Every read is checked
 * against its length; a NUL or control byte never reaches a kept string;
 * names that are not DNS names are never queried and never align.
 */
#include "auth/dmarc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "util/psl.h"

/* ---- small helpers --------------------------------------------------- */

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* A span of the record: [p, p + n). */
struct span {
	const char *p;
	size_t n;
};

static struct span
span_trim(struct span s)
{
	while (s.n > 0 && is_wsp(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_wsp(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* ASCII case-insensitive equality of a span and a literal. */
static bool
span_eq(struct span s, const char *lit)
{
	size_t l = strlen(lit);
	return s.n == l && g_ascii_strncasecmp(s.p, lit, l) == 0;
}

/* ---- record parser --------------------------------------------------- */

static enum dmarc_policy
policy_parse(struct span v)
{
	if (span_eq(v, "none"))
		return DMARC_POLICY_NONE;
	if (span_eq(v, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (span_eq(v, "reject"))
		return DMARC_POLICY_REJECT;
	return DMARC_POLICY_UNSET;
}

static bool
align_parse(struct span v, enum dmarc_align_mode *out)
{
	if (span_eq(v, "r")) {
		*out = DMARC_ALIGN_RELAXED;
		return true;
	}
	if (span_eq(v, "s")) {
		*out = DMARC_ALIGN_STRICT;
		return true;
	}
	return false;
}

/* 1*DIGIT, at most max; false on anything else or overflow. */
static bool
uint_parse(struct span v, uint32_t max, uint32_t *out)
{
	if (v.n == 0)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (!g_ascii_isdigit(v.p[i]))
			return false;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
		if (x > max)
			return false;
	}
	*out = (uint32_t)x;
	return true;
}

/*
 * Split v at sep into trimmed items and call fn on each; false when fn
 * refuses one or an item is empty.
 */
static bool
list_each(struct span v, char sep, bool (*fn)(struct span item, void *u),
    void *u)
{
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < v.n && v.p[j] != sep)
			j++;
		struct span item = span_trim((struct span){ v.p + i, j - i });
		if (item.n == 0 || !fn(item, u))
			return false;
		if (j >= v.n)
			return true;
		i = j + 1;
	}
}

static bool
fo_item(struct span item, void *u)
{
	unsigned *fo = u;
	if (span_eq(item, "0"))
		*fo |= DMARC_FO_0;
	else if (span_eq(item, "1"))
		*fo |= DMARC_FO_1;
	else if (span_eq(item, "d"))
		*fo |= DMARC_FO_D;
	else if (span_eq(item, "s"))
		*fo |= DMARC_FO_S;
	else
		return false;
	return true;
}

/* rf= items: Keyword (ALPHA / DIGIT / "-"), afrf the only known one. */
static bool
rf_item(struct span item, void *u)
{
	bool *afrf = u;
	if (!g_ascii_isalpha(item.p[0]))
		return false;
	for (size_t i = 0; i < item.n; i++)
		if (!g_ascii_isalnum(item.p[i]) && item.p[i] != '-')
			return false;
	if (span_eq(item, "afrf"))
		*afrf = true;
	return true;
}

/*
 * One dmarc-uri: URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ].  Only the
 * shape is checked: a scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ))
 * then ":" and something after it.
 */
static bool
uri_item(struct span item, void *u)
{
	unsigned *n_valid = u;
	size_t i = 0;
	if (!g_ascii_isalpha(item.p[0]))
		return true;	/* invalid, but the others may do */
	while (i < item.n && (g_ascii_isalnum(item.p[i]) || item.p[i] == '+' ||
	    item.p[i] == '-' || item.p[i] == '.'))
		i++;
	if (i < item.n && item.p[i] == ':' && i + 1 < item.n)
		(*n_valid)++;
	return true;
}

/*
 * rua=/ruf=: kept when printable ASCII and short enough; true when at
 * least one URI is syntactically valid.
 */
static bool
uri_list_keep(struct span v, char *dst, size_t dstlen)
{
	dst[0] = '\0';
	if (v.n == 0 || v.n >= dstlen)
		return false;
	for (size_t i = 0; i < v.n; i++)
		if ((unsigned char)v.p[i] < 0x20 || (unsigned char)v.p[i] > 0x7e)
			return false;
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	unsigned n_valid = 0;
	list_each(v, ',', uri_item, &n_valid);
	return n_valid > 0;
}

/* The first tag of txt, trimmed: [name, value], false without '='. */
static bool
tag_split(struct span seg, struct span *name, struct span *value)
{
	const char *eq = memchr(seg.p, '=', seg.n);
	if (eq == NULL)
		return false;
	*name = span_trim((struct span){ seg.p, (size_t)(eq - seg.p) });
	*value = span_trim((struct span){ eq + 1,
	    seg.n - (size_t)(eq - seg.p) - 1 });
	return true;
}

static struct span
first_segment(const char *txt, size_t len)
{
	const char *semi = memchr(txt, ';', len);
	size_t n = semi != NULL ? (size_t)(semi - txt) : len;
	return span_trim((struct span){ txt, n });
}

static bool
version_ok(struct span seg)
{
	struct span name, value;
	if (!tag_split(seg, &name, &value))
		return false;
	/* "v" is an ABNF literal (any case); DMARC1 is %x-coded (exact) */
	return span_eq(name, "v") && value.n == 6 &&
	    memcmp(value.p, "DMARC1", 6) == 0;
}

bool
dmarc_record_is_dmarc(const char *txt, size_t len)
{
	if (txt == NULL || len == 0)
		return false;
	return version_ok(first_segment(txt, len));
}

enum tri { T_ABSENT, T_BAD, T_OK };

bool
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out,
    char *err, size_t errlen)
{
	set_err(err, errlen, "ok");
	if (out == NULL) {
		set_err(err, errlen, "no output");
		return false;
	}
	memset(out, 0, sizeof *out);
	out->pct = 100;
	out->fo = DMARC_FO_0;
	out->rf_afrf = true;
	out->ri = 86400;
	out->adkim = out->aspf = DMARC_ALIGN_RELAXED;

	if (txt == NULL || len == 0) {
		set_err(err, errlen, "empty record");
		return false;
	}
	if (len > DMARC_RECORD_MAX) {
		set_err(err, errlen, "record longer than %d bytes", DMARC_RECORD_MAX);
		return false;
	}
	if (memchr(txt, '\0', len) != NULL) {
		set_err(err, errlen, "NUL byte in record");
		return false;
	}

	enum tri p = T_ABSENT, sp = T_ABSENT, rua = T_ABSENT;
	bool seen_np = false, seen_adkim = false, seen_aspf = false;
	bool seen_pct = false, seen_fo = false, seen_rf = false;
	bool seen_ri = false, seen_ruf = false;
	unsigned n_tags = 0;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && txt[j] != ';')
			j++;
		struct span seg = span_trim((struct span){ txt + i, j - i });
		i = j + 1;	/* past the ';' (or past the end) */
		if (seg.n == 0) {
			if (n_tags == 0) {
				set_err(err, errlen, "record does not start with v=DMARC1");
				return false;
			}
			continue;	/* ";;" or the optional final ';' */
		}
		if (++n_tags > DMARC_TAGS_MAX) {
			set_err(err, errlen, "more than %d tags", DMARC_TAGS_MAX);
			return false;
		}
		if (n_tags == 1) {
			if (!version_ok(seg)) {
				set_err(err, errlen, "record does not start with v=DMARC1");
				return false;
			}
			continue;
		}
		struct span name, v;
		if (!tag_split(seg, &name, &v))
			continue;	/* 6.3: syntax errors ignored outright */

		if (span_eq(name, "p")) {
			if (p != T_ABSENT)
				continue;
			out->p = policy_parse(v);
			p = out->p != DMARC_POLICY_UNSET ? T_OK : T_BAD;
		} else if (span_eq(name, "sp")) {
			if (sp != T_ABSENT)
				continue;
			out->sp = policy_parse(v);
			sp = out->sp != DMARC_POLICY_UNSET ? T_OK : T_BAD;
		} else if (span_eq(name, "np")) {
			if (seen_np)
				continue;
			seen_np = true;
			out->np = policy_parse(v);
			if (out->np == DMARC_POLICY_UNSET)
				out->bad |= DMARC_BAD_NP;
		} else if (span_eq(name, "adkim")) {
			if (seen_adkim)
				continue;
			seen_adkim = true;
			if (!align_parse(v, &out->adkim))
				out->bad |= DMARC_BAD_ADKIM;
		} else if (span_eq(name, "aspf")) {
			if (seen_aspf)
				continue;
			seen_aspf = true;
			if (!align_parse(v, &out->aspf))
				out->bad |= DMARC_BAD_ASPF;
		} else if (span_eq(name, "pct")) {
			if (seen_pct)
				continue;
			seen_pct = true;
			uint32_t x;
			if (uint_parse(v, 100, &x))
				out->pct = x;
			else
				out->bad |= DMARC_BAD_PCT;
		} else if (span_eq(name, "fo")) {
			if (seen_fo)
				continue;
			seen_fo = true;
			unsigned fo = 0;
			if (v.n > 0 && list_each(v, ':', fo_item, &fo))
				out->fo = fo;
			else
				out->bad |= DMARC_BAD_FO;
		} else if (span_eq(name, "rf")) {
			if (seen_rf)
				continue;
			seen_rf = true;
			bool afrf = false;
			if (v.n == 0 || !list_each(v, ':', rf_item, &afrf) || !afrf)
				out->bad |= DMARC_BAD_RF;	/* default afrf stays */
		} else if (span_eq(name, "ri")) {
			if (seen_ri)
				continue;
			seen_ri = true;
			uint32_t x;
			if (uint_parse(v, UINT32_MAX, &x))
				out->ri = x;
			else
				out->bad |= DMARC_BAD_RI;
		} else if (span_eq(name, "rua")) {
			if (rua != T_ABSENT)
				continue;
			rua = uri_list_keep(v, out->rua, sizeof out->rua) ? T_OK : T_BAD;
			if (rua == T_BAD)
				out->bad |= DMARC_BAD_RUA;
		} else if (span_eq(name, "ruf")) {
			if (seen_ruf)
				continue;
			seen_ruf = true;
			if (!uri_list_keep(v, out->ruf, sizeof out->ruf))
				out->bad |= DMARC_BAD_RUF;
		} else if (span_eq(name, "v")) {
			set_err(err, errlen, "v= repeated");
			return false;
		}
		/* unknown tags are ignored (6.3) */
	}
	out->n_tags = n_tags;
	if (n_tags == 0) {
		set_err(err, errlen, "record does not start with v=DMARC1");
		return false;
	}

	/* 6.6.3 step 5: no valid p= or an invalid sp= */
	if (p != T_OK || sp == T_BAD) {
		const char *why = p == T_ABSENT ? "no p= tag" :
		    p == T_BAD ? "invalid p= value" : "invalid sp= value";
		if (rua != T_OK) {
			set_err(err, errlen, "%s", why);
			return false;
		}
		if (p == T_BAD)
			out->bad |= DMARC_BAD_P;
		if (sp == T_BAD)
			out->bad |= DMARC_BAD_SP;
		out->p = DMARC_POLICY_NONE;
		out->sp = DMARC_POLICY_UNSET;
		out->np = DMARC_POLICY_UNSET;
		out->p_implied = true;
		set_err(err, errlen, "%s, rua= present: p=none", why);
	}
	return true;
}

/* ---- domains --------------------------------------------------------- */

/*
 * Normalise a domain into out (DMARC_DOMAIN_MAX + 1 bytes): one trailing
 * dot dropped, ASCII lower-cased; labels of LDH, '_' or UTF-8 bytes,
 * 1..63 bytes each.  False: not a usable name.
 */
static bool
domain_norm(const char *in, char out[DMARC_DOMAIN_MAX + 1])
{
	out[0] = '\0';
	if (in == NULL)
		return false;
	size_t n = strnlen(in, DMARC_DOMAIN_MAX + 2);
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > DMARC_DOMAIN_MAX)
		return false;
	if (!g_utf8_validate(in, (gssize)n, NULL))
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (g_ascii_isalnum(c) || c == '-' || c == '_' || c >= 0x80) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
		out[i] = g_ascii_tolower((char)c);
	}
	if (label == 0)
		return false;	/* "example.com.." */
	out[n] = '\0';
	return true;
}

const psl_ctx_t *
dmarc_psl_default(void)
{
	return mamori_psl();
}

/* Org domain of an already normalised name; false when none. */
static bool
org_of_norm(const psl_ctx_t *psl, const char *norm, char *out, size_t outlen)
{
	if (outlen > 0)
		out[0] = '\0';
	if (psl == NULL)
		psl = dmarc_psl_default();
	if (psl == NULL)
		return false;
	const char *reg = psl_registrable_domain(psl, norm);
	if (reg == NULL || strlen(reg) >= outlen)
		return false;
	memcpy(out, reg, strlen(reg) + 1);
	return true;
}

bool
dmarc_org_domain(const psl_ctx_t *psl, const char *domain, char *out,
    size_t outlen)
{
	char norm[DMARC_DOMAIN_MAX + 1];
	if (out == NULL || outlen == 0)
		return false;
	out[0] = '\0';
	if (!domain_norm(domain, norm))
		return false;
	return org_of_norm(psl, norm, out, outlen);
}

bool
dmarc_aligned(const psl_ctx_t *psl, const char *id_domain,
    const char *from_domain, enum dmarc_align_mode mode)
{
	char a[DMARC_DOMAIN_MAX + 1], b[DMARC_DOMAIN_MAX + 1];
	if (!domain_norm(id_domain, a) || !domain_norm(from_domain, b))
		return false;
	if (strcmp(a, b) == 0)
		return true;
	if (mode == DMARC_ALIGN_STRICT)
		return false;
	char oa[DMARC_DOMAIN_MAX + 1], ob[DMARC_DOMAIN_MAX + 1];
	/* a public suffix (no org domain) is its own organisation */
	if (!org_of_norm(psl, a, oa, sizeof oa))
		memcpy(oa, a, sizeof oa);
	if (!org_of_norm(psl, b, ob, sizeof ob))
		memcpy(ob, b, sizeof ob);
	return strcmp(oa, ob) == 0;
}

/* ---- discovery ------------------------------------------------------- */

enum lookup {
	L_ONE,		/* exactly one v=DMARC1 record, parsed */
	L_INVALID,	/* exactly one, invalid */
	L_NONE,		/* no v=DMARC1 record */
	L_MANY,		/* more than one */
	L_TEMP,
};

static void
records_free(char **records, size_t n)
{
	if (records == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		g_free(records[i]);
	g_free(records);
}

static enum lookup
lookup_at(const struct dmarc_dns *dns, const char *domain,
    struct dmarc_policy_found *out)
{
	char name[DMARC_DOMAIN_MAX + 1];
	int w = snprintf(name, sizeof name, "_dmarc.%s", domain);
	if (w < 0 || (size_t)w >= sizeof name) {
		snprintf(out->err, sizeof out->err, "_dmarc name too long");
		return L_NONE;
	}
	char **records = NULL;
	size_t n = 0;
	enum dmarc_fetch_status st = dns->fetch(dns->user, name, &records, &n);
	if (st != DMARC_FETCH_FOUND) {
		records_free(records, n);
		if (st == DMARC_FETCH_TEMPFAIL) {
			snprintf(out->err, sizeof out->err, "TXT %s: temporary failure",
			    name);
			return L_TEMP;
		}
		snprintf(out->err, sizeof out->err, "no DMARC record at %s", name);
		return L_NONE;
	}
	size_t n_dmarc = 0, which = 0;
	size_t look = n < DMARC_RECORDS_MAX ? n : DMARC_RECORDS_MAX;
	for (size_t i = 0; records != NULL && i < look; i++) {
		if (records[i] == NULL)
			continue;
		if (dmarc_record_is_dmarc(records[i], strlen(records[i]))) {
			if (n_dmarc++ == 0)
				which = i;
		}
	}
	enum lookup r;
	if (n_dmarc == 0) {
		snprintf(out->err, sizeof out->err, "no DMARC record at %s", name);
		r = L_NONE;
	} else if (n_dmarc > 1) {
		snprintf(out->err, sizeof out->err, "%zu DMARC records at %s",
		    n_dmarc, name);
		r = L_MANY;
	} else {
		char perr[96];
		if (dmarc_record_parse(records[which], strlen(records[which]),
		    &out->record, perr, sizeof perr)) {
			r = L_ONE;
			out->err[0] = '\0';
		} else {
			snprintf(out->err, sizeof out->err, "%s: %s", name, perr);
			r = L_INVALID;
		}
		memcpy(out->policy_domain, domain, strlen(domain) + 1);
	}
	records_free(records, n);
	return r;
}

enum dmarc_discover_status
dmarc_discover(const psl_ctx_t *psl, const struct dmarc_dns *dns,
    const char *from_domain, struct dmarc_policy_found *out)
{
	char from[DMARC_DOMAIN_MAX + 1];
	memset(out, 0, sizeof *out);
	if (dns == NULL || dns->fetch == NULL) {
		snprintf(out->err, sizeof out->err, "no DNS");
		return DMARC_DISCOVER_TEMPFAIL;
	}
	if (!domain_norm(from_domain, from)) {
		snprintf(out->err, sizeof out->err, "invalid From domain");
		return DMARC_DISCOVER_NONE;
	}
	org_of_norm(psl, from, out->org_domain, sizeof out->org_domain);

	enum lookup r = lookup_at(dns, from, out);
	if (r == L_NONE && out->org_domain[0] != '\0' &&
	    strcmp(out->org_domain, from) != 0) {
		r = lookup_at(dns, out->org_domain, out);
		out->at_org = r == L_ONE || r == L_INVALID;
	}
	switch (r) {
	case L_ONE:
		return DMARC_DISCOVER_FOUND;
	case L_INVALID:
		return DMARC_DISCOVER_INVALID;
	case L_TEMP:
		return DMARC_DISCOVER_TEMPFAIL;
	case L_NONE:
	case L_MANY:
		break;
	}
	return DMARC_DISCOVER_NONE;
}

/* ---- evaluation ------------------------------------------------------ */

static enum dmarc_policy
policy_lower(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_REJECT:
		return DMARC_POLICY_QUARANTINE;
	case DMARC_POLICY_QUARANTINE:
	case DMARC_POLICY_NONE:
		return DMARC_POLICY_NONE;
	case DMARC_POLICY_UNSET:
		break;
	}
	return DMARC_POLICY_UNSET;
}

void
dmarc_evaluate(const psl_ctx_t *psl, const struct dmarc_dns *dns,
    const struct dmarc_input *in, struct dmarc_eval *out)
{
	memset(out, 0, sizeof *out);
	if (in == NULL) {
		snprintf(out->found.err, sizeof out->found.err, "no input");
		return;
	}
	if (psl == NULL)
		psl = dmarc_psl_default();

	switch (dmarc_discover(psl, dns, in->from_domain, &out->found)) {
	case DMARC_DISCOVER_FOUND:
		break;
	case DMARC_DISCOVER_NONE:
		out->result = DMARC_RESULT_NONE;
		return;
	case DMARC_DISCOVER_INVALID:
		out->result = DMARC_RESULT_PERMERROR;
		return;
	case DMARC_DISCOVER_TEMPFAIL:
		out->result = DMARC_RESULT_TEMPERROR;
		return;
	}
	const struct dmarc_record *rec = &out->found.record;
	const char *from = in->from_domain;
	bool temp = false;

	if (in->spf_domain != NULL &&
	    (in->spf == DMARC_AUTH_PASS || in->spf == DMARC_AUTH_TEMPERROR) &&
	    dmarc_aligned(psl, in->spf_domain, from, rec->aspf)) {
		if (in->spf == DMARC_AUTH_PASS)
			out->aligned |= DMARC_ALIGNED_SPF;
		else
			temp = true;
	}
	for (size_t i = 0; in->dkim != NULL && i < in->n_dkim; i++) {
		const struct dmarc_dkim *d = &in->dkim[i];
		if (d->domain == NULL || (d->result != DMARC_AUTH_PASS &&
		    d->result != DMARC_AUTH_TEMPERROR))
			continue;
		if (!dmarc_aligned(psl, d->domain, from, rec->adkim))
			continue;
		if (d->result == DMARC_AUTH_TEMPERROR) {
			temp = true;
			continue;
		}
		if (!(out->aligned & DMARC_ALIGNED_DKIM)) {
			out->aligned |= DMARC_ALIGNED_DKIM;
			domain_norm(d->domain, out->dkim_domain);
		}
	}

	/* which policy: p for the domain itself, sp/np below the org domain */
	out->policy = rec->p;
	out->source = DMARC_SOURCE_P;
	if (out->found.at_org) {
		if (rec->sp != DMARC_POLICY_UNSET) {
			out->policy = rec->sp;
			out->source = DMARC_SOURCE_SP;
		}
		char norm[DMARC_DOMAIN_MAX + 1];
		if (out->aligned == 0 && rec->np != DMARC_POLICY_UNSET &&
		    dns != NULL && dns->exists != NULL && domain_norm(from, norm) &&
		    dns->exists(dns->user, norm) == DMARC_FETCH_NXDOMAIN) {
			out->policy = rec->np;
			out->source = DMARC_SOURCE_NP;
		}
	}

	if (out->aligned != 0) {
		out->result = DMARC_RESULT_PASS;
		out->disposition = DMARC_POLICY_NONE;
		return;
	}
	if (temp) {
		out->result = DMARC_RESULT_TEMPERROR;
		out->disposition = DMARC_POLICY_UNSET;
		return;
	}
	out->result = DMARC_RESULT_FAIL;
	unsigned sample = in->sample > 99 ? 99 : in->sample;
	if (sample < rec->pct) {
		out->disposition = out->policy;
	} else {
		out->sampled_out = true;
		out->disposition = policy_lower(out->policy);
	}
}

/* ---- names ----------------------------------------------------------- */

const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_RESULT_NONE:
		return "none";
	case DMARC_RESULT_PASS:
		return "pass";
	case DMARC_RESULT_FAIL:
		return "fail";
	case DMARC_RESULT_TEMPERROR:
		return "temperror";
	case DMARC_RESULT_PERMERROR:
		return "permerror";
	}
	return "none";
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	case DMARC_POLICY_UNSET:
		break;
	}
	return "";
}

const char *
dmarc_source_name(enum dmarc_policy_source s)
{
	switch (s) {
	case DMARC_SOURCE_P:
		return "p";
	case DMARC_SOURCE_SP:
		return "sp";
	case DMARC_SOURCE_NP:
		return "np";
	case DMARC_SOURCE_NONE:
		break;
	}
	return "";
}
