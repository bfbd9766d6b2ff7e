/*
 * phrases.c - the payment-change dictionary and its rule (see phrases.h).
 */
#include "phrases.h"

#include <stdio.h>
#include <string.h>

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

struct bec_phrases {
	GPtrArray *list;	/* struct phrase * */
};

static bool
ascii_word(unsigned char c)
{
	return g_ascii_isalnum(c);
}

/*
 * The normal form of s[0..n) (valid UTF-8) appended to out: lower case,
 * blanks next to a non-ASCII character removed, other blank runs one
 * space, no leading or trailing blank.
 */
static void
fold(GString *out, const char *s, size_t n)
{
	bool pending = false;	/* a blank run since the last character */
	bool last_ascii = false;
	const char *e = s + n;

	for (const char *p = s; p < e;) {
		unsigned char b = (unsigned char)*p;
		gunichar c;
		const char *q;
		if (b < 0x80) {
			c = b;
			q = p + 1;
		} else {
			c = g_utf8_get_char_validated(p, e - p);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				c = 0xFFFD;
				q = p + 1;
			} else {
				q = g_utf8_next_char(p);
			}
		}
		bool blank = c < 0x80 ? g_ascii_isspace((char)c) || c == 0 :
		    (g_unichar_isspace(c) || c == 0x3000);
		if (blank) {
			pending = true;
		} else {
			bool ascii = c < 0x80;
			if (pending && ascii && last_ascii && out->len > 0)
				g_string_append_c(out, ' ');
			pending = false;
			if (ascii) {
				g_string_append_c(out, g_ascii_tolower((char)c));
			} else {
				gunichar l = g_unichar_tolower(c);
				if (l == c && q - p == g_unichar_to_utf8(c, NULL))
					g_string_append_len(out, p, q - p);
				else
					g_string_append_unichar(out, l);
			}
			last_ascii = ascii;
		}
		p = q;
	}
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
		g_string_truncate(f, 0);
		fold(f, nf, strlen(nf));
		g_free(nf);
		if (f->len == 0) {
			snprintf(err, errlen, "%s:%u: empty phrase", name, lineno);
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

/* The first occurrence of ph in t[0..n) at word boundaries, or -1. */
static gssize
find_phrase(const struct phrase *ph, const char *t, size_t n)
{
	for (size_t from = 0; from + ph->len <= n;) {
		const char *hit = memmem(t + from, n - from, ph->norm, ph->len);
		if (hit == NULL)
			return -1;
		size_t at = (size_t)(hit - t);
		bool ok = (!ph->word_start || at == 0 || !ascii_word((unsigned char)t[at - 1])) &&
		    (!ph->word_end || at + ph->len == n || !ascii_word((unsigned char)t[at + ph->len]));
		if (ok)
			return (gssize)at;
		from = at + 1;
	}
	return -1;
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
	if (p == NULL || text == NULL || len == 0)
		return false;
	GString *t = g_string_sized_new(len);
	fold(t, text, len);
	GArray *pay = g_array_new(FALSE, FALSE, sizeof(struct span));
	bool urgent = false;
	for (guint i = 0; i < p->list->len; i++) {
		const struct phrase *ph = g_ptr_array_index(p->list, i);
		gssize at = find_phrase(ph, t->str, t->len);
		if (at < 0)
			continue;
		if (ph->cat == CAT_URGENT) {
			urgent = true;
		} else {
			struct span s = { (size_t)at, (size_t)at + ph->len };
			g_array_append_val(pay, s);
		}
		if (hits != NULL)
			g_ptr_array_add(hits, g_strdup_printf("%s: %s", CAT_NAME[ph->cat], ph->written));
	}
	/* distinct payment phrases: non-overlapping first occurrences */
	g_array_sort(pay, span_cmp);
	unsigned distinct = 0;
	size_t end = 0;
	for (guint i = 0; i < pay->len; i++) {
		const struct span *s = &g_array_index(pay, struct span, i);
		if (distinct == 0 || s->at >= end) {
			distinct++;
			end = s->end;
		} else if (s->end > end) {
			/* overlapping: the same mention, widened */
			end = s->end;
		}
	}
	g_array_free(pay, TRUE);
	g_string_free(t, TRUE);
	return distinct >= 1 && (urgent || distinct >= 2);
}

const char *
bec_phrases_default_path(void)
{
	if (g_file_test(MAMORI_RULES_INSTALL_DIR "/bec-phrases.txt", G_FILE_TEST_IS_REGULAR))
		return MAMORI_RULES_INSTALL_DIR "/bec-phrases.txt";
	return MAMORI_RULES_SOURCE_DIR "/bec-phrases.txt";
}
