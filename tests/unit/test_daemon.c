/*
 * test_daemon.c - the daemon services (src/daemon/daemon.h): engine
 * reload while scans hold a reference, a bad configuration keeping the
 * old engine, the Prometheus rendering, metrics from many threads, the
 * privilege drop refusal, and the privileged configuration reader (a
 * 0600 root file read after the drop, replaced by rename, broken,
 * removed).
 */
#include "test_helpers.h"

#include <pwd.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "core/config.h"
#include "daemon/daemon.h"

/* Missing Date (1.0) and Message-ID (1.5): score 2.5. */
#define NO_DATE_ID "From: alice@example.com\r\nTo: bob@example.org\r\n" \
	"Subject: hello\r\n\r\nbody\r\n"

#define CONF_TAG "actions = { add_header = 1.0; quarantine = false; reject = false; };\n"
#define CONF_REJECT "actions = { add_header = false; quarantine = false; reject = 1.0; };\n"

static char *tmpdir;

static int
group_setup(void **state)
{
	(void)state;
	tmpdir = g_dir_make_tmp("mamori-daemon-XXXXXX", NULL);
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

static enum mamori_action
scan_action(struct mamori_engine *e)
{
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(e, BYTES(NO_DATE_ID), NULL, &res), MAMORI_OK);
	enum mamori_action a = mamori_result_action(res);
	mamori_result_free(res);
	return a;
}

static void
test_reload_swaps(void **state)
{
	(void)state;
	char err[512];
	char *path = g_build_filename(tmpdir, "a.conf", NULL);
	assert_true(g_file_set_contents(path, CONF_TAG, -1, NULL));
	struct daemon_engine *d = daemon_engine_new(path, err, sizeof err);
	assert_non_null(d);

	struct mamori_engine *old = daemon_engine_get(d);
	assert_int_equal(scan_action(old), MAMORI_ACTION_ADD_HEADER);

	assert_true(g_file_set_contents(path, CONF_REJECT, -1, NULL));
	assert_true(daemon_engine_reload(d, err, sizeof err));
	struct mamori_engine *neu = daemon_engine_get(d);
	assert_ptr_not_equal(old, neu);
	assert_int_equal(scan_action(neu), MAMORI_ACTION_REJECT);
	/* the scan in flight still runs on the old engine */
	assert_int_equal(scan_action(old), MAMORI_ACTION_ADD_HEADER);
	daemon_engine_put(d, old);
	daemon_engine_put(d, neu);

	/* a second reload with nobody holding the current engine */
	assert_true(g_file_set_contents(path, CONF_TAG, -1, NULL));
	assert_true(daemon_engine_reload(d, err, sizeof err));
	struct mamori_engine *third = daemon_engine_get(d);
	assert_int_equal(scan_action(third), MAMORI_ACTION_ADD_HEADER);
	daemon_engine_put(d, third);

	daemon_engine_free(d);
	g_unlink(path);
	g_free(path);
}

static void
test_bad_config_keeps_old(void **state)
{
	(void)state;
	char err[512];
	char *path = g_build_filename(tmpdir, "b.conf", NULL);
	assert_true(g_file_set_contents(path, CONF_REJECT, -1, NULL));
	struct daemon_engine *d = daemon_engine_new(path, err, sizeof err);
	assert_non_null(d);
	struct mamori_engine *e1 = daemon_engine_get(d);
	daemon_engine_put(d, e1);

	assert_true(g_file_set_contents(path, "actions = { reject = ; };\n", -1, NULL));
	err[0] = '\0';
	assert_false(daemon_engine_reload(d, err, sizeof err));
	assert_contains(err, "b.conf:1");
	struct mamori_engine *e2 = daemon_engine_get(d);
	assert_ptr_equal(e1, e2);
	assert_int_equal(scan_action(e2), MAMORI_ACTION_REJECT);
	daemon_engine_put(d, e2);
	daemon_engine_free(d);

	/* a configuration that never loads: no engine at all */
	assert_null(daemon_engine_new(path, err, sizeof err));
	g_unlink(path);
	g_free(path);
}

static void
test_metrics_render(void **state)
{
	(void)state;
	char err[512];
	struct daemon_engine *d = daemon_engine_new(NULL, err, sizeof err);
	assert_non_null(d);
	struct mamori_engine *e = daemon_engine_get(d);
	struct mamori_result *res = NULL;
	assert_int_equal(mamori_scan(e, BYTES(NO_DATE_ID), NULL, &res), MAMORI_OK);
	metrics_scan("test\"render", res, 0.03);
	metrics_error("test\"render", "engine");
	daemon_log_result("test", "ABC123", res, 30.0);
	mamori_result_free(res);
	daemon_engine_put(d, e);
	daemon_engine_free(d);

	char *m = metrics_render();
	assert_contains(m, "# HELP mamori_messages_total ");
	assert_contains(m, "# TYPE mamori_messages_total counter\n");
	assert_contains(m, "mamori_messages_total{front=\"test\\\"render\",action=\"accept\"} 1\n");
	assert_contains(m, "# TYPE mamori_symbols_total counter\n");
	assert_contains(m, "mamori_symbols_total{symbol=\"MISSING_DATE\"} 1\n");
	assert_contains(m, "# TYPE mamori_scan_seconds histogram\n");
	assert_contains(m, "mamori_scan_seconds_bucket{le=\"0.025\"} 0\n");
	assert_contains(m, "mamori_scan_seconds_bucket{le=\"0.05\"} 1\n");
	assert_contains(m, "mamori_scan_seconds_bucket{le=\"+Inf\"} 1\n");
	assert_contains(m, "mamori_scan_seconds_sum 0.03\n");
	assert_contains(m, "mamori_scan_seconds_count 1\n");
	assert_contains(m, "# TYPE mamori_errors_total counter\n");
	assert_contains(m, "mamori_errors_total{front=\"test\\\"render\",what=\"engine\"} 1\n");
	/* every line is a comment or "name{labels} value" / "name value" */
	char **lines = g_strsplit(m, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		if (**l == '\0' || **l == '#')
			continue;
		assert_true(g_str_has_prefix(*l, "mamori_"));
		assert_non_null(strrchr(*l, ' '));
	}
	g_strfreev(lines);
	g_free(m);
}

#define NTHREADS 8
#define PER_THREAD 2000

static struct mamori_result *shared_res;

static gpointer
hammer(gpointer data)
{
	(void)data;
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_scan("threads", shared_res, 0.2);
		if (i % 10 == 0)
			metrics_error("threads", "internal");
		if (i % 100 == 0)
			g_free(metrics_render());
	}
	return NULL;
}

static void
test_metrics_threads(void **state)
{
	(void)state;
	char err[512];
	struct daemon_engine *d = daemon_engine_new(NULL, err, sizeof err);
	assert_non_null(d);
	struct mamori_engine *e = daemon_engine_get(d);
	assert_int_equal(mamori_scan(e, BYTES(NO_DATE_ID), NULL, &shared_res), MAMORI_OK);
	GThread *t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		t[i] = g_thread_new("metrics", hammer, NULL);
	for (int i = 0; i < NTHREADS; i++)
		g_thread_join(t[i]);
	mamori_result_free(shared_res);
	daemon_engine_put(d, e);
	daemon_engine_free(d);

	char *m = metrics_render();
	char *want = g_strdup_printf("mamori_messages_total{front=\"threads\",action=\"accept\"} %d\n",
	    NTHREADS * PER_THREAD);
	assert_contains(m, want);
	g_free(want);
	want = g_strdup_printf("mamori_errors_total{front=\"threads\",what=\"internal\"} %d\n",
	    NTHREADS * PER_THREAD / 10);
	assert_contains(m, want);
	g_free(want);
	g_free(m);
}

static void
test_privileges(void **state)
{
	(void)state;
	char err[256] = "";
	if (geteuid() == 0) {
		assert_false(daemon_drop_privileges(NULL, NULL, err, sizeof err));
		assert_contains(err, "refusing to run as root: set daemon.user");
		assert_false(daemon_drop_privileges("", NULL, err, sizeof err));
		assert_false(daemon_drop_privileges("root", NULL, err, sizeof err));
	} else {
		assert_true(daemon_drop_privileges(NULL, NULL, err, sizeof err));
		assert_false(daemon_drop_privileges("root", NULL, err, sizeof err));
		assert_contains(err, "not running as root");
	}
}

/* child side of test_config_reader: 0 = all as expected, else the step */
static int
reader_child(const char *path, int go, int done)
{
	char err[512] = "", c;
	struct mamori_config *cfg = NULL;

	if (!daemon_drop_privileges("nobody", path, err, sizeof err))
		return 1;
	/* as nobody: the file (0600 root, in a 0700 root directory) is closed to us */
	if (mamori_config_load(path, &cfg, err, sizeof err) == MAMORI_OK
	    || strstr(err, "cannot read: Permission denied") == NULL)
		return 2;
	/* through the reader: the add_header threshold of CONF_TAG */
	if (daemon_config_load(path, &cfg, err, sizeof err) != MAMORI_OK
	    || cfg->threshold[MAMORI_ACTION_ADD_HEADER] != 1.0)
		return 3;
	mamori_config_free(cfg);
	/* the parent replaces the file by rename: the new content is read */
	if (write(done, "1", 1) != 1 || read(go, &c, 1) != 1)
		return 4;
	if (daemon_config_load(path, &cfg, err, sizeof err) != MAMORI_OK
	    || cfg->threshold[MAMORI_ACTION_REJECT] != 1.0)
		return 5;
	mamori_config_free(cfg);
	/* a syntax error: file and line */
	if (write(done, "2", 1) != 1 || read(go, &c, 1) != 1)
		return 6;
	if (daemon_config_load(path, &cfg, err, sizeof err) == MAMORI_OK
	    || !g_str_has_prefix(err, path) || strstr(err, ":1: ") == NULL)
		return 7;
	/* removed: ENOENT, named */
	if (write(done, "3", 1) != 1 || read(go, &c, 1) != 1)
		return 8;
	if (daemon_config_load(path, &cfg, err, sizeof err) == MAMORI_OK
	    || strstr(err, "cannot read: No such file or directory") == NULL)
		return 9;
	daemon_config_reader_stop();
	return 0;
}

/* The privileged configuration reader: root-only file read after the drop. */
static void
test_config_reader(void **state)
{
	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL) {
		print_message("skipped: needs root and user nobody\n");
		return;
	}
	char *dir = g_build_filename(tmpdir, "private", NULL);
	char *path = g_build_filename(dir, "mamori.conf", NULL);
	char *tmp = g_build_filename(dir, "mamori.conf.new", NULL);
	assert_int_equal(g_mkdir(dir, 0700), 0);
	assert_true(g_file_set_contents(path, CONF_TAG, -1, NULL));
	assert_int_equal(chmod(path, 0600), 0);
	int to_child[2], to_parent[2];
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(reader_child(path, to_child[0], to_parent[1]));
	char c;
	int status = -1;
	if (read(to_parent[0], &c, 1) == 1) {
		assert_true(g_file_set_contents(tmp, CONF_REJECT, -1, NULL));
		assert_int_equal(chmod(tmp, 0600), 0);
		assert_int_equal(rename(tmp, path), 0);
		assert_int_equal(write(to_child[1], "g", 1), 1);
	}
	if (read(to_parent[0], &c, 1) == 1) {
		assert_true(g_file_set_contents(path, "actions = { reject = ; };\n", -1, NULL));
		assert_int_equal(write(to_child[1], "g", 1), 1);
	}
	if (read(to_parent[0], &c, 1) == 1) {
		assert_int_equal(g_unlink(path), 0);
		assert_int_equal(write(to_child[1], "g", 1), 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(to_child[0]), close(to_child[1]), close(to_parent[0]), close(to_parent[1]);
	g_unlink(path);
	g_rmdir(dir);
	g_free(tmp);
	g_free(path);
	g_free(dir);
}

int
main(void)
{
	daemon_log_open(false, "test_daemon");
	daemon_log(LOG_INFO, "two\nlines become one");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_swaps),
		cmocka_unit_test(test_bad_config_keeps_old),
		cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_metrics_threads),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_config_reader),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
