/*
 * yara.c - the YARA engine on libyara (see yara.h).
 *
 * Life cycle: libyara's process state is set up by the first
 * mamori_yara_load() and torn down by the last mamori_yara_free() (a
 * reference count under a mutex: yr_initialize() and yr_finalize() count
 * too, but not atomically).  Compilation runs once per rule set; the
 * YR_RULES it gives are only read afterwards.
 *
 * Scans: one YR_SCANNER per call, so the externals, the timeout and the
 * match lists are per call and threads never share mutable state.  The
 * scanner runs without libyara's SIGSEGV/SIGBUS handlers
 * (SCAN_FLAGS_NO_TRYCATCH): we scan heap buffers, never mapped files, and
 * the handlers are process-wide and would fight the sanitizers.  A string
 * with more matches than libyara keeps (YR_MAX_STRING_MATCHES) is dropped
 * from that scan and the scan goes on, so one noisy operator rule cannot
 * blind the others.
 */
#include "engines/yara.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <yara.h>

struct mamori_yara {
	YR_RULES *rules;
	size_t nrules;
	char *warnings;		/* NULL or lines "FILE:LINE: warning: ..." */
};

static GMutex init_lock;
static unsigned init_refs;

static bool
lib_ref(char *err, size_t errlen)
{
	bool ok = true;
	g_mutex_lock(&init_lock);
	if (init_refs == 0) {
		int rc = yr_initialize();
		if (rc != ERROR_SUCCESS) {
			snprintf(err, errlen, "yara: cannot initialise libyara (error %d)", rc);
			ok = false;
		}
	}
	if (ok)
		init_refs++;
	g_mutex_unlock(&init_lock);
	return ok;
}

static void
lib_unref(void)
{
	g_mutex_lock(&init_lock);
	if (init_refs > 0 && --init_refs == 0)
		yr_finalize();
	g_mutex_unlock(&init_lock);
}

/* The compiler callback's state: the first error and every warning. */
struct compile_state {
	char *err;
	size_t errlen;
	bool failed;
	GString *warnings;
};

static void
compile_cb(int level, const char *file, int line, const YR_RULE *rule,
    const char *msg, void *ud)
{
	struct compile_state *cs = ud;
	(void)rule;
	if (file == NULL)
		file = "(rules)";
	if (level == YARA_ERROR_LEVEL_WARNING) {
		g_string_append_printf(cs->warnings, "%s:%d: warning: %s\n", file, line, msg);
		return;
	}
	if (!cs->failed) {
		snprintf(cs->err, cs->errlen, "%s:%d: %s", file, line, msg);
		cs->failed = true;
	}
}

static bool
is_rule_file(const char *name)
{
	if (name[0] == '.')
		return false;
	return g_str_has_suffix(name, ".yar") || g_str_has_suffix(name, ".yara");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the rule files of path (a directory or a file) to files. */
static bool
collect(const char *path, GPtrArray *files, char *err, size_t errlen)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		snprintf(err, errlen, "%s: no such file or directory", path);
		return false;
	}
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(files, g_strdup(path));
		return true;
	}
	GError *gerr = NULL;
	GDir *d = g_dir_open(path, 0, &gerr);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", path, gerr->message);
		g_error_free(gerr);
		return false;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (!is_rule_file(name))
			continue;
		char *full = g_build_filename(path, name, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, full);
		else
			g_free(full);
	}
	g_dir_close(d);
	qsort(names->pdata, names->len, sizeof(char *), cmp_str);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(files, g_strdup(names->pdata[i]));
	g_ptr_array_free(names, TRUE);
	return true;
}

/* The namespace of a rule file: its base name without the extension. */
static char *
namespace_of(const char *path)
{
	char *base = g_path_get_basename(path);
	char *dot = strrchr(base, '.');
	if (dot != NULL && dot != base)
		*dot = '\0';
	return base;
}

struct mamori_yara *
mamori_yara_load(const char *const *dirs, size_t ndirs, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < ndirs; i++) {
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		if (!collect(dirs[i], files, err, errlen)) {
			g_ptr_array_free(files, TRUE);
			return NULL;
		}
	}
	if (!lib_ref(err, errlen)) {
		g_ptr_array_free(files, TRUE);
		return NULL;
	}

	struct mamori_yara *y = NULL;
	YR_COMPILER *c = NULL;
	struct compile_state cs = { err, errlen, false, g_string_new(NULL) };
	if (yr_compiler_create(&c) != ERROR_SUCCESS) {
		snprintf(err, errlen, "yara: out of memory");
		goto out;
	}
	yr_compiler_set_callback(c, compile_cb, &cs);
	if (yr_compiler_define_string_variable(c, "filename", "") != ERROR_SUCCESS ||
	    yr_compiler_define_string_variable(c, "filetype", "") != ERROR_SUCCESS) {
		snprintf(err, errlen, "yara: cannot define the external variables");
		goto out;
	}
	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		FILE *f = fopen(path, "r");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		char *ns = namespace_of(path);
		int nerr = yr_compiler_add_file(c, f, ns, path);
		g_free(ns);
		fclose(f);
		if (nerr > 0 || cs.failed) {
			if (!cs.failed)
				snprintf(err, errlen, "%s: cannot compile", path);
			goto out;
		}
	}
	YR_RULES *rules = NULL;
	if (yr_compiler_get_rules(c, &rules) != ERROR_SUCCESS) {
		snprintf(err, errlen, "yara: out of memory");
		goto out;
	}
	y = g_new0(struct mamori_yara, 1);
	y->rules = rules;
	const YR_RULE *r;
	yr_rules_foreach(rules, r)
		y->nrules++;
	if (cs.warnings->len > 0)
		y->warnings = g_strndup(cs.warnings->str, cs.warnings->len - 1);
out:
	if (c != NULL)
		yr_compiler_destroy(c);
	g_string_free(cs.warnings, TRUE);
	g_ptr_array_free(files, TRUE);
	if (y == NULL)
		lib_unref();
	return y;
}

void
mamori_yara_free(struct mamori_yara *y)
{
	if (y == NULL)
		return;
	yr_rules_destroy(y->rules);
	g_free(y->warnings);
	g_free(y);
	lib_unref();
}

size_t
mamori_yara_rule_count(const struct mamori_yara *y)
{
	return y != NULL ? y->nrules : 0;
}

const char *
mamori_yara_warnings(const struct mamori_yara *y)
{
	return y != NULL ? y->warnings : NULL;
}

struct scan_state {
	mamori_yara_cb cb;
	void *ud;
};

static const char *
meta_string(const YR_RULE *rule, const char *name)
{
	const YR_META *m;
	yr_rule_metas_foreach(rule, m)
		if (m->type == META_TYPE_STRING && strcmp(m->identifier, name) == 0)
			return m->string;
	return NULL;
}

static int
scan_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	struct scan_state *ss = ud;
	(void)ctx;
	switch (msg) {
	case CALLBACK_MSG_RULE_MATCHING: {
		const YR_RULE *rule = data;
		struct mamori_yara_match m = {
			.ns = rule->ns->name,
			.rule = rule->identifier,
			.description = meta_string(rule, "description"),
			.severity = meta_string(rule, "severity"),
		};
		return ss->cb(&m, ss->ud) ? CALLBACK_CONTINUE : CALLBACK_ABORT;
	}
	case CALLBACK_MSG_TOO_MANY_MATCHES:
		return CALLBACK_CONTINUE;	/* drop that string, scan on */
	default:
		return CALLBACK_CONTINUE;
	}
}

static void
scan_error(int rc, char *err, size_t errlen)
{
	switch (rc) {
	case ERROR_SCAN_TIMEOUT:
		snprintf(err, errlen, "timeout");
		break;
	case ERROR_TOO_MANY_MATCHES:
		snprintf(err, errlen, "too many matches");
		break;
	case ERROR_INSUFFICIENT_MEMORY:
		snprintf(err, errlen, "out of memory");
		break;
	default:
		snprintf(err, errlen, "internal error %d", rc);
		break;
	}
}

int
mamori_yara_scan(const struct mamori_yara *y, const uint8_t *p, size_t len,
    const char *filename, const char *filetype, unsigned timeout_ms,
    mamori_yara_cb cb, void *ud, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	if (errlen > 0)
		err[0] = '\0';
	if (y == NULL || cb == NULL || (p == NULL && len > 0)) {
		snprintf(err, errlen, "internal error: bad argument");
		return -1;
	}
	if (p == NULL)
		p = empty;
	YR_SCANNER *s = NULL;
	int rc = yr_scanner_create(y->rules, &s);
	if (rc != ERROR_SUCCESS) {
		scan_error(rc, err, errlen);
		return -1;
	}
	struct scan_state ss = { cb, ud };
	yr_scanner_set_callback(s, scan_cb, &ss);
	yr_scanner_set_flags(s, SCAN_FLAGS_NO_TRYCATCH);
	/* yr_scanner_set_timeout() takes seconds; the field is nanoseconds */
	s->timeout = (uint64_t)timeout_ms * 1000000ULL;
	rc = yr_scanner_define_string_variable(s, "filename", filename != NULL ? filename : "");
	if (rc == ERROR_SUCCESS)
		rc = yr_scanner_define_string_variable(s, "filetype", filetype != NULL ? filetype : "");
	if (rc == ERROR_SUCCESS)
		rc = yr_scanner_scan_mem(s, p, len);
	yr_scanner_destroy(s);
	if (rc != ERROR_SUCCESS) {
		scan_error(rc, err, errlen);
		return -1;
	}
	return 0;
}
