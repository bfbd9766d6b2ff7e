/*
 * lookalike.c - lookalike domains of protected domains (lookalike.h).
 *
 * Everything the checks compare from a protected domain is computed once
 * in bec_protected_new(): its A-labels, registrable domain, the code points
 * of its registrable label and domain (U-labels) folded for confusables,
 * and the UTS #39 skeletons.  A check normalises the candidate into stack
 * buffers; it allocates only through libidn2 and ICU, for an IDN.
 */
#include "bec/lookalike.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <idn2.h>
#include <libpsl.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "util/psl.h"

/* code points of a U-label (an A-label has at most 63 bytes) and of a
 * registrable domain's U-labels (at most BEC_DOMAIN_MAX) */
#define LAB_CP 64
#define DOM_CP (BEC_DOMAIN_MAX + 1)
/* UTF-8 of the U-labels of a domain, and a skeleton of it */
#define UTF8_MAX (4 * DOM_CP)
#define SKEL_MAX (2 * UTF8_MAX)

/* the confusable folds (fold()), one bit each, in the order of their names */
enum {
	F_1L = 1u << 0,
	F_0O = 1u << 1,
	F_RNM = 1u << 2,
	F_VVW = 1u << 3,
	F_CLD = 1u << 4,
};
static const char *const fold_names[] = {
	"1/l swap", "0/o swap", "rn/m swap", "vv/w swap", "cl/d swap",
};

/* A domain's registrable part, as the checks compare it. */
struct dparts {
	const char *reg;		/* registrable domain, A-labels (into the domain) */
	size_t reg_len;
	size_t label_len;		/* bytes of its first label */
	const char *suffix;		/* the public suffix (into reg) */
	bool nonascii;			/* a U-label of reg is not ASCII */
	uint32_t lab[LAB_CP];		/* the registrable label's code points */
	size_t nlab;
	uint32_t flab[LAB_CP];		/* ... folded */
	size_t nflab;
	unsigned labmask;		/* the folds that changed it */
	uint32_t fdom[DOM_CP];		/* the registrable domain's code points, folded */
	size_t nfdom;
	char udom[UTF8_MAX];		/* the registrable domain, U-labels, UTF-8 */
	size_t udom_len;
	size_t ulab_len;		/* bytes of the first U-label in udom */
};

struct prot {
	char *name;			/* U-labels: what the checks return */
	char *ace;			/* A-labels as configured */
	char *reg;			/* registrable domain of ace (A-labels) */
	struct dparts parts;		/* of reg (parts.reg points into reg) */
	char *skel_dom;			/* UTS #39 skeleton of the U-form of reg */
	char *skel_lab;			/* ... of its first label */
};

struct bec_protected {
	struct prot *v;
	size_t n;
	const psl_ctx_t *psl;
	USpoofChecker *sc;		/* configured once, then used as const */
};

/* --- names ----------------------------------------------------------------- */

static bool
host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* labels of 1..63 bytes of host_byte()s, at most BEC_DOMAIN_MAX in all */
static bool
valid_ace(const char *s, size_t n)
{
	if (n == 0 || n > BEC_DOMAIN_MAX)
		return false;
	size_t l = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (l == 0)
				return false;
			l = 0;
			continue;
		}
		if (!host_byte((unsigned char)s[i]) || ++l > 63)
			return false;
	}
	return l > 0;
}

/* whether one of the labels of s[0..n) is an A-label */
static bool
has_ace_label(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || s[i - 1] == '.') && memcmp(s + i, "xn--", 4) == 0)
			return true;
	return false;
}

/*
 * Whether the A-labels of ace (lower case, NUL-terminated) are A-labels
 * that libidn2 decodes and that encode back to themselves (UTS #46): a
 * label such as "xn--zz" or one that decodes to control characters is not.
 */
static bool
ace_valid(const char *ace)
{
	char *uni = NULL, *back = NULL;
	bool ok = idn2_to_unicode_8z8z(ace, &uni, 0) == IDN2_OK && uni != NULL &&
	    idn2_lookup_u8((const uint8_t *)uni, (uint8_t **)&back,
		IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK &&
	    back != NULL && g_ascii_strcasecmp(back, ace) == 0;
	idn2_free(uni);
	idn2_free(back);
	return ok;
}

/*
 * domain as lower-case A-labels without a trailing dot, into
 * out[BEC_DOMAIN_MAX + 1]; false for a name that is not a valid host name.
 */
static bool
normalise(const char *domain, char *out)
{
	if (domain == NULL)
		return false;
	size_t n = strnlen(domain, BEC_DOMAIN_IN_MAX + 1);
	if (n > BEC_DOMAIN_IN_MAX)
		return false;
	if (n > 0 && domain[n - 1] == '.')
		n--;
	bool ascii = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)domain[i] >= 0x80)
			ascii = false;
	if (ascii) {
		if (n > BEC_DOMAIN_MAX)
			return false;
		for (size_t i = 0; i < n; i++)
			out[i] = g_ascii_tolower(domain[i]);
		out[n] = '\0';
		return valid_ace(out, n) && (!has_ace_label(out, n) || ace_valid(out));
	}
	char in[BEC_DOMAIN_IN_MAX + 1];
	memcpy(in, domain, n);
	in[n] = '\0';
	char *ace = NULL;
	/* UTS #46 non-transitional, as browsers and mail clients map */
	int rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&ace,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK || ace == NULL) {
		idn2_free(ace);
		return false;
	}
	size_t m = strlen(ace);
	/* a full-width trailing dot is mapped to '.' */
	if (m > 0 && ace[m - 1] == '.')
		m--;
	bool ok = m <= BEC_DOMAIN_MAX;
	if (ok) {
		for (size_t i = 0; i < m; i++)
			out[i] = g_ascii_tolower(ace[i]);
		out[m] = '\0';
		ok = valid_ace(out, m) && (!has_ace_label(out, m) || ace_valid(out));
	}
	idn2_free(ace);
	return ok;
}

/* whether d is p or a subdomain of p (both lower-case A-labels) */
static bool
under(const char *d, size_t dn, const char *p, size_t pn)
{
	if (dn == pn)
		return memcmp(d, p, pn) == 0;
	return dn > pn && d[dn - pn - 1] == '.' && memcmp(d + dn - pn, p, pn) == 0;
}

/* --- folding and distance -------------------------------------------------- */

/*
 * in[0..n) with 1->l, 0->o, rn->m, vv->w, cl->d into out (at most n code
 * points); the folds that applied in *mask.
 */
static size_t
fold(const uint32_t *in, size_t n, uint32_t *out, unsigned *mask)
{
	size_t k = 0;
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = in[i], d = i + 1 < n ? in[i + 1] : 0;
		if (c == '1') {
			out[k++] = 'l';
			*mask |= F_1L;
		} else if (c == '0') {
			out[k++] = 'o';
			*mask |= F_0O;
		} else if (c == 'r' && d == 'n') {
			out[k++] = 'm';
			*mask |= F_RNM;
			i++;
		} else if (c == 'v' && d == 'v') {
			out[k++] = 'w';
			*mask |= F_VVW;
			i++;
		} else if (c == 'c' && d == 'l') {
			out[k++] = 'd';
			*mask |= F_CLD;
			i++;
		} else {
			out[k++] = c;
		}
	}
	return k;
}

static bool
cp_eq(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

/*
 * The Damerau-Levenshtein distance of a and b (optimal string alignment:
 * an adjacent transposition counts one), or max + 1 when it is above max.
 * Three rows of DOM_CP + 1 on the stack; longer strings are "far".
 */
static unsigned
distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, unsigned max)
{
	if (na > DOM_CP || nb > DOM_CP)
		return max + 1;
	if ((na > nb ? na - nb : nb - na) > max)
		return max + 1;
	unsigned r0[DOM_CP + 1], r1[DOM_CP + 1], r2[DOM_CP + 1];
	unsigned *pp = r0, *p = r1, *c = r2;	/* rows i-2, i-1, i */
	for (size_t j = 0; j <= nb; j++)
		p[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		c[0] = (unsigned)i;
		unsigned low = c[0];
		for (size_t j = 1; j <= nb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = p[j - 1] + cost;
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < low)
				low = v;
		}
		if (low > max)
			return max + 1;
		unsigned *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[nb] > max ? max + 1 : p[nb];
}

/* --- a domain's parts ------------------------------------------------------ */

/* UTF-8 s[0..n) as code points into out[0..cap); false when invalid or longer */
static bool
utf8_cps(const char *s, size_t n, uint32_t *out, size_t cap, size_t *k)
{
	int32_t i = 0, len = (int32_t)n;
	*k = 0;
	while (i < len) {
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0 || *k >= cap)
			return false;
		out[(*k)++] = (uint32_t)c;
	}
	return true;
}

/*
 * The parts of the registrable domain reg[0..reg_len) (lower-case
 * A-labels, checked by normalise()): its U-labels (libidn2), their code
 * points, folded.  false when the code points do not
 * fit (they always do for a valid name).
 */
static bool
dparts_fill(struct dparts *d, const char *reg, size_t reg_len)
{
	memset(d, 0, offsetof(struct dparts, lab));
	d->reg = reg;
	d->reg_len = reg_len;
	const char *dot = memchr(reg, '.', reg_len);
	d->label_len = dot != NULL ? (size_t)(dot - reg) : reg_len;
	d->suffix = dot != NULL ? dot + 1 : reg + reg_len;
	d->udom_len = 0;
	if (has_ace_label(reg, reg_len)) {
		char z[BEC_DOMAIN_MAX + 1];
		memcpy(z, reg, reg_len);
		z[reg_len] = '\0';
		char *uni = NULL;
		if (idn2_to_unicode_8z8z(z, &uni, 0) == IDN2_OK && uni != NULL) {
			size_t m = strlen(uni);
			if (m < sizeof d->udom) {
				memcpy(d->udom, uni, m);
				d->udom_len = m;
			}
		}
		idn2_free(uni);
	}
	if (d->udom_len == 0) {
		memcpy(d->udom, reg, reg_len);
		d->udom_len = reg_len;
	}
	d->udom[d->udom_len] = '\0';
	const char *udot = memchr(d->udom, '.', d->udom_len);
	d->ulab_len = udot != NULL ? (size_t)(udot - d->udom) : d->udom_len;
	for (size_t i = 0; i < d->udom_len; i++)
		if ((unsigned char)d->udom[i] >= 0x80)
			d->nonascii = true;

	uint32_t dom[DOM_CP];
	size_t ndom;
	if (!utf8_cps(d->udom, d->udom_len, dom, DOM_CP, &ndom) ||
	    !utf8_cps(d->udom, d->ulab_len, d->lab, LAB_CP, &d->nlab))
		return false;
	unsigned m;
	d->nflab = fold(d->lab, d->nlab, d->flab, &d->labmask);
	d->nfdom = fold(dom, ndom, d->fdom, &m);
	return true;
}

/* the UTS #39 skeleton of s[0..n) into out[0..cap), NUL-terminated; false on error */
static bool
skeleton(const USpoofChecker *sc, const char *s, size_t n, char *out, size_t cap)
{
	UErrorCode e = U_ZERO_ERROR;
	int32_t m = uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)n, out, (int32_t)cap, &e);
	if (U_FAILURE(e) || m < 0 || (size_t)m >= cap)
		return false;
	out[m] = '\0';
	return true;
}

/* --- the set --------------------------------------------------------------- */

static void
prot_clear(struct prot *p)
{
	g_free(p->name);
	g_free(p->ace);
	g_free(p->reg);
	g_free(p->skel_dom);
	g_free(p->skel_lab);
}

void
bec_protected_free(struct bec_protected *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		prot_clear(&p->v[i]);
	g_free(p->v);
	if (p->sc != NULL)
		uspoof_close(p->sc);
	g_free(p);
}

size_t
bec_protected_count(const struct bec_protected *p)
{
	return p != NULL ? p->n : 0;
}

/* "protected domain \"what\": why" into err */
static void
seterr(char *err, size_t errlen, const char *what, const char *why)
{
	if (err == NULL || errlen == 0)
		return;
	if (what != NULL)
		snprintf(err, errlen, "protected domain \"%.300s\": %s", what, why);
	else
		snprintf(err, errlen, "%s", why);
}

struct bec_protected *
bec_protected_new(const char *const *domains, size_t n, char *err, size_t errlen)
{
	if (n > 0 && domains == NULL) {
		seterr(err, errlen, NULL, "no list of protected domains");
		return NULL;
	}
	struct bec_protected *p = g_new0(struct bec_protected, 1);
	p->psl = mamori_psl();
	UErrorCode e = U_ZERO_ERROR;
	p->sc = uspoof_open(&e);
	if (U_FAILURE(e) || p->psl == NULL) {
		seterr(err, errlen, NULL, "ICU spoof checker or public suffix list unavailable");
		bec_protected_free(p);
		return NULL;
	}
	p->v = g_new0(struct prot, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++) {
		char ace[BEC_DOMAIN_MAX + 1];
		const char *d = domains[i] != NULL ? domains[i] : "";
		if (!normalise(d, ace)) {
			seterr(err, errlen, d, "not a valid domain name");
			bec_protected_free(p);
			return NULL;
		}
		const char *reg = psl_registrable_domain(p->psl, ace);
		if (reg == NULL) {
			seterr(err, errlen, d,
			    "a public suffix or a single label, not a registrable domain");
			bec_protected_free(p);
			return NULL;
		}
		struct prot *q = &p->v[p->n++];
		q->ace = g_strdup(ace);
		q->reg = g_strdup(reg);
		size_t an = strlen(ace);
		char *uni = NULL;
		if (has_ace_label(ace, an) && idn2_to_unicode_8z8z(ace, &uni, 0) == IDN2_OK &&
		    uni != NULL)
			q->name = g_strdup(uni);
		else
			q->name = g_strdup(ace);
		idn2_free(uni);
		if (!dparts_fill(&q->parts, q->reg, strlen(q->reg))) {
			seterr(err, errlen, d, "too long");
			bec_protected_free(p);
			return NULL;
		}
		char sk[SKEL_MAX];
		if (skeleton(p->sc, q->parts.udom, q->parts.udom_len, sk, sizeof sk))
			q->skel_dom = g_strdup(sk);
		if (skeleton(p->sc, q->parts.udom, q->parts.ulab_len, sk, sizeof sk))
			q->skel_lab = g_strdup(sk);
	}
	return p;
}

/* --- the checks ------------------------------------------------------------ */

const char *
bec_protected_match(const struct bec_protected *p, const char *domain)
{
	char d[BEC_DOMAIN_MAX + 1];
	if (p == NULL || p->n == 0 || !normalise(domain, d))
		return NULL;
	size_t dn = strlen(d);
	for (size_t i = 0; i < p->n; i++)
		if (under(d, dn, p->v[i].ace, strlen(p->v[i].ace)))
			return p->v[i].name;
	return NULL;
}

/* the kinds of lookalike, strongest first (lookalike.h) */
enum kind {
	K_SKEL,
	K_SKEL_SUFFIX,
	K_LABEL,
	K_HYPHEN,
	K_FOLD,
	K_SAME,
	K_DIST,
	K_WHOLE,
	K_NONE,
};

/*
 * Where p's registrable domain stands as whole labels in d[0..dn) with
 * hyphens read as dots: K_LABEL when in front of d's registrable domain
 * (starting at rstart), K_HYPHEN when it reaches into it and a hyphen
 * stands for a dot in it or next to it, else K_NONE.
 */
static enum kind
as_labels(const char *d, size_t dn, size_t rstart, const char *reg, size_t rn)
{
	for (size_t i = 0; i + rn <= dn; i++) {
		if (i > 0 && d[i - 1] != '.' && d[i - 1] != '-')
			continue;
		if (i + rn < dn && d[i + rn] != '.' && d[i + rn] != '-')
			continue;
		bool eq = true, hyphen = (i > 0 && d[i - 1] == '-') || (i + rn < dn && d[i + rn] == '-');
		for (size_t k = 0; k < rn && eq; k++) {
			/* a hyphen stands for a dot; the hyphens of an
			 * A-label ("xn--") for themselves */
			bool dot = d[i + k] == '-' && reg[k] == '.';
			hyphen |= dot;
			eq = dot || d[i + k] == reg[k];
		}
		if (!eq)
			continue;
		if (i + rn < rstart)
			return K_LABEL;
		/* inside d's registrable domain with its own dots
		 * (example.com.au for example.com): other rules judge that */
		if (hyphen)
			return K_HYPHEN;
	}
	return K_NONE;
}

/* the label's code points without hyphens, folded, equal to q's folded label */
static bool
dehyphened_is(const struct dparts *c, const struct dparts *q)
{
	uint32_t t[LAB_CP], f[LAB_CP];
	size_t k = 0;
	for (size_t i = 0; i < c->nlab; i++)
		if (c->lab[i] != '-')
			t[k++] = c->lab[i];
	if (k == c->nlab)
		return false;
	unsigned m;
	size_t nf = fold(t, k, f, &m);
	return cp_eq(f, nf, q->flab, q->nflab);
}

/* the strongest kind of lookalike of q that c (d's registrable domain) is */
static enum kind
judge(const struct prot *q, const char *d, size_t dn, const struct dparts *c,
    const char *skel_dom, const char *skel_lab, unsigned *dist)
{
	const struct dparts *pq = &q->parts;
	bool same_suffix = strcmp(c->suffix, pq->suffix) == 0;
	bool same_label = cp_eq(c->lab, c->nlab, pq->lab, pq->nlab);
	/* skeletons equal while the names are not */
	if (skel_dom != NULL && q->skel_dom != NULL && strcmp(skel_dom, q->skel_dom) == 0)
		return K_SKEL;
	if (!same_label && skel_lab != NULL && q->skel_lab != NULL &&
	    strcmp(skel_lab, q->skel_lab) == 0)
		return same_suffix ? K_SKEL : K_SKEL_SUFFIX;
	enum kind k = as_labels(d, dn, (size_t)(c->reg - d), q->reg, strlen(q->reg));
	if (k != K_NONE)
		return k;
	if (dehyphened_is(c, pq))
		return K_HYPHEN;
	if (cp_eq(c->flab, c->nflab, pq->flab, pq->nflab))
		return same_label ? K_SAME : K_FOLD;
	size_t shortest = c->nflab < pq->nflab ? c->nflab : pq->nflab;
	if (same_suffix && shortest >= BEC_MIN_LEN_D1) {
		unsigned max = shortest >= BEC_MIN_LEN_D2 ? 2 : 1;
		*dist = distance(c->flab, c->nflab, pq->flab, pq->nflab, max);
		if (*dist <= max)
			return K_DIST;
	}
	if (!same_suffix && shortest >= BEC_MIN_LEN_D1 &&
	    distance(c->fdom, c->nfdom, pq->fdom, pq->nfdom, 1) <= 1)
		return K_WHOLE;
	return K_NONE;
}

static void
reason(char *why, size_t whylen, enum kind k, const struct dparts *c,
    const struct prot *q, unsigned dist)
{
	if (why == NULL || whylen == 0)
		return;
	bool other = strcmp(c->suffix, q->parts.suffix) != 0;
	switch (k) {
	case K_SKEL:
		snprintf(why, whylen, "UTS #39 skeleton");
		break;
	case K_SKEL_SUFFIX:
		snprintf(why, whylen, "UTS #39 skeleton, other suffix");
		break;
	case K_LABEL:
		snprintf(why, whylen, "protected domain as a label");
		break;
	case K_HYPHEN:
		snprintf(why, whylen, "hyphen inserted");
		break;
	case K_FOLD: {
		/* the first fold that applied to one label and not the other */
		unsigned m = c->labmask ^ q->parts.labmask;
		if (m == 0)
			m = c->labmask | q->parts.labmask;
		size_t b = 0;
		while (b + 1 < G_N_ELEMENTS(fold_names) && !(m & (1u << b)))
			b++;
		snprintf(why, whylen, "%s%s", fold_names[b], other ? ", other suffix" : "");
		break;
	}
	case K_SAME:
		snprintf(why, whylen, "same name, other suffix");
		break;
	case K_DIST:
		snprintf(why, whylen, "edit distance %u", dist);
		break;
	case K_WHOLE:
		snprintf(why, whylen, "edit distance 1 (whole domain)");
		break;
	case K_NONE:
		why[0] = '\0';
		break;
	}
}

const char *
bec_lookalike(const struct bec_protected *p, const char *domain, char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	char d[BEC_DOMAIN_MAX + 1];
	if (p == NULL || p->n == 0 || !normalise(domain, d))
		return NULL;
	size_t dn = strlen(d);
	const char *reg = psl_registrable_domain(p->psl, d);
	if (reg == NULL)
		return NULL;
	size_t rn = strlen(reg);
	/* the organisation's own: under a protected registrable domain */
	for (size_t i = 0; i < p->n; i++)
		if (under(d, dn, p->v[i].ace, strlen(p->v[i].ace)) ||
		    under(d, dn, p->v[i].reg, strlen(p->v[i].reg)))
			return NULL;
	struct dparts c;
	if (!dparts_fill(&c, reg, rn))
		return NULL;
	char skd[SKEL_MAX], skl[SKEL_MAX];
	const char *skel_dom = NULL, *skel_lab = NULL;
	if (c.nonascii) {
		if (skeleton(p->sc, c.udom, c.udom_len, skd, sizeof skd))
			skel_dom = skd;
		if (skeleton(p->sc, c.udom, c.ulab_len, skl, sizeof skl))
			skel_lab = skl;
	}
	/* the strongest kind, then the smallest distance, then the list's order */
	enum kind best = K_NONE;
	const struct prot *hit = NULL;
	unsigned hit_dist = 0;
	for (size_t i = 0; i < p->n && best != K_SKEL; i++) {
		unsigned dist = 0;
		enum kind k = judge(&p->v[i], d, dn, &c, skel_dom, skel_lab, &dist);
		if (k < best || (k == best && k == K_DIST && dist < hit_dist)) {
			best = k;
			hit = &p->v[i];
			hit_dist = dist;
		}
	}
	if (hit == NULL)
		return NULL;
	reason(why, whylen, best, &c, hit, hit_dist);
	return hit->name;
}
