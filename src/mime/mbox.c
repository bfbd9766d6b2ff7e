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

bool
mbox_is_from_line(const uint8_t *p, size_t len)
{
	if (len < 5 || memcmp(p, "From ", 5) != 0 || len > FROM_LINE_MAX)
		return false;
	size_t i = 5;
	while (i < len && p[i] == ' ')
		i++;
	size_t sender = i;
	while (i < len && p[i] != ' ' && p[i] != '\t')
		i++;
	if (i == sender)
		return false;
	/* the rest is the date: want hh:mm and a four-digit year */
	bool time = false, year = false;
	for (size_t j = i; j < len; j++) {
		if (j + 4 < len + 0 && is_digit(p[j]) && p[j + 2] == ':' &&
		    is_digit(p[j + 1]) && is_digit(p[j + 3]) && is_digit(p[j + 4]))
			time = true;
		if (j + 3 < len && is_digit(p[j]) && is_digit(p[j + 1]) &&
		    is_digit(p[j + 2]) && is_digit(p[j + 3]) &&
		    (j + 4 == len || !is_digit(p[j + 4])) &&
		    (j == 0 || !is_digit(p[j - 1])) &&
		    (p[j] == '1' || p[j] == '2'))
			year = true;
	}
	return time && year;
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
