/*
 * test_unpack.c - the object tree of real containers (the ClamAV test
 * files: each holds clam.exe, a 544-byte PE), on every unpacker:
 * libarchive (zip, 7z, cab, tar.gz, bzip2, cpio) and libmspack (CHM,
 * SZDD; KWAJ made here), and how the libmspack ones take damage and limits:
 * every prefix of a file is unpacked without a crash and never yields a
 * whole clam.exe without a flag that says something is missing.
 */
#include "test_helpers.h"

#include <stdio.h>

#include <archive.h>
#include <archive_entry.h>

#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"
#define CLAM_MD5 "aa15bcf478d165efd2065190eb473bcb"
#define CLAM_SIZE 544

static const struct mime_limits mime_lim = { 50u << 20, 200u << 20, 500, 20, 10000 };

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .names = 10000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = &mime_lim,
	};
	return l;
}

static uint8_t *
load(const char *file, size_t *n)
{
	char *path = g_build_filename(CLAMAV_DIR, file, NULL);
	gchar *b = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &b, &len, NULL)) {
		print_error("missing %s\n", path);
		fail();
	}
	g_free(path);
	*n = len;
	return (uint8_t *)b;
}

static void
dump(const struct obj_tree *t)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		char md5[33] = "-";
		if (o->hashed)
			obj_hex(o->md5, 16, md5);
		print_error("  %s type=%s size=%llu md5=%s flags=%#x origin=%s err=%s\n",
		    o->path, o->type != NULL ? o->type->name : "?",
		    (unsigned long long)o->size, md5, o->flags, obj_origin_name(o->origin),
		    o->error != NULL ? o->error : "-");
	}
	for (guint i = 0; i < t->hits->len; i++) {
		const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
		print_error("  hit %s at %s\n", obj_limit_name(h->limit), h->where);
	}
}

static const struct mobj *
by_path(const struct obj_tree *t, const char *path)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (strcmp(o->path, path) == 0)
			return o;
	}
	return NULL;
}

/* Is o a whole, hashed clam.exe? */
static bool
is_clam(const struct mobj *o)
{
	char md5[33];

	if (!o->hashed || o->size != CLAM_SIZE || o->type == NULL ||
	    strcmp(o->type->name, "pe") != 0)
		return false;
	obj_hex(o->md5, 16, md5);
	return strcmp(md5, CLAM_MD5) == 0;
}

static const struct {
	const char *file, *type, *child, *container;
	enum obj_origin origin;
	unsigned children;
} clam_files[] = {
	/* and the table of contents and the index, which are HTML */
	{ "clam.chm", "chm", "clam.exe.txt", "CHM", OBJ_FROM_ARCHIVE, 3 },
	{ "clam.exe.szdd", "szdd", "clam.exe", "SZDD", OBJ_FROM_STREAM, 1 },
	{ "clam.zip", "zip", "clam.exe", NULL, OBJ_FROM_ARCHIVE, 1 },
	{ "clam.7z", "7z", "clam.exe", NULL, OBJ_FROM_ARCHIVE, 1 },
	{ "clam.cab", "cab", "clam.exe", NULL, OBJ_FROM_ARCHIVE, 1 },
	{ "clam.tar.gz", "gzip", "clam.exe", NULL, OBJ_FROM_ARCHIVE, 1 },
	{ "clam.exe.bz2", "bzip2", "clam.exe", NULL, OBJ_FROM_STREAM, 1 },
	{ "clam.bin-le.cpio", "cpio", "clam.exe", NULL, OBJ_FROM_ARCHIVE, 1 },
};

static void
test_clam_files(void **state)
{
	(void)state;
	if (!g_file_test(CLAMAV_DIR, G_FILE_TEST_IS_DIR))
		skip();
	struct obj_limits lim = limits();
	for (size_t i = 0; i < G_N_ELEMENTS(clam_files); i++) {
		size_t n;
		uint8_t *b = load(clam_files[i].file, &n);
		struct obj_tree *t = obj_tree_build_file(clam_files[i].file, b, n, &lim);
		const struct mobj *root = g_ptr_array_index(t->roots, 0);
		char *path = g_strconcat(clam_files[i].file, "/", clam_files[i].child, NULL);
		const struct mobj *c = by_path(t, path);
		g_free(path);
		bool ok = root->type != NULL && strcmp(root->type->name, clam_files[i].type) == 0 &&
		    root->children->len == clam_files[i].children &&
		    !(root->flags & (OBJ_DAMAGED | OBJ_UNSUPPORTED)) && root->error == NULL &&
		    c != NULL && is_clam(c) && c->parent == root && c->depth == 1 &&
		    c->origin == clam_files[i].origin && c->flags == 0 &&
		    strcmp(c->name, clam_files[i].child) == 0 && t->hits->len == 0 &&
		    (clam_files[i].container == NULL ||
		    g_strcmp0(root->container, clam_files[i].container) == 0);
		if (!ok) {
			print_error("%s:\n", clam_files[i].file);
			dump(t);
			fail();
		}
		obj_tree_free(t);
		g_free(b);
	}
}

/* Every prefix of a container: no crash, no leak, and a whole clam.exe
 * only when the container (or the child) says something went wrong or
 * the cut was after everything that matters. */
static void
prefixes(const char *file, bool tail_may_go)
{
	struct obj_limits lim = limits();
	size_t n;
	uint8_t *b = load(file, &n);
	unsigned damaged = 0, whole = 0;

	for (size_t len = 0; len < n; len++) {
		uint8_t *p = g_memdup2(b, len);	/* exactly len bytes: ASan sees overreads */
		struct obj_tree *t = obj_tree_build_file(file, p, len, &lim);
		const struct mobj *root = g_ptr_array_index(t->roots, 0);
		unsigned any = root->flags;
		bool clam = false;
		for (guint i = 1; i < t->all->len; i++) {
			const struct mobj *o = g_ptr_array_index(t->all, i);
			any |= o->flags;
			clam |= is_clam(o);
		}
		if (any & (OBJ_DAMAGED | OBJ_TRUNCATED | OBJ_UNSUPPORTED))
			damaged++;
		if (clam)
			whole++;
		if (clam && !(any & (OBJ_DAMAGED | OBJ_TRUNCATED)) && !tail_may_go) {
			print_error("%s cut at %zu of %zu: a whole clam.exe, no flag\n", file, len, n);
			dump(t);
			fail();
		}
		obj_tree_free(t);
		g_free(p);
	}
	print_message("%s: %zu prefixes, %u flagged damaged/truncated, %u with a whole clam.exe\n",
	    file, n, damaged, whole);
	assert_true(damaged > n / 2);
	g_free(b);
}

static void
test_truncated_chm(void **state)
{
	(void)state;
	prefixes("clam.chm", false);
}

static void
test_truncated_szdd(void **state)
{
	(void)state;
	prefixes("clam.exe.szdd", false);
}

/* limits.objects reached inside a CHM: recorded, the tree stops there. */
static void
test_chm_objects_limit(void **state)
{
	(void)state;
	struct obj_limits lim = limits();
	size_t n;
	uint8_t *b = load("clam.chm", &n);

	struct obj_tree *t = obj_tree_build_file("clam.chm", b, n, &lim);
	guint all = t->all->len;
	assert_true(all >= 3);	/* the CHM, clam.exe and at least one more file */
	obj_tree_free(t);

	for (unsigned max = 1; max < all; max++) {
		lim.objects = max;
		t = obj_tree_build_file("clam.chm", b, n, &lim);
		assert_int_equal(t->all->len, max);
		bool hit = false;
		for (guint i = 0; i < t->hits->len; i++) {
			const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
			hit |= h->limit == OBJ_LIMIT_OBJECTS && strcmp(h->where, "clam.chm") == 0;
		}
		if (!hit) {
			dump(t);
			fail();
		}
		obj_tree_free(t);
	}
	g_free(b);
}

/* limits.depth 0: the container is not opened, and says so. */
static void
test_depth_limit(void **state)
{
	(void)state;
	struct obj_limits lim = limits();
	const char *files[] = { "clam.chm", "clam.exe.szdd" };

	lim.depth = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		size_t n;
		uint8_t *b = load(files[i], &n);
		struct obj_tree *t = obj_tree_build_file(files[i], b, n, &lim);
		const struct mobj *root = g_ptr_array_index(t->roots, 0);
		assert_int_equal(t->all->len, 1);
		assert_true(root->flags & OBJ_NOT_UNPACKED);
		assert_int_equal(t->hits->len, 1);
		assert_int_equal(g_array_index(t->hits, struct obj_limit_hit, 0).limit,
		    OBJ_LIMIT_DEPTH);
		obj_tree_free(t);
		g_free(b);
	}
}

/* An SZDD named the DOS way gets its last letter back. */
static void
test_names_and_garbage(void **state)
{
	(void)state;
	struct obj_limits lim = limits();
	size_t n;
	uint8_t *b = load("clam.exe.szdd", &n);
	b[9] = 'e';	/* the missing character (COMPRESS.EXE -r) */
	struct obj_tree *t = obj_tree_build_file("CLAM.EX_", b, n, &lim);
	const struct mobj *c = by_path(t, "CLAM.EX_/CLAM.EXE");
	if (c == NULL || !is_clam(c)) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
	g_free(b);
}

/* KWAJ (no sample in clamav-testfiles): clam.exe stored and XOR-ed, with
 * the length header; a cut copy is damage. */
static void
test_kwaj(void **state)
{
	(void)state;
	struct obj_limits lim = limits();
	size_t n;
	uint8_t *exe = load("clam.exe", &n);
	assert_int_equal(n, CLAM_SIZE);
	for (unsigned comp = 0; comp <= 1; comp++) {
		uint8_t *k = g_malloc(18 + n);
		memcpy(k, "KWAJ\x88\xF0\x27\xD1", 8);
		k[8] = (uint8_t)comp;
		k[9] = 0;
		k[10] = 18;	/* data offset */
		k[11] = 0;
		k[12] = 1;	/* headers: the length */
		k[13] = 0;
		k[14] = (uint8_t)(n & 0xff);
		k[15] = (uint8_t)(n >> 8);
		k[16] = k[17] = 0;
		for (size_t i = 0; i < n; i++)
			k[18 + i] = comp == 1 ? (uint8_t)~exe[i] : exe[i];
		struct obj_tree *t = obj_tree_build_file("clam.exe.kwaj", k, 18 + n, &lim);
		const struct mobj *root = g_ptr_array_index(t->roots, 0);
		const struct mobj *c = by_path(t, "clam.exe.kwaj/clam.exe");
		if (strcmp(root->type->name, "kwaj") != 0 || c == NULL || !is_clam(c) ||
		    c->flags != 0 || root->flags != 0) {
			dump(t);
			fail();
		}
		obj_tree_free(t);
		t = obj_tree_build_file("clam.exe.kwaj", k, 18 + n - 100, &lim);
		c = by_path(t, "clam.exe.kwaj/clam.exe");
		if (c == NULL || !(c->flags & OBJ_DAMAGED) || c->error == NULL) {
			dump(t);
			fail();
		}
		obj_tree_free(t);
		g_free(k);
	}
	g_free(exe);
}

/* A tar.gz of n entries entryNNN.txt of size bytes each, the last one
 * named last. */
static uint8_t *
make_targz(unsigned n, size_t size, const char *last, size_t *len)
{
	size_t cap = 1u << 20;
	uint8_t *buf = g_malloc(cap);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
	uint8_t *data = g_malloc0(size);
	for (unsigned i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "entry%03u.txt", i);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, i + 1 == n ? last : name);
		archive_entry_set_size(e, (la_int64_t)size);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data, size), (la_ssize_t)size);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	g_free(data);
	return buf;
}

static bool
has_hit(const struct obj_tree *t, enum obj_limit l, const char *where)
{
	for (guint i = 0; i < t->hits->len; i++) {
		const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
		if (h->limit == l && strcmp(h->where, where) == 0)
			return true;
	}
	return false;
}

/*
 * Past limits.objects the entries of an archive are still listed by name
 * (obj_tree.beyond), up to limits.names, and while the data skipped to
 * reach them stays within stream_bytes.
 */
static void
test_names_past_objects(void **state)
{
	(void)state;
	struct obj_limits lim = limits();
	size_t n;
	uint8_t *b = make_targz(10, 1000, "dir/invoice.pdf.exe", &n);

	lim.objects = 4;	/* the tar.gz (one container) and 3 entries */
	struct obj_tree *t = obj_tree_build_file("a.tar.gz", b, n, &lim);
	if (t->all->len != 4 || t->beyond->len != 7) {
		dump(t);
		print_error("objects %u, names %u\n", t->all->len, t->beyond->len);
		fail();
	}
	const struct mime_name *last = g_ptr_array_index(t->beyond, 6);
	assert_string_equal(last->name, "dir/invoice.pdf.exe");
	assert_true(g_str_has_suffix(last->path, "/dir/invoice.pdf.exe"));
	assert_true(has_hit(t, OBJ_LIMIT_OBJECTS, "a.tar.gz"));
	obj_tree_free(t);

	/* at most limits.names names */
	lim.names = 3;
	t = obj_tree_build_file("a.tar.gz", b, n, &lim);
	assert_int_equal(t->beyond->len, 3);
	bool names_hit = false;
	for (guint i = 0; i < t->hits->len; i++)
		names_hit |= g_array_index(t->hits, struct obj_limit_hit, i).limit == OBJ_LIMIT_NAMES;
	assert_true(names_hit);
	obj_tree_free(t);

	/* skipping data to list names counts against stream_bytes */
	lim.names = 10000;
	lim.stream_bytes = 3500;	/* entry003 is listed as it is refused; the
				 * skips of 004, 005, 006 fit, 007's does not */
	t = obj_tree_build_file("a.tar.gz", b, n, &lim);
	assert_int_equal(t->beyond->len, 4);
	names_hit = false;
	for (guint i = 0; i < t->hits->len; i++)
		names_hit |= g_array_index(t->hits, struct obj_limit_hit, i).limit == OBJ_LIMIT_NAMES;
	assert_true(names_hit);
	obj_tree_free(t);
	g_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clam_files),
		cmocka_unit_test(test_truncated_chm),
		cmocka_unit_test(test_truncated_szdd),
		cmocka_unit_test(test_chm_objects_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_names_past_objects),
		cmocka_unit_test(test_names_and_garbage),
		cmocka_unit_test(test_kwaj),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
