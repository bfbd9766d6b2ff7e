/*
 * model.c - the spam classifier's counts in memory and in the store
 * (model.h), and how they are combined into a probability.
 *
 * The combination is Robinson's: each feature's spam probability is
 * smoothed towards a prior for rare features, and the features are
 * combined with Fisher's method (the inverse chi-square of -2 sum ln f),
 * once for spam and once for ham, as in SpamBayes and bogofilter
 * (docs/spam.md has the formulas).  The score is the log ratio of the two
 * tails, computed in the log domain, so that hundreds of extreme features
 * neither underflow nor tie at 0 or 1; a logistic (Platt) map of the score
 * gives the probability.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <glib.h>

#include "mamori/store.h"
#include "spam/model.h"
#include "spam/tokenize.h"

#define LOAD_NUM 7	/* the table is at most 7/10 full */
#define LOAD_DEN 10

struct cell {
	uint64_t key;
	uint32_t nspam, nham;
};

struct spam_model {
	gint ref;
	int64_t gen;
	uint64_t nspam, nham;
	size_t n;		/* features */
	size_t mask;		/* capacity - 1 (a power of two) */
	struct cell *cells;	/* key 0: empty; the feature 0 is kept apart */
	bool has_zero;
	struct cell zero;
	/* the second stage: NULL without */
	float *w;
	uint32_t wmask;
	float bias;
	size_t lr_messages;	/* records learned from */
	size_t lr_stale;	/* records of an older format, not used */
};

const struct spam_params spam_params_default = {
	.strength = 1.0,
	.prior = 0.5,
	.min_dev = 0.0,
	.platt_a = 2.886,
	.platt_b = 0.215,
	.fisher_weight = 0.01,
	/* fitted on the pooled scores of a 5-fold cross-validation inside the
	 * corpus's train split (docs/spam.md) */
	.lr_platt_a = 1.49,
	.lr_platt_b = 0.02,
};

const struct spam_load_opts spam_load_defaults = {
	.max_features = 4000000,
	.lr = true,
	.lr_bits = 20,
	.lr_passes = 2,
	.lr_models = 4,
	.lr_rate = 16.0,
	.lr_margin = 2.0,
	.lr_messages = 20000,
};

/* ---- memory ------------------------------------------------------------- */

/*
 * The tables a scan reads at random (the counts, the weights: megabytes)
 * are zeroed blocks aligned on 2 MiB and offered to the kernel for huge
 * pages: each lookup is a cache miss anyway, a TLB miss on top of it is
 * what this saves (Linux's transparent huge pages in "madvise" mode, the
 * Debian default).  Freed with big_free().
 */
#define BIG_ALIGN ((size_t)2 << 20)

static void *
big_alloc0(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		g_error("model: %zu x %zu bytes: too large", n, size);
	size_t bytes = n * size;
	if (bytes < BIG_ALIGN)
		return g_malloc0(bytes);
	void *p = NULL;
	size_t rounded = (bytes + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1);
	if (posix_memalign(&p, BIG_ALIGN, rounded) != 0)
		g_error("model: out of memory (%zu bytes)", rounded);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, rounded, MADV_HUGEPAGE);	/* a hint: no huge pages is fine */
#endif
	memset(p, 0, bytes);
	return p;
}

static void
big_free(void *p)
{
	free(p);	/* g_malloc0's and posix_memalign's blocks alike */
}

/* ---- the table ---------------------------------------------------------- */

static size_t
slot_of(uint64_t key, size_t mask)
{
	/* the key is a good hash already (XXH3): its low bits spread well */
	return (size_t)(key ^ (key >> 29)) & mask;
}

static struct cell *
cell_get(struct spam_model *m, uint64_t key, bool add)
{
	if (key == 0) {
		if (!m->has_zero && add) {
			m->has_zero = true;
			m->n++;
		}
		return m->has_zero ? &m->zero : NULL;
	}
	for (size_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask) {
		struct cell *c = &m->cells[i];
		if (c->key == key)
			return c;
		if (c->key == 0) {
			if (!add)
				return NULL;
			c->key = key;
			m->n++;
			return c;
		}
	}
}

static const struct cell *
cell_find(const struct spam_model *m, uint64_t key)
{
	return cell_get((struct spam_model *)m, key, false);
}

static void
grow(struct spam_model *m)
{
	size_t cap = (m->mask + 1) * 2;
	struct cell *old = m->cells;
	size_t oldcap = m->mask + 1;

	m->cells = big_alloc0(cap, sizeof(struct cell));
	m->mask = cap - 1;
	m->n = m->has_zero ? 1 : 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key == 0)
			continue;
		struct cell *c = cell_get(m, old[i].key, true);
		c->nspam = old[i].nspam;
		c->nham = old[i].nham;
	}
	big_free(old);
}

static struct spam_model *
model_new(void)
{
	struct spam_model *m = g_new0(struct spam_model, 1);
	m->ref = 1;
	m->mask = 1024 - 1;
	m->cells = big_alloc0(m->mask + 1, sizeof(struct cell));
	return m;
}

struct spam_model *
spam_model_ref(struct spam_model *m)
{
	g_atomic_int_inc(&m->ref);
	return m;
}

void
spam_model_unref(struct spam_model *m)
{
	if (m == NULL || !g_atomic_int_dec_and_test(&m->ref))
		return;
	big_free(m->cells);
	big_free(m->w);
	g_free(m);
}

int64_t
spam_model_gen(const struct spam_model *m)
{
	return m->gen;
}

size_t
spam_model_lr_messages(const struct spam_model *m)
{
	return m->lr_messages;
}

size_t
spam_model_lr_stale(const struct spam_model *m)
{
	return m->lr_stale;
}

uint64_t
spam_model_nspam(const struct spam_model *m)
{
	return m->nspam;
}

uint64_t
spam_model_nham(const struct spam_model *m)
{
	return m->nham;
}

size_t
spam_model_nfeatures(const struct spam_model *m)
{
	return m->n;
}

const float *
spam_model_lr_weights(const struct spam_model *m, uint32_t *mask)
{
	*mask = m->wmask;
	return m->w;
}

void
spam_model_counts(const struct spam_model *m, uint64_t h, uint32_t *nspam, uint32_t *nham)
{
	const struct cell *c = cell_find(m, h);
	*nspam = c != NULL ? c->nspam : 0;
	*nham = c != NULL ? c->nham : 0;
}

/* ---- loading ------------------------------------------------------------ */

struct load {
	struct spam_model *m;
	size_t max;
	bool spam;		/* scanning the "s" keys, else "h" */
	bool over;		/* more features than max */
	bool bad;		/* a key that is not 16 hex digits */
};

static uint32_t
clamp_count(int64_t v)
{
	/* a count below 0 (a message forgotten with other features than it
	 * was learned with) reads as 0 */
	if (v < 0)
		return 0;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static bool
load_one(const char *key, int64_t value, void *ud)
{
	struct load *l = ud;

	/* 16 hex digits after the class letter (a hand loop: strtoull's
	 * locale and base handling was a fifth of the load's time) */
	uint64_t h = 0;
	size_t i;
	for (i = 1; i <= 16; i++) {
		int d = g_ascii_xdigit_value(key[i]);
		if (d < 0)
			break;
		h = h << 4 | (uint64_t)d;
	}
	if (i != 17 || key[17] != '\0') {
		l->bad = true;
		return true;	/* another layout: not a feature, skipped */
	}
	uint32_t v = clamp_count(value);
	if (v == 0)
		return true;
	struct spam_model *m = l->m;
	if (cell_find(m, h) == NULL) {
		if (m->n >= l->max) {
			l->over = true;
			return false;
		}
		if ((m->n + 1) * LOAD_DEN > (m->mask + 1) * LOAD_NUM)
			grow(m);
	}
	struct cell *c = cell_get(m, h, true);
	if (l->spam)
		c->nspam = v;
	else
		c->nham = v;
	return true;
}

/* ---- the second stage ------------------------------------------------- */

/* Parse 32 hex digits after the key's letter into a digest; false if the
 * key has another layout. */
static bool
key_digest(const char *key, uint8_t d[16])
{
	for (int i = 0; i < 16; i++) {
		int a = g_ascii_xdigit_value(key[1 + 2 * i]);
		int b = a < 0 ? -1 : g_ascii_xdigit_value(key[2 + 2 * i]);
		if (b < 0)
			return false;
		d[i] = (uint8_t)(a << 4 | b);
	}
	return key[33] == '\0';
}

static guint
digest_hash(gconstpointer p)
{
	guint h;
	memcpy(&h, p, sizeof h);	/* a digest: its bytes are spread */
	return h;
}

static gboolean
digest_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 16) == 0;
}

/* One logistic regression being learned. */
struct lr {
	float *w;
	uint32_t mask;
	float bias;
};

struct lr_load {
	const struct spam_load_opts *o;
	GHashTable *cls;	/* digest (16 bytes) -> GINT_TO_POINTER(class) */
	uint32_t below;		/* a record is learned from when the first 4
				 * bytes of its digest are below (lr_messages) */
	bool all;		/* every record (no sample) */
	/* the records learned from, in key order: features hs[off[i] ..
	 * off[i + 1]), class spam[i]; group g (the digest's first byte) is
	 * records first[g] .. first[g + 1] */
	GArray *hs;		/* uint32_t */
	GArray *off;		/* size_t, one more than records */
	GArray *spam;		/* bool */
	size_t first[257];
	size_t stale;		/* records of an older format (skipped) */
};

static bool
class_one(const char *key, int64_t value, void *ud)
{
	struct lr_load *l = ud;
	uint8_t d[16];

	if ((value == SPAM_CLASS_SPAM || value == SPAM_CLASS_HAM) && key_digest(key, d))
		g_hash_table_insert(l->cls, g_memdup2(d, 16), GINT_TO_POINTER((int)value));
	return true;
}

/* The log-odds of a regression for n hashed features: each feature
 * weighs 1/sqrt(n), so that long and short messages are alike. */
static double
lr_logit(const float *w, uint32_t mask, float bias, const uint32_t *hs, size_t n)
{
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += (double)w[hs[i] & mask];
	return (double)bias + (n > 0 ? sum / sqrt((double)n) : 0.0);
}

/* One message, one update, with a thick threshold (TONE): a message
 * already right by the margin teaches nothing. */
static void
lr_update(struct lr *r, const struct spam_load_opts *o, const uint32_t *hs, size_t n,
    bool spam)
{
	double z = lr_logit(r->w, r->mask, r->bias, hs, n);
	double y = spam ? 1.0 : -1.0;
	if (y * z >= o->lr_margin)
		return;
	double p = 1.0 / (1.0 + exp(-z));
	double g = (spam ? 1.0 : 0.0) - p;
	float step = (float)(o->lr_rate * g / sqrt((double)(n > 0 ? n : 1)));
	for (size_t i = 0; i < n; i++)
		r->w[hs[i] & r->mask] += step;
	r->bias += (float)(o->lr_rate * g * 0.1);
}

/* Collect one record (kv_scan: in key order). */
static bool
record_one(const char *key, const uint8_t *val, size_t len, void *ud)
{
	struct lr_load *l = ud;
	uint8_t d[16];

	if (!key_digest(key, d) || len < 1 || (len - 1) % 4 != 0)
		return true;	/* another layout: not a record */
	if (val[0] != SPAM_RECORD_FORMAT) {
		/* features hashed otherwise (format 1: before 2026-12): they
		 * would not match a scan's; learning the message again
		 * rewrites it */
		if (g_hash_table_contains(l->cls, d))
			l->stale++;
		return true;
	}
	if (!l->all && ((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 |
	    d[3]) >= l->below)
		return true;	/* not in the sample */
	gpointer c = g_hash_table_lookup(l->cls, d);
	if (c == NULL)
		return true;	/* forgotten, or its count not committed */
	size_t n = MIN((len - 1) / 4, (size_t)SPAM_RECORD_MAX);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *q = val + 1 + 4 * i;
		uint32_t h = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
		    (uint32_t)q[3] << 24;
		g_array_append_val(l->hs, h);
	}
	size_t end = l->hs->len;
	g_array_append_val(l->off, end);
	bool spam = GPOINTER_TO_INT(c) == SPAM_CLASS_SPAM;
	g_array_append_val(l->spam, spam);
	/* groups up to this one's end here */
	for (unsigned g = d[0] + 1u; g <= 256; g++)
		l->first[g] = l->spam->len;
	return true;
}

/*
 * Rebuild the second stage from the records of the messages learned now
 * (read once from the store, about 8 KB a message in memory during the
 * build): the average of lr_models regressions, each learned in lr_passes
 * passes over the records in an order of its own.  An order is the 256
 * groups of records by the first byte of their digest, permuted by a
 * generator seeded with the model's number, each group in key order:
 * digests are random, so every such order is a random one, the same in
 * every process and whatever the order of learning.  One order depends on
 * luck (which messages come first); the average of four much less
 * (docs/spam.md).
 */
static bool
lr_build(struct mamori_store *st, struct spam_model *m, const struct spam_load_opts *o,
    char *err, size_t errlen)
{
	struct lr_load l = { .o = o };
	bool ok = false;

	l.cls = g_hash_table_new_full(digest_hash, digest_equal, g_free, NULL);
	l.hs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	l.off = g_array_new(FALSE, FALSE, sizeof(size_t));
	l.spam = g_array_new(FALSE, FALSE, sizeof(bool));
	size_t zero = 0;
	g_array_append_val(l.off, zero);
	if (mamori_store_counter_scan(st, SPAM_NS, "m", class_one, &l, err, errlen) !=
	    MAMORI_STORE_OK)
		goto out;
	size_t total = g_hash_table_size(l.cls);
	l.all = total <= o->lr_messages;
	l.below = l.all ? UINT32_MAX :
	    (uint32_t)((double)o->lr_messages / (double)total * 4294967296.0);
	if (mamori_store_kv_scan(st, SPAM_NS, "f", 0, record_one, &l, err, errlen) !=
	    MAMORI_STORE_OK)
		goto out;
	ok = true;
	size_t nrec = l.spam->len;
	m->lr_messages = nrec;
	m->lr_stale = l.stale;
	if (nrec == 0)	/* nothing to learn from: no second stage */
		goto out;

	struct lr r = { .mask = (1u << o->lr_bits) - 1 };
	size_t nw = (size_t)r.mask + 1;
	const uint32_t *hs = (const uint32_t *)(const void *)l.hs->data;
	const size_t *off = (const size_t *)(const void *)l.off->data;
	const bool *spam = (const bool *)(const void *)l.spam->data;
	r.w = big_alloc0(nw, sizeof *r.w);
	m->w = big_alloc0(nw, sizeof *m->w);
	m->wmask = r.mask;
	unsigned models = MAX(o->lr_models, 1u);
	for (unsigned k = 0; k < models; k++) {
		unsigned order[256];
		for (unsigned i = 0; i < 256; i++)
			order[i] = i;
		if (k > 0) {	/* Fisher-Yates with a fixed seed per model */
			GRand *g = g_rand_new_with_seed(0x6d616d6fu + k);
			for (unsigned i = 255; i > 0; i--) {
				unsigned j = (unsigned)g_rand_int_range(g, 0, (gint32)i + 1);
				unsigned t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
			g_rand_free(g);
		}
		memset(r.w, 0, nw * sizeof *r.w);
		r.bias = 0.0f;
		for (unsigned pass = 0; pass < o->lr_passes; pass++)
			for (unsigned i = 0; i < 256; i++)
				for (size_t j = l.first[order[i]]; j < l.first[order[i] + 1]; j++)
					lr_update(&r, o, hs + off[j], off[j + 1] - off[j], spam[j]);
		for (size_t i = 0; i < nw; i++)
			m->w[i] += r.w[i] / (float)models;
		m->bias += r.bias / (float)models;
	}
	big_free(r.w);
out:
	g_array_free(l.hs, TRUE);
	g_array_free(l.off, TRUE);
	g_array_free(l.spam, TRUE);
	g_hash_table_destroy(l.cls);
	return ok;
}

/* The features of a message as its record holds them: the low 32 bits of
 * h, then of x, at most SPAM_RECORD_MAX; returns how many. */
static size_t
record_hashes(const struct spam_features *f, uint32_t *out)
{
	size_t n = 0;
	const GArray *arrs[2] = { f->h, f->x };
	for (int a = 0; a < 2; a++) {
		if (arrs[a] == NULL)
			continue;
		const uint64_t *hs = (const uint64_t *)(const void *)arrs[a]->data;
		for (guint i = 0; i < arrs[a]->len && n < SPAM_RECORD_MAX; i++)
			out[n++] = (uint32_t)hs[i];
	}
	return n;
}

/* A buffer for record_hashes(f): as many as it gives, not the maximum. */
static uint32_t *
record_buffer(const struct spam_features *f)
{
	size_t n = f->h->len + (f->x != NULL ? f->x->len : 0);
	return g_new(uint32_t, MAX(MIN(n, (size_t)SPAM_RECORD_MAX), (size_t)1));
}

bool
spam_model_generation(struct mamori_store *st, int64_t *gen, char *err, size_t errlen)
{
	const char *key = "#gen";
	return mamori_store_counter_get(st, SPAM_NS, &key, 1, gen, err, errlen) ==
	    MAMORI_STORE_OK;
}

bool
spam_model_load(struct mamori_store *st, const struct spam_load_opts *o,
    struct spam_model **out, char *err, size_t errlen)
{
	/* the generation first: a batch committed during the load moves it
	 * again, and the next check reloads */
	const char *keys[] = { "#gen", "#spam", "#ham" };
	int64_t v[3];
	size_t max_features = o->max_features;
	struct load l = { .max = max_features };

	*out = NULL;
	if (mamori_store_counter_get(st, SPAM_NS, keys, 3, v, err, errlen) != MAMORI_STORE_OK)
		return false;
	l.m = model_new();
	l.m->gen = v[0];
	l.m->nspam = clamp_count(v[1]);
	l.m->nham = clamp_count(v[2]);
	for (int pass = 0; pass < 2; pass++) {
		l.spam = pass == 0;
		if (mamori_store_counter_scan(st, SPAM_NS, l.spam ? "s" : "h", load_one, &l,
		    err, errlen) != MAMORI_STORE_OK) {
			spam_model_unref(l.m);
			return false;
		}
		if (l.over) {
			snprintf(err, errlen, "the model has more than %zu features "
			    "(bayes.max_features)", max_features);
			spam_model_unref(l.m);
			return false;
		}
	}
	(void)l.bad;	/* keys of another layout are not features: skipped */
	if (o->lr && o->lr_passes > 0 && (o->lr_bits < 10 || o->lr_bits > 26)) {
		snprintf(err, errlen, "lr_bits %u is not within 10..26", o->lr_bits);
		spam_model_unref(l.m);
		return false;
	}
	if (o->lr && o->lr_passes > 0 && !lr_build(st, l.m, o, err, errlen)) {
		spam_model_unref(l.m);
		return false;
	}
	*out = l.m;
	return true;
}

/* ---- classifying -------------------------------------------------------- */

/*
 * ln Q(x2, v): the log of the probability that a chi-square variable of v
 * (even) degrees of freedom exceeds x2.  Q = sum_{i<v/2} e^-m m^i / i!,
 * m = x2 / 2: the terms rise while i < m, so the sum starts at the largest
 * (its log from lgamma) and walks both ways by the ratio of neighbours
 * until a term is below 1e-17 of the sum: a few hundred products at most,
 * however many features, and no underflow however extreme.
 */
double
spam_log_chi2q(double x2, unsigned v)
{
	double m = x2 / 2.0;
	unsigned n = v / 2;

	if (m <= 0.0 || n == 0)
		return 0.0;
	unsigned k = m < (double)(n - 1) ? (unsigned)m : n - 1;
	double lt = -m + (double)k * log(m) - lgamma((double)k + 1.0);
	double sum = 1.0, t = 1.0;
	for (unsigned i = k + 1; i < n; i++) {
		t *= m / (double)i;
		sum += t;
		if (t < 1e-17 * sum)
			break;
	}
	t = 1.0;
	for (unsigned i = k; i > 0; i--) {
		t *= (double)i / m;
		sum += t;
		if (t < 1e-17 * sum)
			break;
	}
	double r = lt + log(sum);
	return r > 0.0 ? 0.0 : r;
}

/* Lookups ahead of the one being read: a weight or a cell is a cache miss
 * in tables of megabytes, and the next ones are known. */
#define PREFETCH_AHEAD 8
#define LR_PREFETCH 24

/* lr_logit() of f's features as its record holds them (record_hashes()),
 * without building the record; four partial sums, so that the additions
 * do not wait on each other (the same sum to within rounding). */
static double
lr_logit_features(const struct spam_model *m, const struct spam_features *f)
{
	const GArray *arrs[2] = { f->h, f->x };
	const float *w = m->w;
	const uint32_t mask = m->wmask;
	size_t n = 0;
	double sum[4] = { 0.0, 0.0, 0.0, 0.0 };

	for (int a = 0; a < 2; a++) {
		if (arrs[a] == NULL)
			continue;
		const uint64_t *hs = (const uint64_t *)(const void *)arrs[a]->data;
		size_t k = MIN((size_t)arrs[a]->len, SPAM_RECORD_MAX - n);
		size_t i = 0;
		for (; i + 4 <= k; i += 4) {
			for (size_t j = 0; j < 4 && i + j + LR_PREFETCH < k; j++)
				__builtin_prefetch(&w[(uint32_t)hs[i + j + LR_PREFETCH] & mask]);
			for (size_t j = 0; j < 4; j++)
				sum[j] += (double)w[(uint32_t)hs[i + j] & mask];
		}
		for (; i < k; i++)
			sum[0] += (double)w[(uint32_t)hs[i] & mask];
		n += k;
	}
	double t = (sum[0] + sum[1]) + (sum[2] + sum[3]);
	return (double)m->bias + (n > 0 ? t / sqrt((double)n) : 0.0);
}

static void fisher(const struct spam_model *m, const struct spam_features *f,
    const struct spam_params *p, struct spam_verdict *v);

void
spam_classify(const struct spam_model *m, const struct spam_features *f,
    const struct spam_params *p, struct spam_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->prob = 0.5;
	if (m == NULL || m->nspam == 0 || m->nham == 0 || f->h->len == 0)
		return;
	fisher(m, f, p, v);
	double a = p->platt_a, b = p->platt_b;
	v->score = v->fisher;
	if (m->w != NULL) {
		v->lr = lr_logit_features(m, f);
		v->has_lr = true;
		v->score = v->lr + p->fisher_weight * v->fisher;
		a = p->lr_platt_a;
		b = p->lr_platt_b;
	}
	v->evidence = a * v->score;
	v->prob = 1.0 / (1.0 + exp(-(v->evidence + b)));
}

/* Fisher's combination of f's features: v->fisher, used, known. */
static void
fisher(const struct spam_model *m, const struct spam_features *f,
    const struct spam_params *p, struct spam_verdict *v)
{

	const uint64_t *hs = (const uint64_t *)(const void *)f->h->data;
	double ns = (double)m->nspam, nh = (double)m->nham;
	double lh = 0.0, ls = 0.0;	/* sum ln f, sum ln (1 - f) */
	unsigned n = 0, unknown = 0;

	for (guint i = 0; i < f->h->len; i++) {
		if (i + PREFETCH_AHEAD < f->h->len)
			__builtin_prefetch(&m->cells[slot_of(hs[i + PREFETCH_AHEAD], m->mask)]);
		const struct cell *c = cell_find(m, hs[i]);
		if (c == NULL || (c->nspam == 0 && c->nham == 0)) {
			unknown++;
			continue;
		}
		v->known++;
		double bw = c->nspam / ns, gw = c->nham / nh;
		double pw = bw / (bw + gw);
		double cnt = (double)c->nspam + c->nham;
		double fw = (p->strength * p->prior + cnt * pw) / (p->strength + cnt);
		if (fabs(fw - 0.5) < p->min_dev)
			continue;
		/* never exactly 0 or 1: ln stays finite */
		fw = fw < 1e-6 ? 1e-6 : fw > 1.0 - 1e-6 ? 1.0 - 1e-6 : fw;
		lh += log(fw);
		ls += log1p(-fw);
		n++;
	}
	/* a feature the model has not seen is the prior, like any other */
	if (unknown > 0 && fabs(p->prior - 0.5) >= p->min_dev) {
		lh += unknown * log(p->prior);
		ls += unknown * log1p(-p->prior);
		n += unknown;
	}
	if (n == 0)
		return;
	/* ln Q: near 0 when the features are jointly spammy (their f near 1
	 * make -2 sum ln f small); ln P the same for ham */
	double lq = spam_log_chi2q(-2.0 * lh, 2 * n);
	double lp = spam_log_chi2q(-2.0 * ls, 2 * n);
	v->fisher = lq - lp;
	v->used = n;
}

/* ---- learning ----------------------------------------------------------- */

struct spam_batch {
	GHashTable *spam, *ham;	/* uint64 feature (boxed) -> int64 delta */
	GHashTable *records;	/* digest hex -> GINT_TO_POINTER(class) now */
	GHashTable *rec_delta;	/* digest hex -> int64 delta of its record */
	GHashTable *feats;	/* "f" + digest hex -> GBytes (the record), or
				 * NULL (remove it); with records only */
	size_t feat_bytes;	/* their size */
	int64_t dspam, dham;
	size_t messages;
};

struct spam_batch *
spam_batch_new(bool records)
{
	struct spam_batch *b = g_new0(struct spam_batch, 1);
	if (records)
		b->feats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    (GDestroyNotify)g_bytes_unref);
	b->spam = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	b->ham = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	b->records = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	b->rec_delta = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return b;
}

void
spam_batch_free(struct spam_batch *b)
{
	if (b == NULL)
		return;
	g_hash_table_unref(b->spam);
	g_hash_table_unref(b->ham);
	g_hash_table_unref(b->records);
	g_hash_table_unref(b->rec_delta);
	if (b->feats != NULL)
		g_hash_table_unref(b->feats);
	g_free(b);
}

size_t
spam_batch_messages(const struct spam_batch *b)
{
	return b->messages;
}

bool
spam_batch_full(const struct spam_batch *b, size_t batch)
{
	return b->messages >= batch ||
	    g_hash_table_size(b->spam) + g_hash_table_size(b->ham) >= SPAM_BATCH_KEYS_MAX ||
	    b->feat_bytes >= SPAM_BATCH_RECORD_BYTES;
}

static void
add_delta(GHashTable *t, uint64_t key, int64_t d)
{
	int64_t *v = g_hash_table_lookup(t, &key);
	if (v == NULL) {
		int64_t *k = g_new(int64_t, 1);
		*k = (int64_t)key;
		v = g_new0(int64_t, 1);
		g_hash_table_insert(t, k, v);
	}
	*v += d;
}

static void
add_features(struct spam_batch *b, const struct spam_features *f, enum spam_class cls,
    int64_t d)
{
	GHashTable *t = cls == SPAM_CLASS_SPAM ? b->spam : b->ham;
	const uint64_t *hs = (const uint64_t *)(const void *)f->h->data;

	for (guint i = 0; i < f->h->len; i++)
		add_delta(t, hs[i], d);
	if (cls == SPAM_CLASS_SPAM)
		b->dspam += d;
	else
		b->dham += d;
}

static void
record_delta(struct spam_batch *b, const char *rec, int64_t d)
{
	int64_t *v = g_hash_table_lookup(b->rec_delta, rec);
	if (v == NULL) {
		v = g_new0(int64_t, 1);
		g_hash_table_insert(b->rec_delta, g_strdup(rec), v);
	}
	*v += d;
}

/* The second stage's record of the message rec ("m" + digest hex) as it
 * is now (removed when it is no class) into the batch. */
static void
batch_record(struct spam_batch *b, const char *rec, const struct spam_features *f,
    enum spam_class now)
{
	char *fk = g_strdup(rec);
	fk[0] = 'f';
	GBytes *val = NULL;
	if (now != SPAM_CLASS_NONE) {
		uint32_t *hs = record_buffer(f);
		size_t n = record_hashes(f, hs);
		uint8_t *buf = g_malloc(1 + 4 * n);
		buf[0] = SPAM_RECORD_FORMAT;
		for (size_t i = 0; i < n; i++) {
			uint8_t *q = buf + 1 + 4 * i;
			q[0] = (uint8_t)hs[i];
			q[1] = (uint8_t)(hs[i] >> 8);
			q[2] = (uint8_t)(hs[i] >> 16);
			q[3] = (uint8_t)(hs[i] >> 24);
		}
		g_free(hs);
		b->feat_bytes += 1 + 4 * n;
		val = g_bytes_new_take(buf, 1 + 4 * n);
	}
	g_hash_table_insert(b->feats, fk, val);
}

/* A message learned as its class already: its record is added to the
 * batch if the store has none (nor the batch). */
static bool
record_missing(struct spam_batch *b, struct mamori_store *st, const char *rec,
    const struct spam_features *f, enum spam_class now, char *err, size_t errlen)
{
	char fk[34];
	memcpy(fk, rec, sizeof fk);
	fk[0] = 'f';
	if (g_hash_table_contains(b->feats, fk))
		return true;
	uint8_t *val = NULL;
	size_t len = 0;
	enum mamori_store_status rc = mamori_store_kv_get(st, SPAM_NS, fk, 0, &val, &len, err,
	    errlen);
	bool current = rc == MAMORI_STORE_OK && len >= 1 && val[0] == SPAM_RECORD_FORMAT;
	free(val);
	if (current)
		return true;
	if (rc != MAMORI_STORE_OK && rc != MAMORI_STORE_NOTFOUND)
		return false;
	/* none, or of an older format: (re)written */
	batch_record(b, rec, f, now);
	b->messages++;	/* written with the batch */
	return true;
}

bool
spam_batch_learn(struct spam_batch *b, struct mamori_store *st, const uint8_t digest[16],
    const struct spam_features *f, enum spam_class cls, bool forget,
    enum spam_learned *out, char *err, size_t errlen)
{
	char rec[34];

	rec[0] = 'm';
	for (int i = 0; i < 16; i++)
		snprintf(rec + 1 + 2 * i, 3, "%02x", digest[i]);
	enum spam_class cur;
	gpointer v;
	if (g_hash_table_lookup_extended(b->records, rec, NULL, &v)) {
		cur = (enum spam_class)GPOINTER_TO_INT(v);
	} else {
		const char *key = rec;
		int64_t stored = 0;
		if (mamori_store_counter_get(st, SPAM_NS, &key, 1, &stored, err, errlen) !=
		    MAMORI_STORE_OK)
			return false;
		cur = stored == SPAM_CLASS_SPAM || stored == SPAM_CLASS_HAM ?
		    (enum spam_class)stored : SPAM_CLASS_NONE;
	}

	enum spam_class now = cur;
	if (forget) {
		if (cur == SPAM_CLASS_NONE) {
			*out = SPAM_NOT_LEARNED;
			return true;
		}
		add_features(b, f, cur, -1);
		now = SPAM_CLASS_NONE;
		*out = SPAM_FORGOTTEN;
	} else if (cur == cls) {
		*out = SPAM_LEARN_ALREADY;
		/* learned before records were kept (an older release): its
		 * record is written now */
		return b->feats == NULL || record_missing(b, st, rec, f, now, err, errlen);
	} else {
		if (cur != SPAM_CLASS_NONE)
			add_features(b, f, cur, -1);
		add_features(b, f, cls, +1);
		now = cls;
		*out = cur == SPAM_CLASS_NONE ? SPAM_LEARNED : SPAM_RELEARNED;
	}
	record_delta(b, rec, (int64_t)now - (int64_t)cur);
	g_hash_table_insert(b->records, g_strdup(rec), GINT_TO_POINTER(now));
	if (b->feats != NULL)
		batch_record(b, rec, f, now);
	b->messages++;
	return true;
}

static void
batch_clear(struct spam_batch *b)
{
	g_hash_table_remove_all(b->spam);
	g_hash_table_remove_all(b->ham);
	g_hash_table_remove_all(b->records);
	g_hash_table_remove_all(b->rec_delta);
	if (b->feats != NULL)
		g_hash_table_remove_all(b->feats);
	b->feat_bytes = 0;
	b->dspam = b->dham = 0;
	b->messages = 0;
}

/* The batch's records, in one transaction. */
static bool
records_commit(struct spam_batch *b, struct mamori_store *st, char *err, size_t errlen)
{
	guint n = b->feats != NULL ? g_hash_table_size(b->feats) : 0;
	if (n == 0)
		return true;
	struct mamori_store_kv_op *ops = g_new0(struct mamori_store_kv_op, n);
	GHashTableIter it;
	gpointer key, val;
	size_t k = 0;
	g_hash_table_iter_init(&it, b->feats);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		ops[k].key = key;
		if (val == NULL) {
			ops[k].remove = true;
		} else {
			gsize len;
			ops[k].val = g_bytes_get_data(val, &len);
			ops[k].len = len;
		}
		k++;
	}
	bool ok = mamori_store_kv_write(st, SPAM_NS, ops, k, err, errlen) == MAMORI_STORE_OK;
	g_free(ops);
	return ok;
}

bool
spam_batch_commit(struct spam_batch *b, struct mamori_store *st, char *err, size_t errlen)
{
	if (b->messages == 0)
		return true;
	/* the records first: one whose count is not written is never learned
	 * from (lr_build reads the class from the counts) */
	if (!records_commit(b, st, err, errlen))
		return false;
	size_t n = g_hash_table_size(b->spam) + g_hash_table_size(b->ham) +
	    g_hash_table_size(b->rec_delta) + 3;
	const char **keys = g_new(const char *, n);
	int64_t *deltas = g_new(int64_t, n);
	char *names = g_malloc(n * 18);	/* "s" + 16 hex + NUL */
	size_t k = 0;
	GHashTableIter it;
	gpointer key, val;

	for (int pass = 0; pass < 2; pass++) {
		GHashTable *t = pass == 0 ? b->spam : b->ham;
		g_hash_table_iter_init(&it, t);
		while (g_hash_table_iter_next(&it, &key, &val)) {
			int64_t d = *(int64_t *)val;
			if (d == 0)
				continue;
			char *nm = names + k * 18;
			snprintf(nm, 18, "%c%016" G_GINT64_MODIFIER "x", pass == 0 ? 's' : 'h',
			    (guint64) * (int64_t *)key);
			keys[k] = nm;
			deltas[k++] = d;
		}
	}
	g_hash_table_iter_init(&it, b->rec_delta);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		if (*(int64_t *)val == 0)
			continue;
		keys[k] = key;
		deltas[k++] = *(int64_t *)val;
	}
	keys[k] = "#spam";
	deltas[k++] = b->dspam;
	keys[k] = "#ham";
	deltas[k++] = b->dham;
	keys[k] = "#gen";
	deltas[k++] = 1;
	bool ok = mamori_store_counter_add(st, SPAM_NS, keys, deltas, k, NULL, err, errlen) ==
	    MAMORI_STORE_OK;
	g_free(names);
	g_free(keys);
	g_free(deltas);
	if (ok)
		batch_clear(b);
	return ok;
}
