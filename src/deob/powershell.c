/*
 * powershell.c - what a PowerShell script or command line would build
 * and run (see deob.h): -EncodedCommand payloads decoded, and the
 * constant subset of the language folded into the strings it yields.
 *
 * Design.  A text is analysed in three passes:
 *
 *  1. the command-line scan (raw bytes, any host language: cmd, a LNK's
 *     arguments, a VBA string): "powershell"/"pwsh" (any case, path,
 *     .exe, cmd's ^ escapes removed) followed by powershell.exe's
 *     options; -EncodedCommand (every prefix PowerShell accepts, -ec,
 *     / for -) has its base64 argument decoded as UTF-16LE and recorded
 *     ("powershell -EncodedCommand"); a -Command or positional script is
 *     handed on.  A text that is only such options (a LNK's arguments)
 *     is scanned the same way;
 *  2. a pre-pass over the tokens: the plain literals (a folded string
 *     equal to one is not news) and those that are URLs, recorded
 *     ("powershell literal");
 *  3. the evaluator: a recursive-descent parser over a lazy tokenizer
 *     (PowerShell's precedence: casts and unary -join, the comma, '..',
 *     -f, * / %, + -, -band/-bxor, -join/-replace/-split and the
 *     comparisons) that computes values where they are constant -
 *     strings, chars, integers, arrays of them, bytes from
 *     [Convert]::FromBase64String, types and encodings for ::/. calls -
 *     and "unknown" elsewhere.  Variables hold the last value assigned
 *     (in text order); $_ is bound while a ForEach-Object block runs over
 *     a constant array.  Each complete expression whose value is a
 *     string built by an operation is recorded ("powershell folding")
 *     when longer than 3 characters and no plain literal; GetString of
 *     decoded base64 is recorded as "FromBase64String".
 *
 * What Invoke-Expression (iex, &('iex'), .($ShellId[1]+...), a pipe into
 * iex, [ScriptBlock]::Create), -EncodedCommand, -Command and
 * FromBase64String yield is queued and analysed like the input, one level
 * deeper: a work queue, not C recursion; a text is analysed once; a level
 * beyond lim->depth is not analysed (r->limit "depth").  All texts share
 * one variable table, as an iex'd string shares its caller's scope.
 *
 * Bounds.  deob_step() per token lexed (1 + its length / 64), per value
 * built (1 + its size / 64) and per 256 bytes of the raw scan; values
 * over VAL_MAX bytes or ARR_MAX elements are unknown; parser nesting
 * (parentheses, casts, unary operators, blocks) stops at DEOB_NEST_MAX,
 * and a syntax error resumes after the furthest token reached, so every
 * token is evaluated a bounded number of times (a block once per element
 * of a constant array).
 *
 * Not supported: regular expressions (-replace/-split with a pattern that
 * has a regex metacharacter, -match), loops other than ForEach-Object
 * over a constant array (foreach/for/while bodies run once, with their
 * variables as they are), functions, hashtables, compression
 * (IO.Compression), format specifiers ({0:x2}), SecureString, and
 * environment variables other than a few fixed ones ($env:ComSpec,
 * $env:Public, $PSHome, $ShellId, $VerbosePreference: the usual sources
 * of an obfuscated "iex").  [char] + [char] concatenates (the dropper's
 * intent; PowerShell would add the codes).
 */
#include "deob.h"

#include <string.h>

#define VAL_MAX (1024u * 1024u)	/* bytes of one string or byte value */
#define ARR_MAX 65536u		/* elements of one array */
#define ARGS_MAX 8u		/* a method's arguments kept */
#define FMT_WIDTH_MAX 1024	/* alignment of a format item */
#define RAW_STEP 256u		/* raw-scan bytes per step */

#define HOW_ENC "powershell -EncodedCommand"
#define HOW_B64 "FromBase64String"
#define HOW_FOLD "powershell folding"
#define HOW_LIT "powershell literal"

/* --- tokens -------------------------------------------------------------- */

enum tk {
	T_EOF, T_NL, T_SEMI, T_SQ, T_DQ, T_HERE_SQ, T_HERE_DQ, T_NUM, T_VAR, T_TYPE,
	T_DASH,			/* -word: an operator or a parameter */
	T_WORD,			/* a bare word: a command name or argument */
	T_IDENT,		/* a member name after . or :: */
	T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET,
	T_SUBEXPR, T_ARREXPR, T_HASH,	/* $( @( @{ */
	T_COMMA, T_PIPE, T_AMP, T_DOT, T_DOTDOT, T_COLON2, T_PLUS, T_MINUS, T_STAR,
	T_SLASH, T_PERCENT, T_BANG, T_ASSIGN, T_OTHER
};

struct tok {
	enum tk k;
	size_t off, len;	/* the token's bytes */
	size_t from;		/* where lexing started (blanks and comments before it) */
	size_t end;		/* where lexing goes on */
	bool space;		/* a blank (or nothing: start) before it */
	char op;		/* T_ASSIGN: '=', '+', '-', '*', '/', '%' */
};

/* --- values -------------------------------------------------------------- */

enum vk { V_UNK, V_STR, V_CHAR, V_NUM, V_ARR, V_BYTES, V_TYPE, V_ENC };

enum ty {
	TY_OTHER, TY_CHAR, TY_STRING, TY_CHARARR, TY_INT, TY_BYTE, TY_INTARR, TY_STRARR,
	TY_ARRAY, TY_CONVERT, TY_ENCODING, TY_SCRIPTBLOCK
};

enum enc { ENC_UTF16LE, ENC_UTF16BE, ENC_UTF8, ENC_ASCII };

struct val {
	enum vk k;
	bool folded;		/* built by an operation, not a literal as written */
	int64_t n;		/* V_NUM, V_CHAR (code point), V_TYPE (ty), V_ENC (enc) */
	GString *s;		/* V_STR (UTF-8, maybe invalid), V_BYTES */
	GPtrArray *a;		/* V_ARR: struct val *, never V_ARR */
};

/* --- the evaluation ------------------------------------------------------ */

/* One text waiting for analysis. */
struct job {
	const char *t;
	size_t n;
	unsigned level;
};

/* Shared by every text of one deob_powershell() call. */
struct ctx {
	struct deob_result *r;
	struct deob_limits l;
	bool stop;		/* a limit said stop */
	GHashTable *vars;	/* lower-case name -> struct val * */
	GHashTable *seen;	/* GBytes of the texts queued */
	GQueue jobs;		/* struct job * */
};

/* One text being evaluated. */
struct an {
	struct ctx *c;
	const char *t;
	size_t n;
	unsigned level;
	GHashTable *lits;	/* GString * of the plain literals */
	struct tok cur;
	unsigned nest;
	bool err;		/* a syntax error: unwind to the statement loop */
};

static void queue_text(struct ctx *c, const char *s, size_t n, unsigned level);
static void scan_cmdlines(struct ctx *c, const char *t, size_t n, unsigned level);
static struct val *parse_expr(struct an *a, bool comma);
static struct val *parse_pipeline(struct an *a);
static struct val *parse_unary(struct an *a);
static void run_statements(struct an *a, enum tk close, GPtrArray *outs, bool *unk);

/* --- limits -------------------------------------------------------------- */

/* Count n steps; false (and stop) once a limit is hit. */
static bool
step(struct ctx *c, uint64_t n)
{
	if (c->stop)
		return false;
	if (!deob_step(c->r, &c->l, n))
		c->stop = true;
	return !c->stop;
}

/* Record s[0..n) as how; false (and stop) at the byte limit.  *added, if
 * not NULL, says whether it was new. */
static bool
record(struct ctx *c, const char *s, size_t n, const char *how, bool *added)
{
	guint before = c->r->strs->len;
	if (added != NULL)
		*added = false;
	if (c->stop)
		return false;
	if (!deob_add(c->r, &c->l, s, n, how)) {
		c->stop = true;
		return false;
	}
	if (added != NULL)
		*added = c->r->strs->len > before;
	return true;
}

/* --- bytes --------------------------------------------------------------- */

static bool
is_blank(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* A name character of a variable or member: ASCII alnum, _, any non-ASCII. */
static bool
is_namech(unsigned char ch)
{
	return g_ascii_isalnum(ch) || ch == '_' || ch >= 0x80;
}

static bool
has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (g_ascii_strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static bool
eq_ci(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && g_ascii_strncasecmp(s, w, n) == 0;
}

/* Whether s[0..n) (n >= 1) is a prefix of w, ignoring case. */
static bool
prefix_of(const char *s, size_t n, const char *w)
{
	return n >= 1 && n <= strlen(w) && g_ascii_strncasecmp(s, w, n) == 0;
}

/* s[0..n) without backticks (a backtick keeps the next byte as is). */
static GString *
unticked(const char *s, size_t n)
{
	GString *g = g_string_sized_new(n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '`' && i + 1 < n)
			i++;
		g_string_append_c(g, s[i]);
	}
	return g;
}

/* --- UTF-16 and base64 ----------------------------------------------------- */

/*
 * b[0..n) (n even) as UTF-16 (big-endian if be) in UTF-8, converted by
 * GLib on an aligned copy in which an unpaired surrogate or a NUL (which
 * would stop the conversion) is U+FFFD first.
 */
static GString *
utf16_to_utf8(const guchar *b, size_t n, bool be)
{
	size_t units = n / 2;
	gunichar2 *u = g_new(gunichar2, units + 1);
	for (size_t i = 0; i < units; i++) {
		guint16 w;
		memcpy(&w, b + 2 * i, 2);
		u[i] = be ? GUINT16_FROM_BE(w) : GUINT16_FROM_LE(w);
	}
	for (size_t i = 0; i < units; i++) {
		bool hi = u[i] >= 0xD800 && u[i] <= 0xDBFF;
		bool lo = u[i] >= 0xDC00 && u[i] <= 0xDFFF;
		if (hi && i + 1 < units && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF)
			i++;	/* a pair */
		else if (hi || lo || u[i] == 0)
			u[i] = 0xFFFD;
	}
	glong wr = 0;
	gchar *s = g_utf16_to_utf8(u, (glong)units, NULL, &wr, NULL);
	GString *out = s != NULL ? g_string_new_len(s, wr) : g_string_new("");
	g_free(s);
	g_free(u);
	return out;
}

/*
 * s[0..n) decoded as base64 (blanks ignored) into *out, or false when it
 * is no base64: another character, '=' inside, fewer than 4 characters.
 */
static bool
b64_decode(const char *s, size_t n, GByteArray **out)
{
	size_t k = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (is_blank(ch) || ch == '\n')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(g_ascii_isalnum(ch) || ch == '+' || ch == '/'))
			return false;
		k++;
	}
	if (k < 4 || pad > 2)
		return false;
	GByteArray *b = g_byte_array_sized_new((guint)(n / 4 * 3 + 3));
	g_byte_array_set_size(b, (guint)(n / 4 * 3 + 3));
	gint state = 0;
	guint save = 0;
	gsize got = g_base64_decode_step(s, n, b->data, &state, &save);
	g_byte_array_set_size(b, (guint)got);
	*out = b;
	return true;
}

/* Whether decoded text looks like a script: half of it printable ASCII. */
static bool
looks_like_text(const GString *s)
{
	size_t ok = 0, all = 0;
	for (size_t i = 0; i < s->len; i++) {
		unsigned char ch = (unsigned char)s->str[i];
		if ((ch & 0xC0) == 0x80)
			continue;
		all++;
		if ((ch >= 0x20 && ch < 0x7F) || ch == '\t' || ch == '\n' || ch == '\r')
			ok++;
	}
	return all > 0 && ok * 2 >= all;
}

/* --- the command-line scan ------------------------------------------------- */

enum opt { O_FLAG, O_ENC, O_CMD, O_FILE, O_VALUE, O_UNKNOWN };

/* What powershell.exe (or pwsh) makes of the option name s[0..n). */
static enum opt
classify_option(const char *s, size_t n)
{
	static const char *const value_opts[] = {
		"windowstyle", "version", "outputformat", "inputformat", "workingdirectory",
		"settingsfile", "custompipename", "encodedarguments", "psconsolefile",
		"configurationname", "executionpolicy",
	};
	static const char *const flags[] = {
		"noprofile", "noexit", "nologo", "noninteractive", "interactive", "sta", "mta",
		"login", "help", "nonewwindow",
	};
	if (n > 0 && s[n - 1] == ':')
		n--;
	if (n == 0)
		return O_UNKNOWN;
	if (eq_ci(s, n, "ec") || prefix_of(s, n, "encodedcommand"))
		return O_ENC;
	if (prefix_of(s, n, "command"))
		return O_CMD;
	if (prefix_of(s, n, "file"))
		return O_FILE;
	if (eq_ci(s, n, "ep") || eq_ci(s, n, "ea") || eq_ci(s, n, "if") || eq_ci(s, n, "of") ||
	    eq_ci(s, n, "wd"))
		return O_VALUE;
	for (size_t i = 0; i < G_N_ELEMENTS(value_opts); i++)
		if (prefix_of(s, n, value_opts[i]) && (n >= 2 || s[0] == 'w' || s[0] == 'W' ||
		    s[0] == 'v' || s[0] == 'V' || s[0] == 'o' || s[0] == 'O'))
			return O_VALUE;
	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
		if (prefix_of(s, n, flags[i]) && n >= 3)
			return O_FLAG;
	if (eq_ci(s, n, "nop") || eq_ci(s, n, "noni") || eq_ci(s, n, "?"))
		return O_FLAG;
	return O_UNKNOWN;
}

/* One argument of a command line at t[*i]: its content in [*s, *s + *len);
 * *quoted when in quotes.  false at the end of the line. */
static bool
read_arg(const char *t, size_t n, size_t *i, size_t *s, size_t *len, bool *quoted)
{
	size_t j = *i;
	while (j < n && is_blank((unsigned char)t[j]) && t[j] != '\r')
		j++;
	if (j >= n || t[j] == '\n' || t[j] == '\r')
		return false;
	*quoted = t[j] == '"' || t[j] == '\'';
	if (*quoted) {
		char q = t[j];
		size_t k = j + 1;
		while (k < n && t[k] != q && t[k] != '\n')
			k++;
		*s = j + 1;
		*len = k - (j + 1);
		*i = k < n && t[k] == q ? k + 1 : k;
		return true;
	}
	size_t k = j;
	while (k < n && !is_blank((unsigned char)t[k]) && t[k] != '\n' && t[k] != '"' &&
	    t[k] != '\'' && t[k] != ';' && t[k] != '|' && t[k] != '&' && t[k] != ')' &&
	    t[k] != '<' && t[k] != '>')
		k++;
	if (k == j)
		return false;
	*s = j;
	*len = k - j;
	*i = k;
	return true;
}

/* The base64 argument of -EncodedCommand decoded and recorded; the script
 * is queued one level deeper. */
static void
decode_encoded(struct ctx *c, const char *s, size_t n, unsigned level)
{
	GByteArray *b = NULL;
	if (!step(c, 1 + n / 64) || !b64_decode(s, n, &b))
		return;
	size_t len = b->len & ~(size_t)1;	/* an odd last byte is no code unit */
	if (len >= 2) {
		GString *u = utf16_to_utf8(b->data, len, false);
		if (looks_like_text(u) && record(c, u->str, u->len, HOW_ENC, NULL))
			queue_text(c, u->str, u->len, level + 1);
		g_string_free(u, TRUE);
	}
	g_byte_array_unref(b);
}

/*
 * powershell.exe's arguments at t[i..): options skipped, -EncodedCommand
 * decoded, a -Command or positional script queued.  Where the command
 * line ends.
 */
static size_t
parse_ps_args(struct ctx *c, const char *t, size_t n, size_t i, unsigned level)
{
	for (unsigned guard = 0; guard < 64 && !c->stop; guard++) {
		size_t s, len;
		bool quoted;
		if (!read_arg(t, n, &i, &s, &len, &quoted))
			return i;
		if (!quoted && len >= 2 && (t[s] == '-' || t[s] == '/')) {
			size_t o = s + 1, on = len - 1;
			if (t[s] == '-' && on > 1 && t[o] == '-') {
				o++;
				on--;
			}
			switch (classify_option(t + o, on)) {
			case O_ENC:
				if (!read_arg(t, n, &i, &s, &len, &quoted))
					return i;
				decode_encoded(c, t + s, len, level);
				break;
			case O_CMD: {
				size_t e = i;
				if (!read_arg(t, n, &e, &s, &len, &quoted))
					return i;
				if (!quoted) {
					size_t k = s;
					while (k < n && t[k] != '\n' && t[k] != '\r')
						k++;
					len = k - s;
					e = k;
				}
				queue_text(c, t + s, len, level + 1);
				return e;
			}
			case O_FILE:
				return i;
			case O_VALUE:
				if (!read_arg(t, n, &i, &s, &len, &quoted))
					return i;
				break;
			default:
				break;
			}
		} else {
			/* the script itself: the rest of the line, or what is quoted */
			size_t e = i;
			if (!quoted) {
				e = s;
				while (e < n && t[e] != '\n' && t[e] != '\r')
					e++;
				len = e - s;
			}
			queue_text(c, t + s, len, level + 1);
			return e;
		}
		/* arguments are separated by blanks */
		if (i < n && !is_blank((unsigned char)t[i]))
			return i;
	}
	return i;
}

/* The length of "powershell"/"pwsh" (with .exe and a closing quote) at
 * t[i] when it is a word there followed by a blank, or 0. */
static size_t
ps_word_at(const char *t, size_t n, size_t i)
{
	size_t k;
	if (i + 10 <= n && g_ascii_strncasecmp(t + i, "powershell", 10) == 0)
		k = 10;
	else if (i + 4 <= n && g_ascii_strncasecmp(t + i, "pwsh", 4) == 0)
		k = 4;
	else
		return 0;
	if (i > 0 && (is_namech((unsigned char)t[i - 1]) || t[i - 1] == '-'))
		return 0;
	if (i + k + 4 <= n && g_ascii_strncasecmp(t + i + k, ".exe", 4) == 0)
		k += 4;
	if (i + k < n && (t[i + k] == '"' || t[i + k] == '\''))
		k++;
	if (i + k < n && !is_blank((unsigned char)t[i + k]))
		return 0;
	return k;
}

/*
 * Every powershell command line in t[0..n): after "powershell"/"pwsh",
 * or the whole text when it starts with one of powershell.exe's options.
 * cmd's carets are removed first.
 */
static void
scan_cmdlines(struct ctx *c, const char *t, size_t n, unsigned level)
{
	char *copy = NULL;
	if (n > 0 && memchr(t, '^', n) != NULL) {
		if (!step(c, 1 + n / RAW_STEP))
			return;
		copy = g_malloc(n);
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (t[i] == '^' && i + 1 < n)
				i++;
			copy[k++] = t[i];
		}
		t = copy;
		n = k;
	}
	size_t i = 0;
	while (i < n && (is_blank((unsigned char)t[i]) || t[i] == '\n'))
		i++;
	if (i + 1 < n && (t[i] == '-' || t[i] == '/')) {
		size_t s, len;
		bool q;
		size_t j = i;
		if (read_arg(t, n, &j, &s, &len, &q) && len >= 2 &&
		    classify_option(t + s + 1, len - 1) != O_UNKNOWN)
			parse_ps_args(c, t, n, i, level);
	}
	size_t last = 0;
	for (i = 0; i < n && !c->stop; i++) {
		if (i - last >= RAW_STEP) {
			if (!step(c, 1))
				break;
			last = i;
		}
		if ((t[i] | 0x20) != 'p')
			continue;
		size_t k = ps_word_at(t, n, i);
		if (k == 0)
			continue;
		if (!step(c, 1))
			break;
		size_t e = parse_ps_args(c, t, n, i + k, level);
		if (e > i + 1)
			i = e - 1;
	}
	g_free(copy);
}

/* --- the queue ------------------------------------------------------------- */

/* Analyse s[0..n) at level later, unless it was queued before or level
 * is beyond lim->depth. */
static void
queue_text(struct ctx *c, const char *s, size_t n, unsigned level)
{
	if (c->stop || n == 0)
		return;
	if (level > c->l.depth) {
		if (c->r->limit == NULL)
			c->r->limit = "depth";
		return;
	}
	GBytes *key = g_bytes_new(s, n);
	if (g_hash_table_contains(c->seen, key)) {
		g_bytes_unref(key);
		return;
	}
	g_hash_table_add(c->seen, key);
	struct job *j = g_new(struct job, 1);
	gsize kn;
	j->t = g_bytes_get_data(key, &kn);
	j->n = kn;
	j->level = level;
	g_queue_push_tail(&c->jobs, j);
}

/* --- the tokenizer --------------------------------------------------------- */

/* Past blanks, line continuations and comments from i. */
static size_t
skip_blanks(const char *t, size_t n, size_t i)
{
	while (i < n) {
		unsigned char ch = (unsigned char)t[i];
		if (is_blank(ch)) {
			i++;
		} else if (ch == 0xC2 && i + 1 < n && (unsigned char)t[i + 1] == 0xA0) {
			i += 2;
		} else if (ch == '`' && i + 1 < n && (t[i + 1] == '\n' || t[i + 1] == '\r')) {
			i += 2;
			if (i < n && t[i - 1] == '\r' && t[i] == '\n')
				i++;
		} else if (ch == '#') {
			const char *e = memchr(t + i, '\n', n - i);
			i = e != NULL ? (size_t)(e - t) : n;
		} else if (ch == '<' && i + 1 < n && t[i + 1] == '#') {
			size_t j = i + 2;
			while (j + 1 < n && !(t[j] == '#' && t[j + 1] == '>'))
				j++;
			i = j + 1 < n ? j + 2 : n;
		} else {
			break;
		}
	}
	return i;
}

/* The end of a double-quoted string whose content starts at i. */
static size_t
dq_end(const char *t, size_t n, size_t i)
{
	while (i < n) {
		char ch = t[i];
		if (ch == '`') {
			i += 2;
		} else if (ch == '"') {
			if (i + 1 < n && t[i + 1] == '"')
				i += 2;
			else
				return i + 1;
		} else if (ch == '$' && i + 1 < n && t[i + 1] == '(') {
			/* a subexpression: to its parenthesis, strings inside skipped */
			unsigned depth = 1;
			i += 2;
			while (i < n && depth > 0) {
				if (t[i] == '(') {
					depth++;
				} else if (t[i] == ')') {
					depth--;
				} else if (t[i] == '\'' || t[i] == '"') {
					const char *e = memchr(t + i + 1, t[i], n - i - 1);
					i = e != NULL ? (size_t)(e - t) : n;
				}
				i++;
			}
		} else {
			i++;
		}
	}
	return n;
}

/* Where a here-string opened at i (@' or @") ends, or 0 when it is none. */
static size_t
here_end(const char *t, size_t n, size_t i)
{
	char q = t[i + 1];
	size_t j = i + 2;
	while (j < n && is_blank((unsigned char)t[j]))
		j++;
	if (j >= n || t[j] != '\n')
		return 0;
	for (;;) {
		const char *e = memchr(t + j, '\n', n - j);
		if (e == NULL)
			return n;
		j = (size_t)(e - t) + 1;
		if (j + 1 < n && t[j] == q && t[j + 1] == '@')
			return j + 2;
	}
}

/* Whether a type name ([name], [name[]]) starts at t[i] == '['; its end. */
static size_t
type_end(const char *t, size_t n, size_t i)
{
	size_t j = i + 1;
	while (j < n && t[j] == ' ')
		j++;
	if (j >= n || !(g_ascii_isalpha(t[j]) || t[j] == '_'))
		return 0;
	while (j < n && (is_namech((unsigned char)t[j]) || t[j] == '.' || t[j] == '`'))
		j++;
	if (j < n && t[j] == '[') {
		/* [] or a generic argument [name] */
		j++;
		while (j < n && (is_namech((unsigned char)t[j]) || t[j] == '.' || t[j] == ',' ||
		    t[j] == ' '))
			j++;
		if (j >= n || t[j] != ']')
			return 0;
		j++;
	}
	while (j < n && t[j] == ' ')
		j++;
	return j < n && t[j] == ']' ? j + 1 : 0;
}

/* The token at t[pos..), after one of kind prev. */
static void
lex(const char *t, size_t n, size_t pos, enum tk prev, struct tok *o)
{
	size_t i = skip_blanks(t, n, pos);
	size_t j;
	o->space = i > pos || pos == 0;
	o->from = pos;
	o->off = i;
	o->op = 0;
	if (i >= n) {
		o->k = T_EOF;
		o->len = 0;
		o->end = n;
		return;
	}
	unsigned char ch = (unsigned char)t[i];
	unsigned char nx = i + 1 < n ? (unsigned char)t[i + 1] : 0;
	enum tk k = T_OTHER;
	j = i + 1;
	if ((prev == T_DOT || prev == T_COLON2) && !o->space && (is_namech(ch))) {
		while (j < n && (is_namech((unsigned char)t[j]) ||
		    (t[j] == '`' && j + 1 < n && is_namech((unsigned char)t[j + 1]))))
			j += t[j] == '`' ? 2 : 1;
		k = T_IDENT;
		goto done;
	}
	switch (ch) {
	case '\n':
		k = T_NL;
		break;
	case ';':
		k = T_SEMI;
		break;
	case ',':
		k = T_COMMA;
		break;
	case '(':
		k = T_LPAREN;
		break;
	case ')':
		k = T_RPAREN;
		break;
	case '{':
		k = T_LBRACE;
		break;
	case '}':
		k = T_RBRACE;
		break;
	case ']':
		k = T_RBRACKET;
		break;
	case '|':
		k = T_PIPE;
		if (nx == '|') {
			k = T_SEMI;
			j++;
		}
		break;
	case '&':
		k = T_AMP;
		if (nx == '&') {
			k = T_SEMI;
			j++;
		}
		break;
	case '\'':
		for (j = i + 1; j < n; j++) {
			if (t[j] == '\'') {
				if (j + 1 < n && t[j + 1] == '\'')
					j++;
				else
					break;
			}
		}
		j = j < n ? j + 1 : n;
		k = T_SQ;
		break;
	case '"':
		j = dq_end(t, n, i + 1);
		k = T_DQ;
		break;
	case '@':
		if ((nx == '\'' || nx == '"') && (j = here_end(t, n, i)) != 0) {
			k = nx == '\'' ? T_HERE_SQ : T_HERE_DQ;
		} else if (nx == '(') {
			k = T_ARREXPR;
			j = i + 2;
		} else if (nx == '{') {
			k = T_HASH;
			j = i + 2;
		} else {
			j = i + 1;
			while (j < n && is_namech((unsigned char)t[j]))
				j++;
			k = T_WORD;
		}
		break;
	case '$':
		k = T_VAR;
		if (nx == '(') {
			k = T_SUBEXPR;
			j = i + 2;
		} else if (nx == '{') {
			const char *e = memchr(t + i, '}', n - i);
			j = e != NULL ? (size_t)(e - t) + 1 : n;
		} else if (nx == '$' || nx == '?' || nx == '^') {
			j = i + 2;
		} else if (is_namech(nx)) {
			j = i + 1;
			while (j < n && (is_namech((unsigned char)t[j]) ||
			    (t[j] == ':' && j + 1 < n && is_namech((unsigned char)t[j + 1]) &&
			    t[j - 1] != ':')))
				j++;
		} else {
			k = T_WORD;
		}
		break;
	case '[':
		j = type_end(t, n, i);
		if (j != 0) {
			k = T_TYPE;
		} else {
			k = T_LBRACKET;
			j = i + 1;
		}
		break;
	case '-':
		if (g_ascii_isalpha(nx)) {
			j = i + 1;
			while (j < n && (g_ascii_isalnum(t[j]) || t[j] == '_'))
				j++;
			if (j < n && t[j] == ':' && !(j + 1 < n && t[j + 1] == ':'))
				j++;
			k = T_DASH;
		} else if (nx == '=') {
			k = T_ASSIGN;
			o->op = '-';
			j = i + 2;
		} else if (nx == '-') {
			k = T_OTHER;
			j = i + 2;
		} else {
			k = T_MINUS;
		}
		break;
	case '+':
	case '*':
	case '/':
	case '%':
		k = ch == '+' ? T_PLUS : ch == '*' ? T_STAR : ch == '/' ? T_SLASH : T_PERCENT;
		if (nx == '=') {
			k = T_ASSIGN;
			o->op = (char)ch;
			j = i + 2;
		} else if (ch == '+' && nx == '+') {
			k = T_OTHER;
			j = i + 2;
		}
		break;
	case '=':
		k = T_ASSIGN;
		o->op = '=';
		break;
	case '!':
		k = T_BANG;
		break;
	case '.':
		if (nx == '.') {
			k = T_DOTDOT;
			j = i + 2;
		} else {
			k = T_DOT;
		}
		break;
	case ':':
		if (nx == ':') {
			k = T_COLON2;
			j = i + 2;
		}
		break;
	default:
		if (g_ascii_isdigit(ch)) {
			k = T_NUM;
			if (ch == '0' && (nx == 'x' || nx == 'X')) {
				j = i + 2;
				while (j < n && g_ascii_isxdigit(t[j]))
					j++;
			} else {
				while (j < n && g_ascii_isdigit(t[j]))
					j++;
				if (j + 1 < n && t[j] == '.' && g_ascii_isdigit(t[j + 1])) {
					j++;
					while (j < n && g_ascii_isdigit(t[j]))
						j++;
				}
			}
			while (j < n && g_ascii_isalpha(t[j]))
				j++;
			break;
		}
		if (ch == '>' || ch == '<') {
			k = T_OTHER;
			break;
		}
		/* a bare word: up to a blank or a character of the syntax */
		k = T_WORD;
		j = i;
		while (j < n) {
			unsigned char b = (unsigned char)t[j];
			if (b == '`' && j + 1 < n) {
				j += 2;
				continue;
			}
			if (is_blank(b) || b == '\n' || b == '(' || b == ')' || b == '{' || b == '}' ||
			    b == ';' || b == ',' || b == '|' || b == '&' || b == '\'' || b == '"' ||
			    b == '[' || b == ']' || (b == '$' && j > i))
				break;
			j++;
		}
		if (j == i)
			j = i + 1;
		break;
	}
done:
	o->k = k;
	o->end = MIN(j, n);
	o->len = o->end - i;
}

/* --- values: making and freeing ------------------------------------------- */

static struct val *
v_new(enum vk k)
{
	struct val *v = g_new0(struct val, 1);
	v->k = k;
	return v;
}

static struct val *
v_unk(void)
{
	return v_new(V_UNK);
}

static struct val *
v_num(int64_t n)
{
	struct val *v = v_new(V_NUM);
	v->n = n;
	return v;
}

static struct val *
v_str(GString *s, bool folded)
{
	struct val *v = v_new(V_STR);
	v->s = s;
	v->folded = folded;
	return v;
}

static void
v_free(struct val *v)
{
	if (v == NULL)
		return;
	if (v->s != NULL)
		g_string_free(v->s, TRUE);
	if (v->a != NULL)
		g_ptr_array_unref(v->a);
	g_free(v);
}

static void
v_free_cb(gpointer p)
{
	v_free(p);
}

static struct val *
v_arr(void)
{
	struct val *v = v_new(V_ARR);
	v->a = g_ptr_array_new_with_free_func(v_free_cb);
	return v;
}

static struct val *v_copy(const struct val *v);

static struct val *
v_copy(const struct val *v)
{
	struct val *c = v_new(v->k);
	c->folded = v->folded;
	c->n = v->n;
	if (v->s != NULL)
		c->s = g_string_new_len(v->s->str, (gssize)v->s->len);
	if (v->a != NULL) {
		c->a = g_ptr_array_new_full(v->a->len, v_free_cb);
		for (guint i = 0; i < v->a->len; i++)
			g_ptr_array_add(c->a, v_copy(v->a->pdata[i]));
	}
	return c;
}

/* A value's cost in steps: 1 + its size / 64. */
static uint64_t
v_cost(const struct val *v)
{
	uint64_t b = 0;
	if (v->s != NULL)
		b += v->s->len;
	if (v->a != NULL)
		b += (uint64_t)v->a->len * 16;
	return 1 + b / 64;
}

/* v, or unknown when it is too large or a step limit was hit. */
static struct val *
checked(struct an *a, struct val *v)
{
	if ((v->s != NULL && v->s->len > VAL_MAX) || (v->a != NULL && v->a->len > ARR_MAX) ||
	    !step(a->c, v_cost(v))) {
		v_free(v);
		return v_unk();
	}
	return v;
}

/* Append the UTF-8 of code point cp; false when it is none. */
static bool
append_cp(GString *g, int64_t cp)
{
	if (cp < 0 || cp > 0x10FFFF)
		return false;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	g_string_append_unichar(g, (gunichar)cp);
	return true;
}

/* The separator of an array made a string ($OFS, a space by default). */
static void
ofs(struct an *a, const char **s, size_t *n)
{
	const struct val *v = g_hash_table_lookup(a->c->vars, "ofs");
	*s = v != NULL && v->k == V_STR ? v->s->str : " ";
	*n = v != NULL && v->k == V_STR ? v->s->len : 1;
}

/* v as a string appended to g; false when it is not constant. */
static bool
to_str(struct an *a, const struct val *v, GString *g)
{
	switch (v->k) {
	case V_STR:
		g_string_append_len(g, v->s->str, (gssize)v->s->len);
		return true;
	case V_CHAR:
		return append_cp(g, v->n);
	case V_NUM:
		g_string_append_printf(g, "%" G_GINT64_FORMAT, v->n);
		return true;
	case V_ARR:
		for (guint i = 0; i < v->a->len; i++) {
			const char *sep;
			size_t sn;
			ofs(a, &sep, &sn);
			if (i > 0)
				g_string_append_len(g, sep, (gssize)sn);
			if (!to_str(a, v->a->pdata[i], g) || g->len > VAL_MAX)
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* v as an integer: a number or a char's code. */
static bool
to_int(const struct val *v, int64_t *n)
{
	if (v->k == V_NUM || v->k == V_CHAR) {
		*n = v->n;
		return true;
	}
	if (v->k == V_STR && v->s->len > 0 && v->s->len < 20) {
		gchar *end;
		gint64 x = g_ascii_strtoll(v->s->str, &end, 10);
		if (*end == '\0' && end != v->s->str && strlen(v->s->str) == v->s->len) {
			*n = x;
			return true;
		}
	}
	return false;
}

/* The characters of a string as an array of V_CHAR; NULL when invalid. */
static struct val *
chars_of(const GString *s)
{
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL) || s->len > ARR_MAX)
		return NULL;
	struct val *r = v_arr();
	for (const char *p = s->str; p < s->str + s->len; p = g_utf8_next_char(p)) {
		struct val *c = v_new(V_CHAR);
		c->n = g_utf8_get_char(p);
		c->folded = true;
		g_ptr_array_add(r->a, c);
	}
	return r;
}

/* The items of v: its elements, or v alone. */
static void
items(const struct val *v, const struct val *const **it, guint *n, const struct val **one)
{
	if (v->k == V_ARR) {
		*it = (const struct val *const *)v->a->pdata;
		*n = v->a->len;
	} else {
		*one = v;
		*it = one;
		*n = 1;
	}
}

/* The items of arr joined by sep; NULL when one is not constant. */
static struct val *
join(struct an *a, const struct val *arr, const char *sep, size_t seplen)
{
	const struct val *const *it;
	const struct val *one;
	guint n;
	items(arr, &it, &n, &one);
	GString *g = g_string_new("");
	for (guint i = 0; i < n; i++) {
		if (i > 0)
			g_string_append_len(g, sep, (gssize)seplen);
		if (!to_str(a, it[i], g) || g->len > VAL_MAX) {
			g_string_free(g, TRUE);
			return v_unk();
		}
	}
	return v_str(g, true);
}

/* --- the operators ---------------------------------------------------------- */

static bool
has_regex_meta(const GString *s)
{
	for (size_t i = 0; i < s->len; i++)
		if (strchr("\\^$.|?*+()[]{}", s->str[i]) != NULL && s->str[i] != '\0')
			return true;
	return false;
}

/* s with every pat replaced by rep (ci: ASCII case ignored). */
static GString *
replace_lit(const GString *s, const GString *pat, const char *rep, size_t replen, bool ci)
{
	GString *g = g_string_sized_new(s->len);
	size_t i = 0;
	while (i < s->len) {
		if (i + pat->len <= s->len &&
		    (ci ? g_ascii_strncasecmp(s->str + i, pat->str, pat->len) == 0 :
		    memcmp(s->str + i, pat->str, pat->len) == 0)) {
			g_string_append_len(g, rep, (gssize)replen);
			i += pat->len;
			if (g->len > VAL_MAX)
				break;
		} else {
			g_string_append_c(g, s->str[i++]);
		}
	}
	return g;
}

/* A regex replacement string's literal text ($$ is $), or false when it
 * refers to a group. */
static bool
regex_rep(const GString *r, GString *out)
{
	for (size_t i = 0; i < r->len; i++) {
		if (r->str[i] == '$' && i + 1 < r->len) {
			char nx = r->str[i + 1];
			if (nx == '$') {
				g_string_append_c(out, '$');
				i++;
				continue;
			}
			if (g_ascii_isdigit(nx) || strchr("{&`'+_", nx) != NULL)
				return false;
		}
		g_string_append_c(out, r->str[i]);
	}
	return true;
}

/* l -replace r (r: pattern or pattern, replacement), literal patterns only. */
static struct val *
op_replace(struct an *a, const struct val *l, const struct val *r, bool ci)
{
	if (l->k != V_STR)
		return v_unk();
	const struct val *pat = r, *rep = NULL;
	if (r->k == V_ARR) {
		if (r->a->len == 0 || r->a->len > 2)
			return v_unk();
		pat = r->a->pdata[0];
		rep = r->a->len == 2 ? r->a->pdata[1] : NULL;
	}
	GString *ps = g_string_new(""), *rs = g_string_new(""), *rl = g_string_new("");
	struct val *res = v_unk();
	if (to_str(a, pat, ps) && ps->len > 0 && !has_regex_meta(ps) &&
	    (rep == NULL || to_str(a, rep, rs)) && regex_rep(rs, rl)) {
		v_free(res);
		res = v_str(replace_lit(l->s, ps, rl->str, rl->len, ci), true);
	}
	g_string_free(ps, TRUE);
	g_string_free(rs, TRUE);
	g_string_free(rl, TRUE);
	return res;
}

/* l -split r with a literal pattern. */
static struct val *
op_split(struct an *a, const struct val *l, const struct val *r, bool ci)
{
	GString *ps = g_string_new("");
	struct val *res = v_unk();
	if (l->k == V_STR && to_str(a, r, ps) && ps->len > 0 && !has_regex_meta(ps)) {
		v_free(res);
		res = v_arr();
		size_t i = 0, from = 0;
		while (i + ps->len <= l->s->len && res->a->len < ARR_MAX) {
			if (ci ? g_ascii_strncasecmp(l->s->str + i, ps->str, ps->len) == 0 :
			    memcmp(l->s->str + i, ps->str, ps->len) == 0) {
				g_ptr_array_add(res->a,
				    v_str(g_string_new_len(l->s->str + from, (gssize)(i - from)), true));
				i += ps->len;
				from = i;
			} else {
				i++;
			}
		}
		g_ptr_array_add(res->a,
		    v_str(g_string_new_len(l->s->str + from, (gssize)(l->s->len - from)), true));
	}
	g_string_free(ps, TRUE);
	return res;
}

/* fmt -f args: {index[,alignment]} items, {{ and }}; a format specifier
 * or a bad item makes it unknown. */
static struct val *
op_format(struct an *a, const struct val *fmt, const struct val *args)
{
	if (fmt->k != V_STR)
		return v_unk();
	const struct val *const *it;
	const struct val *one;
	guint na;
	items(args, &it, &na, &one);
	const GString *f = fmt->s;
	GString *g = g_string_new("");
	size_t i = 0;
	while (i < f->len) {
		char ch = f->str[i];
		if (ch == '}' ) {
			if (i + 1 < f->len && f->str[i + 1] == '}') {
				g_string_append_c(g, '}');
				i += 2;
				continue;
			}
			goto bad;
		}
		if (ch != '{') {
			g_string_append_c(g, ch);
			i++;
			continue;
		}
		if (i + 1 < f->len && f->str[i + 1] == '{') {
			g_string_append_c(g, '{');
			i += 2;
			continue;
		}
		i++;
		size_t idx = 0, nd = 0;
		while (i < f->len && g_ascii_isdigit(f->str[i]) && nd < 6) {
			idx = idx * 10 + (size_t)(f->str[i++] - '0');
			nd++;
		}
		while (i < f->len && f->str[i] == ' ')
			i++;
		long width = 0;
		if (i < f->len && f->str[i] == ',') {
			bool neg = false;
			i++;
			while (i < f->len && f->str[i] == ' ')
				i++;
			if (i < f->len && f->str[i] == '-') {
				neg = true;
				i++;
			}
			size_t wd = 0;
			while (i < f->len && g_ascii_isdigit(f->str[i]) && wd < 5) {
				width = width * 10 + (f->str[i++] - '0');
				wd++;
			}
			if (wd == 0 || width > FMT_WIDTH_MAX)
				goto bad;
			if (neg)
				width = -width;
			while (i < f->len && f->str[i] == ' ')
				i++;
		}
		if (nd == 0 || idx >= na || i >= f->len || f->str[i] != '}')
			goto bad;
		i++;
		GString *item = g_string_new("");
		if (!to_str(a, it[idx], item)) {
			g_string_free(item, TRUE);
			goto bad;
		}
		long len = (long)g_utf8_strlen(item->str, (gssize)item->len);
		if (width > 0)
			for (long k = len; k < width; k++)
				g_string_append_c(g, ' ');
		g_string_append_len(g, item->str, (gssize)item->len);
		if (width < 0)
			for (long k = len; k < -width; k++)
				g_string_append_c(g, ' ');
		g_string_free(item, TRUE);
		if (g->len > VAL_MAX)
			goto bad;
	}
	return v_str(g, true);
bad:
	g_string_free(g, TRUE);
	return v_unk();
}

/* l + r: strings concatenate (a char too), numbers add, arrays append. */
static struct val *
op_add(struct an *a, const struct val *l, const struct val *r)
{
	if (l->k == V_ARR) {
		struct val *res = v_copy(l);
		res->folded = true;
		if (r->k == V_ARR) {
			for (guint i = 0; i < r->a->len && res->a->len <= ARR_MAX; i++)
				g_ptr_array_add(res->a, v_copy(r->a->pdata[i]));
		} else {
			g_ptr_array_add(res->a, v_copy(r));
		}
		return res;
	}
	if (l->k == V_NUM && r->k == V_NUM)
		return v_num((int64_t)((uint64_t)l->n + (uint64_t)r->n));
	if (l->k == V_CHAR && r->k == V_NUM)
		return v_num(l->n + r->n);
	if (l->k == V_NUM && r->k == V_CHAR)
		return v_num(l->n + r->n);
	if (l->k == V_STR || l->k == V_CHAR) {
		GString *g = g_string_new("");
		if (!to_str(a, l, g) || !to_str(a, r, g)) {
			g_string_free(g, TRUE);
			return v_unk();
		}
		return v_str(g, true);
	}
	return v_unk();
}

/* Integer operators: - * / % -band -bor -bxor -shl -shr. */
static struct val *
op_int(const struct val *l, const struct val *r, const char *op)
{
	int64_t x, y;
	if (l->k == V_STR && r->k == V_NUM && strcmp(op, "*") == 0) {
		/* 'ab' * 3 */
		if (r->n < 0 || (uint64_t)r->n * l->s->len > VAL_MAX)
			return v_unk();
		GString *g = g_string_new("");
		for (int64_t i = 0; i < r->n; i++)
			g_string_append_len(g, l->s->str, (gssize)l->s->len);
		return v_str(g, true);
	}
	if (l->k == V_ARR || r->k == V_ARR || !to_int(l, &x) || !to_int(r, &y))
		return v_unk();
	uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
	if (strcmp(op, "-") == 0)
		return v_num((int64_t)(ux - uy));
	if (strcmp(op, "*") == 0)
		return v_num((int64_t)(ux * uy));
	if (strcmp(op, "/") == 0 || strcmp(op, "%") == 0) {
		if (y == 0 || (x == INT64_MIN && y == -1) || (strcmp(op, "/") == 0 && x % y != 0))
			return v_unk();
		return v_num(strcmp(op, "/") == 0 ? x / y : x % y);
	}
	if (strcmp(op, "band") == 0)
		return v_num(x & y);
	if (strcmp(op, "bor") == 0)
		return v_num(x | y);
	if (strcmp(op, "bxor") == 0)
		return v_num(x ^ y);
	if (strcmp(op, "shl") == 0 && y >= 0 && y < 63)
		return v_num((int64_t)(ux << y));
	if (strcmp(op, "shr") == 0 && y >= 0 && y < 63)
		return v_num(x >> y);
	return v_unk();
}

/* l .. r: the integers between. */
static struct val *
op_range(const struct val *l, const struct val *r)
{
	int64_t x, y;
	if (!to_int(l, &x) || !to_int(r, &y) || x < -(int64_t)VAL_MAX || x > (int64_t)VAL_MAX ||
	    y < -(int64_t)VAL_MAX || y > (int64_t)VAL_MAX || (x > y ? x - y : y - x) >= ARR_MAX)
		return v_unk();
	struct val *res = v_arr();
	for (int64_t i = x;; i += x <= y ? 1 : -1) {
		g_ptr_array_add(res->a, v_num(i));
		if (i == y)
			break;
	}
	return res;
}

/* --- casts --------------------------------------------------------------- */

/* The type named by a [type] token's text t[0..n). */
static enum ty
type_of(const char *t, size_t n)
{
	static const struct {
		const char *name;
		enum ty ty;
	} names[] = {
		{ "char", TY_CHAR }, { "string", TY_STRING }, { "char[]", TY_CHARARR },
		{ "int", TY_INT }, { "int32", TY_INT }, { "int64", TY_INT }, { "long", TY_INT },
		{ "int16", TY_INT }, { "uint16", TY_INT }, { "uint32", TY_INT }, { "short", TY_INT },
		{ "byte", TY_BYTE }, { "int[]", TY_INTARR }, { "byte[]", TY_INTARR },
		{ "int32[]", TY_INTARR }, { "string[]", TY_STRARR }, { "array", TY_ARRAY },
		{ "object[]", TY_ARRAY }, { "convert", TY_CONVERT },
		{ "text.encoding", TY_ENCODING }, { "scriptblock", TY_SCRIPTBLOCK },
		{ "management.automation.scriptblock", TY_SCRIPTBLOCK },
	};
	GString *g = unticked(t + 1, n >= 2 ? n - 2 : 0);
	GString *s = g_string_new("");
	for (size_t i = 0; i < g->len; i++)
		if (g->str[i] != ' ')
			g_string_append_c(s, g_ascii_tolower(g->str[i]));
	g_string_free(g, TRUE);
	const char *name = s->str;
	if (g_str_has_prefix(name, "system."))
		name += 7;
	enum ty ty = TY_OTHER;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(name, names[i].name) == 0)
			ty = names[i].ty;
	g_string_free(s, TRUE);
	return ty;
}

/* [char] of a scalar. */
static struct val *
cast_char(const struct val *v)
{
	int64_t n;
	if (v->k == V_STR) {
		if (v->s->len == 0 || !g_utf8_validate(v->s->str, (gssize)v->s->len, NULL) ||
		    g_utf8_strlen(v->s->str, (gssize)v->s->len) != 1)
			return v_unk();
		n = g_utf8_get_char(v->s->str);
	} else if (v->k == V_NUM || v->k == V_CHAR) {
		n = v->n;
	} else {
		return v_unk();
	}
	if (n < 0 || n > 0xFFFF)
		return v_unk();
	struct val *c = v_new(V_CHAR);
	c->n = n;
	c->folded = true;
	return c;
}

/* An integer cast of a scalar. */
static struct val *
cast_int(const struct val *v, bool byte)
{
	int64_t n;
	if (!to_int(v, &n) || (byte && (n < 0 || n > 255)))
		return v_unk();
	return v_num(n);
}

/* [ty] v */
static struct val *
cast(struct an *a, enum ty ty, const struct val *v)
{
	switch (ty) {
	case TY_CHAR:
		return cast_char(v);
	case TY_INT:
	case TY_BYTE:
		return cast_int(v, ty == TY_BYTE);
	case TY_STRING: {
		GString *g = g_string_new("");
		if (!to_str(a, v, g)) {
			g_string_free(g, TRUE);
			return v_unk();
		}
		return v_str(g, v->folded || v->k != V_STR);
	}
	case TY_CHARARR:
	case TY_INTARR:
	case TY_STRARR:
	case TY_ARRAY: {
		if (v->k == V_STR && ty == TY_CHARARR) {
			struct val *r = chars_of(v->s);
			return r != NULL ? r : v_unk();
		}
		if (v->k == V_BYTES && ty != TY_STRARR) {
			struct val *r = v_arr();
			for (size_t i = 0; i < v->s->len && i < ARR_MAX; i++) {
				struct val *e = ty == TY_CHARARR ? v_new(V_CHAR) : v_new(V_NUM);
				e->n = (unsigned char)v->s->str[i];
				g_ptr_array_add(r->a, e);
			}
			return r;
		}
		const struct val *const *it;
		const struct val *one;
		guint n;
		items(v, &it, &n, &one);
		struct val *r = v_arr();
		r->folded = true;
		for (guint i = 0; i < n; i++) {
			struct val *e;
			if (ty == TY_CHARARR) {
				e = cast_char(it[i]);
			} else if (ty == TY_INTARR) {
				e = cast_int(it[i], false);
			} else if (ty == TY_STRARR) {
				e = cast(a, TY_STRING, it[i]);
			} else {
				e = v_copy(it[i]);
			}
			if (e->k == V_UNK) {
				v_free(e);
				v_free(r);
				return v_unk();
			}
			g_ptr_array_add(r->a, e);
		}
		return r;
	}
	default:
		return v_unk();
	}
}

/* --- methods ----------------------------------------------------------------- */

/* The string value of arg (a string or a char), or NULL. */
static GString *
str_arg(struct an *a, const struct val *v)
{
	if (v->k != V_STR && v->k != V_CHAR)
		return NULL;
	GString *g = g_string_new("");
	if (!to_str(a, v, g)) {
		g_string_free(g, TRUE);
		return NULL;
	}
	return g;
}

/* The characters of s as code points (valid UTF-8 only): n of them. */
static gunichar *
ucs4(const GString *s, glong *n)
{
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL))
		return NULL;
	return g_utf8_to_ucs4_fast(s->str, (glong)s->len, n);
}

/* u[from..from+count) as a string value. */
static struct val *
ucs4_str(const gunichar *u, glong from, glong count)
{
	gchar *s = g_ucs4_to_utf8(u + from, count, NULL, NULL, NULL);
	if (s == NULL)
		return v_unk();
	GString *g = g_string_new(s);
	g_free(s);
	return v_str(g, true);
}

/* s.Substring(from[, count]), s.Remove(from[, count]), s.Insert(at, x). */
static struct val *
str_slice(struct an *a, const struct val *s, const char *m, struct val **args, guint na)
{
	int64_t x, y = -1;
	glong n;
	if (na < 1 || na > 2 || !to_int(args[0], &x) || (na == 2 && strcmp(m, "insert") != 0 &&
	    !to_int(args[1], &y)))
		return v_unk();
	gunichar *u = ucs4(s->s, &n);
	if (u == NULL)
		return v_unk();
	struct val *r = v_unk();
	if (x < 0 || x > n)
		goto out;
	if (strcmp(m, "insert") == 0) {
		GString *ins = na == 2 ? str_arg(a, args[1]) : NULL;
		if (ins != NULL) {
			v_free(r);
			r = ucs4_str(u, 0, (glong)x);
			if (r->k == V_STR) {
				g_string_append_len(r->s, ins->str, (gssize)ins->len);
				struct val *t = ucs4_str(u, (glong)x, n - (glong)x);
				if (t->k == V_STR)
					g_string_append_len(r->s, t->s->str, (gssize)t->s->len);
				v_free(t);
			}
			g_string_free(ins, TRUE);
		}
		goto out;
	}
	if (y < 0)
		y = n - x;
	if (y > n - x)
		goto out;
	v_free(r);
	if (strcmp(m, "substring") == 0) {
		r = ucs4_str(u, (glong)x, (glong)y);
	} else {
		r = ucs4_str(u, 0, (glong)x);
		struct val *t = ucs4_str(u, (glong)(x + y), n - (glong)(x + y));
		if (r->k == V_STR && t->k == V_STR)
			g_string_append_len(r->s, t->s->str, (gssize)t->s->len);
		v_free(t);
	}
out:
	g_free(u);
	return r;
}

/* A method of a string (or a char): Replace, ToLower, Split, ... */
static struct val *
str_method(struct an *a, const struct val *v, const char *m, struct val **args, guint na)
{
	GString *s = str_arg(a, v);
	if (s == NULL)
		return v_unk();
	struct val *sv = v_str(s, v->folded);
	struct val *r = NULL;
	if (strcmp(m, "replace") == 0 && na == 2) {
		GString *p = str_arg(a, args[0]), *q = str_arg(a, args[1]);
		if (p != NULL && q != NULL && p->len > 0)
			r = v_str(replace_lit(s, p, q->str, q->len, false), true);
		if (p != NULL)
			g_string_free(p, TRUE);
		if (q != NULL)
			g_string_free(q, TRUE);
	} else if ((strcmp(m, "tolower") == 0 || strcmp(m, "tolowerinvariant") == 0) && na == 0) {
		gchar *l = g_utf8_validate(s->str, (gssize)s->len, NULL) ?
		    g_utf8_strdown(s->str, (gssize)s->len) : NULL;
		if (l != NULL)
			r = v_str(g_string_new(l), true);
		g_free(l);
	} else if ((strcmp(m, "toupper") == 0 || strcmp(m, "toupperinvariant") == 0) && na == 0) {
		gchar *l = g_utf8_validate(s->str, (gssize)s->len, NULL) ?
		    g_utf8_strup(s->str, (gssize)s->len) : NULL;
		if (l != NULL)
			r = v_str(g_string_new(l), true);
		g_free(l);
	} else if ((strcmp(m, "trim") == 0 || strcmp(m, "trimstart") == 0 ||
	    strcmp(m, "trimend") == 0) && na == 0) {
		size_t from = 0, to = s->len;
		if (strcmp(m, "trimend") != 0)
			while (from < to && g_ascii_isspace(s->str[from]))
				from++;
		if (strcmp(m, "trimstart") != 0)
			while (to > from && g_ascii_isspace(s->str[to - 1]))
				to--;
		r = v_str(g_string_new_len(s->str + from, (gssize)(to - from)), true);
	} else if (strcmp(m, "tostring") == 0 && na == 0) {
		r = v_copy(sv);
	} else if (strcmp(m, "tochararray") == 0 && na == 0) {
		r = chars_of(s);
	} else if (strcmp(m, "split") == 0 && na == 1) {
		GString *p = str_arg(a, args[0]);
		if (p != NULL && p->len > 0 && g_utf8_strlen(p->str, (gssize)p->len) == 1) {
			/* one separator: the same for Split(char[]) and Split(string);
			 * op_split takes no regex metacharacter, so it is split here */
			r = v_arr();
			size_t from = 0;
			for (size_t i = 0; i + p->len <= s->len && r->a->len < ARR_MAX; i++)
				if (memcmp(s->str + i, p->str, p->len) == 0) {
					g_ptr_array_add(r->a, v_str(g_string_new_len(s->str + from,
					    (gssize)(i - from)), true));
					from = i + p->len;
					i = from - 1;
				}
			g_ptr_array_add(r->a, v_str(g_string_new_len(s->str + from,
			    (gssize)(s->len - from)), true));
		}
		if (p != NULL)
			g_string_free(p, TRUE);
	} else if (strcmp(m, "substring") == 0 || strcmp(m, "remove") == 0 ||
	    strcmp(m, "insert") == 0) {
		r = str_slice(a, sv, m, args, na);
	} else if (strcmp(m, "length") == 0 && na == 0) {
		r = v_num(g_utf8_validate(s->str, (gssize)s->len, NULL) ?
		    g_utf8_strlen(s->str, (gssize)s->len) : (glong)s->len);
	}
	v_free(sv);
	return r != NULL ? r : v_unk();
}

/* The decoding of bytes by an encoding, recorded and queued: a script. */
static struct val *
get_string(struct an *a, enum enc e, const struct val *b)
{
	if (b->k != V_BYTES)
		return v_unk();
	GString *g;
	switch (e) {
	case ENC_UTF16LE:
	case ENC_UTF16BE:
		g = utf16_to_utf8((const guchar *)b->s->str, b->s->len & ~(size_t)1,
		    e == ENC_UTF16BE);
		break;
	case ENC_ASCII:
		g = g_string_sized_new(b->s->len);
		for (size_t i = 0; i < b->s->len; i++)
			g_string_append_c(g, (b->s->str[i] & 0x80) ? '?' : b->s->str[i]);
		break;
	default: {
		gchar *u = g_utf8_make_valid(b->s->str, (gssize)b->s->len);
		g = g_string_new(u);
		g_free(u);
		break;
	}
	}
	struct val *r = checked(a, v_str(g, true));
	if (r->k == V_STR && record(a->c, r->s->str, r->s->len, HOW_B64, NULL))
		queue_text(a->c, r->s->str, r->s->len, a->level + 1);
	return r;
}

/* Convert::ToInt32(s, base) and its kin. */
static struct val *
convert_int(struct an *a, struct val **args, guint na)
{
	int64_t base = 10, n;
	if (na == 1)
		return cast_int(args[0], false);
	if (na != 2 || !to_int(args[1], &base) || (base != 2 && base != 8 && base != 10 &&
	    base != 16))
		return v_unk();
	GString *s = str_arg(a, args[0]);
	if (s == NULL)
		return v_unk();
	struct val *r = v_unk();
	gchar *end;
	if (s->len > 0 && s->len < 70 && strlen(s->str) == s->len) {
		n = (int64_t)g_ascii_strtoull(s->str, &end, (guint)base);
		if (*end == '\0') {
			v_free(r);
			r = v_num(n);
		}
	}
	g_string_free(s, TRUE);
	return r;
}

/* An IEX-like call: s is analysed again, one level deeper. */
static void
iex(struct an *a, const struct val *s)
{
	if (s->k == V_STR)
		queue_text(a->c, s->s->str, s->s->len, a->level + 1);
}

/* [type]::m(args), or a static property when call is false. */
static struct val *
static_member(struct an *a, enum ty ty, const char *m, struct val **args, guint na, bool call)
{
	if (ty == TY_ENCODING && !call) {
		struct val *e = v_new(V_ENC);
		if (strcmp(m, "unicode") == 0)
			e->n = ENC_UTF16LE;
		else if (strcmp(m, "bigendianunicode") == 0)
			e->n = ENC_UTF16BE;
		else if (strcmp(m, "utf8") == 0 || strcmp(m, "default") == 0)
			e->n = ENC_UTF8;
		else if (strcmp(m, "ascii") == 0)
			e->n = ENC_ASCII;
		else
			e->k = V_UNK;
		return e;
	}
	if (!call)
		return v_unk();
	if (ty == TY_STRING && (strcmp(m, "join") == 0 || strcmp(m, "concat") == 0 ||
	    strcmp(m, "format") == 0 || strcmp(m, "new") == 0)) {
		bool concat = strcmp(m, "concat") == 0 || strcmp(m, "new") == 0;
		if (na == 0 || (!concat && na < 2))
			return v_unk();
		guint first = concat ? 0 : 1;
		struct val *list;
		if (na == first + 1 && args[first]->k == V_ARR) {
			list = v_copy(args[first]);
		} else {
			list = v_arr();
			for (guint i = first; i < na; i++)
				g_ptr_array_add(list->a, v_copy(args[i]));
		}
		struct val *r;
		if (strcmp(m, "format") == 0) {
			r = op_format(a, args[0], list);
		} else {
			GString *sep = concat ? g_string_new("") : str_arg(a, args[0]);
			r = sep != NULL ? join(a, list, sep->str, sep->len) : v_unk();
			if (sep != NULL)
				g_string_free(sep, TRUE);
		}
		v_free(list);
		return r;
	}
	if (ty == TY_CONVERT && strcmp(m, "frombase64string") == 0 && na == 1 &&
	    args[0]->k == V_STR) {
		GByteArray *b = NULL;
		if (!b64_decode(args[0]->s->str, args[0]->s->len, &b))
			return v_unk();
		struct val *r = v_new(V_BYTES);
		r->s = g_string_new_len((const char *)b->data, (gssize)b->len);
		r->folded = true;
		g_byte_array_unref(b);
		return r;
	}
	if (ty == TY_CONVERT && (strcmp(m, "toint32") == 0 || strcmp(m, "toint16") == 0 ||
	    strcmp(m, "toint64") == 0 || strcmp(m, "tobyte") == 0 || strcmp(m, "touint32") == 0))
		return convert_int(a, args, na);
	if (ty == TY_CONVERT && strcmp(m, "tochar") == 0 && na == 1)
		return cast_char(args[0]);
	if (ty == TY_CHAR && strcmp(m, "convertfromutf32") == 0 && na == 1) {
		int64_t n;
		GString *g = g_string_new("");
		if (to_int(args[0], &n) && append_cp(g, n))
			return v_str(g, true);
		g_string_free(g, TRUE);
		return v_unk();
	}
	if (ty == TY_SCRIPTBLOCK && strcmp(m, "create") == 0 && na == 1)
		iex(a, args[0]);
	return v_unk();
}

/* v.m(args), or the property v.m when call is false. */
static struct val *
member(struct an *a, const struct val *v, const char *m, struct val **args, guint na, bool call)
{
	if (v->k == V_TYPE)
		return static_member(a, (enum ty)v->n, m, args, na, call);
	if (v->k == V_ENC && call && strcmp(m, "getstring") == 0 && na == 1)
		return get_string(a, (enum enc)v->n, args[0]);
	if (v->k == V_ARR && !call && (strcmp(m, "length") == 0 || strcmp(m, "count") == 0))
		return v_num(v->a->len);
	if (v->k == V_BYTES && !call && strcmp(m, "length") == 0)
		return v_num((int64_t)v->s->len);
	if (v->k == V_NUM && call && strcmp(m, "tostring") == 0 && na == 0) {
		GString *g = g_string_new("");
		to_str(a, v, g);
		return v_str(g, true);
	}
	if ((v->k == V_STR || v->k == V_CHAR) && (call || strcmp(m, "length") == 0))
		return str_method(a, v, m, args, call ? na : 0);
	return v_unk();
}

/* v[idx]: a string's char, an array's element, or several by an array. */
static struct val *
index_of(const struct val *v, const struct val *idx)
{
	struct val *src = NULL;
	const struct val *arr = v;
	if (v->k == V_STR) {
		src = chars_of(v->s);
		if (src == NULL)
			return v_unk();
		arr = src;
	} else if (v->k != V_ARR) {
		return v_unk();
	}
	const struct val *const *it;
	const struct val *one;
	guint n;
	items(idx, &it, &n, &one);
	struct val *r = idx->k == V_ARR ? v_arr() : NULL;
	for (guint i = 0; i < n; i++) {
		int64_t k;
		if (!to_int(it[i], &k) || it[i]->k == V_STR)
			goto bad;
		if (k < 0)
			k += arr->a->len;
		if (k < 0 || k >= (int64_t)arr->a->len)
			goto bad;
		struct val *e = v_copy(arr->a->pdata[k]);
		e->folded = true;
		if (r == NULL) {
			r = e;
			break;
		}
		g_ptr_array_add(r->a, e);
	}
	v_free(src);
	return r != NULL ? r : v_unk();
bad:
	v_free(src);
	v_free(r);
	return v_unk();
}

/* --- variables ----------------------------------------------------------------- */

/* A variable token's name, lower case, without $, braces and scope. */
static char *
var_name(const char *t, size_t n)
{
	static const char *const scopes[] = { "script:", "global:", "local:", "private:",
		"using:", "variable:" };
	size_t i = 1;
	if (n >= 3 && t[1] == '{') {
		i = 2;
		n = t[n - 1] == '}' ? n - 1 : n;
	}
	gchar *s = g_ascii_strdown(t + i, (gssize)(n - i));
	for (size_t k = 0; k < G_N_ELEMENTS(scopes); k++)
		if (g_str_has_prefix(s, scopes[k])) {
			gchar *x = g_strdup(s + strlen(scopes[k]));
			g_free(s);
			return x;
		}
	return s;
}

/* The value of a variable (a copy), or of an automatic one, or unknown. */
static struct val *
var_get(struct an *a, const char *name)
{
	static const struct {
		const char *name, *value;
	} automatic[] = {
		{ "shellid", "Microsoft.PowerShell" },
		{ "pshome", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0" },
		{ "env:comspec", "C:\\WINDOWS\\system32\\cmd.exe" },
		{ "env:public", "C:\\Users\\Public" },
		{ "env:windir", "C:\\WINDOWS" },
		{ "env:systemroot", "C:\\WINDOWS" },
		{ "verbosepreference", "SilentlyContinue" },
	};
	const struct val *v = g_hash_table_lookup(a->c->vars, name);
	if (v != NULL)
		return v_copy(v);
	for (size_t i = 0; i < G_N_ELEMENTS(automatic); i++)
		if (strcmp(name, automatic[i].name) == 0)
			return v_str(g_string_new(automatic[i].value), false);
	return v_unk();
}

/* name = v (a copy kept); an unknown value forgets the name. */
static void
var_set(struct an *a, const char *name, const struct val *v)
{
	if (v->k == V_UNK)
		g_hash_table_remove(a->c->vars, name);
	else
		g_hash_table_replace(a->c->vars, g_strdup(name), v_copy(v));
}

/* --- strings --------------------------------------------------------------------- */

/* The content of a single-quoted string token. */
static GString *
sq_value(const char *t, size_t n)
{
	GString *g = g_string_sized_new(n);
	size_t end = n >= 2 && t[n - 1] == '\'' ? n - 1 : n;
	for (size_t i = 1; i < end; i++) {
		g_string_append_c(g, t[i]);
		if (t[i] == '\'' && i + 1 < end && t[i + 1] == '\'')
			i++;
	}
	return g;
}

/* The character a backtick escape stands for. */
static char
tick(char ch)
{
	switch (ch) {
	case '0':
		return '\0';
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 'e':
		return 0x1b;
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'v':
		return '\v';
	default:
		return ch;
	}
}

/*
 * The value of the double-quoted text s[0..n) (without its quotes):
 * escapes and $variables expanded (a NULL a: none may occur).  NULL when
 * it is not constant; *expanded when a variable was.
 */
static GString *
dq_value(struct an *a, const char *s, size_t n, bool *expanded)
{
	GString *g = g_string_sized_new(n);
	*expanded = false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '`' && i + 1 < n) {
			i++;
			if (s[i] == 'u' && i + 1 < n && s[i + 1] == '{') {
				size_t j = i + 2;
				int64_t cp = 0;
				while (j < n && g_ascii_isxdigit(s[j]) && j < i + 9)
					cp = cp * 16 + g_ascii_xdigit_value(s[j++]);
				if (j < n && s[j] == '}' && append_cp(g, cp)) {
					i = j;
					continue;
				}
			}
			g_string_append_c(g, tick(s[i]));
		} else if (ch == '"' && i + 1 < n && s[i + 1] == '"') {
			g_string_append_c(g, '"');
			i++;
		} else if (ch == '$' && i + 1 < n && (is_namech((unsigned char)s[i + 1]) ||
		    s[i + 1] == '{' || s[i + 1] == '(')) {
			if (a == NULL || s[i + 1] == '(')
				goto bad;
			size_t j = i + 1;
			if (s[j] == '{') {
				while (j < n && s[j] != '}')
					j++;
				j = j < n ? j + 1 : n;
			} else {
				while (j < n && (is_namech((unsigned char)s[j]) ||
				    (s[j] == ':' && j + 1 < n && is_namech((unsigned char)s[j + 1]) &&
				    s[j - 1] != ':')))
					j++;
			}
			char *name = var_name(s + i, j - i);
			struct val *v = var_get(a, name);
			g_free(name);
			bool ok = to_str(a, v, g);
			v_free(v);
			if (!ok)
				goto bad;
			*expanded = true;
			i = j - 1;
		} else {
			g_string_append_c(g, ch);
		}
		if (g->len > VAL_MAX)
			goto bad;
	}
	return g;
bad:
	g_string_free(g, TRUE);
	return NULL;
}

/* The value of string token tk of text t (variables through a, or none). */
static GString *
tok_string(struct an *a, const char *t, const struct tok *tk, bool *expanded)
{
	const char *s = t + tk->off;
	size_t n = tk->len;
	*expanded = false;
	switch (tk->k) {
	case T_SQ:
		return sq_value(s, n);
	case T_DQ: {
		size_t end = n >= 2 && s[n - 1] == '"' ? n - 1 : n;
		return dq_value(a, s + 1, end > 0 ? end - 1 : 0, expanded);
	}
	case T_HERE_SQ:
	case T_HERE_DQ: {
		/* from after the first line break to before the last one */
		const char *nl = memchr(s, '\n', n);
		size_t from = nl != NULL ? (size_t)(nl - s) + 1 : n;
		size_t to = n >= 2 ? n - 2 : 0;
		if (to > from && s[to - 1] == '\n')
			to--;
		if (to > from && s[to - 1] == '\r')
			to--;
		if (to < from)
			to = from;
		if (tk->k == T_HERE_SQ)
			return g_string_new_len(s + from, (gssize)(to - from));
		/* here-strings keep quotes as they are: only escapes and variables */
		GString *g = g_string_new("");
		GString *body = g_string_new_len(s + from, (gssize)(to - from));
		for (size_t i = 0; i < body->len; i++)
			if (body->str[i] == '"')
				g_string_append(g, "`\"");
			else
				g_string_append_c(g, body->str[i]);
		g_string_free(body, TRUE);
		GString *r = dq_value(a, g->str, g->len, expanded);
		g_string_free(g, TRUE);
		return r;
	}
	default:
		return NULL;
	}
}

/* --- the parser: tokens ------------------------------------------------------------- */

/* Move to the next token, counting the current one. */
static void
advance(struct an *a)
{
	if (a->cur.k == T_EOF)
		return;
	if (!step(a->c, 1 + (a->cur.end - a->cur.from) / 64)) {
		a->err = true;
		a->cur.k = T_EOF;
		return;
	}
	enum tk prev = a->cur.k;
	lex(a->t, a->n, a->cur.end, prev, &a->cur);
}

static struct tok
peek(const struct an *a)
{
	struct tok t;
	lex(a->t, a->n, a->cur.end, a->cur.k, &t);
	return t;
}

static void
skip_nl(struct an *a)
{
	while (a->cur.k == T_NL && !a->err)
		advance(a);
}

/* One more level of nesting; false (and a syntax error) beyond the limit. */
static bool
enter(struct an *a)
{
	if (a->nest >= DEOB_NEST_MAX || a->c->stop) {
		a->err = true;
		return false;
	}
	a->nest++;
	return true;
}

static void
leave(struct an *a)
{
	a->nest--;
}

/* The current word token's text without backticks, lower case. */
static char *
word_lower(const struct an *a)
{
	GString *g = unticked(a->t + a->cur.off, a->cur.len);
	gchar *s = g_ascii_strdown(g->str, (gssize)g->len);
	g_string_free(g, TRUE);
	return s;
}

/* Whether the current token ends a command's arguments. */
static bool
cmd_end(const struct an *a)
{
	switch (a->cur.k) {
	case T_EOF: case T_NL: case T_SEMI: case T_PIPE: case T_RPAREN: case T_RBRACE:
	case T_LBRACE: case T_HASH: case T_RBRACKET:
		return true;
	default:
		return a->err;
	}
}

/* --- the parser: folded strings ------------------------------------------------------ */

/* A complete expression's value: a string built by an operation, longer
 * than 3 characters and no plain literal of the text, is recorded. */
static void
note(struct an *a, const struct val *v)
{
	if (v->k != V_STR || !v->folded || a->c->stop)
		return;
	size_t chars = 0;
	for (size_t i = 0; i < v->s->len && chars <= 3; i++)
		if (((unsigned char)v->s->str[i] & 0xC0) != 0x80)
			chars++;
	if (chars <= 3 || g_hash_table_contains(a->lits, v->s))
		return;
	bool added;
	if (record(a->c, v->s->str, v->s->len, HOW_FOLD, &added) && added &&
	    (has_ci(v->s->str, v->s->len, "powershell") || has_ci(v->s->str, v->s->len, "pwsh")))
		scan_cmdlines(a->c, v->s->str, v->s->len, a->level);
}

/* --- the parser: primaries -------------------------------------------------------------- */

/* $( ... ) or @( ... ): the statements' one output, an array for @(). */
static struct val *
subexpr(struct an *a, bool array)
{
	if (!enter(a))
		return v_unk();
	advance(a);
	GPtrArray *outs = g_ptr_array_new_with_free_func(v_free_cb);
	bool unk = false;
	run_statements(a, T_RPAREN, outs, &unk);
	struct val *r;
	if (a->err || a->cur.k != T_RPAREN) {
		a->err = true;
		r = v_unk();
	} else {
		advance(a);
		if (unk) {
			r = v_unk();
		} else if (array) {
			r = v_arr();
			for (guint i = 0; i < outs->len; i++) {
				struct val *o = outs->pdata[i];
				if (o->k == V_ARR) {
					for (guint k = 0; k < o->a->len; k++)
						g_ptr_array_add(r->a, v_copy(o->a->pdata[k]));
				} else {
					g_ptr_array_add(r->a, v_copy(o));
				}
			}
			r = checked(a, r);
		} else if (outs->len == 1) {
			r = v_copy(outs->pdata[0]);
		} else {
			r = v_unk();
		}
	}
	g_ptr_array_unref(outs);
	leave(a);
	return r;
}

static struct val *
parse_primary(struct an *a, bool argmode)
{
	struct val *v;
	bool exp;
	switch (a->cur.k) {
	case T_SQ:
	case T_DQ:
	case T_HERE_SQ:
	case T_HERE_DQ: {
		GString *g = tok_string(a, a->t, &a->cur, &exp);
		v = g != NULL ? checked(a, v_str(g, exp)) : v_unk();
		advance(a);
		return v;
	}
	case T_NUM: {
		GString *g = g_string_new_len(a->t + a->cur.off, (gssize)a->cur.len);
		gchar *end;
		guint64 x;
		bool hex = g->len > 2 && (g->str[1] == 'x' || g->str[1] == 'X');
		x = g_ascii_strtoull(hex ? g->str + 2 : g->str, &end, hex ? 16 : 10);
		v = *end == '\0' && x <= INT64_MAX && g->len < 20 ? v_num((int64_t)x) : v_unk();
		g_string_free(g, TRUE);
		advance(a);
		return v;
	}
	case T_VAR: {
		char *name = var_name(a->t + a->cur.off, a->cur.len);
		v = var_get(a, name);
		g_free(name);
		advance(a);
		return checked(a, v);
	}
	case T_TYPE:
		v = v_new(V_TYPE);
		v->n = type_of(a->t + a->cur.off, a->cur.len);
		advance(a);
		return v;
	case T_LPAREN:
		if (!enter(a))
			return v_unk();
		advance(a);
		skip_nl(a);
		v = parse_pipeline(a);
		skip_nl(a);
		if (a->cur.k != T_RPAREN)
			a->err = true;
		else
			advance(a);
		leave(a);
		return v;
	case T_SUBEXPR:
		return subexpr(a, false);
	case T_ARREXPR:
		return subexpr(a, true);
	case T_WORD:
	case T_IDENT: {
		/* a bare word: an argument's text, or a value PowerShell lacks */
		if (argmode) {
			GString *g = unticked(a->t + a->cur.off, a->cur.len);
			v = v_str(g, false);
		} else {
			v = v_unk();
		}
		advance(a);
		return v;
	}
	case T_LBRACE:
	case T_HASH:
		/* a script block or a hashtable: not consumed, the statement
		 * loop goes into it */
		return v_unk();
	default:
		a->err = true;
		return v_unk();
	}
}

/* The arguments of a method call at '(': parsed, at most ARGS_MAX kept. */
static guint
call_args(struct an *a, struct val **args)
{
	guint na = 0;
	advance(a);
	skip_nl(a);
	if (a->cur.k == T_RPAREN) {
		advance(a);
		return 0;
	}
	for (unsigned guard = 0; !a->err; guard++) {
		struct val *v = parse_expr(a, false);
		if (na < ARGS_MAX)
			args[na++] = v;
		else
			v_free(v);
		skip_nl(a);
		if (a->cur.k == T_COMMA) {
			advance(a);
			skip_nl(a);
			continue;
		}
		if (a->cur.k == T_RPAREN) {
			advance(a);
			break;
		}
		a->err = true;
	}
	return na;
}

/* [Array]::Reverse($v): the variable's array reversed in place. */
static bool
array_reverse(struct an *a)
{
	struct tok save = a->cur;
	advance(a);		/* ( */
	if (a->cur.k != T_VAR || a->err) {
		a->cur = save;
		return false;
	}
	struct tok var = a->cur;
	struct tok nx = peek(a);
	if (nx.k != T_RPAREN) {
		a->cur = save;
		return false;
	}
	advance(a);
	advance(a);
	char *name = var_name(a->t + var.off, var.len);
	struct val *v = g_hash_table_lookup(a->c->vars, name);
	if (v != NULL && v->k == V_ARR)
		for (guint i = 0, j = v->a->len; i + 1 < j; i++, j--) {
			gpointer x = v->a->pdata[i];
			v->a->pdata[i] = v->a->pdata[j - 1];
			v->a->pdata[j - 1] = x;
		}
	g_free(name);
	return true;
}

/* A primary and its member accesses, calls and indexes. */
static struct val *
parse_postfix(struct an *a, bool argmode)
{
	struct val *v = parse_primary(a, argmode);
	for (unsigned guard = 0; !a->err; guard++) {
		if ((a->cur.k == T_DOT && !a->cur.space) || a->cur.k == T_COLON2) {
			bool stat = a->cur.k == T_COLON2;
			advance(a);
			char *m;
			if (a->cur.k == T_IDENT || a->cur.k == T_WORD) {
				m = word_lower(a);
			} else if (a->cur.k == T_SQ || a->cur.k == T_DQ) {
				bool exp;
				GString *g = tok_string(a, a->t, &a->cur, &exp);
				if (g == NULL) {
					a->err = true;
					break;
				}
				GString *u = unticked(g->str, g->len);
				m = g_ascii_strdown(u->str, (gssize)u->len);
				g_string_free(u, TRUE);
				g_string_free(g, TRUE);
			} else {
				a->err = true;
				break;
			}
			advance(a);
			struct val *r;
			if (a->cur.k == T_LPAREN && !a->cur.space) {
				if (!enter(a)) {
					g_free(m);
					break;
				}
				if (stat && v->k == V_TYPE && v->n == TY_ARRAY &&
				    strcmp(m, "reverse") == 0 && array_reverse(a)) {
					r = v_unk();
				} else {
					struct val *args[ARGS_MAX];
					guint na = call_args(a, args);
					r = a->err ? v_unk() : member(a, v, m, args, na, true);
					for (guint i = 0; i < na; i++)
						v_free(args[i]);
				}
				leave(a);
			} else {
				r = member(a, v, m, NULL, 0, false);
			}
			g_free(m);
			v_free(v);
			v = checked(a, r);
		} else if (a->cur.k == T_LBRACKET && !a->cur.space) {
			if (!enter(a))
				break;
			advance(a);
			struct val *idx = parse_expr(a, true);
			if (a->cur.k != T_RBRACKET)
				a->err = true;
			else
				advance(a);
			leave(a);
			struct val *r = index_of(v, idx);
			v_free(idx);
			v_free(v);
			v = checked(a, r);
		} else {
			break;
		}
	}
	return v;
}

/* Casts, unary operators (-join, -split, -not, !, -, +, ,) and postfix. */
static struct val *
parse_unary(struct an *a)
{
	struct val *v, *r;
	if (a->cur.k == T_TYPE && peek(a).k != T_COLON2) {
		if (!enter(a))
			return v_unk();
		enum ty ty = type_of(a->t + a->cur.off, a->cur.len);
		advance(a);
		v = parse_unary(a);
		r = cast(a, ty, v);
		v_free(v);
		leave(a);
		return checked(a, r);
	}
	if (a->cur.k == T_DASH || a->cur.k == T_BANG || a->cur.k == T_MINUS ||
	    a->cur.k == T_PLUS || a->cur.k == T_COMMA) {
		char *op = a->cur.k == T_DASH ? g_ascii_strdown(a->t + a->cur.off + 1,
		    (gssize)a->cur.len - 1) : NULL;
		enum tk k = a->cur.k;
		if (k == T_DASH && strcmp(op, "join") != 0 && strcmp(op, "split") != 0 &&
		    strcmp(op, "not") != 0 && strcmp(op, "bnot") != 0) {
			g_free(op);
			a->err = true;
			return v_unk();
		}
		if (!enter(a)) {
			g_free(op);
			return v_unk();
		}
		advance(a);
		v = parse_unary(a);
		if (k == T_DASH && strcmp(op, "join") == 0)
			r = join(a, v, "", 0);
		else if (k == T_MINUS && v->k == V_NUM)
			r = v_num((int64_t)(0 - (uint64_t)v->n));
		else if (k == T_PLUS)
			r = v_copy(v);
		else if (k == T_COMMA) {
			r = v_arr();
			g_ptr_array_add(r->a, v_copy(v));
		} else
			r = v_unk();
		g_free(op);
		v_free(v);
		leave(a);
		return checked(a, r);
	}
	return parse_postfix(a, false);
}

/* --- the parser: binary operators ----------------------------------------------------- */

enum prec { P_NONE, P_LOGIC, P_CMP, P_BIT, P_ADD, P_MUL, P_FMT, P_RANGE, P_COMMA };

/* The current token as a binary operator: its precedence and name. */
static enum prec
binop(const struct an *a, char *name, size_t size, bool comma)
{
	static const char *const cmp[] = {
		"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch",
		"contains", "notcontains", "in", "notin", "replace", "split", "is", "isnot", "as",
		"join",
	};
	name[0] = '\0';
	switch (a->cur.k) {
	case T_COMMA:
		g_strlcpy(name, ",", size);
		return comma ? P_COMMA : P_NONE;
	case T_PLUS:
		g_strlcpy(name, "+", size);
		return P_ADD;
	case T_MINUS:
		g_strlcpy(name, "-", size);
		return P_ADD;
	case T_STAR:
		g_strlcpy(name, "*", size);
		return P_MUL;
	case T_SLASH:
		g_strlcpy(name, "/", size);
		return P_MUL;
	case T_PERCENT:
		g_strlcpy(name, "%", size);
		return P_MUL;
	case T_DOTDOT:
		g_strlcpy(name, "..", size);
		return P_RANGE;
	case T_DASH:
		break;
	default:
		return P_NONE;
	}
	size_t n = a->cur.len - 1;
	if (n == 0 || n >= size || a->t[a->cur.off + a->cur.len - 1] == ':')
		return P_NONE;
	for (size_t i = 0; i < n; i++)
		name[i] = g_ascii_tolower(a->t[a->cur.off + 1 + i]);
	name[n] = '\0';
	if (strcmp(name, "f") == 0)
		return P_FMT;
	if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0 || strcmp(name, "xor") == 0)
		return P_LOGIC;
	if (strcmp(name, "band") == 0 || strcmp(name, "bor") == 0 || strcmp(name, "bxor") == 0 ||
	    strcmp(name, "shl") == 0 || strcmp(name, "shr") == 0)
		return P_BIT;
	for (size_t i = 0; i < G_N_ELEMENTS(cmp); i++)
		if (strcmp(name, cmp[i]) == 0 || ((name[0] == 'i' || name[0] == 'c') &&
		    strcmp(name + 1, cmp[i]) == 0 && strcmp(cmp[i], "join") != 0))
			return P_CMP;
	return P_NONE;
}

/* l op r */
static struct val *
apply(struct an *a, const char *op, struct val *l, struct val *r)
{
	bool ci = op[0] != 'c';
	const char *base = (op[0] == 'i' || op[0] == 'c') && strcmp(op, "in") != 0 &&
	    strcmp(op, "is") != 0 && strcmp(op, "isnot") != 0 && strcmp(op, "contains") != 0 ?
	    op + 1 : op;
	if (strcmp(op, ",") == 0) {
		struct val *arr = l->k == V_ARR && l->folded ? v_copy(l) : v_arr();
		if (!(l->k == V_ARR && l->folded))
			g_ptr_array_add(arr->a, v_copy(l));
		arr->folded = true;
		if (r->k == V_ARR) {
			/* nested arrays are not kept */
			v_free(arr);
			return v_unk();
		}
		if (arr->a->len < ARR_MAX)
			g_ptr_array_add(arr->a, v_copy(r));
		return arr;
	}
	if (strcmp(op, "+") == 0)
		return op_add(a, l, r);
	if (strcmp(op, "f") == 0)
		return op_format(a, l, r);
	if (strcmp(op, "..") == 0)
		return op_range(l, r);
	if (strcmp(op, "join") == 0) {
		GString *sep = g_string_new("");
		struct val *res = to_str(a, r, sep) ? join(a, l, sep->str, sep->len) : v_unk();
		g_string_free(sep, TRUE);
		return res;
	}
	if (strcmp(base, "replace") == 0)
		return op_replace(a, l, r, ci);
	if (strcmp(base, "split") == 0)
		return op_split(a, l, r, ci);
	if (strchr("-*/%", op[0]) != NULL || strcmp(op, "band") == 0 || strcmp(op, "bor") == 0 ||
	    strcmp(op, "bxor") == 0 || strcmp(op, "shl") == 0 || strcmp(op, "shr") == 0)
		return op_int(l, r, op);
	return v_unk();
}

/* Binary operators of precedence at least min (climbing). */
static struct val *
parse_binary(struct an *a, enum prec min, bool comma)
{
	struct val *l = parse_unary(a);
	char op[24];
	enum prec p;
	while (!a->err && (p = binop(a, op, sizeof(op), comma)) != P_NONE && p >= min) {
		advance(a);
		skip_nl(a);
		struct val *r = p == P_COMMA ? parse_unary(a) :
		    parse_binary(a, (enum prec)(p + 1), comma);
		struct val *res = apply(a, op, l, r);
		/* the array of a comma chain grows; a parenthesised one does not */
		if (p != P_COMMA && res->k == V_ARR)
			res->folded = false;
		v_free(l);
		v_free(r);
		l = checked(a, res);
	}
	if (l->k == V_ARR)
		l->folded = false;
	return l;
}

/* A whole expression (comma: a comma makes arrays); its value noted. */
static struct val *
parse_expr(struct an *a, bool comma)
{
	struct val *v = parse_binary(a, P_LOGIC, comma);
	if (!a->err)
		note(a, v);
	return v;
}

/* --- the parser: commands and pipelines ---------------------------------------------- */

/* One argument of a command: a primary with postfix, commas making arrays. */
static struct val *
parse_cmd_arg(struct an *a)
{
	struct val *v;
	if (a->cur.k == T_TYPE || a->cur.k == T_MINUS || a->cur.k == T_COMMA)
		v = parse_unary(a);
	else
		v = parse_postfix(a, true);
	while (!a->err && a->cur.k == T_COMMA) {
		advance(a);
		skip_nl(a);
		struct val *r = parse_postfix(a, true);
		struct val *res = apply(a, ",", v, r);
		v_free(v);
		v_free(r);
		v = checked(a, res);
	}
	if (v->k == V_ARR)
		v->folded = false;
	if (!a->err)
		note(a, v);
	return v;
}

/* Whether a command's name is iex. */
static bool
is_iex(const char *s, size_t n)
{
	return eq_ci(s, n, "iex") || eq_ci(s, n, "invoke-expression") ||
	    eq_ci(s, n, "microsoft.powershell.utility\\invoke-expression");
}

/* Whether a command's name is powershell itself. */
static bool
is_ps(const char *s, size_t n)
{
	const char *b = s;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\' || s[i] == '/')
			b = s + i + 1;
	size_t bn = n - (size_t)(b - s);
	return eq_ci(b, bn, "powershell") || eq_ci(b, bn, "powershell.exe") ||
	    eq_ci(b, bn, "pwsh") || eq_ci(b, bn, "pwsh.exe");
}

/* Whether the command name is ForEach-Object. */
static bool
is_foreach(const char *s, size_t n)
{
	return eq_ci(s, n, "%") || eq_ci(s, n, "foreach-object") || eq_ci(s, n, "foreach");
}

/*
 * The arguments of command name (lower case, no backticks): iex queues
 * its argument, powershell's command line is scanned, the rest are
 * evaluated for what they fold.
 */
static struct val *
command_args(struct an *a, const char *name, size_t nlen)
{
	bool iexcmd = is_iex(name, nlen), ps = is_ps(name, nlen), done = false;
	GString *line = ps ? g_string_new("powershell") : NULL;
	struct val *first = NULL;
	while (!cmd_end(a)) {
		if (a->cur.k == T_DASH) {
			if (line != NULL) {
				g_string_append_c(line, ' ');
				g_string_append_len(line, a->t + a->cur.off, (gssize)a->cur.len);
			}
			advance(a);
			continue;
		}
		if (a->cur.k == T_AMP || a->cur.k == T_OTHER || a->cur.k == T_PLUS ||
		    a->cur.k == T_STAR || a->cur.k == T_SLASH || a->cur.k == T_PERCENT ||
		    a->cur.k == T_BANG || a->cur.k == T_ASSIGN || a->cur.k == T_DOTDOT ||
		    a->cur.k == T_DOT || a->cur.k == T_COLON2 || a->cur.k == T_LBRACKET) {
			advance(a);
			continue;
		}
		struct val *v = parse_cmd_arg(a);
		if (line != NULL) {
			g_string_append_c(line, ' ');
			if (!to_str(a, v, line)) {
				g_string_free(line, TRUE);
				line = NULL;
			}
		}
		if (first == NULL && !done)
			first = v;
		else
			v_free(v);
		done = true;
	}
	if (iexcmd && first != NULL && !a->err)
		iex(a, first);
	if (line != NULL && !a->err) {
		if (line->len <= VAL_MAX)
			scan_cmdlines(a->c, line->str, line->len, a->level);
		g_string_free(line, TRUE);
	} else if (line != NULL) {
		g_string_free(line, TRUE);
	}
	v_free(first);
	return v_unk();
}

/* A ForEach-Object block at '{' run for each item of in; the outputs. */
static struct val *
foreach_block(struct an *a, const struct val *in)
{
	const struct val *const *it;
	const struct val *one;
	guint n;
	items(in, &it, &n, &one);
	if (in->k == V_UNK)
		n = 0;
	if (!enter(a))
		return v_unk();
	struct tok start = a->cur;
	struct val *saved = g_hash_table_lookup(a->c->vars, "_");
	saved = saved != NULL ? v_copy(saved) : NULL;
	struct val *out = in->k == V_UNK ? NULL : v_arr();
	bool unk = false;
	for (guint i = 0; i == 0 || i < n; i++) {
		a->cur = start;
		advance(a);
		if (i < n)
			var_set(a, "_", it[i]);
		else
			g_hash_table_remove(a->c->vars, "_");
		GPtrArray *outs = g_ptr_array_new_with_free_func(v_free_cb);
		run_statements(a, T_RBRACE, outs, &unk);
		if (a->err || a->cur.k != T_RBRACE) {
			a->err = true;
			g_ptr_array_unref(outs);
			break;
		}
		if (out != NULL && i < n) {
			for (guint k = 0; k < outs->len && out->a->len < ARR_MAX; k++) {
				struct val *o = outs->pdata[k];
				if (o->k != V_ARR)
					g_ptr_array_add(out->a, v_copy(o));
				else
					for (guint e = 0; e < o->a->len && out->a->len < ARR_MAX; e++)
						g_ptr_array_add(out->a, v_copy(o->a->pdata[e]));
			}
		}
		g_ptr_array_unref(outs);
		if (out != NULL && !step(a->c, v_cost(out))) {
			a->err = true;
			break;
		}
	}
	if (saved != NULL) {
		var_set(a, "_", saved);
		v_free(saved);
	} else {
		g_hash_table_remove(a->c->vars, "_");
	}
	if (!a->err)
		advance(a);	/* } */
	leave(a);
	if (out == NULL || unk || a->err) {
		v_free(out);
		return v_unk();
	}
	if (out->a->len == 1) {
		struct val *e = v_copy(out->a->pdata[0]);
		v_free(out);
		return e;
	}
	return out;
}

/* One element of a pipeline; in: what the previous one yields (or NULL). */
static struct val *
pipe_element(struct an *a, const struct val *in)
{
	if (a->cur.k == T_WORD || a->cur.k == T_PERCENT) {
		char *name = word_lower(a);
		size_t nl = strlen(name);
		advance(a);
		struct val *r;
		if (in != NULL && is_foreach(name, nl)) {
			if (a->cur.k == T_DASH && eq_ci(a->t + a->cur.off, a->cur.len, "-process"))
				advance(a);
			r = a->cur.k == T_LBRACE ? foreach_block(a, in) : command_args(a, name, nl);
		} else if (in != NULL && is_iex(name, nl)) {
			iex(a, in);
			r = command_args(a, name, nl);
		} else {
			r = command_args(a, name, nl);
		}
		g_free(name);
		return r;
	}
	if (a->cur.k == T_AMP || a->cur.k == T_DOT) {
		/* & name / . name: a command named by a value */
		advance(a);
		struct val *callee = parse_postfix(a, true);
		struct val *r;
		GString *name = g_string_new("");
		if (!a->err && to_str(a, callee, name)) {
			note(a, callee);
			gchar *l = g_ascii_strdown(name->str, (gssize)name->len);
			if (in != NULL && is_iex(l, name->len))
				iex(a, in);
			r = command_args(a, l, name->len);
			g_free(l);
		} else {
			r = command_args(a, "", 0);
		}
		g_string_free(name, TRUE);
		v_free(callee);
		return r;
	}
	if (in != NULL) {
		/* an expression after | is no command: PowerShell refuses it */
		a->err = true;
		return v_unk();
	}
	return parse_expr(a, true);
}

static struct val *
parse_pipeline(struct an *a)
{
	struct val *v = pipe_element(a, NULL);
	while (!a->err && a->cur.k == T_PIPE) {
		advance(a);
		skip_nl(a);
		struct val *r = pipe_element(a, v);
		v_free(v);
		v = r;
	}
	return v;
}

/* --- the parser: statements ------------------------------------------------------- */

/* Past a parenthesised header ( for (;;), foreach ($x in $y) ): balanced. */
static void
skip_header(struct an *a)
{
	if (a->cur.k != T_LPAREN)
		return;
	unsigned depth = 0;
	do {
		if (a->cur.k == T_LPAREN || a->cur.k == T_SUBEXPR || a->cur.k == T_ARREXPR)
			depth++;
		else if (a->cur.k == T_RPAREN)
			depth--;
		advance(a);
	} while (depth > 0 && a->cur.k != T_EOF && !a->err);
}

/* One statement; *out when its value is output (no assignment). */
static struct val *
parse_statement(struct an *a, bool *out)
{
	*out = false;
	if (a->cur.k == T_VAR || a->cur.k == T_TYPE) {
		struct tok save = a->cur;
		enum ty ty = TY_OTHER;
		bool typed = a->cur.k == T_TYPE;
		if (typed) {
			ty = type_of(a->t + a->cur.off, a->cur.len);
			advance(a);
		}
		struct tok nx = peek(a);
		if (a->cur.k == T_VAR && nx.k == T_ASSIGN) {
			char *name = var_name(a->t + a->cur.off, a->cur.len);
			char op = nx.op;
			advance(a);
			advance(a);
			skip_nl(a);
			struct val *v = parse_pipeline(a);
			if (typed) {
				struct val *c = cast(a, ty, v);
				v_free(v);
				v = c;
			}
			if (op != '=') {
				struct val *old = var_get(a, name);
				char o[2] = { op, '\0' };
				struct val *r = op == '+' ? op_add(a, old, v) : op_int(old, v, o);
				v_free(old);
				v_free(v);
				v = checked(a, r);
				note(a, v);
			}
			if (!a->err)
				var_set(a, name, v);
			else
				g_hash_table_remove(a->c->vars, name);
			g_free(name);
			return v;
		}
		a->cur = save;
	}
	if (a->cur.k == T_WORD) {
		char *w = word_lower(a);
		struct val *v = NULL;
		if (strcmp(w, "function") == 0 || strcmp(w, "filter") == 0 ||
		    strcmp(w, "workflow") == 0) {
			advance(a);
			if (a->cur.k == T_WORD)
				advance(a);
			skip_header(a);
			v = v_unk();
		} else if (strcmp(w, "for") == 0 || strcmp(w, "foreach") == 0 ||
		    strcmp(w, "switch") == 0) {
			advance(a);
			while (a->cur.k == T_DASH)
				advance(a);
			skip_header(a);
			v = v_unk();
		} else if (strcmp(w, "if") == 0 || strcmp(w, "elseif") == 0 ||
		    strcmp(w, "while") == 0 || strcmp(w, "until") == 0) {
			advance(a);
			if (a->cur.k == T_LPAREN)
				v_free(parse_primary(a, false));
			v = v_unk();
		} else if (strcmp(w, "else") == 0 || strcmp(w, "try") == 0 ||
		    strcmp(w, "finally") == 0 || strcmp(w, "do") == 0 || strcmp(w, "begin") == 0 ||
		    strcmp(w, "process") == 0 || strcmp(w, "end") == 0 || strcmp(w, "trap") == 0 ||
		    strcmp(w, "catch") == 0) {
			advance(a);
			while (a->cur.k == T_TYPE || a->cur.k == T_COMMA)
				advance(a);
			v = v_unk();
		} else if (strcmp(w, "return") == 0 || strcmp(w, "throw") == 0 ||
		    strcmp(w, "exit") == 0) {
			advance(a);
			if (!cmd_end(a)) {
				v = parse_pipeline(a);
				*out = true;
			} else {
				v = v_unk();
			}
		}
		g_free(w);
		if (v != NULL)
			return v;
	}
	*out = true;
	struct val *v = parse_pipeline(a);
	if (!a->err && a->cur.k == T_ASSIGN) {
		/* $o.Property = ..., $a[0] = ...: the value is evaluated, not kept */
		advance(a);
		skip_nl(a);
		v_free(v);
		v = parse_pipeline(a);
		*out = false;
	}
	return v;
}

/*
 * Statements until close (T_EOF: the whole text, where a syntax error
 * resumes at the furthest token reached); outputs into outs, *unk when
 * one is not constant.  A block is run where it stands.
 */
static void
run_statements(struct an *a, enum tk close, GPtrArray *outs, bool *unk)
{
	bool top = close == T_EOF;
	while (!a->c->stop) {
		if (a->err) {
			if (!top)
				return;
			a->err = false;
			a->nest = 0;
		}
		if (a->cur.k == T_NL || a->cur.k == T_SEMI) {
			advance(a);
			continue;
		}
		if (a->cur.k == T_EOF || (!top && a->cur.k == close))
			return;
		size_t start = a->cur.off;
		if (a->cur.k == T_LBRACE || a->cur.k == T_HASH) {
			if (!enter(a))
				continue;
			advance(a);
			run_statements(a, T_RBRACE, outs, unk);
			if (!a->err && a->cur.k == T_RBRACE)
				advance(a);
			leave(a);
			continue;
		}
		if (a->cur.k == T_RBRACE || a->cur.k == T_RPAREN || a->cur.k == T_RBRACKET) {
			/* a stray closer (or one of a block the loop did not open) */
			if (!top) {
				a->err = true;
				return;
			}
			advance(a);
			continue;
		}
		bool out;
		struct val *v = parse_statement(a, &out);
		if (!a->err && out) {
			if (v->k == V_UNK && unk != NULL)
				*unk = true;
			if (outs != NULL) {
				g_ptr_array_add(outs, v);
				v = NULL;
			}
		}
		v_free(v);
		if (a->err && top && a->cur.off == start && a->cur.k != T_EOF) {
			a->err = false;
			advance(a);
		}
	}
}

/* --- one text ----------------------------------------------------------------------- */

static guint
gstring_hash_cb(gconstpointer p)
{
	return g_string_hash(p);
}

static gboolean
gstring_equal_cb(gconstpointer p, gconstpointer q)
{
	return g_string_equal(p, q);
}

static void
gstring_free_cb(gpointer p)
{
	g_string_free(p, TRUE);
}

/* Whether a literal has a "://" after a letter and before something. */
static bool
looks_like_url(const GString *g)
{
	for (const char *p = strstr(g->str, "://"); p != NULL; p = strstr(p + 1, "://"))
		if (p > g->str && g_ascii_isalpha(p[-1]) && p[3] != '\0' && !is_blank(p[3]) &&
		    p[3] != '\n')
			return true;
	return false;
}

/* The pre-pass: the plain literals into a->lits, the URLs among them and
 * among the bare words recorded. */
static void
collect_literals(struct an *a)
{
	struct tok tk;
	enum tk prev = T_EOF;
	size_t pos = 0;
	for (;;) {
		lex(a->t, a->n, pos, prev, &tk);
		if (tk.k == T_EOF || !step(a->c, 1 + (tk.end - tk.from) / 64))
			return;
		GString *g = NULL;
		bool exp = false;
		if (tk.k == T_SQ || tk.k == T_DQ || tk.k == T_HERE_SQ || tk.k == T_HERE_DQ)
			g = tok_string(NULL, a->t, &tk, &exp);
		else if (tk.k == T_WORD && tk.len > 3 && has_ci(a->t + tk.off, tk.len, "://"))
			g = unticked(a->t + tk.off, tk.len);
		if (g != NULL) {
			if (looks_like_url(g) &&
			    !record(a->c, g->str, g->len, HOW_LIT, NULL)) {
				g_string_free(g, TRUE);
				return;
			}
			if (tk.k == T_WORD)
				g_string_free(g, TRUE);
			else
				g_hash_table_add(a->lits, g);
		}
		prev = tk.k;
		pos = tk.end;
	}
}

/* A text: its command lines, its literals, its statements. */
static void
analyse(struct ctx *c, const char *t, size_t n, unsigned level)
{
	scan_cmdlines(c, t, n, level);
	if (c->stop)
		return;
	struct an a = { 0 };
	a.c = c;
	a.t = t;
	a.n = n;
	a.level = level;
	a.lits = g_hash_table_new_full(gstring_hash_cb, gstring_equal_cb,
	    gstring_free_cb, NULL);
	collect_literals(&a);
	if (!c->stop) {
		lex(t, n, 0, T_EOF, &a.cur);
		run_statements(&a, T_EOF, NULL, NULL);
	}
	g_hash_table_unref(a.lits);
}

static void
bytes_free_cb(gpointer p)
{
	g_bytes_unref(p);
}

void
deob_powershell(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r)
{
	if (r == NULL || r->strs == NULL)
		return;
	if (text == NULL)
		len = 0;
	struct ctx c = { 0 };
	c.r = r;
	c.l = deob_limits_or_defaults(lim);
	c.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, v_free_cb);
	c.seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, bytes_free_cb, NULL);
	g_queue_init(&c.jobs);
	analyse(&c, text != NULL ? text : "", len, 0);
	struct job *j;
	while ((j = g_queue_pop_head(&c.jobs)) != NULL) {
		if (!c.stop)
			analyse(&c, j->t, j->n, j->level);
		g_free(j);
	}
	g_hash_table_unref(c.vars);
	g_hash_table_unref(c.seen);
}
