/*
 * fuzz_ooxml.c - libFuzzer target for the OOXML and CSV analysers
 * (src/objects/documents/ooxml.c).
 *
 * Fuzzing the ZIP container would spend the run in libarchive, which the
 * objects target covers; here the input is the parts' XML.  An even first
 * byte: the rest is split at NUL bytes into the parts named in parts[]
 * below (the document, its relationships, a footer, the workbook and its
 * relationships, a macro sheet, an external link), which are written into
 * a stored ZIP with [Content_Types].xml and built as an object tree, so
 * that the analyser reads them as it reads a real document; with the
 * first byte's bit 1 set, the parts are those of an .xlsb (its workbook.bin
 * and relationships, a binary macro sheet, a binary external link: the
 * BIFF12 records of xlsb.c).  An odd first byte: the rest is a CSV file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = {
	.depth = 6,
	.objects = 200,
	.object_bytes = 1 << 20,
	.unpacked_bytes = 8 << 20,
	.stream_bytes = 32 << 20,
	.ratio = 100,
	.ratio_min = 1 << 20,
	.padding_min = 256 << 10,
	.mime = NULL,
};

static const char *const parts[] = {
	"word/document.xml", "word/_rels/document.xml.rels", "word/footer1.xml",
	"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
	"xl/macrosheets/sheet1.xml", "xl/externalLinks/externalLink1.xml",
	"word/_rels/settings.xml.rels",
};

static const char *const xlsb_parts[] = {
	"xl/workbook.bin", "xl/_rels/workbook.bin.rels", "xl/macrosheets/sheet1.bin",
	"xl/externalLinks/externalLink1.bin", "xl/macrosheets/intl1.bin",
};

static const char content_types[] =
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
    "package/2006/content-types\"><Default Extension=\"xml\" "
    "ContentType=\"application/xml\"/></Types>";

static uint32_t
crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void
le(GByteArray *a, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i));
		g_byte_array_append(a, &b, 1);
	}
}

static void
entry(GByteArray *z, GByteArray *cd, const char *name, const uint8_t *p, size_t n)
{
	uint32_t off = z->len, nl = (uint32_t)strlen(name), crc = crc32_of(p, n);

	le(z, 0x04034b50, 4); le(z, 20, 2); le(z, 0, 2); le(z, 0, 2);
	le(z, 0, 2); le(z, 0x21, 2); le(z, crc, 4); le(z, (uint32_t)n, 4);
	le(z, (uint32_t)n, 4); le(z, nl, 2); le(z, 0, 2);
	g_byte_array_append(z, (const uint8_t *)name, nl);
	g_byte_array_append(z, p, (guint)n);
	le(cd, 0x02014b50, 4); le(cd, 20, 2); le(cd, 20, 2); le(cd, 0, 2);
	le(cd, 0, 2); le(cd, 0, 2); le(cd, 0x21, 2); le(cd, crc, 4);
	le(cd, (uint32_t)n, 4); le(cd, (uint32_t)n, 4); le(cd, nl, 2);
	le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 4);
	le(cd, off, 4);
	g_byte_array_append(cd, (const uint8_t *)name, nl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj_tree *t;

	if (size < 1 || size > (1u << 20))
		return 0;
	if (data[0] & 1) {
		t = obj_tree_build_file("x.csv", data + 1, size - 1, &lim);
		obj_tree_free(t);
		return 0;
	}
	GByteArray *z = g_byte_array_new(), *cd = g_byte_array_new();
	uint32_t count = 1;
	entry(z, cd, "[Content_Types].xml", (const uint8_t *)content_types,
	    sizeof(content_types) - 1);
	const uint8_t *p = data + 1, *end = data + size;
	bool xlsb = data[0] & 2;
	const char *const *names = xlsb ? xlsb_parts : parts;
	size_t nnames = xlsb ? G_N_ELEMENTS(xlsb_parts) : G_N_ELEMENTS(parts);
	for (size_t i = 0; i < nnames && p < end; i++, count++) {
		/* a binary part holds NUL bytes: parts are split at "\0\xff\0" */
		const uint8_t *sep = xlsb ? memmem(p, (size_t)(end - p), "\0\xff\0", 3) :
		    memchr(p, 0, (size_t)(end - p));
		const uint8_t *e = sep != NULL ? sep : end;
		entry(z, cd, names[i], p, (size_t)(e - p));
		p = sep != NULL ? sep + (xlsb ? 3 : 1) : end;
	}
	uint32_t cdoff = z->len, cdlen = cd->len;
	g_byte_array_append(z, cd->data, cd->len);
	le(z, 0x06054b50, 4); le(z, 0, 2); le(z, 0, 2); le(z, count, 2);
	le(z, count, 2); le(z, cdlen, 4); le(z, cdoff, 4); le(z, 0, 2);
	t = obj_tree_build_file(xlsb ? "x.xlsb" : "x.docx", z->data, z->len, &lim);
	if (t->all->len > lim.objects)
		abort();
	obj_tree_free(t);
	g_byte_array_unref(cd);
	g_byte_array_unref(z);
	return 0;
}
