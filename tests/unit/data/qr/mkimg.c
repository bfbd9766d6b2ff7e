/*
 * mkimg.c - writes the test images of tests/unit/data/qr/ (make.sh builds
 * and runs it): QR matrices printed by `qrencode -t ASCII` ("##" a dark
 * module, "  " a light one) placed side by side, or a code-free gradient,
 * written as PNG (libpng), JPEG (libjpeg-turbo) or GIF (giflib).
 *
 * usage: mkimg FORMAT OUT [-s SCALE] [-m MARGIN] [-fg RRGGBB] [-bg RRGGBB]
 *              [-i] [-t] [-cmyk] [-n WxH] [ASCII-FILE...]
 *   FORMAT png, jpg or gif; -s pixels per module (4); -m white pixels
 *   around and between codes (16); -fg/-bg module colours (000000/ffffff);
 *   -i interlaced PNG/GIF, progressive JPEG; -t GIF: background colour
 *   transparent; -cmyk JPEG in CMYK (Adobe, inverted); -n a WxH gradient
 *   without a code instead of the files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>

static unsigned W, H;
static uint8_t *rgb;		/* W x H x 3 */
static unsigned char fg[3], bg[3] = { 255, 255, 255 };

static void
die(const char *m)
{
	fprintf(stderr, "mkimg: %s\n", m);
	exit(1);
}

static void
hex(const char *s, unsigned char *c)
{
	unsigned v;
	if (sscanf(s, "%6x", &v) != 1)
		die("bad colour");
	c[0] = v >> 16, c[1] = (v >> 8) & 255, c[2] = v & 255;
}

/* one matrix: rows of "##"/"  " pairs, blank rows trimmed by the caller's -m 0 */
struct mat { unsigned n; char **rows; };

static struct mat
load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	struct mat m = { 0, NULL };
	if (f == NULL)
		die(path);
	while (fgets(line, sizeof line, f) != NULL) {
		size_t l = strcspn(line, "\r\n");
		line[l] = 0;
		m.rows = realloc(m.rows, (m.n + 1) * sizeof *m.rows);
		m.rows[m.n++] = strdup(line);
	}
	fclose(f);
	return m;
}

static void
put(unsigned x, unsigned y, const unsigned char *c)
{
	memcpy(rgb + 3 * ((size_t)y * W + x), c, 3);
}

static void
write_png(const char *out, int interlace)
{
	FILE *f = fopen(out, "wb");
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop i = png_create_info_struct(p);
	if (f == NULL || p == NULL || i == NULL || setjmp(png_jmpbuf(p)))
		die("png");
	png_init_io(p, f);
	png_set_IHDR(p, i, W, H, 8, PNG_COLOR_TYPE_RGB,
	    interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(p, 9);
	png_write_info(p, i);
	png_bytep *rows = malloc(H * sizeof *rows);
	for (unsigned y = 0; y < H; y++)
		rows[y] = rgb + (size_t)y * W * 3;
	png_write_image(p, rows);
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &i);
	free(rows);
	fclose(f);
}

static void
write_jpg(const char *out, int progressive, int cmyk)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	FILE *f = fopen(out, "wb");
	if (f == NULL)
		die(out);
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = W;
	c.image_height = H;
	c.input_components = cmyk ? 4 : 3;
	c.in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 90, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	uint8_t *row = malloc((size_t)W * 4);
	while (c.next_scanline < H) {
		const uint8_t *s = rgb + (size_t)c.next_scanline * W * 3;
		if (cmyk) {
			/* Adobe CMYK as Photoshop writes it: inverted, 255 = no ink */
			for (unsigned x = 0; x < W; x++) {
				unsigned r = s[3 * x], g = s[3 * x + 1], b = s[3 * x + 2];
				unsigned k = r > g ? (r > b ? r : b) : (g > b ? g : b);	/* 255 - K */
				row[4 * x + 0] = k ? (uint8_t)(r * 255 / k) : 255;
				row[4 * x + 1] = k ? (uint8_t)(g * 255 / k) : 255;
				row[4 * x + 2] = k ? (uint8_t)(b * 255 / k) : 255;
				row[4 * x + 3] = (uint8_t)k;
			}
		} else {
			memcpy(row, s, (size_t)W * 3);
		}
		JSAMPROW rp = row;
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	fclose(f);
}

static void
write_gif(const char *out, int interlace, int transparent)
{
	/* palette: 0 background, 1 foreground, 2..255 a grey ramp for gradients */
	GifColorType pal[256];
	for (int k = 0; k < 256; k++)
		pal[k].Red = pal[k].Green = pal[k].Blue = (GifByteType)k;
	pal[0].Red = bg[0], pal[0].Green = bg[1], pal[0].Blue = bg[2];
	pal[1].Red = fg[0], pal[1].Green = fg[1], pal[1].Blue = fg[2];
	int err;
	GifFileType *g = EGifOpenFileName(out, false, &err);
	ColorMapObject *cm = GifMakeMapObject(256, pal);
	if (g == NULL || cm == NULL)
		die("gif");
	EGifSetGifVersion(g, true);
	if (EGifPutScreenDesc(g, (int)W, (int)H, 8, 0, cm) == GIF_ERROR)
		die("gif screen");
	if (transparent) {
		/* a transparent background whose palette colour is black: only a
		 * reader that honours transparency sees the code */
		GifByteType gce[4] = { 0x01, 0, 0, 0 };
		if (EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, gce) == GIF_ERROR)
			die("gif gce");
	}
	if (EGifPutImageDesc(g, 0, 0, (int)W, (int)H, interlace, NULL) == GIF_ERROR)
		die("gif desc");
	GifPixelType *line = malloc(W);
	static const unsigned st[] = { 0, 4, 2, 1 }, sp[] = { 8, 8, 4, 2 };
	for (unsigned pass = 0; pass < (interlace ? 4u : 1u); pass++)
		for (unsigned y = interlace ? st[pass] : 0; y < H; y += interlace ? sp[pass] : 1) {
			for (unsigned x = 0; x < W; x++) {
				const uint8_t *c = rgb + 3 * ((size_t)y * W + x);
				if (memcmp(c, bg, 3) == 0)
					line[x] = 0;
				else if (memcmp(c, fg, 3) == 0)
					line[x] = 1;
				else
					line[x] = c[1] < 2 ? 2 : c[1];
			}
			if (EGifPutLine(g, line, (int)W) == GIF_ERROR)
				die("gif line");
		}
	free(line);
	GifFreeMapObject(cm);
	if (EGifCloseFile(g, &err) == GIF_ERROR)
		die("gif close");
}

int
main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: mkimg FORMAT OUT [options] [ASCII-FILE...]");
	const char *fmt = argv[1], *out = argv[2];
	unsigned scale = 4, margin = 16, nw = 0, nh = 0;
	int il = 0, tr = 0, cmyk = 0, a = 3;
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-s") && a + 1 < argc)
			scale = (unsigned)atoi(argv[++a]);
		else if (!strcmp(argv[a], "-m") && a + 1 < argc)
			margin = (unsigned)atoi(argv[++a]);
		else if (!strcmp(argv[a], "-fg") && a + 1 < argc)
			hex(argv[++a], fg);
		else if (!strcmp(argv[a], "-bg") && a + 1 < argc)
			hex(argv[++a], bg);
		else if (!strcmp(argv[a], "-n") && a + 1 < argc)
			sscanf(argv[++a], "%ux%u", &nw, &nh);
		else if (!strcmp(argv[a], "-i"))
			il = 1;
		else if (!strcmp(argv[a], "-t"))
			tr = 1;
		else if (!strcmp(argv[a], "-cmyk"))
			cmyk = 1;
		else
			die(argv[a]);
	}
	int nm = argc - a;
	struct mat m[8];
	if (nm > 8)
		die("too many codes");
	if (nw > 0) {
		W = nw, H = nh;
		rgb = malloc((size_t)W * H * 3);
		/* a smooth diagonal gradient with soft rings: no code, no sharp edges */
		for (unsigned y = 0; y < H; y++)
			for (unsigned x = 0; x < W; x++) {
				unsigned v = 60 + (x + y) * 120 / (W + H) + ((x * x + y * y) / 97) % 40;
				unsigned char c[3] = { (unsigned char)v, (unsigned char)(v * 9 / 10), (unsigned char)(255 - v / 2) };
				put(x, y, c);
			}
	} else {
		if (nm == 0)
			die("no code");
		W = margin, H = 0;
		for (int k = 0; k < nm; k++) {
			m[k] = load(argv[a + k]);
			unsigned side = m[k].n * scale;
			W += (unsigned)(strlen(m[k].rows[0]) / 2) * scale + margin;
			if (side + 2 * margin > H)
				H = side + 2 * margin;
		}
		rgb = malloc((size_t)W * H * 3);
		for (size_t k = 0; k < (size_t)W * H; k++)
			memcpy(rgb + 3 * k, bg, 3);
		unsigned x0 = margin;
		for (int k = 0; k < nm; k++) {
			unsigned cols = (unsigned)strlen(m[k].rows[0]) / 2;
			for (unsigned r = 0; r < m[k].n; r++)
				for (unsigned col = 0; col < cols && 2 * col < strlen(m[k].rows[r]); col++)
					if (m[k].rows[r][2 * col] == '#')
						for (unsigned dy = 0; dy < scale; dy++)
							for (unsigned dx = 0; dx < scale; dx++)
								put(x0 + col * scale + dx, margin + r * scale + dy, fg);
			x0 += cols * scale + margin;
		}
	}
	if (!strcmp(fmt, "png"))
		write_png(out, il);
	else if (!strcmp(fmt, "jpg"))
		write_jpg(out, il, cmyk);
	else if (!strcmp(fmt, "gif"))
		write_gif(out, il, tr);
	else
		die("format");
	return 0;
}
