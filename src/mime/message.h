/*
 * message.h - the message model every check works on, built with GMime.
 *
 * A parsed message is immutable.  It owns copies of everything it holds
 * (no GMime object outlives mime_message_parse), so it may be read by any
 * number of checks, in any thread, until mime_message_free().
 *
 * Text is UTF-8 everywhere: decoded header values, display names, subjects
 * and the text of text/plain and text/html parts.  Raw header values are
 * kept as they were on the wire.
 */
#ifndef MAMORI_MIME_MESSAGE_H
#define MAMORI_MIME_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct mime_limits {
	size_t max_size;	/* bytes of the message parsed; the rest is cut */
	size_t max_decoded;	/* decoded bytes over all parts */
	unsigned max_parts;	/* MIME parts (containers included) */
	unsigned max_depth;	/* nesting of multiparts and message/rfc822 */
	unsigned max_names;	/* names listed past max_parts / max_depth */
};

/*
 * What was wrong with the message.  Each defect is recorded once per
 * (kind, detail); the detail names a header, a part or a charset.
 */
enum mime_defect {
	MIME_DEF_NUL_BYTE,		/* NUL bytes in the message */
	MIME_DEF_LONG_LINE,		/* a line longer than 998 octets */
	MIME_DEF_8BIT_HEADER,		/* raw 8-bit bytes in a header */
	MIME_DEF_DUPLICATE_HEADER,	/* a header that must be single, repeated */
	MIME_DEF_NO_BOUNDARY,		/* multipart without a boundary */
	MIME_DEF_TRUNCATED,		/* multipart never closed, base64 cut short */
	MIME_DEF_EMPTY_MULTIPART,	/* a multipart with no parts */
	MIME_DEF_BAD_STRUCTURE,		/* other structural damage */
	MIME_DEF_BAD_CONTENT_TYPE,	/* unparsable Content-Type */
	MIME_DEF_BAD_ENCODING,		/* base64 with invalid characters or data
					   after the padding; unknown CTE */
	MIME_DEF_BAD_RFC2047,		/* broken encoded-words */
	MIME_DEF_BAD_ADDRESS,		/* address header without an address */
	MIME_DEF_BAD_DATE,		/* a Date header that does not parse */
	MIME_DEF_CHARSET_UNKNOWN,	/* declared charset nobody knows */
	MIME_DEF_CHARSET_UNDECLARED,	/* 8-bit text without a charset: detected */
	MIME_DEF_CHARSET_MISMATCH,	/* declared charset wrong, another fit */
	MIME_DEF_CHARSET_LOSSY,		/* bytes that did not decode */
	MIME_DEF_LIMIT_SIZE,		/* limits: see struct mime_limits */
	MIME_DEF_LIMIT_PARTS,
	MIME_DEF_LIMIT_DEPTH,
	MIME_DEF_LIMIT_DECODED,
	MIME_DEF_LIMIT_NAMES,		/* more names past the limits than max_names */
	MIME_DEF_COUNT
};

struct mime_defect_rec {
	enum mime_defect kind;
	char *detail;		/* may be NULL */
};

struct mime_addr {
	char *name;		/* display name, UTF-8, "" if none */
	char *addr;		/* addr-spec, "" if none */
};

struct mime_header {
	char *name;		/* as written */
	char *raw;		/* raw value, folded, as on the wire */
	char *value;		/* unfolded, RFC 2047 decoded, UTF-8 */
};

/* The headers of a message (top-level, or attached message/rfc822). */
struct mime_headers {
	GPtrArray *all;			/* struct mime_header *, in order */
	GArray *from, *sender, *reply_to, *to, *cc;	/* struct mime_addr */
	char *subject;			/* NULL if absent */
	char *message_id;		/* without <>, NULL if absent */
	char *in_reply_to;		/* first msg-id, NULL if absent */
	GPtrArray *references;		/* char *, oldest first */
	GPtrArray *received;		/* char *, decoded, newest first */
	char *date_raw;			/* NULL if absent */
	gint64 date;			/* Unix time if date_ok */
	bool date_ok;
};

enum mime_part_kind {
	MIME_PART_MULTIPART,	/* container */
	MIME_PART_MESSAGE,	/* message/rfc822: headers in ->embedded */
	MIME_PART_TEXT,		/* text/plain (and text/enriched) body */
	MIME_PART_HTML,		/* text/html body */
	MIME_PART_ATTACHMENT,	/* anything else, and named text files */
};

enum mime_part_origin {
	MIME_ORIGIN_MIME,	/* a MIME part */
	MIME_ORIGIN_UUENCODE,	/* a uuencoded block inside a text part */
};

struct mime_part {
	unsigned index;		/* position in mime_message.parts */
	unsigned depth;		/* 0 for the top-level body */
	struct mime_part *parent;	/* NULL for the top-level body */
	enum mime_part_kind kind;
	enum mime_part_origin origin;
	char *type;		/* "type/subtype", lower case */
	char *charset;		/* declared, NULL if none */
	const char *charset_used;	/* what decoded ->text (static) */
	char *filename;		/* declared name, decoded; NULL if none */
	char *disposition;	/* "inline", "attachment"... lower case; or NULL */
	char *encoding;		/* Content-Transfer-Encoding, lower case; or NULL */
	char *path;		/* "fwd.eml/invoice.zip": names from the message */
	uint8_t *data;		/* decoded content; NULL for containers */
	size_t len;
	char *text;		/* UTF-8 text of TEXT/HTML parts, else NULL */
	size_t text_len;
	bool truncated;		/* content cut by a limit */
	struct mime_headers *embedded;	/* MESSAGE parts: its headers */
	/* struct mime_header *: the part's own header fields as written
	 * (Content-Type, Content-Disposition ...; for the top-level body, the
	 * message's Content-* fields); empty for a uuencoded block */
	GPtrArray *fields;
};

/*
 * A part (or, in the object tree, an object) past a limit: not examined,
 * but its declared name is known and still judged.
 */
struct mime_name {
	char *name;		/* as declared */
	char *path;		/* where: the path of names from the message */
};
void mime_name_free(gpointer p);

struct mime_message {
	size_t size;			/* bytes of input */
	struct mime_headers *headers;
	GPtrArray *parts;		/* struct mime_part *, document order */
	GPtrArray *defects;		/* struct mime_defect_rec * */
	/* struct mime_name *: the named parts past max_parts or max_depth,
	 * which are not examined; their names still are (dangerous types) */
	GPtrArray *names_beyond;
	uint32_t defect_mask;		/* 1u << enum mime_defect */
};

/* Initialise GMime once per process (thread-safe); the parse does it,
 * other users of GMime call it first. */
void mime_init(void);

/* Never returns NULL: every input gives a message, maybe with defects. */
struct mime_message *mime_message_parse(const uint8_t *p, size_t len,
    const struct mime_limits *lim);
void mime_message_free(struct mime_message *msg);

/* Symbolic name of a defect, e.g. "nul_byte". */
const char *mime_defect_name(enum mime_defect d);
bool mime_message_has_defect(const struct mime_message *msg, enum mime_defect d);

/* The nth (0-based) header called name (case-insensitive), or NULL. */
const struct mime_header *mime_headers_get(const struct mime_headers *h,
    const char *name, unsigned nth);
unsigned mime_headers_count(const struct mime_headers *h, const char *name);

#endif
