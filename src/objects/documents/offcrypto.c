/*
 * offcrypto.c - password-encrypted Office documents: parameters, password
 * verification and decryption ([MS-OFFCRYPTO], offcrypto.h).
 *
 * Agile (2.3.4.10): the EncryptionInfo stream is a version (4.4), a
 * reserved word and an XML descriptor, read with GLib's GMarkupParser:
 * <keyData> (the package's cipher, hash and salt), <dataIntegrity> (the
 * encrypted HMAC key and value) and the password <keyEncryptor>'s
 * <encryptedKey> (spinCount, salt, the encrypted verifier input, its hash
 * and the encrypted package key).  The key of a password is H(salt + pw),
 * rehashed spinCount times with the iteration number in front, then
 * hashed with a block key per use (2.3.4.11); the password is right when
 * the hash of the decrypted verifier input equals the decrypted verifier
 * hash (2.3.4.13).  The package is decrypted in 4096-byte segments, each
 * with IV = H(keyData salt + segment number) (2.3.4.15).
 *
 * Standard (2.3.4.5): binary EncryptionHeader and EncryptionVerifier,
 * SHA-1 with 50,000 iterations and the CryptDeriveKey step (2.3.4.7),
 * AES-ECB for the verifier (2.3.4.8) and the package.
 *
 * RC4 CryptoAPI (2.3.5) and RC4 (2.3.6): the key of block b is
 * SHA-1(SHA-1(salt + pw) + b), resp. MD5(MD5(MD5(pw)[0..5] + salt) x 16
 * [0..5] + b); the verifier and its hash are decrypted in one RC4 stream
 * with the key of block 0.  Document streams are decrypted with a new key
 * every 1024 (Excel) or 512 (Word) bytes of stream offset.
 *
 * OpenSSL does the primitives; its RC4 lives in the legacy provider,
 * which is loaded into a private library context when the default one
 * does not have it.  Nothing read from the file is trusted: every size is
 * checked against what is there, salts and encrypted values are bounded.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "offcrypto.h"
#include "util/bytes.h"

#define SALT_MAX 64
#define VALUE_MAX 1024		/* an encrypted verifier, key or HMAC value */
#define SEGMENT 4096		/* Agile package segment */
#define STD_SPIN 50000		/* Standard: fixed iteration count */
#define XLS_BLOCK 1024
#define DOC_BLOCK 512
#define KEY_MAX 64

enum hash_id { HASH_NONE, HASH_SHA1, HASH_SHA256, HASH_SHA384, HASH_SHA512, HASH_MD5 };

/* keyData, or the password key encryptor's encryptedKey */
struct agile_params {
	bool seen;
	uint8_t salt[SALT_MAX];
	size_t saltn;
	unsigned block;		/* blockSize */
	unsigned key_bits;	/* keyBits */
	unsigned hash_size;	/* hashSize */
	enum hash_id hash;
};

struct blob {
	uint8_t *p;
	size_t n;
};

struct offcrypto {
	enum oc_method m;
	char cipher[40];
	/* Agile */
	struct agile_params kd, pe;
	uint32_t spin;
	struct blob vhi, vhv, ekv, hmac_key, hmac_value;
	/* Standard and RC4 */
	uint32_t key_bits;	/* Standard: AES key; RC4 CryptoAPI: RC4 key */
	uint8_t salt[16];
	uint8_t ever[16];	/* encryptedVerifier */
	uint8_t evh[32];	/* encryptedVerifierHash */
	size_t evhn;
	/* after a right password */
	bool have_key;
	uint8_t key[KEY_MAX];	/* Agile/Standard: package key; RC4: base hash */
	size_t keyn;
};

/* ---- OpenSSL ---- */

static struct {
	EVP_MD *md[6];		/* by enum hash_id */
	EVP_CIPHER *rc4;	/* NULL: not available */
	OSSL_LIB_CTX *legacy;
} ossl;

static gpointer
ossl_init_once(gpointer unused)
{
	static const char *const names[] = { NULL, "SHA1", "SHA256", "SHA384",
		"SHA512", "MD5" };

	(void)unused;
	for (size_t i = 1; i < G_N_ELEMENTS(names); i++)
		ossl.md[i] = EVP_MD_fetch(NULL, names[i], NULL);
	ossl.rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	if (ossl.rc4 == NULL) {
		/* OpenSSL 3: RC4 is in the legacy provider only */
		ERR_clear_error();
		ossl.legacy = OSSL_LIB_CTX_new();
		if (ossl.legacy != NULL &&
		    OSSL_PROVIDER_load(ossl.legacy, "legacy") != NULL &&
		    OSSL_PROVIDER_load(ossl.legacy, "default") != NULL)
			ossl.rc4 = EVP_CIPHER_fetch(ossl.legacy, "RC4", NULL);
		ERR_clear_error();
	}
	return NULL;
}

static void
ossl_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, ossl_init_once, NULL);
}

static const EVP_MD *
md_of(enum hash_id h)
{
	ossl_init();
	return h > HASH_NONE && h <= HASH_MD5 ? ossl.md[h] : NULL;
}

/* out = H(a + b); returns the digest size, 0 on error. */
static unsigned
hash2(EVP_MD_CTX *c, const EVP_MD *md, const void *a, size_t an, const void *b,
    size_t bn, uint8_t *out)
{
	unsigned n = 0;

	if (EVP_DigestInit_ex2(c, md, NULL) != 1 || EVP_DigestUpdate(c, a, an) != 1 ||
	    (bn > 0 && EVP_DigestUpdate(c, b, bn) != 1) ||
	    EVP_DigestFinal_ex(c, out, &n) != 1)
		return 0;
	return n;
}

static unsigned
hash_once(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
    uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = c != NULL ? hash2(c, md, a, an, b, bn, out) : 0;

	EVP_MD_CTX_free(c);
	return n;
}

/* AES decryption without padding (n a multiple of 16); iv NULL: ECB. */
static bool
aes_decrypt(const uint8_t *key, size_t keyn, const uint8_t *iv, const uint8_t *in,
    size_t n, uint8_t *out)
{
	const EVP_CIPHER *ci = NULL;

	switch (keyn) {
	case 16: ci = iv != NULL ? EVP_aes_128_cbc() : EVP_aes_128_ecb(); break;
	case 24: ci = iv != NULL ? EVP_aes_192_cbc() : EVP_aes_192_ecb(); break;
	case 32: ci = iv != NULL ? EVP_aes_256_cbc() : EVP_aes_256_ecb(); break;
	default: return false;
	}
	if (n % 16 != 0)
		return false;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int got = 0, fin = 0;
	bool ok = c != NULL && EVP_DecryptInit_ex2(c, ci, key, iv, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    (n == 0 || EVP_DecryptUpdate(c, out, &got, in, (int)n) == 1) &&
	    EVP_DecryptFinal_ex(c, out + got, &fin) == 1 && (size_t)(got + fin) == n;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* RC4 keystream (key of keyn bytes) xored into buf[0..n). */
static bool
rc4_xor(const uint8_t *key, size_t keyn, uint8_t *buf, size_t n)
{
	ossl_init();
	if (ossl.rc4 == NULL)
		return false;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int got = 0;
	bool ok = c != NULL && EVP_CipherInit_ex2(c, ossl.rc4, NULL, NULL, 1, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_key_length(c, (int)keyn) == 1 &&
	    EVP_CipherInit_ex2(c, NULL, key, NULL, 1, NULL) == 1 &&
	    EVP_CipherUpdate(c, buf, &got, buf, (int)n) == 1 && (size_t)got == n;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* ---- small helpers ---- */

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The password as UTF-16LE bytes (g_free), or NULL when it is not UTF-8. */
static uint8_t *
utf16le(const char *pw, size_t *n)
{
	glong items = 0;
	gunichar2 *u = g_utf8_to_utf16(pw, -1, NULL, &items, NULL);

	*n = 0;
	if (u == NULL)
		return NULL;
	uint8_t *b = g_malloc((size_t)items * 2 + 1);
	for (glong i = 0; i < items; i++) {
		b[2 * i] = (uint8_t)(u[i] & 0xFF);
		b[2 * i + 1] = (uint8_t)(u[i] >> 8);
	}
	g_free(u);
	*n = (size_t)items * 2;
	return b;
}

static void
blob_clear(struct blob *b)
{
	g_free(b->p);
	b->p = NULL;
	b->n = 0;
}

void
offcrypto_free(struct offcrypto *oc)
{
	if (oc == NULL)
		return;
	blob_clear(&oc->vhi);
	blob_clear(&oc->vhv);
	blob_clear(&oc->ekv);
	blob_clear(&oc->hmac_key);
	blob_clear(&oc->hmac_value);
	OPENSSL_cleanse(oc->key, sizeof(oc->key));
	g_free(oc);
}

enum oc_method
offcrypto_method(const struct offcrypto *oc)
{
	return oc->m;
}

const char *
offcrypto_cipher(const struct offcrypto *oc)
{
	return oc->cipher;
}

uint32_t
offcrypto_spin(const struct offcrypto *oc)
{
	return oc->m == OC_AGILE ? oc->spin : oc->m == OC_STANDARD ? STD_SPIN : 0;
}

/* ---- Agile: the XML descriptor ---- */

struct axml {
	struct offcrypto *oc;
	bool in_password;	/* inside the password keyEncryptor */
	bool bad;		/* an attribute out of bounds */
	const char *why;
};

static const char *
local_name(const char *qname)
{
	const char *c = strrchr(qname, ':');

	return c != NULL ? c + 1 : qname;
}

static const char *
attr(const char **names, const char **values, const char *want)
{
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(local_name(names[i]), want) == 0)
			return values[i];
	return NULL;
}

static bool
attr_uint(const char **an, const char **av, const char *name, unsigned max,
    unsigned *out)
{
	const char *s = attr(an, av, name);
	char *end = NULL;

	if (s == NULL || !g_ascii_isdigit(*s))
		return false;
	guint64 v = g_ascii_strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* base64 attribute of 1..max bytes. */
static bool
attr_b64(const char **an, const char **av, const char *name, size_t max,
    struct blob *out)
{
	const char *s = attr(an, av, name);

	if (s == NULL || strlen(s) > 4 * max / 3 + 8)
		return false;
	gsize n = 0;
	guchar *b = g_base64_decode(s, &n);
	if (b == NULL || n == 0 || n > max) {
		g_free(b);
		return false;
	}
	blob_clear(out);
	out->p = b;
	out->n = n;
	return true;
}

static enum hash_id
hash_by_name(const char *s)
{
	static const struct {
		const char *name;
		enum hash_id id;
	} map[] = {
		{ "SHA1", HASH_SHA1 }, { "SHA-1", HASH_SHA1 },
		{ "SHA256", HASH_SHA256 }, { "SHA-256", HASH_SHA256 },
		{ "SHA384", HASH_SHA384 }, { "SHA-384", HASH_SHA384 },
		{ "SHA512", HASH_SHA512 }, { "SHA-512", HASH_SHA512 },
	};

	for (size_t i = 0; s != NULL && i < G_N_ELEMENTS(map); i++)
		if (g_ascii_strcasecmp(s, map[i].name) == 0)
			return map[i].id;
	return HASH_NONE;
}

/* The cipher and hash attributes shared by keyData and encryptedKey. */
static bool
agile_params(struct axml *x, const char **an, const char **av,
    struct agile_params *pa)
{
	struct blob salt = { NULL, 0 };
	const char *ca = attr(an, av, "cipherAlgorithm");
	const char *cc = attr(an, av, "cipherChaining");

	pa->hash = hash_by_name(attr(an, av, "hashAlgorithm"));
	if (ca == NULL || strcmp(ca, "AES") != 0 || cc == NULL ||
	    strcmp(cc, "ChainingModeCBC") != 0) {
		x->why = "Agile cipher not supported (AES-CBC only)";
		return false;
	}
	if (pa->hash == HASH_NONE || md_of(pa->hash) == NULL) {
		x->why = "Agile hash not supported";
		return false;
	}
	if (!attr_uint(an, av, "blockSize", 1024, &pa->block) || pa->block != 16 ||
	    !attr_uint(an, av, "keyBits", 4096, &pa->key_bits) ||
	    (pa->key_bits != 128 && pa->key_bits != 192 && pa->key_bits != 256) ||
	    !attr_uint(an, av, "hashSize", 1024, &pa->hash_size) ||
	    pa->hash_size != (unsigned)EVP_MD_get_size(md_of(pa->hash)) ||
	    !attr_b64(an, av, "saltValue", SALT_MAX, &salt)) {
		x->bad = true;
		x->why = "Agile descriptor damaged";
		blob_clear(&salt);
		return false;
	}
	memcpy(pa->salt, salt.p, salt.n);
	pa->saltn = salt.n;
	blob_clear(&salt);
	pa->seen = true;
	return true;
}

static void
ax_start(GMarkupParseContext *c, const gchar *qname, const gchar **an,
    const gchar **av, gpointer ud, GError **err)
{
	struct axml *x = ud;
	struct offcrypto *oc = x->oc;
	const char *el = local_name(qname);

	(void)c;
	(void)err;
	if (strcmp(el, "keyData") == 0 && !oc->kd.seen) {
		(void)agile_params(x, an, av, &oc->kd);
	} else if (strcmp(el, "dataIntegrity") == 0 && oc->hmac_key.p == NULL) {
		if (!attr_b64(an, av, "encryptedHmacKey", VALUE_MAX, &oc->hmac_key) ||
		    !attr_b64(an, av, "encryptedHmacValue", VALUE_MAX, &oc->hmac_value)) {
			blob_clear(&oc->hmac_key);
			blob_clear(&oc->hmac_value);
		}
	} else if (strcmp(el, "keyEncryptor") == 0) {
		const char *uri = attr(an, av, "uri");
		x->in_password = uri != NULL &&
		    strcmp(uri, "http://schemas.microsoft.com/office/2006/keyEncryptor/password") == 0;
	} else if (strcmp(el, "encryptedKey") == 0 && x->in_password && !oc->pe.seen) {
		unsigned spin = 0;
		if (!agile_params(x, an, av, &oc->pe))
			return;
		oc->pe.seen = false;
		if (!attr_uint(an, av, "spinCount", 0xFFFFFFFFu, &spin) ||
		    !attr_b64(an, av, "encryptedVerifierHashInput", VALUE_MAX, &oc->vhi) ||
		    !attr_b64(an, av, "encryptedVerifierHashValue", VALUE_MAX, &oc->vhv) ||
		    !attr_b64(an, av, "encryptedKeyValue", VALUE_MAX, &oc->ekv) ||
		    oc->vhi.n % 16 != 0 || oc->vhv.n % 16 != 0 || oc->ekv.n % 16 != 0 ||
		    oc->vhi.n < oc->pe.saltn || oc->vhv.n < oc->pe.hash_size) {
			x->bad = true;
			x->why = "Agile password key encryptor damaged";
			return;
		}
		oc->spin = spin;
		oc->pe.seen = true;
	}
}

static void
ax_end(GMarkupParseContext *c, const gchar *qname, gpointer ud, GError **err)
{
	struct axml *x = ud;

	(void)c;
	(void)err;
	if (strcmp(local_name(qname), "keyEncryptor") == 0)
		x->in_password = false;
}

static const GMarkupParser agile_parser = {
	.start_element = ax_start,
	.end_element = ax_end,
};

static struct offcrypto *
agile_parse(const uint8_t *xml, size_t n, const char **why, bool *damaged)
{
	struct offcrypto *oc = g_new0(struct offcrypto, 1);
	struct axml x = { .oc = oc };

	oc->m = OC_AGILE;
	GMarkupParseContext *c = g_markup_parse_context_new(&agile_parser, 0, &x, NULL);
	GError *err = NULL;
	bool ok = g_markup_parse_context_parse(c, (const char *)xml, (gssize)n, &err) &&
	    g_markup_parse_context_end_parse(c, &err);
	if (err != NULL)
		g_error_free(err);
	g_markup_parse_context_free(c);
	if (!ok || x.bad || !oc->kd.seen || !oc->pe.seen) {
		*damaged = !ok || x.bad || x.why == NULL;
		*why = x.why != NULL ? x.why : !ok ? "Agile descriptor is not XML" :
		    !oc->kd.seen ? "Agile descriptor without keyData" :
		    "Agile descriptor without a password key encryptor";
		offcrypto_free(oc);
		return NULL;
	}
	if (oc->ekv.n < oc->kd.key_bits / 8) {
		*damaged = true;
		*why = "Agile encrypted key too short";
		offcrypto_free(oc);
		return NULL;
	}
	g_snprintf(oc->cipher, sizeof(oc->cipher), "OOXML Agile AES-%u", oc->kd.key_bits);
	return oc;
}

/* ---- Standard and RC4 CryptoAPI: the binary header ---- */

/*
 * After the 4-byte version: Flags, HeaderSize, EncryptionHeader
 * (2.3.2: Flags, SizeExtra, AlgID, AlgIDHash, KeySize, ProviderType,
 * 2 reserved, CSPName), EncryptionVerifier (2.3.3: SaltSize, Salt,
 * EncryptedVerifier, VerifierHashSize, EncryptedVerifierHash).
 */
static struct offcrypto *
binary_header(const uint8_t *p, size_t n, bool aes, const char **why, bool *damaged)
{
	if (n < 12) {
		*why = "encryption header cut";
		return NULL;
	}
	uint32_t hsize = le32(p + 8);
	if (hsize < 32 || hsize > n - 12 || n - 12 - hsize < 40) {
		*why = "encryption header cut";
		return NULL;
	}
	const uint8_t *h = p + 12;
	uint32_t hflags = le32(h), alg = le32(h + 8), key_bits = le32(h + 16);
	const uint8_t *v = h + hsize;
	size_t vn = n - 12 - hsize;
	uint32_t salt_size = le32(v);
	size_t evhn = aes ? 32 : 20;
	if (salt_size != 16 || vn < 40 + evhn) {
		*why = "encryption verifier damaged";
		return NULL;
	}
	struct offcrypto *oc = g_new0(struct offcrypto, 1);
	memcpy(oc->salt, v + 4, 16);
	memcpy(oc->ever, v + 20, 16);
	memcpy(oc->evh, v + 40, evhn);
	oc->evhn = evhn;
	if (aes) {
		/* AlgID 0 with fAES set: AES-128 */
		unsigned want = alg == 0x660E || (alg == 0 && (hflags & 0x20)) ? 128 :
		    alg == 0x660F ? 192 : alg == 0x6610 ? 256 : 0;
		if (want == 0 || (key_bits != want && key_bits != 0)) {
			*why = "Standard encryption: not AES";
			*damaged = false;
			g_free(oc);
			return NULL;
		}
		oc->m = OC_STANDARD;
		oc->key_bits = want;
		g_snprintf(oc->cipher, sizeof(oc->cipher), "OOXML Standard AES-%u", want);
	} else {
		if ((alg != 0x6801 && alg != 0) || (hflags & 0x20)) {
			*why = "RC4 CryptoAPI header: not RC4";
			*damaged = false;
			g_free(oc);
			return NULL;
		}
		if (key_bits == 0)
			key_bits = 40;
		if (key_bits < 40 || key_bits > 128 || key_bits % 8 != 0) {
			*why = "RC4 CryptoAPI key size out of range";
			g_free(oc);
			return NULL;
		}
		oc->m = OC_RC4_CAPI;
		oc->key_bits = key_bits;
		g_strlcpy(oc->cipher, "RC4 CryptoAPI", sizeof(oc->cipher));
	}
	return oc;
}

/* The end of both header parsers: why and damaged say something only
 * when nothing was parsed. */
static struct offcrypto *
parsed(struct offcrypto *oc, const char *w, bool dmg, const char **why, bool *damaged)
{
	if (why != NULL)
		*why = oc != NULL ? NULL : w;
	if (damaged != NULL)
		*damaged = oc == NULL && dmg;
	return oc;
}

struct offcrypto *
offcrypto_ooxml(const uint8_t *info, size_t n, const char **why, bool *damaged)
{
	const char *w = NULL;
	bool dmg = true;
	struct offcrypto *oc = NULL;

	if (n > OFFCRYPTO_INFO_MAX)
		n = OFFCRYPTO_INFO_MAX;
	if (n < 8) {
		w = "EncryptionInfo cut";
	} else {
		uint16_t major = le16(info), minor = le16(info + 2);
		if (major == 4 && minor == 4)
			oc = agile_parse(info + 8, n - 8, &w, &dmg);
		else if ((major == 2 || major == 3 || major == 4) && minor == 2)
			oc = binary_header(info, n, true, &w, &dmg);
		else if ((major == 3 || major == 4) && minor == 3) {
			w = "Extensible encryption not supported";
			dmg = false;
		} else
			w = "EncryptionInfo version unknown";
	}
	return parsed(oc, w, dmg, why, damaged);
}

struct offcrypto *
offcrypto_rc4(const uint8_t *p, size_t n, const char **why, bool *damaged)
{
	const char *w = NULL;
	bool dmg = true;
	struct offcrypto *oc = NULL;

	if (n > OFFCRYPTO_INFO_MAX)
		n = OFFCRYPTO_INFO_MAX;
	if (n < 4) {
		w = "encryption header cut";
	} else {
		uint16_t major = le16(p), minor = le16(p + 2);
		if (major == 1 && minor == 1) {
			if (n < 52) {
				w = "RC4 encryption header cut";
			} else {
				oc = g_new0(struct offcrypto, 1);
				oc->m = OC_RC4;
				memcpy(oc->salt, p + 4, 16);
				memcpy(oc->ever, p + 20, 16);
				memcpy(oc->evh, p + 36, 16);
				oc->evhn = 16;
				g_strlcpy(oc->cipher, "RC4", sizeof(oc->cipher));
			}
		} else if ((major == 2 || major == 3 || major == 4) && minor == 2) {
			oc = binary_header(p, n, false, &w, &dmg);
		} else {
			w = "encryption version unknown";
		}
	}
	return parsed(oc, w, dmg, why, damaged);
}

/* ---- key derivation and verification ---- */

/*
 * H(salt + pw), then H(iterator + H) spin times (2.3.4.11 and 2.3.4.7);
 * h gets the hash.  false on a crypto error or at the deadline.
 */
static bool
spin_hash(const EVP_MD *md, const uint8_t *salt, size_t saltn, const uint8_t *pw,
    size_t pwn, uint32_t spin, gint64 deadline_us, uint8_t *h, unsigned *hn)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c != NULL;
	unsigned n = ok ? hash2(c, md, salt, saltn, pw, pwn, h) : 0;

	ok = n > 0;
	for (uint32_t i = 0; ok && i < spin; i++) {
		uint8_t it[4];
		wr32(it, i);
		ok = hash2(c, md, it, 4, h, n, h) == n;
		if ((i & 0x3FFF) == 0x3FFF && deadline_us != 0 &&
		    g_get_monotonic_time() > deadline_us)
			ok = false;
	}
	EVP_MD_CTX_free(c);
	*hn = n;
	return ok;
}

/* 2.3.4.11: key = H(h + blockKey), cut to keyBits or padded with 0x36. */
static bool
agile_key(const EVP_MD *md, const uint8_t *h, unsigned hn, const uint8_t *block_key,
    unsigned key_bytes, uint8_t *key)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned dn = hash_once(md, h, hn, block_key, 8, d);

	if (dn == 0)
		return false;
	memset(key, 0x36, key_bytes);
	memcpy(key, d, dn < key_bytes ? dn : key_bytes);
	return true;
}

/* An IV: the salt (or a hash) cut or padded with 0x36 to the block size. */
static void
make_iv(const uint8_t *s, size_t sn, unsigned block, uint8_t *iv)
{
	memset(iv, 0x36, block);
	memcpy(iv, s, sn < block ? sn : block);
}

static const uint8_t BK_VHI[8] = { 0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79 };
static const uint8_t BK_VHV[8] = { 0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e };
static const uint8_t BK_KEY[8] = { 0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6 };
static const uint8_t BK_HMAC_KEY[8] = { 0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6 };
static const uint8_t BK_HMAC_VALUE[8] = { 0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33 };

static enum oc_verdict
agile_verify(struct offcrypto *oc, const uint8_t *pw, size_t pwn, uint32_t spin_max,
    gint64 deadline_us)
{
	const EVP_MD *md = md_of(oc->pe.hash);
	uint8_t h[EVP_MAX_MD_SIZE], k1[32], k2[32], k3[32], iv[16];
	unsigned hn = 0, kb = oc->pe.key_bits / 8;

	if (oc->spin > spin_max)
		return OC_GIVE_UP;
	if (!spin_hash(md, oc->pe.salt, oc->pe.saltn, pw, pwn, oc->spin, deadline_us, h, &hn))
		return OC_GIVE_UP;
	if (!agile_key(md, h, hn, BK_VHI, kb, k1) || !agile_key(md, h, hn, BK_VHV, kb, k2) ||
	    !agile_key(md, h, hn, BK_KEY, kb, k3))
		return OC_GIVE_UP;
	make_iv(oc->pe.salt, oc->pe.saltn, oc->pe.block, iv);
	uint8_t *vhi = g_malloc(oc->vhi.n), *vhv = g_malloc(oc->vhv.n);
	uint8_t d[EVP_MAX_MD_SIZE];
	enum oc_verdict v = OC_GIVE_UP;
	if (aes_decrypt(k1, kb, iv, oc->vhi.p, oc->vhi.n, vhi) &&
	    aes_decrypt(k2, kb, iv, oc->vhv.p, oc->vhv.n, vhv) &&
	    hash_once(md, vhi, oc->pe.saltn, NULL, 0, d) == oc->pe.hash_size) {
		v = CRYPTO_memcmp(d, vhv, oc->pe.hash_size) == 0 ? OC_RIGHT : OC_WRONG;
	}
	if (v == OC_RIGHT) {
		/* the package key (keyData's keyBits) */
		uint8_t *k = g_malloc(oc->ekv.n);
		if (aes_decrypt(k3, kb, iv, oc->ekv.p, oc->ekv.n, k) &&
		    oc->kd.key_bits / 8 <= oc->ekv.n) {
			oc->keyn = oc->kd.key_bits / 8;
			memcpy(oc->key, k, oc->keyn);
			oc->have_key = true;
		} else {
			v = OC_GIVE_UP;
		}
		OPENSSL_cleanse(k, oc->ekv.n);
		g_free(k);
	}
	g_free(vhi);
	g_free(vhv);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	return v;
}

/* 2.3.4.7: SHA-1 spin, then CryptDeriveKey's ipad/opad step. */
static enum oc_verdict
standard_verify(struct offcrypto *oc, const uint8_t *pw, size_t pwn, uint32_t spin_max,
    gint64 deadline_us)
{
	const EVP_MD *md = md_of(HASH_SHA1);
	uint8_t h[EVP_MAX_MD_SIZE], fin[20], buf[64], x[40], zero[4] = { 0 };
	unsigned hn = 0;

	if (STD_SPIN > spin_max)
		return OC_GIVE_UP;
	if (md == NULL || !spin_hash(md, oc->salt, 16, pw, pwn, STD_SPIN, deadline_us, h, &hn) ||
	    hash_once(md, h, hn, zero, 4, fin) != 20)
		return OC_GIVE_UP;
	memset(buf, 0x36, sizeof(buf));
	for (size_t i = 0; i < 20; i++)
		buf[i] ^= fin[i];
	if (hash_once(md, buf, 64, NULL, 0, x) != 20)
		return OC_GIVE_UP;
	memset(buf, 0x5c, sizeof(buf));
	for (size_t i = 0; i < 20; i++)
		buf[i] ^= fin[i];
	if (hash_once(md, buf, 64, NULL, 0, x + 20) != 20)
		return OC_GIVE_UP;
	size_t kn = oc->key_bits / 8;
	uint8_t ver[16], vh[32], d[20];
	if (!aes_decrypt(x, kn, NULL, oc->ever, 16, ver) ||
	    !aes_decrypt(x, kn, NULL, oc->evh, 32, vh) ||
	    hash_once(md, ver, 16, NULL, 0, d) != 20)
		return OC_GIVE_UP;
	if (CRYPTO_memcmp(d, vh, 20) != 0)
		return OC_WRONG;
	memcpy(oc->key, x, kn);
	oc->keyn = kn;
	oc->have_key = true;
	OPENSSL_cleanse(x, sizeof(x));
	return OC_RIGHT;
}

/* The RC4 key of block b from the base hash in oc->key (2.3.5.2, 2.3.6.2). */
static size_t
rc4_block_key(const struct offcrypto *oc, uint32_t b, uint8_t *key)
{
	uint8_t bb[4], d[EVP_MAX_MD_SIZE];

	wr32(bb, b);
	if (oc->m == OC_RC4) {
		if (hash_once(md_of(HASH_MD5), oc->key, oc->keyn, bb, 4, d) != 16)
			return 0;
		memcpy(key, d, 16);
		return 16;
	}
	if (hash_once(md_of(HASH_SHA1), oc->key, oc->keyn, bb, 4, d) != 20)
		return 0;
	if (oc->key_bits == 40) {
		/* 40-bit keys are used as 128-bit keys padded with zeros */
		memset(key, 0, 16);
		memcpy(key, d, 5);
		return 16;
	}
	memcpy(key, d, oc->key_bits / 8);
	return oc->key_bits / 8;
}

static enum oc_verdict
rc4_verify(struct offcrypto *oc, const uint8_t *pw, size_t pwn)
{
	uint8_t d[EVP_MAX_MD_SIZE];

	ossl_init();
	if (ossl.rc4 == NULL)
		return OC_GIVE_UP;
	if (oc->m == OC_RC4) {
		const EVP_MD *md5 = md_of(HASH_MD5);
		uint8_t buf[21 * 16];
		if (md5 == NULL || hash_once(md5, pw, pwn, NULL, 0, d) != 16)
			return OC_GIVE_UP;
		for (size_t i = 0; i < 16; i++) {
			memcpy(buf + 21 * i, d, 5);
			memcpy(buf + 21 * i + 5, oc->salt, 16);
		}
		if (hash_once(md5, buf, sizeof(buf), NULL, 0, d) != 16)
			return OC_GIVE_UP;
		memcpy(oc->key, d, 5);
		oc->keyn = 5;
	} else {
		const EVP_MD *sha1 = md_of(HASH_SHA1);
		if (sha1 == NULL || hash_once(sha1, oc->salt, 16, pw, pwn, d) != 20)
			return OC_GIVE_UP;
		memcpy(oc->key, d, 20);
		oc->keyn = 20;
	}
	uint8_t key[16], buf[48];
	size_t kn = rc4_block_key(oc, 0, key);
	memcpy(buf, oc->ever, 16);
	memcpy(buf + 16, oc->evh, oc->evhn);
	if (kn == 0 || !rc4_xor(key, kn, buf, 16 + oc->evhn))
		return OC_GIVE_UP;
	size_t dn = hash_once(md_of(oc->m == OC_RC4 ? HASH_MD5 : HASH_SHA1), buf, 16,
	    NULL, 0, d);
	if (dn != oc->evhn)
		return OC_GIVE_UP;
	if (CRYPTO_memcmp(d, buf + 16, dn) != 0)
		return OC_WRONG;
	oc->have_key = true;
	return OC_RIGHT;
}

enum oc_verdict
offcrypto_verify(struct offcrypto *oc, const char *pw, uint32_t spin_max,
    gint64 deadline_us)
{
	size_t pwn = 0;
	uint8_t *u = utf16le(pw, &pwn);
	enum oc_verdict v = OC_WRONG;

	if (u == NULL)
		return OC_WRONG;
	oc->have_key = false;
	if (spin_max == 0)
		spin_max = OFFCRYPTO_SPIN_MAX;
	switch (oc->m) {
	case OC_AGILE:
		v = agile_verify(oc, u, pwn, spin_max, deadline_us);
		break;
	case OC_STANDARD:
		v = standard_verify(oc, u, pwn, spin_max, deadline_us);
		break;
	case OC_RC4:
	case OC_RC4_CAPI:
		v = rc4_verify(oc, u, pwn);
		break;
	}
	OPENSSL_cleanse(u, pwn);
	g_free(u);
	return v;
}

/* ---- decryption ---- */

/* 2.3.4.14: the HMAC of the whole EncryptedPackage stream. */
static int
agile_integrity(const struct offcrypto *oc, const uint8_t *p, size_t n)
{
	const EVP_MD *md = md_of(oc->kd.hash);
	unsigned hs = oc->kd.hash_size;
	uint8_t d[EVP_MAX_MD_SIZE], iv[16];

	if (oc->hmac_key.p == NULL || oc->hmac_key.n % 16 != 0 || oc->hmac_value.n % 16 != 0 ||
	    oc->hmac_key.n < hs || oc->hmac_value.n < hs)
		return -1;
	uint8_t *hk = g_malloc(oc->hmac_key.n), *hv = g_malloc(oc->hmac_value.n);
	int r = -1;
	if (hash_once(md, oc->kd.salt, oc->kd.saltn, BK_HMAC_KEY, 8, d) == 0)
		goto out;
	make_iv(d, hs, oc->kd.block, iv);
	if (!aes_decrypt(oc->key, oc->keyn, iv, oc->hmac_key.p, oc->hmac_key.n, hk))
		goto out;
	if (hash_once(md, oc->kd.salt, oc->kd.saltn, BK_HMAC_VALUE, 8, d) == 0)
		goto out;
	make_iv(d, hs, oc->kd.block, iv);
	if (!aes_decrypt(oc->key, oc->keyn, iv, oc->hmac_value.p, oc->hmac_value.n, hv))
		goto out;
	unsigned mn = 0;
	if (HMAC(md, hk, (int)hs, p, n, d, &mn) == NULL || mn != hs)
		goto out;
	r = CRYPTO_memcmp(d, hv, hs) == 0 ? 1 : 0;
out:
	g_free(hk);
	g_free(hv);
	return r;
}

uint8_t *
offcrypto_package(struct offcrypto *oc, const uint8_t *p, size_t n, size_t *outlen,
    bool *damaged, int *integrity)
{
	*outlen = 0;
	*damaged = false;
	*integrity = -1;
	if (!oc->have_key || (oc->m != OC_AGILE && oc->m != OC_STANDARD))
		return NULL;
	if (n < 8 + 16) {
		*damaged = true;
		return NULL;
	}
	uint64_t size = (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
	const uint8_t *c = p + 8;
	size_t cn = n - 8;
	if (cn % 16 != 0) {
		*damaged = true;
		cn -= cn % 16;
	}
	if (size > cn)
		*damaged = true;
	size_t want = size < cn ? (size_t)size : cn;
	/* whole blocks covering want */
	size_t dec = want + (16 - want % 16) % 16;
	uint8_t *out = g_try_malloc(dec > 0 ? dec : 1);
	if (out == NULL)
		return NULL;
	bool ok = true;
	if (oc->m == OC_STANDARD) {
		ok = aes_decrypt(oc->key, oc->keyn, NULL, c, dec, out);
	} else {
		const EVP_MD *md = md_of(oc->kd.hash);
		uint8_t d[EVP_MAX_MD_SIZE], iv[16], seg[4];
		for (size_t off = 0, i = 0; ok && off < dec; off += SEGMENT, i++) {
			size_t len = dec - off < SEGMENT ? dec - off : SEGMENT;
			wr32(seg, (uint32_t)i);
			ok = hash_once(md, oc->kd.salt, oc->kd.saltn, seg, 4, d) > 0;
			make_iv(d, oc->kd.hash_size, oc->kd.block, iv);
			ok = ok && aes_decrypt(oc->key, oc->keyn, iv, c + off, len, out + off);
		}
		if (ok)
			*integrity = agile_integrity(oc, p, n);
	}
	if (!ok) {
		g_free(out);
		return NULL;
	}
	*outlen = want;
	return out;
}

/* Xor the keystream of stream offsets [a, b) into buf (indexed by offset),
 * rekeying every blk bytes; *cur/ks cache the current block's keystream. */
static bool
rc4_range(const struct offcrypto *oc, uint8_t *buf, size_t a, size_t b, size_t blk,
    uint8_t *ks, int64_t *cur)
{
	while (a < b) {
		int64_t bi = (int64_t)(a / blk);
		if (bi != *cur) {
			uint8_t key[16];
			size_t kn = rc4_block_key(oc, (uint32_t)bi, key);
			memset(ks, 0, blk);
			if (kn == 0 || !rc4_xor(key, kn, ks, blk))
				return false;
			*cur = bi;
		}
		size_t end = ((size_t)bi + 1) * blk;
		if (end > b)
			end = b;
		for (size_t i = a; i < end; i++)
			buf[i] ^= ks[i % blk];
		a = end;
	}
	return true;
}

const uint8_t *
offcrypto_xls_filepass(const uint8_t *p, size_t n, size_t *len)
{
	size_t off = 0;

	*len = 0;
	for (unsigned k = 0; k < 1000000 && n - off >= 4; k++) {
		uint16_t type = le16(p + off), size = le16(p + off + 2);
		if (size > n - off - 4)
			return NULL;
		if (type == 0x002F) {
			*len = size;
			return p + off + 4;
		}
		off += 4 + (size_t)size;
	}
	return NULL;
}

/* [MS-XLS] 2.2.10: records whose data is never encrypted. */
static bool
xls_clear(uint16_t type)
{
	switch (type) {
	case 0x0809:	/* BOF */
	case 0x002F:	/* FILEPASS */
	case 0x0194:	/* UsrExcl */
	case 0x0195:	/* FileLock */
	case 0x00E1:	/* InterfaceHdr */
	case 0x0196:	/* RRDInfo */
	case 0x0138:	/* RRDHead */
		return true;
	}
	return false;
}

uint8_t *
offcrypto_xls_workbook(struct offcrypto *oc, const uint8_t *p, size_t n, size_t *outlen)
{
	*outlen = 0;
	if (!oc->have_key || (oc->m != OC_RC4 && oc->m != OC_RC4_CAPI) || n == 0)
		return NULL;
	uint8_t *out = g_try_malloc(n);
	if (out == NULL)
		return NULL;
	memcpy(out, p, n);
	uint8_t ks[XLS_BLOCK];
	int64_t cur = -1;
	size_t off = 0;
	bool after = false, ok = true;
	while (ok && n - off >= 4) {
		uint16_t type = le16(p + off), size = le16(p + off + 2);
		size_t body = off + 4;
		if (size > n - body)
			break;
		if (type == 0x002F && !after) {
			out[off] = out[off + 1] = 0;
			memset(out + body, 0, size);
			after = true;
		} else if (after && !xls_clear(type)) {
			/* BoundSheet8: lbPlyPos stays in clear */
			size_t skip = type == 0x0085 ? (size < 4 ? size : 4) : 0;
			ok = rc4_range(oc, out, body + skip, body + size, XLS_BLOCK, ks, &cur);
		}
		off = body + size;
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	if (!ok) {
		g_free(out);
		return NULL;
	}
	*outlen = off;
	return out;
}

uint8_t *
offcrypto_doc_stream(struct offcrypto *oc, const uint8_t *p, size_t n, size_t clear,
    bool word)
{
	if (!oc->have_key || (oc->m != OC_RC4 && oc->m != OC_RC4_CAPI) || n == 0)
		return NULL;
	uint8_t *out = g_try_malloc(n);
	if (out == NULL)
		return NULL;
	memcpy(out, p, n);
	uint8_t ks[DOC_BLOCK];
	int64_t cur = -1;
	if (clear < n && !rc4_range(oc, out, clear, n, DOC_BLOCK, ks, &cur)) {
		g_free(out);
		return NULL;
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	if (word && n >= 0x12) {
		/* FibBase: fEncrypted (bit 8), fObfuscation (bit 15), lKey */
		out[0x0B] &= (uint8_t)~0x81;
		memset(out + 0x0E, 0, 4);
	}
	return out;
}
