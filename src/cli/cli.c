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
