/*
 * conf.h - configuration sections declared as tables of keys.
 *
 * Every section of the configuration file, the core's (limits, dns, scan,
 * daemon, http, quarantine) and each module's, is a C struct described by
 * a table of struct conf_key: name, type, where in the struct, range,
 * default and a one-line doc.  One generic loader (config.c) reads a
 * libconfig group against its table: an unknown key, a wrong type or a
 * value out of range is an error naming FILE:LINE.  The same tables give
 * the defaults, free what was allocated, and are printed by `mamori
 * check-config --keys`, which tests/check_docs.py compares with
 * docs/configuration.md.
 *
 * Writing a table (see src/checks/date/check_date.c for a small one):
 *
 *     static const struct conf_key keys[] = {
 *         CONF_UINT(struct date_conf, future_s, 60, 31536000, 86400,
 *             "a Date this far after reception is in the future"),
 *         ...
 *     };
 */
#ifndef MAMORI_CORE_CONF_H
#define MAMORI_CORE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_type {
	CONF_T_BOOL,		/* bool */
	CONF_T_UINT,		/* uint32_t in [min, max] */
	CONF_T_SIZE,		/* uint64_t bytes in [min, max]; "512K", "50M", "1G" */
	CONF_T_NUMBER,		/* double, finite, |x| <= 1e6 */
	CONF_T_STRING,		/* char * (g_malloc'd); check() may refuse a value */
	CONF_T_LIST,		/* GPtrArray * of char *; check() per element */
	CONF_T_ACTION,		/* int (enum mamori_action) of the allowed set */
	CONF_T_CHOICE,		/* int: index of the value in choices[] */
	CONF_T_FLAGS,		/* unsigned: a list of choices[], bit i for choices[i] */
	CONF_T_MODE,		/* unsigned permission bits: "0660" or a number */
	CONF_T_GROUPS,		/* GPtrArray * of g_malloc'd structs, one per group
				 * `{ key = ...; }` of the list, each read against
				 * the table sub (its own defaults and check) */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;		/* of the field in the section's struct */
	uint64_t min, max;	/* UINT, SIZE; ACTION: bit (1 << action) allowed */
	uint64_t def;		/* BOOL, UINT, SIZE, ACTION, CHOICE, FLAGS, MODE */
	double def_num;		/* NUMBER */
	const char *def_str;	/* STRING (NULL: unset) */
	const char *const *def_list;	/* LIST, NULL-terminated (NULL: empty) */
	const char *const *choices;	/* CHOICE, FLAGS: NULL-terminated */
	/* STRING, LIST: whether v is acceptable (why may say more) */
	bool (*check)(const char *v, char *why, size_t whylen);
	/* STRING: "must be <hint>"; LIST: "\"v\" is not <hint>" */
	const char *hint;
	bool empty_null;	/* STRING: "" is stored as NULL (off) */
	bool lower;		/* LIST: stored in lower case */
	const struct conf_section *sub;	/* GROUPS: each group's keys */
	uint32_t max_groups;	/* GROUPS: at most this many */
	const char *doc;	/* one line: what it does */
};

#define CONF_FIELD_(st, f) #f, .offset = offsetof(st, f)
#define CONF_BOOL(st, f, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_BOOL, .def = (d), .doc = doc_ }
#define CONF_UINT(st, f, lo, hi, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_UINT, .min = (lo), .max = (hi), .def = (d), .doc = doc_ }
#define CONF_SIZE(st, f, lo, hi, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_SIZE, .min = (lo), .max = (hi), .def = (d), .doc = doc_ }
#define CONF_NUMBER(st, f, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_NUMBER, .def_num = (d), .doc = doc_ }
#define CONF_STRING(st, f, d, chk, hint_, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_STRING, .def_str = (d), .check = (chk), \
	  .hint = (hint_), .doc = doc_ }
/* "" turns the feature off: the field is NULL */
#define CONF_STRING_OFF(st, f, d, chk, hint_, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_STRING, .def_str = (d), .check = (chk), \
	  .hint = (hint_), .empty_null = true, .doc = doc_ }
#define CONF_LIST(st, f, d, chk, hint_, low, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_LIST, .def_list = (d), .check = (chk), \
	  .hint = (hint_), .lower = (low), .doc = doc_ }
#define CONF_ACTION(st, f, allowed, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_ACTION, .max = (allowed), .def = (d), .doc = doc_ }
#define CONF_CHOICE(st, f, ch, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_CHOICE, .choices = (ch), .def = (d), .doc = doc_ }
#define CONF_FLAGS(st, f, ch, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_FLAGS, .choices = (ch), .def = (d), .doc = doc_ }
#define CONF_MODE(st, f, d, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_MODE, .def = (d), .doc = doc_ }
/* A list of groups such as urls.feeds = ( { name = "x"; path = "/p"; } ):
 * each group a struct of sub's (a struct conf_section, .name the key's
 * dotted name for messages) */
#define CONF_GROUPS(st, f, sub_, maxn, doc_) \
	{ CONF_FIELD_(st, f), .type = CONF_T_GROUPS, .sub = (sub_), .max_groups = (maxn), \
	  .doc = doc_ }
/* The set of actions a CONF_ACTION key accepts. */
#define CONF_ACTIONS(a) (1ull << (a))

/* A section: a group `name = { ... };` of the configuration file. */
struct conf_section {
	const char *name;
	const struct conf_key *keys;
	size_t nkeys;
	size_t size;		/* of its struct */
	/* cross-key checks after loading: false with a message in err */
	bool (*check)(const void *conf, char *err, size_t errlen);
};

/* Set every key of a section to its default (conf is zeroed before). */
void conf_defaults(const struct conf_section *sec, void *conf);
/* Free what the section's keys allocated (strings, lists), not conf. */
void conf_release(const struct conf_section *sec, void *conf);
/* A key's default as written in a configuration file ("50M", "[...]"). */
char *conf_default_text(const struct conf_key *k);
/* A key's type as docs/configuration.md names it. */
const char *conf_type_name(const struct conf_key *k);
/* check() functions for common values: a domain (with a dot), a host
 * name ('_' allowed), an absolute path, UTF-8 of at most 64 bytes on one line */
bool conf_check_domain(const char *v, char *why, size_t n);
bool conf_check_hostname(const char *v, char *why, size_t n);
bool conf_check_abs_path(const char *v, char *why, size_t n);
bool conf_check_line(const char *v, char *why, size_t n);

/* A field of a section's struct, by its key. */
#define CONF_AT(conf, k, type) ((type *)(void *)((char *)(conf) + (k)->offset))

#endif
