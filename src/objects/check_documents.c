/*
 * check_documents.c - the symbols of the document analysers
 * (docs/documents.md).  The analysers (documents.h) run while the object
 * tree is built and record facts on objects; this check declares the
 * symbols, with their weights, and turns every fact into its symbol with
 * the object's path and the fact's evidence as the option.
 */
#include <string.h>

#include "core/check.h"
#include "object.h"

static const struct mamori_symbol_def symbols[] = {
	/* VBA, as olevba and mraptor judge it */
	{ "VBA_MACRO", 2.0, "An Office document (or a VBA project inside one, or VBA source) holds VBA macros. Option: path (modules).", NO_FORCE },
	{ "VBA_AUTOEXEC", 4.0, "A VBA macro runs by itself when the document is opened or closed (AutoOpen, Document_Open, Workbook_Open, Auto_Close ...). Option: path (trigger).", NO_FORCE },
	{ "VBA_AUTOEXEC_EXECUTE", 12.0, "A macro that runs by itself can also write files, run programs or download (Shell, WScript.Shell, CreateObject, URLDownloadToFile, XMLHTTP, ADODB.Stream, PowerShell ...): mraptor's SUSPICIOUS verdict, what Emotet's documents do. Option: path (trigger + capabilities).", NO_FORCE },
	{ "VBA_SUSPICIOUS", 2.0, "A VBA macro can write files, run programs or download, without running by itself. Option: path (capabilities).", NO_FORCE },
	{ "VBA_OBFUSCATED", 3.0, "VBA source hides its strings: long Chr/ChrW chains, StrReverse, long base64 or hex strings, strings split and concatenated. Option: path (technique).", NO_FORCE },
	{ "VBA_IN_MACRO_FREE_FORMAT", 5.0, "A VBA project inside a document whose format cannot run macros (.docx, .xlsx, .pptx): renamed to slip past filters. Option: path.", NO_FORCE },
	/* Excel 4.0 macros */
	{ "XLM_MACRO", 6.0, "An Excel workbook holds Excel 4.0 (XLM) macro sheets, which ordinary workbooks no longer use. Option: path (sheet).", NO_FORCE },
	{ "XLM_AUTOEXEC", 4.0, "An Excel 4.0 macro runs by itself (a defined name Auto_Open / Auto_Close). Option: path (name).", NO_FORCE },
	{ "XLM_HIDDEN_SHEET", 2.0, "A macro sheet is hidden or very hidden. Option: path (sheet, state).", NO_FORCE },
	{ "XLM_SUSPICIOUS_FORMULA", 6.0, "An Excel 4.0 formula runs programs or calls Windows functions (EXEC, CALL, REGISTER, URLDownloadToFileA ...). Option: path (formula).", NO_FORCE },
	/* other document tricks */
	{ "DDE_FIELD", 6.0, "A document or CSV holds a DDE/DDEAUTO field that starts a program when fields update. Option: path (command).", NO_FORCE },
	{ "TEMPLATE_INJECTION", 8.0, "An OOXML document loads a template or object from the network when opened (a relationship with TargetMode External to http(s), e.g. attachedTemplate). Option: path (URL).", NO_FORCE },
	{ "OLE_EMBEDDED_OBJECT", 1.0, "A document embeds an OLE object or package (Ole10Native); the embedded file is carved out as a child and examined. Option: path (embedded name).", NO_FORCE },
	{ "ENCRYPTED_OFFICE", 2.0, "An Office document is encrypted (OOXML in an EncryptedPackage, RC4 or CryptoAPI in .doc/.xls/.ppt), and no candidate password opened it, so its content could not be examined (one a password opened gets PPAP_DECRYPTED instead). Option: path (method).", NO_FORCE },
	{ "DOCUMENT_MALFORMED", 1.0, "A document analyser found the structure damaged where it read it; what could be read was examined. Option: path: problem.", NO_FORCE },
	/* droppers */
	{ "LNK_FILE", 1.0, "A Windows shortcut (.lnk). Option: path (target and arguments).", NO_FORCE },
	{ "LNK_SUSPICIOUS_COMMAND", 8.0, "A shortcut runs a command interpreter or a system tool that droppers use (powershell, cmd /c, mshta, rundll32, regsvr32, wscript, cscript, certutil, bitsadmin, curl ...), or carries very long or padded arguments. Option: path (command).", NO_FORCE },
	{ "ONENOTE_EMBEDDED_FILE", 3.0, "A OneNote file embeds files; each is carved out as a child and examined (a script or program inside gets its own verdict). Option: path (embedded file).", NO_FORCE },
	{ "PDF_JAVASCRIPT", 3.0, "A PDF holds JavaScript (/JavaScript, /JS). Option: path.", NO_FORCE },
	{ "PDF_LAUNCH", 6.0, "A PDF has a /Launch action, which starts a program. Option: path (target).", NO_FORCE },
	{ "PDF_AUTO_ACTION", 1.0, "A PDF runs an action when opened or on page events (/OpenAction, /AA). Option: path (action).", NO_FORCE },
	{ "PDF_EMBEDDED_FILE", 1.0, "A PDF carries embedded files (/EmbeddedFile); each is carved out as a child and examined. Option: path (name).", NO_FORCE },
	{ "RTF_OLE_OBJECT", 3.0, "An RTF document embeds OLE objects (\\objdata); each is carved out as a child and examined. Option: path (class).", NO_FORCE },
	{ "RTF_OBJUPDATE", 4.0, "An RTF OLE object updates itself when the document opens (\\objupdate), as exploit documents do. Option: path.", NO_FORCE },
	{ "RTF_EQUATION_EDITOR", 8.0, "An RTF document embeds an Equation Editor object (Equation.3), the target of CVE-2017-11882 and its family. Option: path (class).", NO_FORCE },
	{ "HTML_SMUGGLING", 8.0, "An HTML file builds a file in the browser from data it carries (Blob or data: URI from base64) and makes the browser save or open it. Option: path (technique).", NO_FORCE },
	{ "HTML_CREDENTIAL_FORM", 6.0, "An HTML attachment has a form with a password field that posts elsewhere: a phishing page. Option: path (form target).", NO_FORCE },
	{ "HTML_REDIRECT", 2.0, "An HTML attachment sends the browser elsewhere at once (meta refresh, location change in script). Option: path (target).", NO_FORCE },
};

static void
run(struct scan_ctx *ctx)
{
	const struct obj_tree *t = scan_objects(ctx);

	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			/* a document a password opened was examined after all: as
			 * for archives, PPAP_DECRYPTED says so (check_ppap.c) */
			if ((o->flags & OBJ_DECRYPTED) && strcmp(f->symbol, "ENCRYPTED_OFFICE") == 0)
				continue;
			if (f->detail != NULL)
				scan_object_addf(ctx, o, f->symbol, "%s (%s)", o->path, f->detail);
			else
				scan_object_addf(ctx, o, f->symbol, "%s", o->path);
		}
	}
}

const struct mamori_check check_documents = {
	.name = "documents",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.run = run,
};
