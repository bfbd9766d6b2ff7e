/*
 * fuzz_sa_eval_header.c - libFuzzer target for SpamAssassin's header eval
 * functions (src/spam/sa_eval_header.c).  The input is a message: its
 * header block is parsed as the spam module parses it (sa_fields_parse),
 * its body lines become the body text the FreeMail functions read.  The
 * first byte picks whether the scan has an SMTP envelope sender (bit 0).
 * Every function of the family runs with the arguments the stock rules
 * give, against settings that reach every path (freemail_domains with
 * wildcards, TLDs, lists, ok_locales en).
 *
 * Checked: every call is accepted; every answer is 0, 1 or -1 (-1 only
 * where a setting cannot be honoured: never with these settings); a second
 * run on the same scan (the per-scan cache) gives the same answer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const calls[][2] = {
	{ "check_for_missing_to_header", "" },
	{ "check_for_shifted_date", "'-6', '-3'" },
	{ "check_for_shifted_date", "'undef', '-96'" },
	{ "check_for_shifted_date", "'2920', 'undef'" },
	{ "check_header_count_range", "'Subject','2','999'" },
	{ "check_illegal_chars", "'Subject','0.00','2'" },
	{ "check_illegal_chars", "'ALL','0.010','2'" },
	{ "check_for_to_in_subject", "'user'" },
	{ "check_for_to_in_subject", "'address'" },
	{ "check_for_faraway_charset_in_headers", "" },
	{ "check_outlook_message_id", "" },
	{ "check_ratware_name_id", "" },
	{ "check_ratware_envelope_from", "" },
	{ "check_for_matching_env_and_hdr_from", "" },
	{ "check_equal_from_domains", "" },
	{ "sorted_recipients", "" },
	{ "similar_recipients", "'0.65','undef'" },
	{ "subject_is_all_caps", "" },
	{ "check_unresolved_template", "" },
	{ "gated_through_received_hdr_remover", "" },
	{ "check_for_fake_aol_relay_in_rcvd", "" },
	{ "check_for_forged_hotmail_received_headers", "" },
	{ "check_for_no_hotmail_received_headers", "" },
	{ "check_for_forged_eudoramail_received_headers", "" },
	{ "check_for_forged_juno_received_headers", "" },
	{ "check_for_forged_gmail_received_headers", "" },
	{ "check_freemail_from", "" },
	{ "check_freemail_header", "'Reply-To', '\\d@'" },
	{ "check_freemail_header", "'EnvelopeFrom'" },
	{ "check_freemail_replyto", "'replyto'" },
	{ "check_freemail_replyto", "'reply'" },
	{ "check_from_in_list", "'L'" },
	{ "check_replyto_in_list", "'L'" },
	{ "check_from_in_blocklist", "" },
	{ "check_from_in_welcomelist", "" },
	{ "check_from_in_default_welcomelist", "" },
	{ "check_to_in_welcomelist", "" },
	{ "check_to_in_all_spam", "" },
	{ "check_subject_in_blocklist", "" },
};

static struct sa_ruleset *rs;
static struct sa_eval_call *call[G_N_ELEMENTS(calls)];

static void
setting(const char *key, const char *value)
{
	GPtrArray *a = g_hash_table_lookup(rs->settings, key);
	if (a == NULL) {
		a = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(rs->settings, g_strdup(key), a);
	}
	g_ptr_array_add(a, g_strdup(value));
}

static void
setup(void)
{
	mime_init();
	rs = sa_ruleset_new();
	setting("freemail_domains", "hotmail.com yahoo.* mail?.example gmail.com");
	setting("freemail_welcomelist", "friend@hotmail.com");
	setting("util_rb_tld", "com org net uk example");
	setting("util_rb_2tld", "co.uk");
	setting("enlist_addrlist", "(L) *@*.com a?b@example.org");
	setting("blocklist_from", "*@*.net");
	setting("unblocklist_from", "x@y.net");
	setting("welcomelist_from", "*@example.*");
	setting("welcomelist_to", "*@*");
	setting("all_spam_to", "root@*");
	setting("blocklist_subject", "*free*");
	setting("ok_locales", "en");
	for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
		char err[200];
		call[i] = sa_eval_call_new("R", calls[i][0], calls[i][1], err, sizeof err);
		if (call[i] == NULL)
			abort();	/* every call is accepted */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	if (size == 0)
		return 0;
	bool envelope = data[0] & 1;
	data++;
	size--;
	GPtrArray *f = sa_fields_parse(data, size);
	/* the body's lines (after the first empty line), at most 200 */
	GPtrArray *body = g_ptr_array_new_with_free_func(g_free);
	const uint8_t *end = data + size, *p = data;
	for (const uint8_t *q = data; q + 1 < end; q++)
		if (q[0] == '\n' && q[1] == '\n') {
			p = q + 2;
			break;
		}
	while (p < end && body->len < 200) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = nl != NULL ? nl : end;
		g_ptr_array_add(body, g_strndup((const char *)p, (gsize)(e - p)));
		p = e + 1;
	}
	struct sa_eval_msg m = { .raw = data, .raw_len = size, .fields = f, .body = body,
	    .mail_from = envelope ? "Sender1@Example.co.uk" : NULL, .rs = rs, .bayes = -1 };
	int first[G_N_ELEMENTS(calls)];
	for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
		first[i] = sa_eval_run(&m, call[i]);
		if (first[i] < 0 || first[i] > 1)
			abort();
	}
	for (size_t i = 0; i < G_N_ELEMENTS(calls); i++)
		if (sa_eval_run(&m, call[i]) != first[i])
			abort();	/* the per-scan cache changes nothing */
	sa_eval_msg_clear(&m);
	g_ptr_array_free(body, TRUE);
	g_ptr_array_free(f, TRUE);
	return 0;
}
