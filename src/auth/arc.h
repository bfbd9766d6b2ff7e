/*
 * arc.h - ARC chain validation (RFC 8617 section 5.2; no sealing).
 *
 * Purpose: tell whether the Authenticated Received Chain of a message is
 * intact (cv=pass), broken (fail) or absent (none), and for a pass give
 * the sealer of the latest set and the authentication results it saw
 * (its ARC-Authentication-Results), so that a trusted sealer's verdicts
 * (e.g. its DMARC pass) can be used.
 *
 * Design: built on the DKIM verifier (dkim.h): same message split, tag
 * lists, canonicalisation, body hash, key lookup callback (dkim_key_fetch)
 * and signature checks (rsa-sha256, ed25519-sha256).  No DNS, no clock:
 * t= is syntax-checked only.  arc_seal_parse is pure (fuzzable).
 *
 * Limits: at most DKIM_ARC_MAX_INSTANCE (50) sets; the DKIM_MAX_* limits of
 * dkim.h apply to the message and to each signature field.
 *
 * Security: the result says only that the chain is intact; what a sealer
 * claims is worth only as much as the sealer is trusted, which is the
 * caller's decision (sealer).  A key lookup that fails temporarily gives
 * fail with temperror set, so that the caller may defer instead.
 */
#ifndef MAMORI_AUTH_ARC_H
#define MAMORI_AUTH_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

enum arc_cv { ARC_CV_NONE, ARC_CV_PASS, ARC_CV_FAIL };

struct arc_result {
	enum arc_cv cv;
	unsigned instances;	/* N: highest instance seen (0: none) */
	/*
	 * RFC 8617 5.2 step 6, computed when the latest AMS validates:
	 * 0 when every AMS 1..N validates, else the lowest instance k such
	 * that AMS k..N all validate (k > 1); -1 when not computed.
	 */
	int oldest_pass;
	char *sealer;		/* pass only: d= of the latest AS (g_malloc'd) */
	char *aar;		/* pass only: latest AAR value after "i=N;",
				 * unfolded (g_malloc'd) */
	bool temperror;		/* fail caused by a temporary key lookup error */
	const char *reason;	/* static text: "ok", "AS 2: bad signature", ... */
};

/*
 * Validate the ARC chain of msg[0..len) (raw message, CRLF or LF line
 * ends), keys through fetch(user, ...).  *out is overwritten; free it with
 * arc_result_clear.
 */
void arc_validate(const uint8_t *msg, size_t len, dkim_key_fetch fetch,
    void *user, struct arc_result *out);
void arc_result_clear(struct arc_result *res);

const char *arc_cv_name(enum arc_cv cv);	/* "none", "pass", "fail" */

/* A parsed ARC-Seal field value (RFC 8617 4.1.3). */
struct arc_seal {
	unsigned instance;	/* i= 1..50 */
	enum dkim_alg alg;	/* rsa-sha256 or ed25519-sha256 */
	enum arc_cv cv;		/* cv= none / pass / fail */
	char *d, *s;		/* NUL-terminated copies */
	uint8_t *b;		/* decoded b= */
	size_t b_len;
	bool has_t;
	uint64_t t;
	size_t b_start, b_end;	/* b= value span in the parsed text */
};

/*
 * Parse an ARC-Seal field value (the text after the colon, folding
 * included).  Required tags i, a, b, cv, d, s; h= (and bh=) present is an
 * error; unknown tags are ignored.  Returns true and fills *as, or false
 * with *reason (static text) and *as empty.  Free with arc_seal_clear.
 */
bool arc_seal_parse(const char *val, size_t len, struct arc_seal *as,
    const char **reason);
void arc_seal_clear(struct arc_seal *as);

#endif
