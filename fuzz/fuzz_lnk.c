/*
 * fuzz_lnk.c - libFuzzer target for the Windows shortcut analyser (src/objects/documents/lnk.c):
 * the input is one attachment named x.lnk, typed by content, so inputs
 * that keep the ShellLinkHeader reach the analyser.  The same checks as
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
	struct obj_tree *t = obj_tree_build_file("x.lnk", data, size, &lim);

	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	return 0;
}
