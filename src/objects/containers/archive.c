/*
 * archive.c - archives, disk images and compressed streams, on libarchive.
 *
 * Formats: ZIP (incl. ZIP64 and the zip-based OOXML/ODF documents), 7z,
 * RAR 4 and 5, tar, cpio, cab, ISO 9660, LHA, XAR, ar; filters: gzip,
 * bzip2, xz, lzma, lzip, zstd, lz4, compress and uuencode.  A bare
 * compressed stream (invoice.exe.gz) is read with libarchive's raw format
 * and becomes one child.  Filters that libarchive would run as external
 * programs are never enabled: hostile input does not start processes.
 *
 * Entries are read as streams into a sink (sink.c), which enforces the
 * byte limits and drops padding; the ratio of bytes kept to the size of
 * the container is checked as the data comes, so an archive bomb is
 * stopped after limits.ratio_min bytes, not after it has filled memory.
 *
 * libarchive says whether an entry is encrypted but not how; for ZIP the
 * cipher is read from the central directory (zip_cipher_table, bounded).
 * 7z is always AES-256, RAR 3/4 AES-128 and RAR 5 AES-256.
 */
#include <locale.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive.h"
#include "objects/filetype.h"
#include "objects/password.h"
#include "sevenzip.h"
#include "objects/tree_api.h"
#include "util/bytes.h"
#include "util/text.h"

#define ERR_MAX 200
#define RETRY_MAX 16
#define EMPTY_BLOCKS_MAX 1024

static const char *
zip_entry_cipher(uint32_t flags, uint32_t method, const uint8_t *extra, size_t elen)
{
	if (!(flags & 1))
		return NULL;
	if (flags & 0x40)
		return "PKWARE-SES";
	if (method != 99)
		return "ZipCrypto";
	/* WinZip AE-x: extra field 0x9901, strength at offset 4 of its data */
	for (size_t i = 0; i + 4 <= elen;) {
		uint32_t id = le16(extra + i), sz = le16(extra + i + 2);
		if (i + 4 + sz > elen)
			break;
		if (id == 0x9901 && sz >= 7) {
			switch (extra[i + 4 + 4]) {
			case 1: return "AES-128";
			case 2: return "AES-192";
			case 3: return "AES-256";
			default: break;
			}
		}
		i += 4 + sz;
	}
	return "AES";
}

/*
 * What the central directory of a ZIP says that libarchive does not: the
 * cipher of each encrypted entry (name -> static string) and whether two
 * entries overlap (the data of one contains another's local header, or
 * they share one: the "better zip bomb" that expands one kernel many
 * times).  Only the fields needed are read and every offset is checked
 * against len; a damaged directory gives what it gives.
 */
struct zip_cd {
	GHashTable *ciphers;
	bool overlap;
};

struct zip_span {
	uint64_t off, csize;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct zip_span *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* ZIP64 extended information (0x0001): the sizes and offset that did not
 * fit, in this order, each only if its 32-bit field is 0xffffffff. */
static void
zip64_fields(const uint8_t *extra, size_t elen, uint64_t usize, uint64_t *csize,
    uint64_t *off)
{
	for (size_t i = 0; i + 4 <= elen;) {
		size_t id = le16(extra + i), sz = le16(extra + i + 2), k = i + 4;
		if (i + 4 + sz > elen)
			return;
		if (id == 1) {
			if (usize == 0xffffffff && k + 8 <= i + 4 + sz)
				k += 8;
			if (*csize == 0xffffffff && k + 8 <= i + 4 + sz) {
				*csize = le64(extra + k);
				k += 8;
			}
			if (*off == 0xffffffff && k + 8 <= i + 4 + sz)
				*off = le64(extra + k);
			return;
		}
		i += 4 + sz;
	}
}

static void
zip_cd_read(const uint8_t *p, size_t len, struct zip_cd *cd)
{
	size_t eocd = SIZE_MAX;

	cd->ciphers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cd->overlap = false;
	if (len < 22)
		return;
	for (size_t i = len - 22 + 1, stop = len > 22 + 65535 ? len - 22 - 65535 : 0;
	    i-- > stop;) {
		if (memcmp(p + i, "PK\5\6", 4) == 0) {
			eocd = i;
			break;
		}
	}
	if (eocd == SIZE_MAX)
		return;
	uint64_t n = le16(p + eocd + 10), off = le32(p + eocd + 16);
	if ((n == 0xffff || off == 0xffffffff) && eocd >= 20 &&
	    memcmp(p + eocd - 20, "PK\6\7", 4) == 0) {
		uint64_t z = le64(p + eocd - 20 + 8);
		if (len >= 56 && z <= len - 56 && memcmp(p + z, "PK\6\6", 4) == 0) {
			n = le64(p + z + 32);
			off = le64(p + z + 48);
		}
	}
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(struct zip_span));
	for (uint64_t k = 0; k < n && off <= len && len - off >= 46; k++) {
		const uint8_t *q = p + off;
		if (memcmp(q, "PK\1\2", 4) != 0)
			break;
		uint32_t flags = le16(q + 8), method = le16(q + 10);
		size_t nlen = le16(q + 28), elen = le16(q + 30), clen = le16(q + 32);
		if (len - off - 46 < nlen + elen + clen)
			break;
		const uint8_t *extra = q + 46 + nlen;
		struct zip_span sp = { .off = le32(q + 42), .csize = le32(q + 20) };
		zip64_fields(extra, elen, le32(q + 24), &sp.csize, &sp.off);
		g_array_append_val(spans, sp);
		const char *c = zip_entry_cipher(flags, method, extra, elen);
		if (c != NULL)
			g_hash_table_replace(cd->ciphers, g_strndup((const char *)q + 46, nlen),
			    (gpointer)c);
		off += 46 + nlen + elen + clen;
	}
	g_array_sort(spans, span_cmp);
	for (guint i = 1; i < spans->len && !cd->overlap; i++) {
		const struct zip_span *a = &g_array_index(spans, struct zip_span, i - 1);
		const struct zip_span *b = &g_array_index(spans, struct zip_span, i);
		/* data starts after a's local header, so this is a real overlap */
		if (b->off == a->off || (a->csize > 0 && b->off - a->off < a->csize))
			cd->overlap = true;
	}
	g_array_free(spans, TRUE);
}

GHashTable *
zip_cipher_table(const uint8_t *p, size_t len)
{
	struct zip_cd cd;

	zip_cd_read(p, len, &cd);
	return cd.ciphers;
}

/*
 * RAR 5: libarchive 3.6 reads past the file encryption record, so it
 * neither marks the entry encrypted nor refuses its data.  The block
 * headers are walked here (bounded) for names whose extra area holds an
 * encryption record (type 1), and for an archive encryption header
 * (type 4: the names themselves are encrypted).
 */
static bool
vint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *i < len; shift += 7) {
		uint8_t b = p[(*i)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool
rar5_extra_encrypted(const uint8_t *p, size_t end, size_t i)
{
	while (i < end) {
		uint64_t size, type;
		size_t at = i;
		if (!vint(p, end, &i, &size) || size == 0 || size > end - i)
			return false;
		size_t next = i + (size_t)size;
		if (!vint(p, next, &i, &type))
			return false;
		if (type == 1)
			return true;
		if (next <= at)
			return false;
		i = next;
	}
	return false;
}

#define RAR5_BLOCKS_MAX 100000

static GHashTable *
rar5_encrypted_names(const uint8_t *p, size_t len, bool *headers_encrypted)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	size_t pos = 8;

	*headers_encrypted = false;
	if (len < 8 || memcmp(p, "Rar!\x1a\x07\x01\x00", 8) != 0)
		return h;
	for (unsigned blocks = 0; pos + 4 < len && blocks < RAR5_BLOCKS_MAX; blocks++) {
		size_t i = pos + 4;
		uint64_t hsize, type, hflags, esize = 0, dsize = 0;
		if (!vint(p, len, &i, &hsize) || hsize > len - i)
			break;
		size_t hend = i + (size_t)hsize;
		if (!vint(p, hend, &i, &type) || !vint(p, hend, &i, &hflags))
			break;
		if ((hflags & 1) && !vint(p, hend, &i, &esize))
			break;
		if ((hflags & 2) && !vint(p, hend, &i, &dsize))
			break;
		if (type == 4) {
			*headers_encrypted = true;
			break;
		}
		if (type == 2 && esize > 0 && esize <= hend - i) {
			uint64_t fflags, usize, attr, comp, os, nlen;
			size_t j = i;
			bool ok = vint(p, hend, &j, &fflags) && vint(p, hend, &j, &usize) &&
			    vint(p, hend, &j, &attr);
			if (ok && (fflags & 2))
				j += 4;
			if (ok && (fflags & 4))
				j += 4;
			ok = ok && j < hend && vint(p, hend, &j, &comp) &&
			    vint(p, hend, &j, &os) && vint(p, hend, &j, &nlen) &&
			    nlen <= hend - j;
			if (ok && rar5_extra_encrypted(p, hend, hend - (size_t)esize))
				g_hash_table_add(h, g_strndup((const char *)p + j, (size_t)nlen));
		}
		if (type == 5 || dsize > len - hend)
			break;
		pos = hend + (size_t)dsize;
	}
	return h;
}

struct walk {
	struct obj_tree *t;
	struct mobj *o;
	struct archive *a;
	bool raw;
	GHashTable *zip;	/* zip_cd_read: name -> cipher */
	GHashTable *rar5;	/* rar5_encrypted_names */
	bool rar5_headers;
	uint64_t kept_start;
	bool stop;		/* this container: bomb by ratio */
	bool names_only;	/* past limits.objects: entry names are listed */
	uint64_t skipped;	/* entry bytes skipped while listing names */
	bool pw_tried;		/* candidates were tried on this container */
	const char *pw;		/* the password that opens it, or NULL */
	unsigned pw_given;	/* times pass_cb gave it for the current entry */
};

static const char *
entry_cipher(struct walk *w, const char *raw_name)
{
	switch (archive_format(w->a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_ZIP: {
		if (w->zip == NULL)
			w->zip = zip_cipher_table(w->o->data, w->o->len);
		const char *c = raw_name != NULL ? g_hash_table_lookup(w->zip, raw_name) : NULL;
		if (c == NULL && g_hash_table_size(w->zip) > 0) {
			/* a name we could not match: the archive's cipher if it has one */
			GHashTableIter it;
			gpointer k, v;
			g_hash_table_iter_init(&it, w->zip);
			while (g_hash_table_iter_next(&it, &k, &v))
				if (c == NULL || strcmp(c, v) == 0)
					c = v;
				else
					return "ZIP (mixed ciphers)";
		}
		return c != NULL ? c : "ZIP encryption";
	}
	case ARCHIVE_FORMAT_7ZIP: return "7zAES-256";
	case ARCHIVE_FORMAT_RAR: return "RAR-AES-128";
	case ARCHIVE_FORMAT_RAR_V5: return "RAR5-AES-256";
	default: return "encrypted";
	}
}

static struct archive *
ar_new(bool raw)
{
	struct archive *a = archive_read_new();


	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_compress(a);
	archive_read_support_filter_uu(a);
	if (raw) {
		archive_read_support_format_raw(a);
		return a;
	}
	archive_read_support_format_zip(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_ar(a);
	return a;
}

static void
set_error(struct mobj *o, struct archive *a, const char *fallback)
{
	const char *e = archive_error_string(a);

	g_free(o->error);
	o->error = text_clean_copy(e != NULL ? e : fallback,
	    strlen(e != NULL ? e : fallback), ERR_MAX);
}

static bool
unsupported_error(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e != NULL && (strstr(e, "nsupported") != NULL ||
	    strstr(e, "not supported") != NULL);
}

/* Name of the one thing inside a compressed stream: "a.exe.gz" -> "a.exe". */
static char *
stream_child_name(const struct mobj *o)
{
	static const char *const sfx[] = { ".gz", ".tgz", ".bz2", ".tbz", ".xz",
	    ".txz", ".lzma", ".lz", ".zst", ".lz4", ".z", ".uu", ".uue", NULL };
	const char *n = o->name != NULL ? o->name : "data";
	size_t len = strlen(n);

	for (size_t i = 0; sfx[i] != NULL; i++) {
		size_t k = strlen(sfx[i]);
		if (len > k && g_ascii_strcasecmp(n + len - k, sfx[i]) == 0) {
			char *base = g_strndup(n, len - k);
			if (strncmp(sfx[i], ".t", 2) != 0)
				return base;
			char *tar = g_strconcat(base, ".tar", NULL);
			g_free(base);
			return tar;
		}
	}
	return g_strconcat(n, ".data", NULL);
}

/* Stream one entry's data into child; false: stop the whole container. */
static bool
read_entry(struct walk *w, struct mobj *child)
{
	struct obj_tree *t = w->t;
	const struct obj_limits *lim = t->lim;
	struct sink *s = g_new(struct sink, 1);
	bool complete = true, go_on = true;
	unsigned empty = 0;

	sink_init(s, t, child, false);
	for (;;) {
		const void *buf;
		size_t sz;
		la_int64_t off;
		int r = archive_read_data_block(w->a, &buf, &sz, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			complete = false;
			set_error(child, w->a, "read error");
			child->flags |= unsupported_error(w->a) ? OBJ_UNSUPPORTED : OBJ_DAMAGED;
			if (r == ARCHIVE_FATAL)
				go_on = false;
			break;
		}
		if (r == ARCHIVE_WARN) {
			set_error(child, w->a, "warning");
			child->flags |= OBJ_DAMAGED;
		}
		if (sz == 0) {
			if (++empty > EMPTY_BLOCKS_MAX) {
				complete = false;
				break;
			}
			continue;
		}
		enum sink_stop st = sink_write(s, buf, sz);
		if (st == SINK_STOP_STREAMED) {
			obj_tree_hit(t, OBJ_LIMIT_STREAMED, child->path);
			child->flags |= OBJ_BOMB;
			w->o->flags |= OBJ_BOMB;
			t->stopped = true;
			complete = go_on = false;
			break;
		}
		if (st == SINK_STOP_TIME) {
			obj_tree_hit(t, OBJ_LIMIT_TIME, child->path);
			complete = go_on = false;
			break;
		}
		uint64_t kept = t->kept_bytes - w->kept_start;
		if (kept > lim->ratio_min && lim->ratio != 0 &&
		    kept / lim->ratio > w->o->len) {
			obj_tree_hit(t, OBJ_LIMIT_RATIO, w->o->path);
			w->o->flags |= OBJ_BOMB;
			w->stop = true;
			complete = go_on = false;
			break;
		}
	}
	sink_finish(s, complete);
	g_free(s);
	return go_on;
}

/* ---- passwords (PPAP, password.h) ----
 *
 * libarchive decrypts ZIP (ZipCrypto, WinZip AES); 7z goes to 7-Zip
 * (sevenzip.c), RAR stays closed.  The candidates are tried on a ZIP when
 * its first encrypted entry is met, each on a fresh
 * reader of its own: libarchive given several passphrases takes the first
 * that passes ZipCrypto's one-byte check, which a wrong one does 1 time in
 * 256.  A trial reads the first encrypted entry to its end (or
 * PW_VERIFY_BYTES), so only a password that decrypts and decompresses it
 * with a good CRC counts.  The walk then gets that password through the
 * passphrase callback, once per entry: an entry under another password
 * fails as "Incorrect passphrase" and stays encrypted.
 */
#define PW_VERIFY_BYTES (16u << 20)
#define PW_ASKS_MAX 4

static const char *
pass_cb(struct archive *a, void *arg)
{
	struct walk *w = arg;

	(void)a;
	/* libarchive may ask again for one entry; a wrong password is asked
	 * for in a loop, which this ends */
	if (w->pw == NULL || w->pw_given >= PW_ASKS_MAX)
		return NULL;
	w->pw_given++;
	return w->pw;
}

struct trial {
	const uint8_t *p;
	size_t len;
	unsigned idx;		/* header number (from 1) of the entry to read */
};

static enum pw_verdict
trial_test(void *arg, const char *pw)
{
	const struct trial *tr = arg;
	struct archive *a = ar_new(false);
	enum pw_verdict v = PW_GIVE_UP;
	unsigned n = 0;

	if (archive_read_add_passphrase(a, pw) != ARCHIVE_OK ||
	    archive_read_open_memory(a, tr->p, tr->len) != ARCHIVE_OK)
		goto out;
	for (unsigned retries = 0;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_RETRY && ++retries < RETRY_MAX)
			continue;
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			break;	/* it was read before: damage, not the password */
		if (++n != tr->idx)
			continue;
		uint64_t got = 0;
		v = PW_RIGHT;
		while (got < PW_VERIFY_BYTES) {
			const void *buf;
			size_t sz;
			la_int64_t off;
			r = archive_read_data_block(a, &buf, &sz, &off);
			if (r == ARCHIVE_EOF)
				break;
			/* a warning too: a wrong key that passes ZipCrypto's check
			 * byte can inflate garbage to a short "end" (wrong size) */
			if (r != ARCHIVE_OK) {
				v = unsupported_error(a) ? PW_GIVE_UP : PW_WRONG;
				break;
			}
			got += sz;
		}
		if (v == PW_RIGHT && archive_entry_size_is_set(e) && got < PW_VERIFY_BYTES &&
		    got != (uint64_t)archive_entry_size(e))
			v = PW_WRONG;
		break;
	}
out:
	archive_read_free(a);
	return v;
}

/* Find the password of w->o (once per container); false if none works. */
static bool
find_password(struct walk *w, unsigned idx)
{
	if (w->pw_tried)
		return w->pw != NULL;
	w->pw_tried = true;
	if (w->t->lim == NULL || w->t->lim->passwords == NULL)
		return false;
	/* libarchive decrypts ZIP only: no RAR, and no 7z (sevenzip.c) */
	if ((archive_format(w->a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
		return false;
	struct trial tr = { .p = w->o->data, .len = w->o->len, .idx = idx };
	const struct pw_cand *c = obj_pw_try(w->t, w->o, NULL, 0, trial_test, &tr);
	w->pw = c != NULL ? c->pw : NULL;
	return w->pw != NULL;
}

/*
 * An encrypted 7z that 7-Zip may open (sevenzip.c): libarchive lists it
 * but cannot decrypt it.  Its headers are read (no data) to see whether
 * an entry, or the entry list itself, is encrypted.
 */
static bool
seven_encrypted(struct obj_tree *t, struct mobj *o)
{
	static const uint8_t magic[6] = { '7', 'z', 0xBC, 0xAF, 0x27, 0x1C };
	bool enc = false;

	if (o->len < 32 || memcmp(o->data, magic, 6) != 0 || t->lim == NULL ||
	    t->lim->passwords == NULL || t->lim->passwords->cands->len == 0 ||
	    !sevenzip_usable(t->lim->sevenzip))
		return false;
	struct archive *a = ar_new(false);
	if (archive_read_open_memory(a, o->data, o->len) == ARCHIVE_OK) {
		for (unsigned n = 0; n < 100000 && !enc; n++) {
			struct archive_entry *e;
			int r = archive_read_next_header(a, &e);
			if (r == ARCHIVE_EOF)
				break;
			if (r < ARCHIVE_WARN) {
				enc = archive_read_has_encrypted_entries(a) > 0;
				break;
			}
			enc = archive_entry_is_data_encrypted(e) > 0;
		}
	}
	archive_read_free(a);
	return enc;
}

static bool
passphrase_error(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e != NULL && strstr(e, "assphrase") != NULL;
}

static void
add_entry(struct walk *w, struct archive_entry *e, unsigned idx)
{
	const char *raw = archive_entry_pathname_utf8(e);
	if (raw == NULL)
		raw = archive_entry_pathname(e);
	char *name = w->raw ? stream_child_name(w->o)
	    : raw != NULL && *raw != '\0' ? unpack_clean_name((const uint8_t *)raw, strlen(raw))
	    : g_strdup_printf("entry%u", idx);
	char *path = g_strconcat(w->o->path, "/", name, NULL);
	struct mobj *c = NULL;

	if (w->names_only) {
		/*
		 * Past limits.objects the entries' names are still read (the
		 * next header skips the data: free for ZIP's central directory,
		 * a decompression for tar.gz), as far as stream_bytes allows.
		 */
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
			w->skipped += (uint64_t)archive_entry_size(e);
		if (w->skipped > w->t->lim->stream_bytes) {
			obj_tree_hit(w->t, OBJ_LIMIT_NAMES, w->o->path);
			w->stop = true;
		} else if (!unpack_name_beyond(w->t, name, path)) {
			w->stop = true;
		}
	} else {
		c = unpack_new_object(w->t, w->o,
		    w->raw ? OBJ_FROM_STREAM : OBJ_FROM_ARCHIVE, name, path);
		/* (NULL: the objects limit; the name is listed, and the rest
		 * of the entries are listed by name only) */
		if (c == NULL && !w->raw && w->t->beyond->len < w->t->lim->names)
			w->names_only = true;
		else if (c == NULL)
			w->stop = true;
	}
	g_free(name);
	g_free(path);
	if (c == NULL)
		return;
	bool rar5 = w->rar5 != NULL && raw != NULL && g_hash_table_contains(w->rar5, raw);
	bool decrypt = false;
	if (archive_entry_is_data_encrypted(e) > 0 || rar5) {
		c->cipher = g_strdup(entry_cipher(w, raw));
		if (rar5 || !find_password(w, idx)) {
			c->flags |= OBJ_ENCRYPTED;
			if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
				c->size = (uint64_t)archive_entry_size(e);
			return;
		}
		decrypt = true;
	}
	if (!read_entry(w, c))
		w->stop = true;
	if (decrypt && (c->flags & (OBJ_DAMAGED | OBJ_UNSUPPORTED)) && passphrase_error(w->a)) {
		/* an entry under another password than the one found */
		c->flags = (c->flags & ~(unsigned)(OBJ_DAMAGED | OBJ_TRUNCATED)) | OBJ_ENCRYPTED;
		return;
	}
	if (decrypt) {
		c->flags |= OBJ_DECRYPTED;
		c->password = w->o->password;
	}
	unpack_identify(c);
	if (!w->stop)
		unpack_object(w->t, c);
}

enum walk_result { WALK_OK, WALK_UNRECOGNIZED };

/*
 * libarchive converts entry names to the locale's charset, and in the C
 * locale a UTF-8 name (a Japanese one, say) cannot be converted and is
 * lost.  Unpacking runs in a UTF-8 locale of its own thread (uselocale),
 * which changes nothing for the rest of the process.
 */
static locale_t
utf8_locale(void)
{
	static gsize once;
	static locale_t loc;

	if (g_once_init_enter(&once)) {
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		g_once_init_leave(&once, 1);
	}
	return loc;
}

static enum walk_result
walk(struct obj_tree *t, struct mobj *o, bool raw)
{
	struct walk w = { .t = t, .o = o, .raw = raw, .kept_start = t->kept_bytes };
	enum walk_result res = WALK_OK;
	unsigned idx = 0, retries = 0;
	locale_t loc = utf8_locale(), old = (locale_t)0;

	if (!raw && o->len >= 4 && memcmp(o->data, "PK\3\4", 4) == 0) {
		struct zip_cd cd;
		zip_cd_read(o->data, o->len, &cd);
		w.zip = cd.ciphers;
		if (cd.overlap) {
			obj_tree_hit(t, OBJ_LIMIT_OVERLAP, o->path);
			o->flags |= OBJ_BOMB;
			g_hash_table_unref(w.zip);
			return WALK_OK;
		}
	}
	if (!raw && o->len >= 8 && memcmp(o->data, "Rar!\x1a\x07\x01\x00", 8) == 0)
		w.rar5 = rar5_encrypted_names(o->data, o->len, &w.rar5_headers);
	if (loc != (locale_t)0)
		old = uselocale(loc);
	if (!raw && seven_encrypted(t, o) && sevenzip_unpack(t, o, t->lim->sevenzip)) {
		if (o->container == NULL)
			o->container = g_strdup("7-Zip");
		goto out_7z;
	}
	w.a = ar_new(raw);
	archive_read_set_passphrase_callback(w.a, &w, pass_cb);
	if (archive_read_open_memory(w.a, o->data, o->len) != ARCHIVE_OK) {
		res = WALK_UNRECOGNIZED;
		goto out;
	}
	for (;;) {
		if (t->stopped || w.stop)
			break;
		if (obj_tree_expired(t)) {
			obj_tree_hit(t, OBJ_LIMIT_TIME, o->path);
			break;
		}
		struct archive_entry *e;
		w.pw_given = 0;
		int r = archive_read_next_header(w.a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_RETRY && ++retries < RETRY_MAX)
			continue;
		if (r < ARCHIVE_WARN) {
			if (idx == 0 && (archive_read_has_encrypted_entries(w.a) > 0 ||
			    w.rar5_headers)) {
				o->flags |= OBJ_NAMES_ENCRYPTED;
				g_free(o->cipher);
				o->cipher = g_strdup(entry_cipher(&w, NULL));
			} else if (idx == 0 && archive_format(w.a) == 0) {
				res = WALK_UNRECOGNIZED;
			} else {
				o->flags |= unsupported_error(w.a) ? OBJ_UNSUPPORTED : OBJ_DAMAGED;
			}
			set_error(o, w.a, "unreadable");
			break;
		}
		if (idx == 0 && o->container == NULL)
			o->container = g_strdup(archive_format_name(w.a));
		idx++;
		if (raw && archive_filter_count(w.a) < 2) {
			/* the raw format reads anything: only a real filter counts */
			res = WALK_UNRECOGNIZED;
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		add_entry(&w, e, idx);
	}
out:
	if (w.pw != NULL)
		o->flags |= OBJ_DECRYPTED;
	archive_read_free(w.a);
out_7z:
	if (w.zip != NULL)
		g_hash_table_unref(w.zip);
	if (w.rar5 != NULL)
		g_hash_table_unref(w.rar5);
	if (old != (locale_t)0)
		uselocale(old);
	return res;
}

static bool
is_stream_type(const struct ftype *ft)
{
	static const char *const ids[] = { "gzip", "bzip2", "xz", "lzma", "lzip",
	    "zstd", "lz4", "compress", "uuencode", NULL };

	for (size_t i = 0; ids[i] != NULL; i++)
		if (strcmp(ft->name, ids[i]) == 0)
			return true;
	return false;
}

void
archive_unpack(struct obj_tree *t, struct mobj *o)
{
	enum walk_result r = walk(t, o, false);

	if (r == WALK_UNRECOGNIZED && is_stream_type(o->type)) {
		g_free(o->error);
		o->error = NULL;
		r = walk(t, o, true);
	}
	if (r == WALK_UNRECOGNIZED && o->children->len == 0) {
		o->flags |= OBJ_UNSUPPORTED;
		g_free(o->error);
		o->error = g_strdup_printf("%s: format not supported by the unpacker",
		    o->type->name);
	}
}
