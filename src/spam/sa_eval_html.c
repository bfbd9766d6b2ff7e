/*
 * sa_eval_html.c - SpamAssassin's eval functions of HTMLEval and ImageInfo
 * (sa_eval.h; docs/spam.md "Eval functions").
 *
 * HTMLEval reads, for each text/html part of the message, the statistics
 * SpamAssassin's HTML.pm collects while it renders the part; mamori
 * collects the same in its one parse of the part (html/sa_stats.h) and
 * the functions read them through the content layer.  ImageInfo reads the
 * sizes of the GIF, PNG and JPEG parts from their headers, as
 * SpamAssassin does (bounded reads of the decoded part).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "html/sa_stats.h"
#include "mime/message.h"
#include "objects/object.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

/* --- the scan's HTML parts and images ----------------------------------- */

enum img_type { IMG_GIF, IMG_PNG, IMG_JPEG, IMG_ALL, IMG_TYPES };
static const char *const img_names[IMG_TYPES] = { "gif", "png", "jpeg", "all" };

/* A part SpamAssassin renders as HTML: its statistics, and its length as
 * SpamAssassin counts it */
struct html_part {
	const struct html_sa *sa;
	double length;
};

struct html_cache {
	GArray *html;		/* struct html_part: each HTML part */
	bool images_done;
	double count[IMG_TYPES], pixels[IMG_TYPES];
};

static void
cache_free(void *p)
{
	struct html_cache *h = p;
	g_array_free(h->html, TRUE);
	g_free(h);
}

/* SpamAssassin's effective type of a part: text/html when its name ends
 * in .htm, .html, .shtm or .shtml */
static bool
html_name(const char *name)
{
	if (name == NULL)
		return false;
	const char *dot = strrchr(name, '.');
	return dot != NULL && (g_ascii_strcasecmp(dot, ".htm") == 0 ||
	    g_ascii_strcasecmp(dot, ".html") == 0 || g_ascii_strcasecmp(dot, ".shtm") == 0 ||
	    g_ascii_strcasecmp(dot, ".shtml") == 0);
}

static void
part_add(struct html_cache *h, const struct html_doc *d, const struct mime_part *pt)
{
	if (d == NULL || d->sa == NULL)
		return;
	struct html_part e = { .sa = d->sa };
	/* SpamAssassin's decoded text: LF line ends, and in a multipart
	 * the line end before the boundary kept (but for base64) */
	e.length = (double)d->sa->length - (double)d->sa->crlf;
	if (pt != NULL && pt->parent != NULL && pt->parent->kind == MIME_PART_MULTIPART &&
	    (pt->encoding == NULL || g_ascii_strcasecmp(pt->encoding, "base64") != 0))
		e.length += 1;
	g_array_append_val(h->html, e);
}

static void *
cache_make(struct sa_eval_msg *m)
{
	struct html_cache *h = g_new0(struct html_cache, 1);
	h->html = g_array_new(FALSE, FALSE, sizeof(struct html_part));
	const struct content *c = m->content;
	/* SpamAssassin renders every text/html leaf that is not empty, and
	 * every part named *.html (the object tree parsed those) */
	for (guint i = 0; c != NULL && i < c->texts->len; i++) {
		const struct content_text *t = c->texts->pdata[i];
		if (t->kind != CONTENT_HTML || t->raw_len == 0)
			continue;
		const struct mime_part *pt = t->part;
		if (i >= c->n_body) {
			pt = t->obj != NULL ? t->obj->part : NULL;
			if (pt == NULL || pt->kind == MIME_PART_HTML || !(html_name(pt->filename) ||
			    (pt->type != NULL && strcmp(pt->type, "text/html") == 0)))
				continue;
		}
		part_add(h, content_html(c, t), pt);
	}
	return h;
}

static struct html_cache *
cache(struct sa_eval_msg *m)
{
	return sa_eval_cached(m, SA_SLOT_HTML, cache_make, cache_free);
}

#define SA(h, i) (g_array_index((h)->html, struct html_part, (i)).sa)

/* A statistic of part i, its length as SpamAssassin counts it */
static bool
part_value(const struct html_cache *h, guint i, const char *name, double *v)
{
	const struct html_part *e = &g_array_index(h->html, struct html_part, i);
	if (strcmp(name, "length") == 0) {
		*v = e->length;
		return true;
	}
	return html_sa_value(e->sa, name, v);
}

/* --- arguments ----------------------------------------------------------- */

/* Perl's numeric reading of a whole argument; false: not a number */
static bool
num(const char *s, double *v)
{
	char *e;
	if (s == NULL)
		return false;
	while (g_ascii_isspace(*s))
		s++;
	if (*s == '\0')
		return false;
	*v = g_ascii_strtod(s, &e);
	while (g_ascii_isspace(*e))
		e++;
	return *e == '\0' && e != s && isfinite(*v);
}

static bool
want_num(struct sa_eval_call *c, unsigned i, char *err, size_t errlen)
{
	double v;
	if (!num(c->argv[i], &v)) {
		snprintf(err, errlen, "argument %u is not a number: %s", i + 1, c->argv[i]);
		return false;
	}
	return true;
}

/* A comparison as HTMLEval evaluates it ("$val $expr" in Perl, the
 * expression made of <>=!-+, blanks and digits): one operator and an
 * integer. */
struct cmp {
	enum { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE } op;
	double rhs;
};

static bool
cmp_parse(const char *s, struct cmp *x)
{
	static const struct { const char *s; int op; } ops[] = {
		{ "<=", CMP_LE }, { ">=", CMP_GE }, { "==", CMP_EQ }, { "!=", CMP_NE },
		{ "<", CMP_LT }, { ">", CMP_GT },
	};
	while (*s == ' ')
		s++;
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(ops); k++)
		if (strncmp(s, ops[k].s, strlen(ops[k].s)) == 0)
			break;
	if (k == G_N_ELEMENTS(ops))
		return false;
	x->op = ops[k].op;
	s += strlen(ops[k].s);
	while (*s == ' ')
		s++;
	const char *d = s;
	if (*d == '-' || *d == '+')
		d++;
	if (!g_ascii_isdigit(*d))
		return false;
	while (g_ascii_isdigit(*d))
		d++;
	while (*d == ' ')
		d++;
	if (*d != '\0')
		return false;
	x->rhs = g_ascii_strtod(s, NULL);
	return true;
}

static bool
cmp_true(const struct cmp *x, double v)
{
	switch (x->op) {
	case CMP_LT: return v < x->rhs;
	case CMP_LE: return v <= x->rhs;
	case CMP_GT: return v > x->rhs;
	case CMP_GE: return v >= x->rhs;
	case CMP_EQ: return v == x->rhs;
	case CMP_NE: return v != x->rhs;
	}
	return false;
}

static bool
value_name(const char *name)
{
	static const char *const names[] = {
		"length", "max_size", "min_size", "image_area", "non_space_len",
		"closed_extra_ratio", "bad_tag_ratio", "non_element_ratio", "obfuscation_ratio",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* --- HTMLEval ------------------------------------------------------------ */

/* html_range(test, min[, max]): a value above min and at most max ("inf"
 * or absent: no bound) */
static bool
range_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!sa_eval_want_args(c, 2, 3, err, errlen))
		return false;
	if (!value_name(c->argv[0])) {
		snprintf(err, errlen, "statistic %s not collected", c->argv[0]);
		return false;
	}
	if (!want_num(c, 1, err, errlen))
		return false;
	if (c->argc == 3 && strcmp(c->argv[2], "inf") != 0 && !sa_eval_arg_undef(c, 2) &&
	    !want_num(c, 2, err, errlen))
		return false;
	return true;
}

static int
range_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct html_cache *h = cache(m);
	double min, max = INFINITY;
	num(c->argv[1], &min);
	if (c->argc == 3 && strcmp(c->argv[2], "inf") != 0 && !sa_eval_arg_undef(c, 2))
		num(c->argv[2], &max);
	for (guint i = 0; i < h->html->len; i++) {
		double v;
		if (!part_value(h, i, c->argv[0], &v))
			continue;
		if (v > min && v <= max)
			return 1;
	}
	return 0;
}

/* html_image_only(min, max): an <img> and a document of min..max
 * characters */
static bool
two_nums(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 2, 2, err, errlen) && want_num(c, 0, err, errlen) &&
	    want_num(c, 1, err, errlen);
}

static int
image_only_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct html_cache *h = cache(m);
	double min, max;
	num(c->argv[0], &min);
	num(c->argv[1], &max);
	for (guint i = 0; i < h->html->len; i++) {
		const struct html_part *e = &g_array_index(h->html, struct html_part, i);
		int n;
		if (html_sa_inside(e->sa, "img", &n) && e->length > min && e->length <= max)
			return 1;
	}
	return 0;
}

/* html_image_ratio(min, max): non-blank text characters per pixel of
 * declared image area */
static int
image_ratio_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct html_cache *h = cache(m);
	double min, max;
	num(c->argv[0], &min);
	num(c->argv[1], &max);
	for (guint i = 0; i < h->html->len; i++) {
		const struct html_sa *s = SA(h, i);
		if (!(s->image_area > 0))
			continue;
		double r = (double)s->non_space_len / s->image_area;
		if (r > min && r <= max)
			return 1;
	}
	return 0;
}

static bool
one_arg(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 1, 1, err, errlen);
}

/* html_tag_exists(tag): the tag came, start or end (as written: the
 * names are lower case) */
static int
tag_exists_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct html_cache *h = cache(m);
	for (guint i = 0; i < h->html->len; i++) {
		int n;
		if (html_sa_inside(SA(h, i), c->argv[0], &n))
			return 1;
	}
	return 0;
}

/* html_test(name): one of HTML.pm's flags */
static const char *const test_names[] = {
	"html", "embeds", "font_face_bad", "font_low_contrast", "font_invalid_color",
	"form_action_mailto",
};

static bool
test_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!one_arg(c, err, errlen))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(test_names); i++)
		if (strcmp(test_names[i], c->argv[0]) == 0)
			return true;
	if (value_name(c->argv[0]))
		return true;
	snprintf(err, errlen, "test %s not collected", c->argv[0]);
	return false;
}

static int
test_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct html_cache *h = cache(m);
	const char *t = c->argv[0];
	for (guint i = 0; i < h->html->len; i++) {
		const struct html_sa *s = SA(h, i);
		double v;
		if (strcmp(t, "html") == 0 ||
		    (strcmp(t, "embeds") == 0 && s->embeds) ||
		    (strcmp(t, "font_face_bad") == 0 && s->font_face_bad) ||
		    (strcmp(t, "font_low_contrast") == 0 && s->font_low_contrast) ||
		    (strcmp(t, "font_invalid_color") == 0 && s->font_invalid_color) ||
		    (strcmp(t, "form_action_mailto") == 0 && s->form_action_mailto) ||
		    (part_value(h, i, t, &v) && v != 0))
			return 1;
	}
	return 0;
}

/* html_eval(test, expr) and html_tag_balance(tag, expr) */
struct eval_data {
	struct cmp cmp;
	bool never;		/* a tag SpamAssassin refuses: no hit */
};

static bool
eval_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!sa_eval_want_args(c, 2, 2, err, errlen))
		return false;
	struct eval_data *d = g_new0(struct eval_data, 1);
	bool balance = strcmp(c->def->name, "html_tag_balance") == 0;
	if (balance) {
		for (const char *p = c->argv[0]; *p; p++)
			if (!g_ascii_isalnum(*p))
				d->never = true;
		d->never |= c->argv[0][0] == '\0';
	} else if (!value_name(c->argv[0])) {
		snprintf(err, errlen, "statistic %s not collected", c->argv[0]);
		g_free(d);
		return false;
	}
	/* an expression of other characters: SpamAssassin never hits */
	bool allowed = c->argv[1][0] != '\0';
	for (const char *p = c->argv[1]; *p; p++)
		if (strchr("<>=!-+ 0123456789", *p) == NULL)
			allowed = false;
	if (!allowed) {
		d->never = true;
	} else if (!cmp_parse(c->argv[1], &d->cmp)) {
		snprintf(err, errlen, "expression not supported: %s", c->argv[1]);
		g_free(d);
		return false;
	}
	c->data = d;
	return true;
}

static int
eval_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct eval_data *d = c->data;
	if (d->never)
		return 0;
	const struct html_cache *h = cache(m);
	bool balance = strcmp(c->def->name, "html_tag_balance") == 0;
	for (guint i = 0; i < h->html->len; i++) {
		const struct html_sa *s = SA(h, i);
		double v;
		int n;
		if (balance) {
			if (!html_sa_inside(s, c->argv[0], &n))
				continue;
			v = n;
		} else if (!part_value(h, i, c->argv[0], &v)) {
			continue;
		}
		if (cmp_true(&d->cmp, v))
			return 1;
	}
	return 0;
}

/* html_text_match(list, re) / html_text_not_match(list, re): a text of
 * the list (comment, anchor, title, script) matching, or not */
struct text_data {
	GRegex *re;
	int list;
};
static const char *const lists[] = { "comment", "anchor", "title", "script" };

static void
text_drop(void *p)
{
	struct text_data *d = p;
	if (d->re != NULL)
		g_regex_unref(d->re);
	g_free(d);
}

static bool
text_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!sa_eval_want_args(c, 2, 2, err, errlen))
		return false;
	int list = -1;
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		if (strcmp(lists[i], c->argv[0]) == 0)
			list = (int)i;
	if (list < 0) {
		snprintf(err, errlen, "text %s not collected", c->argv[0]);
		return false;
	}
	GError *e = NULL;
	GRegex *re = g_regex_new(c->argv[1], G_REGEX_OPTIMIZE, 0, &e);
	if (re == NULL) {
		snprintf(err, errlen, "regular expression not compiled: %s",
		    e != NULL ? e->message : "?");
		g_clear_error(&e);
		return false;
	}
	struct text_data *d = g_new0(struct text_data, 1);
	d->re = re;
	d->list = list;
	c->data = d;
	return true;
}

static const GPtrArray *
list_of(const struct html_sa *s, int list)
{
	switch (list) {
	case 0: return s->comments;
	case 1: return s->anchors;
	case 2: return s->titles;
	default: return s->scripts;
	}
}

static int
text_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct text_data *d = c->data;
	bool want = strcmp(c->def->name, "html_text_match") == 0;
	const struct html_cache *h = cache(m);
	for (guint i = 0; i < h->html->len; i++) {
		const GPtrArray *l = list_of(SA(h, i), d->list);
		for (guint k = 0; k < l->len; k++) {
			const char *t = l->pdata[k];
			char *v = g_utf8_validate(t, -1, NULL) ? NULL : g_utf8_make_valid(t, -1);
			bool hit = g_regex_match(d->re, v != NULL ? v : t, 0, NULL);
			g_free(v);
			if (hit == want)
				return 1;
		}
	}
	return 0;
}

/* html_title_subject_ratio(ratio): a title longer than ratio times the
 * Subject (in characters, the Subject's newline counted as SpamAssassin
 * counts it) */
static bool
one_num(struct sa_eval_call *c, char *err, size_t errlen)
{
	return one_arg(c, err, errlen) && want_num(c, 0, err, errlen);
}

static int
title_ratio_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	double ratio;
	num(c->argv[0], &ratio);
	GString *subj = g_string_new(NULL);
	if (m->fields != NULL)
		sa_header_values(m->fields, "Subject", false, subj);
	long sl = g_utf8_strlen(subj->str, (gssize)subj->len);
	g_string_free(subj, TRUE);
	if (sl == 0)
		return 0;
	const struct html_cache *h = cache(m);
	for (guint i = 0; i < h->html->len; i++) {
		const struct html_sa *s = SA(h, i);
		double max = 0;
		for (guint k = 0; k < s->titles->len; k++) {
			const char *t = s->titles->pdata[k];
			/* Perl: a title "" or "0" is false */
			if (t[0] == '\0' || strcmp(t, "0") == 0)
				continue;
			double r = (double)g_utf8_strlen(t, -1) / (double)sl;
			if (r > max)
				max = r;
		}
		if (max > ratio)
			return 1;
	}
	return 0;
}

/* html_charset_faraway(): meta charsets foreign to ok_locales (never
 * with ok_locales all, the default) */
static bool
charset_ok(const char *cs0, const char *const *locales)
{
	static const struct { const char *loc, *sets; } for_locale[] = {
		{ "ja", " EUCJP JISX020119760 JISX020819830 JISX020819900 JISX020819970 "
		    "JISX021219900 JISX021320001 JISX021320002 SHIFT_JIS SHIFTJIS ISO2022JP SJIS "
		    "JIS7 JISX0201 JISX0208 JISX0212 " },
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
	GString *cs = g_string_new(NULL);
	for (const char *p = cs0; *p; p++)
		if (g_ascii_isalnum(*p))
			g_string_append_c(cs, g_ascii_toupper(*p));
	if (g_str_has_prefix(cs->str, "3D"))
		g_string_erase(cs, 0, 2);
	const char *c = cs->str;
	bool ok = strcmp(c, "USASCII") == 0 || strcmp(c, "ASCII") == 0 ||
	    g_str_has_prefix(c, "ISO8859") || g_str_has_prefix(c, "ISO10646") ||
	    g_str_has_prefix(c, "UTF") || g_str_has_prefix(c, "UCS") ||
	    g_str_has_prefix(c, "CP125") || g_str_has_prefix(c, "WINDOWS") ||
	    strcmp(c, "IBM852") == 0 || g_str_has_prefix(c, "UNICODE11UTF7") ||
	    g_str_has_prefix(c, "UNICODE11UTF8") || strcmp(c, "XUNKNOWN") == 0 ||
	    strcmp(c, "ISO") == 0;
	for (const char *const *l = locales; !ok && *l != NULL; l++) {
		char loc[3] = { 0 };
		if (g_ascii_islower((*l)[0]) && g_ascii_islower((*l)[1])) {
			loc[0] = (*l)[0];
			loc[1] = (*l)[1];
		} else if (strcmp(*l, "C") == 0) {
			strcpy(loc, "en");
		} else {
			continue;
		}
		for (size_t i = 0; i < G_N_ELEMENTS(for_locale); i++) {
			if (strcmp(for_locale[i].loc, loc) != 0 || *c == '\0')
				continue;
			char *k = g_strdup_printf(" %s ", c);
			ok = strstr(for_locale[i].sets, k) != NULL;
			g_free(k);
		}
	}
	g_string_free(cs, TRUE);
	return ok;
}

static int
faraway_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const GPtrArray *set = m->rs != NULL && m->rs->settings != NULL ?
	    g_hash_table_lookup(m->rs->settings, "ok_locales") : NULL;
	const char *ok = set != NULL && set->len > 0 ? set->pdata[set->len - 1] : "all";
	gchar **locales = sa_eval_split_ws(ok);
	bool all = false;
	for (gchar **l = locales; *l != NULL; l++)
		all |= strcmp(*l, "all") == 0;
	int hit = 0;
	const struct html_cache *h = all ? NULL : cache(m);
	for (guint i = 0; h != NULL && i < h->html->len && !hit; i++) {
		const struct html_sa *s = SA(h, i);
		if (s->charsets == NULL)
			continue;
		/* Perl's split(/\s+/): a leading empty field, no trailing ones */
		gchar **cs = sa_eval_split_ws(s->charsets);
		unsigned okay = 0, bad = 0, n = g_strv_length(cs);
		while (n > 0 && cs[n - 1][0] == '\0')
			n--;
		for (unsigned k = 0; k < n; k++) {
			if (charset_ok(cs[k], (const char *const *)locales))
				okay++;
			else
				bad++;
		}
		g_strfreev(cs);
		hit = bad > 0 && bad >= okay;
	}
	g_strfreev(locales);
	return hit;
}

/* check_iframe_src(): an <iframe src> */
static int
iframe_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const struct html_cache *h = cache(m);
	for (guint i = 0; i < h->html->len; i++)
		if (SA(h, i)->iframe_src)
			return 1;
	return 0;
}

static bool
no_args(struct sa_eval_call *c, char *err, size_t errlen)
{
	return sa_eval_want_args(c, 0, 0, err, errlen);
}

/* --- ImageInfo ----------------------------------------------------------- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The pixels of an image as ImageInfo.pm reads its header (0: none). */
static double
image_pixels(int type, const uint8_t *p, size_t n)
{
	double w = 0, h = 0;
	if (type == IMG_GIF) {
		if (n >= 10 && memcmp(p, "GIF8", 4) == 0 && (p[4] == '7' || p[4] == '9') &&
		    p[5] == 'a') {
			w = p[6] | p[7] << 8;
			h = p[8] | p[9] << 8;
		}
	} else if (type == IMG_PNG) {
		if (n < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0)
			return 0;
		/* ImageInfo steps 8 bytes at a time past a chunk that is not
		 * the IHDR (it reads chunk headers only) */
		for (size_t pos = 8; pos < n; pos += 8) {
			if (n - pos < 8)
				break;
			uint32_t len = be32(p + pos);
			if (memcmp(p + pos + 4, "IEND", 4) == 0)
				break;
			if (memcmp(p + pos + 4, "IHDR", 4) != 0 || len != 13)
				continue;
			if (n - pos - 8 >= 8) {
				w = be32(p + pos + 8);
				h = be32(p + pos + 12);
			}
			break;
		}
	} else if (type == IMG_JPEG) {
		if (n < 2 || p[0] != 0xff || p[1] != 0xd8)
			return 0;
		size_t pos = 2;
		while (n - pos >= 4) {
			unsigned mark = p[pos + 1], len = (unsigned)p[pos + 2] << 8 | p[pos + 3];
			if (p[pos] != 0xff || mark == 0xda || mark == 0xd9 || len < 2)
				break;
			pos += 4;
			size_t blen = MIN((size_t)len - 2, n - pos);
			if ((mark >= 0xc0 && mark <= 0xc3) || (mark >= 0xc5 && mark <= 0xc7) ||
			    (mark >= 0xc9 && mark <= 0xcb) || (mark >= 0xcd && mark <= 0xcf)) {
				if (blen >= 5) {
					h = (unsigned)p[pos + 1] << 8 | p[pos + 2];
					w = (unsigned)p[pos + 3] << 8 | p[pos + 4];
				}
				break;
			}
			pos += blen;
		}
	}
	return w > 0 && h > 0 ? w * h : 0;
}

static void
images(struct sa_eval_msg *m, struct html_cache *h)
{
	if (h->images_done)
		return;
	h->images_done = true;
	for (guint i = 0; m->msg != NULL && m->msg->parts != NULL && i < m->msg->parts->len; i++) {
		const struct mime_part *pt = m->msg->parts->pdata[i];
		if (pt->type == NULL || pt->data == NULL || pt->kind == MIME_PART_MULTIPART ||
		    pt->kind == MIME_PART_MESSAGE || pt->origin != MIME_ORIGIN_MIME)
			continue;
		int t;
		if (strcmp(pt->type, "image/gif") == 0)
			t = IMG_GIF;
		else if (strcmp(pt->type, "image/png") == 0)
			t = IMG_PNG;
		else if (strcmp(pt->type, "image/jpeg") == 0 || strcmp(pt->type, "image/jpg") == 0)
			t = IMG_JPEG;
		else
			continue;
		/* only base64 parts */
		if (pt->encoding == NULL || g_ascii_strcasecmp(pt->encoding, "base64") != 0)
			continue;
		double px = image_pixels(t, pt->data, pt->len);
		h->count[t]++;
		h->count[IMG_ALL]++;
		h->pixels[t] += px;
		h->pixels[IMG_ALL] += px;
	}
}

/* image_count(type, min[, max]), pixel_coverage(type, min[, max]),
 * image_to_text_ratio(type, min, max) */
static bool
image_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	bool ratio = strcmp(c->def->name, "image_to_text_ratio") == 0;
	if (!sa_eval_want_args(c, ratio ? 3 : 2, 3, err, errlen) || !want_num(c, 1, err, errlen) ||
	    (c->argc == 3 && !sa_eval_arg_undef(c, 2) && !want_num(c, 2, err, errlen)))
		return false;
	return true;
}

static int
img_type(const char *s)
{
	for (int t = 0; t < IMG_TYPES; t++)
		if (strcmp(img_names[t], s) == 0)
			return t;
	return -1;
}

/* ImageInfo's result_check() */
static bool
result_check(const struct sa_eval_call *c, double v, bool nomaxequal)
{
	double min, max;
	num(c->argv[1], &min);
	if (v < min)
		return false;
	if (c->argc == 3 && !sa_eval_arg_undef(c, 2)) {
		num(c->argv[2], &max);
		if (v > max || (nomaxequal && v == max))
			return false;
	}
	return true;
}

static int
image_count_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	int t = img_type(c->argv[0]);
	if (t < 0)
		return 0;
	struct html_cache *h = cache(m);
	images(m, h);
	return result_check(c, strcmp(c->def->name, "image_count") == 0 ? h->count[t] :
	    h->pixels[t], false);
}

/* the rule's type (body or rawbody): what text is measured */
static enum sa_type
rule_type(const struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct sa_rule *r = m->rs != NULL && m->rs->by_name != NULL ?
	    g_hash_table_lookup(m->rs->by_name, c->rule) : NULL;
	return r != NULL ? r->type : SA_BODY;
}

static int
image_ratio_text_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	int t = img_type(c->argv[0]);
	if (t < 0)
		return 0;
	struct html_cache *h = cache(m);
	images(m, h);
	double len = 0;
	if (rule_type(m, c) == SA_RAWBODY) {
		/* the decoded text parts, line ends LF */
		for (guint i = 0; m->msg != NULL && i < m->msg->parts->len; i++) {
			const struct mime_part *pt = m->msg->parts->pdata[i];
			if (pt->data == NULL || pt->type == NULL ||
			    !(g_str_has_prefix(pt->type, "text/") ||
			    g_str_has_prefix(pt->type, "message/")) ||
			    strcmp(pt->type, "text/calendar") == 0 ||
			    pt->kind == MIME_PART_MESSAGE)
				continue;
			size_t n = MIN(pt->len, (size_t)500000);
			for (size_t k = 0; k < n; k++)
				if (!(pt->data[k] == '\r' && k + 1 < pt->len && pt->data[k + 1] == '\n'))
					len++;
		}
	} else {
		for (guint i = 0; m->body != NULL && i < m->body->len; i++)
			len += (double)strlen(m->body->pdata[i]);
	}
	if (!(len > 0 && h->pixels[t] > 0))
		return 0;
	return result_check(c, len / h->pixels[t], true);
}

static const struct sa_eval_def defs[] = {
	{ "html_range", range_prepare, NULL, range_run },
	{ "html_image_only", two_nums, NULL, image_only_run },
	{ "html_image_ratio", two_nums, NULL, image_ratio_run },
	{ "html_tag_exists", one_arg, NULL, tag_exists_run },
	{ "html_test", test_prepare, NULL, test_run },
	{ "html_eval", eval_prepare, g_free, eval_run },
	{ "html_tag_balance", eval_prepare, g_free, eval_run },
	{ "html_text_match", text_prepare, text_drop, text_run },
	{ "html_text_not_match", text_prepare, text_drop, text_run },
	{ "html_title_subject_ratio", one_num, NULL, title_ratio_run },
	{ "html_charset_faraway", no_args, NULL, faraway_run },
	{ "check_iframe_src", no_args, NULL, iframe_run },
	{ "image_count", image_prepare, NULL, image_count_run },
	{ "pixel_coverage", image_prepare, NULL, image_count_run },
	{ "image_to_text_ratio", image_prepare, NULL, image_ratio_text_run },
};

const struct sa_eval_family sa_eval_html_family = {
	.name = "HTMLEval, ImageInfo",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
