/*
 * rfc2047.c - see rfc2047.h for why this pre-pass exists.
 *
 * Grammar (RFC 2047 2): "=?" charset ["*" language] "?" ("B"|"Q") "?"
 * encoded-text "?=", encoded-text without blanks or "?".  Words separated
 * only by linear white space form a run; the white space between them is
 * not part of the text (RFC 2047 6.2).
 *
 * Bounds: a charset name is at most CHARSET_MAX bytes; all scanning stops
 * at the terminating NUL of s; output grows with input only (decoded text
 * is at most three UTF-8 bytes per input byte, base64 adds a third).
 */
#include "rfc2047.h"

#include <string.h>

#include <glib.h>

#include "charset.h"

#define CHARSET_MAX 64

struct word {
	const char *start, *end;	/* the whole "=?...?=" */
	bool unterminated;		/* ran to the end of the text without "?=" */
	char charset[CHARSET_MAX + 1];
	char enc;			/* 'B' or 'Q' */
	const char *text;
	size_t text_len;
};

/* Parse an encoded-word at s ("=?" already seen); false if not one. */
static bool
word_parse(const char *s, struct word *w)
{
	const char *p = s + 2;
	size_t n = 0;

	while (*p != '\0' && *p != '?' && *p != '*' && n < CHARSET_MAX &&
	    !g_ascii_isspace(*p))
		w->charset[n++] = *p++;
	w->charset[n] = '\0';
	if (*p == '*')			/* RFC 2231 language tag */
		while (*p != '\0' && *p != '?' && !g_ascii_isspace(*p))
			p++;
	if (n == 0 || p[0] != '?' || p[1] == '\0' || p[2] != '?')
		return false;
	w->enc = g_ascii_toupper(p[1]);
	if (w->enc != 'B' && w->enc != 'Q')
		return false;
	w->text = p + 3;
	const char *q = w->text;
	while (*q != '\0' && !(q[0] == '?' && q[1] == '=') && !g_ascii_isspace(*q))
		q++;
	w->start = s;
	w->text_len = (size_t)(q - w->text);
	/* a last word that lost its "?=" (or only its "=") is still shown by
	 * mail clients: decode it too, as broken */
	const char *r = q[0] == '?' && q[1] != '=' ? q + 1 : q;
	const char *rest = r;
	while (g_ascii_isspace(*rest))
		rest++;
	if (*rest == '\0' && w->text_len > 0 && !(q[0] == '?' && q[1] == '=')) {
		w->unterminated = true;
		w->end = r;
		return true;
	}
	if (q[0] != '?' || q[1] != '=')
		return false;
	w->unterminated = false;
	w->end = q + 2;
	return true;
}

static bool
b_decode(const char *t, size_t len, GByteArray *out)
{
	bool ok = true;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(t[i]) && t[i] != '+' && t[i] != '/' && t[i] != '=')
			ok = false;
	guint8 *buf = g_malloc(len + 3);
	gint state = 0;
	guint save = 0;
	gsize n = g_base64_decode_step(t, len, buf, &state, &save);
	g_byte_array_append(out, buf, (guint)n);
	g_free(buf);
	return ok;
}

static void
q_decode(const char *t, size_t len, GByteArray *out)
{
	for (size_t i = 0; i < len; i++) {
		guint8 c = (guint8)t[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < len && g_ascii_isxdigit(t[i + 1]) &&
		    g_ascii_isxdigit(t[i + 2])) {
			c = (guint8)(g_ascii_xdigit_value(t[i + 1]) * 16 +
			    g_ascii_xdigit_value(t[i + 2]));
			i += 2;
		}
		g_byte_array_append(out, &c, 1);
	}
}

/* Convert the bytes gathered for one charset and add them to run. */
static void
flush(GString *run, const char *charset, GByteArray *bytes, bool *malformed)
{
	unsigned fl = 0;
	if (bytes->len == 0)
		return;
	char *u = charset_to_utf8(charset, bytes->data, bytes->len, NULL, NULL,
	    NULL, &fl);
	if (fl & (CHARSET_UNKNOWN | CHARSET_LOSSY))
		*malformed = true;
	g_string_append(run, u);
	g_free(u);
	g_byte_array_set_size(bytes, 0);
}

static void
emit_run(GString *out, const GString *run)
{
	char *b64 = g_base64_encode((const guchar *)run->str, run->len);
	g_string_append_printf(out, "=?UTF-8?B?%s?=", b64);
	g_free(b64);
}

char *
rfc2047_normalize(const char *s, bool *malformed)
{
	const char *p = s, *hit;
	GString *out = NULL;
	GString *run = g_string_new(NULL);
	GByteArray *bytes = g_byte_array_new();

	while ((hit = strstr(p, "=?")) != NULL) {
		struct word w;
		if (!word_parse(hit, &w)) {
			/* "=?cs?" that goes wrong later is a broken word */
			const char *q = strchr(hit + 2, '?');
			if (q != NULL && q - hit < CHARSET_MAX && memchr(hit, ' ', (size_t)(q - hit)) == NULL)
				*malformed = true;
			if (out == NULL)
				out = g_string_new(NULL);
			g_string_append_len(out, p, hit + 2 - p);
			p = hit + 2;
			continue;
		}
		if (out == NULL)
			out = g_string_sized_new(strlen(s) + 16);
		g_string_append_len(out, p, w.start - p);
		/* RFC 2047 5: a word stands alone, not glued to other text */
		if (w.start > s && !g_ascii_isspace(w.start[-1]) &&
		    strchr("\"(<,:", w.start[-1]) == NULL)
			*malformed = true;
		/* the run: this word and those after it across white space */
		char charset[CHARSET_MAX + 1];
		g_strlcpy(charset, w.charset, sizeof charset);
		g_string_truncate(run, 0);
		for (;;) {
			if (g_ascii_strcasecmp(charset, w.charset) != 0) {
				flush(run, charset, bytes, malformed);
				g_strlcpy(charset, w.charset, sizeof charset);
			}
			if (w.enc == 'B') {
				if (!b_decode(w.text, w.text_len, bytes))
					*malformed = true;
			} else {
				q_decode(w.text, w.text_len, bytes);
			}
			if (w.unterminated)
				*malformed = true;
			p = w.end;
			const char *q = p;
			while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
				q++;
			if (!(q[0] == '=' && q[1] == '?' && word_parse(q, &w)))
				break;
		}
		flush(run, charset, bytes, malformed);
		emit_run(out, run);
		if (*p != '\0' && !g_ascii_isspace(*p) && strchr("\")>,;", *p) == NULL)
			*malformed = true;
	}
	g_string_free(run, TRUE);
	g_byte_array_free(bytes, TRUE);
	if (out == NULL)
		return NULL;
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}
