/*
 * fuzz_objects.c - libFuzzer target for the object tree: the input is one
 * attachment, typed by content and unpacked recursively (archives through
 * libarchive, compressed streams, mail files through GMime, the ZIP
 * central directory and RAR 5 header readers of our own), then every
 * object is checked against the limits it was built under.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(&fuzz_mime_limits);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj_tree *t = obj_tree_build_file("attachment.bin", data, size, &lim);

	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	return 0;
}
