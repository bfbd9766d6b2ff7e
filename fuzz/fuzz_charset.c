/*
 * fuzz_charset.c - libFuzzer target for charset_to_utf8() and friends.
 *
 * The first byte picks the declared charset (including none, a bogus name
 * and the Japanese ones our own ISO-2022-JP decoder handles), the second a
 * hint; the rest is the text.  The output must be valid UTF-8 of the length
 * reported, and the detector must not trip on anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mime/charset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const charsets[] = {
	NULL, "iso-2022-jp", "shift_jis", "euc-jp", "utf-8", "us-ascii",
	"bogus", "iso-8859-1", "windows-1252", "cp932", "iso-2022-jp-2",
	"gb2312", "ks_c_5601-1987", "utf-16", "utf-7", "koi8-r", "",
};
#define NCHARSETS (sizeof charsets / sizeof charsets[0])

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_charset: %s\n", what);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *declared = charsets[data[0] % NCHARSETS];
	const char *hint = charsets[data[1] % NCHARSETS];
	const uint8_t *p = data + 2;
	size_t len = size - 2;

	size_t out_len = 0;
	const char *used = NULL;
	unsigned flags = 0;
	char *s = charset_to_utf8(declared, p, len, hint, &out_len, &used, &flags);
	if (s == NULL)
		die("charset_to_utf8 returned NULL");
	if (strlen(s) > out_len)
		die("output longer than the reported length");
	if (!g_utf8_validate(s, (gssize)out_len, NULL))
		die("output is not valid UTF-8");
	g_free(s);

	/* the same with no out-parameters */
	g_free(charset_to_utf8(declared, p, len, NULL, NULL, NULL, NULL));

	(void)charset_canon(declared);
	(void)charset_detect(p, len, hint);
	(void)charset_is_plain_ascii(p, len);
	return 0;
}
