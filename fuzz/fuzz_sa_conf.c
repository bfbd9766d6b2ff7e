/*
 * fuzz_sa_conf.c - libFuzzer target for the SpamAssassin rule-file parser
 * (src/spam/sa_conf.c).  The input is one .cf buffer, includes refused
 * (no directory).  The first byte picks the options: bit 0 tight limits
 * (short lines, few rules, shallow if nesting), bit 1 no plugins loaded.
 * Checked: every rule has a valid name (a letter or '_' first, then word
 * characters, at most 100 bytes) reachable by name, a type within range and
 * a definition fitting it (a pattern, an eval, an exists test or a meta
 * expression), finite scores; the rule count within rules_max; every
 * skipped reason has an example; the line count equals the lines given.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "spam/sa_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100 || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(g_ascii_isalnum(s[i]) || s[i] == '_'))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	static const char *const none[] = {NULL};
	struct sa_parse_opts o = sa_parse_defaults;
	if (sel & 1) {
		o.line_max = 64;
		o.rules_max = 8;
		o.if_depth = 3;
	}
	if (sel & 2)
		o.plugins = none;

	struct sa_ruleset *rs = sa_ruleset_new();
	sa_conf_parse(rs, "fuzz.cf", NULL, (const char *)data, size, &o);
	sa_conf_finish(rs);

	if (rs->rules->len > o.rules_max || g_hash_table_size(rs->by_name) != rs->rules->len)
		abort();
	for (guint i = 0; i < rs->rules->len; i++) {
		const struct sa_rule *r = rs->rules->pdata[i];
		if (!valid_name(r->name) || sa_ruleset_get(rs, r->name) != r || !r->defined)
			abort();
		if ((unsigned)r->type >= SA_TYPE_COUNT)
			abort();
		for (int k = 0; k < 4; k++)
			if (!isfinite(r->score[k]))
				abort();
		switch (r->type) {
		case SA_META:
			if (!r->meta || r->re || r->eval)
				abort();
			break;
		case SA_HEADER:
		case SA_MIMEHEADER:
			if (!r->eval && !r->exists && (!r->re || !r->re_flags || !r->hdr))
				abort();
			if (r->exists && (!r->hdr || r->re))
				abort();
			break;
		default:
			if (!r->eval && (!r->re || !r->re_flags))
				abort();
			if (r->eval && (!r->eval_args || r->re))
				abort();
			break;
		}
		if (r->re && (r->eval || r->meta))
			abort();
	}
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, rs->skipped);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (GPOINTER_TO_UINT(v) == 0 || !g_hash_table_lookup(rs->skipped_example, k))
			abort();
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (size > 0 && data[size - 1] != '\n')
		lines++;
	if (rs->lines != lines && size <= o.file_max)
		abort();
	sa_ruleset_free(rs);
	return 0;
}
