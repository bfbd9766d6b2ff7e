/*
 * test_sink.c - padding detection, byte limits and hashing of unpacked
 * content (src/objects/sink.c), fed directly, frame by frame and in odd
 * pieces.
 */
#include "test_helpers.h"

#include <openssl/evp.h>

#include "objects/object.h"
#include "objects/sink.h"
#include "objects/unpack.h"

#define MIB (1024u * 1024u)

static struct obj_limits lim;

static void
reset_limits(void)
{
	lim = (struct obj_limits){
		.depth = 8, .objects = 100, .names = 10000, .object_bytes = 64 * MIB,
		.unpacked_bytes = 256 * MIB, .stream_bytes = 1024 * MIB,
		.ratio = 100, .ratio_min = 16 * MIB, .padding_min = 4 * MIB,
	};
}

/* Feed buf in pieces of `piece` bytes into a fresh owned object. */
static struct mobj *
feed(struct obj_tree *t, const uint8_t *buf, size_t len, size_t piece,
    enum sink_stop *stop)
{
	struct mobj *o = unpack_new_object(t, NULL, OBJ_FROM_ARCHIVE, "x", "x");
	struct sink *s = g_new(struct sink, 1);
	enum sink_stop st = SINK_OK;

	assert_non_null(o);
	sink_init(s, t, o, false);
	for (size_t off = 0; off < len && st == SINK_OK; off += piece)
		st = sink_write(s, buf + off, MIN(piece, len - off));
	sink_finish(s, st == SINK_OK);
	g_free(s);
	if (stop != NULL)
		*stop = st;
	return o;
}

static uint8_t *
doc_with_padding(size_t head, size_t pad, uint8_t fill, size_t tail, size_t *len)
{
	uint8_t *b = g_malloc(head + pad + tail);
	for (size_t i = 0; i < head; i++)
		b[i] = (uint8_t)(i * 7 + (i >> 8));
	memset(b + head, fill, pad);
	for (size_t i = 0; i < tail; i++)
		b[head + pad + i] = (uint8_t)(i * 13 + 5 + (i >> 7));
	*len = head + pad + tail;
	return b;
}

static void
test_trailing_zero_padding(void **state)
{
	(void)state;
	reset_limits();
	size_t len;
	uint8_t *b = doc_with_padding(100000, 40 * MIB, 0, 0, &len);
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = feed(t, b, len, 65536, NULL);

	assert_true(o->flags & OBJ_PADDED);
	assert_int_equal(o->size, len);
	/* the document and 4 KiB of the run are kept; the frame where the
	 * document ends is not all padding */
	assert_true(o->len >= 100000 && o->len < 100000 + 65536 + SINK_PAD_KEEP);
	assert_memory_equal(o->data, b, 100000);
	assert_true(o->padding >= 40 * MIB - 65536 && o->padding <= 40 * MIB);
	assert_true(o->hashed);
	uint8_t want[32];
	EVP_Digest(b, len, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(o->sha256, want, 32);
	obj_tree_free(t);
	g_free(b);
}

static void
test_pattern_padding_middle_odd_pieces(void **state)
{
	(void)state;
	reset_limits();
	/* a 40-byte pattern repeated, between two meaningful parts, fed in
	 * pieces that do not line up with frames */
	size_t head = 70000, pad = 12 * MIB, tail = 90000;
	uint8_t *b = g_malloc(head + pad + tail);
	for (size_t i = 0; i < head; i++)
		b[i] = (uint8_t)(i * 31 + (i >> 9));
	for (size_t i = 0; i < pad; i++)
		b[head + i] = (uint8_t)"JUNKjunkJUNKjunk0123456789abcdefghijKLMN"[i % 40];
	for (size_t i = 0; i < tail; i++)
		b[head + pad + i] = (uint8_t)(i * 17 + 3 + (i >> 10));
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = feed(t, b, head + pad + tail, 12345, NULL);

	assert_true(o->flags & OBJ_PADDED);
	assert_true(o->padding > pad - 2 * 65536);
	/* the tail after the padding is kept, at the end */
	assert_memory_equal(o->data + o->len - tail, b + head + pad, tail);
	assert_true(o->len < head + tail + 3 * 65536 + SINK_PAD_KEEP);
	obj_tree_free(t);
	g_free(b);
}

static void
test_short_run_is_kept(void **state)
{
	(void)state;
	reset_limits();
	size_t len;
	uint8_t *b = doc_with_padding(65536, 3 * MIB, 0xff, 65536, &len);
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = feed(t, b, len, 65536, NULL);

	assert_false(o->flags & OBJ_PADDED);
	assert_int_equal(o->padding, 0);
	assert_int_equal(o->len, len);
	assert_memory_equal(o->data, b, len);
	obj_tree_free(t);
	g_free(b);
}

static void
test_random_is_not_padding(void **state)
{
	(void)state;
	reset_limits();
	lim.padding_min = 64 * 1024;
	size_t len = 8 * MIB;
	uint8_t *b = g_malloc(len);
	uint32_t x = 12345;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 16);
	}
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = feed(t, b, len, 100000, NULL);

	assert_false(o->flags & OBJ_PADDED);
	assert_int_equal(o->len, len);
	obj_tree_free(t);
	g_free(b);
}

static void
test_object_bytes_cut(void **state)
{
	(void)state;
	reset_limits();
	lim.object_bytes = 1 * MIB;
	size_t len = 3 * MIB;
	uint8_t *b = g_malloc(len);
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + (i >> 8) + (i >> 16));
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = feed(t, b, len, 65536, NULL);

	assert_true(o->flags & OBJ_TRUNCATED);
	assert_int_equal(o->len, 1 * MIB);
	assert_int_equal(o->size, len);
	assert_false(o->hashed);	/* longer than object_bytes: not hashed */
	assert_int_equal(t->hits->len, 1);
	assert_int_equal(g_array_index(t->hits, struct obj_limit_hit, 0).limit,
	    OBJ_LIMIT_OBJECT_BYTES);
	obj_tree_free(t);
	g_free(b);
}

static void
test_stream_limit_stops(void **state)
{
	(void)state;
	reset_limits();
	lim.stream_bytes = 2 * MIB;
	size_t len = 5 * MIB;
	uint8_t *b = g_malloc0(len);
	struct obj_tree *t = obj_tree_new(&lim);
	enum sink_stop st;
	struct mobj *o = feed(t, b, len, 65536, &st);

	assert_int_equal(st, SINK_STOP_STREAMED);
	assert_true(o->flags & OBJ_TRUNCATED);
	assert_true(t->streamed_bytes > 2 * MIB && t->streamed_bytes <= 2 * MIB + 65536);
	obj_tree_free(t);
	g_free(b);
}

static void
test_borrowed_counts_padding(void **state)
{
	(void)state;
	reset_limits();
	size_t len;
	uint8_t *b = doc_with_padding(5000, 6 * MIB, 0, 5000, &len);
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = unpack_new_object(t, NULL, OBJ_FROM_MIME, "a.doc", "a.doc");

	sink_borrowed(t, o, b, len);
	assert_true(o->flags & OBJ_PADDED);
	assert_ptr_equal(o->data, b);	/* borrowed content is not copied */
	assert_int_equal(o->len, len);
	assert_int_equal(t->kept_bytes, 0);
	assert_int_equal(t->streamed_bytes, 0);
	obj_tree_free(t);
	g_free(b);
}

static void
test_objects_limit(void **state)
{
	(void)state;
	reset_limits();
	lim.objects = 3;
	struct obj_tree *t = obj_tree_new(&lim);

	for (int i = 0; i < 3; i++)
		assert_non_null(unpack_new_object(t, NULL, OBJ_FROM_MIME, "a", "a"));
	assert_null(unpack_new_object(t, NULL, OBJ_FROM_MIME, "b", "b"));
	assert_int_equal(t->hits->len, 1);
	assert_int_equal(g_array_index(t->hits, struct obj_limit_hit, 0).limit,
	    OBJ_LIMIT_OBJECTS);
	obj_tree_free(t);
}

static void
test_facts_and_urls(void **state)
{
	(void)state;
	reset_limits();
	struct obj_tree *t = obj_tree_new(&lim);
	struct mobj *o = unpack_new_object(t, NULL, OBJ_FROM_MIME, "a.doc", "a.doc");

	obj_fact(o, OBJ_FACT_VBA_MACRO, "%s", "Module1");
	obj_fact(o, OBJ_FACT_VBA_MACRO, "%s", "Module1");	/* same: recorded once */
	obj_fact(o, OBJ_FACT_VBA_MACRO, NULL);
	obj_fact(o, OBJ_FACT_DDE_FIELD, "cmd \x01/c calc");	/* controls cleaned */
	assert_int_equal(o->facts->len, 3);
	assert_true(obj_has_fact(o, OBJ_FACT_DDE_FIELD));
	assert_false(obj_has_fact(o, OBJ_FACT_XLM_MACRO));
	assert_null(g_array_index(o->facts, struct obj_fact, 1).detail);
	assert_string_equal(g_array_index(o->facts, struct obj_fact, 2).detail, "cmd  /c calc");
	for (int i = 0; i < 200; i++)
		obj_fact(o, OBJ_FACT_VBA_MACRO, "m%d", i);
	assert_int_equal(o->facts->len, OBJ_FACTS_MAX);
	obj_url(o, "http://example.com/a", 20);
	obj_url(o, "http://example.com/a", 20);
	obj_url(o, "http://example.com/b\n", 21);
	assert_int_equal(o->urls->len, 2);
	obj_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trailing_zero_padding),
		cmocka_unit_test(test_pattern_padding_middle_odd_pieces),
		cmocka_unit_test(test_short_run_is_kept),
		cmocka_unit_test(test_random_is_not_padding),
		cmocka_unit_test(test_object_bytes_cut),
		cmocka_unit_test(test_stream_limit_stops),
		cmocka_unit_test(test_borrowed_counts_padding),
		cmocka_unit_test(test_objects_limit),
		cmocka_unit_test(test_facts_and_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
