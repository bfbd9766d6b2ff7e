/*
 * spf.c - SPF, RFC 7208: record parsing and check_host().
 *
 * Purpose: decide whether a client IP may send for a domain (MAIL FROM or
 * HELO identity): pass, fail, softfail, neutral, none, temperror,
 * permerror, with the explanation (exp=) on fail.
 *
 * Design: a record is parsed completely before it is evaluated (any
 * syntax error anywhere is permerror, RFC 7208 4.6): terms become
 * struct spf_term (qualifier, mechanism, domain-spec kept as an unexpanded
 * macro-string, CIDR lengths, address), modifiers redirect= and exp= are
 * kept, unknown modifiers are checked for syntax and ignored.  Evaluation
 * walks the terms; include and redirect recurse.  Macros (RFC 7208 7) are
 * expanded on demand from the evaluation state.  All DNS goes through
 * dns.h.
 *
 * Limits (RFC 7208 4.6.4): at most 10 mechanisms / modifiers that query
 * DNS (include a mx ptr exists redirect), at most 2 void lookups
 * (NXDOMAIN or no answer), at most 10 MX names for mx (more: permerror),
 * at most 10 PTR names looked at; recursion is bounded by the lookup
 * limit (and by SPF_MAX_DEPTH).  Expanded names over 253 bytes lose
 * labels from the left (RFC 7208 7.3).
 *
 * Security: records and DNS data are hostile: parsing uses (pointer,
 * length) with explicit bounds; any byte outside the ABNF is a syntax
 * error; TXT data may hold NUL bytes and is never treated as a C string
 * before its length is checked.
 */
#include "auth/spf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOID 2
#define SPF_MAX_MX 10
#define SPF_MAX_PTR 10
#define SPF_MAX_DEPTH 20

enum spf_mech {
	MECH_ALL,
	MECH_INCLUDE,
	MECH_A,
	MECH_MX,
	MECH_PTR,
	MECH_IP4,
	MECH_IP6,
	MECH_EXISTS,
};

struct spf_term {
	char qualifier;		/* + - ~ ? */
	enum spf_mech mech;
	char *spec;		/* domain-spec (macro-string) or NULL */
	int cidr4, cidr6;	/* -1: not given */
	unsigned char addr[16];	/* ip4: first 4 bytes */
	char *text;		/* the term as written */
};

struct spf_record {
	struct spf_term *terms;
	size_t n;
	char *redirect;		/* domain-spec or NULL */
	char *exp;		/* domain-spec or NULL */
};

/* ------------------------------------------------------------------ */
/* names */

const char *spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_RESULT_NONE: return "none";
	case SPF_RESULT_NEUTRAL: return "neutral";
	case SPF_RESULT_PASS: return "pass";
	case SPF_RESULT_FAIL: return "fail";
	case SPF_RESULT_SOFTFAIL: return "softfail";
	case SPF_RESULT_TEMPERROR: return "temperror";
	case SPF_RESULT_PERMERROR: return "permerror";
	}
	return "none";
}

void spf_info_clear(struct spf_info *info)
{
	if (!info)
		return;
	g_free(info->explanation);
	g_free(info->mechanism);
	g_free(info->problem);
	memset(info, 0, sizeof *info);
}

/* ------------------------------------------------------------------ */
/* parsing */

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_delim(unsigned char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	    c == '_' || c == '=';
}

static bool span_ieq(const char *p, size_t n, const char *word)
{
	size_t wl = strlen(word);
	return n == wl && g_ascii_strncasecmp(p, word, n) == 0;
}

/*
 * Check a macro-string (RFC 7208 7.1).  exp: the letters c r t are
 * allowed.  *last_macro_end: offset just past the last macro-expand
 * ("%{...}"), 0 when none.
 */
static bool macro_check(const char *s, size_t n, bool exp, size_t *last_macro_end,
    char *err, size_t errlen)
{
	size_t lme = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '%') {
			if (c < 0x21 || c > 0x7e) {
				snprintf(err, errlen, "invalid character 0x%02x", c);
				return false;
			}
			continue;
		}
		if (i + 1 >= n) {
			snprintf(err, errlen, "'%%' at end of macro-string");
			return false;
		}
		unsigned char m = (unsigned char)s[i + 1];
		if (m == '%' || m == '_' || m == '-') {
			i++;
			continue;
		}
		if (m != '{') {
			snprintf(err, errlen, "invalid macro '%%%c'", m);
			return false;
		}
		size_t j = i + 2;
		if (j >= n) {
			snprintf(err, errlen, "unterminated macro");
			return false;
		}
		unsigned char l = (unsigned char)g_ascii_tolower(s[j]);
		if (!strchr("slodiphv", l) || l == 0) {
			if (!(exp && l && strchr("crt", l))) {
				snprintf(err, errlen, "invalid macro letter '%c'",
				    s[j]);
				return false;
			}
		}
		j++;
		size_t digits = 0;
		bool zero = true;
		while (j < n && is_digit((unsigned char)s[j])) {
			if (s[j] != '0')
				zero = false;
			digits++;
			j++;
		}
		if (digits && zero) {
			snprintf(err, errlen, "macro with zero parts");
			return false;
		}
		if (j < n && (s[j] == 'r' || s[j] == 'R'))
			j++;
		while (j < n && is_delim((unsigned char)s[j]))
			j++;
		if (j >= n || s[j] != '}') {
			snprintf(err, errlen, "malformed macro");
			return false;
		}
		i = j;
		lme = j + 1;
	}
	if (last_macro_end)
		*last_macro_end = lme;
	return true;
}

static bool toplabel_ok(const char *p, size_t n)
{
	if (n == 0 || !is_alnum((unsigned char)p[0]) ||
	    !is_alnum((unsigned char)p[n - 1]))
		return false;
	bool alpha = false, dash = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (is_alpha(c))
			alpha = true;
		else if (c == '-')
			dash = true;
		else if (!is_digit(c))
			return false;
	}
	return alpha || dash;
}

/* domain-spec = macro-string domain-end (RFC 7208 7.1) */
static bool domain_spec_check(const char *s, size_t n, char *err,
    size_t errlen)
{
	size_t lme = 0;
	if (n == 0) {
		snprintf(err, errlen, "empty domain-spec");
		return false;
	}
	if (!macro_check(s, n, false, &lme, err, errlen))
		return false;
	if (lme == n)
		return true;	/* ends with a macro-expand */
	size_t end = n;
	if (s[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > lme && s[dot - 1] != '.')
		dot--;
	if (dot <= lme || dot == 0 ||
	    !toplabel_ok(s + dot, end - dot)) {
		snprintf(err, errlen, "invalid domain-spec '%.*s'",
		    (int)(n > 200 ? 200 : n), s);
		return false;
	}
	return true;
}

/* "/" ("0" / %x31-39 0*nDIGIT), value <= max */
static bool cidr_parse(const char *p, size_t n, int max, int *out)
{
	if (n == 0 || n > 3)
		return false;
	if (p[0] == '0' && n > 1)
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool addr_parse(int af, const char *p, size_t n, unsigned char *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(af, buf, out) == 1;
}

/* Split "rest" of a/mx into domain-spec and dual-cidr. */
static bool dual_cidr_split(const char *p, size_t n, size_t *spec_len,
    int *c4, int *c6)
{
	*c4 = *c6 = -1;
	/* "//" ip6-cidr at the end */
	size_t i = n;
	while (i > 0 && is_digit((unsigned char)p[i - 1]))
		i--;
	if (i < n && i >= 2 && p[i - 1] == '/' && p[i - 2] == '/') {
		if (!cidr_parse(p + i, n - i, 128, c6))
			return false;
		n = i - 2;
	}
	i = n;
	while (i > 0 && is_digit((unsigned char)p[i - 1]))
		i--;
	if (i < n && i >= 1 && p[i - 1] == '/') {
		if (!cidr_parse(p + i, n - i, 32, c4))
			return false;
		n = i - 1;
	}
	*spec_len = n;
	return true;
}

static bool term_parse(const char *t, size_t n, struct spf_record *rec,
    GArray *terms, char *err, size_t errlen)
{
	size_t i = 0;
	char qual = 0;
	if (n && strchr("+-~?", t[0])) {
		qual = t[0];
		i = 1;
	}
	size_t ns = i;
	if (i < n && is_alpha((unsigned char)t[i])) {
		i++;
		while (i < n && (is_alnum((unsigned char)t[i]) ||
		    t[i] == '-' || t[i] == '_' || t[i] == '.'))
			i++;
	}
	size_t nl = i - ns;
	if (nl == 0) {
		snprintf(err, errlen, "invalid term '%.*s'",
		    (int)(n > 200 ? 200 : n), t);
		return false;
	}
	const char *name = t + ns;
	const char *rest = t + i;
	size_t rl = n - i;

	if (rl && rest[0] == '=') {
		if (qual) {
			snprintf(err, errlen, "qualifier on modifier '%.*s'",
			    (int)(n > 200 ? 200 : n), t);
			return false;
		}
		const char *v = rest + 1;
		size_t vl = rl - 1;
		char **slot = NULL;
		if (span_ieq(name, nl, "redirect"))
			slot = &rec->redirect;
		else if (span_ieq(name, nl, "exp"))
			slot = &rec->exp;
		if (slot) {
			if (*slot) {
				snprintf(err, errlen, "duplicate %.*s=",
				    (int)nl, name);
				return false;
			}
			if (!domain_spec_check(v, vl, err, errlen))
				return false;
			*slot = g_strndup(v, vl);
			return true;
		}
		/* unknown modifier: ignored, but must be a macro-string */
		return macro_check(v, vl, false, NULL, err, errlen);
	}

	struct spf_term term;
	memset(&term, 0, sizeof term);
	term.qualifier = qual ? qual : '+';
	term.cidr4 = term.cidr6 = -1;
	bool ok = true;
	if (span_ieq(name, nl, "all")) {
		term.mech = MECH_ALL;
		ok = rl == 0;
	} else if (span_ieq(name, nl, "include") ||
	    span_ieq(name, nl, "exists")) {
		term.mech = span_ieq(name, nl, "include") ? MECH_INCLUDE :
		    MECH_EXISTS;
		ok = rl > 1 && rest[0] == ':' &&
		    domain_spec_check(rest + 1, rl - 1, err, errlen);
		if (ok)
			term.spec = g_strndup(rest + 1, rl - 1);
		else if (!*err)
			snprintf(err, errlen, "%.*s needs a domain",
			    (int)nl, name);
	} else if (span_ieq(name, nl, "a") || span_ieq(name, nl, "mx")) {
		term.mech = span_ieq(name, nl, "a") ? MECH_A : MECH_MX;
		size_t sl = 0;
		ok = dual_cidr_split(rest, rl, &sl, &term.cidr4, &term.cidr6);
		if (!ok)
			snprintf(err, errlen, "invalid CIDR length in '%.*s'",
			    (int)(n > 200 ? 200 : n), t);
		else if (sl > 0) {
			ok = rest[0] == ':' && sl > 1 &&
			    domain_spec_check(rest + 1, sl - 1, err, errlen);
			if (ok)
				term.spec = g_strndup(rest + 1, sl - 1);
		}
	} else if (span_ieq(name, nl, "ptr")) {
		term.mech = MECH_PTR;
		if (rl) {
			ok = rest[0] == ':' && rl > 1 &&
			    domain_spec_check(rest + 1, rl - 1, err, errlen);
			if (ok)
				term.spec = g_strndup(rest + 1, rl - 1);
		}
	} else if (span_ieq(name, nl, "ip4") || span_ieq(name, nl, "ip6")) {
		bool v6 = span_ieq(name, nl, "ip6");
		term.mech = v6 ? MECH_IP6 : MECH_IP4;
		ok = rl > 1 && rest[0] == ':';
		if (ok) {
			const char *a = rest + 1;
			size_t al = rl - 1;
			const char *sl = memchr(a, '/', al);
			size_t addrl = sl ? (size_t)(sl - a) : al;
			ok = addr_parse(v6 ? AF_INET6 : AF_INET, a, addrl,
			    term.addr);
			if (ok && sl) {
				int c = -1;
				ok = cidr_parse(sl + 1, al - addrl - 1,
				    v6 ? 128 : 32, &c);
				if (v6)
					term.cidr6 = c;
				else
					term.cidr4 = c;
			}
		}
		if (!ok)
			snprintf(err, errlen, "invalid %.*s '%.*s'", (int)nl,
			    name, (int)(n > 200 ? 200 : n), t);
	} else {
		snprintf(err, errlen, "unknown mechanism '%.*s'",
		    (int)(n > 200 ? 200 : n), t);
		return false;
	}
	if (!ok) {
		if (!*err)
			snprintf(err, errlen, "invalid term '%.*s'",
			    (int)(n > 200 ? 200 : n), t);
		g_free(term.spec);
		return false;
	}
	term.text = g_strndup(t, n);
	g_array_append_val(terms, term);
	return true;
}

void spf_record_free(struct spf_record *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++) {
		g_free(rec->terms[i].spec);
		g_free(rec->terms[i].text);
	}
	g_free(rec->terms);
	g_free(rec->redirect);
	g_free(rec->exp);
	g_free(rec);
}

size_t spf_record_terms(const struct spf_record *rec)
{
	return rec ? rec->n : 0;
}

/* "v=spf1" followed by a space or the end (RFC 7208 4.5) */
static bool spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && g_ascii_strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (len == 6 || txt[6] == ' ');
}

bool spf_record_parse(const char *txt, size_t len, struct spf_record **out,
    char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	*out = NULL;
	if (!txt || !spf_is_record(txt, len)) {
		snprintf(err, errlen, "not an SPF record");
		return false;
	}
	struct spf_record *rec = g_new0(struct spf_record, 1);
	GArray *terms = g_array_new(FALSE, TRUE, sizeof(struct spf_term));
	size_t i = 6;
	bool ok = true;
	while (ok && i < len) {
		if (txt[i] == ' ') {
			i++;
			continue;
		}
		size_t s = i;
		while (i < len && txt[i] != ' ')
			i++;
		ok = term_parse(txt + s, i - s, rec, terms, err, errlen);
	}
	rec->n = terms->len;
	rec->terms = (struct spf_term *)(void *)g_array_free(terms, FALSE);
	if (!ok) {
		spf_record_free(rec);
		return false;
	}
	*out = rec;
	return true;
}

/* ------------------------------------------------------------------ */
/* evaluation state */

struct spf_eval {
	struct dns_ctx *dns;
	int af;				/* AF_INET or AF_INET6 */
	unsigned char ip[16];		/* IPv4: first 4 bytes */
	char *ip_i;			/* %{i} */
	char *ip_c;			/* %{c} */
	char *sender;			/* %{s} */
	char *local;			/* %{l} */
	char *sender_domain;		/* %{o} */
	char *helo;			/* %{h} */
	char *ptr_name;			/* %{p}, computed once */
	unsigned lookups;
	unsigned voids;
	char *problem;
	char *mechanism;
};

static enum spf_result spf_perm(struct spf_eval *ev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static enum spf_result spf_perm(struct spf_eval *ev, const char *fmt, ...)
{
	if (!ev->problem) {
		va_list ap;
		va_start(ap, fmt);
		ev->problem = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return SPF_RESULT_PERMERROR;
}

static enum spf_result spf_temp(struct spf_eval *ev, const char *what,
    const char *name)
{
	if (!ev->problem)
		ev->problem = g_strdup_printf("DNS %s for %s", what, name);
	return SPF_RESULT_TEMPERROR;
}

/* Names with an empty or over-long label are not queried (no match). */
static bool name_queryable(const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (++label > 63) {
			return false;
		}
	}
	return label > 0;
}

/*
 * One query.  SPF_RESULT_NONE: *out is set (status OK, NXDOMAIN or
 * NODATA; for an unqueryable name, an empty NXDOMAIN answer).  Otherwise
 * the error to return (temperror, or permerror for the void limit).
 */
static enum spf_result spf_dns(struct spf_eval *ev, const char *name,
    enum dns_type type, bool count_void, struct dns_answer **out)
{
	*out = NULL;
	if (!name_queryable(name)) {
		*out = g_new0(struct dns_answer, 1);
		(*out)->status = DNS_NXDOMAIN;
		return SPF_RESULT_NONE;
	}
	struct dns_answer *a = dns_lookup(ev->dns, name, type);
	switch (a->status) {
	case DNS_OK:
		*out = a;
		return SPF_RESULT_NONE;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
	case DNS_BADNAME:
		*out = a;
		if (count_void && ++ev->voids > SPF_MAX_VOID) {
			dns_answer_free(a);
			*out = NULL;
			return spf_perm(ev, "void lookup limit of %d exceeded",
			    SPF_MAX_VOID);
		}
		return SPF_RESULT_NONE;
	case DNS_TEMPFAIL:
		dns_answer_free(a);
		return spf_temp(ev, "error", name);
	case DNS_BUDGET:
		dns_answer_free(a);
		return spf_temp(ev, "budget spent", name);
	}
	dns_answer_free(a);
	return spf_temp(ev, "error", name);
}

static enum spf_result spf_count_lookup(struct spf_eval *ev)
{
	if (++ev->lookups > SPF_MAX_LOOKUPS)
		return spf_perm(ev, "more than %d DNS lookups",
		    SPF_MAX_LOOKUPS);
	return SPF_RESULT_NONE;
}

static bool ip_match(const unsigned char *a, const unsigned char *b,
    int bits)
{
	int full = bits / 8, rem = bits % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rem) {
		unsigned char mask = (unsigned char)(0xff << (8 - rem));
		return (a[full] & mask) == (b[full] & mask);
	}
	return true;
}

/* Does an A/AAAA answer contain the client (with the CIDR length)? */
static bool answer_match(const struct spf_eval *ev,
    const struct dns_answer *a, int cidr4, int cidr6)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];
		if (ev->af == AF_INET && rr->type == DNS_T_A) {
			if (ip_match(ev->ip, (const unsigned char *)&rr->u.a,
			    cidr4 < 0 ? 32 : cidr4))
				return true;
		} else if (ev->af == AF_INET6 && rr->type == DNS_T_AAAA) {
			if (ip_match(ev->ip, rr->u.aaaa.s6_addr,
			    cidr6 < 0 ? 128 : cidr6))
				return true;
		}
	}
	return false;
}

static enum dns_type addr_type(const struct spf_eval *ev)
{
	return ev->af == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* ------------------------------------------------------------------ */
/* macros */

static void url_escape(GString *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			g_string_append_c(out, (char)c);
		else
			g_string_append_printf(out, "%%%02X", c);
	}
}

static char *reverse_name(const struct spf_eval *ev)
{
	GString *g = g_string_new(NULL);
	if (ev->af == AF_INET) {
		g_string_printf(g, "%u.%u.%u.%u.in-addr.arpa", ev->ip[3],
		    ev->ip[2], ev->ip[1], ev->ip[0]);
	} else {
		static const char hex[] = "0123456789abcdef";
		for (int i = 15; i >= 0; i--) {
			g_string_append_c(g, hex[ev->ip[i] & 0xf]);
			g_string_append_c(g, '.');
			g_string_append_c(g, hex[ev->ip[i] >> 4]);
			g_string_append_c(g, '.');
		}
		g_string_append(g, "ip6.arpa");
	}
	return g_string_free(g, FALSE);
}

static bool name_eq(const char *a, const char *b)
{
	size_t al = strlen(a), bl = strlen(b);
	if (al && a[al - 1] == '.')
		al--;
	if (bl && b[bl - 1] == '.')
		bl--;
	return al == bl && g_ascii_strncasecmp(a, b, al) == 0;
}

/* a is b or a subdomain of b */
static bool name_under(const char *a, const char *b)
{
	size_t al = strlen(a), bl = strlen(b);
	if (al && a[al - 1] == '.')
		al--;
	if (bl && b[bl - 1] == '.')
		bl--;
	if (al == bl)
		return g_ascii_strncasecmp(a, b, al) == 0;
	return al > bl && a[al - bl - 1] == '.' &&
	    g_ascii_strncasecmp(a + al - bl, b, bl) == 0;
}

/*
 * The validated names of the client (RFC 7208 5.5): PTR names (at most
 * 10) whose A/AAAA records contain the client.  Returns SPF_RESULT_NONE
 * and a list (possibly empty), or the error of the void limit.  DNS
 * errors make the mechanism not match (no error).
 */
static enum spf_result validated_names(struct spf_eval *ev, bool count_void,
    GPtrArray **out)
{
	*out = g_ptr_array_new_with_free_func(g_free);
	char *rev = reverse_name(ev);
	struct dns_answer *pa = NULL;
	enum spf_result r = spf_dns(ev, rev, DNS_T_PTR, count_void, &pa);
	g_free(rev);
	if (r == SPF_RESULT_TEMPERROR) {
		g_free(ev->problem);
		ev->problem = NULL;
		return SPF_RESULT_NONE;
	}
	if (r != SPF_RESULT_NONE)
		return r;
	size_t seen = 0;
	for (size_t i = 0; i < pa->n && seen < SPF_MAX_PTR; i++) {
		if (pa->rr[i].type != DNS_T_PTR)
			continue;
		seen++;
		const char *host = pa->rr[i].u.ptr;
		struct dns_answer *aa = NULL;
		r = spf_dns(ev, host, addr_type(ev), count_void, &aa);
		if (r == SPF_RESULT_TEMPERROR) {
			g_free(ev->problem);
			ev->problem = NULL;
			continue;
		}
		if (r != SPF_RESULT_NONE) {
			dns_answer_free(pa);
			return r;
		}
		if (answer_match(ev, aa, -1, -1))
			g_ptr_array_add(*out, g_strdup(host));
		dns_answer_free(aa);
	}
	dns_answer_free(pa);
	return SPF_RESULT_NONE;
}

static const char *macro_p(struct spf_eval *ev, const char *domain)
{
	if (ev->ptr_name)
		return ev->ptr_name;
	GPtrArray *names = NULL;
	unsigned voids = ev->voids;
	char *problem = ev->problem;
	ev->problem = NULL;
	(void)validated_names(ev, false, &names);
	g_free(ev->problem);
	ev->problem = problem;
	ev->voids = voids;
	const char *best = NULL;
	for (guint i = 0; i < names->len && !best; i++)
		if (name_eq(names->pdata[i], domain))
			best = names->pdata[i];
	for (guint i = 0; i < names->len && !best; i++)
		if (name_under(names->pdata[i], domain))
			best = names->pdata[i];
	if (!best && names->len)
		best = names->pdata[0];
	ev->ptr_name = g_strdup(best ? best : "unknown");
	size_t l = strlen(ev->ptr_name);
	if (l > 1 && ev->ptr_name[l - 1] == '.')
		ev->ptr_name[l - 1] = '\0';
	g_ptr_array_free(names, TRUE);
	return ev->ptr_name;
}

/* Apply transformers: split on delimiters, reverse, keep right-most n. */
static void macro_transform(GString *out, const char *val, size_t digits,
    bool reverse, const char *delims, size_t ndelims, bool escape)
{
	GPtrArray *parts = g_ptr_array_new();
	size_t vl = strlen(val);
	size_t s = 0;
	for (size_t i = 0; i <= vl; i++) {
		bool d = i == vl;
		if (!d) {
			if (ndelims == 0)
				d = val[i] == '.';
			else
				d = memchr(delims, val[i], ndelims) != NULL;
		}
		if (d) {
			g_ptr_array_add(parts, g_strndup(val + s, i - s));
			s = i + 1;
		}
	}
	if (reverse) {
		for (guint i = 0, j = parts->len ? parts->len - 1 : 0; i < j;
		    i++, j--) {
			gpointer t = parts->pdata[i];
			parts->pdata[i] = parts->pdata[j];
			parts->pdata[j] = t;
		}
	}
	guint start = 0;
	if (digits && digits < parts->len)
		start = parts->len - (guint)digits;
	GString *joined = g_string_new(NULL);
	for (guint i = start; i < parts->len; i++) {
		if (i > start)
			g_string_append_c(joined, '.');
		g_string_append(joined, parts->pdata[i]);
	}
	if (escape)
		url_escape(out, joined->str, joined->len);
	else
		g_string_append_len(out, joined->str, (gssize)joined->len);
	g_string_free(joined, TRUE);
	for (guint i = 0; i < parts->len; i++)
		g_free(parts->pdata[i]);
	g_ptr_array_free(parts, TRUE);
}

/* Expand a checked macro-string; false on a syntax error. */
static bool macro_expand(struct spf_eval *ev, const char *s, size_t n,
    const char *domain, bool exp, GString *out)
{
	char err[8];
	if (!macro_check(s, n, exp, NULL, err, sizeof err))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			g_string_append_c(out, s[i]);
			continue;
		}
		char m = s[++i];
		if (m == '%') {
			g_string_append_c(out, '%');
			continue;
		}
		if (m == '_') {
			g_string_append_c(out, ' ');
			continue;
		}
		if (m == '-') {
			g_string_append(out, "%20");
			continue;
		}
		/* "%{" letter digits [r] delims "}": i is at the '{' */
		i++;
		char letter = s[i++];
		size_t digits = 0;
		while (is_digit((unsigned char)s[i])) {
			if (digits < 1000)
				digits = digits * 10 + (size_t)(s[i] - '0');
			i++;
		}
		bool reverse = false;
		if (s[i] == 'r' || s[i] == 'R') {
			reverse = true;
			i++;
		}
		size_t ds = i;
		while (s[i] != '}')
			i++;
		const char *val = "";
		char tbuf[32];
		switch (g_ascii_tolower(letter)) {
		case 's': val = ev->sender; break;
		case 'l': val = ev->local; break;
		case 'o': val = ev->sender_domain; break;
		case 'd': val = domain; break;
		case 'i': val = ev->ip_i; break;
		case 'p': val = macro_p(ev, domain); break;
		case 'v': val = ev->af == AF_INET ? "in-addr" : "ip6"; break;
		case 'h': val = ev->helo; break;
		case 'c': val = ev->ip_c; break;
		case 'r': val = "unknown"; break;
		case 't':
			snprintf(tbuf, sizeof tbuf, "%lld",
			    (long long)time(NULL));
			val = tbuf;
			break;
		default: break;
		}
		macro_transform(out, val, digits, reverse, s + ds, i - ds,
		    g_ascii_isupper(letter));
	}
	return true;
}

/* Expand a domain-spec to a name to query (RFC 7208 7.3: <= 253). */
static char *expand_domain(struct spf_eval *ev, const char *spec,
    const char *domain)
{
	GString *g = g_string_new(NULL);
	if (!macro_expand(ev, spec, strlen(spec), domain, false, g)) {
		g_string_free(g, TRUE);
		return NULL;
	}
	if (g->len && g->str[g->len - 1] == '.')
		g_string_truncate(g, g->len - 1);
	while (g->len > 253) {
		const char *dot = memchr(g->str, '.', g->len);
		if (!dot) {
			g_string_truncate(g, 0);
			break;
		}
		g_string_erase(g, 0, dot - g->str + 1);
	}
	return g_string_free(g, FALSE);
}

/* ------------------------------------------------------------------ */
/* check_host */

static enum spf_result check_host(struct spf_eval *ev, const char *domain,
    int depth, bool want_exp, char **exp_out, bool top);

/*
 * The SPF record of a domain: SPF_RESULT_NONE and *rec set when found,
 * SPF_RESULT_NONE and *rec NULL when there is none, else the error.
 */
static enum spf_result fetch_record(struct spf_eval *ev, const char *domain,
    struct spf_record **rec)
{
	*rec = NULL;
	struct dns_answer *a = NULL;
	enum spf_result r = spf_dns(ev, domain, DNS_T_TXT, true, &a);
	if (r != SPF_RESULT_NONE)
		return r;
	const struct dns_rr *found = NULL;
	size_t count = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];
		if (rr->type == DNS_T_TXT &&
		    spf_is_record(rr->u.txt.data, rr->u.txt.len)) {
			count++;
			found = rr;
		}
	}
	if (count == 0) {
		dns_answer_free(a);
		if (!ev->problem)
			ev->problem = g_strdup_printf("no SPF record for %s",
			    domain);
		return SPF_RESULT_NONE;		/* *rec NULL: no record */
	}
	if (count > 1) {
		dns_answer_free(a);
		return spf_perm(ev, "more than one SPF record for %s", domain);
	}
	char err[256];
	if (!spf_record_parse(found->u.txt.data, found->u.txt.len, rec, err,
	    sizeof err)) {
		dns_answer_free(a);
		return spf_perm(ev, "%s: %s", domain, err);
	}
	dns_answer_free(a);
	return SPF_RESULT_NONE;
}

static char *explanation(struct spf_eval *ev, const struct spf_record *rec,
    const char *domain)
{
	if (!rec->exp)
		return NULL;
	char *name = expand_domain(ev, rec->exp, domain);
	if (!name || !name_queryable(name)) {
		g_free(name);
		return NULL;
	}
	struct dns_answer *a = NULL;
	char *problem = ev->problem;
	ev->problem = NULL;
	enum spf_result r = spf_dns(ev, name, DNS_T_TXT, false, &a);
	g_free(ev->problem);
	ev->problem = problem;
	g_free(name);
	if (r != SPF_RESULT_NONE)
		return NULL;
	char *out = NULL;
	if (a->status == DNS_OK && a->n == 1 && a->rr[0].type == DNS_T_TXT &&
	    memchr(a->rr[0].u.txt.data, '\0', a->rr[0].u.txt.len) == NULL) {
		GString *g = g_string_new(NULL);
		const char *t = a->rr[0].u.txt.data;
		size_t tl = a->rr[0].u.txt.len;
		/* explain-string = *( macro-string / SP ): expand by words */
		bool ok = true;
		size_t i = 0;
		while (ok && i < tl) {
			if (t[i] == ' ') {
				g_string_append_c(g, ' ');
				i++;
				continue;
			}
			size_t s = i;
			while (i < tl && t[i] != ' ')
				i++;
			ok = macro_expand(ev, t + s, i - s, domain, true, g);
		}
		if (ok)
			out = g_string_free(g, FALSE);
		else
			g_string_free(g, TRUE);
	}
	dns_answer_free(a);
	return out;
}

static enum spf_result qualifier_result(char q)
{
	switch (q) {
	case '-': return SPF_RESULT_FAIL;
	case '~': return SPF_RESULT_SOFTFAIL;
	case '?': return SPF_RESULT_NEUTRAL;
	default: return SPF_RESULT_PASS;
	}
}

/*
 * Evaluate one mechanism: SPF_RESULT_PASS = match, SPF_RESULT_NONE = no
 * match, else the error.
 */
static enum spf_result mech_eval(struct spf_eval *ev,
    const struct spf_term *t, const char *domain, int depth)
{
	enum spf_result r;
	char *target = NULL;
	struct dns_answer *a = NULL;

	switch (t->mech) {
	case MECH_ALL:
		return SPF_RESULT_PASS;
	case MECH_IP4:
		if (ev->af != AF_INET)
			return SPF_RESULT_NONE;
		return ip_match(ev->ip, t->addr, t->cidr4 < 0 ? 32 : t->cidr4) ?
		    SPF_RESULT_PASS : SPF_RESULT_NONE;
	case MECH_IP6:
		if (ev->af != AF_INET6)
			return SPF_RESULT_NONE;
		return ip_match(ev->ip, t->addr, t->cidr6 < 0 ? 128 : t->cidr6) ?
		    SPF_RESULT_PASS : SPF_RESULT_NONE;
	case MECH_INCLUDE:
	case MECH_A:
	case MECH_MX:
	case MECH_PTR:
	case MECH_EXISTS:
		break;
	}

	if ((r = spf_count_lookup(ev)) != SPF_RESULT_NONE)
		return r;
	target = t->spec ? expand_domain(ev, t->spec, domain) :
	    g_strdup(domain);
	if (!target)
		return spf_perm(ev, "macro error in '%s'", t->text);

	switch (t->mech) {
	case MECH_INCLUDE: {
		r = check_host(ev, target, depth + 1, false, NULL, false);
		g_free(target);
		switch (r) {
		case SPF_RESULT_PASS:
			return SPF_RESULT_PASS;
		case SPF_RESULT_FAIL:
		case SPF_RESULT_SOFTFAIL:
		case SPF_RESULT_NEUTRAL:
			return SPF_RESULT_NONE;
		case SPF_RESULT_TEMPERROR:
			return r;
		case SPF_RESULT_NONE:
			g_free(ev->problem);
			ev->problem = NULL;
			return spf_perm(ev, "include of a domain without SPF "
			    "record: '%s'", t->text);
		case SPF_RESULT_PERMERROR:
			return r;
		}
		return SPF_RESULT_PERMERROR;
	}
	case MECH_A:
		r = spf_dns(ev, target, addr_type(ev), true, &a);
		g_free(target);
		if (r != SPF_RESULT_NONE)
			return r;
		r = answer_match(ev, a, t->cidr4, t->cidr6) ? SPF_RESULT_PASS :
		    SPF_RESULT_NONE;
		dns_answer_free(a);
		return r;
	case MECH_EXISTS:
		r = spf_dns(ev, target, DNS_T_A, true, &a);
		g_free(target);
		if (r != SPF_RESULT_NONE)
			return r;
		r = a->status == DNS_OK && a->n ? SPF_RESULT_PASS :
		    SPF_RESULT_NONE;
		dns_answer_free(a);
		return r;
	case MECH_MX: {
		r = spf_dns(ev, target, DNS_T_MX, true, &a);
		g_free(target);
		if (r != SPF_RESULT_NONE)
			return r;
		size_t nmx = 0;
		for (size_t i = 0; i < a->n; i++)
			if (a->rr[i].type == DNS_T_MX)
				nmx++;
		if (nmx > SPF_MAX_MX) {
			dns_answer_free(a);
			return spf_perm(ev, "more than %d MX records for '%s'",
			    SPF_MAX_MX, t->text);
		}
		r = SPF_RESULT_NONE;
		for (size_t i = 0; i < a->n && r == SPF_RESULT_NONE; i++) {
			if (a->rr[i].type != DNS_T_MX)
				continue;
			const char *host = a->rr[i].u.mx.host;
			if (!host || !*host || !strcmp(host, "."))
				continue;
			struct dns_answer *aa = NULL;
			r = spf_dns(ev, host, addr_type(ev), true, &aa);
			if (r != SPF_RESULT_NONE)
				break;
			if (answer_match(ev, aa, t->cidr4, t->cidr6))
				r = SPF_RESULT_PASS;
			dns_answer_free(aa);
		}
		dns_answer_free(a);
		return r;
	}
	case MECH_PTR: {
		GPtrArray *names = NULL;
		r = validated_names(ev, true, &names);
		if (r == SPF_RESULT_NONE) {
			for (guint i = 0; i < names->len; i++)
				if (name_under(names->pdata[i], target)) {
					r = SPF_RESULT_PASS;
					break;
				}
		}
		g_ptr_array_free(names, TRUE);
		g_free(target);
		return r;
	}
	case MECH_ALL:
	case MECH_IP4:
	case MECH_IP6:
		break;
	}
	g_free(target);
	return SPF_RESULT_NONE;
}

static enum spf_result check_host(struct spf_eval *ev, const char *domain,
    int depth, bool want_exp, char **exp_out, bool top)
{
	if (depth > SPF_MAX_DEPTH)
		return spf_perm(ev, "SPF recursion too deep");
	struct spf_record *rec = NULL;
	enum spf_result r = fetch_record(ev, domain, &rec);
	if (r != SPF_RESULT_NONE)
		return r;
	if (!rec)
		return SPF_RESULT_NONE;

	for (size_t i = 0; i < rec->n; i++) {
		const struct spf_term *t = &rec->terms[i];
		r = mech_eval(ev, t, domain, depth);
		if (r == SPF_RESULT_NONE)
			continue;
		if (r == SPF_RESULT_PASS) {
			r = qualifier_result(t->qualifier);
			if (top) {
				g_free(ev->mechanism);
				ev->mechanism = g_strdup(t->text);
			}
			if (r == SPF_RESULT_FAIL && want_exp && exp_out)
				*exp_out = explanation(ev, rec, domain);
		}
		spf_record_free(rec);
		return r;
	}

	if (rec->redirect) {
		if ((r = spf_count_lookup(ev)) != SPF_RESULT_NONE) {
			spf_record_free(rec);
			return r;
		}
		char *target = expand_domain(ev, rec->redirect, domain);
		spf_record_free(rec);
		if (!target)
			return spf_perm(ev, "macro error in redirect=");
		r = check_host(ev, target, depth + 1, want_exp, exp_out, false);
		if (r == SPF_RESULT_NONE) {
			g_free(ev->problem);
			ev->problem = NULL;
			r = spf_perm(ev, "redirect to %s: no SPF record", target);
		}
		if (top && !ev->mechanism)
			ev->mechanism = g_strdup_printf("redirect=%s", target);
		g_free(target);
		return r;
	}
	spf_record_free(rec);
	if (top)
		ev->mechanism = g_strdup("default");
	return SPF_RESULT_NEUTRAL;
}

/* RFC 7208 4.3: a malformed or single-label domain gives none. */
static bool domain_ok(const char *d)
{
	if (!name_queryable(d))
		return false;
	bool dot = false;
	size_t n = strlen(d);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']')
			return false;
		if (c == '.' && i + 1 < n)
			dot = true;
	}
	return dot;
}

/*
 * %{i} of an IPv6 client: 32 dot-separated nibbles.  Upper-case hex, as
 * pyspf and the openspf suite (v-macro-ip6) expect; DNS does not care.
 */
static char *ip_nibbles(const unsigned char *ip)
{
	static const char hex[] = "0123456789ABCDEF";
	GString *g = g_string_new(NULL);
	for (int i = 0; i < 16; i++) {
		if (i)
			g_string_append_c(g, '.');
		g_string_append_c(g, hex[ip[i] >> 4]);
		g_string_append_c(g, '.');
		g_string_append_c(g, hex[ip[i] & 0xf]);
	}
	return g_string_free(g, FALSE);
}

enum spf_result spf_check_host(struct dns_ctx *dns, const char *ip,
    const char *domain, const char *sender, const char *helo,
    struct spf_info *out)
{
	struct spf_eval ev;
	memset(&ev, 0, sizeof ev);
	ev.dns = dns;
	enum spf_result r;
	char *exp = NULL;

	if (out)
		memset(out, 0, sizeof *out);
	unsigned char buf[16];
	if (ip && inet_pton(AF_INET, ip, buf) == 1) {
		ev.af = AF_INET;
		memcpy(ev.ip, buf, 4);
	} else if (ip && inet_pton(AF_INET6, ip, buf) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(buf, mapped, 12) == 0) {
			ev.af = AF_INET;
			memcpy(ev.ip, buf + 12, 4);
		} else {
			ev.af = AF_INET6;
			memcpy(ev.ip, buf, 16);
		}
	} else {
		if (out)
			out->problem = g_strdup("invalid client IP address");
		return SPF_RESULT_PERMERROR;
	}
	char cbuf[INET6_ADDRSTRLEN];
	inet_ntop(ev.af, ev.ip, cbuf, sizeof cbuf);
	ev.ip_c = g_strdup(cbuf);
	ev.ip_i = ev.af == AF_INET ? g_strdup(cbuf) : ip_nibbles(ev.ip);

	if (!domain)
		domain = "";
	if (!sender || !*sender)
		ev.sender = g_strconcat("postmaster@", domain, NULL);
	else
		ev.sender = g_strdup(sender);
	const char *at = strrchr(ev.sender, '@');
	if (at) {
		ev.local = at == ev.sender ? g_strdup("postmaster") :
		    g_strndup(ev.sender, (gsize)(at - ev.sender));
		ev.sender_domain = g_strdup(at + 1);
	} else {
		ev.local = g_strdup("postmaster");
		ev.sender_domain = g_strdup(ev.sender);
	}
	ev.helo = g_strdup(helo ? helo : "");

	char *d = g_strdup(domain);
	size_t dl = strlen(d);
	if (dl > 1 && d[dl - 1] == '.')
		d[dl - 1] = '\0';
	if (!domain_ok(d)) {
		r = SPF_RESULT_NONE;
		ev.problem = g_strdup_printf("invalid domain '%s'", d);
	} else {
		r = check_host(&ev, d, 0, true, &exp, true);
	}
	g_free(d);

	if (out) {
		out->mechanism = ev.mechanism;
		ev.mechanism = NULL;
		if (r == SPF_RESULT_FAIL) {
			out->explanation = exp;
			exp = NULL;
		}
		if (r == SPF_RESULT_PERMERROR || r == SPF_RESULT_TEMPERROR ||
		    r == SPF_RESULT_NONE) {
			out->problem = ev.problem;
			ev.problem = NULL;
		}
	}
	g_free(exp);
	g_free(ev.mechanism);
	g_free(ev.problem);
	g_free(ev.ip_i);
	g_free(ev.ip_c);
	g_free(ev.sender);
	g_free(ev.local);
	g_free(ev.sender_domain);
	g_free(ev.helo);
	g_free(ev.ptr_name);
	return r;
}
