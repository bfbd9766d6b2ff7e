/*
 * message.c - build the message model (message.h) from bytes, with GMime.
 *
 * Design: GMime does all MIME parsing (headers, multiparts, RFC 2047/2231,
 * transfer encodings, addresses, dates).  This file walks what GMime built,
 * copies it into our own structures and records defects (NUL bytes, long
 * lines, unclosed multiparts, invalid base64, charset trouble, duplicate
 * single headers ...).  GMime's own parser warnings are not used: enabling
 * them makes GMime decode every header of every message, which cost more
 * than all the rest of parsing (bench/).
 *
 * Header text is decoded the way mail clients do: raw 8-bit bytes are run
 * through the charset detector first (one guess per message, from all 8-bit
 * header bytes together, since a single subject is short), encoded-words
 * are normalised (rfc2047.h), then decoded in GMime's lenient mode.
 *
 * Limits (struct mime_limits): the message is cut at max_size; parts past
 * max_parts and deeper than max_depth are not walked; decoded content past
 * max_decoded is cut.  Each cut is recorded as a defect.  GMime also caps
 * MIME nesting on its own, far above our default max_depth.
 *
 * Security: GMime is given a bounded buffer.  Everything copied out of it
 * is length-checked; details recorded with defects are cut to
 * DETAIL_MAX bytes and made valid UTF-8.
 */
#include "message.h"

#include <string.h>

#include <gmime/gmime.h>

#include "charset.h"
#include "rfc2047.h"
#include "util/text.h"

#define DETAIL_MAX 100
#define NAME_MAX_BYTES 1024
#define DEFECTS_PER_KIND 8
#define HEADER_DETECT_MAX (64 * 1024)
#define RFC5322_LINE_MAX 998

struct parse_ctx {
	struct mime_message *msg;
	const uint8_t *raw;		/* the bytes GMime parses */
	size_t raw_len;
	const struct mime_limits *lim;
	GMimeParserOptions *opts;
	const char *header_charset;	/* guess for raw 8-bit header bytes */
	const char *body_hint;		/* first charset declared in the message */
	size_t decoded_total;
	bool parts_capped;
};

static const char *const defect_names[MIME_DEF_COUNT] = {
	[MIME_DEF_NUL_BYTE] = "nul_byte",
	[MIME_DEF_LONG_LINE] = "long_line",
	[MIME_DEF_8BIT_HEADER] = "8bit_header",
	[MIME_DEF_DUPLICATE_HEADER] = "duplicate_header",
	[MIME_DEF_NO_BOUNDARY] = "no_boundary",
	[MIME_DEF_TRUNCATED] = "truncated",
	[MIME_DEF_EMPTY_MULTIPART] = "empty_multipart",
	[MIME_DEF_BAD_STRUCTURE] = "bad_structure",
	[MIME_DEF_BAD_CONTENT_TYPE] = "bad_content_type",
	[MIME_DEF_BAD_ENCODING] = "bad_encoding",
	[MIME_DEF_BAD_RFC2047] = "bad_rfc2047",
	[MIME_DEF_BAD_ADDRESS] = "bad_address",
	[MIME_DEF_BAD_DATE] = "bad_date",
	[MIME_DEF_CHARSET_UNKNOWN] = "charset_unknown",
	[MIME_DEF_CHARSET_UNDECLARED] = "charset_undeclared",
	[MIME_DEF_CHARSET_MISMATCH] = "charset_mismatch",
	[MIME_DEF_CHARSET_LOSSY] = "charset_lossy",
	[MIME_DEF_LIMIT_SIZE] = "message_size",
	[MIME_DEF_LIMIT_PARTS] = "parts",
	[MIME_DEF_LIMIT_DEPTH] = "depth",
	[MIME_DEF_LIMIT_DECODED] = "decoded_bytes",
	[MIME_DEF_LIMIT_NAMES] = "listed_names",
};

const char *
mime_defect_name(enum mime_defect d)
{
	return (unsigned)d < MIME_DEF_COUNT ? defect_names[d] : "unknown";
}

bool
mime_message_has_defect(const struct mime_message *msg, enum mime_defect d)
{
	return (msg->defect_mask & (1u << d)) != 0;
}

static char *
detail_copy(const char *s, size_t len)
{
	return text_clean_copy(s, len, DETAIL_MAX);
}

/* Names keep their whole length (up to NAME_MAX): the tail is the lie. */
static char *
name_copy(const char *s)
{
	return s != NULL ? text_clean_copy(s, strlen(s), NAME_MAX_BYTES) : NULL;
}

static void
add_defect(struct mime_message *msg, enum mime_defect kind, const char *detail)
{
	char *d = detail != NULL ? detail_copy(detail, strlen(detail)) : NULL;

	/* every kind is recorded; details are capped per kind, so a flood of
	 * one defect cannot push another out of sight */
	msg->defect_mask |= 1u << kind;
	unsigned same_kind = 0;
	for (guint i = 0; i < msg->defects->len; i++) {
		struct mime_defect_rec *r = g_ptr_array_index(msg->defects, i);
		if (r->kind != kind)
			continue;
		if (g_strcmp0(r->detail, d) == 0 || ++same_kind >= DEFECTS_PER_KIND) {
			g_free(d);
			return;
		}
	}
	struct mime_defect_rec *r = g_new0(struct mime_defect_rec, 1);
	r->kind = kind;
	r->detail = d;
	g_ptr_array_add(msg->defects, r);
}

static void
defect_rec_free(gpointer p)
{
	struct mime_defect_rec *r = p;
	g_free(r->detail);
	g_free(r);
}

/* ---- raw checks GMime does not make ---------------------------------- */

static void
scan_raw(struct mime_message *msg, const uint8_t *p, size_t len)
{
	if (memchr(p, '\0', len) != NULL)
		add_defect(msg, MIME_DEF_NUL_BYTE, NULL);
	size_t off = 0;
	while (off < len) {
		const uint8_t *nl = memchr(p + off, '\n', len - off);
		size_t end = nl != NULL ? (size_t)(nl - p) : len;
		size_t l = end - off;
		if (l > 0 && p[end - 1] == '\r')
			l--;
		if (l > RFC5322_LINE_MAX) {
			add_defect(msg, MIME_DEF_LONG_LINE, NULL);
			return;
		}
		off = end + 1;
	}
}

/* ---- headers ---------------------------------------------------------- */

static bool
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80 || *s == 0x1b)
			return true;
	return false;
}

/*
 * A raw header value made ready for GMime: raw 8-bit text converted from
 * the charset guessed for this header block (a single value is often too
 * short to guess from), encoded-words normalised (rfc2047.h).
 */
static char *
header_to_utf8(struct parse_ctx *pc, const char *raw, bool eight, const char *name)
{
	char *utf8 = eight ? charset_to_utf8(pc->header_charset, (const uint8_t *)raw,
	    strlen(raw), NULL, NULL, NULL, NULL) : g_strdup(raw);
	bool malformed = false;
	char *norm = rfc2047_normalize(utf8, &malformed);
	if (malformed)
		add_defect(pc->msg, MIME_DEF_BAD_RFC2047, name);
	if (norm != NULL) {
		g_free(utf8);
		utf8 = norm;
	}
	return utf8;
}

static char *unfold(const char *raw);

static char *
decode_text(struct parse_ctx *pc, const char *raw, bool eight, const char *name)
{
	/* most headers are plain ASCII without encoded-words: just unfold */
	if (!eight && strstr(raw, "=?") == NULL)
		return unfold(raw);
	char *utf8 = header_to_utf8(pc, raw, eight, name);
	char *unfolded = unfold(utf8);
	char *dec = g_mime_utils_header_decode_text(pc->opts, unfolded);
	g_free(utf8);
	g_free(unfolded);
	if (dec == NULL)
		return g_strdup("");
	if (!g_utf8_validate(dec, -1, NULL)) {
		char *v = g_utf8_make_valid(dec, -1);
		g_free(dec);
		dec = v;
	}
	return dec;
}

static void
addr_clear(gpointer p)
{
	struct mime_addr *a = p;
	g_free(a->name);
	g_free(a->addr);
}

static GArray *
addr_array_new(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct mime_addr));
	g_array_set_clear_func(a, addr_clear);
	return a;
}

static void
addr_list_flatten(InternetAddressList *list, GArray *out, unsigned depth)
{
	int n = internet_address_list_length(list);
	for (int i = 0; i < n && out->len < 1000; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (depth == 0)
				addr_list_flatten(internet_address_group_get_members(
				    INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		const char *name = internet_address_get_name(ia);
		const char *addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		struct mime_addr a = {
			.name = g_utf8_make_valid(name != NULL ? name : "", -1),
			.addr = g_utf8_make_valid(addr != NULL ? addr : "", -1),
		};
		g_array_append_val(out, a);
	}
}

static void
parse_addresses(struct parse_ctx *pc, const char *raw, GArray *out,
    const char *name)
{
	char *utf8 = header_to_utf8(pc, raw, has_8bit(raw), name);
	InternetAddressList *list = internet_address_list_parse(pc->opts, utf8);
	g_free(utf8);
	if (list == NULL)
		return;
	addr_list_flatten(list, out, 0);
	g_object_unref(list);
}

/*
 * An address header that yields no address (and is not an empty group
 * such as "undisclosed-recipients:;"), or a mailbox without an address,
 * is damaged: clients show something the filter cannot check.
 */
static void
check_addresses(struct parse_ctx *pc, const struct mime_header *hd, const GArray *a)
{
	bool bad = a->len == 0 && hd->value[0] != '\0' && strchr(hd->value, ':') == NULL;
	for (guint i = 0; i < a->len && !bad; i++)
		bad = g_array_index(a, struct mime_addr, i).addr[0] == '\0';
	if (bad)
		add_defect(pc->msg, MIME_DEF_BAD_ADDRESS, hd->name);
}

static void
header_free(gpointer p)
{
	struct mime_header *h = p;
	g_free(h->name);
	g_free(h->raw);
	g_free(h->value);
	g_free(h);
}

static void
headers_free(struct mime_headers *h)
{
	if (h == NULL)
		return;
	g_ptr_array_unref(h->all);
	g_array_unref(h->from);
	g_array_unref(h->sender);
	g_array_unref(h->reply_to);
	g_array_unref(h->to);
	g_array_unref(h->cc);
	g_free(h->subject);
	g_free(h->message_id);
	g_free(h->in_reply_to);
	g_ptr_array_unref(h->references);
	g_ptr_array_unref(h->received);
	g_free(h->date_raw);
	g_free(h);
}

static struct mime_headers *
headers_new(void)
{
	struct mime_headers *h = g_new0(struct mime_headers, 1);
	h->all = g_ptr_array_new_with_free_func(header_free);
	h->from = addr_array_new();
	h->sender = addr_array_new();
	h->reply_to = addr_array_new();
	h->to = addr_array_new();
	h->cc = addr_array_new();
	h->references = g_ptr_array_new_with_free_func(g_free);
	h->received = g_ptr_array_new_with_free_func(g_free);
	return h;
}

const struct mime_header *
mime_headers_get(const struct mime_headers *h, const char *name, unsigned nth)
{
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *hd = g_ptr_array_index(h->all, i);
		if (g_ascii_strcasecmp(hd->name, name) == 0 && nth-- == 0)
			return hd;
	}
	return NULL;
}

unsigned
mime_headers_count(const struct mime_headers *h, const char *name)
{
	unsigned n = 0;
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *hd = g_ptr_array_index(h->all, i);
		if (g_ascii_strcasecmp(hd->name, name) == 0)
			n++;
	}
	return n;
}

/*
 * The headers RFC 5322 3.6 allows once, which the model also reads: one
 * pass over the header list finds the first of each and counts them.
 */
enum single_hdr {
	H_FROM, H_SENDER, H_REPLY_TO, H_TO, H_CC, H_BCC, H_SUBJECT, H_DATE,
	H_MESSAGE_ID, H_IN_REPLY_TO, H_REFERENCES, H_SINGLE_COUNT
};
static const char *const single_names[H_SINGLE_COUNT] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date",
	"Message-ID", "In-Reply-To", "References",
};

/* Index in single_names, H_RECEIVED for Received, or -1. */
#define H_RECEIVED H_SINGLE_COUNT
static int
single_index(const char *name)
{
	int lo, hi;

	/* a switch on the first letter keeps this off the profile */
	switch (g_ascii_tolower(name[0])) {
	case 'f': lo = H_FROM; hi = H_FROM; break;
	case 's': lo = H_SENDER; hi = H_SUBJECT; break;
	case 'r':
		if (g_ascii_strcasecmp(name, "Received") == 0)
			return H_RECEIVED;
		lo = H_REPLY_TO; hi = H_REFERENCES; break;
	case 't': lo = H_TO; hi = H_TO; break;
	case 'c': lo = H_CC; hi = H_CC; break;
	case 'b': lo = H_BCC; hi = H_BCC; break;
	case 'd': lo = H_DATE; hi = H_DATE; break;
	case 'm': lo = H_MESSAGE_ID; hi = H_MESSAGE_ID; break;
	case 'i': lo = H_IN_REPLY_TO; hi = H_IN_REPLY_TO; break;
	default: return -1;
	}
	for (int i = lo; i <= hi; i++)
		if (g_ascii_strcasecmp(name, single_names[i]) == 0)
			return i;
	return -1;
}

/* Unfold a raw header value: drop CR and LF, trim blanks at both ends. */
static char *
unfold(const char *raw)
{
	while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n')
		raw++;
	size_t len = strlen(raw);
	char *out = g_malloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			*o++ = raw[i];
	while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
		o--;
	*o = '\0';
	return out;
}

/* The first charset a text part of this message declares (a hint). */
static const char *
declared_charset(GMimeObject *obj, unsigned depth)
{
	if (obj == NULL || depth > 4)
		return NULL;
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (int i = 0; i < n && i < 8; i++) {
			const char *cs = declared_charset(g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), depth + 1);
			if (cs != NULL)
				return cs;
		}
		return NULL;
	}
	return g_mime_object_get_content_type_parameter(obj, "charset");
}

/*
 * One charset guess for all raw 8-bit bytes in this header block, with the
 * charset the body declares as a hint (mailers that send raw headers
 * write them in the body's charset).
 */
static const char *
guess_header_charset(GMimeMessage *gm, GMimeHeaderList *list, int n,
    const bool *eight)
{
	GString *all = g_string_new(NULL);
	for (int i = 0; i < n && all->len < HEADER_DETECT_MAX; i++)
		if (eight[i])
			g_string_append(all, g_mime_header_get_raw_value(
			    g_mime_header_list_get_header_at(list, i)));
	const char *hint = declared_charset(g_mime_message_get_mime_part(gm), 0);
	const char *cs = charset_detect((const uint8_t *)all->str, all->len, hint);
	g_string_free(all, TRUE);
	return cs;
}

static void
headers_addresses(struct parse_ctx *pc, GMimeMessage *gm, struct mime_headers *h,
    const struct mime_header *const first[H_SINGLE_COUNT])
{
	static const struct {
		enum single_hdr which;
		GMimeAddressType type;
		size_t off;
	} fields[] = {
		{ H_FROM, GMIME_ADDRESS_TYPE_FROM, offsetof(struct mime_headers, from) },
		{ H_SENDER, GMIME_ADDRESS_TYPE_SENDER, offsetof(struct mime_headers, sender) },
		{ H_REPLY_TO, GMIME_ADDRESS_TYPE_REPLY_TO, offsetof(struct mime_headers, reply_to) },
		{ H_TO, GMIME_ADDRESS_TYPE_TO, offsetof(struct mime_headers, to) },
		{ H_CC, GMIME_ADDRESS_TYPE_CC, offsetof(struct mime_headers, cc) },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		const struct mime_header *hd = first[fields[i].which];
		if (hd == NULL)
			continue;
		GArray *dst = *(GArray **)(void *)((char *)h + fields[i].off);
		/* GMime parsed plain address headers already; 8-bit ones and
		 * ones with encoded-words are parsed again, prepared */
		if (!has_8bit(hd->raw) && strstr(hd->raw, "=?") == NULL)
			addr_list_flatten(g_mime_message_get_addresses(gm, fields[i].type),
			    dst, 0);
		else
			parse_addresses(pc, hd->raw, dst, hd->name);
		check_addresses(pc, hd, dst);
	}
}

static struct mime_headers *
headers_build(struct parse_ctx *pc, GMimeMessage *gm)
{
	struct mime_headers *h = headers_new();
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(gm));
	int n = g_mime_header_list_get_count(list);
	const struct mime_header *first[H_SINGLE_COUNT] = { 0 };
	unsigned count[H_SINGLE_COUNT] = { 0 };

	bool *eight = g_new0(bool, (gsize)n + 1);
	bool any8 = false;
	for (int i = 0; i < n; i++) {
		const char *raw = g_mime_header_get_raw_value(
		    g_mime_header_list_get_header_at(list, i));
		eight[i] = raw != NULL && has_8bit(raw);
		any8 = any8 || eight[i];
	}
	pc->header_charset = any8 ? guess_header_charset(gm, list, n, eight) : NULL;
	for (int i = 0; i < n; i++) {
		GMimeHeader *gh = g_mime_header_list_get_header_at(list, i);
		const char *name = g_mime_header_get_name(gh);
		const char *raw = g_mime_header_get_raw_value(gh);
		if (name == NULL)
			continue;
		if (raw == NULL)
			raw = "";
		struct mime_header *hd = g_new0(struct mime_header, 1);
		hd->name = g_utf8_make_valid(name, -1);
		hd->raw = g_strdup(raw);
		hd->value = decode_text(pc, raw, eight[i], hd->name);
		g_ptr_array_add(h->all, hd);
		if (eight[i])
			add_defect(pc->msg, MIME_DEF_8BIT_HEADER, hd->name);
		int si = single_index(name);
		if (si == H_RECEIVED)
			g_ptr_array_add(h->received, g_strdup(hd->value));
		else if (si >= 0 && count[si]++ == 0)
			first[si] = hd;
	}
	g_free(eight);
	for (int i = 0; i < H_SINGLE_COUNT; i++)
		if (count[i] > 1)
			add_defect(pc->msg, MIME_DEF_DUPLICATE_HEADER, single_names[i]);

	headers_addresses(pc, gm, h, first);
	const struct mime_header *hd;
	if ((hd = first[H_SUBJECT]) != NULL)
		h->subject = g_strdup(hd->value);
	if ((hd = first[H_MESSAGE_ID]) != NULL) {
		char *id = g_mime_utils_decode_message_id(hd->raw);
		h->message_id = id != NULL ? g_utf8_make_valid(id, -1)
		    : g_strstrip(g_strdup(hd->value));
		g_free(id);
	}
	if ((hd = first[H_IN_REPLY_TO]) != NULL) {
		char *id = g_mime_utils_decode_message_id(hd->raw);
		if (id != NULL)
			h->in_reply_to = g_utf8_make_valid(id, -1);
		g_free(id);
	}
	if ((hd = first[H_REFERENCES]) != NULL) {
		GMimeReferences *refs = g_mime_references_parse(pc->opts, hd->raw);
		if (refs != NULL) {
			int nr = g_mime_references_length(refs);
			for (int i = 0; i < nr && i < 1000; i++)
				g_ptr_array_add(h->references, g_utf8_make_valid(
				    g_mime_references_get_message_id(refs, i), -1));
			g_mime_references_free(refs);
		}
	}
	if ((hd = first[H_DATE]) != NULL) {
		h->date_raw = g_strdup(hd->value);
		GDateTime *dt = g_mime_utils_header_decode_date(hd->raw);
		if (dt != NULL) {
			h->date = g_date_time_to_unix(dt);
			h->date_ok = true;
			g_date_time_unref(dt);
		} else {
			add_defect(pc->msg, MIME_DEF_BAD_DATE, NULL);
		}
	}
	return h;
}

/* ---- parts ------------------------------------------------------------ */

static void
part_free(gpointer p)
{
	struct mime_part *part = p;
	g_free(part->type);
	g_free(part->charset);
	g_free(part->filename);
	g_free(part->disposition);
	g_free(part->encoding);
	g_free(part->path);
	g_free(part->data);
	g_free(part->text);
	headers_free(part->embedded);
	if (part->fields != NULL)
		g_ptr_array_unref(part->fields);
	g_free(part);
}

static struct mime_part *
part_new(struct parse_ctx *pc, struct mime_part *parent, unsigned depth,
    enum mime_part_kind kind)
{
	struct mime_message *msg = pc->msg;

	if (msg->parts->len >= pc->lim->max_parts) {
		add_defect(msg, MIME_DEF_LIMIT_PARTS, NULL);
		return NULL;
	}
	struct mime_part *part = g_new0(struct mime_part, 1);
	part->index = msg->parts->len;
	part->depth = depth;
	part->parent = parent;
	part->kind = kind;
	part->fields = g_ptr_array_new_with_free_func(header_free);
	g_ptr_array_add(msg->parts, part);
	return part;
}

/* The part's own header fields (GMime keeps them with the part). */
static void
part_fields(struct parse_ctx *pc, struct mime_part *part, GMimeObject *obj)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int n = list != NULL ? g_mime_header_list_get_count(list) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *gh = g_mime_header_list_get_header_at(list, i);
		const char *name = g_mime_header_get_name(gh);
		const char *raw = g_mime_header_get_raw_value(gh);
		if (name == NULL)
			continue;
		if (raw == NULL)
			raw = "";
		struct mime_header *hd = g_new0(struct mime_header, 1);
		hd->name = g_utf8_make_valid(name, -1);
		hd->raw = g_strdup(raw);
		hd->value = decode_text(pc, raw, has_8bit(raw), hd->name);
		g_ptr_array_add(part->fields, hd);
	}
}

/* Path of names from the message to this part (containers are skipped). */
static void
part_set_path(struct mime_part *part)
{
	char *name = part->filename != NULL ? g_strdup(part->filename)
	    : g_strdup_printf(part->kind == MIME_PART_MESSAGE ? "part%u.eml"
	    : "part%u", part->index);
	const struct mime_part *up = part->parent;
	while (up != NULL && up->kind == MIME_PART_MULTIPART)
		up = up->parent;
	if (up != NULL) {
		part->path = g_strconcat(up->path, "/", name, NULL);
		g_free(name);
	} else {
		part->path = name;
	}
}

/* Decoded bytes still allowed by max_decoded; records the cut. */
static size_t
decoded_budget(struct parse_ctx *pc, struct mime_part *part, size_t want)
{
	size_t left = pc->lim->max_decoded > pc->decoded_total
	    ? pc->lim->max_decoded - pc->decoded_total : 0;
	if (want > left) {
		add_defect(pc->msg, MIME_DEF_LIMIT_DECODED, part->path);
		part->truncated = true;
		want = left;
	}
	pc->decoded_total += want;
	return want;
}

/*
 * Check base64 as it is on the wire: characters outside the alphabet,
 * data after the final padding, and a length that is not a whole number
 * of quanta (a truncated attachment).
 */
static void
check_base64(struct parse_ctx *pc, GMimeStream *raw, const char *path)
{
	char buf[4096];
	ssize_t n;
	size_t quanta = 0;
	bool bad = false, padded = false, after_pad = false;

	g_mime_stream_reset(raw);
	while ((n = g_mime_stream_read(raw, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (g_ascii_isalnum(c) || c == '+' || c == '/') {
				if (padded)
					after_pad = true;
				quanta++;
			} else if (c == '=') {
				padded = true;
				quanta++;
			} else if (!g_ascii_isspace(c)) {
				bad = true;
			}
		}
	}
	g_mime_stream_reset(raw);
	if (bad || after_pad)
		add_defect(pc->msg, MIME_DEF_BAD_ENCODING, path);
	else if (quanta % 4 != 0)
		add_defect(pc->msg, MIME_DEF_TRUNCATED, path);
}

static void
part_decode(struct parse_ctx *pc, GMimePart *gp, struct mime_part *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(gp);
	if (dw == NULL)
		return;
	GMimeStream *raw = g_mime_data_wrapper_get_stream(dw);
	if (raw == NULL)
		return;
	if (g_mime_data_wrapper_get_encoding(dw) == GMIME_CONTENT_ENCODING_BASE64)
		check_base64(pc, raw, part->path);

	GMimeStream *mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, mem);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	size_t keep = decoded_budget(pc, part, ba->len);
	/* take the stream's buffer instead of copying it; NUL-terminate it */
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_byte_array_set_size(ba, (guint)keep);
	g_byte_array_append(ba, (const guint8 *)"", 1);
	part->len = keep;
	part->data = g_byte_array_free(ba, FALSE);
	g_object_unref(mem);
}

static void
part_make_text(struct parse_ctx *pc, struct mime_part *part)
{
	unsigned fl = 0;

	part->text = charset_to_utf8(part->charset, part->data, part->len,
	    pc->body_hint, &part->text_len, &part->charset_used, &fl);
	if (fl & CHARSET_UNKNOWN)
		add_defect(pc->msg, MIME_DEF_CHARSET_UNKNOWN, part->charset);
	if (fl & CHARSET_DETECTED)
		add_defect(pc->msg, MIME_DEF_CHARSET_UNDECLARED, part->charset_used);
	if (fl & CHARSET_MISMATCH)
		add_defect(pc->msg, MIME_DEF_CHARSET_MISMATCH, part->charset);
	if (fl & CHARSET_LOSSY)
		add_defect(pc->msg, MIME_DEF_CHARSET_LOSSY, part->charset_used);
}

static const uint8_t *
find_line(const uint8_t *p, size_t len, const char *prefix, size_t *off)
{
	size_t pl = strlen(prefix);
	size_t i = *off;
	while (i + pl <= len) {
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, prefix, pl) == 0) {
			*off = i;
			return p + i;
		}
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	return NULL;
}

/*
 * uuencoded files inside a text body ("begin 644 name" ... "end"), which
 * old mailers and some malware still send, become child parts.
 */
static void
extract_uuencoded(struct parse_ctx *pc, struct mime_part *text)
{
	const uint8_t *p = text->data;
	size_t len = text->len, off = 0;

	while (find_line(p, len, "begin ", &off) != NULL) {
		size_t i = off + 6;
		size_t digits = 0;
		while (i < len && p[i] >= '0' && p[i] <= '7' && digits < 5) {
			i++;
			digits++;
		}
		const uint8_t *eol = memchr(p + off, '\n', len - off);
		size_t line_end = eol != NULL ? (size_t)(eol - p) : len;
		if (digits < 3 || i >= line_end || p[i] != ' ') {
			off = line_end;
			continue;
		}
		size_t name_len = line_end - i - 1;
		if (name_len > 0 && p[line_end - 1] == '\r')
			name_len--;
		size_t start = line_end + 1, end_off = start;
		if (start >= len || find_line(p, len, "end", &end_off) == NULL)
			end_off = len;
		if (start > end_off)
			start = end_off;

		struct mime_part *part = part_new(pc, text, text->depth + 1,
		    MIME_PART_ATTACHMENT);
		if (part == NULL)
			return;
		part->origin = MIME_ORIGIN_UUENCODE;
		part->type = g_strdup("application/octet-stream");
		part->encoding = g_strdup("x-uuencode");
		part->filename = text_clean_copy((const char *)p + i + 1, name_len,
		    NAME_MAX_BYTES);
		part_set_path(part);
		size_t in_len = end_off - start;
		uint8_t *out = g_malloc(in_len + 3);
		int state = GMIME_UUDECODE_STATE_BEGIN;
		guint32 save = 0;
		size_t n = g_mime_encoding_uudecode_step(p + start, in_len, out,
		    &state, &save);
		size_t keep = decoded_budget(pc, part, n);
		part->data = out;
		part->len = keep;
		off = end_off >= len ? len : end_off + 3;
	}
}

/* Lower-case, sanitised copy of a short token (type, disposition). */
static char *
lower_dup(const char *s)
{
	if (s == NULL)
		return NULL;
	char *l = g_ascii_strdown(s, -1);
	char *v = text_clean_copy(l, strlen(l), 255);
	g_free(l);
	return v;
}

static void walk(struct parse_ctx *pc, GMimeObject *obj, struct mime_part *parent,
    unsigned depth);

/*
 * A parameter of a part header, from the raw header when GMime's own
 * decoding would go wrong: raw 8-bit names (Shift_JIS file names are
 * common) are converted with the message's charset, and encoded-words
 * normalised (rfc2047.h), before GMime parses the parameters.
 */
static char *
raw_param(struct parse_ctx *pc, GMimeObject *obj, const char *header,
    const char *param, bool *found)
{
	GMimeHeader *h = g_mime_header_list_get_header(
	    g_mime_object_get_header_list(obj), header);
	const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;
	*found = false;
	if (raw == NULL)
		return NULL;
	bool eight = has_8bit(raw);
	if (!eight && strstr(raw, "=?") == NULL)
		return NULL;
	*found = true;
	char *utf8;
	if (eight) {
		add_defect(pc->msg, MIME_DEF_8BIT_HEADER, header);
		const char *hint = pc->header_charset != NULL ? pc->header_charset
		    : pc->body_hint;
		char *conv = charset_to_utf8(NULL, (const uint8_t *)raw, strlen(raw),
		    hint, NULL, NULL, NULL);
		utf8 = header_to_utf8(pc, conv, false, header);
		g_free(conv);
	} else {
		utf8 = header_to_utf8(pc, raw, false, header);
	}
	char *unfolded = unfold(utf8);
	char *value = NULL;
	if (strcmp(header, "Content-Disposition") == 0) {
		GMimeContentDisposition *cd = g_mime_content_disposition_parse(pc->opts,
		    unfolded);
		if (cd != NULL) {
			value = name_copy(g_mime_content_disposition_get_parameter(cd, param));
			g_object_unref(cd);
		}
	} else {
		GMimeContentType *ct = g_mime_content_type_parse(pc->opts, unfolded);
		if (ct != NULL) {
			value = name_copy(g_mime_content_type_get_parameter(ct, param));
			g_object_unref(ct);
		}
	}
	g_free(unfolded);
	g_free(utf8);
	return value;
}

/* The declared file name: Content-Disposition filename, else Content-Type name. */
static char *
part_filename(struct parse_ctx *pc, GMimeObject *obj)
{
	bool found;
	char *v = raw_param(pc, obj, "Content-Disposition", "filename", &found);
	if (v != NULL)
		return v;
	const char *fn = found ? NULL
	    : g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (fn != NULL)
		return name_copy(fn);
	v = raw_param(pc, obj, "Content-Type", "name", &found);
	if (v != NULL || found)
		return v;
	return name_copy(g_mime_object_get_content_type_parameter(obj, "name"));
}

/*
 * Structural defects of a multipart.  (GMime's parser warnings would say
 * the same, but enabling them makes GMime decode every header of every
 * message, which costs more than the rest of parsing.)  A boundary that
 * occurs in the raw bytes but never with the closing "--" means the
 * multipart was cut short; boundaries of parts GMime found inside decoded
 * content are not in the raw bytes and are not judged.
 */
static void
check_multipart(struct parse_ctx *pc, GMimeMultipart *mp, struct mime_part *part,
    int nchildren)
{
	/* the parameter itself: g_mime_multipart_get_boundary() invents one */
	const char *b = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp),
	    "boundary");
	if (b == NULL || b[0] == '\0') {
		add_defect(pc->msg, MIME_DEF_NO_BOUNDARY, part->path);
		return;
	}
	if (nchildren == 0)
		add_defect(pc->msg, MIME_DEF_EMPTY_MULTIPART, part->path);
	size_t bl = strlen(b);
	if (bl > 200)
		return;
	char delim[208];
	memcpy(delim, "--", 2);
	memcpy(delim + 2, b, bl);
	const void *open = memmem(pc->raw, pc->raw_len, delim, bl + 2);
	if (open == NULL)
		return;
	memcpy(delim + 2 + bl, "--", 2);
	if (memmem(pc->raw, pc->raw_len, delim, bl + 4) == NULL)
		add_defect(pc->msg, MIME_DEF_TRUNCATED, part->path);
}

/* GMime turns a Content-Type it cannot parse into application/octet-stream. */
static void
check_content_type(struct parse_ctx *pc, GMimeObject *obj, const char *type,
    const struct mime_part *part)
{
	if (strcmp(type, "application/octet-stream") != 0)
		return;
	const char *ct = g_mime_object_get_header(obj, "Content-Type");
	if (ct == NULL)
		return;
	while (g_ascii_isspace(*ct))
		ct++;
	if (g_ascii_strncasecmp(ct, "application/octet-stream", 24) != 0)
		add_defect(pc->msg, MIME_DEF_BAD_CONTENT_TYPE, part->path);
}

/*
 * Past max_parts or max_depth a part is not examined, but its declared
 * file name costs nothing to read (GMime parsed it already): the names
 * of obj and of everything inside it are listed in msg->names_beyond, so
 * that a program hidden behind 500 harmless parts is still seen by name.
 * Bounded by max_names, and by NAMES_DEPTH_MAX levels below the limit.
 */
#define NAMES_DEPTH_MAX 100

void
mime_name_free(gpointer p)
{
	struct mime_name *n = p;

	g_free(n->name);
	g_free(n->path);
	g_free(n);
}

static void
names_beyond(struct parse_ctx *pc, GMimeObject *obj, const struct mime_part *parent,
    unsigned depth)
{
	struct mime_message *msg = pc->msg;

	if (obj == NULL)
		return;
	if (depth > pc->lim->max_depth + NAMES_DEPTH_MAX ||
	    msg->names_beyond->len >= pc->lim->max_names) {
		add_defect(msg, MIME_DEF_LIMIT_NAMES, parent != NULL ? parent->path : NULL);
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			names_beyond(pc, g_mime_multipart_get_part(mp, i), parent, depth + 1);
		return;
	}
	char *name = part_filename(pc, obj);
	if (name != NULL) {
		while (parent != NULL && parent->kind == MIME_PART_MULTIPART)
			parent = parent->parent;
		struct mime_name *n = g_new(struct mime_name, 1);
		n->path = parent != NULL ? g_strconcat(parent->path, "/", name, NULL)
		    : g_strdup(name);
		n->name = name;
		g_ptr_array_add(msg->names_beyond, n);
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m != NULL)
			names_beyond(pc, g_mime_message_get_mime_part(m), parent, depth + 1);
	}
}

static void
walk_leaf(struct parse_ctx *pc, GMimeObject *obj, struct mime_part *parent,
    unsigned depth, char *type)
{
	GMimePart *gp = GMIME_PART(obj);
	const char *disp = g_mime_object_get_disposition(obj);
	bool attach = disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0;
	enum mime_part_kind kind = MIME_PART_ATTACHMENT;

	if (!attach && strcmp(type, "text/html") == 0)
		kind = MIME_PART_HTML;
	else if (!attach && (strcmp(type, "text/plain") == 0 ||
	    strcmp(type, "text/enriched") == 0 || strcmp(type, "text/richtext") == 0))
		kind = MIME_PART_TEXT;

	struct mime_part *part = part_new(pc, parent, depth, kind);
	if (part == NULL) {
		g_free(type);
		names_beyond(pc, obj, parent, depth);
		return;
	}
	part_fields(pc, part, obj);
	part->type = type;
	part->disposition = lower_dup(disp);
	part->filename = part_filename(pc, obj);
	const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
	if (cs != NULL) {
		part->charset = detail_copy(cs, strlen(cs));
		if (pc->body_hint == NULL)
			pc->body_hint = charset_canon(cs);
	}
	const char *cte = g_mime_object_get_header(obj, "Content-Transfer-Encoding");
	if (cte != NULL) {
		char *t = g_strstrip(lower_dup(cte));
		part->encoding = detail_copy(t, strlen(t));
		g_free(t);
		if (part->encoding[0] != '\0' &&
		    g_mime_content_encoding_from_string(part->encoding) ==
		    GMIME_CONTENT_ENCODING_DEFAULT)
			add_defect(pc->msg, MIME_DEF_BAD_ENCODING, part->encoding);
	}
	part_set_path(part);
	check_content_type(pc, obj, type, part);
	part_decode(pc, gp, part);
	if (kind == MIME_PART_TEXT || kind == MIME_PART_HTML)
		part_make_text(pc, part);
	if (kind == MIME_PART_TEXT && part->data != NULL &&
	    memmem(part->data, part->len, "begin ", 6) != NULL)
		extract_uuencoded(pc, part);
}

static void
walk(struct parse_ctx *pc, GMimeObject *obj, struct mime_part *parent,
    unsigned depth)
{
	if (obj == NULL)
		return;
	if (depth > pc->lim->max_depth) {
		add_defect(pc->msg, MIME_DEF_LIMIT_DEPTH, parent ? parent->path : NULL);
		names_beyond(pc, obj, parent, depth);
		return;
	}
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *type = ct != NULL ? g_mime_content_type_get_mime_type(ct)
	    : g_strdup("text/plain");
	char *lt = lower_dup(type);
	g_free(type);
	type = lt;

	if (GMIME_IS_MULTIPART(obj)) {
		struct mime_part *part = part_new(pc, parent, depth, MIME_PART_MULTIPART);
		if (part == NULL) {
			g_free(type);
			names_beyond(pc, obj, parent, depth);
			return;
		}
		part_fields(pc, part, obj);
		part->type = type;
		part_set_path(part);
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		check_multipart(pc, mp, part, n);
		for (int i = 0; i < n; i++)
			walk(pc, g_mime_multipart_get_part(mp, i), part, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		struct mime_part *part = part_new(pc, parent, depth, MIME_PART_MESSAGE);
		if (part == NULL) {
			g_free(type);
			names_beyond(pc, obj, parent, depth);
			return;
		}
		part_fields(pc, part, obj);
		part->type = type;
		const char *fn = g_mime_object_get_content_disposition_parameter(obj,
		    "filename");
		if (fn == NULL)
			fn = g_mime_object_get_content_type_parameter(obj, "name");
		part->filename = name_copy(fn);
		part->disposition = lower_dup(g_mime_object_get_disposition(obj));
		part_set_path(part);
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m != NULL) {
			const char *saved = pc->header_charset;
			part->embedded = headers_build(pc, m);
			pc->header_charset = saved;
			walk(pc, g_mime_message_get_mime_part(m), part, depth + 1);
		}
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(pc, obj, parent, depth, type);
	} else {
		/* message/partial and other GMime object kinds */
		struct mime_part *part = part_new(pc, parent, depth, MIME_PART_ATTACHMENT);
		if (part == NULL) {
			g_free(type);
			names_beyond(pc, obj, parent, depth);
			return;
		}
		part_fields(pc, part, obj);
		part->type = type;
		part_set_path(part);
	}
}

/* ---- entry ------------------------------------------------------------ */

void
mime_init(void)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}

struct mime_message *
mime_message_parse(const uint8_t *p, size_t len, const struct mime_limits *lim)
{
	struct mime_message *msg = g_new0(struct mime_message, 1);
	struct parse_ctx pc = { .msg = msg, .lim = lim, .raw = p };

	mime_init();
	msg->size = len;
	msg->parts = g_ptr_array_new_with_free_func(part_free);
	msg->defects = g_ptr_array_new_with_free_func(defect_rec_free);
	msg->names_beyond = g_ptr_array_new_with_free_func(mime_name_free);
	if (len > lim->max_size) {
		add_defect(msg, MIME_DEF_LIMIT_SIZE, NULL);
		len = lim->max_size;
	}
	pc.raw_len = len;
	scan_raw(msg, p, len);

	static const char *fallback[] = { "UTF-8", "CP1252", NULL };
	pc.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(pc.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(pc.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(pc.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(pc.opts, TRUE);
	g_mime_parser_options_set_fallback_charsets(pc.opts, fallback);

	GMimeStream *stream = g_mime_stream_mem_new_with_buffer((const char *)p, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *gm = g_mime_parser_construct_message(parser, pc.opts);

	if (gm != NULL) {
		msg->headers = headers_build(&pc, gm);
		pc.header_charset = NULL;
		walk(&pc, g_mime_message_get_mime_part(gm), NULL, 0);
		g_object_unref(gm);
	} else {
		add_defect(msg, MIME_DEF_BAD_STRUCTURE, "no message");
		msg->headers = headers_new();
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(pc.opts);
	return msg;
}

void
mime_message_free(struct mime_message *msg)
{
	if (msg == NULL)
		return;
	headers_free(msg->headers);
	g_ptr_array_unref(msg->parts);
	g_ptr_array_unref(msg->defects);
	g_ptr_array_unref(msg->names_beyond);
	g_free(msg);
}
