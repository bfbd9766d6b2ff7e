/*
 * feeds.c - the URL feeds index (feeds.h).
 *
 * One arena holds every entry, NUL-terminated; an open-addressing table
 * (linear probing, at most half full) holds each entry's XXH3 hash, its
 * offset in the arena and its feed.  A lookup hashes the key, probes, and
 * compares the string: no allocation.  A host's parent domains are tails
 * of the host string, so the parent walk is pointer arithmetic; libpsl's
 * psl_registrable_domain() (a pointer into the host, no allocation) is
 * asked only when a parent is listed.  The table is larger than the
 * caches: a lookup hashes all its keys (URL, host, parents) first and
 * fetches their slots at once; a blocked Bloom filter of 2 bytes an entry
 * turns most keys not listed away before the table.
 *
 * Files are read in blocks through a bounded line reader (a line longer
 * than the block is skipped, never buffered whole).  A host line of plain
 * ASCII letters, digits, '-' and '_' (no IDN label, nothing an IPv4
 * parser could read as a number) is lower-cased in place; anything else
 * goes through url_parse() ("http://" + line), so every entry is in the
 * normal form url_parse() gives a URL's host.
 */
#include "url/feeds.h"
#include "util/psl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpsl.h>
#include <xxhash.h>

/* The read block, and so the longest line (or CSV row) read. */
#define FEED_BLOCK 65536
/* The keys a lookup tries: the URL, the host and its parents (of a host
 * of more labels, the farthest parents, up to this many keys in all). */
#define FEED_KEYS 16
/* Huge page size (x86-64, arm64 with 4 KiB pages): tables this large
 * or larger are aligned to it and asked for huge pages. */
#define FEED_HUGE ((size_t)2 << 20)
/* The Bloom filter: bits an entry, bits set an entry. */
#define FEED_BLOOM_BITS 16
#define FEED_BLOOM_K 4
/* The arena's offsets are 32 bits. */
#define FEED_ARENA_MAX ((size_t)UINT32_MAX)

struct slot {
	uint64_t hash;
	uint32_t off;		/* in the arena */
	uint32_t feed;		/* index + 1; 0: an empty slot */
};

struct feed {
	char *name;
	char *path;
	/* the file as loaded, for url_feeds_changed() */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	size_t entries;		/* new entries this feed added */
	size_t dups;		/* lines whose entry was already indexed */
	size_t skipped;
	size_t first_skip;	/* line number of the first skipped line */
	bool csv;
};

struct url_feeds {
	struct feed *feeds;
	size_t nfeeds;
	char *arena;
	size_t alen, acap;
	struct slot *tab;
	size_t cap;		/* a power of two */
	size_t used;
	/* a blocked Bloom filter of the entries' hashes (FEED_BLOOM_BITS
	 * bits an entry, FEED_BLOOM_K bits set in one 64-byte block an
	 * entry): small enough for the caches, it answers most lookups of
	 * keys not listed without touching the table */
	uint64_t *bloom;
	size_t bloom_mask;	/* blocks - 1 */
	bool full;		/* the arena or the table could not grow */
	const psl_ctx_t *psl;
};

/* --- the table ------------------------------------------------------------- */

/* the block of hash h and the K bits in it: the block from bits 32.., the
 * bits from the high bits of another mix of h (the table uses the low) */
static inline const uint64_t *
bloom_block(const uint64_t *bloom, size_t mask, uint64_t h)
{
	return bloom + ((size_t)(h >> 32) & mask) * 8;
}

static inline uint64_t
bloom_mix(uint64_t h)
{
	return (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
}

static void
bloom_build(struct url_feeds *f)
{
	size_t bits = 512;
	while (bits < f->used * FEED_BLOOM_BITS && bits < ((size_t)1 << 40))
		bits *= 2;
	size_t blocks = bits / 512;
	void *p = NULL;
	if (posix_memalign(&p, 64, blocks * 64) != 0)
		return;	/* no filter: every lookup probes the table */
	memset(p, 0, blocks * 64);
	f->bloom = p;
	f->bloom_mask = blocks - 1;
	for (size_t i = 0; i < f->cap; i++) {
		if (f->tab[i].feed == 0)
			continue;
		uint64_t h = f->tab[i].hash, g = bloom_mix(h);
		uint64_t *b = f->bloom + ((size_t)(h >> 32) & f->bloom_mask) * 8;
		for (int k = 0; k < FEED_BLOOM_K; k++) {
			unsigned bit = (unsigned)(g >> (64 - 9 * (k + 1))) & 511;
			b[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
	}
}

/* whether hash h may be in the table */
static inline bool
bloom_may(const struct url_feeds *f, uint64_t h)
{
	if (f->bloom == NULL)
		return true;
	const uint64_t *b = bloom_block(f->bloom, f->bloom_mask, h);
	uint64_t g = bloom_mix(h);
	for (int k = 0; k < FEED_BLOOM_K; k++) {
		unsigned bit = (unsigned)(g >> (64 - 9 * (k + 1))) & 511;
		if ((b[bit / 64] & ((uint64_t)1 << (bit % 64))) == 0)
			return false;
	}
	return true;
}

/* key[0..len) of hash h in the table, or NULL */
static const struct slot *
lookup_h(const struct url_feeds *f, const char *key, size_t len, uint64_t h)
{
	size_t mask = f->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		const struct slot *s = &f->tab[i];
		if (s->feed == 0)
			return NULL;
		if (s->hash == h && strncmp(f->arena + s->off, key, len) == 0 &&
		    f->arena[s->off + len] == '\0')
			return s;
	}
}

/*
 * A zeroed table of n slots.  A large one on transparent huge pages
 * where the system gives them on request: a lookup's probe is a cache
 * miss anyway, but not a TLB miss too (page walks over 4 KiB pages of a
 * table of tens of MB cost as much as the miss).
 */
static struct slot *
table_alloc(size_t n)
{
	size_t bytes = n * sizeof(struct slot);
	if (bytes < FEED_HUGE)
		return g_try_new0(struct slot, n);
	void *p = NULL;
	if (posix_memalign(&p, FEED_HUGE, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	memset(p, 0, bytes);
	return p;
}

static bool
grow_table(struct url_feeds *f)
{
	size_t ncap = f->cap == 0 ? 1024 : f->cap * 2;
	if (ncap > SIZE_MAX / sizeof(struct slot))
		return false;
	struct slot *nt = table_alloc(ncap);
	if (nt == NULL)
		return false;
	size_t mask = ncap - 1;
	for (size_t i = 0; i < f->cap; i++) {
		const struct slot *s = &f->tab[i];
		if (s->feed == 0)
			continue;
		size_t j = (size_t)s->hash & mask;
		while (nt[j].feed != 0)
			j = (j + 1) & mask;
		nt[j] = *s;
	}
	g_free(f->tab);
	f->tab = nt;
	f->cap = ncap;
	return true;
}

enum add_result { ADD_NEW, ADD_DUP, ADD_FULL };

static enum add_result
add_key(struct url_feeds *f, size_t fi, const char *key, size_t len)
{
	if ((f->used + 1) * 2 > f->cap && !grow_table(f))
		return ADD_FULL;
	uint64_t h = XXH3_64bits(key, len);
	size_t mask = f->cap - 1, i = (size_t)h & mask;
	for (;; i = (i + 1) & mask) {
		struct slot *s = &f->tab[i];
		if (s->feed == 0)
			break;
		if (s->hash == h && strncmp(f->arena + s->off, key, len) == 0 &&
		    f->arena[s->off + len] == '\0')
			return ADD_DUP;
	}
	if (len + 1 > FEED_ARENA_MAX - f->alen)
		return ADD_FULL;
	if (f->alen + len + 1 > f->acap) {
		size_t ncap = f->acap == 0 ? 1u << 20 : f->acap;
		while (ncap < f->alen + len + 1)
			ncap *= 2;
		if (ncap > FEED_ARENA_MAX)
			ncap = FEED_ARENA_MAX;
		char *na = g_try_realloc(f->arena, ncap);
		if (na == NULL)
			return ADD_FULL;
		f->arena = na;
		f->acap = ncap;
	}
	memcpy(f->arena + f->alen, key, len);
	f->arena[f->alen + len] = '\0';
	f->tab[i] = (struct slot){ .hash = h, .off = (uint32_t)f->alen, .feed = (uint32_t)fi + 1 };
	f->alen += len + 1;
	f->used++;
	return ADD_NEW;
}

/* Index key[0..len) (no NUL inside) for feed fi. */
static enum add_result
add(struct url_feeds *f, size_t fi, const char *key, size_t len)
{
	enum add_result r = add_key(f, fi, key, len);
	if (r == ADD_FULL)
		f->full = true;
	return r;
}

/* --- entries --------------------------------------------------------------- */

static bool
is_hex_ip_char(char c)
{
	return g_ascii_isxdigit(c) || c == '.' || c == 'x' || c == 'X';
}

/*
 * Whether url_parse("http://" s) would give s lower-cased as its host,
 * with no other change: letters, digits, '-', '_' and single dots between
 * labels; no "xn--" label (IDNA); and some character no IPv4 notation
 * has (inet_aton's forms are hex digits, 'x' and dots only).
 */
static bool
plain_host(const char *s, size_t n)
{
	if (n == 0 || n > 253 || !g_ascii_isalnum(s[0]) || s[n - 1] == '.')
		return false;
	bool ip_like = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return false;
			if (g_ascii_strncasecmp(s + i + 1, "xn--", 4) == 0)
				return false;
		} else if (!g_ascii_isalnum(c) && c != '-' && c != '_') {
			return false;
		}
		if (!is_hex_ip_char(c))
			ip_like = false;
	}
	if (ip_like || g_ascii_strncasecmp(s, "xn--", 4) == 0)
		return false;
	return true;
}

/* A host entry s[0..n) (NUL-terminated at n, may be rewritten in place):
 * false when it is no host alone. */
static bool
add_host(struct url_feeds *f, size_t fi, char *s, size_t n, enum add_result *r)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	} else if (n >= 1 && s[0] == '.') {
		s++;
		n--;
	}
	if (n == 0 || n > URL_MAX - 16)
		return false;
	if (plain_host(s, n)) {
		for (size_t i = 0; i < n; i++)
			s[i] = g_ascii_tolower(s[i]);
		*r = add(f, fi, s, n);
		return true;
	}
	/* a host alone: no path, query, fragment, userinfo or port; an IPv6
	 * address may come without its brackets */
	bool v6 = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/' && i + 1 < n)
			return false;
		if (c == '?' || c == '#' || c == '@' || c == '\\' || c <= ' ' || c == 0x7f)
			return false;
		if (c == ':')
			v6 = true;
	}
	char buf[URL_MAX];
	if (v6) {
		struct in6_addr a6;
		const char *in = s;
		size_t m = n;
		if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
			in = s + 1;
			m = n - 2;
		}
		if (m >= INET6_ADDRSTRLEN)
			return false;
		char tmp[INET6_ADDRSTRLEN];
		memcpy(tmp, in, m);
		tmp[m] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return false;
		snprintf(buf, sizeof buf, "http://[%s]/", tmp);
	} else {
		snprintf(buf, sizeof buf, "http://%.*s", (int)n, s);
	}
	struct url *u = url_parse(buf, strlen(buf));
	bool ok = u != NULL && u->host != NULL && u->host[0] != '\0' &&
	    u->host_kind != URL_HOST_NONE && u->userinfo == NULL && u->port < 0 &&
	    u->path != NULL && strcmp(u->path, "/") == 0;
	if (ok)
		*r = add(f, fi, u->host, strlen(u->host));
	url_free(u);
	return ok;
}

/* A URL entry s[0..n) (no NUL inside). */
static bool
add_url(struct url_feeds *f, size_t fi, const char *s, size_t n, enum add_result *r)
{
	if (n > URL_MAX)
		return false;
	struct url *u = url_parse(s, n);
	bool ok = u != NULL && u->norm != NULL && u->norm[0] != '\0' &&
	    strlen(u->norm) < URL_MAX;
	if (ok)
		*r = add(f, fi, u->norm, strlen(u->norm));
	url_free(u);
	return ok;
}

/* --- CSV (RFC 4180) -------------------------------------------------------- */

enum csv_status { CSV_OK, CSV_SHORT, CSV_OPEN, CSV_BAD };

/*
 * Field col (0-based) of the row s[0..n), unquoted, into out (at most
 * max bytes).  The whole row is read: CSV_OPEN when a quoted field runs
 * past the end (the row goes on on the next line); CSV_SHORT: fewer
 * fields; CSV_BAD: a quote inside an unquoted field, text after a
 * closing quote, or the field over max.
 */
static enum csv_status
csv_field(const char *s, size_t n, size_t col, GString *out, size_t max)
{
	size_t i = 0, c = 0;
	g_string_truncate(out, 0);
	for (;;) {
		bool want = c == col;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return CSV_OPEN;
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						if (want && out->len <= max)
							g_string_append_c(out, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (want && out->len <= max)
					g_string_append_c(out, s[i]);
				i++;
			}
			if (i < n && s[i] != ',')
				return CSV_BAD;
		} else {
			size_t b = i;
			while (i < n && s[i] != ',') {
				if (s[i] == '"')
					return CSV_BAD;
				i++;
			}
			if (want)
				g_string_append_len(out, s + b, (gssize)MIN(i - b, max + 1));
		}
		if (i >= n)
			break;
		i++;	/* the comma */
		c++;
	}
	if (c < col)
		return CSV_SHORT;
	return out->len > max ? CSV_BAD : CSV_OK;
}

/* URLhaus's header comment "# id,dateadded,url,url_status,...": the url
 * column, or -1 when the comment is no such header. */
static int
urlhaus_header(const char *s, size_t n)
{
	size_t i = 1;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < 13 || g_ascii_strncasecmp(s + i, "id,dateadded,", 13) != 0)
		return -1;
	int col = 0;
	while (i < n) {
		size_t b = i;
		while (i < n && s[i] != ',')
			i++;
		size_t e = i;
		while (b < e && s[b] == ' ')
			b++;
		while (e > b && s[e - 1] == ' ')
			e--;
		if (e - b == 3 && g_ascii_strncasecmp(s + b, "url", 3) == 0)
			return col;
		if (col++ > 64)
			break;
		i++;
	}
	return -1;
}

/* --- reading --------------------------------------------------------------- */

struct reader {
	int fd;
	char *buf;		/* FEED_BLOCK + 1 */
	size_t start, end;
	bool eof;
	int err;		/* errno of a failed read */
};

/*
 * The next line (without its '\n', NUL-terminated in the buffer), or
 * false at the end or on a read error.  *toolong: the line did not fit in
 * a block; it was skipped (*len is 0).
 */
static bool
read_line(struct reader *r, char **line, size_t *len, bool *toolong)
{
	*toolong = false;
	for (;;) {
		char *nl = r->start < r->end ? memchr(r->buf + r->start, '\n', r->end - r->start) :
		    NULL;
		if (nl != NULL) {
			*nl = '\0';
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = (size_t)(nl - r->buf) + 1;
			if (*toolong)
				*len = 0;
			return true;
		}
		if (r->eof) {
			if (r->start >= r->end && !*toolong)
				return false;
			r->buf[r->end] = '\0';
			*line = r->buf + r->start;
			*len = *toolong ? 0 : r->end - r->start;
			r->start = r->end;
			return true;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == FEED_BLOCK) {
			/* no newline in a whole block: drop it, skip to the next */
			*toolong = true;
			r->start = r->end = 0;
		}
		ssize_t k = read(r->fd, r->buf + r->end, FEED_BLOCK - r->end);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r->err = errno;
			return false;
		}
		if (k == 0)
			r->eof = true;
		r->end += (size_t)k;
	}
}

static void
skip(struct feed *fd, size_t lineno)
{
	if (fd->skipped++ == 0)
		fd->first_skip = lineno;
}

/* r by pointer: read after ok's add_*() call has set it */
static void
count(struct feed *fd, size_t lineno, bool ok, const enum add_result *r)
{
	if (!ok)
		skip(fd, lineno);
	else if (*r == ADD_NEW)
		fd->entries++;
	else if (*r == ADD_DUP)
		fd->dups++;
}

/* hosts-file names that are no blocklist entry ("127.0.0.1 localhost") */
static bool
hosts_file_noise(const char *s, size_t n)
{
	static const char *const names[] = {
		"localhost", "localhost.localdomain", "local", "broadcasthost",
		"ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix",
		"ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0", NULL
	};
	for (size_t i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && g_ascii_strncasecmp(s, names[i], n) == 0)
			return true;
	return false;
}

/* One line of a plain list, s[0..n) NUL-terminated, blanks trimmed. */
static void
plain_line(struct url_feeds *f, size_t fi, char *s, size_t n, size_t lineno)
{
	struct feed *fd = &f->feeds[fi];
	enum add_result r = ADD_NEW;
	/* a comment after blanks */
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			n = i;
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			s[n] = '\0';
			break;
		}
	}
	if (strstr(s, "://") != NULL) {
		count(fd, lineno, add_url(f, fi, s, n, &r), &r);
		return;
	}
	/* a hosts file: "0.0.0.0 host" */
	size_t t = 0;
	while (t < n && s[t] != ' ' && s[t] != '\t')
		t++;
	if (t < n) {
		bool addr = (t == 7 && memcmp(s, "0.0.0.0", 7) == 0) ||
		    (t == 9 && memcmp(s, "127.0.0.1", 9) == 0) ||
		    (t == 2 && memcmp(s, "::", 2) == 0) || (t == 3 && memcmp(s, "::1", 3) == 0);
		size_t h = t;
		while (h < n && (s[h] == ' ' || s[h] == '\t'))
			h++;
		size_t e = h;
		while (e < n && s[e] != ' ' && s[e] != '\t')
			e++;
		if (!addr || e != n) {
			skip(fd, lineno);
			return;
		}
		if (hosts_file_noise(s + h, n - h))
			return;
		s += h;
		n -= h;
	}
	count(fd, lineno, add_host(f, fi, s, n, &r), &r);
}

/* One CSV row: the URL (or host) in column col. */
static void
csv_row(struct url_feeds *f, size_t fi, const GString *field, size_t lineno)
{
	struct feed *fd = &f->feeds[fi];
	enum add_result r = ADD_NEW;
	const char *s = field->str;
	size_t n = field->len;
	while (n > 0 && g_ascii_isspace(*s)) {
		s++;
		n--;
	}
	while (n > 0 && g_ascii_isspace(s[n - 1]))
		n--;
	if (n == 0 || memchr(s, '\0', n) != NULL) {
		skip(fd, lineno);
		return;
	}
	if (g_strstr_len(s, (gssize)n, "://") != NULL) {
		count(fd, lineno, add_url(f, fi, s, n, &r), &r);
		return;
	}
	char *h = g_strndup(s, n);
	count(fd, lineno, add_host(f, fi, h, n, &r), &r);
	g_free(h);
}

static bool
load_file(struct url_feeds *f, size_t fi, char *err, size_t errlen)
{
	struct feed *fd = &f->feeds[fi];
	int fdn = open(fd->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fdn < 0) {
		snprintf(err, errlen, "feed %s: %s: %s", fd->name, fd->path, g_strerror(errno));
		return false;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fdn, &st) != 0)
		why = g_strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = "a directory";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why != NULL) {
		snprintf(err, errlen, "feed %s: %s: %s", fd->name, fd->path, why);
		close(fdn);
		return false;
	}
	fd->dev = st.st_dev;
	fd->ino = st.st_ino;
	fd->size = st.st_size;
	fd->mtime = st.st_mtim;

	struct reader r = { .fd = fdn, .buf = g_malloc(FEED_BLOCK + 1) };
	GString *field = g_string_sized_new(256);
	GString *row = g_string_new(NULL);	/* a CSV row over several lines */
	size_t row_line = 0;
	int url_col = 2;
	bool data_seen = false;
	char *s;
	size_t n, lineno = 0;
	bool toolong;
	while (!f->full && read_line(&r, &s, &n, &toolong)) {
		lineno++;
		if (n > 0 && s[n - 1] == '\r')
			s[--n] = '\0';
		if (toolong) {
			skip(fd, lineno);
			if (row->len > 0) {
				skip(fd, row_line);
				g_string_truncate(row, 0);
			}
			continue;
		}
		if (fd->csv && row->len > 0) {
			/* the rest of a quoted field that went over the line */
			g_string_append_c(row, '\n');
			g_string_append_len(row, s, (gssize)n);
			enum csv_status cs = csv_field(row->str, row->len, (size_t)url_col, field,
			    URL_MAX);
			if (cs == CSV_OPEN && row->len < FEED_BLOCK)
				continue;
			if (cs == CSV_OK)
				csv_row(f, fi, field, row_line);
			else
				skip(fd, row_line);
			g_string_truncate(row, 0);
			continue;
		}
		while (n > 0 && (g_ascii_isspace(s[n - 1]) || s[n - 1] == '\0'))
			s[--n] = '\0';
		while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
			s++;
			n--;
		}
		if (n == 0)
			continue;
		if (s[0] == '#') {
			int col;
			if (!data_seen && (col = urlhaus_header(s, n)) >= 0) {
				fd->csv = true;
				url_col = col;
			}
			continue;
		}
		if (!data_seen && s[0] == '"')
			fd->csv = true;
		data_seen = true;
		if (memchr(s, '\0', n) != NULL) {
			skip(fd, lineno);
			continue;
		}
		if (fd->csv) {
			enum csv_status cs = csv_field(s, n, (size_t)url_col, field, URL_MAX);
			if (cs == CSV_OPEN) {
				g_string_assign(row, "");
				g_string_append_len(row, s, (gssize)n);
				row_line = lineno;
			} else if (cs == CSV_OK) {
				csv_row(f, fi, field, lineno);
			} else {
				skip(fd, lineno);
			}
			continue;
		}
		if (n > URL_MAX) {
			skip(fd, lineno);
			continue;
		}
		plain_line(f, fi, s, n, lineno);
	}
	if (row->len > 0)
		skip(fd, row_line);	/* a quoted field never closed */
	g_string_free(row, TRUE);
	g_string_free(field, TRUE);
	g_free(r.buf);
	close(fdn);
	if (r.err != 0) {
		snprintf(err, errlen, "feed %s: %s: %s", fd->name, fd->path, g_strerror(r.err));
		return false;
	}
	if (f->full) {
		snprintf(err, errlen, "feed %s: %s: the index is full (%zu bytes of entries at most)",
		    fd->name, fd->path, FEED_ARENA_MAX);
		return false;
	}
	return true;
}

/* --- the interface --------------------------------------------------------- */

struct url_feeds *
url_feeds_load(const struct url_feed_spec *specs, size_t n, char *err, size_t errlen)
{
	struct url_feeds *f = g_new0(struct url_feeds, 1);
	f->feeds = g_new0(struct feed, n > 0 ? n : 1);
	f->nfeeds = n;
	for (size_t i = 0; i < n; i++) {
		f->feeds[i].name = g_strdup(specs[i].name != NULL ? specs[i].name : "");
		f->feeds[i].path = g_strdup(specs[i].path != NULL ? specs[i].path : "");
	}
	f->psl = mamori_psl();
	for (size_t i = 0; i < n; i++) {
		if (!load_file(f, i, err, errlen)) {
			url_feeds_free(f);
			return NULL;
		}
	}
	bloom_build(f);
	/* the arena to its size */
	if (f->alen > 0 && f->alen < f->acap) {
		f->arena = g_realloc(f->arena, f->alen);
		f->acap = f->alen;
	}
	return f;
}

void
url_feeds_free(struct url_feeds *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nfeeds; i++) {
		g_free(f->feeds[i].name);
		g_free(f->feeds[i].path);
	}
	g_free(f->feeds);
	g_free(f->arena);
	g_free(f->tab);
	free(f->bloom);
	g_free(f);
}

static const char *
hit(const struct url_feeds *f, const struct slot *s, const char **entry)
{
	if (entry != NULL)
		*entry = f->arena + s->off;
	return f->feeds[s->feed - 1].name;
}

const char *
url_feeds_match(const struct url_feeds *f, const struct url *u, const char **entry)
{
	if (entry != NULL)
		*entry = NULL;
	if (f == NULL || u == NULL || f->used == 0)
		return NULL;
	/*
	 * The keys: the URL, the host, its parents but the last label (never
	 * a registrable domain).  Their slots are fetched from memory all at
	 * once (the table is larger than the caches: one miss each, in
	 * parallel rather than one after the other), then probed in order.
	 */
	const char *key[FEED_KEYS];
	size_t len[FEED_KEYS], nk = 0, nparent = 0;
	uint64_t h[FEED_KEYS];
	if (u->norm != NULL && u->norm[0] != '\0') {
		key[nk] = u->norm;
		len[nk++] = strlen(u->norm);
	}
	const char *host = u->host;
	size_t hl = host != NULL ? strlen(host) : 0;
	if (hl > 0) {
		key[nk] = host;
		len[nk++] = hl;
		/* parents: of a name (not of one ending in a number, no TLD is:
		 * "1.192.0.2.1" is not under the IP entry "192.0.2.1") */
		const char *last = strrchr(host, '.');
		bool numeric = last != NULL && last[1] != '\0';
		for (const char *p = last != NULL ? last + 1 : ""; *p != '\0' && numeric; p++)
			numeric = g_ascii_isdigit(*p);
		if (u->host_kind == URL_HOST_NAME && !numeric) {
			/* with more labels than keys, the nearest parents are
			 * left out: the registrable domain is among the farthest */
			size_t dots = 0;
			for (const char *p = host; (p = strchr(p, '.')) != NULL; p++)
				dots++;
			size_t room = FEED_KEYS - nk, drop = dots > room + 1 ? dots - 1 - room : 0;
			for (const char *p = strchr(host, '.'); p != NULL; p = strchr(p + 1, '.')) {
				if (strchr(p + 1, '.') == NULL)
					break;
				if (drop > 0) {
					drop--;
					continue;
				}
				if (nk == FEED_KEYS)
					break;
				key[nk] = p + 1;
				len[nk++] = hl - (size_t)(p + 1 - host);
				nparent++;
			}
		}
	}
	size_t mask = f->cap - 1;
	bool may[FEED_KEYS];
	for (size_t i = 0; i < nk; i++) {
		h[i] = XXH3_64bits(key[i], len[i]);
		if (f->bloom != NULL)
			__builtin_prefetch(bloom_block(f->bloom, f->bloom_mask, h[i]));
	}
	for (size_t i = 0; i < nk; i++) {
		may[i] = bloom_may(f, h[i]);
		if (may[i])
			__builtin_prefetch(&f->tab[(size_t)h[i] & mask]);
	}
	const struct slot *s;
	size_t first_parent = nk - nparent;
	for (size_t i = 0; i < nk; i++) {
		if (!may[i] || (s = lookup_h(f, key[i], len[i], h[i])) == NULL)
			continue;
		if (i < first_parent)
			return hit(f, s, entry);
		/* a parent domain: libpsl is asked only now.  It counts when
		 * it is the registrable domain or below it (never a public
		 * suffix; nothing when the host is one, or a name libpsl does
		 * not register); a farther one never would. */
		const char *reg = psl_registrable_domain(f->psl, host);
		if (reg == NULL || len[i] < strlen(reg))
			return NULL;
		return hit(f, s, entry);
	}
	return NULL;
}

size_t
url_feeds_count(const struct url_feeds *f)
{
	return f != NULL ? f->used : 0;
}

char *
url_feeds_summary(const struct url_feeds *f)
{
	GString *g = g_string_new(NULL);
	if (f == NULL)
		return g_string_free(g, FALSE);
	for (size_t i = 0; i < f->nfeeds; i++) {
		const struct feed *fd = &f->feeds[i];
		g_string_append_printf(g, "feed %s: %s: %zu entries (%zu duplicates), format %s",
		    fd->name, fd->path, fd->entries, fd->dups, fd->csv ? "urlhaus-csv" : "plain");
		if (fd->skipped > 0)
			g_string_append_printf(g, "; %zu lines skipped, first at line %zu",
			    fd->skipped, fd->first_skip);
		g_string_append_c(g, '\n');
	}
	g_string_append_printf(g, "feeds: %zu entries, %zu KiB\n", f->used,
	    (f->acap + f->cap * sizeof(struct slot) + (f->bloom != NULL ?
	    (f->bloom_mask + 1) * 64 : 0)) / 1024);
	return g_string_free(g, FALSE);
}

bool
url_feeds_changed(const struct url_feeds *f)
{
	if (f == NULL)
		return false;
	for (size_t i = 0; i < f->nfeeds; i++) {
		const struct feed *fd = &f->feeds[i];
		struct stat st;
		if (stat(fd->path, &st) != 0)
			return true;
		if (st.st_dev != fd->dev || st.st_ino != fd->ino || st.st_size != fd->size ||
		    st.st_mtim.tv_sec != fd->mtime.tv_sec || st.st_mtim.tv_nsec != fd->mtime.tv_nsec)
			return true;
	}
	return false;
}
