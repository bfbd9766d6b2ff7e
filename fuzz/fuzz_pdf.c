/*
 * fuzz_pdf.c - libFuzzer target for the PDF analyser (src/objects/documents/pdf.c):
 * the input, behind a "%PDF-1.7" header so that it is always typed as a
 * PDF, is one attachment; its objects are scanned, its streams and object
 * streams decoded, its embedded files carved and unpacked in turn.  Then
 * every object is checked against the limits it was built under.
 *
 * The limits are small so that a run stays fast; a Flate bomb must be
 * stopped by the analyser's caps, never by running out of memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "objects/filetype.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hdr[] = "%PDF-1.7\n";
	size_t n = sizeof hdr - 1;
	uint8_t *buf;

	if (size >= n && memcmp(data, hdr, 5) == 0) {
		buf = g_memdup2(data, size);
		n = size;
	} else {
		buf = g_malloc(n + size + 1);
		memcpy(buf, hdr, n);
		if (size > 0)
			memcpy(buf + n, data, size);
		n += size;
	}
	struct obj_tree *t = obj_tree_build_file("x.pdf", buf, n, &lim);

	fuzz_check_tree(t, &lim);
	/* the PDF analyser records PDF facts only; the files it carves out
	 * are analysed in turn as what they are (a shortcut gives LNK_FILE:
	 * fuzz/regress/pdf/embedded-lnk.pdf), so only PDFs are checked */
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (o->type == NULL || strcmp(o->type->name, "pdf") != 0)
			continue;
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			switch (g_array_index(o->facts, struct obj_fact, k).id) {
			case OBJ_FACT_PDF_JAVASCRIPT:
			case OBJ_FACT_PDF_LAUNCH:
			case OBJ_FACT_PDF_AUTO_ACTION:
			case OBJ_FACT_PDF_EMBEDDED_FILE:
			case OBJ_FACT_DOCUMENT_MALFORMED:
				break;
			default:
				abort();
			}
		}
	}
	obj_tree_free(t);
	g_free(buf);
	return 0;
}
