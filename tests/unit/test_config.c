/*
 * test_config.c - loading and validating configuration files
 * (src/core/config.c) through mamori_config_load().
 *
 * Each test writes its file into a fresh temporary directory ($TMPDIR).
 */
#include "test_helpers.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "core/config.h"
#include "mamori/mamori.h"

#define MIB (1024ull * 1024ull)

struct tmp {
	char *dir;
	char *path;
};

static int
setup(void **state)
{
	struct tmp *t = g_new0(struct tmp, 1);
	GError *err = NULL;
	t->dir = g_dir_make_tmp("mamori-config-XXXXXX", &err);
	if (t->dir == NULL) {
		g_error_free(err);
		g_free(t);
		return -1;
	}
	t->path = g_build_filename(t->dir, "mamori.conf", NULL);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tmp *t = *state;
	g_unlink(t->path);
	g_rmdir(t->dir);
	g_free(t->path);
	g_free(t->dir);
	g_free(t);
	return 0;
}

static const char *
write_conf(void **state, const char *text)
{
	struct tmp *t = *state;
	GError *err = NULL;
	if (!g_file_set_contents(t->path, text, -1, &err)) {
		print_error("%s\n", err->message);
		g_error_free(err);
		fail();
	}
	return t->path;
}

/* Load text; expect success. */
static struct mamori_config *
load_ok(void **state, const char *text)
{
	const char *path = write_conf(state, text);
	struct mamori_config *cfg = NULL;
	char err[1024] = "";
	enum mamori_status st = mamori_config_load(path, &cfg, err, sizeof err);
	if (st != MAMORI_OK) {
		print_error("load failed: %s\n", err);
		fail();
	}
	assert_non_null(cfg);
	return cfg;
}

/* Load text; expect an error that starts with "PATH:LINE: " and contains want. */
static void
load_fails(void **state, const char *text, int line, const char *want)
{
	const char *path = write_conf(state, text);
	struct mamori_config *cfg = (struct mamori_config *)(uintptr_t)1;
	char err[1024] = "";
	enum mamori_status st = mamori_config_load(path, &cfg, err, sizeof err);
	if (st != MAMORI_ERR_CONFIG) {
		print_error("loaded, but should fail with \"%s\":\n%s\n", want, text);
		if (st == MAMORI_OK)
			mamori_config_free(cfg);
		fail();
	}
	assert_null(cfg);
	/* line < 0: any line number */
	char *prefix = line >= 0 ? g_strdup_printf("%s:%d: ", path, line)
	    : g_strdup_printf("%s:", path);
	bool numbered = true;
	if (line < 0) {
		const char *n = err + strlen(prefix);
		numbered = g_ascii_isdigit(*n);
		while (g_ascii_isdigit(*n))
			n++;
		numbered = numbered && n[0] == ':' && n[1] == ' ';
	}
	if (!g_str_has_prefix(err, prefix) || !numbered || strstr(err, want) == NULL) {
		print_error("error \"%s\"\nwant \"%s...%s\"\n", err, prefix, want);
		g_free(prefix);
		fail();
	}
	g_free(prefix);
}

static void
test_defaults(void **state)
{
	(void)state;
	struct mamori_config *cfg = mamori_config_new_default();
	assert_null(cfg->path);
	assert_true(cfg->threshold[MAMORI_ACTION_ADD_HEADER] == 6.0);
	assert_true(cfg->threshold[MAMORI_ACTION_QUARANTINE] == 10.0);
	assert_true(cfg->threshold[MAMORI_ACTION_REJECT] == 15.0);
	assert_true(isnan(cfg->threshold[MAMORI_ACTION_ACCEPT]));
	assert_true(isnan(cfg->threshold[MAMORI_ACTION_TEMPFAIL]));
	assert_true(isnan(cfg->threshold[MAMORI_ACTION_HOLD]));
	assert_int_equal(cfg->limits.message_size, 50 * MIB);
	assert_int_equal(cfg->limits.decoded_bytes, 200 * MIB);
	assert_int_equal(cfg->limits.parts, 500);
	assert_int_equal(cfg->limits.depth, 20);
	assert_int_equal(mamori_config_threads(cfg), 0);
	assert_int_equal(g_hash_table_size(cfg->symbols), 0);
	mamori_config_free(cfg);
	mamori_config_free(NULL);
}

static void
test_valid_file(void **state)
{
	struct mamori_config *cfg = load_ok(state,
	    "# mamori configuration\n"
	    "scan = { threads = 4; };\n"
	    "limits = {\n"
	    "  message_size = \"50M\";\n"
	    "  decoded_bytes = \"1G\";\n"
	    "  parts = 100;\n"
	    "  depth = 10;\n"
	    "  scan_time_ms = 5000;\n"
	    "  symbol_options = 8;\n"
	    "};\n"
	    "actions = {\n"
	    "  add_header = 5.5;\n"
	    "  quarantine = 9;\n"
	    "  reject = 20.0;\n"
	    "};\n"
	    "symbols = {\n"
	    "  MIME_MALFORMED = 3.5;\n"
	    "  MISSING_DATE = { weight = 0.25; action = \"reject\"; };\n"
	    "  MISSING_TO = { action = \"hold\"; };\n"
	    "  HEADER_8BIT = -1;\n"
	    "};\n");
	struct tmp *t = *state;
	assert_string_equal(cfg->path, t->path);
	assert_int_equal(mamori_config_threads(cfg), 4);
	assert_int_equal(cfg->limits.message_size, 50 * MIB);
	assert_int_equal(cfg->limits.decoded_bytes, 1024 * MIB);
	assert_int_equal(cfg->limits.parts, 100);
	assert_int_equal(cfg->limits.depth, 10);
	assert_int_equal(cfg->limits.scan_time_ms, 5000);
	assert_int_equal(cfg->limits.symbol_options, 8);
	assert_true(cfg->threshold[MAMORI_ACTION_ADD_HEADER] == 5.5);
	assert_true(cfg->threshold[MAMORI_ACTION_QUARANTINE] == 9.0);
	assert_true(cfg->threshold[MAMORI_ACTION_REJECT] == 20.0);

	assert_int_equal(g_hash_table_size(cfg->symbols), 4);
	const struct symbol_conf *sc = g_hash_table_lookup(cfg->symbols, "MIME_MALFORMED");
	assert_non_null(sc);
	assert_true(sc->has_weight);
	assert_true(sc->weight == 3.5);
	assert_int_equal(sc->action, -1);
	assert_int_equal(sc->line, 17);
	sc = g_hash_table_lookup(cfg->symbols, "MISSING_DATE");
	assert_non_null(sc);
	assert_true(sc->has_weight);
	assert_true(sc->weight == 0.25);
	assert_int_equal(sc->action, MAMORI_ACTION_REJECT);
	sc = g_hash_table_lookup(cfg->symbols, "MISSING_TO");
	assert_non_null(sc);
	assert_false(sc->has_weight);
	assert_int_equal(sc->action, MAMORI_ACTION_HOLD);
	sc = g_hash_table_lookup(cfg->symbols, "HEADER_8BIT");
	assert_true(sc->weight == -1.0);
	mamori_config_free(cfg);
}

static void
test_empty_file(void **state)
{
	struct mamori_config *cfg = load_ok(state, "");
	assert_true(cfg->threshold[MAMORI_ACTION_REJECT] == 15.0);
	assert_int_equal(cfg->limits.parts, 500);
	mamori_config_free(cfg);
}

static void
test_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} ok[] = {
		{ "1024", 1024 },
		{ "\"512K\"", 512 * 1024 },
		{ "\"512k\"", 512 * 1024 },
		{ "\"50M\"", 50 * MIB },
		{ "\"10MB\"", 10 * MIB },
		{ "\"2G\"", 2048 * MIB },
		{ "\"4096\"", 4096 },
		{ "5000000000L", 5000000000ull },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
		char *text = g_strdup_printf("limits = { decoded_bytes = %s; };\n", ok[i].text);
		struct mamori_config *cfg = load_ok(state, text);
		if (cfg->limits.decoded_bytes != ok[i].want) {
			print_error("%s: got %llu want %llu\n", ok[i].text,
			    (unsigned long long)cfg->limits.decoded_bytes,
			    (unsigned long long)ok[i].want);
			fail();
		}
		mamori_config_free(cfg);
		g_free(text);
	}
	load_fails(state, "limits = {\n message_size = \"50X\";\n};\n", 2, "is not a size");
	load_fails(state, "limits = {\n message_size = \"M\";\n};\n", 2, "is not a size");
	load_fails(state, "limits = {\n message_size = \"\";\n};\n", 2, "is not a size");
	load_fails(state, "limits = {\n message_size = -5;\n};\n", 2, "negative");
	/* below the minimum of 1K */
	load_fails(state, "limits = {\n message_size = 0;\n};\n", 2, "must be between");
	load_fails(state, "limits = {\n decoded_bytes = \"1000\";\n};\n", 2, "must be between");
	load_fails(state, "limits = {\n message_size = \"5T\";\n};\n", 2, "message_size");
	load_fails(state, "limits = {\n message_size = \"99999G\";\n};\n", 2, "must be between");
	load_fails(state, "limits = {\n message_size = 1.5;\n};\n", 2, "message_size");
	load_fails(state, "limits = {\n message_size = \"18446744073709551615G\";\n};\n", 2,
	    "message_size");
}

static void
test_integers(void **state)
{
	load_fails(state, "limits = {\n parts = 0;\n};\n", 2, "parts must be between");
	load_fails(state, "limits = {\n depth = \"10\";\n};\n", 2, "depth must be an integer");
	load_fails(state, "scan = {\n threads = 5000;\n};\n", 2, "threads");
	load_fails(state, "limits = {\n symbol_options = 0;\n};\n", 2, "symbol_options");
}

static void
test_unknown_keys(void **state)
{
	load_fails(state, "limits = {\n  parts = 10;\n  bogus = 1;\n};\n", 3,
	    "unknown key limits.bogus");
	load_fails(state, "# comment\n\nbogus_section = 1;\n", 3, "unknown section bogus_section");
	load_fails(state, "scan = {\n  thread = 2;\n};\n", 2, "unknown key scan.thread");
	load_fails(state, "actions = {\n  add_header = 5;\n  hold = 7;\n};\n", 3,
	    "unknown key actions.hold");
	load_fails(state, "symbols = {\n  MIME_MALFORMED = { weight = 1; colour = \"red\"; };\n};\n",
	    2, "unknown key symbols.MIME_MALFORMED.colour");
	load_fails(state, "limits = 5;\n", 1, "must be a group");
}

static void
test_syntax_error(void **state)
{
	load_fails(state, "limits = {\n  parts = 10;\n  depth = ;\n};\n", 3, "");
	load_fails(state, "limits = {\n  parts = 10;\n\n", -1, "");
	load_fails(state, "actions = { reject = ; };\n", 1, "");
}

static void
test_missing_file(void **state)
{
	struct tmp *t = *state;
	char *path = g_build_filename(t->dir, "does-not-exist.conf", NULL);
	struct mamori_config *cfg = NULL;
	char err[512] = "";
	assert_int_equal(mamori_config_load(path, &cfg, err, sizeof err), MAMORI_ERR_CONFIG);
	assert_null(cfg);
	assert_true(g_str_has_prefix(err, path));
	g_free(path);
}

/* A file that cannot be read: the message names the errno's text. */
static void
test_unreadable_errno(void **state)
{
	struct tmp *t = *state;
	struct mamori_config *cfg = NULL;
	char err[512] = "";
	char *missing = g_build_filename(t->dir, "does-not-exist.conf", NULL);
	char *want = g_strdup_printf("%s: cannot read: No such file or directory", missing);
	assert_int_equal(mamori_config_load(missing, &cfg, err, sizeof err), MAMORI_ERR_CONFIG);
	assert_null(cfg);
	assert_string_equal(err, want);
	g_free(want);
	/* a directory opens but does not read: EISDIR, not a parse error */
	want = g_strdup_printf("%s: cannot read: Is a directory", t->dir);
	assert_int_equal(mamori_config_load(t->dir, &cfg, err, sizeof err), MAMORI_ERR_CONFIG);
	assert_null(cfg);
	assert_string_equal(err, want);
	g_free(want);
	/* not root: a 0000 file is EACCES (root reads it regardless) */
	if (geteuid() != 0) {
		const char *path = write_conf(state, "");
		assert_int_equal(chmod(path, 0), 0);
		want = g_strdup_printf("%s: cannot read: Permission denied", path);
		assert_int_equal(mamori_config_load(path, &cfg, err, sizeof err), MAMORI_ERR_CONFIG);
		assert_string_equal(err, want);
		g_free(want);
	}
	g_free(missing);
}

/* daemon.socket_mode (an octal string) and daemon.socket_group. */
static void
test_daemon_socket(void **state)
{
	struct mamori_config *cfg = load_ok(state, "");
	assert_int_equal(cfg->daemon.socket_mode, 0660);
	assert_string_equal(cfg->daemon.socket_group, "");
	mamori_config_free(cfg);
	cfg = load_ok(state, "daemon = { socket_mode = \"0600\"; socket_group = \"postfix\"; };\n");
	assert_int_equal(cfg->daemon.socket_mode, 0600);
	assert_string_equal(cfg->daemon.socket_group, "postfix");
	mamori_config_free(cfg);
	cfg = load_ok(state, "daemon = { socket_mode = \"666\"; };\n");
	assert_int_equal(cfg->daemon.socket_mode, 0666);
	mamori_config_free(cfg);
	load_fails(state, "daemon = { socket_mode = \"0999\"; };\n", 1, "daemon.socket_mode");
	load_fails(state, "daemon = { socket_mode = \"01777\"; };\n", 1, "daemon.socket_mode");
	load_fails(state, "daemon = { socket_mode = \"\"; };\n", 1, "daemon.socket_mode");
	load_fails(state, "daemon = { socket_mode = 660; };\n", 1, "daemon.socket_mode");
	load_fails(state, "daemon = { socket_group = \"a b\"; };\n", 1, "daemon.socket_group");
}

static void
test_thresholds(void **state)
{
	/* false disables a threshold */
	struct mamori_config *cfg = load_ok(state,
	    "actions = { add_header = false; quarantine = false; reject = 12; };\n");
	assert_true(isnan(cfg->threshold[MAMORI_ACTION_ADD_HEADER]));
	assert_true(isnan(cfg->threshold[MAMORI_ACTION_QUARANTINE]));
	assert_true(cfg->threshold[MAMORI_ACTION_REJECT] == 12.0);
	mamori_config_free(cfg);
	/* a disabled one does not take part in the ordering */
	cfg = load_ok(state, "actions = { quarantine = false; reject = 8; };\n");
	assert_true(cfg->threshold[MAMORI_ACTION_ADD_HEADER] == 6.0);
	assert_true(cfg->threshold[MAMORI_ACTION_REJECT] == 8.0);
	mamori_config_free(cfg);

	load_fails(state, "actions = {\n  add_header = true;\n};\n", 2, "false to disable");
	load_fails(state, "actions = {\n  reject = \"high\";\n};\n", 2, "must be a number");
	load_fails(state, "actions = {\n  reject = 1e9;\n};\n", 2, "out of range");
	load_fails(state, "actions = {\n  accept = 1;\n};\n", 2, "unknown key actions.accept");
	/* thresholds must rise with severity */
	load_fails(state, "actions = {\n  add_header = 12;\n  quarantine = 8;\n};\n", 1,
	    "below actions.add_header");
}

static void
test_symbols(void **state)
{
	load_fails(state, "symbols = {\n  MISSING_DATE = { action = \"drop\"; };\n};\n", 2,
	    "symbols.MISSING_DATE.action must be one of");
	load_fails(state, "symbols = {\n  MISSING_DATE = { action = 3; };\n};\n", 2,
	    "symbols.MISSING_DATE.action must be one of");
	/* the most severe action wins: forcing accept would do nothing */
	load_fails(state, "symbols = {\n  MISSING_DATE = { action = \"accept\"; };\n};\n", 2,
	    "symbols.MISSING_DATE.action must be one of");
	load_fails(state, "symbols = {\n  MISSING_DATE = \"high\";\n};\n", 2,
	    "symbols.MISSING_DATE must be a weight");
	load_fails(state, "symbols = {\n  MISSING_DATE = { weight = \"x\"; };\n};\n", 2,
	    "weight must be a number");
	/* an unknown symbol name is the engine's to reject (test_scan) */
	struct mamori_config *cfg = load_ok(state, "symbols = { NO_SUCH_SYMBOL = 1.0; };\n");
	assert_non_null(g_hash_table_lookup(cfg->symbols, "NO_SUCH_SYMBOL"));
	mamori_config_free(cfg);
}

static void
test_actions_names(void **state)
{
	(void)state;
	static const char *const names[] = { "accept", "add_header", "tempfail",
		"hold", "quarantine", "reject" };
	for (int a = 0; a < MAMORI_ACTION_COUNT; a++) {
		assert_string_equal(mamori_action_name((enum mamori_action)a), names[a]);
		enum mamori_action out;
		assert_true(mamori_action_parse(names[a], &out));
		assert_int_equal(out, a);
	}
	enum mamori_action out = MAMORI_ACTION_ACCEPT;
	assert_false(mamori_action_parse("Reject", &out));
	assert_false(mamori_action_parse("", &out));
	assert_false(mamori_action_parse("discard", &out));
	/* severity order */
	assert_true(MAMORI_ACTION_REJECT > MAMORI_ACTION_QUARANTINE);
	assert_true(MAMORI_ACTION_QUARANTINE > MAMORI_ACTION_HOLD);
	assert_true(MAMORI_ACTION_HOLD > MAMORI_ACTION_TEMPFAIL);
	assert_true(MAMORI_ACTION_TEMPFAIL > MAMORI_ACTION_ADD_HEADER);
}

/* limits.on_exceeded: content limits quarantine by default; each can be set */
static void
test_on_exceeded(void **state)
{
	struct mamori_config *cfg = mamori_config_new_default();
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_OBJECTS], MAMORI_ACTION_QUARANTINE);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_PARTS], MAMORI_ACTION_QUARANTINE);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_SCAN_TIME], MAMORI_ACTION_QUARANTINE);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_ENGINES], MAMORI_ACTION_ADD_HEADER);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_PPAP_ATTEMPTS], MAMORI_ACTION_ACCEPT);
	mamori_config_free(cfg);

	cfg = load_ok(state, "limits = { on_exceeded = { objects = \"accept\"; "
	    "scan_time = \"tempfail\"; }; listed_names = 5; };\n");
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_OBJECTS], MAMORI_ACTION_ACCEPT);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_SCAN_TIME], MAMORI_ACTION_TEMPFAIL);
	assert_int_equal(cfg->limits.on_exceeded[MAMORI_LIMIT_DEPTH], MAMORI_ACTION_QUARANTINE);
	assert_int_equal(cfg->limits.listed_names, 5);
	mamori_config_free(cfg);

	load_fails(state, "limits = {\n on_exceeded = {\n objects = \"hold\"; };\n};\n", 3,
	    "limits.on_exceeded.objects must be one of accept");
	load_fails(state, "limits = {\n on_exceeded = {\n bogus = \"accept\"; };\n};\n", 3,
	    "unknown key limits.on_exceeded.bogus");
	load_fails(state, "limits = {\n on_exceeded = \"accept\";\n};\n", 2,
	    "on_exceeded must be a group");
}

static void
test_error_buffer_small(void **state)
{
	/* a small error buffer is never overrun and stays a C string */
	const char *path = write_conf(state, "limits = {\n  bogus = 1;\n};\n");
	struct mamori_config *cfg = NULL;
	char err[16];
	memset(err, 'x', sizeof err);
	assert_int_equal(mamori_config_load(path, &cfg, err, 8), MAMORI_ERR_CONFIG);
	assert_true(memchr(err, '\0', 8) != NULL);
	assert_int_equal(err[8], 'x');
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_valid_file),
		T(test_on_exceeded),
		T(test_empty_file),
		T(test_sizes),
		T(test_integers),
		T(test_unknown_keys),
		T(test_syntax_error),
		T(test_missing_file),
		T(test_unreadable_errno),
		T(test_daemon_socket),
		T(test_thresholds),
		T(test_symbols),
		T(test_actions_names),
		T(test_error_buffer_small),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
