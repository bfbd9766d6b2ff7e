/*
 * url_tool.c - the URL library (src/url/url.h) as a filter, for the
 * normalisation oracle (tests/url/oracle.py): one URL a line on stdin, one
 * JSON object a line on stdout, in the same order:
 *
 *   {"in": the line, "ok": url_parse() gave a URL,
 *    "scheme", "host", "host_unicode", "host_kind" ("none", "name",
 *    "ipv4", "ipv6"), "port" (-1: none or the default), "path", "norm",
 *    "ip_obfuscated", "idn", "idn_invalid", "www", "userinfo"}
 *
 * The fields other than "in" and "ok" are left out when ok is false.  A
 * line is the bytes up to "\n" (a "\r" before it dropped), cut at
 * 4 * URL_MAX bytes (url_parse() cuts at URL_MAX itself); invalid UTF-8 is
 * written repaired (U+FFFD) by jsonw, so "in" is for reading, the line
 * number is the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "url/url.h"
#include "util/jsonw.h"

#define LINE_MAX_BYTES (4 * URL_MAX)

static const char *
kind_name(enum url_host_kind k)
{
	switch (k) {
	case URL_HOST_NAME:
		return "name";
	case URL_HOST_IPV4:
		return "ipv4";
	case URL_HOST_IPV6:
		return "ipv6";
	case URL_HOST_NONE:
		break;
	}
	return "none";
}

static void
emit(GString *out, const char *line, size_t n)
{
	struct jsonw w;
	struct url *u = url_parse(line, n);

	jw_init(&w, out, false);
	jw_obj(&w, NULL);
	jw_strn(&w, "in", line, n);
	jw_bool(&w, "ok", u != NULL);
	if (u != NULL) {
		jw_str(&w, "scheme", u->scheme);
		jw_str(&w, "host", u->host);
		jw_str(&w, "host_unicode", u->host_unicode);
		jw_str(&w, "host_kind", kind_name(u->host_kind));
		jw_int(&w, "port", u->port);
		jw_str(&w, "path", u->path);
		jw_str(&w, "norm", u->norm);
		jw_bool(&w, "ip_obfuscated", u->ip_obfuscated);
		jw_bool(&w, "idn", u->idn);
		jw_bool(&w, "idn_invalid", u->idn_invalid);
		jw_bool(&w, "www", u->www);
		jw_str(&w, "userinfo", u->userinfo);
	}
	jw_obj_end(&w);
	g_string_append_c(out, '\n');
	url_free(u);
}

int
main(void)
{
	GString *out = g_string_sized_new(1 << 16);
	char *line = g_malloc(LINE_MAX_BYTES);
	size_t n = 0;
	bool skipping = false;	/* the rest of a line longer than the cut */
	int c;

	while ((c = getchar()) != EOF) {
		if (c != '\n') {
			if (!skipping && n < LINE_MAX_BYTES)
				line[n++] = (char)c;
			else
				skipping = true;
			continue;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		emit(out, line, n);
		n = 0;
		skipping = false;
		if (out->len >= (1 << 16)) {
			fwrite(out->str, 1, out->len, stdout);
			g_string_truncate(out, 0);
		}
	}
	if (n > 0)
		emit(out, line, n);
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
	g_free(line);
	return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_SUCCESS : EXIT_FAILURE;
}
