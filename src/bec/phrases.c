/*
 * phrases.c - the payment-change dictionary and its rule (see phrases.h).
 */
#include "phrases.h"

#include <stdio.h>
#include <string.h>

#include <hs.h>

enum cat { CAT_BANK, CAT_GIFT, CAT_URGENT };

static const char *const CAT_NAME[] = { "bank-change", "gift-card", "urgent" };

struct phrase {
	enum cat cat;
	char *written;		/* as the file writes it */
	char *norm;		/* normal form */
	size_t len;
	bool word_start;	/* starts with an ASCII letter or digit */
	bool word_end;
};

/* The phrases' normal forms are one Hyperscan literal database; a match
 * ends at `to`, so it starts at to - len. */
struct bec_phrases {
	GPtrArray *list;	/* struct phrase *, in the file's order */
	hs_database_t *db;	/* NULL when there are no phrases */
};

/* Each thread's scratch, grown to fit every database it scanned with. */
static void
scratch_free(gpointer s)
{
	hs_free_scratch(s);
}

static GPrivate tls_scratch = G_PRIVATE_INIT(scratch_free);

static bool
ascii_word(unsigned char c)
{
	return g_ascii_isalnum(c);
}

/*
 * The normal form of s[0..n) (UTF-8; an invalid byte is U+FFFD) written
 * to out, which has room for FOLD_ROOM(n) bytes: lower case, blanks next
 * to a non-ASCII character removed, other blank runs one space, no
 * leading or trailing blank.  Its length.
 */
/* ASCII lower-cased; 0 for a blank (NUL, tab to CR, space) */
static const unsigned char ASCII_FOLD[128] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	0, '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'@', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '[', '\\', ']', '^', '_',
	'`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~', 127,
};

#define FOLD_ROOM(n) ((n) * 3 + 8)	/* an invalid byte becomes U+FFFD, 3 bytes */

static size_t
fold(char *out, const char *s, size_t n)
{
	bool pending = false;	/* a blank run since the last character */
	bool last_ascii = false;
	size_t o = 0;
	const char *e = s + n;

	for (const char *p = s; p < e;) {
		unsigned char b = (unsigned char)*p;
		if (b < 0x80) {
			/* ASCII: a run of characters, then a run of blanks */
			if (ASCII_FOLD[b] != 0) {
				if (pending && last_ascii && o > 0)
					out[o++] = ' ';
				pending = false;
				last_ascii = true;
				do {
					out[o++] = (char)ASCII_FOLD[b];
					if (++p == e)
						break;
					b = (unsigned char)*p;
				} while (b < 0x80 && ASCII_FOLD[b] != 0);
			} else {
				pending = true;
				p++;
			}
			continue;
		}
		gunichar c = g_utf8_get_char_validated(p, e - p);
		const char *q;
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = 0xFFFD;
			q = p + 1;
		} else {
			q = g_utf8_next_char(p);
		}
		if (g_unichar_isspace(c)) {	/* U+3000, U+00A0, U+2028 ... */
			pending = true;
		} else {
			pending = false;
			gunichar l = g_unichar_tolower(c);
			if (l == c && c != 0xFFFD) {
				memcpy(out + o, p, (size_t)(q - p));
				o += (size_t)(q - p);
			} else {
				o += (size_t)g_unichar_to_utf8(l, out + o);
			}
			last_ascii = false;
		}
		p = q;
	}
	return o;
}

static void
phrase_free(gpointer v)
{
	struct phrase *ph = v;
	g_free(ph->written);
	g_free(ph->norm);
	g_free(ph);
}

void
bec_phrases_free(struct bec_phrases *p)
{
	if (p == NULL)
		return;
	g_ptr_array_unref(p->list);
	if (p->db != NULL)
		hs_free_database(p->db);
	g_free(p);
}

unsigned
bec_phrases_count(const struct bec_phrases *p)
{
	return p != NULL ? p->list->len : 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

struct bec_phrases *
bec_phrases_parse(const char *data, size_t len, const char *name, char *err, size_t errlen)
{
	struct bec_phrases *p = g_new0(struct bec_phrases, 1);
	p->list = g_ptr_array_new_with_free_func(phrase_free);
	GString *f = g_string_new("");
	unsigned lineno = 0;

	if (len > BEC_PHRASES_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", name, (unsigned)BEC_PHRASES_FILE_MAX);
		goto fail;
	}
	for (size_t off = 0; off < len;) {
		const char *s = data + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - off;
		off += n + 1;
		lineno++;
		while (n > 0 && is_blank(s[0]))
			s++, n--;
		while (n > 0 && is_blank(s[n - 1]))
			n--;
		if (n == 0 || s[0] == '#')
			continue;
		if (!g_utf8_validate(s, (gssize)n, NULL) || memchr(s, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%u: not UTF-8 text", name, lineno);
			goto fail;
		}
		size_t cl = 0;
		while (cl < n && !is_blank(s[cl]))
			cl++;
		int cat = -1;
		for (size_t i = 0; i < G_N_ELEMENTS(CAT_NAME); i++)
			if (strlen(CAT_NAME[i]) == cl && memcmp(s, CAT_NAME[i], cl) == 0)
				cat = (int)i;
		if (cat < 0) {
			snprintf(err, errlen, "%s:%u: unknown category \"%.*s\" (bank-change, gift-card, urgent)",
			    name, lineno, (int)MIN(cl, 40), s);
			goto fail;
		}
		const char *w = s + cl;
		size_t wn = n - cl;
		while (wn > 0 && is_blank(w[0]))
			w++, wn--;
		if (wn == 0) {
			snprintf(err, errlen, "%s:%u: no phrase", name, lineno);
			goto fail;
		}
		if (wn > BEC_PHRASE_MAX) {
			snprintf(err, errlen, "%s:%u: phrase longer than %u bytes", name, lineno,
			    (unsigned)BEC_PHRASE_MAX);
			goto fail;
		}
		if (p->list->len >= BEC_PHRASES_MAX) {
			snprintf(err, errlen, "%s:%u: more than %u phrases", name, lineno,
			    (unsigned)BEC_PHRASES_MAX);
			goto fail;
		}
		char *nf = g_utf8_normalize(w, (gssize)wn, G_NORMALIZE_NFKC);
		size_t nfl = strlen(nf);
		g_string_set_size(f, FOLD_ROOM(nfl));
		g_string_set_size(f, fold(f->str, nf, nfl));
		g_free(nf);
		if (f->len < 2) {
			snprintf(err, errlen, "%s:%u: phrase shorter than 2 bytes", name, lineno);
			goto fail;
		}
		struct phrase *ph = g_new0(struct phrase, 1);
		ph->cat = (enum cat)cat;
		ph->written = g_strndup(w, wn);
		ph->len = f->len;
		ph->norm = g_strndup(f->str, f->len);
		ph->word_start = ascii_word((unsigned char)ph->norm[0]);
		ph->word_end = ascii_word((unsigned char)ph->norm[ph->len - 1]);
		g_ptr_array_add(p->list, ph);
	}
	g_string_free(f, TRUE);
	if (p->list->len > 0) {
		guint np = p->list->len;
		const char **lits = g_new(const char *, np);
		unsigned *flags = g_new0(unsigned, np), *ids = g_new(unsigned, np);
		size_t *lens = g_new(size_t, np);
		for (guint i = 0; i < np; i++) {
			const struct phrase *ph = g_ptr_array_index(p->list, i);
			lits[i] = ph->norm;
			lens[i] = ph->len;
			ids[i] = i;
		}
		hs_compile_error_t *ce = NULL;
		hs_error_t r = hs_compile_lit_multi(lits, flags, ids, lens, np, HS_MODE_BLOCK, NULL,
		    &p->db, &ce);
		g_free(lits);
		g_free(flags);
		g_free(ids);
		g_free(lens);
		if (r != HS_SUCCESS) {
			snprintf(err, errlen, "%s: Hyperscan: %s", name,
			    ce != NULL ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			p->db = NULL;
			goto fail;
		}
	}
	return p;
fail:
	g_string_free(f, TRUE);
	bec_phrases_free(p);
	return NULL;
}

struct bec_phrases *
bec_phrases_load(const char *path, char *err, size_t errlen)
{
	char *data = NULL;
	gsize len = 0;
	GError *e = NULL;

	if (!g_file_get_contents(path, &data, &len, &e)) {
		snprintf(err, errlen, "%s", e->message);
		g_error_free(e);
		return NULL;
	}
	struct bec_phrases *p = bec_phrases_parse(data, len, path, err, errlen);
	g_free(data);
	return p;
}

/* Whether ph at t[at..) of t[0..n) is at word boundaries. */
static bool
phrase_bounded(const struct phrase *ph, const char *t, size_t n, size_t at)
{
	return (!ph->word_start || at == 0 || !ascii_word((unsigned char)t[at - 1])) &&
	    (!ph->word_end || at + ph->len == n || !ascii_word((unsigned char)t[at + ph->len]));
}

struct scan {
	const struct bec_phrases *p;
	const char *t;
	size_t n;
	gssize *first;		/* per phrase: its first occurrence, or -1 */
};

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
    void *arg)
{
	(void)from;
	(void)flags;
	struct scan *sc = arg;
	const struct phrase *ph = g_ptr_array_index(sc->p->list, id);
	size_t at = (size_t)to - ph->len;
	if (sc->first[id] < 0 && phrase_bounded(ph, sc->t, sc->n, at))
		sc->first[id] = (gssize)at;
	return 0;
}

struct span {
	size_t at, end;
};

static gint
span_cmp(gconstpointer a, gconstpointer b)
{
	const struct span *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at ? 1 : (x->end < y->end ? -1 : x->end > y->end);
}

bool
bec_phrases_match(const struct bec_phrases *p, const char *text, size_t len, GPtrArray *hits)
{
	if (p == NULL || p->db == NULL || text == NULL || len == 0)
		return false;
	len = MIN(len, (size_t)BEC_PHRASES_TEXT_MAX);
	/* grown in place, or freed and NULL on a failure: kept either way */
	hs_scratch_t *scratch = g_private_get(&tls_scratch);
	hs_error_t r = hs_alloc_scratch(p->db, &scratch);
	g_private_set(&tls_scratch, scratch);
	if (r != HS_SUCCESS)
		return false;
	char *t = g_malloc(FOLD_ROOM(len));
	size_t n = fold(t, text, len);
	guint np = p->list->len;
	gssize *first = g_new(gssize, np);
	for (guint i = 0; i < np; i++)
		first[i] = -1;
	struct scan sc = { p, t, n, first };
	(void)hs_scan(p->db, t, (unsigned)n, 0, scratch, on_match, &sc);
	GArray *pay = g_array_new(FALSE, FALSE, sizeof(struct span));
	bool urgent = false;
	for (guint i = 0; i < np; i++) {
		if (first[i] < 0)
			continue;
		const struct phrase *ph = g_ptr_array_index(p->list, i);
		if (ph->cat == CAT_URGENT) {
			urgent = true;
		} else {
			struct span sp = { (size_t)first[i], (size_t)first[i] + ph->len };
			g_array_append_val(pay, sp);
		}
		if (hits != NULL)
			g_ptr_array_add(hits, g_strdup_printf("%s: %s", CAT_NAME[ph->cat], ph->written));
	}
	/* distinct payment phrases: non-overlapping first occurrences */
	g_array_sort(pay, span_cmp);
	unsigned distinct = 0;
	size_t end = 0;
	for (guint i = 0; i < pay->len; i++) {
		const struct span *sp = &g_array_index(pay, struct span, i);
		if (distinct == 0 || sp->at >= end) {
			distinct++;
			end = sp->end;
		} else if (sp->end > end) {
			/* overlapping: the same mention, widened */
			end = sp->end;
		}
	}
	g_array_free(pay, TRUE);
	g_free(first);
	g_free(t);
	return distinct >= 1 && (urgent || distinct >= 2);
}

const char *
bec_phrases_default_path(void)
{
	if (g_file_test(MAMORI_RULES_INSTALL_DIR "/bec-phrases.txt", G_FILE_TEST_IS_REGULAR))
		return MAMORI_RULES_INSTALL_DIR "/bec-phrases.txt";
	return MAMORI_RULES_SOURCE_DIR "/bec-phrases.txt";
}
