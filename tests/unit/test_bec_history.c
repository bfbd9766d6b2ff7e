/*
 * test_bec_history.c - the bec module's correspondent history when the
 * store fails (docs/bec.md "History"): a store that wraps the SQLite one
 * and answers MAMORI_STORE_ERROR to the module's reads or writes on
 * demand.  A failed read leaves the stateful symbols out and says so in
 * the report (bec.history.error, checked false); the scan itself succeeds
 * and the other symbols stand.  The same scans with the store working
 * give THREAD_HIJACK and FIRST_CONTACT, so the test can fail.
 * tests/bec/history_scan.py runs the working history through the CLI.
 */
#include "test_helpers.h"

#include <glib/gstdio.h>

#include "mamori/mamori.h"
#include "mamori/store.h"
#include "store/sqlite.h"

#define FIRST "From: Alice <alice@partner.example>\r\nTo: bob@ours.example\r\n" \
	"Subject: invoice\r\nDate: Mon, 7 Dec 2026 10:00:00 +0900\r\n" \
	"Message-ID: <first-1@partner.example>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/plain; charset=us-ascii\r\n\r\nThe invoice.\r\n"
/* a stranger answers the thread of FIRST; a first contact as well */
#define HIJACK "From: Mallory <mallory@evil.example>\r\nTo: bob@ours.example\r\n" \
	"Subject: Re: invoice\r\nDate: Mon, 7 Dec 2026 11:00:00 +0900\r\n" \
	"Message-ID: <hijack-2@evil.example>\r\nIn-Reply-To: <first-1@partner.example>\r\n" \
	"References: <first-1@partner.example>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/plain; charset=us-ascii\r\n\r\nThanks.\r\n"

struct fail_store {
	struct mamori_store base;
	struct mamori_store *real;
	bool fail_reads, fail_writes;
};

static struct mamori_store *
real_of(struct mamori_store *st)
{
	return ((struct fail_store *)(void *)st)->real;
}

static enum mamori_store_status
injected(char *err, size_t errlen)
{
	if (errlen > 0)
		snprintf(err, errlen, "injected");
	return MAMORI_STORE_ERROR;
}

static enum mamori_store_status
f_kv_get(struct mamori_store *st, const char *ns, const char *key, int64_t now,
    uint8_t **val, size_t *len, char *err, size_t errlen)
{
	if (((struct fail_store *)(void *)st)->fail_reads && strcmp(ns, "bec") == 0)
		return injected(err, errlen);
	return mamori_store_kv_get(real_of(st), ns, key, now, val, len, err, errlen);
}

static enum mamori_store_status
f_counter_get(struct mamori_store *st, const char *ns, const char *const *keys, size_t n,
    int64_t *values, char *err, size_t errlen)
{
	if (((struct fail_store *)(void *)st)->fail_reads && strcmp(ns, "bec") == 0)
		return injected(err, errlen);
	return mamori_store_counter_get(real_of(st), ns, keys, n, values, err, errlen);
}

static enum mamori_store_status
f_kv_put(struct mamori_store *st, const char *ns, const char *key, const uint8_t *val,
    size_t len, int64_t expires, char *err, size_t errlen)
{
	if (((struct fail_store *)(void *)st)->fail_writes && strcmp(ns, "bec") == 0)
		return injected(err, errlen);
	return mamori_store_kv_put(real_of(st), ns, key, val, len, expires, err, errlen);
}

static enum mamori_store_status
f_counter_add(struct mamori_store *st, const char *ns, const char *const *keys,
    const int64_t *deltas, size_t n, int64_t *values, char *err, size_t errlen)
{
	return mamori_store_counter_add(real_of(st), ns, keys, deltas, n, values, err, errlen);
}

static enum mamori_store_status
f_kv_purge(struct mamori_store *st, int64_t now, uint64_t *removed, char *err, size_t errlen)
{
	return mamori_store_kv_purge(real_of(st), now, removed, err, errlen);
}

static enum mamori_store_status
f_counter_scan(struct mamori_store *st, const char *ns, const char *prefix,
    bool (*fn)(const char *key, int64_t value, void *ud), void *ud, char *err,
    size_t errlen)
{
	return mamori_store_counter_scan(real_of(st), ns, prefix, fn, ud, err, errlen);
}

static enum mamori_store_status
f_kv_delete(struct mamori_store *st, const char *ns, const char *key, char *err,
    size_t errlen)
{
	return mamori_store_kv_delete(real_of(st), ns, key, err, errlen);
}

static enum mamori_store_status
f_kv_write(struct mamori_store *st, const char *ns, const struct mamori_store_kv_op *ops,
    size_t n, char *err, size_t errlen)
{
	if (((struct fail_store *)(void *)st)->fail_writes && strcmp(ns, "bec") == 0)
		return injected(err, errlen);
	return mamori_store_kv_write(real_of(st), ns, ops, n, err, errlen);
}

static enum mamori_store_status
f_kv_scan(struct mamori_store *st, const char *ns, const char *prefix, int64_t now,
    bool (*fn)(const char *key, const uint8_t *val, size_t len, void *ud), void *ud,
    char *err, size_t errlen)
{
	return mamori_store_kv_scan(real_of(st), ns, prefix, now, fn, ud, err, errlen);
}

static enum mamori_store_status
f_row_append(struct mamori_store *st, const char *ns, const char *key, int64_t time,
    const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	return mamori_store_row_append(real_of(st), ns, key, time, payload, len, err, errlen);
}

static enum mamori_store_status
f_row_latest(struct mamori_store *st, const char *ns, const char *key, size_t max,
    struct mamori_store_row **rows, size_t *n, char *err, size_t errlen)
{
	return mamori_store_row_latest(real_of(st), ns, key, max, rows, n, err, errlen);
}

static enum mamori_store_status
f_row_purge(struct mamori_store *st, const char *ns, int64_t before, uint64_t *removed,
    char *err, size_t errlen)
{
	return mamori_store_row_purge(real_of(st), ns, before, removed, err, errlen);
}

static void
f_close(struct mamori_store *st)
{
	(void)st;	/* the fixture closes the real one */
}

/* every operation goes through the wrapper (the backend's own functions
 * would take the wrapper for their state); no quarantine */
static struct mamori_store_ops fail_ops = {
	.name = "fail",
	.close = f_close,
	.kv_get = f_kv_get,
	.kv_put = f_kv_put,
	.kv_delete = f_kv_delete,
	.kv_write = f_kv_write,
	.kv_scan = f_kv_scan,
	.kv_purge = f_kv_purge,
	.counter_add = f_counter_add,
	.counter_get = f_counter_get,
	.counter_scan = f_counter_scan,
	.row_append = f_row_append,
	.row_latest = f_row_latest,
	.row_purge = f_row_purge,
	.quarantine = NULL,
};

struct fixture {
	char *dir;
	struct fail_store fs;
	struct mamori_engine *eng;
};

static int
setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);
	char err[512] = "";
	fx->dir = g_dir_make_tmp("mamori-bec-history-XXXXXX", NULL);
	assert_non_null(fx->dir);
	fx->fs.real = store_sqlite_open(fx->dir, err, sizeof err);
	if (fx->fs.real == NULL) {
		print_error("store: %s\n", err);
		fail();
	}
	fx->fs.base.ops = &fail_ops;

	char *path = g_build_filename(fx->dir, "mamori.conf", NULL);
	assert_true(g_file_set_contents(path, "bec = { first_contact_min_history = 0; };\n",
	    -1, NULL));
	struct mamori_config *cfg = NULL;
	if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		print_error("config: %s\n", err);
		fail();
	}
	g_free(path);
	mamori_config_set_dns_server(cfg, "127.0.0.1:9");
	if (mamori_engine_new(cfg, &fx->eng, err, sizeof err) != MAMORI_OK) {
		print_error("engine: %s\n", err);
		fail();
	}
	mamori_engine_set_store(fx->eng, &fx->fs.base);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	mamori_engine_free(fx->eng);
	mamori_store_close(fx->fs.real);
	char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(fx->dir);
	g_free(fx);
	return 0;
}

static struct mamori_result *
scan(struct fixture *fx, const char *msg)
{
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(fx->eng, (const uint8_t *)msg, strlen(msg), NULL, &res),
	    MAMORI_OK);
	assert_non_null(res);
	return res;
}

static void
assert_in_report(const struct mamori_result *res, const char *frag, bool want)
{
	const char *j = mamori_result_json(res);
	if ((strstr(j, frag) != NULL) != want) {
		print_error("report %s \"%s\": %s\n", want ? "lacks" : "has", frag, j);
		fail();
	}
}

/* The history works: FIRST recorded, HIJACK flagged twice over. */
static void
test_working(void **state)
{
	struct fixture *fx = *state;
	struct mamori_result *r = scan(fx, FIRST);
	/* an empty history, min 0: FIRST is a first contact itself */
	assert_true(mamori_result_has_symbol(r, "FIRST_CONTACT"));
	assert_false(mamori_result_has_symbol(r, "THREAD_HIJACK"));
	assert_in_report(r, "\"recorded\":\"yes\"", true);
	mamori_result_free(r);

	r = scan(fx, HIJACK);
	assert_true(mamori_result_has_symbol(r, "THREAD_HIJACK"));
	assert_true(mamori_result_has_symbol(r, "FIRST_CONTACT"));
	assert_in_report(r, "thread <first-1@partner.example>: sender not a participant", true);
	assert_in_report(r, "\"recorded\":\"no: an impersonation\"", true);
	assert_in_report(r, "\"error\"", false);
	mamori_result_free(r);
}

/* Reads fail: no stateful symbol, the error in the report, the scan and
 * the other symbols as ever (FAKE_REPLY would be there without the
 * headers; MISSING_* are not: the message is complete). */
static void
test_read_error(void **state)
{
	struct fixture *fx = *state;
	struct mamori_result *r = scan(fx, FIRST);
	mamori_result_free(r);

	fx->fs.fail_reads = true;
	r = scan(fx, HIJACK);
	assert_false(mamori_result_has_symbol(r, "THREAD_HIJACK"));
	assert_false(mamori_result_has_symbol(r, "FIRST_CONTACT"));
	assert_int_equal(mamori_result_action(r), MAMORI_ACTION_ACCEPT);
	assert_in_report(r, "\"checked\":false", true);
	assert_in_report(r, "\"error\":\"reading the history: store error: injected\"", true);
	/* delivered all the same: recorded (the writes work) */
	assert_in_report(r, "\"recorded\":\"yes\"", true);
	mamori_result_free(r);
	fx->fs.fail_reads = false;
}

/* Writes fail: nothing recorded, the error in the report, no symbol
 * added by the failure; the next scan does not know the message. */
static void
test_write_error(void **state)
{
	struct fixture *fx = *state;
	fx->fs.fail_writes = true;
	struct mamori_result *r = scan(fx, FIRST);
	assert_int_equal(mamori_result_action(r), MAMORI_ACTION_ACCEPT);
	assert_in_report(r, "\"recorded\":\"no: store error\"", true);
	assert_in_report(r, "\"error\":\"recording the history: store error: injected\"", true);
	mamori_result_free(r);
	fx->fs.fail_writes = false;

	r = scan(fx, HIJACK);
	/* first-1 was never recorded: no thread to hijack */
	assert_false(mamori_result_has_symbol(r, "THREAD_HIJACK"));
	assert_in_report(r, "\"referenced_known\":0", true);
	assert_in_report(r, "\"delivered\":0", true);
	mamori_result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_working, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
