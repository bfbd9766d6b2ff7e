/*
 * scan.c - the engine and the scan driver: the only code that knows the
 * order of stages.  It knows no feature by name: the modules
 * (registry.c, module.h) bring their configuration sections, symbols,
 * engines, per-scan state and report sections.
 *
 * An engine is built once from a configuration: it merges every module's
 * symbol definitions with the configured weights and forced actions (an
 * unknown symbol name in the configuration is an error with FILE:LINE),
 * builds each module's engine (compiled rules ...), and is immutable
 * afterwards, so scans on many threads share it.
 *
 * A scan parses the message (GMime, bounded by the limits), runs the
 * message and authentication stages, builds the object tree (unpacking,
 * decryption: the heavy part, after authentication so that a slow unpack
 * cannot starve the DNS-bound checks), runs the content and post stages
 * until the time budget is spent (then SCAN_LIMIT_EXCEEDED names the
 * module that was skipped: never a silent pass), scores, chooses the
 * action and builds the JSON report with each stage's time.  Everything
 * but the result is freed before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "content/content.h"
#include "core/scan_ctx.h"
#include "dns/dns.h"

static size_t
module_count(void)
{
	size_t n = 0;
	while (mamori_modules[n] != NULL)
		n++;
	return n;
}

/* The modules' configuration sections, parallel to the registry (NULL
 * for a module without one). */
static const struct conf_section *const *
module_sections(void)
{
	static const struct conf_section **secs;
	static gsize once;

	if (g_once_init_enter(&once)) {
		size_t n = module_count();
		secs = g_new0(const struct conf_section *, n + 1);
		for (size_t i = 0; i < n; i++)
			if (mamori_modules[i]->conf.name != NULL)
				secs[i] = &mamori_modules[i]->conf;
		g_once_init_leave(&once, 1);
	}
	return secs;
}

struct mamori_config *
mamori_config_new_default(void)
{
	return config_new(module_sections(), module_count());
}

enum mamori_status
mamori_config_load_fd(int fd, const char *path, struct mamori_config **out, char *err,
    size_t errlen)
{
	return config_load_fd(fd, path, module_sections(), module_count(), out, err, errlen);
}

enum mamori_status
mamori_config_load(const char *path, struct mamori_config **out, char *err,
    size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, g_strerror(errno));
		return MAMORI_ERR_CONFIG;
	}
	return mamori_config_load_fd(fd, path, out, err, errlen);
}

static void
section_keys(GString *out, const struct conf_section *sec)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct conf_key *k = &sec->keys[i];
		char *d = conf_default_text(k);
		g_string_append_printf(out, "%s.%s\t%s\t%s\t%s\n", sec->name, k->name,
		    conf_type_name(k), d, k->doc);
		g_free(d);
		if (k->type == CONF_T_GROUPS)	/* each group's keys: sub->name is dotted */
			section_keys(out, k->sub);
	}
}

char *
mamori_config_keys(void)
{
	GString *out = g_string_new(NULL);
	const struct conf_section *const *msec = module_sections();

	for (size_t i = 0; config_core_sections[i] != NULL; i++) {
		section_keys(out, config_core_sections[i]);
		if (strcmp(config_core_sections[i]->name, "limits") == 0)
			g_string_append(out, "limits.on_exceeded\tgroup\t{ ... }\tthe action each "
			    "limit forces when hit: one key per limit\n");
	}
	for (size_t i = 0; i < module_count(); i++)
		if (msec[i] != NULL)
			section_keys(out, msec[i]);
	g_string_append(out,
	    "actions.add_header\tnumber\t6\tscore from which the action is add_header\n"
	    "actions.quarantine\tnumber\t10\tscore from which the action is quarantine\n"
	    "actions.reject\tnumber\t15\tscore from which the action is reject\n"
	    "symbols.<NAME>.weight\tnumber\t(the symbol's)\tthe symbol's weight\n"
	    "symbols.<NAME>.action\taction\t(the symbol's)\tthe action the symbol forces\n");
	return g_string_free(out, FALSE);
}

char *
mamori_symbols(void)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < module_count(); i++) {
		const struct mamori_module *m = mamori_modules[i];
		for (size_t j = 0; j < m->nsymbols; j++) {
			const struct mamori_symbol_def *d = &m->symbols[j];
			g_string_append_printf(out, "%s\t%g\t%s\t%s\t%s\n", d->name, d->weight,
			    d->force != NO_FORCE ? mamori_action_name(d->force) : "-", m->name,
			    d->desc);
		}
	}
	return g_string_free(out, FALSE);
}

static void
sym_info_free(gpointer p)
{
	g_free(p);
}

static void
dyn_symbol_free(gpointer p)
{
	struct mamori_symbol_def *d = p;
	g_free((char *)d->name);
	g_free((char *)d->desc);
	g_free(d);
}

static struct sym_info *
sym_info_new(const struct mamori_symbol_def *d)
{
	struct sym_info *si = g_new0(struct sym_info, 1);
	si->def = d;
	si->weight = d->weight;
	si->action = d->force != MAMORI_ACTION_ACCEPT ? (int)d->force : -1;
	return si;
}

/* Every module's symbols with their default weights and forced actions. */
static bool
engine_symbols(struct mamori_engine *eng, char *err, size_t errlen)
{
	eng->symbols = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sym_info_free);
	eng->dyn_symbols = g_ptr_array_new_with_free_func(dyn_symbol_free);
	for (size_t i = 0; i < eng->nmodules; i++) {
		const struct mamori_module *m = eng->modules[i];
		for (size_t j = 0; j < m->nsymbols; j++) {
			const struct mamori_symbol_def *d = &m->symbols[j];
			if (g_hash_table_contains(eng->symbols, d->name)) {
				snprintf(err, errlen, "symbol %s is defined twice (module %s)",
				    d->name, m->name);
				return false;
			}
			g_hash_table_insert(eng->symbols, (gpointer)d->name, sym_info_new(d));
		}
	}
	return true;
}

/* symbols.NAME names a symbol, static or defined by a module's
 * configuration (after engine_modules()). */
static bool
engine_symbols_known(struct mamori_engine *eng, char *err, size_t errlen)
{
	const struct mamori_config *cfg = eng->cfg;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, cfg->symbols);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct symbol_conf *sc = v;
		if (!g_hash_table_contains(eng->symbols, k)) {
			snprintf(err, errlen, "%s:%d: unknown symbol %s (see docs/symbols.md)",
			    cfg->path != NULL ? cfg->path : "config", sc->line,
			    (const char *)k);
			return false;
		}
	}
	return true;
}

mamori_sym
module_symbol_add(struct module_setup *s, const char *name, double weight, const char *desc)
{
	struct mamori_engine *eng = s->eng;

	if (g_hash_table_contains(eng->symbols, name))
		return NULL;
	struct mamori_symbol_def *d = g_new0(struct mamori_symbol_def, 1);
	d->name = g_strdup(name);
	d->weight = weight;
	d->desc = g_strdup(desc != NULL ? desc : "");
	d->force = NO_FORCE;
	g_ptr_array_add(eng->dyn_symbols, d);
	g_hash_table_insert(eng->symbols, (gpointer)d->name, sym_info_new(d));
	return d;
}

/* symbols.NAME: weights and forced actions, over the defaults and the
 * modules' policies (module_force()). */
static void
engine_symbol_conf(struct mamori_engine *eng)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, eng->cfg->symbols);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct symbol_conf *sc = v;
		struct sym_info *si = g_hash_table_lookup(eng->symbols, k);
		if (sc->has_weight)
			si->weight = sc->weight;
		if (sc->action >= 0)
			si->action = sc->action;
		else if (sc->action == SYMBOL_ACTION_NONE)
			si->action = -1;
	}
}

/* Each module's engine: built once, shared read-only by every scan. */
static bool
engine_modules(struct mamori_engine *eng, char *err, size_t errlen)
{
	for (size_t i = 0; i < eng->nmodules; i++) {
		const struct mamori_module *m = eng->modules[i];
		if (m->engine_new == NULL)
			continue;
		struct module_setup s = {
			.cfg = eng->cfg,
			.conf = eng->cfg->mconf[i],
			.eng = eng,
			.err = err,
			.errlen = errlen,
		};
		if (!m->engine_new(&s, &eng->mengine[i]))
			return false;
	}
	return true;
}

enum mamori_status
mamori_engine_new(struct mamori_config *cfg, struct mamori_engine **out,
    char *err, size_t errlen)
{
	struct mamori_engine *eng = g_new0(struct mamori_engine, 1);

	*out = NULL;
	eng->cfg = cfg;
	eng->modules = mamori_modules;
	eng->nmodules = module_count();
	eng->mengine = g_new0(void *, eng->nmodules);
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
		.deob_steps = l->deobfuscation_steps,
		.deob_bytes = l->deobfuscation_bytes,
	};
	if (!engine_symbols(eng, err, errlen) || !engine_modules(eng, err, errlen) ||
	    !engine_symbols_known(eng, err, errlen)) {
		mamori_engine_free(eng);
		return MAMORI_ERR_CONFIG;
	}
	engine_symbol_conf(eng);
	eng->obj_limits.html_sa_stats = eng->html_sa_stats;
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

char *
mamori_engine_summary(const struct mamori_engine *eng, bool detail)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < eng->nmodules; i++) {
		const struct mamori_module *m = eng->modules[i];
		if (m->engine_summary == NULL || eng->mengine[i] == NULL)
			continue;
		char *t = m->engine_summary(eng->mengine[i], detail);
		if (t != NULL)
			g_string_append(out, t);
		g_free(t);
	}
	return g_string_free(out, FALSE);
}

const struct mamori_config *
mamori_engine_config(const struct mamori_engine *eng)
{
	return eng->cfg;
}

void
mamori_engine_set_store(struct mamori_engine *eng, struct mamori_store *store)
{
	eng->store = store;
}

void
mamori_engine_free(struct mamori_engine *eng)
{
	if (eng == NULL)
		return;
	if (eng->symbols != NULL)
		g_hash_table_unref(eng->symbols);
	if (eng->dyn_symbols != NULL)
		g_ptr_array_unref(eng->dyn_symbols);
	dns_resolver_free(eng->dns);
	for (size_t i = 0; eng->mengine != NULL && i < eng->nmodules; i++)
		if (eng->mengine[i] != NULL && eng->modules[i]->engine_free != NULL)
			eng->modules[i]->engine_free(eng->mengine[i]);
	g_free(eng->mengine);
	mamori_config_free(eng->cfg);
	g_free(eng);
}

static const struct mamori_envelope no_envelope;
static const struct mamori_scan_opts no_opts;

/* The object tree of the scan, once: the modules' prepare() give it their
 * settings and inputs (padding, password candidates), then it is built. */
static void
scan_build_objects(struct scan_ctx *ctx)
{
	const struct mamori_engine *eng = ctx->eng;

	if (ctx->objects != NULL)
		return;
	gint64 t0 = g_get_monotonic_time();
	ctx->obj_limits = eng->obj_limits;
	ctx->obj_limits.deadline_us = ctx->deadline_us;
	ctx->obj_limits.mime = &eng->mime_limits;
	struct content_limits cl = content_limits_default;
	cl.html = html_limits_default;
	cl.html.no_sa_stats = !eng->obj_limits.html_sa_stats;
	ctx->content = content_new(ctx->msg, &cl);
	for (size_t i = 0; i < eng->nmodules; i++) {
		if (eng->modules[i]->prepare == NULL)
			continue;
		ctx->cur = i;
		eng->modules[i]->prepare(ctx, &ctx->obj_limits);
	}
	ctx->objects = obj_tree_build(ctx->msg, &ctx->obj_limits);
	content_add_objects(ctx->content, ctx->objects);
	ctx->stage_ms[STAGE_MS_OBJECTS] += (double)(g_get_monotonic_time() - t0) / 1000.0;
}

/* A scan's context: its result, the modules' states and the parsed
 * message. */
static void
scan_begin(struct scan_ctx *ctx, const struct mamori_engine *eng, const uint8_t *msg,
    size_t len, const struct mamori_envelope *env, const struct mamori_scan_opts *opts)
{
	*ctx = (struct scan_ctx){
		.eng = eng,
		.opts = opts != NULL ? opts : &no_opts,
		.env = env != NULL ? env : &no_envelope,
		.start_us = g_get_monotonic_time(),
		.raw = msg != NULL ? msg : (const uint8_t *)"",
		.raw_len = msg != NULL ? len : 0,
	};
	ctx->deadline_us = ctx->start_us + (gint64)eng->cfg->limits.scan_time_ms * 1000;
	ctx->res = result_new(eng->cfg->limits.symbol_options);
	ctx->mstate = g_new0(void *, eng->nmodules);
	for (size_t i = 0; i < eng->nmodules; i++)
		if (eng->modules[i]->state_size > 0)
			ctx->mstate[i] = g_malloc0(eng->modules[i]->state_size);
	ctx->msg = mime_message_parse(ctx->raw, ctx->raw_len, &eng->mime_limits);
}

/* Everything of the scan but its result. */
static void
scan_end(struct scan_ctx *ctx)
{
	const struct mamori_engine *eng = ctx->eng;

	if (ctx->findings != NULL)
		g_hash_table_unref(ctx->findings);
	for (size_t i = 0; i < eng->nmodules; i++) {
		if (ctx->mstate[i] != NULL && eng->modules[i]->state_free != NULL)
			eng->modules[i]->state_free(ctx->mstate[i]);
		g_free(ctx->mstate[i]);
	}
	g_free(ctx->mstate);
	content_free(ctx->content);
	obj_tree_free(ctx->objects);
	mime_message_free((struct mime_message *)ctx->msg);	/* scan_begin() parsed it */
	dns_ctx_free(ctx->dns);
	scan_dnsbl_free(ctx);
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
	struct scan_ctx ctx;

	scan_begin(&ctx, eng, msg, len, env, opts);
	gint64 t = g_get_monotonic_time();
	ctx.stage_ms[STAGE_MS_PARSE] = (double)(t - ctx.start_us) / 1000.0;

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
		if (stage == MAMORI_STAGE_CONTENT) {
			scan_build_objects(&ctx);
			t = g_get_monotonic_time();
		}
		for (size_t i = 0; i < eng->nmodules; i++) {
			const struct mamori_module *mod = eng->modules[i];
			if ((int)mod->stage != stage || mod->run == NULL)
				continue;
			if (stage != MAMORI_STAGE_MESSAGE && scan_expired(&ctx)) {
				scan_limit(&ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time(%s)", mod->name);
				expired = true;
				break;
			}
			ctx.cur = i;
			mod->run(&ctx);
		}
		gint64 now = g_get_monotonic_time();
		ctx.stage_ms[STAGE_MS_MESSAGE + stage] += (double)(now - t) / 1000.0;
		t = now;
	}
	/* a scan whose budget ran out before the content stage still reports
	 * its attachments (their unpacking stops at the deadline) */
	scan_build_objects(&ctx);
	for (size_t i = 0; i < eng->nmodules; i++) {
		if (eng->modules[i]->finish == NULL)
			continue;
		ctx.cur = i;
		eng->modules[i]->finish(&ctx);
	}
	/* over budget without skipping a module (a slow parse): still say so */
	if (!expired && scan_expired(&ctx))
		scan_limit(&ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time");
	result_finish(ctx.res, eng->cfg);
	double ms = (double)(g_get_monotonic_time() - ctx.start_us) / 1000.0;
	ctx.res->report = report_build(&ctx, ms);
	*out = ctx.res;
	scan_end(&ctx);
	return (*out)->report != NULL ? MAMORI_OK : MAMORI_ERR_INTERNAL;
}

const char *
mamori_learn_outcome_name(enum mamori_learn_outcome o)
{
	switch (o) {
	case MAMORI_LEARNED:
		return "learned";
	case MAMORI_LEARN_ALREADY:
		return "already learned";
	case MAMORI_RELEARNED:
		return "relearned";
	case MAMORI_FORGOTTEN:
		return "forgotten";
	case MAMORI_NOT_LEARNED:
		return "not learned";
	}
	return "unknown";
}

/* Whether a module of eng learns (and may: its section is not off). */
static bool
learns(const struct mamori_engine *eng)
{
	for (size_t i = 0; i < eng->nmodules; i++)
		if (eng->modules[i]->learn != NULL)
			return true;
	return false;
}

/*
 * The message is parsed and its object tree and content built as for a
 * scan (the same features, so that a learned message is recognised when
 * it is scanned), then handed to the modules that learn; no module runs.
 */
enum mamori_status
mamori_learn(const struct mamori_engine *eng, const uint8_t *msg, size_t len,
    enum mamori_learn_class cls, bool forget, enum mamori_learn_outcome *out, char *err,
    size_t errlen)
{
	struct scan_ctx ctx;
	enum mamori_status rc = MAMORI_OK;

	*out = MAMORI_NOT_LEARNED;
	if (eng->store == NULL) {
		snprintf(err, errlen, "learning needs a state directory (--state DIR)");
		return MAMORI_ERR_CONFIG;
	}
	if (!learns(eng)) {
		snprintf(err, errlen, "no module learns");
		return MAMORI_ERR_CONFIG;
	}
	/* bounded like a scan (limits.scan_time_ms and every unpacking
	 * limit): a hostile message learned as spam must not hold a learner
	 * for ever; one cut short is learned from what was read */
	scan_begin(&ctx, eng, msg, len, NULL, NULL);
	scan_build_objects(&ctx);
	for (size_t i = 0; i < eng->nmodules && rc == MAMORI_OK; i++) {
		const struct mamori_module *mod = eng->modules[i];
		if (mod->learn == NULL)
			continue;
		ctx.cur = i;
		rc = mod->learn(&ctx, cls, forget, out, err, errlen);
	}
	mamori_result_free(ctx.res);
	scan_end(&ctx);
	return rc;
}

enum mamori_status
mamori_learn_commit(const struct mamori_engine *eng, char *err, size_t errlen)
{
	if (eng->store == NULL) {
		snprintf(err, errlen, "learning needs a state directory (--state DIR)");
		return MAMORI_ERR_CONFIG;
	}
	for (size_t i = 0; i < eng->nmodules; i++) {
		const struct mamori_module *mod = eng->modules[i];
		if (mod->learn_commit != NULL &&
		    !mod->learn_commit(eng->mengine[i], eng->store, err, errlen))
			return MAMORI_ERR_INTERNAL;
	}
	return MAMORI_OK;
}

char *
mamori_dump_message(const struct mamori_engine *eng, const uint8_t *msg, size_t len)
{
	struct mime_message *m = mime_message_parse(msg, len, &eng->mime_limits);
	char *out = report_message_dump(m);
	mime_message_free(m);
	return out;
}
