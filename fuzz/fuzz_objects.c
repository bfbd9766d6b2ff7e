/*
 * fuzz_objects.c - libFuzzer target for the object tree: the input is one
 * attachment, typed by content and unpacked recursively (archives through
 * libarchive, compressed streams, mail files through GMime, the ZIP
 * central directory and RAR 5 header readers of our own, encrypted ZIP
 * entries tried with two candidate passwords), then every object is
 * checked against the limits it was built under.  (Encrypted 7z goes to
 * 7zz, a separate process: not here.)
 *
 * The limits are small so that a run stays fast; a bomb must be stopped
 * by them, never by running out of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "mime/message.h"
#include "fuzz_tree.h"
#include "objects/object.h"
#include "objects/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct obj_limits lim = FUZZ_OBJ_LIMITS(&fuzz_mime_limits);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_list *pw;

	if (pw == NULL) {
		/* the seeds' encrypted ZIPs open with "password" */
		pw = pw_list_new(8, 0);
		pw_list_add(pw, "infected", PW_SRC_STATIC, "fuzz");
		pw_list_add(pw, "password", PW_SRC_STATIC, "fuzz");
		lim.passwords = pw;
	}
	struct obj_tree *t = obj_tree_build_file("attachment.bin", data, size, &lim);

	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	return 0;
}
