/*
 * test_dmarc.c - DMARC (src/auth/dmarc.c): record parsing, organisational
 * domains, alignment, policy discovery, policy selection (p/sp/np), pct
 * sampling and evaluation.
 *
 * Data-driven parts read tests/auth/data/dmarc/ (DMARC_DATA_DIR): the
 * OpenDMARC record-parse and alignment cases and the Public Suffix List
 * test vectors, against the PSL copy in that folder (not the system list,
 * so results do not change with the machine).  DNS is a table in this
 * file, served through the module's callbacks, which also logs every
 * query so the tests can assert what was asked and in which order.
 */
#include "test_helpers.h"

#include <stdio.h>

#include "auth/dmarc.h"

static psl_ctx_t *test_psl;

static const psl_ctx_t *
psl(void)
{
	if (test_psl == NULL) {
		test_psl = psl_load_file(DMARC_DATA_DIR "/psl/public_suffix_list.dat");
		if (test_psl == NULL) {
			print_error("cannot load the PSL copy\n");
			fail();
		}
	}
	return test_psl;
}

static bool
parse(const char *txt, struct dmarc_record *r)
{
	char err[128];
	return dmarc_record_parse(txt, strlen(txt), r, err, sizeof err);
}

/* ---- a fake DNS --------------------------------------------------------- */

struct zone {
	const char *name;
	enum dmarc_fetch_status st;
	const char *txt[4];	/* NULL-terminated */
};

struct fake {
	const struct zone *zone;	/* TXT; {NULL} terminated */
	const char *const *nx;	/* names that do not exist; NULL terminated */
	enum dmarc_fetch_status exists_default;
	char log[8][300];	/* names queried, TXT and exists ("?name") */
	unsigned n_log;
};

static void
fake_log(struct fake *f, const char *prefix, const char *name)
{
	if (f->n_log < G_N_ELEMENTS(f->log))
		snprintf(f->log[f->n_log], sizeof f->log[0], "%s%s", prefix, name);
	f->n_log++;
}

static enum dmarc_fetch_status
fake_fetch(void *user, const char *name, char ***records, size_t *n)
{
	struct fake *f = user;
	fake_log(f, "", name);
	*records = NULL;
	*n = 0;
	for (const struct zone *z = f->zone; z != NULL && z->name != NULL; z++) {
		if (strcmp(z->name, name) != 0)
			continue;
		if (z->st != DMARC_FETCH_FOUND)
			return z->st;
		size_t k = 0;
		while (z->txt[k] != NULL)
			k++;
		*records = g_new0(char *, k + 1);
		for (size_t i = 0; i < k; i++)
			(*records)[i] = g_strdup(z->txt[i]);
		*n = k;
		return DMARC_FETCH_FOUND;
	}
	return DMARC_FETCH_NXDOMAIN;
}

static enum dmarc_fetch_status
fake_exists(void *user, const char *name)
{
	struct fake *f = user;
	fake_log(f, "?", name);
	for (const char *const *x = f->nx; x != NULL && *x != NULL; x++)
		if (strcmp(*x, name) == 0)
			return DMARC_FETCH_NXDOMAIN;
	return f->exists_default;
}

static struct dmarc_dns
fake_dns(struct fake *f)
{
	return (struct dmarc_dns){ .fetch = fake_fetch, .exists = fake_exists,
		.user = f };
}

#define assert_log(f, i, want) assert_utf8_equal((f)->log[i], want)

/* ---- OpenDMARC cases: read from the YAML, one flow map per line ------ */

/* The value of `key: ` in line: a "quoted" string or a bare word. */
static bool
yaml_field(const char *line, const char *key, char *out, size_t outlen)
{
	char pat[32];
	snprintf(pat, sizeof pat, " %s: ", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	const char *end;
	if (*p == '"') {
		p++;
		end = strchr(p, '"');
	} else {
		end = p + strcspn(p, ",}");
	}
	if (end == NULL || (size_t)(end - p) >= outlen)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return true;
}

/*
 * mamori's answer where it differs from OpenDMARC's (see the README in the
 * data folder): RFC 7489 6.3 keeps the record and defaults a bad value;
 * "p=n" is no policy.
 */
static const struct {
	int n;
	bool ok;
	unsigned bad;
} parse_override[] = {
	{ 5, false, 0 },
	{ 10, true, DMARC_BAD_ADKIM },
	{ 11, true, DMARC_BAD_ASPF },
	{ 12, true, DMARC_BAD_RF },
	{ 13, true, DMARC_BAD_RI },
	{ 14, true, DMARC_BAD_PCT },
	{ 19, true, DMARC_BAD_RF },
};

/* Leading dots and empty labels are no DNS names: never aligned. */
static const int align_override_not_aligned[] = { 5, 6 };

static FILE *
open_data(const char *rel)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", DMARC_DATA_DIR, rel);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		print_error("cannot open %s\n", path);
		fail();
	}
	return f;
}

static void
test_opendmarc_record_parse(void **state)
{
	(void)state;
	FILE *f = open_data("opendmarc/record-parse-and-alignment.yaml");
	char line[1024];
	bool in_section = false;
	unsigned n_cases = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "record_parse:", 13) == 0)
			in_section = true;
		else if (strncmp(line, "alignment:", 10) == 0)
			in_section = false;
		if (!in_section || strstr(line, "- {n:") == NULL)
			continue;
		char nbuf[8], record[512], expect[64];
		assert_true(yaml_field(line, "{n", nbuf, sizeof nbuf) ||
		    sscanf(strstr(line, "{n:"), "{n: %7[0-9]", nbuf) == 1);
		assert_true(yaml_field(line, "record", record, sizeof record));
		assert_true(yaml_field(line, "expect", expect, sizeof expect));
		int n = atoi(nbuf);
		bool want_ok = strcmp(expect, "ok") == 0;
		unsigned want_bad = 0;
		for (size_t i = 0; i < G_N_ELEMENTS(parse_override); i++)
			if (parse_override[i].n == n) {
				want_ok = parse_override[i].ok;
				want_bad = parse_override[i].bad;
			}
		struct dmarc_record r;
		char err[128] = "";
		bool ok = dmarc_record_parse(record, strlen(record), &r, err,
		    sizeof err);
		if (ok != want_ok || (ok && (r.bad & want_bad) != want_bad)) {
			print_error("case %d \"%s\": got %s (%s, bad=%#x), want %s\n",
			    n, record, ok ? "ok" : "error", err, r.bad,
			    want_ok ? "ok" : "error");
			fail();
		}
		if (ok)
			assert_int_not_equal(r.p, DMARC_POLICY_UNSET);
		n_cases++;
	}
	fclose(f);
	assert_int_equal(n_cases, 19);
}

static void
run_alignment_cases(const psl_ctx_t *ctx)
{
	FILE *f = open_data("opendmarc/record-parse-and-alignment.yaml");
	char line[1024];
	bool in_section = false;
	unsigned n_cases = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "alignment:", 10) == 0)
			in_section = true;
		if (!in_section || strstr(line, "- {n:") == NULL)
			continue;
		char dom[128], from[128], mode[16], outcome[8];
		int n = 0;
		assert_int_equal(sscanf(strstr(line, "{n:"), "{n: %d", &n), 1);
		assert_true(yaml_field(line, "domain", dom, sizeof dom));
		assert_true(yaml_field(line, "from_domain", from, sizeof from));
		assert_true(yaml_field(line, "mode", mode, sizeof mode));
		assert_true(yaml_field(line, "outcome", outcome, sizeof outcome));
		bool want = strcmp(outcome, "0") == 0;
		for (size_t i = 0; i < G_N_ELEMENTS(align_override_not_aligned); i++)
			if (align_override_not_aligned[i] == n)
				want = false;
		enum dmarc_align_mode m = strcmp(mode, "strict") == 0 ?
		    DMARC_ALIGN_STRICT : DMARC_ALIGN_RELAXED;
		bool got = dmarc_aligned(ctx, dom, from, m);
		if (got != want) {
			print_error("alignment case %d (%s, %s, %s): got %d want %d\n",
			    n, dom, from, mode, got, want);
			fail();
		}
		n_cases++;
	}
	fclose(f);
	assert_int_equal(n_cases, 10);
}

static void
test_opendmarc_alignment(void **state)
{
	(void)state;
	run_alignment_cases(psl());
	/* OpenDMARC ran them with and without a list: same outcome */
	run_alignment_cases(psl_builtin());
	run_alignment_cases(NULL);
}

/* ---- PSL test vectors -------------------------------------------------- */

static void
test_psl_vectors(void **state)
{
	(void)state;
	FILE *f = open_data("psl/tests.txt");
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || strncmp(line, "//", 2) == 0)
			continue;
		char in[256], want[256];
		assert_int_equal(sscanf(line, "%255s %255s", in, want), 2);
		char got[DMARC_DOMAIN_MAX + 1] = "x";
		bool ok = dmarc_org_domain(psl(), strcmp(in, "null") == 0 ? NULL : in,
		    got, sizeof got);
		if (strcmp(want, "null") == 0) {
			if (ok || got[0] != '\0') {
				print_error("%s: got \"%s\", want none\n", in, got);
				fail();
			}
		} else if (!ok || strcmp(got, want) != 0) {
			print_error("%s: got \"%s\" (%d), want \"%s\"\n", in, got, ok, want);
			fail();
		}
		n++;
	}
	fclose(f);
	assert_int_equal(n, 78);
}

static void
test_org_domain_edges(void **state)
{
	(void)state;
	char out[DMARC_DOMAIN_MAX + 1];
	assert_true(dmarc_org_domain(psl(), "Mail.Example.CO.JP.", out, sizeof out));
	assert_string_equal(out, "example.co.jp");
	assert_false(dmarc_org_domain(psl(), "a..example.com", out, sizeof out));
	assert_false(dmarc_org_domain(psl(), "a b.example.com", out, sizeof out));
	assert_false(dmarc_org_domain(psl(), "example.com..", out, sizeof out));
	assert_false(dmarc_org_domain(psl(), "", out, sizeof out));
	assert_false(dmarc_org_domain(psl(), ".", out, sizeof out));
	/* too small a buffer: no result, no overflow */
	char tiny[4] = "zzz";
	assert_false(dmarc_org_domain(psl(), "example.com", tiny, sizeof tiny));
	assert_string_equal(tiny, "");
	/* label and name length limits */
	char name[400];
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	assert_false(dmarc_org_domain(psl(), name, out, sizeof out));
	memset(name, 0, sizeof name);
	for (int i = 0; i < 60; i++)
		strcat(name, "abc.");
	strcat(name, "com");	/* 243 bytes: fine */
	assert_true(dmarc_org_domain(psl(), name, out, sizeof out));
	assert_string_equal(out, "abc.com");
	for (int i = 0; i < 3; i++)
		strcat(name, ".abc");	/* 255: too long */
	assert_false(dmarc_org_domain(psl(), name, out, sizeof out));
	/* the default list works too */
	assert_true(dmarc_org_domain(NULL, "www.example.com", out, sizeof out));
	assert_string_equal(out, "example.com");
	assert_non_null(dmarc_psl_default());
}

/* ---- record parsing, RFC 7489 rules --------------------------------- */

static void
test_record_defaults(void **state)
{
	(void)state;
	struct dmarc_record r;
	assert_true(parse("v=DMARC1; p=reject", &r));
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_UNSET);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_int_equal(r.adkim, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.aspf, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.fo, DMARC_FO_0);
	assert_true(r.rf_afrf);
	assert_int_equal(r.ri, 86400);
	assert_string_equal(r.rua, "");
	assert_string_equal(r.ruf, "");
	assert_false(r.p_implied);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.n_tags, 2);
}

static void
test_record_all_tags(void **state)
{
	(void)state;
	struct dmarc_record r;
	assert_true(parse("v=DMARC1;p=quarantine;sp=none;np=reject;adkim=s;"
	    "aspf=s;pct=050;fo=1:d : s;rf=afrf;ri=3600;"
	    "rua=mailto:a@example.com!10m, mailto:b@example.net;"
	    "ruf=mailto:f@example.com", &r));
	assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.sp, DMARC_POLICY_NONE);
	assert_int_equal(r.np, DMARC_POLICY_REJECT);
	assert_int_equal(r.adkim, DMARC_ALIGN_STRICT);
	assert_int_equal(r.aspf, DMARC_ALIGN_STRICT);
	assert_int_equal(r.pct, 50);
	assert_int_equal(r.fo, DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S);
	assert_int_equal(r.ri, 3600);
	assert_string_equal(r.rua,
	    "mailto:a@example.com!10m, mailto:b@example.net");
	assert_string_equal(r.ruf, "mailto:f@example.com");
	assert_int_equal(r.bad, 0);
}

static void
test_record_version(void **state)
{
	(void)state;
	struct dmarc_record r;
	/* "v" is an ABNF literal (any case), DMARC1 is exact */
	assert_true(parse("V=DMARC1; p=none", &r));
	assert_true(parse("  v = DMARC1 ;p = none ;", &r));
	assert_true(parse("v=DMARC1\t;\tp=none", &r));
	assert_false(parse("v=dmarc1; p=none", &r));
	assert_false(parse("v=DMARC1x; p=none", &r));
	assert_false(parse("v=DMARC2; p=none", &r));
	assert_false(parse("p=none; v=DMARC1", &r));
	assert_false(parse("; v=DMARC1; p=none", &r));
	assert_false(parse("v=spf1 -all", &r));
	assert_false(parse("v=DMARC1; p=none; v=DMARC1", &r));
	assert_false(parse("v=DMARC1", &r));	/* no p= */
	assert_false(parse(";;;", &r));
	assert_false(parse("   ", &r));
	assert_true(dmarc_record_is_dmarc("v=DMARC1; p=none", 16));
	assert_true(dmarc_record_is_dmarc(" v=DMARC1", 9));
	assert_false(dmarc_record_is_dmarc("v=DMARC1", 7));	/* length honoured */
	assert_false(dmarc_record_is_dmarc("v=DMARC10", 9));
	assert_false(dmarc_record_is_dmarc(NULL, 0));
}

static void
test_record_p_rules(void **state)
{
	(void)state;
	struct dmarc_record r;
	/* p= anywhere after v= (DMARCbis; real records do this) */
	assert_true(parse("v=DMARC1; rua=mailto:d@example.com; p=reject", &r));
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_false(r.p_implied);
	/* keyword values are case-insensitive */
	assert_true(parse("v=DMARC1; p=Reject; sp=QUARANTINE", &r));
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	/* the first p= counts */
	assert_true(parse("v=DMARC1; p=none; p=reject", &r));
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	/* no or invalid p=, or invalid sp=, with a valid rua=: p=none (6.6.3) */
	assert_true(parse("v=DMARC1; rua=mailto:d@example.com", &r));
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_true(r.p_implied);
	assert_true(parse("v=DMARC1; p=bogus; rua=mailto:d@example.com", &r));
	assert_true(r.p_implied);
	assert_true(r.bad & DMARC_BAD_P);
	assert_true(parse("v=DMARC1; p=reject; sp=bogus; np=reject; "
	    "rua=mailto:d@example.com", &r));
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_int_equal(r.sp, DMARC_POLICY_UNSET);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_true(r.p_implied);
	assert_true(r.bad & DMARC_BAD_SP);
	/* ... but not with an invalid rua= */
	assert_false(parse("v=DMARC1; p=bogus; rua=nourihere", &r));
	assert_false(parse("v=DMARC1; rua=", &r));
	assert_false(parse("v=DMARC1; p=; rua=:x", &r));
	assert_false(parse("v=DMARC1; p=none; sp=", &r));
	assert_false(parse("v=DMARC1; P", &r));
	assert_false(parse("v=DMARC1; p=none reject", &r));
}

static void
test_record_soft_errors(void **state)
{
	(void)state;
	struct dmarc_record r;
	/* invalid values fall back to the defaults, the record stays */
	assert_true(parse("v=DMARC1; p=reject; np=maybe; adkim=x; aspf=; "
	    "pct=101; fo=0:x; rf=; ri=99999999999; ruf=\x01mailto:x", &r));
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_int_equal(r.adkim, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.fo, DMARC_FO_0);
	assert_int_equal(r.ri, 86400);
	assert_string_equal(r.ruf, "");
	assert_int_equal(r.bad, DMARC_BAD_NP | DMARC_BAD_ADKIM | DMARC_BAD_ASPF |
	    DMARC_BAD_PCT | DMARC_BAD_FO | DMARC_BAD_RF | DMARC_BAD_RI |
	    DMARC_BAD_RUF);
	assert_true(parse("v=DMARC1; p=reject; pct=-1", &r));
	assert_int_equal(r.pct, 100);
	assert_true(parse("v=DMARC1; p=reject; pct=0", &r));
	assert_int_equal(r.pct, 0);
	assert_true(parse("v=DMARC1; p=reject; ri=4294967295", &r));
	assert_int_equal(r.ri, 4294967295u);
	/* unknown tags and junk without '=' are ignored */
	assert_true(parse("v=DMARC1; p=reject; foo=bar; junk; =x; t=y", &r));
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.bad, 0);
	/* rf=: an unknown format only */
	assert_true(parse("v=DMARC1; p=none; rf=iodef:afrf", &r));
	assert_int_equal(r.bad, 0);
	assert_true(parse("v=DMARC1; p=none; rf=iodef", &r));
	assert_int_equal(r.bad, DMARC_BAD_RF);
	assert_true(r.rf_afrf);
}

static void
test_record_limits(void **state)
{
	(void)state;
	struct dmarc_record r;
	char err[128];
	/* NUL inside the given length */
	assert_false(dmarc_record_parse("v=DMARC1; p=none\0x", 18, &r, err,
	    sizeof err));
	assert_contains(err, "NUL");
	/* length honoured: p=none is past len */
	assert_false(dmarc_record_parse("v=DMARC1; p=none", 10, &r, err, sizeof err));
	assert_false(dmarc_record_parse(NULL, 5, &r, err, sizeof err));
	assert_false(dmarc_record_parse("", 0, &r, NULL, 0));
	/* too many tags */
	GString *s = g_string_new("v=DMARC1; p=none");
	for (int i = 0; i < DMARC_TAGS_MAX - 2; i++)
		g_string_append_printf(s, "; x%d=y", i);
	assert_true(dmarc_record_parse(s->str, s->len, &r, err, sizeof err));
	g_string_append(s, "; one=more");
	assert_false(dmarc_record_parse(s->str, s->len, &r, err, sizeof err));
	assert_contains(err, "tags");
	/* too long */
	g_string_assign(s, "v=DMARC1; p=none; rua=mailto:");
	while (s->len <= DMARC_RECORD_MAX)
		g_string_append_c(s, 'a');
	assert_false(dmarc_record_parse(s->str, s->len, &r, err, sizeof err));
	assert_contains(err, "longer");
	/* rua= longer than kept: flagged, policy kept */
	g_string_assign(s, "v=DMARC1; p=reject; rua=mailto:");
	while (s->len < DMARC_URI_MAX + 40)
		g_string_append_c(s, 'a');
	assert_true(dmarc_record_parse(s->str, s->len, &r, err, sizeof err));
	assert_true(r.bad & DMARC_BAD_RUA);
	assert_string_equal(r.rua, "");
	g_string_free(s, TRUE);
}

/* ---- alignment ------------------------------------------------------ */

static void
test_alignment_modes(void **state)
{
	(void)state;
	const psl_ctx_t *p = psl();
	assert_true(dmarc_aligned(p, "example.com", "EXAMPLE.COM", DMARC_ALIGN_STRICT));
	assert_true(dmarc_aligned(p, "example.com.", "example.com", DMARC_ALIGN_STRICT));
	assert_false(dmarc_aligned(p, "mail.example.com", "example.com",
	    DMARC_ALIGN_STRICT));
	assert_true(dmarc_aligned(p, "mail.example.com", "example.com",
	    DMARC_ALIGN_RELAXED));
	assert_true(dmarc_aligned(p, "a.example.co.uk", "b.Example.co.uk",
	    DMARC_ALIGN_RELAXED));
	/* different registrants under one public suffix */
	assert_false(dmarc_aligned(p, "evil.co.uk", "example.co.uk",
	    DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(p, "attacker.github.io", "victim.github.io",
	    DMARC_ALIGN_RELAXED));
	/* a public suffix is only its own organisation */
	assert_false(dmarc_aligned(p, "co.uk", "example.co.uk", DMARC_ALIGN_RELAXED));
	assert_true(dmarc_aligned(p, "co.uk", "co.uk", DMARC_ALIGN_RELAXED));
	/* a suffix match is no alignment */
	assert_false(dmarc_aligned(p, "notexample.com", "example.com",
	    DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(p, NULL, "example.com", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(p, "example.com", "", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(p, "exa mple.com", "exa mple.com",
	    DMARC_ALIGN_STRICT));
}

/* ---- discovery -------------------------------------------------------- */

static void
test_discover_fallback_to_org(void **state)
{
	(void)state;
	static const struct zone z[] = {
		{ "_dmarc.example.com", DMARC_FETCH_FOUND,
		  { "some other text", "v=DMARC1; p=reject", NULL } },
		{ NULL, 0, { NULL } },
	};
	struct fake f = { .zone = z };
	struct dmarc_dns dns = fake_dns(&f);
	struct dmarc_policy_found pf;
	assert_int_equal(dmarc_discover(psl(), &dns, "a.B.example.com.", &pf),
	    DMARC_DISCOVER_FOUND);
	assert_int_equal(f.n_log, 2);
	assert_log(&f, 0, "_dmarc.a.b.example.com");
	assert_log(&f, 1, "_dmarc.example.com");
	assert_string_equal(pf.policy_domain, "example.com");
	assert_string_equal(pf.org_domain, "example.com");
	assert_true(pf.at_org);
	assert_int_equal(pf.record.p, DMARC_POLICY_REJECT);

	/* From is the org domain: one lookup */
	memset(&f, 0, sizeof f);
	f.zone = z;
	assert_int_equal(dmarc_discover(psl(), &dns, "example.com", &pf),
	    DMARC_DISCOVER_FOUND);
	assert_int_equal(f.n_log, 1);
	assert_false(pf.at_org);
}

static void
test_discover_cases(void **state)
{
	(void)state;
	static const struct zone z[] = {
		/* a record at the From domain wins; no fallback */
		{ "_dmarc.sub.one.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=quarantine", NULL } },
		{ "_dmarc.one.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=reject", NULL } },
		/* only non-DMARC TXT: fallback */
		{ "_dmarc.sub.two.example", DMARC_FETCH_FOUND,
		  { "v=spf1 -all", "v=DMARC10; p=reject", NULL } },
		{ "_dmarc.two.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=none", NULL } },
		/* two records: none, and no fallback */
		{ "_dmarc.sub.three.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=none", "v=DMARC1; p=reject", NULL } },
		{ "_dmarc.three.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=reject", NULL } },
		/* tempfail at the From domain, and at the org domain */
		{ "_dmarc.sub.four.example", DMARC_FETCH_TEMPFAIL, { NULL } },
		{ "_dmarc.sub.five.example", DMARC_FETCH_NODATA, { NULL } },
		{ "_dmarc.five.example", DMARC_FETCH_TEMPFAIL, { NULL } },
		/* an invalid record: permerror, no fallback */
		{ "_dmarc.sub.six.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=bogus", NULL } },
		{ "_dmarc.six.example", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=reject", NULL } },
		/* FOUND with no records at all */
		{ "_dmarc.seven.example", DMARC_FETCH_FOUND, { NULL } },
		{ NULL, 0, { NULL } },
	};
	struct fake f = { .zone = z };
	struct dmarc_dns dns = fake_dns(&f);
	struct dmarc_policy_found pf;

	assert_int_equal(dmarc_discover(psl(), &dns, "sub.one.example", &pf),
	    DMARC_DISCOVER_FOUND);
	assert_int_equal(pf.record.p, DMARC_POLICY_QUARANTINE);
	assert_false(pf.at_org);
	assert_int_equal(f.n_log, 1);

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.two.example", &pf),
	    DMARC_DISCOVER_FOUND);
	assert_int_equal(pf.record.p, DMARC_POLICY_NONE);
	assert_true(pf.at_org);

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.three.example", &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(f.n_log, 1);
	assert_contains(pf.err, "2 DMARC records");

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.four.example", &pf),
	    DMARC_DISCOVER_TEMPFAIL);
	assert_int_equal(f.n_log, 1);

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.five.example", &pf),
	    DMARC_DISCOVER_TEMPFAIL);
	assert_int_equal(f.n_log, 2);

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.six.example", &pf),
	    DMARC_DISCOVER_INVALID);
	assert_int_equal(f.n_log, 1);
	assert_contains(pf.err, "p=");

	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "sub.seven.example", &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(f.n_log, 2);

	/* nothing anywhere */
	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "x.nowhere.example", &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(f.n_log, 2);

	/* bad From domains: no query at all */
	f.n_log = 0;
	assert_int_equal(dmarc_discover(psl(), &dns, "bad..example", &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(dmarc_discover(psl(), &dns, NULL, &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(dmarc_discover(psl(), &dns, "a@b.example", &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(f.n_log, 0);
	/* no DNS at all */
	assert_int_equal(dmarc_discover(psl(), NULL, "one.example", &pf),
	    DMARC_DISCOVER_TEMPFAIL);
}

static void
test_discover_long_name(void **state)
{
	(void)state;
	/* a From domain so long that _dmarc.<it> is no DNS name: org only */
	static const struct zone z[] = {
		{ "_dmarc.example.com", DMARC_FETCH_FOUND,
		  { "v=DMARC1; p=reject", NULL } },
		{ NULL, 0, { NULL } },
	};
	char from[300] = "";
	for (int i = 0; i < 61; i++)
		strcat(from, "abc.");
	strcat(from, "example.com");	/* 255 > 253: invalid */
	struct fake f = { .zone = z };
	struct dmarc_dns dns = fake_dns(&f);
	struct dmarc_policy_found pf;
	assert_int_equal(dmarc_discover(psl(), &dns, from, &pf),
	    DMARC_DISCOVER_NONE);
	assert_int_equal(f.n_log, 0);
	from[strlen(from) - 16] = '\0';
	strcat(from, ".example.com");	/* 251 bytes */
	assert_int_equal(strlen(from), 251);
	assert_int_equal(dmarc_discover(psl(), &dns, from, &pf),
	    DMARC_DISCOVER_FOUND);
	assert_int_equal(f.n_log, 1);
	assert_log(&f, 0, "_dmarc.example.com");
}

/* ---- evaluation ----------------------------------------------------- */

static const struct zone eval_zone[] = {
	{ "_dmarc.example.com", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=none; sp=quarantine; np=reject", NULL } },
	{ "_dmarc.strict.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=reject; adkim=s; aspf=s", NULL } },
	{ "_dmarc.pct.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=reject; pct=30", NULL } },
	{ "_dmarc.pctq.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=quarantine; pct=0", NULL } },
	{ "_dmarc.nosp.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=reject", NULL } },
	{ "_dmarc.onlynp.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=quarantine; np=reject", NULL } },
	{ "_dmarc.bad.example", DMARC_FETCH_FOUND,
	  { "v=DMARC1; p=bogus", NULL } },
	{ "_dmarc.temp.example", DMARC_FETCH_TEMPFAIL, { NULL } },
	{ NULL, 0, { NULL } },
};

static const char *const eval_nx[] = { "ghost.example.com",
	"ghost.nosp.example", "ghost.onlynp.example", NULL };

static void
evaluate(struct fake *f, const char *from, enum dmarc_auth_result spf,
    const char *spf_domain, const struct dmarc_dkim *dkim, size_t n_dkim,
    unsigned sample, struct dmarc_eval *out)
{
	memset(f, 0, sizeof *f);
	f->zone = eval_zone;
	f->nx = eval_nx;
	f->exists_default = DMARC_FETCH_FOUND;
	struct dmarc_dns dns = fake_dns(f);
	struct dmarc_input in = { .from_domain = from, .spf = spf,
		.spf_domain = spf_domain, .dkim = dkim, .n_dkim = n_dkim,
		.sample = sample };
	dmarc_evaluate(psl(), &dns, &in, out);
}

static void
test_policy_p_sp_np(void **state)
{
	(void)state;
	struct fake f;
	struct dmarc_eval e;

	/* the org domain itself: p */
	evaluate(&f, "example.com", DMARC_AUTH_FAIL, "example.com", NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	assert_int_equal(e.source, DMARC_SOURCE_P);
	assert_int_equal(e.policy, DMARC_POLICY_NONE);
	assert_int_equal(e.disposition, DMARC_POLICY_NONE);
	assert_int_equal(f.n_log, 1);	/* no existence check for p */

	/* an existing subdomain: sp */
	evaluate(&f, "mail.example.com", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	assert_int_equal(e.source, DMARC_SOURCE_SP);
	assert_int_equal(e.policy, DMARC_POLICY_QUARANTINE);
	assert_int_equal(e.disposition, DMARC_POLICY_QUARANTINE);
	assert_int_equal(f.n_log, 3);
	assert_log(&f, 2, "?mail.example.com");

	/* a non-existent subdomain: np */
	evaluate(&f, "Ghost.Example.com", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.source, DMARC_SOURCE_NP);
	assert_int_equal(e.policy, DMARC_POLICY_REJECT);
	assert_int_equal(e.disposition, DMARC_POLICY_REJECT);
	assert_log(&f, 2, "?ghost.example.com");
	assert_string_equal(dmarc_source_name(e.source), "np");

	/* no sp=: p applies to subdomains; no np=: no existence check */
	evaluate(&f, "ghost.nosp.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.source, DMARC_SOURCE_P);
	assert_int_equal(e.policy, DMARC_POLICY_REJECT);
	assert_int_equal(f.n_log, 2);

	/* np= without sp=: existing subdomain gets p, missing one np */
	evaluate(&f, "www.onlynp.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.source, DMARC_SOURCE_P);
	assert_int_equal(e.policy, DMARC_POLICY_QUARANTINE);
	evaluate(&f, "ghost.onlynp.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.source, DMARC_SOURCE_NP);
	assert_int_equal(e.policy, DMARC_POLICY_REJECT);

	/* existence unknown (tempfail): treated as existing */
	memset(&f, 0, sizeof f);
	f.zone = eval_zone;
	f.exists_default = DMARC_FETCH_TEMPFAIL;
	struct dmarc_dns dns = fake_dns(&f);
	struct dmarc_input in = { .from_domain = "x.example.com" };
	dmarc_evaluate(psl(), &dns, &in, &e);
	assert_int_equal(e.source, DMARC_SOURCE_SP);
	/* no exists callback: np never applies */
	dns.exists = NULL;
	in.from_domain = "ghost.example.com";
	dmarc_evaluate(psl(), &dns, &in, &e);
	assert_int_equal(e.source, DMARC_SOURCE_SP);

	/* a pass: no existence lookup, disposition none */
	const struct dmarc_dkim d = { DMARC_AUTH_PASS, "example.com" };
	evaluate(&f, "ghost.example.com", DMARC_AUTH_NONE, NULL, &d, 1, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);
	assert_int_equal(e.disposition, DMARC_POLICY_NONE);
	assert_int_equal(f.n_log, 2);
}

static void
test_pct_sampling(void **state)
{
	(void)state;
	struct fake f;
	struct dmarc_eval e;
	/* pct=30: samples 0..29 get the policy, 30..99 the next lower one */
	static const struct {
		unsigned sample;
		enum dmarc_policy want;
		bool out;
	} c[] = {
		{ 0, DMARC_POLICY_REJECT, false },
		{ 29, DMARC_POLICY_REJECT, false },
		{ 30, DMARC_POLICY_QUARANTINE, true },
		{ 99, DMARC_POLICY_QUARANTINE, true },
		{ 1000, DMARC_POLICY_QUARANTINE, true },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
		evaluate(&f, "pct.example", DMARC_AUTH_FAIL, "pct.example", NULL, 0,
		    c[i].sample, &e);
		assert_int_equal(e.result, DMARC_RESULT_FAIL);
		assert_int_equal(e.policy, DMARC_POLICY_REJECT);
		assert_int_equal(e.disposition, c[i].want);
		assert_int_equal(e.sampled_out, c[i].out);
	}
	/* pct=0 quarantine: never applied, none */
	evaluate(&f, "pctq.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.disposition, DMARC_POLICY_NONE);
	assert_true(e.sampled_out);
	/* pct=100 (default): every sample, even out of range */
	evaluate(&f, "nosp.example", DMARC_AUTH_NONE, NULL, NULL, 0, 99, &e);
	assert_int_equal(e.disposition, DMARC_POLICY_REJECT);
	evaluate(&f, "nosp.example", DMARC_AUTH_NONE, NULL, NULL, 0, 12345, &e);
	assert_int_equal(e.disposition, DMARC_POLICY_REJECT);
	assert_false(e.sampled_out);
}

static void
test_eval_alignment(void **state)
{
	(void)state;
	struct fake f;
	struct dmarc_eval e;

	/* relaxed SPF: a subdomain's MAIL FROM aligns */
	evaluate(&f, "example.com", DMARC_AUTH_PASS, "bounce.example.com", NULL,
	    0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);
	assert_int_equal(e.aligned, DMARC_ALIGNED_SPF);
	/* strict SPF: it does not */
	evaluate(&f, "strict.example", DMARC_AUTH_PASS, "bounce.strict.example",
	    NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	assert_int_equal(e.aligned, 0);
	assert_int_equal(e.disposition, DMARC_POLICY_REJECT);
	evaluate(&f, "strict.example", DMARC_AUTH_PASS, "STRICT.example", NULL,
	    0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);
	/* SPF pass for another organisation: fail */
	evaluate(&f, "example.com", DMARC_AUTH_PASS, "example.net", NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	/* SPF softfail in the right domain: fail */
	evaluate(&f, "example.com", DMARC_AUTH_FAIL, "example.com", NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);

	/* DKIM relaxed / strict */
	const struct dmarc_dkim sub[] = {
		{ DMARC_AUTH_PASS, "other.example" },
		{ DMARC_AUTH_FAIL, "strict.example" },
		{ DMARC_AUTH_PASS, "Mail.Strict.Example" },
	};
	evaluate(&f, "strict.example", DMARC_AUTH_NONE, NULL, sub, 3, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	evaluate(&f, "mail.strict.example", DMARC_AUTH_NONE, NULL, sub, 3, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);
	assert_int_equal(e.aligned, DMARC_ALIGNED_DKIM);
	assert_string_equal(e.dkim_domain, "mail.strict.example");
	const struct dmarc_dkim rel[] = {
		{ DMARC_AUTH_PASS, "example.net" },
		{ DMARC_AUTH_PASS, "news.example.com" },
		{ DMARC_AUTH_PASS, "example.com" },
	};
	evaluate(&f, "example.com", DMARC_AUTH_PASS, "example.com", rel, 3, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);
	assert_int_equal(e.aligned, DMARC_ALIGNED_SPF | DMARC_ALIGNED_DKIM);
	assert_string_equal(e.dkim_domain, "news.example.com");
	/* a NULL d= is skipped */
	const struct dmarc_dkim nul[] = { { DMARC_AUTH_PASS, NULL } };
	evaluate(&f, "example.com", DMARC_AUTH_NONE, NULL, nul, 1, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
}

static void
test_eval_errors(void **state)
{
	(void)state;
	struct fake f;
	struct dmarc_eval e;

	evaluate(&f, "temp.example", DMARC_AUTH_PASS, "temp.example", NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_TEMPERROR);
	assert_int_equal(e.disposition, DMARC_POLICY_UNSET);
	assert_string_equal(dmarc_result_name(e.result), "temperror");

	evaluate(&f, "bad.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PERMERROR);
	assert_int_equal(e.policy, DMARC_POLICY_UNSET);

	evaluate(&f, "unknown.example", DMARC_AUTH_NONE, NULL, NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_NONE);
	assert_int_equal(e.disposition, DMARC_POLICY_UNSET);

	evaluate(&f, "not a domain", DMARC_AUTH_PASS, "x", NULL, 0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_NONE);
	assert_int_equal(f.n_log, 0);

	/* an aligned DKIM temperror turns a fail into temperror ... */
	const struct dmarc_dkim t[] = { { DMARC_AUTH_TEMPERROR, "nosp.example" } };
	evaluate(&f, "nosp.example", DMARC_AUTH_FAIL, "nosp.example", t, 1, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_TEMPERROR);
	/* ... an aligned SPF temperror too ... */
	evaluate(&f, "nosp.example", DMARC_AUTH_TEMPERROR, "nosp.example", NULL,
	    0, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_TEMPERROR);
	/* ... an unaligned one does not, and a pass wins */
	const struct dmarc_dkim u[] = { { DMARC_AUTH_TEMPERROR, "example.net" } };
	evaluate(&f, "nosp.example", DMARC_AUTH_NONE, NULL, u, 1, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_FAIL);
	evaluate(&f, "nosp.example", DMARC_AUTH_PASS, "nosp.example", t, 1, 0, &e);
	assert_int_equal(e.result, DMARC_RESULT_PASS);

	dmarc_evaluate(psl(), NULL, NULL, &e);
	assert_int_equal(e.result, DMARC_RESULT_NONE);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dmarc_result_name(DMARC_RESULT_PASS), "pass");
	assert_string_equal(dmarc_result_name(DMARC_RESULT_FAIL), "fail");
	assert_string_equal(dmarc_result_name(DMARC_RESULT_NONE), "none");
	assert_string_equal(dmarc_result_name(DMARC_RESULT_PERMERROR), "permerror");
	assert_string_equal(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
	assert_string_equal(dmarc_policy_name(DMARC_POLICY_REJECT), "reject");
	assert_string_equal(dmarc_policy_name(DMARC_POLICY_NONE), "none");
	assert_string_equal(dmarc_policy_name(DMARC_POLICY_UNSET), "");
	assert_string_equal(dmarc_source_name(DMARC_SOURCE_SP), "sp");
	assert_string_equal(dmarc_source_name(DMARC_SOURCE_P), "p");
	assert_string_equal(dmarc_source_name(DMARC_SOURCE_NONE), "");
}

static int
teardown_psl(void **state)
{
	(void)state;
	psl_free(test_psl);
	test_psl = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opendmarc_record_parse),
		cmocka_unit_test(test_opendmarc_alignment),
		cmocka_unit_test(test_psl_vectors),
		cmocka_unit_test(test_org_domain_edges),
		cmocka_unit_test(test_record_defaults),
		cmocka_unit_test(test_record_all_tags),
		cmocka_unit_test(test_record_version),
		cmocka_unit_test(test_record_p_rules),
		cmocka_unit_test(test_record_soft_errors),
		cmocka_unit_test(test_record_limits),
		cmocka_unit_test(test_alignment_modes),
		cmocka_unit_test(test_discover_fallback_to_org),
		cmocka_unit_test(test_discover_cases),
		cmocka_unit_test(test_discover_long_name),
		cmocka_unit_test(test_policy_p_sp_np),
		cmocka_unit_test(test_pct_sampling),
		cmocka_unit_test(test_eval_alignment),
		cmocka_unit_test(test_eval_errors),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_psl);
}
