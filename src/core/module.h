/*
 * module.h - what a module is and what it may do.
 *
 * A module is the unit of extension (docs/ARCHITECTURE.md, "Adding a
 * module"): one folder under src/checks/, one row in the registry
 * (registry.c), its docs.  It declares, in one struct mamori_module:
 *
 *   - its name: also its configuration section and its report section;
 *   - its symbols, with default weights and forced actions, as typed
 *     handles (MAMORI_SYMBOLS below): a misspelled symbol fails to compile;
 *   - its configuration section as a table of keys (core/conf.h), read and
 *     checked by the one generic loader, shown by `mamori check-config
 *     --keys` and checked against docs/configuration.md;
 *   - its engine (compiled rules, models, feeds): built once per
 *     configuration by engine_new(), shared read-only by every scan on
 *     every thread, freed by engine_free() (a reload builds a new engine);
 *   - its per-scan state (state_size bytes, zeroed, freed with state_free);
 *   - the stage it runs in, and run();
 *   - the writer of its section of the JSON report.
 *
 * A module reads the scan through the accessors below, adds symbols and
 * never decides the action or talks to another module.  Only the driver
 * (scan.c) knows the order of stages.  Everything reachable from a struct
 * scan_ctx is borrowed for the duration of the call.
 */
#ifndef MAMORI_CORE_MODULE_H
#define MAMORI_CORE_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "core/conf.h"
#include "core/config.h"
#include "mamori/mamori.h"

struct mime_message;
struct mamori_config;
struct scan_ctx;
struct dns_ctx;
struct dns_answer;
struct obj_tree;
struct content;
struct pw_list;
struct mobj;
struct jsonw;
struct obj_limits;

struct mamori_symbol_def {
	const char *name;	/* UPPER_SNAKE, stable: operators configure it */
	double weight;		/* default weight */
	const char *desc;	/* one line for docs/symbols.md */
	/* default forced action, or NO_FORCE */
	enum mamori_action force;
};
#define NO_FORCE MAMORI_ACTION_ACCEPT	/* a symbol cannot force accept */

/* A symbol as modules name it: a handle from their own table. */
typedef const struct mamori_symbol_def *mamori_sym;

/*
 * A module's symbols, declared once as an X-macro list of
 * X(NAME, weight, forced action, "description") rows:
 *
 *     #define SYMBOLS(X) \
 *         X(DATE_IN_FUTURE, 2.0, NO_FORCE, "The Date header ...") \
 *         X(DATE_IN_PAST, 1.0, NO_FORCE, "...")
 *     MAMORI_SYMBOLS(SYMBOLS);
 *
 * defines the table `symbols` (for .symbols/.nsymbols) and one handle per
 * row, SYM(DATE_IN_FUTURE): a name not in the list does not compile.
 */
#define MAMORI_SYM_ID_(name, weight, force, desc) SYM_ID_##name,
#define MAMORI_SYM_ROW_(name, weight, force, desc) { #name, weight, desc, force },
#define MAMORI_SYMBOLS(LIST) \
	enum { LIST(MAMORI_SYM_ID_) SYM_ID_COUNT_ }; \
	static const struct mamori_symbol_def symbols[SYM_ID_COUNT_] = { LIST(MAMORI_SYM_ROW_) }
#define SYM(name) (&symbols[SYM_ID_##name])

enum mamori_stage {
	MAMORI_STAGE_MESSAGE,	/* structure and headers of the message */
	MAMORI_STAGE_AUTH,	/* SPF, DKIM, DMARC, ARC: DNS-bound, before the content */
	MAMORI_STAGE_CONTENT,	/* objects, URLs, impersonation, spam */
	MAMORI_STAGE_POST,	/* modules that read other modules' symbols */
	MAMORI_STAGE_COUNT
};

/* A module's configuration section: its name, table of keys, struct and
 * cross-key check (or NULL). */
#define MAMORI_CONF(nm, ks, st, chk) \
	{ .name = nm, .keys = ks, .nkeys = G_N_ELEMENTS(ks), .size = sizeof(st), .check = chk }

/* What engine_new() is handed. */
struct module_setup {
	const struct mamori_config *cfg;	/* the whole configuration */
	const void *conf;	/* the module's own section (conf_size bytes) */
	struct mamori_engine *eng;	/* for module_force() only */
	char *err;		/* a failure is written here: "what: why" */
	size_t errlen;
};
/*
 * A policy of the module's configuration as the default forced action of
 * one of its symbols (accept and hold: none); symbols.NAME.action still
 * overrides it.
 */
void module_force(struct module_setup *s, mamori_sym sym, int action);
/*
 * A symbol the module defines from its configuration (the rules of a rule
 * file), during engine_new(): name (UPPER_SNAKE or a rule's name, copied),
 * default weight, description (copied; may be NULL), no forced action.
 * symbols.NAME in the configuration applies to it as to any symbol.  NULL
 * when the name is already a symbol (the module decides what to do: rename
 * the rule, or leave it out, and say so).  The handle lives as long as the
 * engine.
 */
mamori_sym module_symbol_add(struct module_setup *s, const char *name, double weight,
    const char *desc);
/* The module reads SpamAssassin's HTML statistics (html_doc.sa): every
 * HTML parse of a scan collects them (they cost the parse about 18 %;
 * without a module asking, they are not collected). */
void module_want_html_stats(struct module_setup *s);

struct mamori_module {
	const char *name;	/* [a-z_]+: config section, report key */
	enum mamori_stage stage;
	const struct mamori_symbol_def *symbols;
	size_t nsymbols;
	/* its configuration section `name = { ... };` (.name NULL: none):
	 * MAMORI_CONF(name, keys, struct, check) */
	struct conf_section conf;
	/* engine: built once, shared read-only (*engine may stay NULL);
	 * false with a message in s->err fails the engine's creation */
	bool (*engine_new)(struct module_setup *s, void **engine);
	void (*engine_free)(void *engine);
	/* per-scan state: state_size zeroed bytes, state_free(state) at the end */
	size_t state_size;
	void (*state_free)(void *state);
	/* before the object tree is built: what the tree takes from the
	 * module's configuration (limits, password candidates) */
	void (*prepare)(struct scan_ctx *ctx, struct obj_limits *lim);
	/* the work of the module's stage (NULL: symbols only) */
	void (*run)(struct scan_ctx *ctx);
	/* once after every stage, even when the time budget ran out: cheap
	 * bookkeeping for the front ends, and what follows from the verdict
	 * (the classifier's autolearn: scan_score_others()); no symbols */
	void (*finish)(struct scan_ctx *ctx);
	/* the report sections it writes (NULL-terminated), in the order
	 * written; report() writes the one named key with its value */
	const char *const *report_keys;
	void (*report)(const struct scan_ctx *ctx, struct jsonw *w, const char *key);
	/* learning (mamori_learn(), NULL: the module does not learn): learn()
	 * counts the scan's message as cls (or forgets it), after the object
	 * tree and the content are built and no module has run; the store is
	 * scan_store(ctx), never NULL here; MAMORI_ERR_CONFIG (the module is
	 * off) or MAMORI_ERR_INTERNAL (the store failed) with a message in
	 * err.  learn_commit() writes what is pending; false with a message in
	 * err: the store failed. */
	enum mamori_status (*learn)(struct scan_ctx *ctx, enum mamori_learn_class cls,
	    bool forget, enum mamori_learn_outcome *out, char *err, size_t errlen);
	bool (*learn_commit)(void *engine, struct mamori_store *st, char *err,
	    size_t errlen);
	/* what the engine was built from, for `mamori check-config` (NULL:
	 * nothing to say): lines of text, g_malloc'd; with detail, also one
	 * line per rule in use (`check-config --rules`) */
	char *(*engine_summary)(const void *engine, bool detail);
};

/* The module's own configuration section, engine and per-scan state. */
const void *scan_module_conf(const struct scan_ctx *ctx);
const void *scan_module_engine(const struct scan_ctx *ctx);
void *scan_module_state(const struct scan_ctx *ctx);
/* Another module's section of the configuration, by module name (NULL if
 * no such module): front ends read the policies they carry out. */
const void *mamori_config_section(const struct mamori_config *cfg, const char *module);

const struct mime_message *scan_message(const struct scan_ctx *ctx);
const struct mamori_envelope *scan_envelope(const struct scan_ctx *ctx);
/* The engine's store (mamori/store.h: key/value, counters, rows), or NULL
 * when none was given (mamori_engine_set_store, `mamori scan --state`). */
struct mamori_store *scan_store(const struct scan_ctx *ctx);

/* Add a symbol, with an option (may be NULL); repeated calls add options. */
void scan_add(struct scan_ctx *ctx, mamori_sym sym, const char *option);
/* scan_add() with the symbol's configured weight scaled by factor (0..1,
 * clamped): a symbol whose weight grows with a confidence. */
void scan_add_scaled(struct scan_ctx *ctx, mamori_sym sym, double factor,
    const char *option);
void scan_addf(struct scan_ctx *ctx, mamori_sym sym, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/*
 * A limit stopped part of the scan: SCAN_LIMIT_EXCEEDED with the option
 * (the limit's name and where), and the limit's action
 * (limits.on_exceeded) forced on the message.
 */
void scan_limit(struct scan_ctx *ctx, enum mamori_limit l, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* True once the scan's time budget is spent: long checks should stop. */
bool scan_expired(const struct scan_ctx *ctx);

/* The message exactly as received (DKIM and ARC hash raw bytes). */
const uint8_t *scan_raw(const struct scan_ctx *ctx, size_t *len);
/*
 * The scan's DNS context (made on first use): the engine's shared cache,
 * this scan's lookup budget (dns.max_lookups) and deadline.
 */
struct dns_ctx *scan_dns(struct scan_ctx *ctx);
/*
 * A DNS context of its own (same cache and deadline, a fresh budget of
 * dns.max_lookups), for a protocol that must not be starved by another:
 * free it with dns_ctx_free().
 */
struct dns_ctx *scan_dns_new(struct scan_ctx *ctx);
/*
 * The object tree: every attachment and everything unpacked from it
 * (objects/object.h), built before the content stage.
 */
const struct obj_tree *scan_objects(const struct scan_ctx *ctx);
/*
 * The text and links of the scan's text and HTML parts, body and
 * attachments, and its password candidates (content/content.h), borrowed
 * for the scan.  The body's parts are there from prepare() on; the
 * attachments once the object tree is built (the content stage).
 */
const struct content *scan_content(const struct scan_ctx *ctx);
/* The module that finds the password candidates (PPAP) hands them to the
 * content layer (borrowed: they must live until the scan ends); notice:
 * the text reads as a password mail. */
void scan_content_set_passwords(struct scan_ctx *ctx, const struct pw_list *l,
    bool notice);
/* scan_addf() for a finding about one object: the report lists the
 * symbol under the object too. */
void scan_object_addf(struct scan_ctx *ctx, const struct mobj *o,
    mamori_sym sym, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* Whether a symbol was added by this scan so far (by any module). */
bool scan_has(const struct scan_ctx *ctx, const char *name);
/* The classifier's probability of spam (0..1), for the modules after it
 * (SpamAssassin's BAYES_* rules): set by the bayes module when it judged
 * the message; false when it did not. */
void scan_set_spam_probability(struct scan_ctx *ctx, double p);
bool scan_spam_probability(const struct scan_ctx *ctx, double *p);
/*
 * DNS blocklists: the dnsbl module records what each zone answered for
 * each address it asked about, for the modules after it (SpamAssassin's
 * check_rbl evals in the spam module).  ip_index numbers the addresses
 * asked: 0 is the nearest untrusted one (the connecting IP unless it is
 * in dnsbl.trusted_networks), then the untrusted Received hops, nearest
 * first.  scan_dnsbl_record() takes the answers (a: the A query's, never
 * NULL; txt: the TXT query's, or NULL when not asked) and copies zone and
 * ip.  scan_dnsbl_answer() finds them (zone case-insensitive, a trailing
 * dot ignored): false when zone was not asked about that address; *a and
 * *txt (NULL: not asked) are borrowed for the scan.  The answers are as
 * received: a refused-query code is there as an A record.
 */
void scan_dnsbl_record(struct scan_ctx *ctx, const char *zone, unsigned ip_index,
    const char *ip, struct dns_answer *a, struct dns_answer *txt);
bool scan_dnsbl_answer(const struct scan_ctx *ctx, const char *zone, unsigned ip_index,
    const struct dns_answer **a, const struct dns_answer **txt);
/*
 * The score of the symbols added so far by the other modules (the calling
 * module's own left out), rounded as the final score is: what a module
 * that learns from the verdict (the classifier's autolearn) may go by
 * without feeding on its own opinion.  Called from finish(), it is the
 * final score but for the module's symbols.
 */
double scan_score_others(const struct scan_ctx *ctx);
/*
 * The action and score (may be NULL) that the symbols added so far lead
 * to, every module's included: score thresholds, symbols' forced actions
 * and limits.on_exceeded, as the final verdict is computed.  Called from
 * finish(), it is the final action: a module that records what was
 * delivered (the bec module's correspondent history) goes by it.
 */
enum mamori_action scan_action_so_far(const struct scan_ctx *ctx, double *score);
/* The options the scan was called with (never NULL). */
const struct mamori_scan_opts *scan_opts(const struct scan_ctx *ctx);
/* PPAP, for the front ends' hold and release: a password candidate found
 * in the message's text, and the key of its subject (g_malloc'd, taken). */
void scan_ppap_candidate(struct scan_ctx *ctx, const char *pw);
void scan_ppap_subject_key(struct scan_ctx *ctx, char *key);
/* PPAP: an attachment (by file name) still holds encrypted content. */
void scan_ppap_encrypted(struct scan_ctx *ctx, const char *name);
/* The Authentication-Results value for the front ends, and the positions
 * (1 = first header field) of incoming ones that claim our authserv-id. */
void scan_set_auth_results(struct scan_ctx *ctx, const char *value,
    const unsigned *forged, size_t nforged);

#endif
