/*
 * sa_eval_header.c - SpamAssassin's eval functions of HeaderEval,
 * FreeMail and FromNameSpoof (sa_eval.h; docs/spam.md "Eval functions").
 *
 * Each function reads the header fields as SpamAssassin's PerMsgStatus
 * get() hands them to its plugins (sa_msg.h): a header's values decoded
 * and joined, each ending in a newline; ":raw" the values as written
 * (folds kept); ":addr" the first address.  The patterns SpamAssassin's
 * code applies are PCRE here (GRegex on bytes, as Perl matches octet
 * strings), compiled once per rule by prepare().  What several functions
 * share (the Date/Received difference, the recipients' statistics, the
 * Hotmail verdicts) is computed once a scan in SA_SLOT_HEADER.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

/* ---- header access (PerMsgStatus.pm get()) ------------------------------ */

/* the text field_value() reads: raw, or decoded when it has an encoded word */
static const char *
field_src(const struct sa_field *f)
{
	return strstr(f->raw, "=?") == NULL ? f->raw : f->decoded;
}

/*
 * A field's value as Node.pm header() makes it: each line end and the
 * blanks after it one space, blanks trimmed at both ends, then RFC 2047
 * words decoded.  A value with no encoded word is made from the raw one
 * here (sa_field.decoded keeps a fold's blanks but the first: SpamAssassin
 * squeezes them, which its Received and Date patterns rely on); one with
 * encoded words is sa_msg.c's decoding.  Appended to out.
 */
static void
field_value(const struct sa_field *f, GString *out)
{
	const char *src = field_src(f);
	size_t start = out->len;
	/* the text between line ends as it is; a line end dropped, one
	 * followed by blanks made one space with them */
	for (const char *p = src; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		if (nl == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, (gssize)(nl - p));
		p = nl + 1;
		if (*p == ' ' || *p == '\t') {
			g_string_append_c(out, ' ');
			while (*p == ' ' || *p == '\t')
				p++;
		}
	}
	/* s/\s+$//; s/^\s+// */
	while (out->len > start && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	size_t k = start;
	while (k < out->len && g_ascii_isspace(out->str[k]))
		k++;
	g_string_erase(out, (gssize)start, (gssize)(k - start));
}

/* get(name): the values joined (each ends in a newline), "" when none;
 * *found says whether there was any (get(name, undef)) */
static char *
hget(const struct sa_eval_msg *m, const char *name, bool *found)
{
	GString *s = g_string_new(NULL);
	bool any = false;
	for (guint i = 0; i < m->fields->len; i++) {
		const struct sa_field *f = m->fields->pdata[i];
		if (!sa_field_name_is(f->name, name))
			continue;
		field_value(f, s);
		g_string_append_c(s, '\n');
		any = true;
	}
	if (found != NULL)
		*found = any;
	return g_string_free(s, FALSE);
}

/*
 * get(name:raw): raw_header(), the values as Message.pm splits them off
 * the header block: all after the field's first colon, the blanks after
 * it and the folds kept, CRLF made LF (sa_field.raw has the leading
 * blanks cut, which check_illegal_chars's ratio counts).  Read from the
 * message, bounded by its header block.
 */
static char *
hget_raw(const struct sa_eval_msg *m, const char *name)
{
	GString *s = g_string_new(NULL);
	const uint8_t *p = m->raw;
	size_t len = m->raw_len, i = 0, nlen = strlen(name);
	if (p == NULL) {
		/* no message bytes: the parsed fields' values */
		for (guint k = 0; k < m->fields->len; k++) {
			const struct sa_field *f = m->fields->pdata[k];
			if (sa_field_name_is(f->name, name))
				g_string_append(s, f->raw);
		}
		return g_string_free(s, FALSE);
	}
	if (len > 5 && memcmp(p, "From ", 5) == 0) {
		const uint8_t *nl = memchr(p, '\n', len);
		i = nl != NULL ? (size_t)(nl - p) + 1 : len;
	}
	while (i < len) {
		size_t start = i;
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			break;	/* the end of the header block */
		do {
			const uint8_t *nl = memchr(p + i, '\n', len - i);
			i = nl != NULL ? (size_t)(nl - p) + 1 : len;
		} while (i < len && (p[i] == ' ' || p[i] == '\t'));
		const uint8_t *colon = memchr(p + start, ':', i - start);
		if (colon == NULL)
			continue;
		size_t klen = (size_t)(colon - (p + start));
		while (klen > 0 && (p[start + klen - 1] == ' ' || p[start + klen - 1] == '\t'))
			klen--;
		if (klen != nlen || g_ascii_strncasecmp((const char *)p + start, name, nlen) != 0)
			continue;
		for (size_t k = (size_t)(colon - p) + 1; k < i; k++) {
			if (p[k] == '\r' && k + 1 < i && p[k + 1] == '\n')
				continue;
			if (p[k] != '\0')
				g_string_append_c(s, (char)p[k]);
		}
	}
	return g_string_free(s, FALSE);
}

/* get(name:addr) in scalar context: the first address, "" when none */
static char *
hget_addr(const struct sa_eval_msg *m, const char *name)
{
	GString *s = g_string_new(NULL);
	sa_header_addresses(m->fields, name, false, s);
	char *nl = strchr(s->str, '\n');
	if (nl != NULL)
		g_string_truncate(s, (gsize)(nl - s->str));
	return g_string_free(s, FALSE);
}

/* get(name:addr) in list context: every address, lowercased */
static GPtrArray *
hget_addrs_lc(const struct sa_eval_msg *m, const char *name)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);
	sa_header_addresses(m->fields, name, false, s);
	if (s->len > 0) {
		char **v = g_strsplit(s->str, "\n", -1);
		for (char **p = v; *p != NULL; p++)
			g_ptr_array_add(a, g_ascii_strdown(*p, -1));
		g_strfreev(v);
	}
	g_string_free(s, TRUE);
	return a;
}

/* get(MESSAGEID): X-Message-Id, Resent-Message-Id, X-Original-Message-ID,
 * Message-Id, the non-empty values joined */
static char *
hget_messageid(const struct sa_eval_msg *m)
{
	static const char *const names[] = { "X-Message-Id", "Resent-Message-Id",
	    "X-Original-Message-ID", "Message-Id" };
	GString *s = g_string_new(NULL);
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
		for (guint i = 0; i < m->fields->len; i++) {
			const struct sa_field *f = m->fields->pdata[i];
			if (sa_field_name_is(f->name, names[k])) {
				/* get_header's values end in a newline: none is empty */
				field_value(f, s);
				g_string_append_c(s, '\n');
			}
		}
	return g_string_free(s, FALSE);
}

/* the header block as written (get(ALL:raw)): from the first field to
 * the empty line, an mbox "From " line left out */
static char *
hget_all_raw(const struct sa_eval_msg *m)
{
	const uint8_t *p = m->raw;
	size_t len = m->raw_len, i = 0;
	if (p == NULL)
		return g_strdup("");
	if (len > 5 && memcmp(p, "From ", 5) == 0) {
		const uint8_t *nl = memchr(p, '\n', len);
		i = nl != NULL ? (size_t)(nl - p) + 1 : len;
	}
	size_t start = i;
	while (i < len) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			break;
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		i = nl != NULL ? (size_t)(nl - p) + 1 : len;
	}
	GString *s = g_string_sized_new(i - start + 1);
	for (size_t k = start; k < i; k++) {
		if (p[k] == '\r' && k + 1 < i && p[k + 1] == '\n')
			continue;
		if (p[k] != '\0')
			g_string_append_c(s, (char)p[k]);
	}
	return g_string_free(s, FALSE);
}

/* s/\s+/ /gs */
static void
squeeze_space(char *s)
{
	char *o = s;
	for (const char *p = s; *p != '\0';) {
		if (g_ascii_isspace(*p)) {
			*o++ = ' ';
			while (g_ascii_isspace(*p))
				p++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* ---- the envelope sender (PerMsgStatus.pm get_envelope_from) ------------ */

/* the first address of the first field named name, or NULL */
static char *
first_field_addr(const struct sa_eval_msg *m, const char *name)
{
	for (guint i = 0; i < m->fields->len; i++) {
		const struct sa_field *f = m->fields->pdata[i];
		if (!sa_field_name_is(f->name, name))
			continue;
		GPtrArray *one = g_ptr_array_new();
		g_ptr_array_add(one, (void *)f);
		GString *s = g_string_new(NULL);
		sa_header_addresses(one, name, false, s);
		g_ptr_array_free(one, TRUE);
		char *nl = strchr(s->str, '\n');
		if (nl != NULL)
			g_string_truncate(s, (gsize)(nl - s->str));
		if (s->len == 0) {	/* no address: SpamAssassin's list is empty */
			g_string_free(s, TRUE);
			return NULL;
		}
		return g_string_free(s, FALSE);
	}
	return NULL;
}

/* whether a field named name comes after a Received field */
static bool
after_received(const struct sa_eval_msg *m, const char *name)
{
	bool rcvd = false;
	for (guint i = 0; i < m->fields->len; i++) {
		const struct sa_field *f = m->fields->pdata[i];
		if (sa_field_name_is(f->name, "Received"))
			rcvd = true;
		else if (rcvd && sa_field_name_is(f->name, name))
			return true;
	}
	return false;
}

/*
 * EnvelopeFrom: the SMTP envelope's when the scan has one; otherwise
 * SpamAssassin's fallbacks from the header (X-Sender with fetchmail,
 * X-Envelope-From, Envelope-Sender, Return-Path, each unless it follows
 * a Received field).  SpamAssassin first reads the sender the last
 * untrusted relay's Received field names; that needs the relays
 * (RelayEval) and is not done here (docs/spam.md).  NULL: none.
 */
static char *
envelope_from_make(const struct sa_eval_msg *m)
{
	if (m->mail_from != NULL)
		return g_strdup(m->mail_from);
	char *xs = first_field_addr(m, "X-Sender");
	if (xs != NULL && strchr(xs, '@') != NULL) {
		for (guint i = 0; i < m->fields->len; i++) {
			const struct sa_field *f = m->fields->pdata[i];
			if (sa_field_name_is(f->name, "Received") &&
			    strstr(f->decoded, "(fetchmail") != NULL) {
				g_free(xs);
				return NULL;
			}
		}
	}
	g_free(xs);
	char *e = first_field_addr(m, "X-Envelope-From");
	if (e != NULL) {
		if (after_received(m, "X-Envelope-From")) {
			g_free(e);
			return NULL;
		}
		return e;
	}
	static const char *const rest[] = { "Envelope-Sender", "Return-Path" };
	for (size_t k = 0; k < G_N_ELEMENTS(rest); k++) {
		e = first_field_addr(m, rest[k]);
		if (e != NULL && !after_received(m, rest[k]))
			return e;
		g_free(e);
	}
	return NULL;
}

static const char *envelope_from(struct sa_eval_msg *m);

/* ---- dates (Util.pm parse_rfc822_date) ---------------------------------- */

static const struct {
	const char *name;
	int off;	/* +hhmm */
} tz_names[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "NDT", -230 }, { "AST", -400 }, { "ADT", -300 },
	{ "NST", -330 }, { "EST", -500 }, { "EDT", -400 }, { "CST", -600 }, { "CDT", -500 },
	{ "MST", -700 }, { "MDT", -600 }, { "PST", -800 }, { "PDT", -700 }, { "HST", -1000 },
	{ "AKST", -900 }, { "AKDT", -800 }, { "HADT", -900 }, { "HAST", -1000 },
	{ "GMT", 0 }, { "BST", 100 }, { "IST", 100 }, { "WET", 0 }, { "WEST", 100 },
	{ "CET", 100 }, { "CEST", 200 }, { "EET", 200 }, { "EEST", 300 }, { "MSK", 300 },
	{ "MSD", 400 }, { "MET", 100 }, { "MEZ", 100 }, { "MEST", 200 }, { "MESZ", 200 },
	{ "BRST", -200 }, { "BRT", -300 }, { "AEST", 1000 }, { "AEDT", 1100 },
	{ "ACST", 930 }, { "ACDT", 1030 }, { "AWST", 800 }, { "NZST", 1200 },
	{ "NZDT", 1300 }, { "JST", 900 }, { "KST", 900 }, { "HKT", 800 }, { "SGT", 800 },
	{ "PHT", 800 }, { "IDT", 300 },
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec" };

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t
days_from_civil(int64_t y, int64_t mo, int64_t d)
{
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Perl's numeric value of a run of digits, saturated */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (v > INT64_MAX / 100)
			return INT64_MAX / 100;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

struct date_rx {
	GRegex *d1, *d2, *d3, *hms, *numtz, *nametz;
};

static const char *const date_pats[] = {
	" (\\d+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{4}) ",
	" (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ",
	" (\\d+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{2,3}) ",
	" (\\d?\\d):(\\d\\d)(:(\\d\\d))? ",
	" ([-+]\\d{4}) ",
	"\\b([A-Z]{2,4}(?:-DST)?)\\b",
};

/* the text of group g, its length in *n ("" when unset) */
static const char *
grp(const GMatchInfo *mi, const char *s, int g, size_t *n)
{
	gint a = -1, b = -1;
	if (!g_match_info_fetch_pos(mi, g, &a, &b) || a < 0) {
		*n = 0;
		return "";
	}
	*n = (size_t)(b - a);
	return s + a;
}

/* replace the whole match of mi in s with one space */
static void
cut_match(GString *s, const GMatchInfo *mi)
{
	gint a, b;
	g_match_info_fetch_pos(mi, 0, &a, &b);
	g_string_erase(s, a, b - a);
	g_string_insert_c(s, a, ' ');
}

static int
month_of(const char *p, size_t n)
{
	for (int i = 0; i < 12; i++)
		if (n == 3 && g_ascii_strncasecmp(p, month_names[i], 3) == 0)
			return i + 1;
	return 0;
}

/*
 * parse_rfc822_date(): seconds since the epoch, false when SpamAssassin's
 * parser gives undef (no date part, or day 0).
 */
static bool
parse_date(const struct date_rx *rx, const char *date, int64_t *out)
{
	GString *s = g_string_new(" ");
	g_string_append(s, date);
	g_string_append_c(s, ' ');
	/* commas and the blanks after them made one blank, then blanks
	 * squeezed */
	GString *t = g_string_sized_new(s->len);
	for (size_t i = 0; i < s->len; i++) {
		if (s->str[i] == ',') {
			g_string_append_c(t, ' ');
			while (i + 1 < s->len && s->str[i + 1] == ' ')
				i++;
		} else {
			g_string_append_c(t, s->str[i]);
		}
	}
	g_string_free(s, TRUE);
	squeeze_space(t->str);
	g_string_set_size(t, strlen(t->str));

	int64_t yyyy = 0, dd = 0, hh = 0, mm = 0, ss = 0;
	int mon = 0;
	size_t ylen = 0;
	GMatchInfo *mi = NULL;
	const char *p;
	size_t n;
	bool ok = false;
	/* the three date forms, tried in order: where day and month are
	 * (the year is the third group of each) */
	const struct {
		const GRegex *re;
		int day, mon;
	} forms[] = { { rx->d1, 1, 2 }, { rx->d2, 2, 1 }, { rx->d3, 1, 2 } };
	for (size_t k = 0; k < G_N_ELEMENTS(forms) && !ok; k++) {
		g_match_info_free(mi);
		mi = NULL;
		if (!g_regex_match(forms[k].re, t->str, 0, &mi))
			continue;
		p = grp(mi, t->str, forms[k].day, &n);
		dd = digits(p, n);
		p = grp(mi, t->str, forms[k].mon, &n);
		mon = month_of(p, n);
		p = grp(mi, t->str, 3, &n);
		yyyy = digits(p, n);
		ylen = n;
		ok = true;
	}
	if (!ok) {
		g_match_info_free(mi);
		g_string_free(t, TRUE);
		return false;
	}
	cut_match(t, mi);
	g_match_info_free(mi);
	if (ylen == 2 && yyyy < 50)
		yyyy += 2000;
	else if (ylen != 4)
		yyyy += 1900;

	if (g_regex_match(rx->hms, t->str, 0, &mi)) {
		p = grp(mi, t->str, 1, &n);
		hh = digits(p, n);
		p = grp(mi, t->str, 2, &n);
		mm = digits(p, n);
		p = grp(mi, t->str, 4, &n);
		ss = digits(p, n);
		cut_match(t, mi);
	}
	g_match_info_free(mi);

	int tz = 0;	/* +hhmm as a number; "-0000" by default */
	bool tz_neg = true;
	int tz_h = 0, tz_m = 0;
	if (g_regex_match(rx->numtz, t->str, 0, &mi)) {
		p = grp(mi, t->str, 1, &n);
		tz_neg = p[0] == '-';
		tz_h = (p[1] - '0') * 10 + (p[2] - '0');
		tz_m = (p[3] - '0') * 10 + (p[4] - '0');
		cut_match(t, mi);
	} else {
		g_match_info_free(mi);
		mi = NULL;
		if (g_regex_match(rx->nametz, t->str, 0, &mi)) {
			p = grp(mi, t->str, 1, &n);
			for (size_t k = 0; k < G_N_ELEMENTS(tz_names); k++)
				if (strlen(tz_names[k].name) == n &&
				    memcmp(tz_names[k].name, p, n) == 0) {
					tz = tz_names[k].off;
					tz_neg = tz < 0;
					tz_h = abs(tz) / 100;
					tz_m = abs(tz) % 100;
					break;
				}
		}
	}
	g_match_info_free(mi);
	g_string_free(t, TRUE);

	if (ss > 59)
		ss = 59;
	if (mm > 59)
		mm = 59;
	if (hh > 23)
		hh = 23;
	int64_t max_dd = 31;
	if (mon == 4 || mon == 6 || mon == 9 || mon == 11)
		max_dd = 30;
	else if (mon == 2)
		max_dd = (yyyy % 4 == 0 && (yyyy % 100 != 0 || yyyy % 400 == 0)) ? 29 : 28;
	if (dd > max_dd) {
		dd = 1;
		if (++mon > 12) {
			mon = 1;
			yyyy++;
		}
	}
	if (yyyy > 2037)
		yyyy = 2037;
	else if (yyyy < 1970)
		yyyy = 1970;
	if (dd < 1 || mon < 1)
		return false;	/* Time::Local croaks */
	int64_t time = days_from_civil(yyyy, mon, dd) * 86400 + hh * 3600 + mm * 60 + ss;
	int64_t off = ((int64_t)tz_h * 60 + tz_m) * 60;
	if (tz_neg)
		time += off;
	else if (time < off)
		time = 0;
	else
		time -= off;
	*out = time;
	return true;
}

static bool
date_rx_init(struct date_rx *rx)
{
	GRegex **r[] = { &rx->d1, &rx->d2, &rx->d3, &rx->hms, &rx->numtz, &rx->nametz };
	for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
		GRegexCompileFlags f = G_REGEX_RAW | G_REGEX_OPTIMIZE;
		if (i < 3)
			f |= G_REGEX_CASELESS;
		*r[i] = g_regex_new(date_pats[i], f, 0, NULL);
		if (*r[i] == NULL)
			return false;
	}
	return true;
}

static void
date_rx_clear(struct date_rx *rx)
{
	GRegex **r[] = { &rx->d1, &rx->d2, &rx->d3, &rx->hms, &rx->numtz, &rx->nametz };
	for (size_t i = 0; i < G_N_ELEMENTS(r); i++)
		if (*r[i] != NULL)
			g_regex_unref(*r[i]);
}

/* ---- what the functions of a call compile ------------------------------ */

/* A call's compiled patterns (c->data): the dates' and up to RX_MAX of its
 * own, plus its arguments read once. */
#define RX_MAX 16
struct prep {
	struct date_rx date;
	GRegex *rx[RX_MAX];
	double num[3];
	char *str[2];
	bool flag;
};

static void
prep_free(void *p)
{
	struct prep *pr = p;
	if (pr == NULL)
		return;
	date_rx_clear(&pr->date);
	for (int i = 0; i < RX_MAX; i++)
		if (pr->rx[i] != NULL)
			g_regex_unref(pr->rx[i]);
	g_free(pr->str[0]);
	g_free(pr->str[1]);
	g_free(pr);
}

#define IP_ADDRESS \
	"(?i:(?:\\b(?<!:)(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\." \
	"(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\b" \
	"|(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:[a-f0-9]{1,4}:){6}|::(?:[a-f0-9]{1,4}:){0,5}" \
	"|(?:[a-f0-9]{1,4}:){1,5}:|[a-f0-9]{1,4}::(?:[a-f0-9]{1,4}:){1,4}" \
	"|(?:[a-f0-9]{1,4}:){2}:(?:[a-f0-9]{1,4}:){1,3}|(?:[a-f0-9]{1,4}:){3}:(?:[a-f0-9]{1,4}:){1,2}" \
	"|(?:[a-f0-9]{1,4}:){4}:[a-f0-9]{1,4}:)" \
	"(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\." \
	"(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)" \
	"|(?:[a-f0-9]{1,4}:){7}[a-f0-9]{1,4}|:(?::[a-f0-9]{1,4}){1,7}|(?:[a-f0-9]{1,4}:){1,7}:" \
	"|[a-f0-9]{1,4}:(?::[a-f0-9]{1,4}){1,6}|(?:[a-f0-9]{1,4}:){2}(?::[a-f0-9]{1,4}){1,5}" \
	"|(?:[a-f0-9]{1,4}:){3}(?::[a-f0-9]{1,4}){1,4}|(?:[a-f0-9]{1,4}:){4}(?::[a-f0-9]{1,4}){1,3}" \
	"|(?:[a-f0-9]{1,4}:){5}(?::[a-f0-9]{1,4}){1,2}|(?:[a-f0-9]{1,4}:){6}:[a-f0-9]{1,4}|::)" \
	"(?![a-f0-9:])))"

/* the patterns of each function, in the order its run() reads them */
static const struct {
	const char *fn;
	const char *pats[RX_MAX];
	bool dates;
} fn_pats[] = {
	{ "check_for_shifted_date", {
		/* 0 fetchmail: local first hop, 1 qmail by uid, 2 fetchmail */
		"\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*\\b127\\.0\\.0\\.1\\b)",
		"qmail \\d+ invoked by uid \\d+",
		"\\bby localhost with \\w+ \\(fetchmail-[\\d.]+",
		/* 3 a Received field's date */
		"(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+)",
	}, true },
	{ "check_outlook_message_id", {
		"^<[0-9a-f]{4}([0-9a-f]{8})\\$[0-9a-f]{8}\\$[0-9a-f]{8}\\@",
	}, true },
	{ "check_ratware_name_id", {
		"<[A-Z]{28}\\.([^>]+?)>",
	}, false },
	{ "subject_is_all_caps", {
		"(?i)^(?:(?:Re|Fwd|Fw|Aw|Antwort|WG|SV|VB|VS|VL):\\s*)+",
		"(?i)=\\?[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|georgianps|pt154|tis)[-_a-z0-9]*\\?",
	}, false },
	{ "check_unresolved_template", {
		"%[A-Z][A-Z_-]",
		"(?i)^(?:X-VMS-To|X-UIDL|X-Face|To|Cc|From|Subject|References|In-Reply-To|(?:X-|Resent-|X-Original-)?Message-Id):",
	}, false },
	{ "gated_through_received_hdr_remover", {
		"(?m)^contact \\S+\\@\\S+\\; run by ezmlm$",
		"(?m)^mailing list \\S+\\@\\S+",
		"qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+",
		"from groups\\.msn\\.com \\(\\S+\\.msn\\.com ",
	}, false },
	{ "check_for_fake_aol_relay_in_rcvd", {
		"(?i) rly-[a-z][a-z]\\d\\d\\.",
		"\\/AOL-\\d+\\.\\d+\\.\\d+\\)",
		"ESMTP id (?:RELAY|MAILRELAY|MAILIN)",
	}, false },
	{ "hotmail", {
		/* 0-3: gated_through_received_hdr_remover's */
		"(?m)^contact \\S+\\@\\S+\\; run by ezmlm$",
		"(?m)^mailing list \\S+\\@\\S+",
		"qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+",
		"from groups\\.msn\\.com \\(\\S+\\.msn\\.com ",
		/* 4 */ "from mail pickup service by hotmail\\.com with Microsoft SMTPSVC;",
		/* 5 */ IP_ADDRESS,
		/* 6 */ "hotmail\\.com|msonline\\-outlook",
		/* 7 */ "from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?\\.com[ \\)]",
		/* 8 */ "from \\S*\\.outbound\\.protection\\.outlook\\.com \\(\\S+\\.outbound\\.protection\\.outlook\\.com[ \\)]",
		/* 9 */ "from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" IP_ADDRESS "\\)",
		/* 10 */ "from \\S*\\.hotmail.com \\(\\[" IP_ADDRESS "\\][ \\):]",
		/* 11 */ "from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP\\;",
		/* 12 */ "from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com",
		/* 13 */ "(?:from |HELO |helo=)\\S*hotmail\\.com\\b",
		/* 14 */ "(?i)\\bhotmail\\.com$",
		/* 15 msn groups: To */ "(?i)<(\\S+)\\@groups\\.msn\\.com>",
	}, false },
	{ "check_for_forged_eudoramail_received_headers", {
		"(?m)^contact \\S+\\@\\S+\\; run by ezmlm$",
		"(?m)^mailing list \\S+\\@\\S+",
		"qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+",
		"from groups\\.msn\\.com \\(\\S+\\.msn\\.com ",
		/* 4 */ "(?i)\\beudoramail\\.com$",
		/* 5 */ IP_ADDRESS,
		/* 6 */ "by \\S*whowhere.com\\;",
	}, false },
	{ "check_for_forged_juno_received_headers", {
		"(?m)^contact \\S+\\@\\S+\\; run by ezmlm$",
		"(?m)^mailing list \\S+\\@\\S+",
		"qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+",
		"from groups\\.msn\\.com \\(\\S+\\.msn\\.com ",
		/* 4 */ "(?i)\\bjuno\\.com$",
		/* 5 */ "from.*\\b(?:juno|untd)\\.com.*[\\[\\(]" IP_ADDRESS "[\\]\\)].*by",
		/* 6 */ " cookie\\.(?:juno|untd)\\.com ",
		/* 7 */ "from.*\\bmail\\.com.*\\[" IP_ADDRESS "\\].*by",
		/* 8 */ "\\bmail\\.com",
		/* 9 */ "from (webmail\\S+\\.untd\\.com) \\(\\1 \\[" IP_ADDRESS "\\]\\) by",
		/* 10 */ "^Webmail Version \\d",
		/* 11 */ IP_ADDRESS,
	}, false },
	{ "check_for_forged_gmail_received_headers", {
		"(?i)\\bgmail\\.com$",
		"by 10\\.\\S+ with SMTP id \\S+",
		"by 2002\\:a\\d\\d\\:\\w+\\:\\S+ with SMTP id \\S+",
		"by smtp\\.googlemail\\.com with ESMTPSA id \\S+",
	}, false },
};

static bool
compile_pats(struct sa_eval_call *c, const char *key, char *err, size_t errlen)
{
	struct prep *pr = g_new0(struct prep, 1);
	c->data = pr;
	for (size_t i = 0; i < G_N_ELEMENTS(fn_pats); i++) {
		if (strcmp(fn_pats[i].fn, key) != 0)
			continue;
		if (fn_pats[i].dates && !date_rx_init(&pr->date)) {
			snprintf(err, errlen, "internal: a date pattern does not compile");
			return false;
		}
		for (int k = 0; k < RX_MAX && fn_pats[i].pats[k] != NULL; k++) {
			GError *e = NULL;
			pr->rx[k] = g_regex_new(fn_pats[i].pats[k], G_REGEX_RAW | G_REGEX_OPTIMIZE, 0,
			    &e);
			if (pr->rx[k] == NULL) {
				snprintf(err, errlen, "internal: pattern %d: %s", k, e->message);
				g_error_free(e);
				return false;
			}
		}
		return true;
	}
	return true;
}

static bool
prep_noargs(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 0) {
		snprintf(err, errlen, "no arguments expected");
		return false;
	}
	return compile_pats(c, c->def->name, err, errlen);
}

/* no arguments, nothing to compile */
static bool
prep_none(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 0) {
		snprintf(err, errlen, "no arguments expected");
		return false;
	}
	return true;
}

static bool
prep_hotmail(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 0) {
		snprintf(err, errlen, "no arguments expected");
		return false;
	}
	return compile_pats(c, "hotmail", err, errlen);
}

static bool
rx(const struct sa_eval_call *c, int i, const char *s)
{
	const struct prep *pr = c->data;
	return g_regex_match(pr->rx[i], s, 0, NULL);
}

/* a number argument as Perl reads it; false when not a number at all */
static bool
num_arg(const struct sa_eval_call *c, unsigned i, double *out)
{
	if (sa_eval_arg_undef(c, i))
		return false;
	const char *s = c->argv[i];
	while (*s == ' ' || *s == '\t')
		s++;
	char *end;
	*out = g_ascii_strtod(s, &end);
	return end != s && isfinite(*out);
}

/* ---- the scan's shared results ----------------------------------------- */

struct hdr_cache {
	int date_state;		/* 0: not yet, 1: done */
	double date_diff;
	int recip_state;
	bool tocc_sorted;
	double tocc_similar;
	int hotmail_state;
	bool hotmail_forged, hotmail_none;
	int fm_body_state;	/* FreeMail's body addresses: 0 not yet */
	bool fm_body_skip;	/* too many addresses: the body is not used */
	GPtrArray *fm_body;	/* the freemail ones (char *) */
	/* the scan's addresses, made on first use (several rules read them) */
	bool ef_done;
	char *ef;		/* envelope_from_make(), NULL: none */
	char *ef_addr;		/* envfrom_addr_make(), NULL: not yet */
	GPtrArray *from_addrs;	/* all_from_addrs_make() */
	GPtrArray *to_addrs;	/* all_to_addrs_make() */
};

static void *
cache_new(struct sa_eval_msg *m)
{
	(void)m;
	return g_new0(struct hdr_cache, 1);
}

static void
cache_free(void *p)
{
	struct hdr_cache *hc = p;
	if (hc == NULL)
		return;
	if (hc->fm_body != NULL)
		g_ptr_array_free(hc->fm_body, TRUE);
	g_free(hc->ef);
	g_free(hc->ef_addr);
	if (hc->from_addrs != NULL)
		g_ptr_array_free(hc->from_addrs, TRUE);
	if (hc->to_addrs != NULL)
		g_ptr_array_free(hc->to_addrs, TRUE);
	g_free(hc);
}

static struct hdr_cache *
cache(struct sa_eval_msg *m)
{
	return sa_eval_cached(m, SA_SLOT_HEADER, cache_new, cache_free);
}

/* EnvelopeFrom (envelope_from_make()), made once a scan; NULL: none */
static const char *
envelope_from(struct sa_eval_msg *m)
{
	struct hdr_cache *hc = cache(m);
	if (!hc->ef_done) {
		hc->ef = envelope_from_make(m);
		hc->ef_done = true;
	}
	return hc->ef;
}

/* ---- HeaderEval ---------------------------------------------------------- */

/* check_for_missing_to_header: neither To nor Apparently-To (or both empty) */
static int
missing_to(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	char *to = hget(m, "To", NULL);
	bool empty = to[0] == '\0';
	g_free(to);
	if (!empty)
		return 0;
	char *ap = hget(m, "Apparently-To", NULL);
	empty = ap[0] == '\0';
	g_free(ap);
	return empty;
}

/* _get_date_header_time: the first Resent-Date, else Date value that
 * parses */
static bool
date_header_time(const struct sa_eval_msg *m, const struct date_rx *dr, int64_t *t)
{
	static const char *const names[] = { "Resent-Date", "Date" };
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
		for (guint i = 0; i < m->fields->len; i++) {
			const struct sa_field *f = m->fields->pdata[i];
			if (!sa_field_name_is(f->name, names[k]))
				continue;
			GString *v = g_string_new(NULL);
			field_value(f, v);
			bool ok = v->len > 0 && parse_date(dr, v->str, t);
			g_string_free(v, TRUE);
			if (ok)
				return true;
		}
	return false;
}

/* _check_date_diff: Date minus the Received date closest to it */
static double
date_diff(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return 0;
	if (hc->date_state)
		return hc->date_diff;
	hc->date_state = 1;
	hc->date_diff = 0;
	const struct prep *pr = c->data;
	int64_t dt;
	if (!date_header_time(m, &pr->date, &dt))
		return 0;
	char *all = hget(m, "Received", NULL);
	char **lines = g_strsplit(all, "\n", -1);
	g_free(all);
	GPtrArray *rcvd = g_ptr_array_new();
	for (char **p = lines; *p != NULL; p++) {
		bool any = false;
		for (const char *q = *p; *q != '\0' && !any; q++)
			any = !g_ascii_isspace(*q);
		if (any)
			g_ptr_array_add(rcvd, *p);
	}
	/* fetchmail's local hops are left out */
	guint first = 0;
	if (rcvd->len > 0) {
		bool local = rx(c, 0, rcvd->pdata[0]) || rx(c, 1, rcvd->pdata[0]);
		guint next = local ? 1 : 0;
		if (next < rcvd->len && rx(c, 2, rcvd->pdata[next]))
			first = next + 1;
	}
	GArray *diffs = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = first; i < rcvd->len; i++) {
		GMatchInfo *mi = NULL;
		if (g_regex_match(pr->rx[3], rcvd->pdata[i], 0, &mi)) {
			char *d = g_match_info_fetch(mi, 1);
			int64_t t;
			if (parse_date(&pr->date, d, &t)) {
				int64_t df = dt - t;
				g_array_append_val(diffs, df);
			}
			g_free(d);
		}
		g_match_info_free(mi);
	}
	g_ptr_array_free(rcvd, TRUE);
	g_strfreev(lines);
	if (diffs->len > 1 && g_array_index(diffs, int64_t, diffs->len - 1) == 0)
		g_array_set_size(diffs, diffs->len - 1);
	if (diffs->len > 0) {
		/* the smallest absolute difference, the first of equals (Perl's
		 * sort is stable) */
		int64_t best = g_array_index(diffs, int64_t, 0);
		for (guint i = 1; i < diffs->len; i++) {
			int64_t v = g_array_index(diffs, int64_t, i);
			if (llabs(v) < llabs(best))
				best = v;
		}
		hc->date_diff = (double)best;
	}
	g_array_free(diffs, TRUE);
	return hc->date_diff;
}

static bool
prep_range(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 2) {
		snprintf(err, errlen, "two arguments expected (min, max or undef)");
		return false;
	}
	for (unsigned i = 0; i < 2; i++) {
		double v;
		if (!sa_eval_arg_undef(c, i) && !num_arg(c, i, &v)) {
			snprintf(err, errlen, "argument %u is not a number", i + 1);
			return false;
		}
	}
	return compile_pats(c, c->def->name, err, errlen);
}

/* check_for_shifted_date(min, max): the difference in [min, max) hours */
static int
shifted_date(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	double d = date_diff(m, c);
	return (sa_eval_arg_undef(c, 0) || d >= 3600 * sa_eval_arg_num(c, 0, 0)) &&
	    (sa_eval_arg_undef(c, 1) || d < 3600 * sa_eval_arg_num(c, 1, 0));
}

/* check_header_count_range(header, min, max): distinct values */
static bool
prep_count_range(struct sa_eval_call *c, char *err, size_t errlen)
{
	double v;
	if (c->argc != 3 || !num_arg(c, 1, &v) || !num_arg(c, 2, &v)) {
		snprintf(err, errlen, "a header and two numbers expected");
		return false;
	}
	if (strchr(c->argv[0], ':') != NULL) {
		snprintf(err, errlen, "a plain header name expected");
		return false;
	}
	return true;
}

static int
count_range(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < m->fields->len; i++) {
		const struct sa_field *f = m->fields->pdata[i];
		if (!sa_field_name_is(f->name, c->argv[0]))
			continue;
		GString *v = g_string_new(NULL);
		field_value(f, v);
		g_hash_table_add(seen, g_string_free(v, FALSE));
	}
	double n = g_hash_table_size(seen);
	g_hash_table_destroy(seen);
	return n >= sa_eval_arg_num(c, 1, 0) && n <= sa_eval_arg_num(c, 2, 0);
}

/* RFC 3629's UTF-8 (Util.pm is_valid_utf_8) */
static bool
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		size_t k;
		unsigned char lo = 0x80, hi = 0xbf;
		if (b < 0x80) {
			i++;
			continue;
		} else if (b >= 0xc2 && b <= 0xdf) {
			k = 1;
		} else if (b >= 0xe0 && b <= 0xef) {
			k = 2;
			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			k = 3;
			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;	/* cut short */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return false;
		i += k + 1;
	}
	return true;
}

/* check_illegal_chars(header, ratio, count): 8-bit and control octets in
 * the raw header (ALL: the whole header block) */
static bool
prep_illegal(struct sa_eval_call *c, char *err, size_t errlen)
{
	double v;
	if (c->argc != 3 || !num_arg(c, 1, &v) || !num_arg(c, 2, &v)) {
		snprintf(err, errlen, "a header and two numbers expected");
		return false;
	}
	const char *h = c->argv[0];
	const char *colon = strchr(h, ':');
	if (colon != NULL && strcmp(colon, ":raw") != 0) {
		snprintf(err, errlen, "header modifiers other than :raw not supported");
		return false;
	}
	size_t n = colon != NULL ? (size_t)(colon - h) : strlen(h);
	if (n == 0 || strncmp(h, "ALL-", 4) == 0 ||
	    (n == 12 && g_ascii_strncasecmp(h, "EnvelopeFrom", 12) == 0) ||
	    (n == 4 && strncmp(h, "ToCc", 4) == 0) || (n == 9 && strncmp(h, "MESSAGEID", 9) == 0) ||
	    g_ascii_strncasecmp(h, "X-Spam-Relays-", 14) == 0) {
		snprintf(err, errlen, "pseudo-header %.*s not supported", (int)n, h);
		return false;
	}
	struct prep *pr = g_new0(struct prep, 1);
	pr->str[0] = g_strndup(h, n);
	pr->flag = n == 3 && strncmp(h, "ALL", 3) == 0;
	c->data = pr;
	return true;
}

static int
illegal_chars(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct prep *pr = c->data;
	char *str = pr->flag ? hget_all_raw(m) : hget_raw(m, pr->str[0]);
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str);
	bool nonspace = false, high = false, ctl = false;
	for (size_t i = 0; i < len; i++) {
		nonspace |= !g_ascii_isspace(s[i]);
		high |= s[i] >= 0x80;
		ctl |= s[i] <= 0x08 || s[i] == 0x0b || s[i] == 0x0c ||
		    (s[i] >= 0x0e && s[i] <= 0x1f);
	}
	int r = 0;
	if (!nonspace || (high && !ctl && valid_utf8(s, len)))
		goto out;
	double illegal = 0, exempt = 0;
	for (size_t i = 0; i < len; i++) {
		illegal += s[i] <= 0x08 || s[i] == 0x0b || s[i] == 0x0c ||
		    (s[i] >= 0x0e && s[i] <= 0x1f) || s[i] >= 0x7f;
		exempt += s[i] == 0xa2 || s[i] == 0xa3 || s[i] == 0xae;
	}
	if (illegal > 0 && !pr->flag && g_ascii_strcasecmp(pr->str[0], "Subject") == 0 &&
	    exempt == 1)
		illegal--;
	r = illegal / (double)len >= sa_eval_arg_num(c, 1, 0) &&
	    illegal >= sa_eval_arg_num(c, 2, 0);
out:
	g_free(str);
	return r;
}


/* whether needle is in hay, ASCII letters of either case ("" always) */
static bool
ascii_case_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; ; p++) {
		if (g_ascii_strncasecmp(p, needle, n) == 0)
			return true;
		if (*p == '\0')
			return false;
	}
}

/* check_for_to_in_subject('address' | 'user') */
static bool
prep_to_in_subject(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 1 || (strcmp(c->argv[0], "address") != 0 &&
	    strcmp(c->argv[0], "user") != 0)) {
		snprintf(err, errlen, "'address' or 'user' expected");
		return false;
	}
	return true;
}

static int
to_in_subject(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	char *to = hget_addr(m, "To");
	if (to[0] == '\0') {
		g_free(to);
		return 0;
	}
	char *subject = hget(m, "Subject", NULL);
	bool address = strcmp(c->argv[0], "address") == 0;
	if (!address) {
		char *at = strchr(to, '@');
		if (at != NULL)
			*at = '\0';
	}
	/* every form of the pattern has the (escaped) name in it, ASCII
	 * letters of either case (PCRE2's caseless octets): a subject without
	 * it is not matched (a long name is, whatever the pattern's compile
	 * says) */
	if (strlen(to) <= 256 && !ascii_case_contains(subject, to)) {
		g_free(subject);
		g_free(to);
		return 0;
	}
	char *pat;
	if (address) {
		char *q = g_regex_escape_string(to, -1);
		pat = g_strdup_printf("(?i)\\b%s\\b", q);
		g_free(q);
	} else {
		char *q = g_regex_escape_string(to, -1);
		pat = g_strdup_printf("(?i)^(?:(?:re|fw):\\s*(?:\\w+\\s+)?%s$"
		    "|(?-i:%s)\\s*[,:;!?-](?:$|\\s)|%s$|,\\s*%s[,:;!?-]$)", q, q, q, q);
		g_free(q);
	}
	GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
	int r = re == NULL ? -1 : g_regex_match(re, subject, 0, NULL);
	if (re != NULL)
		g_regex_unref(re);
	g_free(pat);
	g_free(subject);
	g_free(to);
	return r;
}

/* check_for_faraway_charset_in_headers: ok_locales is "all" by default
 * (10_default_prefs.cf), which makes no charset faraway */
static const char *const locale_charsets[][2] = {
	{ "ja", "EUCJP JISX020119760 JISX020819830 JISX020819900 JISX020819970 "
	    "JISX021219900 JISX021320001 JISX021320002 SHIFT_JIS SHIFTJIS ISO2022JP SJIS JIS7 "
	    "JISX0201 JISX0208 JISX0212" },
	{ "ko", "EUCKR KSC56011987" },
	{ "ru", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "ka", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "tg", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "be", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "uk", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "bg", "KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS CP1251 PT154 CP866" },
	{ "th", "TIS620" },
	{ "zh", "GB1988 GB2312 GB231219800 GB18030 GBK BIG5HKSCS BIG5 EUCTW ISO2022CN" },
};

/* Locales.pm is_charset_ok_for_locales */
static bool
charset_ok(const char *cs_in, char **locales)
{
	GString *cs = g_string_new(NULL);
	for (const char *p = cs_in; *p != '\0'; p++)
		if (g_ascii_isalnum(*p))
			g_string_append_c(cs, g_ascii_toupper(*p));
	while (g_str_has_prefix(cs->str, "3D"))
		g_string_erase(cs, 0, 2);
	static const char *const exact[] = { "USASCII", "ASCII", "IBM852", "XUNKNOWN", "ISO" };
	static const char *const prefix[] = { "ISO8859", "ISO10646", "UTF", "UCS", "CP125",
	    "WINDOWS", "UNICODE11UTF7", "UNICODE11UTF8" };
	bool ok = false;
	for (size_t i = 0; i < G_N_ELEMENTS(exact) && !ok; i++)
		ok = strcmp(cs->str, exact[i]) == 0;
	for (size_t i = 0; i < G_N_ELEMENTS(prefix) && !ok; i++)
		ok = g_str_has_prefix(cs->str, prefix[i]);
	for (char **l = locales; *l != NULL && !ok; l++) {
		char loc[3] = "en";
		if (strcmp(*l, "C") != 0 && g_ascii_islower((*l)[0]) && g_ascii_islower((*l)[1])) {
			loc[0] = (*l)[0];
			loc[1] = (*l)[1];
		} else if (strcmp(*l, "C") != 0) {
			continue;	/* no entry for it */
		}
		for (size_t k = 0; k < G_N_ELEMENTS(locale_charsets) && !ok; k++) {
			if (strcmp(locale_charsets[k][0], loc) != 0)
				continue;
			char **w = g_strsplit(locale_charsets[k][1], " ", -1);
			for (char **q = w; *q != NULL && !ok; q++)
				ok = strcmp(*q, cs->str) == 0;
			g_strfreev(w);
		}
	}
	g_string_free(cs, TRUE);
	return ok;
}

static bool
prep_faraway(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 0) {
		snprintf(err, errlen, "no arguments expected");
		return false;
	}
	struct prep *pr = g_new0(struct prep, 1);
	c->data = pr;
	pr->rx[0] = g_regex_new("=\\?(.+?)\\?.\\?.*?\\?=", G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	return pr->rx[0] != NULL;
}

static int
faraway_charset(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const char *ok_locales = "all";
	GPtrArray *set = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, "ok_locales") : NULL;
	if (set != NULL && set->len > 0)
		ok_locales = set->pdata[set->len - 1];	/* the last one counts */
	char **loc = sa_eval_split_ws(ok_locales);
	int r = 0;
	for (char **l = loc; *l != NULL; l++)
		if (strcmp(*l, "all") == 0)
			goto out;
	static const char *const names[] = { "From", "Subject" };
	const struct prep *pr = c->data;
	for (size_t k = 0; k < G_N_ELEMENTS(names) && r == 0; k++)
		for (guint i = 0; i < m->fields->len && r == 0; i++) {
			const struct sa_field *f = m->fields->pdata[i];
			if (!sa_field_name_is(f->name, names[k]))
				continue;
			GMatchInfo *mi = NULL;
			g_regex_match(pr->rx[0], f->raw, 0, &mi);
			while (g_match_info_matches(mi) && r == 0) {
				char *cs = g_match_info_fetch(mi, 1);
				/* :.* trimmed: the first of several */
				char *col = strchr(cs, ':');
				if (col != NULL)
					*col = '\0';
				if (!charset_ok(cs, loc))
					r = 1;
				g_free(cs);
				g_match_info_next(mi, NULL);
			}
			g_match_info_free(mi);
		}
out:
	g_strfreev(loc);
	return r;
}

/* check_outlook_message_id: Outlook's Message-ID carries a time stamp
 * that must be near the Date (or the Received text's first date) */
static int
outlook_message_id(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct prep *pr = c->data;
	char *id = hget_messageid(m);
	GMatchInfo *mi = NULL;
	int r = 0;
	if (!g_regex_match(pr->rx[0], id, 0, &mi))
		goto out;
	char *hex = g_match_info_fetch(mi, 1);
	double token = (double)strtoull(hex, NULL, 16);
	g_free(hex);
	const double x = 0.0023283064365387, y = 27111902.8329849;
	char *date = hget(m, "Date", NULL);
	int64_t t;
	if (!parse_date(&pr->date, date, &t))
		t = 0;
	g_free(date);
	double expected = trunc((double)t * x + y);
	if (fabs(token - expected) < 250)
		goto out;
	/* SpamAssassin's match of the first date is not used: the whole
	 * Received text is parsed */
	char *rcvd = hget(m, "Received", NULL);
	if (!parse_date(&pr->date, rcvd, &t))
		t = 0;
	g_free(rcvd);
	expected = trunc((double)t * x + y);
	r = fabs(token - expected) >= 250;
out:
	g_match_info_free(mi);
	g_free(id);
	return r;
}

/* check_ratware_name_id: <28 capitals.ADDR> and a From of "name" <ADDR> */
static int
ratware_name_id(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct prep *pr = c->data;
	char *mid = hget_messageid(m);
	GMatchInfo *mi = NULL;
	int r = 0;
	if (g_regex_match(pr->rx[0], mid, 0, &mi)) {
		char *a = g_match_info_fetch(mi, 1);
		char *q = g_regex_escape_string(a, -1);
		char *pat = g_strdup_printf("\"[^\"]+\"\\s*<%s>", q);
		GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
		char *from = hget(m, "From", NULL);
		r = re == NULL ? -1 : g_regex_match(re, from, 0, NULL);
		if (re != NULL)
			g_regex_unref(re);
		g_free(from);
		g_free(pat);
		g_free(q);
		g_free(a);
	}
	g_match_info_free(mi);
	g_free(mid);
	return r;
}

/* _check_recipients: the To and Cc addresses (and Bcc's when fewer than
 * 5), neighbours that repeat dropped, at most 256 */
static void
check_recipients(struct sa_eval_msg *m, struct hdr_cache *hc)
{
	hc->recip_state = 1;
	GPtrArray *in = g_ptr_array_new_with_free_func(g_free);
	static const char *const names[] = { "To", "Cc", "Bcc" };
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
		if (k == 2 && in->len >= 5)
			break;
		GString *s = g_string_new(NULL);
		sa_header_addresses(m->fields, names[k], false, s);
		if (s->len > 0) {
			char **v = g_strsplit(s->str, "\n", -1);
			for (char **p = v; *p != NULL; p++)
				g_ptr_array_add(in, g_strdup(*p));
			g_strfreev(v);
		}
		g_string_free(s, TRUE);
	}
	GPtrArray *addr = g_ptr_array_new();
	const char *prev = "";
	for (guint i = 0; i < in->len; i++) {
		const char *cur = in->pdata[i];
		if (cur[0] == '\0' || strcmp(cur, "0") == 0)
			break;	/* Perl's while (my $x = shift) ends on a false value */
		if (g_ascii_strcasecmp(cur, prev) != 0)
			g_ptr_array_add(addr, (void *)(prev = cur));
		if (addr->len == 256)
			break;
	}
	hc->tocc_sorted = false;
	if (addr->len >= 7) {
		hc->tocc_sorted = true;
		for (guint i = 1; i < addr->len && hc->tocc_sorted; i++)
			hc->tocc_sorted = strcmp(addr->pdata[i - 1], addr->pdata[i]) <= 0;
	}
	hc->tocc_similar = 0;
	if (addr->len >= 5) {
		/* @fqhn is the domains of the addresses with an @ only: its
		 * indices shift past an address without one, as in Perl */
		guint n = addr->len, nf = 0;
		const char **fqhn = g_new0(const char *, n);
		for (guint i = 0; i < n; i++) {
			const char *at = strchr(addr->pdata[i], '@');
			if (at != NULL)
				fqhn[nf++] = at + 1;
		}
		double hits = 0, comb = 0;
		for (guint i = 0; i < n; i++)
			for (guint j = i + 1; j < n; j++) {
				const char *ui = addr->pdata[i], *uj = addr->pdata[j];
				if (strncmp(ui, uj, 2) == 0)
					hits++;
				const char *fi = i < nf ? fqhn[i] : "", *fj = j < nf ? fqhn[j] : "";
				if (strncmp(fi, fj, 2) == 0 && strcmp(fi, fj) != 0)
					hits++;
				comb++;
			}
		hc->tocc_similar = hits / comb;
		g_free(fqhn);
	}
	g_ptr_array_free(addr, TRUE);
	g_ptr_array_free(in, TRUE);
}

static int
sorted_recipients(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return -1;
	if (!hc->recip_state)
		check_recipients(m, hc);
	return hc->tocc_sorted;
}

static bool
prep_similar(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 2) {
		snprintf(err, errlen, "two arguments expected (min, max or undef)");
		return false;
	}
	for (unsigned i = 0; i < 2; i++) {
		double v;
		if (!sa_eval_arg_undef(c, i) && !num_arg(c, i, &v)) {
			snprintf(err, errlen, "argument %u is not a number", i + 1);
			return false;
		}
	}
	return true;
}

static int
similar_recipients(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return -1;
	if (!hc->recip_state)
		check_recipients(m, hc);
	double s = hc->tocc_similar;
	return (sa_eval_arg_undef(c, 0) || s >= sa_eval_arg_num(c, 0, 0)) &&
	    (sa_eval_arg_undef(c, 1) || s < sa_eval_arg_num(c, 1, 0));
}

/* subject_is_all_caps: a subject of several words, 10 or more bytes, its
 * letters all capitals, not in a charset that has no case */
static int
subject_all_caps(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct prep *pr = c->data;
	char *subject = hget(m, "Subject", NULL);
	g_strstrip(subject);	/* s/^\s+//; s/\s+$// */
	char *s = g_regex_replace_literal(pr->rx[0], subject, -1, 0, "", 0, NULL);
	g_free(subject);
	int r = 0;
	if (s == NULL)
		return -1;
	bool space = false;
	for (const char *p = s; *p != '\0'; p++)
		space |= g_ascii_isspace(*p);
	if (!space || strlen(s) < 10)
		goto out;
	GString *letters = g_string_new(NULL);
	bool lower = false;
	for (const char *p = s; *p != '\0'; p++)
		if (g_ascii_isalpha(*p)) {
			g_string_append_c(letters, *p);
			lower |= g_ascii_islower(*p);
		}
	char *raw = hget_raw(m, "Subject");
	bool cjk = rx(c, 1, raw);
	g_free(raw);
	r = !cjk && letters->len > 0 && !lower;
	g_string_free(letters, TRUE);
out:
	g_free(s);
	return r;
}

/* check_unresolved_template: a %TEMPLATE% left in a header line */
static int
unresolved_template(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	for (guint i = 0; i < m->fields->len; i++) {
		const struct sa_field *f = m->fields->pdata[i];
		/* pattern 0 needs a '%': a line without one is not made */
		if (strchr(f->name, '%') == NULL && strchr(field_src(f), '%') == NULL)
			continue;
		GString *line = g_string_new(f->name);
		g_string_append(line, ": ");
		field_value(f, line);
		bool hit = rx(c, 0, line->str) && !rx(c, 1, line->str);
		g_string_free(line, TRUE);
		if (hit)
			return 1;
	}
	return 0;
}

/* gated_through_received_hdr_remover with patterns 0-3 of c */
static bool
gated(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	bool found;
	char *txt = hget(m, "Mailing-List", &found);
	bool hit = false;
	if (found && rx(c, 0, txt)) {
		char *dlto = hget(m, "Delivered-To", NULL);
		char *rcvd = hget(m, "Received", NULL);
		hit = rx(c, 1, dlto) && rx(c, 2, rcvd);
		g_free(dlto);
		g_free(rcvd);
	}
	g_free(txt);
	if (hit)
		return true;
	char *rcvd = hget(m, "Received", &found);
	hit = !found || rx(c, 3, rcvd);
	g_free(rcvd);
	return hit;
}

static int
gated_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	return gated(m, c);
}

/* check_for_fake_aol_relay_in_rcvd */
static int
fake_aol_relay(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	char *r = hget(m, "Received", NULL);
	squeeze_space(r);
	int hit = rx(c, 0, r) && !rx(c, 1, r) && !rx(c, 2, r);
	g_free(r);
	return hit;
}

/* check_for_msn_groups_headers */
static bool
msn_groups(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	char *to = hget(m, "To", NULL);
	GRegex *re_to = sa_eval_regex("(?i)<(\\S+)\\@groups\\.msn\\.com>", G_REGEX_RAW);
	GMatchInfo *mi = NULL;
	bool r = false;
	char *list = NULL, *server = NULL, *rcvd = NULL, *mid = NULL, *ef = NULL;
	GRegex *re_rc = NULL;
	if (re_to == NULL || !g_regex_match(re_to, to, 0, &mi))
		goto out;
	list = g_match_info_fetch(mi, 1);
	g_match_info_free(mi);
	mi = NULL;
	rcvd = hget(m, "Received", NULL);
	re_rc = sa_eval_regex("from mail pickup service by ((?:p\\d\\d\\.)groups\\.msn\\.com)\\b",
	    G_REGEX_RAW);
	if (re_rc == NULL || !g_regex_match(re_rc, rcvd, 0, &mi))
		goto out;
	server = g_match_info_fetch(mi, 1);
	mid = hget(m, "Message-Id", NULL);
	/* the list name and server are interpolated as patterns in Perl */
	if (strcmp(list, "notifications") == 0) {
		char *pat = g_strdup_printf("^<\\S+\\@%s>", server);
		GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
		r = re != NULL && g_regex_match(re, mid, 0, NULL);
		if (re != NULL)
			g_regex_unref(re);
		g_free(pat);
	} else {
		char *pat = g_strdup_printf("^<%s-\\S+\\@groups\\.msn\\.com>", list);
		GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
		r = re != NULL && g_regex_match(re, mid, 0, NULL);
		if (re != NULL)
			g_regex_unref(re);
		g_free(pat);
		if (r) {
			ef = g_strdup(envelope_from(m));
			pat = g_strdup_printf("%s-bounce\\@groups\\.msn\\.com", list);
			re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
			r = re != NULL && ef != NULL && g_regex_match(re, ef, 0, NULL);
			if (re != NULL)
				g_regex_unref(re);
			g_free(pat);
		}
	}
out:
	g_match_info_free(mi);
	if (re_to != NULL)
		g_regex_unref(re_to);
	if (re_rc != NULL)
		g_regex_unref(re_rc);
	g_free(to);
	g_free(list);
	g_free(server);
	g_free(rcvd);
	g_free(mid);
	g_free(ef);
	return r;
}

/* _check_for_forged_hotmail_received_headers */
static void
hotmail(struct sa_eval_msg *m, const struct sa_eval_call *c, struct hdr_cache *hc)
{
	hc->hotmail_state = 1;
	hc->hotmail_forged = hc->hotmail_none = false;
	char *rcvd = hget(m, "Received", NULL);
	squeeze_space(rcvd);
	bool fi, fo;
	char *ip = hget(m, "X-Originating-Ip", &fi);
	char *orig = hget(m, "X-OriginatorOrg", &fo);
	if (rx(c, 4, rcvd) || msn_groups(m, c))
		goto out;
	bool has_ip = fi && rx(c, 5, ip), has_orig = fo && rx(c, 6, orig);
	if (gated(m, c))
		goto out;
	if ((rx(c, 7, rcvd) && has_ip) || (rx(c, 8, rcvd) && has_orig) ||
	    (rx(c, 9, rcvd) && has_orig) || (rx(c, 10, rcvd) && has_ip) ||
	    (rx(c, 11, rcvd) && has_ip) || (rx(c, 12, rcvd) && has_ip))
		goto out;
	if (rx(c, 13, rcvd)) {
		hc->hotmail_forged = true;
	} else {
		char *from = hget_addr(m, "From");
		hc->hotmail_none = rx(c, 14, from);
		g_free(from);
	}
out:
	g_free(rcvd);
	g_free(ip);
	g_free(orig);
}

static int
forged_hotmail(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return -1;
	if (!hc->hotmail_state)
		hotmail(m, c, hc);
	return hc->hotmail_forged;
}

static int
no_hotmail(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return -1;
	if (!hc->hotmail_state)
		hotmail(m, c, hc);
	return hc->hotmail_none;
}

/* check_for_forged_eudoramail_received_headers */
static int
forged_eudoramail(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	char *from = hget_addr(m, "From");
	bool is = rx(c, 4, from);
	g_free(from);
	if (!is)
		return 0;
	char *rcvd = hget(m, "Received", NULL);
	squeeze_space(rcvd);
	bool f;
	char *ip = hget(m, "X-Sender-Ip", &f);
	bool has_ip = f && rx(c, 5, ip);
	int r = 1;
	if (gated(m, c) || (rx(c, 6, rcvd) && has_ip))
		r = 0;
	g_free(ip);
	g_free(rcvd);
	return r;
}

/* check_for_forged_juno_received_headers */
static int
forged_juno(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	char *from = hget_addr(m, "From");
	bool is = rx(c, 4, from);
	g_free(from);
	if (!is || gated(m, c))
		return 0;
	char *xorig = hget(m, "X-Originating-IP", NULL);
	char *xmailer = hget(m, "X-Mailer", NULL);
	char *rcvd = hget(m, "Received", NULL);
	int r = 0;
	if (xorig[0] != '\0') {
		if (!rx(c, 5, rcvd) && !rx(c, 6, rcvd))
			r = 1;
		else if (strstr(xmailer, "Juno ") == NULL)
			r = 1;
	} else {
		if (rx(c, 7, rcvd)) {
			if (!rx(c, 8, xmailer))
				r = 1;
		} else if (rx(c, 9, rcvd)) {
			if (!rx(c, 10, xmailer))
				r = 1;
		} else {
			r = 1;
		}
		if (r == 0 && !rx(c, 11, xorig))
			r = 1;
	}
	g_free(xorig);
	g_free(xmailer);
	g_free(rcvd);
	return r;
}

/* check_for_forged_gmail_received_headers */
static int
forged_gmail(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	char *from = hget_addr(m, "From");
	bool is = rx(c, 0, from);
	g_free(from);
	if (!is)
		return 0;
	char *xgms = hget(m, "X-Gm-Message-State", NULL);
	char *xss = hget(m, "X-Google-Smtp-Source", NULL);
	char *xr = hget(m, "X-Received", NULL);
	char *rcvd = hget(m, "Received", NULL);
	int r = 1;
	if (rx(c, 1, xr) || rx(c, 2, xr) || rx(c, 3, rcvd) ||
	    (strlen(xgms) >= 60 && strlen(xss) >= 60))
		r = 0;
	g_free(xgms);
	g_free(xss);
	g_free(xr);
	g_free(rcvd);
	return r;
}

/* ---- the envelope sender against the header ------------------------------ */

static void setting_words(const struct sa_eval_msg *m, const char *key,
    void (*fn)(void *ud, const char *w), void *ud);

/* get(EnvelopeFrom:addr) in scalar context: "" when none */
static char *
envfrom_addr_make(struct sa_eval_msg *m)
{
	const char *e = envelope_from(m);
	if (e == NULL)
		return g_strdup("");
	/* the envelope as an address list: its first address */
	struct sa_field f = { .name = (char *)"EnvelopeFrom", .raw = (char *)e,
		.decoded = (char *)e };
	GPtrArray *one = g_ptr_array_new();
	g_ptr_array_add(one, &f);
	GString *s = g_string_new(NULL);
	sa_header_addresses(one, "EnvelopeFrom", false, s);
	g_ptr_array_free(one, TRUE);
	char *nl = strchr(s->str, '\n');
	if (nl != NULL)
		g_string_truncate(s, (gsize)(nl - s->str));
	return g_string_free(s, FALSE);
}

/* envfrom_addr_make(), made once a scan */
static const char *
envfrom_addr(struct sa_eval_msg *m)
{
	struct hdr_cache *hc = cache(m);
	if (hc->ef_addr == NULL)
		hc->ef_addr = envfrom_addr_make(m);
	return hc->ef_addr;
}

/* check_for_matching_env_and_hdr_from: the same address (two empty ones
 * match too, as in SpamAssassin) */
static int
env_and_hdr_from(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const char *e = envfrom_addr(m);
	char *f = hget_addr(m, "From");
	int r = g_ascii_strcasecmp(e, f) == 0;
	g_free(f);
	return r;
}

/* the last two labels of what follows an address's last @ ("" when no @) */
static char *
second_level(const char *addr)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		return g_strdup("");
	char *d = g_strdup(at + 1);
	/* s/^.+\.([^\.]+\.[^\.]+)$/$1/ */
	char *last = strrchr(d, '.');
	if (last != NULL && last > d) {
		char *p = last;
		while (p > d && p[-1] != '.')
			p--;
		if (p > d + 1 && last > p) {	/* ".+" before it, labels not empty */
			char *r = g_strdup(p);
			g_free(d);
			return r;
		}
	}
	return d;
}

/* check_equal_from_domains: From's and EnvelopeFrom's second-level
 * domains differ */
static int
equal_from_domains(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	char *from = hget_addr(m, "From");
	const char *env = envfrom_addr(m);
	char *fd = second_level(from), *ed = second_level(env);
	int r = *fd != '\0' && *ed != '\0' && g_ascii_strcasecmp(fd, ed) != 0;
	g_free(from);
	g_free(fd);
	g_free(ed);
	return r;
}

/* RegistryBoundaries' lists (util_rb_tld, _2tld, _3tld), read once per rule */
struct rb_conf {
	GHashTable *tld, *tld2, *tld3;
};

struct rb_prep {
	GRegex *srs;
	gsize once;
	struct rb_conf *conf;
};

/* Util.pm idn_to_ascii: lowercased; labels with other octets in ACE */
static char *
idn_ascii(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80) {
			char *a = g_utf8_validate(s, -1, NULL) ? g_hostname_to_ascii(s) : NULL;
			if (a != NULL) {
				char *l = g_ascii_strdown(a, -1);
				g_free(a);
				return l;
			}
			break;
		}
	return g_ascii_strdown(s, -1);
}

static void
add_word_to(void *ud, const char *w)
{
	g_hash_table_add(ud, idn_ascii(w));
}

static void
rb_prep_free(void *p)
{
	struct rb_prep *pr = p;
	if (pr == NULL)
		return;
	if (pr->srs != NULL)
		g_regex_unref(pr->srs);
	if (pr->conf != NULL) {
		g_hash_table_destroy(pr->conf->tld);
		g_hash_table_destroy(pr->conf->tld2);
		g_hash_table_destroy(pr->conf->tld3);
		g_free(pr->conf);
	}
	g_free(pr);
}

static const struct rb_conf *
rb_conf(const struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct rb_prep *pr = c->data;
	if (g_once_init_enter(&pr->once)) {
		struct rb_conf *r = g_new0(struct rb_conf, 1);
		r->tld = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		r->tld2 = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		r->tld3 = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		setting_words(m, "util_rb_tld", add_word_to, r->tld);
		setting_words(m, "util_rb_2tld", add_word_to, r->tld2);
		setting_words(m, "util_rb_3tld", add_word_to, r->tld3);
		pr->conf = r;
		g_once_init_leave(&pr->once, 1);
	}
	return pr->conf;
}

/* RegistryBoundaries trim_domain: the registered domain of a host name */
static char *
trim_domain(const struct rb_conf *rb, const char *host)
{
	char *d = idn_ascii(host);
	/* tr/././s; leading and trailing dots cut */
	char *o = d;
	for (const char *p = d; *p != '\0'; p++)
		if (!(*p == '.' && o > d && o[-1] == '.'))
			*o++ = *p;
	*o = '\0';
	char *start = d;
	while (*start == '.')
		start++;
	size_t n = strlen(start);
	while (n > 0 && start[n - 1] == '.')
		start[--n] = '\0';
	char *r = sa_eval_registered_domain(start, rb->tld2, rb->tld3);
	g_free(d);
	return r;
}

/* is_domain_valid: a known TLD */
static bool
domain_valid(const struct rb_conf *rb, const char *dom)
{
	char *d = idn_ascii(dom);
	bool ok = strpbrk(d, " \t\n\r\f\v") == NULL;
	const char *dot = strrchr(d, '.');
	ok = ok && dot != NULL && dot[1] != '\0' && g_hash_table_contains(rb->tld, dot + 1);
	g_free(d);
	return ok;
}

static bool
prep_ratware_env(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 0) {
		snprintf(err, errlen, "no arguments expected");
		return false;
	}
	struct rb_prep *pr = g_new0(struct rb_prep, 1);
	c->data = pr;
	pr->srs = g_regex_new("(?i)^SRS\\d[=+-]", G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	return pr->srs != NULL;
}

/* check_ratware_envelope_from: an envelope sender built of the recipient's
 * domain and user name (domain.user@) */
static int
ratware_envelope_from(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct rb_prep *pr = c->data;
	char *to = hget_addr(m, "To");
	const char *from = envfrom_addr(m);
	int r = 0;
	if (*to == '\0' || *from == '\0' || g_regex_match(pr->srs, from, 0, NULL))
		goto out;
	/* /^([^@]+)\@(.+)$/: the user up to the first @, the rest the domain */
	char *at = strchr(to, '@');
	if (at == NULL || at == to || at[1] == '\0' || at[1] == '\n')
		goto out;
	*at = '\0';
	const struct rb_conf *rb = rb_conf(m, c);
	char *dom = trim_domain(rb, at + 1);
	if (domain_valid(rb, dom)) {
		char *qd = g_regex_escape_string(dom, -1), *qu = g_regex_escape_string(to, -1);
		char *pat = g_strdup_printf("(?i)\\b%s.%s@", qd, qu);
		GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
		r = re == NULL ? -1 : g_regex_match(re, from, 0, NULL);
		if (re != NULL)
			g_regex_unref(re);
		g_free(pat);
		g_free(qd);
		g_free(qu);
	}
	g_free(dom);
out:
	g_free(to);
	return r;
}

/* ---- FreeMail ------------------------------------------------------------ */

/* the rule files' FreeMail settings, read once per rule (c->data) */
struct fm_conf {
	GHashTable *domains;	/* exact, lowercased */
	GHashTable *welcome;	/* freemail_welcomelist: addresses and domains */
	GRegex *wild;		/* the wildcard domains, or NULL */
	GRegex *tlds;		/* FreeMail.pm's email_regex on util_rb_tld's TLDs */
	GRegex *mailto, *strip, *url;	/* _parse_body's, made from it */
	bool available;		/* any domain at all */
	bool import;		/* freemail_import_*welcomelist_auth: not supported */
	double max_emails, max_freemails;
	bool skip_over, skip_bulk;
	char *key;		/* the settings it is made of (fm_conf_key()) */
	unsigned refs;		/* the rules that share it (fm_lock) */
};

struct fm_prep {
	GRegex *re;		/* the rule's pattern, or NULL */
	GRegex *welcome_re;	/* FreeMail.pm's $email_welcomelist */
	GRegex *bulk_re;	/* $skip_replyto_envfrom */
	char *header;		/* check_freemail_header's header, :addr cut */
	bool envfrom;		/* it is EnvelopeFrom */
	bool reply;		/* check_freemail_replyto('reply') */
	gsize once;		/* conf made on the first run (the scans' threads) */
	struct fm_conf *conf;
};

static void
fm_conf_free(struct fm_conf *f)
{
	if (f == NULL)
		return;
	g_hash_table_destroy(f->domains);
	g_hash_table_destroy(f->welcome);
	if (f->wild != NULL)
		g_regex_unref(f->wild);
	GRegex *r[] = { f->tlds, f->mailto, f->strip, f->url };
	for (size_t i = 0; i < G_N_ELEMENTS(r); i++)
		if (r[i] != NULL)
			g_regex_unref(r[i]);
	g_free(f->key);
	g_free(f);
}

static void fm_conf_release(struct fm_conf *f);

static void
fm_prep_free(void *p)
{
	struct fm_prep *pr = p;
	if (pr == NULL)
		return;
	if (pr->re != NULL)
		g_regex_unref(pr->re);
	if (pr->welcome_re != NULL)
		g_regex_unref(pr->welcome_re);
	if (pr->bulk_re != NULL)
		g_regex_unref(pr->bulk_re);
	g_free(pr->header);
	fm_conf_release(pr->conf);
	g_free(pr);
}

/* a setting's last value as a number (SpamAssassin's numeric settings) */
static double
setting_num(const struct sa_eval_msg *m, const char *key, double def)
{
	GPtrArray *a = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, key) : NULL;
	if (a == NULL || a->len == 0)
		return def;
	const char *s = a->pdata[a->len - 1];
	char *end;
	double v = g_ascii_strtod(s, &end);
	return end == s ? 0 : v;
}

/* the words of every value of a setting, one callback each */
static void
setting_words(const struct sa_eval_msg *m, const char *key,
    void (*fn)(void *ud, const char *w), void *ud)
{
	GPtrArray *a = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, key) : NULL;
	for (guint i = 0; a != NULL && i < a->len; i++) {
		char **w = sa_eval_split_ws(a->pdata[i]);
		for (char **p = w; *p != NULL; p++)
			if (**p != '\0')
				fn(ud, *p);
		g_strfreev(w);
	}
}

struct fm_build {
	struct fm_conf *f;
	GString *wild;
	GString *tlds;
};

static void
add_domain(void *ud, const char *w)
{
	struct fm_build *b = ud;
	for (const char *p = w; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '*' && *p != '?' && *p != '-')
			return;	/* FreeMail.pm: invalid, warned and left out */
	char *v = g_ascii_strdown(w, -1);
	if (strpbrk(v, "*?") == NULL) {
		g_hash_table_add(b->f->domains, v);
		return;
	}
	if (b->wild->len > 0)
		g_string_append_c(b->wild, '|');
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '.')
			g_string_append(b->wild, "\\.");
		else if (*p == '?')
			g_string_append_c(b->wild, '.');
		else if (*p == '*')
			g_string_append(b->wild, "[^.]*");
		else
			g_string_append_c(b->wild, *p);
	}
	g_free(v);
}

static void
add_welcome(void *ud, const char *w)
{
	struct fm_build *b = ud;
	char *v = g_ascii_strdown(w, -1);
	/* /\w[.@]\w/ */
	bool ok = false;
	for (const char *p = v; p[0] != '\0' && p[1] != '\0' && p[2] != '\0' && !ok; p++)
		ok = (g_ascii_isalnum(p[0]) || p[0] == '_') && (p[1] == '.' || p[1] == '@') &&
		    (g_ascii_isalnum(p[2]) || p[2] == '_');
	if (ok)
		g_hash_table_add(b->f->welcome, v);
	else
		g_free(v);
}

static void
add_tld(void *ud, const char *w)
{
	struct fm_build *b = ud;
	if (b->tlds->len > 0)
		g_string_append_c(b->tlds, '|');
	char *q = g_regex_escape_string(w, -1);
	g_string_append(b->tlds, q);
	g_free(q);
}

static struct fm_conf *
fm_conf_new(const struct sa_eval_msg *m)
{
	struct fm_conf *f = g_new0(struct fm_conf, 1);
	f->domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->welcome = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct fm_build b = { f, g_string_new(NULL), g_string_new(NULL) };
	setting_words(m, "freemail_domains", add_domain, &b);
	setting_words(m, "freemail_welcomelist", add_welcome, &b);
	setting_words(m, "freemail_whitelist", add_welcome, &b);
	setting_words(m, "util_rb_tld", add_tld, &b);
	if (b.wild->len > 0) {
		char *pat = g_strdup_printf("\\@(?:%s)$", b.wild->str);
		f->wild = g_regex_new(pat, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
		g_free(pat);
	}
	/* FreeMail.pm's email_regex on RegistryBoundaries' valid_tlds_re */
	char *pat = g_strdup_printf("(?i)(?=.{0,64}\\@)(?<![a-z0-9!#\\$%%&'*+\\/=?^_`{|}~-])"
	    "([a-z0-9!#\\$%%&'*+\\/=?^_`{|}~-]+(?:\\.[a-z0-9!#\\$%%&'*+\\/=?^_`{|}~-]+)*\\@"
	    "(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\\.){1,4}"
	    "(?<![a-zA-Z0-9-])(?:%s)(?!(?:[a-zA-Z0-9-]|\\.[a-zA-Z0-9])))",
	    b.tlds->len > 0 ? b.tlds->str : "no_tlds_defined");
	f->tlds = g_regex_new(pat, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	g_free(pat);
	if (f->tlds != NULL) {
		const char *tl = g_regex_get_pattern(f->tlds);
		char *p_mailto = g_strdup_printf("^(?i:mailto):%s", tl);
		char *p_strip = g_strdup_printf("(?i)<?(?<!mailto:)%s(?:>|\\s{1,10}"
		    "(?!(?:fa(?:x|csi)|tel|phone|e?-?mail))[a-z]{2,11}:)", tl);
		f->mailto = g_regex_new(p_mailto, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
		f->strip = g_regex_new(p_strip, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
		g_free(p_mailto);
		g_free(p_strip);
	}
	f->url = g_regex_new("(?i)<?https?://\\S{0,255}(?:\\@|%40)\\S{0,255}",
	    G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	g_string_free(b.wild, TRUE);
	g_string_free(b.tlds, TRUE);
	f->available = g_hash_table_size(f->domains) > 0 || f->wild != NULL;
	f->import = setting_num(m, "freemail_import_welcomelist_auth", 0) != 0 ||
	    setting_num(m, "freemail_import_whitelist_auth", 0) != 0 ||
	    setting_num(m, "freemail_import_def_welcomelist_auth", 0) != 0 ||
	    setting_num(m, "freemail_import_def_whitelist_auth", 0) != 0;
	f->max_emails = setting_num(m, "freemail_max_body_emails", 5);
	f->max_freemails = setting_num(m, "freemail_max_body_freemails", 3);
	f->skip_over = setting_num(m, "freemail_skip_when_over_max", 1) != 0;
	f->skip_bulk = setting_num(m, "freemail_skip_bulk_envfrom", 1) != 0;
	return f;
}

/*
 * The FreeMail settings are the same for every rule of a rule set: one
 * fm_conf is made for all the rules whose settings are the same text
 * (the key: every value fm_conf_new() reads), kept while a rule holds it.
 */
static const char *const fm_keys[] = { "freemail_domains", "freemail_welcomelist",
	"freemail_whitelist", "util_rb_tld", "freemail_import_welcomelist_auth",
	"freemail_import_whitelist_auth", "freemail_import_def_welcomelist_auth",
	"freemail_import_def_whitelist_auth", "freemail_max_body_emails",
	"freemail_max_body_freemails", "freemail_skip_when_over_max",
	"freemail_skip_bulk_envfrom" };

static GMutex fm_lock;
static GHashTable *fm_shared;	/* key -> struct fm_conf * (borrowed key) */

static char *
fm_conf_key(const struct sa_eval_msg *m)
{
	GString *k = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(fm_keys); i++) {
		GPtrArray *a = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, fm_keys[i]) :
		    NULL;
		/* each value after its length: no text can be read two ways */
		g_string_append_printf(k, "%zu:", i);
		for (guint j = 0; a != NULL && j < a->len; j++)
			g_string_append_printf(k, "%zu:%s", strlen(a->pdata[j]),
			    (const char *)a->pdata[j]);
		g_string_append_c(k, ';');
	}
	return g_string_free(k, FALSE);
}

static struct fm_conf *
fm_conf_get(const struct sa_eval_msg *m)
{
	char *key = fm_conf_key(m);
	g_mutex_lock(&fm_lock);
	if (fm_shared == NULL)
		fm_shared = g_hash_table_new(g_str_hash, g_str_equal);
	struct fm_conf *f = g_hash_table_lookup(fm_shared, key);
	if (f == NULL) {
		f = fm_conf_new(m);
		f->key = key;
		key = NULL;
		g_hash_table_insert(fm_shared, f->key, f);
	}
	f->refs++;
	g_mutex_unlock(&fm_lock);
	g_free(key);
	return f;
}

static void
fm_conf_release(struct fm_conf *f)
{
	if (f == NULL)
		return;
	g_mutex_lock(&fm_lock);
	bool last = --f->refs == 0;
	if (last) {
		g_hash_table_remove(fm_shared, f->key);
		if (g_hash_table_size(fm_shared) == 0) {
			g_hash_table_destroy(fm_shared);
			fm_shared = NULL;
		}
	}
	g_mutex_unlock(&fm_lock);
	if (last)
		fm_conf_free(f);
}

static const struct fm_conf *
fm_conf(const struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct fm_prep *pr = c->data;
	if (g_once_init_enter(&pr->once)) {
		pr->conf = fm_conf_get(m);
		g_once_init_leave(&pr->once, 1);
	}
	return pr->conf;
}

static bool
fm_prep_common(struct sa_eval_call *c, int regex_arg, char *err, size_t errlen)
{
	struct fm_prep *pr = g_new0(struct fm_prep, 1);
	c->data = pr;
	pr->welcome_re = g_regex_new("(?i)^(?:abuse|support|sales|info|helpdesk|contact|kontakt"
	    "|(?:post|host|domain)master|undisclosed.*|request-[a-f0-9]{16}|bounced?-"
	    "|[a-f0-9]{8}(?:\\.[a-f0-9]{8}|-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})"
	    "|.+=.+=.+)\\@", G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	pr->bulk_re = g_regex_new("(?i)(?:^(?:post|host|domain)master|^double-bounce"
	    "|^(?:sentto|owner|return|(?:gr)?bounced?)-.+|-(?:request|bounces?|admin|owner)"
	    "|\\b(?:do[._-t]?)?no[._-t]?repl(?:y|ies)|.+=.+)\\@",
	    G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	if (pr->welcome_re == NULL || pr->bulk_re == NULL) {
		snprintf(err, errlen, "internal: a FreeMail pattern does not compile");
		return false;
	}
	if (regex_arg >= 0 && (unsigned)regex_arg < c->argc) {
		GError *e = NULL;
		pr->re = g_regex_new(c->argv[regex_arg], G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, &e);
		if (pr->re == NULL) {
			snprintf(err, errlen, "pattern not understood: %s", e->message);
			g_error_free(e);
			return false;
		}
	}
	return true;
}

static bool
fm_prep_header(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc < 1 || c->argc > 2) {
		snprintf(err, errlen, "a header and an optional pattern expected");
		return false;
	}
	if (!fm_prep_common(c, 1, err, errlen))
		return false;
	struct fm_prep *pr = c->data;
	/* get("$header:addr"): :addr given again changes nothing */
	char *h = g_strdup(c->argv[0]);
	if (g_str_has_suffix(h, ":addr"))
		h[strlen(h) - 5] = '\0';
	if (*h == '\0' || strchr(h, ':') != NULL || strcmp(h, "ALL") == 0 ||
	    g_ascii_strcasecmp(h, "ToCc") == 0 || strcmp(h, "MESSAGEID") == 0 ||
	    strncmp(h, "ALL-", 4) == 0 || g_ascii_strncasecmp(h, "X-Spam-Relays-", 14) == 0) {
		snprintf(err, errlen, "header %s not supported", c->argv[0]);
		g_free(h);
		return false;
	}
	pr->envfrom = g_ascii_strcasecmp(h, "EnvelopeFrom") == 0;
	pr->header = h;
	return true;
}

static bool
fm_prep_from(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 1) {
		snprintf(err, errlen, "an optional pattern expected");
		return false;
	}
	return fm_prep_common(c, 0, err, errlen);
}

/* _is_freemail (email lowercased) */
static bool
is_freemail(const struct fm_conf *f, const struct fm_prep *pr, const char *email)
{
	if (*email == '\0' || g_hash_table_contains(f->welcome, email))
		return false;
	const char *at = strrchr(email, '@');
	const char *dom = at != NULL ? at + 1 : email;
	if (g_hash_table_contains(f->welcome, dom) ||
	    g_regex_match(pr->welcome_re, email, 0, NULL))
		return false;
	return g_hash_table_contains(f->domains, dom) ||
	    (f->wild != NULL && g_regex_match(f->wild, email, 0, NULL));
}

/* check_freemail_header(header [, pattern]) */
static int
freemail_header(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct fm_conf *f = fm_conf(m, c);
	const struct fm_prep *pr = c->data;
	if (f->import)
		return -1;	/* not supported: see docs/spam.md */
	if (!f->available)
		return 0;
	GPtrArray *emails;
	if (pr->envfrom) {
		emails = g_ptr_array_new_with_free_func(g_free);
		const char *e = envelope_from(m);
		if (e != NULL && *e != '\0')
			g_ptr_array_add(emails, g_ascii_strdown(e, -1));
	} else {
		emails = hget_addrs_lc(m, pr->header);
	}
	int r = 0;
	for (guint i = 0; i < emails->len && !r; i++)
		r = is_freemail(f, pr, emails->pdata[i]) &&
		    (pr->re == NULL || g_regex_match(pr->re, emails->pdata[i], 0, NULL));
	g_ptr_array_free(emails, TRUE);
	return r;
}

/* all_from_addrs: Resent-From's first address, else every address of
 * From, Envelope-Sender, Resent-Sender, X-Envelope-From and EnvelopeFrom
 * (repeated dots squeezed), lowercased, once each */
static GPtrArray *
all_from_addrs_make(struct sa_eval_msg *m)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	char *resent = first_field_addr(m, "Resent-From");
	GPtrArray *raw = g_ptr_array_new_with_free_func(g_free);
	if (resent != NULL) {
		g_ptr_array_add(raw, resent);
	} else {
		static const char *const names[] = { "From", "Envelope-Sender", "Resent-Sender",
		    "X-Envelope-From" };
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
			GString *s = g_string_new(NULL);
			sa_header_addresses(m->fields, names[k], false, s);
			if (s->len > 0) {
				char **v = g_strsplit(s->str, "\n", -1);
				for (char **p = v; *p != NULL; p++)
					g_ptr_array_add(raw, g_strdup(*p));
				g_strfreev(v);
			}
			g_string_free(s, TRUE);
		}
		const char *e = envelope_from(m);
		if (e != NULL)
			g_ptr_array_add(raw, g_strdup(e));
		/* tr/././s */
		for (guint i = 0; i < raw->len; i++) {
			char *a = raw->pdata[i], *o = a;
			for (const char *p = a; *p != '\0'; p++)
				if (!(*p == '.' && o > a && o[-1] == '.'))
					*o++ = *p;
			*o = '\0';
		}
	}
	for (guint i = 0; i < raw->len; i++) {
		const char *a = raw->pdata[i];
		if (*a == '\0')
			continue;
		char *l = g_ascii_strdown(a, -1);
		if (g_hash_table_contains(seen, l)) {
			g_free(l);
			continue;
		}
		g_hash_table_add(seen, l);
		g_ptr_array_add(out, l);
	}
	g_hash_table_destroy(seen);
	g_ptr_array_free(raw, TRUE);
	return out;
}

/* all_from_addrs_make(), made once a scan */
static const GPtrArray *
all_from_addrs(struct sa_eval_msg *m)
{
	struct hdr_cache *hc = cache(m);
	if (hc->from_addrs == NULL)
		hc->from_addrs = all_from_addrs_make(m);
	return hc->from_addrs;
}

/* check_freemail_from([pattern]) */
static int
freemail_from(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct fm_conf *f = fm_conf(m, c);
	const struct fm_prep *pr = c->data;
	if (f->import)
		return -1;
	if (!f->available)
		return 0;
	const GPtrArray *a = all_from_addrs(m);
	int r = 0;
	for (guint i = 0; i < a->len && !r; i++)
		r = is_freemail(f, pr, a->pdata[i]) &&
		    (pr->re == NULL || g_regex_match(pr->re, a->pdata[i], 0, NULL));
	return r;
}

/* FreeMail.pm _parse_body: the addresses of the body (mailto: links of
 * <a href>, then the text's addresses but those of URLs and of "addr>" or
 * "addr label:"), freemail ones kept; false when there are too many */
static bool
fm_parse_body(struct sa_eval_msg *m, const struct sa_eval_call *c, const struct fm_conf *f)
{
	struct hdr_cache *hc = cache(m);
	if (hc == NULL)
		return false;
	if (hc->fm_body_state)
		return !hc->fm_body_skip;
	hc->fm_body_state = 1;
	hc->fm_body = g_ptr_array_new_with_free_func(g_free);
	const struct fm_prep *pr = c->data;
	GPtrArray *emails = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k;
	GRegex *mailto = f->mailto, *strip = f->strip, *url = f->url;
	if (f->tlds == NULL || mailto == NULL || strip == NULL || url == NULL)
		goto done;
	/* 1: mailto: links of anchors */
	const GPtrArray *links = m->content != NULL ? content_links(m->content) : NULL;
	for (guint i = 0; links != NULL && i < links->len && emails->len < 20; i++) {
		const struct content_link *l = links->pdata[i];
		if (l->at != CONTENT_LINK_HTML || l->attr != HTML_REF_HREF || l->text == NULL)
			continue;
		GMatchInfo *mi = NULL;
		if (g_regex_match(mailto, l->url, 0, &mi)) {
			char *e = g_match_info_fetch(mi, 1);
			char *lc = g_ascii_strdown(e, -1);
			g_free(e);
			if (g_hash_table_contains(seen, lc)) {
				g_free(lc);
			} else {
				g_hash_table_add(seen, lc);
				g_ptr_array_add(emails, g_strdup(lc));
			}
		}
		g_match_info_free(mi);
	}
	/* 2: the body text */
	for (guint i = 0; m->body != NULL && i < m->body->len && emails->len < 40; i++) {
		/* an address has an '@': a line without one has none (and
		 * the replacements below only take text away) */
		if (strchr(m->body->pdata[i], '@') == NULL)
			continue;
		char *a = g_regex_replace_literal(url, m->body->pdata[i], -1, 0, " ", 0, NULL);
		char *b = a != NULL ? g_regex_replace_literal(strip, a, -1, 0, " ", 0, NULL) : NULL;
		g_free(a);
		if (b == NULL)
			continue;
		GMatchInfo *mi = NULL;
		g_regex_match(f->tlds, b, 0, &mi);
		while (g_match_info_matches(mi) && emails->len < 40) {
			char *e = g_match_info_fetch(mi, 1);
			char *lc = g_ascii_strdown(e, -1);
			g_free(e);
			if (g_hash_table_contains(seen, lc)) {
				g_free(lc);
			} else {
				g_hash_table_add(seen, lc);
				g_ptr_array_add(emails, g_strdup(lc));
			}
			g_match_info_next(mi, NULL);
		}
		g_match_info_free(mi);
		g_free(b);
	}
	double all = 0, fm = 0;
	for (guint i = 0; i < emails->len; i++) {
		if (++all == f->max_emails && f->skip_over) {
			hc->fm_body_skip = true;
			break;
		}
		if (!is_freemail(f, pr, emails->pdata[i]))
			continue;
		if (++fm == f->max_freemails && f->skip_over) {
			hc->fm_body_skip = true;
			break;
		}
		g_ptr_array_add(hc->fm_body, g_strdup(emails->pdata[i]));
	}
done:
	/* seen owns the lowercased addresses; emails holds copies */
	g_hash_table_iter_init(&it, seen);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_free(k);
	g_hash_table_destroy(seen);
	g_ptr_array_free(emails, TRUE);
	return !hc->fm_body_skip;
}

static bool
fm_prep_replyto(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc > 1 || (c->argc == 1 && strcmp(c->argv[0], "replyto") != 0 &&
	    strcmp(c->argv[0], "reply") != 0)) {
		snprintf(err, errlen, "'replyto' or 'reply' expected");
		return false;
	}
	if (!fm_prep_common(c, -1, err, errlen))
		return false;
	((struct fm_prep *)c->data)->reply = c->argc == 1 && strcmp(c->argv[0], "reply") == 0;
	return true;
}

static bool
addr_in(const GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], s) == 0)
			return true;
	return false;
}

/* check_freemail_replyto('replyto' | 'reply'): From and Reply-To
 * different freemail addresses, or the reply address a freemail one and
 * the body naming another */
static int
freemail_replyto(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct fm_conf *f = fm_conf(m, c);
	const struct fm_prep *pr = c->data;
	if (f->import)
		return -1;
	if (!f->available)
		return 0;
	if (f->skip_bulk) {
		const char *e = envelope_from(m);
		bool bulk = e != NULL && g_regex_match(pr->bulk_re, e, 0, NULL);
		if (bulk)
			return 0;
	}
	GPtrArray *from = hget_addrs_lc(m, "From"), *rt = hget_addrs_lc(m, "Reply-To");
	unsigned from_fm = 0, rt_fm = 0;
	for (guint i = 0; i < from->len; i++)
		from_fm += is_freemail(f, pr, from->pdata[i]);
	for (guint i = 0; i < rt->len; i++)
		rt_fm += is_freemail(f, pr, rt->pdata[i]);
	bool from_not_in_rt = true;
	for (guint i = 0; i < from->len; i++)
		if (addr_in(rt, from->pdata[i]))
			from_not_in_rt = false;
	int r = 0;
	if (from_fm && rt_fm && from_not_in_rt) {
		r = 1;
		goto out;
	}
	/* 'replyto': Reply-To must be freemail; 'reply': a Reply-To must be,
	 * and From must be in any case (FreeMail.pm's elsif) */
	if (!pr->reply ? !rt_fm : ((rt->len > 0 && !rt_fm) || !from_fm))
		goto out;
	if (!fm_parse_body(m, c, f))
		goto out;
	struct hdr_cache *hc = cache(m);
	const GPtrArray *reply = !pr->reply ? rt : rt_fm ? rt : from;
	for (guint i = 0; hc != NULL && i < hc->fm_body->len && !r; i++)
		for (guint j = 0; j < reply->len && !r; j++)
			r = strcmp(hc->fm_body->pdata[i], reply->pdata[j]) != 0;
out:
	g_ptr_array_free(from, TRUE);
	g_ptr_array_free(rt, TRUE);
	return r;
}

/* ---- WLBLEval, WelcomeListSubject: address and subject lists ----------- */

/* the directives that fill a list of Conf.pm's, and those that empty it */
static const struct {
	const char *list;
	const char *add[2];
	const char *del[2];
	const char *rcvd[2];	/* its _rcvd variant: needs the relays */
} wl_lists[] = {
	{ "welcomelist_from", { "welcomelist_from", "whitelist_from" },
	    { "unwelcomelist_from", "unwhitelist_from" },
	    { "welcomelist_from_rcvd", "whitelist_from_rcvd" } },
	{ "blocklist_from", { "blocklist_from", "blacklist_from" },
	    { "unblocklist_from", "unblacklist_from" }, { NULL, NULL } },
	{ "welcomelist_to", { "welcomelist_to", "whitelist_to" }, { NULL, NULL }, { NULL, NULL } },
	{ "blocklist_to", { "blocklist_to", "blacklist_to" }, { NULL, NULL }, { NULL, NULL } },
	{ "more_spam_to", { "more_spam_to", NULL }, { NULL, NULL }, { NULL, NULL } },
	{ "all_spam_to", { "all_spam_to", NULL }, { NULL, NULL }, { NULL, NULL } },
	{ "def_welcomelist_from_rcvd", { NULL, NULL }, { NULL, NULL },
	    { "def_welcomelist_from_rcvd", "def_whitelist_from_rcvd" } },
	{ "welcomelist_subject", { "welcomelist_subject", "whitelist_subject" }, { NULL, NULL },
	    { NULL, NULL } },
	{ "blocklist_subject", { "blocklist_subject", "blacklist_subject" }, { NULL, NULL },
	    { NULL, NULL } },
};

struct addrlist {
	GHashTable *re;		/* lowercased entry -> GRegex * */
	GRegex *any;		/* the entries' patterns as one alternation; NULL:
				 * try them one by one */
	bool defined;		/* some directive names it */
	bool rcvd;		/* it has _rcvd entries: the relays decide */
};

enum wl_kind {
	WL_FROM_LIST, WL_REPLYTO_LIST, WL_FROM, WL_TO, WL_FROM_WELCOME, WL_FROM_DEFAULT,
	WL_SUBJECT,
};

struct wl_prep {
	enum wl_kind kind;
	char *list;
	gsize once;
	struct addrlist *al;
};

static void
addrlist_free(struct addrlist *al)
{
	if (al == NULL)
		return;
	g_hash_table_destroy(al->re);
	if (al->any != NULL)
		g_regex_unref(al->any);
	g_free(al);
}

static void
wl_prep_free(void *p)
{
	struct wl_prep *pr = p;
	if (pr == NULL)
		return;
	g_free(pr->list);
	addrlist_free(pr->al);
	g_free(pr);
}

/* Conf/Parser.pm add_to_addrlist: a glob, anchored (subjects: not
 * anchored, and the whole value one entry) */
static GRegex *
glob_re(const char *lc, bool anchored)
{
	GString *re = g_string_new(anchored ? "^" : "");
	for (const char *p = lc; *p != '\0'; p++) {
		char ch = *p;
		if (anchored && (ch == '\\' || ch == '('))
			ch = '_';
		if (ch == '?') {
			g_string_append_c(re, '.');
		} else if (ch == '*') {
			while (p[1] == '*')
				p++;
			g_string_append(re, ".*");
		} else if (g_ascii_isalnum(ch) || ch == '_') {
			g_string_append_c(re, ch);
		} else {
			g_string_append_c(re, '\\');
			g_string_append_c(re, ch);
		}
	}
	if (anchored)
		g_string_append_c(re, '$');
	GRegex *r = g_regex_new(re->str, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
	g_string_free(re, TRUE);
	return r;
}

struct al_build {
	struct addrlist *al;
	GHashTable *removed;
	bool subject;
};

static void
al_add(void *ud, const char *w)
{
	struct al_build *b = ud;
	char *lc = g_ascii_strdown(w, -1);
	GRegex *r = glob_re(lc, !b->subject);
	if (r == NULL) {	/* SpamAssassin warns and leaves it out */
		g_free(lc);
		return;
	}
	g_hash_table_replace(b->al->re, lc, r);
}

static void
al_del(void *ud, const char *w)
{
	struct al_build *b = ud;
	g_hash_table_add(b->removed, g_ascii_strdown(w, -1));
}

static void
al_rcvd(void *ud, const char *w)
{
	(void)w;
	((struct al_build *)ud)->al->rcvd = true;
}

static struct addrlist *
addrlist_new(const struct sa_eval_msg *m, const char *list)
{
	struct addrlist *al = g_new0(struct addrlist, 1);
	al->re = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_regex_unref);
	struct al_build b = { al, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		false };
	/* enlist_addrlist (LIST) a b ... */
	GPtrArray *en = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, "enlist_addrlist") :
	    NULL;
	size_t ln = strlen(list);
	for (guint i = 0; en != NULL && i < en->len; i++) {
		const char *v = en->pdata[i];
		if (v[0] != '(' || strncmp(v + 1, list, ln) != 0 || v[1 + ln] != ')' ||
		    !g_ascii_isspace(v[2 + ln]))
			continue;
		al->defined = true;
		char **w = sa_eval_split_ws(v + 2 + ln);
		for (char **q = w; *q != NULL; q++)
			if (**q != '\0')
				al_add(&b, *q);
		g_strfreev(w);
	}
	for (size_t k = 0; k < G_N_ELEMENTS(wl_lists); k++) {
		if (strcmp(wl_lists[k].list, list) != 0)
			continue;
		al->defined = true;	/* Conf.pm's lists exist, empty */
		b.subject = g_str_has_suffix(list, "_subject");
		for (int j = 0; j < 2; j++) {
			if (wl_lists[k].add[j] == NULL)
				continue;
			if (b.subject) {	/* the whole value, one entry */
				GPtrArray *a = m->rs != NULL ?
				    g_hash_table_lookup(m->rs->settings, wl_lists[k].add[j]) : NULL;
				for (guint i = 0; a != NULL && i < a->len; i++)
					al_add(&b, a->pdata[i]);
			} else {
				setting_words(m, wl_lists[k].add[j], al_add, &b);
			}
		}
		for (int j = 0; j < 2; j++)
			if (wl_lists[k].del[j] != NULL)
				setting_words(m, wl_lists[k].del[j], al_del, &b);
		for (int j = 0; j < 2; j++)
			if (wl_lists[k].rcvd[j] != NULL)
				setting_words(m, wl_lists[k].rcvd[j], al_rcvd, &b);
	}
	/* the settings keep no order across directives: a removal is taken
	 * to follow the additions it undoes (as in a user's preferences
	 * after the site's) */
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, b.removed);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_hash_table_remove(al->re, key);
	g_hash_table_destroy(b.removed);
	/* one match a scan in place of one per entry: a string matches the
	 * alternation when it matches one of the entries */
	if (g_hash_table_size(al->re) > 1) {
		GString *any = g_string_new(NULL);
		gpointer v;
		g_hash_table_iter_init(&it, al->re);
		while (g_hash_table_iter_next(&it, NULL, &v))
			g_string_append_printf(any, "%s(?:%s)", any->len > 0 ? "|" : "",
			    g_regex_get_pattern(v));
		al->any = g_regex_new(any->str, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
		g_string_free(any, TRUE);
	}
	return al;
}

static const struct addrlist *
wl_list(const struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct wl_prep *pr = c->data;
	if (g_once_init_enter(&pr->once)) {
		pr->al = addrlist_new(m, pr->list);
		g_once_init_leave(&pr->once, 1);
	}
	return pr->al;
}

/* _check_welcomelist: the address (lowercased) listed, or matching an
 * entry's pattern */
static bool
in_list(const struct addrlist *al, const char *addr)
{
	if (g_hash_table_size(al->re) == 0)
		return false;
	char *lc = g_ascii_strdown(addr, -1);
	bool hit = g_hash_table_contains(al->re, lc);
	if (!hit && al->any != NULL) {
		hit = g_regex_match(al->any, lc, 0, NULL);
	} else if (!hit) {
		GHashTableIter it;
		gpointer v;
		g_hash_table_iter_init(&it, al->re);
		while (!hit && g_hash_table_iter_next(&it, NULL, &v))
			hit = g_regex_match(v, lc, 0, NULL);
	}
	g_free(lc);
	return hit;
}

/* Util.pm is_fqdn_valid (ASCII) */
static bool
fqdn_valid(const char *host)
{
	char *h = g_ascii_strdown(host, -1);
	size_t n = strlen(h);
	while (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	bool ok = n <= 253;
	char **labels = g_strsplit(h, ".", -1);
	guint cnt = g_strv_length(labels);
	/* Perl's split drops trailing empty fields */
	while (cnt > 0 && labels[cnt - 1][0] == '\0')
		cnt--;
	ok = ok && cnt > 1;
	for (guint i = 0; ok && i < cnt; i++) {
		const char *l = labels[i];
		size_t ll = strlen(l);
		ok = ll >= 1 && ll <= 63;
		for (size_t k = 0; ok && k < ll; k++)
			ok = g_ascii_islower(l[k]) || g_ascii_isdigit(l[k]) || l[k] == '_' ||
			    (l[k] == '-' && k > 0 && k + 1 < ll);
		if (ok && cnt - i <= 2)
			ok = strchr(l, '_') == NULL;
	}
	g_strfreev(labels);
	g_free(h);
	return ok;
}

/* all_to_addrs: Resent-To's and Resent-Cc's first addresses, else the
 * "for <addr>" of the first three Received fields and every address of
 * To and the other recipient headers, each once */
static GPtrArray *
all_to_addrs_make(const struct sa_eval_msg *m)
{
	GPtrArray *raw = g_ptr_array_new_with_free_func(g_free);
	char *a = first_field_addr(m, "Resent-To"), *b = first_field_addr(m, "Resent-Cc");
	if (a != NULL)
		g_ptr_array_add(raw, a);
	if (b != NULL)
		g_ptr_array_add(raw, b);
	if (raw->len == 0) {
		GRegex *re = sa_eval_regex(" for <?(\\S+\\@(\\S+?))>?;", G_REGEX_RAW);
		unsigned n = 0;
		for (guint i = 0; re != NULL && i < m->fields->len && n < 3; i++) {
			const struct sa_field *f = m->fields->pdata[i];
			if (!sa_field_name_is(f->name, "Received"))
				continue;
			n++;
			GString *v = g_string_new(NULL);
			field_value(f, v);
			GMatchInfo *mi = NULL;
			if (g_regex_match(re, v->str, 0, &mi)) {
				char *host = g_match_info_fetch(mi, 2);
				if (fqdn_valid(host))
					g_ptr_array_add(raw, g_match_info_fetch(mi, 1));
				g_free(host);
			}
			g_match_info_free(mi);
			g_string_free(v, TRUE);
		}
		if (re != NULL)
			g_regex_unref(re);
		static const char *const names[] = { "To", "Apparently-To", "Delivered-To",
		    "Envelope-Recipients", "Apparently-Resent-To", "X-Envelope-To", "Envelope-To",
		    "X-Delivered-To", "X-Original-To", "X-Rcpt-To", "X-Real-To", "Cc" };
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
			GString *s = g_string_new(NULL);
			sa_header_addresses(m->fields, names[k], false, s);
			if (s->len > 0) {
				char **v = g_strsplit(s->str, "\n", -1);
				for (char **p = v; *p != NULL; p++)
					g_ptr_array_add(raw, g_strdup(*p));
				g_strfreev(v);
			}
			g_string_free(s, TRUE);
		}
	}
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < raw->len; i++)
		if (g_hash_table_add(seen, raw->pdata[i]))
			g_ptr_array_add(out, g_strdup(raw->pdata[i]));
	g_hash_table_destroy(seen);
	g_ptr_array_free(raw, TRUE);
	return out;
}

/* all_to_addrs_make(), made once a scan */
static const GPtrArray *
all_to_addrs(struct sa_eval_msg *m)
{
	struct hdr_cache *hc = cache(m);
	if (hc->to_addrs == NULL)
		hc->to_addrs = all_to_addrs_make(m);
	return hc->to_addrs;
}

static bool
wl_prep(struct sa_eval_call *c, enum wl_kind kind, const char *list, char *err, size_t errlen)
{
	struct wl_prep *pr = g_new0(struct wl_prep, 1);
	c->data = pr;
	pr->kind = kind;
	if (kind == WL_FROM_LIST || kind == WL_REPLYTO_LIST) {
		if (c->argc != 1 || c->argv[0][0] == '\0') {
			snprintf(err, errlen, "a list name expected");
			return false;
		}
		pr->list = g_strdup(c->argv[0]);
	} else {
		if (c->argc != 0) {
			snprintf(err, errlen, "no arguments expected");
			return false;
		}
		pr->list = g_strdup(list);
	}
	return true;
}

static bool
prep_from_in_list(struct sa_eval_call *c, char *err, size_t errlen)
{
	return wl_prep(c, WL_FROM_LIST, NULL, err, errlen);
}

static bool
prep_replyto_in_list(struct sa_eval_call *c, char *err, size_t errlen)
{
	return wl_prep(c, WL_REPLYTO_LIST, NULL, err, errlen);
}

/* the functions without arguments: which list, read how */
static const struct {
	const char *fn;
	enum wl_kind kind;
	const char *list;
} wl_fns[] = {
	{ "check_from_in_blocklist", WL_FROM, "blocklist_from" },
	{ "check_from_in_blacklist", WL_FROM, "blocklist_from" },
	{ "check_from_in_welcomelist", WL_FROM_WELCOME, "welcomelist_from" },
	{ "check_from_in_whitelist", WL_FROM_WELCOME, "welcomelist_from" },
	{ "check_from_in_default_welcomelist", WL_FROM_DEFAULT, "def_welcomelist_from_rcvd" },
	{ "check_from_in_default_whitelist", WL_FROM_DEFAULT, "def_welcomelist_from_rcvd" },
	{ "check_to_in_blocklist", WL_TO, "blocklist_to" },
	{ "check_to_in_blacklist", WL_TO, "blocklist_to" },
	{ "check_to_in_welcomelist", WL_TO, "welcomelist_to" },
	{ "check_to_in_whitelist", WL_TO, "welcomelist_to" },
	{ "check_to_in_more_spam", WL_TO, "more_spam_to" },
	{ "check_to_in_all_spam", WL_TO, "all_spam_to" },
	{ "check_subject_in_welcomelist", WL_SUBJECT, "welcomelist_subject" },
	{ "check_subject_in_whitelist", WL_SUBJECT, "welcomelist_subject" },
	{ "check_subject_in_blocklist", WL_SUBJECT, "blocklist_subject" },
	{ "check_subject_in_blacklist", WL_SUBJECT, "blocklist_subject" },
};

static bool
prep_wl_fixed(struct sa_eval_call *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < G_N_ELEMENTS(wl_fns); i++)
		if (strcmp(wl_fns[i].fn, c->def->name) == 0)
			return wl_prep(c, wl_fns[i].kind, wl_fns[i].list, err, errlen);
	snprintf(err, errlen, "not implemented");
	return false;
}

static int
wl_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct wl_prep *pr = c->data;
	const struct addrlist *al = wl_list(m, c);
	if (!al->defined)
		return 0;	/* SpamAssassin: "could not find list" */
	if (al->rcvd)
		return -1;	/* _rcvd entries need the relays (RelayEval) */
	int r = 0;
	const GPtrArray *addrs = NULL;
	switch (pr->kind) {
	case WL_FROM_DEFAULT:
		return 0;	/* no def_welcomelist_from_rcvd entry */
	case WL_SUBJECT: {
		char *subj = hget(m, "Subject", NULL);
		if (*subj != '\0') {
			char *lc = g_ascii_strdown(subj, -1);
			r = in_list(al, lc);
			g_free(lc);
		}
		g_free(subj);
		return r;
	}
	case WL_REPLYTO_LIST: {
		char *a = hget_addr(m, "Reply-To");
		r = *a != '\0' && in_list(al, a);
		g_free(a);
		return r;
	}
	case WL_TO:
		addrs = all_to_addrs(m);
		break;
	case WL_FROM:
	case WL_FROM_LIST:
	case WL_FROM_WELCOME:
		addrs = all_from_addrs(m);
		break;
	}
	for (guint i = 0; i < addrs->len && !r; i++)
		r = in_list(al, addrs->pdata[i]);
	return r;
}

#define HDR(n, p, r) { n, p, prep_free, r }
static const struct sa_eval_def defs[] = {
	{ "check_for_missing_to_header", prep_none, NULL, missing_to },
	HDR("check_for_shifted_date", prep_range, shifted_date),
	{ "check_header_count_range", prep_count_range, NULL, count_range },
	HDR("check_illegal_chars", prep_illegal, illegal_chars),
	{ "check_for_to_in_subject", prep_to_in_subject, NULL, to_in_subject },
	HDR("check_for_faraway_charset_in_headers", prep_faraway, faraway_charset),
	HDR("check_outlook_message_id", prep_noargs, outlook_message_id),
	HDR("check_ratware_name_id", prep_noargs, ratware_name_id),
	{ "sorted_recipients", prep_none, NULL, sorted_recipients },
	{ "similar_recipients", prep_similar, NULL, similar_recipients },
	HDR("subject_is_all_caps", prep_noargs, subject_all_caps),
	HDR("check_unresolved_template", prep_noargs, unresolved_template),
	HDR("gated_through_received_hdr_remover", prep_noargs, gated_run),
	HDR("check_for_fake_aol_relay_in_rcvd", prep_noargs, fake_aol_relay),
	HDR("check_for_forged_hotmail_received_headers", prep_hotmail, forged_hotmail),
	HDR("check_for_no_hotmail_received_headers", prep_hotmail, no_hotmail),
	HDR("check_for_forged_eudoramail_received_headers", prep_noargs, forged_eudoramail),
	HDR("check_for_forged_juno_received_headers", prep_noargs, forged_juno),
	HDR("check_for_forged_gmail_received_headers", prep_noargs, forged_gmail),
	{ "check_for_matching_env_and_hdr_from", prep_noargs, prep_free, env_and_hdr_from },
	{ "check_equal_from_domains", prep_noargs, prep_free, equal_from_domains },
	{ "check_ratware_envelope_from", prep_ratware_env, rb_prep_free, ratware_envelope_from },
	{ "check_freemail_header", fm_prep_header, fm_prep_free, freemail_header },
	{ "check_freemail_from", fm_prep_from, fm_prep_free, freemail_from },
	{ "check_freemail_replyto", fm_prep_replyto, fm_prep_free, freemail_replyto },
	{ "check_from_in_list", prep_from_in_list, wl_prep_free, wl_run },
	{ "check_replyto_in_list", prep_replyto_in_list, wl_prep_free, wl_run },
#define WL(n) { n, prep_wl_fixed, wl_prep_free, wl_run }
	WL("check_from_in_blocklist"), WL("check_from_in_blacklist"),
	WL("check_from_in_welcomelist"), WL("check_from_in_whitelist"),
	WL("check_from_in_default_welcomelist"), WL("check_from_in_default_whitelist"),
	WL("check_to_in_blocklist"), WL("check_to_in_blacklist"),
	WL("check_to_in_welcomelist"), WL("check_to_in_whitelist"),
	WL("check_to_in_more_spam"), WL("check_to_in_all_spam"),
	WL("check_subject_in_welcomelist"), WL("check_subject_in_whitelist"),
	WL("check_subject_in_blocklist"), WL("check_subject_in_blacklist"),
#undef WL
};

const struct sa_eval_family sa_eval_header_family = {
	.name = "HeaderEval, FreeMail, FromNameSpoof",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
