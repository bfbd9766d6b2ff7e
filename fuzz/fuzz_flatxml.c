/*
 * fuzz_flatxml.c - libFuzzer target for the Office documents saved as one
 * XML file (src/objects/documents/flatxml.c): Flat OPC, Word 2003 XML and
 * Excel 2003 XML, and through them ooxml.c (the Flat OPC parts), the Word
 * field judging it shares, and whatever the parts carve (w:binData,
 * pkg:binaryData).
 *
 * The first byte chooses the root element written before the rest, so
 * that the input is typed as that form without the fuzzer having to find
 * the namespace: 0 Flat OPC (<pkg:package>, with an open <pkg:part> and
 * <pkg:xmlData> for the rest), 1 Word 2003 XML, 2 Excel 2003 XML; any
 * other value: the rest is the whole file (the seeds are real files).
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "fuzz_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

static const char *const heads[] = {
	"<?xml version=\"1.0\"?><pkg:package xmlns:pkg=\"http://schemas.microsoft.com/"
	"office/2006/xmlPackage\"><pkg:part pkg:name=\"/word/document.xml\"><pkg:xmlData>",
	"<?xml version=\"1.0\"?><w:wordDocument xmlns:w=\"http://schemas.microsoft.com/"
	"office/word/2003/wordml\">",
	"<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:"
	"spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	GByteArray *a = g_byte_array_new();
	if (data[0] < G_N_ELEMENTS(heads))
		g_byte_array_append(a, (const uint8_t *)heads[data[0]],
		    (guint)strlen(heads[data[0]]));
	g_byte_array_append(a, data + 1, (guint)(size - 1));
	struct obj_tree *t = obj_tree_build_file("x.xml", a->data, a->len, &lim);
	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	g_byte_array_unref(a);
	return 0;
}
