/*
 * config.c - the configuration file (libconfig syntax) and built-in
 * defaults, read against tables of keys (conf.h).
 *
 * Design: every section is a table of keys, the core's below and each
 * module's in its own folder; one generic loader reads them all.  An
 * unknown section or key, a value of the wrong type or out of range is an
 * error that names FILE:LINE, so a typo never silently leaves a default in
 * force.  Symbol names are checked later, against the modules' symbols,
 * when the engine is built (scan.c), still with FILE:LINE.  Every key is
 * documented in docs/configuration.md; `mamori check-config --keys` prints
 * the tables and a test compares them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf.h"
#include "module.h"
#include "mamori/mamori.h"

#define MIB (1024ull * 1024ull)

const char *
mamori_limit_name(enum mamori_limit l)
{
	switch (l) {
	case MAMORI_LIMIT_MESSAGE_SIZE: return "message_size";
	case MAMORI_LIMIT_DECODED_BYTES: return "decoded_bytes";
	case MAMORI_LIMIT_PARTS: return "parts";
	case MAMORI_LIMIT_DEPTH: return "depth";
	case MAMORI_LIMIT_SCAN_TIME: return "scan_time";
	case MAMORI_LIMIT_UNPACK_DEPTH: return "unpack_depth";
	case MAMORI_LIMIT_OBJECTS: return "objects";
	case MAMORI_LIMIT_OBJECT_BYTES: return "object_bytes";
	case MAMORI_LIMIT_UNPACKED_BYTES: return "unpacked_bytes";
	case MAMORI_LIMIT_LISTED_NAMES: return "listed_names";
	case MAMORI_LIMIT_ENGINES: return "engines";
	case MAMORI_LIMIT_PPAP_ATTEMPTS: return "ppap_attempts";
	case MAMORI_LIMIT_URLS: return "urls";
	case MAMORI_LIMIT_DEOBFUSCATION: return "deobfuscation";
	case MAMORI_LIMIT_COUNT: break;
	}
	return "?";
}

/* what was not examined is not passed: content limits quarantine; the
 * engines' own size caps only tag (mamori's checks still saw the object);
 * PPAP trials end in PPAP_UNDECRYPTABLE, judged by ppap.* */
static const int default_on_exceeded[MAMORI_LIMIT_COUNT] = {
	[MAMORI_LIMIT_MESSAGE_SIZE] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_DECODED_BYTES] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_PARTS] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_DEPTH] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_SCAN_TIME] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_UNPACK_DEPTH] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_OBJECTS] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_OBJECT_BYTES] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_UNPACKED_BYTES] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_LISTED_NAMES] = MAMORI_ACTION_QUARANTINE,
	[MAMORI_LIMIT_ENGINES] = MAMORI_ACTION_ADD_HEADER,
	[MAMORI_LIMIT_PPAP_ATTEMPTS] = MAMORI_ACTION_ACCEPT,
	[MAMORI_LIMIT_URLS] = MAMORI_ACTION_ADD_HEADER,
	[MAMORI_LIMIT_DEOBFUSCATION] = MAMORI_ACTION_ADD_HEADER,
};

struct load_ctx {
	const char *path;
	char *err;
	size_t errlen;
	bool failed;
};

static bool G_GNUC_PRINTF(3, 4)
fail(struct load_ctx *lc, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (lc->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *file = s != NULL ? config_setting_source_file(s) : NULL;
	snprintf(lc->err, lc->errlen, "%s:%d: %s", file != NULL ? file : lc->path,
	    s != NULL ? (int)config_setting_source_line(s) : 0, msg);
	lc->failed = true;
	return false;
}

/* An integer, or a string with a K/M/G (binary) suffix. */
static bool
get_size(struct load_ctx *lc, const config_setting_t *s, uint64_t min, uint64_t max,
    uint64_t *out)
{
	const char *name = config_setting_name(s);
	long long v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		if (v < 0)
			return fail(lc, s, "%s must not be negative", name);
		*out = (uint64_t)v;
		break;
	case CONFIG_TYPE_STRING: {
		const char *str = config_setting_get_string(s);
		char *end = NULL;
		guint64 n = g_ascii_strtoull(str, &end, 10);
		uint64_t mult = 1;
		if (end == str)
			return fail(lc, s, "%s: \"%s\" is not a size", name, str);
		switch (*end) {
		case 'k': case 'K': mult = 1024; end++; break;
		case 'm': case 'M': mult = MIB; end++; break;
		case 'g': case 'G': mult = 1024 * MIB; end++; break;
		default: break;
		}
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0' || n > UINT64_MAX / mult)
			return fail(lc, s, "%s: \"%s\" is not a size (use 512K, 50M, 1G)",
			    name, str);
		*out = n * mult;
		break;
	}
	default:
		return fail(lc, s, "%s must be a number or a size such as \"50M\"", name);
	}
	/* (libconfig wraps plain integers above 2^31: sizes as strings are safe) */
	if (*out < min || *out > max)
		return fail(lc, s, "%s must be between %llu and %llu bytes; write large "
		    "sizes as strings such as \"4G\"", name, (unsigned long long)min,
		    (unsigned long long)max);
	return true;
}

static bool
get_uint32(struct load_ctx *lc, const config_setting_t *s, uint32_t min,
    uint32_t max, uint32_t *out)
{
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return fail(lc, s, "%s must be an integer", config_setting_name(s));
	long long v = config_setting_get_int64(s);
	if (v < (long long)min || v > (long long)max)
		return fail(lc, s, "%s must be between %u and %u",
		    config_setting_name(s), min, max);
	*out = (uint32_t)v;
	return true;
}

static bool
get_number(struct load_ctx *lc, const config_setting_t *s, double *out)
{
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
		return fail(lc, s, "%s must be a number", config_setting_name(s));
	*out = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
	    : (double)config_setting_get_int64(s);
	if (!isfinite(*out) || fabs(*out) > 1e6)
		return fail(lc, s, "%s is out of range", config_setting_name(s));
	return true;
}

static bool
expect_group(struct load_ctx *lc, const config_setting_t *s)
{
	if (!config_setting_is_group(s))
		return fail(lc, s, "%s must be a group: %s = { ... };",
		    config_setting_name(s), config_setting_name(s));
	return true;
}

/* A server as c-ares takes it: IPv4, IPv4:port, [IPv6]:port or IPv6. */
static bool
valid_server(const char *s)
{
	char *host = NULL;
	guint16 port = 0;
	bool ok;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		/* "[IPv6]" needs its port; a bare IPv6 address is written bare */
		if (end == NULL || end[1] != ':')
			return false;
		host = g_strndup(s + 1, (gsize)(end - s - 1));
		ok = g_hostname_is_ip_address(host) && strchr(host, ':') != NULL;
		if (ok) {
			guint64 p;
			ok = g_ascii_string_to_unsigned(end + 2, 10, 1, 65535, &p, NULL);
			port = (guint16)p;
		}
		g_free(host);
		return ok;
	}
	const char *colon = strchr(s, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return g_hostname_is_ip_address(s);	/* bare IPv6 */
	host = colon != NULL ? g_strndup(s, (gsize)(colon - s)) : g_strdup(s);
	ok = g_hostname_is_ip_address(host);
	if (ok && colon != NULL) {
		guint64 p;
		ok = g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &p, NULL);
		port = (guint16)p;
	}
	(void)port;
	g_free(host);
	return ok;
}

bool
mamori_dns_server_valid(const char *server)
{
	return server != NULL && valid_server(server);
}

/* A host name or domain: letters, digits, '.', '-' (and '_' if allowed). */
static bool
valid_hostname(const char *v, bool underscore)
{
	bool ok = v != NULL && v[0] != '\0' && strlen(v) <= 253;
	for (const char *c = v; ok && *c != '\0'; c++)
		ok = g_ascii_isalnum(*c) || *c == '.' || *c == '-' || (underscore && *c == '_');
	return ok;
}

bool
conf_check_domain(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return valid_hostname(v, false) && strchr(v, '.') != NULL;
}

bool
conf_check_hostname(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return valid_hostname(v, true);
}

bool
conf_check_abs_path(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return *v == '/';
}

bool
conf_check_line(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return strlen(v) <= 64 && strpbrk(v, "\r\n") == NULL && g_utf8_validate(v, -1, NULL);
}

/* "HOST:PORT" or "[IPv6]:PORT" with a port of 1 to 65535 */
static bool
valid_host_port(const char *v)
{
	const char *port;

	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (end == NULL || end == v + 1 || end[1] != ':')
			return false;
		port = end + 2;
	} else {
		const char *colon = strrchr(v, ':');
		if (colon == NULL || colon == v || memchr(v, ':', (size_t)(colon - v)) != NULL)
			return false;
		for (const char *p = v; p < colon; p++)
			if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
				return false;
		port = colon + 1;
	}
	if (*port == '\0' || strlen(port) > 5)
		return false;
	for (const char *p = port; *p; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	long n = strtol(port, NULL, 10);
	return n >= 1 && n <= 65535;
}

/* A bearer token: "" (off), or 16 to 256 visible ASCII characters. */
static bool
valid_token(const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return true;
	if (n < 16 || n > 256)
		return false;
	for (; *v != '\0'; v++)
		if (*v <= ' ' || *v > '~')
			return false;
	return true;
}


/* ---- the generic loader ---- */

static const char *const type_names[] = {
	[CONF_T_BOOL] = "bool", [CONF_T_UINT] = "integer", [CONF_T_SIZE] = "size",
	[CONF_T_NUMBER] = "number", [CONF_T_STRING] = "string", [CONF_T_LIST] = "list",
	[CONF_T_ACTION] = "action", [CONF_T_CHOICE] = "choice", [CONF_T_FLAGS] = "list",
	[CONF_T_MODE] = "mode", [CONF_T_GROUPS] = "groups",
};

const char *
conf_type_name(const struct conf_key *k)
{
	return type_names[k->type];
}

static GPtrArray *
list_of(const char *const *l)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; l != NULL && l[i] != NULL; i++)
		g_ptr_array_add(a, g_strdup(l[i]));
	return a;
}

void
conf_defaults(const struct conf_section *sec, void *conf)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct conf_key *k = &sec->keys[i];
		switch (k->type) {
		case CONF_T_BOOL: *CONF_AT(conf, k, bool) = k->def != 0; break;
		case CONF_T_UINT: *CONF_AT(conf, k, uint32_t) = (uint32_t)k->def; break;
		case CONF_T_SIZE: *CONF_AT(conf, k, uint64_t) = k->def; break;
		case CONF_T_NUMBER: *CONF_AT(conf, k, double) = k->def_num; break;
		case CONF_T_STRING:
			*CONF_AT(conf, k, char *) = k->def_str == NULL ||
			    (k->empty_null && *k->def_str == '\0') ? NULL : g_strdup(k->def_str);
			break;
		case CONF_T_LIST: *CONF_AT(conf, k, GPtrArray *) = list_of(k->def_list); break;
		case CONF_T_ACTION:
		case CONF_T_CHOICE: *CONF_AT(conf, k, int) = (int)k->def; break;
		case CONF_T_FLAGS:
		case CONF_T_MODE: *CONF_AT(conf, k, unsigned) = (unsigned)k->def; break;
		case CONF_T_GROUPS: *CONF_AT(conf, k, GPtrArray *) = g_ptr_array_new(); break;
		}
	}
}

static void
groups_free(const struct conf_key *k, GPtrArray *a)
{
	for (guint i = 0; a != NULL && i < a->len; i++) {
		conf_release(k->sub, a->pdata[i]);
		g_free(a->pdata[i]);
	}
	if (a != NULL)
		g_ptr_array_unref(a);
}

void
conf_release(const struct conf_section *sec, void *conf)
{
	for (size_t i = 0; conf != NULL && i < sec->nkeys; i++) {
		const struct conf_key *k = &sec->keys[i];
		if (k->type == CONF_T_STRING) {
			g_free(*CONF_AT(conf, k, char *));
			*CONF_AT(conf, k, char *) = NULL;
		} else if (k->type == CONF_T_LIST && *CONF_AT(conf, k, GPtrArray *) != NULL) {
			g_ptr_array_unref(*CONF_AT(conf, k, GPtrArray *));
			*CONF_AT(conf, k, GPtrArray *) = NULL;
		} else if (k->type == CONF_T_GROUPS) {
			groups_free(k, *CONF_AT(conf, k, GPtrArray *));
			*CONF_AT(conf, k, GPtrArray *) = NULL;
		}
	}
}

static void
quoted_list(GString *s, const char *const *l)
{
	g_string_append_c(s, '[');
	for (size_t i = 0; l != NULL && l[i] != NULL; i++)
		g_string_append_printf(s, "%s\"%s\"", i > 0 ? ", " : "", l[i]);
	g_string_append_c(s, ']');
}

static void
size_text(GString *s, uint64_t v)
{
	if (v >= MIB * 1024 && v % (MIB * 1024) == 0)
		g_string_append_printf(s, "\"%lluG\"", (unsigned long long)(v / (MIB * 1024)));
	else if (v >= MIB && v % MIB == 0)
		g_string_append_printf(s, "\"%lluM\"", (unsigned long long)(v / MIB));
	else if (v >= 1024 && v % 1024 == 0)
		g_string_append_printf(s, "\"%lluK\"", (unsigned long long)(v / 1024));
	else
		g_string_append_printf(s, "%llu", (unsigned long long)v);
}

char *
conf_default_text(const struct conf_key *k)
{
	GString *s = g_string_new(NULL);

	switch (k->type) {
	case CONF_T_BOOL: g_string_append(s, k->def ? "true" : "false"); break;
	case CONF_T_UINT: g_string_append_printf(s, "%llu", (unsigned long long)k->def); break;
	case CONF_T_SIZE: size_text(s, k->def); break;
	case CONF_T_NUMBER: g_string_append_printf(s, "%g", k->def_num); break;
	case CONF_T_STRING:
		g_string_append_printf(s, "\"%s\"", k->def_str != NULL ? k->def_str : "");
		break;
	case CONF_T_LIST: quoted_list(s, k->def_list); break;
	case CONF_T_GROUPS: g_string_append(s, "()"); break;
	case CONF_T_ACTION:
		g_string_append_printf(s, "\"%s\"", mamori_action_name((enum mamori_action)k->def));
		break;
	case CONF_T_CHOICE: g_string_append_printf(s, "\"%s\"", k->choices[k->def]); break;
	case CONF_T_FLAGS: {
		const char *on[32];
		size_t n = 0;
		for (size_t i = 0; k->choices[i] != NULL && n < 31; i++)
			if (k->def & (1ull << i))
				on[n++] = k->choices[i];
		on[n] = NULL;
		quoted_list(s, on);
		break;
	}
	case CONF_T_MODE: g_string_append_printf(s, "\"%04llo\"", (unsigned long long)k->def); break;
	}
	return g_string_free(s, FALSE);
}

/* "a, b or c" of a NULL-terminated list, each quoted when q */
static char *
choice_text(const char *const *l, bool q)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; l[i] != NULL; i++) {
		if (i > 0)
			g_string_append(s, l[i + 1] == NULL ? " or " : ", ");
		g_string_append_printf(s, q ? "\"%s\"" : "%s", l[i]);
	}
	return g_string_free(s, FALSE);
}

static void
get_string_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ?
	    config_setting_get_string(s) : NULL;
	char why[160] = "";

	if (v == NULL || (!(k->empty_null && *v == '\0') && k->check != NULL &&
	    !k->check(v, why, sizeof(why)))) {
		fail(lc, s, "%s.%s must be %s%s%s", sec, k->name, k->hint, *why ? ": " : "", why);
		return;
	}
	char **out = CONF_AT(conf, k, char *);
	g_free(*out);
	*out = k->empty_null && *v == '\0' ? NULL : g_strdup(v);
}

static GPtrArray *
get_list_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		char *ex = conf_default_text(k);
		fail(lc, s, "%s.%s must be a list such as %s", sec, k->name,
		    strcmp(ex, "[]") != 0 ? ex : "[\"...\"]");
		g_free(ex);
		return NULL;
	}
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (int j = 0; j < config_setting_length(s); j++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
		const char *v = config_setting_get_string(e);
		char why[160] = "";
		if (v == NULL || (k->check != NULL && !k->check(v, why, sizeof(why)))) {
			fail(lc, e, "%s.%s: \"%s\" is not %s%s%s", sec, k->name,
			    v != NULL ? v : "(not a string)", k->hint, *why ? ": " : "", why);
			g_ptr_array_unref(out);
			return NULL;
		}
		g_ptr_array_add(out, k->lower ? g_ascii_strdown(v, -1) : g_strdup(v));
	}
	return out;
}

static void
get_action_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	const char *v = config_setting_get_string(s);
	enum mamori_action a;

	if (v != NULL && mamori_action_parse(v, &a) && (k->max & CONF_ACTIONS(a))) {
		*CONF_AT(conf, k, int) = (int)a;
		return;
	}
	const char *names[MAMORI_ACTION_COUNT + 1];
	size_t n = 0;
	for (int i = 0; i < MAMORI_ACTION_COUNT; i++)
		if (k->max & CONF_ACTIONS(i))
			names[n++] = mamori_action_name((enum mamori_action)i);
	names[n] = NULL;
	char *l = choice_text(names, false);
	fail(lc, s, "%s.%s must be one of %s", sec, k->name, l);
	g_free(l);
}

static void
get_choice_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	const char *v = config_setting_get_string(s);
	for (size_t i = 0; v != NULL && k->choices[i] != NULL; i++) {
		if (strcmp(v, k->choices[i]) == 0) {
			*CONF_AT(conf, k, int) = (int)i;
			return;
		}
	}
	char *l = choice_text(k->choices, true);
	fail(lc, s, "%s.%s must be %s", sec, k->name, l);
	g_free(l);
}

static void
get_flags_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	unsigned bits = 0;
	char *l = choice_text(k->choices, false);

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		char *ex = conf_default_text(k);
		fail(lc, s, "%s.%s must be a list such as %s", sec, k->name, ex);
		g_free(ex);
		g_free(l);
		return;
	}
	for (int j = 0; j < config_setting_length(s) && !lc->failed; j++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
		const char *v = config_setting_get_string(e);
		size_t i = 0;
		while (v != NULL && k->choices[i] != NULL && g_ascii_strcasecmp(v, k->choices[i]) != 0)
			i++;
		if (v == NULL || k->choices[i] == NULL)
			fail(lc, e, "%s.%s: \"%s\" is not one of %s", sec, k->name,
			    v != NULL ? v : "(not a string)", l);
		else
			bits |= 1u << i;
	}
	g_free(l);
	if (!lc->failed)
		*CONF_AT(conf, k, unsigned) = bits;
}

static void
get_mode_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	/* an octal string such as "0660" */
	const char *v = config_setting_get_string(s);
	unsigned long m = v != NULL && *v != '\0' && strspn(v, "01234567") == strlen(v)
	    ? strtoul(v, NULL, 8) : 07777;
	if (m > 0777) {
		fail(lc, s, "%s.%s must be an octal mode string from \"0000\" to "
		    "\"0777\", such as \"0660\"", sec, k->name);
		return;
	}
	*CONF_AT(conf, k, unsigned) = (unsigned)m;
}

static void load_section(struct load_ctx *lc, const config_setting_t *g,
    const struct conf_section *sec, void *conf,
    bool (*extra)(struct load_ctx *, const config_setting_t *, void *));

/* A list of groups, each against k->sub's table (defaults first). */
static void
get_groups_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		fail(lc, s, "%s.%s must be a list of groups: ( { ... }, { ... } )", sec, k->name);
		return;
	}
	int n = config_setting_length(s);
	if (k->max_groups > 0 && n > (int)k->max_groups) {
		fail(lc, s, "%s.%s: more than %u groups", sec, k->name, k->max_groups);
		return;
	}
	GPtrArray *out = g_ptr_array_new();
	for (int j = 0; j < n && !lc->failed; j++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
		void *one = g_malloc0(k->sub->size);
		conf_defaults(k->sub, one);
		g_ptr_array_add(out, one);
		if (!config_setting_is_group(e)) {
			fail(lc, e, "%s.%s: element %d must be a group { ... }", sec, k->name, j + 1);
			break;
		}
		load_section(lc, e, k->sub, one, NULL);
	}
	if (lc->failed) {
		groups_free(k, out);
		return;
	}
	GPtrArray **dst = CONF_AT(conf, k, GPtrArray *);
	groups_free(k, *dst);
	*dst = out;
}

/* One key of a section against its table entry. */
static void
load_key(struct load_ctx *lc, const config_setting_t *s, const char *sec,
    const struct conf_key *k, void *conf)
{
	switch (k->type) {
	case CONF_T_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			fail(lc, s, "%s.%s must be true or false", sec, k->name);
		else
			*CONF_AT(conf, k, bool) = config_setting_get_bool(s);
		break;
	case CONF_T_UINT: {
		uint32_t v = 0;
		if (get_uint32(lc, s, (uint32_t)k->min, (uint32_t)k->max, &v))
			*CONF_AT(conf, k, uint32_t) = v;
		break;
	}
	case CONF_T_SIZE: {
		uint64_t v = 0;
		if (get_size(lc, s, k->min, k->max, &v))
			*CONF_AT(conf, k, uint64_t) = v;
		break;
	}
	case CONF_T_NUMBER: {
		double v = 0;
		if (get_number(lc, s, &v))
			*CONF_AT(conf, k, double) = v;
		break;
	}
	case CONF_T_STRING: get_string_key(lc, s, sec, k, conf); break;
	case CONF_T_LIST: {
		GPtrArray *l = get_list_key(lc, s, sec, k);
		if (l != NULL) {
			GPtrArray **out = CONF_AT(conf, k, GPtrArray *);
			if (*out != NULL)
				g_ptr_array_unref(*out);
			*out = l;
		}
		break;
	}
	case CONF_T_ACTION: get_action_key(lc, s, sec, k, conf); break;
	case CONF_T_CHOICE: get_choice_key(lc, s, sec, k, conf); break;
	case CONF_T_FLAGS: get_flags_key(lc, s, sec, k, conf); break;
	case CONF_T_MODE: get_mode_key(lc, s, sec, k, conf); break;
	case CONF_T_GROUPS: get_groups_key(lc, s, sec, k, conf); break;
	}
}

/* A whole section; extra() takes the keys the table does not have. */
static void
load_section(struct load_ctx *lc, const config_setting_t *g, const struct conf_section *sec,
    void *conf, bool (*extra)(struct load_ctx *, const config_setting_t *, void *))
{
	if (!expect_group(lc, g))
		return;
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		size_t j = 0;
		while (j < sec->nkeys && strcmp(sec->keys[j].name, name) != 0)
			j++;
		if (j < sec->nkeys)
			load_key(lc, s, sec->name, &sec->keys[j], conf);
		else if (extra == NULL || !extra(lc, s, conf))
			fail(lc, s, "unknown key %s.%s", sec->name, name);
	}
	if (!lc->failed && sec->check != NULL) {
		char why[512] = "";
		if (!sec->check(conf, why, sizeof(why)))
			fail(lc, g, "%s", why);
	}
}

/* ---- the core's sections ---- */

static bool
check_server(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return valid_server(v);
}


static bool
check_host_port(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return valid_host_port(v);
}

static bool
check_token(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return valid_token(v);
}

static bool
check_user(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return *v == '\0' || (valid_hostname(v, true) && strlen(v) <= 32);
}

static bool
check_one_line64(const char *v, char *why, size_t n)
{
	(void)why; (void)n;
	return strlen(v) <= 64 && strpbrk(v, "\r\n") == NULL;
}

#define SEC(st, nm, ks, chk) { .name = nm, .keys = ks, .nkeys = G_N_ELEMENTS(ks), \
	.size = sizeof(st), .check = chk }

static const struct conf_key scan_keys[] = {
	CONF_UINT(struct mamori_scan_conf, threads, 0, 1024, 0,
	    "scanning threads of `mamori scan` on a directory or mbox; 0 = one per core"),
};

#define L struct mamori_limits
static const struct conf_key limits_keys[] = {
	CONF_SIZE(L, message_size, 1024, 4096 * MIB, 50 * MIB, "bytes of a message that are parsed"),
	CONF_SIZE(L, decoded_bytes, 1024, 64 * 1024 * MIB, 200 * MIB, "decoded content over all parts"),
	CONF_UINT(L, parts, 1, 1000000, 500, "MIME parts per message"),
	CONF_UINT(L, depth, 1, 1000, 20, "MIME nesting depth"),
	CONF_UINT(L, scan_time_ms, 1, 3600000, 30000, "wall-clock budget of one scan"),
	CONF_UINT(L, symbol_options, 1, 1000, 16, "options (evidence) kept per symbol"),
	CONF_UINT(L, unpack_depth, 0, 100, 12, "containers inside containers"),
	CONF_UINT(L, objects, 1, 1000000, 1000, "objects per message"),
	CONF_SIZE(L, object_bytes, 1024, 16 * 1024 * MIB, 64 * MIB, "kept bytes per unpacked object"),
	CONF_SIZE(L, unpacked_bytes, 1024, 64 * 1024 * MIB, 512 * MIB, "kept bytes over all unpacked objects"),
	CONF_SIZE(L, stream_bytes, 1024, 1024 * 1024 * MIB, 1024 * MIB, "decompressed bytes, padding included"),
	CONF_UINT(L, compression_ratio, 0, 1000000, 100, "kept bytes per byte of container"),
	CONF_SIZE(L, compression_ratio_min, 0, 64 * 1024 * MIB, 16 * MIB, "the ratio applies once this much was kept"),
	CONF_UINT(L, listed_names, 0, 10000000, 10000, "names still judged past the parts, depth and objects limits"),
	CONF_UINT(L, deobfuscation_steps, 1000, 1000000000, 1000000, "evaluation steps of the static sandbox per script or macro"),
	CONF_SIZE(L, deobfuscation_bytes, 1024, 1024 * MIB, MIB, "bytes of strings the static sandbox recovers per script or macro"),
};
#undef L

#define D struct mamori_dns_conf
static const struct conf_key dns_keys[] = {
	CONF_LIST(D, servers, NULL, check_server, "IP, IP:PORT or [IPv6]:PORT", false,
	    "resolvers; empty: those of /etc/resolv.conf"),
	CONF_UINT(D, timeout_ms, 10, 60000, 2000, "per try"),
	CONF_UINT(D, tries, 1, 10, 2, "tries per query"),
	CONF_UINT(D, cache_entries, 0, 10000000, 20000, "answers cached, shared by all scans; 0 = none"),
	CONF_UINT(D, max_lookups, 1, 10000, 50, "DNS queries one scan may send"),
};
#undef D

#define Q struct mamori_quarantine_conf
static const struct conf_key quarantine_keys[] = {
	CONF_STRING(Q, state_dir, "/var/lib/mamori", conf_check_abs_path,
	    "an absolute directory path, e.g. \"/var/lib/mamori\"", "mamori.db and quarantine/"),
	CONF_UINT(Q, expire_days, 1, 36500, 30, "quarantined messages are kept this long"),
	CONF_STRING_OFF(Q, release_smtp, "", check_host_port,
	    "\"HOST:PORT\", e.g. \"127.0.0.1:10025\" (\"\" = use release_sendmail)",
	    "next hop of released mail; \"\" = release_sendmail"),
	CONF_STRING(Q, release_sendmail, "/usr/sbin/sendmail", conf_check_abs_path,
	    "an absolute path, e.g. \"/usr/sbin/sendmail\"", "sendmail binary for release"),
	CONF_UINT(Q, dedup_window_s, 0, 604800, 3600, "a retried message within it is stored once; 0 = off"),
	CONF_UINT(Q, release_stale_s, 0, 604800, 900, "`quarantine reset` only on claims this old"),
};
#undef Q

#define DM struct mamori_daemon_conf
static const struct conf_key daemon_keys[] = {
	CONF_STRING(DM, user, "", check_user, "a user name such as \"mamori\" (\"\" = none)",
	    "drop privileges to this user"),
	CONF_BOOL(DM, syslog, false, "log to syslog (facility mail) instead of stderr"),
	CONF_SIZE(DM, spool_bytes, 0, 1024 * MIB, 4 * MIB, "milter: bodies above it go to a temporary file"),
	CONF_STRING(DM, subject_tag, "[SPAM] ", check_one_line64,
	    "a string of at most 64 bytes on one line (\"\" = none)",
	    "Subject prefix of add_header"),
	CONF_MODE(DM, socket_mode, 0660, "permission bits of the milter's unix socket"),
	CONF_STRING(DM, socket_group, "", check_user,
	    "a group name such as \"postfix\" (\"\" = postfix if it exists, else the user's group)",
	    "group of the milter's unix socket"),
};
#undef DM

static bool
http_check(const void *conf, char *err, size_t errlen)
{
	const struct mamori_http_conf *h = conf;
	if (h->scan_requires_token && h->token[0] == '\0') {
		snprintf(err, errlen, "http.scan_requires_token = true needs http.token");
		return false;
	}
	return true;
}

#define H struct mamori_http_conf
static const struct conf_key http_keys[] = {
	CONF_STRING(H, token, "", check_token,
	    "\"\" (quarantine endpoints off) or 16 to 256 visible ASCII characters",
	    "bearer token of /quarantine"),
	CONF_SIZE(H, max_body, 1024, 4096 * MIB, 0, "request body cap; 0 = limits.message_size + 1M"),
	CONF_UINT(H, threads, 0, 1024, 0, "concurrent scans; 0 = one per core"),
	CONF_UINT(H, timeout_s, 1, 3600, 30, "idle connection timeout"),
	CONF_UINT(H, header_timeout_s, 1, 3600, 10, "the request head within this"),
	CONF_UINT(H, body_timeout_s, 1, 86400, 30, "the body within this ..."),
	CONF_SIZE(H, body_min_rate, 0, 1024 * MIB, 64 * 1024, "... plus 1 s per this many bytes; 0 = none"),
	CONF_UINT(H, max_conns, 1, 100000, 1000, "open connections"),
	CONF_UINT(H, max_conns_per_ip, 1, 100000, 128, "open connections of one client address"),
	CONF_UINT(H, health_reserve, 0, 1000, 16, "connections beyond the caps, for /health only"),
	CONF_SIZE(H, body_budget, MIB, 1024 * 1024 * MIB, 256 * MIB, "request bodies buffered, all connections"),
	CONF_BOOL(H, scan_requires_token, false, "POST /scan needs the bearer token"),
};
#undef H

static const struct conf_section sec_scan = SEC(struct mamori_scan_conf, "scan", scan_keys, NULL);
static const struct conf_section sec_limits = SEC(struct mamori_limits, "limits", limits_keys, NULL);
static const struct conf_section sec_dns = SEC(struct mamori_dns_conf, "dns", dns_keys, NULL);
static const struct conf_section sec_quarantine =
    SEC(struct mamori_quarantine_conf, "quarantine", quarantine_keys, NULL);
static const struct conf_section sec_daemon = SEC(struct mamori_daemon_conf, "daemon", daemon_keys, NULL);
static const struct conf_section sec_http = SEC(struct mamori_http_conf, "http", http_keys, http_check);

const struct conf_section *const config_core_sections[] = {
	&sec_scan, &sec_limits, &sec_dns, &sec_daemon, &sec_http, &sec_quarantine, NULL,
};

/* Where each core section lives in struct mamori_config. */
static void *
core_conf(struct mamori_config *cfg, const struct conf_section *sec)
{
	if (sec == &sec_scan) return &cfg->scan;
	if (sec == &sec_limits) return &cfg->limits;
	if (sec == &sec_dns) return &cfg->dns;
	if (sec == &sec_daemon) return &cfg->daemon;
	if (sec == &sec_http) return &cfg->http;
	return &cfg->quarantine;
}

struct mamori_config *
config_new(const struct conf_section *const *msec, size_t n)
{
	struct mamori_config *cfg = g_new0(struct mamori_config, 1);

	for (size_t i = 0; config_core_sections[i] != NULL; i++)
		conf_defaults(config_core_sections[i], core_conf(cfg, config_core_sections[i]));
	memcpy(cfg->limits.on_exceeded, default_on_exceeded, sizeof(default_on_exceeded));
	for (int i = 0; i < MAMORI_ACTION_COUNT; i++)
		cfg->threshold[i] = (double)NAN;
	cfg->threshold[MAMORI_ACTION_ADD_HEADER] = 6.0;
	cfg->threshold[MAMORI_ACTION_QUARANTINE] = 10.0;
	cfg->threshold[MAMORI_ACTION_REJECT] = 15.0;
	cfg->symbols = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cfg->nmodules = n;
	cfg->msec = msec;
	cfg->mconf = g_new0(void *, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++) {
		if (msec[i] == NULL)
			continue;
		cfg->mconf[i] = g_malloc0(msec[i]->size);
		conf_defaults(msec[i], cfg->mconf[i]);
	}
	return cfg;
}

void
mamori_config_set_dns_server(struct mamori_config *cfg, const char *server)
{
	g_ptr_array_set_size(cfg->dns.servers, 0);
	g_ptr_array_add(cfg->dns.servers, g_strdup(server));
}

void
mamori_config_free(struct mamori_config *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->path);
	g_hash_table_unref(cfg->symbols);
	for (size_t i = 0; config_core_sections[i] != NULL; i++)
		conf_release(config_core_sections[i], core_conf(cfg, config_core_sections[i]));
	for (size_t i = 0; i < cfg->nmodules; i++) {
		if (cfg->msec[i] == NULL)
			continue;
		conf_release(cfg->msec[i], cfg->mconf[i]);
		g_free(cfg->mconf[i]);
	}
	g_free(cfg->mconf);
	g_free(cfg);
}

const void *
mamori_config_section(const struct mamori_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (cfg->msec[i] != NULL && strcmp(cfg->msec[i]->name, name) == 0)
			return cfg->mconf[i];
	return NULL;
}

unsigned
mamori_config_threads(const struct mamori_config *cfg)
{
	return cfg->scan.threads;
}

/* limits.on_exceeded = { objects = "quarantine"; ... }; */
static bool
load_on_exceeded(struct load_ctx *lc, const config_setting_t *g, void *conf)
{
	struct mamori_limits *l = conf;

	if (strcmp(config_setting_name(g), "on_exceeded") != 0)
		return false;
	if (!expect_group(lc, g))
		return true;
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		int lim = -1;
		for (int j = 0; j < MAMORI_LIMIT_COUNT && lim < 0; j++)
			if (strcmp(k, mamori_limit_name((enum mamori_limit)j)) == 0)
				lim = j;
		if (lim < 0) {
			fail(lc, s, "unknown key limits.on_exceeded.%s", k);
			return true;
		}
		const char *v = config_setting_get_string(s);
		enum mamori_action a;
		if (v == NULL || !mamori_action_parse(v, &a) || a == MAMORI_ACTION_HOLD) {
			fail(lc, s, "limits.on_exceeded.%s must be one of accept, add_header, "
			    "tempfail, quarantine, reject", k);
			return true;
		}
		l->on_exceeded[lim] = (int)a;
	}
	return true;
}

static void
load_actions(struct load_ctx *lc, const config_setting_t *g, struct mamori_config *cfg)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		enum mamori_action a;
		if (!mamori_action_parse(k, &a) || (a != MAMORI_ACTION_ADD_HEADER &&
		    a != MAMORI_ACTION_QUARANTINE && a != MAMORI_ACTION_REJECT)) {
			fail(lc, s, "unknown key actions.%s (score thresholds exist for "
			    "add_header, quarantine and reject)", k);
			return;
		}
		if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
			if (config_setting_get_bool(s))
				fail(lc, s, "actions.%s: give a score, or false to disable", k);
			else
				cfg->threshold[a] = (double)NAN;
			continue;
		}
		double v = 0;
		if (get_number(lc, s, &v))
			cfg->threshold[a] = v;
	}
	/* enabled thresholds must rise with severity */
	double prev = -HUGE_VAL;
	enum mamori_action prev_a = MAMORI_ACTION_ACCEPT;
	for (int a = MAMORI_ACTION_ADD_HEADER; a < MAMORI_ACTION_COUNT && !lc->failed; a++) {
		if (isnan(cfg->threshold[a]))
			continue;
		if (cfg->threshold[a] < prev) {
			fail(lc, g, "actions.%s (%g) is below actions.%s (%g)",
			    mamori_action_name((enum mamori_action)a), cfg->threshold[a],
			    mamori_action_name(prev_a), prev);
			return;
		}
		prev = cfg->threshold[a];
		prev_a = (enum mamori_action)a;
	}
}

static void
load_symbol(struct load_ctx *lc, const config_setting_t *s, struct mamori_config *cfg)
{
	struct symbol_conf *sc = g_new0(struct symbol_conf, 1);
	sc->action = SYMBOL_ACTION_UNSET;
	sc->line = (int)config_setting_source_line(s);

	if (config_setting_is_number(s)) {
		sc->has_weight = get_number(lc, s, &sc->weight);
	} else if (config_setting_is_group(s)) {
		for (int i = 0; i < config_setting_length(s) && !lc->failed; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *k = config_setting_name(e);
			if (strcmp(k, "weight") == 0) {
				sc->has_weight = get_number(lc, e, &sc->weight);
			} else if (strcmp(k, "action") == 0) {
				enum mamori_action a;
				const char *v = config_setting_get_string(e);
				if (v != NULL && strcmp(v, "none") == 0)
					sc->action = SYMBOL_ACTION_NONE;
				else if (v == NULL || !mamori_action_parse(v, &a) ||
				    a == MAMORI_ACTION_ACCEPT)
					fail(lc, e, "symbols.%s.action must be one of "
					    "add_header, tempfail, hold, quarantine, reject, or "
					    "\"none\" to force nothing (the most severe action "
					    "wins, so a symbol cannot force accept: give it a "
					    "negative weight instead)", config_setting_name(s));
				else
					sc->action = (int)a;
			} else {
				fail(lc, e, "unknown key symbols.%s.%s", config_setting_name(s), k);
			}
		}
	} else {
		fail(lc, s, "symbols.%s must be a weight or { weight = ...; action = \"...\"; }",
		    config_setting_name(s));
	}
	if (lc->failed) {
		g_free(sc);
		return;
	}
	g_hash_table_replace(cfg->symbols, g_strdup(config_setting_name(s)), sc);
}

enum mamori_status
config_load_fd(int fd, const char *path, const struct conf_section *const *msec, size_t n,
    struct mamori_config **out, char *err, size_t errlen)
{
	config_t c;
	struct load_ctx lc = { .path = path, .err = err, .errlen = errlen };
	struct stat st = { 0 };
	FILE *f = NULL;

	*out = NULL;
	/* a directory opens but does not read: say so (EISDIR), as for a
	 * file that cannot be opened, with the errno's text */
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)
	    || (f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    g_strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
		close(fd);
		return MAMORI_ERR_CONFIG;
	}
	struct mamori_config *cfg = config_new(msec, n);
	config_init(&c);
	errno = 0;
	if (!config_read(&c, f)) {
		const char *file = config_error_file(&c);
		if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read: %s", file != NULL ? file : path,
			    errno != 0 ? g_strerror(errno) : config_error_text(&c));
		else
			snprintf(err, errlen, "%s:%d: %s", file != NULL ? file : path,
			    config_error_line(&c), config_error_text(&c));
		config_destroy(&c);
		fclose(f);
		mamori_config_free(cfg);
		return MAMORI_ERR_CONFIG;
	}
	fclose(f);
	cfg->path = g_strdup(path);
	const config_setting_t *root = config_root_setting(&c);
	for (int i = 0; i < config_setting_length(root) && !lc.failed; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *k = config_setting_name(s);
		const struct conf_section *sec = NULL;
		void *conf = NULL;
		for (size_t j = 0; config_core_sections[j] != NULL && sec == NULL; j++)
			if (strcmp(k, config_core_sections[j]->name) == 0) {
				sec = config_core_sections[j];
				conf = core_conf(cfg, sec);
			}
		for (size_t j = 0; j < n && sec == NULL; j++)
			if (msec[j] != NULL && strcmp(k, msec[j]->name) == 0) {
				sec = msec[j];
				conf = cfg->mconf[j];
			}
		if (sec != NULL) {
			load_section(&lc, s, sec, conf, sec == &sec_limits ? load_on_exceeded : NULL);
		} else if (strcmp(k, "actions") == 0) {
			if (expect_group(&lc, s))
				load_actions(&lc, s, cfg);
		} else if (strcmp(k, "symbols") == 0) {
			if (expect_group(&lc, s))
				for (int j = 0; j < config_setting_length(s) && !lc.failed; j++)
					load_symbol(&lc, config_setting_get_elem(s, (unsigned)j), cfg);
		} else {
			fail(&lc, s, "unknown section %s", k);
		}
	}
	config_destroy(&c);
	if (lc.failed) {
		mamori_config_free(cfg);
		return MAMORI_ERR_CONFIG;
	}
	*out = cfg;
	return MAMORI_OK;
}
