/*
 * sa_eval.h - SpamAssassin's eval: functions, implemented natively (issue
 * 15, docs/spam.md "Eval functions").
 *
 * A rule `body NAME eval:fn('a', 'b')` calls fn with its arguments.  Each
 * function mamori implements is a struct sa_eval_def in the table of its
 * family (sa_eval_*.c, one per SpamAssassin plugin group); sa_eval_find()
 * looks a name up in all of them.  When the rule files are read, the
 * module makes one struct sa_eval_call per eval rule (sa_eval_call_new():
 * the arguments parsed, checked and prepared by the function's prepare());
 * a call whose arguments are refused makes its rule unusable, counted by
 * reason for `mamori check-config`.  Each scan fills one struct
 * sa_eval_msg and runs the calls on it (sa_eval_run()); what several
 * functions of a family read (the HTML statistics, the relays) is made
 * once a scan in the message's cache (sa_eval_cached()).
 *
 * A function reads only the message and what the module hands it: no
 * network, no global state.  It is bounded by the message's size (the
 * scan's limits bound that) and never fails on hostile input; -1 is an
 * internal error (the rule does not hit, the module says so).
 */
#ifndef MAMORI_SPAM_SA_EVAL_H
#define MAMORI_SPAM_SA_EVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

struct content;
struct dns_answer;
struct mime_message;
struct sa_ruleset;

/* What several functions of a family read, made once a scan. */
enum sa_eval_slot {
	SA_SLOT_HEADER,		/* sa_eval_header.c */
	SA_SLOT_BODY,		/* sa_eval_body.c */
	SA_SLOT_HTML,		/* sa_eval_html.c */
	SA_SLOT_RELAYS,		/* sa_eval_relay.c */
	SA_SLOT_DNSBL,		/* sa_eval_dnsbl.c: the rule files' check_rbl sets */
	SA_SLOT_COUNT
};

/* One message, as the eval functions read it (filled by the module). */
struct sa_eval_msg {
	const uint8_t *raw;	/* the message as received */
	size_t raw_len;
	const GPtrArray *fields;	/* struct sa_field *: its header (sa_msg.h) */
	const struct mime_message *msg;	/* parsed (mime/message.h) */
	const struct content *content;	/* texts, HTML parses, links */
	/* SpamAssassin's body text (get_decoded_stripped_body_text_array):
	 * the Subject, then the rendered text of the body's text parts, one
	 * paragraph a line, blanks folded (char *, the body rules' lines) */
	const GPtrArray *body;
	/* the envelope; NULL when unknown */
	const char *mail_from;
	const char *helo;
	const char *client_ip;
	const char *const *rcpt;
	size_t nrcpt;
	/* the rule files' settings (rs->settings: freemail_domains ...) */
	const struct sa_ruleset *rs;
	/* mamori's own results, for the functions mapped onto them: whether
	 * the scan has a symbol so far (SPF_PASS, DKIM_PASS ...); NULL: no */
	bool (*has)(const void *ud, const char *symbol);
	const void *has_ud;
	/* the DNS blocklists' answers (the dnsbl module: scan_dnsbl_answer()
	 * in core/module.h, called with has_ud): what zone (trailing dot
	 * ignored) answered for the i-th address asked (0: the nearest
	 * untrusted, then the untrusted Received hops), *txt NULL when no TXT
	 * was asked; false: zone not asked about it.  NULL: no lists (the
	 * check_rbl evals never hit) */
	bool (*dnsbl)(const void *ud, const char *zone, unsigned i,
	    const struct dns_answer **a, const struct dns_answer **txt);
	/* the classifier's spam probability (0..1), or < 0: it did not run */
	double bayes;
	/* the time of the scan, seconds since the epoch */
	int64_t now;
	/* made on first use (sa_eval_cached()), freed by sa_eval_msg_clear() */
	void *slot[SA_SLOT_COUNT];
	void (*slot_free[SA_SLOT_COUNT])(void *);
};

struct sa_eval_call;

struct sa_eval_def {
	const char *name;	/* "check_for_shifted_date" */
	/* checks c->argv (and may set c->data, freed with drop); false with
	 * a message in err: the rule cannot be used.  NULL: any arguments. */
	bool (*prepare)(struct sa_eval_call *c, char *err, size_t errlen);
	void (*drop)(void *data);
	/* 0: no hit; > 0: a hit (a count for the functions that count);
	 * -1: an internal error */
	int (*run)(struct sa_eval_msg *m, const struct sa_eval_call *c);
};

/* A rule's call: the function and its arguments as strings (quotes
 * removed; a bare word such as undef kept as written). */
struct sa_eval_call {
	const struct sa_eval_def *def;
	const char *rule;	/* the rule's name (borrowed) */
	char **argv;
	unsigned argc;
	void *data;
};

/* A family's functions (the table of one sa_eval_*.c). */
struct sa_eval_family {
	const char *name;	/* SpamAssassin's plugin(s): "HeaderEval" */
	const struct sa_eval_def *defs;
	size_t n;
};

/* The function of that name, or NULL when mamori has none. */
const struct sa_eval_def *sa_eval_find(const char *name);
/* The family a function is of. */
const struct sa_eval_family *sa_eval_family_of(const struct sa_eval_def *d);

/*
 * The call of rule `rule` (borrowed: it must outlive the call) to fn with
 * args as written between the parentheses ("'-6', '-3'"), or NULL with a
 * message in err: no such function ("not implemented"), arguments that do
 * not parse, or refused by the function's prepare().
 */
struct sa_eval_call *sa_eval_call_new(const char *rule, const char *fn, const char *args,
    char *err, size_t errlen);
void sa_eval_call_free(struct sa_eval_call *c);

/* Parse a Perl argument list into argv (g_strfreev); false: not parsed. */
bool sa_eval_parse_args(const char *args, char ***argv, unsigned *argc);

/* Run a call on a message: as def->run. */
int sa_eval_run(struct sa_eval_msg *m, const struct sa_eval_call *c);

/* What a family keeps for the scan in slot s: made by make(m) on the
 * first call (NULL is kept too and made again), freed with drop. */
void *sa_eval_cached(struct sa_eval_msg *m, enum sa_eval_slot s,
    void *(*make)(struct sa_eval_msg *m), void (*drop)(void *));
/* Free what the scan's functions kept. */
void sa_eval_msg_clear(struct sa_eval_msg *m);

/* prepare()'s check of the number of arguments: lo to hi, else false
 * with "N argument(s) expected" or "LO to HI arguments expected". */
bool sa_eval_want_args(const struct sa_eval_call *c, unsigned lo, unsigned hi, char *err,
    size_t errlen);

/* Argument helpers: argv[i] as a number (Perl's numeric reading of the
 * string; "undef" or absent: def), and whether it is "undef" or absent. */
double sa_eval_arg_num(const struct sa_eval_call *c, unsigned i, double def);
bool sa_eval_arg_undef(const struct sa_eval_call *c, unsigned i);

/*
 * A regular expression of a function's own, constant text (never one
 * made from the message or the rules): compiled once per process with
 * GLib's JIT (G_REGEX_OPTIMIZE), shared by all threads; a new reference
 * (g_regex_unref() it), or NULL when it does not compile.
 */
GRegex *sa_eval_regex(const char *pattern, GRegexCompileFlags flags);

/*
 * g_regex_split_simple("\\s+", s, 0, 0) with the expression compiled once
 * (sa_eval_regex()): s's words, a leading empty one when s starts with
 * white space (g_strfreev() it).
 */
char **sa_eval_split_ws(const char *s);

/*
 * RegistryBoundaries' split_domain, its domain part, on a host name already
 * normalised (lower-case ASCII, dots squeezed, none at either end): the
 * labels from the registered one on ("www.foo.co.uk" -> "foo.co.uk"), with
 * the rule files' 2- and 3-level public suffixes (util_rb_2tld and
 * util_rb_3tld, as sets of strings) and RFC 1480's .us names; g_malloc'd.
 */
char *sa_eval_registered_domain(const char *host, GHashTable *two, GHashTable *three);

/* The families (sa_eval_*.c). */
extern const struct sa_eval_family sa_eval_header_family;	/* HeaderEval, FreeMail, FromNameSpoof */
extern const struct sa_eval_family sa_eval_body_family;	/* MIMEEval, BodyEval */
extern const struct sa_eval_family sa_eval_html_family;	/* HTMLEval, ImageInfo */
extern const struct sa_eval_family sa_eval_relay_family;	/* RelayEval */
extern const struct sa_eval_family sa_eval_mapped_family;	/* SPF, DKIM, DMARC, Bayes: mamori's results */
extern const struct sa_eval_family sa_eval_dnsbl_family;	/* DNSEval: check_rbl, check_rbl_txt, check_rbl_sub */

#endif
