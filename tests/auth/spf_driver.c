/*
 * spf_driver.c - run spf_check_host() over cases read from stdin.
 *
 * Purpose: the C side of the RFC 7208 suite (run_spf_suite.py) and a
 * manual tool.  Design: one case per line, tab-separated
 *     ID \t IP \t HELO \t MAILFROM
 * (MAILFROM may be empty: then the HELO identity is checked with sender
 * postmaster@HELO, as pyspf's suite driver does).  One output line per
 * case:  ID \t RESULT \t EXPLANATION \t MECHANISM \t PROBLEM
 * where EXPLANATION is "DEFAULT" on fail without exp= text (the suite's
 * convention) and "-" otherwise when absent; tabs and newlines in the
 * fields are replaced by spaces.
 *
 * Options: --dns HOST:PORT (repeatable), --timeout-ms N, --tries N.
 * Limits: lines up to 64 KiB.  Security: test tool; input is trusted to
 * be the suite's, but fields are still split with bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "auth/spf.h"
#include "dns/dns.h"

static void field_print(const char *s)
{
	if (!s || !*s) {
		fputs("-", stdout);
		return;
	}
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

int main(int argc, char **argv)
{
	const char *servers[8];
	size_t n_servers = 0;
	unsigned timeout_ms = 300, tries = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dns") && i + 1 < argc) {
			if (n_servers < G_N_ELEMENTS(servers))
				servers[n_servers++] = argv[++i];
		} else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) {
			timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--tries") && i + 1 < argc) {
			tries = (unsigned)strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: spf_driver [--dns HOST:PORT] "
			    "[--timeout-ms N] [--tries N] < cases\n");
			return 2;
		}
	}
	struct dns_settings set = {
		.servers = servers, .n_servers = n_servers,
		.timeout_ms = timeout_ms, .tries = tries, .cache_entries = 0,
	};
	char err[256];
	struct dns_resolver *r = dns_resolver_new(&set, err, sizeof err);
	if (!r) {
		fprintf(stderr, "spf_driver: %s\n", err);
		return 2;
	}
	static char line[65536];
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		char **f = g_strsplit(line, "\t", 4);
		if (g_strv_length(f) < 4) {
			fprintf(stderr, "spf_driver: bad line: %s\n", line);
			g_strfreev(f);
			continue;
		}
		const char *id = f[0], *ip = f[1], *helo = f[2], *from = f[3];
		const char *domain = helo;
		if (*from) {
			const char *at = strrchr(from, '@');
			domain = at ? at + 1 : from;
		}
		struct dns_ctx *ctx = dns_ctx_new(r, 100, 0);
		struct spf_info info;
		enum spf_result res = spf_check_host(ctx, ip, domain,
		    *from ? from : NULL, helo, &info);
		printf("%s\t%s\t", id, spf_result_name(res));
		if (res == SPF_RESULT_FAIL)
			field_print(info.explanation ? info.explanation :
			    "DEFAULT");
		else
			field_print(NULL);
		putchar('\t');
		field_print(info.mechanism);
		putchar('\t');
		field_print(info.problem);
		putchar('\n');
		fflush(stdout);
		spf_info_clear(&info);
		dns_ctx_free(ctx);
		g_strfreev(f);
	}
	dns_resolver_free(r);
	return 0;
}
