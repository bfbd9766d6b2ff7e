/*
 * test_pcode.c - pcode.c (a module's p-code, VBA stomping) and
 * docstrings.c (the strings of UserForms, document variables and
 * properties).  The p-code samples are module streams of real projects
 * that Office saved (tests/data/ole/pcode/, see its README): Module1 of
 * oletools' sample_with_vba.ppt (VBA7, 64-bit, _VBA_PROJECT version
 * 0xB5, source offset 1037) and Modul1 of oletools'
 * autostart-encrypt-standardpassword.xls (VBA7, 32-bit, 0x97, offset
 * 1387).  The form streams are make_vba.py's ([MS-OFORMS]).
 */
#include "test_helpers.h"

#include "objects/object.h"
#include "objects/documents/ole.h"

static uint8_t *
load(const char *name, size_t *n)
{
	char *path = g_build_filename(MAMORI_TESTDATA, "ole", "pcode", name, NULL);
	gchar *d = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &d, &len, NULL));
	g_free(path);
	*n = len;
	return (uint8_t *)d;
}

/* The source of a module stream after its cache. */
static char *
source(const uint8_t *m, size_t n, size_t off, size_t *len)
{
	bool bad = false;
	uint8_t *s = vba_decompress(m + off, n - off, 1u << 20, len, &bad);
	assert_non_null(s);
	assert_false(bad);
	return (char *)s;
}

static void
check_real(const char *file, size_t off, unsigned version, bool is64, const char *lit)
{
	size_t n = 0, sl = 0;
	uint8_t *m = load(file, &n);
	char *src = source(m, n, off, &sl);
	struct vba_pcode pc;
	assert_int_equal(vba_pcode_read(m, off, version, is64, &pc), PCODE_OK);
	assert_int_equal(pc.funcs, 1);
	assert_int_equal(pc.lits->len, 1);
	gsize ln = 0;
	const char *l = g_bytes_get_data(pc.lits->pdata[0], &ln);
	assert_int_equal(ln, strlen(lit));
	assert_memory_equal(l, lit, ln);
	GString *why = g_string_new(NULL);
	/* as Office saved it: source and p-code agree */
	assert_false(vba_pcode_stomped(&pc, src, sl, why));
	/* the source replaced by a harmless one: the literal is missing */
	const char *other = "Attribute VB_Name = \"M\"\r\nSub A()\r\n MsgBox \"hi\"\r\nEnd Sub\r\n";
	assert_true(vba_pcode_stomped(&pc, other, strlen(other), why));
	assert_non_null(strstr(why->str, lit));
	/* blanked */
	g_string_truncate(why, 0);
	const char *blank = "Attribute VB_Name = \"M\"\r\n";
	struct vba_pcode none = pc;
	none.lits = g_ptr_array_new();
	assert_true(vba_pcode_stomped(&none, blank, strlen(blank), why));
	assert_non_null(strstr(why->str, "1 procedure"));
	g_ptr_array_unref(none.lits);
	g_string_free(why, TRUE);
	vba_pcode_clear(&pc);

	/* the other layout, versions we do not decode: never OK */
	assert_int_not_equal(vba_pcode_read(m, off, 0xFFFF, is64, &pc), PCODE_OK);
	vba_pcode_clear(&pc);
	assert_int_not_equal(vba_pcode_read(m, off, 0x5E, is64, &pc), PCODE_OK);
	vba_pcode_clear(&pc);
	/* every cut of the cache: bounded, and never a partial success */
	for (size_t k = 0; k < off; k++) {
		enum vba_pcode_status st = vba_pcode_read(m, k, version, is64, &pc);
		assert_true(st != PCODE_OK || pc.lits->len <= 1);
		vba_pcode_clear(&pc);
	}
	/* every byte of the cache flipped: bounded */
	for (size_t k = 0; k < off; k++) {
		m[k] ^= 0xFF;
		(void)vba_pcode_read(m, off, version, is64, &pc);
		vba_pcode_clear(&pc);
		m[k] ^= 0xFF;
	}
	g_free(src);
	g_free(m);
}

static void
test_real_64(void **state)
{
	(void)state;
	check_real("Module1_vba7_64.bin", 1037, 0xB5, true, "The action button clicked!");
}

static void
test_real_32(void **state)
{
	(void)state;
	check_real("Modul1_vba7_32.bin", 1387, 0x97, false, "Hello World");
}

/* A literal with quotes is written with them doubled in the source. */
static void
test_quoted_literal(void **state)
{
	(void)state;
	struct vba_pcode pc = { .lits = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref) };
	g_ptr_array_add(pc.lits, g_bytes_new("say \"hi\"", 8));
	pc.funcs = 1;
	const char *src = "Sub A()\r\n x = \"say \"\"hi\"\"\"\r\nEnd Sub\r\n";
	GString *why = g_string_new(NULL);
	assert_false(vba_pcode_stomped(&pc, src, strlen(src), why));
	g_string_free(why, TRUE);
	vba_pcode_clear(&pc);
}

static void
test_form(void **state)
{
	(void)state;
	size_t fn = 0, on = 0;
	uint8_t *f = load("form_f.bin", &fn), *o = load("form_o.bin", &on);
	GHashTable *x = docstr_new();
	docstr_form(x, "UserForm1", f, fn, o, on);
	assert_string_equal(g_hash_table_lookup(x, "userform1.textbox1.text"), "cmd /c calc");
	assert_string_equal(g_hash_table_lookup(x, "userform1.textbox1"), "cmd /c calc");
	assert_string_equal(g_hash_table_lookup(x, "textbox1.value"), "cmd /c calc");
	assert_string_equal(g_hash_table_lookup(x, "userform1.label1.caption"), "Invoice");
	/* every cut of either stream: bounded */
	for (size_t k = 0; k <= fn; k++)
		docstr_form(x, "F", f, k, o, on);
	for (size_t k = 0; k <= on; k++)
		docstr_form(x, "G", f, fn, o, k);
	g_hash_table_unref(x);
	g_free(f);
	g_free(o);
}

/* A FIB (csw 14, cslw 22, cbRgFcLcb 93, the 1Table) and a StwUser. */
static void
test_word_docvars(void **state)
{
	(void)state;
	uint8_t wd[1024] = { 0 }, tbl[256] = { 0 };
	wd[0] = 0xEC;
	wd[1] = 0xA5;
	wd[0x0B] = 0x02;	/* fWhichTblStm */
	size_t pos = 32;
	wd[pos] = 14;
	pos += 2 + 28;
	wd[pos] = 22;
	pos += 2 + 88;
	wd[pos] = 93;
	pos += 2;
	size_t at = 16, t = at;
	/* SttbNames: fExtend, cData 1, cbExtra 4, "cfg" + 4 bytes */
	const uint8_t names[] = { 0xFF, 0xFF, 1, 0, 4, 0, 3, 0, 'c', 0, 'f', 0, 'g', 0,
		0, 0, 0, 0, 2, 0, 'o', 0, 'k', 0 };
	memcpy(tbl + t, names, sizeof names);
	t += sizeof names;
	wd[pos + 480] = (uint8_t)at;
	wd[pos + 484] = (uint8_t)(t - at);
	GHashTable *x = docstr_new();
	docstr_word(x, wd, sizeof wd, NULL, 0, tbl, sizeof tbl);
	assert_string_equal(g_hash_table_lookup(x, "activedocument.variables(\"cfg\").value"),
	    "ok");
	/* the other table stream: nothing */
	GHashTable *y = docstr_new();
	docstr_word(y, wd, sizeof wd, tbl, sizeof tbl, NULL, 0);
	assert_int_equal(g_hash_table_size(y), 0);
	g_hash_table_unref(x);
	g_hash_table_unref(y);
}

static void
test_ooxml_parts(void **state)
{
	(void)state;
	GHashTable *x = docstr_new();
	const char *settings = "<w:settings xmlns:w=\"w\"><w:docVars><w:docVar w:name=\"Url\" "
	    "w:val=\"http://a.example/\"/></w:docVars></w:settings>";
	docstr_ooxml_part(x, "word/settings.xml", (const uint8_t *)settings, strlen(settings));
	const char *core = "<cp:coreProperties xmlns:cp=\"c\" xmlns:dc=\"d\"><dc:description>"
	    "powershell -c x</dc:description><dc:title>T</dc:title></cp:coreProperties>";
	docstr_ooxml_part(x, "docProps/core.xml", (const uint8_t *)core, strlen(core));
	const char *custom = "<Properties xmlns:vt=\"v\"><property fmtid=\"x\" pid=\"2\" "
	    "name=\"Payload\"><vt:lpwstr>cmd /c y</vt:lpwstr></property></Properties>";
	docstr_ooxml_part(x, "docProps/custom.xml", (const uint8_t *)custom, strlen(custom));
	assert_string_equal(g_hash_table_lookup(x, "activedocument.variables(\"url\").value"),
	    "http://a.example/");
	assert_string_equal(g_hash_table_lookup(x,
	    "activedocument.builtindocumentproperties(\"comments\")"), "powershell -c x");
	assert_string_equal(g_hash_table_lookup(x,
	    "thisworkbook.builtindocumentproperties(\"title\").value"), "T");
	assert_string_equal(g_hash_table_lookup(x,
	    "activedocument.customdocumentproperties(\"payload\")"), "cmd /c y");
	/* malformed XML: what was read before stays, no crash */
	docstr_ooxml_part(x, "docProps/core.xml", (const uint8_t *)"<a><b", 5);
	g_hash_table_unref(x);
}

/* A real SummaryInformation property set, and every cut of it. */
static void
test_olps(void **state)
{
	(void)state;
	size_t n = 0;
	uint8_t *p = load("SummaryInformation.bin", &n);
	GHashTable *x = docstr_new();
	docstr_olps(x, p, n, false);
	assert_string_equal(g_hash_table_lookup(x,
	    "activedocument.builtindocumentproperties(\"title\")"), "Test MouseOver");
	assert_string_equal(g_hash_table_lookup(x,
	    "activedocument.builtindocumentproperties(\"author\").value"), "user");
	for (size_t k = 0; k < n; k++)
		docstr_olps(x, p, k, k & 1);
	g_hash_table_unref(x);
	g_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_64),
		cmocka_unit_test(test_real_32),
		cmocka_unit_test(test_quoted_literal),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_word_docvars),
		cmocka_unit_test(test_ooxml_parts),
		cmocka_unit_test(test_olps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
