/*
 * xlm.c - Excel 4.0 (XLM) macros in a BIFF8 Workbook stream ([MS-XLS]),
 * for ole.c (ole.h, docs/documents.md).
 *
 * The stream is a sequence of records (16-bit type, 16-bit size, data).
 * We read:
 *  - BoundSheet8 (0x0085, 2.4.28): sheet name, hsState (hidden, very
 *    hidden) and dt (1 = macro sheet) -> XLM_MACRO, XLM_HIDDEN_SHEET;
 *  - Lbl (0x0018, 2.4.150): the built-in names Auto_Open (0x01) and
 *    Auto_Close (0x02), and user names that Excel also runs at open
 *    ("Auto_Open..." prefixes) -> XLM_AUTOEXEC;
 *  - BOF (0x0809, 2.4.21) with dt 0x0040: a macro sheet substream, where
 *    FORMULA (0x0006, 2.4.127) cells hold parsed formulas (Rgce, 2.5.198.104):
 *    the Ptg tokens are walked to find function calls (PtgFunc,
 *    PtgFuncVar: EXEC, CALL, REGISTER ...) and string constants (PtgStr)
 *    such as "URLDownloadToFileA"; STRING records (0x0207) are read too
 *    -> XLM_SUSPICIOUS_FORMULA; the URLs in those strings (constants
 *    joined by PtgConcat read as one) are the workbook's URLs (obj_url);
 *  - FILEPASS (0x002F, 2.4.117) -> ENCRYPTED_OFFICE; record data after it
 *    is encrypted, so only BoundSheet8 (whose lbPlyPos and flags stay in
 *    clear) is still read.
 * A Ptg we do not know ends the walk of that formula, never the stream.
 * The same walker reads an .xlsb's formulas (xlm_formula() with biff12,
 * for xlsb.c): BIFF12 has the same tokens with 4-byte rows and 2-byte
 * columns in references, and UTF-16 PtgStr strings with a 2-byte count.
 *
 * The static sandbox: each BIFF8 macro-sheet formula is also decompiled into
 * formula text (2.5.198.104 order: operands pushed, operators and
 * functions pop theirs) - PtgStr, PtgInt, PtgNum, PtgBool, PtgErr,
 * PtgMissArg, the binary and unary operators, PtgParen, PtgAttr's SUM,
 * PtgRef/PtgArea (absolute R1C1), PtgRefN/PtgAreaN (relative R[n]C[n]),
 * PtgRef3d/PtgArea3d (the sheet through EXTERNSHEET, 2.4.105, and the
 * BoundSheet8 order), PtgName/PtgNameX (the Lbl's name), PtgFunc and
 * PtgFuncVar (names from Ftab 2.5.198.17 and Cetab 2.5.198.16 for the
 * functions the evaluator knows, FNn/CEn otherwise; a PtgFunc whose
 * argument count we do not know ends the formula) - and handed with the
 * cells' constants (LABEL, LABELSST through the SST, NUMBER, RK,
 * BOOLERR) and the Auto_Open Lbl's cell to the XLM evaluator
 * (sandbox_run_xlm(), sandbox.c).  A formula we cannot decompile whole
 * is left out (its cell is empty to the evaluator).
 */
#include <string.h>

#include "documents.h"
#include "ole.h"
#include "util/bytes.h"

#define XLM_RECORDS_MAX 1000000
#define XLM_SHEETS_MAX 256
#define XLM_JOINED_MAX 2048	/* bytes of string constants joined by & */
#define XLM_STACK 8		/* string constants on a formula's stack we keep */
#define XLM_TEXT_STACK 64	/* operands of a formula being decompiled */
#define XLM_TEXT_MAX 8192	/* bytes of one decompiled formula */
#define XLM_SST_MAX 65536	/* shared strings kept */
#define XLM_NAMES_MAX 4096	/* Lbl names kept */

/* Function ids (Ftab/Cetab) that run code or call Windows. */
static const struct {
	uint16_t id;
	const char *name;
} bad_funcs[] = {
	{ 110, "EXEC" }, { 149, "REGISTER" }, { 150, "CALL" }, { 267, "REGISTER.ID" },
};

static const char *const bad_strings[] = {
	"urldownloadtofile", "shellexecute", "winexec", "createprocess",
	"virtualalloc", "writeprocessmemory", "createthread", "kernel32",
	"urlmon", "shell32", "powershell", "cmd.exe", "cmd /c", "mshta",
	"rundll32", "regsvr32", "certutil", "bitsadmin", "wscript", "cscript",
	"http://", "https://", NULL
};

/* A printable copy of an XLUnicodeString body (cch chars, 8 or 16 bits). */
static char *
xl_string(const uint8_t *p, size_t n, size_t cch, bool high)
{
	GString *s = g_string_new(NULL);
	size_t w = high ? 2 : 1;
	for (size_t i = 0; i < cch && (i + 1) * w <= n && s->len < 255; i++) {
		gunichar c = high ? le16(p + 2 * i) : p[i];
		if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF))
			c = '_';
		g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

bool
xlm_bad_string(const char *s, size_t n)
{
	char *low = g_ascii_strdown(s, (gssize)n);
	bool bad = false;
	for (size_t i = 0; bad_strings[i] != NULL && !bad; i++)
		bad = strstr(low, bad_strings[i]) != NULL;
	g_free(low);
	return bad;
}

static void
check_string(struct mobj *doc, const char *s)
{
	if (xlm_bad_string(s, strlen(s)))
		obj_fact(doc, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "\"%.100s\"", s);
}

/*
 * The string constants on top of a formula's operand stack (the tokens
 * are in reverse Polish order): PtgConcat joins the top two, so that
 * "https://"&"evil.example/p.exe" is read as one string.  Any other
 * operand, operator or function ends them: each is then searched for
 * URLs, as is one pushed out at the bottom of a full stack.
 */
struct strstack {
	struct mobj *doc;
	GString *s[XLM_STACK];
	size_t n;
};

static void
str_flush(struct strstack *st)
{
	for (size_t i = 0; i < st->n; i++) {
		obj_urls_in_text(st->doc, st->s[i]->str, st->s[i]->len);
		g_string_free(st->s[i], TRUE);
	}
	st->n = 0;
}

static void
str_push(struct strstack *st, const char *s)
{
	if (st->n == XLM_STACK) {
		obj_urls_in_text(st->doc, st->s[0]->str, st->s[0]->len);
		g_string_free(st->s[0], TRUE);
		memmove(st->s, st->s + 1, (XLM_STACK - 1) * sizeof st->s[0]);
		st->n--;
	}
	st->s[st->n++] = g_string_new(s);
}

/* PtgConcat: the top two strings become one; else all are done. */
static void
str_concat(struct strstack *st)
{
	if (st->n < 2 || st->s[st->n - 2]->len + st->s[st->n - 1]->len > XLM_JOINED_MAX) {
		str_flush(st);
		return;
	}
	GString *top = st->s[--st->n];
	g_string_append_len(st->s[st->n - 1], top->str, (gssize)top->len);
	g_string_free(top, TRUE);
}

/* ---- decompiling formulas to text (the static sandbox) ---- */

/* Ftab (2.5.198.17): the functions the evaluator knows; argc for PtgFunc
 * (-1: only with PtgFuncVar). */
static const struct {
	uint16_t id;
	int8_t argc;
	const char *name;
} ftab[] = {
	{ 0, -1, "COUNT" }, { 1, -1, "IF" }, { 2, 1, "ISNA" }, { 3, 1, "ISERROR" },
	{ 4, -1, "SUM" }, { 24, 1, "ABS" }, { 25, 1, "INT" }, { 27, 2, "ROUND" },
	{ 30, 2, "REPT" }, { 31, 3, "MID" }, { 32, 1, "LEN" }, { 33, 1, "VALUE" },
	{ 34, 0, "TRUE" }, { 35, 0, "FALSE" }, { 36, -1, "AND" }, { 37, -1, "OR" },
	{ 38, 1, "NOT" }, { 39, 2, "MOD" }, { 48, 2, "TEXT" }, { 53, 1, "GOTO" },
	{ 54, -1, "HALT" }, { 55, -1, "RETURN" }, { 74, 0, "NOW" }, { 88, -1, "SET.NAME" },
	{ 108, 2, "SET.VALUE" }, { 110, -1, "EXEC" }, { 111, 1, "CHAR" }, { 112, 1, "LOWER" },
	{ 113, 1, "UPPER" }, { 114, 1, "PROPER" }, { 115, -1, "LEFT" }, { 116, -1, "RIGHT" },
	{ 118, 1, "TRIM" }, { 120, -1, "SUBSTITUTE" }, { 121, 1, "CODE" },
	{ 148, -1, "INDIRECT" }, { 149, -1, "REGISTER" }, { 150, -1, "CALL" },
	{ 267, -1, "REGISTER.ID" }, { 336, -1, "CONCATENATE" },
};

/* Cetab (2.5.198.16): the commands the evaluator knows. */
static const struct {
	uint16_t id;
	const char *name;
} cetab[] = {
	{ 0x0011, "RUN" }, { 0x0060, "FORMULA" }, { 0x0061, "FORMULA.FILL" },
	{ 0x0062, "FORMULA.ARRAY" }, { 0x0076, "ALERT" },
};

/* The workbook-wide context of decompiling: sheets and names. */
struct xlmwb {
	struct mobj *doc;
	GPtrArray *sheets;	/* BoundSheet8 names, in order */
	GArray *sheet_pos;	/* their lbPlyPos (uint32_t) */
	GArray *xti;		/* EXTERNSHEET: itabFirst of each XTI (int) */
	GPtrArray *names;	/* Lbl names, in order (NULL: unknown) */
	GPtrArray *sst;		/* shared strings */
	struct sandbox_xlm sx;
	char *sheet;		/* the macro sheet being read */
	bool sandbox;
};

struct fstack {
	GString *s[XLM_TEXT_STACK];
	size_t n;
	bool bad;
};

static void
fs_push(struct fstack *f, GString *s)
{
	if (f->n == XLM_TEXT_STACK || s->len > XLM_TEXT_MAX) {
		f->bad = true;
		g_string_free(s, TRUE);
		return;
	}
	f->s[f->n++] = s;
}

static GString *
fs_pop(struct fstack *f)
{
	if (f->n == 0) {
		f->bad = true;
		return g_string_new(NULL);
	}
	return f->s[--f->n];
}

static void
fs_clear(struct fstack *f)
{
	while (f->n > 0)
		g_string_free(f->s[--f->n], TRUE);
}

/* A sheet name as a formula writes it: 'name'! ('' for a quote). */
static void
sheet_prefix(GString *s, const struct xlmwb *wb, uint16_t ixti)
{
	if (wb == NULL || ixti >= wb->xti->len)
		return;
	int itab = g_array_index(wb->xti, int, ixti);
	if (itab < 0 || (guint)itab >= wb->sheets->len)
		return;
	g_string_append_c(s, '\'');
	for (const char *c = wb->sheets->pdata[itab]; *c != '\0'; c++) {
		if (*c == '\'')
			g_string_append_c(s, '\'');
		g_string_append_c(s, *c);
	}
	g_string_append(s, "'!");
}

/* A cell of a PtgRef / PtgRefN (relative: offsets from the cell); BIFF12
 * rows are 32 bits, its relative columns 14-bit signed. */
static void
ref_text(GString *s, uint32_t rw, uint16_t col, bool n, bool biff12)
{
	bool rrel = col & 0x8000, crel = col & 0x4000;
	if (n && rrel)
		g_string_append_printf(s, "R[%ld]", biff12 ? (long)(int32_t)rw : (long)(int16_t)rw);
	else
		g_string_append_printf(s, "R%lu", (unsigned long)rw + 1);
	if (n && crel)
		g_string_append_printf(s, "C[%d]", biff12 ?
		    (int)((int16_t)(uint16_t)((col & 0x3FFF) << 2) >> 2) : (int)(int8_t)(col & 0xFF));
	else
		g_string_append_printf(s, "C%u", (unsigned)(col & 0x3FFF) + 1);
}

/* A row number of a reference: 16 bits in BIFF8, 32 in BIFF12. */
static uint32_t
row_at(const uint8_t *p, bool biff12)
{
	return biff12 ? le32(p) : le16(p);
}

/* Pop argc operands and push name(args). */
static void
fs_call(struct fstack *f, const char *name, size_t argc)
{
	if (argc > f->n) {
		f->bad = true;
		return;
	}
	GString *s = g_string_new(name);
	g_string_append_c(s, '(');
	for (size_t i = f->n - argc; i < f->n; i++) {
		if (i > f->n - argc)
			g_string_append_c(s, ',');
		g_string_append_len(s, f->s[i]->str, (gssize)f->s[i]->len);
		g_string_free(f->s[i], TRUE);
	}
	f->n -= argc;
	g_string_append_c(s, ')');
	fs_push(f, s);
}

/*
 * One Ptg of a formula into text on f (ptg, its base, its data at p[0..n)
 * after the ptg byte; BIFF12's operand layout when biff12).  Unknown:
 * f->bad.
 */
static void
decompile(struct fstack *f, const struct xlmwb *wb, uint8_t ptg, uint8_t base,
    const uint8_t *p, size_t n, bool biff12)
{
	size_t rw = biff12 ? 4 : 2;	/* bytes of a row */
	static const char *const binops[] = {
		[0x03] = "+", [0x04] = "-", [0x05] = "*", [0x06] = "/", [0x07] = "^",
		[0x08] = "&", [0x09] = "<", [0x0A] = "<=", [0x0B] = "=", [0x0C] = ">=",
		[0x0D] = ">", [0x0E] = "<>", [0x10] = ",", [0x11] = ":",
	};
	GString *s, *a, *b;
	(void)ptg;
	if (base >= 0x03 && base <= 0x11 && base != 0x0F) {
		b = fs_pop(f);
		a = fs_pop(f);
		g_string_append(a, binops[base]);
		g_string_append_len(a, b->str, (gssize)b->len);
		g_string_free(b, TRUE);
		fs_push(f, a);
		return;
	}
	switch (base) {
	case 0x12: case 0x13:	/* Uplus, Uminus */
		a = fs_pop(f);
		g_string_prepend_c(a, base == 0x12 ? '+' : '-');
		fs_push(f, a);
		return;
	case 0x14:		/* Percent */
		a = fs_pop(f);
		g_string_append_c(a, '%');
		fs_push(f, a);
		return;
	case 0x15:		/* Paren */
		a = fs_pop(f);
		g_string_prepend_c(a, '(');
		g_string_append_c(a, ')');
		fs_push(f, a);
		return;
	case 0x16:		/* MissArg */
		fs_push(f, g_string_new(NULL));
		return;
	case 0x17: {		/* Str */
		size_t cch = biff12 ? le16(p) : p[0];
		bool high = biff12 || (p[1] & 1);
		char *t = xl_string(p + 2, n - 2, cch, high);
		s = g_string_new("\"");
		for (const char *c = t; *c != '\0'; c++) {
			if (*c == '"')
				g_string_append_c(s, '"');
			g_string_append_c(s, *c);
		}
		g_string_append_c(s, '"');
		g_free(t);
		fs_push(f, s);
		return;
	}
	case 0x19:		/* Attr: tAttrSum is SUM(); the rest changes nothing */
		if (p[0] & 0x10)
			fs_call(f, "SUM", 1);
		return;
	case 0x1C:		/* Err */
		fs_push(f, g_string_new(p[0] == 0x07 ? "#DIV/0!" : p[0] == 0x0F ? "#VALUE!" :
		    p[0] == 0x17 ? "#REF!" : p[0] == 0x1D ? "#NAME?" : p[0] == 0x24 ? "#NUM!" :
		    "#N/A"));
		return;
	case 0x1D:		/* Bool */
		fs_push(f, g_string_new(p[0] ? "TRUE" : "FALSE"));
		return;
	case 0x1E:		/* Int */
		s = g_string_new(NULL);
		g_string_append_printf(s, "%u", (unsigned)le16(p));
		fs_push(f, s);
		return;
	case 0x1F: {		/* Num */
		double d;
		char buf[G_ASCII_DTOSTR_BUF_SIZE];
		uint64_t u = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
		memcpy(&d, &u, sizeof d);
		if (d != d || d > 1e300 || d < -1e300) {
			f->bad = true;
			return;
		}
		fs_push(f, g_string_new(g_ascii_formatd(buf, sizeof buf, "%.15g", d)));
		return;
	}
	case 0x20:		/* Array: its values follow the formula */
		fs_push(f, g_string_new("{0}"));
		return;
	case 0x21: case 0x22: {	/* Func, FuncVar */
		size_t at = base == 0x22 ? 1 : 0;
		uint16_t tab = le16(p + at);
		uint16_t id = tab & 0x7FFF;
		bool ce = base == 0x22 && (tab & 0x8000);
		int argc = base == 0x22 ? (p[0] & 0x7F) : -1;
		const char *name = NULL;
		char buf[16];
		if (ce) {
			for (size_t k = 0; k < G_N_ELEMENTS(cetab); k++)
				if (cetab[k].id == id)
					name = cetab[k].name;
		} else {
			for (size_t k = 0; k < G_N_ELEMENTS(ftab); k++)
				if (ftab[k].id == id) {
					name = ftab[k].name;
					if (argc < 0)
						argc = ftab[k].argc;
				}
		}
		if (argc < 0) {
			f->bad = true;	/* a PtgFunc we cannot count */
			return;
		}
		if (!ce && id == 255 && argc >= 1 && (size_t)argc <= f->n) {
			/* a user-defined function: its name is the first operand */
			GString *fn = f->s[f->n - (size_t)argc];
			char *nm = g_strndup(fn->str, fn->len);
			g_string_truncate(fn, 0);
			memmove(f->s + f->n - argc, f->s + f->n - argc + 1,
			    (size_t)(argc - 1) * sizeof f->s[0]);
			f->n--;
			g_string_free(fn, TRUE);
			fs_call(f, nm, (size_t)argc - 1);
			g_free(nm);
			return;
		}
		if (name == NULL) {
			g_snprintf(buf, sizeof buf, "%s%u", ce ? "CE" : "FN", id);
			name = buf;
		}
		fs_call(f, name, (size_t)argc);
		return;
	}
	case 0x23: case 0x39: {	/* Name, NameX */
		uint32_t idx = le32(p + (base == 0x39 ? 2 : 0));
		const char *nm = wb != NULL && idx >= 1 && idx <= wb->names->len ?
		    wb->names->pdata[idx - 1] : NULL;
		if (nm == NULL) {
			f->bad = true;
			return;
		}
		fs_push(f, g_string_new(nm));
		return;
	}
	case 0x24: case 0x2C:	/* Ref, RefN: rw, col */
		s = g_string_new(NULL);
		ref_text(s, row_at(p, biff12), le16(p + rw), base == 0x2C, biff12);
		fs_push(f, s);
		return;
	case 0x25: case 0x2D:	/* Area, AreaN: rwFirst, rwLast, colFirst, colLast */
		s = g_string_new(NULL);
		ref_text(s, row_at(p, biff12), le16(p + 2 * rw), base == 0x2D, biff12);
		g_string_append_c(s, ':');
		ref_text(s, row_at(p + rw, biff12), le16(p + 2 * rw + 2), base == 0x2D, biff12);
		fs_push(f, s);
		return;
	case 0x3A: case 0x3B:	/* Ref3d, Area3d: ixti, then as above */
		s = g_string_new(NULL);
		sheet_prefix(s, wb, le16(p));
		if (base == 0x3A) {
			ref_text(s, row_at(p + 2, biff12), le16(p + 2 + rw), false, biff12);
		} else {
			ref_text(s, row_at(p + 2, biff12), le16(p + 2 + 2 * rw), false, biff12);
			g_string_append_c(s, ':');
			ref_text(s, row_at(p + 2 + rw, biff12), le16(p + 4 + 2 * rw), false,
			    biff12);
		}
		fs_push(f, s);
		return;
	case 0x2A: case 0x2B: case 0x3C: case 0x3D:	/* RefErr, AreaErr (3d) */
		fs_push(f, g_string_new("#REF!"));
		return;
	case 0x26: case 0x27: case 0x28: case 0x29:	/* Mem*: the subexpression follows */
		return;
	default:
		f->bad = true;
	}
}

/*
 * A PtgStr's string at p (n bytes left): BIFF8's ShortXLUnicodeString (cch
 * in one byte, a flags byte, 8- or 16-bit characters) or BIFF12's (cch in
 * two bytes, UTF-16 characters).  NULL when it does not fit; *size gets
 * its bytes.
 */
static char *
ptg_str(const uint8_t *p, size_t n, bool biff12, size_t *size)
{
	if (n < 2)
		return NULL;
	size_t cch = biff12 ? le16(p) : p[0];
	bool high = biff12 || (p[1] & 1);
	*size = 2 + cch * (high ? 2 : 1);
	return xl_string(p + 2, n - 2, cch, high);
}

/*
 * The size of a Ptg's data (after its byte): the operand sizes of BIFF8
 * ([MS-XLS] 2.5.198) and of BIFF12 ([MS-XLSB] 2.5.97), where rows are 4
 * bytes and columns 2.  0 with *stop set for a token we do not read
 * (PtgExtend, BIFF12's PtgArray and PtgAttrChoose, unknown ones).
 */
static size_t
ptg_size(uint8_t base, const uint8_t *p, size_t n, bool biff12, bool *stop)
{
	size_t ref = biff12 ? 6 : 4, area = biff12 ? 12 : 8;

	*stop = false;
	switch (base) {
	case 0x01: case 0x02: return 4;		/* Exp, Tbl */
	case 0x03: case 0x04: case 0x05: case 0x06: case 0x07: case 0x08:
	case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E:
	case 0x0F: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
	case 0x15: case 0x16:
		return 0;	/* operators, Paren, MissArg */
	case 0x19:	/* PtgAttr: spaces, jumps */
		if (n < 3 || (biff12 && (p[0] & 0x04))) {
			*stop = true;
			return 0;
		}
		return 3 + ((p[0] & 0x04) ? ((size_t)le16(p + 1) + 1) * 2 : 0);
	case 0x1C: case 0x1D: return 1;		/* Err, Bool */
	case 0x1E: return 2;			/* Int */
	case 0x1F: return 8;			/* Num */
	case 0x20:				/* Array */
		*stop = biff12;
		return 7;
	case 0x21: return 2;			/* Func */
	case 0x22: return 3;			/* FuncVar */
	case 0x23: return 4;			/* Name */
	case 0x24: case 0x2A: case 0x2C: return ref;	/* Ref, RefErr, RefN */
	case 0x25: case 0x2B: case 0x2D: return area;	/* Area, AreaErr, AreaN */
	case 0x26: case 0x27: case 0x28: return 6;	/* MemArea, MemErr, MemNoMem */
	case 0x29: return 2;			/* MemFunc */
	case 0x39: return 6;			/* NameX */
	case 0x3A: case 0x3C: return 2 + ref;	/* Ref3d, RefErr3d */
	case 0x3B: case 0x3D: return 2 + area;	/* Area3d, AreaErr3d */
	default:
		*stop = true;
		return 0;
	}
}

/*
 * Walk the Ptg tokens of a formula (p, n bytes; BIFF12 operand sizes when
 * biff12).  text, when not NULL: the formula decompiled,
 * when it could be whole (wb: the workbook's sheets and names, or NULL).
 */
static void
walk(struct mobj *doc, const struct xlmwb *wb, const uint8_t *p, size_t n, bool biff12,
    GString *text)
{
	struct strstack st = { .doc = doc };
	struct fstack fs = { .n = 0 };
	size_t i = 0, end = 0;	/* end: after the last token read whole */
	for (unsigned k = 0; i < n && k < 10000; k++) {
		uint8_t ptg = p[i++];
		uint8_t base = ptg < 0x20 ? ptg : (uint8_t)(0x20 | (ptg & 0x1F));
		bool stop;
		size_t skip;
		if (base == 0x17) {	/* PtgStr */
			char *s = ptg_str(p + i, n - i, biff12, &skip);
			if (s == NULL)
				break;
			check_string(doc, s);
			str_push(&st, s);
			g_free(s);
		} else {
			skip = ptg_size(base, p + i, n - i, biff12, &stop);
			if (stop)
				break;
		}
		if (base == 0x08) {	/* Concat */
			str_concat(&st);
		} else if (base == 0x21 || base == 0x22) {	/* Func, FuncVar */
			size_t at = base == 0x22 ? 1 : 0;
			if (n - i < at + 2)
				break;
			uint16_t id = le16(p + i + at) & 0x7FFF;
			bool ce = base == 0x22 && (le16(p + i + at) & 0x8000);
			for (size_t f = 0; !ce && f < G_N_ELEMENTS(bad_funcs); f++)
				if (bad_funcs[f].id == id)
					obj_fact(doc, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "%s",
					    bad_funcs[f].name);
		}
		if (base != 0x08 && base != 0x15 && base != 0x17 && base != 0x19) {
			/* an operand or a function: the strings are used */
			str_flush(&st);
		}
		if (skip > n - i)
			break;
		if (text != NULL && !fs.bad)
			decompile(&fs, wb, ptg, base, p + i, skip, biff12);
		i += skip;
		end = i;
	}
	if (text != NULL && end == n && !fs.bad && fs.n == 1) {
		g_string_assign(text, "=");
		g_string_append_len(text, fs.s[0]->str, (gssize)fs.s[0]->len);
	}
	fs_clear(&fs);
	str_flush(&st);
}

char *
xlm_formula(struct mobj *doc, const uint8_t *p, size_t n, bool biff12)
{
	GString *text = g_string_new(NULL);
	walk(doc, NULL, p, n, biff12, text);
	if (text->len == 0) {
		g_string_free(text, TRUE);
		return NULL;
	}
	return g_string_free(text, FALSE);
}

/* A cell (rw, col at d) of the macro sheet being read, for the evaluator. */
static void
xcell(struct xlmwb *wb, const uint8_t *d, const char *text, size_t n)
{
	if (wb->sandbox && wb->sheet != NULL)
		sandbox_xlm_cell(&wb->sx, wb->sheet, (uint32_t)le16(d) + 1,
		    (uint32_t)(le16(d + 2) & 0x3FFF) + 1, text, n);
}

/* A constant cell (LABEL, LABELSST, NUMBER, RK, BOOLERR) of a macro sheet. */
static void
const_cell(struct xlmwb *wb, uint16_t type, const uint8_t *d, uint16_t size)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (type == 0x0204 && size >= 9) {		/* LABEL */
		char *s = xl_string(d + 9, size - 9u, le16(d + 6), d[8] & 1);
		xcell(wb, d, s, strlen(s));
		g_free(s);
	} else if (type == 0x00FD && size >= 10) {	/* LABELSST */
		uint32_t k = le32(d + 6);
		if (k < wb->sst->len) {
			const char *s = wb->sst->pdata[k];
			xcell(wb, d, s, strlen(s));
		}
	} else if (type == 0x0203 && size >= 14) {	/* NUMBER */
		double v;
		uint64_t u = (uint64_t)le32(d + 6) | (uint64_t)le32(d + 10) << 32;
		memcpy(&v, &u, sizeof v);
		if (v == v && v < 1e300 && v > -1e300) {
			g_ascii_formatd(buf, sizeof buf, "%.15g", v);
			xcell(wb, d, buf, strlen(buf));
		}
	} else if (type == 0x027E && size >= 10) {	/* RK (2.5.217) */
		uint32_t rk = le32(d + 6);
		double v;
		if (rk & 2) {
			v = (double)((int32_t)rk >> 2);
		} else {
			uint64_t u = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
			memcpy(&v, &u, sizeof v);
		}
		if (rk & 1)
			v /= 100;
		if (v == v && v < 1e300 && v > -1e300) {
			g_ascii_formatd(buf, sizeof buf, "%.15g", v);
			xcell(wb, d, buf, strlen(buf));
		}
	} else if (type == 0x0205 && size >= 8 && d[7] == 0) {	/* BOOLERR: a Boolean */
		xcell(wb, d, d[6] ? "TRUE" : "FALSE", d[6] ? 4 : 5);
	}
}

/*
 * SST (2.4.265): the shared strings, read from the record and its
 * CONTINUE records joined (a string split across a CONTINUE, which
 * repeats the flags byte there, may come out damaged: only its value to
 * the evaluator is).
 */
static void
read_sst(struct xlmwb *wb, const uint8_t *d, size_t n)
{
	if (n < 8)
		return;
	uint32_t count = le32(d + 4);
	size_t i = 8;
	for (uint32_t k = 0; k < count && k < XLM_SST_MAX && n - i >= 3; k++) {
		size_t cch = le16(d + i);
		uint8_t fl = d[i + 2];
		i += 3;
		size_t runs = 0, ext = 0;
		if (fl & 0x08) {	/* fRichSt */
			if (n - i < 2)
				break;
			runs = le16(d + i);
			i += 2;
		}
		if (fl & 0x04) {	/* fExtSt */
			if (n - i < 4)
				break;
			ext = le32(d + i);
			i += 4;
		}
		size_t bytes = cch * ((fl & 1) ? 2 : 1);
		if (bytes > n - i)
			bytes = n - i;
		g_ptr_array_add(wb->sst, xl_string(d + i, bytes, cch, fl & 1));
		i += bytes;
		if (runs * 4 > n - i || ext > n - i - runs * 4)
			break;
		i += runs * 4 + ext;
	}
}

/* The cell an Auto_Open Lbl's formula (rgce) names: a start cell. */
static void
auto_open_start(struct xlmwb *wb, const uint8_t *p, size_t n)
{
	if (n < 7 || ((p[0] & 0x1F) | 0x20) != 0x3A || (p[0] != 0x3A && p[0] != 0x5A &&
	    p[0] != 0x7A))
		return;
	uint16_t ixti = le16(p + 1);
	if (ixti >= wb->xti->len)
		return;
	int itab = g_array_index(wb->xti, int, ixti);
	if (itab < 0 || (guint)itab >= wb->sheets->len)
		return;
	sandbox_xlm_start(&wb->sx, wb->sheets->pdata[itab], (uint32_t)le16(p + 3) + 1,
	    (uint32_t)(le16(p + 5) & 0x3FFF) + 1);
}

void
xlm_analyse_workbook(struct obj_tree *t, struct mobj *doc, const uint8_t *p, size_t len)
{
	size_t off = 0;
	bool encrypted = false, macro_sheet = false;
	unsigned sheets = 0;
	struct xlmwb wb = {
		.doc = doc,
		.sheets = g_ptr_array_new_with_free_func(g_free),
		.sheet_pos = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
		.xti = g_array_new(FALSE, FALSE, sizeof(int)),
		.names = g_ptr_array_new_with_free_func(g_free),
		.sst = g_ptr_array_new_with_free_func(g_free),
		.sandbox = t != NULL,
	};
	GString *text = g_string_new(NULL);
	GByteArray *sst = NULL;		/* SST and its CONTINUE records */
	sandbox_xlm_init(&wb.sx);

	for (unsigned k = 0; k < XLM_RECORDS_MAX && len - off >= 4; k++) {
		uint16_t type = le16(p + off), size = le16(p + off + 2);
		const uint8_t *d = p + off + 4;
		size_t at = off;
		if (size > len - off - 4) {
			obj_fact(doc, OBJ_FACT_DOCUMENT_MALFORMED, "Workbook record cut");
			break;
		}
		off += 4 + (size_t)size;

		if (sst != NULL && type == 0x003C) {	/* CONTINUE of the SST */
			if (sst->len < (4u << 20))
				g_byte_array_append(sst, d, size);
			continue;
		}
		if (sst != NULL) {
			read_sst(&wb, sst->data, sst->len);
			g_byte_array_unref(sst);
			sst = NULL;
		}
		if (type == 0x0809 && size >= 4) {	/* BOF */
			macro_sheet = le16(d + 2) == 0x0040;
			g_free(wb.sheet);
			wb.sheet = NULL;
			for (guint i = 0; macro_sheet && i < wb.sheet_pos->len; i++)
				if (g_array_index(wb.sheet_pos, uint32_t, i) == at)
					wb.sheet = g_strdup(wb.sheets->pdata[i]);
			if (macro_sheet && wb.sheet == NULL)
				wb.sheet = g_strdup_printf("Macro@%zu", at);
			continue;
		}
		if (type == 0x000A) {			/* EOF */
			macro_sheet = false;
			continue;
		}
		if (type == 0x002F) {			/* FILEPASS */
			const char *how = "RC4/CryptoAPI";
			if (size >= 2 && le16(d) == 0)
				how = "XOR obfuscation";
			else if (size >= 4 && le16(d + 2) == 1)
				how = "RC4";
			else if (size >= 4)
				how = "RC4 CryptoAPI";
			obj_fact(doc, OBJ_FACT_ENCRYPTED_OFFICE, "%s", how);
			encrypted = true;
			continue;
		}
		if (type == 0x0085 && size >= 8 && sheets < XLM_SHEETS_MAX) {
			/* BoundSheet8: lbPlyPos(4) hsState(1) dt(1) stName */
			sheets++;
			uint8_t hs = d[4] & 3, dt = d[5];
			char *sname = xl_string(d + 8, size - 8, d[6], d[7] & 1);
			uint32_t pos = le32(d);
			g_ptr_array_add(wb.sheets, g_strdup(sname));
			g_array_append_val(wb.sheet_pos, pos);
			if (dt != 0x01) {
				g_free(sname);
				continue;
			}
			char *name = encrypted ? g_strdup("(encrypted)") : g_strdup(sname);
			g_free(sname);
			obj_fact(doc, OBJ_FACT_XLM_MACRO, "%s", name);
			if (hs == 1 || hs == 2)
				obj_fact(doc, OBJ_FACT_XLM_HIDDEN_SHEET, "%s, %s", name,
				    hs == 1 ? "hidden" : "very hidden");
			g_free(name);
			continue;
		}
		if (encrypted)
			continue;
		if (type == 0x0017 && size >= 2) {	/* EXTERNSHEET (2.4.106) */
			size_t cxti = le16(d);
			for (size_t i = 0; i < cxti && 2 + (i + 1) * 6 <= size &&
			    wb.xti->len < 65536; i++) {
				int itab = (int16_t)le16(d + 2 + i * 6 + 2);
				g_array_append_val(wb.xti, itab);
			}
			continue;
		}
		if (type == 0x00FC && size >= 8) {	/* SST */
			sst = g_byte_array_new();
			g_byte_array_append(sst, d, size);
			continue;
		}
		if (type == 0x0018 && size >= 15) {	/* Lbl */
			uint16_t fl = le16(d);
			size_t cch = d[3];
			size_t cce = le16(d + 4);
			bool high = d[14] & 1;
			size_t nbytes = cch * (high ? 2u : 1u);
			const uint8_t *form = size >= 15 + nbytes ? d + 15 + nbytes : NULL;
			size_t formn = form != NULL ? MIN(cce, (size_t)size - 15 - nbytes) : 0;
			char *name = NULL;
			if (fl & 0x0020) {		/* fBuiltin */
				uint8_t b = size >= 16 && cch >= 1 ? d[15] : 0;
				if (b == 0x01) {
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "Auto_Open");
					auto_open_start(&wb, form, formn);
					name = g_strdup("Auto_Open");
				} else if (b == 0x02) {
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "Auto_Close");
					name = g_strdup("Auto_Close");
				}
			} else {
				name = xl_string(d + 15, size - 15, cch, high);
				if (g_ascii_strncasecmp(name, "auto_open", 9) == 0 ||
				    g_ascii_strncasecmp(name, "auto_close", 10) == 0)
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "%s", name);
				if (g_ascii_strncasecmp(name, "auto_open", 9) == 0)
					auto_open_start(&wb, form, formn);
			}
			if (wb.names->len < XLM_NAMES_MAX)
				g_ptr_array_add(wb.names, name);
			else
				g_free(name);
			continue;
		}
		if (!macro_sheet)
			continue;
		if (type == 0x0006 && size >= 22) {	/* FORMULA */
			size_t cce = le16(d + 20);
			if (cce > (size_t)size - 22)
				cce = (size_t)size - 22;
			g_string_truncate(text, 0);
			walk(doc, &wb, d + 22, cce, false, wb.sandbox ? text : NULL);
			if (text->len > 1)
				xcell(&wb, d, text->str, text->len);
		} else if (type == 0x0207 && size >= 3) {	/* STRING */
			char *s = xl_string(d + 3, size - 3, le16(d), d[2] & 1);
			check_string(doc, s);
			obj_urls_in_text(doc, s, strlen(s));
			g_free(s);
		} else if (wb.sandbox) {
			const_cell(&wb, type, d, size);
		}
	}
	if (sst != NULL)
		g_byte_array_unref(sst);
	sandbox_run_xlm(t, doc, &wb.sx);
	g_string_free(text, TRUE);
	g_free(wb.sheet);
	g_ptr_array_unref(wb.sheets);
	g_array_unref(wb.sheet_pos);
	g_array_unref(wb.xti);
	g_ptr_array_unref(wb.names);
	g_ptr_array_unref(wb.sst);
}

char *
xlm_formula_text(const uint8_t *p, size_t n, bool biff12)
{
	struct mobj doc = { 0 };
	GString *text = g_string_new(NULL);
	walk(&doc, NULL, p, n, biff12, text);
	for (guint k = 0; doc.facts != NULL && k < doc.facts->len; k++)
		g_free(g_array_index(doc.facts, struct obj_fact, k).detail);
	if (doc.facts != NULL)
		g_array_unref(doc.facts);
	if (doc.urls != NULL)
		g_ptr_array_unref(doc.urls);
	if (text->len == 0) {
		g_string_free(text, TRUE);
		return NULL;
	}
	return g_string_free(text, FALSE);
}
