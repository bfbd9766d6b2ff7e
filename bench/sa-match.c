/*
 * sa-match.c - CPU time of src/spam/sa_match.c per message: every pattern
 * of a SpamAssassin rule set in one database (Hyperscan + PCRE2) against
 * the raw messages, compared in the same run with PCRE2 (JIT) pattern by
 * pattern over the same texts (the same translated patterns, the same
 * match/no-match question), and the hits of both checked equal.
 *
 *   perl tests/support/sa_match_oracle.pl /usr/share/spamassassin /none 0 1 >pats.txt
 *   bench_sa_match pats.txt bench/.cache/corpus/train/ham bench/.cache/corpus/train/spam
 *
 * pats.txt: the oracle's "P <ok> <flags> <pattern>" lines.  Prints the
 * database's figures (compile time, sizes) and per engine the mean and
 * median CPU time per message.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "spam/sa_match.h"

static double
cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	size_t r;
	while (p != NULL && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(p, cap *= 2);
			if (q == NULL) {
				free(p);
				p = NULL;
			} else {
				p = q;
			}
		}
	}
	fclose(f);
	*len = n;
	return p;
}

static int
cmp_s(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PATTERNS DIR...\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	struct sa_re_spec *specs = NULL;
	size_t np = 0, cap = 0, lcap = 0;
	char *line = NULL;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] != 'P' || line[2] != '1')
			continue;	/* only what SpamAssassin takes */
		char *fl = strdup(line + 4), *re = strchr(fl, '\t');
		if (re == NULL)
			continue;
		*re++ = '\0';
		if (np == cap)
			specs = realloc(specs, (cap = cap ? cap * 2 : 1024) * sizeof *specs);
		specs[np] = (struct sa_re_spec){ .id = (unsigned)np, .re = re, .flags = fl };
		np++;
	}
	fclose(f);
	free(line);

	char err[256];
	double t0 = cpu_us();
	struct sa_db *db = sa_db_new(specs, np, NULL, NULL, err, sizeof err);
	double t1 = cpu_us();
	if (db == NULL) {
		fprintf(stderr, "sa_db_new: %s\n", err);
		return 1;
	}
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	printf("patterns %zu: exact %zu, prefiltered %zu, pcre-only %zu, rejected %zu; "
	    "compile %.1f s CPU; Hyperscan database %.1f MiB\n", np, st.exact, st.prefiltered,
	    st.pcre_only, st.rejected, (t1 - t0) / 1e6, (double)st.bytes / 1048576.0);

	/* PCRE2 alone: the same translated patterns, JIT-compiled */
	pcre2_code **codes = calloc(np, sizeof *codes);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_jit_stack *js = pcre2_jit_stack_create(32 * 1024, 1u << 20, NULL);
	pcre2_jit_stack_assign(mc, NULL, js);
	pcre2_set_match_limit(mc, sa_match_limits_default.match_limit);
	pcre2_set_depth_limit(mc, sa_match_limits_default.depth_limit);
	t0 = cpu_us();
	for (size_t i = 0; i < np; i++) {
		unsigned mods;
		char *src = sa_re_translate(specs[i].re, specs[i].flags, 0, &mods, err, sizeof err);
		if (src == NULL)
			continue;
		uint32_t o = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP |
		    (mods & SA_MOD_CASELESS ? PCRE2_CASELESS : 0) |
		    (mods & SA_MOD_DOTALL ? PCRE2_DOTALL : 0) |
		    (mods & SA_MOD_MULTILINE ? PCRE2_MULTILINE : 0) |
		    (mods & SA_MOD_EXTENDED ? PCRE2_EXTENDED : 0);
		int ec;
		PCRE2_SIZE eo;
		codes[i] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, o, &ec, &eo, NULL);
		if (codes[i] != NULL)
			pcre2_jit_compile(codes[i], PCRE2_JIT_COMPLETE);
		free(src);
	}
	t1 = cpu_us();
	printf("PCRE2 alone: compile + JIT %.2f s CPU\n", (t1 - t0) / 1e6);

	struct sa_scratch *s = sa_scratch_new(&db, 1);
	uint32_t *hits = calloc(np, sizeof *hits);
	size_t nmsg = 0, mcap = 0, differ = 0;
	double *a = NULL, *b = NULL, bytes = 0;
	for (int d = 2; d < argc; d++) {
		DIR *dir = opendir(argv[d]);
		if (dir == NULL) {
			perror(argv[d]);
			continue;
		}
		char **names = NULL;
		size_t nn = 0, ncap = 0;
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (nn == ncap)
				names = realloc(names, (ncap = ncap ? ncap * 2 : 256) * sizeof *names);
			names[nn++] = strdup(e->d_name);
		}
		closedir(dir);
		qsort(names, nn, sizeof *names, cmp_s);
		for (size_t k = 0; k < nn; k++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[d], names[k]);
			free(names[k]);
			size_t tl;
			char *text = slurp(path, &tl);
			if (text == NULL)
				continue;
			if (nmsg == mcap) {
				mcap = mcap ? mcap * 2 : 1024;
				a = realloc(a, mcap * sizeof *a);
				b = realloc(b, mcap * sizeof *b);
			}
			memset(hits, 0, np * sizeof *hits);
			t0 = cpu_us();
			sa_db_scan(db, s, text, tl, hits);
			t1 = cpu_us();
			a[nmsg] = t1 - t0;
			size_t nhit = 0, nhit2 = 0;
			for (size_t i = 0; i < np; i++)
				nhit += hits[i] != 0;
			t0 = cpu_us();
			for (size_t i = 0; i < np; i++) {
				if (codes[i] == NULL)
					continue;
				int rc = pcre2_match(codes[i], (PCRE2_SPTR)text, tl, 0, 0, md, mc);
				if (rc >= 0) {
					nhit2++;
					if (hits[i] == 0)
						differ++;
				} else if (hits[i] != 0) {
					differ++;
				}
			}
			t1 = cpu_us();
			b[nmsg] = t1 - t0;
			(void)nhit;
			(void)nhit2;
			bytes += (double)tl;
			nmsg++;
			free(text);
		}
		free(names);
	}
	double sa = 0, sb = 0;
	for (size_t i = 0; i < nmsg; i++) {
		sa += a[i];
		sb += b[i];
	}
	if (nmsg > 0) {
		qsort(a, nmsg, sizeof *a, cmp_d);
		qsort(b, nmsg, sizeof *b, cmp_d);
		printf("%zu messages, %.1f KiB mean; (pattern, message) hits that differ: %zu\n", nmsg,
		    bytes / (double)nmsg / 1024.0, differ);
		printf("sa_db_scan:            mean %8.1f us, median %8.1f us, p99 %8.1f us CPU per message\n",
		    sa / (double)nmsg, a[nmsg / 2], a[nmsg * 99 / 100]);
		printf("PCRE2 pattern by pattern: mean %8.1f us, median %8.1f us, p99 %8.1f us CPU per message\n",
		    sb / (double)nmsg, b[nmsg / 2], b[nmsg * 99 / 100]);
	}
	sa_db_stats(db, &st);
	printf("limit hits: %zu\n", st.limit_hits);
	for (size_t i = 0; i < np; i++) {
		pcre2_code_free(codes[i]);
		free((char *)specs[i].flags);
	}
	free(codes);
	free(specs);
	free(hits);
	free(a);
	free(b);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_jit_stack_free(js);
	sa_scratch_free(s);
	sa_db_free(db);
	return differ != 0;
}
