/*
 * sa_meta.c - SpamAssassin meta rule expressions (sa_meta.h): a lexer
 * that cuts tokens as SpamAssassin's ARITH_EXPRESSION_LEXER does, a
 * precedence-climbing parser (Perl's precedence; recursion bounded by
 * SA_META_DEPTH_MAX) that emits bytecode for a value stack, and a loop
 * that runs it.  && and || compile to jumps that keep the deciding
 * operand (Perl's values and short-circuit), ?: to two jumps, chained
 * comparisons to a compare-and-jump per link; every jump goes forward, so
 * an evaluation runs at most ncode instructions.
 */
#include "spam/sa_meta.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The value stack: one value per pending left operand, at most one per
 * nesting level plus a chained comparison's pair. */
#define STACK_MAX (SA_META_DEPTH_MAX + 8)

enum op {
	OP_RULE,	/* push hits[arg] */
	OP_NUM,		/* push consts[arg] */
	OP_NOT, OP_NEG,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_XOR,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	/* [a b] -> a op b true: [b]; false: [0] and jump to arg */
	OP_CLT, OP_CLE, OP_CGT, OP_CGE, OP_CEQ, OP_CNE,
	OP_JT_KEEP,	/* ||: top true: jump to arg, keep it; else pop */
	OP_JF_KEEP,	/* &&: top false: jump to arg, keep it; else pop */
	OP_JF_POP,	/* ?: pop; false: jump to arg */
	OP_JMP,
};

struct insn {
	uint8_t op;
	int32_t arg;
};

struct sa_meta {
	struct insn *code;
	size_t ncode;
	double *consts;
	size_t nconsts;
	int *deps;
	size_t ndeps;
};

enum tok {
	T_END, T_NAME, T_NUM, T_LP, T_RP, T_OR, T_AND, T_XOR, T_NOT,
	T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_QUEST, T_COLON,
};

/* binding strength of the binary operators (Perl's perlop table) */
enum prec {
	P_NONE, P_COND, P_OR, P_AND, P_XOR, P_EQ, P_REL, P_ADD, P_MUL, P_UNARY,
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;		/* next byte to lex */
	size_t split_end;	/* inside a run of + and - cut into operators */
	/* the current token */
	enum tok t;
	size_t tpos, tlen;
	double num;
	/* output */
	struct insn *code;
	size_t ncode, capcode;
	double *consts;
	size_t nconsts;
	int *deps;
	size_t ndeps;
	size_t sp, spmax;
	sa_meta_lookup lookup;
	void *ud;
	char *err;
	size_t errlen;
	bool failed;
};

static void G_GNUC_PRINTF(3, 4)
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	if (p->err == NULL || p->errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	if (k >= 0 && (size_t)k < p->errlen)
		snprintf(p->err + k, p->errlen - (size_t)k, " at byte %zu", pos);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A run of [-+0-9.], SpamAssassin's "number" token: digits with an
 * optional '.' and digits, or one or two of + and - (which Perl then
 * reads as operators). */
static void
lex_run(struct parser *p)
{
	size_t b = p->pos, e = b;
	while (e < p->len && (is_digit(p->s[e]) || p->s[e] == '.' || p->s[e] == '-' || p->s[e] == '+'))
		e++;
	size_t i = b;
	while (i < e && is_digit(p->s[i]))
		i++;
	if (i > b && i < e && p->s[i] == '.' && i + 1 < e && is_digit(p->s[i + 1])) {
		i++;
		while (i < e && is_digit(p->s[i]))
			i++;
	}
	if (i > b && i == e) {
		char buf[64];
		p->t = T_NUM;
		p->tpos = b;
		p->tlen = e - b;
		if (p->s[b] == '0' && e - b > 1 && is_digit(p->s[b + 1])) {
			/* Perl reads 010 as octal 8 (and 010.5 as "8" . "5") */
			double v = 0;
			for (size_t k = b; k < e; k++) {
				if (p->s[k] == '.' || p->s[k] > '7') {
					fail(p, b, "invalid number '%.*s' (Perl reads a leading 0 as "
					    "octal)", (int)MIN(e - b, 40), p->s + b);
					return;
				}
				v = v * 8 + (p->s[k] - '0');
			}
			p->num = v;
		} else if (e - b < sizeof buf) {
			memcpy(buf, p->s + b, e - b);
			buf[e - b] = '\0';
			p->num = g_ascii_strtod(buf, NULL);
		} else {
			char *tmp = g_strndup(p->s + b, e - b);
			p->num = g_ascii_strtod(tmp, NULL);
			g_free(tmp);
		}
		p->pos = e;
		return;
	}
	bool signs = e - b <= 2;
	for (size_t k = b; k < e; k++)
		if (p->s[k] != '+' && p->s[k] != '-')
			signs = false;
	if (signs && e - b == 2 && p->s[b] == p->s[b + 1]) {
		fail(p, b, "syntax error: %c%c is Perl's increment or decrement", p->s[b], p->s[b]);
		return;
	}
	if (!signs) {
		fail(p, b, "invalid token '%.*s' (a number is digits with an optional "
		    "fraction; put spaces around + and -)", (int)MIN(e - b, 40), p->s + b);
		return;
	}
	p->split_end = e;
}

static void
next(struct parser *p)
{
	if (p->failed) {
		p->t = T_END;
		return;
	}
	if (p->split_end > p->pos) {
		p->tpos = p->pos;
		p->tlen = 1;
		p->t = p->s[p->pos] == '+' ? T_PLUS : T_MINUS;
		p->pos++;
		return;
	}
	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
	p->tpos = p->pos;
	p->tlen = 1;
	if (p->pos >= p->len) {
		p->t = T_END;
		p->tlen = 0;
		return;
	}
	char c = p->s[p->pos];
	char d = p->pos + 1 < p->len ? p->s[p->pos + 1] : '\0';
	if (is_digit(c) || c == '.' || c == '+' || c == '-') {
		lex_run(p);
		if (p->failed)
			p->t = T_END;
		else if (p->split_end > p->pos)
			next(p);
		return;
	}
	if (is_word(c)) {
		size_t e = p->pos;
		while (e < p->len && (is_word(p->s[e]) || p->s[e] == ':'))
			e++;
		if (memchr(p->s + p->pos, ':', e - p->pos) != NULL) {
			fail(p, p->pos, "invalid token '%.*s' (a rule name has no ':'; "
			    "put spaces around ?:)", (int)MIN(e - p->pos, 40), p->s + p->pos);
			p->t = T_END;
			return;
		}
		if (e - p->pos > SA_META_NAME_MAX) {
			fail(p, p->pos, "rule name longer than %d bytes", SA_META_NAME_MAX);
			p->t = T_END;
			return;
		}
		p->t = T_NAME;
		p->tlen = e - p->pos;
		p->pos = e;
		return;
	}
	p->pos++;
	switch (c) {
	case '(': p->t = T_LP; return;
	case ')': p->t = T_RP; return;
	case '^': p->t = T_XOR; return;
	case '*': p->t = T_STAR; return;
	case '/': p->t = T_SLASH; return;
	case '?': p->t = T_QUEST; return;
	case ':': p->t = T_COLON; return;
	case '|':
	case '&':
		if (d == c) {
			p->pos++;
			p->tlen = 2;
			p->t = c == '|' ? T_OR : T_AND;
			return;
		}
		break;
	case '!':
	case '=':
	case '<':
	case '>':
		if (d == '=') {
			p->pos++;
			p->tlen = 2;
			p->t = c == '!' ? T_NE : c == '=' ? T_EQ : c == '<' ? T_LE : T_GE;
			return;
		}
		if (c == '=')
			break;
		p->t = c == '!' ? T_NOT : c == '<' ? T_LT : T_GT;
		return;
	default:
		break;
	}
	if ((unsigned char)c >= 0x21 && (unsigned char)c < 0x7f)
		fail(p, p->tpos, "syntax error: unexpected '%c'", c);
	else
		fail(p, p->tpos, "syntax error: unexpected byte 0x%02x", (unsigned char)c);
	p->t = T_END;
}

static const char *
tok_name(enum tok t)
{
	static const char *const names[] = {
		[T_END] = "end of expression", [T_NAME] = "rule name", [T_NUM] = "number",
		[T_LP] = "'('", [T_RP] = "')'", [T_OR] = "'||'", [T_AND] = "'&&'",
		[T_XOR] = "'^'", [T_NOT] = "'!'", [T_LT] = "'<'", [T_LE] = "'<='",
		[T_GT] = "'>'", [T_GE] = "'>='", [T_EQ] = "'=='", [T_NE] = "'!='",
		[T_PLUS] = "'+'", [T_MINUS] = "'-'", [T_STAR] = "'*'", [T_SLASH] = "'/'",
		[T_QUEST] = "'?'", [T_COLON] = "':'",
	};
	return names[t];
}

/* Appends one instruction; the stack effect is the caller's (p->sp). */
static size_t
emit(struct parser *p, enum op op, int32_t arg)
{
	if (p->ncode == p->capcode) {
		p->capcode = p->capcode != 0 ? p->capcode * 2 : 64;
		p->code = g_renew(struct insn, p->code, p->capcode);
	}
	p->code[p->ncode].op = (uint8_t)op;
	p->code[p->ncode].arg = arg;
	return p->ncode++;
}

static void
push(struct parser *p)
{
	p->sp++;
	if (p->sp > p->spmax)
		p->spmax = p->sp;
}

static void
patch(struct parser *p, size_t at)
{
	p->code[at].arg = (int32_t)p->ncode;
}

static void
operand(struct parser *p)
{
	if (p->t == T_NUM) {
		p->consts[p->nconsts] = p->num;
		emit(p, OP_NUM, (int32_t)p->nconsts++);
		push(p);
		next(p);
		return;
	}
	/* T_NAME */
	int r = p->lookup(p->s + p->tpos, p->tlen, p->ud);
	if (r == SA_META_ZERO) {
		p->consts[p->nconsts] = 0;
		emit(p, OP_NUM, (int32_t)p->nconsts++);
	} else if (r < 0) {
		fail(p, p->tpos, "undefined rule %.*s", (int)p->tlen, p->s + p->tpos);
		return;
	} else {
		emit(p, OP_RULE, r);
		p->deps[p->ndeps++] = r;
	}
	push(p);
	next(p);
}

static enum prec
binary_prec(enum tok t)
{
	switch (t) {
	case T_QUEST: return P_COND;
	case T_OR: return P_OR;
	case T_AND: return P_AND;
	case T_XOR: return P_XOR;
	case T_EQ: case T_NE: return P_EQ;
	case T_LT: case T_LE: case T_GT: case T_GE: return P_REL;
	case T_PLUS: case T_MINUS: return P_ADD;
	case T_STAR: case T_SLASH: return P_MUL;
	default: return P_NONE;
	}
}

static enum op
cmp_op(enum tok t, bool chained)
{
	enum op o;
	switch (t) {
	case T_LT: o = OP_LT; break;
	case T_LE: o = OP_LE; break;
	case T_GT: o = OP_GT; break;
	case T_GE: o = OP_GE; break;
	case T_EQ: o = OP_EQ; break;
	default: o = OP_NE; break;
	}
	return chained ? (enum op)(o - OP_LT + OP_CLT) : o;
}

static void expr(struct parser *p, enum prec min, unsigned depth);

/* A primary with its unary operators. */
static void
unary(struct parser *p, unsigned depth)
{
	if (depth > SA_META_DEPTH_MAX) {
		fail(p, p->tpos, "expression nested deeper than %d", SA_META_DEPTH_MAX);
		return;
	}
	size_t at = p->tpos;
	switch (p->t) {
	case T_NOT:
	case T_MINUS:
	case T_PLUS: {
		enum tok t = p->t;
		next(p);
		unary(p, depth + 1);
		if (t == T_NOT)
			emit(p, OP_NOT, 0);
		else if (t == T_MINUS)
			emit(p, OP_NEG, 0);
		return;
	}
	case T_LP:
		next(p);
		if (p->t == T_RP) {
			fail(p, at, "syntax error: empty parentheses");
			return;
		}
		expr(p, P_COND, depth + 1);
		if (p->failed)
			return;
		if (p->t != T_RP) {
			fail(p, p->tpos, "syntax error: expected ')' (opened at byte %zu), found %s",
			    at, tok_name(p->t));
			return;
		}
		next(p);
		return;
	case T_NAME:
	case T_NUM:
		operand(p);
		return;
	default:
		fail(p, at, "syntax error: expected a rule name, a number, '(' or a unary "
		    "operator, found %s", tok_name(p->t));
		return;
	}
}

/* Operators binding at least as tightly as min, after a first operand. */
static void
expr(struct parser *p, enum prec min, unsigned depth)
{
	if (depth > SA_META_DEPTH_MAX) {
		fail(p, p->tpos, "expression nested deeper than %d", SA_META_DEPTH_MAX);
		return;
	}
	unary(p, depth);
	while (!p->failed) {
		enum tok t = p->t;
		enum prec pr = binary_prec(t);
		if (pr == P_NONE || pr < min)
			return;
		next(p);
		switch (pr) {
		case P_COND: {
			/* right-associative; the branches are whole expressions */
			size_t jf = emit(p, OP_JF_POP, 0);
			p->sp--;
			expr(p, P_COND, depth + 1);
			if (p->failed)
				return;
			if (p->t != T_COLON) {
				fail(p, p->tpos, "syntax error: expected ':' of '?', found %s",
				    tok_name(p->t));
				return;
			}
			next(p);
			size_t j = emit(p, OP_JMP, 0);
			patch(p, jf);
			p->sp--;
			expr(p, P_COND, depth + 1);
			patch(p, j);
			break;
		}
		case P_OR:
		case P_AND: {
			size_t j = emit(p, pr == P_OR ? OP_JT_KEEP : OP_JF_KEEP, 0);
			p->sp--;
			expr(p, (enum prec)(pr + 1), depth + 1);
			patch(p, j);
			break;
		}
		case P_EQ:
		case P_REL: {
			/* Perl >= 5.32 chains a < b < c as a < b && b < c; the chain's
			 * jumps are linked through their arg until patched */
			int32_t links = -1;
			expr(p, (enum prec)(pr + 1), depth + 1);
			while (!p->failed && binary_prec(p->t) == pr) {
				size_t j = emit(p, cmp_op(t, true), links);
				links = (int32_t)j;
				p->sp--;
				t = p->t;
				next(p);
				expr(p, (enum prec)(pr + 1), depth + 1);
			}
			if (p->failed)
				return;
			emit(p, cmp_op(t, false), 0);
			p->sp--;
			while (links >= 0) {
				int32_t prev = p->code[links].arg;
				patch(p, (size_t)links);
				links = prev;
			}
			break;
		}
		default: {
			expr(p, (enum prec)(pr + 1), depth + 1);
			enum op o = t == T_XOR ? OP_XOR : t == T_PLUS ? OP_ADD :
			    t == T_MINUS ? OP_SUB : t == T_STAR ? OP_MUL : OP_DIV;
			emit(p, o, 0);
			p->sp--;
			break;
		}
		}
	}
}

/* Perl's conversion of a number to an unsigned integer for ^ (SvUV):
 * negative numbers through the signed integer, the rest truncated and
 * clamped. */
static uint64_t
perl_uv(double v)
{
	if (isnan(v))
		return 0;
	if (v < 0) {
		if (v <= -9223372036854775808.0)
			return (uint64_t)INT64_MIN;
		return (uint64_t)(int64_t)v;
	}
	if (v >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

static bool
cmp(enum op o, double a, double b)
{
	switch (o) {
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	default: return a != b;
	}
}

/* Runs the code; false on a division by zero.  hits NULL: every rule 0. */
static bool
run(const struct sa_meta *m, const double *hits, double *out)
{
	double st[STACK_MAX];
	size_t sp = 0, pc = 0;
	const struct insn *code = m->code;
	while (pc < m->ncode) {
		const struct insn *in = &code[pc++];
		switch ((enum op)in->op) {
		case OP_RULE:
			st[sp++] = hits != NULL ? hits[in->arg] : 0;
			break;
		case OP_NUM:
			st[sp++] = m->consts[in->arg];
			break;
		case OP_NOT:
			st[sp - 1] = st[sp - 1] != 0 ? 0 : 1;
			break;
		case OP_NEG:
			st[sp - 1] = -st[sp - 1];
			break;
		case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
		case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
		case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
		case OP_DIV:
			sp--;
			if (st[sp] == 0)
				return false;
			st[sp - 1] /= st[sp];
			break;
		case OP_XOR:
			sp--;
			st[sp - 1] = (double)(perl_uv(st[sp - 1]) ^ perl_uv(st[sp]));
			break;
		case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE:
			sp--;
			st[sp - 1] = cmp((enum op)in->op, st[sp - 1], st[sp]) ? 1 : 0;
			break;
		case OP_CLT: case OP_CLE: case OP_CGT: case OP_CGE: case OP_CEQ: case OP_CNE:
			sp--;
			if (cmp((enum op)(in->op - OP_CLT + OP_LT), st[sp - 1], st[sp])) {
				st[sp - 1] = st[sp];
			} else {
				st[sp - 1] = 0;
				pc = (size_t)in->arg;
			}
			break;
		case OP_JT_KEEP:
			if (st[sp - 1] != 0)
				pc = (size_t)in->arg;
			else
				sp--;
			break;
		case OP_JF_KEEP:
			if (st[sp - 1] == 0)
				pc = (size_t)in->arg;
			else
				sp--;
			break;
		case OP_JF_POP:
			if (st[--sp] == 0)
				pc = (size_t)in->arg;
			break;
		case OP_JMP:
			pc = (size_t)in->arg;
			break;
		}
	}
	*out = sp == 1 ? st[0] : 0;
	return true;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Nothing but balanced empty parentheses: SpamAssassin's "meta FOO ()". */
static bool
only_empty_parens(const char *s, size_t len)
{
	size_t open = 0, close = 0;
	for (size_t i = 0; i < len; i++) {
		if (is_space(s[i]))
			continue;
		if (s[i] == '(' && close == 0)
			open++;
		else if (s[i] == ')')
			close++;
		else
			return false;
	}
	return open > 0 && open == close;
}

struct sa_meta *
sa_meta_compile(const char *expr_s, sa_meta_lookup lookup, void *ud, char *err, size_t errlen)
{
	struct parser p = {
		.s = expr_s, .lookup = lookup, .ud = ud, .err = err, .errlen = errlen,
	};
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	p.len = strnlen(expr_s, SA_META_LEN_MAX + 1);
	if (p.len > SA_META_LEN_MAX) {
		fail(&p, SA_META_LEN_MAX, "expression longer than %d bytes", SA_META_LEN_MAX);
		return NULL;
	}
	struct sa_meta *m = g_new0(struct sa_meta, 1);
	if (only_empty_parens(expr_s, p.len)) {
		m->consts = g_new(double, 1);
		m->consts[0] = 0;
		m->nconsts = 1;
		m->code = g_new(struct insn, 1);
		m->code[0] = (struct insn){ .op = OP_NUM, .arg = 0 };
		m->ncode = 1;
		return m;
	}
	/* every operand is one token of at least one byte */
	p.consts = g_new(double, p.len + 1);
	p.deps = g_new(int, p.len + 1);
	next(&p);
	if (!p.failed && p.t == T_END)
		fail(&p, p.tpos, "empty expression");
	if (!p.failed)
		expr(&p, P_COND, 0);
	if (!p.failed && p.t != T_END)
		fail(&p, p.tpos, "syntax error: unexpected %s", tok_name(p.t));
	if (!p.failed && (p.sp != 1 || p.spmax > STACK_MAX))
		fail(&p, 0, "internal error: stack %zu/%zu", p.sp, p.spmax);
	m->code = p.code;
	m->ncode = p.ncode;
	m->consts = p.consts;
	m->nconsts = p.nconsts;
	if (p.failed) {
		g_free(p.deps);
		sa_meta_free(m);
		return NULL;
	}
	/* SpamAssassin's is_meta_valid() evaluates the expression with every
	 * rule 0 and refuses it when that divides by zero */
	double v;
	if (!run(m, NULL, &v)) {
		fail(&p, 0, "division by zero possible (with every rule 0)");
		g_free(p.deps);
		sa_meta_free(m);
		return NULL;
	}
	qsort(p.deps, p.ndeps, sizeof *p.deps, cmp_int);
	size_t k = 0;
	for (size_t i = 0; i < p.ndeps; i++)
		if (k == 0 || p.deps[k - 1] != p.deps[i])
			p.deps[k++] = p.deps[i];
	m->deps = g_renew(int, p.deps, k != 0 ? k : 1);
	m->ndeps = k;
	m->code = g_renew(struct insn, m->code, m->ncode);
	m->consts = g_renew(double, m->consts, m->nconsts != 0 ? m->nconsts : 1);
	return m;
}

void
sa_meta_free(struct sa_meta *m)
{
	if (m == NULL)
		return;
	g_free(m->code);
	g_free(m->consts);
	g_free(m->deps);
	g_free(m);
}

const int *
sa_meta_deps(const struct sa_meta *m, size_t *n)
{
	*n = m->ndeps;
	return m->deps;
}

double
sa_meta_eval(const struct sa_meta *m, const double *hits)
{
	double v;
	return run(m, hits, &v) ? v : 0;
}

size_t
sa_meta_order(struct sa_meta *const *metas, const int *meta_rule, size_t n,
    size_t nrules, size_t *order)
{
	/* nprod[r]: metas computing rule r; indeg[i]: metas meta i waits for;
	 * readers of rule r: rd[rstart[r] .. rstart[r + 1]) */
	size_t *nprod = g_new0(size_t, nrules + 1);
	size_t *rstart = g_new0(size_t, nrules + 2);
	size_t *indeg = g_new0(size_t, n != 0 ? n : 1);
	bool *bad = g_new0(bool, n != 0 ? n : 1);
	for (size_t i = 0; i < n; i++)
		if (meta_rule[i] >= 0 && (size_t)meta_rule[i] < nrules)
			nprod[meta_rule[i]]++;
	size_t nedges = 0;
	for (size_t i = 0; i < n; i++) {
		size_t nd;
		const int *d = sa_meta_deps(metas[i], &nd);
		for (size_t k = 0; k < nd; k++) {
			if (d[k] < 0 || (size_t)d[k] >= nrules) {
				bad[i] = true;
				continue;
			}
			if (nprod[d[k]] == 0)
				continue;
			indeg[i] += nprod[d[k]];
			rstart[d[k] + 1]++;
			nedges++;
		}
	}
	for (size_t r = 0; r < nrules; r++)
		rstart[r + 1] += rstart[r];
	size_t *fill = g_memdup2(rstart, (nrules + 1) * sizeof *rstart);
	size_t *rd = g_new(size_t, nedges != 0 ? nedges : 1);
	for (size_t i = 0; i < n; i++) {
		size_t nd;
		const int *d = sa_meta_deps(metas[i], &nd);
		for (size_t k = 0; k < nd; k++)
			if (d[k] >= 0 && (size_t)d[k] < nrules && nprod[d[k]] != 0)
				rd[fill[d[k]]++] = i;
	}
	/* order[] doubles as the FIFO queue */
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++)
		if (indeg[i] == 0 && !bad[i])
			order[tail++] = i;
	while (head < tail) {
		size_t j = order[head++];
		int r = meta_rule[j];
		if (r < 0 || (size_t)r >= nrules)
			continue;
		for (size_t e = rstart[r]; e < rstart[r + 1]; e++) {
			size_t i = rd[e];
			if (--indeg[i] == 0 && !bad[i])
				order[tail++] = i;
		}
	}
	size_t k = tail;
	/* the rest, ascending: in a cycle, reading one, or reading a bad one */
	bool *done = g_new0(bool, n != 0 ? n : 1);
	for (size_t i = 0; i < k; i++)
		done[order[i]] = true;
	for (size_t i = 0; i < n; i++)
		if (!done[i])
			order[tail++] = i;
	g_free(done);
	g_free(rd);
	g_free(fill);
	g_free(bad);
	g_free(indeg);
	g_free(rstart);
	g_free(nprod);
	return k;
}
