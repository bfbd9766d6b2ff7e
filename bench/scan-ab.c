/*
 * scan-ab.c - what one configuration costs against another, per message
 * scanned, measured in one process: both engines are built once, then
 * every message is scanned by both, one right after the other (which one
 * first alternates), each scan timed in thread CPU time.  The machine's
 * load (a shared host, other jobs) hits both scans of a pair alike, so the
 * difference stays readable where two separate runs over a corpus vary by
 * more than the difference itself (bench/bayes-speed.sh,
 * bench/sa-rules-speed.sh).
 *
 * usage: bench_scan_ab [-r ROUNDS] [-s STATE] [-q] CONF_A CONF_B DIR|FILE...
 *   CONF_A, CONF_B  configuration files ("-": the built-in defaults)
 *   -s STATE        the state directory (mamori scan --state) of both
 *   -r ROUNDS       passes over all messages (default 5): min and median
 *                   over the rounds.  Each round builds both engines
 *                   anew, in turns A first and B first (the engine built
 *                   second is measurably faster or slower: other
 *                   memory), and first scans the first message with each,
 *                   untimed (what an engine does once: the model's load,
 *                   tables built at their first use); use an even count
 *   -q              no line per round
 *
 * Prints per round and then as min and median over the rounds: µs of CPU
 * per message with A, with B, and B - A (the sum over the messages of
 * each pair's difference).  No DNS is asked: both engines are given the
 * resolver 127.0.0.1:1 (nothing listens; an answer-less lookup fails at
 * once), and no envelope (no client IP: no SPF, no DNS lists).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>

#include "mamori/mamori.h"
#include "store/store.h"

static double
thread_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

struct msg {
	char *data;
	gsize len;
};

static void
add_path(const char *path, GArray *out, unsigned depth)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "bench_scan_ab: %s: %s\n", path, g_strerror(errno));
		exit(2);
	}
	if (S_ISDIR(sb.st_mode)) {
		if (depth > 8)
			return;
		GDir *d = g_dir_open(path, 0, NULL);
		if (d == NULL)
			return;
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		const char *n;
		while ((n = g_dir_read_name(d)) != NULL)
			g_ptr_array_add(names, g_build_filename(path, n, NULL));
		g_dir_close(d);
		g_ptr_array_sort(names, (GCompareFunc)(void (*)(void))g_ascii_strcasecmp);
		for (guint i = 0; i < names->len; i++)
			add_path(names->pdata[i], out, depth + 1);
		g_ptr_array_free(names, TRUE);
		return;
	}
	struct msg m = { 0 };
	GError *err = NULL;
	if (!g_file_get_contents(path, &m.data, &m.len, &err)) {
		fprintf(stderr, "bench_scan_ab: %s\n", err->message);
		exit(2);
	}
	g_array_append_val(out, m);
}

static struct mamori_engine *
engine(const char *path, struct mamori_store *st)
{
	char err[1024];
	struct mamori_config *cfg;
	struct mamori_engine *eng;

	if (strcmp(path, "-") == 0) {
		cfg = mamori_config_new_default();
	} else if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "bench_scan_ab: %s\n", err);
		exit(2);
	}
	mamori_config_set_dns_server(cfg, "127.0.0.1:1");
	if (mamori_engine_new(cfg, &eng, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "bench_scan_ab: %s: %s\n", path, err);
		exit(2);
	}
	mamori_engine_set_store(eng, st);
	return eng;
}

/* one scan's thread CPU time, µs */
static double
scan_us(const struct mamori_engine *eng, const struct msg *m)
{
	struct mamori_result *res = NULL;
	double t0 = thread_us();
	enum mamori_status s = mamori_scan(eng, (const uint8_t *)m->data, m->len, NULL, &res);
	double t = thread_us() - t0;
	if (s != MAMORI_OK && s != MAMORI_ERR_INTERNAL) {
		fprintf(stderr, "bench_scan_ab: scan failed (%d)\n", (int)s);
		exit(2);
	}
	mamori_result_free(res);
	return t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

int
main(int argc, char **argv)
{
	unsigned rounds = 5;
	const char *state = NULL;
	bool quiet = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rounds = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "-q") == 0)
			quiet = true;
		else
			break;
	}
	if (argc - i < 3 || rounds == 0) {
		fprintf(stderr, "usage: bench_scan_ab [-r ROUNDS] [-s STATE] [-q] CONF_A CONF_B DIR|FILE...\n");
		return 2;
	}
	const char *conf_a = argv[i], *conf_b = argv[i + 1];
	GArray *msgs = g_array_new(FALSE, TRUE, sizeof(struct msg));
	for (int k = i + 2; k < argc; k++)
		add_path(argv[k], msgs, 0);
	if (msgs->len == 0) {
		fprintf(stderr, "bench_scan_ab: no messages\n");
		return 2;
	}

	struct mamori_store *st = NULL;
	if (state != NULL) {
		char err[1024];
		st = store_open(state, err, sizeof err);
		if (st == NULL) {
			fprintf(stderr, "bench_scan_ab: --state %s: %s\n", state, err);
			return 2;
		}
	}
	double *ra = g_new(double, rounds), *rb = g_new(double, rounds), *rd = g_new(double, rounds);
	size_t n = msgs->len;

	for (unsigned r = 0; r < rounds; r++) {
		/* both engines built anew each round, in the other order than
		 * the round before: the one built second gets other memory
		 * (measured: up to 40 µs a message between two engines of the
		 * same configuration) */
		struct mamori_engine *ea, *eb;
		if (r % 2 == 0) {
			ea = engine(conf_a, st);
			eb = engine(conf_b, st);
		} else {
			eb = engine(conf_b, st);
			ea = engine(conf_a, st);
		}
		/* what each engine does once (the model's load, tables built
		 * at the first use) on the first message, untimed */
		(void)scan_us(ea, &g_array_index(msgs, struct msg, 0));
		(void)scan_us(eb, &g_array_index(msgs, struct msg, 0));
		double sa = 0.0, sb = 0.0;
		for (size_t k = 0; k < n; k++) {
			const struct msg *m = &g_array_index(msgs, struct msg, k);
			if ((k + r) % 2 == 0) {
				sa += scan_us(ea, m);
				sb += scan_us(eb, m);
			} else {
				sb += scan_us(eb, m);
				sa += scan_us(ea, m);
			}
		}
		ra[r] = sa / (double)n;
		rb[r] = sb / (double)n;
		rd[r] = (sb - sa) / (double)n;
		if (!quiet)
			printf("round %u: A %.1f µs, B %.1f µs, B - A %.1f µs CPU per message\n",
			    r + 1, ra[r], rb[r], rd[r]);
		mamori_engine_free(ea);
		mamori_engine_free(eb);
	}
	double mina = ra[0], minb = rb[0], mind = rd[0];
	for (unsigned r = 1; r < rounds; r++) {
		mina = MIN(mina, ra[r]);
		minb = MIN(minb, rb[r]);
		mind = MIN(mind, rd[r]);
	}
	printf("%zu messages, %u rounds: µs CPU per message, min and median\n", n, rounds);
	printf("A %s: %.1f %.1f\n", conf_a, mina, median(ra, rounds));
	printf("B %s: %.1f %.1f\n", conf_b, minb, median(rb, rounds));
	printf("B - A: %.1f %.1f\n", mind, median(rd, rounds));

	if (st != NULL)
		store_close(st);
	for (size_t k = 0; k < n; k++)
		g_free(g_array_index(msgs, struct msg, k).data);
	g_array_free(msgs, TRUE);
	g_free(ra);
	g_free(rb);
	g_free(rd);
	return 0;
}
