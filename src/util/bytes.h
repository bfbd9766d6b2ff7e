/*
 * bytes.h - little-endian integers from a byte buffer, for the binary
 * formats (ZIP, RAR 5, OLE2, BIFF, MS-OFFCRYPTO, MS-SHLLINK, file type
 * signatures).  The caller has checked that the bytes are there.
 */
#ifndef MAMORI_UTIL_BYTES_H
#define MAMORI_UTIL_BYTES_H

#include <stdint.h>

static inline uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	    ((uint32_t)p[3] << 24);
}

static inline uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

#endif
