/*
 * tokenize.c - the features of one message for the spam classifier
 * (tokenize.h, docs/spam.md).
 *
 * Words: the text is cut at ASCII blanks into chunks.  A chunk of ASCII
 * only (most of most mail) is segmented here, by the rules of ICU's word
 * break iterator restricted to ASCII (UAX #29 as tailored by ICU 72: '@'
 * is a letter, ':' is no MidLetter), which gives the same words at a
 * fraction of the cost; a run of chunks with other characters is
 * case-folded (ucasemap_utf8FoldCase) and handed to ICU's word break
 * iterator, which segments Japanese and Chinese with its dictionaries.
 * spam_text_words() exposes both paths so that the tests and the fuzz
 * target check that they agree.
 *
 * Per call: no allocation per token (the names are built in one scratch
 * GString, the hashes appended to one array, sorted with a bucket sort;
 * the second stage's thousands of sparse bigrams and byte grams are hashed
 * without names and only freed of duplicates, not sorted); the ICU
 * objects are opened once per thread and kept (GPrivate).
 */
#include "spam/tokenize.h"

#include <string.h>

#include <libpsl.h>
#include <unicode/ubrk.h>
#include <unicode/ucasemap.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
/* inlined: one call per feature */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "content/content.h"
#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"
#include "util/psl.h"

const struct spam_tok_opts spam_tok_defaults = {
	.families = SPAM_TOK_ALL,
	.text_max = 256u << 10,
	.tokens_max = 20000,
	.word_max = 64,
	.osb_dist = 4,
	.second = 0,
	.bytes_max = 3000,
	.names = false,
};

#define OSB_WINDOW 4		/* o1..o4 */
#define NUM_LITERAL_MAX 4	/* numbers longer than this become a shape */
#define HDR_VALUE_MAX 128	/* bytes of a header value in a name */
#define NAME_WORDS_MAX 16	/* words of the From display name */
#define MIME_SHAPE_MAX 256	/* bytes of the MIME structure name */
#define DOMAIN_MAX 253

/* --- the ICU objects of a thread ---------------------------------------- */

struct icu {
	UBreakIterator *bi;
	UText *ut;
	UCaseMap *cm;
	bool failed;
};

static void
icu_free(gpointer p)
{
	struct icu *u = p;

	if (u == NULL)
		return;
	if (u->bi != NULL)
		ubrk_close(u->bi);
	if (u->ut != NULL)
		utext_close(u->ut);
	if (u->cm != NULL)
		ucasemap_close(u->cm);
	g_free(u);
}

static GPrivate icu_key = G_PRIVATE_INIT(icu_free);

/* This thread's ICU objects; NULL when ICU cannot open them (its data is
 * missing): the non-ASCII text is then skipped. */
static struct icu *
icu_get(void)
{
	struct icu *u = g_private_get(&icu_key);

	if (u == NULL) {
		u = g_new0(struct icu, 1);
		UErrorCode e = U_ZERO_ERROR;
		u->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
		if (U_SUCCESS(e))
			u->cm = ucasemap_open("", U_FOLD_CASE_DEFAULT, &e);
		u->failed = U_FAILURE(e);
		g_private_replace(&icu_key, u);
	}
	return u->failed ? NULL : u;
}

/* --- the state of one call ---------------------------------------------- */

struct tok;
typedef void (*word_fn)(struct tok *tk, const char *w, size_t n, void *arg);

struct tok {
	const struct spam_tok_opts *o;
	struct spam_features *f;
	struct icu *icu;
	GString *name;		/* the name being built */
	GString *fold;		/* a case-folded run of text */
	GString *word;		/* an ASCII word lower-cased */
	GString *shape;		/* a number's shape */
	uint64_t whash[OSB_WINDOW];	/* the hashes ("w:" + word) of the last
					 * words of the part, newest first */
	GString *win[OSB_WINDOW];	/* those words, with opts.names only */
	unsigned nwin;
	uint64_t *h;		/* the hashes, in order */
	size_t nh, caph;
	uint64_t *xh;		/* the second stage's own (spam_features.x) */
	size_t nxh, capxh;
	bool to_x;		/* emit() appends to xh */
	unsigned osb;		/* OSB distances taken: 0..OSB_WINDOW */
	bool stop;		/* tokens_max reached */
	bool cjk;		/* the words' text also gives "c:" bigrams */
};

static void
push(uint64_t **a, size_t *n, size_t *cap, uint64_t h)
{
	if (*n == *cap) {
		*cap = *cap * 2;
		*a = g_renew(uint64_t, *a, *cap);
	}
	(*a)[(*n)++] = h;
}

static void
emit_hash(struct tok *tk, uint64_t h)
{
	if (tk->o->prefetch_w != NULL)
		__builtin_prefetch(&tk->o->prefetch_w[(uint32_t)h & tk->o->prefetch_mask]);
	if (tk->to_x)
		push(&tk->xh, &tk->nxh, &tk->capxh, h);
	else
		push(&tk->h, &tk->nh, &tk->caph, h);
}

static void
emit(struct tok *tk, const char *s, size_t n)
{
	emit_hash(tk, XXH3_64bits(s, n));
	if (tk->f->names != NULL)
		g_ptr_array_add(tk->f->names, g_strndup(s, n));
}

/* h, the hash of prefix + w, emitted with its name */
static void
emit_named(struct tok *tk, uint64_t h, const char *prefix, size_t pn, const char *w,
    size_t n)
{
	emit_hash(tk, h);
	if (tk->f->names != NULL) {
		char *nm = g_malloc(pn + n + 1);
		memcpy(nm, prefix, pn);
		memcpy(nm + pn, w, n);
		nm[pn + n] = '\0';
		g_ptr_array_add(tk->f->names, nm);
	}
}

/* The name prefix + v emitted (built in tk->name: no allocation once the
 * buffer is large enough) */
static void
emit2(struct tok *tk, const char *prefix, const char *v, size_t n)
{
	size_t pn = strlen(prefix), len = pn + n;

	if (tk->name->allocated_len <= len)
		g_string_set_size(tk->name, len);
	char *p = tk->name->str;
	memcpy(p, prefix, pn);
	memcpy(p + pn, v, n);
	p[len] = '\0';
	tk->name->len = len;
	emit(tk, p, len);
}

/* murmur3's 64-bit finaliser: a bijection that mixes every input bit
 * into every output bit */
static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb3f99e9d1ec5);
	k ^= k >> 33;
	return k;
}

uint64_t
spam_bytes_hash(uint32_t g)
{
	return fmix64((uint64_t)'b' << 32 | g);
}

uint64_t
spam_osb_hash(uint64_t a, uint64_t b, unsigned d)
{
	return fmix64((a << 31 | a >> 33) ^ b ^ UINT64_C(0x9e3779b97f4a7c15) * d);
}

/* XXH3 of "w:" + w[0..n) */
static uint64_t
word_hash(const char *w, size_t n)
{
	char buf[256];
	if (n + 2 <= sizeof buf) {
		buf[0] = 'w';
		buf[1] = ':';
		memcpy(buf + 2, w, n);
		return XXH3_64bits(buf, n + 2);
	}
	char *p = g_malloc(n + 2);
	p[0] = 'w';
	p[1] = ':';
	memcpy(p + 2, w, n);
	uint64_t h = XXH3_64bits(p, n + 2);
	g_free(p);
	return h;
}

uint64_t
spam_feature_hash(const char *name, size_t len)
{
	/* "b:" and 8 hex digits: a byte 4-gram */
	if (len == 10 && name[0] == 'b' && name[1] == ':') {
		uint32_t g = 0;
		size_t i;
		for (i = 2; i < 10; i++) {
			int v = g_ascii_xdigit_value(name[i]);
			if (v < 0)
				break;
			g = g << 4 | (uint32_t)v;
		}
		if (i == 10)
			return spam_bytes_hash(g);
	}
	/* "oD:a b": a sparse bigram of the words a and b (no word has a
	 * blank) */
	if (len >= 6 && name[0] == 'o' && name[1] >= '1' && name[1] <= '0' + OSB_WINDOW &&
	    name[2] == ':') {
		const char *sp = memchr(name + 3, ' ', len - 3);
		if (sp != NULL) {
			size_t an = (size_t)(sp - (name + 3));
			return spam_osb_hash(word_hash(name + 3, an),
			    word_hash(sp + 1, len - 3 - an - 1), (unsigned)(name[1] - '0'));
		}
	}
	return XXH3_64bits(name, len);
}

/* --- ASCII words ------------------------------------------------------- */

enum wb {
	WB_OTHER,
	WB_LETTER,	/* ALetter: A-Z a-z, and '@' since ICU 72 */
	WB_NUM,		/* Numeric */
	WB_EXT,		/* ExtendNumLet: '_' */
	WB_MIDNUMLET,	/* MidNumLet and Single_Quote: . ' */
	WB_MIDNUM,	/* MidNum: , ; */
};

/* The class of every byte (enum wb), and BYTE_BLANK for the blanks that
 * cut chunks: one table lookup a byte on the hot path. */
#define BYTE_BLANK 0x10u
#define BYTE_CLASS 0x0fu
static uint8_t byte_class[256];

static void
byte_class_init(void)
{
	static gsize done;

	if (!g_once_init_enter(&done))
		return;
	for (unsigned c = 'a'; c <= 'z'; c++)
		byte_class[c] = byte_class[c - 'a' + 'A'] = WB_LETTER;
	for (unsigned c = '0'; c <= '9'; c++)
		byte_class[c] = WB_NUM;
	byte_class['@'] = WB_LETTER;	/* ALetter since ICU 72 */
	byte_class['_'] = WB_EXT;
	byte_class['.'] = byte_class['\''] = WB_MIDNUMLET;
	byte_class[','] = byte_class[';'] = WB_MIDNUM;
	static const char blanks[] = { ' ', '\n', '\t', '\r', '\f', '\v', '\0' };
	for (size_t i = 0; i < sizeof blanks; i++)
		byte_class[(unsigned char)blanks[i]] = BYTE_BLANK | WB_OTHER;
	g_once_init_leave(&done, 1);
}

static inline enum wb
wb_class(unsigned char c)
{
	return (enum wb)(byte_class[c] & BYTE_CLASS);
}

static inline bool
is_blank(unsigned char c)
{
	return (byte_class[c] & BYTE_BLANK) != 0;
}

static inline bool
wb_word(enum wb c)
{
	return c == WB_LETTER || c == WB_NUM || c == WB_EXT;
}

/* The words of an ASCII chunk s[0..n) (no blanks), as ICU finds them. */
static void
ascii_words(struct tok *tk, const char *s, size_t n, word_fn fn, void *arg)
{
	size_t i = 0;

	while (i < n && !tk->stop) {
		enum wb c = wb_class((unsigned char)s[i]);
		if (!wb_word(c)) {
			i++;
			continue;
		}
		size_t start = i++;
		enum wb last = c;
		while (i < n) {
			enum wb c2 = wb_class((unsigned char)s[i]);
			if (wb_word(c2)) {
				last = c2;
				i++;
				continue;
			}
			if ((c2 == WB_MIDNUMLET || c2 == WB_MIDNUM) && i + 1 < n) {
				/* WB6/7: letter (Mid)Letter letter; WB11/12:
				 * digit (Mid)digit */
				enum wb c3 = wb_class((unsigned char)s[i + 1]);
				if ((c2 == WB_MIDNUMLET && last == WB_LETTER &&
				    c3 == WB_LETTER) ||
				    (last == WB_NUM && c3 == WB_NUM)) {
					last = c3;
					i += 2;
					continue;
				}
			}
			break;
		}
		if (i - start == 1 && last == WB_EXT)
			continue;	/* a lone '_' is no word */
		size_t wn = i - start;
		if (tk->word->allocated_len <= wn)
			g_string_set_size(tk->word, wn);
		char *w = tk->word->str;
		for (size_t k = 0; k < wn; k++) {
			char ch = s[start + k];
			w[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch;
		}
		fn(tk, w, wn, arg);
	}
}

/* --- other text: ICU --------------------------------------------------- */

static inline bool
is_cjk(UChar32 u)
{
	return (u >= 0x3040 && u <= 0x30ff) ||	/* Hiragana, Katakana */
	    (u >= 0x31f0 && u <= 0x31ff) ||	/* Katakana extensions */
	    (u >= 0x3005 && u <= 0x3007) ||	/* 々 〆 〇 */
	    (u >= 0x3400 && u <= 0x4dbf) ||	/* Han extension A */
	    (u >= 0x4e00 && u <= 0x9fff) ||	/* Han */
	    (u >= 0xf900 && u <= 0xfaff) ||	/* Han compatibility */
	    (u >= 0x20000 && u <= 0x3134f) ||	/* Han extensions B.. */
	    (u >= 0x1100 && u <= 0x11ff) ||	/* Hangul Jamo */
	    (u >= 0x3130 && u <= 0x318f) ||	/* Hangul compatibility Jamo */
	    (u >= 0xac00 && u <= 0xd7af) ||	/* Hangul syllables */
	    (u >= 0xff66 && u <= 0xff9f);	/* halfwidth Katakana */
}

/* "c:" bigrams of the runs of CJK characters of s (folded, valid or not) */
static void
cjk_bigrams(struct tok *tk, const char *s, size_t n)
{
	int32_t i = 0, len = (int32_t)n, prev = -1;

	while (i < len) {
		int32_t at = i;
		UChar32 u;
		U8_NEXT(s, i, len, u);
		if (u < 0 || !is_cjk(u)) {
			prev = -1;
			continue;
		}
		if (prev >= 0)
			emit2(tk, "c:", s + prev, (size_t)(i - prev));
		prev = at;
	}
}

/* The words of s[0..n) (any text without NULs) by ICU. */
static void
icu_words(struct tok *tk, const char *s, size_t n, word_fn fn, void *arg)
{
	struct icu *u = tk->icu;

	if (u == NULL || n > INT32_MAX / 4)
		return;
	/* case folding grows a text at most threefold (U+0390: 2 bytes to 6) */
	UErrorCode e = U_ZERO_ERROR;
	g_string_set_size(tk->fold, n * 3 + 16);
	int32_t m = ucasemap_utf8FoldCase(u->cm, tk->fold->str, (int32_t)tk->fold->len,
	    s, (int32_t)n, &e);
	if (e == U_BUFFER_OVERFLOW_ERROR) {
		e = U_ZERO_ERROR;
		g_string_set_size(tk->fold, (gsize)m + 1);
		m = ucasemap_utf8FoldCase(u->cm, tk->fold->str, (int32_t)tk->fold->len,
		    s, (int32_t)n, &e);
	}
	if (U_FAILURE(e) || m < 0)
		return;
	g_string_truncate(tk->fold, (gsize)m);
	const char *f = tk->fold->str;
	if (tk->cjk)
		cjk_bigrams(tk, f, (size_t)m);

	u->ut = utext_openUTF8(u->ut, f, m, &e);
	if (U_FAILURE(e))
		return;
	ubrk_setUText(u->bi, u->ut, &e);
	if (U_FAILURE(e))
		return;
	int32_t p = ubrk_first(u->bi), q;
	while (!tk->stop && (q = ubrk_next(u->bi)) != UBRK_DONE) {
		int32_t st = ubrk_getRuleStatus(u->bi);
		if (st >= UBRK_WORD_NUMBER && st < UBRK_WORD_IDEO_LIMIT && q > p &&
		    q <= m)
			fn(tk, f + p, (size_t)(q - p), arg);
		p = q;
	}
}

/*
 * The words of s[0..n): ASCII chunks here, runs of other chunks by ICU
 * (icu_only: every run by ICU, for the tests).
 */
static void
text_words(struct tok *tk, const char *s, size_t n, bool icu_only, word_fn fn,
    void *arg)
{
	size_t i = 0;

	while (i < n && !tk->stop) {
		while (i < n && is_blank((unsigned char)s[i]))
			i++;
		size_t a = i;
		bool ascii = !icu_only;
		for (; i < n && !is_blank((unsigned char)s[i]); i++)
			if ((unsigned char)s[i] >= 0x80)
				ascii = false;
		if (i == a)
			break;
		if (ascii) {
			ascii_words(tk, s + a, i - a, fn, arg);
			continue;
		}
		/* and the chunks after it that are not ASCII either */
		size_t b = i;
		for (;;) {
			size_t j = b;
			while (j < n && is_blank((unsigned char)s[j]))
				j++;
			size_t k = j;
			bool other = icu_only;
			for (; k < n && !is_blank((unsigned char)s[k]); k++)
				if ((unsigned char)s[k] >= 0x80)
					other = true;
			if (k == j || !other)
				break;
			b = k;
		}
		/* NULs are blanks: none inside a run */
		icu_words(tk, s + a, b - a, fn, arg);
		i = b;
	}
}

/* --- words to features ------------------------------------------------- */

/*
 * A number longer than NUM_LITERAL_MAX bytes becomes its shape: '#', then
 * the length of each run of digits, the separators kept ("1,000,000" is
 * "#1,3,3", "0312345678" is "#10"), so that prices and phone numbers
 * generalise.  False when w is no number (it has a character other than
 * ASCII digits and . , ' ;).
 */
static bool
number_shape(const char *w, size_t n, GString *out)
{
	if (n <= NUM_LITERAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(w[i]) && w[i] != '.' && w[i] != ',' &&
		    w[i] != '\'' && w[i] != ';')
			return false;
	g_string_assign(out, "#");
	for (size_t i = 0; i < n;) {
		if (g_ascii_isdigit(w[i])) {
			size_t j = i;
			while (j < n && g_ascii_isdigit(w[j]))
				j++;
			g_string_append_printf(out, "%zu", j - i);
			i = j;
		} else {
			g_string_append_c(out, w[i++]);
		}
	}
	return true;
}

struct word_ctx {
	const char *prefix;	/* "w:", "s:" or "h:fromname:" */
	bool osb;		/* body: sparse bigrams */
	bool count;		/* counts against tokens_max */
	bool words;		/* emit the word itself */
	unsigned max;		/* words taken when !count */
	unsigned seen;
};

static void
on_word(struct tok *tk, const char *w, size_t n, void *arg)
{
	struct word_ctx *x = arg;

	if (x->count) {
		if (tk->f->nwords >= tk->o->tokens_max) {
			tk->stop = true;
			tk->f->truncated = true;
			return;
		}
		tk->f->nwords++;
	} else if (x->seen++ >= x->max) {
		return;
	}
	if (n > tk->o->word_max) {
		if (x->words)
			emit2(tk, x->prefix, "<long>", 6);
		return;
	}
	if (number_shape(w, n, tk->shape)) {
		w = tk->shape->str;
		n = tk->shape->len;
	}
	if (!x->osb) {
		if (x->words)
			emit2(tk, x->prefix, w, n);
		return;
	}
	/* body words: "w:" + w, whose hash the sparse bigrams combine */
	uint64_t hw = word_hash(w, n);
	if (x->words)
		emit_named(tk, hw, "w:", 2, w, n);
	tk->to_x = !(tk->o->families & SPAM_TOK_OSB);	/* the second stage's only */
	bool names = tk->f->names != NULL;
	for (unsigned d = 0; d < tk->nwin && d < tk->osb; d++) {
		emit_hash(tk, spam_osb_hash(tk->whash[d], hw, d + 1));
		if (names)
			g_ptr_array_add(tk->f->names, g_strdup_printf("o%u:%s %.*s", d + 1,
			    tk->win[d]->str, (int)n, w));
	}
	tk->to_x = false;
	/* the oldest becomes the newest */
	memmove(tk->whash + 1, tk->whash, (OSB_WINDOW - 1) * sizeof tk->whash[0]);
	tk->whash[0] = hw;
	if (names) {
		GString *oldest = tk->win[OSB_WINDOW - 1];
		memmove(tk->win + 1, tk->win, (OSB_WINDOW - 1) * sizeof tk->win[0]);
		tk->win[0] = oldest;
		g_string_truncate(oldest, 0);
		g_string_append_len(oldest, w, (gssize)n);
	}
	if (tk->nwin < OSB_WINDOW)
		tk->nwin++;
}

/* --- text -------------------------------------------------------------- */

/* The length of s[0..n) cut to at most max bytes on a character boundary. */
static size_t
cut_utf8(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

static void
body_text(struct tok *tk, const char *s, size_t n)
{
	struct word_ctx x = {
		.prefix = "w:",
		.osb = ((tk->o->families | tk->o->second) & SPAM_TOK_OSB) != 0,
		.count = true,
		.words = (tk->o->families & SPAM_TOK_WORDS) != 0,
	};
	size_t m = cut_utf8(s, n, tk->o->text_max);

	if (m < n)
		tk->f->truncated = true;
	tk->nwin = 0;
	tk->cjk = (tk->o->families & SPAM_TOK_CJK) != 0;
	text_words(tk, s, m, false, on_word, &x);
	tk->cjk = false;
}

/* NFKC of a header value (UTF-8, maybe not valid), bounded; g_free() it */
static char *
header_norm(const char *v, size_t max)
{
	size_t n = strlen(v);
	n = cut_utf8(v, n, max);
	char *valid = g_utf8_make_valid(v, (gssize)n);
	char *nf = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
	g_free(valid);
	return nf != NULL ? nf : g_strdup("");
}

static void
subject_words(struct tok *tk, const struct mime_headers *h)
{
	if (h->subject == NULL)
		return;
	char *s = header_norm(h->subject, tk->o->text_max);
	struct word_ctx x = { .prefix = "s:", .count = true, .words = true };
	text_words(tk, s, strlen(s), false, on_word, &x);
	g_free(s);
}

/* --- headers ----------------------------------------------------------- */

/* Cut g at its first byte that is not valid UTF-8: header values may
 * hold raw 8-bit bytes, names never do. */
static void
keep_valid(GString *g)
{
	const gchar *end;

	if (!g_utf8_validate(g->str, (gssize)g->len, &end))
		g_string_truncate(g, (gsize)(end - g->str));
}

/* A domain: lower case, up to the first character no domain has, without
 * the trailing dot; false when empty. */
static bool
domain_norm(const char *s, size_t n, GString *out)
{
	g_string_truncate(out, 0);
	for (size_t i = 0; i < n && out->len < DOMAIN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || strchr("<>()[]{}\"',;:/\\?#@|", c) != NULL)
			break;
		g_string_append_c(out, g_ascii_tolower((char)c));
	}
	keep_valid(out);
	while (out->len > 0 && out->str[out->len - 1] == '.')
		g_string_truncate(out, out->len - 1);
	return out->len > 0;
}

/* The domain of an addr-spec (after its last '@'). */
static bool
addr_domain(const char *addr, GString *out)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	if (at == NULL)
		return false;
	return domain_norm(at + 1, strlen(at + 1), out);
}

static void
emit_domain(struct tok *tk, const char *prefix, bool ok, const GString *d)
{
	if (ok)
		emit2(tk, prefix, d->str, d->len);
	else
		emit2(tk, prefix, "none", 4);
}

/* "h:mailer:microsoft outlook express" (letters only, lower case: the
 * version goes) and "h:mailerw:microsoft" */
static void
mailer(struct tok *tk, const char *v)
{
	GString *n = tk->shape;

	g_string_truncate(n, 0);
	char *s = header_norm(v, HDR_VALUE_MAX);
	char *low = g_utf8_casefold(s, -1);
	bool sep = false;
	for (const char *p = low; *p != '\0' && n->len < HDR_VALUE_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		if (g_ascii_isalpha(c) || c >= 0x80) {
			if (sep && n->len > 0)
				g_string_append_c(n, ' ');
			sep = false;
			g_string_append_c(n, (char)c);
		} else {
			sep = true;
		}
	}
	g_free(low);
	g_free(s);
	/* the byte bound may have cut a character */
	keep_valid(n);
	if (n->len == 0)
		return;
	emit2(tk, "h:mailer:", n->str, n->len);
	const char *sp = memchr(n->str, ' ', n->len);
	emit2(tk, "h:mailerw:", n->str, sp != NULL ? (size_t)(sp - n->str) : n->len);
}

/* "h:mime:multipart/alternative(text/plain,text/html)", bounded */
static void
mime_shape(struct tok *tk, const struct mime_message *msg)
{
	GString *s = tk->shape;
	unsigned open = 0;

	g_string_assign(s, "h:mime:");
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = msg->parts->pdata[i];
		const char *type = p->type != NULL ? p->type : "none";
		if (s->len + strlen(type) + 2 > MIME_SHAPE_MAX) {
			g_string_append_c(s, '+');
			break;
		}
		for (; open > p->depth; open--)
			g_string_append_c(s, ')');
		if (i > 0 && s->str[s->len - 1] != '(')
			g_string_append_c(s, ',');
		g_string_append(s, type);
		if (i + 1 < msg->parts->len &&
		    ((const struct mime_part *)msg->parts->pdata[i + 1])->depth > p->depth) {
			g_string_append_c(s, '(');
			open = p->depth + 1;
		}
	}
	for (; open > 0; open--)
		g_string_append_c(s, ')');
	keep_valid(s);
	emit(tk, s->str, s->len);
	if (msg->parts->len > 0) {
		const struct mime_part *top = msg->parts->pdata[0];
		g_string_assign(s, "h:top:");
		g_string_append_len(s, top->type != NULL ? top->type : "none",
		    (gssize)strnlen(top->type != NULL ? top->type : "none", HDR_VALUE_MAX));
		keep_valid(s);
		emit(tk, s->str, s->len);
	}
}

static void
headers(struct tok *tk, const struct mime_message *msg, const struct obj_tree *t)
{
	const struct mime_headers *h = msg->headers;
	GString *d = g_string_new(NULL), *d2 = g_string_new(NULL);

	/* From: the display name's words and the domain */
	const struct mime_addr *from = h->from != NULL && h->from->len > 0 ?
	    &g_array_index(h->from, struct mime_addr, 0) : NULL;
	bool from_ok = from != NULL && addr_domain(from->addr, d);
	emit_domain(tk, "h:fromdom:", from_ok, d);
	if (from != NULL && from->name != NULL && from->name[0] != '\0') {
		char *s = header_norm(from->name, HDR_VALUE_MAX * 2);
		struct word_ctx x = {
			.prefix = "h:fromname:", .words = true, .max = NAME_WORDS_MAX,
		};
		text_words(tk, s, strlen(s), false, on_word, &x);
		g_free(s);
	} else {
		emit2(tk, "h:fromname:", "none", 4);
	}

	/* Reply-To: its domain, and whether it is From's */
	const struct mime_addr *rt = h->reply_to != NULL && h->reply_to->len > 0 ?
	    &g_array_index(h->reply_to, struct mime_addr, 0) : NULL;
	if (rt != NULL) {
		bool ok = addr_domain(rt->addr, d2);
		emit_domain(tk, "h:replyto:", ok, d2);
		bool same = ok && from_ok && g_string_equal(d, d2);
		emit2(tk, "h:replyto:", same ? "=from" : "!=from", same ? 5 : 6);
	} else {
		emit2(tk, "h:replyto:", "absent", 6);
	}

	/* Message-ID: its right-hand side (a family of its own: in a corpus
	 * collected at one site it names the collector as often as the
	 * sender) */
	if (tk->o->families & SPAM_TOK_MSGID) {
		bool mid = h->message_id != NULL && addr_domain(h->message_id, d2);
		emit_domain(tk, "h:msgid:", mid, d2);
	}

	/* the mailer */
	const struct mime_header *x = mime_headers_get(h, "X-Mailer", 0);
	const struct mime_header *ua = mime_headers_get(h, "User-Agent", 0);
	if (x != NULL && x->value != NULL)
		mailer(tk, x->value);
	if (ua != NULL && ua->value != NULL)
		mailer(tk, ua->value);
	if ((x == NULL || x->value == NULL) && (ua == NULL || ua->value == NULL))
		emit2(tk, "h:mailer:", "none", 4);

	/* List-Id: the list's identifier (a domain); Precedence */
	const struct mime_header *li = mime_headers_get(h, "List-Id", 0);
	if (li != NULL && li->value != NULL) {
		const char *lt = strrchr(li->value, '<');
		const char *v = lt != NULL ? lt + 1 : li->value;
		while (*v == ' ' || *v == '\t')
			v++;
		if (domain_norm(v, strlen(v), d2))
			emit2(tk, "h:listid:", d2->str, d2->len);
	}
	const struct mime_header *pr = mime_headers_get(h, "Precedence", 0);
	if (pr != NULL && pr->value != NULL) {
		const char *v = pr->value;
		while (*v == ' ' || *v == '\t')
			v++;
		if (domain_norm(v, strlen(v), d2))
			emit2(tk, "h:prec:", d2->str, d2->len);
	}

	/* the charsets of the text parts; the MIME structure */
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = msg->parts->pdata[i];
		if (p->kind != MIME_PART_TEXT && p->kind != MIME_PART_HTML)
			continue;
		if (p->charset == NULL || !domain_norm(p->charset,
		    strnlen(p->charset, HDR_VALUE_MAX), d2))
			g_string_assign(d2, "none");
		emit2(tk, "h:charset:", d2->str, d2->len);
	}
	mime_shape(tk, msg);

	/* the attachments' true types */
	if (t != NULL) {
		for (guint i = 0; i < t->all->len; i++) {
			const struct mobj *o = t->all->pdata[i];
			if (o->type != NULL && o->type->name != NULL)
				emit2(tk, "h:att:", o->type->name,
				    strnlen(o->type->name, HDR_VALUE_MAX));
		}
	}
	g_string_free(d, TRUE);
	g_string_free(d2, TRUE);
}

/* --- URL hosts --------------------------------------------------------- */

/* The host of a URL as written: after "scheme://" and any userinfo, up to
 * the port or path; the domain of a mailto:.  False when none. */
static bool
url_host(const char *url, GString *out)
{
	const char *p = url;
	size_t n = strnlen(url, 4096);
	const char *end = url + n;
	const char *colon = memchr(p, ':', n);
	const char *slash = memchr(p, '/', n);

	if (colon != NULL && (slash == NULL || colon < slash)) {
		size_t sl = (size_t)(colon - p);
		if (sl == 6 && g_ascii_strncasecmp(p, "mailto", 6) == 0) {
			const char *at = memchr(colon, '@', (size_t)(end - colon));
			if (at == NULL)
				return false;
			const char *q = at + 1;
			return domain_norm(q, (size_t)(end - q), out);
		}
		if (end - colon < 3 || colon[1] != '/' || colon[2] != '/')
			return false;	/* javascript:, cid:, tel:, data: */
		p = colon + 3;
	} else if (n > 2 && p[0] == '/' && p[1] == '/') {
		p += 2;
	}
	/* userinfo: the last '@' before the path */
	const char *stop = p;
	while (stop < end && *stop != '/' && *stop != '?' && *stop != '#' &&
	    *stop != '\\')
		stop++;
	const char *at = NULL;
	for (const char *q = p; q < stop; q++)
		if (*q == '@')
			at = q;
	if (at != NULL)
		p = at + 1;
	if (p < stop && *p == '[') {	/* an IPv6 literal */
		const char *rb = memchr(p, ']', (size_t)(stop - p));
		if (rb == NULL)
			return false;
		g_string_truncate(out, 0);
		g_string_append_len(out, p, MIN(rb + 1 - p, 64));
		for (gsize i = 0; i < out->len; i++)
			out->str[i] = g_ascii_tolower(out->str[i]);
		return true;
	}
	return domain_norm(p, (size_t)(stop - p), out);
}

static bool
is_ipv4(const char *s)
{
	unsigned dots = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.')
			dots++;
		else if (!g_ascii_isdigit(*s))
			return false;
	}
	return dots == 3;
}

static void
url_hosts(struct tok *tk, const struct content *c)
{
	const GPtrArray *links = content_links(c);
	GString *host = g_string_new(NULL), *last = g_string_new(NULL);
	const psl_ctx_t *psl = mamori_psl();

	for (guint i = 0; i < links->len; i++) {
		const struct content_link *l = links->pdata[i];
		if (l->url == NULL || !url_host(l->url, host))
			continue;
		if (g_string_equal(host, last))
			continue;	/* the same host again: same features */
		g_string_assign(last, host->str);
		emit2(tk, "u:", host->str, host->len);
		if (host->str[0] == '[' || is_ipv4(host->str)) {
			emit2(tk, "u:", "<ip>", 4);
			continue;
		}
		const char *reg = psl != NULL ? psl_registrable_domain(psl, host->str) : NULL;
		if (reg == NULL) {
			/* the last two labels */
			const char *dot = strrchr(host->str, '.');
			reg = host->str;
			if (dot != NULL) {
				const char *q = dot;
				while (q > host->str && q[-1] != '.')
					q--;
				reg = q;
			}
		}
		if (strcmp(reg, host->str) != 0)
			emit2(tk, "u:.", reg, strlen(reg));
	}
	g_string_free(host, TRUE);
	g_string_free(last, TRUE);
}

/* --- sort -------------------------------------------------------------- */

/*
 * Sort a[0..n) and drop duplicates; returns the new length.  The keys are
 * hashes, spread evenly: a counting sort on their top bits into about n
 * buckets leaves each key near its place, and an insertion sort finishes
 * in expected linear time.
 */
static size_t
sort_unique(uint64_t *a, size_t n)
{
	if (n < 2)
		return n;
	unsigned bits = 1;
	while (bits < 20 && ((size_t)1 << bits) < n)
		bits++;
	size_t nb = (size_t)1 << bits;
	unsigned shift = 64 - bits;
	uint32_t *cnt = g_new0(uint32_t, nb + 1);
	uint64_t *tmp = g_new(uint64_t, n);
	for (size_t i = 0; i < n; i++)
		cnt[(a[i] >> shift) + 1]++;
	for (size_t k = 1; k <= nb; k++)
		cnt[k] += cnt[k - 1];
	for (size_t i = 0; i < n; i++)
		tmp[cnt[a[i] >> shift]++] = a[i];
	for (size_t i = 1; i < n; i++) {
		uint64_t v = tmp[i];
		size_t j = i;
		while (j > 0 && tmp[j - 1] > v) {
			tmp[j] = tmp[j - 1];
			j--;
		}
		tmp[j] = v;
	}
	size_t m = 1;
	a[0] = tmp[0];
	for (size_t i = 1; i < n; i++)
		if (tmp[i] != a[m - 1])
			a[m++] = tmp[i];
	g_free(cnt);
	g_free(tmp);
	return m;
}

/* --- the entry points -------------------------------------------------- */

static void
tok_init(struct tok *tk, struct spam_features *f, const struct spam_tok_opts *o)
{
	memset(tk, 0, sizeof *tk);
	tk->o = o;
	tk->f = f;
	tk->icu = icu_get();
	byte_class_init();
	tk->caph = 2048;
	tk->h = g_new(uint64_t, tk->caph);
	tk->capxh = 1024;
	tk->xh = g_new(uint64_t, tk->capxh);
	tk->osb = MIN(o->osb_dist, OSB_WINDOW);
	tk->name = g_string_sized_new(128);
	tk->fold = g_string_sized_new(256);
	tk->word = g_string_sized_new(64);
	tk->shape = g_string_sized_new(64);
	for (unsigned i = 0; i < OSB_WINDOW; i++)
		tk->win[i] = g_string_sized_new(64);
}

static void
tok_done(struct tok *tk)
{
	g_free(tk->h);
	g_free(tk->xh);
	g_string_free(tk->name, TRUE);
	g_string_free(tk->fold, TRUE);
	g_string_free(tk->word, TRUE);
	g_string_free(tk->shape, TRUE);
	for (unsigned i = 0; i < OSB_WINDOW; i++)
		g_string_free(tk->win[i], TRUE);
}

/*
 * Byte 4-grams of the body as it came (tokenize.h): from after the header
 * block, carriage returns skipped, at most max bytes.
 */
static void
body_bytes(struct tok *tk, const uint8_t *raw, size_t len, size_t max)
{
	size_t i = 0;

	/* the body starts after the first empty line */
	for (; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		size_t j = i + 1;
		if (j < len && raw[j] == '\r')
			j++;
		if (j < len && raw[j] == '\n') {
			i = j + 1;
			break;
		}
	}
	uint32_t g = 0;
	size_t have = 0, taken = 0;
	bool names = tk->f->names != NULL;
	for (; i < len && taken < max; i++) {
		if (raw[i] == '\r')
			continue;
		taken++;
		g = g << 8 | raw[i];
		if (++have < 4)
			continue;
		emit_hash(tk, spam_bytes_hash(g));
		if (names)
			g_ptr_array_add(tk->f->names, g_strdup_printf("b:%08x", g));
	}
}

static GArray *
sorted_array(uint64_t *a, size_t n)
{
	n = sort_unique(a, n);
	GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), (guint)n);
	g_array_append_vals(out, a, (guint)n);
	return out;
}

/*
 * a[0..n) without duplicates, in the order of their first occurrence:
 * an open-addressing set of the keys (hashes: their low bits spread
 * evenly), at most half full.  Cheaper than sorting thousands of keys,
 * which the second stage does not need.
 */
static GArray *
unique_array(const uint64_t *a, size_t n)
{
	GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), (guint)n);
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	size_t mask = cap - 1;
	uint64_t *set = g_new0(uint64_t, cap);
	uint64_t *o = (uint64_t *)(void *)out->data;
	size_t m = 0;
	bool zero = false;	/* 0 marks an empty slot: that key apart */
	for (size_t i = 0; i < n; i++) {
		uint64_t k = a[i];
		if (k == 0) {
			if (!zero)
				o[m++] = 0;
			zero = true;
			continue;
		}
		size_t j = (size_t)k & mask;
		while (set[j] != 0 && set[j] != k)
			j = (j + 1) & mask;
		if (set[j] == 0) {
			set[j] = k;
			o[m++] = k;
		}
	}
	g_free(set);
	g_array_set_size(out, (guint)m);
	return out;
}

struct spam_features *
spam_tokenize(const struct mime_message *msg, const struct content *c,
    const struct obj_tree *t, const uint8_t *raw, size_t raw_len,
    const struct spam_tok_opts *opts)
{
	const struct spam_tok_opts *o = opts != NULL ? opts : &spam_tok_defaults;
	struct spam_features *f = g_new0(struct spam_features, 1);
	struct tok tk;

	if (o->names)
		f->names = g_ptr_array_new_with_free_func(g_free);
	tok_init(&tk, f, o);

	if (msg != NULL && msg->headers != NULL && (o->families & SPAM_TOK_SUBJECT))
		subject_words(&tk, msg->headers);
	if (c != NULL && (o->families & (SPAM_TOK_WORDS | SPAM_TOK_OSB | SPAM_TOK_CJK))) {
		for (guint i = 0; i < c->texts->len && !tk.stop; i++) {
			size_t n;
			const char *s = content_norm(c, c->texts->pdata[i], &n);
			body_text(&tk, s, n);
		}
	}
	if (msg != NULL && msg->headers != NULL && (o->families & SPAM_TOK_HEADERS))
		headers(&tk, msg, t);
	if (c != NULL && (o->families & SPAM_TOK_URLS))
		url_hosts(&tk, c);

	if (raw != NULL && ((o->families | o->second) & SPAM_TOK_BYTES)) {
		tk.to_x = !(o->families & SPAM_TOK_BYTES);
		body_bytes(&tk, raw, raw_len, o->bytes_max);
		tk.to_x = false;
	}

	f->h = sorted_array(tk.h, tk.nh);
	f->x = unique_array(tk.xh, tk.nxh);
	tok_done(&tk);
	return f;
}

void
spam_features_free(struct spam_features *f)
{
	if (f == NULL)
		return;
	g_array_free(f->h, TRUE);
	if (f->x != NULL)
		g_array_free(f->x, TRUE);
	if (f->names != NULL)
		g_ptr_array_free(f->names, TRUE);
	g_free(f);
}

static void
collect(struct tok *tk, const char *w, size_t n, void *arg)
{
	(void)tk;
	g_ptr_array_add(arg, g_strndup(w, n));
}

GPtrArray *
spam_text_words(const char *s, size_t len, bool icu_only)
{
	struct spam_features f = { 0 };
	struct tok tk;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	tok_init(&tk, &f, &spam_tok_defaults);
	text_words(&tk, s, len, icu_only, collect, out);
	tok_done(&tk);
	return out;
}
