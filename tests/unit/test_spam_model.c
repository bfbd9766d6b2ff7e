/*
 * test_spam_model.c - the spam classifier's counts (src/spam/model.c):
 * the chi-square tail against direct sums, learning into a real SQLite
 * store and loading it back, idempotence, relearning and forgetting (in
 * one batch and across commits), the generation, the feature cap, and
 * the direction and calibration of a verdict; the second stage: rebuilt
 * from the records, the same whatever the order of learning and the
 * batches, forgetting exact, records written for messages learned before
 * records were kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
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

/* Fisher's counts only */
static struct spam_load_opts
counts_only(size_t max)
{
	struct spam_load_opts o = spam_load_defaults;
	o.max_features = max;
	o.lr = false;
	return o;
}

static struct spam_model *
load(struct fixture *fx, size_t max)
{
	struct spam_model *m = NULL;
	struct spam_load_opts o = counts_only(max);
	assert_true(spam_model_load(fx->st, &o, &m, fx->err, sizeof fx->err));
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
	struct spam_batch *b = spam_batch_new(false);
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
	struct spam_load_opts five = counts_only(5);
	assert_false(spam_model_load(fx->st, &five, &none, fx->err, sizeof fx->err));
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
	struct spam_batch *b = spam_batch_new(false);
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
	struct spam_batch *b = spam_batch_new(false);

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

/* The second stage's load options for the tests: 2^10 weights. */
static struct spam_load_opts
with_lr(void)
{
	struct spam_load_opts o = spam_load_defaults;
	o.lr_bits = 10;
	return o;
}

static struct spam_model *
load_lr(struct mamori_store *st, char *err, size_t errlen)
{
	struct spam_model *m = NULL;
	struct spam_load_opts o = with_lr();
	if (!spam_model_load(st, &o, &m, err, errlen))
		fail_msg("load: %s", err);
	return m;
}

/* message i of the lr tests: spam for i < 30, else ham */
static void
lr_learn(struct fixture *fx, struct mamori_store *st, struct spam_batch *b, unsigned i,
    bool forget)
{
	uint64_t h[3] = { i < 30 ? 100 + i % 5 : 200 + i % 5, 7, 1000 + i };
	struct spam_features *f = feats(h, 3);
	f->x = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	uint64_t x = 5000 + i % 3;	/* a family of the second stage only */
	g_array_append_val(f->x, x);
	uint8_t d[16];
	enum spam_learned r;
	/* digests unrelated to the order of i */
	digest(d, i * 2654435761u);
	assert_true(spam_batch_learn(b, st, d, f, i < 30 ? SPAM_CLASS_SPAM : SPAM_CLASS_HAM,
	    forget, &r, fx->err, sizeof fx->err));
	assert_int_equal(r, forget ? SPAM_FORGOTTEN : SPAM_LEARNED);
	g_array_unref(f->x);
	feats_free(f);
}

static void
probe(const struct spam_model *m, const uint64_t *h, size_t n, struct spam_verdict *v)
{
	struct spam_features *f = feats(h, n);
	spam_classify(m, f, &spam_params_default, v);
	feats_free(f);
}

static void
test_lr(void **state)
{
	struct fixture *fx = *state;
	char *dir2 = g_build_filename(fx->dir, "b", NULL);
	assert_int_equal(g_mkdir(dir2, 0700), 0);
	struct mamori_store *st2 = store_sqlite_open(dir2, fx->err, sizeof fx->err);
	assert_non_null(st2);

	/* A: spam first, then ham, a commit every 7 messages; B: ham first,
	 * one batch */
	struct spam_batch *a = spam_batch_new(true), *b = spam_batch_new(true);
	for (unsigned i = 0; i < 60; i++) {
		lr_learn(fx, fx->st, a, i, false);
		if (i % 7 == 6)
			assert_true(spam_batch_commit(a, fx->st, fx->err, sizeof fx->err));
	}
	assert_true(spam_batch_commit(a, fx->st, fx->err, sizeof fx->err));
	for (unsigned i = 60; i-- > 0;)
		lr_learn(fx, st2, b, i, false);
	assert_true(spam_batch_commit(b, st2, fx->err, sizeof fx->err));

	struct spam_model *ma = load_lr(fx->st, fx->err, sizeof fx->err);
	struct spam_model *mb = load_lr(st2, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(ma), 60);
	assert_int_equal(spam_model_lr_messages(mb), 60);
	const uint64_t spammy[] = { 7, 100, 101 }, hammy[] = { 7, 200, 202 };
	struct spam_verdict va, vb;
	probe(ma, spammy, 3, &va);
	probe(mb, spammy, 3, &vb);
	assert_true(va.has_lr);
	assert_true(va.lr > 0.5);
	assert_true(va.lr == vb.lr);	/* bit for bit: the order did not matter */
	assert_true(va.score == vb.score);
	assert_true(va.prob > 0.5);
	probe(ma, hammy, 3, &va);
	probe(mb, hammy, 3, &vb);
	assert_true(va.lr < -0.5);
	assert_true(va.lr == vb.lr);
	assert_true(va.prob < 0.5);
	spam_model_unref(ma);

	/* forgetting is exact: A learns 10 more and forgets them, and is B
	 * again */
	for (unsigned i = 60; i < 70; i++)
		lr_learn(fx, fx->st, a, i, false);
	assert_true(spam_batch_commit(a, fx->st, fx->err, sizeof fx->err));
	ma = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(ma), 70);
	probe(ma, hammy, 3, &va);
	assert_true(va.lr != vb.lr);
	spam_model_unref(ma);
	for (unsigned i = 60; i < 70; i++)
		lr_learn(fx, fx->st, a, i, true);
	assert_true(spam_batch_commit(a, fx->st, fx->err, sizeof fx->err));
	ma = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(ma), 60);
	probe(ma, hammy, 3, &va);
	assert_true(va.lr == vb.lr);
	probe(ma, spammy, 3, &va);
	probe(mb, spammy, 3, &vb);
	assert_true(va.lr == vb.lr);
	spam_model_unref(ma);

	/* lr_messages: a sample; a model without the second stage */
	struct spam_load_opts o = with_lr();
	o.lr_messages = 25;
	assert_true(spam_model_load(st2, &o, &ma, fx->err, sizeof fx->err));
	assert_true(spam_model_lr_messages(ma) > 10 && spam_model_lr_messages(ma) < 40);
	spam_model_unref(ma);
	o.lr = false;
	assert_true(spam_model_load(st2, &o, &ma, fx->err, sizeof fx->err));
	assert_int_equal(spam_model_lr_messages(ma), 0);
	probe(ma, spammy, 3, &va);
	assert_false(va.has_lr);
	assert_true(va.score == va.fisher);
	spam_model_unref(ma);
	o = with_lr();
	o.lr_bits = 30;
	assert_false(spam_model_load(st2, &o, &ma, fx->err, sizeof fx->err));
	assert_non_null(strstr(fx->err, "lr_bits"));
	spam_model_unref(mb);
	spam_batch_free(a);
	spam_batch_free(b);
	mamori_store_close(st2);
	g_free(dir2);
}

/* Messages learned without records (an older release) get theirs when
 * they are learned again. */
static void
test_lr_old_store(void **state)
{
	struct fixture *fx = *state;
	struct spam_batch *old = spam_batch_new(false), *b = spam_batch_new(true);

	for (unsigned i = 25; i < 35; i++)
		lr_learn(fx, fx->st, old, i, false);
	assert_true(spam_batch_commit(old, fx->st, fx->err, sizeof fx->err));
	struct spam_model *m = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(m), 0);
	assert_int_equal(spam_model_nspam(m), 5);
	spam_model_unref(m);

	uint64_t h[3] = { 100 + 25 % 5, 7, 1000 + 25 };
	struct spam_features *f = feats(h, 3);
	uint8_t d[16];
	enum spam_learned r;
	digest(d, 25u * 2654435761u);
	assert_true(spam_batch_learn(b, fx->st, d, f, SPAM_CLASS_SPAM, false, &r, fx->err,
	    sizeof fx->err));
	assert_int_equal(r, SPAM_LEARN_ALREADY);
	assert_int_equal(spam_batch_messages(b), 1);	/* its record */
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	/* once written, learning it again adds nothing */
	assert_true(spam_batch_learn(b, fx->st, d, f, SPAM_CLASS_SPAM, false, &r, fx->err,
	    sizeof fx->err));
	assert_int_equal(r, SPAM_LEARN_ALREADY);
	assert_int_equal(spam_batch_messages(b), 0);
	feats_free(f);
	m = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(m), 1);
	assert_int_equal(spam_model_nspam(m), 5);	/* the counts did not move */
	spam_model_unref(m);
	spam_batch_free(old);
	spam_batch_free(b);
}

/* A record of an older format (its features hashed otherwise) is not
 * learned from but counted; learning its message again rewrites it. */
static void
test_lr_stale_record(void **state)
{
	struct fixture *fx = *state;
	struct spam_batch *b = spam_batch_new(true);

	for (unsigned i = 25; i < 35; i++)
		lr_learn(fx, fx->st, b, i, false);
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	/* message 25's record as format 1 wrote it */
	uint8_t d[16];
	digest(d, 25u * 2654435761u);
	char key[34] = "f";
	for (int i = 0; i < 16; i++)
		snprintf(key + 1 + 2 * i, 3, "%02x", d[i]);
	const uint8_t v1[] = { 1, 0x7d, 0, 0, 0, 7, 0, 0, 0 };
	assert_int_equal(mamori_store_kv_put(fx->st, SPAM_NS, key, v1, sizeof v1, 0, fx->err,
	    sizeof fx->err), MAMORI_STORE_OK);
	struct spam_model *m = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(m), 9);
	assert_int_equal(spam_model_lr_stale(m), 1);
	spam_model_unref(m);

	uint64_t h[3] = { 100 + 25 % 5, 7, 1000 + 25 };
	struct spam_features *f = feats(h, 3);
	enum spam_learned r;
	assert_true(spam_batch_learn(b, fx->st, d, f, SPAM_CLASS_SPAM, false, &r, fx->err,
	    sizeof fx->err));
	assert_int_equal(r, SPAM_LEARN_ALREADY);
	assert_int_equal(spam_batch_messages(b), 1);	/* its record, rewritten */
	assert_true(spam_batch_commit(b, fx->st, fx->err, sizeof fx->err));
	feats_free(f);
	m = load_lr(fx->st, fx->err, sizeof fx->err);
	assert_int_equal(spam_model_lr_messages(m), 10);
	assert_int_equal(spam_model_lr_stale(m), 0);
	assert_int_equal(spam_model_nspam(m), 5);	/* the counts did not move */
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
		cmocka_unit_test_setup_teardown(test_lr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lr_old_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lr_stale_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
