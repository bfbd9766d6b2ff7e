/*
 * rfc2047.h - encoded-words made safe for GMime's decoder.
 *
 * GMime does RFC 2047 decoding for us, with two faults that matter to a
 * filter (so this pre-pass exists; see docs/ARCHITECTURE.md):
 *  - GMime 3.2.13 (Debian 12) drops an encoded-word that follows a padded
 *    base64 word in the same charset ("=?UTF-8?B?YWI=?= =?UTF-8?B?Y2Q=?="
 *    decodes to "ab"; GMime issue #133).  Text a client shows but the
 *    filter does not see is an evasion.
 *  - It converts with glibc's strict ISO-2022-JP, which rejects the NEC and
 *    IBM extensions (circled digits, (株) ...) that Japanese mailers send.
 * rfc2047_normalize() decodes each run of adjacent encoded-words itself
 * (bytes of same-charset neighbours joined, as RFC 2047 6.2 and clients
 * allow for characters split across words; charsets via charset.c) and
 * writes the run back as one UTF-8 encoded-word.  Everything else,
 * including phrase and comment rules, stays GMime's job.
 */
#ifndef MAMORI_MIME_RFC2047_H
#define MAMORI_MIME_RFC2047_H

#include <stdbool.h>

/*
 * The header text s with every run of encoded-words rewritten, or NULL if
 * s holds none (nothing to do).  *malformed is set when something that
 * starts like an encoded-word is broken (bad form, bad base64, unknown
 * charset).  Returns g_malloc'd memory.
 */
char *rfc2047_normalize(const char *s, bool *malformed);

#endif
