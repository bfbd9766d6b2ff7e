/*
 * xlm.c - Excel 4.0 (XLM) macro sheets executed without side effects
 * outside the sheets (see deob.h): what the macro would download and run.
 *
 * Droppers keep a few formulas in a macro sheet that, run from Auto_Open,
 * build the real ones with CHAR(), & and MID() and write them into other
 * cells with FORMULA(); control then reaches those cells (down the
 * column, GOTO, RUN) and they call EXEC or CALL("urlmon",
 * "URLDownloadToFileA", ...).  Here the cells (formula text or value) are
 * kept in a tree ordered by sheet, column and row, so that "the next cell
 * down the column" is the tree's next key, and a machine runs them:
 *
 *   - a cursor starts at each start cell; a cell holding a formula is
 *     evaluated (its value becomes the cell's value), then the cursor moves
 *     to the next cell below it in its column, unless the formula asked
 *     for GOTO(ref) (the cursor moves there), RUN(ref) (there, the cell
 *     below pushed on a call stack of CALLS_MAX), RETURN (pops, or ends),
 *     HALT (ends).  No cell below: as RETURN;
 *   - expressions follow Excel's grammar and precedence (comparison < &
 *     < + - < * / < ^ < unary - < %): numbers, "strings" ("" a quote),
 *     TRUE/FALSE, references in A1 ($A$1), R1C1 (R5C1, relative R[1]C,
 *     RC[-2]) form, sheet-qualified (Sheet2!A1, 'My sheet'!R1C1), ranges
 *     (A1:B3, their first cell as a value), #errors, {arrays} (unknown),
 *     names set by SET.NAME, and function calls;
 *   - functions folded: CHAR, CODE, MID, LEFT, RIGHT, LEN, CONCATENATE,
 *     LOWER, UPPER, TRIM, SUBSTITUTE, REPT, VALUE, INT, ABS, MOD, ROUND,
 *     TRUE, FALSE, NOT, AND, OR, IF (of a known condition only the branch
 *     taken runs; of an unknown one neither has effects); effects:
 *     FORMULA, FORMULA.FILL, FORMULA.ARRAY (a formula or a value written
 *     into a cell, which runs when reached), SET.VALUE, SET.NAME, GOTO,
 *     RUN, HALT, RETURN; recorded: EXEC, SHELL, CALL, REGISTER and calls
 *     of a name REGISTER gave.  Any other function evaluates its
 *     arguments and is unknown; unknown spreads and never stops the run.
 *   - after the runs, each formula not executed is evaluated once with no
 *     effects (what control flow we could not follow still shows).
 *
 * Recorded (deob_add): every string argument of EXEC/SHELL/CALL/
 * REGISTER ("xlm EXEC" ...), and a string built by an operation (not a
 * plain literal) that is a formula's value or an argument of a function
 * that is not a string function, when it looks like a URL, a command line
 * or a path ("xlm folding"); not the text of a formula FORMULA writes
 * (what it yields is recorded where it runs).
 *
 * Bounds: deob_step() per token, per operation and per cell run, and one
 * more per 16 bytes a string operation writes; CELLS_MAX cells and
 * CELL_BYTES_MAX bytes of formula text (what the caller adds and what
 * FORMULA writes); DEOB_NEST_MAX nested expressions (deeper: unknown, the
 * formula's evaluation ends); FILL_MAX cells per FORMULA.FILL;
 * MAX_RECORDS records; strings cut at DEOB_STR_MAX.  A self-GOTO loop
 * ends at the step or time limit.
 */
#include "deob.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELLS_MAX (1u << 20)		/* cells kept */
#define CELL_BYTES_MAX (32u << 20)	/* bytes of formula text kept */
#define SHEETS_MAX 256			/* distinct sheet names */
#define ROW_MAX 1048576u		/* Excel's last row and column */
#define COL_MAX 16384u
#define CALLS_MAX 64			/* RUN within RUN */
#define ARGS_MAX 32			/* arguments of a call kept */
#define FILL_MAX 256			/* cells FORMULA.FILL writes */
#define MAX_RECORDS 10000		/* records per input */
#define BYTES_PER_STEP 16		/* bytes a string operation writes per step */
#define XNAME_MAX 256			/* bytes of a name or a sheet name */

static const char HOW_FOLD[] = "xlm folding";
static const char HOW_EXEC[] = "xlm EXEC";
static const char HOW_SHELL[] = "xlm SHELL";
static const char HOW_CALL[] = "xlm CALL";
static const char HOW_REGISTER[] = "xlm REGISTER";

/* ---- values ------------------------------------------------------------------ */

enum vk { V_UNK, V_MISS, V_NUM, V_BOOL, V_STR, V_REF };

struct val {
	enum vk k;
	double n;		/* V_NUM; V_BOOL 0 or 1 */
	GString *s;		/* V_STR (owned) */
	bool built;		/* V_STR made by an operation */
	uint32_t sheet, row, col;	/* V_REF: its first cell */
	uint32_t row2, col2;	/* V_REF: its last cell */
};

static const struct val UNKNOWN = { .k = V_UNK };

static void
val_clear(struct val *v)
{
	if (v->s != NULL)
		g_string_free(v->s, TRUE);
	*v = UNKNOWN;
}

static struct val
val_copy(const struct val *v)
{
	struct val c = *v;
	if (v->s != NULL)
		c.s = g_string_new_len(v->s->str, (gssize)v->s->len);
	return c;
}

static struct val
num_val(double n)
{
	if (!isfinite(n))
		return UNKNOWN;
	return (struct val){ .k = V_NUM, .n = n };
}

static struct val
str_val(const char *s, size_t n, bool built)
{
	return (struct val){ .k = V_STR, .s = g_string_new_len(s, (gssize)MIN(n,
	    (size_t)DEOB_STR_MAX)), .built = built };
}

/* ---- cells ------------------------------------------------------------------- */

/* Tree key: sheet, column, row, so that the next key is the cell below. */
static uint64_t
key_of(uint32_t sheet, uint32_t row, uint32_t col)
{
	return (uint64_t)sheet << 44 | (uint64_t)col << 22 | row;
}

struct cell {
	uint64_t key;
	char *f;		/* formula text after '=' (owned), or NULL */
	size_t flen;
	struct val v;		/* its value */
	bool ran;		/* executed or evaluated once */
};

struct deob_xlm {
	GTree *cells;		/* &key -> struct cell * */
	GPtrArray *sheets;	/* names (owned); index = sheet id */
	GArray *starts;		/* uint64_t keys */
	GArray *firsts;		/* uint64_t: the first formula of each sheet */
	size_t bytes;		/* of formula text */
	GHashTable *names;	/* SET.NAME: lower-case name -> struct val * */
	GHashTable *registered;	/* REGISTER: lower-case name -> function (owned) */
	bool done;
};

static gint
key_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	(void)unused;
	return x < y ? -1 : x > y;
}

static void
cell_free(gpointer p)
{
	struct cell *c = p;
	g_free(c->f);
	val_clear(&c->v);
	g_free(c);
}

static void
name_val_free(gpointer p)
{
	struct val *v = p;
	val_clear(v);
	g_free(v);
}

struct deob_xlm *
deob_xlm_new(void)
{
	struct deob_xlm *x = g_new0(struct deob_xlm, 1);
	x->cells = g_tree_new_full(key_cmp, NULL, NULL, cell_free);
	x->sheets = g_ptr_array_new_with_free_func(g_free);
	x->starts = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	x->firsts = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	x->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, name_val_free);
	x->registered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return x;
}

void
deob_xlm_free(struct deob_xlm *x)
{
	if (x == NULL)
		return;
	g_tree_destroy(x->cells);
	g_ptr_array_unref(x->sheets);
	g_array_unref(x->starts);
	g_array_unref(x->firsts);
	g_hash_table_unref(x->names);
	g_hash_table_unref(x->registered);
	g_free(x);
}

/* The id of sheet name[0..n) (any case), added when new; UINT32_MAX past
 * SHEETS_MAX. */
static uint32_t
sheet_id(struct deob_xlm *x, const char *name, size_t n)
{
	n = MIN(n, (size_t)XNAME_MAX);
	for (guint i = 0; i < x->sheets->len; i++) {
		const char *s = x->sheets->pdata[i];
		if (strlen(s) == n && g_ascii_strncasecmp(s, name, n) == 0)
			return i;
	}
	if (x->sheets->len >= SHEETS_MAX)
		return UINT32_MAX;
	g_ptr_array_add(x->sheets, g_strndup(name, n));
	return x->sheets->len - 1;
}

static struct cell *
cell_at(struct deob_xlm *x, uint64_t key)
{
	return g_tree_lookup(x->cells, &key);
}

/* The cell of key, made when absent (NULL past CELLS_MAX). */
static struct cell *
cell_make(struct deob_xlm *x, uint64_t key)
{
	struct cell *c = cell_at(x, key);
	if (c != NULL)
		return c;
	if ((size_t)g_tree_nnodes(x->cells) >= CELLS_MAX)
		return NULL;
	c = g_new0(struct cell, 1);
	c->key = key;
	g_tree_insert(x->cells, &c->key, c);
	return c;
}

/* Whether s[0..n) is a whole number in Excel's form; *out gets it. */
static bool
parse_number(const char *s, size_t n, double *out)
{
	char buf[64];
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]) && strchr("+-.eE", s[i]) == NULL)
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end = NULL;
	double d = g_ascii_strtod(buf, &end);
	if (end != buf + n || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Put text into cell c: a formula when it starts with '=', else a value. */
static bool
cell_set_text(struct deob_xlm *x, struct cell *c, const char *text, size_t len)
{
	g_free(c->f);
	c->f = NULL;
	c->flen = 0;
	val_clear(&c->v);
	c->ran = false;
	if (len > 0 && text[0] == '=') {
		if (x->bytes + len > CELL_BYTES_MAX)
			return false;
		x->bytes += len;
		c->f = g_strndup(text + 1, len - 1);
		c->flen = len - 1;
		return true;
	}
	double d;
	if (parse_number(text, len, &d))
		c->v = num_val(d);
	else
		c->v = str_val(text, len, false);
	return true;
}

bool
deob_xlm_cell(struct deob_xlm *x, const char *sheet, uint32_t row, uint32_t col,
    const char *text, size_t len)
{
	if (row == 0 || col == 0 || row > ROW_MAX || col > COL_MAX || text == NULL)
		return false;
	uint32_t s = sheet_id(x, sheet != NULL ? sheet : "", sheet != NULL ? strlen(sheet) : 0);
	if (s == UINT32_MAX)
		return false;
	uint64_t key = key_of(s, row, col);
	bool fresh = cell_at(x, key) == NULL;
	struct cell *c = cell_make(x, key);
	if (c == NULL || !cell_set_text(x, c, text, len))
		return false;
	if (fresh && c->f != NULL) {
		bool seen = false;
		for (guint i = 0; i < x->firsts->len && !seen; i++)
			seen = g_array_index(x->firsts, uint64_t, i) >> 44 == s;
		if (!seen)
			g_array_append_val(x->firsts, key);
	}
	return true;
}

void
deob_xlm_start(struct deob_xlm *x, const char *sheet, uint32_t row, uint32_t col)
{
	if (row == 0 || col == 0 || row > ROW_MAX || col > COL_MAX || x->starts->len >= 64)
		return;
	uint32_t s = sheet_id(x, sheet != NULL ? sheet : "", sheet != NULL ? strlen(sheet) : 0);
	if (s == UINT32_MAX)
		return;
	uint64_t key = key_of(s, row, col);
	g_array_append_val(x->starts, key);
}

/* ---- the evaluator ----------------------------------------------------------- */

enum ctl { C_NONE, C_GOTO, C_RUN, C_HALT, C_RETURN };

struct ev {
	struct deob_xlm *x;
	struct deob_limits lim;
	struct deob_result *r;
	/* the formula being evaluated, in its cell */
	const char *t;
	size_t n, pos;
	uint32_t sheet, row, col;
	unsigned depth;
	bool live;		/* effects allowed */
	bool stop;		/* a limit: everything ends */
	enum ctl ctl;		/* asked by the formula (the first wins) */
	uint64_t target;
};

static bool
step(struct ev *e, uint64_t n)
{
	if (e->stop)
		return false;
	if (!deob_step(e->r, &e->lim, n)) {
		e->stop = true;
		return false;
	}
	return true;
}

/* Whether s looks like a URL, a command line or a Windows path. */
static bool
interesting(const char *s, size_t n)
{
	static const char *const marks[] = {
		"://", ":\\", "\\\\", "%temp%", "%appdata%", "%public%", "cmd", "powershell",
		"mshta", "rundll32", "regsvr32", "certutil", "bitsadmin", "wscript", "cscript",
		"msiexec", "curl", "wget", ".exe", ".dll", ".vbs", ".hta", "urldownloadtofile",
		"shellexecute", "winexec", NULL
	};
	if (n < 4)
		return false;
	char *lc = g_ascii_strdown(s, (gssize)MIN(n, (size_t)DEOB_STR_MAX));
	bool hit = false;
	for (size_t i = 0; marks[i] != NULL && !hit; i++)
		hit = strstr(lc, marks[i]) != NULL;
	g_free(lc);
	return hit;
}

static void
record(struct ev *e, const struct val *v, const char *how)
{
	if (v->k != V_STR || v->s->len == 0)
		return;
	if (e->r->strs->len >= MAX_RECORDS) {
		if (e->r->limit == NULL)
			e->r->limit = "bytes";
		return;
	}
	if (!deob_add(e->r, &e->lim, v->s->str, v->s->len, how))
		e->stop = true;
}

/* A root's value (a formula's, an argument's): recorded when built and
 * interesting, unless it is a formula's text (FORMULA's argument: the
 * formula runs, or is evaluated once at the end, where it is written). */
static void
root(struct ev *e, const struct val *v)
{
	if (v->k == V_STR && v->built && (v->s->len == 0 || v->s->str[0] != '=') &&
	    interesting(v->s->str, v->s->len))
		record(e, v, HOW_FOLD);
}

/* The value a reference reads: the cell's value; an empty cell "". */
static struct val
deref(struct ev *e, struct val v)
{
	if (v.k != V_REF)
		return v;
	struct cell *c = cell_at(e->x, key_of(v.sheet, v.row, v.col));
	if (c == NULL)
		return str_val("", 0, false);
	if (c->v.k == V_STR)
		(void)step(e, c->v.s->len / BYTES_PER_STEP);
	return val_copy(&c->v);
}

/* v as a string (numbers as Excel shows them); false when unknown. */
static bool
to_str(const struct val *v, GString *out)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	switch (v->k) {
	case V_STR:
		g_string_append_len(out, v->s->str, (gssize)v->s->len);
		return true;
	case V_NUM:
		if (v->n == floor(v->n) && fabs(v->n) < 1e15)
			g_string_append_printf(out, "%.0f", v->n);
		else
			g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.15g", v->n));
		return true;
	case V_BOOL:
		g_string_append(out, v->n != 0 ? "TRUE" : "FALSE");
		return true;
	case V_MISS:
		return true;
	default:
		return false;
	}
}

/* v as a number; false when it is not one. */
static bool
to_num(const struct val *v, double *d)
{
	switch (v->k) {
	case V_NUM:
	case V_BOOL:
		*d = v->n;
		return true;
	case V_MISS:
		*d = 0;
		return true;
	case V_STR:
		if (v->s->len == 0) {
			*d = 0;
			return true;
		}
		return parse_number(v->s->str, v->s->len, d);
	default:
		return false;
	}
}

/* ---- the lexer ---- */

static void
skip_ws(struct ev *e)
{
	while (e->pos < e->n && (e->t[e->pos] == ' ' || e->t[e->pos] == '\t' ||
	    e->t[e->pos] == '\r' || e->t[e->pos] == '\n'))
		e->pos++;
}

/* Whether the next token starts with c (after blanks); consumed when so. */
static bool
accept(struct ev *e, char c)
{
	skip_ws(e);
	if (e->pos < e->n && e->t[e->pos] == c) {
		e->pos++;
		return true;
	}
	return false;
}

static bool
peek(struct ev *e, char c)
{
	skip_ws(e);
	return e->pos < e->n && e->t[e->pos] == c;
}

static bool
word_byte(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '$' || c == '\\' ||
	    (unsigned char)c >= 0x80;
}

/* A word: a name, a function's name or a reference (with R1C1's [n]). */
static size_t
word_end(struct ev *e, size_t i)
{
	while (i < e->n) {
		char c = e->t[i];
		if (word_byte(c)) {
			i++;
		} else if (c == '[') {
			size_t j = i + 1;
			if (j < e->n && (e->t[j] == '-' || e->t[j] == '+'))
				j++;
			while (j < e->n && g_ascii_isdigit(e->t[j]))
				j++;
			if (j >= e->n || e->t[j] != ']')
				break;
			i = j + 1;
		} else {
			break;
		}
	}
	return i;
}

/* An R1C1 part ("R", "R5", "R[-1]") at w[*i]: the row or column it names
 * from base; false when malformed. */
static bool
rc_part(const char *w, size_t n, size_t *i, char letter, uint32_t base, uint32_t max,
    uint32_t *out)
{
	if (*i >= n || g_ascii_toupper(w[*i]) != letter)
		return false;
	(*i)++;
	int64_t v = base;
	if (*i < n && w[*i] == '[') {
		(*i)++;
		bool neg = false;
		if (*i < n && (w[*i] == '-' || w[*i] == '+'))
			neg = w[(*i)++] == '-';
		int64_t d = 0;
		size_t s = *i;
		while (*i < n && g_ascii_isdigit(w[*i]) && *i - s < 8)
			d = d * 10 + (w[(*i)++] - '0');
		if (*i == s || *i >= n || w[*i] != ']')
			return false;
		(*i)++;
		v = (int64_t)base + (neg ? -d : d);
	} else if (*i < n && g_ascii_isdigit(w[*i])) {
		int64_t d = 0;
		size_t s = *i;
		while (*i < n && g_ascii_isdigit(w[*i]) && *i - s < 8)
			d = d * 10 + (w[(*i)++] - '0');
		v = d;
	}
	if (v < 1 || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* w[0..n) as a reference in R1C1 or A1 form, relative to the current cell. */
static bool
parse_ref(struct ev *e, const char *w, size_t n, uint32_t *row, uint32_t *col)
{
	size_t i = 0;
	if (rc_part(w, n, &i, 'R', e->row, ROW_MAX, row) &&
	    rc_part(w, n, &i, 'C', e->col, COL_MAX, col) && i == n)
		return true;
	i = 0;
	if (i < n && w[i] == '$')
		i++;
	uint32_t c = 0;
	size_t s = i;
	while (i < n && g_ascii_isalpha(w[i]) && i - s < 3)
		c = c * 26 + (uint32_t)(g_ascii_toupper(w[i++]) - 'A' + 1);
	if (i == s || c > COL_MAX)
		return false;
	if (i < n && w[i] == '$')
		i++;
	uint32_t r = 0;
	s = i;
	while (i < n && g_ascii_isdigit(w[i]) && i - s < 8)
		r = r * 10 + (uint32_t)(w[i++] - '0');
	if (i == s || i != n || r < 1 || r > ROW_MAX)
		return false;
	*row = r;
	*col = c;
	return true;
}

/* ---- functions ---- */

static void parse_expr(struct ev *e, struct val *out);

/* Excel's CHAR(n): the character of code page 1252's byte n (as Latin-1). */
static struct val
fn_char(const struct val *a)
{
	double d;
	if (!to_num(a, &d) || d < 1 || d >= 256)
		return UNKNOWN;
	char buf[8];
	int l = g_unichar_to_utf8((gunichar)(int)d, buf);
	return str_val(buf, (size_t)l, true);
}

/* The string of args[i], or NULL (out owned by the caller). */
static GString *
arg_str(const struct val *args, size_t argc, size_t i)
{
	if (i >= argc)
		return NULL;
	GString *s = g_string_new(NULL);
	if (!to_str(&args[i], s)) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return s;
}

static bool
arg_num(const struct val *args, size_t argc, size_t i, double *d)
{
	return i < argc && args[i].k != V_MISS && to_num(&args[i], d);
}

/* The byte offset of character chars of s (UTF-8, or bytes where it is
 * not: a lead byte and the continuation bytes after it are a character). */
static size_t
char_off(const GString *s, double chars)
{
	size_t off = 0;
	for (double k = 0; k < chars && off < s->len; k++) {
		off++;
		while (off < s->len && ((unsigned char)s->str[off] & 0xC0) == 0x80)
			off++;
	}
	return off;
}

/* The characters of s, counted as char_off() does. */
static size_t
char_count(const GString *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->len; i++)
		if (((unsigned char)s->str[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* The string functions (their arguments are not roots); the value. */
static bool
string_fn(struct ev *e, const char *name, struct val *args, size_t argc, struct val *out)
{
	GString *a = NULL;
	double d, d2;
	*out = UNKNOWN;
	if (strcmp(name, "CHAR") == 0) {
		if (argc >= 1)
			*out = fn_char(&args[0]);
		return true;
	}
	if (strcmp(name, "CONCATENATE") == 0 || strcmp(name, "CONCAT") == 0) {
		GString *s = g_string_new(NULL);
		bool ok = true;
		for (size_t i = 0; i < argc && ok; i++)
			ok = to_str(&args[i], s) && s->len <= DEOB_STR_MAX;
		if (ok)
			*out = str_val(s->str, s->len, true);
		(void)step(e, s->len / BYTES_PER_STEP);
		g_string_free(s, TRUE);
		return true;
	}
	if (strcmp(name, "MID") == 0 || strcmp(name, "LEFT") == 0 || strcmp(name, "RIGHT") == 0) {
		a = arg_str(args, argc, 0);
		if (a == NULL)
			return true;
		size_t from = 0, to = a->len;
		size_t chars = char_count(a);
		if (name[0] == 'M') {
			if (!arg_num(args, argc, 1, &d) || !arg_num(args, argc, 2, &d2) || d < 1 ||
			    d2 < 0)
				goto done;
			from = char_off(a, floor(d) - 1);
			to = char_off(a, floor(d) - 1 + floor(d2));
		} else {
			d = 1;
			if (argc >= 2 && args[1].k != V_MISS && !arg_num(args, argc, 1, &d))
				goto done;
			if (d < 0)
				goto done;
			if (name[0] == 'L')
				to = char_off(a, floor(d));
			else
				from = char_off(a, (double)chars - floor(d));
		}
		*out = str_val(a->str + from, to > from ? to - from : 0, true);
		goto done;
	}
	if (strcmp(name, "LEN") == 0 || strcmp(name, "CODE") == 0) {
		a = arg_str(args, argc, 0);
		if (a == NULL)
			return true;
		if (name[0] == 'L') {
			*out = num_val((double)char_count(a));
		} else if (a->len > 0) {
			gunichar u = g_utf8_get_char_validated(a->str, (gssize)a->len);
			*out = num_val(u < 0x100 ? (double)u : (double)(unsigned char)a->str[0]);
		}
		goto done;
	}
	if (strcmp(name, "LOWER") == 0 || strcmp(name, "UPPER") == 0 || strcmp(name, "TRIM") == 0) {
		a = arg_str(args, argc, 0);
		if (a == NULL)
			return true;
		char *s = name[0] == 'L' ? g_ascii_strdown(a->str, (gssize)a->len) :
		    name[0] == 'U' ? g_ascii_strup(a->str, (gssize)a->len) :
		    g_strstrip(g_strndup(a->str, a->len));
		*out = str_val(s, strlen(s), true);
		g_free(s);
		goto done;
	}
	if (strcmp(name, "SUBSTITUTE") == 0) {
		a = arg_str(args, argc, 0);
		GString *o = arg_str(args, argc, 1), *n = arg_str(args, argc, 2);
		if (a != NULL && o != NULL && n != NULL && o->len > 0) {
			GString *s = g_string_new(NULL);
			for (size_t i = 0; i < a->len && s->len <= DEOB_STR_MAX;) {
				if (a->len - i >= o->len && memcmp(a->str + i, o->str, o->len) == 0) {
					g_string_append_len(s, n->str, (gssize)n->len);
					i += o->len;
				} else {
					g_string_append_c(s, a->str[i++]);
				}
			}
			(void)step(e, s->len / BYTES_PER_STEP);
			*out = str_val(s->str, s->len, true);
			g_string_free(s, TRUE);
		}
		if (o != NULL)
			g_string_free(o, TRUE);
		if (n != NULL)
			g_string_free(n, TRUE);
		goto done;
	}
	if (strcmp(name, "REPT") == 0) {
		a = arg_str(args, argc, 0);
		if (a == NULL || !arg_num(args, argc, 1, &d) || d < 0 ||
		    (double)a->len * floor(d) > DEOB_STR_MAX)
			goto done;
		GString *s = g_string_new(NULL);
		for (double k = 0; k < floor(d); k++)
			g_string_append_len(s, a->str, (gssize)a->len);
		(void)step(e, s->len / BYTES_PER_STEP);
		*out = str_val(s->str, s->len, true);
		g_string_free(s, TRUE);
		goto done;
	}
	if (strcmp(name, "VALUE") == 0 || strcmp(name, "INT") == 0 || strcmp(name, "ABS") == 0) {
		if (arg_num(args, argc, 0, &d))
			*out = num_val(name[0] == 'V' ? d : name[0] == 'I' ? floor(d) : fabs(d));
		return true;
	}
	if (strcmp(name, "MOD") == 0) {
		if (arg_num(args, argc, 0, &d) && arg_num(args, argc, 1, &d2) && d2 != 0)
			*out = num_val(d - d2 * floor(d / d2));
		return true;
	}
	if (strcmp(name, "ROUND") == 0) {
		d2 = 0;
		if (arg_num(args, argc, 0, &d) && (argc < 2 || arg_num(args, argc, 1, &d2)) &&
		    fabs(d2) < 16)
			*out = num_val(round(d * pow(10, floor(d2))) / pow(10, floor(d2)));
		return true;
	}
	if (strcmp(name, "TRUE") == 0 || strcmp(name, "FALSE") == 0) {
		*out = (struct val){ .k = V_BOOL, .n = name[0] == 'T' };
		return true;
	}
	if (strcmp(name, "NOT") == 0) {
		if (arg_num(args, argc, 0, &d))
			*out = (struct val){ .k = V_BOOL, .n = d == 0 };
		return true;
	}
	if (strcmp(name, "AND") == 0 || strcmp(name, "OR") == 0) {
		bool and = name[0] == 'A', acc = and;
		for (size_t i = 0; i < argc; i++) {
			if (!arg_num(args, argc, i, &d))
				return true;
			acc = and ? acc && d != 0 : acc || d != 0;
		}
		*out = (struct val){ .k = V_BOOL, .n = acc };
		return true;
	}
	return false;
done:
	if (a != NULL)
		g_string_free(a, TRUE);
	return true;
}

/* Write text (a formula or a value) into the cell of reference v. */
static void
write_cell(struct ev *e, const struct val *ref, uint32_t row, uint32_t col,
    const struct val *text)
{
	struct cell *c = cell_make(e->x, key_of(ref->sheet, row, col));
	if (c == NULL)
		return;
	GString *s = g_string_new(NULL);
	if (to_str(text, s)) {
		(void)step(e, 1 + s->len / BYTES_PER_STEP);
		if (text->k == V_STR) {
			if (!cell_set_text(e->x, c, s->str, s->len))
				val_clear(&c->v);
		} else {
			g_free(c->f);
			c->f = NULL;
			val_clear(&c->v);
			c->v = val_copy(text);
		}
	} else {
		/* unknown: what the cell held no longer is */
		g_free(c->f);
		c->f = NULL;
		val_clear(&c->v);
	}
	g_string_free(s, TRUE);
}

/* The effects and the recorded functions (live: effects allowed). */
static bool
macro_fn(struct ev *e, const char *name, struct val *args, size_t argc, struct val *out)
{
	*out = UNKNOWN;
	const char *how = NULL;
	if (strcmp(name, "EXEC") == 0)
		how = HOW_EXEC;
	else if (strcmp(name, "SHELL") == 0)
		how = HOW_SHELL;
	else if (strcmp(name, "CALL") == 0)
		how = HOW_CALL;
	else if (strcmp(name, "REGISTER") == 0 || strcmp(name, "REGISTER.ID") == 0)
		how = HOW_REGISTER;
	else {
		char *lc = g_ascii_strdown(name, -1);
		const char *fn = g_hash_table_lookup(e->x->registered, lc);
		g_free(lc);
		if (fn != NULL) {
			struct val f = str_val(fn, strlen(fn), false);
			record(e, &f, HOW_CALL);
			val_clear(&f);
			how = HOW_CALL;
		}
	}
	if (how != NULL) {
		for (size_t i = 0; i < argc; i++) {
			struct val s = UNKNOWN;
			GString *g = arg_str(args, argc, i);
			if (g != NULL && args[i].k == V_STR)
				s = str_val(g->str, g->len, false);
			record(e, &s, how);
			val_clear(&s);
			if (g != NULL)
				g_string_free(g, TRUE);
		}
		if (how == HOW_REGISTER && argc >= 4 && args[3].k == V_STR &&
		    args[1].k == V_STR && args[3].s->len > 0 && args[3].s->len < XNAME_MAX &&
		    g_hash_table_size(e->x->registered) < 1024)
			g_hash_table_replace(e->x->registered,
			    g_ascii_strdown(args[3].s->str, (gssize)args[3].s->len),
			    g_strndup(args[1].s->str, args[1].s->len));
		return true;
	}
	if (strcmp(name, "FORMULA") == 0 || strcmp(name, "FORMULA.FILL") == 0 ||
	    strcmp(name, "FORMULA.ARRAY") == 0) {
		if (argc >= 1)
			root(e, &args[0]);
		if (!e->live || argc < 2 || args[1].k != V_REF)
			return true;
		const struct val *ref = &args[1];
		unsigned k = 0;
		bool fill = strcmp(name, "FORMULA") != 0;
		for (uint32_t r = ref->row; r <= (fill ? ref->row2 : ref->row) && k < FILL_MAX; r++)
			for (uint32_t c = ref->col; c <= (fill ? ref->col2 : ref->col) &&
			    k < FILL_MAX; c++, k++)
				write_cell(e, ref, r, c, &args[0]);
		return true;
	}
	if (strcmp(name, "SET.VALUE") == 0) {
		if (argc >= 2)
			root(e, &args[1]);
		if (!e->live || argc < 2 || args[0].k != V_REF)
			return true;
		struct cell *c = cell_make(e->x, key_of(args[0].sheet, args[0].row, args[0].col));
		if (c != NULL) {
			val_clear(&c->v);
			c->v = val_copy(&args[1]);
		}
		return true;
	}
	if (strcmp(name, "SET.NAME") == 0) {
		if (argc >= 2)
			root(e, &args[1]);
		GString *n = arg_str(args, argc, 0);
		if (e->live && n != NULL && n->len > 0 && n->len < XNAME_MAX &&
		    (g_hash_table_size(e->x->names) < 4096 ||
		    g_hash_table_contains(e->x->names, n->str))) {
			struct val *v = g_new(struct val, 1);
			*v = argc >= 2 ? val_copy(&args[1]) : UNKNOWN;
			g_hash_table_replace(e->x->names, g_ascii_strdown(n->str, (gssize)n->len), v);
		}
		if (n != NULL)
			g_string_free(n, TRUE);
		return true;
	}
	if (strcmp(name, "GOTO") == 0 || strcmp(name, "RUN") == 0) {
		if (e->live && e->ctl == C_NONE && argc >= 1 && args[0].k == V_REF) {
			e->ctl = name[0] == 'G' ? C_GOTO : C_RUN;
			e->target = key_of(args[0].sheet, args[0].row, args[0].col);
		}
		return true;
	}
	if (strcmp(name, "HALT") == 0 || strcmp(name, "RETURN") == 0) {
		if (e->live && e->ctl == C_NONE)
			e->ctl = name[0] == 'H' ? C_HALT : C_RETURN;
		return true;
	}
	return false;
}

/*
 * A call: name( was read.  Arguments are evaluated in order; IF's branches
 * run live only when its condition is known and chooses them.
 */
static void
parse_call(struct ev *e, const char *w, size_t wn, struct val *out)
{
	char name[XNAME_MAX];
	if (wn >= 6 && g_ascii_strncasecmp(w, "_xlfn.", 6) == 0) {
		w += 6;
		wn -= 6;
	}
	wn = MIN(wn, sizeof name - 1);
	for (size_t i = 0; i < wn; i++)
		name[i] = g_ascii_toupper(w[i]);
	name[wn] = '\0';

	bool is_if = strcmp(name, "IF") == 0;
	bool live = e->live;
	int taken = -1;		/* IF: the branch its condition chose */
	struct val args[ARGS_MAX];
	size_t argc = 0;
	if (!accept(e, ')')) {
		for (size_t i = 0;; i++) {
			struct val v = UNKNOWN;
			if (peek(e, ',') || peek(e, ')')) {
				v.k = V_MISS;
			} else {
				if (is_if && i > 0)
					e->live = live && taken == (int)i;
				parse_expr(e, &v);
				e->live = live;
				if (is_if && i == 0) {
					struct val c = deref(e, val_copy(&v));
					double d;
					if (to_num(&c, &d))
						taken = d != 0 ? 1 : 2;
					val_clear(&c);
				}
			}
			if (argc < ARGS_MAX)
				args[argc++] = v;
			else
				val_clear(&v);
			if (e->stop || !accept(e, ','))
				break;
			if (!step(e, 1))
				break;
		}
		(void)accept(e, ')');
	}
	/* the arguments' values (references read) where a value is wanted */
	bool refs_kept = strcmp(name, "FORMULA") == 0 || strcmp(name, "FORMULA.FILL") == 0 ||
	    strcmp(name, "FORMULA.ARRAY") == 0 || strcmp(name, "SET.VALUE") == 0 ||
	    strcmp(name, "GOTO") == 0 || strcmp(name, "RUN") == 0;
	for (size_t i = 0; i < argc; i++) {
		bool keep = refs_kept && (strcmp(name, "SET.VALUE") == 0 || strcmp(name, "GOTO") == 0 ||
		    strcmp(name, "RUN") == 0 ? i == 0 : i == 1);
		if (!keep)
			args[i] = deref(e, args[i]);
	}
	if (is_if) {
		if (taken > 0 && (size_t)taken < argc && args[taken].k != V_MISS)
			*out = val_copy(&args[taken]);
		else if (taken == 2 && argc < 3)
			*out = (struct val){ .k = V_BOOL, .n = 0 };
		else
			*out = UNKNOWN;
	} else if (string_fn(e, name, args, argc, out)) {
		/* folded */
	} else {
		if (!macro_fn(e, name, args, argc, out))
			*out = UNKNOWN;
		for (size_t i = 0; i < argc; i++)
			root(e, &args[i]);
	}
	for (size_t i = 0; i < argc; i++)
		val_clear(&args[i]);
}

/* A word (a name, a function or a reference), an optional sheet before it. */
static void
parse_word(struct ev *e, struct val *out)
{
	uint32_t sheet = e->sheet;
	bool qualified = false;
	const char *w;
	size_t wn;
	if (e->t[e->pos] == '\'') {
		/* 'sheet name'! */
		GString *s = g_string_new(NULL);
		size_t i = e->pos + 1;
		for (; i < e->n; i++) {
			if (e->t[i] == '\'' && i + 1 < e->n && e->t[i + 1] == '\'')
				i++;
			else if (e->t[i] == '\'')
				break;
			if (s->len < XNAME_MAX)
				g_string_append_c(s, e->t[i]);
		}
		e->pos = MIN(i + 1, e->n);
		if (e->pos < e->n && e->t[e->pos] == '!') {
			e->pos++;
			sheet = sheet_id(e->x, s->str, s->len);
			qualified = true;
		}
		g_string_free(s, TRUE);
		if (!qualified) {
			*out = UNKNOWN;
			return;
		}
	}
	size_t s = e->pos, end = word_end(e, s);
	if (!qualified && end < e->n && e->t[end] == '!') {
		sheet = sheet_id(e->x, e->t + s, end - s);
		qualified = true;
		s = end + 1;
		end = word_end(e, s);
	}
	w = e->t + s;
	wn = end - s;
	e->pos = end;
	if (wn == 0) {
		if (e->pos < e->n)
			e->pos++;	/* a byte of nothing we know */
		*out = UNKNOWN;
		return;
	}
	if (!qualified && peek(e, '(')) {
		e->pos++;
		e->depth++;
		if (e->depth > DEOB_NEST_MAX) {
			if (e->r->limit == NULL)
				e->r->limit = "depth";
			e->pos = e->n;	/* the rest of the formula is not read */
			*out = UNKNOWN;
		} else {
			parse_call(e, w, wn, out);
		}
		e->depth--;
		return;
	}
	uint32_t row, col;
	if (parse_ref(e, w, wn, &row, &col)) {
		*out = (struct val){ .k = V_REF, .sheet = sheet, .row = row, .col = col,
			.row2 = row, .col2 = col };
		if (sheet == UINT32_MAX)
			*out = UNKNOWN;
		size_t save = e->pos;
		if (accept(e, ':')) {
			skip_ws(e);
			size_t s2 = e->pos, e2 = word_end(e, s2);
			uint32_t r2, c2;
			if (e2 > s2 && parse_ref(e, e->t + s2, e2 - s2, &r2, &c2)) {
				e->pos = e2;
				out->row2 = MAX(r2, row);
				out->col2 = MAX(c2, col);
			} else {
				e->pos = save;
			}
		}
		return;
	}
	if (!qualified && wn == 4 && g_ascii_strncasecmp(w, "TRUE", 4) == 0) {
		*out = (struct val){ .k = V_BOOL, .n = 1 };
		return;
	}
	if (!qualified && wn == 5 && g_ascii_strncasecmp(w, "FALSE", 5) == 0) {
		*out = (struct val){ .k = V_BOOL, .n = 0 };
		return;
	}
	/* a name SET.NAME gave */
	char *lc = g_ascii_strdown(w, (gssize)MIN(wn, (size_t)XNAME_MAX));
	const struct val *v = g_hash_table_lookup(e->x->names, lc);
	g_free(lc);
	*out = v != NULL ? val_copy(v) : UNKNOWN;
}

static void
parse_primary(struct ev *e, struct val *out)
{
	*out = UNKNOWN;
	skip_ws(e);
	if (e->pos >= e->n || !step(e, 1))
		return;
	char c = e->t[e->pos];
	if (c == '"') {
		GString *s = g_string_new(NULL);
		size_t i = e->pos + 1;
		for (; i < e->n; i++) {
			if (e->t[i] == '"' && i + 1 < e->n && e->t[i + 1] == '"')
				i++;
			else if (e->t[i] == '"')
				break;
			if (s->len < DEOB_STR_MAX)
				g_string_append_c(s, e->t[i]);
		}
		e->pos = MIN(i + 1, e->n);
		(void)step(e, s->len / BYTES_PER_STEP);
		*out = (struct val){ .k = V_STR, .s = s };
	} else if (g_ascii_isdigit(c) || (c == '.' && e->pos + 1 < e->n &&
	    g_ascii_isdigit(e->t[e->pos + 1]))) {
		size_t i = e->pos;
		while (i < e->n && (g_ascii_isdigit(e->t[i]) || e->t[i] == '.'))
			i++;
		if (i < e->n && (e->t[i] == 'e' || e->t[i] == 'E')) {
			size_t j = i + 1;
			if (j < e->n && (e->t[j] == '+' || e->t[j] == '-'))
				j++;
			if (j < e->n && g_ascii_isdigit(e->t[j])) {
				i = j;
				while (i < e->n && g_ascii_isdigit(e->t[i]))
					i++;
			}
		}
		double d;
		/* a number directly followed by a letter ("1A") is not one */
		if (parse_number(e->t + e->pos, i - e->pos, &d))
			*out = num_val(d);
		e->pos = i;
	} else if (c == '(') {
		e->pos++;
		e->depth++;
		if (e->depth > DEOB_NEST_MAX) {
			if (e->r->limit == NULL)
				e->r->limit = "depth";
			e->pos = e->n;
		} else {
			parse_expr(e, out);
			(void)accept(e, ')');
		}
		e->depth--;
	} else if (c == '{') {
		const char *end = memchr(e->t + e->pos, '}', e->n - e->pos);
		e->pos = end != NULL ? (size_t)(end - e->t) + 1 : e->n;
	} else if (c == '#') {
		/* #N/A, #REF!, #VALUE!, #DIV/0!, #NAME? ... */
		e->pos++;
		while (e->pos < e->n && (g_ascii_isalnum(e->t[e->pos]) || e->t[e->pos] == '/'))
			e->pos++;
		if (e->pos < e->n && (e->t[e->pos] == '!' || e->t[e->pos] == '?'))
			e->pos++;
	} else if (word_byte(c) || c == '\'') {
		parse_word(e, out);
	} else {
		e->pos++;	/* a byte that starts nothing: skipped */
	}
}

/* Unary minus and plus (in a loop), then the operand and its % signs. */
static void
parse_unary(struct ev *e, struct val *out)
{
	int sign = 1;
	unsigned k = 0;
	for (;;) {
		skip_ws(e);
		if (e->pos < e->n && (e->t[e->pos] == '-' || e->t[e->pos] == '+')) {
			if (e->t[e->pos] == '-')
				sign = -sign;
			e->pos++;
			k++;
			if (!step(e, 1))
				break;
			continue;
		}
		break;
	}
	parse_primary(e, out);
	while (accept(e, '%')) {
		struct val v = deref(e, *out);
		double d;
		*out = to_num(&v, &d) ? num_val(d / 100) : UNKNOWN;
		val_clear(&v);
	}
	if (k > 0) {
		struct val v = deref(e, *out);
		double d;
		*out = to_num(&v, &d) ? num_val(sign * d) : UNKNOWN;
		val_clear(&v);
	}
}

/* The arithmetic of op on a and b (both taken). */
static struct val
arith(char op, struct val a, struct val b)
{
	double x, y;
	struct val r = UNKNOWN;
	if (to_num(&a, &x) && to_num(&b, &y)) {
		switch (op) {
		case '+': r = num_val(x + y); break;
		case '-': r = num_val(x - y); break;
		case '*': r = num_val(x * y); break;
		case '/': r = y != 0 ? num_val(x / y) : UNKNOWN; break;
		case '^': r = num_val(pow(x, y)); break;
		}
	}
	val_clear(&a);
	val_clear(&b);
	return r;
}

static void
parse_pow(struct ev *e, struct val *out)
{
	parse_unary(e, out);
	while (!e->stop && accept(e, '^')) {
		struct val b;
		parse_unary(e, &b);
		*out = arith('^', deref(e, *out), deref(e, b));
	}
}

static void
parse_mul(struct ev *e, struct val *out)
{
	parse_pow(e, out);
	while (!e->stop && (peek(e, '*') || peek(e, '/'))) {
		char op = e->t[e->pos++];
		struct val b;
		parse_pow(e, &b);
		*out = arith(op, deref(e, *out), deref(e, b));
	}
}

static void
parse_add(struct ev *e, struct val *out)
{
	parse_mul(e, out);
	while (!e->stop && (peek(e, '+') || peek(e, '-'))) {
		char op = e->t[e->pos++];
		struct val b;
		parse_mul(e, &b);
		*out = arith(op, deref(e, *out), deref(e, b));
	}
}

static void
parse_concat(struct ev *e, struct val *out)
{
	parse_add(e, out);
	while (!e->stop && accept(e, '&')) {
		struct val b;
		parse_add(e, &b);
		struct val a = deref(e, *out);
		b = deref(e, b);
		GString *s = g_string_new(NULL);
		if (to_str(&a, s) && to_str(&b, s) && s->len <= DEOB_STR_MAX &&
		    step(e, s->len / BYTES_PER_STEP))
			*out = (struct val){ .k = V_STR, .s = s, .built = true };
		else {
			g_string_free(s, TRUE);
			*out = UNKNOWN;
		}
		val_clear(&a);
		val_clear(&b);
	}
}

/* Comparison: = <> < > <= >= (strings in any case). */
static void
parse_expr(struct ev *e, struct val *out)
{
	parse_concat(e, out);
	for (;;) {
		skip_ws(e);
		if (e->stop || e->pos >= e->n || strchr("=<>", e->t[e->pos]) == NULL)
			return;
		char op[3] = { e->t[e->pos++], 0, 0 };
		if (e->pos < e->n && (e->t[e->pos] == '=' || e->t[e->pos] == '>') && op[0] != '=')
			op[1] = e->t[e->pos++];
		struct val b;
		parse_concat(e, &b);
		struct val a = deref(e, *out);
		b = deref(e, b);
		int cmp = 0;
		bool known = true;
		double x, y;
		if (a.k == V_STR && b.k == V_STR)
			cmp = g_ascii_strcasecmp(a.s->str, b.s->str);
		else if (a.k != V_STR && b.k != V_STR && to_num(&a, &x) && to_num(&b, &y))
			cmp = x < y ? -1 : x > y;
		else
			known = false;
		*out = UNKNOWN;
		if (known) {
			bool t = strcmp(op, "=") == 0 ? cmp == 0 : strcmp(op, "<>") == 0 ? cmp != 0 :
			    strcmp(op, "<") == 0 ? cmp < 0 : strcmp(op, ">") == 0 ? cmp > 0 :
			    strcmp(op, "<=") == 0 ? cmp <= 0 : cmp >= 0;
			*out = (struct val){ .k = V_BOOL, .n = t };
		}
		val_clear(&a);
		val_clear(&b);
	}
}

/* Evaluate the formula of cell c (live: with effects); its value is kept. */
static void
eval_cell(struct ev *e, struct cell *c, bool live)
{
	/* the formula may write its own cell: work on a copy */
	char *f = g_strndup(c->f, c->flen);
	uint64_t key = c->key;
	e->t = f;
	e->n = c->flen;
	e->pos = 0;
	e->sheet = (uint32_t)(key >> 44);
	e->col = (uint32_t)(key >> 22 & 0x3FFFFF);
	e->row = (uint32_t)(key & 0x3FFFFF);
	e->depth = 0;
	e->live = live;
	e->ctl = C_NONE;
	c->ran = true;
	struct val v;
	parse_expr(e, &v);
	v = deref(e, v);
	root(e, &v);
	c = cell_at(e->x, key);
	if (c != NULL && c->f != NULL) {
		val_clear(&c->v);
		c->v = v;
	} else {
		val_clear(&v);
	}
	g_free(f);
}

/* Run the macro from key (one thread: its own call stack). */
static void
run_from(struct ev *e, uint64_t key)
{
	uint64_t stack[CALLS_MAX];
	unsigned sp = 0;
	for (;;) {
		if (!step(e, 1))
			return;
		struct cell *c = cell_at(e->x, key);
		if (c == NULL) {
			/* a blank cell: the next one down the column */
			GTreeNode *nd = g_tree_upper_bound(e->x->cells, &key);
			uint64_t next = nd != NULL ? *(const uint64_t *)g_tree_node_key(nd) : 0;
			if (nd == NULL || next >> 22 != key >> 22)
				goto ret;	/* the column's end: as RETURN */
			key = next;
			continue;
		}
		e->ctl = C_NONE;
		if (c->f != NULL)
			eval_cell(e, c, true);
		if (e->stop)
			return;
		switch (e->ctl) {
		case C_GOTO:
			key = e->target;
			continue;
		case C_RUN:
			if (sp < CALLS_MAX)
				stack[sp++] = key + 1;
			key = e->target;
			continue;
		case C_HALT:
			return;
		case C_RETURN:
			goto ret;
		case C_NONE:
			break;
		}
		key++;	/* the row below (the next key of the same column) */
		continue;
ret:
		if (sp == 0)
			return;
		key = stack[--sp];
	}
}

/* Evaluate once, without effects, a formula that was not run. */
static gboolean
eval_rest(gpointer k, gpointer v, gpointer data)
{
	struct ev *e = data;
	struct cell *c = v;
	(void)k;
	if (c->f != NULL && !c->ran)
		eval_cell(e, c, false);
	return e->stop;
}

void
deob_xlm_run(struct deob_xlm *x, const struct deob_limits *lim, struct deob_result *r)
{
	if (x == NULL || x->done)
		return;
	x->done = true;
	struct ev e = { .x = x, .lim = deob_limits_or_defaults(lim), .r = r };
	GArray *from = x->starts->len > 0 ? x->starts : x->firsts;
	for (guint i = 0; i < from->len && !e.stop; i++)
		run_from(&e, g_array_index(from, uint64_t, i));
	/* eval_cell() changes only values, never the tree, while it is walked */
	if (!e.stop) {
		GTree *t = x->cells;
		g_tree_foreach(t, eval_rest, &e);
	}
}

/* ---- the text form ----------------------------------------------------------- */

void
deob_xlm_lines(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r)
{
	struct deob_xlm *x = deob_xlm_new();
	struct ev e = { .x = x, .row = 1, .col = 1 };
	struct deob_limits l = deob_limits_or_defaults(lim);
	for (size_t p = 0; p < len && text != NULL;) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t end = nl != NULL ? (size_t)(nl - text) : len, ln = end - p;
		const char *s = text + p;
		p = end + 1;
		if (!deob_step(r, &l, 1))
			break;
		if (ln > 0 && s[ln - 1] == '\r')
			ln--;
		bool start = ln >= 7 && memcmp(s, "@start ", 7) == 0;
		if (start) {
			s += 7;
			ln -= 7;
		}
		/* [SHEET!]REF, then a blank */
		size_t sp = 0;
		while (sp < ln && s[sp] != ' ' && s[sp] != '\t')
			sp++;
		const char *bang = memchr(s, '!', sp);
		char *sheet = bang != NULL ? g_strndup(s, (size_t)(bang - s)) : g_strdup("Macro1");
		const char *ref = bang != NULL ? bang + 1 : s;
		uint32_t row, col;
		e.t = s;
		e.n = ln;
		if (parse_ref(&e, ref, (size_t)(s + sp - ref), &row, &col)) {
			if (start)
				deob_xlm_start(x, sheet, row, col);
			else if (sp < ln)
				(void)deob_xlm_cell(x, sheet, row, col, s + sp + 1, ln - sp - 1);
		}
		g_free(sheet);
	}
	if (r->limit == NULL)
		deob_xlm_run(x, lim, r);
	deob_xlm_free(x);
}
