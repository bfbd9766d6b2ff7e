/*
 * vba.c - VBA macros: the [MS-OVBA] compression format (2.4.1), the dir
 * stream that lists a project's modules (2.3.4.2), and an analysis of the
 * source text the way olevba and mraptor judge it (ole.h, docs/documents.md).
 *
 * The decompressor is written from [MS-OVBA] 2.4.1.3: a CompressedContainer
 * is a signature byte 0x01 and chunks of at most 4096 decompressed bytes,
 * each a 16-bit header (size - 3, signature 0b011, compressed flag) and
 * either 4096 raw bytes or token sequences: a flag byte and eight tokens,
 * each a literal byte or a 16-bit CopyToken whose offset/length split
 * depends on how far into the chunk we are (2.4.1.3.19.1).  No library
 * implements it; every read is checked against the input, every copy
 * against the chunk start and the output cap.
 *
 * The analysis: olevba's AutoExec and Suspicious keyword categories,
 * mraptor's verdict (A = runs by itself, W = writes files, X = executes or
 * downloads; SUSPICIOUS = A and (W or X)), obfuscation (Chr chains,
 * StrReverse, long base64/hex literals, strings split into tiny pieces)
 * and URLs/IPs for the URL stage.  Keywords are matched case-insensitively
 * as whole identifiers, in code, strings and comments alike (as olevba).
 */
#include <string.h>

#include "documents.h"
#include "objects/filetype.h"
#include "ole.h"
#include "util/bytes.h"

#define CHUNK_MAX 4096
#define DIR_RECORDS_MAX 100000
#define DETAIL_MAX 300

/* ---- decompression ---- */

struct obuf {
	uint8_t *b;
	size_t n, cap, max;
};

static bool
obuf_put(struct obuf *o, uint8_t c)
{
	if (o->n >= o->max)
		return false;
	if (o->n == o->cap) {
		size_t nc = o->cap < 4096 ? 4096 : o->cap * 2;
		if (nc > o->max)
			nc = o->max;
		o->b = g_realloc(o->b, nc);
		o->cap = nc;
	}
	o->b[o->n++] = c;
	return true;
}

uint8_t *
vba_decompress(const uint8_t *p, size_t len, size_t max, size_t *outlen,
    bool *damaged)
{
	bool bad = false;
	*outlen = 0;
	if (p == NULL || len == 0 || p[0] != 0x01)
		return NULL;
	struct obuf o = { .max = max };
	size_t pos = 1;
	bool full = false;
	while (pos < len && !full) {
		if (len - pos < 2) {
			bad = true;
			break;
		}
		uint16_t hdr = (uint16_t)(p[pos] | (p[pos + 1] << 8));
		size_t size = (size_t)(hdr & 0x0FFF) + 3;
		if (((hdr >> 12) & 7) != 3) {
			bad = true;
			break;
		}
		size_t end = pos + size;
		if (end > len) {
			bad = true;
			end = len;
		}
		size_t cur = pos + 2;
		size_t start = o.n;	/* DecompressedChunkStart */
		if (!(hdr & 0x8000)) {
			/* raw chunk: 4096 bytes as they are */
			for (size_t k = 0; k < CHUNK_MAX && cur < end; k++)
				if (!obuf_put(&o, p[cur++])) {
					full = true;
					break;
				}
		} else {
			while (cur < end && !full) {
				uint8_t flags = p[cur++];
				for (unsigned bit = 0; bit < 8 && cur < end; bit++) {
					if (!(flags & (1u << bit))) {
						if (!obuf_put(&o, p[cur++])) {
							full = true;
							break;
						}
						continue;
					}
					if (end - cur < 2) {
						bad = true;
						cur = end;
						break;
					}
					uint16_t tok = (uint16_t)(p[cur] | (p[cur + 1] << 8));
					cur += 2;
					size_t diff = o.n - start;
					unsigned bc = 4;
					while (bc < 12 && ((size_t)1 << bc) < diff)
						bc++;
					uint16_t lmask = (uint16_t)(0xFFFFu >> bc);
					size_t clen = (size_t)(tok & lmask) + 3;
					size_t off = (size_t)(tok >> (16 - bc)) + 1;
					if (off > diff) {
						bad = true;
						cur = end;
						full = true;	/* stop: the rest is garbage */
						break;
					}
					for (size_t k = 0; k < clen; k++)
						if (!obuf_put(&o, o.b[o.n - off])) {
							full = true;
							break;
						}
					if (full)
						break;
				}
			}
		}
		pos = end;
	}
	if (damaged != NULL && bad)
		*damaged = true;
	*outlen = o.n;
	if (o.b == NULL)
		o.b = g_malloc(1);
	return o.b;
}

/* ---- the dir stream ---- */

static void
module_free(gpointer p)
{
	struct vba_module *m = p;
	g_free(m->name);
	g_free(m->stream);
	g_free(m);
}

/* An MBCS string made printable UTF-8 (bytes >= 0x80 as Latin-1). */
static char *
mbcs(const uint8_t *p, size_t n)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < n && i < 256; i++) {
		if (p[i] < 0x20)
			g_string_append_c(s, '_');
		else
			g_string_append_unichar(s, p[i]);
	}
	return g_string_free(s, FALSE);
}

static char *
utf16(const uint8_t *p, size_t n)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i + 1 < n && i < 512; i += 2) {
		gunichar c = (gunichar)(p[i] | (p[i + 1] << 8));
		if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF))
			g_string_append_c(s, '_');
		else
			g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

GPtrArray *
vba_dir_modules(const uint8_t *p, size_t len, bool *damaged)
{
	GPtrArray *mods = g_ptr_array_new_with_free_func(module_free);
	struct vba_module *m = NULL;
	size_t pos = 0;
	bool bad = false;

	for (unsigned k = 0; k < DIR_RECORDS_MAX && len - pos >= 6; k++) {
		uint16_t id = le16(p + pos);
		uint32_t size = le32(p + pos + 2);
		pos += 6;
		/* PROJECTVERSION: Size says 4, but 6 bytes follow (2.3.4.2.1.11) */
		if (id == 0x0009)
			size = 6;
		if (size > len - pos) {
			bad = true;
			break;
		}
		const uint8_t *d = p + pos;
		pos += size;
		switch (id) {
		case 0x0019:	/* MODULENAME: a new module */
			if (mods->len >= VBA_MODULES_MAX) {
				m = NULL;
				break;
			}
			m = g_new0(struct vba_module, 1);
			m->name = mbcs(d, size);
			m->stream = g_strdup(m->name);
			g_ptr_array_add(mods, m);
			break;
		case 0x0047:	/* MODULENAMEUNICODE */
			if (m != NULL && size >= 2) {
				g_free(m->name);
				m->name = utf16(d, size);
			}
			break;
		case 0x001A:	/* MODULESTREAMNAME */
			if (m != NULL) {
				g_free(m->stream);
				m->stream = mbcs(d, size);
			}
			break;
		case 0x0032:	/* its Unicode form */
			if (m != NULL && size >= 2) {
				g_free(m->stream);
				m->stream = utf16(d, size);
			}
			break;
		case 0x0031:	/* MODULEOFFSET */
			if (m != NULL && size == 4)
				m->offset = le32(d);
			break;
		case 0x002B:	/* module terminator */
			m = NULL;
			break;
		default:
			break;
		}
		if (id == 0x0010)	/* end of the dir stream */
			break;
	}
	if (damaged != NULL && bad)
		*damaged = true;
	return mods;
}

/* ---- source analysis ---- */

static bool
ident_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

/* Next whole-identifier match of kw (lower case) in low[from..n). */
static const char *
find_word(const char *low, size_t n, size_t from, const char *kw)
{
	size_t kl = strlen(kw);
	while (from < n) {
		const char *h = memmem(low + from, n - from, kw, kl);
		if (h == NULL)
			return NULL;
		size_t i = (size_t)(h - low);
		bool before = i == 0 || !ident_char(low[i - 1]);
		bool after = i + kl >= n || !ident_char(low[i + kl]);
		if (before && after)
			return h;
		from = i + 1;
	}
	return NULL;
}

/* A comma list, each item once, cut at DETAIL_MAX. */
static void
list_add(GString *s, const char *item, size_t n)
{
	if (s->len >= DETAIL_MAX)
		return;
	/* already there? */
	for (const char *q = s->str; q != NULL && *q != '\0';) {
		const char *e = strstr(q, ", ");
		size_t l = e != NULL ? (size_t)(e - q) : strlen(q);
		if (l == n && g_ascii_strncasecmp(q, item, n) == 0)
			return;
		q = e != NULL ? e + 2 : NULL;
	}
	if (s->len > 0)
		g_string_append(s, ", ");
	g_string_append_len(s, item, (gssize)n);
}

/* Document events that run without the user choosing to run a macro. */
static const char *const autoexec_words[] = {
	"AutoExec", "AutoOpen", "Auto_Open", "AutoClose", "Auto_Close", "AutoExit",
	"AutoNew", "Document_Open", "DocumentOpen", "Document_Close",
	"DocumentBeforeClose", "Document_BeforeClose", "DocumentChange",
	"Document_New", "NewDocument", "Workbook_Open", "Workbook_Activate",
	"Workbook_Close", "Workbook_BeforeClose", "Workbook_Deactivate", NULL
};
/* ActiveX and shape events (<object>_<event>), as olevba/mraptor list them */
static const char *const autoexec_events[] = {
	"_click", "_dblclick", "_change", "_gotfocus", "_lostfocus", "_mousemove",
	"_mouseenter", "_mouseleave", "_mousehover", "_painted", "_painting",
	"_layout", "_resize", "_beforenavigate2", "_documentcomplete",
	"_downloadbegin", "_downloadcomplete", "_navigatecomplete2",
	"_navigateerror", "_progresschange", "_propertychange",
	"_statustextchange", "_titlechange", "_onconnecting", NULL
};
/* W: writes files or memory (mraptor) */
static const char *const write_words[] = {
	"FileCopy", "CopyFile", "Kill", "CreateTextFile", "VirtualAlloc",
	"RtlMoveMemory", "URLDownloadToFile", "URLDownloadToFileA", "AltStartupPath",
	"WriteProcessMemory", "ADODB.Stream", "WriteText", "SaveToFile", "SaveAs",
	"SaveAsRTF", "FileSaveAs", "MkDir", "RmDir", "SaveSetting", "SetAttr", NULL
};
/* X: executes or downloads (mraptor, olevba's Suspicious) */
static const char *const exec_words[] = {
	"Shell", "CreateObject", "GetObject", "SendKeys", "MacScript",
	"FollowHyperlink", "CreateThread", "ShellExecute", "ShellExecuteA",
	"ExecuteExcel4Macro", "EXEC", "SetTimer", "CallByName", "WScript.Shell",
	"Shell.Application", "powershell", "cmd.exe", "mshta", "rundll32",
	"regsvr32", "certutil", "bitsadmin", "Win32_Process", "XMLHTTP",
	"MSXML2.XMLHTTP", "MSXML2.ServerXMLHTTP", "ServerXMLHTTP",
	"WinHttp.WinHttpRequest", "WinHttpRequest", "Net.WebClient",
	"DownloadFile", "DownloadString", "InternetOpenUrl", NULL
};

static void
match_list(const char *src, const char *low, size_t n, const char *const *words,
    GString *out)
{
	for (size_t i = 0; words[i] != NULL; i++) {
		char *kw = g_ascii_strdown(words[i], -1);
		const char *h = find_word(low, n, 0, kw);
		if (h != NULL)
			list_add(out, src + (h - low), strlen(kw));
		g_free(kw);
	}
}

/* <identifier>_<event>: the whole identifier, as written. */
static void
match_events(const char *src, const char *low, size_t n, GString *out)
{
	for (size_t i = 0; autoexec_events[i] != NULL; i++) {
		const char *ev = autoexec_events[i];
		size_t el = strlen(ev), from = 0;
		const char *h;
		unsigned hits = 0;
		while (from < n && hits < 8 &&
		    (h = memmem(low + from, n - from, ev, el)) != NULL) {
			size_t e = (size_t)(h - low), b = e;
			from = e + 1;
			if (e + el < n && ident_char(low[e + el]))
				continue;
			while (b > 0 && ident_char(low[b - 1]) && e - b < 64)
				b--;
			if (b == e || !g_ascii_isalpha(low[b]))
				continue;
			hits++;
			list_add(out, src + b, e + el - b);
		}
	}
}

/* "Open ... For Output|Binary|Append|Random" on one line: a file write. */
static bool
open_for_write(const char *low, size_t n)
{
	size_t from = 0;
	const char *h;
	for (unsigned k = 0; k < 1000 && (h = find_word(low, n, from, "open")) != NULL; k++) {
		size_t i = (size_t)(h - low), e = i;
		while (e < n && low[e] != '\n' && e - i < 400)
			e++;
		static const char *const modes[] = { " for output", " for binary",
			" for append", " for random", NULL };
		for (size_t m = 0; modes[m] != NULL; m++)
			if (memmem(low + i, e - i, modes[m], strlen(modes[m])) != NULL)
				return true;
		from = i + 4;
	}
	return false;
}

static bool
declare_lib(const char *low, size_t n)
{
	size_t from = 0;
	const char *h;
	for (unsigned k = 0; k < 1000 && (h = find_word(low, n, from, "declare")) != NULL; k++) {
		size_t i = (size_t)(h - low), e = i;
		while (e < n && low[e] != '\n' && e - i < 400)
			e++;
		if (find_word(low + i, e - i, 0, "lib") != NULL)
			return true;
		from = i + 7;
	}
	return false;
}

/* Chr(...) / ChrW / ChrB / Chr$ at low[i]: the index past ')' or 0. */
static size_t
chr_call(const char *low, size_t n, size_t i)
{
	if (n - i < 5 || memcmp(low + i, "chr", 3) != 0 ||
	    (i > 0 && ident_char(low[i - 1])))
		return 0;
	size_t j = i + 3;
	if (j < n && (low[j] == 'w' || low[j] == 'b' || low[j] == '$'))
		j++;
	if (j < n && low[j] == '$')
		j++;
	if (j >= n || low[j] != '(')
		return 0;
	for (size_t k = j + 1; k < n && k - j < 40; k++) {
		if (low[k] == ')')
			return k + 1;
		if (low[k] == '\n' || low[k] == '(')
			return 0;
	}
	return 0;
}

static size_t
skip_sp(const char *low, size_t n, size_t i)
{
	while (i < n && (low[i] == ' ' || low[i] == '\t' || low[i] == '_' ||
	    low[i] == '\r' || low[i] == '\n'))
		i++;
	return i;
}

static void
obfuscation(const char *low, size_t n, GString *out)
{
	/* Chr chains: Chr(x) & Chr(y) & ... */
	size_t longest = 0, calls = 0;
	for (size_t i = 0; i < n; i++) {
		size_t e = chr_call(low, n, i);
		if (e == 0)
			continue;
		size_t chain = 1;
		calls++;
		for (;;) {
			size_t j = skip_sp(low, n, e);
			if (j >= n || (low[j] != '&' && low[j] != '+'))
				break;
			j = skip_sp(low, n, j + 1);
			size_t e2 = j < n ? chr_call(low, n, j) : 0;
			if (e2 == 0)
				break;
			chain++;
			calls++;
			e = e2;
		}
		if (chain > longest)
			longest = chain;
		i = e - 1;
	}
	if (longest >= 8 || calls >= 50)
		g_string_append_printf(out, "%sChr chain (%zu calls)", out->len ? ", " : "",
		    calls);
	if (find_word(low, n, 0, "strreverse") != NULL)
		g_string_append_printf(out, "%sStrReverse", out->len ? ", " : "");

	/* string literals: long base64 or hex, or many tiny pieces joined */
	size_t b64 = 0, hex = 0, tiny = 0;
	bool in_comment = false;
	for (size_t i = 0; i < n; i++) {
		char ch = low[i];
		if (ch == '\n') {
			in_comment = false;
			continue;
		}
		if (in_comment)
			continue;
		if (ch == '\'') {
			in_comment = true;
			continue;
		}
		if (ch != '"')
			continue;
		size_t j = i + 1;
		while (j < n && low[j] != '"' && low[j] != '\n')
			j++;
		if (j >= n || low[j] != '"') {
			i = j;
			continue;
		}
		size_t l = j - i - 1;
		const char *s = low + i + 1;
		if (l >= 100) {
			bool ish = (l % 2) == 0, isb = true;
			for (size_t k = 0; k < l; k++) {
				char c = s[k];
				if (!g_ascii_isxdigit(c))
					ish = false;
				if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=')
					isb = false;
			}
			if (ish && l > hex)
				hex = l;
			else if (isb && l > b64)
				b64 = l;
		}
		if (l >= 1 && l <= 3) {
			size_t k = skip_sp(low, n, j + 1);
			if (k < n && (low[k] == '&' || low[k] == '+')) {
				k = skip_sp(low, n, k + 1);
				if (k < n && low[k] == '"')
					tiny++;
			}
		}
		i = j;
	}
	if (b64 > 0)
		g_string_append_printf(out, "%sbase64 string (%zu chars)", out->len ? ", " : "", b64);
	if (hex > 0)
		g_string_append_printf(out, "%shex string (%zu chars)", out->len ? ", " : "", hex);
	if (tiny >= 20)
		g_string_append_printf(out, "%sstring splitting (%zu joins)", out->len ? ", " : "", tiny);
}

/* URLs and dotted IPv4 addresses in the source. */
static void
iocs(struct mobj *doc, const char *src, const char *low, size_t n)
{
	unsigned count = obj_urls_in_text(doc, src, n);

	/* dotted IPv4 addresses */
	for (size_t i = 0; i < n && count <= OBJ_URLS_MAX; i++) {
		if (!g_ascii_isdigit(low[i]) || (i > 0 && (ident_char(low[i - 1]) ||
		    low[i - 1] == '.' || low[i - 1] == '/')))
			continue;
		size_t j = i;
		unsigned oct = 0, val = 0;
		bool ok = true;
		for (; oct < 4; oct++) {
			size_t d = 0;
			val = 0;
			while (j < n && g_ascii_isdigit(low[j]) && d < 4) {
				val = val * 10 + (unsigned)(low[j] - '0');
				j++;
				d++;
			}
			if (d == 0 || d > 3 || val > 255) {
				ok = false;
				break;
			}
			if (oct < 3) {
				if (j >= n || low[j] != '.') {
					ok = false;
					break;
				}
				j++;
			}
		}
		if (ok && (j >= n || (!ident_char(low[j]) && low[j] != '.')) &&
		    low[i] != '0') {
			obj_url(doc, src + i, j - i);
			count++;
		}
		i = j;
	}
}

void
vba_analyse_source(struct obj_tree *t, struct mobj *doc, const char *src, size_t len)
{
	if (src == NULL || len == 0)
		return;
	char *low = g_malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		low[i] = g_ascii_tolower(src[i]);
	low[len] = '\0';

	GString *a = g_string_new(NULL), *wx = g_string_new(NULL);
	GString *ob = g_string_new(NULL);
	match_list(src, low, len, autoexec_words, a);
	match_events(src, low, len, a);
	match_list(src, low, len, write_words, wx);
	if (open_for_write(low, len))
		list_add(wx, "Open For Output", strlen("Open For Output"));
	match_list(src, low, len, exec_words, wx);
	if (declare_lib(low, len))
		list_add(wx, "Declare Lib", strlen("Declare Lib"));
	obfuscation(low, len, ob);

	if (a->len > 0)
		obj_fact(doc, OBJ_FACT_VBA_AUTOEXEC, "%s", a->str);
	if (a->len > 0 && wx->len > 0)
		obj_fact(doc, OBJ_FACT_VBA_AUTOEXEC_EXECUTE, "%s + %s", a->str, wx->str);
	else if (wx->len > 0)
		obj_fact(doc, OBJ_FACT_VBA_SUSPICIOUS, "%s", wx->str);
	if (ob->len > 0)
		obj_fact(doc, OBJ_FACT_VBA_OBFUSCATED, "%s", ob->str);
	iocs(doc, src, low, len);
	if (t != NULL)
		sandbox_run(t, doc, SANDBOX_VBA, src, len, NULL);

	g_string_free(a, TRUE);
	g_string_free(wx, TRUE);
	g_string_free(ob, TRUE);
	g_free(low);
}

/* The module name of exported source: Attribute VB_Name = "X". */
static char *
vb_name(const char *s, size_t n)
{
	const char *h = memmem(s, n < 4096 ? n : 4096, "VB_Name", 7);
	if (h == NULL)
		return NULL;
	const char *q = memchr(h, '"', (size_t)(s + n - h) < 80 ? (size_t)(s + n - h) : 80);
	if (q == NULL)
		return NULL;
	q++;
	const char *e = memchr(q, '"', (size_t)(s + n - q) < 80 ? (size_t)(s + n - q) : 80);
	if (e == NULL || e == q)
		return NULL;
	GString *r = g_string_new(NULL);
	for (const char *c = q; c < e; c++)
		g_string_append_c(r, ident_char(*c) ? *c : '_');
	return g_string_free(r, FALSE);
}

/*
 * VBA source as an object of its own (an exported module, a .bas): when
 * its parent is an OLE2 file, it is a module this analyser's caller
 * (ole.c) carved out, and the project was analysed there as a whole.
 */
void
vba_analyse(struct obj_tree *t, struct mobj *o)
{
	const struct mobj *p = o->parent;
	if (p != NULL && o->origin == OBJ_FROM_EMBEDDED && p->type != NULL &&
	    (strcmp(p->type->name, "ole2") == 0 || strcmp(p->type->name, "doc") == 0 ||
	    strcmp(p->type->name, "xls") == 0 || strcmp(p->type->name, "ppt") == 0))
		return;
	char *name = vb_name((const char *)o->data, o->len);
	obj_fact(o, OBJ_FACT_VBA_MACRO, "%s", name != NULL ? name : "source");
	g_free(name);
	vba_analyse_source(t, o, (const char *)o->data, o->len);
}
