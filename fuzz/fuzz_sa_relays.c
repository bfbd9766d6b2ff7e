/*
 * fuzz_sa_relays.c - libFuzzer target for the Received parser
 * (src/spam/sa_relays.c).  The first byte picks the options (bit 0:
 * trusted_networks 10.0.0.0/8 and 192.0.2.0/24; bit 1: internal_networks
 * 10.0.0.0/8; bit 2: tight limits, 256-byte fields, 8 hops, a small match
 * limit; bit 3: X-Originating-IP an originating header); the rest is cut
 * at NUL bytes into header fields: "Name: value" when the piece has a
 * colon in its first 40 bytes, else a Received field of that value.
 *
 * Checked: each field parsed alone gives -1, 0 or 1, and on 1 a relay
 * whose as_string is "[ ip=... msa=0 ]" on one line and whose address
 * holds no blank; over the whole header, the trusted and untrusted
 * relays are disjoint parts of the parsed ones (fewer when a fetchmail
 * hop restarted the trusted part), the same for internal and external,
 * each flagged as its list says; every internal relay is trusted; the
 * counts add up; the X-Spam-Relays-* texts are the relays' as_string
 * joined; and sa_relays_untrusted_ips() lists the untrusted addresses in
 * order.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spam/sa_msg.h"
#include "spam/sa_relays.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_relay(const struct sa_relay *r)
{
	size_t n = strlen(r->as_string);
	if (strncmp(r->as_string, "[ ip=", 5) != 0 || n < 8 ||
	    strcmp(r->as_string + n - 8, " msa=0 ]") != 0 || strchr(r->as_string, '\n') != NULL)
		abort();
	if (strpbrk(r->ip, " \t\r\n") != NULL)
		abort();
}

static void
field_free(gpointer p)
{
	struct sa_field *f = p;
	g_free(f->name);
	g_free(f->raw);
	g_free(f->decoded);
	g_free(f);
}

static char *
joined(const GPtrArray *a)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++) {
		if (i > 0)
			g_string_append_c(g, ' ');
		g_string_append(g, ((const struct sa_relay *)a->pdata[i])->as_string);
	}
	return g_string_free(g, FALSE);
}

static void
check_split(const struct sa_relays *r, const GPtrArray *a, const GPtrArray *b, bool trust)
{
	if (a->len + b->len > r->all->len)
		abort();
	for (guint i = 0; i < a->len; i++) {
		const struct sa_relay *x = a->pdata[i];
		if ((trust ? x->trusted : x->internal) != true)
			abort();
		for (guint j = 0; j < b->len; j++)
			if (b->pdata[j] == x)
				abort();
	}
	for (guint j = 0; j < b->len; j++) {
		const struct sa_relay *x = b->pdata[j];
		if ((trust ? x->trusted : x->internal) != false)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	uint8_t opt = data[0];
	struct sa_relay_limits lim = sa_relay_limits_default;
	if (opt & 4) {
		lim.field_max = 256;
		lim.hops_max = 8;
		lim.match_limit = 2000;
		lim.depth_limit = 200;
	}
	GPtrArray *fields = g_ptr_array_new_with_free_func(field_free);
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (p < end && fields->len < 200) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		const char *e = z != NULL ? z : end;
		size_t n = (size_t)(e - p);
		struct sa_field *f = g_new0(struct sa_field, 1);
		const char *colon = memchr(p, ':', MIN(n, (size_t)40));
		if (colon != NULL) {
			f->name = g_strndup(p, (gsize)(colon - p));
			f->decoded = g_strndup(colon + 1, n - (size_t)(colon + 1 - p));
		} else {
			f->name = g_strdup("Received");
			f->decoded = g_strndup(p, n);
		}
		f->raw = g_strdup(f->decoded);
		g_ptr_array_add(fields, f);

		struct sa_relay one;
		int rc = sa_received_parse(f->decoded, strlen(f->decoded), &lim, &one);
		if (rc < -1 || rc > 1)
			abort();
		if (rc == 1) {
			check_relay(&one);
			sa_relay_clear(&one);
		}
		p = e + 1;
	}

	char err[160];
	const char *tn[] = { "10.0.0.0/8", "192.0.2.0/24" };
	struct sa_netset *trusted = (opt & 1) ? sa_netset_new(tn, 2, err, sizeof err) : NULL;
	struct sa_netset *internal = (opt & 2) ? sa_netset_new(tn, 1, err, sizeof err) : NULL;
	const char *const orig[] = { "X-Originating-IP", NULL };
	struct sa_relay_opts o = { .trusted = trusted, .internal = internal,
	    .originating = (opt & 8) ? orig : NULL, .limits = lim };
	struct sa_relays *r = sa_relays_parse(fields, &o);
	if (r->received > lim.hops_max || r->unparseable > r->received + ((opt & 8) ? 1u : 0u))
		abort();
	for (guint i = 0; i < r->all->len; i++)
		check_relay(r->all->pdata[i]);
	check_split(r, r->trusted, r->untrusted, true);
	check_split(r, r->internal, r->external, false);
	for (guint i = 0; i < r->internal->len; i++)
		if (!((const struct sa_relay *)r->internal->pdata[i])->trusted)
			abort();
	char *s[4] = { joined(r->trusted), joined(r->untrusted), joined(r->internal),
	    joined(r->external) };
	if (strcmp(s[0], r->trusted_str) != 0 || strcmp(s[1], r->untrusted_str) != 0 ||
	    strcmp(s[2], r->internal_str) != 0 || strcmp(s[3], r->external_str) != 0)
		abort();
	for (int k = 0; k < 4; k++)
		g_free(s[k]);
	const char *ips[4];
	size_t nip = sa_relays_untrusted_ips(r, ips, 4), k = 0;
	for (guint i = 0; i < r->untrusted->len; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		if (x->ip[0] == '\0')
			continue;
		if (k < 4 && ips[k] != x->ip)
			abort();
		k++;
	}
	if (k != nip)
		abort();
	sa_relays_free(r);
	sa_netset_free(trusted);
	sa_netset_free(internal);
	g_ptr_array_unref(fields);
	return 0;
}
