/*
 * tokenize.h - the features of one message for the spam classifier
 * (docs/spam.md): what the statistical model (src/spam/model.h) counts
 * and weighs.
 *
 * Every feature is a 64-bit hash of a UTF-8 name that starts with its
 * family's prefix, so that a word of the Subject and the same word of the
 * body are two features, and the stored model stays valid across releases
 * as long as a name does not change meaning.  The hash is XXH3 (seed 0) of
 * the name, but for the two families with most features per message,
 * which are hashed without building a name: a sparse bigram combines the
 * hashes of its two words' "w:" names, a byte 4-gram is mixed as a 32-bit
 * number (spam_osb_hash(), spam_bytes_hash()).
 *
 *   family            prefix  name after the prefix
 *   body words        "w:"    a word of the visible text of every text and
 *                             HTML part (body parts and text attachments:
 *                             content.h), NFKC, case-folded; words from
 *                             ICU's word break iterator (dictionary
 *                             segmentation for Japanese and Chinese;
 *                             ASCII chunks by a fast path that gives the
 *                             same words: spam_text_words())
 *   subject words     "s:"    the same over the Subject
 *   sparse bigrams    "o1:".."o4:"  orthogonal sparse bigrams of the body
 *                             words: "a b" for the word b that follows a
 *                             at distance 1..4 (the distance is in the
 *                             prefix)
 *   CJK n-grams       "c:"    character bigrams of runs of Han, Hiragana,
 *                             Katakana and Hangul, where word segmentation
 *                             is weak
 *   headers           "h:"    selected sender-side header tokens, from
 *                             these headers only:
 *                               From        "h:fromdom:DOMAIN",
 *                                           "h:fromname:WORD" (display
 *                                           name, at most 16 words)
 *                               Reply-To    "h:replyto:DOMAIN",
 *                                           "h:replyto:=from" / "!=from",
 *                                           "h:replyto:absent"
 *                               Message-ID  "h:msgid:DOMAIN" (right-hand
 *                                           side) or "h:msgid:none", only
 *                                           with SPAM_TOK_MSGID
 *                               X-Mailer, User-Agent  "h:mailer:LETTERS"
 *                                           (lower case, digits and
 *                                           punctuation dropped),
 *                                           "h:mailerw:FIRSTWORD",
 *                                           "h:mailer:none"
 *                               List-Id     "h:listid:ID"
 *                               Precedence  "h:prec:VALUE"
 *                               Content-Type  "h:charset:CHARSET" per
 *                                           text part; "h:mime:" the MIME
 *                                           tree, e.g. "multipart/
 *                                           alternative(text/plain,
 *                                           text/html)" (256 bytes);
 *                                           "h:top:TYPE"
 *                             and "h:att:TYPE", the true type of every
 *                             object of the tree (t)
 *   body bytes        "b:"    byte 4-grams of the body as it came, from
 *                             after the header block, carriage returns
 *                             skipped, the first bytes_max bytes (the
 *                             transfer encoding and markup included; the
 *                             name "b:" and 8 hex digits)
 *   URL hosts         "u:"    the host of every link (content_links()),
 *                             lower case ("u:www.example.co.uk"), its
 *                             registrable domain by the public suffix list
 *                             when it differs ("u:.example.co.uk"), and
 *                             "u:<ip>" for an address
 *
 * A number of more than 4 characters becomes its shape: "#" and the length
 * of each run of digits, separators kept ("w:#1,3,3" for 1,000,000).
 *
 * Headers the receiving site adds are never features: Received,
 * Delivered-To, X-Original-To, Return-Path, X-Spam-*, Authentication-
 * Results, X-Virus-*, ... (a gateway sees the mail before they exist, and
 * in a corpus they leak the label).  Only the headers named above are
 * read.
 *
 * Bounded: at most text_max bytes of text per part and tokens_max words
 * per message are read (the Subject's first), and a word longer than
 * word_max bytes is skipped (one "w:<long>" feature says so); the result
 * says whether a limit cut the input.  Header values are read up to 128
 * bytes.  Every name is valid UTF-8, whatever the input.
 *
 * Thread-safe: each thread keeps its own ICU break iterator.
 */
#ifndef MAMORI_SPAM_TOKENIZE_H
#define MAMORI_SPAM_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct mime_message;
struct content;
struct obj_tree;

/* Feature families, for spam_tok_opts.families (all by default). */
enum {
	SPAM_TOK_WORDS = 1u << 0,	/* "w:" */
	SPAM_TOK_SUBJECT = 1u << 1,	/* "s:" */
	SPAM_TOK_OSB = 1u << 2,		/* "o1:".."o4:" */
	SPAM_TOK_CJK = 1u << 3,		/* "c:" */
	SPAM_TOK_HEADERS = 1u << 4,	/* "h:" */
	SPAM_TOK_URLS = 1u << 5,	/* "u:" */
	SPAM_TOK_MSGID = 1u << 6,	/* "h:msgid:" (with SPAM_TOK_HEADERS) */
	SPAM_TOK_BYTES = 1u << 7,	/* "b:" (needs the raw message) */
	SPAM_TOK_ALL = (1u << 8) - 1,
};

struct spam_tok_opts {
	unsigned families;	/* SPAM_TOK_* */
	size_t text_max;	/* bytes of normalised text read per part */
	unsigned tokens_max;	/* words per message (body and subject) */
	size_t word_max;	/* bytes of one word */
	unsigned osb_dist;	/* the largest OSB distance, 0..4 ("o1:" only
				 * with 1; none with 0) */
	unsigned second;	/* SPAM_TOK_OSB, SPAM_TOK_BYTES: families for
				 * the second stage only (spam_features.x),
				 * when not in families */
	size_t bytes_max;	/* body bytes read for "b:" */
	bool names;		/* keep the names (tests, `mamori learn --dump`) */
	/* A hint that changes no feature: each hash h emitted is followed by
	 * a prefetch of prefetch_w[(uint32_t)h & prefetch_mask], the weight
	 * the classifier reads for h right after (spam_model_lr_weights()),
	 * so that those cache misses overlap with the tokeniser's own work.
	 * NULL: none. */
	const float *prefetch_w;
	uint32_t prefetch_mask;
};

/* every family; 256 KiB per part, 20000 words, 64-byte words, OSB
 * distances 1..4, 3000 body bytes, no names */
extern const struct spam_tok_opts spam_tok_defaults;

struct spam_features {
	GArray *h;		/* uint64_t, sorted ascending, no duplicates */
	GArray *x;		/* uint64_t, no duplicates, in the order first
				 * seen: the families in opts.second, what only
				 * the second stage reads */
	GPtrArray *names;	/* with opts.names: char *, one per name
				 * emitted (duplicates kept, in order), else NULL */
	unsigned nwords;	/* words read (body and subject) */
	bool truncated;		/* a limit cut the input */
};

/*
 * The features of a message: msg for the headers, c for the text and
 * links (content.h; its texts are read through content_norm()), t (may be
 * NULL) for the attachments' true types, raw[0..raw_len) (may be NULL) the
 * message as it came, for "b:".  Never NULL; free with
 * spam_features_free().
 */
struct spam_features *spam_tokenize(const struct mime_message *msg,
    const struct content *c, const struct obj_tree *t, const uint8_t *raw,
    size_t raw_len, const struct spam_tok_opts *opts);
void spam_features_free(struct spam_features *f);

/* The hash of one feature name (with its prefix), as spam_tokenize()
 * computes it (XXH3 of the name; "b:" and "o1:".."o4:" names as below). */
uint64_t spam_feature_hash(const char *name, size_t len);
/* The hash of the byte 4-gram g (its first byte the highest; by name "b:"
 * and its 8 hex digits): murmur3's finaliser of 'b' << 32 | g. */
uint64_t spam_bytes_hash(uint32_t g);
/* The hash of the sparse bigram "oD:a b" from the hashes of "w:a" and
 * "w:b" (no string is built or hashed per bigram). */
uint64_t spam_osb_hash(uint64_t a, uint64_t b, unsigned d);

/*
 * The words of s[0..len) (char *, case-folded, in order, before the
 * number shapes), as spam_tokenize() segments a text: ASCII chunks by its
 * own rules, the rest by ICU; icu_only: everything by ICU.  For the tests
 * and the fuzz target, which check that both paths agree on ASCII text.
 */
GPtrArray *spam_text_words(const char *s, size_t len, bool icu_only);

#endif
