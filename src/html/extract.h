/*
 * extract.h - one bounded gumbo pass over an HTML document (a text/html
 * body part, an HTML, HTA or SVG attachment) and everything the rest of
 * mamori reads from it: the visible text, the links with their displayed
 * text, and what the HTML analyser judges from (src/objects/html.c: the
 * elements that name a resource, forms and password fields, script text).
 *
 * This is the only place that parses HTML: the content layer
 * (src/content/) keeps one struct html_doc per HTML part for the whole scan,
 * so no part is parsed twice.  Below the object tree: it knows neither
 * messages nor objects, only bytes and limits.
 *
 * Bounds (struct html_limits; html_limits_default holds the values the two
 * former pipelines used): gumbo builds the whole tree, one allocation per
 * node, and some of its tree-construction steps walk the stack of open
 * elements, so deep nesting costs time quadratic in the number of tags.
 * At most input_max bytes and tags_max tags (a '<' followed by a letter,
 * '/', '!' or '?', counted before parsing) are given to gumbo; the rest is
 * not read and html_doc.parsed says so.  The tree is walked with an
 * explicit stack; visible text, script text and links are capped.
 */
#ifndef MAMORI_HTML_EXTRACT_H
#define MAMORI_HTML_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "sa_stats.h"

struct html_limits {
	size_t input_max;	/* bytes given to gumbo */
	unsigned tags_max;	/* tags given to gumbo */
	size_t text_max;	/* bytes of visible text kept */
	size_t script_max;	/* bytes of script text kept (js, load) */
	unsigned links_max;	/* links kept */
	size_t link_text_max;	/* bytes of a link's displayed text */
	/* true: skip SpamAssassin's HTML statistics (html_doc.sa is then
	 * those of an empty document); they cost about a fifth of a parse */
	bool no_sa_stats;
};

/* 8 MiB, 16384 tags, 256 KiB of text, 8 MiB of script, 1000 links of 1 KiB */
extern const struct html_limits html_limits_default;

/* The attributes that name a resource, in the order they are read. */
enum html_ref {
	HTML_REF_HREF,
	HTML_REF_SRC,
	HTML_REF_ACTION,
	HTML_REF_DATA,
	HTML_REF_FORMACTION,
	HTML_REF_BACKGROUND,
	HTML_REF_POSTER,
	HTML_REF_XLINK_HREF,
	HTML_REF_COUNT,
	HTML_REF_REFRESH = HTML_REF_COUNT,	/* a link: <meta http-equiv=refresh> */
};

/* "href", "src" ... "xlink:href", "refresh" */
const char *html_ref_name(enum html_ref r);

/* A link of the document, in document order. */
struct html_link {
	char *url;		/* as written (the attribute value as parsed) */
	char *text;		/* <a href>: its visible text, blanks folded; else NULL */
	enum html_ref attr;	/* which attribute (or the meta refresh) */
};

enum html_tag {
	HTML_TAG_OTHER,
	HTML_TAG_A,
	HTML_TAG_META,
};

/*
 * An element with a resource attribute or a meta refresh, in document
 * order, for the analyser (every one, not capped: tags_max bounds them).
 */
struct html_elem {
	enum html_tag tag;
	char *refs[HTML_REF_COUNT];	/* attribute values, or NULL when absent */
	char *download;		/* the download attribute, or NULL when absent */
	char *refresh;		/* <meta http-equiv=refresh>: its content, or NULL */
};

/* A <form>, in the order its start tag comes. */
struct html_form {
	char *action;		/* NULL: no action attribute */
	unsigned passwords;	/* password fields inside (innermost form) */
	bool email;		/* an email or login field inside */
};

/* Where the text of a text node starts: see html_doc_text_upto(). */
struct html_mark {
	size_t src;		/* offset of the node in the input */
	size_t text;		/* length of the visible text before it */
};

struct html_doc {
	size_t input_len;	/* bytes handed in */
	size_t parsed;		/* bytes given to gumbo (< input_len: cut) */
	/* visible text: valid UTF-8, a line break around block elements,
	 * script, style, head, template, noscript and object left out */
	GString *text;
	GArray *marks;		/* struct html_mark, in text order */
	GPtrArray *links;	/* struct html_link * */
	char *base;		/* the first <base href>, as written, or NULL */
	unsigned links_dropped;	/* past links_max */
	/* for the analyser (html_doc_drop_analysis() frees them) */
	GArray *elems;		/* struct html_elem */
	GArray *forms;		/* struct html_form */
	unsigned passwords;	/* password fields outside any form */
	bool emails;		/* an email or login field outside any form */
	GString *js;		/* script text, event handlers, javascript: URLs */
	GString *load;		/* what runs on load: <script>, onload, onerror */
	/* SpamAssassin's HTML statistics of the document (sa_stats.h) */
	struct html_sa *sa;
};

/*
 * Parse len bytes of HTML (any bytes: gumbo decodes them as UTF-8 and
 * repairs) within lim (NULL: html_limits_default).  Never NULL.
 */
struct html_doc *html_doc_parse(const char *html, size_t len,
    const struct html_limits *lim);

/* Free what only the analyser reads (elems, forms, js, load). */
void html_doc_drop_analysis(struct html_doc *d);

void html_doc_free(struct html_doc *d);

/*
 * The length of the visible text that comes from the first src bytes of
 * the input: the text up to the first text node that starts at or after
 * src (what a reader bounded to a prefix of the document reads).
 */
size_t html_doc_text_upto(const struct html_doc *d, size_t src);

/*
 * How much of p to parse: at most input_max bytes and tags_max tags.
 */
size_t html_parse_len(const char *p, size_t len, const struct html_limits *lim);

/*
 * The URL of a meta refresh content ("5; url='https://...'"): a pointer
 * into content and its length, or NULL when there is none.
 */
const char *html_refresh_url(const char *content, size_t *n);

/*
 * gumbo parses done by this thread so far: tests check that a scan parses
 * each HTML part once.
 */
unsigned long html_parse_count(void);

#endif
