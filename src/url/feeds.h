/*
 * feeds.h - the URL feeds (urls.feeds in the config): files of hosts and
 * URLs loaded into one immutable index, shared read-only by every scan
 * thread, asked for each URL of a message.
 *
 * A feed file holds, one a line ('#' comments, blank lines, CRLF, a
 * comment after blanks "host  # why"):
 *   - a URL (the line has "://"): url_parse()d, indexed by its normal
 *     form (url.norm);
 *   - a host: normalised as url_parse() normalises a URL's host (IDNA,
 *     lower case, trailing dots, IPv4 in any notation; an IPv6 address
 *     with or without brackets); a leading "*." or "." is dropped (the
 *     entry matches the subdomains anyway); a hosts-file line
 *     "0.0.0.0 host" or "127.0.0.1 host" is the host;
 *   - or the file is URLhaus's CSV export (detected by its "# id,dateadded,
 *     url,..." header comment, or a first row of quoted fields): the URL
 *     is the header's "url" column (the 3rd), RFC 4180 quoting.
 * A line that is none of these (a host with a path or port, spaces, NULs,
 * longer than URL_MAX, a URL url_parse() refuses) is counted, not fatal.
 *
 * The index: the strings in one arena, an open-addressing table of their
 * XXH3 hashes and offsets; a lookup allocates nothing.
 */
#ifndef MAMORI_URL_FEEDS_H
#define MAMORI_URL_FEEDS_H

#include <stdbool.h>
#include <stddef.h>

#include "url/url.h"

struct url_feed_spec {
	const char *name;
	const char *path;
};

/* immutable once built: shared read-only by every scan thread */
struct url_feeds;

/*
 * Load every feed; NULL with err ("feed NAME: PATH: why") when a file
 * cannot be read.  An entry listed by two feeds belongs to the first.
 */
struct url_feeds *url_feeds_load(const struct url_feed_spec *specs, size_t n, char *err,
    size_t errlen);
void url_feeds_free(struct url_feeds *f);

/*
 * The feed listing u: by u->norm (URL entries) or by u->host or a parent
 * domain of it up to the registrable domain (host entries; "co.jp" never
 * matches all of .co.jp; an IP host matches its exact entry only).  The
 * first match (the URL, then the host, then its parents from the nearest)
 * gives its feed's name (borrowed from f) and, in *entry (may be NULL),
 * the entry that matched (borrowed); NULL when no feed lists u.
 */
const char *url_feeds_match(const struct url_feeds *f, const struct url *u, const char **entry);

/* The entries of all feeds (each counted once). */
size_t url_feeds_count(const struct url_feeds *f);

/*
 * For check-config and the report, one line a feed (g_malloc'd):
 * "feed NAME: PATH: N entries (D duplicates), format plain|urlhaus-csv"
 * and, when lines were skipped, "; S lines skipped, first at line L".
 */
char *url_feeds_summary(const struct url_feeds *f);

/* Whether any file changed (mtime, size, inode, or gone) since the load:
 * for reloading without restart. */
bool url_feeds_changed(const struct url_feeds *f);

#endif
