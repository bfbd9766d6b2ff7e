/*
 * sa_stats.c - SpamAssassin's HTML statistics from gumbo's tree
 * (sa_stats.h): the token stream rebuilt in source order, then replayed
 * through what HTML.pm does with each token.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "sa_stats.h"

/* --- HTML.pm's tables ---------------------------------------------------- */

static const char *const known_elements[] = {
	"a", "abbr", "acronym", "address", "applet", "area", "b", "base", "basefont", "bdo",
	"big", "blockquote", "body", "br", "button", "caption", "center", "cite", "code",
	"col", "colgroup", "dd", "del", "dfn", "dir", "div", "dl", "dt", "em", "fieldset",
	"font", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr",
	"html", "i", "iframe", "img", "input", "ins", "isindex", "kbd", "label", "legend", "li",
	"link", "map", "menu", "meta", "nobr", "noframes", "noscript", "object", "ol",
	"optgroup", "option", "p", "param", "pre", "q", "s", "samp", "script", "select",
	"small", "span", "strike", "strong", "style", "sub", "sup", "table", "tbody", "td",
	"textarea", "tfoot", "th", "thead", "title", "tr", "tt", "u", "ul", "var", "x-sigsep",
	"x-tab",
};
static const char *const tricks[] = { "bgsound", "embed", "listing", "plaintext", "xmp" };
static const char *const text_style_tags[] = {
	"a", "basefont", "big", "body", "div", "font", "marquee", "p", "small", "span",
	"table", "td", "th", "tr",
};
static const char *const whitespace_tags[] = {
	"blockquote", "br", "dd", "div", "dt", "embed", "h1", "h2", "h3", "h4", "h5", "h6",
	"hr", "li", "listing", "p", "plaintext", "pre", "td", "th", "title", "xmp",
};

enum tag_class {
	TC_KNOWN = 1,		/* HTML.pm's %elements */
	TC_TRICK = 2,		/* %tricks */
	TC_STYLE = 4,		/* %elements_text_style */
	TC_SPACE = 8,		/* %elements_whitespace */
};

/* The classes of a tag name: one lookup in a table made once */
static unsigned
tag_class(const char *tag)
{
	static gsize once;
	static GHashTable *t;
	if (g_once_init_enter(&once)) {
		GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
		static const struct { const char *const *tab; size_t n; unsigned c; } sets[] = {
			{ known_elements, G_N_ELEMENTS(known_elements), TC_KNOWN },
			{ tricks, G_N_ELEMENTS(tricks), TC_TRICK },
			{ text_style_tags, G_N_ELEMENTS(text_style_tags), TC_STYLE },
			{ whitespace_tags, G_N_ELEMENTS(whitespace_tags), TC_SPACE },
		};
		for (size_t k = 0; k < G_N_ELEMENTS(sets); k++)
			for (size_t i = 0; i < sets[k].n; i++) {
				unsigned c = GPOINTER_TO_UINT(g_hash_table_lookup(h, sets[k].tab[i]));
				g_hash_table_insert(h, (gpointer)sets[k].tab[i],
				    GUINT_TO_POINTER(c | sets[k].c));
			}
		t = h;
		g_once_init_leave(&once, 1);
	}
	return GPOINTER_TO_UINT(g_hash_table_lookup(t, tag));
}

static const struct color {
	const char *name;
	unsigned rgb;
} colors[] = {
#include "sa_colors.inc"
};

static int
cmp_color(const void *k, const void *e)
{
	return strcmp(k, ((const struct color *)e)->name);
}

/* --- name_to_rgb --------------------------------------------------------- */

/* the first match of rgb(D%, D%, D%) or rgb(D, D, D) in s (HTML.pm's
 * patterns: "," then blanks, blanks before ")") */
static bool
rgb_call(const char *s, bool pct, unsigned long v[3])
{
	for (const char *p = strstr(s, "rgb("); p != NULL; p = strstr(p + 1, "rgb(")) {
		const char *q = p + 4;
		int k;
		for (k = 0; k < 3; k++) {
			if (!g_ascii_isdigit(*q))
				break;
			const char *d_end = q;
			double d = 0;
			for (; g_ascii_isdigit(*d_end); d_end++)
				d = d * 10 + (*d_end - '0');
			v[k] = d > 1e15 ? (unsigned long)1e15 : (unsigned long)d;
			q = d_end;
			if (pct) {
				if (*q != '%')
					break;
				q++;
			}
			if (k < 2) {
				if (*q != ',')
					break;
				q++;
				while (g_ascii_isspace(*q))
					q++;
			} else {
				while (g_ascii_isspace(*q))
					q++;
				if (*q != ')')
					break;
			}
		}
		if (k == 3)
			return true;
	}
	return false;
}

static void
dec2hex(GString *g, unsigned long v)
{
	g_string_append_printf(g, v < 16 ? "0%lx" : "%lx", v);
}

void
html_sa_name_to_rgb(const char *color, char out[12])
{
	gchar *c = g_ascii_strdown(color, -1);
	g_strstrip(c);
	const struct color *k = bsearch(c, colors, G_N_ELEMENTS(colors), sizeof colors[0],
	    cmp_color);
	if (k != NULL) {
		snprintf(out, 12, "#%06x", k->rgb);
		g_free(c);
		return;
	}
	bool hexish = true;
	for (const char *p = c; *p; p++)
		if (!(*p == '#' || g_ascii_isdigit(*p) || (*p >= 'a' && *p <= 'f')))
			hexish = false;
	/* rgb\([\d%, ]*\) anywhere */
	bool rgbish = false;
	for (const char *p = strstr(c, "rgb("); p != NULL && !rgbish; p = strstr(p + 1, "rgb(")) {
		const char *q = p + 4;
		while (g_ascii_isdigit(*q) || *q == '%' || *q == ',' || *q == ' ')
			q++;
		rgbish = *q == ')';
	}
	if (!hexish && !rgbish) {
		strcpy(out, "invalid");
		g_free(c);
		return;
	}
	GString *g = g_string_new(c);
	unsigned long v[3];
	if (rgb_call(g->str, true, v)) {
		GString *h = g_string_new("#");
		for (int i = 0; i < 3; i++)
			dec2hex(h, (unsigned long)((double)v[i] / 100 * 255));
		g_string_assign(g, h->str);
		g_string_free(h, TRUE);
	}
	if (rgb_call(g->str, false, v)) {
		GString *h = g_string_new("#");
		for (int i = 0; i < 3; i++)
			dec2hex(h, v[i]);
		g_string_assign(g, h->str);
		g_string_free(h, TRUE);
	}
	if (g->str[0] != '#') {
		strcpy(out, "invalid");
	} else {
		GString *x = g_string_new(NULL);
		for (const char *p = g->str; *p; p++)
			if (g_ascii_isxdigit(*p))
				g_string_append_c(x, g_ascii_tolower(*p));
		if (x->len > 6)
			g_string_truncate(x, 6);
		if (x->len > 3 && x->len < 6)
			g_string_truncate(x, 3);
		while (x->len % 3 != 0)
			g_string_append_c(x, '0');
		if (x->len == 3) {
			char t[7] = { x->str[0], x->str[0], x->str[1], x->str[1], x->str[2],
				x->str[2], 0 };
			g_string_assign(x, t);
		}
		snprintf(out, 12, "#%s", x->str);
		g_string_free(x, TRUE);
	}
	g_string_free(g, TRUE);
	g_free(c);
}

/* --- the token stream ---------------------------------------------------- */

enum ev_kind { EV_START, EV_END, EV_TEXT, EV_COMMENT, EV_DECL };

struct ev {
	size_t pos, end;	/* its source span */
	unsigned seq;
	enum ev_kind kind;
	const GumboElement *el;	/* EV_START from the tree: its attributes */
	char **kv;		/* EV_START gumbo dropped: its attributes read
				 * from the source, name, value, name ... */
	char *text;		/* EV_TEXT: the decoded text (owned) */
};

struct collect {
	const char *src;
	size_t len;		/* parsed */
	GArray *evs;
	unsigned seq;
	bool whole;		/* the parse saw the whole document */
	bool eight_bit;		/* it has bytes past 0x7f */
};

static void
ev_add(struct collect *c, enum ev_kind k, size_t pos, size_t end, const GumboElement *el,
    char *text)
{
	struct ev e = { .pos = pos, .end = end, .seq = c->seq++, .kind = k, .el = el,
		.text = text };
	g_array_append_val(c->evs, e);
}

/* HTML::Parser's tag names run to a blank or '>' (<br<br> is "br<br",
 * <o:p/> is "o:p/") */
static bool
name_char(unsigned char c)
{
	return c != '>' && !g_ascii_isspace(c) && c != '\0';
}

/* The decoded text of src[a..b): the common character references, line
 * ends as gumbo gives them (CR LF and CR are LF). */
static char *
decode(const char *s, size_t a, size_t b)
{
	static const struct { const char *n; const char *v; } ents[] = {
		{ "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" },
		{ "apos;", "'" }, { "nbsp;", " " },
	};
	GString *g = g_string_sized_new(b - a);
	for (size_t i = a; i < b; i++) {
		char ch = s[i];
		if (ch == '\r') {
			g_string_append_c(g, '\n');
			if (i + 1 < b && s[i + 1] == '\n')
				i++;
			continue;
		}
		if (ch != '&') {
			g_string_append_c(g, ch);
			continue;
		}
		bool done = false;
		if (i + 2 < b && s[i + 1] == '#') {
			size_t j = i + 2;
			int base = 10;
			if (j < b && (s[j] == 'x' || s[j] == 'X')) {
				base = 16;
				j++;
			}
			gunichar v = 0;
			size_t d = j;
			while (j < b && (base == 16 ? g_ascii_isxdigit(s[j]) : g_ascii_isdigit(s[j])) &&
			    j - d < 8) {
				v = v * (gunichar)base + (gunichar)(base == 16 ?
				    g_ascii_xdigit_value(s[j]) : g_ascii_digit_value(s[j]));
				j++;
			}
			if (j > d) {
				if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
					v = 0xfffd;
				g_string_append_unichar(g, v);
				i = (j < b && s[j] == ';') ? j : j - 1;
				done = true;
			}
		} else {
			for (size_t k = 0; k < G_N_ELEMENTS(ents) && !done; k++) {
				size_t n = strlen(ents[k].n);
				if (i + 1 + n <= b && memcmp(s + i + 1, ents[k].n, n) == 0) {
					g_string_append(g, ents[k].v);
					i += n;
					done = true;
				}
			}
		}
		if (!done)
			g_string_append_c(g, ch);
	}
	return g_string_free(g, FALSE);
}

/* The end of the tag at s[i] ('<'): one past its '>', or 0 when it has
 * none before b.  Quoted attribute values may hold '>'. */
static size_t
tag_end(const char *s, size_t i, size_t b)
{
	char q = 0;
	bool eq = false;
	for (size_t j = i + 1; j < b; j++) {
		char ch = s[j];
		if (q != 0) {
			if (ch == q)
				q = 0;
			continue;
		}
		if (ch == '>')
			return j + 1;
		if (eq && (ch == '"' || ch == '\'')) {
			q = ch;
			eq = false;
			continue;
		}
		if (ch == '=')
			eq = true;
		else if (!g_ascii_isspace(ch))
			eq = false;
	}
	return 0;
}

/* The attributes of the start tag whose name starts at s[a] and which
 * ends before s[b] ('>'): name, value pairs (names lower case, values
 * with their references decoded), for a tag gumbo dropped */
static char **
read_attrs(const char *s, size_t a, size_t b)
{
	GPtrArray *kv = g_ptr_array_new();
	size_t i = a;
	while (i < b && !g_ascii_isspace(s[i]))
		i++;	/* the name */
	while (i < b && kv->len < 2 * 64) {
		while (i < b && (g_ascii_isspace(s[i]) || s[i] == '/'))
			i++;
		size_t n0 = i;
		while (i < b && !g_ascii_isspace(s[i]) && s[i] != '=' && s[i] != '>')
			i++;
		if (i == n0)
			break;
		char *name = g_ascii_strdown(s + n0, (gssize)(i - n0));
		while (i < b && g_ascii_isspace(s[i]))
			i++;
		char *value;
		if (i < b && s[i] == '=') {
			i++;
			while (i < b && g_ascii_isspace(s[i]))
				i++;
			size_t v0 = i, v1;
			if (i < b && (s[i] == '"' || s[i] == '\'')) {
				const char *q = memchr(s + i + 1, s[i], b - i - 1);
				v0 = i + 1;
				v1 = q != NULL ? (size_t)(q - s) : b;
				i = q != NULL ? v1 + 1 : b;
			} else {
				while (i < b && !g_ascii_isspace(s[i]))
					i++;
				v1 = i;
			}
			value = decode(s, v0, v1);
		} else {
			value = g_strdup(name);	/* HTML::Parser: a bare name's value */
		}
		g_ptr_array_add(kv, name);
		g_ptr_array_add(kv, value);
	}
	g_ptr_array_add(kv, NULL);
	return (char **)g_ptr_array_free(kv, FALSE);
}

/* A declaration HTML::Parser reads as one: after "<!doctype", names
 * and quoted strings (else it reports a comment) */
static bool
doctype_ok(const char *s, size_t a, size_t b)
{
	size_t i = a;
	while (i < b) {
		if (g_ascii_isspace(s[i])) {
			i++;
		} else if (s[i] == '"' || s[i] == '\'') {
			const char *q = memchr(s + i + 1, s[i], b - i - 1);
			if (q == NULL)
				return false;
			i = (size_t)(q - s) + 1;
		} else if (g_ascii_isalnum(s[i])) {
			while (i < b && !g_ascii_isspace(s[i]) && s[i] != '"' && s[i] != '\'')
				i++;
		} else {
			return false;
		}
	}
	return true;
}

/* The tokens of src[a..b), a stretch gumbo kept no node for (or a text
 * node's span): tags, comments, declarations and the text between. */
static void
scan(struct collect *c, size_t a, size_t b, bool text)
{
	const char *s = c->src;
	size_t t0 = a, i = a;

	while (i < b) {
		if (s[i] != '<' || i + 1 >= b) {
			i++;
			continue;
		}
		unsigned char n1 = (unsigned char)s[i + 1];
		enum ev_kind k;
		size_t e = 0;
		if (g_ascii_isalpha(n1)) {
			k = EV_START;
		} else if (n1 == '/' && i + 2 < b && g_ascii_isalpha(s[i + 2])) {
			k = EV_END;
		} else if (n1 == '!') {
			const char *cd;
			if (b - i >= 12 && memcmp(s + i, "<![CDATA[", 9) == 0 &&
			    (cd = g_strstr_len(s + i + 9, (gssize)(b - i - 9), "]]>")) != NULL) {
				/* a marked section (HTML::Parser's marked_sections) */
				e = (size_t)(cd - s) + 3;
				k = EV_TEXT;
			} else if (i + 3 < b && s[i + 2] == '-' && s[i + 3] == '-') {
				/* HTML::Parser ends it at the first "-->" after "<!" */
				const char *x = g_strstr_len(s + i + 2, (gssize)(b - i - 2), "-->");
				e = x != NULL ? (size_t)(x - s) + 3 : 0;
				k = EV_COMMENT;
			} else {
				k = b - i >= 9 && g_ascii_strncasecmp(s + i + 2, "doctype", 7) == 0 ?
				    EV_DECL : EV_COMMENT;
			}
		} else if (n1 == '?') {
			k = EV_DECL;	/* a processing instruction: counted as nothing */
		} else {
			i++;
			continue;
		}
		if (e == 0)
			e = tag_end(s, i, b);
		if (e == 0 && b == c->len && c->whole) {
			/* a tag cut by the end of the document: HTML::Parser
			 * reports the rest as a comment */
			if (text && i > t0)
				ev_add(c, EV_TEXT, t0, i, NULL, decode(s, t0, i));
			ev_add(c, EV_COMMENT, i, b, NULL, NULL);
			return;
		}
		if (e == 0)
			break;	/* no end: the rest is text */
		if (k == EV_DECL && n1 == '!' && !doctype_ok(s, i + 9, e - 1))
			k = EV_COMMENT;
		if (text && i > t0)
			ev_add(c, EV_TEXT, t0, i, NULL, decode(s, t0, i));
		if (k == EV_START) {
			ev_add(c, k, i, e, NULL, NULL);
			g_array_index(c->evs, struct ev, c->evs->len - 1).kv = read_attrs(s, i + 1, e - 1);
		} else if (k == EV_TEXT) {
			/* <![CDATA[ ... ]]>: its content is text */
			ev_add(c, EV_TEXT, i, e, NULL, g_strndup(s + i + 9, e - i - 12));
		} else if (!(k == EV_DECL && n1 == '?')) {
			ev_add(c, k, i, e, NULL, NULL);
		}
		i = t0 = e;
	}
	if (text && b > t0)
		ev_add(c, EV_TEXT, t0, b, NULL, decode(s, t0, b));
}

/*
 * SpamAssassin turns every "&nbsp;" of the document into a blank before
 * parsing: the text of a node whose source has one gets blanks for its
 * no-break spaces (gumbo decoded them to U+00A0).
 */
static char *
nbsp(const struct collect *c, size_t a, size_t b, const char *text)
{
	/* gumbo replaces control characters (U+0085 ...) with U+FFFD,
	 * HTML::Parser keeps them: such a text is read from the source */
	if (strstr(text, "\xef\xbf\xbd") != NULL &&
	    g_strstr_len(c->src + a, (gssize)(b - a), "\xef\xbf\xbd") == NULL)
		return decode(c->src, a, b);
	if (g_strstr_len(c->src + a, (gssize)(b - a), "&nbsp;") == NULL)
		return g_strdup(text);
	GString *g = g_string_new(NULL);
	for (const char *p = text; *p; p++) {
		if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) {
			g_string_append_c(g, ' ');
			p++;
		} else {
			g_string_append_c(g, *p);
		}
	}
	return g_string_free(g, FALSE);
}

static bool
piece(const struct collect *c, GumboStringPiece p, size_t *pos)
{
	if (p.data == NULL || p.length == 0 || p.data < c->src ||
	    (size_t)(p.data - c->src) + p.length > c->len)
		return false;
	*pos = (size_t)(p.data - c->src);
	return true;
}

/* text in these elements is text to HTML::Parser too */
static bool
literal(const GumboNode *parent)
{
	if (parent == NULL || parent->type != GUMBO_NODE_ELEMENT)
		return false;
	switch (parent->v.element.tag) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_XMP:
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_TITLE: case GUMBO_TAG_TEXTAREA:
	case GUMBO_TAG_PLAINTEXT:
		return true;
	default:
		return false;
	}
}

static void
tree(struct collect *c, const GumboNode *root)
{
	GPtrArray *stack = g_ptr_array_new();
	g_ptr_array_add(stack, (gpointer)root);
	while (stack->len > 0) {
		const GumboNode *n = g_ptr_array_steal_index(stack, stack->len - 1);
		/* an odd pointer: leaving that element */
		if (((uintptr_t)n & 1) != 0) {
			const GumboElement *e = &((const GumboNode *)((uintptr_t)n - 1))->v.element;
			size_t pos;
			if (piece(c, e->original_end_tag, &pos) && c->src[pos] == '<' &&
			    c->src[pos + 1] == '/')
				ev_add(c, EV_END, pos, pos + e->original_end_tag.length, NULL, NULL);
			continue;
		}
		const GumboVector *kids = NULL;
		size_t pos;
		switch (n->type) {
		case GUMBO_NODE_DOCUMENT:
			kids = &n->v.document.children;
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE: {
			const GumboElement *e = &n->v.element;
			if (piece(c, e->original_tag, &pos) && c->src[pos] == '<' &&
			    pos + 1 < c->len) {
				bool end = c->src[pos + 1] == '/';
				ev_add(c, end ? EV_END : EV_START, pos, pos + e->original_tag.length,
				    end ? NULL : e, NULL);
			}
			g_ptr_array_add(stack, (gpointer)((uintptr_t)n + 1));
			kids = &e->children;
			break;
		}
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_WHITESPACE:
		case GUMBO_NODE_CDATA:
			if (!piece(c, n->v.text.original_text, &pos)) {
				/* no source span: keep the text where its start is */
				size_t at = n->v.text.start_pos.offset;
				if (at <= c->len)
					ev_add(c, EV_TEXT, at, at, NULL, g_strdup(n->v.text.text));
				break;
			}
			size_t end = pos + n->v.text.original_text.length;
			if (!literal(n->parent) && memchr(c->src + pos, '<', end - pos) != NULL)
				scan(c, pos, end, true);
			else
				ev_add(c, EV_TEXT, pos, end, NULL, nbsp(c, pos, end, n->v.text.text));
			break;
		case GUMBO_NODE_COMMENT:
			if (!piece(c, n->v.text.original_text, &pos))
				break;
			/* <![CDATA[ in HTML: a bogus comment to gumbo, a marked
			 * section (text) to HTML::Parser */
			if (n->v.text.original_text.length >= 12 &&
			    memcmp(c->src + pos, "<![CDATA[", 9) == 0)
				scan(c, pos, pos + n->v.text.original_text.length, true);
			else
				ev_add(c, EV_COMMENT, pos, pos + n->v.text.original_text.length, NULL,
				    NULL);
			break;
		}
		if (kids != NULL)
			for (unsigned i = kids->length; i > 0; i--)
				g_ptr_array_add(stack, kids->data[i - 1]);
	}
	g_ptr_array_free(stack, TRUE);
}

static int
cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --- the replay: HTML.pm ------------------------------------------------- */

struct style {
	char tag[12];
	char fg[12], bg[12];
	double size;
};

struct replay {
	struct html_sa *s;
	/* Perl's view of the texts: the document had 8-bit characters (it
	 * was decoded: Unicode rules for \s), or a text got a character
	 * past U+00FF from a reference; else byte rules (U+00A0 is no
	 * blank) */
	bool doc_utf8, rendered_utf8;
	size_t non_space_uni, non_space_byte;
	GArray *styles;		/* struct style */
	double basefont;
	int title_index;
	bool have_chunk, last_word;
	/* GString *: each <a>'s and <title>'s text as it grows (appended to,
	 * never copied whole) */
	GPtrArray *anchors, *titles;
	/* tag name -> index + 1 in counts (the balances, made once a name) */
	GArray *counts;
	/* the index in counts of script, style, a and title, or -1: what
	 * every text reads */
	int ix[4];
};

enum { IX_SCRIPT, IX_STYLE, IX_A, IX_TITLE };
static const char *const ix_names[4] = { "script", "style", "a", "title" };

/* After the replay: the balance of tag, or -1 */
static int
inside(const struct html_sa *s, const char *tag)
{
	gpointer v = g_hash_table_lookup(s->inside, tag);
	return v == NULL ? -1 : GPOINTER_TO_INT(v) - 1;
}

/* During the replay (the table holds indexes into r->counts then) */
static int *
count_of(struct replay *r, const char *tag, bool make)
{
	gpointer v = g_hash_table_lookup(r->s->inside, tag);
	if (v == NULL) {
		if (!make)
			return NULL;
		int z = 0;
		g_array_append_val(r->counts, z);
		v = GINT_TO_POINTER((int)r->counts->len);
		g_hash_table_insert(r->s->inside, g_strdup(tag), v);
		for (int k = 0; k < 4; k++)
			if (strcmp(tag, ix_names[k]) == 0)
				r->ix[k] = (int)r->counts->len - 1;
	}
	return &g_array_index(r->counts, int, GPOINTER_TO_INT(v) - 1);
}

/* the balance of script, style, a or title (IX_*), or -1 */
static int
open_count(const struct replay *r, int k)
{
	return r->ix[k] >= 0 ? g_array_index(r->counts, int, r->ix[k]) : -1;
}

/* The attributes of a start tag: gumbo's, or those read from the source
 * (a tag gumbo dropped), or none (ev NULL) */
static unsigned
attr_count(const struct ev *ev)
{
	if (ev == NULL)
		return 0;
	if (ev->el != NULL)
		return ev->el->attributes.length;
	return ev->kv != NULL ? g_strv_length(ev->kv) / 2 : 0;
}

static void
attr_at(const struct ev *ev, unsigned i, const char **name, const char **value)
{
	if (ev->el != NULL) {
		const GumboAttribute *a = ev->el->attributes.data[i];
		*name = a->name;
		*value = a->value;
	} else {
		*name = ev->kv[2 * i];
		*value = ev->kv[2 * i + 1];
	}
}

static const char *
attr(const struct ev *ev, const char *name)
{
	unsigned n = attr_count(ev);
	for (unsigned i = 0; i < n; i++) {
		const char *k, *v;
		attr_at(ev, i, &k, &v);
		if (strcmp(k, name) == 0)
			return v;
	}
	return NULL;
}

static bool
ascii_space(gunichar u)
{
	return u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f' || u == 0x0b;
}

/* Perl's \s, with Unicode rules or byte rules */
static bool
is_space(gunichar u, bool uni)
{
	return ascii_space(u) || (uni && (u == 0x85 || (u >= 0x80 && g_unichar_isspace(u))));
}

/* not blank, not ASCII punctuation */
static bool
wordish(gunichar u, bool uni)
{
	if (is_space(u, uni))
		return false;
	return !((u >= 0x21 && u <= 0x2f) || (u >= 0x3a && u <= 0x40) ||
	    (u >= 0x5b && u <= 0x60) || (u >= 0x7b && u <= 0x7e));
}

static struct style *
top(struct replay *r)
{
	return &g_array_index(r->styles, struct style, r->styles->len - 1);
}

static bool
hex6(const char *c, unsigned v[3])
{
	if (*c == '#')
		c++;
	if (strlen(c) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!(g_ascii_isdigit(c[i]) || (c[i] >= 'a' && c[i] <= 'f')))
			return false;
	for (int i = 0; i < 3; i++)
		v[i] = (unsigned)(g_ascii_xdigit_value(c[2 * i]) * 16 +
		    g_ascii_xdigit_value(c[2 * i + 1]));
	return true;
}

static const char *
last6(const char *s)
{
	size_t n = strlen(s);
	return n > 6 ? s + n - 6 : s;
}

/* html_font_invisible(), for what it records */
static void
font_check(struct replay *r)
{
	const struct style *t = top(r);
	unsigned a[3], b[3];
	if (strcmp(last6(t->fg), last6(t->bg)) == 0) {
		r->s->font_low_contrast = true;
		return;
	}
	if (hex6(t->fg, a)) {
		if (hex6(t->bg, b)) {
			double dr = (double)a[0] - b[0], dg = (double)a[1] - b[1],
			    db = (double)a[2] - b[2];
			double d = sqrt(pow(0.2126 * dr, 2) + pow(0.7152 * dg, 2) +
			    pow(0.0722 * db, 2));
			if (d < 12) {
				r->s->font_low_contrast = true;
				return;
			}
		}
	}
	if (strcmp(t->fg, "invalid") == 0 || strcmp(t->bg, "invalid") == 0)
		r->s->font_invalid_color = true;
}

static void
close_table_tag(struct replay *r, const char *tag)
{
	bool found = false;
	for (guint i = 0; i < r->styles->len && !found; i++)
		found = strcmp(g_array_index(r->styles, struct style, i).tag, tag) == 0;
	if (!found)
		return;
	while (r->styles->len > 1) {
		const char *t = top(r)->tag;
		if ((strcmp(tag, "td") == 0 && (strcmp(t, "font") == 0 || strcmp(t, "td") == 0)) ||
		    (strcmp(tag, "tr") == 0 && (strcmp(t, "font") == 0 || strcmp(t, "td") == 0 ||
		    strcmp(t, "tr") == 0)))
			g_array_set_size(r->styles, r->styles->len - 1);
		else
			break;
	}
}

static void
close_tag(struct replay *r, const char *tag)
{
	bool found = false;
	for (guint i = 0; i < r->styles->len && !found; i++)
		found = strcmp(g_array_index(r->styles, struct style, i).tag, tag) == 0;
	if (!found)
		return;
	while (r->styles->len > 0) {
		bool hit = strcmp(top(r)->tag, tag) == 0;
		g_array_set_size(r->styles, r->styles->len - 1);
		if (hit)
			break;
	}
	if (r->styles->len == 0) {	/* cannot happen: "default" stays */
		struct style d = { "default", "#000000", "#ffffff", 3 };
		g_array_append_val(r->styles, d);
	}
}

/* Perl's numeric reading of a leading integer: "^\s*([+-]?\d+)" */
static bool
lead_int(const char *v, bool sign, double *out)
{
	while (g_ascii_isspace(*v))
		v++;
	double m = 1;
	if (sign) {
		if (*v != '+' && *v != '-')
			return false;
		m = *v == '-' ? -1 : 1;
		v++;
	}
	if (!g_ascii_isdigit(*v))
		return false;
	double d = 0;
	for (; g_ascii_isdigit(*v); v++)
		d = d * 10 + (*v - '0');
	*out = m * d;
	return true;
}

/* parse_css_background(): the tokens of the last layer */
static GPtrArray *
css_background_last(const char *bg)
{
	GPtrArray *layer = g_ptr_array_new_with_free_func(g_free), *last = NULL;
	GString *tok = g_string_new(NULL);
	int stack[64];
	int sp = 0, state = 0;
	for (const char *p = bg; *p; p++) {
		char ch = *p;
		if (state == 0) {
			if (ch == ' ') {
				if (tok->len)
					g_ptr_array_add(layer, g_strdup(tok->str));
				g_string_truncate(tok, 0);
			} else if (ch == '(' || ch == '"' || ch == '\'') {
				g_string_append_c(tok, ch);
				if (sp < 64)
					stack[sp++] = state;
				state = ch == '(' ? 1 : ch == '"' ? 2 : 3;
			} else if (ch == ',') {
				if (tok->len)
					g_ptr_array_add(layer, g_strdup(tok->str));
				g_string_truncate(tok, 0);
				if (last != NULL)
					g_ptr_array_unref(last);
				last = layer;
				layer = g_ptr_array_new_with_free_func(g_free);
			} else {
				g_string_append_c(tok, ch);
			}
		} else if (state == 1) {
			g_string_append_c(tok, ch);
			if (ch == ')') {
				g_ptr_array_add(layer, g_strdup(tok->str));
				g_string_truncate(tok, 0);
				state = sp > 0 ? stack[--sp] : 0;
			} else if (ch == '"' || ch == '\'') {
				if (sp < 64)
					stack[sp++] = state;
				state = ch == '"' ? 2 : 3;
			}
		} else {
			g_string_append_c(tok, ch);
			if ((state == 2 && ch == '"') || (state == 3 && ch == '\''))
				state = sp > 0 ? stack[--sp] : 0;
		}
	}
	if (tok->len)
		g_ptr_array_add(layer, g_strdup(tok->str));
	g_string_free(tok, TRUE);
	if (layer->len > 0) {
		if (last != NULL)
			g_ptr_array_unref(last);
		return layer;
	}
	g_ptr_array_unref(layer);
	return last;
}

/* trim blanks; the result points into s (modified) */
static char *
trim(char *s)
{
	return g_strstrip(s);
}

static void
style_attr(struct replay *r, struct style *nw, const char *style)
{
	gchar **parts = g_strsplit(style, ";", -1);
	for (gchar **pp = parts; *pp != NULL; pp++) {
		char *p = *pp;
		while (g_ascii_isspace(*p))
			p++;
		bool bgc = g_ascii_strncasecmp(p, "background-color:", 17) == 0;
		if (bgc || g_ascii_strncasecmp(p, "color:", 6) == 0) {
			gchar *v = g_ascii_strdown(p + (bgc ? 17 : 6), -1);
			trim(v);
			if (*v == '\0') {
				g_free(v);
				continue;
			}
			/* s/\s*!\s*important$// */
			size_t n = strlen(v);
			if (n >= 9 && strcmp(v + n - 9, "important") == 0) {
				size_t k = n - 9;
				while (k > 0 && g_ascii_isspace(v[k - 1]))
					k--;
				if (k > 0 && v[k - 1] == '!') {
					k--;
					while (k > 0 && g_ascii_isspace(v[k - 1]))
						k--;
					v[k] = '\0';
				}
			}
			char *dst = bgc ? nw->bg : nw->fg;
			if (strstr(v, "rgb") != NULL) {
				GString *d = g_string_new(NULL);
				for (const char *q = v; *q; q++)
					if (g_ascii_isdigit(*q) || *q == ',')
						g_string_append_c(d, *q);
				gchar **f = g_strsplit(d->str, ",", -1);
				unsigned x[3] = { 0, 0, 0 };
				for (int i = 0; i < 3 && f[i] != NULL; i++) {
					double dv = 0;
					for (const char *q = f[i]; *q; q++)
						dv = dv * 10 + (*q - '0');
					x[i] = dv > 255 ? 255 : (unsigned)dv;
				}
				g_strfreev(f);
				g_string_free(d, TRUE);
				snprintf(dst, 12, "#%02x%02x%02x", x[0], x[1], x[2]);
			} else if (strcmp(v, "inherit") == 0) {
				/* as the parent */
			} else if (strcmp(v, "transparent") == 0) {
				strcpy(dst, "transparent");
			} else {
				html_sa_name_to_rgb(v, dst);
			}
			g_free(v);
		} else if (strncmp(p, "background:", 11) == 0) {
			gchar *v = g_ascii_strdown(p + 11, -1);
			trim(v);
			GPtrArray *last = *v != '\0' ? css_background_last(v) : NULL;
			for (guint i = 0; last != NULL && i < last->len; i++) {
				char rgb[12];
				html_sa_name_to_rgb(last->pdata[i], rgb);
				if (strcmp(rgb, "invalid") != 0) {
					strcpy(nw->bg, rgb);
					break;
				}
			}
			if (last != NULL)
				g_ptr_array_unref(last);
			g_free(v);
		}
	}
	g_strfreev(parts);
	if (strcmp(nw->bg, "transparent") == 0)
		strcpy(nw->bg, top(r)->bg);
	if (strcmp(nw->fg, "transparent") == 0)
		strcpy(nw->fg, nw->bg);
}

static bool
ok_attribute(const char *tag, const char *name)
{
	static const struct { const char *tag, *names[7]; } ok[] = {
		{ "basefont", { "color", "face", "size" } },
		{ "body", { "text", "bgcolor", "link", "alink", "vlink", "background" } },
		{ "font", { "color", "face", "size" } },
		{ "marquee", { "bgcolor", "background" } },
		{ "table", { "bgcolor", "style" } }, { "td", { "bgcolor", "style" } },
		{ "th", { "bgcolor", "style" } }, { "tr", { "bgcolor", "style" } },
		{ "span", { "style" } }, { "p", { "style" } }, { "div", { "style" } },
		{ "a", { "style" } },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++)
		if (strcmp(ok[i].tag, tag) == 0) {
			for (int k = 0; k < 7 && ok[i].names[k] != NULL; k++)
				if (strcmp(ok[i].names[k], name) == 0)
					return true;
			return false;
		}
	return false;
}

static void
text_style(struct replay *r, const char *tag0, const struct ev *el, bool start)
{
	const char *tag = strcmp(tag0, "th") == 0 ? "td" : tag0;
	if (!start) {
		if (strcmp(tag, "body") != 0)
			close_tag(r, tag);
		return;
	}
	const char *sz;
	double d;
	if (strcmp(tag, "basefont") == 0 && (sz = attr(el, "size")) != NULL &&
	    lead_int(sz, false, &d)) {
		r->basefont = d;
		return;
	}
	if (strcmp(tag, "td") == 0 || strcmp(tag, "tr") == 0)
		close_table_tag(r, tag);
	struct style nw = *top(r);
	g_strlcpy(nw.tag, tag, sizeof nw.tag);
	if (strcmp(tag, "big") == 0 || strcmp(tag, "small") == 0) {
		nw.size += tag[0] == 'b' ? 1 : -1;
		g_array_append_val(r->styles, nw);
		return;
	}
	unsigned na = attr_count(el);
	for (unsigned i = 0; i < na; i++) {
		const char *an, *av;
		attr_at(el, i, &an, &av);
		if (!ok_attribute(tag, an))
			continue;
		if (strcmp(an, "text") == 0 || strcmp(an, "color") == 0) {
			html_sa_name_to_rgb(av, nw.fg);
		} else if (strcmp(an, "size") == 0) {
			if (lead_int(av, true, &d))
				nw.size = r->basefont + d;
			else if (lead_int(av, false, &d))
				nw.size = d;
		} else if (strcmp(an, "style") == 0) {
			style_attr(r, &nw, av);
		}
		if (nw.size > r->s->max_size)
			r->s->max_size = nw.size;
		else if (nw.size < r->s->min_size)
			r->s->min_size = nw.size;
	}
	g_array_append_val(r->styles, nw);
}

static GRegex *
face_re(void)
{
	static gsize once;
	static GRegex *re;
	if (g_once_init_enter(&once)) {
		re = g_regex_new("^\\s*[\"'.]?[a-z ][a-z -]*[a-z]\\d?[\"']?"
		    "(?:,\\s*[\"']?[a-z][a-z -]*[a-z]\\d?[\"']?)*;?$",
		    G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return re;
}

static void
str_append(GPtrArray *a, const char *t)
{
	g_string_append(a->pdata[a->len - 1], t);
}

static void
gstring_free(gpointer p)
{
	g_string_free(p, TRUE);
}

static double
dim(const char *v, double pct)
{
	/* ^(\d+)(%)?$ */
	if (v == NULL)
		return 0;
	const char *p = v;
	double d = 0;
	while (g_ascii_isdigit(*p))
		d = d * 10 + (*p++ - '0');
	if (p == v)
		return 0;
	if (*p == '%') {
		p++;
		d *= pct;
	}
	return *p == '\0' || (*p == '\n' && p[1] == '\0') ? d : 0;
}

static void
html_tests(struct replay *r, const char *tag, const struct ev *el)
{
	struct html_sa *s = r->s;
	const char *v;
	if (strcmp(tag, "font") == 0 && (v = attr(el, "face")) != NULL) {
		GRegex *re = face_re();
		if (re != NULL && !g_regex_match(re, v, 0, NULL))
			s->font_face_bad = true;
	}
	if (strcmp(tag, "img") == 0 && open_count(r, IX_A) > 0 && r->anchors->len > 0)
		str_append(r->anchors, "<img>\n");
	if (strcmp(tag, "img") == 0 && attr(el, "width") != NULL && attr(el, "height") != NULL) {
		double w = dim(attr(el, "width"), 8), h = dim(attr(el, "height"), 6);
		if (w <= 0)
			w = 200;
		if (h <= 0)
			h = 200;
		s->image_area += w * h;
	}
	if (strcmp(tag, "form") == 0 && (v = attr(el, "action")) != NULL) {
		for (const char *p = v; *p; p++)
			if (g_ascii_strncasecmp(p, "mailto:", 7) == 0) {
				s->form_action_mailto = true;
				break;
			}
	}
	if (strcmp(tag, "object") == 0 || strcmp(tag, "embed") == 0)
		s->embeds = true;
	if (strcmp(tag, "a") == 0)
		g_ptr_array_add(r->anchors, g_string_new(NULL));
	if (strcmp(tag, "title") == 0) {
		r->title_index++;
		while ((int)r->titles->len <= r->title_index)
			g_ptr_array_add(r->titles, g_string_new(NULL));
	}
	const char *he, *ct;
	if (strcmp(tag, "meta") == 0 && (he = attr(el, "http-equiv")) != NULL &&
	    (ct = attr(el, "content")) != NULL &&
	    g_regex_match_simple("Content-Type", he, G_REGEX_CASELESS, 0)) {
		GMatchInfo *mi = NULL;
		GRegex *re = g_regex_new("\\bcharset\\s*=\\s*[\"']?([^\"']+)", G_REGEX_CASELESS, 0,
		    NULL);
		if (re != NULL && g_regex_match(re, ct, 0, &mi)) {
			gchar *cs = g_match_info_fetch(mi, 1);
			/* HTML.pm's `$c .= exists $c ? " $1" : $1` makes $c
			 * before it tests it: every charset gets its space */
			gchar *n = g_strconcat(s->charsets != NULL ? s->charsets : "", " ", cs, NULL);
			g_free(s->charsets);
			s->charsets = n;
			g_free(cs);
		}
		g_match_info_free(mi);
		if (re != NULL)
			g_regex_unref(re);
	}
	if (strcmp(tag, "iframe") == 0 && (v = attr(el, "src")) != NULL) {
		/* canon_uri: blanks and NBSP trimmed; a URI left */
		const char *p = v;
		for (; *p; p++) {
			if (g_ascii_isspace(*p))
				continue;
			if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) {
				p++;
				continue;
			}
			break;
		}
		if (*p != '\0')
			s->iframe_src = true;
	}
}

static void
whitespace(struct replay *r)
{
	r->have_chunk = true;
	r->last_word = false;
}

static void
tag_event(struct replay *r, const char *tag, const struct ev *el, int num)
{
	struct html_sa *s = r->s;
	bool ns = false;
	if ((tag[0] == 'o' && tag[1] == ':') || (tag[0] == 's' && tag[1] == 't' &&
	    g_ascii_isdigit(tag[2]) && tag[3] == ':')) {
		const char *p = strchr(tag, ':') + 1;
		const char *q = p;
		while (g_ascii_isalnum(*q) || *q == '_' || *q == '-')
			q++;
		ns = q > p && (*q == '\0' || (*q == '/' && q[1] == '\0'));
	}
	unsigned tc = tag_class(tag);
	bool known = (tc & TC_KNOWN) != 0;
	int *cnt = count_of(r, tag, false);
	int n = cnt != NULL ? *cnt : -1;
	if (known || ns) {
		s->elements++;
		if (n < 0)
			s->elements_seen++;
	}
	s->tags++;
	if (n < 0)
		s->tags_seen++;
	n = (n < 0 ? 0 : n) + num;
	if (n < 0) {
		n = 0;
		s->closed_extra++;
	}
	if (cnt == NULL)
		cnt = count_of(r, tag, true);
	*cnt = n;
	if (ns)
		return;
	if (tc & (TC_KNOWN | TC_TRICK)) {
		if (tc & TC_STYLE)
			text_style(r, tag, el, num > 0);
		if (tc & TC_SPACE)
			whitespace(r);
		if (num > 0)
			html_tests(r, tag, el);
	}
}

/* The character at p (U+FFFD for a byte that starts none) and the next
 * one, never past end */
static const char *
next_char(const char *p, const char *end, gunichar *out)
{
	unsigned char b = (unsigned char)*p;
	if (b < 0x80) {
		if (out != NULL)
			*out = b;
		return p + 1;
	}
	gunichar u = g_utf8_get_char_validated(p, end - p);
	if (u == (gunichar)-1 || u == (gunichar)-2) {
		if (out != NULL)
			*out = 0xfffd;
		return p + 1;
	}
	if (out != NULL)
		*out = u;
	return g_utf8_next_char(p);
}

/* HTML.pm makes the curly double quotes U+201C and U+201D plain '"'
 * before parsing: in place */
static void
plain_quotes(char *t)
{
	char *w = t;
	for (const char *p = t; *p; ) {
		if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
		    ((unsigned char)p[2] == 0x9c || (unsigned char)p[2] == 0x9d)) {
			*w++ = '"';
			p += 3;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
}

static void
text_event(struct replay *r, char *t)
{
	plain_quotes(t);
	struct html_sa *s = r->s;
	if (open_count(r, IX_SCRIPT) > 0) {
		g_ptr_array_add(s->scripts, g_utf8_make_valid(t, -1));
		return;
	}
	if (open_count(r, IX_STYLE) > 0)
		return;
	if (open_count(r, IX_A) > 0 && r->anchors->len > 0)
		str_append(r->anchors, t);
	if (open_count(r, IX_TITLE) > 0 && r->title_index >= 0 &&
	    (guint)r->title_index < r->titles->len)
		g_string_append(r->titles->pdata[r->title_index], t);
	const char *end = t + strlen(t);
	bool uni = r->doc_utf8;
	for (const char *p = t; p < end && !uni; p = next_char(p, end, NULL))
		uni = (unsigned char)*p >= 0xc4;	/* a character past U+00FF */
	r->rendered_utf8 |= uni;
	bool nonblank = false, first = true, start_word = false;
	gunichar lastc = 0;
	for (const char *p = t; p < end; ) {
		gunichar u;
		p = next_char(p, end, &u);
		if (first)
			start_word = wordish(u, uni);
		first = false;
		if (!ascii_space(u)) {
			nonblank = true;
			r->non_space_byte++;
		}
		if (!is_space(u, true))
			r->non_space_uni++;
		lastc = u;
	}
	if (nonblank)
		font_check(r);
	if (r->have_chunk && start_word && r->last_word)
		s->obfuscation++;
	r->have_chunk = true;
	r->last_word = !first && wordish(lastc, uni);
}

static void
replay(struct html_sa *s, const struct collect *c)
{
	struct replay r = { .s = s, .basefont = 3, .title_index = -1 };
	r.anchors = g_ptr_array_new_with_free_func(gstring_free);
	r.titles = g_ptr_array_new_with_free_func(gstring_free);
	r.counts = g_array_new(FALSE, FALSE, sizeof(int));
	for (int k = 0; k < 4; k++)
		r.ix[k] = -1;
	r.doc_utf8 = c->eight_bit;
	r.rendered_utf8 = r.doc_utf8;
	r.styles = g_array_new(FALSE, FALSE, sizeof(struct style));
	struct style d = { "default", "#000000", "#ffffff", 3 };
	g_array_append_val(r.styles, d);
	char name[64];

	for (guint i = 0; i < c->evs->len; i++) {
		struct ev *e = &g_array_index(c->evs, struct ev, i);
		switch (e->kind) {
		case EV_START:
		case EV_END: {
			size_t p = e->pos + (e->kind == EV_END ? 2 : 1), k = 0;
			while (p < e->end && name_char((unsigned char)c->src[p])) {
				if (k + 1 < sizeof name)
					name[k++] = g_ascii_tolower(c->src[p]);
				p++;
			}
			name[k] = '\0';
			/* SpamAssassin first makes <\w+/> and <\w+ /> start tags */
			if (k > 1 && name[k - 1] == '/' && p < e->end && c->src[p] == '>') {
				bool w = true;
				for (size_t j = 0; j + 1 < k; j++)
					w &= g_ascii_isalnum(name[j]) || name[j] == '_';
				if (w)
					name[--k] = '\0';
			}
			if (k > 0)
				tag_event(&r, name, e->kind == EV_START ? e : NULL,
				    e->kind == EV_START ? 1 : -1);
			break;
		}
		case EV_TEXT:
			if (e->text != NULL && *e->text != '\0')
				text_event(&r, e->text);
			break;
		case EV_COMMENT: {
			/* <?...> is a processing instruction to HTML::Parser */
			if (e->end - e->pos >= 2 && c->src[e->pos + 1] == '?')
				break;
			gchar *t = g_utf8_make_valid(c->src + e->pos, (gssize)(e->end - e->pos));
			if (strstr(t, "&nbsp;") != NULL) {
				/* SpamAssassin's blanks for &nbsp; are in its comments too */
				GString *g = g_string_new(NULL);
				for (const char *q = t; *q; q++) {
					if (strncmp(q, "&nbsp;", 6) == 0) {
						g_string_append_c(g, ' ');
						q += 5;
					} else {
						g_string_append_c(g, *q);
					}
				}
				g_free(t);
				t = g_string_free(g, FALSE);
			}
			plain_quotes(t);
			g_ptr_array_add(s->comments, t);
			break;
		}
		case EV_DECL:
			s->elements++;
			s->tags++;
			*count_of(&r, "!doctype", true) = 0;
			break;
		}
	}
	/* HTML.pm closes what is left open of style and script */
	while (open_count(&r, IX_STYLE) > 0)
		tag_event(&r, "style", NULL, -1);
	while (open_count(&r, IX_SCRIPT) > 0)
		tag_event(&r, "script", NULL, -1);
	s->non_space_len = r.rendered_utf8 ? r.non_space_uni : r.non_space_byte;
	for (guint i = 0; i < r.anchors->len; i++)
		g_ptr_array_add(s->anchors, g_strdup(((GString *)r.anchors->pdata[i])->str));
	for (guint i = 0; i < r.titles->len; i++)
		g_ptr_array_add(s->titles, g_strdup(((GString *)r.titles->pdata[i])->str));
	g_ptr_array_unref(r.anchors);
	g_ptr_array_unref(r.titles);
	/* the balances */
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, s->inside);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		int n = g_array_index(r.counts, int, GPOINTER_TO_INT(v) - 1);
		g_hash_table_iter_replace(&it, GINT_TO_POINTER(n + 1));
	}
	g_array_free(r.counts, TRUE);
	g_array_free(r.styles, TRUE);
}

static bool long_comments(struct collect *c);

struct html_sa *
html_sa_collect(const GumboNode *root, const char *src, size_t parsed, size_t input_len)
{
	struct html_sa *s = g_new0(struct html_sa, 1);
	s->inside = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->comments = g_ptr_array_new_with_free_func(g_free);
	s->titles = g_ptr_array_new_with_free_func(g_free);
	s->anchors = g_ptr_array_new_with_free_func(g_free);
	s->scripts = g_ptr_array_new_with_free_func(g_free);
	s->max_size = s->min_size = 3;
	s->cut = parsed < input_len;
	unsigned char hi = 0;
	for (size_t i = 0; src != NULL && i < input_len; i++) {
		unsigned char ch = (unsigned char)src[i];
		hi |= ch;
		s->length += (ch & 0xc0) != 0x80;
	}
	for (const char *p = src, *e = src + input_len; p != NULL && p < e; p++) {
		p = memchr(p, '\r', (size_t)(e - p));
		if (p == NULL)
			break;
		s->crlf += p + 1 < e && p[1] == '\n';
	}
	if (root == NULL || src == NULL)
		return s;

	struct collect c = { .src = src, .len = parsed, .whole = parsed == input_len,
		.eight_bit = hi >= 0x80 };
	c.evs = g_array_new(FALSE, FALSE, sizeof(struct ev));
	tree(&c, root);
	g_array_sort(c.evs, cmp_ev);
	/* clones of an element (adoption agency) share its tags: once each */
	guint w = 0;
	for (guint i = 0; i < c.evs->len; i++) {
		struct ev *e = &g_array_index(c.evs, struct ev, i);
		if (w > 0) {
			struct ev *p = &g_array_index(c.evs, struct ev, w - 1);
			if (p->pos == e->pos && p->kind == e->kind && e->kind != EV_TEXT) {
				g_free(e->text);
				g_strfreev(e->kv);
				continue;
			}
		}
		g_array_index(c.evs, struct ev, w++) = *e;
	}
	g_array_set_size(c.evs, w);
	/* what lies between the pieces gumbo kept */
	size_t cur = 0, n = c.evs->len;
	for (guint i = 0; i < n; i++) {
		struct ev e = g_array_index(c.evs, struct ev, i);
		if (e.pos > cur)
			scan(&c, cur, e.pos, true);
		if (e.end > cur)
			cur = e.end;
	}
	if (cur < parsed)
		scan(&c, cur, parsed, true);
	if (c.evs->len > n)
		g_array_sort(c.evs, cmp_ev);
	if (long_comments(&c))
		g_array_sort(c.evs, cmp_ev);
	replay(s, &c);
	for (guint i = 0; i < c.evs->len; i++) {
		g_free(g_array_index(c.evs, struct ev, i).text);
		g_strfreev(g_array_index(c.evs, struct ev, i).kv);
	}
	g_array_free(c.evs, TRUE);
	return s;
}

/*
 * HTML::Parser ends a comment at the first "-->" after its "<!", where
 * gumbo (HTML5) also ends one at "--!>": such a comment runs on, over the
 * nodes gumbo made of what followed; they are dropped and the text after
 * the comment's end read again.  True when the events changed.
 */
static bool
long_comments(struct collect *c)
{
	size_t until = 0;
	bool changed = false;
	guint n = c->evs->len, w = 0;
	GArray *again = g_array_new(FALSE, FALSE, sizeof(size_t));
	for (guint i = 0; i < n; i++) {
		struct ev e = g_array_index(c->evs, struct ev, i);
		if (e.pos < until) {
			if (e.end > until) {
				g_array_append_val(again, until);
				g_array_append_val(again, e.end);
				until = e.end;
			}
			g_free(e.text);
			g_strfreev(e.kv);
			changed = true;
			continue;
		}
		if (e.kind == EV_COMMENT && e.end - e.pos >= 4 &&
		    memcmp(c->src + e.pos, "<!--", 4) == 0) {
			const char *x = g_strstr_len(c->src + e.pos + 2,
			    (gssize)(c->len - e.pos - 2), "-->");
			size_t hp = x != NULL ? (size_t)(x - c->src) + 3 : e.end;
			if (hp > e.end)
				e.end = until = hp;
		}
		g_array_index(c->evs, struct ev, w++) = e;
	}
	g_array_set_size(c->evs, w);
	for (guint i = 0; i + 1 < again->len; i += 2)
		scan(c, g_array_index(again, size_t, i), g_array_index(again, size_t, i + 1), true);
	g_array_free(again, TRUE);
	return changed;
}

bool
html_sa_value(const struct html_sa *s, const char *name, double *v)
{
	if (strcmp(name, "length") == 0)
		*v = (double)s->length;
	else if (strcmp(name, "max_size") == 0)
		*v = s->max_size;
	else if (strcmp(name, "min_size") == 0)
		*v = s->min_size;
	else if (strcmp(name, "image_area") == 0)
		*v = s->image_area;
	else if (strcmp(name, "non_space_len") == 0)
		*v = (double)s->non_space_len;
	else if (strcmp(name, "closed_extra_ratio") == 0 && s->tags > 0)
		*v = (double)s->closed_extra / s->tags;
	else if (strcmp(name, "bad_tag_ratio") == 0 && s->tags > 0 && s->elements > 0)
		*v = (double)(s->tags - s->elements) / s->tags;
	else if (strcmp(name, "non_element_ratio") == 0 && s->tags_seen > 0 &&
	    s->elements_seen > 0)
		*v = (double)(s->tags_seen - s->elements_seen) / s->tags_seen;
	else if (strcmp(name, "obfuscation_ratio") == 0 && s->tags > 0 && s->obfuscation > 0)
		*v = (double)s->obfuscation / s->tags;
	else
		return false;
	return true;
}

bool
html_sa_inside(const struct html_sa *s, const char *tag, int *n)
{
	int k = inside(s, tag);
	if (k < 0)
		return false;
	*n = k;
	return true;
}

void
html_sa_free(struct html_sa *s)
{
	if (s == NULL)
		return;
	g_hash_table_unref(s->inside);
	g_ptr_array_unref(s->comments);
	g_ptr_array_unref(s->titles);
	g_ptr_array_unref(s->anchors);
	g_ptr_array_unref(s->scripts);
	g_free(s->charsets);
	g_free(s);
}
