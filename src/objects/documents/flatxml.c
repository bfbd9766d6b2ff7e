/*
 * flatxml.c - Office documents saved as one XML file: Flat OPC, Word 2003
 * XML and Excel 2003 XML (filetype.c types them by their root element,
 * whatever their name: droppers sent them as .doc and .xls).
 *
 *  - Flat OPC ("flatopc": <pkg:package>, namespace
 *    http://schemas.microsoft.com/office/2006/xmlPackage; Word, Excel and
 *    PowerPoint 2007+ "XML document", [MS-OFFMACRO2] 2.2 / ECMA-376
 *    part 2 as one XML file): each <pkg:part pkg:name="/word/document.xml">
 *    holds the part as <pkg:xmlData> (XML, written back here as text) or
 *    <pkg:binaryData> (base64: /word/vbaProject.bin, embeddings).  Every
 *    part becomes a child named by its part name without the leading
 *    slash, exactly as the zip unpacker names a .docx's parts, so ole.c
 *    reads the VBA project and embeddings as it would in a .docm, and
 *    ooxml_analyse() then reads the parts (relationships, fields, DDE
 *    links, macro sheets) as it reads a .docx's: it only looks at the
 *    children's names.
 *  - Word 2003 XML ("wordxml": <w:wordDocument>, namespace
 *    http://schemas.microsoft.com/office/word/2003/wordml): field codes
 *    (<w:fldChar> begin/separate/end around <w:instrText>, and
 *    <w:fldSimple w:instr>) are judged by ooxml.c's word_fields (DDE,
 *    DDEAUTO: DDE_FIELD); <w:hlink w:dest> is a URL; <w:attachedTemplate
 *    w:val> a URL, and remote template injection when it is fetched from
 *    http(s), file: or a UNC path; every <w:binData w:name="..."> (base64)
 *    becomes a child named by w:name: editdata.mso, the ActiveMime part
 *    that holds the VBA project (activemime.c inflates it into an OLE2
 *    file), oledata.mso, images.
 *  - Excel 2003 XML ("excelxml": <Workbook>, namespace
 *    urn:schemas-microsoft-com:office:spreadsheet): a <Cell ss:Formula>
 *    that reaches a program through DDE (=cmd|'/c calc'!A1, ooxml.c's
 *    dde_formula(), the CSV rule) is a DDE_FIELD; an external
 *    <Cell ss:HRef> is a URL.  (SpreadsheetML 2003 cannot hold VBA.)
 *
 * The XML is read with GLib's GMarkupParser (no DTDs, no external
 * entities); elements are matched by local name, whatever their prefix.
 * At most FLAT_MAX bytes are parsed; a UTF-16 file (BOM) is converted to
 * UTF-8 first.  A file the parser rejects is a DOCUMENT_MALFORMED fact;
 * what was read before the damage stands.  A part is cut at PART_MAX
 * bytes; children go through a cwalk (tree_api.h), whose limits bound
 * their number and size.
 */
#include <string.h>

#include "documents.h"

#define FLAT_MAX (64u << 20)	/* bytes of a flat XML file we parse */
#define PART_MAX (16u << 20)	/* bytes of one part we keep */
#define NAME_MAX_LEN 1024	/* bytes of a part name */
#define FORMULA_SHOW 100	/* of a formula, in a fact */

enum flat_kind { FLAT_OPC, FLAT_WORD, FLAT_EXCEL };

/* What a part's content is being read as (Flat OPC, w:binData). */
enum flat_mode { MODE_NONE, MODE_XML, MODE_BASE64 };

struct flat {
	struct obj_tree *t;
	struct mobj *o;
	enum flat_kind kind;
	struct cwalk w;
	/* the part being read */
	char *name;		/* Flat OPC part name, w:binData name */
	enum flat_mode mode;
	unsigned xml_depth;	/* elements open inside <pkg:xmlData> */
	GString *buf;		/* the part: XML written back, or base64 */
	bool cut;		/* buf reached PART_MAX */
	struct word_fields *wf;	/* Word 2003 XML */
};

/* Append to the part being read, up to PART_MAX. */
static void
keep(struct flat *x, const char *p, size_t n)
{
	if (x->buf->len + n > PART_MAX) {
		x->cut = true;
		n = PART_MAX - MIN(x->buf->len, PART_MAX);
	}
	g_string_append_len(x->buf, p, (gssize)n);
}

/* Append text to the part, escaped as XML text or attribute value. */
static void
keep_escaped(struct flat *x, const char *p, size_t n)
{
	char *e = g_markup_escape_text(p, (gssize)n);

	keep(x, e, strlen(e));
	g_free(e);
}

/* Start reading a part's content as mode, named name.  An XML part gets
 * the declaration a zip package's parts start with, so that it is typed
 * "xml" as theirs are. */
static void
part_begin(struct flat *x, const char *name, enum flat_mode mode)
{
	g_free(x->name);
	x->name = g_strndup(name, NAME_MAX_LEN);
	x->mode = mode;
	x->xml_depth = 0;
	x->cut = false;
	g_string_truncate(x->buf, 0);
	if (mode == MODE_XML)
		g_string_append(x->buf,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n");
}

/* The part is read: decode it and make it a child of the document. */
static void
part_end(struct flat *x)
{
	enum flat_mode mode = x->mode;

	x->mode = MODE_NONE;
	if (x->name == NULL || x->name[0] == '\0' || x->w.stop)
		return;
	if (x->cut)
		obj_fact(x->o, OBJ_FACT_DOCUMENT_MALFORMED, "%s: larger than %u bytes, the rest not read",
		    x->name, PART_MAX);
	const char *name = x->name;
	while (*name == '/')
		name++;
	if (mode == MODE_XML) {
		cwalk_add(&x->w, name, (const uint8_t *)x->buf->str, x->buf->len,
		    x->kind == FLAT_OPC ? OBJ_FROM_ARCHIVE : OBJ_FROM_EMBEDDED);
	} else if (mode == MODE_BASE64) {
		gsize n = 0;
		guchar *bin = g_base64_decode(x->buf->str, &n);
		if (n > 0)
			cwalk_add(&x->w, name, bin, n,
			    x->kind == FLAT_OPC ? OBJ_FROM_ARCHIVE : OBJ_FROM_EMBEDDED);
		g_free(bin);
	}
}

/* Is target fetched from the network or a share when the document opens? */
static bool
is_remote(const char *target)
{
	while (*target == ' ' || *target == '\t')
		target++;
	return g_ascii_strncasecmp(target, "http://", 7) == 0 ||
	    g_ascii_strncasecmp(target, "https://", 8) == 0 ||
	    g_ascii_strncasecmp(target, "file:", 5) == 0 || strncmp(target, "\\\\", 2) == 0;
}

/* Is an ss:HRef a link out of the workbook (not "#Sheet1!A1")? */
static bool
is_external(const char *href)
{
	return is_remote(href) || g_ascii_strncasecmp(href, "ftp://", 6) == 0 ||
	    g_ascii_strncasecmp(href, "mailto:", 7) == 0;
}

/* ---- Flat OPC ---- */

/* A Flat OPC element: a part's name, the start of its content, or an
 * element of an XML part's content (written back). */
static void
opc_start(struct flat *x, const char *qname, const char *el, const char **an,
    const char **av)
{
	if (x->mode == MODE_XML) {
		/* an element of the part: written back as it was */
		x->xml_depth++;
		keep(x, "<", 1);
		keep(x, qname, strlen(qname));
		for (size_t i = 0; an[i] != NULL; i++) {
			keep(x, " ", 1);
			keep(x, an[i], strlen(an[i]));
			keep(x, "=\"", 2);
			keep_escaped(x, av[i], strlen(av[i]));
			keep(x, "\"", 1);
		}
		keep(x, ">", 1);
		return;
	}
	if (x->mode != MODE_NONE)
		return;
	if (strcmp(el, "part") == 0) {
		const char *name = xml_attr(an, av, "name");
		g_free(x->name);
		x->name = name != NULL ? g_strndup(name, NAME_MAX_LEN) : NULL;
	} else if (x->name != NULL && strcmp(el, "xmlData") == 0) {
		char *name = g_strdup(x->name);
		part_begin(x, name, MODE_XML);
		g_free(name);
	} else if (x->name != NULL && strcmp(el, "binaryData") == 0) {
		char *name = g_strdup(x->name);
		part_begin(x, name, MODE_BASE64);
		g_free(name);
	}
}

/* The end of a Flat OPC element: of the part's XML, or of its content
 * (the part becomes a child), or of the part. */
static void
opc_end(struct flat *x, const char *qname, const char *el)
{
	if (x->mode == MODE_XML && x->xml_depth > 0) {
		x->xml_depth--;
		keep(x, "</", 2);
		keep(x, qname, strlen(qname));
		keep(x, ">", 1);
		return;
	}
	if ((x->mode == MODE_XML && strcmp(el, "xmlData") == 0) ||
	    (x->mode == MODE_BASE64 && strcmp(el, "binaryData") == 0))
		part_end(x);
	else if (x->mode == MODE_NONE && strcmp(el, "part") == 0) {
		g_free(x->name);
		x->name = NULL;
	}
}

/* ---- Word 2003 XML ---- */

/* A Word 2003 XML element: fields, links, the template, w:binData. */
static void
word_start(struct flat *x, const char *el, const char **an, const char **av)
{
	word_fields_start(x->wf, el, an, av);
	if (strcmp(el, "hlink") == 0) {
		const char *dest = xml_attr(an, av, "dest");
		if (dest != NULL && dest[0] != '\0')
			obj_url(x->o, dest, strlen(dest));
	} else if (strcmp(el, "attachedTemplate") == 0) {
		const char *val = xml_attr(an, av, "val");
		if (val != NULL && is_remote(val)) {
			obj_url(x->o, val, strlen(val));
			obj_fact(x->o, OBJ_FACT_TEMPLATE_INJECTION, "attachedTemplate %s", val);
		}
	} else if (strcmp(el, "binData") == 0 && x->mode == MODE_NONE) {
		const char *name = xml_attr(an, av, "name");
		part_begin(x, name != NULL && name[0] != '\0' ? name : "binData", MODE_BASE64);
	}
}

/* The end of a Word 2003 XML element: a field's instruction, a w:binData
 * part (it becomes a child). */
static void
word_end(struct flat *x, const char *el)
{
	word_fields_end(x->wf, el);
	if (x->mode == MODE_BASE64 && strcmp(el, "binData") == 0)
		part_end(x);
}

/* ---- Excel 2003 XML ---- */

/* An Excel 2003 XML element: a Cell's formula and link. */
static void
excel_start(struct flat *x, const char *el, const char **an, const char **av)
{
	if (strcmp(el, "Cell") != 0)
		return;
	const char *f = xml_attr(an, av, "Formula");
	if (f != NULL && dde_formula(f, strlen(f)))
		obj_fact(x->o, OBJ_FACT_DDE_FIELD, "%.*s", (int)MIN(strlen(f), FORMULA_SHOW), f);
	const char *href = xml_attr(an, av, "HRef");
	if (href != NULL && is_external(href))
		obj_url(x->o, href, strlen(href));
}

/* ---- the parser ---- */

/* GMarkupParser callbacks: each form's reader, by o's true type. */
static void
on_start(GMarkupParseContext *c, const gchar *qname, const gchar **an,
    const gchar **av, gpointer ud, GError **err)
{
	struct flat *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	switch (x->kind) {
	case FLAT_OPC:
		opc_start(x, qname, el, an, av);
		break;
	case FLAT_WORD:
		word_start(x, el, an, av);
		break;
	case FLAT_EXCEL:
		excel_start(x, el, an, av);
		break;
	}
}

static void
on_end(GMarkupParseContext *c, const gchar *qname, gpointer ud, GError **err)
{
	struct flat *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	if (x->kind == FLAT_OPC)
		opc_end(x, qname, el);
	else if (x->kind == FLAT_WORD)
		word_end(x, el);
}

static void
on_text(GMarkupParseContext *c, const gchar *text, gsize len, gpointer ud,
    GError **err)
{
	struct flat *x = ud;

	(void)c;
	(void)err;
	if (x->mode == MODE_XML)
		keep_escaped(x, text, len);
	else if (x->mode == MODE_BASE64)
		keep(x, text, len);
	else if (x->kind == FLAT_WORD)
		word_fields_text(x->wf, text, len);
}

static const GMarkupParser parser = {
	.start_element = on_start,
	.end_element = on_end,
	.text = on_text,
};

/* Parse o as kind: the callbacks above record what is found. */
static void
flat_parse(struct obj_tree *t, struct mobj *o, enum flat_kind kind)
{
	struct flat x = { .t = t, .o = o, .kind = kind };
	const char *p = (const char *)o->data;
	size_t n = o->len;
	char *utf8 = NULL;
	bool cut = n > FLAT_MAX;

	if (p == NULL || n == 0)
		return;
	if (cut) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "flat XML larger than %u bytes, the rest not read",
		    FLAT_MAX);
		n = FLAT_MAX;
	}
	if (n >= 2 && memcmp(p, "\xff\xfe", 2) == 0) {
		gsize got = 0;
		utf8 = g_convert(p + 2, (gssize)((n - 2) & ~(size_t)1), "UTF-8", "UTF-16LE",
		    NULL, &got, NULL);
		if (utf8 == NULL) {
			obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "flat XML: bad UTF-16");
			return;
		}
		p = utf8;
		n = got;
	} else if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	cwalk_init(&x.w, t, o);
	x.buf = g_string_new(NULL);
	if (kind == FLAT_WORD)
		x.wf = word_fields_new(o);
	GMarkupParseContext *c = g_markup_parse_context_new(&parser, 0, &x, NULL);
	GError *err = NULL;
	if (!g_markup_parse_context_parse(c, p, (gssize)n, &err) ||
	    (!cut && !g_markup_parse_context_end_parse(c, &err)))
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "flat XML: %s",
		    err != NULL ? err->message : "XML error");
	if (err != NULL)
		g_error_free(err);
	g_markup_parse_context_free(c);
	if (x.wf != NULL) {
		word_fields_finish(x.wf);
		word_fields_free(x.wf);
	}
	g_string_free(x.buf, TRUE);
	g_free(x.name);
	g_free(utf8);
}

void
flatopc_analyse(struct obj_tree *t, struct mobj *o)
{
	flat_parse(t, o, FLAT_OPC);
	/* the parts are children now, named as in a zip package */
	ooxml_analyse(t, o);
}

void
wordxml_analyse(struct obj_tree *t, struct mobj *o)
{
	flat_parse(t, o, FLAT_WORD);
}

void
excelxml_analyse(struct obj_tree *t, struct mobj *o)
{
	flat_parse(t, o, FLAT_EXCEL);
}
