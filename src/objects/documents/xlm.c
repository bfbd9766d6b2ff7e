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
 */
#include <string.h>

#include "documents.h"
#include "ole.h"
#include "util/bytes.h"

#define XLM_RECORDS_MAX 1000000
#define XLM_SHEETS_MAX 256
#define XLM_JOINED_MAX 2048	/* bytes of string constants joined by & */
#define XLM_STACK 8		/* string constants on a formula's stack we keep */

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

/* Walk the Ptg tokens of a formula (rgce, n bytes). */
static void
rgce(struct mobj *doc, const uint8_t *p, size_t n)
{
	struct strstack st = { .doc = doc };
	size_t i = 0;
	for (unsigned k = 0; i < n && k < 10000; k++) {
		uint8_t ptg = p[i++];
		uint8_t base = ptg < 0x20 ? ptg : (uint8_t)(0x20 | (ptg & 0x1F));
		size_t skip;
		switch (base) {
		case 0x01: case 0x02: skip = 4; break;	/* Exp, Tbl */
		case 0x08:	/* Concat */
			str_concat(&st);
			skip = 0;
			break;
		case 0x15:	/* Paren: the stack as it is */
			skip = 0;
			break;
		case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
		case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E:
		case 0x0F: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
		case 0x16:
			skip = 0;	/* operators, MissArg */
			break;
		case 0x17:	/* PtgStr: ShortXLUnicodeString */
			if (n - i < 2)
				goto out;
			{
				size_t cch = p[i];
				bool high = p[i + 1] & 1;
				char *s = xl_string(p + i + 2, n - i - 2, cch, high);
				check_string(doc, s);
				str_push(&st, s);
				g_free(s);
				skip = 2 + cch * (high ? 2 : 1);
			}
			break;
		case 0x19:	/* PtgAttr: spaces, jumps; the stack as it is */
			if (n - i < 3)
				goto out;
			skip = 3;
			if (p[i] & 0x04)	/* tAttrChoose: jump table */
				skip += ((size_t)le16(p + i + 1) + 1) * 2;
			break;
		case 0x1C: case 0x1D: skip = 1; break;	/* Err, Bool */
		case 0x1E: skip = 2; break;		/* Int */
		case 0x1F: skip = 8; break;		/* Num */
		case 0x20: skip = 7; break;		/* Array */
		case 0x21:	/* PtgFunc */
		case 0x22:	/* PtgFuncVar */
			{
				size_t at = base == 0x22 ? 1 : 0;
				if (n - i < at + 2)
					goto out;
				uint16_t id = le16(p + i + at) & 0x7FFF;
				bool ce = base == 0x22 && (le16(p + i + at) & 0x8000);
				for (size_t f = 0; !ce && f < G_N_ELEMENTS(bad_funcs); f++)
					if (bad_funcs[f].id == id)
						obj_fact(doc, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "%s",
						    bad_funcs[f].name);
				skip = at + 2;
			}
			break;
		case 0x23: case 0x24: case 0x2A: case 0x2C: skip = 4; break;
		case 0x25: case 0x2B: case 0x2D: skip = 8; break;
		case 0x26: case 0x27: case 0x28: skip = 6; break;
		case 0x29: skip = 2; break;
		case 0x39: case 0x3A: case 0x3C: skip = 6; break;
		case 0x3B: case 0x3D: skip = 10; break;
		default:
			goto out;	/* PtgExtend and unknown: stop here */
		}
		if (base != 0x08 && base != 0x15 && base != 0x17 && base != 0x19) {
			/* an operand or a function: the strings are used */
			str_flush(&st);
		}
		if (skip > n - i)
			goto out;
		i += skip;
	}
out:
	str_flush(&st);
}

void
xlm_analyse_workbook(struct mobj *doc, const uint8_t *p, size_t len)
{
	size_t off = 0;
	bool encrypted = false, macro_sheet = false;
	unsigned sheets = 0;

	for (unsigned k = 0; k < XLM_RECORDS_MAX && len - off >= 4; k++) {
		uint16_t type = le16(p + off), size = le16(p + off + 2);
		const uint8_t *d = p + off + 4;
		if (size > len - off - 4) {
			obj_fact(doc, OBJ_FACT_DOCUMENT_MALFORMED, "Workbook record cut");
			return;
		}
		off += 4 + (size_t)size;

		if (type == 0x0809 && size >= 4) {	/* BOF */
			macro_sheet = le16(d + 2) == 0x0040;
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
			if (dt != 0x01)
				continue;
			char *name = encrypted ? g_strdup("(encrypted)") :
			    xl_string(d + 8, size - 8, d[6], d[7] & 1);
			obj_fact(doc, OBJ_FACT_XLM_MACRO, "%s", name);
			if (hs == 1 || hs == 2)
				obj_fact(doc, OBJ_FACT_XLM_HIDDEN_SHEET, "%s, %s", name,
				    hs == 1 ? "hidden" : "very hidden");
			g_free(name);
			continue;
		}
		if (encrypted)
			continue;
		if (type == 0x0018 && size >= 15) {	/* Lbl */
			uint16_t fl = le16(d);
			size_t cch = d[3];
			bool high = d[14] & 1;
			if (fl & 0x0020) {		/* fBuiltin */
				uint8_t b = size >= 16 && cch >= 1 ? d[15] : 0;
				if (b == 0x01)
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "Auto_Open");
				else if (b == 0x02)
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "Auto_Close");
			} else {
				char *name = xl_string(d + 15, size - 15, cch, high);
				if (g_ascii_strncasecmp(name, "auto_open", 9) == 0 ||
				    g_ascii_strncasecmp(name, "auto_close", 10) == 0)
					obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "%s", name);
				g_free(name);
			}
			continue;
		}
		if (!macro_sheet)
			continue;
		if (type == 0x0006 && size >= 22) {	/* FORMULA */
			size_t cce = le16(d + 20);
			if (cce > (size_t)size - 22)
				cce = (size_t)size - 22;
			rgce(doc, d + 22, cce);
		} else if (type == 0x0207 && size >= 3) {	/* STRING */
			char *s = xl_string(d + 3, size - 3, le16(d), d[2] & 1);
			check_string(doc, s);
			obj_urls_in_text(doc, s, strlen(s));
			g_free(s);
		}
	}
}
