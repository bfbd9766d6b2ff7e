/*
 * sa_eval_relay.c - SpamAssassin's eval functions of RelayEval (sa_eval.h;
 * Plugin/RelayEval.pm of SpamAssassin 4.0.1) on the relays of the message
 * (sa_relays.h), made once a scan in SA_SLOT_RELAYS.  The spam module
 * puts there the relays it parsed with its configured networks; when it
 * did not (unit tests), they are parsed here with the trust boundary
 * inferred, as SpamAssassin does without trusted_networks.
 * docs/spam.md "Relays and RelayEval".
 */
#include <string.h>

#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"
#include "spam/sa_relays.h"

static void *
make_relays(struct sa_eval_msg *m)
{
	char **orig = sa_relays_originating(m->rs != NULL ? m->rs->settings : NULL);
	struct sa_relay_opts o = {
		.originating = (const char *const *)orig,
		.limits = sa_relay_limits_default,
	};
	struct sa_relays *r = sa_relays_parse(m->fields, &o);
	g_strfreev(orig);
	return r;
}

static const struct sa_relays *
relays(struct sa_eval_msg *m)
{
	return sa_eval_cached(m, SA_SLOT_RELAYS, make_relays, sa_relays_free);
}

/* these take no argument */
static bool
no_args(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (c->argc != 0) {
		g_strlcpy(err, "takes no argument", errlen);
		return false;
	}
	return true;
}

static int
all_trusted(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const struct sa_relays *r = relays(m);
	return r->trusted->len > 0 && r->untrusted->len == 0 && r->unparseable == 0;
}

static int
no_relays(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const struct sa_relays *r = relays(m);
	return r->trusted->len == 0 && r->untrusted->len == 0 && r->unparseable == 0;
}

static int
relays_unparseable(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	return relays(m)->unparseable > 0;
}

/* "1.2.3." of a dotted address (Perl's /^(\d+\.\d+\.\d+\.)/), or 0 */
static size_t
three_octets(const char *s)
{
	const char *p = s;
	for (int k = 0; k < 3; k++) {
		if (!g_ascii_isdigit(*p))
			return 0;
		while (g_ascii_isdigit(*p))
			p++;
		if (*p++ != '.')
			return 0;
	}
	return (size_t)(p - s);
}

/* an untrusted relay whose HELO is a public IPv4 address in another /24
 * than the relay's (public IPv4) address */
static int
helo_ip_mismatch(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const struct sa_relays *r = relays(m);
	for (guint i = 0; i < r->untrusted->len; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		if (!sa_ip_is_ipv4(x->helo) || sa_ip_is_private(x->helo))
			continue;
		size_t n = three_octets(x->helo);
		if (sa_ip_is_ipv4(x->ip) && !sa_ip_is_private(x->ip) &&
		    strcmp(x->helo, x->ip) != 0 && n > 0 && strncmp(x->ip, x->helo, n) != 0)
			return 1;
	}
	return 0;
}

/* RelayEval's hostname_to_domain: the last two labels (three when the
 * top-level one is short, but for ie, fr, de); an address as it is */
static char *
hostname_to_domain(const char *h)
{
	bool alpha = false;
	for (const char *p = h; *p != '\0'; p++)
		alpha |= g_ascii_isalpha(*p);
	if (!alpha)
		return g_strdup(h);
	/* Perl's split(/\./): trailing empty fields removed */
	char **parts = g_strsplit(h, ".", -1);
	guint n = g_strv_length(parts);
	while (n > 0 && parts[n - 1][0] == '\0') {
		g_free(parts[n - 1]);
		parts[--n] = NULL;
	}
	char *out;
	bool long_tld = false;
	if (n > 1) {
		/* /(?:\S{3,}|ie|fr|de)/, unanchored */
		const char *tld = parts[n - 1];
		size_t run = 0;
		for (const char *p = tld; *p != '\0' && !long_tld; p++) {
			run = g_ascii_isspace(*p) ? 0 : run + 1;
			long_tld = run >= 3;
		}
		long_tld = long_tld || strstr(tld, "ie") != NULL || strstr(tld, "fr") != NULL ||
		    strstr(tld, "de") != NULL;
	}
	if (n > 1 && long_tld)
		out = g_strconcat(parts[n - 2], ".", parts[n - 1], NULL);
	else if (n > 2)
		out = g_strconcat(parts[n - 3], ".", parts[n - 2], ".", parts[n - 1], NULL);
	else
		out = g_strdup(h);
	g_strfreev(parts);
	return out;
}

/* /^\w+(?:[\w.-]+\.)+\w+$/ */
static bool
hostish(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || !(g_ascii_isalnum(s[0]) || s[0] == '_'))
		return false;
	/* ends in \w+ preceded by a '.', with only [\w.-] between */
	size_t e = n;
	while (e > 0 && (g_ascii_isalnum(s[e - 1]) || s[e - 1] == '_'))
		e--;
	if (e == n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	/* a '.' must end the middle part, which starts after the first \w
	 * and holds one character or more before that '.' */
	for (size_t d = n; d-- > 2;)
		if (s[d] == '.' && d + 1 < n) {
			bool tail = true;
			for (size_t k = d + 1; k < n; k++)
				tail &= g_ascii_isalnum(s[k]) || s[k] == '_';
			if (tail)
				return true;
		}
	return false;
}

/* "a.b" of a dotted quad /^(\d+\.\d+)\.\d+\.\d+$/, or 0 */
static size_t
class_b(const char *s)
{
	const char *p = s;
	size_t two = 0;
	for (int k = 0; k < 4; k++) {
		if (!g_ascii_isdigit(*p))
			return 0;
		while (g_ascii_isdigit(*p))
			p++;
		if (k == 1)
			two = (size_t)(p - s);
		if (k < 3 && *p++ != '.')
			return 0;
	}
	return *p == '\0' ? two : 0;
}

/*
 * RelayEval's _check_for_forged_received over the untrusted relays: how
 * many receiving hosts' domains differ from the domain of the reverse DNS
 * name the relay below gives for the sender (*trail), and how many
 * public dotted-quad HELOs are in another /16 than the relay's address
 * (*ip_helo).
 */
static void
forged_counts(const struct sa_relays *r, int *trail, int *ip_helo)
{
	guint n = r->untrusted->len;
	int mismatch = 0;
	*ip_helo = 0;
	char **from = g_new0(char *, n + 1);
	for (guint i = 0; i < n; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		char *l = g_ascii_strdown(x->rdns, -1);
		from[i] = hostname_to_domain(l);
		g_free(l);
	}
	for (guint i = 0; i < n; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		char *lb = g_ascii_strdown(x->by, -1);
		char *by = hostname_to_domain(lb);
		g_free(lb);
		if (!hostish(by)) {
			g_free(by);
			continue;
		}
		if (from[i] != NULL && (strcmp(from[i], "localhost") == 0 ||
		    strcmp(from[i], "localhost.localdomain") == 0) && strcmp(x->ip, "127.0.0.1") == 0)
			g_clear_pointer(&from[i], g_free);
		char *lh = g_ascii_strdown(x->helo, -1);
		char *hlo = hostname_to_domain(lh);
		g_free(lh);
		size_t hb = class_b(hlo), fb = class_b(x->ip);
		if (hb > 0 && fb > 0 && strcmp(x->ip, hlo) != 0 &&
		    (hb != fb || strncmp(hlo, x->ip, hb) != 0) && !sa_ip_is_private(hlo))
			(*ip_helo)++;
		g_free(hlo);
		const char *prev = i > 0 ? from[i - 1] : NULL;
		if (prev != NULL && hostish(prev) && strcmp(by, prev) != 0 &&
		    !(strcmp(by, "msn.com") == 0 && strcmp(prev, "hotmail.com") == 0))
			mismatch++;
		g_free(by);
	}
	for (guint i = 0; i < n; i++)
		g_free(from[i]);
	g_free(from);
	*trail = mismatch;
}

/* check_for_forged_received_trail: more than one such mismatch */
static int
forged_received_trail(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	int trail, ip_helo;
	forged_counts(relays(m), &trail, &ip_helo);
	return trail > 1;
}

/* check_for_forged_received_ip_helo: a HELO address in another /16 */
static int
forged_received_ip_helo(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	int trail, ip_helo;
	forged_counts(relays(m), &trail, &ip_helo);
	return ip_helo > 0;
}

/*
 * check_for_numeric_helo: a "helo=" of the untrusted relays' text is a
 * dotted quad (then a blank, one of ",;[()<>" or the end).  RelayEval
 * means to ignore private addresses, but in SpamAssassin 4.0.1 the test
 * reads $1 after a `local $1` and never holds: any address hits, as
 * here.
 */
static int
numeric_helo(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const char *s = relays(m)->untrusted_str;
	for (const char *p = s; *p != '\0'; p++) {
		/* \bhelo=, any case */
		if (g_ascii_strncasecmp(p, "helo=", 5) != 0 ||
		    (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '_')))
			continue;
		/* IPV4_ADDRESS, then the look-ahead: the longest dotted quad
		 * of octets 0-255 that ends at a non-word character */
		const char *q = p + 5;
		char quad[16];
		size_t k = 0;
		while (k < sizeof quad - 1 && (g_ascii_isdigit(q[k]) || q[k] == '.'))
			k++;
		memcpy(quad, q, k);
		quad[k] = '\0';
		unsigned char after = (unsigned char)q[k];
		if (!sa_ip_is_ipv4(quad) || !(after == '\0' || after <= 0x20 || strchr(",;[()<>", after)))
			continue;
		return 1;
	}
	return 0;
}

/* check_for_sender_no_reverse: the last untrusted relay (the first to
 * handle the message) has a reverse DNS name with a dot and a public
 * address (SpamAssassin's logic, whatever the name says) */
static int
sender_no_reverse(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	const struct sa_relays *r = relays(m);
	if (r->untrusted->len == 0)
		return 0;
	const struct sa_relay *x = r->untrusted->pdata[r->untrusted->len - 1];
	return strchr(x->rdns, '.') != NULL && !x->ip_private;
}

/* check_for_no_rdns_dotcom_helo: the last public untrusted relay has no
 * reverse DNS (the MTA looked) and a big freemail HELO */
static int
no_rdns_dotcom_helo(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	(void)c;
	static const char *const doms[] = { "lycos.com", "lycos.co.uk", "hotmail.com",
	    "localhost.com", "excite.com", "caramail.com", "cs.com", "aol.com", "msn.com",
	    "yahoo.com", "drizzle.com" };
	const struct sa_relays *r = relays(m);
	int hit = 0;
	for (guint i = 0; i < r->untrusted->len; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		if (x->ip_private)
			continue;
		hit = 0;
		size_t hn = strlen(x->helo);
		for (size_t k = 0; k < G_N_ELEMENTS(doms); k++) {
			size_t dn = strlen(doms[k]);
			if (hn >= dn && g_ascii_strcasecmp(x->helo + hn - dn, doms[k]) == 0 &&
			    (hn == dn || x->helo[hn - dn - 1] == '.')) {
				if (x->no_reverse_dns)
					hit = 1;
				break;
			}
		}
	}
	return hit;
}

/* ---- EnvelopeFrom ---- */

/* the first address of the first field named name, appended; false: none */
static bool
first_addr(const GPtrArray *fields, const char *name, GString *out)
{
	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (!sa_field_name_is(f->name, name))
			continue;
		GPtrArray *one = g_ptr_array_new();
		g_ptr_array_add(one, fields->pdata[i]);
		GString *a = g_string_new(NULL);
		sa_header_addresses(one, name, false, a);
		g_ptr_array_unref(one);
		const char *nl = strchr(a->str, '\n');
		bool ok = a->len > 0;
		g_string_append_len(out, a->str, nl != NULL ? nl - a->str : (gssize)a->len);
		g_string_free(a, TRUE);
		return ok;
	}
	return false;
}

/* whether a Received field comes before a field named name */
static bool
after_received(const GPtrArray *fields, const char *name)
{
	bool rcvd = false;
	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (sa_field_name_is(f->name, "Received"))
			rcvd = true;
		else if (rcvd && sa_field_name_is(f->name, name))
			return true;
	}
	return false;
}

bool
sa_relays_envelope_from(const GPtrArray *fields, const struct sa_relays *rl, GString *out)
{
	const struct sa_relay *hop = rl->untrusted->len > 0 ? rl->untrusted->pdata[0] :
	    rl->trusted->len > 0 ? rl->trusted->pdata[rl->trusted->len - 1] : NULL;
	if (hop != NULL && hop->envfrom != NULL) {
		const char *at = strchr(hop->envfrom, '@');
		if (hop->envfrom[0] == '\0' || (at != NULL && at > hop->envfrom)) {
			g_string_append(out, hop->envfrom);
			return true;
		}
	}
	GString *x = g_string_new(NULL);
	if (first_addr(fields, "X-Sender", x) && strchr(x->str, '@') != NULL) {
		for (guint i = 0; i < fields->len; i++) {
			const struct sa_field *f = fields->pdata[i];
			if (sa_field_name_is(f->name, "Received") &&
			    strstr(f->decoded, "(fetchmail") != NULL) {
				g_string_free(x, TRUE);
				return false;
			}
		}
	}
	g_string_free(x, TRUE);
	static const char *const hdrs[] = { "X-Envelope-From", "Envelope-Sender", "Return-Path" };
	size_t keep = out->len;
	for (size_t k = 0; k < G_N_ELEMENTS(hdrs); k++) {
		g_string_truncate(out, keep);
		if (!first_addr(fields, hdrs[k], out))
			continue;
		if (!after_received(fields, hdrs[k]))
			return true;
		if (k == 0)	/* X-Envelope-From relayed: give up */
			break;
	}
	g_string_truncate(out, keep);
	return false;
}

/* ---- WLBLEval's check_mailfrom_matches_rcvd ---- */

/* the rule files' util_rb_2tld and util_rb_3tld, as sets */
struct rb {
	GHashTable *two, *three;
};

static GHashTable *
rb_set(const struct sa_eval_msg *m, const char *key)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *v = m->rs != NULL ? g_hash_table_lookup(m->rs->settings, key) : NULL;
	for (guint i = 0; v != NULL && i < v->len; i++) {
		char **w = g_strsplit_set(v->pdata[i], " \t", -1);
		for (char **k = w; *k != NULL; k++)
			if (**k != '\0')
				g_hash_table_add(t, g_ascii_strdown(*k, -1));
		g_strfreev(w);
	}
	return t;
}

/* the sets, made on the first call of a rule (the settings are the
 * rule files', the same for every message) */
struct rb_prep {
	gsize once;
	struct rb rb;
};

static bool
rb_prepare(struct sa_eval_call *c, char *err, size_t errlen)
{
	if (!no_args(c, err, errlen))
		return false;
	c->data = g_new0(struct rb_prep, 1);
	return true;
}

static void
rb_drop(void *data)
{
	struct rb_prep *p = data;
	if (p->rb.two != NULL)
		g_hash_table_unref(p->rb.two);
	if (p->rb.three != NULL)
		g_hash_table_unref(p->rb.three);
	g_free(p);
}

static const struct rb *
rb_of(const struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	struct rb_prep *p = c->data;
	if (g_once_init_enter(&p->once)) {
		p->rb.two = rb_set(m, "util_rb_2tld");
		p->rb.three = rb_set(m, "util_rb_3tld");
		g_once_init_leave(&p->once, 1);
	}
	return &p->rb;
}

/*
 * RegistryBoundaries' split_domain, the domain part: the labels from the
 * registered one on ("www.foo.co.uk" -> "foo.co.uk", the 2- and 3-level
 * public suffixes of util_rb_2tld/util_rb_3tld, RFC 1480's .us names).
 * d: lower-case ASCII.
 */
static char *
registered_domain(const struct rb *rb, const char *d)
{
	/* dots squeezed, leading and trailing ones dropped */
	GString *g = g_string_new(NULL);
	for (const char *p = d; *p != '\0'; p++)
		if (*p != '.' || (g->len > 0 && g->str[g->len - 1] != '.'))
			g_string_append_c(g, *p);
	while (g->len > 0 && g->str[g->len - 1] == '.')
		g_string_truncate(g, g->len - 1);
	char *out = sa_eval_registered_domain(g->str, rb->two, rb->three);
	g_string_free(g, TRUE);
	return out;
}

/*
 * check_mailfrom_matches_rcvd: the registered domain of the envelope
 * sender (the SMTP envelope's, else SpamAssassin's guess) is the one of
 * the reverse DNS name of the first untrusted relay, or when all are
 * trusted of one of them.
 */
static int
mailfrom_matches_rcvd(struct sa_eval_msg *m, const struct sa_eval_call *c)
{
	const struct sa_relays *r = relays(m);
	GString *sender = g_string_new(m->mail_from != NULL ? m->mail_from : "");
	if (m->mail_from == NULL)
		sa_relays_envelope_from(m->fields, r, sender);
	/* /\@([^\@]+\.[^\@]+)\z/ */
	const char *at = strrchr(sender->str, '@');
	int hit = 0;
	/* a '.' with something on both sides after the last '@' */
	bool dot = false;
	size_t dl = at != NULL ? strlen(at + 1) : 0;
	for (size_t k = 1; k + 1 < dl && !dot; k++)
		dot = at[1 + k] == '.';
	if (!dot) {
		g_string_free(sender, TRUE);
		return 0;
	}
	const struct rb *rb = rb_of(m, c);
	char *ad = g_ascii_strdown(at + 1, -1);
	char *adrd = registered_domain(rb, ad);
	const GPtrArray *list = r->untrusted->len > 0 ? r->untrusted : r->trusted;
	guint n = r->untrusted->len > 0 ? 1 : list->len;
	for (guint i = 0; i < n && !hit; i++) {
		const struct sa_relay *x = list->pdata[i];
		if (x->rdns[0] == '\0')
			continue;
		char *l = g_ascii_strdown(x->rdns, -1);
		char *rd = registered_domain(rb, l);
		hit = strcmp(adrd, rd) == 0;
		g_free(rd);
		g_free(l);
	}
	g_free(adrd);
	g_free(ad);
	g_string_free(sender, TRUE);
	return hit;
}

static const struct sa_eval_def defs[] = {
	{ "check_all_trusted", no_args, NULL, all_trusted },
	{ "check_no_relays", no_args, NULL, no_relays },
	{ "check_relays_unparseable", no_args, NULL, relays_unparseable },
	{ "helo_ip_mismatch", no_args, NULL, helo_ip_mismatch },
	{ "check_for_forged_received_trail", no_args, NULL, forged_received_trail },
	{ "check_for_no_rdns_dotcom_helo", no_args, NULL, no_rdns_dotcom_helo },
	{ "check_mailfrom_matches_rcvd", rb_prepare, rb_drop, mailfrom_matches_rcvd },
	{ "check_for_forged_received_ip_helo", no_args, NULL, forged_received_ip_helo },
	{ "check_for_numeric_helo", no_args, NULL, numeric_helo },
	{ "check_for_sender_no_reverse", no_args, NULL, sender_no_reverse },
};

const struct sa_eval_family sa_eval_relay_family = {
	.name = "RelayEval",
	.defs = defs,
	.n = G_N_ELEMENTS(defs),
};
