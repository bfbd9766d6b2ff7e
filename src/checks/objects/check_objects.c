/*
 * check_objects.c - symbols for the object tree (docs/objects.md): types
 * that have no business in mail, names that lie about the type, encrypted,
 * damaged and padded content, archive bombs and the limits that stopped
 * unpacking.  Every option starts with the object's path from the message.
 */
#include <string.h>

#include "core/module.h"
#include "mime/message.h"
#include "objects/filename.h"
#include "objects/filetype.h"
#include "objects/object.h"

/* The section objects. */
struct objects_conf {
	GPtrArray *dangerous_types;	/* char *, true-type ids */
	uint64_t padding_min;	/* a repeated run this long is padding */
};

#define SYMBOLS(X) \
	X(DANGEROUS_FILE_TYPE, 10.0, NO_FORCE, "An object, at any depth, is of a type in objects.dangerous_types (Windows executables, installers, shortcuts, scripts, disk images by default), by its content or by the extension Windows would open it with. Option: path (type).") \
	X(ARCHIVE_EXECUTABLE, 2.0, NO_FORCE, "An archive or compressed stream holds executable content (native code, a script or a shortcut). Option: path (type).") \
	X(FILE_TYPE_MISMATCH, 4.0, NO_FORCE, "The content contradicts the name's extension in a way that matters (a .pdf that is a program, a .jpg that is an archive; docs/filetypes.md). Option: path (claimed -> actual).") \
	X(DOUBLE_EXTENSION, 5.0, NO_FORCE, "A name hides a dangerous extension behind a harmless-looking one (invoice.pdf.exe, scan.jpg     .scr). Option: path (decoy.real).") \
	X(DECEPTIVE_FILENAME, 8.0, NO_FORCE, "A name contains Unicode that disguises it: right-to-left override, other bidi controls, zero-width characters, look-alike dots, space padding. Option: path escaped (reason).") \
	X(ENCRYPTED_ARCHIVE, 2.0, NO_FORCE, "An archive entry is encrypted, so its content could not be examined; or the archive's entry list itself is encrypted. Option: path (cipher).") \
	X(ARCHIVE_DAMAGED, 1.5, NO_FORCE, "An archive or one of its entries is corrupt or truncated; what could be read was examined. Option: path: error.") \
	X(ARCHIVE_UNSUPPORTED, 0.5, NO_FORCE, "An archive format or compression method the unpacker cannot read (ARJ, ACE, deflate64, implode ...): its content was not examined by mamori (an AV engine may still see it). Option: path: reason.") \
	X(ARCHIVE_BOMB, 10.0, MAMORI_ACTION_QUARANTINE, "Unpacking stopped because the content expands beyond limits.stream_bytes or beyond limits.compression_ratio times the size of its container (zip bombs, 42.zip), or a ZIP's entries overlap (the kernel of one entry expanded by many). Option: limit(path).") \
	X(PADDED_FILE, 5.0, NO_FORCE, "An object carries a long run of filler (one byte or a short pattern repeated, at least objects.padding_min): the trick of 500 MB Emotet documents that slip past size limits. The padding is streamed through and the rest is analysed. Option: path (padding bytes).") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

static bool
in_list(const GPtrArray *l, const char *id)
{
	for (guint i = 0; i < l->len; i++)
		if (strcmp(g_ptr_array_index(l, i), id) == 0)
			return true;
	return false;
}

static bool
inside_archive(const struct mobj *o)
{
	return o->origin == OBJ_FROM_ARCHIVE || o->origin == OBJ_FROM_STREAM;
}

static void
check_types(struct scan_ctx *ctx, const struct mobj *o)
{
	const struct objects_conf *cfg = scan_module_conf(ctx);
	const struct ftype *claim = o->name != NULL ? ftype_from_extension(o->name) : NULL;
	const struct ftype *t = o->type;

	if (t != NULL && in_list(cfg->dangerous_types, t->name))
		scan_object_addf(ctx, o, SYM(DANGEROUS_FILE_TYPE), "%s (%s)", o->path, t->name);
	else if (claim != NULL && in_list(cfg->dangerous_types, claim->name))
		scan_object_addf(ctx, o, SYM(DANGEROUS_FILE_TYPE), "%s (%s by name%s)",
		    o->path, claim->name, (o->flags & OBJ_ENCRYPTED) ? ", encrypted" : "");
	if (t != NULL && inside_archive(o) &&
	    (t->flags & (FT_EXECUTABLE | FT_SCRIPT | FT_SHORTCUT)))
		scan_object_addf(ctx, o, SYM(ARCHIVE_EXECUTABLE), "%s (%s)", o->path, t->name);
	if (t != NULL && !(o->flags & OBJ_TRUNCATED) && ftype_mismatch(claim, t))
		scan_object_addf(ctx, o, SYM(FILE_TYPE_MISMATCH), "%s (%s -> %s)", o->path,
		    claim->name, t->name);
}

/*
 * Names that lie about what they are, of an object (o) or of a name past
 * a limit (o NULL: the finding belongs to no object of the tree).
 */
static void
check_name(struct scan_ctx *ctx, const struct mobj *o, const char *name, const char *path)
{
	char decoy[32], real[32];

	if (name == NULL)
		return;
	if (fname_double_extension(name, decoy, sizeof(decoy), real, sizeof(real))) {
		if (o != NULL)
			scan_object_addf(ctx, o, SYM(DOUBLE_EXTENSION), "%s (%s.%s)", path, decoy, real);
		else
			scan_addf(ctx, SYM(DOUBLE_EXTENSION), "%s (%s.%s)", path, decoy, real);
	}
	const char *why = fname_deceptive(name);
	/* (paths have bidi and invisible characters escaped already) */
	if (why != NULL) {
		if (o != NULL)
			scan_object_addf(ctx, o, SYM(DECEPTIVE_FILENAME), "%s (%s)", path, why);
		else
			scan_addf(ctx, SYM(DECEPTIVE_FILENAME), "%s (%s)", path, why);
	}
}

static void
check_flags(struct scan_ctx *ctx, const struct mobj *o)
{
	/* (an encrypted Office document is ENCRYPTED_OFFICE, from the
	 * documents check) */
	if ((o->flags & OBJ_ENCRYPTED) && !obj_has_fact(o, OBJ_FACT_ENCRYPTED_OFFICE))
		scan_object_addf(ctx, o, SYM(ENCRYPTED_ARCHIVE), "%s (%s)", o->path,
		    o->cipher != NULL ? o->cipher : "encrypted");
	if (o->flags & OBJ_NAMES_ENCRYPTED)
		scan_object_addf(ctx, o, SYM(ENCRYPTED_ARCHIVE), "%s (%s, names encrypted)",
		    o->path, o->cipher != NULL ? o->cipher : "encrypted");
	if (o->flags & OBJ_DAMAGED)
		scan_object_addf(ctx, o, SYM(ARCHIVE_DAMAGED), "%s: %s", o->path,
		    o->error != NULL ? o->error : "damaged");
	if (o->flags & OBJ_UNSUPPORTED)
		scan_object_addf(ctx, o, SYM(ARCHIVE_UNSUPPORTED), "%s: %s", o->path,
		    o->error != NULL ? o->error : "not supported");
	if ((o->flags & OBJ_PADDED) && o->padding >= ((const struct objects_conf *)scan_module_conf(ctx))->padding_min)
		scan_object_addf(ctx, o, SYM(PADDED_FILE), "%s (%llu bytes of padding)",
		    o->path, (unsigned long long)o->padding);
}

/*
 * An object past a limit (objects, parts, depth) is not examined, but
 * its name is: the types Windows would open it as, and the names that
 * lie, as for any object.
 */
static void
check_beyond(struct scan_ctx *ctx, const struct mime_name *n)
{
	const struct objects_conf *cfg = scan_module_conf(ctx);
	const struct ftype *claim = ftype_from_extension(n->name);

	if (claim != NULL && in_list(cfg->dangerous_types, claim->name))
		scan_addf(ctx, SYM(DANGEROUS_FILE_TYPE), "%s (%s by name, not examined: "
		    "past a limit)", n->path, claim->name);
	check_name(ctx, NULL, n->name, n->path);
}

/* The limit (limits.on_exceeded) behind an unpacking limit. */
static enum mamori_limit
tree_limit(enum obj_limit l)
{
	switch (l) {
	case OBJ_LIMIT_DEPTH: return MAMORI_LIMIT_UNPACK_DEPTH;
	case OBJ_LIMIT_OBJECTS: return MAMORI_LIMIT_OBJECTS;
	case OBJ_LIMIT_OBJECT_BYTES: return MAMORI_LIMIT_OBJECT_BYTES;
	case OBJ_LIMIT_UNPACKED: return MAMORI_LIMIT_UNPACKED_BYTES;
	case OBJ_LIMIT_TIME: return MAMORI_LIMIT_SCAN_TIME;
	case OBJ_LIMIT_PASSWORDS: return MAMORI_LIMIT_PPAP_ATTEMPTS;
	case OBJ_LIMIT_NAMES: return MAMORI_LIMIT_LISTED_NAMES;
	case OBJ_LIMIT_DEOBFUSCATION: return MAMORI_LIMIT_DEOBFUSCATION;
	case OBJ_LIMIT_STREAMED:
	case OBJ_LIMIT_RATIO:
	case OBJ_LIMIT_OVERLAP:
	case OBJ_LIMIT_COUNT:
		break;
	}
	return MAMORI_LIMIT_COUNT;	/* a bomb: ARCHIVE_BOMB */
}

static void
run(struct scan_ctx *ctx)
{
	const struct obj_tree *t = scan_objects(ctx);

	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		check_types(ctx, o);
		check_name(ctx, o, o->name, o->path);
		check_flags(ctx, o);
	}
	for (guint i = 0; i < t->hits->len; i++) {
		const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
		enum mamori_limit l = tree_limit(h->limit);
		if (l == MAMORI_LIMIT_COUNT)
			scan_addf(ctx, SYM(ARCHIVE_BOMB), "%s(%s)", obj_limit_name(h->limit),
			    h->where);
		else
			scan_limit(ctx, l, "%s(%s)", obj_limit_name(h->limit), h->where);
	}
	for (guint i = 0; i < t->beyond->len; i++)
		check_beyond(ctx, g_ptr_array_index(t->beyond, i));
}

/* What the object tree takes from this section. */
static void
prepare(struct scan_ctx *ctx, struct obj_limits *lim)
{
	const struct objects_conf *c = scan_module_conf(ctx);

	lim->padding_min = c->padding_min;
}

static bool
check_type_id(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return ftype_by_name(v) != NULL;
}

/*
 * Windows-executable content: what no business mail needs to carry and
 * what droppers are made of.  Documents are not here: their macros are
 * judged by the document checks.
 */
static const char *const default_dangerous_types[] = {
	"pe", "msi", "lnk", "url", "js", "vbs", "wsf", "hta", "ps1", "bat",
	"chm", "iso", "udf", "img", "vhd", "vhdx", "settingcontent", "jar", NULL
};

#define MIB (1024ull * 1024ull)
static const struct conf_key keys[] = {
	CONF_LIST(struct objects_conf, dangerous_types, default_dangerous_types, check_type_id,
	    "a file type id (docs/filetypes.md)", true,
	    "true types that get DANGEROUS_FILE_TYPE, by content or by name"),
	CONF_SIZE(struct objects_conf, padding_min, 64 * 1024, 64 * 1024 * MIB, 4 * MIB,
	    "a repeated run of one byte this long is padding (PADDED_FILE)"),
};

const struct mamori_module module_objects = {
	.name = "objects",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("objects", keys, struct objects_conf, NULL),
	.prepare = prepare,
	.run = run,
};
