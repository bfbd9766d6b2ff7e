/*
 * dnsbl.c - DNS blocklists: zone strings, query names, answers, networks,
 * SpamAssassin's sub-tests (dnsbl.h).  Pure functions: no network, no
 * global state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <glib.h>

#include "spam/dnsbl.h"

#define CODE(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	((uint32_t)(c) << 8) | (uint32_t)(d))

bool
dnsbl_code_refused(uint32_t code)
{
	return code == CODE(127, 255, 255, 252) || code == CODE(127, 255, 255, 254) ||
	    code == CODE(127, 255, 255, 255);
}

bool
dnsbl_code_in_range(uint32_t code)
{
	return (code >> 24) == 127;
}

/* ---- zone strings ---------------------------------------------------------- */

/* A dotted quad of exactly four decimal octets (no leading '+', at most
 * three digits each) at s[0..len); false otherwise. */
static bool
parse_quad(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t i = 0;

	for (int o = 0; o < 4; o++) {
		unsigned n = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (++digits > 3)
				return false;
			n = n * 10 + (unsigned)(s[i++] - '0');
		}
		if (digits == 0 || n > 255)
			return false;
		v = (v << 8) | n;
		if (o < 3) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	if (i != len)
		return false;
	*out = v;
	return true;
}

/* One decimal octet (1-3 digits) at s[0..len). */
static bool
parse_octet(const char *s, size_t len, unsigned *out)
{
	unsigned n = 0;
	if (len == 0 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (n > 255)
		return false;
	*out = n;
	return true;
}

/* CODE at s[0..len): "A.B.C.D", "A.B.C.D-E" or "A.B.C.D-A.B.C.D". */
static bool
parse_code(const char *s, size_t len, uint32_t *lo, uint32_t *hi, char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	size_t l1 = dash != NULL ? (size_t)(dash - s) : len;

	if (!parse_quad(s, l1, lo)) {
		snprintf(err, errlen, "\"%.*s\" is not an address A.B.C.D", (int)l1, s);
		return false;
	}
	*hi = *lo;
	if (dash != NULL) {
		const char *r = dash + 1;
		size_t l2 = len - l1 - 1;
		unsigned last;
		if (memchr(r, '.', l2) != NULL) {
			if (!parse_quad(r, l2, hi)) {
				snprintf(err, errlen, "\"%.*s\" is not an address A.B.C.D", (int)l2, r);
				return false;
			}
		} else if (parse_octet(r, l2, &last)) {
			*hi = (*lo & 0xffffff00u) | last;
		} else {
			snprintf(err, errlen, "\"%.*s\" is not an octet (0-255) or an address",
			    (int)l2, r);
			return false;
		}
		if (*hi < *lo) {
			snprintf(err, errlen, "\"%.*s\": the range ends before it starts", (int)len, s);
			return false;
		}
	}
	if (!dnsbl_code_in_range(*lo) || !dnsbl_code_in_range(*hi)) {
		snprintf(err, errlen, "\"%.*s\": a list answers within 127.0.0.0/8", (int)len, s);
		return false;
	}
	if (*hi >= CODE(127, 255, 255, 252)) {
		snprintf(err, errlen, "\"%.*s\" includes a refused-query code "
		    "(127.255.255.252, .254, .255: errors, never hits)", (int)len, s);
		return false;
	}
	return true;
}

static bool
parse_symbol(const char *s, size_t len)
{
	if (len == 0 || len > DNSBL_SYMBOL_MAX || !(s[0] >= 'A' && s[0] <= 'Z'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* WEIGHT: [-+]digits[.digits], |w| <= DNSBL_WEIGHT_MAX. */
static bool
parse_weight(const char *s, size_t len, double *out)
{
	char buf[32];
	size_t i = 0, digits = 0;

	if (len == 0 || len >= sizeof(buf))
		return false;
	if (s[i] == '-' || s[i] == '+')
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (i != len || digits == 0)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	double w = g_ascii_strtod(buf, NULL);
	if (!isfinite(w) || fabs(w) > DNSBL_WEIGHT_MAX)
		return false;
	*out = w;
	return true;
}

/* ZONE at s[0..len): lower-cased into out, trailing dot removed. */
static bool
parse_zone_name(const char *s, size_t len, char **out, char *err, size_t errlen)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "no zone before ':'");
		return false;
	}
	if (len > DNSBL_ZONE_MAX) {
		snprintf(err, errlen, "zone longer than %d bytes", DNSBL_ZONE_MAX);
		return false;
	}
	size_t label = 0;
	bool dot = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				goto bad;
			label = 0;
			dot = true;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '-' && c != '_')
			goto bad;
		if ((label == 0 && c == '-') || ++label > 63)
			goto bad;
	}
	if (label == 0 || s[len - 1] == '-' || !dot)
		goto bad;	/* an empty last label ("a.b.."), a hyphen, one label */
	*out = g_ascii_strdown(s, (gssize)len);
	return true;
bad:
	snprintf(err, errlen, "\"%.*s\" is not a DNS zone such as zen.spamhaus.org",
	    (int)MIN(len, 80), s);
	return false;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
dnsbl_zone_parse(const char *spec, size_t max_len, size_t max_codes, struct dnsbl_zone *z,
    char *err, size_t errlen)
{
	if (max_len == 0)
		max_len = DNSBL_SPEC_MAX;
	if (max_codes == 0)
		max_codes = DNSBL_CODES_MAX;
	size_t len = strnlen(spec, max_len + 1);
	if (len > max_len) {
		snprintf(err, errlen, "longer than %zu bytes", max_len);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)spec[i];
		if (c < 0x20 && c != '\t') {
			snprintf(err, errlen, "control character at byte %zu", i);
			return false;
		}
		if (c >= 0x7f) {
			snprintf(err, errlen, "non-ASCII byte at byte %zu", i);
			return false;
		}
	}
	size_t p = 0;
	while (p < len && is_blank(spec[p]))
		p++;
	const char *colon = memchr(spec + p, ':', len - p);
	if (colon == NULL) {
		snprintf(err, errlen, "no ':' after the zone (ZONE: CODE=SYMBOL ...)");
		return false;
	}
	size_t zend = (size_t)(colon - spec);
	while (zend > p && is_blank(spec[zend - 1]))
		zend--;
	struct dnsbl_zone nz = { 0 };
	if (!parse_zone_name(spec + p, zend - p, &nz.zone, err, errlen))
		return false;

	GArray *codes = g_array_new(FALSE, TRUE, sizeof(struct dnsbl_code));
	p = (size_t)(colon - spec) + 1;
	for (;;) {
		while (p < len && is_blank(spec[p]))
			p++;
		if (p >= len)
			break;
		size_t s = p;
		while (p < len && !is_blank(spec[p]))
			p++;
		const char *e = spec + s;
		size_t elen = p - s;
		if (codes->len >= max_codes) {
			snprintf(err, errlen, "more than %zu CODE=SYMBOL entries", max_codes);
			goto fail;
		}
		const char *eq = memchr(e, '=', elen);
		if (eq == NULL) {
			snprintf(err, errlen, "\"%.*s\" is not CODE=SYMBOL[:WEIGHT]",
			    (int)MIN(elen, 80), e);
			goto fail;
		}
		struct dnsbl_code c = { 0 };
		char why[160];
		if (!parse_code(e, (size_t)(eq - e), &c.lo, &c.hi, why, sizeof(why))) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
		const char *sym = eq + 1;
		size_t slen = elen - (size_t)(sym - e);
		const char *colon2 = memchr(sym, ':', slen);
		size_t nlen = colon2 != NULL ? (size_t)(colon2 - sym) : slen;
		if (!parse_symbol(sym, nlen)) {
			snprintf(err, errlen, "\"%.*s\" is not a symbol name (A-Z, 0-9, _; "
			    "at most %d bytes, starting with a letter)", (int)MIN(nlen, 80), sym,
			    DNSBL_SYMBOL_MAX);
			goto fail;
		}
		if (colon2 != NULL) {
			size_t wlen = slen - nlen - 1;
			if (!parse_weight(colon2 + 1, wlen, &c.weight)) {
				snprintf(err, errlen, "\"%.*s\" is not a weight (a number in "
				    "[-100, 100])", (int)MIN(wlen, 40), colon2 + 1);
				goto fail;
			}
			c.has_weight = true;
		}
		c.symbol = g_strndup(sym, nlen);
		g_array_append_val(codes, c);
	}
	/* no entry: the zone is asked for the rule files' check_rbl only */
	nz.ncodes = codes->len;
	nz.codes = (struct dnsbl_code *)(void *)g_array_free(codes, FALSE);
	*z = nz;
	return true;
fail:
	for (size_t i = 0; i < codes->len; i++)
		g_free(g_array_index(codes, struct dnsbl_code, i).symbol);
	g_array_free(codes, TRUE);
	g_free(nz.zone);
	return false;
}

void
dnsbl_zone_clear(struct dnsbl_zone *z)
{
	if (z == NULL)
		return;
	for (size_t i = 0; i < z->ncodes; i++)
		g_free(z->codes[i].symbol);
	g_free(z->codes);
	g_free(z->zone);
	memset(z, 0, sizeof(*z));
}

size_t
dnsbl_zone_match(const struct dnsbl_zone *z, uint32_t code, size_t *idx, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < z->ncodes; i++) {
		if (code < z->codes[i].lo || code > z->codes[i].hi)
			continue;
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

/* ---- addresses ----------------------------------------------------------- */

/* Parse ip: AF_INET (4 bytes) or AF_INET6 (16); an IPv4-mapped IPv6
 * address becomes AF_INET.  0: not an address. */
static int
ip_parse(const char *ip, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	size_t len = strnlen(ip, sizeof(buf));

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, ip, len + 1);
	if (inet_pton(AF_INET, buf, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, out) != 1)
		return 0;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(out, mapped, 12) == 0) {
		memmove(out, out + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

bool
dnsbl_ip_canon(const char *ip, char *out, size_t outlen)
{
	uint8_t a[16];
	int af = ip_parse(ip, a);
	return af != 0 && inet_ntop(af, a, out, (socklen_t)outlen) != NULL;
}

bool
dnsbl_query_name(const char *ip, const char *zone, char *out, size_t outlen)
{
	uint8_t a[16];
	int af = ip_parse(ip, a);
	int n;

	if (af == AF_INET) {
		n = snprintf(out, outlen, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0], zone);
	} else if (af == AF_INET6) {
		static const char hex[] = "0123456789abcdef";
		char nib[65];
		for (int i = 0; i < 16; i++) {
			uint8_t b = a[15 - i];
			nib[i * 4] = hex[b & 0xf];
			nib[i * 4 + 1] = '.';
			nib[i * 4 + 2] = hex[b >> 4];
			nib[i * 4 + 3] = '.';
		}
		nib[64] = '\0';
		n = snprintf(out, outlen, "%s%s", nib, zone);
	} else {
		return false;
	}
	return n > 0 && (size_t)n < outlen && n <= 253;
}

static bool
prefix_match(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = (uint8_t)(0xffu << (8 - rest));
	return (a[full] & m) == (net[full] & m);
}

bool
dnsbl_net_parse(const char *s, struct dnsbl_net *n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t len = strnlen(s, sizeof(buf));
	struct dnsbl_net r = { 0 };

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len + 1);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, r.addr) == 1)
		r.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, r.addr) == 1)
		r.family = AF_INET6;
	else
		return false;
	unsigned max = r.family == AF_INET ? 32 : 128;
	r.prefix = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;
		if (*p == '\0' || strlen(p) > 3)
			return false;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return false;
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > max)
			return false;
		r.prefix = v;
	}
	/* the host bits must be zero: "10.1.2.3/8" is a mistake */
	for (unsigned bit = r.prefix; bit < max; bit++)
		if (r.addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	*n = r;
	return true;
}

bool
dnsbl_net_contains(const struct dnsbl_net *nets, size_t n, const char *ip)
{
	uint8_t a[16];
	int af = ip_parse(ip, a);
	if (af == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (nets[i].family == af && prefix_match(a, nets[i].addr, nets[i].prefix))
			return true;
	}
	return false;
}

struct reserved {
	int family;
	uint8_t addr[16];
	unsigned prefix;
};

static const struct reserved reserved[] = {
	{ AF_INET, { 0 }, 8 },				/* this network */
	{ AF_INET, { 10 }, 8 },				/* RFC 1918 */
	{ AF_INET, { 100, 64 }, 10 },			/* shared (CGN) */
	{ AF_INET, { 127 }, 8 },			/* loopback */
	{ AF_INET, { 169, 254 }, 16 },			/* link-local */
	{ AF_INET, { 172, 16 }, 12 },			/* RFC 1918 */
	{ AF_INET, { 192, 168 }, 16 },			/* RFC 1918 */
	{ AF_INET, { 224 }, 4 },			/* multicast */
	{ AF_INET, { 240 }, 4 },			/* reserved, broadcast */
	{ AF_INET6, { 0 }, 127 },			/* :: and ::1 */
	{ AF_INET6, { 0xfc }, 7 },			/* unique local */
	{ AF_INET6, { 0xfe, 0x80 }, 10 },		/* link-local */
	{ AF_INET6, { 0xff }, 8 },			/* multicast */
};

bool
dnsbl_ip_queryable(const char *ip)
{
	uint8_t a[16];
	int af = ip_parse(ip, a);
	if (af == 0)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++)
		if (reserved[i].family == af && prefix_match(a, reserved[i].addr, reserved[i].prefix))
			return false;
	return true;
}

/* ---- SpamAssassin's sub-tests ---------------------------------------------- */

#define SUBTEST_RE_MAX 1024

/* ^\d+(?:\.\d+\.\d+\.\d+)?$ : 1 (digits) or 4 (dotted), 0 otherwise */
static int
numeric_form(const char *s)
{
	int groups = 0;
	const char *p = s;
	for (;;) {
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		groups++;
		if (*p == '\0')
			break;
		if (*p != '.' || groups >= 4)
			return 0;
		p++;
	}
	return groups == 1 || groups == 4 ? groups : 0;
}

bool
dnsbl_subtest_compile(const char *s, struct dnsbl_subtest *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (s == NULL) {
		t->kind = DNSBL_SUB_ANY;
		return true;
	}
	if (strncmp(s, "sb:", 3) == 0) {
		snprintf(err, errlen, "SenderBase sub-tests (sb:) are gone (SpamAssassin ignores them)");
		return false;
	}
	int form = numeric_form(s);
	if (form == 1) {
		/* Perl reads a long digit string as a number; beyond 2^64 it
		 * is a float whose AND with a 32-bit address we do not copy */
		errno = 0;
		char *end;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno != 0 || *end != '\0') {
			snprintf(err, errlen, "bitmask \"%.40s\" out of range", s);
			return false;
		}
		t->kind = DNSBL_SUB_MASK;
		t->mask = v;
		return true;
	}
	if (form == 4) {
		t->kind = DNSBL_SUB_EXACT;
		t->text = g_strdup(s);
		return true;
	}
	size_t len = strlen(s);
	if (len > SUBTEST_RE_MAX) {
		snprintf(err, errlen, "sub-test regular expression over %d bytes", SUBTEST_RE_MAX);
		return false;
	}
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, len, PCRE2_NEVER_UTF | PCRE2_NEVER_UCP,
	    &code, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "sub-test regular expression at %zu: %s", (size_t)off,
		    (const char *)msg);
		return false;
	}
	t->kind = DNSBL_SUB_REGEX;
	t->re = re;
	return true;
}

void
dnsbl_subtest_clear(struct dnsbl_subtest *t)
{
	if (t == NULL)
		return;
	g_free(t->text);
	pcre2_code_free(t->re);
	memset(t, 0, sizeof(*t));
}

bool
dnsbl_subtest_match(const struct dnsbl_subtest *t, const char *rdata, size_t len)
{
	switch (t->kind) {
	case DNSBL_SUB_ANY:
		return true;
	case DNSBL_SUB_EXACT:
		return strlen(t->text) == len && memcmp(t->text, rdata, len) == 0;
	case DNSBL_SUB_MASK: {
		/* ^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$, then the octets packed
		 * (Perl's pack "C4" keeps the low 8 bits of each) */
		uint32_t v = 0;
		size_t i = 0;
		for (int o = 0; o < 4; o++) {
			unsigned n = 0, digits = 0;
			while (i < len && rdata[i] >= '0' && rdata[i] <= '9' && digits < 4) {
				n = n * 10 + (unsigned)(rdata[i++] - '0');
				digits++;
			}
			if (digits == 0 || digits > 3)
				return false;
			if (o == 0 && !(digits == 3 && n == 127))
				return false;
			v = (v << 8) | (n & 0xffu);
			if (o < 3) {
				if (i >= len || rdata[i] != '.')
					return false;
				i++;
			}
		}
		/* Perl's $ also matches before a final newline */
		if (!(i == len || (i + 1 == len && rdata[i] == '\n')))
			return false;
		return (v & t->mask) != 0;
	}
	case DNSBL_SUB_REGEX: {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(t->re, NULL);
		if (md == NULL)
			return false;
		int rc = pcre2_match(t->re, (PCRE2_SPTR)rdata, len, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		return rc >= 0;
	}
	}
	return false;
}
