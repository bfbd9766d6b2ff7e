/*
 * sa_eval_body.c - SpamAssassin's eval functions of MIMEEval, BodyEval,
 * TextCat's check_body_8bits, URIEval and HTTPSMismatch (sa_eval.h).
 *
 * Most of them read SpamAssassin's own MIME tree (Message.pm and
 * Message/Node.pm): its parse differs from GMime's in ways the rules see
 * (a part's lines as they were on the wire, the last line before a
 * boundary without its newline, a multipart without a boundary taking
 * its parent's, at most 20 levels, 1,000 parts a multipart, lines cut at
 * 2,048 bytes, runs of blank lines cut to 20, the parse flags such as a
 * missing blank line after a part's header).  So this file makes that
 * tree itself from the raw message, once a scan (struct sa_tree, in
 * SA_SLOT_BODY), with the walk MIMEEval's _check_attachments does over
 * it, and the functions read the results.  Every loop is bounded by the
 * message's size; nothing here allocates more than a small multiple of it.
 *
 * What differs from SpamAssassin (docs/spam.md "MIMEEval, BodyEval,
 * URIEval"): header values are not RFC 2047-decoded (only Content-Type,
 * -Transfer-Encoding and -Disposition are read, and only their type,
 * boundary, charset and name); the MBX separator line is not recognised
 * (an mbox "From " line is); the locales are those of ok_locales only
 * (SpamAssassin adds the process's LANG).
 */
#include "spam/sa_eval.h"

#include <ctype.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_msg.h"

/* ---- SpamAssassin's constants (Constants.pm, Message.pm) ----------------- */
#define MAX_BODY_LINE_LENGTH 2048
#define MAX_HEADER_KEY_LENGTH 256
#define MAX_HEADER_VALUE_LENGTH 8192
#define MAX_BLANK_LINES 20
#define SUBPARSE_LEVELS 20
#define MIMEPART_LIMIT 1000
/* rawbody_part_scan_size's default (Conf.pm) */
#define RAWBODY_PART_SCAN_SIZE 500000

static bool
p_space(unsigned char ch)
{
	/* Perl's \s on bytes: space, \t \n \v \f \r */
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static bool
p_word(unsigned char ch)
{
	return isalnum(ch) || ch == '_';
}

/* A line of a part, as SpamAssassin keeps it: p[0..len), and a newline
 * it added after a line cut at MAX_BODY_LINE_LENGTH (what is read). */
struct sa_line {
	const char *p;
	size_t len;
	bool nl;
};

/* A line as stored, 8 bytes: its offset in its array's base (CL_STATIC:
 * the blank line SpamAssassin inserts), its length and, in the top bit,
 * the added newline.  The lines of an array all point into one buffer. */
struct sa_cline {
	uint32_t off;
	uint32_t n;
};
#define CL_NL 0x80000000u
#define CL_STATIC UINT32_MAX
/* the tree is made of messages below this size only (offsets and lengths
 * fit 31 bits) */
#define SA_TREE_MAX ((size_t)0x7fffffff)

struct sa_lines {
	GArray *a;		/* struct sa_cline; NULL: none */
	const char *base;
};

static const char static_nl[] = "\n";

static size_t
nlines(const struct sa_lines *ls)
{
	return ls->a ? ls->a->len : 0;
}

static struct sa_line
line_get(const struct sa_lines *ls, size_t i)
{
	const struct sa_cline *c = &g_array_index(ls->a, struct sa_cline, i);
	struct sa_line l;
	l.p = c->off == CL_STATIC ? static_nl : ls->base + c->off;
	l.len = c->n & ~CL_NL;
	l.nl = (c->n & CL_NL) != 0;
	return l;
}

static void
line_put(struct sa_lines *ls, struct sa_line l)
{
	if (!ls->a)
		ls->a = g_array_new(FALSE, FALSE, sizeof(struct sa_cline));
	struct sa_cline c;
	c.off = l.p == static_nl ? CL_STATIC : (uint32_t)(l.p - ls->base);
	c.n = (uint32_t)l.len | (l.nl ? CL_NL : 0);
	g_array_append_val(ls->a, c);
}

static void
lines_free(struct sa_lines *ls)
{
	if (ls->a)
		g_array_free(ls->a, TRUE);
	ls->a = NULL;
}

static size_t
line_len(const struct sa_line *l)
{
	return l->len + (l->nl ? 1 : 0);
}

struct madiff;

/* A node of the tree (Message::Node; the message and each message/rfc822
 * it holds are Message objects, i.e. nodes too). */
struct sa_node {
	char *type;		/* $node->{type} */
	/* the last value of these headers, unfolded as header() makes it
	 * (no trailing newline), NULL when absent */
	char *ct, *cte, *cd;
	GPtrArray *children;	/* struct sa_node *; NULL: a leaf */
	struct sa_lines lines;	/* a leaf's raw() */
};

/* The results of MIMEEval's _check_attachments and the parse's flags. */
struct sa_tree {
	struct sa_node *root;
	GPtrArray *nodes;	/* every node, for freeing */
	GPtrArray *bufs;	/* what lines point into (owned) */
	size_t pristine_body_length;
	/* Message.pm's flags on the top message */
	bool missing_head_body_separator, truncated_header, missing_mime_headers,
	    missing_mime_head_body_separator, mime_epilogue_exists,
	    mimepart_limit_exceeded;
	GHashTable *boundary_state;	/* boundary -> GINT_TO_POINTER(state) */
	/* _check_attachments */
	double base64_count, qp_count_parts, body_html_count, body_text_count, attachment;
	bool base64_encoded_text, bad_iso_charset, faraway_charset, missing_boundary,
	    multipart_alternative, qp_long_line, have_qp_bytes, have_attachment_key;
	double multipart_ratio, qp_ratio, qp_count, qp_bytes, text_unicode_ratio;
	double ascii_text_illegal;
	GString *html_charsets;	/* mime_html_charsets, "" when undefined */
	bool html_charsets_defined;
	/* made on first use */
	bool decoded_done;
	GPtrArray *decoded;	/* get_decoded_body_text_array: GString * */
	bool base64_len_done;
	size_t base64_len;
	struct madiff *madiff;	/* multipart_alternative_difference */
	bool uc_done;		/* check_for_uppercase's percentage, made */
	double uc_pct;
	int stock;		/* check_stock_info's count; -1: not yet */
};

/* ---- header values ---------------------------------------------------------- */

/* Node.pm header(): folds made one space, blanks trimmed, line ends
 * removed (_decode_header, without its RFC 2047 and UTF-8 work). */
static char *
header_decode(const char *v, size_t n)
{
	GString *s = g_string_sized_new(n);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\n' && i + 1 < n && (v[i + 1] == ' ' || v[i + 1] == '\t')) {
			g_string_append_c(s, ' ');
			while (i + 1 < n && (v[i + 1] == ' ' || v[i + 1] == '\t'))
				i++;
			continue;
		}
		g_string_append_c(s, v[i]);
	}
	size_t a = 0, b = s->len;
	while (a < b && p_space((unsigned char)s->str[a]))
		a++;
	while (b > a && p_space((unsigned char)s->str[b - 1]))
		b--;
	GString *o = g_string_sized_new(b - a);
	for (size_t i = a; i < b; i++) {
		char ch = s->str[i];
		if (ch == '\r' && i + 1 < b && s->str[i + 1] == '\n') {
			i++;
			continue;
		}
		if (ch == '\n')
			continue;
		g_string_append_c(o, ch);
	}
	g_string_free(s, TRUE);
	return g_string_free(o, FALSE);
}

static void
node_header(struct sa_node *n, const char *key, size_t klen, const char *v, size_t vlen)
{
	char **slot = NULL;
	if (klen == 12 && g_ascii_strncasecmp(key, "content-type", 12) == 0)
		slot = &n->ct;
	else if (klen == 25 && g_ascii_strncasecmp(key, "content-transfer-encoding", 25) == 0)
		slot = &n->cte;
	else if (klen == 19 && g_ascii_strncasecmp(key, "content-disposition", 19) == 0)
		slot = &n->cd;
	if (!slot)
		return;
	g_free(*slot);
	*slot = header_decode(v, vlen);
}

/* Util.pm parse_content_type() of a header's last value (NULL: none). */
struct ctype {
	char type[128];
	char *boundary;		/* NULL: none */
	char *charset;		/* NULL: none (undef) */
	bool missing;
};

static bool
at_end(const char *s, size_t len, size_t k)
{
	return k == len || (k + 1 == len && s[k] == '\n');
}

static bool
word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t wl = strlen(w);
	if (i + wl > len || g_ascii_strncasecmp(s + i, w, wl) != 0)
		return false;
	return i == 0 || !p_word((unsigned char)s[i - 1]);
}

/* At i, the parameter w: w, blanks, '=', blanks; the offset of its value,
 * or 0 when there is none at i (a value never starts at 0). */
static size_t
param_at(const char *s, size_t len, size_t i, const char *w)
{
	if (!word_at(s, len, i, w))
		return 0;
	size_t k = i + strlen(w);
	while (k < len && p_space((unsigned char)s[k]))
		k++;
	if (k >= len || s[k] != '=')
		return 0;
	k++;
	while (k < len && p_space((unsigned char)s[k]))
		k++;
	return k;
}

static char *
ct_boundary(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t k = param_at(s, len, i, "boundary");
		if (k == 0)
			continue;
		if (k < len && s[k] == '"') {
			size_t e = k + 1;
			while (e < len && s[e] != '"')
				e++;
			if (e > k + 1)
				return g_strndup(s + k + 1, e - k - 1);
			continue;
		}
		size_t e = k;
		while (e < len && !p_space((unsigned char)s[e]) && s[e] != '"' && s[e] != ';')
			e++;
		if (e > k && (e == len || s[e] != '"'))
			return g_strndup(s + k, e - k);
	}
	return NULL;
}

static char *
ct_charset(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t k = param_at(s, len, i, "charset");
		if (k == 0)
			continue;
		size_t st = k;
		if (k < len && (s[k] == '"' || s[k] == '\''))
			st = k + 1;
		for (size_t j = st;; j++) {
			if (j < len && (s[j] == '"' || s[j] == '\'') &&
			    (j + 1 < len ? s[j + 1] == ';' || at_end(s, len, j + 1) : true))
				return g_strndup(s + st, j - st);
			if (at_end(s, len, j) || (j < len && s[j] == ';'))
				return g_strndup(s + st, j - st);
			if (j >= len || s[j] == '\n')
				break;
		}
	}
	return NULL;
}

static void
parse_ct(const char *value, struct ctype *out)
{
	memset(out, 0, sizeof *out);
	char *tmp = NULL;
	const char *ct = value;
	if (!value) {
		out->missing = true;
		ct = "text/plain; charset=us-ascii";
	} else {
		/* get_header appends a newline to each value */
		tmp = g_strconcat(value, "\n", NULL);
		ct = tmp;
	}
	size_t len = strlen(ct);
	out->boundary = ct_boundary(ct, len);
	out->charset = ct_charset(ct, len);
	/* the type */
	size_t a = 0;
	while (a < len && p_space((unsigned char)ct[a]))
		a++;
	size_t b = a;
	while (b < len && ct[b] != ';')
		b++;
	/* s@^([^/]+(?:/[^/\s]*)?).*$@$1@s */
	size_t e = b;
	if (a < b && ct[a] != '/') {
		size_t k = a;
		while (k < b && ct[k] != '/')
			k++;
		if (k < b) {
			k++;
			while (k < b && ct[k] != '/' && !p_space((unsigned char)ct[k]))
				k++;
		}
		e = k;
	}
	GString *t = g_string_new_len(ct + a, (gssize)(e - a));
	for (size_t i = 0; i < t->len; i++)
		t->str[i] = g_ascii_tolower(t->str[i]);
	if (t->len == 0)
		out->missing = true;
	bool textish = t->len >= 4 && memcmp(t->str, "text", 4) == 0 &&
	    (t->len == 4 || !p_word((unsigned char)t->str[4]));
	if (t->len == 0 || (textish && strcmp(t->str, "text/x-vcard") != 0 &&
	    strcmp(t->str, "text/calendar") != 0 && strcmp(t->str, "text/html") != 0))
		g_string_assign(t, "text/plain");
	size_t o = 0;
	for (size_t i = 0; i < t->len && o + 1 < sizeof out->type; i++) {
		unsigned char ch = (unsigned char)t->str[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '(' || ch == ')' ||
		    ch == ',' || (ch >= 0x3a && ch <= 0x3f) || ch == '@' ||
		    (ch >= 0x5b && ch <= 0x5d))
			continue;
		out->type[o++] = (char)ch;
	}
	out->type[o] = '\0';
	g_string_free(t, TRUE);
	g_free(tmp);
}

static void
ct_clear(struct ctype *c)
{
	g_free(c->boundary);
	g_free(c->charset);
}

/* ---- the parse (Message.pm new(), parse_body, _parse_multipart,
 * _parse_normal) ---------------------------------------------------------------- */

struct pq {
	struct sa_node *node;
	char *boundary;
	struct sa_lines lines;
	int subparse;
};

static struct sa_node *
node_new(struct sa_tree *t)
{
	struct sa_node *n = g_new0(struct sa_node, 1);
	g_ptr_array_add(t->nodes, n);
	return n;
}

static void
node_free(gpointer p)
{
	struct sa_node *n = p;
	g_free(n->type);
	g_free(n->ct);
	g_free(n->cte);
	g_free(n->cd);
	if (n->children)
		g_ptr_array_free(n->children, TRUE);
	lines_free(&n->lines);
	g_free(n);
}

static void
add_child(struct sa_node *parent, struct sa_node *child)
{
	if (!parent->children)
		parent->children = g_ptr_array_new();
	g_ptr_array_add(parent->children, child);
}

/* /^[\041-\071\073-\176]+[ \t]*:/ (blanks: whether [ \t]* is allowed) */
static bool
header_like(const char *p, size_t len, bool blanks)
{
	size_t i = 0;
	while (i < len && (unsigned char)p[i] >= 041 && (unsigned char)p[i] <= 0176 && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	if (blanks)
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
	return i < len && p[i] == ':';
}

static bool
blank_line(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!p_space((unsigned char)p[i]))
			return false;
	return true;
}

/* the line of buf[0..len) at *pos (split(/^/m)): its length, 0 at the end */
static size_t
next_line(const char *buf, size_t len, size_t pos)
{
	if (pos >= len)
		return 0;
	const char *nl = memchr(buf + pos, '\n', len - pos);
	return (nl ? (size_t)(nl - buf) + 1 : len) - pos;
}

/* the last line of buf[from..len) */
static size_t
last_line_start(const char *buf, size_t len, size_t from)
{
	if (len <= from)
		return from;
	size_t k = len - 1;	/* a final newline belongs to the last line */
	while (k > from && buf[k - 1] != '\n')
		k--;
	return k;
}

/* Message.pm new(): the header of buf[0..len) into node n and the flags
 * (top: the top message's), the body's lines into *body: runs of blank
 * lines cut, CRLF line ends made LF (in a copy kept in t->bufs), a blank
 * line first in a multipart body that starts with neither a blank line nor
 * its boundary (bug 6845). */
static void
message_new(struct sa_tree *t, struct sa_node *n, const char *buf, size_t len, bool top,
    struct sa_lines *body)
{
	if (len == 0) {
		buf = static_nl;
		len = 1;
	}
	size_t pos = 0, l0 = next_line(buf, len, 0);
	/* mbox separator: /^From\s+(?!:)/ */
	if (l0 >= 5 && memcmp(buf, "From", 4) == 0 && p_space((unsigned char)buf[4])) {
		size_t k = 4;
		while (k < l0 && p_space((unsigned char)buf[k]))
			k++;
		if (k - 4 >= 2 || k >= l0 || buf[k] != ':')
			pos = l0;
	}
	bool squash = false;
	if (pos < len) {
		size_t a = next_line(buf, len, pos);
		size_t z = last_line_start(buf, len, pos);
		squash = g_strstr_len(buf + pos, (gssize)a, "\r\n") ||
		    g_strstr_len(buf + z, (gssize)(len - z), "\r\n");
	}
	unsigned hdr_errors = 0;
	GString *header = NULL;
	GString *cur = g_string_new(NULL);
	for (;;) {
		size_t ll = next_line(buf, len, pos);
		bool eof = ll == 0;
		g_string_truncate(cur, 0);
		if (eof)
			g_string_assign(cur, squash ? "\r\n" : "\n");
		else if (squash) {
			for (size_t k = 0; k < ll; k++) {
				char ch = buf[pos + k];
				if (ch == '\n' && (k == 0 || buf[pos + k - 1] != '\r'))
					g_string_append_c(cur, '\r');
				g_string_append_c(cur, ch);
			}
		} else
			g_string_append_len(cur, buf + pos, (gssize)ll);
		size_t here = pos;
		pos += ll;
		if (cur->len && (cur->str[0] == ' ' || cur->str[0] == '\t')) {
			if (!header)
				header = g_string_new(NULL);
			g_string_append_len(header, cur->str, (gssize)cur->len);
			continue;
		}
		if (header) {
			char *colon = memchr(header->str, ':', header->len);
			if (colon) {
				size_t klen = (size_t)(colon - header->str);
				while (klen && (header->str[klen - 1] == ' ' || header->str[klen - 1] == '\t'))
					klen--;
				GString *v = g_string_new(NULL);
				const char *vs = colon + 1;
				size_t vl = header->len - (size_t)(vs - header->str);
				for (size_t k = 0; k < vl; k++) {
					if (squash && vs[k] == '\r' && k + 1 < vl && vs[k + 1] == '\n')
						continue;
					g_string_append_c(v, vs[k]);
				}
				if (klen > MAX_HEADER_KEY_LENGTH) {
					klen = MAX_HEADER_KEY_LENGTH;
					if (top)
						t->truncated_header = true;
				}
				if (v->len > MAX_HEADER_VALUE_LENGTH) {
					g_string_truncate(v, MAX_HEADER_VALUE_LENGTH);
					if (top)
						t->truncated_header = true;
				}
				node_header(n, header->str, klen, v->str, v->len);
				g_string_free(v, TRUE);
			}
			g_string_free(header, TRUE);
			header = NULL;
		}
		bool end = squash ? cur->len == 2 && memcmp(cur->str, "\r\n", 2) == 0 :
		    cur->len == 1 && cur->str[0] == '\n';
		if (end) {
			if (eof && top)
				t->missing_head_body_separator = true;
			break;
		}
		if ((cur->len >= 2 && cur->str[0] == '-' && cur->str[1] == '-') ||
		    (!header_like(cur->str, cur->len, true) && ++hdr_errors > 3)) {
			/* the line goes back to the body */
			if (top)
				t->missing_head_body_separator = true;
			pos = here;
			break;
		}
		header = g_string_new_len(cur->str, (gssize)cur->len);
	}
	g_string_free(cur, TRUE);
	if (header)
		g_string_free(header, TRUE);
	if (top)
		t->pristine_body_length = pos < len ? len - pos : 0;
	/* the body: CRLF line ends made LF in a copy */
	const char *bb = buf + pos;
	size_t bl = pos < len ? len - pos : 0;
	if (squash && bl) {
		char *c = g_malloc(bl);
		size_t o = 0;
		for (size_t k = 0; k < bl; k++) {
			if (bb[k] == '\r' && k + 1 < bl && bb[k + 1] == '\n')
				continue;
			c[o++] = bb[k];
		}
		g_ptr_array_add(t->bufs, c);
		bb = c;
		bl = o;
	}
	body->a = g_array_new(FALSE, FALSE, sizeof(struct sa_cline));
	body->base = bb;
	/* runs of blank lines: a run at the very start keeps its first two
	 * and last 19 lines past 21, others their first and last 19 past 20
	 * (the reverse loop of Message.pm new()) */
	size_t run_start = 0, run = 0;
	for (size_t q = 0;; ) {
		size_t ll = next_line(bb, bl, q);
		bool blank = ll && blank_line(bb + q, ll);
		if (!blank && run) {
			size_t keep = run, head = 1;
			if (run_start == 0) {
				if (run > MAX_BLANK_LINES + 1) {
					keep = MAX_BLANK_LINES + 1;
					head = 2;
				}
			} else if (run > MAX_BLANK_LINES)
				keep = MAX_BLANK_LINES;
			if (keep < run)
				g_array_remove_range(body->a, (guint)(run_start + head),
				    (guint)(run - keep));
			run = 0;
		}
		if (!ll)
			break;
		if (blank) {
			if (!run)
				run_start = body->a->len;
			run++;
		}
		struct sa_line l = { bb + q, ll, false };
		line_put(body, l);
		q += ll;
	}
	struct ctype c;
	parse_ct(n->ct, &c);
	n->type = g_strdup(c.type);
	if (strncmp(n->type, "multipart/", 10) == 0 && body->a->len > 1) {
		struct sa_line first = line_get(body, 0);
		if (!blank_line(first.p, first.len)) {
			size_t bn = c.boundary ? strlen(c.boundary) : 0;
			if (!c.boundary || first.len < 2 + bn || memcmp(first.p, "--", 2) != 0 ||
			    memcmp(first.p + 2, c.boundary, bn) != 0) {
				struct sa_cline nl = { CL_STATIC, 1 };
				g_array_prepend_val(body->a, nl);
			}
		}
	}
	ct_clear(&c);
}

/* /^--\Q$boundary\E(--)?\s*$/: 0 no, 1 a boundary, 2 the closing one;
 * closing_ok false: the opening-boundary form (no "--") */
static int
boundary_line(const struct sa_line *l, const char *b, size_t bl, bool closing_ok)
{
	if (l->len < 2 + bl || l->p[0] != '-' || l->p[1] != '-' || memcmp(l->p + 2, b, bl) != 0)
		return 0;
	size_t k = 2 + bl;
	if (closing_ok && k + 2 <= l->len && l->p[k] == '-' && l->p[k + 1] == '-' &&
	    blank_line(l->p + k + 2, l->len - k - 2))
		return 2;
	return blank_line(l->p + k, l->len - k) ? 1 : 0;
}

static void
push_split(struct sa_lines *a, struct sa_line l)
{
	while (line_len(&l) > MAX_BODY_LINE_LENGTH) {
		struct sa_line c = { l.p, MAX_BODY_LINE_LENGTH, true };
		line_put(a, c);
		l.p += MAX_BODY_LINE_LENGTH;
		l.len -= MAX_BODY_LINE_LENGTH;
	}
	line_put(a, l);
}

static void
state_add(struct sa_tree *t, const char *b, int d)
{
	gpointer v;
	int cur = 0;
	if (g_hash_table_lookup_extended(t->boundary_state, b, NULL, &v))
		cur = GPOINTER_TO_INT(v);
	g_hash_table_insert(t->boundary_state, g_strdup(b), GINT_TO_POINTER(d == 0 ? 1 : cur + d));
}

static void
part_header(struct sa_node *n, const GString *h)
{
	/* split(/:\s*(slash), $header, 2) */
	const char *colon = memchr(h->str, ':', h->len);
	if (!colon)
		return;
	size_t klen = (size_t)(colon - h->str);
	size_t v = klen + 1;
	while (v < h->len && p_space((unsigned char)h->str[v]))
		v++;
	node_header(n, h->str, klen, h->str + v, h->len - v);
}

/* Message.pm _parse_multipart() */
static void
parse_multipart(struct sa_tree *t, GQueue *q, struct pq *e)
{
	struct sa_node *msg = e->node;
	const char *boundary = e->boundary;
	size_t bl = strlen(boundary);
	const struct sa_lines *body = &e->lines;
	int subparse = e->subparse - 1;
	bool nested_boundary = false;
	msg->children = g_ptr_array_new();

	size_t start = 0, nl = nlines(body);
	/* the preamble: up to the opening boundary, when there is one */
	for (size_t line = 0; line < nl; line++) {
		struct sa_line l = line_get(body, line);
		if (boundary_line(&l, boundary, bl, false) == 1) {
			state_add(t, boundary, 0);
			if (line + 1 < nl) {
				struct sa_line nx = line_get(body, line + 1);
				if (!header_like(nx.p, nx.len, false))
					t->missing_mime_headers = true;
			}
			start = line + 1;
			break;
		}
	}
	struct sa_node *part = node_new(t);
	bool in_body = false;
	GString *header = NULL;
	struct sa_lines part_array = { NULL, body->base };
	unsigned partcnt = 0;
	size_t line_count = nl - start;
	for (size_t idx = start; idx < nl; idx++) {
		struct sa_line l = line_get(body, idx);
		int bk = boundary_line(&l, boundary, bl, true);
		bool found_end = bk != 0, found_last = bk == 2;
		if (found_end && nested_boundary) {
			found_end = false;
			if (found_last)
				nested_boundary = false;
			found_last = false;
		}
		if (--line_count == 0 || found_end) {
			if (!found_end) {
				push_split(&part_array, l);
			} else if (part_array.a && part_array.a->len) {
				/* the newline before a boundary is the boundary's */
				struct sa_cline *last = &g_array_index(part_array.a, struct sa_cline,
				    part_array.a->len - 1);
				struct sa_line ll = line_get(&part_array, part_array.a->len - 1);
				if (ll.nl)
					last->n &= ~CL_NL;
				else if (ll.len && ll.p[ll.len - 1] == '\n')
					last->n--;
				if (last->n == 0)
					g_array_set_size(part_array.a, part_array.a->len - 1);
			}
			struct ctype c;
			parse_ct(part->ct, &c);
			g_free(part->type);
			part->type = g_strdup(c.type);
			if (c.missing && strcmp(msg->type, "multipart/digest") == 0) {
				g_free(part->type);
				part->type = g_strdup("message/rfc822");
			}
			struct pq *ne = g_new0(struct pq, 1);
			ne->node = part;
			ne->boundary = g_strdup(c.boundary ? c.boundary : boundary);
			ne->lines = part_array;
			if (!ne->lines.a)
				ne->lines.a = g_array_new(FALSE, FALSE, sizeof(struct sa_cline));
			part_array.a = NULL;
			ne->subparse = subparse;
			g_queue_push_tail(q, ne);
			add_child(msg, part);
			ct_clear(&c);
			if (found_last) {
				state_add(t, boundary, -1);
				break;
			} else if (line_count) {
				struct sa_line nx = line_get(body, nl - line_count);
				if (!header_like(nx.p, nx.len, false))
					t->missing_mime_headers = true;
			}
			if (++partcnt == MIMEPART_LIMIT) {
				t->mimepart_limit_exceeded = true;
				if (header)
					g_string_free(header, TRUE);
				return;
			}
			in_body = false;
			part = node_new(t);
			if (header)
				g_string_free(header, TRUE);
			header = NULL;
			continue;
		}
		if (!in_body) {
			if (header_like(l.p, l.len, true)) {
				if (header)
					part_header(part, header);
				else
					header = g_string_new(NULL);
				g_string_truncate(header, 0);
				g_string_append_len(header, l.p, (gssize)l.len);
				continue;
			} else if (l.len && (l.p[0] == ' ' || l.p[0] == '\t') && header) {
				g_string_append_len(header, l.p, (gssize)l.len);
				continue;
			} else {
				if (header) {
					part_header(part, header);
					const char *colon = memchr(header->str, ':', header->len);
					size_t klen = colon ? (size_t)(colon - header->str) : header->len;
					if (klen == 12 && g_ascii_strncasecmp(header->str, "content-type", 12) == 0) {
						struct ctype c;
						parse_ct(part->ct, &c);
						if (c.boundary && strcmp(c.boundary, boundary) == 0)
							nested_boundary = true;
						ct_clear(&c);
					}
				}
				in_body = true;
				/* /^\r?$/ */
				if ((l.len == 1 && l.p[0] == '\n') ||
				    (l.len == 2 && l.p[0] == '\r' && l.p[1] == '\n') ||
				    (l.len == 1 && l.p[0] == '\r') || l.len == 0)
					continue;
				t->missing_mime_head_body_separator = true;
			}
		}
		push_split(&part_array, l);
	}
	if (header)
		g_string_free(header, TRUE);
	lines_free(&part_array);
	/* the epilogue: what follows the closing boundary */
	for (size_t k = nl - line_count; line_count && k < nl; k++) {
		struct sa_line l = line_get(body, k);
		bool other = false;
		for (size_t c = 0; c < l.len; c++)
			if (!p_space((unsigned char)l.p[c]) && l.p[c] != '.') {
				other = true;
				break;
			}
		if (other) {
			t->mime_epilogue_exists = true;
			break;
		}
	}
}

/* Util.pm qp_decode() */
static GString *
qp_decode(const GString *in)
{
	GString *a = g_string_sized_new(in->len);
	/* s/[ \t]+(?=\r?\n)//g */
	for (size_t i = 0; i < in->len; i++) {
		char ch = in->str[i];
		if (ch == ' ' || ch == '\t') {
			size_t k = i;
			while (k < in->len && (in->str[k] == ' ' || in->str[k] == '\t'))
				k++;
			if (k < in->len && (in->str[k] == '\n' ||
			    (in->str[k] == '\r' && k + 1 < in->len && in->str[k + 1] == '\n'))) {
				i = k - 1;
				continue;
			}
			g_string_append_len(a, in->str + i, (gssize)(k - i));
			i = k - 1;
			continue;
		}
		g_string_append_c(a, ch);
	}
	GString *b = g_string_sized_new(a->len);
	for (size_t i = 0; i < a->len; i++) {
		if (a->str[i] == '=') {
			if (i + 1 < a->len && a->str[i + 1] == '\n') {
				i++;
				continue;
			}
			if (i + 2 < a->len && a->str[i + 1] == '\r' && a->str[i + 2] == '\n') {
				i += 2;
				continue;
			}
		}
		g_string_append_c(b, a->str[i]);
	}
	g_string_truncate(a, 0);
	for (size_t i = 0; i < b->len; i++) {
		if (b->str[i] == '=' && i + 2 < b->len + 0 && g_ascii_isxdigit(b->str[i + 1]) &&
		    g_ascii_isxdigit(b->str[i + 2])) {
			g_string_append_c(a, (char)(g_ascii_xdigit_value(b->str[i + 1]) * 16 +
			    g_ascii_xdigit_value(b->str[i + 2])));
			i += 2;
			continue;
		}
		g_string_append_c(a, b->str[i]);
	}
	g_string_free(b, TRUE);
	return a;
}

/* Util.pm base64_decode(): non-base64 characters dropped, decoded in
 * groups of four (a trailing single character ignored) */
static GString *
b64_decode(const GString *in)
{
	GString *s = g_string_sized_new(in->len);
	for (size_t i = 0; i < in->len; i++) {
		char ch = in->str[i];
		if (g_ascii_isalnum(ch) || ch == '+' || ch == '/' || ch == '=')
			g_string_append_c(s, ch);
	}
	/* padding inside the text decodes as 'A' (MIME::Base64 path), at the
	 * end it is dropped */
	size_t n = s->len;
	while (n && s->str[n - 1] == '=')
		n--;
	GString *o = g_string_sized_new(n * 3 / 4 + 3);
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s->str[i];
		unsigned v = ch >= 'A' && ch <= 'Z' ? (unsigned)(ch - 'A') :
		    ch >= 'a' && ch <= 'z' ? (unsigned)(ch - 'a' + 26) :
		    ch >= '0' && ch <= '9' ? (unsigned)(ch - '0' + 52) :
		    ch == '+' ? 62u : ch == '/' ? 63u : 0u;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			g_string_append_c(o, (char)((acc >> bits) & 0xff));
		}
	}
	g_string_free(s, TRUE);
	return o;
}

static GString *
join_lines(const struct sa_lines *lines)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < nlines(lines); i++) {
		struct sa_line l = line_get(lines, i);
		g_string_append_len(s, l.p, (gssize)l.len);
		if (l.nl)
			g_string_append_c(s, '\n');
	}
	return s;
}

static void
crlf_to_lf(GString *s)
{
	size_t o = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->str[i] == '\r' && i + 1 < s->len && s->str[i + 1] == '\n')
			continue;
		s->str[o++] = s->str[i];
	}
	g_string_truncate(s, o);
}

static char *
lc_dup(const char *s)
{
	return s ? g_ascii_strdown(s, -1) : NULL;
}

/* Node.pm decode(): the part's content, decoded (owned) */
static GString *
node_decode(const struct sa_node *n)
{
	GString *raw = join_lines(&n->lines);
	char *enc = lc_dup(n->cte);
	GString *out = raw;
	if (enc && strcmp(enc, "quoted-printable") == 0) {
		out = qp_decode(raw);
		crlf_to_lf(out);
		g_string_free(raw, TRUE);
	} else if (enc && strcmp(enc, "base64") == 0) {
		out = b64_decode(raw);
		g_string_free(raw, TRUE);
		if (g_ascii_strncasecmp(n->type, "text/", 5) == 0 ||
		    g_ascii_strncasecmp(n->type, "message/", 8) == 0)
			crlf_to_lf(out);
	}
	g_free(enc);
	return out;
}

static void
parse_normal(struct sa_tree *t, struct pq *e)
{
	struct sa_node *msg = e->node;
	struct ctype c;
	parse_ct(msg->ct, &c);
	if (!c.missing) {
		g_free(msg->type);
		msg->type = g_strdup(strncmp(c.type, "multipart/", 10) != 0 || e->boundary ?
		    c.type : "text/plain");
	}
	ct_clear(&c);
	msg->lines = e->lines;
	e->lines.a = NULL;
	(void)t;
}

static void
parse_body(struct sa_tree *t, GQueue *q)
{
	struct pq *e;
	while ((e = g_queue_pop_head(q))) {
		struct sa_node *msg = e->node;
		if (strncmp(msg->type, "multipart/", 10) == 0 && e->boundary && e->subparse > 0) {
			parse_multipart(t, q, e);
		} else {
			parse_normal(t, e);
			if (strncmp(msg->type, "message/", 8) == 0 &&
			    strcmp(msg->type, "message/partial") != 0 && e->subparse > 0 &&
			    (strcmp(msg->type, "message/rfc822") == 0 ||
			    strcmp(msg->type, "message/global") == 0)) {
				GString *dec = node_decode(msg);
				if (dec->len) {
					size_t dl = dec->len;
					char *buf = g_string_free(dec, FALSE);
					g_ptr_array_add(t->bufs, buf);
					struct sa_node *sub = node_new(t);
					struct sa_lines sb = { NULL, NULL };
					message_new(t, sub, buf, dl, false, &sb);
					struct ctype c;
					parse_ct(sub->ct, &c);
					add_child(msg, sub);
					lines_free(&msg->lines);
					struct pq *ne = g_new0(struct pq, 1);
					ne->node = sub;
					ne->boundary = c.boundary ? g_strdup(c.boundary) : NULL;
					ne->lines = sb;
					ne->subparse = e->subparse - 1;
					g_queue_push_tail(q, ne);
					ct_clear(&c);
				} else
					g_string_free(dec, TRUE);
			}
		}
		lines_free(&e->lines);
		g_free(e->boundary);
		g_free(e);
	}
}

/* find_parts(qr/./): the nodes in document order (pre-order) */
static void
preorder(struct sa_node *n, GPtrArray *out)
{
	if (n->type && n->type[0])
		g_ptr_array_add(out, n);
	for (size_t i = 0; n->children && i < n->children->len; i++)
		preorder(g_ptr_array_index(n->children, i), out);
}

static bool
is_leaf(const struct sa_node *n)
{
	return n->children == NULL;
}

/* ---- locales (Locales.pm) ------------------------------------------------ */

static const struct {
	const char *loc;
	const char *cs;
} charsets_for_locale[] = {
	{ "ja", " EUCJP JISX020119760 JISX020819830 JISX020819900 JISX020819970 "
	    "JISX021219900 JISX021320001 JISX021320002 SHIFT_JIS SHIFTJIS "
	    "ISO2022JP SJIS JIS7 JISX0201 JISX0208 JISX0212 " },
	{ "ko", " EUCKR KSC56011987 " },
	{ "ru", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "ka", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "tg", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "be", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "uk", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "bg", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866 " },
	{ "th", " TIS620 " },
	{ "zh", " GB1988 GB2312 GB231219800 GB18030 GBK BIG5HKSCS BIG5 EUCTW ISO2022CN " },
};

/* the ok_locales setting, split; NULL or containing "all": any */
static char **
ok_locales(const struct sa_eval_msg *m)
{
	if (!m->rs || !m->rs->settings)
		return NULL;
	GPtrArray *a = g_hash_table_lookup(m->rs->settings, "ok_locales");
	if (!a || a->len == 0)
		return NULL;
	/* the last line counts */
	char **v = sa_eval_split_ws(g_ptr_array_index(a, a->len - 1));
	for (char **p = v; *p; p++)
		if (strcmp(*p, "all") == 0) {
			g_strfreev(v);
			return NULL;
		}
	return v;
}

static bool
charset_ok_for_locales(const char *cs_in, char **locales)
{
	GString *cs = g_string_new(NULL);
	for (const char *p = cs_in; *p; p++) {
		char ch = g_ascii_toupper(*p);
		if (g_ascii_isalnum(ch))
			g_string_append_c(cs, ch);
	}
	/* s/^3D//gs; s/:.*$// (no ':' is left) */
	const char *c = cs->str;
	if (strncmp(c, "3D", 2) == 0)
		c += 2;
	bool ok = strcmp(c, "USASCII") == 0 || strcmp(c, "ASCII") == 0 ||
	    g_str_has_prefix(c, "ISO8859") || g_str_has_prefix(c, "ISO10646") ||
	    g_str_has_prefix(c, "UTF") || g_str_has_prefix(c, "UCS") ||
	    g_str_has_prefix(c, "CP125") || g_str_has_prefix(c, "WINDOWS") ||
	    strcmp(c, "IBM852") == 0 || g_str_has_prefix(c, "UNICODE11UTF7") ||
	    g_str_has_prefix(c, "UNICODE11UTF8") || strcmp(c, "XUNKNOWN") == 0 ||
	    strcmp(c, "ISO") == 0;
	for (char **l = locales; !ok && l && *l; l++) {
		char loc[3] = { 'e', 'n', 0 };
		if (strcmp(*l, "C") != 0) {
			if ((*l)[0] >= 'a' && (*l)[0] <= 'z' && (*l)[1] >= 'a' && (*l)[1] <= 'z') {
				loc[0] = (*l)[0];
				loc[1] = (*l)[1];
			} else
				continue;	/* "zh.big5" etc. never come from a split */
		}
		for (size_t k = 0; k < G_N_ELEMENTS(charsets_for_locale); k++) {
			if (strcmp(charsets_for_locale[k].loc, loc) != 0)
				continue;
			char *needle = g_strdup_printf(" %s ", c);
			ok = c[0] && strstr(charsets_for_locale[k].cs, needle) != NULL;
			g_free(needle);
		}
	}
	g_string_free(cs, TRUE);
	return ok;
}

/* ---- MIMEEval's _check_attachments --------------------------------------- */

static bool
has(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

/* /iso-\S+-\S+\b/i */
static bool
iso_charset_form(const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i + 4 <= len; i++) {
		if (g_ascii_strncasecmp(s + i, "iso-", 4) != 0)
			continue;
		size_t e = i + 4;
		while (e < len && !p_space((unsigned char)s[e]))
			e++;
		/* the first '-' with a character before it (after "iso-") */
		size_t j = i + 5;
		while (j < e && s[j] != '-')
			j++;
		if (j >= e)
			continue;
		for (size_t k = j + 2; k <= e; k++) {
			bool a = p_word((unsigned char)s[k - 1]);
			bool b = k < len && p_word((unsigned char)s[k]);
			if (a != b)
				return true;
		}
	}
	return false;
}

/* /iso-(?:8859-\d{1,2}|2022-(?:jp|kr))\b/ */
static bool
iso_charset_good(const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i + 4 <= len; i++) {
		if (strncmp(s + i, "iso-", 4) != 0)
			continue;
		const char *p = s + i + 4;
		size_t rest = len - i - 4;
		if (rest >= 6 && strncmp(p, "8859-", 5) == 0 && g_ascii_isdigit(p[5])) {
			size_t d = 1;
			if (rest >= 7 && g_ascii_isdigit(p[6]))
				d = 2;
			/* \b after the digits; with two digits, one does not do */
			if (5 + d >= rest || !p_word((unsigned char)p[5 + d]))
				return true;
		}
		if (rest >= 7 && (strncmp(p, "2022-jp", 7) == 0 || strncmp(p, "2022-kr", 7) == 0) &&
		    (rest == 7 || !p_word((unsigned char)p[7])))
			return true;
	}
	return false;
}

/* /(?:us-ascii|ansi_x3\.4-1968|...|us|...)/ unanchored: the short names
 * make it "contains us" or "contains ascii" ... */
static bool
ascii_charset(const char *cs)
{
	static const char *const names[] = { "us-ascii", "ansi_x3.4-1968", "iso-ir-6",
		"ansi_x3.4-1986", "iso_646.irv:1991", "ascii", "iso646-us", "us", "ibm367",
		"cp367", "csascii" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strstr(cs, names[i]))
			return true;
	return false;
}

struct walk_part {
	const char *type;
	bool bytes_defined;
	double bytes;
};

static void
check_mime_header(struct sa_tree *t, const struct sa_eval_msg *m, char **locales,
    bool locales_all, const char *ctype, const char *cte, const char *cd, const char *charset_in)
{
	const char *charset = charset_in ? charset_in : "";
	if (strcmp(ctype, "text/html") == 0)
		t->body_html_count++;
	else if (g_ascii_strncasecmp(ctype, "text", 4) == 0)
		t->body_text_count++;
	if (has(cte, "base64"))
		t->base64_count++;
	else if (has(cte, "quoted-printable"))
		t->qp_count_parts++;
	if (cd[0] && has(cd, "attachment")) {
		t->attachment++;
		t->have_attachment_key = true;
	}
	if (strncmp(ctype, "text", 4) == 0 && has(cte, "base64") &&
	    (!charset[0] || ascii_charset(charset)) &&
	    !(cd[0] && (g_str_has_prefix(cd, "attachment") || g_str_has_prefix(cd, "inline"))))
		t->base64_encoded_text = true;
	if (iso_charset_form(charset) && !iso_charset_good(charset))
		t->bad_iso_charset = true;
	bool alpha = false;
	for (const char *p = charset; *p; p++)
		if (g_ascii_isalpha(*p))
			alpha = true;
	if (alpha) {
		if (t->html_charsets_defined)
			g_string_append_c(t->html_charsets, ' ');
		g_string_append(t->html_charsets, charset);
		t->html_charsets_defined = true;
		if (!t->faraway_charset && !locales_all &&
		    !charset_ok_for_locales(charset, locales))
			t->faraway_charset = true;
	}
	(void)m;
}

/* m/=(?:09|3[0-9ABCEF]|[2456][0-9A-F]|7[0-9A-E])/g */
static unsigned
qp_excess(const char *p, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] != '=')
			continue;
		char a = p[i + 1], b = p[i + 2];
		bool hexu = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'F');
		bool ok = (a == '0' && b == '9') ||
		    (a == '3' && hexu && b != 'D') ||
		    ((a == '2' || a == '4' || a == '5' || a == '6') && hexu) ||
		    (a == '7' && hexu && b != 'F');
		if (ok) {
			c++;
			i += 2;
		}
	}
	return c;
}

/* m/((?:=09|=20)+)\s*$/: how many such codes end the line before its
 * trailing blanks */
static unsigned
qp_trailing(const char *p, size_t n)
{
	size_t e = n;
	while (e && p_space((unsigned char)p[e - 1]))
		e--;
	unsigned c = 0;
	while (e >= 3 && p[e - 3] == '=' &&
	    ((p[e - 2] == '0' && p[e - 1] == '9') || (p[e - 2] == '2' && p[e - 1] == '0'))) {
		e -= 3;
		c++;
	}
	return c;
}

/* s/&#x[0-9A-F]{4};//g: how many */
static unsigned
unicode_escapes(const char *p, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i + 8 <= n; i++) {
		if (p[i] != '&' || p[i + 1] != '#' || p[i + 2] != 'x' || p[i + 7] != ';')
			continue;
		bool ok = true;
		for (size_t k = 3; k < 7; k++) {
			char ch = p[i + k];
			if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
				ok = false;
		}
		if (ok) {
			c++;
			i += 7;
		}
	}
	return c;
}

static void
check_attachments(struct sa_tree *t, const struct sa_eval_msg *m)
{
	char **locales = ok_locales(m);
	bool locales_all = locales == NULL;
	t->multipart_ratio = 1.0;
	double qp_bytes = 0, qp_count = 0, normal_chars = 0, unicode_chars = 0;
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(struct walk_part));
	GPtrArray *all = g_ptr_array_new();
	preorder(t->root, all);
	for (size_t i = 0; i < all->len; i++) {
		struct sa_node *p = g_ptr_array_index(all, i);
		struct ctype c;
		parse_ct(p->ct, &c);
		if (strcmp(c.type, "multipart/alternative") == 0)
			t->multipart_alternative = true;
		char *cte = p->cte ? g_ascii_strdown(p->cte, -1) : g_strdup("");
		char *cd = p->cd ? g_ascii_strdown(p->cd, -1) : g_strdup("");
		char *charset = c.charset && c.charset[0] ? g_ascii_strdown(c.charset, -1) :
		    g_strdup(c.charset);
		check_mime_header(t, m, locales, locales_all, c.type, cte, cd, charset);
		if (is_leaf(p)) {
			struct walk_part wp = { NULL, false, 0 };
			bool attach = strstr(cd, "attachment") != NULL;
			wp.bytes_defined = !attach;
			/* the type as parsed here (the header's), kept with the node */
			char *ty = g_strdup(c.type);
			g_ptr_array_add(t->bufs, ty);
			wp.type = ty;
			bool plain_or_html = strcmp(c.type, "text/plain") == 0 ||
			    strcmp(c.type, "text/html") == 0;
			bool ascii = strcmp(c.type, "text/plain") == 0 &&
			    (!charset || strcmp(charset, "us-ascii") == 0);
			bool unicode = strcmp(c.type, "text/plain") == 0 &&
			    (!cte[0] || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0);
			bool qp = strcmp(cte, "quoted-printable") == 0;
			for (size_t k = 0; k < nlines(&p->lines); k++) {
				struct sa_line lv = line_get(&p->lines, k);
				const struct sa_line *l = &lv;
				size_t ll = line_len(l);
				if (t->multipart_alternative && !attach && plain_or_html)
					wp.bytes += (double)ll;
				if (qp && !(l->len >= 6 && memcmp(l->p, "SPAM: ", 6) == 0)) {
					if (ll > 78 + 1)
						t->qp_long_line = true;
					qp_bytes += (double)ll;
					if (memchr(l->p, '=', l->len)) {
						unsigned n = qp_excess(l->p, l->len);
						if (n)
							qp_count += (double)n - qp_trailing(l->p, l->len);
					}
				}
				if (ascii) {
					for (size_t q = 0; q < l->len; q++) {
						unsigned char ch = (unsigned char)l->p[q];
						if (ch == 0 || ch == '\r' || ch >= 0x80) {
							t->ascii_text_illegal++;
							break;
						}
					}
				}
				if (unicode) {
					unsigned n = unicode_escapes(l->p, l->len);
					normal_chars += (double)ll - 8.0 * n;
					unicode_chars += n;
				}
			}
			g_array_append_val(parts, wp);
		}
		g_free(cte);
		g_free(cd);
		g_free(charset);
		ct_clear(&c);
	}
	g_ptr_array_free(all, TRUE);
	if (qp_bytes > 0) {
		t->qp_ratio = qp_count / qp_bytes;
		t->qp_count = qp_count;
		t->qp_bytes = qp_bytes;
		t->have_qp_bytes = true;
	}
	if (normal_chars != 0)
		t->text_unicode_ratio = unicode_chars / normal_chars;
	if (t->multipart_alternative) {
		bool have_text = false, have_html = false;
		double text = 0, html = 0;
		for (size_t i = parts->len; i-- > 0;) {
			const struct walk_part *wp = &g_array_index(parts, struct walk_part, i);
			if (!wp->bytes_defined)
				continue;
			if (!have_html && strcmp(wp->type, "text/html") == 0) {
				html = wp->bytes;
				have_html = true;
			} else if (!have_text && strcmp(wp->type, "text/plain") == 0) {
				text = wp->bytes;
				have_text = true;
			}
			if (have_html && have_text)
				break;
		}
		if (have_text && have_html && html > 0)
			t->multipart_ratio = text / html;
	}
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, t->boundary_state);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (GPOINTER_TO_INT(v) != 0)
			t->missing_boundary = true;
	g_array_free(parts, TRUE);
	g_strfreev(locales);
}

static void
tree_free(void *p)
{
	struct sa_tree *t = p;
	if (!t)
		return;
	g_ptr_array_free(t->nodes, TRUE);
	g_ptr_array_free(t->bufs, TRUE);
	g_hash_table_destroy(t->boundary_state);
	g_string_free(t->html_charsets, TRUE);
	if (t->decoded)
		g_ptr_array_free(t->decoded, TRUE);
	g_free(t->madiff);
	g_free(t);
}

static void *
tree_make(struct sa_eval_msg *m)
{
	/* what the 31-bit offsets of struct sa_cline reach (the scan's
	 * limits.message_size is far below) */
	if (m->raw && m->raw_len > SA_TREE_MAX)
		return NULL;
	struct sa_tree *t = g_new0(struct sa_tree, 1);
	t->nodes = g_ptr_array_new_with_free_func(node_free);
	t->bufs = g_ptr_array_new_with_free_func(g_free);
	t->boundary_state = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->html_charsets = g_string_new(NULL);
	t->root = node_new(t);
	t->stock = -1;
	struct sa_lines body = { NULL, NULL };
	message_new(t, t->root, (const char *)m->raw, m->raw ? m->raw_len : 0, true, &body);
	struct ctype c;
	parse_ct(t->root->ct, &c);
	GQueue q = G_QUEUE_INIT;
	struct pq *e = g_new0(struct pq, 1);
	e->node = t->root;
	e->boundary = c.boundary ? g_strdup(c.boundary) : NULL;
	e->lines = body;
	e->subparse = SUBPARSE_LEVELS;
	g_queue_push_tail(&q, e);
	ct_clear(&c);
	parse_body(t, &q);
	check_attachments(t, m);
	return t;
}

static struct sa_tree *
tree(struct sa_eval_msg *m)
{
	return sa_eval_cached(m, SA_SLOT_BODY, tree_make, tree_free);
}

/* ---- the functions ---------------------------------------------------------- */

static bool
prep_none(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 0, 0, err, errlen);
}

/* check_for_mime(KEY): the keys _check_attachments sets in SpamAssassin's
 * $pms (and mimepart_limit_exceeded, which rules ask for but which only
 * the message object has: never true there, so never here) */
enum mime_key {
	MK_BASE64_COUNT = 1, MK_BASE64_ENCODED_TEXT, MK_BODY_HTML_COUNT, MK_BODY_TEXT_COUNT,
	MK_FARAWAY_CHARSET, MK_MISSING_BOUNDARY, MK_MULTIPART_ALTERNATIVE, MK_MULTIPART_RATIO,
	MK_QP_COUNT, MK_QP_LONG_LINE, MK_QP_RATIO, MK_ASCII_TEXT_ILLEGAL, MK_TEXT_UNICODE_RATIO,
	MK_ATTACHMENT, MK_BAD_ISO_CHARSET, MK_HTML_CHARSETS, MK_QP_BYTES, MK_CHECKED,
	MK_LIMIT_EXCEEDED,
};

static const char *const mime_keys[] = {
	[MK_BASE64_COUNT] = "mime_base64_count",
	[MK_BASE64_ENCODED_TEXT] = "mime_base64_encoded_text",
	[MK_BODY_HTML_COUNT] = "mime_body_html_count",
	[MK_BODY_TEXT_COUNT] = "mime_body_text_count",
	[MK_FARAWAY_CHARSET] = "mime_faraway_charset",
	[MK_MISSING_BOUNDARY] = "mime_missing_boundary",
	[MK_MULTIPART_ALTERNATIVE] = "mime_multipart_alternative",
	[MK_MULTIPART_RATIO] = "mime_multipart_ratio",
	[MK_QP_COUNT] = "mime_qp_count",
	[MK_QP_LONG_LINE] = "mime_qp_long_line",
	[MK_QP_RATIO] = "mime_qp_ratio",
	[MK_ASCII_TEXT_ILLEGAL] = "mime_ascii_text_illegal",
	[MK_TEXT_UNICODE_RATIO] = "mime_text_unicode_ratio",
	[MK_ATTACHMENT] = "mime_attachment",
	[MK_BAD_ISO_CHARSET] = "mime_bad_iso_charset",
	[MK_HTML_CHARSETS] = "mime_html_charsets",
	[MK_QP_BYTES] = "mime_qp_bytes",
	[MK_CHECKED] = "mime_checked_attachments",
	[MK_LIMIT_EXCEEDED] = "mimepart_limit_exceeded",
};

static bool
prep_for_mime(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!sa_eval_want_args(c, 1, 1, err, errlen))
		return false;
	for (size_t i = 1; i < G_N_ELEMENTS(mime_keys); i++)
		if (strcmp(c->argv[0], mime_keys[i]) == 0) {
			c->data = GSIZE_TO_POINTER(i);
			return true;
		}
	snprintf(err, errlen, "unknown key %.60s", c->argv[0]);
	return false;
}

static int
run_for_mime(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	switch ((enum mime_key)GPOINTER_TO_SIZE(c->data)) {
	case MK_BASE64_COUNT: return t->base64_count != 0;
	case MK_BASE64_ENCODED_TEXT: return t->base64_encoded_text;
	case MK_BODY_HTML_COUNT: return t->body_html_count != 0;
	case MK_BODY_TEXT_COUNT: return t->body_text_count != 0;
	case MK_FARAWAY_CHARSET: return t->faraway_charset;
	case MK_MISSING_BOUNDARY: return t->missing_boundary;
	case MK_MULTIPART_ALTERNATIVE: return t->multipart_alternative;
	case MK_MULTIPART_RATIO: return t->multipart_ratio != 0;
	case MK_QP_COUNT: return (t->have_qp_bytes ? t->qp_count : t->qp_count_parts) != 0;
	case MK_QP_LONG_LINE: return t->qp_long_line;
	case MK_QP_RATIO: return t->qp_ratio != 0;
	case MK_ASCII_TEXT_ILLEGAL: return t->ascii_text_illegal != 0;
	case MK_TEXT_UNICODE_RATIO: return t->text_unicode_ratio != 0;
	case MK_ATTACHMENT: return t->attachment != 0;
	case MK_BAD_ISO_CHARSET: return t->bad_iso_charset;
	case MK_HTML_CHARSETS:
		return t->html_charsets->len && strcmp(t->html_charsets->str, "0") != 0;
	case MK_QP_BYTES: return t->have_qp_bytes && t->qp_bytes != 0;
	case MK_CHECKED: return 1;
	case MK_LIMIT_EXCEEDED: return 0;
	}
	return -1;
}

/* $pms->get('Content-Type') =~ m{^text/html}i */
static bool
top_ct_html(const struct sa_eval_msg *m)
{
	GString *v = g_string_new(NULL);
	sa_header_values(m->fields, "Content-Type", false, v);
	bool r = v->len >= 9 && g_ascii_strncasecmp(v->str, "text/html", 9) == 0;
	g_string_free(v, TRUE);
	return r;
}

static int
run_mime_html(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	if (top_ct_html(m))
		return 1;
	struct sa_tree *t = tree(m);
	return t ? t->body_html_count > 0 : -1;
}

static int
run_mime_html_only(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	if (top_ct_html(m))
		return 1;
	struct sa_tree *t = tree(m);
	return t ? t->body_html_count > 0 && t->body_text_count == 0 : -1;
}

static bool
prep_two(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 2, 2, err, errlen);
}

static bool
prep_one(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 1, 1, err, errlen);
}

static int
run_multipart_ratio(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	return t->multipart_ratio >= sa_eval_arg_num(c, 0, 0) &&
	    t->multipart_ratio < sa_eval_arg_num(c, 1, 0);
}

/* check_abundant_unicode_ratio(R): R must read /^\d{0,3}\.\d{1,3}$/, or
 * SpamAssassin never hits */
static bool
ratio_form(const char *s)
{
	size_t i = 0, d = 0;
	while (g_ascii_isdigit(s[i]))
		i++;
	if (i > 3 || s[i] != '.')
		return false;
	i++;
	while (g_ascii_isdigit(s[i + d]))
		d++;
	if (d < 1 || d > 3)
		return false;
	/* $ also before a final newline */
	return s[i + d] == '\0' || (s[i + d] == '\n' && s[i + d + 1] == '\0');
}

static int
run_unicode_ratio(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	if (!ratio_form(c->argv[0]))
		return 0;
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	return t->text_unicode_ratio >= sa_eval_arg_num(c, 0, 0);
}

static int
run_ascii_text_illegal(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	struct sa_tree *t = tree(m);
	return t ? t->ascii_text_illegal > 0 : -1;
}

static int
run_qp_ratio(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	return t->qp_ratio >= sa_eval_arg_num(c, 0, 0);
}

/* check_msg_parse_flags(FLAG): the flags Message.pm's parse sets */
static const char *const parse_flags[] = {
	"missing_head_body_separator", "truncated_header", "missing_mime_headers",
	"missing_mime_head_body_separator", "mime_epilogue_exists", "mimepart_limit_exceeded",
};

static bool
prep_parse_flags(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!sa_eval_want_args(c, 1, 1, err, errlen))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(parse_flags); i++)
		if (strcmp(c->argv[0], parse_flags[i]) == 0) {
			c->data = GSIZE_TO_POINTER(i + 1);
			return true;
		}
	snprintf(err, errlen, "parse flag %.60s not known", c->argv[0]);
	return false;
}

static int
run_parse_flags(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	switch (GPOINTER_TO_SIZE(c->data)) {
	case 1: return t->missing_head_body_separator;
	case 2: return t->truncated_header;
	case 3: return t->missing_mime_headers;
	case 4: return t->missing_mime_head_body_separator;
	case 5: return t->mime_epilogue_exists;
	case 6: return t->mimepart_limit_exceeded;
	default: return -1;
	}
}

/* get_charset_from_ct_line() of $pms->get('Content-Type', undef) */
static char *
top_ct_charset(const struct sa_eval_msg *m, bool *have_ct)
{
	GString *v = g_string_new(NULL);
	sa_header_values(m->fields, "Content-Type", false, v);
	*have_ct = sa_header_count(m->fields, "Content-Type") > 0;
	char *r = NULL;
	/* charset="([^"]+)"/i, then '...', then charset=(\S+) */
	for (int form = 0; form < 3 && !r && *have_ct; form++) {
		for (size_t i = 0; i + 8 <= v->len && !r; i++) {
			if (g_ascii_strncasecmp(v->str + i, "charset=", 8) != 0)
				continue;
			size_t k = i + 8;
			if (form < 2) {
				char q = form == 0 ? '"' : '\'';
				if (k >= v->len || v->str[k] != q)
					continue;
				size_t e = k + 1;
				while (e < v->len && v->str[e] != q)
					e++;
				if (e < v->len && e > k + 1)
					r = g_strndup(v->str + k + 1, e - k - 1);
			} else {
				size_t e = k;
				while (e < v->len && !p_space((unsigned char)v->str[e]))
					e++;
				if (e > k)
					r = g_strndup(v->str + k, e - k);
			}
		}
	}
	g_string_free(v, TRUE);
	return r;
}

static int
run_faraway_charset(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	char **locales = ok_locales(m);
	if (!locales)
		return 0;
	bool have_ct;
	char *cs = top_ct_charset(m, &have_ct);
	int r = 0;
	if (cs && !charset_ok_for_locales(cs, locales)) {
		/* are_more_high_bits_set(join("\n", @body)) */
		size_t hi = 0, total = 0;
		for (size_t i = 0; m->body && i < m->body->len; i++) {
			const char *l = g_ptr_array_index(m->body, i);
			size_t n = strlen(l);
			total += n + (i ? 1 : 0);
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)l[k] >= 0x80)
					hi++;
		}
		size_t lo = total - hi;
		r = lo <= hi && hi > 3;
	}
	g_free(cs);
	g_strfreev(locales);
	return r;
}

/* CHARSETS_LIKELY_TO_FP_AS_CAPS, anchored */
static bool
charset_fp_as_caps(const char *cs)
{
	static const char *const subs[] = { "koi", "jp", "jis", "euc", "gb", "big5", "isoir",
		"cp1251", "windows-1251", "georgianps", "pt154", "tis" };
	for (const char *p = cs; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return false;
	char *l = g_ascii_strdown(cs, -1);
	bool r = false;
	for (size_t i = 0; i < G_N_ELEMENTS(subs) && !r; i++)
		r = strstr(l, subs[i]) != NULL;
	g_free(l);
	return r;
}

static bool
body_charset_likely_fp(struct sa_eval_msg *m, struct sa_tree *t)
{
	bool have_ct;
	char *cs = top_ct_charset(m, &have_ct);
	bool r = cs && charset_fp_as_caps(cs);
	g_free(cs);
	if (!r && t->html_charsets_defined) {
		char **v = g_strsplit_set(t->html_charsets->str, " \t\n\r\f", -1);
		for (char **p = v; *p && !r; p++)
			r = **p && charset_fp_as_caps(*p);
		g_strfreev(v);
	}
	return r;
}

/* /^(?:[A-Za-z0-9+\/=]{60,76} ){2}/ */
static bool
base64_pair(const char *l)
{
	size_t i = 0;
	for (int run = 0; run < 2; run++) {
		size_t st = i;
		while (g_ascii_isalnum(l[i]) || l[i] == '+' || l[i] == '/' || l[i] == '=')
			i++;
		if (i - st < 60 || i - st > 76 || l[i] != ' ')
			return false;
		i++;
	}
	return true;
}

/* /\S\s+\S/ */
static bool
inner_space(const char *l)
{
	size_t i = 0;
	while (l[i] && p_space((unsigned char)l[i]))
		i++;
	if (!l[i])
		return false;
	while (l[i] && !p_space((unsigned char)l[i]))
		i++;
	while (l[i] && p_space((unsigned char)l[i]))
		i++;
	return l[i] != '\0';
}

static int
run_uppercase(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	double min = sa_eval_arg_num(c, 0, 0), max = sa_eval_arg_num(c, 1, 0);
	if (t->uc_done)	/* the same for each rule: made once a scan */
		return t->uc_pct > min && t->uc_pct <= max;
	double pct = 0;
	if (!body_charset_likely_fp(m, t)) {
		size_t len = 0, lower = 0, upper = 0;
		for (size_t i = 0; m->body && i < m->body->len; i++) {
			const char *l = g_ptr_array_index(m->body, i);
			if (!inner_space(l) || base64_pair(l))
				continue;
			size_t n = strlen(l);
			/* s/\x1b\$B.*\x1b\(B//gs: the first ESC $ B to the last ESC ( B */
			const char *a = g_strstr_len(l, (gssize)n, "\x1b$B");
			const char *z = NULL;
			if (a) {
				for (const char *p = a + 3; p + 3 <= l + n; p++)
					if (p[0] == '\x1b' && p[1] == '(' && p[2] == 'B')
						z = p;
			}
			for (size_t k = 0; k < n; k++) {
				if (a && z && l + k >= a && l + k < z + 3)
					continue;
				len++;
				char ch = l[k];
				if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
					lower++;
				else if (ch >= 'A' && ch <= 'Z')
					upper++;
			}
		}
		if (len >= 200 && upper + lower)
			pct = (double)upper / (double)(upper + lower) * 100;
	}
	t->uc_pct = pct;
	t->uc_done = true;
	return pct > min && pct <= max;
}

/* check_ma_non_text: a multipart/alternative whose direct leaves are not
 * all text/..., multipart/related or application/rtf */
static bool
ma_non_text(const struct sa_node *n)
{
	if (n->type && strcmp(n->type, "multipart/alternative") == 0 && n->children) {
		for (size_t i = 0; i < n->children->len; i++) {
			const struct sa_node *p = g_ptr_array_index(n->children, i);
			if (!is_leaf(p) || !p->type || !p->type[0])
				continue;
			if (g_ascii_strcasecmp(p->type, "multipart/related") == 0 ||
			    g_ascii_strcasecmp(p->type, "application/rtf") == 0 ||
			    g_ascii_strncasecmp(p->type, "text/", 5) == 0)
				continue;
			return true;
		}
	}
	for (size_t i = 0; n->children && i < n->children->len; i++)
		if (ma_non_text(g_ptr_array_index(n->children, i)))
			return true;
	return false;
}

static int
run_ma_non_text(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	struct sa_tree *t = tree(m);
	return t ? ma_non_text(t->root) : -1;
}

static bool
prep_base64_length(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 1, 2, err, errlen);
}

static void
base64_len(struct sa_tree *t)
{
	if (t->base64_len_done)
		return;
	t->base64_len_done = true;
	GPtrArray *all = g_ptr_array_new();
	preorder(t->root, all);
	for (size_t i = 0; i < all->len; i++) {
		const struct sa_node *p = g_ptr_array_index(all, i);
		if (!is_leaf(p))
			continue;
		struct ctype c;
		parse_ct(p->ct, &c);
		bool ics = strcmp(c.type, "application/ics") == 0;
		ct_clear(&c);
		/* lc(get_header(...) || '') !~ /^base64$/: the value with its
		 * newline, so "base64" exactly */
		if (ics || !p->cte || g_ascii_strcasecmp(p->cte, "base64") != 0)
			continue;
		for (size_t k = 0; k < nlines(&p->lines); k++) {
			struct sa_line lv = line_get(&p->lines, k);
			size_t ll = line_len(&lv);
			if (ll > t->base64_len)
				t->base64_len = ll;
		}
	}
	g_ptr_array_free(all, TRUE);
}

static int
run_base64_length(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	base64_len(t);
	double len = (double)t->base64_len;
	if (!sa_eval_arg_undef(c, 1) && len > sa_eval_arg_num(c, 1, 0))
		return 0;
	return len >= sa_eval_arg_num(c, 0, 0);
}

/* ---- BodyEval ------------------------------------------------------------------ */

static int
run_body_length(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	return (double)t->pristine_body_length <= sa_eval_arg_num(c, 0, 0);
}

static bool
prep_blank_line_ratio(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 2, 3, err, errlen);
}

/* the name SpamAssassin gives a part (_parse_normal): Content-Disposition's
 * name=, else Content-Type's name; whether it ends in .htm(l)/.shtml */
static bool
named_html(const struct sa_node *n)
{
	char *name = NULL;
	if (n->cd) {
		const char *s = n->cd;
		for (size_t i = 0; s[i] && !name; i++) {
			if (g_ascii_strncasecmp(s + i, "name=", 5) != 0)
				continue;
			size_t k = i + 5;
			while (s[k] && p_space((unsigned char)s[k]))
				k++;
			if (s[k] == '"')
				k++;
			size_t e = k;
			while (s[e] && s[e] != '"' && s[e] != ';')
				e++;
			if (e > k)
				name = g_strndup(s + k, e - k);
		}
	}
	if (!name && n->ct) {
		/* /\b(?:file)?name\s*=\s*["']?(.*?)["']?(?:;|$)/i */
		char *v = g_strconcat(n->ct, "\n", NULL);
		size_t len = strlen(v);
		for (size_t i = 0; i < len && !name; i++) {
			size_t k;
			if (word_at(v, len, i, "filename"))
				k = i + 8;
			else if (word_at(v, len, i, "name"))
				k = i + 4;
			else
				continue;
			while (k < len && p_space((unsigned char)v[k]))
				k++;
			if (k >= len || v[k] != '=')
				continue;
			k++;
			while (k < len && p_space((unsigned char)v[k]))
				k++;
			size_t st = k < len && (v[k] == '"' || v[k] == '\'') ? k + 1 : k;
			for (size_t j = st;; j++) {
				if (j < len && (v[j] == '"' || v[j] == '\'') &&
				    (j + 1 < len ? v[j + 1] == ';' || at_end(v, len, j + 1) : true)) {
					name = g_strndup(v + st, j - st);
					break;
				}
				if (at_end(v, len, j) || (j < len && v[j] == ';')) {
					name = g_strndup(v + st, j - st);
					break;
				}
				if (j >= len || v[j] == '\n')
					break;
			}
			if (name && !name[0]) {
				g_free(name);
				name = NULL;
			}
		}
		g_free(v);
	}
	bool r = false;
	if (name) {
		size_t l = strlen(name);
		r = (l >= 4 && g_ascii_strcasecmp(name + l - 4, ".htm") == 0) ||
		    (l >= 5 && g_ascii_strcasecmp(name + l - 5, ".html") == 0) ||
		    (l >= 5 && g_ascii_strcasecmp(name + l - 5, ".shtm") == 0) ||
		    (l >= 6 && g_ascii_strcasecmp(name + l - 6, ".shtml") == 0);
	}
	g_free(name);
	return r;
}

/* split_into_array_of_short_paragraphs() */
static void
short_paragraphs(const char *s, size_t n, GPtrArray *out)
{
	const size_t M = MAX_BODY_LINE_LENGTH;
	if (n <= M) {
		g_ptr_array_add(out, g_string_new_len(s, (gssize)n));
		return;
	}
	size_t ofs = 0;
	for (; n - ofs > 2 * M;) {
		size_t j = (size_t)-1;
		const char *seps = "\n> ";
		for (int k = 0; k < 3; k++) {
			const char *f = memchr(s + ofs + M, seps[k], n - ofs - M);
			j = f ? (size_t)(f - s) : (size_t)-1;
			if (j != (size_t)-1 && j - ofs + 1 <= 2 * M)
				break;
			j = (size_t)-1;
		}
		if (j == (size_t)-1)
			j = ofs + M;
		g_ptr_array_add(out, g_string_new_len(s + ofs, (gssize)(j - ofs + 1)));
		ofs = j + 1;
	}
	if (ofs < n)
		g_ptr_array_add(out, g_string_new_len(s + ofs, (gssize)(n - ofs)));
}

/* get_decoded_body_text_array(): every text or message leaf, decoded */
static const GPtrArray *
decoded_body(struct sa_tree *t)
{
	if (t->decoded_done)
		return t->decoded;
	t->decoded_done = true;
	t->decoded = g_ptr_array_new_with_free_func((GDestroyNotify)(void (*)(void))g_string_free);
	GPtrArray *all = g_ptr_array_new();
	preorder(t->root, all);
	for (size_t i = 0; i < all->len; i++) {
		const struct sa_node *p = g_ptr_array_index(all, i);
		if (!is_leaf(p))
			continue;
		const char *et = named_html(p) ? "text/html" : p->type;
		bool textish = (g_str_has_prefix(et, "text") && !p_word((unsigned char)et[4])) ||
		    (g_str_has_prefix(et, "message") && !p_word((unsigned char)et[7]));
		if (!textish || strcmp(p->type, "text/calendar") == 0)
			continue;
		GString *d = node_decode(p);
		size_t n = d->len;
		if (n > RAWBODY_PART_SCAN_SIZE) {
			size_t S = RAWBODY_PART_SCAN_SIZE, cut = S;
			const char *seps = "\n> ";
			for (int k = 0; k < 3; k++) {
				const char *f = memchr(d->str + S, seps[k], n - S);
				if (f && (size_t)(f - d->str) - S <= 1024) {
					cut = (size_t)(f - d->str) + 1;
					break;
				}
			}
			n = cut;
		}
		short_paragraphs(d->str, n, t->decoded);
		g_string_free(d, TRUE);
	}
	g_ptr_array_free(all, TRUE);
	return t->decoded;
}

static int
run_blank_line_ratio(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	double min = sa_eval_arg_num(c, 0, 0), max = sa_eval_arg_num(c, 1, 0);
	double minlines = sa_eval_arg_num(c, 2, 1);
	if (sa_eval_arg_undef(c, 2) || minlines < 1)
		minlines = 1;
	const GPtrArray *chunks = decoded_body(t);
	double blank = 0, nlines = 0;
	for (size_t i = 0; i < chunks->len; i++) {
		const GString *s = g_ptr_array_index(chunks, i);
		/* split(/^/m, $chunk, -1): lines after each newline; "" gives none */
		size_t st = 0;
		while (st < s->len) {
			const char *nl = memchr(s->str + st, '\n', s->len - st);
			size_t e = nl ? (size_t)(nl - s->str) + 1 : s->len;
			nlines++;
			if (blank_line(s->str + st, e - st))
				blank++;
			st = e;
		}
	}
	double ratio = nlines < minlines ? -1 : 100 * blank / nlines;
	return (min == 0 && ratio <= max) || (ratio > min && ratio <= max);
}

static int
run_tvd_vertical_words(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	double min = sa_eval_arg_num(c, 0, 0), max = sa_eval_arg_num(c, 1, 0);
	if (max >= 100)
		max = 101;
	double best = -1;
	for (size_t i = 0; m->body && i < m->body->len; i++) {
		const char *l = g_ptr_array_index(m->body, i);
		size_t n = strlen(l);
		if (n <= 5)
			continue;
		size_t spaces = 0;
		for (size_t k = 0; k < n; k++)
			if (l[k] == ' ')
				spaces++;
		size_t non = n - spaces;
		double pct = spaces > non || non == 0 ? 100 : floor(100.0 * (double)spaces / (double)non);
		if (pct > best)
			best = pct;
	}
	return best >= min && best < max;
}

static int
run_body_8bits(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	/* ok_languages: "all" (the default) or a language written with
	 * 8-bit n-grams: never */
	const char *langs = "all";
	if (m->rs && m->rs->settings) {
		GPtrArray *a = g_hash_table_lookup(m->rs->settings, "ok_languages");
		if (a && a->len)
			langs = g_ptr_array_index(a, a->len - 1);
	}
	static const char *const eight[] = { "all", "am", "ar", "be", "bg", "cs", "el", "et", "fa",
		"fi", "he", "hi", "hy", "is", "ja", "ka", "ko", "mr", "pt", "ru", "ta", "th", "tr",
		"uk", "vi", "yi", "zh" };
	char **v = sa_eval_split_ws(langs);
	bool off = false;
	for (char **p = v; *p && !off; p++)
		for (size_t k = 0; k < G_N_ELEMENTS(eight); k++)
			if (strcmp(*p, eight[k]) == 0)
				off = true;
	g_strfreev(v);
	if (off)
		return 0;
	for (size_t i = 0; m->body && i < m->body->len; i++) {
		const unsigned char *l = g_ptr_array_index(m->body, i);
		unsigned run = 0;
		for (; *l; l++) {
			run = *l >= 0x80 ? run + 1 : 0;
			if (run >= 8)
				return 1;
		}
	}
	return 0;
}

/* check_stock_info(MIN): "Field: value" lines of the first text/plain part
 * naming stock quotes (ticker, symbol, target price ...), counted by kind */
static int
stock_info(struct sa_tree *t)
{
	GPtrArray *all = g_ptr_array_new();
	preorder(t->root, all);
	const struct sa_node *part = NULL;
	for (size_t i = 0; i < all->len && !part; i++) {
		const struct sa_node *n = g_ptr_array_index(all, i);
		if (strcmp(n->type, "text/plain") == 0)
			part = n;
	}
	g_ptr_array_free(all, TRUE);
	/* rendered(): only a text/plain (or a part named .html, rendered as
	 * HTML: not done here, counted as nothing) */
	if (!part || named_html(part))
		return 0;
	GString *d = node_decode(part);
	/* the text is read as UTF-8 characters when declared us-ascii or
	 * UTF-8 and valid as such, else as octets */
	struct ctype c;
	parse_ct(part->ct, &c);
	bool utf8 = c.charset && (g_ascii_strcasecmp(c.charset, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(c.charset, "utf-8") == 0) &&
	    g_utf8_validate(d->str, (gssize)d->len, NULL);
	ct_clear(&c);
	GRegexCompileFlags raw = utf8 ? 0 : G_REGEX_RAW;
	GRegex *field = sa_eval_regex("^\\s*([^:\\s][^:\\n]{2,29})\\s*:\\s*\\S",
	    G_REGEX_MULTILINE | raw);
	GRegex *kind = sa_eval_regex("(^trad(?:e|ing)date|company(?:name)?|"
	    "s\\w?(?:t\\w?o\\w?c\\w?k|y\\w?m(?:\\w?b\\w?o\\w?l)?)|t(?:arget|icker)|"
	    "(?:opening|current)p(?:rice)?|p(?:rojected|osition)|expectations|weeks?high|"
	    "marketperformance|(?:year|week|month|day|price)(?:target|estimates?)|sector|"
	    "r(?:ecommendation|ating))$", 0);
	GHashTable *hits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *chunks = g_ptr_array_new_with_free_func((GDestroyNotify)(void (*)(void))g_string_free);
	short_paragraphs(d->str, d->len, chunks);
	for (size_t i = 0; field && kind && i < chunks->len; i++) {
		const GString *ch = g_ptr_array_index(chunks, i);
		GMatchInfo *mi = NULL;
		g_regex_match_full(field, ch->str, (gssize)ch->len, 0, 0, &mi, NULL);
		while (g_match_info_matches(mi)) {
			char *f = g_match_info_fetch(mi, 1);
			/* lc, then everything but a-z dropped */
			GString *k = g_string_new(NULL);
			for (const char *q = f; q && *q; q++) {
				char lc = g_ascii_tolower(*q);
				if (lc >= 'a' && lc <= 'z')
					g_string_append_c(k, lc);
			}
			GMatchInfo *km = NULL;
			if (g_regex_match(kind, k->str, 0, &km))
				g_hash_table_add(hits, g_match_info_fetch(km, 1));
			g_match_info_free(km);
			g_string_free(k, TRUE);
			g_free(f);
			g_match_info_next(mi, NULL);
		}
		g_match_info_free(mi);
	}
	int n = (int)g_hash_table_size(hits);
	g_hash_table_destroy(hits);
	g_ptr_array_free(chunks, TRUE);
	if (field)
		g_regex_unref(field);
	if (kind)
		g_regex_unref(kind);
	g_string_free(d, TRUE);
	return n;
}

static int
run_stock_info(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	if (t->stock < 0)
		t->stock = stock_info(t);
	double min = sa_eval_arg_num(c, 0, 0);
	return min == 0 || t->stock >= min;
}

/* ---- multipart_alternative_difference ------------------------------------------ */

/* The rendered text of SpamAssassin's text leaves, from the content layer:
 * each text/plain or text/html leaf of the tree (document order) paired
 * with the next body text of the same type mamori has.  NULL: no pair. */
struct leaf_text {
	const struct sa_node *node;
	const struct content_text *text;
};

static GArray *
pair_texts(struct sa_tree *t, const struct content *ct)
{
	GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct leaf_text));
	GPtrArray *all = g_ptr_array_new();
	preorder(t->root, all);
	size_t next = 0;
	for (size_t i = 0; i < all->len; i++) {
		const struct sa_node *n = g_ptr_array_index(all, i);
		if (!is_leaf(n) || (strcmp(n->type, "text/plain") != 0 &&
		    strcmp(n->type, "text/html") != 0))
			continue;
		struct leaf_text lt = { n, NULL };
		for (size_t k = next; ct && k < ct->n_body; k++) {
			const struct content_text *x = g_ptr_array_index(ct->texts, k);
			if (x->part && x->part->type && strcmp(x->part->type, n->type) == 0) {
				lt.text = x;
				next = k + 1;
				break;
			}
		}
		g_array_append_val(pairs, lt);
	}
	g_ptr_array_free(all, TRUE);
	return pairs;
}

/* split(/\s+/) and grep(/\w/): each word of s counted in h */
static void
count_words(const char *s, size_t n, GHashTable *h)
{
	const char *end = s + n, *p = s;
	while (p < end) {
		/* skip blanks */
		while (p < end) {
			gunichar c = g_utf8_get_char_validated(p, end - p);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				break;
			}
			if (!(c < 0x80 ? p_space((unsigned char)c) : g_unichar_isspace(c)))
				break;
			p = g_utf8_next_char(p);
		}
		const char *w = p;
		bool word = false;
		while (p < end) {
			gunichar c = g_utf8_get_char_validated(p, end - p);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				p++;
				continue;
			}
			if (c < 0x80 ? p_space((unsigned char)c) : g_unichar_isspace(c))
				break;
			if (c < 0x80 ? p_word((unsigned char)c) :
			    g_unichar_isalnum(c) || g_unichar_ismark(c))
				word = true;
			p = g_utf8_next_char(p);
		}
		if (p > w && word) {
			char *k = g_strndup(w, (size_t)(p - w));
			gpointer v = g_hash_table_lookup(h, k);
			g_hash_table_replace(h, k, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(v) + 1));
		}
	}
}

/* "<img" as a tag in the HTML source (HTML.pm's {inside}{img}) */
static bool
has_img(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 < n; i++)
		if (s[i] == '<' && g_ascii_strncasecmp(s + i + 1, "img", 3) == 0 &&
		    (p_space((unsigned char)s[i + 4]) || s[i + 4] == '/' || s[i + 4] == '>'))
			return true;
	return false;
}

struct madiff {
	bool done, unknown;
	double diff, html, text;
};

/* content_summary(): the root's type, then per child of the root its
 * subtree's types joined with commas */
static bool
calendar_invite(const struct sa_node *root)
{
	if (!root->children || root->children->len != 2 ||
	    strcmp(root->type, "multipart/alternative") != 0)
		return false;
	const struct sa_node *a = g_ptr_array_index(root->children, 0);
	const struct sa_node *b = g_ptr_array_index(root->children, 1);
	return is_leaf(a) && is_leaf(b) && strcmp(a->type, "text/html") == 0 &&
	    strcmp(b->type, "text/calendar") == 0;
}

static void
collect_ma(const struct sa_node *n, GPtrArray *out)
{
	if (g_str_has_prefix(n->type, "multipart/alternative") &&
	    !p_word((unsigned char)n->type[21]))
		g_ptr_array_add(out, (gpointer)n);
	for (size_t i = 0; n->children && i < n->children->len; i++)
		collect_ma(g_ptr_array_index(n->children, i), out);
}

static void
collect_text(const struct sa_node *n, GPtrArray *out)
{
	if (g_str_has_prefix(n->type, "text") && !p_word((unsigned char)n->type[4]))
		g_ptr_array_add(out, (gpointer)n);
	for (size_t i = 0; n->children && i < n->children->len; i++)
		collect_text(g_ptr_array_index(n->children, i), out);
}

static void
madiff_compute(struct sa_eval_msg *m, struct sa_tree *t, struct madiff *d)
{
	d->done = true;
	GPtrArray *ma = g_ptr_array_new();
	collect_ma(t->root, ma);
	if (ma->len == 0 || calendar_invite(t->root)) {
		g_ptr_array_free(ma, TRUE);
		return;
	}
	GArray *pairs = pair_texts(t, m->content);
	for (size_t i = 0; i < ma->len && !d->unknown; i++) {
		GPtrArray *txt = g_ptr_array_new();
		collect_text(g_ptr_array_index(ma, i), txt);
		GHashTable *html = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		GHashTable *text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (size_t k = 0; k < txt->len; k++) {
			const struct sa_node *n = g_ptr_array_index(txt, k);
			bool is_html = named_html(n) || strcmp(n->type, "text/html") == 0;
			if (!is_html && strcmp(n->type, "text/plain") != 0)
				continue;
			const struct content_text *ctext = NULL;
			for (size_t q = 0; q < pairs->len; q++)
				if (g_array_index(pairs, struct leaf_text, q).node == n)
					ctext = g_array_index(pairs, struct leaf_text, q).text;
			if (!ctext || (ctext->kind == CONTENT_HTML) != is_html) {
				/* SpamAssassin's rendering of a part mamori does not
				 * read as a body text: unknown */
				d->unknown = true;
				break;
			}
			size_t len;
			const char *s = content_text(m->content, ctext, &len);
			if (is_html) {
				/* rendered() of an empty HTML part is its (empty) text */
				count_words(s, len, html);
				if (g_hash_table_size(html) == 0 && ctext->raw &&
				    has_img(ctext->raw, ctext->raw_len))
					g_hash_table_replace(html, g_strdup("\n"), GSIZE_TO_POINTER(1));
			} else
				count_words(s, len, text);
		}
		g_ptr_array_free(txt, TRUE);
		size_t orig = g_hash_table_size(html);
		if (!d->unknown && orig) {
			d->html = (double)orig;
			d->text = (double)g_hash_table_size(text);
			GHashTableIter it;
			gpointer k, v;
			g_hash_table_iter_init(&it, text);
			while (g_hash_table_iter_next(&it, &k, &v)) {
				gpointer hv = g_hash_table_lookup(html, k);
				if (hv && (long)GPOINTER_TO_SIZE(hv) - (long)GPOINTER_TO_SIZE(v) < 1)
					g_hash_table_remove(html, k);
			}
			double diff = (double)g_hash_table_size(html) / (double)orig * 100;
			if (diff > d->diff)
				d->diff = diff;
		}
		g_hash_table_destroy(html);
		g_hash_table_destroy(text);
	}
	g_array_free(pairs, TRUE);
	g_ptr_array_free(ma, TRUE);
}

static struct madiff *
madiff_get(struct sa_eval_msg *m, struct sa_tree *t)
{
	/* kept in the tree: one computation a scan */
	if (!t->madiff) {
		t->madiff = g_new0(struct madiff, 1);
		madiff_compute(m, t, t->madiff);
	}
	return t->madiff;
}

static int
run_madiff(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	if (!m->content)
		return 0;
	struct madiff *d = madiff_get(m, t);
	if (d->unknown)
		return 0;
	double min = sa_eval_arg_num(c, 0, 0);
	return (min == 0 || d->diff > min) &&
	    (sa_eval_arg_undef(c, 1) || d->diff <= sa_eval_arg_num(c, 1, 0));
}

static int
run_madiff_count(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct sa_tree *t = tree(m);
	if (!t)
		return -1;
	if (!m->content)
		return 0;
	struct madiff *d = madiff_get(m, t);
	if (d->unknown || !(d->html > sa_eval_arg_num(c, 1, 0)))
		return 0;
	return d->text / d->html > sa_eval_arg_num(c, 0, 0);
}

/* ---- URIEval ---------------------------------------------------------------------- */

/* m%^https?:/{0,}(?:[^\@/]+\@)?\d+\.\d+\.\d+\.\d+%i (https_only: https) */
static bool
ip_url(const char *u, bool https_only)
{
	size_t i;
	if (g_ascii_strncasecmp(u, "https:", 6) == 0)
		i = 6;
	else if (!https_only && g_ascii_strncasecmp(u, "http:", 5) == 0)
		i = 5;
	else
		return false;
	while (u[i] == '/')
		i++;
	/* an optional userinfo: [^@/]+@ (tried first, dropped when no '@'
	 * closes it) */
	size_t k = i;
	while (u[k] && u[k] != '@' && u[k] != '/')
		k++;
	size_t starts[2] = { u[k] == '@' && k > i ? k + 1 : i, i };
	for (int s = 0; s < 2; s++) {
		const char *p = u + starts[s];
		int groups = 0;
		for (;;) {
			if (!g_ascii_isdigit(*p))
				break;
			while (g_ascii_isdigit(*p))
				p++;
			if (++groups == 4)
				return true;
			if (*p != '.')
				break;
			p++;
		}
	}
	return false;
}

static bool
contains_https(const char *t)
{
	for (; *t; t++)
		if (g_ascii_strncasecmp(t, "https:", 6) == 0)
			return true;
	return false;
}

/* check_https_ip_mismatch: an anchor to a numeric address (http or https)
 * whose text shows an https: URL that is not one to a numeric address */
static int
run_https_ip_mismatch(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	if (!m->content)
		return 0;
	const GPtrArray *links = content_links(m->content);
	for (size_t i = 0; links && i < links->len; i++) {
		const struct content_link *l = g_ptr_array_index(links, i);
		if (l->at != CONTENT_LINK_HTML || !l->text || !l->url)
			continue;
		const char *u = l->url;
		while (p_space((unsigned char)*u))
			u++;
		if (!ip_url(u, false) || ip_url(l->text, true))
			continue;
		if (contains_https(l->text))
			return 1;
	}
	return 0;
}

/* check_uri_truncated: a URI longer than SpamAssassin's MAX_URI_LENGTH */
static int
run_uri_truncated(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	if (!m->content)
		return 0;
	const GPtrArray *links = content_links(m->content);
	for (size_t i = 0; links && i < links->len; i++) {
		const struct content_link *l = g_ptr_array_index(links, i);
		if (l->url && strlen(l->url) > 8192)
			return 1;
	}
	return 0;
}

/* ---- HTTPSMismatch (RegistryBoundaries.pm) ------------------------------------------ */

struct registry {
	GHashTable *tld, *two, *three;	/* util_rb_tld, util_rb_2tld, util_rb_3tld */
};

static void
registry_free(struct registry *r)
{
	if (!r)
		return;
	g_hash_table_destroy(r->tld);
	g_hash_table_destroy(r->two);
	g_hash_table_destroy(r->three);
	g_free(r);
}

static void
registry_add(GHashTable *h, const struct sa_eval_msg *m, const char *key)
{
	GPtrArray *a = m->rs && m->rs->settings ? g_hash_table_lookup(m->rs->settings, key) : NULL;
	for (size_t i = 0; a && i < a->len; i++) {
		char **v = g_strsplit_set(g_ptr_array_index(a, i), " \t", -1);
		for (char **p = v; *p; p++)
			if (**p)
				g_hash_table_add(h, g_ascii_strdown(*p, -1));
		g_strfreev(v);
	}
}

static struct registry *
registry_new(const struct sa_eval_msg *m)
{
	struct registry *r = g_new0(struct registry, 1);
	r->tld = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->two = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->three = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	registry_add(r->tld, m, "util_rb_tld");
	registry_add(r->two, m, "util_rb_2tld");
	registry_add(r->three, m, "util_rb_3tld");
	return r;
}

/* IS_IP_ADDRESS: a dotted quad without leading zeros, or IPv6 */
static bool
is_ip(const char *s)
{
	const char *p = s;
	int parts = 0;
	for (;;) {
		const char *d = p;
		while (g_ascii_isdigit(*p))
			p++;
		size_t n = (size_t)(p - d);
		if (n == 0 || n > 3 || (n > 1 && d[0] == '0') || atoi(d) > 255)
			break;
		if (++parts == 4)
			return *p == '\0';
		if (*p != '.')
			break;
		p++;
	}
	if (strchr(s, ':')) {
		for (p = s; *p; p++)
			if (!g_ascii_isxdigit(*p) && *p != ':' && *p != '.')
				return false;
		return g_hostname_is_ip_address(s);
	}
	return false;
}

/* split_domain()'s domain: the registrable part of an (ASCII) host name;
 * NULL: not ASCII (SpamAssassin would convert it with libidn) */
static char *
trim_domain(const struct registry *r, const char *host)
{
	for (const char *p = host; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return NULL;
	GString *d = g_string_new(NULL);
	for (const char *p = host; *p; p++) {
		if (*p == '.' && d->len && d->str[d->len - 1] == '.')
			continue;
		g_string_append_c(d, g_ascii_tolower(*p));
	}
	while (d->len && d->str[0] == '.')
		g_string_erase(d, 0, 1);
	while (d->len && d->str[d->len - 1] == '.')
		g_string_truncate(d, d->len - 1);
	if (d->len == 0)
		return g_string_free(d, FALSE);
	char *out = sa_eval_registered_domain(d->str, r->two, r->three);
	g_string_free(d, TRUE);
	return out;
}

static bool
domain_valid(const struct registry *r, const char *dom)
{
	if (!dom)
		return false;
	for (const char *p = dom; *p; p++)
		if (p_space((unsigned char)*p) || (unsigned char)*p >= 0x80)
			return false;
	const char *dot = strrchr(dom, '.');
	if (!dot || !dot[1])
		return false;
	char *tld = g_ascii_strdown(dot + 1, -1);
	bool ok = g_hash_table_contains(r->tld, tld);
	g_free(tld);
	return ok;
}

static bool
fqdn_valid(const char *host_in)
{
	char *host = g_ascii_strdown(host_in, -1);
	size_t n = strlen(host);
	while (n && host[n - 1] == '.')
		host[--n] = '\0';
	bool ok = n <= 253;
	char **labels = g_strsplit(host, ".", -1);
	guint cnt = g_strv_length(labels);
	if (cnt < 2)
		ok = false;
	for (guint i = 0; ok && labels[i]; i++) {
		const char *l = labels[i];
		size_t ll = strlen(l);
		if (ll < 1 || ll > 63)
			ok = false;
		for (size_t k = 0; ok && k < ll; k++) {
			char ch = l[k];
			bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
			if (!alnum && !(ch == '-' && k > 0 && k + 1 < ll))
				ok = false;
		}
		if (ok && cnt - i <= 2 && strchr(l, '_'))
			ok = false;
	}
	g_strfreev(labels);
	g_free(host);
	return ok;
}

/* uri_to_domain() of a host name as check_https_http_mismatch passes it */
static char *
uri_to_domain(const struct registry *r, const char *in)
{
	char *u = g_ascii_strdown(in, -1);
	/* a host has no scheme, path, user or port left to drop: the %XX test */
	for (const char *p = u; *p; p++) {
		if (p[0] == '%' && p[1] && p[2]) {
			char a = p[1], b = p[2];
			bool hx = g_ascii_isxdigit(b);
			if ((a == '2' && hx && b != '0') || ((a >= '3' && a <= '6') && hx) ||
			    (a == '7' && hx && b != 'f')) {
				g_free(u);
				return NULL;
			}
		}
	}
	char *dom = NULL;
	if (is_ip(u))
		dom = g_strdup(u);
	else if (fqdn_valid(u) && domain_valid(r, u))
		dom = trim_domain(r, u);
	g_free(u);
	return dom;
}

/* m@https://([^\s/:?#]+)@i in an anchor's text */
static char *
https_host(const char *t)
{
	for (const char *p = t; *p; p++) {
		if (g_ascii_strncasecmp(p, "https://", 8) != 0)
			continue;
		const char *h = p + 8, *e = h;
		while (*e) {
			gunichar c = g_utf8_get_char_validated(e, -1);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				e++;
				continue;
			}
			if (c == '/' || c == ':' || c == '?' || c == '#' ||
			    (c < 0x80 ? p_space((unsigned char)c) : g_unichar_isspace(c)))
				break;
			e = g_utf8_next_char(e);
		}
		if (e > h)
			return g_strndup(h, (size_t)(e - h));
	}
	return NULL;
}

struct anchor_uri {
	const char *url;
	GPtrArray *texts;	/* const char * */
};

static bool
prep_https_http(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 0, 2, err, errlen);
}

/* check_https_http_mismatch(MIN, MAX): in one HTML part, an anchor to an
 * http(s) name whose text shows an https: URL to another domain, with
 * MIN <= anchors (< MAX) */
static int
run_https_http(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	if (!m->content)
		return 0;
	double min = sa_eval_arg_num(c, 0, 0);
	if (min == 0)
		min = 1;
	bool have_max = !sa_eval_arg_undef(c, 1);
	double max = sa_eval_arg_num(c, 1, 0);
	const GPtrArray *links = content_links(m->content);
	/* nothing to do without an https: anchor text */
	bool any = false;
	for (size_t i = 0; links && i < links->len && !any; i++) {
		const struct content_link *l = g_ptr_array_index(links, i);
		any = l->at == CONTENT_LINK_HTML && l->text && contains_https(l->text);
	}
	if (!any)
		return 0;
	struct registry *r = registry_new(m);
	int result = 0;
	/* per HTML text: its anchors grouped by URL (HTML.pm's uri_detail) */
	for (size_t i = 0; links && i < links->len && !result;) {
		const struct content_text *in = ((const struct content_link *)
		    g_ptr_array_index(links, i))->in;
		GHashTable *by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		GPtrArray *order = g_ptr_array_new();
		size_t j = i;
		for (; j < links->len; j++) {
			const struct content_link *l = g_ptr_array_index(links, j);
			if (l->in != in)
				break;
			if (l->at != CONTENT_LINK_HTML || !l->text || !l->url ||
			    !l->in || l->in->kind != CONTENT_HTML)
				continue;
			/* canon_uri: blanks trimmed */
			const char *a = l->url;
			while (p_space((unsigned char)*a))
				a++;
			size_t n = strlen(a);
			while (n && p_space((unsigned char)a[n - 1]))
				n--;
			char *k = g_strndup(a, MIN(n, (size_t)8192));
			struct anchor_uri *au = g_hash_table_lookup(by, k);
			if (!au) {
				au = g_new0(struct anchor_uri, 1);
				au->url = k;
				au->texts = g_ptr_array_new();
				g_hash_table_insert(by, k, au);
				g_ptr_array_add(order, au);
			} else
				g_free(k);
			g_ptr_array_add(au->texts, l->text);
		}
		unsigned anchors = 0;
		bool hit = false;
		for (size_t k = 0; k < order->len; k++) {
			struct anchor_uri *au = g_ptr_array_index(order, k);
			const char *u = au->url;
			size_t sch = g_ascii_strncasecmp(u, "https://", 8) == 0 ? 8 :
			    g_ascii_strncasecmp(u, "http://", 7) == 0 ? 7 : 0;
			if (!sch)
				continue;
			size_t e = sch;
			while (u[e] && u[e] != '/' && u[e] != ':' && u[e] != '?' && u[e] != '#')
				e++;
			if (e == sch)
				continue;
			char *host = g_strndup(u + sch, e - sch);
			char *uri = NULL;
			if (!is_ip(host)) {
				char *t = trim_domain(r, host);
				char *dom = t ? uri_to_domain(r, t) : NULL;
				if (t && domain_valid(r, dom))
					uri = t;
				else
					g_free(t);
				g_free(dom);
			}
			g_free(host);
			if (!uri || !uri[0]) {
				g_free(uri);
				continue;
			}
			anchors++;
			for (size_t q = 0; q < au->texts->len && !hit; q++) {
				char *h = https_host(g_ptr_array_index(au->texts, q));
				if (!h)
					continue;
				char *hs = h;
				if (!is_ip(h)) {
					hs = trim_domain(r, h);
					if (!domain_valid(r, hs)) {
						g_free(hs);
						hs = NULL;
					}
					g_free(h);
				}
				if (hs && hs[0] && strcmp(uri, hs) != 0)
					hit = true;
				g_free(hs);
			}
			g_free(uri);
		}
		if (hit && anchors >= min && (!have_max || anchors < max))
			result = 1;
		for (size_t k = 0; k < order->len; k++) {
			struct anchor_uri *au = g_ptr_array_index(order, k);
			g_ptr_array_free(au->texts, TRUE);
			g_free(au);
		}
		g_ptr_array_free(order, TRUE);
		g_hash_table_destroy(by);
		i = j > i ? j : i + 1;
	}
	registry_free(r);
	return result;
}

static const struct sa_eval_def defs[] = {
	{ "check_for_mime", prep_for_mime, NULL, run_for_mime },
	{ "check_for_mime_html", prep_none, NULL, run_mime_html },
	{ "check_for_mime_html_only", prep_none, NULL, run_mime_html_only },
	{ "check_mime_multipart_ratio", prep_two, NULL, run_multipart_ratio },
	{ "check_ma_non_text", prep_none, NULL, run_ma_non_text },
	{ "check_base64_length", prep_base64_length, NULL, run_base64_length },
	{ "check_abundant_unicode_ratio", prep_one, NULL, run_unicode_ratio },
	{ "check_for_ascii_text_illegal", prep_none, NULL, run_ascii_text_illegal },
	{ "check_qp_ratio", prep_one, NULL, run_qp_ratio },
	{ "check_msg_parse_flags", prep_parse_flags, NULL, run_parse_flags },
	{ "check_for_faraway_charset", prep_none, NULL, run_faraway_charset },
	{ "check_for_uppercase", prep_two, NULL, run_uppercase },
	{ "check_body_length", prep_one, NULL, run_body_length },
	{ "check_blank_line_ratio", prep_blank_line_ratio, NULL, run_blank_line_ratio },
	{ "tvd_vertical_words", prep_two, NULL, run_tvd_vertical_words },
	{ "check_body_8bits", prep_none, NULL, run_body_8bits },
	{ "check_stock_info", prep_one, NULL, run_stock_info },
	{ "multipart_alternative_difference", prep_two, NULL, run_madiff },
	{ "multipart_alternative_difference_count", prep_two, NULL, run_madiff_count },
	{ "check_https_ip_mismatch", prep_none, NULL, run_https_ip_mismatch },
	{ "check_uri_truncated", prep_none, NULL, run_uri_truncated },
	{ "check_https_http_mismatch", prep_https_http, NULL, run_https_http },
};

const struct sa_eval_family sa_eval_body_family = {
	.name = "MIMEEval, BodyEval, TextCat, URIEval, HTTPSMismatch",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
