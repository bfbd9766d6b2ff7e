/*
 * text.c - untrusted text made fit to show and store (see text.h).
 */
#include "text.h"

#include <glib.h>

char *
text_clean_copy(const char *s, size_t len, size_t max)
{
	if (s == NULL)
		return NULL;
	if (len > max) {
		/* back up over continuation bytes to a character start */
		size_t cut = max;
		for (int i = 0; i < 3 && cut > 0 &&
		    ((unsigned char)s[cut] & 0xC0) == 0x80; i++)
			cut--;
		len = cut;
	}
	char *v = g_utf8_make_valid(s, (gssize)len);
	for (char *c = v; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return v;
}
