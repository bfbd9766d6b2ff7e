/*
 * sa-match.c - CPU time of src/spam/sa_match.c per message: every pattern
 * of a SpamAssassin rule set in databases (Hyperscan + PCRE2) against the
 * raw messages, compared in the same run with PCRE2 (JIT) pattern by
 * pattern over the same texts (the same translated patterns, the same
 * match/no-match question), and the hits of both checked equal (but for
 * the patterns sa_db refuses).
 *
 *   perl tests/support/sa_match_oracle.pl /usr/share/spamassassin /none 0 1 >pats.txt
 *   bench_sa_match pats.txt bench/.cache/corpus/train/ham bench/.cache/corpus/train/spam
 *
 * pats.txt: the oracle's "P <ok> <flags> <pattern>" lines (one class), or
 * "R <class> <count> <maxhits> <name> <flags> <pattern>" lines (a rule set
 * as the spam module sees it, after ReplaceTags: one class per rule type,
 * per header and modifier).  Prints the databases' figures (compile time,
 * sizes) and per engine the mean and median CPU time per message.
 *
 * Options: -a  every pattern in one class; -c N  databases of at most N patterns per class (0, the
 * default: one database per class, as sa_db_new is given them);
 * -n  without the compile cost bound (hs_cost_max 0; repeat_max stays);
 * -C DIR  through sa_db_new_cached with that cache directory (prints how
 * many databases came from the cache);
 * -v  each database's compile time and size;
 * -p  only each pattern compiled alone: its CPU time, kind and size, one
 * line each (to find what Hyperscan's compiler finds costly).
 */
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "spam/sa_conf.h"
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

/* the patterns sa_db refused: left out of the comparison with PCRE2 */
struct refused {
	bool *of;	/* per pattern */
	const size_t *idx;	/* of the chunk being compiled */
};

static void
on_refused(size_t i, const char *why, void *ud)
{
	struct refused *r = ud;
	(void)why;
	r->of[r->idx[i]] = true;
}

struct cls {
	char *name;
	size_t *idx;	/* indexes into specs */
	size_t n, cap;
};

static void
note_why(size_t i, const char *why, void *ud)
{
	(void)i;
	snprintf(ud, 256, "%s", why);
}

static double
compile_alone(const struct sa_re_spec *sp, const struct sa_match_limits *lim,
    struct sa_db_stats *st, char why[256])
{
	char err[256];
	double t0 = cpu_us();
	why[0] = '\0';
	struct sa_db *db = sa_db_new_limits(sp, 1, lim, note_why, why, err, sizeof err);
	double t1 = cpu_us();
	memset(st, 0, sizeof *st);
	if (db != NULL)
		sa_db_stats(db, st);
	sa_db_free(db);
	return (t1 - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	size_t chunk = 0;
	bool alone = false;
	const char *cache_dir = NULL;
	struct sa_match_limits lim = sa_match_limits_default;
	int opt;
	bool one_class = false, verbose = false;
	while ((opt = getopt(argc, argv, "ac:nC:pv")) != -1) {
		switch (opt) {
		case 'v': verbose = true; break;
		case 'a': one_class = true; break;
		case 'c': chunk = strtoul(optarg, NULL, 10); break;
		case 'n': lim.hs_cost_max = 0; break;
		case 'C': cache_dir = optarg; break;
		case 'p': alone = true; break;
		default: goto usage;
		}
	}
	if (argc - optind < 1 + !alone) {
usage:
		fprintf(stderr, "usage: %s [-a] [-v] [-c CHUNK] [-n] [-C CACHEDIR] [-p] PATTERNS DIR...\n",
		    argv[0]);
		return 2;
	}
	struct stat dst;
	FILE *f;
	char *rules_text = NULL;
	size_t rules_len = 0;
	if (stat(argv[optind], &dst) == 0 && S_ISDIR(dst.st_mode)) {
		/* the rule files as R lines */
		struct sa_ruleset *rs = sa_ruleset_new();
		char why[256];
		if (!sa_conf_load(rs, argv[optind], &sa_parse_defaults, why, sizeof why)) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
		sa_conf_finish(rs);
		FILE *mf = open_memstream(&rules_text, &rules_len);
		for (guint i = 0; mf != NULL && i < rs->rules->len; i++) {
			const struct sa_rule *r = rs->rules->pdata[i];
			if (r->re == NULL || r->type == SA_META || r->type == SA_MIMEHEADER ||
			    (r->type == SA_HEADER && r->exists))
				continue;
			if (r->type == SA_HEADER)
				fprintf(mf, "R\theader:%s:%d", r->hdr ? r->hdr : "", (int)r->mod);
			else
				fprintf(mf, "R\t%s", sa_type_name(r->type));
			fprintf(mf, "\t%d\t%u\t%s\t%s\t%s\n", (r->tflags & SA_TF_MULTIPLE) != 0,
			    r->maxhits, r->name, r->re_flags ? r->re_flags : "", r->re);
		}
		if (mf != NULL)
			fclose(mf);
		sa_ruleset_free(rs);
		f = rules_text != NULL ? fmemopen(rules_text, rules_len, "r") : NULL;
	} else {
		f = fopen(argv[optind], "r");
	}
	if (f == NULL) {
		perror(argv[optind]);
		return 1;
	}
	struct sa_re_spec *specs = NULL;
	const char **names = NULL;
	char **lines = NULL;
	struct cls *cl = NULL;
	size_t np = 0, cap = 0, lcap = 0, ncl = 0;
	char *line = NULL;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *fld[7] = { 0 }, *l = strdup(line), *p = l;
		int nf = 0, want = line[0] == 'R' ? 7 : 4;
		while (nf < want - 1 && (fld[nf] = strsep(&p, "\t")) != NULL)
			nf++;
		fld[nf++] = p;
		if (p == NULL || (line[0] == 'P' && fld[1][0] != '1') ||
		    (line[0] != 'P' && line[0] != 'R')) {
			free(l);	/* only what SpamAssassin takes */
			continue;
		}
		if (np == cap) {
			cap = cap ? cap * 2 : 1024;
			specs = realloc(specs, cap * sizeof *specs);
			names = realloc(names, cap * sizeof *names);
			lines = realloc(lines, cap * sizeof *lines);
		}
		const char *cname = line[0] == 'R' && !one_class ? fld[1] : "all";
		lines[np] = l;
		if (line[0] == 'R') {
			specs[np] = (struct sa_re_spec){ .id = (unsigned)np, .re = fld[6],
				.flags = fld[5], .count = fld[2][0] == '1',
				.maxhits = (unsigned)strtoul(fld[3], NULL, 10) };
			names[np] = fld[4];
		} else {
			specs[np] = (struct sa_re_spec){ .id = (unsigned)np, .re = fld[3],
				.flags = fld[2] };
			names[np] = "";
		}
		size_t c = 0;
		while (c < ncl && strcmp(cl[c].name, cname) != 0)
			c++;
		if (c == ncl) {
			cl = realloc(cl, (ncl + 1) * sizeof *cl);
			cl[ncl++] = (struct cls){ .name = strdup(cname) };
		}
		if (cl[c].n == cl[c].cap)
			cl[c].idx = realloc(cl[c].idx, (cl[c].cap = cl[c].cap ? cl[c].cap * 2 : 64) *
			    sizeof *cl[c].idx);
		cl[c].idx[cl[c].n++] = np;
		np++;
	}
	fclose(f);
	free(rules_text);
	free(line);

	if (alone) {
		double total = 0;
		for (size_t i = 0; i < np; i++) {
			struct sa_db_stats st;
			char why[256];
			double t = compile_alone(&specs[i], &lim, &st, why);
			total += t;
			printf("%.3f\t%s\t%zu\t%s\t%zu\t%.60s%s%s\n", t,
			    st.exact ? "exact" : st.prefiltered ? "prefilter" :
			    st.pcre_only ? "pcre" : "rejected", st.bytes, names[i], strlen(specs[i].re),
			    specs[i].re, why[0] ? "\t" : "", why);
		}
		printf("total %.2f s CPU for %zu patterns compiled one by one\n", total, np);
		return 0;
	}

	/* the databases: per class, chunks of at most chunk */
	struct sa_db **dbs = NULL;
	size_t ndb = 0, fromc = 0;
	struct refused ref = { .of = calloc(np ? np : 1, sizeof(bool)) };
	struct sa_db_stats tot = { 0 };
	char err[256];
	double t0 = cpu_us(), t1;
	for (size_t c = 0; c < ncl; c++) {
		size_t step = chunk ? chunk : cl[c].n;
		for (size_t off = 0; off < cl[c].n; off += step) {
			size_t m = cl[c].n - off < step ? cl[c].n - off : step;
			struct sa_re_spec *sub = malloc(m * sizeof *sub);
			for (size_t k = 0; k < m; k++)
				sub[k] = specs[cl[c].idx[off + k]];
			bool hit = false;
			double d0 = cpu_us();
			ref.idx = cl[c].idx + off;
			struct sa_db *db = cache_dir != NULL ?
			    sa_db_new_cached(sub, m, &lim, cache_dir, on_refused, &ref, &hit, err,
			    sizeof err) :
			    sa_db_new_limits(sub, m, &lim, on_refused, &ref, err, sizeof err);
			free(sub);
			if (db == NULL) {
				fprintf(stderr, "sa_db_new: %s\n", err);
				return 1;
			}
			fromc += hit;
			struct sa_db_stats st;
			sa_db_stats(db, &st);
			if (verbose)
				printf("db %s+%zu: %zu patterns, %.3f s CPU, %zu bytes%s\n", cl[c].name,
				    off, m, (cpu_us() - d0) / 1e6, st.bytes, hit ? " (cache)" : "");
			tot.exact += st.exact;
			tot.prefiltered += st.prefiltered;
			tot.pcre_only += st.pcre_only;
			tot.rejected += st.rejected;
			tot.bytes += st.bytes;
			dbs = realloc(dbs, (ndb + 1) * sizeof *dbs);
			dbs[ndb++] = db;
		}
	}
	t1 = cpu_us();
	printf("patterns %zu in %zu classes, %zu databases (chunk %zu, hs_cost_max %zu%s%s): "
	    "exact %zu, prefiltered %zu, pcre-only %zu, rejected %zu; compile %.2f s CPU; "
	    "Hyperscan databases %.1f MiB\n", np, ncl, ndb, chunk, lim.hs_cost_max,
	    cache_dir ? ", cached in " : "", cache_dir ? cache_dir : "", tot.exact,
	    tot.prefiltered, tot.pcre_only, tot.rejected, (t1 - t0) / 1e6,
	    (double)tot.bytes / 1048576.0);
	if (cache_dir != NULL)
		printf("databases loaded from the cache: %zu of %zu\n", fromc, ndb);

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

	struct sa_scratch *s = sa_scratch_new(dbs, ndb);
	if (s == NULL) {
		fprintf(stderr, "sa_scratch_new failed\n");
		return 1;
	}
	uint32_t *hits = calloc(np, sizeof *hits);
	size_t nmsg = 0, mcap = 0, differ = 0, failed = 0;
	double *a = NULL, *b = NULL, bytes = 0;
	for (int d = optind + 1; d < argc; d++) {
		DIR *dir = opendir(argv[d]);
		if (dir == NULL) {
			perror(argv[d]);
			continue;
		}
		char **fn = NULL;
		size_t nn = 0, ncap = 0;
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (nn == ncap)
				fn = realloc(fn, (ncap = ncap ? ncap * 2 : 256) * sizeof *fn);
			fn[nn++] = strdup(e->d_name);
		}
		closedir(dir);
		qsort(fn, nn, sizeof *fn, cmp_s);
		for (size_t k = 0; k < nn; k++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[d], fn[k]);
			free(fn[k]);
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
			for (size_t k2 = 0; k2 < ndb; k2++)
				failed += !sa_db_scan(dbs[k2], s, text, tl, hits);
			t1 = cpu_us();
			a[nmsg] = t1 - t0;
			t0 = cpu_us();
			for (size_t i = 0; i < np; i++) {
				if (codes[i] == NULL || ref.of[i])
					continue;
				int rc = pcre2_match(codes[i], (PCRE2_SPTR)text, tl, 0, 0, md, mc);
				if ((rc >= 0) != (hits[i] != 0) && differ++ < 20)
					printf("differ: %s %s: PCRE2 %d, sa_db_scan %u\n", names[i],
					    path, rc, hits[i]);
			}
			t1 = cpu_us();
			b[nmsg] = t1 - t0;
			bytes += (double)tl;
			nmsg++;
			free(text);
		}
		free(fn);
	}
	double sa = 0, sb = 0;
	for (size_t i = 0; i < nmsg; i++) {
		sa += a[i];
		sb += b[i];
	}
	if (nmsg > 0) {
		qsort(a, nmsg, sizeof *a, cmp_d);
		qsort(b, nmsg, sizeof *b, cmp_d);
		printf("%zu messages, %.1f KiB mean; (pattern, message) hits that differ: %zu; "
		    "failed scans %zu\n", nmsg, bytes / (double)nmsg / 1024.0, differ, failed);
		printf("sa_db_scan:            mean %8.1f us, median %8.1f us, p99 %8.1f us CPU per message\n",
		    sa / (double)nmsg, a[nmsg / 2], a[nmsg * 99 / 100]);
		printf("PCRE2 pattern by pattern: mean %8.1f us, median %8.1f us, p99 %8.1f us CPU per message\n",
		    sb / (double)nmsg, b[nmsg / 2], b[nmsg * 99 / 100]);
	}
	size_t lh = 0;
	for (size_t k = 0; k < ndb; k++) {
		struct sa_db_stats st;
		sa_db_stats(dbs[k], &st);
		lh += st.limit_hits;
		sa_db_free(dbs[k]);
	}
	printf("limit hits: %zu\n", lh);
	for (size_t i = 0; i < np; i++) {
		pcre2_code_free(codes[i]);
		free(lines[i]);
	}
	for (size_t c = 0; c < ncl; c++) {
		free(cl[c].name);
		free(cl[c].idx);
	}
	free(cl);
	free(ref.of);
	free(dbs);
	free(codes);
	free(specs);
	free(names);
	free(lines);
	free(hits);
	free(a);
	free(b);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_jit_stack_free(js);
	sa_scratch_free(s);
	return differ != 0 || failed != 0;
}
