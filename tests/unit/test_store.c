/*
 * test_store.c - tests of the SQLite store (src/store/sqlite.c): put, get,
 * list filters, raw bytes, states, purge; the schema created in an empty
 * directory and found again on reopen; durability (file and row there
 * after put returns, without a close); 8 threads putting at once; a
 * corrupted or too-new database gives a clear error.  Holds (PPAP): put,
 * match (sender and recipient overlap, window), due, resolve exactly once
 * (also from 8 threads at once), purge leaves holds alone, the JSON
 * fields, the upgrade of a version 1 database in place, and the match
 * query among 10,000 held and 10,000 quarantined rows (its time printed).
 * Releases and deletes as transitions: claim, finish, abort, reset,
 * delete refused while releasing and once released, purge leaves a
 * releasing entry alone; 8 threads on their own connections claiming and
 * deleting the same entries (exactly one wins each).  Duplicates within
 * the dedup window (a clock override), file modes 0600 of mamori.db and
 * its -wal and -shm, and stale .tmp-* files removed at open and by purge
 * (but never one a live put holds).
 * Everything lives in a temporary directory under $TMPDIR.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <sqlite3.h>

#include "test_helpers.h"

#include "store/store.h"
#include "util/jsonw.h"

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
	assert_int_equal(db_version(sub), 4);
	st = open_ok(sub);	/* reopen: migration is a no-op */
	struct q_entry *e = store_quarantine_get(st, id);
	assert_non_null(e);
	q_entry_free(e);
	store_close(st);
	assert_int_equal(db_version(sub), 4);

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

/* ---- holds ------------------------------------------------------------ */

static void
hold(struct mamori_store *st, const char *msg, const char *from,
    const char *const *rcpt, size_t n, gint64 hold_until, gint64 expires,
    const char *key, char id[40])
{
	struct mamori_envelope env = { .client_ip = "192.0.2.1", .helo = "h.example",
	    .mail_from = from, .rcpt = rcpt, .n_rcpt = n, .queue_id = "QH" };
	char err[512] = "";
	bool ok = store_hold_put(st, (const uint8_t *)msg, strlen(msg), &env, NULL,
	    "held: encrypted attachment", hold_until, expires, "見積書", "F <f@x>",
	    key, id, err, sizeof err);
	if (!ok)
		print_error("hold: %s\n", err);
	assert_true(ok);
	assert_true(store_id_valid(id));
}

static const char *
ent_id(GPtrArray *l, guint i)
{
	return ((struct q_entry *)g_ptr_array_index(l, i))->id;
}

static void
test_hold_put_match(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r1[] = { "a@example.com", "b@example.com" };
	const char *r2[] = { "c@example.com" };
	char h1[40], h2[40], h3[40], q1[40];
	gint64 now = 1767225600;

	hold(st, "zip 1\n", "Sender@Example.ORG", r1, 2, now + 1800, now + 86400,
	    "見積書", h1);
	hold(st, "zip 2\n", "sender@example.org", r2, 1, now + 1800, 0, NULL, h2);
	hold(st, "zip 3\n", "sender@example.org", r1, 1, now + 60, now + 86400,
	    "k3", h3);
	/* a quarantined message of the same sender is no hold */
	put(st, "q\n", "sender@example.org", r1, 2, 0, q1);

	struct q_entry *e = store_quarantine_get(st, h1);
	assert_non_null(e);
	assert_int_equal(e->state, Q_HELD);
	assert_int_equal(e->hold_until, now + 1800);
	assert_int_equal(e->expires, now + 86400);
	assert_string_equal(e->subject_key, "見積書");
	assert_string_equal(e->subject, "見積書");
	assert_null(e->password_where);
	assert_string_equal(e->reason, "held: encrypted attachment");
	q_entry_free(e);
	e = store_quarantine_get(st, q1);
	assert_int_equal(e->hold_until, 0);
	assert_null(e->subject_key);
	q_entry_free(e);

	/* the follow-up: same sender (other case), a recipient in common */
	const char *f1[] = { "x@example.com", "A@EXAMPLE.COM" };
	GPtrArray *l = store_hold_match(st, "SENDER@example.org", f1, 2, now + 10);
	assert_int_equal(l->len, 2);		/* h1 and h3, oldest first */
	assert_string_equal(ent_id(l, 0), h1);
	assert_string_equal(ent_id(l, 1), h3);
	assert_int_equal(((struct q_entry *)g_ptr_array_index(l, 0))->rcpts->len, 2);
	g_ptr_array_unref(l);
	/* h3's window ended at now + 60 (hold_until itself still matches) */
	l = store_hold_match(st, "sender@example.org", f1, 2, now + 60);
	assert_int_equal(l->len, 2);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "sender@example.org", f1, 2, now + 61);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), h1);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "sender@example.org", f1, 2, now + 1801);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	/* only c@: h2 */
	l = store_hold_match(st, "sender@example.org", r2, 1, now);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), h2);
	g_ptr_array_unref(l);
	/* no recipient in common; another sender; the null sender; none */
	const char *f2[] = { "z@example.com" };
	l = store_hold_match(st, "sender@example.org", f2, 1, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "other@example.org", r1, 2, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "sender@example.org.evil", r1, 2, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "", r1, 2, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	l = store_hold_match(st, NULL, r1, 2, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "sender@example.org", NULL, 0, now);
	assert_int_equal(l->len, 0);
	g_ptr_array_unref(l);

	/* resolved holds match no more */
	assert_true(store_hold_resolve(st, h1, Q_RELEASED, "second mail: body"));
	l = store_hold_match(st, "sender@example.org", f1, 2, now);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), h3);
	g_ptr_array_unref(l);

	/* expires before hold_until is raised to it; hold_until is required */
	char h4[40], err[256];
	hold(st, "zip 4\n", "s@x", r2, 1, now + 1800, now + 5, NULL, h4);
	e = store_quarantine_get(st, h4);
	assert_int_equal(e->expires, now + 1800);
	q_entry_free(e);
	struct mamori_envelope env = { .mail_from = "s@x", .rcpt = r2, .n_rcpt = 1 };
	assert_false(store_hold_put(st, (const uint8_t *)"m", 1, &env, NULL, NULL, 0, 0,
	    NULL, NULL, NULL, h4, err, sizeof err));

	/* the states by name, and the list filter */
	enum q_state p;
	assert_true(q_state_parse("held", &p));
	assert_int_equal(p, Q_HELD);
	assert_true(q_state_parse("expired", &p));
	assert_int_equal(p, Q_EXPIRED);
	assert_string_equal(q_state_name(Q_HELD), "held");
	assert_string_equal(q_state_name(Q_EXPIRED), "expired");
	assert_true(q_state_parse("held", &p));
	struct q_filter f = { .state = &p };
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 3);		/* h2, h3, h4 */
	g_ptr_array_unref(l);
	p = Q_RELEASED;
	l = store_quarantine_list(st, &f);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), h1);
	assert_string_equal(((struct q_entry *)g_ptr_array_index(l, 0))->password_where,
	    "second mail: body");
	g_ptr_array_unref(l);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_hold_due_resolve(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char a[40], b[40], c[40], q[40];

	hold(st, "a\n", "s@x", r, 1, 3000, 0, NULL, a);
	hold(st, "b\n", "s@x", r, 1, 1000, 0, NULL, b);
	hold(st, "c\n", "t@x", r, 1, 2000, 0, NULL, c);
	put(st, "q\n", "s@x", r, 1, 0, q);

	GPtrArray *l = store_hold_due(st, 1000, 0);
	assert_int_equal(l->len, 0);		/* hold_until 1000 is not < 1000 */
	g_ptr_array_unref(l);
	l = store_hold_due(st, 2500, 0);
	assert_int_equal(l->len, 2);		/* earliest first */
	assert_string_equal(ent_id(l, 0), b);
	assert_string_equal(ent_id(l, 1), c);
	g_ptr_array_unref(l);
	l = store_hold_due(st, 99999, 1);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), b);
	g_ptr_array_unref(l);

	/* the sweeper and a follow-up race: one wins, the other does nothing */
	assert_true(store_hold_resolve(st, b, Q_EXPIRED, NULL));
	assert_false(store_hold_resolve(st, b, Q_RELEASED, "late"));
	struct q_entry *e = store_quarantine_get(st, b);
	assert_int_equal(e->state, Q_EXPIRED);
	assert_null(e->password_where);
	q_entry_free(e);
	l = store_hold_due(st, 2500, 0);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), c);
	g_ptr_array_unref(l);

	/* only out of held, only to a final state, only valid ids */
	assert_false(store_hold_resolve(st, q, Q_RELEASED, NULL));
	assert_false(store_hold_resolve(st, a, Q_HELD, NULL));
	assert_false(store_hold_resolve(st, "00000000000000000000000000000000",
	    Q_RELEASED, NULL));
	assert_false(store_hold_resolve(st, "../x", Q_RELEASED, NULL));
	assert_true(store_hold_resolve(st, a, Q_QUARANTINED, "archive: no password"));
	e = store_quarantine_get(st, a);
	assert_int_equal(e->state, Q_QUARANTINED);
	assert_string_equal(e->password_where, "archive: no password");
	q_entry_free(e);

	/* resolved by a rescan: its verdict replaces the hold's */
	char v[40];
	hold(st, "v\n", "s@x", r, 1, 3000, 0, NULL, v);
	struct mamori_engine *eng = NULL;
	struct mamori_result *res = NULL;
	char err[256];
	static const char msg[] = "From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n";
	assert_int_equal(mamori_engine_new(mamori_config_new_default(), &eng, err, sizeof err),
	    MAMORI_OK);
	assert_int_equal(mamori_scan(eng, (const uint8_t *)msg, sizeof msg - 1, NULL, &res),
	    MAMORI_OK);
	assert_true(store_hold_resolve_verdict(st, v, Q_QUARANTINED, "follow-up mail Q1",
	    "opened with a password: accept", res));
	assert_false(store_hold_resolve_verdict(st, v, Q_RELEASED, NULL, "late", res));
	e = store_quarantine_get(st, v);
	assert_int_equal(e->state, Q_QUARANTINED);
	assert_string_equal(e->reason, "opened with a password: accept");
	assert_string_equal(e->action, mamori_action_name(mamori_result_action(res)));
	assert_string_equal(e->report, mamori_result_json(res));
	assert_string_equal(e->password_where, "follow-up mail Q1");
	q_entry_free(e);
	mamori_result_free(res);
	mamori_engine_free(eng);

	/* deleted: the file goes too */
	char *pc = g_strdup_printf("%s/quarantine/%s.eml", dir, c);
	assert_true(g_file_test(pc, G_FILE_TEST_EXISTS));
	assert_true(store_hold_resolve(st, c, Q_DELETED, NULL));
	assert_false(g_file_test(pc, G_FILE_TEST_EXISTS));
	g_free(pc);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

struct racer {
	struct mamori_store *st;
	const char *id;
	enum q_state to;
	gint *wins;
};

static gpointer
racer(gpointer p)
{
	struct racer *r = p;
	if (store_hold_resolve(r->st, r->id, r->to, "race"))
		g_atomic_int_inc(r->wins);
	return NULL;
}

static void
test_hold_resolve_threads(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	struct mamori_store *st2 = open_ok(dir);	/* a second process, say */
	const char *r[] = { "a@example.com" };

	for (int round = 0; round < 10; round++) {
		char id[40];
		gint wins = 0;
		struct racer rc[THREADS];
		GThread *t[THREADS];
		hold(st, "m\n", "s@x", r, 1, 5000, 0, NULL, id);
		for (int i = 0; i < THREADS; i++) {
			rc[i] = (struct racer){ .st = i % 2 ? st : st2, .id = id,
			    .to = i % 3 ? Q_RELEASED : Q_EXPIRED, .wins = &wins };
			t[i] = g_thread_new("resolve", racer, &rc[i]);
		}
		for (int i = 0; i < THREADS; i++)
			g_thread_join(t[i]);
		assert_int_equal(wins, 1);
	}
	store_close(st2);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static void
test_hold_purge(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char h[40], q[40];

	hold(st, "held\n", "s@x", r, 1, 5000, 5000, NULL, h);
	put(st, "q\n", "s@x", r, 1, 1000, q);
	/* a held entry is never purged, not even after its expiry */
	assert_int_equal(store_quarantine_purge(st, 4000), 1);
	assert_int_equal(store_quarantine_purge(st, 100000), 0);
	struct q_entry *e = store_quarantine_get(st, h);
	assert_non_null(e);
	assert_int_equal(e->state, Q_HELD);
	q_entry_free(e);
	uint8_t *raw = store_quarantine_raw(st, h, &(size_t){ 0 });
	assert_non_null(raw);
	g_free(raw);
	/* once resolved it goes with its expiry */
	assert_true(store_hold_resolve(st, h, Q_EXPIRED, NULL));
	assert_int_equal(store_quarantine_purge(st, 4000), 0);
	assert_int_equal(store_quarantine_purge(st, 5001), 1);
	assert_null(store_quarantine_get(st, h));
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

static char *
entry_json(const struct q_entry *e)
{
	GString *s = g_string_new(NULL);
	struct jsonw w;
	jw_init(&w, s, false);
	q_entry_json(&w, e, false);
	return g_string_free(s, FALSE);
}

static void
test_hold_json(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char h[40], q[40];

	hold(st, "held\n", "s@x", r, 1, 1767227400, 1769817600, "見積書 \"2026\"", h);
	put(st, "q\n", "s@x", r, 1, 0, q);
	struct q_entry *e = store_quarantine_get(st, h);
	char *j = entry_json(e);
	assert_contains(j, "\"state\":\"held\"");
	assert_contains(j, "\"hold_until\":1767227400");
	assert_contains(j, "\"subject_key\":\"見積書 \\\"2026\\\"\"");
	assert_contains(j, "\"password_where\":null");
	g_free(j);
	q_entry_free(e);

	assert_true(store_hold_resolve(st, h, Q_RELEASED, "follow-up mail body"));
	e = store_quarantine_get(st, h);
	j = entry_json(e);
	assert_contains(j, "\"state\":\"released\"");
	assert_contains(j, "\"hold_until\":1767227400");
	assert_contains(j, "\"password_where\":\"follow-up mail body\"");
	g_free(j);
	q_entry_free(e);

	/* an entry never held keeps its old layout */
	e = store_quarantine_get(st, q);
	j = entry_json(e);
	assert_contains(j, "\"state\":\"quarantined\"");
	assert_null(strstr(j, "hold_until"));
	assert_null(strstr(j, "subject_key"));
	assert_null(strstr(j, "password_where"));
	g_free(j);
	q_entry_free(e);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* The version 1 schema, as mamori 0.1 created it. */
static const char schema_v1[] =
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"INSERT INTO schema_version (version) VALUES (1);"
	"CREATE TABLE quarantine ("
	"  id TEXT PRIMARY KEY, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	"  state INTEGER NOT NULL, reason TEXT, action TEXT, score REAL,"
	"  client_ip TEXT, helo TEXT, mail_from TEXT, queue_id TEXT, subject TEXT,"
	"  from_hdr TEXT, size INTEGER NOT NULL, report TEXT);"
	"CREATE INDEX quarantine_created ON quarantine (created);"
	"CREATE INDEX quarantine_expires ON quarantine (expires);"
	"CREATE TABLE quarantine_rcpt ("
	"  qid TEXT NOT NULL REFERENCES quarantine (id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, rcpt TEXT NOT NULL, PRIMARY KEY (qid, pos));"
	"INSERT INTO quarantine VALUES ('0123456789abcdef0123456789abcdef', 100, 0, 1,"
	"  'quarantine: old', 'quarantine', 9.5, '192.0.2.9', 'old.example',"
	"  'old@example.org', 'Q0', 'Old', 'O <old@example.org>', 4, '{}');"
	"INSERT INTO quarantine_rcpt VALUES ('0123456789abcdef0123456789abcdef', 0,"
	"  'a@example.com');";

static int
count_index(const char *dir, const char *name)
{
	char *path = g_strdup_printf("%s/mamori.db", dir);
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = -1;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND name = ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	g_free(path);
	return n;
}

static void
test_hold_migration_v1(void **state)
{
	(void)state;
	char *dir = tmp_state();
	char *path = g_strdup_printf("%s/mamori.db", dir);
	sqlite3 *db;

	/* a store left by the previous mamori: version 1, one released row */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema_v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(db_version(dir), 1);
	assert_int_equal(count_index(dir, "quarantine_held_from"), 0);

	struct mamori_store *st = open_ok(dir);	/* upgraded in place */
	struct q_entry *e = store_quarantine_get(st, "0123456789abcdef0123456789abcdef");
	assert_non_null(e);
	assert_int_equal(e->state, Q_RELEASED);
	assert_string_equal(e->mail_from, "old@example.org");
	assert_string_equal(e->subject, "Old");
	assert_int_equal(e->rcpts->len, 1);
	assert_int_equal(e->hold_until, 0);
	assert_null(e->subject_key);
	assert_null(e->password_where);
	assert_int_equal(e->releasing_since, 0);	/* version 3's columns */
	assert_null(e->message_id);
	q_entry_free(e);
	/* and holds work in it */
	const char *r[] = { "a@example.com" };
	char h[40];
	hold(st, "m\n", "old@example.org", r, 1, 5000, 0, "k", h);
	GPtrArray *l = store_hold_match(st, "old@example.org", r, 1, 4000);
	assert_int_equal(l->len, 1);
	assert_string_equal(ent_id(l, 0), h);
	g_ptr_array_unref(l);
	l = store_quarantine_list(st, NULL);
	assert_int_equal(l->len, 2);
	g_ptr_array_unref(l);
	store_close(st);
	assert_int_equal(db_version(dir), 4);
	assert_int_equal(count_index(dir, "quarantine_held_from"), 1);
	assert_int_equal(count_index(dir, "quarantine_held_until"), 1);
	assert_int_equal(count_index(dir, "quarantine_body"), 1);
	/* version 4: the generic state of the modules */
	assert_int_equal(count_index(dir, "state_kv_expires"), 1);
	assert_int_equal(count_index(dir, "state_row_key"), 1);

	/* reopening version 4 changes nothing */
	st = open_ok(dir);
	e = store_quarantine_get(st, h);
	assert_int_equal(e->state, Q_HELD);
	assert_string_equal(e->subject_key, "k");
	q_entry_free(e);
	store_close(st);
	assert_int_equal(db_version(dir), 4);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

#define BIG_SENDERS 1000
#define BIG_PER_SENDER 10
#define MATCH_QUERIES 2000

static void
test_hold_match_10k(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	char *path = g_strdup_printf("%s/mamori.db", dir);
	sqlite3 *db;
	sqlite3_stmt *ins, *rc;

	/*
	 * 10,000 held rows (1000 senders x 10, two recipients each) and
	 * 10,000 quarantined ones from the same senders, written straight
	 * into the database in one transaction (10,000 fsync'd files would
	 * only time the disk): the match reads rows, never the files.
	 */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO quarantine (id, created, "
	    "expires, state, mail_from, size, hold_until, subject_key) VALUES "
	    "(?1, ?2, 0, ?3, ?4, 10, ?5, 'k')", -1, &ins, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO quarantine_rcpt (qid, pos, "
	    "rcpt) VALUES (?1, ?2, ?3)", -1, &rc, NULL), SQLITE_OK);
	int n = 0;
	for (int held = 0; held < 2; held++)
		for (int s = 0; s < BIG_SENDERS; s++)
			for (int k = 0; k < BIG_PER_SENDER; k++, n++) {
				char id[40], from[64], r0[64], r1[64];
				snprintf(id, sizeof id, "%032x", n);
				snprintf(from, sizeof from, "sender%d@example.org", s);
				snprintf(r0, sizeof r0, "rcpt%d@example.com", k);
				snprintf(r1, sizeof r1, "common%d@example.com", s % 7);
				sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(ins, 2, 1000 + n);
				sqlite3_bind_int(ins, 3, held ? Q_HELD : Q_QUARANTINED);
				sqlite3_bind_text(ins, 4, from, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(ins, 5, held ? 100000 + k : 0);
				assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
				sqlite3_reset(ins);
				const char *rr[] = { r0, r1 };
				for (int i = 0; i < 2; i++) {
					sqlite3_bind_text(rc, 1, id, -1, SQLITE_TRANSIENT);
					sqlite3_bind_int(rc, 2, i);
					sqlite3_bind_text(rc, 3, rr[i], -1, SQLITE_TRANSIENT);
					assert_int_equal(sqlite3_step(rc), SQLITE_DONE);
					sqlite3_reset(rc);
				}
			}
	sqlite3_finalize(ins);
	sqlite3_finalize(rc);
	assert_int_equal(sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL), SQLITE_OK);

	/* the plan of the store's match query (the WHERE of ST_HOLD_MATCH)
	 * searches the partial index, never scans the table */
	sqlite3_stmt *pl;
	assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT id FROM "
	    "quarantine WHERE state = 3 AND mail_from = ?1 COLLATE NOCASE "
	    "AND hold_until >= ?2 ORDER BY created, rowid LIMIT 1000", -1, &pl, NULL),
	    SQLITE_OK);
	GString *plan = g_string_new(NULL);
	while (sqlite3_step(pl) == SQLITE_ROW)
		g_string_append_printf(plan, "%s\n", (const char *)sqlite3_column_text(pl, 3));
	sqlite3_finalize(pl);
	sqlite3_close(db);
	assert_contains(plan->str, "USING INDEX quarantine_held_from");
	g_string_free(plan, TRUE);

	/* correctness at scale: sender 42, rcpt3 -> exactly its k=3 hold;
	 * its common recipient -> all 10 of its holds, none of the others' */
	const char *f1[] = { "RCPT3@example.com" };
	GPtrArray *l = store_hold_match(st, "Sender42@EXAMPLE.org", f1, 1, 100000);
	assert_int_equal(l->len, 1);
	assert_int_equal(((struct q_entry *)g_ptr_array_index(l, 0))->state, Q_HELD);
	g_ptr_array_unref(l);
	const char *f2[] = { "nobody@example.com", "common0@example.com" };
	l = store_hold_match(st, "sender42@example.org", f2, 2, 100000);
	assert_int_equal(l->len, BIG_PER_SENDER);
	g_ptr_array_unref(l);
	l = store_hold_match(st, "sender42@example.org", f2, 2, 100005);
	assert_int_equal(l->len, BIG_PER_SENDER - 5);
	g_ptr_array_unref(l);

	gint64 t0 = g_get_monotonic_time();
	unsigned found = 0;
	for (int i = 0; i < MATCH_QUERIES; i++) {
		char from[64], r0[64];
		snprintf(from, sizeof from, "sender%d@example.org", (i * 7919) % BIG_SENDERS);
		snprintf(r0, sizeof r0, "rcpt%d@example.com", i % BIG_PER_SENDER);
		const char *f[] = { "x@example.com", r0 };
		l = store_hold_match(st, from, f, 2, 100000);
		found += l->len;
		g_ptr_array_unref(l);
	}
	gint64 us = g_get_monotonic_time() - t0;
	assert_int_equal(found, MATCH_QUERIES);
	print_message("store_hold_match among %d held + %d quarantined rows: "
	    "%d queries in %.1f ms, %.1f us per query\n",
	    BIG_SENDERS * BIG_PER_SENDER, BIG_SENDERS * BIG_PER_SENDER, MATCH_QUERIES,
	    (double)us / 1000.0, (double)us / MATCH_QUERIES);
	/* a scan of 20,000 rows per query would take far longer (generous
	 * bound: ASan builds, busy machines) */
	assert_true(us / MATCH_QUERIES < 5000);

	/* the sweeper's list is index-backed too, and bounded */
	t0 = g_get_monotonic_time();
	l = store_hold_due(st, 100005, 1000);
	us = g_get_monotonic_time() - t0;
	assert_int_equal(l->len, 1000);
	print_message("store_hold_due (1000 of %d due): %.1f ms\n",
	    5 * BIG_SENDERS, (double)us / 1000.0);
	g_ptr_array_unref(l);
	g_free(path);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* ---- release and delete: transitions --------------------------------- */

static enum q_state
state_is(struct mamori_store *st, const char *id)
{
	struct q_entry *e = store_quarantine_get(st, id);
	assert_non_null(e);
	enum q_state s = e->state;
	q_entry_free(e);
	return s;
}

static void
test_release_transitions(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char q[40], h[40], err[256];
	enum q_state was;

	put(st, "q\n", "s@x", r, 1, 500, q);
	hold(st, "h\n", "s@x", r, 1, 5000, 0, NULL, h);

	/* claim: once */
	assert_int_equal(store_release_claim(st, q, 1000, &was), Q_CLAIM_OK);
	assert_int_equal(was, Q_QUARANTINED);
	struct q_entry *e = store_quarantine_get(st, q);
	assert_int_equal(e->state, Q_RELEASING);
	assert_int_equal(e->releasing_since, 1000);
	assert_int_equal(e->release_from, Q_QUARANTINED);
	q_entry_free(e);
	assert_int_equal(store_release_claim(st, q, 1001, &was), Q_CLAIM_BUSY);
	assert_int_equal(was, Q_RELEASING);
	/* nothing else moves it: delete, set_state, purge, a hold resolve */
	assert_int_equal(store_quarantine_delete(st, q, &was), Q_DEL_REFUSED);
	assert_int_equal(was, Q_RELEASING);
	assert_false(store_quarantine_set_state(st, q, Q_DELETED));
	assert_int_equal(store_quarantine_purge(st, 99999), 0);
	assert_false(store_hold_resolve(st, q, Q_DELETED, NULL));
	assert_int_equal(state_is(st, q), Q_RELEASING);
	char *pq = g_strdup_printf("%s/quarantine/%s.eml", dir, q);
	assert_true(g_file_test(pq, G_FILE_TEST_EXISTS));

	/* a failed send: back to where it was; then a good one */
	assert_true(store_release_abort(st, q));
	assert_false(store_release_abort(st, q));
	assert_int_equal(state_is(st, q), Q_QUARANTINED);
	assert_int_equal(store_release_claim(st, q, 1002, NULL), Q_CLAIM_OK);
	assert_true(store_release_finish(st, q, Q_RELEASED));
	assert_false(store_release_finish(st, q, Q_RELEASED));
	assert_int_equal(state_is(st, q), Q_RELEASED);
	assert_int_equal(store_release_claim(st, q, 1003, &was), Q_CLAIM_STATE);
	assert_int_equal(was, Q_RELEASED);
	/* released: not deleted (the message went out), its file kept */
	assert_int_equal(store_quarantine_delete(st, q, &was), Q_DEL_REFUSED);
	assert_int_equal(was, Q_RELEASED);
	assert_true(g_file_test(pq, G_FILE_TEST_EXISTS));

	/* a held entry: claimed out of the hold, back to held on failure */
	assert_int_equal(store_release_claim(st, h, 2000, &was), Q_CLAIM_OK);
	assert_int_equal(was, Q_HELD);
	GPtrArray *l = store_hold_match(st, "s@x", r, 1, 10);
	assert_int_equal(l->len, 0);		/* no password mail takes it meanwhile */
	g_ptr_array_unref(l);
	assert_true(store_release_abort(st, h));
	assert_int_equal(state_is(st, h), Q_HELD);
	/* the PPAP path: held -> releasing through the hold resolution */
	assert_true(store_hold_resolve(st, h, Q_RELEASING, "pw"));
	e = store_quarantine_get(st, h);
	assert_int_equal(e->state, Q_RELEASING);
	assert_int_equal(e->release_from, Q_HELD);
	assert_true(e->releasing_since > 0);
	q_entry_free(e);
	assert_int_equal(store_release_claim(st, h, 2001, NULL), Q_CLAIM_BUSY);

	/* a release that died: reset only once the claim is old enough */
	assert_false(store_release_reset(st, h, Q_QUARANTINED, 900,
	    g_get_real_time() / G_USEC_PER_SEC, err, sizeof err));
	assert_non_null(strstr(err, "may still be running"));
	assert_true(store_release_reset(st, h, Q_QUARANTINED, 900,
	    g_get_real_time() / G_USEC_PER_SEC + 901, err, sizeof err));
	assert_int_equal(state_is(st, h), Q_QUARANTINED);
	assert_false(store_release_reset(st, h, Q_QUARANTINED, 0, 0, err, sizeof err));
	assert_non_null(strstr(err, "is quarantined, not releasing"));
	assert_int_equal(store_release_claim(st, h, 3000, NULL), Q_CLAIM_OK);
	assert_true(store_release_reset(st, h, Q_RELEASED, 0, 3000, err, sizeof err));
	assert_int_equal(state_is(st, h), Q_RELEASED);
	assert_false(store_release_reset(st, h, Q_DELETED, 0, 3000, err, sizeof err));

	/* delete: quarantined goes (with its file), twice is already, unknown */
	char d[40];
	put(st, "d\n", "s@x", r, 1, 0, d);
	char *pd = g_strdup_printf("%s/quarantine/%s.eml", dir, d);
	assert_int_equal(store_quarantine_delete(st, d, NULL), Q_DEL_OK);
	assert_false(g_file_test(pd, G_FILE_TEST_EXISTS));
	assert_int_equal(store_quarantine_delete(st, d, NULL), Q_DEL_ALREADY);
	assert_int_equal(store_release_claim(st, d, 1, &was), Q_CLAIM_STATE);
	assert_int_equal(was, Q_DELETED);
	assert_int_equal(store_quarantine_delete(st, "0123456789abcdef0123456789abcdef", NULL),
	    Q_DEL_NOENT);
	assert_int_equal(store_release_claim(st, "0123456789abcdef0123456789abcdef", 1, NULL),
	    Q_CLAIM_NOENT);
	assert_int_equal(store_release_claim(st, "../x", 1, NULL), Q_CLAIM_NOENT);
	/* the state names */
	enum q_state p;
	assert_true(q_state_parse("releasing", &p));
	assert_int_equal(p, Q_RELEASING);
	assert_non_null(strstr(q_state_names(), "releasing"));

	/* the JSON says since when and from where */
	char x[40];
	put(st, "x\n", "s@x", r, 1, 0, x);
	assert_int_equal(store_release_claim(st, x, 4242, NULL), Q_CLAIM_OK);
	e = store_quarantine_get(st, x);
	GString *out = g_string_new(NULL);
	struct jsonw w;
	jw_init(&w, out, false);
	q_entry_json(&w, e, false);
	assert_non_null(strstr(out->str, "\"state\":\"releasing\""));
	assert_non_null(strstr(out->str, "\"releasing_since\":4242"));
	assert_non_null(strstr(out->str, "\"release_from\":\"quarantined\""));
	g_string_free(out, TRUE);
	q_entry_free(e);
	g_free(pq);
	g_free(pd);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

#define REL_THREADS 8
#define REL_ROUNDS 40

struct rel_race {
	const char *dir;
	char (*ids)[40];
	int me;
	GMutex *lock;
	GCond *cond;
	int *round;		/* the round the threads may start */
	int *ready;
	gint *claims;		/* per round: successful claims */
	gint *deletes;		/* per round: successful deletes */
};

/* Each thread has its own store (its own SQLite connection), as separate
 * processes would: only the database decides.  Even threads claim, odd
 * ones delete; a claim that wins finishes half of the time and aborts the
 * other half. */
static gpointer
rel_racer(gpointer p)
{
	struct rel_race *r = p;
	char err[256];
	struct mamori_store *st = store_open(r->dir, err, sizeof err);
	assert_non_null(st);
	for (int round = 0; round < REL_ROUNDS; round++) {
		g_mutex_lock(r->lock);
		(*r->ready)++;
		g_cond_broadcast(r->cond);
		while (*r->round < round)
			g_cond_wait(r->cond, r->lock);
		g_mutex_unlock(r->lock);
		const char *id = r->ids[round];
		if (r->me % 2 == 0) {
			if (store_release_claim(st, id, 1, NULL) == Q_CLAIM_OK) {
				g_atomic_int_inc(&r->claims[round]);
				g_usleep(2000);		/* "sending" */
				if (round % 2 == 0)
					assert_true(store_release_finish(st, id, Q_RELEASED));
				else
					assert_true(store_release_abort(st, id));
			}
		} else if (store_quarantine_delete(st, id, NULL) == Q_DEL_OK) {
			g_atomic_int_inc(&r->deletes[round]);
		}
	}
	store_close(st);
	return NULL;
}

static void
test_release_threads(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r[] = { "a@example.com" };
	char ids[REL_ROUNDS][40];
	gint claims[REL_ROUNDS] = { 0 }, deletes[REL_ROUNDS] = { 0 };
	GMutex lock;
	GCond cond;
	int round = -1, ready = 0;
	GThread *t[REL_THREADS];
	struct rel_race rr[REL_THREADS];

	for (int i = 0; i < REL_ROUNDS; i++) {
		char m[32];
		snprintf(m, sizeof m, "m%d\n", i);
		put(st, m, "s@x", r, 1, 0, ids[i]);
	}
	g_mutex_init(&lock);
	g_cond_init(&cond);
	for (int i = 0; i < REL_THREADS; i++) {
		rr[i] = (struct rel_race){ .dir = dir, .ids = ids, .me = i, .lock = &lock,
		    .cond = &cond, .round = &round, .ready = &ready, .claims = claims,
		    .deletes = deletes };
		t[i] = g_thread_new("rel", rel_racer, &rr[i]);
	}
	/* start each round when every thread waits at its gate */
	for (int i = 0; i < REL_ROUNDS; i++) {
		g_mutex_lock(&lock);
		while (ready < (i + 1) * REL_THREADS)
			g_cond_wait(&cond, &lock);
		round = i;
		g_cond_broadcast(&cond);
		g_mutex_unlock(&lock);
	}
	for (int i = 0; i < REL_THREADS; i++)
		g_thread_join(t[i]);
	int sent = 0, deleted = 0;
	for (int i = 0; i < REL_ROUNDS; i++) {
		enum q_state s = state_is(st, ids[i]);
		/* a claim and a delete never both win: whoever is first decides;
		 * an aborted claim lets a later delete through */
		assert_true(claims[i] <= 1 + (i % 2 == 1 ? REL_THREADS / 2 : 0));
		if (i % 2 == 0) {
			assert_true(claims[i] + deletes[i] == 1);
			assert_int_equal(s, claims[i] == 1 ? Q_RELEASED : Q_DELETED);
		} else {
			assert_true(deletes[i] <= 1);
			assert_int_equal(s, deletes[i] == 1 ? Q_DELETED : Q_QUARANTINED);
		}
		assert_true(claims[i] >= 0 && deletes[i] <= 1);
		sent += i % 2 == 0 ? claims[i] : 0;
		deleted += deletes[i];
	}
	print_message("release race: %d rounds x %d threads: %d released, %d deleted, "
	    "0 double\n", REL_ROUNDS, REL_THREADS, sent, deleted);
	g_mutex_clear(&lock);
	g_cond_clear(&cond);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* ---- duplicates ------------------------------------------------------- */

static gint64 fake_now = 1000000;

static gint64
fake_clock(void)
{
	return fake_now;
}

static void
put_env(struct mamori_store *st, const char *msg, const char *qid, const char *from,
    const char *const *rcpt, size_t n, char id[40])
{
	struct mamori_envelope env = { .mail_from = from, .rcpt = rcpt, .n_rcpt = n,
	    .queue_id = qid };
	char err[512] = "";
	bool ok = store_quarantine_put(st, (const uint8_t *)msg, strlen(msg), &env, NULL,
	    "quarantine: test", 0, id, err, sizeof err);
	if (!ok)
		print_error("put: %s\n", err);
	assert_true(ok);
}

static unsigned
count_files(const char *dir, const char *suffix)
{
	char *q = g_build_filename(dir, "quarantine", NULL);
	GDir *d = g_dir_open(q, 0, NULL);
	const char *n;
	unsigned c = 0;
	assert_non_null(d);
	while ((n = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(n, suffix))
			c++;
	g_dir_close(d);
	g_free(q);
	return c;
}

static unsigned
count_rows(struct mamori_store *st)
{
	struct q_filter f = { .limit = 1000 };
	GPtrArray *l = store_quarantine_list(st, &f);
	unsigned n = l->len;
	g_ptr_array_unref(l);
	return n;
}

static void
test_dedup(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	const char *r2[] = { "a@example.com", "B@example.net" };
	const char *r2b[] = { "b@example.net", "a@example.com" };	/* same set */
	const char *r1[] = { "a@example.com" };
	static const char m[] = "Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-ID:\r\n <retry-1@example.org>\r\nSubject: s\r\n\r\nbody\r\n";
	static const char m_later[] = "Received: from x by y; Mon, 1 Jan 2024 00:05:00 +0000\r\n"
	    "Message-Id: <retry-1@example.org>\r\nSubject: s\r\n\r\nbody\r\n";
	static const char m_other[] = "Message-ID: <retry-1@example.org>\r\n\r\nbody 2\r\n";
	static const char no_mid[] = "Subject: n\r\n\r\nno message-id\r\n";
	char a[40], b[40];

	store_set_clock(st, fake_clock);
	/* off by default: two rows */
	put_env(st, m, "Q1", "s@x", r2, 2, a);
	put_env(st, m, "Q1", "s@x", r2, 2, b);
	assert_string_not_equal(a, b);
	assert_int_equal(count_rows(st), 2);
	struct q_entry *e = store_quarantine_get(st, a);
	assert_string_equal(e->message_id, "<retry-1@example.org>");	/* unfolded */
	q_entry_free(e);
	rm_rf(dir);
	store_close(st);

	st = open_ok(dir);
	store_set_clock(st, fake_clock);
	store_set_dedup_window(st, 3600);
	/* the same queue id, Message-ID, body: one entry, one file */
	put_env(st, m, "Q1", "s@x", r2, 2, a);
	put_env(st, m, "Q1", "s@x", r2, 2, b);
	assert_string_equal(a, b);
	assert_int_equal(count_rows(st), 1);
	assert_int_equal(count_files(dir, ".eml"), 1);
	/* Postfix's retry: a new queue id and Received, recipients in
	 * another order and case: the same message */
	fake_now += 600;
	put_env(st, m_later, "Q2", "s@x", r2b, 2, b);
	assert_string_equal(a, b);
	assert_int_equal(count_rows(st), 1);
	/* a different body: two */
	put_env(st, m_other, "Q1", "s@x", r2, 2, b);
	assert_string_not_equal(a, b);
	assert_int_equal(count_rows(st), 2);
	/* other recipients, other sender: new entries */
	put_env(st, m, "Q1", "s@x", r1, 1, b);
	assert_string_not_equal(a, b);
	put_env(st, m, "Q1", "t@x", r2, 2, b);
	assert_string_not_equal(a, b);
	assert_int_equal(count_rows(st), 4);
	/* no Message-ID: only the same queue id counts */
	char n1[40], n2[40];
	put_env(st, no_mid, "Q7", "s@x", r1, 1, n1);
	put_env(st, no_mid, "Q7", "s@x", r1, 1, n2);
	assert_string_equal(n1, n2);
	put_env(st, no_mid, "Q8", "s@x", r1, 1, n2);
	assert_string_not_equal(n1, n2);
	put_env(st, no_mid, NULL, "s@x", r1, 1, n1);
	put_env(st, no_mid, NULL, "s@x", r1, 1, n2);
	assert_string_not_equal(n1, n2);
	assert_int_equal(count_rows(st), 8);
	/* outside the window: a new entry */
	fake_now += 3600 - 600 + 1;
	put_env(st, m, "Q1", "s@x", r2, 2, b);
	assert_string_not_equal(a, b);
	assert_int_equal(count_rows(st), 9);
	/* window 0: off */
	char c[40];
	store_set_dedup_window(st, 0);
	put_env(st, m, "Q1", "s@x", r2, 2, c);
	assert_string_not_equal(b, c);
	assert_int_equal(count_rows(st), 10);
	assert_int_equal(count_files(dir, ".eml"), 10);
	/* holds too: a retried held message is held once */
	store_set_dedup_window(st, 3600);
	char h1[40], h2[40];
	hold(st, "Message-ID: <h@x>\r\n\r\nheld\r\n", "s@x", r1, 1, fake_now + 100, 0, NULL, h1);
	hold(st, "Message-ID: <h@x>\r\n\r\nheld\r\n", "s@x", r1, 1, fake_now + 100, 0, NULL, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(count_files(dir, ".tmp-"), 0);
	store_close(st);
	rm_rf(dir);
	g_free(dir);
}

/* ---- files -------------------------------------------------------------- */

static unsigned
mode_of(const char *dir, const char *name)
{
	char *p = g_build_filename(dir, name, NULL);
	struct stat sb;
	int rc = stat(p, &sb);
	if (rc != 0)
		print_error("stat %s failed\n", p);
	g_free(p);
	assert_int_equal(rc, 0);
	return sb.st_mode & 07777;
}

static void
test_file_modes(void **state)
{
	(void)state;
	char *dir = tmp_state();
	const char *r[] = { "a@example.com" };
	char id[40];
	mode_t old = umask(022);

	struct mamori_store *st = open_ok(dir);
	put(st, "m\n", "s@x", r, 1, 0, id);	/* WAL written: -wal and -shm exist */
	assert_int_equal(mode_of(dir, "mamori.db"), 0600);
	assert_int_equal(mode_of(dir, "mamori.db-wal"), 0600);
	assert_int_equal(mode_of(dir, "mamori.db-shm"), 0600);
	char *eml = g_strdup_printf("quarantine/%s.eml", id);
	assert_int_equal(mode_of(dir, eml), 0600);
	g_free(eml);
	store_close(st);

	/* left 0644 by an older mamori: narrowed at open */
	static const char *const names[] = { "mamori.db", "mamori.db-wal", "mamori.db-shm" };
	for (size_t i = 0; i < 3; i++) {
		char *p = g_build_filename(dir, names[i], NULL);
		if (g_file_test(p, G_FILE_TEST_EXISTS))
			assert_int_equal(chmod(p, 0644), 0);
		g_free(p);
	}
	assert_int_equal(mode_of(dir, "mamori.db"), 0644);
	st = open_ok(dir);
	put(st, "n\n", "s@x", r, 1, 0, id);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(mode_of(dir, names[i]), 0600);
	store_close(st);
	umask(old);
	rm_rf(dir);
	g_free(dir);
}

/* A .tmp- file as a killed put leaves it, age_s seconds old. */
static char *
stale_tmp(const char *dir, const char *name, int age_s)
{
	char *p = g_strdup_printf("%s/quarantine/%s", dir, name);
	assert_true(g_file_set_contents(p, "partial message", -1, NULL));
	struct utimbuf ut = { .actime = time(NULL) - age_s, .modtime = time(NULL) - age_s };
	assert_int_equal(utime(p, &ut), 0);
	return p;
}

static void
test_tmp_cleanup(void **state)
{
	(void)state;
	char *dir = tmp_state();
	struct mamori_store *st = open_ok(dir);
	store_close(st);

	char *old = stale_tmp(dir, ".tmp-AAAAAA", 7200);
	char *fresh = stale_tmp(dir, ".tmp-BBBBBB", 0);
	char *live = stale_tmp(dir, ".tmp-CCCCCC", 7200);
	char *other = stale_tmp(dir, "keep.txt", 7200);
	/* a put in progress holds its lock */
	int fd = open(live, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);

	st = open_ok(dir);		/* at open */
	assert_false(g_file_test(old, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(fresh, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(live, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
	assert_int_equal(store_clean_tmp(st), 1);

	/* the writer died: its lock is gone; purge removes it */
	close(fd);
	char *old2 = stale_tmp(dir, ".tmp-DDDDDD", 3600);
	store_quarantine_purge(st, 0);
	assert_false(g_file_test(live, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(old2, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(fresh, G_FILE_TEST_EXISTS));
	assert_int_equal(store_clean_tmp(st), 3);
	/* a put leaves no .tmp- behind */
	const char *r[] = { "a@example.com" };
	char id[40];
	put(st, "m\n", "s@x", r, 1, 0, id);
	assert_int_equal(count_files(dir, ".eml"), 1);
	store_close(st);
	g_free(old);
	g_free(old2);
	g_free(fresh);
	g_free(live);
	g_free(other);
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
		cmocka_unit_test(test_hold_put_match),
		cmocka_unit_test(test_hold_due_resolve),
		cmocka_unit_test(test_hold_resolve_threads),
		cmocka_unit_test(test_hold_purge),
		cmocka_unit_test(test_hold_json),
		cmocka_unit_test(test_hold_migration_v1),
		cmocka_unit_test(test_hold_match_10k),
		cmocka_unit_test(test_release_transitions),
		cmocka_unit_test(test_release_threads),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_file_modes),
		cmocka_unit_test(test_tmp_cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
