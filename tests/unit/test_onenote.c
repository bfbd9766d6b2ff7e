/*
 * test_onenote.c - files carved out of OneNote sections
 * (src/objects/documents/onenote.c): strelka's test.one (a .docx and a PNG), ClamAV's
 * clam.exe.2010.one (52 PNG and clam.exe), a copy of test.one with an HTA
 * and a batch file spliced in where the .docx was, every prefix of
 * test.one, and a cbLength larger than the file.
 */
#include "test_helpers.h"

#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"

#define CLAM_MD5 "aa15bcf478d165efd2065190eb473bcb"

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

static uint8_t *
load(const char *file, size_t *n)
{
	char *path = g_build_filename(MAMORI_TESTDATA, "maldocs", file, NULL);
	gchar *b = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &b, &len, NULL)) {
		print_error("missing %s\n", path);
		fail();
	}
	g_free(path);
	*n = len;
	return (uint8_t *)b;
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
	}
}

static unsigned
count_facts(const struct mobj *o, const char *sym, const char *detail)
{
	unsigned n = 0;
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		if (strcmp(obj_fact_name(f->id), sym) == 0 &&
		    (detail == NULL || g_strcmp0(f->detail, detail) == 0))
			n++;
	}
	return n;
}

static const struct mobj *
child(const struct mobj *o, guint i)
{
	assert_true(i < o->children->len);
	return g_ptr_array_index(o->children, i);
}

static void
assert_child(const struct mobj *c, const char *name, const char *type, uint64_t size)
{
	assert_utf8_equal(c->name, name);
	assert_string_equal(c->type->name, type);
	assert_int_equal(c->size, size);
	assert_int_equal(c->origin, OBJ_FROM_EMBEDDED);
}

static void
test_strelka(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load("strelka/test.one", &n);
	struct obj_tree *t = obj_tree_build_file("test.one", d, n, &l);
	const struct mobj *o = g_ptr_array_index(t->all, 0);

	assert_string_equal(o->type->name, "onenote");
	if (o->children->len != 2 || o->facts == NULL || o->facts->len != 2)
		dump(t);
	assert_int_equal(o->children->len, 2);
	/* the extensions OneNote recorded for them */
	assert_child(child(o, 0), "embedded1.docx", "docx", 36980);
	assert_child(child(o, 1), "embedded2.png", "png", 1433);
	assert_int_equal(memcmp(child(o, 0)->data, d + 0x22f0 + 36, 36980), 0);
	assert_int_equal(count_facts(o, "ONENOTE_EMBEDDED_FILE", "embedded1.docx, 36980 bytes"), 1);
	assert_int_equal(count_facts(o, "ONENOTE_EMBEDDED_FILE", "embedded2.png, 1433 bytes"), 1);
	assert_int_equal(o->facts->len, 2);
	/* the docx is strelka's test.docx: a clean document */
	size_t dn;
	uint8_t *docx = load("strelka/test.docx", &dn);
	assert_int_equal(dn, 36980);
	assert_int_equal(memcmp(docx, child(o, 0)->data, dn), 0);
	g_free(docx);
	obj_tree_free(t);
	g_free(d);
}

static void
test_clam(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load("clamav/clam.exe.2010.one", &n);
	struct obj_tree *t = obj_tree_build_file("clam.one", d, n, &l);
	const struct mobj *o = g_ptr_array_index(t->all, 0);
	unsigned png = 0, pe = 0;

	assert_string_equal(o->type->name, "onenote");
	/* 53 FileDataStoreObjects (52 PNG + clam.exe; the manifest says 52) */
	assert_int_equal(o->children->len, 53);
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = child(o, i);
		if (strcmp(c->type->name, "png") == 0) {
			png++;
			assert_true(g_str_has_suffix(c->name, ".png"));
		} else if (strcmp(c->type->name, "pe") == 0) {
			char md5[33];
			obj_hex(c->md5, 16, md5);
			assert_string_equal(md5, CLAM_MD5);
			assert_int_equal(c->size, 544);
			assert_utf8_equal(c->name, "embedded2.exe");
			pe++;
		}
	}
	assert_int_equal(png, 52);
	assert_int_equal(pe, 1);
	assert_int_equal(count_facts(o, "ONENOTE_EMBEDDED_FILE", NULL), 53);
	assert_int_equal(count_facts(o, "ONENOTE_EMBEDDED_FILE", "embedded2.exe, 544 bytes"), 1);
	assert_int_equal(count_facts(o, "DOCUMENT_MALFORMED", NULL), 0);
	obj_tree_free(t);
	g_free(d);
}

static const uint8_t guid_header[16] = {
	0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45,
	0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC,
};
static const uint8_t guid_footer[16] = {
	0x22, 0xA7, 0xFB, 0x71, 0x79, 0x0F, 0x0B, 0x4A,
	0xBB, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6B, 0x24,
};

/*
 * test.one with payload written where the .docx was, as a dropper's
 * section would carry it: cbLength, data, padding, footer; the rest of
 * the old file's room zeroed.  ext, if not NULL, replaces the recorded
 * extension (".docx", 5 characters) with one of up to 5 characters.
 */
static uint8_t *
splice(const uint8_t *d, size_t n, const char *payload, const char *ext)
{
	uint8_t *c = g_memdup2(d, n);
	size_t at = 0x22f0, old_end = at + ((36 + 36980 + 7) & ~(size_t)7) + 16;
	size_t pn = strlen(payload);

	assert_int_equal(memcmp(c + at, guid_header, 16), 0);
	memset(c + at + 16, 0, old_end - at - 16);
	for (int i = 0; i < 8; i++)
		c[at + 16 + (size_t)i] = (uint8_t)((uint64_t)pn >> (8 * i));
	memcpy(c + at + 36, payload, pn);
	memcpy(c + at + ((36 + pn + 7) & ~(size_t)7), guid_footer, 16);
	if (ext != NULL) {
		/* the Extension string after the "<ifndf>{GUID}" reference */
		static const uint8_t ref[] = "<\0i\0f\0n\0d\0f\0>\0";
		static const uint8_t docx[] = "\5\0\0\0.\0d\0o\0c\0x\0";
		uint8_t *e = NULL;
		for (uint8_t *r = c; e == NULL &&
		    (r = memmem(r, n - (size_t)(r - c), ref, sizeof(ref) - 1)) != NULL; r++)
			if (memcmp(r + 90, docx, sizeof(docx) - 1) == 0)
				e = r + 94;
		assert_non_null(e);
		size_t en = strlen(ext);
		e[-4] = (uint8_t)en;
		memset(e, 0, 10);
		for (size_t i = 0; i < en; i++)
			e[2 * i] = (uint8_t)ext[i];
	}
	return c;
}

static void
test_spliced(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load("strelka/test.one", &n);
	static const char hta[] = "<html><head><hta:application id=\"x\" windowstate=\"minimize\"/>"
	    "<script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"calc\""
	    "</script></head></html>\r\n";

	/* the HTA, under the recorded ".docx": typed by its content */
	uint8_t *c = splice(d, n, hta, NULL);
	struct obj_tree *t = obj_tree_build_file("notes.one", c, n, &l);
	const struct mobj *o = g_ptr_array_index(t->all, 0);
	assert_int_equal(o->children->len, 2);
	assert_child(child(o, 0), "embedded1.docx", "hta", strlen(hta));
	assert_child(child(o, 1), "embedded2.png", "png", 1433);
	assert_int_equal(count_facts(o, "DOCUMENT_MALFORMED", NULL), 0);
	obj_tree_free(t);
	g_free(c);

	/* a batch file, with its recorded extension ".bat" */
	static const char bat[] = "@echo off\r\nstart /min powershell -w hidden -c calc\r\n";
	c = splice(d, n, bat, ".bat");
	t = obj_tree_build_file("notes.one", c, n, &l);
	o = g_ptr_array_index(t->all, 0);
	if (o->children->len != 2)
		dump(t);
	assert_int_equal(o->children->len, 2);
	assert_utf8_equal(child(o, 0)->name, "embedded1.bat");
	assert_int_equal(child(o, 0)->size, strlen(bat));
	assert_int_equal(memcmp(child(o, 0)->data, bat, strlen(bat)), 0);
	assert_int_equal(count_facts(o, "ONENOTE_EMBEDDED_FILE", "embedded1.bat, 52 bytes"), 1);
	obj_tree_free(t);
	g_free(c);

	/* the HTA with no recorded extension: one from its content */
	c = splice(d, n, hta, NULL);
	static const uint8_t ifndf[] = "<\0i\0f\0n\0d\0f\0>\0";
	for (uint8_t *e = c; (e = memmem(e, n - (size_t)(e - c), ifndf, sizeof(ifndf) - 1)) != NULL; )
		*e++ = 'X';
	t = obj_tree_build_file("notes.one", c, n, &l);
	o = g_ptr_array_index(t->all, 0);
	assert_child(child(o, 0), "embedded1.hta", "hta", strlen(hta));
	assert_child(child(o, 1), "embedded2.png", "png", 1433);
	obj_tree_free(t);
	g_free(c);
	g_free(d);
}

/* Prefixes: no crash, no child beyond the end, cut files flagged.  Every
 * prefix up to the docx's data and around the PNG, every third in the
 * docx's body and after (the whole run, 53,000 trees, is too slow under
 * ASan for the unit timeout).  Depth 1: the children are carved and
 * typed, not unpacked; unpacking a cut docx is archive.c's business. */
static void
test_prefixes(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load("strelka/test.one", &n);

	l.depth = 1;
	for (size_t k = 16; k <= n; k += (k < 0x2400 || (k > 0xbab0 && k < 0xc100)) ? 1 : 3) {
		struct obj_tree *t = obj_tree_build_file("x.one", d, k, &l);
		const struct mobj *o = g_ptr_array_index(t->all, 0);
		unsigned want = k >= 0xbab8 + 36 ? 2 : k >= 0x22f0 + 36 ? 1 : 0;
		assert_string_equal(o->type->name, "onenote");
		assert_int_equal(o->children->len, want);
		bool cut = false;
		for (guint i = 0; i < o->children->len; i++) {
			const struct mobj *c = child(o, i);
			uint64_t full = i == 0 ? 36980 : 1433;
			bool whole = k >= (i == 0 ? 0x22f0u : 0xbab8u) + 36 + full;
			assert_int_equal((c->flags & OBJ_DAMAGED) != 0, !whole);
			assert_true(c->size <= (whole ? full : k - (i == 0 ? 0x22f0u : 0xbab8u) - 36));
			cut |= !whole;
		}
		if (cut)
			assert_true(count_facts(o, "DOCUMENT_MALFORMED", NULL) >= 1);
		obj_tree_free(t);
	}
	g_free(d);
}

static void
test_lying_length(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load("strelka/test.one", &n);
	uint8_t *c = g_memdup2(d, n);
	/* the PNG's cbLength: 2^63 + 5 */
	memset(c + 0xbab8 + 16, 0, 8);
	c[0xbab8 + 16] = 5;
	c[0xbab8 + 23] = 0x80;
	struct obj_tree *t = obj_tree_build_file("x.one", c, n, &l);
	const struct mobj *o = g_ptr_array_index(t->all, 0);
	assert_int_equal(o->children->len, 2);
	const struct mobj *p = child(o, 1);
	assert_int_equal(p->size, n - 0xbab8 - 36);
	assert_true(p->flags & OBJ_DAMAGED);
	char *want = g_strdup_printf("embedded2.png: FileDataStoreObject at 0xbab8 claims "
	    "9223372036854775813 bytes, %zu remain", n - 0xbab8 - 36);
	assert_int_equal(count_facts(o, "DOCUMENT_MALFORMED", want), 1);
	g_free(want);
	obj_tree_free(t);

	/* a header GUID in the last 35 bytes */
	memcpy(c, d, n);
	memcpy(c + n - 20, guid_header, 16);
	t = obj_tree_build_file("x.one", c, n, &l);
	o = g_ptr_array_index(t->all, 0);
	assert_int_equal(o->children->len, 2);
	assert_int_equal(count_facts(o, "DOCUMENT_MALFORMED", NULL), 1);
	obj_tree_free(t);
	g_free(c);
	g_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strelka),
		cmocka_unit_test(test_clam),
		cmocka_unit_test(test_spliced),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_lying_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
