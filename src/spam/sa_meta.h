/*
 * sa_meta.h - SpamAssassin meta rule expressions (issue 15): compiled once
 * per configuration, evaluated per message over the other rules' hits.
 *
 * The expression language is SpamAssassin's (4.0.1: Conf/Parser.pm
 * is_meta_valid() and compile_meta_rules(), Constants.pm
 * ARITH_EXPRESSION_LEXER, Plugin/Check.pm do_meta_tests()): rule names
 * (their hit counts: 0 or 1, or more for tflags multiple), non-negative
 * decimal numbers (digits, optionally '.' and digits: 2, 0.5), unary ! -
 * and +, binary * / + - (arithmetic), < <= > >= == != (comparison, 1 or
 * 0), ^ (Perl's bitwise exclusive or on the integer parts), && and ||,
 * the conditional c ? a : b, parentheses.  Precedence, associativity and
 * values as in Perl 5.36, which evaluates SpamAssassin's rewritten
 * expression:
 *   - && and || give the deciding operand's value (2 || 1 is 2, 0 && x is
 *     0) and do not evaluate the other one;
 *   - comparisons chain as in Perl >= 5.32 (a < b <= c is a < b && b <= c,
 *     b read once; equally == and !=);
 *   - a meta rule hits when its value is non-zero (Perl truth; NaN is
 *     true);
 *   - a division by zero ends the evaluation with 0 (Perl dies, the rule
 *     does not hit), and an expression that divides by zero when every
 *     rule is 0 is refused at compile time, as is_meta_valid() refuses it
 *     ("division by zero possible"): A / B is refused, A / 2 is not;
 *   - an expression that is only empty parentheses, "()", is a rule
 *     declaration and is 0 (SpamAssassin bug 8061); empty parentheses
 *     anywhere else are refused.
 * Tokens as ARITH_EXPRESSION_LEXER cuts them: a run of [-+0-9.] is one
 * token and must be a number or one or two of + and - ("A > -1" and
 * "A+1" are refused by SpamAssassin too; "A + -B" is fine); a name is
 * [A-Za-z_][A-Za-z0-9_]{0,127}.  Where SpamAssassin's lexer silently skips
 * a character it does not know (& | = , ~ quotes, ...) or passes Perl
 * operators on (".", "++", "--"), this compiler refuses the expression:
 * none of these has a meaning in a meta rule.  rules_matching(GLOB) is
 * the configuration loader's to expand before compiling (SpamAssassin
 * substitutes it textually before lexing), as is local_tests_only (a name
 * to the lookup).
 *
 * Undefined names.  SpamAssassin 4.0.1 reads a name that is no rule of its
 * configuration (a rule of a plugin that is not loaded, a typo) as 0 and
 * still evaluates the meta rule (do_meta_tests() sets it to 0 when the
 * message is finished).  The lookup says which case a name is: an index
 * (a rule mamori evaluates), SA_META_ZERO (no rule of the configuration:
 * read as 0, as SpamAssassin does), or -1 (a rule SpamAssassin would have
 * but mamori cannot compute, e.g. an unsupported eval: the meta rule is
 * unusable and sa_meta_compile() fails with "undefined rule NAME").
 *
 * Evaluation is non-recursive: the expression is compiled to a small
 * bytecode over a value stack of bounded depth, with forward jumps only.
 *
 * Hostile input: expressions of at most SA_META_LEN_MAX bytes and
 * SA_META_DEPTH_MAX levels of nesting (parentheses, unary operators, the
 * right operand of a binary operator, the branches of ?:).
 */
#ifndef MAMORI_SPAM_SA_META_H
#define MAMORI_SPAM_SA_META_H

#include <stdbool.h>
#include <stddef.h>

#define SA_META_LEN_MAX 16384
#define SA_META_DEPTH_MAX 256
/* SpamAssassin's longest rule name (Constants.pm RULENAME_RE). */
#define SA_META_NAME_MAX 128

/* What a lookup returns for a name that no rule of the configuration has:
 * it reads as 0 (see "Undefined names" above). */
#define SA_META_ZERO (-2)

struct sa_meta;

/* The index (>= 0) of the rule named name[0..len) in the set the
 * expression reads, SA_META_ZERO when the configuration has no such rule,
 * or -1 when the rule exists but cannot be computed (compilation fails). */
typedef int (*sa_meta_lookup)(const char *name, size_t len, void *ud);

/* NULL with a message in err (e.g. "undefined rule __FOO at byte 3",
 * "syntax error at byte 12: ...", byte offsets from 0) when the
 * expression cannot be used.  expr is NUL-terminated. */
struct sa_meta *sa_meta_compile(const char *expr, sa_meta_lookup lookup, void *ud,
    char *err, size_t errlen);
void sa_meta_free(struct sa_meta *m);

/* The rule indices the expression reads (each once, ascending), for the
 * evaluation order and for cycles: *n of them, owned by m. */
const int *sa_meta_deps(const struct sa_meta *m, size_t *n);

/* The value of the expression, hits[i] being rule i's hit count (hits
 * covers every index the lookup returned).  The rule hits when the value
 * is non-zero. */
double sa_meta_eval(const struct sa_meta *m, const double *hits);

/*
 * An order in which every meta rule can be evaluated after the rules it
 * reads: metas[0..n) are the compiled expressions of rules
 * meta_rule[0..n) (indices in the same space as the deps, < nrules);
 * writes the order (indices into metas) to order[0..n) and returns how
 * many it could order: the rest (in order[k..n), ascending) are in a
 * cycle or read one (or read an index >= nrules), and must not hit, as
 * SpamAssassin's compile_meta_rules() excludes them.  A rule index that
 * two metas claim is ready when both are.  Iterative (Kahn's algorithm),
 * O(n + nrules + deps); the ordered ones in the order they become ready,
 * lowest index first.
 */
size_t sa_meta_order(struct sa_meta *const *metas, const int *meta_rule, size_t n,
    size_t nrules, size_t *order);

#endif
