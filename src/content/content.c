/*
 * content.c - the content of one scan (content.h).
 *
 * Plain body parts are read where the message model keeps them (the part's
 * UTF-8 text, already converted from ISO-2022-JP, Shift_JIS ...); objects
 * of the tree (attachments, and what was unpacked or carved out of them)
 * whose true type is text-like, scripts included, are copied (valid UTF-8,
 * text_max bytes at most; their charset is not known, so anything not
 * UTF-8 is repaired); HTML is parsed by html/extract.h, once.
 *
 * URLs in plain text: "http://", "https://", "ftp://" or "www." after a
 * character that is not a letter or digit, up to a blank, a control
 * character, a quote or angle bracket; trailing punctuation is not part of
 * the URL.
 */
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf8.h>

#include "content.h"
#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"

/* .html is html_limits_default (set in content_new()) */
const struct content_limits content_limits_default = {
	.text_max = 256u << 10,
	.links_max = 5000u,
};

#define NORM_CHUNK 1024u	/* bytes given to g_utf8_normalize at once */

static struct content_text *
text_new(struct content *c, enum content_kind kind, enum content_origin origin,
    char *source, const char *raw, size_t raw_len)
{
	struct content_text *t = g_new0(struct content_text, 1);

	t->kind = kind;
	t->origin = origin;
	t->source = source;
	t->raw = raw;
	t->raw_len = raw_len;
	g_ptr_array_add(c->texts, t);
	return t;
}

static void
text_free(gpointer p)
{
	struct content_text *t = p;

	if (t->html_owned)
		html_doc_free(t->html);
	g_free(t->owned);
	g_free(t->norm);
	g_free(t->source);
	g_free(t);
}

static void
link_free(gpointer p)
{
	struct content_link *l = p;

	g_free(l->url);
	g_free(l->text);
	g_free(l);
}

struct content *
content_new(const struct mime_message *msg, const struct content_limits *lim)
{
	struct content *c = g_new0(struct content, 1);
	unsigned n = 0;

	c->msg = msg;
	c->lim = lim != NULL ? *lim : content_limits_default;
	if (lim == NULL)
		c->lim.html = html_limits_default;
	c->texts = g_ptr_array_new_with_free_func(text_free);
	if (msg == NULL || msg->parts == NULL)
		return c;
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *pt = msg->parts->pdata[i];
		if ((pt->kind != MIME_PART_TEXT && pt->kind != MIME_PART_HTML) || pt->text == NULL)
			continue;
		bool html = pt->kind == MIME_PART_HTML;
		struct content_text *t = text_new(c, html ? CONTENT_HTML : CONTENT_PLAIN,
		    CONTENT_BODY, g_strdup_printf("%s part %u", html ? "html" : "text", ++n),
		    pt->text, pt->text_len);
		t->part = pt;
	}
	c->n_body = c->texts->len;
	return c;
}

/*
 * Is o read as plain text?  Its true type says so, not its name or where
 * it came from: plain text and CSV, and scripts (batch, PowerShell,
 * VBScript, JScript, shell: FT_SCRIPT) but for a CHM, which is a document.
 * VBA source is left to its analyser (vba.c), which records its URLs: the
 * true type "vba", and VBScript the VBA analyser took by its name (a
 * VBA_MACRO fact).
 */
static bool
read_as_text(const struct mobj *o)
{
	const struct ftype *ft = o->type;

	if (ft == NULL || o->data == NULL || o->len == 0)
		return false;
	if ((ft->flags & (FT_TEXT | FT_SCRIPT)) == 0 || (ft->flags & FT_DOCUMENT) != 0)
		return false;
	return strcmp(ft->name, "vba") != 0 && !obj_has_fact(o, OBJ_FACT_VBA_MACRO);
}

void
content_add_objects(struct content *c, const struct obj_tree *t)
{
	if (t == NULL)
		return;
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = t->all->pdata[i];
		struct content_text *x;
		if (o->html != NULL) {
			x = text_new(c, CONTENT_HTML, CONTENT_ATTACHMENT, g_strdup(o->path),
			    (const char *)o->data, o->len);
			x->html = o->html;
		} else if (read_as_text(o)) {
			x = text_new(c, CONTENT_PLAIN, CONTENT_ATTACHMENT, g_strdup(o->path),
			    (const char *)o->data, o->len);
		} else {
			continue;
		}
		x->obj = o;
	}
}

void
content_set_passwords(struct content *c, const struct pw_list *l, bool notice)
{
	c->passwords = l;
	c->password_notice = notice;
}

void
content_free(struct content *c)
{
	if (c == NULL)
		return;
	g_ptr_array_unref(c->texts);
	if (c->links != NULL)
		g_ptr_array_unref(c->links);
	g_free(c);
}

/* --- reading ------------------------------------------------------------- */

/* Valid UTF-8 of at most max bytes of p (cut on a character boundary). */
static char *
valid_copy(const char *p, size_t len, size_t max)
{
	if (len > max) {
		len = max;
		while (len > 0 && len > max - 4 && ((unsigned char)p[len] & 0xc0) == 0x80)
			len--;
	}
	return g_utf8_make_valid(p, (gssize)len);
}

static void
load(const struct content *cc, const struct content_text *ct)
{
	struct content_text *t = (struct content_text *)ct;

	if (t->loaded)
		return;
	t->loaded = true;
	if (t->kind == CONTENT_HTML) {
		if (t->html == NULL) {
			t->html = html_doc_parse(t->raw, t->raw_len, &cc->lim.html);
			/* only the text and the links are read from a body part */
			html_doc_drop_analysis(t->html);
			t->html_owned = true;
		}
		t->text = t->html->text->str;
		t->len = t->html->text->len;
	} else if (t->origin == CONTENT_BODY) {
		t->text = t->raw;	/* the message model's UTF-8 */
		t->len = t->raw_len;
	} else {
		t->owned = valid_copy(t->raw, t->raw_len, cc->lim.text_max);
		t->text = t->owned;
		t->len = strlen(t->owned);
	}
}

const char *
content_text(const struct content *c, const struct content_text *t, size_t *len)
{
	load(c, t);
	*len = t->len;
	return t->text != NULL ? t->text : "";
}

const struct html_doc *
content_html(const struct content *c, const struct content_text *t)
{
	if (t->kind != CONTENT_HTML)
		return NULL;
	load(c, t);
	return t->html;
}

/* s[0..n) is ASCII (no byte above 0x7f). */
static bool
is_ascii(const char *s, size_t n)
{
	size_t i = 0;
	unsigned char acc = 0;

	/* eight bytes a step: or-ing them is cheaper than a branch a byte */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return false;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return acc < 0x80;
}

/* s[0..n) is valid UTF-8 without NULs (what g_utf8_validate() says of an
 * explicit length): an ASCII prefix is checked eight bytes a step. */
static bool
valid_utf8(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		/* a byte above 0x7f, or a zero byte */
		if ((w & UINT64_C(0x8080808080808080)) ||
		    ((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080)))
			break;
	}
	return g_utf8_validate(s + i, (gssize)(n - i), NULL);
}

bool
content_nfkc_inert(const char *s, size_t n)
{
	if (n > INT32_MAX)
		return false;
	int32_t i = 0, len = (int32_t)n;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		UChar32 u;
		U8_NEXT(s, i, len, u);
		if (u < 0 || u_getCombiningClass(u) != 0 ||
		    u_getIntPropertyValue(u, UCHAR_NFKC_QUICK_CHECK) != UNORM_YES)
			return false;
	}
	return true;
}

/* NFKC of one line that is not ASCII, into nf (emptied first) */
static void
nfkc_line(GString *nf, const char *s, size_t n)
{
	g_string_truncate(nf, 0);
	/* in pieces that end before a starter (an ASCII byte), so that a long
	 * line costs linear time and memory */
	size_t p = 0;
	while (p < n) {
		size_t e = n - p > NORM_CHUNK ? p + NORM_CHUNK : n;
		size_t b = e;
		while (b > p && e < n && (unsigned char)s[b] >= 0x80)
			b--;
		if (b > p)
			e = b;
		else
			while (e < n && ((unsigned char)s[e] & 0xc0) == 0x80)
				e++;
		char *x = g_utf8_normalize(s + p, (gssize)(e - p), G_NORMALIZE_NFKC);
		if (x != NULL)
			g_string_append(nf, x);
		g_free(x);
		p = e;
	}
}

static inline bool
ascii_blank(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v' || ch == '\0';
}

/* s[0..n) is ASCII without a blank to fold: no blank but single spaces
 * between other characters */
static bool
plain_ascii_line(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return n == 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80 || (ascii_blank(ch) && (ch != ' ' || s[i + 1] == ' ')))
			return false;
	}
	return true;
}

/*
 * One line (no '\n') NFKC-normalised, blanks folded, appended to out; *nf
 * is scratch space (made on the first line that is not ASCII).  The text
 * between blanks is copied a run at a time.
 */
static void
norm_line(GString *out, GString **nf, const char *s, size_t n)
{
	if (!is_ascii(s, n) && !content_nfkc_inert(s, n)) {
		if (*nf == NULL)
			*nf = g_string_sized_new(n + 16);
		nfkc_line(*nf, s, n);
		s = (*nf)->str;
		n = (*nf)->len;
	}
	size_t start = out->len;
	bool blank = false;
	size_t i = 0;
	if (plain_ascii_line(s, n)) {	/* nothing to fold: as it is */
		if (n > 0) {
			g_string_append_len(out, s, (gssize)n);
			g_string_append_c(out, '\n');
		}
		return;
	}
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		if (ascii_blank(ch)) {
			blank = out->len > start;
			i++;
			continue;
		}
		if (ch >= 0x80) {
			/* Unicode blanks that NFKC keeps (U+00A0 and U+3000
			 * become spaces; U+2028, U+0085 do not) */
			gunichar u = g_utf8_get_char_validated(s + i, (gssize)(n - i));
			if (u != (gunichar)-1 && u != (gunichar)-2 && g_unichar_isspace(u)) {
				blank = out->len > start;
				i += (size_t)(g_utf8_next_char(s + i) - (s + i));
				continue;
			}
		}
		/* a run of bytes up to the next blank (or byte above 0x7f,
		 * which may start a Unicode blank) */
		size_t e = i + 1;
		while (e < n && !ascii_blank((unsigned char)s[e]) && (unsigned char)s[e] < 0x80)
			e++;
		if (blank)
			g_string_append_c(out, ' ');
		blank = false;
		g_string_append_len(out, s + i, (gssize)(e - i));
		i = e;
	}
	if (out->len > start)
		g_string_append_c(out, '\n');
}

const char *
content_norm(const struct content *c, const struct content_text *ct, size_t *len)
{
	struct content_text *t = (struct content_text *)ct;

	if (t->norm == NULL) {
		size_t n;
		const char *s = content_text(c, t, &n);
		char *v = NULL;
		if (!valid_utf8(s, n)) {
			/* NULs of a plain part: blanks for the normalisation */
			v = g_malloc(n + 1);
			for (size_t i = 0; i < n; i++)
				v[i] = s[i] != '\0' ? s[i] : ' ';
			v[n] = '\0';
			char *w = g_utf8_make_valid(v, (gssize)n);
			g_free(v);
			v = w;
			s = v;
			n = strlen(v);
		}
		GString *out = g_string_sized_new(n);
		GString *nf = NULL;
		for (size_t p = 0; p < n;) {
			const char *nl = memchr(s + p, '\n', n - p);
			size_t e = nl != NULL ? (size_t)(nl - s) : n;
			norm_line(out, &nf, s + p, e - p);
			p = e + 1;
		}
		if (out->len > 0)
			g_string_truncate(out, out->len - 1);	/* the last '\n' */
		if (nf != NULL)
			g_string_free(nf, TRUE);
		g_free(v);
		t->norm_len = out->len;
		t->norm = g_string_free(out, FALSE);
	}
	*len = t->norm_len;
	return t->norm;
}

/* --- links --------------------------------------------------------------- */

static bool
link_add(struct content *c, const struct content_text *in, enum content_link_at at,
    enum html_ref attr, const char *url, size_t n, const char *text)
{
	if (c->links->len >= c->lim.links_max) {
		c->links_dropped++;
		return false;
	}
	struct content_link *l = g_new0(struct content_link, 1);
	l->url = g_strndup(url, n);
	l->text = g_strdup(text);
	l->at = at;
	l->attr = attr;
	l->in = in;
	g_ptr_array_add(c->links, l);
	return true;
}

static bool
url_start(const char *s, size_t n, size_t i)
{
	static const char *const starts[] = { "http://", "https://", "ftp://", "www." };

	if (i > 0 && (g_ascii_isalnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '/'))
		return false;
	for (size_t k = 0; k < G_N_ELEMENTS(starts); k++) {
		size_t l = strlen(starts[k]);
		if (n - i > l && g_ascii_strncasecmp(s + i, starts[k], l) == 0)
			return true;
	}
	return false;
}

void
content_find_urls(const char *s, size_t n, content_url_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if ((ch | 0x20) != 'h' && (ch | 0x20) != 'f' && (ch | 0x20) != 'w')
			continue;
		if (!url_start(s, n, i))
			continue;
		size_t e = i;
		while (e < n && (unsigned char)s[e] > 0x20 && s[e] != 0x7f && s[e] != '"' &&
		    s[e] != '\'' && s[e] != '<' && s[e] != '>' && s[e] != '`')
			e++;
		size_t end = e;
		while (end > i && strchr(".,;:!?)]}", s[end - 1]) != NULL)
			end--;
		if (!fn(s + i, end - i, arg))
			return;
		i = e;
	}
}

struct text_links_ctx {
	struct content *c;
	const struct content_text *t;
};

static bool
text_link(const char *url, size_t n, void *arg)
{
	struct text_links_ctx *x = arg;
	(void)link_add(x->c, x->t, CONTENT_LINK_TEXT, HTML_REF_HREF, url, n, NULL);
	return true;
}

static void
text_links(struct content *c, const struct content_text *t, const char *s, size_t n)
{
	struct text_links_ctx x = { c, t };
	content_find_urls(s, n, text_link, &x);
}

const GPtrArray *
content_links(const struct content *cc)
{
	struct content *c = (struct content *)cc;

	if (c->links != NULL)
		return c->links;
	c->links = g_ptr_array_new_with_free_func(link_free);
	for (guint i = 0; i < c->texts->len; i++) {
		const struct content_text *t = c->texts->pdata[i];
		size_t n;
		const char *s = content_text(c, t, &n);
		if (t->kind == CONTENT_PLAIN) {
			text_links(c, t, s, n);
			continue;
		}
		const struct html_doc *d = t->html;
		for (guint k = 0; k < d->links->len; k++) {
			const struct html_link *l = d->links->pdata[k];
			(void)link_add(c, t, CONTENT_LINK_HTML, l->attr, l->url, strlen(l->url),
			    l->text);
		}
		c->links_dropped += d->links_dropped;
	}
	return c->links;
}
