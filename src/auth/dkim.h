/*
 * dkim.h - DKIM signature verification (RFC 6376, RFC 8463 ed25519-sha256,
 * RFC 8301 algorithm and key-size rules).
 *
 * Purpose: verify every DKIM-Signature of one message (at most
 * DKIM_MAX_SIGNATURES) and give one result per signature.
 *
 * Design: works on the raw message bytes, never on a parsed MIME model,
 * because header canonicalisation needs the exact bytes.  Bare LF line
 * ends are treated as CRLF.  The module does no DNS: public keys come
 * from a callback (dkim_key_fetch) that the caller plugs its resolver
 * into.  The tag-list parsers (dkim_sig_parse, dkim_key_parse) are pure
 * and usable by a fuzzer.  Crypto is OpenSSL 3 (EVP).
 *
 * Limits: header block, number of header fields, signature field length,
 * key record length, RSA key size and hashed body length are bounded by
 * the DKIM_MAX_* constants below; a message over a limit gets a
 * permerror whose reason starts with "limit:".
 *
 * Security: rsa-sha1 is refused (RFC 8301: permerror, like an unknown
 * algorithm, since it says nothing about forgery), RSA keys under 1024 bits
 * fail, a From field not covered by h= (more From fields than h= lists)
 * fails (a From added above a signed one), a key not usable for the
 * signature (h=, s=, k=, t=s) is a permerror, and l= is honoured but
 * reported (l_used) since content may have been appended after the
 * signed part.
 */
#ifndef MAMORI_AUTH_DKIM_H
#define MAMORI_AUTH_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define DKIM_MAX_SIGNATURES 8			/* verified per message */
#define DKIM_MAX_HEADER_BLOCK (1024 * 1024)	/* bytes of header block */
#define DKIM_MAX_HEADERS 2000			/* header fields */
#define DKIM_MAX_SIG_FIELD 16384		/* one DKIM-Signature field */
#define DKIM_MAX_KEY_RECORD 8192		/* key TXT record */
#define DKIM_MAX_RSA_BITS 8192			/* larger keys: permerror */
#define DKIM_MIN_RSA_BITS 1024			/* smaller keys: fail */
#define DKIM_MAX_BODY ((size_t)1024 * 1024 * 1024) /* body bytes read */
#define DKIM_MAX_H_NAMES 256			/* names in h= */
#define DKIM_FUTURE_SLOP 36000			/* t= may be this far ahead */

enum dkim_status {
	DKIM_NONE,		/* no signature */
	DKIM_PASS,
	DKIM_FAIL,		/* bad signature or body hash, revoked or small key, expired */
	DKIM_PERMERROR,		/* signature or key record unusable, rsa-sha1, no key */
	DKIM_TEMPERROR,		/* key lookup failed temporarily */
};

enum dkim_key_status {
	DKIM_KEY_FOUND,		/* *txt set (g_malloc'd, freed by dkim with g_free) */
	DKIM_KEY_NOTFOUND,	/* NXDOMAIN or no TXT record */
	DKIM_KEY_TEMPFAIL,	/* timeout, SERVFAIL, budget */
};

/*
 * Key lookup: name is "selector._domainkey.domain" (no trailing dot).  On
 * DKIM_KEY_FOUND, *txt is the TXT record (character-strings concatenated)
 * allocated with g_malloc, *len its length; dkim frees it with g_free.
 */
typedef enum dkim_key_status (*dkim_key_fetch)(void *user, const char *name,
    char **txt, size_t *len);

enum dkim_alg {
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
	DKIM_ALG_RSA_SHA1,	/* parsed, never accepted (RFC 8301) */
};

/* A parsed DKIM-Signature field value.  Strings are NUL-terminated copies. */
struct dkim_sig {
	enum dkim_alg alg;
	char *a;		/* a= as written */
	char *d, *s;
	char *i;		/* decoded (dkim-quoted-printable) or NULL */
	uint8_t *b, *bh;	/* decoded */
	size_t b_len, bh_len;
	bool hdr_relaxed, body_relaxed;
	char **h;		/* lower-cased names */
	size_t h_count;
	bool has_l, has_t, has_x;
	uint64_t l;
	int64_t t, x;
	size_t b_start, b_end;	/* b= value span in the parsed text */
	unsigned instance;	/* ARC i= (dkim_sig_parse_ex DKIM_PARSE_AMS) */
};

enum dkim_key_type { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

/* A parsed key record. */
struct dkim_key {
	enum dkim_key_type type;
	uint8_t *p;		/* decoded p= (SubjectPublicKeyInfo DER or raw ed25519) */
	size_t p_len;
	bool revoked;		/* p= empty */
	bool sha256_ok;		/* h= absent or lists sha256 */
	bool email_ok;		/* s= absent or lists email or * */
	bool testing;		/* t=y */
	bool strict;		/* t=s */
};

/* One signature's outcome.  Strings are owned (dkim_results_clear). */
struct dkim_result {
	enum dkim_status status;
	char *d, *s, *a, *i;	/* NULL when absent or unreadable */
	bool l_used;		/* l= present: body may extend past what is signed */
	uint64_t l;
	bool testing;		/* key record t=y */
	const char *reason;	/* static text: "ok", "body hash mismatch", ... */
};

/*
 * Verify up to min(max, DKIM_MAX_SIGNATURES) signatures of msg[0..len),
 * in header order, into out[]; returns the number written.  A message with
 * no DKIM-Signature gives one DKIM_NONE result (when max > 0).  now is the
 * current time (Unix seconds) for t= and x=.  Free with dkim_results_clear.
 */
size_t dkim_verify(const uint8_t *msg, size_t len, dkim_key_fetch fetch,
    void *user, int64_t now, struct dkim_result *out, size_t max);
void dkim_results_clear(struct dkim_result *res, size_t n);

/*
 * Parse a DKIM-Signature field value (the text after the colon, folding
 * included).  Returns true and fills *sig, or false with *reason set
 * (static text) and *sig left empty.  Free with dkim_sig_clear.
 */
bool dkim_sig_parse(const char *val, size_t len, struct dkim_sig *sig,
    const char **reason);
void dkim_sig_clear(struct dkim_sig *sig);

/* Parse a key TXT record; as dkim_sig_parse.  Free with dkim_key_clear. */
bool dkim_key_parse(const char *txt, size_t len, struct dkim_key *key,
    const char **reason);
void dkim_key_clear(struct dkim_key *key);

/*
 * Canonicalisation, appended to out: one header field (name, colon, value
 * and its CRLF line ends, as in the message) and a body.  Exposed for tests.
 */
void dkim_canon_header(bool relaxed, const char *field, size_t len,
    GByteArray *out);
void dkim_canon_body(bool relaxed, const uint8_t *body, size_t len,
    GByteArray *out);

const char *dkim_status_name(enum dkim_status st);
/*
 * Free OpenSSL's state of the calling thread (its error queue).  Callers
 * running verifications on pool threads call it when done with a message:
 * OpenSSL frees a thread's state only when that thread exits, and worker
 * threads may outlive OpenSSL's own clean-up at process exit.
 */
void dkim_thread_cleanup(void);

/*
 * ---- Building blocks shared with the ARC validator (arc.c) ----
 *
 * Tag lists (RFC 6376 3.2): dkim_taglist_parse splits s[0..n) into at
 * most DKIM_MAX_TAGS tags (names checked, duplicates refused, values
 * trimmed of FWS); pointers point into s.
 */
#define DKIM_MAX_TAGS 64
#define DKIM_ARC_MAX_INSTANCE 50	/* RFC 8617 4.2.1 */

struct dkim_tag {
	const char *name;
	size_t name_len;
	const char *val;	/* trimmed */
	size_t val_len;
	size_t raw_start, raw_end; /* untrimmed value span, offsets in text */
};

bool dkim_taglist_parse(const char *s, size_t n, struct dkim_tag *tags,
    size_t *count, const char **reason);
const struct dkim_tag *dkim_tag_find(const struct dkim_tag *tags, size_t n,
    const char *name);
/* strict base64, FWS ignored; *out g_malloc'd */
bool dkim_b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len);
/* a d= domain or s= selector */
bool dkim_domain_ok(const char *s, size_t n);
/* an ARC i= value: decimal 1..DKIM_ARC_MAX_INSTANCE */
bool dkim_arc_instance(const char *s, size_t n, unsigned *inst);

/*
 * dkim_sig_parse with flags.  DKIM_PARSE_AMS: an ARC-Message-Signature
 * (RFC 8617 4.1.2): no v=, i= is the instance (sig->instance), sig->i
 * stays NULL; h= need not list From and empty names in it are skipped; no
 * c= means relaxed/relaxed (the last two as the ARC test suite expects).
 */
#define DKIM_PARSE_AMS 1u
bool dkim_sig_parse_ex(const char *val, size_t len, unsigned flags,
    struct dkim_sig *sig, const char **reason);

/* A message split into header fields (see dkim.c). */
struct dkim_field {
	size_t off, len;	/* in hdr buffer, CRLF included */
	size_t name_len;
};

struct dkim_msg {
	GByteArray *hdr;	/* header block, line ends made CRLF */
	GArray *fields;		/* struct dkim_field, in message order */
	const uint8_t *body;	/* points into the message */
	size_t body_len;
};

/* false: over a DKIM_MAX_* limit (*reason set); free with dkim_msg_free
 * in every case */
bool dkim_msg_split(const uint8_t *m, size_t len, struct dkim_msg *msg,
    const char **reason);
void dkim_msg_free(struct dkim_msg *msg);
bool dkim_field_is(const struct dkim_msg *msg, const struct dkim_field *f,
    const char *name);

/*
 * Fetch and parse the key "s._domainkey.d": DKIM_PASS with *key filled
 * (free with dkim_key_clear), else DKIM_TEMPERROR / DKIM_PERMERROR and
 * *reason, *key empty.
 */
enum dkim_status dkim_key_get(dkim_key_fetch fetch, void *user,
    const char *s, const char *d, struct dkim_key *key, const char **reason);

/*
 * Verify a parsed signature carried by header field sigf of msg: key
 * usability, body hash, header hash (h= bottom-up, then sigf with b=
 * emptied), signature.
 */
enum dkim_status dkim_sig_check(const struct dkim_msg *msg,
    const struct dkim_field *sigf, const struct dkim_sig *sig,
    const struct dkim_key *key, const char **reason);

/*
 * Verify signature b[0..b_len) over a SHA-256 hash with key and algorithm
 * alg (rsa-sha256: PKCS#1 v1.5; ed25519-sha256: Ed25519 over the hash).
 * Key rules as for DKIM (revoked, size, type, rsa-sha1 refused).
 */
enum dkim_status dkim_hash_verify(const struct dkim_key *key,
    enum dkim_alg alg, const uint8_t *b, size_t b_len, const uint8_t hash[32],
    const char **reason);

#endif
