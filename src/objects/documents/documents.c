/*
 * documents.c - which analyser looks at which true type: the analysers'
 * registry (tree_api.h).  The first matching row wins.  A new analyser is
 * a file of its own, its entry point in documents.h and a row here.
 */
#include <string.h>

#include "documents.h"

/* Whether o's name ends in one of ext (".bas" ..., NULL-terminated), in
 * any case. */
static bool
named_as(const struct mobj *o, const char *const *ext)
{
	const char *dot = o->name != NULL ? strrchr(o->name, '.') : NULL;

	for (size_t i = 0; dot != NULL && ext[i] != NULL; i++)
		if (g_ascii_strcasecmp(dot, ext[i]) == 0)
			return true;
	return false;
}

/*
 * VBA source exported from an editor (.bas, .cls, .frm, .vba) without its
 * "Attribute VB_Name" line reads as VBScript by content; by its name it
 * is VBA, and is analysed as such.
 */
static bool
vba_named(const struct obj_tree *t, const struct mobj *o)
{
	static const char *const ext[] = { ".vba", ".bas", ".cls", ".frm", NULL };

	(void)t;
	return named_as(o, ext);
}

/*
 * A script that reads as plain text (or, Script Encoder output, as data)
 * by content but whose name says what Windows would run it with (.ps1,
 * .bat, .js, .vbe ...): the static sandbox reads it as that language.
 */
static bool
script_named(const struct obj_tree *t, const struct mobj *o)
{
	static const char *const ext[] = { ".js", ".jse", ".vbs", ".vbe", ".wsf", ".wsc",
		".hta", ".ps1", ".psm1", ".bat", ".cmd", NULL };

	(void)t;
	return named_as(o, ext);
}

const struct obj_handler obj_analysers[] = {
	{ .type = "lnk", .run = lnk_analyse },
	{ .type = "onenote", .run = onenote_analyse },
	{ .type = "docx", .run = ooxml_analyse },
	{ .type = "docm", .run = ooxml_analyse },
	{ .type = "xlsx", .run = ooxml_analyse },
	{ .type = "xlsm", .run = ooxml_analyse },
	{ .type = "xlsb", .run = ooxml_analyse },
	{ .type = "pptx", .run = ooxml_analyse },
	{ .type = "pptm", .run = ooxml_analyse },
	{ .type = "ooxml", .run = ooxml_analyse },
	{ .type = "odt", .run = odf_analyse },
	{ .type = "ods", .run = odf_analyse },
	{ .type = "odp", .run = odf_analyse },
	{ .type = "odf", .run = odf_analyse },
	{ .type = "flatopc", .run = flatopc_analyse },
	{ .type = "wordxml", .run = wordxml_analyse },
	{ .type = "excelxml", .run = excelxml_analyse },
	{ .type = "csv", .run = csv_analyse },
	{ .type = "text", .takes = script_named, .run = script_analyse },
	{ .type = "text", .run = csv_text_analyse },
	{ .type = "rtf", .run = rtf_analyse },
	{ .type = "sylk", .run = sylk_analyse },
	{ .type = "ole2", .run = ole_analyse },
	{ .type = "doc", .run = ole_analyse },
	{ .type = "xls", .run = ole_analyse },
	{ .type = "ppt", .run = ole_analyse },
	{ .type = "vba", .run = vba_analyse },
	{ .type = "pdf", .run = pdf_analyse },
	{ .type = "html", .run = html_analyse },
	{ .type = "hta", .run = script_analyse },
	{ .type = "svg", .run = html_analyse },
	{ .type = "vbs", .takes = vba_named, .run = vba_analyse },
	{ .type = "vbs", .run = script_analyse },
	/* a Script Encoder file (.vbe, .jse) reads as data: DEL bytes */
	{ .type = "unknown", .takes = script_named, .run = script_analyse },
	{ .type = "js", .run = script_analyse },
	{ .type = "wsf", .run = script_analyse },
	{ .type = "ps1", .run = script_analyse },
	{ .type = "bat", .run = script_analyse },
	{ .run = NULL },
};
