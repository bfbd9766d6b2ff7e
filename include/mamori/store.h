/*
 * mamori/store.h - the store interface: mamori's durable state behind a
 * table of operations (a vtable), so that the checks, the front ends and
 * the daemons never see which database holds it.
 *
 * A backend fills a struct mamori_store_ops and hands out stores whose
 * first member is the struct mamori_store below; callers use only the
 * inline functions of this header (and, for the quarantine, those of
 * src/store/store.h, which dispatch through ops->quarantine).  This
 * release has one backend, SQLite in the state directory
 * (src/store/sqlite.c); a PostgreSQL one (issue 20) implements the same
 * tables without any caller changing.
 *
 * Contract of every operation, whatever the backend:
 *  - Thread-safe: one store is shared by all the threads of a daemon.
 *  - Errors come back as a status and a message (err, errlen: may be
 *    NULL/0); nothing is printed.  MAMORI_STORE_ERROR means the backend
 *    failed (disk, lock timeout, lost connection): a daemon answers
 *    tempfail, never "no data".
 *  - Every write is committed (durable: SQLite synchronous=FULL) before
 *    the call returns MAMORI_STORE_OK; a failed call changed nothing.
 *  - Several keys in one call (counters) are one transaction: all of them
 *    change or none; concurrent callers (threads or processes) never lose
 *    an update.
 *  - Namespaces and keys are non-empty NUL-terminated strings (any bytes
 *    but NUL; a module names its namespace after itself, "bayes",
 *    "history"); values and payloads are bytes of any length, 0 included.
 *  - Times are Unix seconds given by the caller (the backend's clock is
 *    never read for them), so that a test or a replay is reproducible.
 *  - Memory returned to the caller comes from malloc(): free() it (or
 *    mamori_store_rows_free()).
 *
 * Generic state for modules:
 *  - key/value: ns, key -> bytes, with an optional expiry; many keys set
 *    or removed in one transaction, and a scan of a namespace's values
 *    with a key prefix (a classifier's per-message records);
 *  - counters: ns, key -> int64, an atomic add of a delta and a read, of
 *    one key or of many in one call (a classifier's token counts: one
 *    round trip per message, not per token); a key never added reads 0;
 *    and a scan of every counter of a namespace with a key prefix (a
 *    classifier loading its model into memory);
 *  - rows: an append-only log per (ns, key) of (time, payload), read
 *    newest first, purged by age (correspondent history).
 */
#ifndef MAMORI_STORE_H
#define MAMORI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mamori_store_status {
	MAMORI_STORE_OK = 0,
	MAMORI_STORE_NOTFOUND,	/* no such key, or its value expired */
	MAMORI_STORE_INVALID,	/* the arguments: empty namespace or key, ... */
	MAMORI_STORE_ERROR,	/* the backend failed; err says why */
};

/* One row of a (ns, key) log. */
struct mamori_store_row {
	int64_t time;		/* Unix seconds, as appended */
	uint8_t *payload;	/* malloc()ed, never NULL (len may be 0) */
	size_t len;
};

/* One write of mamori_store_kv_write(). */
struct mamori_store_kv_op {
	const char *key;
	const uint8_t *val;	/* may be NULL when len is 0 */
	size_t len;
	bool remove;		/* remove the key instead */
	int64_t expires;	/* as kv_put's: Unix time after which the value
				 * reads as absent; 0: never */
};

struct mamori_store;
/* The quarantine and PPAP-hold operations (src/store/store.h: they use
 * the front ends' entry types); NULL in a backend without a quarantine. */
struct mamori_quarantine_ops;

struct mamori_store_ops {
	const char *name;	/* "sqlite", ... */
	/* Close the store and free it (st may not be used afterwards). */
	void (*close)(struct mamori_store *st);

	/* ---- key/value ---- */
	/* The value of (ns, key) unless it expired at now: *val (malloc()ed,
	 * never NULL) and *len; MAMORI_STORE_NOTFOUND otherwise. */
	enum mamori_store_status (*kv_get)(struct mamori_store *st, const char *ns,
	    const char *key, int64_t now, uint8_t **val, size_t *len, char *err,
	    size_t errlen);
	/* Set (ns, key) to val[0..len), replacing any value; expires: the
	 * Unix second from which it reads as absent (0: never). */
	enum mamori_store_status (*kv_put)(struct mamori_store *st, const char *ns,
	    const char *key, const uint8_t *val, size_t len, int64_t expires, char *err,
	    size_t errlen);
	/* Remove (ns, key); MAMORI_STORE_NOTFOUND if there was none. */
	enum mamori_store_status (*kv_delete)(struct mamori_store *st, const char *ns,
	    const char *key, char *err, size_t errlen);
	/* Set or remove several keys of ns in one transaction (all or none):
	 * ops[i].remove removes ops[i].key (absent is fine), else it is set
	 * to ops[i].val[0..len), expiring at ops[i].expires (0: never). */
	enum mamori_store_status (*kv_write)(struct mamori_store *st, const char *ns,
	    const struct mamori_store_kv_op *ops, size_t n, char *err, size_t errlen);
	/* fn(key, val, len, ud) for every value of ns whose key starts with
	 * prefix ("" for all) and that has not expired at now, in one read
	 * transaction (a consistent snapshot), in key order (bytewise); fn
	 * returns false to stop early; val is valid during the call only.
	 * fn must not call the store. */
	enum mamori_store_status (*kv_scan)(struct mamori_store *st, const char *ns,
	    const char *prefix, int64_t now,
	    bool (*fn)(const char *key, const uint8_t *val, size_t len, void *ud), void *ud,
	    char *err, size_t errlen);
	/* Remove the values of every namespace that expired at now;
	 * *removed (may be NULL) receives how many. */
	enum mamori_store_status (*kv_purge)(struct mamori_store *st, int64_t now,
	    uint64_t *removed, char *err, size_t errlen);

	/* ---- counters ---- */
	/* Add deltas[i] to (ns, keys[i]) for i < n, in one transaction;
	 * values (may be NULL) receives the new value of each.  A key may
	 * appear more than once (its deltas add up). */
	enum mamori_store_status (*counter_add)(struct mamori_store *st, const char *ns,
	    const char *const *keys, const int64_t *deltas, size_t n, int64_t *values,
	    char *err, size_t errlen);
	/* values[i] = (ns, keys[i]) for i < n (0 for a key never added), read
	 * in one transaction (a consistent snapshot). */
	enum mamori_store_status (*counter_get)(struct mamori_store *st, const char *ns,
	    const char *const *keys, size_t n, int64_t *values, char *err, size_t errlen);
	/* fn(key, value, ud) for every counter of ns whose key starts with
	 * prefix ("" for all), in one read transaction (a consistent
	 * snapshot), in key order; fn returns false to stop early.  Counters
	 * that read 0 may or may not be visited.  fn must not call the
	 * store. */
	enum mamori_store_status (*counter_scan)(struct mamori_store *st, const char *ns,
	    const char *prefix, bool (*fn)(const char *key, int64_t value, void *ud),
	    void *ud, char *err, size_t errlen);

	/* ---- rows ---- */
	/* Append (time, payload[0..len)) to the log of (ns, key). */
	enum mamori_store_status (*row_append)(struct mamori_store *st, const char *ns,
	    const char *key, int64_t time, const uint8_t *payload, size_t len, char *err,
	    size_t errlen);
	/* The latest max rows of (ns, key), newest first (by time, then by
	 * order of appending): *rows (malloc()ed, NULL when *n is 0; free
	 * with mamori_store_rows_free) and *n. */
	enum mamori_store_status (*row_latest)(struct mamori_store *st, const char *ns,
	    const char *key, size_t max, struct mamori_store_row **rows, size_t *n,
	    char *err, size_t errlen);
	/* Remove the rows of ns (NULL: of every namespace) whose time is
	 * before `before`; *removed (may be NULL) receives how many. */
	enum mamori_store_status (*row_purge)(struct mamori_store *st, const char *ns,
	    int64_t before, uint64_t *removed, char *err, size_t errlen);

	/* ---- the quarantine and PPAP holds (src/store/store.h) ---- */
	const struct mamori_quarantine_ops *quarantine;
};

/* The head of every store; a backend's own state follows it. */
struct mamori_store {
	const struct mamori_store_ops *ops;
};

/* "ok", "not found", "invalid argument", "store error". */
static inline const char *
mamori_store_status_name(enum mamori_store_status s)
{
	switch (s) {
	case MAMORI_STORE_OK:
		return "ok";
	case MAMORI_STORE_NOTFOUND:
		return "not found";
	case MAMORI_STORE_INVALID:
		return "invalid argument";
	case MAMORI_STORE_ERROR:
		return "store error";
	}
	return "unknown";
}

static inline void
mamori_store_close(struct mamori_store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

static inline enum mamori_store_status
mamori_store_kv_get(struct mamori_store *st, const char *ns, const char *key, int64_t now,
    uint8_t **val, size_t *len, char *err, size_t errlen)
{
	return st->ops->kv_get(st, ns, key, now, val, len, err, errlen);
}

static inline enum mamori_store_status
mamori_store_kv_put(struct mamori_store *st, const char *ns, const char *key,
    const uint8_t *val, size_t len, int64_t expires, char *err, size_t errlen)
{
	return st->ops->kv_put(st, ns, key, val, len, expires, err, errlen);
}

static inline enum mamori_store_status
mamori_store_kv_delete(struct mamori_store *st, const char *ns, const char *key,
    char *err, size_t errlen)
{
	return st->ops->kv_delete(st, ns, key, err, errlen);
}

static inline enum mamori_store_status
mamori_store_kv_write(struct mamori_store *st, const char *ns,
    const struct mamori_store_kv_op *ops, size_t n, char *err, size_t errlen)
{
	return st->ops->kv_write(st, ns, ops, n, err, errlen);
}

static inline enum mamori_store_status
mamori_store_kv_scan(struct mamori_store *st, const char *ns, const char *prefix,
    int64_t now, bool (*fn)(const char *key, const uint8_t *val, size_t len, void *ud),
    void *ud, char *err, size_t errlen)
{
	return st->ops->kv_scan(st, ns, prefix, now, fn, ud, err, errlen);
}

static inline enum mamori_store_status
mamori_store_kv_purge(struct mamori_store *st, int64_t now, uint64_t *removed, char *err,
    size_t errlen)
{
	return st->ops->kv_purge(st, now, removed, err, errlen);
}

static inline enum mamori_store_status
mamori_store_counter_add(struct mamori_store *st, const char *ns, const char *const *keys,
    const int64_t *deltas, size_t n, int64_t *values, char *err, size_t errlen)
{
	return st->ops->counter_add(st, ns, keys, deltas, n, values, err, errlen);
}

/* One counter: *value (may be NULL) receives its new value. */
static inline enum mamori_store_status
mamori_store_counter_add1(struct mamori_store *st, const char *ns, const char *key,
    int64_t delta, int64_t *value, char *err, size_t errlen)
{
	return st->ops->counter_add(st, ns, &key, &delta, 1, value, err, errlen);
}

static inline enum mamori_store_status
mamori_store_counter_get(struct mamori_store *st, const char *ns, const char *const *keys,
    size_t n, int64_t *values, char *err, size_t errlen)
{
	return st->ops->counter_get(st, ns, keys, n, values, err, errlen);
}

static inline enum mamori_store_status
mamori_store_counter_scan(struct mamori_store *st, const char *ns, const char *prefix,
    bool (*fn)(const char *key, int64_t value, void *ud), void *ud, char *err,
    size_t errlen)
{
	return st->ops->counter_scan(st, ns, prefix, fn, ud, err, errlen);
}

static inline enum mamori_store_status
mamori_store_row_append(struct mamori_store *st, const char *ns, const char *key,
    int64_t time, const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	return st->ops->row_append(st, ns, key, time, payload, len, err, errlen);
}

static inline enum mamori_store_status
mamori_store_row_latest(struct mamori_store *st, const char *ns, const char *key,
    size_t max, struct mamori_store_row **rows, size_t *n, char *err, size_t errlen)
{
	return st->ops->row_latest(st, ns, key, max, rows, n, err, errlen);
}

static inline enum mamori_store_status
mamori_store_row_purge(struct mamori_store *st, const char *ns, int64_t before,
    uint64_t *removed, char *err, size_t errlen)
{
	return st->ops->row_purge(st, ns, before, removed, err, errlen);
}

static inline void
mamori_store_rows_free(struct mamori_store_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(rows[i].payload);
	free(rows);
}

#ifdef __cplusplus
}
#endif

#endif
