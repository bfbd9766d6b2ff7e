/*
 * check_urls.c - every URL of a message, judged (issue 16; docs/urls.md,
 * docs/configuration.md `urls`).
 *
 * Design: the URLs come from what the content layer and the object tree
 * already found, in one list: the links of every text and HTML part, body
 * and attachments (content_links(): plain-text URLs and "www." hosts,
 * HTML href/src/action/formaction/meta refresh, each with its displayed
 * text), and the URLs the document analysers recorded on objects (PDF URI
 * actions, OOXML external relationships, VBA strings, LNK arguments, RTF
 * fields, HTML attachments; documents opened by PPAP are objects too).
 * Each is parsed and normalised (src/url/url.h), unwrapped through Safe
 * Links, Proofpoint URL Defense and Google's redirect (at most
 * UNWRAP_MAX levels), and kept once per normal form of its final target,
 * with every form it was written in and every place it was found.
 *
 * The judging is on the final target: the feeds (urls.feeds, an index in
 * memory, reloaded when a file changes), the DNS lists (urls.dns_lists:
 * the registrable domain, or the reversed IP, asked of each zone), and
 * the heuristics, each its own symbol with the URL and where it was
 * found as option.  Nothing is fetched.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "content/content.h"
#include "core/module.h"
#include "dns/dns.h"
#include "html/extract.h"
#include "objects/object.h"
#include "qr/qr.h"
#include "spam/dnsbl.h"
#include "url/feeds.h"
#include "url/url.h"
#include "util/jsonw.h"

#define UNWRAP_MAX 4		/* wrappers inside wrappers */
#define ZONES_MAX 32		/* urls.dns_lists entries */
#define MATCH_MAX 16		/* codes one A record may match */
#define OPTION_URL_MAX 200	/* bytes of a URL in a symbol's option */
#define FOUND_MAX 8		/* places kept per URL in the report */
#define FORMS_MAX 4		/* original forms kept per URL */

struct feed_conf {
	char *name;
	char *path;
};

struct urls_conf {
	bool enabled;
	GPtrArray *feeds;	/* struct feed_conf * */
	uint32_t feeds_refresh_s;
	bool qr;
	uint64_t qr_bytes;
	uint32_t qr_pixels;
	uint32_t max_urls;
	uint32_t max_per_object;
	uint32_t max_dns;
	GPtrArray *dns_lists;
	double dns_weight;
	GPtrArray *shorteners;
	GPtrArray *redirectors;
	int blocklisted_action;
};

#define SYMBOLS(X) \
	X(URL_BLOCKLISTED, 8.0, MAMORI_ACTION_QUARANTINE, "A URL or its host (or a parent domain up to the registrable one) is in a feed of urls.feeds; the option is \"feed: URL\". Forces urls.blocklisted_action (quarantine) by default.") \
	X(URL_IN_ATTACHMENT, 0.1, NO_FORCE, "A URL was found inside an attachment (a PDF, an Office document, a script, an HTML or text attachment ...), not in the message's own text: not blame by itself; the option is the URL and the object's path.") \
	X(QR_CODE_URL, 1.0, NO_FORCE, "A URL was decoded from a QR code in an image (a phone would open it, out of the gateway's sight); the option is the URL and the image.") \
	X(PHISHING_LINK_MISMATCH, 5.0, NO_FORCE, "An HTML link displays a web URL (written with http:// or https://) whose registrable domain differs from the real target's, after unwrapping Safe Links, URL Defense and Google redirects; the option is \"shown -> target\".") \
	X(URL_IP_HOST, 1.5, NO_FORCE, "A URL's host is an IP address, in any notation (decimal, hex, octal and short forms are read as browsers read them); the option is the URL.") \
	X(URL_USERINFO, 3.0, NO_FORCE, "A web URL carries a user part before an @ (http://bank.example@evil.example/ goes to evil.example); the option is the URL.") \
	X(URL_HOMOGRAPH, 4.0, NO_FORCE, "An internationalised host mixes scripts beyond what Unicode's highly restrictive level allows, or its UTS #39 skeleton is plain ASCII (a Cyrillic \"аpple\"); the option is the host and why.") \
	X(URL_SHORTENER, 0.5, NO_FORCE, "A link goes through a URL shortener (urls.shorteners): its target is hidden; the option is the URL.") \
	X(URL_REDIRECTOR, 1.0, NO_FORCE, "A link goes through an open redirector (urls.redirectors, and Google's /url redirect); the option is the URL.") \
	X(URL_DATA_URI, 3.0, NO_FORCE, "A link or form points to a data: URI holding HTML, SVG or script, which a browser would render or run from the mail itself; the option is its start.") \
	X(URL_DNS_ERROR, 0.0, NO_FORCE, "A URL DNS list gave no usable answer (timeout, failure, lookup budget, a refused-query code or an answer outside 127.0.0.0/8). Never a hit; the option is \"zone: why\", once per zone.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* ---- configuration --------------------------------------------------------- */

static const char *const default_shorteners[] = {
	"bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
	"rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "x.gd", "v.gd",
	"bit.do", "lnkd.in", "s.id", "shorte.st", "adf.ly", "bl.ink", "soo.gd", "qr.net",
	"t.me", "urx.blue", "urx2.nu", "00m.in", "amzn.to", "kutt.it", "tinu.be", NULL
};
/* host, or host and a path prefix: "host/path" */
static const char *const default_redirectors[] = {
	"l.facebook.com/l.php", "lm.facebook.com/l.php", "l.instagram.com/",
	"www.youtube.com/redirect", "href.li/", "slack-redir.net/link", "t.umblr.com/redirect",
	"away.vk.com/away.php", "www.bing.com/ck/a", "r.search.yahoo.com/",
	"duckduckgo.com/l/", "clck.ru/", NULL
};

static bool
check_zone(const char *v, char *why, size_t n)
{
	struct dnsbl_zone z;
	if (!dnsbl_zone_parse(v, 0, 0, &z, why, n))
		return false;
	dnsbl_zone_clear(&z);
	return true;
}

static bool
check_host(const char *v, char *why, size_t n)
{
	if (*v == '\0' || strchr(v, '.') == NULL || strpbrk(v, " \t:@?#") != NULL) {
		snprintf(why, n, "a host name, or a host and a path (\"example.com/go\")");
		return false;
	}
	return true;
}

static bool
check_conf(const void *conf, char *err, size_t errlen)
{
	const struct urls_conf *c = conf;
	if (c->dns_lists != NULL && c->dns_lists->len > ZONES_MAX) {
		snprintf(err, errlen, "urls.dns_lists: more than %d zones", ZONES_MAX);
		return false;
	}
	return true;
}

static bool
check_feed_name(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
			snprintf(why, n, "letters, digits, '-', '_' and '.' only");
			return false;
		}
	return *v != '\0';
}

#define F struct feed_conf
static const struct conf_key feed_keys[] = {
	CONF_STRING(F, name, "", check_feed_name, "a name such as \"urlhaus\"",
	    "the feed's name, in URL_BLOCKLISTED's option and the report"),
	CONF_STRING(F, path, "", conf_check_abs_path, "an absolute path",
	    "the file: a host or a URL a line (# comments), or URLhaus's CSV export"),
};
#undef F
static bool
check_feed(const void *conf, char *err, size_t errlen)
{
	const struct feed_conf *f = conf;
	if (f->name == NULL || f->name[0] == '\0' || f->path == NULL || f->path[0] == '\0') {
		snprintf(err, errlen, "urls.feeds: each feed needs a name and a path");
		return false;
	}
	return true;
}
static const struct conf_section feed_section =
	MAMORI_CONF("urls.feeds", feed_keys, struct feed_conf, check_feed);

#define C struct urls_conf
static const struct conf_key keys[] = {
	CONF_BOOL(C, enabled, true,
	    "judge the message's URLs (false: they are still listed in the report)"),
	CONF_GROUPS(C, feeds, &feed_section, 64,
	    "feeds of bad hosts and URLs: ( { name = \"...\"; path = \"/abs/file\"; }, ... )"),
	CONF_UINT(C, feeds_refresh_s, 0, 86400, 60,
	    "a scan checks the feed files for changes this often and reloads them (0: every scan)"),
	CONF_BOOL(C, qr, true, "decode QR codes in image attachments and inline images"),
	CONF_SIZE(C, qr_bytes, 1024, 1ull << 30, 10ull << 20,
	    "bytes of an image read for QR codes; larger: SCAN_LIMIT_EXCEEDED (urls)"),
	CONF_UINT(C, qr_pixels, 1024, 100000000, 16000000,
	    "pixels (width x height) of an image decoded for QR codes; more: SCAN_LIMIT_EXCEEDED (urls)"),
	CONF_UINT(C, max_urls, 1, 100000, 1000,
	    "distinct URLs judged per message; past it SCAN_LIMIT_EXCEEDED (urls)"),
	CONF_UINT(C, max_per_object, 1, 256, 256,
	    "URLs judged per object (a document, a script); past it SCAN_LIMIT_EXCEEDED (urls)"),
	CONF_UINT(C, max_dns, 0, 1000, 20,
	    "registrable domains and IP hosts asked of the DNS lists per message"),
	CONF_LIST(C, dns_lists, NULL, check_zone,
	    "a zone with its codes: \"ZONE: CODE=SYMBOL[:WEIGHT] ...\"", false,
	    "URL DNS lists (SURBL, URIBL, DBL style), each \"ZONE: CODE=SYMBOL[:WEIGHT] ...\" "
	    "(empty: none asked)"),
	CONF_NUMBER(C, dns_weight, 4.0,
	    "the weight of a DNS list's symbol written without :WEIGHT"),
	CONF_LIST(C, shorteners, default_shorteners, check_host, "a host name", true,
	    "URL shorteners: a link through one gives URL_SHORTENER (subdomains match)"),
	CONF_LIST(C, redirectors, default_redirectors, check_host,
	    "a host, or a host and a path prefix", true,
	    "open redirectors: a link through one gives URL_REDIRECTOR"),
	CONF_ACTION(C, blocklisted_action, CONF_ACTIONS(MAMORI_ACTION_ACCEPT) |
	    CONF_ACTIONS(MAMORI_ACTION_ADD_HEADER) | CONF_ACTIONS(MAMORI_ACTION_QUARANTINE) |
	    CONF_ACTIONS(MAMORI_ACTION_REJECT), MAMORI_ACTION_QUARANTINE,
	    "the action URL_BLOCKLISTED forces (accept: none, the weight only)"),
};
#undef C

/* ---- engine ---------------------------------------------------------------- */

struct redirector {
	char *host;
	char *path;		/* a prefix of the path, or "" */
};

/* The feeds in use: replaced as a whole when a file changes; a scan keeps
 * a reference to the one it started with. */
struct feeds_ref {
	gint refs;
	struct url_feeds *f;
};

static void
feeds_unref(struct feeds_ref *r)
{
	if (r != NULL && g_atomic_int_dec_and_test(&r->refs)) {
		url_feeds_free(r->f);
		g_free(r);
	}
}

struct urls_engine {
	const struct urls_conf *conf;
	struct url_feed_spec *specs;
	size_t nspecs;
	GMutex lock;		/* feeds, checked_us, reloading */
	struct feeds_ref *feeds;	/* NULL: no feed configured */
	gint64 checked_us;
	bool reloading;
	GHashTable *shorteners;	/* host -> itself */
	struct redirector *redirs;
	size_t nredirs;
	struct dnsbl_zone *zones;
	size_t nzones;
	mamori_sym **zsyms;	/* [zone][code] */
};

static void
engine_free(void *engine)
{
	struct urls_engine *e = engine;
	if (e == NULL)
		return;
	feeds_unref(e->feeds);
	g_free(e->specs);
	g_mutex_clear(&e->lock);
	if (e->shorteners != NULL)
		g_hash_table_unref(e->shorteners);
	for (size_t i = 0; i < e->nredirs; i++) {
		g_free(e->redirs[i].host);
		g_free(e->redirs[i].path);
	}
	g_free(e->redirs);
	for (size_t i = 0; i < e->nzones; i++) {
		dnsbl_zone_clear(&e->zones[i]);
		g_free(e->zsyms[i]);
	}
	g_free(e->zones);
	g_free(e->zsyms);
	g_free(e);
}

/* A zone's codes as symbols, defined once each (as dnsbl.zones does). */
static bool
zone_symbols(struct module_setup *s, struct urls_engine *e, double defw)
{
	GHashTable *mine = g_hash_table_new(g_str_hash, g_str_equal);
	bool ok = true;

	for (size_t i = 0; i < e->nzones && ok; i++) {
		const struct dnsbl_zone *z = &e->zones[i];
		e->zsyms[i] = g_new0(mamori_sym, z->ncodes);
		for (size_t k = 0; k < z->ncodes && ok; k++) {
			const struct dnsbl_code *c = &z->codes[k];
			double w = c->has_weight ? c->weight : defw;
			mamori_sym sym = g_hash_table_lookup(mine, c->symbol);
			if (sym == NULL) {
				char *desc = g_strdup_printf("URL DNS list %s lists the registrable "
				    "domain or IP host of a URL (urls.dns_lists); the option is the "
				    "domain and the code.", z->zone);
				sym = module_symbol_add(s, c->symbol, w, desc);
				g_free(desc);
				if (sym == NULL) {
					snprintf(s->err, s->errlen, "urls.dns_lists: %s is already a "
					    "symbol of mamori: choose another name", c->symbol);
					ok = false;
					break;
				}
				g_hash_table_insert(mine, (gpointer)sym->name, (gpointer)sym);
			} else if (sym->weight != w) {
				snprintf(s->err, s->errlen, "urls.dns_lists: %s is given two weights "
				    "(%g and %g)", c->symbol, sym->weight, w);
				ok = false;
			}
			e->zsyms[i][k] = sym;
		}
	}
	g_hash_table_unref(mine);
	return ok;
}

static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct urls_conf *c = s->conf;
	struct urls_engine *e = g_new0(struct urls_engine, 1);

	e->conf = c;
	g_mutex_init(&e->lock);
	module_force(s, SYM(URL_BLOCKLISTED), c->blocklisted_action);
	e->nspecs = c->feeds != NULL ? c->feeds->len : 0;
	e->specs = g_new0(struct url_feed_spec, e->nspecs > 0 ? e->nspecs : 1);
	for (size_t i = 0; i < e->nspecs; i++) {
		const struct feed_conf *f = g_ptr_array_index(c->feeds, i);
		e->specs[i] = (struct url_feed_spec){ .name = f->name, .path = f->path };
	}
	if (e->nspecs > 0) {
		char why[512];
		struct url_feeds *f = url_feeds_load(e->specs, e->nspecs, why, sizeof why);
		if (f == NULL) {
			snprintf(s->err, s->errlen, "urls.feeds: %s", why);
			engine_free(e);
			return false;
		}
		e->feeds = g_new0(struct feeds_ref, 1);
		e->feeds->refs = 1;
		e->feeds->f = f;
		e->checked_us = g_get_monotonic_time();
	}
	e->shorteners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; c->shorteners != NULL && i < c->shorteners->len; i++)
		g_hash_table_add(e->shorteners, g_strdup(g_ptr_array_index(c->shorteners, i)));
	size_t nr = c->redirectors != NULL ? c->redirectors->len : 0;
	e->redirs = g_new0(struct redirector, nr > 0 ? nr : 1);
	for (size_t i = 0; i < nr; i++) {
		const char *v = g_ptr_array_index(c->redirectors, i);
		const char *sl = strchr(v, '/');
		e->redirs[i].host = sl != NULL ? g_strndup(v, (gsize)(sl - v)) : g_strdup(v);
		e->redirs[i].path = g_strdup(sl != NULL ? sl : "");
		e->nredirs++;
	}
	size_t nz = c->dns_lists != NULL ? c->dns_lists->len : 0;
	e->zones = g_new0(struct dnsbl_zone, nz > 0 ? nz : 1);
	e->zsyms = g_new0(mamori_sym *, nz > 0 ? nz : 1);
	for (size_t i = 0; i < nz; i++) {
		char why[256];
		if (!dnsbl_zone_parse(g_ptr_array_index(c->dns_lists, i), 0, 0, &e->zones[i], why,
		    sizeof why)) {
			snprintf(s->err, s->errlen, "urls.dns_lists: %s", why);
			engine_free(e);
			return false;
		}
		e->nzones++;
	}
	if (!zone_symbols(s, e, c->dns_weight)) {
		engine_free(e);
		return false;
	}
	*engine = e;
	return true;
}

static char *
engine_summary(const void *engine, bool detail)
{
	const struct urls_engine *e = engine;
	(void)detail;
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "urls: %s; %u shorteners, %zu redirectors; %zu DNS lists",
	    e->conf->enabled ? "on" : "off (urls.enabled is false)",
	    g_hash_table_size(e->shorteners), e->nredirs, e->nzones);
	for (size_t i = 0; i < e->nzones; i++)
		g_string_append_printf(out, "%s%s (%zu codes)", i == 0 ? ": " : ", ",
		    e->zones[i].zone, e->zones[i].ncodes);
	g_string_append_printf(out, "; QR codes %s\n", e->conf->qr ? "on" : "off");
	if (e->feeds != NULL) {
		char *fs = url_feeds_summary(e->feeds->f);
		g_string_append(out, fs);
		if (out->len > 0 && out->str[out->len - 1] != '\n')
			g_string_append_c(out, '\n');
		g_free(fs);
	}
	return g_string_free(out, FALSE);
}

/* ---- the URLs of a scan ---------------------------------------------------- */

/* One place a URL was found. */
struct place {
	char *in;		/* "text part 1", "html part 2", an object's path */
	const char *how;	/* "text", "href", "src", ..., "object", "qr" */
	char *text;		/* the displayed text of an HTML link, or NULL */
	bool attachment;
};

/* One URL, by the normal form of its final target. */
struct uent {
	char *key;		/* url->norm, or the text as written when it
				 * does not parse */
	struct url *u;		/* the final target, or NULL */
	char *domain;		/* u's registrable domain (url_registrable), or
				 * NULL without a host */
	GPtrArray *forms;	/* char *: as written (first FORMS_MAX) */
	GPtrArray *wrappers;	/* const char *: url_wrapper_name()s */
	GArray *places;		/* struct place (first FOUND_MAX) */
	unsigned nplaces;
	GPtrArray *listed;	/* char *: "feed NAME", "ZONE (code)" */
	GPtrArray *fired;	/* const char *: symbol names */
};

struct urls_state {
	GPtrArray *list;	/* struct uent *, in the order found */
	GHashTable *by_key;	/* key -> struct uent * */
	unsigned dropped;	/* past max_urls */
	bool judged;
	const char *skipped;
};

static void
place_clear(struct place *p)
{
	g_free(p->in);
	g_free(p->text);
}

static void
uent_free(gpointer p)
{
	struct uent *x = p;
	g_free(x->key);
	url_free(x->u);
	g_free(x->domain);
	g_ptr_array_unref(x->forms);
	g_ptr_array_unref(x->wrappers);
	for (guint i = 0; i < x->places->len; i++)
		place_clear(&g_array_index(x->places, struct place, i));
	g_array_free(x->places, TRUE);
	g_ptr_array_unref(x->listed);
	g_ptr_array_unref(x->fired);
	g_free(x);
}

static void
state_free(void *p)
{
	struct urls_state *st = p;
	if (st->by_key != NULL)
		g_hash_table_unref(st->by_key);
	if (st->list != NULL)
		g_ptr_array_unref(st->list);
}

/* The URL written s, opened through its wrappers: the final target (or
 * NULL when s is no absolute URL), the wrappers' names added to wrappers. */
static struct url *
open_url(const char *s, size_t n, GPtrArray *wrappers)
{
	struct url *u = url_parse(s, n);
	for (unsigned k = 0; u != NULL && k < UNWRAP_MAX; k++) {
		enum url_wrapper w;
		char *inner = url_unwrap(u, &w);
		if (inner == NULL)
			break;
		struct url *v = url_parse(inner, strlen(inner));
		g_free(inner);
		if (v == NULL)
			break;
		if (wrappers != NULL)
			g_ptr_array_add(wrappers, (gpointer)url_wrapper_name(w));
		url_free(u);
		u = v;
	}
	return u;
}

/* Record the URL written s[0..n), found at p (taken). */
static void
add_url(struct urls_state *st, const struct urls_conf *c, const char *s, size_t n,
    struct place *p)
{
	while (n > 0 && g_ascii_isspace(*s)) {
		s++;
		n--;
	}
	/* cid: names a part of the message itself */
	if (n == 0 || n > URL_MAX || (n >= 4 && g_ascii_strncasecmp(s, "cid:", 4) == 0)) {
		place_clear(p);
		return;
	}
	GPtrArray *wr = g_ptr_array_new();
	struct url *u = open_url(s, n, wr);
	char *key = u != NULL ? g_strdup(u->norm) : g_strndup(s, n);
	struct uent *x = g_hash_table_lookup(st->by_key, key);
	if (x == NULL) {
		if (st->list->len >= c->max_urls) {
			st->dropped++;
			g_free(key);
			url_free(u);
			g_ptr_array_unref(wr);
			place_clear(p);
			return;
		}
		x = g_new0(struct uent, 1);
		x->key = key;
		x->u = u;
		x->domain = u != NULL && u->host != NULL ? url_registrable(u->host) : NULL;
		x->forms = g_ptr_array_new_with_free_func(g_free);
		x->wrappers = wr;
		x->places = g_array_new(FALSE, TRUE, sizeof(struct place));
		x->listed = g_ptr_array_new_with_free_func(g_free);
		x->fired = g_ptr_array_new();
		g_ptr_array_add(st->list, x);
		g_hash_table_insert(st->by_key, x->key, x);
	} else {
		g_free(key);
		url_free(u);
		for (guint i = 0; i < wr->len; i++) {
			bool have = false;
			for (guint k = 0; k < x->wrappers->len && !have; k++)
				have = x->wrappers->pdata[k] == wr->pdata[i];
			if (!have)
				g_ptr_array_add(x->wrappers, wr->pdata[i]);
		}
		g_ptr_array_unref(wr);
	}
	bool have = false;
	for (guint i = 0; i < x->forms->len && !have; i++)
		have = strlen(x->forms->pdata[i]) == n &&
		    memcmp(x->forms->pdata[i], s, n) == 0;
	if (!have && x->forms->len < FORMS_MAX)
		g_ptr_array_add(x->forms, g_strndup(s, MIN(n, (size_t)URL_MAX)));
	x->nplaces++;
	if (x->places->len < FOUND_MAX)
		g_array_append_val(x->places, *p);
	else
		place_clear(p);
}

/* Whether s starts with a scheme ("x:", not a relative path) */
static bool
has_scheme(const char *s)
{
	while (g_ascii_isspace(*s))
		s++;
	if (!g_ascii_isalpha(*s))
		return false;
	while (g_ascii_isalnum(*s) || *s == '+' || *s == '-' || *s == '.')
		s++;
	return *s == ':';
}

/*
 * An iCalendar text (RFC 5545: a plain text that starts BEGIN:VCALENDAR)
 * as a reader sees it, g_malloc'd (*n its length), or NULL for any other
 * text: folded lines unfolded (a line break and one blank are nothing),
 * the escapes \n \N \, \; \\ undone, so that a URL folded over two lines
 * or followed by an escaped line break is read whole.
 */
static char *
calendar_text(const struct content *cn, const struct content_text *t, size_t *n)
{
	if (t->kind != CONTENT_PLAIN)
		return NULL;
	size_t len;
	const char *s = content_text(cn, t, &len);
	size_t i = 0;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && g_ascii_isspace(s[i]))
		i++;
	if (len - i < 15 || g_ascii_strncasecmp(s + i, "BEGIN:VCALENDAR", 15) != 0)
		return NULL;
	GString *g = g_string_sized_new(len);
	for (; i < len; i++) {
		char ch = s[i];
		if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;	/* CRLF: the LF decides */
		if (ch == '\n' && i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '\t')) {
			i++;	/* a fold: the break and one blank */
			continue;
		}
		if (ch == '\\' && i + 1 < len) {
			char e = s[i + 1];
			if (e == 'n' || e == 'N') {
				g_string_append_c(g, '\n');
				i++;
				continue;
			}
			if (e == ',' || e == ';' || e == '\\') {
				g_string_append_c(g, e);
				i++;
				continue;
			}
		}
		g_string_append_c(g, ch);
	}
	*n = g->len;
	return g_string_free(g, FALSE);
}

struct text_ctx {
	struct urls_state *st;
	const struct urls_conf *c;
	const struct content_text *t;
	const GPtrArray *links;	/* the part's links: [first, end) */
	guint first, end;
	GHashTable *shown;	/* the URLs its links display (made on the
				 * first URL of its text), or NULL */
};

static bool
shown_add(const char *url, size_t n, void *arg)
{
	g_hash_table_add(arg, g_strndup(url, n));
	return true;
}

static bool
text_url(const char *url, size_t n, void *arg)
{
	struct text_ctx *x = arg;
	if (x->shown == NULL) {
		x->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = x->first; i < x->end; i++) {
			const struct content_link *l = x->links->pdata[i];
			if (l->text != NULL)
				content_find_urls(l->text, strlen(l->text), shown_add, x->shown);
		}
	}
	if (g_hash_table_size(x->shown) > 0) {
		char *k = g_strndup(url, n);
		bool shown = g_hash_table_contains(x->shown, k);
		g_free(k);
		if (shown)
			return true;	/* what a link displays: judged with it */
	}
	struct place p = {
		.in = g_strdup(x->t->source),
		.how = "text",
		.attachment = x->t->origin == CONTENT_ATTACHMENT,
	};
	add_url(x->st, x->c, url, n, &p);
	return true;
}

/* The URLs of the QR codes of o, when it is a PNG, JPEG or GIF image (by
 * its bytes: qr_decode() checks the magic first). */
static void
qr_urls(struct scan_ctx *ctx, struct urls_state *st, const struct urls_conf *c,
    const struct mobj *o)
{
	if (o->data == NULL || o->len < 8)
		return;
	struct qr_limits lim = qr_limits_default;
	lim.bytes_max = (size_t)c->qr_bytes;
	lim.pixels_max = c->qr_pixels;
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	char err[256] = "";
	enum qr_status r = qr_decode(o->data, o->len, &lim, texts, err, sizeof err);
	if (r == QR_TOO_LARGE)
		scan_limit(ctx, MAMORI_LIMIT_URLS, "urls.qr_pixels/qr_bytes: %s (%s)", o->path, err);
	for (guint i = 0; r == QR_OK && i < texts->len; i++) {
		const char *s = texts->pdata[i];
		struct url *u = url_parse(s, strlen(s));
		if (u == NULL || u->host == NULL) {	/* WIFI:, plain text, mailto: */
			url_free(u);
			continue;
		}
		url_free(u);
		struct place p = { .in = g_strdup(o->path), .how = "qr", .attachment = true };
		add_url(st, c, s, strlen(s), &p);
	}
	g_ptr_array_unref(texts);
}

static void
collect(struct scan_ctx *ctx, struct urls_state *st, const struct urls_conf *c)
{
	const struct content *cn = scan_content(ctx);
	const GPtrArray *links = cn != NULL ? content_links(cn) : NULL;
	guint li = 0;
	for (guint i = 0; cn != NULL && i < cn->texts->len; i++) {
		const struct content_text *t = cn->texts->pdata[i];
		/* the part's HTML links (content_links() is in text order),
		 * relative ones against its <base href> */
		const struct html_doc *hd = t->kind == CONTENT_HTML ? content_html(cn, t) : NULL;
		const char *base = hd != NULL ? hd->base : NULL;
		guint first = li;
		for (; links != NULL && li < links->len; li++) {
			const struct content_link *l = links->pdata[li];
			if (l->in != t)
				break;
			if (l->at == CONTENT_LINK_TEXT)
				continue;	/* read below, from the NFKC text */
			struct place p = {
				.in = g_strdup(l->in->source),
				.how = html_ref_name(l->attr),
				.text = l->text != NULL && l->text[0] != '\0' ? g_strdup(l->text) :
				    NULL,
				.attachment = l->in->origin == CONTENT_ATTACHMENT,
			};
			char *abs = base != NULL && !has_scheme(l->url) ?
			    g_uri_resolve_relative(base, l->url, G_URI_FLAGS_PARSE_RELAXED, NULL) :
			    NULL;
			const char *u = abs != NULL ? abs : l->url;
			add_url(st, c, u, strlen(u), &p);
			g_free(abs);
		}
		/* the URLs written in its text, read in its NFKC form (a
		 * full-width "ｈｔｔｐｓ：／／..." is a URL too), but for the
		 * displayed text of its own links */
		size_t n;
		struct text_ctx x = { st, c, t, links, first, li, NULL };
		char *cal = calendar_text(cn, t, &n);
		const char *s = cal != NULL ? cal : content_norm(cn, t, &n);
		content_find_urls(s, n, text_url, &x);
		if (x.shown != NULL)
			g_hash_table_unref(x.shown);
		g_free(cal);
	}
	if (cn != NULL && cn->links_dropped > 0)
		st->dropped += cn->links_dropped;
	const struct obj_tree *t = scan_objects(ctx);
	for (guint i = 0; t != NULL && i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		guint nu = o->urls != NULL ? o->urls->len : 0;
		if (nu > c->max_per_object || o->urls_dropped > 0)
			scan_limit(ctx, MAMORI_LIMIT_URLS, "urls.max_per_object(%u): %s, %u more URLs "
			    "not judged", c->max_per_object, o->path,
			    (unsigned)(nu > c->max_per_object ? nu - c->max_per_object : 0) +
			    o->urls_dropped);
		for (guint k = 0; k < nu && k < c->max_per_object; k++) {
			const char *s = g_ptr_array_index(o->urls, k);
			struct place p = { .in = g_strdup(o->path), .how = "object",
			    .attachment = true };
			add_url(st, c, s, strlen(s), &p);
		}
		if (c->qr && c->enabled && !scan_expired(ctx))
			qr_urls(ctx, st, c, o);
	}
}

/* ---- judging --------------------------------------------------------------- */

/* "URL (where)" for a symbol's option */
static char *
option_of(const struct uent *x)
{
	const struct place *p = &g_array_index(x->places, struct place, 0);
	size_t n = strlen(x->key);
	return g_strdup_printf("%.*s%s (%s)", (int)MIN(n, (size_t)OPTION_URL_MAX), x->key,
	    n > OPTION_URL_MAX ? "..." : "", p->in);
}

static void
fire(struct scan_ctx *ctx, struct uent *x, mamori_sym sym, const char *opt)
{
	char *o = opt == NULL ? option_of(x) : NULL;
	scan_add(ctx, sym, opt != NULL ? opt : o);
	g_free(o);
	for (guint i = 0; i < x->fired->len; i++)
		if (x->fired->pdata[i] == sym->name)
			return;
	g_ptr_array_add(x->fired, (gpointer)sym->name);
}

static bool
redirector(const struct urls_engine *e, const struct url *u)
{
	for (size_t i = 0; i < e->nredirs; i++) {
		const struct redirector *r = &e->redirs[i];
		if (strcmp(u->host, r->host) == 0 && g_str_has_prefix(u->path, r->path))
			return true;
	}
	return false;
}

/*
 * The URL a link's displayed text shows, parsed, or NULL: the text is one
 * web URL written with its scheme ("https://bank.example/login").  A bare
 * domain or "www." host is not taken: newsletters' click trackers show
 * their brand's domain so (13 of the 2,625 ham of the corpus's train
 * split), while a phishing link that shows a whole URL is the classic.
 */
static struct url *
shown_url(const char *text)
{
	while (g_ascii_isspace(*text))
		text++;
	size_t n = strlen(text);
	while (n > 0 && g_ascii_isspace(text[n - 1]))
		n--;
	if (n < 10 || n > URL_MAX || memchr(text, ' ', n) != NULL)
		return NULL;
	if (g_ascii_strncasecmp(text, "http://", 7) != 0 &&
	    g_ascii_strncasecmp(text, "https://", 8) != 0)
		return NULL;
	return open_url(text, n, NULL);
}

static void
mismatch(struct scan_ctx *ctx, struct uent *x)
{
	if (x->u == NULL || x->u->host == NULL)
		return;
	for (guint i = 0; i < x->places->len; i++) {
		const struct place *p = &g_array_index(x->places, struct place, i);
		if (p->text == NULL || strcmp(p->how, "href") != 0)
			continue;
		struct url *s = shown_url(p->text);
		if (s == NULL || s->host == NULL) {
			url_free(s);
			continue;
		}
		char *shown = url_registrable(s->host);
		if (strcmp(shown, x->domain) != 0) {
			char *opt = g_strdup_printf("%s -> %s (%s)", s->host, x->u->host, p->in);
			fire(ctx, x, SYM(PHISHING_LINK_MISMATCH), opt);
			g_free(opt);
			g_free(shown);
			url_free(s);
			break;
		}
		g_free(shown);
		url_free(s);
	}
}

static void
heuristics(struct scan_ctx *ctx, const struct urls_engine *e, const struct url_feeds *feeds,
    struct uent *x)
{
	const struct url *u = x->u;
	bool attach = false;
	for (guint i = 0; i < x->places->len; i++)
		attach |= g_array_index(x->places, struct place, i).attachment;
	if (u == NULL)
		return;
	bool web = strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0;
	if (attach && u->host != NULL) {
		for (guint i = 0; i < x->places->len; i++) {
			const struct place *p = &g_array_index(x->places, struct place, i);
			if (!p->attachment)
				continue;
			char *opt = g_strdup_printf("%.*s (%s)", OPTION_URL_MAX, x->key, p->in);
			fire(ctx, x, SYM(URL_IN_ATTACHMENT), opt);
			g_free(opt);
			break;
		}
	}
	for (guint i = 0; i < x->places->len; i++) {
		const struct place *p = &g_array_index(x->places, struct place, i);
		if (strcmp(p->how, "qr") != 0)
			continue;
		char *opt = g_strdup_printf("%.*s (%s)", OPTION_URL_MAX, x->key, p->in);
		fire(ctx, x, SYM(QR_CODE_URL), opt);
		g_free(opt);
		break;
	}
	if (feeds != NULL) {
		const char *entry = NULL;
		const char *name = url_feeds_match(feeds, u, &entry);
		if (name != NULL) {
			g_ptr_array_add(x->listed, g_strdup_printf("feed %s (%s)", name, entry));
			char *opt = g_strdup_printf("%s: %.*s (%s)", name, OPTION_URL_MAX, x->key,
			    g_array_index(x->places, struct place, 0).in);
			fire(ctx, x, SYM(URL_BLOCKLISTED), opt);
			g_free(opt);
		}
	}
	if (strcmp(u->scheme, "data") == 0) {
		if (url_data_active(u->raw, strlen(u->raw)))
			fire(ctx, x, SYM(URL_DATA_URI), NULL);
		return;
	}
	if (u->host == NULL)
		return;
	if (u->host_kind == URL_HOST_IPV4 || u->host_kind == URL_HOST_IPV6)
		fire(ctx, x, SYM(URL_IP_HOST), NULL);
	if (web && u->userinfo != NULL)
		fire(ctx, x, SYM(URL_USERINFO), NULL);
	char why[256];
	if (u->idn && url_homograph(u->host_unicode, why, sizeof why)) {
		char *opt = g_strdup_printf("%s: %s (%s)", u->host_unicode, why,
		    g_array_index(x->places, struct place, 0).in);
		fire(ctx, x, SYM(URL_HOMOGRAPH), opt);
		g_free(opt);
	}
	if (url_host_in(u->host, e->shorteners) != NULL)
		fire(ctx, x, SYM(URL_SHORTENER), NULL);
	bool via_google = false;
	for (guint i = 0; i < x->wrappers->len; i++)
		via_google |= strcmp(x->wrappers->pdata[i], "google") == 0;
	if (via_google || redirector(e, u))
		fire(ctx, x, SYM(URL_REDIRECTOR), NULL);
	mismatch(ctx, x);
}

/* ---- DNS lists ------------------------------------------------------------- */

struct dq {
	struct uent *x;
	size_t zone;
	char name[DNSBL_QNAME_MAX];
	char what[256];		/* the domain or IP asked about */
};

static void
dns_error(struct scan_ctx *ctx, GHashTable *errs, const char *zone, const char *why)
{
	if (g_hash_table_contains(errs, zone))
		return;
	g_hash_table_add(errs, (gpointer)zone);
	scan_addf(ctx, SYM(URL_DNS_ERROR), "%s: %s", zone, why);
}

static void
dns_lists(struct scan_ctx *ctx, const struct urls_engine *e, struct urls_state *st)
{
	const struct urls_conf *c = e->conf;
	if (e->nzones == 0)
		return;
	/* the registrable domains and IP hosts, once each, in order found */
	GHashTable *asked = g_hash_table_new(g_str_hash, g_str_equal);	/* borrowed */
	GArray *qs = g_array_new(FALSE, TRUE, sizeof(struct dq));
	bool cut = false;
	for (guint i = 0; i < st->list->len; i++) {
		struct uent *x = st->list->pdata[i];
		if (x->u == NULL || x->u->host == NULL || x->u->host_kind == URL_HOST_IPV6)
			continue;
		const char *what = x->domain;
		if (g_hash_table_contains(asked, what))
			continue;
		if (g_hash_table_size(asked) >= c->max_dns) {
			cut = true;
			break;
		}
		g_hash_table_add(asked, (gpointer)what);
		for (size_t z = 0; z < e->nzones; z++) {
			struct dq q = { .x = x, .zone = z };
			snprintf(q.what, sizeof q.what, "%s", what);
			if (x->u->host_kind == URL_HOST_IPV4) {
				if (!dnsbl_query_name(what, e->zones[z].zone, q.name, sizeof q.name))
					q.name[0] = '\0';
			} else if (snprintf(q.name, sizeof q.name, "%s.%s", what,
			    e->zones[z].zone) >= (int)sizeof q.name) {
				q.name[0] = '\0';
			}
			g_array_append_val(qs, q);
		}
	}
	if (cut)
		scan_limit(ctx, MAMORI_LIMIT_URLS, "urls.max_dns(%u)", c->max_dns);
	size_t n = qs->len;
	struct dns_query *dq = g_new0(struct dns_query, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++)
		dq[i] = (struct dns_query){ .name = g_array_index(qs, struct dq, i).name,
		    .type = DNS_T_A };
	struct dns_ctx *dns = scan_dns_new(ctx);
	dns_lookup_many(dns, dq, n);
	dns_ctx_free(dns);
	GHashTable *errs = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < n; i++) {
		struct dq *q = &g_array_index(qs, struct dq, i);
		const struct dnsbl_zone *z = &e->zones[q->zone];
		struct dns_answer *a = dq[i].answer;
		switch (a->status) {
		case DNS_OK:
			for (size_t r = 0; r < a->n; r++) {
				if (a->rr[r].type != DNS_T_A)
					continue;
				char txt[INET_ADDRSTRLEN];
				inet_ntop(AF_INET, &a->rr[r].u.a, txt, sizeof txt);
				uint32_t code = ntohl(a->rr[r].u.a.s_addr);
				if (dnsbl_code_refused(code)) {
					char why[64];
					snprintf(why, sizeof why, "refused (%s)", txt);
					dns_error(ctx, errs, z->zone, why);
					continue;
				}
				if (!dnsbl_code_in_range(code)) {
					char why[64];
					snprintf(why, sizeof why, "answer %s outside 127.0.0.0/8", txt);
					dns_error(ctx, errs, z->zone, why);
					continue;
				}
				size_t idx[MATCH_MAX];
				size_t m = dnsbl_zone_match(z, code, idx, MATCH_MAX);
				g_ptr_array_add(q->x->listed, g_strdup_printf("%s (%s)", z->zone, txt));
				for (size_t k = 0; k < m && k < MATCH_MAX; k++) {
					char *opt = g_strdup_printf("%s (%s)", q->what, txt);
					fire(ctx, q->x, e->zsyms[q->zone][idx[k]], opt);
					g_free(opt);
				}
			}
			break;
		case DNS_NXDOMAIN:
		case DNS_NODATA:
			break;
		case DNS_TEMPFAIL:
			dns_error(ctx, errs, z->zone, "no answer (timeout or server failure)");
			break;
		case DNS_BUDGET:
			dns_error(ctx, errs, z->zone, "not asked (lookup budget or scan time spent)");
			break;
		case DNS_BADNAME:
		default:
			dns_error(ctx, errs, z->zone, "bad query name");
			break;
		}
		dns_answer_free(a);
	}
	g_hash_table_unref(errs);
	g_free(dq);
	g_array_free(qs, TRUE);
	g_hash_table_unref(asked);
}

/*
 * The feeds for this scan (a reference), reloaded first when
 * urls.feeds_refresh_s passed and a file changed: by one scan, the others
 * go on with the feeds they have; a failed reload keeps them (and says so
 * on stderr once per attempt).
 */
static struct feeds_ref *
feeds_for_scan(struct urls_engine *e)
{
	if (e->nspecs == 0)
		return NULL;
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&e->lock);
	struct feeds_ref *r = e->feeds;
	g_atomic_int_inc(&r->refs);
	bool due = !e->reloading &&
	    now - e->checked_us >= (gint64)e->conf->feeds_refresh_s * G_USEC_PER_SEC;
	if (due) {
		e->reloading = true;
		e->checked_us = now;
	}
	g_mutex_unlock(&e->lock);
	if (!due || !url_feeds_changed(r->f)) {
		if (due) {
			g_mutex_lock(&e->lock);
			e->reloading = false;
			g_mutex_unlock(&e->lock);
		}
		return r;
	}
	char why[512];
	struct url_feeds *f = url_feeds_load(e->specs, e->nspecs, why, sizeof why);
	struct feeds_ref *fresh = NULL;
	if (f != NULL) {
		fresh = g_new0(struct feeds_ref, 1);
		fresh->refs = 2;	/* the engine's and this scan's */
		fresh->f = f;
	} else {
		g_printerr("mamori: urls.feeds: reload failed, the feeds loaded before stay: %s\n",
		    why);
	}
	g_mutex_lock(&e->lock);
	if (fresh != NULL) {
		struct feeds_ref *old = e->feeds;
		e->feeds = fresh;
		feeds_unref(old);	/* the engine's reference */
	}
	e->reloading = false;
	g_mutex_unlock(&e->lock);
	if (fresh != NULL) {
		feeds_unref(r);	/* this scan's reference to the old */
		r = fresh;
	}
	return r;
}

static void
run(struct scan_ctx *ctx)
{
	const struct urls_conf *c = scan_module_conf(ctx);
	const struct urls_engine *e = scan_module_engine(ctx);
	struct urls_state *st = scan_module_state(ctx);

	st->list = g_ptr_array_new_with_free_func(uent_free);
	st->by_key = g_hash_table_new(g_str_hash, g_str_equal);
	collect(ctx, st, c);
	if (st->dropped > 0)
		scan_limit(ctx, MAMORI_LIMIT_URLS, "urls.max_urls(%u): %u more links not judged",
		    c->max_urls, st->dropped);
	if (!c->enabled) {
		st->skipped = "urls.enabled is false";
		return;
	}
	st->judged = true;
	struct feeds_ref *fr = feeds_for_scan((struct urls_engine *)e);
	for (guint i = 0; i < st->list->len && !scan_expired(ctx); i++)
		heuristics(ctx, e, fr != NULL ? fr->f : NULL, st->list->pdata[i]);
	feeds_unref(fr);
	dns_lists(ctx, e, st);
}

/* ---- report ---------------------------------------------------------------- */

static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct urls_state *st = scan_module_state(ctx);

	jw_arr(w, key);
	for (guint i = 0; st->list != NULL && i < st->list->len; i++) {
		const struct uent *x = st->list->pdata[i];
		jw_obj(w, NULL);
		jw_str(w, "url", x->key);
		if (x->u != NULL && x->u->host != NULL) {
			jw_str(w, "host", x->u->host);
			if (x->u->host_unicode != NULL)
				jw_str(w, "host_unicode", x->u->host_unicode);
			jw_str(w, "domain", x->domain);
		}
		if (x->u == NULL)
			jw_bool(w, "parsed", false);
		jw_arr(w, "original");
		for (guint k = 0; k < x->forms->len; k++)
			jw_str(w, NULL, x->forms->pdata[k]);
		jw_arr_end(w);
		if (x->wrappers->len > 0) {
			jw_arr(w, "unwrapped_from");
			for (guint k = 0; k < x->wrappers->len; k++)
				jw_str(w, NULL, x->wrappers->pdata[k]);
			jw_arr_end(w);
		}
		jw_arr(w, "found");
		for (guint k = 0; k < x->places->len; k++) {
			const struct place *p = &g_array_index(x->places, struct place, k);
			jw_obj(w, NULL);
			jw_str(w, "in", p->in);
			jw_str(w, "as", p->how);
			if (p->text != NULL)
				jw_str(w, "text", p->text);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		if (x->nplaces > x->places->len)
			jw_int(w, "found_more", x->nplaces - x->places->len);
		if (x->listed->len > 0) {
			jw_arr(w, "listed");
			for (guint k = 0; k < x->listed->len; k++)
				jw_str(w, NULL, x->listed->pdata[k]);
			jw_arr_end(w);
		}
		if (x->fired->len > 0) {
			jw_arr(w, "symbols");
			for (guint k = 0; k < x->fired->len; k++)
				jw_str(w, NULL, x->fired->pdata[k]);
			jw_arr_end(w);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static const char *const report_keys[] = { "urls", NULL };

const struct mamori_module module_urls = {
	.name = "urls",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("urls", keys, struct urls_conf, check_conf),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.state_size = sizeof(struct urls_state),
	.state_free = state_free,
	.run = run,
	.report_keys = report_keys,
	.report = report,
	.engine_summary = engine_summary,
};
