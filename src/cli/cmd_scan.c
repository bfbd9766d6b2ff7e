/*
 * cmd_scan.c - `mamori scan`: scan files, directories, mbox files, stdin.
 *
 * Design: the main thread lists inputs, maps files (read-only mmap) and
 * splits mbox files; worker threads (GThreadPool, -j N) scan; the main
 * thread prints results in input order, so output is the same whatever
 * the thread count.  At most WINDOW_PER_THREAD jobs per thread are in
 * flight, which bounds memory over corpora of any size.
 *
 * Exit status: 0 if every message was accepted, 1 if any other action was
 * chosen, 2 if any input could not be read or scanned.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "cli.h"
#include "store/store.h"

#define WINDOW_PER_THREAD 8
#define SUMMARY_SYMBOLS 6

struct job {
	char *source;
	GMappedFile *map;	/* NULL for stdin data */
	GBytes *bytes;		/* stdin data */
	const uint8_t *p;
	size_t len;
	char *out;		/* what to print */
	enum mamori_status status;
	enum mamori_action action;
	bool done;
};

struct runner {
	const struct mamori_engine *eng;
	struct mamori_envelope env;
	bool json;
	GThreadPool *pool;
	GMutex lock;
	GCond cond;
	GQueue queue;		/* struct job *, in input order */
	unsigned window;
	int exit_code;
};

static void
job_free(struct job *j)
{
	g_free(j->source);
	if (j->map != NULL)
		g_mapped_file_unref(j->map);
	if (j->bytes != NULL)
		g_bytes_unref(j->bytes);
	g_free(j->out);
	g_free(j);
}

static void
job_run(struct runner *r, struct job *j)
{
	struct mamori_envelope env = r->env;
	struct mamori_result *res = NULL;

	env.source = j->source;
	j->status = mamori_scan(r->eng, j->p, j->len, &env, &res);
	if (j->status != MAMORI_OK) {
		/* the message could not be scanned: say so, in the output format */
		fprintf(stderr, "mamori: %s: internal error, tempfail\n", j->source);
		j->out = r->json ? mamori_error_report(j->source)
		    : g_strdup_printf("%s: tempfail (internal error)\n", j->source);
		j->action = MAMORI_ACTION_TEMPFAIL;
	} else if (r->json) {
		j->out = g_strconcat(mamori_result_json(res), "\n", NULL);
	} else {
		char *s = mamori_result_summary(res, SUMMARY_SYMBOLS);
		j->out = g_strdup_printf("%s: %s\n", j->source, s);
		g_free(s);
	}
	if (j->status == MAMORI_OK)
		j->action = mamori_result_action(res);
	mamori_result_free(res);
}

static void
worker(gpointer data, gpointer user)
{
	struct job *j = data;
	struct runner *r = user;

	job_run(r, j);
	g_mutex_lock(&r->lock);
	j->done = true;
	g_cond_broadcast(&r->cond);
	g_mutex_unlock(&r->lock);
}

static void
finish_job(struct runner *r, struct job *j)
{
	fputs(j->out, stdout);
	if (j->status != MAMORI_OK)
		r->exit_code = 2;
	else if (j->action != MAMORI_ACTION_ACCEPT && r->exit_code == 0)
		r->exit_code = 1;
	job_free(j);
}

/* Print finished jobs from the head of the queue; wait while it is full. */
static void
drain(struct runner *r, unsigned keep)
{
	g_mutex_lock(&r->lock);
	while (r->queue.length > keep) {
		struct job *head = g_queue_peek_head(&r->queue);
		while (!head->done)
			g_cond_wait(&r->cond, &r->lock);
		g_queue_pop_head(&r->queue);
		g_mutex_unlock(&r->lock);
		finish_job(r, head);
		g_mutex_lock(&r->lock);
	}
	g_mutex_unlock(&r->lock);
}

static void
submit(struct runner *r, struct job *j)
{
	if (r->pool == NULL) {
		job_run(r, j);
		finish_job(r, j);
		return;
	}
	drain(r, r->window - 1);
	g_mutex_lock(&r->lock);
	g_queue_push_tail(&r->queue, j);
	g_mutex_unlock(&r->lock);
	g_thread_pool_push(r->pool, j, NULL);
}

static void
input_error(void *ud, const char *what, const char *msg)
{
	struct runner *r = ud;

	fflush(stdout);
	fprintf(stderr, "mamori: %s: %s\n", what, msg);
	r->exit_code = 2;
}

/* Queue one message; the job keeps what its bytes point into. */
static void
input_message(void *ud, const struct cli_input *in)
{
	struct job *j = g_new0(struct job, 1);

	j->source = g_strdup(in->source);
	j->map = in->map != NULL ? g_mapped_file_ref(in->map) : NULL;
	j->bytes = in->bytes != NULL ? g_bytes_ref(in->bytes) : NULL;
	j->p = in->p;
	j->len = in->len;
	submit(ud, j);
}

static const struct cli_inputs scan_inputs = {
	.message = input_message,
	.error = input_error,
};

/*
 * GOption does not take a value glued to a short option ("-j4"), which
 * everyone types: split such arguments before parsing.  The result is a
 * new NULL-terminated vector of borrowed or owned strings (in *owned).
 */
static char **
split_short_values(int *argc, char **argv, GPtrArray *owned)
{
	GPtrArray *v = g_ptr_array_new();
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (; i < *argc; i++)
				g_ptr_array_add(v, argv[i]);
			break;
		}
		if ((a[0] == '-' && (a[1] == 'j' || a[1] == 'c')) && a[2] != '\0') {
			char *opt = g_strndup(a, 2), *val = g_strdup(a + 2);
			g_ptr_array_add(owned, opt);
			g_ptr_array_add(owned, val);
			g_ptr_array_add(v, opt);
			g_ptr_array_add(v, val);
			continue;
		}
		g_ptr_array_add(v, argv[i]);
	}
	*argc = (int)v->len;
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}

int
cmd_scan(int argc, char **argv)
{
	gboolean json = FALSE, mbox = FALSE;
	gchar *config = NULL, *from = NULL, *ip = NULL, *helo = NULL, *dns = NULL;
	gchar *state = NULL;
	struct mamori_store *store = NULL;
	gchar **rcpt = NULL, **files = NULL;
	gint threads = 0;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON Lines: one report per message", NULL },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE" },
		/* FILENAME: the bytes as given, whatever the locale; the scan
		 * treats envelope text as untrusted anyway */
		{ "from", 0, 0, G_OPTION_ARG_FILENAME, &from, "envelope sender (MAIL FROM)", "ADDR" },
		{ "rcpt", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rcpt, "envelope recipient (repeatable)", "ADDR" },
		{ "ip", 0, 0, G_OPTION_ARG_FILENAME, &ip, "client IP address", "IP" },
		{ "helo", 0, 0, G_OPTION_ARG_FILENAME, &helo, "client HELO name", "NAME" },
		{ "dns", 0, 0, G_OPTION_ARG_FILENAME, &dns, "DNS server to use (IP, IP:PORT, [IPv6]:PORT)", "HOST:PORT" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &threads, "worker threads (default: all cores)", "N" },
		{ "mbox", 0, 0, G_OPTION_ARG_NONE, &mbox, "treat every input as an mbox file", NULL },
		{ "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "state directory: the store the "
		    "checks keep their state in (the one of milter/serve --state)", "DIR" },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE|DIR|-" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("[FILE|DIR|-]... - scan messages");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_summary(oc, "Scans .eml files, directories (recursively), "
	    "mbox files and standard input.\nExit status: 0 all accepted, 1 another "
	    "action for some message, 2 error.");
	GError *err = NULL;
	GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
	char **args = split_short_values(&argc, argv, owned);
	char **args_start = args;
	bool ok = g_option_context_parse(oc, &argc, &args, &err);
	g_free(args_start);
	g_ptr_array_unref(owned);
	g_option_context_free(oc);
	if (!ok) {
		fprintf(stderr, "mamori scan: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	int rc = 2;
	if (threads < 0 || threads > 1024) {
		fprintf(stderr, "mamori scan: -j must be between 1 and 1024\n");
		goto out;
	}

	if (ip != NULL && !g_hostname_is_ip_address(ip)) {
		fprintf(stderr, "mamori scan: --ip %s: not an IPv4 or IPv6 address\n", ip);
		goto out;
	}
	if (dns != NULL && !mamori_dns_server_valid(dns)) {
		fprintf(stderr, "mamori scan: --dns %s: give IP, IP:PORT or [IPv6]:PORT\n", dns);
		goto out;
	}
	if (state != NULL) {
		/* an existing directory, named absolutely: a typo must not start
		 * an empty store somewhere else */
		struct stat sb;
		char serr[1024];
		if (!g_path_is_absolute(state)) {
			fprintf(stderr, "mamori scan: --state %s: not an absolute path\n", state);
			goto out;
		}
		if (stat(state, &sb) != 0) {
			fprintf(stderr, "mamori scan: --state %s: %s\n", state, g_strerror(errno));
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "mamori scan: --state %s: not a directory\n", state);
			goto out;
		}
		store = store_open(state, serr, sizeof serr);
		if (store == NULL) {
			fprintf(stderr, "mamori scan: --state %s: %s\n", state, serr);
			goto out;
		}
	}
	unsigned cfg_threads = 0;
	struct mamori_engine *eng = cli_engine(config, dns, &cfg_threads);
	if (eng == NULL)
		goto out;
	mamori_engine_set_store(eng, store);	/* NULL without --state */
	struct runner r = { .eng = eng, .json = json };
	r.env.mail_from = from;
	r.env.client_ip = ip;
	r.env.helo = helo;
	r.env.rcpt = (const char *const *)rcpt;
	r.env.n_rcpt = rcpt != NULL ? g_strv_length(rcpt) : 0;
	unsigned n = threads > 0 ? (unsigned)threads : cfg_threads;
	if (n == 0)
		n = g_get_num_processors();
	g_mutex_init(&r.lock);
	g_cond_init(&r.cond);
	g_queue_init(&r.queue);
	r.window = n * WINDOW_PER_THREAD;
	if (n > 1)
		r.pool = g_thread_pool_new(worker, &r, (gint)n, TRUE, NULL);

	if (!cli_read_inputs(files, mbox, &scan_inputs, &r))
		r.exit_code = 2;
	drain(&r, 0);
	if (r.pool != NULL)
		g_thread_pool_free(r.pool, FALSE, TRUE);
	g_mutex_clear(&r.lock);
	g_cond_clear(&r.cond);
	fflush(stdout);
	rc = r.exit_code;
	mamori_engine_free(eng);
out:
	store_close(store);
	g_free(state);
	g_free(config);
	g_free(from);
	g_free(ip);
	g_free(helo);
	g_free(dns);
	g_strfreev(rcpt);
	g_strfreev(files);
	return rc;
}
