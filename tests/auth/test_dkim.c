/*
 * test_dkim.c - DKIM verifier (src/auth/dkim.c): tag-list and key-record
 * parsing, canonicalisation (RFC 6376 3.4.6), RFC 8463 Appendix A.
 */
#include "test_helpers.h"

#include <stdio.h>

#include "auth/dkim.h"

/* ---- keys from a zone-like file: NAME [IN TXT] "value" ---- */

static enum dkim_key_status
zone_fetch(void *user, const char *name, char **txt, size_t *len)
{
	GHashTable *z = user;
	const char *v = g_hash_table_lookup(z, name);
	if (v == NULL)
		return DKIM_KEY_NOTFOUND;
	if (strcmp(v, "TEMPFAIL") == 0)
		return DKIM_KEY_TEMPFAIL;
	*txt = g_strdup(v);
	*len = strlen(v);
	return DKIM_KEY_FOUND;
}

static GHashTable *
zone_load(const char *path)
{
	gchar *data = NULL;
	assert_true(g_file_get_contents(path, &data, NULL, NULL));
	GHashTable *z = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gchar **lines = g_strsplit(data, "\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		if (**l == ';' || **l == '\0')
			continue;
		char *q1 = strchr(*l, '"'), *q2 = strrchr(*l, '"');
		char *sp = strchr(*l, ' ');
		if (q1 == NULL || q2 == q1 || sp == NULL)
			continue;
		*sp = '\0';
		size_t nl = strlen(*l);
		if (nl > 0 && (*l)[nl - 1] == '.')
			(*l)[nl - 1] = '\0';
		g_hash_table_replace(z, g_strdup(*l), g_strndup(q1 + 1, (gsize)(q2 - q1 - 1)));
	}
	g_strfreev(lines);
	g_free(data);
	return z;
}

static void
test_rfc8463_signed(void **state)
{
	(void)state;
	GHashTable *z = zone_load(DKIM_DATA_DIR "/rfc8463/dns.zone");
	gchar *msg = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(DKIM_DATA_DIR "/rfc8463/signed.eml", &msg, &len, NULL));
	struct dkim_result r[8];
	size_t n = dkim_verify((const uint8_t *)msg, len, zone_fetch, z, 1528637909, r, 8);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].reason, "ok");
	assert_int_equal(r[0].status, DKIM_PASS);
	assert_string_equal(r[0].a, "ed25519-sha256");
	assert_string_equal(r[0].s, "brisbane");
	assert_string_equal(r[0].d, "football.example.com");
	assert_string_equal(r[0].i, "@football.example.com");
	assert_false(r[0].l_used);
	assert_string_equal(r[1].reason, "ok");
	assert_int_equal(r[1].status, DKIM_PASS);
	assert_string_equal(r[1].a, "rsa-sha256");
	assert_string_equal(r[1].s, "test");
	dkim_results_clear(r, n);
	g_free(msg);
	g_hash_table_destroy(z);
}

/* ---- canonicalisation: RFC 6376 3.4.6 ---- */

static void
assert_bytes(GByteArray *got, const char *want)
{
	size_t wl = strlen(want);
	if (got->len != wl || (wl > 0 && memcmp(got->data, want, wl) != 0)) {
		print_error("got  \"%.*s\"\nwant \"%s\"\n", (int)got->len,
		    (const char *)got->data, want);
		fail();
	}
}

static void
canon_h(bool relaxed, const char *f, const char *want)
{
	GByteArray *o = g_byte_array_new();
	dkim_canon_header(relaxed, f, strlen(f), o);
	assert_bytes(o, want);
	g_byte_array_free(o, TRUE);
}

static void
canon_b(bool relaxed, const char *b, const char *want)
{
	GByteArray *o = g_byte_array_new();
	dkim_canon_body(relaxed, (const uint8_t *)b, strlen(b), o);
	assert_bytes(o, want);
	g_byte_array_free(o, TRUE);
}

static void
test_canon_rfc6376_example(void **state)
{
	(void)state;
	canon_h(true, "A: X\r\n", "a:X\r\n");
	canon_h(true, "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n");
	canon_h(false, "A: X\r\n", "A: X\r\n");
	canon_h(false, "B : Y\t\r\n\tZ  \r\n", "B : Y\t\r\n\tZ  \r\n");
	const char *body = " C \r\nD \t E\r\n\r\n\r\n";
	canon_b(true, body, " C\r\nD E\r\n");
	canon_b(false, body, " C \r\nD \t E\r\n");
}

static void
test_canon_body_edges(void **state)
{
	(void)state;
	/* empty body: simple is one CRLF, relaxed is empty (RFC 6376 errata) */
	canon_b(false, "", "\r\n");
	canon_b(true, "", "");
	canon_b(false, "\r\n\r\n", "\r\n");
	canon_b(true, " \r\n\t\r\n", "");
	/* bare LF read as CRLF; a missing final line end is added */
	canon_b(false, "a\nb\n\n", "a\r\nb\r\n");
	canon_b(true, "a  b\t\n", "a b\r\n");
	canon_b(false, "abc", "abc\r\n");
	/* simple keeps a whitespace-only line in the middle */
	canon_b(false, "a\r\n \r\nb\r\n", "a\r\n \r\nb\r\n");
	canon_b(true, "a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n");
}

static void
test_canon_header_edges(void **state)
{
	(void)state;
	canon_h(true, "SUBJECT:\t  hello   world \r\n", "subject:hello world\r\n");
	canon_h(true, "X-Empty:\r\n", "x-empty:\r\n");
	canon_h(true, "To: a,\r\n b,\r\n\t c\r\n", "to:a, b, c\r\n");
}

/* ---- signature tag lists ---- */

#define SIG_BASE "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=AAAA; b=AAAA"

static const char *
sig_err(const char *v)
{
	struct dkim_sig sig;
	const char *reason = NULL;
	bool ok = dkim_sig_parse(v, strlen(v), &sig, &reason);
	if (ok) {
		dkim_sig_clear(&sig);
		return NULL;
	}
	assert_non_null(reason);
	return reason;
}

static void
test_sig_parse_ok(void **state)
{
	(void)state;
	const char *v = " v=1;\r\n a=ed25519-sha256; c=relaxed/relaxed; d=Example.COM;"
	    " s=2026; h=From : To :\r\n\tSubject; i=user=40sub.example.com; l=42; q=dns/txt;"
	    " t=100; x=200; z=ignored|unknown; foo=bar;\r\n bh=AA\r\n AA; b=AAAA \r\n AAAA;";
	struct dkim_sig sig;
	const char *reason = NULL;
	assert_true(dkim_sig_parse(v, strlen(v), &sig, &reason));
	assert_int_equal(sig.alg, DKIM_ALG_ED25519_SHA256);
	assert_true(sig.hdr_relaxed);
	assert_true(sig.body_relaxed);
	assert_string_equal(sig.d, "Example.COM");
	assert_string_equal(sig.s, "2026");
	assert_string_equal(sig.i, "user@sub.example.com");
	assert_int_equal(sig.h_count, 3);
	assert_string_equal(sig.h[0], "from");
	assert_string_equal(sig.h[2], "subject");
	assert_true(sig.has_l);
	assert_int_equal(sig.l, 42);
	assert_int_equal(sig.x, 200);
	assert_int_equal(sig.bh_len, 3);
	assert_int_equal(sig.b_len, 6);
	/* b= value span: from after "b=" to the ';' */
	assert_memory_equal(v + sig.b_start, "AAAA \r\n AAAA", 12);
	dkim_sig_clear(&sig);

	/* c= with only the header algorithm: body is simple */
	assert_true(dkim_sig_parse(SIG_BASE "; c=relaxed", strlen(SIG_BASE "; c=relaxed"),
	    &sig, &reason));
	assert_true(sig.hdr_relaxed);
	assert_false(sig.body_relaxed);
	dkim_sig_clear(&sig);
	assert_null(sig_err(SIG_BASE));
	assert_null(sig_err(SIG_BASE ";"));
	assert_null(sig_err(SIG_BASE "; i=@example.com"));
	assert_null(sig_err(SIG_BASE "; i=@mail.example.com"));
	assert_null(sig_err(SIG_BASE "; a2=x"));
}

static void
test_sig_parse_errors(void **state)
{
	(void)state;
	assert_string_equal(sig_err(SIG_BASE "; d=other.com"), "duplicate tag");
	assert_string_equal(sig_err(SIG_BASE "; h=from"), "duplicate tag");
	assert_string_equal(sig_err("a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA"),
	    "missing required tag");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=AAAA"),
	    "missing required tag");
	assert_string_equal(sig_err("v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA"),
	    "v= is not 1");
	assert_string_equal(sig_err("v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA"),
	    "unknown a= algorithm");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=AAAA; b=AAAA"),
	    "h= does not include From");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; bh=AAAA; b=AAAA"),
	    "empty name in h=");
	assert_string_equal(sig_err(SIG_BASE "; i=user@example.org"), "i= domain outside d=");
	assert_string_equal(sig_err(SIG_BASE "; i=user@badexample.com"), "i= domain outside d=");
	assert_string_equal(sig_err(SIG_BASE "; i=example.com"), "i= without @");
	assert_string_equal(sig_err(SIG_BASE "; l=12a"), "bad l= value");
	assert_string_equal(sig_err(SIG_BASE "; l=-1"), "bad l= value");
	assert_string_equal(sig_err(SIG_BASE "; t=200; x=100"), "x= before t=");
	assert_string_equal(sig_err(SIG_BASE "; q=http"), "q= without dns/txt");
	assert_string_equal(sig_err(SIG_BASE "; c=fancy/simple"), "bad c= header canonicalization");
	assert_string_equal(sig_err(SIG_BASE "; c=simple/fancy"), "bad c= body canonicalization");
	assert_string_equal(sig_err(SIG_BASE ";; x=1"), "empty tag");
	assert_string_equal(sig_err(SIG_BASE "; novalue"), "tag without =");
	assert_string_equal(sig_err(SIG_BASE "; 9x=1"), "bad tag name");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; bh=AAAA; b=AAAA"),
	    "bad d= domain");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=sel; h=from; bh=AAAA; b=AAAA"),
	    "bad d= domain");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AA*A"),
	    "bad b= base64");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAA; b=AAAA"),
	    "bad bh= base64");
	assert_string_equal(sig_err("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AA=A; b=AAAA"),
	    "bad bh= base64");
	assert_string_equal(sig_err(""), "missing required tag");
}

/* ---- key records ---- */

static const char *
key_err(const char *v, struct dkim_key *out)
{
	struct dkim_key key;
	const char *reason = NULL;
	if (dkim_key_parse(v, strlen(v), &key, &reason)) {
		if (out != NULL)
			*out = key;
		else
			dkim_key_clear(&key);
		return NULL;
	}
	return reason;
}

static void
test_key_parse(void **state)
{
	(void)state;
	struct dkim_key k;
	assert_null(key_err("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", &k));
	assert_int_equal(k.type, DKIM_KEY_ED25519);
	assert_int_equal(k.p_len, 32);
	assert_true(k.sha256_ok && k.email_ok && !k.testing && !k.strict && !k.revoked);
	dkim_key_clear(&k);
	assert_null(key_err("k=rsa; t=y:s; h=sha1:sha256; s=email; p=AAAA", &k));
	assert_int_equal(k.type, DKIM_KEY_RSA);
	assert_true(k.testing && k.strict && k.sha256_ok && k.email_ok);
	dkim_key_clear(&k);
	assert_null(key_err("p=AAAA; h=sha1; s=chat; n=note; zz=unknown", &k));
	assert_false(k.sha256_ok);
	assert_false(k.email_ok);
	dkim_key_clear(&k);
	assert_null(key_err("k=rsa; t=y; p=", &k));
	assert_true(k.revoked);
	dkim_key_clear(&k);
	assert_null(key_err("s=*; p=AAAA", &k));
	assert_true(k.email_ok);
	dkim_key_clear(&k);

	assert_string_equal(key_err("v=DKIM1:; p=AAAA", NULL), "bad key record v=");
	assert_string_equal(key_err("k=rsa; v=DKIM1; p=AAAA", NULL), "bad key record v=");
	assert_string_equal(key_err("k=ed25519-sha256; p=AAAA", NULL), "unknown key type k=");
	assert_string_equal(key_err("k=rsa; t; p=AAAA", NULL), "tag without =");
	assert_string_equal(key_err("k=rsa", NULL), "key record without p=");
	assert_string_equal(key_err("p=AAAA; p=BBBB", NULL), "duplicate tag");
	assert_string_equal(key_err("p=A!AA", NULL), "bad p= base64");
	assert_string_equal(key_err("k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=",
	    NULL), "ed25519 key is not 32 bytes");
}

/* ---- verification outcomes on the RFC 8463 message, changed ---- */

static struct dkim_result
verify_str(GHashTable *z, const char *msg, size_t len, int64_t now, size_t idx)
{
	struct dkim_result r[8];
	size_t n = dkim_verify((const uint8_t *)msg, len, zone_fetch, z, now, r, 8);
	assert_true(idx < n);
	struct dkim_result out = r[idx];
	r[idx].d = r[idx].s = r[idx].a = r[idx].i = NULL;
	dkim_results_clear(r, n);
	return out;
}

static void
test_verify_variants(void **state)
{
	(void)state;
	GHashTable *z = zone_load(DKIM_DATA_DIR "/rfc8463/dns.zone");
	gchar *msg = NULL;
	gsize len = 0;
	struct dkim_result r;
	assert_true(g_file_get_contents(DKIM_DATA_DIR "/rfc8463/signed.eml", &msg, &len, NULL));

	/* bare LF line ends: still pass */
	GString *lf = g_string_new(NULL);
	for (gsize k = 0; k < len; k++)
		if (msg[k] != '\r')
			g_string_append_c(lf, msg[k]);
	r = verify_str(z, lf->str, lf->len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_PASS);
	dkim_results_clear(&r, 1);
	r = verify_str(z, lf->str, lf->len, 1528637909, 1);
	assert_int_equal(r.status, DKIM_PASS);
	dkim_results_clear(&r, 1);
	g_string_free(lf, TRUE);

	/* body changed */
	gchar *m2 = g_strdup(msg);
	*strstr(m2, "hungry") = 'H';
	r = verify_str(z, m2, len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_FAIL);
	assert_string_equal(r.reason, "body hash mismatch");
	dkim_results_clear(&r, 1);
	g_free(m2);

	/* signed header changed */
	m2 = g_strdup(msg);
	*strstr(m2, "dinner") = 'D';
	r = verify_str(z, m2, len, 1528637909, 1);
	assert_int_equal(r.status, DKIM_FAIL);
	assert_string_equal(r.reason, "bad signature");
	dkim_results_clear(&r, 1);
	g_free(m2);

	/* a second From added above: h= lists from twice (oversigned), so
	 * the added one is hashed and breaks the signature */
	gchar *m3 = g_strconcat("From: evil@example.net\r\n", msg, NULL);
	r = verify_str(z, m3, strlen(m3), 1528637909, 0);
	assert_int_equal(r.status, DKIM_FAIL);
	assert_string_equal(r.reason, "bad signature");
	dkim_results_clear(&r, 1);
	g_free(m3);

	/* an unsigned header added above: still pass */
	m3 = g_strconcat("Received: from x by y\r\nX-Note: \xe6\x97\xa5\r\n", msg, NULL);
	r = verify_str(z, m3, strlen(m3), 1528637909, 0);
	assert_int_equal(r.status, DKIM_PASS);
	dkim_results_clear(&r, 1);
	g_free(m3);

	/* key lookups: tempfail, not found, revoked, wrong key type */
	g_hash_table_replace(z, g_strdup("brisbane._domainkey.football.example.com"), g_strdup("TEMPFAIL"));
	r = verify_str(z, msg, len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_TEMPERROR);
	dkim_results_clear(&r, 1);
	g_hash_table_remove(z, "brisbane._domainkey.football.example.com");
	r = verify_str(z, msg, len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_PERMERROR);
	assert_string_equal(r.reason, "no key record");
	dkim_results_clear(&r, 1);
	g_hash_table_replace(z, g_strdup("brisbane._domainkey.football.example.com"), g_strdup("v=DKIM1; k=ed25519; p="));
	r = verify_str(z, msg, len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_FAIL);
	assert_string_equal(r.reason, "key revoked");
	dkim_results_clear(&r, 1);
	g_hash_table_replace(z, g_strdup("brisbane._domainkey.football.example.com"),
	    g_strdup("v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));
	r = verify_str(z, msg, len, 1528637909, 0);
	assert_int_equal(r.status, DKIM_PERMERROR);
	assert_string_equal(r.reason, "key type does not match a=");
	dkim_results_clear(&r, 1);
	/* the 512-bit RSA key from Mail::DKIM's tests: too small (RFC 8301) */
	g_hash_table_replace(z, g_strdup("test._domainkey.football.example.com"),
	    g_strdup("p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/R1WzN4MO/kI/7XsCAwEAAQ=="));
	r = verify_str(z, msg, len, 1528637909, 1);
	assert_int_equal(r.status, DKIM_FAIL);
	assert_string_equal(r.reason, "RSA key too small");
	dkim_results_clear(&r, 1);

	/* t= far in the future */
	r = verify_str(z, msg, len, 1528637909 - 2 * DKIM_FUTURE_SLOP, 0);
	assert_int_equal(r.status, DKIM_PERMERROR);
	dkim_results_clear(&r, 1);

	/* no signature at all */
	const char *plain = "From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n";
	r = verify_str(z, plain, strlen(plain), 0, 0);
	assert_int_equal(r.status, DKIM_NONE);
	dkim_results_clear(&r, 1);
	r = verify_str(z, "", 0, 0, 0);
	assert_int_equal(r.status, DKIM_NONE);
	dkim_results_clear(&r, 1);

	g_free(msg);
	g_hash_table_destroy(z);
}

static void
test_verify_expired_and_sha1(void **state)
{
	(void)state;
	const char *m1 = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from;"
	    " t=100; x=200; l=5; bh=AAAA; b=AAAA\r\nFrom: a@example.com\r\n\r\nhello\r\n";
	struct dkim_result r[8];
	size_t n = dkim_verify((const uint8_t *)m1, strlen(m1), NULL, NULL, 300, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].status, DKIM_FAIL);
	assert_string_equal(r[0].reason, "signature expired");
	assert_true(r[0].l_used);
	assert_int_equal(r[0].l, 5);
	dkim_results_clear(r, n);
	const char *m2 = "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s; h=from;"
	    " bh=AAAA; b=AAAA\r\nDKIM-Signature: v=1; d=example.com\r\n"
	    "From: a@example.com\r\n\r\nhello\r\n";
	n = dkim_verify((const uint8_t *)m2, strlen(m2), NULL, NULL, 300, r, 8);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].status, DKIM_PERMERROR);
	assert_string_equal(r[0].a, "rsa-sha1");
	assert_int_equal(r[1].status, DKIM_PERMERROR);
	assert_string_equal(r[1].d, "example.com");
	dkim_results_clear(r, n);
	/* two From fields, h= lists from once */
	const char *m3 = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from;"
	    " bh=AAAA; b=AAAA\r\nFrom: evil@example.net\r\nFrom: a@example.com\r\n\r\nhello\r\n";
	n = dkim_verify((const uint8_t *)m3, strlen(m3), NULL, NULL, 300, r, 8);
	assert_int_equal(r[0].status, DKIM_FAIL);
	assert_string_equal(r[0].reason, "From field not covered by h=");
	dkim_results_clear(r, n);
	/* the cap: at most max results */
	n = dkim_verify((const uint8_t *)m2, strlen(m2), NULL, NULL, 300, r, 1);
	assert_int_equal(n, 1);
	dkim_results_clear(r, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8463_signed),
		cmocka_unit_test(test_canon_rfc6376_example),
		cmocka_unit_test(test_canon_body_edges),
		cmocka_unit_test(test_canon_header_edges),
		cmocka_unit_test(test_sig_parse_ok),
		cmocka_unit_test(test_sig_parse_errors),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_verify_variants),
		cmocka_unit_test(test_verify_expired_and_sha1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
