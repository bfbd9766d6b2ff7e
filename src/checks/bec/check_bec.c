/*
 * check_bec.c - impersonation, business e-mail compromise and hijacked
 * threads (issue 17; docs/bec.md, docs/configuration.md `bec`).
 *
 * Design: the header checks look at From, Reply-To, the envelope sender
 * and the Subject only:
 *   - a display name that is one of bec.vip's names (compared after NFKC,
 *     case folding, blanks and punctuation removed, in both orders of its
 *     words: 山田 太郎 is 太郎 山田, Taro Yamada is Yamada Taro) or that
 *     holds one of their addresses, on an address that is not theirs:
 *     IMPERSONATION_DISPLAY_NAME (not on a mailing list's post: List-Id,
 *     and List-Post's address among To and Cc; the report names it);
 *     with a store, also a protected domain's known person (below);
 *   - a From, Reply-To or envelope sender domain that looks like one of
 *     bec.protected_domains (src/bec/lookalike.h): IMPERSONATION_DOMAIN;
 *   - a From address at a free-mail provider (bec.freemail_domains, a
 *     domain or any subdomain of it): FREEMAIL_FROM;
 *   - a Reply-To to another registrable domain than From's that is free
 *     mail: REPLYTO_MISMATCH (not for mailing lists: List-Id);
 *   - a subject that says reply or forward without In-Reply-To,
 *     References or Outlook's Thread-Index (and, for a forward, without
 *     an attached message or a forwarded-message marker in the text,
 *     since clients set no In-Reply-To on a forward), not on a mailing
 *     list: FAKE_REPLY.
 * An impersonation with a link or an attachment adds
 * BEC_IMPERSONATION_PAYLOAD, so that together they reach quarantine while
 * each alone stays below reject.
 *
 * With a store (scan_store(): `--state DIR`), the correspondent history,
 * namespace "bec" (docs/bec.md "History"):
 *   - "m:<Message-ID>" -> the message's participants (From, To, Cc,
 *     lower case, at most bec.history_participants, '\n'-separated),
 *     after a line "*" when the thread is open to anyone (open_thread():
 *     list traffic, Precedence list or bulk, neither To nor Cc);
 *   - "p:<sender>\n<recipient>" -> the Unix time it was written: the
 *     sender wrote to the recipient (From -> To, Cc and the envelope
 *     recipients, the same bound); written again (its expiry moved) at
 *     most once a day, so that a regular correspondent costs reads only;
 *   - the counter "delivered": messages recorded.
 * Keys expire bec.history_days after the last message that wrote them.
 * Only delivered mail is recorded: finish() runs after every module and
 * goes by scan_action_so_far(), the final action (accept or add_header;
 * nothing when the scan ran out of time, nor for a message this module
 * found an impersonation in: a hijacker whose reply was delivered with a
 * header must not become a participant of the thread).  The history gives:
 *   - THREAD_HIJACK, stateful form: In-Reply-To/References name messages
 *     of the history, none of them an open thread, and the From address
 *     is none of their participants (not on mailing lists: list_traffic());
 *   - FIRST_CONTACT: once bec.first_contact_min_history messages were
 *     recorded, a From that wrote to none of the recipients and to which
 *     none of them wrote;
 *   - "n:<name key>" -> the time written, then up to PERSON_ADDRS
 *     addresses: a protected domain's known person (bec.known_persons),
 *     the display name (person_key(): distinctive names only) of a
 *     delivered message from a protected domain, not list traffic; the
 *     same name (either order) from an outside address that is none of
 *     them and never corresponded with the recipients is
 *     IMPERSONATION_DISPLAY_NAME.
 * A store error is no verdict (as for the bayes module: no tempfail, the
 * checks of the other modules stand): the stateful symbols are left out
 * and the report's bec.history.error says why; a failed write in finish()
 * is reported the same way and never fails the scan.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "bec/lookalike.h"
#include "mamori/store.h"
#include "bec/phrases.h"
#include "bec/quote.h"
#include "content/content.h"
#include "core/module.h"
#include "mime/message.h"
#include "objects/object.h"
#include "url/url.h"
#include "util/jsonw.h"

#define VIP_MAX 1000
#define NAME_MAX_BYTES 256	/* of a display name looked at */

struct vip_conf {
	char *name;
	char *address;
};

struct bec_conf {
	bool enabled;
	char *phrases;		/* the payment-change dictionary, or NULL */
	GPtrArray *protected_domains;
	GPtrArray *vip;		/* struct vip_conf * */
	GPtrArray *freemail_domains;
	bool history;
	uint32_t history_days;
	uint32_t history_participants;
	uint32_t first_contact_min_history;
	bool known_persons;
};

#define SYMBOLS(X) \
	X(IMPERSONATION_DISPLAY_NAME, 6.0, NO_FORCE, "The From display name is one of bec.vip's names (after NFKC, case folding, blanks and punctuation removed, either order of its words) or holds a VIP's address, but the address is not theirs; not on a mailing list's post (List-Id, and the List-Post address among To and Cc: the name is the poster's, who may post from any address); the option is \"name <address> (VIP address)\". With a state store, also a protected domain's known person (bec.known_persons): a name learned from a protected domain's address, from an outside address that is none of that name's and never corresponded with the recipients (option \"name <address> (known person ADDRESS)\").") \
	X(IMPERSONATION_DOMAIN, 6.0, NO_FORCE, "The From, Reply-To or envelope sender domain is a look-alike of a domain of bec.protected_domains: Damerau-Levenshtein distance 1 (2 on longer labels) on the registrable label, 1/l 0/o rn/m vv/w cl/d swaps, an inserted hyphen, the protected domain as labels in front of another domain, the same name under another suffix, or an IDN whose UTS #39 skeleton is the protected one's; never the protected domain or its subdomains. The option is \"domain (which header): protected domain, why\".") \
	X(THREAD_HIJACK, 6.0, NO_FORCE, "The body quotes an earlier message (Outlook's English and Japanese header blocks, Gmail, Thunderbird and Apple Mail's \"On ... wrote:\", 「...さんは書きました」, '>'-quoted headers) whose author has the sender's display name but another registrable domain than the sender's: the real correspondent's name on a stolen thread (option \"name: quoted domain -> sender domain (form)\"); or, with a state store, In-Reply-To/References name a message mamori delivered earlier and the From address is none of the participants (From, To, Cc) of the referenced messages it knows, not on mailing lists (a reply that is list traffic or one to an open thread: list traffic, Precedence list or bulk, no To nor Cc) (option \"thread <msgid>: sender not a participant\").") \
	X(BEC_PAYMENT_CHANGE, 4.0, NO_FORCE, "The text asks to change bank details, pay to a new account or buy gift cards, with urgency or a second payment phrase (the dictionary of bec.phrases, Japanese and English); the option lists the phrases found.") \
	X(FREEMAIL_FROM, 0.5, NO_FORCE, "The From address is at a free-mail provider of bec.freemail_domains (or a subdomain of one); low weight: it adds up with an impersonation.") \
	X(REPLYTO_MISMATCH, 2.0, NO_FORCE, "Reply-To goes to another registrable domain than From, and that domain is free mail or a look-alike of a protected domain; not for mailing lists (List-Id); the option is \"From domain -> Reply-To address\".") \
	X(FAKE_REPLY, 1.5, NO_FORCE, "The subject says reply or forward (RE:, Re:, FW:, Fwd:, AW:, SV:, 返信:, 転送:, full-width forms) but there is neither In-Reply-To, References nor Thread-Index (a forward also carries no attached message or forwarded-message marker); not for mailing lists (List-Id), whose web-mail replies often lack them; the option is the prefix.") \
	X(FIRST_CONTACT, 1.0, NO_FORCE, "With a state store, once bec.first_contact_min_history delivered messages are in the history: the From address never wrote to any of the recipients (the envelope recipients, else To and Cc) and none of them wrote to it, in the last bec.history_days days of delivered mail; low weight: it adds up with other signs. The option is \"sender -> recipient\".") \
	X(BEC_IMPERSONATION_PAYLOAD, 4.0, NO_FORCE, "An impersonation (IMPERSONATION_DISPLAY_NAME, IMPERSONATION_DOMAIN or THREAD_HIJACK) comes with a link or an attachment: together they reach quarantine with the default weights; the option says which.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* ---- configuration --------------------------------------------------------- */

/* a shipped list: the providers seen most in Japanese and global mail */
static const char *const default_freemail[] = {
	"gmail.com", "googlemail.com", "yahoo.co.jp", "ymail.ne.jp", "yahoo.com", "yahoo.co.uk",
	"outlook.com", "outlook.jp", "hotmail.com", "hotmail.co.jp", "live.com", "live.jp",
	"msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net",
	"gmx.de", "web.de", "mail.com", "mail.ru", "yandex.ru", "yandex.com", "protonmail.com",
	"proton.me", "zoho.com", "qq.com", "163.com", "126.com", "naver.com", "excite.co.jp",
	"nifty.com", "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp",
	"tutanota.com", "fastmail.com", "hushmail.com", "inbox.com", NULL
};

static bool
check_vip_name(const char *v, char *why, size_t n)
{
	if (*v == '\0' || strlen(v) > NAME_MAX_BYTES || !g_utf8_validate(v, -1, NULL)) {
		snprintf(why, n, "a name of at most %d bytes of UTF-8", NAME_MAX_BYTES);
		return false;
	}
	return true;
}

static bool
check_address(const char *v, char *why, size_t n)
{
	const char *at = strchr(v, '@');
	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strpbrk(v, " \t<>\"") != NULL) {
		snprintf(why, n, "an address such as yamada@example.co.jp");
		return false;
	}
	return true;
}

#define V struct vip_conf
static const struct conf_key vip_keys[] = {
	CONF_STRING(V, name, "", check_vip_name, "a person's name",
	    "a name the person writes under (\"山田 太郎\", \"Taro Yamada\")"),
	CONF_STRING(V, address, "", check_address, "an address",
	    "their address; several groups may give one address other names"),
};
#undef V

static bool
check_vip(const void *conf, char *err, size_t errlen)
{
	const struct vip_conf *v = conf;
	if (v->name == NULL || v->name[0] == '\0' || v->address == NULL || v->address[0] == '\0') {
		snprintf(err, errlen, "bec.vip: each entry needs a name and an address");
		return false;
	}
	return true;
}
static const struct conf_section vip_section =
	MAMORI_CONF("bec.vip", vip_keys, struct vip_conf, check_vip);

#define C struct bec_conf
static const struct conf_key keys[] = {
	CONF_BOOL(C, enabled, true, "run the impersonation and BEC checks"),
	CONF_STRING_OFF(C, phrases, "", conf_check_abs_path, "an absolute path",
	    "the payment-change dictionary (\"\": the shipped rules/bec-phrases.txt)"),
	CONF_LIST(C, protected_domains, NULL, conf_check_domain, "a domain such as example.co.jp",
	    true, "our own domains and key partners': their look-alikes are impersonation"),
	CONF_GROUPS(C, vip, &vip_section, VIP_MAX,
	    "people whose names are impersonated: ( { name = \"山田 太郎\"; address = \"yamada@example.co.jp\"; }, ... )"),
	CONF_LIST(C, freemail_domains, default_freemail, conf_check_domain,
	    "a domain such as gmail.com", true,
	    "free-mail providers (a domain and its subdomains); setting the key replaces the list"),
	CONF_BOOL(C, history, true,
	    "keep the correspondent history in the store (with a state directory): THREAD_HIJACK's thread form and FIRST_CONTACT"),
	CONF_UINT(C, history_days, 1, 3650, 180,
	    "days the correspondent history keeps a message or a sender/recipient pair after the last delivered mail that wrote it"),
	CONF_UINT(C, history_participants, 1, 1000, 50,
	    "participants recorded per message (From, To, Cc) and recipients per sender"),
	CONF_UINT(C, first_contact_min_history, 0, 100000000, 1000,
	    "delivered messages the history must hold before FIRST_CONTACT fires"),
	CONF_BOOL(C, known_persons, true,
	    "learn the names the protected domains' people write under (with a state directory and bec.history): such a name from another address that never corresponded with the recipients is IMPERSONATION_DISPLAY_NAME"),
};
#undef C

/* ---- engine ---------------------------------------------------------------- */

struct vip {
	char *key;		/* the normalised name */
	char *name;		/* as configured */
	char *address;		/* lower case */
	bool full;		/* two words or more: may also be found inside
				 * a longer display name */
};

struct bec_engine {
	struct bec_protected *protected;	/* NULL: none configured */
	struct bec_phrases *phrases;
	GPtrArray *vips;	/* struct vip *, two per name (both orders) */
	GHashTable *addresses;	/* lower-case VIP address -> itself */
	GHashTable *freemail;	/* domain -> itself */
};

static void
vip_free(gpointer p)
{
	struct vip *v = p;
	g_free(v->key);
	g_free(v->name);
	g_free(v->address);
	g_free(v);
}

static void
engine_free(void *engine)
{
	struct bec_engine *e = engine;
	if (e == NULL)
		return;
	bec_protected_free(e->protected);
	bec_phrases_free(e->phrases);
	g_ptr_array_unref(e->vips);
	g_hash_table_unref(e->addresses);
	g_hash_table_unref(e->freemail);
	g_free(e);
}

/* What separates the words of a name: blanks, punctuation, the middle dot */
static bool
name_sep(gunichar u)
{
	return g_unichar_isspace(u) || g_unichar_ispunct(u) || u == 0x30FB /* ・ */;
}

/* s without blanks and punctuation, after NFKC and case folding */
static char *
squeeze(const char *s)
{
	char *nf = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
	if (nf == NULL)
		return g_strdup("");
	char *cf = g_utf8_casefold(nf, -1);
	g_free(nf);
	GString *out = g_string_sized_new(strlen(cf));
	for (const char *p = cf; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		if (name_sep(u))
			continue;
		g_string_append_unichar(out, u);
	}
	g_free(cf);
	return g_string_free(out, FALSE);
}

/*
 * The words of name (NFKC, split at blanks, punctuation and the middle
 * dot), g_strfreev() them.
 */
static char **
words_of(const char *name)
{
	char *nf = g_utf8_normalize(name, -1, G_NORMALIZE_NFKC);
	GPtrArray *w = g_ptr_array_new();
	GString *cur = g_string_new(NULL);
	for (const char *p = nf != NULL ? nf : ""; ; p = g_utf8_next_char(p)) {
		gunichar u = *p != '\0' ? g_utf8_get_char(p) : 0;
		if (u == 0 || name_sep(u)) {
			if (cur->len > 0) {
				g_ptr_array_add(w, g_strdup(cur->str));
				g_string_truncate(cur, 0);
			}
			if (u == 0)
				break;
			continue;
		}
		g_string_append_unichar(cur, u);
	}
	g_string_free(cur, TRUE);
	g_free(nf);
	g_ptr_array_add(w, NULL);
	return (char **)g_ptr_array_free(w, FALSE);
}

/*
 * The keys of a name (squeeze()d): in the order its words are written
 * (*fwd) and with its words reversed (*rev), g_free() both; the number of
 * its words (0: it has none, both keys "").
 */
static guint
name_keys(const char *name, char **fwd, char **rev)
{
	char **w = words_of(name);
	guint n = g_strv_length(w);
	GString *fw = g_string_new(NULL), *bw = g_string_new(NULL);
	for (guint k = 0; k < n; k++) {
		g_string_append(fw, w[k]);
		g_string_append(bw, w[n - 1 - k]);
	}
	*fwd = squeeze(fw->str);
	*rev = squeeze(bw->str);
	g_string_free(fw, TRUE);
	g_string_free(bw, TRUE);
	g_strfreev(w);
	return n;
}

static void
add_vip(struct bec_engine *e, const char *key, const char *name, const char *address,
    bool full)
{
	for (guint i = 0; i < e->vips->len; i++) {
		const struct vip *v = e->vips->pdata[i];
		if (strcmp(v->key, key) == 0 && strcmp(v->address, address) == 0)
			return;
	}
	struct vip *v = g_new0(struct vip, 1);
	v->key = g_strdup(key);
	v->name = g_strdup(name);
	v->address = g_ascii_strdown(address, -1);
	v->full = full;
	g_ptr_array_add(e->vips, v);
}

static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct bec_conf *c = s->conf;
	struct bec_engine *e = g_new0(struct bec_engine, 1);

	e->vips = g_ptr_array_new_with_free_func(vip_free);
	e->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	e->freemail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; c->freemail_domains != NULL && i < c->freemail_domains->len; i++)
		g_hash_table_add(e->freemail, g_strdup(g_ptr_array_index(c->freemail_domains, i)));
	{
		char why[512];
		const char *path = c->phrases != NULL ? c->phrases : bec_phrases_default_path();
		e->phrases = bec_phrases_load(path, why, sizeof why);
		if (e->phrases == NULL) {
			snprintf(s->err, s->errlen, "bec.phrases: %s", why);
			engine_free(e);
			return false;
		}
	}
	if (c->protected_domains != NULL && c->protected_domains->len > 0) {
		char why[256];
		e->protected = bec_protected_new((const char *const *)c->protected_domains->pdata,
		    c->protected_domains->len, why, sizeof why);
		if (e->protected == NULL) {
			snprintf(s->err, s->errlen, "bec.protected_domains: %s", why);
			engine_free(e);
			return false;
		}
	}
	for (guint i = 0; c->vip != NULL && i < c->vip->len; i++) {
		const struct vip_conf *vc = g_ptr_array_index(c->vip, i);
		/* both orders: the words as written, and reversed */
		char *kf, *kb;
		guint n = name_keys(vc->name, &kf, &kb);
		if (n == 0) {
			snprintf(s->err, s->errlen, "bec.vip: \"%s\" has no letters", vc->name);
			g_free(kf);
			g_free(kb);
			engine_free(e);
			return false;
		}
		add_vip(e, kf, vc->name, vc->address, n >= 2);
		add_vip(e, kb, vc->name, vc->address, n >= 2);
		g_free(kf);
		g_free(kb);
		g_hash_table_add(e->addresses, g_ascii_strdown(vc->address, -1));
	}
	*engine = e;
	return true;
}

static char *
engine_summary(const void *engine, bool detail)
{
	const struct bec_engine *e = engine;
	(void)detail;
	return g_strdup_printf("bec: %zu protected domains, %u VIP addresses (%u names in both "
	    "orders), %u free-mail domains, %u payment-change phrases\n",
	    e->protected != NULL ? bec_protected_count(e->protected) : 0,
	    g_hash_table_size(e->addresses), e->vips->len, g_hash_table_size(e->freemail),
	    bec_phrases_count(e->phrases));
}

/* ---- a scan ---------------------------------------------------------------- */

struct bec_state {
	const char *vip;	/* the impersonated VIP's name (the engine's) */
	bool impersonation;	/* an impersonation symbol of this module */
	bool store;		/* a store was there */
	bool hist_read;		/* the stateful checks ran */
	int64_t delivered;	/* messages in the history when read */
	int refs_known;		/* referenced messages found in the history */
	int refs_open;		/* of them, open threads (OPEN_MARK) */
	const char *recorded;	/* "yes", or why not (static) */
	char *error;		/* a store error, or NULL */
	char *list_post;	/* a VIP's name on this list's post: no symbol */
	char *known_person;	/* the known person's address impersonated */
};

static void
state_free(void *p)
{
	g_free(((struct bec_state *)p)->list_post);
	g_free(((struct bec_state *)p)->known_person);
	g_free(((struct bec_state *)p)->error);
}

static const char *
domain_of(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* The VIP a display name names (or whose address it holds), or NULL. */
static const struct vip *
vip_named(const struct bec_engine *e, const char *display)
{
	if (display == NULL || display[0] == '\0' || e->vips->len == 0)
		return NULL;
	char *lc = g_ascii_strdown(display, -1);
	const struct vip *hit = NULL;
	for (guint i = 0; i < e->vips->len && hit == NULL; i++) {
		const struct vip *v = e->vips->pdata[i];
		if (strstr(lc, v->address) != NULL)
			hit = v;
	}
	g_free(lc);
	if (hit != NULL)
		return hit;
	size_t n = strlen(display);
	char *cut = g_strndup(display, MIN(n, (size_t)NAME_MAX_BYTES));
	char *key = squeeze(cut);
	g_free(cut);
	for (guint i = 0; i < e->vips->len && hit == NULL; i++) {
		const struct vip *v = e->vips->pdata[i];
		if (key[0] != '\0' && (strcmp(key, v->key) == 0 ||
		    (v->full && strstr(key, v->key) != NULL)))
			hit = v;
	}
	g_free(key);
	return hit;
}

static bool
freemail(const struct bec_engine *e, const char *domain)
{
	if (domain == NULL)
		return false;
	char *d = g_ascii_strdown(domain, -1);
	size_t n = strlen(d);
	while (n > 0 && d[n - 1] == '.')
		d[--n] = '\0';
	bool hit = url_host_in(d, e->freemail) != NULL;
	g_free(d);
	return hit;
}

static bool
has_header(const struct mime_headers *h, const char *name)
{
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *x = h->all->pdata[i];
		if (g_ascii_strcasecmp(x->name, name) == 0)
			return true;
	}
	return false;
}

/* The first value of header name, or NULL. */
static const char *
header_value(const struct mime_headers *h, const char *name)
{
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *x = h->all->pdata[i];
		if (g_ascii_strcasecmp(x->name, name) == 0)
			return x->value;
	}
	return NULL;
}

/* Mail a mailing list distributed: one of the headers list managers add
 * (RFC 2369/2919, Mailman's X-BeenThere, ezmlm and Yahoo Groups'
 * Mailing-List, X-Mailing-List). */
static bool
list_traffic(const struct mime_headers *h)
{
	static const char *const names[] = { "List-Id", "List-Post", "Mailing-List",
		"X-Mailing-List", "X-BeenThere" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (has_header(h, names[i]))
			return true;
	return false;
}

/*
 * A thread anyone may answer, recorded as such in the history: list
 * traffic, mail marked Precedence: list or bulk, or mail with neither To
 * nor Cc (its participants are unknown: Bcc, an archive's copy).
 */
static bool
open_thread(const struct mime_headers *h)
{
	if (list_traffic(h) || ((h->to == NULL || h->to->len == 0) &&
	    (h->cc == NULL || h->cc->len == 0)))
		return true;
	const char *p = header_value(h, "Precedence");
	if (p == NULL)
		return false;
	char *t = g_strstrip(g_ascii_strdown(p, MIN(strlen(p), 64)));
	bool bulk = strcmp(t, "list") == 0 || strcmp(t, "bulk") == 0;
	g_free(t);
	return bulk;
}

#define LIST_POST_MAX 1024	/* bytes of a List-Post value looked at */

/*
 * A mailing list's post (RFC 2369): List-Id is there, and the address of
 * List-Post's first mailto: URL is one of To and Cc, case-insensitive.
 * Returns that address (g_free), or NULL.  The message is addressed to
 * the list, not to a person: a VIP's name on it is the poster's, and
 * people post to lists from whichever address they have at hand.
 */
static char *
list_post(const struct mime_headers *h)
{
	const char *v = header_value(h, "List-Post");
	if (v == NULL || !has_header(h, "List-Id"))
		return NULL;
	size_t n = strnlen(v, LIST_POST_MAX);
	const char *lt = memchr(v, '<', n);
	const char *gt = lt != NULL ? memchr(lt, '>', n - (size_t)(lt - v)) : NULL;
	if (gt == NULL)
		return NULL;
	char *url = g_strndup(lt + 1, (gsize)(gt - lt - 1));
	GUri *u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	g_free(url);
	char *addr = NULL;
	if (u != NULL && g_ascii_strcasecmp(g_uri_get_scheme(u), "mailto") == 0 &&
	    strchr(g_uri_get_path(u), '@') != NULL) {
		const GArray *lists[2] = { h->to, h->cc };
		for (int k = 0; k < 2 && addr == NULL; k++)
			for (guint i = 0; lists[k] != NULL && i < lists[k]->len; i++) {
				const struct mime_addr *a = &g_array_index(lists[k], struct mime_addr, i);
				if (g_ascii_strcasecmp(a->addr, g_uri_get_path(u)) == 0) {
					addr = g_ascii_strdown(a->addr, -1);
					break;
				}
			}
	}
	if (u != NULL)
		g_uri_unref(u);
	return addr;
}

/* The reply or forward prefix a subject starts with (static), or NULL;
 * *forward: it is a forward's. */
static const char *
reply_prefix(const char *subject, bool *forward)
{
	static const char *const prefixes[] = {
		"re", "aw", "sv", "vs", "rv", "返信", "回复", "答复",
		/* forwards from here on */
		"fw", "fwd", "wg", "tr", "転送", "转发", NULL
	};
	const size_t first_forward = 8;
	if (subject == NULL)
		return NULL;
	char *nf = g_utf8_normalize(subject, -1, G_NORMALIZE_NFKC);
	if (nf == NULL)
		return NULL;
	char *cf = g_utf8_casefold(nf, -1);
	g_free(nf);
	const char *p = cf;
	while (g_ascii_isspace(*p))
		p++;
	const char *found = NULL;
	for (size_t i = 0; prefixes[i] != NULL && found == NULL; i++) {
		size_t l = strlen(prefixes[i]);
		if (strncmp(p, prefixes[i], l) != 0)
			continue;
		const char *q = p + l;
		/* "Re[2]:" and "Re(3):" count too */
		if (*q == '[' || *q == '(') {
			const char *e = q + 1;
			while (g_ascii_isdigit(*e))
				e++;
			if (e > q + 1 && (*e == ']' || *e == ')'))
				q = e + 1;
		}
		while (*q == ' ')
			q++;
		if (*q == ':') {
			found = prefixes[i];
			*forward = i >= first_forward;
		}
	}
	g_free(cf);
	return found;
}

/*
 * Whether a forward carries what it forwards: an attached message, or a
 * forwarded-message marker in a text part (Gmail, Outlook, Thunderbird,
 * Japanese clients).  Mail clients set no In-Reply-To on a forward.
 */
static bool
forwards_something(const struct mime_message *msg)
{
	static const char *const markers[] = {
		"Forwarded message", "Original Message", "転送されたメッセージ",
		"転送メッセージ", "元のメッセージ", "Begin forwarded message", NULL
	};
	for (guint i = 0; i < msg->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		if (p->kind == MIME_PART_MESSAGE)
			return true;
		if (p->text == NULL || (p->kind != MIME_PART_TEXT && p->kind != MIME_PART_HTML))
			continue;
		for (size_t k = 0; markers[k] != NULL; k++)
			if (g_strstr_len(p->text, (gssize)MIN(p->text_len, (size_t)65536),
			    markers[k]) != NULL)
				return true;
	}
	return false;
}

#define TEXT_MAX (256u * 1024u)	/* bytes of a text read for quotes, phrases */

/* The same person's name: both squeezed (NFKC, folded, no blanks or
 * punctuation) and equal, in either order of their words. */
static bool
same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
		return false;
	char *ka = squeeze(a), *kf, *kr;
	(void)name_keys(b, &kf, &kr);
	bool same = ka[0] != '\0' && (strcmp(ka, kf) == 0 || strcmp(ka, kr) == 0);
	g_free(ka);
	g_free(kf);
	g_free(kr);
	return same;
}

/*
 * THREAD_HIJACK: a quoted message of the body whose author has the
 * sender's display name at another registrable domain than the sender's.
 */
static bool
hijack(struct scan_ctx *ctx, const struct mime_addr *from, const char *fdom)
{
	const struct content *c = scan_content(ctx);
	if (c == NULL || from == NULL || fdom == NULL || from->name[0] == '\0')
		return false;
	char *sd = g_ascii_strdown(fdom, -1);
	char *sreg = url_registrable(sd);
	g_free(sd);
	bool hit = false;
	for (guint i = 0; i < c->n_body && !hit; i++) {
		const struct content_text *t = c->texts->pdata[i];
		size_t n;
		const char *s = content_text(c, t, &n);
		GPtrArray *qs = bec_quotes_find(s, MIN(n, (size_t)TEXT_MAX), 16);
		for (guint k = 0; k < qs->len && !hit; k++) {
			const struct bec_quote *q = qs->pdata[k];
			const char *qd = q->address != NULL ? domain_of(q->address) : NULL;
			if (qd == NULL || !same_name(q->name, from->name))
				continue;
			char *qreg = url_registrable(qd);
			if (strcmp(qreg, sreg) != 0) {
				scan_addf(ctx, SYM(THREAD_HIJACK), "%s: %s -> %s (%s)", from->name, qreg,
				    sreg, q->form);
				hit = true;
			}
			g_free(qreg);
		}
		bec_quotes_free(qs);
	}
	g_free(sreg);
	return hit;
}

/* BEC_PAYMENT_CHANGE over the body's texts (NFKC, as the dictionary is) */
static bool
payment_change(struct scan_ctx *ctx, const struct bec_engine *e)
{
	const struct content *c = scan_content(ctx);
	bool hit = false;
	for (guint i = 0; c != NULL && i < c->n_body && !hit; i++) {
		size_t n;
		const char *s = content_norm(c, c->texts->pdata[i], &n);
		GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
		if (bec_phrases_match(e->phrases, s, MIN(n, (size_t)TEXT_MAX), hits)) {
			GString *opt = g_string_new(NULL);
			for (guint k = 0; k < hits->len && k < 4; k++)
				g_string_append_printf(opt, "%s%s", k > 0 ? "; " : "",
				    (const char *)hits->pdata[k]);
			scan_add(ctx, SYM(BEC_PAYMENT_CHANGE), opt->str);
			g_string_free(opt, TRUE);
			hit = true;
		}
		g_ptr_array_unref(hits);
	}
	return hit;
}

/* A link in the text, or an attachment: what the impersonation carries */
static char *
payload_of(struct scan_ctx *ctx)
{
	const struct obj_tree *t = scan_objects(ctx);
	if (t != NULL && t->roots->len > 0) {
		const struct mobj *o = g_ptr_array_index(t->roots, 0);
		return g_strdup_printf("attachment %s", o->path);
	}
	const struct content *c = scan_content(ctx);
	const GPtrArray *links = c != NULL ? content_links(c) : NULL;
	for (guint i = 0; links != NULL && i < links->len; i++) {
		const struct content_link *l = links->pdata[i];
		if (l->in->origin == CONTENT_BODY && g_ascii_strncasecmp(l->url, "cid:", 4) != 0 &&
		    g_ascii_strncasecmp(l->url, "mailto:", 7) != 0)
			return g_strdup_printf("link %.200s", l->url);
	}
	return NULL;
}

/* ---- the correspondent history ------------------------------------------- */

#define HIST_NS "bec"
#define HIST_DELIVERED "delivered"
#define MSGID_MAX 250		/* bytes of a Message-ID kept */
#define ADDR_MAX 254		/* bytes of an address kept */
#define REFS_MAX 20		/* referenced messages looked up */
#define PURGE_EVERY 1000	/* delivered messages between purges */
#define PAIR_REFRESH_S 86400	/* a pair is written again after a day */
#define OPEN_MARK "*"		/* first line of an open thread's participants */

static int64_t
now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/*
 * s without the blanks and angle brackets around it: *n bytes from the
 * pointer returned, or NULL when nothing is left, more than max is, or a
 * blank or control character is inside.
 */
static const char *
bare_token(const char *s, size_t max, size_t *n)
{
	if (s == NULL)
		return NULL;
	while (*s == '<' || g_ascii_isspace(*s))
		s++;
	size_t len = strnlen(s, max + 2);
	while (len > 0 && (s[len - 1] == '>' || g_ascii_isspace(s[len - 1])))
		len--;
	if (len == 0 || len > max)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return NULL;
	*n = len;
	return s;
}

/* A Message-ID as a key (g_free), or NULL: empty, too long, blanks or
 * control characters. */
static char *
msgid_key(const char *id)
{
	size_t n;
	const char *b = bare_token(id, MSGID_MAX, &n);
	return b != NULL ? g_strdup_printf("m:%.*s", (int)n, b) : NULL;
}

/* addr lower-cased (g_free), or NULL when it does not look like one */
static char *
addr_norm(const char *addr)
{
	size_t n;
	const char *b = bare_token(addr, ADDR_MAX, &n);
	if (b == NULL || n < 3)
		return NULL;
	const char *at = memchr(b, '@', n);
	if (at == NULL || at == b || at == b + n - 1)
		return NULL;
	return g_ascii_strdown(b, (gssize)n);
}

/* add the addresses of list (GArray of mime_addr) to out, unique, up to max */
static void
add_addrs(GPtrArray *out, const GArray *list, guint max)
{
	for (guint i = 0; list != NULL && i < list->len && out->len < max; i++) {
		char *a = addr_norm(g_array_index(list, struct mime_addr, i).addr);
		if (a == NULL)
			continue;
		bool dup = false;
		for (guint k = 0; k < out->len && !dup; k++)
			dup = strcmp(out->pdata[k], a) == 0;
		if (dup)
			g_free(a);
		else
			g_ptr_array_add(out, a);
	}
}

/* The recipients of the scan: the envelope's, else To and Cc (g_free'd
 * strings, at most max). */
static GPtrArray *
recipients_of(struct scan_ctx *ctx, const struct mime_headers *h, guint max, bool both)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const struct mamori_envelope *env = scan_envelope(ctx);
	for (size_t i = 0; env != NULL && i < env->n_rcpt && out->len < max; i++) {
		char *a = addr_norm(env->rcpt[i]);
		if (a == NULL)
			continue;
		bool dup = false;
		for (guint k = 0; k < out->len && !dup; k++)
			dup = strcmp(out->pdata[k], a) == 0;
		if (dup)
			g_free(a);
		else
			g_ptr_array_add(out, a);
	}
	if (out->len == 0 || both) {
		add_addrs(out, h->to, max);
		add_addrs(out, h->cc, max);
	}
	return out;
}

static char *
pair_key(const char *from, const char *to)
{
	return g_strdup_printf("p:%s\n%s", from, to);
}

static void
set_error(struct bec_state *st, const char *what, enum mamori_store_status r,
    const char *err)
{
	if (st->error == NULL)
		st->error = g_strdup_printf("%s: %s%s%s", what, mamori_store_status_name(r),
		    err[0] != '\0' ? ": " : "", err);
}

/*
 * The stateful THREAD_HIJACK: the participants of the referenced messages
 * the history knows; false on a store error (st->error).
 */
static bool
history_hijack(struct scan_ctx *ctx, struct mamori_store *store, struct bec_state *st,
    const struct mime_headers *h, const char *sender, bool *hit)
{
	GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);
	char *k = msgid_key(h->in_reply_to);
	if (k != NULL)
		g_ptr_array_add(refs, k);
	/* References: oldest first; the newest are the nearest */
	for (guint i = h->references != NULL ? h->references->len : 0; i > 0 &&
	    refs->len < REFS_MAX; i--) {
		k = msgid_key(h->references->pdata[i - 1]);
		bool dup = k == NULL;
		for (guint j = 0; j < refs->len && !dup; j++)
			dup = strcmp(refs->pdata[j], k) == 0;
		if (dup)
			g_free(k);
		else
			g_ptr_array_add(refs, k);
	}
	GHashTable *parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *first = NULL;
	bool ok = true;
	int64_t now = now_s();
	for (guint i = 0; i < refs->len && ok; i++) {
		uint8_t *val = NULL;
		size_t len = 0;
		char err[256] = "";
		enum mamori_store_status r = mamori_store_kv_get(store, HIST_NS, refs->pdata[i], now,
		    &val, &len, err, sizeof err);
		if (r == MAMORI_STORE_NOTFOUND)
			continue;
		if (r != MAMORI_STORE_OK) {
			set_error(st, "reading the history", r, err);
			ok = false;
			break;
		}
		st->refs_known++;
		if (first == NULL)
			first = (const char *)refs->pdata[i] + 2;
		char *v = g_strndup((const char *)val, len);
		free(val);
		char **list = g_strsplit(v, "\n", -1);
		for (char **p = list; *p != NULL; p++)
			if (strcmp(*p, OPEN_MARK) == 0)
				st->refs_open++;
			else if (**p != '\0')
				g_hash_table_add(parts, g_strdup(*p));
		g_strfreev(list);
		g_free(v);
	}
	if (ok && first != NULL && sender != NULL && st->refs_open == 0 &&
	    !g_hash_table_contains(parts, sender)) {
		scan_addf(ctx, SYM(THREAD_HIJACK), "thread <%s>: sender not a participant", first);
		*hit = true;
	}
	g_hash_table_unref(parts);
	g_ptr_array_unref(refs);
	return ok;
}

/* FIRST_CONTACT, and *corr: the sender and a recipient wrote to each other
 * (read when FIRST_CONTACT may fire, or need); false on a store error
 * (st->error). */
static bool
history_first_contact(struct scan_ctx *ctx, struct mamori_store *store, struct bec_state *st,
    const struct bec_conf *c, const struct mime_headers *h, const char *sender, bool need,
    bool *corr)
{
	char err[256] = "";
	const char *key = HIST_DELIVERED;
	enum mamori_store_status r = mamori_store_counter_get(store, HIST_NS, &key, 1,
	    &st->delivered, err, sizeof err);
	if (r != MAMORI_STORE_OK) {
		set_error(st, "reading the history", r, err);
		return false;
	}
	*corr = false;
	/* the pairs are read for FIRST_CONTACT, or when need says so */
	if (sender == NULL || (!need && st->delivered < (int64_t)c->first_contact_min_history))
		return true;
	GPtrArray *rcpt = recipients_of(ctx, h, c->history_participants, false);
	int64_t now = now_s();
	bool known = false, ok = true;
	const char *stranger = NULL;
	for (guint i = 0; i < rcpt->len && ok && !known; i++) {
		const char *to = rcpt->pdata[i];
		if (strcmp(to, sender) == 0) {
			known = true;	/* to oneself */
			break;
		}
		for (int dir = 0; dir < 2 && ok && !known; dir++) {
			char *k = dir == 0 ? pair_key(sender, to) : pair_key(to, sender);
			uint8_t *val = NULL;
			size_t len = 0;
			r = mamori_store_kv_get(store, HIST_NS, k, now, &val, &len, err, sizeof err);
			g_free(k);
			free(val);
			if (r == MAMORI_STORE_OK)
				known = true;
			else if (r != MAMORI_STORE_NOTFOUND) {
				set_error(st, "reading the history", r, err);
				ok = false;
			}
		}
		if (stranger == NULL)
			stranger = to;
	}
	*corr = known;
	if (ok && !known && stranger != NULL &&
	    st->delivered >= (int64_t)c->first_contact_min_history)
		scan_addf(ctx, SYM(FIRST_CONTACT), "%s -> %s", sender, stranger);
	g_ptr_array_unref(rcpt);
	return ok;
}

/*
 * The history key of a known person's name: "n:" and the name's key in
 * the order written, or in reverse (rev); NULL when the display name is
 * not distinctive enough to be learned: two words or more of four
 * characters or more in all (Carol Tanaka), or three characters or more
 * none of them ASCII (高橋 健, 山田太郎); not 山田, not Tom, no digits.
 */
static char *
person_key(const char *display, bool rev)
{
	if (display == NULL || display[0] == '\0' || strlen(display) > NAME_MAX_BYTES ||
	    strchr(display, '@') != NULL)
		return NULL;
	char *fwd = NULL, *bwd = NULL;
	guint n = name_keys(display, &fwd, &bwd);
	glong chars = g_utf8_strlen(fwd, -1);
	bool ascii = false, digit = false;
	for (const char *p = fwd; *p != '\0'; p++) {
		ascii |= (unsigned char)*p < 0x80;
		digit |= g_ascii_isdigit(*p);
	}
	bool ok = !digit && ((n >= 2 && chars >= 4) || (chars >= 3 && !ascii));
	char *key = ok ? g_strdup_printf("n:%s", rev ? bwd : fwd) : NULL;
	g_free(fwd);
	g_free(bwd);
	return key;
}

#define PERSON_ADDRS 8	/* addresses kept per known person */

/*
 * A known person's record: the Unix time written, then the addresses at
 * protected domains the name wrote from (newest last), '\n'-separated.
 * NOTFOUND, OK with *addrs (g_strfreev) and *written, or an error.
 */
static enum mamori_store_status
person_get(struct mamori_store *store, const char *key, int64_t now, char ***addrs,
    int64_t *written, char *err, size_t errlen)
{
	uint8_t *val = NULL;
	size_t len = 0;
	enum mamori_store_status r = mamori_store_kv_get(store, HIST_NS, key, now, &val, &len,
	    err, errlen);
	if (r != MAMORI_STORE_OK)
		return r;
	char *v = g_strndup((const char *)val, len);
	free(val);
	char *nl = strchr(v, '\n');
	*written = g_ascii_strtoll(v, NULL, 10);
	*addrs = g_strsplit(nl != NULL ? nl + 1 : "", "\n", PERSON_ADDRS + 1);
	g_free(v);
	return MAMORI_STORE_OK;
}

/*
 * IMPERSONATION_DISPLAY_NAME for a protected domain's known person: the
 * From display name is one the history learned from a protected domain's
 * address (finish()), the From address is outside the protected domains
 * and none of that name's addresses, and it never corresponded with the
 * recipients (corr).  Not on list traffic, nor when a VIP name matched.
 */
static bool
history_known_person(struct scan_ctx *ctx, struct mamori_store *store, struct bec_state *st,
    const struct bec_engine *e, const struct mime_addr *from, const char *fdom,
    const char *sender, bool *hit)
{
	if (e->protected == NULL || from == NULL || fdom == NULL || sender == NULL ||
	    st->vip != NULL || bec_protected_match(e->protected, fdom) != NULL)
		return true;
	int64_t now = now_s();
	bool ok = true;
	for (int rev = 0; rev < 2 && ok && !*hit; rev++) {
		char *key = person_key(from->name, rev == 1);
		if (key == NULL)
			break;
		char **addrs = NULL;
		int64_t written = 0;
		char err[256] = "";
		enum mamori_store_status r = person_get(store, key, now, &addrs, &written, err,
		    sizeof err);
		g_free(key);
		if (r == MAMORI_STORE_NOTFOUND)
			continue;
		if (r != MAMORI_STORE_OK) {
			set_error(st, "reading the history", r, err);
			ok = false;
			break;
		}
		bool theirs = false;
		const char *last = NULL;
		for (char **a = addrs; *a != NULL; a++)
			if (**a != '\0') {
				theirs |= strcmp(*a, sender) == 0;
				last = *a;
			}
		if (!theirs && last != NULL) {
			scan_addf(ctx, SYM(IMPERSONATION_DISPLAY_NAME), "%s <%s> (known person %s)",
			    from->name, from->addr, last);
			st->known_person = g_strdup(last);
			*hit = true;
		}
		g_strfreev(addrs);
	}
	return ok;
}

static void
run(struct scan_ctx *ctx)
{
	const struct bec_conf *c = scan_module_conf(ctx);
	if (!c->enabled)
		return;
	const struct bec_engine *e = scan_module_engine(ctx);
	struct bec_state *st = scan_module_state(ctx);
	const struct mime_message *msg = scan_message(ctx);
	const struct mime_headers *h = msg->headers;
	const struct mime_addr *from = h->from != NULL && h->from->len > 0 ?
	    &g_array_index(h->from, struct mime_addr, 0) : NULL;
	const char *fdom = from != NULL ? domain_of(from->addr) : NULL;
	bool impersonation = false;

	if (from != NULL) {
		const struct vip *v = vip_named(e, from->name);
		char *addr = g_ascii_strdown(from->addr, -1);
		if (v != NULL && !g_hash_table_contains(e->addresses, addr)) {
			st->vip = v->name;
			st->list_post = list_post(h);
			if (st->list_post == NULL) {
				scan_addf(ctx, SYM(IMPERSONATION_DISPLAY_NAME), "%s <%s> (%s)",
				    from->name, from->addr, v->address);
				impersonation = true;
			}
		}
		g_free(addr);
		if (freemail(e, fdom))
			scan_addf(ctx, SYM(FREEMAIL_FROM), "%s", from->addr);
	}
	/* look-alikes of our domains: From, Reply-To, the envelope sender */
	const struct mime_addr *rt = h->reply_to != NULL && h->reply_to->len > 0 ?
	    &g_array_index(h->reply_to, struct mime_addr, 0) : NULL;
	if (e->protected != NULL) {
		const char *doms[3] = { fdom, rt != NULL ? domain_of(rt->addr) : NULL,
		    domain_of(scan_envelope(ctx)->mail_from) };
		static const char *const where[3] = { "From", "Reply-To", "envelope sender" };
		for (int i = 0; i < 3; i++) {
			char why[128] = "";
			const char *p = doms[i] != NULL ? bec_lookalike(e->protected, doms[i], why,
			    sizeof why) : NULL;
			if (p == NULL)
				continue;
			scan_addf(ctx, SYM(IMPERSONATION_DOMAIN), "%s (%s): %s, %s", doms[i], where[i],
			    p, why);
			impersonation = true;
		}
	}
	if (from != NULL && fdom != NULL && rt != NULL && !has_header(h, "List-Id")) {
		const char *rdom = domain_of(rt->addr);
		if (rdom != NULL) {
			char *a = g_ascii_strdown(fdom, -1), *b = g_ascii_strdown(rdom, -1);
			char *ra = url_registrable(a), *rb = url_registrable(b);
			char why[64];
			if (strcmp(ra, rb) != 0 && (freemail(e, rdom) || (e->protected != NULL &&
			    bec_lookalike(e->protected, rdom, why, sizeof why) != NULL)))
				scan_addf(ctx, SYM(REPLYTO_MISMATCH), "%s -> %s", fdom, rt->addr);
			g_free(ra);
			g_free(rb);
			g_free(a);
			g_free(b);
		}
	}
	bool fwd = false;
	const char *rp = reply_prefix(h->subject, &fwd);
	if (rp != NULL && h->in_reply_to == NULL &&
	    (h->references == NULL || h->references->len == 0) &&
	    !has_header(h, "Thread-Index") && !has_header(h, "List-Id") &&
	    !(fwd && forwards_something(msg)))
		scan_addf(ctx, SYM(FAKE_REPLY), "%s:", rp);
	if (hijack(ctx, from, fdom))
		impersonation = true;
	struct mamori_store *store = c->history ? scan_store(ctx) : NULL;
	st->store = store != NULL;
	if (store != NULL) {
		char *sender = from != NULL ? addr_norm(from->addr) : NULL;
		bool hit = false, corr = false;
		st->hist_read = (list_traffic(h) ||
		    history_hijack(ctx, store, st, h, sender, &hit)) &&
		    history_first_contact(ctx, store, st, c, h, sender,
		    c->known_persons && e->protected != NULL, &corr) &&
		    (!c->known_persons || corr || list_traffic(h) ||
		    history_known_person(ctx, store, st, e, from, fdom, sender, &hit));
		if (hit)
			impersonation = true;
		g_free(sender);
	}
	(void)payment_change(ctx, e);
	st->impersonation = impersonation;
	if (impersonation) {
		char *p = payload_of(ctx);
		if (p != NULL)
			scan_add(ctx, SYM(BEC_IMPERSONATION_PAYLOAD), p);
		g_free(p);
	}
}

/*
 * Whether the pair key was written less than PAIR_REFRESH_S ago: then its
 * expiry moves at most that much by writing it again, and the write (a
 * durable commit each) is left out; a regular correspondent costs reads.
 * A read error is "not fresh": the write that follows reports it.
 */
static bool
pair_fresh(struct mamori_store *store, const char *key, int64_t now)
{
	uint8_t *val = NULL;
	size_t len = 0;
	char err[64];
	if (mamori_store_kv_get(store, HIST_NS, key, now, &val, &len, err, sizeof err) !=
	    MAMORI_STORE_OK)
		return false;
	char buf[24] = "";
	memcpy(buf, val, MIN(len, sizeof buf - 1));
	free(val);
	char *end = NULL;
	gint64 t = g_ascii_strtoll(buf, &end, 10);
	return end != buf && *end == '\0' && t <= now && now - t < PAIR_REFRESH_S;
}

/*
 * After every module: record a delivered message in the history (see the
 * head of the file).  Never a symbol; a store error goes to the report.
 */
static void
finish(struct scan_ctx *ctx)
{
	const struct bec_conf *c = scan_module_conf(ctx);
	struct bec_state *st = scan_module_state(ctx);
	struct mamori_store *store = scan_store(ctx);
	if (!c->enabled || !c->history || store == NULL)
		return;
	st->store = true;	/* run() may not have run: the report says why */
	if (scan_expired(ctx)) {
		st->recorded = "no: the scan ran out of time";
		return;
	}
	enum mamori_action a = scan_action_so_far(ctx, NULL);
	if (a != MAMORI_ACTION_ACCEPT && a != MAMORI_ACTION_ADD_HEADER) {
		st->recorded = "no: not delivered";
		return;
	}
	if (st->impersonation) {
		st->recorded = "no: an impersonation";
		return;
	}
	const struct mime_headers *h = scan_message(ctx)->headers;
	const struct mime_addr *from = h->from != NULL && h->from->len > 0 ?
	    &g_array_index(h->from, struct mime_addr, 0) : NULL;
	char *sender = from != NULL ? addr_norm(from->addr) : NULL;
	int64_t now = now_s();
	int64_t expires = now + (int64_t)c->history_days * 86400;
	char err[256] = "";
	enum mamori_store_status r = MAMORI_STORE_OK;

	/* the message's participants and the sender/recipient pairs (the
	 * value: the Unix time written), in one transaction */
	GArray *ops = g_array_new(FALSE, TRUE, sizeof(struct mamori_store_kv_op));
	GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
	char *mk = msgid_key(h->message_id);
	if (mk != NULL) {
		g_ptr_array_add(owned, mk);
		GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
		add_addrs(parts, h->from, c->history_participants);
		add_addrs(parts, h->to, c->history_participants);
		add_addrs(parts, h->cc, c->history_participants);
		GString *v = g_string_new(open_thread(h) ? OPEN_MARK : NULL);
		for (guint i = 0; i < parts->len; i++)
			g_string_append_printf(v, "%s%s", v->len > 0 ? "\n" : "",
			    (const char *)parts->pdata[i]);
		if (v->len > 0) {
			struct mamori_store_kv_op op = { .key = mk, .val = (const uint8_t *)v->str,
			    .len = v->len, .expires = expires };
			g_array_append_val(ops, op);
			g_ptr_array_add(owned, g_string_free(v, FALSE));
		} else {
			g_string_free(v, TRUE);
		}
		g_ptr_array_unref(parts);
	}
	char stamp[24];
	snprintf(stamp, sizeof stamp, "%" G_GINT64_FORMAT, (gint64)now);
	if (sender != NULL) {
		GPtrArray *rcpt = recipients_of(ctx, h, c->history_participants, true);
		for (guint i = 0; i < rcpt->len; i++) {
			if (strcmp(rcpt->pdata[i], sender) == 0)
				continue;
			char *k = pair_key(sender, rcpt->pdata[i]);
			if (pair_fresh(store, k, now)) {
				g_free(k);
				continue;
			}
			g_ptr_array_add(owned, k);
			struct mamori_store_kv_op op = { .key = k, .val = (const uint8_t *)stamp,
			    .len = strlen(stamp), .expires = expires };
			g_array_append_val(ops, op);
		}
		g_ptr_array_unref(rcpt);
	}
	/* a protected domain's person: the name and the address it wrote from */
	const struct bec_engine *e = scan_module_engine(ctx);
	const char *fdom = from != NULL ? domain_of(from->addr) : NULL;
	char *pk = NULL;
	if (c->known_persons && sender != NULL && fdom != NULL && e->protected != NULL &&
	    !list_traffic(h) && bec_protected_match(e->protected, fdom) != NULL &&
	    (pk = person_key(from->name, false)) != NULL) {
		char **addrs = NULL;
		int64_t written = 0;
		r = person_get(store, pk, now, &addrs, &written, err, sizeof err);
		bool theirs = false;
		GString *v = g_string_new(NULL);
		g_string_printf(v, "%" G_GINT64_FORMAT, (gint64)now);
		if (r == MAMORI_STORE_OK) {
			guint n = g_strv_length(addrs), skip = 0;
			for (guint i = 0; i < n; i++)
				theirs |= strcmp(addrs[i], sender) == 0;
			if (!theirs && n >= PERSON_ADDRS)
				skip = n - PERSON_ADDRS + 1;	/* the oldest go */
			for (guint i = skip; i < n; i++)
				if (addrs[i][0] != '\0')
					g_string_append_printf(v, "\n%s", addrs[i]);
			g_strfreev(addrs);
		}
		if (r == MAMORI_STORE_OK || r == MAMORI_STORE_NOTFOUND) {
			r = MAMORI_STORE_OK;
			if (!theirs)
				g_string_append_printf(v, "\n%s", sender);
			if (!theirs || written > now || now - written >= PAIR_REFRESH_S) {
				struct mamori_store_kv_op op = { .key = pk, .val = (const uint8_t *)v->str,
				    .len = v->len, .expires = expires };
				g_array_append_val(ops, op);
				g_ptr_array_add(owned, pk);
				g_ptr_array_add(owned, g_string_free(v, FALSE));
				pk = NULL;
				v = NULL;
			}
		}
		if (v != NULL)
			g_string_free(v, TRUE);
	}
	g_free(pk);
	if (r == MAMORI_STORE_OK && ops->len > 0)
		r = mamori_store_kv_write(store, HIST_NS,
		    (const struct mamori_store_kv_op *)(const void *)ops->data, ops->len, err,
		    sizeof err);
	g_array_free(ops, TRUE);
	g_ptr_array_unref(owned);
	int64_t n = 0;
	if (r == MAMORI_STORE_OK)
		r = mamori_store_counter_add1(store, HIST_NS, HIST_DELIVERED, 1, &n, err,
		    sizeof err);
	/* expired keys of every namespace go now and then */
	if (r == MAMORI_STORE_OK && n % PURGE_EVERY == 0)
		r = mamori_store_kv_purge(store, now, NULL, err, sizeof err);
	g_free(sender);
	if (r != MAMORI_STORE_OK) {
		set_error(st, "recording the history", r, err);
		st->recorded = "no: store error";
		return;
	}
	st->recorded = "yes";
}

static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct bec_state *st = scan_module_state(ctx);
	jw_obj(w, key);
	if (st->vip != NULL)
		jw_str(w, "vip", st->vip);
	if (st->list_post != NULL)
		jw_str(w, "vip_list_post", st->list_post);
	if (st->known_person != NULL)
		jw_str(w, "known_person", st->known_person);
	if (st->store) {
		jw_obj(w, "history");
		jw_bool(w, "checked", st->hist_read);
		jw_int(w, "delivered", st->delivered);
		jw_int(w, "referenced_known", st->refs_known);
		jw_int(w, "referenced_open", st->refs_open);
		if (st->recorded != NULL)
			jw_str(w, "recorded", st->recorded);
		if (st->error != NULL)
			jw_str(w, "error", st->error);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static const char *const report_keys[] = { "bec", NULL };

const struct mamori_module module_bec = {
	.name = "bec",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("bec", keys, struct bec_conf, NULL),
	.engine_new = engine_new,
	.engine_free = engine_free,
	.state_size = sizeof(struct bec_state),
	.state_free = state_free,
	.run = run,
	.finish = finish,
	.report_keys = report_keys,
	.report = report,
	.engine_summary = engine_summary,
};
