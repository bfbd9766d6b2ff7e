/*
 * charset.h - text in any charset mail uses, to UTF-8, as a mail client would.
 *
 * Declared charset names are mapped the way mail clients and the WHATWG
 * Encoding Standard do (iso-8859-1 and us-ascii are windows-1252, shift_jis
 * is Windows-31J, ks_c_5601-1987 is CP949, gb2312 is GB18030 ...), so that
 * the vendor extensions real mail uses (circled digits, (株) ...) decode.
 * ISO-2022-JP is decoded by mapping JIS X 0208 to Shift_JIS and converting
 * as CP932, which is what Windows clients do and what makes NEC row 13
 * characters decode; glibc's ISO-2022-JP rejects them.
 *
 * Unlabelled or mislabelled 8-bit text is detected: escape sequences of
 * ISO-2022-JP, then UTF-8 validity, then ICU's statistical detector.
 *
 * Conversion never fails: bytes that do not convert become U+FFFD and the
 * caller is told the result is lossy.
 */
#ifndef MAMORI_MIME_CHARSET_H
#define MAMORI_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum charset_flags {
	CHARSET_LOSSY = 1 << 0,		/* some bytes became U+FFFD */
	CHARSET_DETECTED = 1 << 1,	/* the charset was guessed, not declared */
	CHARSET_UNKNOWN = 1 << 2,	/* the declared charset is not known */
	CHARSET_MISMATCH = 1 << 3,	/* declared charset did not fit, another did */
};

/*
 * The name iconv should use for a declared charset, or NULL if unknown.
 * Returns a static string, or ISO-2022-JP for our own decoder.
 */
const char *charset_canon(const char *declared);

/*
 * Guess the charset of 8-bit (or escape-coded) text.  Returns a static
 * canonical name: "US-ASCII", "UTF-8", "ISO-2022-JP", "CP932", ...
 * hint (may be NULL) is a charset declared elsewhere in the message.
 */
const char *charset_detect(const uint8_t *p, size_t len, const char *hint);

/* True if p holds only 7-bit bytes and no ISO-2022 escape sequences. */
bool charset_is_plain_ascii(const uint8_t *p, size_t len);

/*
 * Convert len bytes to a NUL-terminated UTF-8 string (g_free it).
 * declared may be NULL.  *out_len (may be NULL) receives the length,
 * *used (may be NULL) the charset finally used, *flags (may be NULL) a set
 * of enum charset_flags.
 */
char *charset_to_utf8(const char *declared, const uint8_t *p, size_t len,
    const char *hint, size_t *out_len, const char **used, unsigned *flags);

#endif
