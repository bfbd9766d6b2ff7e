/*
 * keyfile.c - key records from a file for the DKIM and ARC test drivers
 * (see keyfile.h).  Test tool only: files are read whole.
 */
#include "keyfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

static GHashTable *keys;

void
keyfile_load(const char *path, const char *prog)
{
	gchar *data = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, NULL, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err->message);
		exit(2);
	}
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gchar **lines = g_strsplit(data, "\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		g_strstrip(*l);
		if (**l == '\0' || **l == '#' || **l == ';')
			continue;
		char *sp = strpbrk(*l, " \t");
		if (sp == NULL)
			continue;
		*sp = '\0';
		char *v = g_strstrip(sp + 1);
		g_hash_table_replace(keys, g_ascii_strdown(*l, -1), g_strdup(v));
	}
	g_strfreev(lines);
	g_free(data);
}

enum dkim_key_status
keyfile_fetch(void *user, const char *name, char **txt, size_t *len)
{
	(void)user;
	gchar *lname = g_ascii_strdown(name, -1);
	const char *v = keys != NULL ? g_hash_table_lookup(keys, lname) : NULL;
	g_free(lname);
	if (v == NULL || strcmp(v, "NXDOMAIN") == 0)
		return DKIM_KEY_NOTFOUND;
	if (strncmp(v, "~~", 2) == 0)
		return DKIM_KEY_TEMPFAIL;
	if (strcmp(v, "\"\"") == 0)
		v = "";
	*txt = g_strdup(v);
	*len = strlen(v);
	return DKIM_KEY_FOUND;
}

void
keyfile_free(void)
{
	g_clear_pointer(&keys, g_hash_table_destroy);
}
