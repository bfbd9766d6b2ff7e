/*
 * url.h - URLs as mail writes them: split (GLib's GUri), normalised,
 * unwrapped from the link-protection services, and the facts the URL
 * heuristics judge by.  No mail knowledge: the urls module
 * (src/checks/urls/) finds the URLs and decides.
 *
 * Normal form (url.norm): scheme "://" host [":" port] path ["?" query],
 *   - scheme lower-case; a URL written "www.host..." gets "http";
 *   - host percent-decoded, IDNA to A-labels (libidn2, UTS #46
 *     non-transitional, as browsers), lower-case, trailing dots
 *     dropped; an IPv4 host in any notation (decimal 3232235777, hex
 *     0xC0A80101, octal 0300.0250.1.1, short 192.168.257) as a dotted
 *     quad; IPv6 in its canonical text, in brackets;
 *   - the port left out when it is the scheme's default;
 *   - path and query as GUri leaves them (percent-encodings of unreserved
 *     characters decoded, the others upper-case), an empty path "/";
 *   - no userinfo and no fragment.
 *
 * Every function takes (pointer, length), reads no further, and bounds
 * what it builds by URL_MAX bytes.
 */
#ifndef MAMORI_URL_URL_H
#define MAMORI_URL_URL_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* Longer input is cut: no URL a mail reader follows is longer. */
#define URL_MAX 8192

enum url_host_kind {
	URL_HOST_NONE,		/* no host (data:, mailto:, a relative link) */
	URL_HOST_NAME,		/* a domain name */
	URL_HOST_IPV4,
	URL_HOST_IPV6,
};

struct url {
	char *raw;		/* the input as read (clean_input: blanks,
				 * wrappers and line breaks gone, "http://"
				 * before "www.", slashes after the scheme) */
	char *scheme;		/* lower-case: "http", "https", "data" ... */
	char *host;		/* normal form (above), or NULL */
	char *host_unicode;	/* an IDN host in U-labels (for display and
				 * the homograph test), else NULL */
	char *userinfo;		/* as written (percent-decoded), or NULL */
	int port;		/* -1: none or the scheme's default */
	char *path;		/* path and query in normal form ("/" at least
				 * for a URL with a host) */
	char *norm;		/* the normal form, the whole URL: the key of
				 * the report and the feeds */
	enum url_host_kind host_kind;
	bool ip_obfuscated;	/* an IPv4 host not written as a dotted quad
				 * of decimals (0x7f.1, 2130706433, 0177.0.0.1) */
	bool idn;		/* the host has a non-ASCII or an xn-- label */
	bool idn_invalid;	/* IDNA refused the host (kept lower-cased) */
	bool www;		/* written without a scheme, "www." */
};

/*
 * Parse s[0..n) (surrounding blanks and a "<URL:...>" or <...> wrapper
 * dropped; tabs and line breaks inside removed, as browsers do; a
 * backslash after the scheme read as a slash).  NULL when it is not an
 * absolute URL: no scheme (except "www."), or a hierarchical scheme
 * (http, https, ftp) without a host.  Free with url_free().
 */
struct url *url_parse(const char *s, size_t n);
void url_free(struct url *u);

/*
 * The registrable domain of a normalised host (libpsl: the public suffix
 * and one label more; "example.co.jp" for "www.example.co.jp"), g_malloc'd.
 * An IP host, a public suffix itself or a single label is its own.
 */
char *url_registrable(const char *host);

/* The link-protection and redirect services url_unwrap() opens. */
enum url_wrapper {
	URL_WRAP_NONE,
	URL_WRAP_SAFELINKS,	/* *.safelinks.protection.outlook.com/?url= */
	URL_WRAP_PROOFPOINT_V2,	/* urldefense.proofpoint.com/v2/url?u= */
	URL_WRAP_PROOFPOINT_V3,	/* urldefense.com/v3/__URL__;!! */
	URL_WRAP_GOOGLE,	/* www.google.<tld>/url?q= (or url=) */
};
/* "safelinks", "proofpoint-v2", "proofpoint-v3", "google", "" */
const char *url_wrapper_name(enum url_wrapper w);

/*
 * The URL u wraps, decoded (a g_malloc'd string, to url_parse()), and
 * which service wrapped it; NULL (*w = URL_WRAP_NONE) when u is no
 * wrapper or its target does not decode.  One level: the caller loops
 * (bounded) for a wrapper inside a wrapper.
 */
char *url_unwrap(const struct url *u, enum url_wrapper *w);

/*
 * Whether the host (normal form) or one of its parent domains is in set
 * (a GHashTable of normalised host names, e.g. the shorteners): the
 * entry that matched, borrowed from set, or NULL.  Parents are tried up
 * to the registrable domain, not above it ("co.jp" never matches).
 */
const char *url_host_in(const char *host, GHashTable *set);

/*
 * The homograph test of an IDN host (url.host_unicode): ICU's spoof
 * checker (UTS #39).  True, with the reason in why ("mixed scripts",
 * "all-ASCII look-alike (UTS #39 skeleton ...)"), when a label mixes scripts beyond
 * what UTS #39's highly restrictive level allows (Japanese may mix Han,
 * Hiragana, Katakana and Latin) or its skeleton is all ASCII (a Cyrillic
 * "аpple" whose skeleton is "apple").
 */
bool url_homograph(const char *host_unicode, char *why, size_t whylen);

/*
 * A data: URI s[0..n) whose media type is HTML, XHTML, SVG or a script
 * (what a browser would render or run); false for images and text.
 */
bool url_data_active(const char *s, size_t n);

#endif
