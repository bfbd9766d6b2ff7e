/*
 * registry.c - which container opens which true type (tree_api.h).  The
 * first matching row wins.  A new container is a file of its own, its
 * entry point in containers.h and a row here.
 */
#include <string.h>

#include "containers.h"
#include "objects/filetype.h"

/* Office documents are opened as archives when they are zip-based
 * (OOXML, ODF): their parts become children for the analysers. */
static bool
zip_based(const struct obj_tree *t, const struct mobj *o)
{
	(void)t;
	return o->len >= 4 && memcmp(o->data, "PK\3\4", 4) == 0;
}

/* Mail files are opened only when the tree has MIME limits for them. */
static bool
mail_allowed(const struct obj_tree *t, const struct mobj *o)
{
	(void)o;
	return t->lim->mime != NULL;
}

const struct obj_handler obj_containers[] = {
	/* libmspack; before the archive row, as they are archives too */
	{ .type = "chm", .run = mspack_unpack },
	{ .type = "szdd", .run = mspack_unpack },
	{ .type = "kwaj", .run = mspack_unpack },
	/* libarchive */
	{ .ftflags = FT_ARCHIVE | FT_DISK_IMAGE, .run = archive_unpack },
	{ .ftflags = FT_OFFICE, .takes = zip_based, .run = archive_unpack },
	/* GMime */
	{ .type = "email", .ftflags = FT_MESSAGE, .takes = mail_allowed, .run = mail_file_unpack },
	{ .type = "mbox", .ftflags = FT_MESSAGE, .takes = mail_allowed, .run = mail_file_unpack },
	/* a web archive (MHT, maybe named .doc): its MIME parts */
	{ .type = "mht", .takes = mail_allowed, .run = mail_file_unpack },
	/* ActiveMime (editdata.mso ...): the OLE2 file it compresses */
	{ .type = "activemime", .run = activemime_unpack },
	{ .run = NULL },
};
