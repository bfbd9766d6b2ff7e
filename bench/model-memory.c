/*
 * model-memory.c - the memory of the spam classifier's in-memory model
 * (src/spam/model.c) for N distinct features, and the time to load it
 * from the store (issue 14: 1 M features in at most 64 MB).
 *
 * usage: bench_model_memory [N] (default 1000000)
 *
 * Writes N features, each with a spam and a ham count, into a fresh
 * SQLite store in a temporary directory (as `mamori learn` would: store
 * counters "s"/"h" + 16 hex digits, in batches), then loads the model
 * and prints the growth of the process's resident memory (VmRSS of
 * /proc/self/status, before and after the load) and the load's CPU time.
 * The store's own memory (SQLite's page cache) is released before the
 * first reading by closing and reopening it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "mamori/store.h"
#include "spam/model.h"
#include "store/sqlite.h"

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	char err[512];
	GError *ge = NULL;
	char *dir = g_dir_make_tmp("bench_model_memory-XXXXXX", &ge);

	if (dir == NULL) {
		fprintf(stderr, "bench_model_memory: %s\n", ge->message);
		return 2;
	}
	struct mamori_store *st = store_sqlite_open(dir, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "bench_model_memory: %s\n", err);
		return 2;
	}
	/* N features: keys from a fixed sequence (an LCG, full 64 bits) */
	enum { BATCH = 50000 };
	char (*names)[18] = g_malloc(sizeof(*names) * 2 * BATCH);
	const char **keys = g_new(const char *, 2 * BATCH + 3);
	int64_t *deltas = g_new(int64_t, 2 * BATCH + 3);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t done = 0; done < n;) {
		size_t k = 0;
		for (size_t i = 0; i < BATCH && done < n; i++, done++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			snprintf(names[k], 18, "s%016llx", (unsigned long long)x);
			keys[k] = names[k];
			deltas[k++] = 1 + (int64_t)(x >> 60);
			snprintf(names[k], 18, "h%016llx", (unsigned long long)x);
			keys[k] = names[k];
			deltas[k++] = 1 + (int64_t)((x >> 56) & 15);
		}
		if (mamori_store_counter_add(st, SPAM_NS, keys, deltas, k, NULL, err,
		    sizeof err) != MAMORI_STORE_OK) {
			fprintf(stderr, "bench_model_memory: %s\n", err);
			return 2;
		}
	}
	const char *tot[] = { "#spam", "#ham", "#gen" };
	int64_t one[] = { 1000, 1000, 1 };
	mamori_store_counter_add(st, SPAM_NS, tot, one, 3, NULL, err, sizeof err);
	g_free(names);
	g_free(keys);
	g_free(deltas);
	mamori_store_close(st);
	st = store_sqlite_open(dir, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "bench_model_memory: %s\n", err);
		return 2;
	}

	long before = rss_kib();
	double c0 = cpu_s();
	struct spam_model *m = NULL;
	struct spam_load_opts lo = spam_load_defaults;
	lo.max_features = n + 1;
	if (!spam_model_load(st, &lo, &m, err, sizeof err)) {
		fprintf(stderr, "bench_model_memory: %s\n", err);
		return 2;
	}
	double c1 = cpu_s();
	mamori_store_close(st);	/* SQLite's cache is not the model's */
	long after = rss_kib();
	printf("features: %zu loaded\n", spam_model_nfeatures(m));
	printf("model memory (VmRSS growth, store closed): %.1f MiB (%.1f bytes a feature)\n",
	    (double)(after - before) / 1024.0, (double)(after - before) * 1024.0 / (double)n);
	printf("load from the store: %.2f s CPU (%.2f µs a feature)\n", c1 - c0,
	    (c1 - c0) * 1e6 / (double)n);
	spam_model_unref(m);
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	int rc = system(cmd);
	g_free(cmd);
	g_free(dir);
	return rc == 0 ? 0 : 2;
}
