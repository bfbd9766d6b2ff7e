/*
 * report.c - the JSON report (schema: docs/report.md) and the message dump.
 *
 * The top-level keys action, score, symbols, objects, urls, auth, message
 * and time_ms are a contract read outside the project: never rename them.
 * The report is streamed with util/jsonw, which escapes and repairs every
 * string, so hostile header bytes cannot break the JSON.
 */
#include <math.h>
#include <string.h>

#include "objects/filetype.h"
#include "objects/password.h"
#include "core/scan_ctx.h"
#include "util/jsonw.h"

static void
addr_list(struct jsonw *w, const char *key, const GArray *a)
{
	jw_arr(w, key);
	for (guint i = 0; i < a->len; i++) {
		const struct mime_addr *ad = &g_array_index(a, struct mime_addr, i);
		jw_obj(w, NULL);
		jw_str(w, "name", ad->name);
		jw_str(w, "address", ad->addr);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void
str_array(struct jsonw *w, const char *key, const GPtrArray *a)
{
	jw_arr(w, key);
	for (guint i = 0; i < a->len; i++)
		jw_str(w, NULL, g_ptr_array_index(a, i));
	jw_arr_end(w);
}

static void
date_iso(struct jsonw *w, const struct mime_headers *h)
{
	GDateTime *dt = h->date_ok ? g_date_time_new_from_unix_utc(h->date) : NULL;
	if (dt == NULL) {
		jw_null(w, "date");
		return;
	}
	char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	jw_str(w, "date", s);
	g_free(s);
}

/* Identity of a message: what operators search for.  Inside an object. */
static void
headers_summary(struct jsonw *w, const struct mime_headers *h, bool full)
{
	jw_str(w, "message_id", h->message_id);
	jw_str(w, "subject", h->subject);
	addr_list(w, "from", h->from);
	addr_list(w, "sender", h->sender);
	addr_list(w, "reply_to", h->reply_to);
	addr_list(w, "to", h->to);
	addr_list(w, "cc", h->cc);
	date_iso(w, h);
	jw_str(w, "date_raw", h->date_raw);
	jw_str(w, "in_reply_to", h->in_reply_to);
	str_array(w, "references", h->references);
	if (full)
		str_array(w, "received", h->received);
	else
		jw_int(w, "received", h->received->len);
}

static const char *
kind_name(enum mime_part_kind k)
{
	switch (k) {
	case MIME_PART_MULTIPART: return "multipart";
	case MIME_PART_MESSAGE: return "message";
	case MIME_PART_TEXT: return "text";
	case MIME_PART_HTML: return "html";
	case MIME_PART_ATTACHMENT: return "attachment";
	}
	return "attachment";
}

static bool
is_object(const struct mime_part *p)
{
	return p->kind == MIME_PART_ATTACHMENT || p->kind == MIME_PART_MESSAGE;
}

/* The object a part belongs under: its nearest ancestor that is one. */
static const struct mime_part *
object_parent(const struct mime_part *p)
{
	const struct mime_part *up = p->parent;
	while (up != NULL && !is_object(up))
		up = up->parent;
	return up;
}

/*
 * Attachments and attached messages as a tree, built once as first-child /
 * next-sibling links (parts are in document order, so linking in reverse
 * keeps that order).  JSON nesting is bounded: every OBJ_NEST_MAX levels
 * the tree starts again at the top, with each object's path saying where
 * it sits.
 */
#define OBJ_NEST_MAX 8

struct otree {
	const struct mime_message *msg;
	int *first_child;
	int *next;
	unsigned *level;
};

static void
object_json(struct jsonw *w, const struct otree *t, int i)
{
	const struct mime_part *p = g_ptr_array_index(t->msg->parts, (guint)i);

	jw_obj(w, NULL);
	jw_str(w, "path", p->path);
	jw_str(w, "name", p->filename);
	jw_str(w, "declared_type", p->type);
	jw_str(w, "disposition", p->disposition);
	jw_str(w, "encoding", p->encoding);
	jw_int(w, "size", (int64_t)p->len);
	jw_int(w, "depth", p->depth);
	if (p->origin == MIME_ORIGIN_UUENCODE)
		jw_str(w, "origin", "uuencode");
	if (p->truncated)
		jw_bool(w, "truncated", true);
	if (p->embedded != NULL) {
		jw_obj(w, "message");
		headers_summary(w, p->embedded, false);
		jw_obj_end(w);
	}
	jw_arr(w, "children");
	if ((t->level[i] + 1) % OBJ_NEST_MAX != 0)
		for (int c = t->first_child[i]; c >= 0; c = t->next[c])
			object_json(w, t, c);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void
objects_tree(struct jsonw *w, const struct mime_message *msg)
{
	guint n = msg->parts->len;
	struct otree t = {
		.msg = msg,
		.first_child = g_new(int, n + 1),
		.next = g_new(int, n + 1),
		.level = g_new0(unsigned, n + 1),
	};
	int root = -1;

	for (guint i = 0; i < n; i++) {
		t.first_child[i] = -1;
		t.next[i] = -1;
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		const struct mime_part *up = is_object(p) ? object_parent(p) : NULL;
		t.level[i] = up != NULL ? t.level[up->index] + 1 : 0;
	}
	for (guint k = n; k-- > 0;) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, k);
		if (!is_object(p))
			continue;
		const struct mime_part *up = object_parent(p);
		if (up != NULL && t.level[k] % OBJ_NEST_MAX != 0) {
			t.next[k] = t.first_child[up->index];
			t.first_child[up->index] = (int)k;
		} else {
			t.next[k] = root;
			root = (int)k;
		}
	}
	jw_arr(w, "objects");
	for (int i = root; i >= 0; i = t.next[i])
		object_json(w, &t, i);
	jw_arr_end(w);
	g_free(t.first_child);
	g_free(t.next);
	g_free(t.level);
}

static void
flag_json(struct jsonw *w, const struct mobj *o)
{
	static const struct { unsigned f; const char *name; } flags[] = {
		{ OBJ_ENCRYPTED, "encrypted" }, { OBJ_TRUNCATED, "truncated" },
		{ OBJ_PADDED, "padded" }, { OBJ_DAMAGED, "damaged" },
		{ OBJ_UNSUPPORTED, "unsupported" }, { OBJ_NOT_UNPACKED, "not_unpacked" },
		{ OBJ_NAMES_ENCRYPTED, "names_encrypted" }, { OBJ_BOMB, "bomb" },
		{ OBJ_DECRYPTED, "decrypted" },
	};
	jw_arr(w, "flags");
	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
		if (o->flags & flags[i].f)
			jw_str(w, NULL, flags[i].name);
	jw_arr_end(w);
}

/*
 * One object of the tree and its children.  JSON nesting is bounded: past
 * OBJ_NEST_MAX levels the children are listed flat at the top with their
 * paths (obj_json_deep), so hostile nesting cannot blow a reader's stack.
 */
static void
obj_json(struct jsonw *w, const struct scan_ctx *ctx, const struct mobj *o,
    unsigned level, GPtrArray *deep)
{
	char hex[65];

	jw_obj(w, NULL);
	jw_str(w, "path", o->path);
	jw_str(w, "name", o->name);
	jw_str(w, "origin", obj_origin_name(o->origin));
	jw_str(w, "declared_type", o->declared_type);
	jw_str(w, "type", o->type != NULL ? o->type->name : NULL);
	jw_str(w, "type_label", o->type != NULL ? o->type->label : NULL);
	if (o->container != NULL)
		jw_str(w, "container", o->container);
	if (o->part != NULL) {
		jw_str(w, "disposition", o->part->disposition);
		jw_str(w, "encoding", o->part->encoding);
		if (o->part->origin == MIME_ORIGIN_UUENCODE)
			jw_str(w, "mime_origin", "uuencode");
		if (o->part->embedded != NULL) {
			jw_obj(w, "message");
			headers_summary(w, o->part->embedded, false);
			jw_obj_end(w);
		}
	}
	jw_int(w, "size", (int64_t)o->size);
	if (o->len != o->size && o->data != NULL)
		jw_int(w, "kept", (int64_t)o->len);
	if (o->padding != 0)
		jw_int(w, "padding", (int64_t)o->padding);
	jw_int(w, "depth", o->depth);
	if (o->hashed) {
		obj_hex(o->sha256, sizeof(o->sha256), hex);
		jw_str(w, "sha256", hex);
		obj_hex(o->md5, sizeof(o->md5), hex);
		jw_str(w, "md5", hex);
	}
	flag_json(w, o);
	if (o->cipher != NULL)
		jw_str(w, "cipher", o->cipher);
	if (o->password != NULL) {
		jw_obj(w, "password");
		jw_str(w, "source", pw_source_name(o->password->src));
		jw_str(w, "where", o->password->where);
		if (ctx->obj_limits.reveal_passwords)
			jw_str(w, "password", o->password->pw);
		jw_obj_end(w);
	}
	if (o->error != NULL)
		jw_str(w, "error", o->error);
	const GPtrArray *f = ctx->findings != NULL ?
	    g_hash_table_lookup(ctx->findings, GUINT_TO_POINTER(o->id)) : NULL;
	jw_arr(w, "findings");
	for (guint i = 0; f != NULL && i < f->len; i++)
		jw_str(w, NULL, g_ptr_array_index(f, i));
	jw_arr_end(w);
	if (o->iocs != NULL && o->iocs->len > 0) {
		/* what the static sandbox recovered (documents/sandbox.c) */
		jw_arr(w, "iocs");
		for (guint i = 0; i < o->iocs->len; i++) {
			const struct obj_ioc *x = g_ptr_array_index(o->iocs, i);
			jw_obj(w, NULL);
			jw_str(w, "kind", x->kind);
			jw_str(w, "value", x->value);
			jw_str(w, "how", x->how);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_arr(w, "children");
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if ((level + 1) % OBJ_NEST_MAX != 0)
			obj_json(w, ctx, c, level + 1, deep);
		else
			g_ptr_array_add(deep, (gpointer)c);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void
obj_tree_json(struct jsonw *w, const struct scan_ctx *ctx)
{
	GPtrArray *deep = g_ptr_array_new();

	jw_arr(w, "objects");
	for (guint i = 0; i < ctx->objects->roots->len; i++)
		obj_json(w, ctx, g_ptr_array_index(ctx->objects->roots, i), 0, deep);
	for (guint i = 0; i < deep->len; i++)
		obj_json(w, ctx, g_ptr_array_index(deep, i), 0, deep);
	jw_arr_end(w);
	g_ptr_array_unref(deep);
}

/* URLs the document analysers found in objects (the URL stage will add
 * those of the bodies): where each was found. */
static void
urls_json(struct jsonw *w, const struct scan_ctx *ctx)
{
	jw_arr(w, "urls");
	for (guint i = 0; i < ctx->objects->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(ctx->objects->all, i);
		for (guint k = 0; o->urls != NULL && k < o->urls->len; k++) {
			jw_obj(w, NULL);
			jw_str(w, "url", g_ptr_array_index(o->urls, k));
			jw_str(w, "source", o->path);
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
}

static void
parts_json(struct jsonw *w, const struct mime_message *msg, bool with_text)
{
	jw_arr(w, "parts");
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		jw_obj(w, NULL);
		jw_int(w, "index", p->index);
		jw_str(w, "kind", kind_name(p->kind));
		jw_str(w, "type", p->type);
		jw_int(w, "depth", p->depth);
		if (p->parent != NULL)
			jw_int(w, "parent", p->parent->index);
		else
			jw_null(w, "parent");
		if (p->kind != MIME_PART_MULTIPART)
			jw_int(w, "size", (int64_t)p->len);
		if (p->charset != NULL)
			jw_str(w, "charset", p->charset);
		if (p->text != NULL) {
			jw_str(w, "charset_used", p->charset_used);
			if (with_text)
				jw_strn(w, "text", p->text, p->text_len);
		}
		if (p->filename != NULL)
			jw_str(w, "filename", p->filename);
		if (with_text)
			jw_str(w, "path", p->path);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void
envelope_json(struct jsonw *w, const struct mamori_envelope *env)
{
	jw_obj(w, "envelope");
	jw_str(w, "client_ip", env->client_ip);
	jw_str(w, "helo", env->helo);
	jw_str(w, "mail_from", env->mail_from);
	jw_arr(w, "rcpt");
	for (size_t i = 0; i < env->n_rcpt; i++)
		if (env->rcpt[i] != NULL)
			jw_str(w, NULL, env->rcpt[i]);
	jw_arr_end(w);
	jw_str(w, "queue_id", env->queue_id);
	jw_obj_end(w);
}

static void
symbols_json(struct jsonw *w, const struct mamori_result *res)
{
	jw_obj(w, "symbols");
	for (guint i = 0; i < res->hits->len; i++) {
		const struct sym_hit *h = g_ptr_array_index(res->hits, i);
		jw_obj(w, h->info->def->name);
		jw_real(w, "score", h->score);
		str_array(w, "options", h->options);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

/* A section some module writes (the first that declares it), or NULL. */
static const struct mamori_module *
section_writer(struct scan_ctx *ctx, const char *key, size_t *idx)
{
	const struct mamori_engine *eng = ctx->eng;

	for (size_t i = 0; i < eng->nmodules; i++) {
		const char *const *k = eng->modules[i]->report_keys;
		for (; k != NULL && *k != NULL; k++) {
			if (strcmp(*k, key) == 0) {
				*idx = i;
				return eng->modules[i];
			}
		}
	}
	return NULL;
}

static bool
contract_key(const char *key)
{
	static const char *const fixed[] = {
		"version", "action", "score", "thresholds", "symbols", "objects", "urls",
		"auth", "message", "time_ms", "stage_ms", "error", NULL
	};
	for (size_t i = 0; fixed[i] != NULL; i++)
		if (strcmp(fixed[i], key) == 0)
			return true;
	return false;
}

/* One section of the report by its module, or an empty object. */
static void
module_section(struct jsonw *w, struct scan_ctx *ctx, const char *key)
{
	size_t i;
	const struct mamori_module *m = section_writer(ctx, key, &i);

	if (m == NULL) {
		jw_obj(w, key);
		jw_obj_end(w);
		return;
	}
	ctx->cur = i;
	m->report(ctx, w, key);
}

static double
ms3(double ms)
{
	return round(ms * 1000.0) / 1000.0;
}

char *
report_build(struct scan_ctx *ctx, double time_ms)
{
	const struct mamori_result *res = ctx->res;
	const struct mamori_config *cfg = ctx->eng->cfg;
	const struct mime_message *msg = ctx->msg;
	GString *s = g_string_sized_new(2048);
	struct jsonw w;

	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_int(&w, "version", MAMORI_REPORT_VERSION);
	jw_str(&w, "action", mamori_action_name(res->action));
	jw_real(&w, "score", res->score);
	jw_obj(&w, "thresholds");
	jw_real(&w, "add_header", cfg->threshold[MAMORI_ACTION_ADD_HEADER]);
	jw_real(&w, "quarantine", cfg->threshold[MAMORI_ACTION_QUARANTINE]);
	jw_real(&w, "reject", cfg->threshold[MAMORI_ACTION_REJECT]);
	jw_obj_end(&w);
	symbols_json(&w, res);
	obj_tree_json(&w, ctx);
	size_t ui;
	if (section_writer(ctx, "urls", &ui) != NULL)
		module_section(&w, ctx, "urls");	/* the urls module's */
	else
		urls_json(&w, ctx);
	module_section(&w, ctx, "auth");
	jw_obj(&w, "message");
	headers_summary(&w, msg->headers, false);
	jw_int(&w, "size", (int64_t)msg->size);
	jw_str(&w, "source", ctx->env->source);
	envelope_json(&w, ctx->env);
	parts_json(&w, msg, false);
	jw_obj_end(&w);
	/* the modules' own sections, in registry order */
	for (size_t i = 0; i < ctx->eng->nmodules; i++) {
		const struct mamori_module *m = ctx->eng->modules[i];
		for (const char *const *k = m->report_keys; k != NULL && *k != NULL; k++) {
			if (contract_key(*k))
				continue;
			ctx->cur = i;
			m->report(ctx, &w, *k);
		}
	}
	jw_real(&w, "time_ms", ms3(time_ms));
	jw_obj(&w, "stage_ms");
	jw_real(&w, "parse", ms3(ctx->stage_ms[STAGE_MS_PARSE]));
	jw_real(&w, "message", ms3(ctx->stage_ms[STAGE_MS_MESSAGE]));
	jw_real(&w, "auth", ms3(ctx->stage_ms[STAGE_MS_AUTH]));
	jw_real(&w, "objects", ms3(ctx->stage_ms[STAGE_MS_OBJECTS]));
	jw_real(&w, "content", ms3(ctx->stage_ms[STAGE_MS_CONTENT]));
	jw_real(&w, "post", ms3(ctx->stage_ms[STAGE_MS_POST]));
	jw_obj_end(&w);
	jw_obj_end(&w);
	return g_string_free(s, FALSE);
}

char *
mamori_error_report(const char *source)
{
	GString *s = g_string_sized_new(256);
	struct jsonw w;

	jw_init(&w, s, false);
	jw_obj(&w, NULL);
	jw_int(&w, "version", MAMORI_REPORT_VERSION);
	jw_str(&w, "action", mamori_action_name(MAMORI_ACTION_TEMPFAIL));
	jw_real(&w, "score", 0);
	jw_obj(&w, "symbols");
	jw_obj_end(&w);
	jw_arr(&w, "objects");
	jw_arr_end(&w);
	jw_arr(&w, "urls");
	jw_arr_end(&w);
	jw_obj(&w, "auth");
	jw_obj_end(&w);
	jw_obj(&w, "message");
	jw_str(&w, "source", source);
	jw_obj_end(&w);
	jw_real(&w, "time_ms", 0);
	jw_str(&w, "error", "internal error: the message was not scanned");
	jw_obj_end(&w);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

char *
report_message_dump(const struct mime_message *msg)
{
	GString *s = g_string_sized_new(4096);
	struct jsonw w;

	jw_init(&w, s, true);
	jw_obj(&w, NULL);
	headers_summary(&w, msg->headers, true);
	jw_arr(&w, "headers");
	for (guint i = 0; i < msg->headers->all->len; i++) {
		const struct mime_header *h = g_ptr_array_index(msg->headers->all, i);
		jw_obj(&w, NULL);
		jw_str(&w, "name", h->name);
		jw_str(&w, "value", h->value);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	parts_json(&w, msg, true);
	objects_tree(&w, msg);
	jw_arr(&w, "defects");
	for (guint i = 0; i < msg->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(msg->defects, i);
		jw_obj(&w, NULL);
		jw_str(&w, "defect", mime_defect_name(r->kind));
		jw_str(&w, "detail", r->detail);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	return g_string_free(s, FALSE);
}
