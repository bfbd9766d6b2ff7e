/*
 * facts.h - what a document analyser can record about an object
 * (obj_fact(), object.h): one list, from which the enum the analysers
 * call with and the names (obj_fact_name()) are made, so that a
 * misspelled fact does not compile.
 *
 * Each fact is reported as the documents module's symbol of the same name
 * (src/checks/documents/check_documents.c, where its weight and
 * description are; that file does not compile unless its symbols are
 * exactly these facts), in this order (docs/documents.md).  A new fact: a
 * line here, its symbol there and its entry in docs/documents.md.
 */
#ifndef MAMORI_OBJECTS_FACTS_H
#define MAMORI_OBJECTS_FACTS_H

#define OBJ_FACTS(X)				\
	/* VBA, as olevba and mraptor judge it */	\
	X(VBA_MACRO)				\
	X(VBA_AUTOEXEC)				\
	X(VBA_AUTOEXEC_EXECUTE)			\
	X(VBA_SUSPICIOUS)			\
	X(VBA_OBFUSCATED)			\
	X(VBA_IN_MACRO_FREE_FORMAT)		\
	/* Excel 4.0 macros */			\
	X(XLM_MACRO)				\
	X(XLM_AUTOEXEC)				\
	X(XLM_HIDDEN_SHEET)			\
	X(XLM_SUSPICIOUS_FORMULA)		\
	/* other document tricks */		\
	X(DDE_FIELD)				\
	X(TEMPLATE_INJECTION)			\
	X(OLE_EMBEDDED_OBJECT)			\
	X(ENCRYPTED_OFFICE)			\
	X(DOCUMENT_MALFORMED)			\
	/* droppers */				\
	X(LNK_FILE)				\
	X(LNK_SUSPICIOUS_COMMAND)		\
	X(ONENOTE_EMBEDDED_FILE)		\
	X(PDF_JAVASCRIPT)			\
	X(PDF_LAUNCH)				\
	X(PDF_AUTO_ACTION)			\
	X(PDF_EMBEDDED_FILE)			\
	X(RTF_OLE_OBJECT)			\
	X(RTF_OBJUPDATE)			\
	X(RTF_EQUATION_EDITOR)			\
	X(HTML_SMUGGLING)			\
	X(HTML_CREDENTIAL_FORM)			\
	X(HTML_REDIRECT)			\
	/* the static sandbox (sandbox.c) */	\
	X(DEOBFUSCATED_URL)			\
	X(DEOBFUSCATED_COMMAND)			\
	X(SCRIPT_DROPPER)			\
	X(POWERSHELL_ENCODED)			\
	/* OpenDocument macros, PowerPoint actions (odf.c, ppt.c) */	\
	X(ODF_MACRO)				\
	X(ODF_MACRO_AUTOEXEC)			\
	X(PPT_ACTION_RUN)

enum obj_fact_id {
#define OBJ_FACT_ENUM_(name) OBJ_FACT_##name,
	OBJ_FACTS(OBJ_FACT_ENUM_)
#undef OBJ_FACT_ENUM_
	OBJ_FACT_COUNT
};

/* "VBA_MACRO" for OBJ_FACT_VBA_MACRO: the symbol's name; "?" out of range. */
const char *obj_fact_name(enum obj_fact_id id);

#endif
