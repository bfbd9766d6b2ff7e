/*
 * ppap.c - hold, match, release and expiry of PPAP messages (ppap.h).
 */
#include "daemon/ppap.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "checks/ppap/ppap.h"
#include "core/config.h"
#include "core/module.h"
#include "daemon/daemon.h"
#include "ppap/rewrite.h"
#include "store/release.h"
#include "store/store.h"

#define RELEASE_TIMEOUT_MS 60000
#define EXPIRE_BATCH 100
#define FOLLOWUP_HOLDS_MAX 20	/* held messages one mail may open */

const char *
ppap_outcome_name(enum ppap_outcome o)
{
	switch (o) {
	case PPAP_STILL_HELD: return "still held";
	case PPAP_DONE_RELEASED: return "released";
	case PPAP_DONE_QUARANTINED: return "quarantined";
	case PPAP_DONE_EXPIRED: return "expired";
	case PPAP_NOT_HELD: return "not held";
	case PPAP_FAILED: return "failed";
	}
	return "?";
}

bool
ppap_hold(struct mamori_store *st, const struct mamori_engine *eng,
    const uint8_t *msg, size_t len, const struct mamori_envelope *env,
    const struct mamori_result *res, char id[40], char *err, size_t errlen)
{
	const struct mamori_config *cfg = mamori_engine_config(eng);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 until = now + ppap_conf(cfg)->window_s;
	gint64 expires = until + (gint64)cfg->quarantine.expire_days * 86400;
	char *reason = g_strdup_printf("hold: waiting %u s for a password (score %.2f)",
	    ppap_conf(cfg)->window_s, mamori_result_score(res));
	bool ok = store_hold_put(st, msg, len, env, res, reason, until, expires, NULL, NULL,
	    mamori_result_ppap_subject_key(res), id, err, errlen);

	g_free(reason);
	return ok;
}

/* "WHAT: ACTION score S (SYMBOLS...)" for an entry resolved by a rescan. */
static char *
verdict_reason(const char *what, const struct mamori_result *res)
{
	GString *s = g_string_new(NULL);
	size_t n = mamori_result_nsymbols(res);

	g_string_printf(s, "%s: %s score %.2f (", what,
	    mamori_action_name(mamori_result_action(res)), mamori_result_score(res));
	for (size_t i = 0; i < n && i < 8; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? ", " : "",
		    mamori_result_symbol(res, i, NULL));
	g_string_append(s, n > 8 ? ", ...)" : ")");
	return g_string_free(s, FALSE);
}

/* The envelope of a stored entry, for a rescan. */
static struct mamori_envelope
entry_env(const struct q_entry *e)
{
	return (struct mamori_envelope){
		.client_ip = e->client_ip,
		.helo = e->helo,
		.mail_from = e->mail_from,
		.rcpt = (const char *const *)e->rcpts->pdata,
		.n_rcpt = e->rcpts->len,
		.source = "hold",
		.queue_id = e->queue_id,
	};
}

/* msg with one header field put in front (a header block may start with
 * any field). */
static uint8_t *
with_header(const uint8_t *msg, size_t len, const char *field, size_t *out_len)
{
	size_t n = strlen(field);
	uint8_t *o = g_malloc(n + 2 + len);

	memcpy(o, field, n);
	memcpy(o + n, "\r\n", 2);
	memcpy(o + n + 2, msg, len);
	*out_len = n + 2 + len;
	return o;
}

/*
 * Deliver msg for held entry e, whose state has just been moved from held
 * to releasing (the release claim, store.h); then the entry is done
 * (released, or expired for the sweeper).  If delivery fails the entry is
 * put in quarantine, where an operator sees it: a message is never lost.
 * A crash in between leaves it releasing, for an operator to decide.
 */
static bool
deliver_or_quarantine(struct mamori_store *st, const struct mamori_config *cfg,
    const struct q_entry *e, enum q_state done, const uint8_t *msg, size_t len,
    char *err, size_t errlen)
{
	const struct mamori_quarantine_conf *qc = &cfg->quarantine;

	if (store_release(qc->release_smtp, qc->release_sendmail, e->mail_from, e->rcpts, msg,
	    len, RELEASE_TIMEOUT_MS, err, errlen)) {
		if (errlen > 0)
			err[0] = '\0';	/* what a failed address said before */
		if (!store_release_finish(st, e->id, done))
			daemon_log(LOG_ERR, "ppap: %s: delivered, but it was no longer releasing "
			    "(reset meanwhile?)", e->id);
		return true;
	}
	daemon_log(LOG_ERR, "ppap: %s: delivery failed (%s): kept in quarantine", e->id, err);
	store_release_finish(st, e->id, Q_QUARANTINED);
	return false;
}

enum ppap_outcome
ppap_try(struct mamori_store *st, const struct mamori_engine *eng, const char *id,
    const char *const *pw, size_t npw, enum mamori_pw_origin origin,
    const char *where, char *err, size_t errlen)
{
	const struct mamori_config *cfg = mamori_engine_config(eng);
	struct q_entry *e = store_quarantine_get(st, id);
	enum ppap_outcome out = PPAP_FAILED;
	struct mamori_result *res = NULL;
	uint8_t *raw = NULL, *tagged = NULL;
	size_t len = 0;

	snprintf(err, errlen, "%s", "");
	if (e == NULL || e->state != Q_HELD) {
		snprintf(err, errlen, "not a held message");
		out = PPAP_NOT_HELD;
		goto done;
	}
	raw = store_quarantine_raw(st, id, &len);
	if (raw == NULL) {
		snprintf(err, errlen, "the stored message is missing");
		goto done;
	}
	struct mamori_envelope env = entry_env(e);
	struct mamori_scan_opts opts = {
		.passwords = pw, .n_passwords = npw, .password_origin = origin,
		.password_where = where, .held = true,
	};
	if (mamori_scan_ex(eng, raw, len, &env, &opts, &res) != MAMORI_OK) {
		snprintf(err, errlen, "rescan failed");
		goto done;
	}
	if (mamori_result_has_symbol(res, "PPAP_HELD")) {
		out = PPAP_STILL_HELD;
		goto done;
	}
	enum mamori_action a = mamori_result_action(res);
	bool clean = a == MAMORI_ACTION_ACCEPT || a == MAMORI_ACTION_ADD_HEADER;
	char *why = verdict_reason("opened with a password", res);
	/* clean: claimed for its release, as any release (store.h) */
	bool won = store_hold_resolve_verdict(st, id, clean ? Q_RELEASING : Q_QUARANTINED,
	    where, why, res);
	g_free(why);
	if (!won) {
		snprintf(err, errlen, "resolved by someone else");
		out = PPAP_NOT_HELD;
		goto done;
	}
	if (!clean) {
		daemon_log(LOG_NOTICE, "ppap: %s: opened with a password from %s; verdict %s "
		    "(score %.2f): quarantined", id, where != NULL ? where : "-",
		    mamori_action_name(a), mamori_result_score(res));
		out = PPAP_DONE_QUARANTINED;
		goto done;
	}
	const uint8_t *send = raw;
	size_t send_len = len;
	if (ppap_conf(cfg)->notice) {
		char *field = g_strdup_printf("X-Mamori-PPAP: released; decrypted with a "
		    "password from %s; score %.2f", origin == MAMORI_PW_OPERATOR ?
		    "the operator" : "a follow-up mail", mamori_result_score(res));
		tagged = with_header(raw, len, field, &send_len);
		send = tagged;
		g_free(field);
	}
	if (deliver_or_quarantine(st, cfg, e, Q_RELEASED, send, send_len, err, errlen)) {
		daemon_log(LOG_NOTICE, "ppap: %s: opened with a password from %s; verdict %s "
		    "(score %.2f): released", id, where != NULL ? where : "-",
		    mamori_action_name(a), mamori_result_score(res));
		out = PPAP_DONE_RELEASED;
	}
done:
	mamori_result_free(res);
	g_free(raw);
	g_free(tagged);
	q_entry_free(e);
	return out;
}

unsigned
ppap_followup(struct mamori_store *st, const struct mamori_engine *eng,
    const struct mamori_envelope *env, const struct mamori_result *res)
{
	const char *const *pw;
	size_t npw = mamori_result_ppap_candidates(res, &pw);
	unsigned opened = 0;

	if (npw == 0 || env->mail_from == NULL || env->n_rcpt == 0)
		return 0;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GPtrArray *holds = store_hold_match(st, env->mail_from, env->rcpt, env->n_rcpt, now);
	if (holds == NULL)
		return 0;
	/* the held message whose subject the password mail names goes first */
	const char *key = mamori_result_ppap_subject_key(res);
	GPtrArray *order = g_ptr_array_new();
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < holds->len; i++) {
			const struct q_entry *h = holds->pdata[i];
			bool same = key != NULL && *key != '\0' && h->subject_key != NULL &&
			    strcmp(key, h->subject_key) == 0;
			if (same == (pass == 0))
				g_ptr_array_add(order, (gpointer)h);
		}
	char *where = g_strdup_printf("follow-up mail %s",
	    env->queue_id != NULL ? env->queue_id : "(no queue id)");
	for (guint i = 0; i < order->len && i < FOLLOWUP_HOLDS_MAX; i++) {
		const struct q_entry *h = order->pdata[i];
		char err[512];
		enum ppap_outcome o = ppap_try(st, eng, h->id, pw, npw, MAMORI_PW_FOLLOWUP,
		    where, err, sizeof err);
		daemon_log(LOG_INFO, "ppap: queue_id=%s offered %zu candidate%s to held %s: %s%s%s",
		    env->queue_id != NULL ? env->queue_id : "-", npw, npw == 1 ? "" : "s",
		    h->id, ppap_outcome_name(o), *err ? ": " : "", err);
		if (o == PPAP_DONE_RELEASED || o == PPAP_DONE_QUARANTINED)
			opened++;
	}
	g_free(where);
	g_ptr_array_unref(order);
	g_ptr_array_unref(holds);
	return opened;
}

static bool
drop_named(void *arg, const char *filename, const char *content_type, unsigned index)
{
	const GPtrArray *names = arg;

	(void)content_type, (void)index;
	for (guint i = 0; filename != NULL && i < names->len; i++)
		if (strcmp(names->pdata[i], filename) == 0)
			return true;
	return false;
}

static char *
notice_text(const struct mamori_config *cfg, const GPtrArray *names)
{
	GString *list = g_string_new(NULL);

	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(list, "%s%s", i > 0 ? ", " : "",
		    (const char *)names->pdata[i]);
	unsigned min = (ppap_conf(cfg)->window_s + 59) / 60;
	char *t = g_strdup_printf(
	    "【mamori】暗号化された添付ファイル (%s) は、%u 分以内にパスワードが届かず"
	    "検査できなかったため、削除されました。\n"
	    "必要な場合は、送信者に別の方法での送付を依頼するか、システム管理者に"
	    "お問い合わせください (元のメールは隔離領域に保存されています)。\n\n"
	    "[mamori] The encrypted attachment(s) (%s) were removed: no password "
	    "arrived within %u minutes, so they could not be scanned.  Ask the sender "
	    "to share the file another way, or ask your administrator: the original "
	    "message is kept in quarantine.\n", list->str, min, list->str, min);
	g_string_free(list, TRUE);
	return t;
}

/* One held entry whose window ended. */
static enum ppap_outcome
expire_one(struct mamori_store *st, const struct mamori_engine *eng,
    const struct q_entry *e)
{
	const struct mamori_config *cfg = mamori_engine_config(eng);
	enum ppap_outcome out = PPAP_FAILED;
	struct mamori_result *res = NULL;
	uint8_t *raw = NULL, *rew = NULL;
	size_t len = 0, rew_len = 0;
	char err[512] = "";

	raw = store_quarantine_raw(st, e->id, &len);
	if (raw == NULL) {
		daemon_log(LOG_ERR, "ppap: %s: the stored message is missing", e->id);
		goto done;
	}
	struct mamori_envelope env = entry_env(e);
	struct mamori_scan_opts opts = { .held = true, .expired = true };
	if (mamori_scan_ex(eng, raw, len, &env, &opts, &res) != MAMORI_OK)
		goto done;
	enum mamori_action a = mamori_result_action(res);
	bool clean = a == MAMORI_ACTION_ACCEPT || a == MAMORI_ACTION_ADD_HEADER ||
	    a == MAMORI_ACTION_HOLD;
	if (!clean || ppap_conf(cfg)->expire == PPAP_EXPIRE_QUARANTINE) {
		char *why = verdict_reason("window ended without a password", res);
		bool won = store_hold_resolve_verdict(st, e->id, Q_QUARANTINED, NULL, why, res);
		g_free(why);
		if (won) {
			daemon_log(LOG_NOTICE, "ppap: %s: window ended without a password; "
			    "verdict %s (score %.2f): quarantined", e->id,
			    mamori_action_name(a), mamori_result_score(res));
			out = PPAP_DONE_QUARANTINED;
		} else {
			out = PPAP_NOT_HELD;
		}
		goto done;
	}
	const char *tag = ppap_conf(cfg)->expire_tag != NULL && *ppap_conf(cfg)->expire_tag ?
	    ppap_conf(cfg)->expire_tag : NULL;
	if (ppap_conf(cfg)->expire == PPAP_EXPIRE_STRIP) {
		const char *const *n;
		size_t nn = mamori_result_ppap_encrypted(res, &n);
		GPtrArray *names = g_ptr_array_new();
		for (size_t i = 0; i < nn; i++)
			g_ptr_array_add(names, (gpointer)n[i]);
		char *text = notice_text(cfg, names);
		rew = ppap_strip_attachments(raw, len, drop_named, names, text, tag, &rew_len,
		    err, sizeof err);
		g_free(text);
		g_ptr_array_unref(names);
	} else {
		rew = ppap_tag_message(raw, len, tag, "expired; delivered with its encrypted "
		    "attachments unscanned", &rew_len, err, sizeof err);
	}
	if (rew == NULL) {
		/* cannot rewrite: keep it where an operator sees it */
		daemon_log(LOG_ERR, "ppap: %s: cannot rewrite the message (%s): quarantined",
		    e->id, err);
		out = store_hold_resolve(st, e->id, Q_QUARANTINED, NULL) ?
		    PPAP_DONE_QUARANTINED : PPAP_NOT_HELD;
		goto done;
	}
	char *why = verdict_reason("window ended without a password", res);
	bool won = store_hold_resolve_verdict(st, e->id, Q_RELEASING, NULL, why, res);
	g_free(why);
	if (!won) {
		out = PPAP_NOT_HELD;
		goto done;
	}
	if (deliver_or_quarantine(st, cfg, e, Q_EXPIRED, rew, rew_len, err, sizeof err)) {
		daemon_log(LOG_NOTICE, "ppap: %s: window ended without a password: delivered "
		    "%s", e->id, ppap_conf(cfg)->expire == PPAP_EXPIRE_STRIP ?
		    "without its encrypted attachments" : "as is, tagged");
		out = PPAP_DONE_EXPIRED;
	}
done:
	mamori_result_free(res);
	g_free(raw);
	g_free(rew);
	return out;
}

unsigned
ppap_expire(struct mamori_store *st, const struct mamori_engine *eng, gint64 now)
{
	GPtrArray *due = store_hold_due(st, now, EXPIRE_BATCH);
	unsigned n = 0;

	for (guint i = 0; due != NULL && i < due->len; i++) {
		enum ppap_outcome o = expire_one(st, eng, due->pdata[i]);
		if (o == PPAP_DONE_EXPIRED || o == PPAP_DONE_QUARANTINED)
			n++;
	}
	if (due != NULL)
		g_ptr_array_unref(due);
	return n;
}
