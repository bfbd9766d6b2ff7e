/*
 * js.c - the constant string-building of JScript and JavaScript droppers
 * (a .js attached to a mail and run by Windows Script Host), folded into
 * the strings it yields (see deob.h).
 *
 * A lexer reads one token at a time (no token array: a 10 MB script costs
 * no more memory than its literals), a recursive-descent parser follows
 * expressions with JavaScript's precedence, and every statement is read
 * as straight-line code: an assignment sets its variable for what
 * follows, whatever loop or function it stands in.  Values are strings
 * (UTF-8 bytes; JavaScript's UTF-16 code units become characters),
 * numbers, arrays, the built-in functions below, a string or array method
 * bound to its receiver, or unknown; anything unknown spreads.  Folded:
 *   literals '..' ".." and `..` without ${} (\x \u \n \\ ... escapes),
 *   '+' of strings and numbers, '-' '*' '/' '%' of numbers,
 *   String.fromCharCode(104, 0x74, ...), unescape(), decodeURIComponent(),
 *   decodeURI(), atob() (GLib's base64), s.split(x), a.reverse(),
 *   a.join(x), s.replace("lit", y) and s.replace(/lit/g, y) (a pattern
 *   with no regular-expression operator), s.replaceAll(), s.concat(),
 *   s.length, a[n] and s[n], variables (var/let/const x = .., x = ..,
 *   x += ..; x.y = .. only evaluates its right side), arrays of values,
 *   String["fromCharCode"] (a string index is a property).  A '/' right
 *   after '(' opens a regular expression; elsewhere it divides.
 * eval(s), Function(.., s) and new Function(.., s): s is recorded ("js
 * eval") and queued; queued code is analysed after the text that queued it
 * (a work list, not recursion), with the same variables, lim->depth levels
 * deep (deeper: r->limit "depth", the code still recorded), each distinct
 * code once.
 *
 * What is recorded: the value of each root expression (a statement, an
 * assignment's right side, a call argument, an array element) that was
 * folded, is a string longer than 3 characters and differs from every
 * plain literal of the source ("js folding"); each literal containing
 * "://" ("js literal"); each eval'ed string ("js eval").  The records are
 * collected in order and added at the end, once all literals are known.
 *
 * Bounds: deob_step() per token and per operation, and one more per 16
 * bytes a string operation writes and per array element; DEOB_NEST_MAX
 * nested expressions (parentheses, brackets, calls, assignments and
 * conditionals: every recursion passes parse_assign(); a deeper one is
 * unknown and its tokens are read by the statement loop); unary operators
 * read in a loop; strings cut at DEOB_STR_MAX; an unterminated string,
 * template or regular expression ends its line; at most MAX_RECORDS
 * records per input, r->limit "bytes" beyond (a bound on the report as
 * much as on the work).
 */
#include "deob.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_RECORDS 10000	/* records per input */
#define MAX_NUM_TOKEN 64	/* bytes of a numeric literal converted */
#define MAX_NAME 256		/* bytes of a variable name kept */
#define MAX_REGEX 4096		/* bytes of a regular-expression literal */
#define BYTES_PER_STEP 16	/* bytes a string operation writes per step */
#define MIN_FOLDED_CHARS 4	/* a folded value shorter is not recorded */

/* the how of a record (compared as pointers) */
static const char HOW_FOLD[] = "js folding";
static const char HOW_LITERAL[] = "js literal";
static const char HOW_EVAL[] = "js eval";

/* ---- tokens ---------------------------------------------------------------- */

enum tk {
	T_EOF,
	T_IDENT,
	T_NUM,
	T_STR,			/* '..' or "..": s..e spans the quotes */
	T_TPL,			/* `..` without ${ */
	T_TPLX,			/* `..${..}..`: unknown */
	T_REGEX,		/* /body/flags, only where the parser asks for one */
	T_PUNCT,
	T_BAD,			/* an unterminated literal: the rest of its line */
};

struct tok {
	enum tk k;
	size_t s, e;		/* text[s..e) */
};

struct lexer {
	const char *t;
	size_t n;
	size_t pos;		/* after cur */
	struct tok cur;
	bool regex_ok;		/* a '/' starting cur may open a regular expression */
};

/* Punctuators of more than one byte, longest first. */
static const char *const PUNCT[] = {
	">>>=", "===", "!==", "**=", "<<=", ">>=", ">>>", "...", "=>", "==", "!=", "<=", ">=",
	"&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"<<", ">>", "**",
};

static bool
ident_byte(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* The end of the line at or after i. */
static size_t
line_end(const struct lexer *lx, size_t i)
{
	const char *nl = i < lx->n ? memchr(lx->t + i, '\n', lx->n - i) : NULL;
	return nl != NULL ? (size_t)(nl - lx->t) : lx->n;
}

/* Skip blanks and comments from i; the next token's start. */
static size_t
skip_space(const struct lexer *lx, size_t i)
{
	const char *t = lx->t;
	size_t n = lx->n;

	while (i < n) {
		unsigned char c = (unsigned char)t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			i++;
		} else if (c == '/' && i + 1 < n && t[i + 1] == '/') {
			i = line_end(lx, i);
		} else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			size_t e = i + 2;
			while (e + 1 < n && !(t[e] == '*' && t[e + 1] == '/'))
				e++;
			i = e + 1 < n ? e + 2 : n;
		} else if (c == '<' && n - i >= 4 && memcmp(t + i, "<!--", 4) == 0) {
			i = line_end(lx, i);
		} else {
			break;
		}
	}
	return i;
}

/* The end of a quoted literal opened at i (by t[i]), or 0 when unterminated. */
static size_t
quoted_end(const struct lexer *lx, size_t i, bool multiline, bool *interp)
{
	char q = lx->t[i];
	for (size_t j = i + 1; j < lx->n; j++) {
		char c = lx->t[j];
		if (c == q)
			return j + 1;
		if (c == '\\')
			j++;
		else if (!multiline && (c == '\n' || c == '\r'))
			return 0;
		else if (interp != NULL && c == '$' && j + 1 < lx->n && lx->t[j + 1] == '{')
			*interp = true;
	}
	return 0;
}

/*
 * The end of a regular expression opened at i, flags included; false
 * when it does not end on its line within MAX_REGEX bytes (*end: where
 * the scan stopped, for a T_BAD token).
 */
static bool
regex_end(const struct lexer *lx, size_t i, size_t *end)
{
	bool cls = false;
	size_t lim = MIN(lx->n, i + MAX_REGEX), j;
	for (j = i + 1; j < lim; j++) {
		char c = lx->t[j];
		if (c == '\n' || c == '\r')
			break;
		if (c == '\\') {
			j++;
		} else if (c == '[') {
			cls = true;
		} else if (c == ']') {
			cls = false;
		} else if (c == '/' && !cls) {
			for (j++; j < lx->n && ident_byte((unsigned char)lx->t[j]); j++)
				;
			*end = j;
			return true;
		}
	}
	*end = MIN(j, lx->n);
	return false;
}

/* Read the token at lx->pos into lx->cur. */
static void
lex(struct lexer *lx)
{
	const char *t = lx->t;
	size_t n = lx->n, i = skip_space(lx, lx->pos), e;
	struct tok *k = &lx->cur;

	k->s = i;
	if (i >= n) {
		k->k = T_EOF;
		k->e = lx->pos = n;
		return;
	}
	unsigned char c = (unsigned char)t[i];
	if (c == '"' || c == '\'' || c == '`') {
		bool interp = false;
		e = quoted_end(lx, i, c == '`', c == '`' ? &interp : NULL);
		if (e == 0) {
			k->k = T_BAD;
			e = line_end(lx, i + 1);
		} else {
			k->k = c != '`' ? T_STR : interp ? T_TPLX : T_TPL;
		}
	} else if (g_ascii_isdigit(c) || (c == '.' && i + 1 < n && g_ascii_isdigit(t[i + 1]))) {
		bool hex = c == '0' && i + 1 < n && (t[i + 1] == 'x' || t[i + 1] == 'X');
		k->k = T_NUM;
		for (e = i + 1; e < n; e++) {
			char d = t[e];
			bool sign = (d == '+' || d == '-') && !hex && (t[e - 1] == 'e' || t[e - 1] == 'E');
			if (!g_ascii_isalnum(d) && d != '.' && d != '_' && !sign)
				break;
		}
	} else if (ident_byte(c)) {
		k->k = T_IDENT;
		for (e = i + 1; e < n && ident_byte((unsigned char)t[e]); e++)
			;
	} else if (c == '/' && lx->regex_ok) {
		k->k = regex_end(lx, i, &e) ? T_REGEX : T_BAD;
	} else {
		k->k = T_PUNCT;
		e = i + 1;
		for (size_t p = 0; p < G_N_ELEMENTS(PUNCT) && i + 1 < n &&
		    strchr("<>=!*&|?+-/%^.", c) != NULL; p++) {
			size_t pl = strlen(PUNCT[p]);
			if (PUNCT[p][0] == c && n - i >= pl && memcmp(t + i, PUNCT[p], pl) == 0) {
				e = i + pl;
				break;
			}
		}
	}
	k->e = lx->pos = e;
}

/* ---- values ---------------------------------------------------------------- */

enum vk { V_UNK, V_STR, V_NUM, V_ARR, V_FN, V_METHOD, V_STRING_OBJ };

enum fn {
	FN_NONE,
	FN_FROMCHARCODE,
	FN_UNESCAPE,
	FN_DECODEURICOMPONENT,
	FN_DECODEURI,
	FN_ATOB,
	FN_EVAL,
	FN_FUNCTION,
	/* methods */
	M_SPLIT,
	M_REVERSE,
	M_JOIN,
	M_REPLACE,
	M_REPLACEALL,
	M_CONCAT,
	M_TOSTRING,
};

struct val {
	enum vk k;
	bool folded;		/* made by an operation, not a plain literal */
	double num;
	GString *s;		/* V_STR: owned */
	GPtrArray *a;		/* V_ARR: struct val *, shared (refcounted), never changed */
	enum fn f;		/* V_FN, V_METHOD */
	struct val *recv;	/* V_METHOD: owned */
};

static const struct val UNKNOWN = { .k = V_UNK };

static void
val_clear(struct val *v)
{
	if (v->s != NULL)
		g_string_free(v->s, TRUE);
	if (v->a != NULL)
		g_ptr_array_unref(v->a);
	if (v->recv != NULL) {
		val_clear(v->recv);
		g_free(v->recv);
	}
	*v = UNKNOWN;
}

static void
val_free(gpointer p)
{
	val_clear(p);
	g_free(p);
}

/*
 * A copy of v.  Strings are copied (bounded by DEOB_STR_MAX and paid
 * for in steps by the caller's operation), arrays shared.
 */
static struct val
val_copy(const struct val *v)
{
	struct val c = *v;
	if (v->s != NULL)
		c.s = g_string_new_len(v->s->str, (gssize)v->s->len);
	if (v->a != NULL)
		c.a = g_ptr_array_ref(v->a);
	if (v->recv != NULL) {
		c.recv = g_new(struct val, 1);
		*c.recv = val_copy(v->recv);
	}
	return c;
}

static struct val
val_str(GString *s, bool folded)
{
	if (s->len > DEOB_STR_MAX)
		g_string_truncate(s, DEOB_STR_MAX);
	return (struct val){ .k = V_STR, .s = s, .folded = folded };
}

static struct val
val_num(double d)
{
	return (struct val){ .k = V_NUM, .num = d, .folded = true };
}

/* ---- the evaluator's state --------------------------------------------------- */

struct record {
	GString *value;
	const char *how;
};

struct js {
	struct deob_result *r;
	struct deob_limits lim;
	bool stop;		/* a limit was hit */
	GHashTable *vars;	/* name -> struct val * */
	GHashTable *literals;	/* GBytes of every plain literal -> itself */
	GPtrArray *records;	/* struct record *, in order */
	GHashTable *recorded;	/* value (GBytes) -> index + 1 in records */
	size_t record_bytes;
	GPtrArray *queue;	/* struct queued *: eval'ed code to analyse */
	GHashTable *evaled;	/* GBytes of the code queued (or too deep) -> itself */
	unsigned depth;		/* of the text being analysed */
	unsigned nest;
};

struct queued {
	GString *code;
	unsigned depth;
};

/* Count n steps; false (and stop) when a limit is hit. */
static bool
step(struct js *j, uint64_t n)
{
	if (j->stop)
		return false;
	if (!deob_step(j->r, &j->lim, n))
		j->stop = true;
	return !j->stop;
}

/* Steps for writing n bytes. */
static bool
step_bytes(struct js *j, size_t n)
{
	return step(j, 1 + n / BYTES_PER_STEP);
}

/* Collect value s for recording as how (first how wins, but eval wins over folding). */
static void
record(struct js *j, const char *s, size_t len, const char *how)
{
	if (len == 0 || j->stop)
		return;
	GBytes *key = g_bytes_new(s, MIN(len, DEOB_STR_MAX));
	gpointer idx = g_hash_table_lookup(j->recorded, key);
	if (idx != NULL) {
		struct record *old = j->records->pdata[GPOINTER_TO_UINT(idx) - 1];
		if (how == HOW_EVAL)
			old->how = HOW_EVAL;
		g_bytes_unref(key);
		return;
	}
	if (j->records->len >= MAX_RECORDS || j->record_bytes + len > j->lim.bytes) {
		g_bytes_unref(key);
		if (j->r->limit == NULL)
			j->r->limit = "bytes";
		j->stop = true;
		return;
	}
	struct record *rec = g_new(struct record, 1);
	rec->value = g_string_new_len(s, (gssize)MIN(len, DEOB_STR_MAX));
	rec->how = how;
	g_ptr_array_add(j->records, rec);
	j->record_bytes += rec->value->len;
	g_hash_table_insert(j->recorded, key, GUINT_TO_POINTER(j->records->len));
}

/* The characters of s (bytes that start a UTF-8 sequence), counted up to enough. */
static size_t
char_count(const GString *s, size_t enough)
{
	size_t c = 0;
	for (size_t i = 0; i < s->len && c < enough; i++)
		if (((unsigned char)s->str[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* A root expression's value: recorded when it is a folded string. */
static void
root(struct js *j, const struct val *v)
{
	if (v->k == V_STR && v->folded && char_count(v->s, MIN_FOLDED_CHARS) >= MIN_FOLDED_CHARS)
		record(j, v->s->str, v->s->len, HOW_FOLD);
}

/* ---- strings ------------------------------------------------------------------ */

/*
 * The first needle[0..m) in hay[0..n), or NULL.  Short needles: memchr
 * and a comparison (memmem's AddressSanitizer interceptor checks all of
 * hay on every call, quadratic in a loop); long ones: memmem.
 */
static const char *
find(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return hay;
	if (m > 16)
		return memmem(hay, n, needle, m);
	size_t i = 0;
	while (i + m <= n) {
		const char *p = memchr(hay + i, needle[0], n - i - m + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, m) == 0)
			return p;
		i = (size_t)(p - hay) + 1;
	}
	return NULL;
}

/*
 * Append UTF-16 code unit u to s; *high holds a pending high surrogate
 * (0: none).  Lone surrogates become U+FFFD.
 */
static void
append_unit(GString *s, guint32 u, guint32 *high)
{
	if (*high != 0) {
		guint32 h = *high;
		*high = 0;
		if (u >= 0xdc00 && u <= 0xdfff) {
			g_string_append_unichar(s, 0x10000 + ((h - 0xd800) << 10) + (u - 0xdc00));
			return;
		}
		g_string_append_unichar(s, 0xfffd);
	}
	if (u >= 0xd800 && u <= 0xdbff)
		*high = u;
	else if (u >= 0xdc00 && u <= 0xdfff)
		g_string_append_unichar(s, 0xfffd);
	else
		g_string_append_unichar(s, u);
}

static void
flush_unit(GString *s, guint32 *high)
{
	if (*high != 0)
		g_string_append_unichar(s, 0xfffd);
	*high = 0;
}

/* The value of the n hexadecimal digits at p[0..avail), or -1. */
static long
hex_digits(const char *p, size_t avail, size_t n)
{
	long v = 0;
	if (avail < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = g_ascii_xdigit_value(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The value of the literal text[s+1 .. e-1) with its escapes. */
static GString *
unquote(const char *t, size_t s, size_t e)
{
	GString *o = g_string_sized_new(e - s);
	guint32 high = 0;
	size_t i = s + 1, end = e - 1;

	while (i < end) {
		char c = t[i];
		if (c != '\\' || i + 1 >= end) {
			flush_unit(o, &high);
			/* a raw character: copy its bytes */
			g_string_append_c(o, c);
			i++;
			continue;
		}
		char x = t[i + 1];
		long v;
		i += 2;
		switch (x) {
		case 'n': append_unit(o, '\n', &high); break;
		case 'r': append_unit(o, '\r', &high); break;
		case 't': append_unit(o, '\t', &high); break;
		case 'b': append_unit(o, '\b', &high); break;
		case 'f': append_unit(o, '\f', &high); break;
		case 'v': append_unit(o, '\v', &high); break;
		case '\r':
			if (i < end && t[i] == '\n')
				i++;
			break;
		case '\n':
			break;
		case 'x':
			if ((v = hex_digits(t + i, end - i, 2)) >= 0) {
				append_unit(o, (guint32)v, &high);
				i += 2;
			} else {
				append_unit(o, 'x', &high);
			}
			break;
		case 'u':
			if (i < end && t[i] == '{') {
				size_t k = i + 1;
				v = 0;
				while (k < end && k - i <= 7 && g_ascii_isxdigit(t[k]))
					v = v * 16 + g_ascii_xdigit_value(t[k++]);
				if (k < end && t[k] == '}' && k > i + 1 && v <= 0x10ffff) {
					flush_unit(o, &high);
					if (v >= 0xd800 && v <= 0xdfff)
						v = 0xfffd;
					g_string_append_unichar(o, (gunichar)v);
					i = k + 1;
					break;
				}
				append_unit(o, 'u', &high);
			} else if ((v = hex_digits(t + i, end - i, 4)) >= 0) {
				append_unit(o, (guint32)v, &high);
				i += 4;
			} else {
				append_unit(o, 'u', &high);
			}
			break;
		default:
			if (x >= '0' && x <= '7') {
				/* \0 and the legacy octal escapes, up to \377 */
				v = x - '0';
				for (int d = 0; d < (x <= '3' ? 2 : 1) && i < end &&
				    t[i] >= '0' && t[i] <= '7'; d++)
					v = v * 8 + (t[i++] - '0');
				append_unit(o, (guint32)v, &high);
				break;
			}
			flush_unit(o, &high);
			g_string_append_c(o, x);
			break;
		}
	}
	flush_unit(o, &high);
	return o;
}

/* JavaScript's ToString of a number, to s. */
static void
append_num(GString *s, double d)
{
	char buf[64];
	if (isnan(d)) {
		g_string_append(s, "NaN");
	} else if (isinf(d)) {
		g_string_append(s, d > 0 ? "Infinity" : "-Infinity");
	} else if (d == floor(d) && fabs(d) < 1e21) {
		snprintf(buf, sizeof buf, "%.0f", d == 0 ? 0.0 : d);
		g_string_append(s, buf);
	} else {
		snprintf(buf, sizeof buf, "%.15g", d);
		if (g_ascii_strtod(buf, NULL) != d)
			snprintf(buf, sizeof buf, "%.17g", d);
		g_string_append(s, buf);
	}
}

/* The length of the character at s[0..n) (1 for a byte that is not UTF-8). */
static size_t
char_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t l = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (l > n || g_utf8_get_char_validated(s, (gssize)l) >= 0xfffffffeu)
		return 1;
	return l;
}

/* ---- the parser ----------------------------------------------------------------- */

static struct val parse_assign(struct js *j, struct lexer *lx, bool is_root);

/* Consume the current token (one step). */
static void
advance(struct js *j, struct lexer *lx)
{
	step(j, 1);
	lex(lx);
}

/* Whether token k's text is p (compared byte by byte: most differ at the first). */
static bool
tok_text(const struct lexer *lx, const struct tok *k, const char *p)
{
	const char *s = lx->t + k->s;
	size_t l = k->e - k->s, i;
	for (i = 0; i < l && p[i] != '\0'; i++)
		if (s[i] != p[i])
			return false;
	return i == l && p[i] == '\0';
}

/* Whether the current token is the punctuator or word p. */
static bool
at(const struct lexer *lx, const char *p)
{
	const struct tok *k = &lx->cur;
	return (k->k == T_PUNCT || k->k == T_IDENT) && tok_text(lx, k, p);
}

/* The token after the current one, without consuming anything. */
static struct tok
peek2(const struct lexer *lx)
{
	struct lexer c = *lx;
	c.regex_ok = false;
	lex(&c);
	return c.cur;
}

static const char *const KEYWORDS[] = {
	"var", "let", "const", "return", "if", "else", "while", "for", "do", "function",
	"case", "default", "throw", "try", "catch", "finally", "switch", "break",
	"continue", "typeof", "void", "delete", "in", "of", "instanceof", "new", "class",
	"with", "yield", "await", "async", "import", "export",
};

static bool
is_keyword(const struct lexer *lx, const struct tok *k)
{
	if (k->k != T_IDENT || k->e - k->s > 10 || !g_ascii_islower(lx->t[k->s]))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(KEYWORDS); i++)
		if (tok_text(lx, k, KEYWORDS[i]))
			return true;
	return false;
}

/* A plain literal: remembered, and recorded when it holds "://". */
static void
saw_literal(struct js *j, const GString *s)
{
	GBytes *b = g_bytes_new(s->str, s->len);
	g_hash_table_add(j->literals, b);
	if (find(s->str, s->len, "://", 3) != NULL)
		record(j, s->str, s->len, HOW_LITERAL);
}

/* The number of a numeric literal token. */
static struct val
number_token(const struct lexer *lx, const struct tok *k)
{
	char buf[MAX_NUM_TOKEN + 1];
	size_t l = k->e - k->s;
	const char *p = lx->t + k->s;
	if (l > MAX_NUM_TOKEN)
		return UNKNOWN;
	memcpy(buf, p, l);
	buf[l] = '\0';
	struct val v = val_num(0);
	v.folded = false;
	if (l > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		for (size_t i = 2; i < l; i++) {
			int d = g_ascii_xdigit_value(buf[i]);
			if (d < 0)
				return UNKNOWN;
			v.num = v.num * 16 + d;
		}
		return v;
	}
	char *end;
	v.num = g_ascii_strtod(buf, &end);
	return *end == '\0' ? v : UNKNOWN;
}

/* A global's value: a built-in function, String, or the variable's. */
static struct val
identifier(struct js *j, const struct lexer *lx, const struct tok *k)
{
	static const struct {
		const char *name;
		enum fn f;
	} fns[] = {
		{ "unescape", FN_UNESCAPE },
		{ "decodeURIComponent", FN_DECODEURICOMPONENT },
		{ "decodeURI", FN_DECODEURI },
		{ "atob", FN_ATOB },
		{ "eval", FN_EVAL },
		{ "Function", FN_FUNCTION },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(fns); i++)
		if (tok_text(lx, k, fns[i].name))
			return (struct val){ .k = V_FN, .f = fns[i].f };
	if (tok_text(lx, k, "String"))
		return (struct val){ .k = V_STRING_OBJ };
	size_t l = k->e - k->s;
	char name[MAX_NAME + 1];
	if (l > MAX_NAME || g_hash_table_size(j->vars) == 0)
		return UNKNOWN;
	memcpy(name, lx->t + k->s, l);
	name[l] = '\0';
	const struct val *v = g_hash_table_lookup(j->vars, name);
	if (v == NULL)
		return UNKNOWN;
	if (v->s != NULL)
		step_bytes(j, v->s->len);
	return val_copy(v);
}

/* Set variable k to v (taken). */
static void
assign(struct js *j, const struct lexer *lx, const struct tok *k, struct val v)
{
	size_t l = k->e - k->s;
	if (l > MAX_NAME) {
		val_clear(&v);
		return;
	}
	struct val *p = g_new(struct val, 1);
	*p = v;
	g_hash_table_replace(j->vars, g_strndup(lx->t + k->s, l), p);
}

/* a + b (both taken). */
static struct val
plus(struct js *j, struct val a, struct val b)
{
	struct val r = UNKNOWN;
	if (a.k == V_NUM && b.k == V_NUM) {
		r = val_num(a.num + b.num);
	} else if ((a.k == V_STR || a.k == V_NUM) && (b.k == V_STR || b.k == V_NUM) &&
	    step_bytes(j, (a.s ? a.s->len : 0) + (b.s ? b.s->len : 0))) {
		GString *s = g_string_new(NULL);
		if (a.k == V_STR)
			g_string_append_len(s, a.s->str, (gssize)a.s->len);
		else
			append_num(s, a.num);
		if (b.k == V_STR)
			g_string_append_len(s, b.s->str, (gssize)MIN(b.s->len, DEOB_STR_MAX));
		else
			append_num(s, b.num);
		r = val_str(s, true);
	}
	val_clear(&a);
	val_clear(&b);
	return r;
}

/* A string as ToString makes it (strings and numbers), or NULL. */
static GString *
to_string(const struct val *v)
{
	if (v->k == V_STR)
		return g_string_new_len(v->s->str, (gssize)v->s->len);
	if (v->k == V_NUM) {
		GString *s = g_string_new(NULL);
		append_num(s, v->num);
		return s;
	}
	return NULL;
}

/* String.fromCharCode(args). */
static struct val
from_char_code(struct js *j, const GPtrArray *args)
{
	GString *s = g_string_new(NULL);
	guint32 high = 0;
	for (guint i = 0; i < args->len; i++) {
		const struct val *a = args->pdata[i];
		if (a->k != V_NUM || !isfinite(a->num) || !step(j, 1)) {
			g_string_free(s, TRUE);
			return UNKNOWN;
		}
		double d = fmod(trunc(a->num), 65536.0);
		if (d < 0)
			d += 65536.0;
		append_unit(s, (guint32)d, &high);
	}
	flush_unit(s, &high);
	return val_str(s, true);
}

/* unescape (latin1: %XX is U+00XX, %uXXXX) or decodeURI[Component] (%XX bytes). */
static struct val
percent_decode(struct js *j, const GString *in, bool latin1)
{
	if (!step_bytes(j, in->len))
		return UNKNOWN;
	GString *o = g_string_sized_new(in->len);
	guint32 high = 0;
	for (size_t i = 0; i < in->len; i++) {
		const char *p = in->str + i;
		size_t left = in->len - i;
		long v;
		if (*p == '%' && latin1 && left >= 6 && p[1] == 'u' &&
		    (v = hex_digits(p + 2, left - 2, 4)) >= 0) {
			append_unit(o, (guint32)v, &high);
			i += 5;
		} else if (*p == '%' && (v = hex_digits(p + 1, left - 1, 2)) >= 0) {
			if (latin1) {
				append_unit(o, (guint32)v, &high);
			} else {
				flush_unit(o, &high);
				g_string_append_c(o, (char)v);
			}
			i += 2;
		} else if (*p == '%' && !latin1) {
			g_string_free(o, TRUE);	/* URIError */
			return UNKNOWN;
		} else {
			flush_unit(o, &high);
			g_string_append_c(o, *p);
		}
	}
	flush_unit(o, &high);
	return val_str(o, true);
}

/* atob(s): GLib's base64 after the blanks are dropped; unknown when not base64. */
static struct val
base64_decode(struct js *j, const GString *in)
{
	if (!step_bytes(j, in->len))
		return UNKNOWN;
	GString *clean = g_string_sized_new(in->len);
	for (size_t i = 0; i < in->len; i++) {
		char c = in->str[i];
		if (g_ascii_isspace(c))
			continue;
		if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=') {
			g_string_free(clean, TRUE);
			return UNKNOWN;
		}
		g_string_append_c(clean, c);
	}
	guchar *out = g_malloc(clean->len / 4 * 3 + 4);
	gint state = 0;
	guint save = 0;
	gsize n = g_base64_decode_step(clean->str, clean->len, out, &state, &save);
	g_string_free(clean, TRUE);
	GString *s = g_string_new_len((const char *)out, (gssize)n);
	g_free(out);
	return val_str(s, true);
}

/*
 * A pattern argument of replace/split as a literal string: a string, or a
 * regular expression without operators (escaped punctuation allowed).
 * *global: the regular expression's g flag.  NULL when it is neither.
 */
static GString *
pattern_literal(const struct val *v, bool *global)
{
	*global = false;
	if (v->k == V_STR)
		return g_string_new_len(v->s->str, (gssize)v->s->len);
	return NULL;
}

/* A regular-expression token as a literal pattern (see pattern_literal), or NULL. */
static GString *
regex_literal(const struct lexer *lx, const struct tok *k, bool *global)
{
	const char *t = lx->t;
	size_t close = k->e;
	while (close > k->s && t[close - 1] != '/')
		close--;
	*global = false;
	for (size_t i = close; i < k->e; i++) {
		if (t[i] == 'g')
			*global = true;
		else if (t[i] != 'm' && t[i] != 'u' && t[i] != 's' && t[i] != 'y')
			return NULL;	/* i: case-insensitive, not literal */
	}
	GString *p = g_string_new(NULL);
	for (size_t i = k->s + 1; i + 1 < close; i++) {
		char c = t[i];
		if (c == '\\' && i + 2 < close && !g_ascii_isalnum(t[i + 1])) {
			g_string_append_c(p, t[++i]);
		} else if (strchr("\\.*+?()[]{}|^$", c) != NULL) {
			g_string_free(p, TRUE);
			return NULL;
		} else {
			g_string_append_c(p, c);
		}
	}
	if (p->len == 0) {
		g_string_free(p, TRUE);
		return NULL;
	}
	return p;
}

/* The replacement string, or NULL when it uses $ patterns. */
static GString *
replacement(const struct val *v)
{
	GString *s = to_string(v);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i + 1 < s->len; i++) {
		if (s->str[i] == '$' && strchr("$&`'0123456789<", s->str[i + 1]) != NULL) {
			g_string_free(s, TRUE);
			return NULL;
		}
	}
	return s;
}

/* s with pat replaced by rep (the first or all). */
static struct val
replace(struct js *j, const GString *s, const GString *pat, const GString *rep, bool all)
{
	if (pat->len == 0 && all)
		return UNKNOWN;
	GString *o = g_string_sized_new(s->len);
	size_t i = 0;
	while (i <= s->len) {
		const char *m = find(s->str + i, s->len - i, pat->str, pat->len);
		if (m == NULL || !step_bytes(j, rep->len))
			break;
		size_t at = (size_t)(m - s->str);
		g_string_append_len(o, s->str + i, (gssize)(at - i));
		g_string_append_len(o, rep->str, (gssize)rep->len);
		i = at + pat->len;
		if (!all || o->len > DEOB_STR_MAX)
			break;
	}
	if (j->stop) {
		g_string_free(o, TRUE);
		return UNKNOWN;
	}
	if (i < s->len)
		g_string_append_len(o, s->str + i, (gssize)(s->len - i));
	step_bytes(j, o->len);
	return val_str(o, true);
}

/* A new array value holding the elements (taken). */
static struct val
val_arr(GPtrArray *a)
{
	return (struct val){ .k = V_ARR, .a = a, .folded = true };
}

static struct val *
heap_val(struct val v)
{
	struct val *p = g_new(struct val, 1);
	*p = v;
	return p;
}

/* s.split(sep): the pieces (per character when sep is empty). */
static struct val
split(struct js *j, const GString *s, const GString *sep)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(val_free);
	size_t i = 0;
	if (sep == NULL) {
		g_ptr_array_add(a, heap_val(val_str(g_string_new_len(s->str, (gssize)s->len),
		    true)));
		return val_arr(a);
	}
	while (i < s->len && step_bytes(j, 0)) {
		size_t at, next;
		if (sep->len == 0) {
			at = i + char_len(s->str + i, s->len - i);
			next = at;
		} else {
			const char *m = find(s->str + i, s->len - i, sep->str, sep->len);
			at = m != NULL ? (size_t)(m - s->str) : s->len;
			next = at + sep->len;
		}
		g_ptr_array_add(a, heap_val(val_str(g_string_new_len(s->str + i,
		    (gssize)(at - i)), true)));
		i = next;
		if (sep->len > 0 && i == s->len)	/* a separator at the end: "" */
			g_ptr_array_add(a, heap_val(val_str(g_string_new(NULL), true)));
	}
	if (j->stop) {
		g_ptr_array_unref(a);
		return UNKNOWN;
	}
	if (s->len == 0 && sep->len > 0)
		g_ptr_array_add(a, heap_val(val_str(g_string_new(NULL), true)));
	return val_arr(a);
}

/* a.join(sep): unknown when an element is not a string or a number. */
static struct val
join(struct js *j, const GPtrArray *a, const GString *sep)
{
	GString *o = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++) {
		const struct val *e = a->pdata[i];
		if (!step_bytes(j, (e->s ? e->s->len : 0) + sep->len) ||
		    (e->k != V_STR && e->k != V_NUM) || o->len > DEOB_STR_MAX) {
			g_string_free(o, TRUE);
			return UNKNOWN;
		}
		if (i > 0)
			g_string_append_len(o, sep->str, (gssize)sep->len);
		if (e->k == V_STR)
			g_string_append_len(o, e->s->str, (gssize)e->s->len);
		else
			append_num(o, e->num);
	}
	return val_str(o, true);
}

/* a.reverse() */
static struct val
reverse(struct js *j, const GPtrArray *a)
{
	GPtrArray *o = g_ptr_array_new_full(a->len, val_free);
	for (guint i = a->len; i > 0; i--) {
		const struct val *e = a->pdata[i - 1];
		if (!step_bytes(j, e->s ? e->s->len : 0)) {
			g_ptr_array_unref(o);
			return UNKNOWN;
		}
		g_ptr_array_add(o, heap_val(val_copy(e)));
	}
	return val_arr(o);
}

/* A call of f (a built-in function or a bound method) with args. */
static struct val
call(struct js *j, const struct val *f, const GPtrArray *args, const GString *pat, bool pat_g)
{
	const struct val *a0 = args->len > 0 ? args->pdata[0] : &UNKNOWN;
	const struct val *a1 = args->len > 1 ? args->pdata[1] : &UNKNOWN;
	const struct val *rv = f->recv;
	struct val r = UNKNOWN;
	GString *s0 = NULL, *s1 = NULL;
	bool g = false;

	if (!step(j, 1))
		return UNKNOWN;
	switch (f->f) {
	case FN_FROMCHARCODE:
		return from_char_code(j, args);
	case FN_UNESCAPE:
	case FN_DECODEURICOMPONENT:
	case FN_DECODEURI:
		if (a0->k == V_STR)
			r = percent_decode(j, a0->s, f->f == FN_UNESCAPE);
		return r;
	case FN_ATOB:
		return a0->k == V_STR ? base64_decode(j, a0->s) : UNKNOWN;
	case FN_EVAL:
	case FN_FUNCTION:
		/* eval(code), Function(p1, .., code): code is the last argument */
		if (args->len > 0) {
			const struct val *code = args->pdata[f->f == FN_EVAL ? 0 : args->len - 1];
			if (code->k == V_STR && code->s->len > 0) {
				record(j, code->s->str, code->s->len, HOW_EVAL);
				GBytes *key = g_bytes_new(code->s->str, code->s->len);
				bool again = !g_hash_table_add(j->evaled, key);
				if (again) {
					/* the same code is analysed once */
				} else if (j->depth + 1 > j->lim.depth) {
					if (j->r->limit == NULL)
						j->r->limit = "depth";
				} else if (!j->stop) {
					struct queued *q = g_new(struct queued, 1);
					q->code = g_string_new_len(code->s->str, (gssize)code->s->len);
					q->depth = j->depth + 1;
					g_ptr_array_add(j->queue, q);
				}
			}
		}
		return UNKNOWN;
	case M_SPLIT:
		if (args->len == 0)
			return split(j, rv->s, NULL);
		if ((s0 = pat != NULL ? g_string_new_len(pat->str, (gssize)pat->len) :
		    pattern_literal(a0, &g)) != NULL)
			r = split(j, rv->s, s0);
		break;
	case M_REVERSE:
		return reverse(j, rv->a);
	case M_JOIN:
		s0 = args->len == 0 ? g_string_new(",") : to_string(a0);
		if (s0 != NULL)
			r = join(j, rv->a, s0);
		break;
	case M_REPLACE:
	case M_REPLACEALL:
		g = pat_g;
		if ((s0 = pat != NULL ? g_string_new_len(pat->str, (gssize)pat->len) :
		    pattern_literal(a0, &g)) != NULL && (s1 = replacement(a1)) != NULL)
			r = replace(j, rv->s, s0, s1, f->f == M_REPLACEALL || g);
		break;
	case M_CONCAT:
		s0 = g_string_new_len(rv->s->str, (gssize)rv->s->len);
		for (guint i = 0; i < args->len && s0 != NULL; i++) {
			GString *p = to_string(args->pdata[i]);
			if (p == NULL || !step_bytes(j, s0->len + p->len) ||
			    s0->len + p->len > DEOB_STR_MAX) {
				g_string_free(s0, TRUE);
				s0 = NULL;
			} else {
				g_string_append_len(s0, p->str, (gssize)p->len);
			}
			if (p != NULL)
				g_string_free(p, TRUE);
		}
		if (s0 != NULL) {
			r = val_str(s0, true);
			s0 = NULL;
		}
		break;
	case M_TOSTRING:
		r = val_copy(rv);
		break;
	default:
		break;
	}
	if (s0 != NULL)
		g_string_free(s0, TRUE);
	if (s1 != NULL)
		g_string_free(s1, TRUE);
	return r;
}

/* The method or property name of v (taken): a bound method, a length, String's. */
static struct val
member(struct js *j, struct val v, const char *name, size_t l)
{
	static const struct {
		const char *name;
		enum fn f;
		enum vk on;
	} methods[] = {
		{ "split", M_SPLIT, V_STR },
		{ "replace", M_REPLACE, V_STR },
		{ "replaceAll", M_REPLACEALL, V_STR },
		{ "concat", M_CONCAT, V_STR },
		{ "toString", M_TOSTRING, V_STR },
		{ "reverse", M_REVERSE, V_ARR },
		{ "join", M_JOIN, V_ARR },
	};
	struct val r = UNKNOWN;

	step(j, 1);
	if (v.k == V_STRING_OBJ && l == 12 && memcmp(name, "fromCharCode", 12) == 0) {
		r = (struct val){ .k = V_FN, .f = FN_FROMCHARCODE };
	} else if (l == 6 && memcmp(name, "length", 6) == 0 && (v.k == V_STR || v.k == V_ARR)) {
		r = val_num(v.k == V_STR ? (double)char_count(v.s, SIZE_MAX) : (double)v.a->len);
	} else {
		for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
			if (v.k == methods[i].on && strlen(methods[i].name) == l &&
			    memcmp(methods[i].name, name, l) == 0) {
				r = (struct val){ .k = V_METHOD, .f = methods[i].f };
				r.recv = heap_val(v);
				return r;
			}
		}
	}
	val_clear(&v);
	return r;
}

/* v[i] (v taken): an array's element, a string's character, or a member. */
static struct val
index_of(struct js *j, struct val v, const struct val *i)
{
	struct val r = UNKNOWN;
	if (i->k == V_STR)
		return member(j, v, i->s->str, i->s->len);
	if (i->k == V_NUM && i->num >= 0 && i->num == floor(i->num)) {
		if (v.k == V_ARR && i->num < v.a->len) {
			r = val_copy(v.a->pdata[(guint)i->num]);
		} else if (v.k == V_STR && i->num < (double)v.s->len) {
			/* characters counted as UTF-8 sequences */
			size_t p = 0, n = (size_t)i->num;
			step_bytes(j, n);
			while (n > 0 && p < v.s->len) {
				p += char_len(v.s->str + p, v.s->len - p);
				n--;
			}
			if (p < v.s->len)
				r = val_str(g_string_new_len(v.s->str + p,
				    (gssize)char_len(v.s->str + p, v.s->len - p)), v.folded);
		}
	}
	val_clear(&v);
	return r;
}

/* Enter a nested expression; false when DEOB_NEST_MAX are open. */
static bool
enter(struct js *j)
{
	if (j->nest >= DEOB_NEST_MAX)
		return false;
	j->nest++;
	return true;
}

/* (args) of a call: the current token is '('; the values, all roots but eval's. */
static GPtrArray *
arguments(struct js *j, struct lexer *lx, bool roots, bool pattern_first, GString **pat,
    bool *pat_g)
{
	GPtrArray *args = g_ptr_array_new_with_free_func(val_free);
	lx->regex_ok = true;	/* a '/' starting an argument opens a pattern */
	advance(j, lx);		/* ( */
	lx->regex_ok = false;
	if (pattern_first && lx->cur.k == T_REGEX) {
		*pat = regex_literal(lx, &lx->cur, pat_g);
		g_ptr_array_add(args, heap_val(UNKNOWN));
		advance(j, lx);
		if (at(lx, ","))
			advance(j, lx);
	}
	while (!j->stop && !at(lx, ")") && lx->cur.k != T_EOF) {
		size_t before = lx->cur.s;
		g_ptr_array_add(args, heap_val(parse_assign(j, lx, roots)));
		if (at(lx, ","))
			advance(j, lx);
		else if (!at(lx, ")") || lx->cur.s == before)
			break;
	}
	if (at(lx, ")"))
		advance(j, lx);
	return args;
}

/* [a, b, ...]: the current token is '['. */
static struct val
array_literal(struct js *j, struct lexer *lx)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(val_free);
	bool ok = true;
	advance(j, lx);
	while (!j->stop && !at(lx, "]") && lx->cur.k != T_EOF) {
		size_t before = lx->cur.s;
		if (at(lx, ",")) {
			g_ptr_array_add(a, heap_val(UNKNOWN));	/* a hole */
			advance(j, lx);
			continue;
		}
		g_ptr_array_add(a, heap_val(parse_assign(j, lx, true)));
		if (at(lx, ","))
			advance(j, lx);
		else if (!at(lx, "]") || lx->cur.s == before) {
			ok = false;
			break;
		}
	}
	if (ok && at(lx, "]")) {
		advance(j, lx);
		struct val v = val_arr(a);
		v.folded = false;
		return v;
	}
	g_ptr_array_unref(a);
	return UNKNOWN;
}

/* A primary expression; UNKNOWN with nothing consumed when there is none. */
static struct val
parse_primary(struct js *j, struct lexer *lx)
{
	struct tok k = lx->cur;
	struct val v;

	switch (k.k) {
	case T_STR:
	case T_TPL:
		v = val_str(unquote(lx->t, k.s, k.e), false);
		step_bytes(j, k.e - k.s);
		saw_literal(j, v.s);
		advance(j, lx);
		return v;
	case T_NUM:
		advance(j, lx);
		return number_token(lx, &k);
	case T_TPLX:
	case T_REGEX:
		advance(j, lx);
		return UNKNOWN;
	case T_IDENT:
		if (is_keyword(lx, &k))
			return UNKNOWN;
		advance(j, lx);
		return identifier(j, lx, &k);
	case T_PUNCT:
		if (at(lx, "(")) {
			lx->regex_ok = true;
			advance(j, lx);
			lx->regex_ok = false;
			v = parse_assign(j, lx, false);
			while (at(lx, ",") && !j->stop) {	/* the comma operator */
				advance(j, lx);
				val_clear(&v);
				v = parse_assign(j, lx, false);
			}
			if (at(lx, ")"))
				advance(j, lx);
			else
				val_clear(&v);
			return v;
		}
		if (at(lx, "["))
			return array_literal(j, lx);
		return UNKNOWN;
	default:
		return UNKNOWN;
	}
}

/* Postfix: .name, [index], (args), ++ and --. */
static struct val
parse_postfix(struct js *j, struct lexer *lx)
{
	struct val v = parse_primary(j, lx);

	while (!j->stop && lx->cur.k == T_PUNCT && strchr(".?[(+-", lx->t[lx->cur.s]) != NULL) {
		if (at(lx, ".") || at(lx, "?.")) {
			advance(j, lx);
			if (lx->cur.k != T_IDENT) {
				val_clear(&v);
				break;
			}
			struct tok k = lx->cur;
			advance(j, lx);
			v = member(j, v, lx->t + k.s, k.e - k.s);
		} else if (at(lx, "[")) {
			advance(j, lx);
			struct val i = parse_assign(j, lx, false);
			if (at(lx, "]")) {
				advance(j, lx);
				v = index_of(j, v, &i);
			} else {
				val_clear(&v);
			}
			val_clear(&i);
		} else if (at(lx, "(")) {
			bool code = v.k == V_FN && (v.f == FN_EVAL || v.f == FN_FUNCTION);
			bool pattern = v.k == V_METHOD &&
			    (v.f == M_REPLACE || v.f == M_REPLACEALL || v.f == M_SPLIT);
			GString *pat = NULL;
			bool pat_g = false;
			GPtrArray *args = arguments(j, lx, !code, pattern, &pat, &pat_g);
			struct val r = UNKNOWN;
			if (v.k == V_FN || v.k == V_METHOD)
				r = call(j, &v, args, pat, pat_g);
			if (pat != NULL)
				g_string_free(pat, TRUE);
			g_ptr_array_unref(args);
			val_clear(&v);
			v = r;
		} else if (at(lx, "++") || at(lx, "--")) {
			advance(j, lx);
			val_clear(&v);
		} else {
			break;
		}
	}
	return v;
}

/* Unary operators (read in a loop): - and + of numbers; the others give unknown. */
static struct val
parse_unary(struct js *j, struct lexer *lx)
{
	bool neg = false, num = false, other = false;

	while (!j->stop) {
		const struct tok *k = &lx->cur;
		if (k->k == T_PUNCT ? strchr("-+!~", lx->t[k->s]) == NULL :
		    k->k != T_IDENT || strchr("tvdna", lx->t[k->s]) == NULL)
			break;
		if (at(lx, "-") || at(lx, "+")) {
			neg ^= at(lx, "-");
			num = true;
		} else if (at(lx, "new")) {
			/* new Function(..) is Function(..); other objects are unknown */
		} else if (at(lx, "!") || at(lx, "~") || at(lx, "typeof") || at(lx, "void") ||
		    at(lx, "delete") || at(lx, "++") || at(lx, "--") || at(lx, "await")) {
			other = true;
		} else {
			break;
		}
		advance(j, lx);
	}
	struct val v = parse_postfix(j, lx);
	if (other) {
		val_clear(&v);
	} else if (num) {
		if (v.k == V_NUM)
			v.num = neg ? -v.num : v.num;
		else
			val_clear(&v);
	}
	return v;
}

/* The binding power of a binary operator at the current token (0: none). */
static int
binary_prec(const struct lexer *lx)
{
	static const struct {
		const char *op;
		int prec;
	} ops[] = {
		{ "??", 1 }, { "||", 2 }, { "&&", 3 }, { "|", 4 }, { "^", 5 }, { "&", 6 },
		{ "==", 7 }, { "!=", 7 }, { "===", 7 }, { "!==", 7 }, { "<", 8 }, { ">", 8 },
		{ "<=", 8 }, { ">=", 8 }, { "instanceof", 8 }, { "in", 8 }, { "<<", 9 },
		{ ">>", 9 }, { ">>>", 9 }, { "+", 10 }, { "-", 10 }, { "*", 11 }, { "/", 11 },
		{ "%", 11 }, { "**", 12 },
	};
	const struct tok *k = &lx->cur;
	if (k->k == T_IDENT ? lx->t[k->s] != 'i' :
	    k->k != T_PUNCT || strchr("?|&^=!<>+-*/%", lx->t[k->s]) == NULL)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
		if (at(lx, ops[i].op))
			return ops[i].prec;
	return 0;
}

/* Binary expressions of at least precedence min (precedence climbing, depth <= 12). */
static struct val
parse_binary(struct js *j, struct lexer *lx, int min)
{
	struct val a = parse_unary(j, lx);
	int p;

	while (!j->stop && (p = binary_prec(lx)) >= min && p > 0) {
		char op = lx->t[lx->cur.s];
		bool single = lx->cur.e - lx->cur.s == 1;
		advance(j, lx);
		struct val b = parse_binary(j, lx, p + 1);
		if (single && op == '+') {
			a = plus(j, a, b);
			continue;
		}
		struct val r = UNKNOWN;
		if (single && a.k == V_NUM && b.k == V_NUM) {
			if (op == '-')
				r = val_num(a.num - b.num);
			else if (op == '*')
				r = val_num(a.num * b.num);
			else if (op == '/')
				r = val_num(a.num / b.num);
			else if (op == '%')
				r = val_num(fmod(a.num, b.num));
		}
		val_clear(&a);
		val_clear(&b);
		a = r;
	}
	return a;
}

/* Assignment and conditional expressions; a root's value is recorded. */
static struct val
assign_expr(struct js *j, struct lexer *lx, bool is_root)
{
	struct val v;

	if (lx->cur.k == T_IDENT && !is_keyword(lx, &lx->cur)) {
		struct tok next = peek2(lx);
		bool set = next.k == T_PUNCT && tok_text(lx, &next, "=");
		bool add = next.k == T_PUNCT && tok_text(lx, &next, "+=");
		if (set || add) {
			struct tok name = lx->cur;
			struct val old = add ? identifier(j, lx, &name) : UNKNOWN;
			advance(j, lx);
			advance(j, lx);
			v = parse_assign(j, lx, !add);
			if (add) {
				v = plus(j, old, v);
				root(j, &v);
			}
			assign(j, lx, &name, val_copy(&v));
			return v;
		}
	}
	v = parse_binary(j, lx, 1);
	if (at(lx, "?") && !j->stop) {
		advance(j, lx);
		struct val b = parse_assign(j, lx, true);
		val_clear(&b);
		if (at(lx, ":")) {
			advance(j, lx);
			b = parse_assign(j, lx, true);
			val_clear(&b);
		}
		val_clear(&v);
	} else if (lx->cur.k == T_PUNCT && !j->stop && lx->t[lx->cur.e - 1] == '=' &&
	    !at(lx, "==") && !at(lx, "===") && !at(lx, "!=") && !at(lx, "!==") &&
	    !at(lx, "<=") && !at(lx, ">=")) {
		/* x.y = .., x[i] += ..: the right side is a root */
		advance(j, lx);
		val_clear(&v);
		v = parse_assign(j, lx, true);
		return v;
	}
	if (is_root)
		root(j, &v);
	return v;
}

/*
 * Every recursion of the parser passes here: deeper than DEOB_NEST_MAX
 * it is unknown, nothing consumed (the statement loop reads on).
 */
static struct val
parse_assign(struct js *j, struct lexer *lx, bool is_root)
{
	if (j->stop || !enter(j))
		return UNKNOWN;
	struct val v = assign_expr(j, lx, is_root);
	j->nest--;
	return v;
}

/* Analyse text[0..len) as statements: every expression, in order. */
static void
run(struct js *j, const char *text, size_t len)
{
	struct lexer lx = { .t = text, .n = len };
	lex(&lx);
	while (!j->stop && lx.cur.k != T_EOF) {
		size_t before = lx.cur.s;
		j->nest = 0;
		if (is_keyword(&lx, &lx.cur) && !at(&lx, "new") && !at(&lx, "typeof") &&
		    !at(&lx, "void") && !at(&lx, "delete")) {
			advance(j, &lx);
			continue;
		}
		struct val v = parse_assign(j, &lx, true);
		val_clear(&v);
		if (lx.cur.s == before && lx.cur.k != T_EOF)
			advance(j, &lx);
	}
}

static void
record_free(gpointer p)
{
	struct record *r = p;
	g_string_free(r->value, TRUE);
	g_free(r);
}

static void
queued_free(gpointer p)
{
	struct queued *q = p;
	g_string_free(q->code, TRUE);
	g_free(q);
}

void
deob_js(const char *text, size_t len, const struct deob_limits *lim, struct deob_result *r)
{
	struct js j = {
		.r = r,
		.lim = deob_limits_or_defaults(lim),
		.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, val_free),
		.literals = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		    (GDestroyNotify)g_bytes_unref, NULL),
		.records = g_ptr_array_new_with_free_func(record_free),
		.recorded = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		    (GDestroyNotify)g_bytes_unref, NULL),
		.queue = g_ptr_array_new_with_free_func(queued_free),
		.evaled = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		    (GDestroyNotify)g_bytes_unref, NULL),
	};

	if (text != NULL)
		run(&j, text, len);
	/* eval'ed code, in the order queued (the queue grows while it is read) */
	for (guint i = 0; i < j.queue->len && !j.stop; i++) {
		struct queued *q = j.queue->pdata[i];
		j.depth = q->depth;
		run(&j, q->code->str, q->code->len);
	}
	for (guint i = 0; i < j.records->len; i++) {
		struct record *rec = j.records->pdata[i];
		if (rec->how == HOW_FOLD) {
			GBytes *b = g_bytes_new_static(rec->value->str, rec->value->len);
			bool plain = g_hash_table_contains(j.literals, b);
			g_bytes_unref(b);
			if (plain)
				continue;
		}
		if (!deob_add(r, &j.lim, rec->value->str, rec->value->len, rec->how))
			break;
	}
	g_hash_table_unref(j.vars);
	g_hash_table_unref(j.literals);
	g_ptr_array_unref(j.records);
	g_hash_table_unref(j.recorded);
	g_ptr_array_unref(j.queue);
	g_hash_table_unref(j.evaled);
}
