/*
 * release.h - give a quarantined message back to the mail flow with its
 * original envelope: over SMTP to a next hop, or through a sendmail
 * binary (release.c).
 */
#ifndef MAMORI_STORE_RELEASE_H
#define MAMORI_STORE_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * SMTP to host_port ("HOST:PORT", "[IPv6]:PORT"): EHLO (HELO if refused),
 * MAIL FROM, RCPT TO for each recipient (all must be accepted), DATA with
 * bare LF made CRLF and dot-stuffing, QUIT.  Every reply is checked; each
 * wait is bounded by timeout_ms.  True once the next hop accepted the
 * message (its reply to the final dot); err says what failed otherwise.
 * mail_from NULL or "" is the null sender.  rcpts: char *.
 */
bool store_release_smtp(const char *host_port, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen);

/*
 * Run `path -i -f FROM -- RCPT...` with the message on its standard input
 * (bytes as stored) and check that it exits 0 within timeout_ms (it is
 * killed otherwise).
 */
bool store_release_sendmail(const char *path, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen);

/*
 * The release target of the configuration: store_release_smtp() to smtp
 * when it is set (not NULL or ""), else store_release_sendmail() with
 * sendmail; false with err when neither is set.
 */
bool store_release(const char *smtp, const char *sendmail, const char *mail_from,
    const GPtrArray *rcpts, const uint8_t *msg, size_t len, unsigned timeout_ms,
    char *err, size_t errlen);

#endif
