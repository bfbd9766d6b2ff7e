/*
 * lookalike.h - lookalike domains of protected domains (issue 17:
 * IMPERSONATION_DOMAIN).  No mail knowledge: the caller hands in the
 * domains of From, Reply-To and the envelope sender.
 *
 * A set of protected domains is built once from the configuration and is
 * then immutable: any number of threads may call bec_lookalike() and
 * bec_protected_match() on it at the same time.  Domains are compared in
 * their A-label form (libidn2, UTS #46 non-transitional), registrable
 * domains come from libpsl, and IDN homographs from ICU's spoof checker
 * (UTS #39 skeletons).
 *
 * A candidate domain d is a lookalike of a protected domain p when d is
 * neither p nor under p's registrable domain (mail.example.co.jp and
 * other.example.co.jp are the organisation's own) and one of these holds,
 * strongest first (the reason written to why):
 *
 *   "UTS #39 skeleton"          d has a non-ASCII label and the skeleton of
 *                               its registrable domain (U-labels) is the
 *                               skeleton of p's (Cyrillic "ехаmple.com");
 *   "UTS #39 skeleton, other suffix"  the same for the registrable label
 *                               alone, under another public suffix;
 *   "protected domain as a label"  p's registrable domain stands as whole
 *                               labels in front of d's registrable domain,
 *                               hyphens read as dots
 *                               (example.co.jp.evil.example,
 *                               example-co-jp.evil.example);
 *   "hyphen inserted"           the same inside d's registrable domain
 *                               (example-co.jp, example-co-jp.com), or d's
 *                               registrable label without its hyphens is
 *                               p's label (ex-ample.co.jp, ex-ample.com);
 *   "1/l swap", "0/o swap", "rn/m swap", "vv/w swap", "cl/d swap"
 *                               the labels are equal after folding those
 *                               confusables (rnicrosoft, micros0ft), any
 *                               suffix (", other suffix" appended when
 *                               the suffix differs);
 *   "same name, other suffix"   the registrable labels are equal, the
 *                               public suffixes differ (example.com for
 *                               example.co.jp: sister domains of one's own
 *                               belong in the protected list);
 *   "edit distance N"           same public suffix and the folded
 *                               registrable labels are at Damerau-
 *                               Levenshtein distance N (transpositions
 *                               count one): N = 1 when both labels have at
 *                               least BEC_MIN_LEN_D1 (3) characters, N = 2
 *                               when both have at least BEC_MIN_LEN_D2 (5)
 *                               (on shorter labels a distance of 1 or 2 is
 *                               most of the name);
 *   "edit distance 1 (whole domain)"  the whole folded registrable
 *                               domains are at distance 1, labels of at
 *                               least BEC_MIN_LEN_D1 characters
 *                               (exampleco.jp for example.co.jp).
 * With another public suffix the labels must be equal after folding: a
 * label at distance 1 under another suffix is two visible differences
 * (examples.com is not example.co.jp).  Distances count code points of the
 * U-labels, so IDN labels are compared as they are seen.  Of several
 * protected domains the strongest kind wins, then the smaller distance,
 * then the list's order.
 *
 * Not covered: words added to the name after it (example-login.co.jp,
 * exampleinvoice.com: too close to ordinary names to flag without a
 * dictionary), the protected label alone in front of another domain
 * (example.evil.com), lookalikes in the labels in front other than the
 * whole protected domain (examp1e.co.jp.evil.example), and an unknown
 * top-level domain, which libpsl's "*" rule makes a public suffix.
 * Also flagged, by design: a Microsoft 365 style host name such as
 * example-co-jp.mail.protection.outlook.com (an MX host, not a sender).
 */
#ifndef MAMORI_BEC_LOOKALIKE_H
#define MAMORI_BEC_LOOKALIKE_H

#include <stdbool.h>
#include <stddef.h>

/* the shortest label (code points, both labels) for edit distance 1 and 2 */
#define BEC_MIN_LEN_D1 3
#define BEC_MIN_LEN_D2 5
/* the longest domain taken, in bytes as given (UTF-8) and as A-labels */
#define BEC_DOMAIN_IN_MAX 1024
#define BEC_DOMAIN_MAX 253

struct bec_protected;

/*
 * The set of protected domains domains[0..n): lower- or upper-case ASCII
 * or IDN (U- or A-labels), an optional trailing dot.  A domain that IDNA
 * refuses, that is longer than BEC_DOMAIN_MAX as A-labels, or that is not
 * a registrable domain or below one (a public suffix such as "co.jp", a
 * single label) is an error: NULL and the reason in err.  n may be 0 (an
 * empty set: nothing matches).  Free with bec_protected_free().
 */
struct bec_protected *bec_protected_new(const char *const *domains, size_t n,
    char *err, size_t errlen);
void bec_protected_free(struct bec_protected *p);

/* the number of protected domains */
size_t bec_protected_count(const struct bec_protected *p);

/*
 * Whether domain (as found in an address: any case, maybe IDN, maybe a
 * trailing dot) is a lookalike of a protected domain (the rules above).
 * Returns the protected domain it imitates (borrowed from p: its U-label
 * form, lower case, without trailing dot, "日本語.jp") and a short reason
 * in why, or NULL: for a protected domain, its subdomains, any domain
 * under a protected domain's registrable domain, an unrelated domain, and
 * a domain that is not a valid host name (empty labels, bytes no host
 * name has, longer than the limits above).  why may be NULL.
 */
const char *bec_lookalike(const struct bec_protected *p, const char *domain,
    char *why, size_t whylen);

/*
 * Whether domain is a protected domain or a subdomain of one: the
 * protected domain (borrowed, as above), or NULL.
 */
const char *bec_protected_match(const struct bec_protected *p, const char *domain);

#endif
