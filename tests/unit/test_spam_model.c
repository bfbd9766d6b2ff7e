/*
 * test_spam_model.c - the spam classifier's counts (src/spam/model.c):
 * the chi-square tail against direct sums, learning into a real SQLite
 * store and loading it back, idempotence, relearning and forgetting (in
 * one batch and across commits), the generation, the feature cap, and
 * the direction and calibration of a verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <math.h>

#include "mamori/store.h"
#include "spam/model.h"
#include "spam/tokenize.h"
#include "store/sqlite.h"

static struct spam_features *
feats(const uint64_t *h, size_t n)
{
	struct spam_features *f = g_new0(struct spam_features, 1);
	f->h = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	g_array_append_vals(f->h, h, (guint)n);
	return f;
}

static void
feats_free(struct spam_features *f)
{
	g_array_unref(f->h);
	g_free(f);
}

struct fixture {
	char *dir;
	struct mamori_store *st;
	char err[512];
};

static int
setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);
	GError *e = NULL;
	fx->dir = g_dir_make_tmp("test_spam_model-XXXXXX", &e);
	assert_non_null(fx->dir);
	fx->st = store_sqlite_open(fx->dir, fx->err, sizeof fx->err);
	assert_non_null(fx->st);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	mamori_store_close(fx->st);
	char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(fx->dir);
	g_free(fx);
	return 0;
}

static void
digest(uint8_t d[16], unsigned i)
{
	memset(d, 0, 16);
	memcpy(d, &i, sizeof i);
}

static enum spam_learned
learn(struct fixture *fx, struct spam_batch *b, unsigned id, const uint64_t *h, size_t n,
    enum spam_class cls, bool forget)
{
	uint8_t d[16];
	enum spam_learned r;
	struct spam_features *f = feats(h, n);
	digest(d, id);
	assert_true(spam_batch_learn(b, fx->st, d, f, cls, forget, &r, fx->err,
	    sizeof fx->err));
	feats_free(f);
	return r;
}

static struct spam_model *
load(struct fixture *fx, size_t max)
{
	struct spam_model *m = NULL;
	assert_true(spam_model_load(fx->st, max, &m, fx->err, sizeof fx->err));
	assert_non_null(m);
	return m;
}

static void
assert_counts(const struct spam_model *m, uint64_t h, uint32_t s, uint32_t hm)
{
	uint32_t a, b;
	spam_model_counts(m, h, &a, &b);
	assert_int_equal(a, s);
	assert_int_equal(b, hm);
}

/* The tail against the direct sum (values from Python: lgamma, exp). */
static void
test_chi2q(void **state)
{
	(void)state;
	assert_true(fabs(spam_log_chi2q(2.0, 2) - -1.0) < 1e-12);
	assert_true(fabs(spam_log_chi2q(10.0, 4) - -3.208240530771945) < 1e-12);
	/* extreme: e^-975, which a sum of plain terms underflows */
	assert_true(fabs(spam_log_chi2q(2000.0, 10) - -975.5430287171021) < 1e-9);
	/* many degrees of freedom, the sum near 1 and far in the tail */
	assert_true(fabs(spam_log_chi2q(3.0, 4000)) < 1e-12);
	assert_true(fabs(spam_log_chi2q(5000.0, 4000) - -57.055814362802835) < 1e-9);
	assert_true(spam_log_chi2q(0.0, 10) == 0.0);
}

static void
test_learn_load(void **state)
{
	struct fixture *fx = *state;
	struct spam_batch *b = spam_batch_new();
	const uint64_t spam[] = { 0, 1, 2, 3 }, ham[] = { 3, 4, 5, UINT64_MAX };

	/* nothing learned: an empty model at generation 0 */
	struct spam_model *m = load(fx, 1000);
	assert_int_equal(spam_model_nspam(m), 0);
	assert_int_equal(spam_model_nfeatures(m), 0);
	assert_int_equal(spam_model_gen(m), 0);
	spam_model_unref(m);

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(learn(fx, b, i, spam, 4, SPAM_CLASS_SPAM, false), SPAM_LEARNED);
	for (unsigned i = 10; i < 12; i++)
		assert_int_equal(learn(fx, b, i, ham, 4, SPAM_CLASS_HAM, false), SPAM_LEARNED);
	/* the same message again, in the same batch: counted once */
	assert_int_equal(learn(fx, b, 0, spam, 4, SPAM_CLASS_SPAM, false), SPAM_LEARN_ALREADY);
	assert_int_equal(spam_batch_messages(b), 5);
	assert_false(spam_batch_full(b, 6));
	assert_true(spam_batch_full(b, 5));
	/* nothing is in the store before the commit */
	m = load(fx, 1000);
	assert_int_equal(spam_model_nfeatures(m), 0);
	spam_model_unref(m);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	assert_int_equal(spam_batch_messages(b), 0);

	m = load(fx, 1000);
	assert_int_equal(spam_model_gen(m), 1);
	assert_int_equal(spam_model_nspam(m), 3);
	assert_int_equal(spam_model_nham(m), 2);
	assert_int_equal(spam_model_nfeatures(m), 7);	/* 0 and UINT64_MAX too */
	assert_counts(m, 0, 3, 0);
	assert_counts(m, 3, 3, 2);
	assert_counts(m, UINT64_MAX, 0, 2);
	assert_counts(m, 99, 0, 0);
	spam_model_unref(m);

	/* after the commit, from the store: already; then moved to ham */
	assert_int_equal(learn(fx, b, 1, spam, 4, SPAM_CLASS_SPAM, false), SPAM_LEARN_ALREADY);
	assert_int_equal(learn(fx, b, 1, spam, 4, SPAM_CLASS_HAM, false), SPAM_RELEARNED);
	/* forgotten (whatever class is named), then unknown */
	assert_int_equal(learn(fx, b, 2, spam, 4, SPAM_CLASS_HAM, true), SPAM_FORGOTTEN);
	assert_int_equal(learn(fx, b, 2, spam, 4, SPAM_CLASS_SPAM, true), SPAM_NOT_LEARNED);
	assert_int_equal(learn(fx, b, 77, spam, 4, SPAM_CLASS_SPAM, true), SPAM_NOT_LEARNED);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	int64_t gen = 0;
	assert_true(spam_model_generation(fx->st, &gen, fx->err, sizeof fx->err));
	assert_int_equal(gen, 2);

	m = load(fx, 1000);
	assert_int_equal(spam_model_nspam(m), 1);
	assert_int_equal(spam_model_nham(m), 3);
	assert_counts(m, 1, 1, 1);
	assert_counts(m, 3, 1, 3);
	assert_counts(m, 4, 0, 2);
	spam_model_unref(m);

	/* the cap: 7 features do not fit in 5 */
	struct spam_model *none = NULL;
	assert_false(spam_model_load(fx->st, 5, &none, fx->err, sizeof fx->err));
	assert_null(none);
	assert_non_null(strstr(fx->err, "bayes.max_features"));

	/* a batch without messages writes nothing, not even the generation */
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	assert_true(spam_model_generation(fx->st, &gen, fx->err, sizeof fx->err));
	assert_int_equal(gen, 2);
	spam_batch_free(b);
}

/* Forgetting every message brings every count back to 0. */
static void
test_forget_all(void **state)
{
	struct fixture *fx = *state;
	struct spam_batch *b = spam_batch_new();
	const uint64_t f1[] = { 10, 11 }, f2[] = { 11, 12 };

	learn(fx, b, 1, f1, 2, SPAM_CLASS_SPAM, false);
	learn(fx, b, 2, f2, 2, SPAM_CLASS_HAM, false);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	assert_int_equal(learn(fx, b, 1, f1, 2, SPAM_CLASS_SPAM, true), SPAM_FORGOTTEN);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	assert_int_equal(learn(fx, b, 2, f2, 2, SPAM_CLASS_SPAM, true), SPAM_FORGOTTEN);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	struct spam_model *m = load(fx, 1000);
	assert_int_equal(spam_model_nspam(m), 0);
	assert_int_equal(spam_model_nham(m), 0);
	assert_int_equal(spam_model_nfeatures(m), 0);	/* zero counts are not loaded */
	spam_model_unref(m);
	spam_batch_free(b);
}

/* Verdicts: direction, the prior for the unknown, calibration's sign. */
static void
test_classify(void **state)
{
	struct fixture *fx = *state;
	struct spam_batch *b = spam_batch_new();

	/* 20 spam with features 100..104 + a shared one, 20 ham with 200..204 */
	for (unsigned i = 0; i < 20; i++) {
		uint64_t s[] = { 100 + i % 5, 7 }, h[] = { 200 + i % 5, 7 };
		learn(fx, b, i, s, 2, SPAM_CLASS_SPAM, false);
		learn(fx, b, 1000 + i, h, 2, SPAM_CLASS_HAM, false);
	}
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	struct spam_model *m = load(fx, 1000);
	struct spam_verdict v;

	uint64_t spammy[] = { 7, 100, 101, 102 };
	struct spam_features *f = feats(spammy, 4);
	spam_classify(m, f, &spam_params_default, &v);
	assert_int_equal(v.known, 4);
	assert_int_equal(v.used, 4);
	assert_true(v.score > 2.5);
	assert_true(v.prob > 0.999);
	feats_free(f);

	uint64_t hammy[] = { 7, 200, 203, 999 };
	f = feats(hammy, 4);
	spam_classify(m, f, &spam_params_default, &v);
	assert_int_equal(v.known, 3);
	assert_int_equal(v.used, 4);	/* the unknown one counts as the prior */
	assert_true(v.score < -1.5);
	assert_true(v.prob < 0.01);
	feats_free(f);

	/* only the shared feature and unknown ones: no evidence either way */
	uint64_t neutral[] = { 7, 5000, 5001 };
	f = feats(neutral, 3);
	spam_classify(m, f, &spam_params_default, &v);
	assert_true(fabs(v.score) < 1e-9);
	double p0 = 1.0 / (1.0 + exp(-spam_params_default.platt_b));
	assert_true(fabs(v.prob - p0) < 1e-9);
	feats_free(f);

	/* an empty model gives 0.5 and uses nothing */
	spam_classify(NULL, f = feats(spammy, 4), &spam_params_default, &v);
	assert_true(v.prob == 0.5);
	assert_int_equal(v.used, 0);
	feats_free(f);
	spam_model_unref(m);
	spam_batch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chi2q),
		cmocka_unit_test_setup_teardown(test_learn_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
