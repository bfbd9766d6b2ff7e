/*
 * test_qr.c - QR codes of images (src/qr/qr.c) on the images of
 * tests/unit/data/qr/ (made by make.sh there with qrencode): a URL in a
 * PNG (1-bit, RGBA on a transparent background, without quiet zone), in a
 * JPEG (baseline colour, progressive, Adobe CMYK), in a GIF (interlaced
 * palette, transparent background); two codes in one image; images
 * without a code; Japanese text as UTF-8 bytes and in Shift_JIS kanji mode.
 * Then the hostile shapes: every prefix of every image, corrupt bytes,
 * headers patched to claim 60000 x 60000 pixels, non-images, each limit,
 * and decoding from several threads at once.
 *
 * QR_BENCH=N in the environment adds a speed figure: 10N decodes of a
 * 296x296 PNG code, N of a 2000x2000 photo-like JPEG without a code, N/4
 * of 4096x4096 ones (16 Mpx, the default pixels_max: a photo, and black and
 * white noise), the JPEGs made here with libjpeg; CPU time per decode
 * printed.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>

#include "qr/qr.h"

#define DATA MAMORI_TESTDATA "/qr/"
#define URL "https://example.com/login?id=42&ref=mail"
#define JA "https://\344\276\213\343\201\210.jp/\343\203\255\343\202\260\343\202\244\343\203\263?q=\346\227\245\346\234\254\350\252\236"

static uint8_t *
load(const char *name, size_t *n)
{
	char *path = g_strconcat(DATA, name, NULL);
	uint8_t *b = test_load(path, n);
	g_free(path);
	return b;
}

static FILE *quiet_file;	/* where stderr goes during a decode */

/*
 * Decode bytes; the texts (an array to free) and the status.  stderr is
 * sent to a file meanwhile, which must stay empty: the libraries never
 * print (libjpeg's warnings, libpng's, zbar's).
 */
static GPtrArray *
run(const uint8_t *p, size_t n, const struct qr_limits *lim, enum qr_status *st, char *err,
    size_t errlen)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	if (quiet_file == NULL)
		quiet_file = tmpfile();
	assert_non_null(quiet_file);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(quiet_file), 2) == 2);
	*st = qr_decode(p, n, lim, out, err, errlen);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	struct stat sb;
	assert_int_equal(fstat(fileno(quiet_file), &sb), 0);
	if (sb.st_size != 0)
		print_error("a library printed %lld bytes to stderr\n", (long long)sb.st_size);
	assert_int_equal(sb.st_size, 0);
	for (guint i = 0; i < out->len; i++) {
		const char *t = g_ptr_array_index(out, i);
		assert_non_null(t);
		assert_true(g_utf8_validate(t, -1, NULL));
	}
	return out;
}

/* The one text of a file, which must decode to exactly want. */
static void
expect_one(const char *name, const char *want)
{
	size_t n;
	uint8_t *b = load(name, &n);
	enum qr_status st;
	char err[256];
	GPtrArray *out = run(b, n, NULL, &st, err, sizeof err);

	if (st != QR_OK || out->len != 1)
		print_error("%s: %s (%s), %u codes\n", name, qr_status_name(st), err, out->len);
	assert_int_equal(st, QR_OK);
	assert_string_equal(err, "");
	assert_int_equal(out->len, 1);
	assert_utf8_equal(g_ptr_array_index(out, 0), want);
	g_ptr_array_unref(out);
	g_free(b);
}

static void
test_png(void **state)
{
	(void)state;
	expect_one("url.png", URL);
	expect_one("url300.png", URL);
	expect_one("url-alpha.png", URL);	/* transparent black background */
	expect_one("nomargin.png", URL);	/* no quiet zone in the file */
}

static void
test_inverted(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load("inverted.png", &n);
	struct qr_limits lim = qr_limits_default;
	enum qr_status st;

	GPtrArray *out = run(b, n, &lim, &st, NULL, 0);	/* not by default */
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 0);
	g_ptr_array_unref(out);
	lim.inverted = true;
	out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 1);
	assert_string_equal(g_ptr_array_index(out, 0), URL);
	g_ptr_array_unref(out);
	g_free(b);
	/* a dark-on-light code is found once, not twice */
	b = load("url.png", &n);
	out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 1);
	g_ptr_array_unref(out);
	g_free(b);
}

static void
test_jpeg(void **state)
{
	(void)state;
	expect_one("url.jpg", URL);
	expect_one("url-progressive.jpg", URL);
	expect_one("url-cmyk.jpg", URL);
}

static void
test_gif(void **state)
{
	(void)state;
	expect_one("url.gif", URL);
	expect_one("url-transparent.gif", URL);
}

static void
test_two_codes(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load("two.png", &n);
	enum qr_status st;
	GPtrArray *out = run(b, n, NULL, &st, NULL, 0);

	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 2);
	const char *a = g_ptr_array_index(out, 0), *c = g_ptr_array_index(out, 1);
	if (strcmp(a, c) > 0) {
		const char *t = a;
		a = c;
		c = t;
	}
	assert_string_equal(a, "https://one.example/a");
	assert_string_equal(c, "https://two.example/b?x=1");
	g_ptr_array_unref(out);

	/* codes_max: one of the two; none */
	struct qr_limits lim = qr_limits_default;
	lim.codes_max = 1;
	out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 1);
	const char *t = g_ptr_array_index(out, 0);
	assert_true(strcmp(t, "https://one.example/a") == 0 || strcmp(t, "https://two.example/b?x=1") == 0);
	g_ptr_array_unref(out);
	lim.codes_max = 0;
	out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 0);
	g_ptr_array_unref(out);
	g_free(b);
}

static void
test_no_code(void **state)
{
	(void)state;
	static const char *const names[] = { "nocode.png", "nocode.jpg" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t n;
		uint8_t *b = load(names[i], &n);
		enum qr_status st;
		char err[256];
		GPtrArray *out = run(b, n, NULL, &st, err, sizeof err);
		assert_int_equal(st, QR_OK);
		assert_string_equal(err, "");
		assert_int_equal(out->len, 0);
		g_ptr_array_unref(out);
		g_free(b);
	}
}

static void
test_japanese(void **state)
{
	(void)state;
	expect_one("ja-utf8.png", JA);	/* 8-bit mode, UTF-8 bytes */
	expect_one("ja-sjis.png", JA);	/* kanji mode, Shift_JIS: zbar converts */
}

static void
test_text_max(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load("url.png", &n);
	struct qr_limits lim = qr_limits_default;
	enum qr_status st;

	lim.text_max = 10;
	GPtrArray *out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 1);
	assert_string_equal(g_ptr_array_index(out, 0), "https://ex");
	g_ptr_array_unref(out);
	g_free(b);

	/* cut inside a character: back to its start, never a partial one */
	b = load("ja-utf8.png", &n);
	for (size_t max = 0; max <= strlen(JA) + 1; max++) {
		lim.text_max = max;
		out = run(b, n, &lim, &st, NULL, 0);
		assert_int_equal(st, QR_OK);
		assert_int_equal(out->len, 1);
		const char *t = g_ptr_array_index(out, 0);
		size_t want = max < strlen(JA) ? max : strlen(JA);
		while (want > 0 && ((unsigned char)JA[want] & 0xC0) == 0x80)
			want--;
		assert_int_equal(strlen(t), want);
		assert_memory_equal(t, JA, want);
		g_ptr_array_unref(out);
	}
	g_free(b);
}

/* ---- hostile input ---- */

static uint32_t
crc32_png(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void
expect_status(const uint8_t *p, size_t n, const struct qr_limits *lim, enum qr_status want,
    const char *err_has)
{
	enum qr_status st;
	char err[256];
	GPtrArray *out = run(p, n, lim, &st, err, sizeof err);
	if (st != want)
		print_error("got %s (%s), want %s\n", qr_status_name(st), err, qr_status_name(want));
	assert_int_equal(st, want);
	assert_int_equal(out->len, 0);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	if (err_has != NULL)
		assert_contains(err, err_has);
	g_ptr_array_unref(out);
}

static void
test_too_large(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load("url.png", &n);

	/* PNG: IHDR (at 8: length, "IHDR", width, height, ...; CRC at 29) */
	assert_memory_equal(b + 12, "IHDR", 4);
	put32(b + 16, 60000);
	put32(b + 20, 60000);
	put32(b + 29, crc32_png(b + 12, 17));
	expect_status(b, n, NULL, QR_TOO_LARGE, "60000x60000 pixels, over pixels_max 16777216");
	g_free(b);

	/* a real image over a smaller pixels_max: 148 x 148 = 21904 */
	struct qr_limits lim = qr_limits_default;
	b = load("url.png", &n);
	lim.pixels_max = 148 * 148 - 1;
	expect_status(b, n, &lim, QR_TOO_LARGE, "148x148 pixels, over pixels_max 21903");
	lim.pixels_max = 148 * 148;
	enum qr_status st;
	GPtrArray *out = run(b, n, &lim, &st, NULL, 0);
	assert_int_equal(st, QR_OK);
	assert_int_equal(out->len, 1);
	g_ptr_array_unref(out);
	/* bytes_max */
	lim = qr_limits_default;
	lim.bytes_max = n - 1;
	expect_status(b, n, &lim, QR_TOO_LARGE, "over bytes_max");
	g_free(b);

	/* JPEG: the SOF0 frame header (FF C0, length, precision, height, width) */
	b = load("url.jpg", &n);
	size_t sof = 0;
	for (size_t i = 2; i + 9 < n; i++)
		if (b[i] == 0xff && b[i + 1] == 0xc0) {
			sof = i;
			break;
		}
	assert_true(sof > 0);
	b[sof + 5] = 60000 >> 8, b[sof + 6] = 60000 & 0xff;
	b[sof + 7] = 60000 >> 8, b[sof + 8] = 60000 & 0xff;
	expect_status(b, n, NULL, QR_TOO_LARGE, "jpeg: 60000x60000 pixels");
	g_free(b);

	/* GIF: the logical screen (6) and the image descriptor (after the
	 * colour table and the extensions: 0x2C, left, top, width, height) */
	b = load("url.gif", &n);
	size_t desc = 13 + 3 * 256;
	while (desc < n && b[desc] == 0x21) {	/* skip extensions */
		desc += 2;
		while (desc < n && b[desc] != 0)
			desc += 1 + b[desc];
		desc++;
	}
	assert_true(desc + 9 < n);
	assert_int_equal(b[desc], 0x2c);
	b[6] = b[8] = b[desc + 5] = b[desc + 7] = 60000 & 0xff;
	b[7] = b[9] = b[desc + 6] = b[desc + 8] = 60000 >> 8;
	expect_status(b, n, NULL, QR_TOO_LARGE, "gif: 60000x60000 pixels");
	g_free(b);
}

static void
test_not_image(void **state)
{
	(void)state;
	expect_status(BYTES("hello, world"), NULL, QR_NOT_IMAGE, "not a PNG, JPEG or GIF");
	expect_status(NULL, 0, NULL, QR_NOT_IMAGE, NULL);
	expect_status(BYTES("BM\x3e\0\0\0\0\0\0\0\x3e\0\0\0"), NULL, QR_NOT_IMAGE, NULL);
	expect_status(BYTES("GIF88a\1\0\1\0\0\0\0"), NULL, QR_NOT_IMAGE, NULL);
	expect_status(BYTES("\x89PNG\r\n\x1a"), NULL, QR_NOT_IMAGE, NULL);	/* 7 of 8 */
	expect_status(BYTES("\xff\xd8"), NULL, QR_NOT_IMAGE, NULL);
	/* the magic alone, or with junk after it: the decoder refuses */
	expect_status(BYTES("\x89PNG\r\n\x1a\n"), NULL, QR_BAD_IMAGE, "png: ");
	expect_status(BYTES("\x89PNG\r\n\x1a\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), NULL, QR_BAD_IMAGE, "png: ");
	expect_status(BYTES("\xff\xd8\xff"), NULL, QR_BAD_IMAGE, "jpeg: ");
	expect_status(BYTES("\xff\xd8\xff\xe0xxxxxxxxxxxxxxxxxxxxxxxxxxxx"), NULL, QR_BAD_IMAGE, "jpeg: ");
	expect_status(BYTES("GIF89a"), NULL, QR_BAD_IMAGE, "gif: ");
	expect_status(BYTES("GIF89a\1\0\1\0\0\0\0;"), NULL, QR_BAD_IMAGE, "gif: no image");
	/* err NULL or 0 bytes long is fine */
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	assert_int_equal(qr_decode(BYTES("hello"), NULL, out, NULL, 0), QR_NOT_IMAGE);
	char e1[1] = { 'x' };
	assert_int_equal(qr_decode(BYTES("hello"), NULL, out, e1, 1), QR_NOT_IMAGE);
	assert_int_equal(e1[0], '\0');
	assert_int_equal(out->len, 0);
	g_ptr_array_unref(out);
}

static bool
known_text(const char *t)
{
	return strcmp(t, URL) == 0 || strcmp(t, "https://one.example/a") == 0 ||
	    strcmp(t, "https://two.example/b?x=1") == 0;
}

/*
 * Every prefix of a file: no crash, nothing but OK or BAD_IMAGE (NOT_IMAGE
 * for a part of the magic); BAD_IMAGE for a prefix in [8, bad_below), all
 * codes (ncodes) from ok_from on, and never a text that is not in the file.
 */
static void
prefixes(const char *name, size_t bad_below, size_t ok_from, unsigned ncodes)
{
	size_t n;
	uint8_t *b = load(name, &n);
	unsigned bad = 0, ok = 0;

	/* every prefix up to bad_below + 256 and near the end, 1 in 50 between */
	size_t tried = 0;
	for (size_t k = 0; k < n; k += (k < bad_below + 256 || k + 8 >= n) ? 1 : 50) {
		uint8_t *c = g_memdup2(b, k);	/* exact size: ASan sees any over-read */
		enum qr_status st;
		char err[256];
		GPtrArray *out = run(c, k, NULL, &st, err, sizeof err);
		assert_true(st == QR_OK || st == QR_BAD_IMAGE || st == QR_NOT_IMAGE);
		if (st == QR_NOT_IMAGE)
			assert_true(k < 8);
		if (k >= 8 && k < bad_below && st != QR_BAD_IMAGE) {
			print_error("%s: prefix %zu: %s\n", name, k, qr_status_name(st));
			fail();
		}
		if (k >= ok_from) {
			if (st != QR_OK || out->len != 1)
				print_error("%s: prefix %zu of %zu: %s (%s)\n", name, k, n, qr_status_name(st), err);
			assert_int_equal(st, QR_OK);
			assert_int_equal(out->len, ncodes);
		}
		for (guint i = 0; i < out->len; i++)	/* a partial image: a code or nothing */
			assert_true(known_text(g_ptr_array_index(out, i)));
		bad += st == QR_BAD_IMAGE;
		ok += st == QR_OK;
		tried++;
		g_ptr_array_unref(out);
		g_free(c);
	}
	print_message("%s: %zu of %zu prefixes, %u bad-image, %u ok\n", name, tried, n, bad, ok);
	g_free(b);
}

static size_t
find(const uint8_t *b, size_t n, const char *s, size_t sl)
{
	for (size_t i = 0; i + sl <= n; i++)
		if (memcmp(b + i, s, sl) == 0)
			return i;
	fail();
	return 0;
}

static void
test_truncated(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b;

	/* PNG: libpng refuses any image cut before its IEND chunk */
	b = load("url.png", &n);
	size_t iend = find(b, n, "IEND", 4) - 4;
	g_free(b);
	prefixes("url.png", iend, n, 1);
	b = load("two.png", &n);
	iend = find(b, n, "IEND", 4) - 4;
	g_free(b);
	prefixes("two.png", iend, n, 2);

	/* JPEG: refused when cut in its headers (before the first scan's
	 * data); cut in the data, libjpeg fills in the rest: without only the
	 * EOI marker the code is whole */
	b = load("url.jpg", &n);
	size_t sos = find(b, n, "\xff\xda", 2);
	g_free(b);
	prefixes("url.jpg", sos + 4, n - 2, 1);
	b = load("url-progressive.jpg", &n);
	sos = find(b, n, "\xff\xda", 2);
	g_free(b);
	prefixes("url-progressive.jpg", sos + 4, n - 2, 1);

	/* GIF: refused before the first row; a frame cut short keeps its rows
	 * (the trailer ';' alone missing: the whole code) */
	b = load("url.gif", &n);
	g_free(b);
	prefixes("url.gif", 13 + 3 * 256 + 10, n - 1, 1);
}

static void
test_corrupt(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = load("url.png", &n);

	/* a flipped bit in the compressed data: the CRC no longer matches */
	size_t idat = find(b, n, "IDAT", 4);
	b[idat + 10] ^= 0x10;
	expect_status(b, n, NULL, QR_BAD_IMAGE, "png: ");
	g_free(b);

	/* every single byte of a JPEG's headers and of a GIF set to 0xff or
	 * 0x00: anything but a crash, a leak or a print is fine; texts are
	 * checked by run() */
	static const char *const names[] = { "url.jpg", "url.gif", "url-alpha.png", "url-cmyk.jpg" };
	for (size_t f = 0; f < G_N_ELEMENTS(names); f++) {
		b = load(names[f], &n);
		size_t upto = n < 1200 ? n : 1200;
		for (size_t i = 0; i < upto; i += i < 400 ? 1 : 7) {
			for (int v = 0; v < 2; v++) {
				uint8_t *c = g_memdup2(b, n);
				c[i] = v ? 0xff : 0x00;
				enum qr_status st;
				GPtrArray *out = run(c, n, NULL, &st, NULL, 0);
				assert_true(st == QR_OK || st == QR_BAD_IMAGE || st == QR_NOT_IMAGE ||
				    st == QR_TOO_LARGE);
				g_ptr_array_unref(out);
				g_free(c);
			}
		}
		g_free(b);
	}
}

/* ---- threads ---- */

struct job {
	const char *name;
	const char *want;
	unsigned ok;
};

static gpointer
thread_main(gpointer data)
{
	struct job *j = data;
	size_t n;
	char *path = g_strconcat(DATA, j->name, NULL);
	gchar *b = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &b, &len, NULL)) {
		g_free(path);
		return NULL;
	}
	n = len;
	for (int i = 0; i < 20; i++) {
		GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
		if (qr_decode((const uint8_t *)b, n, NULL, out, NULL, 0) == QR_OK && out->len == 1 &&
		    strcmp(g_ptr_array_index(out, 0), j->want) == 0)
			j->ok++;
		g_ptr_array_unref(out);
	}
	g_free(b);
	g_free(path);
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	struct job jobs[] = {
		{ "url.png", URL, 0 }, { "url.jpg", URL, 0 }, { "url.gif", URL, 0 },
		{ "ja-sjis.png", JA, 0 }, { "ja-utf8.png", JA, 0 }, { "url-progressive.jpg", URL, 0 },
	};
	GThread *t[G_N_ELEMENTS(jobs)];
	for (size_t i = 0; i < G_N_ELEMENTS(jobs); i++)
		t[i] = g_thread_new("qr", thread_main, &jobs[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(jobs); i++) {
		g_thread_join(t[i]);
		assert_int_equal(jobs[i].ok, 20);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(qr_status_name(QR_OK), "ok");
	assert_string_equal(qr_status_name(QR_NOT_IMAGE), "not-image");
	assert_string_equal(qr_status_name(QR_TOO_LARGE), "too-large");
	assert_string_equal(qr_status_name(QR_BAD_IMAGE), "bad-image");
	assert_string_equal(qr_status_name((enum qr_status)42), "?");
	assert_int_equal(qr_limits_default.bytes_max, 10u << 20);
	assert_int_equal(qr_limits_default.pixels_max, 16u << 20);
	assert_int_equal(qr_limits_default.codes_max, 8);
	assert_int_equal(qr_limits_default.text_max, 4096);
	assert_false(qr_limits_default.inverted);
}

/* ---- speed (QR_BENCH=N) ---- */

/*
 * A photo-like JPEG: smooth colour fields, texture and a little noise; or,
 * harsh, black and white pixels at random (zbar's worst case: an edge at
 * every other pixel).
 */
static uint8_t *
photo_jpeg(unsigned w, unsigned h, bool harsh, size_t *n)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	uint32_t seed = 12345;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	jpeg_start_compress(&c, TRUE);
	uint8_t *row = g_malloc((size_t)w * 3);
	while (c.next_scanline < h) {
		unsigned y = c.next_scanline;
		for (unsigned x = 0; x < w; x++) {
			seed = seed * 1103515245u + 12345u;
			int noise = (int)((seed >> 16) & 31) - 16;
			int v = (int)((x * 255) / w + ((x / 37 + y / 53) % 7) * 9) / 2 + noise;
			int r = 60 + v, g = 90 + (int)((y * 120) / h) + noise, bl = 200 - v / 2;
			if (harsh)
				r = g = bl = (seed >> 20) & 1 ? 255 : 0;
			row[3 * x] = (uint8_t)CLAMP(r, 0, 255);
			row[3 * x + 1] = (uint8_t)CLAMP(g, 0, 255);
			row[3 * x + 2] = (uint8_t)CLAMP(bl, 0, 255);
		}
		JSAMPROW rp = row;
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	g_free(row);
	uint8_t *b = g_memdup2(mem, size);
	free(mem);
	*n = size;
	return b;
}

static double
cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
bench_one(const char *what, const uint8_t *b, size_t n, int iters, unsigned want_codes)
{
	struct qr_limits lim = qr_limits_default;
	lim.bytes_max = SIZE_MAX;	/* the noise JPEG is over 10 MiB */
	double t0 = cpu_ms();
	for (int i = 0; i < iters; i++) {
		GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
		assert_int_equal(qr_decode(b, n, &lim, out, NULL, 0), QR_OK);
		assert_int_equal(out->len, want_codes);
		g_ptr_array_unref(out);
	}
	double ms = (cpu_ms() - t0) / iters;
	print_message("qr speed: %s (%zu bytes): %.2f ms CPU per decode (%d runs)\n", what, n, ms, iters);
}

static void
test_bench(void **state)
{
	(void)state;
	const char *env = getenv("QR_BENCH");
	int iters = env != NULL ? atoi(env) : 0;
	if (iters <= 0)
		skip();
	size_t n;
	uint8_t *b = load("url300.png", &n);
	bench_one("296x296 PNG, one code", b, n, iters * 10, 1);
	g_free(b);
	b = photo_jpeg(2000, 2000, false, &n);
	bench_one("2000x2000 JPEG photo, no code", b, n, iters, 0);
	g_free(b);
	b = photo_jpeg(4096, 4096, false, &n);	/* 16 Mpx: the default pixels_max */
	bench_one("4096x4096 JPEG photo, no code", b, n, (iters + 3) / 4, 0);
	g_free(b);
	b = photo_jpeg(4096, 4096, true, &n);
	bench_one("4096x4096 JPEG black/white noise, no code", b, n, (iters + 3) / 4, 0);
	g_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_gif),
		cmocka_unit_test(test_two_codes),
		cmocka_unit_test(test_no_code),
		cmocka_unit_test(test_japanese),
		cmocka_unit_test(test_text_max),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_not_image),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bench),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
