/*
 * check_bayes.c - the bayes module: the statistical spam classifier
 * (docs/spam.md), learned from the operator's own mail.
 *
 * A scan tokenises the message (src/spam/tokenize.h: words of the
 * visible text, Japanese segmented by ICU, sparse bigrams, selected
 * sender-side headers, link hosts) and combines what the model knows of
 * those features into P(spam) (src/spam/model.h).  The model is an
 * in-memory snapshot of the counts in the store, shared by every thread;
 * a scan that finds it older than bayes.refresh_s asks the store whether
 * anything was learned since (one counter read), and reloads it if so,
 * while the other scans go on with the old one.
 *
 * Learning (mamori learn, POST /learn/..., mamori quarantine learn) goes
 * through the same tokeniser: learn() collects the counts of one message
 * in the engine's batch, learn_commit() writes the batch to the store in
 * one transaction.
 *
 * No verdict (and a report saying why) without a store, or before
 * bayes.min_learned messages of each class were learned.
 *
 * Autolearn (bayes.autolearn, off by default): a scanned message whose
 * score is very high or very low is learned as spam or ham.  The score
 * must leave out the classifier's own symbols, or the model would feed on
 * its own opinion (SpamAssassin excludes its BAYES_* rules the same way),
 * and it is known only once every other module has run; run() cannot see
 * it.  So the decision is taken in finish(), which the driver calls after
 * every stage, with the core's scan_score_others() (the score so far
 * without the calling module's symbols: in finish() the final one).  No
 * second stage or hook is needed.  The features tokenised by run() are
 * kept in the scan's state for it.  Autolearn never moves a message
 * learned as the other class (an operator's word beats a score), goes
 * through the engine's batch like any learning, and the batch is written
 * every bayes.batch messages, at the first scan bayes.autolearn_commit_s
 * after the first autolearned message was collected, and when the engine
 * is freed (stop, reload): never one transaction per scanned message.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "core/module.h"
#include "mamori/store.h"
#include "mime/message.h"
#include "spam/model.h"
#include "spam/tokenize.h"
#include "util/jsonw.h"

#define SYMBOLS(X) \
	X(BAYES_SPAM, 6.0, NO_FORCE, "The words, headers and links of the message are evidence of spam for the statistical classifier: the log-odds they add, e (docs/spam.md: 1.49 x the two stages' score, or 2.886 x Fisher's without the second stage), is above 0. Weight: weight x min(1, e / ln(full_prob / (1 - full_prob))): it grows with the evidence and is all there from bayes.full_prob (0.999, e = 6.9) on. Option: the probability of spam, e.g. \"0.9987\".") \
	X(BAYES_HAM, -3.0, NO_FORCE, "The same evidence points to wanted mail (e below 0): weight x min(1, -e / ln(full_prob / (1 - full_prob))). Option: the probability of spam.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* The section bayes. */
struct bayes_conf {
	bool enabled;
	uint32_t min_learned;	/* of each class before a verdict */
	uint32_t refresh_s;	/* how often the store is asked for news */
	uint32_t max_features;	/* features loaded into memory */
	uint32_t tokens_max;	/* words read per message */
	uint64_t text_bytes;	/* bytes of normalised text read per part */
	uint32_t batch;		/* messages learned per store transaction */
	unsigned features;	/* SPAM_TOK_* families */
	bool lr;		/* the second stage */
	unsigned lr_features;	/* its families beyond features */
	uint32_t lr_bits;
	uint32_t lr_passes;
	uint32_t lr_models;
	uint32_t lr_messages;
	uint32_t body_bytes;	/* read for "bytes" */
	double full_prob;	/* the whole weight from this certainty on */
	bool autolearn;		/* learn from very high / very low scores */
	double autolearn_spam;	/* score (without BAYES_*) at or above: spam */
	double autolearn_ham;	/* at or below: ham */
	uint32_t autolearn_commit_s;	/* autolearned messages written this often */
};

/* bit i is SPAM_TOK_*'s bit i (checked below) */
static const char *const feature_choices[] = {
	"words", "subject", "bigrams", "cjk", "headers", "urls", "message_id", "bytes", NULL,
};
G_STATIC_ASSERT(SPAM_TOK_WORDS == 1u << 0 && SPAM_TOK_SUBJECT == 1u << 1 &&
    SPAM_TOK_OSB == 1u << 2 && SPAM_TOK_CJK == 1u << 3 && SPAM_TOK_HEADERS == 1u << 4 &&
    SPAM_TOK_URLS == 1u << 5 && SPAM_TOK_MSGID == 1u << 6 && SPAM_TOK_BYTES == 1u << 7);

#define C struct bayes_conf
static const struct conf_key keys[] = {
	CONF_BOOL(C, enabled, true, "classify with the learned model (and allow learning)"),
	CONF_UINT(C, min_learned, 1, 1000000, 200,
	    "messages of each class learned before the classifier gives a verdict"),
	CONF_UINT(C, refresh_s, 0, 86400, 60,
	    "a running daemon checks the store for newly learned messages this often (0: every scan)"),
	CONF_UINT(C, max_features, 1000, 50000000, 4000000,
	    "features held in memory (16-24 bytes each); a larger model is not loaded"),
	CONF_UINT(C, tokens_max, 100, 10000000, 20000,
	    "words read from one message (body and Subject); the rest is not classified"),
	CONF_SIZE(C, text_bytes, 1024, 64 * 1024 * 1024, 256 * 1024,
	    "bytes of normalised text read from one text or HTML part"),
	CONF_UINT(C, batch, 1, 1000000, 1000,
	    "mamori learn writes to the store once per this many messages"),
	/* measured by cross-validation on the corpus's train split (docs/
	 * spam.md): with Fisher's combination sparse bigrams cost accuracy
	 * (they are not independent evidence) and time; the Message-ID's
	 * domain names the site that collected a corpus */
	CONF_FLAGS(C, features, feature_choices, SPAM_TOK_WORDS | SPAM_TOK_SUBJECT |
	    SPAM_TOK_CJK | SPAM_TOK_HEADERS | SPAM_TOK_URLS,
	    "the feature families of both stages: words, subject, bigrams, cjk, headers, urls, "
	    "message_id, bytes (changing them needs relearning)"),
	CONF_BOOL(C, lr, true,
	    "the second stage: a logistic regression over the features and lr_features, "
	    "rebuilt from the learned messages' records at every load"),
	/* sparse bigrams and byte 4-grams: correlated evidence, which the
	 * regression weighs and Fisher's combination cannot (docs/spam.md) */
	CONF_FLAGS(C, lr_features, feature_choices, SPAM_TOK_OSB | SPAM_TOK_BYTES,
	    "families the second stage reads beyond features (changing them needs relearning)"),
	CONF_UINT(C, lr_bits, 10, 26, 20,
	    "the second stage hashes features into 2^lr_bits weights of 4 bytes (20: 4 MiB)"),
	CONF_UINT(C, lr_passes, 1, 20, 2,
	    "passes over the learned messages when the second stage is rebuilt"),
	CONF_UINT(C, lr_models, 1, 16, 4,
	    "regressions averaged in the second stage, each learned in an order of its own"),
	CONF_UINT(C, lr_messages, 1, 100000000, 20000,
	    "learned messages the second stage learns from at most (a random sample beyond)"),
	CONF_UINT(C, body_bytes, 16, 1048576, 3000,
	    "bytes of the body, as it came, read for the byte 4-grams (bytes)"),
	CONF_NUMBER(C, full_prob, 0.999,
	    "BAYES_SPAM and BAYES_HAM carry their whole weight from evidence this strong on (its log-odds)"),
	CONF_BOOL(C, autolearn, false,
	    "learn scanned messages with a very high score as spam and with a very low one as ham "
	    "(once min_learned of each class are learned)"),
	CONF_NUMBER(C, autolearn_spam, 12.0,
	    "autolearn as spam at or above this score, the bayes symbols left out"),
	CONF_NUMBER(C, autolearn_ham, -1.0,
	    "autolearn as ham at or below this score, the bayes symbols left out"),
	CONF_UINT(C, autolearn_commit_s, 0, 86400, 30,
	    "autolearned messages are written to the store at most this long after the first "
	    "(or every batch messages, and when the daemon stops or reloads)"),
};
#undef C

static bool
check(const void *conf, char *err, size_t errlen)
{
	const struct bayes_conf *c = conf;

	if (!(c->full_prob > 0.5 && c->full_prob < 1.0)) {	/* NaN too */
		snprintf(err, errlen, "bayes.full_prob must be above 0.5 and below 1");
		return false;
	}
	if (!(c->autolearn_ham < c->autolearn_spam)) {
		snprintf(err, errlen, "bayes.autolearn_ham must be below bayes.autolearn_spam");
		return false;
	}
	return true;
}

/* How much of its weight a symbol carries at the evidence e (the
 * log-odds the features add, a x score): linear from none at 0 to all of
 * it at the log-odds of full_prob. */
static double
confidence(double e, double full)
{
	return fmin(1.0, fabs(e) / log(full / (1.0 - full)));
}

struct bayes_engine {
	const struct bayes_conf *conf;
	struct spam_tok_opts tok;
	struct spam_params params;
	struct spam_load_opts load;
	GMutex lock;		/* the fields below */
	struct mamori_store *store;	/* the store the model came from */
	struct spam_model *model;	/* NULL until loaded */
	gint64 checked_us;	/* last time the store was asked */
	bool reloading;		/* one scan is reloading: the others go on */
	char load_err[256];	/* why the last load failed, or "" */
	GMutex batch_lock;	/* learning: apart, so that scans never wait
				 * for a commit */
	struct spam_batch *batch;	/* learning not yet committed */
	/* autolearn (batch_lock): what it collected and not yet written */
	struct mamori_store *auto_store;	/* the store it learned into */
	gint auto_pending;	/* autolearned messages in the batch (atomic reads) */
	gint64 auto_since_us;	/* when the first of them was collected */
};

struct bayes_state {
	const char *skipped;	/* why there is no verdict, or NULL */
	char why[320];
	struct spam_verdict v;
	bool judged;
	uint64_t nspam, nham;
	size_t stale;		/* learned messages whose record is of an
				 * older format (spam_model_lr_stale()) */
	unsigned nfeatures;
	bool truncated;
	struct spam_features *f;	/* kept by run() for autolearn */
	const char *autolearned;	/* "spam", "ham" or NULL */
	char *autolearn_err;	/* the store failed: why (g_malloc'd) */
};

static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct bayes_conf *c = s->conf;
	struct bayes_engine *e = g_new0(struct bayes_engine, 1);

	e->conf = c;
	e->tok = spam_tok_defaults;
	e->tok.families = c->features;
	e->tok.tokens_max = c->tokens_max;
	e->tok.text_max = c->text_bytes;
	e->tok.second = c->lr ? c->lr_features & ~c->features : 0;
	e->tok.bytes_max = c->body_bytes;
	e->params = spam_params_default;
	e->load = spam_load_defaults;
	e->load.max_features = c->max_features;
	e->load.lr = c->lr;
	e->load.lr_bits = c->lr_bits;
	e->load.lr_passes = c->lr_passes;
	e->load.lr_models = c->lr_models;
	e->load.lr_messages = c->lr_messages;
	g_mutex_init(&e->lock);
	g_mutex_init(&e->batch_lock);
	e->batch = spam_batch_new(c->lr);
	*engine = e;
	return true;
}

static void
engine_free(void *p)
{
	struct bayes_engine *e = p;

	if (e == NULL)
		return;
	/* what autolearn collected (the store outlives the engine); an
	 * explicit learning left uncommitted is not written (mamori.h) and is
	 * never pending here: the autolearned messages are the only ones in
	 * the batch of an engine that scans, as learners commit per request */
	if (e->auto_pending > 0 && e->auto_store != NULL) {
		char err[256];
		if (!spam_batch_commit(e->batch, e->auto_store, err, sizeof err))
			g_warning("bayes: %d autolearned message(s) not written: %s",
			    e->auto_pending, err);
	}
	spam_model_unref(e->model);
	spam_batch_free(e->batch);
	g_mutex_clear(&e->lock);
	g_mutex_clear(&e->batch_lock);
	g_free(e);
}

/*
 * The model for one scan (a reference: unref it), or NULL with why.  The
 * first load happens under the lock (every scan waits for it, so that no
 * scan goes without a model that exists); a reload is done by the one scan
 * that finds it due, outside the lock.
 */
static struct spam_model *
model_for_scan(struct bayes_engine *e, struct mamori_store *st, char *why, size_t len)
{
	gint64 now = g_get_monotonic_time();
	gint64 every = (gint64)e->conf->refresh_s * G_USEC_PER_SEC;
	struct spam_model *m = NULL;
	char err[256] = "";

	g_mutex_lock(&e->lock);
	if (e->store != st) {	/* another store handed to the engine */
		spam_model_unref(e->model);
		e->model = NULL;
		e->store = st;
		e->checked_us = 0;
		e->load_err[0] = '\0';
	}
	if (e->model == NULL) {
		if (e->checked_us == 0 || now - e->checked_us >= every) {
			e->checked_us = now;
			if (!spam_model_load(st, &e->load, &e->model, err,
			    sizeof err))
				snprintf(e->load_err, sizeof e->load_err, "%s", err);
			else
				e->load_err[0] = '\0';
		}
		if (e->model == NULL)
			snprintf(why, len, "the model could not be loaded: %s", e->load_err);
		else
			m = spam_model_ref(e->model);
		g_mutex_unlock(&e->lock);
		return m;
	}
	m = spam_model_ref(e->model);
	bool due = !e->reloading && now - e->checked_us >= every;
	if (due) {
		e->reloading = true;
		e->checked_us = now;
	}
	g_mutex_unlock(&e->lock);
	if (!due)
		return m;

	int64_t gen;
	struct spam_model *fresh = NULL;
	if (spam_model_generation(st, &gen, err, sizeof err) && gen != spam_model_gen(m) &&
	    spam_model_load(st, &e->load, &fresh, err, sizeof err)) {
		spam_model_unref(m);
		m = spam_model_ref(fresh);
	}
	g_mutex_lock(&e->lock);
	if (fresh != NULL) {
		spam_model_unref(e->model);
		e->model = fresh;
	}
	e->reloading = false;
	g_mutex_unlock(&e->lock);
	/* a failed reload keeps the model it had: still a verdict */
	return m;
}

/* m: the model the features are for (its weights are prefetched as the
 * features are made), or NULL */
static struct spam_features *
features_of(struct scan_ctx *ctx, const struct bayes_engine *e, const struct spam_model *m)
{
	size_t len = 0;
	const uint8_t *raw = scan_raw(ctx, &len);
	struct spam_tok_opts o = e->tok;
	if (m != NULL)
		o.prefetch_w = spam_model_lr_weights(m, &o.prefetch_mask);
	return spam_tokenize(scan_message(ctx), scan_content(ctx), scan_objects(ctx), raw, len,
	    &o);
}

static void
run(struct scan_ctx *ctx)
{
	const struct bayes_conf *c = scan_module_conf(ctx);
	struct bayes_engine *e = (struct bayes_engine *)scan_module_engine(ctx);
	struct bayes_state *s = scan_module_state(ctx);
	struct mamori_store *st = scan_store(ctx);

	if (!c->enabled) {
		s->skipped = "bayes.enabled is false";
		return;
	}
	if (st == NULL) {
		s->skipped = "no state directory: the classifier learns into the store "
		    "(mamori scan --state DIR, milter/serve --state)";
		return;
	}
	struct spam_model *m = model_for_scan(e, st, s->why, sizeof s->why);
	if (m == NULL) {
		s->skipped = s->why;
		return;
	}
	s->nspam = spam_model_nspam(m);
	s->nham = spam_model_nham(m);
	s->stale = spam_model_lr_stale(m);
	if (s->nspam < c->min_learned || s->nham < c->min_learned) {
		snprintf(s->why, sizeof s->why, "learned %" G_GUINT64_FORMAT " spam and %"
		    G_GUINT64_FORMAT " ham; bayes.min_learned is %u of each", s->nspam, s->nham,
		    c->min_learned);
		s->skipped = s->why;
		spam_model_unref(m);
		return;
	}
	struct spam_features *f = features_of(ctx, e, m);
	spam_classify(m, f, &e->params, &s->v);
	s->nfeatures = f->h->len;
	s->truncated = f->truncated;
	s->judged = true;
	scan_set_spam_probability(ctx, s->v.prob);
	if (c->autolearn)
		s->f = f;	/* for finish() */
	else
		spam_features_free(f);
	spam_model_unref(m);

	/* the evidence: the log-odds the features add to the prior's (a
	 * message without known features has none, whatever p says) */
	double ev = s->v.evidence;
	char opt[32];
	snprintf(opt, sizeof opt, "%.4f", s->v.prob);
	if (s->v.known == 0 || ev == 0.0)
		return;
	scan_add_scaled(ctx, ev > 0 ? SYM(BAYES_SPAM) : SYM(BAYES_HAM),
	    confidence(ev, c->full_prob), opt);
}

/* The message's identity for learning: its Message-ID and its features
 * (a copy of the same message with other Received lines is the same). */
static void
digest_of(const struct mime_message *msg, const struct spam_features *f, uint8_t out[16])
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	const char *mid = msg->headers->message_id != NULL ? msg->headers->message_id : "";
	uint8_t buf[32];
	gsize len = sizeof buf;

	g_checksum_update(ck, (const guchar *)mid, (gssize)strlen(mid) + 1);
	g_checksum_update(ck, (const guchar *)f->h->data, (gssize)(f->h->len * sizeof(uint64_t)));
	g_checksum_get_digest(ck, buf, &len);
	g_checksum_free(ck);
	memcpy(out, buf, 16);
}

/* Autolearn, after every module ran (see the head of the file). */
static void
finish(struct scan_ctx *ctx)
{
	const struct bayes_conf *c = scan_module_conf(ctx);
	struct bayes_engine *e = (struct bayes_engine *)scan_module_engine(ctx);
	struct bayes_state *s = scan_module_state(ctx);
	struct mamori_store *st = scan_store(ctx);
	gint64 now = g_get_monotonic_time();
	char err[256] = "";
	bool ok = true;

	if (!c->autolearn || st == NULL)
		return;
	/* s->f: judged, so the model has min_learned of each class; a scan
	 * cut short by a limit has an incomplete score */
	enum spam_class cls = SPAM_CLASS_NONE;
	if (s->f != NULL && !scan_expired(ctx) && !scan_has(ctx, "SCAN_LIMIT_EXCEEDED")) {
		double score = scan_score_others(ctx);
		if (score >= c->autolearn_spam)
			cls = SPAM_CLASS_SPAM;
		else if (score <= c->autolearn_ham)
			cls = SPAM_CLASS_HAM;
	}
	if (cls != SPAM_CLASS_NONE) {
		uint8_t d[16];
		enum spam_learned r;
		digest_of(scan_message(ctx), s->f, d);
		g_mutex_lock(&e->batch_lock);
		ok = spam_batch_learn(e->batch, st, d, s->f, cls, false, &r, err, sizeof err);
		if (ok && r == SPAM_RELEARNED) {
			/* learned as the other class (by an operator, or
			 * autolearned): put it back, it stays what it was */
			enum spam_class other = cls == SPAM_CLASS_SPAM ? SPAM_CLASS_HAM :
			    SPAM_CLASS_SPAM;
			ok = spam_batch_learn(e->batch, st, d, s->f, other, false, &r, err,
			    sizeof err);
		} else if (ok && r == SPAM_LEARNED) {
			s->autolearned = cls == SPAM_CLASS_SPAM ? "spam" : "ham";
			if (e->auto_pending == 0)
				e->auto_since_us = now;
			g_atomic_int_inc(&e->auto_pending);
			e->auto_store = st;
		}
		g_mutex_unlock(&e->batch_lock);
	}
	/* written every batch messages, or once autolearn_commit_s passed
	 * since the first one waiting; a scan does not wait for another's
	 * commit (trylock) */
	if (ok && g_atomic_int_get(&e->auto_pending) > 0 && g_mutex_trylock(&e->batch_lock)) {
		if (e->auto_pending > 0 && (spam_batch_full(e->batch, c->batch) ||
		    now - e->auto_since_us >= (gint64)c->autolearn_commit_s * G_USEC_PER_SEC)) {
			ok = spam_batch_commit(e->batch, e->auto_store, err, sizeof err);
			if (ok)
				g_atomic_int_set(&e->auto_pending, 0);
		}
		g_mutex_unlock(&e->batch_lock);
		if (ok && g_atomic_int_get(&e->auto_pending) == 0) {
			g_mutex_lock(&e->lock);
			e->checked_us = 0;	/* seen at the next scan */
			g_mutex_unlock(&e->lock);
		}
	}
	if (!ok)
		s->autolearn_err = g_strdup(err);
}

static void
state_free(void *p)
{
	struct bayes_state *s = p;

	spam_features_free(s->f);
	g_free(s->autolearn_err);
}

/* Learn one message's features into the batch, written every bayes.batch
 * messages (batch_lock). */
static bool
batch_learn(struct bayes_engine *e, struct mamori_store *st, const uint8_t d[16],
    const struct spam_features *f, enum spam_class cls, bool forget, enum spam_learned *r,
    char *err, size_t errlen)
{
	g_mutex_lock(&e->batch_lock);
	bool ok = spam_batch_learn(e->batch, st, d, f, cls, forget, r, err, errlen);
	if (ok && spam_batch_full(e->batch, e->conf->batch)) {
		ok = spam_batch_commit(e->batch, st, err, errlen);
		if (ok)
			g_atomic_int_set(&e->auto_pending, 0);
	}
	g_mutex_unlock(&e->batch_lock);
	return ok;
}

static enum mamori_status
learn(struct scan_ctx *ctx, enum mamori_learn_class cls, bool forget,
    enum mamori_learn_outcome *out, char *err, size_t errlen)
{
	const struct bayes_conf *c = scan_module_conf(ctx);
	struct bayes_engine *e = (struct bayes_engine *)scan_module_engine(ctx);
	struct mamori_store *st = scan_store(ctx);

	if (!c->enabled) {
		snprintf(err, errlen, "bayes.enabled is false: nothing learns");
		return MAMORI_ERR_CONFIG;
	}
	struct spam_features *f = features_of(ctx, e, NULL);
	uint8_t d[16];
	digest_of(scan_message(ctx), f, d);
	enum spam_learned r;
	bool ok = batch_learn(e, st, d, f,
	    cls == MAMORI_LEARN_SPAM ? SPAM_CLASS_SPAM : SPAM_CLASS_HAM, forget, &r, err, errlen);
	spam_features_free(f);
	if (!ok)
		return MAMORI_ERR_INTERNAL;
	switch (r) {
	case SPAM_LEARNED:
		*out = MAMORI_LEARNED;
		break;
	case SPAM_LEARN_ALREADY:
		*out = MAMORI_LEARN_ALREADY;
		break;
	case SPAM_RELEARNED:
		*out = MAMORI_RELEARNED;
		break;
	case SPAM_FORGOTTEN:
		*out = MAMORI_FORGOTTEN;
		break;
	case SPAM_NOT_LEARNED:
		*out = MAMORI_NOT_LEARNED;
		break;
	}
	return MAMORI_OK;
}

static bool
learn_commit(void *engine, struct mamori_store *st, char *err, size_t errlen)
{
	struct bayes_engine *e = engine;

	g_mutex_lock(&e->batch_lock);
	bool ok = spam_batch_commit(e->batch, st, err, errlen);
	if (ok)
		g_atomic_int_set(&e->auto_pending, 0);	/* written with it */
	g_mutex_unlock(&e->batch_lock);
	if (ok) {
		/* this process sees its own learning at its next scan */
		g_mutex_lock(&e->lock);
		e->checked_us = 0;
		g_mutex_unlock(&e->lock);
	}
	return ok;
}

/* "bayes": {"prob": p, "features": n, "used": n, "known": n, "learned":
 * {"spam": n, "ham": n[, "stale_records": n]}[, "autolearn": "spam"|"ham"]
 * [, "autolearn_error": why]}, or {"skipped": why} */
static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct bayes_state *s = scan_module_state(ctx);

	jw_obj(w, key);
	if (s->judged) {
		jw_real(w, "prob", round(s->v.prob * 1e6) / 1e6);
		jw_real(w, "score", round(s->v.score * 1e4) / 1e4);
		jw_real(w, "fisher", round(s->v.fisher * 1e4) / 1e4);
		if (s->v.has_lr)
			jw_real(w, "lr", round(s->v.lr * 1e4) / 1e4);
		jw_int(w, "features", s->nfeatures);
		jw_int(w, "known", s->v.known);
		jw_int(w, "used", s->v.used);
		if (s->truncated)
			jw_bool(w, "truncated", true);
	} else if (s->skipped != NULL) {
		jw_str(w, "skipped", s->skipped);
	}
	if (s->judged || s->nspam > 0 || s->nham > 0) {
		jw_obj(w, "learned");
		jw_int(w, "spam", (int64_t)s->nspam);
		jw_int(w, "ham", (int64_t)s->nham);
		if (s->stale > 0)
			jw_int(w, "stale_records", (int64_t)s->stale);
		jw_obj_end(w);
	}
	if (s->autolearned != NULL)
		jw_str(w, "autolearn", s->autolearned);
	if (s->autolearn_err != NULL)
		jw_str(w, "autolearn_error", s->autolearn_err);
	jw_obj_end(w);
}

static const char *const report_keys[] = { "bayes", NULL };

const struct mamori_module module_bayes = {
	.name = "bayes",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("bayes", keys, struct bayes_conf, check),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.state_size = sizeof(struct bayes_state),
	.state_free = state_free,
	.run = run,
	.finish = finish,
	.learn = learn,
	.learn_commit = learn_commit,
	.report_keys = report_keys,
	.report = report,
};
