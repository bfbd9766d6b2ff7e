/*
 * fuzz_onenote.c - libFuzzer target for the OneNote analyser (src/objects/documents/onenote.c):
 * the input is one attachment named x.one, typed by content, so inputs
 * that keep the OneNote header GUID reach the analyser, and what it
 * carves is typed, unpacked and analysed in turn.  The same checks as
 * fuzz_objects.c: a run must stay within the limits it was built under.
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
	struct obj_tree *t = obj_tree_build_file("x.one", data, size, &lim);

	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	return 0;
}
