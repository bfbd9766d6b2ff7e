/*
 * sylk.c - SYLK (.slk, Microsoft's "symbolic link" spreadsheet format)
 * and the Excel 4.0 macros it can carry.
 *
 * SYLK is text: records separated by CR LF (Excel also takes LF or CR
 * alone), each a record type of one or two letters and fields each
 * introduced by ';' and a letter; ";;" inside a field is a ';' of its
 * value.  Microsoft never published it; what we read follows the
 * Multiplan-era description ("The SYLK File Format") and Microsoft's
 * "sylksum" summary of the fields Excel uses:
 *   ID;P<program>      the first record;
 *   C;Y<row>;X<col>;K<value>;E<expression>   a cell: its constant value
 *                      ("text" quoted, a number, TRUE/FALSE) and its
 *                      formula in R1C1 form without the '='; ;Y and ;X
 *                      are sticky (a record without them means the row
 *                      or column of the record before, F records too);
 *                      ;S;R<row>;C<col> shares the formula of that cell;
 *   NN;N<name>;E<expression>   a defined name: Auto_Open pointing at a
 *                      cell (";ER1C1") starts the macro when the file
 *                      opens;
 *   O;...;E;...        the sheet options: a field E alone makes the
 *                      sheet an Excel 4.0 macro sheet;
 *   E                  the end.
 * As Outflank showed (2019), Excel opens a .slk, and a file named .csv
 * whose first bytes are "ID;", as a spreadsheet and runs its Auto_Open
 * macro (after the "enable content" prompt), so a macro dropper fits in a
 * few lines of text.
 *
 * Facts: XLM_MACRO (a macro sheet with formulas, or any formula calling a
 * function only macro sheets have: EXEC, CALL, REGISTER ...),
 * XLM_AUTOEXEC (Auto_Open/Auto_Close names), XLM_SUSPICIOUS_FORMULA (the
 * rule of xlm.c: EXEC, CALL, REGISTER, and string constants naming
 * download and execution APIs or programs), DDE_FIELD (a formula
 * cmd|'/c ...'!A0 reaching a program through DDE); the URLs in string
 * constants and values (obj_urls_in_text); then the cells are run by the
 * XLM evaluator (sandbox_run_xlm(): DEOBFUSCATED_URL,
 * DEOBFUSCATED_COMMAND).
 *
 * Bounds: SYLK_RECORDS_MAX records, fields of FIELD_MAX bytes (longer:
 * cut), rows and columns as Excel's; the evaluator has its own.
 */
#include <string.h>

#include "documents.h"

#define SYLK_RECORDS_MAX 1000000u	/* records read */
#define FIELD_MAX 8192u			/* bytes of one field kept */
#define SHOW 100			/* of a formula, in a fact */
#define SHEET "sylk"			/* the evaluator's name of the one sheet */

/* Functions only macro sheets have, that a worksheet formula cannot call:
 * their presence makes formulas a macro. */
static const char *const macro_funcs[] = {
	"EXEC", "CALL", "REGISTER", "FORMULA", "FORMULA.FILL", "GOTO", "RUN", "HALT",
	"RETURN", "SET.VALUE", "SET.NAME", "ALERT", "FOPEN", "FWRITE", "FWRITELN", NULL
};

/* Functions that run code or call Windows (as xlm.c's). */
static const char *const bad_funcs[] = { "EXEC", "CALL", "REGISTER", "REGISTER.ID", NULL };

struct sylk {
	struct obj_tree *t;
	struct mobj *o;
	struct sandbox_xlm sx;
	uint32_t row, col;	/* the current cell (sticky ;Y ;X) */
	bool macro_sheet;	/* O;E */
	bool macro_func;	/* a formula calls a macro-only function */
	unsigned formulas;
	GHashTable *shared;	/* "row,col" -> formula text, for ;S */
};

/* Whether function name (NUL-terminated, upper case) is called in f. */
static bool
calls(const char *f, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i + l < n; i++) {
		if (g_ascii_strncasecmp(f + i, name, l) != 0)
			continue;
		if (i > 0 && (g_ascii_isalnum(f[i - 1]) || f[i - 1] == '.' || f[i - 1] == '_'))
			continue;
		size_t j = i + l;
		while (j < n && f[j] == ' ')
			j++;
		if (j < n && f[j] == '(')
			return true;
	}
	return false;
}

/* A formula that reaches a program through DDE: cmd|'/c calc'!A0. */
static bool
is_dde(const char *f, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (f[i] != '|')
			continue;
		size_t j = i + 1;
		while (j < n && f[j] == ' ')
			j++;
		if (j < n && (f[j] == '\'' || f[j] == '"'))
			return true;
	}
	return calls(f, n, "DDE") || calls(f, n, "DDEAUTO");
}

/* The string constants of formula f ("" a quote): their URLs and names. */
static void
formula_strings(struct sylk *s, const char *f, size_t n)
{
	GString *lit = g_string_new(NULL);
	for (size_t i = 0; i < n; i++) {
		if (f[i] != '"')
			continue;
		g_string_truncate(lit, 0);
		for (i++; i < n; i++) {
			if (f[i] == '"' && i + 1 < n && f[i + 1] == '"')
				i++;
			else if (f[i] == '"')
				break;
			g_string_append_c(lit, f[i]);
		}
		obj_urls_in_text(s->o, lit->str, lit->len);
		if (xlm_bad_string(lit->str, lit->len))
			obj_fact(s->o, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "\"%.100s\"", lit->str);
	}
	g_string_free(lit, TRUE);
}

/* A cell's formula (R1C1, without '='). */
static void
formula(struct sylk *s, const char *f, size_t n)
{
	s->formulas++;
	for (size_t k = 0; macro_funcs[k] != NULL && !s->macro_func; k++)
		s->macro_func = calls(f, n, macro_funcs[k]);
	for (size_t k = 0; bad_funcs[k] != NULL; k++)
		if (calls(f, n, bad_funcs[k]))
			obj_fact(s->o, OBJ_FACT_XLM_SUSPICIOUS_FORMULA, "%s", bad_funcs[k]);
	if (is_dde(f, n))
		obj_fact(s->o, OBJ_FACT_DDE_FIELD, "=%.*s", (int)MIN(n, (size_t)SHOW), f);
	formula_strings(s, f, n);
	GString *t = g_string_new("=");
	g_string_append_len(t, f, (gssize)n);
	sandbox_xlm_cell(&s->sx, SHEET, s->row, s->col, t->str, t->len);
	g_string_free(t, TRUE);
}

/* A cell's constant (;K): "text", a number, TRUE, FALSE, #errors. */
static void
value(struct sylk *s, const char *v, size_t n)
{
	if (n >= 1 && v[0] == '"') {
		v++;
		n--;
		if (n > 0 && v[n - 1] == '"')
			n--;
		obj_urls_in_text(s->o, v, n);
	}
	sandbox_xlm_cell(&s->sx, SHEET, s->row, s->col, v, n);
}

/* A number field (;X12) into *out when in 1..max. */
static void
field_num(const GString *f, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 1;
	for (; i < f->len && g_ascii_isdigit(f->str[i]) && v <= max; i++)
		v = v * 10 + (uint64_t)(f->str[i] - '0');
	if (i == f->len && i > 1 && v >= 1 && v <= max)
		*out = (uint32_t)v;
}

/* An absolute R1C1 reference ("R3C1", "$A$1" not): its row and column. */
static bool
r1c1(const char *e, size_t n, uint32_t *row, uint32_t *col)
{
	uint32_t r = 0, c = 0;
	size_t i = 0;
	if (i >= n || g_ascii_toupper(e[i++]) != 'R')
		return false;
	for (; i < n && g_ascii_isdigit(e[i]) && r < 1048576; i++)
		r = r * 10 + (uint32_t)(e[i] - '0');
	if (i >= n || g_ascii_toupper(e[i++]) != 'C')
		return false;
	for (; i < n && g_ascii_isdigit(e[i]) && c < 16384; i++)
		c = c * 10 + (uint32_t)(e[i] - '0');
	*row = r;
	*col = c;
	return i == n && r >= 1 && c >= 1 && r <= 1048576 && c <= 16384;
}

static void
gstring_free(gpointer p)
{
	g_string_free(p, TRUE);
}

/* The fields of one record (rec[0..n): "C;Y1;X1;K..."), ";;" made ';'. */
static GPtrArray *
fields(const char *rec, size_t n)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(gstring_free);
	GString *f = g_string_new(NULL);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && rec[i] == ';' && i + 1 < n && rec[i + 1] == ';') {
			if (f->len < FIELD_MAX)
				g_string_append_c(f, ';');
			i++;
		} else if (i == n || rec[i] == ';') {
			g_ptr_array_add(a, f);
			f = g_string_new(NULL);
		} else if (f->len < FIELD_MAX) {
			g_string_append_c(f, rec[i]);
		}
	}
	g_string_free(f, TRUE);
	return a;
}

static void
record(struct sylk *s, const char *rec, size_t n)
{
	GPtrArray *a = fields(rec, n);
	const GString *type = a->pdata[0];
	const GString *k = NULL, *e = NULL, *name = NULL;
	uint32_t sr = 0, sc = 0;
	bool shared = false;
	for (guint i = 1; i < a->len; i++) {
		const GString *f = a->pdata[i];
		if (f->len == 0)
			continue;
		switch (f->str[0]) {
		case 'Y': field_num(f, 1048576, &s->row); break;
		case 'X': field_num(f, 16384, &s->col); break;
		case 'K': k = f; break;
		case 'E': e = f; break;
		case 'N': name = f; break;
		case 'S': shared = true; break;
		case 'R': field_num(f, 1048576, &sr); break;
		case 'C': field_num(f, 16384, &sc); break;
		}
	}
	if (strcmp(type->str, "O") == 0) {
		for (guint i = 1; i < a->len; i++)
			if (strcmp(((const GString *)a->pdata[i])->str, "E") == 0)
				s->macro_sheet = true;
	} else if (strcmp(type->str, "C") == 0 && s->row > 0 && s->col > 0) {
		char key[32];
		if (e != NULL && e->len > 1) {
			formula(s, e->str + 1, e->len - 1);
			if (g_hash_table_size(s->shared) < 65536) {
				g_snprintf(key, sizeof key, "%u,%u", s->row, s->col);
				g_hash_table_replace(s->shared, g_strdup(key),
				    g_strndup(e->str + 1, e->len - 1));
			}
		} else if (shared && sr > 0 && sc > 0) {
			g_snprintf(key, sizeof key, "%u,%u", sr, sc);
			const char *f = g_hash_table_lookup(s->shared, key);
			if (f != NULL) {
				char *copy = g_strdup(f);	/* the table may change */
				formula(s, copy, strlen(copy));
				g_free(copy);
			}
		} else if (k != NULL && k->len > 1) {
			value(s, k->str + 1, k->len - 1);
		}
	} else if (strcmp(type->str, "NN") == 0 && name != NULL && name->len > 1) {
		const char *nm = name->str + 1;
		if (g_ascii_strncasecmp(nm, "_xlnm.", 6) == 0)
			nm += 6;
		if (g_ascii_strncasecmp(nm, "Auto_Open", 9) == 0 ||
		    g_ascii_strncasecmp(nm, "Auto_Close", 10) == 0) {
			const char *x = e != NULL && e->len > 1 ? e->str + 1 : "";
			obj_fact(s->o, OBJ_FACT_XLM_AUTOEXEC, "%.100s -> %.100s", name->str + 1, x);
			uint32_t r, c;
			if (g_ascii_strncasecmp(nm, "Auto_Open", 9) == 0 &&
			    r1c1(x, strlen(x), &r, &c))
				sandbox_xlm_start(&s->sx, SHEET, r, c);
		}
	}
	g_ptr_array_unref(a);
}

void
sylk_analyse(struct obj_tree *t, struct mobj *o)
{
	const char *p = (const char *)o->data;
	size_t n = o->len;
	struct sylk s = { .t = t, .o = o };
	s.shared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sandbox_xlm_init(&s.sx);
	size_t i = 0;
	for (unsigned k = 0; i < n && k < SYLK_RECORDS_MAX; k++) {
		size_t e = i;
		while (e < n && p[e] != '\r' && p[e] != '\n')
			e++;
		if (e > i) {
			if (e - i == 1 && p[i] == 'E')
				break;	/* the end */
			record(&s, p + i, e - i);
		}
		i = e;
		while (i < n && (p[i] == '\r' || p[i] == '\n'))
			i++;
	}
	if (s.formulas > 0 && (s.macro_sheet || s.macro_func))
		obj_fact(o, OBJ_FACT_XLM_MACRO, "%s", s.macro_sheet ? "SYLK macro sheet" :
		    "SYLK macro formulas");
	if (s.formulas > 0 && (s.macro_sheet || s.macro_func))
		sandbox_run_xlm(t, o, &s.sx);
	else
		sandbox_run_xlm(NULL, o, &s.sx);	/* frees */
	g_hash_table_unref(s.shared);
}
