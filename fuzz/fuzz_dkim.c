/*
 * fuzz_dkim.c - libFuzzer target: the DKIM tag-list parsers.
 *
 * The input is split at its first NUL byte: the part before is parsed by
 * dkim_sig_parse() as a DKIM-Signature value, the part after by
 * dkim_key_parse() as a key record (no NUL: both parse the whole input).
 * A parsed signature must be self-consistent (b= span inside the input,
 * h= non-empty and naming from).  Pure parsing: no crypto, no DNS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t a = nul ? (size_t)(nul - data) : size;
	const char *k = nul ? s + a + 1 : s;
	size_t kl = nul ? size - a - 1 : size;
	const char *reason = NULL;

	struct dkim_sig sig;
	if (dkim_sig_parse(s, a, &sig, &reason)) {
		if (sig.b_start > sig.b_end || sig.b_end > a || sig.h_count == 0 ||
		    sig.d == NULL || sig.s == NULL || sig.b == NULL)
			abort();
		dkim_sig_clear(&sig);
	} else if (reason == NULL) {
		abort();
	}

	struct dkim_key key;
	reason = NULL;
	if (dkim_key_parse(k, kl, &key, &reason)) {
		if (!key.revoked && (key.p == NULL || key.p_len == 0))
			abort();
		dkim_key_clear(&key);
	} else if (reason == NULL) {
		abort();
	}
	return 0;
}
