/*
 * sa_eval_mapped.c - SpamAssassin's eval functions whose answer mamori
 * computes already: SPF, DKIM, ARC and DMARC (its auth module's symbols)
 * and Bayes (its classifier's probability).  See sa_eval.h and
 * docs/spam.md "Eval functions".
 */
#include <stdio.h>
#include <string.h>

#include "spam/sa_eval.h"

static bool
has(const struct sa_eval_msg *m, const char *sym)
{
	return m->has != NULL && m->has(m->has_ud, sym);
}

/* the functions of the SPF, DKIM and DMARC plugins with no argument:
 * which symbols of mamori's auth module they mean */
static const struct {
	const char *fn;
	const char *all[2];	/* every one of these (NULL: none more) */
	const char *any[2];	/* and one of these, if any is given */
	const char *none[2];	/* and none of these */
} auth_map[] = {
	{ "check_for_spf_pass", { "SPF_PASS" }, { NULL }, { NULL } },
	{ "check_for_spf_fail", { "SPF_FAIL" }, { NULL }, { NULL } },
	{ "check_for_spf_softfail", { "SPF_SOFTFAIL" }, { NULL }, { NULL } },
	{ "check_for_spf_neutral", { "SPF_NEUTRAL" }, { NULL }, { NULL } },
	{ "check_for_spf_none", { "SPF_NONE" }, { NULL }, { NULL } },
	{ "check_for_spf_permerror", { "SPF_PERMERROR" }, { NULL }, { NULL } },
	{ "check_for_spf_temperror", { "SPF_TEMPERROR" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_pass", { "SPF_HELO_PASS" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_fail", { "SPF_HELO_FAIL" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_softfail", { "SPF_HELO_SOFTFAIL" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_neutral", { "SPF_HELO_NEUTRAL" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_none", { "SPF_HELO_NONE" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_permerror", { "SPF_HELO_PERMERROR" }, { NULL }, { NULL } },
	{ "check_for_spf_helo_temperror", { "SPF_HELO_TEMPERROR" }, { NULL }, { NULL } },
	/* a signature, good or bad */
	{ "check_dkim_signed", { NULL }, { "DKIM_PASS", "DKIM_FAIL" }, { NULL } },
	{ "check_dkim_valid", { "DKIM_PASS" }, { NULL }, { NULL } },
	{ "check_arc_signed", { NULL }, { "ARC_PASS", "ARC_FAIL" }, { NULL } },
	{ "check_arc_valid", { "ARC_PASS" }, { NULL }, { NULL } },
	/* DMARC: the result and the policy (mamori's policy symbols are the
	 * policy after pct= sampling) */
	{ "check_dmarc_pass", { "DMARC_PASS" }, { NULL }, { NULL } },
	{ "check_dmarc_reject", { "DMARC_FAIL", "DMARC_POLICY_REJECT" }, { NULL }, { NULL } },
	{ "check_dmarc_quarantine", { "DMARC_FAIL", "DMARC_POLICY_QUARANTINE" }, { NULL },
	    { NULL } },
	{ "check_dmarc_none", { "DMARC_FAIL" }, { NULL },
	    { "DMARC_POLICY_REJECT", "DMARC_POLICY_QUARANTINE" } },
	{ "check_dmarc_missing", { "DMARC_NONE" }, { NULL }, { NULL } },
};

static bool
auth_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	/* check_dkim_valid('paypal.com') and the like: the signing domains
	 * are not compared (yet) */
	if (c->argc > 0) {
		snprintf(err, errlen, "arguments not supported");
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(auth_map); i++)
		if (strcmp(auth_map[i].fn, c->def->name) == 0) {
			c->data = (void *)&auth_map[i];
			return true;
		}
	snprintf(err, errlen, "not implemented");
	return false;
}

static int
auth_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const __typeof__(auth_map[0]) *a = c->data;
	bool any = a->any[0] == NULL;
	for (int i = 0; i < 2; i++) {
		if (a->all[i] != NULL && !has(m, a->all[i]))
			return 0;
		if (a->any[i] != NULL && has(m, a->any[i]))
			any = true;
		if (a->none[i] != NULL && has(m, a->none[i]))
			return 0;
	}
	return any ? 1 : 0;
}

/* Bayes's check_bayes(min, max): the probability above min (or min is
 * 0) and at most max (or max is undef). */
static bool
bayes_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 2) {
		snprintf(err, errlen, "two arguments expected");
		return false;
	}
	return true;
}

static int
bayes_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	if (m->bayes < 0)
		return 0;
	double min = sa_eval_arg_num(c, 0, 0), max = sa_eval_arg_num(c, 1, 0);
	return (min == 0 || m->bayes > min) && (sa_eval_arg_undef(c, 1) || m->bayes <= max);
}

#define AUTH(n) { n, auth_prepare, NULL, auth_run }
static const struct sa_eval_def defs[] = {
	AUTH("check_for_spf_pass"), AUTH("check_for_spf_fail"),
	AUTH("check_for_spf_softfail"), AUTH("check_for_spf_neutral"),
	AUTH("check_for_spf_none"), AUTH("check_for_spf_permerror"),
	AUTH("check_for_spf_temperror"), AUTH("check_for_spf_helo_pass"),
	AUTH("check_for_spf_helo_fail"), AUTH("check_for_spf_helo_softfail"),
	AUTH("check_for_spf_helo_neutral"), AUTH("check_for_spf_helo_none"),
	AUTH("check_for_spf_helo_permerror"), AUTH("check_for_spf_helo_temperror"),
	AUTH("check_dkim_signed"), AUTH("check_dkim_valid"), AUTH("check_arc_signed"),
	AUTH("check_arc_valid"), AUTH("check_dmarc_pass"), AUTH("check_dmarc_reject"),
	AUTH("check_dmarc_quarantine"), AUTH("check_dmarc_none"), AUTH("check_dmarc_missing"),
	{ "check_bayes", bayes_prepare, NULL, bayes_run },
};
#undef AUTH

const struct sa_eval_family sa_eval_mapped_family = {
	.name = "SPF, DKIM, DMARC, Bayes (mamori's results)",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
