/*
 * onenote.c - files embedded in OneNote sections (.one), carved out as
 * children.  In 2023 droppers moved from macros to OneNote: a section
 * with an .hta, .wsf, .vbs, .bat, .cmd, .lnk or .exe under a "double
 * click to view" picture.  Carved out, such a file is typed by its content
 * and gets the dangerous-type verdict, YARA and clamd like any attachment.
 *
 * Every embedded file (and every picture) of a section is stored in a
 * FileDataStoreObject ([MS-ONESTORE] 2.6.13): guidHeader
 * {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}, cbLength (8 bytes), unused (4),
 * reserved (8), FileData (cbLength bytes, padded so that the structure
 * stays a multiple of 8 bytes long), then
 * guidFooter {71FBA722-0F79-4A0B-BB13-899256426B24}.  Rather than walk the
 * revision store's file node lists, the section is scanned for the header
 * GUID (every occurrence, in order, bounded by the objects limit and the
 * scan deadline): a damaged or partly overwritten section still gives up
 * what it carries.  A cbLength beyond the end of the file is damage; what
 * is there is carved, flagged damaged.  The scan resumes after each carved
 * file, so a section embedded in a section is carved once, as a whole
 * (its own files are carved when the child is analysed in turn).
 *
 * The extension a child is named with is the one OneNote recorded for it
 * when it can be tied to its FileDataStoreObject (the
 * ObjectDeclarationFileData3RefCountFND's "<ifndf>{GUID}" reference and
 * Extension strings, [MS-ONESTORE] 2.5.27, and the
 * FileDataStoreObjectReferenceFND with the same GUID, 2.5.21, whose
 * reference points at the object), else one guessed from its content:
 * "embedded1.hta".  The true type is found by content anyway.
 *
 * Fact: ONENOTE_EMBEDDED_FILE per carved file (name and size).
 * docs/documents-onenote.md.
 */
#include <string.h>

#include "documents.h"
#include "objects/filetype.h"
#include "objects/tree_api.h"

#define FDSO_HEAD 36		/* guidHeader, cbLength, unused, reserved */
#define GUID_LEN 16
#define REFS_MAX 64		/* "<ifndf>" references read (each is a scan) */
#define EXT_MAX 16		/* characters of a recorded extension */

static const uint8_t guid_header[GUID_LEN] = {
	0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45,
	0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC,
};
static const uint8_t guid_footer[GUID_LEN] = {
	0x22, 0xA7, 0xFB, 0x71, 0x79, 0x0F, 0x0B, 0x4A,
	0xBB, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6B, 0x24,
};

static uint64_t
le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0; )
		v = v << 8 | p[i];
	return v;
}

/* An extension for a child from its content ("" when none is known). */
static const char *
guess_ext(const uint8_t *p, size_t n)
{
	const struct ftype *ft = ftype_detect(p, n < FTYPE_SNIFF_LEN ? n : FTYPE_SNIFF_LEN,
	    n, NULL, 0);
	if (ft == NULL || ft->exts == NULL || ft->exts[0] == NULL)
		return "";
	return ft->exts[0];
}

/* ------------------------------------------------------------------ */
/* recorded extensions: "<ifndf>{GUID}" + Extension, tied to an offset */

struct named {
	uint64_t off;		/* the FileDataStoreObject's offset */
	char ext[EXT_MAX + 2];	/* ".docx" */
};

static int
hexval(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" in UTF-16LE at p (76 bytes) to
 * the GUID's bytes as stored (first three fields little-endian). */
static bool
guid_text(const uint8_t *p, uint8_t g[GUID_LEN])
{
	static const int order[GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10,
		11, 12, 13, 14, 15 };
	uint8_t raw[GUID_LEN];
	unsigned k = 0;

	if (le(p, 2) != '{' || le(p + 74, 2) != '}')
		return false;
	for (unsigned i = 1; i < 37; ) {
		uint32_t c = (uint32_t)le(p + 2 * i, 2);
		if (c == '-' && (i == 9 || i == 14 || i == 19 || i == 24)) {
			i++;
			continue;
		}
		if (i + 1 >= 37 || k >= GUID_LEN)
			return false;
		int hi = hexval(c), lo = hexval((uint32_t)le(p + 2 * i + 2, 2));
		if (hi < 0 || lo < 0)
			return false;
		raw[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (k != GUID_LEN)
		return false;
	for (unsigned i = 0; i < GUID_LEN; i++)
		g[i] = raw[order[i]];
	return true;
}

/*
 * The offset a FileDataStoreObjectReferenceFND with this GUID points at:
 * the GUID follows a FileNodeChunkReference whose sizes depend on the
 * node's header, so every (stp, cb) layout is tried and the one that
 * lands on a guidHeader wins.
 */
static bool
ref_target(const uint8_t *p, size_t len, const uint8_t g[GUID_LEN], uint64_t *off)
{
	static const unsigned stp_n[4] = { 8, 4, 2, 4 };
	static const unsigned stp_m[4] = { 1, 1, 8, 8 };
	static const unsigned cb_n[4] = { 4, 8, 1, 2 };

	for (size_t at = 0; at + GUID_LEN <= len; at++) {
		const uint8_t *h = memmem(p + at, len - at, g, GUID_LEN);
		if (h == NULL)
			return false;
		size_t gpos = (size_t)(h - p);
		for (unsigned s = 0; s < 4; s++) {
			for (unsigned c = 0; c < 4; c++) {
				size_t rn = stp_n[s] + cb_n[c];
				if (gpos < rn)
					continue;
				uint64_t stp = le(p + gpos - rn, stp_n[s]) * stp_m[s];
				if (stp < len && len - stp >= GUID_LEN &&
				    memcmp(p + stp, guid_header, GUID_LEN) == 0) {
					*off = stp;
					return true;
				}
			}
		}
		at = gpos;
	}
	return false;
}

static GArray *
recorded_names(const uint8_t *p, size_t len)
{
	static const uint8_t tag[] = "<\0i\0f\0n\0d\0f\0>\0";
	const size_t tn = sizeof(tag) - 1;
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct named));

	for (size_t at = 0; at < len && a->len < REFS_MAX; ) {
		const uint8_t *h = memmem(p + at, len - at, tag, tn);
		if (h == NULL)
			break;
		size_t pos = (size_t)(h - p);
		at = pos + tn;
		/* StringInStorageBuffer: cch (4 bytes), then the characters */
		if (pos < 4 || le(p + pos - 4, 4) != 7 + 38 || len - pos < 90 + 4)
			continue;
		uint8_t g[GUID_LEN];
		if (!guid_text(p + pos + tn, g))
			continue;
		size_t xo = pos + 90;
		uint64_t cch = le(p + xo, 4);
		if (cch < 2 || cch > EXT_MAX || len - xo - 4 < 2 * cch)
			continue;
		struct named n = { 0 };
		bool ok = true;
		for (size_t i = 0; i < cch && ok; i++) {
			uint32_t c = (uint32_t)le(p + xo + 4 + 2 * i, 2);
			ok = c < 0x7F && (g_ascii_isalnum((char)c) || (c == '.' && i == 0));
			n.ext[i] = (char)c;
		}
		if (!ok || n.ext[0] != '.' || !ref_target(p, len, g, &n.off))
			continue;
		g_array_append_val(a, n);
	}
	return a;
}

/* ------------------------------------------------------------------ */

static bool
footer_at(const uint8_t *p, size_t len, size_t off)
{
	return off <= len && len - off >= GUID_LEN &&
	    memcmp(p + off, guid_footer, GUID_LEN) == 0;
}

void
onenote_analyse(struct obj_tree *t, struct mobj *o)
{
	const uint8_t *p = o->data;
	size_t len = o->len;
	struct cwalk w;
	unsigned n = 0;
	GArray *names = NULL;

	cwalk_init(&w, t, o);
	for (size_t at = 0; at < len && len - at >= FDSO_HEAD; ) {
		const uint8_t *h = memmem(p + at, len - at, guid_header, GUID_LEN);
		if (h == NULL)
			break;
		size_t pos = (size_t)(h - p);
		at = pos + GUID_LEN;
		if (len - pos < FDSO_HEAD) {
			obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "FileDataStoreObject at %#zx cut", pos);
			break;
		}
		if (!cwalk_go(&w))
			break;
		uint64_t cb = le(p + pos + GUID_LEN, 8);
		size_t data = pos + FDSO_HEAD;
		size_t have = len - data;
		bool cut = cb > have;
		size_t take = cut ? have : (size_t)cb;

		if (names == NULL)
			names = recorded_names(p, len);
		const char *ext = NULL;
		for (guint i = 0; i < names->len; i++) {
			const struct named *nm = &g_array_index(names, struct named, i);
			if (nm->off == pos) {
				ext = nm->ext + 1;
				break;
			}
		}
		if (ext == NULL)
			ext = guess_ext(p + data, take);
		char *name = g_strdup_printf("embedded%u%s%s", ++n, *ext ? "." : "", ext);
		if (cut)
			obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED,
			    "%s: FileDataStoreObject at %#zx claims %llu bytes, %zu remain",
			    name, pos, (unsigned long long)cb, have);
		else if (!footer_at(p, len, data + take) &&
		    !footer_at(p, len, pos + ((FDSO_HEAD + take + 7) & ~(size_t)7)))
			obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED,
			    "%s: FileDataStoreObject at %#zx has no footer", name, pos);
		obj_fact(o, OBJ_FACT_ONENOTE_EMBEDDED_FILE, "%s, %zu bytes", name, take);
		struct mobj *c = cwalk_add(&w, name, p + data, take, OBJ_FROM_EMBEDDED);
		if (c != NULL && cut)
			cwalk_fail(c, OBJ_DAMAGED, "cut: the OneNote file ends inside it");
		g_free(name);
		if (c == NULL && w.stop)
			break;
		at = data + take;
	}
	if (names != NULL)
		g_array_free(names, TRUE);
}
