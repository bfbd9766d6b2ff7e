/*
 * fuzz_url.c - libFuzzer target for the URL library (src/url/url.c): the
 * input is one URL.  url_parse(), then what the urls module does with a
 * URL: url_unwrap() up to 4 levels (a wrapper inside a wrapper), the
 * registrable domain, a host-set lookup, the homograph test and the data:
 * test.  Beyond the sanitizers, the invariants of url.h are checked:
 * the normal form bounded by URL_MAX, the scheme lower-case and first in
 * it, a host for every host kind but NONE, an IPv4 host a dotted quad and
 * an IPv6 one in brackets, an unwrapped target no longer than its wrapper.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "url/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct url *u)
{
	if (u->scheme == NULL || u->norm == NULL || u->path == NULL || u->raw == NULL)
		abort();
	if (strlen(u->norm) > URL_MAX)
		abort();
	for (const char *p = u->scheme; *p != '\0'; p++)
		if (g_ascii_isupper(*p))
			abort();
	if (strncmp(u->norm, u->scheme, strlen(u->scheme)) != 0)
		abort();
	if ((u->host != NULL) != (u->host_kind != URL_HOST_NONE))
		abort();
	if (u->host_kind == URL_HOST_IPV4) {
		struct in_addr a;
		if (inet_pton(AF_INET, u->host, &a) != 1)
			abort();
	}
	if (u->host_kind == URL_HOST_IPV6) {
		size_t n = strlen(u->host);
		if (n < 4 || u->host[0] != '[' || u->host[n - 1] != ']')
			abort();
	}
	if (u->host_unicode != NULL && !g_utf8_validate(u->host_unicode, -1, NULL))
		abort();
}

static GHashTable *
host_set(void)
{
	static GHashTable *set;

	if (set == NULL) {
		set = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_add(set, (gpointer) "example.com");
		g_hash_table_add(set, (gpointer) "bit.ly");
		g_hash_table_add(set, (gpointer) "co.jp");
	}
	return set;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)url_data_active((const char *)data, size);
	struct url *u = url_parse((const char *)data, size);
	for (int level = 0; u != NULL; level++) {
		check(u);
		char *reg = url_registrable(u->host);
		if (reg == NULL)
			abort();
		g_free(reg);
		(void)url_host_in(u->host, host_set());
		char why[256];
		why[0] = '\0';
		if (url_homograph(u->host_unicode, why, sizeof why) && why[0] == '\0')
			abort();
		if (level == 4)
			break;
		enum url_wrapper w;
		char *next = url_unwrap(u, &w);
		if ((next == NULL) != (w == URL_WRAP_NONE))
			abort();
		if (next == NULL)
			break;
		if (url_wrapper_name(w)[0] == '\0')
			abort();
		size_t nl = strlen(next);
		if (nl > 4 * strlen(u->raw) + 16)
			abort();
		url_free(u);
		u = url_parse(next, nl);
		g_free(next);
	}
	url_free(u);
	return 0;
}
