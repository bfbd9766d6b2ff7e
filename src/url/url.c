/*
 * url.c - URLs parsed (GLib's GUri), normalised, unwrapped (url.h).
 */
#include "url/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <idn2.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "util/psl.h"

/* --- input ----------------------------------------------------------------- */

/* "http", "https", "ftp": the schemes with a host, whose backslashes
 * browsers read as slashes */
static bool
special_scheme(const char *s, size_t n)
{
	return (n == 4 && g_ascii_strncasecmp(s, "http", 4) == 0) ||
	    (n == 5 && g_ascii_strncasecmp(s, "https", 5) == 0) ||
	    (n == 3 && g_ascii_strncasecmp(s, "ftp", 3) == 0);
}

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0)
		return 443;
	if (strcmp(scheme, "ftp") == 0)
		return 21;
	return -1;
}

/*
 * The URL s[0..n) as a browser reads it, g_malloc'd: blanks around and a
 * <URL:...> or <...> wrapper dropped, tabs and line breaks inside removed,
 * "www." given "http://", and for http, https and ftp the slashes after
 * the scheme made two and backslashes before the query read as slashes.
 * NULL when nothing is left or there is no scheme.
 */
static char *
clean_input(const char *s, size_t n, bool *www)
{
	if (n > URL_MAX)
		n = URL_MAX;
	while (n > 0 && g_ascii_isspace(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && g_ascii_isspace(s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
		if (n >= 4 && g_ascii_strncasecmp(s, "URL:", 4) == 0) {
			s += 4;
			n -= 4;
		}
	}
	GString *g = g_string_sized_new(n + 8);
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\0')
			g_string_append_c(g, s[i]);
	if (g->len == 0) {
		g_string_free(g, TRUE);
		return NULL;
	}
	*www = g->len > 4 && g_ascii_strncasecmp(g->str, "www.", 4) == 0;
	if (*www)
		g_string_prepend(g, "http://");
	/* the scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	size_t k = 0;
	if (g_ascii_isalpha(g->str[0]))
		while (k < g->len && (g_ascii_isalnum(g->str[k]) || g->str[k] == '+' ||
		    g->str[k] == '-' || g->str[k] == '.'))
			k++;
	if (k == 0 || k >= g->len || g->str[k] != ':') {
		g_string_free(g, TRUE);
		return NULL;
	}
	if (special_scheme(g->str, k)) {
		size_t j = k + 1;
		while (j < g->len && (g->str[j] == '/' || g->str[j] == '\\'))
			j++;
		g_string_erase(g, (gssize)(k + 1), (gssize)(j - k - 1));
		g_string_insert(g, (gssize)(k + 1), "//");
		for (size_t i = k + 3; i < g->len && g->str[i] != '?' && g->str[i] != '#'; i++)
			if (g->str[i] == '\\')
				g->str[i] = '/';
	}
	return g_string_free(g, FALSE);
}

/* --- hosts ----------------------------------------------------------------- */

/* An IPv4 address in any notation inet_aton() takes (the forms browsers
 * take): the dotted quad in out.  Only hex digits, 'x' and dots. */
static bool
ipv4_any(const char *h, char out[INET_ADDRSTRLEN], bool *obfuscated)
{
	size_t n = strlen(h);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isxdigit(h[i]) && h[i] != '.' && h[i] != 'x' && h[i] != 'X')
			return false;
	/* a name such as "cafe.be" or "deadbeef": hex letters need a 0x */
	bool digits = true;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(h[i]) && h[i] != '.')
			digits = false;
	if (!digits) {
		/* every part must be a number: decimal, 0x-hex or octal */
		const char *p = h;
		while (*p != '\0') {
			const char *e = strchr(p, '.');
			size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
			bool hex = l >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
			for (size_t i = hex ? 2 : 0; i < l; i++)
				if (hex ? !g_ascii_isxdigit(p[i]) : !g_ascii_isdigit(p[i]))
					return false;
			if (e == NULL)
				break;
			p = e + 1;
		}
	}
	/* a part "0x" alone is 0 to browsers (WHATWG), not to inet_aton() */
	char fixed[80];
	size_t m = 0;
	for (const char *p = h; *p != '\0' && m + 2 < sizeof fixed;) {
		const char *e = strchr(p, '.');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l == 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			fixed[m++] = '0';
		} else {
			if (m + l + 2 >= sizeof fixed)
				return false;
			memcpy(fixed + m, p, l);
			m += l;
		}
		if (e == NULL)
			break;
		fixed[m++] = '.';
		p = e + 1;
	}
	fixed[m] = '\0';
	struct in_addr a;
	if (inet_aton(fixed, &a) == 0)
		return false;
	if (inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN) == NULL)
		return false;
	*obfuscated = strcmp(out, h) != 0;
	return true;
}

static bool
has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

static bool
has_ace_label(const char *h)
{
	for (const char *p = h; *p != '\0';) {
		if (g_ascii_strncasecmp(p, "xn--", 4) == 0)
			return true;
		const char *d = strchr(p, '.');
		if (d == NULL)
			break;
		p = d + 1;
	}
	return false;
}

/*
 * Fill u's host fields from enc, the host as GUri leaves it with
 * G_URI_FLAGS_NON_DNS (percent-encoded, non-ASCII bytes escaped): decoded
 * here once, so that no IDNA of GLib's runs before libidn2's.  False when
 * it is no host at all (empty, dots only, a bracketed host that is no
 * IPv6 address).
 */
static bool
host_norm(struct url *u, const char *enc)
{
	char ip[INET6_ADDRSTRLEN];
	bool bad = false;

	if (strchr(enc, ':') != NULL) {
		/* GUri gives a bracketed host without its brackets */
		struct in6_addr a6;
		if (inet_pton(AF_INET6, enc, &a6) != 1 ||
		    inet_ntop(AF_INET6, &a6, ip, sizeof ip) == NULL)
			return false;	/* a zone id, or no address */
		u->host = g_strdup_printf("[%s]", ip);
		u->host_kind = URL_HOST_IPV6;
		return true;
	}
	char *h = g_uri_unescape_string(enc, NULL);
	if (h == NULL) {	/* a bad escape or %00: as written */
		h = g_strdup(enc);
		bad = true;
	} else if (!g_utf8_validate(h, -1, NULL)) {
		char *v = g_utf8_make_valid(h, -1);
		g_free(h);
		h = v;
		bad = true;
	}
	char *lc = g_utf8_strdown(h, -1);
	g_free(h);
	size_t n = strlen(lc);
	while (n > 0 && lc[n - 1] == '.')
		lc[--n] = '\0';
	if (n == 0) {
		g_free(lc);
		return false;
	}
	if (!bad && ipv4_any(lc, ip, &u->ip_obfuscated)) {
		u->host = g_strdup(ip);
		u->host_kind = URL_HOST_IPV4;
		g_free(lc);
		return true;
	}
	u->host_kind = URL_HOST_NAME;
	u->idn = bad || has_non_ascii(lc) || has_ace_label(lc);
	if (!u->idn) {
		u->host = lc;
		return true;
	}
	char *ace = NULL;
	int rc = IDN2_ENCODING_ERROR;
	if (!bad) {
		/* UTS #46 non-transitional, as browsers: a joiner out of
		 * context (CONTEXTJ) is refused, not dropped */
		rc = idn2_lookup_u8((const uint8_t *)lc, (uint8_t **)&ace,
		    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	}
	if (rc != IDN2_OK || ace == NULL) {
		u->idn_invalid = true;
		u->host = lc;
		return true;
	}
	n = strlen(ace);
	while (n > 0 && ace[n - 1] == '.')
		ace[--n] = '\0';
	u->host = g_ascii_strdown(ace, -1);
	idn2_free(ace);
	char *uni = NULL;
	if (idn2_to_unicode_8z8z(u->host, &uni, 0) == IDN2_OK && uni != NULL) {
		u->host_unicode = g_strdup(uni);
		idn2_free(uni);
	}
	g_free(lc);
	/* IDNA may map a label to an IP address ("１２７.0.0.1") */
	if (ipv4_any(u->host, ip, &u->ip_obfuscated)) {
		g_free(u->host);
		u->host = g_strdup(ip);
		u->host_kind = URL_HOST_IPV4;
		u->ip_obfuscated = true;
	}
	if (u->host[0] == '\0')
		return false;
	return true;
}

/* --- parsing --------------------------------------------------------------- */

struct url *
url_parse(const char *s, size_t n)
{
	bool www = false;
	char *in = clean_input(s, n, &www);
	if (in == NULL)
		return NULL;

	char *scheme = NULL, *userinfo = NULL, *host = NULL, *path = NULL, *query = NULL;
	int port = -1;
	/* NON_DNS: the host as written (escaped), decoded by host_norm() */
	GUriFlags fl = G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED;
	if (!g_uri_split(in, fl, &scheme, &userinfo, &host, &port, &path, &query, NULL, NULL)) {
		g_free(in);
		return NULL;
	}
	struct url *u = NULL;
	if (scheme == NULL)
		goto out;
	char *sc = g_ascii_strdown(scheme, -1);
	bool special = special_scheme(sc, strlen(sc));
	if (special && (host == NULL || host[0] == '\0')) {
		g_free(sc);
		goto out;
	}
	u = g_new0(struct url, 1);
	u->raw = in;
	in = NULL;
	u->scheme = sc;
	u->www = www;
	u->port = port;
	if (port >= 0 && port == default_port(sc))
		u->port = -1;
	if (userinfo != NULL && userinfo[0] != '\0') {
		char *d = g_uri_unescape_string(userinfo, NULL);
		u->userinfo = d != NULL ? d : g_strdup(userinfo);
	}
	if (host != NULL && host[0] != '\0' && !host_norm(u, host)) {
		url_free(u);
		u = NULL;
		goto out;
	}
	GString *norm = g_string_sized_new(strlen(u->raw) + 8);
	if (u->host != NULL) {
		GString *pq = g_string_new(path != NULL && path[0] != '\0' ? path : "/");
		if (pq->str[0] != '/')	/* GUri ends a host at ';' */
			g_string_prepend_c(pq, '/');
		if (query != NULL)
			g_string_append_printf(pq, "?%s", query);
		u->path = g_string_free(pq, FALSE);
		g_string_append_printf(norm, "%s://%s", sc, u->host);
		if (u->port >= 0)
			g_string_append_printf(norm, ":%d", u->port);
		g_string_append(norm, u->path);
	} else {
		/* mailto:, data:, javascript: ... : the rest as written */
		const char *rest = strchr(u->raw, ':') + 1;
		u->path = g_strdup(rest);
		g_string_append_printf(norm, "%s:%s", sc, rest);
	}
	if (norm->len > URL_MAX)
		g_string_truncate(norm, URL_MAX);
	u->norm = g_string_free(norm, FALSE);
out:
	g_free(in);
	g_free(scheme);
	g_free(userinfo);
	g_free(host);
	g_free(path);
	g_free(query);
	return u;
}

void
url_free(struct url *u)
{
	if (u == NULL)
		return;
	g_free(u->raw);
	g_free(u->scheme);
	g_free(u->host);
	g_free(u->host_unicode);
	g_free(u->userinfo);
	g_free(u->path);
	g_free(u->norm);
	g_free(u);
}

/* --- domains --------------------------------------------------------------- */

char *
url_registrable(const char *host)
{
	if (host == NULL)
		return g_strdup("");
	char ip[INET_ADDRSTRLEN];
	bool obf;
	if (host[0] == '[' || ipv4_any(host, ip, &obf))
		return g_strdup(host);
	const char *r = psl_registrable_domain(mamori_psl(), host);
	return g_strdup(r != NULL ? r : host);
}

const char *
url_host_in(const char *host, GHashTable *set)
{
	if (host == NULL || set == NULL || g_hash_table_size(set) == 0)
		return NULL;
	gpointer key;
	if (g_hash_table_lookup_extended(set, host, &key, NULL))
		return key;
	if (host[0] == '[')
		return NULL;
	/* the parents first; the public suffix list only when one is in the
	 * set (most hosts: none is, and no libpsl lookup is made) */
	for (const char *p = strchr(host, '.'); p != NULL; p = strchr(p + 1, '.')) {
		if (!g_hash_table_lookup_extended(set, p + 1, &key, NULL))
			continue;
		char *reg = url_registrable(host);
		bool within = strlen(p + 1) >= strlen(reg);
		g_free(reg);
		return within ? key : NULL;
	}
	return NULL;
}

/* --- unwrapping ------------------------------------------------------------ */

const char *
url_wrapper_name(enum url_wrapper w)
{
	switch (w) {
	case URL_WRAP_SAFELINKS:
		return "safelinks";
	case URL_WRAP_PROOFPOINT_V2:
		return "proofpoint-v2";
	case URL_WRAP_PROOFPOINT_V3:
		return "proofpoint-v3";
	case URL_WRAP_GOOGLE:
		return "google";
	case URL_WRAP_NONE:
		break;
	}
	return "";
}

static bool
host_ends(const char *host, const char *suffix)
{
	size_t h = strlen(host), s = strlen(suffix);
	return h > s && host[h - s - 1] == '.' && strcmp(host + h - s, suffix) == 0;
}

/* The value of the first parameter named one of names in u's query,
 * decoded (g_malloc'd), or NULL. */
static char *
query_param(const struct url *u, const char *const *names)
{
	const char *q = strchr(u->path, '?');
	if (q == NULL)
		return NULL;
	/* form decoding ('+' is a space): what the services encode with */
	GHashTable *ps = g_uri_parse_params(q + 1, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
	if (ps == NULL)
		return NULL;
	char *v = NULL;
	for (size_t i = 0; names[i] != NULL && v == NULL; i++) {
		const char *x = g_hash_table_lookup(ps, names[i]);
		if (x != NULL && x[0] != '\0')
			v = g_strdup(x);
	}
	g_hash_table_unref(ps);
	return v;
}

/* Proofpoint v2: "-" for "%" and "_" for "/", then percent-decoding */
static char *
proofpoint_v2(const char *v)
{
	char *t = g_strdup(v);
	for (char *p = t; *p != '\0'; p++) {
		if (*p == '-')
			*p = '%';
		else if (*p == '_')
			*p = '/';
	}
	char *d = g_uri_unescape_string(t, NULL);
	g_free(t);
	return d;
}

/*
 * Proofpoint v3: "/v3/__" URL "__;" B64 "!!" ...: each "*" of URL is the
 * next character of the base64url-decoded B64 (UTF-8), "**" and a length
 * code the next 2..65 of them.
 */
static char *
proofpoint_v3(const char *raw)
{
	static const char codes[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *a = strstr(raw, "/v3/__");
	if (a == NULL)
		return NULL;
	a += 6;
	const char *e = strstr(a, "__;");
	if (e == NULL)
		return NULL;
	const char *b = e + 3, *be = strstr(b, "!!");
	if (be == NULL)
		be = b + strlen(b);
	/* base64url to base64, padded */
	GString *b64 = g_string_new_len(b, be - b);
	for (size_t i = 0; i < b64->len; i++) {
		if (b64->str[i] == '-')
			b64->str[i] = '+';
		else if (b64->str[i] == '_')
			b64->str[i] = '/';
	}
	while (b64->len % 4 != 0)
		g_string_append_c(b64, '=');
	gsize blen = 0;
	guchar *bytes = b64->len > 0 ? g_base64_decode(b64->str, &blen) : NULL;
	g_string_free(b64, TRUE);
	char *rep = bytes != NULL ? g_utf8_make_valid((const char *)bytes, (gssize)blen) :
	    g_strdup("");
	g_free(bytes);
	const char *r = rep;
	GString *out = g_string_sized_new((gsize)(e - a) + 16);
	bool ok = true;
	for (const char *p = a; p < e && ok; p++) {
		if (*p != '*') {
			g_string_append_c(out, *p);
			continue;
		}
		size_t cnt = 1;
		if (p + 2 < e && p[1] == '*') {
			const char *c = strchr(codes, p[2]);
			if (c == NULL || p[2] == '\0') {
				ok = false;
				break;
			}
			cnt = (size_t)(c - codes) + 2;
			p += 2;
		}
		for (size_t k = 0; k < cnt; k++) {
			if (*r == '\0') {
				ok = false;
				break;
			}
			const char *nx = g_utf8_next_char(r);
			g_string_append_len(out, r, nx - r);
			r = nx;
		}
	}
	g_free(rep);
	if (!ok) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

char *
url_unwrap(const struct url *u, enum url_wrapper *w)
{
	static const char *const url_names[] = { "url", NULL };
	static const char *const u_names[] = { "u", NULL };
	static const char *const google_names[] = { "q", "url", NULL };
	char *v = NULL;

	*w = URL_WRAP_NONE;
	if (u->host == NULL || u->host_kind != URL_HOST_NAME)
		return NULL;
	if (host_ends(u->host, "safelinks.protection.outlook.com")) {
		v = query_param(u, url_names);
		*w = URL_WRAP_SAFELINKS;
	} else if (strcmp(u->host, "urldefense.proofpoint.com") == 0 ||
	    strcmp(u->host, "urldefense.com") == 0) {
		if (g_str_has_prefix(u->path, "/v2/url")) {
			char *x = query_param(u, u_names);
			v = x != NULL ? proofpoint_v2(x) : NULL;
			g_free(x);
			*w = URL_WRAP_PROOFPOINT_V2;
		} else if (g_str_has_prefix(u->path, "/v3/__")) {
			v = proofpoint_v3(u->raw);
			*w = URL_WRAP_PROOFPOINT_V3;
		}
	} else if (g_str_has_prefix(u->path, "/url?")) {
		char *reg = url_registrable(u->host);
		if (g_str_has_prefix(reg, "google.")) {
			v = query_param(u, google_names);
			*w = URL_WRAP_GOOGLE;
		}
		g_free(reg);
	}
	if (v == NULL)
		*w = URL_WRAP_NONE;
	return v;
}

/* --- homographs ------------------------------------------------------------ */

static bool
all_ascii(const char *s, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

bool
url_homograph(const char *host_unicode, char *why, size_t whylen)
{
	if (host_unicode == NULL || !has_non_ascii(host_unicode))
		return false;
	UErrorCode e = U_ZERO_ERROR;
	USpoofChecker *sc = uspoof_open(&e);
	if (U_FAILURE(e))
		return false;
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS, &e);
	uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	bool hit = false;
	GString *skel = g_string_new(NULL);
	char **labels = g_strsplit(host_unicode, ".", 64);
	for (size_t i = 0; labels[i] != NULL && !hit; i++) {
		const char *l = labels[i];
		int32_t n = (int32_t)strlen(l);
		e = U_ZERO_ERROR;
		int32_t r = uspoof_checkUTF8(sc, l, n, NULL, &e);
		if (U_SUCCESS(e) && (r & (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS))) {
			snprintf(why, whylen, "mixed scripts in %s", l);
			hit = true;
		}
	}
	if (!hit) {
		/* the skeleton of the whole host: all ASCII while the host is
		 * not is a host made to look like an ASCII one */
		char buf[1024];
		int32_t n = (int32_t)strlen(host_unicode);
		e = U_ZERO_ERROR;
		int32_t m = uspoof_getSkeletonUTF8(sc, 0, host_unicode, n, buf, sizeof buf, &e);
		if (U_SUCCESS(e) && m > 0 && m < (int32_t)sizeof buf && all_ascii(buf, m)) {
			snprintf(why, whylen, "all-ASCII look-alike (UTS #39 skeleton %.*s)", (int)m, buf);
			hit = true;
		}
	}
	g_strfreev(labels);
	g_string_free(skel, TRUE);
	uspoof_close(sc);
	return hit;
}

/* --- data: ----------------------------------------------------------------- */

bool
url_data_active(const char *s, size_t n)
{
	static const char *const active[] = {
		"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript",
		"application/javascript", "application/x-javascript", "text/ecmascript",
		"application/ecmascript", "text/xml", "application/xml", NULL
	};
	while (n > 0 && g_ascii_isspace(*s)) {
		s++;
		n--;
	}
	if (n < 5 || g_ascii_strncasecmp(s, "data:", 5) != 0)
		return false;
	s += 5;
	n -= 5;
	while (n > 0 && g_ascii_isspace(*s)) {
		s++;
		n--;
	}
	size_t m = 0;
	while (m < n && s[m] != ';' && s[m] != ',')
		m++;
	while (m > 0 && g_ascii_isspace(s[m - 1]))
		m--;
	for (size_t i = 0; active[i] != NULL; i++)
		if (strlen(active[i]) == m && g_ascii_strncasecmp(s, active[i], m) == 0)
			return true;
	return false;
}
