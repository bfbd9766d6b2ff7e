/*
 * check_clamd.c - clamd as a module: over its socket, on the message, the
 * attachments or every object, as configured (clamd.send).
 *
 * clamd sees what the object tree kept: unpacked entries, decompressed
 * streams, and padded documents without their padding, which is what lets
 * an engine with a size limit analyse a 500 MB Emotet document.  clamd
 * down or timing out gives AV_ENGINE_ERROR, which forces tempfail by
 * default: never a silent pass.
 */
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "engines/clamd.h"
#include "objects/object.h"

#define SYMBOLS(X) \
	X(AV_VIRUS, 20.0, MAMORI_ACTION_REJECT, "An antivirus engine found malware. Option: engine: signature (path). Forces reject by default.") \
	X(AV_ENGINE_ERROR, 0.0, MAMORI_ACTION_TEMPFAIL, "An antivirus engine could not give a verdict (clamd down, timing out, refusing the stream). Forces tempfail by default so that the sender retries; set its action to \"none\" to deliver unscanned instead. Option: engine: error.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

enum clamd_send {
	CLAMD_SEND_MESSAGE = 1u << 0,	/* the raw message, once */
	CLAMD_SEND_ATTACHMENTS = 1u << 1,	/* each attachment */
	CLAMD_SEND_OBJECTS = 1u << 2,	/* every object with content */
};

/* The section clamd: off while socket is NULL. */
struct clamd_module_conf {
	char *socket;
	uint32_t timeout_ms;
	uint64_t max_stream;
	unsigned send;		/* enum clamd_send */
};

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
			scan_object_addf(ctx, o, SYM(AV_VIRUS), "clamd: %s (%s)", sig, path);
		else
			scan_addf(ctx, SYM(AV_VIRUS), "clamd: %s (%s)", sig, path);
		break;
	case CLAMD_ERROR:
		scan_addf(ctx, SYM(AV_ENGINE_ERROR), "clamd: %s", err);
		return false;
	}
	if (truncated)
		scan_limit(ctx, MAMORI_LIMIT_ENGINES, "clamd.max_stream(%s)", path);
	return true;
}

static void
run(struct scan_ctx *ctx)
{
	const struct clamd_module_conf *c = scan_module_conf(ctx);

	const struct obj_tree *t = scan_objects(ctx);

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
		if (!obj_has_content(o))
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

static bool
check_socket(const char *v, char *why, size_t n)
{
	return clamd_socket_valid(v, why, n);
}

static const char *const send_choices[] = { "message", "attachments", "objects", NULL };

#define MIB (1024ull * 1024ull)
#define C struct clamd_module_conf
static const struct conf_key keys[] = {
	CONF_STRING_OFF(C, socket, "", check_socket,
	    "\"/path\", \"unix:/path\" or \"127.0.0.1:3310\" (\"\" = off)",
	    "clamd's socket; \"\" = clamd off"),
	CONF_UINT(C, timeout_ms, 100, 600000, 30000, "per request"),
	CONF_SIZE(C, max_stream, 1024, 4096 * MIB, 25 * MIB, "bytes sent per request (clamd's StreamMaxLength)"),
	CONF_FLAGS(C, send, send_choices, CLAMD_SEND_ATTACHMENTS,
	    "what is sent: the message, each attachment, every object"),
};
#undef C

const struct mamori_module module_clamd = {
	.name = "clamd",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("clamd", keys, struct clamd_module_conf, NULL),
	.run = run,
};
