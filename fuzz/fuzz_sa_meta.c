/*
 * fuzz_sa_meta.c - libFuzzer target for SpamAssassin meta rule
 * expressions (src/spam/sa_meta.c).  The input is up to 32 lines, each an
 * expression; line i computes rule META0 + i.  Names: "m<digits>" read
 * meta rule META0 + digits % 32, names starting with 'u' are undefined
 * (-1), with 'z' read as 0 (SA_META_ZERO), any other name is one of
 * META0 plain rules (by a hash of the name).  Checked: a refused
 * expression has a message (terminated, within the buffer); the
 * dependencies are strictly ascending and within the rules; evaluation
 * over several hit vectors; sa_meta_order() returns a permutation whose
 * ordered part has every meta after the metas it reads, and whose left
 * part is closed (each left meta reads a left meta: a cycle or reading
 * one).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "spam/sa_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { META0 = 16, NMETA = 32, NRULES = META0 + NMETA };

static int
lookup(const char *name, size_t len, void *ud)
{
	(void)ud;
	if (len == 0)
		abort();	/* the compiler never asks for an empty name */
	if (name[0] == 'u')
		return -1;
	if (name[0] == 'z')
		return SA_META_ZERO;
	if (name[0] == 'm' && len > 1) {
		unsigned v = 0;
		size_t i = 1;
		for (; i < len && name[i] >= '0' && name[i] <= '9'; i++)
			v = (v * 10 + (unsigned)(name[i] - '0')) % 1000;
		if (i == len)
			return META0 + (int)(v % NMETA);
	}
	unsigned h = 5381;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)name[i];
	return (int)(h % META0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_meta *metas[NMETA];
	int rule[NMETA];
	size_t n = 0, pos = 0;
	while (pos <= size && n < NMETA) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : size;
		char *expr = g_strndup((const char *)data + pos, end - pos);
		char err[96];
		memset(err, 'x', sizeof err);
		struct sa_meta *m = sa_meta_compile(expr, lookup, NULL, err, sizeof err);
		if (m == NULL) {
			size_t el = strnlen(err, sizeof err);
			if (el == 0 || el == sizeof err)
				abort();
		} else {
			size_t nd;
			const int *d = sa_meta_deps(m, &nd);
			for (size_t k = 0; k < nd; k++)
				if (d[k] < 0 || d[k] >= NRULES || (k > 0 && d[k] <= d[k - 1]))
					abort();
			static const double pats[] = { 0, 1, 2, 0.5, -1, 1e300 };
			double hits[NRULES];
			for (size_t p = 0; p < G_N_ELEMENTS(pats); p++) {
				for (size_t r = 0; r < NRULES; r++)
					hits[r] = pats[p];
				(void)sa_meta_eval(m, hits);
			}
			for (size_t r = 0; r < NRULES; r++)
				hits[r] = (double)((r * 7 + size) % 3);
			(void)sa_meta_eval(m, hits);
			rule[n] = META0 + (int)(n % NMETA);
			metas[n++] = m;
		}
		g_free(expr);
		if (nl == NULL)
			break;
		pos = end + 1;
	}

	size_t order[NMETA];
	size_t k = sa_meta_order(metas, rule, n, NRULES, order);
	if (k > n)
		abort();
	bool seen[NMETA] = { false };
	size_t at[NMETA];
	for (size_t i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]])
			abort();
		seen[order[i]] = true;
		at[order[i]] = i;
	}
	/* the meta computing rule r, if any (rules are distinct here) */
	int by_rule[NRULES];
	for (size_t r = 0; r < NRULES; r++)
		by_rule[r] = -1;
	for (size_t i = 0; i < n; i++)
		by_rule[rule[i]] = (int)i;
	for (size_t i = 0; i < n; i++) {
		size_t nd;
		const int *d = sa_meta_deps(metas[i], &nd);
		bool reads_left = false;
		for (size_t j = 0; j < nd; j++) {
			int p = by_rule[d[j]];
			if (p < 0)
				continue;
			if (at[i] < k && (at[(size_t)p] >= k || at[(size_t)p] >= at[i]))
				abort();	/* ordered before what it reads */
			if (at[(size_t)p] >= k)
				reads_left = true;
		}
		if (at[i] >= k && !reads_left)
			abort();	/* left out though it could be ordered */
	}
	for (size_t i = 0; i < n; i++)
		sa_meta_free(metas[i]);
	return 0;
}
