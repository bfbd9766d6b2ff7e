/*
 * arc.c - ARC chain validation (see arc.h).
 *
 * Purpose: RFC 8617 section 5.2 validation of the ARC sets of a raw
 * message: ARC-Seal (AS), ARC-Message-Signature (AMS) and
 * ARC-Authentication-Results (AAR), instance 1..N.
 *
 * Design:
 *  - The message is split once by dkim_msg_split (line ends made CRLF).
 *  - Every ARC field is read for its instance: AS fully (arc_seal_parse),
 *    AMS by its tag list, AAR by its "i=N;" prefix.  Anything unreadable,
 *    an instance out of 1..50, a duplicate, a missing member of a set 1..N
 *    fails the chain (RFC 8617 5.2 steps 1-3); no ARC field at all is none.
 *  - A latest AS with cv=fail fails at once; then instance 1 must say
 *    cv=none and every later one cv=pass.
 *  - The latest AMS is verified like a DKIM signature (dkim_sig_check);
 *    it must not sign ARC-Seal fields.  Then every AS from N down to 1:
 *    its hash covers, for instances 1..i in turn, AAR, AMS and AS, relaxed
 *    header canonicalisation, the AS being checked last with b= emptied
 *    and no final CRLF (RFC 8617 5.1.1 / 5.2 step 5); verified with
 *    dkim_hash_verify.
 *  - Only after a pass is oldest-pass computed (older AMSs verified from
 *    N-1 down; step 6), so that a broken chain costs no further lookups.
 *
 * Limits: DKIM_ARC_MAX_INSTANCE sets, DKIM_MAX_SIG_FIELD per AS/AMS, the
 * dkim.h message limits.  No time checks (no clock given).
 *
 * Security: all input is hostile: (pointer, length) parsing with bounds
 * checks, strict tag lists, strict base64; at most 2N key lookups (one
 * per AS, one per AMS), all through the caller's callback.
 */
#include "auth/arc.h"

#include <string.h>

#include <openssl/evp.h>

const char *
arc_cv_name(enum arc_cv cv)
{
	switch (cv) {
	case ARC_CV_NONE: return "none";
	case ARC_CV_PASS: return "pass";
	case ARC_CV_FAIL: return "fail";
	}
	return "?";
}

static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
val_is(const struct dkim_tag *t, const char *v)
{
	return t->val_len == strlen(v) &&
	    g_ascii_strncasecmp(t->val, v, t->val_len) == 0;
}

/* ---- ARC-Seal ---- */

void
arc_seal_clear(struct arc_seal *as)
{
	if (as == NULL)
		return;
	g_free(as->d);
	g_free(as->s);
	g_free(as->b);
	memset(as, 0, sizeof *as);
}

#define AS_FAIL(r) do { *reason = (r); goto fail; } while (0)

bool
arc_seal_parse(const char *val, size_t len, struct arc_seal *as,
    const char **reason)
{
	struct dkim_tag tags[DKIM_MAX_TAGS];
	size_t nt;
	const struct dkim_tag *t;

	memset(as, 0, sizeof *as);
	if (val == NULL)
		val = "";
	if (len > DKIM_MAX_SIG_FIELD) {
		*reason = "limit: seal field too long";
		return false;
	}
	if (!dkim_taglist_parse(val, len, tags, &nt, reason))
		return false;
	static const char *const required[] = { "i", "a", "b", "cv", "d", "s" };
	for (size_t k = 0; k < G_N_ELEMENTS(required); k++)
		if (dkim_tag_find(tags, nt, required[k]) == NULL) {
			*reason = "missing required tag";
			return false;
		}
	if (dkim_tag_find(tags, nt, "h") != NULL) {
		*reason = "h= in an ARC-Seal";
		return false;
	}
	t = dkim_tag_find(tags, nt, "i");
	if (!dkim_arc_instance(t->val, t->val_len, &as->instance))
		AS_FAIL("bad i= instance");
	t = dkim_tag_find(tags, nt, "a");
	if (val_is(t, "rsa-sha256"))
		as->alg = DKIM_ALG_RSA_SHA256;
	else if (val_is(t, "ed25519-sha256"))
		as->alg = DKIM_ALG_ED25519_SHA256;
	else
		AS_FAIL("unknown or refused a= algorithm");
	t = dkim_tag_find(tags, nt, "cv");
	if (val_is(t, "none"))
		as->cv = ARC_CV_NONE;
	else if (val_is(t, "pass"))
		as->cv = ARC_CV_PASS;
	else if (val_is(t, "fail"))
		as->cv = ARC_CV_FAIL;
	else
		AS_FAIL("bad cv= value");
	t = dkim_tag_find(tags, nt, "b");
	if (!dkim_b64_decode(t->val, t->val_len, &as->b, &as->b_len) ||
	    as->b_len == 0) {
		g_free(as->b);	/* NULL on decode failure; empty buffer else */
		as->b = NULL;
		AS_FAIL("bad b= base64");
	}
	as->b_start = t->raw_start;
	as->b_end = t->raw_end;
	t = dkim_tag_find(tags, nt, "d");
	if (!dkim_domain_ok(t->val, t->val_len))
		AS_FAIL("bad d= domain");
	as->d = g_strndup(t->val, t->val_len);
	t = dkim_tag_find(tags, nt, "s");
	if (!dkim_domain_ok(t->val, t->val_len))
		AS_FAIL("bad s= selector");
	as->s = g_strndup(t->val, t->val_len);
	if ((t = dkim_tag_find(tags, nt, "t")) != NULL) {
		uint64_t v = 0;
		if (t->val_len == 0 || t->val_len > 19)
			AS_FAIL("bad t= value");
		for (size_t k = 0; k < t->val_len; k++) {
			if (!g_ascii_isdigit(t->val[k]))
				AS_FAIL("bad t= value");
			v = v * 10 + (uint64_t)(t->val[k] - '0');
		}
		as->t = v;
		as->has_t = true;
	}
	return true;
fail:
	arc_seal_clear(as);
	return false;
}

/* ---- ARC-Authentication-Results: "i=N;" prefix ---- */

/* Instance of an AAR value and the offset just after its ';'. */
static bool
aar_instance(const char *v, size_t n, unsigned *inst, size_t *rest)
{
	size_t p = 0;
	while (p < n && is_fws((unsigned char)v[p]))
		p++;
	if (p >= n || v[p] != 'i')
		return false;
	p++;
	while (p < n && is_fws((unsigned char)v[p]))
		p++;
	if (p >= n || v[p] != '=')
		return false;
	p++;
	while (p < n && is_fws((unsigned char)v[p]))
		p++;
	size_t a = p;
	while (p < n && g_ascii_isdigit(v[p]))
		p++;
	if (!dkim_arc_instance(v + a, p - a, inst))
		return false;
	while (p < n && is_fws((unsigned char)v[p]))
		p++;
	if (p >= n || v[p] != ';')
		return false;
	*rest = p + 1;
	return true;
}

/* The AAR text after "i=N;": unfolded, WSP runs made one space, trimmed. */
static char *
aar_text(const char *v, size_t n)
{
	GString *o = g_string_sized_new(n);
	bool sp = false;
	for (size_t k = 0; k < n; k++) {
		if (is_fws((unsigned char)v[k])) {
			sp = true;
			continue;
		}
		if (sp && o->len > 0)
			g_string_append_c(o, ' ');
		sp = false;
		g_string_append_c(o, v[k]);
	}
	return g_string_free(o, FALSE);
}

/* ---- the chain ---- */

struct arc_set {
	const struct dkim_field *as, *ams, *aar;
	struct arc_seal seal;
	size_t aar_rest;	/* AAR text offset in its value */
};

struct arc_ctx {
	struct dkim_msg msg;
	struct arc_set sets[DKIM_ARC_MAX_INSTANCE + 1];
	dkim_key_fetch fetch;
	void *user;
	bool temperror;
};

/* value of a field: offset of its first byte and length without CRLF */
static const char *
field_value(const struct dkim_msg *msg, const struct dkim_field *f,
    size_t *val_off, size_t *val_len)
{
	const char *fv = (const char *)msg->hdr->data + f->off;
	*val_off = f->name_len;
	while (fv[*val_off] != ':')	/* dkim_msg_split: a ':' follows */
		(*val_off)++;
	(*val_off)++;
	*val_len = f->len - 2 - *val_off;
	return fv;
}

/* Verify AMS(i); true on pass, else *reason. */
static bool
ams_verify(struct arc_ctx *c, unsigned i, const char **reason)
{
	const struct dkim_field *f = c->sets[i].ams;
	size_t vo, vl;
	const char *fv = field_value(&c->msg, f, &vo, &vl);
	struct dkim_sig sig;
	struct dkim_key key;
	enum dkim_status st;

	if (!dkim_sig_parse_ex(fv + vo, vl, DKIM_PARSE_AMS, &sig, reason))
		return false;
	bool ok = false;
	if (sig.alg == DKIM_ALG_RSA_SHA1) {
		*reason = "rsa-sha1 not accepted";
		goto out;
	}
	for (size_t k = 0; k < sig.h_count; k++)
		if (strcmp(sig.h[k], "arc-seal") == 0) {
			*reason = "h= lists ARC-Seal";
			goto out;
		}
	st = dkim_key_get(c->fetch, c->user, sig.s, sig.d, &key, reason);
	if (st != DKIM_PASS) {
		if (st == DKIM_TEMPERROR)
			c->temperror = true;
		goto out;
	}
	ok = dkim_sig_check(&c->msg, f, &sig, &key, reason) == DKIM_PASS;
	dkim_key_clear(&key);
out:
	dkim_sig_clear(&sig);
	return ok;
}

static void
canon_field(const struct dkim_msg *msg, const struct dkim_field *f,
    GByteArray *out)
{
	dkim_canon_header(true, (const char *)msg->hdr->data + f->off, f->len, out);
}

/* Verify AS(i); true on pass, else *reason. */
static bool
as_verify(struct arc_ctx *c, unsigned i, const char **reason)
{
	const struct arc_seal *as = &c->sets[i].seal;
	GByteArray *buf = g_byte_array_new();
	uint8_t hash[32];
	unsigned int hl = 0;
	bool ok = false;

	for (unsigned k = 1; k <= i; k++) {
		canon_field(&c->msg, c->sets[k].aar, buf);
		canon_field(&c->msg, c->sets[k].ams, buf);
		if (k < i)
			canon_field(&c->msg, c->sets[k].as, buf);
	}
	/* the AS itself, b= value emptied, no final CRLF */
	const struct dkim_field *f = c->sets[i].as;
	size_t vo, vl;
	const char *fv = field_value(&c->msg, f, &vo, &vl);
	GByteArray *tmp = g_byte_array_sized_new((guint)f->len);
	g_byte_array_append(tmp, (const guint8 *)fv, (guint)(vo + as->b_start));
	g_byte_array_append(tmp, (const guint8 *)fv + vo + as->b_end,
	    (guint)(f->len - vo - as->b_end));
	dkim_canon_header(true, (const char *)tmp->data, tmp->len, buf);
	g_byte_array_free(tmp, TRUE);
	g_byte_array_set_size(buf, buf->len - 2);

	if (EVP_Digest(buf->data, buf->len, hash, &hl, EVP_sha256(), NULL) != 1 ||
	    hl != 32) {
		*reason = "hash error";
		goto out;
	}
	struct dkim_key key;
	enum dkim_status st = dkim_key_get(c->fetch, c->user, as->s, as->d,
	    &key, reason);
	if (st != DKIM_PASS) {
		if (st == DKIM_TEMPERROR)
			c->temperror = true;
		goto out;
	}
	ok = dkim_hash_verify(&key, as->alg, as->b, as->b_len, hash, reason) ==
	    DKIM_PASS;
	dkim_key_clear(&key);
out:
	g_byte_array_free(buf, TRUE);
	return ok;
}

/* Read one ARC field into its set; false: chain fails (*reason). */
static bool
collect(struct arc_ctx *c, const struct dkim_field *f, int kind,
    unsigned *maxi, const char **reason)
{
	size_t vo, vl;
	const char *fv = field_value(&c->msg, f, &vo, &vl);
	unsigned inst = 0;
	const char *r = NULL;

	if (kind == 0) {	/* ARC-Seal */
		struct arc_seal as;
		if (!arc_seal_parse(fv + vo, vl, &as, &r)) {
			*reason = "unreadable ARC-Seal";
			return false;
		}
		inst = as.instance;
		if (c->sets[inst].as != NULL) {
			arc_seal_clear(&as);
			*reason = "duplicate ARC-Seal instance";
			return false;
		}
		c->sets[inst].as = f;
		c->sets[inst].seal = as;
	} else if (kind == 1) {	/* ARC-Message-Signature */
		struct dkim_tag tags[DKIM_MAX_TAGS];
		size_t nt;
		const struct dkim_tag *t;
		if (vl > DKIM_MAX_SIG_FIELD ||
		    !dkim_taglist_parse(fv + vo, vl, tags, &nt, &r) ||
		    (t = dkim_tag_find(tags, nt, "i")) == NULL ||
		    !dkim_arc_instance(t->val, t->val_len, &inst)) {
			*reason = "unreadable ARC-Message-Signature";
			return false;
		}
		if (c->sets[inst].ams != NULL) {
			*reason = "duplicate ARC-Message-Signature instance";
			return false;
		}
		c->sets[inst].ams = f;
	} else {		/* ARC-Authentication-Results */
		size_t rest;
		if (!aar_instance(fv + vo, vl, &inst, &rest)) {
			*reason = "unreadable ARC-Authentication-Results";
			return false;
		}
		if (c->sets[inst].aar != NULL) {
			*reason = "duplicate ARC-Authentication-Results instance";
			return false;
		}
		c->sets[inst].aar = f;
		c->sets[inst].aar_rest = rest;
	}
	if (inst > *maxi)
		*maxi = inst;
	return true;
}

static void
chain(struct arc_ctx *c, struct arc_result *out)
{
	unsigned n = 0;
	bool any = false;
	const char *reason = NULL;

	out->cv = ARC_CV_FAIL;
	for (guint k = 0; k < c->msg.fields->len; k++) {
		const struct dkim_field *f = &g_array_index(c->msg.fields,
		    struct dkim_field, k);
		int kind;
		if (dkim_field_is(&c->msg, f, "arc-seal"))
			kind = 0;
		else if (dkim_field_is(&c->msg, f, "arc-message-signature"))
			kind = 1;
		else if (dkim_field_is(&c->msg, f, "arc-authentication-results"))
			kind = 2;
		else
			continue;
		any = true;
		if (!collect(c, f, kind, &n, &reason)) {
			out->instances = n;
			out->reason = reason;
			return;
		}
	}
	out->instances = n;
	if (!any) {
		out->cv = ARC_CV_NONE;
		out->reason = "no ARC fields";
		return;
	}
	/* step 2: the latest seal says the chain already failed */
	if (c->sets[n].as != NULL && c->sets[n].seal.cv == ARC_CV_FAIL) {
		out->reason = "latest ARC-Seal has cv=fail";
		return;
	}
	/* step 3: structure */
	for (unsigned i = 1; i <= n; i++) {
		const struct arc_set *s = &c->sets[i];
		if (s->as == NULL || s->ams == NULL || s->aar == NULL) {
			out->reason = "incomplete ARC set";
			return;
		}
		if (s->seal.cv != (i == 1 ? ARC_CV_NONE : ARC_CV_PASS)) {
			out->reason = i == 1 ? "ARC-Seal i=1 without cv=none" :
			    "ARC-Seal i>1 without cv=pass";
			return;
		}
	}
	/* step 4: the latest AMS */
	if (!ams_verify(c, n, &reason)) {
		out->reason = reason;	/* static text from dkim */
		return;
	}
	/* step 5: every seal, newest first */
	for (unsigned i = n; i >= 1; i--)
		if (!as_verify(c, i, &reason)) {
			out->reason = reason;
			return;
		}
	/* step 6: oldest-pass */
	out->oldest_pass = 0;
	for (unsigned i = n - 1; i >= 1; i--)
		if (!ams_verify(c, i, &reason)) {
			out->oldest_pass = (int)i + 1;
			break;
		}
	c->temperror = false;	/* only a fail reports it */
	out->cv = ARC_CV_PASS;
	out->reason = "ok";
	out->sealer = g_strdup(c->sets[n].seal.d);
	size_t vo, vl;
	const char *fv = field_value(&c->msg, c->sets[n].aar, &vo, &vl);
	out->aar = aar_text(fv + vo + c->sets[n].aar_rest,
	    vl - c->sets[n].aar_rest);
}

void
arc_validate(const uint8_t *m, size_t len, dkim_key_fetch fetch, void *user,
    struct arc_result *out)
{
	struct arc_ctx *c = g_new0(struct arc_ctx, 1);
	const char *reason = NULL;

	memset(out, 0, sizeof *out);
	out->oldest_pass = -1;
	c->fetch = fetch;
	c->user = user;
	if (m == NULL) {
		m = (const uint8_t *)"";
		len = 0;
	}
	if (!dkim_msg_split(m, len, &c->msg, &reason)) {
		out->cv = ARC_CV_FAIL;
		out->reason = reason;
	} else if (c->msg.body_len > DKIM_MAX_BODY) {
		out->cv = ARC_CV_FAIL;
		out->reason = "limit: body too large";
	} else {
		chain(c, out);
		out->temperror = out->cv == ARC_CV_FAIL && c->temperror;
	}
	for (unsigned i = 0; i <= DKIM_ARC_MAX_INSTANCE; i++)
		arc_seal_clear(&c->sets[i].seal);
	dkim_msg_free(&c->msg);
	g_free(c);
}

void
arc_result_clear(struct arc_result *res)
{
	if (res == NULL)
		return;
	g_free(res->sealer);
	g_free(res->aar);
	memset(res, 0, sizeof *res);
	res->oldest_pass = -1;
}
