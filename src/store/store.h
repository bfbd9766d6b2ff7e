/*
 * store.h - the store: mamori's durable state (DESIGN.md, "Storage and
 * scale").  One interface, include/mamori/store.h (struct mamori_store and
 * its table of operations); this header adds the quarantine and PPAP-hold
 * part of it (struct mamori_quarantine_ops, reached as ops->quarantine)
 * and the functions the front ends and daemons call, each of which only
 * dispatches through the table (store.c).  store_open() is the one place
 * that chooses a backend: this release has SQLite in the state directory
 * (sqlite.c).  Thread-safe: the milter and the HTTP server call it from
 * many threads.
 *
 * Quarantine: a message is kept as a file, written atomically (temporary
 * file, fsync, rename, fsync of the directory) BEFORE its row is committed
 * and BEFORE the MTA is told anything, so a crash at any point leaves
 * either nothing the MTA thinks is stored, or a file and its row.  The row
 * carries the envelope, the JSON report, the reason and the expiry.
 *
 * Holds (PPAP): a message whose encrypted attachment could not be opened
 * is stored the same way in state Q_HELD until hold_until, waiting for a
 * second mail with the password from the same sender to (some of) the
 * same recipients; store_hold_match() finds it, store_hold_due() lists
 * the holds whose window ended, and store_hold_resolve() moves a hold out
 * of Q_HELD exactly once.
 *
 * Release and delete are transitions of the row, each one conditional
 * UPDATE, so they hold across threads and processes (the milter, `mamori
 * serve`, any number of `mamori quarantine`): store_release_claim() moves
 * an entry from Q_QUARANTINED or Q_HELD to Q_RELEASING (the caller that
 * gets Q_CLAIM_OK is the only one that may send it), then
 * store_release_finish() to Q_RELEASED (or Q_QUARANTINED / Q_EXPIRED for
 * the PPAP paths) or store_release_abort() back to where it was.  A
 * delete is refused while Q_RELEASING and after Q_RELEASED.  A process
 * that dies mid-release leaves the entry Q_RELEASING with the time of its
 * claim: store_release_reset() is the operator's decision.
 *
 * Database files are created 0600; temporary files of puts that a kill
 * interrupted (quarantine/.tmp-*) are removed at open and by
 * store_clean_tmp().  With a dedup window (store_set_dedup_window) a put
 * of a message already stored (a retry by the MTA after a crash between
 * the commit and its answer) returns the existing entry.
 */
#ifndef MAMORI_STORE_STORE_H
#define MAMORI_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mamori/mamori.h"
#include "mamori/store.h"

/* Open (creating if needed) the store of state_dir: today the SQLite
 * backend (store_sqlite_open, sqlite.h): state_dir/mamori.db (WAL, schema
 * versioned and migrated; it and its -wal and -shm 0600),
 * state_dir/quarantine/.  NULL on error, with err filled. */
struct mamori_store *store_open(const char *state_dir, char *err, size_t errlen);
/* mamori_store_close(): NULL is accepted. */
void store_close(struct mamori_store *st);

/* Stored as integers: append only, never renumber.  Q_HELD: waiting for a
 * password (PPAP); Q_EXPIRED: a hold whose window ended, the expiry policy
 * applied; Q_RELEASING: claimed by a release that is sending it (or that
 * died while sending it: see store_release_reset). */
enum q_state { Q_QUARANTINED, Q_RELEASED, Q_DELETED, Q_HELD, Q_EXPIRED, Q_RELEASING };
#define Q_STATE_LAST Q_RELEASING
const char *q_state_name(enum q_state s);
/* "quarantined, released, deleted, held, expired or releasing": every
 * state, for messages. */
const char *q_state_names(void);

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
	/* holds (store_hold_put); 0 and NULL for an entry never held */
	gint64 hold_until;	/* Unix seconds: the end of the matching window */
	char *subject_key;	/* the caller's normalised subject, may be NULL */
	char *password_where;	/* where the working password came from (never
				 * the password), NULL until found */
	/* releases: the time of the last claim (0: never claimed) and the
	 * state it was claimed from */
	gint64 releasing_since;
	enum q_state release_from;
	char *message_id;	/* the Message-ID field's value, may be NULL */
};
void q_entry_free(struct q_entry *e);

struct jsonw;
/* An entry as a JSON object (written into w), with its report or not. */
void q_entry_json(struct jsonw *w, const struct q_entry *e, bool with_report);

/* Store a message in quarantine: the file is durable when this returns
 * true.  id receives the new id (or, within the dedup window, the id of
 * the same message stored before: store_set_dedup_window). */
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
/* Set the state whatever it is, except that an entry in Q_RELEASING is
 * left alone (false): for tests and repairs; releases and deletes use the
 * conditional transitions below. */
bool store_quarantine_set_state(struct mamori_store *st, const char *id, enum q_state s);
/* Delete files and rows that expired before now; returns how many.  A
 * held entry (Q_HELD) is never purged, whatever its expires: it is an
 * undelivered message, resolved (store_hold_resolve) before it can go;
 * nor is one in Q_RELEASING (an operator decides: store_release_reset). */
unsigned store_quarantine_purge(struct mamori_store *st, gint64 now);

/* Remove quarantine/.tmp-* files that no put is writing (a put holds a
 * lock on its temporary file until it is renamed; the files of a process
 * that was killed have none) and that are older than a minute; returns
 * how many.  store_open() calls it too. */
unsigned store_clean_tmp(struct mamori_store *st);

/* ---- release and delete: transitions -------------------------------- */

enum q_claim {
	Q_CLAIM_OK,		/* claimed: the caller sends it, then finish or abort */
	Q_CLAIM_NOENT,		/* no such entry */
	Q_CLAIM_BUSY,		/* Q_RELEASING: another release has it */
	Q_CLAIM_STATE,		/* in a state that cannot be released */
	Q_CLAIM_ERROR,		/* the store failed */
};
/*
 * Q_QUARANTINED or Q_HELD -> Q_RELEASING, atomically (one UPDATE ...
 * WHERE state IN (quarantined, held)): of any number of callers in any
 * number of processes, one gets Q_CLAIM_OK.  The claim time (now, Unix
 * seconds) and the state it came from are recorded.  *state (may be NULL)
 * receives the state the entry had: before the claim for Q_CLAIM_OK, the
 * one that refused it otherwise.
 */
enum q_claim store_release_claim(struct mamori_store *st, const char *id, gint64 now,
    enum q_state *state);
/* Q_RELEASING -> to (Q_RELEASED, Q_QUARANTINED, Q_EXPIRED or Q_HELD), only
 * if the entry is still Q_RELEASING (false otherwise: an operator reset
 * it meanwhile). */
bool store_release_finish(struct mamori_store *st, const char *id, enum q_state to);
/* Q_RELEASING -> the state it was claimed from (a failed release). */
bool store_release_abort(struct mamori_store *st, const char *id);
/*
 * The operator's way out of a release that died mid-way: Q_RELEASING ->
 * to (Q_QUARANTINED: not delivered, may be released again; Q_RELEASED:
 * the next hop has it), only if the claim is at least min_age seconds old
 * at now (a release may still be running otherwise).  false with err
 * saying why (not releasing, too recent, store error).
 */
bool store_release_reset(struct mamori_store *st, const char *id, enum q_state to,
    gint64 min_age, gint64 now, char *err, size_t errlen);

enum q_delete {
	Q_DEL_OK,		/* now Q_DELETED, its file removed */
	Q_DEL_ALREADY,		/* was Q_DELETED already */
	Q_DEL_NOENT,		/* no such entry */
	Q_DEL_REFUSED,		/* Q_RELEASING or Q_RELEASED: *state says which */
	Q_DEL_ERROR,
};
/* Delete an entry (one UPDATE ... WHERE state allows it): quarantined,
 * held and expired entries can go; a message being released or released
 * cannot.  *state (may be NULL): the state that refused it. */
enum q_delete store_quarantine_delete(struct mamori_store *st, const char *id,
    enum q_state *state);

/* ---- duplicates ------------------------------------------------------- */

/*
 * From now on a put (quarantine or hold) of a message equal to one stored
 * less than window_s seconds ago returns that entry's id and stores
 * nothing.  Equal: the same body (SHA-256 of what follows the header),
 * the same Message-ID, the same envelope sender and recipients, and
 * either the same queue id or a Message-ID present (a client retrying
 * after a 4xx gets a new queue id from Postfix).  0 (the default): off.
 */
void store_set_dedup_window(struct mamori_store *st, unsigned window_s);
/* For tests: the clock puts and the dedup window read (Unix seconds);
 * NULL: the real time. */
void store_set_clock(struct mamori_store *st, gint64 (*now)(void));

/* Additions (store.c). */
/* store_quarantine_put() with the header Subject and From (decoded, may be
 * NULL) the caller knows, kept for listings. */
bool store_quarantine_put_hdr(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 expires, const char *subject, const char *from,
    char id[40], char *err, size_t errlen);
/* "quarantined", "released", "deleted", "held", "expired", "releasing"
 * -> *out; false if none. */
bool q_state_parse(const char *name, enum q_state *out);
/* Whether id has the form of a quarantine id (32 lower-case hex digits). */
bool store_id_valid(const char *id);
/* The state directory the store was opened in. */
const char *store_dir(const struct mamori_store *st);

/* ---- holds (PPAP) ------------------------------------------------------ */

/*
 * store_quarantine_put_hdr() in state Q_HELD: the message waits for its
 * password until hold_until (Unix seconds, > 0).  expires is the
 * retention as for a quarantined message (0: never); one before
 * hold_until is raised to hold_until.  subject_key: the normalised
 * subject the caller correlates on (kept, not interpreted), may be NULL.
 */
bool store_hold_put(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 hold_until, gint64 expires, const char *subject,
    const char *from, const char *subject_key, char id[40], char *err, size_t errlen);

/*
 * The holds a follow-up mail may carry the password for: state Q_HELD,
 * hold_until >= now, the same envelope sender as mail_from (the whole
 * address compared case-insensitively, ASCII case folding), and at least
 * one recipient in common with rcpts[0..n) (also compared whole and
 * case-insensitively).  An empty or NULL mail_from (the null sender)
 * matches nothing.  Oldest first, at most 1000 (struct q_entry *, free
 * with the array; never NULL).  Backed by a partial index on the held
 * rows, so its cost does not grow with the number of quarantined ones.
 */
GPtrArray *store_hold_match(struct mamori_store *st, const char *mail_from,
    const char *const *rcpts, size_t n, gint64 now);

/* Holds whose window has ended (state Q_HELD, hold_until < now), the
 * earliest first, at most limit (0: 100) of them: the expiry sweeper's
 * work list. */
GPtrArray *store_hold_due(struct mamori_store *st, gint64 now, unsigned limit);

/*
 * Move the hold id out of Q_HELD to new_state (Q_RELEASING, Q_RELEASED,
 * Q_QUARANTINED, Q_EXPIRED or Q_DELETED) if, and only if, it is still
 * Q_HELD: one UPDATE ... WHERE state = held, so of two follow-up mails,
 * or a follow-up and the sweeper, exactly one gets true and acts (release,
 * rewrite...); the other gets false and must do nothing.  password_where
 * (NULL: left as is) says where the working password came from.
 * Q_DELETED also removes the message file, as store_quarantine_set_state()
 * does.  Q_RELEASING is a release claim (as store_release_claim(), from
 * Q_HELD only): the PPAP paths that deliver a held message take it so,
 * then store_release_finish() when the delivery is done.
 */
bool store_hold_resolve(struct mamori_store *st, const char *id, enum q_state new_state,
    const char *password_where);
/* store_hold_resolve() that also records the verdict that decided it: the
 * rescan's action, score and JSON report, and reason (each NULL: kept). */
bool store_hold_resolve_verdict(struct mamori_store *st, const char *id,
    enum q_state new_state, const char *password_where, const char *reason,
    const struct mamori_result *res);

/* ---- the quarantine operations of a backend ------------------------- */

/* A new entry, as the backend stores it: the verdict comes as text (the
 * backend needs no libmamori).  state: Q_QUARANTINED or Q_HELD. */
struct q_put {
	const uint8_t *msg;
	size_t len;
	const struct mamori_envelope *env;	/* NULL: none */
	const char *action;	/* the scan's action name */
	double score;
	const char *report;	/* the JSON report, may be NULL */
	const char *reason;
	gint64 expires;		/* 0: never */
	const char *subject, *from;	/* header fields, may be NULL */
	enum q_state state;
	gint64 hold_until;	/* Q_HELD: > 0 */
	const char *subject_key;	/* may be NULL */
};

/* The verdict a hold is resolved with; each NULL: kept as stored. */
struct q_verdict {
	const char *reason;
	const char *action;
	const double *score;
	const char *report;
};

/*
 * What a backend implements for the functions above (each function is
 * its operation, same contract).  Where the functions above return a bare
 * NULL, false or an empty list on a failure, the operations say which it
 * was: a status (enum mamori_store_status) and err.  Every write an MTA's
 * answer depends on (put) is durable before it returns; the transitions
 * (claim, finish, abort, reset, delete, hold_resolve, set_state) are each
 * one conditional update, so that a release happens at most once across
 * threads and processes.
 */
struct mamori_quarantine_ops {
	/* store_quarantine_put_hdr / store_hold_put (after their checks) */
	bool (*put)(struct mamori_store *st, const struct q_put *p, char id[40],
	    char *err, size_t errlen);
	/* appends struct q_entry * to out */
	enum mamori_store_status (*list)(struct mamori_store *st, const struct q_filter *f,
	    GPtrArray *out, char *err, size_t errlen);
	enum mamori_store_status (*get)(struct mamori_store *st, const char *id,
	    struct q_entry **out, char *err, size_t errlen);
	/* the stored message (g_free it) */
	enum mamori_store_status (*raw)(struct mamori_store *st, const char *id,
	    uint8_t **msg, size_t *len, char *err, size_t errlen);
	bool (*set_state)(struct mamori_store *st, const char *id, enum q_state s);
	unsigned (*purge)(struct mamori_store *st, gint64 now);
	unsigned (*clean_tmp)(struct mamori_store *st);
	enum q_claim (*claim)(struct mamori_store *st, const char *id, gint64 now,
	    enum q_state *state);
	bool (*finish)(struct mamori_store *st, const char *id, enum q_state to);
	bool (*abort)(struct mamori_store *st, const char *id);
	bool (*reset)(struct mamori_store *st, const char *id, enum q_state to,
	    gint64 min_age, gint64 now, char *err, size_t errlen);
	enum q_delete (*del)(struct mamori_store *st, const char *id, enum q_state *state);
	/* appends struct q_entry * to out */
	enum mamori_store_status (*hold_match)(struct mamori_store *st,
	    const char *mail_from, const char *const *rcpts, size_t n, gint64 now,
	    GPtrArray *out, char *err, size_t errlen);
	enum mamori_store_status (*hold_due)(struct mamori_store *st, gint64 now,
	    unsigned limit, GPtrArray *out, char *err, size_t errlen);
	bool (*hold_resolve)(struct mamori_store *st, const char *id, enum q_state new_state,
	    const char *password_where, const struct q_verdict *v);
	void (*set_dedup_window)(struct mamori_store *st, unsigned window_s);
	void (*set_clock)(struct mamori_store *st, gint64 (*now)(void));
	const char *(*dir)(const struct mamori_store *st);
};

#endif
