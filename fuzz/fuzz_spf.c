/*
 * fuzz_spf.c - libFuzzer target for spf_record_parse().
 *
 * Purpose: the SPF record parser reads TXT data straight from DNS, i.e.
 * bytes chosen by whoever controls a sender's domain.  Design: the input
 * is one record, passed with its length and no terminating NUL (in a
 * private copy, so that ASan sees any read past the end); a successful
 * parse must be freeable, a failed one must leave a message.  The input
 * is also passed with "v=spf1 " prepended, so that the mutator does not
 * have to find the version tag to reach the term parser.
 * Limits: inputs over 64 KiB are skipped (TXT data cannot be longer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_one(const char *buf, size_t len)
{
	char err[256];
	struct spf_record *rec = NULL;
	err[0] = '\0';
	if (spf_record_parse(buf, len, &rec, err, sizeof err)) {
		if (!rec)
			abort();
		(void)spf_record_terms(rec);
		spf_record_free(rec);
	} else if (rec || err[0] == '\0' || strlen(err) >= sizeof err) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	parse_one(buf, size);
	free(buf);

	static const char prefix[] = "v=spf1 ";
	size_t pl = sizeof prefix - 1;
	buf = malloc(pl + size);
	if (!buf)
		return 0;
	memcpy(buf, prefix, pl);
	memcpy(buf + pl, data, size);
	parse_one(buf, pl + size);
	free(buf);
	return 0;
}
