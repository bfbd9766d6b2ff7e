/*
 * sa_eval_header.c - SpamAssassin's eval functions of HeaderEval,
 * FreeMail and FromNameSpoof (sa_eval.h).
 */
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

/* check_for_missing_to_header: neither To nor Apparently-To. */
static int
missing_to(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	return sa_header_count(m->fields, "To") == 0 &&
	    sa_header_count(m->fields, "Apparently-To") == 0;
}

static const struct sa_eval_def defs[] = {
	{ "check_for_missing_to_header", NULL, NULL, missing_to },
};

const struct sa_eval_family sa_eval_header_family = {
	.name = "HeaderEval, FreeMail, FromNameSpoof",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
