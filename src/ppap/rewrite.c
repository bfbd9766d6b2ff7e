/*
 * rewrite.c - the expiry rewrite of a held PPAP message (rewrite.h).
 *
 * ppap_strip_attachments() parses the message with GMime 3, removes the
 * leaf parts the caller names, adds the notice part and writes the tree
 * back: GMime keeps the raw headers and the content bytes of every part it
 * did not touch, and the boundaries.  The header edits (the Subject tag,
 * X-Mamori-PPAP) are then made on the bytes of the header block by
 * tag_raw(), which ppap_tag_message() also uses on the original: the body
 * there is copied byte for byte, never through GMime.
 *
 * A new Subject is written whole: plain ASCII folded at spaces, or, when
 * it is not plain ASCII, as UTF-8 B encoded-words of at most 42 bytes
 * each (68 columns), one per line, so that every line stays within 78
 * columns and every encoded-word within RFC 2047's 75.  The old value is
 * decoded with the mime layer's pre-pass (rfc2047.h) and GMime; a raw
 * 8-bit value that is not UTF-8 is left as it is, behind an encoded tag.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "mime/message.h"
#include "mime/rfc2047.h"
#include "ppap/rewrite.h"

#define MAX_DEPTH 64
#define MAX_HEADER_VALUE 200
#define MAX_TAG 128
#define ENC_CHUNK 42		/* bytes of text per encoded-word */
#define FOLD_AT 78
#define PPAP_HEADER "X-Mamori-PPAP"

static const char default_notice[] =
    "この添付ファイルは暗号化されており、パスワードが届かなかったため削除されました。\n"
    "An encrypted attachment of this message was removed because no password "
    "for it arrived in time.\n";

/* ---- the header block ------------------------------------------------- */

enum field_kind { F_OTHER, F_SUBJECT, F_PPAP };

struct field {
	size_t start, end;	/* bytes, continuation lines and line ends included */
	enum field_kind kind;
};

static bool
is_ftext(uint8_t c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* The length of the field name if the line p[0..n) starts a header field
 * ("Name:", or the obsolete "Name :"), else 0. */
static size_t
field_name(const uint8_t *p, size_t n)
{
	size_t i = 0, name;

	while (i < n && is_ftext(p[i]))
		i++;
	name = i;
	if (name == 0)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':' ? name : 0;
}

/* The fields of the header block of msg into fields; returns where the
 * header block ends (at its blank line, or where a line that is not a
 * header field starts, or len). */
static size_t
scan_header(const uint8_t *msg, size_t len, GArray *fields)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *nl = memchr(msg + pos, '\n', len - pos);
		size_t line_end = nl != NULL ? (size_t)(nl - msg) + 1 : len;
		size_t text_end = line_end;
		if (text_end > pos && msg[text_end - 1] == '\n')
			text_end--;
		if (text_end > pos && msg[text_end - 1] == '\r')
			text_end--;
		if (text_end == pos)
			return pos;		/* the blank line */
		size_t n = field_name(msg + pos, text_end - pos);
		if (n == 0) {
			if ((msg[pos] == ' ' || msg[pos] == '\t') && fields->len > 0) {
				g_array_index(fields, struct field, fields->len - 1).end = line_end;
				pos = line_end;
				continue;
			}
			return pos;		/* no blank line: the body starts here */
		}
		struct field f = { pos, line_end, F_OTHER };
		if (n == 7 && g_ascii_strncasecmp((const char *)msg + pos, "Subject", 7) == 0)
			f.kind = F_SUBJECT;
		else if (n == strlen(PPAP_HEADER) && g_ascii_strncasecmp(
		    (const char *)msg + pos, PPAP_HEADER, n) == 0)
			f.kind = F_PPAP;
		g_array_append_val(fields, f);
		pos = line_end;
	}
	return len;
}

static const char *
detect_newline(const uint8_t *msg, size_t len)
{
	const uint8_t *lf = memchr(msg, '\n', len);
	return lf != NULL && lf > msg && lf[-1] == '\r' ? "\r\n" : "\n";
}

/* Printable ASCII, tabs, and nothing that could read as an encoded-word. */
static bool
plain_ascii(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((*p < 0x20 || *p > 0x7e) && *p != '\t')
			return false;
	return strstr(s, "=?") == NULL;
}

/* "Subject: text" folded, with its line end, appended to o. */
static void
append_subject(GString *o, const char *text, const char *nl)
{
	size_t col;

	g_string_append(o, "Subject:");
	col = strlen("Subject:");
	if (*text == '\0') {
		g_string_append(o, nl);
		return;
	}
	if (plain_ascii(text)) {
		/* fold before a space when the line would pass FOLD_AT (never
		 * before an empty word: no whitespace-only lines) */
		char **words = g_strsplit(text, " ", -1);
		for (int i = 0; words[i] != NULL; i++) {
			size_t w = strlen(words[i]);
			if (w > 0 && col > strlen("Subject:") && col + 1 + w > FOLD_AT) {
				g_string_append(o, nl);
				col = 0;
			}
			g_string_append_c(o, ' ');
			g_string_append(o, words[i]);
			col += 1 + w;
		}
		g_strfreev(words);
		g_string_append(o, nl);
		return;
	}
	/* encoded-words, cut at character boundaries */
	const char *p = text;
	bool first = true;
	while (*p != '\0') {
		const char *q = p;
		while (*q != '\0') {
			const char *next = g_utf8_next_char(q);
			if ((size_t)(next - p) > ENC_CHUNK)
				break;
			q = next;
		}
		if (q == p)	/* cannot happen with valid UTF-8; be safe */
			q = g_utf8_next_char(p);
		char *b64 = g_base64_encode((const guchar *)p, (gsize)(q - p));
		if (!first)
			g_string_append(o, nl);
		g_string_append_printf(o, " =?UTF-8?B?%s?=", b64);
		g_free(b64);
		first = false;
		p = q;
	}
	g_string_append(o, nl);
}

/* The tag without its trailing whitespace. */
static char *
tag_trimmed(const char *tag)
{
	return g_strchomp(g_strdup(tag));
}

/* The new Subject field for the field bytes f[0..n) into o; false if the
 * decoded Subject already starts with the tag (then nothing is written). */
static bool
tagged_subject(GString *o, const uint8_t *f, size_t n, const char *tag, const char *nl)
{
	const uint8_t *colon = memchr(f, ':', n);
	GString *raw = g_string_new(NULL);
	char *ttag = tag_trimmed(tag);
	bool changed = true;

	/* the value, unfolded, NUL bytes made spaces */
	for (size_t i = colon != NULL ? (size_t)(colon - f) + 1 : n; i < n; i++)
		if (f[i] != '\r' && f[i] != '\n')
			g_string_append_c(raw, f[i] != '\0' ? (char)f[i] : ' ');
	g_strstrip(raw->str);

	if (g_utf8_validate(raw->str, -1, NULL)) {
		bool malformed = false;
		char *norm = rfc2047_normalize(raw->str, &malformed);
		char *dec = g_mime_utils_header_decode_text(NULL, norm != NULL ? norm : raw->str);
		g_free(norm);
		char *text = g_utf8_make_valid(dec != NULL ? dec : "", -1);
		g_free(dec);
		g_strstrip(text);
		if (g_str_has_prefix(text, ttag)) {
			changed = false;
		} else {
			char *t = *text != '\0' ? g_strconcat(tag, text, NULL) : g_strdup(ttag);
			append_subject(o, t, nl);
			g_free(t);
		}
		g_free(text);
	} else if (g_str_has_prefix(raw->str, ttag)) {
		changed = false;
	} else {
		/* raw 8-bit text in an unknown charset: kept, behind the tag */
		GString *t = g_string_new(NULL);
		append_subject(t, ttag, nl);
		g_string_truncate(t, t->len - strlen(nl));
		g_string_append_c(t, ' ');
		g_string_append(t, raw->str);
		g_string_append(t, nl);
		g_string_append_len(o, t->str, (gssize)t->len);
		g_string_free(t, TRUE);
	}
	g_free(ttag);
	g_string_free(raw, TRUE);
	return changed;
}

static bool
tag_valid(const char *tag, char *err, size_t errlen)
{
	if (tag == NULL || *tag == '\0')
		return true;
	if (strlen(tag) > MAX_TAG || !g_utf8_validate(tag, -1, NULL)) {
		snprintf(err, errlen, "subject tag: not UTF-8, or longer than %d bytes", MAX_TAG);
		return false;
	}
	for (const char *p = tag; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "subject tag: control character");
			return false;
		}
	return true;
}

static bool
header_value_valid(const char *v, char *err, size_t errlen)
{
	if (v == NULL)
		return true;
	if (strlen(v) > MAX_HEADER_VALUE) {
		snprintf(err, errlen, PPAP_HEADER ": value longer than %d bytes",
		    MAX_HEADER_VALUE);
		return false;
	}
	for (const char *p = v; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e) {
			snprintf(err, errlen, PPAP_HEADER ": value not printable ASCII");
			return false;
		}
	return true;
}

/* The header edits on the bytes of msg: see rewrite.h. */
static uint8_t *
tag_raw(const uint8_t *msg, size_t len, const char *tag, const char *header_value,
    size_t *out_len)
{
	GArray *fields = g_array_new(FALSE, FALSE, sizeof(struct field));
	size_t hdr_end = scan_header(msg, len, fields);
	const char *nl = detect_newline(msg, len);
	GString *o = g_string_sized_new(len + 512);
	bool tagging = tag != NULL && *tag != '\0', subject_seen = false;
	size_t cur = 0;

	if (header_value != NULL)
		g_string_append_printf(o, PPAP_HEADER ": %s%s", header_value, nl);
	for (guint i = 0; i < fields->len; i++) {
		const struct field *f = &g_array_index(fields, struct field, i);
		if (f->kind == F_PPAP) {
			g_string_append_len(o, (const char *)msg + cur, (gssize)(f->start - cur));
			cur = f->end;
		} else if (f->kind == F_SUBJECT && tagging && !subject_seen) {
			subject_seen = true;
			g_string_append_len(o, (const char *)msg + cur, (gssize)(f->start - cur));
			GString *s = g_string_new(NULL);
			if (tagged_subject(s, msg + f->start, f->end - f->start, tag, nl))
				g_string_append_len(o, s->str, (gssize)s->len);
			else
				g_string_append_len(o, (const char *)msg + f->start,
				    (gssize)(f->end - f->start));
			/* a last field without its line end got one */
			g_string_free(s, TRUE);
			cur = f->end;
		}
	}
	g_string_append_len(o, (const char *)msg + cur, (gssize)(hdr_end - cur));
	if (tagging && !subject_seen) {
		if (o->len > 0 && o->str[o->len - 1] != '\n')
			g_string_append(o, nl);
		char *t = tag_trimmed(tag);
		append_subject(o, t, nl);
		g_free(t);
	}
	if (hdr_end == len && len > 0 && o->len > 0 && o->str[o->len - 1] != '\n')
		g_string_append(o, nl);		/* headers only, no line end */
	g_string_append_len(o, (const char *)msg + hdr_end, (gssize)(len - hdr_end));
	g_array_free(fields, TRUE);
	*out_len = o->len;
	return (uint8_t *)g_string_free(o, FALSE);
}

uint8_t *
ppap_tag_message(const uint8_t *msg, size_t len, const char *subject_tag,
    const char *header_value, size_t *out_len, char *err, size_t errlen)
{
	*out_len = 0;
	if (msg == NULL || len == 0) {
		snprintf(err, errlen, "empty message");
		return NULL;
	}
	if (!tag_valid(subject_tag, err, errlen) || !header_value_valid(header_value, err,
	    errlen))
		return NULL;
	mime_init();
	return tag_raw(msg, len, subject_tag, header_value, out_len);
}

/* ---- removing parts --------------------------------------------------- */

struct victim {
	GMimeObject *parent;	/* a multipart, a message part, or NULL: the top */
	GMimeObject *part;
};

struct strip {
	ppap_drop_fn drop;
	void *arg;
	unsigned next;		/* the next leaf's index */
	GArray *victims;	/* struct victim */
};

static void
walk(struct strip *sp, GMimeObject *obj, GMimeObject *parent, unsigned depth)
{
	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk(sp, g_mime_multipart_get_part(mp, i), obj, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m != NULL)
			walk(sp, g_mime_message_get_mime_part(m), obj, depth + 1);
	} else {
		unsigned index = sp->next++;
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		char *type = ct != NULL ? g_mime_content_type_get_mime_type(ct)
		    : g_strdup("text/plain");
		char *lower = g_ascii_strdown(type, -1);
		const char *fn = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj))
		    : NULL;
		if (sp->drop(sp->arg, fn, lower, index)) {
			struct victim v = { parent, obj };
			g_array_append_val(sp->victims, v);
		}
		g_free(lower);
		g_free(type);
	}
}

static GMimeObject *
notice_new(const char *text)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	char *t = g_str_has_suffix(text, "\n") ? g_strdup(text) : g_strconcat(text, "\n", NULL);

	g_mime_text_part_set_text(tp, t);
	g_mime_text_part_set_charset(tp, "UTF-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp),
	    g_mime_part_get_best_content_encoding(GMIME_PART(tp),
	    GMIME_ENCODING_CONSTRAINT_7BIT));
	g_mime_object_set_disposition(GMIME_OBJECT(tp), "inline");
	g_free(t);
	return GMIME_OBJECT(tp);
}

static bool
empty_multipart(GMimeObject *obj)
{
	return GMIME_IS_MULTIPART(obj) && g_mime_multipart_get_count(GMIME_MULTIPART(obj)) == 0;
}

/* Remove the multiparts left empty below obj; an inner message whose body
 * is left an empty multipart gets the notice as its body. */
static void
prune(GMimeObject *obj, const char *notice, unsigned depth)
{
	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		for (int i = g_mime_multipart_get_count(mp) - 1; i >= 0; i--) {
			GMimeObject *c = g_mime_multipart_get_part(mp, i);
			prune(c, notice, depth + 1);
			if (empty_multipart(c))
				g_mime_multipart_remove(mp, c);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m == NULL)
			return;
		GMimeObject *body = g_mime_message_get_mime_part(m);
		prune(body, notice, depth + 1);
		if (body != NULL && empty_multipart(body)) {
			GMimeObject *n = notice_new(notice);
			g_mime_message_set_mime_part(m, n);
			g_object_unref(n);
		}
	}
}

/* The victims out of the tree; returns how many; *top_replaced when the
 * message body itself became the notice. */
static unsigned
remove_victims(GMimeMessage *m, GArray *victims, const char *notice, bool *top_replaced)
{
	for (guint i = 0; i < victims->len; i++) {
		struct victim *v = &g_array_index(victims, struct victim, i);
		if (v->parent == NULL) {
			GMimeObject *n = notice_new(notice);
			g_mime_message_set_mime_part(m, n);
			g_object_unref(n);
			*top_replaced = true;
		} else if (GMIME_IS_MULTIPART(v->parent)) {
			g_mime_multipart_remove(GMIME_MULTIPART(v->parent), v->part);
		} else {
			GMimeMessage *inner = g_mime_message_part_get_message(
			    GMIME_MESSAGE_PART(v->parent));
			GMimeObject *n = notice_new(notice);
			g_mime_message_set_mime_part(inner, n);
			g_object_unref(n);
		}
	}
	return victims->len;
}

/* The notice where the reader sees it: see rewrite.h. */
static void
add_notice(GMimeMessage *m, const char *notice)
{
	GMimeObject *body = g_mime_message_get_mime_part(m);
	GMimeObject *n = notice_new(notice);

	if (body == NULL || empty_multipart(body)) {
		g_mime_message_set_mime_part(m, n);
	} else if (GMIME_IS_MULTIPART(body) && g_mime_content_type_is_type(
	    g_mime_object_get_content_type(body), "multipart", "mixed")) {
		g_mime_multipart_add(GMIME_MULTIPART(body), n);
	} else {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, body);	/* takes a reference first */
		g_mime_multipart_add(mixed, n);
		g_mime_message_set_mime_part(m, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	}
	g_object_unref(n);
}

static GMimeParserOptions *
parser_options(void)
{
	static const char *fallback[] = { "UTF-8", "CP1252", NULL };
	GMimeParserOptions *po = g_mime_parser_options_new();

	g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(po, TRUE);
	g_mime_parser_options_set_fallback_charsets(po, fallback);
	return po;
}

uint8_t *
ppap_strip_attachments(const uint8_t *msg, size_t len, ppap_drop_fn drop, void *arg,
    const char *notice_text, const char *subject_tag, size_t *out_len,
    char *err, size_t errlen)
{
	GMimeParserOptions *po = NULL;
	GMimeFormatOptions *fo = NULL;
	GMimeStream *out = NULL;
	GMimeMessage *m = NULL;
	struct strip sp = { .drop = drop, .arg = arg };
	uint8_t *result = NULL;

	*out_len = 0;
	if (msg == NULL || len == 0 || drop == NULL) {
		snprintf(err, errlen, "%s", drop == NULL ? "no drop function" : "empty message");
		return NULL;
	}
	if (notice_text == NULL)
		notice_text = default_notice;
	if (!g_utf8_validate(notice_text, -1, NULL)) {
		snprintf(err, errlen, "notice text: not UTF-8");
		return NULL;
	}
	if (!tag_valid(subject_tag, err, errlen))
		return NULL;
	mime_init();

	po = parser_options();
	GMimeStream *in = g_mime_stream_mem_new_with_buffer((const char *)msg, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(in);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, po);
	g_object_unref(parser);
	g_object_unref(in);
	if (m == NULL) {
		snprintf(err, errlen, "not a message: GMime cannot parse it");
		goto out;
	}

	sp.victims = g_array_new(FALSE, FALSE, sizeof(struct victim));
	walk(&sp, g_mime_message_get_mime_part(m), NULL, 0);
	bool top_replaced = false;
	unsigned removed = remove_victims(m, sp.victims, notice_text, &top_replaced);
	g_array_free(sp.victims, TRUE);
	if (removed == 0) {
		/* nothing to remove: the input as it was, tagged */
		result = tag_raw(msg, len, subject_tag, "expired; removed=0", out_len);
		goto out;
	}
	if (!top_replaced) {
		prune(g_mime_message_get_mime_part(m), notice_text, 0);
		add_notice(m, notice_text);
	}
	/* the new parts are MIME whatever the input was */
	if (g_mime_object_get_header(GMIME_OBJECT(m), "MIME-Version") == NULL)
		g_mime_object_set_header(GMIME_OBJECT(m), "MIME-Version", "1.0", NULL);

	fo = g_mime_format_options_new();
	bool crlf = strcmp(detect_newline(msg, len), "\r\n") == 0;
	g_mime_format_options_set_newline_format(fo, crlf ? GMIME_NEWLINE_FORMAT_DOS
	    : GMIME_NEWLINE_FORMAT_UNIX);
	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, out) < 0) {
		snprintf(err, errlen, "cannot write the rewritten message");
		goto out;
	}
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	if (ba->len == 0) {
		snprintf(err, errlen, "the rewritten message is empty");
		goto out;
	}
	/* GMime drops the line end after an epilogue */
	if (ba->data[ba->len - 1] != '\n') {
		const char *nl = crlf ? "\r\n" : "\n";
		g_byte_array_append(ba, (const guint8 *)nl, (guint)strlen(nl));
	}
	char hv[64];
	snprintf(hv, sizeof hv, "expired; removed=%u", removed);
	result = tag_raw(ba->data, ba->len, subject_tag, hv, out_len);
out:
	if (out != NULL)
		g_object_unref(out);
	if (m != NULL)
		g_object_unref(m);
	if (fo != NULL)
		g_mime_format_options_free(fo);
	if (po != NULL)
		g_mime_parser_options_free(po);
	return result;
}
