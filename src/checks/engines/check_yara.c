/*
 * check_yara.c - YARA as a module: the rules (shipped in yara/ and the
 * operator's yara.dirs) are compiled once per configuration, the module's
 * engine, and run in process on every object of the tree.
 *
 * YARA sees what the object tree kept: unpacked entries, decompressed
 * streams, and padded documents without their padding.  A YARA timeout
 * gives SCAN_LIMIT_EXCEEDED, never a silent pass.
 */
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "engines/yara.h"
#include "objects/filetype.h"
#include "objects/object.h"

#define SYMBOLS(X) \
	X(YARA_MATCH, 5.0, NO_FORCE, "A YARA rule matched an object (the rules shipped in yara/ and the operator's yara.dirs). Option: namespace.rule (path).") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

struct yara_conf {
	bool builtin;		/* the rules shipped with mamori */
	GPtrArray *dirs;	/* char *, operator rule directories */
	uint32_t timeout_ms;	/* per object */
	uint64_t max_bytes;	/* bytes of an object given to YARA */
};

struct yara_ud {
	struct scan_ctx *ctx;
	const struct mobj *o;
};

static bool
on_yara(const struct mamori_yara_match *m, void *ud)
{
	struct yara_ud *u = ud;

	scan_object_addf(u->ctx, u->o, SYM(YARA_MATCH), "%s.%s (%s)", m->ns, m->rule,
	    u->o->path);
	return true;
}

static void
run(struct scan_ctx *ctx)
{
	const struct mamori_yara *y = scan_module_engine(ctx);
	const struct yara_conf *yc = scan_module_conf(ctx);

	const struct obj_tree *t = scan_objects(ctx);

	if (y == NULL)
		return;
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (!obj_has_content(o))
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

/* Where the shipped rules are: installed, or in the source tree. */
static const char *
mamori_yara_builtin_dir(void)
{
	if (g_file_test(MAMORI_YARA_INSTALL_DIR, G_FILE_TEST_IS_DIR))
		return MAMORI_YARA_INSTALL_DIR;
	return MAMORI_YARA_SOURCE_DIR;
}

/* The rules: compiled once, shared by every scan of the engine. */
static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct yara_conf *y = s->conf;
	GPtrArray *dirs = g_ptr_array_new();

	*engine = NULL;
	if (y->builtin)
		g_ptr_array_add(dirs, (gpointer)mamori_yara_builtin_dir());
	for (guint i = 0; i < y->dirs->len; i++)
		g_ptr_array_add(dirs, g_ptr_array_index(y->dirs, i));
	bool ok = true;
	if (dirs->len > 0) {
		char why[512] = "";
		*engine = mamori_yara_load((const char *const *)dirs->pdata, dirs->len,
		    why, sizeof(why));
		if (*engine == NULL) {
			snprintf(s->err, s->errlen, "yara rules: %s", why);
			ok = false;
		}
	}
	g_ptr_array_unref(dirs);
	return ok;
}

static void
engine_free(void *engine)
{
	mamori_yara_free(engine);
}

#define MIB (1024ull * 1024ull)
#define C struct yara_conf
static const struct conf_key keys[] = {
	CONF_BOOL(C, builtin, true, "use the rules shipped with mamori"),
	CONF_LIST(C, dirs, NULL, conf_check_abs_path, "an absolute directory path", false,
	    "directories of the operator's rules (*.yar, *.yara)"),
	CONF_UINT(C, timeout_ms, 10, 600000, 5000, "per object"),
	CONF_SIZE(C, max_bytes, 1024, 4096 * MIB, 32 * MIB, "bytes of an object given to YARA"),
};
#undef C

const struct mamori_module module_yara = {
	.name = "yara",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("yara", keys, struct yara_conf, NULL),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.run = run,
};
