/*
 * quote.h - the earlier messages a mail's body quotes, and their authors
 * (for THREAD_HIJACK: a reply that quotes a message whose author has the
 * sender's display name but another domain).  No mail knowledge beyond
 * the text: the caller gives the decoded body text (UTF-8), as written or
 * in its NFKC form (content_norm()); both are read the same way.
 *
 * The text is read line by line (LF, an optional CR before it); each
 * line first loses its quote markers ('>' or full-width '＞', with blanks
 * between them: their count is the depth) and its leading and trailing
 * blanks (space, tab, U+3000, U+00A0).  Then a line is one of:
 *
 *   header block   a "From:" line (English "From", Japanese "差出人"; the
 *                  key case-insensitive, in '*' for bold as Gmail writes
 *                  HTML bold in plain text, the colon ':' or '：', blanks
 *                  before it allowed) is a quoted message's header only
 *                  when one of the next 3 non-blank lines (6 lines at
 *                  most), at the same depth, is another header line:
 *                  Sent, Date, To, Cc, Subject, Reply-To, 送信日時,
 *                  日付, 宛先, 件名, CC.  A lone "From: the editor" in a
 *                  newsletter is not a quote.  The form says what came
 *                  before it (within 6 lines, same depth):
 *                    "outlook-en"  "-----Original Message-----"
 *                    "outlook-365" a line of 10 or more '_'
 *                    "forward"     "-------- Forwarded Message --------"
 *                                  (Thunderbird), "---------- Forwarded
 *                                  message ---------" (Gmail), "転送"
 *                    "outlook-ja"  Japanese keys (差出人/送信日時/宛先/
 *                                  件名), any separator or none
 *                    "gt-header"   none, the block '>'-quoted
 *                    "header"      none, not quoted
 *   "on-wrote"     "On <date> <time>[,] <author> wrote:" (Gmail, Apple
 *                  Mail, Thunderbird, mutt, Outlook mobile), also wrapped
 *                  over up to 3 lines ("On ... +0900" / "Name <a> wrote:"
 *                  of Becky!); the author is what follows the last time
 *                  (hh:mm[:ss], AM/PM, a zone +hhmm or "JST,"), else what
 *                  follows the last ", "; then past each ", " with a digit
 *                  on its left (the date's rest: "On 14:22 29 Aug 2002,
 *                  Name"), so that "10:00 AM Yamada, Taro" keeps its comma.
 *   "wrote"        "<author> wrote:" without "On" (Eudora's "At 11:06 AM
 *                  9/18/02 -0400, Name wrote:" the same way), only when
 *                  the next non-blank line is quoted deeper.
 *   "ja-date"      Gmail Japanese: "2026年12月1日(月) 10:00 山田 太郎
 *                  <yamada@example.co.jp>:" (a date in 年月日, an address
 *                  in <>, a colon at the end).
 *   "ja-wrote"     Thunderbird/Becky! Japanese: "山田 太郎 さんは書きました:",
 *                  with a date before it or the name in 「」.
 *
 * The author's value is read as "Name <addr>", "\"Name\" <addr>",
 * "Name [mailto:addr]", "Name <addr<mailto:addr>>" (Outlook's text of a
 * mailto link), "addr (Name)", "addr" or "Name"; quotes (" ' 「」 『』
 * “”) around the name are dropped; an address must have one '@', a local
 * part and a dotted domain (its domain is lower-cased).
 *
 * Bounds: the caller bounds len (the module's limit); a line longer than
 * BEC_QUOTE_LINE_MAX bytes is no header or attribution and is skipped;
 * names are cut at BEC_QUOTE_NAME_MAX bytes; at most max results.  Each
 * line is looked at a bounded number of times (the look-ahead is 6
 * lines), so the time is linear in len; no regular expression.
 */
#ifndef MAMORI_BEC_QUOTE_H
#define MAMORI_BEC_QUOTE_H

#include <stddef.h>

#include <glib.h>

#define BEC_QUOTE_LINE_MAX 1024
#define BEC_QUOTE_NAME_MAX 256
#define BEC_QUOTE_ADDR_MAX 254

struct bec_quote {
	char *name;		/* display name (valid UTF-8, no controls), or NULL */
	char *address;		/* "local@domain", domain lower-case, or NULL;
				 * never both NULL */
	const char *form;	/* static: "outlook-en", "outlook-365",
				 * "outlook-ja", "forward", "gt-header",
				 * "header", "on-wrote", "wrote", "ja-date",
				 * "ja-wrote" */
	size_t offset;		/* where the From: or attribution line starts */
	unsigned depth;		/* its '>' quote level (0: not '>'-quoted) */
};

/*
 * The quoted messages' authors in text[0..len), in text order, at most
 * max (GPtrArray of struct bec_quote *).  Never NULL; free with
 * bec_quotes_free().
 */
GPtrArray *bec_quotes_find(const char *text, size_t len, unsigned max);

void bec_quotes_free(GPtrArray *a);

#endif
