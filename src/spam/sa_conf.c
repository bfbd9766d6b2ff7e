/*
 * sa_conf.c - SpamAssassin rule files (.cf) read into a rule set
 * (sa_conf.h; SpamAssassin 4.0.1's Conf.pm, Conf/Parser.pm, Util.pm
 * compile_regexp() and Plugin/ReplaceTags.pm give the semantics).
 *
 * One line at a time: comments cut at the first '#' not escaped by a
 * backslash ("\#" becomes '#'), blanks trimmed, "lang" lines dropped, the
 * directive (lower-cased, '-' read as '_') looked up.  The conditional
 * blocks keep a stack per file (at most opts->if_depth deep), the `if`
 * expressions are evaluated by a small recursive-descent evaluator (at most
 * IF_EXPR_DEPTH nested), includes recurse at most opts->include_depth
 * (itself capped at SA_INCLUDE_DEPTH_CAP) deep.  Nothing else recurses.
 *
 * Known differences from SpamAssassin, on purpose:
 *   - `include` inside a block not taken is not read (SpamAssassin reads it
 *     and resets the including file's if stack); an included file has its
 *     own if stack;
 *   - replace_start/replace_end are literal strings (SpamAssassin
 *     interpolates them into a regular expression; the stock "<" and ">"
 *     read the same either way);
 *   - patterns are not compiled here (sa_match.h does): a pattern Perl would
 *     reject for its syntax is only found there;
 *   - `reuse` lines (mass-check) define no rule; they go to the settings.
 */
#include "spam/sa_conf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The plugins whose rules mamori evaluates natively (their last component;
 * `ifplugin Mail::SpamAssassin::Plugin::X` is taken when X is here):
 *   Check         the rule types themselves (header, body, uri, meta ...)
 *   HeaderEval    header eval: functions (dates, missing headers, case ...)
 *   BodyEval      body eval: functions (body length, stock info ...)
 *   MIMEEval      MIME structure checks
 *   HTMLEval      HTML statistics (html_image_only, html_range ...)
 *   URIEval       URI checks
 *   RelayEval     Received header checks
 *   MIMEHeader    the mimeheader rule type
 *   ReplaceTags   replace_* tags expanded at sa_conf_finish()
 *   FreeMail      freemail_domains and its evals
 *   WLBLEval      welcomelist/blocklist evals
 *   DKIM, SPF, DMARC   mapped onto mamori's own authentication results
 *   Bayes         BAYES_* mapped onto mamori's classifier
 *   URIDetail     uri_detail (counted as not supported by the parser yet)
 *   HTTPSMismatch https_http_mismatch
 *   DNSEval       check_rbl, check_rbl_sub, check_rbl_txt on mamori's DNS
 *                 lists (module dnsbl)
 *   ImageInfo     image_count, pixel_coverage, image_to_text_ratio
 */
static const char *const default_plugins[] = {
	"Check", "HeaderEval", "BodyEval", "MIMEEval", "HTMLEval", "URIEval",
	"RelayEval", "MIMEHeader", "ReplaceTags", "FreeMail", "WLBLEval",
	"DKIM", "SPF", "DMARC", "Bayes", "URIDetail", "HTTPSMismatch", "DNSEval", "ImageInfo",
	NULL,
};

const struct sa_parse_opts sa_parse_defaults = {
	.plugins = default_plugins,
	.version = 4.000001,
	.include_depth = 8,
	.file_max = 8u << 20,
	.line_max = 64u << 10,
	.rules_max = 20000,
	.if_depth = 64,
};

#define SA_INCLUDE_DEPTH_CAP 32	/* whatever opts say */
#define SA_IF_DEPTH_DEFAULT 64	/* opts->if_depth 0 */
#define IF_EXPR_DEPTH 64	/* nested parentheses / unary operators */
#define RULE_NAME_MAX 100	/* SpamAssassin's add_test() refuses longer */
#define REPLACE_MAX (1u << 20)	/* bytes of a pattern after its tags */
#define REPLACE_TOTAL (64u << 20)	/* bytes of all the replaced patterns */
#define EXAMPLE_MAX 200		/* bytes of a line quoted in an example */

/*
 * Directives that are settings (the names SpamAssassin 4.0.1's Conf.pm and
 * its plugins register as settings or commands, aliases included, those
 * their parse_config() takes, less the ones handled below), in strcmp()
 * order for bsearch().  Also settings: bayes_stopword_XX, hashbl_acl_NAME
 * (by prefix).
 */
static const char *const settings[] = {
	"add_header", "adsp_override", "all_spam_to", "allow_user_rules",
	"always_trust_envelope_sender", "asn_lookup", "asn_lookup_ipv6", "asn_prefer_geodb",
	"asn_prefix", "asn_use_dns", "asn_use_geodb", "authres_ignored_authserv",
	"authres_networks", "authres_trusted_authserv", "auto_welcomelist_db_modules", "auto_welcomelist_distinguish_signed",
	"auto_welcomelist_factor", "auto_welcomelist_factory", "auto_welcomelist_file_mode", "auto_welcomelist_ipv4_mask_len",
	"auto_welcomelist_ipv6_mask_len", "auto_welcomelist_path", "auto_whitelist_db_modules", "auto_whitelist_distinguish_signed",
	"auto_whitelist_factor", "auto_whitelist_factory", "auto_whitelist_file_mode", "auto_whitelist_ipv4_mask_len",
	"auto_whitelist_ipv6_mask_len", "auto_whitelist_path", "bayes_auto_expire", "bayes_auto_learn",
	"bayes_auto_learn_on_error", "bayes_auto_learn_threshold_nonspam", "bayes_auto_learn_threshold_spam", "bayes_expiry_max_db_size",
	"bayes_file_mode", "bayes_ignore_from", "bayes_ignore_header", "bayes_ignore_to",
	"bayes_journal_max_size", "bayes_learn_during_report", "bayes_learn_to_journal", "bayes_max_token_length",
	"bayes_min_ham_num", "bayes_min_spam_num", "bayes_path", "bayes_seen_ttl",
	"bayes_sql_dsn", "bayes_sql_override_username", "bayes_sql_password", "bayes_sql_username",
	"bayes_sql_username_authorized", "bayes_stopword_languages", "bayes_store_module", "bayes_token_sources",
	"bayes_token_ttl", "bayes_use_hapaxes", "blacklist_from", "blacklist_subject",
	"blacklist_to", "blacklist_uri_host", "blocklist_from", "blocklist_subject",
	"blocklist_to", "blocklist_uri_host", "body_part_scan_size", "clear_asn_lookups",
	"clear_dns_query_restriction", "clear_dns_query_restrictions", "clear_dns_servers", "clear_headers",
	"clear_internal_networks", "clear_msa_networks", "clear_originating_ip_headers", "clear_report_template",
	"clear_trusted_networks", "clear_unsafe_report_template", "clear_uridnsbl_skip_domain", "clear_url_shortener",
	"clear_util_rb", "country_db_path", "country_db_type", "dcc_body_max",
	"dcc_dccifd_path", "dcc_fuz1_max", "dcc_fuz2_max", "dcc_home",
	"dcc_learn_score", "dcc_options", "dcc_path", "dcc_rep_percent",
	"dcc_timeout", "dccifd_options", "def_welcomelist_auth", "def_welcomelist_from_dkim",
	"def_welcomelist_from_rcvd", "def_welcomelist_from_spf", "def_whitelist_auth", "def_whitelist_from_dkim",
	"def_whitelist_from_rcvd", "def_whitelist_from_spf", "delist_uri_host", "descriptions",
	"dkim_minimum_key_bits", "dkim_timeout", "dmarc_save_reports", "dns_available",
	"dns_block_time", "dns_local_ports_avoid", "dns_local_ports_none", "dns_local_ports_permit",
	"dns_options", "dns_query_restriction", "dns_server", "dns_test_interval",
	"do_not_use_mail_spf", "do_not_use_mail_spf_query", "enable_compat", "enlist_addrlist",
	"enlist_uri_host", "envelope_sender_header", "extracttext_maxparts", "extracttext_timeout",
	"extracttext_use", "fns_add_addrlist", "fns_check", "fns_extrachars",
	"fns_ignore_dkim", "fns_ignore_headers", "fns_remove_addrlist", "fold_headers",
	"freemail_add_describe_email", "freemail_domains", "freemail_import_def_welcomelist_auth", "freemail_import_def_whitelist_auth",
	"freemail_import_welcomelist_auth", "freemail_import_whitelist_auth", "freemail_max_body_emails", "freemail_max_body_freemails",
	"freemail_skip_bulk_envfrom", "freemail_skip_when_over_max", "freemail_welcomelist", "freemail_whitelist",
	"geodb_module", "geodb_options", "geodb_search_path", "hashbl_email_domain_alias",
	"hashbl_email_regex", "hashbl_email_welcomelist", "hashbl_email_whitelist", "hashbl_ignore",
	"ignore_always_matching_regexps", "ignore_received_spf_header", "inactive_languages", "internal_networks",
	"lock_method", "max_short_url_redirections", "max_short_urls", "mbox_format_from_regex",
	"more_spam_to", "msa_networks", "normalize_charset", "ok_languages",
	"ok_locales", "olemacro_download_marker", "olemacro_extended_scan", "olemacro_exts",
	"olemacro_macro_exts", "olemacro_max_file", "olemacro_num_mime", "olemacro_num_zip",
	"olemacro_prefer_contentdisposition", "olemacro_skip_ctypes", "olemacro_skip_exts", "olemacro_zip_depth",
	"olemacro_zips", "originating_ip_headers", "parse_dkim_uris", "phishing_openphish_feed",
	"phishing_phishstats_feed", "phishing_phishstats_minscore", "phishing_phishtank_feed", "phishing_uri_noparam",
	"pyzor_count_min", "pyzor_fork", "pyzor_max", "pyzor_options",
	"pyzor_path", "pyzor_perl", "pyzor_server_file", "pyzor_timeout",
	"pyzor_welcomelist_factor", "pyzor_welcomelist_min", "pyzor_whitelist_factor", "pyzor_whitelist_min",
	"rawbody_part_scan_size", "razor_config", "razor_fork", "razor_timeout",
	"rbl_headers", "rbl_timeout", "redirector_pattern", "remove_header",
	"report", "report_charset", "report_contact", "report_hostname",
	"report_safe", "report_safe_copy_headers", "report_template", "report_wrap_width",
	"required_hits", "required_score", "resource_limit_cpu", "resource_limit_mem",
	"reuse", "rewrite_header", "run_reuse_tests_only", "shortcircuit",
	"shortcircuit_ham_score", "shortcircuit_max_spam_score", "shortcircuit_min_ham_score", "shortcircuit_spam_score",
	"skip_rbl_checks", "skip_uribl_checks", "spamcop_from_address", "spamcop_max_report_size",
	"spamcop_relayhost", "spamcop_to_address", "spf_timeout", "subjprefix",
	"test", "textcat_acceptable_score", "textcat_max_languages", "textcat_max_ngrams",
	"textcat_optimal_ngrams", "time_limit", "trigger_config", "trigger_ratio",
	"trigger_target", "trusted_networks", "txrep_autolearn", "txrep_dilution_factor",
	"txrep_expiry_days", "txrep_factor", "txrep_factory", "txrep_ipv4_mask_len",
	"txrep_ipv6_mask_len", "txrep_learn_bonus", "txrep_learn_penalty", "txrep_report_details",
	"txrep_spf", "txrep_track_messages", "txrep_user2global_ratio", "txrep_weight_domain",
	"txrep_weight_email", "txrep_weight_email_ip", "txrep_weight_helo", "txrep_weight_ip",
	"txrep_welcomelist_out", "txrep_whitelist_out", "unblacklist_from", "unblocklist_from",
	"unsafe_report", "unsafe_report_template", "unwelcomelist_auth", "unwelcomelist_from",
	"unwelcomelist_from_dkim", "unwelcomelist_from_rcvd", "unwelcomelist_from_spf", "unwhitelist_auth",
	"unwhitelist_from", "unwhitelist_from_dkim", "unwhitelist_from_rcvd", "unwhitelist_from_spf",
	"uri_block_cc", "uri_block_cidr", "uri_block_cont", "uri_block_exclude",
	"uri_block_isp", "uri_country_db_isp_path", "uri_country_db_path", "uri_host_lists",
	"uridnsbl_max_domains", "uridnsbl_skip_domain", "uridnsbl_skip_mailto", "uridnsbl_timeout",
	"url_shortener", "url_shortener_cache_autoclean", "url_shortener_cache_dsn", "url_shortener_cache_password",
	"url_shortener_cache_ttl", "url_shortener_cache_type", "url_shortener_cache_username", "url_shortener_get",
	"url_shortener_loginfo", "url_shortener_timeout", "url_shortener_user_agent", "use_auto_welcomelist",
	"use_auto_whitelist", "use_bayes", "use_bayes_rules", "use_dcc",
	"use_dcc_rep", "use_learner", "use_newest_received_spf_header", "use_pyzor",
	"use_razor2", "use_txrep", "user_awl_dsn", "user_awl_sql_override_username",
	"user_awl_sql_password", "user_awl_sql_table", "user_awl_sql_username", "user_scores_dsn",
	"user_scores_fallback_to_global", "user_scores_ldap_password", "user_scores_ldap_username", "user_scores_sql_custom_query",
	"user_scores_sql_password", "user_scores_sql_username", "util_rb_2tld", "util_rb_3tld",
	"util_rb_tld", "version_tag", "welcomelist_allows_relays", "welcomelist_auth",
	"welcomelist_bounce_relays", "welcomelist_from", "welcomelist_from_dkim", "welcomelist_from_rcvd",
	"welcomelist_from_spf", "welcomelist_subject", "welcomelist_to", "welcomelist_uri_host",
	"whitelist_allows_relays", "whitelist_auth", "whitelist_bounce_relays", "whitelist_from",
	"whitelist_from_dkim", "whitelist_from_rcvd", "whitelist_from_spf", "whitelist_subject",
	"whitelist_to", "whitelist_uri_host",
};

/* Rule types of network lookups mamori does not run from rule files (its
 * DNS lists are configured apart): counted as "network rule type: X". */
static const char *const network_types[] = {
	"askdns", "dns_block_rule", "uridnsbl", "uridnssub", "urifullnsrhsbl",
	"urifullnsrhssub", "urinsrhsbl", "urinsrhssub", "urirhsbl", "urirhssub",
};

/* `can(Mail::SpamAssassin::Conf::X)`: the Conf features SpamAssassin 4.0.1
 * declares true. */
static const char *const conf_features[] = {
	"feature_bayes_auto_learn_on_error", "feature_bayes_stopwords",
	"feature_blocklist_welcomelist", "feature_bug6558_free",
	"feature_capture_rules", "feature_compile_regexp",
	"feature_dns_block_rule", "feature_dns_local_ports_permit_avoid",
	"feature_dns_query_restriction", "feature_edns", "feature_geodb",
	"feature_get_host", "feature_header_address_parser",
	"feature_header_first_last", "feature_header_match_many",
	"feature_local_tests_only", "feature_meta_rules_matching",
	"feature_originating_ip_headers", "feature_registryboundaries",
	"feature_subjprefix", "feature_uri_host_listed",
	"feature_welcomelist_blocklist", "feature_yesno_takes_args",
	"has_tflags_nolog", "has_tflags_nosubject", "perl_min_version_5010000",
};

/* `can(Mail::SpamAssassin::Plugin::P::m)`: true when P is loaded and
 * declares m (SpamAssassin 4.0.1's methods of the plugins of
 * default_plugins; a plugin added there needs its has_ methods here). */
static const struct {
	const char *plugin, *method;
} plugin_features[] = {
	{"BodyEval", "has_check_body_length"},
	{"BodyEval", "has_plaintext_body_sig_ratio"},
	{"MIMEEval", "has_check_for_ascii_text_illegal"},
	{"MIMEEval", "has_check_abundant_unicode_ratio"},
	{"MIMEEval", "has_check_qp_ratio"},
	{"MIMEHeader", "has_all_header"},
	{"MIMEHeader", "has_tflags_range"},
	{"MIMEHeader", "has_tflags_concat"},
	{"MIMEHeader", "has_tflags_multiple"},
	{"MIMEHeader", "has_capture_rules"},
	{"DKIM", "has_arc"},
	{"SPF", "has_check_for_spf_errors"},
	{"SPF", "has_check_spf_skipped_noenvfrom"},
	{"URIDetail", "has_host_key"},
};

struct replace {
	char *start, *end;		/* NULL: "<" and ">" */
	GHashTable *tag, *pre, *inter, *post;	/* name -> value */
	GPtrArray *rules;		/* names, in order, no duplicates */
	GHashTable *rules_set;
};

/* One parse: the options and where we are. */
struct pctx {
	struct sa_ruleset *rs;
	const struct sa_parse_opts *o;
	const char *file;	/* interned in rs (file_names) */
	unsigned line;
	const char *text;	/* the line as read, for examples */
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void
rule_free(gpointer p)
{
	struct sa_rule *r = p;
	if (!r)
		return;
	g_free(r->name);
	g_free(r->re);
	g_free(r->re_flags);
	g_free(r->hdr);
	g_free(r->if_unset);
	g_free(r->eval);
	g_free(r->eval_args);
	g_free(r->meta);
	g_free(r->describe);
	g_free(r->tflags_text);
	g_free(r);
}

static void
replace_free(struct replace *rp)
{
	if (!rp)
		return;
	g_free(rp->start);
	g_free(rp->end);
	g_hash_table_destroy(rp->tag);
	g_hash_table_destroy(rp->pre);
	g_hash_table_destroy(rp->inter);
	g_hash_table_destroy(rp->post);
	g_ptr_array_free(rp->rules, TRUE);
	g_hash_table_destroy(rp->rules_set);
	g_free(rp);
}

static void
ptr_array_free(gpointer p)
{
	g_ptr_array_free(p, TRUE);
}

struct sa_ruleset *
sa_ruleset_new(void)
{
	struct sa_ruleset *rs = g_new0(struct sa_ruleset, 1);
	rs->rules = g_ptr_array_new_with_free_func(rule_free);
	rs->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	rs->skipped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	rs->skipped_example = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rs->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ptr_array_free);
	rs->file_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct replace *rp = g_new0(struct replace, 1);
	rp->tag = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rp->pre = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rp->inter = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rp->post = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rp->rules = g_ptr_array_new_with_free_func(g_free);
	rp->rules_set = g_hash_table_new(g_str_hash, g_str_equal);
	rs->replace = rp;
	return rs;
}

void
sa_ruleset_free(struct sa_ruleset *rs)
{
	if (!rs)
		return;
	g_hash_table_destroy(rs->by_name);
	g_ptr_array_free(rs->rules, TRUE);
	g_hash_table_destroy(rs->skipped);
	g_hash_table_destroy(rs->skipped_example);
	g_hash_table_destroy(rs->settings);
	g_hash_table_destroy(rs->file_names);
	replace_free(rs->replace);
	g_free(rs);
}

const struct sa_rule *
sa_ruleset_get(const struct sa_ruleset *rs, const char *name)
{
	return rs && name ? g_hash_table_lookup(rs->by_name, name) : NULL;
}

unsigned
sa_ruleset_skipped(const struct sa_ruleset *rs, const char *reason)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(rs->skipped, reason));
}

/* Count reason; the first example of each kept (file:line: text). */
static void
skip_at(struct sa_ruleset *rs, const char *reason, const char *file, unsigned line,
    const char *text)
{
	gpointer k, v;
	if (g_hash_table_lookup_extended(rs->skipped, reason, &k, &v)) {
		g_hash_table_insert(rs->skipped, g_strdup(reason),
		    GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
		return;
	}
	g_hash_table_insert(rs->skipped, g_strdup(reason), GUINT_TO_POINTER(1));
	GString *ex = g_string_new(NULL);
	g_string_append_printf(ex, "%s:%u: ", file ? file : "?", line);
	if (text) {
		size_t n = strlen(text);
		g_string_append_len(ex, text, n > EXAMPLE_MAX ? EXAMPLE_MAX : n);
		if (n > EXAMPLE_MAX)
			g_string_append(ex, "...");
	}
	g_hash_table_insert(rs->skipped_example, g_strdup(reason), g_string_free(ex, FALSE));
}

static void
skip(struct pctx *c, const char *reason)
{
	skip_at(c->rs, reason, c->file, c->line, c->text);
}

static bool
is_word(unsigned char ch)
{
	return isalnum(ch) || ch == '_';
}

/* SpamAssassin's RULENAME_RE, and the length add_test() accepts */
static bool
valid_rule_name(const char *s, size_t n)
{
	if (n == 0 || n > RULE_NAME_MAX)
		return false;
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word((unsigned char)s[i]))
			return false;
	return true;
}

/* Split off the first whitespace-separated word of *v: its start and
 * length; *v moves past it and the blanks after it. */
static size_t
next_word(const char **v, const char **w)
{
	const char *p = *v;
	while (*p && isspace((unsigned char)*p))
		p++;
	*w = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	size_t n = (size_t)(p - *w);
	while (*p && isspace((unsigned char)*p))
		p++;
	*v = p;
	return n;
}

/* The rule named s[0..n), created (undefined) when absent; NULL when the
 * name is invalid or the set is full (counted). */
static struct sa_rule *
rule_get(struct pctx *c, const char *s, size_t n)
{
	if (!valid_rule_name(s, n)) {
		skip(c, "invalid rule name");
		return NULL;
	}
	char name[RULE_NAME_MAX + 1];
	memcpy(name, s, n);
	name[n] = '\0';
	struct sa_rule *r = g_hash_table_lookup(c->rs->by_name, name);
	if (r)
		return r;
	if (c->rs->rules->len >= c->o->rules_max) {
		skip(c, "rules_max reached");
		return NULL;
	}
	r = g_new0(struct sa_rule, 1);
	r->name = g_strndup(s, n);
	r->file = c->file;
	r->line = c->line;
	g_ptr_array_add(c->rs->rules, r);
	g_hash_table_insert(c->rs->by_name, r->name, r);
	return r;
}

/* A definition replaces the earlier one: type and pattern, not the
 * attributes. */
static void
rule_clear_definition(struct sa_rule *r)
{
	g_clear_pointer(&r->re, g_free);
	g_clear_pointer(&r->re_flags, g_free);
	g_clear_pointer(&r->hdr, g_free);
	g_clear_pointer(&r->if_unset, g_free);
	g_clear_pointer(&r->eval, g_free);
	g_clear_pointer(&r->eval_args, g_free);
	g_clear_pointer(&r->meta, g_free);
	r->negate = false;
	r->exists = false;
	r->mod = SA_HDR_DECODED;
	r->mods = 0;
}

/*
 * A regular expression literal as compile_regexp() takes it: "/re/flags",
 * "m{re}flags" (also (), <>, []), "mXreXflags" for any other non-word X
 * but a backslash (also "qr").  The end is the last delimiter followed by
 * flags only ([a-df-z]: never "e"); for a delimiter other than }, ) and ]
 * an unescaped one inside is refused, and so is Perl code (?{ }).  NULL
 * with *why on failure.
 */
static bool
regex_literal(const char *s, char **re, char **flags, const char **why)
{
	size_t n = strlen(s);
	const char *p = s;
	char end;
	if (*p == '/') {
		end = '/';
		p++;
	} else {
		if (p[0] == 'm')
			p++;
		else if (p[0] == 'q' && p[1] == 'r')
			p += 2;
		else {
			*why = "missing regexp delimiters";
			return false;
		}
		unsigned char d = (unsigned char)*p;
		switch (d) {
		case '{': end = '}'; break;
		case '(': end = ')'; break;
		case '<': end = '>'; break;
		case '[': end = ']'; break;
		default:
			if (d == '\0' || is_word(d)) {
				*why = "missing regexp delimiters";
				return false;
			}
			if (d == '\\') {
				*why = "backslash delimiter not allowed";
				return false;
			}
			end = (char)d;
		}
		p++;
	}
	const char *last = memrchr(p, end, n - (size_t)(p - s));
	if (!last) {
		*why = "invalid end delimiter/mods";
		return false;
	}
	for (const char *f = last + 1; *f; f++)
		if (!(*f >= 'a' && *f <= 'z' && *f != 'e')) {
			*why = "invalid end delimiter/mods";
			return false;
		}
	size_t rlen = (size_t)(last - p);
	char *body = g_strndup(p, rlen);
	if (strstr(body, "(?{") || strstr(body, "(??{")) {
		g_free(body);
		*why = "eval (?{}) found";
		return false;
	}
	if (end != '}' && end != ')' && end != ']') {
		/* "\\" pairs removed, then an unescaped delimiter refused */
		bool prev_bs = false;
		for (size_t i = 0; i < rlen; i++) {
			char ch = p[i];
			if (ch == '\\' && i + 1 < rlen && p[i + 1] == '\\') {
				i++;
				prev_bs = false;
				continue;
			}
			if (ch == end && !prev_bs) {
				g_free(body);
				*why = "unquoted delimiter found";
				return false;
			}
			prev_bs = ch == '\\';
		}
	}
	*re = body;
	*flags = g_strdup(last + 1);
	return true;
}

/* "fn(args)" of an eval: \w+ then '(' ... ')' at the very end. */
static bool
eval_call(const char *s, char **fn, char **args)
{
	const char *p = s;
	while (is_word((unsigned char)*p))
		p++;
	size_t n = strlen(s);
	if (p == s || *p != '(' || n < 2 || s[n - 1] != ')' || (size_t)(p - s) >= n - 1)
		return false;
	*fn = g_strndup(s, (size_t)(p - s));
	*args = g_strndup(p + 1, n - 2 - (size_t)(p - s));
	return true;
}

static const struct {
	const char *name;
	enum sa_hdr_mod mod;
} hdr_mods[] = {
	{"raw", SA_HDR_RAW}, {"addr", SA_HDR_ADDR}, {"name", SA_HDR_NAME},
	{"host", SA_HDR_HOST}, {"domain", SA_HDR_DOMAIN}, {"ip", SA_HDR_IP},
	{"revip", SA_HDR_REVIP}, {"first", SA_HDR_FIRST}, {"last", SA_HDR_LAST},
};

static bool
hdr_name_char(unsigned char ch)
{
	return is_word(ch) || ch == '.' || ch == '-';
}

/* "[if-unset: STR]" at the end of a pattern (after blanks): cut off,
 * STR returned (SpamAssassin's s/\s+\[if-unset:\s+(.+)\]$//). */
static char *
cut_if_unset(char *pat)
{
	size_t n = strlen(pat);
	if (n == 0 || pat[n - 1] != ']')
		return NULL;
	for (char *q = strstr(pat, "[if-unset:"); q; q = strstr(q + 1, "[if-unset:")) {
		if (q == pat || !isspace((unsigned char)q[-1]))
			continue;
		char *v = q + strlen("[if-unset:");
		if (!isspace((unsigned char)*v))
			continue;
		while (isspace((unsigned char)*v))
			v++;
		if (v >= pat + n - 1) {
			/* only blanks: \s+ gives one back to (.+) */
			if (v - 1 >= q + strlen("[if-unset:") + 1 && v - 1 < pat + n - 1)
				v--;
			else
				continue;
		}
		char *val = g_strndup(v, (size_t)(pat + n - 1 - v));
		char *cut = q;
		while (cut > pat && isspace((unsigned char)cut[-1]))
			cut--;
		*cut = '\0';
		return val;
	}
	return NULL;
}

/* Parse "Header[:mod[:mod]] =~ /re/flags [if-unset: X]" (or !~, or
 * exists:Header) into r; false with *why. mime: mimeheader's syntax (any
 * name without ':' or blanks, only ":raw"). */
static bool
parse_header_test(struct sa_rule *r, const char *v, bool mime, const char **why)
{
	if (!mime && strncmp(v, "exists:", 7) == 0) {
		const char *h = v + 7;
		size_t n = strlen(h);
		if (n && h[n - 1] == ':')
			n--;
		if (n == 0) {
			*why = "invalid header test";
			return false;
		}
		for (size_t i = 0; i < n; i++)
			if (!hdr_name_char((unsigned char)h[i])) {
				*why = "invalid header test";
				return false;
			}
		r->hdr = g_strndup(h, n);
		r->exists = true;
		return true;
	}
	const char *p = v;
	if (mime) {
		while (*p && *p != ':' && !isspace((unsigned char)*p))
			p++;
	} else {
		while (hdr_name_char((unsigned char)*p))
			p++;
	}
	size_t hlen = (size_t)(p - v);
	if (hlen == 0) {
		*why = "invalid header test";
		return false;
	}
	unsigned mods = 0;
	enum sa_hdr_mod mod = SA_HDR_DECODED;
	bool have_mod = false, dangling = false;
	if (*p == ':') {
		p++;
		for (int k = 0; k < (mime ? 1 : 2) && islower((unsigned char)*p); k++) {
			const char *m = p;
			dangling = false;
			while (islower((unsigned char)*p))
				p++;
			size_t ml = (size_t)(p - m);
			size_t i;
			for (i = 0; i < G_N_ELEMENTS(hdr_mods); i++)
				if (strlen(hdr_mods[i].name) == ml && memcmp(hdr_mods[i].name, m, ml) == 0)
					break;
			if (i == G_N_ELEMENTS(hdr_mods) || (mime && hdr_mods[i].mod != SA_HDR_RAW)) {
				*why = "invalid header modifier";
				return false;
			}
			mods |= 1u << hdr_mods[i].mod;
			bool pos = hdr_mods[i].mod == SA_HDR_FIRST || hdr_mods[i].mod == SA_HDR_LAST;
			if (!have_mod || ((mod == SA_HDR_FIRST || mod == SA_HDR_LAST) && !pos)) {
				mod = hdr_mods[i].mod;
				have_mod = true;
			}
			if (*p != ':')
				break;
			if (k == (mime ? 0 : 1)) {
				/* one trailing ':' is allowed after a modifier only
				 * when it is the header's own (Subject:) */
				*why = "invalid header modifier";
				return false;
			}
			p++;
			dangling = true;
		}
	}
	if (dangling) {
		*why = "invalid header modifier";
		return false;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (!((p[0] == '=' || p[0] == '!') && p[1] == '~')) {
		*why = "invalid header test";
		return false;
	}
	bool negate = p[0] == '!';
	p += 2;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*why = "invalid header test";
		return false;
	}
	char *pat = g_strdup(p);
	char *unset = cut_if_unset(pat);
	char *re, *flags;
	if (!regex_literal(pat, &re, &flags, why)) {
		g_free(pat);
		g_free(unset);
		return false;
	}
	g_free(pat);
	r->hdr = g_strndup(v, hlen);
	r->mod = mod;
	r->mods = mods;
	r->negate = negate;
	r->if_unset = unset;
	r->re = re;
	r->re_flags = flags;
	return true;
}

static const char *const type_names[SA_TYPE_COUNT] = {
	[SA_HEADER] = "header", [SA_MIMEHEADER] = "mimeheader", [SA_BODY] = "body",
	[SA_RAWBODY] = "rawbody", [SA_FULL] = "full", [SA_URI] = "uri", [SA_META] = "meta",
};

const char *
sa_type_name(enum sa_type t)
{
	return (unsigned)t < SA_TYPE_COUNT ? type_names[t] : "?";
}

/* "**" or "* *" (blanks between): SpamAssassin refuses them in a meta */
static bool
star_star(const char *v)
{
	for (const char *p = strchr(v, '*'); p; p = strchr(p + 1, '*')) {
		const char *q = p + 1;
		while (isspace((unsigned char)*q))
			q++;
		if (*q == '*')
			return true;
	}
	return false;
}

/* A rule line: "TYPE NAME definition". */
static void
do_rule(struct pctx *c, enum sa_type type, const char *v)
{
	const char *w;
	size_t wn = next_word(&v, &w);
	if (wn == 0 || !*v) {
		skip(c, "invalid rule line");
		return;
	}
	if (!valid_rule_name(w, wn)) {
		skip(c, "invalid rule name");
		return;
	}
	/* parse into a scratch rule, so that a refused redefinition leaves
	 * the earlier one */
	struct sa_rule t = {0};
	const char *why = NULL;
	bool ok = false;
	switch (type) {
	case SA_HEADER:
		if (strncmp(v, "eval:", 5) == 0 || strncmp(v, "rbleval:", 8) == 0) {
			const char *f = strchr(v, ':') + 1;
			ok = eval_call(f, &t.eval, &t.eval_args);
			why = "invalid eval call";
		} else {
			ok = parse_header_test(&t, v, false, &why);
		}
		break;
	case SA_MIMEHEADER:
		ok = parse_header_test(&t, v, true, &why);
		break;
	case SA_BODY:
	case SA_RAWBODY:
	case SA_FULL:
		if (strncmp(v, "eval:", 5) == 0) {
			ok = eval_call(v + 5, &t.eval, &t.eval_args);
			why = "invalid eval call";
		} else {
			ok = regex_literal(v, &t.re, &t.re_flags, &why);
		}
		break;
	case SA_URI:
		ok = regex_literal(v, &t.re, &t.re_flags, &why);
		break;
	case SA_META:
		if (star_star(v)) {
			why = "invalid meta expression";
		} else {
			t.meta = g_strdup(v);
			ok = true;
		}
		break;
	case SA_TYPE_COUNT:
		break;
	}
	if (!ok) {
		rule_clear_definition(&t);
		skip(c, why ? why : "invalid rule line");
		return;
	}
	struct sa_rule *r = rule_get(c, w, wn);
	if (!r) {
		rule_clear_definition(&t);
		return;
	}
	rule_clear_definition(r);
	r->type = type;
	r->defined = true;
	r->re = t.re;
	r->re_flags = t.re_flags;
	r->negate = t.negate;
	r->hdr = t.hdr;
	r->mod = t.mod;
	r->mods = t.mods;
	r->exists = t.exists;
	r->if_unset = t.if_unset;
	r->eval = t.eval;
	r->eval_args = t.eval_args;
	r->meta = t.meta;
	r->file = c->file;
	r->line = c->line;
}

/* SpamAssassin's score number: -?\d+(\.\d+)? */
static bool
score_number(const char *s, size_t n, double *out)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	size_t d0 = i;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i == d0)
		return false;
	if (i < n && s[i] == '.') {
		size_t f0 = ++i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == f0)
			return false;
	}
	if (i != n || n > 64)
		return false;
	char buf[72];
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = g_ascii_strtod(buf, NULL);
	return isfinite(*out);
}

static void
do_score(struct pctx *c, const char *v)
{
	const char *w;
	size_t wn = next_word(&v, &w);
	double s[4];
	int k = 0;
	bool relative = false;
	const char *x;
	size_t xn;
	while ((xn = next_word(&v, &x)) > 0) {
		if (k == 4) {
			skip(c, "invalid score line");
			return;
		}
		if (xn >= 2 && x[0] == '(' && x[xn - 1] == ')' && score_number(x + 1, xn - 2, &s[k])) {
			relative = true;
		} else if (!score_number(x, xn, &s[k])) {
			skip(c, "invalid score line");
			return;
		}
		k++;
	}
	if (wn == 0 || (k != 1 && k != 4)) {
		skip(c, "invalid score line");
		return;
	}
	if (k == 1)
		s[1] = s[2] = s[3] = s[0];
	if (relative) {
		char name[RULE_NAME_MAX + 1];
		const struct sa_rule *old = NULL;
		if (wn <= RULE_NAME_MAX) {
			memcpy(name, w, wn);
			name[wn] = '\0';
			old = g_hash_table_lookup(c->rs->by_name, name);
		}
		if (!old || !old->has_score) {
			skip(c, "relative score without a score before");
			return;
		}
	}
	struct sa_rule *r = rule_get(c, w, wn);
	if (!r)
		return;
	for (int i = 0; i < 4; i++)
		r->score[i] = relative ? r->score[i] + s[i] : s[i];
	r->has_score = true;
}

/* "NAME value" (SpamAssassin's hash key/value settings) */
static struct sa_rule *
key_value(struct pctx *c, const char *v, const char **rest)
{
	const char *w;
	size_t wn = next_word(&v, &w);
	if (wn == 0 || !*v) {
		skip(c, "missing value");
		return NULL;
	}
	*rest = v;
	return rule_get(c, w, wn);
}

static void
do_describe(struct pctx *c, const char *v)
{
	const char *rest;
	struct sa_rule *r = key_value(c, v, &rest);
	if (!r)
		return;
	g_free(r->describe);
	r->describe = g_strdup(rest);
}

static const struct {
	const char *name;
	unsigned flag;
} tflag_names[] = {
	{"net", SA_TF_NET}, {"nice", SA_TF_NICE}, {"learn", SA_TF_LEARN},
	{"userconf", SA_TF_USERCONF}, {"noautolearn", SA_TF_NOAUTOLEARN},
	{"multiple", SA_TF_MULTIPLE}, {"publish", SA_TF_PUBLISH},
	{"nosubject", SA_TF_NOSUBJECT}, {"autolearn_force", SA_TF_AUTOLEARN_FORCE},
	{"a", SA_TF_A}, {"domains_only", SA_TF_A}, {"ips_only", SA_TF_A}, {"ns", SA_TF_A},
};

/* tflags NAME flags...: a later line replaces the earlier (as the hash
 * SpamAssassin keeps them in); flags it does not know are kept in
 * tflags_text only. */
static void
do_tflags(struct pctx *c, const char *v)
{
	const char *rest;
	struct sa_rule *r = key_value(c, v, &rest);
	if (!r)
		return;
	r->tflags = 0;
	r->maxhits = 0;
	g_free(r->tflags_text);
	r->tflags_text = g_strdup(rest);
	const char *f;
	size_t fn;
	while ((fn = next_word(&rest, &f)) > 0) {
		if (fn > 8 && strncmp(f, "maxhits=", 8) == 0) {
			unsigned long n = 0;
			size_t i;
			for (i = 8; i < fn && isdigit((unsigned char)f[i]) && n < 1000000; i++)
				n = n * 10 + (unsigned long)(f[i] - '0');
			if (i == fn && n > 0)
				r->maxhits = (unsigned)n;
			else
				skip(c, "invalid tflags maxhits");
			continue;
		}
		for (size_t i = 0; i < G_N_ELEMENTS(tflag_names); i++)
			if (strlen(tflag_names[i].name) == fn &&
			    memcmp(tflag_names[i].name, f, fn) == 0)
				r->tflags |= tflag_names[i].flag;
	}
}

static void
do_priority(struct pctx *c, const char *v)
{
	const char *rest;
	struct sa_rule *r = key_value(c, v, &rest);
	if (!r)
		return;
	const char *p = rest;
	bool neg = *p == '-';
	if (neg)
		p++;
	long long n = 0;
	const char *d0 = p;
	while (isdigit((unsigned char)*p) && n <= (long long)INT32_MAX + 1)
		n = n * 10 + (*p++ - '0');
	if (p == d0 || *p || n > (long long)INT32_MAX + (neg ? 1 : 0)) {
		skip(c, "invalid priority");
		return;
	}
	r->priority = (int)(neg ? -n : n);
}

static void
add_setting(struct pctx *c, const char *key, const char *v)
{
	GPtrArray *a = g_hash_table_lookup(c->rs->settings, key);
	if (!a) {
		a = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(c->rs->settings, g_strdup(key), a);
	}
	g_ptr_array_add(a, g_strdup(v));
}

static void
do_replace(struct pctx *c, const char *key, const char *v)
{
	struct replace *rp = c->rs->replace;
	if (!*v) {
		skip(c, "missing value");
		return;
	}
	if (strcmp(key, "replace_start") == 0 || strcmp(key, "replace_end") == 0) {
		char **dst = key[8] == 's' ? &rp->start : &rp->end;
		g_free(*dst);
		*dst = g_strdup(v);
		return;
	}
	if (strcmp(key, "replace_rules") == 0) {
		const char *w;
		size_t wn;
		while ((wn = next_word(&v, &w)) > 0) {
			char *name = g_strndup(w, wn);
			if (g_hash_table_contains(rp->rules_set, name)) {
				g_free(name);
				continue;
			}
			g_ptr_array_add(rp->rules, name);
			g_hash_table_add(rp->rules_set, name);
		}
		return;
	}
	GHashTable *h = strcmp(key, "replace_tag") == 0 ? rp->tag
	    : strcmp(key, "replace_pre") == 0 ? rp->pre
	    : strcmp(key, "replace_inter") == 0 ? rp->inter : rp->post;
	const char *w;
	size_t wn = next_word(&v, &w);
	if (!*v) {
		skip(c, "missing value");
		return;
	}
	g_hash_table_insert(h, g_strndup(w, wn), g_strdup(v));
}

/* ---- `if` expressions ---------------------------------------------- */

/* Tokens as SpamAssassin's ARITH_EXPRESSION_LEXER cuts them. */
enum tok { T_END, T_NUM, T_NAME, T_LP, T_RP, T_OR, T_AND, T_XOR, T_NOT, T_GT, T_GE,
	T_LT, T_LE, T_EQ, T_NE, T_ADD, T_SUB, T_MUL, T_DIV, T_BAD };

struct ifx {
	const char *p;
	enum tok t;
	const char *ts;		/* the token's text */
	size_t tn;
	const struct sa_parse_opts *o;
	bool err;
	unsigned depth;
};

static void
ifx_next(struct ifx *x)
{
	const char *p = x->p;
	while (isspace((unsigned char)*p))
		p++;
	x->ts = p;
	if (!*p) {
		x->t = T_END;
		x->tn = 0;
		x->p = p;
		return;
	}
	enum tok t = T_BAD;
	size_t n = 1;
	unsigned char ch = (unsigned char)*p;
	if (isdigit(ch) || ch == '.' || ((ch == '-' || ch == '+') &&
	    (isdigit((unsigned char)p[1]) || p[1] == '.' || p[1] == '-' || p[1] == '+'))) {
		while (isdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == '-' || p[n] == '+')
			n++;
		t = T_NUM;
	} else if (is_word(ch)) {
		while (is_word((unsigned char)p[n]) || p[n] == ':')
			n++;
		t = T_NAME;
	} else if (ch == '(') {
		t = T_LP;
	} else if (ch == ')') {
		t = T_RP;
	} else if (ch == '|' && p[1] == '|') {
		t = T_OR, n = 2;
	} else if (ch == '&' && p[1] == '&') {
		t = T_AND, n = 2;
	} else if (ch == '^') {
		t = T_XOR;
	} else if (ch == '!') {
		if (p[1] == '=')
			t = T_NE, n = 2;
		else
			t = T_NOT;
	} else if (ch == '>') {
		if (p[1] == '=')
			t = T_GE, n = 2;
		else
			t = T_GT;
	} else if (ch == '<') {
		if (p[1] == '=')
			t = T_LE, n = 2;
		else
			t = T_LT;
	} else if (ch == '=' && p[1] == '=') {
		t = T_EQ, n = 2;
	} else if (ch == '+') {
		t = T_ADD;
	} else if (ch == '-') {
		t = T_SUB;
	} else if (ch == '*') {
		t = T_MUL;
	} else if (ch == '/') {
		t = T_DIV;
	}
	x->t = t;
	x->tn = n;
	x->p = p + n;
	if (t == T_BAD)
		x->err = true;
}

static bool
ifx_name_is(const struct ifx *x, const char *s)
{
	return x->t == T_NAME && strlen(s) == x->tn && memcmp(x->ts, s, x->tn) == 0;
}

static bool
plugin_loaded(const struct sa_parse_opts *o, const char *cls, size_t n)
{
	static const char prefix[] = "Mail::SpamAssassin::Plugin::";
	size_t pl = sizeof prefix - 1;
	if (n <= pl || memcmp(cls, prefix, pl) != 0)
		return false;
	const char *last = cls + pl;
	size_t ln = n - pl;
	if (memchr(last, ':', ln))
		return false;
	/* the renames cond_clause_plugin_loaded() and loadplugin know */
	if (ln == 15 && memcmp(last, "RaciallyCharged", 15) == 0)
		return true;
	if (ln == 5 && memcmp(last, "Dmarc", 5) == 0)
		last = "DMARC", ln = 5;
	else if (ln == 16 && memcmp(last, "WhiteListSubject", 16) == 0)
		last = "WelcomeListSubject", ln = 18;
	for (const char *const *pp = o->plugins; pp && *pp; pp++)
		if (strlen(*pp) == ln && memcmp(*pp, last, ln) == 0)
			return true;
	return false;
}

/* can(Module::method) / has(...) */
static bool
can_call(const struct sa_parse_opts *o, const char *s, size_t n)
{
	char buf[256];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *sep = g_strrstr(buf, "::");
	if (!sep || sep == buf)
		return false;
	*sep = '\0';
	const char *mod = buf, *meth = sep + 2;
	if (strcmp(mod, "Mail::SpamAssassin::Conf") == 0)
		return in_list(conf_features, G_N_ELEMENTS(conf_features), meth);
	for (size_t i = 0; i < G_N_ELEMENTS(plugin_features); i++) {
		if (strcmp(plugin_features[i].method, meth) != 0)
			continue;
		char cls[128];
		int k = snprintf(cls, sizeof cls, "Mail::SpamAssassin::Plugin::%s",
		    plugin_features[i].plugin);
		if (strcmp(cls, mod) == 0 && plugin_loaded(o, cls, (size_t)k))
			return true;
	}
	return false;
}

static double ifx_or(struct ifx *x);

static double
ifx_primary(struct ifx *x)
{
	if (x->err)
		return 0;
	if (++x->depth > IF_EXPR_DEPTH) {
		x->err = true;
		return 0;
	}
	double v = 0;
	if (x->t == T_NOT || x->t == T_SUB || x->t == T_ADD) {
		enum tok op = x->t;
		ifx_next(x);
		v = ifx_primary(x);
		v = op == T_NOT ? (v == 0) : op == T_SUB ? -v : v;
	} else if (x->t == T_LP) {
		ifx_next(x);
		v = ifx_or(x);
		if (x->t != T_RP)
			x->err = true;
		ifx_next(x);
	} else if (x->t == T_NUM) {
		char buf[64];
		char *end;
		if (x->tn >= sizeof buf) {
			x->err = true;
		} else {
			memcpy(buf, x->ts, x->tn);
			buf[x->tn] = '\0';
			v = g_ascii_strtod(buf, &end);
			if (*end || !isfinite(v))
				x->err = true;
		}
		ifx_next(x);
	} else if (ifx_name_is(x, "version")) {
		v = x->o->version;
		ifx_next(x);
	} else if (ifx_name_is(x, "perl_version")) {
		v = 5.036000;
		ifx_next(x);
	} else if (ifx_name_is(x, "local_tests_only")) {
		v = 0;
		ifx_next(x);
	} else if (ifx_name_is(x, "plugin") || ifx_name_is(x, "can") || ifx_name_is(x, "has")) {
		bool plugin = x->ts[0] == 'p';
		ifx_next(x);
		if (x->t != T_LP) {
			x->err = true;
			return 0;
		}
		ifx_next(x);
		if (x->t != T_NAME) {
			x->err = true;
			return 0;
		}
		v = plugin ? plugin_loaded(x->o, x->ts, x->tn) : can_call(x->o, x->ts, x->tn);
		ifx_next(x);
		if (x->t != T_RP)
			x->err = true;
		ifx_next(x);
	} else {
		x->err = true;
	}
	x->depth--;
	return v;
}

static double
ifx_mul(struct ifx *x)
{
	double v = ifx_primary(x);
	while (!x->err && (x->t == T_MUL || x->t == T_DIV)) {
		enum tok op = x->t;
		ifx_next(x);
		double r = ifx_primary(x);
		if (op == T_DIV && r == 0)
			x->err = true;	/* Perl dies: the eval fails */
		else
			v = op == T_MUL ? v * r : v / r;
	}
	return v;
}

static double
ifx_add(struct ifx *x)
{
	double v = ifx_mul(x);
	while (!x->err && (x->t == T_ADD || x->t == T_SUB)) {
		enum tok op = x->t;
		ifx_next(x);
		double r = ifx_mul(x);
		v = op == T_ADD ? v + r : v - r;
	}
	return v;
}

static double
ifx_rel(struct ifx *x)
{
	double v = ifx_add(x);
	while (!x->err && (x->t == T_GT || x->t == T_GE || x->t == T_LT || x->t == T_LE)) {
		enum tok op = x->t;
		ifx_next(x);
		double r = ifx_add(x);
		v = op == T_GT ? v > r : op == T_GE ? v >= r : op == T_LT ? v < r : v <= r;
	}
	return v;
}

static double
ifx_eq(struct ifx *x)
{
	double v = ifx_rel(x);
	while (!x->err && (x->t == T_EQ || x->t == T_NE)) {
		enum tok op = x->t;
		ifx_next(x);
		double r = ifx_rel(x);
		v = op == T_EQ ? v == r : v != r;
	}
	return v;
}

static double
ifx_xor(struct ifx *x)
{
	double v = ifx_eq(x);
	while (!x->err && x->t == T_XOR) {
		ifx_next(x);
		double r = ifx_eq(x);
		/* Perl's ^ on numbers: integer exclusive or */
		if (fabs(v) > 1e15 || fabs(r) > 1e15)
			x->err = true;
		else
			v = (double)((long long)v ^ (long long)r);
	}
	return v;
}

static double
ifx_and(struct ifx *x)
{
	double v = ifx_xor(x);
	while (!x->err && x->t == T_AND) {
		ifx_next(x);
		double r = ifx_xor(x);
		v = v != 0 ? r : v;
	}
	return v;
}

static double
ifx_or(struct ifx *x)
{
	double v = ifx_and(x);
	while (!x->err && x->t == T_OR) {
		ifx_next(x);
		double r = ifx_and(x);
		v = v != 0 ? v : r;
	}
	return v;
}

/* The value of an `if` expression: 1 true, 0 false, -1 not understood. */
int
sa_conf_if_eval(const char *expr, const struct sa_parse_opts *o)
{
	struct ifx x = {.p = expr, .o = o};
	ifx_next(&x);
	if (x.t == T_END)
		return -1;
	double v = ifx_or(&x);
	if (x.err || x.t != T_END)
		return -1;
	return v != 0;
}

/* ---- lines, blocks, files ------------------------------------------ */

struct iframe {
	bool skip_before;	/* the skip state the `if` was met in */
};

struct fstate {
	struct iframe *stack;
	unsigned depth, max;
	unsigned over;		/* blocks opened beyond max (skipped whole) */
	bool over_skip_before;
	bool skipping;
	bool stop;		/* require_version: the rest of the file skipped */
};

static void parse_buffer(struct sa_ruleset *rs, const char *name, const char *dir,
    const char *buf, size_t len, const struct sa_parse_opts *o, unsigned depth);

static bool
plugin_enabled(const struct sa_parse_opts *o, const char *last)
{
	for (const char *const *pp = o->plugins; pp && *pp; pp++)
		if (strcmp(*pp, last) == 0)
			return true;
	return false;
}

static void
do_if(struct pctx *c, struct fstate *f, const char *expr, bool is_ifplugin)
{
	if (f->depth >= f->max) {
		/* counted, not pushed; skipped whole up to its endif */
		skip(c, "if nesting too deep");
		if (f->over++ == 0)
			f->over_skip_before = f->skipping;
		f->skipping = true;
		return;
	}
	f->stack[f->depth++].skip_before = f->skipping;
	int v;
	if (is_ifplugin) {
		/* SpamAssassin evaluates "plugin (VALUE)" */
		size_t n = strlen(expr);
		v = plugin_loaded(c->o, expr, n) ? 1 : 0;
		for (size_t i = 0; i < n; i++)
			if (!(is_word((unsigned char)expr[i]) || expr[i] == ':'))
				v = -1;
	} else {
		v = sa_conf_if_eval(expr, c->o);
	}
	if (v < 0)
		skip(c, "if expression not understood");
	if (v != 1) {
		if (v == 0 && is_ifplugin && !f->skipping)
			skip(c, "ifplugin block skipped (plugin not loaded)");
		f->skipping = true;
	}
}

static bool
is_rule_directive(const char *key)
{
	static const char *const types[] = {
		"header", "mimeheader", "body", "rawbody", "full", "uri", "meta",
	};
	return in_list(types, G_N_ELEMENTS(types), key) ||
	    in_list(network_types, G_N_ELEMENTS(network_types), key) ||
	    strcmp(key, "uri_detail") == 0;
}

/* A file named by `include`: relative to dir; read at most file_max bytes. */
static void
do_include(struct pctx *c, const char *dir, const char *v, unsigned depth)
{
	if (!dir) {
		skip(c, "include refused");
		return;
	}
	unsigned cap = c->o->include_depth < SA_INCLUDE_DEPTH_CAP ? c->o->include_depth
	    : SA_INCLUDE_DEPTH_CAP;
	if (depth >= cap) {
		skip(c, "include too deep");
		return;
	}
	char *path = g_path_is_absolute(v) ? g_strdup(v) : g_build_filename(dir, v, NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		skip(c, "include not found");
		if (fd >= 0)
			close(fd);
		g_free(path);
		return;
	}
	if ((uint64_t)st.st_size > c->o->file_max) {
		skip(c, "file too large");
		close(fd);
		g_free(path);
		return;
	}
	size_t len = (size_t)st.st_size, got = 0;
	char *buf = g_malloc(len + 1);
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	char *idir = g_path_get_dirname(path);
	parse_buffer(c->rs, path, idir, buf, got, c->o, depth + 1);
	g_free(idir);
	g_free(buf);
	g_free(path);
}

static void
do_line(struct pctx *c, struct fstate *f, const char *dir, char *line, unsigned depth)
{
	/* comments: from the first '#' no backslash escapes; "\#" is '#' */
	if (strchr(line, '#')) {
		char *w = line;
		for (char *r = line; *r; r++) {
			if (*r == '#' && (r == line || r[-1] != '\\'))
				break;
			if (*r == '\\' && r[1] == '#') {
				/* keep looking past it: the '#' is escaped */
				*w++ = '#';
				r++;
				continue;
			}
			*w++ = *r;
		}
		*w = '\0';
	}
	char *s = g_strstrip(line);
	if (!*s)
		return;
	if (strncmp(s, "lang", 4) == 0 && isspace((unsigned char)s[4])) {
		const char *v = s + 4, *w;
		if (next_word(&v, &w) > 0 && *v)
			return;	/* lang xx ...: mamori keeps the English text */
	}
	char *v = s;
	while (*v && !isspace((unsigned char)*v))
		v++;
	char key[64];
	size_t kn = (size_t)(v - s);
	while (*v && isspace((unsigned char)*v))
		v++;
	if (kn >= sizeof key) {
		if (!f->skipping && !f->stop)
			skip(c, "unknown directive");
		return;
	}
	for (size_t i = 0; i < kn; i++)
		key[i] = s[i] == '-' ? '_' : (char)tolower((unsigned char)s[i]);
	key[kn] = '\0';

	if (strcmp(key, "endif") == 0) {
		if (*v) {
			skip(c, "invalid line");
		} else if (f->over > 0) {
			if (--f->over == 0)
				f->skipping = f->over_skip_before;
		} else if (f->depth == 0) {
			skip(c, "endif without if");
		} else {
			f->skipping = f->stack[--f->depth].skip_before;
		}
		return;
	}
	if (strcmp(key, "ifplugin") == 0 || strcmp(key, "if") == 0) {
		if (!*v) {
			skip(c, "invalid line");
			return;
		}
		do_if(c, f, v, key[2] == 'p');
		return;
	}
	if (strcmp(key, "else") == 0) {
		if (*v) {
			skip(c, "invalid line");
		} else if (f->over > 0) {
			f->skipping = true;	/* inside a block too deep */
		} else if (f->depth == 0) {
			skip(c, "else without if");
		} else {
			/* taken only when no enclosing block is skipped
			 * (SpamAssassin's bug 7848) */
			bool outer = false;
			for (unsigned i = 0; i < f->depth; i++)
				outer = outer || f->stack[i].skip_before;
			f->skipping = outer ? true : !f->skipping;
		}
		return;
	}
	if (f->skipping || f->stop) {
		if (!f->stop && is_rule_directive(key))
			skip(c, "rule in a block not taken");
		return;
	}
	if (strcmp(key, "include") == 0) {
		if (!*v)
			skip(c, "invalid line");
		else
			do_include(c, dir, v, depth);
		return;
	}
	if (strcmp(key, "require_version") == 0) {
		if (!*v) {
			skip(c, "invalid line");
			return;
		}
		if (strcmp(v, "@@VERSION@@") == 0)
			return;
		char *end;
		double want = g_ascii_strtod(v, &end);
		if (*end || fabs(want - c->o->version) > 1e-9) {
			skip(c, "require_version mismatch (rest of file skipped)");
			f->stop = true;
		}
		return;
	}

	static const struct {
		const char *key;
		enum sa_type type;
	} types[] = {
		{"header", SA_HEADER}, {"mimeheader", SA_MIMEHEADER}, {"body", SA_BODY},
		{"rawbody", SA_RAWBODY}, {"full", SA_FULL}, {"uri", SA_URI}, {"meta", SA_META},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		if (strcmp(key, types[i].key) != 0)
			continue;
		if (types[i].type == SA_MIMEHEADER && !plugin_enabled(c->o, "MIMEHeader")) {
			skip(c, "directive of a plugin not loaded");
			return;
		}
		do_rule(c, types[i].type, v);
		return;
	}
	if (strcmp(key, "score") == 0) {
		do_score(c, v);
	} else if (strcmp(key, "describe") == 0) {
		do_describe(c, v);
	} else if (strcmp(key, "tflags") == 0) {
		do_tflags(c, v);
	} else if (strcmp(key, "priority") == 0) {
		do_priority(c, v);
	} else if (strncmp(key, "replace_", 8) == 0 &&
	    (strcmp(key + 8, "start") == 0 || strcmp(key + 8, "end") == 0 ||
	    strcmp(key + 8, "tag") == 0 || strcmp(key + 8, "pre") == 0 ||
	    strcmp(key + 8, "inter") == 0 || strcmp(key + 8, "post") == 0 ||
	    strcmp(key + 8, "rules") == 0)) {
		if (!plugin_enabled(c->o, "ReplaceTags"))
			skip(c, "directive of a plugin not loaded");
		else
			do_replace(c, key, v);
	} else if (in_list(network_types, G_N_ELEMENTS(network_types), key)) {
		char reason[96];
		snprintf(reason, sizeof reason, "network rule type: %s", key);
		skip(c, reason);
	} else if (strcmp(key, "uri_detail") == 0) {
		skip(c, "rule type not supported: uri_detail");
	} else if (strcmp(key, "loadplugin") == 0 || strcmp(key, "tryplugin") == 0) {
		skip(c, "loadplugin ignored (the plugins are the options')");
	} else {
		const char *k = key;
		if (bsearch(&k, settings, G_N_ELEMENTS(settings), sizeof settings[0], cmp_str) ||
		    strncmp(key, "bayes_stopword_", 15) == 0 || strncmp(key, "hashbl_acl_", 11) == 0)
			add_setting(c, key, v);
		else
			skip(c, "unknown directive");
	}
}

static const char *
intern_file(struct sa_ruleset *rs, const char *name)
{
	gpointer k = NULL;
	if (g_hash_table_lookup_extended(rs->file_names, name, &k, NULL))
		return k;
	char *dup = g_strdup(name);
	g_hash_table_add(rs->file_names, dup);
	return dup;
}

static void
parse_buffer(struct sa_ruleset *rs, const char *name, const char *dir, const char *buf,
    size_t len, const struct sa_parse_opts *o, unsigned depth)
{
	struct pctx c = {.rs = rs, .o = o, .file = intern_file(rs, name ? name : "(buffer)")};
	struct fstate f = {.max = o->if_depth ? o->if_depth : SA_IF_DEPTH_DEFAULT};
	if (f.max > 4096)
		f.max = 4096;
	f.stack = g_new(struct iframe, f.max);
	rs->files++;
	if (len > o->file_max) {
		skip(&c, "file too large");
		len = 0;
	}
	size_t lmax = o->line_max ? o->line_max : 1;
	char *line = g_malloc(lmax + 1);
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		c.line++;
		rs->lines++;
		c.text = NULL;
		if (n > o->line_max) {
			/* for the example: its start */
			size_t k = n < EXAMPLE_MAX ? n : EXAMPLE_MAX;
			if (k > lmax)
				k = lmax;
			memcpy(line, buf + pos, k);
			line[k] = '\0';
			c.text = line;
			skip(&c, "line too long");
		} else if (memchr(buf + pos, '\0', n)) {
			skip(&c, "line with a NUL byte");
		} else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			char *copy = g_strdup(line);
			c.text = copy;
			do_line(&c, &f, dir, line, depth);
			g_free(copy);
		}
		pos += n + 1;
	}
	c.text = NULL;
	if (f.depth > 0 || f.over > 0)
		skip(&c, "unclosed if at end of file");
	g_free(line);
	g_free(f.stack);
}

void
sa_conf_parse(struct sa_ruleset *rs, const char *name, const char *dir, const char *buf,
    size_t len, const struct sa_parse_opts *o)
{
	if (!rs || !o || (!buf && len))
		return;
	parse_buffer(rs, name, dir, buf ? buf : "", len, o, 0);
}

static bool
load_file(struct sa_ruleset *rs, const char *path, const struct sa_parse_opts *o, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if ((uint64_t)st.st_size > o->file_max) {
		close(fd);
		skip_at(rs, "file too large", path, 0, NULL);
		return true;
	}
	size_t len = (size_t)st.st_size, got = 0;
	char *buf = g_malloc(len + 1);
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	char *dir = g_path_get_dirname(path);
	parse_buffer(rs, path, dir, buf, got, o, 0);
	g_free(dir);
	g_free(buf);
	return true;
}

bool
sa_conf_load(struct sa_ruleset *rs, const char *path, const struct sa_parse_opts *o, char *err,
    size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(rs, path, o, err, errlen);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
		return false;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 3 && strcmp(e->d_name + n - 3, ".cf") == 0)
			g_ptr_array_add(names, g_strdup(e->d_name));
	}
	closedir(d);
	g_ptr_array_sort(names, cmp_str);
	for (guint i = 0; i < names->len; i++) {
		char *p = g_build_filename(path, (const char *)names->pdata[i], NULL);
		struct stat fs;
		if (stat(p, &fs) == 0 && S_ISREG(fs.st_mode)) {
			char e2[256];
			if (!load_file(rs, p, o, e2, sizeof e2))
				skip_at(rs, "file not readable", p, 0, e2);
		}
		g_free(p);
	}
	g_ptr_array_free(names, TRUE);
	return true;
}

/* ---- ReplaceTags ----------------------------------------------------- */

/* /<[^>]+>/ */
static bool
has_angle_tag(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		if (!p[1])
			return false;
		if (p[1] != '>')
			return strchr(p + 2, '>') != NULL;
	}
	return false;
}

/* Perl's truth of a string: neither empty nor "0". */
static bool
perl_true(const char *s)
{
	return s && *s && strcmp(s, "0") != 0;
}

/* The first start(.+?)end in s[from..]: its span [*a, *b) and the name
 * between; false when none. */
static bool
find_tag(const char *s, size_t from, const char *start, const char *end, size_t *a,
    size_t *b)
{
	const char *p = strstr(s + from, start);
	if (!p)
		return false;
	size_t sl = strlen(start);
	if (!p[sl])
		return false;
	const char *q = strstr(p + sl + 1, end);
	if (!q)
		return false;
	*a = (size_t)(p - s);
	*b = (size_t)(q - s) + strlen(end);
	return true;
}

/* s/start<word> (.+?)end// once: the name in *name (g_free). */
static bool
cut_directive(GString *re, const char *word, const char *start, const char *end, char **name)
{
	char *open = g_strconcat(start, word, " ", NULL);
	char *p = strstr(re->str, open);
	size_t ol = strlen(open);
	g_free(open);
	if (!p || !p[ol])
		return false;
	char *q = strstr(p + ol + 1, end);
	if (!q)
		return false;
	*name = g_strndup(p + ol, (size_t)(q - (p + ol)));
	g_string_erase(re, p - re->str, (q - p) + (gssize)strlen(end));
	return true;
}

/* split(/(<[^<>]+>)/, s): the texts and the tags between them, in order;
 * Perl keeps a leading empty text and drops the trailing empty one. */
static GPtrArray *
split_tags(const char *s)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	const char *t = s;
	const char *p = s;
	while ((p = strchr(p, '<')) != NULL) {
		const char *q = p + 1;
		while (*q && *q != '<' && *q != '>')
			q++;
		if (*q != '>' || q == p + 1) {
			p = *q == '<' ? q : (*q ? q + 1 : q);
			if (!*p)
				break;
			continue;
		}
		g_ptr_array_add(a, g_strndup(t, (size_t)(p - t)));
		g_ptr_array_add(a, g_strndup(p, (size_t)(q + 1 - p)));
		t = p = q + 1;
	}
	g_ptr_array_add(a, g_strdup(t));
	while (a->len > 0 && !*(const char *)a->pdata[a->len - 1])
		g_ptr_array_remove_index(a, a->len - 1);
	return a;
}

/* ReplaceTags' finish_parsing_end() on one pattern; NULL when nothing
 * changed or the result grew beyond REPLACE_MAX. lead: the string
 * SpamAssassin works on starts with "(?flags)" (a rule with flags). */
static char *
replace_pattern(const struct replace *rp, const char *orig, bool lead, bool *too_long)
{
	const char *start = rp->start ? rp->start : "<";
	const char *end = rp->end ? rp->end : ">";
	if (!*start || !*end)
		return NULL;
	GString *re = g_string_new(lead ? "\x01" : "");
	g_string_append(re, orig);
	/* the lead marker stands for "(?flags)": a non-empty text before
	 * the first tag, with no start or end string in it */
	if (lead && (strchr(start, '\x01') || strchr(end, '\x01'))) {
		g_string_free(re, TRUE);
		return NULL;
	}
	bool again;
	int passes = 0;
	do {
		again = false;
		char *pre_name = NULL, *post_name = NULL, *inter_name = NULL;
		cut_directive(re, "pre", start, end, &pre_name);
		cut_directive(re, "post", start, end, &post_name);
		cut_directive(re, "inter", start, end, &inter_name);
		GPtrArray *el = split_tags(re->str);
		const char *pre = pre_name ? g_hash_table_lookup(rp->pre, pre_name) : NULL;
		const char *post = post_name ? g_hash_table_lookup(rp->post, post_name) : NULL;
		const char *inter = inter_name ? g_hash_table_lookup(rp->inter, inter_name) : NULL;
		for (guint i = 0; i < el->len; i++) {
			char *e = el->pdata[i];
			size_t a, b;
			if (perl_true(pre) && find_tag(e, 0, start, end, &a, &b)) {
				GString *g = g_string_new_len(e, (gssize)a);
				g_string_append(g, pre);
				g_string_append(g, e + a);
				g_free(e);
				e = el->pdata[i] = g_string_free(g, FALSE);
			}
			if (perl_true(post)) {
				GString *g = g_string_new(NULL);
				size_t from = 0;
				while (find_tag(e, from, start, end, &a, &b)) {
					g_string_append_len(g, e + from, (gssize)(b - from));
					g_string_append(g, post);
					from = b;
				}
				g_string_append(g, e + from);
				g_free(e);
				e = el->pdata[i] = g_string_free(g, FALSE);
			}
			if (perl_true(inter) && !*e) {
				g_free(e);
				e = el->pdata[i] = g_strdup(inter);
			}
			if (find_tag(e, 0, start, end, &a, &b)) {
				size_t sl = strlen(start), enl = strlen(end);
				char *tname = g_strndup(e + a + sl, b - a - sl - enl);
				const char *rep = perl_true(tname) ? g_hash_table_lookup(rp->tag, tname)
				    : NULL;
				if (perl_true(rep)) {
					char *full = g_strconcat(start, tname, end, NULL);
					GString *g = g_string_new(NULL);
					const char *x = e, *y;
					while ((y = strstr(x, full)) != NULL) {
						g_string_append_len(g, x, y - x);
						g_string_append(g, rep);
						x = y + strlen(full);
					}
					g_string_append(g, x);
					g_free(full);
					g_free(e);
					el->pdata[i] = g_string_free(g, FALSE);
					if (!again && has_angle_tag(rep))
						again = true;
				}
				g_free(tname);
			}
		}
		g_string_truncate(re, 0);
		for (guint i = 0; i < el->len && re->len <= REPLACE_MAX; i++)
			g_string_append(re, el->pdata[i]);
		g_ptr_array_free(el, TRUE);
		g_free(pre_name);
		g_free(post_name);
		g_free(inter_name);
		passes++;
		if (re->len > REPLACE_MAX) {
			*too_long = true;
			g_string_free(re, TRUE);
			return NULL;
		}
	} while (again && passes <= 5);
	const char *out = re->str + (lead ? 1 : 0);
	if (lead && re->str[0] != '\x01') {
		/* cannot happen: nothing removes the marker */
		g_string_free(re, TRUE);
		return NULL;
	}
	if (strcmp(out, orig) == 0) {
		g_string_free(re, TRUE);
		return NULL;
	}
	char *res = g_strdup(out);
	g_string_free(re, TRUE);
	return res;
}

void
sa_conf_finish(struct sa_ruleset *rs)
{
	if (!rs)
		return;
	struct replace *rp = rs->replace;
	size_t total = 0;
	for (guint i = 0; i < rp->rules->len; i++) {
		const char *name = rp->rules->pdata[i];
		struct sa_rule *r = g_hash_table_lookup(rs->by_name, name);
		if (!r || !r->defined || !r->re || r->type == SA_MIMEHEADER) {
			skip_at(rs, "replace_rules names no pattern rule", NULL, 0, name);
			continue;
		}
		if (total > REPLACE_TOTAL) {
			skip_at(rs, "replace tags: budget exhausted", r->file, r->line, name);
			continue;
		}
		bool too_long = false;
		/* SpamAssassin 4.0.1 works on the compiled pattern's text,
		 * which starts with "(?aa)" (its patterns are compiled with
		 * /aa): never with a tag */
		char *re = replace_pattern(rp, r->re, true, &too_long);
		if (too_long)
			skip_at(rs, "replace tags: pattern too long", r->file, r->line, name);
		if (re) {
			total += strlen(re);
			g_free(r->re);
			r->re = re;
		}
	}
	/* replace_rules applied once */
	g_ptr_array_set_size(rp->rules, 0);
	g_hash_table_remove_all(rp->rules_set);

	/* drop the rules only named by score, describe ... lines */
	GPtrArray *keep = g_ptr_array_new_with_free_func(rule_free);
	for (guint i = 0; i < rs->rules->len; i++) {
		struct sa_rule *r = rs->rules->pdata[i];
		rs->rules->pdata[i] = NULL;
		if (!r->defined) {
			skip_at(rs, "attributes of a rule never defined", r->file, r->line, r->name);
			g_hash_table_remove(rs->by_name, r->name);
			rule_free(r);
			continue;
		}
		/* SpamAssassin's fix_tests(): the default scores */
		if (!r->has_score) {
			double d = strncmp(r->name, "__", 2) == 0 ? 0.0
			    : strncmp(r->name, "T_", 2) == 0 ? 0.01 : 1.0;
			if (r->tflags & SA_TF_NICE)
				d = -d;
			for (int k = 0; k < 4; k++)
				r->score[k] = d;
		}
		g_ptr_array_add(keep, r);
	}
	g_ptr_array_free(rs->rules, TRUE);
	rs->rules = keep;
}
