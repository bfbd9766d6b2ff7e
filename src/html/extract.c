/*
 * extract.c - one bounded gumbo pass over an HTML document (extract.h).
 *
 * A single walk of the tree, with an explicit stack, in document order:
 *  - visible text: text nodes outside script, style, head, template,
 *    noscript and object; a line break before and after each block element
 *    (p, div, td, br, h1 ...); blanks folded to spaces except inside pre
 *    and textarea (what PPAP discovery has read since it began);
 *  - links: every href, src, action, data, formaction, background, poster
 *    and xlink:href value, and the URL of a meta refresh; an <a href> gets
 *    its visible text, blanks folded;
 *  - for the analyser: the elements with such attributes (and their
 *    download attribute), meta refresh contents, forms with their password
 *    and email fields, and the script text (<script>, on* handlers,
 *    javascript: URLs), what runs on load kept apart.
 */
#include <string.h>

#include <gumbo.h>

#include "extract.h"

const struct html_limits html_limits_default = {
	.input_max = 8u << 20,
	.tags_max = 16384u,
	.text_max = 256u << 10,
	.script_max = 8u << 20,
	.links_max = 1000u,
	.link_text_max = 1024u,
};

static _Thread_local unsigned long parses;

unsigned long
html_parse_count(void)
{
	return parses;
}

static const char *const ref_names[] = {
	[HTML_REF_HREF] = "href",
	[HTML_REF_SRC] = "src",
	[HTML_REF_ACTION] = "action",
	[HTML_REF_DATA] = "data",
	[HTML_REF_FORMACTION] = "formaction",
	[HTML_REF_BACKGROUND] = "background",
	[HTML_REF_POSTER] = "poster",
	[HTML_REF_XLINK_HREF] = "xlink:href",
	[HTML_REF_REFRESH] = "refresh",
};

const char *
html_ref_name(enum html_ref r)
{
	return (unsigned)r < G_N_ELEMENTS(ref_names) ? ref_names[r] : "?";
}

size_t
html_parse_len(const char *p, size_t len, const struct html_limits *lim)
{
	size_t n = len < lim->input_max ? len : lim->input_max;
	unsigned tags = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '<')
			continue;
		unsigned char c = (unsigned char)p[i + 1];
		if ((g_ascii_isalpha(c) || c == '/' || c == '!' || c == '?') &&
		    ++tags > lim->tags_max)
			return i;
	}
	return n;
}

static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && g_ascii_isspace(*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && g_ascii_isspace(s[*n - 1]))
		(*n)--;
	return s;
}

const char *
html_refresh_url(const char *content, size_t *np)
{
	const char *p = content;

	while (*p != '\0' && (g_ascii_isdigit(*p) || g_ascii_isspace(*p) || *p == '.'))
		p++;
	if (*p != ';' && *p != ',')
		return NULL;
	p++;
	while (g_ascii_isspace(*p))
		p++;
	if (g_ascii_strncasecmp(p, "url", 3) == 0) {
		const char *q = p + 3;
		while (g_ascii_isspace(*q))
			q++;
		if (*q == '=') {
			p = q + 1;
			while (g_ascii_isspace(*p))
				p++;
		}
	}
	size_t n = strlen(p);
	if (n > 0 && (*p == '\'' || *p == '"')) {
		const char *e = strchr(p + 1, *p);
		p++;
		n = e != NULL ? (size_t)(e - p) : strlen(p);
	}
	p = trim(p, &n);
	if (n == 0)
		return NULL;
	*np = n;
	return p;
}

/* --- the walk ------------------------------------------------------------ */

struct walk {
	struct html_doc *d;
	const struct html_limits *lim;
	const char *src;	/* the parsed input */
	size_t len;
};

static const char *
attr(const GumboElement *e, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
	return a != NULL ? a->value : NULL;
}

static void
buf_append(const struct walk *w, GString *b, const char *s, size_t n)
{
	size_t max = w->lim->script_max;

	if (b->len >= max)
		return;
	if (n > max - b->len)
		n = max - b->len;
	gsize at = b->len;
	g_string_append_len(b, s, (gssize)n);
	/* NUL bytes would end the analyser's searches early */
	for (gsize i = at; i < b->len; i++)
		if (b->str[i] == '\0')
			b->str[i] = ' ';
	g_string_append_c(b, '\n');
}

static void
js_append(const struct walk *w, const char *s, size_t n, bool load)
{
	buf_append(w, w->d->js, s, n);
	if (load)
		buf_append(w, w->d->load, s, n);
}

/*
 * The text of a <script>: its source span when gumbo gives one (in SVG,
 * foreign content, script text may have been parsed as elements), else
 * its text children.
 */
static void
script_text(const struct walk *w, const GumboElement *e)
{
	size_t a = e->start_pos.offset + e->original_tag.length;
	size_t b = e->end_pos.offset;

	if (e->original_tag.data != NULL && e->original_tag.length > 0 &&
	    a <= b && b <= w->len && a >= e->start_pos.offset) {
		js_append(w, w->src + a, b - a, true);
		return;
	}
	for (unsigned i = 0; i < e->children.length; i++) {
		const GumboNode *k = e->children.data[i];
		if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_CDATA ||
		    k->type == GUMBO_NODE_WHITESPACE)
			js_append(w, k->v.text.text, strlen(k->v.text.text), true);
	}
}

/* A link; its index, or -1 past links_max. */
static int
link_add(const struct walk *w, const char *url, size_t n, enum html_ref r)
{
	struct html_doc *d = w->d;

	if (d->links->len >= w->lim->links_max) {
		d->links_dropped++;
		return -1;
	}
	struct html_link *l = g_new0(struct html_link, 1);
	l->url = g_strndup(url, n);
	l->attr = r;
	g_ptr_array_add(d->links, l);
	return (int)d->links->len - 1;
}

static void
link_free(gpointer p)
{
	struct html_link *l = p;

	g_free(l->url);
	g_free(l->text);
	g_free(l);
}

/* A last character that a cap cut in two, dropped. */
static void
cut_partial(GString *b)
{
	gsize e = b->len;

	while (e > 0 && b->len - e < 4 && ((unsigned char)b->str[e - 1] & 0xc0) == 0x80)
		e--;
	if (e > 0 && (unsigned char)b->str[e - 1] >= 0xc0) {
		e--;
		if (g_utf8_get_char_validated(b->str + e, (gssize)(b->len - e)) == (gunichar)-2)
			g_string_truncate(b, e);
	}
}

/* The text of an <a>: blanks folded, trimmed, at most max bytes, cut on a
 * character. */
static char *
fold(const char *s, size_t n, size_t max)
{
	GString *g = g_string_sized_new(n < max ? n : max);
	bool blank = false;

	for (size_t i = 0; i < n && g->len < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f') {
			blank = g->len > 0;
			continue;
		}
		if (blank) {
			if (g->len + 1 >= max)
				break;
			g_string_append_c(g, ' ');
		}
		blank = false;
		g_string_append_c(g, (char)c);
	}
	cut_partial(g);
	return g_string_free(g, FALSE);
}

static bool
breaks(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_BR: case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_TD:
	case GUMBO_TAG_TH: case GUMBO_TAG_TR: case GUMBO_TAG_LI: case GUMBO_TAG_TABLE:
	case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
	case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_PRE:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_HR: case GUMBO_TAG_TITLE:
	case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_FOOTER: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_CENTER:
	case GUMBO_TAG_CAPTION: case GUMBO_TAG_FORM:
		return true;
	default:
		return false;
	}
}

static bool
hidden(GumboTag t)
{
	return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TEMPLATE ||
	    t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_HEAD || t == GUMBO_TAG_OBJECT;
}

static void
text_append(const struct walk *w, const GumboNode *n, bool pre)
{
	GString *b = w->d->text;
	size_t max = w->lim->text_max;
	const char *t = n->v.text.text;

	if (b->len >= max || *t == '\0')
		return;
	struct html_mark m = { .src = n->v.text.start_pos.offset, .text = b->len };
	g_array_append_val(w->d->marks, m);
	for (; *t != '\0' && b->len < max; t++) {
		char c = *t;
		if (!pre && (c == '\n' || c == '\r' || c == '\t'))
			c = ' ';
		g_string_append_c(b, c);
	}
}

/* An element as the analyser sees it, and its links. Returns the index of
 * its <a href> link, or -1. */
static int
element(struct walk *w, const GumboElement *e, int form)
{
	struct html_doc *d = w->d;
	int alink = -1;

	/* event handlers and javascript: URLs are script too */
	for (unsigned i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];
		if (g_ascii_strncasecmp(a->name, "on", 2) == 0 && a->name[2] != '\0')
			js_append(w, a->value, strlen(a->value),
			    g_ascii_strcasecmp(a->name, "onload") == 0 ||
			    g_ascii_strcasecmp(a->name, "onerror") == 0 ||
			    g_ascii_strcasecmp(a->name, "onpageshow") == 0);
		else if (g_ascii_strncasecmp(a->value, "javascript:", 11) == 0)
			js_append(w, a->value + 11, strlen(a->value + 11), false);
	}
	struct html_elem el = { .tag = e->tag == GUMBO_TAG_A ? HTML_TAG_A :
	    e->tag == GUMBO_TAG_META ? HTML_TAG_META : HTML_TAG_OTHER };
	bool keep = false;
	for (unsigned r = 0; r < HTML_REF_COUNT; r++) {
		const char *v = attr(e, ref_names[r]);
		if (v == NULL)
			continue;
		el.refs[r] = g_strdup(v);
		keep = true;
		int k = link_add(w, v, strlen(v), (enum html_ref)r);
		if (r == HTML_REF_HREF && e->tag == GUMBO_TAG_A)
			alink = k;
	}

	switch (e->tag) {
	case GUMBO_TAG_SCRIPT:
		script_text(w, e);
		break;
	case GUMBO_TAG_BASE: {
		const char *b = attr(e, "href");
		if (b != NULL && d->base == NULL)
			d->base = g_strndup(b, 2048);
		break;
	}
	case GUMBO_TAG_META: {
		const char *he = attr(e, "http-equiv");
		const char *content = attr(e, "content");
		if (he != NULL && content != NULL && g_ascii_strcasecmp(he, "refresh") == 0) {
			el.refresh = g_strdup(content);
			keep = true;
			size_t n;
			const char *u = html_refresh_url(content, &n);
			if (u != NULL)
				link_add(w, u, n, HTML_REF_REFRESH);
		}
		break;
	}
	case GUMBO_TAG_INPUT: {
		const char *type = attr(e, "type");
		const char *name = attr(e, "name");
		bool pw = type != NULL && g_ascii_strcasecmp(type, "password") == 0;
		bool em = (type != NULL && g_ascii_strcasecmp(type, "email") == 0) ||
		    (name != NULL && (strstr(name, "mail") != NULL || strstr(name, "login") != NULL));
		if (form >= 0) {
			struct html_form *f = &g_array_index(d->forms, struct html_form, form);
			f->passwords += pw;
			f->email |= em;
		} else {
			d->passwords += pw;
			d->emails |= em;
		}
		break;
	}
	default:
		break;
	}
	if (keep) {
		const char *dl = attr(e, "download");
		el.download = dl != NULL ? g_strdup(dl) : NULL;
		g_array_append_val(d->elems, el);
	}
	return alink;
}

enum close {
	CLOSE_NONE,
	CLOSE_BREAK,		/* after a block element: a line break */
	CLOSE_LINK,		/* after an <a href>: its text */
};

struct frame {
	const GumboNode *n;
	int form;		/* innermost form, index in forms, or -1 */
	bool pre;		/* inside pre or textarea */
	bool hide;		/* inside an element whose text is not shown */
	enum close close;
	int link;		/* CLOSE_LINK: the link */
	size_t at;		/* CLOSE_LINK: the text length at its start */
};

static void
walk(struct walk *w, const GumboNode *root)
{
	struct html_doc *d = w->d;
	GString *b = d->text;
	size_t max = w->lim->text_max;
	GArray *stack = g_array_new(FALSE, FALSE, sizeof(struct frame));
	struct frame top = { .n = root, .form = -1 };

	g_array_append_val(stack, top);
	while (stack->len > 0) {
		struct frame fr = g_array_index(stack, struct frame, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		const GumboNode *n = fr.n;
		const GumboVector *kids;

		if (fr.close == CLOSE_BREAK) {
			if (b->len < max)
				g_string_append_c(b, '\n');
			continue;
		}
		if (fr.close == CLOSE_LINK) {
			struct html_link *l = d->links->pdata[fr.link];
			l->text = fold(b->str + fr.at, b->len - fr.at, w->lim->link_text_max);
			continue;
		}
		switch (n->type) {
		case GUMBO_NODE_DOCUMENT:
			kids = &n->v.document.children;
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE: {
			const GumboElement *e = &n->v.element;
			if (e->tag == GUMBO_TAG_FORM) {
				struct html_form f = { 0 };
				const char *a = attr(e, "action");
				f.action = a != NULL ? g_strdup(a) : NULL;
				g_array_append_val(d->forms, f);
				fr.form = (int)d->forms->len - 1;
			}
			int alink = element(w, e, fr.form);
			if (alink >= 0) {
				struct frame cl = { .n = n, .close = CLOSE_LINK, .link = alink,
					.at = b->len };
				g_array_append_val(stack, cl);
			}
			if (!fr.hide && hidden(e->tag))
				fr.hide = true;
			if (!fr.hide) {
				if (e->tag == GUMBO_TAG_PRE || e->tag == GUMBO_TAG_TEXTAREA)
					fr.pre = true;
				if (breaks(e->tag)) {
					if (b->len < max)
						g_string_append_c(b, '\n');
					struct frame cl = { .n = n, .close = CLOSE_BREAK };
					g_array_append_val(stack, cl);
				}
			}
			kids = &e->children;
			break;
		}
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			if (!fr.hide)
				text_append(w, n, fr.pre);
			continue;
		default:
			continue;
		}
		/* children in document order: push them last first */
		for (unsigned i = kids->length; i > 0; i--) {
			struct frame k = { .n = kids->data[i - 1], .form = fr.form,
				.pre = fr.pre, .hide = fr.hide };
			g_array_append_val(stack, k);
		}
	}
	g_array_free(stack, TRUE);
}

/* --- gumbo's memory ------------------------------------------------------ */

/*
 * gumbo makes one allocation per node, attribute, string and vector, and
 * frees them one by one (gumbo_destroy_output() walks the whole tree).
 * A pool per parse serves them instead: small blocks in size classes of
 * 16 to 4096 bytes carved from 64 KiB chunks, a freed block kept on its
 * class's free list for the next allocation of that class (so memory
 * follows what gumbo holds, as with malloc), larger blocks from the heap;
 * the whole pool is dropped at once after the walk.
 */
/* Under AddressSanitizer gumbo keeps the heap allocator, so that a use
 * after free inside it is still caught (the pool would hide it). */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF 1
#endif
#endif
#ifndef POOL_OFF
#define POOL_OFF 0
#endif

#define POOL_CHUNK (64u << 10)
#define POOL_CLASSES 9		/* 16 << 0 .. 16 << 8 bytes, header included */
#define POOL_HDR 16u		/* keeps the payload 16-byte aligned */
#define POOL_BIG ((size_t)-1)

struct pool_big {
	struct pool_big *prev, *next;
	size_t cls, pad;	/* the header: cls is POOL_BIG */
};

struct pool {
	char *cur, *end;	/* what is left of the newest chunk */
	void *chunks;		/* chunks, linked by their first word */
	void *free[POOL_CLASSES];	/* freed blocks by class, linked */
	struct pool_big *big;	/* blocks past the classes */
};

static void *
pool_alloc(void *ud, size_t size)
{
	struct pool *p = ud;

	if (size > (16u << (POOL_CLASSES - 1)) - POOL_HDR) {
		struct pool_big *b = g_malloc(sizeof *b + size);
		b->prev = NULL;
		b->next = p->big;
		if (p->big != NULL)
			p->big->prev = b;
		p->big = b;
		b->cls = POOL_BIG;
		return b + 1;
	}
	size_t k = 0;
	while ((16u << k) < size + POOL_HDR)
		k++;
	char *blk = p->free[k];
	if (blk != NULL) {
		void *next;
		memcpy(&next, blk + POOL_HDR, sizeof next);
		p->free[k] = next;
	} else {
		size_t bs = 16u << k;
		if ((size_t)(p->end - p->cur) < bs) {
			char *c = g_malloc(POOL_CHUNK);
			memcpy(c, &p->chunks, sizeof p->chunks);
			p->chunks = c;
			p->cur = c + POOL_HDR;
			p->end = c + POOL_CHUNK;
		}
		blk = p->cur;
		p->cur += bs;
	}
	size_t cls = k;
	memcpy(blk, &cls, sizeof cls);
	return blk + POOL_HDR;
}

static void
pool_free(void *ud, void *ptr)
{
	struct pool *p = ud;

	if (ptr == NULL)
		return;
	char *blk = (char *)ptr - POOL_HDR;
	size_t cls;
	memcpy(&cls, blk, sizeof cls);
	if (cls == POOL_BIG) {
		struct pool_big *b = (struct pool_big *)ptr - 1;
		if (b->prev != NULL)
			b->prev->next = b->next;
		else
			p->big = b->next;
		if (b->next != NULL)
			b->next->prev = b->prev;
		g_free(b);
		return;
	}
	memcpy(blk + POOL_HDR, &p->free[cls], sizeof(void *));
	p->free[cls] = blk;
}

static void
pool_drop(struct pool *p)
{
	while (p->chunks != NULL) {
		void *next;
		memcpy(&next, p->chunks, sizeof next);
		g_free(p->chunks);
		p->chunks = next;
	}
	while (p->big != NULL) {
		struct pool_big *b = p->big;
		p->big = b->next;
		g_free(b);
	}
}

struct html_doc *
html_doc_parse(const char *html, size_t len, const struct html_limits *lim)
{
	struct html_doc *d = g_new0(struct html_doc, 1);

	if (lim == NULL)
		lim = &html_limits_default;
	d->input_len = len;
	d->text = g_string_new(NULL);
	d->marks = g_array_new(FALSE, FALSE, sizeof(struct html_mark));
	d->links = g_ptr_array_new_with_free_func(link_free);
	d->elems = g_array_new(FALSE, TRUE, sizeof(struct html_elem));
	d->forms = g_array_new(FALSE, TRUE, sizeof(struct html_form));
	d->js = g_string_new(NULL);
	d->load = g_string_new(NULL);
	if (html == NULL) {
		d->sa = html_sa_collect(NULL, NULL, 0, 0);
		return d;
	}
	d->parsed = html_parse_len(html, len, lim);

	struct pool pool = { 0 };
	GumboOptions opt = kGumboDefaultOptions;
	opt.max_errors = 0;
	if (!POOL_OFF) {
		opt.allocator = pool_alloc;
		opt.deallocator = pool_free;
		opt.userdata = &pool;
	}
	parses++;
	GumboOutput *out = gumbo_parse_with_options(&opt, html, d->parsed);
	if (out != NULL) {
		struct walk w = { .d = d, .lim = lim, .src = html, .len = d->parsed };
		walk(&w, out->document);
	}
	d->sa = html_sa_collect(out != NULL && !lim->no_sa_stats ? out->document : NULL, html,
	    d->parsed, len);
	if (POOL_OFF && out != NULL)
		gumbo_destroy_output(&opt, out);
	pool_drop(&pool);	/* the tree with it: no gumbo_destroy_output() */
	cut_partial(d->text);	/* only text_max can cut a character */
	return d;
}

void
html_doc_drop_analysis(struct html_doc *d)
{
	if (d == NULL)
		return;
	if (d->elems != NULL) {
		for (guint i = 0; i < d->elems->len; i++) {
			struct html_elem *e = &g_array_index(d->elems, struct html_elem, i);
			for (unsigned r = 0; r < HTML_REF_COUNT; r++)
				g_free(e->refs[r]);
			g_free(e->download);
			g_free(e->refresh);
		}
		g_array_free(d->elems, TRUE);
		d->elems = NULL;
	}
	if (d->forms != NULL) {
		for (guint i = 0; i < d->forms->len; i++)
			g_free(g_array_index(d->forms, struct html_form, i).action);
		g_array_free(d->forms, TRUE);
		d->forms = NULL;
	}
	if (d->js != NULL)
		g_string_free(d->js, TRUE);
	if (d->load != NULL)
		g_string_free(d->load, TRUE);
	d->js = d->load = NULL;
}

void
html_doc_free(struct html_doc *d)
{
	if (d == NULL)
		return;
	html_doc_drop_analysis(d);
	html_sa_free(d->sa);
	g_string_free(d->text, TRUE);
	g_array_free(d->marks, TRUE);
	g_ptr_array_unref(d->links);
	g_free(d->base);
	g_free(d);
}

size_t
html_doc_text_upto(const struct html_doc *d, size_t src)
{
	const GArray *m = d->marks;

	if (src >= d->parsed)
		return d->text->len;
	/* in text order; tree order is not source order (a table's stray
	 * text is put before it), so no binary search */
	for (guint i = 0; i < m->len; i++) {
		const struct html_mark *k = &g_array_index(m, struct html_mark, i);
		if (k->src >= src)
			return k->text;
	}
	return d->text->len;
}
