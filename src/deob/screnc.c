/*
 * screnc.c - the Microsoft Script Encoder (screnc.exe): .vbe and .jse
 * files, <SCRIPT LANGUAGE="VBScript.Encode"> / "JScript.Encode" in HTML,
 * HTA and WSF, and any other text holding a block
 *
 *   #@~^ LLLLLL== encoded text CCCCCC== ^#~@
 *
 * LLLLLL== is the base64 of a 32-bit little-endian count: the bytes of
 * the encoded text; CCCCCC== likewise the sum of the decoded bytes (it
 * is not checked: a block decodes all the same).  The encoding is a
 * substitution: the byte at position i (counted per decoded character
 * from the block's start) is looked up in one of three tables, which one
 * the 64-entry pattern PICK says for i mod 64.  '@' starts an escape of
 * one more byte: @& newline, @# carriage return, @* '>', @! '<', @$ '@'
 * (any other byte stands for itself); an escape counts as one position.
 * Bytes 0x80 and above (text in the file's ANSI code page) are copied and
 * do not count as a position; the other control bytes but tab decode to
 * themselves.  The tables and the pattern are the constants every public
 * decoder carries (MrBrownstone's scrdec, Didier Stevens' decode-vbe.py,
 * the 2003 Full-Disclosure post "VBScript/JScript.Encode Decoder");
 * tests/deob/screnc_oracle.py checks them against published samples and
 * an encoder of its own.
 *
 * The length must match: the block ends exactly that many bytes after
 * the header, with the checksum and "==^#~@".  A file converted to UTF-8
 * after encoding counts characters where the encoder counted bytes, so
 * the length is also accepted as a count of UTF-8 characters up to the
 * next end marker.  A block that fits neither, or whose header is not
 * six base64 characters and "==", is copied as it is.  The output is
 * never longer than the input (an escape shrinks, nothing grows), and
 * the scan is linear: every byte is looked at a bounded number of times
 * (the UTF-8 count runs two forward-only cursors).
 */
#include "deob.h"

#include <string.h>

#define MARK_START "#@~^"
#define MARK_END "^#~@"
#define MARK_LEN 4
#define FIELD_LEN 8		/* six base64 characters and "==" */

/*
 * The three decoding tables, for the encoded bytes 0x20..0x7f (the '@'
 * slot is never used: '@' escapes); tab (0x09) decodes to TAB_DEC[t].
 */
static const char DEC[3][97] = {
	".GzVBj/&IA42[vrC89pEhqO\x09" "bD#u<~>^@wJa]\"KoN;LPg*}t"
	    "T+-,0nkf5%!dMRc?{x)(sY3\x7f" "mUS|:_eFX1ilZH'\\=$y7`Q 6",
	"20!)[83=X:5e9\\VsfNEkbYx^}Jmq<`>S@B'Hru17MR\"TjGd-"
	    " \x7f" ".L]~loytC&v%$+(#A4\x09" "*D?w;UiacPgQIOFh|6pnz/_KZ,W",
	"-uR`q^I\\b})6 |z\x7f" "kc3+hQfv1dTC<:>~@E,*t'7DyY/o&rj9"
	    "{?8wgSG4x]0#Z[lHUpi.L!$NP\x09" "Vs5aKX;W\"mM%(FJ2A=_OBe",
};
static const char TAB_DEC[3] = { 'W', '{', 'n' };

/* Which table decodes position i: PICK[i % 64] - '0'. */
static const char PICK[] = "0210212112120121012100211201211200121210100210120121002110021012";

/* Whether c is one of the 64 characters of base64. */
static bool
is_b64(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/';
}

/* The 32-bit value of a length or checksum field at s (FIELD_LEN bytes), or false. */
static bool
field_value(const char *s, uint32_t *v)
{
	for (int i = 0; i < 6; i++)
		if (!is_b64((unsigned char)s[i]))
			return false;
	if (s[6] != '=' || s[7] != '=')
		return false;
	guchar out[12];	/* g_base64_decode_step: (8 / 4) * 3 + 3 */
	gint state = 0;
	guint save = 0;
	gsize n = g_base64_decode_step(s, FIELD_LEN, out, &state, &save);
	if (n < 4)
		return false;
	*v = (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 |
	    (uint32_t)out[3] << 24;
	return true;
}

/*
 * The first 4-byte marker m in text[from..len), or len.  memchr for its
 * first byte, then a comparison: linear, and cheap under AddressSanitizer
 * too, whose memmem interceptor checks the whole rest of the text on
 * every call.
 */
static size_t
find_mark(const char *text, size_t len, size_t from, const char *m)
{
	while (from + MARK_LEN <= len) {
		const char *p = memchr(text + from, m[0], len - from - MARK_LEN + 1);
		if (p == NULL)
			break;
		if (memcmp(p, m, MARK_LEN) == 0)
			return (size_t)(p - text);
		from = (size_t)(p - text) + 1;
	}
	return len;
}

/* Whether a checksum field and the end marker stand at text[at..len). */
static bool
trailer_at(const char *text, size_t len, size_t at)
{
	uint32_t sum;
	return at <= len && len - at >= FIELD_LEN + MARK_LEN && field_value(text + at, &sum) &&
	    memcmp(text + at + FIELD_LEN, MARK_END, MARK_LEN) == 0;
}

/* A forward-only count of the bytes that start a UTF-8 character. */
struct cursor {
	size_t pos;
	uint64_t chars;		/* in text[0..pos) */
};

static void
cursor_to(struct cursor *c, const char *text, size_t pos)
{
	for (; c->pos < pos; c->pos++)
		if (((unsigned char)text[c->pos] & 0xc0) != 0x80)
			c->chars++;
}

/* The scanner's state: the next end marker and the two cursors. */
struct scan {
	const char *text;
	size_t len;
	size_t next_end;	/* offset of the next MARK_END at or after end_from, or len */
	size_t end_from;
	struct cursor body, tail;
};

/* The first MARK_END at or after from (len when none); searched once per marker. */
static size_t
next_end(struct scan *s, size_t from)
{
	if (from < s->end_from || from > s->next_end || s->end_from == SIZE_MAX) {
		s->next_end = find_mark(s->text, s->len, from, MARK_END);
		s->end_from = from;
	}
	return s->next_end;
}

/*
 * The length of the encoded text of a block whose header (length n) ends
 * at body, or false when no trailer fits: n bytes, or n UTF-8 characters
 * up to the next end marker.
 */
static bool
body_len(struct scan *s, size_t body, uint32_t n, size_t *out)
{
	if (n <= s->len - body && trailer_at(s->text, s->len, body + n)) {
		*out = n;
		return true;
	}
	size_t e = next_end(s, body);
	if (e == s->len || e < body + FIELD_LEN)
		return false;
	size_t stop = e - FIELD_LEN;
	cursor_to(&s->body, s->text, body);
	cursor_to(&s->tail, s->text, stop);
	if (s->tail.chars - s->body.chars != n || !trailer_at(s->text, s->len, stop))
		return false;
	*out = stop - body;
	return true;
}

/* The escaped byte that '@' c stands for. */
static char
unescape(char c)
{
	switch (c) {
	case '&':
		return '\n';
	case '#':
		return '\r';
	case '*':
		return '>';
	case '!':
		return '<';
	case '$':
		return '@';
	default:
		return c;
	}
}

/* Decode the encoded text e[0..n) to out; the bytes written. */
static size_t
decode(const char *e, size_t n, char *out)
{
	size_t o = 0;
	unsigned pos = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];
		if (c >= 0x80) {
			out[o++] = (char)c;
			continue;
		}
		if (c == '@' && i + 1 < n) {
			out[o++] = unescape(e[++i]);
		} else if (c == '@' || (c < 0x20 && c != '\t')) {
			out[o++] = (char)c;
		} else {
			int t = PICK[pos % 64] - '0';
			out[o++] = c == '\t' ? TAB_DEC[t] : DEC[t][c - 0x20];
		}
		pos++;
	}
	return o;
}

char *
deob_screnc(const char *text, size_t len, size_t *out_len, unsigned *blocks)
{
	char *out = g_malloc(len + 1);
	size_t o = 0, i = 0;
	unsigned nb = 0;
	struct scan s = { .text = text, .len = len, .end_from = SIZE_MAX };

	while (i < len) {
		size_t at = find_mark(text, len, i, MARK_START);
		memcpy(out + o, text + i, at - i);
		o += at - i;
		i = at;
		if (at == len)
			break;
		size_t body = at + MARK_LEN + FIELD_LEN, n;
		uint32_t want;
		if (len - at < MARK_LEN + FIELD_LEN || !field_value(text + at + MARK_LEN, &want) ||
		    !body_len(&s, body, want, &n)) {
			/* not a block: the marker as it is, and on */
			memcpy(out + o, text + at, MARK_LEN);
			o += MARK_LEN;
			i = at + MARK_LEN;
			continue;
		}
		o += decode(text + body, n, out + o);
		i = body + n + FIELD_LEN + MARK_LEN;
		nb++;
	}
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	if (blocks != NULL)
		*blocks = nb;
	return out;
}
