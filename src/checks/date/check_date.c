/*
 * check_date.c - the date module: a Date header far from when the message
 * was received.
 *
 * Spam tools and hand-made phishing set Date: to the future, to stay at the
 * top of a mailbox sorted by date, or send old mail from a stolen archive
 * with its original date (SpamAssassin's DATE_IN_FUTURE_* / DATE_IN_PAST_*
 * rules judge the same).  The reference is the time in the newest
 * Received header, which the receiving MTA wrote (Postfix adds its own
 * before the milter sees the message); a message without one is not
 * judged, so that a file scanned later gives the same report.
 *
 * This is also the worked example of docs/ARCHITECTURE.md ("Adding a
 * module"): its symbols, its configuration section, its stage, its report
 * section, all declared below; one row in src/driver/registry.c.
 */
#include <gmime/gmime.h>

#include "core/module.h"
#include "mime/message.h"
#include "util/jsonw.h"

#define SYMBOLS(X) \
	X(DATE_IN_FUTURE, 1.5, NO_FORCE, "The Date header is later than the time the message was received (the newest Received header with a date) by more than date.future_s. Option: the difference, e.g. \"+12.0 h\".") \
	X(DATE_IN_PAST, 1.0, NO_FORCE, "The Date header is earlier than the time the message was received by more than date.past_s (old mail re-sent, or a forged date). Option: the difference, e.g. \"-30.5 d\".") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* The section date. */
struct date_conf {
	uint32_t future_s;	/* Date later than received by more: DATE_IN_FUTURE */
	uint32_t past_s;	/* Date earlier than received by more: DATE_IN_PAST */
};

#define C struct date_conf
static const struct conf_key keys[] = {
	CONF_UINT(C, future_s, 60, 31536000, 21600,
	    "a Date this many seconds after reception is in the future (DATE_IN_FUTURE)"),
	CONF_UINT(C, past_s, 60, 315360000, 345600,
	    "a Date this many seconds before reception is in the past (DATE_IN_PAST)"),
};
#undef C

/* What the report shows: both times and where the reference came from. */
struct date_state {
	bool judged;
	gint64 date, received;	/* Unix times */
};

/* The time after the last ';' of the newest Received header that has one. */
static bool
received_time(const struct mime_headers *h, gint64 *out)
{
	for (guint i = 0; h->received != NULL && i < h->received->len; i++) {
		const char *semi = strrchr(g_ptr_array_index(h->received, i), ';');
		if (semi == NULL)
			continue;
		GDateTime *dt = g_mime_utils_header_decode_date(semi + 1);
		if (dt == NULL)
			continue;
		*out = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		return true;
	}
	return false;
}

static void
run(struct scan_ctx *ctx)
{
	const struct date_conf *c = scan_module_conf(ctx);
	const struct mime_headers *h = scan_message(ctx)->headers;
	struct date_state *st = scan_module_state(ctx);

	if (!h->date_ok)
		return;		/* MISSING_DATE / INVALID_DATE say so */
	if (!received_time(h, &st->received))
		return;
	st->judged = true;
	st->date = h->date;
	gint64 skew = st->date - st->received;
	if (skew > (gint64)c->future_s)
		scan_addf(ctx, SYM(DATE_IN_FUTURE), "+%.1f h", (double)skew / 3600.0);
	else if (-skew > (gint64)c->past_s)
		scan_addf(ctx, SYM(DATE_IN_PAST), "-%.1f d", (double)-skew / 86400.0);
}

static void
iso(struct jsonw *w, const char *key, gint64 t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	jw_str(w, key, s);
	g_free(s);
	if (dt != NULL)
		g_date_time_unref(dt);
}

/* "date": {} when the Date header or a Received time is missing */
static void
report(const struct scan_ctx *ctx, struct jsonw *w, const char *key)
{
	const struct date_state *st = scan_module_state(ctx);

	jw_obj(w, key);
	if (st->judged) {
		iso(w, "date", st->date);
		iso(w, "received", st->received);
		jw_int(w, "skew_s", st->date - st->received);
	}
	jw_obj_end(w);
}

static const char *const report_keys[] = { "date", NULL };

const struct mamori_module module_date = {
	.name = "date",
	.stage = MAMORI_STAGE_MESSAGE,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
	.conf = MAMORI_CONF("date", keys, struct date_conf, NULL),
	.state_size = sizeof(struct date_state),
	.run = run,
	.report_keys = report_keys,
	.report = report,
};
