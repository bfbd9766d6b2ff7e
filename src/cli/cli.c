/*
 * cli.c - what the sub-commands share: finding and loading the
 * configuration.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "cli.h"
#include "daemon/daemon.h"
#include "mime/mbox.h"

const char *
cli_config_path(const char *path)
{
	if (path != NULL)
		return path;
	const char *env = g_getenv("MAMORI_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	if (g_file_test(DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
		return DEFAULT_CONFIG;
	return NULL;
}

struct mamori_engine *
cli_engine(const char *path, const char *dns, unsigned *threads)
{
	char err[1024];
	struct mamori_config *cfg;
	struct mamori_engine *eng;

	path = cli_config_path(path);
	if (path == NULL) {
		cfg = mamori_config_new_default();
	} else if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return NULL;
	}
	if (threads != NULL)
		*threads = mamori_config_threads(cfg);
	if (dns != NULL)
		mamori_config_set_dns_server(cfg, dns);
	if (mamori_engine_new(cfg, &eng, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return NULL;
	}
	return eng;
}

static gint
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
list_dir(const char *dir, GPtrArray *out, unsigned depth)
{
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	bool ok = true;

	if (d == NULL) {
		fflush(stdout);
		fprintf(stderr, "mamori: %s: %s\n", dir, err->message);
		g_error_free(err);
		return false;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(d)) != NULL)
		if (n[0] != '.')
			g_ptr_array_add(names, g_build_filename(dir, n, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, str_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *path = g_ptr_array_index(names, i);
		struct stat st;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 64)
			ok &= list_dir(path, out, depth + 1);
		else if (S_ISREG(st.st_mode))
			g_ptr_array_add(out, g_strdup(path));
	}
	g_ptr_array_unref(names);
	return ok;
}

bool
cli_list_dir(const char *dir, GPtrArray *out)
{
	return list_dir(dir, out, 0);
}

/*
 * As root with daemon.user set: become that user when the state directory
 * is theirs (it, or its mamori.db), or when it does not exist yet (it is
 * then created, 0750, for that user; its parent must exist).  Any other
 * case (not root, no daemon.user, a directory of root's or of another
 * user) runs as is.
 */
bool
cli_as_daemon_user(const char *user, const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return true;
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "daemon.user %s: unknown user%s%s", user,
		    errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
		return false;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (uid == 0)
		return true;
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", dir, g_strerror(errno));
			return false;
		}
		if (mkdir(dir, 0750) != 0) {
			snprintf(err, errlen, "%s: cannot create: %s", dir, g_strerror(errno));
			return false;
		}
		if (chown(dir, uid, gid) != 0) {
			snprintf(err, errlen, "%s: cannot give it to %s: %s", dir, user,
			    g_strerror(errno));
			return false;
		}
	} else {
		char *db = g_build_filename(dir, "mamori.db", NULL);
		struct stat dsb;
		bool theirs = sb.st_uid == uid || (stat(db, &dsb) == 0 && dsb.st_uid == uid);
		g_free(db);
		if (!theirs)
			return true;
	}
	return daemon_drop_privileges(user, NULL, err, errlen);
}

struct walk {
	const struct cli_inputs *ops;
	void *ud;
	bool force_mbox;
	bool ok;
};

static bool
stopped(const struct walk *w)
{
	return w->ops->stop != NULL && w->ops->stop(w->ud);
}

static void
walk_error(struct walk *w, const char *what, const char *why)
{
	w->ok = false;
	w->ops->error(w->ud, what, why);
}

/* One message, or each message of an mbox. */
static void
walk_buffer(struct walk *w, const char *source, GMappedFile *map, GBytes *bytes,
    const uint8_t *p, size_t len)
{
	struct cli_input in = { .source = source, .p = p, .len = len, .map = map,
	    .bytes = bytes };

	if (!(w->force_mbox || mbox_is_mbox(p, len))) {
		w->ops->message(w->ud, &in);
		return;
	}
	GArray *msgs = mbox_split(p, len);
	for (guint i = 0; i < msgs->len && !stopped(w); i++) {
		const struct mbox_msg *m = &g_array_index(msgs, struct mbox_msg, i);
		char *name = msgs->len == 1 ? g_strdup(source) :
		    g_strdup_printf("%s#%u", source, i + 1);
		in.source = name;
		in.p = p + m->off;
		in.len = m->len;
		w->ops->message(w->ud, &in);
		g_free(name);
	}
	g_array_unref(msgs);
}

/* A stream (stdin, a pipe, /dev/fd/N): read to its end, then walked. */
static void
walk_stream(struct walk *w, FILE *f, const char *name)
{
	GByteArray *ba = g_byte_array_new();
	guint8 buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		g_byte_array_append(ba, buf, (guint)n);
	if (ferror(f)) {
		walk_error(w, name, g_strerror(errno));
		g_byte_array_unref(ba);
		return;
	}
	GBytes *bytes = g_byte_array_free_to_bytes(ba);
	gsize len;
	const uint8_t *p = g_bytes_get_data(bytes, &len);
	walk_buffer(w, name, NULL, bytes, p != NULL ? p : (const uint8_t *)"", len);
	g_bytes_unref(bytes);
}

static void
walk_file(struct walk *w, const char *path)
{
	GError *err = NULL;
	struct stat st;

	/* a pipe or a device (`mamori scan <(cat x.eml)`, /dev/stdin) cannot
	 * be mapped: it is read */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			walk_error(w, path, g_strerror(errno));
			return;
		}
		walk_stream(w, f, path);
		fclose(f);
		return;
	}
	GMappedFile *map = g_mapped_file_new(path, FALSE, &err);
	if (map == NULL) {
		walk_error(w, path, err->message);
		g_error_free(err);
		return;
	}
	const uint8_t *p = (const uint8_t *)g_mapped_file_get_contents(map);
	walk_buffer(w, path, map, NULL, p != NULL ? p : (const uint8_t *)"",
	    g_mapped_file_get_length(map));
	g_mapped_file_unref(map);
}

bool
cli_read_inputs(char *const *files, bool force_mbox, const struct cli_inputs *ops, void *ud)
{
	struct walk w = { .ops = ops, .ud = ud, .force_mbox = force_mbox, .ok = true };

	if (files == NULL || files[0] == NULL) {
		walk_stream(&w, stdin, "-");
		return w.ok;
	}
	for (size_t i = 0; files[i] != NULL && !stopped(&w); i++) {
		struct stat st;
		if (strcmp(files[i], "-") == 0) {
			walk_stream(&w, stdin, "-");
		} else if (stat(files[i], &st) != 0) {
			walk_error(&w, files[i], g_strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
			if (!cli_list_dir(files[i], list))
				w.ok = false;	/* said by cli_list_dir */
			for (guint k = 0; k < list->len && !stopped(&w); k++)
				walk_file(&w, g_ptr_array_index(list, k));
			g_ptr_array_unref(list);
		} else {
			walk_file(&w, files[i]);
		}
	}
	return w.ok;
}
