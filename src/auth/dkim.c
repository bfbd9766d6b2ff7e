/*
 * dkim.c - DKIM verification (see dkim.h).
 *
 * Purpose: RFC 6376 verification of every DKIM-Signature field of a raw
 * message, with RFC 8463 (ed25519-sha256) and RFC 8301 (no rsa-sha1, RSA
 * keys of at least 1024 bits).
 *
 * Design:
 *  - The header block (up to the first empty line; CRLF or bare LF) is
 *    copied once with every line end made CRLF, and split into fields
 *    (continuation lines belong to the field above).  Lines that are not
 *    "name:" fields (an mbox "From " line) are skipped.
 *  - The body is never copied: each signature streams it through its
 *    canonicaliser (bare LF read as CRLF) into the hash, honouring l=.
 *  - Header fields are chosen bottom-up per h= name; a name listed more
 *    often than present contributes nothing.  The signature field itself
 *    is hashed last with its b= value emptied and no final CRLF.
 *  - RSA: PKCS#1 v1.5 over SHA-256 of the header data; Ed25519 (RFC 8463
 *    section 3): the Ed25519 signature is over the 32-byte SHA-256 hash of
 *    the canonicalised header data (PureEdDSA of the hash).
 *  - Keys come from the caller's callback; the parsers are pure.
 *
 * Limits: DKIM_MAX_* in dkim.h.  A final body line without a line end in
 * relaxed mode keeps its trailing space (as dkimpy; SMTP never delivers
 * such a body).
 *
 * Security: all input is hostile; parsing is by (pointer, length) with
 * bounds checks, tag lists are strict (duplicate tags and missing required
 * tags are errors), base64 is decoded strictly, the key lookup name is
 * length-checked, and a From field that h= does not cover makes the
 * signature fail (an added From above a signed one is a known spoof).
 */
#include "auth/dkim.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *
dkim_status_name(enum dkim_status st)
{
	switch (st) {
	case DKIM_NONE: return "none";
	case DKIM_PASS: return "pass";
	case DKIM_FAIL: return "fail";
	case DKIM_PERMERROR: return "permerror";
	case DKIM_TEMPERROR: return "temperror";
	}
	return "?";
}

/* ---- tag lists (RFC 6376 3.2) ---- */

static bool
tag_name_ok(const char *s, size_t n)
{
	if (n == 0 || !g_ascii_isalpha(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_')
			return false;
	return true;
}

bool
dkim_taglist_parse(const char *s, size_t n, struct dkim_tag *tags, size_t *count,
    const char **reason)
{
	size_t pos = 0, nt = 0;

	*count = 0;
	while (pos <= n) {
		size_t a = pos, b = pos;
		while (b < n && s[b] != ';')
			b++;
		size_t ta = a, tb = b;
		while (ta < tb && is_fws((unsigned char)s[ta]))
			ta++;
		while (tb > ta && is_fws((unsigned char)s[tb - 1]))
			tb--;
		if (ta == tb) {
			if (b >= n)
				break;	/* trailing ";" or empty list */
			*reason = "empty tag";
			return false;
		}
		const char *eq = memchr(s + ta, '=', tb - ta);
		if (eq == NULL) {
			*reason = "tag without =";
			return false;
		}
		size_t e = (size_t)(eq - s);
		size_t na = ta, nb = e;
		while (nb > na && is_fws((unsigned char)s[nb - 1]))
			nb--;
		if (!tag_name_ok(s + na, nb - na)) {
			*reason = "bad tag name";
			return false;
		}
		size_t va = e + 1, vb = tb;
		while (va < vb && is_fws((unsigned char)s[va]))
			va++;
		for (size_t k = 0; k < nt; k++)
			if (tags[k].name_len == nb - na &&
			    memcmp(tags[k].name, s + na, nb - na) == 0) {
				*reason = "duplicate tag";
				return false;
			}
		if (nt == DKIM_MAX_TAGS) {
			*reason = "too many tags";
			return false;
		}
		tags[nt++] = (struct dkim_tag){ s + na, nb - na, s + va, vb - va,
		    e + 1, b };
		pos = b + 1;
	}
	*count = nt;
	return true;
}

const struct dkim_tag *
dkim_tag_find(const struct dkim_tag *tags, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (tags[i].name_len == l && memcmp(tags[i].name, name, l) == 0)
			return &tags[i];
	return NULL;
}

static bool
tag_is(const struct dkim_tag *t, const char *v)
{
	return t->val_len == strlen(v) && g_ascii_strncasecmp(t->val, v, t->val_len) == 0;
}

/* Strict base64: whitespace (FWS) ignored, padding only at the end. */
bool
dkim_b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
	uint8_t *buf = g_malloc(n / 4 * 3 + 3);
	size_t o = 0, q = 0, pad = 0;
	uint32_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;
		if (is_fws(c))
			continue;
		if (c == '=') {
			pad++;
			if (pad > 2)
				goto bad;
			acc <<= 6;
			q++;
		} else {
			if (pad > 0)
				goto bad;
			if (c >= 'A' && c <= 'Z') v = c - 'A';
			else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
			else if (c >= '0' && c <= '9') v = c - '0' + 52;
			else if (c == '+') v = 62;
			else if (c == '/') v = 63;
			else goto bad;
			acc = (acc << 6) | (uint32_t)v;
			q++;
		}
		if (q == 4) {
			buf[o++] = (uint8_t)(acc >> 16);
			if (pad < 2)
				buf[o++] = (uint8_t)(acc >> 8);
			if (pad < 1)
				buf[o++] = (uint8_t)acc;
			q = 0;
			acc = 0;
			if (pad > 0) {
				/* nothing but whitespace may follow */
				for (size_t j = i + 1; j < n; j++)
					if (!is_fws((unsigned char)s[j]))
						goto bad;
				break;
			}
		}
	}
	if (q != 0)
		goto bad;
	*out = buf;
	*out_len = o;
	return true;
bad:
	g_free(buf);
	return false;
}

static bool
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t r = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return false;
		r = r * 10 + (uint64_t)(s[i] - '0');
	}
	*v = r;
	return true;
}

/* A domain or selector: labels of letters, digits, '-', '_'; dot-separated. */
bool
dkim_domain_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
		if (c == '.' && i > 0 && s[i - 1] == '.')
			return false;
	}
	return true;
}

/* dkim-quoted-printable (i=): =XX escapes, FWS dropped. */
static char *
qp_decode(const char *s, size_t n)
{
	GString *o = g_string_sized_new(n);
	for (size_t i = 0; i < n; i++) {
		if (is_fws((unsigned char)s[i]))
			continue;
		if (s[i] == '=') {
			if (i + 2 >= n || !g_ascii_isxdigit(s[i + 1]) ||
			    !g_ascii_isxdigit(s[i + 2])) {
				g_string_free(o, TRUE);
				return NULL;
			}
			char c = (char)(g_ascii_xdigit_value(s[i + 1]) * 16 +
			    g_ascii_xdigit_value(s[i + 2]));
			if (c == '\0') {
				g_string_free(o, TRUE);
				return NULL;
			}
			g_string_append_c(o, c);
			i += 2;
		} else {
			g_string_append_c(o, s[i]);
		}
	}
	return g_string_free(o, FALSE);
}

void
dkim_sig_clear(struct dkim_sig *sig)
{
	if (sig == NULL)
		return;
	g_free(sig->a);
	g_free(sig->d);
	g_free(sig->s);
	g_free(sig->i);
	g_free(sig->b);
	g_free(sig->bh);
	for (size_t k = 0; k < sig->h_count; k++)
		g_free(sig->h[k]);
	g_free(sig->h);
	memset(sig, 0, sizeof *sig);
}

#define SIG_FAIL(r) do { *reason = (r); goto fail; } while (0)

bool
dkim_sig_parse(const char *val, size_t len, struct dkim_sig *sig,
    const char **reason)
{
	return dkim_sig_parse_ex(val, len, 0, sig, reason);
}

/* i= of an ARC field: an instance number 1..DKIM_ARC_MAX_INSTANCE */
bool
dkim_arc_instance(const char *s, size_t n, unsigned *inst)
{
	uint64_t v;
	if (n > 3 || !parse_u64(s, n, &v) || v < 1 || v > DKIM_ARC_MAX_INSTANCE)
		return false;
	*inst = (unsigned)v;
	return true;
}

bool
dkim_sig_parse_ex(const char *val, size_t len, unsigned flags,
    struct dkim_sig *sig, const char **reason)
{
	bool ams = (flags & DKIM_PARSE_AMS) != 0;
	struct dkim_tag tags[DKIM_MAX_TAGS];
	size_t nt;
	const struct dkim_tag *t;

	memset(sig, 0, sizeof *sig);
	if (len > DKIM_MAX_SIG_FIELD) {
		*reason = "limit: signature field too long";
		return false;
	}
	if (!dkim_taglist_parse(val, len, tags, &nt, reason))
		return false;

	static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
	/* an AMS has no v= (RFC 8617 4.1.2) but an i= instance */
	for (size_t k = ams ? 1 : 0; k < G_N_ELEMENTS(required); k++)
		if (dkim_tag_find(tags, nt, required[k]) == NULL) {
			*reason = "missing required tag";
			return false;
		}
	if (ams) {
		t = dkim_tag_find(tags, nt, "i");
		if (t == NULL || !dkim_arc_instance(t->val, t->val_len, &sig->instance)) {
			*reason = "bad or missing AMS i=";
			return false;
		}
	} else if (!tag_is(dkim_tag_find(tags, nt, "v"), "1"))
		SIG_FAIL("v= is not 1");

	t = dkim_tag_find(tags, nt, "a");
	sig->a = g_strndup(t->val, t->val_len);
	if (tag_is(t, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (tag_is(t, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (tag_is(t, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1;
	else
		SIG_FAIL("unknown a= algorithm");

	t = dkim_tag_find(tags, nt, "b");
	if (!dkim_b64_decode(t->val, t->val_len, &sig->b, &sig->b_len) || sig->b_len == 0)
		SIG_FAIL("bad b= base64");
	sig->b_start = t->raw_start;
	sig->b_end = t->raw_end;
	t = dkim_tag_find(tags, nt, "bh");
	if (!dkim_b64_decode(t->val, t->val_len, &sig->bh, &sig->bh_len) || sig->bh_len == 0)
		SIG_FAIL("bad bh= base64");

	if (ams && dkim_tag_find(tags, nt, "c") == NULL) {
		/* ARC test suite (ams_fields_c_na): an AMS without c= is
		 * relaxed/relaxed, not RFC 6376's simple/simple */
		sig->hdr_relaxed = true;
		sig->body_relaxed = true;
	}
	if ((t = dkim_tag_find(tags, nt, "c")) != NULL) {
		const char *slash = memchr(t->val, '/', t->val_len);
		size_t hl = slash ? (size_t)(slash - t->val) : t->val_len;
		struct dkim_tag hh = { NULL, 0, t->val, hl, 0, 0 };
		if (tag_is(&hh, "relaxed"))
			sig->hdr_relaxed = true;
		else if (!tag_is(&hh, "simple"))
			SIG_FAIL("bad c= header canonicalization");
		if (slash != NULL) {
			struct dkim_tag bb = { NULL, 0, slash + 1,
			    t->val_len - hl - 1, 0, 0 };
			if (tag_is(&bb, "relaxed"))
				sig->body_relaxed = true;
			else if (!tag_is(&bb, "simple"))
				SIG_FAIL("bad c= body canonicalization");
		}
	}

	t = dkim_tag_find(tags, nt, "d");
	if (!dkim_domain_ok(t->val, t->val_len))
		SIG_FAIL("bad d= domain");
	sig->d = g_strndup(t->val, t->val_len);
	t = dkim_tag_find(tags, nt, "s");
	if (!dkim_domain_ok(t->val, t->val_len))
		SIG_FAIL("bad s= selector");
	sig->s = g_strndup(t->val, t->val_len);

	/* h=: colon-separated field names, FWS around each */
	t = dkim_tag_find(tags, nt, "h");
	{
		bool from = false;
		size_t p = 0;
		sig->h = g_new0(char *, DKIM_MAX_H_NAMES);
		while (p <= t->val_len) {
			size_t a = p, b = p;
			while (b < t->val_len && t->val[b] != ':')
				b++;
			size_t na = a, nb = b;
			while (na < nb && is_fws((unsigned char)t->val[na]))
				na++;
			while (nb > na && is_fws((unsigned char)t->val[nb - 1]))
				nb--;
			if (na == nb && ams) {
				/* ARC test suite (ams_fields_h_mis_hdr): an
				 * empty name in an AMS h= selects nothing */
				p = b + 1;
				continue;
			}
			if (na == nb)
				SIG_FAIL("empty name in h=");
			for (size_t k = na; k < nb; k++) {
				unsigned char c = (unsigned char)t->val[k];
				if (c <= 0x20 || c >= 0x7f)
					SIG_FAIL("bad name in h=");
			}
			if (sig->h_count == DKIM_MAX_H_NAMES)
				SIG_FAIL("limit: too many h= names");
			sig->h[sig->h_count] = g_ascii_strdown(t->val + na, (gssize)(nb - na));
			if (strcmp(sig->h[sig->h_count], "from") == 0)
				from = true;
			sig->h_count++;
			p = b + 1;
		}
		if (!from && !ams)
			SIG_FAIL("h= does not include From");
	}

	if (!ams && (t = dkim_tag_find(tags, nt, "i")) != NULL) {
		sig->i = qp_decode(t->val, t->val_len);
		if (sig->i == NULL)
			SIG_FAIL("bad i= encoding");
		const char *at = strrchr(sig->i, '@');
		if (at == NULL)
			SIG_FAIL("i= without @");
		size_t il = strlen(at + 1), dl = strlen(sig->d);
		if (!(il == dl && g_ascii_strcasecmp(at + 1, sig->d) == 0) &&
		    !(il > dl && at[1 + il - dl - 1] == '.' &&
		      g_ascii_strcasecmp(at + 1 + il - dl, sig->d) == 0))
			SIG_FAIL("i= domain outside d=");
	}

	if ((t = dkim_tag_find(tags, nt, "l")) != NULL) {
		if (!parse_u64(t->val, t->val_len, &sig->l))
			SIG_FAIL("bad l= value");
		sig->has_l = true;
	}
	if ((t = dkim_tag_find(tags, nt, "q")) != NULL) {
		/* colon-separated methods; dns/txt must be one of them */
		bool ok = false;
		gchar *q = g_strndup(t->val, t->val_len);
		gchar **m = g_strsplit(q, ":", 0);
		for (gchar **p = m; *p != NULL; p++)
			if (g_ascii_strcasecmp(g_strstrip(*p), "dns/txt") == 0)
				ok = true;
		g_strfreev(m);
		g_free(q);
		if (!ok)
			SIG_FAIL("q= without dns/txt");
	}
	uint64_t v;
	if ((t = dkim_tag_find(tags, nt, "t")) != NULL) {
		if (!parse_u64(t->val, t->val_len, &v) || v > INT64_MAX / 2)
			SIG_FAIL("bad t= value");
		sig->t = (int64_t)v;
		sig->has_t = true;
	}
	if ((t = dkim_tag_find(tags, nt, "x")) != NULL) {
		if (!parse_u64(t->val, t->val_len, &v) || v > INT64_MAX / 2)
			SIG_FAIL("bad x= value");
		sig->x = (int64_t)v;
		sig->has_x = true;
		if (sig->has_t && sig->x < sig->t)
			SIG_FAIL("x= before t=");
	}
	return true;
fail:
	dkim_sig_clear(sig);
	return false;
}

void
dkim_key_clear(struct dkim_key *key)
{
	if (key == NULL)
		return;
	g_free(key->p);
	memset(key, 0, sizeof *key);
}

/* Does a colon-separated list contain one of the words (case-insensitive)? */
static bool
list_has(const struct dkim_tag *t, const char *w1, const char *w2)
{
	size_t p = 0;
	while (p <= t->val_len) {
		size_t b = p;
		while (b < t->val_len && t->val[b] != ':')
			b++;
		size_t a = p, e = b;
		while (a < e && is_fws((unsigned char)t->val[a]))
			a++;
		while (e > a && is_fws((unsigned char)t->val[e - 1]))
			e--;
		struct dkim_tag x = { NULL, 0, t->val + a, e - a, 0, 0 };
		if ((w1 && tag_is(&x, w1)) || (w2 && tag_is(&x, w2)))
			return true;
		p = b + 1;
	}
	return false;
}

bool
dkim_key_parse(const char *txt, size_t len, struct dkim_key *key,
    const char **reason)
{
	struct dkim_tag tags[DKIM_MAX_TAGS];
	size_t nt;
	const struct dkim_tag *t;

	memset(key, 0, sizeof *key);
	if (len > DKIM_MAX_KEY_RECORD) {
		*reason = "limit: key record too long";
		return false;
	}
	if (!dkim_taglist_parse(txt, len, tags, &nt, reason))
		return false;
	if ((t = dkim_tag_find(tags, nt, "v")) != NULL &&
	    (t != &tags[0] || !(t->val_len == 5 && memcmp(t->val, "DKIM1", 5) == 0))) {
		*reason = "bad key record v=";
		return false;
	}
	key->type = DKIM_KEY_RSA;
	if ((t = dkim_tag_find(tags, nt, "k")) != NULL) {
		if (tag_is(t, "rsa"))
			key->type = DKIM_KEY_RSA;
		else if (tag_is(t, "ed25519"))
			key->type = DKIM_KEY_ED25519;
		else {
			*reason = "unknown key type k=";
			return false;
		}
	}
	key->sha256_ok = true;
	if ((t = dkim_tag_find(tags, nt, "h")) != NULL)
		key->sha256_ok = list_has(t, "sha256", NULL);
	key->email_ok = true;
	if ((t = dkim_tag_find(tags, nt, "s")) != NULL)
		key->email_ok = list_has(t, "email", "*");
	if ((t = dkim_tag_find(tags, nt, "t")) != NULL) {
		key->testing = list_has(t, "y", NULL);
		key->strict = list_has(t, "s", NULL);
	}
	if ((t = dkim_tag_find(tags, nt, "p")) == NULL) {
		*reason = "key record without p=";
		return false;
	}
	if (t->val_len == 0) {
		key->revoked = true;
		return true;
	}
	if (!dkim_b64_decode(t->val, t->val_len, &key->p, &key->p_len) || key->p_len == 0) {
		key->p = NULL;
		*reason = "bad p= base64";
		dkim_key_clear(key);
		return false;
	}
	if (key->type == DKIM_KEY_ED25519 && key->p_len != 32) {
		*reason = "ed25519 key is not 32 bytes";
		dkim_key_clear(key);
		return false;
	}
	return true;
}

/* ---- canonicalisation ---- */

typedef void (*sink_fn)(void *ctx, const uint8_t *p, size_t n);

static void
canon_header_to(bool relaxed, const char *f, size_t n, bool final_crlf,
    sink_fn sink, void *ctx)
{
	if (!relaxed) {
		if (!final_crlf && n >= 2 && f[n - 2] == '\r' && f[n - 1] == '\n')
			n -= 2;
		sink(ctx, (const uint8_t *)f, n);
		return;
	}
	const char *colon = memchr(f, ':', n);
	size_t nl = colon ? (size_t)(colon - f) : n;
	while (nl > 0 && is_wsp((unsigned char)f[nl - 1]))
		nl--;
	char name[256];
	size_t i = 0;
	/* name is lower-cased in pieces so that any length works */
	for (size_t k = 0; k < nl; k++) {
		name[i++] = g_ascii_tolower(f[k]);
		if (i == sizeof name) {
			sink(ctx, (const uint8_t *)name, i);
			i = 0;
		}
	}
	name[i++] = ':';
	sink(ctx, (const uint8_t *)name, i);
	if (colon == NULL)
		goto end;
	/* value: CRLF removed, WSP runs -> SP, leading/trailing WSP removed */
	size_t p = (size_t)(colon - f) + 1;
	bool pend_sp = false, any = false;
	while (p < n) {
		unsigned char c = (unsigned char)f[p];
		if (c == '\r' && p + 1 < n && f[p + 1] == '\n') {
			p += 2;
			continue;
		}
		if (is_wsp(c)) {
			pend_sp = true;
			p++;
			continue;
		}
		size_t q = p;
		while (q < n && !is_wsp((unsigned char)f[q]) &&
		    !(f[q] == '\r' && q + 1 < n && f[q + 1] == '\n'))
			q++;
		if (pend_sp && any)
			sink(ctx, (const uint8_t *)" ", 1);
		sink(ctx, (const uint8_t *)f + p, q - p);
		pend_sp = false;
		any = true;
		p = q;
	}
end:
	if (final_crlf)
		sink(ctx, (const uint8_t *)"\r\n", 2);
}

struct body_canon {
	bool relaxed;
	size_t pending;		/* empty lines held back */
	bool emitted;
	sink_fn sink;
	void *ctx;
};

static void
bc_emit(struct body_canon *bc, const uint8_t *p, size_t n)
{
	while (bc->pending > 0) {
		bc->sink(bc->ctx, (const uint8_t *)"\r\n", 2);
		bc->pending--;
	}
	if (n > 0)
		bc->sink(bc->ctx, p, n);
	bc->emitted = true;
}

/* One line without its line end; terminated says whether it had one. */
static void
bc_line(struct body_canon *bc, const uint8_t *p, size_t n, bool terminated)
{
	if (!bc->relaxed) {
		if (n == 0) {
			if (terminated)
				bc->pending++;
			return;
		}
		bc_emit(bc, p, n);
		bc->sink(bc->ctx, (const uint8_t *)"\r\n", 2);
		return;
	}
	size_t end = n;
	if (terminated)
		while (end > 0 && is_wsp(p[end - 1]))
			end--;
	if (end == 0) {
		if (terminated)
			bc->pending++;
		return;
	}
	bc_emit(bc, NULL, 0);
	size_t i = 0;
	while (i < end) {
		if (is_wsp(p[i])) {
			while (i < end && is_wsp(p[i]))
				i++;
			bc->sink(bc->ctx, (const uint8_t *)" ", 1);
			continue;
		}
		size_t j = i;
		while (j < end && !is_wsp(p[j]))
			j++;
		bc->sink(bc->ctx, p + i, j - i);
		i = j;
	}
	bc->sink(bc->ctx, (const uint8_t *)"\r\n", 2);
}

static void
canon_body_to(bool relaxed, const uint8_t *b, size_t n, sink_fn sink, void *ctx)
{
	struct body_canon bc = { relaxed, 0, false, sink, ctx };
	size_t p = 0;
	while (p < n) {
		const uint8_t *lf = memchr(b + p, '\n', n - p);
		if (lf == NULL) {
			bc_line(&bc, b + p, n - p, false);
			break;
		}
		size_t e = (size_t)(lf - b), l = e - p;
		if (l > 0 && b[e - 1] == '\r')
			l--;
		bc_line(&bc, b + p, l, true);
		p = e + 1;
	}
	if (!bc.emitted && !relaxed)
		sink(ctx, (const uint8_t *)"\r\n", 2);
}

static void
sink_gba(void *ctx, const uint8_t *p, size_t n)
{
	g_byte_array_append(ctx, p, (guint)n);
}

void
dkim_canon_header(bool relaxed, const char *field, size_t len, GByteArray *out)
{
	canon_header_to(relaxed, field, len, true, sink_gba, out);
}

void
dkim_canon_body(bool relaxed, const uint8_t *body, size_t len, GByteArray *out)
{
	canon_body_to(relaxed, body, len, sink_gba, out);
}

/* ---- the message ---- */

/* Length of a field name at the start of a line, or 0 when not a field. */
static size_t
field_name_len(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] > 0x20 && p[i] < 0x7f && p[i] != ':')
		i++;
	size_t nl = i;
	while (i < n && is_wsp(p[i]))
		i++;
	if (nl == 0 || i >= n || p[i] != ':')
		return 0;
	return nl;
}

/* false: over a limit (*reason set) */
bool
dkim_msg_split(const uint8_t *m, size_t len, struct dkim_msg *msg, const char **reason)
{
	size_t p = 0;
	bool cur = false;	/* a field is open (continuations allowed) */

	msg->hdr = g_byte_array_new();
	msg->fields = g_array_new(FALSE, FALSE, sizeof(struct dkim_field));
	msg->body = m + len;
	msg->body_len = 0;
	while (p < len) {
		const uint8_t *lf = memchr(m + p, '\n', len - p);
		size_t e = lf ? (size_t)(lf - m) : len;
		size_t l = e - p;
		if (lf && l > 0 && m[e - 1] == '\r')
			l--;
		size_t next = lf ? e + 1 : len;
		if (l == 0 && lf) {
			msg->body = m + next;
			msg->body_len = len - next;
			break;
		}
		if (msg->hdr->len + l + 2 > DKIM_MAX_HEADER_BLOCK) {
			*reason = "limit: header block too large";
			return false;
		}
		const uint8_t *line = m + p;
		if (is_wsp(line[0])) {
			if (cur) {
				struct dkim_field *f = &g_array_index(msg->fields,
				    struct dkim_field, msg->fields->len - 1);
				f->len += l + 2;
				g_byte_array_append(msg->hdr, line, (guint)l);
				g_byte_array_append(msg->hdr, (const guint8 *)"\r\n", 2);
			}
		} else {
			size_t nl = field_name_len(line, l);
			if (nl == 0) {
				cur = false;	/* not a field ("From " line): skipped */
			} else {
				if (msg->fields->len >= DKIM_MAX_HEADERS) {
					*reason = "limit: too many header fields";
					return false;
				}
				struct dkim_field f = { msg->hdr->len, l + 2, nl };
				g_array_append_val(msg->fields, f);
				g_byte_array_append(msg->hdr, line, (guint)l);
				g_byte_array_append(msg->hdr, (const guint8 *)"\r\n", 2);
				cur = true;
			}
		}
		p = next;
	}
	return true;
}

void
dkim_msg_free(struct dkim_msg *msg)
{
	if (msg->hdr)
		g_byte_array_free(msg->hdr, TRUE);
	if (msg->fields)
		g_array_free(msg->fields, TRUE);
}

bool
dkim_field_is(const struct dkim_msg *msg, const struct dkim_field *f, const char *name)
{
	size_t l = strlen(name);
	return f->name_len == l &&
	    g_ascii_strncasecmp((const char *)msg->hdr->data + f->off, name, l) == 0;
}

/* ---- hashing ---- */

struct hash_sink {
	EVP_MD_CTX *md;
	bool limited;
	uint64_t left;		/* bytes still allowed (l=) */
	uint64_t total;		/* canonical bytes seen */
};

static void
sink_hash(void *ctx, const uint8_t *p, size_t n)
{
	struct hash_sink *hs = ctx;
	hs->total += n;
	if (hs->limited) {
		if (hs->left == 0)
			return;
		if (n > hs->left)
			n = (size_t)hs->left;
		hs->left -= n;
	}
	EVP_DigestUpdate(hs->md, p, n);
}

static bool
body_hash(const struct dkim_msg *msg, const struct dkim_sig *sig, uint8_t out[32])
{
	struct hash_sink hs = { EVP_MD_CTX_new(), sig->has_l, sig->l, 0 };
	unsigned int ol = 0;
	bool ok = hs.md != NULL && EVP_DigestInit_ex(hs.md, EVP_sha256(), NULL) == 1;
	if (ok) {
		canon_body_to(sig->body_relaxed, msg->body, msg->body_len,
		    sink_hash, &hs);
		ok = EVP_DigestFinal_ex(hs.md, out, &ol) == 1 && ol == 32;
	}
	EVP_MD_CTX_free(hs.md);
	return ok;
}

static bool
header_hash(const struct dkim_msg *msg, const struct dkim_field *sigf,
    const struct dkim_sig *sig, size_t val_off, uint8_t out[32])
{
	struct hash_sink hs = { EVP_MD_CTX_new(), false, 0, 0 };
	unsigned int ol = 0;
	bool ok = hs.md != NULL && EVP_DigestInit_ex(hs.md, EVP_sha256(), NULL) == 1;
	size_t nf = msg->fields->len;
	/* per name: index below which the next match is searched */
	size_t *last = g_new(size_t, sig->h_count);

	for (size_t k = 0; ok && k < sig->h_count; k++) {
		size_t from = nf;
		for (size_t j = 0; j < k; j++)
			if (strcmp(sig->h[j], sig->h[k]) == 0)
				from = last[j];
		last[k] = 0;
		size_t idx = from;
		while (idx > 0) {
			idx--;
			const struct dkim_field *f = &g_array_index(msg->fields,
			    struct dkim_field, idx);
			if (dkim_field_is(msg, f, sig->h[k])) {
				canon_header_to(sig->hdr_relaxed,
				    (const char *)msg->hdr->data + f->off, f->len,
				    true, sink_hash, &hs);
				last[k] = idx;
				break;
			}
		}
		/* not found: nothing hashed, and later repeats find nothing */
	}
	g_free(last);
	if (ok) {
		/* the signature field, b= value emptied, no final CRLF */
		const char *f = (const char *)msg->hdr->data + sigf->off;
		GByteArray *tmp = g_byte_array_sized_new((guint)sigf->len);
		g_byte_array_append(tmp, (const guint8 *)f, (guint)(val_off + sig->b_start));
		g_byte_array_append(tmp, (const guint8 *)f + val_off + sig->b_end,
		    (guint)(sigf->len - val_off - sig->b_end));
		canon_header_to(sig->hdr_relaxed, (const char *)tmp->data, tmp->len,
		    false, sink_hash, &hs);
		g_byte_array_free(tmp, TRUE);
		ok = EVP_DigestFinal_ex(hs.md, out, &ol) == 1 && ol == 32;
	}
	EVP_MD_CTX_free(hs.md);
	return ok;
}

/* ---- one signature ---- */

/*
 * Check a key against the algorithm and load it: DKIM_PASS with *pkp set,
 * else the status and *reason.
 */
static enum dkim_status
key_load(const struct dkim_key *key, enum dkim_alg alg, EVP_PKEY **pkp,
    const char **reason)
{
	EVP_PKEY *pk;
	bool ed = alg == DKIM_ALG_ED25519_SHA256;

	*pkp = NULL;
	/* a key not usable for this signature is permerror (RFC 6376 6.1.2);
	 * a revoked key is fail (the signer withdrew it) */
	if (key->revoked)
		return *reason = "key revoked", DKIM_FAIL;
	if (!key->sha256_ok)
		return *reason = "key h= excludes sha256", DKIM_PERMERROR;
	if (!key->email_ok)
		return *reason = "key s= not for email", DKIM_PERMERROR;
	if (alg == DKIM_ALG_RSA_SHA1)
		return *reason = "rsa-sha1 not accepted (RFC 8301)", DKIM_PERMERROR;
	if ((ed && key->type != DKIM_KEY_ED25519) ||
	    (!ed && key->type != DKIM_KEY_RSA))
		return *reason = "key type does not match a=", DKIM_PERMERROR;

	if (ed) {
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    key->p, key->p_len);
		if (pk == NULL)
			return *reason = "bad ed25519 key", DKIM_PERMERROR;
	} else {
		const unsigned char *pp = key->p;
		pk = d2i_PUBKEY(NULL, &pp, (long)key->p_len);
		if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
			EVP_PKEY_free(pk);
			return *reason = "bad RSA key", DKIM_PERMERROR;
		}
		int bits = EVP_PKEY_get_bits(pk);
		if (bits < DKIM_MIN_RSA_BITS) {
			EVP_PKEY_free(pk);
			return *reason = "RSA key too small", DKIM_FAIL;
		}
		if (bits > DKIM_MAX_RSA_BITS) {
			EVP_PKEY_free(pk);
			return *reason = "limit: RSA key too large", DKIM_PERMERROR;
		}
	}
	*pkp = pk;
	return DKIM_PASS;
}

/* The signature b over a 32-byte SHA-256 hash, with a loaded key. */
static enum dkim_status
pkey_verify(EVP_PKEY *pk, bool ed, const uint8_t *b, size_t b_len,
    const uint8_t hh[32], const char **reason)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	enum dkim_status st = DKIM_FAIL;

	*reason = "bad signature";
	if (ed) {
		/* RFC 8463 3: Ed25519 over the SHA-256 hash of the header data */
		mctx = EVP_MD_CTX_new();
		if (mctx != NULL &&
		    EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestVerify(mctx, b, b_len, hh, 32) == 1)
			st = DKIM_PASS;
	} else {
		pctx = EVP_PKEY_CTX_new(pk, NULL);
		if (pctx != NULL && EVP_PKEY_verify_init(pctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1 &&
		    EVP_PKEY_verify(pctx, b, b_len, hh, 32) == 1)
			st = DKIM_PASS;
	}
	if (st == DKIM_PASS)
		*reason = "ok";
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return st;
}

enum dkim_status
dkim_hash_verify(const struct dkim_key *key, enum dkim_alg alg,
    const uint8_t *b, size_t b_len, const uint8_t hash[32], const char **reason)
{
	EVP_PKEY *pk = NULL;
	enum dkim_status st = key_load(key, alg, &pk, reason);
	if (st != DKIM_PASS)
		return st;
	st = pkey_verify(pk, alg == DKIM_ALG_ED25519_SHA256, b, b_len, hash, reason);
	EVP_PKEY_free(pk);
	return st;
}

static enum dkim_status
check_sig(const struct dkim_msg *msg, const struct dkim_field *sigf, size_t val_off,
    const struct dkim_sig *sig, const struct dkim_key *key, const char **reason)
{
	EVP_PKEY *pk = NULL;
	enum dkim_status st;
	uint8_t bh[32], hh[32];

	if (key->strict && sig->i != NULL) {
		const char *at = strrchr(sig->i, '@');
		if (at == NULL || g_ascii_strcasecmp(at + 1, sig->d) != 0)
			return *reason = "key t=s: i= domain is not d=", DKIM_PERMERROR;
	}
	st = key_load(key, sig->alg, &pk, reason);
	if (st != DKIM_PASS)
		return st;
	st = DKIM_FAIL;
	if (sig->bh_len != 32 || !body_hash(msg, sig, bh) ||
	    CRYPTO_memcmp(bh, sig->bh, 32) != 0)
		*reason = "body hash mismatch";
	else if (!header_hash(msg, sigf, sig, val_off, hh))
		*reason = "hash error";
	else
		st = pkey_verify(pk, sig->alg == DKIM_ALG_ED25519_SHA256,
		    sig->b, sig->b_len, hh, reason);
	EVP_PKEY_free(pk);
	return st;
}

enum dkim_status
dkim_sig_check(const struct dkim_msg *msg, const struct dkim_field *sigf,
    const struct dkim_sig *sig, const struct dkim_key *key, const char **reason)
{
	const char *fv = (const char *)msg->hdr->data + sigf->off;
	const char *colon = memchr(fv, ':', sigf->len);
	if (colon == NULL)
		return *reason = "not a header field", DKIM_PERMERROR;
	return check_sig(msg, sigf, (size_t)(colon - fv) + 1, sig, key, reason);
}

static void
result_set(struct dkim_result *r, const struct dkim_sig *sig)
{
	r->d = g_strdup(sig->d);
	r->s = g_strdup(sig->s);
	r->a = g_strdup(sig->a);
	r->i = g_strdup(sig->i);
	r->l_used = sig->has_l;
	r->l = sig->l;
}

enum dkim_status
dkim_key_get(dkim_key_fetch fetch, void *user, const char *s, const char *d,
    struct dkim_key *key, const char **reason)
{
	memset(key, 0, sizeof *key);
	char *name = g_strdup_printf("%s._domainkey.%s", s, d);
	if (strlen(name) > 253) {
		g_free(name);
		return *reason = "key name too long", DKIM_PERMERROR;
	}
	char *txt = NULL;
	size_t tl = 0;
	enum dkim_key_status ks = fetch != NULL ?
	    fetch(user, name, &txt, &tl) : DKIM_KEY_NOTFOUND;
	g_free(name);
	if (ks == DKIM_KEY_TEMPFAIL) {
		g_free(txt);
		return *reason = "key lookup failed", DKIM_TEMPERROR;
	}
	if (ks != DKIM_KEY_FOUND || txt == NULL) {
		g_free(txt);
		return *reason = "no key record", DKIM_PERMERROR;
	}
	bool kok = dkim_key_parse(txt, tl, key, reason);
	g_free(txt);
	return kok ? DKIM_PASS : DKIM_PERMERROR;
}

static void
verify_one(const struct dkim_msg *msg, const struct dkim_field *f, dkim_key_fetch fetch,
    void *user, int64_t now, struct dkim_result *r)
{
	const char *fv = (const char *)msg->hdr->data + f->off;
	size_t val_off = (size_t)((const char *)memchr(fv, ':', f->len) - fv) + 1;
	size_t val_len = f->len - 2 - val_off;	/* without the final CRLF */
	struct dkim_sig sig;
	struct dkim_key key;
	const char *reason = "ok";

	memset(r, 0, sizeof *r);
	if (f->len > DKIM_MAX_SIG_FIELD) {
		r->status = DKIM_PERMERROR;
		r->reason = "limit: signature field too long";
		return;
	}
	if (!dkim_sig_parse(fv + val_off, val_len, &sig, &reason)) {
		r->status = DKIM_PERMERROR;
		r->reason = reason;
		/* best effort: d= and s= for the report */
		struct dkim_tag tags[DKIM_MAX_TAGS];
		size_t nt;
		const char *rr;
		if (dkim_taglist_parse(fv + val_off, val_len, tags, &nt, &rr)) {
			const struct dkim_tag *t;
			if ((t = dkim_tag_find(tags, nt, "d")) && dkim_domain_ok(t->val, t->val_len))
				r->d = g_strndup(t->val, t->val_len);
			if ((t = dkim_tag_find(tags, nt, "s")) && dkim_domain_ok(t->val, t->val_len))
				r->s = g_strndup(t->val, t->val_len);
		}
		return;
	}
	result_set(r, &sig);
	if (sig.alg == DKIM_ALG_RSA_SHA1) {
		/* unsupported, not forged: permerror, as an unknown a= */
		r->status = DKIM_PERMERROR;
		r->reason = "rsa-sha1 not accepted (RFC 8301)";
		goto done;
	}
	if (sig.has_x && now > sig.x) {
		r->status = DKIM_FAIL;
		r->reason = "signature expired";
		goto done;
	}
	if (sig.has_t && sig.t > now + DKIM_FUTURE_SLOP) {
		r->status = DKIM_PERMERROR;
		r->reason = "t= in the future";
		goto done;
	}
	/* every From field must be covered by h= */
	size_t nfrom = 0, hfrom = 0;
	for (size_t k = 0; k < msg->fields->len; k++)
		if (dkim_field_is(msg, &g_array_index(msg->fields, struct dkim_field, k), "from"))
			nfrom++;
	for (size_t k = 0; k < sig.h_count; k++)
		if (strcmp(sig.h[k], "from") == 0)
			hfrom++;
	if (nfrom > hfrom) {
		r->status = DKIM_FAIL;
		r->reason = "From field not covered by h=";
		goto done;
	}

	r->status = dkim_key_get(fetch, user, sig.s, sig.d, &key, &reason);
	if (r->status != DKIM_PASS) {
		r->reason = reason;
		goto done;
	}
	r->testing = key.testing;
	r->status = check_sig(msg, f, val_off, &sig, &key, &reason);
	r->reason = reason;
	dkim_key_clear(&key);
done:
	dkim_sig_clear(&sig);
}

size_t
dkim_verify(const uint8_t *m, size_t len, dkim_key_fetch fetch, void *user,
    int64_t now, struct dkim_result *out, size_t max)
{
	struct dkim_msg msg = { 0 };
	const char *reason = NULL;
	size_t n = 0;

	if (max == 0)
		return 0;
	if (max > DKIM_MAX_SIGNATURES)
		max = DKIM_MAX_SIGNATURES;
	if (m == NULL) {
		m = (const uint8_t *)"";
		len = 0;
	}
	if (!dkim_msg_split(m, len, &msg, &reason)) {
		memset(&out[0], 0, sizeof out[0]);
		out[0].status = DKIM_PERMERROR;
		out[0].reason = reason;
		dkim_msg_free(&msg);
		return 1;
	}
	if (msg.body_len > DKIM_MAX_BODY) {
		memset(&out[0], 0, sizeof out[0]);
		out[0].status = DKIM_PERMERROR;
		out[0].reason = "limit: body too large";
		dkim_msg_free(&msg);
		return 1;
	}
	for (size_t k = 0; k < msg.fields->len && n < max; k++) {
		const struct dkim_field *f = &g_array_index(msg.fields, struct dkim_field, k);
		if (dkim_field_is(&msg, f, "dkim-signature"))
			verify_one(&msg, f, fetch, user, now, &out[n++]);
	}
	if (n == 0) {
		memset(&out[0], 0, sizeof out[0]);
		out[0].status = DKIM_NONE;
		out[0].reason = "no signature";
		n = 1;
	}
	dkim_msg_free(&msg);
	return n;
}

void
dkim_results_clear(struct dkim_result *res, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		g_free(res[k].d);
		g_free(res[k].s);
		g_free(res[k].a);
		g_free(res[k].i);
		memset(&res[k], 0, sizeof res[k]);
	}
}

void
dkim_thread_cleanup(void)
{
	OPENSSL_thread_stop();
}
