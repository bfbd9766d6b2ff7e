/*
 * mamori.h - public API of libmamori.
 *
 * libmamori scans one message at a time and returns a result: symbols with
 * weights and options, a score and an action.  It has no I/O policy of its
 * own: the CLI, the milter and the HTTP server are thin front ends over
 * mamori_scan().
 *
 * Threads: a struct mamori_engine is immutable once built and may be shared
 * by any number of threads, each calling mamori_scan() concurrently.  A
 * struct mamori_result belongs to the caller that received it.
 *
 * Ownership: functions returning `char *` return memory owned by the caller
 * (free with g_free()); functions returning `const char *` return memory
 * borrowed from the object they were called on.
 */
#ifndef MAMORI_MAMORI_H
#define MAMORI_MAMORI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAMORI_VERSION "0.1.0"
/* Version of the JSON report schema (docs/report.md). */
#define MAMORI_REPORT_VERSION 3

enum mamori_status {
	MAMORI_OK = 0,
	MAMORI_ERR_CONFIG,	/* bad configuration (message in the error buffer) */
	MAMORI_ERR_IO,		/* could not read a file */
	MAMORI_ERR_INTERNAL,	/* a bug or resource failure: treat as tempfail */
};

/*
 * Actions in increasing order of severity.  When several actions apply
 * (score threshold and forced actions) the most severe one wins; see
 * docs/report.md for the reasoning behind the order.
 */
enum mamori_action {
	MAMORI_ACTION_ACCEPT = 0,
	MAMORI_ACTION_ADD_HEADER,
	MAMORI_ACTION_TEMPFAIL,
	MAMORI_ACTION_HOLD,
	MAMORI_ACTION_QUARANTINE,
	MAMORI_ACTION_REJECT,
	MAMORI_ACTION_COUNT
};

const char *mamori_action_name(enum mamori_action a);
/* Returns false if name is not an action name. */
bool mamori_action_parse(const char *name, enum mamori_action *out);

/* ---- configuration ---------------------------------------------------- */

struct mamori_config;

/* Built-in defaults; never fails. */
struct mamori_config *mamori_config_new_default(void);
/*
 * Load and validate a configuration file.  On error returns
 * MAMORI_ERR_CONFIG and writes "FILE:LINE: message" into err.
 */
enum mamori_status mamori_config_load(const char *path,
    struct mamori_config **out, char *err, size_t errlen);
void mamori_config_free(struct mamori_config *cfg);
/* Worker threads the configuration asks for (0 = one per core). */
unsigned mamori_config_threads(const struct mamori_config *cfg);
/*
 * What the configuration accepts, one key per line (g_free the text):
 * "section.key TAB type TAB default TAB doc"; and every symbol:
 * "NAME TAB weight TAB forced action (- for none) TAB module TAB doc".
 * `mamori check-config --keys` / `--symbols` print them.
 */
char *mamori_config_keys(void);
char *mamori_symbols(void);
/* Use this one DNS server ("IP", "IP:PORT", "[IPv6]:PORT") instead. */
void mamori_config_set_dns_server(struct mamori_config *cfg, const char *server);
bool mamori_dns_server_valid(const char *server);

/* ---- engine ----------------------------------------------------------- */

struct mamori_engine;

/*
 * Build an engine from a configuration (ownership of cfg passes to the
 * engine, also on failure).  Initialises the libraries mamori uses.
 */
enum mamori_status mamori_engine_new(struct mamori_config *cfg,
    struct mamori_engine **out, char *err, size_t errlen);
void mamori_engine_free(struct mamori_engine *eng);
/* What each module's engine was built from (rule files: rules in use,
 * left out by reason), as `mamori check-config` prints it; with detail,
 * also a line per rule in use ("spam: rule NAME TYPE"); g_free() it. */
char *mamori_engine_summary(const struct mamori_engine *eng, bool detail);
/* The configuration the engine was built from (read-only, lives as long
 * as the engine): the front ends read their own settings from it. */
const struct mamori_config *mamori_engine_config(const struct mamori_engine *eng);
/* The store the checks keep their state in (mamori/store.h), borrowed:
 * it must outlive the engine.  NULL (the default): none, and the checks
 * that need one do without.  Set it before the engine is shared. */
struct mamori_store;
void mamori_engine_set_store(struct mamori_engine *eng, struct mamori_store *store);

/*
 * Learning (docs/spam.md): the modules that learn (the classifier) count
 * a message as spam or ham, or forget it, in the engine's store.  A
 * message learned twice as the same class counts once; learned as the
 * other class it moves.  The counts are collected in memory and written
 * every bayes.batch messages and by mamori_learn_commit(), which a caller
 * must call when it is done (nothing uncommitted is written by
 * mamori_engine_free(), but for what bayes.autolearn learned from scans:
 * the store must outlive the engine).  MAMORI_ERR_CONFIG: no store was set, or no
 * module learns (bayes.enabled = false); MAMORI_ERR_INTERNAL: the store
 * failed.  Thread-safe.
 */
enum mamori_learn_class { MAMORI_LEARN_SPAM, MAMORI_LEARN_HAM };
enum mamori_learn_outcome {
	MAMORI_LEARNED,		/* counted */
	MAMORI_LEARN_ALREADY,	/* counted as this class before: unchanged */
	MAMORI_RELEARNED,	/* counted as the other class before: moved */
	MAMORI_FORGOTTEN,	/* its counts taken away */
	MAMORI_NOT_LEARNED,	/* forget of a message never learned */
};
/* "learned", "already learned", "relearned", "forgotten", "not learned" */
const char *mamori_learn_outcome_name(enum mamori_learn_outcome o);
enum mamori_status mamori_learn(const struct mamori_engine *eng, const uint8_t *msg,
    size_t len, enum mamori_learn_class cls, bool forget,
    enum mamori_learn_outcome *out, char *err, size_t errlen);
enum mamori_status mamori_learn_commit(const struct mamori_engine *eng, char *err,
    size_t errlen);

/* ---- scanning --------------------------------------------------------- */

/* SMTP envelope and provenance of a message; every field may be NULL. */
struct mamori_envelope {
	const char *client_ip;
	const char *helo;
	const char *mail_from;
	const char *const *rcpt;
	size_t n_rcpt;
	const char *source;	/* where the bytes came from, e.g. a file path */
	const char *queue_id;
};

struct mamori_result;

/*
 * Scan one message of len bytes.  Never fails on hostile input: malformed
 * mail yields symbols.  MAMORI_ERR_INTERNAL means the scan could not be
 * completed; the caller must tempfail the message.
 */
enum mamori_status mamori_scan(const struct mamori_engine *eng,
    const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    struct mamori_result **out);

/*
 * Options of one scan.  The PPAP path (docs/ppap.md) rescans a held
 * message with the candidates of a follow-up "password mail" or of an
 * operator; they are tried before everything else.
 */
enum mamori_pw_origin { MAMORI_PW_FOLLOWUP, MAMORI_PW_OPERATOR };
struct mamori_scan_opts {
	const char *const *passwords;	/* extra candidates, best first */
	size_t n_passwords;
	enum mamori_pw_origin password_origin;
	const char *password_where;	/* for the report, e.g. "follow-up mail
					 * <queue id>"; never the password */
	bool held;		/* rescan of a held message: PPAP_RELEASED when
				 * everything opened */
	bool expired;		/* its window has ended: PPAP_EXPIRED, never
				 * PPAP_HELD */
};
/* mamori_scan() with options (opts may be NULL). */
enum mamori_status mamori_scan_ex(const struct mamori_engine *eng,
    const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_scan_opts *opts, struct mamori_result **out);
/*
 * PPAP facts of a finished scan: the file names of the attachments that
 * still hold encrypted content (for the expiry policy "strip"), and the
 * normalised Subject used to match a password mail to a held message
 * (NULL when there is none).
 */
size_t mamori_result_ppap_encrypted(const struct mamori_result *res,
    const char *const **names);
const char *mamori_result_ppap_subject_key(const struct mamori_result *res);
/* The candidate passwords found in the message's own text, best first:
 * a password mail offers them to the messages held for its sender. */
size_t mamori_result_ppap_candidates(const struct mamori_result *res,
    const char *const **pw);

enum mamori_action mamori_result_action(const struct mamori_result *res);
double mamori_result_score(const struct mamori_result *res);
/* Number of symbols, and the i-th in the order they were added. */
size_t mamori_result_nsymbols(const struct mamori_result *res);
const char *mamori_result_symbol(const struct mamori_result *res, size_t i,
    double *score);
bool mamori_result_has_symbol(const struct mamori_result *res,
    const char *name);

/* The JSON report (docs/report.md) on one line, borrowed from res. */
const char *mamori_result_json(const struct mamori_result *res);
/*
 * The report for a message that could not be scanned (action tempfail,
 * "error" set), with the same top-level keys, ending in a newline; owned
 * by the caller.
 */
char *mamori_error_report(const char *source);
/* One human-readable line: "ACTION score SYM(w)[opt] ...", owned by caller. */
char *mamori_result_summary(const struct mamori_result *res, size_t max_symbols);
void mamori_result_free(struct mamori_result *res);
/*
 * The Authentication-Results value a front end adds (without the field
 * name), or NULL when the scan did not get that far; and the positions
 * (1 = the first header field of the message) of incoming
 * Authentication-Results headers that claim our authserv-id, which a front
 * end removes.
 */
const char *mamori_result_auth_results(const struct mamori_result *res);
size_t mamori_result_forged_ar(const struct mamori_result *res, const unsigned **pos);

/*
 * Parse a message and return a JSON dump of the message model (decoded
 * headers, addresses, parts with their UTF-8 text), for operators and
 * tests.  Owned by the caller.
 */
char *mamori_dump_message(const struct mamori_engine *eng,
    const uint8_t *msg, size_t len);

#ifdef __cplusplus
}
#endif
#endif
