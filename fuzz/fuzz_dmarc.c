/*
 * fuzz_dmarc.c - libFuzzer target: DMARC records and domains (src/auth/dmarc.c).
 *
 * Each input is
 *   1. parsed by dmarc_record_parse() as one TXT record; on success the
 *      result must be a usable policy (p= set, pct 0..100, rua=/ruf=
 *      NUL-terminated printable ASCII within their buffers);
 *   2. checked by dmarc_record_is_dmarc(), which must agree with the parser
 *      on what a DMARC record is (the parser never accepts a non-DMARC one);
 *   3. split at its first newline: the first line (up to 300 bytes) is the
 *      From domain and the SPF and DKIM domains, the rest (or the whole
 *      input when there is no newline) the only TXT record of every _dmarc
 *      name, for dmarc_evaluate(); so discovery, alignment and the public
 *      suffix lookup see hostile names too.
 * The PSL is libpsl's built-in list, loaded once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "auth/dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_dmarc: %s\n", what);
	abort();
}

static void
check_uri(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n >= cap)
		die("rua/ruf not terminated inside its buffer");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			die("control or 8-bit byte kept in rua/ruf");
}

struct served {
	const uint8_t *data;
	size_t size;
	unsigned calls;
};

static enum dmarc_fetch_status
serve_txt(void *user, const char *name, char ***records, size_t *n)
{
	struct served *s = user;
	if (name == NULL || strlen(name) > DMARC_DOMAIN_MAX)
		die("fetch name too long");
	s->calls++;
	*records = g_new0(char *, 2);
	(*records)[0] = g_strndup((const char *)s->data, s->size);
	*n = 1;
	return DMARC_FETCH_FOUND;
}

static enum dmarc_fetch_status
serve_exists(void *user, const char *name)
{
	(void)user;
	if (name == NULL || strlen(name) > DMARC_DOMAIN_MAX)
		die("exists name too long");
	return (name[0] & 1) ? DMARC_FETCH_NXDOMAIN : DMARC_FETCH_FOUND;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	char err[128];
	bool ok = dmarc_record_parse((const char *)data, size, &r, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		die("err not terminated");
	if (ok) {
		if (r.p == DMARC_POLICY_UNSET)
			die("accepted record without p=");
		if (r.pct > 100)
			die("pct over 100");
		if (r.n_tags < 2 || r.n_tags > DMARC_TAGS_MAX)
			die("tag count out of range");
		check_uri(r.rua, sizeof r.rua);
		check_uri(r.ruf, sizeof r.ruf);
		if (!dmarc_record_is_dmarc((const char *)data, size))
			die("parser accepted what is_dmarc rejects");
	}

	/* the first line as a domain name */
	char dom[301];
	size_t dl = 0;
	while (dl < size && dl < sizeof dom - 1 && data[dl] != '\n' &&
	    data[dl] != '\0') {
		dom[dl] = (char)data[dl];
		dl++;
	}
	dom[dl] = '\0';

	char org[DMARC_DOMAIN_MAX + 1];
	if (dmarc_org_domain(psl_builtin(), dom, org, sizeof org) &&
	    strlen(org) > DMARC_DOMAIN_MAX)
		die("org domain too long");
	(void)dmarc_aligned(psl_builtin(), dom, "example.com", DMARC_ALIGN_RELAXED);

	/* the TXT record served: what follows the first line, if any */
	struct served s = { data, size, 0 };
	if (dl < size && data[dl] == '\n') {
		s.data = data + dl + 1;
		s.size = size - dl - 1;
	}
	struct dmarc_dns dns = { serve_txt, serve_exists, &s };
	struct dmarc_dkim dkim[2] = {
		{ DMARC_AUTH_PASS, dom },
		{ DMARC_AUTH_TEMPERROR, "example.com" },
	};
	struct dmarc_input in = {
		.from_domain = dom, .spf = DMARC_AUTH_PASS, .spf_domain = dom,
		.dkim = dkim, .n_dkim = size % 3, .sample = (unsigned)(size % 101),
	};
	struct dmarc_eval e;
	dmarc_evaluate(psl_builtin(), &dns, &in, &e);
	if (s.calls > 2)
		die("more than two TXT lookups");
	if (e.result == DMARC_RESULT_PASS && e.aligned == 0)
		die("pass without an aligned identifier");
	if (e.result == DMARC_RESULT_FAIL && e.policy == DMARC_POLICY_UNSET)
		die("fail without a policy");
	return 0;
}
