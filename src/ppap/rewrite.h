/*
 * rewrite.h - the message a PPAP hold turns into when its window ends
 * without a password (docs/ppap.md): the encrypted attachments removed and
 * a notice put in their place, or the message as it was with a warning
 * tag (rewrite.c).
 *
 * Both work on a message mamori already accepted and stored, and both
 * return a new message (g_free it) or NULL with err filled; neither
 * touches the input.  The line ending of the output follows the input's
 * first line (CRLF or LF).  Every existing X-Mamori-PPAP header is
 * removed (a sender cannot pre-set it) and one is added at the top.
 */
#ifndef MAMORI_PPAP_REWRITE_H
#define MAMORI_PPAP_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Asked once for every leaf part of the message: whether to remove it.
 * filename: the part's file name (Content-Disposition filename, else
 * Content-Type name; RFC 2231/2047 decoded by GMime), NULL if none.
 * content_type: "type/subtype", lower case.  index: the leaf's position,
 * 0-based, in a depth-first walk in document order, where a leaf is every
 * part that is neither a multipart nor a message/rfc822 (whose inner
 * message is walked, not offered as a whole).  A single-part message has
 * one leaf, index 0: its body.  This is the order of the parts of
 * src/mime/message.h's model with the MULTIPART and MESSAGE containers
 * (and uuencoded blocks, MIME_ORIGIN_UUENCODE, which are no MIME parts)
 * left out.  Parts nested deeper than 64 levels are neither offered nor
 * counted.
 */
typedef bool (*ppap_drop_fn)(void *arg, const char *filename, const char *content_type,
    unsigned index);

/*
 * Remove every leaf part drop() says yes to, and if any was removed add a
 * text/plain; charset=UTF-8 part, Content-Disposition: inline, with
 * notice_text (UTF-8; NULL: a short English and Japanese default): at the
 * end of a top-level multipart/mixed, else with the body in a new
 * multipart/mixed.  A removed body (single-part message, or a multipart
 * left empty) is replaced by the notice; a multipart left empty inside is
 * removed.  subject_tag (NULL or "": none) is prefixed to the Subject,
 * unless the decoded Subject already starts with it; the Subject is then
 * written again, RFC 2047 encoded (UTF-8, B) when it is not plain ASCII.
 * The header X-Mamori-PPAP: expired; removed=N is added.  N may be 0:
 * then the input is returned as it was, with only the header edits (as
 * ppap_tag_message() would), no notice.  Otherwise the other parts are
 * written as GMime parsed them: their headers and content bytes as they
 * were (GMime may normalise the blank lines around boundaries and the
 * end of the epilogue).
 */
uint8_t *ppap_strip_attachments(const uint8_t *msg, size_t len, ppap_drop_fn drop,
    void *arg, const char *notice_text, const char *subject_tag, size_t *out_len,
    char *err, size_t errlen);

/*
 * "Deliver as is, with a warning": the Subject tagged as above (NULL or
 * "": left alone) and X-Mamori-PPAP: header_value added (NULL: none; one
 * line of printable ASCII, at most 200 characters).  Only the header
 * block changes: the body is copied byte for byte.
 */
uint8_t *ppap_tag_message(const uint8_t *msg, size_t len, const char *subject_tag,
    const char *header_value, size_t *out_len, char *err, size_t errlen);

#endif
