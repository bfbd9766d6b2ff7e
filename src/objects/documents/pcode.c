/*
 * pcode.c - the compiled form of a VBA module (its PerformanceCache, the
 * bytes of a module stream before MODULEOFFSET, [MS-OVBA] 2.3.4.3), read
 * far enough to find VBA stomping: a project whose source was replaced
 * (or blanked) while the p-code that Office really runs was kept.
 *
 * [MS-OVBA] leaves the PerformanceCache undocumented; the layout here was
 * learnt from the design of pcodedmp (V. Bontchev's VBA p-code
 * disassembler) and written anew.  What we read, for VBA6 and VBA7
 * (_VBA_PROJECT Version 0x6B .. 0xFF, [MS-OVBA] 2.3.4.1; 0xFFFF means "no
 * cache", older versions are VBA5 and VBA3 with other layouts) in the
 * little-endian (Windows) form, 32- or 64-bit (dir PROJECTSYSKIND 3):
 *   - the dword at 0x19 locates the line table: at that value + 0x3C a
 *     word 0xCAFE, a word, the number of lines, then one 12-byte entry per
 *     line (4 bytes, the line's p-code length (word), 2 bytes, its offset
 *     (dword) from the end of the table + 10);
 *   - each line is a sequence of instructions: a word whose low 10 bits
 *     are the opcode and whose high 6 bits its type, then operands whose
 *     sizes the opcode fixes (pcode_ops[] below), and for a few opcodes a
 *     counted byte string (a word length, the bytes, a pad byte to even).
 *     The 32-bit VBA6/7 opcode numbers skip three of the 64-bit ones
 *     (translate()).
 * From this we take the string literals (LitStr) and the number of
 * procedure definitions (FuncDefn).  Procedure names would need the
 * project's identifier table (in _VBA_PROJECT) and the module's
 * declaration tables: not read.  Every read is bounded by the cache; any
 * opcode we do not know, any operand past its line, a line past the cache
 * makes the whole module "undecodable": it is then never judged.
 */
#include <string.h>

#include "ole.h"
#include "util/bytes.h"

#define PCODE_LINES_MAX 200000		/* lines read per module */
#define PCODE_LITS_MAX 4096		/* literals kept per module */
#define PCODE_LIT_MAX 4096		/* bytes of one literal kept */
#define PCODE_OPS 264			/* opcodes of VBA7 64-bit numbering */

/*
 * Operand sizes per opcode (64-bit VBA7 numbering): low 3 bits the
 * number of 2-byte operands, bits 3-4 the number of 4-byte ones, then
 * flags.
 */
#define W(n) (n)
#define D(n) ((n) << 3)
#define VARG 0x20	/* a counted byte string follows the operands */
#define VAR 0x40	/* a var_ operand: type bit 0x10 adds a word */
#define CTX 0x80	/* a context_ operand: 64-bit adds a dword */

static const uint8_t pcode_ops[PCODE_OPS] = {
	/* 0-30: operators, no operands */
	[31] = W(1), [32] = W(1), [33] = W(1), [34] = W(1), [35] = W(1),
	[36] = W(2), [37] = W(2), [38] = W(2), [39] = W(1), [40] = W(1),
	[41] = W(1), [42] = W(1), [43] = W(2), [44] = W(2), [45] = W(2),
	[46] = W(1), [47] = W(1), [48] = W(1), [49] = W(1), [50] = W(2),
	[51] = W(2), [52] = W(2), [53] = W(1), [54] = W(1), [55] = W(2),
	[56] = W(2), [57] = W(1), [58] = W(1), [59] = W(2), [60] = W(2),
	[61] = W(1), [62] = W(1), [63] = W(2), [64] = W(2), [65] = W(2),
	[66] = W(2), [67] = W(2), [68] = W(2), [70] = W(1), [73] = W(1),
	[74] = W(1), [85] = W(1), [86] = W(1), [90] = D(1) | CTX, [92] = W(2),
	[102] = W(1), [114] = W(1), [116] = D(1), [117] = W(2), [118] = W(2),
	[119] = W(2), [138] = W(1), [145] = W(1), [148] = W(1), [150] = D(1),
	[151] = D(1), [153] = W(1), [154] = W(1), [157] = W(1), [158] = W(1),
	[159] = W(4), [163] = W(1), [165] = W(1), [166] = VARG, [168] = W(1),
	[169] = W(4), [170] = W(4), [172] = W(1), [173] = W(2), [174] = W(4),
	[175] = W(1), [176] = W(2), [177] = W(4), [179] = W(1), [180] = W(2),
	[181] = W(4), [182] = W(2), [183] = W(4), [185] = VARG,
	[194] = W(2) | D(1), [195] = W(2) | D(1), [196] = W(2) | D(1),
	[197] = W(2) | D(1), [201] = W(1), [204] = W(1), [205] = VARG,
	[206] = VARG, [207] = W(1), [212] = W(1), [225] = W(1),
	[227] = W(1) | VARG, [228] = W(2) | D(1), [229] = W(2) | D(1),
	[230] = VARG, [231] = VARG, [232] = W(1), [235] = W(1), [238] = W(1),
	[241] = W(2), [243] = D(1), [245] = D(1) | VAR, [251] = W(1),
	[261] = W(1),
};

#define OP_FUNCDEFN 150
#define OP_LITSTR 185

/* A 32-bit VBA6/7 opcode in the 64-bit numbering, or PCODE_OPS. */
static unsigned
translate(unsigned op, bool is64)
{
	if (is64)
		return op < PCODE_OPS ? op : PCODE_OPS;
	if (op <= 173)
		return op;
	if (op <= 175)
		return op + 1;
	if (op <= 178)
		return op + 2;
	return op + 3 < PCODE_OPS ? op + 3 : PCODE_OPS;
}

void
vba_pcode_clear(struct vba_pcode *pc)
{
	if (pc->lits != NULL)
		g_ptr_array_unref(pc->lits);
	memset(pc, 0, sizeof *pc);
}

/* One line's instructions, p[0..n): false when it does not decode. */
static bool
line(struct vba_pcode *pc, const uint8_t *p, size_t n, bool is64)
{
	size_t i = 0;
	while (i < n) {
		if (n - i < 2)
			return false;
		unsigned w = le16(p + i);
		i += 2;
		unsigned type = w >> 10;
		unsigned op = translate(w & 0x3FF, is64);
		if (op >= PCODE_OPS)
			return false;
		uint8_t d = pcode_ops[op];
		size_t need = (size_t)(d & 7) * 2 + (size_t)((d >> 3) & 3) * 4;
		if ((d & CTX) && is64)
			need += 4;
		if ((d & VAR) && (type & 0x10))
			need += 2;
		if (n - i < need)
			return false;
		i += need;
		if (op == OP_FUNCDEFN)
			pc->funcs++;
		pc->instrs++;
		if (!(d & VARG))
			continue;
		if (n - i < 2)
			return false;
		size_t l = le16(p + i);
		i += 2;
		if (n - i < l)
			return false;
		if (op == OP_LITSTR && l > 0 && pc->lits->len < PCODE_LITS_MAX)
			g_ptr_array_add(pc->lits, g_bytes_new(p + i, MIN(l, (size_t)PCODE_LIT_MAX)));
		i += l;
		if (l & 1) {
			if (i >= n)
				return false;
			i++;
		}
	}
	return true;
}

enum vba_pcode_status
vba_pcode_read(const uint8_t *p, size_t n, unsigned version, bool is64, struct vba_pcode *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->lits = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	if (n == 0)
		return PCODE_NONE;
	if (version < 0x6B || version > 0xFF)
		return PCODE_UNKNOWN;	/* VBA3/5, or 0xFFFF: no usable cache */
	if (n < 0x1D || le16(p + 2) > 0xFF)
		return PCODE_UNKNOWN;	/* too short, or big-endian (Mac) */
	uint64_t t = (uint64_t)le32(p + 0x19) + 0x3C;
	if (t + 6 > n || le16(p + t) != 0xCAFE)
		return PCODE_UNKNOWN;
	size_t lines = le16(p + t + 4);
	size_t tab = (size_t)t + 6;
	uint64_t start = (uint64_t)tab + (uint64_t)lines * 12 + 10;
	if (lines > PCODE_LINES_MAX || start > n)
		return PCODE_UNKNOWN;
	for (size_t k = 0; k < lines; k++) {
		const uint8_t *e = p + tab + k * 12;
		size_t l = le16(e + 4);
		uint64_t off = start + le32(e + 8);
		if (l == 0)
			continue;
		if (off > n || l > n - off)
			return PCODE_UNKNOWN;
		if (!line(pc, p + off, l, is64))
			return PCODE_UNKNOWN;
		pc->lines++;
	}
	return PCODE_OK;
}

/* Whether lit (a p-code literal) is written in src as a string literal:
 * within double quotes, its own quotes doubled. */
static bool
literal_in(const uint8_t *lit, size_t n, const char *src, size_t len)
{
	GString *q = g_string_sized_new(n + 8);
	g_string_append_c(q, '"');
	for (size_t i = 0; i < n; i++) {
		if (lit[i] == '"')
			g_string_append_c(q, '"');
		g_string_append_c(q, (char)lit[i]);
	}
	g_string_append_c(q, '"');
	bool hit = q->len <= len && memmem(src, len, q->str, q->len) != NULL;
	g_string_free(q, TRUE);
	return hit;
}

/* Whether a (lower case) whole word w is in s[0..n). */
static bool
has_word(const char *s, size_t n, const char *w)
{
	size_t l = strlen(w);
	for (size_t i = 0; i + l <= n; i++) {
		if (g_ascii_strncasecmp(s + i, w, l) != 0)
			continue;
		bool before = i == 0 || !(g_ascii_isalnum(s[i - 1]) || s[i - 1] == '_');
		bool after = i + l == n || !(g_ascii_isalnum(s[i + l]) || s[i + l] == '_');
		if (before && after)
			return true;
	}
	return false;
}

bool
vba_pcode_stomped(const struct vba_pcode *pc, const char *src, size_t len, GString *why)
{
	for (guint i = 0; i < pc->lits->len; i++) {
		gsize n = 0;
		const uint8_t *l = g_bytes_get_data(pc->lits->pdata[i], &n);
		if (literal_in(l, n, src, len))
			continue;
		GString *s = g_string_new(NULL);
		for (gsize k = 0; k < n && k < 80; k++)
			g_string_append_c(s, l[k] >= 0x20 && l[k] < 0x7F ? (char)l[k] : '?');
		g_string_append_printf(why, "p-code string \"%s\" not in the source", s->str);
		g_string_free(s, TRUE);
		return true;
	}
	if (pc->funcs > 0 && !has_word(src, len, "sub") && !has_word(src, len, "function") &&
	    !has_word(src, len, "property")) {
		g_string_append_printf(why, "p-code defines %u procedure%s, the source none",
		    pc->funcs, pc->funcs == 1 ? "" : "s");
		return true;
	}
	return false;
}
