/*
 * bec-bench.c - cost of src/bec/ on a set of decoded bodies, and what it
 * finds there: bec_quotes_find() on each FILE.txt (the decoded body) and
 * bec_phrases_match() on each FILE.norm (its NFKC form, content_norm()'s
 * shape), each call repeated REPEAT times and timed on the monotonic clock.
 *
 * usage: bench_bec DIR [PHRASES [REPEAT]]
 *
 * Prints the mean and the 50/99th percentile and maximum per message of
 * both, the quoted authors per form, and every message the payment-change
 * rule fires on with its hits (the false positives on ham), and those
 * with a payment phrase (bank-change or gift-card) at all ("PAYMENT").
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "bec/phrases.h"
#include "bec/quote.h"

static double
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *what, GArray *t, double bytes)
{
	g_array_sort(t, dbl_cmp);
	double sum = 0;
	for (guint i = 0; i < t->len; i++)
		sum += g_array_index(t, double, i);
	guint n = t->len;
	printf("%-18s %u msgs  mean %.2f us  p50 %.2f  p99 %.2f  max %.2f  (%.0f MB/s)\n", what, n,
	    sum / n, g_array_index(t, double, n / 2), g_array_index(t, double, n * 99 / 100),
	    g_array_index(t, double, n - 1), bytes / sum);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [PHRASES [REPEAT]]\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	const char *pp = argc > 2 ? argv[2] : bec_phrases_default_path();
	int repeat = argc > 3 ? atoi(argv[3]) : 20;
	char err[256];
	struct bec_phrases *ph = bec_phrases_load(pp, err, sizeof(err));
	if (ph == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (g_str_has_suffix(e->d_name, ".txt"))
			g_ptr_array_add(names, g_strndup(e->d_name, strlen(e->d_name) - 4));
	closedir(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);

	GArray *tq = g_array_new(FALSE, FALSE, sizeof(double));
	GArray *tp = g_array_new(FALSE, FALSE, sizeof(double));
	GHashTable *forms = g_hash_table_new(g_str_hash, g_str_equal);
	double qbytes = 0, pbytes = 0;
	unsigned fired = 0, with_quote = 0, quotes = 0, with_payment = 0;
	for (guint i = 0; i < names->len; i++) {
		char *base = g_build_filename(dir, names->pdata[i], NULL);
		char *f1 = g_strconcat(base, ".txt", NULL), *f2 = g_strconcat(base, ".norm", NULL);
		char *text = NULL, *norm = NULL;
		gsize tl = 0, nl = 0;
		if (!g_file_get_contents(f1, &text, &tl, NULL) || !g_file_get_contents(f2, &norm, &nl, NULL)) {
			fprintf(stderr, "%s: unreadable\n", base);
			return 1;
		}
		double t0 = now_us();
		for (int r = 0; r < repeat; r++)
			bec_quotes_free(bec_quotes_find(text, tl, 32));
		double dq = (now_us() - t0) / repeat;
		g_array_append_val(tq, dq);
		qbytes += (double)tl;

		t0 = now_us();
		for (int r = 0; r < repeat; r++)
			(void)bec_phrases_match(ph, norm, nl, NULL);
		double dp = (now_us() - t0) / repeat;
		g_array_append_val(tp, dp);
		pbytes += (double)nl;

		GPtrArray *q = bec_quotes_find(text, tl, 32);
		if (q->len > 0)
			with_quote++;
		quotes += q->len;
		for (guint k = 0; k < q->len; k++) {
			const struct bec_quote *b = q->pdata[k];
			gpointer c = g_hash_table_lookup(forms, b->form);
			g_hash_table_insert(forms, (gpointer)b->form, GUINT_TO_POINTER(GPOINTER_TO_UINT(c) + 1));
		}
		bec_quotes_free(q);

		GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
		bool fires = bec_phrases_match(ph, norm, nl, hits);
		bool pay = false;
		for (guint k = 0; k < hits->len && !pay; k++)
			pay = !g_str_has_prefix(hits->pdata[k], "urgent:");
		if (pay) {
			with_payment++;
			printf("PAYMENT %s:", (char *)names->pdata[i]);
			for (guint k = 0; k < hits->len; k++)
				printf(" [%s]", (char *)hits->pdata[k]);
			printf("\n");
		}
		if (fires) {
			fired++;
			printf("FIRES %s:", (char *)names->pdata[i]);
			for (guint k = 0; k < hits->len; k++)
				printf(" [%s]", (char *)hits->pdata[k]);
			printf("\n");
		}
		g_ptr_array_unref(hits);
		g_free(text);
		g_free(norm);
		g_free(f1);
		g_free(f2);
		g_free(base);
	}
	printf("messages %u, mean body %.0f bytes (NFKC form %.0f)\n", names->len,
	    qbytes / names->len, pbytes / names->len);
	report("bec_quotes_find", tq, qbytes);
	report("bec_phrases_match", tp, pbytes);
	printf("quotes: %u in %u messages;", quotes, with_quote);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, forms);
	while (g_hash_table_iter_next(&it, &k, &v))
		printf(" %s=%u", (char *)k, GPOINTER_TO_UINT(v));
	printf("\npayment-change rule (%u phrases): %u of %u messages (%.2f %%); "
	    "a payment phrase at all: %u\n",
	    bec_phrases_count(ph), fired, names->len, 100.0 * fired / names->len, with_payment);
	g_hash_table_destroy(forms);
	g_array_free(tq, TRUE);
	g_array_free(tp, TRUE);
	g_ptr_array_unref(names);
	bec_phrases_free(ph);
	return 0;
}
