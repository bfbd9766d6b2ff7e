/*
 * test_yara.c - the YARA engine (src/engines/yara.c) and the shipped rules
 * (the .yar files of yara/) against their fixtures (tests/unit/data/yara/, expected
 * matches in tests/yara/expected.tsv, which tests/yara/run_yara_cli.py
 * also checks with the yara tool).
 *
 * Also: externals, error paths (FILE:LINE, missing directory, timeout),
 * four threads on one rule set, and the speed figures (compile time,
 * MB/s on 10 MB of mixed text, per-call cost on 2 KB), printed.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "engines/yara.h"

static const char *const shipped[] = { MAMORI_YARA_DIR };

/* The shipped rules, compiled once for the whole run (as mamori does). */
static struct mamori_yara *rules;

static int
setup(void **state)
{
	char err[512];
	(void)state;
	gint64 t0 = g_get_monotonic_time();
	rules = mamori_yara_load(shipped, 1, err, sizeof err);
	gint64 t1 = g_get_monotonic_time();
	if (rules == NULL) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	printf("# compiled %zu shipped rules in %.1f ms\n",
	    mamori_yara_rule_count(rules), (double)(t1 - t0) / 1000.0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mamori_yara_free(rules);
	return 0;
}

/* Matches collected as "ns:rule" in a sorted, comma-joined string. */
struct collect {
	GPtrArray *names;
	bool meta_ok;
	unsigned stop_after;	/* 0 = never stop */
};

static bool
collect_cb(const struct mamori_yara_match *m, void *ud)
{
	struct collect *c = ud;
	g_ptr_array_add(c->names, g_strdup_printf("%s:%s", m->ns, m->rule));
	if (m->description == NULL || m->severity == NULL ||
	    (strcmp(m->severity, "low") != 0 && strcmp(m->severity, "medium") != 0 &&
	     strcmp(m->severity, "high") != 0 && strcmp(m->severity, "critical") != 0))
		c->meta_ok = false;
	return c->stop_after == 0 || c->names->len < c->stop_after;
}

static int
cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Scan and return the sorted matches joined by ","; "" for none. */
static char *
scan_names(const struct mamori_yara *y, const uint8_t *p, size_t len,
    const char *filename, bool *meta_ok)
{
	struct collect c = { g_ptr_array_new_with_free_func(g_free), true, 0 };
	char err[256];
	int rc = mamori_yara_scan(y, p, len, filename, NULL, 0, collect_cb, &c, err, sizeof err);
	if (rc != 0)
		print_error("scan: %s\n", err);
	assert_int_equal(rc, 0);
	g_ptr_array_sort(c.names, cmp_names);
	g_ptr_array_add(c.names, NULL);
	char *s = g_strjoinv(",", (char **)c.names->pdata);
	if (meta_ok != NULL)
		*meta_ok = c.meta_ok;
	g_ptr_array_free(c.names, TRUE);
	return s;
}

static char *
scan_file(const char *path, const char *filename, bool *meta_ok)
{
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL)) {
		print_error("cannot read %s\n", path);
		fail();
	}
	char *s = scan_names(rules, (const uint8_t *)data, len, filename, meta_ok);
	g_free(data);
	return s;
}

static void
test_no_warnings(void **state)
{
	(void)state;
	assert_true(mamori_yara_rule_count(rules) >= 30);
	const char *w = mamori_yara_warnings(rules);
	if (w != NULL) {
		print_error("warnings from the shipped rules:\n%s\n", w);
		fail();
	}
}

/* Every fixture gets exactly the matches expected.tsv lists. */
static void
test_fixtures_exact(void **state)
{
	(void)state;
	GHashTable *want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_ptr_array_unref);
	gchar *tsv = NULL;
	assert_true(g_file_get_contents(MAMORI_YARA_EXPECTED, &tsv, NULL, NULL));
	gchar **lines = g_strsplit(tsv, "\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		if (**l == '#' || **l == '\0')
			continue;
		gchar **f = g_strsplit(*l, "\t", 2);
		assert_non_null(f[1]);
		GPtrArray *a = g_hash_table_lookup(want, f[0]);
		if (a == NULL) {
			a = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(want, g_strdup(f[0]), a);
		}
		if (strcmp(f[1], "-") != 0)
			g_ptr_array_add(a, g_strdup(f[1]));
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(tsv);

	GDir *d = g_dir_open(MAMORI_TESTDATA, 0, NULL);
	assert_non_null(d);
	const char *name;
	unsigned n = 0, bad = 0;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (strcmp(name, "PROVENANCE.md") == 0)
			continue;
		GPtrArray *a = g_hash_table_lookup(want, name);
		if (a == NULL) {
			print_error("%s: not in expected.tsv\n", name);
			bad++;
			continue;
		}
		g_ptr_array_sort(a, cmp_names);
		g_ptr_array_add(a, NULL);
		char *w = g_strjoinv(",", (char **)a->pdata);
		g_ptr_array_remove_index(a, a->len - 1);
		char *path = g_build_filename(MAMORI_TESTDATA, name, NULL);
		bool meta_ok = true;
		char *got = scan_file(path, NULL, &meta_ok);
		if (strcmp(got, w) != 0) {
			print_error("%s:\n  got  %s\n  want %s\n", name, got, w);
			bad++;
		}
		if (!meta_ok) {
			print_error("%s: a matching rule lacks description or a valid severity\n", name);
			bad++;
		}
		g_free(got);
		g_free(w);
		g_free(path);
		n++;
	}
	g_dir_close(d);
	g_hash_table_destroy(want);
	printf("# %u fixtures checked\n", n);
	assert_true(n >= 30);
	assert_int_equal(bad, 0);
}

/* The 1.5 MB OneNote with clam.exe, from ../shared when it is there. */
static void
test_onenote_embedded_pe(void **state)
{
	(void)state;
	char *path = g_build_filename(MAMORI_SHARED_MALDOCS, "clamav", "clam.exe.2010.one", NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(path);
		skip();
	}
	char *got = scan_file(path, NULL, NULL);
	assert_utf8_equal(got, "onenote_abuse:OneNote_Embedded_PE");
	g_free(got);
	g_free(path);
}

static void
test_filename_external(void **state)
{
	(void)state;
	static const char text[] = "nothing to see here";
	char *s = scan_names(rules, BYTES(text), "invoice.pdf.exe", NULL);
	assert_utf8_equal(s, "containers:Filename_Double_Extension");
	g_free(s);
	s = scan_names(rules, BYTES(text), "Invoice.PDF  .JS", NULL);
	assert_utf8_equal(s, "containers:Filename_Double_Extension");
	g_free(s);
	/* "report\u202Efdp.exe" shows as "reportexe.pdf" */
	s = scan_names(rules, BYTES(text), "report\xE2\x80\xAE" "fdp.exe", NULL);
	assert_utf8_equal(s, "containers:Filename_RTL_Override");
	g_free(s);
	s = scan_names(rules, BYTES(text), "report.pdf", NULL);
	assert_utf8_equal(s, "");
	g_free(s);
	s = scan_names(rules, BYTES(text), NULL, NULL);
	assert_utf8_equal(s, "");
	g_free(s);
}

/* A temporary directory with the given files (name, text pairs). */
static char *
make_dir(const char *const *files)
{
	char *dir = g_dir_make_tmp("mamori-yara-XXXXXX", NULL);
	assert_non_null(dir);
	for (const char *const *f = files; f[0] != NULL; f += 2) {
		char *p = g_build_filename(dir, f[0], NULL);
		assert_true(g_file_set_contents(p, f[1], -1, NULL));
		g_free(p);
	}
	return dir;
}

static void
remove_dir(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);
		remove(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	remove(dir);
	g_free(dir);
}

/* Operator directories: one namespace per file, sorted, externals,
 * non-rule files ignored, single files accepted. */
static void
test_operator_dir(void **state)
{
	(void)state;
	static const char *const files[] = {
		"b.yar", "rule same { meta: description = \"b\" severity = \"low\" strings: $a = \"mamori-op\" condition: $a }",
		"a.yara", "rule same { strings: $a = \"mamori-op\" condition: $a }\n"
		    "rule typed { condition: filetype == \"pdf\" }",
		"notes.txt", "this is not { a rule",
		".hidden.yar", "syntax error {",
		NULL,
	};
	char *dir = make_dir(files);
	char err[512];
	const char *dirs[] = { dir };
	struct mamori_yara *y = mamori_yara_load(dirs, 1, err, sizeof err);
	if (y == NULL)
		print_error("%s\n", err);
	assert_non_null(y);
	assert_int_equal(mamori_yara_rule_count(y), 3);
	assert_null(mamori_yara_warnings(y));
	char *s = scan_names(y, BYTES("xx mamori-op xx"), NULL, NULL);
	assert_utf8_equal(s, "a:same,b:same");
	g_free(s);

	struct collect c = { g_ptr_array_new_with_free_func(g_free), true, 0 };
	assert_int_equal(mamori_yara_scan(y, BYTES("%PDF-1.7"), NULL, "pdf", 0,
	    collect_cb, &c, err, sizeof err), 0);
	assert_int_equal(c.names->len, 1);
	assert_utf8_equal(c.names->pdata[0], "a:typed");
	assert_false(c.meta_ok);	/* a:typed has no meta */
	g_ptr_array_free(c.names, TRUE);

	/* stop after the first match */
	c = (struct collect){ g_ptr_array_new_with_free_func(g_free), true, 1 };
	assert_int_equal(mamori_yara_scan(y, BYTES("mamori-op"), NULL, NULL, 0,
	    collect_cb, &c, err, sizeof err), 0);
	assert_int_equal(c.names->len, 1);
	g_ptr_array_free(c.names, TRUE);
	mamori_yara_free(y);

	/* a single file, and the shipped directory next to it */
	char *single = g_build_filename(dir, "b.yar", NULL);
	const char *both[] = { MAMORI_YARA_DIR, single, "" };
	y = mamori_yara_load(both, 3, err, sizeof err);
	assert_non_null(y);
	assert_int_equal(mamori_yara_rule_count(y), mamori_yara_rule_count(rules) + 1);
	mamori_yara_free(y);
	g_free(single);

	/* no rules at all is a valid, empty set */
	y = mamori_yara_load(NULL, 0, err, sizeof err);
	assert_non_null(y);
	assert_int_equal(mamori_yara_rule_count(y), 0);
	s = scan_names(y, NULL, 0, NULL, NULL);
	assert_utf8_equal(s, "");
	g_free(s);
	mamori_yara_free(y);
	remove_dir(dir);
}

static void
test_errors(void **state)
{
	(void)state;
	static const char *const files[] = {
		"good.yar", "rule ok { condition: true }",
		"zbad.yar", "rule ok2 {\n  strings:\n    $a = \"xyzw\" badmod\n  condition:\n    $a\n}\n",
		NULL,
	};
	char *dir = make_dir(files);
	char err[512];
	const char *dirs[] = { dir };
	assert_null(mamori_yara_load(dirs, 1, err, sizeof err));
	char *want = g_strdup_printf("%s/zbad.yar:3: ", dir);
	if (strncmp(err, want, strlen(want)) != 0) {
		print_error("got \"%s\", want prefix \"%s\"\n", err, want);
		fail();
	}
	assert_contains(err, "syntax error");
	g_free(want);
	remove_dir(dir);

	const char *missing[] = { "/nonexistent/mamori-yara-rules" };
	assert_null(mamori_yara_load(missing, 1, err, sizeof err));
	assert_utf8_equal(err, "/nonexistent/mamori-yara-rules: no such file or directory");

	/* a tiny errlen is honoured */
	char small[8];
	assert_null(mamori_yara_load(missing, 1, small, sizeof small));
	assert_int_equal(strlen(small), 7);
}

static bool
count_cb(const struct mamori_yara_match *m, void *ud)
{
	(void)m;
	(*(unsigned *)ud)++;
	return true;
}

static void
test_timeout(void **state)
{
	(void)state;
	static const char *const files[] = {
		"slow.yar", "rule slow { condition: for any i in (0..filesize - 4) : "
		    "(uint32(i) == 0x6d616d6f and uint32(i) == 0x6f6d616d) }",
		NULL,
	};
	char *dir = make_dir(files);
	char err[256];
	const char *dirs[] = { dir };
	struct mamori_yara *y = mamori_yara_load(dirs, 1, err, sizeof err);
	assert_non_null(y);
	size_t len = 32u << 20;
	uint8_t *buf = g_malloc0(len);
	unsigned n = 0;
	gint64 t0 = g_get_monotonic_time();
	int rc = mamori_yara_scan(y, buf, len, NULL, NULL, 20, count_cb, &n, err, sizeof err);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	assert_int_equal(rc, -1);
	assert_utf8_equal(err, "timeout");
	assert_int_equal(n, 0);
	printf("# timeout of 20 ms stopped the scan after %" G_GINT64_FORMAT " ms\n", ms);
	assert_true(ms < 2000);
	g_free(buf);
	mamori_yara_free(y);
	remove_dir(dir);
}

/* Four threads scan the fixtures with one rule set at once; every scan
 * must give the same answer as the serial one. */
struct thread_job {
	GPtrArray *bufs;	/* GBytes */
	GPtrArray *want;	/* char * */
	unsigned rounds;
	unsigned bad;
};

static gpointer
thread_main(gpointer p)
{
	struct thread_job *j = p;
	for (unsigned r = 0; r < j->rounds; r++)
		for (guint i = 0; i < j->bufs->len; i++) {
			gsize len;
			const uint8_t *d = g_bytes_get_data(j->bufs->pdata[i], &len);
			struct collect c = { g_ptr_array_new_with_free_func(g_free), true, 0 };
			char err[256];
			if (mamori_yara_scan(rules, d, len, "x.pdf.exe", "t", 0, collect_cb, &c,
			    err, sizeof err) != 0)
				j->bad++;
			g_ptr_array_sort(c.names, cmp_names);
			g_ptr_array_add(c.names, NULL);
			char *s = g_strjoinv(",", (char **)c.names->pdata);
			if (strcmp(s, j->want->pdata[i]) != 0)
				j->bad++;
			g_free(s);
			g_ptr_array_free(c.names, TRUE);
		}
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	GPtrArray *bufs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(MAMORI_TESTDATA, 0, NULL);
	assert_non_null(d);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(MAMORI_TESTDATA, name, NULL);
		gchar *data;
		gsize len;
		assert_true(g_file_get_contents(path, &data, &len, NULL));
		g_ptr_array_add(want, scan_names(rules, (uint8_t *)data, len, "x.pdf.exe", NULL));
		g_ptr_array_add(bufs, g_bytes_new_take(data, len));
		g_free(path);
	}
	g_dir_close(d);
	struct thread_job jobs[4];
	GThread *th[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ bufs, want, 20, 0 };
		th[i] = g_thread_new("yara-test", thread_main, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		g_thread_join(th[i]);
		assert_int_equal(jobs[i].bad, 0);
	}
	g_ptr_array_free(bufs, TRUE);
	g_ptr_array_free(want, TRUE);
}

/* Speed: 10 MB of mixed text (mail-like English, Japanese, HTML, base64)
 * and the per-call cost on 2 KB.  Printed, with generous bounds. */
static void
test_speed(void **state)
{
	(void)state;
	static const char *const parts[] = {
		"Hello team, please find the minutes of the meeting attached. Regards, Alice\r\n",
		"\xe3\x81\x84\xe3\x81\xa4\xe3\x82\x82\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1\xe3\x81\xab"
		"\xe3\x81\xaa\xe3\x81\xa3\xe3\x81\xa6\xe3\x81\x8a\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x99\r\n",
		"<p style=\"font-family: sans-serif\">Download the <a href=\"https://example.com/\">report</a></p>\r\n",
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\r\n",
	};
	size_t len = 10u << 20;
	GString *g = g_string_sized_new(len + 256);
	for (unsigned i = 0; g->len < len; i++)
		g_string_append(g, parts[(i * 7u + i / 3u) % 4u]);
	unsigned n = 0;
	char err[256];
	gint64 t0 = g_get_monotonic_time();
	assert_int_equal(mamori_yara_scan(rules, (uint8_t *)g->str, len, NULL, NULL, 0,
	    count_cb, &n, err, sizeof err), 0);
	gint64 us = g_get_monotonic_time() - t0;
	assert_int_equal(n, 0);
	double mbs = (double)len / 1048576.0 / ((double)us / 1e6);
	printf("# 10 MB mixed text: %.1f ms, %.0f MB/s\n", (double)us / 1000.0, mbs);

	unsigned calls = 2000;
	t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < calls; i++)
		assert_int_equal(mamori_yara_scan(rules, (uint8_t *)g->str, 2048, "a.txt", "text",
		    1000, count_cb, &n, err, sizeof err), 0);
	us = g_get_monotonic_time() - t0;
	printf("# 2 KB buffer: %.1f us per call\n", (double)us / calls);
	g_string_free(g, TRUE);
	assert_true(mbs > 5.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_warnings),
		cmocka_unit_test(test_fixtures_exact),
		cmocka_unit_test(test_onenote_embedded_pe),
		cmocka_unit_test(test_filename_external),
		cmocka_unit_test(test_operator_dir),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
