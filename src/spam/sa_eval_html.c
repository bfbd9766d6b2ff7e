/*
 * sa_eval_html.c - SpamAssassin's eval functions of HTMLEval, ImageInfo (sa_eval.h).
 */
#include "spam/sa_eval.h"

const struct sa_eval_family sa_eval_html_family = {
	.name = "HTMLEval, ImageInfo",
	.defs = NULL,
	.n = 0,
};
