/*
 * check_documents.c - the symbols of the document analysers
 * (docs/documents.md).  The analysers (documents.h) run while the object
 * tree is built and record facts on objects; this check declares the
 * symbols, with their weights, and turns every fact into its symbol with
 * the object's path and the fact's evidence as the option.  Every fact of
 * objects/facts.h has its symbol of the same name here, and every symbol
 * here is a fact: both are checked when this file compiles.
 */
#include "core/module.h"
#include "objects/object.h"

#define SYMBOLS(X) \
	/* VBA, as olevba and mraptor judge it */ \
	X(VBA_MACRO, 2.0, NO_FORCE, "An Office document (or a VBA project inside one, or VBA source) holds VBA macros. Option: path (modules).") \
	X(VBA_AUTOEXEC, 4.0, NO_FORCE, "A VBA macro runs by itself when the document is opened or closed (AutoOpen, Document_Open, Workbook_Open, Auto_Close ...). Option: path (trigger).") \
	X(VBA_AUTOEXEC_EXECUTE, 12.0, NO_FORCE, "A macro that runs by itself can also write files, run programs or download (Shell, WScript.Shell, CreateObject, URLDownloadToFile, XMLHTTP, ADODB.Stream, PowerShell ...): mraptor's SUSPICIOUS verdict, what Emotet's documents do. Option: path (trigger + capabilities).") \
	X(VBA_SUSPICIOUS, 2.0, NO_FORCE, "A VBA macro can write files, run programs or download, without running by itself. Option: path (capabilities).") \
	X(VBA_OBFUSCATED, 3.0, NO_FORCE, "VBA source hides its strings: long Chr/ChrW chains, StrReverse, long base64 or hex strings, strings split and concatenated. Option: path (technique).") \
	X(VBA_IN_MACRO_FREE_FORMAT, 5.0, NO_FORCE, "A VBA project inside a document whose format cannot run macros (.docx, .xlsx, .pptx): renamed to slip past filters. Option: path.") \
	/* Excel 4.0 macros */ \
	X(XLM_MACRO, 6.0, NO_FORCE, "An Excel workbook holds Excel 4.0 (XLM) macro sheets, which ordinary workbooks no longer use. Option: path (sheet).") \
	X(XLM_AUTOEXEC, 4.0, NO_FORCE, "An Excel 4.0 macro runs by itself (a defined name Auto_Open / Auto_Close). Option: path (name).") \
	X(XLM_HIDDEN_SHEET, 2.0, NO_FORCE, "A macro sheet is hidden or very hidden. Option: path (sheet, state).") \
	X(XLM_SUSPICIOUS_FORMULA, 6.0, NO_FORCE, "An Excel 4.0 formula runs programs or calls Windows functions (EXEC, CALL, REGISTER, URLDownloadToFileA ...). Option: path (formula).") \
	/* other document tricks */ \
	X(DDE_FIELD, 6.0, NO_FORCE, "A document or CSV holds a DDE/DDEAUTO field that starts a program when fields update. Option: path (command).") \
	X(TEMPLATE_INJECTION, 8.0, NO_FORCE, "An OOXML or RTF document loads a template or object from the network when opened (a relationship with TargetMode External to http(s), e.g. attachedTemplate; an RTF {\\*\\template} with a URL or UNC path). Option: path (URL).") \
	X(OLE_EMBEDDED_OBJECT, 1.0, NO_FORCE, "A document embeds an OLE object or package (Ole10Native); the embedded file is carved out as a child and examined. Option: path (embedded name).") \
	X(ENCRYPTED_OFFICE, 2.0, NO_FORCE, "An Office document is encrypted (OOXML in an EncryptedPackage, RC4 or CryptoAPI in .doc/.xls/.ppt), and no candidate password opened it, so its content could not be examined (one a password opened gets PPAP_DECRYPTED instead). Option: path (method).") \
	X(DOCUMENT_MALFORMED, 1.0, NO_FORCE, "A document analyser found the structure damaged where it read it; what could be read was examined. Option: path: problem.") \
	/* droppers */ \
	X(LNK_FILE, 1.0, NO_FORCE, "A Windows shortcut (.lnk). Option: path (target and arguments).") \
	X(LNK_SUSPICIOUS_COMMAND, 8.0, NO_FORCE, "A shortcut runs a command interpreter or a system tool that droppers use (powershell, cmd /c, mshta, rundll32, regsvr32, wscript, cscript, certutil, bitsadmin, curl ...), or carries very long or padded arguments. Option: path (command).") \
	X(ONENOTE_EMBEDDED_FILE, 3.0, NO_FORCE, "A OneNote file embeds files; each is carved out as a child and examined (a script or program inside gets its own verdict). Option: path (embedded file).") \
	X(PDF_JAVASCRIPT, 3.0, NO_FORCE, "A PDF holds JavaScript (/JavaScript, /JS). Option: path.") \
	X(PDF_LAUNCH, 6.0, NO_FORCE, "A PDF has a /Launch action, which starts a program. Option: path (target).") \
	X(PDF_AUTO_ACTION, 1.0, NO_FORCE, "A PDF runs an action when opened or on page events (/OpenAction, /AA). Option: path (action).") \
	X(PDF_EMBEDDED_FILE, 1.0, NO_FORCE, "A PDF carries embedded files (/EmbeddedFile); each is carved out as a child and examined. Option: path (name).") \
	X(RTF_OLE_OBJECT, 3.0, NO_FORCE, "An RTF document embeds OLE objects (\\objdata); each is carved out as a child and examined. Option: path (class).") \
	X(RTF_OBJUPDATE, 4.0, NO_FORCE, "An RTF OLE object updates itself when the document opens (\\objupdate), as exploit documents do. Option: path.") \
	X(RTF_EQUATION_EDITOR, 8.0, NO_FORCE, "An RTF document embeds an Equation Editor object (Equation.3), the target of CVE-2017-11882 and its family. Option: path (class).") \
	X(HTML_SMUGGLING, 8.0, NO_FORCE, "An HTML file builds a file in the browser from data it carries (Blob or data: URI from base64) and makes the browser save or open it. Option: path (technique).") \
	X(HTML_CREDENTIAL_FORM, 6.0, NO_FORCE, "An HTML attachment has a form with a password field that posts elsewhere: a phishing page. Option: path (form target).") \
	X(HTML_REDIRECT, 2.0, NO_FORCE, "An HTML attachment sends the browser elsewhere at once (meta refresh, location change in script). Option: path (target).") \
	/* the static sandbox */ \
	X(DEOBFUSCATED_URL, 4.0, NO_FORCE, "A macro or script builds a URL whose host its text does not hold as written (Chr() codes, reversed or split strings), or decodes one (base64, an encoded PowerShell command): the static sandbox recovered it; a URL put together from visible pieces is only an indicator. The URL also goes to the URL checks. Option: path (URL, how).") \
	X(DEOBFUSCATED_COMMAND, 6.0, NO_FORCE, "A macro or script builds a command line that runs a downloader or interpreter (powershell, cmd /c, mshta, rundll32, regsvr32, wscript, cscript, certutil, bitsadmin, msiexec, curl ...) with arguments, whose program or URL its text hides, or decodes one. Option: path (command, how).") \
	X(SCRIPT_DROPPER, 8.0, NO_FORCE, "A script attachment (.js, .jse, .vbs, .vbe, .wsf, .hta, .ps1, .bat, .cmd) downloads or runs something: a download object or command with a URL, or a program started with arguments, in its text or in what the static sandbox recovered. Option: path (what).") \
	X(POWERSHELL_ENCODED, 4.0, NO_FORCE, "A command line or script runs PowerShell with -EncodedCommand (base64 UTF-16LE), the way droppers hide their command; the decoded script is analysed as well. Option: path (decoded start).") \
	/* OpenDocument macros, PowerPoint actions */ \
	X(ODF_MACRO, 2.0, NO_FORCE, "An OpenDocument file (.odt, .ods, .odp, .odg) holds macros: StarBasic modules (Basic/<library>/<module>.xml) or scripts in the package (Scripts/: Python, BeanShell, JavaScript), or binds an event to a script outside the document (location=application/share, a macro: URL). Option: path (modules, or event -> script).") \
	X(ODF_MACRO_AUTOEXEC, 4.0, NO_FORCE, "An OpenDocument macro runs by itself: a script bound to the document's load, new, load-finished, view-created or focus event (office:event-listeners, the ODF 1.0 script:event form); a macro:shell(...) binding runs a command. Option: path (event -> script).") \
	X(PPT_ACTION_RUN, 6.0, NO_FORCE, "A presentation shape runs a program or a macro when clicked or when the mouse passes over it (.ppt InteractiveInfo II_RunProgramAction/II_MacroAction, .pptx ppaction://program or ppaction://macro, .odp presentation:action execute): how PowerPoint droppers start without an auto-run macro. Option: path (click|mouse-over: target).") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* The symbol of each fact, at the fact's index: a fact without its row in
 * SYMBOLS does not compile (SYM_ID_<fact> undeclared), a second entry for
 * one is an error of -Woverride-init, and a row that is no fact fails the
 * assertion below. */
#define FACT_SYMBOL_(name) [OBJ_FACT_##name] = SYM(name),
static const mamori_sym fact_symbol[OBJ_FACT_COUNT] = { OBJ_FACTS(FACT_SYMBOL_) };
#undef FACT_SYMBOL_
_Static_assert((int)SYM_ID_COUNT_ == (int)OBJ_FACT_COUNT, "a symbol of the documents check is no fact of objects/facts.h");

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
			if ((o->flags & OBJ_DECRYPTED) && f->id == OBJ_FACT_ENCRYPTED_OFFICE)
				continue;
			mamori_sym sym = fact_symbol[f->id];
			if (f->detail != NULL)
				scan_object_addf(ctx, o, sym, "%s (%s)", o->path, f->detail);
			else
				scan_object_addf(ctx, o, sym, "%s", o->path);
		}
	}
}

const struct mamori_module module_documents = {
	.name = "documents",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.run = run,
};
