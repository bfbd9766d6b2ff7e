/*
 * fuzz_odf.c - libFuzzer target for the OpenDocument analyser
 * (src/objects/documents/odf.c).
 *
 * The input is the package's XML parts, split at NUL bytes into the parts
 * named in parts[] below (the content with its event bindings, a Basic
 * module and its library, styles, settings, a package script), which are
 * written after a stored "mimetype" member into a ZIP (fuzz_zip.h) and
 * built as an object tree, so that the analyser reads them as it reads a
 * real .odt, and the Basic source goes through the static sandbox.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "fuzz_zip.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

static const char *const parts[] = {
	"content.xml", "Basic/Standard/Module1.xml", "Basic/Standard/script-lb.xml",
	"styles.xml", "settings.xml", "Scripts/python/a.py", "Basic/Other/Module2.xml",
};

static const char mimetype[] = "application/vnd.oasis.opendocument.text";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	struct fuzz_zip z;
	fuzz_zip_init(&z);
	fuzz_zip_add(&z, "mimetype", (const uint8_t *)mimetype, sizeof(mimetype) - 1);
	fuzz_zip_split(&z, parts, G_N_ELEMENTS(parts), data, size);
	fuzz_zip_finish(&z);
	struct obj_tree *t = obj_tree_build_file("x.odt", z.z->data, z.z->len, &lim);
	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	fuzz_zip_free(&z);
	return 0;
}
