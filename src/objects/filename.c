/*
 * filename.c - double extensions and deceptive Unicode in file names (see
 * filename.h).
 *
 * Bounds: names are scanned once, character by character; the parts
 * looked at (extensions) are at most EXT_MAX bytes.
 */
#include "filename.h"

#include <string.h>

#include <glib.h>

#include "filetype.h"

#define EXT_MAX 16
#define PAD_MIN 3	/* spaces/underscores that make padding between extensions */
#define RUN_MIN 5	/* spaces that push an extension out of view */

/* dangerous extensions the type table does not carry */
static const char *const extra_danger[] = { "reg", "inf", "msc", "ws", "scf",
	"application", "appref-ms", "gadget", "iqy", "slk", "msh", "jnlp", "appx",
	"msix", "library-ms", "search-ms", "xll", "wll", NULL };

static bool
ext_ok(const char *s, size_t n)
{
	if (n == 0 || n > EXT_MAX)
		return false;
	bool alpha = false;
	for (size_t i = 0; i < n; i++) {
		if (g_ascii_isalpha(s[i]))
			alpha = true;
		else if (!g_ascii_isdigit(s[i]) && s[i] != '-')
			return false;
	}
	return alpha;
}

static void
copy_lower(char *dst, size_t dlen, const char *s, size_t n)
{
	if (dst == NULL || dlen == 0)
		return;
	if (n >= dlen)
		n = dlen - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)g_ascii_tolower(s[i]);
	dst[n] = '\0';
}

static const struct ftype *
type_of_ext(const char *s, size_t n)
{
	char buf[EXT_MAX + 3] = "x.";
	memcpy(buf + 2, s, n);
	buf[n + 2] = '\0';
	return ftype_from_extension(buf);
}

static bool
is_dangerous(const char *s, size_t n)
{
	const struct ftype *t = type_of_ext(s, n);
	if (t != NULL && (t->flags & (FT_EXECUTABLE | FT_SCRIPT | FT_SHORTCUT |
	    FT_DISK_IMAGE)) != 0)
		return true;
	for (const char *const *e = extra_danger; *e != NULL; e++)
		if (strlen(*e) == n && g_ascii_strncasecmp(*e, s, n) == 0)
			return true;
	return false;
}

static bool
is_decoy(const char *s, size_t n)
{
	const struct ftype *t = type_of_ext(s, n);
	return t != NULL && (t->flags & (FT_DOCUMENT | FT_OFFICE | FT_IMAGE |
	    FT_ARCHIVE | FT_TEXT | FT_MARKUP | FT_MESSAGE)) != 0 &&
	    (t->flags & (FT_EXECUTABLE | FT_SCRIPT | FT_SHORTCUT)) == 0;
}

bool
fname_double_extension(const char *name, char *decoy, size_t decoylen,
    char *real, size_t reallen)
{
	if (name == NULL)
		return false;
	size_t n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '.'))
		n--;		/* Windows drops these */
	size_t dot = n;
	while (dot > 0 && name[dot - 1] != '.')
		dot--;
	if (dot < 2)
		return false;
	const char *rs = name + dot;
	size_t rn = n - dot;
	if (!ext_ok(rs, rn))
		return false;
	/* padding between the decoy and the real extension */
	size_t e = dot - 1, pad = 0;
	while (e > 0 && (name[e - 1] == ' ' || name[e - 1] == '_')) {
		e--;
		pad++;
	}
	size_t d = e;
	while (d > 0 && name[d - 1] != '.' && e - d <= EXT_MAX)
		d--;
	if (d == 0 || name[d - 1] != '.' || d < 2)
		return false;
	const char *ds = name + d;
	size_t dn = e - d;
	if (!ext_ok(ds, dn) || !is_decoy(ds, dn))
		return false;
	bool same = dn == rn && g_ascii_strncasecmp(ds, rs, rn) == 0;
	if (!is_dangerous(rs, rn) && (pad < PAD_MIN || same))
		return false;
	copy_lower(decoy, decoylen, ds, dn);
	copy_lower(real, reallen, rs, rn);
	return true;
}

static bool
is_space_like(gunichar c)
{
	return c == ' ' || c == 0xA0 || c == 0x3000 || c == 0x2800 || c == 0x3164 ||
	    c == 0x115F || c == 0x1160 || c == 0xFFA0 || (c >= 0x2000 && c <= 0x200A) ||
	    c == 0x202F || c == 0x205F;
}

/* Does an extension-like ASCII run (1..5 alnum) follow, ending the name or at a '.'? */
static bool
ext_follows(const char *s)
{
	size_t i = 0;
	while (g_ascii_isalnum(s[i]) && i < 6)
		i++;
	return i >= 1 && i <= 5 && (s[i] == '\0' || s[i] == '.');
}

enum { R_NONE, R_PAD, R_DOT, R_ZW, R_BIDI, R_RTLO, R_INVALID };

static const char *const reasons[] = { NULL, "padding_spaces", "lookalike_dot",
	"zero_width", "bidi_control", "rtlo", "invalid_utf8" };

const char *
fname_deceptive(const char *name)
{
	if (name == NULL)
		return NULL;
	if (!g_utf8_validate(name, -1, NULL))
		return reasons[R_INVALID];
	int r = R_NONE;
	unsigned run = 0;
	bool run_seen = false;
	for (const char *s = name; *s != '\0'; s = g_utf8_next_char(s)) {
		gunichar c = g_utf8_get_char(s);
		const char *next = g_utf8_next_char(s);
		int k = R_NONE;
		if (c == 0x202E)
			k = R_RTLO;
		else if ((c >= 0x202A && c <= 0x202D) || (c >= 0x2066 && c <= 0x2069) ||
		    c == 0x200E || c == 0x200F || c == 0x061C)
			k = R_BIDI;
		else if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF ||
		    c == 0x180E)
			k = R_ZW;
		else if (c == 0x2024 || c == 0xFE52 || c == 0x2215 || c == 0x2044 ||
		    ((c == 0xFF0E || c == 0xFF0F) && ext_follows(next)))
			k = R_DOT;
		if (is_space_like(c)) {
			if (++run >= RUN_MIN)
				run_seen = true;
		} else {
			run = 0;
			if (run_seen && c == '.' && r < R_PAD)
				k = k > R_PAD ? k : R_PAD;
		}
		if (k > r)
			r = k;
	}
	return reasons[r];
}

char *
fname_escape(const char *name)
{
	if (name == NULL)
		return NULL;
	GString *o = g_string_sized_new(strlen(name) + 8);
	const char *s = name;
	while (*s != '\0') {
		unsigned char b = (unsigned char)*s;
		if (b >= 0x20 && b < 0x7f) {
			if (b == '\\')
				g_string_append_c(o, '\\');
			g_string_append_c(o, (char)b);
			s++;
			continue;
		}
		gunichar c = g_utf8_get_char_validated(s, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(o, "\\x%02x", b);
			s++;
			continue;
		}
		if (c > 0xFFFF)
			g_string_append_printf(o, "\\U%08x", (unsigned)c);
		else
			g_string_append_printf(o, "\\u%04x", (unsigned)c);
		s = g_utf8_next_char(s);
	}
	return g_string_free(o, FALSE);
}
