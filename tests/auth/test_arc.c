/*
 * test_arc.c - ARC chain validator (src/auth/arc.c): the ARC-Seal parser,
 * chain structure rules, results of a pass (sealer, AAR, oldest-pass) and
 * temporary key lookup failures.  The chain messages are seeds of the fuzz
 * corpus (from the ARC validation suite, CRLF line ends).
 */
#include "test_helpers.h"

#include <stdio.h>

#include "auth/arc.h"

/* the suite's dummy._domainkey.example.org key (published test key) */
static const char dummy_key[] =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6"
    "NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/"
    "e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTI"
    "KT+l/K4w3QIDAQAB";

static int fetches;
static char mode_ok[] = "ok", mode_tempfail[] = "tempfail";

static enum dkim_key_status
key_fetch(void *user, const char *name, char **txt, size_t *len)
{
	const char *mode = user;
	fetches++;
	if (strcmp(mode, "tempfail") == 0)
		return DKIM_KEY_TEMPFAIL;
	if (strcmp(name, "dummy._domainkey.example.org") != 0)
		return DKIM_KEY_NOTFOUND;
	*txt = g_strdup(dummy_key);
	*len = strlen(dummy_key);
	return DKIM_KEY_FOUND;
}

static gchar *
corpus(const char *name, gsize *len)
{
	gchar *path = g_build_filename(ARC_CORPUS_DIR, name, NULL);
	gchar *data = NULL;
	assert_true(g_file_get_contents(path, &data, len, NULL));
	g_free(path);
	return data;
}

static void
test_seal_parse(void **state)
{
	(void)state;
	struct arc_seal as;
	const char *reason = NULL;
	static const char ok[] = " a=rsa-sha256;\r\n b=AAAA; cv=Pass;"
	    " d=example.org; i=7; s=sel; t=12345; x_unknown=1;";

	assert_true(arc_seal_parse(ok, strlen(ok), &as, &reason));
	assert_int_equal(as.instance, 7);
	assert_int_equal(as.alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(as.cv, ARC_CV_PASS);
	assert_string_equal(as.d, "example.org");
	assert_string_equal(as.s, "sel");
	assert_int_equal(as.b_len, 3);
	assert_true(as.has_t);
	assert_int_equal(as.t, 12345);
	assert_memory_equal(ok + as.b_start, "b=AAAA" + 2, 4);
	arc_seal_clear(&as);

	static const char *const bad[] = {
		"a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel",	/* no i= */
		"i=0; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel",
		"i=51; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel",
		"i=1x; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel",
		"i=1; a=rsa-sha1; b=AAAA; cv=none; d=example.org; s=sel",
		"i=1; a=rsa-sha256; b=AAAA; cv=maybe; d=example.org; s=sel",
		"i=1; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel; h=from",
		"i=1; a=rsa-sha256; b=A!AA; cv=none; d=example.org; s=sel",
		"i=1; a=rsa-sha256; b=; cv=none; d=example.org; s=sel",
		"i=1; a=rsa-sha256; b=AAAA; cv=none; d=.org; s=sel",
		"i=1; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel; t=",
		"i=1; a=rsa-sha256; b=AAAA; cv=none; d=example.org; s=sel; t=1 2",
		"i=1; a=rsa-sha256; b=AAAA; i=1; cv=none; d=example.org; s=sel",
		"i=1; a=rsa-sha256; b=AAAA;; cv=none; d=example.org; s=sel",
		"",
	};
	for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
		reason = NULL;
		if (arc_seal_parse(bad[k], strlen(bad[k]), &as, &reason))
			fail_msg("accepted: %s", bad[k]);
		assert_non_null(reason);
		assert_null(as.d);
		assert_null(as.b);
	}
}

static void
test_none_and_structure(void **state)
{
	(void)state;
	struct arc_result r;
	static const char plain[] = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";

	arc_validate(BYTES(plain), key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_NONE);
	assert_int_equal(r.instances, 0);
	assert_int_equal(r.oldest_pass, -1);
	assert_null(r.sealer);
	arc_result_clear(&r);

	arc_validate(NULL, 0, key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_NONE);
	arc_result_clear(&r);

	/* an AAR alone: incomplete set */
	static const char aar_only[] = "ARC-Authentication-Results: i=1; x; spf=pass\r\n"
	    "From: a@example.org\r\n\r\nbody\r\n";
	arc_validate(BYTES(aar_only), key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_FAIL);
	assert_int_equal(r.instances, 1);
	arc_result_clear(&r);

	/* instance out of range */
	static const char i51[] = "ARC-Authentication-Results: i=51; x; spf=pass\r\n"
	    "\r\n";
	arc_validate(BYTES(i51), key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_FAIL);
	arc_result_clear(&r);
}

static void
test_pass_results(void **state)
{
	(void)state;
	gsize len = 0;
	gchar *m = corpus("cv_pass_i2_1", &len);
	struct arc_result r;

	fetches = 0;
	arc_validate((const uint8_t *)m, len, key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_PASS);
	assert_int_equal(r.instances, 2);
	assert_int_equal(r.oldest_pass, 0);
	assert_string_equal(r.sealer, "example.org");
	assert_string_equal(r.aar, "lists.example.org; spf=pass "
	    "smtp.mfrom=jqd@d1.example; dkim=pass (1024-bit key) "
	    "header.i=@d1.example; dmarc=pass");
	assert_false(r.temperror);
	assert_int_equal(fetches, 4);	/* AMS 2, AS 2, AS 1, AMS 1 */
	arc_result_clear(&r);
	assert_null(r.sealer);

	/* LF line ends read as CRLF */
	GString *lf = g_string_new(NULL);
	for (gsize k = 0; k < len; k++)
		if (m[k] != '\r')
			g_string_append_c(lf, m[k]);
	arc_validate((const uint8_t *)lf->str, lf->len, key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_PASS);
	arc_result_clear(&r);
	g_string_free(lf, TRUE);

	/* a body change breaks the latest AMS */
	GString *mod = g_string_new_len(m, (gssize)len);
	g_string_append(mod, "tampered\r\n");
	arc_validate((const uint8_t *)mod->str, mod->len, key_fetch, mode_ok, &r);
	assert_int_equal(r.cv, ARC_CV_FAIL);
	assert_null(r.sealer);
	assert_null(r.aar);
	assert_string_equal(r.reason, "body hash mismatch");
	arc_result_clear(&r);
	g_string_free(mod, TRUE);
	g_free(m);
}

static void
test_tempfail(void **state)
{
	(void)state;
	gsize len = 0;
	gchar *m = corpus("cv_pass_i2_1", &len);
	struct arc_result r;

	arc_validate((const uint8_t *)m, len, key_fetch, mode_tempfail, &r);
	assert_int_equal(r.cv, ARC_CV_FAIL);
	assert_true(r.temperror);
	arc_result_clear(&r);

	/* no key at all: a plain fail */
	arc_validate((const uint8_t *)m, len, NULL, NULL, &r);
	assert_int_equal(r.cv, ARC_CV_FAIL);
	assert_false(r.temperror);
	arc_result_clear(&r);
	g_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_parse),
		cmocka_unit_test(test_none_and_structure),
		cmocka_unit_test(test_pass_results),
		cmocka_unit_test(test_tempfail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
