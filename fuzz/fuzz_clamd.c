/*
 * fuzz_clamd.c - libFuzzer target for clamd_parse_reply() and
 * clamd_socket_valid().
 *
 * Purpose: clamd's reply is read from a socket and must not be trusted;
 * the socket string comes from the configuration.  Design: the input is
 * one reply line, passed with its length and no terminating NUL (in a
 * private copy, so that ASan sees any read past the end), into output
 * buffers of full size and of a size chosen by the first byte (1..16:
 * cutting to fit).  Invariants checked: the status is one of the three;
 * sig and err are NUL-terminated inside their buffers and hold printable
 * ASCII only; CLEAN leaves both empty, VIRUS fills sig only, ERROR fills
 * err only.  The input, NUL-terminated, is also a socket string: a
 * refusal must give a reason.
 * Limits: inputs over 64 KiB are skipped (a reply is read up to 1 KiB).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engines/clamd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	size_t i;
	for (i = 0; i < cap && s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
	}
	if (i == cap)
		abort();
}

static void parse_one(const char *buf, size_t len, size_t siglen, size_t errlen)
{
	char sig[256], err[256];
	enum clamd_status st;
	memset(sig, 'S', sizeof sig);
	memset(err, 'E', sizeof err);
	st = clamd_parse_reply(buf, len, sig, siglen, err, errlen);
	check_str(sig, siglen);
	check_str(err, errlen);
	if (siglen < sizeof sig && sig[siglen] != 'S')
		abort();
	if (errlen < sizeof err && err[errlen] != 'E')
		abort();
	switch (st) {
	case CLAMD_CLEAN:
		if (sig[0] != '\0' || err[0] != '\0')
			abort();
		break;
	case CLAMD_VIRUS:
		if ((siglen > 1 && sig[0] == '\0') || err[0] != '\0')
			abort();
		break;
	case CLAMD_ERROR:
		if (sig[0] != '\0' || (errlen > 1 && err[0] == '\0'))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, err[128];
	size_t small;
	if (size > 65536)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	parse_one(buf, size, 255, 255);
	small = size ? (size_t)(data[0] % 16) + 1 : 1;
	parse_one(buf, size, small, small);
	free(buf);

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	err[0] = '\0';
	if (!clamd_socket_valid(buf, err, sizeof err) && err[0] == '\0')
		abort();
	free(buf);
	return 0;
}
