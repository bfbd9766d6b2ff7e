/*
 * test_ole.c - the OLE2 analyser (ole.c, xlm.c, and vba.c through it) on
 * real documents: tests/data/maldocs (see its MANIFEST.tsv) and the
 * Debian clamav-testfiles.  Every file's facts are compared whole, as
 * "path: SYMBOL (detail)" lines, and the children it carves by path, type
 * and size: a missing fact, an extra one or a different detail fails.  The
 * clean files must give no fact at all.  Then damage: every prefix of a
 * macro document, and bytes flipped in it, are analysed without a crash.
 */
#include "test_helpers.h"

#include <stdio.h>

#include "mime/message.h"
#include "objects/documents/ole.h"
#include "objects/filetype.h"
#include "objects/object.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"

static const struct mime_limits mime_lim = { 50u << 20, 200u << 20, 500, 20, 10000 };

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = &mime_lim,
	};
	return l;
}

static GPtrArray *keep;

static struct obj_tree *
tree_of(const char *dir, const char *file)
{
	struct obj_limits l = limits();
	char *path = g_build_filename(dir, file, NULL);
	size_t n = 0;
	uint8_t *b = test_load(path, &n);
	char *base = g_path_get_basename(file);
	struct obj_tree *t = obj_tree_build_file(base, b, n, &l);
	g_free(base);
	g_free(path);
	/* the root borrows the bytes: they live until the test ends */
	if (keep == NULL)
		keep = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(keep, b);
	return t;
}

/* Every document fact of the tree, one "path: SYMBOL (detail)" per line. */
static char *
facts_of(const struct obj_tree *t)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			g_string_append_printf(s, "%s: %s", o->path, obj_fact_name(f->id));
			if (f->detail != NULL)
				g_string_append_printf(s, " (%s)", f->detail);
			g_string_append_c(s, '\n');
		}
	}
	return g_string_free(s, FALSE);
}

/* Every object below the root: "path type size", one per line. */
static char *
children_of(const struct obj_tree *t)
{
	GString *s = g_string_new(NULL);
	for (guint i = 1; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		g_string_append_printf(s, "%s %s %llu\n", o->path,
		    o->type != NULL ? o->type->name : "?", (unsigned long long)o->size);
	}
	return g_string_free(s, FALSE);
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

/* The facts of a file's tree, whole; its objects too when want_children
 * is not NULL. */
static struct obj_tree *
expect(const char *dir, const char *file, const char *want_facts,
    const char *want_children)
{
	struct obj_tree *t = tree_of(dir, file);
	char *f = facts_of(t);
	assert_utf8_equal(f, want_facts);
	g_free(f);
	if (want_children != NULL) {
		char *c = children_of(t);
		assert_utf8_equal(c, want_children);
		g_free(c);
	}
	return t;
}

#define MD MAMORI_TESTDATA "/maldocs"

/* PowerPoint: the VBA project in a compressed ExOleObjStg record, and the
 * shapes' actions (ppt.c): a macro on click, a program on mouse-over. */
static void
test_ppt_vba(void **state)
{
	(void)state;
	struct obj_tree *t = expect(MD, "oletools/vba/sample_with_vba.ppt",
	    "sample_with_vba.ppt: PPT_ACTION_RUN (click: macro Action_Click)\n"
	    "sample_with_vba.ppt: VBA_MACRO (Module1)\n"
	    "sample_with_vba.ppt: VBA_AUTOEXEC (Action_Click)\n",
	    "sample_with_vba.ppt/VBA/Module1.bas vba 101\n");
	const struct mobj *m = by_path(t, "sample_with_vba.ppt/VBA/Module1.bas");
	static const char src[] = "Attribute VB_Name = \"Module1\"\r\nSub Action_Click()\r\n"
	    "  MsgBox \"The action button clicked!\"\r\nEnd Sub\r\n";
	assert_true(m->len >= sizeof(src) - 1);
	assert_memory_equal(m->data, src, sizeof(src) - 1);
	/* the module was not analysed a second time on its own */
	assert_null(m->facts);
	obj_tree_free(t);
	/* no VBA in the other one: its hover action runs a program (ppt.c) */
	t = expect(MD, "oletools/vba/mouse-over.ppt",
	    "mouse-over.ppt: PPT_ACTION_RUN (mouse-over: C:\\Windows\\System32\\calc.exe)\n", "");
	obj_tree_free(t);
}

/* ---- PowerPoint actions built record by record (ppt.c) ---- */

/* A record header ([MS-PPT] 2.3.1) and body onto a. */
static void
ppt_rec(GByteArray *a, unsigned ver, unsigned inst, uint16_t type, const void *body,
    size_t n)
{
	uint8_t h[8] = { (uint8_t)(ver | (inst & 0xF) << 4), (uint8_t)(inst >> 4),
		(uint8_t)type, (uint8_t)(type >> 8), (uint8_t)n, (uint8_t)(n >> 8),
		(uint8_t)(n >> 16), (uint8_t)(n >> 24) };
	g_byte_array_append(a, h, 8);
	g_byte_array_append(a, body, (guint)n);
}

/* A CString of ASCII s (UTF-16LE) with instance inst onto a. */
static void
ppt_cstring(GByteArray *a, unsigned inst, const char *s)
{
	GByteArray *u = g_byte_array_new();
	for (const char *c = s; *c != '\0'; c++) {
		uint8_t w[2] = { (uint8_t)*c, 0 };
		g_byte_array_append(u, w, 2);
	}
	ppt_rec(a, 0, inst, 0x0FBA, u->data, u->len);
	g_byte_array_unref(u);
}

/* An InteractiveInfo container (inst 0 click, 1 mouse-over) with its
 * atom (action, exHyperlinkIdRef) and, when name is not NULL, a
 * MacroNameAtom. */
static void
ppt_action(GByteArray *a, unsigned inst, uint8_t action, uint32_t link, const char *name)
{
	uint8_t atom[16] = { 0 };
	atom[4] = (uint8_t)link;
	atom[8] = action;
	GByteArray *c = g_byte_array_new();
	ppt_rec(c, 0, 0, 0x0FF3, atom, sizeof(atom));
	if (name != NULL)
		ppt_cstring(c, 2, name);
	ppt_rec(a, 0xF, inst, 0x0FF2, c->data, c->len);
	g_byte_array_unref(c);
}

static char *
ppt_facts(const uint8_t *p, size_t n)
{
	struct mobj o = { .path = (char *)"x.ppt" };
	GString *s = g_string_new(NULL);

	ppt_binary_actions(NULL, &o, p, n);
	for (guint k = 0; o.facts != NULL && k < o.facts->len; k++) {
		struct obj_fact *f = &g_array_index(o.facts, struct obj_fact, k);
		g_string_append_printf(s, "%s (%s)\n", obj_fact_name(f->id), f->detail);
		g_free(f->detail);
	}
	if (o.facts != NULL)
		g_array_unref(o.facts);
	return g_string_free(s, FALSE);
}

/*
 * A program named by a hyperlink (no MacroNameAtom), a program named by
 * its MacroNameAtom, a macro on mouse-over, a hyperlink action (not
 * reported), inside a document container; then every prefix of the
 * stream (cut records) is read without a crash, never with more facts.
 */
static void
test_ppt_actions(void **state)
{
	(void)state;
	GByteArray *links = g_byte_array_new(), *doc = g_byte_array_new();
	GByteArray *a = g_byte_array_new();
	uint8_t id[4] = { 7, 0, 0, 0 };
	ppt_rec(links, 0, 0, 0x0FD3, id, 4);
	ppt_cstring(links, 0, "friendly");
	ppt_cstring(links, 1, "C:\\tools\\run.exe /q");
	ppt_rec(doc, 0xF, 0, 0x0FD7, links->data, links->len);
	ppt_action(doc, 0, 2, 7, NULL);
	ppt_action(doc, 0, 2, 0, "cmd.exe /c calc");
	ppt_action(doc, 1, 1, 0, "Module1.Go");
	ppt_action(doc, 0, 4, 7, NULL);
	ppt_rec(a, 0xF, 0, 0x03E8, doc->data, doc->len);

	char *f = ppt_facts(a->data, a->len);
	assert_utf8_equal(f, "PPT_ACTION_RUN (click: C:\\tools\\run.exe /q)\n"
	    "PPT_ACTION_RUN (click: cmd.exe /c calc)\n"
	    "PPT_ACTION_RUN (mouse-over: macro Module1.Go)\n");
	g_free(f);
	for (size_t cut = 0; cut < a->len; cut++) {
		f = ppt_facts(a->data, cut);
		unsigned lines = 0;
		for (const char *c = f; *c != '\0'; c++)
			lines += *c == '\n';
		assert_true(lines <= 3);
		g_free(f);
	}
	g_byte_array_unref(a);
	g_byte_array_unref(doc);
	g_byte_array_unref(links);
}

/* Excel: _VBA_PROJECT_CUR/VBA, three modules; the workbook is RC4
 * encrypted (FILEPASS) but its VBA storage is not. */
static void
test_xls_vba(void **state)
{
	(void)state;
	const char *x = "autostart-encrypt-standardpassword.xls";
	struct obj_tree *t = expect(MD, "oletools/encrypted/autostart-encrypt-standardpassword.xls",
	    "autostart-encrypt-standardpassword.xls: ENCRYPTED_OFFICE (RC4)\n"
	    "autostart-encrypt-standardpassword.xls: VBA_MACRO (Modul1, DieseArbeitsmappe, Tabelle1)\n"
	    "autostart-encrypt-standardpassword.xls: VBA_AUTOEXEC (Auto_Open)\n",
	    "autostart-encrypt-standardpassword.xls/VBA/Modul1.bas vba 79\n"
	    "autostart-encrypt-standardpassword.xls/VBA/DieseArbeitsmappe.bas vba 310\n"
	    "autostart-encrypt-standardpassword.xls/VBA/Tabelle1.bas vba 301\n");
	char *p = g_strdup_printf("%s/VBA/Modul1.bas", x);
	const struct mobj *m = by_path(t, p);
	g_free(p);
	static const char src[] = "Attribute VB_Name = \"Modul1\"\r\nSub Auto_Open()\r\n"
	    " MsgBox \"Hello World\"\r\nEnd Sub\r\n";
	assert_int_equal(m->len, sizeof(src) - 1);
	assert_memory_equal(m->data, src, sizeof(src) - 1);
	obj_tree_free(t);
}

/* A vbaProject.bin on its own, and inside a .docx (which cannot run it). */
static void
test_vba_project_bin(void **state)
{
	(void)state;
	struct obj_tree *t = expect(MAMORI_TESTDATA "/ole", "vbaProject.bin",
	    "vbaProject.bin: VBA_MACRO (Module1)\n"
	    "vbaProject.bin: VBA_AUTOEXEC (Action_Click)\n",
	    "vbaProject.bin/VBA/Module1.bas vba 101\n");
	obj_tree_free(t);
	t = expect(MAMORI_TESTDATA "/ole", "macro-in-docx.docx",
	    "macro-in-docx.docx/word/vbaProject.bin: VBA_MACRO (Module1)\n"
	    "macro-in-docx.docx/word/vbaProject.bin: VBA_IN_MACRO_FREE_FORMAT (docx)\n"
	    "macro-in-docx.docx/word/vbaProject.bin: VBA_AUTOEXEC (Action_Click)\n", NULL);
	assert_non_null(by_path(t, "macro-in-docx.docx/word/vbaProject.bin/VBA/Module1.bas"));
	obj_tree_free(t);
}

static void
test_xlm(void **state)
{
	(void)state;
	struct obj_tree *t = expect(MD, "oletools/xlm/excel4_sample_macro.xls",
	    "excel4_sample_macro.xls: XLM_MACRO (Macro1)\n"
	    "excel4_sample_macro.xls: XLM_AUTOEXEC (Auto_Open)\n", "");
	obj_tree_free(t);
}

/* The URLs of an object, one per line. */
static char *
urls_of(const struct mobj *o)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; o->urls != NULL && k < o->urls->len; k++)
		g_string_append_printf(s, "%s\n", (const char *)g_ptr_array_index(o->urls, k));
	return g_string_free(s, FALSE);
}

/*
 * A URL in a string constant of an Excel 4.0 formula: the sample's
 * ALERT("This is a sample Excel 4 macro") with its 30 characters
 * overwritten in place by a string of the same length.
 */
static void
test_xlm_url(void **state)
{
	(void)state;
	static const char old[] = "This is a sample Excel 4 macro";
	static const char new[] = "get https://xlm.example/p.exe.";
	G_STATIC_ASSERT(sizeof old == sizeof new);
	char *path = g_build_filename(MD, "oletools/xlm/excel4_sample_macro.xls", NULL);
	size_t n = 0;
	uint8_t *b = test_load(path, &n);
	g_free(path);
	uint8_t *at = memmem(b, n, old, sizeof old - 1);
	assert_non_null(at);
	assert_int_equal(at[-3], 0x17);		/* PtgStr, 30 characters, 8-bit */
	assert_int_equal(at[-2], sizeof old - 1);
	memcpy(at, new, sizeof new - 1);
	struct obj_limits l = limits();
	struct obj_tree *t = obj_tree_build_file("x.xls", b, n, &l);
	const struct mobj *root = g_ptr_array_index(t->all, 0);
	char *u = urls_of(root);
	assert_string_equal(u, "https://xlm.example/p.exe\n");
	g_free(u);
	/* the facts: a URL in a macro's string is suspicious, as before */
	char *f = facts_of(t);
	assert_string_equal(f, "x.xls: XLM_MACRO (Macro1)\nx.xls: XLM_AUTOEXEC (Auto_Open)\n"
	    "x.xls: XLM_SUSPICIOUS_FORMULA (\"get https://xlm.example/p.exe.\")\n");
	g_free(f);
	obj_tree_free(t);
	g_free(b);
}

static void
rec(GByteArray *w, uint16_t type, const void *d, size_t n)
{
	uint8_t h[4] = { type & 0xff, type >> 8, n & 0xff, n >> 8 };
	g_byte_array_append(w, h, 4);
	g_byte_array_append(w, d, (guint)n);
}

/* A FORMULA record: cell, result, flags (20 bytes), cce, rgce. */
static void
formula(GByteArray *w, const uint8_t *rgce, size_t n)
{
	uint8_t d[22 + 256] = { 0 };
	assert_true(n <= 256);
	d[20] = (uint8_t)n;
	memcpy(d + 22, rgce, n);
	rec(w, 0x0006, d, 22 + n);
}

/* PtgStr with an 8-bit string. */
static size_t
ptgstr(uint8_t *p, const char *s)
{
	size_t n = strlen(s);
	p[0] = 0x17;
	p[1] = (uint8_t)n;
	p[2] = 0;
	memcpy(p + 3, s, n);
	return 3 + n;
}

/*
 * Formulas of a macro sheet, built record by record: string constants
 * joined by PtgConcat are one URL; a string used otherwise is read alone;
 * a STRING record (a formula's cached result) is read; a worksheet's
 * formulas are not.
 */
static void
test_xlm_url_records(void **state)
{
	(void)state;
	GByteArray *w = g_byte_array_new();
	uint8_t bof_macro[16] = { 0x00, 0x06, 0x40, 0x00 };
	uint8_t bof_sheet[16] = { 0x00, 0x06, 0x10, 0x00 };
	uint8_t r[256];
	size_t n;

	rec(w, 0x0809, bof_macro, sizeof bof_macro);
	/* "https://" & "joined.example/x" */
	n = ptgstr(r, "https://");
	n += ptgstr(r + n, "joined.example/x");
	r[n++] = 0x08;
	formula(w, r, n);
	/* "http://a.example/", 2 (an Int: the string is done), "b" & */
	n = ptgstr(r, "http://a.example/");
	r[n++] = 0x1E;
	r[n++] = 2;
	r[n++] = 0;
	n += ptgstr(r + n, "b");
	r[n++] = 0x08;
	formula(w, r, n);
	/* ("https://" & ("paren.example/" & "y")): parentheses keep the stack */
	n = ptgstr(r, "https://");
	n += ptgstr(r + n, "paren.example/");
	n += ptgstr(r + n, "y");
	r[n++] = 0x08;
	r[n++] = 0x15;
	r[n++] = 0x08;
	formula(w, r, n);
	/* a STRING record: cch (2), fHighByte, characters */
	static const char cached[] = "\x1d\x00\x00" "cached ftp://cached.example/z";
	rec(w, 0x0207, cached, sizeof cached - 1);
	rec(w, 0x000A, NULL, 0);
	/* a worksheet: its formulas are not read */
	rec(w, 0x0809, bof_sheet, sizeof bof_sheet);
	n = ptgstr(r, "https://worksheet.example/");
	formula(w, r, n);
	rec(w, 0x000A, NULL, 0);

	struct mobj *o = g_new0(struct mobj, 1);
	xlm_analyse_workbook(NULL, o, w->data, w->len);
	char *u = urls_of(o);
	assert_string_equal(u, "https://joined.example/x\nhttp://a.example/\n"
	    "https://paren.example/y\nftp://cached.example/z\n");
	g_free(u);
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++)
		g_free(g_array_index(o->facts, struct obj_fact, k).detail);
	if (o->facts != NULL)
		g_array_unref(o->facts);
	g_ptr_array_unref(o->urls);
	g_free(o);
	g_byte_array_unref(w);
}

static void
test_encrypted(void **state)
{
	(void)state;
	static const struct {
		const char *file, *facts;
	} cases[] = {
		{ "oletools/encrypted/encrypted.doc", "encrypted.doc: ENCRYPTED_OFFICE (RC4/CryptoAPI)\n" },
		{ "oletools/encrypted/encrypted.docx", "encrypted.docx: ENCRYPTED_OFFICE (OOXML Agile)\n" },
		{ "oletools/encrypted/encrypted.xls", "encrypted.xls: ENCRYPTED_OFFICE (RC4)\n" },
		{ "oletools/encrypted/encrypted.xlsx", "encrypted.xlsx: ENCRYPTED_OFFICE (OOXML Agile)\n" },
		{ "strelka/test_password.docx", "test_password.docx: ENCRYPTED_OFFICE (OOXML Agile)\n" },
		{ "clamav/password.fat.doc", "password.fat.doc: ENCRYPTED_OFFICE (RC4/CryptoAPI)\n" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct obj_tree *t = expect(MD, cases[i].file, cases[i].facts, "");
		obj_tree_free(t);
	}
}

static void
test_dde_doc(void **state)
{
	(void)state;
	struct obj_tree *t = expect(MD, "oletools/dde/dde-test-from-office2003.doc",
	    "dde-test-from-office2003.doc: DDE_FIELD (DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\")\n"
	    "dde-test-from-office2003.doc: DDE_FIELD (DDE c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\")\n"
	    "dde-test-from-office2003.doc: DDE_FIELD (ddeauto \xc3\xbcnic\xc3\xb6" "de-test)\n", "");
	obj_tree_free(t);
}

static void
expect_md5(const struct obj_tree *t, const char *path, const char *md5)
{
	const struct mobj *o = by_path(t, path);
	char h[33];
	assert_non_null(o);
	obj_hex(o->md5, 16, h);
	assert_string_equal(h, md5);
}

/* Ole10Native packages: carved children of their own type. */
static void
test_embedded(void **state)
{
	(void)state;
	struct obj_tree *t = expect(MD, "oletools/oleobj/sample_with_calc_embedded.doc",
	    "sample_with_calc_embedded.doc: OLE_EMBEDDED_OBJECT (calc.exe)\n",
	    "sample_with_calc_embedded.doc/calc.exe pe 31232\n");
	obj_tree_free(t);
	t = expect(MD, "oletools/oleobj/sample_with_lnk_file.doc",
	    "sample_with_lnk_file.doc: OLE_EMBEDDED_OBJECT (calc.lnk)\n"
	    /* the carved shortcut is analysed in turn */
	    "sample_with_lnk_file.doc/calc.lnk: LNK_FILE (C:\\Windows\\System32\\calc.exe; machine gwt-7-32-ol2003)\n",
	    "sample_with_lnk_file.doc/calc.lnk lnk 1220\n");
	obj_tree_free(t);
	t = expect(MD, "oletools/oleobj/embedded-simple-2007.docx",
	    "embedded-simple-2007.docx/word/embeddings/oleObject1.bin: OLE_EMBEDDED_OBJECT (simple-text-file.txt)\n",
	    NULL);
	assert_non_null(by_path(t, "embedded-simple-2007.docx/word/embeddings/oleObject1.bin/simple-text-file.txt"));
	obj_tree_free(t);
	/* ClamAV's: clam.exe in a Word ObjectPool, and in a PowerPoint
	 * ExOleObjStg (a compressed compound file inside the stream) */
	t = expect(CLAMAV_DIR, "clam.ole.doc", "clam.ole.doc: OLE_EMBEDDED_OBJECT (Clam.exe)\n",
	    "clam.ole.doc/Clam.exe pe 544\n");
	expect_md5(t, "clam.ole.doc/Clam.exe", "aa15bcf478d165efd2065190eb473bcb");
	obj_tree_free(t);
	t = expect(CLAMAV_DIR, "clam.ppt", "clam.ppt: OLE_EMBEDDED_OBJECT (clam.exe)\n",
	    "clam.ppt/clam.exe pe 544\n");
	expect_md5(t, "clam.ppt/clam.exe", "aa15bcf478d165efd2065190eb473bcb");
	obj_tree_free(t);
}

/* No document fact at all on the clean files. */
static void
test_clean(void **state)
{
	(void)state;
	static const char *const files[] = { "oletools/clean/harmless-clean.doc",
		"oletools/clean/harmless-clean.docx", "strelka/test.doc",
		"strelka/test.docx", "clamav/has_png_and_jpeg.xls", "oletools/other/text",
		"strelka/test.eml" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		struct obj_tree *t = expect(MD, files[i], "", NULL);
		obj_tree_free(t);
	}
}

/*
 * Damage: every 256-byte prefix of the macro documents, and copies with
 * bytes overwritten (a fixed pseudo-random sequence), are analysed without
 * a crash (ASan runs this too); a cut file never yields more modules than
 * the whole one.
 */
static void
test_damage(void **state)
{
	(void)state;
	static const char *const files[] = { "oletools/vba/sample_with_vba.ppt",
		"oletools/encrypted/autostart-encrypt-standardpassword.xls",
		"oletools/xlm/excel4_sample_macro.xls",
		"oletools/dde/dde-test-from-office2003.doc",
		"oletools/oleobj/sample_with_lnk_file.doc" };
	struct obj_limits l = limits();
	GRand *r = g_rand_new_with_seed(20240501);
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = g_build_filename(MD, files[i], NULL);
		size_t n = 0;
		uint8_t *b = test_load(path, &n);
		g_free(path);
		for (size_t cut = 0; cut < n; cut += 256) {
			struct obj_tree *t = obj_tree_build_file("x.doc", b, cut, &l);
			assert_true(t->all->len <= 8);
			obj_tree_free(t);
		}
		uint8_t *c = g_memdup2(b, n);
		for (unsigned k = 0; k < 60; k++) {
			memcpy(c, b, n);
			for (unsigned j = 0; j < 16; j++)
				c[g_rand_int_range(r, 0, (gint32)n)] = (uint8_t)g_rand_int(r);
			struct obj_tree *t = obj_tree_build_file("x.doc", c, n, &l);
			obj_tree_free(t);
		}
		g_free(c);
		g_free(b);
	}
	g_rand_free(r);
}


/* Formula tokens decompiled to text for the XLM evaluator (xlm.c). */
static void
test_xlm_formula_text(void **state)
{
	(void)state;
	uint8_t r[256];
	size_t n = 0;
	/* FORMULA(CHAR(104)&"ttp://x.example/",R5C1): PtgInt, PtgFunc CHAR,
	 * PtgStr, PtgConcat, PtgRef, PtgFuncVar (Cetab FORMULA) */
	r[n++] = 0x1E; r[n++] = 104; r[n++] = 0;
	r[n++] = 0x41; r[n++] = 111; r[n++] = 0;
	n += ptgstr(r + n, "ttp://x.example/\"q");
	r[n++] = 0x08;
	r[n++] = 0x44; r[n++] = 4; r[n++] = 0; r[n++] = 0; r[n++] = 0xC0;
	r[n++] = 0x62; r[n++] = 2; r[n++] = 0x60; r[n++] = 0x80;
	char *t = xlm_formula_text(r, n, false);
	assert_non_null(t);
	assert_string_equal(t, "=FORMULA(CHAR(104)&\"ttp://x.example/\"\"q\",R5C1)");
	g_free(t);
	/* CALL("urlmon",,1.5,TRUE,-(2)) with a missing argument, a PtgNum,
	 * PtgBool, PtgParen and unary minus; PtgRefN relative */
	n = 0;
	n += ptgstr(r + n, "urlmon");
	r[n++] = 0x16;
	r[n++] = 0x1F;
	double d = 1.5;
	memcpy(r + n, &d, 8);
	n += 8;
	r[n++] = 0x1D; r[n++] = 1;
	r[n++] = 0x1E; r[n++] = 2; r[n++] = 0;
	r[n++] = 0x15;
	r[n++] = 0x13;
	r[n++] = 0x4C; r[n++] = 0xFF; r[n++] = 0xFF; r[n++] = 0x02; r[n++] = 0xC0;
	r[n++] = 0x42; r[n++] = 6; r[n++] = 150; r[n++] = 0;
	t = xlm_formula_text(r, n, false);
	assert_non_null(t);
	assert_string_equal(t, "=CALL(\"urlmon\",,1.5,TRUE,-(2),R[-1]C[2])");
	g_free(t);
	/* an unknown Ptg, or a PtgFunc whose argument count is not known:
	 * no text */
	n = 0;
	r[n++] = 0x1E; r[n++] = 1; r[n++] = 0;
	r[n++] = 0x41; r[n++] = 0xFF; r[n++] = 0x00;	/* Ftab 255 as PtgFunc */
	assert_null(xlm_formula_text(r, n, false));
	r[0] = 0x18;	/* PtgExtend */
	assert_null(xlm_formula_text(r, 1, false));
	/* BIFF12 (.xlsb): PtgStr with a 2-byte count and UTF-16, PtgRef with a
	 * 4-byte row, PtgAreaN relative (row -1, column -2 in 14 bits) */
	n = 0;
	r[n++] = 0x17; r[n++] = 3; r[n++] = 0;
	r[n++] = 'c'; r[n++] = 0; r[n++] = 'm'; r[n++] = 0; r[n++] = 'd'; r[n++] = 0;
	r[n++] = 0x44; r[n++] = 0x00; r[n++] = 0x00; r[n++] = 0x01; r[n++] = 0x00;
	r[n++] = 0x02; r[n++] = 0x00;			/* R65537C3 */
	r[n++] = 0x08;
	r[n++] = 0x4D;
	r[n++] = 0xFF; r[n++] = 0xFF; r[n++] = 0xFF; r[n++] = 0xFF;	/* rwFirst -1 */
	r[n++] = 0x00; r[n++] = 0x00; r[n++] = 0x00; r[n++] = 0x00;	/* rwLast 0 */
	r[n++] = 0xFE; r[n++] = 0xFF;		/* colFirst -2, both relative */
	r[n++] = 0x00; r[n++] = 0xC0;		/* colLast 0, both relative */
	r[n++] = 0x42; r[n++] = 2; r[n++] = 110; r[n++] = 0;
	t = xlm_formula_text(r, n, true);
	assert_non_null(t);
	assert_string_equal(t, "=EXEC(\"cmd\"&R65537C3,R[-1]C[-2]:R[0]C[0])");
	g_free(t);
	/* the BIFF8 reading of the same bytes is not that formula */
	t = xlm_formula_text(r, n, false);
	assert_true(t == NULL || strcmp(t, "=EXEC(\"cmd\"&R65537C3,R[-1]C[-2]:R[0]C[0])") != 0);
	g_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ppt_vba),
		cmocka_unit_test(test_ppt_actions),
		cmocka_unit_test(test_xls_vba),
		cmocka_unit_test(test_vba_project_bin),
		cmocka_unit_test(test_xlm),
		cmocka_unit_test(test_xlm_url),
		cmocka_unit_test(test_xlm_url_records),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_dde_doc),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_xlm_formula_text),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	if (keep != NULL)
		g_ptr_array_unref(keep);
	return r;
}
