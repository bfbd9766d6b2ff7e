/*
 * sa_meta.h - SpamAssassin meta rule expressions (issue 15): compiled once
 * per configuration, evaluated per message over the other rules' hits.
 *
 * The expression language is SpamAssassin's (Conf/Parser.pm, Check.pm):
 * rule names (their hit counts: 0 or 1, or more for tflags multiple),
 * non-negative decimal numbers (integers and decimals such as 0.5),
 * unary ! and -, binary * / + - (arithmetic), < <= > >= == != (comparison,
 * 1 or 0), && and || (1 or 0, not short-circuited: no side effects),
 * parentheses.  Precedence and associativity as in Perl.  A meta rule hits
 * when its value is non-zero.  A name that is no rule of the set (a rule
 * of a plugin mamori does not implement, a typo) makes the whole meta rule
 * unusable: sa_meta_compile() fails with the reason, as SpamAssassin 4
 * disables a meta rule with an undefined dependency.
 *
 * Hostile input: expressions of at most SA_META_LEN_MAX bytes and
 * SA_META_DEPTH_MAX nested parentheses or operators; division by zero
 * gives 0 (SpamAssassin's eval would die and the rule not hit).
 */
#ifndef MAMORI_SPAM_SA_META_H
#define MAMORI_SPAM_SA_META_H

#include <stdbool.h>
#include <stddef.h>

#define SA_META_LEN_MAX 16384
#define SA_META_DEPTH_MAX 256

struct sa_meta;

/* The index of the rule named name[0..len) in the set the expression
 * reads, or -1 when there is none. */
typedef int (*sa_meta_lookup)(const char *name, size_t len, void *ud);

/* NULL with a message in err (e.g. "undefined rule __FOO", "syntax error
 * at byte 12") when the expression cannot be used. */
struct sa_meta *sa_meta_compile(const char *expr, sa_meta_lookup lookup, void *ud,
    char *err, size_t errlen);
void sa_meta_free(struct sa_meta *m);

/* The rule indices the expression reads (each once), for the evaluation
 * order and for cycles: *n of them, owned by m. */
const int *sa_meta_deps(const struct sa_meta *m, size_t *n);

/* The value of the expression, hits[i] being rule i's hit count. */
double sa_meta_eval(const struct sa_meta *m, const double *hits);

/*
 * An order in which every meta rule can be evaluated after the rules it
 * reads: metas[0..n) are the compiled expressions of rules
 * meta_rule[0..n) (indices in the same space as the deps); writes the
 * order (indices into metas) to order[0..n) and returns how many it could
 * order: the rest (in order[k..n)) are in a cycle or read one, and must
 * not hit.
 */
size_t sa_meta_order(struct sa_meta *const *metas, const int *meta_rule, size_t n,
    size_t nrules, size_t *order);

#endif
