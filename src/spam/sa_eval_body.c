/*
 * sa_eval_body.c - SpamAssassin's eval functions of MIMEEval, BodyEval (sa_eval.h).
 */
#include "spam/sa_eval.h"

const struct sa_eval_family sa_eval_body_family = {
	.name = "MIMEEval, BodyEval",
	.defs = NULL,
	.n = 0,
};
