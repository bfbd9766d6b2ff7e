/*
 * test_vba.c - vba.c: the [MS-OVBA] 2.4.1 decompressor on the examples of
 * the specification (section 3.2: no compression, normal compression,
 * maximum compression) and on damage; the dir stream reader; and the
 * olevba/mraptor-style source analysis on strelka's test.vba and on
 * made-up sources for each verdict and obfuscation technique.
 */
#include "test_helpers.h"

#include "objects/object.h"
#include "objects/documents/ole.h"

static void
expect_plain(const uint8_t *c, size_t clen, const char *want)
{
	size_t n = 0;
	bool bad = false;
	uint8_t *out = vba_decompress(c, clen, 1u << 20, &n, &bad);
	assert_non_null(out);
	assert_false(bad);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	g_free(out);
}

/* [MS-OVBA] 3.2.1 */
static void
test_no_compression(void **state)
{
	(void)state;
	static const uint8_t c[] = { 0x01, 0x19, 0xB0, 0x00, 0x61, 0x62, 0x63, 0x64,
		0x65, 0x66, 0x67, 0x68, 0x00, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
		0x70, 0x00, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x2E };
	expect_plain(c, sizeof(c), "abcdefghijklmnopqrstuv.");
}

/* [MS-OVBA] 3.2.2 */
static void
test_normal_compression(void **state)
{
	(void)state;
	static const uint8_t c[] = { 0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61,
		0x62, 0x63, 0x64, 0x65, 0x82, 0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69,
		0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00, 0x20, 0x6D, 0x6E, 0x6F,
		0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x00, 0x72, 0x73, 0x74, 0x75, 0x76,
		0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x2C };
	expect_plain(c, sizeof(c),
	    "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
}

/* [MS-OVBA] 3.2.3: one literal and one CopyToken of the longest length
 * (0x45 + 3 = 72 at offset 1): 73 a's. */
static void
test_max_compression(void **state)
{
	(void)state;
	static const uint8_t c[] = { 0x01, 0x03, 0xB0, 0x02, 0x61, 0x45, 0x00 };
	char want[74];
	memset(want, 'a', 73);
	want[73] = '\0';
	expect_plain(c, sizeof(c), want);
}

/* A raw (uncompressed) chunk: header flag 0, 4096 bytes as they are. */
static void
test_raw_chunk(void **state)
{
	(void)state;
	uint8_t c[3 + 4096];
	c[0] = 0x01;
	c[1] = 0xFF;	/* size 4098 - 3 = 0xFFF, signature 3, flag 0 */
	c[2] = 0x3F;
	for (size_t i = 0; i < 4096; i++)
		c[3 + i] = (uint8_t)('a' + i % 26);
	size_t n = 0;
	bool bad = false;
	uint8_t *out = vba_decompress(c, sizeof(c), 1u << 20, &n, &bad);
	assert_false(bad);
	assert_int_equal(n, 4096);
	assert_memory_equal(out, c + 3, 4096);
	g_free(out);
}

static void
test_damage(void **state)
{
	(void)state;
	size_t n = 0;
	bool bad = false;
	/* wrong signature byte: not a container */
	assert_null(vba_decompress(BYTES("\x02\x03\xB0\x02\x61\x45\x00"), 100, &n, &bad));
	/* copy token before anything was decompressed */
	uint8_t *out = vba_decompress(BYTES("\x01\x03\xB0\x01\x45\x00\x00"), 100, &n, &bad);
	assert_non_null(out);
	assert_true(bad);
	assert_int_equal(n, 0);
	g_free(out);
	/* cut in the middle: what came before is kept */
	bad = false;
	static const uint8_t c[] = { 0x01, 0x19, 0xB0, 0x00, 0x61, 0x62, 0x63 };
	out = vba_decompress(c, sizeof(c), 100, &n, &bad);
	assert_true(bad);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	g_free(out);
	/* bad chunk signature */
	bad = false;
	out = vba_decompress(BYTES("\x01\x03\x80\x02\x61\x45\x00"), 100, &n, &bad);
	assert_true(bad);
	assert_int_equal(n, 0);
	g_free(out);
	/* the output cap holds */
	bad = false;
	static const uint8_t m[] = { 0x01, 0x03, 0xB0, 0x02, 0x61, 0x45, 0x00 };
	out = vba_decompress(m, sizeof(m), 4, &n, &bad);
	assert_int_equal(n, 4);
	g_free(out);
}

/* A made-up dir stream: PROJECTVERSION (6 bytes after a size of 4), two
 * modules with MBCS and Unicode stream names and their offsets. */
static void
test_dir(void **state)
{
	(void)state;
	static const uint8_t d[] =
	    "\x09\x00\x04\x00\x00\x00" "\x01\x02\x03\x04\x05\x06"
	    "\x0F\x00\x02\x00\x00\x00" "\x02\x00"
	    "\x19\x00\x07\x00\x00\x00" "Module1"
	    "\x1A\x00\x07\x00\x00\x00" "Module1"
	    "\x32\x00\x0E\x00\x00\x00" "M\0o\0d\0u\0l\0e\0" "1\0"
	    "\x31\x00\x04\x00\x00\x00" "\x34\x12\x00\x00"
	    "\x2B\x00\x00\x00\x00\x00"
	    "\x19\x00\x02\x00\x00\x00" "M2"
	    "\x1A\x00\x03\x00\x00\x00" "S_2"
	    "\x31\x00\x04\x00\x00\x00" "\x10\x00\x00\x00"
	    "\x2B\x00\x00\x00\x00\x00"
	    "\x10\x00\x00\x00\x00\x00";
	bool bad = false;
	GPtrArray *m = vba_dir_modules(d, sizeof(d) - 1, &bad);
	assert_false(bad);
	assert_int_equal(m->len, 2);
	const struct vba_module *a = g_ptr_array_index(m, 0);
	const struct vba_module *b = g_ptr_array_index(m, 1);
	assert_string_equal(a->name, "Module1");
	assert_string_equal(a->stream, "Module1");
	assert_int_equal(a->offset, 0x1234);
	assert_string_equal(b->name, "M2");
	assert_string_equal(b->stream, "S_2");
	assert_int_equal(b->offset, 0x10);
	g_ptr_array_unref(m);
	/* a record that overruns the stream */
	m = vba_dir_modules(d, 40, &bad);
	assert_true(bad);
	g_ptr_array_unref(m);
}

static struct mobj *
fake_obj(void)
{
	struct mobj *o = g_new0(struct mobj, 1);
	o->children = g_ptr_array_new();
	o->path = g_strdup("x");
	return o;
}

static void
free_obj(struct mobj *o)
{
	for (guint i = 0; o->facts != NULL && i < o->facts->len; i++)
		g_free(g_array_index(o->facts, struct obj_fact, i).detail);
	if (o->facts != NULL)
		g_array_unref(o->facts);
	if (o->urls != NULL)
		g_ptr_array_unref(o->urls);
	g_ptr_array_unref(o->children);
	g_free(o->path);
	g_free(o);
}

static char *
facts(const struct mobj *o)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		g_string_append_printf(s, "%s (%s)\n", obj_fact_name(f->id), f->detail ? f->detail : "");
	}
	return g_string_free(s, FALSE);
}

static char *
urls(const struct mobj *o)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; o->urls != NULL && k < o->urls->len; k++)
		g_string_append_printf(s, "%s\n", (const char *)g_ptr_array_index(o->urls, k));
	return g_string_free(s, FALSE);
}

static void
expect_source(const char *src, const char *want_facts, const char *want_urls)
{
	struct mobj *o = fake_obj();
	vba_analyse_source(NULL, o, src, strlen(src));
	char *f = facts(o), *u = urls(o);
	assert_utf8_equal(f, want_facts);
	if (want_urls != NULL)
		assert_utf8_equal(u, want_urls);
	g_free(f);
	g_free(u);
	free_obj(o);
}

/* strelka's test.vba: AutoOpen and Document_Open, GetObject (WMI), cmd
 * /c powershell, and two URLs. */
static void
test_strelka_vba(void **state)
{
	(void)state;
	gchar *b = NULL;
	gsize n = 0;
	assert_true(g_file_get_contents(MAMORI_TESTDATA "/maldocs/strelka/test.vba", &b, &n, NULL));
	struct mobj *o = fake_obj();
	vba_analyse_source(NULL, o, b, n);
	char *f = facts(o), *u = urls(o);
	assert_utf8_equal(f,
	    "VBA_AUTOEXEC (AutoOpen, Document_Open)\n"
	    "VBA_AUTOEXEC_EXECUTE (AutoOpen, Document_Open + GetObject, powershell, Win32_Process)\n");
	assert_utf8_equal(u, "https://www.test.example.com\nhttps://www.test.com/test.bat\n");
	g_free(f);
	g_free(u);
	free_obj(o);
	g_free(b);
}

static void
test_verdicts(void **state)
{
	(void)state;
	/* macros, nothing else */
	expect_source("Sub Foo()\n  MsgBox \"hi\"\nEnd Sub\n", "", "");
	/* autoexec only (mraptor A--) */
	expect_source("Sub Action_Click()\n  MsgBox \"hi\"\nEnd Sub\n",
	    "VBA_AUTOEXEC (Action_Click)\n", "");
	/* capabilities without autoexec */
	expect_source("Sub Foo()\n  Shell \"calc.exe\"\nEnd Sub\n",
	    "VBA_SUSPICIOUS (Shell)\n", "");
	/* A + W: file written at open */
	expect_source("Sub Workbook_Open()\n Open \"c:\\x.bat\" For Output As #1\nEnd Sub\n",
	    "VBA_AUTOEXEC (Workbook_Open)\n"
	    "VBA_AUTOEXEC_EXECUTE (Workbook_Open + Open For Output)\n", "");
	/* A + X through a Declare'd API, and a download URL and an IP */
	expect_source("Private Declare Function URLDownloadToFileA Lib \"urlmon\" ()\n"
	    "Sub AutoOpen()\n x = \"http://10.1.2.3/a.exe\" : y = \"192.168.1.20\"\nEnd Sub\n",
	    "VBA_AUTOEXEC (AutoOpen)\n"
	    "VBA_AUTOEXEC_EXECUTE (AutoOpen + URLDownloadToFileA, Declare Lib)\n",
	    "http://10.1.2.3/a.exe\n192.168.1.20\n");
	/* keywords inside identifiers do not count */
	expect_source("Sub Foo()\n ShellFish = 1: MyKill = 2: AutoOpenX = 3\nEnd Sub\n", "", "");
}

static void
test_obfuscation(void **state)
{
	(void)state;
	expect_source("x = Chr(99) & Chr(109) & Chr(100) & Chr(46) & Chr(101) & "
	    "ChrW(120) & Chr(101) & Chr(32) & Chr(47)\n",
	    "VBA_OBFUSCATED (Chr chain (9 calls))\n", "");
	expect_source("x = StrReverse(\"exe.clac\")\n", "VBA_OBFUSCATED (StrReverse)\n", "");
	GString *s = g_string_new("x = \"");
	for (int i = 0; i < 30; i++)
		g_string_append(s, "SGVsbG8gV29ybGQ");
	g_string_append(s, "\"\ny = \"");
	for (int i = 0; i < 30; i++)
		g_string_append(s, "4d5a9000");
	g_string_append(s, "\"\nz = ");
	for (int i = 0; i < 25; i++)
		g_string_append(s, "\"po\" & ");
	g_string_append(s, "\"w\"\n");
	expect_source(s->str,
	    "VBA_OBFUSCATED (base64 string (450 chars), hex string (240 chars), "
	    "string splitting (25 joins))\n", "");
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_compression),
		cmocka_unit_test(test_normal_compression),
		cmocka_unit_test(test_max_compression),
		cmocka_unit_test(test_raw_chunk),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_strelka_vba),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_obfuscation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
