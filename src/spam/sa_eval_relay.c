/*
 * sa_eval_relay.c - SpamAssassin's eval functions of RelayEval (sa_eval.h).
 */
#include "spam/sa_eval.h"

const struct sa_eval_family sa_eval_relay_family = {
	.name = "RelayEval",
	.defs = NULL,
	.n = 0,
};
