/*
 * test_store.c - tests of the SQLite store (src/store/sqlite.c): put, get,
 * list filters, raw bytes, states, purge; the schema created in an empty
 * directory and found again on reopen; durability (file and row there
 * after put returns, without a close); 8 threads putting at once; a
 * corrupted or too-new database gives a clear error.  Everything lives in
 * a temporary directory under $TMPDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_helpers.h"

#include "store/store.h"

static char *
tmp_state(void)
{
	GError *e = NULL;
	char *d = g_dir_make_tmp("test_store-XXXXXX", &e);
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
	struct mamori_store *st = store_open(dir, err, sizeof err);
	if (st == NULL)
		print_error("store_open: %s\n", err);
	assert_non_null(st);
	return st;
}

static void
put(struct mamori_store *st, const char *msg, const char *from,
    const char *const *rcpt, size_t n, gint64 expires, char id[40])
{
	struct mamori_envelope env = { .client_ip = "192.0.2.1", .helo = "h.example",
	    .mail_from = from, .rcpt = rcpt, .n_rcpt = n, .queue_id = "QID1" };
	char err[512] = "";
	bool ok = store_quarantine_put_hdr(st, (const uint8_t *)msg, strlen(msg), &env,
	    NULL, "quarantine: test", expires, "Subj", "From <f@example.org>", id,
	    err, sizeof err);
	if (!ok)
		print_error("put: %s\n", err);
	assert_true(ok);
	assert_true(store_id_valid(id));
}

static void
test_put_get_raw(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *rc[] = { "a@example.com", "b@example.net" };
	char id[40];
	const char msg[] = "From: x\r\nSubject: s\r\n\r\nbody\r\n.\r\n";

	put(st, msg, "s@example.org", rc, 2, 12345, id);
	struct q_entry *e = store_quarantine_get(st, id);
	assert_non_null(e);
	assert_string_equal(e->id, id);
	assert_int_equal(e->state, Q_QUARANTINED);
	assert_string_equal(e->mail_from, "s@example.org");
	assert_string_equal(e->client_ip, "192.0.2.1");
	assert_string_equal(e->helo, "h.example");
	assert_string_equal(e->queue_id, "QID1");
	assert_string_equal(e->reason, "quarantine: test");
	assert_string_equal(e->action, "quarantine");
	assert_string_equal(e->subject, "Subj");
	assert_string_equal(e->from, "From <f@example.org>");
	assert_int_equal(e->expires, 12345);
	assert_int_equal(e->size, strlen(msg));
	assert_int_equal(e->rcpts->len, 2);
	assert_string_equal(g_ptr_array_index(e->rcpts, 0), "a@example.com");
	assert_string_equal(g_ptr_array_index(e->rcpts, 1), "b@example.net");
	q_entry_free(e);

	size_t len;
	uint8_t *raw = store_quarantine_raw(st, id, &len);
	assert_non_null(raw);
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(raw, msg, len);
	g_free(raw);

	/* unknown and malformed ids */
	assert_null(store_quarantine_get(st, "00000000000000000000000000000000"));
	assert_null(store_quarantine_get(st, "../../etc/passwd"));
	assert_null(store_quarantine_raw(st, "../mamori.db", &len));
	assert_false(store_quarantine_set_state(st, "nope", Q_RELEASED));

	/* binary content with NULs */
	struct mamori_envelope env = { 0 };
	char err[256], id2[40];
	const uint8_t bin[] = { 0, 1, 2, 0xff, '\n', 0 };
	assert_true(store_quarantine_put(st, bin, sizeof bin, &env, NULL, NULL, 0, id2,
	    err, sizeof err));
	raw = store_quarantine_raw(st, id2, &len);
	assert_int_equal(len, sizeof bin);
	assert_memory_equal(raw, bin, sizeof bin);
	g_free(raw);
	assert_string_not_equal(id, id2);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_list_filters_state(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r1[] = { "Alice@Example.com" };
	const char *r2[] = { "bob@example.net", "carol@example.org" };
	char ids[5][40];

	put(st, "m0\n", "x@spam.test", r1, 1, 0, ids[0]);
	put(st, "m1\n", "y@ham.test", r2, 2, 0, ids[1]);
	put(st, "m2\n", "", r2, 1, 0, ids[2]);
	put(st, "m3\n", NULL, r1, 1, 0, ids[3]);
	put(st, "m4\n", "x@spam.test", r2 + 1, 1, 0, ids[4]);

	GPtrArray *l = store_quarantine_list(st, NULL);
	assert_int_equal(l->len, 5);
	/* newest first */
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 0))->id, ids[4]);
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 4))->id, ids[0]);
	g_ptr_array_unref(l);

	struct q_filter f = { .rcpt = "alice@example" };	/* case-insensitive */
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 2);
	g_ptr_array_unref(l);

	f = (struct q_filter){ .rcpt = "carol" };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 2);	/* m1 and m4; m2 got only bob */
	g_ptr_array_unref(l);

	f = (struct q_filter){ .from = "spam.test" };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 2);
	g_ptr_array_unref(l);

	f = (struct q_filter){ .limit = 2, .offset = 1 };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 2);
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 0))->id, ids[3]);
	g_ptr_array_unref(l);

	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	f = (struct q_filter){ .since = now + 3600 };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	f = (struct q_filter){ .since = now - 3600, .until = now + 3600 };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 5);
	g_ptr_array_unref(l);

	/* states */
	assert_true(store_quarantine_set_state(st, ids[1], Q_RELEASED));
	assert_true(store_quarantine_set_state(st, ids[2], Q_DELETED));
	enum q_state s = Q_QUARANTINED;
	f = (struct q_filter){ .state = &s };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 3);
	g_ptr_array_unref(l);
	s = Q_RELEASED;
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 1);
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 0))->id, ids[1]);
	g_ptr_array_unref(l);
	/* deleted: the row stays (state), the message is gone */
	size_t len;
	assert_null(store_quarantine_raw(st, ids[2], &len));
	struct q_entry *e = store_quarantine_get(st, ids[2]);
	assert_int_equal(e->state, Q_DELETED);
	q_entry_free(e);

	enum q_state p;
	assert_true(q_state_parse("released", &p));
	assert_int_equal(p, Q_RELEASED);
	assert_false(q_state_parse("bogus", &p));
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_purge(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char a[40], b[40], c[40];

	put(st, "old\n", "s@x", r, 1, 1000, a);
	put(st, "new\n", "s@x", r, 1, 5000, b);
	put(st, "never\n", "s@x", r, 1, 0, c);	/* 0: never expires */
	char *pa = g_strdup_printf("%s/quarantine/%s.eml", dir, a);
	assert_true(g_file_test(pa, G_FILE_TEST_EXISTS));
	assert_int_equal(store_quarantine_purge(st, 999), 0);
	assert_int_equal(store_quarantine_purge(st, 2000), 1);
	assert_false(g_file_test(pa, G_FILE_TEST_EXISTS));
	assert_null(store_quarantine_get(st, a));
	uint8_t *rb = store_quarantine_raw(st, b, &(size_t){ 0 });
	assert_non_null(rb);
	g_free(rb);
	assert_int_equal(store_quarantine_purge(st, 100000), 1);
	GPtrArray *l = store_quarantine_list(st, NULL);
	assert_int_equal(l->len, 1);
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 0))->id, c);
	g_ptr_array_unref(l);
	g_free(pa);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static int
db_version(const char *dir)
{
	char *path = g_strdup_printf("%s/mamori.db", dir);
	sqlite3 *db;
	sqlite3_stmt *s;
	int v = -1;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM schema_version",
	    -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	g_free(path);
	return v;
}

static void
test_migration_reopen(void **state)
{
	(void)state;
	char *dir = tmp_state();
	char *sub = g_strdup_printf("%s/a/b", dir);	/* created with parents */
	char id[40], err[512];
	const char *r[] = { "a@example.com" };

	struct mamori_store *st = open_ok(sub);
	put(st, "hello\n", "s@x", r, 1, 0, id);
	store_close(st);
	assert_int_equal(db_version(sub), 2);
	st = open_ok(sub);	/* reopen: migration is a no-op */
	struct q_entry *e = store_quarantine_get(st, id);
	assert_non_null(e);
	q_entry_free(e);
	store_close(st);
	assert_int_equal(db_version(sub), 2);

	/* a database from a newer mamori is refused, clearly */
	char *path = g_strdup_printf("%s/mamori.db", sub);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(sub, err, sizeof err));
	assert_non_null(strstr(err, "schema version 99 is newer"));
	g_free(path);
	g_free(sub);
	rm_rf(dir);
	g_free(dir);
}

static void
test_durable_without_close(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char id[40];
	const char msg[] = "Subject: durable\r\n\r\nbytes\r\n";

	put(st, msg, "s@x", r, 1, 0, id);
	/* the file has the bytes, and a second, independent connection sees
	 * the committed row while the first is still open */
	char *path = g_strdup_printf("%s/quarantine/%s.eml", dir, id);
	gchar *data;
	gsize len;
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(data, msg, len);
	g_free(data);
	struct mamori_store *other = open_ok(dir);
	struct q_entry *e = store_quarantine_get(other, id);
	assert_non_null(e);
	assert_int_equal(e->size, strlen(msg));
	q_entry_free(e);
	store_close(other);
	/* no temporary files left behind */
	char *qdir = g_strdup_printf("%s/quarantine", dir);
	GDir *d = g_dir_open(qdir, 0, NULL);
	const char *n;
	int files = 0;
	while ((n = g_dir_read_name(d)) != NULL) {
		assert_true(g_str_has_suffix(n, ".eml"));
		files++;
	}
	g_dir_close(d);
	assert_int_equal(files, 1);
	g_free(qdir);
	g_free(path);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

#define THREADS 8
#define PER_THREAD 25

struct worker {
	struct mamori_store *st;
	int n;
	char ids[PER_THREAD][40];
	int ok;
};

static gpointer
worker(gpointer p)
{
	struct worker *w = p;
	char rcpt[64], body[64], err[256];
	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(rcpt, sizeof rcpt, "t%d-%d@example.com", w->n, i);
		snprintf(body, sizeof body, "thread %d message %d\n", w->n, i);
		const char *r[] = { rcpt };
		struct mamori_envelope env = { .mail_from = "s@x", .rcpt = r, .n_rcpt = 1 };
		if (store_quarantine_put(w->st, (const uint8_t *)body, strlen(body), &env,
		    NULL, "q", 0, w->ids[i], err, sizeof err))
			w->ok++;
		else
			fprintf(stderr, "put: %s\n", err);
		/* reads in between */
		GPtrArray *l = store_quarantine_list(w->st, NULL);
		g_ptr_array_unref(l);
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	struct worker w[THREADS];
	GThread *t[THREADS];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .st = st, .n = i };
		t[i] = g_thread_new("put", worker, &w[i]);
	}
	for (int i = 0; i < THREADS; i++)
		g_thread_join(t[i]);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(w[i].ok, PER_THREAD);
		for (int j = 0; j < PER_THREAD; j++) {
			size_t len;
			char want[64];
			snprintf(want, sizeof want, "thread %d message %d\n", i, j);
			uint8_t *raw = store_quarantine_raw(st, w[i].ids[j], &len);
			assert_non_null(raw);
			assert_int_equal(len, strlen(want));
			assert_memory_equal(raw, want, len);
			g_free(raw);
		}
	}
	struct q_filter f = { .limit = 1000 };
	GPtrArray *l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, THREADS * PER_THREAD);
	g_ptr_array_unref(l);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_corrupted(void **state)
{
	(void)state;
	char *dir = tmp_state();
	char *path = g_strdup_printf("%s/mamori.db", dir);
	char err[512] = "";

	/* not a database at all */
	assert_true(g_file_set_contents(path, "this is not an SQLite database, "
	    "just some text that is long enough to look like a header...", -1, NULL));
	assert_null(store_open(dir, err, sizeof err));
	assert_non_null(strstr(err, "mamori.db"));
	assert_non_null(strstr(err, "not a database"));

	/* a real database with its pages overwritten */
	unlink(path);
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char id[40];
	for (int i = 0; i < 50; i++)
		put(st, "some message bytes\n", "s@x", r, 1, 0, id);
	store_close(st);
	/* checkpointed into the main file by the close: damage page 2 on */
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
	char junk[8192];
	memset(junk, 0xA5, sizeof junk);
	assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
	fclose(fp);
	err[0] = '\0';
	st = store_open(dir, err, sizeof err);
	if (st != NULL) {
		/* not detected at open: then no call may crash */
		GPtrArray *l = store_quarantine_list(st, NULL);
		g_ptr_array_unref(l);
		store_close(st);
		fail_msg("damaged database opened without an error");
	}
	assert_non_null(strstr(err, "mamori.db"));

	/* a state directory that cannot be created */
	assert_null(store_open("/proc/no/such/dir", err, sizeof err));
	assert_non_null(strstr(err, "/proc/no/such/dir"));
	assert_null(store_open("", err, sizeof err));
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_raw),
		cmocka_unit_test(test_list_filters_state),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_migration_reopen),
		cmocka_unit_test(test_durable_without_close),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_corrupted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
