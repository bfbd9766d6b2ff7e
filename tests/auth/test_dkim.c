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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8463_signed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
