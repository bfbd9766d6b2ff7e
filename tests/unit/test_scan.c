/*
 * test_scan.c - the public API: engine, scan, result, report
 * (include/mamori/mamori.h).
 *
 * Default weights (src/core/check_message.c, registry.c) and thresholds
 * (add_header 6, quarantine 10, reject 15) decide the expected actions.
 */
#include "test_helpers.h"

#include <math.h>

#include <glib/gstdio.h>

#include "mamori/mamori.h"

#define CLEAN "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n" \
	"Subject: lunch\r\nDate: Mon, 1 Jan 2024 10:00:00 +0900\r\n" \
	"Message-ID: <lunch.1@example.com>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n\r\nNoon?\r\n"

/* Missing Date (1.0) and Message-ID (1.5). */
#define NO_DATE_ID "From: alice@example.com\r\nTo: bob@example.org\r\n" \
	"Subject: hello\r\n\r\nbody\r\n"

static char *tmpdir;

static int
group_setup(void **state)
{
	(void)state;
	tmpdir = g_dir_make_tmp("mamori-scan-XXXXXX", NULL);
	return tmpdir != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return 0;
}

/* An engine from a configuration text (NULL: built-in defaults). */
static struct mamori_engine *
engine(const char *conf)
{
	struct mamori_config *cfg = NULL;
	char err[1024] = "";
	if (conf == NULL) {
		cfg = mamori_config_new_default();
	} else {
		char *path = g_build_filename(tmpdir, "scan.conf", NULL);
		assert_true(g_file_set_contents(path, conf, -1, NULL));
		enum mamori_status st = mamori_config_load(path, &cfg, err, sizeof err);
		g_unlink(path);
		g_free(path);
		if (st != MAMORI_OK) {
			print_error("config: %s\n", err);
			fail();
		}
	}
	/* never a resolver outside the loopback range: nothing listens on
	 * 127.0.0.1:9, so a lookup fails at once (temperror) */
	mamori_config_set_dns_server(cfg, "127.0.0.1:9");
	struct mamori_engine *eng = NULL;
	if (mamori_engine_new(cfg, &eng, err, sizeof err) != MAMORI_OK) {
		print_error("engine: %s\n", err);
		fail();
	}
	assert_non_null(eng);
	return eng;
}

static struct mamori_result *
scan(const struct mamori_engine *eng, const char *msg, size_t len)
{
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(eng, (const uint8_t *)msg, len, NULL, &res), MAMORI_OK);
	assert_non_null(res);
	return res;
}

#define SCAN(eng, lit) scan((eng), (lit), sizeof(lit) - 1)

static void
assert_action(const struct mamori_result *res, enum mamori_action want)
{
	if (mamori_result_action(res) != want) {
		char *s = mamori_result_summary(res, 20);
		print_error("action %s, want %s: %s\n",
		    mamori_action_name(mamori_result_action(res)),
		    mamori_action_name(want), s);
		g_free(s);
		fail();
	}
}

/*
 * The top-level keys of a JSON object, in order, by a small scanner that
 * also checks the text is one well-nested object with valid strings.
 * Returns NULL if it is not.
 */
static GPtrArray *
json_top_keys(const char *s)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	int depth = 0;
	bool expect_key = false;
	const char *p = s;

	while (*p == ' ')
		p++;
	if (*p != '{')
		goto bad;
	for (; *p != '\0'; p++) {
		char c = *p;
		if (c == '"') {
			const char *start = ++p;
			while (*p != '"') {
				if (*p == '\0' || (unsigned char)*p < 0x20)
					goto bad;
				if (*p == '\\')
					p++;
				p++;
			}
			if (depth == 1 && expect_key)
				g_ptr_array_add(keys, g_strndup(start, (gsize)(p - start)));
			expect_key = false;
		} else if (c == '{') {
			depth++;
			expect_key = true;
		} else if (c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				goto bad;
			if (depth == 0 && p[1] != '\0')
				goto bad;
		} else if (c == ',') {
			expect_key = true;
		} else if (c == '\n' || c == '\r') {
			goto bad;	/* one line */
		}
	}
	if (depth != 0)
		goto bad;
	return keys;
bad:
	g_ptr_array_unref(keys);
	return NULL;
}

static bool
has_key(const GPtrArray *keys, const char *k)
{
	for (guint i = 0; i < keys->len; i++)
		if (strcmp(g_ptr_array_index(keys, i), k) == 0)
			return true;
	return false;
}

static void
test_clean_accept(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	struct mamori_result *res = SCAN(eng, CLEAN);
	assert_action(res, MAMORI_ACTION_ACCEPT);
	assert_true(mamori_result_score(res) == 0.0);
	assert_int_equal(mamori_result_nsymbols(res), 0);
	assert_null(mamori_result_symbol(res, 0, NULL));
	char *s = mamori_result_summary(res, 5);
	assert_true(g_str_has_prefix(s, "accept"));
	g_free(s);
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_symbols_and_score(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	struct mamori_result *res = SCAN(eng, NO_DATE_ID);
	assert_true(mamori_result_has_symbol(res, "MISSING_DATE"));
	assert_true(mamori_result_has_symbol(res, "MISSING_MESSAGE_ID"));
	assert_false(mamori_result_has_symbol(res, "MISSING_FROM"));
	assert_int_equal(mamori_result_nsymbols(res), 2);
	assert_true(fabs(mamori_result_score(res) - 2.5) < 1e-9);
	double sum = 0;
	for (size_t i = 0; i < mamori_result_nsymbols(res); i++) {
		double w = 0;
		assert_non_null(mamori_result_symbol(res, i, &w));
		sum += w;
	}
	assert_true(fabs(sum - 2.5) < 1e-9);
	assert_action(res, MAMORI_ACTION_ACCEPT);
	char *s = mamori_result_summary(res, 5);
	assert_contains(s, "MISSING_MESSAGE_ID");
	g_free(s);
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_action_from_thresholds(void **state)
{
	(void)state;
	/* MISSING_DATE alone; its weight decides the action */
	static const struct {
		const char *weight;
		enum mamori_action want;
	} cases[] = {
		{ "5.99", MAMORI_ACTION_ACCEPT },
		{ "6.0", MAMORI_ACTION_ADD_HEADER },
		{ "9.5", MAMORI_ACTION_ADD_HEADER },
		{ "10", MAMORI_ACTION_QUARANTINE },
		{ "14.9", MAMORI_ACTION_QUARANTINE },
		{ "15", MAMORI_ACTION_REJECT },
		{ "100", MAMORI_ACTION_REJECT },
		{ "-3", MAMORI_ACTION_ACCEPT },
	};
	static const char msg[] = "From: a@example.com\r\nTo: b@example.org\r\n"
	    "Subject: s\r\nMessage-ID: <a@example.com>\r\n\r\nbody\r\n";
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *conf = g_strdup_printf("symbols = { MISSING_DATE = %s; };\n",
		    cases[i].weight);
		struct mamori_engine *eng = engine(conf);
		struct mamori_result *res = SCAN(eng, msg);
		assert_int_equal(mamori_result_nsymbols(res), 1);
		assert_true(fabs(mamori_result_score(res) - g_ascii_strtod(cases[i].weight, NULL)) < 1e-9);
		assert_action(res, cases[i].want);
		mamori_result_free(res);
		mamori_engine_free(eng);
		g_free(conf);
	}
}

static void
test_thresholds_disabled(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(
	    "actions = { add_header = false; quarantine = false; };\n"
	    "symbols = { MISSING_DATE = 12; };\n");
	struct mamori_result *res = SCAN(eng, NO_DATE_ID);
	/* 13.5: no add_header, no quarantine, below reject */
	assert_action(res, MAMORI_ACTION_ACCEPT);
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_forced_action(void **state)
{
	(void)state;
	/* a forced action whatever the score */
	struct mamori_engine *eng = engine(
	    "symbols = { MISSING_DATE = { action = \"quarantine\"; }; };\n");
	struct mamori_result *res = SCAN(eng, NO_DATE_ID);
	assert_true(fabs(mamori_result_score(res) - 2.5) < 1e-9);
	assert_action(res, MAMORI_ACTION_QUARANTINE);
	mamori_result_free(res);
	/* not hit: no effect */
	res = SCAN(eng, CLEAN);
	assert_action(res, MAMORI_ACTION_ACCEPT);
	mamori_result_free(res);
	mamori_engine_free(eng);

	/* the most severe of score action and forced action wins */
	eng = engine("symbols = { MISSING_DATE = { weight = 20; action = \"add_header\"; }; };\n");
	res = SCAN(eng, NO_DATE_ID);
	assert_action(res, MAMORI_ACTION_REJECT);
	mamori_result_free(res);
	mamori_engine_free(eng);

	eng = engine("symbols = { MISSING_DATE = { action = \"hold\"; };"
	    " MISSING_MESSAGE_ID = { action = \"tempfail\"; }; };\n");
	res = SCAN(eng, NO_DATE_ID);
	assert_action(res, MAMORI_ACTION_HOLD);
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_unknown_symbol_rejected(void **state)
{
	(void)state;
	char *path = g_build_filename(tmpdir, "unknown.conf", NULL);
	assert_true(g_file_set_contents(path,
	    "# weights\nsymbols = {\n  MISSING_DATE = 1.0;\n  NO_SUCH_SYMBOL = 2.0;\n};\n",
	    -1, NULL));
	struct mamori_config *cfg = NULL;
	char err[1024] = "";
	assert_int_equal(mamori_config_load(path, &cfg, err, sizeof err), MAMORI_OK);
	struct mamori_engine *eng = (struct mamori_engine *)(uintptr_t)1;
	assert_int_equal(mamori_engine_new(cfg, &eng, err, sizeof err), MAMORI_ERR_CONFIG);
	assert_null(eng);
	char *want = g_strdup_printf("%s:4: ", path);
	if (!g_str_has_prefix(err, want) || strstr(err, "NO_SUCH_SYMBOL") == NULL) {
		print_error("error \"%s\", want \"%s... NO_SUCH_SYMBOL ...\"\n", err, want);
		fail();
	}
	g_free(want);
	g_unlink(path);
	g_free(path);
}

static void
test_report_keys(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	const char *msgs[] = { CLEAN, NO_DATE_ID, "", "\377\376garbage\0\033$B" };
	size_t lens[] = { sizeof CLEAN - 1, sizeof NO_DATE_ID - 1, 0, 13 };
	static const char *const fixed[] = { "action", "score", "symbols", "objects",
		"urls", "auth", "message", "time_ms" };
	for (size_t i = 0; i < G_N_ELEMENTS(msgs); i++) {
		struct mamori_result *res = scan(eng, msgs[i], lens[i]);
		const char *json = mamori_result_json(res);
		assert_non_null(json);
		assert_true(g_utf8_validate(json, -1, NULL));
		GPtrArray *keys = json_top_keys(json);
		if (keys == NULL) {
			print_error("not one JSON object on one line: %s\n", json);
			fail();
		}
		for (size_t k = 0; k < G_N_ELEMENTS(fixed); k++) {
			if (!has_key(keys, fixed[k])) {
				print_error("no top-level key \"%s\" in %s\n", fixed[k], json);
				fail();
			}
		}
		g_ptr_array_unref(keys);
		char *act = g_strdup_printf("\"action\":\"%s\"",
		    mamori_action_name(mamori_result_action(res)));
		assert_contains(json, act);
		g_free(act);
		mamori_result_free(res);
	}
	mamori_engine_free(eng);
}

static void
test_report_content(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	const char *rcpt[] = { "bob@example.org", "carol@example.org" };
	struct mamori_envelope env = {
		.client_ip = "192.0.2.1",
		.helo = "mail.example.com",
		.mail_from = "alice@example.com",
		.rcpt = rcpt,
		.n_rcpt = 2,
		.source = "test.eml",
		.queue_id = "ABC123",
	};
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(eng, (const uint8_t *)NO_DATE_ID,
	    sizeof NO_DATE_ID - 1, &env, &res), MAMORI_OK);
	const char *json = mamori_result_json(res);
	assert_contains(json, "\"MISSING_DATE\":{\"score\":1");
	assert_contains(json, "\"mail_from\":\"alice@example.com\"");
	assert_contains(json, "\"rcpt\":[\"bob@example.org\",\"carol@example.org\"]");
	assert_contains(json, "\"client_ip\":\"192.0.2.1\"");
	assert_contains(json, "\"source\":\"test.eml\"");
	assert_contains(json, "\"subject\":\"hello\"");
	assert_contains(json, "\"thresholds\":{\"add_header\":6,\"quarantine\":10,\"reject\":15}");
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_hostile_header_json(void **state)
{
	(void)state;
	/* quotes, backslashes, control bytes and invalid UTF-8 in headers */
	static const char msg[] = "From: \"\\\"evil\\\\\" <a@example.com>\r\n"
	    "Subject: \"}],\001\002\177 \377\376 \\u0000 </script>\r\n"
	    "To: b@example.org\r\n\r\nbody\r\n";
	struct mamori_engine *eng = engine(NULL);
	struct mamori_result *res = SCAN(eng, msg);
	const char *json = mamori_result_json(res);
	assert_true(g_utf8_validate(json, -1, NULL));
	GPtrArray *keys = json_top_keys(json);
	if (keys == NULL) {
		print_error("broken JSON: %s\n", json);
		fail();
	}
	assert_true(has_key(keys, "message"));
	g_ptr_array_unref(keys);
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_limits_from_config(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine("limits = { parts = 2; };\n");
	static const char msg[] = "From: a@example.com\r\nTo: b@example.org\r\n"
	    "Subject: s\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <a@b>\r\n"
	    "Content-Type: multipart/mixed; boundary=X\r\n\r\n"
	    "--X\r\n\r\none\r\n--X\r\n\r\ntwo\r\n--X\r\n\r\nthree\r\n--X--\r\n";
	struct mamori_result *res = SCAN(eng, msg);
	assert_true(mamori_result_has_symbol(res, "SCAN_LIMIT_EXCEEDED"));
	assert_contains(mamori_result_json(res),
	    "\"SCAN_LIMIT_EXCEEDED\":{\"score\":1,\"options\":[\"parts\"]}");
	mamori_result_free(res);
	mamori_engine_free(eng);

	eng = engine("limits = { message_size = \"1K\"; };\n");
	GString *big = g_string_new(msg);
	while (big->len <= 1024)
		g_string_append(big, "0123456789012345678901234567890123456789\r\n");
	res = scan(eng, big->str, big->len);
	assert_contains(mamori_result_json(res), "\"options\":[\"message_size\"]");
	mamori_result_free(res);
	res = SCAN(eng, msg);
	assert_false(mamori_result_has_symbol(res, "SCAN_LIMIT_EXCEEDED"));
	mamori_result_free(res);
	g_string_free(big, TRUE);
	mamori_engine_free(eng);
}

static void
test_symbol_options_capped(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine("limits = { symbol_options = 2; };\n");
	static const char msg[] = "From: a@example.com\r\nFrom: b@example.com\r\n"
	    "To: x@example.org\r\nTo: y@example.org\r\nCc: x@example.org\r\nCc: y@example.org\r\n"
	    "Subject: s\r\nSubject: t\r\n\r\nbody\r\n";
	struct mamori_result *res = SCAN(eng, msg);
	assert_contains(mamori_result_json(res),
	    "\"HEADER_DUPLICATE\":{\"score\":1.5,\"options\":[\"From\",\"To\"]}");
	mamori_result_free(res);
	mamori_engine_free(eng);
}

static void
test_error_report(void **state)
{
	(void)state;
	/* the report for a message that could not be scanned */
	char *json = mamori_error_report("queue/4TDx\"odd\\name");
	assert_non_null(json);
	size_t n = strlen(json);
	assert_true(n > 0 && json[n - 1] == '\n');
	json[n - 1] = '\0';
	assert_true(g_utf8_validate(json, -1, NULL));
	GPtrArray *keys = json_top_keys(json);
	if (keys == NULL) {
		print_error("broken JSON: %s\n", json);
		fail();
	}
	static const char *const fixed[] = { "action", "score", "symbols", "objects",
		"urls", "auth", "message", "time_ms", "error" };
	for (size_t k = 0; k < G_N_ELEMENTS(fixed); k++) {
		if (!has_key(keys, fixed[k])) {
			print_error("no top-level key \"%s\" in %s\n", fixed[k], json);
			fail();
		}
	}
	g_ptr_array_unref(keys);
	assert_contains(json, "\"action\":\"tempfail\"");
	assert_contains(json, "queue/4TDx\\\"odd\\\\name");
	g_free(json);
}

static void
test_null_and_empty(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(eng, NULL, 0, NULL, &res), MAMORI_OK);
	assert_true(mamori_result_has_symbol(res, "MISSING_FROM"));
	mamori_result_free(res);
	res = SCAN(eng, "");
	assert_true(mamori_result_has_symbol(res, "MISSING_FROM"));
	mamori_result_free(res);
	mamori_result_free(NULL);
	mamori_engine_free(NULL);
	mamori_engine_free(eng);
}

static void
test_dump(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	char *d = mamori_dump_message(eng, (const uint8_t *)CLEAN, sizeof CLEAN - 1);
	assert_non_null(d);
	assert_contains(d, "\"subject\": \"lunch\"");
	assert_contains(d, "\"text\": \"Noon?\\r\\n\"");
	assert_contains(d, "\"defects\": []");
	g_free(d);
	mamori_engine_free(eng);
}

struct thread_arg {
	const struct mamori_engine *eng;
	const char *want;
};

static gpointer
scan_thread(gpointer data)
{
	const struct thread_arg *a = data;
	for (int i = 0; i < 50; i++) {
		struct mamori_result *res = NULL;
		if (mamori_scan(a->eng, (const uint8_t *)NO_DATE_ID, sizeof NO_DATE_ID - 1,
		    NULL, &res) != MAMORI_OK)
			return GINT_TO_POINTER(1);
		char *s = mamori_result_summary(res, 10);
		bool same = strcmp(s, a->want) == 0;
		g_free(s);
		mamori_result_free(res);
		if (!same)
			return GINT_TO_POINTER(1);
	}
	return GINT_TO_POINTER(0);
}

static void
test_threads_share_engine(void **state)
{
	(void)state;
	struct mamori_engine *eng = engine(NULL);
	struct mamori_result *res = SCAN(eng, NO_DATE_ID);
	char *want = mamori_result_summary(res, 10);
	mamori_result_free(res);
	struct thread_arg a = { eng, want };
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("scan", scan_thread, &a);
	for (int i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
	g_free(want);
	mamori_engine_free(eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_accept),
		cmocka_unit_test(test_symbols_and_score),
		cmocka_unit_test(test_action_from_thresholds),
		cmocka_unit_test(test_thresholds_disabled),
		cmocka_unit_test(test_forced_action),
		cmocka_unit_test(test_unknown_symbol_rejected),
		cmocka_unit_test(test_report_keys),
		cmocka_unit_test(test_report_content),
		cmocka_unit_test(test_hostile_header_json),
		cmocka_unit_test(test_limits_from_config),
		cmocka_unit_test(test_symbol_options_capped),
		cmocka_unit_test(test_error_report),
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_threads_share_engine),
	};
	return cmocka_run_group_tests_name("scan", tests, group_setup, group_teardown);
}
