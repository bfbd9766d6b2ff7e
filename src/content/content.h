/*
 * content.h - the content of one scan, computed once and read by every
 * check: for every text part and HTML part of the message (body parts and
 * attachments) its visible text, with its source, and its links; and the
 * password candidates of the scan.
 *
 * The scan driver builds it in two steps around the object tree (the tree
 * decrypts attachments with the candidates, which come from the body's
 * text): content_new() from the parsed message (the body parts) before
 * the modules' prepare(), where the PPAP module reads the body's text and
 * hands back its candidates (content_set_passwords()), then
 * content_add_objects() once the tree is built (the HTML and text
 * attachments, whose HTML the tree's analyser parsed: mobj.html).
 * Modules get it as a const pointer borrowed for the scan (scan_content()
 * in core/module.h) and never free it.
 *
 * Each HTML part is parsed at most once per scan, by html/extract.h: a
 * body part on the first read of its text or links (most mail is never
 * asked for the text of its HTML: PPAP discovery only reads a part that may
 * mention a password), an attachment by the object tree's analyser, whose
 * parse is reused.  Reads fill these caches behind the const pointer: a
 * struct content belongs to one scan, on one thread.
 */
#ifndef MAMORI_CONTENT_CONTENT_H
#define MAMORI_CONTENT_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "html/extract.h"

struct mime_message;
struct mime_part;
struct mobj;
struct obj_tree;
struct pw_list;

struct content_limits {
	struct html_limits html;	/* per HTML part (body parts) */
	size_t text_max;	/* bytes of a text attachment read */
	unsigned links_max;	/* links per scan */
};

/* 256 KiB of a text attachment, 5000 links; .html is not set: content_new()
 * with NULL limits uses html_limits_default */
extern const struct content_limits content_limits_default;

enum content_kind {
	CONTENT_PLAIN,		/* text/plain (body), plain text (attachment) */
	CONTENT_HTML,		/* text/html (body), HTML, HTA, SVG (attachment) */
};

enum content_origin {
	CONTENT_BODY,		/* a text part of the message itself */
	CONTENT_ATTACHMENT,	/* an object of the tree */
};

struct content_text {
	enum content_kind kind;
	enum content_origin origin;
	char *source;		/* "text part 1", "html part 2", or the
				 * object's path ("mail.zip/a.html") */
	const struct mime_part *part;	/* body: the MIME part, else NULL */
	const struct mobj *obj;		/* attachment: the object, else NULL */
	const char *raw;	/* what the text is read from: the part's
				 * UTF-8 text, or the object's bytes */
	size_t raw_len;
	/* filled on first read: use content_text() and content_norm() */
	bool loaded;
	const char *text;	/* visible text, UTF-8, line breaks kept */
	size_t len;
	char *owned;		/* what text points into, when it is a copy */
	struct html_doc *html;	/* HTML: the one parse (borrowed from the
				 * object for an attachment) */
	bool html_owned;
	char *norm;		/* NFKC, blanks folded: content_norm() */
	size_t norm_len;
};

enum content_link_at {
	CONTENT_LINK_TEXT,	/* a URL written in plain text */
	CONTENT_LINK_HTML,	/* an attribute or meta refresh of HTML */
};

struct content_link {
	char *url;		/* as written */
	char *text;		/* displayed text (<a href>), or NULL */
	enum content_link_at at;
	enum html_ref attr;	/* CONTENT_LINK_HTML: which attribute */
	const struct content_text *in;	/* where: its source, part or object */
};

struct content {
	const struct mime_message *msg;
	struct content_limits lim;
	GPtrArray *texts;	/* struct content_text *: body parts in MIME
				 * order, then attachments in tree order */
	unsigned n_body;	/* the first n_body texts are body parts */
	GPtrArray *links;	/* struct content_link *: content_links() */
	unsigned links_dropped;	/* past links_max */
	const struct pw_list *passwords;	/* the scan's candidates, or NULL */
	bool password_notice;	/* the text reads as a PPAP password mail */
};

/* The body's text parts of msg (nothing is parsed yet); lim NULL: the
 * defaults.  Never NULL. */
struct content *content_new(const struct mime_message *msg,
    const struct content_limits *lim);

/* The HTML (mobj.html) and plain text objects of the tree, in tree order. */
void content_add_objects(struct content *c, const struct obj_tree *t);

/* The candidates (borrowed: they live as long as the scan). */
void content_set_passwords(struct content *c, const struct pw_list *l,
    bool notice);

void content_free(struct content *c);

/*
 * The visible text of t (an HTML body part is parsed on the first call),
 * *len its length; valid UTF-8 except for NULs a plain part may hold.
 */
const char *content_text(const struct content *c, const struct content_text *t,
    size_t *len);

/* The parse of an HTML text (made on the first call), or NULL for plain
 * text. */
const struct html_doc *content_html(const struct content *c,
    const struct content_text *t);

/*
 * The text normalised for matching: NFKC (lines of ASCII as they are),
 * each run of blanks one space, lines trimmed, empty lines dropped.
 */
const char *content_norm(const struct content *c, const struct content_text *t,
    size_t *len);

/*
 * True when NFKC leaves s[0..n) (valid UTF-8) as it is, by ICU's data:
 * every character is ASCII, or has canonical combining class 0 and
 * NFKC_Quick_Check Yes (a "YES" of UAX #15's quick check), so that no
 * character changes and none composes with its neighbour.  content_norm()
 * then skips GLib's normalisation of the line (most non-ASCII lines:
 * accented Latin, Japanese); false says nothing.
 */
bool content_nfkc_inert(const char *s, size_t n);

/*
 * The URLs written in text s[0..n) ("http://", "https://", "ftp://" and
 * "www." where a word starts, up to a blank or a quote, trailing
 * punctuation left out): fn(url, len, arg) for each, in order, until it
 * returns false.  content_links() finds those of the plain parts so.
 */
typedef bool (*content_url_fn)(const char *url, size_t len, void *arg);
void content_find_urls(const char *s, size_t n, content_url_fn fn, void *arg);

/* Every link of every text, in text order (parses what is not yet). */
const GPtrArray *content_links(const struct content *c);

#endif
