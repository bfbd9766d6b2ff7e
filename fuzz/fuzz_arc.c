/*
 * fuzz_arc.c - libFuzzer target: the ARC-Seal parser and ARC validation.
 *
 * The whole input is parsed by arc_seal_parse() as an ARC-Seal value and
 * by dkim_sig_parse_ex(DKIM_PARSE_AMS) as an ARC-Message-Signature value,
 * then validated by arc_validate() as a message, with a key callback that
 * finds no key (so no signature ever verifies: the structure checks,
 * canonicalisation and hashing are what is exercised; no DNS).
 * Invariants: a parsed seal is self-consistent, a result is never a pass
 * and has a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum dkim_key_status
no_key(void *user, const char *name, char **txt, size_t *len)
{
	(void)user;
	(void)name;
	(void)txt;
	(void)len;
	return DKIM_KEY_NOTFOUND;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *reason = NULL;

	struct arc_seal as;
	if (arc_seal_parse(s, size, &as, &reason)) {
		if (as.b_start > as.b_end || as.b_end > size || as.d == NULL ||
		    as.s == NULL || as.b == NULL || as.b_len == 0 ||
		    as.instance < 1 || as.instance > DKIM_ARC_MAX_INSTANCE)
			abort();
		arc_seal_clear(&as);
	} else if (reason == NULL) {
		abort();
	}

	struct dkim_sig sig;
	reason = NULL;
	if (dkim_sig_parse_ex(s, size, DKIM_PARSE_AMS, &sig, &reason)) {
		if (sig.b_start > sig.b_end || sig.b_end > size || sig.i != NULL ||
		    sig.instance < 1 || sig.instance > DKIM_ARC_MAX_INSTANCE)
			abort();
		dkim_sig_clear(&sig);
	} else if (reason == NULL) {
		abort();
	}

	struct arc_result r;
	arc_validate(data, size, no_key, NULL, &r);
	if (r.cv == ARC_CV_PASS || r.reason == NULL ||
	    r.instances > DKIM_ARC_MAX_INSTANCE || r.sealer != NULL)
		abort();
	arc_result_clear(&r);
	return 0;
}
