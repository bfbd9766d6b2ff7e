/*
 * html.c - HTML, HTA and SVG attachments, parsed with gumbo (the HTML5
 * parsing algorithm, WHATWG HTML "Parsing HTML documents"; an SVG file
 * goes through it too, as a browser parses inline SVG, so its <script>
 * and the HTML inside <foreignObject> are seen).
 *
 * What phishing and malware mail attachments do with HTML (issue 5):
 *  - HTML smuggling: script that decodes a payload it carries (atob,
 *    charCodeAt/Uint8Array loops, fetch of a base64 data: URI), wraps it
 *    in a Blob or data: URI and makes the browser save it (msSaveOrOpenBlob,
 *    URL.createObjectURL with an <a download> click, location = blob), or
 *    a static <a download href="data:...;base64,...">: HTML_SMUGGLING.  The
 *    payload (a data: URI with base64 in an attribute, a long base64 string
 *    literal in script) is decoded and carved as a child, so the
 *    dangerous-type check, YARA and clamd see the file it would drop;
 *  - credential forms: a password field in a form posting to an absolute
 *    http(s) URL, or a password field with script that sends to one
 *    (fetch, XMLHttpRequest): HTML_CREDENTIAL_FORM;
 *  - redirects: <meta http-equiv=refresh> with a URL, script assigning an
 *    absolute URL to (window|document|top).location(.href), or calling
 *    location.replace/assign with one: HTML_REDIRECT.
 * Every absolute URL of an href, src, action, data or refresh is an
 * obj_url (bounded).
 *
 * Bounds: gumbo builds the whole tree, one allocation per node, and some
 * of its tree-construction steps walk the stack of open elements, so deep
 * nesting costs time quadratic in the number of tags (20k nested <div>
 * take seconds).  We therefore parse at most HTML_INPUT_MAX bytes and at
 * most HTML_TAGS_MAX tags (a '<' followed by a letter, '/', '!' or '?',
 * counted before parsing): the rest is not analysed, and every fact says
 * so.  The tree is walked with an explicit stack; script text, decoded
 * payloads, URLs and carved children are all capped.  No regex: plain
 * substring searches over the collected script text.
 */
#include <string.h>

#include <gumbo.h>

#include "documents.h"
#include "formats.h"

#define HTML_INPUT_MAX (8u << 20)	/* bytes given to gumbo */
#define HTML_TAGS_MAX 16384u		/* tags given to gumbo */
#define HTML_SCRIPT_MAX (8u << 20)	/* script text collected */
#define HTML_URLS_MAX 200		/* obj_url per object */
#define HTML_CARVE_MAX 16		/* payloads carved per object */
#define HTML_DECODE_MAX (4u << 20)	/* decoded bytes per payload */
#define HTML_DECODE_TOTAL (16u << 20)	/* decoded bytes per object */
#define HTML_LITERAL_MIN 1024		/* base64 literal in script */
#define HTML_DETAIL_MAX 200		/* URL or name in a detail */

struct html_ctx {
	struct obj_tree *t;
	struct mobj *o;
	struct cwalk w;
	const char *cut;	/* "" or " [...: first N analysed]" */
	GString *js;		/* script text, event handlers, javascript: */
	GString *load;		/* what runs on load: <script>, onload, onerror */
	unsigned urls;
	unsigned carved;
	size_t decoded;
	unsigned passwords;	/* password fields outside any form */
	bool emails;		/* an email field seen */
	char *dl_name;		/* a download= name seen in markup */
};

struct form {
	char *action;		/* NULL: no action attribute */
	unsigned passwords;
	bool email;
};

/* --- small string helpers -------------------------------------------- */

static bool
b64_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

static bool
starts_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && g_ascii_strncasecmp(s, p, k) == 0;
}

/* s (n bytes) without leading and trailing whitespace */
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

/* http://, https://, ftp:// or protocol-relative //host */
static bool
is_absolute(const char *s, size_t n)
{
	s = trim(s, &n);
	return starts_ci(s, n, "http://") || starts_ci(s, n, "https://") ||
	    starts_ci(s, n, "ftp://") || (n > 2 && s[0] == '/' && s[1] == '/' &&
	    s[2] != '/');
}

/* The host of an absolute URL (userinfo dropped), newly allocated. */
static char *
url_host(const char *s, size_t n)
{
	s = trim(s, &n);
	const char *p = memchr(s, ':', n);
	size_t i = 0;

	if (n > 2 && s[0] == '/' && s[1] == '/')
		i = 2;
	else if (p != NULL && (size_t)(p - s) + 3 <= n && p[1] == '/' && p[2] == '/')
		i = (size_t)(p - s) + 3;
	size_t end = i;
	while (end < n && strchr("/?#\\", s[end]) == NULL)
		end++;
	/* user:pass@host: the host is after the last '@' */
	for (size_t k = end; k > i; k--) {
		if (s[k - 1] == '@') {
			i = k;
			break;
		}
	}
	size_t h = i;
	while (h < end && s[h] != ':')
		h++;
	if (h - i > HTML_DETAIL_MAX)
		h = i + HTML_DETAIL_MAX;
	char *r = g_ascii_strdown(s + i, (gssize)(h - i));
	return r;
}

/* A printable, cut copy for a detail. */
static char *
detail_copy(const char *s, size_t n)
{
	s = trim(s, &n);
	if (n > HTML_DETAIL_MAX)
		n = HTML_DETAIL_MAX;
	char *r = g_malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		r[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	r[n] = '\0';
	return r;
}

static void
add_url(struct html_ctx *c, const char *s, size_t n)
{
	s = trim(s, &n);
	if (!is_absolute(s, n) || c->urls >= HTML_URLS_MAX)
		return;
	c->urls++;
	obj_url(c->o, s, n);
}

/* --- payloads ----------------------------------------------------------- */

/*
 * Decode base64 text (whitespace, quotes and anything outside the
 * alphabet dropped) and carve it as a child.  Bounded per payload and per
 * object.
 */
static void
carve_b64(struct html_ctx *c, const char *s, size_t n, const char *name)
{
	if (c->carved >= HTML_CARVE_MAX || c->decoded >= HTML_DECODE_TOTAL ||
	    c->w.stop)
		return;
	size_t room = HTML_DECODE_TOTAL - c->decoded;
	if (room > HTML_DECODE_MAX)
		room = HTML_DECODE_MAX;
	/* 4 characters give 3 bytes */
	size_t inmax = room / 3 * 4;
	char *clean = g_malloc(n < inmax ? n + 1 : inmax + 1);
	size_t k = 0;
	for (size_t i = 0; i < n && k < inmax; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (g_ascii_isalnum(ch) || ch == '+' || ch == '/' || ch == '=')
			clean[k++] = (char)ch;
		else if (ch == '-')
			clean[k++] = '+';	/* base64url */
		else if (ch == '_')
			clean[k++] = '/';
	}
	if (k < 4) {
		g_free(clean);
		return;
	}
	guchar *out = g_malloc(k / 4 * 3 + 3);
	gint state = 0;
	guint save = 0;
	gsize len = g_base64_decode_step(clean, k, out, &state, &save);
	g_free(clean);
	if (len > 0) {
		c->carved++;
		c->decoded += len;
		cwalk_add(&c->w, name, out, len, OBJ_FROM_EMBEDDED);
	}
	g_free(out);
}

/*
 * A data: URI: its media type and, when it is base64, its payload.
 * Returns false when s is not a data: URI.
 */
static bool
data_uri(const char *s, size_t n, const char **mime, size_t *mlen,
    const char **b64, size_t *blen)
{
	s = trim(s, &n);
	if (!starts_ci(s, n, "data:"))
		return false;
	const char *comma = memchr(s, ',', n);
	*mime = s + 5;
	*mlen = 0;
	*b64 = NULL;
	*blen = 0;
	if (comma == NULL)
		return true;
	size_t hl = (size_t)(comma - s);
	while (5 + *mlen < hl && s[5 + *mlen] != ';')
		(*mlen)++;
	if (hl >= 12 && g_ascii_strncasecmp(comma - 7, ";base64", 7) == 0) {
		*b64 = comma + 1;
		*blen = n - hl - 1;
	}
	return true;
}

/* --- the tree ------------------------------------------------------------ */

static const char *
attr(const GumboElement *e, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
	return a != NULL ? a->value : NULL;
}

static void
buf_append(GString *b, const char *s, size_t n)
{
	if (b->len >= HTML_SCRIPT_MAX)
		return;
	if (n > HTML_SCRIPT_MAX - b->len)
		n = HTML_SCRIPT_MAX - b->len;
	gsize at = b->len;
	g_string_append_len(b, s, (gssize)n);
	/* NUL bytes would end the searches early */
	for (gsize i = at; i < b->len; i++)
		if (b->str[i] == '\0')
			b->str[i] = ' ';
	g_string_append_c(b, '\n');
}

/* Script text; load: it runs when the page loads, without a click. */
static void
js_append(struct html_ctx *c, const char *s, size_t n, bool load)
{
	buf_append(c->js, s, n);
	if (load)
		buf_append(c->load, s, n);
}

/*
 * The text of a <script>: its source span when gumbo gives one (in SVG,
 * foreign content, script text may have been parsed as elements), else
 * its text children.
 */
static void
script_text(struct html_ctx *c, const GumboElement *e, const char *src, size_t len)
{
	size_t a = e->start_pos.offset + e->original_tag.length;
	size_t b = e->end_pos.offset;

	if (e->original_tag.data != NULL && e->original_tag.length > 0 &&
	    a <= b && b <= len && a >= e->start_pos.offset) {
		js_append(c, src + a, b - a, true);
		return;
	}
	for (unsigned i = 0; i < e->children.length; i++) {
		const GumboNode *k = e->children.data[i];
		if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_CDATA ||
		    k->type == GUMBO_NODE_WHITESPACE)
			js_append(c, k->v.text.text, strlen(k->v.text.text), true);
	}
}

/* <meta http-equiv=refresh content="5; url='https://...'"> */
static void
meta_refresh(struct html_ctx *c, const char *content)
{
	const char *p = content;

	while (*p != '\0' && (g_ascii_isdigit(*p) || g_ascii_isspace(*p) || *p == '.'))
		p++;
	if (*p != ';' && *p != ',')
		return;
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
		return;
	char *d = detail_copy(p, n);
	obj_fact(c->o, OBJ_FACT_HTML_REDIRECT, "meta refresh to %s%s", d, c->cut);
	g_free(d);
	add_url(c, p, n);
}

static void
element(struct html_ctx *c, const GumboElement *e, struct form *f,
    const char *src, size_t len)
{
	/* event handlers and javascript: URLs are script too */
	for (unsigned i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];
		if (g_ascii_strncasecmp(a->name, "on", 2) == 0 && a->name[2] != '\0')
			js_append(c, a->value, strlen(a->value),
			    g_ascii_strcasecmp(a->name, "onload") == 0 ||
			    g_ascii_strcasecmp(a->name, "onerror") == 0 ||
			    g_ascii_strcasecmp(a->name, "onpageshow") == 0);
		else if (g_ascii_strncasecmp(a->value, "javascript:", 11) == 0)
			js_append(c, a->value + 11, strlen(a->value + 11), false);
	}
	/* every attribute that names a resource */
	static const char *const refs[] = { "href", "src", "action", "data",
		"formaction", "background", "poster", "xlink:href", NULL };
	for (const char *const *r = refs; *r != NULL; r++) {
		const char *v = attr(e, *r);
		if (v == NULL)
			continue;
		size_t vn = strlen(v);
		add_url(c, v, vn);
		const char *mime, *b64;
		size_t mlen, blen;
		if (data_uri(v, vn, &mime, &mlen, &b64, &blen) && b64 != NULL &&
		    !starts_ci(mime, mlen, "image/") && !starts_ci(mime, mlen, "font/")) {
			const char *dl = attr(e, "download");
			carve_b64(c, b64, blen, dl != NULL && *dl != '\0' ? dl : "smuggled.bin");
		}
	}

	switch (e->tag) {
	case GUMBO_TAG_SCRIPT:
		script_text(c, e, src, len);
		break;
	case GUMBO_TAG_A: {
		const char *href = attr(e, "href");
		if (href == NULL)
			break;
		size_t hn = strlen(href);
		const char *h = trim(href, &hn);
		const char *dl = attr(e, "download");
		const char *mime, *b64;
		size_t mlen, blen;
		bool blob = starts_ci(h, hn, "blob:");
		bool data = data_uri(h, hn, &mime, &mlen, &b64, &blen);
		if (dl != NULL && (blob || (data && !starts_ci(mime, mlen, "image/")))) {
			char *m = detail_copy(*dl != '\0' ? dl : "(unnamed)", strlen(*dl != '\0' ? dl : "(unnamed)"));
			obj_fact(c->o, OBJ_FACT_HTML_SMUGGLING, "static <a download> with a %s URI: %s%s",
			    blob ? "blob:" : "data:", m, c->cut);
			g_free(m);
		} else if (data && b64 != NULL && starts_ci(mime, mlen, "application/")) {
			/* a data: link to a file: browsers save it when clicked */
			char *m = detail_copy(mime, mlen);
			obj_fact(c->o, OBJ_FACT_HTML_SMUGGLING, "link to a base64 data: URI (%s)%s",
			    m, c->cut);
			g_free(m);
		}
		break;
	}
	case GUMBO_TAG_META: {
		const char *he = attr(e, "http-equiv");
		const char *content = attr(e, "content");
		if (he != NULL && content != NULL && g_ascii_strcasecmp(he, "refresh") == 0)
			meta_refresh(c, content);
		break;
	}
	case GUMBO_TAG_INPUT: {
		const char *type = attr(e, "type");
		const char *name = attr(e, "name");
		bool pw = type != NULL && g_ascii_strcasecmp(type, "password") == 0;
		bool em = (type != NULL && g_ascii_strcasecmp(type, "email") == 0) ||
		    (name != NULL && (strstr(name, "mail") != NULL || strstr(name, "login") != NULL));
		if (f != NULL) {
			f->passwords += pw;
			f->email |= em;
		} else {
			c->passwords += pw;
			c->emails |= em;
		}
		break;
	}
	default:
		break;
	}
}

/* A form with a password field: where does it post? */
static void
form_done(struct html_ctx *c, struct form *f)
{
	if (f->passwords == 0)
		return;
	if (f->action != NULL && is_absolute(f->action, strlen(f->action))) {
		char *h = url_host(f->action, strlen(f->action));
		obj_fact(c->o, OBJ_FACT_HTML_CREDENTIAL_FORM, "%s%s", h, c->cut);
		g_free(h);
		return;
	}
	/* no action, "#" or javascript: the page's script sends it */
	c->passwords += f->passwords;
}

struct frame {
	const GumboNode *n;
	int form;		/* index in forms, or -1 */
};

static void
walk(struct html_ctx *c, const GumboNode *root, const char *src, size_t len)
{
	GArray *stack = g_array_new(FALSE, FALSE, sizeof(struct frame));
	GArray *forms = g_array_new(FALSE, TRUE, sizeof(struct form));
	struct frame top = { root, -1 };

	g_array_append_val(stack, top);
	while (stack->len > 0) {
		struct frame fr = g_array_index(stack, struct frame, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		const GumboNode *n = fr.n;
		const GumboVector *kids;

		if (n->type == GUMBO_NODE_DOCUMENT) {
			kids = &n->v.document.children;
		} else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
			const GumboElement *e = &n->v.element;
			if (e->tag == GUMBO_TAG_FORM) {
				struct form f = { 0 };
				const char *a = attr(e, "action");
				f.action = a != NULL ? g_strdup(a) : NULL;
				g_array_append_val(forms, f);
				fr.form = (int)forms->len - 1;
			}
			element(c, e, fr.form >= 0 ? &g_array_index(forms, struct form, fr.form) : NULL,
			    src, len);
			kids = &e->children;
		} else {
			continue;
		}
		/* children in document order: push them last first */
		for (unsigned i = kids->length; i > 0; i--) {
			struct frame k = { kids->data[i - 1], fr.form };
			g_array_append_val(stack, k);
		}
	}
	for (guint i = 0; i < forms->len; i++) {
		struct form *f = &g_array_index(forms, struct form, i);
		form_done(c, f);
		g_free(f->action);
	}
	g_array_free(forms, TRUE);
	g_array_free(stack, TRUE);
}

/* --- script ---------------------------------------------------------------- */

static const char *
find(const GString *s, const char *needle)
{
	return memmem(s->str, s->len, needle, strlen(needle));
}

/* The string literal after p (skipping spaces, '=', '(' and ','): its
 * contents, or NULL. */
static const char *
literal_after(const char *p, const char *end, size_t *n)
{
	while (p < end && (g_ascii_isspace(*p) || *p == '=' || *p == '(' || *p == ','))
		p++;
	if (p >= end || (*p != '"' && *p != '\'' && *p != '`'))
		return NULL;
	const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
	if (q == NULL)
		return NULL;
	*n = (size_t)(q - p - 1);
	return p + 1;
}

/* The file name the script saves under: .download = "x", the second
 * argument of msSaveOrOpenBlob/msSaveBlob, setAttribute("download", "x"). */
static char *
script_name(const GString *js)
{
	static const char *const keys[] = { ".download", "msSaveOrOpenBlob(",
		"msSaveBlob(", "\"download\"", "'download'", NULL };
	const char *end = js->str + js->len;

	for (const char *const *k = keys; *k != NULL; k++) {
		const char *p = js->str;
		while ((p = memmem(p, (size_t)(end - p), *k, strlen(*k))) != NULL) {
			p += strlen(*k);
			const char *q = p;
			if ((*k)[strlen(*k) - 1] == '(') {
				/* skip the first argument */
				int depth = 0;
				while (q < end && (depth > 0 || (*q != ',' && *q != ')'))) {
					if (*q == '(')
						depth++;
					else if (*q == ')')
						depth--;
					q++;
				}
				if (q >= end || *q != ',')
					continue;
			}
			size_t n;
			const char *lit = literal_after(q, end, &n);
			if (lit != NULL && n > 0 && n <= 255)
				return detail_copy(lit, n);
		}
	}
	return NULL;
}

static void
script_smuggling(struct html_ctx *c, const GString *js, const GString *lc)
{
	bool decode = find(js, "atob(") != NULL ||
	    (find(js, "Uint8Array") != NULL && find(js, "charCodeAt") != NULL) ||
	    (find(lc, "fetch(") != NULL && find(lc, "data:") != NULL &&
	    find(lc, ";base64,") != NULL);
	bool blob = find(js, "new Blob(") != NULL || find(js, "new Blob (") != NULL;
	bool datauri = find(lc, "data:application/") != NULL && find(lc, ";base64") != NULL;
	const char *save = NULL;

	if (find(js, "msSaveOrOpenBlob") != NULL)
		save = "msSaveOrOpenBlob";
	else if (find(js, "msSaveBlob") != NULL)
		save = "msSaveBlob";
	else if (find(js, "createObjectURL") != NULL) {
		if (find(js, ".download") != NULL || find(lc, "\"download\"") != NULL ||
		    find(lc, "'download'") != NULL)
			save = "createObjectURL+download";
		else if (find(js, ".click()") != NULL)
			save = "createObjectURL+click";
		else if (find(js, "location") != NULL)
			save = "createObjectURL+location";
	} else if (datauri && (find(js, ".download") != NULL ||
	    find(js, ".click()") != NULL || find(js, "location") != NULL))
		save = find(js, ".download") != NULL ? "download" :
		    find(js, ".click()") != NULL ? "click" : "location";
	if (!decode || !(blob || datauri) || save == NULL)
		return;
	char *name = script_name(js);
	obj_fact(c->o, OBJ_FACT_HTML_SMUGGLING, "%s+%s+%s%s%s%s", find(js, "atob(") != NULL ?
	    "atob" : "base64 decoding", blob ? "Blob" : "data: URI", save,
	    name != NULL ? ": " : "", name != NULL ? name : "", c->cut);
	g_free(c->dl_name);
	c->dl_name = name;
}

/*
 * Long base64 in script: a string literal (pieces joined with '+' are
 * joined) of at least HTML_LITERAL_MIN base64 characters, or the payload
 * of a data: URI inside a literal.
 */
static void
script_payloads(struct html_ctx *c, const GString *js)
{
	const char *s = js->str;
	size_t n = js->len;

	for (size_t i = 0; i < n && c->carved < HTML_CARVE_MAX && !c->w.stop; i++) {
		char q = s[i];
		if (q != '"' && q != '\'' && q != '`')
			continue;
		size_t j = i + 1;
		/* a data: URI's header */
		if (n - j > 5 && g_ascii_strncasecmp(s + j, "data:", 5) == 0) {
			const char *comma = memchr(s + j, ',', MIN(n - j, (size_t)256));
			if (comma != NULL && comma - (s + j) >= 12 &&
			    g_ascii_strncasecmp(comma - 7, ";base64", 7) == 0)
				j = (size_t)(comma - s) + 1;
		}
		/* pieces [ps[x], pe[x]) of one literal, joined by '+' */
		size_t start = j, count = 0, pieces = 0;
		GString *b = NULL;
		for (;;) {
			size_t k = j;
			while (k < n && b64_char((unsigned char)s[k]))
				k++;
			count += k - j;
			if (pieces > 0)
				g_string_append_len(b, s + j, (gssize)(k - j));
			if (k >= n || s[k] != q) {
				j = k;
				break;
			}
			/* "..." + "..." */
			size_t m = k + 1;
			while (m < n && g_ascii_isspace(s[m]))
				m++;
			if (m < n && s[m] == '+') {
				m++;
				while (m < n && g_ascii_isspace(s[m]))
					m++;
			} else {
				m = n;
			}
			if (m >= n || s[m] != q ||
			    count > 4 * (size_t)HTML_DECODE_MAX) {
				j = k;
				break;
			}
			if (pieces++ == 0) {
				b = g_string_new(NULL);
				g_string_append_len(b, s + start, (gssize)(k - start));
			}
			j = m + 1;
		}
		if (count >= HTML_LITERAL_MIN) {
			const char *name = c->dl_name != NULL ? c->dl_name : "smuggled.bin";
			if (b != NULL)
				carve_b64(c, b->str, b->len, name);
			else
				carve_b64(c, s + start, j - start, name);
		}
		if (b != NULL)
			g_string_free(b, TRUE);
		i = j > i ? j : i;
	}
}

/* window.location = "https://...", location.replace("https://...") ...
 * in what runs on load (a click handler that navigates is a link). */
static void
script_redirect(struct html_ctx *c, const GString *js)
{
	static const char *const keys[] = { "location.href", "location.replace",
		"location.assign", "window.location", "document.location",
		"top.location", "self.location", "location=", "location =", NULL };
	const char *end = js->str + js->len;

	for (const char *const *k = keys; *k != NULL; k++) {
		const char *p = js->str;
		while ((p = memmem(p, (size_t)(end - p), *k, strlen(*k))) != NULL) {
			p += strlen(*k);
			const char *q = p;
			/* window.location.href = : the longer key comes again */
			if (q < end && (*q == '.' || ((*k)[strlen(*k) - 1] == '=' && *q == '=')))
				continue;
			while (q < end && g_ascii_isspace(*q))
				q++;
			if (q >= end || (*q != '=' && *q != '(' && (*k)[strlen(*k) - 1] != '='))
				continue;
			if (*q == '=' && q + 1 < end && q[1] == '=')
				continue;	/* a comparison */
			size_t n;
			const char *lit = literal_after(q, end, &n);
			if (lit == NULL || !is_absolute(lit, n))
				continue;
			char *d = detail_copy(lit, n);
			obj_fact(c->o, OBJ_FACT_HTML_REDIRECT, "script sets location to %s%s", d, c->cut);
			g_free(d);
			add_url(c, lit, n);
			return;
		}
	}
}

/* A password field whose form does not post to a URL: does the script
 * send somewhere absolute? */
static void
script_exfil(struct html_ctx *c, const GString *js)
{
	static const char *const keys[] = { "fetch(", "XMLHttpRequest", ".open(",
		"$.post(", "$.ajax(", "sendBeacon(", "url:", NULL };
	const char *end = js->str + js->len;

	if (c->passwords == 0)
		return;
	if (find(js, "fetch(") == NULL && find(js, "XMLHttpRequest") == NULL &&
	    find(js, "$.ajax") == NULL && find(js, "$.post") == NULL &&
	    find(js, "sendBeacon") == NULL)
		return;
	for (const char *const *k = keys; *k != NULL; k++) {
		const char *p = js->str;
		while ((p = memmem(p, (size_t)(end - p), *k, strlen(*k))) != NULL) {
			p += strlen(*k);
			const char *q = p;
			size_t n;
			const char *lit;
			/* .open("POST", "https://...") */
			if (strcmp(*k, ".open(") == 0) {
				lit = literal_after(q, end, &n);
				if (lit == NULL)
					continue;
				q = lit + n + 1;
			}
			lit = literal_after(q, end, &n);
			if (lit == NULL || !is_absolute(lit, n))
				continue;
			char *h = url_host(lit, n);
			obj_fact(c->o, OBJ_FACT_HTML_CREDENTIAL_FORM, "%s%s", h, c->cut);
			g_free(h);
			add_url(c, lit, n);
			return;
		}
	}
}

/* --- entry -------------------------------------------------------------- */

/* How much of p to parse: HTML_INPUT_MAX bytes, HTML_TAGS_MAX tags. */
static size_t
html_parse_len(const uint8_t *p, size_t len)
{
	size_t n = len < HTML_INPUT_MAX ? len : HTML_INPUT_MAX;
	unsigned tags = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '<')
			continue;
		uint8_t c = p[i + 1];
		if (g_ascii_isalpha(c) || c == '/' || c == '!' || c == '?') {
			if (++tags > HTML_TAGS_MAX)
				return i;
		}
	}
	return n;
}

void
html_analyse(struct obj_tree *t, struct mobj *o)
{
	size_t len = html_parse_len(o->data, o->len);
	struct html_ctx c = { .t = t, .o = o };
	char *cut = NULL;

	if (len < o->len)
		cut = g_strdup_printf(" [first %zu of %zu bytes analysed]", len, o->len);
	c.cut = cut != NULL ? cut : "";
	cwalk_init(&c.w, t, o);
	c.js = g_string_new(NULL);
	c.load = g_string_new(NULL);

	GumboOptions opt = kGumboDefaultOptions;
	opt.max_errors = 0;
	GumboOutput *out = gumbo_parse_with_options(&opt, (const char *)o->data, len);
	if (out != NULL) {
		walk(&c, out->document, (const char *)o->data, len);
		gumbo_destroy_output(&opt, out);
	}

	GString *lc = g_string_new_len(c.js->str, (gssize)c.js->len);
	for (gsize i = 0; i < lc->len; i++)
		lc->str[i] = g_ascii_tolower(lc->str[i]);
	script_smuggling(&c, c.js, lc);
	script_redirect(&c, c.load);
	script_exfil(&c, c.js);
	script_payloads(&c, c.js);
	g_string_free(lc, TRUE);
	g_string_free(c.js, TRUE);
	g_string_free(c.load, TRUE);
	g_free(c.dl_name);
	g_free(cut);
}
