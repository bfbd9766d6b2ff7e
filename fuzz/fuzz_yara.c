/*
 * fuzz_yara.c - libFuzzer target for mamori_yara_scan() with the shipped
 * rules (yara/).
 *
 * Purpose: the YARA engine reads every object of every mail, i.e. bytes
 * chosen by the sender; the shipped rules walk structures (the LNK
 * argument walk, OneNote FileDataStoreObject offsets) with offsets taken
 * from the input.  Design: the rules are compiled once (first call) and
 * shared, as in mamori; each input is scanned in a private copy (so ASan
 * sees any read past the end) with a file name taken from its first line
 * when it starts with "name:", to reach the filename rules.  Every match
 * must carry its namespace and rule name.
 * Limits: inputs over 1 MiB are skipped; a 2 s timeout bounds a scan.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/yara.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mamori_yara *rules;

static void
free_rules(void)
{
	mamori_yara_free(rules);
	rules = NULL;
}

static bool
check_match(const struct mamori_yara_match *m, void *ud)
{
	(void)ud;
	if (m->ns == NULL || m->rule == NULL || m->rule[0] == '\0')
		abort();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (rules == NULL) {
		static const char *const dirs[] = { MAMORI_YARA_DIR };
		char err[512];
		rules = mamori_yara_load(dirs, 1, err, sizeof err);
		if (rules == NULL) {
			fprintf(stderr, "fuzz_yara: %s\n", err);
			abort();
		}
		atexit(free_rules);
	}
	if (size > (1u << 20))
		return 0;
	uint8_t *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	char name[128];
	const char *filename = NULL;
	if (size > 5 && memcmp(buf, "name:", 5) == 0) {
		size_t n = 0;
		while (5 + n < size && n < sizeof name - 1 && buf[5 + n] != '\n' && buf[5 + n] != '\0')
			n++;
		memcpy(name, buf + 5, n);
		name[n] = '\0';
		filename = name;
	}
	char err[256];
	if (mamori_yara_scan(rules, buf, size, filename, "fuzz", 2000, check_match, NULL,
	    err, sizeof err) != 0 && err[0] == '\0')
		abort();
	free(buf);
	return 0;
}
