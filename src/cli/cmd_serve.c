/*
 * cmd_serve.c - `mamori serve`: the HTTP API (src/daemon/http.c,
 * docs/api.md).
 */
#include <stdio.h>

#include <glib.h>

#include "cli.h"
#include "daemon/http.h"

int
cmd_serve(int argc, char **argv)
{
	gchar *listen = NULL, *config = NULL, *state = NULL, *user = NULL;
	gint threads = 0;
	gboolean use_syslog = FALSE;
	GOptionEntry entries[] = {
		{ "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "address to listen on", "HOST:PORT" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE" },
		{ "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "state directory (the store)", "DIR" },
		{ "threads", 0, 0, G_OPTION_ARG_INT, &threads, "scans at once (default: http.threads)", "N" },
		{ "user", 'u', 0, G_OPTION_ARG_STRING, &user, "user to run as after binding (when started as root)", "USER" },
		{ "syslog", 0, 0, G_OPTION_ARG_NONE, &use_syslog, "log to syslog (facility mail)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("- the HTTP API");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_summary(oc, "POST /scan, GET /health, GET /metrics "
	    "(docs/api.md). SIGHUP reloads the configuration, SIGTERM stops.");
	GError *err = NULL;
	bool ok = g_option_context_parse(oc, &argc, &argv, &err);
	g_option_context_free(oc);
	int rc = 2;
	if (!ok) {
		fprintf(stderr, "mamori serve: %s\n", err->message);
		g_error_free(err);
	} else if (listen == NULL) {
		fprintf(stderr, "mamori serve: --listen HOST:PORT is required\n");
	} else if (argc > 1) {
		fprintf(stderr, "mamori serve: unexpected argument %s\n", argv[1]);
	} else if (threads < 0 || threads > 1024) {
		fprintf(stderr, "mamori serve: --threads must be between 1 and 1024\n");
	} else {
		struct http_opts o = {
			.listen = listen,
			.config = cli_config_path(config),
			.state_dir = state,
			.threads = (unsigned)threads,
			.user = user,
			.syslog = use_syslog,
		};
		rc = http_serve(&o);
	}
	g_free(listen);
	g_free(config);
	g_free(state);
	g_free(user);
	return rc;
}
