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

#include "core/check.h"
#include "core/config.h"
#include "object.h"
#include "password.h"

static const struct mamori_symbol_def symbols[] = {
	{ "PPAP_PASSWORD_FOUND", 0.0, "A password opened an encrypted attachment. Option: path: where it came from (body text with the line and keyword, follow-up mail, operator, static, dictionary, default); the password itself only with ppap.report_passwords.", NO_FORCE },
	{ "PPAP_DECRYPTED", 0.0, "An encrypted archive or Office document was decrypted and everything inside was scanned like unencrypted content. Option: path (cipher). Its forced action is ppap.clean (accept: none).", NO_FORCE },
	{ "PPAP_UNDECRYPTABLE", 3.0, "Encrypted content stayed closed: no candidate password worked, there was none, or the cipher cannot be decrypted (RAR). Option: path (cipher): why. Its forced action is ppap.undecryptable, unless that is hold (then PPAP_HELD).", NO_FORCE },
	{ "PPAP_UNSCANNABLE", 2.0, "A decrypted archive or document could not be scanned completely: a limit stopped the unpacking inside it. Option: path (limit). Its forced action is ppap.unscannable.", NO_FORCE },
	{ "PPAP_HELD", 0.0, "The message is held while its password may still come in a follow-up mail from the same sender to the same recipients (ppap.window_s); the milter stores it and releases or quarantines it when the password comes, or applies ppap.expire when the window ends.", MAMORI_ACTION_HOLD },
	{ "PPAP_RELEASED", 0.0, "A held message was opened with a password that came later (follow-up mail or operator) and scanned: its verdict decides whether it is released. Option: where the password came from.", NO_FORCE },
	{ "PPAP_PASSWORD_MAIL", 0.0, "The message reads as a PPAP password notice (a password keyword with a value, or a subject such as 【パスワード】...): the milter marks it with X-Mamori-PPAP: password-mail and offers its candidates to the messages held for its sender and recipients. Option: the number of candidates.", NO_FORCE },
	{ "PPAP_EXPIRED", 0.0, "A held message's window ended with encrypted content still closed; ppap.expire applies (strip: delivered without the encrypted attachments and with a notice; quarantine: forced quarantine; deliver: delivered with ppap.expire_tag).", NO_FORCE },
};

/* Whether o is encrypted itself (a document, an entry list) or holds
 * encrypted entries.  A decrypted entry is not: its container is. */
static bool
is_container(const struct mobj *o)
{
	if ((o->flags & OBJ_NAMES_ENCRYPTED) || obj_has_fact(o, "ENCRYPTED_OFFICE"))
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
	if (obj_has_fact(o, "ENCRYPTED_OFFICE") && !(o->flags & OBJ_DECRYPTED))
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
	const struct mamori_ppap_conf *cf = &scan_config(ctx)->ppap;
	unsigned still_closed = 0, opened = 0;

	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (!is_container(o))
			continue;
		unsigned n = closed(o);
		if (o->password != NULL && (o->flags & OBJ_DECRYPTED)) {
			opened++;
			scan_object_addf(ctx, o, "PPAP_DECRYPTED", "%s (%s)", o->path, cipher_of(o));
			if (cf->report_passwords)
				scan_object_addf(ctx, o, "PPAP_PASSWORD_FOUND", "%s: %s: \"%s\"",
				    o->path, o->password->where, o->password->pw);
			else
				scan_object_addf(ctx, o, "PPAP_PASSWORD_FOUND", "%s: %s", o->path,
				    o->password->where);
			const char *lim = limit_inside(t, o);
			if (lim != NULL)
				scan_object_addf(ctx, o, "PPAP_UNSCANNABLE", "%s (%s)", o->path, lim);
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
		scan_object_addf(ctx, o, "PPAP_UNDECRYPTABLE", "%s (%s): %s", o->path,
		    cipher_of(o), why);
		const struct mobj *r = root_of(o);
		scan_ppap_encrypted(ctx, r->name != NULL ? r->name : r->path);
	}
	size_t npw = scan_ppap_password_mail(ctx);
	if (npw > 0 && opened == 0 && still_closed == 0)
		scan_addf(ctx, "PPAP_PASSWORD_MAIL", "%zu candidate%s", npw, npw == 1 ? "" : "s");
	if (still_closed > 0 && cf->undecryptable == MAMORI_ACTION_HOLD && !opts->expired)
		scan_addf(ctx, "PPAP_HELD", "%u encrypted object%s waiting for a password",
		    still_closed, still_closed == 1 ? "" : "s");
	if (still_closed > 0 && opts->expired)
		scan_addf(ctx, "PPAP_EXPIRED", "%u encrypted object%s never opened",
		    still_closed, still_closed == 1 ? "" : "s");
	if (still_closed == 0 && opened > 0 && opts->held)
		scan_addf(ctx, "PPAP_RELEASED", "%s", opts->password_where != NULL ?
		    opts->password_where : "password supplied later");
}

const struct mamori_check check_ppap = {
	.name = "ppap",
	.stage = MAMORI_STAGE_CONTENT,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.run = run,
};
