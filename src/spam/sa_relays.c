/*
 * sa_relays.c - the Received fields parsed as SpamAssassin 4.0.1 does
 * (sa_relays.h; Message/Metadata/Received.pm).
 *
 * SpamAssassin recognises a Received field by a long, ordered list of
 * formats, one or more regular expressions per MTA (sendmail, Postfix,
 * Exim, qmail, Exchange ...); the first that matches says which text is
 * the address, the HELO name, the reverse DNS name and the receiving
 * host.  The same list is kept here, in the same order and with the same
 * expressions (PCRE2 reads Perl's syntax), because which format wins
 * decides what the rules see.  Each expression is compiled once, on first
 * use, and matched under PCRE2's match and depth limits.
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "spam/sa_msg.h"
#include "spam/sa_relays.h"

const struct sa_relay_limits sa_relay_limits_default = {
	.field_max = 16384,
	.hops_max = 100,
	.match_limit = 100000,
	.depth_limit = 5000,
};

/* ---- SpamAssassin's address expressions (Constants.pm) ----------------- */

#define V4OCT "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)"
#define V4RAW V4OCT "\\." V4OCT "\\." V4OCT "\\." V4OCT
#define H4 "[a-f0-9]{1,4}"
/* IP_ADDRESS: IPv4, IPv4 mapped in IPv6, or IPv6; no capture */
#define IP "(?i:\\b(?<!:)" V4RAW "\\b|(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:" H4 ":){6}|::(?:" \
	H4 ":){0,5}|(?:" H4 ":){1,5}:|" H4 "::(?:" H4 ":){1,4}|(?:" H4 ":){2}:(?:" H4 \
	":){1,3}|(?:" H4 ":){3}:(?:" H4 ":){1,2}|(?:" H4 ":){4}:" H4 ":)" V4RAW "|(?:" H4 \
	":){7}" H4 "|:(?::" H4 "){1,7}|(?:" H4 ":){1,7}:|" H4 ":(?::" H4 "){1,6}|(?:" H4 \
	":){2}(?::" H4 "){1,5}|(?:" H4 ":){3}(?::" H4 "){1,4}|(?:" H4 ":){4}(?::" H4 \
	"){1,3}|(?:" H4 ":){5}(?::" H4 "){1,2}|(?:" H4 ":){6}:" H4 "|::)(?![a-f0-9:]))"
/* the prefixes of an IPv4 address mapped in IPv6, zeros then ffff */
#define MAPPED "(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|" \
	"0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|" \
	"(?:0{1,4}:){4}:ffff:)"
/* the ways of writing ::1 */
#define V6LOOP "(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|0{1,4}:(?::0{1,4}){0,5}:" \
	"0{0,3}1|(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|(?:0{1,4}:){3}(?::0{1,4}){0,3}:" \
	"0{0,3}1|(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|(?:0{1,4}:){5}(?::0{1,4}){0,1}:" \
	"0{0,3}1|(?:0{1,4}:){6}:0{0,3}1"
#define PRIV4 "(?:10|127|169\\.254|172\\.(?:1[6-9]|2[0-9]|3[01])|192\\.168|" \
	"100\\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))\\..*"
/* IP_PRIVATE, anchored at the start as SpamAssassin's is */
#define IP_PRIVATE "^(?i:" PRIV4 "|(?:IPv6:|(?<![a-f0-9:]))(?:" MAPPED PRIV4 \
	"|fe[89ab][0-9a-f]:.*|" V6LOOP ")(?![a-f0-9:]))"
/* LOCALHOST */
#define LOCALHOST "(?i:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|" \
	"(?:IPv6:|(?<![a-f0-9:]))(?:" MAPPED "127\\.0\\.0\\.1|" V6LOOP ")(?![a-f0-9:]))"

/* ---- matching ------------------------------------------------------------ */

/* Each expression is compiled on first use into a slot of its own (one
 * per call site, numbered by __COUNTER__). */
#define SLOTS 320
static gsize slots[SLOTS];

static const pcre2_code *
compiled(unsigned slot, const char *pat)
{
	g_assert(slot < SLOTS);
	if (g_once_init_enter(&slots[slot])) {
		int e;
		PCRE2_SIZE off;
		pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		    PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &e, &off, NULL);
		if (c == NULL) {	/* a constant of this file: a bug */
			PCRE2_UCHAR msg[120];
			pcre2_get_error_message(e, msg, sizeof msg);
			g_error("sa_relays: pattern %u at %zu: %s: %s", slot, (size_t)off, msg, pat);
		}
		/* JIT when the platform has it (a tenth of the time); else
		 * the interpreter, same answers */
		(void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
		g_once_init_leave(&slots[slot], (gsize)c);
	}
	return (const pcre2_code *)slots[slot];
}

/* one parse: the last match's subject and captures */
struct px {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	const char *subj;
	int rc;
};

static bool
match_at(struct px *p, unsigned slot, const char *pat, const char *subj)
{
	p->subj = subj;
	p->rc = pcre2_match(compiled(slot, pat), (PCRE2_SPTR)subj, strlen(subj), 0, 0, p->md,
	    p->mc);
	return p->rc > 0;
}

/* match the text being parsed, or another string */
#define M(pat) match_at(p, __COUNTER__, (pat), t)
#define MS(s, pat) match_at(p, __COUNTER__, (pat), (s))

static bool
capdef(const struct px *p, unsigned n)
{
	if (p->rc <= 0 || n >= (unsigned)p->rc)
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	return ov[2 * n] != PCRE2_UNSET;
}

/* capture n, "" when it did not take part */
static char *
cap(const struct px *p, unsigned n)
{
	if (!capdef(p, n))
		return g_strdup("");
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	return g_strndup(p->subj + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
}

static void
set(char **dst, char *v)
{
	g_free(*dst);
	*dst = v;
}

#define CAP(dst, n) set(&(dst), cap(p, (n)))

/* ---- one field -------------------------------------------------------- */

/* what parsing a field may carry to the next (Received.pm's hacks) */
struct chain {
	bool pop_fetcher;	/* a fetchmail/getmail hop was seen */
	bool qms_set;		/* qmail-scanner saw an envelope sender */
	char *qms_envfrom;	/* that sender (NULL: undef) */
};

/* Perl's $strip_chars: [\s\0#[]()<>|] made '!' */
static void
strip_chars(char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(" \t\n\r\f\v#[]()<>|", *s) != NULL)
			*s = '!';
}

static bool
perl_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
clean_envfrom(char *e)
{
	/* leading blanks and '<'s, trailing '>'s and blanks; then the strip */
	size_t i = 0, n = strlen(e);
	while (i < n && perl_space(e[i]))
		i++;
	while (i < n && e[i] == '<')
		i++;
	memmove(e, e + i, n - i + 1);
	n -= i;
	size_t j = n;
	while (j > 0 && perl_space(e[j - 1]))
		j--;
	while (j > 0 && e[j - 1] == '>')
		j--;
	e[j] = '\0';
	strip_chars(e);
}

/* remove the first match of capture 0 from *s (Perl's $sub =~ s/..//) */
static void
cut_match(struct px *p, char **s)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	GString *g = g_string_new(*s);
	g_string_erase(g, (gssize)ov[0], (gssize)(ov[1] - ov[0]));
	set(s, g_string_free(g, FALSE));
}

/* the helo= and ident= of an Exim comment */
static void
exim_sub(struct px *p, char *sub, char **helo, char **ident)
{
	char *s = sub;	/* owned from here */
	if (MS(s, "helo=(\\S+)")) {
		set(helo, cap(p, 1));
		cut_match(p, &s);
	}
	if (MS(s, "ident=(\\S*)")) {
		set(ident, cap(p, 1));
		cut_match(p, &s);
	}
	g_free(s);
}

/* Perl's truth of a string: not "" and not "0" */
static bool
perl_true(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0;
}

struct fields {
	char *ip, *helo, *rdns, *by, *id, *ident, *envfrom, *auth;
	bool dns;	/* $mta_looked_up_dns */
};

/*
 * Received.pm's parse_received_line on t (normalised, date removed):
 * 1 parsed (goto enough), 0 skipped, -1 unparseable.
 */
static int
formats(struct px *p, const char *t0, struct fields *f, struct chain *ch)
{
	const char *t = t0;

	/* the message identifier, HELO and receiving host, anywhere */
	if (M(" id <?([^\\s<>;]{3,})"))
		CAP(f->id, 1);
	if (M("\\bhelo=([-A-Za-z0-9.^+_&:=?!@%*$\\\\/]+)(?:[^-A-Za-z0-9.^+_&:=?!@%*$\\\\/]|$)"))
		CAP(f->helo, 1);
	else if (M("\\b(?:HELO|EHLO) ([-A-Za-z0-9.^+_&:=?!@%*$\\\\/]+)(?:[^-A-Za-z0-9.^+_&:=?!@%*$\\\\/]|$)"))
		CAP(f->helo, 1);
	if (M(" by (\\S+)(?:[^-A-Za-z0-9;.]|$)"))
		CAP(f->by, 1);

	/* authentication */
	if (M(" by ") && M("(?i) with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)(?: |;|$)")) {
		CAP(f->auth, 1);
	} else if (M(" by mx\\.google\\.com with ESMTPS id [a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}"
	    "\\.[0-9]{1,3}\\.[0-9]{4}\\.(?:[0-6][0-9]\\.){4}[0-6][0-9]") &&
	    M("\\(version=([^ ]+) cipher=([^\\)]+)\\)")) {
		char *a = cap(p, 1), *b = cap(p, 2);
		set(&f->auth, g_strdup_printf("GMail - transport=%s cipher=%s", a, b));
		g_free(a);
		g_free(b);
	} else if (M("^from .*?(?:\\]\\)|\\)\\]) \\(AUTH: (LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) "
	    "\\S+(?:, .*?)?\\) by ")) {
		CAP(f->auth, 1);
	} else if (M("authenticated") &&
	    M("^from .*?(?:\\](?: \\([^)]*\\))?\\)|\\)\\]) .*?\\(.*?authenticated.*?\\).*? by")) {
		set(&f->auth, g_strdup("Sendmail"));
	} else if (M("from \\S* \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP ")\\] by (mail\\.gmx\\."
	    "(?:net|com)) \\([^\\)]+\\) with ((?:ESMTP|SMTP))")) {
		char *a = cap(p, 4), *b = cap(p, 3);
		set(&f->auth, g_strdup_printf("GMX (%s / %s)", a, b));
		g_free(a);
		g_free(b);
	} else if (M(" \\(authenticated as ") &&
	    M("\\) by .+ \\(\\d{1,2}\\.\\d\\.\\d{3}(?:\\.\\d{1,3})?\\) \\(authenticated as .+\\) id ")) {
		set(&f->auth, g_strdup("CriticalPath"));
	} else if (M("\\) \\(Authenticated sender: \\S+\\) by \\S+ \\(([^\\)]+)\\) with ")) {
		char *a = cap(p, 1);
		set(&f->auth, strcmp(a, "Postfix") == 0 ? g_strdup(a) :
		    g_strdup_printf("Postfix (%s)", a));
		g_free(a);
	} else if (M("CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)") && M(" \\(account ")) {
		set(&f->auth, g_strdup("Communigate"));
	} else if (M(" with Microsoft Exchange Server HTTP-DAV\\b")) {
		set(&f->auth, g_strdup("HTTP-DAV"));
	} else if (M(" by ") && M("(?i) \\(via (HTTP.?)\\)(?: |;|$)")) {
		CAP(f->auth, 1);
	}

	if (strncmp(t, "from ", 5) == 0) {
		t += 5;
		if (M("(?i:return-path:? |envelope-(?:sender|from)[ =])(\\S+)\\b"))
			CAP(f->envfrom, 1);

		if (M(" \\((?:SquirrelMail|NaSMail) authenticated user ") &&
		    M("(" IP ")\\b(?![.-]).{10,80}by (\\S+) with HTTP")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("aol\\.com") && M("with HTTP \\(WebMailUI\\)") &&
		    M("(" IP ") by (\\S+) \\(" IP "\\) with HTTP \\(WebMailUI\\)")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}

		if (M(" SMTPSVC")) {
			if (M("^(\\S*) \\(\\[(" IP ")\\][^\\)]{0,40}\\) by (\\S+) with Microsoft SMTPSVC")) {
				CAP(f->helo, 1);
				CAP(f->ip, 2);
				CAP(f->by, 3);
				return 1;
			}
			if (M("^mail pickup service by (\\S+) with Microsoft SMTPSVC$"))
				return 0;
		} else if (M(" with (?:Microsoft SMTP Server|mapi id) (?:\\([^\\)]+\\) )?"
		    "\\d+\\.\\d+\\.\\d+\\.\\d+(?:$| )")) {
			if (M("^(\\S+) \\(\\[?(" IP ")(?:%[A-Z0-9._~-]*)?\\]?\\) by (\\S+) ")) {
				CAP(f->helo, 1);
				CAP(f->ip, 2);
				CAP(f->by, 3);
				set(&f->id, g_strdup(""));
				return 1;
			}
		} else if (M("\\[XMail ")) {
			if (M("^(\\S+) \\((\\[?" IP "\\]?)(?::\\d+)\\) by (\\S+)(?: \\(\\S+\\))? with \\[XMail")) {
				CAP(f->helo, 1);
				CAP(f->ip, 2);
				CAP(f->by, 3);
				if (M(" id <(\\S+)>"))
					CAP(f->id, 1);
				if (M(" from <(\\S+)>"))
					CAP(f->envfrom, 1);
				return 1;
			}
		} else if (M("\\(ecelerity\\b")) {
			if (M("^\\(\\[(" IP "):\\d+\\] helo=(\\S+)\\) by (\\S+) ")) {
				CAP(f->ip, 1);
				CAP(f->helo, 2);
				CAP(f->by, 3);
				return 1;
			}
			if (M("^\\S+ \\(\\[(" IP "):\\d+\\]\\) by (\\S+) ")) {
				CAP(f->ip, 1);
				CAP(f->by, 2);
				return 1;
			}
		} else if (M("Exim")) {
			if (M("\\bwith local(?:-\\S+)? "))
				return 0;
			if (M("^\\[(" IP ")\\] \\((.*?)\\) by (\\S+) ")) {
				CAP(f->ip, 1);
				char *sub = cap(p, 2);
				CAP(f->by, 3);
				exim_sub(p, sub, &f->helo, &f->ident);
				return 1;
			}
			if (M("^(\\S+) \\(\\[(" IP ")\\](.*?)\\) by (\\S+) ")) {
				CAP(f->rdns, 1);
				CAP(f->ip, 2);
				char *sub = cap(p, 3);
				CAP(f->by, 4);
				set(&f->helo, g_strdup(f->rdns));
				exim_sub(p, sub, &f->helo, &f->ident);
				return 1;
			}
			if (M("^(\\S+) \\[(" IP ")\\](:\\d+)? by (\\S+) ")) {
				CAP(f->rdns, 1);
				CAP(f->ip, 2);
				CAP(f->helo, 1);
				CAP(f->by, 4);
				return 1;
			}
			/* odd Exim formats: bits of the field */
			if (M("^(\\S+) "))
				CAP(f->rdns, 1);
			if (M(" \\((\\S+)\\) "))
				CAP(f->helo, 1);
			if (M(" \\[(" IP ")(?:\\.\\d+)?\\] "))
				CAP(f->ip, 1);
			if (M("by (\\S+) ")) {
				CAP(f->by, 1);
				if (perl_true(f->ip))
					return 1;
			}
		} else if (M(" \\(Postfix\\) with")) {
			if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ") ||
			    M("^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ")) {
				f->dns = true;
				CAP(f->helo, 1);
				CAP(f->rdns, 2);
				CAP(f->ip, 3);
				CAP(f->by, 4);
				if (strcmp(f->rdns, "unknown") == 0)
					set(&f->rdns, g_strdup(""));
				return 1;
			}
		} else if (M("\\(Scalix SMTP Relay")) {
			if (M("^(\\S+) \\( ?(" IP ")\\) by (\\S+)")) {
				CAP(f->helo, 1);
				CAP(f->ip, 2);
				CAP(f->by, 3);
				return 1;
			}
		} else if (M(" \\(Lotus Domino ")) {
			if (M("^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(Lotus")) {
				f->dns = false;
				CAP(f->helo, 1);
				CAP(f->ip, 2);
				CAP(f->by, 3);
				return 1;
			}
		}

		if (M("\\bwith HTTP\\b") && M("^(" IP ") \\(\\[" IP "\\]\\) by (\\S+)")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		/* sendmail, unless qmail-ldap */
		if (!M(" by \\S+ \\(qmail-\\S+\\) with ") &&
		    M("^(\\S+) \\((\\S+) \\[(" IP ")\\].*\\) by (\\S+) \\(")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			if (MS(f->rdns, "^IDENT:([^@]*)@")) {
				CAP(f->ident, 1);
				cut_match(p, &f->rdns);
			}
			if (MS(f->rdns, "^([^@]*)@")) {
				CAP(f->ident, 1);
				cut_match(p, &f->rdns);
			}
			return 1;
		}

		/* less standard formats */
		if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with \\S+ \\(")) {
			f->dns = true;
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->helo, 1);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\(\\[(" IP ")\\] helo=(\\S+)\\) by (\\S+) with ")) {
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->helo, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\(<unknown\\S*>\\[(" IP ")\\]\\) by (\\S+) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\((\\S+\\.\\S+)\\[(" IP ")\\]\\) by (\\S+) ")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\((\\S*)@\\[(" IP ")\\].*\\) by (\\S+) \\(")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			CAP(f->ident, 2);
			return 1;
		}
		if (M("by (\\S+\\.hotmail\\.msn\\.com) ")) {
			CAP(f->by, 1);
			if (M("^(" IP ") "))
				CAP(f->ip, 1);
			return 1;
		}
		if (M("^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((" IP ")\\) by (\\S+) \\(qpsmtpd/\\S+\\) "
		    "with (?:ESMTP|SMTP)") ||
		    M("^(\\S+) \\(LHLO (\\S*)\\) \\((" IP ")\\) by (\\S+) with LMTP") ||
		    M("^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP ")\\] by (\\S+) \\([^\\)]+\\) with "
		    "(?:ESMTP|SMTP)")) {
			CAP(f->rdns, 1);
			CAP(f->helo, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) via smtpd \\(for \\S+\\) with SMTP\\(")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		/* qmail */
		if (M("^\\S+( \\((?:HELO|EHLO) \\S*\\))? \\((\\S+@)?\\[?" IP "\\]?\\)( \\(envelope-sender "
		    "<\\S+>\\))? by \\S+( \\(.+\\))* with (.* )?(SMTP|QMQP)(?! id )")) {
			if (M("^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\((\\S*)@\\[?(" IP ")\\]?\\)"
			    "( \\(envelope-sender <\\S+>\\))? by (\\S+)")) {
				CAP(f->rdns, 1);
				CAP(f->helo, 2);
				CAP(f->ident, 3);
				CAP(f->ip, 4);
				CAP(f->by, 6);
			} else if (M("^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\(\\[?(" IP ")\\]?\\)"
			    "( \\(envelope-sender <\\S+>\\))? by (\\S+)")) {
				CAP(f->rdns, 1);
				CAP(f->helo, 2);
				CAP(f->ip, 3);
				CAP(f->by, 5);
			} else if (M("^(\\S+) \\((\\S*)@\\[?(" IP ")\\]?\\)( \\(envelope-sender <\\S+>\\))? "
			    "by (\\S+)")) {
				CAP(f->helo, 1);
				CAP(f->rdns, 1);
				CAP(f->ident, 2);
				CAP(f->ip, 3);
				CAP(f->by, 5);
			} else if (M("^(\\S+) \\(\\[?(" IP ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)")) {
				CAP(f->helo, 1);
				CAP(f->rdns, 1);
				CAP(f->ip, 2);
				CAP(f->by, 4);
			}
			if (strcmp(f->rdns, "unknown") != 0)
				f->dns = true;
			else
				set(&f->rdns, g_strdup(""));
			return 1;
		}
		if (M(" via HTTP$") && M("^\\[(" IP ")\\] by (\\S+) via HTTP$")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^(\\S+) \\( \\[(" IP ")\\]\\).*? by (\\S+) ")) {
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\[(" IP ")\\] by (\\S+) ") || M("^\\(\\[?(" IP ")\\]?\\) by (\\S+) ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^(\\S+) \\[(" IP ")\\] by (\\S+) \\[" IP "\\] with ")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\[\\((" IP ")\\)\\] by (\\S+) \\(" IP "\\) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\).*? by (\\S+)\\b")) {
			char *r = cap(p, 2);
			if (strcmp(r, "softdnserr") == 0) {
				f->dns = false;	/* couriertcpd */
				g_free(r);
			} else {
				f->dns = true;
				set(&f->rdns, r);
			}
			CAP(f->helo, 1);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\(\\[(" IP ")(?:[.:]\\d+)?\\]\\).*? by (\\S+) ")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\)(?: \\(authenticated bits=\\d+\\))? by (\\S+) \\(")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		/* a mail fetcher's hop: skipped, and the trusted relays so far
		 * restart */
		if (M("with (?:POP3|IMAP)")) {
			ch->pop_fetcher = true;
			return 0;
		}
		if (M("^(\\S+) \\((?:HELO|EHLO) ([^\\)]*)\\) \\((\\S*@)?\\[?(" IP ")\\]?\\).* by (\\S+) ")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->helo, 2);
			CAP(f->ident, 3);
			CAP(f->ip, 4);
			CAP(f->by, 5);
			size_t n = strlen(f->ident);
			if (n > 0 && f->ident[n - 1] == '@')
				f->ident[n - 1] = '\0';
			return 1;
		}
		if (M("^(\\S+) \\((\\S*@)?\\[?(" IP ")\\]?\\).* by (\\S+) ")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->helo, 1);
			CAP(f->ident, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			size_t n = strlen(f->ident);
			if (n > 0 && f->ident[n - 1] == '@')
				f->ident[n - 1] = '\0';
			return 1;
		}
		if (M(" with http for ") && M("^\\[(" IP ")\\] by (\\S+) with http for ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M(" via smap ") && M("^(\\S+)\\((" IP ")\\) by (\\S+) via smap ")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+)\\((" IP "), (?:HELO|EHLO) (\\S*)\\) by (\\S+) via smap ")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->helo, 3);
			CAP(f->by, 4);
			return 1;
		}
		if ((M(" \\(Post") && M("^\\[(" IP ")\\] by (\\S+) \\(Post")) ||
		    (M(" \\(ArGoSoft") && M("^\\[(" IP ")\\] by (\\S+) \\(ArGoSoft")) ||
		    M("^(" IP ") by (\\S+) \\((?:SMTPL|InterScan)\\b")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M(" with BSMTP") && M("^\\S+ by \\S+ with BSMTP"))
			return 0;
		if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with ")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((?:(\\S+)@)?(" IP ").*?\\) by (\\S+) with ")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->helo, 2);
			CAP(f->ip, 4);
			CAP(f->by, 5);
			if (capdef(p, 3))
				CAP(f->ident, 3);
			return 1;
		}
		if (M("^\\[(" IP ")\\] \\((?:account \\S+ )?(?:HELO|EHLO) (\\S*)\\) by (\\S+) \\(")) {
			CAP(f->ip, 1);
			CAP(f->helo, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M(" \\(CommuniGate Pro") &&
		    M("^(\\S+) \\(\\[(" IP ")\\] verified\\) by (\\S+) \\(")) {
			f->dns = true;
			CAP(f->rdns, 1);
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\(\\[(" IP ")\\]\\) by (\\S+) with ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^([^\\d]\\S+) \\((" IP ")\\) by (\\S+) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\S+ \\(\\S+\\) by \\S+ \\(Content Technologies "))
			return 0;
		if (M("^(\\S+) \\(\\[(" IP ")\\] \\[(\\S+)\\]\\) by (\\S+) with ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^(" IP ") by (\\S+) with ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		if (M("^\\[(" IP ")\\]\\S+ \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ") ||
		    M("^(" IP ") \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ")) {
			CAP(f->ip, 1);
			CAP(f->helo, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+) \\[(" IP ")\\] by (\\S+) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+)\\((" IP ")\\) by (\\S+) ")) {
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\[(" IP ")\\] by (\\S+) \\(MailGate ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^(\\S+) \\(unverified \\[(" IP ")\\]\\) by (\\S+) ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(" IP ") \\([A-Za-z][^\\)]+\\) by (\\S+) with ")) {
			CAP(f->ip, 1);
			CAP(f->by, 2);
			return 1;
		}
		if (M("^\\[(" IP ")\\] \\(([^\\)]+)\\) by (\\S+) ")) {
			CAP(f->ip, 1);
			char *sub = cap(p, 2);
			CAP(f->by, 3);
			exim_sub(p, sub, &f->helo, &f->ident);
			return 1;
		}
		if (M("^(\\S+) \\((?:\\S+@)?(" IP ")\\) by (\\S+) with ")) {
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^(\\S+)\\((" IP ")\\)(?:, claiming to be \"(\\S+)\")? via \\S+ by (\\S+),")) {
			CAP(f->rdns, 1);
			CAP(f->ip, 2);
			CAP(f->helo, 3);
			CAP(f->by, 4);
			if (strcmp(f->rdns, "UNKNOWN") != 0)
				f->dns = true;
			return 1;
		}
		if (M("^(\\S+) \\((\\S+)@(" IP ") with login\\) by (\\S+\\.yahoo\\.com) with SMTP")) {
			CAP(f->helo, 1);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			return 1;
		}
		/* the synthetic field of an originating_ip_headers header */
		if (M("^X-Originating-IP: (" IP ")$")) {
			CAP(f->ip, 1);
			set(&f->by, g_strdup(""));
			return 1;
		}

		/* to ignore */
		if (M("^\\S+ \\([^\\s@]+@" LOCALHOST "\\) by \\S+ \\(") ||
		    M("^\\S+ \\S+ by \\S+ with local-e?smtp ") ||
		    M("^127\\.0\\.0\\.1 \\(AVG SMTP \\S+ \\[\\S+\\]\\)") ||
		    M("^\\S+@\\S+ by \\S+ by uid \\S+ ") ||
		    M("^\\S+@\\S+ by \\S+ ") ||
		    M("^Unknown/Local \\(") ||
		    M("^" LOCALHOST " \\((?:\\S+@)?" LOCALHOST "[\\)\\[]") ||
		    M("^\\S+ \\((?:\\S+@)?" LOCALHOST "\\) ") ||
		    M("^\\S+ \\(\\S+@\\S+ \\[" LOCALHOST "\\]\\) ") ||
		    M("^\\(AUTH: \\S+\\) by \\S+ with ") ||
		    M("^localhost \\(localhost \\[\\[UNIX: localhost\\]\\]\\) by ") ||
		    M("^\\S+\\.amazon\\.com by \\S+\\.amazon\\.com with ESMTP \\(peer crosscheck: ") ||
		    M("^[^.]+ by \\S+ with Novell_GroupWise") ||
		    M("^no\\.name\\.available by \\S+ via smtpd \\(for "))
			return 0;
		if (M("^\\S+ by \\S+ \\(.{0,100}\\) with qmail-scanner")) {
			/* its envelope sender goes to the next field's relay */
			if (f->envfrom != NULL)
				clean_envfrom(f->envfrom);
			g_free(ch->qms_envfrom);
			ch->qms_envfrom = f->envfrom != NULL ? g_strdup(f->envfrom) : NULL;
			ch->qms_set = true;
			return 0;
		}
		if (M("^\\S+ by \\S+ with local") ||
		    M("^\\S+ \\(\\[unix socket\\]\\) by \\S+ \\(Cyrus v[0-9]*?\\.[0-9]*?\\.[0-9]*?\\) "
		    "with LMTPA") ||
		    M("^\\S+ by \\S+ (?:with|via|for|\\()") ||
		    M("^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b") ||
		    M("^\\S+ \\(unknown\\) by \\S+ \\(SG\\) with \\b") ||
		    M("^\\S+ \\(\\S+ \\[local\\]\\) by \\S+ \\(OpenSMTPD\\) with \\b") ||
		    M("\\(LSMTP for") ||
		    M("^\\(\\[" LOCALHOST "\\]\\) with MailEnable ") ||
		    M("^facebook\\.com \\([^\\)]+\\) by facebook\\.com with Thrift id \\S+$") ||
		    M("^\\S+ named \\S+ by gmailapi\\.google\\.com with HTTPREST$") ||
		    M("^\\S+ id \\S+$") ||
		    M("^\\[<.*? \\(Jetsend"))
			return 0;
		/* guess the HELO */
		if (!perl_true(f->helo) && M("^(\\S+)[^-A-Za-z0-9.]"))
			CAP(f->helo, 1);
	} else if (strncmp(t, "FROM ", 5) == 0) {
		t += 5;
		/* simta */
		if (M("^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) BY (\\S+) (?:\\([^\\)]+\\) WITH SMTP )?"
		    "ID <?(\\S+?)>?(?: FOR <[^>]+>)?$")) {
			f->dns = true;
			CAP(f->helo, 1);
			CAP(f->rdns, 2);
			CAP(f->ip, 3);
			CAP(f->by, 4);
			CAP(f->id, 5);
			if (strcmp(f->rdns, "unverified") == 0)
				set(&f->rdns, g_strdup(""));
			return 1;
		}
	} else if (strncmp(t, "(from ", 6) == 0) {
		t += 6;
		if (M("^(\\S*) \\[(" IP ")\\]\\) by (\\S+) \\(NAVGW .*?\\) with ")) {
			CAP(f->helo, 1);
			CAP(f->ip, 2);
			CAP(f->by, 3);
			return 1;
		}
		if (M("^\\S+@localhost\\) by \\S+ ") ||
		    M("^[^\\s@]+@[^)]+\\) by \\S+\\(jqueuemail\\) id [^\\s;]+"))
			return 0;
	}

	/* fall-through: any bracketed address */
	if (!perl_true(f->ip) && M("\\[(" IP ")\\]"))
		CAP(f->ip, 1);
	if (perl_true(f->ip) && perl_true(f->by))
		return 1;
	return -1;
}

/* Received.pm after `enough:`: the fields cleaned into r */
static void
finish(struct px *p, struct fields *f, struct sa_relay *r)
{
	/* rdns: trailing dots, "unknown", "[..." */
	size_t n = strlen(f->rdns);
	while (n > 0 && f->rdns[n - 1] == '.')
		f->rdns[--n] = '\0';
	if (g_ascii_strcasecmp(f->rdns, "unknown") == 0 || f->rdns[0] == '[')
		f->rdns[0] = '\0';

	/* ip: "IPv6:", brackets, a zone, ::ffff: of a mapped IPv4 */
	char *ip = f->ip;
	if (g_ascii_strncasecmp(ip, "ipv6:", 5) == 0)
		memmove(ip, ip + 5, strlen(ip + 5) + 1);
	if (ip[0] == '[')
		memmove(ip, ip + 1, strlen(ip + 1) + 1);
	n = strlen(ip);
	if (n > 0 && ip[n - 1] == ']')
		ip[--n] = '\0';
	char *pc = strrchr(ip, '%');
	if (pc != NULL && strspn(pc + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._~-") == strlen(pc + 1))
		*pc = '\0';
	if (MS(ip, "(?i)^0*:0*:(?:0*:)*ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$"))
		CAP(f->ip, 1);

	n = strlen(f->by);
	if (n > 0 && f->by[n - 1] == ';')
		f->by[n - 1] = '\0';

	strip_chars(f->ip);
	strip_chars(f->rdns);
	strip_chars(f->helo);
	strip_chars(f->by);
	strip_chars(f->ident);
	if (f->envfrom != NULL)
		clean_envfrom(f->envfrom);

	memset(r, 0, sizeof *r);
	r->ip = f->ip;
	r->rdns = f->rdns;
	r->helo = f->helo;
	r->by = f->by;
	r->ident = f->ident;
	r->envfrom = f->envfrom;
	r->id = f->id;
	r->auth = f->auth;
	if (r->rdns[0] == '\0') {
		r->no_reverse_dns = f->dns;
		r->rdns_not_in_headers = !f->dns;
	}
	r->ip_private = MS(r->ip, IP_PRIVATE);
	memset(f, 0, sizeof *f);
}

static void
fields_free(struct fields *f)
{
	g_free(f->ip);
	g_free(f->helo);
	g_free(f->rdns);
	g_free(f->by);
	g_free(f->id);
	g_free(f->ident);
	g_free(f->envfrom);
	g_free(f->auth);
}

static void
as_string(struct sa_relay *r)
{
	const char *e = r->envfrom != NULL && strcmp(r->envfrom, "0") != 0 ? r->envfrom : "";
	g_free(r->as_string);
	r->as_string = g_strdup_printf("[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s intl=%d "
	    "id=%s auth=%s msa=%d ]", r->ip, r->rdns, r->helo, r->by, r->ident, e, r->internal ? 1 : 0,
	    r->id, r->auth, r->msa ? 1 : 0);
}

/* the date at the end, "; Tue, 23 May 2006 13:06:35 -0400" */
#define DATE_END "[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+ (?:J(?:an|u[nl])|Feb|" \
	"Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \\d+ \\d+:\\d+(?::\\d+)? \\S+$"

static int
parse_line(struct px *p, const char *value, size_t len, struct sa_relay *out, struct chain *ch)
{
	/* s/\s+/ /g; s/^ //; s/ $//; 1 while s/\s?;$//; (a NUL ends it) */
	GString *g = g_string_sized_new(len + 1);
	for (size_t i = 0; i < len && value[i] != '\0'; i++) {
		if (perl_space(value[i])) {
			if (g->len == 0 || g->str[g->len - 1] != ' ')
				g_string_append_c(g, ' ');
		} else {
			g_string_append_c(g, value[i]);
		}
	}
	if (g->len > 0 && g->str[0] == ' ')
		g_string_erase(g, 0, 1);
	if (g->len > 0 && g->str[g->len - 1] == ' ')
		g_string_truncate(g, g->len - 1);
	while (g->len > 0 && g->str[g->len - 1] == ';') {
		g_string_truncate(g, g->len - 1);
		if (g->len > 0 && g->str[g->len - 1] == ' ')
			g_string_truncate(g, g->len - 1);
	}

	int rc = 0;
	const char *t = g->str;
	if (!M("^(?i:\\(?from )") || M("\\bwith local for\\b"))
		goto out;
	if (M("^(?i:from (\\S+) by [^\\s;]+ ?;)")) {
		char *h = cap(p, 1);
		bool numeric = MS(h, "^\\[[\\d.]+\\]$");
		g_free(h);
		if (!numeric)
			goto out;
	}
	if (M(DATE_END)) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
		g_string_truncate(g, ov[0]);
	}
	char *rb = strstr(g->str, ")by ");
	if (rb != NULL)
		g_string_insert_c(g, (rb - g->str) + 1, ' ');

	struct fields f = { 0 };
	f.ip = g_strdup("");
	f.helo = g_strdup("");
	f.rdns = g_strdup("");
	f.by = g_strdup("");
	f.id = g_strdup("");
	f.ident = g_strdup("");
	f.auth = g_strdup("");
	rc = formats(p, g->str, &f, ch);
	if (rc == 1)
		finish(p, &f, out);
	fields_free(&f);
out:
	g_string_free(g, TRUE);
	return rc;
}

static void
jit_stack_free(gpointer js)
{
	pcre2_jit_stack_free(js);
}

/* The JIT's stack of the thread: made on its first parse, kept for the
 * next ones (making and freeing 1 MiB each scan cost more than the
 * parse of a short header), freed when the thread ends. */
static GPrivate jit_stack = G_PRIVATE_INIT(jit_stack_free);

static void
px_init(struct px *p, const struct sa_relay_limits *lim)
{
	p->md = pcre2_match_data_create(32, NULL);
	p->mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(p->mc, lim->match_limit);
	pcre2_set_depth_limit(p->mc, lim->depth_limit);
	/* the JIT's stack, in place of the depth limit: 1 MiB at most */
	p->js = g_private_get(&jit_stack);
	if (p->js == NULL) {
		p->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
		if (p->js != NULL)
			g_private_set(&jit_stack, p->js);
	}
	if (p->js != NULL)
		pcre2_jit_stack_assign(p->mc, NULL, p->js);
}

static void
px_clear(struct px *p)
{
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mc);
	/* p->js stays the thread's */
}

void
sa_relay_clear(struct sa_relay *r)
{
	g_free(r->ip);
	g_free(r->rdns);
	g_free(r->helo);
	g_free(r->by);
	g_free(r->ident);
	g_free(r->envfrom);
	g_free(r->id);
	g_free(r->auth);
	g_free(r->as_string);
	memset(r, 0, sizeof *r);
}

int
sa_received_parse(const char *value, size_t len, const struct sa_relay_limits *lim,
    struct sa_relay *out)
{
	struct px p;
	struct chain ch = { 0 };
	memset(out, 0, sizeof *out);
	if (len > lim->field_max)
		return -1;
	px_init(&p, lim);
	int rc = parse_line(&p, value, len, out, &ch);
	if (rc == 1)
		as_string(out);
	px_clear(&p);
	g_free(ch.qms_envfrom);
	return rc;
}

/* ---- networks ---------------------------------------------------------- */

struct net {
	uint8_t a[16];	/* IPv4 as ::ffff:a.b.c.d */
	unsigned bits;
};

struct sa_netset {
	GArray *nets;
};

/* an address, brackets, "IPv6:" and a zone allowed; IPv4 mapped */
static bool
parse_addr(const char *s, uint8_t a[16], bool *v4)
{
	char buf[64];
	size_t n = strlen(s);
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n + 1);
	char *b = buf;
	if (b[0] == '[' && n > 1 && b[n - 1] == ']') {
		b[n - 1] = '\0';
		b++;
	}
	if (g_ascii_strncasecmp(b, "IPv6:", 5) == 0)
		b += 5;
	char *pc = strchr(b, '%');
	if (pc != NULL)
		*pc = '\0';
	struct in_addr in4;
	if (inet_pton(AF_INET, b, &in4) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &in4, 4);
		*v4 = true;
		return true;
	}
	*v4 = false;
	return inet_pton(AF_INET6, b, a) == 1;
}

static bool
parse_net(const char *s, struct net *out, char *err, size_t errlen)
{
	char buf[80];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf) {
		snprintf(err, errlen, "not a network: \"%s\"", s);
		return false;
	}
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash != NULL) {
		*slash = '\0';
		char *end;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0) {
			snprintf(err, errlen, "bad prefix length in \"%s\"", s);
			return false;
		}
	}
	bool v4;
	if (strchr(buf, '%') != NULL || buf[0] == '[' || !parse_addr(buf, out->a, &v4)) {
		snprintf(err, errlen, "not an IPv4 or IPv6 address: \"%s\"", s);
		return false;
	}
	long max = v4 ? 32 : 128;
	if (bits > max) {
		snprintf(err, errlen, "prefix longer than %ld bits in \"%s\"", max, s);
		return false;
	}
	out->bits = (unsigned)(bits < 0 ? max : bits) + (v4 ? 96u : 0u);
	return true;
}

bool
sa_net_check(const char *s, char *err, size_t errlen)
{
	struct net n;
	return parse_net(s, &n, err, errlen);
}

struct sa_netset *
sa_netset_new(const char *const *nets, size_t n, char *err, size_t errlen)
{
	struct sa_netset *s = g_new0(struct sa_netset, 1);
	s->nets = g_array_new(FALSE, FALSE, sizeof(struct net));
	static const char *const always[] = { "127.0.0.0/8", "::1" };
	for (size_t i = 0; i < n + G_N_ELEMENTS(always); i++) {
		struct net x;
		if (!parse_net(i < n ? nets[i] : always[i - n], &x, err, errlen)) {
			sa_netset_free(s);
			return NULL;
		}
		g_array_append_val(s->nets, x);
	}
	return s;
}

void
sa_netset_free(struct sa_netset *s)
{
	if (s == NULL)
		return;
	g_array_free(s->nets, TRUE);
	g_free(s);
}

bool
sa_netset_contains(const struct sa_netset *s, const char *ip)
{
	uint8_t a[16];
	bool v4;
	if (s == NULL || !parse_addr(ip, a, &v4))
		return false;
	for (guint i = 0; i < s->nets->len; i++) {
		const struct net *x = &g_array_index(s->nets, struct net, i);
		unsigned full = x->bits / 8, rest = x->bits % 8;
		if (memcmp(a, x->a, full) != 0)
			continue;
		if (rest != 0) {
			uint8_t mask = (uint8_t)(0xff << (8 - rest));
			if ((a[full] & mask) != (x->a[full] & mask))
				continue;
		}
		return true;
	}
	return false;
}

/* ---- the message -------------------------------------------------------- */

static void
relay_free(gpointer q)
{
	sa_relay_clear(q);
	g_free(q);
}

static char *
join(const GPtrArray *a)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++) {
		const struct sa_relay *r = a->pdata[i];
		if (i > 0)
			g_string_append_c(g, ' ');
		g_string_append(g, r->as_string);
	}
	return g_string_free(g, FALSE);
}

/* The values parse_received_headers reads: every Received field, then
 * for each originating header whose last value holds an address, a
 * synthetic "from X-Originating-IP: ADDR". */
static GPtrArray *
received_values(struct px *p, const GPtrArray *fields, const char *const *orig,
    unsigned hops_max, unsigned *received, unsigned *dropped)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (g_ascii_strcasecmp(f->name, "Received") != 0)
			continue;
		if (*received >= hops_max) {
			(*dropped)++;
			continue;
		}
		(*received)++;
		g_ptr_array_add(v, g_strdup(f->decoded));
	}
	for (size_t k = 0; orig != NULL && orig[k] != NULL; k++) {
		const struct sa_field *last = NULL;
		for (guint i = 0; fields != NULL && i < fields->len; i++) {
			const struct sa_field *f = fields->pdata[i];
			if (g_ascii_strcasecmp(f->name, orig[k]) == 0)
				last = f;
		}
		if (last == NULL || !MS(last->decoded, "(" IP ")"))
			continue;
		char *ip = cap(p, 1);
		g_ptr_array_add(v, g_strdup_printf("from X-Originating-IP: %s\n", ip));
		g_free(ip);
	}
	return v;
}

struct sa_relays *
sa_relays_parse(const GPtrArray *fields, const struct sa_relay_opts *o)
{
	struct sa_relays *rs = g_new0(struct sa_relays, 1);
	rs->all = g_ptr_array_new_with_free_func(relay_free);
	rs->trusted = g_ptr_array_new();
	rs->untrusted = g_ptr_array_new();
	rs->internal = g_ptr_array_new();
	rs->external = g_ptr_array_new();
	rs->last_trusted_index = rs->last_internal_index = -1;

	const struct sa_netset *trusted = o->trusted, *internal = o->internal;
	bool configured = trusted != NULL || internal != NULL;
	if (trusted == NULL)
		trusted = internal;
	if (internal == NULL)
		internal = trusted;

	struct px p;
	px_init(&p, &o->limits);
	GPtrArray *vals = received_values(&p, fields, o->originating, o->limits.hops_max,
	    &rs->received, &rs->dropped);

	bool in_trusted = true, in_internal = true, found_msa = false, allow_fetch = true;
	struct chain ch = { 0 };
	for (guint i = 0; i < vals->len; i++) {
		const char *line = vals->pdata[i];
		bool qms = ch.qms_set;
		char *qms_envfrom = ch.qms_envfrom;
		ch.qms_set = false;
		ch.qms_envfrom = NULL;
		ch.pop_fetcher = false;

		struct sa_relay r;
		size_t len = strlen(line);
		int rc = len > o->limits.field_max ? -1 : parse_line(&p, line, len, &r, &ch);
		if (ch.pop_fetcher && allow_fetch) {
			/* a mail fetcher's hop restarts the trusted part */
			g_ptr_array_set_size(rs->trusted, 0);
			g_ptr_array_set_size(rs->internal, 0);
			g_ptr_array_set_size(rs->external, 0);
		}
		if (rc != 1) {
			if (rc < 0)
				rs->unparseable++;
			if (in_trusted)
				rs->last_trusted_index++;
			if (in_internal)
				rs->last_internal_index++;
			g_free(qms_envfrom);
			continue;
		}
		struct sa_relay *rl = g_new(struct sa_relay, 1);
		*rl = r;
		g_ptr_array_add(rs->all, rl);
		if (qms && qms_envfrom != NULL && qms_envfrom[0] != '\0' &&
		    strcmp(qms_envfrom, "0") != 0) {
			g_free(rl->envfrom);
			rl->envfrom = qms_envfrom;
			qms_envfrom = NULL;
		}
		g_free(qms_envfrom);

		if (in_trusted && !found_msa) {
			if (!configured) {
				/* inferred: private addresses and authenticated
				 * hops are trusted, the first other ends it */
				if (!rl->ip_private && !perl_true(rl->auth))
					in_trusted = in_internal = false;
			} else if (!perl_true(rl->auth) && !sa_netset_contains(trusted, rl->ip)) {
				in_trusted = false;
				in_internal = false;
			} else if (in_internal && !perl_true(rl->auth) &&
			    !sa_netset_contains(internal, rl->ip)) {
				in_internal = false;
			}
		}
		rl->trusted = in_trusted;
		rl->internal = in_internal;
		as_string(rl);
		if (in_trusted) {
			g_ptr_array_add(rs->trusted, rl);
			allow_fetch = true;
			rs->last_trusted_index++;
		} else {
			g_ptr_array_add(rs->untrusted, rl);
			allow_fetch = false;
		}
		if (in_internal) {
			g_ptr_array_add(rs->internal, rl);
			rs->last_internal_index++;
		} else {
			g_ptr_array_add(rs->external, rl);
		}
	}
	g_free(ch.qms_envfrom);
	g_ptr_array_unref(vals);
	px_clear(&p);

	rs->trusted_str = join(rs->trusted);
	rs->untrusted_str = join(rs->untrusted);
	rs->internal_str = join(rs->internal);
	rs->external_str = join(rs->external);
	return rs;
}

void
sa_relays_free(void *relays)
{
	struct sa_relays *rs = relays;
	if (rs == NULL)
		return;
	g_ptr_array_unref(rs->trusted);
	g_ptr_array_unref(rs->untrusted);
	g_ptr_array_unref(rs->internal);
	g_ptr_array_unref(rs->external);
	g_ptr_array_unref(rs->all);
	g_free(rs->trusted_str);
	g_free(rs->untrusted_str);
	g_free(rs->internal_str);
	g_free(rs->external_str);
	g_free(rs);
}

size_t
sa_relays_untrusted_ips(const struct sa_relays *r, const char **ips, size_t max)
{
	size_t n = 0;
	/* header order is most recent first: the first untrusted hop is the
	 * topmost untrusted relay */
	for (guint i = 0; r != NULL && i < r->untrusted->len; i++) {
		const struct sa_relay *x = r->untrusted->pdata[i];
		if (x->ip[0] == '\0')
			continue;
		if (n < max)
			ips[n] = x->ip;
		n++;
	}
	return n;
}

char **
sa_relays_originating(GHashTable *settings)
{
	GPtrArray *v = settings != NULL ? g_hash_table_lookup(settings, "originating_ip_headers") :
	    NULL;
	if (v == NULL || v->len == 0)
		return NULL;
	GPtrArray *out = g_ptr_array_new();
	for (guint i = 0; i < v->len; i++) {
		char **w = g_strsplit_set(v->pdata[i], " \t", -1);
		for (char **k = w; *k != NULL; k++) {
			bool dup = **k == '\0';
			for (guint j = 0; !dup && j < out->len; j++)
				dup = g_ascii_strcasecmp(out->pdata[j], *k) == 0;
			if (!dup)
				g_ptr_array_add(out, g_strdup(*k));
		}
		g_strfreev(w);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static bool
simple_match(unsigned slot, const char *pat, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = pcre2_match(compiled(slot, pat), (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc > 0;
}

bool
sa_ip_is_private(const char *ip)
{
	return simple_match(__COUNTER__, IP_PRIVATE, ip);
}

bool
sa_ip_is_ipv4(const char *s)
{
	return simple_match(__COUNTER__, "^\\b" V4RAW "\\b$", s);
}

/* every call site above has a slot of its own */
_Static_assert(__COUNTER__ < SLOTS, "sa_relays: more patterns than SLOTS");
