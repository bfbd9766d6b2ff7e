/*
 * fuzz_offcrypto.c - libFuzzer target for encrypted Office documents
 * (src/objects/documents/offcrypto.c, through ole.c): the input is one attachment
 * named .docx, typed by content and analysed with the candidates
 * "password" and "VelvetSweatshop" (Excel's default is tried anyway), so
 * the seeds (fuzz/corpus/offcrypto: Agile with spinCount 1000, written by
 * tests/support/offcrypto_seed.py; Standard; RC4 .xls and .doc) open and
 * their decrypted packages and streams are analysed.  The spinCount bound
 * is 1000 (Standard's fixed 50,000 is over it: its header is read, its key
 * not derived), so no run spends its time in the key derivation.  The
 * tree must keep its limits.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "objects/object.h"
#include "objects/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);
static struct pw_list *pw;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (pw == NULL) {
		pw = pw_list_new(8, 0);
		pw_list_add(pw, "password", PW_SRC_BODY, NULL);
		pw_list_add(pw, "VelvetSweatshop", PW_SRC_DICTIONARY, NULL);
		lim.passwords = pw;
		lim.spin_max = 1000;
	}
	struct obj_tree *t = obj_tree_build_file("x.docx", data, size, &lim);

	fuzz_check_tree(t, &lim);
	if (t->pw_attempts > pw->max_attempts)
		abort();
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if ((o->flags & OBJ_DECRYPTED) && o->password == NULL && o->parent == NULL)
			abort();
	}
	obj_tree_free(t);
	return 0;
}
