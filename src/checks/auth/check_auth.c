/*
 * check_auth.c - the sender-authentication check: SPF (MAIL FROM and
 * HELO), DKIM, DMARC, and our Authentication-Results.
 *
 * Design: the protocol modules (spf.c, dkim.c, arc.c, dmarc.c) know nothing of
 * scans; this file feeds them the envelope, the raw message and the scan's
 * DNS context (shared cache, per-scan budget and deadline), turns their
 * results into symbols, and writes the report's "auth" object, including
 * the Authentication-Results header value (RFC 8601) front ends add.
 *
 * ARC: a valid chain whose latest sealer is in auth.trusted_arc_sealers
 * and whose sealer saw dmarc=pass overrides a DMARC failure (mail that a
 * mailing list or a forwarding mailbox changed on the way), as RFC 8617
 * section 7.2 describes.
 *
 * Authentication-Results headers already in the message that claim our
 * authserv-id are forgeries (only we may write them): they are flagged
 * (AUTH_RESULTS_FORGED) and listed in the report so that front ends
 * remove them before delivery.
 *
 * DNS trouble never passes a message: SPF/DKIM/DMARC report temperror,
 * and a DMARC temperror is its own symbol, so operators can tempfail it.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "core/module.h"
#include "checks/auth/auth.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/jsonw.h"

struct auth_state {
	char *json;		/* the report's "auth" object */
};

static const struct mamori_auth_conf *
auth_conf(const struct scan_ctx *ctx)
{
	return scan_module_conf(ctx);
}

#define SYMBOLS(X) \
	X(SPF_PASS, -0.2, NO_FORCE, "SPF: the client IP is authorised to send for the MAIL FROM domain (or for the HELO name when MAIL FROM is empty).") \
	X(SPF_FAIL, 2.0, NO_FORCE, "SPF: the MAIL FROM domain says the client IP must not send its mail (-all). The option is the domain.") \
	X(SPF_SOFTFAIL, 1.0, NO_FORCE, "SPF: the MAIL FROM domain says the client IP is probably not allowed (~all).") \
	X(SPF_NEUTRAL, 0.2, NO_FORCE, "SPF: the MAIL FROM domain makes no assertion about the client IP (?all).") \
	X(SPF_NONE, 0.5, NO_FORCE, "SPF: the MAIL FROM domain publishes no SPF record (or has no valid name).") \
	X(SPF_TEMPERROR, 0.0, NO_FORCE, "SPF: a temporary DNS error (timeout, SERVFAIL, lookup budget) stopped the evaluation.") \
	X(SPF_PERMERROR, 0.5, NO_FORCE, "SPF: the domain's SPF record is broken (syntax, more than 10 DNS lookups, more than 2 void lookups, several records). The option says why.") \
	X(SPF_HELO_PASS, 0.0, NO_FORCE, "SPF for the HELO name: pass.") \
	X(SPF_HELO_FAIL, 1.0, NO_FORCE, "SPF for the HELO name: fail (the client claims a name whose SPF rejects it).") \
	X(SPF_HELO_SOFTFAIL, 0.5, NO_FORCE, "SPF for the HELO name: softfail.") \
	X(SPF_HELO_NEUTRAL, 0.0, NO_FORCE, "SPF for the HELO name: neutral.") \
	X(SPF_HELO_NONE, 0.0, NO_FORCE, "SPF for the HELO name: no record.") \
	X(SPF_HELO_TEMPERROR, 0.0, NO_FORCE, "SPF for the HELO name: temporary DNS error.") \
	X(SPF_HELO_PERMERROR, 0.2, NO_FORCE, "SPF for the HELO name: broken record.") \
	X(DKIM_PASS, -0.5, NO_FORCE, "DKIM: a signature verified; the option is its d= domain.") \
	X(DKIM_FAIL, 1.0, NO_FORCE, "DKIM: a signature did not verify (bad signature, body changed, revoked or weak key, expired); options are d=domain:reason.") \
	X(DKIM_TEMPERROR, 0.0, NO_FORCE, "DKIM: the key could not be fetched (temporary DNS error).") \
	X(DKIM_PERMERROR, 0.5, NO_FORCE, "DKIM: a signature or its key record is unusable (syntax, unsupported algorithm such as rsa-sha1, no key published); options are d=domain:reason.") \
	X(DKIM_NONE, 0.3, NO_FORCE, "DKIM: the message carries no DKIM signature.") \
	X(DKIM_BODY_LENGTH, 0.5, NO_FORCE, "DKIM: a passing signature covers only part of the body (l=): content may have been appended after signing.") \
	X(DMARC_PASS, -0.5, NO_FORCE, "DMARC: SPF or DKIM passed for a domain aligned with the From domain.") \
	X(DMARC_FAIL, 3.0, NO_FORCE, "DMARC: the From domain publishes DMARC and neither SPF nor DKIM passed aligned. The option names the policy applied (reject, quarantine or none) and where it came from (p, sp or np).") \
	X(DMARC_POLICY_REJECT, 0.0, MAMORI_ACTION_REJECT, "DMARC failed and the domain's policy is reject (after pct sampling): rejected by default (configure symbols.DMARC_POLICY_REJECT.action).") \
	X(DMARC_POLICY_QUARANTINE, 0.0, MAMORI_ACTION_QUARANTINE, "DMARC failed and the domain's policy is quarantine (after pct sampling): quarantined by default.") \
	X(DMARC_NONE, 0.0, NO_FORCE, "DMARC: the From domain publishes no DMARC policy.") \
	X(DMARC_TEMPERROR, 0.0, NO_FORCE, "DMARC: the policy could not be fetched (temporary DNS error).") \
	X(DMARC_PERMERROR, 0.5, NO_FORCE, "DMARC: no single usable From domain (none, or several different ones), or the domain's DMARC record is invalid. The option says which.") \
	X(ARC_PASS, 0.0, NO_FORCE, "ARC (RFC 8617): the message carries a valid ARC chain; the option is the domain of the latest sealer.") \
	X(ARC_FAIL, 1.0, NO_FORCE, "ARC: the message carries an ARC chain that does not validate (broken seal, changed message, missing set); the option says why.") \
	X(ARC_NONE, 0.0, NO_FORCE, "ARC: the message carries no ARC headers.") \
	X(ARC_TEMPERROR, 0.0, NO_FORCE, "ARC: a sealer's key could not be fetched (temporary DNS error).") \
	X(ARC_DMARC_OVERRIDE, 0.0, NO_FORCE, "DMARC failed, but a trusted ARC sealer (auth.trusted_arc_sealers) saw DMARC pass before forwarding changed the message: the DMARC policy is not applied. The option is the sealer.") \
	X(AUTH_RESULTS_FORGED, 3.0, NO_FORCE, "The message already holds an Authentication-Results header with our authserv-id: only we may write those, so it is forged; front ends remove it. The option is its position among the message's headers.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* ---- DNS glue ------------------------------------------------------------ */

static enum dkim_key_status
dkim_fetch(void *user, const char *name, char **txt, size_t *len)
{
	struct scan_ctx *ctx = user;
	struct dns_answer *a = dns_lookup(scan_dns(ctx), name, DNS_T_TXT);
	enum dkim_key_status st;

	switch (a->status) {
	case DNS_OK:
		st = DKIM_KEY_NOTFOUND;
		for (size_t i = 0; i < a->n; i++) {
			if (a->rr[i].type != DNS_T_TXT)
				continue;
			*len = a->rr[i].u.txt.len;
			*txt = g_memdup2(a->rr[i].u.txt.data, *len + 1);
			st = DKIM_KEY_FOUND;
			break;
		}
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
	case DNS_BADNAME:
		st = DKIM_KEY_NOTFOUND;
		break;
	case DNS_TEMPFAIL:
	case DNS_BUDGET:
	default:
		st = DKIM_KEY_TEMPFAIL;
		break;
	}
	dns_answer_free(a);
	return st;
}

/* ---- helpers --------------------------------------------------------------- */

/*
 * The domain of an address ("<a@b>" or "a@b"), lower case, as an IDNA
 * A-label (DNS names are asked in ASCII), or NULL.
 */
static char *
addr_domain(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	if (at == NULL || at[1] == '\0')
		return NULL;
	size_t len = strlen(at + 1);
	if (at[len] == '>')
		len--;
	char *d = g_strndup(at + 1, len);
	char *ascii = len > 0 ? g_hostname_to_ascii(d) : NULL;
	g_free(d);
	if (ascii == NULL)
		return NULL;
	char *lower = g_ascii_strdown(ascii, -1);
	g_free(ascii);
	return lower;
}

/*
 * Append " NAME=VALUE" to an Authentication-Results string when VALUE is
 * a well-formed domain or address token; attacker-chosen HELO names and
 * sender domains must not inject "; dkim=pass" into the header.
 */
static void
ar_prop(GString *ar, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0' || strlen(value) > 255)
		return;
	for (const char *c = value; *c != '\0'; c++)
		if (!g_ascii_isalnum(*c) && strchr(".-_@+", *c) == NULL)
			return;
	g_string_append_printf(ar, " %s=%s", name, value);
}

/* Skip blanks and RFC 5322 comments (nested, bounded). */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '(')
			return p;
		int depth = 0;
		for (; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(' && ++depth > 32)
				return p;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* First token of an Authentication-Results value: its authserv-id. */
static char *
ar_authserv_id(const char *value)
{
	const char *p = skip_cfws(value);
	const char *e = p;
	while (*e != '\0' && *e != ';' && *e != ' ' && *e != '\t' && *e != '(')
		e++;
	return g_ascii_strdown(p, e - p);
}

static void
check_forged_ar(struct scan_ctx *ctx, struct jsonw *w, GArray *forged)
{
	const struct mime_headers *h = scan_message(ctx)->headers;
	const char *ours = auth_conf(ctx)->authserv_id;

	jw_arr(w, "forged_headers");
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *hd = g_ptr_array_index(h->all, i);
		if (g_ascii_strcasecmp(hd->name, "Authentication-Results") != 0)
			continue;
		char *id = ar_authserv_id(hd->value);
		if (g_ascii_strcasecmp(id, ours) == 0) {
			scan_addf(ctx, SYM(AUTH_RESULTS_FORGED), "header %u", i + 1);
			jw_int(w, NULL, (int64_t)i + 1);
			unsigned pos = i + 1;
			g_array_append_val(forged, pos);
		}
		g_free(id);
	}
	jw_arr_end(w);
}

/* ---- SPF -------------------------------------------------------------------- */

/* the symbol of each SPF result, for MAIL FROM [0] and HELO [1] */
static const mamori_sym spf_symbol[][2] = {
	[SPF_RESULT_NONE] = { SYM(SPF_NONE), SYM(SPF_HELO_NONE) },
	[SPF_RESULT_NEUTRAL] = { SYM(SPF_NEUTRAL), SYM(SPF_HELO_NEUTRAL) },
	[SPF_RESULT_PASS] = { SYM(SPF_PASS), SYM(SPF_HELO_PASS) },
	[SPF_RESULT_FAIL] = { SYM(SPF_FAIL), SYM(SPF_HELO_FAIL) },
	[SPF_RESULT_SOFTFAIL] = { SYM(SPF_SOFTFAIL), SYM(SPF_HELO_SOFTFAIL) },
	[SPF_RESULT_TEMPERROR] = { SYM(SPF_TEMPERROR), SYM(SPF_HELO_TEMPERROR) },
	[SPF_RESULT_PERMERROR] = { SYM(SPF_PERMERROR), SYM(SPF_HELO_PERMERROR) },
};

struct spf_outcome {
	bool evaluated;
	enum spf_result result;
	char *domain;		/* the identity's domain (DMARC aligns on it) */
};

static void
spf_symbol_add(struct scan_ctx *ctx, bool helo, enum spf_result r,
    const char *domain, const struct spf_info *info)
{
	mamori_sym sym = spf_symbol[r][helo];
	if ((r == SPF_RESULT_PERMERROR || r == SPF_RESULT_TEMPERROR) &&
	    info->problem != NULL)
		scan_addf(ctx, sym, "%s: %s", domain, info->problem);
	else
		scan_add(ctx, sym, domain[0] != '\0' ? domain : NULL);
}

static void
spf_json(struct jsonw *w, const char *key, enum spf_result r, const char *domain,
    const struct spf_info *info)
{
	jw_obj(w, key);
	jw_str(w, "result", spf_result_name(r));
	jw_str(w, "domain", domain);
	jw_str(w, "mechanism", info->mechanism);
	jw_str(w, "problem", info->problem);
	jw_str(w, "explanation", info->explanation);
	jw_obj_end(w);
}

/*
 * RFC 7208 2.3/2.4: HELO is checked on its own, and stands in for MAIL
 * FROM when MAIL FROM is empty (a bounce): then postmaster@HELO is the
 * sender.
 */
static void
run_spf(struct scan_ctx *ctx, struct jsonw *w, GString *ar, struct spf_outcome *o)
{
	const struct mamori_envelope *env = scan_envelope(ctx);
	const char *helo = env->helo != NULL && env->helo[0] != '\0' ? env->helo : NULL;
	/* MAIL FROM as the MTA gave it, with or without <> */
	char *from = NULL;
	if (env->mail_from != NULL) {
		const char *f = env->mail_from;
		size_t fl = strlen(f);
		if (fl >= 2 && f[0] == '<' && f[fl - 1] == '>') {
			f++;
			fl -= 2;
		}
		if (fl > 0)
			from = g_strndup(f, fl);
	}

	/*
	 * Each SPF evaluation gets a DNS budget of its own: a sender's SPF
	 * record (up to ~110 queries within RFC 7208's limits) must not use
	 * up the lookups DKIM and DMARC need, or a spoof could turn a DMARC
	 * reject into a temperror.
	 */
	struct spf_info hinfo = { 0 }, minfo = { 0 };
	enum spf_result hres = SPF_RESULT_NONE;
	if (helo != NULL) {
		struct dns_ctx *d = scan_dns_new(ctx);
		hres = spf_check_host(d, env->client_ip, helo, NULL, helo, &hinfo);
		dns_ctx_free(d);
		spf_symbol_add(ctx, true, hres, helo, &hinfo);
		spf_json(w, "spf_helo", hres, helo, &hinfo);
	}
	/* a null MAIL FROM, or one without a domain: the HELO identity */
	char *domain = from != NULL ? addr_domain(from) : NULL;
	if (domain == NULL && helo != NULL) {
		o->evaluated = true;
		o->result = hres;
		o->domain = g_ascii_strdown(helo, -1);
		spf_symbol_add(ctx, false, hres, o->domain, &hinfo);
		spf_json(w, "spf", hres, o->domain, &hinfo);
		g_string_append_printf(ar, "; spf=%s", spf_result_name(hres));
		ar_prop(ar, "smtp.helo", o->domain);
	} else if (domain != NULL) {
		struct dns_ctx *d = scan_dns_new(ctx);
		enum spf_result r = spf_check_host(d, env->client_ip, domain,
		    from, helo != NULL ? helo : "unknown", &minfo);
		dns_ctx_free(d);
		o->evaluated = true;
		o->result = r;
		o->domain = g_strdup(domain);
		spf_symbol_add(ctx, false, r, domain, &minfo);
		spf_json(w, "spf", r, domain, &minfo);
		g_string_append_printf(ar, "; spf=%s", spf_result_name(r));
		ar_prop(ar, "smtp.mailfrom", domain);
	} else {
		/* a MAIL FROM without a domain cannot be checked */
		spf_symbol_add(ctx, false, SPF_RESULT_NONE, from != NULL ? from : "", &minfo);
		jw_obj(w, "spf");
		jw_str(w, "result", "none");
		jw_str(w, "reason", "no MAIL FROM domain and no HELO name");
		jw_obj_end(w);
		g_string_append(ar, "; spf=none");
	}
	g_free(domain);
	g_free(from);
	spf_info_clear(&hinfo);
	spf_info_clear(&minfo);
}

/* ---- DKIM ------------------------------------------------------------------- */

struct dkim_outcome {
	struct dkim_result res[DKIM_MAX_SIGNATURES];
	size_t n;
};

static void
run_dkim(struct scan_ctx *ctx, struct jsonw *w, GString *ar, struct dkim_outcome *o)
{
	size_t len;
	const uint8_t *raw = scan_raw(ctx, &len);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;

	o->n = dkim_verify(raw, len, dkim_fetch, ctx, now, o->res, DKIM_MAX_SIGNATURES);
	jw_arr(w, "dkim");
	for (size_t i = 0; i < o->n; i++) {
		const struct dkim_result *r = &o->res[i];
		const char *d = r->d != NULL ? r->d : "";
		switch (r->status) {
		case DKIM_NONE:
			scan_add(ctx, SYM(DKIM_NONE), NULL);
			break;
		case DKIM_PASS:
			scan_add(ctx, SYM(DKIM_PASS), d);
			if (r->l_used)
				scan_addf(ctx, SYM(DKIM_BODY_LENGTH), "%s:l=%llu", d,
				    (unsigned long long)r->l);
			break;
		case DKIM_FAIL:
			scan_addf(ctx, SYM(DKIM_FAIL), "%s:%s", d, r->reason);
			break;
		case DKIM_PERMERROR:
			scan_addf(ctx, SYM(DKIM_PERMERROR), "%s:%s", d, r->reason);
			break;
		case DKIM_TEMPERROR:
			scan_add(ctx, SYM(DKIM_TEMPERROR), d);
			break;
		}
		jw_obj(w, NULL);
		jw_str(w, "result", dkim_status_name(r->status));
		jw_str(w, "d", r->d);
		jw_str(w, "s", r->s);
		jw_str(w, "a", r->a);
		jw_str(w, "i", r->i);
		jw_bool(w, "body_length_limited", r->l_used);
		jw_bool(w, "testing_key", r->testing);
		jw_str(w, "reason", r->reason);
		jw_obj_end(w);
		g_string_append_printf(ar, "; dkim=%s", dkim_status_name(r->status));
		if (r->status != DKIM_NONE) {
			ar_prop(ar, "header.d", r->d);
			ar_prop(ar, "header.s", r->s);
		}
	}
	jw_arr_end(w);
}

/* ---- ARC -------------------------------------------------------------------- */

struct arc_outcome {
	struct arc_result res;
	bool trusted_dmarc_pass;	/* a trusted sealer saw dmarc=pass */
};

/* Does an Authentication-Results text hold "dmarc=pass" as a result? */
static bool
aar_dmarc_pass(const char *aar)
{
	for (const char *p = aar; p != NULL && (p = strstr(p, "dmarc=")) != NULL; p += 6) {
		bool start = p == aar || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t';
		if (start && g_ascii_strncasecmp(p + 6, "pass", 4) == 0 &&
		    !g_ascii_isalnum(p[10]))
			return true;
	}
	return false;
}

static void
run_arc(struct scan_ctx *ctx, struct jsonw *w, GString *ar, struct arc_outcome *o)
{
	size_t len;
	const uint8_t *raw = scan_raw(ctx, &len);
	const GPtrArray *trusted = auth_conf(ctx)->trusted_arc_sealers;

	arc_validate(raw, len, dkim_fetch, ctx, &o->res);
	const struct arc_result *r = &o->res;
	bool is_trusted = false;
	switch (r->cv) {
	case ARC_CV_NONE:
		scan_add(ctx, SYM(ARC_NONE), NULL);
		break;
	case ARC_CV_PASS:
		scan_add(ctx, SYM(ARC_PASS), r->sealer);
		for (guint i = 0; r->sealer != NULL && i < trusted->len; i++)
			if (g_ascii_strcasecmp(r->sealer, g_ptr_array_index(trusted, i)) == 0)
				is_trusted = true;
		o->trusted_dmarc_pass = is_trusted && aar_dmarc_pass(r->aar);
		break;
	case ARC_CV_FAIL:
		if (r->temperror)
			scan_add(ctx, SYM(ARC_TEMPERROR), r->reason);
		else
			scan_add(ctx, SYM(ARC_FAIL), r->reason);
		break;
	}
	jw_obj(w, "arc");
	jw_str(w, "result", r->temperror ? "temperror" : arc_cv_name(r->cv));
	jw_int(w, "instances", r->instances);
	jw_str(w, "sealer", r->sealer);
	jw_bool(w, "trusted_sealer", is_trusted);
	jw_str(w, "sealer_results", r->aar);
	jw_str(w, "reason", r->reason);
	jw_obj_end(w);
	g_string_append_printf(ar, "; arc=%s", r->temperror ? "temperror" : arc_cv_name(r->cv));
	if (r->cv == ARC_CV_PASS)
		ar_prop(ar, "smtp.remote-ip", scan_envelope(ctx)->client_ip);
}

/* ---- DMARC ------------------------------------------------------------------ */

static enum dmarc_fetch_status
dmarc_status(enum dns_status st)
{
	switch (st) {
	case DNS_OK: return DMARC_FETCH_FOUND;
	case DNS_NXDOMAIN: return DMARC_FETCH_NXDOMAIN;
	case DNS_NODATA: return DMARC_FETCH_NODATA;
	case DNS_BADNAME: return DMARC_FETCH_NXDOMAIN;
	case DNS_TEMPFAIL:
	case DNS_BUDGET:
	default: return DMARC_FETCH_TEMPFAIL;
	}
}

/* user: the DMARC evaluation's own struct dns_ctx */
static enum dmarc_fetch_status
dmarc_fetch(void *user, const char *name, char ***records, size_t *n)
{
	struct dns_answer *a = dns_lookup(user, name, DNS_T_TXT);
	enum dmarc_fetch_status st = dmarc_status(a->status);

	*records = NULL;
	*n = 0;
	if (st == DMARC_FETCH_FOUND) {
		*records = g_new0(char *, a->n + 1);
		for (size_t i = 0; i < a->n; i++) {
			/* a record with a NUL byte is no DMARC record */
			if (a->rr[i].type != DNS_T_TXT ||
			    memchr(a->rr[i].u.txt.data, '\0', a->rr[i].u.txt.len) != NULL)
				continue;
			(*records)[(*n)++] = g_strdup(a->rr[i].u.txt.data);
		}
		if (*n == 0)
			st = DMARC_FETCH_NODATA;
	}
	dns_answer_free(a);
	return st;
}

/* DMARCbis np=: a name with no A, AAAA or MX records does not exist. */
static enum dmarc_fetch_status
dmarc_name_exists(void *user, const char *name)
{
	struct dns_query q[3] = {
		{ .name = name, .type = DNS_T_A },
		{ .name = name, .type = DNS_T_AAAA },
		{ .name = name, .type = DNS_T_MX },
	};
	dns_lookup_many(user, q, 3);
	bool exists = false, temp = false;
	for (size_t i = 0; i < 3; i++) {
		/* RFC 9091: only NXDOMAIN for all three means "does not exist" */
		enum dmarc_fetch_status s = dmarc_status(q[i].answer->status);
		exists = exists || s == DMARC_FETCH_FOUND || s == DMARC_FETCH_NODATA;
		temp = temp || s == DMARC_FETCH_TEMPFAIL;
		dns_answer_free(q[i].answer);
	}
	return exists ? DMARC_FETCH_FOUND : temp ? DMARC_FETCH_TEMPFAIL : DMARC_FETCH_NXDOMAIN;
}

static enum dmarc_auth_result
from_spf(const struct spf_outcome *o)
{
	if (!o->evaluated)
		return DMARC_AUTH_NONE;
	switch (o->result) {
	case SPF_RESULT_PASS: return DMARC_AUTH_PASS;
	case SPF_RESULT_TEMPERROR: return DMARC_AUTH_TEMPERROR;
	case SPF_RESULT_PERMERROR: return DMARC_AUTH_PERMERROR;
	case SPF_RESULT_NONE: return DMARC_AUTH_NONE;
	default: return DMARC_AUTH_FAIL;
	}
}

static enum dmarc_auth_result
from_dkim(enum dkim_status s)
{
	switch (s) {
	case DKIM_PASS: return DMARC_AUTH_PASS;
	case DKIM_TEMPERROR: return DMARC_AUTH_TEMPERROR;
	case DKIM_PERMERROR: return DMARC_AUTH_PERMERROR;
	case DKIM_NONE: return DMARC_AUTH_NONE;
	case DKIM_FAIL: default: return DMARC_AUTH_FAIL;
	}
}

static void
run_dmarc(struct scan_ctx *ctx, struct jsonw *w, GString *ar,
    const struct spf_outcome *spf, const struct dkim_outcome *dkim,
    const struct arc_outcome *arc)
{
	const GArray *from = scan_message(ctx)->headers->from;
	char *domain = NULL;

	jw_obj(w, "dmarc");
	/* one From domain (RFC 7489 6.6.1); several different ones: no policy
	 * can be applied, which is itself suspicious */
	for (guint i = 0; i < from->len; i++) {
		char *d = addr_domain(g_array_index(from, struct mime_addr, i).addr);
		if (d == NULL)
			continue;
		if (domain != NULL && strcmp(domain, d) != 0) {
			g_free(d);
			g_clear_pointer(&domain, g_free);
			scan_add(ctx, SYM(DMARC_PERMERROR), "several From domains");
			jw_str(w, "result", "permerror");
			jw_str(w, "reason", "several From domains");
			jw_obj_end(w);
			g_string_append(ar, "; dmarc=permerror");
			return;
		}
		g_free(domain);
		domain = d;
	}
	if (domain == NULL) {
		scan_add(ctx, SYM(DMARC_PERMERROR), "no From domain");
		jw_str(w, "result", "permerror");
		jw_str(w, "reason", "no From domain");
		jw_obj_end(w);
		g_string_append(ar, "; dmarc=permerror");
		return;
	}
	struct dmarc_dkim dk[DKIM_MAX_SIGNATURES];
	size_t nd = 0;
	for (size_t i = 0; i < dkim->n; i++) {
		if (dkim->res[i].status == DKIM_NONE || dkim->res[i].d == NULL)
			continue;
		dk[nd].result = from_dkim(dkim->res[i].status);
		dk[nd].domain = dkim->res[i].d;
		nd++;
	}
	struct dmarc_input in = {
		.from_domain = domain,
		.spf = from_spf(spf),
		.spf_domain = spf->domain,
		.dkim = dk,
		.n_dkim = nd,
		.sample = (unsigned)g_random_int_range(0, 100),
	};
	struct dns_ctx *dctx = scan_dns_new(ctx);
	struct dmarc_dns dns = { .fetch = dmarc_fetch, .exists = dmarc_name_exists, .user = dctx };
	struct dmarc_eval *ev = g_new0(struct dmarc_eval, 1);
	dmarc_evaluate(dmarc_psl_default(), &dns, &in, ev);

	const char *policy = dmarc_policy_name(ev->policy);
	switch (ev->result) {
	case DMARC_RESULT_PASS:
		scan_add(ctx, SYM(DMARC_PASS), domain);
		break;
	case DMARC_RESULT_FAIL:
		if (arc->trusted_dmarc_pass) {
			/* forwarded by a sealer we trust, which saw DMARC pass */
			scan_add(ctx, SYM(ARC_DMARC_OVERRIDE), arc->res.sealer);
			break;
		}
		scan_addf(ctx, SYM(DMARC_FAIL), "%s (%s=%s)%s", dmarc_policy_name(ev->disposition),
		    dmarc_source_name(ev->source), policy, ev->sampled_out ? ", pct" : "");
		if (ev->disposition == DMARC_POLICY_REJECT)
			scan_add(ctx, SYM(DMARC_POLICY_REJECT), domain);
		else if (ev->disposition == DMARC_POLICY_QUARANTINE)
			scan_add(ctx, SYM(DMARC_POLICY_QUARANTINE), domain);
		break;
	case DMARC_RESULT_NONE:
		scan_add(ctx, SYM(DMARC_NONE), domain);
		break;
	case DMARC_RESULT_TEMPERROR:
		scan_add(ctx, SYM(DMARC_TEMPERROR), domain);
		break;
	case DMARC_RESULT_PERMERROR:
		scan_add(ctx, SYM(DMARC_PERMERROR), domain);
		break;
	}
	jw_str(w, "result", dmarc_result_name(ev->result));
	jw_str(w, "from_domain", domain);
	jw_str(w, "policy_domain", ev->found.policy_domain[0] != '\0'
	    ? ev->found.policy_domain : NULL);
	jw_str(w, "policy", ev->policy != DMARC_POLICY_UNSET ? policy : NULL);
	jw_str(w, "policy_source", ev->source != DMARC_SOURCE_NONE
	    ? dmarc_source_name(ev->source) : NULL);
	jw_str(w, "disposition", ev->disposition != DMARC_POLICY_UNSET
	    ? dmarc_policy_name(ev->disposition) : NULL);
	jw_bool(w, "sampled_out", ev->sampled_out);
	jw_bool(w, "spf_aligned", (ev->aligned & DMARC_ALIGNED_SPF) != 0);
	jw_bool(w, "dkim_aligned", (ev->aligned & DMARC_ALIGNED_DKIM) != 0);
	jw_str(w, "overridden_by_arc", ev->result == DMARC_RESULT_FAIL &&
	    arc->trusted_dmarc_pass ? arc->res.sealer : NULL);
	jw_obj_end(w);
	g_string_append_printf(ar, "; dmarc=%s", dmarc_result_name(ev->result));
	ar_prop(ar, "header.from", domain);
	if (ev->result == DMARC_RESULT_FAIL || ev->result == DMARC_RESULT_PASS)
		ar_prop(ar, "policy.dmarc", policy);
	g_free(ev);
	g_free(domain);
	dns_ctx_free(dctx);
}

/* ---- the check ------------------------------------------------------------- */

static void
run(struct scan_ctx *ctx)
{
	GString *json = g_string_new(NULL);
	GString *ar = g_string_new(auth_conf(ctx)->authserv_id);
	struct spf_outcome spf = { 0 };
	struct dkim_outcome *dkim = g_new0(struct dkim_outcome, 1);
	struct arc_outcome arc = { 0 };
	struct jsonw w;

	jw_init(&w, json, false);
	jw_obj(&w, NULL);
	if (scan_envelope(ctx)->client_ip != NULL) {
		run_spf(ctx, &w, ar, &spf);
		run_dkim(ctx, &w, ar, dkim);
		run_arc(ctx, &w, ar, &arc);
		run_dmarc(ctx, &w, ar, &spf, dkim, &arc);
	} else {
		/*
		 * A message without an SMTP envelope (a file scanned offline)
		 * is not authenticated: results would describe DNS as it is
		 * today, not as it was when the mail arrived, and scanning an
		 * archive should not send a query per message.
		 */
		jw_str(&w, "result", "not_checked");
		jw_str(&w, "reason", "no client IP in the envelope (--ip)");
		g_string_append(ar, "; none");
	}
	GArray *forged = g_array_new(FALSE, FALSE, sizeof(unsigned));
	check_forged_ar(ctx, &w, forged);
	jw_str(&w, "authentication_results", ar->str);
	scan_set_auth_results(ctx, ar->str, (const unsigned *)(void *)forged->data, forged->len);
	g_array_free(forged, TRUE);
	jw_obj_end(&w);
	struct auth_state *st = scan_module_state(ctx);
	st->json = g_string_free(json, FALSE);
	g_string_free(ar, TRUE);
	dkim_results_clear(dkim->res, dkim->n);
	g_free(dkim);
	arc_result_clear(&arc.res);
	dkim_thread_cleanup();
	g_free(spf.domain);
}

/* The report's "auth" object; {} when the stage did not run. */
static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct auth_state *st = scan_module_state(ctx);

	if (st->json != NULL) {
		jw_raw(w, key, st->json);
	} else {
		jw_obj(w, key);
		jw_obj_end(w);
	}
}

static void
state_free(void *p)
{
	g_free(((struct auth_state *)p)->json);
}

static const char *const report_keys[] = { "auth", NULL };

#define C struct mamori_auth_conf
static const struct conf_key keys[] = {
	CONF_STRING(C, authserv_id, "mamori", conf_check_hostname,
	    "a host name such as \"mx.example.co.jp\"",
	    "our name in Authentication-Results (RFC 8601 authserv-id)"),
	CONF_LIST(C, trusted_arc_sealers, NULL, conf_check_domain, "a domain", true,
	    "ARC sealers whose dmarc=pass overrides a DMARC failure"),
};
#undef C

const struct mamori_module module_auth = {
	.name = "auth",
	.stage = MAMORI_STAGE_AUTH,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("auth", keys, struct mamori_auth_conf, NULL),
	.state_size = sizeof(struct auth_state),
	.state_free = state_free,
	.run = run,
	.report_keys = report_keys,
	.report = report,
};
