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

struct mamori_limits {
	uint64_t message_size;	/* bytes of a message that are parsed */
	uint64_t decoded_bytes;	/* decoded content over all parts */
	uint32_t parts;		/* MIME parts per message */
	uint32_t depth;		/* MIME nesting depth */
	uint32_t scan_time_ms;	/* wall-clock budget for the checks */
	uint32_t symbol_options;	/* options kept per symbol */
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

/* The [auth] section. */
struct mamori_auth_conf {
	char *authserv_id;	/* our name in Authentication-Results */
	GPtrArray *trusted_arc_sealers;	/* char *, lower case domains */
};

struct mamori_config {
	char *path;			/* NULL for built-in defaults */
	struct mamori_limits limits;
	/* score thresholds; NAN = this action is never chosen by score */
	double threshold[MAMORI_ACTION_COUNT];
	GHashTable *symbols;		/* name -> struct symbol_conf * */
	unsigned threads;		/* 0 = one per core */
	struct mamori_dns_conf dns;
	struct mamori_auth_conf auth;
};

#endif
