/*
 * cmd_learn.c - `mamori learn --spam|--ham [--forget] [--state DIR]
 * FILE|DIR|mbox|-...`: teach the classifier (docs/spam.md) from the
 * operator's mail, or take a message back.
 *
 * Messages are read as `mamori scan` reads them (files, directories
 * recursively in name order, mbox files split, standard input) and
 * learned one by one through mamori_learn(); the counts go to the store
 * every bayes.batch messages and at the end, so a corpus of thousands is
 * a handful of transactions.  Learning the same message again as the same
 * class changes nothing; as the other class it moves.  On a terminal a
 * progress line is kept up to date.
 *
 * The state directory is --state, else quarantine.state_dir (the one the
 * daemons use), and must exist; as root with daemon.user set, the command runs as that
 * user when the directory is theirs (as `mamori quarantine` does).
 *
 * Exit status: 0 every message was handled, 1 some input could not be
 * read (the rest was learned), 2 usage, configuration or store error
 * (what was committed before it stays).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "cli.h"
#include "core/config.h"
#include "store/store.h"

struct learner {
	const struct mamori_engine *eng;
	enum mamori_learn_class cls;
	bool forget;
	bool mbox;
	bool progress;		/* stderr is a terminal */
	unsigned long counts[MAMORI_NOT_LEARNED + 1];
	unsigned long total;
	gint64 start_us, shown_us;
	bool input_failed;
	bool failed;		/* the store or the configuration: stop */
};

static void
show_progress(struct learner *l, bool last)
{
	gint64 now = g_get_monotonic_time();

	if (!l->progress || (!last && now - l->shown_us < 250000))
		return;
	l->shown_us = now;
	double s = (double)(now - l->start_us) / 1e6;
	fprintf(stderr, "\rmamori learn: %lu messages, %.0f/s%s", l->total,
	    s > 0 ? (double)l->total / s : 0.0, last ? "\n" : "");
	fflush(stderr);
}

static void
learn_one(struct learner *l, const char *source, const uint8_t *p, size_t len)
{
	enum mamori_learn_outcome o;
	char err[1024];

	if (l->failed)
		return;
	enum mamori_status rc = mamori_learn(l->eng, p, len, l->cls, l->forget, &o, err,
	    sizeof err);
	if (rc != MAMORI_OK) {
		if (l->progress)
			fputc('\n', stderr);
		fprintf(stderr, "mamori learn: %s: %s\n", source, err);
		l->failed = true;
		return;
	}
	l->counts[o]++;
	l->total++;
	show_progress(l, false);
}

static void
input_message(void *ud, const struct cli_input *in)
{
	learn_one(ud, in->source, in->p, in->len);
}

static void
input_error(void *ud, const char *what, const char *msg)
{
	struct learner *l = ud;

	if (l->progress)
		fputc('\n', stderr);
	fprintf(stderr, "mamori learn: %s: %s\n", what, msg);
	l->input_failed = true;
}

static bool
input_stop(void *ud)
{
	return ((const struct learner *)ud)->failed;
}

static const struct cli_inputs learn_inputs = {
	.message = input_message,
	.error = input_error,
	.stop = input_stop,
};

int
cmd_learn(int argc, char **argv)
{
	gboolean spam = FALSE, ham = FALSE, forget = FALSE, mbox = FALSE;
	gchar *config = NULL, *state = NULL;
	gchar **files = NULL;
	GOptionEntry entries[] = {
		{ "spam", 0, 0, G_OPTION_ARG_NONE, &spam, "the messages are spam", NULL },
		{ "ham", 0, 0, G_OPTION_ARG_NONE, &ham, "the messages are ham (wanted mail)", NULL },
		{ "forget", 0, 0, G_OPTION_ARG_NONE, &forget, "take the messages back out of "
		    "the model (whatever they were learned as)", NULL },
		{ "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "state directory: the store the "
		    "model is kept in (default: quarantine.state_dir)", "DIR" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE" },
		{ "mbox", 0, 0, G_OPTION_ARG_NONE, &mbox, "treat every input as an mbox file", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE|DIR|-" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("--spam|--ham [--forget] FILE|DIR|-... - "
	    "teach the spam classifier");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_summary(oc, "Learns .eml files, directories (recursively), mbox "
	    "files and standard input as spam or ham, or forgets them.\nExit status: 0 done, "
	    "1 some input could not be read, 2 error.");
	GError *gerr = NULL;
	bool ok = g_option_context_parse(oc, &argc, &argv, &gerr);
	g_option_context_free(oc);
	if (!ok) {
		fprintf(stderr, "mamori learn: %s\n", gerr->message);
		g_error_free(gerr);
		return 2;
	}
	int rc = 2;
	struct mamori_config *cfg = NULL;
	struct mamori_engine *eng = NULL;
	struct mamori_store *store = NULL;
	char err[1024];
	if (spam == ham) {
		fprintf(stderr, "mamori learn: give one of --spam and --ham\n");
		goto out;
	}
	if (files == NULL || files[0] == NULL) {
		fprintf(stderr, "mamori learn: no input (give FILE, DIR or - for standard "
		    "input)\n");
		goto out;
	}
	const char *path = cli_config_path(config);
	if (path == NULL) {
		cfg = mamori_config_new_default();
	} else if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori learn: %s\n", err);
		goto out;
	}
	const char *dir = state != NULL ? state : cfg->quarantine.state_dir;
	if (dir == NULL || !g_path_is_absolute(dir)) {
		fprintf(stderr, "mamori learn: the state directory \"%s\" is not an absolute "
		    "path: give --state /path/to/dir (e.g. /var/lib/mamori)\n",
		    dir != NULL ? dir : "");
		goto out;
	}
	/* an existing directory: a typo must not start an empty model
	 * somewhere the daemons never read */
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		fprintf(stderr, "mamori learn: the state directory %s: %s\n", dir,
		    g_strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "mamori learn: the state directory %s: not a directory\n", dir);
		goto out;
	}
	if (!cli_as_daemon_user(cfg->daemon.user, dir, err, sizeof err)) {
		fprintf(stderr, "mamori learn: %s\n", err);
		goto out;
	}
	store = store_open(dir, err, sizeof err);
	if (store == NULL) {
		fprintf(stderr, "mamori learn: %s\n", err);
		goto out;
	}
	if (mamori_engine_new(cfg, &eng, err, sizeof err) != MAMORI_OK) {
		cfg = NULL;	/* the engine took it */
		fprintf(stderr, "mamori learn: %s\n", err);
		goto out;
	}
	cfg = NULL;
	mamori_engine_set_store(eng, store);

	struct learner l = {
		.eng = eng,
		.cls = spam ? MAMORI_LEARN_SPAM : MAMORI_LEARN_HAM,
		.forget = forget,
		.mbox = mbox,
		.progress = isatty(STDERR_FILENO) == 1,
		.start_us = g_get_monotonic_time(),
	};
	if (!cli_read_inputs(files, mbox, &learn_inputs, &l))
		l.input_failed = true;
	if (l.failed) {
		/* what was collected since the last commit is not written: a
		 * batch is all or nothing */
		goto out;
	}
	if (mamori_learn_commit(eng, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori learn: %s\n", err);
		goto out;
	}
	show_progress(&l, true);
	printf("%lu messages as %s%s:", l.total, spam ? "spam" : "ham",
	    forget ? " (forget)" : "");
	const char *sep = " ";
	for (int o = 0; o <= MAMORI_NOT_LEARNED; o++) {
		if (l.counts[o] == 0)
			continue;
		printf("%s%lu %s", sep, l.counts[o],
		    mamori_learn_outcome_name((enum mamori_learn_outcome)o));
		sep = ", ";
	}
	printf("\n");
	rc = l.input_failed ? 1 : 0;
out:
	mamori_engine_free(eng);
	mamori_config_free(cfg);
	store_close(store);
	g_free(config);
	g_free(state);
	g_strfreev(files);
	return rc;
}
