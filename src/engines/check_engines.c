/*
 * check_engines.c - the malware engines as checks: YARA (in process, on
 * every object of the tree) and clamd (over its socket, on the message,
 * the attachments or every object, as configured).
 *
 * Both see what the object tree kept: unpacked entries, decompressed
 * streams, and padded documents without their padding, which is what lets
 * an engine with a size limit analyse a 500 MB Emotet document.
 *
 * An engine that fails never lets a message through silently: clamd down
 * or timing out gives AV_ENGINE_ERROR, which forces tempfail by default;
 * a YARA timeout gives SCAN_LIMIT_EXCEEDED.
 */
#include <stdio.h>
#include <string.h>

#include "core/check.h"
#include "core/config.h"
#include "engines/clamd.h"
#include "engines/yara.h"
#include "objects/filetype.h"
#include "objects/object.h"

static const struct mamori_symbol_def symbols[] = {
	{ "YARA_MATCH", 5.0, "A YARA rule matched an object (the rules shipped in yara/ and the operator's yara.dirs). Option: namespace.rule (path).", NO_FORCE },
	{ "AV_VIRUS", 20.0, "An antivirus engine found malware. Option: engine: signature (path). Forces reject by default.", MAMORI_ACTION_REJECT },
	{ "AV_ENGINE_ERROR", 0.0, "An antivirus engine could not give a verdict (clamd down, timing out, refusing the stream). Forces tempfail by default so that the sender retries; set its action to \"none\" to deliver unscanned instead. Option: engine: error.", MAMORI_ACTION_TEMPFAIL },
};

struct yara_ud {
	struct scan_ctx *ctx;
	const struct mobj *o;
};

static bool
on_yara(const struct mamori_yara_match *m, void *ud)
{
	struct yara_ud *u = ud;

	scan_object_addf(u->ctx, u->o, "YARA_MATCH", "%s.%s (%s)", m->ns, m->rule,
	    u->o->path);
	return true;
}

static bool
has_content(const struct mobj *o)
{
	return o->data != NULL && o->len > 0;
}

static void
run_yara(struct scan_ctx *ctx, const struct obj_tree *t)
{
	const struct mamori_yara *y = scan_yara(ctx);
	const struct mamori_yara_conf *yc = &scan_config(ctx)->yara;

	if (y == NULL)
		return;
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (!has_content(o))
			continue;
		if (scan_expired(ctx)) {
			scan_limit(ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time(yara:%s)", o->path);
			return;
		}
		struct yara_ud ud = { ctx, o };
		char err[256] = "";
		size_t len = (size_t)MIN((uint64_t)o->len, yc->max_bytes);
		if (len < o->len)
			scan_limit(ctx, MAMORI_LIMIT_ENGINES, "yara.max_bytes(%s)", o->path);
		if (mamori_yara_scan(y, o->data, len, o->name != NULL ? o->name : "",
		    o->type != NULL ? o->type->name : "", yc->timeout_ms, on_yara, &ud,
		    err, sizeof(err)) != 0)
			scan_limit(ctx, MAMORI_LIMIT_ENGINES, "yara(%s): %s", o->path, err);
	}
}

/* One clamd request; false when clamd failed (stop asking it). */
static bool
clamd_one(struct scan_ctx *ctx, const struct clamd_conf *cc, const struct mobj *o,
    const uint8_t *p, size_t len, const char *path)
{
	char sig[256] = "", err[256] = "";
	bool truncated = false;

	switch (clamd_scan(cc, p, len, &truncated, sig, sizeof(sig), err, sizeof(err))) {
	case CLAMD_CLEAN:
		break;
	case CLAMD_VIRUS:
		if (o != NULL)
			scan_object_addf(ctx, o, "AV_VIRUS", "clamd: %s (%s)", sig, path);
		else
			scan_addf(ctx, "AV_VIRUS", "clamd: %s (%s)", sig, path);
		break;
	case CLAMD_ERROR:
		scan_addf(ctx, "AV_ENGINE_ERROR", "clamd: %s", err);
		return false;
	}
	if (truncated)
		scan_limit(ctx, MAMORI_LIMIT_ENGINES, "clamd.max_stream(%s)", path);
	return true;
}

static void
run_clamd(struct scan_ctx *ctx, const struct obj_tree *t)
{
	const struct mamori_clamd_conf *c = &scan_config(ctx)->clamd;

	if (c->socket == NULL || c->send == 0)
		return;
	struct clamd_conf cc = {
		.socket = c->socket,
		.timeout_ms = c->timeout_ms,
		.max_stream = c->max_stream,
	};
	if (c->send & CLAMD_SEND_MESSAGE) {
		size_t len;
		const uint8_t *raw = scan_raw(ctx, &len);
		if (!clamd_one(ctx, &cc, NULL, raw, len, "message"))
			return;
	}
	if (!(c->send & (CLAMD_SEND_ATTACHMENTS | CLAMD_SEND_OBJECTS)))
		return;
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (!has_content(o))
			continue;
		if (!(c->send & CLAMD_SEND_OBJECTS) && o->parent != NULL &&
		    o->origin != OBJ_FROM_MIME)
			continue;
		if (scan_expired(ctx)) {
			scan_limit(ctx, MAMORI_LIMIT_SCAN_TIME, "scan_time(clamd:%s)", o->path);
			return;
		}
		if (!clamd_one(ctx, &cc, o, o->data, o->len, o->path))
			return;
	}
}

static void
run(struct scan_ctx *ctx)
{
	const struct obj_tree *t = scan_objects(ctx);

	run_yara(ctx, t);
	run_clamd(ctx, t);
}

const struct mamori_check check_engines = {
	.name = "engines",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.run = run,
};
