/*
 * qr.h - QR codes decoded from images (PNG, JPEG, GIF) for the URL module
 * (issue 16: QR codes in image attachments and inline images).
 *
 * One call, qr_decode(), takes the bytes of one image, recognises its
 * format by magic bytes (never by name or MIME type), decodes it to 8-bit
 * grey with the format's Debian library (libpng, libjpeg-turbo, giflib)
 * and hands the grey image to zbar with only the QR symbology enabled.
 * No mail knowledge: bytes in, texts out.
 *
 * Bounds (struct qr_limits; qr_limits_default holds the defaults): the
 * input size is checked first, the declared width x height of the image
 * before a single pixel buffer is allocated (a 60 KB PNG may declare
 * 60000 x 60000), so decoding time and memory are those of pixels_max
 * pixels at most; a progressive JPEG may have at most 500 scans.  Texts are
 * cut to text_max bytes (on a UTF-8 character boundary), at most codes_max
 * of them are returned.
 *
 * Texts are valid UTF-8 without NUL bytes: zbar turns the bytes of a QR
 * code into UTF-8 itself (it guesses UTF-8, Shift_JIS or ISO-8859-1 when
 * the code declares no ECI); what is still invalid, and any NUL byte,
 * becomes U+FFFD.  Control characters (a newline between two lines of a
 * code) are kept: the caller decides what they separate.
 *
 * Thread-safe: no global state is changed; each call creates and destroys
 * its own zbar scanner and decoder objects.  Nothing is ever printed: the
 * libraries' warnings and errors are caught and at most end in err.
 */
#ifndef MAMORI_QR_QR_H
#define MAMORI_QR_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct qr_limits {
	size_t bytes_max;	/* compressed input bytes looked at (default 10 MiB) */
	uint64_t pixels_max;	/* width*height decoded at most (default 16 Mpx): bounds zbar's time and memory */
	unsigned codes_max;	/* symbols returned at most (default 8) */
	size_t text_max;	/* bytes of one decoded text kept (default 4096) */
	/* also light-on-dark codes: when an image has no dark-on-light code,
	 * zbar scans an inverted copy once more, which doubles the time (and
	 * the grey buffer) of an image without a code (default false) */
	bool inverted;
};

extern const struct qr_limits qr_limits_default;

enum qr_status {
	QR_OK,		/* decoded (maybe 0 codes) */
	QR_NOT_IMAGE,	/* not PNG/JPEG/GIF by magic */
	QR_TOO_LARGE,	/* a limit refused it: err says which */
	QR_BAD_IMAGE,	/* the decoder refused the bytes */
};

/* "ok", "not-image", "too-large", "bad-image" ("?" for anything else). */
const char *qr_status_name(enum qr_status s);

/*
 * Decode the QR codes of one image (PNG, JPEG or GIF, recognised by magic
 * bytes, not by name), p[0..len).  lim NULL means qr_limits_default.
 * Decoded texts (g_malloc'd char *, cut to text_max, valid UTF-8,
 * NUL-free) are appended to out (a GPtrArray with g_free as free func);
 * never more than codes_max.  err (errlen bytes, may be NULL/0) gets a
 * one-line reason for anything but QR_OK, "" for QR_OK.
 *
 * Damaged images: a PNG is decoded by libpng or refused whole
 * (QR_BAD_IMAGE); a JPEG whose headers are readable is decoded as far as
 * its data goes, the rest grey, as libjpeg does (QR_OK); a GIF whose frame
 * ends early keeps the rows it has, the rest white (QR_OK).  Mail clients
 * show such images partially, so a code in the part shown is found.
 * Only the first frame of an animated GIF is decoded.
 */
enum qr_status qr_decode(const uint8_t *p, size_t len, const struct qr_limits *lim,
    GPtrArray *out, char *err, size_t errlen);

#endif
