/*
 * model.h - the spam classifier's model (docs/spam.md): per feature, in
 * how many learned spam and ham messages it occurs, and the number of
 * messages learned per class.
 *
 * The counts live in the store (include/mamori/store.h), namespace
 * "bayes", as counters, so that learners in several processes add to them
 * without losing an update and a message can be forgotten exactly:
 *
 *   "s" + 16 hex digits   spam messages with the feature (spam_feature_hash)
 *   "h" + 16 hex digits   ham messages with the feature
 *   "#spam", "#ham"       messages learned per class
 *   "#gen"                +1 per committed batch: a reader reloads when it
 *                         changes
 *   "m" + 32 hex digits   a learned message (the first 128 bits of its
 *                         digest): 1 spam, 2 ham
 *
 * and, for the second stage, one key/value record per learned message
 * (when the batch keeps records):
 *
 *   "f" + 32 hex digits   the same digest: a format byte
 *                         (SPAM_RECORD_FORMAT), then the low 32 bits of
 *                         its features (spam_features h, then x; at most
 *                         SPAM_RECORD_MAX), little-endian.  Records of
 *                         another format (1: the "o" and "b" families
 *                         hashed by XXH3 of their names) are not learned
 *                         from but counted (spam_model_lr_stale()); the
 *                         message learned again rewrites its record.
 *
 * The second stage is a logistic regression over those features hashed
 * into 2^bits weights.  It is not learned in the order messages were
 * learned (`mamori learn --ham DIR` then `--spam DIR` would wreck it), but
 * rebuilt at every load from the records of the messages learned now, in
 * orders given by their digests (pseudo-random, the same in every
 * process), so that it is deterministic and forgetting a message is exact.
 *
 * A scan never reads the store per feature: a struct spam_model is an
 * immutable in-memory snapshot of all counts (an open-addressing table, 16
 * bytes a feature at a load of at most 0.7: 1 M features take 24-32 MB),
 * shared by all threads, reference-counted, replaced whole when "#gen"
 * moves.
 */
#ifndef MAMORI_SPAM_MODEL_H
#define MAMORI_SPAM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mamori_store;
struct spam_features;

#define SPAM_NS "bayes"

struct spam_model;

/* Features of one message's record (the rest is not learned from). */
#define SPAM_RECORD_MAX 16384
/* The format byte of the records written now. */
#define SPAM_RECORD_FORMAT 2

/* How the model is loaded. */
struct spam_load_opts {
	size_t max_features;	/* a store with more fails with a message */
	bool lr;		/* build the second stage */
	unsigned lr_bits;	/* 2^lr_bits weights (4 bytes each), 10..26 */
	unsigned lr_passes;	/* passes over the records */
	unsigned lr_models;	/* regressions averaged, each in its own order */
	double lr_rate;		/* the step of each update */
	double lr_margin;	/* a message right by this log-odds margin
				 * already is not learned from (TONE) */
	uint32_t lr_messages;	/* records learned from at most (a random
				 * sample by digest beyond) */
};
extern const struct spam_load_opts spam_load_defaults;

/*
 * The model in the store as it is now: *out (never NULL on success; an
 * empty model when nothing was learned).
 */
bool spam_model_load(struct mamori_store *st, const struct spam_load_opts *o,
    struct spam_model **out, char *err, size_t errlen);
/* The store's generation counter ("#gen"): whether a reload is due. */
bool spam_model_generation(struct mamori_store *st, int64_t *gen, char *err,
    size_t errlen);

struct spam_model *spam_model_ref(struct spam_model *m);
void spam_model_unref(struct spam_model *m);

int64_t spam_model_gen(const struct spam_model *m);
uint64_t spam_model_nspam(const struct spam_model *m);
uint64_t spam_model_nham(const struct spam_model *m);
size_t spam_model_nfeatures(const struct spam_model *m);
/* The second stage's weights, indexed by (uint32_t)hash & *mask (for
 * spam_tok_opts.prefetch_w); NULL without a second stage. */
const float *spam_model_lr_weights(const struct spam_model *m, uint32_t *mask);
/* Messages the second stage learned from (0: no second stage). */
size_t spam_model_lr_messages(const struct spam_model *m);
/* Records of learned messages in an older format, which the second stage
 * does not learn from (learn those messages again). */
size_t spam_model_lr_stale(const struct spam_model *m);
/* Counts of one feature (0, 0 when unknown). */
void spam_model_counts(const struct spam_model *m, uint64_t h, uint32_t *nspam,
    uint32_t *nham);

/* How features are combined (docs/spam.md, "The model"). */
struct spam_params {
	double strength;	/* s: weight of the prior x for a rare feature */
	double prior;		/* x: the probability of an unknown feature */
	double min_dev;		/* features with |f - 0.5| below are ignored */
	double platt_a, platt_b;	/* P(spam) = 1 / (1 + e^-(a score + b)),
					 * Fisher alone */
	/* with the second stage: score = lr + fisher_weight x Fisher's */
	double fisher_weight;
	double lr_platt_a, lr_platt_b;
};
extern const struct spam_params spam_params_default;

struct spam_verdict {
	double score;		/* what prob is computed from: > 0 spam, < 0
				 * ham, 0 no evidence */
	double evidence;	/* the log-odds the features add: a x score */
	double fisher;		/* ln Q - ln P */
	double lr;		/* the second stage's log-odds (0 without) */
	bool has_lr;		/* the second stage took part */
	double prob;		/* P(spam), 0..1: the calibrated score */
	unsigned used;		/* features that entered the decision */
	unsigned known;		/* features of the message the model has seen */
};

/* ln of the chi-square upper tail Q(x2, v), v even (exposed for tests). */
double spam_log_chi2q(double x2, unsigned v);

/* Classify a message's features against m (NULL: no model, p = 0.5). */
void spam_classify(const struct spam_model *m, const struct spam_features *f,
    const struct spam_params *p, struct spam_verdict *v);

/* ---- learning: deltas collected in memory, written in one batch ---- */

enum spam_class { SPAM_CLASS_NONE = 0, SPAM_CLASS_SPAM = 1, SPAM_CLASS_HAM = 2 };

struct spam_batch;
/* records: keep each message's record for the second stage */
struct spam_batch *spam_batch_new(bool records);
void spam_batch_free(struct spam_batch *b);
/* Messages in the batch not yet committed. */
size_t spam_batch_messages(const struct spam_batch *b);
/* Whether the batch should be written now: batch messages, or so many
 * distinct counters (SPAM_BATCH_KEYS_MAX: about 200 MB of memory) that a
 * corpus of long messages must not wait for the message count. */
#define SPAM_BATCH_KEYS_MAX 2000000
#define SPAM_BATCH_RECORD_BYTES (128u << 20)	/* or so many bytes of records */
bool spam_batch_full(const struct spam_batch *b, size_t batch);

enum spam_learned {
	SPAM_LEARNED,		/* counted */
	SPAM_LEARN_ALREADY,	/* it was counted as this class already */
	SPAM_RELEARNED,		/* moved from the other class */
	SPAM_FORGOTTEN,		/* its counts taken away */
	SPAM_NOT_LEARNED,	/* forget of a message never learned */
};

/*
 * Learn (or, forget: unlearn) one message, identified by digest (16
 * bytes), with its features, as cls; its earlier class is read from the
 * batch or the store.  Nothing is written until spam_batch_commit().
 */
bool spam_batch_learn(struct spam_batch *b, struct mamori_store *st,
    const uint8_t digest[16], const struct spam_features *f, enum spam_class cls,
    bool forget, enum spam_learned *out, char *err, size_t errlen);
/* Write the batch (the records first, then the counts and "#gen", each
 * one transaction: a record without its count is never learned from),
 * then empty it. */
bool spam_batch_commit(struct spam_batch *b, struct mamori_store *st, char *err,
    size_t errlen);

#endif
