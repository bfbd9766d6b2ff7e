/*
 * store.c - the quarantine functions of store.h: checks that do not
 * depend on the backend, then a call through the store's table of
 * operations (st->ops->quarantine); and the helpers on entries and
 * states.  Nothing here knows SQLite: store_open() is the one place that
 * picks a backend.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "store/sqlite.h"
#include "store/store.h"

#define Q(st) ((st)->ops->quarantine)

struct mamori_store *
store_open(const char *state_dir, char *err, size_t errlen)
{
	/* the only backend of this release; issue 20 chooses by configuration */
	return store_sqlite_open(state_dir, err, errlen);
}

void
store_close(struct mamori_store *st)
{
	mamori_store_close(st);
}

const char *
q_state_name(enum q_state s)
{
	switch (s) {
	case Q_QUARANTINED:
		return "quarantined";
	case Q_RELEASED:
		return "released";
	case Q_DELETED:
		return "deleted";
	case Q_HELD:
		return "held";
	case Q_EXPIRED:
		return "expired";
	case Q_RELEASING:
		return "releasing";
	}
	return "unknown";
}

const char *
q_state_names(void)
{
	return "quarantined, released, deleted, held, expired or releasing";
}

bool
q_state_parse(const char *name, enum q_state *out)
{
	for (int s = Q_QUARANTINED; s <= Q_STATE_LAST; s++)
		if (strcmp(name, q_state_name((enum q_state)s)) == 0) {
			*out = (enum q_state)s;
			return true;
		}
	return false;
}

void
q_entry_free(struct q_entry *e)
{
	if (e == NULL)
		return;
	g_free(e->reason);
	g_free(e->action);
	g_free(e->client_ip);
	g_free(e->helo);
	g_free(e->mail_from);
	g_free(e->queue_id);
	if (e->rcpts != NULL)
		g_ptr_array_unref(e->rcpts);
	g_free(e->subject);
	g_free(e->from);
	g_free(e->report);
	g_free(e->subject_key);
	g_free(e->password_where);
	g_free(e->message_id);
	g_free(e);
}

bool
store_id_valid(const char *id)
{
	size_t n = 0;

	if (id == NULL)
		return false;
	for (; id[n] != '\0'; n++)
		if (!g_ascii_isdigit(id[n]) && !(id[n] >= 'a' && id[n] <= 'f'))
			return false;
	return n == 32;
}

/* ---- puts ------------------------------------------------------------- */

static bool
put(struct mamori_store *st, struct q_put *p, const struct mamori_result *res,
    char id[40], char *err, size_t errlen)
{
	p->action = res != NULL ? mamori_action_name(mamori_result_action(res))
	    : mamori_action_name(MAMORI_ACTION_QUARANTINE);
	p->score = res != NULL ? mamori_result_score(res) : 0.0;
	p->report = res != NULL ? mamori_result_json(res) : NULL;
	return Q(st)->put(st, p, id, err, errlen);
}

bool
store_quarantine_put_hdr(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 expires, const char *subject, const char *from,
    char id[40], char *err, size_t errlen)
{
	struct q_put p = {
		.msg = msg, .len = len, .env = env, .reason = reason, .expires = expires,
		.subject = subject, .from = from, .state = Q_QUARANTINED,
	};
	return put(st, &p, res, id, err, errlen);
}

bool
store_quarantine_put(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 expires, char id[40], char *err, size_t errlen)
{
	return store_quarantine_put_hdr(st, msg, len, env, res, reason, expires,
	    NULL, NULL, id, err, errlen);
}

bool
store_hold_put(struct mamori_store *st, const uint8_t *msg, size_t len,
    const struct mamori_envelope *env, const struct mamori_result *res,
    const char *reason, gint64 hold_until, gint64 expires, const char *subject,
    const char *from, const char *subject_key, char id[40], char *err, size_t errlen)
{
	if (hold_until <= 0) {
		snprintf(err, errlen, "hold: no hold_until");
		return false;
	}
	/* the retention never ends before the window does */
	if (expires != 0 && expires < hold_until)
		expires = hold_until;
	struct q_put p = {
		.msg = msg, .len = len, .env = env, .reason = reason, .expires = expires,
		.subject = subject, .from = from, .state = Q_HELD, .hold_until = hold_until,
		.subject_key = subject_key,
	};
	return put(st, &p, res, id, err, errlen);
}

/* ---- reads ------------------------------------------------------------ */

GPtrArray *
store_quarantine_list(struct mamori_store *st, const struct q_filter *f)
{
	static const struct q_filter all = { 0 };
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)q_entry_free);
	char err[256];

	Q(st)->list(st, f != NULL ? f : &all, out, err, sizeof err);
	return out;
}

struct q_entry *
store_quarantine_get(struct mamori_store *st, const char *id)
{
	struct q_entry *e = NULL;
	char err[256];

	if (!store_id_valid(id))
		return NULL;
	if (Q(st)->get(st, id, &e, err, sizeof err) != MAMORI_STORE_OK)
		return NULL;
	return e;
}

uint8_t *
store_quarantine_raw(struct mamori_store *st, const char *id, size_t *len)
{
	uint8_t *msg = NULL;
	char err[256];

	*len = 0;
	if (!store_id_valid(id))
		return NULL;
	if (Q(st)->raw(st, id, &msg, len, err, sizeof err) != MAMORI_STORE_OK) {
		*len = 0;
		return NULL;
	}
	return msg;
}

GPtrArray *
store_hold_match(struct mamori_store *st, const char *mail_from,
    const char *const *rcpts, size_t n, gint64 now)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)q_entry_free);
	char err[256];

	if (mail_from == NULL || *mail_from == '\0' || rcpts == NULL || n == 0)
		return out;
	Q(st)->hold_match(st, mail_from, rcpts, n, now, out, err, sizeof err);
	return out;
}

GPtrArray *
store_hold_due(struct mamori_store *st, gint64 now, unsigned limit)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)q_entry_free);
	char err[256];

	Q(st)->hold_due(st, now, limit, out, err, sizeof err);
	return out;
}

const char *
store_dir(const struct mamori_store *st)
{
	return Q(st)->dir(st);
}

/* ---- transitions ------------------------------------------------------ */

bool
store_quarantine_set_state(struct mamori_store *st, const char *id, enum q_state s)
{
	return store_id_valid(id) && Q(st)->set_state(st, id, s);
}

unsigned
store_quarantine_purge(struct mamori_store *st, gint64 now)
{
	return Q(st)->purge(st, now);
}

unsigned
store_clean_tmp(struct mamori_store *st)
{
	return Q(st)->clean_tmp(st);
}

enum q_claim
store_release_claim(struct mamori_store *st, const char *id, gint64 now,
    enum q_state *state)
{
	if (!store_id_valid(id)) {
		if (state != NULL)
			*state = Q_QUARANTINED;
		return Q_CLAIM_NOENT;
	}
	return Q(st)->claim(st, id, now, state);
}

bool
store_release_finish(struct mamori_store *st, const char *id, enum q_state to)
{
	if (!store_id_valid(id) || (to != Q_RELEASED && to != Q_QUARANTINED &&
	    to != Q_EXPIRED && to != Q_HELD))
		return false;
	return Q(st)->finish(st, id, to);
}

bool
store_release_abort(struct mamori_store *st, const char *id)
{
	return store_id_valid(id) && Q(st)->abort(st, id);
}

bool
store_release_reset(struct mamori_store *st, const char *id, enum q_state to,
    gint64 min_age, gint64 now, char *err, size_t errlen)
{
	if (!store_id_valid(id)) {
		snprintf(err, errlen, "no such entry");
		return false;
	}
	if (to != Q_QUARANTINED && to != Q_RELEASED) {
		snprintf(err, errlen, "an entry can only be reset to quarantined or released");
		return false;
	}
	return Q(st)->reset(st, id, to, min_age, now, err, errlen);
}

enum q_delete
store_quarantine_delete(struct mamori_store *st, const char *id, enum q_state *state)
{
	if (!store_id_valid(id)) {
		if (state != NULL)
			*state = Q_DELETED;
		return Q_DEL_NOENT;
	}
	return Q(st)->del(st, id, state);
}

bool
store_hold_resolve(struct mamori_store *st, const char *id, enum q_state new_state,
    const char *password_where)
{
	return store_hold_resolve_verdict(st, id, new_state, password_where, NULL, NULL);
}

bool
store_hold_resolve_verdict(struct mamori_store *st, const char *id, enum q_state new_state,
    const char *password_where, const char *reason, const struct mamori_result *res)
{
	if (!store_id_valid(id))
		return false;
	switch (new_state) {
	case Q_RELEASING:
	case Q_RELEASED:
	case Q_QUARANTINED:
	case Q_EXPIRED:
	case Q_DELETED:
		break;
	case Q_HELD:
	default:
		return false;
	}
	double score = res != NULL ? mamori_result_score(res) : 0.0;
	struct q_verdict v = {
		.reason = reason,
		.action = res != NULL ? mamori_action_name(mamori_result_action(res)) : NULL,
		.score = res != NULL ? &score : NULL,
		.report = res != NULL ? mamori_result_json(res) : NULL,
	};
	return Q(st)->hold_resolve(st, id, new_state, password_where, &v);
}

/* ---- settings --------------------------------------------------------- */

void
store_set_dedup_window(struct mamori_store *st, unsigned window_s)
{
	Q(st)->set_dedup_window(st, window_s);
}

void
store_set_clock(struct mamori_store *st, gint64 (*now)(void))
{
	Q(st)->set_clock(st, now);
}
