/*
 * config.c - configuration file (libconfig syntax) and built-in defaults.
 *
 * Design: every key is known here; an unknown key, a value of the wrong
 * type or out of range is an error that names FILE:LINE, so a typo never
 * silently leaves a default in force.  Symbol names are checked later,
 * against the registry, when the engine is built (scan.c), still with
 * FILE:LINE.
 * Every key is documented in docs/configuration.md; a test checks that.
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

#include "engines/clamd.h"
#include "mamori/mamori.h"
#include "objects/filetype.h"

#define MIB (1024ull * 1024ull)

static const struct mamori_limits default_limits = {
	.message_size = 50 * MIB,
	.decoded_bytes = 200 * MIB,
	.parts = 500,
	.depth = 20,
	.scan_time_ms = 30000,
	.symbol_options = 16,
	.unpack_depth = 12,
	.objects = 1000,
	.object_bytes = 64 * MIB,
	.unpacked_bytes = 512 * MIB,
	.stream_bytes = 1024 * MIB,
	.compression_ratio = 100,
	.compression_ratio_min = 16 * MIB,
	.listed_names = 10000,
	/* what was not examined is not passed: content limits quarantine; the
	 * engines' own size caps only tag (mamori's checks still saw the
	 * object); PPAP trials end in PPAP_UNDECRYPTABLE, judged by ppap.* */
	.on_exceeded = {
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
	},
};

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
	case MAMORI_LIMIT_COUNT: break;
	}
	return "?";
}

/*
 * Windows-executable content: what no business mail needs to carry and
 * what droppers are made of.  Documents are not here: their macros are
 * judged by the document checks.
 */
static const char *const default_dangerous_types[] = {
	"pe", "msi", "lnk", "url", "js", "vbs", "wsf", "hta", "ps1", "bat",
	"chm", "iso", "udf", "img", "vhd", "vhdx", "settingcontent", "jar", NULL
};

/* ppap.dictionary: tried last, after the candidates found in the mail. */
static const char *const default_dictionary[] = {
	"password", "Password", "Password1", "P@ssw0rd", "pass", "1234",
	"12345678", "0000", "abc123", "infected", NULL
};

struct mamori_config *
mamori_config_new_default(void)
{
	struct mamori_config *cfg = g_new0(struct mamori_config, 1);
	cfg->limits = default_limits;
	for (int i = 0; i < MAMORI_ACTION_COUNT; i++)
		cfg->threshold[i] = (double)NAN;
	cfg->threshold[MAMORI_ACTION_ADD_HEADER] = 6.0;
	cfg->threshold[MAMORI_ACTION_QUARANTINE] = 10.0;
	cfg->threshold[MAMORI_ACTION_REJECT] = 15.0;
	cfg->symbols = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cfg->dns = (struct mamori_dns_conf){
		.servers = g_ptr_array_new_with_free_func(g_free),
		.timeout_ms = 2000,
		.tries = 2,
		.cache_entries = 20000,
		.max_lookups = 50,
	};
	cfg->auth.authserv_id = g_strdup("mamori");
	cfg->auth.trusted_arc_sealers = g_ptr_array_new_with_free_func(g_free);
	cfg->objects.dangerous_types = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; default_dangerous_types[i] != NULL; i++)
		g_ptr_array_add(cfg->objects.dangerous_types, g_strdup(default_dangerous_types[i]));
	cfg->objects.padding_min = 4 * MIB;
	cfg->clamd = (struct mamori_clamd_conf){
		.timeout_ms = 30000,
		.max_stream = 25 * MIB,
		.send = CLAMD_SEND_ATTACHMENTS,
	};
	cfg->yara = (struct mamori_yara_conf){
		.builtin = true,
		.dirs = g_ptr_array_new_with_free_func(g_free),
		.timeout_ms = 5000,
		.max_bytes = 32 * MIB,
	};
	cfg->quarantine = (struct mamori_quarantine_conf){
		.state_dir = g_strdup("/var/lib/mamori"),
		.expire_days = 30,
		.release_smtp = NULL,
		.release_sendmail = g_strdup("/usr/sbin/sendmail"),
		.dedup_window_s = 3600,
		.release_stale_s = 900,
	};
	cfg->daemon = (struct mamori_daemon_conf){
		.user = g_strdup(""),
		.spool_bytes = 4 * MIB,
		.subject_tag = g_strdup("[SPAM] "),
		.socket_mode = 0660,
		.socket_group = g_strdup(""),
	};
	cfg->http = (struct mamori_http_conf){
		.token = g_strdup(""),
		.timeout_s = 30,
		.header_timeout_s = 10,
		.body_timeout_s = 30,
		.body_min_rate = 64 * 1024,
		.max_conns = 1000,
		.max_conns_per_ip = 128,
		.health_reserve = 16,
		.body_budget = 256 * MIB,
		.scan_requires_token = false,
	};
	cfg->ppap = (struct mamori_ppap_conf){
		.enabled = true,
		.passwords = g_ptr_array_new_with_free_func(g_free),
		.dictionary = g_ptr_array_new_with_free_func(g_free),
		.max_candidates = 32,
		.max_attempts = 100,
		.time_ms = 500,
		.undecryptable = MAMORI_ACTION_HOLD,
		.unscannable = MAMORI_ACTION_QUARANTINE,
		.clean = MAMORI_ACTION_ACCEPT,
		.window_s = 1800,
		.expire = PPAP_EXPIRE_STRIP,
		.notice = true,
		.expire_tag = g_strdup("[未検査] "),
		.sevenzip = g_strdup("/usr/bin/7zz"),
	};
	for (size_t i = 0; default_dictionary[i] != NULL; i++)
		g_ptr_array_add(cfg->ppap.dictionary, g_strdup(default_dictionary[i]));
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
	g_ptr_array_unref(cfg->dns.servers);
	g_free(cfg->auth.authserv_id);
	g_ptr_array_unref(cfg->auth.trusted_arc_sealers);
	g_ptr_array_unref(cfg->objects.dangerous_types);
	g_free(cfg->clamd.socket);
	g_ptr_array_unref(cfg->yara.dirs);
	g_free(cfg->quarantine.state_dir);
	g_free(cfg->quarantine.release_smtp);
	g_free(cfg->quarantine.release_sendmail);
	g_free(cfg->daemon.user);
	g_free(cfg->daemon.subject_tag);
	g_free(cfg->daemon.socket_group);
	g_ptr_array_unref(cfg->ppap.passwords);
	g_ptr_array_unref(cfg->ppap.dictionary);
	g_free(cfg->ppap.expire_tag);
	g_free(cfg->ppap.sevenzip);
	g_free(cfg->http.token);
	g_free(cfg);
}

const char *
mamori_yara_builtin_dir(void)
{
	if (g_file_test(MAMORI_YARA_INSTALL_DIR, G_FILE_TEST_IS_DIR))
		return MAMORI_YARA_INSTALL_DIR;
	return MAMORI_YARA_SOURCE_DIR;
}

unsigned
mamori_config_threads(const struct mamori_config *cfg)
{
	return cfg->threads;
}

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

static void
load_scan(struct load_ctx *lc, const config_setting_t *g, struct mamori_config *cfg)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		uint32_t v = 0;
		if (strcmp(k, "threads") == 0) {
			if (get_uint32(lc, s, 0, 1024, &v))
				cfg->threads = v;
		} else {
			fail(lc, s, "unknown key scan.%s", k);
		}
	}
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

static bool
valid_domain(const char *v)
{
	return valid_hostname(v, false) && strchr(v, '.') != NULL;
}

/*
 * A list of strings, each checked by valid(); replaces *out.  hint shows
 * the expected form in error messages, what names one element.
 */
static void
get_string_list(struct load_ctx *lc, const config_setting_t *s,
    bool (*valid)(const char *), const char *hint, const char *what,
    bool lower, GPtrArray *out)
{
	const char *section = config_setting_name(config_setting_parent(s));
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		fail(lc, s, "%s.%s must be a list: %s", section, config_setting_name(s), hint);
		return;
	}
	g_ptr_array_set_size(out, 0);
	for (int j = 0; j < config_setting_length(s); j++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
		const char *v = config_setting_get_string(e);
		if (v == NULL || !valid(v)) {
			fail(lc, e, "%s.%s: \"%s\" is not %s", section, config_setting_name(s),
			    v != NULL ? v : "(not a string)", what);
			return;
		}
		g_ptr_array_add(out, lower ? g_ascii_strdown(v, -1) : g_strdup(v));
	}
}

static void
load_dns(struct load_ctx *lc, const config_setting_t *g, struct mamori_dns_conf *d)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "servers") == 0)
			get_string_list(lc, s, valid_server, "[\"127.0.0.1\", \"192.0.2.53:5353\"]",
			    "IP, IP:PORT or [IPv6]:PORT", false, d->servers);
		else if (strcmp(k, "timeout_ms") == 0)
			get_uint32(lc, s, 10, 60000, &d->timeout_ms);
		else if (strcmp(k, "tries") == 0)
			get_uint32(lc, s, 1, 10, &d->tries);
		else if (strcmp(k, "cache_entries") == 0)
			get_uint32(lc, s, 0, 10000000, &d->cache_entries);
		else if (strcmp(k, "max_lookups") == 0)
			get_uint32(lc, s, 1, 10000, &d->max_lookups);
		else
			fail(lc, s, "unknown key dns.%s", k);
	}
}

static void
load_auth(struct load_ctx *lc, const config_setting_t *g, struct mamori_auth_conf *a)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "authserv_id") == 0) {
			const char *v = config_setting_get_string(s);
			if (!valid_hostname(v, true)) {
				fail(lc, s, "auth.authserv_id must be a host name such as "
				    "\"mx.example.co.jp\"");
				return;
			}
			g_free(a->authserv_id);
			a->authserv_id = g_strdup(v);
		} else if (strcmp(k, "trusted_arc_sealers") == 0) {
			get_string_list(lc, s, valid_domain, "[\"google.com\", \"microsoft.com\"]",
			    "a domain", true, a->trusted_arc_sealers);
		} else {
			fail(lc, s, "unknown key auth.%s", k);
		}
	}
}

static bool
valid_send(const char *v)
{
	return strcmp(v, "message") == 0 || strcmp(v, "attachments") == 0 ||
	    strcmp(v, "objects") == 0;
}

static bool
valid_type_id(const char *v)
{
	return ftype_by_name(v) != NULL;
}

static bool
valid_dir(const char *v)
{
	return *v == '/';
}

static void
load_objects(struct load_ctx *lc, const config_setting_t *g, struct mamori_objects_conf *o)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "dangerous_types") == 0)
			get_string_list(lc, s, valid_type_id, "[\"pe\", \"lnk\", \"js\"]",
			    "a file type id (docs/filetypes.md)", true, o->dangerous_types);
		else if (strcmp(k, "padding_min") == 0)
			get_size(lc, s, 64 * 1024, 64 * 1024 * MIB, &o->padding_min);
		else
			fail(lc, s, "unknown key objects.%s", k);
	}
}

static void
load_clamd(struct load_ctx *lc, const config_setting_t *g, struct mamori_clamd_conf *c)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "socket") == 0) {
			const char *v = config_setting_get_string(s);
			char why[128] = "";
			if (v == NULL || (*v != '\0' && !clamd_socket_valid(v, why, sizeof(why)))) {
				fail(lc, s, "clamd.socket must be \"/path\", \"unix:/path\" or "
				    "\"127.0.0.1:3310\" (\"\" = off)%s%s", *why ? ": " : "", why);
				return;
			}
			g_free(c->socket);
			c->socket = *v != '\0' ? g_strdup(v) : NULL;
		} else if (strcmp(k, "timeout_ms") == 0) {
			get_uint32(lc, s, 100, 600000, &c->timeout_ms);
		} else if (strcmp(k, "max_stream") == 0) {
			get_size(lc, s, 1024, 4096 * MIB, &c->max_stream);
		} else if (strcmp(k, "send") == 0) {
			GPtrArray *l = g_ptr_array_new_with_free_func(g_free);
			get_string_list(lc, s, valid_send, "[\"attachments\"]",
			    "one of message, attachments, objects", true, l);
			c->send = 0;
			for (guint j = 0; j < l->len; j++) {
				const char *v = g_ptr_array_index(l, j);
				c->send |= strcmp(v, "message") == 0 ? CLAMD_SEND_MESSAGE
				    : strcmp(v, "attachments") == 0 ? CLAMD_SEND_ATTACHMENTS
				    : CLAMD_SEND_OBJECTS;
			}
			g_ptr_array_unref(l);
		} else {
			fail(lc, s, "unknown key clamd.%s", k);
		}
	}
}

static void
load_yara(struct load_ctx *lc, const config_setting_t *g, struct mamori_yara_conf *y)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "builtin") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				fail(lc, s, "yara.builtin must be true or false");
			else
				y->builtin = config_setting_get_bool(s);
		} else if (strcmp(k, "dirs") == 0) {
			get_string_list(lc, s, valid_dir, "[\"/etc/mamori/yara\"]",
			    "an absolute directory path", false, y->dirs);
		} else if (strcmp(k, "timeout_ms") == 0) {
			get_uint32(lc, s, 10, 600000, &y->timeout_ms);
		} else if (strcmp(k, "max_bytes") == 0) {
			get_size(lc, s, 1024, 4096 * MIB, &y->max_bytes);
		} else {
			fail(lc, s, "unknown key yara.%s", k);
		}
	}
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

static void
load_quarantine(struct load_ctx *lc, const config_setting_t *g,
    struct mamori_quarantine_conf *q)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(s) : NULL;
		if (strcmp(k, "state_dir") == 0) {
			if (v == NULL || !valid_dir(v))
				fail(lc, s, "quarantine.state_dir must be an absolute "
				    "directory path, e.g. \"/var/lib/mamori\"");
			else {
				g_free(q->state_dir);
				q->state_dir = g_strdup(v);
			}
		} else if (strcmp(k, "expire_days") == 0) {
			get_uint32(lc, s, 1, 36500, &q->expire_days);
		} else if (strcmp(k, "dedup_window_s") == 0) {
			get_uint32(lc, s, 0, 604800, &q->dedup_window_s);
		} else if (strcmp(k, "release_stale_s") == 0) {
			get_uint32(lc, s, 0, 604800, &q->release_stale_s);
		} else if (strcmp(k, "release_smtp") == 0) {
			if (v == NULL || (*v != '\0' && !valid_host_port(v)))
				fail(lc, s, "quarantine.release_smtp must be \"HOST:PORT\", "
				    "e.g. \"127.0.0.1:10025\" (\"\" = use release_sendmail)");
			else {
				g_free(q->release_smtp);
				q->release_smtp = *v != '\0' ? g_strdup(v) : NULL;
			}
		} else if (strcmp(k, "release_sendmail") == 0) {
			if (v == NULL || !valid_dir(v))
				fail(lc, s, "quarantine.release_sendmail must be an absolute "
				    "path, e.g. \"/usr/sbin/sendmail\"");
			else {
				g_free(q->release_sendmail);
				q->release_sendmail = g_strdup(v);
			}
		} else {
			fail(lc, s, "unknown key quarantine.%s", k);
		}
	}
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

static void
load_http(struct load_ctx *lc, const config_setting_t *g, struct mamori_http_conf *h)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "token") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || !valid_token(v)) {
				fail(lc, s, "http.token must be \"\" (quarantine endpoints "
				    "off) or 16 to 256 visible ASCII characters");
				return;
			}
			g_free(h->token);
			h->token = g_strdup(v);
		} else if (strcmp(k, "max_body") == 0) {
			get_size(lc, s, 1024, 4096 * MIB, &h->max_body);
		} else if (strcmp(k, "threads") == 0) {
			get_uint32(lc, s, 0, 1024, &h->threads);
		} else if (strcmp(k, "timeout_s") == 0) {
			get_uint32(lc, s, 1, 3600, &h->timeout_s);
		} else if (strcmp(k, "header_timeout_s") == 0) {
			get_uint32(lc, s, 1, 3600, &h->header_timeout_s);
		} else if (strcmp(k, "body_timeout_s") == 0) {
			get_uint32(lc, s, 1, 86400, &h->body_timeout_s);
		} else if (strcmp(k, "body_min_rate") == 0) {
			get_size(lc, s, 0, 1024 * MIB, &h->body_min_rate);
		} else if (strcmp(k, "max_conns") == 0) {
			get_uint32(lc, s, 1, 100000, &h->max_conns);
		} else if (strcmp(k, "max_conns_per_ip") == 0) {
			get_uint32(lc, s, 1, 100000, &h->max_conns_per_ip);
		} else if (strcmp(k, "health_reserve") == 0) {
			get_uint32(lc, s, 0, 1000, &h->health_reserve);
		} else if (strcmp(k, "body_budget") == 0) {
			get_size(lc, s, MIB, 1024 * 1024 * MIB, &h->body_budget);
		} else if (strcmp(k, "scan_requires_token") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				fail(lc, s, "http.scan_requires_token must be true or false");
			else
				h->scan_requires_token = config_setting_get_bool(s);
		} else {
			fail(lc, s, "unknown key http.%s", k);
		}
	}
	if (!lc->failed && h->scan_requires_token && h->token[0] == '\0')
		fail(lc, g, "http.scan_requires_token = true needs http.token");
}

static bool
valid_password(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= PPAP_PASSWORD_MAX && g_utf8_validate(v, (gssize)n, NULL) &&
	    strpbrk(v, "\r\n") == NULL;
}

static void
get_action(struct load_ctx *lc, const config_setting_t *s, const char *allowed,
    int *out)
{
	const char *v = config_setting_get_string(s);
	enum mamori_action a;

	if (v == NULL || !mamori_action_parse(v, &a) || a == MAMORI_ACTION_TEMPFAIL ||
	    strstr(allowed, mamori_action_name(a)) == NULL) {
		fail(lc, s, "ppap.%s must be one of %s", config_setting_name(s), allowed);
		return;
	}
	*out = (int)a;
}

/* The [ppap] section (docs/ppap.md). */
static void
load_ppap(struct load_ctx *lc, const config_setting_t *g, struct mamori_ppap_conf *p)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "enabled") == 0 || strcmp(k, "notice") == 0 ||
		    strcmp(k, "report_passwords") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
				fail(lc, s, "ppap.%s must be true or false", k);
				return;
			}
			bool v = config_setting_get_bool(s);
			*(k[0] == 'e' ? &p->enabled : k[0] == 'n' ? &p->notice
			    : &p->report_passwords) = v;
		} else if (strcmp(k, "passwords") == 0 || strcmp(k, "dictionary") == 0) {
			get_string_list(lc, s, valid_password, "[\"Secret-2026\"]",
			    "a password of 1 to 128 bytes of UTF-8 on one line", false,
			    k[0] == 'p' ? p->passwords : p->dictionary);
		} else if (strcmp(k, "max_candidates") == 0) {
			get_uint32(lc, s, 0, 10000, &p->max_candidates);
		} else if (strcmp(k, "max_attempts") == 0) {
			get_uint32(lc, s, 1, 100000, &p->max_attempts);
		} else if (strcmp(k, "time_ms") == 0) {
			get_uint32(lc, s, 1, 600000, &p->time_ms);
		} else if (strcmp(k, "undecryptable") == 0) {
			get_action(lc, s, "accept, add_header, hold, quarantine, reject",
			    &p->undecryptable);
		} else if (strcmp(k, "unscannable") == 0) {
			get_action(lc, s, "accept, add_header, quarantine, reject",
			    &p->unscannable);
		} else if (strcmp(k, "clean") == 0) {
			get_action(lc, s, "accept, add_header, quarantine", &p->clean);
		} else if (strcmp(k, "window_s") == 0) {
			get_uint32(lc, s, 1, 7 * 86400, &p->window_s);
		} else if (strcmp(k, "expire") == 0) {
			const char *v = config_setting_get_string(s);
			if (v != NULL && strcmp(v, "strip") == 0)
				p->expire = PPAP_EXPIRE_STRIP;
			else if (v != NULL && strcmp(v, "quarantine") == 0)
				p->expire = PPAP_EXPIRE_QUARANTINE;
			else if (v != NULL && strcmp(v, "deliver") == 0)
				p->expire = PPAP_EXPIRE_DELIVER;
			else
				fail(lc, s, "ppap.expire must be \"strip\", \"quarantine\" "
				    "or \"deliver\"");
		} else if (strcmp(k, "sevenzip") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || (*v != '\0' && *v != '/')) {
				fail(lc, s, "ppap.sevenzip must be the absolute path of 7-Zip's "
				    "7zz, e.g. \"/usr/bin/7zz\" (\"\" = encrypted 7z stays closed)");
				return;
			}
			g_free(p->sevenzip);
			p->sevenzip = g_strdup(v);
		} else if (strcmp(k, "expire_tag") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || strlen(v) > 64 || strpbrk(v, "\r\n") != NULL ||
			    !g_utf8_validate(v, -1, NULL)) {
				fail(lc, s, "ppap.expire_tag must be a UTF-8 string of at most "
				    "64 bytes on one line (\"\" = none)");
				return;
			}
			g_free(p->expire_tag);
			p->expire_tag = g_strdup(v);
		} else {
			fail(lc, s, "unknown key ppap.%s", k);
		}
	}
}

/* The [daemon] section (docs/configuration.md). */
static void
load_daemon(struct load_ctx *lc, const config_setting_t *g, struct mamori_daemon_conf *d)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "user") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || (*v != '\0' && !valid_hostname(v, true)) || strlen(v) > 32) {
				fail(lc, s, "daemon.user must be a user name such as \"mamori\" (\"\" = none)");
				return;
			}
			g_free(d->user);
			d->user = g_strdup(v);
		} else if (strcmp(k, "syslog") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				fail(lc, s, "daemon.syslog must be true or false");
			else
				d->syslog = config_setting_get_bool(s);
		} else if (strcmp(k, "spool_bytes") == 0) {
			get_size(lc, s, 0, 1024 * MIB, &d->spool_bytes);
		} else if (strcmp(k, "subject_tag") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || strlen(v) > 64 || strpbrk(v, "\r\n") != NULL) {
				fail(lc, s, "daemon.subject_tag must be a string of at most 64 "
				    "bytes on one line (\"\" = none)");
				return;
			}
			g_free(d->subject_tag);
			d->subject_tag = g_strdup(v);
		} else if (strcmp(k, "socket_mode") == 0) {
			/* an octal string such as "0660": the milter's unix socket */
			const char *v = config_setting_get_string(s);
			char *end = NULL;
			unsigned long m = v != NULL && *v != '\0' && strspn(v, "01234567") == strlen(v)
			    ? strtoul(v, &end, 8) : 07777;
			if (m > 0777) {
				fail(lc, s, "daemon.socket_mode must be an octal mode string from "
				    "\"0000\" to \"0777\", such as \"0660\"");
				return;
			}
			d->socket_mode = (unsigned)m;
		} else if (strcmp(k, "socket_group") == 0) {
			const char *v = config_setting_get_string(s);
			if (v == NULL || (*v != '\0' && !valid_hostname(v, true)) || strlen(v) > 32) {
				fail(lc, s, "daemon.socket_group must be a group name such as "
				    "\"postfix\" (\"\" = postfix if it exists, else the user's group)");
				return;
			}
			g_free(d->socket_group);
			d->socket_group = g_strdup(v);
		} else {
			fail(lc, s, "unknown key daemon.%s", k);
		}
	}
}

/* limits.on_exceeded = { objects = "quarantine"; ... }; */
static void
load_on_exceeded(struct load_ctx *lc, const config_setting_t *g, struct mamori_limits *l)
{
	if (!expect_group(lc, g))
		return;
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		int lim = -1;
		for (int j = 0; j < MAMORI_LIMIT_COUNT && lim < 0; j++)
			if (strcmp(k, mamori_limit_name((enum mamori_limit)j)) == 0)
				lim = j;
		if (lim < 0) {
			fail(lc, s, "unknown key limits.on_exceeded.%s", k);
			return;
		}
		const char *v = config_setting_get_string(s);
		enum mamori_action a;
		if (v == NULL || !mamori_action_parse(v, &a) || a == MAMORI_ACTION_HOLD) {
			fail(lc, s, "limits.on_exceeded.%s must be one of accept, add_header, "
			    "tempfail, quarantine, reject", k);
			return;
		}
		l->on_exceeded[lim] = (int)a;
	}
}

static void
load_limits(struct load_ctx *lc, const config_setting_t *g, struct mamori_limits *l)
{
	for (int i = 0; i < config_setting_length(g) && !lc->failed; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		if (strcmp(k, "message_size") == 0)
			get_size(lc, s, 1024, 4096 * MIB, &l->message_size);
		else if (strcmp(k, "decoded_bytes") == 0)
			get_size(lc, s, 1024, 64 * 1024 * MIB, &l->decoded_bytes);
		else if (strcmp(k, "parts") == 0)
			get_uint32(lc, s, 1, 1000000, &l->parts);
		else if (strcmp(k, "depth") == 0)
			get_uint32(lc, s, 1, 1000, &l->depth);
		else if (strcmp(k, "scan_time_ms") == 0)
			get_uint32(lc, s, 1, 3600000, &l->scan_time_ms);
		else if (strcmp(k, "symbol_options") == 0)
			get_uint32(lc, s, 1, 1000, &l->symbol_options);
		else if (strcmp(k, "unpack_depth") == 0)
			get_uint32(lc, s, 0, 100, &l->unpack_depth);
		else if (strcmp(k, "objects") == 0)
			get_uint32(lc, s, 1, 1000000, &l->objects);
		else if (strcmp(k, "object_bytes") == 0)
			get_size(lc, s, 1024, 16 * 1024 * MIB, &l->object_bytes);
		else if (strcmp(k, "unpacked_bytes") == 0)
			get_size(lc, s, 1024, 64 * 1024 * MIB, &l->unpacked_bytes);
		else if (strcmp(k, "stream_bytes") == 0)
			get_size(lc, s, 1024, 1024 * 1024 * MIB, &l->stream_bytes);
		else if (strcmp(k, "compression_ratio") == 0)
			get_uint32(lc, s, 0, 1000000, &l->compression_ratio);
		else if (strcmp(k, "compression_ratio_min") == 0)
			get_size(lc, s, 0, 64 * 1024 * MIB, &l->compression_ratio_min);
		else if (strcmp(k, "listed_names") == 0)
			get_uint32(lc, s, 0, 10000000, &l->listed_names);
		else if (strcmp(k, "on_exceeded") == 0)
			load_on_exceeded(lc, s, l);
		else
			fail(lc, s, "unknown key limits.%s", k);
	}
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
mamori_config_load(const char *path, struct mamori_config **out, char *err,
    size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, g_strerror(errno));
		return MAMORI_ERR_CONFIG;
	}
	return mamori_config_load_fd(fd, path, out, err, errlen);
}

enum mamori_status
mamori_config_load_fd(int fd, const char *path, struct mamori_config **out, char *err,
    size_t errlen)
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
	struct mamori_config *cfg = mamori_config_new_default();
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
		if (strcmp(k, "scan") == 0) {
			if (expect_group(&lc, s))
				load_scan(&lc, s, cfg);
		} else if (strcmp(k, "dns") == 0) {
			if (expect_group(&lc, s))
				load_dns(&lc, s, &cfg->dns);
		} else if (strcmp(k, "auth") == 0) {
			if (expect_group(&lc, s))
				load_auth(&lc, s, &cfg->auth);
		} else if (strcmp(k, "objects") == 0) {
			if (expect_group(&lc, s))
				load_objects(&lc, s, &cfg->objects);
		} else if (strcmp(k, "clamd") == 0) {
			if (expect_group(&lc, s))
				load_clamd(&lc, s, &cfg->clamd);
		} else if (strcmp(k, "yara") == 0) {
			if (expect_group(&lc, s))
				load_yara(&lc, s, &cfg->yara);
		} else if (strcmp(k, "quarantine") == 0) {
			if (expect_group(&lc, s))
				load_quarantine(&lc, s, &cfg->quarantine);
		} else if (strcmp(k, "daemon") == 0) {
			if (expect_group(&lc, s))
				load_daemon(&lc, s, &cfg->daemon);
		} else if (strcmp(k, "http") == 0) {
			if (expect_group(&lc, s))
				load_http(&lc, s, &cfg->http);
		} else if (strcmp(k, "ppap") == 0) {
			if (expect_group(&lc, s))
				load_ppap(&lc, s, &cfg->ppap);
		} else if (strcmp(k, "limits") == 0) {
			if (expect_group(&lc, s))
				load_limits(&lc, s, &cfg->limits);
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
