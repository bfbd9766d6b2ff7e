/*
 * deob_test.h - what the evaluators' unit tests share (test_deob_js.c,
 * test_deob_cmd.c, test_deob_xlm.c, test_deob_screnc.c): a run that
 * checks deob.h's promises on every recovered string, lookups and a dump
 * of a result, and for the "10 MB of garbage in under a second"
 * the budget, a repeated pattern and the timed run.  Include after
 * <cmocka.h> and "deob/deob.h".
 */
#ifndef MAMORI_TESTS_DEOB_TEST_H
#define MAMORI_TESTS_DEOB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/*
 * A second, as the issue asks; three under AddressSanitizer (-O1 and
 * instrumented, every figure about five times slower).
 */
#if defined(__SANITIZE_ADDRESS__)
#define BUDGET_US 3000000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUDGET_US 3000000
#endif
#endif
#ifndef BUDGET_US
#define BUDGET_US 1000000
#endif

/* An evaluator of the deob.h shape. */
typedef void (*deob_eval_fn)(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r);

/* eval over the string s with lim (NULL: defaults) into r (initialised
 * here); every recovered string valid UTF-8 and at most DEOB_STR_MAX. */
static inline void
deob_run_checked(deob_eval_fn eval, const char *s, const struct deob_limits *lim,
    struct deob_result *r)
{
	deob_result_init(r);
	eval(s, strlen(s), lim, r);
	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *d = r->strs->pdata[i];
		assert_true(g_utf8_validate(d->value, (gssize)d->len, NULL));
		assert_true(d->len <= DEOB_STR_MAX);
	}
}

/* Whether r holds value with how. */
static inline bool
deob_has(const struct deob_result *r, const char *value, const char *how)
{
	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *d = r->strs->pdata[i];
		if (strcmp(d->value, value) == 0 && strcmp(d->how, how) == 0)
			return true;
	}
	return false;
}

/* r's strings, for a failing test's message. */
static inline void
deob_dump(const struct deob_result *r)
{
	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *d = r->strs->pdata[i];
		print_error("  [%s] %s\n", d->how, d->value);
	}
}

/* Fail the test when us (what took that long on n bytes) is over budget;
 * DEOB_TIMES=1 prints every figure. */
static inline void
deob_budget_check(const char *what, size_t n, int64_t us)
{
	if (getenv("DEOB_TIMES") != NULL)
		fprintf(stderr, "%s: %lld us\n", what, (long long)us);
	if (us > BUDGET_US) {
		print_error("%s: %zu bytes took %lld us\n", what, n, (long long)us);
		fail();
	}
}

/* eval over s[0..n) with the default limits, within the budget. */
static inline void
deob_within_budget(deob_eval_fn eval, const char *what, const char *s, size_t n)
{
	struct deob_result r;
	deob_result_init(&r);
	int64_t t0 = g_get_monotonic_time();
	eval(s, n, NULL, &r);
	int64_t us = g_get_monotonic_time() - t0;
	deob_result_clear(&r);
	deob_budget_check(what, n, us);
}

/* s repeated up to n bytes (g_free). */
static inline char *
deob_repeat(const char *s, size_t n)
{
	char *b = g_malloc(n);
	size_t l = strlen(s);
	for (size_t i = 0; i < n; i++)
		b[i] = s[i % l];
	return b;
}

#endif
