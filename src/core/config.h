/*
 * config.h - the loaded configuration (docs/configuration.md).
 *
 * Immutable once loaded; shared by all scans of an engine.
 */
#ifndef MAMORI_CORE_CONFIG_H
#define MAMORI_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "mamori/mamori.h"

/*
 * The limits a scan can hit, each with the action it forces when hit
 * (limits.on_exceeded): what was not examined is never passed as clean.
 */
enum mamori_limit {
	MAMORI_LIMIT_MESSAGE_SIZE,
	MAMORI_LIMIT_DECODED_BYTES,
	MAMORI_LIMIT_PARTS,
	MAMORI_LIMIT_DEPTH,
	MAMORI_LIMIT_SCAN_TIME,
	MAMORI_LIMIT_UNPACK_DEPTH,
	MAMORI_LIMIT_OBJECTS,
	MAMORI_LIMIT_OBJECT_BYTES,
	MAMORI_LIMIT_UNPACKED_BYTES,
	MAMORI_LIMIT_LISTED_NAMES,
	MAMORI_LIMIT_ENGINES,		/* yara.max_bytes, clamd.max_stream, a YARA error */
	MAMORI_LIMIT_PPAP_ATTEMPTS,	/* ppap.max_attempts, ppap.time_ms */
	MAMORI_LIMIT_URLS,		/* urls.max_urls, urls.max_dns, the QR limits */
	MAMORI_LIMIT_DEOBFUSCATION,	/* limits.deobfuscation_steps/_bytes */
	MAMORI_LIMIT_COUNT
};
/* The key of a limit in limits.on_exceeded ("objects", "scan_time" ...). */
const char *mamori_limit_name(enum mamori_limit l);

struct mamori_limits {
	uint64_t message_size;	/* bytes of a message that are parsed */
	uint64_t decoded_bytes;	/* decoded content over all parts */
	uint32_t parts;		/* MIME parts per message */
	uint32_t depth;		/* MIME nesting depth */
	uint32_t scan_time_ms;	/* wall-clock budget for the checks */
	uint32_t symbol_options;	/* options kept per symbol */
	/* unpacking attachments (docs/objects.md) */
	uint32_t unpack_depth;	/* containers inside containers */
	uint32_t objects;	/* objects per message */
	uint64_t object_bytes;	/* kept bytes per unpacked object */
	uint64_t unpacked_bytes;	/* kept bytes over all unpacked objects */
	uint64_t stream_bytes;	/* decompressed bytes, padding included */
	uint32_t compression_ratio;	/* kept bytes per byte of container */
	uint64_t compression_ratio_min;	/* ... once this much was kept */
	uint32_t listed_names;	/* names still checked past parts/objects */
	/* the static sandbox (src/deob/): per script or macro */
	uint32_t deobfuscation_steps;
	uint64_t deobfuscation_bytes;
	/* forced action per limit hit (enum mamori_action; accept = none) */
	int on_exceeded[MAMORI_LIMIT_COUNT];
};

/* A [symbols] entry: weight and/or forced action for one symbol. */
#define SYMBOL_ACTION_UNSET (-1)	/* keep the symbol's default */
#define SYMBOL_ACTION_NONE (-2)		/* action = "none": force nothing */
struct symbol_conf {
	double weight;
	bool has_weight;
	int action;		/* enum mamori_action, or SYMBOL_ACTION_* */
	int line;		/* where it was set, for error messages */
};

/* The [dns] section: the resolver the authentication checks use. */
struct mamori_dns_conf {
	GPtrArray *servers;	/* char * "IP" / "IP:PORT"; empty: resolv.conf */
	uint32_t timeout_ms;	/* per try */
	uint32_t tries;
	uint32_t cache_entries;	/* shared by all scans; 0 = no cache */
	uint32_t max_lookups;	/* DNS queries one scan may send */
};

/* The [daemon] section: `mamori milter` and `mamori serve`. */
struct mamori_daemon_conf {
	char *user;		/* drop privileges to it; "" = none (not as root) */
	bool syslog;		/* log to syslog (mail) instead of stderr */
	uint64_t spool_bytes;	/* milter: bodies above it go to a temp file */
	char *subject_tag;	/* milter add_header: Subject prefix; "" = none */
	unsigned socket_mode;	/* milter unix socket: permission bits */
	char *socket_group;	/* milter unix socket: group; "" = postfix, else user's */
};

/* The [quarantine] section: the store and the release of messages. */
struct mamori_quarantine_conf {
	char *state_dir;	/* mamori.db and quarantine/ */
	uint32_t expire_days;	/* kept this long, then purged */
	char *release_smtp;	/* "HOST:PORT" next hop; NULL: use sendmail */
	char *release_sendmail;	/* absolute path of a sendmail binary */
	uint32_t dedup_window_s;	/* a retried message within it is stored once; 0 = off */
	uint32_t release_stale_s;	/* `quarantine reset` only on claims this old */
};

/* The [http] section: `mamori serve` (src/daemon/http.c). */
struct mamori_http_conf {
	char *token;		/* bearer token of /quarantine; "" = disabled */
	uint64_t max_body;	/* request body cap; 0 = limits.message_size + 1M */
	uint32_t threads;	/* concurrent scans; 0 = one per core */
	uint32_t timeout_s;	/* idle connection timeout */
	uint32_t header_timeout_s;	/* request head within this, from its start */
	uint32_t body_timeout_s;	/* body: this long ... */
	uint64_t body_min_rate;	/* ... + 1 s per this many bytes; 0 = none */
	uint32_t max_conns;	/* open connections (shared) */
	uint32_t max_conns_per_ip;	/* open connections of one client address */
	uint32_t health_reserve;	/* connections beyond the caps, /health only */
	uint64_t body_budget;	/* request bodies buffered, all connections */
	bool scan_requires_token;	/* POST /scan needs the bearer token */
};

/* The [scan] section. */
struct mamori_scan_conf {
	uint32_t threads;	/* 0 = one per core */
};

struct conf_section;

struct mamori_config {
	char *path;			/* NULL for built-in defaults */
	struct mamori_scan_conf scan;
	struct mamori_limits limits;
	/* score thresholds; NAN = this action is never chosen by score */
	double threshold[MAMORI_ACTION_COUNT];
	GHashTable *symbols;		/* name -> struct symbol_conf * */
	struct mamori_dns_conf dns;
	struct mamori_daemon_conf daemon;
	struct mamori_http_conf http;
	struct mamori_quarantine_conf quarantine;
	/* the modules' sections (module.h: mamori_config_section()) */
	size_t nmodules;
	const struct conf_section *const *msec;	/* [nmodules], borrowed */
	void **mconf;			/* [nmodules], each msec[i]->size bytes */
};

/*
 * The configuration with the sections of the given modules (the driver
 * passes the registry's): built-in defaults, or read from a file.
 */
struct mamori_config *config_new(const struct conf_section *const *msec, size_t n);
enum mamori_status config_load_fd(int fd, const char *path,
    const struct conf_section *const *msec, size_t n,
    struct mamori_config **out, char *err, size_t errlen);
/* The core's own sections (scan, limits, dns, daemon, http, quarantine),
 * for `mamori check-config --keys`; NULL-terminated. */
extern const struct conf_section *const config_core_sections[];

/*
 * mamori_config_load() on a descriptor already open for reading (it is
 * closed): the daemons get the file from their privileged reader
 * (src/daemon/daemon.c).  path names the file in messages.
 */
enum mamori_status mamori_config_load_fd(int fd, const char *path,
    struct mamori_config **out, char *err, size_t errlen);


#endif
