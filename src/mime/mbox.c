/*
 * mbox.c - split mbox files (see mbox.h).
 *
 * Bounds: every read is checked against the line length; a From_ line is
 * only looked at up to FROM_LINE_MAX bytes.
 */
#include "mbox.h"

#include <string.h>

#define FROM_LINE_MAX 1000

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Is the token [p, p+n) one of the three-letter names in list? */
static bool
is_name(const uint8_t *p, size_t n, const char *list)
{
	if (n != 3)
		return false;
	for (const char *l = list; *l != '\0'; l += 3)
		if (memcmp(p, l, 3) == 0)
			return true;
	return false;
}

static bool
is_number(const uint8_t *p, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

/* hh:mm or hh:mm:ss */
static bool
is_time(const uint8_t *p, size_t n)
{
	return (n == 5 || n == 8) && is_digit(p[0]) && is_digit(p[1]) && p[2] == ':' &&
	    is_digit(p[3]) && is_digit(p[4]) &&
	    (n == 5 || (p[5] == ':' && is_digit(p[6]) && is_digit(p[7])));
}

/*
 * "From " sender asctime-date [zone] [remote from ...]: the date is
 * "Www Mmm dd hh:mm[:ss] [zone] yyyy" (RFC 4155), zone sometimes after
 * the year.  Tokens are matched in that order.
 */
bool
mbox_is_from_line(const uint8_t *p, size_t len)
{
	if (len < 5 || memcmp(p, "From ", 5) != 0 || len > FROM_LINE_MAX)
		return false;
	const uint8_t *tok[16];
	size_t tlen[16], n = 0;
	for (size_t i = 5; i < len && n < 16;) {
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t s = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		if (i > s) {
			tok[n] = p + s;
			tlen[n++] = i - s;
		}
	}
	/* tok[0] is the sender; find the weekday after it */
	for (size_t w = 1; w + 3 < n; w++) {
		if (!is_name(tok[w], tlen[w], "MonTueWedThuFriSatSun") ||
		    !is_name(tok[w + 1], tlen[w + 1], "JanFebMarAprMayJunJulAugSepOctNovDec") ||
		    !is_number(tok[w + 2], tlen[w + 2], 1, 2) ||
		    !is_time(tok[w + 3], tlen[w + 3]))
			continue;
		for (size_t y = w + 4; y < n && y <= w + 5; y++)
			if (is_number(tok[y], tlen[y], 4, 4))
				return true;
	}
	return false;
}

static size_t
line_len(const uint8_t *p, size_t len, size_t off, size_t *next)
{
	const uint8_t *nl = memchr(p + off, '\n', len - off);
	size_t end = nl != NULL ? (size_t)(nl - p) : len;
	*next = nl != NULL ? end + 1 : len;
	if (end > off && p[end - 1] == '\r')
		end--;
	return end - off;
}

bool
mbox_is_mbox(const uint8_t *p, size_t len)
{
	size_t next;
	return len > 0 && mbox_is_from_line(p, line_len(p, len, 0, &next));
}

GArray *
mbox_split(const uint8_t *p, size_t len)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct mbox_msg));
	size_t off = 0, start = 0;
	bool in_msg = false, prev_blank = true;

	while (off < len) {
		size_t next;
		size_t l = line_len(p, len, off, &next);
		if (prev_blank && mbox_is_from_line(p + off, l)) {
			if (in_msg) {
				struct mbox_msg m = { start, off - start };
				g_array_append_val(out, m);
			}
			start = next;
			in_msg = true;
		}
		prev_blank = l == 0;
		off = next;
	}
	if (in_msg) {
		struct mbox_msg m = { start, len - start };
		g_array_append_val(out, m);
	}
	return out;
}
