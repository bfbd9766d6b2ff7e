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
 * The document is parsed once, by src/html/extract.c (html_doc_parse(),
 * bounded by html_limits_default: at most 8 MiB and 16384 tags are given
 * to gumbo, the rest is not analysed and every fact says so; script text
 * is capped); this file judges from what that pass collected: the elements
 * that name a resource, in document order, the forms and their password
 * fields, the script text.  The parse is kept on the object (mobj.html,
 * its visible text and links) for the content layer, so that no later
 * stage parses the attachment again.  Decoded payloads, URLs and carved
 * children are all capped.  No regex: plain substring searches over the
 * collected script text.
 */
#include <string.h>

#include "documents.h"
#include "objects/tree_api.h"
#include "html/extract.h"

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
	unsigned urls;
	unsigned carved;
	size_t decoded;
	unsigned passwords;	/* password fields outside any form */
	char *dl_name;		/* a download= name seen in markup */
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

/* --- the elements ------------------------------------------------------ */

/* <meta http-equiv=refresh content="5; url='https://...'"> */
static void
meta_refresh(struct html_ctx *c, const char *content)
{
	size_t n;
	const char *p = html_refresh_url(content, &n);

	if (p == NULL)
		return;
	char *d = detail_copy(p, n);
	obj_fact(c->o, OBJ_FACT_HTML_REDIRECT, "meta refresh to %s%s", d, c->cut);
	g_free(d);
	add_url(c, p, n);
}

static void
element(struct html_ctx *c, const struct html_elem *e)
{
	/* every attribute that names a resource */
	for (unsigned r = 0; r < HTML_REF_COUNT; r++) {
		const char *v = e->refs[r];
		if (v == NULL)
			continue;
		size_t vn = strlen(v);
		add_url(c, v, vn);
		const char *mime, *b64;
		size_t mlen, blen;
		if (data_uri(v, vn, &mime, &mlen, &b64, &blen) && b64 != NULL &&
		    !starts_ci(mime, mlen, "image/") && !starts_ci(mime, mlen, "font/")) {
			const char *dl = e->download;
			carve_b64(c, b64, blen, dl != NULL && *dl != '\0' ? dl : "smuggled.bin");
		}
	}

	switch (e->tag) {
	case HTML_TAG_A: {
		const char *href = e->refs[HTML_REF_HREF];
		if (href == NULL)
			break;
		size_t hn = strlen(href);
		const char *h = trim(href, &hn);
		const char *dl = e->download;
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
	case HTML_TAG_META:
		if (e->refresh != NULL)
			meta_refresh(c, e->refresh);
		break;
	default:
		break;
	}
}

/* A form with a password field: where does it post? */
static void
form_done(struct html_ctx *c, const struct html_form *f)
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

/* What the parse collected, in the order the tree was walked. */
static void
judge(struct html_ctx *c, const struct html_doc *d)
{
	for (guint i = 0; i < d->elems->len; i++)
		element(c, &g_array_index(d->elems, struct html_elem, i));
	c->passwords = d->passwords;
	for (guint i = 0; i < d->forms->len; i++)
		form_done(c, &g_array_index(d->forms, struct html_form, i));
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

void
html_analyse(struct obj_tree *t, struct mobj *o)
{
	struct html_limits hl = html_limits_default;
	hl.no_sa_stats = t->lim == NULL || !t->lim->html_sa_stats;
	struct html_doc *d = html_doc_parse((const char *)o->data, o->len, &hl);
	size_t len = d->parsed;
	struct html_ctx c = { .t = t, .o = o };
	char *cut = NULL;

	if (len < o->len)
		cut = g_strdup_printf(" [first %zu of %zu bytes analysed]", len, o->len);
	c.cut = cut != NULL ? cut : "";
	cwalk_init(&c.w, t, o);
	judge(&c, d);

	GString *lc = g_string_new_len(d->js->str, (gssize)d->js->len);
	for (gsize i = 0; i < lc->len; i++)
		lc->str[i] = g_ascii_tolower(lc->str[i]);
	script_smuggling(&c, d->js, lc);
	script_redirect(&c, d->load);
	script_exfil(&c, d->js);
	script_payloads(&c, d->js);
	g_string_free(lc, TRUE);
	g_free(c.dl_name);
	g_free(cut);
	/* the visible text and the links stay for the content layer */
	html_doc_drop_analysis(d);
	html_doc_free(o->html);
	o->html = d;
}
