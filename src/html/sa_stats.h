/*
 * sa_stats.h - the statistics SpamAssassin's HTML.pm collects of an HTML
 * part (its "html" results: tag counts, the balance of each tag, the
 * obfuscation ratio, font sizes and colours, image areas, titles,
 * comments, anchor texts ...), which its HTMLEval plugin's rules read
 * (src/spam/sa_eval_html.c).
 *
 * SpamAssassin runs Perl's HTML::Parser, a tokenizer: it counts every
 * start and end tag as written, in source order.  mamori parses HTML once,
 * with gumbo (extract.h), which builds a tree and drops what does not fit
 * in it.  html_sa_collect() rebuilds the token stream from that tree
 * without parsing again: every element's start and end tag as written
 * (original_tag, original_end_tag: tags gumbo implied have none; an end
 * tag gumbo turned into an element, </br> or </p>, is still an end tag),
 * every text and comment node, each at its offset in the source, sorted;
 * what gumbo dropped (a stray end tag, a second <body>, a doctype) lies in
 * the source between those pieces, or inside a text node's source span,
 * and is read there with a small tag scanner.  The stream is then replayed
 * through SpamAssassin's handlers (HTML.pm html_tag, html_text,
 * text_style ...).  Bounded by the tags and text of the parse.
 */
#ifndef MAMORI_HTML_SA_STATS_H
#define MAMORI_HTML_SA_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

struct html_sa {
	/* HTML.pm's counters: every start and end tag (and <!doctype>),
	 * those of known elements, the distinct names among both, end tags
	 * with nothing open, text chunks that continue a word */
	unsigned tags, elements, tags_seen, elements_seen, closed_extra, obfuscation;
	/* tag name (lower case) -> start tags minus end tags, never below 0
	 * (GINT_TO_POINTER(n + 1): 0 is absence); "!doctype" -> 0 */
	GHashTable *inside;
	double image_area;	/* <img width height>: the sum of the areas */
	double max_size, min_size;	/* font sizes (3 when none) */
	size_t length;		/* characters of the document */
	size_t crlf;		/* CR LF pairs in it (SpamAssassin's decoded
				 * text parts have LF line ends) */
	size_t non_space_len;	/* characters of its rendered text, blanks aside */
	/* texts: char * (valid UTF-8) */
	GPtrArray *comments;	/* "<!-- ... -->" as written */
	GPtrArray *titles;	/* each <title>'s text */
	GPtrArray *anchors;	/* each <a>'s text, "<img>\n" for an image */
	GPtrArray *scripts;	/* text inside <script> */
	char *charsets;		/* <meta http-equiv=Content-Type> charsets, each after a space (as HTML.pm),
				 * space-separated, or NULL */
	/* HTML.pm's tests (html_test) */
	bool font_low_contrast, font_invalid_color, font_face_bad, form_action_mailto, embeds;
	bool iframe_src;	/* an <iframe src> (a URI of type iframe) */
	bool cut;		/* the parse saw only part of the document */
};

struct GumboInternalNode;

/*
 * The statistics of the document src[0..input_len) whose first parsed
 * bytes gumbo parsed into the tree root.  Never NULL.
 */
struct html_sa *html_sa_collect(const struct GumboInternalNode *root, const char *src,
    size_t parsed, size_t input_len);

/* The value of an HTML.pm result named name, as html_range() and
 * html_eval() read it: false when SpamAssassin leaves it undefined. */
bool html_sa_value(const struct html_sa *s, const char *name, double *v);

/* The balance of tag (lower case), false when the tag never came. */
bool html_sa_inside(const struct html_sa *s, const char *tag, int *n);

void html_sa_free(struct html_sa *s);

/* HTML.pm's name_to_rgb(): "#rrggbb" or "invalid", in out[12]. */
void html_sa_name_to_rgb(const char *color, char out[12]);

#endif
