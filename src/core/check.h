/*
 * check.h - what a check is and what it may do.
 *
 * A check is a row in the registry (registry.c): a name, a stage, the
 * symbols it may add (with default weights and descriptions) and a run
 * function.  It reads the parsed message and the envelope and adds
 * symbols; it never decides the action and never talks to another check.
 * Only the driver (scan.c) knows the order of stages.
 *
 * Everything reachable from a struct scan_ctx is borrowed for the duration
 * of run().
 */
#ifndef MAMORI_CORE_CHECK_H
#define MAMORI_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "core/config.h"
#include "mamori/mamori.h"

struct mime_message;
struct mamori_config;
struct scan_ctx;
struct dns_ctx;
struct obj_tree;
struct content;
struct mobj;
struct mamori_yara;

struct mamori_symbol_def {
	const char *name;	/* UPPER_SNAKE, stable: operators configure it */
	double weight;		/* default weight */
	const char *desc;	/* one line for docs/symbols.md */
	/* default forced action, or NO_FORCE */
	enum mamori_action force;
};
#define NO_FORCE MAMORI_ACTION_ACCEPT	/* a symbol cannot force accept */

enum mamori_stage {
	MAMORI_STAGE_MESSAGE,	/* structure and headers of the message */
	MAMORI_STAGE_AUTH,	/* SPF, DKIM, DMARC, ARC */
	MAMORI_STAGE_CONTENT,	/* objects, URLs, impersonation, spam */
	MAMORI_STAGE_POST,	/* checks that read other checks' symbols */
	MAMORI_STAGE_COUNT
};

struct mamori_check {
	const char *name;
	enum mamori_stage stage;
	const struct mamori_symbol_def *symbols;
	size_t nsymbols;
	void (*run)(struct scan_ctx *ctx);	/* NULL: symbols only */
};

const struct mime_message *scan_message(const struct scan_ctx *ctx);
const struct mamori_envelope *scan_envelope(const struct scan_ctx *ctx);
const struct mamori_config *scan_config(const struct scan_ctx *ctx);

/* Add a symbol, with an option (may be NULL); repeated calls add options. */
void scan_add(struct scan_ctx *ctx, const char *symbol, const char *option);
void scan_addf(struct scan_ctx *ctx, const char *symbol, const char *fmt, ...)
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
/* The text and links of the scan's text and HTML parts and its password
 * candidates (content/content.h), borrowed for the scan; NULL before the
 * content stage. */
const struct content *scan_content(const struct scan_ctx *ctx);
/* scan_addf() for a finding about one object: the report lists the
 * symbol under the object too. */
void scan_object_addf(struct scan_ctx *ctx, const struct mobj *o,
    const char *symbol, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* The options the scan was called with (never NULL). */
const struct mamori_scan_opts *scan_opts(const struct scan_ctx *ctx);
/* PPAP: if the message reads as a password mail (ppap/discover.h), the
 * number of candidates found in its text; else 0. */
size_t scan_ppap_password_mail(const struct scan_ctx *ctx);
/* PPAP: an attachment (by file name) still holds encrypted content. */
void scan_ppap_encrypted(struct scan_ctx *ctx, const char *name);
/* The engine's compiled YARA rules, or NULL if none are loaded. */
const struct mamori_yara *scan_yara(const struct scan_ctx *ctx);
/* The Authentication-Results value for the front ends, and the positions
 * (1 = first header field) of incoming ones that claim our authserv-id. */
void scan_set_auth_results(struct scan_ctx *ctx, const char *value,
    const unsigned *forged, size_t nforged);
/* Hand over the JSON object for the report's "auth" key (g_malloc'd). */
void scan_set_auth_report(struct scan_ctx *ctx, char *json);

#endif
