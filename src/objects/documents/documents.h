/*
 * documents.h - the document analysers' entry points, for their registry
 * (documents.c; private to the analysers).
 *
 * An analyser looks inside one object of a given true type (an Office
 * file, a shortcut, a PDF ...) while the tree is built: it records what it
 * finds as facts (obj_fact(), turned into symbols by the documents check,
 * check_documents.c), URLs (obj_url()), and carves what is embedded into
 * child objects (cwalk_add() in tree_api.h), which are typed, unpacked and
 * analysed in turn, and seen by every check and engine.
 *
 * Every analyser takes the object's kept bytes (o->data, o->len) and must
 * not read past them; sizes and offsets in the file are checked against
 * what is really there.  Damage is a fact (DOCUMENT_MALFORMED) or a flag,
 * never a crash.  docs/documents.md lists every symbol and its evidence.
 */
#ifndef MAMORI_OBJECTS_DOCUMENTS_H
#define MAMORI_OBJECTS_DOCUMENTS_H

#include "objects/tree_api.h"

/* markup.c: for the analysers that read XML with GMarkup.  The local name
 * of a qualified name ("w:binData" -> "binData"); the value of the
 * attribute of that local name (any prefix), or NULL; whether s starts or
 * ends with a string, ASCII case ignored (part names). */
const char *xml_local_name(const char *qname);
const char *xml_attr(const char **names, const char **values, const char *local);
bool has_prefix_ci(const char *s, const char *prefix);
bool has_suffix_ci(const char *s, const char *suffix);
/* Parse the XML of part (a child of a document) with parser and ud: a
 * UTF-8 BOM skipped, at most XML_PART_MAX bytes.  With doc, a part GMarkup
 * rejects (not well-formed, not UTF-8, a DTD it refuses) or one cut at the
 * limit is a DOCUMENT_MALFORMED fact on doc ("part: GLib's message");
 * without, what was read before the damage counts, silently. */
#define XML_PART_MAX (16u << 20)
void xml_parse_part(struct mobj *doc, const struct mobj *part, const GMarkupParser *parser,
    void *ud);

/* The driver runs the analyser of o's true type after o's container (so
 * OOXML parts are its children already). */
void lnk_analyse(struct obj_tree *t, struct mobj *o);		/* lnk.c */
void onenote_analyse(struct obj_tree *t, struct mobj *o);	/* onenote.c */
/* ooxml.c: OOXML relationships, fields, XLM; DDE in CSV (and in "text"
 * objects named *.csv) */
void ooxml_analyse(struct obj_tree *t, struct mobj *o);
void csv_analyse(struct obj_tree *t, struct mobj *o);
/* Whether a defined name starts a macro when the workbook opens or
 * closes (Auto_Open, _xlnm.Auto_Close, Auto_Open2 ...). */
bool ooxml_is_auto_name(const char *name);
/* xlsb.c: an .xlsb's binary parts, children of doc: hidden macro sheets
 * and Auto_Open names in xl/workbook.bin (rels: the workbook's
 * relationship ids -> type, rid_part: -> part name, as ooxml.c reads
 * them), the formulas of the macro_parts (part names), also decompiled
 * and run by the XLM evaluator (sandbox_run_xlm()), DDE links in
 * xl/externalLinks/ *.bin. */
void xlsb_analyse_parts(struct obj_tree *t, struct mobj *doc, GHashTable *rels,
    GHashTable *rid_part, const GPtrArray *macro_parts);
void csv_text_analyse(struct obj_tree *t, struct mobj *o);
/* odf.c: OpenDocument macros and the events bound to them */
void odf_analyse(struct obj_tree *t, struct mobj *o);
/* ppt.c: presentation actions that run programs or macros.  Slides of an
 * OOXML presentation (its parts o's children; called by ooxml_analyse). */
void ppt_ooxml_actions(struct obj_tree *t, struct mobj *o);
/*
 * ooxml.c: the field codes of WordprocessingML, for every form of Word
 * XML (flatxml.c reads Word 2003 XML with them).  Handed the elements and
 * text of one part: <w:fldChar> begin/separate/end around <w:instrText>
 * runs, and <w:fldSimple w:instr>.  A DDE or DDEAUTO field is a DDE_FIELD
 * fact on o; HYPERLINK, INCLUDEPICTURE and INCLUDETEXT give o URLs.
 * el is the local name (no prefix); word_fields_text() says whether the
 * text was an instruction's; word_fields_finish() judges the fields a
 * part leaves open and starts afresh for the next part.
 */
struct word_fields;
struct word_fields *word_fields_new(struct mobj *o);
void word_fields_start(struct word_fields *f, const char *el, const char **an,
    const char **av);
void word_fields_end(struct word_fields *f, const char *el);
bool word_fields_text(struct word_fields *f, const char *text, size_t len);
void word_fields_finish(struct word_fields *f);
void word_fields_free(struct word_fields *f);
/* ooxml.c: does a formula or CSV cell reach a program through DDE
 * (=cmd|'/c calc'!A0, =DDE(...))? */
bool dde_formula(const char *p, size_t n);
/* flatxml.c: Office documents saved as one XML file: Flat OPC (its parts
 * become children, then ooxml_analyse() reads them), Word 2003 XML, Excel
 * 2003 XML. */
void flatopc_analyse(struct obj_tree *t, struct mobj *o);
void wordxml_analyse(struct obj_tree *t, struct mobj *o);
void excelxml_analyse(struct obj_tree *t, struct mobj *o);
/* rtf.c: OLE objects in RTF */
void rtf_analyse(struct obj_tree *t, struct mobj *o);
/* OLE2 files: .doc .xls .ppt, vbaProject.bin, OLE objects (ole.c). */
void ole_analyse(struct obj_tree *t, struct mobj *o);
/* VBA source on its own, not from a project analysed here (vba.c). */
void vba_analyse(struct obj_tree *t, struct mobj *o);
void pdf_analyse(struct obj_tree *t, struct mobj *o);
/* SYLK spreadsheets and their Excel 4.0 macros (sylk.c) */
void sylk_analyse(struct obj_tree *t, struct mobj *o);
/* Whether a string constant of an Excel 4.0 formula names a download or
 * execution API, a DLL or a program droppers use, or holds a URL (xlm.c:
 * the rule of XLM_SUSPICIOUS_FORMULA for .xls and SYLK). */
bool xlm_bad_string(const char *s, size_t n);
/* HTML, HTA, SVG: smuggling, credential forms, redirects (html.c) */
void html_analyse(struct obj_tree *t, struct mobj *o);

/* The static sandbox (sandbox.c): the languages of src/deob/. */
enum sandbox_lang { SANDBOX_POWERSHELL, SANDBOX_VBA, SANDBOX_JS, SANDBOX_CMD };

/* What sandbox_run() found, summed over its calls for one object. */
struct sandbox_found {
	char *first_url, *first_cmd;	/* g_free'd by sandbox_found_clear() */
	GString *lc;		/* the recovered strings, lower case */
};

/*
 * Run the evaluator of lang over text (a script, a macro module's source,
 * a command line) found in o: indicators, facts and children on o (see
 * sandbox.c).  found, when not NULL, is added to.
 */
void sandbox_run(struct obj_tree *t, struct mobj *o, enum sandbox_lang lang, const char *text,
    size_t len, struct sandbox_found *found);
/*
 * The same, with the VBA evaluator's document strings (extra: NULL or as
 * deob_vba() takes it, src/deob/deob.h; not kept).
 */
void sandbox_run_extra(struct obj_tree *t, struct mobj *o, enum sandbox_lang lang,
    const char *text, size_t len, struct sandbox_found *found, GHashTable *extra);
void sandbox_found_clear(struct sandbox_found *f);

/*
 * Excel 4.0 macro sheets (sandbox.c), the one place the readers of .xls
 * (xlm.c), .xlsm (ooxml.c) and SYLK (sylk.c) hand their cells to the XLM
 * evaluator (src/deob/xlm.c): init, the cells (formula text "=..." or a
 * value; sheet, row and column 1-based) and the start cells (Auto_Open;
 * none: the first formula of each sheet), then sandbox_run_xlm() runs
 * them when there is a formula and t is not NULL, judges what they build
 * as sandbox_run() does (on o) and frees what init made.
 */
struct deob_xlm;
struct sandbox_xlm {
	struct deob_xlm *x;
	GString *src;		/* the formulas as written, for what is hidden */
	unsigned formulas;
};
void sandbox_xlm_init(struct sandbox_xlm *s);
void sandbox_xlm_cell(struct sandbox_xlm *s, const char *sheet, uint32_t row, uint32_t col,
    const char *text, size_t len);
void sandbox_xlm_start(struct sandbox_xlm *s, const char *sheet, uint32_t row, uint32_t col);
void sandbox_run_xlm(struct obj_tree *t, struct mobj *o, struct sandbox_xlm *s);
/* Whether s runs a program droppers use (powershell, cmd /c, mshta,
 * rundll32, regsvr32, wscript, certutil, bitsadmin, msiexec, curl ...)
 * with an argument. */
bool sandbox_is_command(const char *s, size_t n);
/* Script attachments: js, vbs (not VBA source), wsf, hta, ps1, bat, and
 * text named as one of them. */
void script_analyse(struct obj_tree *t, struct mobj *o);

#endif
