/*
 * test_tokenize.c - the spam classifier's tokeniser (src/spam/tokenize.c):
 * the exact words of a Japanese sentence in ISO-2022-JP, Shift_JIS and
 * EUC-JP mail (the bytes below were made with Python's codecs), Subject
 * words, number shapes, orthogonal sparse bigrams, CJK bigrams, the header
 * tokens and the receiving-site headers that give none, URL hosts, every
 * limit, the sorted unique hashes, the hash of a name, and the ASCII fast
 * path against ICU's word break iterator.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "mime/message.h"
#include "objects/object.h"
#include "spam/tokenize.h"

static const struct mime_limits mlim = {
	.max_size = 16u << 20,
	.max_decoded = 16u << 20,
	.max_parts = 100,
	.max_depth = 10,
	.max_names = 100,
};

struct tokd {
	struct mime_message *m;
	struct content *c;
	struct obj_tree *t;
	struct spam_features *f;
};

static struct obj_limits
olimits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = &mlim,
	};
	return l;
}

/* Parse s, build the content and the tree as the scan does, tokenise
 * with the families fam (names kept). */
static struct tokd
tok_opts(const char *s, size_t len, const struct spam_tok_opts *o)
{
	static struct obj_limits ol;
	struct tokd d;

	ol = olimits();
	d.m = mime_message_parse((const uint8_t *)s, len, &mlim);
	d.t = obj_tree_build(d.m, &ol);
	d.c = content_new(d.m, NULL);
	content_add_objects(d.c, d.t);
	d.f = spam_tokenize(d.m, d.c, d.t, (const uint8_t *)s, len, o);
	return d;
}

static struct tokd
tok(const char *s, unsigned fam)
{
	struct spam_tok_opts o = spam_tok_defaults;

	o.families = fam;
	o.names = true;
	return tok_opts(s, strlen(s), &o);
}

static void
tok_free(struct tokd *d)
{
	spam_features_free(d->f);
	content_free(d->c);
	obj_tree_free(d->t);
	mime_message_free(d->m);
}

/* The names are exactly want (NULL-terminated), in order. */
static void
assert_names(const struct spam_features *f, const char *const *want)
{
	guint n = 0;

	assert_non_null(f->names);
	for (; want[n] != NULL; n++) {
		if (n >= f->names->len)
			fail_msg("name %u missing: want \"%s\"", n, want[n]);
		if (strcmp(f->names->pdata[n], want[n]) != 0)
			fail_msg("name %u is \"%s\", want \"%s\"", n,
			    (const char *)f->names->pdata[n], want[n]);
	}
	if (n != f->names->len)
		fail_msg("%u names, want %u (next: \"%s\")", f->names->len, n,
		    (const char *)f->names->pdata[n]);
}

/* h is sorted strictly ascending and holds exactly the hashes of names */
static void
assert_hashes_of_names(const struct spam_features *f)
{
	GHashTable *set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

	for (guint i = 0; i < f->names->len; i++) {
		const char *nm = f->names->pdata[i];
		gint64 *h = g_new(gint64, 1);
		*h = (gint64)spam_feature_hash(nm, strlen(nm));
		g_hash_table_add(set, h);
	}
	assert_int_equal(f->h->len, g_hash_table_size(set));
	for (guint i = 0; i < f->h->len; i++) {
		uint64_t v = g_array_index(f->h, uint64_t, i);
		if (i > 0)
			assert_true(g_array_index(f->h, uint64_t, i - 1) < v);
		gint64 k = (gint64)v;
		assert_true(g_hash_table_contains(set, &k));
	}
	g_hash_table_destroy(set);
}

static bool
same_features(const struct spam_features *a, const struct spam_features *b)
{
	return a->h->len == b->h->len &&
	    memcmp(a->h->data, b->h->data, a->h->len * sizeof(uint64_t)) == 0;
}

/* 「お客様のアカウントは一時的に停止。」 in three encodings */
#define JA_JIS "\033$B$*5RMM$N%\042%+%&%s%H$O0l;~E*$KDd;_!#\033(B"
#define JA_SJIS "\202\250\213q\227l\202\314\203A\203J\203E\203\223\203g\202\315\210\352" \
	"\216\236\223I\202\311\222\342\216~\201B"
#define JA_EUC "\244\252\265\322\315\315\244\316\245\242\245\253\245\246\245\363\245\310" \
	"\244\317\260\354\273\376\305\252\244\313\304\344\273\337\241\243"

static const char *const ja_words[] = {
	"w:お客様", "w:の", "w:アカウント", "w:は", "w:一時", "w:的", "w:に", "w:停止",
	NULL,
};

static void
test_japanese(void **state)
{
	(void)state;
	static const struct {
		const char *charset, *body;
	} cases[] = {
		{ "iso-2022-jp", JA_JIS "\r\n" },
		{ "shift_jis", JA_SJIS "\r\n" },
		{ "euc-jp", JA_EUC "\r\n" },
	};
	struct spam_features *first = NULL;
	struct tokd keep = { 0 };

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *mail = g_strdup_printf("From: a@example.jp\r\n"
		    "Content-Type: text/plain; charset=%s\r\n"
		    "Content-Transfer-Encoding: %s\r\n\r\n%s",
		    cases[i].charset, i == 0 ? "7bit" : "8bit", cases[i].body);
		struct tokd d = tok(mail, SPAM_TOK_WORDS);
		assert_names(d.f, ja_words);
		assert_int_equal(d.f->nwords, 8);
		assert_false(d.f->truncated);
		assert_hashes_of_names(d.f);
		/* the same features whatever the charset */
		if (first == NULL) {
			first = d.f;
			keep = d;
		} else {
			assert_true(same_features(first, d.f));
			tok_free(&d);
		}
		g_free(mail);
	}
	tok_free(&keep);
}

/* CJK bigrams over the runs of Han, kana and Hangul; none across a blank
 * or an ASCII letter */
static void
test_cjk_bigrams(void **state)
{
	(void)state;
	struct tokd d = tok("Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "お客様 x一時的 안녕하\r\n", SPAM_TOK_CJK);
	static const char *const want[] = {
		"c:お客", "c:客様", "c:一時", "c:時的", "c:안녕", "c:녕하", NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);
}

/* Half-width katakana and full-width Latin reach the words as NFKC,
 * case-folded */
static void
test_nfkc_fold(void **state)
{
	(void)state;
	struct tokd d = tok("Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "\357\275\261\357\275\266\357\276\235\357\276\204 \357\274\246\357\274\262\357\274\245\357\274\245"
	    " Stra\303\237e \303\211T\303\211\r\n", SPAM_TOK_WORDS);
	/* ｱｶﾝﾄ -> アカント, ＦＲＥＥ -> free, Straße -> strasse, ÉTÉ -> été */
	static const char *const want[] = {
		"w:アカント", "w:free", "w:strasse", "w:été", NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);
}

static void
test_subject(void **state)
{
	(void)state;
	struct tokd d = tok("From: a@example.com\r\n"
	    "Subject: Re: FREE Money!!! =?ISO-2022-JP?B?GyRCTDVOQRsoQiAbJEIkKjVSTU0bKEI=?=\r\n"
	    "Content-Type: text/plain\r\n\r\nfree money\r\n", SPAM_TOK_SUBJECT | SPAM_TOK_WORDS);
	static const char *const want[] = {
		"s:re", "s:free", "s:money", "s:無料", "s:お客様",
		"w:free", "w:money", NULL,
	};
	assert_names(d.f, want);
	assert_int_equal(d.f->nwords, 7);
	tok_free(&d);
}

/* numbers longer than four characters become shapes */
static void
test_numbers(void **state)
{
	(void)state;
	struct tokd d = tok("Content-Type: text/plain\r\n\r\n"
	    "Call 0312345678 or 090-1234-5678: 1,000,000 yen, $19.99 in 2002\r\n",
	    SPAM_TOK_WORDS);
	static const char *const want[] = {
		"w:call", "w:#10", "w:or", "w:090", "w:1234", "w:5678", "w:#1,3,3",
		"w:yen", "w:#2.2", "w:in", "w:2002", NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);
}

/* sparse bigrams within one text part, at distances 1..4, in order */
static void
test_osb(void **state)
{
	(void)state;
	struct tokd d = tok("MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nA b c d e f\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\ng h\r\n--b--\r\n", SPAM_TOK_OSB);
	static const char *const want[] = {
		"o1:a b",
		"o1:b c", "o2:a c",
		"o1:c d", "o2:b d", "o3:a d",
		"o1:d e", "o2:c e", "o3:b e", "o4:a e",
		"o1:e f", "o2:d f", "o3:c f", "o4:b f",
		"o1:g h",	/* a new part: no "f g" */
		NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);

	/* osb_dist 2: "o1:" and "o2:" only */
	struct spam_tok_opts o = spam_tok_defaults;
	o.families = SPAM_TOK_OSB;
	o.names = true;
	o.osb_dist = 2;
	const char *s = "Content-Type: text/plain\r\n\r\na b c d\r\n";
	d = tok_opts(s, strlen(s), &o);
	static const char *const want2[] = {
		"o1:a b", "o1:b c", "o2:a c", "o1:c d", "o2:b d", NULL,
	};
	assert_names(d.f, want2);
	tok_free(&d);
}

static const char hdr_mail[] =
	"From: \"PayPal =?UTF-8?B?44K144Od44O844OI?=\" <service@PayPal.Example.COM>\r\n"
	"Reply-To: <help@other.example.net>\r\n"
	"To: you@example.org\r\n"
	"Subject: x\r\n"
	"Message-ID: <1234.abc@mx.Sender.example>\r\n"
	"X-Mailer: Microsoft Outlook Express 6.00.2600.0000\r\n"
	"List-Id: Razor users <razor-users.lists.sourceforge.net>\r\n"
	"Precedence: bulk\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	"--o\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
	"--a\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nhi\r\n"
	"--a\r\nContent-Type: text/html; charset=\"utf-8\"\r\n\r\n<p>hi</p>\r\n"
	"--a--\r\n"
	"--o\r\nContent-Type: application/octet-stream; name=a.pdf\r\n"
	"Content-Disposition: attachment; filename=a.pdf\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\n"
	"JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n"
	"--o--\r\n";

static void
test_headers(void **state)
{
	(void)state;
	struct tokd d = tok(hdr_mail, SPAM_TOK_HEADERS | SPAM_TOK_MSGID);
	static const char *const want[] = {
		"h:fromdom:paypal.example.com",
		"h:fromname:paypal", "h:fromname:サポート",
		"h:replyto:other.example.net", "h:replyto:!=from",
		"h:msgid:mx.sender.example",
		"h:mailer:microsoft outlook express", "h:mailerw:microsoft",
		"h:listid:razor-users.lists.sourceforge.net",
		"h:prec:bulk",
		"h:charset:iso-8859-1", "h:charset:utf-8",
		"h:mime:multipart/mixed(multipart/alternative(text/plain,text/html),"
		    "application/octet-stream)",
		"h:top:multipart/mixed",
		"h:att:pdf",
		NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);

	/* what a message without those headers gives */
	d = tok("Content-Type: text/plain\r\n\r\nhi\r\n", SPAM_TOK_HEADERS | SPAM_TOK_MSGID);
	static const char *const bare[] = {
		"h:fromdom:none", "h:fromname:none", "h:replyto:absent", "h:msgid:none",
		"h:mailer:none", "h:charset:none", "h:mime:text/plain", "h:top:text/plain",
		NULL,
	};
	assert_names(d.f, bare);
	tok_free(&d);

	/* Reply-To in From's domain; User-Agent */
	d = tok("From: <a@b.example>\r\nReply-To: c@B.Example\r\n"
	    "User-Agent: Mutt/1.5.4i\r\n\r\nhi\r\n", SPAM_TOK_HEADERS | SPAM_TOK_MSGID);
	static const char *const same[] = {
		"h:fromdom:b.example", "h:fromname:none",
		"h:replyto:b.example", "h:replyto:=from", "h:msgid:none",
		"h:mailer:mutt i", "h:mailerw:mutt",
		"h:charset:none", "h:mime:text/plain", "h:top:text/plain", NULL,
	};
	assert_names(d.f, same);
	tok_free(&d);
}

/* The headers the receiving site adds change nothing */
static void
test_receiving_headers_ignored(void **state)
{
	(void)state;
	struct tokd a = tok(hdr_mail, SPAM_TOK_ALL);
	char *more = g_strconcat(
	    "Return-Path: <bounce@spam.example>\r\n"
	    "Delivered-To: me@example.org\r\n"
	    "X-Original-To: me@example.org\r\n"
	    "Received: from mx.spam.example (mx.spam.example [192.0.2.1])\r\n"
	    "\tby mail.example.org with ESMTP id 123; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "X-Spam-Status: Yes, score=15.0 required=5.0 tests=BAYES_99\r\n"
	    "X-Spam-Flag: YES\r\n"
	    "X-Spam-Level: ***************\r\n"
	    "Authentication-Results: mail.example.org; spf=fail\r\n"
	    "X-Virus-Scanned: amavisd-new\r\n",
	    hdr_mail, NULL);
	struct tokd b = tok(more, SPAM_TOK_ALL);
	assert_true(a.f->h->len >= 15);
	assert_true(same_features(a.f, b.f));
	assert_int_equal(a.f->names->len, b.f->names->len);
	for (guint i = 0; i < b.f->names->len; i++) {
		const char *nm = b.f->names->pdata[i];
		assert_null(strstr(nm, "spam.example"));
		assert_null(strstr(nm, "bayes"));
	}
	tok_free(&a);
	tok_free(&b);
	g_free(more);
}

static void
test_urls(void **state)
{
	(void)state;
	struct tokd d = tok("Content-Type: text/html\r\n\r\n"
	    "<a href=\"https://User:pw@WWW.Example.co.uk:8080/x?y\">a</a>"
	    "<a href=\"https://www.example.co.uk/other\">same host</a>"
	    "<a href=\"http://192.0.2.7/login\">b</a>"
	    "<a href=\"mailto:bob@Mail.Example.org?subject=x\">c</a>"
	    "<a href=\"javascript:alert(1)\">d</a>"
	    "<a href=\"http://[2001:DB8::1]/\">e</a>"
	    "<img src=\"cid:logo\">"
	    "<a href=\"//cdn.example.net/i.png\">f</a>"
	    "<a href=\"https://example.com\">g</a>\r\n", SPAM_TOK_URLS);
	static const char *const want[] = {
		"u:www.example.co.uk", "u:.example.co.uk",
		"u:192.0.2.7", "u:<ip>",
		"u:mail.example.org", "u:.example.org",
		"u:[2001:db8::1]", "u:<ip>",
		"u:cdn.example.net", "u:.example.net",
		"u:example.com",
		NULL,
	};
	assert_names(d.f, want);
	tok_free(&d);
}

static void
test_limits(void **state)
{
	(void)state;
	struct spam_tok_opts o = spam_tok_defaults;
	o.families = SPAM_TOK_WORDS | SPAM_TOK_SUBJECT;
	o.names = true;

	/* tokens_max: the subject's words count first */
	o.tokens_max = 4;
	const char *s = "Subject: one two\r\n\r\nthree four five six\r\n";
	struct tokd d = tok_opts(s, strlen(s), &o);
	static const char *const want[] = {
		"s:one", "s:two", "w:three", "w:four", NULL,
	};
	assert_names(d.f, want);
	assert_int_equal(d.f->nwords, 4);
	assert_true(d.f->truncated);
	tok_free(&d);
	o.tokens_max = 6;
	d = tok_opts(s, strlen(s), &o);
	assert_int_equal(d.f->nwords, 6);
	assert_false(d.f->truncated);
	tok_free(&d);

	/* word_max: a longer word is one "w:<long>", and still counts */
	o.tokens_max = spam_tok_defaults.tokens_max;
	o.word_max = 8;
	s = "\r\nshort 12345678 abcdefghi \xc3\xa9t\xc3\xa9s\xc3\xa9\xc3\xa9 end\r\n";
	d = tok_opts(s, strlen(s), &o);
	static const char *const want2[] = {
		"w:short", "w:#8", "w:<long>", "w:<long>", "w:end", NULL,
	};
	assert_names(d.f, want2);
	assert_int_equal(d.f->nwords, 5);
	assert_false(d.f->truncated);
	tok_free(&d);

	/* text_max: the rest of the part is not read, cut on a character */
	o.word_max = spam_tok_defaults.word_max;
	o.text_max = 12;	/* "alpha beta" and two of the three bytes of あ */
	s = "\r\nalpha beta\xe3\x81\x82gamma\r\n";
	d = tok_opts(s, strlen(s), &o);
	static const char *const want3[] = { "w:alpha", "w:beta", NULL };
	assert_names(d.f, want3);
	assert_true(d.f->truncated);
	tok_free(&d);
}

/* h: sorted, no duplicates; a repeated word is one feature */
static void
test_sorted_unique(void **state)
{
	(void)state;
	GString *body = g_string_new("Content-Type: text/plain\r\n\r\n");
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(body, "w%d spam spam w%d\r\n", i % 500, i % 7);
	struct tokd d = tok(body->str, SPAM_TOK_ALL);
	assert_true(d.f->names->len > d.f->h->len);
	assert_hashes_of_names(d.f);
	/* "w:spam" emitted 6000 times, hashed once */
	uint64_t h = spam_feature_hash("w:spam", 6);
	guint hits = 0;
	for (guint i = 0; i < d.f->h->len; i++)
		hits += g_array_index(d.f->h, uint64_t, i) == h;
	assert_int_equal(hits, 1);
	tok_free(&d);
	g_string_free(body, TRUE);

	/* without names, the same hashes */
	struct spam_tok_opts o = spam_tok_defaults;
	struct tokd a = tok(hdr_mail, SPAM_TOK_ALL);
	struct tokd b = tok_opts(hdr_mail, strlen(hdr_mail), &o);
	assert_null(b.f->names);
	assert_true(same_features(a.f, b.f));
	tok_free(&a);
	tok_free(&b);
}

/* XXH3 64, seed 0: a change of hash would silently void every stored
 * model */
static void
test_hash_stable(void **state)
{
	(void)state;
	assert_true(spam_feature_hash("", 0) == 0x2d06800538d394c2ULL);
	assert_true(spam_feature_hash("w:hello", 7) == 0x06dc05cc14ef03beULL);
	struct tokd d = tok("\r\nHello\r\n", SPAM_TOK_WORDS);
	assert_int_equal(d.f->h->len, 1);
	assert_true(g_array_index(d.f->h, uint64_t, 0) == 0x06dc05cc14ef03beULL);
	tok_free(&d);
	/* the two families hashed without their names (records of format 2:
	 * a change voids the second stage's records) */
	uint64_t a = spam_feature_hash("w:a", 3), b = spam_feature_hash("w:b", 3);
	assert_true(spam_feature_hash("o2:a b", 6) == spam_osb_hash(a, b, 2));
	assert_true(spam_osb_hash(a, b, 2) != spam_osb_hash(b, a, 2));
	assert_true(spam_osb_hash(a, b, 2) != spam_osb_hash(a, b, 1));
	assert_true(spam_feature_hash("b:48656c6c", 10) == spam_bytes_hash(0x48656c6c));
	assert_true(spam_feature_hash("o2:a b", 6) == 0xdcf6be679d3300eeULL);
	assert_true(spam_bytes_hash(0x48656c6c) == 0x06c6efcd8af4ad51ULL);
}

static void
assert_same_words(const char *s, size_t n)
{
	GPtrArray *a = spam_text_words(s, n, false);
	GPtrArray *b = spam_text_words(s, n, true);
	bool same = a->len == b->len;
	for (guint i = 0; same && i < a->len; i++)
		same = strcmp(a->pdata[i], b->pdata[i]) == 0;
	if (!same) {
		GString *m = g_string_new(NULL);
		for (guint i = 0; i < a->len; i++)
			g_string_append_printf(m, "[%s]", (const char *)a->pdata[i]);
		g_string_append(m, " vs ICU ");
		for (guint i = 0; i < b->len; i++)
			g_string_append_printf(m, "[%s]", (const char *)b->pdata[i]);
		fail_msg("\"%.*s\": %s", (int)n, s, m->str);
	}
	g_ptr_array_free(a, TRUE);
	g_ptr_array_free(b, TRUE);
}

/* The ASCII fast path finds ICU's words */
static void
test_ascii_as_icu(void **state)
{
	(void)state;
	static const char *const fixed[] = {
		"Hello world, don't e-mail 3.14 1,000 foo@bar.com http://x.y/z",
		"a:b a.b a'b a,b 1,2 1.2 1'2 a_b _a_ 1:2 a@b @a a@ x@1 a.1 1.a a1b 1a",
		"a;b 1;2 a..b a.b.c a' 'a #1 $5 1.2.3 a.b. 1,2,3,a a.@b x@y.1 _ __ 1_ _1",
		"can't won't O'Neil U.S.A. e.g. i.e. 10.0.0.1 3,14;15 a__b ___",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
		assert_same_words(fixed[i], strlen(fixed[i]));

	static const char alpha[] = "aZq09_.,;:'@-/ \n\t!#$%\"&()*+<=>?[]^`{|}~\\\r";
	GRand *r = g_rand_new_with_seed(14);
	char buf[64];
	for (int k = 0; k < 20000; k++) {
		int n = g_rand_int_range(r, 1, (gint32)sizeof buf);
		for (int i = 0; i < n; i++)
			buf[i] = alpha[g_rand_int_range(r, 0, (gint32)sizeof alpha - 1)];
		assert_same_words(buf, (size_t)n);
	}
	g_rand_free(r);

	/* and the ICU path itself */
	const char *ja = "お客様のアカウントは一時的に停止";
	GPtrArray *w = spam_text_words(ja, strlen(ja), false);
	static const char *const want[] = {
		"お客様", "の", "アカウント", "は", "一時", "的", "に", "停止",
	};
	assert_int_equal(w->len, G_N_ELEMENTS(want));
	for (guint i = 0; i < w->len; i++)
		assert_string_equal(w->pdata[i], want[i]);
	g_ptr_array_free(w, TRUE);
}

/* invalid UTF-8 and NULs: words of what is valid, nothing else */
static void
test_invalid_input(void **state)
{
	(void)state;
	static const char bad[] = "ok \xff\xfe caf\xc3 \xe3\x81 \xed\xa0\x80x z\0y \xf4\x90\x80\x80 end";
	GPtrArray *w = spam_text_words(bad, sizeof bad - 1, false);
	assert_true(w->len >= 3);
	assert_string_equal(w->pdata[0], "ok");
	assert_string_equal(w->pdata[w->len - 1], "end");
	g_ptr_array_free(w, TRUE);
	w = spam_text_words(bad, sizeof bad - 1, true);
	assert_string_equal(w->pdata[0], "ok");
	g_ptr_array_free(w, TRUE);

	/* a message with a NUL and 8-bit junk in a plain part */
	static const char mail[] = "Subject: \xff\xfe\r\nContent-Type: text/plain\r\n\r\n"
	    "a\0b \x80\x81 c\r\n";
	struct spam_tok_opts o = spam_tok_defaults;
	o.names = true;
	struct tokd d = tok_opts(mail, sizeof mail - 1, &o);
	for (guint i = 0; i < d.f->names->len; i++)
		assert_true(g_utf8_validate(d.f->names->pdata[i], -1, NULL));
	assert_hashes_of_names(d.f);
	tok_free(&d);

	/* no message, no content: an empty set */
	struct spam_features *f = spam_tokenize(NULL, NULL, NULL, NULL, 0, NULL);
	assert_int_equal(f->h->len, 0);
	assert_null(f->names);
	spam_features_free(f);
}

int
main(void)
{
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_japanese),
		cmocka_unit_test(test_cjk_bigrams),
		cmocka_unit_test(test_nfkc_fold),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_osb),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_receiving_headers_ignored),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sorted_unique),
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_ascii_as_icu),
		cmocka_unit_test(test_invalid_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
