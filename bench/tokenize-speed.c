/*
 * tokenize-speed.c - CPU time of the spam tokeniser (src/spam/tokenize.c)
 * per message, over a directory of messages (bench/tokenize-speed.sh runs
 * it over the SpamAssassin train split).
 *
 * usage: bench_tokenize [-r RUNS] [-f FAMILIES] [-s SECOND] [-m STATE] DIR|FILE...
 *        (FAMILIES: the SPAM_TOK_* mask, default all; SECOND: the second
 *        stage's; STATE: a --state directory whose model is loaded)
 *        bench_tokenize --dump FILE               the names of one message
 *
 * Every message is parsed, its content and object tree built as the scan
 * driver does, outside the timing.  Then, RUNS times over all messages:
 *   cold  spam_tokenize() on a fresh content (its first content_norm()
 *         reads pay for the HTML parse and the NFKC of each text, as in a
 *         scan where no other module read the text before)
 *   warm  spam_tokenize() again on the same content (the tokeniser alone)
 *   classify  with -m, spam_classify() of those features by the model
 *         learned in STATE (loaded once, outside the timing)
 * and the first rendering of the text, cold - warm (the HTML parse, NFKC,
 * the links: content.h, paid once per scan by whichever module reads the
 * text first).
 * Printed: µs of thread CPU time per message, min and median over the
 * runs, and the features per message.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>

#include "content/content.h"
#include "mime/message.h"
#include "objects/object.h"
#include "spam/model.h"
#include "spam/tokenize.h"
#include "store/sqlite.h"
#include "mamori/store.h"

/* the content limits of a scan without rule files: SpamAssassin's HTML
 * statistics are not collected (src/driver/scan.c), as in the scans
 * bench/bayes-speed.sh times; set up in main() */
static struct content_limits scan_limits;

static const struct mime_limits mlim = {
	.max_size = 32u << 20,
	.max_decoded = 64u << 20,
	.max_parts = 200,
	.max_depth = 20,
	.max_names = 100,
};

static struct obj_limits olim = {
	.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
	.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
	.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
	.deadline_us = 0, .mime = &mlim,
};

struct msg {
	struct mime_message *m;
	struct obj_tree *t;
	gchar *raw;		/* for "b:" */
	gsize len;
};

static void
add_path(GPtrArray *files, const char *p)
{
	struct stat st;

	if (stat(p, &st) != 0) {
		fprintf(stderr, "bench_tokenize: %s: %s\n", p, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		g_ptr_array_add(files, g_strdup(p));
		return;
	}
	DIR *d = opendir(p);
	if (d == NULL) {
		fprintf(stderr, "bench_tokenize: %s: %s\n", p, strerror(errno));
		exit(2);
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			g_ptr_array_add(names, g_build_filename(p, e->d_name, NULL));
	closedir(d);
	g_ptr_array_sort(names, (GCompareFunc)(void *)g_strcmp0);
	for (guint i = 0; i < names->len; i++)
		add_path(files, names->pdata[i]);
	g_ptr_array_free(names, TRUE);
}

static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int
dump(const char *path)
{
	gchar *buf;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(path, &buf, &len, &err)) {
		fprintf(stderr, "bench_tokenize: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	struct mime_message *m = mime_message_parse((const uint8_t *)buf, len, &mlim);
	struct obj_tree *t = obj_tree_build(m, &olim);
	struct content *c = content_new(m, &scan_limits);
	content_add_objects(c, t);
	struct spam_tok_opts o = spam_tok_defaults;
	o.names = true;
	struct spam_features *f = spam_tokenize(m, c, t, (const uint8_t *)buf, len, &o);
	for (guint i = 0; i < f->names->len; i++)
		printf("%s\n", (const char *)f->names->pdata[i]);
	fprintf(stderr, "%u names, %u distinct hashes, %u words%s\n", f->names->len,
	    f->h->len, f->nwords, f->truncated ? ", truncated" : "");
	spam_features_free(f);
	content_free(c);
	obj_tree_free(t);
	mime_message_free(m);
	g_free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	scan_limits = content_limits_default;
	scan_limits.html = html_limits_default;
	scan_limits.html.no_sa_stats = true;
	int runs = 5, i = 1;

	mime_init();
	if (argc == 3 && strcmp(argv[1], "--dump") == 0)
		return dump(argv[2]);
	struct spam_tok_opts opts = spam_tok_defaults;
	const char *state = NULL;
	for (; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-r") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-f") == 0)
			opts.families = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "-s") == 0)
			opts.second = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "-m") == 0)
			state = argv[i + 1];
		else
			break;
	}
	if (i >= argc || runs < 1) {
		fprintf(stderr, "usage: bench_tokenize [-r RUNS] [-f FAMILIES] [-s SECOND] [-m STATE] DIR|FILE... | --dump FILE\n");
		return 2;
	}
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	for (; i < argc; i++)
		add_path(files, argv[i]);
	guint n = files->len;
	struct msg *msgs = g_new0(struct msg, n);
	for (guint k = 0; k < n; k++) {
		gchar *buf;
		gsize len;
		if (!g_file_get_contents(files->pdata[k], &buf, &len, NULL)) {
			fprintf(stderr, "bench_tokenize: cannot read %s\n",
			    (const char *)files->pdata[k]);
			return 2;
		}
		msgs[k].m = mime_message_parse((const uint8_t *)buf, len, &mlim);
		msgs[k].t = obj_tree_build(msgs[k].m, &olim);
		msgs[k].raw = buf;
		msgs[k].len = len;
	}
	struct spam_model *model = NULL;
	struct mamori_store *st = NULL;
	if (state != NULL) {
		char err[256];
		st = store_sqlite_open(state, err, sizeof err);
		if (st == NULL || !spam_model_load(st, &spam_load_defaults, &model, err,
		    sizeof err)) {
			fprintf(stderr, "bench_tokenize: %s: %s\n", state, err);
			return 2;
		}
	}
	if (model != NULL)	/* as the bayes module tokenises for its model */
		opts.prefetch_w = spam_model_lr_weights(model, &opts.prefetch_mask);
	double *cold = g_new(double, runs), *warm = g_new(double, runs);
	double *cls = g_new(double, runs), *render = g_new(double, runs);
	uint64_t feats = 0, xfeats = 0, words = 0;
	unsigned trunc = 0;
	for (int r = 0; r < runs; r++) {
		double tc = 0, tw = 0, tk = 0;
		for (guint k = 0; k < n; k++) {
			struct content *c = content_new(msgs[k].m, &scan_limits);
			content_add_objects(c, msgs[k].t);
			double a = cpu_us();
			struct spam_features *f = spam_tokenize(msgs[k].m, c, msgs[k].t,
			    (const uint8_t *)msgs[k].raw, msgs[k].len, &opts);
			double b = cpu_us();
			spam_features_free(f);
			double b2 = cpu_us();
			f = spam_tokenize(msgs[k].m, c, msgs[k].t,
			    (const uint8_t *)msgs[k].raw, msgs[k].len, &opts);
			double d = cpu_us();
			tc += b - a;
			tw += d - b2;
			if (model != NULL) {
				struct spam_verdict v;
				double e = cpu_us();
				spam_classify(model, f, &spam_params_default, &v);
				tk += cpu_us() - e;
			}
			if (r == 0) {
				feats += f->h->len;
				xfeats += f->x->len;
				words += f->nwords;
				trunc += f->truncated;
			}
			spam_features_free(f);
			content_free(c);
		}
		cold[r] = tc / n;
		warm[r] = tw / n;
		cls[r] = tk / n;
		render[r] = cold[r] - warm[r];
	}
	qsort(cold, (size_t)runs, sizeof *cold, cmp_double);
	qsort(warm, (size_t)runs, sizeof *warm, cmp_double);
	qsort(cls, (size_t)runs, sizeof *cls, cmp_double);
	qsort(render, (size_t)runs, sizeof *render, cmp_double);
	printf("%u messages, %d runs; per message: %.0f words, %.0f distinct features "
	    "(and %.0f of the second stage's own), %u truncated\n", n, runs,
	    (double)words / n, (double)feats / n, (double)xfeats / n, trunc);
	printf("cold (with the first content_norm): min %.1f us, median %.1f us CPU\n",
	    cold[0], cold[runs / 2]);
	printf("warm (the tokeniser alone):         min %.1f us, median %.1f us CPU\n",
	    warm[0], warm[runs / 2]);
	printf("first rendering (cold - warm):      min %.1f us, median %.1f us CPU\n",
	    render[0], render[runs / 2]);
	if (model != NULL)
		printf("classify (the model in STATE):      min %.1f us, median %.1f us CPU\n",
		    cls[0], cls[runs / 2]);
	for (guint k = 0; k < n; k++) {
		obj_tree_free(msgs[k].t);
		mime_message_free(msgs[k].m);
		g_free(msgs[k].raw);
	}
	g_free(msgs);
	g_free(cold);
	g_free(warm);
	g_free(cls);
	g_free(render);
	if (model != NULL)
		spam_model_unref(model);
	if (st != NULL)
		mamori_store_close(st);
	g_ptr_array_free(files, TRUE);
	return 0;
}
