/*
 * jsonw.c - streaming JSON writer (see jsonw.h).
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
jw_init(struct jsonw *w, GString *out, bool pretty)
{
	w->s = out;
	w->pretty = pretty;
	w->depth = 0;
	w->first[0] = true;
}

static void
escape(GString *s, const char *v, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	g_string_append_c(s, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		g_string_append_len(s, v + i - run, (gssize)run);
		run = 0;
		switch (c) {
		case '"': g_string_append(s, "\\\""); break;
		case '\\': g_string_append(s, "\\\\"); break;
		case '\n': g_string_append(s, "\\n"); break;
		case '\r': g_string_append(s, "\\r"); break;
		case '\t': g_string_append(s, "\\t"); break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			g_string_append(s, u);
		}
		}
	}
	g_string_append_len(s, v + len - run, (gssize)run);
	g_string_append_c(s, '"');
}

static void
string_value(GString *s, const char *v, size_t len)
{
	if (g_utf8_validate_len(v, (gssize)len, NULL)) {
		escape(s, v, len);
		return;
	}
	char *ok = g_utf8_make_valid(v, (gssize)len);
	escape(s, ok, strlen(ok));
	g_free(ok);
}

static void
newline(struct jsonw *w)
{
	if (!w->pretty)
		return;
	g_string_append_c(w->s, '\n');
	for (int i = 0; i < w->depth; i++)
		g_string_append(w->s, "  ");
}

/* Comma, indentation and key before a value. */
static void
prefix(struct jsonw *w, const char *key)
{
	if (!w->first[w->depth])
		g_string_append_c(w->s, ',');
	w->first[w->depth] = false;
	if (w->depth > 0)
		newline(w);
	if (key != NULL) {
		escape(w->s, key, strlen(key));
		g_string_append(w->s, w->pretty ? ": " : ":");
	}
}

static void
jw_open(struct jsonw *w, const char *key, char c)
{
	prefix(w, key);
	g_string_append_c(w->s, c);
	g_assert(w->depth + 1 < JSONW_DEPTH);
	w->depth++;
	w->first[w->depth] = true;
}

static void
jw_close(struct jsonw *w, char c)
{
	bool empty = w->first[w->depth];
	g_assert(w->depth > 0);
	w->depth--;
	if (!empty)
		newline(w);
	g_string_append_c(w->s, c);
}

void jw_obj(struct jsonw *w, const char *key) { jw_open(w, key, '{'); }
void jw_obj_end(struct jsonw *w) { jw_close(w, '}'); }
void jw_arr(struct jsonw *w, const char *key) { jw_open(w, key, '['); }
void jw_arr_end(struct jsonw *w) { jw_close(w, ']'); }

void
jw_strn(struct jsonw *w, const char *key, const char *v, size_t len)
{
	prefix(w, key);
	if (v == NULL)
		g_string_append(w->s, "null");
	else
		string_value(w->s, v, len);
}

void
jw_str(struct jsonw *w, const char *key, const char *v)
{
	jw_strn(w, key, v, v != NULL ? strlen(v) : 0);
}

/* Decimal digits of v (printf is a tenth of a report's cost otherwise). */
static void
append_uint(GString *s, uint64_t v)
{
	char buf[24];
	size_t n = sizeof buf;
	do {
		buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	g_string_append_len(s, buf + n, (gssize)(sizeof buf - n));
}

void
jw_int(struct jsonw *w, const char *key, int64_t v)
{
	prefix(w, key);
	if (v < 0) {
		g_string_append_c(w->s, '-');
		append_uint(w->s, (uint64_t)0 - (uint64_t)v);
	} else {
		append_uint(w->s, (uint64_t)v);
	}
}

void
jw_real(struct jsonw *w, const char *key, double v)
{
	prefix(w, key);
	if (!isfinite(v)) {
		g_string_append(w->s, "null");
		return;
	}
	/* scores and times are multiples of 0.001: exact digits, no printf */
	double milli = round(v * 1000.0);
	if (fabs(v) < 1e12 && milli == v * 1000.0) {
		uint64_t m = (uint64_t)fabs(milli);
		if (milli < 0)
			g_string_append_c(w->s, '-');
		append_uint(w->s, m / 1000);
		unsigned frac = (unsigned)(m % 1000);
		if (frac != 0) {
			char f[5] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
			    (char)('0' + frac % 10), 0 };
			size_t fl = 4;
			while (f[fl - 1] == '0')
				fl--;
			g_string_append_len(w->s, f, (gssize)fl);
		}
		return;
	}
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	/* other values: six significant digits, C locale */
	g_ascii_formatd(buf, sizeof buf, "%.6g", v);
	g_string_append(w->s, buf);
}

void
jw_bool(struct jsonw *w, const char *key, bool v)
{
	prefix(w, key);
	g_string_append(w->s, v ? "true" : "false");
}

void
jw_null(struct jsonw *w, const char *key)
{
	prefix(w, key);
	g_string_append(w->s, "null");
}

void
jw_raw(struct jsonw *w, const char *key, const char *json)
{
	prefix(w, key);
	g_string_append(w->s, json);
}
