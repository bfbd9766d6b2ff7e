/*
 * check_dnsbl.c - DNS blocklists (issue 15; docs/spam.md "DNS
 * blocklists", docs/configuration.md `dnsbl`).
 *
 * Design: the zones of dnsbl.zones, each with its return-code -> symbol
 * map (the syntax and its checks are in src/spam/dnsbl.c), are asked about
 * the message's untrusted addresses: the connecting IP unless it is in
 * dnsbl.trusted_networks, then the untrusted Received hops (see
 * add_untrusted_relays()).  Every (address, zone) query goes out at once
 * through mamori's resolver (dns_lookup_many on a DNS context of the
 * module's own: its own lookup budget, the scan's deadline), then a TXT
 * query for each listed one (the list's reason, and SpamAssassin's
 * check_rbl_txt).  An answer's A records are matched against the zone's
 * codes; each match adds the code's symbol with the address as option.
 *
 * Trouble is never a hit: a timeout, a server failure, the lookup budget
 * or the scan's deadline, a refused-query code (127.255.255.252/254/255:
 * the list refuses our resolver) or an answer outside 127.0.0.0/8 add
 * DNSBL_ERROR, once per zone, with the zone and why.
 *
 * The answers are recorded for the modules after this one
 * (scan_dnsbl_record(): SpamAssassin's check_rbl evals read them).  A
 * message without a client IP (a file scanned offline) is not checked:
 * the lists describe today, not the day the mail arrived, and scanning an
 * archive must not send queries per message.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "core/module.h"
#include "dns/dns.h"
#include "spam/dnsbl.h"
#include "spam/sa_msg.h"
#include "spam/sa_relays.h"
#include "util/jsonw.h"

#define ZONES_MAX 32		/* dnsbl.zones entries */
#define NETS_MAX 256		/* dnsbl.trusted_networks entries */
#define IPS_MAX 4		/* addresses asked about per message */
#define MATCH_MAX 16		/* codes one A record may match */

struct dnsbl_conf {
	GPtrArray *zones;
	GPtrArray *trusted_networks;
	double weight;
};

#define SYMBOLS(X) \
	X(DNSBL_ERROR, 0.0, NO_FORCE, "A DNS blocklist gave no usable answer: the query timed out or failed, the lookup budget or the scan's time ran out, the list refused our resolver (127.255.255.252, .254, .255: a public resolver, too many queries, a bad key) or answered outside 127.0.0.0/8. Never a hit; the option is \"zone: why\", once per zone.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* ---- configuration --------------------------------------------------------- */

static bool
check_zone(const char *v, char *why, size_t n)
{
	struct dnsbl_zone z;
	if (!dnsbl_zone_parse(v, 0, 0, &z, why, n))
		return false;
	dnsbl_zone_clear(&z);
	return true;
}

static bool
check_net(const char *v, char *why, size_t n)
{
	struct dnsbl_net net;
	if (dnsbl_net_parse(v, &net))
		return true;
	snprintf(why, n, "host bits must be zero and the prefix at most /32 (IPv4) or /128");
	return false;
}

/* Cross-key checks: how many, and each zone once. */
static bool
check_conf(const void *conf, char *err, size_t errlen)
{
	const struct dnsbl_conf *c = conf;
	if (c->zones != NULL && c->zones->len > ZONES_MAX) {
		snprintf(err, errlen, "dnsbl.zones: more than %d zones", ZONES_MAX);
		return false;
	}
	if (c->trusted_networks != NULL && c->trusted_networks->len > NETS_MAX) {
		snprintf(err, errlen, "dnsbl.trusted_networks: more than %d networks", NETS_MAX);
		return false;
	}
	if (c->zones == NULL)
		return true;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	bool ok = true;
	for (guint i = 0; i < c->zones->len && ok; i++) {
		struct dnsbl_zone z;
		char why[256];
		if (!dnsbl_zone_parse(g_ptr_array_index(c->zones, i), 0, 0, &z, why, sizeof(why))) {
			snprintf(err, errlen, "dnsbl.zones: %s", why);
			ok = false;
			break;
		}
		if (g_hash_table_contains(seen, z.zone)) {
			snprintf(err, errlen, "dnsbl.zones: zone %s is given twice (one "
			    "string per zone holds all its codes)", z.zone);
			ok = false;
		} else {
			g_hash_table_add(seen, g_strdup(z.zone));
		}
		dnsbl_zone_clear(&z);
	}
	g_hash_table_unref(seen);
	return ok;
}

#define C struct dnsbl_conf
static const struct conf_key keys[] = {
	CONF_LIST(C, zones, NULL, check_zone,
	    "a zone with its codes: \"ZONE: CODE=SYMBOL[:WEIGHT] ...\"", false,
	    "the DNS blocklists asked, each \"ZONE: CODE=SYMBOL[:WEIGHT] ...\" (empty: off)"),
	CONF_LIST(C, trusted_networks, NULL, check_net, "a network such as 192.0.2.0/24", true,
	    "relays whose connections are not asked about: the hop before them is"),
	CONF_NUMBER(C, weight, 2.0,
	    "the weight of a zone's symbol written without :WEIGHT"),
};
#undef C

/* ---- engine ---------------------------------------------------------------- */

struct dnsbl_engine {
	struct dnsbl_zone *zones;
	size_t nzones;
	mamori_sym **syms;	/* [zone][code] */
	struct dnsbl_net *trusted;
	size_t ntrusted;
	/* the same networks for the Received hops' trust (src/spam/sa_relays.h);
	 * NULL: none listed, trust inferred as SpamAssassin does */
	struct sa_netset *relay_trusted;
};

static void
engine_free(void *engine)
{
	struct dnsbl_engine *e = engine;
	if (e == NULL)
		return;
	sa_netset_free(e->relay_trusted);
	for (size_t i = 0; i < e->nzones; i++) {
		dnsbl_zone_clear(&e->zones[i]);
		g_free(e->syms[i]);
	}
	g_free(e->zones);
	g_free(e->syms);
	g_free(e->trusted);
	g_free(e);
}

static char *
code_text(const struct dnsbl_code *c)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(c->lo) }, b = { .s_addr = htonl(c->hi) };
	inet_ntop(AF_INET, &a, lo, sizeof(lo));
	inet_ntop(AF_INET, &b, hi, sizeof(hi));
	return c->lo == c->hi ? g_strdup(lo) : g_strdup_printf("%s-%s", lo, hi);
}

/*
 * Each code's symbol: defined once (module_symbol_add), shared by the
 * entries that name it again with the same weight.  A name that is
 * another module's symbol, or given two weights, fails the engine.
 */
static bool
make_symbols(struct module_setup *s, struct dnsbl_engine *e, double defw)
{
	GHashTable *mine = g_hash_table_new(g_str_hash, g_str_equal);
	bool ok = true;

	for (size_t i = 0; i < e->nzones && ok; i++) {
		const struct dnsbl_zone *z = &e->zones[i];
		e->syms[i] = g_new0(mamori_sym, z->ncodes);
		for (size_t k = 0; k < z->ncodes && ok; k++) {
			const struct dnsbl_code *c = &z->codes[k];
			double w = c->has_weight ? c->weight : defw;
			mamori_sym sym = g_hash_table_lookup(mine, c->symbol);
			if (sym != NULL) {
				if (sym->weight != w) {
					snprintf(s->err, s->errlen, "dnsbl.zones: %s is given two "
					    "weights (%g and %g)", c->symbol, sym->weight, w);
					ok = false;
				}
				e->syms[i][k] = sym;
				continue;
			}
			char *ct = code_text(c);
			char *desc = g_strdup_printf("DNS blocklist %s answered %s for the connecting "
			    "IP or an untrusted relay (dnsbl.zones); the option is the address and "
			    "the code.", z->zone, ct);
			sym = module_symbol_add(s, c->symbol, w, desc);
			g_free(desc);
			g_free(ct);
			if (sym == NULL) {
				snprintf(s->err, s->errlen, "dnsbl.zones: %s is already a symbol of "
				    "mamori: choose another name", c->symbol);
				ok = false;
				break;
			}
			g_hash_table_insert(mine, (gpointer)sym->name, (gpointer)sym);
			e->syms[i][k] = sym;
		}
	}
	g_hash_table_unref(mine);
	return ok;
}

static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct dnsbl_conf *c = s->conf;
	size_t nz = c->zones != NULL ? c->zones->len : 0;
	size_t nn = c->trusted_networks != NULL ? c->trusted_networks->len : 0;

	if (nz == 0)
		return true;	/* off: no engine */
	struct dnsbl_engine *e = g_new0(struct dnsbl_engine, 1);
	e->zones = g_new0(struct dnsbl_zone, nz);
	e->syms = g_new0(mamori_sym *, nz);
	for (size_t i = 0; i < nz; i++) {
		char why[256];
		if (!dnsbl_zone_parse(g_ptr_array_index(c->zones, i), 0, 0, &e->zones[i], why,
		    sizeof(why))) {
			snprintf(s->err, s->errlen, "dnsbl.zones: %s", why);
			engine_free(e);
			return false;
		}
		e->nzones++;
	}
	e->trusted = g_new0(struct dnsbl_net, nn > 0 ? nn : 1);
	for (size_t i = 0; i < nn; i++) {
		if (!dnsbl_net_parse(g_ptr_array_index(c->trusted_networks, i), &e->trusted[i])) {
			snprintf(s->err, s->errlen, "dnsbl.trusted_networks: \"%s\" is not a network",
			    (const char *)g_ptr_array_index(c->trusted_networks, i));
			engine_free(e);
			return false;
		}
		e->ntrusted++;
	}
	if (nn > 0) {
		char why[160];
		e->relay_trusted = sa_netset_new((const char *const *)c->trusted_networks->pdata, nn,
		    why, sizeof why);
		if (e->relay_trusted == NULL) {
			snprintf(s->err, s->errlen, "dnsbl.trusted_networks: %s", why);
			engine_free(e);
			return false;
		}
	}
	if (!make_symbols(s, e, c->weight)) {
		engine_free(e);
		return false;
	}
	*engine = e;
	return true;
}

static char *
engine_summary(const void *engine, bool detail)
{
	const struct dnsbl_engine *e = engine;
	(void)detail;
	if (e == NULL)
		return g_strdup("dnsbl: off (no dnsbl.zones)\n");
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "dnsbl: %zu zones:", e->nzones);
	for (size_t i = 0; i < e->nzones; i++)
		g_string_append_printf(out, " %s (%zu codes)", e->zones[i].zone,
		    e->zones[i].ncodes);
	g_string_append_printf(out, "; %zu trusted networks\n", e->ntrusted);
	return g_string_free(out, FALSE);
}

/* ---- a scan ---------------------------------------------------------------- */

struct dnsbl_state {
	char *json;		/* the report's "dnsbl" object */
};

static void
state_free(void *p)
{
	g_free(((struct dnsbl_state *)p)->json);
}

/* Add ip (text) to ips, canonical, once, when it is worth a query. */
static void
add_ip(GPtrArray *ips, const char *ip)
{
	char canon[INET6_ADDRSTRLEN];
	if (ips->len >= IPS_MAX || !dnsbl_ip_canon(ip, canon, sizeof(canon)) ||
	    !dnsbl_ip_queryable(canon))
		return;
	for (guint i = 0; i < ips->len; i++)
		if (strcmp(g_ptr_array_index(ips, i), canon) == 0)
			return;
	g_ptr_array_add(ips, g_strdup(canon));
}

/*
 * The untrusted Received hops, nearest first (src/spam/sa_relays.h: the
 * Received fields parsed as SpamAssassin parses them, trusted up to the
 * first relay outside dnsbl.trusted_networks, or as SpamAssassin infers
 * it when none is listed: private addresses and authenticated hops).
 */
static void
add_untrusted_relays(struct scan_ctx *ctx, const struct dnsbl_engine *e, GPtrArray *ips)
{
	size_t len;
	const uint8_t *raw = scan_raw(ctx, &len);
	if (raw == NULL)
		return;
	GPtrArray *fields = sa_fields_parse(raw, len);
	struct sa_relay_opts o = { .trusted = e->relay_trusted,
	    .limits = sa_relay_limits_default };
	struct sa_relays *r = sa_relays_parse(fields, &o);
	const char *hop[IPS_MAX];
	size_t n = sa_relays_untrusted_ips(r, hop, IPS_MAX);
	for (size_t i = 0; i < n && i < IPS_MAX; i++)
		add_ip(ips, hop[i]);
	sa_relays_free(r);
	g_ptr_array_unref(fields);
}

/* The addresses asked about, nearest first (ip_index order). */
static GPtrArray *
queried_ips(struct scan_ctx *ctx, const struct dnsbl_engine *e)
{
	GPtrArray *ips = g_ptr_array_new_with_free_func(g_free);
	const char *client = scan_envelope(ctx)->client_ip;

	if (!dnsbl_net_contains(e->trusted, e->ntrusted, client))
		add_ip(ips, client);
	add_untrusted_relays(ctx, e, ips);
	return ips;
}

/* One (address, zone) question and what came of it. */
struct question {
	const char *ip;
	unsigned ip_index;
	size_t zone;
	char name[DNSBL_QNAME_MAX];
	struct dns_answer *a, *txt;
	bool listed;		/* an A record of 127/8 that is not a refusal */
};

static void
zone_error(struct scan_ctx *ctx, GHashTable *errs, const char *zone, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* DNSBL_ERROR for zone, once a scan (the first reason). */
static void
zone_error(struct scan_ctx *ctx, GHashTable *errs, const char *zone, const char *fmt, ...)
{
	if (g_hash_table_contains(errs, zone))
		return;
	g_hash_table_add(errs, (gpointer)zone);
	va_list ap;
	va_start(ap, fmt);
	char *why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	scan_addf(ctx, SYM(DNSBL_ERROR), "%s: %s", zone, why);
	g_free(why);
}

/* The verdict on one answer: symbols, errors, and its report entry. */
static void
judge(struct scan_ctx *ctx, const struct dnsbl_engine *e, struct question *q, GHashTable *errs,
    struct jsonw *w)
{
	const struct dnsbl_zone *z = &e->zones[q->zone];
	const char *result = "not_listed";

	jw_obj(w, NULL);
	jw_str(w, "ip", q->ip);
	jw_str(w, "zone", z->zone);
	jw_arr(w, "codes");
	switch (q->a->status) {
	case DNS_OK:
		for (size_t r = 0; r < q->a->n; r++) {
			if (q->a->rr[r].type != DNS_T_A)
				continue;
			char txt[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &q->a->rr[r].u.a, txt, sizeof(txt));
			jw_str(w, NULL, txt);
			uint32_t code = ntohl(q->a->rr[r].u.a.s_addr);
			if (dnsbl_code_refused(code)) {
				zone_error(ctx, errs, z->zone, "refused (%s)", txt);
				result = "error";
				continue;
			}
			if (!dnsbl_code_in_range(code)) {
				zone_error(ctx, errs, z->zone, "answer %s outside 127.0.0.0/8", txt);
				result = "error";
				continue;
			}
			q->listed = true;
			size_t idx[MATCH_MAX];
			size_t n = dnsbl_zone_match(z, code, idx, MATCH_MAX);
			for (size_t k = 0; k < n && k < MATCH_MAX; k++)
				scan_addf(ctx, e->syms[q->zone][idx[k]], "%s (%s)", q->ip, txt);
		}
		if (q->listed && strcmp(result, "error") != 0)
			result = "listed";
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		break;
	case DNS_TEMPFAIL:
		zone_error(ctx, errs, z->zone, "no answer (timeout or server failure)");
		result = "error";
		break;
	case DNS_BUDGET:
		zone_error(ctx, errs, z->zone, "not asked (lookup budget or scan time spent)");
		result = "error";
		break;
	case DNS_BADNAME:
	default:
		zone_error(ctx, errs, z->zone, "bad query name %s", q->name);
		result = "error";
		break;
	}
	jw_arr_end(w);
	jw_str(w, "result", result);
	jw_obj_end(w);
}

static void
run(struct scan_ctx *ctx)
{
	const struct dnsbl_engine *e = scan_module_engine(ctx);
	struct dnsbl_state *st = scan_module_state(ctx);
	GString *json = g_string_new(NULL);
	struct jsonw w;

	jw_init(&w, json, false);
	jw_obj(&w, NULL);
	if (e == NULL || scan_envelope(ctx)->client_ip == NULL) {
		jw_bool(&w, "checked", false);
		jw_str(&w, "reason", e == NULL ? "no dnsbl.zones" :
		    "no client IP in the envelope (--ip)");
		jw_obj_end(&w);
		st->json = g_string_free(json, FALSE);
		return;
	}
	GPtrArray *ips = queried_ips(ctx, e);
	size_t nq = ips->len * e->nzones;
	struct question *qs = g_new0(struct question, nq > 0 ? nq : 1);
	struct dns_query *dq = g_new0(struct dns_query, nq > 0 ? nq : 1);
	size_t n = 0;
	for (guint i = 0; i < ips->len; i++) {
		for (size_t z = 0; z < e->nzones; z++) {
			struct question *q = &qs[n];
			q->ip = g_ptr_array_index(ips, i);
			q->ip_index = i;
			q->zone = z;
			if (!dnsbl_query_name(q->ip, e->zones[z].zone, q->name, sizeof(q->name)))
				q->name[0] = '\0';	/* DNS_BADNAME: not sent */
			dq[n] = (struct dns_query){ .name = q->name, .type = DNS_T_A };
			n++;
		}
	}
	/* a DNS context of our own: the lists are not starved by SPF's
	 * lookups, and stay within the scan's deadline */
	struct dns_ctx *dns = scan_dns_new(ctx);
	dns_lookup_many(dns, dq, n);
	for (size_t i = 0; i < n; i++)
		qs[i].a = dq[i].answer;

	jw_bool(&w, "checked", true);
	jw_arr(&w, "ips");
	for (guint i = 0; i < ips->len; i++)
		jw_str(&w, NULL, g_ptr_array_index(ips, i));
	jw_arr_end(&w);
	jw_arr(&w, "queries");
	GHashTable *errs = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < n; i++)
		judge(ctx, e, &qs[i], errs, &w);
	g_hash_table_unref(errs);
	jw_arr_end(&w);

	/* the lists' reasons, for the listed ones (check_rbl_txt reads them) */
	size_t nt = 0;
	for (size_t i = 0; i < n; i++)
		if (qs[i].listed)
			dq[nt++] = (struct dns_query){ .name = qs[i].name, .type = DNS_T_TXT };
	if (nt > 0) {
		dns_lookup_many(dns, dq, nt);
		jw_arr(&w, "reasons");
		for (size_t i = 0, k = 0; i < n; i++) {
			if (!qs[i].listed)
				continue;
			qs[i].txt = dq[k++].answer;
			for (size_t r = 0; r < qs[i].txt->n; r++) {
				if (qs[i].txt->rr[r].type != DNS_T_TXT)
					continue;
				jw_obj(&w, NULL);
				jw_str(&w, "ip", qs[i].ip);
				jw_str(&w, "zone", e->zones[qs[i].zone].zone);
				jw_strn(&w, "text", qs[i].txt->rr[r].u.txt.data,
				    qs[i].txt->rr[r].u.txt.len);
				jw_obj_end(&w);
			}
		}
		jw_arr_end(&w);
	}
	dns_ctx_free(dns);
	for (size_t i = 0; i < n; i++)
		scan_dnsbl_record(ctx, e->zones[qs[i].zone].zone, qs[i].ip_index, qs[i].ip,
		    qs[i].a, qs[i].txt);
	jw_obj_end(&w);
	st->json = g_string_free(json, FALSE);
	g_free(dq);
	g_free(qs);
	g_ptr_array_unref(ips);
}

static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct dnsbl_state *st = scan_module_state(ctx);
	if (st->json != NULL) {
		jw_raw(w, key, st->json);
	} else {
		jw_obj(w, key);
		jw_obj_end(w);
	}
}

static const char *const report_keys[] = { "dnsbl", NULL };

const struct mamori_module module_dnsbl = {
	.name = "dnsbl",
	.stage = MAMORI_STAGE_AUTH,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("dnsbl", keys, struct dnsbl_conf, check_conf),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.state_size = sizeof(struct dnsbl_state),
	.state_free = state_free,
	.run = run,
	.report_keys = report_keys,
	.report = report,
	.engine_summary = engine_summary,
};
