/*
 * report.c - the JSON report (schema: docs/report.md) and the message dump.
 *
 * The top-level keys action, score, symbols, objects, urls, auth, message
 * and time_ms are a contract read outside the project: never rename them.
 * All strings put in the report are valid UTF-8 (the message model
 * guarantees it), so jansson never refuses one.
 */
#include <math.h>
#include <string.h>

#include "scan_ctx.h"

/* A JSON string from any C string (invalid UTF-8 is repaired), or null. */
static json_t *
str_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j == NULL) {
		char *v = g_utf8_make_valid(s, -1);
		j = json_string(v);
		g_free(v);
	}
	return j;
}

static json_t *
addr_list(const GArray *a)
{
	json_t *arr = json_array();
	for (guint i = 0; i < a->len; i++) {
		const struct mime_addr *ad = &g_array_index(a, struct mime_addr, i);
		json_array_append_new(arr, json_pack("{s:o, s:o}", "name", str_or_null(ad->name),
		    "address", str_or_null(ad->addr)));
	}
	return arr;
}

static json_t *
date_iso(const struct mime_headers *h)
{
	if (!h->date_ok)
		return json_null();
	GDateTime *dt = g_date_time_new_from_unix_utc(h->date);
	if (dt == NULL)
		return json_null();
	char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	json_t *j = json_string(s);
	g_free(s);
	return j;
}

static json_t *
str_array(const GPtrArray *a)
{
	json_t *arr = json_array();
	for (guint i = 0; i < a->len; i++)
		json_array_append_new(arr, str_or_null(g_ptr_array_index(a, i)));
	return arr;
}

/* Identity of a message: what operators search for. */
static json_t *
headers_summary(const struct mime_headers *h)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "message_id", str_or_null(h->message_id),
	    "subject", str_or_null(h->subject),
	    "from", addr_list(h->from),
	    "sender", addr_list(h->sender),
	    "reply_to", addr_list(h->reply_to),
	    "to", addr_list(h->to),
	    "cc", addr_list(h->cc),
	    "date", date_iso(h),
	    "date_raw", str_or_null(h->date_raw),
	    "in_reply_to", str_or_null(h->in_reply_to),
	    "references", str_array(h->references),
	    "received", json_integer((json_int_t)h->received->len));
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

static json_t *
object_json(const struct mime_part *p)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:i, s:o}",
	    "path", str_or_null(p->path),
	    "name", str_or_null(p->filename),
	    "declared_type", str_or_null(p->type),
	    "disposition", str_or_null(p->disposition),
	    "encoding", str_or_null(p->encoding),
	    "size", (json_int_t)p->len,
	    "depth", (int)p->depth,
	    "children", json_array());
	if (p->origin == MIME_ORIGIN_UUENCODE)
		json_object_set_new(o, "origin", json_string("uuencode"));
	if (p->truncated)
		json_object_set_new(o, "truncated", json_true());
	if (p->embedded != NULL)
		json_object_set_new(o, "message", headers_summary(p->embedded));
	return o;
}

/* Attachments and attached messages as a tree (by nearest object parent). */
static json_t *
objects_tree(const struct mime_message *msg)
{
	json_t *root = json_array();
	json_t **node = g_new0(json_t *, msg->parts->len);

	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		if (!is_object(p))
			continue;
		json_t *o = object_json(p);
		node[i] = o;
		const struct mime_part *up = p->parent;
		while (up != NULL && !is_object(up))
			up = up->parent;
		if (up != NULL && node[up->index] != NULL)
			json_array_append_new(json_object_get(node[up->index], "children"), o);
		else
			json_array_append_new(root, o);
	}
	g_free(node);
	return root;
}

static json_t *
parts_json(const struct mime_message *msg, bool with_text)
{
	json_t *arr = json_array();
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		json_t *o = json_pack("{s:i, s:s, s:o, s:i, s:o}",
		    "index", (int)p->index,
		    "kind", kind_name(p->kind),
		    "type", str_or_null(p->type),
		    "depth", (int)p->depth,
		    "parent", p->parent != NULL ? json_integer(p->parent->index) : json_null());
		if (p->kind != MIME_PART_MULTIPART)
			json_object_set_new(o, "size", json_integer((json_int_t)p->len));
		if (p->charset != NULL)
			json_object_set_new(o, "charset", str_or_null(p->charset));
		if (p->text != NULL) {
			json_object_set_new(o, "charset_used", json_string(p->charset_used));
			if (with_text)
				json_object_set_new(o, "text", json_stringn(p->text, p->text_len));
		}
		if (p->filename != NULL)
			json_object_set_new(o, "filename", str_or_null(p->filename));
		if (with_text)
			json_object_set_new(o, "path", str_or_null(p->path));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
envelope_json(const struct mamori_envelope *env)
{
	json_t *rcpt = json_array();
	for (size_t i = 0; i < env->n_rcpt; i++)
		if (env->rcpt[i] != NULL)
			json_array_append_new(rcpt, str_or_null(env->rcpt[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}",
	    "client_ip", str_or_null(env->client_ip),
	    "helo", str_or_null(env->helo),
	    "mail_from", str_or_null(env->mail_from),
	    "rcpt", rcpt,
	    "queue_id", str_or_null(env->queue_id));
}

static json_t *
symbols_json(const struct mamori_result *res)
{
	json_t *o = json_object();
	for (guint i = 0; i < res->hits->len; i++) {
		const struct sym_hit *h = g_ptr_array_index(res->hits, i);
		json_object_set_new(o, h->info->def->name, json_pack("{s:f, s:o}",
		    "score", h->score, "options", str_array(h->options)));
	}
	return o;
}

static json_t *
threshold_json(const struct mamori_config *cfg, enum mamori_action a)
{
	return isnan(cfg->threshold[a]) ? json_null() : json_real(cfg->threshold[a]);
}

json_t *
report_build(const struct scan_ctx *ctx, double time_ms)
{
	const struct mamori_result *res = ctx->res;
	const struct mamori_config *cfg = ctx->eng->cfg;
	const struct mime_message *msg = ctx->msg;

	json_t *message = headers_summary(msg->headers);
	json_object_set_new(message, "size", json_integer((json_int_t)msg->size));
	json_object_set_new(message, "source", str_or_null(ctx->env->source));
	json_object_set_new(message, "envelope", envelope_json(ctx->env));
	json_object_set_new(message, "parts", parts_json(msg, false));

	return json_pack("{s:i, s:s, s:f, s:{s:o, s:o, s:o}, s:o, s:o, s:[], s:{}, s:o, s:f}",
	    "version", MAMORI_REPORT_VERSION,
	    "action", mamori_action_name(res->action),
	    "score", res->score,
	    "thresholds",
	    "add_header", threshold_json(cfg, MAMORI_ACTION_ADD_HEADER),
	    "quarantine", threshold_json(cfg, MAMORI_ACTION_QUARANTINE),
	    "reject", threshold_json(cfg, MAMORI_ACTION_REJECT),
	    "symbols", symbols_json(res),
	    "objects", objects_tree(msg),
	    "urls",
	    "auth",
	    "message", message,
	    "time_ms", round(time_ms * 1000.0) / 1000.0);
}

json_t *
report_message_dump(const struct mime_message *msg)
{
	json_t *headers = json_array();
	for (guint i = 0; i < msg->headers->all->len; i++) {
		const struct mime_header *h = g_ptr_array_index(msg->headers->all, i);
		json_array_append_new(headers, json_pack("{s:o, s:o}", "name", str_or_null(h->name),
		    "value", str_or_null(h->value)));
	}
	json_t *defects = json_array();
	for (guint i = 0; i < msg->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(msg->defects, i);
		json_array_append_new(defects, json_pack("{s:s, s:o}", "defect",
		    mime_defect_name(r->kind), str_or_null(r->detail)));
	}
	json_t *received = str_array(msg->headers->received);
	json_t *j = headers_summary(msg->headers);
	json_object_set_new(j, "received", received);
	json_object_set_new(j, "headers", headers);
	json_object_set_new(j, "parts", parts_json(msg, true));
	json_object_set_new(j, "objects", objects_tree(msg));
	json_object_set_new(j, "defects", defects);
	return j;
}
