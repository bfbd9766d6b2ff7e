/*
 * discover.h - candidate passwords in a mail's own text (PPAP, part 1;
 * docs/ppap.md, "Finding the password").
 *
 * Japanese business mail sends password-protected ZIPs and the password
 * in the body, or in a second mail ("PPAP").  These functions read text
 * (text/plain, the visible text of text/html, quoted replies, the
 * Subject), find phrasings such as "パスワード：abc123", "解凍パスワードは
 * 以下の通りです" + next line, "The password for x.zip is abc123", and add
 * what they find to a struct pw_list (src/objects/password.h), best first.
 *
 * Text is NFKC-normalised before it is read (ＰＡＳＳ：ａｂｃ１２３ reads as
 * PASS:abc123); a candidate is added in its NFKC form and, when the sender
 * typed it differently (full-width digits), also as typed, right after.
 *
 * Every input is bounded (DISC_* in discover.c, documented in
 * docs/ppap.md); invalid UTF-8 is repaired first.  Nothing here logs a
 * password: the `where` of a candidate names the part, line and keyword.
 */
#ifndef MAMORI_PPAP_DISCOVER_H
#define MAMORI_PPAP_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "mime/message.h"
#include "objects/password.h"

/*
 * Candidates in len bytes of UTF-8 text (at most the first DISC_TEXT_MAX
 * bytes and DISC_LINES_MAX lines are read).  label names the text in each
 * candidate's where ("text part 1" gives "text part 1, line 4
 * (パスワード)").  At most max candidates are added to out by this call
 * (duplicates of what out holds are not counted).
 */
void ppap_discover_text(const char *utf8, size_t len, enum pw_source src,
    const char *label, struct pw_list *out, unsigned max);

/*
 * Candidates of a parsed message: every text/plain part and the visible
 * text of every text/html part (quoted lines included), and the Subject.
 * Ranked over the whole message: an explicit keyword with a separator or
 * brackets in a body first, then the same in the Subject, then passwords
 * on the line after a keyword line, then loose tokens after a keyword.
 * Returns whether msg reads as a password notice (ppap_is_password_mail),
 * found in the same pass.
 */
bool ppap_discover_message(const struct mime_message *msg, enum pw_source src,
    struct pw_list *out, unsigned max);

/*
 * The same over the scan's content (content/content.h): the body's text
 * parts as the content layer holds them, so that an HTML part is parsed
 * once per scan, whoever reads it.  ppap_discover_message() builds a
 * content of msg for the call.
 */
struct content;
bool ppap_discover_content(const struct content *c, enum pw_source src,
    struct pw_list *out, unsigned max);

/*
 * Whether msg looks like a PPAP password notice: a password keyword in the
 * Subject (not "password reset", "パスワード変更" and the like), or a
 * keyword line in a body that gives a candidate.  A mail that carries the
 * password next to its own encrypted attachment is one too: the caller
 * decides what a notice with attachments means.
 */
bool ppap_is_password_mail(const struct mime_message *msg);

/*
 * The subject made comparable between a mail and its password mail:
 * NFKC, case-folded, without reply/forward prefixes (Re:, Fwd:, 転送:...),
 * password markers (【パスワード】, [PW], "Password for", パスワードのお知らせ
 * ...), tag brackets ([EXT], 【再送】...), bracket characters and white
 * space.  "【パスワード】見積書送付の件" and "見積書送付の件" give the same
 * key.  NULL gives "" (never correlate on an empty key).  Free with g_free().
 */
char *ppap_subject_key(const char *subject);

#endif
