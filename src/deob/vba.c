/*
 * vba.c - the constant string-building of VBA and VBScript, folded (see
 * deob.h).  A bounded evaluator, not an interpreter: it knows the subset
 * droppers use to hide a URL or a command line and gives up (the value
 * is "unknown") on everything else.
 *
 * Three passes over text[0..len), each linear:
 *   1. tokens: string literals ("" escapes; a literal with "://" is
 *      recorded at once, how "vba literal"), numbers (decimal, &H, &O with
 *      VBA's 16/32-bit sign of hex and octal literals), identifiers
 *      (case-insensitive, a '$' suffix dropped: Chr$ is Chr), operators;
 *      newlines and ':' end statements, ' and Rem start comments, " _" at
 *      a line's end continues it.  Each identifier is interned once (its
 *      keyword, builtin and variable record are found by index).
 *   2. statements and blocks: every assignment target is counted, with
 *      its context (inside a For, under an If/Select inside a For, inside
 *      a Do/While), For is matched with its Next, and Functions whose body
 *      is the single statement `f = <expr>` are kept as callable.  A
 *      variable assigned exactly once outside loops is a constant (its
 *      value is computed lazily on a forward reference and kept); one
 *      assigned inside For loops only as `s = s & <expr>` (after at most
 *      one assignment outside) or once inside a loop and nowhere else (a
 *      loop temporary), the loop variables and arrays filled element by
 *      element are sequential (their value is the current one when the
 *      statements are run in text order); any other variable (assigned
 *      twice, under a condition inside a loop, in a Do/While, a parameter,
 *      ReDim, Input, For Each, Mid statement) is unknown.
 *   3. run: the statements in text order, If/Select/Do conditions not
 *      evaluated (an assignment under them still counts once), For loops
 *      with constant bounds iterated (one step per iteration), others run
 *      once with the loop variable and what the body assigns unknown.
 *      Expressions by precedence climbing (VBA's order: ^, unary -, * /,
 *      \, Mod, + -, &, comparisons, Not, And, Or, Xor, Eqv, Imp).
 *
 * What is recorded: a statement's expression (the right-hand side of an
 * assignment, each argument of a call statement) and each known value an
 * unknown consumer takes (the arguments of Shell, .Run, URLDownloadToFile,
 * CallByName, any function or method it does not know; the known side of
 * a '&' whose other side is unknown), when it is a string longer than 3
 * characters that is not a plain literal of the source: how "vba folding",
 * or "vba document string" when a value of `extra` went into it.  The
 * assignments to sequential variables inside a loop are not recorded at
 * each iteration; the accumulators are, when their outermost loop ends.
 *
 * Document strings: an identifier never assigned, or a member chain whose
 * head is none (UserForm1.Label1.Caption, ActiveDocument.Variables("x")
 * .Value), is looked up in `extra` under its normal name: the parts
 * lower-cased (ASCII) and joined with '.', a call's arguments in
 * parentheses, a string argument in double quotes, a number in decimal,
 * several separated by ',' without blanks:
 *   userform1.label1.caption
 *   activedocument.variables("x").value
 *   activedocument.builtindocumentproperties("comments")
 * and when that name is missing and does not end in ".value", the name
 * with ".value" appended.  `extra`'s values are NUL-terminated UTF-8.
 *
 * Values: unknown, Empty, 64-bit integers (no floating point: 1.5 and
 * 7 / 2 are unknown), strings (UTF-8, counted in characters by Len, Mid,
 * Left, Right; cut at DEOB_STR_MAX bytes), arrays (at most ARR_MAX
 * elements).  Chr(128..255) is Windows-1252 (g_convert), Chr(256..65535)
 * and ChrW are Unicode, Asc gives the code point.  LCase/UCase are ASCII.
 *
 * Bounds: one deob_step() per token read, per statement, per loop
 * iteration and per BYTES_PER_STEP bytes a string operation produces
 * (which also bounds the memory); at most MAX_TOKENS tokens ("steps"
 * beyond).  Parentheses, unary operators, calls and the lazy evaluation
 * of constants nest at most DEOB_NEST_MAX deep: a deeper expression is
 * unknown, r->limit says "depth" (when no limit was hit before) and the
 * run goes on with the next statement.  Steps, time and bytes stop it.
 */
#include "deob.h"

#include <string.h>

#define MAX_TOKENS (2u << 20)	/* tokens read per input */
#define NAME_MAX_LEN 255	/* a longer identifier is never a variable */
#define NAMES_MAX 65536u	/* distinct names; the others are never variables */
#define ARR_MAX 65536u		/* elements of one array */
#define BLOCK_MAX 256		/* nested blocks followed by pass 2 */
#define FRAME_MAX DEOB_NEST_MAX	/* nested For loops run */
#define PARAM_MAX 16		/* parameters of a callable Function */
#define BYTES_PER_STEP 16u	/* bytes of string built per step */
#define KEY_MAX 512		/* bytes of a document string's name */
#define NONE UINT32_MAX

#define HOW_FOLD "vba folding"
#define HOW_EXTRA "vba document string"
#define HOW_LIT "vba literal"

/* --- tokens ----------------------------------------------------------------- */

enum tkind { TK_EOS, TK_STR, TK_NUM, TK_ID, TK_OP };

/* two-character operators, as TK_OP's op */
#define OP_LE 'l'
#define OP_GE 'g'
#define OP_NE 'n'
#define OP_NAMED 'a'		/* := */

struct tok {
	uint32_t off;
	uint32_t len;
	uint32_t name;		/* TK_ID: index in ctx.names */
	uint8_t kind;
	uint8_t op;		/* TK_OP: the operator; TK_EOS: '\n' or ':' */
};

enum kw {
	K_NONE, K_DIM, K_REDIM, K_PRIVATE, K_PUBLIC, K_GLOBAL, K_FRIEND, K_STATIC, K_CONST,
	K_SET, K_LET, K_CALL, K_FOR, K_TO, K_STEP, K_NEXT, K_EACH, K_IN, K_IF, K_THEN,
	K_ELSE, K_ELSEIF, K_END, K_SUB, K_FUNCTION, K_PROPERTY, K_DO, K_LOOP, K_WHILE,
	K_WEND, K_UNTIL, K_SELECT, K_CASE, K_WITH, K_DECLARE, K_TYPE, K_ENUM, K_AS, K_NEW,
	K_NOT, K_AND, K_OR, K_XOR, K_EQV, K_IMP, K_MOD, K_IS, K_LIKE, K_BYVAL, K_BYREF,
	K_OPTIONAL, K_PARAMARRAY, K_INPUT, K_LINE, K_ERASE, K_EMPTY, K_NOTHING, K_NULL,
	K_TRUE, K_FALSE, K_REM
};

static const char *const KW_NAME[] = {
	"", "dim", "redim", "private", "public", "global", "friend", "static", "const",
	"set", "let", "call", "for", "to", "step", "next", "each", "in", "if", "then",
	"else", "elseif", "end", "sub", "function", "property", "do", "loop", "while",
	"wend", "until", "select", "case", "with", "declare", "type", "enum", "as", "new",
	"not", "and", "or", "xor", "eqv", "imp", "mod", "is", "like", "byval", "byref",
	"optional", "paramarray", "input", "line", "erase", "empty", "nothing", "null",
	"true", "false", "rem"
};

/* builtin functions */
enum bi {
	B_NONE, B_CHR, B_CHRW, B_ASC, B_STRREVERSE, B_REPLACE, B_MID, B_LEFT, B_RIGHT,
	B_LCASE, B_UCASE, B_TRIM, B_LTRIM, B_RTRIM, B_LEN, B_SPLIT, B_JOIN, B_ARRAY, B_HEX,
	B_OCT, B_VAL, B_CSTR, B_CINT, B_ABS, B_SPACE, B_STRING, B_STRCONV, B_LBOUND,
	B_UBOUND
};

static const struct {
	const char *name;
	enum bi b;
} BUILTINS[] = {
	{ "chr", B_CHR }, { "chrb", B_CHR }, { "chrw", B_CHRW }, { "asc", B_ASC },
	{ "ascb", B_ASC }, { "ascw", B_ASC }, { "strreverse", B_STRREVERSE },
	{ "replace", B_REPLACE }, { "mid", B_MID }, { "midb", B_MID }, { "left", B_LEFT },
	{ "right", B_RIGHT }, { "lcase", B_LCASE }, { "ucase", B_UCASE }, { "trim", B_TRIM },
	{ "ltrim", B_LTRIM }, { "rtrim", B_RTRIM }, { "len", B_LEN }, { "split", B_SPLIT },
	{ "join", B_JOIN }, { "array", B_ARRAY }, { "hex", B_HEX }, { "oct", B_OCT },
	{ "val", B_VAL }, { "cstr", B_CSTR }, { "cint", B_CINT }, { "clng", B_CINT },
	{ "clnglng", B_CINT }, { "cbyte", B_CINT }, { "int", B_CINT }, { "fix", B_CINT },
	{ "abs", B_ABS }, { "space", B_SPACE }, { "string", B_STRING },
	{ "strconv", B_STRCONV }, { "lbound", B_LBOUND }, { "ubound", B_UBOUND },
};

/* builtin constants: a string (s != NULL, slen bytes) or a number */
static const struct {
	const char *name;
	const char *s;
	size_t slen;
	int64_t n;
} CONSTS[] = {
	{ "vbcrlf", "\r\n", 2, 0 }, { "vbnewline", "\r\n", 2, 0 }, { "vbcr", "\r", 1, 0 },
	{ "vblf", "\n", 1, 0 }, { "vbtab", "\t", 1, 0 }, { "vbnullstring", "", 0, 0 },
	{ "vbnullchar", "\0", 1, 0 }, { "vbunicode", NULL, 0, 64 },
	{ "vbfromunicode", NULL, 0, 128 }, { "vbuppercase", NULL, 0, 1 },
	{ "vblowercase", NULL, 0, 2 }, { "vbtextcompare", NULL, 0, 1 },
	{ "vbbinarycompare", NULL, 0, 0 }, { "vbhide", NULL, 0, 0 },
	{ "vbnormalfocus", NULL, 0, 1 }, { "vbmethod", NULL, 0, 1 }, { "vbget", NULL, 0, 2 },
	{ "vblet", NULL, 0, 4 }, { "vbset", NULL, 0, 8 },
};

/* --- values ----------------------------------------------------------------- */

enum vkind { V_UNK, V_EMPTY, V_NUM, V_STR, V_ARR };

#define F_FOLD 1u		/* made by an operation, not a plain literal */
#define F_EXTRA 2u		/* a document string went into it */

struct vstr {
	unsigned ref;
	size_t len, cap;
	char b[];
};

struct val;

struct varr {
	unsigned ref;
	int64_t lo;
	size_t n;
	struct val *v;
};

struct val {
	uint8_t k;
	uint8_t fl;
	int64_t n;
	struct vstr *s;
	struct varr *a;
};

/* --- names, statements ------------------------------------------------------ */

enum cls { C_NONE, C_CONST, C_SEQ, C_UNK };

struct ufunc {
	uint32_t params[PARAM_MAX];
	unsigned np;
	uint32_t rhs_b, rhs_e;	/* the expression of `f = <expr>` */
	unsigned nassign;
	bool other;		/* a statement other than Dim and `f = ...` */
	bool ok;		/* callable */
};

struct name {
	char *lc;		/* lower case, without a '$' suffix */
	enum kw kw;
	enum bi bi;
	int bc;			/* index in CONSTS + 1, or 0 */
	/* pass 2: the assignments */
	uint32_t out, inl_acc, inl_plain, elem;
	bool bad, loopvar, param;
	enum cls cls;
	uint32_t rhs_b, rhs_e;	/* a constant's expression */
	uint8_t state;		/* constant: 0 not computed, 1 computing, 2 done */
	struct val v;		/* a constant's or a sequential variable's value */
	struct ufunc *fn;
};

enum skind {
	S_NONE, S_ASSIGN, S_ELEM, S_MEMBER, S_CONST, S_DIM, S_FOR, S_NEXT, S_CALL, S_EVAL,
	S_FNRET
};

#define SF_LINECOND 1u		/* after a single-line If's Then */
#define SF_ACC 2u		/* s = s & ... */
#define SF_IFLINE 4u		/* a single-line If's condition */
#define SF_EACH 8u		/* For Each */

struct stmt {
	uint32_t b, e;		/* tokens [b, e) */
	uint32_t match;		/* For: its Next; Next: its For */
	uint32_t target;	/* S_ASSIGN, S_ELEM: the name */
	uint32_t x;		/* token of the expression: rhs, condition */
	uint32_t lhs;		/* S_ELEM: the target's token */
	uint8_t kind;
	uint8_t flags;
};

struct frame {
	uint32_t for_st, next_st;
	struct name *var;	/* NULL: not run (poison) */
	int64_t cur, to, step;
};

/* parameters bound while a Function's expression is evaluated */
struct env {
	const struct ufunc *fn;
	struct val *a;
};

struct ctx {
	const char *t;
	size_t n;
	struct deob_result *r;
	const struct deob_limits *lim;
	GHashTable *extra;
	bool stop;		/* a limit stopped the run */
	bool bail;		/* the statement is abandoned (too deep) */

	struct tok *tk;
	size_t ntk, captk;
	GPtrArray *names;	/* struct name * */
	GHashTable *intern;	/* lc -> index + 1 */

	struct stmt *st;
	size_t nst, capst;

	size_t pos, end;	/* the parser's tokens */
	unsigned nest;
	const struct env *env;

	struct frame fr[FRAME_MAX];
	unsigned nfr, npoison;
	bool poison_forever;	/* a For without Next was not run */

	GIConv cd;		/* Windows-1252 -> UTF-8 for Chr(128..255) */
	bool cd_tried;
	char cp[128][4];
	uint8_t cplen[128];	/* 0: not converted yet */
};

/* --- limits ----------------------------------------------------------------- */

/* Count n steps; false (and c->stop) once a limit is hit. */
static bool
step(struct ctx *c, uint64_t n)
{
	if (c->stop)
		return false;
	if (!deob_step(c->r, c->lim, n)) {
		c->stop = true;
		return false;
	}
	return true;
}

/* Steps for building a string of len bytes. */
static bool
step_bytes(struct ctx *c, size_t len)
{
	return step(c, 1 + len / BYTES_PER_STEP);
}

/* Enter one more level of nesting; false (statement abandoned) when too deep. */
static bool
nest_in(struct ctx *c)
{
	if (c->nest + 1 >= DEOB_NEST_MAX) {
		c->bail = true;
		if (c->r->limit == NULL)
			c->r->limit = "depth";
		return false;
	}
	c->nest++;
	return true;
}

/* --- strings ---------------------------------------------------------------- */

/* The length of s[0..n) cut at DEOB_STR_MAX without splitting a character. */
static size_t
cut_len(const char *s, size_t n)
{
	if (n <= DEOB_STR_MAX)
		return n;
	n = DEOB_STR_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* A new string with room for cap bytes, empty. */
static struct vstr *
vs_alloc(size_t cap)
{
	struct vstr *s = g_malloc(sizeof(*s) + cap + 1);
	s->ref = 1;
	s->len = 0;
	s->cap = cap;
	s->b[0] = '\0';
	return s;
}

static struct vstr *
vs_new(const char *p, size_t n)
{
	n = cut_len(p, n);
	struct vstr *s = vs_alloc(n);
	memcpy(s->b, p, n);
	s->len = n;
	s->b[n] = '\0';
	return s;
}

static void
vs_unref(struct vstr *s)
{
	if (s != NULL && --s->ref == 0)
		g_free(s);
}

/* Append p[0..n) to *sp, which the caller owns alone, cut at DEOB_STR_MAX. */
static void
vs_append(struct vstr **sp, const char *p, size_t n)
{
	struct vstr *s = *sp;
	if (s->len + n > DEOB_STR_MAX) {
		size_t room = DEOB_STR_MAX - s->len;
		if (room < n) {
			n = room;
			while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
				n--;
		}
	}
	if (s->len + n > s->cap) {
		size_t cap = MAX(s->len + n, MIN(s->cap * 2, (size_t)DEOB_STR_MAX));
		s = g_realloc(s, sizeof(*s) + cap + 1);
		s->cap = cap;
		*sp = s;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	s->b[s->len] = '\0';
}

/* The number of characters of UTF-8 s[0..n). */
static size_t
u8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

/* The byte offset of character k of s[0..n) (n when past the end). */
static size_t
u8_off(const char *s, size_t n, size_t k)
{
	size_t i = 0;
	while (i < n && k > 0) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		k--;
	}
	return i;
}

/* --- values ----------------------------------------------------------------- */

static void val_clear(struct val *v);

static void
arr_unref(struct varr *a)
{
	if (a == NULL || --a->ref > 0)
		return;
	for (size_t i = 0; i < a->n; i++)
		val_clear(&a->v[i]);
	g_free(a->v);
	g_free(a);
}

static void
val_clear(struct val *v)
{
	vs_unref(v->s);
	arr_unref(v->a);
	memset(v, 0, sizeof(*v));
}

/* *dst = a new reference to src (dst is overwritten, not cleared). */
static void
val_copy(struct val *dst, const struct val *src)
{
	*dst = *src;
	if (dst->s != NULL)
		dst->s->ref++;
	if (dst->a != NULL)
		dst->a->ref++;
}

/* Move src into dst (cleared first); src becomes unknown. */
static void
val_move(struct val *dst, struct val *src)
{
	val_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static void
val_num(struct val *v, int64_t n, unsigned fl)
{
	memset(v, 0, sizeof(*v));
	v->k = V_NUM;
	v->n = n;
	v->fl = (uint8_t)fl;
}

/* v = the string s (the reference is v's). */
static void
val_str(struct val *v, struct vstr *s, unsigned fl)
{
	memset(v, 0, sizeof(*v));
	v->k = V_STR;
	v->s = s;
	v->fl = (uint8_t)fl;
}

/* The F_EXTRA of a and b, with F_FOLD: the flags of a value made from them. */
static unsigned
fl_of(const struct val *a, const struct val *b)
{
	unsigned f = F_FOLD;
	if (a != NULL)
		f |= a->fl & F_EXTRA;
	if (b != NULL)
		f |= b->fl & F_EXTRA;
	return f;
}

/* An integer from the text s[0..n) as VBA converts a string: blanks around,
 * a sign, decimal digits or &H / &O; anything else fails. */
static bool
parse_int_text(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	unsigned base = 10;
	if (i + 1 < n && s[i] == '&' && (s[i + 1] == 'h' || s[i + 1] == 'H')) {
		base = 16;
		i += 2;
	} else if (i + 1 < n && s[i] == '&' && (s[i + 1] == 'o' || s[i + 1] == 'O')) {
		base = 8;
		i += 2;
	}
	if (i >= n)
		return false;
	uint64_t v = 0;
	for (; i < n; i++) {
		int d = g_ascii_xdigit_value(s[i]);
		if (d < 0 || (unsigned)d >= base || v > (uint64_t)INT64_MAX / 16)
			return false;
		v = v * base + (unsigned)d;
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* v as an integer (a number, Empty as 0, a numeric string). */
static bool
to_int(const struct val *v, int64_t *n)
{
	switch (v->k) {
	case V_NUM:
		*n = v->n;
		return true;
	case V_EMPTY:
		*n = 0;
		return true;
	case V_STR:
		return parse_int_text(v->s->b, v->s->len, n);
	default:
		return false;
	}
}

/* v as a string: a new reference (numbers in decimal, Empty ""), or NULL. */
static struct vstr *
to_str(const struct val *v)
{
	char buf[32];
	switch (v->k) {
	case V_STR:
		v->s->ref++;
		return v->s;
	case V_EMPTY:
		return vs_new("", 0);
	case V_NUM:
		g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, v->n);
		return vs_new(buf, strlen(buf));
	default:
		return NULL;
	}
}

/* --- recording -------------------------------------------------------------- */

/* Record v when it is a folded or document string longer than 3 characters. */
static void
note(struct ctx *c, const struct val *v)
{
	if (c->stop || v->k != V_STR || (v->fl & (F_FOLD | F_EXTRA)) == 0)
		return;
	if (u8_chars(v->s->b, v->s->len) <= 3)
		return;
	if (!deob_add(c->r, c->lim, v->s->b, v->s->len,
	    (v->fl & F_EXTRA) != 0 ? HOW_EXTRA : HOW_FOLD))
		c->stop = true;
}

/* --- the tokenizer ---------------------------------------------------------- */

/* The name record of index i. */
static struct name *
name_at(struct ctx *c, uint32_t i)
{
	return g_ptr_array_index(c->names, i);
}

/* The index of the name s[0..n) (an identifier), interned. */
static uint32_t
intern(struct ctx *c, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '$')
		n--;
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;	/* index 0: no name, never a variable */
	char buf[NAME_MAX_LEN + 1];
	for (size_t i = 0; i < n; i++)
		buf[i] = g_ascii_tolower(s[i]);
	buf[n] = '\0';
	gpointer p = g_hash_table_lookup(c->intern, buf);
	if (p != NULL)
		return (uint32_t)GPOINTER_TO_UINT(p) - 1;
	if (c->names->len >= NAMES_MAX)
		return 0;
	struct name *nm = g_new0(struct name, 1);
	nm->lc = g_strdup(buf);
	bool word = n <= 16;
	for (size_t i = 0; i < n && word; i++)
		word = g_ascii_isalpha(buf[i]);
	for (size_t k = 1; word && k < G_N_ELEMENTS(KW_NAME); k++)
		if (strcmp(buf, KW_NAME[k]) == 0)
			nm->kw = (enum kw)k;
	for (size_t k = 0; word && k < G_N_ELEMENTS(BUILTINS); k++)
		if (strcmp(buf, BUILTINS[k].name) == 0)
			nm->bi = BUILTINS[k].b;
	for (size_t k = 0; word && k < G_N_ELEMENTS(CONSTS); k++)
		if (strcmp(buf, CONSTS[k].name) == 0)
			nm->bc = (int)k + 1;
	g_ptr_array_add(c->names, nm);
	uint32_t idx = c->names->len - 1;
	g_hash_table_insert(c->intern, nm->lc, GUINT_TO_POINTER(idx + 1));
	return idx;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\f' || ch == '\v' || ch == '\0';
}

static bool
is_id_char(unsigned char ch)
{
	return g_ascii_isalnum(ch) || ch == '_' || ch >= 0x80;
}

/* The value of the string literal token k: quotes removed, "" as ". */
static struct vstr *
lit_value(const struct ctx *c, const struct tok *k)
{
	const char *p = c->t + k->off + 1;
	size_t n = k->len - 1;
	if (k->op == 1)	/* closed */
		n--;
	GString *g = g_string_sized_new(MIN(n, (size_t)DEOB_STR_MAX));
	for (size_t i = 0; i < n && g->len < DEOB_STR_MAX; i++) {
		g_string_append_c(g, p[i]);
		if (p[i] == '"' && i + 1 < n && p[i + 1] == '"')
			i++;
	}
	char *v = g_utf8_make_valid(g->str, (gssize)g->len);
	struct vstr *s = vs_new(v, strlen(v));
	g_free(v);
	g_string_free(g, TRUE);
	return s;
}

/* Append a token; false when the run must stop. */
static bool
emit(struct ctx *c, enum tkind kind, size_t off, size_t len, uint8_t op)
{
	if (!step(c, 1))
		return false;
	if (c->ntk >= MAX_TOKENS) {
		if (c->r->limit == NULL)
			c->r->limit = "steps";
		c->stop = true;
		return false;
	}
	if (c->ntk == c->captk) {
		c->captk = c->captk == 0 ? 1024 : c->captk * 2;
		c->tk = g_renew(struct tok, c->tk, c->captk);
	}
	struct tok *k = &c->tk[c->ntk++];
	k->off = (uint32_t)off;
	k->len = (uint32_t)MIN(len, (size_t)UINT32_MAX);
	k->kind = (uint8_t)kind;
	k->op = op;
	k->name = 0;
	if (kind == TK_ID)
		k->name = intern(c, c->t + off, len);
	return true;
}

/* The offset after the line s[i..] (at its '\n' or the end). */
static size_t
line_end(const struct ctx *c, size_t i)
{
	const char *nl = memchr(c->t + i, '\n', c->n - i);
	return nl != NULL ? (size_t)(nl - c->t) : c->n;
}

/* Pass 1: c->t into tokens; literals with "://" recorded. */
static void
tokenize(struct ctx *c)
{
	const char *t = c->t;
	size_t n = c->n, i = 0;
	bool start = true;	/* at a statement's start (for Rem) */

	while (i < n && !c->stop) {
		unsigned char ch = (unsigned char)t[i];
		if (is_blank((char)ch)) {
			i++;
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			if (c->ntk > 0 && c->tk[c->ntk - 1].kind == TK_EOS &&
			    c->tk[c->ntk - 1].op == '\n') {
				i++;
				continue;
			}
			if (!emit(c, TK_EOS, i, 1, '\n'))
				return;
			i++;
			start = true;
			continue;
		}
		if (ch == '_' && (i == 0 || is_blank(t[i - 1]))) {
			size_t j = i + 1;
			while (j < n && (is_blank(t[j]) || t[j] == '\r'))
				j++;
			if (j >= n || t[j] == '\n') {	/* a line continuation */
				i = j + 1;
				continue;
			}
		}
		if (ch == '\'') {
			i = line_end(c, i);
			continue;
		}
		size_t j = i + 1;
		if (ch == '"') {
			uint8_t closed = 0;
			while (j < n && t[j] != '\n' && t[j] != '\r') {
				if (t[j] == '"') {
					if (j + 1 < n && t[j + 1] == '"') {
						j += 2;
						continue;
					}
					closed = 1;
					j++;
					break;
				}
				j++;
			}
			if (!emit(c, TK_STR, i, j - i, closed))
				return;
			const struct tok *k = &c->tk[c->ntk - 1];
			if (g_strstr_len(t + i, (gssize)(j - i), "://") != NULL) {
				struct vstr *s = lit_value(c, k);
				if (!deob_add(c->r, c->lim, s->b, s->len, HOW_LIT))
					c->stop = true;
				vs_unref(s);
			}
		} else if (g_ascii_isdigit(ch) || (ch == '.' && i + 1 < n && g_ascii_isdigit(t[i + 1]))) {
			while (j < n && (g_ascii_isalnum(t[j]) || t[j] == '.'))
				j++;
			if (j < n && strchr("%&!#@", t[j]) != NULL && t[j] != '\0')
				j++;
			if (!emit(c, TK_NUM, i, j - i, 0))
				return;
		} else if (ch == '&' && j + 1 < n && (t[j] == 'h' || t[j] == 'H') &&
		    g_ascii_isxdigit(t[j + 1])) {
			j++;
			while (j < n && g_ascii_isxdigit(t[j]))
				j++;
			if (j < n && (t[j] == '&' || t[j] == '%'))
				j++;
			if (!emit(c, TK_NUM, i, j - i, 0))
				return;
		} else if (ch == '&' && j + 1 < n && (t[j] == 'o' || t[j] == 'O') &&
		    t[j + 1] >= '0' && t[j + 1] <= '7') {
			j++;
			while (j < n && t[j] >= '0' && t[j] <= '7')
				j++;
			if (j < n && (t[j] == '&' || t[j] == '%'))
				j++;
			if (!emit(c, TK_NUM, i, j - i, 0))
				return;
		} else if (g_ascii_isalpha(ch) || ch >= 0x80) {
			while (j < n && is_id_char((unsigned char)t[j]))
				j++;
			if (j < n && t[j] == '$')
				j++;
			if (start && j - i == 3 && g_ascii_strncasecmp(t + i, "rem", 3) == 0) {
				i = line_end(c, j);
				continue;
			}
			if (!emit(c, TK_ID, i, j - i, 0))
				return;
		} else if (ch == ':') {
			if (j < n && t[j] == '=') {
				if (!emit(c, TK_OP, i, 2, OP_NAMED))
					return;
				j++;
			} else {
				if (!emit(c, TK_EOS, i, 1, ':'))
					return;
				i = j;
				start = true;
				continue;
			}
		} else if (ch == '[') {	/* [bracketed identifier] */
			while (j < n && t[j] != ']' && t[j] != '\n')
				j++;
			if (j < n && t[j] == ']')
				j++;
			if (!emit(c, TK_ID, i, j - i, 0))
				return;
		} else {
			uint8_t op = ch;
			if (ch == '<' && j < n && t[j] == '=')
				op = OP_LE;
			else if (ch == '>' && j < n && t[j] == '=')
				op = OP_GE;
			else if (ch == '<' && j < n && t[j] == '>')
				op = OP_NE;
			if (op != ch)
				j++;
			if (!emit(c, TK_OP, i, j - i, op))
				return;
		}
		start = false;
		i = j;
	}
}

/* --- token access ----------------------------------------------------------- */

/* The parser's current token, or NULL at the end of the range. */
static const struct tok *
cur(const struct ctx *c)
{
	return c->pos < c->end ? &c->tk[c->pos] : NULL;
}

static void
adv(struct ctx *c)
{
	if (c->pos < c->end) {
		c->pos++;
		step(c, 1);
	}
}

static bool
is_op(const struct tok *k, uint8_t op)
{
	return k != NULL && k->kind == TK_OP && k->op == op;
}

static bool
is_kw(const struct ctx *c, const struct tok *k, enum kw kw)
{
	return k != NULL && k->kind == TK_ID && name_at((struct ctx *)c, k->name)->kw == kw;
}

/* The keyword of token i (K_NONE when not an identifier or out of range). */
static enum kw
kw_at(struct ctx *c, size_t i, size_t e)
{
	if (i >= e || c->tk[i].kind != TK_ID)
		return K_NONE;
	return name_at(c, c->tk[i].name)->kw;
}

/* The value of the number token k. */
static bool
num_value(const struct ctx *c, const struct tok *k, int64_t *out)
{
	const char *s = c->t + k->off;
	size_t n = k->len;
	if (n >= 2 && s[0] == '&') {
		bool lng = s[n - 1] == '&';
		if (s[n - 1] == '&' || s[n - 1] == '%')
			n--;
		unsigned base = s[1] == 'h' || s[1] == 'H' ? 16 : 8;
		uint64_t v = 0;
		if (n - 2 > (base == 16 ? 8u : 11u))
			return false;
		for (size_t i = 2; i < n; i++)
			v = v * base + (unsigned)g_ascii_xdigit_value(s[i]);
		if (v > 0xFFFFFFFFu)
			return false;
		if (!lng && v <= 0xFFFF)
			*out = v > 0x7FFF ? (int64_t)v - 65536 : (int64_t)v;
		else
			*out = v > 0x7FFFFFFF ? (int64_t)v - 4294967296LL : (int64_t)v;
		return true;
	}
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n && g_ascii_isdigit(s[i]); i++) {
		if (v > (uint64_t)INT64_MAX / 10)
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	if (i < n && s[i] == '.') {	/* only .000 */
		for (i++; i < n && s[i] == '0'; i++)
			;
	}
	if (i < n && strchr("%&!#@", s[i]) != NULL)
		i++;
	if (i != n)
		return false;
	*out = (int64_t)v;
	return true;
}

/* --- builtins --------------------------------------------------------------- */

/* The UTF-8 of Chr(n), n in 0..255, into buf; its length (0: none). */
static size_t
chr_ansi(struct ctx *c, int64_t n, char *buf)
{
	if (n < 128) {
		buf[0] = (char)n;
		return 1;
	}
	unsigned i = (unsigned)n - 128;
	if (c->cplen[i] == 0) {
		if (!c->cd_tried) {
			c->cd_tried = true;
			c->cd = g_iconv_open("UTF-8", "WINDOWS-1252");
		}
		char in = (char)n;
		gsize w = 0;
		gchar *o = NULL;
		if (c->cd != (GIConv)-1)
			o = g_convert_with_iconv(&in, 1, c->cd, NULL, &w, NULL);
		if (o == NULL || w == 0 || w > 4) {
			w = (gsize)g_unichar_to_utf8((gunichar)n, c->cp[i]);
		} else {
			memcpy(c->cp[i], o, w);
		}
		g_free(o);
		c->cplen[i] = (uint8_t)w;
	}
	memcpy(buf, c->cp[i], c->cplen[i]);
	return c->cplen[i];
}

/* The UTF-8 of a character code (Chr for 0..255 as Windows-1252), or 0. */
static size_t
chr_utf8(struct ctx *c, int64_t n, bool wide, char *buf)
{
	if (wide && n < 0 && n >= -32768)
		n += 65536;
	if (n < 0 || n > 0xFFFF || (n >= 0xD800 && n <= 0xDFFF))
		return 0;
	if (!wide && n < 256)
		return chr_ansi(c, n, buf);
	return (size_t)g_unichar_to_utf8((gunichar)n, buf);
}

/* s with ASCII letters in lower (up = false) or upper case. */
static struct vstr *
ascii_case(const struct vstr *s, bool up)
{
	struct vstr *o = vs_new(s->b, s->len);
	for (size_t i = 0; i < o->len; i++)
		o->b[i] = up ? g_ascii_toupper(o->b[i]) : g_ascii_tolower(o->b[i]);
	return o;
}

/* Val(): the leading number of s (0 when none); false for a fraction. */
static bool
vba_val(const struct vstr *s, int64_t *out)
{
	size_t i = 0, n = s->len;
	const char *p = s->b;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i + 1 < n && p[i] == '&' && (p[i + 1] == 'h' || p[i + 1] == 'H' ||
	    p[i + 1] == 'o' || p[i + 1] == 'O')) {
		unsigned base = p[i + 1] == 'h' || p[i + 1] == 'H' ? 16 : 8;
		uint64_t v = 0;
		size_t k = 0;
		for (i += 2; i < n; i++, k++) {
			int d = g_ascii_xdigit_value(p[i]);
			if (d < 0 || (unsigned)d >= base)
				break;
			if (k >= (base == 16 ? 8u : 11u))
				return false;
			v = v * base + (unsigned)d;
		}
		if (v > 0xFFFFFFFFu)
			return false;
		*out = v <= 0xFFFF ? (v > 0x7FFF ? (int64_t)v - 65536 : (int64_t)v) :
		    (v > 0x7FFFFFFF ? (int64_t)v - 4294967296LL : (int64_t)v);
		return true;
	}
	bool neg = false;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	uint64_t v = 0;
	for (; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t')
			continue;
		if (!g_ascii_isdigit(p[i]))
			break;
		if (v > (uint64_t)INT64_MAX / 10)
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E' || p[i] == 'd' || p[i] == 'D') &&
	    i + 1 < n && g_ascii_isdigit(p[i + 1]))
		return false;
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* Replace(s, f, r): every f (non-empty) from the left. */
static struct vstr *
vba_replace(struct ctx *c, const struct vstr *s, const struct vstr *f, const struct vstr *r)
{
	if (f->len == 0)
		return vs_new(s->b, s->len);
	struct vstr *o = vs_alloc(MIN(s->len, (size_t)DEOB_STR_MAX));
	size_t i = 0;
	while (i < s->len && !c->stop) {
		const char *hit = g_strstr_len(s->b + i, (gssize)(s->len - i), f->b);
		/* g_strstr_len stops at a NUL: look past it by hand */
		if (hit == NULL && memchr(s->b + i, '\0', s->len - i) != NULL) {
			hit = NULL;
			for (size_t k = i; k + f->len <= s->len; k++)
				if (memcmp(s->b + k, f->b, f->len) == 0) {
					hit = s->b + k;
					break;
				}
		}
		size_t to = hit != NULL ? (size_t)(hit - s->b) : s->len;
		vs_append(&o, s->b + i, to - i);
		if (hit == NULL)
			break;
		vs_append(&o, r->b, r->len);
		if (!step_bytes(c, r->len + (to - i)))
			break;
		i = to + f->len;
	}
	return o;
}

/* A new array of n elements (Empty) from index lo. */
static struct varr *
arr_new(int64_t lo, size_t n)
{
	struct varr *a = g_new0(struct varr, 1);
	a->ref = 1;
	a->lo = lo;
	a->n = n;
	a->v = g_new0(struct val, MAX(n, 1));
	for (size_t i = 0; i < n; i++)
		a->v[i].k = V_EMPTY;
	return a;
}

/* Split(s, d). */
static struct varr *
vba_split(struct ctx *c, const struct vstr *s, const struct vstr *d)
{
	GPtrArray *parts = g_ptr_array_new();
	if (s->len > 0) {
		size_t i = 0;
		while (parts->len < ARR_MAX && !c->stop) {
			size_t to = s->len;
			if (d->len > 0)
				for (size_t k = i; k + d->len <= s->len; k++)
					if (memcmp(s->b + k, d->b, d->len) == 0) {
						to = k;
						break;
					}
			g_ptr_array_add(parts, vs_new(s->b + i, to - i));
			step_bytes(c, to - i);
			if (to >= s->len)
				break;
			i = to + d->len;
		}
	}
	struct varr *a = arr_new(0, parts->len);
	for (guint k = 0; k < parts->len; k++)
		val_str(&a->v[k], parts->pdata[k], F_FOLD);
	g_ptr_array_free(parts, TRUE);
	return a;
}

/* The integer argument i, false when missing or not a number. */
static bool
arg_int(const struct val *a, size_t n, size_t i, int64_t *v)
{
	return i < n && to_int(&a[i], v);
}

/* Call builtin b with a[0..n); out unknown when it cannot. */
static void
call_builtin(struct ctx *c, enum bi b, struct val *a, size_t n, struct val *out)
{
	unsigned fl = F_FOLD;
	for (size_t i = 0; i < n; i++)
		fl |= a[i].fl & F_EXTRA;
	memset(out, 0, sizeof(*out));
	int64_t x, y;
	char buf[40];
	struct vstr *s = NULL, *s2 = NULL, *s3 = NULL;

	if (b != B_ARRAY && n > 0 && n <= 3)	/* the first argument as a string */
		s = to_str(&a[0]);
	switch (b) {
	case B_CHR:
	case B_CHRW:
		if (n == 1 && to_int(&a[0], &x)) {
			size_t k = chr_utf8(c, x, b == B_CHRW, buf);
			if (k > 0 || x == 0) {
				if (x == 0)
					k = 1, buf[0] = '\0';
				val_str(out, vs_new(buf, k), fl);
			}
		}
		break;
	case B_ASC:
		if (n == 1 && s != NULL && s->len > 0) {
			gunichar u = g_utf8_get_char_validated(s->b, (gssize)s->len);
			if (u < 0x110000)
				val_num(out, u, fl);
		}
		break;
	case B_STRREVERSE:
		if (n == 1 && s != NULL && step_bytes(c, s->len)) {
			struct vstr *o = vs_alloc(s->len);
			size_t i = s->len;
			while (i > 0) {
				size_t k = i - 1;
				while (k > 0 && ((unsigned char)s->b[k] & 0xC0) == 0x80)
					k--;
				vs_append(&o, s->b + k, i - k);
				i = k;
			}
			val_str(out, o, fl);
		}
		break;
	case B_REPLACE:
		if (n == 3 && s != NULL && (s2 = to_str(&a[1])) != NULL &&
		    (s3 = to_str(&a[2])) != NULL)
			val_str(out, vba_replace(c, s, s2, s3), fl);
		break;
	case B_MID:
		if ((n == 2 || n == 3) && s != NULL && arg_int(a, n, 1, &x) && x >= 1) {
			size_t chars = u8_chars(s->b, s->len);
			if (n == 3 && (!arg_int(a, n, 2, &y) || y < 0))
				break;
			if (n == 2)
				y = (int64_t)chars;
			size_t from = u8_off(s->b, s->len, (size_t)MIN((uint64_t)x - 1, chars));
			size_t to = u8_off(s->b + from, s->len - from, (size_t)MIN((uint64_t)y, chars));
			if (step_bytes(c, to))
				val_str(out, vs_new(s->b + from, to), fl);
		}
		break;
	case B_LEFT:
	case B_RIGHT:
		if (n == 2 && s != NULL && arg_int(a, n, 1, &x) && x >= 0 && step_bytes(c, s->len)) {
			size_t chars = u8_chars(s->b, s->len);
			size_t k = (size_t)MIN((uint64_t)x, chars);
			if (b == B_LEFT) {
				val_str(out, vs_new(s->b, u8_off(s->b, s->len, k)), fl);
			} else {
				size_t from = u8_off(s->b, s->len, chars - k);
				val_str(out, vs_new(s->b + from, s->len - from), fl);
			}
		}
		break;
	case B_LCASE:
	case B_UCASE:
		if (n == 1 && s != NULL && step_bytes(c, s->len))
			val_str(out, ascii_case(s, b == B_UCASE), fl);
		break;
	case B_TRIM:
	case B_LTRIM:
	case B_RTRIM:
		if (n == 1 && s != NULL && step_bytes(c, s->len)) {
			size_t i = 0, e = s->len;
			if (b != B_RTRIM)
				while (i < e && s->b[i] == ' ')
					i++;
			if (b != B_LTRIM)
				while (e > i && s->b[e - 1] == ' ')
					e--;
			val_str(out, vs_new(s->b + i, e - i), fl);
		}
		break;
	case B_LEN:
		if (n == 1 && (a[0].k == V_STR || a[0].k == V_EMPTY))
			val_num(out, (int64_t)(a[0].k == V_STR ? u8_chars(s->b, s->len) : 0), fl);
		break;
	case B_SPLIT:
		if ((n == 1 || n == 2) && s != NULL) {
			struct vstr *d = n == 2 ? to_str(&a[1]) : vs_new(" ", 1);
			if (d != NULL) {
				memset(out, 0, sizeof(*out));
				out->k = V_ARR;
				out->fl = (uint8_t)fl;
				out->a = vba_split(c, s, d);
				vs_unref(d);
			}
		}
		break;
	case B_JOIN:
		if ((n == 1 || n == 2) && a[0].k == V_ARR) {
			struct vstr *d = n == 2 ? to_str(&a[1]) : vs_new(" ", 1);
			if (d == NULL)
				break;
			struct vstr *o = vs_alloc(64);
			bool ok = true;
			for (size_t i = 0; i < a[0].a->n && ok && !c->stop; i++) {
				struct vstr *e = to_str(&a[0].a->v[i]);
				if (e == NULL) {
					ok = false;
					break;
				}
				fl |= a[0].a->v[i].fl & F_EXTRA;
				if (i > 0)
					vs_append(&o, d->b, d->len);
				vs_append(&o, e->b, e->len);
				step_bytes(c, e->len + d->len);
				vs_unref(e);
			}
			vs_unref(d);
			if (ok && !c->stop)
				val_str(out, o, fl);
			else
				vs_unref(o);
		}
		break;
	case B_ARRAY:
		if (n <= ARR_MAX) {
			struct varr *arr = arr_new(0, n);
			for (size_t i = 0; i < n; i++)
				val_move(&arr->v[i], &a[i]);
			out->k = V_ARR;
			out->fl = (uint8_t)fl;
			out->a = arr;
		}
		break;
	case B_HEX:
	case B_OCT:
		if (n == 1 && to_int(&a[0], &x) && x >= 0) {
			g_snprintf(buf, sizeof(buf), b == B_HEX ? "%" G_GINT64_MODIFIER "X" :
			    "%" G_GINT64_MODIFIER "o", x);
			val_str(out, vs_new(buf, strlen(buf)), fl);
		}
		break;
	case B_VAL:
		if (n == 1 && s != NULL && vba_val(s, &x))
			val_num(out, x, fl);
		break;
	case B_CSTR:
		if (n == 1 && s != NULL)
			val_str(out, vs_new(s->b, s->len), fl);
		break;
	case B_CINT:
		if (n == 1 && to_int(&a[0], &x))
			val_num(out, x, fl);
		break;
	case B_ABS:
		if (n == 1 && to_int(&a[0], &x) && x != INT64_MIN)
			val_num(out, x < 0 ? -x : x, fl);
		break;
	case B_SPACE:
	case B_STRING: {
		size_t k = 0;
		if (b == B_SPACE && n == 1 && arg_int(a, n, 0, &x) && x >= 0) {
			buf[0] = ' ';
			k = 1;
		} else if (b == B_STRING && n == 2 && arg_int(a, n, 0, &x) && x >= 0) {
			if (a[1].k == V_STR && a[1].s->len > 0)
				k = u8_off(a[1].s->b, a[1].s->len, 1), memcpy(buf, a[1].s->b, k);
			else if (a[1].k == V_NUM)
				k = a[1].n == 0 ? (buf[0] = '\0', 1) : chr_utf8(c, a[1].n, false, buf);
		}
		if (k == 0)
			break;
		uint64_t total = MIN((uint64_t)x, (uint64_t)DEOB_STR_MAX / k);
		if (!step_bytes(c, (size_t)total * k))
			break;
		struct vstr *o = vs_alloc((size_t)total * k);
		for (uint64_t i = 0; i < total; i++)
			vs_append(&o, buf, k);
		val_str(out, o, fl);
		break;
	}
	case B_STRCONV:
		if (n == 2 && s != NULL && arg_int(a, n, 1, &x) && step_bytes(c, s->len)) {
			if (x == 64 || x == 128)
				val_str(out, vs_new(s->b, s->len), fl);
			else if (x == 1 || x == 2)
				val_str(out, ascii_case(s, x == 1), fl);
		}
		break;
	case B_LBOUND:
	case B_UBOUND:
		if ((n == 1 || (n == 2 && arg_int(a, n, 1, &x) && x == 1)) && a[0].k == V_ARR)
			val_num(out, b == B_LBOUND ? a[0].a->lo :
			    a[0].a->lo + (int64_t)a[0].a->n - 1, fl);
		break;
	case B_NONE:
		break;
	}
	vs_unref(s);
	vs_unref(s2);
	vs_unref(s3);
}

/* --- expressions ------------------------------------------------------------ */

enum prec {
	P_IMP = 1, P_EQV, P_XOR, P_OR, P_AND, P_NOT, P_CMP, P_CAT, P_ADD, P_MOD, P_IDIV,
	P_MUL, P_NEG, P_POW
};

static void expr(struct ctx *c, int minp, struct val *out);

/* A growing list of argument values. */
struct args {
	struct val *v;
	size_t n, cap;
	bool missing;		/* an empty argument (f(a, , b)) */
};

static void
args_clear(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		val_clear(&a->v[i]);
	g_free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Record each known argument (their consumer is unknown). */
static void
args_note(struct ctx *c, const struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		note(c, &a->v[i]);
}

/* Parse one argument (`name := expr` allowed) and add it. */
static void
arg_one(struct ctx *c, struct args *a)
{
	const struct tok *k = cur(c);
	if (k != NULL && k->kind == TK_ID && c->pos + 1 < c->end &&
	    is_op(&c->tk[c->pos + 1], OP_NAMED)) {
		adv(c);
		adv(c);
	}
	struct val v;
	k = cur(c);
	if (k == NULL || is_op(k, ',') || is_op(k, ')') || k->kind == TK_EOS) {
		memset(&v, 0, sizeof(v));
		a->missing = true;
	} else {
		expr(c, 0, &v);
	}
	if (a->n >= ARR_MAX) {
		val_clear(&v);
		a->missing = true;
		return;
	}
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 4 : a->cap * 2;
		a->v = g_renew(struct val, a->v, a->cap);
	}
	a->v[a->n++] = v;
}

/* '(' args ')' at the current token (which is '('). */
static void
paren_args(struct ctx *c, struct args *a)
{
	memset(a, 0, sizeof(*a));
	if (!nest_in(c))
		return;
	adv(c);
	if (!is_op(cur(c), ')')) {
		for (;;) {
			arg_one(c, a);
			if (c->stop || c->bail || !is_op(cur(c), ','))
				break;
			adv(c);
		}
	}
	if (is_op(cur(c), ')'))
		adv(c);
	c->nest--;
}

/* A string constant's value into out. */
static void
builtin_const(int bc, struct val *out)
{
	if (CONSTS[bc - 1].s != NULL)
		val_str(out, vs_new(CONSTS[bc - 1].s, CONSTS[bc - 1].slen), F_FOLD);
	else
		val_num(out, CONSTS[bc - 1].n, F_FOLD);
}

/* The expression of tokens [b, e) with env, nested one level. */
static void
eval_range(struct ctx *c, uint32_t b, uint32_t e, const struct env *env, struct val *out)
{
	memset(out, 0, sizeof(*out));
	if (!nest_in(c))
		return;
	size_t pos = c->pos, end = c->end;
	const struct env *old = c->env;
	c->pos = b;
	c->end = e;
	c->env = env;
	expr(c, 0, out);
	c->pos = pos;
	c->end = end;
	c->env = old;
	c->nest--;
}

/* The value of variable nm (a constant computed now if needed). */
static void
var_read(struct ctx *c, struct name *nm, struct val *out)
{
	memset(out, 0, sizeof(*out));
	if (nm->cls == C_SEQ) {
		val_copy(out, &nm->v);
		return;
	}
	if (nm->cls != C_CONST)
		return;
	if (nm->state == 0) {
		nm->state = 1;
		struct val v;
		eval_range(c, nm->rhs_b, nm->rhs_e, NULL, &v);
		val_move(&nm->v, &v);
		nm->state = 2;
	}
	if (nm->state == 2)
		val_copy(out, &nm->v);
}

/* Call the user Function fn with args a: its expression with them bound. */
static void
call_user(struct ctx *c, const struct ufunc *fn, struct args *a, struct val *out)
{
	memset(out, 0, sizeof(*out));
	if (!fn->ok || a->n != fn->np || a->missing)
		return;
	struct env env = { fn, a->v };
	eval_range(c, fn->rhs_b, fn->rhs_e, &env, out);
	if (out->k == V_STR)
		out->fl |= F_FOLD;
}

/* Index a known array with args a. */
static void
index_arr(const struct val *arr, const struct args *a, struct val *out)
{
	int64_t i;
	memset(out, 0, sizeof(*out));
	if (a->n != 1 || !to_int(&a->v[0], &i) || i < arr->a->lo ||
	    i - arr->a->lo >= (int64_t)arr->a->n)
		return;
	val_copy(out, &arr->a->v[i - arr->a->lo]);
}

/* Append the normal form of args a to key; false when one is not a
 * string or a number. */
static bool
key_args(GString *key, const struct args *a)
{
	g_string_append_c(key, '(');
	for (size_t i = 0; i < a->n; i++) {
		if (i > 0)
			g_string_append_c(key, ',');
		if (a->v[i].k == V_STR) {
			g_string_append_c(key, '"');
			g_string_append_len(key, a->v[i].s->b, (gssize)a->v[i].s->len);
			g_string_append_c(key, '"');
		} else if (a->v[i].k == V_NUM) {
			g_string_append_printf(key, "%" G_GINT64_FORMAT, a->v[i].n);
		} else {
			return false;
		}
	}
	g_string_append_c(key, ')');
	return key->len <= KEY_MAX;
}

/* The document string of key in c->extra, into out. */
static void
extra_lookup(struct ctx *c, GString *key, struct val *out)
{
	char *lc = g_ascii_strdown(key->str, (gssize)key->len);
	const char *v = g_hash_table_lookup(c->extra, lc);
	if (v == NULL && !g_str_has_suffix(lc, ".value")) {
		char *k2 = g_strconcat(lc, ".value", NULL);
		v = g_hash_table_lookup(c->extra, k2);
		g_free(k2);
	}
	g_free(lc);
	if (v != NULL) {
		char *m = g_utf8_make_valid(v, -1);
		val_str(out, vs_new(m, strlen(m)), F_FOLD | F_EXTRA);
		g_free(m);
	}
}

/* What a name stands for at the head of a chain. */
enum head { H_VALUE, H_BUILTIN, H_USER, H_FREE };

/*
 * A name or a member chain: head (. name | (args))*.  *last_paren gets the
 * token of the last '(' when the chain ends with an argument list (for a
 * call statement), else NONE.
 */
static void
chain(struct ctx *c, struct val *out, size_t *last_paren)
{
	struct val v;
	memset(&v, 0, sizeof(v));
	memset(out, 0, sizeof(*out));
	GString *key = c->extra != NULL ? g_string_new(NULL) : NULL;
	bool keyok = key != NULL;
	enum head head = H_FREE;
	struct name *nm = NULL;
	if (last_paren != NULL)
		*last_paren = NONE;

	const struct tok *k = cur(c);
	if (k->kind == TK_ID) {
		nm = name_at(c, k->name);
		adv(c);
		bool bound = false;
		if (c->env != NULL)
			for (unsigned i = 0; i < c->env->fn->np; i++)
				if (c->env->fn->params[i] == k->name) {
					val_copy(&v, &c->env->a[i]);
					bound = true;
					break;
				}
		if (bound) {
			head = H_VALUE;
		} else if (nm->cls != C_NONE) {
			var_read(c, nm, &v);
			head = H_VALUE;
		} else if (nm->fn != NULL) {
			head = H_USER;
		} else if (nm->bi != B_NONE) {
			head = H_BUILTIN;
		} else if (nm->bc != 0) {
			builtin_const(nm->bc, &v);
			head = H_VALUE;
		} else if (nm->kw == K_TRUE || nm->kw == K_FALSE) {
			val_num(&v, nm->kw == K_TRUE ? -1 : 0, F_FOLD);
			head = H_VALUE;
		} else if (nm->kw == K_EMPTY) {
			v.k = V_EMPTY;
			head = H_VALUE;
		}
		if (keyok)
			g_string_append(key, nm->lc);
		if (nm->lc[0] == '\0' || nm->kw != K_NONE)
			keyok = false;
	} else {
		keyok = false;	/* .member inside With */
	}

	bool pending = head == H_BUILTIN || head == H_USER;
	while (!c->stop && !c->bail) {
		k = cur(c);
		if (is_op(k, '(')) {
			size_t at = c->pos;
			struct args a;
			paren_args(c, &a);
			struct val r;
			memset(&r, 0, sizeof(r));
			if (pending && head == H_BUILTIN)
				call_builtin(c, nm->bi, a.v, a.n, &r);
			else if (pending && head == H_USER)
				call_user(c, nm->fn, &a, &r);
			else if (v.k == V_ARR)
				index_arr(&v, &a, &r);
			if (r.k == V_UNK)
				args_note(c, &a);
			if (keyok)
				keyok = key_args(key, &a);
			args_clear(&a);
			val_move(&v, &r);
			if (pending || head != H_FREE)
				head = H_VALUE;	/* a call of an unknown member stays free */
			pending = false;
			if (last_paren != NULL)
				*last_paren = at;
			continue;
		}
		if ((is_op(k, '.') || is_op(k, '!')) && c->pos + 1 < c->end &&
		    c->tk[c->pos + 1].kind == TK_ID) {
			adv(c);
			const struct name *m = name_at(c, cur(c)->name);
			adv(c);
			if (keyok) {
				g_string_append_c(key, '.');
				g_string_append(key, m->lc);
				keyok = m->lc[0] != '\0' && key->len <= KEY_MAX;
			}
			if (pending && head == H_USER) {
				struct args none = { 0 };
				struct val r;
				call_user(c, nm->fn, &none, &r);
				val_clear(&r);
			}
			pending = false;
			head = head == H_FREE ? H_FREE : H_VALUE;
			val_clear(&v);	/* a member of an object: unknown */
			if (last_paren != NULL)
				*last_paren = NONE;
			continue;
		}
		break;
	}
	if (pending && head == H_USER && !c->stop && !c->bail) {
		struct args none = { 0 };
		call_user(c, nm->fn, &none, &v);
	}
	if (v.k == V_UNK && head == H_FREE && keyok && !c->bail)
		extra_lookup(c, key, &v);
	if (key != NULL)
		g_string_free(key, TRUE);
	*out = v;
}

/* A primary: a literal, a number, ( expr ), a name or chain. */
static void
primary(struct ctx *c, struct val *out)
{
	memset(out, 0, sizeof(*out));
	const struct tok *k = cur(c);
	if (k == NULL || c->stop || c->bail)
		return;
	switch (k->kind) {
	case TK_STR: {
		struct vstr *s = lit_value(c, k);
		step_bytes(c, s->len);
		val_str(out, s, 0);
		adv(c);
		return;
	}
	case TK_NUM: {
		int64_t n;
		if (num_value(c, k, &n))
			val_num(out, n, 0);
		adv(c);
		return;
	}
	case TK_ID:
		switch (name_at(c, k->name)->kw) {
		case K_TO: case K_STEP: case K_THEN: case K_ELSE: case K_EACH: case K_IN:
		case K_AS: case K_AND: case K_OR: case K_XOR: case K_EQV: case K_IMP:
		case K_MOD: case K_IS: case K_LIKE:
			return;
		case K_NEW:
			adv(c);
			if (cur(c) != NULL && cur(c)->kind == TK_ID) {
				chain(c, out, NULL);
				val_clear(out);
			}
			return;
		case K_NOTHING: case K_NULL:
			adv(c);
			return;
		default:
			chain(c, out, NULL);
			return;
		}
	case TK_OP:
		if (k->op == '(') {
			if (!nest_in(c))
				return;
			adv(c);
			expr(c, 0, out);
			if (is_op(cur(c), ')'))
				adv(c);
			c->nest--;
			return;
		}
		if (k->op == '.' && c->pos + 1 < c->end && c->tk[c->pos + 1].kind == TK_ID) {
			chain(c, out, NULL);
			return;
		}
		if (k->op == '#')	/* a date or a file number */
			adv(c);
		return;
	default:
		return;
	}
}

/* The binary operator at the current token and its precedence (0: none). */
static int
binop(struct ctx *c, int *op)
{
	const struct tok *k = cur(c);
	if (k == NULL)
		return 0;
	if (k->kind == TK_OP) {
		*op = k->op;
		switch (k->op) {
		case '^': return P_POW;
		case '*': case '/': return P_MUL;
		case '\\': return P_IDIV;
		case '+': case '-': return P_ADD;
		case '&': return P_CAT;
		case '=': case '<': case '>': case OP_LE: case OP_GE: case OP_NE: return P_CMP;
		default: return 0;
		}
	}
	if (k->kind != TK_ID)
		return 0;
	enum kw kw = name_at(c, k->name)->kw;
	*op = -(int)kw;
	switch (kw) {
	case K_MOD: return P_MOD;
	case K_AND: return P_AND;
	case K_OR: return P_OR;
	case K_XOR: return P_XOR;
	case K_EQV: return P_EQV;
	case K_IMP: return P_IMP;
	case K_IS: case K_LIKE: return P_CMP;
	default: return 0;
	}
}

/* a & b (or a + b on two strings) into out. */
static void
concat(struct ctx *c, const struct val *a, const struct val *b, struct val *out)
{
	memset(out, 0, sizeof(*out));
	struct vstr *x = to_str(a), *y = to_str(b);
	if (x != NULL && y != NULL && step_bytes(c, x->len + y->len)) {
		struct vstr *o;
		if (x->ref == 1 && a->k != V_STR) {	/* a fresh conversion: reuse */
			o = x;
			x = NULL;
		} else {
			o = vs_alloc(MIN(x->len + y->len, (size_t)DEOB_STR_MAX));
			vs_append(&o, x->b, x->len);
		}
		vs_append(&o, y->b, y->len);
		val_str(out, o, fl_of(a, b));
	}
	vs_unref(x);
	vs_unref(y);
}

/* Apply the binary operator op to a and b (both cleared) into out. */
static void
apply(struct ctx *c, int op, struct val *a, struct val *b, struct val *out)
{
	int64_t x, y, r = 0;
	bool ok = false;
	memset(out, 0, sizeof(*out));
	if (op == '&') {
		concat(c, a, b, out);
	} else if (op == '+' && (a->k == V_STR || b->k == V_STR)) {
		if ((a->k == V_STR || a->k == V_EMPTY) && (b->k == V_STR || b->k == V_EMPTY))
			concat(c, a, b, out);
	} else if (to_int(a, &x) && to_int(b, &y) && a->k != V_STR && b->k != V_STR) {
		step(c, 1);
		switch (op) {
		case '+': ok = !__builtin_add_overflow(x, y, &r); break;
		case '-': ok = !__builtin_sub_overflow(x, y, &r); break;
		case '*': ok = !__builtin_mul_overflow(x, y, &r); break;
		case '\\':
		case -K_MOD:
			if (y != 0 && !(x == INT64_MIN && y == -1)) {
				r = op == '\\' ? x / y : x % y;
				ok = true;
			}
			break;
		case '/':
			if (y != 0 && !(x == INT64_MIN && y == -1) && x % y == 0) {
				r = x / y;
				ok = true;
			}
			break;
		case '^':
			if (y >= 0 && y < 64) {
				r = 1;
				ok = true;
				for (int64_t i = 0; i < y && ok; i++)
					ok = !__builtin_mul_overflow(r, x, &r);
			}
			break;
		case -K_AND: r = x & y; ok = true; break;
		case -K_OR: r = x | y; ok = true; break;
		case -K_XOR: r = x ^ y; ok = true; break;
		default: break;
		}
		if (ok)
			val_num(out, r, fl_of(a, b));
	} else if ((op == '-' || op == '*' || op == '\\' || op == -K_MOD || op == -K_XOR ||
	    op == -K_AND || op == -K_OR) && to_int(a, &x) && to_int(b, &y)) {
		/* numeric strings in arithmetic: convert and retry */
		struct val na, nb;
		val_num(&na, x, a->fl);
		val_num(&nb, y, b->fl);
		apply(c, op, &na, &nb, out);
	}
	if (out->k == V_UNK) {	/* the known side of an unknown result */
		note(c, a);
		note(c, b);
	}
	val_clear(a);
	val_clear(b);
}

/* expr at precedence >= minp (precedence climbing). */
static void
expr(struct ctx *c, int minp, struct val *out)
{
	memset(out, 0, sizeof(*out));
	if (c->stop || c->bail)
		return;
	const struct tok *k = cur(c);
	if (is_op(k, '-') || is_op(k, '+')) {
		bool neg = k->op == '-';
		if (!nest_in(c))
			return;
		adv(c);
		struct val v;
		expr(c, P_POW, &v);
		c->nest--;
		int64_t x;
		if (!neg)
			val_move(out, &v);
		else if (v.k != V_STR && to_int(&v, &x) && x != INT64_MIN)
			val_num(out, -x, fl_of(&v, NULL));
		val_clear(&v);
	} else if (is_kw(c, k, K_NOT)) {
		if (!nest_in(c))
			return;
		adv(c);
		struct val v;
		expr(c, P_CMP, &v);
		c->nest--;
		int64_t x;
		if (v.k == V_NUM && to_int(&v, &x))
			val_num(out, ~x, fl_of(&v, NULL));
		val_clear(&v);
	} else {
		primary(c, out);
	}
	int op, p;
	while (!c->stop && !c->bail && (p = binop(c, &op)) >= minp && p > 0) {
		adv(c);
		struct val b, r;
		expr(c, p + 1, &b);
		if (p == P_CMP) {	/* comparisons are not evaluated */
			memset(&r, 0, sizeof(r));
			note(c, out);
			note(c, &b);
			val_clear(out);
			val_clear(&b);
		} else {
			apply(c, op, out, &b, &r);
		}
		*out = r;
	}
}

/* --- pass 2: statements and blocks ------------------------------------------ */

enum blk { BL_FOR, BL_IF, BL_SELECT, BL_DO, BL_WHILE, BL_WITH, BL_PROC, BL_TYPE };

struct blocks {
	uint8_t kind[BLOCK_MAX];
	uint8_t counted[BLOCK_MAX];	/* an If/Select counted in ncondfor */
	uint32_t st[BLOCK_MAX];
	unsigned n, nfor, nloop, ncondfor;
	bool overflow;
	struct name *fn;	/* the procedure whose name takes its return value */
	/* the current procedure's parameters: module name -> local name */
	uint32_t pfrom[PARAM_MAX * 2], pto[PARAM_MAX * 2];
	unsigned np;
};

static void
add_stmt(struct ctx *c, uint32_t b, uint32_t e, uint8_t flags)
{
	if (b >= e)
		return;
	if (c->nst == c->capst) {
		c->capst = c->capst == 0 ? 256 : c->capst * 2;
		c->st = g_renew(struct stmt, c->st, c->capst);
	}
	struct stmt *s = &c->st[c->nst++];
	memset(s, 0, sizeof(*s));
	s->b = b;
	s->e = e;
	s->match = NONE;
	s->target = NONE;
	s->x = b;
	s->flags = flags;
}

/* The tokens into statements: at EOS, after a Then, at a single-line Else. */
static void
split_stmts(struct ctx *c)
{
	uint32_t b = 0;
	bool linecond = false;
	for (uint32_t i = 0; i < c->ntk; i++) {
		const struct tok *k = &c->tk[i];
		if (k->kind == TK_EOS) {
			add_stmt(c, b, i, linecond ? SF_LINECOND : 0);
			if (k->op == '\n')
				linecond = false;
			b = i + 1;
			continue;
		}
		enum kw kw = kw_at(c, i, c->ntk);
		if (i == b && kw == K_ELSE) {	/* Else <statement> */
			b = i + 1;
			continue;
		}
		if (linecond && kw == K_ELSE) {
			add_stmt(c, b, i, SF_LINECOND);
			b = i + 1;
			continue;
		}
		enum kw first = kw_at(c, b, c->ntk);
		if (kw == K_THEN && (first == K_IF || first == K_ELSEIF)) {
			bool line = i + 1 < c->ntk && !(c->tk[i + 1].kind == TK_EOS &&
			    c->tk[i + 1].op == '\n');
			add_stmt(c, b, i, (linecond ? SF_LINECOND : 0) | (line ? SF_IFLINE : 0));
			if (line)
				linecond = true;
			b = i + 1;
		}
	}
	add_stmt(c, b, (uint32_t)c->ntk, linecond ? SF_LINECOND : 0);
}

static void
blk_push(struct blocks *bs, enum blk kind, uint32_t st)
{
	if (bs->n >= BLOCK_MAX) {
		bs->overflow = true;
		return;
	}
	bs->kind[bs->n] = (uint8_t)kind;
	bs->st[bs->n] = st;
	bs->counted[bs->n] = 0;
	if (kind == BL_FOR)
		bs->nfor++;
	else if (kind == BL_DO || kind == BL_WHILE)
		bs->nloop++;
	else if ((kind == BL_IF || kind == BL_SELECT) && bs->nfor > 0) {
		bs->ncondfor++;
		bs->counted[bs->n] = 1;
	}
	bs->n++;
}

/* Pop up to and including the innermost block of kind; its statement or NONE. */
static uint32_t
blk_pop(struct blocks *bs, enum blk kind)
{
	unsigned i = bs->n;
	while (i > 0 && bs->kind[i - 1] != kind && (bs->kind[i - 1] != BL_PROC || kind == BL_PROC))
		i--;
	if (i == 0 || bs->kind[i - 1] != kind)
		return NONE;
	uint32_t st = bs->st[i - 1];
	while (bs->n >= i) {
		unsigned j = --bs->n;
		if (bs->kind[j] == BL_FOR)
			bs->nfor--;
		else if (bs->kind[j] == BL_DO || bs->kind[j] == BL_WHILE)
			bs->nloop--;
		if (bs->counted[j])
			bs->ncondfor--;
		if (bs->kind[j] == BL_PROC) {
			bs->fn = NULL;
			bs->np = 0;
		}
		if (bs->n == 0)
			break;
	}
	return st;
}

/* The index of the first token in [i, e) at paren depth 0 that is op, or e. */
static uint32_t
find_op0(struct ctx *c, uint32_t i, uint32_t e, uint8_t op)
{
	int depth = 0;
	for (; i < e; i++) {
		const struct tok *k = &c->tk[i];
		if (depth == 0 && is_op(k, op))
			return i;
		if (is_op(k, '('))
			depth++;
		else if (is_op(k, ')') && depth > 0)
			depth--;
	}
	return e;
}

/* Mark every identifier in tokens [i, e) as unknown (bad). */
static void
mark_bad(struct ctx *c, uint32_t i, uint32_t e)
{
	for (; i < e; i++)
		if (c->tk[i].kind == TK_ID)
			name_at(c, c->tk[i].name)->bad = true;
}

/* Count an assignment of nm in the current block context. */
static void
count_assign(struct blocks *bs, struct name *nm, const struct stmt *s, bool elem, bool acc)
{
	if (bs->overflow || bs->nloop > 0 || bs->ncondfor > 0 ||
	    (bs->nfor > 0 && (s->flags & SF_LINECOND) != 0)) {
		nm->bad = true;
		return;
	}
	if (elem)
		nm->elem++;
	else if (bs->nfor == 0)
		nm->out++;
	else if (acc)
		nm->inl_acc++;
	else
		nm->inl_plain++;
}

/* A new name record local to the current procedure for parameter nm (a
 * name index), mapped in bs; NONE (and nm unknown) when there are too many. */
static uint32_t
param_local(struct ctx *c, struct blocks *bs, uint32_t nm)
{
	if (bs->np >= G_N_ELEMENTS(bs->pfrom) || c->names->len >= 2 * NAMES_MAX) {
		name_at(c, nm)->param = true;
		return NONE;
	}
	struct name *l = g_new0(struct name, 1);
	l->lc = g_strdup(name_at(c, nm)->lc);
	l->param = true;
	g_ptr_array_add(c->names, l);
	bs->pfrom[bs->np] = nm;
	bs->pto[bs->np++] = c->names->len - 1;
	return c->names->len - 1;
}

/* Tokens [b, e) that name a parameter of the current procedure: its local name. */
static void
map_params(struct ctx *c, const struct blocks *bs, uint32_t b, uint32_t e)
{
	for (uint32_t i = b; i < e && bs->np > 0; i++) {
		struct tok *k = &c->tk[i];
		if (k->kind != TK_ID || (i > b && is_op(&c->tk[i - 1], '.')))
			continue;
		for (unsigned j = 0; j < bs->np; j++)
			if (k->name == bs->pfrom[j]) {
				k->name = bs->pto[j];
				break;
			}
	}
}

/* A procedure header at token i of s: its parameters, and the block. */
static void
proc_header(struct ctx *c, struct blocks *bs, uint32_t si, uint32_t i, bool is_fn)
{
	struct stmt *s = &c->st[si];
	blk_push(bs, BL_PROC, si);
	bs->np = 0;
	s->kind = S_NONE;
	if (i >= s->e || c->tk[i].kind != TK_ID)
		return;
	struct name *nm = name_at(c, c->tk[i].name);
	struct ufunc *fn = NULL;
	if (is_fn && nm->fn == NULL && nm->lc[0] != '\0') {
		fn = nm->fn = g_new0(struct ufunc, 1);
	} else if (is_fn && nm->fn != NULL) {
		nm->fn->other = true;	/* defined twice */
	}
	bs->fn = nm;
	i++;
	if (i >= s->e || !is_op(&c->tk[i], '('))
		return;
	/* the parameters: the last identifier before each ',' or ')' at depth 1,
	 * As <type> and = <default> left out */
	int depth = 0;
	uint32_t last = NONE;
	bool after_as = false;
	for (; i < s->e; i++) {
		const struct tok *k = &c->tk[i];
		if (is_op(k, '(')) {
			depth++;
			continue;
		}
		if (is_op(k, ')') || (is_op(k, ',') && depth == 1)) {
			if (is_op(k, ')'))
				depth--;
			if (depth <= 1 && last != NONE) {
				uint32_t local = param_local(c, bs, last);
				if (fn != NULL && fn->np < PARAM_MAX && local != NONE)
					fn->params[fn->np++] = local;
				else if (fn != NULL)
					fn->other = true;
				last = NONE;
			}
			after_as = false;
			if (depth <= 0)
				break;
			continue;
		}
		if (depth == 1 && k->kind == TK_ID && !after_as) {
			enum kw kw = name_at(c, k->name)->kw;
			if (kw == K_AS)
				after_as = true;
			else if (kw != K_BYVAL && kw != K_BYREF && kw != K_OPTIONAL &&
			    kw != K_PARAMARRAY)
				last = k->name;
			if (kw == K_OPTIONAL || kw == K_PARAMARRAY)
				if (fn != NULL)
					fn->other = true;
		} else if (depth == 1 && is_op(k, '=')) {
			after_as = true;
		}
	}
}

/* The assignment target of s from token i: `name =`, `name(...) =` or a
 * member chain; its '=' token or NONE. */
static uint32_t
lhs_end(struct ctx *c, const struct stmt *s, uint32_t i)
{
	uint32_t e = s->e;
	if (i >= e || !(c->tk[i].kind == TK_ID || is_op(&c->tk[i], '.')))
		return NONE;
	if (c->tk[i].kind == TK_ID && name_at(c, c->tk[i].name)->kw != K_NONE &&
	    name_at(c, c->tk[i].name)->kw != K_EMPTY)
		return NONE;
	while (i < e) {
		const struct tok *k = &c->tk[i];
		if (k->kind == TK_ID) {
			i++;
		} else if (is_op(k, '.') || is_op(k, '!')) {
			i++;
			if (i >= e || c->tk[i].kind != TK_ID)
				return NONE;
			i++;
		} else {
			break;
		}
		if (i < e && is_op(&c->tk[i], '(')) {
			uint32_t r = find_op0(c, i + 1, e, ')');
			if (r >= e)
				return NONE;
			i = r + 1;
		}
		if (i < e && c->tk[i].kind == TK_ID)
			return NONE;
	}
	return i < e && is_op(&c->tk[i], '=') ? i : NONE;
}

/* Classify statement si (pass 2); the block context in bs. */
static void
classify1(struct ctx *c, struct blocks *bs, uint32_t si)
{
	struct stmt *s = &c->st[si];
	uint32_t i = s->b, e = s->e;
	enum kw kw = kw_at(c, i, e);

	if (c->tk[i].kind == TK_NUM) {	/* a line number */
		i++;
		kw = kw_at(c, i, e);
		s->b = i;
		if (i >= e)
			return;
	}
	if (c->tk[i].kind == TK_OP && c->tk[i].op == '#') {	/* #If ... */
		s->kind = S_NONE;
		return;
	}
	while (kw == K_PRIVATE || kw == K_PUBLIC || kw == K_GLOBAL || kw == K_FRIEND ||
	    (kw == K_STATIC && (kw_at(c, i + 1, e) == K_SUB || kw_at(c, i + 1, e) == K_FUNCTION ||
	    kw_at(c, i + 1, e) == K_PROPERTY))) {
		i++;
		kw = kw_at(c, i, e);
		if (kw == K_NONE) {	/* Private x As String */
			s->kind = S_DIM;
			s->x = i;
			return;
		}
	}
	switch (kw) {
	case K_DECLARE:
	case K_REM:
		return;
	case K_DIM:
	case K_STATIC:
		s->kind = S_DIM;
		s->x = i + 1;
		return;
	case K_REDIM:
	case K_ERASE:
	case K_INPUT:
	case K_LINE:
		mark_bad(c, i + 1, e);
		return;
	case K_CONST: {
		s->kind = S_CONST;
		s->x = i + 1;
		/* each item: name [As type] = expr */
		uint32_t j = i + 1;
		while (j < e) {
			uint32_t comma = find_op0(c, j, e, ',');
			if (c->tk[j].kind == TK_ID) {
				uint32_t eq = find_op0(c, j, comma, '=');
				struct name *nm = name_at(c, c->tk[j].name);
				if (eq < comma) {
					count_assign(bs, nm, s, false, false);
					nm->rhs_b = eq + 1;
					nm->rhs_e = comma;
				}
			}
			j = comma + 1;
		}
		return;
	}
	case K_SUB:
		proc_header(c, bs, si, i + 1, false);
		return;
	case K_FUNCTION:
		proc_header(c, bs, si, i + 1, true);
		return;
	case K_PROPERTY:
		proc_header(c, bs, si, i + 2, false);
		return;
	case K_TYPE:
	case K_ENUM:
		if (i + 1 < e && c->tk[i + 1].kind == TK_ID && kw_at(c, i + 1, e) == K_NONE)
			blk_push(bs, BL_TYPE, si);
		return;
	case K_END: {
		enum kw what = kw_at(c, i + 1, e);
		if (what == K_IF)
			blk_pop(bs, BL_IF);
		else if (what == K_SELECT)
			blk_pop(bs, BL_SELECT);
		else if (what == K_WITH)
			blk_pop(bs, BL_WITH);
		else if (what == K_SUB || what == K_FUNCTION || what == K_PROPERTY)
			blk_pop(bs, BL_PROC);
		else if (what == K_TYPE || what == K_ENUM)
			blk_pop(bs, BL_TYPE);
		return;
	}
	case K_FOR:
		if (kw_at(c, i + 1, e) == K_EACH) {
			mark_bad(c, i + 2, i + 3 < e ? i + 3 : e);
			blk_push(bs, BL_FOR, si);
			s->kind = S_FOR;
			s->flags |= SF_EACH;
			return;
		}
		s->kind = S_FOR;
		s->x = i + 1;
		if (i + 1 < e && c->tk[i + 1].kind == TK_ID) {
			struct name *nm = name_at(c, c->tk[i + 1].name);
			nm->loopvar = true;
			if (bs->nloop > 0 || bs->ncondfor > 0 || bs->overflow)
				nm->bad = true;
		}
		blk_push(bs, BL_FOR, si);
		return;
	case K_NEXT: {
		s->kind = S_NEXT;
		unsigned names = 1;
		for (uint32_t j = i + 1; j < e; j++)
			if (is_op(&c->tk[j], ','))
				names++;
		for (unsigned k = 0; k < names && k < 8; k++) {
			uint32_t f = blk_pop(bs, BL_FOR);
			if (f == NONE)
				break;
			c->st[f].match = si;
			if (s->match == NONE)
				s->match = f;
		}
		return;
	}
	case K_IF:
	case K_ELSEIF:
		s->kind = S_EVAL;
		s->x = i + 1;
		if (kw == K_IF && (s->flags & SF_IFLINE) == 0)
			blk_push(bs, BL_IF, si);
		return;
	case K_SELECT:
		s->kind = S_EVAL;
		s->x = kw_at(c, i + 1, e) == K_CASE ? i + 2 : i + 1;
		blk_push(bs, BL_SELECT, si);
		return;
	case K_CASE:
		s->kind = S_EVAL;
		s->x = i + 1;
		return;
	case K_DO:
		blk_push(bs, BL_DO, si);
		s->kind = S_EVAL;
		s->x = i + 2;
		return;
	case K_LOOP:
		blk_pop(bs, BL_DO);
		s->kind = S_EVAL;
		s->x = i + 2;
		return;
	case K_WHILE:
		blk_push(bs, BL_WHILE, si);
		s->kind = S_EVAL;
		s->x = i + 1;
		return;
	case K_WEND:
		blk_pop(bs, BL_WHILE);
		return;
	case K_WITH:
		blk_push(bs, BL_WITH, si);
		s->kind = S_EVAL;
		s->x = i + 1;
		return;
	case K_SET:
	case K_LET:
		i++;
		break;
	case K_CALL:
		s->kind = S_CALL;
		s->x = i + 1;
		return;
	case K_ELSE:
		return;
	default:
		break;
	}
	if (kw_at(c, i, e) != K_NONE && kw_at(c, i, e) != K_EMPTY)
		return;	/* another keyword: Exit, On Error, GoTo, Option, ... */

	uint32_t eq = lhs_end(c, s, i);
	if (eq == NONE) {
		s->kind = S_CALL;
		s->x = i;
		return;
	}
	s->x = eq + 1;
	if (c->tk[i].kind != TK_ID) {
		s->kind = S_MEMBER;
		return;
	}
	struct name *nm = name_at(c, c->tk[i].name);
	s->target = c->tk[i].name;
	if (eq == i + 1) {
		if (bs->fn == nm) {	/* the return value of the function */
			s->kind = S_FNRET;
			if (nm->fn != NULL) {
				nm->fn->nassign++;
				nm->fn->rhs_b = eq + 1;
				nm->fn->rhs_e = e;
			}
			return;
		}
		bool acc = eq + 2 < e && c->tk[eq + 1].kind == TK_ID &&
		    c->tk[eq + 1].name == c->tk[i].name && is_op(&c->tk[eq + 2], '&');
		s->kind = S_ASSIGN;
		if (acc)
			s->flags |= SF_ACC;
		count_assign(bs, nm, s, false, acc);
		nm->rhs_b = eq + 1;
		nm->rhs_e = e;
		return;
	}
	if (is_op(&c->tk[i + 1], '(')) {
		if (nm->bi == B_MID) {	/* Mid(s, 1, 1) = "x" changes s */
			if (i + 2 < e && c->tk[i + 2].kind == TK_ID)
				name_at(c, c->tk[i + 2].name)->bad = true;
			s->kind = S_MEMBER;
			return;
		}
		s->kind = S_ELEM;
		s->lhs = i;
		count_assign(bs, nm, s, true, false);
		return;
	}
	s->kind = S_MEMBER;
}

/* classify1, and whether a callable Function's body has another statement. */
static void
classify(struct ctx *c, struct blocks *bs, uint32_t si)
{
	struct name *fnm = bs->fn;
	map_params(c, bs, c->st[si].b, c->st[si].e);
	classify1(c, bs, si);
	const struct stmt *s = &c->st[si];
	if (fnm != NULL && fnm->fn != NULL && bs->fn == fnm && s->kind != S_FNRET &&
	    s->kind != S_DIM && s->kind != S_NONE)
		fnm->fn->other = true;
}

/* Each name's class from its assignments (see the head comment). */
static void
finish_names(struct ctx *c)
{
	for (guint i = 0; i < c->names->len; i++) {
		struct name *nm = name_at(c, i);
		enum cls k;
		if (i == 0 || nm->param || nm->bad)
			k = nm->out + nm->inl_acc + nm->inl_plain + nm->elem > 0 || nm->param ||
			    nm->loopvar ? C_UNK : C_NONE;
		else if (nm->loopvar)
			k = nm->inl_plain == 0 && nm->inl_acc == 0 && nm->out <= 1 && nm->elem == 0 ?
			    C_SEQ : C_UNK;
		else if (nm->elem > 0)
			k = nm->inl_acc == 0 && nm->inl_plain + nm->out <= 1 ? C_SEQ : C_UNK;
		else if (nm->inl_plain == 0 && nm->inl_acc == 0)
			k = nm->out == 1 ? C_CONST : nm->out == 0 ? C_NONE : C_UNK;
		else if (nm->inl_plain == 0 && nm->out <= 1)
			k = C_SEQ;
		else if (nm->inl_plain == 1 && nm->inl_acc == 0 && nm->out == 0)
			k = C_SEQ;
		else
			k = C_UNK;
		if (nm->bad && i > 0)
			k = C_UNK;
		nm->cls = k;
		if (k == C_SEQ)
			nm->v.k = V_EMPTY;
		if (nm->fn != NULL)
			nm->fn->ok = !nm->fn->other && nm->fn->nassign == 1;
	}
}

/* --- pass 3: the run ---------------------------------------------------------- */

/* Whether an assignment now is not run for real (inside an unknown loop). */
static bool
poisoned(const struct ctx *c)
{
	return c->npoison > 0 || c->poison_forever;
}

/* A constant's statement: computed unless already, and recorded. */
static void
const_stmt(struct ctx *c, struct name *nm, uint32_t b, uint32_t e)
{
	if (nm->cls == C_CONST) {
		struct val v;
		var_read(c, nm, &v);
		note(c, &v);
		val_clear(&v);
		return;
	}
	struct val v;
	eval_range(c, b, e, NULL, &v);
	if (nm->cls == C_SEQ) {
		if (poisoned(c))
			val_clear(&v);
		if (c->nfr == 0)
			note(c, &v);
		val_move(&nm->v, &v);
		return;
	}
	note(c, &v);
	val_clear(&v);
}

/* s = s & <expr>: the expression appended in place; false to take the
 * general way (s is not a string, or the expression goes on). */
static bool
accumulate(struct ctx *c, struct name *nm, const struct stmt *s)
{
	if (poisoned(c) || (nm->v.k != V_STR && nm->v.k != V_EMPTY))
		return false;
	c->pos = s->x + 2;
	c->end = s->e;
	struct val v;
	expr(c, P_CAT, &v);
	if (c->stop || c->bail || c->pos != c->end) {
		val_clear(&v);
		return false;
	}
	struct vstr *add = to_str(&v);
	if (add == NULL) {
		val_clear(&nm->v);
	} else {
		step_bytes(c, add->len);
		if (nm->v.k == V_EMPTY) {
			val_str(&nm->v, vs_alloc(MIN(add->len * 2, (size_t)DEOB_STR_MAX)), 0);
		} else if (nm->v.s->ref > 1) {
			struct vstr *o = vs_alloc(MIN((nm->v.s->len + add->len) * 2,
			    (size_t)DEOB_STR_MAX));
			vs_append(&o, nm->v.s->b, nm->v.s->len);
			vs_unref(nm->v.s);
			nm->v.s = o;
		}
		vs_append(&nm->v.s, add->b, add->len);
		nm->v.fl |= (uint8_t)(F_FOLD | (v.fl & F_EXTRA));
		vs_unref(add);
	}
	val_clear(&v);
	return true;
}

static void
exec_assign(struct ctx *c, const struct stmt *s)
{
	struct name *nm = name_at(c, s->target);
	if (nm->cls == C_CONST) {
		const_stmt(c, nm, s->x, s->e);
		return;
	}
	if (nm->cls == C_SEQ && (s->flags & SF_ACC) != 0 && accumulate(c, nm, s))
		return;
	c->pos = s->x;
	c->end = s->e;
	c->bail = false;
	const_stmt(c, nm, s->x, s->e);
}

/* a(i) = <expr> */
static void
exec_elem(struct ctx *c, const struct stmt *s)
{
	struct name *nm = name_at(c, s->target);
	struct args a;
	c->pos = s->lhs + 1;
	c->end = s->x - 1;
	paren_args(c, &a);
	struct val v;
	c->pos = s->x;
	c->end = s->e;
	expr(c, 0, &v);
	if (c->nfr == 0 || nm->cls != C_SEQ)
		note(c, &v);
	int64_t i;
	if (nm->cls == C_SEQ && nm->v.k == V_ARR && !c->bail) {
		if (poisoned(c) || a.n != 1 || !to_int(&a.v[0], &i)) {
			val_clear(&nm->v);
		} else if (i >= nm->v.a->lo && i - nm->v.a->lo < (int64_t)nm->v.a->n) {
			if (nm->v.a->ref > 1) {	/* copy on write */
				struct varr *o = arr_new(nm->v.a->lo, nm->v.a->n);
				for (size_t k = 0; k < o->n; k++)
					val_copy(&o->v[k], &nm->v.a->v[k]);
				step(c, o->n);
				arr_unref(nm->v.a);
				nm->v.a = o;
			}
			val_move(&nm->v.a->v[i - nm->v.a->lo], &v);
		}
	} else if (nm->cls == C_SEQ) {
		val_clear(&nm->v);
	}
	val_clear(&v);
	args_clear(&a);
}

/* Dim/Private/Public/Static: arrays with bounds made for sequential names. */
static void
exec_dim(struct ctx *c, const struct stmt *s)
{
	uint32_t j = s->x;
	while (j < s->e && !c->stop) {
		uint32_t comma = find_op0(c, j, s->e, ',');
		if (c->tk[j].kind == TK_ID && j + 1 < comma && is_op(&c->tk[j + 1], '(')) {
			struct name *nm = name_at(c, c->tk[j].name);
			uint32_t close = find_op0(c, j + 2, comma, ')');
			if (nm->cls == C_SEQ && close > j + 2 && close < comma &&
			    find_op0(c, j + 2, close, ',') == close) {
				struct val lo, hi;
				int64_t l = 0, h = 0;
				memset(&lo, 0, sizeof(lo));
				c->pos = j + 2;
				c->end = close;
				expr(c, 0, &hi);
				if (is_kw(c, cur(c), K_TO)) {
					adv(c);
					lo = hi;
					expr(c, 0, &hi);
				} else {
					val_num(&lo, 0, 0);
				}
				if (!poisoned(c) && c->pos == c->end && to_int(&lo, &l) &&
				    to_int(&hi, &h) && h >= l - 1 && h - l < (int64_t)ARR_MAX &&
				    step(c, (uint64_t)(h - l + 1))) {
					val_clear(&nm->v);
					nm->v.k = V_ARR;
					nm->v.a = arr_new(l, (size_t)(h - l + 1));
				} else {
					val_clear(&nm->v);
				}
				val_clear(&lo);
				val_clear(&hi);
			}
		}
		j = comma + 1;
	}
}

/* Const a = 1, b = 2 */
static void
exec_const(struct ctx *c, const struct stmt *s)
{
	uint32_t j = s->x;
	while (j < s->e && !c->stop) {
		uint32_t comma = find_op0(c, j, s->e, ',');
		uint32_t eq = find_op0(c, j, comma, '=');
		if (c->tk[j].kind == TK_ID && eq < comma) {
			c->bail = false;
			const_stmt(c, name_at(c, c->tk[j].name), eq + 1, comma);
		}
		j = comma + 1;
	}
}

/* Comma-separated expressions from the current token, each recorded. */
static void
note_list(struct ctx *c)
{
	while (!c->stop && !c->bail && c->pos < c->end) {
		struct val v;
		expr(c, 0, &v);
		note(c, &v);
		val_clear(&v);
		if (!is_op(cur(c), ','))
			break;
		adv(c);
	}
}

/* A call statement: Shell x, 1 / obj.Run(x) / Call f(x) / x.Open "GET", u. */
static void
exec_call(struct ctx *c, const struct stmt *s)
{
	c->pos = s->x;
	c->end = s->e;
	const struct tok *k = cur(c);
	if (k == NULL)
		return;
	if (!(k->kind == TK_ID || (is_op(k, '.') && c->pos + 1 < c->end &&
	    c->tk[c->pos + 1].kind == TK_ID))) {
		note_list(c);
		return;
	}
	struct val v;
	size_t lp;
	chain(c, &v, &lp);
	note(c, &v);
	val_clear(&v);
	k = cur(c);
	if (k == NULL || c->stop || c->bail)
		return;
	int op;
	if (is_op(k, ',')) {
		adv(c);
	} else if (lp != NONE && binop(c, &op) > 0) {
		c->pos = lp;	/* Shell ("a") & b: the parentheses were the argument's */
	}
	note_list(c);
}

/* Record the accumulators of a loop's body, statements (from, to). */
static void
flush_loop(struct ctx *c, uint32_t from, uint32_t to)
{
	for (uint32_t j = from + 1; j < to && j < c->nst && !c->stop; j++) {
		const struct stmt *s = &c->st[j];
		if (s->kind == S_ASSIGN && (s->flags & SF_ACC) != 0) {
			struct name *nm = name_at(c, s->target);
			if (nm->cls == C_SEQ)
				note(c, &nm->v);
		}
		step(c, 1);
	}
}

/* Set a loop variable. */
static void
set_loopvar(struct name *nm, bool known, int64_t v)
{
	if (nm == NULL || nm->cls != C_SEQ)
		return;
	val_clear(&nm->v);
	if (known)
		val_num(&nm->v, v, 0);
}

/* For i = a To b [Step s]: the next statement to run. */
static uint32_t
exec_for(struct ctx *c, uint32_t si)
{
	const struct stmt *s = &c->st[si];
	struct name *nm = NULL;
	int64_t a = 0, b = 0, st = 1;
	bool known = false;
	if ((s->flags & SF_EACH) == 0 && s->x < s->e && c->tk[s->x].kind == TK_ID) {
		nm = name_at(c, c->tk[s->x].name);
		c->pos = s->x + 1;
		c->end = s->e;
		if (is_op(cur(c), '=')) {
			struct val va, vb, vs;
			adv(c);
			expr(c, 0, &va);
			memset(&vb, 0, sizeof(vb));
			memset(&vs, 0, sizeof(vs));
			val_num(&vs, 1, 0);
			if (is_kw(c, cur(c), K_TO)) {
				adv(c);
				expr(c, 0, &vb);
				if (is_kw(c, cur(c), K_STEP)) {
					adv(c);
					val_clear(&vs);
					expr(c, 0, &vs);
				}
			}
			known = !c->bail && to_int(&va, &a) && to_int(&vb, &b) && to_int(&vs, &st) &&
			    st != 0;
			val_clear(&va);
			val_clear(&vb);
			val_clear(&vs);
		}
	}
	if (s->match == NONE) {
		c->poison_forever = true;
		set_loopvar(nm, false, 0);
		return si + 1;
	}
	known = known && nm != NULL && nm->cls == C_SEQ && !poisoned(c);
	if (c->nfr >= FRAME_MAX) {
		if (c->r->limit == NULL)
			c->r->limit = "depth";
		c->poison_forever = true;
		set_loopvar(nm, false, 0);
		return si + 1;
	}
	if (known && (st > 0 ? a > b : a < b)) {
		set_loopvar(nm, true, a);
		return s->match + 1;
	}
	struct frame *f = &c->fr[c->nfr++];
	f->for_st = si;
	f->next_st = s->match;
	f->var = known ? nm : NULL;
	f->cur = a;
	f->to = b;
	f->step = st;
	set_loopvar(nm, known, a);
	if (!known)
		c->npoison++;
	return si + 1;
}

/* Next: the next statement to run (the loop's body again, or after). */
static uint32_t
exec_next(struct ctx *c, uint32_t si)
{
	while (c->nfr > 0 && c->fr[c->nfr - 1].next_st == si && !c->stop) {
		struct frame *f = &c->fr[c->nfr - 1];
		if (f->var == NULL) {
			c->nfr--;
			c->npoison--;
			continue;
		}
		if (!step(c, 1))
			break;
		int64_t nx;
		bool ovf = __builtin_add_overflow(f->cur, f->step, &nx);
		if (!ovf && (f->step > 0 ? nx <= f->to : nx >= f->to)) {
			f->cur = nx;
			set_loopvar(f->var, true, nx);
			return f->for_st + 1;
		}
		set_loopvar(f->var, !ovf, nx);
		uint32_t from = f->for_st;
		c->nfr--;
		if (c->nfr == 0)
			flush_loop(c, from, si);
	}
	return si + 1;
}

/* Run the statements in order. */
static void
run(struct ctx *c)
{
	uint32_t si = 0;
	while (si < c->nst && !c->stop) {
		if (!step(c, 1))
			break;
		const struct stmt *s = &c->st[si];
		uint32_t next = si + 1;
		c->bail = false;
		c->nest = 0;
		c->env = NULL;
		c->pos = s->x;
		c->end = s->e;
		switch (s->kind) {
		case S_ASSIGN:
			exec_assign(c, s);
			break;
		case S_ELEM:
			exec_elem(c, s);
			break;
		case S_MEMBER:
		case S_FNRET:
		case S_EVAL:
			note_list(c);
			break;
		case S_CONST:
			exec_const(c, s);
			break;
		case S_DIM:
			exec_dim(c, s);
			break;
		case S_FOR:
			next = exec_for(c, si);
			break;
		case S_NEXT:
			next = exec_next(c, si);
			break;
		case S_CALL:
			exec_call(c, s);
			break;
		default:
			break;
		}
		si = next;
	}
}

static void
name_free(gpointer p)
{
	struct name *nm = p;
	val_clear(&nm->v);
	g_free(nm->fn);
	g_free(nm->lc);
	g_free(nm);
}

void
deob_vba(const char *text, size_t len, GHashTable *extra, const struct deob_limits *lim,
    struct deob_result *r)
{
	if (text == NULL || len == 0 || r == NULL)
		return;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.t = text;
	c.n = MIN(len, (size_t)UINT32_MAX - 1);
	c.r = r;
	c.lim = lim;
	c.extra = extra;
	c.cd = (GIConv)-1;
	c.names = g_ptr_array_new_with_free_func(name_free);
	c.intern = g_hash_table_new(g_str_hash, g_str_equal);
	struct name *none = g_new0(struct name, 1);
	none->lc = g_strdup("");
	g_ptr_array_add(c.names, none);

	tokenize(&c);
	if (!c.stop) {
		split_stmts(&c);
		struct blocks *bs = g_new0(struct blocks, 1);
		for (uint32_t i = 0; i < c.nst; i++)
			classify(&c, bs, i);
		g_free(bs);
		finish_names(&c);
		run(&c);
	}

	if (c.cd != (GIConv)-1)
		g_iconv_close(c.cd);
	g_hash_table_destroy(c.intern);
	g_ptr_array_unref(c.names);
	g_free(c.tk);
	g_free(c.st);
}
