/*
 * lnk.c - Windows shortcuts (.lnk), the Shell Link Binary File Format
 * ([MS-SHLLINK]), as droppers use them: a shortcut in a mail or an archive
 * whose target is powershell, cmd /c, mshta ... with the payload in its
 * arguments, often padded with whitespace so that the Properties dialog
 * shows nothing suspicious.
 *
 * Read, in order, each structure bounded by the object's bytes and its own
 * declared size:
 *   ShellLinkHeader (0x4C bytes, the LinkCLSID, LinkFlags);
 *   LinkTargetIDList: the shell items, from which a path is rebuilt
 *     (volume "C:\", then each file entry's long name from its 0xBEEF0004
 *     extension block, else its short name);
 *   LinkInfo: LocalBasePath + CommonPathSuffix (ANSI, or the Unicode
 *     variants when the header is 0x24 bytes or more), or the network
 *     share's NetName;
 *   StringData: NAME_STRING, RELATIVE_PATH, WORKING_DIR,
 *     COMMAND_LINE_ARGUMENTS, ICON_LOCATION (counted; UTF-16LE when
 *     IsUnicode, else code-page bytes, read as Latin-1);
 *   ExtraData blocks: EnvironmentVariableDataBlock (a target such as
 *     "%windir%\system32\cmd.exe"), IconEnvironmentDataBlock,
 *     TrackerDataBlock (the NetBIOS name of the machine the shortcut was
 *     made on, which ties samples of a campaign together).
 *
 * Facts: LNK_FILE always ("target args", with the machine id);
 * LNK_SUSPICIOUS_COMMAND when a target or the arguments launch a command
 * interpreter or a tool droppers use, or when the arguments are abnormally
 * long or padded.  A bare interpreter with no arguments (the Start menu's
 * own PowerShell shortcut) is not suspicious: it opens a console and runs
 * nothing by itself.  URLs in the arguments and the icon location go to
 * obj_url().  docs/documents-lnk.md.
 */
#include <string.h>

#include "documents.h"
#include "util/bytes.h"

#define HEADER_SIZE 0x4C
#define ITEMS_MAX 64		/* shell items read from the IDList */
#define BLOCKS_MAX 64		/* ExtraData blocks read */
#define ARGS_LONG 1024		/* characters: abnormally long arguments */
#define PAD_RUN 64		/* consecutive blanks: padded arguments */
#define DETAIL_MAX 150		/* command shown in a fact */

/* LinkFlags */
#define HAS_IDLIST 0x01u
#define HAS_LINKINFO 0x02u
#define HAS_NAME 0x04u
#define HAS_RELPATH 0x08u
#define HAS_WORKDIR 0x10u
#define HAS_ARGS 0x20u
#define HAS_ICON 0x40u
#define IS_UNICODE 0x80u

enum { S_NAME, S_RELPATH, S_WORKDIR, S_ARGS, S_ICON, S_COUNT };

struct lnk {
	const uint8_t *p;
	size_t len;
	uint32_t flags;
	GString *idpath;	/* path rebuilt from the IDList, or empty */
	char *local;		/* LinkInfo: base path + suffix */
	char *net;		/* LinkInfo: share + suffix */
	char *str[S_COUNT];	/* StringData, UTF-8 */
	char *env;		/* EnvironmentVariableDataBlock target */
	char *icon_env;		/* IconEnvironmentDataBlock */
	char *machine;		/* TrackerDataBlock MachineID */
	const char *damage;	/* first problem found, or NULL */
};

static void
damaged(struct lnk *l, const char *why)
{
	if (l->damage == NULL)
		l->damage = why;
}

/* n UTF-16LE code units at p as UTF-8; bad surrogates become U+FFFD. */
static char *
utf16_str(const uint8_t *p, size_t n)
{
	GString *s = g_string_sized_new(n + 1);

	for (size_t i = 0; i < n; i++) {
		gunichar c = le16(p + 2 * i);
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
			gunichar d = le16(p + 2 * i + 2);
			if (d >= 0xDC00 && d <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

/* n code-page bytes as UTF-8 (read as Latin-1: the code page is not known). */
static char *
ansi_str(const uint8_t *p, size_t n)
{
	GString *s = g_string_sized_new(n + 1);

	for (size_t i = 0; i < n; i++)
		g_string_append_unichar(s, p[i]);
	return g_string_free(s, FALSE);
}

/* A NUL-terminated ANSI string at p[off], within p[0..end); NULL if off is
 * out of range.  Without a NUL, the string runs to end. */
static char *
ansi_z(const uint8_t *p, size_t end, size_t off)
{
	if (off >= end)
		return NULL;
	const uint8_t *z = memchr(p + off, 0, end - off);
	size_t n = z != NULL ? (size_t)(z - (p + off)) : end - off;
	return ansi_str(p + off, n);
}

/* The same in UTF-16LE. */
static char *
utf16_z(const uint8_t *p, size_t end, size_t off)
{
	if (off >= end || end - off < 2)
		return NULL;
	size_t n = 0;
	while (off + 2 * n + 1 < end && le16(p + off + 2 * n) != 0)
		n++;
	return utf16_str(p + off, n);
}

static bool
blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!g_ascii_isspace(*s))
			return false;
	return true;
}

/* Take s as the new value of *dst when *dst is empty; frees s otherwise. */
static void
keep(char **dst, char *s)
{
	if (*dst == NULL && s != NULL && !blank(s)) {
		*dst = s;
		return;
	}
	g_free(s);
}

/*
 * A file entry shell item's long name: in its extension block 0xBEEF0004,
 * after fields whose size depends on the block's version.  NULL when the
 * block is missing or the name is not a clean NUL-terminated string.
 */
static char *
item_long_name(const uint8_t *it, size_t n)
{
	static const uint8_t sig[4] = { 0x04, 0x00, 0xEF, 0xBE };

	for (size_t i = 4; i + 4 <= n; i += 2) {
		if (memcmp(it + i, sig, 4) != 0)
			continue;
		const uint8_t *b = it + i - 4;
		size_t bn = le16(b);
		if (bn < 22 || bn > n - (i - 4))
			return NULL;
		unsigned ver = le16(b + 2);
		size_t at = ver >= 9 ? 46 : ver >= 8 ? 42 : ver >= 7 ? 38 : 20;
		if (at + 2 > bn)
			return NULL;
		size_t k = 0;
		while (at + 2 * k + 1 < bn && le16(b + at + 2 * k) >= 0x20)
			k++;
		if (k == 0 || at + 2 * k + 1 >= bn || le16(b + at + 2 * k) != 0)
			return NULL;
		return utf16_str(b + at, k);
	}
	return NULL;
}

/* One shell item (its data, without the size field): extend the path. */
static void
idlist_item(struct lnk *l, const uint8_t *it, size_t n)
{
	if (n < 1)
		return;
	unsigned cls = it[0] & 0x70;
	char *s = NULL;

	if (cls == 0x20 && n > 1) {		/* volume: "C:\" */
		s = ansi_z(it, n, 1);
		g_string_truncate(l->idpath, 0);
		g_string_append(l->idpath, s);
	} else if (cls == 0x40 && n > 3) {	/* network location */
		s = ansi_z(it, n, 3);
		g_string_truncate(l->idpath, 0);
		g_string_append(l->idpath, s);
	} else if (cls == 0x30 && n > 12) {	/* file entry */
		s = item_long_name(it, n);
		if (s == NULL)
			s = (it[0] & 0x04) ? utf16_z(it, n, 12) : ansi_z(it, n, 12);
		if (s != NULL && *s != '\0') {
			if (l->idpath->len > 0 &&
			    l->idpath->str[l->idpath->len - 1] != '\\')
				g_string_append_c(l->idpath, '\\');
			g_string_append(l->idpath, s);
		}
	}
	g_free(s);
}

/* LinkTargetIDList at off; returns the offset after it, or 0 if damaged. */
static size_t
read_idlist(struct lnk *l, size_t off)
{
	if (l->len - off < 2) {
		damaged(l, "LinkTargetIDList cut");
		return 0;
	}
	size_t size = le16(l->p + off);
	off += 2;
	if (size > l->len - off) {
		damaged(l, "LinkTargetIDList larger than the file");
		return 0;
	}
	const uint8_t *list = l->p + off;
	size_t i = 0;
	for (unsigned k = 0; k < ITEMS_MAX && i + 2 <= size; k++) {
		size_t isz = le16(list + i);
		if (isz == 0)
			break;
		if (isz < 2 || isz > size - i) {
			damaged(l, "shell item larger than its IDList");
			break;
		}
		idlist_item(l, list + i + 2, isz - 2);
		i += isz;
	}
	return off + size;
}

/* A string at a LinkInfo offset, within the structure. */
static char *
li_str(const uint8_t *li, size_t lsize, uint32_t off, bool wide)
{
	if (off == 0 || off >= lsize)
		return NULL;
	return wide ? utf16_z(li, lsize, off) : ansi_z(li, lsize, off);
}

static char *
join_path(char *a, char *b)
{
	if (a == NULL) {
		g_free(b);
		return NULL;
	}
	if (b == NULL || *b == '\0') {
		g_free(b);
		return a;
	}
	size_t n = strlen(a);
	char *r = g_strconcat(a, n > 0 && a[n - 1] != '\\' ? "\\" : "", b, NULL);
	g_free(a);
	g_free(b);
	return r;
}

/* LinkInfo at off; returns the offset after it, or 0 if damaged. */
static size_t
read_linkinfo(struct lnk *l, size_t off)
{
	if (l->len - off < 0x1C) {
		damaged(l, "LinkInfo cut");
		return 0;
	}
	const uint8_t *li = l->p + off;
	size_t lsize = le32(li);
	size_t hsize = le32(li + 4);
	if (lsize < 0x1C || lsize > l->len - off) {
		damaged(l, "LinkInfo size out of range");
		return 0;
	}
	if (hsize < 0x1C || hsize > lsize) {
		damaged(l, "LinkInfo header size out of range");
		return off + lsize;
	}
	uint32_t lflags = le32(li + 8);
	bool uni = hsize >= 0x24;
	char *suffix = NULL;
	if (uni)
		suffix = li_str(li, lsize, le32(li + 32), true);
	if (suffix == NULL)
		suffix = li_str(li, lsize, le32(li + 24), false);

	if (lflags & 1) {
		char *base = uni ? li_str(li, lsize, le32(li + 28), true) : NULL;
		if (base == NULL || *base == '\0') {
			g_free(base);
			base = li_str(li, lsize, le32(li + 16), false);
		}
		l->local = join_path(base, g_strdup(suffix));
	}
	uint32_t cn = le32(li + 20);
	if ((lflags & 2) && cn != 0 && cn < lsize && lsize - cn >= 0x14) {
		const uint8_t *c = li + cn;
		size_t csize = le32(c);
		if (csize < 0x14 || csize > lsize - cn) {
			damaged(l, "CommonNetworkRelativeLink size out of range");
		} else {
			uint32_t nn = le32(c + 8);
			char *net = NULL;
			if (nn > 0x14 && csize >= 0x1C)
				net = li_str(c, csize, le32(c + 20), true);
			if (net == NULL)
				net = li_str(c, csize, nn, false);
			l->net = join_path(net, g_strdup(suffix));
		}
	}
	g_free(suffix);
	return off + lsize;
}

/* StringData at off; returns the offset after it, or 0 if damaged. */
static size_t
read_strings(struct lnk *l, size_t off)
{
	static const uint32_t bit[S_COUNT] = { HAS_NAME, HAS_RELPATH, HAS_WORKDIR,
		HAS_ARGS, HAS_ICON };
	bool wide = (l->flags & IS_UNICODE) != 0;

	for (int i = 0; i < S_COUNT; i++) {
		if (!(l->flags & bit[i]))
			continue;
		if (l->len - off < 2) {
			damaged(l, "StringData cut");
			return 0;
		}
		size_t n = le16(l->p + off);
		size_t bytes = wide ? 2 * n : n;
		off += 2;
		if (bytes > l->len - off) {
			/* keep what is there: a cut command is still evidence */
			damaged(l, "StringData cut");
			size_t have = l->len - off;
			l->str[i] = wide ? utf16_str(l->p + off, have / 2) :
			    ansi_str(l->p + off, have);
			return 0;
		}
		l->str[i] = wide ? utf16_str(l->p + off, n) : ansi_str(l->p + off, n);
		off += bytes;
	}
	return off;
}

/* An EnvironmentVariableDataBlock-shaped block: ANSI[260], Unicode[520]. */
static char *
env_block(const uint8_t *b)
{
	char *s = utf16_z(b + 8 + 260, 520, 0);
	if (s == NULL || *s == '\0') {
		g_free(s);
		s = ansi_z(b + 8, 260, 0);
	}
	return s;
}

static void
read_extra(struct lnk *l, size_t off)
{
	for (unsigned k = 0; k < BLOCKS_MAX; k++) {
		if (l->len - off < 4)
			return;		/* no TerminalBlock: tolerated */
		size_t bsize = le32(l->p + off);
		if (bsize < 4)
			return;		/* TerminalBlock */
		if (bsize < 8 || bsize > l->len - off) {
			damaged(l, "ExtraData block larger than the file");
			return;
		}
		const uint8_t *b = l->p + off;
		uint32_t sig = le32(b + 4);
		if (sig == 0xA0000001 && bsize >= 0x314)
			keep(&l->env, env_block(b));
		else if (sig == 0xA0000007 && bsize >= 0x314)
			keep(&l->icon_env, env_block(b));
		else if (sig == 0xA0000003 && bsize >= 0x60)
			keep(&l->machine, ansi_z(b + 16, 16, 0));
		off += bsize;
	}
}

static void
lnk_parse(struct lnk *l)
{
	size_t off = HEADER_SIZE;

	l->flags = le32(l->p + 0x14);
	if (l->flags & HAS_IDLIST) {
		if ((off = read_idlist(l, off)) == 0)
			return;
	}
	if (l->flags & HAS_LINKINFO) {
		if ((off = read_linkinfo(l, off)) == 0)
			return;
	}
	if ((off = read_strings(l, off)) == 0)
		return;
	read_extra(l, off);
}

static void
lnk_clear(struct lnk *l)
{
	g_string_free(l->idpath, TRUE);
	g_free(l->local);
	g_free(l->net);
	for (int i = 0; i < S_COUNT; i++)
		g_free(l->str[i]);
	g_free(l->env);
	g_free(l->icon_env);
	g_free(l->machine);
}

/* ------------------------------------------------------------------ */
/* judging the command */

enum need { NEED_NONE, NEED_SWITCH_C, NEED_URL };

static const struct tool {
	const char *name;
	enum need need;
} tools[] = {
	{ "powershell", NEED_NONE }, { "pwsh", NEED_NONE },
	{ "cmd", NEED_SWITCH_C }, { "mshta", NEED_NONE },
	{ "rundll32", NEED_NONE }, { "regsvr32", NEED_NONE },
	{ "wscript", NEED_NONE }, { "cscript", NEED_NONE },
	{ "certutil", NEED_NONE }, { "bitsadmin", NEED_NONE },
	{ "curl", NEED_NONE }, { "wget", NEED_NONE },
	{ "msiexec", NEED_URL }, { "forfiles", NEED_NONE },
	{ "conhost", NEED_NONE }, { "explorer", NEED_URL },
};

static bool
has_url(const char *lc)
{
	return strstr(lc, "http://") != NULL || strstr(lc, "https://") != NULL ||
	    strstr(lc, "ftp://") != NULL;
}

/* cmd's /c, /k or /r switch (lower-cased arguments). */
static bool
has_switch_c(const char *lc)
{
	for (const char *s = lc; (s = strchr(s, '/')) != NULL; s++) {
		bool start = s == lc || g_ascii_isspace(s[-1]) || s[-1] == '"';
		if (start && (s[1] == 'c' || s[1] == 'k' || s[1] == 'r'))
			return true;
	}
	return false;
}

static bool
need_met(enum need need, const char *lc_args)
{
	switch (need) {
	case NEED_NONE:
		return true;
	case NEED_SWITCH_C:
		return has_switch_c(lc_args);
	case NEED_URL:
		return has_url(lc_args);
	}
	return false;
}

/* The tool a path names, by its last component (lower-cased). */
static const struct tool *
tool_of_path(const char *lc)
{
	const char *b = lc;
	for (const char *s = lc; *s != '\0'; s++)
		if (*s == '\\' || *s == '/')
			b = s + 1;
	size_t n = strlen(b);
	while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '"'))
		n--;
	if (n > 4 && memcmp(b + n - 4, ".exe", 4) == 0)
		n -= 4;
	for (size_t i = 0; i < G_N_ELEMENTS(tools); i++)
		if (strlen(tools[i].name) == n && memcmp(tools[i].name, b, n) == 0)
			return &tools[i];
	return NULL;
}

static bool
left_ok(char c)
{
	return strchr(" \t\r\n\\/\"'(;&|,=^`", c) != NULL;
}

static bool
right_ok(char c)
{
	return c == '\0' || strchr(" \t\r\n.\"';&|,)^`", c) != NULL;
}

/* A tool named as a word inside the (lower-cased) arguments. */
static const struct tool *
tool_in_args(const char *lc)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
		size_t n = strlen(tools[i].name);
		for (const char *s = lc; (s = strstr(s, tools[i].name)) != NULL; s++) {
			if ((s == lc || left_ok(s[-1])) && right_ok(s[n]) &&
			    need_met(tools[i].need, lc))
				return &tools[i];
		}
	}
	return NULL;
}

/* Whitespace runs squeezed to one space, so that padding hides nothing. */
static char *
squeeze(const char *s)
{
	GString *r = g_string_new(NULL);
	bool sp = false;

	for (; s != NULL && *s != '\0'; s++) {
		if (g_ascii_isspace(*s)) {
			sp = r->len > 0;
			continue;
		}
		if (sp)
			g_string_append_c(r, ' ');
		sp = false;
		g_string_append_c(r, *s);
	}
	return g_string_free(r, FALSE);
}

/* Cut UTF-8 to about max bytes, on a character boundary, with "...". */
static char *
cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return g_strdup(s);
	const char *e = g_utf8_find_prev_char(s, s + max + 1);
	if (e == NULL)
		e = s;
	return g_strdup_printf("%.*s...", (int)(e - s), s);
}

static void
urls(struct mobj *o, const char *s)
{
	if (s == NULL)
		return;
	static const char *const schemes[] = { "http://", "https://", "ftp://" };
	char *lc = g_ascii_strdown(s, -1);
	for (size_t k = 0; k < G_N_ELEMENTS(schemes); k++) {
		for (const char *u = lc; (u = strstr(u, schemes[k])) != NULL; ) {
			size_t n = strcspn(u, " \t\r\n\"'<>`^),;|");
			obj_url(o, s + (u - lc), n);
			u += n;
		}
	}
	g_free(lc);
}

static void
judge(struct mobj *o, const struct lnk *l, const char *target)
{
	const char *args = l->str[S_ARGS] != NULL ? l->str[S_ARGS] : "";
	char *lc_args = g_ascii_strdown(args, -1);
	GString *why = g_string_new(NULL);
	const char *cand[] = { l->local, l->net, l->env, l->idpath->str,
		l->str[S_RELPATH] };
	const struct tool *t = NULL;

	/* a target that is an interpreter, run with arguments: the command
	 * shown is the one with that target */
	if (!blank(args)) {
		for (size_t i = 0; t == NULL && i < G_N_ELEMENTS(cand); i++) {
			if (cand[i] == NULL || *cand[i] == '\0')
				continue;
			char *lc = g_ascii_strdown(cand[i], -1);
			t = tool_of_path(lc);
			if (t != NULL && !need_met(t->need, lc_args))
				t = NULL;
			if (t != NULL)
				target = cand[i];
			g_free(lc);
		}
	}
	if (t == NULL)
		t = tool_in_args(lc_args);
	if (t != NULL)
		g_string_append(why, t->name);

	glong nchars = g_utf8_strlen(args, -1);
	if (nchars > ARGS_LONG)
		g_string_append_printf(why, "%slong arguments (%ld chars)",
		    why->len > 0 ? ", " : "", nchars);
	size_t run = 0, maxrun = 0;
	bool newline = false;
	for (const char *s = args; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			newline = true;
		run = g_ascii_isspace(*s) ? run + 1 : 0;
		if (run > maxrun)
			maxrun = run;
	}
	if (maxrun >= PAD_RUN || newline)
		g_string_append_printf(why, "%spadded arguments (%zu blanks%s)",
		    why->len > 0 ? ", " : "", maxrun, newline ? ", newlines" : "");

	if (why->len > 0) {
		char *cmd = g_strconcat(target, *args != '\0' ? " " : "", args, NULL);
		char *sq = squeeze(cmd);
		char *c = cut(sq, DETAIL_MAX);
		obj_fact(o, OBJ_FACT_LNK_SUSPICIOUS_COMMAND, "%s: %s", why->str, c);
		g_free(c);
		g_free(sq);
		g_free(cmd);
	}
	g_string_free(why, TRUE);
	g_free(lc_args);
}

void
lnk_analyse(struct obj_tree *t, struct mobj *o)
{
	if (o->len < HEADER_SIZE || le32(o->data) != HEADER_SIZE)
		return;

	struct lnk l = { .p = o->data, .len = o->len, .idpath = g_string_new(NULL) };
	lnk_parse(&l);

	/* what the shortcut runs: LinkInfo first, as the shell resolves it */
	const char *target = l.local != NULL ? l.local : l.net != NULL ? l.net :
	    l.env != NULL ? l.env : l.idpath->len > 0 ? l.idpath->str :
	    l.str[S_RELPATH] != NULL ? l.str[S_RELPATH] : "";
	const char *args = l.str[S_ARGS] != NULL ? l.str[S_ARGS] : "";
	char *cmd = g_strconcat(target, *target != '\0' && *args != '\0' ? " " : "",
	    args, NULL);
	char *sq = squeeze(cmd);
	char *c = cut(*sq != '\0' ? sq : "(no target)", DETAIL_MAX);
	if (l.machine != NULL)
		obj_fact(o, OBJ_FACT_LNK_FILE, "%s; machine %s", c, l.machine);
	else
		obj_fact(o, OBJ_FACT_LNK_FILE, "%s", c);
	g_free(c);
	g_free(sq);
	/* the command line itself, and what the static sandbox unfolds of it
	 * (an encoded PowerShell command) */
	if (sandbox_is_command(cmd, strlen(cmd)))
		obj_ioc(o, "command", cmd, strlen(cmd), "shortcut command line");
	sandbox_run(t, o, SANDBOX_CMD, cmd, strlen(cmd), NULL);
	g_free(cmd);

	judge(o, &l, target);
	urls(o, l.str[S_ARGS]);
	urls(o, l.str[S_ICON]);
	urls(o, l.icon_env);
	if (l.damage != NULL)
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "%s", l.damage);
	lnk_clear(&l);
}
