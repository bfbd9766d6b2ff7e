/*
 * cmd.c - Windows batch files (.bat/.cmd) and cmd.exe command lines as
 * droppers obfuscate them ("DOSfuscation": variables cut into characters,
 * replacements, carets, nested cmd /c), evaluated into the command lines
 * they run (see deob.h).
 *
 * The model follows cmd.exe's parsing phases, line by line:
 *   1. percent expansion of the whole line: %name%, %name:~start,len%
 *      (negative start counts from the end, negative len stops that many
 *      before it), %name:old=new% (ASCII case-insensitive, every match)
 *      and %name:*old=new% (through the first match).  In a batch file
 *      %% is one %, %0..%9, %* and %~dp0 are empty and an undefined
 *      variable is removed; on a command line an undefined one stays as
 *      written.  An undefined or malformed %name:... loses (batch) or
 *      keeps (command line) its "%name:" and the scan goes on after it;
 *   2. the line is cut into commands at & && || | outside double quotes
 *      and at the ')' closing a block a command opened with '(' (a ')'
 *      outside a block is text); a caret outside quotes escapes the next
 *      byte; FOR and IF take the rest of the line as their body (all
 *      conditions of && and || are taken as met);
 *   3. each command, when delayed expansion is on (setlocal
 *      enabledelayedexpansion, cmd /v:on) and it holds a '!', gets
 *      !name! with the same modifiers (undefined: empty; carets escape);
 *   4. the command runs: set (name=value, "name=value"; /a and /p are
 *      not evaluated), setlocal, call (its text expanded by phase 1
 *      again, then run), cmd /c, /k, /r with /v:on|off (the string after
 *      the switch, its first and last quote removed, is a new command line
 *      with the variables inherited: a child environment, lim->depth
 *      levels deep), start (its program runs), for with a constant set
 *      (for %x in (a b c), for /L %x in (start,step,end), and for /f over
 *      ('command'), which is run), if (==, EQU..GEQ, defined, /i, not;
 *      exist and errorlevel are unknown: both branches run; a block and
 *      its else on the same line).  Labels, goto, endlocal, echo and
 *      everything else are read as straight-line code, line by line (a
 *      block over several lines is not gathered into one).
 * A text of one line is a command line; of more, a batch file.  A caret
 * ending a line joins the next.
 * Built-in variables have their conventional values (%COMSPEC%
 * C:\Windows\system32\cmd.exe, %SystemRoot%, %windir%, %PUBLIC%, %TEMP%,
 * %APPDATA% ...), so that %COMSPEC:~-7,1% picks a 'c'.
 *
 * Recorded, how "cmd expansion", in the order run (a command before the
 * commands it runs): every http, https and ftp URL in an expanded command
 * other than set (whose values may be halves); each command, fully
 * expanded, that starts a program (powershell, mshta, rundll32, certutil,
 * bitsadmin, curl, wscript, start, msiexec, cmd ... or any *.exe), its
 * name without quotes ("" noise), unless it appears as such in the line
 * as written.  An -EncodedCommand is left to the PowerShell evaluator,
 * which the caller hands the command line.
 *
 * Bounds: deob_step() per line, per token of the expansions, per command,
 * per FOR iteration and per 64 bytes scanned or written; an expanded line
 * and a variable's value are cut at DEOB_STR_MAX bytes; at most VARS_BYTES
 * are ever stored in variables (r->limit "bytes" beyond); call, cmd, for
 * and if nest at most DEOB_NEST_MAX deep on the C stack (cmd /c also
 * lim->depth deep; beyond: r->limit "depth"); at most MAX_RECORDS
 * records, r->limit "bytes" beyond.
 */
#include "deob.h"

#include <string.h>

#define LINE_CAP DEOB_STR_MAX	/* bytes of an expanded line or value */
#define VARS_BYTES (16u * 1024u * 1024u)	/* bytes ever stored in variables */
#define MAX_RECORDS 10000	/* records per input */
#define MAX_FOR_ITEMS 100000	/* iterations of one FOR */
#define WORD_MAX 64		/* bytes of a command name kept */
#define SCAN_PER_STEP 64	/* bytes scanned per step */

static const char HOW[] = "cmd expansion";

/* Programs whose command line is recorded (lower case, without .exe). */
static const char *const PROGRAMS[] = {
	"powershell", "pwsh", "mshta", "rundll32", "regsvr32", "certutil", "bitsadmin",
	"curl", "wget", "wscript", "cscript", "start", "msiexec", "cmd", "schtasks", "reg",
	"wmic", "forfiles", "msbuild", "installutil", "regasm", "regsvcs", "hh", "explorer",
	"conhost", "ftp", "tftp", "expand", "extrac32", "esentutl", "finger", "pcalua",
	"odbcconf", "cmstp", "certreq", "msdt", "msxsl", "sc", "net", "net1", "netsh",
	"taskkill", "vssadmin", "bcdedit", "attrib", "xcopy", "copy", "move", "del",
	"ren", "rename", "timeout", "ping", "nslookup", "tar", "ssh", "scp", "runas",
};

/* Built-in variables and their conventional values. */
static const char *const BUILTINS[][2] = {
	{ "comspec", "C:\\Windows\\system32\\cmd.exe" },
	{ "systemroot", "C:\\Windows" },
	{ "windir", "C:\\Windows" },
	{ "systemdrive", "C:" },
	{ "public", "C:\\Users\\Public" },
	{ "temp", "C:\\Users\\user\\AppData\\Local\\Temp" },
	{ "tmp", "C:\\Users\\user\\AppData\\Local\\Temp" },
	{ "programdata", "C:\\ProgramData" },
	{ "allusersprofile", "C:\\ProgramData" },
	{ "appdata", "C:\\Users\\user\\AppData\\Roaming" },
	{ "localappdata", "C:\\Users\\user\\AppData\\Local" },
	{ "userprofile", "C:\\Users\\user" },
	{ "homedrive", "C:" },
	{ "homepath", "\\Users\\user" },
	{ "username", "user" },
	{ "computername", "DESKTOP" },
	{ "os", "Windows_NT" },
	{ "programfiles", "C:\\Program Files" },
	{ "programfiles(x86)", "C:\\Program Files (x86)" },
	{ "commonprogramfiles", "C:\\Program Files\\Common Files" },
	{ "processor_architecture", "AMD64" },
	{ "pathext", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC" },
	{ "path", "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
	    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\" },
};

/* Variables: one table per cmd.exe process; a child's lookups go on to its
 * parent.  A name maps to its value (GString *) or, unset, to NULL. */
struct env {
	GHashTable *own;
	struct env *parent;
};

/* What the whole evaluation shares. */
struct st {
	const struct deob_limits *lim;	/* the caller's (may be NULL) */
	unsigned depth;		/* cmd /c levels allowed */
	struct deob_result *r;
	const char *raw;	/* the line as written */
	size_t rawn;
	size_t records;
	size_t var_bytes;
	unsigned nest;		/* C stack depth of run_line/exec_command */
	bool stop;		/* a limit was hit */
};

/* One cmd.exe process: its variables and modes. */
struct ctx {
	struct st *st;
	struct env *env;
	bool batch;		/* batch-file rules for % (else command line) */
	bool delayed;		/* !name! is expanded */
	unsigned cmd_depth;	/* cmd /c levels above */
};

static void run_line(struct ctx *c, const char *s, size_t n);
static void exec_command(struct ctx *c, const char *s, size_t n);

/* ---- bounds ------------------------------------------------------------ */

/* deob_step(); on false the evaluation stops. */
static bool
step(struct st *st, uint64_t n)
{
	if (st->stop)
		return false;
	if (!deob_step(st->r, st->lim, n))
		st->stop = true;
	return !st->stop;
}

/* Append s[0..n) to o, cut at LINE_CAP, a step per SCAN_PER_STEP bytes. */
static void
put(struct st *st, GString *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	step(st, 1 + n / SCAN_PER_STEP);
	if (o->len >= LINE_CAP)
		return;
	g_string_append_len(o, s, (gssize)MIN(n, LINE_CAP - o->len));
}

/* Enter one more level of C recursion; false (r->limit "depth") past the
 * bound. */
static bool
enter(struct st *st)
{
	if (st->stop)
		return false;
	if (st->nest >= DEOB_NEST_MAX) {
		if (st->r->limit == NULL)
			st->r->limit = "depth";
		return false;
	}
	st->nest++;
	return true;
}

/* Record s[0..n) (its trimmed form); false once the records are over. */
static void
record(struct st *st, const char *s, size_t n)
{
	while (n > 0 && g_ascii_isspace(s[n - 1]))
		n--;
	if (n == 0 || st->stop)
		return;
	if (st->records >= MAX_RECORDS) {
		if (st->r->limit == NULL)
			st->r->limit = "bytes";
		st->stop = true;
		return;
	}
	st->records++;
	if (!deob_add(st->r, st->lim, s, n, HOW))
		st->stop = true;
}

/* ---- bytes ------------------------------------------------------------- */

/* cmd.exe's token delimiters. */
static bool
is_delim(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',' || ch == ';' || ch == '=' || ch == '\v' ||
	    ch == '\f' || (unsigned char)ch == 0xFF;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Whether s[0..n) starts with the word w (ASCII case-insensitive) followed
 * by a delimiter, a quote, a parenthesis or the end. */
static bool
word_is(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n < k || g_ascii_strncasecmp(s, w, k) != 0)
		return false;
	return n == k || is_delim(s[k]) || s[k] == '"' || s[k] == '(';
}

/*
 * needle[0..m) in hay[0..n), or NULL.  Short needles by memchr and a
 * comparison (AddressSanitizer's memmem interceptor reads all of hay on
 * every call: quadratic in a loop); long ones by memmem.
 */
static const char *
find(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || m > n)
		return NULL;
	if (m > 16)
		return memmem(hay, n, needle, m);
	const char *p = hay, *end = hay + n - m + 1;
	while (p < end && (p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
		if (memcmp(p, needle, m) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* A decimal integer at s[*i..n) with an optional sign, clamped; 0 when
 * there are no digits. */
static long
parse_int(const char *s, size_t n, size_t *i)
{
	bool neg = false;
	long v = 0;

	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	if (*i < n && (s[*i] == '-' || s[*i] == '+')) {
		neg = s[*i] == '-';
		(*i)++;
	}
	while (*i < n && g_ascii_isdigit(s[*i])) {
		if (v < 100000000)
			v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return neg ? -v : v;
}

/* ---- variables --------------------------------------------------------- */

static void
gstring_free(gpointer p)
{
	if (p != NULL)
		g_string_free(p, TRUE);
}

static struct env *
env_new(struct env *parent)
{
	struct env *e = g_new(struct env, 1);
	e->own = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, gstring_free);
	e->parent = parent;
	return e;
}

static void
env_free(struct env *e)
{
	g_hash_table_unref(e->own);
	g_free(e);
}

/* The value of name[0..n) (case-insensitive), or NULL. */
static const GString *
var_get(const struct env *e, const char *name, size_t n)
{
	if (n == 0)
		return NULL;
	char *k = g_ascii_strdown(name, (gssize)n);
	const GString *v = NULL;
	for (; e != NULL; e = e->parent) {
		gpointer val;
		if (g_hash_table_lookup_extended(e->own, k, NULL, &val)) {
			v = val;
			break;
		}
	}
	g_free(k);
	return v;
}

/* Set name to val (vn == 0: unset) in c's own table. */
static void
var_set(struct ctx *c, const char *name, size_t n, const char *val, size_t vn)
{
	struct st *st = c->st;
	if (n == 0 || !step(st, 1 + (n + vn) / SCAN_PER_STEP))
		return;
	vn = MIN(vn, LINE_CAP);
	n = MIN(n, LINE_CAP);
	if (st->var_bytes + n + vn > VARS_BYTES) {
		if (st->r->limit == NULL)
			st->r->limit = "bytes";
		st->stop = true;
		return;
	}
	st->var_bytes += n + vn;
	g_hash_table_replace(c->env->own, g_ascii_strdown(name, (gssize)n),
	    vn > 0 ? g_string_new_len(val, (gssize)vn) : NULL);
}

/* ---- modifiers ----------------------------------------------------------- */

/* v[~spec]: spec is "start" or "start,len" as cmd.exe counts them. */
static void
substring(struct st *st, const GString *v, const char *spec, size_t sn, GString *o)
{
	size_t i = 0;
	long len = (long)v->len;
	long start = parse_int(spec, sn, &i);
	long end = len;

	if (start < 0)
		start = MAX(start + len, 0);
	if (start > len)
		start = len;
	if (i < sn && spec[i] == ',') {
		i++;
		long k = parse_int(spec, sn, &i);
		end = k < 0 ? len + k : start + MIN(k, len);
		end = MIN(end, len);
	}
	if (end > start)
		put(st, o, v->str + start, (size_t)(end - start));
}

/* v with old replaced by new (spec "old=new"; "*old=new": everything
 * through the first old). */
static void
replace(struct st *st, const GString *v, const char *spec, size_t sn, GString *o)
{
	const char *eq = memchr(spec, '=', sn);
	bool star = sn > 0 && spec[0] == '*';
	const char *old = spec + (star ? 1 : 0);
	size_t on = (size_t)(eq - old);
	const char *nw = eq + 1;
	size_t nn = sn - (size_t)(nw - spec);

	if (on == 0) {
		put(st, o, v->str, v->len);
		return;
	}
	char *lv = g_ascii_strdown(v->str, (gssize)v->len);
	char *lo = g_ascii_strdown(old, (gssize)on);
	size_t i = 0;
	while (i < v->len && !st->stop) {
		const char *m = find(lv + i, v->len - i, lo, on);
		step(st, 1 + (m != NULL ? (size_t)(m - lv) - i : v->len - i) / SCAN_PER_STEP);
		if (m == NULL)
			break;
		size_t k = (size_t)(m - lv);
		if (!star)
			put(st, o, v->str + i, k - i);
		put(st, o, nw, nn);
		i = k + on;
		if (star)
			break;
	}
	if (i < v->len)
		put(st, o, v->str + i, v->len - i);
	g_free(lv);
	g_free(lo);
}

/* v with the modifier mod[0..mn) (after the colon) applied into o; false
 * when it is malformed. */
static bool
modify(struct st *st, const GString *v, const char *mod, size_t mn, GString *o)
{
	if (mn > 0 && mod[0] == '~') {
		substring(st, v, mod + 1, mn - 1, o);
		return true;
	}
	if (memchr(mod, '=', mn) == NULL)
		return false;
	replace(st, v, mod, mn, o);
	return true;
}

/* ---- phase 1: percent expansion ------------------------------------------ */

/* s[0..n) with %...% expanded into o, by c's batch or command-line rules. */
static void
expand_percent(struct ctx *c, const char *s, size_t n, GString *o)
{
	struct st *st = c->st;
	size_t i = 0;

	while (i < n && !st->stop) {
		const char *p = memchr(s + i, '%', n - i);
		size_t k = p != NULL ? (size_t)(p - s) : n;
		put(st, o, s + i, k - i);
		if (p == NULL || !step(st, 1))
			break;
		i = k;
		if (c->batch && i + 1 < n && s[i + 1] == '%') {
			put(st, o, "%", 1);
			i += 2;
			continue;
		}
		if (c->batch && i + 1 < n && (g_ascii_isdigit(s[i + 1]) || s[i + 1] == '*')) {
			i += 2;		/* an argument: empty */
			continue;
		}
		if (c->batch && i + 1 < n && s[i + 1] == '~') {
			size_t j = i + 2;
			while (j < n && j - i < 16 && (g_ascii_isalpha(s[j]) || s[j] == '$'))
				j++;
			if (j < n && g_ascii_isdigit(s[j])) {
				i = j + 1;	/* %~dp0 and the like: empty */
				continue;
			}
		}
		const char *q = i + 1 < n ? memchr(s + i + 1, '%', n - i - 1) : NULL;
		if (q == NULL) {
			if (!c->batch)
				put(st, o, "%", 1);
			i++;
			continue;
		}
		const char *body = s + i + 1;
		size_t bn = (size_t)(q - body);
		if (bn == 0) {		/* "%%" on a command line */
			put(st, o, "%", 1);
			i++;
			continue;
		}
		const char *colon = memchr(body, ':', bn);
		size_t nn = colon != NULL ? (size_t)(colon - body) : bn;
		const GString *v = var_get(c->env, body, nn);
		if (colon == NULL) {
			if (v != NULL)
				put(st, o, v->str, v->len);
			else if (!c->batch)
				put(st, o, s + i, bn + 2);
			i += bn + 2;
			continue;
		}
		if (v == NULL || !modify(st, v, colon + 1, bn - nn - 1, o)) {
			if (!c->batch)
				put(st, o, s + i, nn + 2);
			i += nn + 2;
			continue;
		}
		i += bn + 2;
	}
}

/* ---- phase 3: delayed expansion ---------------------------------------- */

/* s[0..n) with !...! expanded into o (carets escape). */
static void
expand_delayed(struct ctx *c, const char *s, size_t n, GString *o)
{
	struct st *st = c->st;
	size_t i = 0;

	while (i < n && !st->stop) {
		size_t k = i;
		while (k < n && s[k] != '!' && s[k] != '^')
			k++;
		put(st, o, s + i, k - i);
		if (k >= n || !step(st, 1))
			break;
		i = k;
		if (s[i] == '^') {
			if (i + 1 < n)
				put(st, o, s + i + 1, 1);
			i += 2;
			continue;
		}
		const char *q = i + 1 < n ? memchr(s + i + 1, '!', n - i - 1) : NULL;
		if (q == NULL)
			break;		/* a lone '!' and the rest are dropped */
		const char *body = s + i + 1;
		size_t bn = (size_t)(q - body);
		const char *colon = memchr(body, ':', bn);
		size_t nn = colon != NULL ? (size_t)(colon - body) : bn;
		const GString *v = var_get(c->env, body, nn);
		if (v != NULL && colon == NULL)
			put(st, o, v->str, v->len);
		else if (v != NULL)
			modify(st, v, colon + 1, bn - nn - 1, o);
		i += bn + 2;
	}
}

/* ---- phase 2: commands --------------------------------------------------- */

/*
 * One command from s[*pos..n) into o: carets outside quotes removed, up to
 * & && || or |, or the ')' that closes a block (*depth: the blocks open,
 * each a '(' where a command starts); *pos past the operator.
 */
static void
next_command(struct st *st, const char *s, size_t n, size_t *pos, GString *o, unsigned *depth)
{
	bool quoted = false;
	size_t i = *pos;
	size_t from = i;

	while (i < n && (is_delim(s[i]) || is_blank(s[i]) || s[i] == '@' || s[i] == '(')) {
		if (s[i] == '(' && *depth < DEOB_NEST_MAX)
			(*depth)++;
		i++;
	}
	while (i < n) {
		char ch = s[i];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && ch == ')' && *depth > 0) {
			put(st, o, s + from, i - from);
			(*depth)--;
			*pos = i + 1;
			return;
		} else if (!quoted && ch == '^') {
			put(st, o, s + from, i - from);
			if (i + 1 < n)
				put(st, o, s + i + 1, 1);
			i += 2;
			from = i;
			continue;
		} else if (!quoted && (ch == '&' || ch == '|')) {
			put(st, o, s + from, i - from);
			i++;
			if (i < n && s[i] == ch)
				i++;
			*pos = MIN(i, n);
			return;
		}
		i++;
	}
	if (from < n)
		put(st, o, s + from, n - from);
	*pos = n;
}

/*
 * The command word at s[0..n) (after blanks, delimiters, '@' and '('):
 * into w, lower case, quotes and carets removed, its directory and
 * .exe/.com dropped (*exe then true); *start is where it starts, the
 * return value where it ends.
 */
static size_t
command_word(const char *s, size_t n, char w[WORD_MAX], size_t *start, bool *exe)
{
	size_t i = 0, wl = 0;
	bool quoted = false;

	while (i < n && (is_delim(s[i]) || is_blank(s[i]) || s[i] == '@' || s[i] == '('))
		i++;
	*start = i;
	for (; i < n; i++) {
		char ch = s[i];
		if (ch == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (is_delim(ch) || is_blank(ch) || ch == '/' || ch == '&' ||
		    ch == '|' || ch == '<' || ch == '>' || ch == '(' || ch == ')'))
			break;
		if (ch == '^' && !quoted) {
			if (i + 1 < n)
				i++;
			ch = s[i];
		}
		if (ch == '\\' || ch == ':')
			wl = 0;		/* keep the last path element */
		else if (wl + 1 < WORD_MAX)
			w[wl++] = g_ascii_tolower(ch);
	}
	w[wl] = '\0';
	*exe = wl > 4 && (strcmp(w + wl - 4, ".exe") == 0 || strcmp(w + wl - 4, ".com") == 0);
	if (*exe)
		w[wl - 4] = '\0';
	return i;
}

/* Whether w (exe: it was written with .exe or .com) names a program whose
 * command line is recorded. */
static bool
is_program(const char *w, bool exe)
{
	if (exe && w[0] != '\0')
		return true;
	for (size_t k = 0; k < G_N_ELEMENTS(PROGRAMS); k++)
		if (strcmp(w, PROGRAMS[k]) == 0)
			return true;
	return false;
}

/* Every http/https/ftp URL in s[0..n). */
static void
record_urls(struct st *st, const char *s, size_t n)
{
	size_t i = 0;

	while (i + 3 < n && !st->stop) {
		const char *m = find(s + i, n - i, "://", 3);
		if (m == NULL)
			break;
		size_t k = (size_t)(m - s);
		size_t b = k;
		while (b > 0 && k - b < 5 && g_ascii_isalpha(s[b - 1]))
			b--;
		size_t e = k + 3;
		while (e < n && (unsigned char)s[e] > ' ' && strchr("\"'<>|^`);", s[e]) == NULL)
			e++;
		i = e;
		step(st, 1);
		size_t sl = k - b;
		bool ok = false;
		static const char *const SCHEMES[] = { "https", "http", "ftp" };
		for (size_t j = 0; j < G_N_ELEMENTS(SCHEMES) && !ok; j++) {
			size_t l = strlen(SCHEMES[j]);
			if (sl >= l && g_ascii_strncasecmp(s + k - l, SCHEMES[j], l) == 0) {
				b = k - l;
				ok = true;
			}
		}
		if (ok && e > k + 3)
			record(st, s + b, e - b);
	}
}

/* ---- commands ------------------------------------------------------------ */

/* set's argument a[0..n). */
static void
do_set(struct ctx *c, const char *a, size_t n)
{
	size_t i = 0;
	while (i < n && (a[i] == ' ' || a[i] == '\t'))
		i++;
	if (i < n && a[i] == '/')
		return;		/* set /a, set /p: not evaluated */
	const char *s = a + i;
	size_t sn = n - i;
	if (sn > 0 && s[0] == '"') {
		const char *last = s + sn - 1;
		while (last > s && *last != '"')
			last--;
		if (last == s)
			last = s + sn;
		s++;
		sn = (size_t)(last - s);
	}
	const char *eq = memchr(s, '=', sn);
	if (eq == NULL || eq == s)
		return;
	var_set(c, s, (size_t)(eq - s), eq + 1, sn - (size_t)(eq - s) - 1);
}

/* cmd's arguments a[0..n): /c, /k or /r with /v, run in a child. */
static void
do_cmd(struct ctx *c, const char *a, size_t n)
{
	struct st *st = c->st;
	size_t i = 0;
	bool delayed = false, run = false;

	while (i < n) {
		while (i < n && (is_delim(a[i]) || is_blank(a[i])))
			i++;
		if (i + 1 >= n || a[i] != '/')
			break;
		char sw = g_ascii_tolower(a[i + 1]);
		i += 2;
		if (sw == 'c' || sw == 'k' || sw == 'r') {
			run = true;
			break;
		}
		if (sw == 'v')
			delayed = !(i + 3 < n && a[i] == ':' &&
			    g_ascii_strncasecmp(a + i + 1, "off", 3) == 0);
		while (i < n && a[i] != '/' && a[i] != '"' && !is_blank(a[i]) && !is_delim(a[i]))
			i++;
	}
	if (!run)
		return;
	while (i < n && is_blank(a[i]))
		i++;
	GString *inner = g_string_new(NULL);
	if (i < n && a[i] == '"') {
		size_t last = n - 1;
		while (last > i && a[last] != '"')
			last--;
		put(st, inner, a + i + 1, last > i ? last - i - 1 : n - i - 1);
		if (last > i)
			put(st, inner, a + last + 1, n - last - 1);
	} else {
		put(st, inner, a + i, n - i);
	}
	if (c->cmd_depth >= st->depth) {
		if (st->r->limit == NULL)
			st->r->limit = "depth";
		g_string_free(inner, TRUE);
		return;
	}
	struct ctx child = { st, env_new(c->env), false, delayed, c->cmd_depth + 1 };
	GString *e = g_string_new(NULL);
	expand_percent(&child, inner->str, inner->len, e);
	run_line(&child, e->str, e->len);
	g_string_free(e, TRUE);
	g_string_free(inner, TRUE);
	env_free(child.env);
}

/* start's arguments: its title and switches skipped, the program run. */
static void
do_start(struct ctx *c, const char *a, size_t n)
{
	size_t i = 0;
	for (;;) {
		while (i < n && is_blank(a[i]))
			i++;
		if (i < n && a[i] == '"') {
			const char *q = memchr(a + i + 1, '"', n - i - 1);
			i = q != NULL ? (size_t)(q - a) + 1 : n;
		} else if (i < n && a[i] == '/') {
			while (i < n && !is_blank(a[i]))
				i++;
		} else {
			break;
		}
	}
	if (i < n) {
		struct ctx nc = *c;
		nc.delayed = false;	/* already expanded */
		exec_command(&nc, a + i, n - i);
	}
}

/* One command s[0..n) after phase 2. */
static void
exec_command(struct ctx *c, const char *s, size_t n)
{
	struct st *st = c->st;
	if (!step(st, 1) || !enter(st))
		return;
	GString *d = NULL;
	if (c->delayed && memchr(s, '!', n) != NULL) {
		d = g_string_new(NULL);
		expand_delayed(c, s, n, d);
		s = d->str;
		n = d->len;
	}
	char w[WORD_MAX];
	size_t start;
	bool exe;
	size_t end = command_word(s, n, w, &start, &exe);
	size_t tn = n;
	const char *arg = s + end;
	size_t an = tn - end;

	if (strcmp(w, "set") != 0)
		record_urls(st, s + start, tn - start);
	if (is_program(w, exe) && tn > start && step(st, 1 + st->rawn / SCAN_PER_STEP)) {
		/* the program's name without its quotes ("" noise), then its
		 * arguments as they are */
		GString *rec = g_string_sized_new(tn - start);
		for (size_t k = start; k < end; k++)
			if (s[k] != '"')
				g_string_append_c(rec, s[k]);
		g_string_append_len(rec, arg, (gssize)an);
		while (rec->len > 0 && is_blank(rec->str[rec->len - 1]))
			g_string_truncate(rec, rec->len - 1);
		if (find(st->raw, st->rawn, rec->str, rec->len) == NULL)
			record(st, rec->str, rec->len);
		g_string_free(rec, TRUE);
	}
	if (strcmp(w, "set") == 0) {
		do_set(c, arg, an);
	} else if (strcmp(w, "setlocal") == 0) {
		char *l = g_ascii_strdown(arg, (gssize)an);
		if (strstr(l, "enabledelayedexpansion") != NULL)
			c->delayed = true;
		else if (strstr(l, "disabledelayedexpansion") != NULL)
			c->delayed = false;
		g_free(l);
	} else if (strcmp(w, "call") == 0) {
		size_t i = 0;
		while (i < an && (is_blank(arg[i]) || is_delim(arg[i])))
			i++;
		if (i < an && arg[i] != ':') {
			GString *e = g_string_new(NULL);
			struct ctx nc = *c;
			nc.delayed = false;
			expand_percent(&nc, arg + i, an - i, e);
			run_line(&nc, e->str, e->len);
			g_string_free(e, TRUE);
		}
	} else if (strcmp(w, "cmd") == 0) {
		do_cmd(c, arg, an);
	} else if (strcmp(w, "start") == 0) {
		do_start(c, arg, an);
	}
	if (d != NULL)
		g_string_free(d, TRUE);
	st->nest--;
}

/* ---- if and for ---------------------------------------------------------- */

/* The token at s[*i..n) into t: blanks and delimiters skipped (not '=' when
 * eq_stops), quotes kept, carets removed; it ends at a delimiter or '='. */
static void
token(const char *s, size_t n, size_t *i, GString *t, bool eq_stops)
{
	bool quoted = false;
	while (*i < n && (is_blank(s[*i]) || (is_delim(s[*i]) && !(eq_stops && s[*i] == '='))))
		(*i)++;
	g_string_truncate(t, 0);
	for (; *i < n; (*i)++) {
		char ch = s[*i];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && (is_blank(ch) || is_delim(ch)))
			break;
		else if (!quoted && ch == '^' && *i + 1 < n)
			ch = s[++(*i)];
		if (t->len < LINE_CAP)
			g_string_append_c(t, ch);
	}
}

/* Where the parenthesis at s[open] closes (quotes and carets respected),
 * or n. */
static size_t
closing(const char *s, size_t n, size_t open)
{
	int depth = 0;
	bool quoted = false;
	for (size_t i = open; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == '^')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
	}
	return n;
}

/* The body of an if or a for at s[0..n), run (a parenthesised block: its
 * inside; else_out gets where an "else" branch starts, or n). */
static void
run_body(struct ctx *c, const char *s, size_t n, size_t *else_at, bool run)
{
	size_t i = 0;
	while (i < n && (is_blank(s[i]) || is_delim(s[i])))
		i++;
	*else_at = n;
	if (i < n && s[i] == '(') {
		size_t e = closing(s, n, i);
		if (run)
			run_line(c, s + i + 1, (e > i + 1 ? e : i + 1) - i - 1);
		size_t j = e + 1;
		while (j < n && is_blank(s[j]))
			j++;
		if (j < n && word_is(s + j, n - j, "else"))
			*else_at = j + 4;
	} else if (run) {
		run_line(c, s + i, n - i);
	}
}

/* if's condition and body at s[0..n) (after "if"). */
static void
run_if(struct ctx *c, const char *s, size_t n)
{
	GString *a = g_string_new(NULL), *b = g_string_new(NULL);
	size_t i = 0;
	bool icase = false, neg = false;
	int cond = -1;		/* 1 true, 0 false, -1 unknown */

	for (;;) {
		size_t save = i;
		token(s, n, &i, a, true);
		if (g_ascii_strcasecmp(a->str, "/i") == 0)
			icase = true;
		else if (g_ascii_strcasecmp(a->str, "not") == 0)
			neg = !neg;
		else {
			i = save;
			break;
		}
	}
	token(s, n, &i, a, true);
	if (g_ascii_strcasecmp(a->str, "defined") == 0) {
		token(s, n, &i, b, true);
		cond = var_get(c->env, b->str, b->len) != NULL;
	} else if (g_ascii_strcasecmp(a->str, "exist") == 0 ||
	    g_ascii_strcasecmp(a->str, "errorlevel") == 0 ||
	    g_ascii_strcasecmp(a->str, "cmdextversion") == 0) {
		token(s, n, &i, b, true);
	} else {
		size_t j = i;
		while (j < n && is_blank(s[j]))
			j++;
		GString *op = g_string_new(NULL);
		if (j + 1 < n && s[j] == '=' && s[j + 1] == '=') {
			g_string_assign(op, "==");
			i = j;
			while (i < n && s[i] == '=')
				i++;
		} else {
			token(s, n, &i, op, true);
		}
		token(s, n, &i, b, true);
		int cmp = icase ? g_ascii_strcasecmp(a->str, b->str) : strcmp(a->str, b->str);
		size_t ia = 0, ib = 0;
		long na = parse_int(a->str, a->len, &ia), nb = parse_int(b->str, b->len, &ib);
		if (ia == a->len && ib == b->len && a->len > 0 && b->len > 0 &&
		    strcmp(op->str, "==") != 0)
			cmp = na < nb ? -1 : na > nb;
		char *o = g_ascii_strdown(op->str, -1);
		if (strcmp(o, "==") == 0 || strcmp(o, "equ") == 0)
			cond = cmp == 0;
		else if (strcmp(o, "neq") == 0)
			cond = cmp != 0;
		else if (strcmp(o, "lss") == 0)
			cond = cmp < 0;
		else if (strcmp(o, "leq") == 0)
			cond = cmp <= 0;
		else if (strcmp(o, "gtr") == 0)
			cond = cmp > 0;
		else if (strcmp(o, "geq") == 0)
			cond = cmp >= 0;
		g_free(o);
		g_string_free(op, TRUE);
	}
	if (cond >= 0 && neg)
		cond = !cond;
	size_t else_at;
	run_body(c, s + i, n - i, &else_at, cond != 0);
	if (else_at < n - i && cond != 1) {
		size_t dummy;
		run_body(c, s + i + else_at, n - i - else_at, &dummy, true);
	}
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
}

/* body with %v and %~v replaced by item, run. */
static void
for_iteration(struct ctx *c, const char *body, size_t n, char v, const char *item, size_t in)
{
	struct st *st = c->st;
	GString *o = g_string_new(NULL);
	size_t i = 0;
	while (i < n && !st->stop) {
		const char *p = memchr(body + i, '%', n - i);
		size_t k = p != NULL ? (size_t)(p - body) : n;
		put(st, o, body + i, k - i);
		if (p == NULL)
			break;
		i = k;
		if (i + 1 < n && body[i + 1] == v) {
			put(st, o, item, in);
			i += 2;
		} else if (i + 2 < n && body[i + 1] == '~' && body[i + 2] == v) {
			size_t a = 0, b = in;
			if (b > 0 && item[0] == '"')
				a++;
			if (b > a && item[b - 1] == '"')
				b--;
			put(st, o, item + a, b - a);
			i += 3;
		} else {
			put(st, o, "%", 1);
			i++;
		}
	}
	run_line(c, o->str, o->len);
	g_string_free(o, TRUE);
}

/* for's switches, variable, set and body at s[0..n) (after "for"). */
static void
run_for(struct ctx *c, const char *s, size_t n)
{
	struct st *st = c->st;
	size_t i = 0;
	char mode = 0;
	GString *t = g_string_new(NULL);

	while (i < n && (is_blank(s[i]) || is_delim(s[i])))
		i++;
	if (i + 1 < n && s[i] == '/') {
		mode = g_ascii_tolower(s[i + 1]);
		i += 2;
		token(s, n, &i, t, false);	/* options ("tokens=..") or a path */
		if (t->len > 0 && t->str[0] == '%')
			i -= t->len;
	}
	while (i < n && (is_blank(s[i]) || is_delim(s[i])))
		i++;
	if (i + 1 >= n || s[i] != '%')
		goto out;
	char v = s[i + 1];
	i += 2;
	token(s, n, &i, t, false);
	if (g_ascii_strcasecmp(t->str, "in") != 0)
		goto out;
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '(')
		goto out;
	size_t open = i, close = closing(s, n, i);
	if (close >= n)
		goto out;
	const char *set = s + open + 1;
	size_t setn = close - open - 1;
	i = close + 1;
	token(s, n, &i, t, false);
	if (g_ascii_strcasecmp(t->str, "do") != 0)
		goto out;
	const char *body = s + i;
	size_t bn = n - i;

	if (mode == 'l') {
		size_t j = 0;
		long v3[3] = { 0, 0, 0 };
		for (int k = 0; k < 3; k++) {
			while (j < setn && (is_delim(set[j]) || is_blank(set[j])))
				j++;
			v3[k] = parse_int(set, setn, &j);
		}
		long x = v3[0];
		for (unsigned it = 0; it < MAX_FOR_ITEMS && v3[1] != 0 && !st->stop; it++) {
			if ((v3[1] > 0 && x > v3[2]) || (v3[1] < 0 && x < v3[2]))
				break;
			char num[24];
			int nl = g_snprintf(num, sizeof num, "%ld", x);
			if (!step(st, 1))
				break;
			for_iteration(c, body, bn, v, num, (size_t)nl);
			x += v3[1];
		}
	} else if (mode == 'f') {
		size_t j = 0;
		while (j < setn && is_blank(set[j]))
			j++;
		if (j < setn && (set[j] == '\'' || set[j] == '`')) {
			size_t e = setn;
			while (e > j + 1 && set[e - 1] != set[j])
				e--;
			if (e > j + 1) {
				/* a command, run as cmd /c would */
				GString *a = g_string_new("/c ");
				put(st, a, set + j + 1, e - j - 2);
				do_cmd(c, a->str, a->len);
				g_string_free(a, TRUE);
			}
		}
	} else if (mode == 0) {
		size_t j = 0;
		for (unsigned it = 0; it < MAX_FOR_ITEMS && j < setn && !st->stop; it++) {
			token(set, setn, &j, t, false);
			if (t->len == 0 || !step(st, 1))
				break;
			if (strpbrk(t->str, "*?") != NULL)
				continue;
			char *item = g_strndup(t->str, t->len);
			for_iteration(c, body, bn, v, item, strlen(item));
			g_free(item);
		}
	}
out:
	g_string_free(t, TRUE);
}

/* A command line s[0..n) after phase 1: its commands, run in order. */
static void
run_line(struct ctx *c, const char *s, size_t n)
{
	struct st *st = c->st;
	if (!enter(st))
		return;
	GString *cmd = g_string_new(NULL);
	size_t pos = 0;
	unsigned depth = 0;
	while (pos < n && step(st, 1)) {
		char w[WORD_MAX];
		size_t start;
		bool exe;
		size_t end = command_word(s + pos, n - pos, w, &start, &exe);
		if (strcmp(w, "for") == 0) {
			run_for(c, s + pos + end, n - pos - end);
			break;
		}
		if (strcmp(w, "if") == 0) {
			run_if(c, s + pos + end, n - pos - end);
			break;
		}
		g_string_truncate(cmd, 0);
		next_command(st, s, n, &pos, cmd, &depth);
		exec_command(c, cmd->str, cmd->len);
	}
	g_string_free(cmd, TRUE);
	st->nest--;
}

/* ---- the entry point ----------------------------------------------------- */

/* Whether text holds more than one non-blank line. */
static bool
several_lines(const char *text, size_t len)
{
	unsigned lines = 0;
	bool content = false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			lines += content;
			content = false;
			if (lines > 1)
				return true;
		} else if (!is_blank(text[i])) {
			content = true;
		}
	}
	return lines + content > 1;
}

void
deob_cmd(const char *text, size_t len, const struct deob_limits *lim, struct deob_result *r)
{
	if (text == NULL || len == 0 || r == NULL)
		return;
	struct deob_limits l = deob_limits_or_defaults(lim);
	struct st st = { .lim = lim, .depth = MIN(l.depth, DEOB_NEST_MAX), .r = r };
	struct env *root = env_new(NULL);
	for (size_t k = 0; k < G_N_ELEMENTS(BUILTINS); k++)
		g_hash_table_replace(root->own, g_strdup(BUILTINS[k][0]),
		    g_string_new(BUILTINS[k][1]));
	struct ctx c = { &st, env_new(root), several_lines(text, len), false, 0 };
	GString *line = g_string_new(NULL), *e = g_string_new(NULL);
	size_t i = 0;

	while (i < len && !st.stop) {
		/* a logical line: a caret at the end of a line joins the next */
		g_string_truncate(line, 0);
		for (;;) {
			const char *nl = memchr(text + i, '\n', len - i);
			size_t k = nl != NULL ? (size_t)(nl - text) : len;
			size_t m = k;
			while (m > i && text[m - 1] == '\r')
				m--;
			bool cont = m > i && text[m - 1] == '^' && nl != NULL;
			put(&st, line, text + i, m - i - (cont ? 1 : 0));
			i = nl != NULL ? k + 1 : len;
			if (!cont || i >= len || !step(&st, 1))
				break;
		}
		if (!step(&st, 1))
			break;
		size_t j = 0;
		while (j < line->len && (is_blank(line->str[j]) || line->str[j] == '@'))
			j++;
		if (j >= line->len || line->str[j] == ':')
			continue;	/* blank, a label or a :: comment */
		if (word_is(line->str + j, line->len - j, "rem"))
			continue;
		st.raw = line->str;
		st.rawn = line->len;
		g_string_truncate(e, 0);
		expand_percent(&c, line->str, line->len, e);
		run_line(&c, e->str, e->len);
	}
	g_string_free(line, TRUE);
	g_string_free(e, TRUE);
	env_free(c.env);
	env_free(root);
}
