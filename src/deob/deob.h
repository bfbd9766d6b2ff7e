/*
 * deob.h - the static sandbox (issue 18): what a macro or a script would
 * run, recovered without running it.  Droppers build their download URL
 * and command line from Chr(), StrReverse(), Replace(), base64 and
 * concatenation; the evaluators here fold that constant subset of each
 * language into the strings it yields, bounded in steps, bytes and time.
 * No mail knowledge and no I/O: the object tree's analysers hand in a
 * script's text and take the strings back (src/objects/documents/).
 *
 * The evaluators (one file each):
 *   powershell.c  -EncodedCommand/-enc/-e base64 UTF-16LE, [char]N,
 *                 '+' concatenation, -join, -f format strings, [Convert]::
 *                 FromBase64String; what it decodes is analysed again
 *                 (lim->depth);
 *   screnc.c      the Microsoft Script Encoder's #@~^ ... ^#~@ blocks
 *                 (.vbe, .jse, encoded script in HTML and WSF);
 *   vba.c         VBA and VBScript: literals, & and +, Chr/ChrW/ChrB/Asc,
 *                 StrReverse, Replace, Mid/Left/Right, Split/Join, Array,
 *                 Hex/Val, loops over arrays with constant bounds,
 *                 constants and variables assigned once, and the strings
 *                 of the document (UserForm captions, document variables)
 *                 the caller hands in;
 *   js.c          JScript: literals, '+', String.fromCharCode, split/
 *                 reverse/join, replace with a literal;
 *   xlm.c         Excel 4.0 macro sheets: the cells' formulas executed
 *                 from Auto_Open (CHAR, &, MID, FORMULA writing cells,
 *                 GOTO, RUN, EXEC, CALL/REGISTER ...).
 * and deob.c: the result (below).  Which recovered strings are URLs,
 * command lines or file paths the caller judges
 * (src/objects/documents/sandbox.c).
 *
 * Every evaluator reads text[0..len) only (it need not be NUL-terminated
 * nor valid UTF-8), never recurses on the C stack deeper than
 * DEOB_NEST_MAX, and stops at the first of the steps, bytes and time
 * limits it hits: r->limit then says which ("steps", "bytes", "time");
 * what was recovered before is kept.  Past the depth limit (a decode
 * within a decode beyond lim->depth, an expression nested deeper than
 * DEOB_NEST_MAX) that branch alone is left unanalysed, r->limit says
 * "depth" (unless another limit came first) and the rest goes on.  A
 * 10 MB input of garbage finishes well within a second.
 */
#ifndef MAMORI_DEOB_DEOB_H
#define MAMORI_DEOB_DEOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define DEOB_NEST_MAX 64	/* nested parentheses/calls an evaluator follows */
#define DEOB_STR_MAX (64u * 1024u)	/* bytes of one recovered string kept */

struct deob_limits {
	uint64_t steps;		/* evaluation steps per input (0: 1,000,000) */
	size_t bytes;		/* bytes of recovered strings per input (0: 1 MiB) */
	unsigned depth;		/* decodes within decodes (0: 4) */
	int64_t deadline;	/* g_get_monotonic_time() to stop at, 0: none */
};

/* One recovered string: a value the script builds, and how. */
struct deob_str {
	char *value;		/* UTF-8 (invalid bytes replaced), NUL-terminated */
	size_t len;
	const char *how;	/* static: "powershell -EncodedCommand", "Chr()", ... */
};

struct deob_result {
	GPtrArray *strs;	/* struct deob_str *, in the order found */
	GHashTable *seen;	/* the values of strs (not owned): one of each */
	size_t bytes;		/* of the values */
	uint64_t steps;
	const char *limit;	/* NULL, or the limit that stopped: static */
};

void deob_result_init(struct deob_result *r);
void deob_result_clear(struct deob_result *r);

/*
 * Record s[0..len) (made valid UTF-8: invalid bytes and NULs become
 * U+FFFD; cut at DEOB_STR_MAX), unless an equal value is there already.  false when lim->bytes is reached
 * (r->limit = "bytes"; nothing recorded).  Empty strings are skipped.
 */
bool deob_add(struct deob_result *r, const struct deob_limits *lim, const char *s,
    size_t len, const char *how);

/*
 * Count n steps; false once lim->steps are spent (r->limit = "steps") or
 * the deadline passed (r->limit = "time"; the clock is read every 4,096
 * steps).  Evaluators call it for each token or operation.
 */
bool deob_step(struct deob_result *r, const struct deob_limits *lim, uint64_t n);

/* lim's values with the defaults filled in. */
struct deob_limits deob_limits_or_defaults(const struct deob_limits *lim);

/* ---- the evaluators -------------------------------------------------------- */

/* PowerShell source or a command line (powershell.c). */
void deob_powershell(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r);

/*
 * The Microsoft Script Encoder (screnc.c): text with every well-formed
 * #@~^ ... ^#~@ block decoded in place (a block whose checksum is wrong is
 * decoded all the same); *blocks gets the number decoded.  g_free it.
 */
char *deob_screnc(const char *text, size_t len, size_t *out_len, unsigned *blocks);

/*
 * VBA or VBScript source (vba.c).  extra, when not NULL: names of the
 * document's strings the macro may read, to their values (NUL-terminated
 * UTF-8).  A name is the member chain as the macro writes it, each part
 * lower-cased (ASCII) and joined with '.', call arguments in parentheses
 * (strings in double quotes, numbers in decimal, separated by ',' without
 * blanks): "userform1.label1.caption",
 * "activedocument.variables(\"x\").value",
 * "activedocument.builtindocumentproperties(\"comments\")"; a name not
 * found that does not end in ".value" is tried again with it.
 */
void deob_vba(const char *text, size_t len, GHashTable *extra, const struct deob_limits *lim,
    struct deob_result *r);

/* JScript source (js.c). */
void deob_js(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r);

/* ---- Excel 4.0 (XLM) macros (xlm.c) ---------------------------------------- */

/*
 * A macro sheet is cells, not a text: the caller hands in each cell's
 * formula text ("=FORMULA(CHAR(104)&\"ttp://x\",R5C1)", A1 or R1C1
 * references) or constant value, by sheet name, row and column (1-based),
 * and the cells execution starts at (the Auto_Open names; without any, the
 * first formula of each sheet), then runs them.  Recorded: the string
 * arguments of EXEC, SHELL, CALL, REGISTER and of calls to REGISTERed
 * names ("xlm EXEC", "xlm CALL" ...), and every string the macro builds
 * that looks like a URL, a command line or a path ("xlm folding").
 */
struct deob_xlm;

struct deob_xlm *deob_xlm_new(void);
void deob_xlm_free(struct deob_xlm *x);
/* Add (or replace) a cell: text[0..len) is a formula when it starts with
 * '=', else a value (a number when it reads as one).  Past the caps on
 * cells and bytes (xlm.c) a cell is ignored; false then. */
bool deob_xlm_cell(struct deob_xlm *x, const char *sheet, uint32_t row, uint32_t col,
    const char *text, size_t len);
/* A cell execution starts at (in the order given). */
void deob_xlm_start(struct deob_xlm *x, const char *sheet, uint32_t row, uint32_t col);
/* Run from the start cells; then each formula never reached is evaluated
 * once without side effects.  May be called once. */
void deob_xlm_run(struct deob_xlm *x, const struct deob_limits *lim, struct deob_result *r);

/*
 * The same from a text, one cell a line (the fuzz target's, the tests'
 * and the oracle's form): "[SHEET!]REF TEXT", REF in A1 or R1C1 form, a
 * blank or tab before TEXT; "@start [SHEET!]REF" names a start cell.
 * Other lines are ignored.  Sheet "Macro1" when none is named.
 */
void deob_xlm_lines(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r);

/*
 * A Windows batch file or cmd.exe command line (cmd.c): set and %name%,
 * !name!, %name:~start,len%, %name:old=new%, carets, cmd /c nesting, call,
 * for over constant sets, if; the command lines it runs and their URLs.
 */
void deob_cmd(const char *text, size_t len, const struct deob_limits *lim,
    struct deob_result *r);

#endif
