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
 *     IMPERSONATION_DISPLAY_NAME;
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
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "bec/lookalike.h"
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
};

#define SYMBOLS(X) \
	X(IMPERSONATION_DISPLAY_NAME, 6.0, NO_FORCE, "The From display name is one of bec.vip's names (after NFKC, case folding, blanks and punctuation removed, either order of its words) or holds a VIP's address, but the address is not theirs; the option is \"name <address> (VIP address)\".") \
	X(IMPERSONATION_DOMAIN, 6.0, NO_FORCE, "The From, Reply-To or envelope sender domain is a look-alike of a domain of bec.protected_domains: Damerau-Levenshtein distance 1 (2 on longer labels) on the registrable label, 1/l 0/o rn/m vv/w cl/d swaps, an inserted hyphen, the protected domain as labels in front of another domain, the same name under another suffix, or an IDN whose UTS #39 skeleton is the protected one's; never the protected domain or its subdomains. The option is \"domain (which header): protected domain, why\".") \
	X(THREAD_HIJACK, 6.0, NO_FORCE, "The body quotes an earlier message (Outlook's English and Japanese header blocks, Gmail, Thunderbird and Apple Mail's \"On ... wrote:\", 「...さんは書きました」, '>'-quoted headers) whose author has the sender's display name but another registrable domain than the sender's: the real correspondent's name on a stolen thread. The option is \"name: quoted domain -> sender domain (form)\".") \
	X(BEC_PAYMENT_CHANGE, 4.0, NO_FORCE, "The text asks to change bank details, pay to a new account or buy gift cards, with urgency or a second payment phrase (the dictionary of bec.phrases, Japanese and English); the option lists the phrases found.") \
	X(FREEMAIL_FROM, 0.5, NO_FORCE, "The From address is at a free-mail provider of bec.freemail_domains (or a subdomain of one); low weight: it adds up with an impersonation.") \
	X(REPLYTO_MISMATCH, 2.0, NO_FORCE, "Reply-To goes to another registrable domain than From, and that domain is free mail or a look-alike of a protected domain; not for mailing lists (List-Id); the option is \"From domain -> Reply-To address\".") \
	X(FAKE_REPLY, 1.5, NO_FORCE, "The subject says reply or forward (RE:, Re:, FW:, Fwd:, AW:, SV:, 返信:, 転送:, full-width forms) but there is neither In-Reply-To, References nor Thread-Index (a forward also carries no attached message or forwarded-message marker); not for mailing lists (List-Id), whose web-mail replies often lack them; the option is the prefix.") \
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
		if (g_unichar_isspace(u) || g_unichar_ispunct(u) || u == 0x30FB /* ・ */)
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
		if (u == 0 || g_unichar_isspace(u) || g_unichar_ispunct(u) || u == 0x30FB) {
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
		char **w = words_of(vc->name);
		guint n = g_strv_length(w);
		if (n == 0) {
			snprintf(s->err, s->errlen, "bec.vip: \"%s\" has no letters", vc->name);
			g_strfreev(w);
			engine_free(e);
			return false;
		}
		/* both orders: the words as written, and reversed */
		GString *fw = g_string_new(NULL), *bw = g_string_new(NULL);
		for (guint k = 0; k < n; k++) {
			g_string_append(fw, w[k]);
			g_string_append(bw, w[n - 1 - k]);
		}
		char *kf = squeeze(fw->str), *kb = squeeze(bw->str);
		add_vip(e, kf, vc->name, vc->address, n >= 2);
		add_vip(e, kb, vc->name, vc->address, n >= 2);
		g_free(kf);
		g_free(kb);
		g_string_free(fw, TRUE);
		g_string_free(bw, TRUE);
		g_strfreev(w);
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
	char *json;
};

static void
state_free(void *p)
{
	g_free(((struct bec_state *)p)->json);
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
	char *ka = squeeze(a), *kb = squeeze(b);
	bool same = ka[0] != '\0' && strcmp(ka, kb) == 0;
	if (!same && ka[0] != '\0') {
		char **w = words_of(b);
		guint n = g_strv_length(w);
		GString *rev = g_string_new(NULL);
		for (guint k = 0; k < n; k++)
			g_string_append(rev, w[n - 1 - k]);
		char *kr = squeeze(rev->str);
		same = strcmp(ka, kr) == 0;
		g_free(kr);
		g_string_free(rev, TRUE);
		g_strfreev(w);
	}
	g_free(ka);
	g_free(kb);
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
	GString *json = g_string_new(NULL);
	struct jsonw w;

	jw_init(&w, json, false);
	jw_obj(&w, NULL);
	const struct mime_addr *from = h->from != NULL && h->from->len > 0 ?
	    &g_array_index(h->from, struct mime_addr, 0) : NULL;
	const char *fdom = from != NULL ? domain_of(from->addr) : NULL;
	bool impersonation = false;

	if (from != NULL) {
		const struct vip *v = vip_named(e, from->name);
		char *addr = g_ascii_strdown(from->addr, -1);
		if (v != NULL && !g_hash_table_contains(e->addresses, addr)) {
			scan_addf(ctx, SYM(IMPERSONATION_DISPLAY_NAME), "%s <%s> (%s)", from->name,
			    from->addr, v->address);
			impersonation = true;
			jw_str(&w, "vip", v->name);
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
	(void)payment_change(ctx, e);
	if (impersonation) {
		char *p = payload_of(ctx);
		if (p != NULL)
			scan_add(ctx, SYM(BEC_IMPERSONATION_PAYLOAD), p);
		g_free(p);
	}
	jw_obj_end(&w);
	st->json = g_string_free(json, FALSE);
}

static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct bec_state *st = scan_module_state(ctx);
	if (st->json != NULL) {
		jw_raw(w, key, st->json);
	} else {
		jw_obj(w, key);
		jw_obj_end(w);
	}
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
	.report_keys = report_keys,
	.report = report,
	.engine_summary = engine_summary,
};
