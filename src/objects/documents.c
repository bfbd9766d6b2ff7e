/*
 * documents.c - which analyser looks at which true type (documents.h).
 * A new analyser is a file of its own and a row here.
 */
#include <string.h>

#include "documents.h"
#include "filetype.h"

/*
 * VBA source exported from an editor (.bas, .cls, .frm, .vba) without its
 * "Attribute VB_Name" line reads as VBScript by content; by its name it
 * is VBA, and is analysed as such.
 */
static void
vba_text_analyse(struct obj_tree *t, struct mobj *o)
{
	static const char *const ext[] = { ".vba", ".bas", ".cls", ".frm", NULL };
	const char *dot = o->name != NULL ? strrchr(o->name, '.') : NULL;

	for (size_t i = 0; dot != NULL && ext[i] != NULL; i++) {
		if (g_ascii_strcasecmp(dot, ext[i]) == 0) {
			vba_analyse(t, o);
			return;
		}
	}
}

static const struct {
	const char *type;	/* true-type id (filetype.h) */
	doc_analyser fn;
} analysers[] = {
	{ "lnk", lnk_analyse },
	{ "onenote", onenote_analyse },
	{ "docx", ooxml_analyse },
	{ "docm", ooxml_analyse },
	{ "xlsx", ooxml_analyse },
	{ "xlsm", ooxml_analyse },
	{ "xlsb", ooxml_analyse },
	{ "pptx", ooxml_analyse },
	{ "pptm", ooxml_analyse },
	{ "ooxml", ooxml_analyse },
	{ "csv", csv_analyse },
	{ "text", csv_text_analyse },
	{ "rtf", rtf_analyse },
	{ "ole2", ole_analyse },
	{ "doc", ole_analyse },
	{ "xls", ole_analyse },
	{ "ppt", ole_analyse },
	{ "vba", vba_analyse },
	{ "pdf", pdf_analyse },
	{ "html", html_analyse },
	{ "hta", html_analyse },
	{ "svg", html_analyse },
	{ "vbs", vba_text_analyse },
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
