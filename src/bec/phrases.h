/*
 * phrases.h - the payment-change dictionary (BEC_PAYMENT_CHANGE): wording
 * that asks to change bank details, to pay to a new account or to buy
 * gift cards, and wording that presses for haste, in Japanese and
 * English.  The phrases are data (rules/bec-phrases.txt, installed in
 * ${datadir}/mamori/rules/), not code.
 *
 * File: one phrase a line, "CATEGORY PHRASE" (the phrase is the rest of
 * the line, inner blanks kept); '#' starts a comment line; blank lines are
 * skipped.  The categories:
 *   bank-change   change of bank details, a new account, a wire to make
 *   gift-card     buying gift or prepaid cards, sending their codes
 *   urgent        haste or secrecy
 * Another category, a phrase shorter than 2 bytes (normal form) or longer
 * than BEC_PHRASE_MAX bytes (as written), invalid
 * UTF-8, more than BEC_PHRASES_MAX phrases or a file over
 * BEC_PHRASES_FILE_MAX bytes is an error (with the line number).
 *
 * Normal form, of the phrases at load and of the text at match: NFKC
 * (phrases; the text is given in NFKC, content_norm()), lower case
 * (g_unichar_tolower), and a run of blanks (Unicode white space, U+3000)
 * removed where a character on either side is not ASCII ("振込先を\n変更"
 * is "振込先を変更", "iTunes カード" is "itunesカード"), else one space
 * ("new\n bank  account" is "new bank account").  A phrase that starts
 * (ends) with an ASCII letter or digit matches only where the text has no
 * ASCII letter or digit before (after) it: "urgent" is not in
 * "urgently", list both.
 *
 * The rule (bec_phrases_match() true): at least one bank-change or
 * gift-card phrase, AND either an urgent phrase or a second payment
 * phrase (bank-change or gift-card) whose first occurrence does not
 * overlap the first one's ("振込口座変更" holding "口座変更" is one).
 * An invoice alone ("請求書を送付します") has none of them.
 *
 * Cost: the text is folded once (one pass, ASCII by a table), then
 * scanned once by a Hyperscan literal database of the phrases' normal
 * forms (built at load; each thread keeps one scratch space, grown to fit
 * every dictionary it used): linear in len (bench/bec-bench.c).  Texts
 * are read up to BEC_PHRASES_TEXT_MAX bytes; the caller bounds len
 * further.
 */
#ifndef MAMORI_BEC_PHRASES_H
#define MAMORI_BEC_PHRASES_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#define BEC_PHRASES_MAX 1000
#define BEC_PHRASE_MAX 200
#define BEC_PHRASES_FILE_MAX (256 * 1024)
#define BEC_PHRASES_TEXT_MAX (64u * 1024u * 1024u)	/* bytes of a text read */

struct bec_phrases;

/* The dictionary of path, or NULL with the reason in err. */
struct bec_phrases *bec_phrases_load(const char *path, char *err, size_t errlen);

/* The same from a buffer (the file's text); name is for the messages. */
struct bec_phrases *bec_phrases_parse(const char *data, size_t len, const char *name,
    char *err, size_t errlen);

void bec_phrases_free(struct bec_phrases *p);

/* How many phrases were loaded. */
unsigned bec_phrases_count(const struct bec_phrases *p);

/*
 * Whether text[0..len) (UTF-8, NFKC) meets the rule above (false, too,
 * when Hyperscan's scratch space cannot be allocated).  hits, when
 * not NULL, gets one g_strdup'ed "category: phrase" (the phrase as the
 * file writes it) per phrase found, in the file's order, whether or not
 * the rule is met (give it g_free as its free function).
 */
bool bec_phrases_match(const struct bec_phrases *p, const char *text, size_t len,
    GPtrArray *hits);

/*
 * The shipped dictionary: the installed one
 * (${datadir}/mamori/rules/bec-phrases.txt) when it exists, else the
 * source tree's (a build that is not installed).
 */
const char *bec_phrases_default_path(void);

#endif
