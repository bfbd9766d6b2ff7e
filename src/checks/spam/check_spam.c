/*
 * check_spam.c - the spam module: SpamAssassin's rule files (issue 15,
 * docs/spam.md "Rule files").
 *
 * The engine reads the .cf files of spam.sa_rules (src/spam/sa_conf.h),
 * makes each usable rule with a score a symbol of its own name
 * (module_symbol_add(); "SA_" + the name when mamori has a symbol of that
 * name already), and compiles the patterns of each class into one
 * database (src/spam/sa_match.h): body, rawbody, full, uri, and one per
 * header a header rule reads.  Meta rules are compiled over the rules'
 * indices (src/spam/sa_meta.h) and ordered so that each follows what it
 * reads.  What cannot be used (an eval function mamori does not implement,
 * a pattern neither Hyperscan nor PCRE2 takes, a meta rule reading such a
 * rule) is counted by reason: `mamori check-config` prints the counts, and
 * the report of every scan the number of rules in use.
 *
 * A scan builds the texts SpamAssassin matches (PerMsgStatus.pm, Check.pm,
 * Message.pm of SpamAssassin 4.0.1):
 *   header  the values of the named header joined, each ending in a
 *           newline; decoded (RFC 2047, unfolded) or :raw as written;
 *           :addr, :name the first address's parts; "" when absent (or
 *           the rule's if-unset value); ALL, ToCc, MESSAGEID as
 *           SpamAssassin defines them;
 *   body    the Subject, then the visible text of every text part (HTML
 *           rendered), paragraphs on lines of their own, every other run
 *           of blanks one space, lines cut at 2048 bytes; each line
 *           matched apart;
 *   rawbody every text part decoded but not rendered, in pieces of at
 *           most 2048 bytes (4096 when no cut is found);
 *   full    the message as received;
 *   uri     every link of the content layer, each matched apart;
 * then the eval rules mamori implements, then the meta rules in order.
 * Every rule that hit is in the report (`spam.hits`, sub-rules included);
 * the scored ones are symbols, weighted by the score set in use.
 */
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "content/content.h"
#include "core/module.h"
#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_match.h"
#include "spam/sa_meta.h"
#include "spam/sa_msg.h"
#include "spam/sa_relays.h"
#include "util/jsonw.h"

/* Its symbols are the rules' (module_symbol_add), these, and a native
 * heuristic. */
static const struct mamori_symbol_def symbols[3] = {
	{ "SA_RULES_ERROR", 0.0, "The SpamAssassin rules could not be evaluated on this message (an internal error of the matcher): forces tempfail, so that the sender retries rather than the mail passing unjudged. Option: which class.", MAMORI_ACTION_TEMPFAIL },
	{ "SA_PART_TRUNCATED", 0.0, "A text part was longer than spam.body_part_scan_size (rendered, for body rules) or spam.rawbody_part_scan_size (decoded, for rawbody rules): the rules read its beginning only, as SpamAssassin does. Option: which, e.g. \"body: part 1, 120000 bytes\".", NO_FORCE },
	{ "HTML_ONLY_LITTLE_TEXT", 1.0, "Every text part of the body is HTML (no plain-text alternative), it links or shows something (a link or an image), and its visible text has fewer than spam.html_text_min characters that are not blanks: the shape of image spam and of a phishing button; a native heuristic, with or without rule files. Option: how many.", NO_FORCE },
};
#define SYM_SA_RULES_ERROR (&symbols[0])
#define SYM_SA_PART_TRUNCATED (&symbols[1])
#define SYM_HTML_ONLY_LITTLE_TEXT (&symbols[2])

/* the section spam */
struct spam_conf {
	GPtrArray *sa_rules;	/* files and directories, in order */
	int score_set;		/* index into set_names */
	uint32_t rules_max;
	char *cache_dir;	/* compiled databases kept here; NULL: none */
	uint64_t body_part_scan_size;	/* rendered bytes of a part for body
					 * rules (0: all) */
	uint64_t rawbody_part_scan_size;	/* decoded bytes for rawbody */
	double rules_scale;	/* each rule's score times this is its weight */
	uint32_t html_text_min;	/* HTML_ONLY_LITTLE_TEXT */
	GPtrArray *trusted_networks;	/* CIDR strings; NULL/empty: inferred */
	GPtrArray *internal_networks;
};

static const char *const set_names[] = { "plain", "net", "bayes", "bayes_net", NULL };
/* Debian's spamassassin package, which the shipped configuration
 * (conf/mamori.conf) reads: when listed and not installed, skipped.
 * Without a configuration file no rule file is read, so that a scan with
 * the built-in defaults does not depend on what else the host has. */
static const char *const debian_sa_rules[] = {
	"/usr/share/spamassassin", "/etc/spamassassin", NULL,
};

static bool
check_rules_path(const char *v, char *err, size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "not an absolute path");
		return false;
	}
	return true;
}

/* The default of spam.rules_scale: bench/spam-tune.sh's choice on the
 * train split (docs/spam.md "One score"). */
#define SPAM_RULES_SCALE 0.65

static bool
check(const void *conf, char *err, size_t errlen)
{
	const struct spam_conf *c = conf;
	if (!(c->rules_scale >= 0.0 && c->rules_scale <= 10.0)) {	/* NaN too */
		snprintf(err, errlen, "spam.rules_scale must be from 0 to 10");
		return false;
	}
	return true;
}

#define C struct spam_conf
static const struct conf_key keys[] = {
	CONF_LIST(C, sa_rules, NULL, check_rules_path, "a file or directory",
	    false, "SpamAssassin rule files (*.cf of each directory, in name order), read in "
	    "this order; /usr/share/spamassassin and /etc/spamassassin (Debian's package, "
	    "as the shipped configuration lists them) are skipped when absent"),
	CONF_CHOICE(C, score_set, set_names, 2,
	    "which of the rules' four scores: plain (0), net (1), bayes (2), bayes_net (3)"),
	CONF_UINT(C, rules_max, 1, 1000000, 20000, "rules read at most"),
	CONF_SIZE(C, body_part_scan_size, 0, 1ull << 30, 50000,
	    "bytes of a part's rendered text body rules read (SpamAssassin's "
	    "body_part_scan_size; 0: all)"),
	CONF_SIZE(C, rawbody_part_scan_size, 0, 1ull << 30, 500000,
	    "bytes of a decoded part rawbody rules read (SpamAssassin's "
	    "rawbody_part_scan_size; 0: all)"),
	CONF_NUMBER(C, rules_scale, SPAM_RULES_SCALE,
	    "each rule's score (of spam.score_set) times this is its symbol's default weight: "
	    "how much the rules count beside the classifier and mamori's own symbols "
	    "(tuned on the corpus' train split, docs/spam.md \"One score\")"),
	CONF_UINT(C, html_text_min, 1, 1000000, 200,
	    "HTML_ONLY_LITTLE_TEXT: visible characters (not blanks) an HTML-only body has "
	    "at least"),
	CONF_LIST(C, trusted_networks, NULL, sa_net_check, "an IPv4 or IPv6 network (CIDR)",
	    false, "SpamAssassin's trusted_networks: the relays whose Received fields are "
	    "trusted (127.0.0.0/8 and ::1 always are); none listed here nor in "
	    "internal_networks: inferred, as SpamAssassin does (private addresses and "
	    "authenticated hops are trusted, the first other relay ends trust)"),
	CONF_LIST(C, internal_networks, NULL, sa_net_check, "an IPv4 or IPv6 network (CIDR)",
	    false, "SpamAssassin's internal_networks: the trusted relays that are your own "
	    "(your MXes); none listed: trusted_networks serves"),
	CONF_STRING_OFF(C, cache_dir, "", conf_check_abs_path, "an absolute directory path",
	    "compiled pattern databases are kept here, so that a restart with the same rules "
	    "does not compile them again (\"\": none)"),
};
#undef C

/* ---- the engine --------------------------------------------------------- */

enum db_class { DB_BODY, DB_RAWBODY, DB_FULL, DB_URI, DB_CLASSES };

/*
 * The patterns of a class in databases of at most DB_CHUNK each:
 * Hyperscan's compile time grows faster than the number of patterns (the
 * 1,500 stock patterns: about 30 s as one database, 8 s as sixteen), and
 * a scan runs each database in turn.
 */
#define DB_CHUNK 128
struct dbset {
	struct sa_db **db;
	size_t n;
};

enum rule_kind { RK_NONE, RK_PATTERN, RK_EXISTS, RK_EVAL, RK_META };

struct rule;
struct view;

struct rule {
	const struct sa_rule *sa;
	enum rule_kind kind;
	mamori_sym sym;		/* NULL: a sub-rule, or no score */
	double score;
	int target;		/* header rules: their header's index */
	struct sa_eval_call *call;	/* an eval rule's */
	struct sa_meta *meta;
};

/* A header as header rules read it: name and modifiers, if-unset. */
struct target {
	char *hdr;		/* as written: "From", "ALL", "ToCc" ... */
	char *lhdr;		/* hdr in ASCII lower case (fields_named) */
	enum sa_hdr_mod mod;
	unsigned mods;
	char *if_unset;		/* NULL: none */
	GArray *specs;		/* struct sa_re_spec while building */
	GArray *ids;		/* rule indices of the specs */
	GArray *exists;		/* rule indices of its exists: rules */
	struct dbset dbs;
};


/* What mimeheader rules read: one header of every MIME part, decoded or
 * :raw (MIMEHeader.pm). */
struct mtarget {
	char *hdr;
	bool raw;
	char *if_unset;		/* NULL: none */
	GArray *specs;		/* struct sa_re_spec while building */
	GArray *ids;		/* rule indices of the specs */
	struct dbset dbs;
};

struct spam_engine {
	struct sa_ruleset *rs;
	/* for the relays (relays_of): spam.trusted_networks and
	 * internal_networks (NULL: none listed), the rule files'
	 * originating_ip_headers */
	struct sa_netset *nets[2];
	char **originating;
	struct rule *rules;
	size_t n;
	GHashTable *index;	/* name -> GINT_TO_POINTER(index + 1) */
	struct dbset db[DB_CLASSES];
	GPtrArray *targets;	/* struct target * */
	GPtrArray *mtargets;	/* struct mtarget * */
	size_t *meta_order;	/* indices of meta rules, evaluation order */
	size_t nmeta, nmeta_ok;
	/* A scan evaluates only the metas a rule that fired reaches
	 * (meta_plan()): meta_base[i], each rule's value when no rule but
	 * metas fires (0 for the others; a meta such as !__X is not 0), and
	 * the metas reading rule r, meta_readers[meta_rstart[r] ..
	 * meta_rstart[r + 1]) */
	double *meta_base;
	size_t *meta_rstart, *meta_readers;
	int set;
	size_t in_use;		/* rules a scan evaluates */
	size_t dbs_cached, dbs_compiled;
	GHashTable *unusable;	/* reason -> count (beyond the parser's) */
	GAsyncQueue *scratch;	/* struct sa_scratch *, one per scan at a time */
	struct sa_db **alldbs;
	size_t nalldbs;
};

static void
count_reason(GHashTable *t, const char *why)
{
	gpointer v = g_hash_table_lookup(t, why);
	g_hash_table_replace(t, g_strdup(why), GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
}

/* ---- building ----------------------------------------------------------- */

static void
dbset_free(struct dbset *d)
{
	for (size_t i = 0; i < d->n; i++)
		sa_db_free(d->db[i]);
	g_free(d->db);
	d->db = NULL;
	d->n = 0;
}

static bool
dbset_scan(const struct dbset *d, struct sa_scratch *sc, const char *text, size_t len,
    uint32_t *hits)
{
	for (size_t i = 0; i < d->n; i++)
		if (!sa_db_scan(d->db[i], sc, text, len, hits))
			return false;
	return true;
}

static int
target_of(struct spam_engine *e, const struct sa_rule *r)
{
	for (guint i = 0; i < e->targets->len; i++) {
		const struct target *t = e->targets->pdata[i];
		if (strcmp(t->hdr, r->hdr) == 0 && t->mods == r->mods &&
		    g_strcmp0(t->if_unset, r->if_unset) == 0)
			return (int)i;
	}
	struct target *t = g_new0(struct target, 1);
	t->hdr = g_strdup(r->hdr);
	t->lhdr = g_ascii_strdown(r->hdr, -1);
	t->mod = r->mod;
	t->mods = r->mods;
	t->if_unset = g_strdup(r->if_unset);
	t->specs = g_array_new(FALSE, FALSE, sizeof(struct sa_re_spec));
	t->ids = g_array_new(FALSE, FALSE, sizeof(unsigned));
	t->exists = g_array_new(FALSE, FALSE, sizeof(unsigned));
	g_ptr_array_add(e->targets, t);
	return (int)e->targets->len - 1;
}

static void
target_free(gpointer p)
{
	struct target *t = p;
	g_free(t->hdr);
	g_free(t->lhdr);
	g_free(t->if_unset);
	if (t->specs != NULL)
		g_array_free(t->specs, TRUE);
	if (t->ids != NULL)
		g_array_free(t->ids, TRUE);
	if (t->exists != NULL)
		g_array_free(t->exists, TRUE);
	dbset_free(&t->dbs);
	g_free(t);
}

static int
mtarget_of(struct spam_engine *e, const struct sa_rule *r)
{
	bool raw = (r->mods & (1u << SA_HDR_RAW)) != 0;
	for (guint i = 0; i < e->mtargets->len; i++) {
		const struct mtarget *t = e->mtargets->pdata[i];
		if (g_ascii_strcasecmp(t->hdr, r->hdr) == 0 && t->raw == raw &&
		    g_strcmp0(t->if_unset, r->if_unset) == 0)
			return (int)i;
	}
	struct mtarget *t = g_new0(struct mtarget, 1);
	t->hdr = g_strdup(r->hdr);
	t->raw = raw;
	t->if_unset = g_strdup(r->if_unset);
	t->specs = g_array_new(FALSE, FALSE, sizeof(struct sa_re_spec));
	t->ids = g_array_new(FALSE, FALSE, sizeof(unsigned));
	g_ptr_array_add(e->mtargets, t);
	return (int)e->mtargets->len - 1;
}

static void
mtarget_free(gpointer p)
{
	struct mtarget *t = p;
	g_free(t->hdr);
	g_free(t->if_unset);
	if (t->specs != NULL)
		g_array_free(t->specs, TRUE);
	if (t->ids != NULL)
		g_array_free(t->ids, TRUE);
	dbset_free(&t->dbs);
	g_free(t);
}

/* Header names a header rule may read today: a header, or one of these. */
static bool
header_supported(const struct sa_rule *r, const char **why)
{
	const char *h = r->hdr;
	if (strchr(h, '|') != NULL) {
		*why = "header rule on several headers";
		return false;
	}
	if (r->mods & ((1u << SA_HDR_HOST) | (1u << SA_HDR_DOMAIN) | (1u << SA_HDR_IP) |
	    (1u << SA_HDR_REVIP))) {
		*why = "header modifier :host, :domain, :ip or :revip not implemented";
		return false;
	}
	return true;
}

struct build {
	struct spam_engine *e;
	GArray *specs[DB_CLASSES];	/* struct sa_re_spec */
	GArray *ids[DB_CLASSES];	/* unsigned: rule index of each spec */
	const unsigned *chunk_ids;	/* of the chunk being compiled */
	const char *cache_dir;		/* or NULL */
	size_t cached, compiled;	/* databases loaded, and compiled */
	GPtrArray *all;			/* every database, for the scratch */
};

static void
rejected(size_t i, const char *why, void *ud)
{
	struct build *b = ud;
	struct rule *r = &b->e->rules[b->chunk_ids[i]];
	r->kind = RK_NONE;
	char reason[160];
	snprintf(reason, sizeof reason, "pattern refused: %s", why);
	count_reason(b->e->unusable, reason);
}

/* specs[0..n) (rule indices ids) into out, DB_CHUNK a database */
static bool
dbset_build(struct build *b, const struct sa_re_spec *specs, const unsigned *ids, size_t n,
    struct dbset *out, char *err, size_t errlen)
{
	size_t chunks = MAX((n + DB_CHUNK - 1) / DB_CHUNK, (size_t)1);
	out->db = g_new0(struct sa_db *, chunks);
	for (size_t off = 0, k = 0; k < chunks; k++, off += DB_CHUNK) {
		size_t m = MIN((size_t)DB_CHUNK, n - MIN(off, n));
		/* no pointer arithmetic on an empty array's NULL */
		b->chunk_ids = m > 0 ? ids + off : ids;
		bool hit = false;
		out->db[k] = sa_db_new_cached(m > 0 ? specs + off : specs, m, &sa_match_limits_default,
		    b->cache_dir, rejected, b, &hit, err, errlen);
		if (out->db[k] == NULL)
			return false;
		out->n++;
		if (hit)
			b->cached++;
		else
			b->compiled++;
		g_ptr_array_add(b->all, out->db[k]);
	}
	return true;
}

static int
meta_lookup(const char *name, size_t len, void *ud)
{
	struct spam_engine *e = ud;
	char buf[256];
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	gpointer v = g_hash_table_lookup(e->index, buf);
	if (v == NULL)	/* no such rule: 0, as SpamAssassin reads it */
		return SA_META_ZERO;
	/* a rule SpamAssassin has but mamori cannot evaluate: the meta
	 * rule cannot be either */
	int i = GPOINTER_TO_INT(v) - 1;
	return e->rules[i].kind == RK_NONE ? -1 : i;
}

static enum db_class
class_of(enum sa_type t)
{
	switch (t) {
	case SA_BODY:
		return DB_BODY;
	case SA_RAWBODY:
		return DB_RAWBODY;
	case SA_FULL:
		return DB_FULL;
	default:
		return DB_URI;
	}
}

/* The names meta rules read (any word of their expressions). */
static GHashTable *
meta_names(const struct spam_engine *e)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (size_t i = 0; i < e->n; i++) {
		const char *p = e->rules[i].sa->type == SA_META ? e->rules[i].sa->meta : NULL;
		while (p != NULL && *p != '\0') {
			if (!g_ascii_isalpha(*p) && *p != '_') {
				p++;
				continue;
			}
			const char *q = p;
			while (g_ascii_isalnum(*q) || *q == '_')
				q++;
			g_hash_table_add(t, g_strndup(p, (gsize)(q - p)));
			p = q;
		}
	}
	return t;
}

/*
 * What no score can depend on is not run: a rule is needed when it has a
 * score in the set, or a needed meta rule reads it.  The others (mostly
 * sub-rules of meta rules that cannot be used, an eval missing) would
 * cost a scan their patterns for nothing; `check-config` counts them.
 */
static void
prune_unneeded(struct spam_engine *e)
{
	bool *need = g_new0(bool, MAX(e->n, (size_t)1));
	GArray *todo = g_array_new(FALSE, FALSE, sizeof(size_t));

	for (size_t i = 0; i < e->n; i++) {
		const struct rule *r = &e->rules[i];
		if (r->kind != RK_NONE && r->sa->score[e->set] != 0.0 &&
		    !g_str_has_prefix(r->sa->name, "__")) {
			need[i] = true;
			g_array_append_val(todo, i);
		}
	}
	while (todo->len > 0) {
		size_t i = g_array_index(todo, size_t, todo->len - 1);
		g_array_set_size(todo, todo->len - 1);
		const char *p = e->rules[i].kind == RK_META ? e->rules[i].sa->meta : NULL;
		while (p != NULL && *p != '\0') {
			if (!g_ascii_isalpha(*p) && *p != '_') {
				p++;
				continue;
			}
			const char *q = p;
			while (g_ascii_isalnum(*q) || *q == '_')
				q++;
			char name[256];
			size_t len = (size_t)(q - p);
			p = q;
			if (len >= sizeof name)
				continue;
			memcpy(name, q - len, len);
			name[len] = '\0';
			gpointer v = g_hash_table_lookup(e->index, name);
			if (v == NULL)
				continue;
			size_t k = (size_t)GPOINTER_TO_INT(v) - 1;
			if (!need[k] && e->rules[k].kind != RK_NONE) {
				need[k] = true;
				g_array_append_val(todo, k);
			}
		}
	}
	for (size_t i = 0; i < e->n; i++) {
		struct rule *r = &e->rules[i];
		if (r->kind == RK_NONE || need[i])
			continue;
		r->kind = RK_NONE;
		sa_eval_call_free(r->call);
		r->call = NULL;
		count_reason(e->unusable, "read by no rule with a score (not run)");
	}
	g_array_free(todo, TRUE);
	g_free(need);
}

/* the rules of the set, each with its kind, or RK_NONE with a reason */
static void
classify_rules(struct build *b)
{
	struct spam_engine *e = b->e;
	GHashTable *read_by_meta = meta_names(e);

	for (size_t i = 0; i < e->n; i++) {
		struct rule *r = &e->rules[i];
		const struct sa_rule *sa = r->sa;
		const char *why = NULL;
		char whybuf[200];
		if (sa->score[e->set] == 0.0 && !g_str_has_prefix(sa->name, "__") &&
		    !g_hash_table_contains(read_by_meta, sa->name))
			why = "score 0 in the set (not run, as in SpamAssassin)";
		else if ((sa->tflags & SA_TF_NET) && e->set != 1 && e->set != 3)
			why = "network rule (tflags net) in a score set without network tests";
		else if (sa->type == SA_MIMEHEADER && sa->negate)
			/* MIMEHeader.pm hits on every message then */
			why = "negated mimeheader rule (SpamAssassin makes it hit on every message)";
		else if (sa->type == SA_MIMEHEADER && (sa->mods & ~(1u << SA_HDR_RAW)) != 0)
			why = "mimeheader modifier other than :raw";
		else if (sa->type == SA_META)
			r->kind = RK_META;
		else if (sa->eval != NULL) {
			char err[160];
			r->call = sa_eval_call_new(sa->name, sa->eval, sa->eval_args, err,
			    sizeof err);
			if (r->call != NULL) {
				r->kind = RK_EVAL;
			} else if (strcmp(err, "not implemented") == 0) {
				why = "eval function not implemented";
			} else {
				snprintf(whybuf, sizeof whybuf, "eval %s: %s", sa->eval, err);
				why = whybuf;
			}
		} else if (sa->type == SA_HEADER) {
			if (!header_supported(sa, &why))
				;
			else if (sa->exists)
				r->kind = RK_EXISTS;
			else if (sa->re != NULL)
				r->kind = RK_PATTERN;
			else
				why = "header rule without a pattern";
		} else if (sa->re != NULL) {
			r->kind = RK_PATTERN;
		} else {
			why = "rule without a pattern";
		}
		if (why != NULL)
			count_reason(e->unusable, why);
	}
	g_hash_table_unref(read_by_meta);
	prune_unneeded(e);

	for (size_t i = 0; i < e->n; i++) {
		struct rule *r = &e->rules[i];
		const struct sa_rule *sa = r->sa;
		if (r->kind != RK_PATTERN && r->kind != RK_EXISTS)
			continue;
		if (sa->type == SA_MIMEHEADER) {
			r->target = mtarget_of(e, sa);
			struct mtarget *t = e->mtargets->pdata[r->target];
			struct sa_re_spec sp = { .id = (unsigned)i, .re = sa->re,
			    .flags = sa->re_flags != NULL ? sa->re_flags : "",
			    .count = (sa->tflags & SA_TF_MULTIPLE) != 0, .maxhits = sa->maxhits };
			unsigned id = (unsigned)i;
			g_array_append_val(t->specs, sp);
			g_array_append_val(t->ids, id);
			continue;
		}
		if (sa->type == SA_HEADER) {
			r->target = target_of(e, sa);
			struct target *t = e->targets->pdata[r->target];
			if (r->kind == RK_EXISTS) {
				unsigned id = (unsigned)i;
				g_array_append_val(t->exists, id);
				continue;
			}
			struct sa_re_spec sp = { .id = (unsigned)i, .re = sa->re,
			    .flags = sa->re_flags != NULL ? sa->re_flags : "",
			    .count = (sa->tflags & SA_TF_MULTIPLE) != 0, .maxhits = sa->maxhits };
			unsigned id = (unsigned)i;
			g_array_append_val(t->specs, sp);
			g_array_append_val(t->ids, id);
			continue;
		}
		enum db_class c = class_of(sa->type);
		struct sa_re_spec sp = { .id = (unsigned)i, .re = sa->re,
		    .flags = sa->re_flags != NULL ? sa->re_flags : "",
		    .count = (sa->tflags & SA_TF_MULTIPLE) != 0, .maxhits = sa->maxhits };
		unsigned id = (unsigned)i;
		g_array_append_val(b->specs[c], sp);
		g_array_append_val(b->ids[c], id);
	}
}

static bool
compile_dbs(struct build *b, char *err, size_t errlen)
{
	struct spam_engine *e = b->e;

	b->all = g_ptr_array_new();
	for (int c = 0; c < DB_CLASSES; c++)
		if (!dbset_build(b, (const struct sa_re_spec *)(void *)b->specs[c]->data,
		    (const unsigned *)(void *)b->ids[c]->data, b->specs[c]->len, &e->db[c], err,
		    errlen))
			goto fail;
	for (guint i = 0; i < e->targets->len; i++) {
		struct target *t = e->targets->pdata[i];
		if (!dbset_build(b, (const struct sa_re_spec *)(void *)t->specs->data,
		    (const unsigned *)(void *)t->ids->data, t->specs->len, &t->dbs, err, errlen))
			goto fail;
		g_array_free(t->specs, TRUE);
		t->specs = NULL;
	}
	for (guint i = 0; i < e->mtargets->len; i++) {
		struct mtarget *t = e->mtargets->pdata[i];
		if (!dbset_build(b, (const struct sa_re_spec *)(void *)t->specs->data,
		    (const unsigned *)(void *)t->ids->data, t->specs->len, &t->dbs, err, errlen))
			goto fail;
		g_array_free(t->specs, TRUE);
		t->specs = NULL;
	}
	e->nalldbs = b->all->len;
	e->alldbs = (struct sa_db **)g_ptr_array_free(b->all, FALSE);
	return true;
fail:
	g_ptr_array_free(b->all, TRUE);
	return false;
}

static void
compile_metas(struct spam_engine *e)
{
	GArray *metas = g_array_new(FALSE, FALSE, sizeof(struct sa_meta *));
	GArray *which = g_array_new(FALSE, FALSE, sizeof(int));

	/* a meta reading an unusable meta is unusable: compile until
	 * nothing changes (each round drops at least one, or stops) */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < e->n; i++) {
			struct rule *r = &e->rules[i];
			if (r->kind != RK_META || r->meta != NULL)
				continue;
			char err[200];
			r->meta = sa_meta_compile(r->sa->meta, meta_lookup, e, err, sizeof err);
			if (r->meta == NULL) {
				r->kind = RK_NONE;
				count_reason(e->unusable, g_str_has_prefix(err, "undefined") ?
				    "meta rule reads a rule not in use" : "meta expression refused");
				changed = true;
			}
		}
		if (changed)	/* recompile the ones that read a dropped rule */
			for (size_t i = 0; i < e->n; i++) {
				struct rule *r = &e->rules[i];
				if (r->kind == RK_META && r->meta != NULL) {
					sa_meta_free(r->meta);
					r->meta = NULL;
				}
			}
	}
	for (size_t i = 0; i < e->n; i++) {
		if (e->rules[i].kind != RK_META)
			continue;
		int idx = (int)i;
		g_array_append_val(metas, e->rules[i].meta);
		g_array_append_val(which, idx);
	}
	e->nmeta = metas->len;
	e->meta_order = g_new0(size_t, MAX(e->nmeta, (size_t)1));
	e->nmeta_ok = sa_meta_order((struct sa_meta *const *)(void *)metas->data,
	    (const int *)(void *)which->data, e->nmeta, e->n, e->meta_order);
	/* keep rule indices, not positions in metas */
	for (size_t k = 0; k < e->nmeta; k++)
		e->meta_order[k] = (size_t)g_array_index(which, int, e->meta_order[k]);
	for (size_t k = e->nmeta_ok; k < e->nmeta; k++) {
		e->rules[e->meta_order[k]].kind = RK_NONE;
		count_reason(e->unusable, "meta rule in a cycle");
	}
	g_array_free(metas, TRUE);
	g_array_free(which, TRUE);
}

/*
 * What lets a scan skip the metas no fired rule reaches: each rule's value
 * when no rule but metas fires (the metas run once, in order, on zeros),
 * and who reads whom.  A meta none of whose inputs differs from that base
 * has its base value, the value evaluating it would give.
 */
static void
meta_plan(struct spam_engine *e)
{
	size_t n = MAX(e->n, (size_t)1);
	e->meta_base = g_new0(double, n);
	for (size_t k = 0; k < e->nmeta_ok; k++) {
		size_t i = e->meta_order[k];
		e->meta_base[i] = sa_meta_eval(e->rules[i].meta, e->meta_base);
	}
	e->meta_rstart = g_new0(size_t, n + 1);
	for (size_t k = 0; k < e->nmeta_ok; k++) {
		size_t nd;
		const int *d = sa_meta_deps(e->rules[e->meta_order[k]].meta, &nd);
		for (size_t j = 0; j < nd; j++)
			if (d[j] >= 0 && (size_t)d[j] < e->n)
				e->meta_rstart[d[j] + 1]++;
	}
	for (size_t r = 0; r < n; r++)
		e->meta_rstart[r + 1] += e->meta_rstart[r];
	e->meta_readers = g_new(size_t, MAX(e->meta_rstart[n], (size_t)1));
	size_t *fill = g_memdup2(e->meta_rstart, n * sizeof *fill);
	for (size_t k = 0; k < e->nmeta_ok; k++) {
		size_t i = e->meta_order[k], nd;
		const int *d = sa_meta_deps(e->rules[i].meta, &nd);
		for (size_t j = 0; j < nd; j++)
			if (d[j] >= 0 && (size_t)d[j] < e->n)
				e->meta_readers[fill[d[j]]++] = i;
	}
	g_free(fill);
}

/* rule i's value is off its base: the metas reading it are to be evaluated */
static void
meta_mark_readers(const struct spam_engine *e, size_t i, bool *dirty)
{
	for (size_t j = e->meta_rstart[i]; j < e->meta_rstart[i + 1]; j++)
		dirty[e->meta_readers[j]] = true;
}

/* The rules with a score in the set in use become symbols. */
static void
make_symbols(struct module_setup *s, struct spam_engine *e, double scale)
{
	for (size_t i = 0; i < e->n; i++) {
		struct rule *r = &e->rules[i];
		if (r->kind == RK_NONE)
			continue;
		e->in_use++;
		r->score = r->sa->score[e->set] * scale;
		if (g_str_has_prefix(r->sa->name, "__") || r->score == 0.0)
			continue;
		const char *desc = r->sa->describe != NULL ? r->sa->describe : "";
		char *d = g_strdup_printf("SpamAssassin rule (%s:%u): %s", r->sa->file != NULL ?
		    r->sa->file : "?", r->sa->line, desc);
		r->sym = module_symbol_add(s, r->sa->name, r->score, d);
		if (r->sym == NULL) {
			char *alt = g_strconcat("SA_", r->sa->name, NULL);
			r->sym = module_symbol_add(s, alt, r->score, d);
			count_reason(e->unusable, r->sym != NULL ?
			    "renamed SA_NAME: the name is a mamori symbol (still in use)" :
			    "name taken twice: SA_NAME is a symbol too");
			g_free(alt);
		}
		g_free(d);
	}
}

static void
engine_free(void *engine)
{
	struct spam_engine *e = engine;
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		sa_meta_free(e->rules[i].meta);
		sa_eval_call_free(e->rules[i].call);
	}
	g_free(e->rules);
	for (int c = 0; c < DB_CLASSES; c++)
		dbset_free(&e->db[c]);
	if (e->targets != NULL)
		g_ptr_array_unref(e->targets);
	if (e->mtargets != NULL)
		g_ptr_array_unref(e->mtargets);
	if (e->scratch != NULL) {
		struct sa_scratch *sc;
		while ((sc = g_async_queue_try_pop(e->scratch)) != NULL)
			sa_scratch_free(sc);
		g_async_queue_unref(e->scratch);
	}
	g_free(e->alldbs);
	g_free(e->meta_order);
	g_free(e->meta_base);
	g_free(e->meta_rstart);
	g_free(e->meta_readers);
	if (e->index != NULL)
		g_hash_table_unref(e->index);
	if (e->unusable != NULL)
		g_hash_table_unref(e->unusable);
	sa_netset_free(e->nets[0]);
	sa_netset_free(e->nets[1]);
	g_strfreev(e->originating);
	sa_ruleset_free(e->rs);
	g_free(e);
}

static bool
is_default_path(const char *p)
{
	for (size_t i = 0; debian_sa_rules[i] != NULL; i++)
		if (strcmp(debian_sa_rules[i], p) == 0)
			return true;
	return false;
}

static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct spam_conf *c = s->conf;
	struct spam_engine *e = g_new0(struct spam_engine, 1);
	struct sa_parse_opts o = sa_parse_defaults;

	o.rules_max = c->rules_max;
	e->set = c->score_set;
	e->rs = sa_ruleset_new();
	e->unusable = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	e->index = g_hash_table_new(g_str_hash, g_str_equal);
	e->targets = g_ptr_array_new_with_free_func(target_free);
	e->mtargets = g_ptr_array_new_with_free_func(mtarget_free);
	e->scratch = g_async_queue_new();
	for (guint i = 0; c->sa_rules != NULL && i < c->sa_rules->len; i++) {
		const char *p = c->sa_rules->pdata[i];
		if (is_default_path(p) && !g_file_test(p, G_FILE_TEST_EXISTS))
			continue;	/* the package is not installed */
		char why[256];
		if (!sa_conf_load(e->rs, p, &o, why, sizeof why)) {
			snprintf(s->err, s->errlen, "spam.sa_rules: %s", why);
			engine_free(e);
			return false;
		}
	}
	sa_conf_finish(e->rs);
	const GPtrArray *lists[2] = { c->trusted_networks, c->internal_networks };
	for (int k = 0; k < 2; k++) {
		if (lists[k] == NULL || lists[k]->len == 0)
			continue;
		char why[160];
		e->nets[k] = sa_netset_new((const char *const *)lists[k]->pdata, lists[k]->len,
		    why, sizeof why);
		if (e->nets[k] == NULL) {	/* checked when read: not expected */
			snprintf(s->err, s->errlen, "spam.%s: %s",
			    k == 0 ? "trusted_networks" : "internal_networks", why);
			engine_free(e);
			return false;
		}
	}
	e->originating = sa_relays_originating(e->rs->settings);

	e->n = e->rs->rules->len;
	e->rules = g_new0(struct rule, MAX(e->n, (size_t)1));
	for (size_t i = 0; i < e->n; i++) {
		e->rules[i].sa = e->rs->rules->pdata[i];
		e->rules[i].target = -1;
		g_hash_table_insert(e->index, e->rules[i].sa->name, GINT_TO_POINTER((int)i + 1));
	}
	struct build b = { .e = e, .cache_dir = c->cache_dir };
	for (int k = 0; k < DB_CLASSES; k++) {
		b.specs[k] = g_array_new(FALSE, FALSE, sizeof(struct sa_re_spec));
		b.ids[k] = g_array_new(FALSE, FALSE, sizeof(unsigned));
	}
	classify_rules(&b);
	char why[256] = "";
	bool ok = compile_dbs(&b, why, sizeof why);
	e->dbs_cached = b.cached;
	e->dbs_compiled = b.compiled;
	for (int k = 0; k < DB_CLASSES; k++) {
		g_array_free(b.specs[k], TRUE);
		g_array_free(b.ids[k], TRUE);
	}
	if (!ok) {
		snprintf(s->err, s->errlen, "spam rules: %s", why);
		engine_free(e);
		return false;
	}
	compile_metas(e);
	meta_plan(e);
	make_symbols(s, e, c->rules_scale);
	for (size_t i = 0; i < e->n; i++)
		if (e->rules[i].kind == RK_EVAL &&
		    sa_eval_family_of(e->rules[i].call->def) == &sa_eval_html_family) {
			module_want_html_stats(s);
			break;
		}
	*engine = e;
	return true;
}

/* ---- a scan --------------------------------------------------------------- */

#define BODY_LINE_MAX 2048	/* Constants.pm MAX_BODY_LINE_LENGTH */

struct spam_state {
	bool ran;
	size_t in_use;
	int set;
	GArray *hits;		/* uint32_t per rule */
	const struct spam_engine *e;
	bool error;
};

static void
state_free(void *p)
{
	struct spam_state *s = p;
	if (s->hits != NULL)
		g_array_free(s->hits, TRUE);
}

static struct sa_scratch *
scratch_get(struct spam_engine *e)
{
	struct sa_scratch *s = g_async_queue_try_pop(e->scratch);
	return s != NULL ? s : sa_scratch_new(e->alldbs, e->nalldbs);
}

/* The relays of the message (sa_relays.h), with spam.trusted_networks and
 * spam.internal_networks and the rule files' originating_ip_headers: for
 * the header rules (X-Spam-Relays-*, ALL-TRUSTED ...) and the evals. */
static struct sa_relays *
relays_of(const struct spam_engine *e, const GPtrArray *fields)
{
	struct sa_relay_opts o = { .trusted = e->nets[0], .internal = e->nets[1],
	    .originating = (const char *const *)e->originating,
	    .limits = sa_relay_limits_default };
	return sa_relays_parse(fields, &o);
}

/* "Name: value" of a field, as the ALL texts hold it */
static void
append_field(GString *out, const struct sa_field *f, bool raw)
{
	g_string_append(out, f->name);
	g_string_append_len(out, ": ", 2);
	g_string_append(out, raw ? f->raw : f->decoded);
}

/*
 * ALL-TRUSTED, ALL-INTERNAL (first) or ALL-UNTRUSTED, ALL-EXTERNAL: the
 * header fields down to the Received field number idx + 1 (counted from
 * 0 at the top), that one included; or from it on
 * (get_all_hdrs_in_rcvd_index_range).
 */
static void
fields_by_received(const GPtrArray *fields, int idx, bool first, bool raw, GString *out)
{
	int cur = -1, start = first ? -1 : idx + 1, end = first ? idx + 1 : G_MAXINT;
	for (guint i = 0; i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (g_ascii_strcasecmp(f->name, "Received") == 0)
			cur++;
		if (start <= cur && cur < end) {
			append_field(out, f, raw);
		} else if (cur == end) {
			append_field(out, f, raw);
			break;
		}
	}
}

/*
 * The message's header fields by name (ASCII lower case) -> a GPtrArray of
 * them in their order: made once a message, so that the 91 stock header
 * targets each read their own fields, not every field of the header.
 */
static GHashTable *
fields_by_name(const GPtrArray *fields)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		char *k = g_ascii_strdown(f->name, -1);
		GPtrArray *a = g_hash_table_lookup(h, k);
		if (a == NULL) {
			a = g_ptr_array_new();
			g_hash_table_insert(h, k, a);
		} else {
			g_free(k);
		}
		g_ptr_array_add(a, fields->pdata[i]);
	}
	return h;
}

/* sa_header_values on the fields named lname (lower case) alone: the
 * same text, as it reads no other field */
static void
named_values(GHashTable *byname, const char *lname, bool raw, GString *out)
{
	const GPtrArray *a = g_hash_table_lookup(byname, lname);
	if (a != NULL)
		sa_header_values(a, lname, raw, out);
}

/* The text header rules of target t read; false: the header is absent
 * (the text is "" or the rule's if-unset).  byname: fields_by_name. */
static bool
target_text(const struct scan_ctx *ctx, const GPtrArray *fields, GHashTable *byname,
    const struct sa_relays *rl, const struct target *t, GString *out)
{
	bool raw = (t->mods & (1u << SA_HDR_RAW)) != 0;

	g_string_truncate(out, 0);
	/* the relays' texts: present even when empty, as in SpamAssassin */
	static const char *const relay_hdrs[] = { "x-spam-relays-trusted",
	    "x-spam-relays-untrusted", "x-spam-relays-internal", "x-spam-relays-external" };
	for (size_t k = 0; k < G_N_ELEMENTS(relay_hdrs); k++)
		if (g_ascii_strcasecmp(t->hdr, relay_hdrs[k]) == 0) {
			const char *v[] = { rl->trusted_str, rl->untrusted_str, rl->internal_str,
			    rl->external_str };
			g_string_assign(out, v[k]);
			return true;
		}
	if (strcmp(t->hdr, "ALL-TRUSTED") == 0 || strcmp(t->hdr, "ALL-UNTRUSTED") == 0) {
		fields_by_received(fields, rl->last_trusted_index, t->hdr[4] == 'T', raw, out);
	} else if (strcmp(t->hdr, "ALL-INTERNAL") == 0 || strcmp(t->hdr, "ALL-EXTERNAL") == 0) {
		fields_by_received(fields, rl->last_internal_index, t->hdr[4] == 'I', raw, out);
	} else if (strcmp(t->hdr, "ALL") == 0) {
		for (guint i = 0; i < fields->len; i++) {
			append_field(out, (const struct sa_field *)fields->pdata[i], raw);
		}
	} else if (strcmp(t->hdr, "ToCc") == 0) {
		named_values(byname, "to", raw, out);
		named_values(byname, "cc", raw, out);
	} else if (strcmp(t->hdr, "MESSAGEID") == 0) {
		static const char *const ids[] = { "x-message-id", "resent-message-id",
		    "x-original-message-id", "message-id" };
		for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
			named_values(byname, ids[i], raw, out);
	} else if (strcmp(t->hdr, "EnvelopeFrom") == 0) {
		const struct mamori_envelope *env = scan_envelope(ctx);
		if (env != NULL && env->mail_from != NULL)
			g_string_append(out, env->mail_from);
		else if (sa_relays_envelope_from(fields, rl, out))
			return true;	/* present, even when "" */
	} else if (t->mods & ((1u << SA_HDR_ADDR) | (1u << SA_HDR_NAME))) {
		const GPtrArray *a = g_hash_table_lookup(byname, t->lhdr);
		if (a != NULL)
			sa_header_addresses(a, t->lhdr, (t->mods & (1u << SA_HDR_NAME)) != 0, out);
	} else {
		named_values(byname, t->lhdr, raw, out);
	}
	if (out->len > 0)
		return true;
	if (t->if_unset != NULL)
		g_string_assign(out, t->if_unset);
	return false;
}

/*
 * The length a part is read to when it is longer than max (Message.pm's
 * body_part_scan_size and rawbody_part_scan_size): after the first cut
 * character at or after max, found within 1,024 bytes of it, else at max.
 */
static size_t
scan_cut(const char *s, size_t n, size_t max, const char *cuts)
{
	if (max == 0 || n <= max)
		return n;
	for (const char *c = cuts; *c != '\0'; c++) {
		size_t span = MIN(n - max, (size_t)1025);
		const char *f = memchr(s + max, *c, span);
		if (f != NULL)
			return (size_t)(f - s) + 1;
	}
	return max;
}

/* SpamAssassin's body text: the Subject and the rendered text of every
 * body text part, paragraphs on lines, blanks folded, lines cut. */
static GPtrArray *
body_lines(struct scan_ctx *ctx, uint64_t max)
{
	const struct mime_headers *h = scan_message(ctx)->headers;
	const struct content *c = scan_content(ctx);
	GString *text = g_string_new(NULL);

	for (guint i = 0; c != NULL && i < c->n_body; i++) {
		size_t n;
		const char *s = content_text(c, c->texts->pdata[i], &n);
		size_t k = scan_cut(s, n, (size_t)MIN(max, (uint64_t)SIZE_MAX), "\n ");
		if (k < n) {
			scan_addf(ctx, SYM_SA_PART_TRUNCATED, "body: part %u, %zu bytes", i + 1, n);
			n = k;
		}
		if (text->len > 0)
			g_string_append_c(text, '\n');
		g_string_append_len(text, s, (gssize)n);
	}
	/* paragraphs: a run of blanks holding two newlines or more ends one;
	 * any other run of blanks is one space */
	GString *flat = g_string_sized_new(text->len + 1);
	for (size_t i = 0; i < text->len;) {
		if (!g_ascii_isspace(text->str[i])) {
			g_string_append_c(flat, text->str[i++]);
			continue;
		}
		size_t j = i;
		unsigned nl = 0;
		while (j < text->len && g_ascii_isspace(text->str[j]))
			nl += text->str[j++] == '\n';
		g_string_append_c(flat, nl >= 2 ? '\n' : ' ');
		i = j;
	}
	g_string_free(text, TRUE);

	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	GString *all = g_string_new(h->subject != NULL ? h->subject : "");
	g_string_append_c(all, '\n');
	g_string_append_len(all, flat->str, (gssize)flat->len);
	g_string_free(flat, TRUE);
	const char *p = all->str, *end = all->str + all->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl + 1 : end;
		while ((size_t)(e - p) > BODY_LINE_MAX) {
			/* after the last blank at or before byte 2048, else at
			 * 2048 (split_into_array_of_short_lines) */
			size_t cut = BODY_LINE_MAX;
			for (size_t k = BODY_LINE_MAX + 1; k-- > 0;)
				if (p[k] == ' ') {
					cut = k + 1;
					break;
				}
			g_ptr_array_add(lines, g_strndup(p, cut));
			p += cut;
		}
		g_ptr_array_add(lines, g_strndup(p, (size_t)(e - p)));
		p = e;
	}
	g_string_free(all, TRUE);
	return lines;
}

/*
 * The value a mimeheader rule reads in a part (MIMEHeader.pm, Node.pm):
 * the last field of that name; :raw as written after the colon (and its
 * blanks but in a message's own header), folding and the final newline
 * kept; else unfolded (a newline
 * and the blanks after it one space), trimmed, RFC 2047 decoded, with a
 * newline.  Absent: "" (:raw), else the rule's if-unset or "".
 */
static void
mime_value(const struct mime_part *p, const struct mtarget *t, GString *out)
{
	const struct mime_header *f = NULL;
	g_string_truncate(out, 0);
	for (guint i = 0; p->fields != NULL && i < p->fields->len; i++) {
		const struct mime_header *h = p->fields->pdata[i];
		if (g_ascii_strcasecmp(h->name, t->hdr) == 0)
			f = h;
	}
	if (f == NULL) {
		if (!t->raw && t->if_unset != NULL)
			g_string_assign(out, t->if_unset);
		return;
	}
	/* a message's own header (the top-level entity, or an attached
	 * message's) is split at the colon alone, a part's at the colon and
	 * its blanks (Message.pm) */
	const char *v = f->raw;
	bool top = p->parent == NULL || p->parent->kind == MIME_PART_MESSAGE;
	while (!top && (*v == ' ' || *v == '\t'))
		v++;
	for (; *v != '\0'; v++)
		if (!(*v == '\r' && v[1] == '\n'))
			g_string_append_c(out, *v);
	if (out->len == 0 || out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	if (t->raw)
		return;
	GString *d = g_string_sized_new(out->len);
	for (size_t i = 0; i < out->len; i++) {
		if (out->str[i] == '\n' && i + 1 < out->len &&
		    (out->str[i + 1] == ' ' || out->str[i + 1] == '\t')) {
			while (i + 1 < out->len && (out->str[i + 1] == ' ' || out->str[i + 1] == '\t'))
				i++;
			g_string_append_c(d, ' ');
			continue;
		}
		g_string_append_c(d, out->str[i]);
	}
	g_strstrip(d->str);
	d->len = strlen(d->str);
	if (strstr(d->str, "=?") != NULL) {
		char *x = g_mime_utils_header_decode_text(NULL, d->str);
		if (x != NULL)
			g_string_assign(d, x);
		g_free(x);
	}
	g_string_assign(out, d->str);
	g_string_append_c(out, '\n');
	g_string_free(d, TRUE);
}

/* mimeheader rules: each hits on the first part (in tree order, the
 * top-level entity first) where its pattern matches, with that part's
 * count. */
static bool
scan_mimeheaders(struct scan_ctx *ctx, const struct spam_engine *e, struct sa_scratch *sc,
    uint32_t *hits)
{
	const struct mime_message *m = scan_message(ctx);
	uint32_t *th = g_new0(uint32_t, MAX(e->n, (size_t)1));
	GString *v = g_string_new(NULL);
	bool ok = true;

	for (guint i = 0; i < e->mtargets->len && ok; i++) {
		const struct mtarget *t = e->mtargets->pdata[i];
		for (guint k = 0; m->parts != NULL && k < m->parts->len && ok; k++) {
			const struct mime_part *p = m->parts->pdata[k];
			if (p->origin != MIME_ORIGIN_MIME)
				continue;
			mime_value(p, t, v);
			ok = dbset_scan(&t->dbs, sc, v->str, v->len, th);
			for (guint j = 0; j < t->ids->len; j++) {
				unsigned id = g_array_index(t->ids, unsigned, j);
				if (hits[id] == 0)
					hits[id] = th[id];
				th[id] = 0;
			}
		}
	}
	g_string_free(v, TRUE);
	g_free(th);
	return ok;
}

/*
 * Every line with every database of db: a database over all the lines
 * before the next, so that its tables stay in the caches (a pattern is in
 * one database, so it still reads the lines in their order, as a counting
 * pattern's maxhits needs).
 */
static bool
scan_lines(const struct dbset *db, struct sa_scratch *sc, GPtrArray *lines, uint32_t *hits)
{
	size_t *len = g_new(size_t, MAX(lines->len, 1u));
	bool ok = true;

	for (guint i = 0; i < lines->len; i++)
		len[i] = strlen(lines->pdata[i]);
	for (size_t k = 0; k < db->n && ok; k++)
		for (guint i = 0; i < lines->len && ok; i++)
			ok = sa_db_scan(db->db[k], sc, lines->pdata[i], len[i], hits);
	g_free(len);
	return ok;
}

/* rawbody: every body part decoded, not rendered, in pieces */
static bool
scan_rawbody(struct scan_ctx *ctx, const struct dbset *db, struct sa_scratch *sc,
    uint32_t *hits, uint64_t max)
{
	const struct mime_message *m = scan_message(ctx);
	for (guint i = 0; m->parts != NULL && i < m->parts->len; i++) {
		const struct mime_part *p = m->parts->pdata[i];
		if (p->data == NULL || p->type == NULL || strcmp(p->type, "text/calendar") == 0 ||
		    (!g_str_has_prefix(p->type, "text/") && !g_str_has_prefix(p->type, "message/")))
			continue;
		const char *s = (const char *)p->data;
		size_t n = p->len, ofs = 0;
		size_t k = scan_cut(s, n, (size_t)MIN(max, (uint64_t)SIZE_MAX), "\n> ");
		if (k < n) {
			scan_addf(ctx, SYM_SA_PART_TRUNCATED, "rawbody: part %u, %zu bytes",
			    p->index + 1, n);
			n = k;
		}
		/* split_into_array_of_short_paragraphs: pieces of 2049 to
		 * 4096 bytes, cut after a newline, a '>' or a blank */
		if (n > BODY_LINE_MAX) {
			while (n - ofs > 2 * BODY_LINE_MAX) {
				size_t j = SIZE_MAX;
				static const char cuts[] = "\n> ";
				for (size_t q = 0; q < 3 && j == SIZE_MAX; q++) {
					const char *f = memchr(s + ofs + BODY_LINE_MAX, cuts[q],
					    n - ofs - BODY_LINE_MAX);
					if (f != NULL && (size_t)(f - s) - ofs + 1 <= 2 * BODY_LINE_MAX)
						j = (size_t)(f - s);
				}
				if (j == SIZE_MAX)
					j = ofs + BODY_LINE_MAX;
				if (!dbset_scan(db, sc, s + ofs, j - ofs + 1, hits))
					return false;
				ofs = j + 1;
			}
		}
		if (ofs < n && !dbset_scan(db, sc, s + ofs, n - ofs, hits))
			return false;
	}
	return true;
}

/* HTML_ONLY_LITTLE_TEXT: the body's text parts all HTML, something to
 * click or see, little visible text. */
static void
html_little_text(struct scan_ctx *ctx, uint32_t min)
{
	const struct content *c = scan_content(ctx);
	if (c == NULL || c->n_body == 0)
		return;
	for (guint i = 0; i < c->n_body; i++)
		if (((const struct content_text *)c->texts->pdata[i])->kind != CONTENT_HTML)
			return;
	size_t chars = 0;
	bool refs = false;
	for (guint i = 0; i < c->n_body; i++) {
		const struct content_text *t = c->texts->pdata[i];
		size_t n;
		const char *s = content_text(c, t, &n);
		for (size_t k = 0; k < n; k++)
			/* characters: lead bytes, not blanks */
			chars += ((unsigned char)s[k] & 0xC0) != 0x80 && !g_ascii_isspace(s[k]);
		const struct html_doc *d = content_html(c, t);
		refs = refs || (d != NULL && d->links->len > 0);
	}
	if (refs && chars < min)
		scan_addf(ctx, SYM_HTML_ONLY_LITTLE_TEXT, "%zu", chars);
}

static bool
has_symbol(const void *ud, const char *name)
{
	return scan_has(ud, name);
}

static bool
dnsbl_answer(const void *ud, const char *zone, unsigned i, const struct dns_answer **a,
    const struct dns_answer **txt)
{
	return scan_dnsbl_answer(ud, zone, i, a, txt);
}

/* The eval rules, on the message as sa_eval.h describes it. */
static void
run_evals(struct scan_ctx *ctx, const struct spam_engine *e, struct spam_state *st,
    const GPtrArray *fields, const GPtrArray *lines, struct sa_relays *relays, uint32_t *hits)
{
	const struct mamori_envelope *env = scan_envelope(ctx);
	struct sa_eval_msg m = {
		.fields = fields,
		.msg = scan_message(ctx),
		.content = scan_content(ctx),
		.body = lines,
		.rs = e->rs,
		.has = has_symbol,
		.has_ud = ctx,
		.dnsbl = dnsbl_answer,
		.bayes = -1,
		.now = g_get_real_time() / G_USEC_PER_SEC,
	};
	m.raw = scan_raw(ctx, &m.raw_len);
	if (env != NULL) {
		m.mail_from = env->mail_from;
		m.helo = env->helo;
		m.client_ip = env->client_ip;
		m.rcpt = env->rcpt;
		m.nrcpt = env->n_rcpt;
	}
	/* the relays parsed with the configured networks: the evals' now */
	m.slot[SA_SLOT_RELAYS] = relays;
	m.slot_free[SA_SLOT_RELAYS] = sa_relays_free;
	double p;
	if (scan_spam_probability(ctx, &p))
		m.bayes = p;
	for (size_t i = 0; i < e->n; i++) {
		if (e->rules[i].kind != RK_EVAL)
			continue;
		int r = sa_eval_run(&m, e->rules[i].call);
		if (r < 0) {
			scan_addf(ctx, SYM_SA_RULES_ERROR, "eval %s", e->rules[i].sa->name);
			st->error = true;
			r = 0;
		}
		hits[i] = (uint32_t)r;
	}
	sa_eval_msg_clear(&m);
}

static void
run(struct scan_ctx *ctx)
{
	struct spam_engine *e = (struct spam_engine *)scan_module_engine(ctx);
	struct spam_state *st = scan_module_state(ctx);

	const struct spam_conf *conf = scan_module_conf(ctx);
	html_little_text(ctx, conf->html_text_min);
	if (e == NULL || e->in_use == 0)
		return;
	st->ran = true;
	st->e = e;
	st->in_use = e->in_use;
	st->set = e->set;
	st->hits = g_array_sized_new(FALSE, TRUE, sizeof(uint32_t), (guint)e->n);
	g_array_set_size(st->hits, (guint)e->n);
	uint32_t *hits = (uint32_t *)(void *)st->hits->data;
	struct sa_scratch *sc = scratch_get(e);
	if (sc == NULL) {
		scan_add(ctx, SYM_SA_RULES_ERROR, "scratch");
		st->error = true;
		return;
	}

	/* headers */
	size_t rawlen;
	const uint8_t *raw = scan_raw(ctx, &rawlen);
	GPtrArray *fields = sa_fields_parse(raw, raw != NULL ? rawlen : 0);
	GString *buf = g_string_new(NULL);
	struct sa_relays *relays = relays_of(e, fields);
	GHashTable *byname = fields_by_name(fields);
	uint32_t *th = g_new0(uint32_t, e->n);
	for (guint i = 0; i < e->targets->len; i++) {
		const struct target *t = e->targets->pdata[i];
		bool present = target_text(ctx, fields, byname, relays, t, buf);
		if (!dbset_scan(&t->dbs, sc, buf->str, buf->len, th)) {
			scan_add(ctx, SYM_SA_RULES_ERROR, "header");
			st->error = true;
		}
		/* th holds zeros but for this target's rules: read, then
		 * zeroed again */
		for (guint k = 0; k < t->ids->len; k++) {
			unsigned id = g_array_index(t->ids, unsigned, k);
			hits[id] = e->rules[id].sa->negate ? (th[id] == 0) : th[id];
			th[id] = 0;
		}
		for (guint k = 0; k < t->exists->len; k++) {
			unsigned id = g_array_index(t->exists, unsigned, k);
			hits[id] = e->rules[id].sa->negate ? !present : present;
		}
	}
	g_free(th);
	g_hash_table_unref(byname);
	g_string_free(buf, TRUE);

	if (!scan_mimeheaders(ctx, e, sc, hits)) {
		scan_add(ctx, SYM_SA_RULES_ERROR, "mimeheader");
		st->error = true;
	}

	/* body, rawbody, full, uri */
	GPtrArray *lines = body_lines(ctx, conf->body_part_scan_size);
	if (!scan_lines(&e->db[DB_BODY], sc, lines, hits)) {
		scan_add(ctx, SYM_SA_RULES_ERROR, "body");
		st->error = true;
	}
	if (!scan_rawbody(ctx, &e->db[DB_RAWBODY], sc, hits, conf->rawbody_part_scan_size)) {
		scan_add(ctx, SYM_SA_RULES_ERROR, "rawbody");
		st->error = true;
	}
	if (raw != NULL && !dbset_scan(&e->db[DB_FULL], sc, (const char *)raw, rawlen, hits)) {
		scan_add(ctx, SYM_SA_RULES_ERROR, "full");
		st->error = true;
	}
	const GPtrArray *links = content_links(scan_content(ctx));
	for (guint i = 0; links != NULL && i < links->len; i++) {
		const struct content_link *l = links->pdata[i];
		if (!dbset_scan(&e->db[DB_URI], sc, l->url, strlen(l->url), hits)) {
			scan_add(ctx, SYM_SA_RULES_ERROR, "uri");
			st->error = true;
			break;
		}
	}
	g_async_queue_push(e->scratch, sc);

	/* evals, then metas in order */
	run_evals(ctx, e, st, fields, lines, relays, hits);
	g_ptr_array_unref(lines);
	g_ptr_array_unref(fields);
	/* the metas that read a rule see its value, as in SpamAssassin (an
	 * arithmetic meta can exceed 1); a meta hits when non-zero.  Only
	 * the metas an input of which is off its base value are evaluated
	 * (meta_plan()): the others have their base value. */
	double *v = g_new(double, MAX(e->n, (size_t)1));
	bool *dirty = g_new0(bool, MAX(e->n, (size_t)1));
	for (size_t i = 0; i < e->n; i++) {
		v[i] = hits[i];
		if (v[i] != 0.0)
			meta_mark_readers(e, i, dirty);
	}
	for (size_t k = 0; k < e->nmeta_ok; k++) {
		size_t i = e->meta_order[k];
		double x = e->meta_base[i];
		if (dirty[i]) {
			x = sa_meta_eval(e->rules[i].meta, v);
			if (x != e->meta_base[i])
				meta_mark_readers(e, i, dirty);
		}
		v[i] = x;
		hits[i] = x == 0.0 ? 0 : x >= 1.0 ? (uint32_t)MIN(x, 1e6) : 1;
	}
	g_free(dirty);
	g_free(v);

	for (size_t i = 0; i < e->n; i++) {
		if (hits[i] == 0 || e->rules[i].sym == NULL)
			continue;
		/* the count of a tflags multiple rule is its option (its
		 * score counts once: see docs/spam.md) */
		if (hits[i] > 1)
			scan_addf(ctx, e->rules[i].sym, "x%u", (unsigned)hits[i]);
		else
			scan_add(ctx, e->rules[i].sym, NULL);
	}
}

static const char *const type_names[SA_TYPE_COUNT] = {
	"header", "mimeheader", "body", "rawbody", "full", "uri", "meta",
};

static void
reasons(GString *out, GHashTable *t)
{
	GList *names = g_list_sort(g_hash_table_get_keys(t), (GCompareFunc)(void *)strcmp);
	for (GList *k = names; k != NULL; k = k->next)
		g_string_append_printf(out, "  %6u  %s\n",
		    GPOINTER_TO_UINT(g_hash_table_lookup(t, k->data)), (const char *)k->data);
	g_list_free(names);
}

/* check-config: what was read, what is in use, what is not and why */
static char *
engine_summary(const void *engine, bool detail)
{
	const struct spam_engine *e = engine;
	GString *out = g_string_new(NULL);
	size_t by_type[SA_TYPE_COUNT] = { 0 }, symbols_n = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (e->rules[i].kind == RK_NONE)
			continue;
		by_type[e->rules[i].sa->type]++;
		symbols_n += e->rules[i].sym != NULL;
	}
	g_string_append_printf(out, "spam: SpamAssassin rules: %u files, %u lines, %zu rules; "
	    "%zu in use (score set %s), %zu of them scored symbols\n", e->rs->files,
	    e->rs->lines, e->n, e->in_use, set_names[e->set], symbols_n);
	g_string_append(out, "spam: in use by type:");
	for (int t = 0; t < SA_TYPE_COUNT; t++)
		g_string_append_printf(out, " %s %zu", type_names[t], by_type[t]);
	g_string_append_c(out, '\n');
	for (int c = 0; c < DB_CLASSES; c++) {
		struct sa_db_stats st = { 0 };
		for (size_t k = 0; k < e->db[c].n; k++) {
			struct sa_db_stats x;
			sa_db_stats(e->db[c].db[k], &x);
			st.exact += x.exact;
			st.prefiltered += x.prefiltered;
			st.pcre_only += x.pcre_only;
			st.rejected += x.rejected;
			st.bytes += x.bytes;
		}
		static const char *const cls[] = { "body", "rawbody", "full", "uri" };
		g_string_append_printf(out, "spam: %s patterns: %zu Hyperscan, %zu Hyperscan "
		    "prefilter + PCRE2, %zu PCRE2 alone, %zu refused; %zu databases, %zu bytes\n",
		    cls[c], st.exact, st.prefiltered, st.pcre_only, st.rejected, e->db[c].n,
		    st.bytes);
	}
	g_string_append_printf(out, "spam: header patterns: %u headers read\n",
	    e->targets->len);
	g_string_append_printf(out, "spam: %zu pattern databases compiled, %zu read from the "
	    "cache\n", e->dbs_compiled, e->dbs_cached);
	if (g_hash_table_size(e->unusable) > 0) {
		g_string_append(out, "spam: rules not in use, by reason:\n");
		reasons(out, e->unusable);
	}
	if (g_hash_table_size(e->rs->skipped) > 0) {
		g_string_append(out, "spam: lines not taken while reading, by reason:\n");
		reasons(out, e->rs->skipped);
	}
	for (size_t i = 0; detail && i < e->n; i++)
		if (e->rules[i].kind != RK_NONE)
			g_string_append_printf(out, "spam: rule %s %s\n", e->rules[i].sa->name,
			    type_names[e->rules[i].sa->type]);
	return g_string_free(out, FALSE);
}

/* "spam": {"rules": N, "set": 0..3 (SpamAssassin's score set), "hits":
 * {"RULE": n, ...}} */
static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct spam_state *st = scan_module_state(ctx);

	jw_obj(w, key);
	if (st->ran) {
		jw_int(w, "rules", (int64_t)st->in_use);
		jw_int(w, "set", st->set);
		jw_obj(w, "hits");
		const uint32_t *hits = (const uint32_t *)(const void *)st->hits->data;
		for (size_t i = 0; i < st->e->n; i++)
			if (hits[i] > 0)
				jw_int(w, st->e->rules[i].sa->name, hits[i]);
		jw_obj_end(w);
		if (st->error)
			jw_bool(w, "error", true);
	}
	jw_obj_end(w);
}

static const char *const report_keys[] = { "spam", NULL };

const struct mamori_module module_spam = {
	.name = "spam",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("spam", keys, struct spam_conf, check),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.state_size = sizeof(struct spam_state),
	.state_free = state_free,
	.run = run,
	.report_keys = report_keys,
	.report = report,
	.engine_summary = engine_summary,
};
