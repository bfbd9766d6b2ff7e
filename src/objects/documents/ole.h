/*
 * ole.h - what the OLE2 analysers share (private to ole.c, vba.c, xlm.c,
 * pcode.c, docstrings.c, ppt.c and ooxml.c): the MS-OVBA decompressor and
 * dir-stream reader (vba.c), the VBA source analysis (vba.c), the Excel
 * 4.0 macro reader (xlm.c), the PowerPoint action reader (ppt.c), the
 * p-code reader (pcode.c) and the readers of the strings a document keeps
 * for its macros (docstrings.c).  Each takes
 * (pointer, length) and is bounded; the fuzz targets call them directly.
 */
#ifndef MAMORI_OBJECTS_OLE_H
#define MAMORI_OBJECTS_OLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "objects/object.h"

/* Caps: nothing from a file is allocated beyond these. */
#define VBA_SOURCE_MAX (4u << 20)	/* decompressed bytes per module */
#define VBA_DIR_MAX (1u << 20)		/* decompressed dir stream */
#define VBA_MODULES_MAX 256		/* modules per project */

/*
 * MS-OVBA 2.4.1.3: decompress a CompressedContainer (p, len) into at most
 * max bytes.  NULL when the signature byte is not 0x01.  *outlen gets what
 * was decompressed; *damaged (may be NULL) is set when a chunk was cut,
 * malformed or a copy token pointed before its chunk: the bytes
 * decompressed until then are returned.  g_free() the result.
 */
uint8_t *vba_decompress(const uint8_t *p, size_t len, size_t max,
    size_t *outlen, bool *damaged);

/* A module of a VBA project, from the decompressed dir stream. */
struct vba_module {
	char *name;		/* MODULENAME (MBCS, made UTF-8 clean) */
	char *stream;		/* MODULESTREAMNAME (UTF-16 form when present) */
	uint32_t offset;	/* MODULEOFFSET: where the compressed source starts */
};

/*
 * MS-OVBA 2.3.4.2: the modules listed in a decompressed dir stream, in
 * order (struct vba_module *; free with g_ptr_array_unref).  Empty, never
 * NULL; *damaged (may be NULL) is set when a record overruns the stream.
 */
GPtrArray *vba_dir_modules(const uint8_t *p, size_t len, bool *damaged);

/*
 * The olevba/mraptor analysis of VBA source (src, len: any bytes, not
 * NUL-terminated): VBA_AUTOEXEC, VBA_AUTOEXEC_EXECUTE, VBA_SUSPICIOUS,
 * VBA_OBFUSCATED facts and URLs/IPs on doc, then the static sandbox
 * (sandbox.c) over it (t NULL: not; the unit tests and the fuzz target
 * of this analysis).  Not VBA_MACRO: the caller knows what holds the
 * source.
 */
void vba_analyse_source(struct obj_tree *t, struct mobj *doc, const char *src, size_t len);

/*
 * Excel 4.0 macros in a BIFF8 Workbook stream (xlm.c): facts on doc.
 * Also ENCRYPTED_OFFICE when a FILEPASS record is found.  The macro
 * sheets' formulas, decompiled, are run by the static sandbox (sandbox.c)
 * unless t is NULL.
 */
void xlm_analyse_workbook(struct obj_tree *t, struct mobj *doc, const uint8_t *p, size_t len);
/* The formula text ("=...", R1C1 references, no sheet names) of a
 * FORMULA record's rgce (an .xlsb cell's when biff12), or NULL when it
 * cannot be decompiled whole (xlm.c; for the tests).  g_free it. */
char *xlm_formula_text(const uint8_t *p, size_t n, bool biff12);

/*
 * One parsed formula (rgce, n bytes) of a macro sheet, BIFF8's or (biff12)
 * an .xlsb's: XLM_SUSPICIOUS_FORMULA for the functions and strings that
 * run programs or call Windows, and the URLs of its string constants
 * (those joined by & read as one) on doc.  Returns the formula as text
 * ("=EXEC(...)", R1C1 references; g_free) when it decompiles whole (no
 * defined names: a PtgName makes it NULL), else NULL.
 */
char *xlm_formula(struct mobj *doc, const uint8_t *p, size_t n, bool biff12);

/*
 * PowerPoint shapes' actions that run a program or a macro, in a
 * "PowerPoint Document" stream (ppt.c): PPT_ACTION_RUN facts on doc, and
 * a program's command line through the static sandbox (t NULL: not).
 */
void ppt_binary_actions(struct obj_tree *t, struct mobj *doc, const uint8_t *p, size_t len);

/*
 * ole.c: run the VBA project of the OLE2 object o (a vbaProject.bin part)
 * through the sandbox with the strings of its forms and p-code and those
 * of extra (the OOXML package's parts; may be NULL).  ole_analyse() leaves
 * this to the package's analyser (ooxml.c) when o is a part of one.
 */
struct obj_tree;
void ole_vba_sandbox(struct obj_tree *t, struct mobj *o, GHashTable *extra);

/* ---- p-code (pcode.c) ---- */

enum vba_pcode_status {
	PCODE_OK,		/* decoded: every line, every instruction */
	PCODE_NONE,		/* no PerformanceCache (MODULEOFFSET 0) */
	PCODE_UNKNOWN,		/* a version or layout we do not decode */
};

/* What a module's p-code holds. */
struct vba_pcode {
	GPtrArray *lits;	/* GBytes: LitStr string literals, in order */
	unsigned funcs;		/* FuncDefn: procedures defined */
	unsigned lines;		/* lines with instructions */
	unsigned instrs;
};

/*
 * The PerformanceCache p[0..n) of a module stream (the bytes before
 * MODULEOFFSET): version is _VBA_PROJECT's Version ([MS-OVBA] 2.3.4.1),
 * is64 whether PROJECTSYSKIND is 3.  pc is filled (clear it with
 * vba_pcode_clear() whatever the status).
 */
enum vba_pcode_status vba_pcode_read(const uint8_t *p, size_t n, unsigned version, bool is64,
    struct vba_pcode *pc);
void vba_pcode_clear(struct vba_pcode *pc);
/*
 * Whether decoded p-code pc disagrees with the module's source src[0..len):
 * a string literal of the p-code not written in the source, or procedures
 * in the p-code and none in the source.  why gets what differs.
 */
bool vba_pcode_stomped(const struct vba_pcode *pc, const char *src, size_t len, GString *why);

/* ---- the strings a document holds for its macros (docstrings.c) ---- */

/*
 * The `extra` table of deob_vba() (src/deob/deob.h): lower-case member
 * chains to UTF-8 values.  docstr_new() makes one (keys and values owned);
 * the others add to it, bounded (DOCSTR_* in docstrings.c); the first
 * value of a name is kept.
 */
GHashTable *docstr_new(void);
void docstr_add(GHashTable *x, const char *key, const char *val);
/* A UserForm: its storage name, its "f" (controls) and "o" (their data)
 * streams ([MS-OFORMS] 2.2.10 FormControl, 2.2.5 MorphDataControl ...). */
void docstr_form(GHashTable *x, const char *form, const uint8_t *f, size_t fn,
    const uint8_t *o, size_t on);
/* Word 97-2003 document variables: the WordDocument stream's FIB and the
 * table streams (either may be NULL); [MS-DOC] 2.5.6 fcStwUser, 2.9.281
 * StwUser. */
void docstr_word(GHashTable *x, const uint8_t *wd, size_t wn, const uint8_t *t0, size_t n0,
    const uint8_t *t1, size_t n1);
/* A document variable; a built-in (custom false, name as VBA names it:
 * "Comments") or custom document property. */
void docstr_docvar(GHashTable *x, const char *name, const char *val);
void docstr_property(GHashTable *x, const char *name, const char *val, bool custom);
/* An OLE property set stream: "\005SummaryInformation" (docsummary
 * false) or "\005DocumentSummaryInformation" ([MS-OLEPS] 2.21). */
void docstr_olps(GHashTable *x, const uint8_t *p, size_t n, bool docsummary);
/* An OOXML part by its part name: word/settings.xml (w:docVars),
 * docProps/core.xml, docProps/app.xml, docProps/custom.xml. */
void docstr_ooxml_part(GHashTable *x, const char *name, const uint8_t *p, size_t n);

#endif
