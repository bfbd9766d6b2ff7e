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
void sa_db_free(struct sa_db *db);

/* How the database was built, for check-config and the benchmarks. */
struct sa_db_stats {
	size_t exact;		/* patterns Hyperscan matches exactly */
	size_t prefiltered;	/* Hyperscan as a prefilter, PCRE2 confirms */
	size_t pcre_only;	/* PCRE2 alone */
	size_t rejected;
	size_t bytes;		/* Hyperscan's database size */
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
 * A counting pattern's hits[id] never exceeds its maxhits.  Returns
 * false when the scan failed (the hits may be partial): an internal error.
 */
bool sa_db_scan(const struct sa_db *db, struct sa_scratch *s, const char *text, size_t len,
    uint32_t *hits);

#endif
