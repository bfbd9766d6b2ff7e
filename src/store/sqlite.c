/*
 * sqlite.c - the SQLite backend of the store interface
 * (include/mamori/store.h and its quarantine part, store.h): a struct
 * sqlite_store begins with the struct mamori_store whose ops are the
 * tables at the end of this file; store_sqlite_open() (sqlite.h) is the
 * only function it exports.  state_dir/mamori.db (WAL, synchronous=FULL,
 * schema versioned and migrated) and the quarantined messages as files in
 * state_dir/quarantine/<id>.eml.
 *
 * One connection per store, serialised by a mutex (a transaction spans
 * several statements, so the connection's own mutex is not enough); every
 * statement is prepared once at open.  A quarantined message is written to
 * a temporary file in the same directory, fsync'd, renamed to its name and
 * the directory fsync'd BEFORE its row is inserted and committed: after a
 * crash there is either an orphan file (the caller was never told) or a
 * file and its row.
 *
 * Holds (schema version 2) are rows in state Q_HELD with a hold_until;
 * two partial indexes cover only those rows (the statements that use them
 * spell the state as the literal HELD_SQL, which a partial index needs),
 * so matching a follow-up mail costs the same with 100 or 1,000,000
 * quarantined messages.
 *
 * Schema version 3: releases are row transitions (store.h): the claim
 * time and the state an entry was claimed from (releasing_since,
 * release_from); the Message-ID and the body's SHA-256 of each put, for
 * recognising a message the MTA retries (partial index on the hashes).
 *
 * Schema version 4: the checks' generic state (state_kv, state_counter,
 * state_row).  A write is one statement in its own transaction, a batch
 * of counters one BEGIN IMMEDIATE ... COMMIT (the write lock taken first,
 * so two processes adding to the same keys wait for each other, up to the
 * busy timeout, instead of failing); a read of many counters one BEGIN
 * ... COMMIT, one snapshot.
 *
 * Files: mamori.db is created 0600 before SQLite opens it (SQLite gives
 * its -wal and -shm the database's mode), and an existing one with wider
 * modes is narrowed; a put holds an exclusive flock() on its temporary
 * file from mkstemp() to its rename, so clean_tmp() removes only
 * the ones a killed process left.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>

#include "store/sqlite.h"
#include "store/store.h"

#define SCHEMA_VERSION 4
#define DEFAULT_LIMIT 100
#define MAX_LIMIT 100000
#define MATCH_LIMIT 1000
#define DEDUP_CANDIDATES 16
#define TMP_GRACE_S 60		/* a .tmp- file younger than this is never removed */

/* Q_HELD as SQL text: the partial indexes and their statements */
#define HELD_SQL "3"
_Static_assert(Q_HELD == 3, "HELD_SQL must be Q_HELD");
/* the other states the transitions spell out */
#define QUARANTINED_SQL "0"
#define RELEASED_SQL "1"
#define DELETED_SQL "2"
#define EXPIRED_SQL "4"
#define RELEASING_SQL "5"
_Static_assert(Q_QUARANTINED == 0 && Q_RELEASED == 1 && Q_DELETED == 2 &&
    Q_EXPIRED == 4 && Q_RELEASING == 5, "the *_SQL states must match enum q_state");

#define ENTRY_COLS "id, created, expires, state, reason, action, score, " \
	"client_ip, helo, mail_from, queue_id, subject, from_hdr, size, report, " \
	"hold_until, subject_key, password_where, releasing_since, release_from, message_id"

enum stmt_id {
	ST_INSERT,
	ST_INSERT_RCPT,
	ST_GET,
	ST_GET_RCPTS,
	ST_LIST,
	ST_SET_STATE,
	ST_EXPIRED,
	ST_DELETE,
	ST_DELETE_RCPTS,
	ST_HOLD_MATCH,
	ST_HOLD_DUE,
	ST_HOLD_RESOLVE,
	ST_CLAIM,
	ST_FINISH,
	ST_ABORT,
	ST_RESET,
	ST_DELETE_COND,
	ST_STATE_OF,
	ST_DEDUP,
	ST_KV_GET,
	ST_KV_PUT,
	ST_KV_DELETE,
	ST_KV_PURGE,
	ST_KV_SCAN,
	ST_CTR_ADD,
	ST_CTR_GET,
	ST_CTR_SCAN,
	ST_ROW_APPEND,
	ST_ROW_LATEST,
	ST_ROW_PURGE,
	ST_ROW_PURGE_ALL,
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_INSERT] = "INSERT INTO quarantine (id, created, expires, state, reason, "
	    "action, score, client_ip, helo, mail_from, queue_id, subject, from_hdr, "
	    "size, report, hold_until, subject_key, message_id, body_sha256) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18, ?19)",
	[ST_INSERT_RCPT] = "INSERT INTO quarantine_rcpt (qid, pos, rcpt) VALUES (?1, ?2, ?3)",
	[ST_GET] = "SELECT " ENTRY_COLS " FROM quarantine WHERE id = ?1",
	[ST_GET_RCPTS] = "SELECT rcpt FROM quarantine_rcpt WHERE qid = ?1 ORDER BY pos",
	[ST_LIST] = "SELECT " ENTRY_COLS " FROM quarantine WHERE (?1 IS NULL OR state = ?1) "
	    "AND (?2 = 0 OR created >= ?2) AND (?3 = 0 OR created <= ?3) "
	    "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM quarantine_rcpt r "
	    "WHERE r.qid = quarantine.id AND instr(lower(r.rcpt), lower(?4)) > 0)) "
	    "AND (?5 IS NULL OR instr(lower(coalesce(mail_from, '')), lower(?5)) > 0) "
	    "ORDER BY created DESC, rowid DESC LIMIT ?6 OFFSET ?7",
	[ST_SET_STATE] = "UPDATE quarantine SET state = ?2 WHERE id = ?1 "
	    "AND state <> " RELEASING_SQL,
	[ST_EXPIRED] = "SELECT id FROM quarantine WHERE expires > 0 AND expires < ?1 "
	    "AND state NOT IN (" HELD_SQL ", " RELEASING_SQL ")",
	[ST_DELETE] = "DELETE FROM quarantine WHERE id = ?1",
	[ST_DELETE_RCPTS] = "DELETE FROM quarantine_rcpt WHERE qid = ?1",
	/* quarantine_held_from; the recipients are compared in C */
	[ST_HOLD_MATCH] = "SELECT " ENTRY_COLS " FROM quarantine "
	    "WHERE state = " HELD_SQL " AND mail_from = ?1 COLLATE NOCASE "
	    "AND hold_until >= ?2 ORDER BY created, rowid LIMIT " G_STRINGIFY(MATCH_LIMIT),
	/* quarantine_held_until */
	[ST_HOLD_DUE] = "SELECT " ENTRY_COLS " FROM quarantine "
	    "WHERE state = " HELD_SQL " AND hold_until < ?1 "
	    "ORDER BY hold_until, rowid LIMIT ?2",
	[ST_HOLD_RESOLVE] = "UPDATE quarantine SET state = ?2, "
	    "release_from = CASE WHEN ?2 = " RELEASING_SQL " THEN state ELSE release_from END, "
	    "releasing_since = CASE WHEN ?2 = " RELEASING_SQL " THEN ?8 "
	    "ELSE releasing_since END, "
	    "password_where = coalesce(?3, password_where), reason = coalesce(?4, reason), "
	    "action = coalesce(?5, action), score = coalesce(?6, score), "
	    "report = coalesce(?7, report) "
	    "WHERE id = ?1 AND state = " HELD_SQL,
	/* the release claim: the one UPDATE that decides who sends it */
	[ST_CLAIM] = "UPDATE quarantine SET state = " RELEASING_SQL ", release_from = state, "
	    "releasing_since = ?2 WHERE id = ?1 AND state IN (" QUARANTINED_SQL ", "
	    HELD_SQL ")",
	[ST_FINISH] = "UPDATE quarantine SET state = ?2 WHERE id = ?1 AND state = "
	    RELEASING_SQL,
	[ST_ABORT] = "UPDATE quarantine SET state = coalesce(release_from, "
	    QUARANTINED_SQL ") WHERE id = ?1 AND state = " RELEASING_SQL,
	[ST_RESET] = "UPDATE quarantine SET state = ?2 WHERE id = ?1 AND state = "
	    RELEASING_SQL " AND releasing_since <= ?3",
	[ST_DELETE_COND] = "UPDATE quarantine SET state = " DELETED_SQL " WHERE id = ?1 "
	    "AND state IN (" QUARANTINED_SQL ", " HELD_SQL ", " EXPIRED_SQL ")",
	[ST_STATE_OF] = "SELECT state, releasing_since FROM quarantine WHERE id = ?1",
	/* quarantine_body; the recipients are compared in C */
	[ST_DEDUP] = "SELECT id FROM quarantine WHERE body_sha256 = ?1 AND created >= ?2 "
	    "AND coalesce(message_id, '') = ?3 AND coalesce(mail_from, '') = ?4 "
	    "AND (?3 <> '' OR (?5 <> '' AND queue_id = ?5)) "
	    "ORDER BY created DESC, rowid DESC LIMIT " G_STRINGIFY(DEDUP_CANDIDATES),
	/* the generic state (schema version 4) */
	[ST_KV_GET] = "SELECT value FROM state_kv WHERE ns = ?1 AND key = ?2 "
	    "AND (expires = 0 OR expires > ?3)",
	[ST_KV_PUT] = "INSERT INTO state_kv (ns, key, value, expires) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
	    "expires = excluded.expires",
	[ST_KV_DELETE] = "DELETE FROM state_kv WHERE ns = ?1 AND key = ?2",
	[ST_KV_PURGE] = "DELETE FROM state_kv WHERE expires > 0 AND expires <= ?1",
	/* as ST_CTR_SCAN */
	[ST_KV_SCAN] = "SELECT key, value FROM state_kv WHERE ns = ?1 AND key >= ?2 "
	    "AND (expires = 0 OR expires > ?3) ORDER BY key",
	[ST_CTR_ADD] = "INSERT INTO state_counter (ns, key, value) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (ns, key) DO UPDATE SET value = value + excluded.value",
	[ST_CTR_GET] = "SELECT value FROM state_counter WHERE ns = ?1 AND key = ?2",
	/* the keys from ?2 on, in key order: the caller stops past the
	 * prefix (a range on the primary key, not a LIKE) */
	[ST_CTR_SCAN] = "SELECT key, value FROM state_counter WHERE ns = ?1 AND key >= ?2 "
	    "ORDER BY key",
	[ST_ROW_APPEND] = "INSERT INTO state_row (ns, key, time, payload) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[ST_ROW_LATEST] = "SELECT time, payload FROM state_row WHERE ns = ?1 AND key = ?2 "
	    "ORDER BY time DESC, seq DESC LIMIT ?3",
	[ST_ROW_PURGE] = "DELETE FROM state_row WHERE ns = ?1 AND time < ?2",
	[ST_ROW_PURGE_ALL] = "DELETE FROM state_row WHERE time < ?1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct sqlite_store {
	struct mamori_store base;	/* first: the interface */
	GMutex lock;
	sqlite3 *db;
	char *dir;		/* state_dir */
	char *qdir;		/* state_dir/quarantine */
	sqlite3_stmt *st[ST_COUNT];
	unsigned dedup_window;	/* seconds; 0: off */
	gint64 (*now)(void);	/* NULL: the real time */
	unsigned tmp_removed;	/* by clean_tmp, open included */
};

#define SQ(b) ((struct sqlite_store *)(b))
#define CSQ(b) ((const struct sqlite_store *)(b))

static const struct mamori_store_ops sqlite_ops;

static gint64
store_now(const struct sqlite_store *st)
{
	return st->now != NULL ? st->now() : g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- schema ----------------------------------------------------------- */

/*
 * Migration to version N is migrations[N - 1]; each runs in the same
 * transaction as the update of schema_version.  Add version 2 by
 * appending its SQL and raising SCHEMA_VERSION.
 */
static const char *const migrations[SCHEMA_VERSION] = {
	/* 1: the quarantine index */
	"CREATE TABLE quarantine ("
	"  id TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  reason TEXT,"
	"  action TEXT,"
	"  score REAL,"
	"  client_ip TEXT,"
	"  helo TEXT,"
	"  mail_from TEXT,"
	"  queue_id TEXT,"
	"  subject TEXT,"
	"  from_hdr TEXT,"
	"  size INTEGER NOT NULL,"
	"  report TEXT);"
	"CREATE INDEX quarantine_created ON quarantine (created);"
	"CREATE INDEX quarantine_expires ON quarantine (expires);"
	"CREATE TABLE quarantine_rcpt ("
	"  qid TEXT NOT NULL REFERENCES quarantine (id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL,"
	"  rcpt TEXT NOT NULL,"
	"  PRIMARY KEY (qid, pos));",
	/* 2: holds (PPAP): the hold window, the subject key, where the
	 * password came from; partial indexes over the held rows only */
	"ALTER TABLE quarantine ADD COLUMN hold_until INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE quarantine ADD COLUMN subject_key TEXT;"
	"ALTER TABLE quarantine ADD COLUMN password_where TEXT;"
	"CREATE INDEX quarantine_held_from ON quarantine "
	"  (mail_from COLLATE NOCASE, hold_until) WHERE state = " HELD_SQL ";"
	"CREATE INDEX quarantine_held_until ON quarantine (hold_until) "
	"  WHERE state = " HELD_SQL ";",
	/* 3: releases as transitions (the claim's time and origin), and the
	 * keys that recognise a retried message */
	"ALTER TABLE quarantine ADD COLUMN releasing_since INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE quarantine ADD COLUMN release_from INTEGER;"
	"ALTER TABLE quarantine ADD COLUMN message_id TEXT;"
	"ALTER TABLE quarantine ADD COLUMN body_sha256 TEXT;"
	"CREATE INDEX quarantine_body ON quarantine (body_sha256, created) "
	"  WHERE body_sha256 IS NOT NULL;",
	/* 4: the modules' generic state (include/mamori/store.h): key/value
	 * with expiry, counters, rows per key */
	"CREATE TABLE state_kv ("
	"  ns TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value BLOB NOT NULL,"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (ns, key)) WITHOUT ROWID;"
	"CREATE INDEX state_kv_expires ON state_kv (expires) WHERE expires > 0;"
	"CREATE TABLE state_counter ("
	"  ns TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value INTEGER NOT NULL,"
	"  PRIMARY KEY (ns, key)) WITHOUT ROWID;"
	"CREATE TABLE state_row ("
	"  seq INTEGER PRIMARY KEY,"
	"  ns TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  payload BLOB NOT NULL);"
	"CREATE INDEX state_row_key ON state_row (ns, key, time, seq);"
	"CREATE INDEX state_row_time ON state_row (ns, time);",
};

static bool
db_fail(struct sqlite_store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s/mamori.db: %s: %s", st->dir, what, sqlite3_errmsg(st->db));
	return false;
}

static bool
schema_version(struct sqlite_store *st, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*version = 0;
	if (sqlite3_exec(st->db, "CREATE TABLE IF NOT EXISTS schema_version "
	    "(version INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, "cannot create schema_version", err, errlen);
	if (sqlite3_prepare_v2(st->db, "SELECT max(version) FROM schema_version", -1,
	    &s, NULL) != SQLITE_OK)
		return db_fail(st, "cannot read schema_version", err, errlen);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, "cannot read schema_version", err, errlen);
	return true;
}

/* Bring the schema from whatever version the file has to SCHEMA_VERSION. */
static bool
store_migrate(struct sqlite_store *st, char *err, size_t errlen)
{
	int version;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, "cannot begin", err, errlen);
	if (!schema_version(st, &version, err, errlen))
		goto fail;
	if (version > SCHEMA_VERSION) {
		snprintf(err, errlen, "%s/mamori.db: schema version %d is newer than "
		    "this mamori's (%d): use a newer mamori", st->dir, version, SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
		char *sql;
		if (sqlite3_exec(st->db, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK) {
			char what[64];
			snprintf(what, sizeof what, "migration to schema version %d", v);
			db_fail(st, what, err, errlen);
			goto fail;
		}
		sql = g_strdup_printf("DELETE FROM schema_version; "
		    "INSERT INTO schema_version (version) VALUES (%d)", v);
		int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		g_free(sql);
		if (rc != SQLITE_OK) {
			db_fail(st, "cannot update schema_version", err, errlen);
			goto fail;
		}
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, "cannot commit the schema", err, errlen);
		goto fail;
	}
	return true;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

/* ---- open / close ----------------------------------------------------- */

static bool
make_dir(const char *path, char *err, size_t errlen)
{
	if (g_mkdir_with_parents(path, 0750) != 0) {
		snprintf(err, errlen, "%s: cannot create: %s", path, g_strerror(errno));
		return false;
	}
	if (access(path, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s: not writable: %s", path, g_strerror(errno));
		return false;
	}
	return true;
}

/*
 * path 0600: created so if missing (empty: SQLite makes it a new
 * database), narrowed if it exists with wider modes.  An existing file is
 * never opened: closing a descriptor of a database file drops every POSIX
 * lock this process holds on it, SQLite's locks of other connections
 * included.  Only the owner can narrow it: a file of another user keeps
 * its modes.
 */
static bool
private_file(const char *path, bool create, char *err, size_t errlen)
{
	struct stat sb;

	if (create) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			close(fd);	/* new: nobody holds a lock on it */
			return true;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create: %s", path, g_strerror(errno));
			return false;
		}
	}
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT && !create)
			return true;
		snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
		return false;
	}
	if (S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0 && sb.st_uid == geteuid() &&
	    chmod(path, sb.st_mode & 0700) != 0) {
		snprintf(err, errlen, "%s: cannot chmod 0600: %s", path, g_strerror(errno));
		return false;
	}
	return true;
}

static bool
private_db_files(const struct sqlite_store *st, bool create, char *err, size_t errlen)
{
	static const char *const names[] = { "mamori.db", "mamori.db-wal", "mamori.db-shm" };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *path = g_build_filename(st->dir, names[i], NULL);
		bool ok = private_file(path, create && i == 0, err, errlen);
		g_free(path);
		if (!ok)
			return false;
	}
	return true;
}

static unsigned
clean_tmp(struct sqlite_store *st)
{
	DIR *d = opendir(st->qdir);
	struct dirent *de;
	time_t cutoff = time(NULL) - TMP_GRACE_S;

	if (d == NULL)
		return st->tmp_removed;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK);
		struct stat sb;
		if (fd < 0)
			continue;
		/* a put in progress holds its lock until the rename */
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_mtime < cutoff &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dirfd(d), de->d_name, 0) == 0)
			st->tmp_removed++;
		close(fd);
	}
	closedir(d);
	return st->tmp_removed;
}

static void
sq_set_dedup_window(struct mamori_store *base, unsigned window_s)
{
	struct sqlite_store *st = SQ(base);
	g_mutex_lock(&st->lock);
	st->dedup_window = window_s;
	g_mutex_unlock(&st->lock);
}

static void
sq_set_clock(struct mamori_store *base, gint64 (*now)(void))
{
	struct sqlite_store *st = SQ(base);
	g_mutex_lock(&st->lock);
	st->now = now;
	g_mutex_unlock(&st->lock);
}

static void sq_close(struct mamori_store *base);

struct mamori_store *
store_sqlite_open(const char *state_dir, char *err, size_t errlen)
{
	struct sqlite_store *st;
	char *path;
	int rc;

	if (state_dir == NULL || *state_dir == '\0') {
		snprintf(err, errlen, "no state directory");
		return NULL;
	}
	st = g_new0(struct sqlite_store, 1);
	st->base.ops = &sqlite_ops;
	g_mutex_init(&st->lock);
	st->dir = g_strdup(state_dir);
	st->qdir = g_build_filename(state_dir, "quarantine", NULL);
	if (!make_dir(st->dir, err, errlen) || !make_dir(st->qdir, err, errlen))
		goto fail;
	/* 0600 before SQLite creates anything (-wal and -shm take its mode) */
	if (!private_db_files(st, true, err, errlen))
		goto fail;
	path = g_build_filename(state_dir, "mamori.db", NULL);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_FULLMUTEX, NULL);
	g_free(path);
	if (rc != SQLITE_OK) {
		if (st->db != NULL)
			db_fail(st, "cannot open", err, errlen);
		else
			snprintf(err, errlen, "%s/mamori.db: cannot open: %s", st->dir,
			    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	/* journal_mode is the first statement that reads the file: a file
	 * that is not a database fails here */
	if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, "cannot use the database (corrupted, or not a mamori "
		    "database?)", err, errlen);
		goto fail;
	}
	if (sqlite3_exec(st->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
	    NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, "cannot set pragmas", err, errlen);
		goto fail;
	}
	/* -wal and -shm left with wider modes by an older mamori */
	if (!private_db_files(st, false, err, errlen))
		goto fail;
	if (!store_migrate(st, err, errlen))
		goto fail;
	/* a damaged file can open and still fail its pages */
	sqlite3_stmt *qc = NULL;
	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &qc, NULL) != SQLITE_OK) {
		db_fail(st, "integrity check", err, errlen);
		goto fail;
	}
	rc = sqlite3_step(qc);
	if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(qc, 0), "ok") != 0) {
		if (rc == SQLITE_ROW)
			snprintf(err, errlen, "%s/mamori.db: damaged: %s", st->dir,
			    (const char *)sqlite3_column_text(qc, 0));
		else
			db_fail(st, "integrity check", err, errlen);
		sqlite3_finalize(qc);
		goto fail;
	}
	sqlite3_finalize(qc);
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &st->st[i], NULL) != SQLITE_OK) {
			db_fail(st, "cannot prepare", err, errlen);
			goto fail;
		}
	clean_tmp(st);
	return &st->base;
fail:
	sq_close(&st->base);
	return NULL;
}

static void
sq_close(struct mamori_store *base)
{
	struct sqlite_store *st = SQ(base);

	if (st == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	g_mutex_clear(&st->lock);
	g_free(st->dir);
	g_free(st->qdir);
	g_free(st);
}

/* ---- files ------------------------------------------------------------ */

static char *
msg_path(const struct sqlite_store *st, const char *id)
{
	char name[48];

	snprintf(name, sizeof name, "%s.eml", id);
	return g_build_filename(st->qdir, name, NULL);
}

static bool
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* tmp + fsync + rename + fsync(dir): durable when it returns true. */
static bool
write_durable(const struct sqlite_store *st, const char *id, const uint8_t *msg,
    size_t len, char *err, size_t errlen)
{
	char *tmp = g_build_filename(st->qdir, ".tmp-XXXXXX", NULL);
	char *path = msg_path(st, id);
	int fd = -1, dfd = -1;
	bool ok = false;

	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", st->qdir, g_strerror(errno));
		goto out;
	}
	/* held until the rename: store_clean_tmp() leaves a live put alone */
	if (flock(fd, LOCK_EX) != 0) {
		snprintf(err, errlen, "%s: cannot lock: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (!write_all(fd, msg, len) || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot rename: %s", path, g_strerror(errno));
		goto out;
	}
	int crc = close(fd);
	fd = -1;
	if (crc != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, g_strerror(errno));
		unlink(path);
		goto out;
	}
	dfd = open(st->qdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, errlen, "%s: cannot sync: %s", st->qdir, g_strerror(errno));
		unlink(path);
		goto out;
	}
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (!ok)
		unlink(tmp);
	g_free(tmp);
	g_free(path);
	return ok;
}

static void
new_id(char id[40])
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	for (; got < sizeof r; got++)	/* no getrandom: GLib's generator */
		r[got] = (uint8_t)g_random_int();
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
}

/* ---- statements ------------------------------------------------------- */

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static bool
run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

static char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	return v != NULL ? g_strdup((const char *)v) : NULL;
}

static struct q_entry *
entry_from_row(struct sqlite_store *st, sqlite3_stmt *s)
{
	struct q_entry *e = g_new0(struct q_entry, 1);
	const char *id = (const char *)sqlite3_column_text(s, 0);

	g_strlcpy(e->id, id != NULL ? id : "", sizeof e->id);
	e->created = sqlite3_column_int64(s, 1);
	e->expires = sqlite3_column_int64(s, 2);
	int state = sqlite3_column_int(s, 3);
	e->state = state >= Q_QUARANTINED && state <= Q_STATE_LAST ? (enum q_state)state
	    : Q_QUARANTINED;
	e->reason = col_text(s, 4);
	e->action = col_text(s, 5);
	e->score = sqlite3_column_double(s, 6);
	e->client_ip = col_text(s, 7);
	e->helo = col_text(s, 8);
	e->mail_from = col_text(s, 9);
	e->queue_id = col_text(s, 10);
	e->subject = col_text(s, 11);
	e->from = col_text(s, 12);
	e->size = (uint64_t)sqlite3_column_int64(s, 13);
	e->report = col_text(s, 14);
	e->hold_until = sqlite3_column_int64(s, 15);
	e->subject_key = col_text(s, 16);
	e->password_where = col_text(s, 17);
	e->releasing_since = sqlite3_column_int64(s, 18);
	int from = sqlite3_column_type(s, 19) == SQLITE_NULL ? Q_QUARANTINED
	    : sqlite3_column_int(s, 19);
	e->release_from = from >= Q_QUARANTINED && from <= Q_STATE_LAST ? (enum q_state)from
	    : Q_QUARANTINED;
	e->message_id = col_text(s, 20);
	e->rcpts = g_ptr_array_new_with_free_func(g_free);

	sqlite3_stmt *r = st->st[ST_GET_RCPTS];
	sqlite3_bind_text(r, 1, e->id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(r) == SQLITE_ROW)
		g_ptr_array_add(e->rcpts, col_text(r, 0));
	sqlite3_reset(r);
	sqlite3_clear_bindings(r);
	return e;
}

/* ---- duplicates ------------------------------------------------------- */

/* Where the body starts: after the first empty line (CRLF or LF); len if
 * there is none.  A message starting with an empty line has no header. */
static size_t
body_offset(const uint8_t *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i == 0)
			return 1;
		if (i + 1 < len && msg[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 3;
	}
	if (len >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 2;
	return len;
}

/* The value of the first Message-ID field of the header (unfolded,
 * whitespace removed), or NULL. */
static char *
message_id(const uint8_t *msg, size_t hdr_len)
{
	static const char name[] = "message-id:";
	size_t i = 0;

	while (i < hdr_len) {
		size_t eol = i;
		while (eol < hdr_len && msg[eol] != '\n')
			eol++;
		if (eol - i >= sizeof name - 1 &&
		    g_ascii_strncasecmp((const char *)msg + i, name, sizeof name - 1) == 0) {
			GString *v = g_string_new(NULL);
			size_t j = i + sizeof name - 1;
			for (;;) {
				for (; j < eol; j++)
					if (!g_ascii_isspace(msg[j]))
						g_string_append_c(v, (char)msg[j]);
				/* continuation lines */
				if (eol + 1 < hdr_len && (msg[eol + 1] == ' ' || msg[eol + 1] == '\t')) {
					j = eol + 1;
					eol = j;
					while (eol < hdr_len && msg[eol] != '\n')
						eol++;
					continue;
				}
				break;
			}
			if (v->len == 0 || !g_utf8_validate(v->str, (gssize)v->len, NULL)) {
				g_string_free(v, TRUE);
				return NULL;
			}
			return g_string_free(v, FALSE);
		}
		i = eol + 1;
	}
	return NULL;
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the stored recipients of id are env's (as sets, ASCII case
 * folded).  Under st->lock. */
static bool
same_rcpts(struct sqlite_store *st, const char *id, const struct mamori_envelope *env)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *b = g_ptr_array_new();
	bool same;

	sqlite3_stmt *r = st->st[ST_GET_RCPTS];
	sqlite3_bind_text(r, 1, id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(r) == SQLITE_ROW)
		g_ptr_array_add(a, col_text(r, 0));
	sqlite3_reset(r);
	sqlite3_clear_bindings(r);
	for (size_t i = 0; i < env->n_rcpt; i++)
		if (env->rcpt[i] != NULL)
			g_ptr_array_add(b, (gpointer)env->rcpt[i]);
	same = a->len == b->len;
	if (same) {
		g_ptr_array_sort(a, cmp_str);
		g_ptr_array_sort(b, cmp_str);
		for (guint i = 0; i < a->len && same; i++)
			same = a->pdata[i] != NULL &&
			    g_ascii_strcasecmp(a->pdata[i], b->pdata[i]) == 0;
	}
	g_ptr_array_unref(a);
	g_ptr_array_unref(b);
	return same;
}

/* An entry stored since `since` that this put repeats (store.h,
 * store_set_dedup_window), into found; under st->lock, in the put's
 * transaction. */
static bool
find_duplicate(struct sqlite_store *st, const char *body_sha, const char *mid,
    const struct mamori_envelope *env, gint64 since, char found[40])
{
	sqlite3_stmt *s = st->st[ST_DEDUP];
	bool hit = false;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	sqlite3_bind_text(s, 1, body_sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_text(s, 3, mid != NULL ? mid : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, env->mail_from != NULL ? env->mail_from : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, env->queue_id != NULL ? env->queue_id : "", -1,
	    SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		g_ptr_array_add(ids, col_text(s, 0));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (guint i = 0; i < ids->len && !hit; i++) {
		const char *id = ids->pdata[i];
		if (id != NULL && store_id_valid(id) && same_rcpts(st, id, env)) {
			g_strlcpy(found, id, 40);
			hit = true;
		}
	}
	g_ptr_array_unref(ids);
	return hit;
}

/* ---- quarantine ------------------------------------------------------- */

/* A new entry in state p->state (Q_QUARANTINED or Q_HELD): the file, then
 * the row; or, within the dedup window, the id of the same message stored
 * before (the new file is removed). */
static bool
sq_put(struct mamori_store *base, const struct q_put *p, char id[40], char *err,
    size_t errlen)
{
	static const struct mamori_envelope none = { 0 };
	struct sqlite_store *st = SQ(base);
	const struct mamori_envelope *env = p->env != NULL ? p->env : &none;
	const uint8_t *msg = p->msg;
	size_t len = p->len;
	bool ok = false, dup = false;
	char found[40];

	if (p->state != Q_QUARANTINED && p->state != Q_HELD) {
		snprintf(err, errlen, "put: a new entry is quarantined or held, not %s",
		    q_state_name(p->state));
		return false;
	}
	if (p->state == Q_HELD && p->hold_until <= 0) {
		snprintf(err, errlen, "hold: no hold_until");
		return false;
	}
	size_t body = body_offset(msg, len);
	char *mid = message_id(msg, body);
	char *body_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, msg + body, len - body);
	new_id(id);
	/* the file first, durable, then the row */
	if (!write_durable(st, id, msg, len, err, errlen))
		return false;

	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN])) {
		db_fail(st, "cannot begin", err, errlen);
		goto out;
	}
	gint64 now = store_now(st);
	if (st->dedup_window > 0 && find_duplicate(st, body_sha, mid, env,
	    now - (gint64)st->dedup_window, found)) {
		/* nothing written: the transaction ends empty */
		dup = true;
		goto rollback;
	}
	sqlite3_stmt *s = st->st[ST_INSERT];
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, p->expires);
	sqlite3_bind_int(s, 4, (int)p->state);
	bind_text(s, 5, p->reason);
	bind_text(s, 6, p->action);
	sqlite3_bind_double(s, 7, p->score);
	bind_text(s, 8, env->client_ip);
	bind_text(s, 9, env->helo);
	bind_text(s, 10, env->mail_from);
	bind_text(s, 11, env->queue_id);
	bind_text(s, 12, p->subject);
	bind_text(s, 13, p->from);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)len);
	bind_text(s, 15, p->report);
	sqlite3_bind_int64(s, 16, p->state == Q_HELD ? p->hold_until : 0);
	bind_text(s, 17, p->subject_key);
	bind_text(s, 18, mid);
	bind_text(s, 19, body_sha);
	if (!run(s)) {
		db_fail(st, "cannot insert", err, errlen);
		goto rollback;
	}
	for (size_t i = 0; i < env->n_rcpt; i++) {
		if (env->rcpt[i] == NULL)
			continue;
		s = st->st[ST_INSERT_RCPT];
		sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_text(s, 3, env->rcpt[i], -1, SQLITE_TRANSIENT);
		if (!run(s)) {
			db_fail(st, "cannot insert", err, errlen);
			goto rollback;
		}
	}
	if (!run(st->st[ST_COMMIT])) {
		db_fail(st, "cannot commit", err, errlen);
		goto rollback;
	}
	ok = true;
	goto out;
rollback:
	run(st->st[ST_ROLLBACK]);
out:
	g_mutex_unlock(&st->lock);
	if (!ok) {
		char *path = msg_path(st, id);
		unlink(path);
		g_free(path);
	}
	if (dup) {
		g_strlcpy(id, found, 40);
		ok = true;
	}
	g_free(mid);
	g_free(body_sha);
	return ok;
}

static bool rcpt_overlap(const struct q_entry *e, const char *const *rcpts, size_t n);

/* Step s to its end, adding each row's entry to out (or, with rcpts, only
 * those that share a recipient with them); resets s.  Under st->lock. */
static enum mamori_store_status
collect(struct sqlite_store *st, sqlite3_stmt *s, GPtrArray *out,
    const char *const *rcpts, size_t n, char *err, size_t errlen)
{
	enum mamori_store_status rc = MAMORI_STORE_OK;
	int step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct q_entry *e = entry_from_row(st, s);
		if (rcpts == NULL || rcpt_overlap(e, rcpts, n))
			g_ptr_array_add(out, e);
		else
			q_entry_free(e);
	}
	if (step != SQLITE_DONE) {
		db_fail(st, "cannot read", err, errlen);
		rc = MAMORI_STORE_ERROR;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static enum mamori_store_status
sq_list(struct mamori_store *base, const struct q_filter *f, GPtrArray *out, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	unsigned limit;
	enum mamori_store_status rc;

	limit = f->limit == 0 ? DEFAULT_LIMIT : f->limit > MAX_LIMIT ? MAX_LIMIT : f->limit;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_LIST];
	if (f->state != NULL)
		sqlite3_bind_int(s, 1, (int)*f->state);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, f->since);
	sqlite3_bind_int64(s, 3, f->until);
	bind_text(s, 4, f->rcpt);
	bind_text(s, 5, f->from);
	sqlite3_bind_int64(s, 6, limit);
	sqlite3_bind_int64(s, 7, f->offset);
	rc = collect(st, s, out, NULL, 0, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_get(struct mamori_store *base, const char *id, struct q_entry **out, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_NOTFOUND;

	*out = NULL;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_GET];
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*out = entry_from_row(st, s);
		rc = MAMORI_STORE_OK;
	} else if (step != SQLITE_DONE) {
		db_fail(st, "cannot read", err, errlen);
		rc = MAMORI_STORE_ERROR;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_raw(struct mamori_store *base, const char *id, uint8_t **msg, size_t *len, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	struct q_entry *e = NULL;
	enum mamori_store_status rc = sq_get(base, id, &e, err, errlen);
	GError *gerr = NULL;
	gchar *data = NULL;
	gsize n = 0;

	*msg = NULL;
	*len = 0;
	if (rc != MAMORI_STORE_OK)
		return rc;
	if (e->state == Q_DELETED) {
		rc = MAMORI_STORE_NOTFOUND;
	} else {
		char *path = msg_path(st, id);
		if (!g_file_get_contents(path, &data, &n, &gerr)) {
			snprintf(err, errlen, "%s", gerr->message);
			g_error_free(gerr);
			rc = MAMORI_STORE_NOTFOUND;
		} else {
			*msg = (uint8_t *)data;
			*len = n;
		}
		g_free(path);
	}
	q_entry_free(e);
	return rc;
}

/* The file of an entry whose row now says deleted: the row first, so a
 * crash in between leaves an orphan file, never a row whose file is gone. */
static void
unlink_msg(struct sqlite_store *st, const char *id)
{
	char *path = msg_path(st, id);

	unlink(path);
	g_free(path);
}

static bool
sq_set_state(struct mamori_store *base, const char *id, enum q_state s)
{
	struct sqlite_store *st = SQ(base);
	bool ok;

	if (!store_id_valid(id))
		return false;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_SET_STATE];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(u, 2, (int)s);
	ok = run(u) && sqlite3_changes(st->db) == 1;
	g_mutex_unlock(&st->lock);
	if (ok && s == Q_DELETED)
		unlink_msg(st, id);
	return ok;
}

static unsigned
sq_purge(struct mamori_store *base, gint64 now)
{
	struct sqlite_store *st = SQ(base);
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	unsigned n = 0;

	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_EXPIRED];
	sqlite3_bind_int64(s, 1, now);
	while (sqlite3_step(s) == SQLITE_ROW)
		g_ptr_array_add(ids, col_text(s, 0));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (ids->len > 0 && run(st->st[ST_BEGIN])) {
		bool ok = true;
		for (guint i = 0; i < ids->len && ok; i++) {
			const char *id = g_ptr_array_index(ids, i);
			sqlite3_stmt *d = st->st[ST_DELETE_RCPTS];
			sqlite3_bind_text(d, 1, id, -1, SQLITE_TRANSIENT);
			ok = run(d);
			d = st->st[ST_DELETE];
			sqlite3_bind_text(d, 1, id, -1, SQLITE_TRANSIENT);
			ok = ok && run(d);
		}
		if (ok && run(st->st[ST_COMMIT])) {
			n = ids->len;
		} else {
			run(st->st[ST_ROLLBACK]);
			g_ptr_array_set_size(ids, 0);
		}
	} else {
		g_ptr_array_set_size(ids, 0);
	}
	g_mutex_unlock(&st->lock);
	/* rows first, then files (an orphan file is harmless) */
	for (guint i = 0; i < ids->len; i++) {
		const char *id = g_ptr_array_index(ids, i);
		if (!store_id_valid(id))
			continue;
		char *path = msg_path(st, id);
		unlink(path);
		g_free(path);
	}
	g_ptr_array_unref(ids);
	/* and what puts killed mid-way left */
	clean_tmp(st);
	return n;
}

static const char *
sq_dir(const struct mamori_store *base)
{
	return CSQ(base)->dir;
}

static unsigned
sq_clean_tmp(struct mamori_store *base)
{
	return clean_tmp(SQ(base));
}

/* ---- holds ------------------------------------------------------------ */

/* Whether the entry has a recipient among rcpts[0..n) (case-insensitive). */
static bool
rcpt_overlap(const struct q_entry *e, const char *const *rcpts, size_t n)
{
	for (guint i = 0; i < e->rcpts->len; i++) {
		const char *a = g_ptr_array_index(e->rcpts, i);
		for (size_t j = 0; j < n; j++)
			if (rcpts[j] != NULL && g_ascii_strcasecmp(a, rcpts[j]) == 0)
				return true;
	}
	return false;
}

static enum mamori_store_status
sq_hold_match(struct mamori_store *base, const char *mail_from,
    const char *const *rcpts, size_t n, gint64 now, GPtrArray *out, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;

	if (mail_from == NULL || *mail_from == '\0' || rcpts == NULL || n == 0)
		return MAMORI_STORE_OK;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_HOLD_MATCH];
	sqlite3_bind_text(s, 1, mail_from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	rc = collect(st, s, out, rcpts, n, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_hold_due(struct mamori_store *base, gint64 now, unsigned limit, GPtrArray *out,
    char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;

	limit = limit == 0 ? DEFAULT_LIMIT : limit > MAX_LIMIT ? MAX_LIMIT : limit;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_HOLD_DUE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, limit);
	rc = collect(st, s, out, NULL, 0, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc;
}

static bool
sq_hold_resolve(struct mamori_store *base, const char *id, enum q_state new_state,
    const char *password_where, const struct q_verdict *v)
{
	struct sqlite_store *st = SQ(base);
	bool ok;

	if (new_state == Q_HELD || new_state < Q_QUARANTINED || new_state > Q_STATE_LAST)
		return false;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_HOLD_RESOLVE];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(u, 2, (int)new_state);
	bind_text(u, 3, password_where);
	bind_text(u, 4, v != NULL ? v->reason : NULL);
	bind_text(u, 5, v != NULL ? v->action : NULL);
	if (v != NULL && v->score != NULL)
		sqlite3_bind_double(u, 6, *v->score);
	else
		sqlite3_bind_null(u, 6);
	bind_text(u, 7, v != NULL ? v->report : NULL);
	sqlite3_bind_int64(u, 8, store_now(st));
	ok = run(u) && sqlite3_changes(st->db) == 1;
	g_mutex_unlock(&st->lock);
	if (ok && new_state == Q_DELETED)
		unlink_msg(st, id);
	return ok;
}

/* ---- release and delete ---------------------------------------------- */

/* The state of id (and its claim time) into *state; false if no such
 * entry.  Under st->lock. */
static bool
state_of(struct sqlite_store *st, const char *id, enum q_state *state, gint64 *since)
{
	sqlite3_stmt *s = st->st[ST_STATE_OF];
	bool found = false;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		int v = sqlite3_column_int(s, 0);
		*state = v >= Q_QUARANTINED && v <= Q_STATE_LAST ? (enum q_state)v
		    : Q_QUARANTINED;
		if (since != NULL)
			*since = sqlite3_column_int64(s, 1);
		found = true;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

static enum q_claim
sq_claim(struct mamori_store *base, const char *id, gint64 now,
    enum q_state *state)
{
	struct sqlite_store *st = SQ(base);
	enum q_state cur = Q_QUARANTINED;
	enum q_claim out;

	if (!store_id_valid(id))
		return Q_CLAIM_NOENT;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_CLAIM];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 2, now);
	if (!run(u)) {
		out = Q_CLAIM_ERROR;
	} else if (sqlite3_changes(st->db) == 1) {
		/* ours now: nobody else moves it until finish or abort */
		struct q_entry *e = NULL;
		sqlite3_stmt *g = st->st[ST_GET];
		sqlite3_bind_text(g, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(g) == SQLITE_ROW)
			e = entry_from_row(st, g);
		sqlite3_reset(g);
		sqlite3_clear_bindings(g);
		cur = e != NULL ? e->release_from : Q_QUARANTINED;
		q_entry_free(e);
		out = Q_CLAIM_OK;
	} else if (!state_of(st, id, &cur, NULL)) {
		out = Q_CLAIM_NOENT;
	} else {
		out = cur == Q_RELEASING ? Q_CLAIM_BUSY : Q_CLAIM_STATE;
	}
	g_mutex_unlock(&st->lock);
	if (state != NULL)
		*state = cur;
	return out;
}

static bool
sq_finish(struct mamori_store *base, const char *id, enum q_state to)
{
	struct sqlite_store *st = SQ(base);
	bool ok;

	if (!store_id_valid(id) || (to != Q_RELEASED && to != Q_QUARANTINED &&
	    to != Q_EXPIRED && to != Q_HELD))
		return false;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_FINISH];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(u, 2, (int)to);
	ok = run(u) && sqlite3_changes(st->db) == 1;
	g_mutex_unlock(&st->lock);
	return ok;
}

static bool
sq_abort(struct mamori_store *base, const char *id)
{
	struct sqlite_store *st = SQ(base);
	bool ok;

	if (!store_id_valid(id))
		return false;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_ABORT];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	ok = run(u) && sqlite3_changes(st->db) == 1;
	g_mutex_unlock(&st->lock);
	return ok;
}

static bool
sq_reset(struct mamori_store *base, const char *id, enum q_state to,
    gint64 min_age, gint64 now, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum q_state cur;
	gint64 since = 0;
	bool ok = false;

	if (!store_id_valid(id)) {
		snprintf(err, errlen, "no such entry");
		return false;
	}
	if (to != Q_QUARANTINED && to != Q_RELEASED) {
		snprintf(err, errlen, "an entry can only be reset to quarantined or released");
		return false;
	}
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_RESET];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(u, 2, (int)to);
	sqlite3_bind_int64(u, 3, now - (min_age > 0 ? min_age : 0));
	if (!run(u))
		db_fail(st, "cannot update", err, errlen);
	else if (sqlite3_changes(st->db) == 1)
		ok = true;
	else if (!state_of(st, id, &cur, &since))
		snprintf(err, errlen, "no such entry");
	else if (cur != Q_RELEASING)
		snprintf(err, errlen, "is %s, not releasing", q_state_name(cur));
	else
		snprintf(err, errlen, "its release started %" G_GINT64_FORMAT " s ago, less "
		    "than %" G_GINT64_FORMAT " s: it may still be running", now - since, min_age);
	g_mutex_unlock(&st->lock);
	return ok;
}

static enum q_delete
sq_delete(struct mamori_store *base, const char *id, enum q_state *state)
{
	struct sqlite_store *st = SQ(base);
	enum q_state cur = Q_DELETED;
	enum q_delete out;

	if (!store_id_valid(id))
		return Q_DEL_NOENT;
	g_mutex_lock(&st->lock);
	sqlite3_stmt *u = st->st[ST_DELETE_COND];
	sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
	if (!run(u))
		out = Q_DEL_ERROR;
	else if (sqlite3_changes(st->db) == 1)
		out = Q_DEL_OK;
	else if (!state_of(st, id, &cur, NULL))
		out = Q_DEL_NOENT;
	else if (cur == Q_DELETED)
		out = Q_DEL_ALREADY;
	else if (cur == Q_RELEASING || cur == Q_RELEASED)
		out = Q_DEL_REFUSED;
	else
		out = Q_DEL_ERROR;	/* a state added without a rule here */
	g_mutex_unlock(&st->lock);
	if (out == Q_DEL_OK)
		unlink_msg(st, id);
	if (state != NULL)
		*state = cur;
	return out;
}

/* ---- the generic state (include/mamori/store.h) ---------------------- */

static bool
name_ok(const char *s)
{
	return s != NULL && *s != '\0';
}

static enum mamori_store_status
invalid(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", what);
	return MAMORI_STORE_INVALID;
}

/* db_fail() for the generic operations: err may be NULL. */
static enum mamori_store_status
state_fail(struct sqlite_store *st, const char *what, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		db_fail(st, what, err, errlen);
	return MAMORI_STORE_ERROR;
}

static void
bind_blob(sqlite3_stmt *s, int i, const uint8_t *p, size_t len)
{
	if (len == 0)
		sqlite3_bind_zeroblob(s, i, 0);	/* not NULL: the columns are NOT NULL */
	else
		sqlite3_bind_blob64(s, i, p, (sqlite3_uint64)len, SQLITE_TRANSIENT);
}

/* The blob of column i, malloc()ed (never NULL), or NULL when out of
 * memory. */
static uint8_t *
col_blob(sqlite3_stmt *s, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);
	uint8_t *out = malloc(n > 0 ? n : 1);

	if (out != NULL && n > 0)
		memcpy(out, p, n);
	*len = n;
	return out;
}

/* One write statement in its own transaction; *changes (may be NULL):
 * the rows it changed.  Under st->lock. */
static enum mamori_store_status
write_one(struct sqlite_store *st, sqlite3_stmt *s, uint64_t *changes, char *err,
    size_t errlen)
{
	if (!run(s))
		return state_fail(st, "cannot write", err, errlen);
	if (changes != NULL)
		*changes = (uint64_t)sqlite3_changes(st->db);
	return MAMORI_STORE_OK;
}

static enum mamori_store_status
sq_kv_get(struct mamori_store *base, const char *ns, const char *key, int64_t now,
    uint8_t **val, size_t *len, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_NOTFOUND;

	*val = NULL;
	*len = 0;
	if (!name_ok(ns) || !name_ok(key))
		return invalid(err, errlen, "kv_get: empty namespace or key");
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_KV_GET];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*val = col_blob(s, 0, len);
		if (*val == NULL) {
			*len = 0;
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "kv_get: out of memory");
			rc = MAMORI_STORE_ERROR;
		} else {
			rc = MAMORI_STORE_OK;
		}
	} else if (step != SQLITE_DONE) {
		rc = state_fail(st, "cannot read", err, errlen);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_kv_put(struct mamori_store *base, const char *ns, const char *key, const uint8_t *val,
    size_t len, int64_t expires, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;

	if (!name_ok(ns) || !name_ok(key))
		return invalid(err, errlen, "kv_put: empty namespace or key");
	if (val == NULL && len > 0)
		return invalid(err, errlen, "kv_put: no value");
	if (expires < 0)
		return invalid(err, errlen, "kv_put: negative expiry");
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_KV_PUT];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	bind_blob(s, 3, val, len);
	sqlite3_bind_int64(s, 4, expires);
	rc = write_one(st, s, NULL, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_kv_delete(struct mamori_store *base, const char *ns, const char *key, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;
	uint64_t n = 0;

	if (!name_ok(ns) || !name_ok(key))
		return invalid(err, errlen, "kv_delete: empty namespace or key");
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_KV_DELETE];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	rc = write_one(st, s, &n, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc == MAMORI_STORE_OK && n == 0 ? MAMORI_STORE_NOTFOUND : rc;
}

static enum mamori_store_status
sq_kv_purge(struct mamori_store *base, int64_t now, uint64_t *removed, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;
	uint64_t n = 0;

	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_KV_PURGE];
	sqlite3_bind_int64(s, 1, now);
	rc = write_one(st, s, &n, err, errlen);
	g_mutex_unlock(&st->lock);
	if (removed != NULL)
		*removed = rc == MAMORI_STORE_OK ? n : 0;
	return rc;
}

static enum mamori_store_status
sq_kv_write(struct mamori_store *base, const char *ns, const struct mamori_store_kv_op *ops,
    size_t n, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_OK;

	if (!name_ok(ns))
		return invalid(err, errlen, "kv_write: empty namespace");
	if (n > 0 && ops == NULL)
		return invalid(err, errlen, "kv_write: no operations");
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(ops[i].key))
			return invalid(err, errlen, "kv_write: empty key");
		if (!ops[i].remove && ops[i].val == NULL && ops[i].len > 0)
			return invalid(err, errlen, "kv_write: no value");
	}
	if (n == 0)
		return MAMORI_STORE_OK;
	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN])) {
		rc = state_fail(st, "cannot begin", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = st->st[ops[i].remove ? ST_KV_DELETE : ST_KV_PUT];
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, ops[i].key, -1, SQLITE_TRANSIENT);
		if (!ops[i].remove) {
			bind_blob(s, 3, ops[i].val, ops[i].len);
			sqlite3_bind_int64(s, 4, ops[i].expires);
		}
		bool ok = run(s);
		if (!ok) {
			rc = state_fail(st, "cannot write", err, errlen);
			goto rollback;
		}
	}
	if (!run(st->st[ST_COMMIT])) {
		rc = state_fail(st, "cannot commit", err, errlen);
		goto rollback;
	}
	goto out;
rollback:
	run(st->st[ST_ROLLBACK]);
out:
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_kv_scan(struct mamori_store *base, const char *ns, const char *prefix, int64_t now,
    bool (*fn)(const char *key, const uint8_t *val, size_t len, void *ud), void *ud,
    char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_OK;

	if (!name_ok(ns))
		return invalid(err, errlen, "kv_scan: empty namespace");
	if (prefix == NULL || fn == NULL)
		return invalid(err, errlen, "kv_scan: no prefix or callback");
	size_t plen = strlen(prefix);
	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN_READ])) {
		rc = state_fail(st, "cannot begin", err, errlen);
		goto out;
	}
	sqlite3_stmt *s = st->st[ST_KV_SCAN];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		if (key == NULL || strncmp(key, prefix, plen) != 0)
			break;	/* past the prefix: keys are in order */
		const uint8_t *val = sqlite3_column_blob(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);
		if (!fn(key, len > 0 ? val : (const uint8_t *)"", len, ud))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = state_fail(st, "cannot read", err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!run(st->st[ST_COMMIT])) {
		if (rc == MAMORI_STORE_OK)
			rc = state_fail(st, "cannot end the read", err, errlen);
		run(st->st[ST_ROLLBACK]);
	}
out:
	g_mutex_unlock(&st->lock);
	return rc;
}

/* values[i] = (ns, keys[i]) for i < n; under st->lock, in a transaction. */
static bool
counters_read(struct sqlite_store *st, const char *ns, const char *const *keys, size_t n,
    int64_t *values)
{
	sqlite3_stmt *s = st->st[ST_CTR_GET];

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, keys[i], -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(s);
		values[i] = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			return false;
	}
	return true;
}

static enum mamori_store_status
keys_ok(const char *ns, const char *const *keys, size_t n, char *err, size_t errlen)
{
	if (!name_ok(ns))
		return invalid(err, errlen, "counter: empty namespace");
	if (n > 0 && keys == NULL)
		return invalid(err, errlen, "counter: no keys");
	for (size_t i = 0; i < n; i++)
		if (!name_ok(keys[i]))
			return invalid(err, errlen, "counter: empty key");
	return MAMORI_STORE_OK;
}

static enum mamori_store_status
sq_counter_add(struct mamori_store *base, const char *ns, const char *const *keys,
    const int64_t *deltas, size_t n, int64_t *values, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = keys_ok(ns, keys, n, err, errlen);

	if (rc != MAMORI_STORE_OK)
		return rc;
	if (n == 0)
		return MAMORI_STORE_OK;
	if (deltas == NULL)
		return invalid(err, errlen, "counter_add: no deltas");
	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN])) {
		rc = state_fail(st, "cannot begin", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = st->st[ST_CTR_ADD];
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, keys[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, deltas[i]);
		if (!run(s)) {
			rc = state_fail(st, "cannot add", err, errlen);
			goto rollback;
		}
	}
	if (values != NULL && !counters_read(st, ns, keys, n, values)) {
		rc = state_fail(st, "cannot read", err, errlen);
		goto rollback;
	}
	if (!run(st->st[ST_COMMIT])) {
		rc = state_fail(st, "cannot commit", err, errlen);
		goto rollback;
	}
	goto out;
rollback:
	run(st->st[ST_ROLLBACK]);
out:
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_counter_get(struct mamori_store *base, const char *ns, const char *const *keys,
    size_t n, int64_t *values, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = keys_ok(ns, keys, n, err, errlen);

	if (rc != MAMORI_STORE_OK || n == 0)
		return rc;
	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN_READ])) {
		rc = state_fail(st, "cannot begin", err, errlen);
	} else {
		if (!counters_read(st, ns, keys, n, values))
			rc = state_fail(st, "cannot read", err, errlen);
		/* a read: COMMIT only ends the snapshot */
		if (!run(st->st[ST_COMMIT])) {
			if (rc == MAMORI_STORE_OK)
				rc = state_fail(st, "cannot end the read", err, errlen);
			run(st->st[ST_ROLLBACK]);
		}
	}
	g_mutex_unlock(&st->lock);
	if (rc != MAMORI_STORE_OK)
		memset(values, 0, n * sizeof *values);
	return rc;
}

static enum mamori_store_status
sq_counter_scan(struct mamori_store *base, const char *ns, const char *prefix,
    bool (*fn)(const char *key, int64_t value, void *ud), void *ud, char *err,
    size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_OK;

	if (!name_ok(ns))
		return invalid(err, errlen, "counter_scan: empty namespace");
	if (prefix == NULL || fn == NULL)
		return invalid(err, errlen, "counter_scan: no prefix or callback");
	size_t plen = strlen(prefix);
	g_mutex_lock(&st->lock);
	if (!run(st->st[ST_BEGIN_READ])) {
		rc = state_fail(st, "cannot begin", err, errlen);
		goto out;
	}
	sqlite3_stmt *s = st->st[ST_CTR_SCAN];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, prefix, -1, SQLITE_TRANSIENT);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		if (key == NULL || strncmp(key, prefix, plen) != 0)
			break;	/* past the prefix: keys are in order */
		if (!fn(key, sqlite3_column_int64(s, 1), ud))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = state_fail(st, "cannot read", err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!run(st->st[ST_COMMIT])) {
		if (rc == MAMORI_STORE_OK)
			rc = state_fail(st, "cannot end the read", err, errlen);
		run(st->st[ST_ROLLBACK]);
	}
out:
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_row_append(struct mamori_store *base, const char *ns, const char *key, int64_t time,
    const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;

	if (!name_ok(ns) || !name_ok(key))
		return invalid(err, errlen, "row_append: empty namespace or key");
	if (payload == NULL && len > 0)
		return invalid(err, errlen, "row_append: no payload");
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_ROW_APPEND];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, time);
	bind_blob(s, 4, payload, len);
	rc = write_one(st, s, NULL, err, errlen);
	g_mutex_unlock(&st->lock);
	return rc;
}

static enum mamori_store_status
sq_row_latest(struct mamori_store *base, const char *ns, const char *key, size_t max,
    struct mamori_store_row **rows, size_t *n, char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc = MAMORI_STORE_OK;
	GArray *a;
	int step;

	*rows = NULL;
	*n = 0;
	if (!name_ok(ns) || !name_ok(key))
		return invalid(err, errlen, "row_latest: empty namespace or key");
	if (max == 0)
		return MAMORI_STORE_OK;
	a = g_array_new(FALSE, FALSE, sizeof(struct mamori_store_row));
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s = st->st[ST_ROW_LATEST];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct mamori_store_row r = { .time = sqlite3_column_int64(s, 0) };
		r.payload = col_blob(s, 1, &r.len);
		if (r.payload == NULL) {
			rc = MAMORI_STORE_ERROR;
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "row_latest: out of memory");
			break;
		}
		g_array_append_val(a, r);
	}
	if (rc == MAMORI_STORE_OK && step != SQLITE_DONE)
		rc = state_fail(st, "cannot read", err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	g_mutex_unlock(&st->lock);
	if (rc != MAMORI_STORE_OK || a->len == 0) {
		for (guint i = 0; i < a->len; i++)
			free(g_array_index(a, struct mamori_store_row, i).payload);
		g_array_unref(a);
		return rc;
	}
	*rows = malloc(a->len * sizeof **rows);
	if (*rows == NULL) {
		for (guint i = 0; i < a->len; i++)
			free(g_array_index(a, struct mamori_store_row, i).payload);
		g_array_unref(a);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "row_latest: out of memory");
		return MAMORI_STORE_ERROR;
	}
	memcpy(*rows, a->data, a->len * sizeof **rows);
	*n = a->len;
	g_array_unref(a);
	return MAMORI_STORE_OK;
}

static enum mamori_store_status
sq_row_purge(struct mamori_store *base, const char *ns, int64_t before, uint64_t *removed,
    char *err, size_t errlen)
{
	struct sqlite_store *st = SQ(base);
	enum mamori_store_status rc;
	uint64_t n = 0;

	if (ns != NULL && *ns == '\0')
		return invalid(err, errlen, "row_purge: empty namespace");
	g_mutex_lock(&st->lock);
	sqlite3_stmt *s;
	if (ns != NULL) {
		s = st->st[ST_ROW_PURGE];
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, before);
	} else {
		s = st->st[ST_ROW_PURGE_ALL];
		sqlite3_bind_int64(s, 1, before);
	}
	rc = write_one(st, s, &n, err, errlen);
	g_mutex_unlock(&st->lock);
	if (removed != NULL)
		*removed = rc == MAMORI_STORE_OK ? n : 0;
	return rc;
}

/* ---- the tables ------------------------------------------------------- */

static const struct mamori_quarantine_ops sqlite_quarantine_ops = {
	.put = sq_put,
	.list = sq_list,
	.get = sq_get,
	.raw = sq_raw,
	.set_state = sq_set_state,
	.purge = sq_purge,
	.clean_tmp = sq_clean_tmp,
	.claim = sq_claim,
	.finish = sq_finish,
	.abort = sq_abort,
	.reset = sq_reset,
	.del = sq_delete,
	.hold_match = sq_hold_match,
	.hold_due = sq_hold_due,
	.hold_resolve = sq_hold_resolve,
	.set_dedup_window = sq_set_dedup_window,
	.set_clock = sq_set_clock,
	.dir = sq_dir,
};

static const struct mamori_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.kv_get = sq_kv_get,
	.kv_put = sq_kv_put,
	.kv_delete = sq_kv_delete,
	.kv_write = sq_kv_write,
	.kv_scan = sq_kv_scan,
	.kv_purge = sq_kv_purge,
	.counter_add = sq_counter_add,
	.counter_get = sq_counter_get,
	.counter_scan = sq_counter_scan,
	.row_append = sq_row_append,
	.row_latest = sq_row_latest,
	.row_purge = sq_row_purge,
	.quarantine = &sqlite_quarantine_ops,
};
