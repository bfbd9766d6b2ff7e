/*
 * qr.c - QR codes of PNG, JPEG and GIF images (see qr.h): the image
 * decoded to 8-bit grey by libpng (simplified API), libjpeg-turbo or
 * giflib, then scanned by zbar with only ZBAR_QRCODE enabled.
 *
 * Every decoder writes into one grey canvas of (w + 2m) x (h + 2m) bytes,
 * the image in the middle of a white margin of m pixels: zbar finds a code
 * whose image has no quiet zone of its own (a code cropped to its modules)
 * only with one.  The canvas is the only image-sized allocation besides the
 * decoders' own (libjpeg's coefficient arrays for a progressive JPEG), and
 * it is made only after the declared size passed pixels_max.
 *
 * Grey: libpng composites any transparency onto white and converts colour
 * to grey itself (PNG_FORMAT_GRAY, with interlacing and every bit depth
 * handled); libjpeg-turbo decodes YCbCr, RGB and grey JPEGs straight to
 * grey (it then skips the chroma planes: the cheapest path); CMYK/YCCK
 * JPEGs and GIF palettes are turned into grey here with integer BT.601
 * luma.  A transparent GIF index is white.
 *
 * Quiet: libpng's simplified API keeps its messages in the png_image;
 * libjpeg's error_exit longjmps back here and output_message is a no-op;
 * giflib and zbar (at its default verbosity 0, which is never changed
 * here) print nothing.
 */
#include "qr.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>
#include <zbar.h>

const struct qr_limits qr_limits_default = {
	.bytes_max = 10u << 20,
	.pixels_max = 16u << 20,
	.codes_max = 8,
	.text_max = 4096,
	.inverted = false,
};

/* white margin around the decoded image, pixels */
#define QR_MARGIN 8
/* scans of a progressive JPEG at most (libjpeg-turbo's own TJFLAG_LIMITSCANS value) */
#define QR_JPEG_SCANS_MAX 500

const char *
qr_status_name(enum qr_status s)
{
	switch (s) {
	case QR_OK: return "ok";
	case QR_NOT_IMAGE: return "not-image";
	case QR_TOO_LARGE: return "too-large";
	case QR_BAD_IMAGE: return "bad-image";
	}
	return "?";
}

static void G_GNUC_PRINTF(3, 4)
say(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* one line: a library message never breaks it */
	for (char *c = err; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

/* The grey canvas: w x h image pixels at px + QR_MARGIN * (stride + 1). */
struct canvas {
	uint8_t *px;
	unsigned w, h;
	size_t stride;		/* w + 2 * QR_MARGIN */
	size_t rows;		/* h + 2 * QR_MARGIN */
};

static inline uint8_t *
canvas_row(const struct canvas *c, unsigned y)
{
	return c->px + ((size_t)y + QR_MARGIN) * c->stride + QR_MARGIN;
}

/*
 * Check a declared size against pixels_max; on success allocate the
 * canvas, all white.  QR_OK, QR_TOO_LARGE or QR_BAD_IMAGE (a zero side).
 */
static enum qr_status
canvas_new(struct canvas *c, uint64_t w, uint64_t h, const struct qr_limits *lim,
    const char *fmt, char *err, size_t errlen)
{
	c->px = NULL;
	if (w == 0 || h == 0) {
		say(err, errlen, "%s: empty image (%" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT ")", fmt, w, h);
		return QR_BAD_IMAGE;
	}
	/* w, h < 2^32 each (every format stores at most 32 bits), so w * h fits */
	if (w > UINT_MAX - 2 * QR_MARGIN || h > UINT_MAX - 2 * QR_MARGIN || w * h > lim->pixels_max) {
		say(err, errlen, "%s: %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT
		    " pixels, over pixels_max %" G_GUINT64_FORMAT, fmt, w, h, lim->pixels_max);
		return QR_TOO_LARGE;
	}
	uint64_t sw = w + 2 * QR_MARGIN, sh = h + 2 * QR_MARGIN;
	if (sw * sh > SIZE_MAX || sw * sh > UINT_MAX) {
		say(err, errlen, "%s: %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT
		    " pixels, too many for this machine", fmt, w, h);
		return QR_TOO_LARGE;
	}
	c->w = (unsigned)w;
	c->h = (unsigned)h;
	c->stride = (size_t)sw;
	c->rows = (size_t)sh;
	c->px = g_try_malloc(c->stride * c->rows);
	if (c->px == NULL) {
		say(err, errlen, "%s: out of memory for %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT
		    " pixels", fmt, w, h);
		return QR_TOO_LARGE;
	}
	memset(c->px, 0xff, c->stride * c->rows);
	return QR_OK;
}

/* BT.601 luma of 8-bit R, G, B (weights 77/150/29 sum to 256) */
static inline uint8_t
luma(unsigned r, unsigned g, unsigned b)
{
	return (uint8_t)((77 * r + 150 * g + 29 * b + 128) >> 8);
}

/* ---- PNG: libpng's simplified API ---- */

static enum qr_status
decode_png(const uint8_t *p, size_t len, const struct qr_limits *lim, struct canvas *c,
    char *err, size_t errlen)
{
	png_image img;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, p, len)) {
		say(err, errlen, "png: %s", img.message);
		png_image_free(&img);
		return QR_BAD_IMAGE;
	}
	enum qr_status st = canvas_new(c, img.width, img.height, lim, "png", err, errlen);
	if (st != QR_OK || c->stride > INT32_MAX) {
		if (st == QR_OK) {
			say(err, errlen, "png: row of %zu pixels too long", c->stride);
			st = QR_TOO_LARGE;
		}
		png_image_free(&img);
		return st;
	}
	img.format = PNG_FORMAT_GRAY;
	const png_color white = { 255, 255, 255 };
	if (!png_image_finish_read(&img, &white, canvas_row(c, 0), (png_int_32)c->stride, NULL)) {
		say(err, errlen, "png: %s", img.message);
		png_image_free(&img);
		return QR_BAD_IMAGE;
	}
	return QR_OK;
}

/* ---- JPEG: libjpeg-turbo, errors longjmp back ---- */

struct jpeg_err {
	struct jpeg_error_mgr pub;	/* first: libjpeg casts cinfo->err to it */
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void
jpeg_error_exit_cb(j_common_ptr ci)
{
	struct jpeg_err *e = (struct jpeg_err *)ci->err;

	(*ci->err->format_message)(ci, e->msg);
	longjmp(e->jb, 1);
}

static void
jpeg_output_message_cb(j_common_ptr ci)
{
	(void)ci;		/* warnings are not printed (nor kept) */
}

static void
jpeg_progress_cb(j_common_ptr ci)
{
	j_decompress_ptr d = (j_decompress_ptr)ci;

	if (ci->is_decompressor && d->input_scan_number > QR_JPEG_SCANS_MAX) {
		struct jpeg_err *e = (struct jpeg_err *)ci->err;
		snprintf(e->msg, sizeof e->msg, "more than %d scans", QR_JPEG_SCANS_MAX);
		longjmp(e->jb, 2);
	}
}

/* state that must survive the longjmp: kept out of registers */
struct jpeg_job {
	struct jpeg_decompress_struct d;
	struct jpeg_err e;
	struct jpeg_progress_mgr prog;
	uint8_t *row;
	enum qr_status st;
};

static enum qr_status
decode_jpeg(const uint8_t *p, size_t len, const struct qr_limits *lim, struct canvas *c,
    char *err, size_t errlen)
{
	struct jpeg_job *j = g_new0(struct jpeg_job, 1);
	enum qr_status st;

	j->d.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = jpeg_error_exit_cb;
	j->e.pub.output_message = jpeg_output_message_cb;
	j->st = QR_BAD_IMAGE;
	if (setjmp(j->e.jb) != 0) {
		say(err, errlen, "jpeg: %s", j->e.msg);
		goto out;
	}
	jpeg_create_decompress(&j->d);
	j->prog.progress_monitor = jpeg_progress_cb;
	j->d.progress = &j->prog;
	jpeg_mem_src(&j->d, p, (unsigned long)len);
	if (jpeg_read_header(&j->d, TRUE) != JPEG_HEADER_OK) {
		say(err, errlen, "jpeg: no image, tables only");
		goto out;
	}
	j->st = canvas_new(c, j->d.image_width, j->d.image_height, lim, "jpeg", err, errlen);
	if (j->st != QR_OK)
		goto out;
	j->st = QR_BAD_IMAGE;	/* until the rows are in */

	bool cmyk = false;
	switch (j->d.jpeg_color_space) {
	case JCS_GRAYSCALE:
	case JCS_YCbCr:
	case JCS_RGB:
		j->d.out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		j->d.out_color_space = JCS_CMYK;
		cmyk = true;
		break;
	default:
		break;		/* unknown: its first component is taken as grey */
	}
	j->d.scale_num = j->d.scale_denom = 1;
	(void)jpeg_start_decompress(&j->d);
	if (j->d.output_width != c->w || j->d.output_height != c->h || j->d.output_components < 1 ||
	    (cmyk && j->d.output_components != 4)) {
		say(err, errlen, "jpeg: unexpected output shape");
		goto out;
	}
	unsigned nc = (unsigned)j->d.output_components;
	j->row = g_malloc((size_t)c->w * nc);
	bool inverted = j->d.saw_Adobe_marker;	/* Adobe stores CMYK inverted */
	while (j->d.output_scanline < j->d.output_height) {
		unsigned y = j->d.output_scanline;
		JSAMPROW rp = j->row;
		if (jpeg_read_scanlines(&j->d, &rp, 1) != 1)
			break;
		uint8_t *dst = canvas_row(c, y);
		if (nc == 1) {
			memcpy(dst, j->row, c->w);
		} else if (cmyk) {
			for (unsigned x = 0; x < c->w; x++) {
				const uint8_t *s = j->row + 4 * (size_t)x;
				unsigned k = inverted ? s[3] : 255u - s[3];
				unsigned r = (inverted ? s[0] : 255u - s[0]) * k / 255;
				unsigned g = (inverted ? s[1] : 255u - s[1]) * k / 255;
				unsigned b = (inverted ? s[2] : 255u - s[2]) * k / 255;
				dst[x] = luma(r, g, b);
			}
		} else {
			for (unsigned x = 0; x < c->w; x++)
				dst[x] = j->row[(size_t)x * nc];
		}
	}
	/* data that ends early: libjpeg warned and filled in, the image stands */
	j->st = QR_OK;
out:
	jpeg_destroy_decompress(&j->d);
	st = j->st;
	g_free(j->row);
	g_free(j);
	return st;
}

/* ---- GIF: giflib, first frame ---- */

struct gif_src {
	const uint8_t *p;
	size_t len, pos;
};

static int
gif_read_cb(GifFileType *g, GifByteType *buf, int n)
{
	struct gif_src *s = g->UserData;

	if (n <= 0)
		return 0;
	size_t k = s->len - s->pos;
	if ((size_t)n < k)
		k = (size_t)n;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (int)k;
}

static enum qr_status
decode_gif(const uint8_t *p, size_t len, const struct qr_limits *lim, struct canvas *c,
    char *err, size_t errlen)
{
	struct gif_src src = { p, len, 0 };
	int gerr = 0;
	GifFileType *g = DGifOpen(&src, gif_read_cb, &gerr);
	enum qr_status st = QR_BAD_IMAGE;
	int transparent = -1;
	uint8_t *row = NULL;

	if (g == NULL) {
		say(err, errlen, "gif: %s", GifErrorString(gerr));
		return QR_BAD_IMAGE;
	}
	/* to the first image, past extensions (a graphic control block may name the transparent index) */
	for (;;) {
		GifRecordType rt;
		if (DGifGetRecordType(g, &rt) == GIF_ERROR)
			goto gif_error;
		if (rt == IMAGE_DESC_RECORD_TYPE)
			break;
		if (rt == TERMINATE_RECORD_TYPE) {
			say(err, errlen, "gif: no image");
			goto out;
		}
		if (rt != EXTENSION_RECORD_TYPE)
			continue;
		int code = 0;
		GifByteType *ext = NULL;
		if (DGifGetExtension(g, &code, &ext) == GIF_ERROR)
			goto gif_error;
		if (code == GRAPHICS_EXT_FUNC_CODE && ext != NULL && ext[0] >= 4)
			transparent = (ext[1] & 0x01) ? ext[4] : -1;
		while (ext != NULL)
			if (DGifGetExtensionNext(g, &ext) == GIF_ERROR)
				goto gif_error;
	}
	if (DGifGetImageDesc(g) == GIF_ERROR)
		goto gif_error;

	const GifImageDesc *d = &g->Image;
	if (d->Width <= 0 || d->Height <= 0) {
		say(err, errlen, "gif: empty frame (%dx%d)", d->Width, d->Height);
		goto out;
	}
	st = canvas_new(c, (uint64_t)d->Width, (uint64_t)d->Height, lim, "gif", err, errlen);
	if (st != QR_OK)
		goto out;

	/* palette to grey: the frame's own colour map, else the screen's, else the index itself */
	uint8_t grey[256];
	const ColorMapObject *cm = d->ColorMap != NULL ? d->ColorMap : g->SColorMap;
	for (int i = 0; i < 256; i++) {
		if (cm == NULL || cm->Colors == NULL)
			grey[i] = (uint8_t)i;
		else if (i < cm->ColorCount)
			grey[i] = luma(cm->Colors[i].Red, cm->Colors[i].Green, cm->Colors[i].Blue);
		else
			grey[i] = 255;	/* an index past the map: nothing a viewer shows */
	}
	if (transparent >= 0)
		grey[transparent] = 255;

	/* rows in file order: four passes when interlaced */
	static const unsigned start_il[] = { 0, 4, 2, 1 }, step_il[] = { 8, 8, 4, 2 };
	static const unsigned start_pl[] = { 0 }, step_pl[] = { 1 };
	const unsigned *start = d->Interlace ? start_il : start_pl;
	const unsigned *step = d->Interlace ? step_il : step_pl;
	unsigned passes = d->Interlace ? 4 : 1;
	row = g_malloc(c->w);
	unsigned got = 0;
	for (unsigned pass = 0; pass < passes; pass++) {
		for (unsigned y = start[pass]; y < c->h; y += step[pass]) {
			if (DGifGetLine(g, row, (int)c->w) == GIF_ERROR) {
				if (got == 0)
					goto gif_error;
				goto done;	/* cut short: keep the rows read, the rest white */
			}
			got++;
			uint8_t *dst = canvas_row(c, y);
			for (unsigned x = 0; x < c->w; x++)
				dst[x] = grey[row[x]];
		}
	}
done:
	st = QR_OK;
	goto out;
gif_error:
	say(err, errlen, "gif: %s", GifErrorString(g->Error));
	st = QR_BAD_IMAGE;
out:
	g_free(row);
	DGifCloseFile(g, &gerr);
	return st;
}

/* ---- zbar ---- */

/* A decoded text made valid UTF-8 without NUL, cut to max bytes on a character boundary. */
static char *
clean_text(const char *s, size_t n, size_t max)
{
	char *v = g_utf8_make_valid(s, (gssize)n);	/* also turns NUL into U+FFFD */
	size_t l = strlen(v);
	if (l > max) {
		size_t cut = max;
		while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
			cut--;
		v[cut] = '\0';
	}
	return v;
}

static enum qr_status
scan(const struct canvas *c, const struct qr_limits *lim, GPtrArray *out, char *err,
    size_t errlen)
{
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	zbar_image_t *img = zbar_image_create();
	enum qr_status st = QR_OK;

	if (sc == NULL || img == NULL) {
		say(err, errlen, "zbar: cannot create a scanner");
		st = QR_BAD_IMAGE;
		goto out;
	}
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	/* found nothing: zbar scans an inverted copy once more */
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, lim->inverted ? 1 : 0);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, (unsigned)c->stride, (unsigned)c->rows);
	zbar_image_set_data(img, c->px, c->stride * c->rows, NULL);
	if (zbar_scan_image(sc, img) < 0) {
		say(err, errlen, "zbar: scan failed");
		st = QR_BAD_IMAGE;
		goto out;
	}
	unsigned kept = 0;
	for (const zbar_symbol_t *s = zbar_image_first_symbol(img);
	    s != NULL && kept < lim->codes_max; s = zbar_symbol_next(s)) {
		if (zbar_symbol_get_type(s) != ZBAR_QRCODE)
			continue;
		const char *d = zbar_symbol_get_data(s);
		if (d == NULL)
			continue;
		g_ptr_array_add(out, clean_text(d, zbar_symbol_get_data_length(s), lim->text_max));
		kept++;
	}
out:
	if (img != NULL)
		zbar_image_destroy(img);
	if (sc != NULL)
		zbar_image_scanner_destroy(sc);
	return st;
}

enum qr_status
qr_decode(const uint8_t *p, size_t len, const struct qr_limits *lim, GPtrArray *out,
    char *err, size_t errlen)
{
	static const uint8_t png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct canvas c = { 0 };
	enum qr_status st;

	if (lim == NULL)
		lim = &qr_limits_default;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL)
		len = 0;
	if (len >= 8 && memcmp(p, png_magic, 8) == 0) {
		if (len > lim->bytes_max)
			goto too_many_bytes;
		st = decode_png(p, len, lim, &c, err, errlen);
	} else if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
		if (len > lim->bytes_max)
			goto too_many_bytes;
		st = decode_jpeg(p, len, lim, &c, err, errlen);
	} else if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
		if (len > lim->bytes_max)
			goto too_many_bytes;
		st = decode_gif(p, len, lim, &c, err, errlen);
	} else {
		say(err, errlen, "not a PNG, JPEG or GIF image (%zu bytes)", len);
		return QR_NOT_IMAGE;
	}
	if (st == QR_OK)
		st = scan(&c, lim, out, err, errlen);
	g_free(c.px);
	return st;

too_many_bytes:
	say(err, errlen, "%zu bytes, over bytes_max %zu", len, lim->bytes_max);
	return QR_TOO_LARGE;
}
