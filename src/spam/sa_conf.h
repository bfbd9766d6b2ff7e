/*
 * sa_conf.h - SpamAssassin rule files (.cf) as mamori reads them
 * (docs/spam.md, "Rule files"; issue 15).
 *
 * The parser turns rule files into a rule set: one struct sa_rule per rule
 * name with its type, its pattern or expression or eval call, and the
 * attributes that other lines give it (score, describe, tflags, priority).
 * It does not compile patterns nor check meta expressions: sa_match.h and
 * sa_meta.h do.  What it cannot take it counts, by reason, never silently:
 * a rule of an unsupported type, a line it does not understand, a block of
 * a plugin mamori does not implement, an `if` it cannot evaluate.
 *
 * SpamAssassin's semantics kept here:
 *   - files of a directory are read in the C locale's order of their
 *     names, "*.cf" only (as SpamAssassin reads a rules directory);
 *   - a rule defined again replaces the earlier definition (its type and
 *     pattern), its attributes stay (score before or after the rule);
 *   - `score NAME a [b c d]`: one number is every set's; four are sets
 *     0..3 (0: neither network tests nor Bayes, 1: network, 2: Bayes, 3:
 *     both); no score line: 1.0 for every set (0.01 for a rule whose name
 *     starts with "T_"; negated with tflags nice), a name starting with
 *     "__" is a sub-rule (no symbol: its default score is 0 here where
 *     SpamAssassin keeps an unused 1.0);
 *   - `ifplugin Mail::SpamAssassin::Plugin::X` ... `else` ... `endif`;
 *     `if EXPR` with version, can(...), plugin(...), !, &&, ||, (): a
 *     plugin is loaded when opts->plugins names it (its last component,
 *     e.g. "HeaderEval"); version is opts->version;
 *   - `include FILE` relative to the including file's directory, nested
 *     at most opts->include_depth deep;
 *   - `lang xx ...` lines are ignored (mamori does not localise
 *     descriptions); `describe` keeps the English one;
 *   - the ReplaceTags plugin (replace_start, replace_end, replace_tag,
 *     replace_pre, replace_inter, replace_post, replace_rules): the tags
 *     of the rules listed in replace_rules are replaced in their patterns
 *     when the parse ends (sa_conf_finish()).
 *
 * For the matcher (what SpamAssassin 4.0.1 does with a pattern that this
 * parser leaves as written): every pattern is compiled with /aa (\w, \d,
 * \s and case folding ASCII only); "%{TAG}" in a pattern is a capture
 * template filled at match time from named captures "(?<TAG>...)" of
 * other rules (a rule using an unset tag does not run), and a rule with
 * a named capture runs first (priority -10000); "\#" is already '#'.
 *
 * Bounded: at most opts->file_max bytes a file, opts->line_max bytes a
 * line, opts->rules_max rules; beyond, a counted reason (and, for the
 * rules, the rest skipped).  Every input, however hostile, gives a rule
 * set or an error message, never a crash (fuzz/fuzz_sa_conf.c).
 */
#ifndef MAMORI_SPAM_SA_CONF_H
#define MAMORI_SPAM_SA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

enum sa_type {
	SA_HEADER,	/* header NAME Header =~ /re/ (or !~), exists:, eval: */
	SA_MIMEHEADER,	/* mimeheader NAME Header =~ /re/ (each MIME part's) */
	SA_BODY,	/* body NAME /re/ or eval: */
	SA_RAWBODY,	/* rawbody NAME /re/ or eval: */
	SA_FULL,	/* full NAME /re/ or eval: */
	SA_URI,		/* uri NAME /re/ */
	SA_META,	/* meta NAME expression */
	SA_TYPE_COUNT
};

/* What a header rule reads of its header(s) (the ":modifier" after it). */
enum sa_hdr_mod {
	SA_HDR_DECODED,	/* no modifier: RFC 2047 decoded, unfolded */
	SA_HDR_RAW,	/* :raw */
	SA_HDR_ADDR,	/* :addr  the first address */
	SA_HDR_NAME,	/* :name  the first display name */
	SA_HDR_HOST,	/* :host  the domain of :addr */
	SA_HDR_DOMAIN,	/* :domain  its registrable domain */
	SA_HDR_IP,	/* :ip */
	SA_HDR_REVIP,	/* :revip */
	SA_HDR_FIRST,	/* :first  only the first occurrence */
	SA_HDR_LAST,	/* :last   only the last */
};

/* tflags */
enum {
	SA_TF_NET = 1u << 0,
	SA_TF_NICE = 1u << 1,
	SA_TF_LEARN = 1u << 2,
	SA_TF_USERCONF = 1u << 3,
	SA_TF_NOAUTOLEARN = 1u << 4,
	SA_TF_MULTIPLE = 1u << 5,
	SA_TF_PUBLISH = 1u << 6,
	SA_TF_NOSUBJECT = 1u << 7,	/* body rules: without the Subject line */
	SA_TF_AUTOLEARN_FORCE = 1u << 8,
	SA_TF_A = 1u << 9,		/* DNS lists' a / domains_only ... (kept for check-config) */
};

struct sa_rule {
	char *name;		/* [A-Za-z_][A-Za-z0-9_]*, at most 100 bytes
				 * (SpamAssassin's add_test() refuses longer) */
	enum sa_type type;
	bool defined;		/* a rule line defined it (not only score/describe) */

	/* a pattern rule (re != NULL): the regular expression as written
	 * between its delimiters, and its modifiers ("i", "s", "m", "x" ... as
	 * written after the closing delimiter) */
	char *re;
	char *re_flags;
	bool negate;		/* header X !~ /re/ */

	/* header and mimeheader rules */
	char *hdr;		/* the header's name as written ([A-Za-z0-9_.-]+,
				 * a trailing ':' dropped), or "ALL", "ToCc",
				 * "MESSAGEID", "EnvelopeFrom" ... */
	enum sa_hdr_mod mod;	/* the first modifier other than :first/:last,
				 * else :first or :last, else SA_HDR_DECODED */
	unsigned mods;		/* every modifier given (1u << enum sa_hdr_mod) */
	bool exists;		/* header NAME exists:Header */
	char *if_unset;		/* [if-unset: STR], or NULL */

	/* an eval rule (eval != NULL): function name and its arguments as
	 * written between the parentheses (quotes kept) */
	char *eval;
	char *eval_args;

	/* a meta rule: the expression as written */
	char *meta;

	/* attributes */
	double score[4];
	bool has_score;		/* a score line set score[] */
	char *describe;		/* or NULL */
	unsigned tflags;	/* SA_TF_* (a later tflags line replaces) */
	char *tflags_text;	/* the tflags as written, or NULL */
	unsigned maxhits;	/* tflags maxhits=N (0: none) */
	int priority;

	const char *file;	/* where the rule line was (for messages;
				 * owned by the rule set, rs->file_names) */
	unsigned line;
};

struct sa_parse_opts {
	/* plugins taken as loaded for ifplugin and plugin(...): last
	 * components ("HeaderEval", "ReplaceTags", ...), NULL-terminated */
	const char *const *plugins;
	/* the version `if (version >= ...)` compares with (4.000001 is
	 * SpamAssassin 4.0.1) */
	double version;
	unsigned include_depth;	/* nested includes at most */
	size_t file_max;	/* bytes of one file */
	size_t line_max;	/* bytes of one line */
	unsigned rules_max;	/* rules in the set */
	unsigned if_depth;	/* nested if/ifplugin blocks in a file (0: 64) */
};
/* SpamAssassin 4.0.1's stock plugins that mamori implements (see
 * sa_conf.c), version 4.000001, include depth 8, 8 MiB a file, 64 KiB a
 * line, 20000 rules, 64 nested blocks */
extern const struct sa_parse_opts sa_parse_defaults;

struct sa_ruleset {
	GPtrArray *rules;	/* struct sa_rule *, in order of first mention */
	GHashTable *by_name;	/* name -> struct sa_rule * (borrowed) */
	/* what was not taken: reason (a short fixed phrase, e.g. "unknown
	 * directive", "plugin not loaded", "rules_max reached") -> count */
	GHashTable *skipped;	/* char * -> GUINT_TO_POINTER(count) */
	/* one example (file:line: text) per reason, for check-config */
	GHashTable *skipped_example;	/* char * -> char * */
	/* settings other directives give that the evals may read:
	 * directive -> GPtrArray of char * (their arguments as written,
	 * e.g. "freemail_domains" -> {"gmail.com yahoo.com", ...}) */
	GHashTable *settings;
	GHashTable *file_names;	/* the file names rules point to (owned) */
	unsigned files;		/* files read */
	unsigned lines;		/* lines read */
	/* ReplaceTags state, applied by sa_conf_finish() */
	void *replace;
};

struct sa_ruleset *sa_ruleset_new(void);
void sa_ruleset_free(struct sa_ruleset *rs);

/*
 * Read a file, or every "*.cf" of a directory (not recursive), into rs.
 * false with a message (path: why) only when the path cannot be read at
 * all; what is wrong inside a file is counted in rs->skipped.
 */
bool sa_conf_load(struct sa_ruleset *rs, const char *path, const struct sa_parse_opts *o,
    char *err, size_t errlen);
/* The same for a buffer, named name in messages (includes are resolved
 * relative to dir, or refused when dir is NULL). */
void sa_conf_parse(struct sa_ruleset *rs, const char *name, const char *dir,
    const char *buf, size_t len, const struct sa_parse_opts *o);
/* After the last file: the ReplaceTags replacements, and the rules
 * without a definition (a score or describe only) counted and dropped. */
void sa_conf_finish(struct sa_ruleset *rs);

/* A rule by name, or NULL. */
const struct sa_rule *sa_ruleset_get(const struct sa_ruleset *rs, const char *name);

/* How many times reason was counted in rs->skipped (0: never). */
unsigned sa_ruleset_skipped(const struct sa_ruleset *rs, const char *reason);

/* "header", "body" ... */
const char *sa_type_name(enum sa_type t);

/* The value of an `if` expression with o's version and plugins: 1 true,
 * 0 false, -1 not understood (a block is then skipped, as SpamAssassin
 * skips a block whose condition fails to evaluate). */
int sa_conf_if_eval(const char *expr, const struct sa_parse_opts *o);

#endif
