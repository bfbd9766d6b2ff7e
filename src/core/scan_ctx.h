/*
 * scan_ctx.h - the per-scan state: private to src/core.
 *
 * The context is split as STYLE.md suggests: the immutable message and
 * envelope, and the result the checks write.  Nothing here outlives one
 * call of mamori_scan() except the result, which the caller owns.
 */
#ifndef MAMORI_CORE_SCAN_CTX_H
#define MAMORI_CORE_SCAN_CTX_H

#include <stdbool.h>

#include <glib.h>

#include "module.h"
#include "config.h"
#include "mime/message.h"
#include "objects/object.h"

/* A symbol as the engine knows it: definition plus configured weight. */
struct sym_info {
	const struct mamori_symbol_def *def;
	double weight;
	int action;		/* forced action, or -1 */
};

struct mamori_engine {
	struct mamori_config *cfg;
	bool html_sa_stats;		/* module_want_html_stats() */
	struct dns_resolver *dns;	/* shared cache; thread-safe */
	GHashTable *symbols;		/* name -> struct sym_info * */
	GPtrArray *dyn_symbols;		/* struct mamori_symbol_def * the
					 * modules defined (module_symbol_add) */
	const struct mamori_module *const *modules;	/* the registry */
	size_t nmodules;
	void **mengine;			/* [nmodules]: each module's engine */
	struct mime_limits mime_limits;
	struct obj_limits obj_limits;	/* deadline set per scan */
	struct mamori_store *store;	/* borrowed; or NULL */
};

struct sym_hit {
	const struct sym_info *info;
	double score;
	GPtrArray *options;		/* char * */
};

struct mamori_result {
	GPtrArray *hits;		/* struct sym_hit *, in the order added */
	GHashTable *index;		/* name -> struct sym_hit * */
	unsigned max_options;
	double score;
	enum mamori_action action;
	enum mamori_action limit_action;	/* forced by the limits hit */
	char *report;		/* JSON, built when the scan ends */
	char *auth_results;	/* Authentication-Results value, or NULL */
	GArray *forged_ar;	/* unsigned: positions of forged ones */
	GPtrArray *ppap_encrypted;	/* char *: attachment names (PPAP) */
	GPtrArray *ppap_candidates;	/* char *: passwords in the text */
	char *ppap_subject_key;
};

/* The times the report breaks a scan into (stage_ms). */
enum {
	STAGE_MS_PARSE,		/* the MIME parse */
	STAGE_MS_MESSAGE,	/* = MAMORI_STAGE_MESSAGE + 1, and so on */
	STAGE_MS_AUTH,
	STAGE_MS_CONTENT,
	STAGE_MS_POST,
	STAGE_MS_OBJECTS,	/* building the object tree (unpacking, decryption) */
	STAGE_MS_COUNT
};

struct scan_ctx {
	const struct mamori_engine *eng;
	const struct mamori_envelope *env;
	const struct mime_message *msg;
	struct mamori_result *res;
	gint64 start_us;
	gint64 deadline_us;
	const uint8_t *raw;		/* the message as received */
	size_t raw_len;
	struct dns_ctx *dns;		/* made on first use, freed at the end */
	struct obj_limits obj_limits;
	struct obj_tree *objects;
	struct content *content;	/* text and links (content/content.h) */
	GHashTable *findings;		/* object id -> GPtrArray of symbol names */
	const struct mamori_scan_opts *opts;	/* never NULL */
	size_t cur;			/* the module being called */
	void **mstate;			/* [nmodules]: each module's scan state */
	double stage_ms[STAGE_MS_COUNT];	/* the report's stage_ms */
	bool have_spam_prob;		/* scan_set_spam_probability() */
	double spam_prob;
	GPtrArray *dnsbl;		/* struct scan_dnsbl_rec * (result.c), or NULL */
};

struct mamori_result *result_new(unsigned max_options);
/* Free what scan_dnsbl_record() kept (scan_end()). */
void scan_dnsbl_free(struct scan_ctx *ctx);
/* Sum the score and choose the action from thresholds and forced actions. */
void result_finish(struct mamori_result *res, const struct mamori_config *cfg);

/* The JSON report of a finished scan (report.c). */
char *report_build(struct scan_ctx *ctx, double time_ms);
char *report_message_dump(const struct mime_message *msg);

/* The registry (registry.c): every module, in the order they run. */
extern const struct mamori_module *const mamori_modules[];

#endif
