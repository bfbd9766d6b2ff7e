/*
 * url-feeds.c - the URL feeds index (src/url/feeds.c) with a large feed:
 * load CPU time, memory, and the cost of a lookup (bench/url-feeds.sh).
 *
 * usage: bench_url_feeds --generate FILE N [SEED]
 *            write N entries, 70 % hosts and 30 % URLs, random-looking and
 *            the same for the same SEED (a few IPv4 hosts, a few IDNs,
 *            public suffixes of two labels)
 *        bench_url_feeds [-r RUNS] [-l LOOKUPS] FILE [SEED]
 *            load FILE RUNS times (CPU time, min and median); the memory
 *            the first load added (VmRSS after - before; VmHWM - VmRSS
 *            before, the peak during the load); then LOOKUPS URLs, half
 *            listed (a subdomain of a listed host, or a listed URL with
 *            its host in upper case) and half not, url_parse()d outside
 *            the timing, each url_feeds_match()ed: ns per lookup, min and
 *            median over RUNS passes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "url/feeds.h"
#include "url/url.h"

/* --- the generator --------------------------------------------------------- */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
label(uint64_t *s, GString *g, unsigned lo, unsigned hi)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned n = lo + (unsigned)(rnd(s) % (hi - lo + 1));
	for (unsigned i = 0; i < n; i++) {
		if (i > 0 && i + 1 < n && rnd(s) % 16 == 0)
			g_string_append_c(g, '-');
		else
			g_string_append_c(g, cs[rnd(s) % (i == 0 ? 26 : 36)]);
	}
}

static void
host(uint64_t *s, GString *g)
{
	static const char *const tlds[] = {
		"com", "com", "com", "net", "org", "ru", "cn", "info", "xyz", "top",
		"co.jp", "co.uk", "com.br", "de", "jp", "online", "site", "github.io",
	};
	static const char *const idn[] = { "пример", "ドメイン", "münchen", "例え", "δοκιμή" };
	uint64_t k = rnd(s) % 100;
	if (k < 5) {
		g_string_append_printf(g, "%u.%u.%u.%u", (unsigned)(rnd(s) % 223 + 1),
		    (unsigned)(rnd(s) % 256), (unsigned)(rnd(s) % 256), (unsigned)(rnd(s) % 254 + 1));
		return;
	}
	if (k < 35) {
		label(s, g, 2, 8);
		g_string_append_c(g, '.');
	}
	if (k == 99)
		g_string_append(g, idn[rnd(s) % G_N_ELEMENTS(idn)]);
	label(s, g, 4, 14);
	g_string_append_printf(g, ".%s", tlds[rnd(s) % G_N_ELEMENTS(tlds)]);
}

/* entry i of the sequence of seed: a host, or 3 in 10 a URL; *is_url */
static void
entry(uint64_t *s, GString *g, bool *is_url)
{
	g_string_truncate(g, 0);
	*is_url = rnd(s) % 10 < 3;
	if (!*is_url) {
		host(s, g);
		return;
	}
	g_string_append(g, rnd(s) % 2 ? "https://" : "http://");
	host(s, g);
	unsigned parts = 1 + (unsigned)(rnd(s) % 3);
	for (unsigned i = 0; i < parts; i++) {
		g_string_append_c(g, '/');
		label(s, g, 3, 10);
	}
	if (rnd(s) % 3 == 0)
		g_string_append_printf(g, ".php?id=%u", (unsigned)(rnd(s) % 100000));
}

static int
generate(const char *path, size_t n, uint64_t seed)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL) {
		perror(path);
		return 2;
	}
	fprintf(fp, "# bench/url-feeds.c: %zu entries, seed %llu\n", n, (unsigned long long)seed);
	GString *g = g_string_new(NULL);
	bool is_url;
	for (size_t i = 0; i < n; i++) {
		entry(&seed, g, &is_url);
		fprintf(fp, "%s\n", g->str);
	}
	g_string_free(g, TRUE);
	if (fclose(fp) != 0) {
		perror(path);
		return 2;
	}
	return 0;
}

/* --- measuring ------------------------------------------------------------- */

static double
cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* VmRSS or VmHWM of /proc/self/status, in KiB */
static long
status_kib(const char *key)
{
	FILE *fp = fopen("/proc/self/status", "r");
	if (fp == NULL)
		return -1;
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, fp) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(fp);
	return v;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
min_median(double *v, size_t n, double *min, double *med)
{
	qsort(v, n, sizeof *v, cmp_double);
	*min = v[0];
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "--generate") == 0)
		return generate(argv[2], strtoul(argv[3], NULL, 10),
		    argc > 4 ? strtoull(argv[4], NULL, 10) : 1);

	size_t runs = 5, lookups = 1000000;
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-r") == 0)
			runs = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-l") == 0)
			lookups = strtoul(argv[i + 1], NULL, 10);
	}
	if (i >= argc || runs == 0 || lookups < 2) {
		fprintf(stderr, "usage: bench_url_feeds [-r RUNS] [-l LOOKUPS] FILE [SEED]\n"
		    "       bench_url_feeds --generate FILE N [SEED]\n");
		return 2;
	}
	const char *path = argv[i];
	uint64_t seed = i + 1 < argc ? strtoull(argv[i + 1], NULL, 10) : 1;
	struct url_feed_spec spec = { .name = "bench", .path = path };
	char err[512];

	/* the loads: the first one's memory, every one's CPU time */
	double *t = g_new(double, runs);
	long rss0 = status_kib("VmRSS");
	double c0 = cpu_s();
	struct url_feeds *f = url_feeds_load(&spec, 1, err, sizeof err);
	t[0] = cpu_s() - c0;
	if (f == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	long rss1 = status_kib("VmRSS"), hwm = status_kib("VmHWM");
	for (size_t r = 1; r < runs; r++) {
		c0 = cpu_s();
		struct url_feeds *g = url_feeds_load(&spec, 1, err, sizeof err);
		t[r] = cpu_s() - c0;
		url_feeds_free(g);
	}
	char *sum = url_feeds_summary(f);
	printf("%s", sum);
	g_free(sum);
	double mn, md;
	min_median(t, runs, &mn, &md);
	printf("load: %zu entries, CPU s min %.3f median %.3f (%zu runs)\n", url_feeds_count(f), mn,
	    md, runs);
	printf("memory: resident +%.1f MiB after the load, peak +%.1f MiB during it\n",
	    (double)(rss1 - rss0) / 1024, (double)(hwm - rss0) / 1024);

	/* the lookups: even ones listed, odd ones not (another seed), in
	 * batches: each URL parsed, then the batch matched (the URLs in the
	 * caches, as in a scan that has just parsed them; the table not) */
	enum { BATCH = 256 };
	struct url *us[BATCH];
	char *strs[BATCH];
	GString *g = g_string_new(NULL), *q = g_string_new(NULL);
	double *lt = g_new(double, runs), parse_s = 0;
	size_t hits = 0, hits_even = 0, parsed = 0;
	bool is_url;
	for (size_t r = 0; r < runs; r++) {
		uint64_t s_hit = seed, s_miss = seed ^ 0x5eed5eed5eedull;
		double match_s = 0;
		hits = hits_even = parsed = 0;
		parse_s = 0;
		for (size_t k0 = 0; k0 < lookups; k0 += BATCH) {
			size_t nb = MIN((size_t)BATCH, lookups - k0);
			for (size_t j = 0; j < nb; j++) {
				size_t k = k0 + j;
				entry(k % 2 == 0 ? &s_hit : &s_miss, g, &is_url);
				g_string_truncate(q, 0);
				if (is_url) {
					/* the host in upper case: the same URL in normal form */
					const char *h = strstr(g->str, "://") + 3;
					const char *e = strchr(h, '/');
					g_string_append_len(q, g->str, h - g->str);
					for (const char *p = h; p < e; p++)
						g_string_append_c(q, g_ascii_toupper(*p));
					g_string_append(q, e);
				} else {
					g_string_printf(q, "https://%s%s/login.php?u=%zu",
					    g_ascii_isdigit(g->str[0]) ? "" : "www.", g->str, k);
				}
				strs[j] = g_strdup(q->str);
			}
			c0 = cpu_s();
			for (size_t j = 0; j < nb; j++)
				us[j] = url_parse(strs[j], strlen(strs[j]));
			parse_s += cpu_s() - c0;
			for (size_t j = 0; j < nb; j++) {
				parsed += us[j] != NULL;
				g_free(strs[j]);
			}
			c0 = cpu_s();
			for (size_t j = 0; j < nb; j++) {
				const char *e;
				if (us[j] != NULL && url_feeds_match(f, us[j], &e) != NULL) {
					hits++;
					hits_even += (k0 + j) % 2 == 0;
				}
			}
			match_s += cpu_s() - c0;
			for (size_t j = 0; j < nb; j++)
				url_free(us[j]);
		}
		lt[r] = match_s * 1e9 / (double)lookups;
	}
	g_string_free(g, TRUE);
	g_string_free(q, TRUE);
	min_median(lt, runs, &mn, &md);
	printf("lookups: %zu URLs (%zu parsed), %zu matched (%zu of the %zu listed ones)\n",
	    lookups, parsed, hits, hits_even, (lookups + 1) / 2);
	printf("lookup: ns per URL min %.1f median %.1f (%zu passes); url_parse: %.0f ns per URL\n",
	    mn, md, runs, parse_s * 1e9 / (double)lookups);

	g_free(lt);
	g_free(t);
	url_feeds_free(f);
	return 0;
}
