/*
 * check_message.c - symbols for the message itself: its MIME structure,
 * its headers and its charsets.  The parser (src/mime) records defects;
 * this check names them.  Limits the parser hit become
 * SCAN_LIMIT_EXCEEDED, with the limit's name as the option.
 *
 * And a few native heuristics on the message's shape that rspamd users
 * expect and that work without SpamAssassin's rule files (issue 15): a
 * Subject in capitals, too many visible recipients (the spam module has
 * the HTML-only message with little text, which reads the content).
 */
#include <stdio.h>
#include <string.h>

#include "core/conf.h"
#include "core/module.h"
#include "mime/message.h"

#define SYMBOLS(X) \
	X(MIME_MALFORMED, 2.0, NO_FORCE, "The MIME structure is damaged: a multipart without boundary or never closed, invalid base64, unparsable Content-Type or parameters, an unknown transfer encoding. Options name each defect.") \
	X(MIME_NUL_BYTES, 1.5, NO_FORCE, "The message contains NUL bytes, which no mail client writes.") \
	X(MIME_LONG_LINE, 0.5, NO_FORCE, "A line is longer than the 998 octets RFC 5322 allows.") \
	X(HEADER_8BIT, 0.5, NO_FORCE, "A header holds raw 8-bit bytes (or raw ISO-2022-JP escape sequences) instead of RFC 2047 encoded-words; options name the headers. The text is decoded with the charset detected for the header block.") \
	X(HEADER_DUPLICATE, 1.5, NO_FORCE, "A header that may appear only once (From, To, Subject, Date, Message-ID ...) appears more than once; options name them.") \
	X(HEADER_BAD_RFC2047, 0.3, NO_FORCE, "A header holds malformed RFC 2047 encoded-words (decoded leniently, as mail clients do).") \
	X(HEADER_BAD_ADDRESS, 1.0, NO_FORCE, "An address header (From, To, Cc, Reply-To, Sender) could not be parsed as an address list.") \
	X(INVALID_DATE, 1.0, NO_FORCE, "The Date header is present but is not a date.") \
	X(MISSING_FROM, 2.0, NO_FORCE, "There is no From header, or it holds no address.") \
	X(MISSING_DATE, 1.0, NO_FORCE, "There is no Date header.") \
	X(MISSING_MESSAGE_ID, 1.5, NO_FORCE, "There is no Message-ID header, or it is empty.") \
	X(MISSING_SUBJECT, 1.0, NO_FORCE, "There is no Subject header.") \
	X(MISSING_TO, 1.0, NO_FORCE, "There is no To header.") \
	X(CHARSET_UNDECLARED, 0.5, NO_FORCE, "A text part holds 8-bit text without a charset (or labelled us-ascii); the option is the charset detected and used.") \
	X(CHARSET_UNKNOWN, 1.0, NO_FORCE, "A text part declares a charset that is not known; the text was decoded with a detected charset.") \
	X(CHARSET_MISMATCH, 0.5, NO_FORCE, "A text part's declared charset does not fit its bytes, another charset does; the option is the declared one.") \
	X(CHARSET_DECODE_ERROR, 0.5, NO_FORCE, "Some bytes of a text part could not be decoded in any charset tried and became U+FFFD.") \
	X(SUBJECT_ALL_CAPS, 0.5, NO_FORCE, "The Subject has at least message.caps_letters_min letters that have a case, and none of them is lower case (scripts without case, such as Japanese, are not counted). Option: how many.") \
	X(RCPT_MANY, 1.0, NO_FORCE, "To and Cc together name more than message.recipients_max addresses: a mailing that shows its whole list. Option: how many.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* the section message */
struct message_conf {
	uint32_t caps_letters_min;
	uint32_t recipients_max;
};

#define C struct message_conf
static const struct conf_key keys[] = {
	CONF_UINT(C, caps_letters_min, 1, 1000, 10,
	    "SUBJECT_ALL_CAPS: letters with a case the Subject must have, all capitals"),
	CONF_UINT(C, recipients_max, 1, 100000, 50,
	    "RCPT_MANY: addresses in To and Cc together, at most"),
};
#undef C

/* The symbol of a defect; NULL for the limits (SCAN_LIMIT_EXCEEDED). */
static mamori_sym
defect_symbol(enum mime_defect d)
{
	switch (d) {
	case MIME_DEF_NUL_BYTE: return SYM(MIME_NUL_BYTES);
	case MIME_DEF_LONG_LINE: return SYM(MIME_LONG_LINE);
	case MIME_DEF_8BIT_HEADER: return SYM(HEADER_8BIT);
	case MIME_DEF_DUPLICATE_HEADER: return SYM(HEADER_DUPLICATE);
	case MIME_DEF_BAD_RFC2047: return SYM(HEADER_BAD_RFC2047);
	case MIME_DEF_BAD_ADDRESS: return SYM(HEADER_BAD_ADDRESS);
	case MIME_DEF_BAD_DATE: return SYM(INVALID_DATE);
	case MIME_DEF_CHARSET_UNKNOWN: return SYM(CHARSET_UNKNOWN);
	case MIME_DEF_CHARSET_UNDECLARED: return SYM(CHARSET_UNDECLARED);
	case MIME_DEF_CHARSET_MISMATCH: return SYM(CHARSET_MISMATCH);
	case MIME_DEF_CHARSET_LOSSY: return SYM(CHARSET_DECODE_ERROR);
	case MIME_DEF_LIMIT_SIZE:
	case MIME_DEF_LIMIT_PARTS:
	case MIME_DEF_LIMIT_DEPTH:
	case MIME_DEF_LIMIT_DECODED:
	case MIME_DEF_LIMIT_NAMES:
		return NULL;
	case MIME_DEF_NO_BOUNDARY:
	case MIME_DEF_TRUNCATED:
	case MIME_DEF_EMPTY_MULTIPART:
	case MIME_DEF_BAD_STRUCTURE:
	case MIME_DEF_BAD_CONTENT_TYPE:
	case MIME_DEF_BAD_ENCODING:
	case MIME_DEF_COUNT:
		break;
	}
	return SYM(MIME_MALFORMED);
}

/* The limit behind a MIME_DEF_LIMIT_* defect. */
static enum mamori_limit
defect_limit(enum mime_defect d)
{
	switch (d) {
	case MIME_DEF_LIMIT_SIZE: return MAMORI_LIMIT_MESSAGE_SIZE;
	case MIME_DEF_LIMIT_PARTS: return MAMORI_LIMIT_PARTS;
	case MIME_DEF_LIMIT_DEPTH: return MAMORI_LIMIT_DEPTH;
	case MIME_DEF_LIMIT_DECODED: return MAMORI_LIMIT_DECODED_BYTES;
	default: return MAMORI_LIMIT_LISTED_NAMES;
	}
}

/* SUBJECT_ALL_CAPS: letters with a case, none lower case. */
static void
subject_caps(struct scan_ctx *ctx, const char *subject, uint32_t min)
{
	unsigned upper = 0;
	if (subject == NULL || !g_utf8_validate(subject, -1, NULL))
		return;
	for (const char *p = subject; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_islower(c))
			return;
		upper += g_unichar_isupper(c) || g_unichar_istitle(c);
	}
	if (upper >= min)
		scan_addf(ctx, SYM(SUBJECT_ALL_CAPS), "%u", upper);
}

static void
run(struct scan_ctx *ctx)
{
	const struct mime_message *msg = scan_message(ctx);
	const struct mime_headers *h = msg->headers;

	for (guint i = 0; i < msg->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(msg->defects, i);
		mamori_sym sym = defect_symbol(r->kind);
		const char *name = mime_defect_name(r->kind);
		if (sym == SYM(MIME_MALFORMED)) {
			if (r->detail != NULL)
				scan_addf(ctx, sym, "%s:%s", name, r->detail);
			else
				scan_add(ctx, sym, name);
		} else if (sym == NULL) {
			scan_limit(ctx, defect_limit(r->kind), "%s", name);
		} else {
			scan_add(ctx, sym, r->detail);
		}
	}

	if (h->from->len == 0)
		scan_add(ctx, SYM(MISSING_FROM), NULL);
	if (mime_headers_get(h, "Date", 0) == NULL)
		scan_add(ctx, SYM(MISSING_DATE), NULL);
	if (h->message_id == NULL || h->message_id[0] == '\0')
		scan_add(ctx, SYM(MISSING_MESSAGE_ID), NULL);
	if (mime_headers_get(h, "Subject", 0) == NULL)
		scan_add(ctx, SYM(MISSING_SUBJECT), NULL);
	if (mime_headers_get(h, "To", 0) == NULL)
		scan_add(ctx, SYM(MISSING_TO), NULL);

	const struct message_conf *conf = scan_module_conf(ctx);
	subject_caps(ctx, h->subject, conf->caps_letters_min);
	guint rcpts = h->to->len + h->cc->len;
	if (rcpts > conf->recipients_max)
		scan_addf(ctx, SYM(RCPT_MANY), "%u", rcpts);
}

const struct mamori_module module_message = {
	.name = "message",
	.stage = MAMORI_STAGE_MESSAGE,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("message", keys, struct message_conf, NULL),
	.run = run,
};
