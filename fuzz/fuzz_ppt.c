/*
 * fuzz_ppt.c - libFuzzer target for the PowerPoint action reader
 * (src/objects/documents/ppt.c).
 *
 * An even first byte: the rest is a "PowerPoint Document" stream, handed
 * to ppt_binary_actions() directly (the compound file around it is the
 * ole target's; no tree, so no sandbox).  An odd first byte: the rest is
 * split at NUL bytes into a slide, its relationships, a layout and its
 * relationships, written into a stored ZIP (fuzz_zip.h) with
 * [Content_Types].xml and built as an object tree (a .pptx), so that
 * ooxml.c hands the parts to ppt.c as for a real presentation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "fuzz_zip.h"
#include "objects/documents/ole.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

static const char *const parts[] = {
	"ppt/slides/slide1.xml", "ppt/slides/_rels/slide1.xml.rels",
	"ppt/slideLayouts/slideLayout1.xml", "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
};

static const char content_types[] =
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
    "package/2006/content-types\"><Default Extension=\"xml\" "
    "ContentType=\"application/xml\"/></Types>";

static void
binary(const uint8_t *p, size_t n)
{
	struct mobj o = { .path = (char *)"x.ppt" };

	ppt_binary_actions(NULL, &o, p, n);
	for (guint k = 0; o.facts != NULL && k < o.facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o.facts, struct obj_fact, k);
		if (f->id != OBJ_FACT_PPT_ACTION_RUN)
			abort();
		g_free(f->detail);
	}
	if (o.facts != NULL)
		g_array_unref(o.facts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	if (!(data[0] & 1)) {
		binary(data + 1, size - 1);
		return 0;
	}
	struct fuzz_zip z;
	fuzz_zip_init(&z);
	fuzz_zip_add(&z, "[Content_Types].xml", (const uint8_t *)content_types,
	    sizeof(content_types) - 1);
	fuzz_zip_split(&z, parts, G_N_ELEMENTS(parts), data + 1, size - 1);
	fuzz_zip_finish(&z);
	struct obj_tree *t = obj_tree_build_file("x.pptx", z.z->data, z.z->len, &lim);
	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	fuzz_zip_free(&z);
	return 0;
}
