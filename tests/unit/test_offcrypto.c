/*
 * test_offcrypto.c - password-encrypted Office documents (offcrypto.c,
 * through ole.c and the object tree, and its functions directly).
 *
 * Real files from tests/data/maldocs: strelka's test_password.docx
 * (Agile, "Password1!"), oletools' autostart-encrypt-standardpassword.xls
 * (RC4, Excel's default "VelvetSweatshop") and four files whose password
 * is unknown, which must fail cleanly.  The plaintexts are checked against
 * what msoffcrypto-tool decrypts (their SHA-256, computed with it).  Then
 * the bounds (spinCount limit, attempt limit), damage (every prefix of an
 * EncryptionInfo stream, flipped bytes) and the cost of one Agile trial.
 *
 * `test_offcrypto --dump FILE PASSWORD OUT` is the helper of
 * tests/functional/offcrypto.py: it builds the tree of FILE with that one
 * candidate, prints its objects and facts, and writes the plaintexts
 * (OUT.package, OUT.Workbook, OUT.WordDocument, OUT.table) for the
 * comparison with msoffcrypto-tool.
 */
#include "test_helpers.h"

#include <stdio.h>

#include <gsf/gsf-infile.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <openssl/evp.h>

#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"
#include "objects/documents/offcrypto.h"
#include "objects/password.h"

#define MD MAMORI_TESTDATA "/maldocs"

static const struct mime_limits mime_lim = { 50u << 20, 200u << 20, 500, 20, 10000 };

static struct obj_limits
limits(const struct pw_list *pw)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 64ull << 20,
		.deadline_us = 0, .mime = &mime_lim, .passwords = pw,
	};
	return l;
}

/* A built tree with what it borrows. */
struct built {
	struct obj_tree *t;
	struct obj_limits lim;
	struct pw_list *pw;
	uint8_t *data;
	size_t len;
};

/* The tree of a file with the candidates pws (NULL-terminated, may be
 * NULL: no list at all). */
static struct built *
build(const char *path, const char *const *pws, uint32_t spin_max)
{
	struct built *b = g_new0(struct built, 1);
	size_t n = 0;

	if (pws != NULL) {
		b->pw = pw_list_new(100, 0);
		for (size_t i = 0; pws[i] != NULL; i++)
			pw_list_add(b->pw, pws[i], PW_SRC_OPERATOR, NULL);
	}
	b->lim = limits(b->pw);
	b->lim.spin_max = spin_max;
	b->data = test_load(path, &n);
	b->len = n;
	char *base = g_path_get_basename(path);
	b->t = obj_tree_build_file(base, b->data, n, &b->lim);
	g_free(base);
	return b;
}

static void
built_free(struct built *b)
{
	obj_tree_free(b->t);
	pw_list_free(b->pw);
	g_free(b->data);
	g_free(b);
}

static struct mobj *
root(const struct built *b)
{
	assert_true(b->t->all->len >= 1);
	return g_ptr_array_index(b->t->all, 0);
}

static struct mobj *
find(const struct built *b, const char *path)
{
	for (guint i = 0; i < b->t->all->len; i++) {
		struct mobj *o = g_ptr_array_index(b->t->all, i);
		if (strcmp(o->path, path) == 0)
			return o;
	}
	return NULL;
}

static bool
has_fact(const struct mobj *o, const char *sym, const char *detail)
{
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		if (strcmp(obj_fact_name(f->id), sym) == 0 &&
		    (detail == NULL || (f->detail != NULL && strcmp(f->detail, detail) == 0)))
			return true;
	}
	return false;
}

static void
sha256_hex(const uint8_t *p, size_t n, char *out)
{
	uint8_t d[32];
	unsigned dn = 0;

	assert_int_equal(EVP_Digest(p, n, d, &dn, EVP_sha256(), NULL), 1);
	obj_hex(d, 32, out);
}

/* ---- Agile: strelka's test_password.docx ---- */

static void
test_agile_right(void **state)
{
	(void)state;
	const char *pws[] = { "password", "Password1", "Password1!", "later", NULL };
	struct built *b = build(MD "/strelka/test_password.docx", pws, 0);
	struct mobj *o = root(b);

	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_true(o->flags & OBJ_DECRYPTED);
	assert_utf8_equal(o->cipher, "OOXML Agile AES-256");
	assert_non_null(o->password);
	assert_utf8_equal(o->password->pw, "Password1!");
	assert_int_equal(b->t->pw_attempts, 3);
	assert_true(has_fact(o, "ENCRYPTED_OFFICE", "OOXML Agile"));
	assert_false(has_fact(o, "DOCUMENT_MALFORMED", NULL));

	struct mobj *c = find(b, "test_password.docx/EncryptedPackage.docx");
	assert_non_null(c);
	assert_true(c->flags & OBJ_DECRYPTED);
	assert_false(c->flags & OBJ_ENCRYPTED);
	assert_ptr_equal(c->password, o->password);
	assert_utf8_equal(c->type->name, "docx");
	assert_int_equal(c->size, 36969);
	char hex[65];
	obj_hex(c->sha256, 32, hex);
	/* msoffcrypto-tool's plaintext */
	assert_utf8_equal(hex, "c56adec58221d479ebbbd473b1df482e23fe77433809e5228699474032d4c832");
	/* and it is unpacked as any docx */
	assert_non_null(find(b, "test_password.docx/EncryptedPackage.docx/word/document.xml"));
	built_free(b);
}

static void
test_agile_wrong(void **state)
{
	(void)state;
	const char *pws[] = { "password", "Password1", "password1!", NULL };
	struct built *b = build(MD "/strelka/test_password.docx", pws, 0);
	struct mobj *o = root(b);

	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_false(o->flags & OBJ_DECRYPTED);
	assert_null(o->password);
	assert_utf8_equal(o->cipher, "OOXML Agile AES-256");
	assert_int_equal(b->t->all->len, 1);
	assert_int_equal(b->t->pw_attempts, 3);
	assert_false(has_fact(o, "DOCUMENT_MALFORMED", NULL));
	built_free(b);

	/* no candidates at all: encrypted, nothing tried */
	b = build(MD "/strelka/test_password.docx", NULL, 0);
	o = root(b);
	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_utf8_equal(o->cipher, "OOXML Agile AES-256");
	assert_int_equal(b->t->pw_attempts, 0);
	built_free(b);
}

/* spinCount 100000 above the limit: no trial, said in the error. */
static void
test_agile_spin_max(void **state)
{
	(void)state;
	const char *pws[] = { "Password1!", "x", NULL };
	struct built *b = build(MD "/strelka/test_password.docx", pws, 1000);
	struct mobj *o = root(b);

	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_false(o->flags & OBJ_DECRYPTED);
	assert_int_equal(b->t->pw_attempts, 0);
	assert_utf8_equal(o->error, "OOXML Agile AES-256: spinCount 100000 above 1000, no password tried");
	built_free(b);
}

/* The bounded trial loop: max_attempts stops it, recorded as a limit. */
static void
test_attempt_limit(void **state)
{
	(void)state;
	struct pw_list *pw = pw_list_new(2, 0);
	pw_list_add(pw, "a", PW_SRC_BODY, NULL);
	pw_list_add(pw, "b", PW_SRC_BODY, NULL);
	pw_list_add(pw, "Password1!", PW_SRC_BODY, NULL);
	struct obj_limits l = limits(pw);
	size_t n = 0;
	uint8_t *d = test_load(MD "/strelka/test_password.docx", &n);
	struct obj_tree *t = obj_tree_build_file("x.docx", d, n, &l);
	struct mobj *o = g_ptr_array_index(t->all, 0);

	assert_false(o->flags & OBJ_DECRYPTED);
	assert_int_equal(t->pw_attempts, 2);
	bool hit = false;
	for (guint i = 0; i < t->hits->len; i++)
		hit |= g_array_index(t->hits, struct obj_limit_hit, i).limit == OBJ_LIMIT_PASSWORDS;
	assert_true(hit);
	obj_tree_free(t);
	g_free(d);
	pw_list_free(pw);
}

/* ---- RC4: Excel's default password ---- */

static void
test_xls_velvet(void **state)
{
	(void)state;
	/* no list at all: the default is tried anyway */
	struct built *b = build(MD "/oletools/encrypted/autostart-encrypt-standardpassword.xls",
	    NULL, 0);
	struct mobj *o = root(b);

	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_true(o->flags & OBJ_DECRYPTED);
	assert_utf8_equal(o->cipher, "RC4");
	assert_non_null(o->password);
	assert_utf8_equal(o->password->pw, "VelvetSweatshop");
	assert_int_equal(o->password->src, PW_SRC_DEFAULT);
	assert_true(has_fact(o, "VBA_AUTOEXEC", "Auto_Open"));
	assert_false(has_fact(o, "DOCUMENT_MALFORMED", NULL));
	built_free(b);

	/* the default after the listed candidates */
	const char *pws[] = { "secret", NULL };
	b = build(MD "/oletools/encrypted/autostart-encrypt-standardpassword.xls", pws, 0);
	o = root(b);
	assert_true(o->flags & OBJ_DECRYPTED);
	assert_int_equal(b->t->pw_attempts, 2);
	built_free(b);
}

/* Gsf: one stream of an OLE file, g_free(); NULL when missing. */
static uint8_t *
ole_stream(const uint8_t *p, size_t n, const char *name, size_t *len)
{
	GsfInput *in = gsf_input_memory_new(p, (gsf_off_t)n, FALSE);
	GsfInfile *f = gsf_infile_msole_new(in, NULL);
	uint8_t *b = NULL;

	*len = 0;
	g_object_unref(in);
	if (f == NULL)
		return NULL;
	GsfInput *s = gsf_infile_child_by_name(f, name);
	if (s != NULL) {
		*len = (size_t)gsf_input_size(s);
		b = g_malloc(*len + 1);
		if (*len > 0 && gsf_input_read(s, *len, b) == NULL) {
			g_free(b);
			b = NULL;
			*len = 0;
		}
		g_object_unref(s);
	}
	g_object_unref(f);
	return b;
}

/* The decrypted Workbook stream is msoffcrypto-tool's, byte for byte. */
static void
test_xls_workbook(void **state)
{
	(void)state;
	size_t n = 0, wn = 0, fl = 0, pn = 0;
	uint8_t *d = test_load(MD "/oletools/encrypted/autostart-encrypt-standardpassword.xls", &n);
	uint8_t *wb = ole_stream(d, n, "Workbook", &wn);
	assert_non_null(wb);
	const uint8_t *fp = offcrypto_xls_filepass(wb, wn, &fl);
	assert_non_null(fp);
	struct offcrypto *oc = offcrypto_rc4(fp + 2, fl - 2, NULL, NULL);
	assert_non_null(oc);
	assert_int_equal(offcrypto_method(oc), OC_RC4);
	assert_int_equal(offcrypto_verify(oc, "velvetsweatshop", 0, 0), OC_WRONG);
	assert_int_equal(offcrypto_verify(oc, "VelvetSweatshop", 0, 0), OC_RIGHT);
	uint8_t *plain = offcrypto_xls_workbook(oc, wb, wn, &pn);
	assert_non_null(plain);
	assert_int_equal(pn, 14079);
	char hex[65];
	sha256_hex(plain, pn, hex);
	assert_utf8_equal(hex, "842be60cc76ee77a1cc349dddd4a0dda3319f8eaa20ee839fdb500ee95dbdc63");
	g_free(plain);
	offcrypto_free(oc);
	g_free(wb);
	g_free(d);
}

/* ---- RC4: ClamAV's password.fat.doc ("password") ---- */

static void
test_doc_rc4(void **state)
{
	(void)state;
	const char *pws[] = { "Password", "password", NULL };
	struct built *b = build(MD "/clamav/password.fat.doc", pws, 0);
	struct mobj *o = root(b);

	assert_true(o->flags & OBJ_ENCRYPTED);
	assert_true(o->flags & OBJ_DECRYPTED);
	assert_utf8_equal(o->cipher, "RC4");
	assert_utf8_equal(o->password->pw, "password");
	assert_int_equal(b->t->pw_attempts, 2);

	/* the WordDocument stream is msoffcrypto-tool's, byte for byte */
	size_t wn = 0, tn = 0;
	uint8_t *wd = ole_stream(b->data, b->len, "WordDocument", &wn);
	uint8_t *tb = ole_stream(b->data, b->len, "1Table", &tn);
	assert_non_null(wd);
	assert_non_null(tb);
	struct offcrypto *oc = offcrypto_rc4(tb, 52, NULL, NULL);
	assert_non_null(oc);
	assert_int_equal(offcrypto_verify(oc, "Password", 0, 0), OC_WRONG);
	assert_int_equal(offcrypto_verify(oc, "password", 0, 0), OC_RIGHT);
	uint8_t *plain = offcrypto_doc_stream(oc, wd, wn, 68, true);
	char hex[65];
	sha256_hex(plain, wn, hex);
	assert_int_equal(wn, 26663);
	assert_utf8_equal(hex, "35e0756536d595665e8e0eb6806d00fb5c2d45cab82dca9c076b86a411566d96");
	g_free(plain);
	offcrypto_free(oc);
	g_free(tb);
	g_free(wd);
	built_free(b);
}

/* ---- unknown passwords fail cleanly ---- */

static void
test_unknown(void **state)
{
	(void)state;
	static const struct {
		const char *file, *cipher;
	} cases[] = {
		{ "oletools/encrypted/encrypted.doc", NULL },
		{ "oletools/encrypted/encrypted.docx", "OOXML Agile AES-128" },
		{ "oletools/encrypted/encrypted.xls", NULL },
		{ "oletools/encrypted/encrypted.xlsx", "OOXML Agile AES-128" },
		{ "clamav/password.fat.doc", NULL },
	};
	/* (password.fat.doc's is "password": see test_doc_rc4) */
	const char *pws[] = { "Password", "1234", "infected", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = g_build_filename(MD, cases[i].file, NULL);
		struct built *b = build(path, pws, 0);
		struct mobj *o = root(b);
		if (!(o->flags & OBJ_ENCRYPTED) || (o->flags & OBJ_DECRYPTED) ||
		    o->cipher == NULL || b->t->all->len != 1 ||
		    has_fact(o, "DOCUMENT_MALFORMED", NULL)) {
			print_error("%s: flags %#x cipher %s objects %u\n", cases[i].file,
			    o->flags, o->cipher ? o->cipher : "-", b->t->all->len);
			fail();
		}
		if (cases[i].cipher != NULL)
			assert_utf8_equal(o->cipher, cases[i].cipher);
		/* the RC4 ones: three candidates, and the Excel default */
		assert_true(b->t->pw_attempts >= 3);
		print_message("%s: %s, %u attempts\n", cases[i].file, o->cipher, b->t->pw_attempts);
		built_free(b);
		g_free(path);
	}
}

/* ---- damage ---- */

static void
test_damage(void **state)
{
	(void)state;
	size_t n = 0, in = 0, pn = 0;
	uint8_t *d = test_load(MD "/strelka/test_password.docx", &n);
	uint8_t *info = ole_stream(d, n, "EncryptionInfo", &in);
	uint8_t *pkg = ole_stream(d, n, "EncryptedPackage", &pn);
	assert_non_null(info);
	assert_non_null(pkg);

	/* every prefix of the EncryptionInfo stream, and flipped bytes:
	 * parsed or refused, and a wrong password with a small spin bound */
	for (size_t k = 0; k <= in; k++) {
		struct offcrypto *oc = offcrypto_ooxml(info, k, NULL, NULL);
		if (oc != NULL)
			(void)offcrypto_verify(oc, "x", 10, 0);
		offcrypto_free(oc);
	}
	GRand *r = g_rand_new_with_seed(7);
	uint8_t *m = g_memdup2(info, in);
	for (unsigned k = 0; k < 2000; k++) {
		memcpy(m, info, in);
		for (unsigned j = 0; j < 4; j++)
			m[g_rand_int_range(r, 0, (gint32)in)] ^= (uint8_t)g_rand_int_range(r, 1, 256);
		const char *why = NULL;
		bool dmg = false;
		struct offcrypto *oc = offcrypto_ooxml(m, in, &why, &dmg);
		if (oc != NULL)
			(void)offcrypto_verify(oc, "Password1!", 10, 0);
		else
			assert_non_null(why);
		offcrypto_free(oc);
	}
	g_free(m);

	/* the right key on a cut or damaged package */
	struct offcrypto *oc = offcrypto_ooxml(info, in, NULL, NULL);
	assert_non_null(oc);
	assert_int_equal(offcrypto_spin(oc), 100000);
	assert_int_equal(offcrypto_verify(oc, "Password1!", 0, 0), OC_RIGHT);
	size_t ol = 0;
	bool dmg = false;
	int integ = -2;
	uint8_t *plain = offcrypto_package(oc, pkg, pn, &ol, &dmg, &integ);
	assert_non_null(plain);
	assert_false(dmg);
	assert_int_equal(integ, 1);
	assert_int_equal(ol, 36969);
	g_free(plain);
	for (size_t k = 0; k < pn; k += 97) {
		plain = offcrypto_package(oc, pkg, k, &ol, &dmg, &integ);
		assert_true(ol <= k);
		assert_true(plain == NULL || dmg || integ == 0);
		g_free(plain);
	}
	pkg[100] ^= 1;
	plain = offcrypto_package(oc, pkg, pn, &ol, &dmg, &integ);
	assert_int_equal(integ, 0);
	g_free(plain);
	/* a stream size larger than the data */
	pkg[5] = 0x7f;
	plain = offcrypto_package(oc, pkg, pn, &ol, &dmg, &integ);
	assert_true(dmg);
	assert_true(ol <= pn - 8);
	g_free(plain);
	offcrypto_free(oc);

	/* RC4 headers: every prefix */
	size_t wn = 0, fl = 0, xn = 0;
	uint8_t *x = test_load(MD "/oletools/encrypted/autostart-encrypt-standardpassword.xls", &xn);
	uint8_t *wb = ole_stream(x, xn, "Workbook", &wn);
	const uint8_t *fp = offcrypto_xls_filepass(wb, wn, &fl);
	assert_non_null(fp);
	for (size_t k = 0; k + 2 <= fl; k++) {
		oc = offcrypto_rc4(fp + 2, k, NULL, NULL);
		assert_true(oc == NULL || k >= 52);
		offcrypto_free(oc);
	}
	/* a Workbook cut anywhere decrypts what is there */
	oc = offcrypto_rc4(fp + 2, fl - 2, NULL, NULL);
	assert_int_equal(offcrypto_verify(oc, "VelvetSweatshop", 0, 0), OC_RIGHT);
	for (size_t k = 1; k < wn; k += 131) {
		plain = offcrypto_xls_workbook(oc, wb, k, &ol);
		assert_true(ol <= k);
		g_free(plain);
	}
	offcrypto_free(oc);
	g_free(wb);
	g_free(x);

	/* damaged files through the tree: no crash, nothing decrypted */
	const char *pws[] = { "Password1!", NULL };
	struct pw_list *pw = pw_list_new(10, 0);
	pw_list_add(pw, pws[0], PW_SRC_BODY, NULL);
	struct obj_limits l = limits(pw);
	l.spin_max = 100000;
	uint8_t *f = g_memdup2(d, n);
	for (unsigned k = 0; k < 40; k++) {
		memcpy(f, d, n);
		for (unsigned j = 0; j < 8; j++)
			f[g_rand_int_range(r, 512, (gint32)n)] ^= 0x55;
		struct obj_tree *t = obj_tree_build_file("f.docx", f, n, &l);
		obj_tree_free(t);
	}
	g_free(f);
	pw_list_free(pw);
	g_rand_free(r);
	g_free(info);
	g_free(pkg);
	g_free(d);
}

/* The cost of one wrong candidate on Agile (spinCount 100000, SHA-512). */
static void
test_agile_cost(void **state)
{
	(void)state;
	size_t n = 0, in = 0;
	uint8_t *d = test_load(MD "/strelka/test_password.docx", &n);
	uint8_t *info = ole_stream(d, n, "EncryptionInfo", &in);
	struct offcrypto *oc = offcrypto_ooxml(info, in, NULL, NULL);
	assert_non_null(oc);
	const unsigned rounds = 5;
	gint64 t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < rounds; i++)
		assert_int_equal(offcrypto_verify(oc, "wrong", 0, 0), OC_WRONG);
	gint64 us = (g_get_monotonic_time() - t0) / rounds;
	print_message("Agile (spinCount %u, SHA-512): %.1f ms per wrong candidate\n",
	    offcrypto_spin(oc), (double)us / 1000.0);
	/* a deadline stops the key derivation */
	assert_int_equal(offcrypto_verify(oc, "Password1!", 0, g_get_monotonic_time() + 1000),
	    OC_GIVE_UP);
	offcrypto_free(oc);
	g_free(info);
	g_free(d);

	/* RC4 (MD5): microseconds */
	size_t xn = 0, wn = 0, fl = 0;
	uint8_t *x = test_load(MD "/oletools/encrypted/autostart-encrypt-standardpassword.xls", &xn);
	uint8_t *wb = ole_stream(x, xn, "Workbook", &wn);
	const uint8_t *fp = offcrypto_xls_filepass(wb, wn, &fl);
	oc = offcrypto_rc4(fp + 2, fl - 2, NULL, NULL);
	assert_non_null(oc);
	t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(offcrypto_verify(oc, "wrong", 0, 0), OC_WRONG);
	print_message("RC4: %.1f us per wrong candidate\n",
	    (double)(g_get_monotonic_time() - t0) / 1000.0);
	offcrypto_free(oc);
	g_free(wb);
	g_free(x);
}

/* ---- the helper of tests/functional/offcrypto.py ---- */

static void
write_file(const char *prefix, const char *suffix, const uint8_t *p, size_t n)
{
	char *path = g_strconcat(prefix, suffix, NULL);
	GError *err = NULL;

	if (!g_file_set_contents(path, (const char *)p, (gssize)n, &err)) {
		fprintf(stderr, "%s: %s\n", path, err->message);
		exit(1);
	}
	g_free(path);
}

static int
dump(const char *file, const char *password, const char *out)
{
	const char *pws[] = { password, NULL };
	struct built *b = build(file, pws, 0);
	size_t n = b->len;
	const uint8_t *d = b->data;

	gsf_init();
	for (guint i = 0; i < b->t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(b->t->all, i);
		printf("object %s type=%s flags=%#x cipher=%s password=%s\n", o->path,
		    o->type != NULL ? o->type->name : "-", o->flags,
		    o->cipher != NULL ? o->cipher : "-",
		    o->password != NULL ? o->password->pw : "-");
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			printf("fact %s %s %s\n", o->path, obj_fact_name(f->id), f->detail ? f->detail : "");
		}
		if (i > 0 && o->parent == root(b) && (o->flags & OBJ_DECRYPTED) &&
		    g_str_has_prefix(o->name, "EncryptedPackage."))
			write_file(out, ".package", o->data, o->len);
	}
	printf("attempts %u us %lld\n", b->t->pw_attempts, (long long)b->t->pw_us);

	/* the binary formats' streams, through offcrypto directly */
	size_t wn = 0, dn = 0, tn = 0, fl = 0, pn = 0;
	uint8_t *wb = ole_stream(d, n, "Workbook", &wn);
	uint8_t *wd = ole_stream(d, n, "WordDocument", &dn);
	if (wb != NULL) {
		const uint8_t *fp = offcrypto_xls_filepass(wb, wn, &fl);
		struct offcrypto *oc = fp != NULL && fl > 2 ?
		    offcrypto_rc4(fp + 2, fl - 2, NULL, NULL) : NULL;
		if (oc != NULL && offcrypto_verify(oc, password, 0, 0) == OC_RIGHT) {
			uint8_t *p = offcrypto_xls_workbook(oc, wb, wn, &pn);
			if (p != NULL)
				write_file(out, ".Workbook", p, pn);
			g_free(p);
		}
		offcrypto_free(oc);
	} else if (wd != NULL && dn >= 68) {
		const char *tname = (wd[0x0B] & 0x02) ? "1Table" : "0Table";
		uint8_t *tb = ole_stream(d, n, tname, &tn);
		size_t hn = (size_t)(wd[0x0E] | (wd[0x0F] << 8) | (wd[0x10] << 16) |
		    ((uint32_t)wd[0x11] << 24));
		if (hn > tn)
			hn = tn;
		struct offcrypto *oc = tb != NULL ? offcrypto_rc4(tb, hn, NULL, NULL) : NULL;
		if (oc != NULL && offcrypto_verify(oc, password, 0, 0) == OC_RIGHT) {
			uint8_t *p = offcrypto_doc_stream(oc, wd, dn, 68, true);
			uint8_t *q = offcrypto_doc_stream(oc, tb, tn, hn, false);
			write_file(out, ".WordDocument", p, dn);
			write_file(out, ".table", q, tn);
			printf("table-header %zu\n", hn);
			g_free(p);
			g_free(q);
		}
		offcrypto_free(oc);
		g_free(tb);
	}
	g_free(wb);
	g_free(wd);
	built_free(b);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--dump") == 0)
		return dump(argv[2], argv[3], argv[4]);
	gsf_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agile_right),
		cmocka_unit_test(test_agile_wrong),
		cmocka_unit_test(test_agile_spin_max),
		cmocka_unit_test(test_attempt_limit),
		cmocka_unit_test(test_xls_velvet),
		cmocka_unit_test(test_xls_workbook),
		cmocka_unit_test(test_doc_rc4),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_agile_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
