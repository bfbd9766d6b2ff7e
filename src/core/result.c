/*
 * result.c - symbols, score and action of one scan.
 *
 * Design: a symbol is added once with the configured weight; later adds of
 * the same symbol only add options (the evidence).  Options are capped per
 * symbol (limits.symbol_options) and each is cut to OPTION_MAX bytes of
 * valid UTF-8, since they often quote attacker-chosen text.
 *
 * The action is the most severe of: the action the score reaches, and the
 * actions forced by symbols (docs/report.md explains the order).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "dns/dns.h"
#include "scan_ctx.h"
#include "util/text.h"

#define OPTION_MAX 200

const struct mime_message *
scan_message(const struct scan_ctx *ctx)
{
	return ctx->msg;
}

const struct mamori_envelope *
scan_envelope(const struct scan_ctx *ctx)
{
	return ctx->env;
}

struct mamori_store *
scan_store(const struct scan_ctx *ctx)
{
	return ctx->eng->store;
}

bool
scan_expired(const struct scan_ctx *ctx)
{
	return g_get_monotonic_time() > ctx->deadline_us;
}

const uint8_t *
scan_raw(const struct scan_ctx *ctx, size_t *len)
{
	*len = ctx->raw_len;
	return ctx->raw;
}

struct dns_ctx *
scan_dns(struct scan_ctx *ctx)
{
	if (ctx->dns == NULL)
		ctx->dns = dns_ctx_new(ctx->eng->dns, ctx->eng->cfg->dns.max_lookups,
		    ctx->deadline_us);
	return ctx->dns;
}

struct dns_ctx *
scan_dns_new(struct scan_ctx *ctx)
{
	return dns_ctx_new(ctx->eng->dns, ctx->eng->cfg->dns.max_lookups,
	    ctx->deadline_us);
}

void
scan_set_auth_results(struct scan_ctx *ctx, const char *value,
    const unsigned *forged, size_t nforged)
{
	struct mamori_result *res = ctx->res;

	g_free(res->auth_results);
	res->auth_results = g_strdup(value);
	if (res->forged_ar == NULL)
		res->forged_ar = g_array_new(FALSE, FALSE, sizeof(unsigned));
	g_array_set_size(res->forged_ar, 0);
	g_array_append_vals(res->forged_ar, forged, (guint)nforged);
}

const char *
mamori_result_auth_results(const struct mamori_result *res)
{
	return res->auth_results;
}

size_t
mamori_result_forged_ar(const struct mamori_result *res, const unsigned **pos)
{
	if (res->forged_ar == NULL || res->forged_ar->len == 0) {
		*pos = NULL;
		return 0;
	}
	*pos = (const unsigned *)(void *)res->forged_ar->data;
	return res->forged_ar->len;
}

const void *
scan_module_conf(const struct scan_ctx *ctx)
{
	return ctx->eng->cfg->mconf[ctx->cur];
}

const void *
scan_module_engine(const struct scan_ctx *ctx)
{
	return ctx->eng->mengine[ctx->cur];
}

void *
scan_module_state(const struct scan_ctx *ctx)
{
	return ctx->mstate != NULL ? ctx->mstate[ctx->cur] : NULL;
}

void
module_force(struct module_setup *s, mamori_sym sym, int action)
{
	struct sym_info *si = g_hash_table_lookup(s->eng->symbols, sym->name);

	if (si != NULL)
		si->action = action == MAMORI_ACTION_ACCEPT || action == MAMORI_ACTION_HOLD ?
		    -1 : action;
}

void
module_want_html_stats(struct module_setup *s)
{
	s->eng->html_sa_stats = true;
}

static void
hit_free(gpointer p)
{
	struct sym_hit *h = p;
	g_ptr_array_unref(h->options);
	g_free(h);
}

struct mamori_result *
result_new(unsigned max_options)
{
	struct mamori_result *res = g_new0(struct mamori_result, 1);
	res->hits = g_ptr_array_new_with_free_func(hit_free);
	res->index = g_hash_table_new(g_str_hash, g_str_equal);
	res->max_options = max_options;
	return res;
}

static struct sym_hit *
add_named(struct scan_ctx *ctx, const char *symbol, const char *option)
{
	struct mamori_result *res = ctx->res;
	struct sym_hit *h = g_hash_table_lookup(res->index, symbol);

	if (h == NULL) {
		const struct sym_info *info = g_hash_table_lookup(ctx->eng->symbols, symbol);
		if (info == NULL) {
			/* a check added a symbol it did not declare: a bug */
			g_critical("symbol %s is not registered", symbol);
			return NULL;
		}
		h = g_new0(struct sym_hit, 1);
		h->info = info;
		h->score = info->weight;
		h->options = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(res->hits, h);
		g_hash_table_insert(res->index, (gpointer)info->def->name, h);
	}
	if (option == NULL || h->options->len >= res->max_options)
		return h;
	char *o = text_clean_copy(option, strlen(option), OPTION_MAX);
	for (guint i = 0; i < h->options->len; i++) {
		if (strcmp(g_ptr_array_index(h->options, i), o) == 0) {
			g_free(o);
			return h;
		}
	}
	g_ptr_array_add(h->options, o);
	return h;
}

void
scan_add(struct scan_ctx *ctx, mamori_sym sym, const char *option)
{
	add_named(ctx, sym->name, option);
}

void
scan_addf(struct scan_ctx *ctx, mamori_sym sym, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *o = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	add_named(ctx, sym->name, o);
	g_free(o);
}

void
scan_add_scaled(struct scan_ctx *ctx, mamori_sym sym, double factor, const char *option)
{
	struct sym_hit *h = add_named(ctx, sym->name, option);

	if (h == NULL)
		return;
	if (!(factor >= 0.0))	/* NaN too */
		factor = 0.0;
	if (factor > 1.0)
		factor = 1.0;
	h->score = h->info->weight * factor;
}

bool
scan_has(const struct scan_ctx *ctx, const char *name)
{
	return g_hash_table_contains(ctx->res->index, name);
}

void
scan_set_spam_probability(struct scan_ctx *ctx, double p)
{
	ctx->spam_prob = p;
	ctx->have_spam_prob = true;
}

bool
scan_spam_probability(const struct scan_ctx *ctx, double *p)
{
	*p = ctx->spam_prob;
	return ctx->have_spam_prob;
}

struct scan_dnsbl_rec {
	char *zone;
	char *ip;
	unsigned ip_index;
	struct dns_answer *a, *txt;
};

static void
dnsbl_rec_free(gpointer p)
{
	struct scan_dnsbl_rec *r = p;
	g_free(r->zone);
	g_free(r->ip);
	dns_answer_free(r->a);
	if (r->txt != NULL)
		dns_answer_free(r->txt);
	g_free(r);
}

void
scan_dnsbl_record(struct scan_ctx *ctx, const char *zone, unsigned ip_index,
    const char *ip, struct dns_answer *a, struct dns_answer *txt)
{
	struct scan_dnsbl_rec *r = g_new0(struct scan_dnsbl_rec, 1);
	r->zone = g_strdup(zone);
	r->ip = g_strdup(ip);
	r->ip_index = ip_index;
	r->a = a;
	r->txt = txt;
	if (ctx->dnsbl == NULL)
		ctx->dnsbl = g_ptr_array_new_with_free_func(dnsbl_rec_free);
	g_ptr_array_add(ctx->dnsbl, r);
}

/* zone equals want, case-insensitive, want's trailing dots ignored */
static bool
zone_equal(const char *zone, const char *want)
{
	size_t n = strlen(want);
	while (n > 0 && want[n - 1] == '.')
		n--;
	return strlen(zone) == n && g_ascii_strncasecmp(zone, want, n) == 0;
}

bool
scan_dnsbl_answer(const struct scan_ctx *ctx, const char *zone, unsigned ip_index,
    const struct dns_answer **a, const struct dns_answer **txt)
{
	if (ctx->dnsbl == NULL)
		return false;
	for (guint i = 0; i < ctx->dnsbl->len; i++) {
		const struct scan_dnsbl_rec *r = g_ptr_array_index(ctx->dnsbl, i);
		if (r->ip_index == ip_index && zone_equal(r->zone, zone)) {
			*a = r->a;
			*txt = r->txt;
			return true;
		}
	}
	return false;
}

void
scan_dnsbl_free(struct scan_ctx *ctx)
{
	if (ctx->dnsbl != NULL)
		g_ptr_array_unref(ctx->dnsbl);
	ctx->dnsbl = NULL;
}

double
scan_score_others(const struct scan_ctx *ctx)
{
	const struct mamori_module *mod = ctx->eng->modules[ctx->cur];
	double score = 0;

	for (guint i = 0; i < ctx->res->hits->len; i++) {
		const struct sym_hit *h = g_ptr_array_index(ctx->res->hits, i);
		bool own = false;
		/* by identity (a module's symbols are few): pointers into
		 * different tables are not ordered */
		for (size_t j = 0; j < mod->nsymbols && !own; j++)
			own = h->info->def == &mod->symbols[j];
		if (!own)
			score += h->score;
	}
	return round(score * 1000.0) / 1000.0;
}

void
scan_limit(struct scan_ctx *ctx, enum mamori_limit l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *o = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	add_named(ctx, "SCAN_LIMIT_EXCEEDED", o);
	g_free(o);
	int a = ctx->eng->cfg->limits.on_exceeded[l];
	if (a > (int)ctx->res->limit_action)
		ctx->res->limit_action = (enum mamori_action)a;
}

const struct obj_tree *
scan_objects(const struct scan_ctx *ctx)
{
	return ctx->objects;
}

const struct content *
scan_content(const struct scan_ctx *ctx)
{
	return ctx->content;
}

void
scan_content_set_passwords(struct scan_ctx *ctx, const struct pw_list *l, bool notice)
{
	content_set_passwords(ctx->content, l, notice);
}

const struct mamori_scan_opts *
scan_opts(const struct scan_ctx *ctx)
{
	return ctx->opts;
}

void
scan_ppap_candidate(struct scan_ctx *ctx, const char *pw)
{
	if (ctx->res->ppap_candidates == NULL)
		ctx->res->ppap_candidates = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(ctx->res->ppap_candidates, g_strdup(pw));
}

void
scan_ppap_subject_key(struct scan_ctx *ctx, char *key)
{
	g_free(ctx->res->ppap_subject_key);
	ctx->res->ppap_subject_key = key;
}

void
scan_ppap_encrypted(struct scan_ctx *ctx, const char *name)
{
	GPtrArray *a = ctx->res->ppap_encrypted;

	if (a == NULL)
		a = ctx->res->ppap_encrypted = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], name) == 0)
			return;
	g_ptr_array_add(a, g_strdup(name));
}

size_t
mamori_result_ppap_encrypted(const struct mamori_result *res, const char *const **names)
{
	if (res->ppap_encrypted == NULL) {
		*names = NULL;
		return 0;
	}
	*names = (const char *const *)res->ppap_encrypted->pdata;
	return res->ppap_encrypted->len;
}

size_t
mamori_result_ppap_candidates(const struct mamori_result *res, const char *const **pw)
{
	if (res->ppap_candidates == NULL) {
		*pw = NULL;
		return 0;
	}
	*pw = (const char *const *)res->ppap_candidates->pdata;
	return res->ppap_candidates->len;
}

const char *
mamori_result_ppap_subject_key(const struct mamori_result *res)
{
	return res->ppap_subject_key;
}

static void
str_array_free(gpointer p)
{
	g_ptr_array_unref(p);
}

void
scan_object_addf(struct scan_ctx *ctx, const struct mobj *o, mamori_sym sym,
    const char *fmt, ...)
{
	const char *symbol = sym->name;
	va_list ap;
	va_start(ap, fmt);
	char *opt = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	add_named(ctx, symbol, opt);
	g_free(opt);
	if (ctx->findings == NULL)
		ctx->findings = g_hash_table_new_full(g_direct_hash, g_direct_equal,
		    NULL, str_array_free);
	GPtrArray *l = g_hash_table_lookup(ctx->findings, GUINT_TO_POINTER(o->id));
	if (l == NULL) {
		l = g_ptr_array_new();
		g_hash_table_insert(ctx->findings, GUINT_TO_POINTER(o->id), l);
	}
	const struct sym_info *info = g_hash_table_lookup(ctx->eng->symbols, symbol);
	if (info == NULL)
		return;
	for (guint i = 0; i < l->len; i++)
		if (g_ptr_array_index(l, i) == info->def->name)
			return;
	g_ptr_array_add(l, (gpointer)info->def->name);
}

/* The action and score of the symbols added so far (scan_action_so_far()
 * and result_finish()). */
static enum mamori_action
action_of(const struct mamori_result *res, const struct mamori_config *cfg, double *out)
{
	double score = 0;
	/* a limit's action (limits.on_exceeded) is forced like a symbol's */
	enum mamori_action act = res->limit_action;

	for (guint i = 0; i < res->hits->len; i++) {
		const struct sym_hit *h = g_ptr_array_index(res->hits, i);
		score += h->score;
		if (h->info->action >= 0 && (enum mamori_action)h->info->action > act)
			act = (enum mamori_action)h->info->action;
	}
	/* round away float noise: scores are shown with two decimals */
	score = round(score * 1000.0) / 1000.0;
	for (int a = MAMORI_ACTION_COUNT - 1; a > MAMORI_ACTION_ACCEPT; a--) {
		if (!isnan(cfg->threshold[a]) && score >= cfg->threshold[a]) {
			if ((enum mamori_action)a > act)
				act = (enum mamori_action)a;
			break;
		}
	}
	*out = score;
	return act;
}

enum mamori_action
scan_action_so_far(const struct scan_ctx *ctx, double *score)
{
	double s;
	enum mamori_action a = action_of(ctx->res, ctx->eng->cfg, &s);
	if (score != NULL)
		*score = s;
	return a;
}

void
result_finish(struct mamori_result *res, const struct mamori_config *cfg)
{
	res->action = action_of(res, cfg, &res->score);
}

enum mamori_action
mamori_result_action(const struct mamori_result *res)
{
	return res->action;
}

double
mamori_result_score(const struct mamori_result *res)
{
	return res->score;
}

size_t
mamori_result_nsymbols(const struct mamori_result *res)
{
	return res->hits->len;
}

const char *
mamori_result_symbol(const struct mamori_result *res, size_t i, double *score)
{
	if (i >= res->hits->len)
		return NULL;
	const struct sym_hit *h = g_ptr_array_index(res->hits, (guint)i);
	if (score != NULL)
		*score = h->score;
	return h->info->def->name;
}

bool
mamori_result_has_symbol(const struct mamori_result *res, const char *name)
{
	return g_hash_table_contains(res->index, name);
}

const char *
mamori_result_json(const struct mamori_result *res)
{
	return res->report;
}

static gint
hit_cmp(gconstpointer a, gconstpointer b)
{
	const struct sym_hit *x = *(const struct sym_hit *const *)a;
	const struct sym_hit *y = *(const struct sym_hit *const *)b;
	if (fabs(x->score) != fabs(y->score))
		return fabs(x->score) > fabs(y->score) ? -1 : 1;
	return strcmp(x->info->def->name, y->info->def->name);
}

char *
mamori_result_summary(const struct mamori_result *res, size_t max_symbols)
{
	GString *s = g_string_new(NULL);
	GPtrArray *sorted = g_ptr_array_sized_new(res->hits->len);

	for (guint i = 0; i < res->hits->len; i++)
		g_ptr_array_add(sorted, g_ptr_array_index(res->hits, i));
	g_ptr_array_sort(sorted, hit_cmp);
	g_string_append_printf(s, "%-10s %6.2f", mamori_action_name(res->action),
	    res->score);
	for (guint i = 0; i < sorted->len && i < max_symbols; i++) {
		const struct sym_hit *h = g_ptr_array_index(sorted, i);
		g_string_append_printf(s, " %s(%.2f)", h->info->def->name, h->score);
		if (h->options->len > 0) {
			g_string_append_c(s, '[');
			for (guint j = 0; j < h->options->len && j < 3; j++)
				g_string_append_printf(s, "%s%s", j ? "," : "",
				    (const char *)g_ptr_array_index(h->options, j));
			if (h->options->len > 3)
				g_string_append(s, ",...");
			g_string_append_c(s, ']');
		}
	}
	if (sorted->len > max_symbols)
		g_string_append_printf(s, " +%u more", sorted->len - (guint)max_symbols);
	g_ptr_array_unref(sorted);
	return g_string_free(s, FALSE);
}

void
mamori_result_free(struct mamori_result *res)
{
	if (res == NULL)
		return;
	g_ptr_array_unref(res->hits);
	g_hash_table_unref(res->index);
	g_free(res->report);
	g_free(res->auth_results);
	if (res->forged_ar != NULL)
		g_array_free(res->forged_ar, TRUE);
	if (res->ppap_encrypted != NULL)
		g_ptr_array_unref(res->ppap_encrypted);
	if (res->ppap_candidates != NULL)
		g_ptr_array_unref(res->ppap_candidates);
	g_free(res->ppap_subject_key);
	g_free(res);
}
