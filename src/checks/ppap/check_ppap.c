/*
 * check_ppap.c - symbols of the PPAP path (docs/ppap.md): encrypted
 * attachments, the passwords that opened them and where those came from,
 * what stayed closed, and the hold-and-release life of a message waiting
 * for its password mail.
 *
 * The work is done while the tree is built (archive.c and offcrypto.c try
 * the scan's candidates, password.h); this check reads the tree.  A
 * "container" below is an object whose content or entries are encrypted:
 * an archive with encrypted entries or an encrypted entry list, or an
 * encrypted Office document.  The policies of [ppap] are the forced
 * actions of PPAP_UNDECRYPTABLE, PPAP_UNSCANNABLE and PPAP_DECRYPTED
 * (scan.c); PPAP_HELD forces hold while a message may still get its
 * password.
 */
#include <string.h>

#include "core/module.h"
#include "checks/ppap/ppap.h"
#include "objects/object.h"
#include "objects/password.h"
#include "ppap/discover.h"

struct ppap_state {
	struct pw_list *passwords;	/* the candidates tried on the tree */
	size_t ncandidates;		/* found in the message's text */
	bool password_mail;		/* the text reads as a PPAP password mail */
};

#define SYMBOLS(X) \
	X(PPAP_PASSWORD_FOUND, 0.0, NO_FORCE, "A password opened an encrypted attachment. Option: path: where it came from (body text with the line and keyword, follow-up mail, operator, static, dictionary, default); the password itself only with ppap.report_passwords.") \
	X(PPAP_DECRYPTED, 0.0, NO_FORCE, "An encrypted archive or Office document was decrypted and everything inside was scanned like unencrypted content. Option: path (cipher). Its forced action is ppap.clean (accept: none).") \
	X(PPAP_UNDECRYPTABLE, 3.0, NO_FORCE, "Encrypted content stayed closed: no candidate password worked, there was none, or the cipher cannot be decrypted (RAR). Option: path (cipher): why. Its forced action is ppap.undecryptable, unless that is hold (then PPAP_HELD).") \
	X(PPAP_UNSCANNABLE, 2.0, NO_FORCE, "A decrypted archive or document could not be scanned completely: a limit stopped the unpacking inside it. Option: path (limit). Its forced action is ppap.unscannable.") \
	X(PPAP_HELD, 0.0, MAMORI_ACTION_HOLD, "The message is held while its password may still come in a follow-up mail from the same sender to the same recipients (ppap.window_s); the milter stores it and releases or quarantines it when the password comes, or applies ppap.expire when the window ends.") \
	X(PPAP_RELEASED, 0.0, NO_FORCE, "A held message was opened with a password that came later (follow-up mail or operator) and scanned: its verdict decides whether it is released. Option: where the password came from.") \
	X(PPAP_PASSWORD_MAIL, 0.0, NO_FORCE, "The message reads as a PPAP password notice (a password keyword with a value, or a subject such as 【パスワード】...): the milter marks it with X-Mamori-PPAP: password-mail and offers its candidates to the messages held for its sender and recipients. Option: the number of candidates.") \
	X(PPAP_EXPIRED, 0.0, NO_FORCE, "A held message's window ended with encrypted content still closed; ppap.expire applies (strip: delivered without the encrypted attachments and with a notice; quarantine: forced quarantine; deliver: delivered with ppap.expire_tag).") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* Whether o is encrypted itself (a document, an entry list) or holds
 * encrypted entries.  A decrypted entry is not: its container is. */
static bool
is_container(const struct mobj *o)
{
	if ((o->flags & OBJ_NAMES_ENCRYPTED) || obj_has_fact(o, OBJ_FACT_ENCRYPTED_OFFICE))
		return true;
	if ((o->flags & OBJ_DECRYPTED) && o->password != NULL &&
	    (o->parent == NULL || o->parent->password != o->password))
		return true;
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = o->children->pdata[i];
		if (c->flags & (OBJ_ENCRYPTED | OBJ_DECRYPTED))
			return true;
	}
	return false;
}

/* Entries of o still encrypted (or o itself, for a document). */
static unsigned
closed(const struct mobj *o)
{
	unsigned n = 0;

	if ((o->flags & OBJ_NAMES_ENCRYPTED) && !(o->flags & OBJ_DECRYPTED))
		return 1;
	if (obj_has_fact(o, OBJ_FACT_ENCRYPTED_OFFICE) && !(o->flags & OBJ_DECRYPTED))
		return 1;
	for (guint i = 0; i < o->children->len; i++)
		if (((const struct mobj *)o->children->pdata[i])->flags & OBJ_ENCRYPTED)
			n++;
	return n;
}

static const char *
cipher_of(const struct mobj *o)
{
	if (o->cipher != NULL)
		return o->cipher;
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = o->children->pdata[i];
		if (c->cipher != NULL)
			return c->cipher;
	}
	return "encrypted";
}

static const struct mobj *
root_of(const struct mobj *o)
{
	while (o->parent != NULL)
		o = o->parent;
	return o;
}

/* A limit stopped unpacking at or below o (a password limit excepted). */
static const char *
limit_inside(const struct obj_tree *t, const struct mobj *o)
{
	size_t n = strlen(o->path);

	for (guint i = 0; i < t->hits->len; i++) {
		const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
		if (h->limit != OBJ_LIMIT_PASSWORDS && strncmp(h->where, o->path, n) == 0 &&
		    (h->where[n] == '\0' || h->where[n] == '/'))
			return obj_limit_name(h->limit);
	}
	return NULL;
}

static void
run(struct scan_ctx *ctx)
{
	const struct obj_tree *t = scan_objects(ctx);
	const struct mamori_scan_opts *opts = scan_opts(ctx);
	const struct mamori_ppap_conf *cf = scan_module_conf(ctx);
	const struct ppap_state *st = scan_module_state(ctx);
	unsigned still_closed = 0, opened = 0;

	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (!is_container(o))
			continue;
		unsigned n = closed(o);
		if (o->password != NULL && (o->flags & OBJ_DECRYPTED)) {
			opened++;
			scan_object_addf(ctx, o, SYM(PPAP_DECRYPTED), "%s (%s)", o->path, cipher_of(o));
			if (cf->report_passwords)
				scan_object_addf(ctx, o, SYM(PPAP_PASSWORD_FOUND), "%s: %s: \"%s\"",
				    o->path, o->password->where, o->password->pw);
			else
				scan_object_addf(ctx, o, SYM(PPAP_PASSWORD_FOUND), "%s: %s", o->path,
				    o->password->where);
			const char *lim = limit_inside(t, o);
			if (lim != NULL)
				scan_object_addf(ctx, o, SYM(PPAP_UNSCANNABLE), "%s (%s)", o->path, lim);
		}
		if (n == 0)
			continue;
		still_closed++;
		const char *why = o->error != NULL && (o->flags & OBJ_NAMES_ENCRYPTED) ?
		    o->error : NULL;
		if (strncmp(cipher_of(o), "RAR", 3) == 0)
			why = "RAR decryption is not supported";
		else if (o->error != NULL && strstr(o->error, "not decrypted") != NULL)
			why = o->error;
		else if (o->password != NULL)
			why = "some entries use another password";
		else if (t->lim == NULL || t->lim->passwords == NULL ||
		    t->lim->passwords->cands->len == 0)
			why = "no password candidate";
		else if (why == NULL)
			why = "no candidate password worked";
		scan_object_addf(ctx, o, SYM(PPAP_UNDECRYPTABLE), "%s (%s): %s", o->path,
		    cipher_of(o), why);
		const struct mobj *r = root_of(o);
		scan_ppap_encrypted(ctx, r->name != NULL ? r->name : r->path);
	}
	size_t npw = st->password_mail ? st->ncandidates : 0;
	if (npw > 0 && opened == 0 && still_closed == 0)
		scan_addf(ctx, SYM(PPAP_PASSWORD_MAIL), "%zu candidate%s", npw, npw == 1 ? "" : "s");
	if (still_closed > 0 && cf->undecryptable == MAMORI_ACTION_HOLD && !opts->expired)
		scan_addf(ctx, SYM(PPAP_HELD), "%u encrypted object%s waiting for a password",
		    still_closed, still_closed == 1 ? "" : "s");
	if (still_closed > 0 && opts->expired)
		scan_addf(ctx, SYM(PPAP_EXPIRED), "%u encrypted object%s never opened",
		    still_closed, still_closed == 1 ? "" : "s");
	if (still_closed == 0 && opened > 0 && opts->held)
		scan_addf(ctx, SYM(PPAP_RELEASED), "%s", opts->password_where != NULL ?
		    opts->password_where : "password supplied later");
}

/*
 * The candidate passwords of one scan, best first: those the caller
 * brings (a follow-up mail, an operator), those of the message's own
 * text, the static ones, the dictionary.  The text is read even without
 * an attachment: a password mail hands its candidates to the messages
 * held for its sender (mamori_result_ppap_candidates).  The object tree
 * tries them on encrypted archives and documents.
 */
static void
prepare(struct scan_ctx *ctx, struct obj_limits *lim)
{
	const struct mamori_ppap_conf *p = scan_module_conf(ctx);
	const struct mamori_scan_opts *o = scan_opts(ctx);
	struct ppap_state *st = scan_module_state(ctx);

	lim->reveal_passwords = p->report_passwords;
	lim->sevenzip = p->sevenzip;
	if (!p->enabled)
		return;
	struct pw_list *l = pw_list_new(p->max_attempts, (gint64)p->time_ms * 1000);
	st->passwords = l;
	lim->passwords = l;
	for (size_t i = 0; i < o->n_passwords; i++)
		pw_list_add(l, o->passwords[i], o->password_origin == MAMORI_PW_OPERATOR ?
		    PW_SRC_OPERATOR : PW_SRC_FOLLOWUP, o->password_where);
	guint first = l->cands->len;
	bool notice = p->max_candidates > 0 &&
	    ppap_discover_content(scan_content(ctx), PW_SRC_BODY, l, p->max_candidates);
	for (guint i = first; i < l->cands->len; i++) {
		const struct pw_cand *c = l->cands->pdata[i];
		scan_ppap_candidate(ctx, c->pw);
	}
	st->ncandidates = l->cands->len - first;
	st->password_mail = st->ncandidates > 0 && notice;
	scan_content_set_passwords(ctx, l, st->password_mail);
	for (guint i = 0; i < p->passwords->len; i++)
		pw_list_add(l, p->passwords->pdata[i], PW_SRC_STATIC, "ppap.passwords");
	for (guint i = 0; i < p->dictionary->len; i++)
		pw_list_add(l, p->dictionary->pdata[i], PW_SRC_DICTIONARY, "ppap.dictionary");
}

/* The subject key correlates a held message with its password mail: only
 * those two need it. */
static void
finish(struct scan_ctx *ctx)
{
	const struct mime_headers *h = scan_message(ctx)->headers;
	const struct ppap_state *st = scan_module_state(ctx);

	if (h != NULL && h->subject != NULL &&
	    (st->ncandidates > 0 || scan_has(ctx, "PPAP_HELD")))
		scan_ppap_subject_key(ctx, ppap_subject_key(h->subject));
}

static void
state_free(void *p)
{
	pw_list_free(((struct ppap_state *)p)->passwords);
}

/* The [ppap] policies are the forced actions of their symbols, unless
 * symbols.NAME.action says otherwise; hold is PPAP_HELD's. */
static bool
engine_new(struct module_setup *s, void **engine)
{
	const struct mamori_ppap_conf *p = s->conf;

	*engine = NULL;
	module_force(s, SYM(PPAP_UNDECRYPTABLE), p->undecryptable);
	module_force(s, SYM(PPAP_UNSCANNABLE), p->unscannable);
	module_force(s, SYM(PPAP_DECRYPTED), p->clean);
	module_force(s, SYM(PPAP_EXPIRED), p->expire == PPAP_EXPIRE_QUARANTINE ?
	    MAMORI_ACTION_QUARANTINE : MAMORI_ACTION_ACCEPT);
	return true;
}

static bool
check_password(const char *v, char *why, size_t n)
{
	size_t len = strlen(v);

	(void)why; (void)n;
	return len > 0 && len <= PPAP_PASSWORD_MAX && g_utf8_validate(v, (gssize)len, NULL) &&
	    strpbrk(v, "\r\n") == NULL;
}

/* ppap.dictionary: tried last, after the candidates found in the mail. */
static const char *const default_dictionary[] = {
	"password", "Password", "Password1", "P@ssw0rd", "pass", "1234",
	"12345678", "0000", "abc123", "infected", NULL
};
static const char *const expire_choices[] = { "strip", "quarantine", "deliver", NULL };

#define A(x) CONF_ACTIONS(MAMORI_ACTION_##x)
#define C struct mamori_ppap_conf
static const struct conf_key keys[] = {
	CONF_BOOL(C, enabled, true, "look for passwords and decrypt"),
	CONF_LIST(C, passwords, NULL, check_password,
	    "a password of 1 to 128 bytes of UTF-8 on one line", false,
	    "static candidates, tried after the body's"),
	CONF_LIST(C, dictionary, default_dictionary, check_password,
	    "a password of 1 to 128 bytes of UTF-8 on one line", false,
	    "common passwords, tried last"),
	CONF_UINT(C, max_candidates, 0, 10000, 32, "candidates taken from one message's text"),
	CONF_UINT(C, max_attempts, 1, 100000, 100, "trials per message"),
	CONF_UINT(C, time_ms, 1, 600000, 500, "time for trials per message"),
	CONF_ACTION(C, undecryptable, A(ACCEPT) | A(ADD_HEADER) | A(HOLD) | A(QUARANTINE) | A(REJECT),
	    MAMORI_ACTION_HOLD, "encrypted content no password opened; hold waits for one"),
	CONF_ACTION(C, unscannable, A(ACCEPT) | A(ADD_HEADER) | A(QUARANTINE) | A(REJECT),
	    MAMORI_ACTION_QUARANTINE, "decrypted, but a limit stopped the scan inside"),
	CONF_ACTION(C, clean, A(ACCEPT) | A(ADD_HEADER) | A(QUARANTINE), MAMORI_ACTION_ACCEPT,
	    "decrypted and scanned (accept = none)"),
	CONF_UINT(C, window_s, 1, 7 * 86400, 1800, "how long a held message waits"),
	CONF_CHOICE(C, expire, expire_choices, PPAP_EXPIRE_STRIP, "what happens when the window ends"),
	CONF_BOOL(C, notice, true, "X-Mamori-PPAP header on delivered mail"),
	CONF_STRING(C, expire_tag, "[未検査] ", conf_check_line,
	    "a UTF-8 string of at most 64 bytes on one line (\"\" = none)",
	    "Subject prefix of expired mail delivered"),
	CONF_BOOL(C, report_passwords, false, "the report shows the password in clear"),
	CONF_STRING_OFF(C, sevenzip, "/usr/bin/7zz", conf_check_abs_path,
	    "the absolute path of 7-Zip's 7zz, e.g. \"/usr/bin/7zz\" (\"\" = encrypted 7z stays closed)",
	    "7-Zip for encrypted 7z; \"\" = off"),
};
#undef C
#undef A

const struct mamori_module module_ppap = {
	.name = "ppap",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("ppap", keys, struct mamori_ppap_conf, NULL),
	.engine_new = engine_new,
	.state_size = sizeof(struct ppap_state),
	.state_free = state_free,
	.prepare = prepare,
	.run = run,
	.finish = finish,
};
