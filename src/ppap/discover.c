/*
 * discover.c - candidate passwords in a mail's text (discover.h; the
 * phrasings and the ranking are described in docs/ppap.md, "Finding the
 * password").
 *
 * One pass over the lines of a text.  Each line is NFKC-normalised (lines
 * of plain ASCII are left as they are) and an ASCII-lowered copy is
 * searched for the keywords of kw_table.  After a keyword comes, in order
 * of trust:
 *  - a separator (":", "=", "は", "is", a closing 】 after 【パスワード) and a
 *    value on the same line, or a bracketed value 「…」 (tier T_EXPLICIT);
 *  - nothing, a filler (です), or an announcement (以下の通りです, below,
 *    をお知らせします): the value is on the next non-empty line (T_NEXT);
 *  - no separator, a value that looks like a password (T_LOOSE).
 * "パスワードは別途お送りします" and the like stop the search (negatives).
 * Candidates are collected with their tier and document order, sorted,
 * and added to the pw_list best first.
 *
 * Bounds (all below): bytes and lines read per text, text parts per
 * message, candidates kept per tier.  The visible text of an HTML part
 * comes from the scan's content layer (content/content.h: one gumbo parse
 * per part, 16384 tags at most): of a part cut at DISC_TEXT_MAX bytes or
 * by DISC_MESSAGE_MAX, the text of the nodes that start before the cut.
 * Every step is linear in the text: the only look-backs and look-aheads
 * are bounded by DISC_SPAN_MAX bytes.
 */
#include <string.h>

#include "content/content.h"
#include "discover.h"

#define DISC_TEXT_MAX (256u << 10)	/* bytes read per text or part */
#define DISC_LINES_MAX 20000u		/* lines read per text or part */
#define DISC_PARTS_MAX 32u		/* text/html parts read per message */
#define DISC_MESSAGE_MAX (512u << 10)	/* bytes of text read per message */
#define DISC_SUBJECT_MAX 2048u		/* bytes of a subject read */
#define DISC_PW_MIN 4			/* characters of a candidate */
#define DISC_PW_MAX 64
#define DISC_CANDS_MAX 100u		/* max is clamped to this */
#define DISC_BLANK_MAX 3u		/* blank lines between keyword and value */
#define DISC_SPAN_MAX 256u		/* bytes searched around a keyword */
#define DISC_FOR_SPAN 120u		/* "password for X is": bytes of X */
#define DISC_NORM_CHUNK 1024u		/* bytes given to g_utf8_normalize */
#define DISC_KW_MAX 2000u		/* keywords looked at per text or part */
#define DISC_KW_LINE_MAX 32u		/* keywords looked at per line */

enum tier {
	T_EXPLICIT,	/* keyword, separator or brackets, value: body */
	T_SUBJECT,	/* the same in the Subject */
	T_NEXT,		/* value on the line after the keyword line */
	T_LOOSE,	/* keyword, value without separator */
	T_COUNT
};

/* --- keywords ------------------------------------------------------------ */

struct kw {
	const char *s;		/* NFKC, Latin lower case */
	const char *label;	/* shown in where */
	bool latin;		/* needs word boundaries */
};

/* Longest first among those that share a start. */
static const struct kw kw_table[] = {
	{ "解凍用パスワード", "解凍用パスワード", false },
	{ "解凍パスワード", "解凍パスワード", false },
	{ "暗号化パスワード", "暗号化パスワード", false },
	{ "解凍用キー", "解凍用キー", false },
	{ "解凍キー", "解凍キー", false },
	{ "パスワード", "パスワード", false },
	{ "パスコード", "パスコード", false },
	{ "暗証番号", "暗証番号", false },
	{ "password", "password", true },
	{ "passwort", "Passwort", true },
	{ "passcode", "passcode", true },
	{ "passwd", "passwd", true },
	{ "kennwort", "Kennwort", true },
	{ "pass", "pass", true },
	{ "pwd", "PWD", true },
	{ "p/w", "P/W", true },
	{ "pw", "PW", true },
};

static bool
is_alnum(unsigned char c)
{
	return g_ascii_isalnum(c);
}

static bool
has_prefix(const char *s, size_t n, size_t at, const char *pre)
{
	size_t l = strlen(pre);
	return at <= n && n - at >= l && memcmp(s + at, pre, l) == 0;
}

static bool
has_suffix(const char *s, size_t at, const char *suf)
{
	size_t l = strlen(suf);
	return at >= l && memcmp(s + at - l, suf, l) == 0;
}

/* The keyword at lc[at] (lower-cased NFKC text), its end in *end. */
static const struct kw *
kw_at(const char *lc, size_t n, size_t at, size_t *end)
{
	unsigned char c = (unsigned char)lc[at];

	if (c != 0xe8 && c != 0xe6 && c != 0xe3 && c != 'p' && c != 'k')
		return NULL;	/* first bytes of 解 暗 パ, p, k */
	for (size_t i = 0; i < G_N_ELEMENTS(kw_table); i++) {
		const struct kw *k = &kw_table[i];
		if (!has_prefix(lc, n, at, k->s))
			continue;
		size_t e = at + strlen(k->s);
		if (k->latin) {
			if (at > 0 && is_alnum((unsigned char)lc[at - 1]))
				continue;
			/* "passwords", "pws" */
			if (e < n && lc[e] == 's' && (e + 1 >= n || !is_alnum((unsigned char)lc[e + 1])))
				e++;
			if (e < n && is_alnum((unsigned char)lc[e]))
				continue;
		}
		*end = e;
		return k;
	}
	return NULL;
}

/* Whether the keyword at at sits inside a URL or an address. */
static bool
kw_in_url(const char *lc, size_t at)
{
	size_t lo = at > DISC_SPAN_MAX ? at - DISC_SPAN_MAX : 0;
	size_t a = at;

	while (a > lo && lc[a - 1] != ' ' && lc[a - 1] != '\t')
		a--;
	for (size_t i = a; i + 3 <= at; i++)
		if (memcmp(lc + i, "://", 3) == 0)
			return true;
	return has_prefix(lc, at, a, "www.") || (at > a && lc[at - 1] == '@');
}

/* --- phrases ------------------------------------------------------------- */

/* The value is elsewhere: nothing on this line nor the next. */
static const char *const negatives[] = {
	"別途", "別メール", "別のメール", "別送", "別便", "後ほど", "後程", "追って",
	"改めて", "次のメール", "次メール", "後のメール", "別にお送り", "お電話",
	"separately", "separate", "another mail", "another e-mail", "another email",
	"following mail", "following e-mail", "following email", "following message",
	"next mail", "next e-mail", "next email", "later", "to follow", "will be sent",
	"reset", "expire", "change",
};

/* Words just before a keyword that make it a topic ("reset your
 * password"), not an announcement. */
static const char *const topics[] = {
	"reset", "expir", "change", "forgot", "update", "verify", "locked", "recover",
	"リセット", "変更", "再設定", "忘れ", "初期化", "再発行",
};
#define DISC_TOPIC_SPAN 48u	/* bytes before a keyword searched for them */

/* The value follows on the next line. */
static const char *const announces[] = {
	"以下", "下記", "次の通り", "次のとおり", "お知らせ", "ご連絡", "ご案内",
	"お送りします", "お送りいたします", "お送り致します", "送付します",
	"送付いたします", "送付致します", "通り", "とおり",
	"below", "follows", "following", "as follow",
};

/* Words after a value that say nothing ("abc123 です。"). */
static const char *const fillers[] = {
	"でございます", "になります", "となります", "です", "は", "。", "、",
};

static bool
contains_any(const char *s, size_t n, const char *const *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++) {
		size_t l = strlen(list[i]);
		if (l <= n && memmem(s, n, list[i], l) != NULL)
			return true;
	}
	return false;
}

/* Whether [p, n) holds nothing but fillers, blanks and punctuation. */
static bool
only_fillers(const char *s, size_t p, size_t n)
{
	while (p < n) {
		unsigned char c = (unsigned char)s[p];
		if (c == ' ' || c == '\t' || c == '.' || c == ',' || c == ':' || c == '!' ||
		    c == ')' || c == '-') {
			p++;
			continue;
		}
		size_t i;
		for (i = 0; i < G_N_ELEMENTS(fillers); i++)
			if (has_prefix(s, n, p, fillers[i]))
				break;
		if (i == G_N_ELEMENTS(fillers))
			return false;
		p += strlen(fillers[i]);
	}
	return true;
}

/* Brackets around a value: NFKC forms (（→( ［→[ ＜→<). */
struct br {
	const char *open, *close;
};

static const struct br brackets[] = {
	{ "「", "」" }, { "『", "』" }, { "【", "】" }, { "〔", "〕" }, { "《", "》" },
	{ "〈", "〉" }, { "“", "”" }, { "‘", "’" }, { "[", "]" }, { "(", ")" },
	{ "<", ">" }, { "\"", "\"" }, { "'", "'" }, { "«", "»" },
};

static const struct br *
open_br_at(const char *s, size_t n, size_t at)
{
	for (size_t i = 0; i < G_N_ELEMENTS(brackets); i++)
		if (has_prefix(s, n, at, brackets[i].open))
			return &brackets[i];
	return NULL;
}

/* The position of b's closing bracket from at on, within DISC_SPAN_MAX. */
static const char *
find_close(const char *s, size_t n, size_t at, const struct br *b)
{
	size_t lim = n - at > DISC_SPAN_MAX ? DISC_SPAN_MAX : n - at;
	return memmem(s + at, lim, b->close, strlen(b->close));
}

/* The end of what is searched from p on: DISC_SPAN_MAX bytes at most. */
static size_t
span_end(size_t p, size_t n)
{
	return n - p > DISC_SPAN_MAX ? p + DISC_SPAN_MAX : n;
}

static size_t
skip_ws(const char *s, size_t n, size_t p)
{
	while (p < n && (s[p] == ' ' || s[p] == '\t'))
		p++;
	return p;
}

/* A separator after a keyword at p: its length, or 0. */
static size_t
sep_at(const char *lc, size_t n, size_t p)
{
	static const char *const seps[] = { ":", "=", "は", "→", "⇒", "->", "-", "lautet", "is", "ist" };

	for (size_t i = 0; i < G_N_ELEMENTS(seps); i++) {
		if (!has_prefix(lc, n, p, seps[i]))
			continue;
		size_t e = p + strlen(seps[i]);
		if (g_ascii_isalpha(seps[i][0]) && e < n && is_alnum((unsigned char)lc[e]))
			continue;
		/* "PW - abc", not "password-protected", "pass-through" */
		if (seps[i][0] == '-' && seps[i][1] == '\0' && (p == 0 || lc[p - 1] != ' ') &&
		    (e >= n || lc[e] != ' '))
			continue;
		return e - p;
	}
	return 0;
}

/* --- candidates ---------------------------------------------------------- */

static const char *const stop_words[] = {
	"below", "follows", "following", "separately", "separate", "sent", "send",
	"later", "same", "previous", "another", "email", "e-mail", "mail", "please",
	"protected", "required", "here", "reset", "link", "none", "unknown", "your",
	"this", "that", "attached", "attachment", "file", "files", "the", "see",
	"next", "change", "expired", "expires", "expire", "update", "thanks",
	"thank", "regards", "best", "sincerely", "cheers", "dear", "hello", "null",
	"n/a", "tbd", "http", "https", "mailto", "below:", "same as", "empty", "blank",
	"password", "passwords", "passwd", "pass", "pwd", "p/w", "passcode",
	"kennwort", "passwort", "lautet", "will", "have", "been", "with", "from",
	"zip", "file:", "sender", "admin", "user", "login", "account",
};

/* Bracketed non-ASCII values that are words, not passwords. */
static const char *const stop_phrases[] = {
	"別途", "別メール", "別送", "お送り", "送付", "後ほど", "後程", "以下", "下記",
	"パスワード", "解凍", "半角", "全角", "英数", "大文字", "小文字", "記号", "文字",
	"桁", "年", "月", "日", "様", "について", "お知らせ", "ご連絡",
};

static const char *const archive_exts[] = {
	".zip", ".7z", ".lzh", ".rar", ".pdf", ".doc", ".docx", ".xls", ".xlsx",
	".ppt", ".pptx", ".txt", ".csv", ".exe", ".html", ".htm", ".jpg", ".png",
};

/* Digits and separators only, with a separator: a date, time, phone... */
static bool
date_like(const char *s, size_t n)
{
	bool sep = false;

	for (size_t i = 0; i < n; i++) {
		if (g_ascii_isdigit(s[i]))
			continue;
		if (s[i] == '/' || s[i] == '-' || s[i] == '.' || s[i] == ':')
			sep = true;
		else
			return false;
	}
	return sep;
}

static bool
email_like(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (at == NULL || at == s)
		return false;
	const char *dot = memchr(at, '.', n - (size_t)(at - s));
	return dot != NULL && dot > at + 1 && dot + 1 < s + n;
}

/* Letters only (ASCII). */
static bool
all_alpha(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalpha(s[i]))
			return false;
	return true;
}

/* What a loose value must look like: a digit, a symbol or mixed case. */
static bool
password_like(const char *s, size_t n)
{
	bool upper = false, lower = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (g_ascii_isdigit(c) || (c > 0x20 && c < 0x7f && !g_ascii_isalpha(c)))
			return true;
		upper |= g_ascii_isupper(c);
		lower |= g_ascii_islower(c);
	}
	return upper && lower && n >= 6 && !(g_ascii_isupper(s[0]) && !g_ascii_isupper(s[1]));
}

/* Whether [a, b) of NFKC text can be a password. */
static bool
cand_ok(const char *s, size_t n, bool bracketed)
{
	glong chars = g_utf8_strlen(s, (gssize)n);
	bool ascii = true, alnum = false, same = true;

	if (chars < DISC_PW_MIN || chars > DISC_PW_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == ' ' && !bracketed)
			return false;
		if (c >= 0x80)
			ascii = false;
		alnum |= is_alnum(c) || c >= 0x80;
		same &= c == (unsigned char)s[0];
	}
	if (!ascii && !bracketed)
		return false;
	if (!alnum || same)
		return false;	/* "****", "xxxx", "0000" as a mask */
	if (!ascii)
		return !contains_any(s, n, stop_phrases, G_N_ELEMENTS(stop_phrases));
	if (memchr(s, ' ', n) != NULL && !password_like(s, n))
		return false;	/* words in brackets */
	char *lc = g_ascii_strdown(s, (gssize)n);
	bool ok = true;
	for (size_t i = 0; ok && i < G_N_ELEMENTS(stop_words); i++)
		ok = strcmp(lc, stop_words[i]) != 0;
	for (size_t i = 0; ok && i < G_N_ELEMENTS(archive_exts); i++)
		ok = !g_str_has_suffix(lc, archive_exts[i]);
	if (ok && (strstr(lc, "://") != NULL || g_str_has_prefix(lc, "www.") ||
	    email_like(lc, n) || date_like(lc, n)))
		ok = false;
	if (ok) {
		size_t e;
		const struct kw *k = kw_at(lc, n, 0, &e);
		if (k != NULL && (e == n || lc[e] == ':' || lc[e] == '='))
			ok = false;	/* the keyword itself, "pw:..." */
	}
	g_free(lc);
	return ok;
}

struct dcand {
	char *pw;
	char *where;
	unsigned tier;
	guint64 seq;
};

/* Candidates of one text or message, ranked when flushed. */
struct disc {
	GPtrArray *cands;	/* struct dcand * */
	GHashTable *by_pw;	/* pw -> struct dcand * */
	unsigned per_tier[T_COUNT];
	unsigned cap;		/* per tier */
	unsigned max;		/* added to the pw_list */
	guint64 seq;
	bool subject;		/* reading the Subject */
};

static void
dcand_free(gpointer p)
{
	struct dcand *c = p;

	g_free(c->pw);
	g_free(c->where);
	g_free(c);
}

/* have: candidates the pw_list holds already (they may come again) */
static void
disc_init(struct disc *d, unsigned max, unsigned have)
{
	memset(d, 0, sizeof *d);
	d->cands = g_ptr_array_new_with_free_func(dcand_free);
	d->by_pw = g_hash_table_new(g_str_hash, g_str_equal);
	d->max = max < DISC_CANDS_MAX ? max : DISC_CANDS_MAX;
	d->cap = d->max + (have < DISC_CANDS_MAX ? have : DISC_CANDS_MAX);
}

static void
disc_clear(struct disc *d)
{
	g_hash_table_destroy(d->by_pw);
	g_ptr_array_unref(d->cands);
}

/* Keep pw (takes where) unless it is known with a better rank. */
static void
disc_put(struct disc *d, char *pw, unsigned tier, guint64 seq, char *where)
{
	struct dcand *c = g_hash_table_lookup(d->by_pw, pw);

	if (c != NULL) {
		if (tier < c->tier && d->per_tier[tier] < d->cap) {
			d->per_tier[c->tier]--;
			d->per_tier[tier]++;
			c->tier = tier;
			c->seq = seq;
			g_free(c->where);
			c->where = where;
			where = NULL;
		}
		g_free(pw);
		g_free(where);
		return;
	}
	if (d->per_tier[tier] >= d->cap) {
		g_free(pw);
		g_free(where);
		return;
	}
	c = g_new0(struct dcand, 1);
	c->pw = pw;
	c->where = where;
	c->tier = tier;
	c->seq = seq;
	d->per_tier[tier]++;
	g_ptr_array_add(d->cands, c);
	g_hash_table_insert(d->by_pw, c->pw, c);
}

static gint
dcand_cmp(gconstpointer a, gconstpointer b)
{
	const struct dcand *x = *(const struct dcand *const *)a;
	const struct dcand *y = *(const struct dcand *const *)b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static unsigned
disc_flush(struct disc *d, enum pw_source src, struct pw_list *out)
{
	unsigned added = 0;

	g_ptr_array_sort(d->cands, dcand_cmp);
	for (guint i = 0; i < d->cands->len && added < d->max; i++) {
		const struct dcand *c = d->cands->pdata[i];
		if (pw_list_add(out, c->pw, src, c->where))
			added++;
	}
	return added;
}

/* --- lines --------------------------------------------------------------- */

struct line {
	const char *raw;	/* the line as given, valid UTF-8 */
	size_t raw_len;
	char *norm;		/* NFKC of raw when it differs, else NULL */
	const char *n;		/* NFKC text */
	size_t len;
	GString *lc;		/* n with ASCII lowered (same offsets) */
	size_t q;		/* quote markers and blanks at the start of n */
	unsigned no;		/* 1-based */
	/* raw_span's walk, resumed by the next value on the line */
	size_t cur_n, cur_raw;
	bool raw_bad;
};

/* A line that wants its value from the next non-empty line. */
struct pending {
	bool on;
	unsigned blanks;
	unsigned from;		/* line of the keyword */
	const char *label;	/* the keyword's */
};

struct scan {
	struct disc *d;
	const char *label;	/* "text part 1" */
	struct pending pend;
	GString *lc;
	unsigned kw_hits;	/* keywords looked at, DISC_KW_MAX at most */
};

static bool
line_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Whether a cut before the character at p keeps NFKC the same. */
static bool
starter_at(const char *p)
{
	gunichar u = g_utf8_get_char(p);

	return g_unichar_combining_class(u) == 0 && u != 0xff9e && u != 0xff9f &&
	    !(u >= 0x1100 && u <= 0x11ff) && !(u >= 0x3130 && u <= 0x318f);
}

/*
 * NFKC of n bytes of valid UTF-8, in pieces of about DISC_NORM_CHUNK
 * bytes cut before a starter: g_utf8_normalize() takes time quadratic in
 * the length of what it is given when much of it composes (パ, ド).
 */
static char *
nfkc(const char *s, size_t n)
{
	if (n <= DISC_NORM_CHUNK)
		return g_utf8_normalize(s, (gssize)n, G_NORMALIZE_NFKC);
	GString *g = g_string_sized_new(n + n / 4);
	for (size_t p = 0; p < n;) {
		size_t e = n - p > DISC_NORM_CHUNK ? p + DISC_NORM_CHUNK : n;
		while (e < n && e > p && (((unsigned char)s[e] & 0xc0) == 0x80 || !starter_at(s + e)))
			e--;
		if (e == p)	/* DISC_NORM_CHUNK bytes without a starter */
			e = n - p > DISC_NORM_CHUNK ? p + DISC_NORM_CHUNK : n;
		while (e < n && ((unsigned char)s[e] & 0xc0) == 0x80)
			e++;
		char *c = g_utf8_normalize(s + p, (gssize)(e - p), G_NORMALIZE_NFKC);
		if (c != NULL)
			g_string_append(g, c);
		g_free(c);
		p = e;
	}
	return g_string_free(g, FALSE);
}

static void
line_load(struct line *L, const char *raw, size_t n, unsigned no, GString *lc)
{
	memset(L, 0, sizeof *L);
	L->raw = raw;
	L->raw_len = n;
	L->no = no;
	L->n = raw;
	L->len = n;
	if (!line_ascii(raw, n)) {
		L->norm = nfkc(raw, n);
		if (L->norm != NULL && (strlen(L->norm) != n || memcmp(L->norm, raw, n) != 0)) {
			L->n = L->norm;
			L->len = strlen(L->norm);
		} else {
			g_free(L->norm);
			L->norm = NULL;
		}
	}
	g_string_truncate(lc, 0);
	g_string_append_len(lc, L->n, (gssize)L->len);
	for (size_t i = 0; i < lc->len; i++) {
		lc->str[i] = g_ascii_tolower(lc->str[i]);
		if (lc->str[i] == '\0')
			lc->str[i] = ' ';
	}
	L->lc = lc;
	/* quote markers: "> > text", "|> text" */
	size_t q = 0;
	for (;;) {
		q = skip_ws(lc->str, lc->len, q);
		if (q < lc->len && lc->str[q] == '>')
			q++;
		else
			break;
	}
	L->q = q;
}

static void
line_free(struct line *L)
{
	g_free(L->norm);
	L->norm = NULL;
}

/*
 * The bytes of the raw line that normalise to [a, b) of L->n, or NULL:
 * walked cluster by cluster (a character and the combining marks after
 * it, half-width voiced marks included), each normalised on its own.  The
 * walk resumes where the last one stopped (values come in line order), so
 * a line costs one walk however many values it holds.
 */
static char *
raw_span(struct line *L, size_t a, size_t b)
{
	if (L->raw_bad)
		return NULL;
	if (a < L->cur_n)
		L->cur_n = L->cur_raw = 0;
	size_t np = L->cur_n, rp = L->cur_raw, ra = SIZE_MAX;
	const char *end = L->raw + L->raw_len;

	for (;;) {
		if (np == a && ra == SIZE_MAX) {
			ra = rp;
			L->cur_n = np;
			L->cur_raw = rp;
		}
		if (np == b)
			return ra != SIZE_MAX ? g_strndup(L->raw + ra, rp - ra) : NULL;
		if (np > b || L->raw + rp >= end)
			return NULL;
		const char *p = L->raw + rp, *q = g_utf8_next_char(p);
		while (q < end) {
			gunichar u = g_utf8_get_char(q);
			if (g_unichar_combining_class(u) == 0 && u != 0xff9e && u != 0xff9f)
				break;
			q = g_utf8_next_char(q);
		}
		char *cn = g_utf8_normalize(p, q - p, G_NORMALIZE_NFKC);
		size_t cl = cn != NULL ? strlen(cn) : 0;
		bool ok = cn != NULL && np + cl <= L->len && memcmp(L->n + np, cn, cl) == 0;
		g_free(cn);
		if (!ok) {
			L->raw_bad = true;	/* composed across clusters */
			return NULL;
		}
		np += cl;
		rp = (size_t)(q - L->raw);
	}
}

/* Add [a, b) of line L, and its raw form when that differs. */
static void
emit(struct scan *s, struct line *L, size_t a, size_t b, unsigned tier,
    const char *label, unsigned from)
{
	if (s->d->subject && tier == T_EXPLICIT)
		tier = T_SUBJECT;
	guint64 seq = s->d->seq;
	s->d->seq += 2;

	char *ctx = from != 0 && from != L->no ?
	    g_strdup_printf("%s on line %u", label, from) : g_strdup(label);
	char *pw = g_strndup(L->n + a, b - a);
	char *raw = L->norm != NULL ? raw_span(L, a, b) : NULL;
	if (raw != NULL && strcmp(raw, pw) != 0) {
		char *where = s->d->subject ? g_strdup_printf("subject (%s, as typed)", ctx) :
		    g_strdup_printf("%s, line %u (%s, as typed)", s->label, L->no, ctx);
		disc_put(s->d, raw, tier, seq + 1, where);
		raw = NULL;
	}
	g_free(raw);
	char *where = s->d->subject ? g_strdup_printf("subject (%s)", ctx) :
	    g_strdup_printf("%s, line %u (%s)", s->label, L->no, ctx);
	disc_put(s->d, pw, tier, seq, where);
	g_free(ctx);
}

struct val {
	size_t a, b;		/* the value in L->n */
	size_t end;		/* where the rest of the line starts */
	bool bracketed;
};

/* The value starting at p: bracketed, or a run of ASCII non-blanks. */
static bool
take_value(const struct line *L, size_t p, struct val *v)
{
	const char *s = L->n;
	size_t n = L->len;
	const struct br *br = open_br_at(s, n, p);

	memset(v, 0, sizeof *v);
	if (br != NULL) {
		size_t a = p + strlen(br->open);
		const char *c = find_close(s, n, a, br);
		if (c != NULL) {
			size_t b = (size_t)(c - s);
			a = skip_ws(s, b, a);
			while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
				b--;
			v->a = a;
			v->b = b;
			v->end = (size_t)(c - s) + strlen(br->close);
			v->bracketed = true;
			return b > a;
		}
		if (strlen(br->open) == 1)
			p++;	/* an unclosed ( or " before the value */
		else
			return false;
	}
	size_t e = p, lim = span_end(p, n);
	while (e < lim && (unsigned char)s[e] > 0x20 && (unsigned char)s[e] < 0x7f)
		e++;
	if (e == lim && lim < n)
		return false;	/* far too long for a password */
	v->end = e;
	bool paren = memchr(s + p, '(', e - p) != NULL, square = memchr(s + p, '[', e - p) != NULL;
	while (e > p) {
		char c = s[e - 1];
		if (c == '.' || c == ',' || c == ';' || c == '"' || c == '\'' || c == '(' ||
		    c == '[' || c == '<' || c == ':' || (c == ')' && !paren) || (c == ']' && !square) ||
		    c == '>')
			e--;
		else
			break;
	}
	v->a = p;
	v->b = e;
	return e > p;
}

/* Whether the rest of the line after a value holds words (prose). */
static bool
rest_has_words(const struct line *L, size_t p)
{
	for (size_t i = p; i < span_end(p, L->len); i++)
		if (g_ascii_isalnum(L->n[i]))
			return true;
	return false;
}

/* Bullets before a value on its own line. */
static size_t
skip_bullets(const char *s, size_t n, size_t p)
{
	static const char *const bullets[] = {
		"・", "•", "●", "○", "■", "□", "◆", "◇", "▼", "▶", "►", "→", "⇒", "※",
		"-", "*", "+",
	};
	for (unsigned r = 0; r < 3; r++) {
		p = skip_ws(s, n, p);
		size_t i;
		for (i = 0; i < G_N_ELEMENTS(bullets); i++)
			if (has_prefix(s, n, p, bullets[i]) &&
			    (bullets[i][0] & 0x80 || p + 1 >= n || s[p + 1] == ' '))
				break;
		if (i == G_N_ELEMENTS(bullets))
			break;
		p += strlen(bullets[i]);
	}
	return skip_ws(s, n, p);
}

/*
 * A value on the line after a keyword line: alone ("abc123", "・「abc」"),
 * or, with named, after a name ("invoice.zip: abc123").
 */
static bool
next_line_value(struct scan *s, struct line *L, bool named)
{
	struct val v;
	size_t p = skip_bullets(L->n, L->len, L->q);

	for (unsigned r = 0; r < (named ? 2u : 1u); r++) {
		if (take_value(L, p, &v) && cand_ok(L->n + v.a, v.b - v.a, v.bracketed) &&
		    !rest_has_words(L, v.end)) {
			emit(s, L, v.a, v.b, T_NEXT, s->pend.label, s->pend.from);
			return true;
		}
		/* "name: value" (not "https://...") */
		if (memmem(L->n + p, L->len - p, "://", 3) != NULL)
			return false;
		const char *c = memchr(L->n + p, ':', L->len - p);
		if (c == NULL)
			c = memchr(L->n + p, '=', L->len - p);
		if (c == NULL)
			return false;
		p = skip_ws(L->n, L->len, (size_t)(c - L->n) + 1);
	}
	return false;
}

/*
 * A keyword at [ks, ke) of line L: look for its value.  Returns where to
 * go on searching the line.
 */
static size_t
on_keyword(struct scan *s, struct line *L, size_t ks, size_t ke, const struct kw *k)
{
	const char *lc = L->lc->str;
	size_t n = L->len, p = ke;
	bool sep = false;

	if (kw_in_url(lc, ks))
		return ke;
	/* 【パスワード】 value: the closing bracket is the separator */
	for (size_t i = 0; i < G_N_ELEMENTS(brackets); i++) {
		const struct br *b = &brackets[i];
		size_t ol = strlen(b->open);
		if (ks >= ol && memcmp(lc + ks - ol, b->open, ol) == 0 && has_prefix(lc, n, p, b->close)) {
			p += strlen(b->close);
			sep = true;
			break;
		}
	}
	p = skip_ws(lc, n, p);
	/* パスワード（半角英数）：value - a note between keyword and separator */
	const struct br *br = sep ? NULL : open_br_at(lc, n, p);
	if (br != NULL) {
		const char *c = find_close(lc, n, p + strlen(br->open), br);
		if (c != NULL) {
			size_t after = skip_ws(lc, n, (size_t)(c - lc) + strlen(br->close));
			if (sep_at(lc, n, after) != 0)
				p = after;
		}
	}
	/* "the password for invoice.zip is value", "password to open it: value" */
	if (!sep && (has_prefix(lc, n, p, "for ") || has_prefix(lc, n, p, "to ") ||
	    has_prefix(lc, n, p, "of "))) {
		size_t lim = n - p > DISC_FOR_SPAN ? p + DISC_FOR_SPAN : n, i;
		for (i = p; i < lim; i++)
			if (lc[i] == ':' || lc[i] == '=' || (lc[i] == ' ' && has_prefix(lc, n, i, " is") &&
			    sep_at(lc, n, i + 1) == 2))
				break;
		if (i == lim)
			return ke;
		p = skip_ws(lc, n, i);
	}
	for (unsigned r = 0; r < 4; r++) {
		size_t m = sep_at(lc, n, p);
		if (m == 0)
			break;
		sep = true;
		p = skip_ws(lc, n, p + m);
		while (has_prefix(lc, n, p, "、") || has_prefix(lc, n, p, ","))
			p = skip_ws(lc, n, p + (lc[p] == ',' ? 1 : strlen("、")));
	}

	struct val v;
	if (take_value(L, p, &v) && cand_ok(L->n + v.a, v.b - v.a, v.bracketed)) {
		const char *val = L->n + v.a;
		size_t vl = v.b - v.a;
		bool prose = !v.bracketed && all_alpha(val, vl) && rest_has_words(L, v.end);
		if (!prose && (sep || v.bracketed)) {
			emit(s, L, v.a, v.b, T_EXPLICIT, k->label, 0);
			return v.end;
		}
		if (!prose && !s->d->subject && password_like(val, vl) && v.a == p &&
		    g_ascii_isalnum(val[0])) {
			emit(s, L, v.a, v.b, T_LOOSE, k->label, 0);
			return v.end;
		}
	}
	if (s->d->subject)
		return ke;
	/* no value here: on the next line? */
	if (contains_any(lc + ke, span_end(ke, n) - ke, negatives, G_N_ELEMENTS(negatives)))
		return n;
	size_t tb = ks > L->q + DISC_TOPIC_SPAN ? ks - DISC_TOPIC_SPAN : L->q;
	if (contains_any(lc + tb, ks - tb, topics, G_N_ELEMENTS(topics)))
		return ke;
	bool before = has_suffix(lc, ks, "下記") || has_suffix(lc, ks, "以下") ||
	    has_suffix(lc, ks, "下記の") || has_suffix(lc, ks, "以下の") ||
	    has_suffix(lc, ks, "以下が") || has_suffix(lc, ks, "次の");
	bool announce = contains_any(lc + p, span_end(p, n) - p, announces, G_N_ELEMENTS(announces)) &&
	    (sep || has_prefix(lc, n, p, "を") || has_prefix(lc, n, p, "は") || g_ascii_isalpha(lc[p]));
	if (before || announce || only_fillers(lc, p, n)) {
		s->pend.on = true;
		s->pend.blanks = 0;
		s->pend.from = L->no;
		s->pend.label = k->label;
		return n;
	}
	return ke;
}

/* Whether the line holds a keyword (from p). */
static bool
line_has_kw(const struct line *L)
{
	size_t e;

	for (size_t i = L->q; i < L->len; i++)
		if (kw_at(L->lc->str, L->len, i, &e) != NULL && !kw_in_url(L->lc->str, i))
			return true;
	return false;
}

static void
scan_line(struct scan *s, struct line *L)
{
	bool blank = skip_ws(L->n, L->len, L->q) == L->len;

	if (s->pend.on) {
		if (blank) {
			if (++s->pend.blanks > DISC_BLANK_MAX)
				s->pend.on = false;
			return;
		}
		s->pend.on = false;
		/* a value alone ("「pass-1234」") even with a keyword inside;
		 * "name: value" unless it is a keyword line of its own */
		if (next_line_value(s, L, false) || (!line_has_kw(L) && next_line_value(s, L, true)))
			return;
	}
	if (blank)
		return;
	const char *lc = L->lc->str;
	unsigned hits = 0;
	for (size_t i = L->q; i < L->len && hits < DISC_KW_LINE_MAX && s->kw_hits < DISC_KW_MAX;) {
		size_t e;
		const struct kw *k = kw_at(lc, L->len, i, &e);
		if (k == NULL) {
			i++;
			continue;
		}
		hits++;
		s->kw_hits++;
		size_t next = on_keyword(s, L, i, e, k);
		i = next > e ? next : e;
	}
}

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
scan_text(struct disc *d, const char *utf8, size_t len, const char *label)
{
	if (utf8 == NULL || len == 0)
		return;
	char *text = valid_copy(utf8, len, DISC_TEXT_MAX);
	size_t n = strlen(text);	/* NULs end the text */
	struct scan s = { .d = d, .label = label, .lc = g_string_new(NULL) };
	unsigned no = 0;

	for (size_t p = 0; p < n && no < DISC_LINES_MAX;) {
		const char *nl = memchr(text + p, '\n', n - p);
		size_t e = nl != NULL ? (size_t)(nl - text) : n;
		size_t le = e;
		if (le > p && text[le - 1] == '\r')
			le--;
		struct line L;
		line_load(&L, text + p, le - p, ++no, s.lc);
		scan_line(&s, &L);
		line_free(&L);
		p = e + 1;
	}
	g_string_free(s.lc, TRUE);
	g_free(text);
}

void
ppap_discover_text(const char *utf8, size_t len, enum pw_source src,
    const char *label, struct pw_list *out, unsigned max)
{
	struct disc d;

	if (out == NULL || max == 0)
		return;
	disc_init(&d, max, out->cands->len);
	scan_text(&d, utf8, len, label != NULL ? label : "text");
	disc_flush(&d, src, out);
	disc_clear(&d);
}

/* --- messages ------------------------------------------------------------ */

/*
 * Whether text may hold a keyword of kw_table in any of the forms NFKC
 * folds into it (full-width and half-width letters and kana, a decomposed
 * パ): a quick pass over the raw bytes that lets most mail skip the
 * normalisation, HTML parsing and keyword search of scan_message().  It
 * errs on the side of yes.  (A keyword written only as HTML character
 * references, &#12497;&#12473;..., is not seen.)
 */
static bool
may_mention(const char *p, size_t n)
{
	/* the UTF-8 forms, each 3 bytes a character: パス ﾊﾟｽ ハ+゜ 解凍 暗証
	 * 暗号 and full-width P p K k */
	static const char *const forms[] = {
		"パス", "ﾊﾟｽ", "ハ\xe3\x82\x9a", "解凍", "暗証", "暗号",
		"\xef\xbc\xb0", "\xef\xbd\x90", "\xef\xbc\xab", "\xef\xbd\x8b",
	};
	const unsigned char *u = (const unsigned char *)p;

	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = u[i];
		if (c >= 0xE3) {
			for (size_t k = 0; k < G_N_ELEMENTS(forms); k++) {
				size_t l = strlen(forms[k]);
				if ((unsigned char)forms[k][0] == c && n - i >= l &&
				    memcmp(p + i, forms[k], l) == 0)
					return true;
			}
			continue;
		}
		c |= 0x20;
		if (c == 'p') {
			unsigned char d = u[i + 1];
			if ((d | 0x20) == 'w' || d >= 0x80 ||
			    (d == '/' && i + 2 < n && (u[i + 2] | 0x20) == 'w') ||
			    (n - i >= 4 && g_ascii_strncasecmp(p + i, "pass", 4) == 0))
				return true;
		} else if (c == 'k' && n - i >= 8 && g_ascii_strncasecmp(p + i, "kennwort", 8) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * may_mention() for the text between the tags of an HTML part: a keyword
 * in an attribute (type="password", /pw/ in a URL) is no password notice,
 * and most HTML mail then skips gumbo.  A tag starts at "<" followed by a
 * letter, "/", "!" or "?", as in HTML's tokenizer; a "<" before anything
 * else is text.  This only decides whether the part is parsed at all.
 */
static bool
may_mention_html(const char *p, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		if (p[i] == '<' && i + 1 < n && (g_ascii_isalpha(p[i + 1]) || p[i + 1] == '/' ||
		    p[i + 1] == '!' || p[i + 1] == '?')) {
			if (may_mention(p + start, i - start))
				return true;
			const char *gt = memchr(p + i, '>', n - i);
			if (gt == NULL)
				return false;
			i = start = (size_t)(gt - p) + 1;
			continue;
		}
		i++;
	}
	return may_mention(p + start, n - start);
}

static void
scan_message(struct disc *d, const struct content *c)
{
	const struct mime_message *msg = c->msg;
	unsigned nparts = 0;
	size_t budget = DISC_MESSAGE_MAX;

	for (guint i = 0; i < c->n_body && nparts < DISC_PARTS_MAX && budget > 0; i++) {
		const struct content_text *t = c->texts->pdata[i];
		nparts++;
		size_t len = t->raw_len < DISC_TEXT_MAX ? t->raw_len : DISC_TEXT_MAX;
		if (len > budget)
			len = budget;
		budget -= len;
		if (t->kind == CONTENT_PLAIN ? !may_mention(t->raw, len) :
		    !may_mention_html(t->raw, len))
			continue;	/* no keyword in any form: nothing to find */
		if (t->kind == CONTENT_PLAIN) {
			scan_text(d, t->raw, len, t->source);
			continue;
		}
		/* the visible text of what is read of the part */
		const struct html_doc *h = content_html(c, t);
		size_t vl = len < t->raw_len ? html_doc_text_upto(h, len) : h->text->len;
		scan_text(d, h->text->str, vl, t->source);
	}
	const char *subj = msg != NULL && msg->headers != NULL ? msg->headers->subject : NULL;
	if (subj != NULL) {
		size_t sl = strlen(subj);
		char *one = valid_copy(subj, sl, DISC_SUBJECT_MAX);
		for (char *ch = one; *ch != '\0'; ch++)
			if (*ch == '\r' || *ch == '\n')
				*ch = ' ';
		d->subject = true;
		scan_text(d, one, strlen(one), "subject");
		d->subject = false;
		g_free(one);
	}
}

/* may_mention() over what scan_message() reads. */
static bool
message_may_mention(const struct content *c)
{
	const struct mime_message *msg = c->msg;
	unsigned nparts = 0;
	size_t budget = DISC_MESSAGE_MAX;
	const char *subj = msg != NULL && msg->headers != NULL ? msg->headers->subject : NULL;

	if (subj != NULL && may_mention(subj, MIN(strlen(subj), (size_t)DISC_SUBJECT_MAX)))
		return true;
	for (guint i = 0; i < c->n_body && nparts < DISC_PARTS_MAX && budget > 0; i++) {
		const struct content_text *t = c->texts->pdata[i];
		nparts++;
		size_t len = MIN(MIN(t->raw_len, (size_t)DISC_TEXT_MAX), budget);
		budget -= len;
		if (t->kind == CONTENT_PLAIN ? may_mention(t->raw, len) :
		    may_mention_html(t->raw, len))
			return true;
	}
	return false;
}

static bool subject_has_kw(const char *subject);

bool
ppap_discover_content(const struct content *c, enum pw_source src,
    struct pw_list *out, unsigned max)
{
	struct disc d;
	bool notice = false;
	const struct mime_message *msg = c != NULL ? c->msg : NULL;

	if (msg == NULL || out == NULL || max == 0 || !message_may_mention(c))
		return false;
	disc_init(&d, max, out->cands->len);
	scan_message(&d, c);
	/* a keyword line in a body that gives a value (every tier keeps at
	 * least one candidate, so this does not depend on max) */
	for (guint i = 0; i < d.cands->len && !notice; i++)
		notice = ((const struct dcand *)d.cands->pdata[i])->tier <= T_NEXT;
	disc_flush(&d, src, out);
	disc_clear(&d);
	return notice || (msg->headers != NULL && msg->headers->subject != NULL &&
	    subject_has_kw(msg->headers->subject));
}

bool
ppap_discover_message(const struct mime_message *msg, enum pw_source src,
    struct pw_list *out, unsigned max)
{
	if (msg == NULL || out == NULL || max == 0)
		return false;
	struct content *c = content_new(msg, NULL);
	bool notice = ppap_discover_content(c, src, out, max);
	content_free(c);
	return notice;
}

/* Subject words that make "password" a topic, not a notice. */
static const char *const subject_negatives[] = {
	"reset", "expir", "change", "update", "verif", "confirm", "locked", "recover",
	"forgot", "リセット", "変更", "期限", "再設定", "初期化", "認証", "ロック",
	"再発行", "忘れ",
};

static bool
subject_has_kw(const char *subject)
{
	char *v = valid_copy(subject, strlen(subject), DISC_SUBJECT_MAX);
	char *nf = g_utf8_normalize(v, -1, G_NORMALIZE_NFKC);
	char *lc = g_ascii_strdown(nf != NULL ? nf : v, -1);
	size_t n = strlen(lc), e;
	bool kw = false;

	for (size_t i = 0; i < n && !kw; i++)
		kw = kw_at(lc, n, i, &e) != NULL && !kw_in_url(lc, i);
	if (kw && contains_any(lc, n, subject_negatives, G_N_ELEMENTS(subject_negatives)))
		kw = false;
	g_free(lc);
	g_free(nf);
	g_free(v);
	return kw;
}

bool
ppap_is_password_mail(const struct mime_message *msg)
{
	struct pw_list *l = pw_list_new(0, 0);
	bool notice = ppap_discover_message(msg, PW_SRC_BODY, l, 1);

	pw_list_free(l);
	return notice;
}

/* --- subject keys -------------------------------------------------------- */

/* Bracketed tags dropped from a subject (besides password markers). */
static const char *const subject_tags[] = {
	"再送", "重要", "至急", "緊急", "転送", "返信", "訂正", "ご確認", "要確認",
	"社外", "外部", "ext", "external", "spam", "fw", "fwd", "re", "secure",
	"暗号化", "添付", "ppap",
};

/* Reply and forward prefixes (NFKC, case-folded), with their colon. */
static const char *const subject_prefixes[] = {
	"re:", "re>", "fw:", "fwd:", "転送:", "返信:", "aw:", "wg:", "sv:", "vs:", "tr:",
	"rv:", "res:", "enc:", "回答:", "答复:", "回复:", "转发:",
};

/* What may follow a password keyword in a subject marker. */
static const char *const marker_suffixes[] = {
	"のお知らせ", "のご連絡", "のご案内", "のご送付", "のご通知", "の送付", "の通知",
	"お知らせ", "ご連絡", "通知", "送付", "送信", "連絡", "について", "のみ",
	" for", " of", " to", " notice", " notification",
};

static bool
tag_content(const char *s, size_t n)
{
	size_t e;

	while (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++)
		if (kw_at(s, n, i, &e) != NULL)
			return true;
	for (size_t i = 0; i < G_N_ELEMENTS(subject_tags); i++)
		if (strlen(subject_tags[i]) == n && memcmp(s, subject_tags[i], n) == 0)
			return true;
	return false;
}

/* Drop bracket groups that are markers or tags: 【パスワード】, [EXT]. */
static GString *
drop_tag_groups(const char *s)
{
	GString *o = g_string_new(NULL);
	size_t n = strlen(s);

	for (size_t p = 0; p < n;) {
		const struct br *br = open_br_at(s, n, p);
		if (br != NULL) {
			size_t a = p + strlen(br->open);
			const char *c = find_close(s, n, a, br);
			if (c != NULL && tag_content(s + a, (size_t)(c - s) - a)) {
				g_string_append_c(o, ' ');
				p = (size_t)(c - s) + strlen(br->close);
				continue;
			}
		}
		g_string_append_c(o, s[p]);
		p++;
	}
	return o;
}

/* Remove leading blanks and reply/forward prefixes ("Re[2]:", "FW: Re:"). */
static void
drop_prefixes(GString *g)
{
	for (bool again = true; again;) {
		again = false;
		size_t p = 0;
		while (p < g->len && (g->str[p] == ' ' || g->str[p] == ':' || g->str[p] == '-'))
			p++;
		for (size_t i = 0; i < G_N_ELEMENTS(subject_prefixes); i++) {
			if (has_prefix(g->str, g->len, p, subject_prefixes[i])) {
				p += strlen(subject_prefixes[i]);
				again = true;
				break;
			}
		}
		if (!again && has_prefix(g->str, g->len, p, "re")) {
			/* re[2]: re(2): re^2: re2: */
			size_t q = p + 2;
			if (q < g->len && strchr("[(^*", g->str[q]) != NULL)
				q++;
			size_t d = q;
			while (q < g->len && g_ascii_isdigit(g->str[q]))
				q++;
			if (q > d && q < g->len && strchr("])", g->str[q]) != NULL)
				q++;
			if (q > d && q < g->len && g->str[q] == ':') {
				p = q + 1;
				again = true;
			}
		}
		g_string_erase(g, 0, (gssize)p);
	}
}

/* Remove password markers: keyword, "の" before it, suffixes after it. */
static void
drop_markers(GString *g)
{
	GString *o = g_string_new(NULL);
	const char *s = g->str;
	size_t n = g->len, e;

	for (size_t p = 0; p < n;) {
		const struct kw *k = kw_at(s, n, p, &e);
		if (k == NULL) {
			g_string_append_c(o, s[p]);
			p++;
			continue;
		}
		if (has_suffix(o->str, o->len, "の"))
			g_string_truncate(o, o->len - strlen("の"));
		for (size_t i = 0; i < G_N_ELEMENTS(marker_suffixes); i++) {
			if (has_prefix(s, n, e, marker_suffixes[i])) {
				e += strlen(marker_suffixes[i]);
				break;
			}
		}
		/* separators after the marker */
		while (e < n && (s[e] == ' ' || s[e] == ':' || s[e] == '-' || s[e] == '|'))
			e++;
		g_string_append_c(o, ' ');
		p = e;
	}
	g_string_assign(g, o->str);
	g_string_free(o, TRUE);
}

static bool
key_drops(const char *s, size_t n, size_t p, size_t *len)
{
	static const char *const drops[] = {
		"【", "】", "「", "」", "『", "』", "〔", "〕", "《", "》", "〈", "〉", "“", "”",
		"‘", "’", "«", "»", "[", "]", "(", ")", "<", ">", "\"", "'", " ", "\t",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(drops); i++) {
		if (has_prefix(s, n, p, drops[i])) {
			*len = strlen(drops[i]);
			return true;
		}
	}
	return false;
}

char *
ppap_subject_key(const char *subject)
{
	if (subject == NULL)
		return g_strdup("");
	char *v = valid_copy(subject, strlen(subject), DISC_SUBJECT_MAX);
	for (char *c = v; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	char *n1 = g_utf8_normalize(v, -1, G_NORMALIZE_NFKC);
	char *cf = g_utf8_casefold(n1 != NULL ? n1 : v, -1);
	char *n2 = g_utf8_normalize(cf, -1, G_NORMALIZE_NFKC);
	const char *s = n2 != NULL ? n2 : cf;

	GString *g = drop_tag_groups(s);
	drop_prefixes(g);
	drop_markers(g);
	drop_prefixes(g);

	/* no blanks or brackets; no separators at either end */
	GString *o = g_string_new(NULL);
	for (size_t p = 0, l; p < g->len;) {
		if (key_drops(g->str, g->len, p, &l)) {
			p += l;
			continue;
		}
		g_string_append_c(o, g->str[p]);
		p++;
	}
	static const char *const trims[] = {
		":", "-", "|", "/", "_", ",", ".", "・", "、", "。", "~", "〜",
	};
	for (bool again = true; again && o->len > 0;) {
		again = false;
		for (size_t i = 0; i < G_N_ELEMENTS(trims); i++) {
			size_t l = strlen(trims[i]);
			if (has_prefix(o->str, o->len, 0, trims[i])) {
				g_string_erase(o, 0, (gssize)l);
				again = true;
			}
			if (o->len >= l && has_suffix(o->str, o->len, trims[i])) {
				g_string_truncate(o, o->len - l);
				again = true;
			}
		}
	}
	g_string_free(g, TRUE);
	g_free(n2);
	g_free(cf);
	g_free(n1);
	g_free(v);
	return g_string_free(o, FALSE);
}
