/*
 * charset.c - decode text in mail charsets to UTF-8.
 *
 * Design: declared names go through one alias table (charset_canon) that
 * follows what mail clients do; conversion is glibc iconv except for
 * ISO-2022-JP, which is re-coded to Shift_JIS and converted as CP932 (see
 * charset.h).  Detection is escape sequences, then UTF-8 validity, then a
 * Japanese byte-structure score (short Japanese headers are too short for
 * statistics), then ICU's ucsdet.  Converters come from iconv_cache.h:
 * opened once per thread, reset before each use.
 *
 * Limits: the detector looks at no more than DETECT_MAX bytes.  Output is
 * never larger than 3 bytes per input byte plus a constant, so a caller
 * that bounds its input bounds its output.
 *
 * Security: input is (pointer, length) and never assumed NUL-terminated;
 * the output never contains NUL bytes (they become U+FFFD), so it is safe
 * to treat as a C string.
 */
#include "charset.h"
#include "iconv_cache.h"

#include <errno.h>
#include <string.h>

#include <glib.h>
#include <unicode/ucsdet.h>

#define DETECT_MAX (64 * 1024)
/* ICU's n-gram statistics settle long before this; more only costs time */
#define ICU_DETECT_MAX 2048
#define REPLACEMENT "\xEF\xBF\xBD"

struct alias {
	const char *name;	/* lower case, as declared */
	const char *canon;	/* iconv name, or ISO-2022-JP for ours */
};

static const struct alias aliases[] = {
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" }, { "x-unicode-2-0-utf-8", "UTF-8" },
	{ "us-ascii", "CP1252" }, { "ascii", "CP1252" }, { "ansi_x3.4-1968", "CP1252" },
	{ "iso-8859-1", "CP1252" }, { "iso8859-1", "CP1252" }, { "iso_8859-1", "CP1252" },
	{ "latin1", "CP1252" }, { "l1", "CP1252" }, { "windows-1252", "CP1252" },
	{ "cp1252", "CP1252" }, { "x-cp1252", "CP1252" }, { "default", "CP1252" },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
	{ "x-sjis", "CP932" }, { "ms_kanji", "CP932" }, { "csshiftjis", "CP932" },
	{ "windows-31j", "CP932" }, { "cp932", "CP932" }, { "ms932", "CP932" },
	{ "x-ms-cp932", "CP932" }, { "x-shift_jis", "CP932" },
	{ "euc-jp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" }, { "eucjp", "EUC-JP-MS" },
	{ "cseucpkdfmtjapanese", "EUC-JP-MS" }, { "euc-jp-ms", "EUC-JP-MS" },
	{ "iso-2022-jp", "ISO-2022-JP" }, { "csiso2022jp", "ISO-2022-JP" },
	{ "iso-2022-jp-1", "ISO-2022-JP" }, { "iso-2022-jp-2", "ISO-2022-JP" },
	{ "iso-2022-jp-3", "ISO-2022-JP" }, { "jis", "ISO-2022-JP" }, { "x-jis", "ISO-2022-JP" },
	{ "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" },
	{ "ks_c_5601-1989", "CP949" }, { "ksc5601", "CP949" }, { "korean", "CP949" },
	{ "csksc56011987", "CP949" }, { "cp949", "CP949" }, { "windows-949", "CP949" },
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "gb18030", "GB18030" },
	{ "x-gbk", "GB18030" }, { "cp936", "GB18030" }, { "euc-cn", "GB18030" },
	{ "csgb2312", "GB18030" }, { "chinese", "GB18030" }, { "gb_2312-80", "GB18030" },
	{ "big5", "BIG5-HKSCS" }, { "big5-hkscs", "BIG5-HKSCS" }, { "x-x-big5", "BIG5-HKSCS" },
	{ "cn-big5", "BIG5-HKSCS" }, { "csbig5", "BIG5-HKSCS" },
	{ "iso-8859-9", "CP1254" }, { "latin5", "CP1254" },
	{ "tis-620", "CP874" }, { "iso-8859-11", "CP874" }, { "windows-874", "CP874" },
	{ "koi8-r", "KOI8-R" }, { "koi8-u", "KOI8-U" }, { "ibm866", "CP866" },
	{ "cp866", "CP866" }, { "macintosh", "MACINTOSH" }, { "x-mac-roman", "MACINTOSH" },
	{ "utf-7", "UTF-7" }, { "utf-16", "UTF-16" }, { "utf-16le", "UTF-16LE" },
	{ "utf-16be", "UTF-16BE" }, { "utf-32", "UTF-32" }, { "utf-32le", "UTF-32LE" },
	{ "utf-32be", "UTF-32BE" }, { "ucs-2", "UTF-16" },
};

/* iso-8859-N and windows-125N, N given by index */
static const char *const iso8859[] = {
	NULL, "CP1252", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5",
	"ISO-8859-6", "ISO-8859-7", "ISO-8859-8", "CP1254", "ISO-8859-10",
	"CP874", NULL, "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
};
static const char *const cp125x[] = {
	"CP1250", "CP1251", "CP1252", "CP1253", "CP1254", "CP1255", "CP1256",
	"CP1257", "CP1258",
};

const char *
charset_canon(const char *declared)
{
	char name[48];
	size_t n = 0;

	if (declared == NULL)
		return NULL;
	/* lower case, without quotes and blanks that broken mailers add */
	for (const char *s = declared; *s != '\0'; s++) {
		if (*s == '"' || *s == '\'' || g_ascii_isspace(*s))
			continue;
		if (n + 1 >= sizeof name)
			return NULL;
		name[n++] = g_ascii_tolower(*s);
	}
	name[n] = '\0';
	/* RFC 2231 language suffix: "iso-8859-1*en" */
	char *star = strchr(name, '*');
	if (star != NULL)
		*star = '\0';

	for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++)
		if (strcmp(name, aliases[i].name) == 0)
			return aliases[i].canon;

	const char *num = NULL;
	if (g_str_has_prefix(name, "iso-8859-"))
		num = name + 9;
	else if (g_str_has_prefix(name, "iso8859-") || g_str_has_prefix(name, "iso_8859-"))
		num = strchr(name, '-') + 1;
	if (num != NULL && num[0] != '\0' && strlen(num) <= 2 &&
	    g_ascii_isdigit(num[0]) && (num[1] == '\0' || g_ascii_isdigit(num[1]))) {
		unsigned v = (unsigned)g_ascii_strtoull(num, NULL, 10);
		if (v < G_N_ELEMENTS(iso8859))
			return iso8859[v];
		return NULL;
	}
	num = NULL;
	if (g_str_has_prefix(name, "windows-125"))
		num = name + 11;
	else if (g_str_has_prefix(name, "cp125") || g_str_has_prefix(name, "x-cp125"))
		num = strstr(name, "125") + 3;
	if (num != NULL && g_ascii_isdigit(num[0]) && num[1] == '\0')
		return cp125x[num[0] - '0'];
	return NULL;
}

bool
charset_is_plain_ascii(const uint8_t *p, size_t len)
{
	size_t i = 0;
	if (len == 0)
		return true;
	/* eight bytes at a time for the high bit; escapes via memchr */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return false;
	}
	for (; i < len; i++)
		if (p[i] >= 0x80)
			return false;
	return memchr(p, 0x1b, len) == NULL && memchr(p, 0x0e, len) == NULL;
}

static bool
has_iso2022jp_escape(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		if (p[i] != 0x1b)
			continue;
		/* ESC $ B, ESC $ @, ESC $ A, ESC $ ( x (JIS X 0212/0213),
		 * ESC ( I (half-width kana), ESC ( J (JIS Roman) */
		if ((p[i + 1] == '$' && (p[i + 2] == 'B' || p[i + 2] == '@' ||
		    p[i + 2] == 'A' || p[i + 2] == '(')) ||
		    (p[i + 1] == '(' && (p[i + 2] == 'I' || p[i + 2] == 'J')))
			return true;
	}
	return false;
}

/*
 * Score how well the bytes fit Shift_JIS and EUC-JP.  Returns a canonical
 * name when the bytes are Japanese with no reasonable doubt, else NULL.
 *  - Kana lead with 0x82/0x83 in Shift_JIS, 0xA4/0xA5 in EUC-JP; most
 *    Japanese text, even a short subject, has kana.
 *  - Kanji-only text (a name, a file name) is still Shift_JIS when every
 *    byte fits, EUC-JP does not, and most lead bytes are 0x81-0x9F: in
 *    Latin text those are rare punctuation, an 8-bit letter followed by
 *    ASCII breaks Shift_JIS anyway, and Chinese and Korean double-byte
 *    charsets mostly lead with 0xA1 and up.  Kanji-only EUC-JP is only
 *    taken in a message known to be Japanese: EUC-KR and GB2312 have the
 *    same byte structure, and ICU tells them apart better.
 * A lead byte cut off at the very end (a truncated message) is not held
 * against a charset.
 */
static const char *
japanese_guess(const uint8_t *p, size_t len, bool ja_context)
{
	size_t sjis_bad = 0, sjis_kana = 0, sjis_dbl = 0, sjis_low_lead = 0;
	size_t euc_bad = 0, euc_kana = 0, euc_dbl = 0;

	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		if (c < 0x80 || (c >= 0xA1 && c <= 0xDF)) {	/* half-width kana */
			i++;
			continue;
		}
		bool lead = (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC);
		if (lead && i + 1 == len)
			break;
		uint8_t d = lead ? p[i + 1] : 0;
		if (lead && ((d >= 0x40 && d <= 0x7E) || (d >= 0x80 && d <= 0xFC))) {
			sjis_dbl++;
			sjis_kana += c == 0x82 || c == 0x83;
			sjis_low_lead += c <= 0x9F;
			i += 2;
			continue;
		}
		sjis_bad++;
		i++;
	}
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		if (c < 0x80) { i++; continue; }
		size_t need = c == 0x8F ? 3 : 2;
		if ((c == 0x8E || c == 0x8F || (c >= 0xA1 && c <= 0xFE)) && i + need > len)
			break;			/* cut at the end */
		if (c == 0x8E && p[i + 1] >= 0xA1 && p[i + 1] <= 0xDF) {
			i += 2; continue;
		}
		if (c == 0x8F && p[i + 1] >= 0xA1 && p[i + 2] >= 0xA1 &&
		    p[i + 1] != 0xFF && p[i + 2] != 0xFF) {
			euc_dbl++; i += 3; continue;
		}
		if (c >= 0xA1 && c <= 0xFE && p[i + 1] >= 0xA1 && p[i + 1] <= 0xFE) {
			euc_dbl++;
			euc_kana += c == 0xA4 || c == 0xA5;
			i += 2;
			continue;
		}
		euc_bad++;
		i++;
	}
	bool sjis_ok = sjis_bad == 0 && sjis_dbl > 0;
	bool euc_ok = euc_bad == 0 && euc_dbl > 0;
	if (sjis_ok && sjis_kana * 5 >= sjis_dbl && (!euc_ok || euc_kana < sjis_kana))
		return "CP932";
	if (euc_ok && euc_kana * 5 >= euc_dbl && (!sjis_ok || sjis_kana < euc_kana))
		return "EUC-JP-MS";
	if (sjis_ok && !euc_ok && (sjis_low_lead * 2 >= sjis_dbl || ja_context))
		return "CP932";
	if (euc_ok && !sjis_ok && ja_context)
		return "EUC-JP-MS";
	return NULL;
}

/*
 * What ICU is shown: the neighbourhoods of the 8-bit bytes, where the
 * charsets differ, rather than kilobytes of ASCII markup around them.
 */
static size_t
icu_sample(const uint8_t *p, size_t len, uint8_t *out)
{
	size_t n = 0, covered = 0;

	for (size_t i = 0; i < len && n < ICU_DETECT_MAX; i++) {
		if (p[i] < 0x80)
			continue;
		size_t from = i > 8 ? i - 8 : 0;
		if (from < covered)
			from = covered;
		size_t to = MIN(len, i + 24);
		size_t take = MIN(to - from, ICU_DETECT_MAX - n);
		memcpy(out + n, p + from, take);
		n += take;
		covered = from + take;
		i = covered - 1;
	}
	return n;
}

const char *
charset_detect(const uint8_t *p, size_t len, const char *hint)
{
	if (len > DETECT_MAX)
		len = DETECT_MAX;
	if (charset_is_plain_ascii(p, len))
		return "US-ASCII";
	bool seven_bit = true;
	for (size_t i = 0; i < len && seven_bit; i++)
		seven_bit = p[i] < 0x80;
	if (seven_bit && has_iso2022jp_escape(p, len))
		return "ISO-2022-JP";
	if (g_utf8_validate_len((const char *)p, (gssize)len, NULL))
		return "UTF-8";
	/* A cut at DETECT_MAX may split a UTF-8 sequence; allow 3 bytes */
	const char *end = NULL;
	if (!g_utf8_validate_len((const char *)p, (gssize)len, &end) &&
	    len == DETECT_MAX && (size_t)(end - (const char *)p) + 3 >= len)
		return "UTF-8";
	const char *canon_hint = charset_canon(hint);
	bool ja_context = canon_hint != NULL && (strcmp(canon_hint, "CP932") == 0 ||
	    strcmp(canon_hint, "EUC-JP-MS") == 0 || strcmp(canon_hint, "ISO-2022-JP") == 0);
	const char *ja = japanese_guess(p, len, ja_context);
	if (ja != NULL)
		return ja;

	uint8_t sample[ICU_DETECT_MAX];
	size_t slen = icu_sample(p, len, sample);
	UErrorCode st = U_ZERO_ERROR;
	UCharsetDetector *csd = ucsdet_open(&st);
	const char *res = NULL;
	if (U_SUCCESS(st)) {
		ucsdet_setText(csd, (const char *)sample, (int32_t)slen, &st);
		if (canon_hint != NULL && hint != NULL)
			ucsdet_setDeclaredEncoding(csd, hint, -1, &st);
		const UCharsetMatch *m = U_SUCCESS(st) ? ucsdet_detect(csd, &st) : NULL;
		if (m != NULL && U_SUCCESS(st)) {
			const char *name = ucsdet_getName(m, &st);
			if (U_SUCCESS(st) && name != NULL &&
			    strncmp(name, "UTF-16", 6) != 0 &&
			    strncmp(name, "UTF-32", 6) != 0 &&
			    strncmp(name, "IBM42", 5) != 0)
				res = charset_canon(name);
		}
		ucsdet_close(csd);
	}
	if (res != NULL)
		return res;
	if (canon_hint != NULL && strcmp(canon_hint, "UTF-8") != 0)
		return canon_hint;
	return "CP1252";
}

/*
 * iconv loop.  lossy: replace unconvertible bytes with U+FFFD and go on;
 * otherwise return NULL at the first one.
 */
static GString *
iconv_convert(const char *cs, const uint8_t *p, size_t len, bool lossy,
    bool *errors)
{
	/* a converter of this thread's, reset (iconv_cache.h): opening one
	 * per call cost more than the conversions themselves */
	iconv_t cd = iconv_cache_get("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return NULL;
	GString *out = g_string_sized_new(len + len / 2 + 16);
	char buf[4096];
	char *in = (char *)(uintptr_t)p;
	size_t inleft = len;

	while (inleft > 0) {
		char *o = buf;
		size_t oleft = sizeof buf;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		g_string_append_len(out, buf, (gssize)(o - buf));
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if ((e == EILSEQ || e == EINVAL) && lossy) {
			g_string_append(out, REPLACEMENT);
			*errors = true;
			in++;
			inleft--;
			continue;
		}
		iconv_cache_put(cd, "UTF-8", cs);
		g_string_free(out, TRUE);
		*errors = true;
		return NULL;
	}
	/* end of input: let a stateful decoder emit what it holds */
	char *o = buf;
	size_t oleft = sizeof buf;
	if (iconv(cd, NULL, NULL, &o, &oleft) != (size_t)-1)
		g_string_append_len(out, buf, (gssize)(o - buf));
	iconv_cache_put(cd, "UTF-8", cs);
	return out;
}

/* JIS X 0208 row/cell to Shift_JIS, the arithmetic every decoder uses. */
static void
jis_to_sjis(uint8_t j1, uint8_t j2, GByteArray *out)
{
	uint8_t s1 = (uint8_t)(((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0));
	uint8_t s2 = (uint8_t)(j2 + ((j1 & 1) ? (j2 < 0x60 ? 0x1F : 0x20) : 0x7E));
	uint8_t b[2] = { s1, s2 };
	g_byte_array_append(out, b, 2);
}

enum jis_state { JIS_ASCII, JIS_KANA, JIS_0208, JIS_OTHER2 };

/* ISO-2022-JP (and what ISO-2022-JP-2 adds that Japanese mail uses). */
static GString *
iso2022jp_convert(const uint8_t *p, size_t len, bool *errors, bool *eight)
{
	GByteArray *sj = g_byte_array_sized_new((guint)MIN(len, G_MAXUINT32 / 2));
	enum jis_state st = JIS_ASCII;
	bool shifted = false;
	static const uint8_t bad = 0xFF;	/* invalid in CP932: becomes U+FFFD */

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (c == 0x1b) {
			size_t rest = len - i - 1;
			const uint8_t *e = p + i + 1;
			if (rest >= 2 && e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'H')) {
				st = JIS_ASCII; i += 2;
			} else if (rest >= 2 && e[0] == '(' && e[1] == 'I') {
				st = JIS_KANA; i += 2;
			} else if (rest >= 2 && e[0] == '$' && (e[1] == 'B' || e[1] == '@')) {
				st = JIS_0208; i += 2;
			} else if (rest >= 2 && e[0] == '$' && e[1] == 'A') {
				st = JIS_OTHER2; i += 2;
			} else if (rest >= 3 && e[0] == '$' && e[1] == '(') {
				st = (e[2] == 'B' || e[2] == '@') ? JIS_0208 : JIS_OTHER2;
				i += 3;
			} else if (rest >= 2 && e[0] == '&' && e[1] == '@') {
				i += 2;		/* JIS X 0208-1990 announcer */
			} else if (rest >= 2 && e[0] == '.') {
				i += 2;		/* G2 designation: ignored */
			} else if (rest >= 1 && e[0] == 'N') {
				i += rest >= 2 ? 2 : 1;	/* single shift 2 */
				g_byte_array_append(sj, &bad, 1);
				*errors = true;
			} else {
				g_byte_array_append(sj, &bad, 1);
				*errors = true;
			}
			continue;
		}
		if (c == 0x0e) { shifted = true; continue; }
		if (c == 0x0f) { shifted = false; continue; }
		if (c == '\n' || c == '\r') {
			/* lines end in ASCII; broken mailers forget to say so */
			st = JIS_ASCII;
			shifted = false;
			g_byte_array_append(sj, &c, 1);
			continue;
		}
		if ((st == JIS_KANA || shifted) && c >= 0x21 && c <= 0x5F) {
			uint8_t k = (uint8_t)(c + 0x80);
			g_byte_array_append(sj, &k, 1);
			continue;
		}
		if ((st == JIS_0208 || st == JIS_OTHER2) && c >= 0x21 && c <= 0x7E) {
			if (i + 1 < len && p[i + 1] >= 0x21 && p[i + 1] <= 0x7E) {
				if (st == JIS_0208)
					jis_to_sjis(c, p[i + 1], sj);
				else {
					g_byte_array_append(sj, &bad, 1);
					*errors = true;
				}
				i++;
				continue;
			}
			g_byte_array_append(sj, &bad, 1);
			*errors = true;
			continue;
		}
		/* ASCII, or raw 8-bit Shift_JIS some mailers mix in */
		if (c >= 0x80)
			*eight = true;
		g_byte_array_append(sj, &c, 1);
	}
	GString *out = iconv_convert("CP932", sj->data, sj->len, true, errors);
	g_byte_array_free(sj, TRUE);
	return out;
}

static GString *
convert(const char *canon, const uint8_t *p, size_t len, bool lossy, bool *errors)
{
	if (strcmp(canon, "ISO-2022-JP") == 0) {
		bool e = false, eight = false;
		GString *s = iso2022jp_convert(p, len, &e, &eight);
		/* strictly, 8-bit bytes are not ISO-2022-JP: let detection
		 * name the real charset (lossy mode still reads them as CP932) */
		if ((e || eight) && !lossy) {
			g_string_free(s, TRUE);
			*errors = true;
			return NULL;
		}
		*errors = *errors || e;
		return s;
	}
	if (strcmp(canon, "UTF-8") == 0 || strcmp(canon, "US-ASCII") == 0) {
		if (g_utf8_validate_len((const char *)p, (gssize)len, NULL))
			return g_string_new_len((const char *)p, (gssize)len);
		if (!lossy) {
			*errors = true;
			return NULL;
		}
		*errors = true;
		gchar *v = g_utf8_make_valid((const char *)p, (gssize)len);
		GString *s = g_string_new(v);
		g_free(v);
		return s;
	}
	return iconv_convert(canon, p, len, lossy, errors);
}

/* Replace NUL bytes (valid UTF-8, but they cut C strings) with U+FFFD. */
static void
replace_nul(GString *s)
{
	if (memchr(s->str, '\0', s->len) == NULL)
		return;
	GString *t = g_string_sized_new(s->len + 16);
	for (gsize i = 0; i < s->len; i++) {
		if (s->str[i] == '\0')
			g_string_append(t, REPLACEMENT);
		else
			g_string_append_c(t, s->str[i]);
	}
	g_string_truncate(s, 0);
	g_string_append_len(s, t->str, (gssize)t->len);
	g_string_free(t, TRUE);
}

static bool
stateless_ascii_compatible(const char *canon)
{
	return strncmp(canon, "UTF-7", 5) != 0 && strncmp(canon, "UTF-16", 6) != 0 &&
	    strncmp(canon, "UTF-32", 6) != 0;
}

char *
charset_to_utf8(const char *declared, const uint8_t *p, size_t len,
    const char *hint, size_t *out_len, const char **used, unsigned *flags)
{
	unsigned fl = 0;
	const char *canon = charset_canon(declared);
	GString *s = NULL;
	bool errors = false;

	if (len == 0) {
		if (out_len != NULL)
			*out_len = 0;
		if (used != NULL)
			*used = canon != NULL ? canon : "US-ASCII";
		if (flags != NULL)
			*flags = declared != NULL && declared[0] != '\0' && canon == NULL
			    ? CHARSET_UNKNOWN : 0;
		return g_strdup("");
	}

	if (declared != NULL && declared[0] != '\0' && canon == NULL)
		fl |= CHARSET_UNKNOWN;
	/* us-ascii (and nothing) declared over 8-bit text: the label is a lie */
	if (canon != NULL && declared != NULL &&
	    (g_ascii_strcasecmp(declared, "us-ascii") == 0 ||
	     g_ascii_strcasecmp(declared, "ascii") == 0) &&
	    !charset_is_plain_ascii(p, len))
		canon = NULL;

	if (canon != NULL && charset_is_plain_ascii(p, len) &&
	    stateless_ascii_compatible(canon)) {
		s = g_string_new_len((const char *)p, (gssize)len);
		canon = "US-ASCII";
		goto done;
	}
	if (canon != NULL) {
		s = convert(canon, p, len, false, &errors);
		if (s != NULL)
			goto done;
		const char *det = charset_detect(p, len, declared);
		if (strcmp(det, canon) != 0) {
			errors = false;
			s = convert(det, p, len, false, &errors);
			if (s != NULL) {
				fl |= CHARSET_MISMATCH;
				canon = det;
				goto done;
			}
		}
		errors = false;
		s = convert(canon, p, len, true, &errors);
		if (s != NULL)
			goto done;
	}
	canon = charset_detect(p, len, hint);
	/* an unknown label is already flagged; "detected" is for no label */
	if (!charset_is_plain_ascii(p, len) && !(fl & CHARSET_UNKNOWN))
		fl |= CHARSET_DETECTED;
	errors = false;
	s = convert(canon, p, len, true, &errors);
	if (s == NULL) {
		canon = "UTF-8";
		errors = false;
		s = convert(canon, p, len, true, &errors);
	}
done:
	if (errors)
		fl |= CHARSET_LOSSY;
	replace_nul(s);
	if (out_len != NULL)
		*out_len = s->len;
	if (used != NULL)
		*used = canon;
	if (flags != NULL)
		*flags = fl;
	return g_string_free(s, FALSE);
}
