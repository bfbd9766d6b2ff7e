/*
 * entry_json.c - a quarantine entry as JSON (store.h): the one layout
 * `mamori quarantine list|show --json` and the HTTP API's /quarantine
 * endpoints both print.  An entry that is or was held (PPAP, hold_until
 * set) also has hold_until, subject_key and password_where; one being
 * released (or whose release died mid-way) has releasing_since and
 * release_from; the others keep the layout they always had.
 */
#include <string.h>

#include "store.h"
#include "util/jsonw.h"

void
q_entry_json(struct jsonw *w, const struct q_entry *e, bool with_report)
{
	jw_obj(w, NULL);
	jw_str(w, "id", e->id);
	jw_int(w, "created", e->created);
	jw_int(w, "expires", e->expires);
	jw_str(w, "state", q_state_name(e->state));
	jw_str(w, "reason", e->reason);
	jw_str(w, "action", e->action);
	jw_real(w, "score", e->score);
	jw_str(w, "client_ip", e->client_ip);
	jw_str(w, "helo", e->helo);
	jw_str(w, "mail_from", e->mail_from);
	jw_arr(w, "rcpts");
	for (guint i = 0; i < e->rcpts->len; i++)
		jw_str(w, NULL, g_ptr_array_index(e->rcpts, i));
	jw_arr_end(w);
	jw_str(w, "queue_id", e->queue_id);
	jw_str(w, "subject", e->subject);
	jw_str(w, "from", e->from);
	jw_int(w, "size", (int64_t)e->size);
	if (e->hold_until != 0) {
		jw_int(w, "hold_until", e->hold_until);
		jw_str(w, "subject_key", e->subject_key);
		jw_str(w, "password_where", e->password_where);
	}
	if (e->state == Q_RELEASING) {
		jw_int(w, "releasing_since", e->releasing_since);
		jw_str(w, "release_from", q_state_name(e->release_from));
	}
	if (with_report) {
		if (e->report != NULL && *e->report != '\0')
			jw_raw(w, "report", e->report);
		else
			jw_null(w, "report");
	}
	jw_obj_end(w);
}
