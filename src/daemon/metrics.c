/*
 * metrics.c - the daemon's counters and their Prometheus text exposition
 * (daemon.h; GET /metrics).
 *
 *   mamori_messages_total{front,action}   messages scanned
 *   mamori_symbols_total{symbol}          symbols hit
 *   mamori_scan_seconds                   scan latency histogram
 *   mamori_errors_total{front,what}       internal / engine errors
 *   mamori_learned_total{class,outcome}   messages learned (POST /learn)
 *
 * Everything lives under one GMutex: an update is a few hash lookups, far
 * cheaper than a scan.  Label sets stay bounded: fronts and "what" are
 * fixed strings of the callers, actions are the enum, symbol names come
 * from the registry.  Label values are escaped as the format asks (\\, \",
 * \n) and rendered in sorted order so the output is stable.
 */
#include "daemon/daemon.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

static const double buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

static GMutex mlock;
static GHashTable *messages;	/* "front\001action" -> guint64 * */
static GHashTable *symbols;	/* name -> guint64 * */
static GHashTable *errors;	/* "front\001what" -> guint64 * */
static GHashTable *learned;	/* "class\001outcome" -> guint64 * */
static guint64 hist[NBUCKETS + 1];	/* non-cumulative; last = +Inf */
static double hist_sum;
static guint64 hist_count;

static void
init_locked(void)
{
	if (messages != NULL)
		return;
	messages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	symbols = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	errors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	learned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
bump(GHashTable *t, const char *key)
{
	guint64 *v = g_hash_table_lookup(t, key);
	if (v == NULL) {
		v = g_new0(guint64, 1);
		g_hash_table_insert(t, g_strdup(key), v);
	}
	(*v)++;
}

void
metrics_scan(const char *front, const struct mamori_result *res, double seconds)
{
	char *key = g_strdup_printf("%s\001%s", front != NULL ? front : "",
	    mamori_action_name(mamori_result_action(res)));
	size_t n = mamori_result_nsymbols(res);

	g_mutex_lock(&mlock);
	init_locked();
	bump(messages, key);
	for (size_t i = 0; i < n; i++) {
		const char *name = mamori_result_symbol(res, i, NULL);
		if (name != NULL)
			bump(symbols, name);
	}
	size_t b = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	hist[b]++;
	if (seconds > 0)
		hist_sum += seconds;
	hist_count++;
	g_mutex_unlock(&mlock);
	g_free(key);
}

void
metrics_error(const char *front, const char *what)
{
	char *key = g_strdup_printf("%s\001%s", front != NULL ? front : "",
	    what != NULL ? what : "");
	g_mutex_lock(&mlock);
	init_locked();
	bump(errors, key);
	g_mutex_unlock(&mlock);
	g_free(key);
}

void
metrics_learn(const char *what, const char *outcome)
{
	char *key = g_strdup_printf("%s\001%s", what, outcome);
	g_mutex_lock(&mlock);
	init_locked();
	bump(learned, key);
	g_mutex_unlock(&mlock);
	g_free(key);
}

static void
append_label(GString *s, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			g_string_append(s, "\\\\");
		else if (*v == '"')
			g_string_append(s, "\\\"");
		else if (*v == '\n')
			g_string_append(s, "\\n");
		else
			g_string_append_c(s, *v);
	}
}

static gint
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Counters of t, keys "a\001b" split into the two labels (l2 NULL: one). */
static void
render_table(GString *s, GHashTable *t, const char *metric, const char *l1,
    const char *l2)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, str_cmp);
	for (guint i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];
		guint64 n = *(guint64 *)g_hash_table_lookup(t, key);
		g_string_append_printf(s, "%s{%s=\"", metric, l1);
		if (l2 != NULL) {
			const char *sep = strchr(key, '\001');
			char *first = g_strndup(key, sep != NULL ? (gsize)(sep - key) : strlen(key));
			append_label(s, first);
			g_free(first);
			g_string_append(s, "\",");
			g_string_append_printf(s, "%s=\"", l2);
			append_label(s, sep != NULL ? sep + 1 : "");
		} else {
			append_label(s, key);
		}
		g_string_append_printf(s, "\"} %" G_GUINT64_FORMAT "\n", n);
	}
	g_ptr_array_free(keys, TRUE);
}

char *
metrics_render(void)
{
	GString *s = g_string_new(NULL);
	char num[G_ASCII_DTOSTR_BUF_SIZE];

	g_mutex_lock(&mlock);
	init_locked();
	g_string_append(s,
	    "# HELP mamori_messages_total Messages scanned, by front end and action.\n"
	    "# TYPE mamori_messages_total counter\n");
	render_table(s, messages, "mamori_messages_total", "front", "action");
	g_string_append(s,
	    "# HELP mamori_symbols_total Symbols hit by scanned messages.\n"
	    "# TYPE mamori_symbols_total counter\n");
	render_table(s, symbols, "mamori_symbols_total", "symbol", NULL);
	g_string_append(s,
	    "# HELP mamori_scan_seconds Time to scan one message.\n"
	    "# TYPE mamori_scan_seconds histogram\n");
	guint64 cum = 0;
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += hist[b];
		g_ascii_formatd(num, sizeof num, "%g", buckets[b]);
		g_string_append_printf(s, "mamori_scan_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
		    num, cum);
	}
	cum += hist[NBUCKETS];
	g_string_append_printf(s, "mamori_scan_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", cum);
	g_ascii_formatd(num, sizeof num, "%.9g", hist_sum);
	g_string_append_printf(s, "mamori_scan_seconds_sum %s\n", num);
	g_string_append_printf(s, "mamori_scan_seconds_count %" G_GUINT64_FORMAT "\n", hist_count);
	g_string_append(s,
	    "# HELP mamori_errors_total Internal and engine errors, by front end.\n"
	    "# TYPE mamori_errors_total counter\n");
	render_table(s, errors, "mamori_errors_total", "front", "what");
	g_string_append(s,
	    "# HELP mamori_learned_total Messages learned through POST /learn, by class "
	    "(spam, ham, forget) and outcome.\n"
	    "# TYPE mamori_learned_total counter\n");
	render_table(s, learned, "mamori_learned_total", "class", "outcome");
	g_mutex_unlock(&mlock);
	return g_string_free(s, FALSE);
}
