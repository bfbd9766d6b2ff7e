/*
 * fuzz_zip.h - a stored (uncompressed) ZIP written in memory, for the fuzz
 * targets whose input is the parts of a package (fuzz_odf.c, fuzz_ppt.c):
 * the analyser then reads them as the archive unpacker hands them over
 * from a real document, and the run is not spent inflating.
 */
#ifndef MAMORI_FUZZ_ZIP_H
#define MAMORI_FUZZ_ZIP_H

#include <stdint.h>
#include <string.h>

#include <glib.h>

struct fuzz_zip {
	GByteArray *z;		/* local headers and data, then the rest */
	GByteArray *cd;		/* the central directory */
	uint32_t count;
};

static inline uint32_t
fuzz_zip_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static inline void
fuzz_zip_le(GByteArray *a, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i));
		g_byte_array_append(a, &b, 1);
	}
}

static inline void
fuzz_zip_init(struct fuzz_zip *f)
{
	f->z = g_byte_array_new();
	f->cd = g_byte_array_new();
	f->count = 0;
}

/* One stored member. */
static inline void
fuzz_zip_add(struct fuzz_zip *f, const char *name, const uint8_t *p, size_t n)
{
	GByteArray *z = f->z, *cd = f->cd;
	uint32_t off = z->len, nl = (uint32_t)strlen(name), crc = fuzz_zip_crc32(p, n);

	fuzz_zip_le(z, 0x04034b50, 4); fuzz_zip_le(z, 20, 2); fuzz_zip_le(z, 0, 2);
	fuzz_zip_le(z, 0, 2); fuzz_zip_le(z, 0, 2); fuzz_zip_le(z, 0x21, 2);
	fuzz_zip_le(z, crc, 4); fuzz_zip_le(z, (uint32_t)n, 4); fuzz_zip_le(z, (uint32_t)n, 4);
	fuzz_zip_le(z, nl, 2); fuzz_zip_le(z, 0, 2);
	g_byte_array_append(z, (const uint8_t *)name, nl);
	g_byte_array_append(z, p, (guint)n);
	fuzz_zip_le(cd, 0x02014b50, 4); fuzz_zip_le(cd, 20, 2); fuzz_zip_le(cd, 20, 2);
	fuzz_zip_le(cd, 0, 2); fuzz_zip_le(cd, 0, 2); fuzz_zip_le(cd, 0, 2);
	fuzz_zip_le(cd, 0x21, 2); fuzz_zip_le(cd, crc, 4); fuzz_zip_le(cd, (uint32_t)n, 4);
	fuzz_zip_le(cd, (uint32_t)n, 4); fuzz_zip_le(cd, nl, 2); fuzz_zip_le(cd, 0, 2);
	fuzz_zip_le(cd, 0, 2); fuzz_zip_le(cd, 0, 2); fuzz_zip_le(cd, 0, 2);
	fuzz_zip_le(cd, 0, 4); fuzz_zip_le(cd, off, 4);
	g_byte_array_append(cd, (const uint8_t *)name, nl);
	f->count++;
}

/* The members of data[0..size) split at NUL bytes, named by names[]
 * in turn (as many as there are pieces). */
static inline void
fuzz_zip_split(struct fuzz_zip *f, const char *const *names, size_t nnames,
    const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	for (size_t i = 0; i < nnames && p < end; i++) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		const uint8_t *e = nul != NULL ? nul : end;
		fuzz_zip_add(f, names[i], p, (size_t)(e - p));
		p = nul != NULL ? nul + 1 : end;
	}
}

/* The central directory and its end: f->z is the whole ZIP. */
static inline void
fuzz_zip_finish(struct fuzz_zip *f)
{
	GByteArray *z = f->z;
	uint32_t cdoff = z->len, cdlen = f->cd->len;

	g_byte_array_append(z, f->cd->data, f->cd->len);
	fuzz_zip_le(z, 0x06054b50, 4); fuzz_zip_le(z, 0, 2); fuzz_zip_le(z, 0, 2);
	fuzz_zip_le(z, f->count, 2); fuzz_zip_le(z, f->count, 2); fuzz_zip_le(z, cdlen, 4);
	fuzz_zip_le(z, cdoff, 4); fuzz_zip_le(z, 0, 2);
}

static inline void
fuzz_zip_free(struct fuzz_zip *f)
{
	g_byte_array_unref(f->z);
	g_byte_array_unref(f->cd);
}

#endif
