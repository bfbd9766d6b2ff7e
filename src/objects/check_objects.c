/*
 * check_objects.c - symbols for the object tree (docs/objects.md): types
 * that have no business in mail, names that lie about the type, encrypted,
 * damaged and padded content, archive bombs and the limits that stopped
 * unpacking.  Every option starts with the object's path from the message.
 */
#include <string.h>

#include "core/check.h"
#include "core/config.h"
#include "filename.h"
#include "filetype.h"
#include "mime/message.h"
#include "object.h"

static const struct mamori_symbol_def symbols[] = {
	{ "DANGEROUS_FILE_TYPE", 10.0, "An object, at any depth, is of a type in objects.dangerous_types (Windows executables, installers, shortcuts, scripts, disk images by default), by its content or by the extension Windows would open it with. Option: path (type).", NO_FORCE },
	{ "ARCHIVE_EXECUTABLE", 2.0, "An archive or compressed stream holds executable content (native code, a script or a shortcut). Option: path (type).", NO_FORCE },
	{ "FILE_TYPE_MISMATCH", 4.0, "The content contradicts the name's extension in a way that matters (a .pdf that is a program, a .jpg that is an archive; docs/filetypes.md). Option: path (claimed -> actual).", NO_FORCE },
	{ "DOUBLE_EXTENSION", 5.0, "A name hides a dangerous extension behind a harmless-looking one (invoice.pdf.exe, scan.jpg     .scr). Option: path (decoy.real).", NO_FORCE },
	{ "DECEPTIVE_FILENAME", 8.0, "A name contains Unicode that disguises it: right-to-left override, other bidi controls, zero-width characters, look-alike dots, space padding. Option: path escaped (reason).", NO_FORCE },
	{ "ENCRYPTED_ARCHIVE", 2.0, "An archive entry is encrypted, so its content could not be examined; or the archive's entry list itself is encrypted. Option: path (cipher).", NO_FORCE },
	{ "ARCHIVE_DAMAGED", 1.5, "An archive or one of its entries is corrupt or truncated; what could be read was examined. Option: path: error.", NO_FORCE },
	{ "ARCHIVE_UNSUPPORTED", 0.5, "An archive format or compression method the unpacker cannot read (ARJ, ACE, deflate64, implode ...): its content was not examined by mamori (an AV engine may still see it). Option: path: reason.", NO_FORCE },
	{ "ARCHIVE_BOMB", 10.0, "Unpacking stopped because the content expands beyond limits.stream_bytes or beyond limits.compression_ratio times the size of its container (zip bombs, 42.zip), or a ZIP's entries overlap (the kernel of one entry expanded by many). Option: limit(path).", MAMORI_ACTION_QUARANTINE },
	{ "PADDED_FILE", 5.0, "An object carries a long run of filler (one byte or a short pattern repeated, at least objects.padding_min): the trick of 500 MB Emotet documents that slip past size limits. The padding is streamed through and the rest is analysed. Option: path (padding bytes).", NO_FORCE },
};

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
	const struct mamori_config *cfg = scan_config(ctx);
	const struct ftype *claim = o->name != NULL ? ftype_from_extension(o->name) : NULL;
	const struct ftype *t = o->type;

	if (t != NULL && in_list(cfg->objects.dangerous_types, t->name))
		scan_object_addf(ctx, o, "DANGEROUS_FILE_TYPE", "%s (%s)", o->path, t->name);
	else if (claim != NULL && in_list(cfg->objects.dangerous_types, claim->name))
		scan_object_addf(ctx, o, "DANGEROUS_FILE_TYPE", "%s (%s by name%s)",
		    o->path, claim->name, (o->flags & OBJ_ENCRYPTED) ? ", encrypted" : "");
	if (t != NULL && inside_archive(o) &&
	    (t->flags & (FT_EXECUTABLE | FT_SCRIPT | FT_SHORTCUT)))
		scan_object_addf(ctx, o, "ARCHIVE_EXECUTABLE", "%s (%s)", o->path, t->name);
	if (t != NULL && !(o->flags & OBJ_TRUNCATED) && ftype_mismatch(claim, t))
		scan_object_addf(ctx, o, "FILE_TYPE_MISMATCH", "%s (%s -> %s)", o->path,
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
			scan_object_addf(ctx, o, "DOUBLE_EXTENSION", "%s (%s.%s)", path, decoy, real);
		else
			scan_addf(ctx, "DOUBLE_EXTENSION", "%s (%s.%s)", path, decoy, real);
	}
	const char *why = fname_deceptive(name);
	/* (paths have bidi and invisible characters escaped already) */
	if (why != NULL) {
		if (o != NULL)
			scan_object_addf(ctx, o, "DECEPTIVE_FILENAME", "%s (%s)", path, why);
		else
			scan_addf(ctx, "DECEPTIVE_FILENAME", "%s (%s)", path, why);
	}
}

static void
check_flags(struct scan_ctx *ctx, const struct mobj *o)
{
	/* (an encrypted Office document is ENCRYPTED_OFFICE, from the
	 * documents check) */
	if ((o->flags & OBJ_ENCRYPTED) && !obj_has_fact(o, "ENCRYPTED_OFFICE"))
		scan_object_addf(ctx, o, "ENCRYPTED_ARCHIVE", "%s (%s)", o->path,
		    o->cipher != NULL ? o->cipher : "encrypted");
	if (o->flags & OBJ_NAMES_ENCRYPTED)
		scan_object_addf(ctx, o, "ENCRYPTED_ARCHIVE", "%s (%s, names encrypted)",
		    o->path, o->cipher != NULL ? o->cipher : "encrypted");
	if (o->flags & OBJ_DAMAGED)
		scan_object_addf(ctx, o, "ARCHIVE_DAMAGED", "%s: %s", o->path,
		    o->error != NULL ? o->error : "damaged");
	if (o->flags & OBJ_UNSUPPORTED)
		scan_object_addf(ctx, o, "ARCHIVE_UNSUPPORTED", "%s: %s", o->path,
		    o->error != NULL ? o->error : "not supported");
	if ((o->flags & OBJ_PADDED) && o->padding >= scan_config(ctx)->objects.padding_min)
		scan_object_addf(ctx, o, "PADDED_FILE", "%s (%llu bytes of padding)",
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
	const struct mamori_config *cfg = scan_config(ctx);
	const struct ftype *claim = ftype_from_extension(n->name);

	if (claim != NULL && in_list(cfg->objects.dangerous_types, claim->name))
		scan_addf(ctx, "DANGEROUS_FILE_TYPE", "%s (%s by name, not examined: "
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
			scan_addf(ctx, "ARCHIVE_BOMB", "%s(%s)", obj_limit_name(h->limit),
			    h->where);
		else
			scan_limit(ctx, l, "%s(%s)", obj_limit_name(h->limit), h->where);
	}
	for (guint i = 0; i < t->beyond->len; i++)
		check_beyond(ctx, g_ptr_array_index(t->beyond, i));
}

const struct mamori_check check_objects = {
	.name = "objects",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.run = run,
};
