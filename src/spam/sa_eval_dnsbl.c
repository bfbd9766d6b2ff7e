/*
 * sa_eval_dnsbl.c - SpamAssassin's DNSEval functions on IP blocklists:
 * check_rbl, check_rbl_txt and check_rbl_sub (Mail::SpamAssassin::Plugin::
 * DNSEval, Dns.pm process_dnsbl_result / check_subtest), mapped onto the
 * answers of mamori's dnsbl module.  See sa_eval.h and docs/spam.md
 * "Eval functions".
 *
 * No query is sent here: the dnsbl module asked its zones (dnsbl.zones)
 * about the message's untrusted addresses before the spam module runs,
 * and m->dnsbl reads what each zone answered for the i-th address (0: the
 * nearest untrusted one, then the untrusted Received hops, nearest
 * first).  A rule's zone that dnsbl.zones does not list was not asked:
 * the rule does not hit (as in SpamAssassin without network tests).
 *
 * SpamAssassin's semantics kept:
 *  - check_rbl('set', 'zone'[, 'subtest']): any record of the zone's A
 *    answers within 127.0.0.0/8 (others are skipped) that the sub-test
 *    accepts (no sub-test: any); check_rbl_txt the same on the TXT records
 *    (not filtered).  The zone's trailing dots are ignored.
 *  - the set's suffix selects the addresses: -lastexternal and
 *    -firsttrusted the nearest untrusted one; -notfirsthop all but the
 *    farthest when there are several; -untrusted all but the nearest;
 *    otherwise all.
 *  - check_rbl_sub('set', 'subtest'): the sub-test on every answer of the
 *    check_rbl / check_rbl_txt lookups of the same set (the rule files
 *    give the set's zones; the set name must be the same, suffix and all).
 *  - sub-tests (dnsbl.h): an IPv4 address (equality of the text), a
 *    decimal bitmask (ANDed with an A record of 127/8), else a regular
 *    expression; "sb:" (SenderBase) is refused, as SpamAssassin ignores it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns.h"
#include "spam/dnsbl.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"

#define RBL_IPS_MAX 16		/* addresses looked at per set */

enum rbl_select {
	SEL_ALL,		/* no suffix */
	SEL_NEAREST,		/* -lastexternal, -firsttrusted */
	SEL_NOT_FIRSTHOP,	/* -notfirsthop */
	SEL_UNTRUSTED,		/* -untrusted */
};

struct rbl_data {
	char *set;
	char *zone;		/* check_rbl*: lower case, no trailing dot; sub: NULL */
	bool txt;		/* check_rbl_txt */
	enum rbl_select sel;
	struct dnsbl_subtest sub;
};

static void
rbl_drop(void *p)
{
	struct rbl_data *d = p;
	if (d == NULL)
		return;
	g_free(d->set);
	g_free(d->zone);
	dnsbl_subtest_clear(&d->sub);
	g_free(d);
}

static enum rbl_select
select_of(const char *set)
{
	static const struct {
		const char *suffix;
		enum rbl_select sel;
	} s[] = {
		{ "-lastexternal", SEL_NEAREST },
		{ "-firsttrusted", SEL_NEAREST },
		{ "-notfirsthop", SEL_NOT_FIRSTHOP },
		{ "-untrusted", SEL_UNTRUSTED },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(s); i++)
		if (g_str_has_suffix(set, s[i].suffix))
			return s[i].sel;
	return SEL_ALL;
}

/* zone as written ("zen.spamhaus.org."): lower case, trailing dots off;
 * NULL when empty or not a DNS name (nothing would have been asked) */
static char *
zone_of(const char *z)
{
	size_t n = strlen(z);
	while (n > 0 && z[n - 1] == '.')
		n--;
	if (n == 0 || n > DNSBL_ZONE_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(z[i]) && z[i] != '.' && z[i] != '-' && z[i] != '_')
			return NULL;
	return g_ascii_strdown(z, (gssize)n);
}

static bool
rbl_prepare_common(struct sa_eval_call *c, bool txt, char *err, size_t errlen)
{
	if (c->argc < 2 || c->argc > 3) {
		snprintf(err, errlen, "wants ('set', 'zone'[, 'subtest']), got %u arguments",
		    c->argc);
		return false;
	}
	struct rbl_data *d = g_new0(struct rbl_data, 1);
	d->zone = zone_of(c->argv[1]);
	if (d->zone == NULL) {
		snprintf(err, errlen, "zone \"%.60s\" is not a DNS name", c->argv[1]);
		rbl_drop(d);
		return false;
	}
	const char *sub = c->argc == 3 && !sa_eval_arg_undef(c, 2) ? c->argv[2] : NULL;
	if (!dnsbl_subtest_compile(sub, &d->sub, err, errlen)) {
		rbl_drop(d);
		return false;
	}
	d->set = g_strdup(c->argv[0]);
	d->txt = txt;
	d->sel = select_of(d->set);
	c->data = d;
	return true;
}

static bool
rbl_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	return rbl_prepare_common(c, false, err, errlen);
}

static bool
rbl_txt_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	return rbl_prepare_common(c, true, err, errlen);
}

static bool
rbl_sub_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 2 || sa_eval_arg_undef(c, 1)) {
		snprintf(err, errlen, "wants ('set', 'subtest'), got %u arguments", c->argc);
		return false;
	}
	struct rbl_data *d = g_new0(struct rbl_data, 1);
	if (!dnsbl_subtest_compile(c->argv[1], &d->sub, err, errlen)) {
		rbl_drop(d);
		return false;
	}
	d->set = g_strdup(c->argv[0]);
	d->sel = select_of(d->set);
	c->data = d;
	return true;
}

/* ---- the answers ------------------------------------------------------------ */

/* How many addresses the dnsbl module asked zone about (at most max). */
static unsigned
count_ips(const struct sa_eval_msg *m, const char *zone)
{
	unsigned n = 0;
	const struct dns_answer *a, *t;
	while (n < RBL_IPS_MAX && m->dnsbl(m->has_ud, zone, n, &a, &t))
		n++;
	return n;
}

/* Whether a record of zone's answers for the addresses sel selects
 * passes the sub-test. */
static bool
zone_hits(const struct sa_eval_msg *m, const char *zone, bool txt, enum rbl_select sel,
    const struct dnsbl_subtest *sub)
{
	unsigned n = count_ips(m, zone);
	unsigned from = 0, to = n;	/* [from, to) */

	switch (sel) {
	case SEL_ALL:
		break;
	case SEL_NEAREST:
		to = n > 0 ? 1 : 0;
		break;
	case SEL_NOT_FIRSTHOP:
		/* the farthest (the originating) hop is left out when there
		 * are several */
		if (n > 1)
			to = n - 1;
		break;
	case SEL_UNTRUSTED:
		from = 1;
		break;
	}
	for (unsigned i = from; i < to; i++) {
		const struct dns_answer *a = NULL, *t = NULL;
		if (!m->dnsbl(m->has_ud, zone, i, &a, &t))
			continue;
		const struct dns_answer *ans = txt ? t : a;
		if (ans == NULL || ans->status != DNS_OK)
			continue;
		for (size_t r = 0; r < ans->n; r++) {
			const struct dns_rr *rr = &ans->rr[r];
			if (!txt && rr->type == DNS_T_A) {
				if (!dnsbl_code_in_range(ntohl(rr->u.a.s_addr)))
					continue;	/* Dns.pm: A records off 127/8 skipped */
				char q[INET_ADDRSTRLEN];
				inet_ntop(AF_INET, &rr->u.a, q, sizeof(q));
				if (dnsbl_subtest_match(sub, q, strlen(q)))
					return true;
			} else if (txt && rr->type == DNS_T_TXT) {
				if (dnsbl_subtest_match(sub, rr->u.txt.data, rr->u.txt.len))
					return true;
			}
		}
	}
	return false;
}

static int
rbl_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct rbl_data *d = c->data;
	if (m->dnsbl == NULL)
		return 0;
	return zone_hits(m, d->zone, d->txt, d->sel, &d->sub) ? 1 : 0;
}

/* ---- check_rbl_sub: the set's lookups, from the rule files ------------------- */

struct set_zone {
	char *zone;
	bool txt;
};

/* set -> GArray of struct set_zone: every check_rbl / check_rbl_txt rule
 * of the rule files, by its set */
static void
sets_free(void *p)
{
	GHashTable *h = p;
	if (h != NULL)
		g_hash_table_unref(h);
}

static void
zones_free(gpointer p)
{
	GArray *a = p;
	for (guint i = 0; i < a->len; i++)
		g_free(g_array_index(a, struct set_zone, i).zone);
	g_array_free(a, TRUE);
}

static void *
sets_make(struct sa_eval_msg *m)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, zones_free);
	if (m->rs == NULL)
		return h;
	for (guint i = 0; i < m->rs->rules->len; i++) {
		const struct sa_rule *r = g_ptr_array_index(m->rs->rules, i);
		if (r->eval == NULL)
			continue;
		bool txt = strcmp(r->eval, "check_rbl_txt") == 0;
		if (!txt && strcmp(r->eval, "check_rbl") != 0)
			continue;
		char **argv;
		unsigned argc;
		if (!sa_eval_parse_args(r->eval_args, &argv, &argc))
			continue;
		char *zone = argc >= 2 ? zone_of(argv[1]) : NULL;
		if (zone != NULL) {
			GArray *a = g_hash_table_lookup(h, argv[0]);
			if (a == NULL) {
				a = g_array_new(FALSE, FALSE, sizeof(struct set_zone));
				g_hash_table_insert(h, g_strdup(argv[0]), a);
			}
			bool dup = false;
			for (guint k = 0; k < a->len && !dup; k++) {
				const struct set_zone *z = &g_array_index(a, struct set_zone, k);
				dup = z->txt == txt && strcmp(z->zone, zone) == 0;
			}
			if (dup) {
				g_free(zone);
			} else {
				struct set_zone z = { zone, txt };
				g_array_append_val(a, z);
			}
		}
		g_strfreev(argv);
	}
	return h;
}

static int
rbl_sub_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct rbl_data *d = c->data;
	if (m->dnsbl == NULL)
		return 0;
	GHashTable *sets = sa_eval_cached(m, SA_SLOT_DNSBL, sets_make, sets_free);
	if (sets == NULL)
		return -1;
	GArray *zones = g_hash_table_lookup(sets, d->set);
	if (zones == NULL)
		return 0;
	for (guint i = 0; i < zones->len; i++) {
		const struct set_zone *z = &g_array_index(zones, struct set_zone, i);
		if (zone_hits(m, z->zone, z->txt, d->sel, &d->sub))
			return 1;
	}
	return 0;
}

static const struct sa_eval_def defs[] = {
	{ "check_rbl", rbl_prepare, rbl_drop, rbl_run },
	{ "check_rbl_txt", rbl_txt_prepare, rbl_drop, rbl_run },
	{ "check_rbl_sub", rbl_sub_prepare, rbl_drop, rbl_sub_run },
};

const struct sa_eval_family sa_eval_dnsbl_family = {
	.name = "DNSEval",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
