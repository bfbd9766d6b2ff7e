/*
 * scan.c - the engine and the scan driver: the only code that knows the
 * order of stages.
 *
 * An engine is built once from a configuration: it merges every check's
 * symbol definitions with the configured weights and forced actions (an
 * unknown symbol name in the configuration is an error with FILE:LINE)
 * and is immutable afterwards, so scans on many threads share it.
 *
 * A scan parses the message (GMime, bounded by the limits), runs the checks
 * stage by stage until the time budget is spent (then SCAN_LIMIT_EXCEEDED
 * says so: never a silent pass), scores, chooses the action and builds the
 * JSON report.  Everything but the result is freed before returning.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "dns/dns.h"
#include "engines/yara.h"
#include "objects/password.h"
#include "ppap/discover.h"
#include "scan_ctx.h"

static void
sym_info_free(gpointer p)
{
	g_free(p);
}

/* A policy's action as the forced action of sym (accept and hold: none). */
static void
policy_force(struct mamori_engine *eng, const char *sym, int action)
{
	struct sym_info *si = g_hash_table_lookup(eng->symbols, sym);

	if (si != NULL)
		si->action = action == MAMORI_ACTION_ACCEPT || action == MAMORI_ACTION_HOLD ?
		    -1 : action;
}

static bool
engine_symbols(struct mamori_engine *eng, char *err, size_t errlen)
{
	const struct mamori_config *cfg = eng->cfg;

	eng->symbols = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sym_info_free);
	for (size_t i = 0; eng->checks[i] != NULL; i++) {
		const struct mamori_check *c = eng->checks[i];
		for (size_t j = 0; j < c->nsymbols; j++) {
			const struct mamori_symbol_def *d = &c->symbols[j];
			if (g_hash_table_contains(eng->symbols, d->name)) {
				snprintf(err, errlen, "symbol %s is defined twice (check %s)",
				    d->name, c->name);
				return false;
			}
			struct sym_info *si = g_new0(struct sym_info, 1);
			si->def = d;
			si->weight = d->weight;
			si->action = d->force != MAMORI_ACTION_ACCEPT ? (int)d->force : -1;
			g_hash_table_insert(eng->symbols, (gpointer)d->name, si);
		}
	}
	/* the [ppap] policies are the forced actions of their symbols, unless
	 * symbols.X.action says otherwise (applied below); hold is PPAP_HELD's */
	policy_force(eng, "PPAP_UNDECRYPTABLE", cfg->ppap.undecryptable);
	policy_force(eng, "PPAP_UNSCANNABLE", cfg->ppap.unscannable);
	policy_force(eng, "PPAP_DECRYPTED", cfg->ppap.clean);
	policy_force(eng, "PPAP_EXPIRED", cfg->ppap.expire == PPAP_EXPIRE_QUARANTINE ?
	    MAMORI_ACTION_QUARANTINE : MAMORI_ACTION_ACCEPT);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, cfg->symbols);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct symbol_conf *sc = v;
		struct sym_info *si = g_hash_table_lookup(eng->symbols, k);
		if (si == NULL) {
			snprintf(err, errlen, "%s:%d: unknown symbol %s (see docs/symbols.md)",
			    cfg->path != NULL ? cfg->path : "config", sc->line,
			    (const char *)k);
			return false;
		}
		if (sc->has_weight)
			si->weight = sc->weight;
		if (sc->action >= 0)
			si->action = sc->action;
		else if (sc->action == SYMBOL_ACTION_NONE)
			si->action = -1;
	}
	return true;
}

/* The YARA rules: compiled once, shared by every scan of the engine. */
static bool
engine_yara(struct mamori_engine *eng, char *err, size_t errlen)
{
	const struct mamori_yara_conf *y = &eng->cfg->yara;
	GPtrArray *dirs = g_ptr_array_new();

	if (y->builtin)
		g_ptr_array_add(dirs, (gpointer)mamori_yara_builtin_dir());
	for (guint i = 0; i < y->dirs->len; i++)
		g_ptr_array_add(dirs, g_ptr_array_index(y->dirs, i));
	bool ok = true;
	if (dirs->len > 0) {
		char why[512] = "";
		eng->yara = mamori_yara_load((const char *const *)dirs->pdata, dirs->len,
		    why, sizeof(why));
		if (eng->yara == NULL) {
			snprintf(err, errlen, "yara rules: %s", why);
			ok = false;
		}
	}
	g_ptr_array_unref(dirs);
	return ok;
}

enum mamori_status
mamori_engine_new(struct mamori_config *cfg, struct mamori_engine **out,
    char *err, size_t errlen)
{
	struct mamori_engine *eng = g_new0(struct mamori_engine, 1);

	*out = NULL;
	eng->cfg = cfg;
	eng->checks = mamori_registry;
	eng->mime_limits = (struct mime_limits){
		.max_size = (size_t)MIN(cfg->limits.message_size, (uint64_t)SIZE_MAX),
		.max_decoded = (size_t)MIN(cfg->limits.decoded_bytes, (uint64_t)SIZE_MAX),
		.max_parts = cfg->limits.parts,
		.max_depth = cfg->limits.depth,
		.max_names = cfg->limits.listed_names,
	};
	const struct mamori_limits *l = &cfg->limits;
	eng->obj_limits = (struct obj_limits){
		.depth = l->unpack_depth,
		.objects = l->objects,
		.names = l->listed_names,
		.object_bytes = l->object_bytes,
		.unpacked_bytes = l->unpacked_bytes,
		.stream_bytes = l->stream_bytes,
		.ratio = l->compression_ratio,
		.ratio_min = l->compression_ratio_min,
		.padding_min = cfg->objects.padding_min,
	};
	if (!engine_symbols(eng, err, errlen) || !engine_yara(eng, err, errlen)) {
		mamori_engine_free(eng);
		return MAMORI_ERR_CONFIG;
	}
	struct dns_settings ds = {
		.servers = (const char *const *)cfg->dns.servers->pdata,
		.n_servers = cfg->dns.servers->len,
		.timeout_ms = cfg->dns.timeout_ms,
		.tries = cfg->dns.tries,
		.cache_entries = cfg->dns.cache_entries,
	};
	eng->dns = dns_resolver_new(&ds, err, errlen);
	if (eng->dns == NULL) {
		mamori_engine_free(eng);
		return MAMORI_ERR_CONFIG;
	}
	*out = eng;
	return MAMORI_OK;
}

const struct mamori_config *
mamori_engine_config(const struct mamori_engine *eng)
{
	return eng->cfg;
}

void
mamori_engine_free(struct mamori_engine *eng)
{
	if (eng == NULL)
		return;
	if (eng->symbols != NULL)
		g_hash_table_unref(eng->symbols);
	dns_resolver_free(eng->dns);
	mamori_yara_free(eng->yara);
	mamori_config_free(eng->cfg);
	g_free(eng);
}

static const struct mamori_envelope no_envelope;
static const struct mamori_scan_opts no_opts;

/*
 * The candidate passwords of one scan, best first: those the caller
 * brings (a follow-up mail, an operator), those of the message's own
 * text, the static ones, the dictionary.  The text is read even without
 * an attachment: a password mail hands its candidates to the messages
 * held for its sender (mamori_result_ppap_candidates).
 */
static struct pw_list *
scan_passwords(struct scan_ctx *ctx)
{
	const struct mamori_ppap_conf *p = &ctx->eng->cfg->ppap;
	const struct mamori_scan_opts *o = ctx->opts;
	struct mamori_result *res = ctx->res;

	if (!p->enabled)
		return NULL;
	struct pw_list *l = pw_list_new(p->max_attempts, (gint64)p->time_ms * 1000);
	for (size_t i = 0; i < o->n_passwords; i++)
		pw_list_add(l, o->passwords[i], o->password_origin == MAMORI_PW_OPERATOR ?
		    PW_SRC_OPERATOR : PW_SRC_FOLLOWUP, o->password_where);
	guint first = l->cands->len;
	bool notice = p->max_candidates > 0 &&
	    ppap_discover_content(ctx->content, PW_SRC_BODY, l, p->max_candidates);
	for (guint i = first; i < l->cands->len; i++) {
		const struct pw_cand *c = l->cands->pdata[i];
		if (res->ppap_candidates == NULL)
			res->ppap_candidates = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(res->ppap_candidates, g_strdup(c->pw));
	}
	ctx->ppap_password_mail = res->ppap_candidates != NULL && notice;
	for (guint i = 0; i < p->passwords->len; i++)
		pw_list_add(l, p->passwords->pdata[i], PW_SRC_STATIC, "ppap.passwords");
	for (guint i = 0; i < p->dictionary->len; i++)
		pw_list_add(l, p->dictionary->pdata[i], PW_SRC_DICTIONARY, "ppap.dictionary");
	return l;
}

/* The password candidates and the object tree of the scan, once. */
static void
scan_build_objects(struct scan_ctx *ctx)
{
	const struct mamori_engine *eng = ctx->eng;

	if (ctx->objects != NULL)
		return;
	ctx->obj_limits = eng->obj_limits;
	ctx->obj_limits.deadline_us = ctx->deadline_us;
	ctx->obj_limits.mime = &eng->mime_limits;
	ctx->content = content_new(ctx->msg, NULL);
	ctx->passwords = scan_passwords(ctx);
	ctx->obj_limits.passwords = ctx->passwords;
	ctx->obj_limits.sevenzip = *eng->cfg->ppap.sevenzip != '\0' ?
	    eng->cfg->ppap.sevenzip : NULL;
	ctx->objects = obj_tree_build(ctx->msg, &ctx->obj_limits);
	content_add_objects(ctx->content, ctx->objects);
	content_set_passwords(ctx->content, ctx->passwords, ctx->ppap_password_mail);
}

enum mamori_status
mamori_scan(const struct mamori_engine *eng, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, struct mamori_result **out)
{
	return mamori_scan_ex(eng, msg, len, env, NULL, out);
}

enum mamori_status
mamori_scan_ex(const struct mamori_engine *eng, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_scan_opts *opts,
    struct mamori_result **out)
{
	struct scan_ctx ctx = {
		.eng = eng,
		.opts = opts != NULL ? opts : &no_opts,
		.env = env != NULL ? env : &no_envelope,
		.start_us = g_get_monotonic_time(),
		.raw = msg != NULL ? msg : (const uint8_t *)"",
		.raw_len = msg != NULL ? len : 0,
	};

	ctx.deadline_us = ctx.start_us + (gint64)eng->cfg->limits.scan_time_ms * 1000;
	ctx.res = result_new(eng->cfg->limits.symbol_options);
	struct mime_message *m = mime_message_parse(msg != NULL ? msg : (const uint8_t *)"",
	    msg != NULL ? len : 0, &eng->mime_limits);
	ctx.msg = m;

	/*
	 * The message stage only names what the parser found and is cheap: it
	 * always runs, so a slow parse cannot hide its own findings.  Later
	 * stages stop when the budget is spent.  The object tree (unpacking,
	 * decryption: the heavy part) is built just before the content stage,
	 * so that authentication, which waits on DNS, starts first and is not
	 * starved by a slow unpack.
	 */
	bool expired = false;
	for (int stage = 0; stage < MAMORI_STAGE_COUNT && !expired; stage++) {
		if (stage == MAMORI_STAGE_CONTENT)
			scan_build_objects(&ctx);
		for (size_t i = 0; eng->checks[i] != NULL; i++) {
			const struct mamori_check *c = eng->checks[i];
			if ((int)c->stage != stage || c->run == NULL)
				continue;
			if (stage != MAMORI_STAGE_MESSAGE && scan_expired(&ctx)) {
				scan_limit(&ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time(%s)", c->name);
				expired = true;
				break;
			}
			c->run(&ctx);
		}
	}
	/* a scan whose budget ran out before the content stage still reports
	 * its attachments (their unpacking stops at the deadline) */
	scan_build_objects(&ctx);
	/* the subject key correlates a held message with its password mail:
	 * only those two need it */
	if (m->headers != NULL && m->headers->subject != NULL &&
	    (ctx.res->ppap_candidates != NULL || mamori_result_has_symbol(ctx.res, "PPAP_HELD")))
		ctx.res->ppap_subject_key = ppap_subject_key(m->headers->subject);
	/* over budget without skipping a check (a slow parse): still say so */
	if (!expired && scan_expired(&ctx))
		scan_limit(&ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time");
	result_finish(ctx.res, eng->cfg);
	double ms = (double)(g_get_monotonic_time() - ctx.start_us) / 1000.0;
	ctx.res->report = report_build(&ctx, ms);
	if (ctx.findings != NULL)
		g_hash_table_unref(ctx.findings);
	content_free(ctx.content);
	obj_tree_free(ctx.objects);
	pw_list_free(ctx.passwords);
	mime_message_free(m);
	dns_ctx_free(ctx.dns);
	g_free(ctx.auth_json);
	*out = ctx.res;
	return ctx.res->report != NULL ? MAMORI_OK : MAMORI_ERR_INTERNAL;
}

char *
mamori_dump_message(const struct mamori_engine *eng, const uint8_t *msg, size_t len)
{
	struct mime_message *m = mime_message_parse(msg, len, &eng->mime_limits);
	char *out = report_message_dump(m);
	mime_message_free(m);
	return out;
}
