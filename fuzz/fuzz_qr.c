/*
 * fuzz_qr.c - libFuzzer target for QR codes of images (src/qr/qr.c): the
 * input is the image itself (PNG, JPEG or GIF by its magic; the seeds are
 * small QR images).  Limits are small enough that one input stays fast
 * (256 Kpx: zbar's time grows with the pixels); the results are checked
 * against them: at most codes_max texts, each valid UTF-8 without NUL and
 * at most text_max bytes, a one-line reason for anything but QR_OK.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "qr/qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct qr_limits lim = {
	.bytes_max = 1 << 20,
	.pixels_max = 256 << 10,
	.codes_max = 4,
	.text_max = 64,
	.inverted = true,	/* the second, inverted scan too */
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char err[128];
	enum qr_status st = qr_decode(data, size, &lim, out, err, sizeof err);

	if (out->len > lim.codes_max)
		abort();
	if (st != QR_OK && (out->len != 0 || err[0] == '\0' || strchr(err, '\n') != NULL))
		abort();
	for (guint i = 0; i < out->len; i++) {
		const char *t = g_ptr_array_index(out, i);
		if (t == NULL || strlen(t) > lim.text_max || !g_utf8_validate(t, -1, NULL))
			abort();
	}
	g_ptr_array_unref(out);
	return 0;
}
