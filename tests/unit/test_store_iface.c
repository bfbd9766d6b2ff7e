/*
 * test_store_iface.c - the store interface (include/mamori/store.h)
 * against its SQLite backend, through the table of operations only: the
 * key/value part (replace, delete, binary and empty values, expiry at
 * get and by purge, namespaces apart, kept across a reopen; many keys
 * set and removed in one transaction, all or none; a scan by prefix in
 * key order, without expired values, stopped early); counters
 * (one and many keys in one call, a key twice in one batch, missing keys
 * read 0, an invalid batch changes nothing); concurrency (2 threads on
 * one handle and 2 processes on their own handles add to the same
 * counters: no count lost); rows (newest first, ties in order of
 * appending, the latest N, purge by age per namespace or all); errors
 * as a status and a message (a database another connection keeps locked).
 * The time of 1,000 counter updates as 1,000 calls and as one batch is
 * printed.  Everything lives in a temporary directory under $TMPDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_helpers.h"

#include "mamori/store.h"
#include "store/sqlite.h"

#define OK MAMORI_STORE_OK

static char *
tmp_state(void)
{
	GError *e = NULL;
	char *d = g_dir_make_tmp("test_store_iface-XXXXXX", &e);
	assert_non_null(d);
	return d;
}

static void
rm_rf(const char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
}

static struct mamori_store *
open_ok(const char *dir)
{
	char err[512] = "";
	struct mamori_store *st = store_sqlite_open(dir, err, sizeof err);
	if (st == NULL)
		print_error("store_sqlite_open: %s\n", err);
	assert_non_null(st);
	return st;
}

/* The value of (ns, key) at now as a string ("" for an empty one), or
 * NULL when absent; asserts on any other status. */
static char *
kv_str(struct mamori_store *st, const char *ns, const char *key, int64_t now)
{
	uint8_t *v = (uint8_t *)"x";
	size_t len = 99;
	char err[256] = "";
	enum mamori_store_status rc = mamori_store_kv_get(st, ns, key, now, &v, &len, err,
	    sizeof err);
	if (rc == MAMORI_STORE_NOTFOUND) {
		assert_null(v);
		assert_int_equal(len, 0);
		return NULL;
	}
	if (rc != OK)
		print_error("kv_get: %s: %s\n", mamori_store_status_name(rc), err);
	assert_int_equal(rc, OK);
	assert_non_null(v);
	char *s = g_strndup((const char *)v, len);
	free(v);
	return s;
}

static void
kv_put_ok(struct mamori_store *st, const char *ns, const char *key, const char *val,
    int64_t expires)
{
	char err[256] = "";
	enum mamori_store_status rc = mamori_store_kv_put(st, ns, key, (const uint8_t *)val,
	    strlen(val), expires, err, sizeof err);
	if (rc != OK)
		print_error("kv_put: %s\n", err);
	assert_int_equal(rc, OK);
}

static void
test_vtable(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);

	assert_non_null(st->ops);
	assert_string_equal(st->ops->name, "sqlite");
	assert_non_null(st->ops->quarantine);	/* the quarantine is part of it */
	assert_string_equal(mamori_store_status_name(MAMORI_STORE_NOTFOUND), "not found");
	mamori_store_close(st);
	mamori_store_close(NULL);

	/* a state directory that cannot be one: status and message */
	char err[512] = "";
	char *file = g_build_filename(dir, "mamori.db", NULL);
	char *under = g_build_filename(file, "sub", NULL);
	assert_null(store_sqlite_open(under, err, sizeof err));
	assert_non_null(strstr(err, under));
	g_free(under);
	g_free(file);
	rm_rf(dir);
	g_free(dir);
}

static void
test_kv(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];
	char *s;

	assert_null(kv_str(st, "m", "k", 100));
	kv_put_ok(st, "m", "k", "one", 0);
	s = kv_str(st, "m", "k", 100);
	assert_string_equal(s, "one");
	g_free(s);
	kv_put_ok(st, "m", "k", "two", 0);	/* replaced */
	s = kv_str(st, "m", "k", 100);
	assert_string_equal(s, "two");
	g_free(s);
	/* namespaces are apart */
	assert_null(kv_str(st, "other", "k", 100));
	kv_put_ok(st, "other", "k", "x", 0);
	s = kv_str(st, "m", "k", 100);
	assert_string_equal(s, "two");
	g_free(s);

	/* bytes: NUL inside, and the empty value (present, length 0) */
	static const uint8_t bin[] = { 0, 1, 0, 255, 'a' };
	assert_int_equal(mamori_store_kv_put(st, "m", "bin", bin, sizeof bin, 0, err,
	    sizeof err), OK);
	uint8_t *v = NULL;
	size_t len = 0;
	assert_int_equal(mamori_store_kv_get(st, "m", "bin", 0, &v, &len, err, sizeof err), OK);
	assert_int_equal(len, sizeof bin);
	assert_memory_equal(v, bin, sizeof bin);
	free(v);
	assert_int_equal(mamori_store_kv_put(st, "m", "empty", NULL, 0, 0, err, sizeof err), OK);
	s = kv_str(st, "m", "empty", 0);
	assert_string_equal(s, "");
	g_free(s);

	/* delete */
	assert_int_equal(mamori_store_kv_delete(st, "m", "empty", err, sizeof err), OK);
	assert_null(kv_str(st, "m", "empty", 0));
	assert_int_equal(mamori_store_kv_delete(st, "m", "empty", err, sizeof err),
	    MAMORI_STORE_NOTFOUND);

	/* invalid arguments: nothing written */
	err[0] = '\0';
	assert_int_equal(mamori_store_kv_put(st, "", "k", bin, 1, 0, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_non_null(strstr(err, "empty namespace"));
	assert_int_equal(mamori_store_kv_put(st, "m", "", bin, 1, 0, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_kv_put(st, "m", "z", NULL, 3, 0, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_kv_get(st, "m", NULL, 0, &v, &len, NULL, 0),
	    MAMORI_STORE_INVALID);
	assert_null(kv_str(st, "m", "z", 0));

	/* kept across a close */
	mamori_store_close(st);
	st = open_ok(dir);
	s = kv_str(st, "m", "k", 100);
	assert_string_equal(s, "two");
	g_free(s);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* the scan's callback: "key=value;" appended to a GString; stops at a
 * key "stop" */
static bool
kv_collect(const char *key, const uint8_t *val, size_t len, void *ud)
{
	if (strcmp(key, "p/stop") == 0)
		return false;
	g_string_append_printf(ud, "%s=%.*s;", key, (int)len, (const char *)val);
	return true;
}

static char *
scan_str(struct mamori_store *st, const char *ns, const char *prefix, int64_t now)
{
	char err[256] = "";
	GString *out = g_string_new("");
	enum mamori_store_status rc = mamori_store_kv_scan(st, ns, prefix, now, kv_collect,
	    out, err, sizeof err);
	if (rc != OK)
		print_error("kv_scan: %s: %s\n", mamori_store_status_name(rc), err);
	assert_int_equal(rc, OK);
	return g_string_free(out, FALSE);
}

static void
test_kv_write_scan(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];
	char *s;

	kv_put_ok(st, "m", "p/old", "O", 0);
	kv_put_ok(st, "m", "p/gone", "G", 0);
	kv_put_ok(st, "m", "p/late", "L", 50);	/* expires at 50 */
	kv_put_ok(st, "m", "q/other", "Q", 0);
	kv_put_ok(st, "other", "p/x", "X", 0);
	const struct mamori_store_kv_op ops[] = {
		{ .key = "p/c", .val = (const uint8_t *)"3", .len = 1 },
		{ .key = "p/a", .val = (const uint8_t *)"1", .len = 1 },
		{ .key = "p/gone", .remove = true },
		{ .key = "p/never", .remove = true },	/* absent: fine */
		{ .key = "p/old", .val = (const uint8_t *)"new", .len = 3 },
		{ .key = "p/e", .val = NULL, .len = 0 },	/* empty value */
		{ .key = "p/w", .val = (const uint8_t *)"W", .len = 1, .expires = 40 },
	};
	assert_int_equal(mamori_store_kv_write(st, "m", ops, G_N_ELEMENTS(ops), err,
	    sizeof err), OK);
	/* in key order, the prefix only, this namespace only */
	s = scan_str(st, "m", "p/", 10);
	assert_string_equal(s, "p/a=1;p/c=3;p/e=;p/late=L;p/old=new;p/w=W;");
	g_free(s);
	/* expired values are not visited (p/w, written with its expiry, at 40) */
	s = scan_str(st, "m", "p/", 50);
	assert_string_equal(s, "p/a=1;p/c=3;p/e=;p/old=new;");
	g_free(s);
	s = scan_str(st, "m", "", 50);
	assert_string_equal(s, "p/a=1;p/c=3;p/e=;p/old=new;q/other=Q;");
	g_free(s);
	s = scan_str(st, "m", "zz", 0);
	assert_string_equal(s, "");
	g_free(s);
	/* the callback stops the scan */
	kv_put_ok(st, "m", "p/stop", "S", 0);
	s = scan_str(st, "m", "p/", 10);
	assert_string_equal(s, "p/a=1;p/c=3;p/e=;p/late=L;p/old=new;");
	g_free(s);
	kv_put_ok(st, "m", "p/b", "B", 0);
	s = scan_str(st, "m", "p/", 100);
	assert_string_equal(s, "p/a=1;p/b=B;p/c=3;p/e=;p/old=new;");
	g_free(s);

	/* an invalid batch changes nothing */
	const struct mamori_store_kv_op bad[] = {
		{ .key = "p/a", .remove = true },
		{ .key = "", .val = (const uint8_t *)"x", .len = 1 },
	};
	err[0] = '\0';
	assert_int_equal(mamori_store_kv_write(st, "m", bad, G_N_ELEMENTS(bad), err,
	    sizeof err), MAMORI_STORE_INVALID);
	assert_non_null(strstr(err, "empty key"));
	const struct mamori_store_kv_op novalue[] = {
		{ .key = "p/a", .remove = true },
		{ .key = "p/z", .val = NULL, .len = 2 },
	};
	assert_int_equal(mamori_store_kv_write(st, "m", novalue, 2, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_kv_write(st, "", ops, 1, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_kv_scan(st, "m", NULL, 0, kv_collect, NULL, err,
	    sizeof err), MAMORI_STORE_INVALID);
	s = kv_str(st, "m", "p/a", 0);
	assert_string_equal(s, "1");
	g_free(s);
	assert_int_equal(mamori_store_kv_write(st, "m", NULL, 0, err, sizeof err), OK);

	/* kept across a close */
	mamori_store_close(st);
	st = open_ok(dir);
	s = kv_str(st, "m", "p/old", 0);
	assert_string_equal(s, "new");
	g_free(s);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_kv_expiry(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];
	uint64_t removed = 99;
	char *s;

	kv_put_ok(st, "m", "a", "A", 1000);	/* absent from 1000 on */
	kv_put_ok(st, "m", "b", "B", 2000);
	kv_put_ok(st, "n", "c", "C", 1500);
	kv_put_ok(st, "m", "forever", "F", 0);
	s = kv_str(st, "m", "a", 999);
	assert_string_equal(s, "A");
	g_free(s);
	assert_null(kv_str(st, "m", "a", 1000));
	s = kv_str(st, "m", "b", 1000);
	assert_string_equal(s, "B");
	g_free(s);
	assert_int_equal(mamori_store_kv_put(st, "m", "neg", (const uint8_t *)"x", 1, -5, err,
	    sizeof err), MAMORI_STORE_INVALID);

	/* purge at 1600: a (1000) and c (1500, another namespace) go */
	assert_int_equal(mamori_store_kv_purge(st, 1600, &removed, err, sizeof err), OK);
	assert_int_equal(removed, 2);
	assert_null(kv_str(st, "m", "a", 0));	/* gone, whatever the time */
	assert_null(kv_str(st, "n", "c", 0));
	s = kv_str(st, "m", "b", 0);
	assert_string_equal(s, "B");
	g_free(s);
	s = kv_str(st, "m", "forever", INT64_MAX);
	assert_string_equal(s, "F");
	g_free(s);
	/* a put renews the expiry */
	kv_put_ok(st, "m", "b", "B2", 0);
	assert_int_equal(mamori_store_kv_purge(st, 5000, &removed, err, sizeof err), OK);
	assert_int_equal(removed, 0);
	s = kv_str(st, "m", "b", 5000);
	assert_string_equal(s, "B2");
	g_free(s);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static bool
scan_collect(const char *key, int64_t value, void *ud)
{
	g_string_append_printf(ud, "%s=%" G_GINT64_FORMAT " ", key, value);
	return true;
}

static bool
scan_first(const char *key, int64_t value, void *ud)
{
	(void)value;
	g_string_append(ud, key);
	return false;
}

static void
test_counters(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];
	int64_t v = 0;

	assert_int_equal(mamori_store_counter_add1(st, "bayes", "spam:viagra", 3, &v, err,
	    sizeof err), OK);
	assert_int_equal(v, 3);
	assert_int_equal(mamori_store_counter_add1(st, "bayes", "spam:viagra", -1, &v, err,
	    sizeof err), OK);
	assert_int_equal(v, 2);
	assert_int_equal(mamori_store_counter_add1(st, "bayes", "spam:viagra", 5, NULL, err,
	    sizeof err), OK);

	/* a batch: one key twice, new keys, values out */
	const char *keys[] = { "a", "b", "a", "spam:viagra" };
	const int64_t deltas[] = { 1, 10, 100, 1 };
	int64_t out[4] = { 0 };
	assert_int_equal(mamori_store_counter_add(st, "bayes", keys, deltas, 4, out, err,
	    sizeof err), OK);
	assert_int_equal(out[0], 101);	/* the value after the whole batch */
	assert_int_equal(out[1], 10);
	assert_int_equal(out[2], 101);
	assert_int_equal(out[3], 8);

	/* read many, a missing key reads 0; another namespace is apart */
	const char *rk[] = { "b", "missing", "a", "spam:viagra" };
	int64_t got[4] = { -1, -1, -1, -1 };
	assert_int_equal(mamori_store_counter_get(st, "bayes", rk, 4, got, err, sizeof err), OK);
	assert_int_equal(got[0], 10);
	assert_int_equal(got[1], 0);
	assert_int_equal(got[2], 101);
	assert_int_equal(got[3], 8);
	assert_int_equal(mamori_store_counter_get(st, "other", rk, 1, got, err, sizeof err), OK);
	assert_int_equal(got[0], 0);

	/* an invalid batch changes nothing */
	const char *bad[] = { "a", "" };
	const int64_t d2[] = { 1000, 1 };
	assert_int_equal(mamori_store_counter_add(st, "bayes", bad, d2, 2, NULL, err,
	    sizeof err), MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_counter_add(st, "", keys, d2, 1, NULL, err, sizeof err),
	    MAMORI_STORE_INVALID);
	assert_int_equal(mamori_store_counter_get(st, "bayes", rk + 2, 1, got, err, sizeof err),
	    OK);
	assert_int_equal(got[0], 101);
	/* no keys: nothing to do */
	assert_int_equal(mamori_store_counter_add(st, "bayes", NULL, NULL, 0, NULL, err,
	    sizeof err), OK);

	/* a scan: the keys of a prefix, in key order, of one namespace */
	assert_int_equal(mamori_store_counter_add1(st, "bayes", "spam:aaa", 4, NULL, err,
	    sizeof err), OK);
	assert_int_equal(mamori_store_counter_add1(st, "bayes", "spam;", 9, NULL, err,
	    sizeof err), OK);	/* ';' sorts right after ':' */
	assert_int_equal(mamori_store_counter_add1(st, "other", "spam:zzz", 1, NULL, err,
	    sizeof err), OK);
	GString *seen = g_string_new(NULL);
	assert_int_equal(mamori_store_counter_scan(st, "bayes", "spam:", scan_collect, seen,
	    err, sizeof err), OK);
	assert_string_equal(seen->str, "spam:aaa=4 spam:viagra=8 ");
	g_string_truncate(seen, 0);
	assert_int_equal(mamori_store_counter_scan(st, "bayes", "", scan_collect, seen, err,
	    sizeof err), OK);
	assert_string_equal(seen->str, "a=101 b=10 spam:aaa=4 spam:viagra=8 spam;=9 ");
	g_string_truncate(seen, 0);
	/* the callback stops it */
	assert_int_equal(mamori_store_counter_scan(st, "bayes", "", scan_first, seen, err,
	    sizeof err), OK);
	assert_string_equal(seen->str, "a");
	g_string_truncate(seen, 0);
	assert_int_equal(mamori_store_counter_scan(st, "none", "", scan_collect, seen, err,
	    sizeof err), OK);
	assert_string_equal(seen->str, "");
	assert_int_equal(mamori_store_counter_scan(st, "", "", scan_collect, seen, err,
	    sizeof err), MAMORI_STORE_INVALID);
	g_string_free(seen, TRUE);

	/* kept across a close */
	mamori_store_close(st);
	st = open_ok(dir);
	assert_int_equal(mamori_store_counter_get(st, "bayes", rk, 4, got, err, sizeof err), OK);
	assert_int_equal(got[0], 10);
	assert_int_equal(got[2], 101);
	assert_int_equal(got[3], 8);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* ---- concurrency -------------------------------------------------------- */

#define NKEYS 50
#define ROUNDS 40

struct adder {
	struct mamori_store *st;
	int failures;
};

/* ROUNDS batches of +1 on each of NKEYS keys, and ROUNDS single adds of
 * +1 on "single"; how many calls failed. */
static int
add_rounds(struct mamori_store *st)
{
	const char *keys[NKEYS];
	int64_t deltas[NKEYS];
	char names[NKEYS][16];
	char err[256];
	int failures = 0;

	for (int i = 0; i < NKEYS; i++) {
		snprintf(names[i], sizeof names[i], "tok%d", i);
		keys[i] = names[i];
		deltas[i] = 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		if (mamori_store_counter_add(st, "race", keys, deltas, NKEYS, NULL, err,
		    sizeof err) != OK) {
			fprintf(stderr, "counter_add: %s\n", err);
			failures++;
		}
		if (mamori_store_counter_add1(st, "race", "single", 1, NULL, err, sizeof err) != OK)
			failures++;
	}
	return failures;
}

static gpointer
adder_thread(gpointer data)
{
	struct adder *a = data;
	a->failures = add_rounds(a->st);
	return NULL;
}

static void
test_counter_concurrency(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];

	/* 2 processes, each on its own connection */
	pid_t pids[2];
	for (int p = 0; p < 2; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			char cerr[512];
			struct mamori_store *mine = store_sqlite_open(dir, cerr, sizeof cerr);
			int f = mine == NULL ? 1 : add_rounds(mine);
			mamori_store_close(mine);
			_exit(f == 0 ? 0 : 1);
		}
	}
	/* and, meanwhile, 2 threads of this process on one shared handle */
	struct adder a[2] = { { .st = st }, { .st = st } };
	GThread *t0 = g_thread_new("add0", adder_thread, &a[0]);
	GThread *t1 = g_thread_new("add1", adder_thread, &a[1]);
	g_thread_join(t0);
	g_thread_join(t1);
	assert_int_equal(a[0].failures, 0);
	assert_int_equal(a[1].failures, 0);
	for (int p = 0; p < 2; p++) {
		int status = 0;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	/* 4 writers x ROUNDS: not one count lost */
	const char *keys[NKEYS + 1];
	char names[NKEYS][16];
	int64_t got[NKEYS + 1];
	for (int i = 0; i < NKEYS; i++) {
		snprintf(names[i], sizeof names[i], "tok%d", i);
		keys[i] = names[i];
	}
	keys[NKEYS] = "single";
	assert_int_equal(mamori_store_counter_get(st, "race", keys, NKEYS + 1, got, err,
	    sizeof err), OK);
	for (int i = 0; i <= NKEYS; i++)
		assert_int_equal(got[i], 4 * ROUNDS);
	printf("counters: 4 writers (2 threads, 2 processes) x %d rounds x %d keys: "
	    "every count there (%d each)\n", ROUNDS, NKEYS + 1, 4 * ROUNDS);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* 1,000 token updates as 1,000 calls and as one batch: the batch is one
 * transaction (one commit, one fsync), the calls 1,000. */
static void
test_counter_batch_time(void **state)
{
	(void)state;
	enum { N = 1000 };
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[256];
	const char **keys = g_new(const char *, N);
	int64_t *deltas = g_new(int64_t, N), *got = g_new(int64_t, N);
	char (*names)[16] = g_malloc(sizeof(char[16]) * N);

	for (int i = 0; i < N; i++) {
		snprintf(names[i], 16, "t%d", i);
		keys[i] = names[i];
		deltas[i] = 2;
	}
	gint64 t0 = g_get_monotonic_time();
	for (int i = 0; i < N; i++)
		assert_int_equal(mamori_store_counter_add1(st, "time", keys[i], 1, NULL, err,
		    sizeof err), OK);
	gint64 t1 = g_get_monotonic_time();
	assert_int_equal(mamori_store_counter_add(st, "time", keys, deltas, N, NULL, err,
	    sizeof err), OK);
	gint64 t2 = g_get_monotonic_time();
	assert_int_equal(mamori_store_counter_get(st, "time", keys, N, got, err, sizeof err), OK);
	gint64 t3 = g_get_monotonic_time();
	for (int i = 0; i < N; i++)
		assert_int_equal(got[i], 3);
	printf("counters: %d updates as %d calls %.1f ms, as one batch %.1f ms; "
	    "read of %d in one call %.1f ms\n", N, N, (double)(t1 - t0) / 1000.0,
	    (double)(t2 - t1) / 1000.0, N, (double)(t3 - t2) / 1000.0);
	g_free(keys);
	g_free(deltas);
	g_free(got);
	g_free(names);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* ---- rows ----------------------------------------------------------------- */

static void
row_add(struct mamori_store *st, const char *ns, const char *key, int64_t t, const char *p)
{
	char err[256] = "";
	enum mamori_store_status rc = mamori_store_row_append(st, ns, key, t,
	    (const uint8_t *)p, strlen(p), err, sizeof err);
	if (rc != OK)
		print_error("row_append: %s\n", err);
	assert_int_equal(rc, OK);
}

static void
assert_row(const struct mamori_store_row *r, int64_t t, const char *p)
{
	assert_int_equal(r->time, t);
	assert_int_equal(r->len, strlen(p));
	assert_non_null(r->payload);
	assert_memory_equal(r->payload, p, r->len);
}

static void
test_rows(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	struct mamori_store_row *rows = NULL;
	size_t n = 99;
	uint64_t removed = 0;
	char err[256];

	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 10, &rows, &n, err,
	    sizeof err), OK);
	assert_null(rows);
	assert_int_equal(n, 0);

	row_add(st, "hist", "a@x", 100, "first");
	row_add(st, "hist", "a@x", 300, "third");
	row_add(st, "hist", "a@x", 200, "second");	/* appended late, older */
	row_add(st, "hist", "a@x", 300, "third-b");	/* same time: appended after */
	row_add(st, "hist", "b@x", 250, "other key");
	row_add(st, "log", "a@x", 50, "other namespace");
	row_add(st, "hist", "a@x", 400, "");	/* an empty payload */

	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 3, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 3);
	assert_row(&rows[0], 400, "");
	assert_row(&rows[1], 300, "third-b");
	assert_row(&rows[2], 300, "third");
	mamori_store_rows_free(rows, n);
	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 100, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 5);
	assert_row(&rows[3], 200, "second");
	assert_row(&rows[4], 100, "first");
	mamori_store_rows_free(rows, n);
	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 0, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 0);
	assert_int_equal(mamori_store_row_append(st, "hist", "", 1, (const uint8_t *)"x", 1,
	    err, sizeof err), MAMORI_STORE_INVALID);

	/* purge hist before 250: first (100) and second (200) go */
	assert_int_equal(mamori_store_row_purge(st, "hist", 250, &removed, err, sizeof err), OK);
	assert_int_equal(removed, 2);
	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 100, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 3);
	assert_row(&rows[2], 300, "third");
	mamori_store_rows_free(rows, n);
	assert_int_equal(mamori_store_row_latest(st, "log", "a@x", 100, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 1);	/* another namespace: untouched */
	mamori_store_rows_free(rows, n);
	assert_int_equal(mamori_store_row_latest(st, "hist", "b@x", 100, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 1);	/* 250 is not before 250 */
	mamori_store_rows_free(rows, n);
	/* every namespace */
	assert_int_equal(mamori_store_row_purge(st, NULL, 301, &removed, err, sizeof err), OK);
	assert_int_equal(removed, 4);	/* log 50, b 250, a 300 x2 */
	assert_int_equal(mamori_store_row_latest(st, "hist", "a@x", 100, &rows, &n, err,
	    sizeof err), OK);
	assert_int_equal(n, 1);
	assert_row(&rows[0], 400, "");
	mamori_store_rows_free(rows, n);
	assert_int_equal(mamori_store_row_purge(st, "", 301, &removed, err, sizeof err),
	    MAMORI_STORE_INVALID);
	mamori_store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* A write the backend cannot make comes back as MAMORI_STORE_ERROR with a
 * message, and changes nothing: another connection holds the write lock
 * past the busy timeout (10 s). */
static void
test_error_status(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char err[512] = "";
	sqlite3 *db;
	char *path = g_build_filename(dir, "mamori.db", NULL);

	kv_put_ok(st, "m", "k", "before", 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(mamori_store_kv_put(st, "m", "k", (const uint8_t *)"after", 5, 0, err,
	    sizeof err), MAMORI_STORE_ERROR);
	printf("locked: %s\n", err);
	assert_non_null(strstr(err, "mamori.db"));
	assert_non_null(strstr(err, "locked"));
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char *s = kv_str(st, "m", "k", 0);
	assert_string_equal(s, "before");
	g_free(s);
	mamori_store_close(st);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtable),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_kv_expiry),
		cmocka_unit_test(test_kv_write_scan),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_counter_concurrency),
		cmocka_unit_test(test_counter_batch_time),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_error_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
