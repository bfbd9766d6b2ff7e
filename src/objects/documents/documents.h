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

/* The driver runs the analyser of o's true type after o's container (so
 * OOXML parts are its children already). */
void lnk_analyse(struct obj_tree *t, struct mobj *o);		/* lnk.c */
void onenote_analyse(struct obj_tree *t, struct mobj *o);	/* onenote.c */
/* ooxml.c: OOXML relationships, fields, XLM; DDE in CSV (and in "text"
 * objects named *.csv) */
void ooxml_analyse(struct obj_tree *t, struct mobj *o);
void csv_analyse(struct obj_tree *t, struct mobj *o);
void csv_text_analyse(struct obj_tree *t, struct mobj *o);
/* rtf.c: OLE objects in RTF */
void rtf_analyse(struct obj_tree *t, struct mobj *o);
/* OLE2 files: .doc .xls .ppt, vbaProject.bin, OLE objects (ole.c). */
void ole_analyse(struct obj_tree *t, struct mobj *o);
/* VBA source on its own, not from a project analysed here (vba.c). */
void vba_analyse(struct obj_tree *t, struct mobj *o);
void pdf_analyse(struct obj_tree *t, struct mobj *o);
/* HTML, HTA, SVG: smuggling, credential forms, redirects (html.c) */
void html_analyse(struct obj_tree *t, struct mobj *o);

#endif
