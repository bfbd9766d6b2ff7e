/*
 * test_sa_conf.c - SpamAssassin rule files (src/spam/sa_conf.c): every
 * rule type and header modifier with its exact fields, regex delimiters,
 * scores (one or four, relative, the T_/nice/__ defaults), describe,
 * tflags, priority, nested if/ifplugin/else and the if expressions,
 * include (depth, missing, refused), ReplaceTags (expansions checked
 * against SpamAssassin 4.0.1's own output), redefinition, settings,
 * network rule types, every limit; and the stock rules of
 * /usr/share/spamassassin against the figures SpamAssassin itself gives
 * (tests/sa/sa_conf_figures.pl).
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spam/sa_conf.h"

static struct sa_ruleset *
parse_with(const char *text, const struct sa_parse_opts *o)
{
	struct sa_ruleset *rs = sa_ruleset_new();
	sa_conf_parse(rs, "t.cf", NULL, text, strlen(text), o);
	sa_conf_finish(rs);
	return rs;
}

static struct sa_ruleset *
parse(const char *text)
{
	return parse_with(text, &sa_parse_defaults);
}

static const struct sa_rule *
must(const struct sa_ruleset *rs, const char *name)
{
	const struct sa_rule *r = sa_ruleset_get(rs, name);
	if (!r) {
		print_error("no rule %s\n", name);
		fail();
	}
	return r;
}

static void
assert_scores(const struct sa_rule *r, double a, double b, double c, double d)
{
	double want[4] = {a, b, c, d};
	for (int i = 0; i < 4; i++) {
		if (r->score[i] < want[i] - 1e-9 || r->score[i] > want[i] + 1e-9) {
			print_error("%s score[%d] = %g, want %g\n", r->name, i, r->score[i], want[i]);
			fail();
		}
	}
}

static void
test_header_rules(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "header H_PLAIN  Subject =~ /\\bfree\\b/i\n"
	    "header H_RAW    Subject:raw =~ /=\\?utf-8\\?/\n"
	    "header H_ADDR   From:addr =~ m{\\@example\\.com$}i\n"
	    "header H_NAME   From:name !~ m!^Bob!\n"
	    "header H_TWO    From:first:addr =~ /x/\n"
	    "header H_COLON  Subject: =~ /y/\n"
	    "header H_EXISTS exists:X-Mailer\n"
	    "header H_ALL    ALL =~ /^X-Foo:/m\n"
	    "header H_TOCC   ToCc =~ /a\\/b/ [if-unset: none@x]\n"
	    "header H_MSGID  MESSAGEID =~ m\\#<\\d+x@\\#\n"
	    "header H_EVAL   eval:check_for_missing_to_header()\n"
	    "header H_RBL    rbleval:check_rbl('a', 'zen.example.')\n"
	    "header H_BADMOD From:bogus =~ /x/\n"
	    "header H_DANGLE From:addr: =~ /x/\n"
	    "header H_NOOP   From /x/\n");
	const struct sa_rule *r = must(rs, "H_PLAIN");
	assert_int_equal(r->type, SA_HEADER);
	assert_true(r->defined);
	assert_string_equal(r->hdr, "Subject");
	assert_string_equal(r->re, "\\bfree\\b");
	assert_string_equal(r->re_flags, "i");
	assert_int_equal(r->mod, SA_HDR_DECODED);
	assert_int_equal(r->mods, 0);
	assert_false(r->negate);
	assert_null(r->eval);
	assert_int_equal(r->line, 1);
	assert_string_equal(r->file, "t.cf");

	r = must(rs, "H_RAW");
	assert_string_equal(r->hdr, "Subject");
	assert_int_equal(r->mod, SA_HDR_RAW);
	assert_int_equal(r->mods, 1u << SA_HDR_RAW);
	assert_string_equal(r->re, "=\\?utf-8\\?");
	assert_string_equal(r->re_flags, "");

	r = must(rs, "H_ADDR");
	assert_int_equal(r->mod, SA_HDR_ADDR);
	assert_string_equal(r->re, "\\@example\\.com$");
	assert_string_equal(r->re_flags, "i");

	r = must(rs, "H_NAME");
	assert_int_equal(r->mod, SA_HDR_NAME);
	assert_true(r->negate);
	assert_string_equal(r->re, "^Bob");

	r = must(rs, "H_TWO");
	assert_int_equal(r->mod, SA_HDR_ADDR);
	assert_int_equal(r->mods, (1u << SA_HDR_ADDR) | (1u << SA_HDR_FIRST));

	r = must(rs, "H_COLON");
	assert_string_equal(r->hdr, "Subject");
	assert_int_equal(r->mods, 0);

	r = must(rs, "H_EXISTS");
	assert_true(r->exists);
	assert_string_equal(r->hdr, "X-Mailer");
	assert_null(r->re);

	r = must(rs, "H_ALL");
	assert_string_equal(r->hdr, "ALL");
	assert_string_equal(r->re_flags, "m");

	r = must(rs, "H_TOCC");
	assert_string_equal(r->hdr, "ToCc");
	assert_string_equal(r->re, "a\\/b");
	assert_string_equal(r->if_unset, "none@x");

	/* "\#" is an escaped '#', not a comment: '#' is the delimiter */
	r = must(rs, "H_MSGID");
	assert_string_equal(r->hdr, "MESSAGEID");
	assert_string_equal(r->re, "<\\d+x@");

	r = must(rs, "H_EVAL");
	assert_string_equal(r->eval, "check_for_missing_to_header");
	assert_string_equal(r->eval_args, "");
	assert_null(r->re);

	r = must(rs, "H_RBL");
	assert_string_equal(r->eval, "check_rbl");
	assert_string_equal(r->eval_args, "'a', 'zen.example.'");

	assert_null(sa_ruleset_get(rs, "H_BADMOD"));
	assert_null(sa_ruleset_get(rs, "H_DANGLE"));
	assert_null(sa_ruleset_get(rs, "H_NOOP"));
	assert_int_equal(sa_ruleset_skipped(rs, "invalid header modifier"), 2);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid header test"), 1);
	assert_int_equal(rs->rules->len, 12);
	sa_ruleset_free(rs);
}

static void
test_other_types(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "mimeheader M_CT Content-Type =~ /pdf/i\n"
	    "mimeheader M_RAW Content-Type:raw !~ /x/\n"
	    "body B_RE /\\bviagra\\b/i\n"
	    "body B_EVAL eval:check_body_length('500')\n"
	    "rawbody R_RE m<a href=\"?x>\n"
	    "rawbody R_EVAL eval:check_stock_info('6')\n"
	    "full F_RE m[^From:]m\n"
	    "full F_EVAL eval:check_razor2()\n"
	    "uri U_RE m{^https?://[^/]+\\.ru/}i\n"
	    "uri U_EVAL eval:foo()\n"
	    "meta MT (__A && !__B) || (B_RE + F_RE > 1)\n"
	    "meta MT_BAD A ** 2\n"
	    "body B_DELIM /a/b/\n"
	    "body B_NODELIM viagra\n"
	    "body B_EVALCODE /(?{ system('x') })/\n"
	    "body B_BADMOD /a/e\n"
	    "body B_BSDELIM m\\a\\\n"
	    "body B_ESC m!a\\!b!s\n"
	    "body 9BAD /x/\n"
	    "body B_EMPTY\n");
	const struct sa_rule *r = must(rs, "M_CT");
	assert_int_equal(r->type, SA_MIMEHEADER);
	assert_string_equal(r->hdr, "Content-Type");
	assert_string_equal(r->re, "pdf");
	r = must(rs, "M_RAW");
	assert_int_equal(r->mod, SA_HDR_RAW);
	assert_true(r->negate);
	r = must(rs, "B_RE");
	assert_int_equal(r->type, SA_BODY);
	assert_string_equal(r->re, "\\bviagra\\b");
	r = must(rs, "B_EVAL");
	assert_string_equal(r->eval, "check_body_length");
	assert_string_equal(r->eval_args, "'500'");
	r = must(rs, "R_RE");
	assert_int_equal(r->type, SA_RAWBODY);
	assert_string_equal(r->re, "a href=\"?x");
	assert_int_equal(must(rs, "R_EVAL")->type, SA_RAWBODY);
	r = must(rs, "F_RE");
	assert_int_equal(r->type, SA_FULL);
	assert_string_equal(r->re, "^From:");
	assert_string_equal(r->re_flags, "m");
	assert_string_equal(must(rs, "F_EVAL")->eval, "check_razor2");
	r = must(rs, "U_RE");
	assert_int_equal(r->type, SA_URI);
	assert_string_equal(r->re, "^https?://[^/]+\\.ru/");
	r = must(rs, "MT");
	assert_int_equal(r->type, SA_META);
	assert_string_equal(r->meta, "(__A && !__B) || (B_RE + F_RE > 1)");
	r = must(rs, "B_ESC");
	assert_string_equal(r->re, "a\\!b");
	assert_string_equal(r->re_flags, "s");
	/* uri rules have no eval (SpamAssassin compiles "eval:" as a pattern) */
	assert_null(sa_ruleset_get(rs, "U_EVAL"));
	assert_null(sa_ruleset_get(rs, "MT_BAD"));
	assert_null(sa_ruleset_get(rs, "B_DELIM"));
	assert_null(sa_ruleset_get(rs, "B_NODELIM"));
	assert_null(sa_ruleset_get(rs, "B_EVALCODE"));
	assert_null(sa_ruleset_get(rs, "B_BADMOD"));
	assert_null(sa_ruleset_get(rs, "B_BSDELIM"));
	assert_null(sa_ruleset_get(rs, "B_EMPTY"));
	assert_int_equal(sa_ruleset_skipped(rs, "missing regexp delimiters"), 2);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid meta expression"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "unquoted delimiter found"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "eval (?{}) found"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid end delimiter/mods"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "backslash delimiter not allowed"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid rule name"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid rule line"), 1);
	assert_int_equal(rs->rules->len, 11);
	sa_ruleset_free(rs);

	/* mimeheader is the MIMEHeader plugin's */
	const char *const plugins[] = {"Check", NULL};
	struct sa_parse_opts o = sa_parse_defaults;
	o.plugins = plugins;
	rs = parse_with("mimeheader M_CT Content-Type =~ /pdf/i\n", &o);
	assert_int_equal(rs->rules->len, 0);
	assert_int_equal(sa_ruleset_skipped(rs, "directive of a plugin not loaded"), 1);
	sa_ruleset_free(rs);
}

static void
test_scores_and_attributes(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "score EARLY 2.5\n"
	    "body EARLY /a/\n"
	    "body FOUR /b/\n"
	    "score FOUR 0 1.5 -2 3.25\n"
	    "body T_TEST /c/\n"
	    "body __SUB /d/\n"
	    "body NICE /e/\n"
	    "tflags NICE nice learn\n"
	    "body PLAIN /f/\n"
	    "score REL 1\n"
	    "score REL (0.5) (1) (-1) (2)\n"
	    "body REL /g/\n"
	    "score NOREL (1)\n"
	    "score BAD 1 2\n"
	    "score BAD2 1.\n"
	    "score ONLY 3\n"
	    "describe ONLY never defined\n"
	    "describe PLAIN A plain rule\n"
	    "lang de describe PLAIN Eine Regel\n"
	    "tflags PLAIN multiple maxhits=5 net noautolearn publish nosubject autolearn_force userconf\n"
	    "tflags FOUR multiple\n"
	    "tflags FOUR nice\n"
	    "priority PLAIN -250\n"
	    "priority FOUR 10x\n"
	    "priority FOUR 99999999999\n");
	assert_scores(must(rs, "EARLY"), 2.5, 2.5, 2.5, 2.5);
	assert_true(must(rs, "EARLY")->has_score);
	assert_scores(must(rs, "FOUR"), 0, 1.5, -2, 3.25);
	assert_scores(must(rs, "T_TEST"), 0.01, 0.01, 0.01, 0.01);
	assert_false(must(rs, "T_TEST")->has_score);
	assert_scores(must(rs, "__SUB"), 0, 0, 0, 0);
	assert_scores(must(rs, "NICE"), -1, -1, -1, -1);
	assert_int_equal(must(rs, "NICE")->tflags, SA_TF_NICE | SA_TF_LEARN);
	assert_scores(must(rs, "PLAIN"), 1, 1, 1, 1);
	assert_scores(must(rs, "REL"), 1.5, 2, 0, 3);
	assert_int_equal(sa_ruleset_skipped(rs, "relative score without a score before"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid score line"), 2);
	/* score and describe alone define no rule */
	assert_null(sa_ruleset_get(rs, "ONLY"));
	assert_null(sa_ruleset_get(rs, "NOREL"));
	assert_int_equal(sa_ruleset_skipped(rs, "attributes of a rule never defined"), 1);
	const struct sa_rule *r = must(rs, "PLAIN");
	assert_string_equal(r->describe, "A plain rule");
	assert_int_equal(r->tflags, SA_TF_MULTIPLE | SA_TF_NET | SA_TF_NOAUTOLEARN |
	    SA_TF_PUBLISH | SA_TF_NOSUBJECT | SA_TF_AUTOLEARN_FORCE | SA_TF_USERCONF);
	assert_int_equal(r->maxhits, 5);
	assert_int_equal(r->priority, -250);
	/* a later tflags line replaces the earlier */
	r = must(rs, "FOUR");
	assert_int_equal(r->tflags, SA_TF_NICE);
	assert_string_equal(r->tflags_text, "nice");
	assert_int_equal(r->priority, 0);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid priority"), 2);
	/* explicit score kept with nice */
	assert_scores(r, 0, 1.5, -2, 3.25);
	sa_ruleset_free(rs);
}

static void
test_redefinition(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "body RD /old/i\n"
	    "score RD 4.2\n"
	    "describe RD first\n"
	    "header RD Subject =~ /new/\n"
	    "uri RD /bad/x/\n");
	const struct sa_rule *r = must(rs, "RD");
	assert_int_equal(r->type, SA_HEADER);
	assert_string_equal(r->re, "new");
	assert_string_equal(r->re_flags, "");
	assert_string_equal(r->hdr, "Subject");
	assert_string_equal(r->describe, "first");
	assert_scores(r, 4.2, 4.2, 4.2, 4.2);
	assert_int_equal(r->line, 4);
	assert_int_equal(rs->rules->len, 1);
	sa_ruleset_free(rs);
}

static void
test_conditionals(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "ifplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
	    "  body A1 /a/\n"
	    "  ifplugin Mail::SpamAssassin::Plugin::AskDNS\n"
	    "    body NO1 /x/\n"
	    "    askdns NO2 _SENDERDOMAIN_ A 1.2.3.4\n"
	    "  else\n"
	    "    body A2 /b/\n"
	    "  endif\n"
	    "else\n"
	    "  body NO3 /x/\n"
	    "endif\n"
	    "ifplugin Mail::SpamAssassin::Plugin::Razor2\n"
	    "  if (version >= 3.004000)\n"
	    "    body NO4 /x/\n"
	    "  else\n"
	    "    body NO5 /x/\n"
	    "  endif\n"
	    "endif\n"
	    "if (version >= 4.000000) && can(Mail::SpamAssassin::Conf::feature_capture_rules)\n"
	    "  body A3 /c/\n"
	    "endif\n"
	    "if !plugin(Mail::SpamAssassin::Plugin::ReplaceTags)\n"
	    "  body NO6 /x/\n"
	    "endif\n"
	    "if !(can(Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length)) || version < 3\n"
	    "  body NO7 /x/\n"
	    "else\n"
	    "  body A4 /d/\n"
	    "endif\n"
	    "if can(Mail::SpamAssassin::Plugin::URIDNSBL::has_uridnsbl_for_a)\n"
	    "  body NO8 /x/\n"
	    "endif\n"
	    "if plugin(Mail::SpamAssassin::Plugin::Dmarc) && version > 4.0000005 && 2 * 3 == 6\n"
	    "  body A5 /e/\n"
	    "endif\n"
	    "if version >= banana\n"
	    "  body NO9 /x/\n"
	    "endif\n"
	    "else\n"
	    "endif\n"
	    "if (1\n"
	    "  body NO10 /x/\n");
	const char *yes[] = {"A1", "A2", "A3", "A4", "A5"};
	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		must(rs, yes[i]);
	assert_int_equal(rs->rules->len, G_N_ELEMENTS(yes));
	/* NO1 NO2 NO3 NO4 NO5 NO6 NO7 NO8 NO9 NO10 */
	assert_int_equal(sa_ruleset_skipped(rs, "rule in a block not taken"), 10);
	assert_int_equal(sa_ruleset_skipped(rs, "ifplugin block skipped (plugin not loaded)"), 2);
	assert_int_equal(sa_ruleset_skipped(rs, "if expression not understood"), 2);
	assert_int_equal(sa_ruleset_skipped(rs, "else without if"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "endif without if"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "unclosed if at end of file"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "network rule type: askdns"), 0);
	sa_ruleset_free(rs);

	assert_int_equal(sa_conf_if_eval("version >= 4.000001", &sa_parse_defaults), 1);
	assert_int_equal(sa_conf_if_eval("version > 4.000001", &sa_parse_defaults), 0);
	assert_int_equal(sa_conf_if_eval("!(1 && 0) && (0 || 2)", &sa_parse_defaults), 1);
	assert_int_equal(sa_conf_if_eval("plugin(Mail::SpamAssassin::Plugin::FreeMail)",
	    &sa_parse_defaults), 1);
	assert_int_equal(sa_conf_if_eval("plugin(FreeMail)", &sa_parse_defaults), 0);
	assert_int_equal(sa_conf_if_eval("", &sa_parse_defaults), -1);
	assert_int_equal(sa_conf_if_eval("1 / 0", &sa_parse_defaults), -1);
	assert_int_equal(sa_conf_if_eval("system(1)", &sa_parse_defaults), -1);
	/* deep parentheses: refused, not a deep recursion */
	GString *deep = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append_c(deep, '(');
	g_string_append_c(deep, '1');
	for (int i = 0; i < 5000; i++)
		g_string_append_c(deep, ')');
	assert_int_equal(sa_conf_if_eval(deep->str, &sa_parse_defaults), -1);
	g_string_free(deep, TRUE);

	/* if_depth */
	struct sa_parse_opts o = sa_parse_defaults;
	o.if_depth = 2;
	rs = parse_with("if 1\nif 1\nif 1\nif 1\nbody NO /x/\nendif\nbody NO2 /x/\nendif\n"
	    "body YES /y/\nendif\nendif\nbody YES2 /z/\n", &o);
	must(rs, "YES");
	must(rs, "YES2");
	assert_int_equal(rs->rules->len, 2);
	assert_int_equal(sa_ruleset_skipped(rs, "if nesting too deep"), 2);
	sa_ruleset_free(rs);
}

static void
test_settings_and_skips(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(
	    "# a comment\n"
	    "   \n"
	    "freemail_domains gmail.com yahoo.com\n"
	    "freemail_domains mail.ru\n"
	    "util_rb_2tld co.uk\n"
	    "Welcomelist-From *@example.com\n"
	    "def_welcomelist_auth *@bank.example\n"
	    "report Spam detection software # a comment\n"
	    "add_header all Status _YESNO_\n"
	    "askdns  ASK _SENDERDOMAIN_ A 1.2.3.4\n"
	    "urirhssub URIBL_X multi.uribl.example. A 2\n"
	    "uridnsbl URIBL_Y zen.example. TXT\n"
	    "dns_block_rule URIBL_X multi.uribl.example\n"
	    "uri_detail UD host =~ /x/\n"
	    "frobnicate yes\n"
	    "require_version @@VERSION@@\n"
	    "lang fr describe X Y\n"
	    "loadplugin Mail::SpamAssassin::Plugin::Foo\n");
	GPtrArray *a = g_hash_table_lookup(rs->settings, "freemail_domains");
	assert_non_null(a);
	assert_int_equal(a->len, 2);
	assert_string_equal(a->pdata[0], "gmail.com yahoo.com");
	assert_string_equal(a->pdata[1], "mail.ru");
	a = g_hash_table_lookup(rs->settings, "welcomelist_from");
	assert_non_null(a);
	assert_string_equal(a->pdata[0], "*@example.com");
	assert_non_null(g_hash_table_lookup(rs->settings, "util_rb_2tld"));
	assert_non_null(g_hash_table_lookup(rs->settings, "def_welcomelist_auth"));
	a = g_hash_table_lookup(rs->settings, "report");
	assert_string_equal(a->pdata[0], "Spam detection software");
	assert_non_null(g_hash_table_lookup(rs->settings, "add_header"));
	assert_int_equal(g_hash_table_size(rs->settings), 6);
	assert_int_equal(sa_ruleset_skipped(rs, "network rule type: askdns"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "network rule type: urirhssub"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "network rule type: uridnsbl"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "network rule type: dns_block_rule"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "rule type not supported: uri_detail"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "unknown directive"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "loadplugin ignored (the plugins are the options')"), 1);
	assert_string_equal(g_hash_table_lookup(rs->skipped_example, "unknown directive"),
	    "t.cf:15: frobnicate yes");
	assert_int_equal(rs->rules->len, 0);
	assert_int_equal(rs->lines, 18);
	assert_int_equal(rs->files, 1);
	sa_ruleset_free(rs);

	/* a version that is not ours: the rest of the file skipped */
	rs = parse("body A /a/\nrequire_version 3.004002\nbody B /b/\n");
	must(rs, "A");
	assert_null(sa_ruleset_get(rs, "B"));
	assert_int_equal(sa_ruleset_skipped(rs, "require_version mismatch (rest of file skipped)"), 1);
	sa_ruleset_free(rs);
}

static void
test_limits(void **state)
{
	(void)state;
	struct sa_parse_opts o = sa_parse_defaults;
	o.line_max = 20;
	o.rules_max = 2;
	struct sa_ruleset *rs = parse_with(
	    "body A /a/\n"
	    "body LONGER_THAN_TWENTY /a/\n"
	    "body B /b/\n"
	    "body C /c/\n"
	    "score D 1\n"
	    "body A /a2/\r\n"
	    "body \0NUL /x/\n", &o);
	/* strlen stops at the NUL: give the length */
	sa_ruleset_free(rs);
	static const char text[] = "body A /a/\nbody LONGER_THAN_TWENTY /a/\nbody B /b/\n"
	    "body C /c/\nscore D 1\nbody A /a2/\r\nbody \0NUL /x/\n";
	rs = sa_ruleset_new();
	sa_conf_parse(rs, "l.cf", NULL, text, sizeof text - 1, &o);
	sa_conf_finish(rs);
	assert_int_equal(rs->rules->len, 2);
	assert_string_equal(must(rs, "A")->re, "a2");
	must(rs, "B");
	assert_int_equal(sa_ruleset_skipped(rs, "line too long"), 1);
	assert_int_equal(sa_ruleset_skipped(rs, "rules_max reached"), 2);
	assert_int_equal(sa_ruleset_skipped(rs, "line with a NUL byte"), 1);
	assert_int_equal(rs->lines, 7);
	sa_ruleset_free(rs);

	o = sa_parse_defaults;
	o.file_max = 10;
	rs = parse_with("body A /a/\nbody B /b/\n", &o);
	assert_int_equal(rs->rules->len, 0);
	assert_int_equal(sa_ruleset_skipped(rs, "file too large"), 1);
	sa_ruleset_free(rs);

	/* a name of 100 bytes is the longest */
	GString *t = g_string_new("body ");
	for (int i = 0; i < 100; i++)
		g_string_append_c(t, 'N');
	g_string_append(t, " /x/\nbody ");
	for (int i = 0; i < 101; i++)
		g_string_append_c(t, 'M');
	g_string_append(t, " /x/\n");
	rs = parse(t->str);
	assert_int_equal(rs->rules->len, 1);
	assert_int_equal(strlen(((struct sa_rule *)rs->rules->pdata[0])->name), 100);
	assert_int_equal(sa_ruleset_skipped(rs, "invalid rule name"), 1);
	sa_ruleset_free(rs);
	g_string_free(t, TRUE);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *p = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

static void
test_include(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("sa_conf_XXXXXX", NULL);
	assert_non_null(dir);
	char *sub = g_build_filename(dir, "sub", NULL);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "10_main.cf", "body MAIN /m/\ninclude sub/inc.cf\ninclude missing.cf\n"
	    "ifplugin Mail::SpamAssassin::Plugin::AskDNS\ninclude sub/never.cf\nendif\n"
	    "score INC 3\n");
	write_file(sub, "inc.cf", "body INC /i/\ninclude inc2.cf\n");
	write_file(sub, "inc2.cf", "body INC2 /j/\n");
	write_file(sub, "never.cf", "body NEVER /n/\n");
	write_file(dir, "20_self.cf", "body SELF /s/\ninclude 20_self.cf\n");
	write_file(dir, "05_first.cf", "score MAIN 7\n");
	write_file(dir, "notes.txt", "body TXT /t/\n");

	struct sa_ruleset *rs = sa_ruleset_new();
	char err[256] = "";
	assert_true(sa_conf_load(rs, dir, &sa_parse_defaults, err, sizeof err));
	sa_conf_finish(rs);
	must(rs, "MAIN");
	assert_scores(must(rs, "MAIN"), 7, 7, 7, 7);
	const struct sa_rule *r = must(rs, "INC");
	assert_scores(r, 3, 3, 3, 3);
	assert_true(g_str_has_suffix(r->file, "sub/inc.cf"));
	must(rs, "INC2");
	must(rs, "SELF");
	assert_null(sa_ruleset_get(rs, "NEVER"));
	assert_null(sa_ruleset_get(rs, "TXT"));
	assert_int_equal(rs->rules->len, 4);
	assert_int_equal(sa_ruleset_skipped(rs, "include not found"), 1);
	/* 20_self.cf includes itself: 8 levels, then refused */
	assert_int_equal(sa_ruleset_skipped(rs, "include too deep"), 1);
	/* 05_first, 10_main, inc, inc2, 20_self and its 8 includes */
	assert_int_equal(rs->files, 13);
	sa_ruleset_free(rs);

	/* a buffer without a directory refuses includes */
	rs = parse("include sub/inc.cf\n");
	assert_int_equal(sa_ruleset_skipped(rs, "include refused"), 1);
	sa_ruleset_free(rs);

	/* a path that is not there */
	rs = sa_ruleset_new();
	char *nowhere = g_build_filename(dir, "nowhere", NULL);
	assert_false(sa_conf_load(rs, nowhere, &sa_parse_defaults, err, sizeof err));
	assert_contains(err, "nowhere");
	g_free(nowhere);
	sa_ruleset_free(rs);

	const char *files[] = {"10_main.cf", "20_self.cf", "05_first.cf", "notes.txt",
	    "sub/inc.cf", "sub/inc2.cf", "sub/never.cf"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *p = g_build_filename(dir, files[i], NULL);
		unlink(p);
		g_free(p);
	}
	rmdir(sub);
	rmdir(dir);
	g_free(sub);
	g_free(dir);
}

/* Expected patterns: printed by SpamAssassin 4.0.1 itself for this file
 * (Mail::SpamAssassin with Check and ReplaceTags loaded,
 * qr_to_string($conf->{test_qrs}{NAME}) with "(?aa)(?aa)(?i)" cut). */
static const char replace_cf[] =
    "replace_tag A (?:a|4|@)\n"
    "replace_tag G g\n"
    "replace_tag I (?:i|1|l)\n"
    "replace_tag R r\n"
    "replace_tag V (?:v|\\\\\\/)\n"
    "replace_tag SP [\\s_.]\n"
    "replace_tag AB <A><B>\n"
    "replace_tag B b\n"
    "replace_inter SP1 <SP>?\n"
    "replace_pre W1 (?<!\\w)\n"
    "replace_post W2 (?!\\w)\n"
    "body DRUG_VIAGRA /<inter SP1><V><I><A><G><R><A>/i\n"
    "body DRUG_NOFLAGS /<inter SP1><V><I><A>/\n"
    "body PREPOST /<pre W1><post W2>x<A>y<G>/\n"
    "header HDR_TAG Subject =~ /<AB>!/\n"
    "body NOTAG /plain/\n"
    "replace_rules DRUG_VIAGRA DRUG_NOFLAGS PREPOST HDR_TAG NOTAG NOSUCH\n";

static void
test_replace_tags(void **state)
{
	(void)state;
	struct sa_ruleset *rs = parse(replace_cf);
	const struct sa_rule *r = must(rs, "DRUG_VIAGRA");
	assert_string_equal(r->re,
	    "(?:v|\\\\\\/)[\\s_.]?(?:i|1|l)[\\s_.]?(?:a|4|@)[\\s_.]?g[\\s_.]?r[\\s_.]?(?:a|4|@)");
	assert_string_equal(r->re_flags, "i");
	assert_string_equal(must(rs, "DRUG_NOFLAGS")->re,
	    "(?:v|\\\\\\/)[\\s_.]?(?:i|1|l)[\\s_.]?(?:a|4|@)");
	/* SpamAssassin's own quirk: the tag is looked for from the first '<',
	 * which the pre text "(?<!" holds, so <A> and <G> stay */
	assert_string_equal(must(rs, "PREPOST")->re, "x(?<!\\w)<A>(?!\\w)y(?<!\\w)<G>(?!\\w)");
	/* a tag whose value holds tags: a second pass */
	assert_string_equal(must(rs, "HDR_TAG")->re, "(?:a|4|@)b!");
	assert_string_equal(must(rs, "NOTAG")->re, "plain");
	assert_int_equal(sa_ruleset_skipped(rs, "replace_rules names no pattern rule"), 1);
	sa_ruleset_free(rs);

	/* without the plugin, the directives are counted and nothing replaced */
	const char *const plugins[] = {"Check", NULL};
	struct sa_parse_opts o = sa_parse_defaults;
	o.plugins = plugins;
	rs = parse_with(replace_cf, &o);
	assert_string_equal(must(rs, "DRUG_NOFLAGS")->re, "<inter SP1><V><I><A>");
	assert_int_equal(sa_ruleset_skipped(rs, "directive of a plugin not loaded"), 12);
	sa_ruleset_free(rs);

	/* a tag that expands to itself stops after 6 passes, bounded */
	rs = parse("replace_tag X <X><X>\nbody LOOP /<X>/\nreplace_rules LOOP\n");
	r = must(rs, "LOOP");
	assert_true(strlen(r->re) < 1000);
	sa_ruleset_free(rs);
}

/*
 * The stock rules: what tests/sa/sa_conf_figures.pl prints with
 * SpamAssassin 4.0.1 (Debian's spamassassin 4.0.1) and the plugins of
 * sa_parse_defaults:
 *   body 703 (114 eval), full 14 (10 eval), header 810 (168 eval),
 *   meta 897, mimeheader 61, rawbody 63 (7 eval), uri 142, and 19 "empty"
 *   tests that only `reuse` lines name (no rule here);
 *   patterns 1363 e81ebb0b...: the SHA-256 of "NAME\tPATTERN\n" of every
 *   pattern rule (not mimeheader), sorted by name, ReplaceTags applied,
 *   the capture templates %{TAG} as written;
 *   scores below.
 */
struct stock_score {
	const char *name;
	double s[4];
};

static const struct stock_score stock_scores[] = {
	{"BAYES_99", {0, 0, 3.8, 3.5}},
	{"BAYES_00", {0, 0, -1.5, -1.9}},
	{"HTML_MESSAGE", {0.001, 0.001, 0.001, 0.001}},
	{"MISSING_DATE", {2.739, 1.396, 1.8, 1.36}},
	{"FREEMAIL_FROM", {0.001, 0.001, 0.001, 0.001}},
	{"DKIM_VALID", {-0.1, -0.1, -0.1, -0.1}},
	{"SPF_PASS", {-0.001, -0.001, -0.001, -0.001}},
	{"T_REMOTE_IMAGE", {0.01, 0.01, 0.01, 0.01}},
};

static gint
by_string(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_stock_rules(void **state)
{
	(void)state;
	const char *dir = "/usr/share/spamassassin";
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		skip();
	struct sa_ruleset *rs = sa_ruleset_new();
	char err[256];
	assert_true(sa_conf_load(rs, dir, &sa_parse_defaults, err, sizeof err));
	sa_conf_finish(rs);

	unsigned count[SA_TYPE_COUNT] = {0}, evals[SA_TYPE_COUNT] = {0};
	GPtrArray *pat = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < rs->rules->len; i++) {
		const struct sa_rule *r = rs->rules->pdata[i];
		count[r->type]++;
		if (r->eval)
			evals[r->type]++;
		if (r->re && r->type != SA_MIMEHEADER) {
			/* the leading flag groups "(?i)" cut, as the Perl side
			 * does (a pattern may start with its own) */
			const char *re = r->re;
			for (;;) {
				const char *q = re;
				if (q[0] != '(' || q[1] != '?')
					break;
				q += 2;
				if (*q == '^')
					q++;
				while (*q >= 'a' && *q <= 'z')
					q++;
				if (*q != ')')
					break;
				re = q + 1;
			}
			g_ptr_array_add(pat, g_strdup_printf("%s\t%s\n", r->name, re));
		}
	}
	printf("stock: %u rules, %u files, %u lines\n", rs->rules->len, rs->files, rs->lines);
	for (int t = 0; t < SA_TYPE_COUNT; t++)
		printf("  %-10s %4u (%u eval)\n", sa_type_name((enum sa_type)t), count[t], evals[t]);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, rs->skipped);
	while (g_hash_table_iter_next(&it, &k, &v))
		printf("  skipped %5u %s\n", GPOINTER_TO_UINT(v), (const char *)k);
	printf("  settings: %u directives\n", g_hash_table_size(rs->settings));

	assert_int_equal(count[SA_HEADER], 810);
	assert_int_equal(evals[SA_HEADER], 168);
	assert_int_equal(count[SA_MIMEHEADER], 61);
	assert_int_equal(count[SA_BODY], 703);
	assert_int_equal(evals[SA_BODY], 114);
	assert_int_equal(count[SA_RAWBODY], 63);
	assert_int_equal(evals[SA_RAWBODY], 7);
	assert_int_equal(count[SA_FULL], 14);
	assert_int_equal(evals[SA_FULL], 10);
	assert_int_equal(count[SA_URI], 142);
	assert_int_equal(count[SA_META], 897);

	for (size_t i = 0; i < G_N_ELEMENTS(stock_scores); i++) {
		const struct stock_score *w = &stock_scores[i];
		assert_scores(must(rs, w->name), w->s[0], w->s[1], w->s[2], w->s[3]);
	}

	g_ptr_array_sort(pat, by_string);
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	for (guint i = 0; i < pat->len; i++)
		g_checksum_update(sum, pat->pdata[i], (gssize)strlen(pat->pdata[i]));
	printf("  patterns %u %s\n", pat->len, g_checksum_get_string(sum));
	assert_int_equal(pat->len, 1363);
	assert_string_equal(g_checksum_get_string(sum),
	    "e81ebb0baf1bf8a9e80e11c19ffb4a97b9bbe59a0c162ea19e8cb9c80466f12a");
	g_checksum_free(sum);
	sa_ruleset_free(rs);
	g_ptr_array_free(pat, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_scores_and_attributes),
		cmocka_unit_test(test_redefinition),
		cmocka_unit_test(test_conditionals),
		cmocka_unit_test(test_settings_and_skips),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_replace_tags),
		cmocka_unit_test(test_stock_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
