/*
 * sa_eval.c - SpamAssassin's eval: functions: lookup, calls, arguments,
 * the per-scan cache (sa_eval.h).  The functions are in sa_eval_*.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam/sa_eval.h"

static const struct sa_eval_family *const families[] = {
	&sa_eval_header_family,
	&sa_eval_body_family,
	&sa_eval_html_family,
	&sa_eval_relay_family,
	&sa_eval_mapped_family,
	&sa_eval_dnsbl_family,
};

const struct sa_eval_def *
sa_eval_find(const char *name)
{
	for (size_t f = 0; f < G_N_ELEMENTS(families); f++)
		for (size_t i = 0; i < families[f]->n; i++)
			if (strcmp(families[f]->defs[i].name, name) == 0)
				return &families[f]->defs[i];
	return NULL;
}

const struct sa_eval_family *
sa_eval_family_of(const struct sa_eval_def *d)
{
	for (size_t f = 0; f < G_N_ELEMENTS(families); f++)
		for (size_t i = 0; i < families[f]->n; i++)
			if (&families[f]->defs[i] == d)
				return families[f];
	return NULL;
}

/*
 * A Perl argument list as the rule files write them: quoted strings
 * ('...' or "...", a backslash keeping the next character of "..." and
 * a quote or backslash of '...'), bare words and numbers, separated by
 * commas.  At most 64 arguments of 4 KiB each.
 */
#define ARGS_MAX 64
#define ARG_LEN_MAX 4096

bool
sa_eval_parse_args(const char *args, char ***argv_out, unsigned *argc_out)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	const char *p = args != NULL ? args : "";
	bool want = false;	/* an argument must follow (after a comma) */

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			if (want)
				goto fail;
			break;
		}
		if (v->len >= ARGS_MAX)
			goto fail;
		GString *a = g_string_new(NULL);
		if (*p == '\'' || *p == '"') {
			char q = *p++;
			while (*p != '\0' && *p != q) {
				if (*p == '\\' && p[1] != '\0' &&
				    (q == '"' || p[1] == '\'' || p[1] == '\\'))
					p++;
				g_string_append_c(a, *p++);
			}
			if (*p != q) {
				g_string_free(a, TRUE);
				goto fail;
			}
			p++;
		} else {
			while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
				g_string_append_c(a, *p++);
			if (a->len == 0) {
				g_string_free(a, TRUE);
				goto fail;
			}
		}
		if (a->len > ARG_LEN_MAX) {
			g_string_free(a, TRUE);
			goto fail;
		}
		g_ptr_array_add(v, g_string_free(a, FALSE));
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			want = true;
		} else if (*p != '\0') {
			goto fail;
		} else {
			want = false;
		}
	}
	*argc_out = v->len;
	g_ptr_array_add(v, NULL);
	*argv_out = (char **)g_ptr_array_free(v, FALSE);
	return true;
fail:
	g_ptr_array_unref(v);
	return false;
}

struct sa_eval_call *
sa_eval_call_new(const char *rule, const char *fn, const char *args, char *err,
    size_t errlen)
{
	const struct sa_eval_def *d = sa_eval_find(fn);
	if (d == NULL) {
		snprintf(err, errlen, "not implemented");
		return NULL;
	}
	struct sa_eval_call *c = g_new0(struct sa_eval_call, 1);
	c->def = d;
	c->rule = rule;
	if (!sa_eval_parse_args(args, &c->argv, &c->argc)) {
		snprintf(err, errlen, "arguments not understood");
		g_free(c);
		return NULL;
	}
	if (d->prepare != NULL && !d->prepare(c, err, errlen)) {
		sa_eval_call_free(c);
		return NULL;
	}
	return c;
}

void
sa_eval_call_free(struct sa_eval_call *c)
{
	if (c == NULL)
		return;
	if (c->data != NULL && c->def->drop != NULL)
		c->def->drop(c->data);
	g_strfreev(c->argv);
	g_free(c);
}

int
sa_eval_run(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	return c->def->run(m, c);
}

void *
sa_eval_cached(struct sa_eval_msg *m, enum sa_eval_slot s,
    void *(*make)(struct sa_eval_msg *m), void (*drop)(void *))
{
	if (m->slot[s] == NULL) {
		m->slot[s] = make(m);
		m->slot_free[s] = drop;
	}
	return m->slot[s];
}

void
sa_eval_msg_clear(struct sa_eval_msg *m)
{
	for (int s = 0; s < SA_SLOT_COUNT; s++) {
		if (m->slot[s] != NULL && m->slot_free[s] != NULL)
			m->slot_free[s](m->slot[s]);
		m->slot[s] = NULL;
		m->slot_free[s] = NULL;
	}
}

bool
sa_eval_want_args(const struct sa_eval_call *c, unsigned lo, unsigned hi, char *err,
    size_t errlen)
{
	if (c->argc < lo || c->argc > hi) {
		if (lo == hi)
			snprintf(err, errlen, "%u argument%s expected", lo, lo == 1 ? "" : "s");
		else
			snprintf(err, errlen, "%u to %u arguments expected", lo, hi);
		return false;
	}
	return true;
}

bool
sa_eval_arg_undef(const struct sa_eval_call *c, unsigned i)
{
	return i >= c->argc || strcmp(c->argv[i], "undef") == 0;
}

/* Perl's numeric value of a string: its leading number, else 0. */
double
sa_eval_arg_num(const struct sa_eval_call *c, unsigned i, double def)
{
	if (sa_eval_arg_undef(c, i))
		return def;
	const char *s = c->argv[i];
	while (*s == ' ' || *s == '\t')
		s++;
	char *end;
	errno = 0;
	double v = g_ascii_strtod(s, &end);
	return end == s ? 0.0 : v;
}

/* the cache's key: the flags and the pattern (a copy when kept) */
struct rx_key {
	GRegexCompileFlags flags;
	const char *pattern;
};

static guint
rx_key_hash(gconstpointer k)
{
	const struct rx_key *a = k;
	return g_str_hash(a->pattern) * 31u + (guint)a->flags;
}

static gboolean
rx_key_equal(gconstpointer x, gconstpointer y)
{
	const struct rx_key *a = x, *b = y;
	return a->flags == b->flags && strcmp(a->pattern, b->pattern) == 0;
}

static GMutex rx_lock;
static GHashTable *rx_cache;	/* struct rx_key * -> GRegex (kept) */

GRegex *
sa_eval_regex(const char *pattern, GRegexCompileFlags flags)
{
	/* looked up without an allocation: several functions ask each scan */
	struct rx_key probe = { flags, pattern };
	g_mutex_lock(&rx_lock);
	if (rx_cache == NULL)
		rx_cache = g_hash_table_new(rx_key_hash, rx_key_equal);
	GRegex *re = g_hash_table_lookup(rx_cache, &probe);
	if (re == NULL) {
		re = g_regex_new(pattern, flags | G_REGEX_OPTIMIZE, 0, NULL);
		if (re != NULL) {
			/* one allocation: the key, then the pattern's copy */
			size_t n = strlen(pattern) + 1;
			struct rx_key *k = g_malloc(sizeof *k + n);
			char *copy = (char *)(k + 1);
			memcpy(copy, pattern, n);
			k->flags = flags;
			k->pattern = copy;
			g_hash_table_insert(rx_cache, k, re);
		}
	}
	if (re != NULL)
		g_regex_ref(re);
	g_mutex_unlock(&rx_lock);
	return re;
}

/* PCRE2's \s on ASCII: space, \t, \n, \v, \f, \r */
static bool
ascii_ws(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

char **
sa_eval_split_ws(const char *s)
{
	/* ASCII text (settings are): split here, as GLib does with \s+ (an
	 * empty string no word, a leading and a trailing run of blanks an
	 * empty word each) */
	bool ascii = true;
	for (const char *p = s; *p != '\0' && ascii; p++)
		ascii = (unsigned char)*p < 0x80;
	if (ascii) {
		GPtrArray *v = g_ptr_array_new();
		for (const char *p = s; *p != '\0';) {
			const char *q = p;
			while (*q != '\0' && !ascii_ws(*q))
				q++;
			g_ptr_array_add(v, g_strndup(p, (gsize)(q - p)));
			if (*q == '\0')
				break;
			while (ascii_ws(*q))
				q++;
			p = q;
			if (*p == '\0')
				g_ptr_array_add(v, g_strdup(""));
		}
		g_ptr_array_add(v, NULL);
		return (char **)g_ptr_array_free(v, FALSE);
	}
	/* other text: GLib's (its \s knows Unicode's spaces) */
	GRegex *re = sa_eval_regex("\\s+", 0);
	if (re == NULL)	/* a constant that compiles: not reached */
		return g_regex_split_simple("\\s+", s, 0, 0);
	char **v = g_regex_split(re, s, 0);
	g_regex_unref(re);
	return v;
}

static bool
us_state(const char *s)
{
	static const char *const st[] = { "ak", "al", "ar", "az", "ca", "co", "ct", "dc", "de",
	    "fl", "ga", "gu", "hi", "ia", "id", "il", "in", "ks", "ky", "la", "ma", "md", "me",
	    "mi", "mn", "mo", "ms", "mt", "nc", "nd", "ne", "nh", "nj", "nm", "nv", "ny", "oh",
	    "ok", "or", "pa", "pr", "ri", "sc", "sd", "tn", "tx", "ut", "va", "vi", "vt", "wa",
	    "wi", "wv", "wy" };
	for (size_t i = 0; i < G_N_ELEMENTS(st); i++)
		if (strcmp(s, st[i]) == 0)
			return true;
	return false;
}

char *
sa_eval_registered_domain(const char *host, GHashTable *two, GHashTable *three)
{
	char **parts = g_strsplit(host, ".", -1);
	guint n = g_strv_length(parts), first = 0;	/* parts[first..n) remain */
	while (n - first > 1) {
		guint k = n - first;
		char *joined = g_strjoinv(".", parts + first);
		bool stop = false;
		if (k == 2)
			stop = g_hash_table_contains(two, joined);
		else if (k == 3)
			stop = strcmp(parts[first + 2], "us") == 0 ? us_state(parts[first + 1]) :
			    g_hash_table_contains(three, joined);
		else if (k == 4 && strcmp(parts[first + 3], "us") == 0 &&
		    ((strcmp(parts[first], "pvt") == 0 && strcmp(parts[first + 1], "k12") == 0) ||
		    strcmp(parts[first], "ci") == 0 || strcmp(parts[first], "co") == 0))
			stop = us_state(parts[first + 2]);
		g_free(joined);
		if (stop)
			break;
		first++;
	}
	if (first > 0)	/* one label of the host part back */
		first--;
	char *out = g_strjoinv(".", parts + first);
	g_strfreev(parts);
	return out;
}
