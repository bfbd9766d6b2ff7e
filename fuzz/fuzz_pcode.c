/*
 * fuzz_pcode.c - libFuzzer target for pcode.c (a module's p-code, VBA
 * stomping) and docstrings.c (UserForm, Word document variable and OOXML
 * property readers), called directly.  The first byte chooses: 0/1 the
 * rest is a module stream's PerformanceCache (32-/64-bit, the version
 * from the second byte: 0x97 or 0xB5 or as is), judged against itself as
 * source; 2 a UserForm (the rest split into "f" and "o" at the second
 * byte's proportion); 3 a WordDocument FIB that is its own table stream;
 * 4 an OOXML settings/core/custom part; 5 an OLE property set stream.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "objects/object.h"
#include "objects/documents/ole.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned mode = data[0] % 6, arg = data[1];
	const uint8_t *p = data + 2;
	size_t n = size - 2;
	GHashTable *x = docstr_new();
	if (mode <= 1) {
		unsigned version = arg == 0 ? 0x97 : arg == 1 ? 0xB5 : arg;
		struct vba_pcode pc;
		enum vba_pcode_status st = vba_pcode_read(p, n, version, mode == 1, &pc);
		if (st == PCODE_OK) {
			GString *why = g_string_new(NULL);
			(void)vba_pcode_stomped(&pc, (const char *)p, n, why);
			g_string_free(why, TRUE);
		} else if (pc.lits->len > 4096) {
			abort();
		}
		vba_pcode_clear(&pc);
	} else if (mode == 2) {
		size_t cut = n * arg / 255;
		docstr_form(x, "UserForm1", p, cut, p + cut, n - cut);
	} else if (mode == 3) {
		docstr_word(x, p, n, p, n, p, n);
	} else if (mode == 5) {
		docstr_olps(x, p, n, arg & 1);
	} else {
		static const char *const parts[] = { "word/settings.xml", "docProps/core.xml",
			"docProps/custom.xml", "docProps/app.xml" };
		docstr_ooxml_part(x, parts[arg % 4], p, n);
	}
	if (g_hash_table_size(x) > 4096)
		abort();
	g_hash_table_unref(x);
	return 0;
}
