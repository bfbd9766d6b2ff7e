/*
 * ooxml.c - what an Office Open XML document (.docx, .xlsm, .pptx ...)
 * does by itself when it is opened, read from its parts, and DDE in CSV.
 *
 * When this runs, the archive unpacker has already made the ZIP's parts
 * children of the document (ECMA-376 part 2, Open Packaging Conventions),
 * named by their part names ("word/document.xml"); for a Flat OPC file
 * (the package as one XML file) flatxml.c has made them so before it
 * calls ooxml_analyse().  We read:
 *
 *  - every relationships part (*.rels): a Relationship with
 *    TargetMode="External" is a URL of the document (obj_url); one whose
 *    type loads content when the document opens (attachedTemplate,
 *    oleObject, frame, subDocument) from http(s) or a UNC path is remote
 *    template injection.  Hyperlinks alone are not.
 *  - WordprocessingML parts (document, headers, footers, notes, comments,
 *    glossary): field codes, i.e. <w:instrText> runs between
 *    <w:fldChar w:fldCharType="begin"/> and "separate"/"end" (a field's
 *    instruction may be split over many runs: they are concatenated) and
 *    <w:fldSimple w:instr="...">; DDE and DDEAUTO fields run a program
 *    when fields update (ECMA-376 part 1, 17.16).  This field reader
 *    (word_fields, documents.h) also reads Word 2003 XML for flatxml.c.
 *  - SpreadsheetML: external link parts with <ddeLink ddeService=
 *    ddeTopic=> (DDE), macro sheets (xl/macrosheets/, or any part a
 *    workbook relationship of type xlMacrosheet/xlIntlMacrosheet points
 *    to: Excel 4.0 macros), their formulas <f> that run programs or call
 *    DLLs and the URLs in their string literals (literals joined by &
 *    read as one), and in xl/workbook.xml the hidden macro sheets and the
 *    defined names Auto_Open/Auto_Close that start them.  Once every part
 *    is read, the macro sheets' formulas (by sheet name and <c r=> cell)
 *    run from the Auto_Open cells in the static sandbox's XLM evaluator
 *    (sandbox_run_xlm(), sandbox.c), at most XCELLS_MAX of them.
 *
 * The XML is read with GLib's GMarkupParser, a bounded, non-validating
 * tokenizer (no DTDs, no external entities); a part it rejects is a
 * DOCUMENT_MALFORMED fact and the other parts are still read.  At most
 * XML_PART_MAX bytes of a part are parsed.  An .xlsb's binary parts (its
 * workbook.bin, macro sheets and external links) are record streams,
 * read by xlsb.c for the same facts.
 *
 * PowerPoint slides' actions that run programs are ppt.c's
 * (ppt_ooxml_actions(), called at the end).
 *
 * CSV (RFC 4180, loosely): a cell that starts with = + - @ and calls a
 * program through DDE (cmd|'/c calc'!A0, =DDE(...)) is a DDE_FIELD.  The
 * same rule (dde_formula()) judges Excel 2003 XML formulas (flatxml.c).
 */
#include <string.h>

#include "documents.h"
#include "objects/filetype.h"
#include "ole.h"

#define FIELD_DEPTH 16		/* nested fields whose instructions we keep */
#define INSTR_MAX 4096		/* bytes of one field instruction */
#define FORMULA_MAX 8192	/* bytes of one formula */
#define FORMULA_SHOW 100	/* of a formula, in a fact */
#define CELL_SHOW 100		/* of a CSV cell, in a fact */
#define CSV_CELL_MAX 8192	/* bytes of a CSV cell we look at */

enum part_kind {
	PART_RELS,
	PART_WORD,
	PART_EXTLINK,
	PART_MACROSHEET,
	PART_WORKBOOK,
};

struct ox {
	struct mobj *o;
	const char *part;	/* name of the part being parsed */
	enum part_kind kind;
	/* relationships: of the workbook part, rId -> type (owned) */
	GHashTable *wbrels;
	bool wb_rels_part;	/* parsing the workbook's .rels */
	char *rels_base;	/* "xl/" for xl/_rels/workbook.xml.rels */
	GPtrArray *macro_parts;	/* part names of macro sheets (owned) */
	struct word_fields *wf;	/* fields in WordprocessingML */
	/* formulas in macro sheets, defined names in the workbook */
	bool in_text;
	GString *text;
	char *dn_name;
	/* for the XLM evaluator (sandbox_run_xlm), once every part is read */
	GHashTable *rid_part;	/* workbook rId -> part name (owned) */
	GPtrArray *sheets;	/* struct xsheet *: <sheet name= r:id=> */
	GPtrArray *xcells;	/* struct xcell *: macro sheets' formulas */
	GPtrArray *autos;	/* Auto_Open defined names' texts (owned) */
	uint32_t cell_row, cell_col;	/* <c r=> of the formula being read */
};

struct xsheet {
	char *name, *rid;
};

struct xcell {
	char *part, *f;
	uint32_t row, col;
};

static void
xsheet_free(gpointer p)
{
	struct xsheet *x = p;
	g_free(x->name);
	g_free(x->rid);
	g_free(x);
}

static void
xcell_free(gpointer p)
{
	struct xcell *c = p;
	g_free(c->part);
	g_free(c->f);
	g_free(c);
}

/* Does s contain needle, ASCII case ignored? */
static bool
contains_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++) {
		if (g_ascii_strncasecmp(s + i, needle, m) == 0)
			return true;
	}
	return false;
}

static void
append_bounded(GString *s, const char *p, size_t n, size_t max)
{
	if (s->len >= max)
		return;
	if (n > max - s->len)
		n = max - s->len;
	g_string_append_len(s, p, (gssize)n);
}

/* ---- relationships ---- */

/* Relationship types that load their target when the document opens. */
static const char *const loading_types[] = {
	"attachedTemplate", "oleObject", "frame", "subDocument", NULL,
};

static bool
is_remote(const char *target)
{
	while (*target == ' ' || *target == '\t')
		target++;
	return has_prefix_ci(target, "http://") || has_prefix_ci(target, "https://") ||
	    strncmp(target, "\\\\", 2) == 0 || has_prefix_ci(target, "file://");
}

/* The part name a relative Target of the .rels part names. */
static char *
resolve_target(const char *base, const char *target)
{
	if (target[0] == '/')
		return g_strdup(target + 1);
	GString *s = g_string_new(base);
	while (strncmp(target, "../", 3) == 0) {
		target += 3;
		/* drop the last directory of s ("xl/" -> "") */
		if (s->len > 0)
			g_string_truncate(s, s->len - 1);
		const char *slash = strrchr(s->str, '/');
		g_string_truncate(s, slash != NULL ? (gsize)(slash - s->str + 1) : 0);
	}
	g_string_append(s, target);
	return g_string_free(s, FALSE);
}

static void
rels_element(struct ox *x, const char *el, const char **an, const char **av)
{
	if (strcmp(el, "Relationship") != 0)
		return;
	const char *type = xml_attr(an, av, "Type");
	const char *target = xml_attr(an, av, "Target");
	const char *mode = xml_attr(an, av, "TargetMode");
	const char *id = xml_attr(an, av, "Id");
	if (type == NULL || target == NULL)
		return;
	const char *slash = strrchr(type, '/');
	const char *tname = slash != NULL ? slash + 1 : type;

	if (mode != NULL && g_ascii_strcasecmp(mode, "External") == 0) {
		obj_url(x->o, target, strlen(target));
		if (is_remote(target)) {
			for (size_t i = 0; loading_types[i] != NULL; i++) {
				if (g_ascii_strcasecmp(tname, loading_types[i]) == 0) {
					obj_fact(x->o, OBJ_FACT_TEMPLATE_INJECTION, "%s %s",
					    loading_types[i], target);
					break;
				}
			}
		}
		return;
	}
	if (x->wb_rels_part && id != NULL) {
		g_hash_table_replace(x->wbrels, g_strdup(id), g_strdup(tname));
		g_hash_table_replace(x->rid_part, g_strdup(id), resolve_target(x->rels_base, target));
		if (g_ascii_strcasecmp(tname, "xlMacrosheet") == 0 ||
		    g_ascii_strcasecmp(tname, "xlIntlMacrosheet") == 0)
			g_ptr_array_add(x->macro_parts, resolve_target(x->rels_base, target));
	}
}

/* ---- fields ---- */

/* The field codes of one Word part being read (documents.h). */
struct word_fields {
	struct mobj *o;
	GString *instr[FIELD_DEPTH];
	bool done[FIELD_DEPTH];	/* instruction already judged */
	unsigned fields;	/* open fields, may exceed FIELD_DEPTH */
	bool in_instr;
	GString *loose;		/* instrText outside any field */
};

/* One field instruction: DDE and DDEAUTO are facts, the fields that fetch
 * from the network give their URL. */
static void
judge_instr(struct word_fields *x, const GString *s)
{
	const char *p = s->str;
	const char *end = s->str + s->len;

	while (p < end && g_ascii_isspace(*p))
		p++;
	size_t n = (size_t)(end - p);
	while (n > 0 && g_ascii_isspace(p[n - 1]))
		n--;
	if ((n >= 3 && g_ascii_strncasecmp(p, "DDE", 3) == 0 &&
	    (n == 3 || g_ascii_isspace(p[3]))) ||
	    (n >= 7 && g_ascii_strncasecmp(p, "DDEAUTO", 7) == 0 &&
	    (n == 7 || g_ascii_isspace(p[7])))) {
		obj_fact(x->o, OBJ_FACT_DDE_FIELD, "%.*s", (int)MIN(n, 200), p);
		return;
	}
	/* fields that fetch from the network: their URL */
	if ((n >= 9 && g_ascii_strncasecmp(p, "HYPERLINK", 9) == 0) ||
	    (n >= 14 && g_ascii_strncasecmp(p, "INCLUDEPICTURE", 14) == 0) ||
	    (n >= 11 && g_ascii_strncasecmp(p, "INCLUDETEXT", 11) == 0)) {
		const char *q = memchr(p, '"', n);
		if (q != NULL) {
			const char *r = memchr(q + 1, '"', (size_t)(p + n - q - 1));
			if (r != NULL && r > q + 1)
				obj_url(x->o, q + 1, (size_t)(r - q - 1));
		}
	}
}

struct word_fields *
word_fields_new(struct mobj *o)
{
	struct word_fields *f = g_new0(struct word_fields, 1);

	f->o = o;
	f->loose = g_string_new(NULL);
	return f;
}

void
word_fields_free(struct word_fields *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < FIELD_DEPTH; i++) {
		if (f->instr[i] != NULL)
			g_string_free(f->instr[i], TRUE);
	}
	g_string_free(f->loose, TRUE);
	g_free(f);
}

void
word_fields_start(struct word_fields *x, const char *el, const char **an, const char **av)
{
	if (strcmp(el, "fldChar") == 0) {
		const char *t = xml_attr(an, av, "fldCharType");
		if (t == NULL)
			return;
		if (strcmp(t, "begin") == 0) {
			x->fields++;
			if (x->fields <= FIELD_DEPTH) {
				unsigned i = x->fields - 1;
				if (x->instr[i] == NULL)
					x->instr[i] = g_string_new(NULL);
				g_string_truncate(x->instr[i], 0);
				x->done[i] = false;
			}
		} else if (x->fields > 0 && (strcmp(t, "separate") == 0 ||
		    strcmp(t, "end") == 0)) {
			if (x->fields <= FIELD_DEPTH) {
				unsigned i = x->fields - 1;
				if (!x->done[i])
					judge_instr(x, x->instr[i]);
				x->done[i] = true;
			}
			if (strcmp(t, "end") == 0)
				x->fields--;
		}
	} else if (strcmp(el, "instrText") == 0) {
		x->in_instr = true;
		if (x->fields == 0)
			g_string_truncate(x->loose, 0);
	} else if (strcmp(el, "fldSimple") == 0) {
		const char *ins = xml_attr(an, av, "instr");
		if (ins != NULL) {
			GString *s = g_string_new(NULL);
			append_bounded(s, ins, strlen(ins), INSTR_MAX);
			judge_instr(x, s);
			g_string_free(s, TRUE);
		}
	}
}

void
word_fields_end(struct word_fields *x, const char *el)
{
	if (strcmp(el, "instrText") == 0) {
		x->in_instr = false;
		if (x->fields == 0)
			judge_instr(x, x->loose);
	}
}

bool
word_fields_text(struct word_fields *x, const char *text, size_t len)
{
	if (!x->in_instr)
		return false;
	GString *s = x->fields == 0 ? x->loose :
	    x->fields <= FIELD_DEPTH ? x->instr[x->fields - 1] : NULL;
	if (s != NULL)
		append_bounded(s, text, len, INSTR_MAX);
	return true;
}

void
word_fields_finish(struct word_fields *x)
{
	/* fields the part leaves open (cut, or damaged on purpose) */
	for (unsigned i = 0; i < MIN(x->fields, FIELD_DEPTH); i++) {
		if (!x->done[i])
			judge_instr(x, x->instr[i]);
	}
	x->fields = 0;
	x->in_instr = false;
	g_string_truncate(x->loose, 0);
}

/* ---- spreadsheets ---- */

#define XCELLS_MAX (256u * 1024u)	/* macro-sheet formulas handed to the evaluator */

/* An A1 reference ("B12", "$B$12"): row and column, 1-based. */
static bool
a1_ref(const char *r, uint32_t *row, uint32_t *col)
{
	uint32_t c = 0, w = 0;
	size_t i = 0;
	if (r[i] == '$')
		i++;
	for (; g_ascii_isalpha(r[i]) && i < 4; i++)
		c = c * 26 + (uint32_t)(g_ascii_toupper(r[i]) - 'A' + 1);
	if (r[i] == '$')
		i++;
	size_t s = i;
	for (; g_ascii_isdigit(r[i]) && i - s < 8; i++)
		w = w * 10 + (uint32_t)(r[i] - '0');
	if (c == 0 || c > 16384 || i == s || r[i] != '\0' || w == 0 || w > 1048576)
		return false;
	*row = w;
	*col = c;
	return true;
}

/*
 * The URLs in a formula's string literals ("..." with "" for a quote),
 * literals joined by & read as one ("https://"&"evil.example/p.exe").
 */
static void
formula_urls(struct ox *x, const GString *f)
{
	GString *lit = g_string_new(NULL);
	size_t i = 0;

	while (i < f->len) {
		if (f->str[i] != '"') {
			i++;
			continue;
		}
		g_string_truncate(lit, 0);
		for (;;) {
			/* one literal, from its opening quote at i */
			for (i++; i < f->len; i++) {
				if (f->str[i] == '"' && i + 1 < f->len && f->str[i + 1] == '"')
					i++;
				else if (f->str[i] == '"')
					break;
				if (lit->len < FORMULA_MAX)
					g_string_append_c(lit, f->str[i]);
			}
			if (i < f->len)
				i++;	/* the closing quote */
			size_t j = i;
			while (j < f->len && f->str[j] == ' ')
				j++;
			if (j >= f->len || f->str[j] != '&')
				break;
			j++;
			while (j < f->len && f->str[j] == ' ')
				j++;
			if (j >= f->len || f->str[j] != '"')
				break;
			i = j;	/* another literal joined to this one */
		}
		obj_urls_in_text(x->o, lit->str, lit->len);
	}
	g_string_free(lit, TRUE);
}

static void
judge_formula(struct ox *x, const GString *f)
{
	static const char *const bad[] = {
		"EXEC(", "CALL(", "REGISTER(", "URLDownloadToFile", NULL,
	};

	for (size_t i = 0; bad[i] != NULL; i++) {
		if (contains_ci(f->str, f->len, bad[i])) {
			obj_fact(x->o, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "%s: %.*s", x->part,
			    (int)MIN(f->len, FORMULA_SHOW), f->str);
			return;
		}
	}
}

static bool
is_macro_rel(struct ox *x, const char *rid)
{
	const char *type = rid != NULL ? g_hash_table_lookup(x->wbrels, rid) : NULL;

	return type != NULL && (g_ascii_strcasecmp(type, "xlMacrosheet") == 0 ||
	    g_ascii_strcasecmp(type, "xlIntlMacrosheet") == 0);
}

/* Auto_Open, Auto_Close (and Auto_Open2 ...): Excel runs the macro a
 * defined name of that name points to. */
bool
ooxml_is_auto_name(const char *name)
{
	if (has_prefix_ci(name, "_xlnm."))
		name += 6;
	return has_prefix_ci(name, "Auto_Open") || has_prefix_ci(name, "Auto_Close") ||
	    has_prefix_ci(name, "Auto_Activate") || has_prefix_ci(name, "Auto_Deactivate");
}

static void
workbook_element(struct ox *x, const char *el, const char **an, const char **av)
{
	if (strcmp(el, "sheet") == 0) {
		const char *name = xml_attr(an, av, "name");
		const char *state = xml_attr(an, av, "state");
		const char *rid = xml_attr(an, av, "id");
		if (name != NULL && rid != NULL && x->sheets->len < 4096) {
			struct xsheet *sh = g_new(struct xsheet, 1);
			sh->name = g_strdup(name);
			sh->rid = g_strdup(rid);
			g_ptr_array_add(x->sheets, sh);
		}
		if (state != NULL && (strcmp(state, "hidden") == 0 ||
		    strcmp(state, "veryHidden") == 0) && is_macro_rel(x, rid))
			obj_fact(x->o, OBJ_FACT_XLM_HIDDEN_SHEET, "%s, %s",
			    name != NULL ? name : "?", state);
	} else if (strcmp(el, "definedName") == 0) {
		const char *name = xml_attr(an, av, "name");
		g_free(x->dn_name);
		x->dn_name = g_strdup(name != NULL ? name : "");
		x->in_text = true;
		g_string_truncate(x->text, 0);
	}
}

static void
on_start(GMarkupParseContext *c, const gchar *qname, const gchar **an,
    const gchar **av, gpointer ud, GError **err)
{
	struct ox *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	switch (x->kind) {
	case PART_RELS:
		rels_element(x, el, an, av);
		break;
	case PART_WORD:
		word_fields_start(x->wf, el, an, av);
		break;
	case PART_EXTLINK:
		if (strcmp(el, "ddeLink") == 0) {
			const char *svc = xml_attr(an, av, "ddeService");
			const char *topic = xml_attr(an, av, "ddeTopic");
			obj_fact(x->o, OBJ_FACT_DDE_FIELD, "%s|'%s'", svc != NULL ? svc : "",
			    topic != NULL ? topic : "");
		}
		break;
	case PART_MACROSHEET:
		if (strcmp(el, "c") == 0) {
			const char *r = xml_attr(an, av, "r");
			if (r == NULL || !a1_ref(r, &x->cell_row, &x->cell_col))
				x->cell_row = x->cell_col = 0;
		} else if (strcmp(el, "f") == 0) {
			x->in_text = true;
			g_string_truncate(x->text, 0);
		}
		break;
	case PART_WORKBOOK:
		workbook_element(x, el, an, av);
		break;
	}
}

static void
on_end(GMarkupParseContext *c, const gchar *qname, gpointer ud, GError **err)
{
	struct ox *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	if (x->kind == PART_WORD) {
		word_fields_end(x->wf, el);
	} else if (x->kind == PART_MACROSHEET && strcmp(el, "f") == 0) {
		x->in_text = false;
		judge_formula(x, x->text);
		formula_urls(x, x->text);
		if (x->cell_row > 0 && x->text->len > 0 && x->xcells->len < XCELLS_MAX) {
			struct xcell *xc = g_new(struct xcell, 1);
			xc->part = g_strdup(x->part);
			xc->f = g_strdup_printf("=%s", x->text->str);
			xc->row = x->cell_row;
			xc->col = x->cell_col;
			g_ptr_array_add(x->xcells, xc);
		}
	} else if (x->kind == PART_WORKBOOK && strcmp(el, "definedName") == 0) {
		x->in_text = false;
		if (x->dn_name != NULL && ooxml_is_auto_name(x->dn_name) &&
		    x->macro_parts->len > 0) {
			obj_fact(x->o, OBJ_FACT_XLM_AUTOEXEC, "%s -> %.*s", x->dn_name,
			    (int)MIN(x->text->len, 100), x->text->str);
			const char *n = x->dn_name;
			if (has_prefix_ci(n, "_xlnm."))
				n += 6;
			if (has_prefix_ci(n, "Auto_Open") && x->autos->len < 64)
				g_ptr_array_add(x->autos, g_strdup(x->text->str));
		}
	}
}

static void
on_text(GMarkupParseContext *c, const gchar *text, gsize len, gpointer ud,
    GError **err)
{
	struct ox *x = ud;

	(void)c;
	(void)err;
	if (x->kind == PART_WORD && word_fields_text(x->wf, text, len)) {
		/* a field instruction */
	} else if (x->in_text) {
		append_bounded(x->text, text, len, FORMULA_MAX);
	}
}

static const GMarkupParser parser = {
	.start_element = on_start,
	.end_element = on_end,
	.text = on_text,
};

static void
parse_part(struct ox *x, const struct mobj *part, enum part_kind kind)
{
	if (part->data == NULL || part->len == 0)
		return;
	x->part = part->name;
	x->kind = kind;
	x->in_text = false;
	word_fields_finish(x->wf);
	xml_parse_part(x->o, part, &parser, x);
	if (kind == PART_WORD)
		word_fields_finish(x->wf);
	g_free(x->dn_name);
	x->dn_name = NULL;
}

static bool
is_word_part(const char *name)
{
	static const char *const kinds[] = {
		"document", "header", "footer", "footnotes", "endnotes",
		"comments", "glossary/", NULL,
	};

	if (!has_prefix_ci(name, "word/") || !has_suffix_ci(name, ".xml"))
		return false;
	for (size_t i = 0; kinds[i] != NULL; i++) {
		if (has_prefix_ci(name + 5, kinds[i]))
			return true;
	}
	return false;
}

static bool
is_macro_part(const struct ox *x, const char *name)
{
	if (has_prefix_ci(name, "xl/macrosheets/") && (has_suffix_ci(name, ".xml") ||
	    has_suffix_ci(name, ".bin")))
		return true;
	for (guint i = 0; i < x->macro_parts->len; i++) {
		if (g_ascii_strcasecmp(g_ptr_array_index(x->macro_parts, i), name) == 0)
			return true;
	}
	return false;
}

/*
 * The package's VBA projects (vbaProject.bin parts, analysed by ole.c as
 * they were unpacked) through the static sandbox, now that every part is
 * a child: with the document variables (word/settings.xml) and the
 * properties (docProps/) their macros may read (docstrings.c).
 */
static void
vba_parts(struct obj_tree *t, struct mobj *o)
{
	GHashTable *extra = NULL;
	for (guint pass = 0; pass < 2; pass++)
		for (guint i = 0; i < o->children->len; i++) {
			struct mobj *c = g_ptr_array_index(o->children, i);
			if (pass == 0 && c->name != NULL && c->data != NULL) {
				if (extra == NULL)
					extra = docstr_new();
				docstr_ooxml_part(extra, c->name, c->data, c->len);
			} else if (pass == 1 && c->origin == OBJ_FROM_ARCHIVE &&
			    obj_has_fact(c, OBJ_FACT_VBA_MACRO) && !t->stopped) {
				ole_vba_sandbox(t, c, extra);
			}
		}
	if (extra != NULL)
		g_hash_table_unref(extra);
}

/* The name of the sheet whose part is part (the part's name without one). */
static const char *
sheet_of_part(struct ox *x, const char *part)
{
	for (guint i = 0; i < x->sheets->len; i++) {
		const struct xsheet *sh = x->sheets->pdata[i];
		const char *p = g_hash_table_lookup(x->rid_part, sh->rid);
		if (p != NULL && g_ascii_strcasecmp(p, part) == 0)
			return sh->name;
	}
	return part;
}

/*
 * The macro sheets' formulas through the XLM evaluator (sandbox.c), from
 * the cells the Auto_Open names point to ("Macro1!$A$1", "'My sheet'!A1").
 */
static void
run_xlm(struct obj_tree *t, struct ox *x)
{
	if (x->xcells->len == 0)
		return;
	struct sandbox_xlm sx;
	sandbox_xlm_init(&sx);
	for (guint i = 0; i < x->xcells->len; i++) {
		const struct xcell *c = x->xcells->pdata[i];
		sandbox_xlm_cell(&sx, sheet_of_part(x, c->part), c->row, c->col, c->f,
		    strlen(c->f));
	}
	for (guint i = 0; i < x->autos->len; i++) {
		char *a = g_strstrip(g_strdup(x->autos->pdata[i]));
		char *bang = strrchr(a, '!');
		uint32_t row, col;
		if (bang != NULL && a1_ref(bang + 1, &row, &col)) {
			*bang = '\0';
			char *sheet = a;
			size_t n = strlen(sheet);
			if (n >= 2 && sheet[0] == '\'' && sheet[n - 1] == '\'') {
				sheet[n - 1] = '\0';
				sheet++;
			}
			sandbox_xlm_start(&sx, sheet, row, col);
		}
		g_free(a);
	}
	sandbox_run_xlm(t, x->o, &sx);
}

void
ooxml_analyse(struct obj_tree *t, struct mobj *o)
{
	struct ox x = { .o = o };

	x.rid_part = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	x.sheets = g_ptr_array_new_with_free_func(xsheet_free);
	x.xcells = g_ptr_array_new_with_free_func(xcell_free);
	x.autos = g_ptr_array_new_with_free_func(g_free);
	x.wbrels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	x.macro_parts = g_ptr_array_new_with_free_func(g_free);
	x.wf = word_fields_new(o);
	x.text = g_string_new(NULL);

	/* the relationships first: the workbook's say which parts are macro
	 * sheets */
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name == NULL || !has_suffix_ci(c->name, ".rels"))
			continue;
		x.wb_rels_part = g_ascii_strcasecmp(c->name, "xl/_rels/workbook.xml.rels") == 0 ||
		    g_ascii_strcasecmp(c->name, "xl/_rels/workbook.bin.rels") == 0;
		x.rels_base = x.wb_rels_part ? g_strdup("xl/") : NULL;
		parse_part(&x, c, PART_RELS);
		g_free(x.rels_base);
		x.rels_base = NULL;
		x.wb_rels_part = false;
	}
	/* macro sheets by name, and those the workbook names */
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name != NULL && is_macro_part(&x, c->name)) {
			obj_fact(o, OBJ_FACT_XLM_MACRO, "%s", c->name);
			g_ptr_array_add(x.macro_parts, g_strdup(c->name));
			if (has_suffix_ci(c->name, ".xml"))
				parse_part(&x, c, PART_MACROSHEET);
		}
	}
	/* an .xlsb's binary parts (xlsb.c) */
	xlsb_analyse_parts(t, o, x.wbrels, x.rid_part, x.macro_parts);
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name == NULL)
			continue;
		if (is_word_part(c->name))
			parse_part(&x, c, PART_WORD);
		else if (has_prefix_ci(c->name, "xl/externalLinks/") &&
		    has_suffix_ci(c->name, ".xml"))
			parse_part(&x, c, PART_EXTLINK);
		else if (g_ascii_strcasecmp(c->name, "xl/workbook.xml") == 0)
			parse_part(&x, c, PART_WORKBOOK);
	}
	vba_parts(t, o);

	run_xlm(t, &x);
	g_hash_table_destroy(x.rid_part);
	g_ptr_array_free(x.sheets, TRUE);
	g_ptr_array_free(x.xcells, TRUE);
	g_ptr_array_free(x.autos, TRUE);
	word_fields_free(x.wf);
	g_string_free(x.text, TRUE);
	g_hash_table_destroy(x.wbrels);
	g_ptr_array_free(x.macro_parts, TRUE);
	/* shapes that run programs on click or mouse-over (ppt.c) */
	ppt_ooxml_actions(t, o);
}

/* ---- CSV ---- */

/* A formula that reaches a program through DDE: cmd|'/c calc'!A0, or
 * =DDE("cmd";"/c calc";"x"). */
bool
dde_formula(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n < 2 || *p == '\0' || strchr("=+-@", *p) == NULL)
		return false;
	for (size_t i = 1; i < n; i++) {
		if (p[i] == '|') {
			size_t j = i + 1;
			while (j < n && p[j] == ' ')
				j++;
			if (j < n && (p[j] == '\'' || p[j] == '"'))
				return true;
		}
	}
	return contains_ci(p, n, "DDE(") || contains_ci(p, n, "DDEAUTO");
}

void
csv_analyse(struct obj_tree *t, struct mobj *o)
{
	const char *p = (const char *)o->data;
	size_t n = o->len;
	GString *cell = g_string_new(NULL);
	bool quoted = false;

	(void)t;
	for (size_t i = 0; i <= n; i++) {
		char ch = i < n ? p[i] : '\n';
		if (quoted) {
			if (ch == '"') {
				if (i + 1 < n && p[i + 1] == '"') {
					append_bounded(cell, "\"", 1, CSV_CELL_MAX);
					i++;
				} else {
					quoted = false;
				}
			} else {
				append_bounded(cell, &ch, 1, CSV_CELL_MAX);
			}
			if (i < n)
				continue;
		}
		if (ch == '"' && cell->len == 0) {
			quoted = true;
		} else if (ch == ',' || ch == ';' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (dde_formula(cell->str, cell->len))
				obj_fact(o, OBJ_FACT_DDE_FIELD, "%.*s", (int)MIN(cell->len, CELL_SHOW),
				    cell->str);
			g_string_truncate(cell, 0);
			if (o->facts != NULL && o->facts->len >= OBJ_FACTS_MAX)
				break;
		} else {
			append_bounded(cell, &ch, 1, CSV_CELL_MAX);
		}
	}
	g_string_free(cell, TRUE);
}

void
csv_text_analyse(struct obj_tree *t, struct mobj *o)
{
	if (o->name != NULL && has_suffix_ci(o->name, ".csv"))
		csv_analyse(t, o);
}
