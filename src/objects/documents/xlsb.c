/*
 * xlsb.c - Excel 4.0 macros and DDE links in the binary parts of an Excel
 * binary workbook (.xlsb, [MS-XLSB]), for ooxml.c.
 *
 * An .xlsb is an OOXML package whose parts are record streams instead of
 * XML.  A record (2.1.4) is a type (1 or 2 bytes, 7 bits each, the high
 * bit saying another byte follows), a size (1 to 4 such bytes) and that
 * many bytes of data.  We read:
 *
 *  - xl/workbook.bin: BrtBundleSh (156, 2.4.304: hsState, iTabID,
 *    strRelID, strName), a sheet whose relationship the workbook's .rels
 *    types as a macro sheet and whose state is hidden (1) or very hidden
 *    (2) -> XLM_HIDDEN_SHEET; BrtName (39, 2.4.647: flags, chKey, itab,
 *    name) Auto_Open, Auto_Close ... -> XLM_AUTOEXEC, as ooxml.c does for
 *    workbook.xml's defined names;
 *  - macro sheets (xl/macrosheets/ *.bin, or a part the workbook's .rels
 *    types as one): the formula cells BrtFmlaString, BrtFmlaNum,
 *    BrtFmlaBool, BrtFmlaError (8 to 11, 2.4.6xx: a Cell, the cached
 *    value, grbitFlags, then a CellParsedFormula: cce and rgce), whose
 *    Ptg tokens xlm.c's walker reads as it reads BIFF8's (with BIFF12's
 *    operand sizes) -> XLM_SUSPICIOUS_FORMULA and URLs;
 *  - external link parts (xl/externalLinks/ *.bin): BrtBeginSupBook (360,
 *    2.4.21) whose sbt is 1 is a DDE link; its two strings are the
 *    service and the topic, e.g. cmd and /c calc -> DDE_FIELD, as
 *    ooxml.c reports a <ddeLink> of an .xlsx.
 *
 * Strings are XLWideString (2.5.168: a 32-bit count of UTF-16 units, then
 * the units); XLNullableWideString's count 0xFFFFFFFF is the empty
 * string.  Every count and size is checked against the record and the
 * part; a damaged record ends the walk of its part (DOCUMENT_MALFORMED),
 * never the document's other parts.
 */
#include <string.h>

#include "documents.h"
#include "ole.h"
#include "util/bytes.h"

#define XLSB_RECORDS_MAX 2000000	/* records read per part */
#define XLSB_NAME_MAX 255		/* UTF-16 units of a name kept */

/* One record of a part. */
struct brt {
	unsigned type;
	const uint8_t *p;
	size_t n;
};

/* A 7-bit varint of at most max bytes at *i of (d, len), *i past it;
 * false when it runs past the part or is longer. */
static bool
varint(const uint8_t *d, size_t len, size_t *i, unsigned max, unsigned *v)
{
	*v = 0;
	for (unsigned k = 0; k < max && *i < len; k++) {
		*v |= (unsigned)(d[*i] & 0x7F) << (7 * k);
		if (!(d[(*i)++] & 0x80))
			return true;
	}
	return false;
}

/*
 * The record at *off of (d, len) into r, *off past it.  false at the end
 * of the part or (with *bad set) when its header or data overruns it.
 */
static bool
next_brt(const uint8_t *d, size_t len, size_t *off, struct brt *r, bool *bad)
{
	size_t i = *off;
	unsigned type, size;

	if (i >= len)
		return false;
	if (!varint(d, len, &i, 2, &type) || !varint(d, len, &i, 4, &size) ||
	    size > len - i) {
		*bad = true;
		return false;
	}
	r->type = type;
	r->p = d + i;
	r->n = size;
	*off = i + size;
	return true;
}

/*
 * An XLWideString at *at of r (UTF-16LE, printable, at most
 * XLSB_NAME_MAX units kept), *at past it; NULL when it overruns the
 * record.  A nullable string's 0xFFFFFFFF count is "".
 */
static char *
wide_string(const struct brt *r, size_t *at)
{
	if (*at > r->n || r->n - *at < 4)
		return NULL;
	uint32_t cch = le32(r->p + *at);
	*at += 4;
	if (cch == 0xFFFFFFFFu)
		return g_strdup("");
	if (cch > (r->n - *at) / 2)
		return NULL;
	GString *s = g_string_new(NULL);
	for (uint32_t i = 0; i < cch && i < XLSB_NAME_MAX; i++) {
		gunichar c = le16(r->p + *at + 2 * i);
		if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF))
			c = '_';
		g_string_append_unichar(s, c);
	}
	*at += (size_t)cch * 2;
	return g_string_free(s, FALSE);
}

/* What a part's walker does with one record: false when it is damaged. */
typedef bool (*brt_fn)(struct mobj *doc, const struct brt *r, void *ctx);

/* Every record of part to fn; a damaged one ends the walk:
 * DOCUMENT_MALFORMED. */
static void
walk(struct mobj *doc, const struct mobj *part, brt_fn fn, void *ctx)
{
	size_t off = 0;
	bool bad = false;
	struct brt r;

	for (unsigned k = 0; k < XLSB_RECORDS_MAX &&
	    next_brt(part->data, part->len, &off, &r, &bad); k++) {
		if (!fn(doc, &r, ctx)) {
			bad = true;
			break;
		}
	}
	if (bad)
		obj_fact(doc, OBJ_FACT_DOCUMENT_MALFORMED, "%s: damaged record at %zu",
		    part->name, off);
}

/* What the workbook's and macro sheets' records are read with. */
struct wb {
	GHashTable *rels;	/* relationship id -> type */
	GHashTable *rid_part;	/* relationship id -> part name */
	bool has_macros;
	GHashTable *sheet_of;	/* part name -> sheet name (owned) */
	bool auto_ref;		/* an Auto_Open name refers to a cell: */
	uint32_t auto_row, auto_col;	/* it (0-based) */
	/* the macro sheet being read, for the XLM evaluator */
	struct sandbox_xlm *sx;
	const char *sheet;
	uint32_t row;		/* of the last BrtRowHdr */
};

/* The workbook: hidden macro sheets and the names that start them. */
static bool
workbook_rec(struct mobj *doc, const struct brt *r, void *ctx)
{
	struct wb *wb = ctx;
	size_t at;
	bool ok = true;

	if (r->type == 156 && r->n >= 8) {	/* BrtBundleSh */
		uint32_t state = le32(r->p);
		at = 8;
		char *rid = wide_string(r, &at);
		char *name = rid != NULL ? wide_string(r, &at) : NULL;
		const char *type = rid != NULL ? g_hash_table_lookup(wb->rels, rid) : NULL;
		const char *part = rid != NULL ? g_hash_table_lookup(wb->rid_part, rid) : NULL;
		if (name != NULL && part != NULL)
			g_hash_table_replace(wb->sheet_of, g_strdup(part), g_strdup(name));
		if (name == NULL)
			ok = false;
		else if ((state == 1 || state == 2) && type != NULL &&
		    (g_ascii_strcasecmp(type, "xlMacrosheet") == 0 ||
		    g_ascii_strcasecmp(type, "xlIntlMacrosheet") == 0))
			obj_fact(doc, OBJ_FACT_XLM_HIDDEN_SHEET, "%s, %s", name,
			    state == 1 ? "hidden" : "veryHidden");
		g_free(rid);
		g_free(name);
	} else if (r->type == 39 && r->n >= 9 && wb->has_macros) {	/* BrtName */
		at = 9;		/* flags, chKey, itab */
		char *name = wide_string(r, &at);
		if (name == NULL) {
			ok = false;
		} else if (ooxml_is_auto_name(name)) {
			obj_fact(doc, OBJ_FACT_XLM_AUTOEXEC, "%s", name);
			/* its NameParsedFormula: cce, then a PtgRef3d (ixti, row,
			 * col) is the cell the macro starts at */
			if (r->n - at >= 4 + 9 && le32(r->p + at) >= 9 &&
			    (r->p[at + 4] & 0x1F) == 0x1A && r->p[at + 4] >= 0x20) {
				wb->auto_ref = true;
				wb->auto_row = le32(r->p + at + 7);
				wb->auto_col = le16(r->p + at + 11) & 0x3FFF;
			}
		}
		g_free(name);
	}
	return ok;
}

/* A macro sheet: the Ptg tokens of each formula cell, and the formula as
 * text for the evaluator. */
static bool
macrosheet_rec(struct mobj *doc, const struct brt *r, void *ctx)
{
	struct wb *wb = ctx;
	size_t at = 8;	/* the Cell: column, style */

	if (r->type == 0 && r->n >= 4) {	/* BrtRowHdr: rw */
		wb->row = le32(r->p);
		return true;
	}
	switch (r->type) {
	case 8:		/* BrtFmlaString: the cached string */
		if (r->n < 12 || le32(r->p + 8) > (r->n - 12) / 2)
			return false;
		at += 4 + (size_t)le32(r->p + 8) * 2;
		break;
	case 9:		/* BrtFmlaNum */
		at += 8;
		break;
	case 10:	/* BrtFmlaBool */
	case 11:	/* BrtFmlaError */
		at += 1;
		break;
	default:
		return true;
	}
	at += 2;	/* grbitFlags */
	if (r->n < at + 4 || le32(r->p + at) > r->n - at - 4)
		return false;
	char *f = xlm_formula(doc, r->p + at + 4, le32(r->p + at), true);
	if (f != NULL && wb->row < UINT32_MAX && le32(r->p) < 16384)
		sandbox_xlm_cell(wb->sx, wb->sheet, wb->row + 1, le32(r->p) + 1, f, strlen(f));
	g_free(f);
	return true;
}

/* An external link part: DDE links. */
static bool
extlink_rec(struct mobj *doc, const struct brt *r, void *ctx)
{
	(void)ctx;
	if (r->type != 360 || r->n < 2 || le16(r->p) != 1)	/* BrtBeginSupBook, DDE */
		return true;
	size_t at = 2;
	char *svc = wide_string(r, &at);
	char *topic = svc != NULL ? wide_string(r, &at) : NULL;
	if (topic != NULL)
		obj_fact(doc, OBJ_FACT_DDE_FIELD, "%s|'%s'", svc, topic);
	g_free(svc);
	g_free(topic);
	return topic != NULL;
}

/* Whether the part c is an .xlsb's binary part (its name ends .bin). */
static bool
bin_part(const struct mobj *c)
{
	size_t nl = c->name != NULL ? strlen(c->name) : 0;
	return nl >= 4 && c->data != NULL && g_ascii_strcasecmp(c->name + nl - 4, ".bin") == 0;
}

static bool
in_list(const GPtrArray *a, const char *s)
{
	for (guint j = 0; j < a->len; j++)
		if (g_ascii_strcasecmp(g_ptr_array_index(a, j), s) == 0)
			return true;
	return false;
}

void
xlsb_analyse_parts(struct obj_tree *t, struct mobj *doc, GHashTable *rels,
    GHashTable *rid_part, const GPtrArray *macro_parts)
{
	struct sandbox_xlm sx;
	struct wb wb = { .rels = rels, .rid_part = rid_part, .has_macros = macro_parts->len > 0,
		.sx = &sx };
	const char *first_macro = NULL;

	wb.sheet_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sandbox_xlm_init(&sx);
	/* the workbook first: the sheets' names and the Auto_Open cell */
	for (guint i = 0; i < doc->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(doc->children, i);
		if (bin_part(c) && g_ascii_strcasecmp(c->name, "xl/workbook.bin") == 0)
			walk(doc, c, workbook_rec, &wb);
	}
	for (guint i = 0; i < doc->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(doc->children, i);
		if (!bin_part(c))
			continue;
		if (in_list(macro_parts, c->name)) {
			const char *sheet = g_hash_table_lookup(wb.sheet_of, c->name);
			wb.sheet = sheet != NULL ? sheet : c->name;
			wb.row = UINT32_MAX;
			if (first_macro == NULL)
				first_macro = wb.sheet;
			walk(doc, c, macrosheet_rec, &wb);
		} else if (g_ascii_strncasecmp(c->name, "xl/externalLinks/", 17) == 0) {
			walk(doc, c, extlink_rec, NULL);
		}
	}
	/* Auto_Open's cell, on the macro sheet when there is one (the name's
	 * sheet index is not resolved: with several macro sheets the
	 * evaluator starts from each one's first formula instead) */
	if (wb.auto_ref && macro_parts->len == 1 && first_macro != NULL)
		sandbox_xlm_start(&sx, first_macro, wb.auto_row + 1, wb.auto_col + 1);
	sandbox_run_xlm(t, doc, &sx);
	g_hash_table_destroy(wb.sheet_of);
}
