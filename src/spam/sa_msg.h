/*
 * sa_msg.h - the message as SpamAssassin's rules and eval functions read
 * it (issue 15): the header fields of the top-level header block, each
 * raw and decoded (Message/Node.pm), and what a header rule's target
 * reads (PerMsgStatus.pm get()).  Shared by the spam module's header
 * rules and the eval functions (sa_eval.h).
 */
#ifndef MAMORI_SPAM_SA_MSG_H
#define MAMORI_SPAM_SA_MSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/*
 * One header field as SpamAssassin reads it: every field of the top-level
 * header block in order, the Content-* fields included, as raw (after the
 * colon and its blanks, folding kept, line ends LF) and decoded (folds
 * made spaces, line ends removed, RFC 2047 words decoded but in the
 * fields SpamAssassin leaves alone), each ending in a newline.
 */
struct sa_field {
	char *name;
	char *raw;
	char *decoded;
};

/* at most this many fields are read (the limits.* of the scan bound the
 * message itself) */
#define SA_FIELDS_MAX 1000

/* The fields of raw[0..len) (a leading mbox "From " line skipped), a
 * GPtrArray of struct sa_field * that frees them. */
GPtrArray *sa_fields_parse(const uint8_t *raw, size_t len);

/*
 * The values of every field named name (case-insensitive), appended to
 * out: decoded, each ending in a newline; or raw (get_header(raw)) with
 * folds made one space and the newline kept at the end.
 */
void sa_header_values(const GPtrArray *fields, const char *name, bool raw, GString *out);

/* How many fields are named name. */
unsigned sa_header_count(const GPtrArray *fields, const char *name);

/* Whether field name a is b, ignoring case (g_ascii_strcasecmp()), the
 * first letters compared first: most fields a lookup passes differ there.
 * | 0x20 is an ASCII letter's lower case; two octets equal but for case
 * stay equal (others may meet: the full compare decides). */
static inline bool
sa_field_name_is(const char *a, const char *b)
{
	return (a[0] | 0x20) == (b[0] | 0x20) && g_ascii_strcasecmp(a, b) == 0;
}

/*
 * :addr and :name: every address (or non-empty display name) of every
 * value of the header, parsed by GMime, one a line (no newline after the
 * last), appended to out.
 */
void sa_header_addresses(const GPtrArray *fields, const char *name, bool want_name,
    GString *out);

#endif
