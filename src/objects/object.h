/*
 * object.h - the object tree: every attachment of a message and everything
 * unpacked from it (docs/objects.md).
 *
 * The roots are the message's attachments and attached messages; their
 * children are archive entries, decompressed streams and the parts of mail
 * files, recursively, as far as the limits allow.  Every object has its
 * declared name and type, its true type (by content), its size, SHA-256 and
 * MD5, and flags that say what happened to it (encrypted, padded, cut by a
 * limit, damaged).  Checks only read the tree; it is built once per scan
 * (obj_tree_build) before the content checks run.
 *
 * Content is either borrowed (a MIME part's decoded bytes) or owned (an
 * unpacked entry).  Owned content is what was kept: long runs of padding
 * (one byte, or a short pattern, repeated) are streamed through and
 * dropped except for their first 4 KiB, so a 500 MB zero-padded document
 * keeps its meaningful bytes only.  The hashes are of the full content.
 */
#ifndef MAMORI_OBJECTS_OBJECT_H
#define MAMORI_OBJECTS_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "facts.h"

struct mime_message;
struct mime_part;
struct mime_limits;
struct ftype;
struct pw_cand;
struct pw_list;
struct html_doc;

enum obj_origin {
	OBJ_FROM_MIME,		/* an attachment or attached message */
	OBJ_FROM_ARCHIVE,	/* an entry of an archive */
	OBJ_FROM_STREAM,	/* the content of a gzip/bzip2/xz/... stream */
	OBJ_FROM_MAIL_FILE,	/* a part of a mail file (.eml, mbox) */
	OBJ_FROM_EMBEDDED,	/* carved out of a document by an analyser */
};

enum obj_flag {
	OBJ_ENCRYPTED = 1u << 0,	/* content encrypted: not examined */
	OBJ_TRUNCATED = 1u << 1,	/* content cut by a limit */
	OBJ_PADDED = 1u << 2,		/* padding runs dropped (->padding) */
	OBJ_DAMAGED = 1u << 3,		/* container or entry is corrupt */
	OBJ_UNSUPPORTED = 1u << 4,	/* entry's compression not supported */
	OBJ_NOT_UNPACKED = 1u << 5,	/* a container a limit kept closed */
	OBJ_NAMES_ENCRYPTED = 1u << 6,	/* archive whose entry list is encrypted */
	OBJ_BOMB = 1u << 7,		/* unpacking stopped: expansion too big */
	OBJ_DECRYPTED = 1u << 8,	/* was encrypted; opened with ->password */
};

struct mobj {
	unsigned id;		/* index in obj_tree.all */
	unsigned depth;		/* 0 for attachments; +1 per container */
	struct mobj *parent;	/* NULL for roots */
	GPtrArray *children;	/* struct mobj *, in order; never NULL */
	enum obj_origin origin;
	const struct mime_part *part;	/* OBJ_FROM_MIME: the MIME part */
	char *name;		/* declared name (UTF-8), or NULL */
	char *path;		/* "mail.zip/inner.zip/a.exe" */
	char *declared_type;	/* MIME type as declared, or NULL */
	const struct ftype *type;	/* true type, by content */
	char *container;	/* for containers: the format libarchive saw */
	const uint8_t *data;	/* content as kept (see above) */
	size_t len;
	uint64_t size;		/* full size of the content */
	uint64_t padding;	/* bytes of padding dropped from ->data */
	uint8_t sha256[32];
	uint8_t md5[16];
	bool hashed;		/* false when the content is unknown */
	unsigned flags;		/* enum obj_flag */
	char *cipher;		/* OBJ_ENCRYPTED: "ZipCrypto", "AES-256"... */
	char *error;		/* why it could not be read or unpacked */
	uint8_t *owned;		/* what ->data points into, if ours */
	GArray *facts;		/* struct obj_fact, or NULL: see obj_fact() */
	GPtrArray *urls;	/* char *, or NULL: see obj_url() */
	unsigned urls_dropped;	/* URLs past OBJ_URLS_MAX not kept */
	GPtrArray *iocs;	/* struct obj_ioc *, or NULL: see obj_ioc() */
	const struct pw_cand *password;	/* OBJ_DECRYPTED: what opened it
					 * (owned by the pw_list or static) */
	struct html_doc *html;	/* HTML, HTA, SVG: the one parse of it (html.c):
				 * visible text and links (html/extract.h),
				 * read by the content layer; or NULL */
};

/* True when the object has bytes to hand to a scanner (YARA, clamd). */
static inline bool
obj_has_content(const struct mobj *o)
{
	return o->data != NULL && o->len > 0;
}

/*
 * A finding of a document analyser about one object (a macro, a DDE
 * field, a PDF /Launch ...), recorded while the tree is built.  The
 * documents check turns each into its symbol (of the same name), with the
 * object's path and the detail as the option (facts.h lists them).
 */
struct obj_fact {
	enum obj_fact_id id;
	char *detail;		/* evidence, or NULL */
};
#define OBJ_FACTS_MAX 64	/* per object: further facts are dropped */

/*
 * An indicator the static sandbox recovered from a script or a macro
 * (documents/sandbox.c): a URL, a command line or a file path, with how
 * it was derived ("powershell -EncodedCommand", "vba folding" ...).
 */
struct obj_ioc {
	const char *kind;	/* "url", "command", "path" (static) */
	char *value;		/* cleaned, at most OBJ_IOC_BYTES */
	const char *how;	/* static */
};
#define OBJ_IOCS_MAX 64		/* per object: further ones are dropped */
#define OBJ_IOC_BYTES 2048
#define OBJ_URLS_MAX 256	/* per object */

/* A limit that stopped unpacking somewhere. */
enum obj_limit {
	OBJ_LIMIT_DEPTH,	/* limits.unpack_depth */
	OBJ_LIMIT_OBJECTS,	/* limits.objects */
	OBJ_LIMIT_OBJECT_BYTES,	/* limits.object_bytes */
	OBJ_LIMIT_UNPACKED,	/* limits.unpacked_bytes */
	OBJ_LIMIT_STREAMED,	/* limits.stream_bytes (a bomb) */
	OBJ_LIMIT_RATIO,	/* limits.compression_ratio (a bomb) */
	OBJ_LIMIT_TIME,		/* limits.scan_time_ms */
	OBJ_LIMIT_OVERLAP,	/* a ZIP whose entries overlap (a bomb) */
	OBJ_LIMIT_PASSWORDS,	/* ppap.max_attempts / ppap.time_ms */
	OBJ_LIMIT_NAMES,	/* limits.listed_names */
	OBJ_LIMIT_DEOBFUSCATION,	/* limits.deobfuscation_steps/_bytes */
	OBJ_LIMIT_COUNT
};

struct obj_limits {
	unsigned depth;		/* containers inside containers */
	unsigned objects;	/* objects per message */
	uint64_t object_bytes;	/* kept bytes per object */
	uint64_t unpacked_bytes;	/* kept bytes over all unpacked objects */
	uint64_t stream_bytes;	/* bytes decompressed, padding included */
	uint32_t ratio;		/* kept bytes / container bytes, above ratio_min */
	uint64_t ratio_min;
	uint64_t padding_min;	/* a repeated run this long is padding */
	gint64 deadline_us;	/* g_get_monotonic_time() bound, 0 = none */
	const struct mime_limits *mime;	/* for mail files inside objects;
					 * NULL: mail files are not opened */
	const struct pw_list *passwords;	/* candidates for encrypted
						 * objects (password.h), or NULL */
	const char *sevenzip;	/* 7zz for encrypted 7z (sevenzip.c), or NULL */
	uint32_t spin_max;	/* largest Agile spinCount tried per candidate,
				 * 0 = OFFCRYPTO_SPIN_MAX (offcrypto.h) */
	unsigned names;		/* names listed past the objects limit */
	uint64_t deob_steps;	/* the static sandbox, per script (0: its default) */
	uint64_t deob_bytes;
	bool reveal_passwords;	/* the report shows passwords in clear */
	/* each HTML parse also collects SpamAssassin's HTML statistics
	 * (html/sa_stats.h): only when rules read them (the spam module) */
	bool html_sa_stats;
};

struct obj_limit_hit {
	enum obj_limit limit;
	char *where;		/* path of the object it stopped at */
};

struct obj_tree {
	GPtrArray *all;		/* struct mobj *, depth first, parents first */
	GPtrArray *roots;	/* struct mobj * */
	GArray *hits;		/* struct obj_limit_hit */
	uint64_t kept_bytes;	/* owned content over all objects */
	uint64_t streamed_bytes;	/* decompressed, padding included */
	GPtrArray *messages;	/* struct mime_message * parsed from mail files */
	/* struct mime_name *: objects past limits.objects and MIME parts past
	 * limits.parts or limits.depth: not examined, but their names still
	 * are, so that a program behind 1,000 harmless files is not passed
	 * unseen (display paths, as mobj.path) */
	GPtrArray *beyond;
	const struct obj_limits *lim;
	bool stopped;		/* a bomb: nothing more is decompressed */
	unsigned pw_attempts;	/* password trials so far (password.h) */
	gint64 pw_us;		/* time spent in them */
};

/* Build the tree of a parsed message.  Never NULL. */
struct obj_tree *obj_tree_build(const struct mime_message *msg,
    const struct obj_limits *lim);
/* The tree of one file, as if it were a message's only attachment (the
 * fuzz target and the tests use it). */
struct obj_tree *obj_tree_build_file(const char *name, const uint8_t *p,
    size_t len, const struct obj_limits *lim);
void obj_tree_free(struct obj_tree *t);

/* Record a fact (fmt may be NULL: no detail); the same fact with the
 * same detail is recorded once. */
void obj_fact(struct mobj *o, enum obj_fact_id id, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
bool obj_has_fact(const struct mobj *o, enum obj_fact_id id);
/* A URL (or other network indicator) found in the object, for the URL
 * stage and the report; cleaned and cut to 2048 bytes. */
void obj_url(struct mobj *o, const char *url, size_t len);
/* An indicator (kind and how static), cleaned and cut to OBJ_IOC_BYTES;
 * the same kind and value are recorded once, OBJ_IOCS_MAX at most. */
void obj_ioc(struct mobj *o, const char *kind, const char *value, size_t len,
    const char *how);
/* The URLs obj_urls_in_text() finds, each handed to fn instead; at most
 * max.  Returns how many. */
unsigned obj_text_urls(const char *text, size_t len, unsigned max,
    void (*fn)(const char *url, size_t len, void *arg), void *arg);
/* Every http://, https:// and ftp:// URL written in text (a script, a
 * macro's strings, a document's text; the scheme in any case), each up to
 * a blank, a quote, a bracket or a backslash, sentence punctuation at its
 * end left out, through obj_url(); at most OBJ_URLS_MAX + 1 are looked
 * for.  Returns how many were found. */
unsigned obj_urls_in_text(struct mobj *o, const char *text, size_t len);

/* Short stable names, for symbols and the report. */
const char *obj_limit_name(enum obj_limit l);
const char *obj_origin_name(enum obj_origin o);
/* Lower-case hex of a digest; buf needs 2 * n + 1 bytes. */
void obj_hex(const uint8_t *d, size_t n, char *buf);

#endif
