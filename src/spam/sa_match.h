/*
 * sa_match.h - many SpamAssassin regular expressions matched in one pass
 * (issue 15): Hyperscan for every pattern it can take, with its prefilter
 * mode and a PCRE2 (JIT) confirmation for the ones it cannot take exactly
 * (back-references, lookaround, ...), and PCRE2 alone for what Hyperscan
 * cannot take even as a prefilter.
 *
 * A pattern is SpamAssassin's: Perl syntax as written between the rule's
 * delimiters, with its modifiers ("i", "s", "m", "x"; others are refused
 * with a reason).  Matching is on bytes, as SpamAssassin matches octets
 * (normalize_charset off); a pattern that is not valid for PCRE2 either is
 * refused with PCRE2's message.
 *
 * Perl's reading is kept where the engines differ: "x" strips whitespace
 * (\t \n \v \f \r, space, 0x85) and # comments outside classes and escapes
 * itself (a pattern that also switches x inline goes to PCRE2 alone, with
 * PCRE2_EXTENDED); "{,n}" is Perl 5.34's {0,n}; "\Q" is refused as Perl
 * (and so SpamAssassin) refuses it in a rule; UTF-8 and UCP modes are
 * never turned on (octets, ASCII classes and case folding, as Perl's /d on
 * a byte string).
 *
 * Hostile patterns: each pattern's length is bounded, Hyperscan refuses
 * what its compiler cannot bound, and every PCRE2 match runs under match,
 * depth and heap limits and a bounded JIT stack (struct sa_match_limits).
 * A match that reaches a limit counts as no match (for a counting pattern:
 * the matches found before it stay) and is counted in sa_db_stats.
 *
 * A database is built once per configuration and shared read-only by all
 * threads; each thread scans with its own scratch space.
 */
#ifndef MAMORI_SPAM_SA_MATCH_H
#define MAMORI_SPAM_SA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa_re_spec {
	unsigned id;		/* the caller's (an index into its hits[]) */
	const char *re;		/* as written between the delimiters */
	const char *flags;	/* as written after them ("" for none) */
	bool count;		/* count the matches (tflags multiple), not
				 * only whether there is one */
	unsigned maxhits;	/* with count: at most this many (0: no bound) */
};

/* The limits of a database (see sa_match_limits_default). */
struct sa_match_limits {
	size_t pattern_max;	/* longest pattern accepted, in bytes */
	uint32_t match_limit;	/* PCRE2 match limit per match attempt */
	uint32_t depth_limit;	/* PCRE2 backtracking depth limit */
	uint32_t heap_limit_kib; /* PCRE2 interpreter heap, KiB */
	size_t jit_stack_max;	/* PCRE2 JIT stack per scratch, bytes */
	size_t repeat_max;	/* bounded repeats weigh (nested: the
				 * product of their bounds, in sequence: the
				 * sum) at most this for Hyperscan, whose
				 * compile time grows with it; heavier: PCRE2
				 * alone (0: no bound) */
	size_t hs_cost_max;	/* a pattern whose estimated Hyperscan compile
				 * cost (sa_re_hs_cost) is over this is not
				 * given to Hyperscan as written: its
				 * prefilter gets it with the bounded repeats
				 * widened to * or + (PCRE2 confirms), or
				 * PCRE2 alone when even that is refused
				 * (0: no bound) */
};
extern const struct sa_match_limits sa_match_limits_default;

/* Called for a pattern left out of the database (refused): spec index i
 * and why. */
typedef void (*sa_reject_fn)(size_t i, const char *why, void *ud);

struct sa_db;
struct sa_scratch;

/*
 * The database of specs[0..n) (NULL with a message in err only on a
 * failure of the whole: out of memory, Hyperscan unusable on this CPU).
 * Patterns refused one by one are reported to rejected (may be NULL) and
 * left out.  With n == 0, an empty database that matches nothing.
 */
struct sa_db *sa_db_new(const struct sa_re_spec *specs, size_t n, sa_reject_fn rejected,
    void *ud, char *err, size_t errlen);
/* The same with explicit limits (lim NULL: the defaults). */
struct sa_db *sa_db_new_limits(const struct sa_re_spec *specs, size_t n,
    const struct sa_match_limits *lim, sa_reject_fn rejected, void *ud, char *err,
    size_t errlen);
void sa_db_free(struct sa_db *db);

/*
 * The cache key of a database: the SHA-256 (hex, NUL-terminated) of all it
 * depends on: each spec (id, re, flags, count, maxhits), the limits (lim
 * NULL: the defaults), Hyperscan's version and the platform it compiles
 * for, PCRE2's version and the cache file format.
 */
void sa_db_key(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    char out[65]);

/*
 * sa_db_new_limits through a cache of compiled databases on disk: with
 * cache_dir NULL or "", sa_db_new_limits itself.  Else the database is
 * loaded from cache_dir/<key>.hsdb when that file is there and valid (its
 * own header: magic, format, key, lengths, each spec's kind or refusal
 * with its reason, a SHA-256 of the rest checked before Hyperscan reads
 * it; a file not valid is removed); rejected is then called as the
 * compilation would call it, and the PCRE2 side is compiled again from the
 * specs.  Otherwise the database is compiled and the file written
 * atomically (a temporary file, fsync, rename; mode 0600, cache_dir
 * created 0700 when missing); a cache that cannot be read or written is
 * no error, only no cache.  *from_cache (may be NULL) tells which.
 */
struct sa_db *sa_db_new_cached(const struct sa_re_spec *specs, size_t n,
    const struct sa_match_limits *lim, const char *cache_dir, sa_reject_fn rejected, void *ud,
    bool *from_cache, char *err, size_t errlen);

/* How the database was built, for check-config and the benchmarks. */
struct sa_db_stats {
	size_t exact;		/* patterns Hyperscan matches exactly */
	size_t prefiltered;	/* Hyperscan as a prefilter, PCRE2 confirms */
	size_t pcre_only;	/* PCRE2 alone */
	size_t counted;		/* of the prefiltered: Hyperscan counts the
				 * matches of the group the pattern repeats,
				 * PCRE2 looks when there are enough */
	size_t rejected;
	size_t bytes;		/* Hyperscan's database size */
	size_t limit_hits;	/* PCRE2 matches stopped by a limit, so far
				 * (all scans of this database) */
};
void sa_db_stats(const struct sa_db *db, struct sa_db_stats *out);

/* Scratch space for one thread that scans any of dbs[0..n) (NULL on
 * failure). */
struct sa_scratch *sa_scratch_new(struct sa_db *const *dbs, size_t n);
void sa_scratch_free(struct sa_scratch *s);

/*
 * Scan text[0..len) with db: for each pattern that matches, hits[id] +=
 * the number of its matches (non-overlapping, left to right, as Perl's
 * m//g counts them) when it counts, else hits[id] is set to at least 1.
 * A counting pattern's hits[id] never exceeds its maxhits (hits[] may
 * carry counts from earlier texts: the bound is on the sum, as
 * SpamAssassin's maxhits is per rule over all the lines).  s must have
 * been made for db.  Returns false when the scan failed (the hits may be
 * partial): an internal error, or len over 4 GiB (Hyperscan's bound).
 */
bool sa_db_scan(const struct sa_db *db, struct sa_scratch *s, const char *text, size_t len,
    uint32_t *hits);

/*
 * The pattern as both engines read it (what sa_db_new compiles; exposed
 * for the tests and check-config): re and flags translated as described
 * above, malloc'd, NUL-terminated.  *mods gets SA_MOD_* bits; with
 * SA_MOD_EXTENDED set the pattern was not stripped and is for PCRE2 alone
 * (PCRE2_EXTENDED).  NULL with a reason in why when refused (or out of
 * memory).
 */
enum {
	SA_MOD_CASELESS = 1u << 0,	/* i */
	SA_MOD_DOTALL = 1u << 1,	/* s */
	SA_MOD_MULTILINE = 1u << 2,	/* m */
	SA_MOD_EXTENDED = 1u << 3,	/* x, not stripped */
};
char *sa_re_translate(const char *re, const char *flags, size_t pattern_max, unsigned *mods,
    char *why, size_t whylen);

/* The estimated cost of compiling a translated pattern with Hyperscan, in
 * the unit of sa_match_limits.hs_cost_max (see sa_match.c). */
size_t sa_re_hs_cost(const char *pattern);

#endif
