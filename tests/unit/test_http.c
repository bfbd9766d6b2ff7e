/*
 * test_http.c - pieces of `mamori serve` (src/daemon/http.c) that need no
 * server: which listening addresses are loopback (the start-up warning
 * about a listener beyond loopback without a token), and the list of
 * quarantine states its /quarantine?state= error names.
 */
#include "test_helpers.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/http.h"
#include "store/store.h"

/* The address as getaddrinfo() gives it to listen_on(); nothing is bound. */
static bool
loopback(const char *host)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	assert_int_equal(getaddrinfo(host, "8025", &hints, &ai), 0);
	bool r = http_addr_is_loopback(ai->ai_addr);
	freeaddrinfo(ai);
	return r;
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(loopback("127.0.0.1"));
	assert_true(loopback("127.0.0.2"));
	assert_true(loopback("127.255.255.254"));
	assert_true(loopback("::1"));
	assert_true(loopback("::ffff:127.0.0.1"));
	/* any address: every interface */
	assert_false(loopback("0.0.0.0"));
	assert_false(loopback("::"));
	/* others */
	assert_false(loopback("128.0.0.1"));
	assert_false(loopback("126.255.255.255"));
	assert_false(loopback("10.0.0.1"));
	assert_false(loopback("192.0.2.1"));
	assert_false(loopback("::2"));
	assert_false(loopback("fe80::1"));
	assert_false(loopback("2001:db8::1"));
	assert_false(loopback("::ffff:10.0.0.1"));
	assert_false(loopback("::ffff:0.0.0.0"));
	assert_false(http_addr_is_loopback(NULL));
	struct sockaddr un = { .sa_family = AF_UNIX };
	assert_false(http_addr_is_loopback(&un));
}

static void
test_state_names(void **state)
{
	(void)state;
	const char *names = q_state_names();
	int n = 0;
	const char *last = NULL;
	/* every state the store names is in the list, and parses */
	for (int s = 0; s < 64; s++) {
		const char *v = q_state_name((enum q_state)s);
		if (strcmp(v, "unknown") == 0)
			break;
		assert_non_null(strstr(names, v));
		enum q_state p;
		assert_true(q_state_parse(v, &p));
		assert_int_equal((int)p, s);
		last = v;
		n++;
	}
	/* the five of issue 12 at least, in their order */
	assert_true(n >= 5);
	assert_true(g_str_has_prefix(names, "quarantined, released, deleted, held"));
	char *tail = g_strdup_printf(" or %s", last);
	assert_true(g_str_has_suffix(names, tail));
	g_free(tail);
	/* n - 1 separators: n - 2 commas and one "or" */
	int commas = 0;
	for (const char *c = names; *c != '\0'; c++)
		commas += *c == ',';
	assert_int_equal(commas, n - 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
