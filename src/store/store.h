/*
 * store.h - the store: mamori's durable state (DESIGN.md, "Storage and
 * scale").  One interface; this release has the SQLite backend in the
 * state directory (sqlite.c).  Thread-safe: the milter and the HTTP server
 * call it from many threads.
 *
 * Quarantine: a message is kept as a file, written atomically (temporary
 * file, fsync, rename, fsync of the directory) BEFORE its row is committed
 * and BEFORE the MTA is told anything, so a crash at any point leaves
 * either nothing the MTA thinks is stored, or a file and its row.  The row
 * carries the envelope, the JSON report, the reason and the expiry.
 */
#ifndef MAMORI_STORE_STORE_H
#define MAMORI_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mamori/mamori.h"

struct mamori_store;

/* Open (creating if needed) the store in state_dir: state_dir/mamori.db
 * (WAL, schema versioned and migrated), state_dir/quarantine/.  NULL on
 * error, with err filled. */
struct mamori_store *store_open(const char *state_dir, char *err, size_t errlen);
void store_close(struct mamori_store *st);

enum q_state { Q_QUARANTINED, Q_RELEASED, Q_DELETED };
const char *q_state_name(enum q_state s);

struct q_entry {
	char id[40];		/* random, URL-safe */
	gint64 created;		/* Unix seconds */
	gint64 expires;
	enum q_state state;
	char *reason;		/* e.g. "quarantine: score 12.0 (DANGEROUS_FILE_TYPE, ...)" */
	char *action;		/* the scan's action name */
	double score;
	char *client_ip, *helo, *mail_from, *queue_id;	/* may be NULL */
	GPtrArray *rcpts;	/* char * */
	char *subject, *from;	/* header From/Subject (decoded), may be NULL */
	uint64_t size;
	char *report;		/* the JSON report */
};
void q_entry_free(struct q_entry *e);

struct jsonw;
/* An entry as a JSON object (written into w), with its report or not. */
void q_entry_json(struct jsonw *w, const struct q_entry *e, bool with_report);

/* Store a message in quarantine: the file is durable when this returns
 * true.  id receives the new id. */
bool store_quarantine_put(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 expires, char id[40], char *err, size_t errlen);

struct q_filter {
	enum q_state *state;	/* NULL: any */
	gint64 since, until;	/* 0: unbounded */
	const char *rcpt;	/* substring match, NULL: any */
	const char *from;	/* envelope sender substring, NULL: any */
	unsigned limit, offset;	/* limit 0: 100 */
};
/* Entries matching f, newest first (struct q_entry *, free with the
 * array). */
GPtrArray *store_quarantine_list(struct mamori_store *st, const struct q_filter *f);
struct q_entry *store_quarantine_get(struct mamori_store *st, const char *id);
/* The stored message (g_free it), or NULL. */
uint8_t *store_quarantine_raw(struct mamori_store *st, const char *id, size_t *len);
bool store_quarantine_set_state(struct mamori_store *st, const char *id, enum q_state s);
/* Delete files and rows that expired before now; returns how many. */
unsigned store_quarantine_purge(struct mamori_store *st, gint64 now);

/* Additions (sqlite.c). */
/* store_quarantine_put() with the header Subject and From (decoded, may be
 * NULL) the caller knows, kept for listings. */
bool store_quarantine_put_hdr(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 expires, const char *subject, const char *from,
    char id[40], char *err, size_t errlen);
/* "quarantined", "released", "deleted" -> *out; false if none. */
bool q_state_parse(const char *name, enum q_state *out);
/* Whether id has the form of a quarantine id (32 lower-case hex digits). */
bool store_id_valid(const char *id);
/* The state directory the store was opened in. */
const char *store_dir(const struct mamori_store *st);

#endif
