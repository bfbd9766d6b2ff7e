/*
 * ole.h - what the OLE2 analysers share (private to ole.c, vba.c, xlm.c):
 * the MS-OVBA decompressor and dir-stream reader (vba.c), the VBA source
 * analysis (vba.c), the Excel 4.0 macro reader (xlm.c) and the PowerPoint
 * action reader (ppt.c).  Each takes
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
 * FORMULA record's rgce, or NULL when it cannot be decompiled whole
 * (xlm.c; for the tests).  g_free it. */
char *xlm_formula_text(const uint8_t *p, size_t n);

/*
 * One parsed formula (rgce, n bytes) of a macro sheet, BIFF8's or (biff12)
 * an .xlsb's: XLM_SUSPICIOUS_FORMULA for the functions and strings that
 * run programs or call Windows, and the URLs of its string constants
 * (those joined by & read as one) on doc.
 */
void xlm_formula(struct mobj *doc, const uint8_t *p, size_t n, bool biff12);

/*
 * PowerPoint shapes' actions that run a program or a macro, in a
 * "PowerPoint Document" stream (ppt.c): PPT_ACTION_RUN facts on doc, and
 * a program's command line through the static sandbox (t NULL: not).
 */
void ppt_binary_actions(struct obj_tree *t, struct mobj *doc, const uint8_t *p, size_t len);

#endif
