/*
 * quote.c - the earlier messages a body quotes, and their authors (see
 * quote.h for the forms and the rules).  Hand-scanned lines, no regular
 * expression: each line is split once, and the look-ahead of a header
 * block or a wrapped attribution is at most LOOKAHEAD lines.
 */
#include "quote.h"

#include <stdbool.h>
#include <string.h>

#include "util/text.h"

#define LOOKAHEAD 6		/* lines looked at after a From: line */
#define FOLLOW_LINES 3		/* non-blank ones among them */
#define SEP_DISTANCE 6		/* a separator counts this many lines back */
#define WRAP_LINES 3		/* an "On ... wrote:" over at most 3 lines */

/* One line: where it is, and its body without quote markers and blanks. */
struct line {
	size_t off;		/* start in the text */
	size_t next;		/* where the next line starts */
	const char *b;		/* body */
	size_t bn;
	unsigned depth;
	bool too_long;
};

enum key { K_NONE, K_FROM_EN, K_FROM_JA, K_FOLLOW };
enum sep { SEP_NONE, SEP_ORIG, SEP_365, SEP_FWD };

/* --- bytes and blanks --------------------------------------------------- */

/* The length of a blank at s[0..n) (space, tab, CR, U+3000, U+00A0), or 0. */
static size_t
blank_at(const char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r'))
		return 1;
	if (n >= 3 && (unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0x80)
		return 3;
	if (n >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	return 0;
}

/* Whether s[n-k..n) is a blank of k bytes at the end; its length or 0. */
static size_t
blank_before(const char *s, size_t n)
{
	if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		return 1;
	if (n >= 3 && blank_at(s + n - 3, 3) == 3)
		return 3;
	if (n >= 2 && (unsigned char)s[n - 2] == 0xC2 && (unsigned char)s[n - 1] == 0xA0)
		return 2;
	return 0;
}

static void
trim(const char **s, size_t *n)
{
	size_t k;

	while ((k = blank_at(*s, *n)) > 0) {
		*s += k;
		*n -= k;
	}
	while ((k = blank_before(*s, *n)) > 0)
		*n -= k;
}

static bool
has_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && g_ascii_strncasecmp(s, p, k) == 0;
}

static bool
has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && memcmp(s, p, k) == 0;
}

static bool
has_suffix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && memcmp(s + n - k, p, k) == 0;
}

static const char *
find_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; i + k <= n; i++)
		if (g_ascii_strncasecmp(s + i, p, k) == 0)
			return s + i;
	return NULL;
}

static const char *
find(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, p, k) == 0)
			return s + i;
	return NULL;
}

/* --- lines -------------------------------------------------------------- */

/* The line at off (off < len). */
static void
line_at(const char *text, size_t len, size_t off, struct line *l)
{
	const char *nl = memchr(text + off, '\n', len - off);
	size_t end = nl != NULL ? (size_t)(nl - text) : len;

	l->off = off;
	l->next = nl != NULL ? end + 1 : len;
	l->depth = 0;
	l->too_long = end - off > BEC_QUOTE_LINE_MAX;
	const char *s = text + off;
	size_t n = l->too_long ? 0 : end - off;
	for (;;) {
		size_t k = blank_at(s, n);
		if (k > 0) {
			s += k;
			n -= k;
		} else if (n >= 1 && s[0] == '>') {
			s++;
			n--;
			l->depth++;
		} else if (has_prefix(s, n, "\xEF\xBC\x9E")) {	/* ＞ */
			s += 3;
			n -= 3;
			l->depth++;
		} else {
			break;
		}
	}
	trim(&s, &n);
	l->b = s;
	l->bn = n;
}

/* --- header keys -------------------------------------------------------- */

static const char *const FOLLOW_EN[] = { "Sent", "Date", "To", "Cc", "Subject", "Reply-To" };
static const char *const FOLLOW_JA[] = { "送信日時", "日付", "宛先", "件名" };

/*
 * The header key at the start of a line body ("*From:*", "差出人 ："),
 * and where its value starts; K_NONE when the line is no header.
 */
static enum key
key_of(const char *s, size_t n, const char **val, size_t *vn)
{
	const char *p = s;
	size_t m = n;
	enum key k = K_NONE;
	size_t kl = 0;

	if (m > 0 && *p == '*') {
		p++;
		m--;
	}
	if (has_prefix_ci(p, m, "From")) {
		k = K_FROM_EN;
		kl = 4;
	} else if (has_prefix(p, m, "差出人")) {
		k = K_FROM_JA;
		kl = strlen("差出人");
	} else {
		for (size_t i = 0; i < G_N_ELEMENTS(FOLLOW_EN) && k == K_NONE; i++)
			if (has_prefix_ci(p, m, FOLLOW_EN[i])) {
				k = K_FOLLOW;
				kl = strlen(FOLLOW_EN[i]);
			}
		for (size_t i = 0; i < G_N_ELEMENTS(FOLLOW_JA) && k == K_NONE; i++)
			if (has_prefix(p, m, FOLLOW_JA[i])) {
				k = K_FOLLOW;
				kl = strlen(FOLLOW_JA[i]);
			}
	}
	if (k == K_NONE)
		return K_NONE;
	p += kl;
	m -= kl;
	if (m > 0 && *p == '*')
		p++, m--;
	size_t b;
	while ((b = blank_at(p, m)) > 0)
		p += b, m -= b;
	if (m >= 1 && *p == ':')
		p++, m--;
	else if (has_prefix(p, m, "\xEF\xBC\x9A"))	/* ： */
		p += 3, m -= 3;
	else
		return K_NONE;
	if (m > 0 && *p == '*')
		p++, m--;
	trim(&p, &m);
	*val = p;
	*vn = m;
	return k;
}

static enum sep
sep_of(const char *s, size_t n)
{
	if (n >= 10) {
		size_t i = 0;
		while (i < n && s[i] == '_')
			i++;
		if (i == n)
			return SEP_365;
	}
	if (n < 2 || s[0] != '-' || s[1] != '-')
		return SEP_NONE;
	if (find_ci(s, n, "Original Message") != NULL || find(s, n, "元のメッセージ") != NULL ||
	    find(s, n, "オリジナルメッセージ") != NULL)
		return SEP_ORIG;
	if (find_ci(s, n, "Forwarded") != NULL || find(s, n, "転送") != NULL)
		return SEP_FWD;
	return SEP_NONE;
}

/* --- the author --------------------------------------------------------- */

/*
 * s[0..n) made fit to show (text_clean_copy()) and at most max bytes:
 * an invalid byte or a NUL turns into U+FFFD, three bytes, so the copy is
 * cut again, on a character.
 */
static char *
clean(const char *s, size_t n, size_t max)
{
	char *v = text_clean_copy(s, n, max);
	size_t k = strlen(v);
	if (k > max) {
		k = max;
		while (k > 0 && ((unsigned char)v[k] & 0xC0) == 0x80)
			k--;
		v[k] = '\0';
	}
	return v;
}

static bool
addr_char(unsigned char c)
{
	return c > 0x20 && c != '<' && c != '>' && c != '[' && c != ']' && c != '(' &&
	    c != ')' && c != ',' && c != ';' && c != '"' && c != '\'' && c != 0x7f;
}

/* An address made of s[0..n): one '@', a local part, a dotted domain. */
static char *
addr_make(const char *s, size_t n)
{
	if (has_prefix_ci(s, n, "mailto:")) {
		s += 7;
		n -= 7;
	}
	if (n == 0 || n > BEC_QUOTE_ADDR_MAX)
		return NULL;
	const char *at = memchr(s, '@', n);
	if (at == NULL || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
		return NULL;
	size_t dl = n - (size_t)(at - s) - 1;
	const char *d = at + 1;
	if (dl < 3 || memchr(d, '.', dl) == NULL || d[0] == '.' || d[dl - 1] == '.')
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!addr_char((unsigned char)s[i]))
			return NULL;
	/* valid UTF-8 (an IDN), so that the copy is the bytes as they are */
	if (!g_utf8_validate(s, (gssize)n, NULL))
		return NULL;
	char *a = g_strndup(s, n);
	for (char *c = strchr(a, '@') + 1; *c != '\0'; c++)
		*c = g_ascii_tolower(*c);
	return a;
}

/* The address token starting at s (up to a character no address has). */
static char *
addr_token(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && addr_char((unsigned char)s[i]))
		i++;
	/* "mailto:" inside: "<a@b.c<mailto:a@b.c>>" stops at the second '<' */
	return addr_make(s, i);
}

static const char *const QUOTES[][2] = {
	{ "\"", "\"" }, { "'", "'" }, { "「", "」" }, { "『", "』" },
	{ "\xE2\x80\x9C", "\xE2\x80\x9D" },	/* “ ” */
};

/* The display name s[0..n) cleaned, or NULL when nothing is left. */
static char *
name_make(const char *s, size_t n)
{
	trim(&s, &n);
	while (n > 0 && (s[n - 1] == ',' || s[n - 1] == ';')) {
		n--;
		trim(&s, &n);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(QUOTES); i++) {
		size_t a = strlen(QUOTES[i][0]), b = strlen(QUOTES[i][1]);
		if (n >= a + b && has_prefix(s, n, QUOTES[i][0]) && has_suffix(s, n, QUOTES[i][1])) {
			s += a;
			n -= a + b;
			trim(&s, &n);
			break;
		}
	}
	if (n == 0)
		return NULL;
	return clean(s, n, BEC_QUOTE_NAME_MAX);
}

static bool
looks_like_addr(const char *s, size_t n)
{
	if (memchr(s, '@', n) == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (blank_at(s + i, n - i) > 0)
			return false;
	return true;
}

/*
 * Name and address of an author value s[0..n); false when neither is
 * found.
 */
static bool
author_parse(const char *s, size_t n, char **name, char **addr)
{
	*name = *addr = NULL;
	trim(&s, &n);
	if (n == 0)
		return false;
	const char *lt = memchr(s, '<', n);
	/* "[mailto:a]", "[SMTP:a]" (old Exchange), "[a]" */
	const char *mt = memchr(s, '[', n);
	if (mt != NULL && (lt == NULL || mt < lt)) {
		const char *a = mt + 1;
		size_t an = n - (size_t)(a - s);
		if (has_prefix_ci(a, an, "SMTP:"))
			a += 5, an -= 5;
		*addr = addr_token(a, an);	/* "mailto:" goes in addr_make() */
		if (*addr != NULL)
			*name = name_make(s, (size_t)(mt - s));
		else
			*name = name_make(s, n);
	} else if (lt != NULL) {
		*name = name_make(s, (size_t)(lt - s));
		const char *a = lt + 1;
		size_t an = n - (size_t)(lt - s) - 1;
		trim(&a, &an);	/* "< addr>" of a wrapped line */
		*addr = addr_token(a, an);
	} else {
		/* "addr", "addr (Name)", "Name" */
		size_t i = 0;
		while (i < n && addr_char((unsigned char)s[i]))
			i++;
		char *a = memchr(s, '@', i) != NULL ? addr_make(s, i) : NULL;
		if (a != NULL) {
			*addr = a;
			const char *r = s + i;
			size_t rn = n - i;
			trim(&r, &rn);
			if (rn >= 2 && r[0] == '(' && r[rn - 1] == ')')
				*name = name_make(r + 1, rn - 2);
		} else {
			*name = name_make(s, n);
		}
	}
	/* "a@b.c <a@b.c>": the name is the address */
	if (*name != NULL && looks_like_addr(*name, strlen(*name))) {
		if (*addr == NULL)
			*addr = addr_make(*name, strlen(*name));
		g_clear_pointer(name, g_free);
	}
	return *name != NULL || *addr != NULL;
}

/* --- attributions ------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Where the text after the last time (h:mm or hh:mm[:ss], then AM/PM, a
 * zone "+0900" or "JST," and a comma) starts in s[0..n), or NULL when
 * there is no time.
 */
static const char *
after_time(const char *s, size_t n)
{
	const char *t = NULL;
	for (size_t i = 1; i + 2 < n; i++)
		if (s[i] == ':' && is_digit(s[i - 1]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
		    (i + 3 == n || !is_digit(s[i + 3])))
			t = s + i + 3;
	if (t == NULL)
		return NULL;
	const char *e = s + n;
	if (e - t >= 3 && t[0] == ':' && is_digit(t[1]) && is_digit(t[2]))
		t += 3;
	while (t < e && (*t == ' ' || *t == '\t'))
		t++;
	if (e - t >= 2 && (g_ascii_strncasecmp(t, "AM", 2) == 0 || g_ascii_strncasecmp(t, "PM", 2) == 0) &&
	    (e - t == 2 || !g_ascii_isalpha(t[2])))
		t += 2;
	else if (e - t >= 4 && (g_ascii_strncasecmp(t, "a.m.", 4) == 0 ||
	    g_ascii_strncasecmp(t, "p.m.", 4) == 0))
		t += 4;
	while (t < e && (*t == ' ' || *t == '\t'))
		t++;
	if (e - t >= 5 && (t[0] == '+' || t[0] == '-') && is_digit(t[1]) && is_digit(t[2]) &&
	    is_digit(t[3]) && is_digit(t[4])) {
		t += 5;
	} else {
		/* a zone in capitals only when a comma follows ("JST, Name") */
		const char *z = t;
		while (z < e && z - t < 6 && g_ascii_isupper(*z))
			z++;
		if (z - t >= 2 && z < e && *z == ',')
			t = z;
	}
	while (t < e && (*t == ' ' || *t == '\t' || *t == ','))
		t++;
	return t;
}

/* The text after the last ", " of s[0..n), or NULL. */
static const char *
after_comma(const char *s, size_t n)
{
	const char *r = NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == ',' && s[i + 1] == ' ')
			r = s + i + 2;
	return r;
}

static const char *const DATE_WORDS[] = {
	"on", "at", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar",
	"apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "monday", "tuesday",
	"wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
	"march", "april", "june", "july", "august", "september", "october", "november",
	"december",
};

/*
 * Whether the word w[0..n) can be part of a date: 1 with a digit, 2 a day
 * or month name (or "On", "At"), 0 not.
 */
static int
date_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_digit(w[i]))
			return 1;
	while (n > 0 && (w[n - 1] == ',' || w[n - 1] == '.'))
		n--;
	for (size_t i = 0; i < G_N_ELEMENTS(DATE_WORDS); i++)
		if (strlen(DATE_WORDS[i]) == n && g_ascii_strncasecmp(w, DATE_WORDS[i], n) == 0)
			return 2;
	return 0;
}

/*
 * Where the author starts in an attribution's part m[0..n) before
 * "wrote:": after the last time (else at the start), then past every ", "
 * whose left side holds a digit (the rest of a date: "On 14:22 29 Aug
 * 2002, Name", "At 11:06 AM 9/18/02 -0400, Name"), then, when there was
 * no time, past leading date words up to the last with a digit ("5 Sep 2002 name@example.org";
 * "Jan Novak" stays).  A comma of the name itself
 * stays ("10:00 AM Yamada, Taro <a>").
 */
static const char *
author_start(const char *m, size_t n)
{
	const char *a = after_time(m, n);
	bool timed = a != NULL;
	if (a == NULL)
		a = m;
	for (;;) {
		size_t r = n - (size_t)(a - m);
		const char *c = after_comma(a, r);
		if (c == NULL)
			break;
		bool digit = false;
		for (const char *d = a; d < c && !digit; d++)
			digit = is_digit(*d);
		if (!digit)
			break;
		a = c;
	}
	/* without a time, leading date words up to the last one with a digit
	 * ("Jan Novak" stays; after a time, so does "P6") */
	const char *e = m + n, *w = a, *past = NULL;
	for (; !timed;) {
		const char *x = w;
		while (x < e && *x != ' ')
			x++;
		int k = x < e ? date_word(w, (size_t)(x - w)) : 0;
		if (k == 0)
			break;
		w = x + 1;
		if (k == 1)
			past = w;
	}
	return past != NULL ? past : a;
}

/* The author of an "On <date>, <author>" middle part m[0..n). */
static bool
on_author(const char *m, size_t n, char **name, char **addr)
{
	const char *a = author_start(m, n);
	return author_parse(a, n - (size_t)(a - m), name, addr);
}

/* --- the scan ----------------------------------------------------------- */

struct scan {
	const char *text;
	size_t len;
	unsigned max;
	GPtrArray *out;
	/* the last separator line */
	enum sep sep;
	size_t sep_line;
	unsigned sep_depth;
};

static void
add(struct scan *sc, char *name, char *addr, const char *form, const struct line *l)
{
	struct bec_quote *q = g_new0(struct bec_quote, 1);
	q->name = name;
	q->address = addr;
	q->form = form;
	q->offset = l->off;
	q->depth = l->depth;
	g_ptr_array_add(sc->out, q);
}

static void
quote_free(gpointer p)
{
	struct bec_quote *q = p;
	g_free(q->name);
	g_free(q->address);
	g_free(q);
}

/* Whether a header line follows the From: line l at its depth. */
static bool
header_follows(const struct scan *sc, const struct line *l)
{
	size_t off = l->next;
	unsigned seen = 0;
	for (unsigned i = 0; i < LOOKAHEAD && seen < FOLLOW_LINES && off < sc->len; i++) {
		struct line f;
		line_at(sc->text, sc->len, off, &f);
		off = f.next;
		if (f.bn == 0)
			continue;
		seen++;
		if (f.depth != l->depth)
			return false;
		const char *v;
		size_t vn;
		if (key_of(f.b, f.bn, &v, &vn) == K_FOLLOW)
			return true;
	}
	return false;
}

/* The depth of the next non-blank line after l, or -1. */
static int
next_depth(const struct scan *sc, const struct line *l)
{
	size_t off = l->next;
	for (unsigned i = 0; i < LOOKAHEAD && off < sc->len; i++) {
		struct line f;
		line_at(sc->text, sc->len, off, &f);
		off = f.next;
		if (f.bn > 0 || f.depth > 0)
			return (int)f.depth;
	}
	return -1;
}

static bool
header_block(struct scan *sc, const struct line *l, size_t lineno)
{
	const char *v;
	size_t vn;
	enum key k = key_of(l->b, l->bn, &v, &vn);
	if (k != K_FROM_EN && k != K_FROM_JA)
		return false;
	if (!header_follows(sc, l))
		return false;
	char *name, *addr;
	if (!author_parse(v, vn, &name, &addr))
		return false;
	enum sep sep = SEP_NONE;
	if (sc->sep != SEP_NONE && lineno - sc->sep_line <= SEP_DISTANCE &&
	    sc->sep_depth == l->depth)
		sep = sc->sep;
	const char *form;
	if (k == K_FROM_JA)
		form = "outlook-ja";
	else if (sep == SEP_ORIG)
		form = "outlook-en";
	else if (sep == SEP_365)
		form = "outlook-365";
	else if (sep == SEP_FWD)
		form = "forward";
	else if (l->depth > 0)
		form = "gt-header";
	else
		form = "header";
	add(sc, name, addr, form, l);
	return true;
}

/*
 * "On <date> <author> wrote:", on this line or wrapped over the next
 * ones at the same depth; *next: where the scan goes on.
 */
static bool
on_wrote(struct scan *sc, const struct line *l, size_t *next)
{
	if (!has_prefix(l->b, l->bn, "On "))
		return false;
	GString *j = NULL;
	const char *s = l->b;
	size_t n = l->bn;
	size_t off = l->next;
	for (unsigned i = 1; !has_suffix(s, n, "wrote:") && i < WRAP_LINES; i++) {
		if (off >= sc->len)
			break;
		struct line f;
		line_at(sc->text, sc->len, off, &f);
		if (f.bn == 0 || f.depth != l->depth)
			break;
		if (j == NULL)
			j = g_string_new_len(l->b, (gssize)l->bn);
		g_string_append_c(j, ' ');
		g_string_append_len(j, f.b, (gssize)f.bn);
		s = j->str;
		n = j->len;
		off = f.next;
	}
	bool ok = false;
	/* "On wrote:" shares its blank: no author part */
	if (n >= strlen("On ") + strlen(" wrote:") && has_suffix(s, n, " wrote:")) {
		char *name, *addr;
		if (on_author(s + 3, n - 3 - strlen(" wrote:"), &name, &addr)) {
			add(sc, name, addr, "on-wrote", l);
			*next = off;
			ok = true;
		}
	}
	if (j != NULL)
		g_string_free(j, TRUE);
	return ok;
}

/* "<author> wrote:" followed by a deeper quote. */
static bool
plain_wrote(struct scan *sc, const struct line *l)
{
	/* a line of on_wrote()'s that it refused is none either */
	if (!has_suffix(l->b, l->bn, " wrote:") || has_prefix(l->b, l->bn, "On "))
		return false;
	int d = next_depth(sc, l);
	if (d < 0 || (unsigned)d <= l->depth)
		return false;
	size_t n = l->bn - strlen(" wrote:");
	const char *a = author_start(l->b, n);	/* Eudora: "At 10:32 AM ..., Name" */
	char *name, *addr;
	if (!author_parse(a, n - (size_t)(a - l->b), &name, &addr))
		return false;
	add(sc, name, addr, "wrote", l);
	return true;
}

/* "2026年12月1日(月) 10:00 山田 太郎 <yamada@example.co.jp>:" */
static bool
ja_date(struct scan *sc, const struct line *l)
{
	const char *s = l->b;
	size_t n = l->bn;
	if (n < 4 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
	    !has_prefix(s + 4, n - 4, "年"))
		return false;
	size_t e = n;
	if (has_suffix(s, e, ":"))
		e -= 1;
	else if (has_suffix(s, e, "："))
		e -= 3;
	else
		return false;
	if (e == 0 || s[e - 1] != '>' || find(s, e, "月") == NULL || find(s, e, "日") == NULL)
		return false;
	const char *a = after_time(s, e);
	if (a == NULL)
		return false;
	char *name, *addr;
	if (!author_parse(a, e - (size_t)(a - s), &name, &addr))
		return false;
	if (addr == NULL) {
		g_free(name);
		return false;
	}
	add(sc, name, addr, "ja-date", l);
	return true;
}

/* "山田 太郎 さんは書きました:", "2026/12/01 10:00、「山田 太郎」さんは書きました:" */
static bool
ja_wrote(struct scan *sc, const struct line *l)
{
	static const char *const ENDS[] = {
		"さんは書きました:", "さんは書きました：", "さんは書きました。", "さんは書きました",
	};
	const char *s = l->b;
	size_t n = l->bn, e = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(ENDS) && e == 0; i++)
		if (has_suffix(s, n, ENDS[i]))
			e = n - strlen(ENDS[i]);
	if (e == 0)
		return false;
	const char *a = author_start(s, e);
	if (a != s) {
		size_t r = e - (size_t)(a - s);
		/* "10:00 に 山田", "10:00、山田" */
		trim(&a, &r);
		if (has_prefix(a, r, "に"))
			a += 3, r -= 3;
		else if (has_prefix(a, r, "、"))
			a += 3, r -= 3;
		s = a;
		e = r;
	}
	char *name, *addr;
	if (!author_parse(s, e, &name, &addr))
		return false;
	add(sc, name, addr, "ja-wrote", l);
	return true;
}

GPtrArray *
bec_quotes_find(const char *text, size_t len, unsigned max)
{
	struct scan sc = { .text = text, .len = len, .max = max };
	sc.out = g_ptr_array_new_with_free_func(quote_free);
	if (text == NULL)
		return sc.out;
	size_t lineno = 0;
	for (size_t off = 0; off < len && sc.out->len < max; lineno++) {
		struct line l;
		line_at(text, len, off, &l);
		size_t next = l.next;
		if (l.bn > 0) {
			enum sep sp = sep_of(l.b, l.bn);
			if (sp != SEP_NONE) {
				sc.sep = sp;
				sc.sep_line = lineno;
				sc.sep_depth = l.depth;
			} else if (!header_block(&sc, &l, lineno) && !on_wrote(&sc, &l, &next) &&
			    !ja_date(&sc, &l) && !ja_wrote(&sc, &l)) {
				(void)plain_wrote(&sc, &l);
			}
		}
		off = next;
	}
	return sc.out;
}

void
bec_quotes_free(GPtrArray *a)
{
	if (a != NULL)
		g_ptr_array_unref(a);
}
