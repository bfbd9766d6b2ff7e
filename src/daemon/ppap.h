/*
 * ppap.h - the life of a held PPAP message (docs/ppap.md): hold, match a
 * follow-up password mail, release or quarantine by the verdict, expire.
 *
 * A scan whose encrypted attachments stay closed gets PPAP_HELD and the
 * action hold.  The milter stores such a message with ppap_hold() and
 * discards it from the MTA's queue (the store has it durably).  Every
 * later mail is offered to ppap_followup(): if its sender and recipients
 * match a held message within ppap.window_s, the candidates found in its
 * text are tried on the held message (ppap_try), which is rescanned with
 * them; when everything opens, its verdict decides: accept or add_header
 * releases it to its recipients (quarantine.release_smtp or
 * release_sendmail), anything else quarantines it.  ppap_expire() applies
 * ppap.expire to the holds whose window has ended.  An operator can
 * supply a password by hand (mamori quarantine password, POST
 * /quarantine/ID/password), which is ppap_try() with origin operator.
 *
 * Every state change goes through store_hold_resolve(), which moves an
 * entry out of "held" once: two follow-up mails, an operator and the
 * sweeper racing for one entry deliver it at most once.
 */
#ifndef MAMORI_DAEMON_PPAP_H
#define MAMORI_DAEMON_PPAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mamori/mamori.h"

struct mamori_store;

/* Store a message whose scan said hold; id receives its store id. */
bool ppap_hold(struct mamori_store *st, const struct mamori_engine *eng,
    const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res, char id[40], char *err, size_t errlen);

enum ppap_outcome {
	PPAP_STILL_HELD,	/* the candidates did not open it */
	PPAP_DONE_RELEASED,	/* opened, clean: delivered */
	PPAP_DONE_QUARANTINED,	/* opened, the verdict quarantines it */
	PPAP_DONE_EXPIRED,	/* window over: ppap.expire applied */
	PPAP_NOT_HELD,		/* no such held entry (or someone else won) */
	PPAP_FAILED,		/* store or delivery error: still held */
};
const char *ppap_outcome_name(enum ppap_outcome o);

/* Rescan held entry id with these candidates and act on the verdict. */
enum ppap_outcome ppap_try(struct mamori_store *st, const struct mamori_engine *eng,
    const char *id, const char *const *pw, size_t npw, enum mamori_pw_origin origin,
    const char *where, char *err, size_t errlen);

/*
 * A mail the MTA is about to deliver: if it carries candidate passwords
 * and matches held messages (same envelope sender, a recipient in common,
 * within the window), try them, the held message with the same subject
 * key first.  Returns how many held messages it opened.
 */
unsigned ppap_followup(struct mamori_store *st, const struct mamori_engine *eng,
    const struct mamori_envelope *env, const struct mamori_result *res);

/* Apply ppap.expire to every hold whose window ended before now; returns
 * how many were resolved. */
unsigned ppap_expire(struct mamori_store *st, const struct mamori_engine *eng, gint64 now);

#endif
