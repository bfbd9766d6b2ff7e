/*
 * offcrypto.h - password-encrypted Office documents ([MS-OFFCRYPTO]):
 * read the encryption parameters, verify a candidate password, decrypt
 * (private to documents/; ole.c calls it, docs/documents.md).
 *
 *  - ECMA-376 Agile (2.3.4.10-2.3.4.15) and Standard (2.3.4.5-2.3.4.9)
 *    encryption of OOXML packages (EncryptionInfo + EncryptedPackage
 *    streams): verified with the password verifier, then decrypted;
 *  - RC4 (2.3.6) and RC4 CryptoAPI (2.3.5) of Word, Excel and PowerPoint
 *    97-2003: verified; the Excel Workbook stream ([MS-XLS] 2.2.10) and
 *    Word's WordDocument and table streams ([MS-DOC] 2.2.6) decrypted.
 *
 * Every function takes (pointer, length) from the file and trusts no size
 * in it; the primitives are OpenSSL's (EVP), RC4 from its legacy provider.
 */
#ifndef MAMORI_OBJECTS_OFFCRYPTO_H
#define MAMORI_OBJECTS_OFFCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* An Agile spinCount above this is not tried (obj_limits.spin_max
 * overrides it; the fuzz targets use a small one). */
#define OFFCRYPTO_SPIN_MAX 10000000u
#define OFFCRYPTO_INFO_MAX (1u << 20)	/* EncryptionInfo bytes read */

enum oc_method {
	OC_AGILE,
	OC_STANDARD,
	OC_RC4,			/* Office 97/2000 binary: MD5 + RC4 */
	OC_RC4_CAPI,		/* Office XP/2003 binary: SHA-1 + RC4 */
};

enum oc_verdict {
	OC_WRONG,		/* not this password */
	OC_RIGHT,		/* verified: the key is kept for decrypting */
	OC_GIVE_UP,		/* no password can work here (or out of time) */
};

struct offcrypto;

/*
 * The parameters of an encrypted OOXML package, from its EncryptionInfo
 * stream (Agile or Standard), or of a binary document's RC4 header (the
 * EncryptionVersionInfo onwards: Excel's FILEPASS after wEncryptionType,
 * the start of Word's table stream, PowerPoint's CryptSession10Container).
 * NULL when damaged or not supported; *why (may be NULL) then says which
 * (a static string) and *damaged (may be NULL) whether it is damage.
 */
struct offcrypto *offcrypto_ooxml(const uint8_t *info, size_t n,
    const char **why, bool *damaged);
struct offcrypto *offcrypto_rc4(const uint8_t *p, size_t n, const char **why,
    bool *damaged);
void offcrypto_free(struct offcrypto *oc);

enum oc_method offcrypto_method(const struct offcrypto *oc);
/* Short: "OOXML Agile AES-256", "OOXML Standard AES-128", "RC4 CryptoAPI",
 * "RC4". */
const char *offcrypto_cipher(const struct offcrypto *oc);
/* Agile spinCount (Standard: 50000; RC4: 0). */
uint32_t offcrypto_spin(const struct offcrypto *oc);

/*
 * Whether pw (UTF-8) is the password: the verifier only, no document data.
 * spin_max: the largest spinCount tried (0: OFFCRYPTO_SPIN_MAX); above it
 * OC_GIVE_UP (Standard's fixed 50,000 iterations count as its spinCount).  deadline_us: g_get_monotonic_time() bound for the key
 * derivation, 0 = none; reaching it is OC_GIVE_UP.  On OC_RIGHT the key
 * is kept in oc for the functions below.
 */
enum oc_verdict offcrypto_verify(struct offcrypto *oc, const char *pw,
    uint32_t spin_max, gint64 deadline_us);

/*
 * The plaintext package (a ZIP) of an OOXML EncryptedPackage stream (p,
 * n), after offcrypto_verify() said OC_RIGHT; g_free().  NULL when nothing
 * could be decrypted.  *damaged is set when the stream is cut or its
 * declared size is wrong; *integrity is 1 when the Agile dataIntegrity
 * HMAC matched, 0 when it did not, -1 when there was none to check.
 */
uint8_t *offcrypto_package(struct offcrypto *oc, const uint8_t *p, size_t n,
    size_t *outlen, bool *damaged, int *integrity);

/*
 * A decrypted copy of a BIFF8 Workbook stream (RC4 or RC4 CryptoAPI, 1024
 * bytes a key): record headers stay, the bodies of the records after
 * FILEPASS are decrypted but for those [MS-XLS] 2.2.10 leaves in clear,
 * and FILEPASS itself becomes an all-zero record of its size (type 0), as
 * msoffcrypto-tool writes it.  Records past the end are cut.  g_free().
 */
uint8_t *offcrypto_xls_workbook(struct offcrypto *oc, const uint8_t *p, size_t n,
    size_t *outlen);
/* The body of the first FILEPASS record of a Workbook stream, or NULL. */
const uint8_t *offcrypto_xls_filepass(const uint8_t *p, size_t n, size_t *len);

/*
 * A decrypted copy of a Word stream (512 bytes a key, from offset 0):
 * the first clear bytes are copied as they are (68 for WordDocument, the
 * encryption header's size for the table stream).  For the WordDocument
 * stream (word = true) the FIB's fEncrypted and fObfuscation bits and
 * lKey are cleared as msoffcrypto-tool does.  g_free().
 */
uint8_t *offcrypto_doc_stream(struct offcrypto *oc, const uint8_t *p, size_t n,
    size_t clear, bool word);

#endif
