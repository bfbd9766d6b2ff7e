/*
 * documents.c - which analyser looks at which true type (documents.h).
 * A new analyser is a file of its own and a row here.
 */
#include <string.h>

#include "documents.h"
#include "filetype.h"

static const struct {
	const char *type;	/* true-type id (filetype.h) */
	doc_analyser fn;
} analysers[] = {
	{ "html", html_analyse },
	{ "hta", html_analyse },
	{ "svg", html_analyse },
	{ NULL, NULL },		/* (rows above this one) */
};

void
documents_analyse(struct obj_tree *t, struct mobj *o)
{
	if (o->type == NULL || o->data == NULL || o->len == 0 ||
	    (o->flags & OBJ_ENCRYPTED) || t->stopped)
		return;
	for (size_t i = 0; analysers[i].type != NULL; i++) {
		if (strcmp(analysers[i].type, o->type->name) == 0) {
			analysers[i].fn(t, o);
			return;
		}
	}
}
