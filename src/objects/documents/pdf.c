/*
 * pdf.c - PDF documents: a bounded object scanner in the manner of pdfid
 * and pdf-parser, not a renderer (ISO 32000-1, "PDF 1.7": 7.2 lexical
 * conventions, 7.3 objects, 7.3.8 streams, 7.4 filters, 7.5.7 object
 * streams, 7.11 file specifications and embedded files, 12.6 actions).
 *
 * The cross-reference table is not trusted: the file is scanned for
 * "N G obj" headers and every object is parsed where it is found (an
 * attacker's xref may hide objects, or the file may be cut).  Values are
 * parsed into a small tree (dictionaries, arrays, names with their #xx
 * escapes undone, literal and hex strings, numbers, references), bounded
 * in depth and in nodes.  A stream's /Length (direct or a reference) is
 * checked against the data, which must be followed by "endstream"; when
 * it is not, the data runs to the first "endstream".
 *
 * Streams are decoded only when they matter (object streams, scripts,
 * embedded files): FlateDecode on zlib, ASCIIHexDecode, ASCII85Decode and
 * RunLengthDecode; LZW and the image filters are not decoded.  Output is
 * capped per stream and per document, so a Flate bomb costs at most the
 * caps.  Object streams (/Type /ObjStm) are decoded and their objects
 * parsed like the others, nested ones too, to a fixed depth: that is
 * where scripts get hidden.
 *
 * Findings: PDF_JAVASCRIPT (/JS, /JavaScript), PDF_LAUNCH (/S /Launch),
 * PDF_AUTO_ACTION (/OpenAction and /AA with an action other than a
 * GoTo), PDF_EMBEDDED_FILE (a file specification's /EF; each embedded
 * file is carved out as a child), the URLs of /URI, /Launch, /SubmitForm
 * and /GoToR, and the URLs written in the pages' text (the strings that
 * the content streams' text operators show); DOCUMENT_MALFORMED for the
 * damage seen.  An encrypted PDF
 * (/Encrypt in a trailer) keys are still seen, but its strings and
 * streams are ciphertext: they are neither decoded nor carved.
 */
#include <string.h>

#include <zlib.h>

#include "documents.h"
#include "objects/tree_api.h"

#define PDF_MAX_OBJECTS 100000u		/* objects per document */
#define PDF_MAX_NODES (1u << 20)	/* values per document */
#define PDF_MAX_DEPTH 64u		/* arrays and dictionaries nested */
#define PDF_MAX_STRING (1u << 20)	/* bytes kept of one string */
#define PDF_MAX_NAME 127u		/* bytes kept of one name */
#define PDF_STREAM_CAP (16u << 20)	/* decoded bytes per stream */
#define PDF_TOTAL_CAP (32u << 20)	/* decoded bytes per document */
#define PDF_OBJSTM_DEPTH 4u		/* object streams inside object streams */
#define PDF_OBJSTM_N 10000u		/* objects per object stream */
#define PDF_FILTERS 8u			/* filters per stream */
#define PDF_CHAIN 8u			/* references followed, /Next actions */
#define PDF_SCRIPT_CHARS 100		/* of a script, in PDF_JAVASCRIPT */
#define PDF_TEXT_MAX (64u << 10)	/* bytes of a string or script read as text */
#define PDF_PAGE_TEXT_MAX (1u << 20)	/* bytes of page text read, per document */
#define PDF_CONTENTS_MAX 64u		/* content streams per page */

enum pk { PK_NULL, PK_BOOL, PK_NUM, PK_STR, PK_NAME, PK_ARRAY, PK_DICT, PK_REF };

struct pv {
	enum pk k;
	bool real;		/* PK_NUM with a fraction */
	int64_t num;		/* PK_NUM (integer part), PK_BOOL, PK_REF number */
	char *s;		/* PK_STR bytes, PK_NAME; NUL-terminated */
	size_t slen;
	struct pv **v;		/* PK_ARRAY items; PK_DICT key, value, ... */
	size_t n;
};

struct pobj {
	int64_t num;
	struct pv *val;
	const uint8_t *raw;	/* stream data, or NULL */
	size_t rawlen;
	unsigned level;		/* 0: in the file; +1 per object stream */
	bool tried;		/* decoding was tried */
	uint8_t *dec;		/* decoded stream, or NULL */
	size_t declen;
	bool carved;
	bool damaged;		/* data cut short or not inflating to its end */
	bool cut;		/* decoding stopped at a cap */
};

struct pdf {
	struct obj_tree *t;
	struct mobj *o;
	struct cwalk w;
	GPtrArray *objs;	/* struct pobj * */
	GHashTable *byn;	/* object number -> struct pobj * */
	GHashTable *heads;	/* object number -> offset after "obj" */
	GHashTable *lengths;	/* object number -> resolved /Length + 1 */
	size_t nodes;
	uint64_t decoded;	/* over all streams */
	bool encrypted;
	bool full;		/* a count limit was reached */
	/* damage, counted and reported once */
	unsigned bad_length, unterminated, flate_damaged, capped;
	int64_t first_bad_length, first_capped;
	/* scripts */
	unsigned js_keys, js_scripts;
};

/* ---- lexical level (7.2) ---- */

struct lex {
	struct pdf *d;
	const uint8_t *p;
	size_t len, pos;
};

static bool
is_ws(uint8_t c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static bool
is_delim(uint8_t c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
	    c == '{' || c == '}' || c == '/' || c == '%';
}

static bool
is_regular(uint8_t c)
{
	return !is_ws(c) && !is_delim(c);
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
skip_ws(struct lex *l)
{
	while (l->pos < l->len) {
		uint8_t c = l->p[l->pos];
		if (is_ws(c)) {
			l->pos++;
		} else if (c == '%') {
			while (l->pos < l->len && l->p[l->pos] != '\n' && l->p[l->pos] != '\r')
				l->pos++;
		} else {
			break;
		}
	}
}

/* Is the keyword kw at l->pos, followed by a non-regular byte or the end? */
static bool
at_keyword(const struct lex *l, const char *kw)
{
	size_t n = strlen(kw);
	if (l->len - l->pos < n || memcmp(l->p + l->pos, kw, n) != 0)
		return false;
	return l->pos + n == l->len || !is_regular(l->p[l->pos + n]);
}

/* ---- values (7.3) ---- */

static void
pv_free(struct pv *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		pv_free(v->v[i]);
	g_free(v->v);
	g_free(v->s);
	g_free(v);
}

static struct pv *
pv_new(struct pdf *d, enum pk k)
{
	if (d->nodes >= PDF_MAX_NODES) {
		d->full = true;
		return NULL;
	}
	d->nodes++;
	struct pv *v = g_new0(struct pv, 1);
	v->k = k;
	return v;
}

/* A dictionary's value for key (a name without its slash), or NULL. */
static struct pv *
dict_get(const struct pv *dict, const char *key)
{
	if (dict == NULL || dict->k != PK_DICT)
		return NULL;
	for (size_t i = 0; i + 1 < dict->n; i += 2)
		if (strcmp(dict->v[i]->s, key) == 0)
			return dict->v[i + 1];
	return NULL;
}

static bool
is_name(const struct pv *v, const char *name)
{
	return v != NULL && v->k == PK_NAME && strcmp(v->s, name) == 0;
}

static struct pv *parse_value(struct lex *l, unsigned depth);

/*
 * The bytes of a literal string (7.3.4.2) whose '(' is at p[*pos]:
 * balanced parentheses, backslash escapes undone; appended to b, at most
 * PDF_MAX_STRING bytes in all; *pos left after the closing ')'.
 */
static void
literal_bytes(const uint8_t *p, size_t len, size_t *pos, GByteArray *b)
{
	struct lex lx = { NULL, p, len, *pos }, *l = &lx;
	unsigned nest = 1;

	l->pos++;
	while (l->pos < l->len) {
		uint8_t c = l->p[l->pos++], out = c;
		if (c == '(') {
			nest++;
		} else if (c == ')') {
			if (--nest == 0)
				break;
		} else if (c == '\\') {
			if (l->pos >= l->len)
				break;
			c = l->p[l->pos++];
			switch (c) {
			case 'n': out = '\n'; break;
			case 'r': out = '\r'; break;
			case 't': out = '\t'; break;
			case 'b': out = '\b'; break;
			case 'f': out = '\f'; break;
			case '\r':
				if (l->pos < l->len && l->p[l->pos] == '\n')
					l->pos++;
				continue;	/* a line continued */
			case '\n':
				continue;
			default:
				if (c >= '0' && c <= '7') {
					unsigned o = c - '0';
					for (int k = 0; k < 2 && l->pos < l->len &&
					    l->p[l->pos] >= '0' && l->p[l->pos] <= '7'; k++)
						o = o * 8 + (l->p[l->pos++] - '0');
					out = (uint8_t)o;
				} else {
					out = c;	/* \( \) \\ and the unknown */
				}
				break;
			}
		}
		if (b->len < PDF_MAX_STRING)
			g_byte_array_append(b, &out, 1);
	}
	*pos = l->pos;
}

/* The bytes of a hexadecimal string (7.3.4.3) whose '<' is at p[*pos],
 * as literal_bytes(). */
static void
hex_bytes(const uint8_t *p, size_t len, size_t *pos, GByteArray *b)
{
	struct lex lx = { NULL, p, len, *pos }, *l = &lx;
	int hi = -1;

	l->pos++;
	while (l->pos < l->len) {
		uint8_t c = l->p[l->pos++];
		if (c == '>')
			break;
		int x = hexval(c);
		if (x < 0)
			continue;	/* white space, or damage */
		if (hi < 0) {
			hi = x;
		} else {
			uint8_t out = (uint8_t)(hi << 4 | x);
			if (b->len < PDF_MAX_STRING)
				g_byte_array_append(b, &out, 1);
			hi = -1;
		}
	}
	if (hi >= 0 && b->len < PDF_MAX_STRING) {
		uint8_t out = (uint8_t)(hi << 4);
		g_byte_array_append(b, &out, 1);
	}
	*pos = l->pos;
}

/* A string value: literal (at '(') or hexadecimal (at '<'). */
static struct pv *
parse_string(struct lex *l, bool hex)
{
	struct pv *v = pv_new(l->d, PK_STR);
	if (v == NULL)
		return NULL;
	GByteArray *b = g_byte_array_new();

	if (hex)
		hex_bytes(l->p, l->len, &l->pos, b);
	else
		literal_bytes(l->p, l->len, &l->pos, b);
	v->slen = b->len;
	g_byte_array_append(b, (const uint8_t *)"", 1);
	v->s = (char *)g_byte_array_free(b, FALSE);
	return v;
}

/* A name (7.3.5), #xx escapes undone: /J#61vaScript is /JavaScript. */
static struct pv *
parse_name(struct lex *l)
{
	struct pv *v = pv_new(l->d, PK_NAME);
	if (v == NULL)
		return NULL;
	char buf[PDF_MAX_NAME + 1];
	size_t n = 0;

	l->pos++;
	while (l->pos < l->len && is_regular(l->p[l->pos])) {
		uint8_t c = l->p[l->pos++];
		if (c == '#' && l->len - l->pos >= 2 && hexval(l->p[l->pos]) >= 0 &&
		    hexval(l->p[l->pos + 1]) >= 0) {
			c = (uint8_t)(hexval(l->p[l->pos]) << 4 | hexval(l->p[l->pos + 1]));
			l->pos += 2;
		}
		if (n < PDF_MAX_NAME && c != 0)
			buf[n++] = (char)c;
	}
	v->s = g_strndup(buf, n);
	v->slen = n;
	return v;
}

/* Digits at l->pos, as a number (saturating); false when there are none. */
static bool
parse_uint(struct lex *l, int64_t *out)
{
	size_t start = l->pos;
	int64_t x = 0;
	while (l->pos < l->len && l->p[l->pos] >= '0' && l->p[l->pos] <= '9') {
		if (x < 100000000000000LL)
			x = x * 10 + (l->p[l->pos] - '0');
		l->pos++;
	}
	*out = x;
	return l->pos > start;
}

/* A number (7.3.3), or a reference "N G R" (7.3.10). */
static struct pv *
parse_number(struct lex *l)
{
	bool neg = false, real = false;
	int64_t x = 0, frac;

	if (l->p[l->pos] == '+' || l->p[l->pos] == '-')
		neg = l->p[l->pos++] == '-';
	bool digits = parse_uint(l, &x);
	if (l->pos < l->len && l->p[l->pos] == '.') {
		l->pos++;
		real = true;
		digits = parse_uint(l, &frac) || digits;
	}
	if (!digits) {
		/* "-" or "." alone: junk, skipped */
		while (l->pos < l->len && is_regular(l->p[l->pos]))
			l->pos++;
		return pv_new(l->d, PK_NULL);
	}
	if (!neg && !real) {
		/* a reference? */
		size_t save = l->pos;
		int64_t gen;
		skip_ws(l);
		if (l->pos > save && parse_uint(l, &gen)) {
			size_t g = l->pos;
			skip_ws(l);
			if (l->pos > g && at_keyword(l, "R")) {
				l->pos++;
				struct pv *v = pv_new(l->d, PK_REF);
				if (v != NULL)
					v->num = x;
				return v;
			}
		}
		l->pos = save;
	}
	struct pv *v = pv_new(l->d, PK_NUM);
	if (v != NULL) {
		v->num = neg ? -x : x;
		v->real = real;
	}
	return v;
}

/* Items up to the closing ']' or '>>', into v. */
static void
parse_items(struct lex *l, struct pv *v, unsigned depth, bool dict)
{
	GPtrArray *items = g_ptr_array_new();

	for (;;) {
		skip_ws(l);
		if (l->pos >= l->len)
			break;
		if (!dict && l->p[l->pos] == ']') {
			l->pos++;
			break;
		}
		if (dict && l->len - l->pos >= 2 && l->p[l->pos] == '>' && l->p[l->pos + 1] == '>') {
			l->pos += 2;
			break;
		}
		if (dict && l->p[l->pos] != '/') {
			/* not a key: skip the value */
			struct pv *junk = parse_value(l, depth + 1);
			if (junk == NULL)
				break;
			pv_free(junk);
			continue;
		}
		struct pv *item = parse_value(l, depth + 1);
		if (item == NULL)
			break;
		if (dict) {
			struct pv *val = parse_value(l, depth + 1);
			if (val == NULL) {
				pv_free(item);
				break;
			}
			g_ptr_array_add(items, item);
			item = val;
		}
		g_ptr_array_add(items, item);
	}
	v->n = items->len;
	v->v = (struct pv **)g_ptr_array_free(items, FALSE);
}

/*
 * One value at l->pos, or NULL: at the end, at a keyword that ends an
 * object (endobj, stream ...: not consumed), too deep, too many values.
 * Anything else consumes at least one byte.
 */
static struct pv *
parse_value(struct lex *l, unsigned depth)
{
	skip_ws(l);
	if (l->pos >= l->len || depth > PDF_MAX_DEPTH || l->d->full)
		return NULL;
	uint8_t c = l->p[l->pos];
	struct pv *v;

	switch (c) {
	case '/':
		return parse_name(l);
	case '(':
		return parse_string(l, false);
	case '<':
		if (l->len - l->pos >= 2 && l->p[l->pos + 1] == '<') {
			if ((v = pv_new(l->d, PK_DICT)) == NULL)
				return NULL;
			l->pos += 2;
			parse_items(l, v, depth, true);
			return v;
		}
		return parse_string(l, true);
	case '[':
		if ((v = pv_new(l->d, PK_ARRAY)) == NULL)
			return NULL;
		l->pos++;
		parse_items(l, v, depth, false);
		return v;
	case ')': case '>': case ']': case '{': case '}':
		l->pos++;	/* stray, or PostScript braces */
		return pv_new(l->d, PK_NULL);
	default:
		break;
	}
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')
		return parse_number(l);
	static const char *const stop[] = {
		"endobj", "stream", "endstream", "obj", "xref", "trailer", "startxref",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(stop); i++)
		if (at_keyword(l, stop[i]))
			return NULL;
	bool t = at_keyword(l, "true"), f = at_keyword(l, "false");
	while (l->pos < l->len && is_regular(l->p[l->pos]))
		l->pos++;
	if ((v = pv_new(l->d, t || f ? PK_BOOL : PK_NULL)) != NULL)
		v->num = t;
	return v;
}

/* ---- objects and streams (7.3.8, 7.3.10) ---- */

/* The /Length of a stream: direct, or an indirect integer; -1 if none. */
static int64_t
stream_length(struct pdf *d, const uint8_t *p, size_t len, const struct pv *dict)
{
	const struct pv *v = dict_get(dict, "Length");
	if (v == NULL)
		return -1;
	if (v->k == PK_NUM)
		return v->real || v->num < 0 ? -1 : v->num;
	if (v->k != PK_REF)
		return -1;
	gpointer key = GINT_TO_POINTER((gint)v->num), got;
	if (g_hash_table_lookup_extended(d->lengths, key, NULL, &got))
		return (int64_t)GPOINTER_TO_SIZE(got) - 1;
	int64_t n = -1;
	gpointer off;
	/* the object as it is in the file (an object stream cannot hold it
	 * for a stream in the file, which must be read first) */
	if (p == d->o->data && g_hash_table_lookup_extended(d->heads, key, NULL, &off)) {
		struct lex l = { d, p, len, GPOINTER_TO_SIZE(off) };
		struct pv *x = parse_value(&l, PDF_MAX_DEPTH);	/* a number only */
		if (x != NULL && x->k == PK_NUM && !x->real && x->num >= 0)
			n = x->num;
		pv_free(x);
	}
	if (n >= (int64_t)len)
		n = -1;
	if (p == d->o->data)
		g_hash_table_insert(d->lengths, key, GSIZE_TO_POINTER((gsize)(n + 1)));
	return n;
}

/* Is "endstream" at p + at, after optional white space? */
static bool
endstream_at(const uint8_t *p, size_t len, size_t at)
{
	while (at < len && is_ws(p[at]))
		at++;
	return len - at >= 9 && memcmp(p + at, "endstream", 9) == 0;
}

/*
 * The data of a stream whose keyword "stream" is at l->pos: set raw and
 * rawlen, leave l->pos after "endstream" (and "endobj").
 */
static void
read_stream(struct lex *l, struct pobj *po)
{
	struct pdf *d = l->d;
	size_t s = l->pos + 6;

	if (s < l->len && l->p[s] == '\r')
		s++;
	if (s < l->len && l->p[s] == '\n')
		s++;
	int64_t n = stream_length(d, l->p, l->len, po->val);
	size_t end;
	if (n >= 0 && (uint64_t)n <= l->len - s && endstream_at(l->p, l->len, s + (size_t)n)) {
		end = s + (size_t)n;
	} else {
		const uint8_t *e = memmem(l->p + s, l->len - s, "endstream", 9);
		if (e == NULL) {
			d->unterminated++;
			po->damaged = true;
			end = l->len;
		} else {
			if (d->bad_length++ == 0)
				d->first_bad_length = po->num;
			end = (size_t)(e - l->p);
			if (end > s && l->p[end - 1] == '\n')
				end--;
			if (end > s && l->p[end - 1] == '\r')
				end--;
		}
	}
	po->raw = l->p + s;
	po->rawlen = end - s;
	l->pos = end;
	while (l->pos < l->len && is_ws(l->p[l->pos]))
		l->pos++;
	if (at_keyword(l, "endstream"))
		l->pos += 9;
}

static struct pobj *
add_object(struct pdf *d, struct lex *l, int64_t num, unsigned level)
{
	if (d->objs->len >= PDF_MAX_OBJECTS) {
		d->full = true;
		return NULL;
	}
	struct pv *v = parse_value(l, 0);
	if (v == NULL)
		return NULL;
	struct pobj *po = g_new0(struct pobj, 1);
	po->num = num;
	po->val = v;
	po->level = level;
	g_ptr_array_add(d->objs, po);
	g_hash_table_insert(d->byn, GINT_TO_POINTER((gint)num), po);
	skip_ws(l);
	if (v->k == PK_DICT && at_keyword(l, "stream"))
		read_stream(l, po);
	skip_ws(l);
	if (at_keyword(l, "endobj"))
		l->pos += 6;
	return po;
}

/*
 * Is "obj" at i the end of an object header "N G obj"?  Sets the object
 * number.
 */
static bool
header_at(const uint8_t *p, size_t len, size_t i, int64_t *num)
{
	if (i + 3 < len && is_regular(p[i + 3]))
		return false;
	size_t j = i;
	unsigned k;
	while (j > 0 && is_ws(p[j - 1]) && i - j < 64)
		j--;
	if (j == i)
		return false;
	for (k = 0; j > 0 && p[j - 1] >= '0' && p[j - 1] <= '9' && k < 6; k++)
		j--;
	if (k == 0 || j == 0 || !is_ws(p[j - 1]))
		return false;
	while (j > 0 && is_ws(p[j - 1]) && i - j < 128)
		j--;
	size_t e = j;
	for (k = 0; j > 0 && p[j - 1] >= '0' && p[j - 1] <= '9' && k < 10; k++)
		j--;
	if (k == 0 || (j > 0 && is_regular(p[j - 1])))
		return false;
	int64_t x = 0;
	for (size_t m = j; m < e; m++)
		x = x * 10 + (p[m] - '0');
	*num = x;
	return true;
}

/* Every object of the file, in order; headers inside one are skipped. */
static void
scan_file(struct pdf *d)
{
	const uint8_t *p = d->o->data;
	size_t len = d->o->len, i = 0;
	int64_t num;

	/* first the headers, for indirect /Length */
	while (i + 3 <= len) {
		const uint8_t *m = memmem(p + i, len - i, "obj", 3);
		if (m == NULL)
			break;
		i = (size_t)(m - p);
		if (header_at(p, len, i, &num) && num <= G_MAXINT)
			g_hash_table_insert(d->heads, GINT_TO_POINTER((gint)num),
			    GSIZE_TO_POINTER(i + 3));
		i += 3;
	}
	size_t done = 0;
	for (i = 0; i + 3 <= len && !d->full;) {
		const uint8_t *m = memmem(p + i, len - i, "obj", 3);
		if (m == NULL)
			break;
		i = (size_t)(m - p);
		if (i >= done && header_at(p, len, i, &num) && num <= G_MAXINT) {
			struct lex l = { d, p, len, i + 3 };
			if ((d->objs->len & 1023) == 1023 && obj_tree_expired(d->t))
				break;
			add_object(d, &l, num, 0);
			done = l.pos > i + 3 ? l.pos : i + 3;
			i = done;
			continue;
		}
		i += 3;
	}
}

/* /Encrypt in a trailer dictionary or a cross-reference stream's. */
static bool
find_encrypt(struct pdf *d)
{
	const uint8_t *p = d->o->data;
	size_t len = d->o->len, i = 0;

	for (guint k = 0; k < d->objs->len; k++) {
		const struct pobj *po = g_ptr_array_index(d->objs, k);
		if (is_name(dict_get(po->val, "Type"), "XRef") && dict_get(po->val, "Encrypt") != NULL)
			return true;
	}
	while (i < len) {
		const uint8_t *m = memmem(p + i, len - i, "trailer", 7);
		if (m == NULL)
			break;
		struct lex l = { d, p, len, (size_t)(m - p) + 7 };
		struct pv *v = parse_value(&l, 0);
		bool enc = dict_get(v, "Encrypt") != NULL;
		pv_free(v);
		if (enc)
			return true;
		i = l.pos > (size_t)(m - p) + 7 ? l.pos : (size_t)(m - p) + 7;
	}
	return false;
}

/* ---- filters (7.4) ---- */

static size_t
cap_left(const struct pdf *d)
{
	uint64_t left = d->decoded < PDF_TOTAL_CAP ? PDF_TOTAL_CAP - d->decoded : 0;
	return left < PDF_STREAM_CAP ? (size_t)left : PDF_STREAM_CAP;
}

/*
 * zlib, with its header or else raw deflate, into at most cap_left()
 * bytes (*over: there was more).  What inflated before damage is kept.
 */
static GByteArray *
flate(struct pdf *d, const uint8_t *in, size_t n, bool *over, bool *damaged)
{
	size_t cap = cap_left(d);
	GByteArray *out = g_byte_array_new();
	uint8_t buf[16384];

	for (int pass = 0; pass < 2; pass++) {
		z_stream z;
		memset(&z, 0, sizeof z);
		if (inflateInit2(&z, pass == 0 ? 15 + 32 : -15) != Z_OK)
			break;
		int r = Z_OK;
		size_t fed = 0;
		for (;;) {
			if (z.avail_in == 0 && fed < n) {
				size_t chunk = n - fed > (1u << 30) ? (1u << 30) : n - fed;
				z.next_in = (Bytef *)(uintptr_t)(in + fed);
				z.avail_in = (uInt)chunk;
				fed += chunk;
			}
			z.next_out = buf;
			z.avail_out = sizeof buf;
			r = inflate(&z, Z_NO_FLUSH);
			size_t got = sizeof buf - z.avail_out;
			if (got > cap - out->len) {
				got = cap - out->len;
				*over = true;
			}
			g_byte_array_append(out, buf, (guint)got);
			if (*over || (r != Z_OK && r != Z_BUF_ERROR))
				break;
			if (got == 0 && (r == Z_BUF_ERROR || (z.avail_in == 0 && fed == n)))
				break;	/* no progress, or the input is used up */
		}
		inflateEnd(&z);
		*damaged = r != Z_STREAM_END && !*over;
		if (out->len > 0 || *over || r != Z_DATA_ERROR)
			break;
		/* no zlib header: raw deflate next */
	}
	return out;
}

static GByteArray *
ahex(const uint8_t *in, size_t n, size_t cap)
{
	GByteArray *out = g_byte_array_new();
	int hi = -1;
	for (size_t i = 0; i < n && out->len < cap; i++) {
		if (in[i] == '>')
			break;
		int x = hexval(in[i]);
		if (x < 0)
			continue;
		if (hi < 0) {
			hi = x;
		} else {
			uint8_t c = (uint8_t)(hi << 4 | x);
			g_byte_array_append(out, &c, 1);
			hi = -1;
		}
	}
	if (hi >= 0 && out->len < cap) {
		uint8_t c = (uint8_t)(hi << 4);
		g_byte_array_append(out, &c, 1);
	}
	return out;
}

static GByteArray *
a85(const uint8_t *in, size_t n, size_t cap)
{
	GByteArray *out = g_byte_array_new();
	uint32_t acc = 0;
	unsigned k = 0;
	size_t i = 0;

	if (n >= 2 && in[0] == '<' && in[1] == '~')
		i = 2;
	for (; i < n && out->len + 4 <= cap; i++) {
		uint8_t c = in[i];
		if (c == '~')
			break;
		if (c == 'z' && k == 0) {
			static const uint8_t zero[4];
			g_byte_array_append(out, zero, 4);
			continue;
		}
		if (c < '!' || c > 'u')
			continue;
		acc = acc * 85 + (uint32_t)(c - '!');
		if (++k == 5) {
			uint8_t b[4] = { acc >> 24, acc >> 16 & 0xff, acc >> 8 & 0xff, acc & 0xff };
			g_byte_array_append(out, b, 4);
			acc = 0;
			k = 0;
		}
	}
	if (k > 1 && out->len + 4 <= cap) {
		/* a final partial group: pad with 'u' */
		for (unsigned m = k; m < 5; m++)
			acc = acc * 85 + 84;
		uint8_t b[4] = { acc >> 24, acc >> 16 & 0xff, acc >> 8 & 0xff, acc & 0xff };
		g_byte_array_append(out, b, k - 1);
	}
	return out;
}

static GByteArray *
runlength(const uint8_t *in, size_t n, size_t cap, bool *over)
{
	GByteArray *out = g_byte_array_new();
	size_t i = 0;
	while (i < n) {
		uint8_t c = in[i++];
		if (c == 128)
			break;
		size_t run = c < 128 ? (size_t)c + 1 : 257 - (size_t)c;
		if (out->len + run > cap) {
			*over = true;
			break;
		}
		if (c < 128) {
			if (run > n - i)
				run = n - i;
			g_byte_array_append(out, in + i, (guint)run);
			i += run;
		} else {
			if (i >= n)
				break;
			for (size_t k = 0; k < run; k++)
				g_byte_array_append(out, in + i, 1);
			i++;
		}
	}
	return out;
}

static struct pv *resolve(struct pdf *d, struct pv *v);

/* Decode po's stream through its filters, once; po->dec NULL if not. */
static void
decode(struct pdf *d, struct pobj *po)
{
	if (po->tried || po->raw == NULL)
		return;
	po->tried = true;
	if (d->encrypted || obj_tree_expired(d->t))
		return;
	struct pv *f = resolve(d, dict_get(po->val, "Filter"));
	struct pv *names[PDF_FILTERS];
	size_t nf = 0;
	if (f != NULL && f->k == PK_NAME) {
		names[nf++] = f;
	} else if (f != NULL && f->k == PK_ARRAY) {
		for (size_t i = 0; i < f->n; i++) {
			if (nf == PDF_FILTERS)
				return;
			names[nf++] = resolve(d, f->v[i]);
		}
	}
	const uint8_t *in = po->raw;
	size_t n = po->rawlen;
	GByteArray *cur = NULL;
	for (size_t i = 0; i < nf; i++) {
		const struct pv *name = names[i];
		size_t cap = cap_left(d);
		bool over = false, damaged = false;
		GByteArray *out;
		if (name == NULL || name->k != PK_NAME)
			out = NULL;
		else if (strcmp(name->s, "FlateDecode") == 0 || strcmp(name->s, "Fl") == 0)
			out = flate(d, in, n, &over, &damaged);
		else if (strcmp(name->s, "ASCIIHexDecode") == 0 || strcmp(name->s, "AHx") == 0)
			out = ahex(in, n, cap);
		else if (strcmp(name->s, "ASCII85Decode") == 0 || strcmp(name->s, "A85") == 0)
			out = a85(in, n, cap);
		else if (strcmp(name->s, "RunLengthDecode") == 0 || strcmp(name->s, "RL") == 0)
			out = runlength(in, n, cap, &over);
		else
			out = NULL;	/* LZW, images, Crypt: not decoded */
		if (out == NULL) {
			if (cur != NULL)
				g_byte_array_free(cur, TRUE);
			return;
		}
		if (damaged) {
			d->flate_damaged++;
			po->damaged = true;
		}
		d->decoded += out->len;
		if (over) {
			po->cut = true;
			if (d->capped++ == 0)
				d->first_capped = po->num;
		}
		if (cur != NULL)
			g_byte_array_free(cur, TRUE);
		cur = out;
		in = cur->data;
		n = cur->len;
	}
	if (cur == NULL) {
		po->dec = g_memdup2(po->raw, po->rawlen);
		po->declen = po->rawlen;
		return;
	}
	po->declen = cur->len;
	po->dec = g_byte_array_free(cur, FALSE);
}

/* ---- references ---- */

static struct pobj *
object(struct pdf *d, const struct pv *ref)
{
	if (ref == NULL || ref->k != PK_REF || ref->num > G_MAXINT)
		return NULL;
	return g_hash_table_lookup(d->byn, GINT_TO_POINTER((gint)ref->num));
}

/* A value with references followed (not too far); NULL stays NULL. */
static struct pv *
resolve(struct pdf *d, struct pv *v)
{
	for (unsigned i = 0; v != NULL && v->k == PK_REF && i < PDF_CHAIN; i++) {
		struct pobj *po = object(d, v);
		v = po != NULL ? po->val : NULL;
	}
	return v != NULL && v->k == PK_REF ? NULL : v;
}

/* The object a value refers to, through references, or NULL. */
static struct pobj *
target(struct pdf *d, struct pv *v)
{
	struct pobj *po = NULL;
	for (unsigned i = 0; v != NULL && v->k == PK_REF && i < PDF_CHAIN; i++) {
		po = object(d, v);
		v = po != NULL ? po->val : NULL;
	}
	return po;
}

/* ---- object streams (7.5.7) ---- */

static void
expand_objstm(struct pdf *d, struct pobj *po)
{
	decode(d, po);
	if (po->dec == NULL)
		return;
	struct pv *nv = resolve(d, dict_get(po->val, "N"));
	struct pv *fv = resolve(d, dict_get(po->val, "First"));
	if (nv == NULL || nv->k != PK_NUM || fv == NULL || fv->k != PK_NUM ||
	    fv->num < 0 || (uint64_t)fv->num > po->declen) {
		obj_fact(d->o, OBJ_FACT_DOCUMENT_MALFORMED, "object stream %" G_GINT64_FORMAT
		    ": bad /N or /First", po->num);
		return;
	}
	/* the pairs "number offset"; each object is read up to the next
	 * one's offset, so that the work is linear in the data */
	size_t first = (size_t)fv->num, n = 0;
	struct { int64_t num, off; } *pairs = g_malloc(PDF_OBJSTM_N * sizeof *pairs);
	struct lex hdr = { d, po->dec, first, 0 };
	while (n < PDF_OBJSTM_N && (int64_t)n < nv->num) {
		skip_ws(&hdr);
		if (!parse_uint(&hdr, &pairs[n].num))
			break;
		skip_ws(&hdr);
		if (!parse_uint(&hdr, &pairs[n].off))
			break;
		n++;
	}
	bool disorder = false;
	for (size_t i = 0; i < n && !d->full; i++) {
		int64_t num = pairs[i].num, off = pairs[i].off;
		if ((uint64_t)off >= po->declen - first || num > G_MAXINT)
			continue;
		if (i > 0 && off <= pairs[i - 1].off) {
			disorder = true;
			continue;
		}
		size_t end = po->declen;
		if (i + 1 < n && pairs[i + 1].off > off && (uint64_t)pairs[i + 1].off < po->declen - first)
			end = first + (size_t)pairs[i + 1].off;
		struct lex l = { d, po->dec, end, first + (size_t)off };
		add_object(d, &l, num, po->level + 1);
	}
	g_free(pairs);
	if (disorder)
		obj_fact(d->o, OBJ_FACT_DOCUMENT_MALFORMED, "object stream %" G_GINT64_FORMAT
		    ": offsets out of order", po->num);
}

/* ---- what is found ---- */

/* A PDF text string (7.9.2) as UTF-8: UTF-16BE with its BOM, UTF-8 with
 * its BOM, else PDFDocEncoding, read as Latin-1.  g_free it. */
static char *
text_of(const uint8_t *s, size_t n)
{
	char *u = NULL;
	if (n >= 2 && s[0] == 0xfe && s[1] == 0xff)
		u = g_convert((const char *)s + 2, (gssize)((n - 2) & ~(size_t)1), "UTF-8",
		    "UTF-16BE", NULL, NULL, NULL);
	else if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		u = g_utf8_make_valid((const char *)s + 3, (gssize)n - 3);
	else if (g_utf8_validate((const char *)s, (gssize)n, NULL))
		u = g_strndup((const char *)s, n);
	else
		u = g_convert((const char *)s, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
	return u != NULL ? u : g_strdup("");
}

/* White space squeezed to single spaces, trimmed, cut to max characters. */
static char *
squeeze(const char *s, long max)
{
	GString *g = g_string_new(NULL);
	bool space = false;
	for (; *s != '\0'; s++) {
		if (g_ascii_isspace(*s) || *s == '\v') {
			space = g->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(g, ' ');
		space = false;
		g_string_append_c(g, *s);
	}
	char *v = g_utf8_make_valid(g->str, (gssize)g->len);
	g_string_free(g, TRUE);
	if (g_utf8_strlen(v, -1) > max)
		*g_utf8_offset_to_pointer(v, max) = '\0';
	return v;
}

/* The text of a string value, or of a stream's decoded data; NULL if
 * it cannot be read. */
static char *
text_value(struct pdf *d, struct pv *v)
{
	struct pobj *po = target(d, v);
	v = resolve(d, v);
	if (v == NULL || d->encrypted)
		return NULL;
	if (v->k == PK_STR)
		return text_of((const uint8_t *)v->s, MIN(v->slen, PDF_TEXT_MAX));
	if (po != NULL && po->raw != NULL && po->val == v) {
		decode(d, po);
		if (po->dec != NULL)
			return text_of(po->dec, MIN(po->declen, PDF_TEXT_MAX));
	}
	return NULL;
}

/* The name of a file specification (7.11): a string, or /UF, /F, ... */
static char *
filespec_name(struct pdf *d, struct pv *fs)
{
	fs = resolve(d, fs);
	if (fs == NULL)
		return NULL;
	if (fs->k == PK_STR)
		return text_value(d, fs);
	static const char *const keys[] = { "UF", "F", "Unix", "DOS", "Mac" };
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		struct pv *v = resolve(d, dict_get(fs, keys[i]));
		if (v != NULL && v->k == PK_STR && v->slen > 0)
			return text_value(d, v);
	}
	return NULL;
}

static void
url(struct pdf *d, const char *u)
{
	if (u != NULL && *u != '\0')
		obj_url(d->o, u, strlen(u));
}

static bool
looks_remote(const char *s)
{
	return strstr(s, "://") != NULL || (s[0] == '\\' && s[1] == '\\') ||
	    g_str_has_prefix(s, "mailto:");
}

static void
javascript(struct pdf *d, struct pv *v)
{
	d->js_keys++;
	char *s = text_value(d, v);
	if (s == NULL)
		return;
	char *q = squeeze(s, PDF_SCRIPT_CHARS);
	obj_fact(d->o, OBJ_FACT_PDF_JAVASCRIPT, "%s", q);
	d->js_scripts++;
	g_free(q);
	g_free(s);
}

static void
launch(struct pdf *d, struct pv *act)
{
	struct pv *win = resolve(d, dict_get(act, "Win"));
	char *target = NULL, *params = NULL;

	if (win != NULL && win->k == PK_DICT) {
		target = text_value(d, dict_get(win, "F"));
		params = text_value(d, dict_get(win, "P"));
	}
	if (target == NULL)
		target = filespec_name(d, dict_get(act, "F"));
	if (target == NULL) {
		obj_fact(d->o, OBJ_FACT_PDF_LAUNCH, NULL);
	} else {
		char *q = squeeze(target, 150);
		if (params != NULL && *params != '\0') {
			char *p = squeeze(params, 150);
			obj_fact(d->o, OBJ_FACT_PDF_LAUNCH, "%s %s", q, p);
			g_free(p);
		} else {
			obj_fact(d->o, OBJ_FACT_PDF_LAUNCH, "%s", q);
		}
		if (looks_remote(target))
			url(d, target);
		g_free(q);
	}
	g_free(target);
	g_free(params);
}

/* An automatic action (12.6.2, 12.6.3): its type, /Next actions too;
 * destinations and GoTo actions only move the view and are let be. */
static void
auto_action(struct pdf *d, const char *which, struct pv *a)
{
	GString *types = g_string_new(NULL);
	a = resolve(d, a);
	for (unsigned i = 0; a != NULL && i < PDF_CHAIN; i++) {
		if (a->k == PK_ARRAY)	/* a destination, or /Next actions */
			a = a->n > 0 ? resolve(d, a->v[0]) : NULL;
		if (a == NULL || a->k != PK_DICT)
			break;
		struct pv *s = resolve(d, dict_get(a, "S"));
		if (s != NULL && s->k == PK_NAME && strcmp(s->s, "GoTo") != 0) {
			if (types->len > 0)
				g_string_append_c(types, '+');
			g_string_append(types, s->s);
		}
		a = resolve(d, dict_get(a, "Next"));
	}
	if (types->len > 0)
		obj_fact(d->o, OBJ_FACT_PDF_AUTO_ACTION, "%s: %s", which, types->str);
	g_string_free(types, TRUE);
}

/* An embedded file's stream, decoded, as a child named name. */
static void
carve(struct pdf *d, struct pobj *po, const char *name)
{
	po->carved = true;
	obj_fact(d->o, OBJ_FACT_PDF_EMBEDDED_FILE, "%s", d->encrypted ? "encrypted" : name);
	decode(d, po);
	if (po->dec == NULL)
		return;
	struct mobj *c = cwalk_add(&d->w, name, po->dec, po->declen, OBJ_FROM_EMBEDDED);
	if (c != NULL)
		c->flags |= (po->damaged ? OBJ_DAMAGED : 0) | (po->cut ? OBJ_TRUNCATED : 0);
}

static void
embedded(struct pdf *d, struct pv *fs, struct pv *ef)
{
	ef = resolve(d, ef);
	if (ef == NULL || ef->k != PK_DICT)
		return;
	char *name = filespec_name(d, fs);
	for (size_t i = 1; i < ef->n; i += 2) {
		struct pobj *po = target(d, ef->v[i]);
		if (po == NULL || po->raw == NULL || po->carved)
			continue;
		char *n = name != NULL && *name != '\0' ? g_strdup(name) :
		    g_strdup_printf("embedded-%" G_GINT64_FORMAT, po->num);
		carve(d, po, n);
		g_free(n);
	}
	g_free(name);
}

static void
walk(struct pdf *d, struct pv *v, unsigned depth)
{
	if (v == NULL || depth > PDF_MAX_DEPTH || d->t->stopped)
		return;
	if (v->k == PK_ARRAY) {
		for (size_t i = 0; i < v->n; i++)
			walk(d, v->v[i], depth + 1);
		return;
	}
	if (v->k != PK_DICT)
		return;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *k = v->v[i]->s;
		struct pv *val = v->v[i + 1];
		if (strcmp(k, "JS") == 0 || strcmp(k, "JavaScript") == 0) {
			javascript(d, val);
		} else if (strcmp(k, "OpenAction") == 0) {
			auto_action(d, "OpenAction", val);
		} else if (strcmp(k, "AA") == 0) {
			struct pv *aa = resolve(d, val);
			for (size_t j = 0; aa != NULL && aa->k == PK_DICT && j + 1 < aa->n; j += 2) {
				char *which = g_strconcat("AA/", aa->v[j]->s, NULL);
				auto_action(d, which, aa->v[j + 1]);
				g_free(which);
			}
		} else if (strcmp(k, "URI") == 0) {
			struct pv *u = resolve(d, val);
			if (u != NULL && u->k == PK_STR && !d->encrypted) {
				char *s = text_of((const uint8_t *)u->s, u->slen);
				url(d, s);
				g_free(s);
			}
		} else if (strcmp(k, "EF") == 0) {
			embedded(d, v, val);
		}
		walk(d, val, depth + 1);
	}
	struct pv *s = resolve(d, dict_get(v, "S"));
	if (is_name(s, "Launch")) {
		launch(d, v);
	} else if (is_name(s, "SubmitForm") || is_name(s, "GoToR")) {
		char *f = filespec_name(d, dict_get(v, "F"));
		url(d, f);
		g_free(f);
	}
}

/* ---- the text of pages (9.4: text objects) ---- */

/* A line break in the page's text, once. */
static void
text_break(GString *text)
{
	if (text->len > 0 && text->str[text->len - 1] != '\n')
		g_string_append_c(text, '\n');
}

/*
 * The text a content stream shows, appended to text (up to max bytes):
 * the string operand of Tj, ' and ", the strings of TJ's array joined,
 * a line break at the operators that move to another line or end a text
 * object.  The bytes are as the font's encoding has them: for the simple
 * fonts of most documents ASCII is ASCII; CID fonts (Identity-H) give
 * glyph numbers, which are not mapped back.  Inline images (BI ... ID
 * data EI) are skipped.
 */
static void
content_text(const uint8_t *p, size_t n, GString *text, size_t max)
{
	GByteArray *last = g_byte_array_new(), *arr = g_byte_array_new();
	bool have_last = false, have_arr = false, in_array = false;
	size_t i = 0;

	while (i < n && text->len < max) {
		uint8_t c = p[i];
		if (is_ws(c)) {
			i++;
		} else if (c == '%') {
			while (i < n && p[i] != '\n' && p[i] != '\r')
				i++;
		} else if (c == '(' || (c == '<' && (i + 1 >= n || p[i + 1] != '<'))) {
			GByteArray *to = in_array ? arr : last;
			if (!in_array)
				g_byte_array_set_size(last, 0);
			if (c == '(')
				literal_bytes(p, n, &i, to);
			else
				hex_bytes(p, n, &i, to);
			have_last = !in_array;
		} else if (c == '[') {
			in_array = true;
			g_byte_array_set_size(arr, 0);
			i++;
		} else if (c == ']') {
			in_array = false;
			have_arr = true;
			i++;
		} else if (c == '/') {
			for (i++; i < n && is_regular(p[i]); i++)
				;
		} else if (is_delim(c)) {
			i++;	/* << >> of a marked-content property list, strays */
		} else {
			size_t s = i;
			while (i < n && is_regular(p[i]))
				i++;
			size_t k = i - s;
			const char *op = (const char *)p + s;
			if (g_ascii_isdigit(c) || c == '+' || c == '-' || c == '.')
				continue;	/* a number: an operand */
			if ((k == 1 && (c == '\'' || c == '"')) || (k == 2 && memcmp(op, "Tj", 2) == 0)) {
				if (k == 1)
					text_break(text);
				if (have_last)
					g_string_append_len(text, (const char *)last->data,
					    (gssize)MIN((size_t)last->len, max - text->len));
			} else if (k == 2 && memcmp(op, "TJ", 2) == 0) {
				if (have_arr)
					g_string_append_len(text, (const char *)arr->data,
					    (gssize)MIN((size_t)arr->len, max - text->len));
			} else if (k == 2 && (memcmp(op, "Td", 2) == 0 || memcmp(op, "TD", 2) == 0 ||
			    memcmp(op, "Tm", 2) == 0 || memcmp(op, "T*", 2) == 0 ||
			    memcmp(op, "ET", 2) == 0 || memcmp(op, "BT", 2) == 0)) {
				text_break(text);
			} else if (k == 2 && memcmp(op, "ID", 2) == 0) {
				/* inline image data, up to white space, EI, white space */
				const uint8_t *e = NULL;
				for (size_t j = i + 1; j + 2 <= n; j++) {
					if (p[j] == 'E' && p[j + 1] == 'I' && is_ws(p[j - 1]) &&
					    (j + 2 == n || is_ws(p[j + 2]))) {
						e = p + j;
						break;
					}
				}
				i = e != NULL ? (size_t)(e - p) + 2 : n;
			}
			have_last = have_arr = false;
		}
	}
	text_break(text);
	g_byte_array_free(last, TRUE);
	g_byte_array_free(arr, TRUE);
}

/*
 * The URLs written in the pages' text: each page's content streams
 * (/Contents: a stream or an array of them), decoded as any other stream
 * (within the same caps), their text searched.  At most
 * PDF_PAGE_TEXT_MAX bytes of text per document.
 */
static void
pages_text(struct pdf *d)
{
	size_t left = PDF_PAGE_TEXT_MAX;
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < d->objs->len && left > 0 && !d->t->stopped; i++) {
		struct pobj *po = g_ptr_array_index(d->objs, i);
		if (!is_name(dict_get(po->val, "Type"), "Page"))
			continue;
		if (obj_tree_expired(d->t))
			break;
		struct pv *c = dict_get(po->val, "Contents");
		struct pv *arr = resolve(d, c);
		bool many = arr != NULL && arr->k == PK_ARRAY;
		size_t nc = many ? MIN(arr->n, (size_t)PDF_CONTENTS_MAX) : 1;
		g_string_truncate(text, 0);
		for (size_t k = 0; k < nc && text->len < left; k++) {
			struct pobj *cs = target(d, many ? arr->v[k] : c);
			if (cs == NULL || cs->raw == NULL)
				continue;
			decode(d, cs);
			if (cs->dec != NULL)
				content_text(cs->dec, cs->declen, text, left);
		}
		obj_urls_in_text(d->o, text->str, text->len);
		left -= MIN(text->len, left);
	}
	g_string_free(text, TRUE);
}

static void
pobj_free(gpointer p)
{
	struct pobj *po = p;
	pv_free(po->val);
	g_free(po->dec);
	g_free(po);
}

void
pdf_analyse(struct obj_tree *t, struct mobj *o)
{
	struct pdf d = { .t = t, .o = o };

	cwalk_init(&d.w, t, o);
	d.objs = g_ptr_array_new();
	d.byn = g_hash_table_new(NULL, NULL);
	d.heads = g_hash_table_new(NULL, NULL);
	d.lengths = g_hash_table_new(NULL, NULL);

	scan_file(&d);
	d.encrypted = find_encrypt(&d);
	/* object streams, and those they hold, in the order found */
	for (guint i = 0; i < d.objs->len && !d.full; i++) {
		struct pobj *po = g_ptr_array_index(d.objs, i);
		if (po->raw != NULL && po->level < PDF_OBJSTM_DEPTH &&
		    is_name(dict_get(po->val, "Type"), "ObjStm"))
			expand_objstm(&d, po);
	}
	for (guint i = 0; i < d.objs->len && !t->stopped; i++) {
		struct pobj *po = g_ptr_array_index(d.objs, i);
		walk(&d, po->val, 0);
	}
	/* embedded files that no file specification names */
	for (guint i = 0; i < d.objs->len && !t->stopped; i++) {
		struct pobj *po = g_ptr_array_index(d.objs, i);
		if (po->raw != NULL && !po->carved &&
		    is_name(dict_get(po->val, "Type"), "EmbeddedFile")) {
			char *n = g_strdup_printf("embedded-%" G_GINT64_FORMAT, po->num);
			carve(&d, po, n);
			g_free(n);
		}
	}
	if (!d.encrypted)
		pages_text(&d);
	if (d.js_keys > 0 && d.js_scripts == 0)
		obj_fact(o, OBJ_FACT_PDF_JAVASCRIPT, NULL);

	if (d.objs->len == 0)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "no PDF objects");
	if (d.full)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "too many objects or values: the rest not read");
	if (d.bad_length > 0)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "%u stream(s) with a wrong /Length (first: object %"
		    G_GINT64_FORMAT ")", d.bad_length, d.first_bad_length);
	if (d.unterminated > 0)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "stream without endstream: file cut?");
	if (d.flate_damaged > 0)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "%u FlateDecode stream(s) damaged or cut",
		    d.flate_damaged);
	if (d.capped > 0)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "decoded streams cut at %u MiB each, %u MiB in all "
		    "(first: object %" G_GINT64_FORMAT "): a decompression bomb?",
		    PDF_STREAM_CAP >> 20, PDF_TOTAL_CAP >> 20, d.first_capped);

	g_ptr_array_set_free_func(d.objs, pobj_free);
	g_ptr_array_free(d.objs, TRUE);
	g_hash_table_destroy(d.byn);
	g_hash_table_destroy(d.heads);
	g_hash_table_destroy(d.lengths);
}
