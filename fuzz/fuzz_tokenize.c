/*
 * fuzz_tokenize.c - libFuzzer target for the spam tokeniser
 * (src/spam/tokenize.c).  The first byte picks the options: bit 0 tight
 * limits (little text, few words, short words, OSB distance from bits
 * 4-6), bit 1 whether the object tree is built (the attachments' text and
 * true types) or NULL is passed; the rest is a message.  Checked: the
 * hashes (h sorted strictly ascending, x without duplicates) exactly the
 * hashes of the names;
 * every name valid UTF-8 with a family's prefix; the word count within
 * tokens_max; the same hashes without names; and, on ASCII input, the fast
 * path's words equal to ICU's (spam_text_words()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "content/content.h"
#include "fuzz_tree.h"
#include "spam/tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const prefixes[] = {
	"w:", "s:", "o1:", "o2:", "o3:", "o4:", "c:", "h:", "u:", "b:",
};

static bool
has_prefix(const char *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static bool
in_sorted(const GArray *h, uint64_t v)
{
	guint lo = 0, hi = h->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		uint64_t x = g_array_index(h, uint64_t, mid);
		if (x == v)
			return true;
		if (x < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void
check(const struct spam_features *f, const struct spam_tok_opts *o)
{
	for (guint i = 1; i < f->h->len; i++)
		if (g_array_index(f->h, uint64_t, i - 1) >= g_array_index(f->h, uint64_t, i))
			abort();
	GHashTable *xs = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < f->x->len; i++)
		if (!g_hash_table_add(xs, &g_array_index(f->x, gint64, i)))
			abort();	/* a duplicate */
	if (f->nwords > o->tokens_max)
		abort();
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	GArray *keys = g_array_sized_new(FALSE, FALSE, sizeof(gint64), f->names->len);
	for (guint i = 0; i < f->names->len; i++) {
		const char *nm = f->names->pdata[i];
		if (!g_utf8_validate(nm, -1, NULL) || !has_prefix(nm))
			abort();
		uint64_t v = spam_feature_hash(nm, strlen(nm));
		/* the second stage's families go to x, the others to h */
		bool second = (strncmp(nm, "b:", 2) == 0 && (o->second & SPAM_TOK_BYTES) &&
		    !(o->families & SPAM_TOK_BYTES)) || (nm[0] == 'o' &&
		    (o->second & SPAM_TOK_OSB) && !(o->families & SPAM_TOK_OSB));
		gint64 k = (gint64)v;
		if (second ? !g_hash_table_contains(xs, &k) : !in_sorted(f->h, v))
			abort();
		g_array_append_val(keys, k);
	}
	for (guint i = 0; i < keys->len; i++)
		g_hash_table_add(seen, &g_array_index(keys, gint64, i));
	if (g_hash_table_size(seen) != f->h->len + f->x->len)
		abort();
	g_hash_table_destroy(seen);
	g_hash_table_destroy(xs);
	g_array_free(keys, TRUE);
}

static bool
same(const GArray *a, const GArray *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len * sizeof(uint64_t)) == 0);
}

static void
check_ascii_path(const uint8_t *p, size_t n)
{
	n = MIN(n, (size_t)4096);
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return;
	GPtrArray *a = spam_text_words((const char *)p, n, false);
	GPtrArray *b = spam_text_words((const char *)p, n, true);
	if (a->len != b->len)
		abort();
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], b->pdata[i]) != 0)
			abort();
	g_ptr_array_free(a, TRUE);
	g_ptr_array_free(b, TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		mime_init();
		init = true;
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;

	struct spam_tok_opts o = spam_tok_defaults;
	o.names = true;
	if (mode & 1) {
		o.text_max = 300;
		o.tokens_max = 50;
		o.word_max = 8;
		o.osb_dist = (mode >> 4) & 7;
		o.bytes_max = 64;
	}
	if (mode & 4) {		/* as the second stage tokenises */
		o.families &= ~(unsigned)(SPAM_TOK_OSB | SPAM_TOK_BYTES);
		o.second = SPAM_TOK_OSB | SPAM_TOK_BYTES;
	}
	static const struct obj_limits olim = FUZZ_OBJ_LIMITS(&fuzz_mime_limits);
	struct mime_message *m = mime_message_parse(data, size, &fuzz_mime_limits);
	struct obj_tree *t = (mode & 2) ? obj_tree_build(m, &olim) : NULL;
	struct content *c = content_new(m, NULL);
	if (t != NULL)
		content_add_objects(c, t);

	struct spam_features *f = spam_tokenize(m, c, t, data, size, &o);
	check(f, &o);
	o.names = false;
	struct spam_features *g = spam_tokenize(m, c, t, data, size, &o);
	if (g->names != NULL || !same(g->h, f->h) || !same(g->x, f->x))
		abort();
	spam_features_free(g);
	spam_features_free(f);
	content_free(c);
	if (t != NULL)
		obj_tree_free(t);
	mime_message_free(m);

	check_ascii_path(data, size);
	return 0;
}
