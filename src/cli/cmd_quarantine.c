/*
 * cmd_quarantine.c - `mamori quarantine [--state DIR] [--config F] CMD`:
 * list, show, release, delete and purge the quarantined and held messages
 * of the store (src/store/store.h); give a held PPAP message its password
 * (password) and apply ppap.expire to the holds whose window ended
 * (expire: what the milter's sweeper does, for cron or by hand); teach the
 * spam classifier with an entry's message (learn).  The state
 * directory and the release target come from the [quarantine] section of
 * the configuration unless given.
 *
 * Release and delete are the store's conditional transitions (store.h):
 * a release claims the entry (quarantined or held -> releasing), sends it,
 * then marks it released, or puts it back where it was if the send
 * failed; of any number of concurrent releases (CLI, HTTP) one sends.  A
 * delete is refused while releasing and after released.  reset is the
 * operator's decision on a release that died mid-way.
 *
 * Run as root with daemon.user set, the command runs as daemon.user when
 * the state directory is that user's (or does not exist yet: it is then
 * created for that user), so that it leaves no root-owned file the
 * daemons could not open.
 *
 * Exit status: 0 done, 1 failed (no such entry, release refused, store
 * error), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "cli.h"
#include "core/config.h"
#include "daemon/daemon.h"
#include "daemon/ppap.h"
#include "store/release.h"
#include "store/store.h"
#include "util/jsonw.h"

#define RELEASE_TIMEOUT_MS 60000

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mamori quarantine [--state DIR] [--config F] COMMAND\n"
	    "  list [--state-filter quarantined|released|deleted|held|expired|releasing]\n"
	    "       [--rcpt X] [--from X]\n"
	    "       [--since EPOCH] [--limit N] [--json]\n"
	    "  show ID [--raw]          the entry and its report; --raw: the message\n"
	    "  release ID [--smtp HOST:PORT | --sendmail PATH]\n"
	    "  delete ID                refused while releasing and once released\n"
	    "  reset [--released] [--force] ID\n"
	    "                           a release that died mid-way (state releasing):\n"
	    "                           back to quarantined, or --released if the next\n"
	    "                           hop has it; --force: even if it started less\n"
	    "                           than quarantine.release_stale_s ago\n"
	    "  purge [--now EPOCH]      remove expired entries\n"
	    "  password ID PW... | -    try passwords on a held message (-: one per\n"
	    "                           line on stdin); opened and clean: released,\n"
	    "                           else quarantined\n"
	    "  expire [--now EPOCH]     apply ppap.expire to holds whose window ended\n"
	    "  learn ID spam|ham [--forget]\n"
	    "                           the spam classifier learns the entry's message\n"
	    "                           (or forgets it) in the same store\n");
}

static bool
parse_i64(const char *s, gint64 *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return false;
	*out = v;
	return true;
}

static void
fmt_time(gint64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		g_strlcpy(buf, "-", len);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *
rcpt_list(const struct q_entry *e)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < e->rcpts->len; i++) {
		if (i > 0)
			g_string_append_c(s, ',');
		g_string_append(s, g_ptr_array_index(e->rcpts, i));
	}
	return g_string_free(s, FALSE);
}

static int
do_list(struct mamori_store *st, int argc, char **argv)
{
	struct q_filter f = { 0 };
	enum q_state state;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		gint64 n;
		if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		}
		if (v == NULL)
			goto bad;
		i++;
		if (strcmp(a, "--state-filter") == 0 && q_state_parse(v, &state))
			f.state = &state;
		else if (strcmp(a, "--rcpt") == 0)
			f.rcpt = v;
		else if (strcmp(a, "--from") == 0)
			f.from = v;
		else if (strcmp(a, "--since") == 0 && parse_i64(v, &n))
			f.since = n;
		else if (strcmp(a, "--until") == 0 && parse_i64(v, &n))
			f.until = n;
		else if (strcmp(a, "--limit") == 0 && parse_i64(v, &n) && n > 0 && n <= 100000)
			f.limit = (unsigned)n;
		else if (strcmp(a, "--offset") == 0 && parse_i64(v, &n) && n <= 100000000)
			f.offset = (unsigned)n;
		else
			goto bad;
	}
	GPtrArray *l = store_quarantine_list(st, &f);
	if (json) {
		GString *out = g_string_new(NULL);
		struct jsonw w;
		jw_init(&w, out, false);
		jw_arr(&w, NULL);
		for (guint i = 0; i < l->len; i++)
			q_entry_json(&w, g_ptr_array_index(l, i), false);
		jw_arr_end(&w);
		printf("%s\n", out->str);
		g_string_free(out, TRUE);
	} else {
		for (guint i = 0; i < l->len; i++) {
			const struct q_entry *e = g_ptr_array_index(l, i);
			char created[32];
			char *rc = rcpt_list(e);
			fmt_time(e->created, created, sizeof created);
			char since[64] = "";
			if (e->state == Q_RELEASING) {
				char t[32];
				fmt_time(e->releasing_since, t, sizeof t);
				snprintf(since, sizeof since, " [release started %s]", t);
			}
			printf("%s %s %-11s %6.1f <%s> -> %s%s%s%s\n", e->id, created,
			    q_state_name(e->state), e->score,
			    e->mail_from != NULL ? e->mail_from : "", rc,
			    e->subject != NULL ? " " : "", e->subject != NULL ? e->subject : "",
			    since);
			g_free(rc);
		}
	}
	g_ptr_array_unref(l);
	return 0;
bad:
	usage(stderr);
	return 2;
}

/* ID and up to two flags, in any order; false (usage printed) otherwise. */
static bool
id_and_flags(int argc, char **argv, const char **id, const char *f1, bool *b1,
    const char *f2, bool *b2)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], f1) == 0)
			*b1 = true;
		else if (strcmp(argv[i], f2) == 0)
			*b2 = true;
		else if (argv[i][0] != '-' && *id == NULL)
			*id = argv[i];
		else
			break;
		if (i == argc - 1 && *id != NULL)
			return true;
	}
	usage(stderr);
	return false;
}

static int
do_show(struct mamori_store *st, int argc, char **argv)
{
	const char *id = NULL;
	bool raw = false, json = false;

	if (!id_and_flags(argc, argv, &id, "--raw", &raw, "--json", &json))
		return 2;
	if (raw) {
		size_t len;
		uint8_t *m = store_quarantine_raw(st, id, &len);
		if (m == NULL) {
			fprintf(stderr, "mamori: quarantine: %s: no stored message\n", id);
			return 1;
		}
		bool ok = fwrite(m, 1, len, stdout) == len && fflush(stdout) == 0;
		g_free(m);
		if (!ok) {
			fprintf(stderr, "mamori: quarantine: writing the message: %s\n",
			    g_strerror(errno));
			return 1;
		}
		return 0;
	}
	struct q_entry *e = store_quarantine_get(st, id);
	if (e == NULL) {
		fprintf(stderr, "mamori: quarantine: %s: no such entry\n", id);
		return 1;
	}
	if (json) {
		GString *out = g_string_new(NULL);
		struct jsonw w;
		jw_init(&w, out, false);
		q_entry_json(&w, e, true);
		printf("%s\n", out->str);
		g_string_free(out, TRUE);
	} else {
		char created[32], expires[32];
		char *rc = rcpt_list(e);
		fmt_time(e->created, created, sizeof created);
		fmt_time(e->expires, expires, sizeof expires);
		printf("id:        %s\nstate:     %s\ncreated:   %s\nexpires:   %s\n"
		    "reason:    %s\naction:    %s\nscore:     %.2f\nclient_ip: %s\n"
		    "helo:      %s\nmail_from: <%s>\nrcpts:     %s\nqueue_id:  %s\n"
		    "subject:   %s\nfrom:      %s\nsize:      %" G_GUINT64_FORMAT "\n"
		    "report:    %s\n",
		    e->id, q_state_name(e->state), created, expires,
		    e->reason ? e->reason : "", e->action ? e->action : "", e->score,
		    e->client_ip ? e->client_ip : "", e->helo ? e->helo : "",
		    e->mail_from ? e->mail_from : "", rc, e->queue_id ? e->queue_id : "",
		    e->subject ? e->subject : "", e->from ? e->from : "", e->size,
		    e->report ? e->report : "");
		if (e->state == Q_RELEASING) {
			char since[32];
			fmt_time(e->releasing_since, since, sizeof since);
			printf("releasing: started %s, from %s (if no release is running: "
			    "mamori quarantine reset)\n", since, q_state_name(e->release_from));
		}
		g_free(rc);
	}
	q_entry_free(e);
	return 0;
}

static int
do_release(struct mamori_store *st, const struct mamori_quarantine_conf *qc,
    int argc, char **argv)
{
	const char *id = NULL, *smtp = NULL, *sendmail = NULL;
	char err[512] = "";
	int ret = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smtp") == 0 && i + 1 < argc)
			smtp = argv[++i];
		else if (strcmp(argv[i], "--sendmail") == 0 && i + 1 < argc)
			sendmail = argv[++i];
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (id == NULL || (smtp != NULL && sendmail != NULL)) {
		usage(stderr);
		return 2;
	}
	if (smtp == NULL && sendmail == NULL) {
		smtp = qc->release_smtp;
		sendmail = qc->release_sendmail;
	}
	/* the claim decides: one release of any number sends the message */
	enum q_state was;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	switch (store_release_claim(st, id, now, &was)) {
	case Q_CLAIM_OK:
		break;
	case Q_CLAIM_NOENT:
		fprintf(stderr, "mamori: quarantine: %s: no such entry\n", id);
		return 1;
	case Q_CLAIM_BUSY:
		fprintf(stderr, "mamori: quarantine: %s: is releasing: another release is "
		    "sending it (if none is running, see mamori quarantine reset)\n", id);
		return 1;
	case Q_CLAIM_STATE:
		fprintf(stderr, "mamori: quarantine: %s: is %s, not quarantined or held\n", id,
		    q_state_name(was));
		return 1;
	case Q_CLAIM_ERROR:
	default:
		fprintf(stderr, "mamori: quarantine: %s: the store failed to claim it\n", id);
		return 1;
	}
	struct q_entry *e = store_quarantine_get(st, id);
	size_t len = 0;
	uint8_t *m = e != NULL ? store_quarantine_raw(st, id, &len) : NULL;
	bool ok = false;
	if (m == NULL)
		snprintf(err, sizeof err, "the stored message is missing");
	else
		ok = store_release(smtp, sendmail, e->mail_from, e->rcpts, m, len,
		    RELEASE_TIMEOUT_MS, err, sizeof err);
	if (!ok) {
		bool back = store_release_abort(st, id);
		fprintf(stderr, "mamori: quarantine: %s: release via %s failed: %s; %s\n", id,
		    smtp != NULL ? smtp : sendmail != NULL ? sendmail : "-", err,
		    back ? (was == Q_HELD ? "it is held again" : "it is quarantined again")
		    : "its state could not be restored (see mamori quarantine reset)");
	} else if (!store_release_finish(st, id, Q_RELEASED)) {
		fprintf(stderr, "mamori: quarantine: %s: released, but it was no longer "
		    "releasing (reset meanwhile?): do not release it again\n", id);
	} else {
		printf("%s: released via %s\n", id, smtp != NULL ? smtp : sendmail);
		ret = 0;
	}
	g_free(m);
	q_entry_free(e);
	return ret;
}

static int
do_delete(struct mamori_store *st, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	/* one conditional UPDATE: never while a release sends it */
	enum q_state cur;
	switch (store_quarantine_delete(st, argv[1], &cur)) {
	case Q_DEL_OK:
	case Q_DEL_ALREADY:
		printf("%s: deleted\n", argv[1]);
		return 0;
	case Q_DEL_NOENT:
		fprintf(stderr, "mamori: quarantine: %s: no such entry\n", argv[1]);
		return 1;
	case Q_DEL_REFUSED:
		fprintf(stderr, "mamori: quarantine: %s: is %s: not deleted (%s)\n", argv[1],
		    q_state_name(cur), cur == Q_RELEASING ? "a release is sending it"
		    : "the message was delivered");
		return 1;
	case Q_DEL_ERROR:
	default:
		fprintf(stderr, "mamori: quarantine: %s: the store failed to delete it\n",
		    argv[1]);
		return 1;
	}
}

static int
do_reset(struct mamori_store *st, const struct mamori_quarantine_conf *qc, int argc,
    char **argv)
{
	const char *id = NULL;
	bool released = false, force = false;
	char err[512] = "";

	if (!id_and_flags(argc, argv, &id, "--released", &released, "--force", &force))
		return 2;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	enum q_state to = released ? Q_RELEASED : Q_QUARANTINED;
	if (!store_release_reset(st, id, to, force ? 0 : (gint64)qc->release_stale_s, now,
	    err, sizeof err)) {
		fprintf(stderr, "mamori: quarantine: %s: not reset: %s%s\n", id, err,
		    strstr(err, "may still be running") != NULL ? " (--force to reset anyway)"
		    : "");
		return 1;
	}
	printf("%s: %s\n", id, q_state_name(to));
	return 0;
}

static int
do_purge(struct mamori_store *st, int argc, char **argv)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (argc == 3 && strcmp(argv[1], "--now") == 0 && parse_i64(argv[2], &now))
		;
	else if (argc != 1) {
		usage(stderr);
		return 2;
	}
	printf("purged %u\n", store_quarantine_purge(st, now));
	printf("removed %u stale temporary file(s)\n", store_clean_tmp(st));
	return 0;
}

/* An engine for rescans (password, expire) on the configuration already
 * loaded, which it takes over (*cfg is NULL afterwards, as it is freed
 * with the engine, or by mamori_engine_new() when that fails). */
static struct mamori_engine *
rescan_engine(struct mamori_config **cfg)
{
	struct mamori_engine *eng = NULL;
	char err[1024];
	enum mamori_status st = mamori_engine_new(*cfg, &eng, err, sizeof err);

	*cfg = NULL;
	if (st != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return NULL;
	}
	return eng;
}

static int
do_password(struct mamori_store *st, struct mamori_config **cfg, int argc, char **argv)
{
	if (argc < 3 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	GPtrArray *pw = g_ptr_array_new_with_free_func(g_free);
	if (argc == 3 && strcmp(argv[2], "-") == 0) {
		char line[1024];
		while (fgets(line, sizeof line, stdin) != NULL) {
			g_strchomp(line);
			if (line[0] != '\0')
				g_ptr_array_add(pw, g_strdup(line));
		}
	} else {
		for (int i = 2; i < argc; i++)
			g_ptr_array_add(pw, g_strdup(argv[i]));
	}
	struct mamori_engine *eng = rescan_engine(cfg);
	int ret = 1;
	if (eng != NULL) {
		char err[512] = "";
		enum ppap_outcome o = ppap_try(st, eng, argv[1], (const char *const *)pw->pdata,
		    pw->len, MAMORI_PW_OPERATOR, "operator", err, sizeof err);
		printf("%s: %s%s%s\n", argv[1], ppap_outcome_name(o), *err ? ": " : "", err);
		ret = o == PPAP_DONE_RELEASED || o == PPAP_DONE_QUARANTINED ? 0 : 1;
		mamori_engine_free(eng);
	}
	g_ptr_array_unref(pw);
	return ret;
}

static int
do_expire(struct mamori_store *st, struct mamori_config **cfg, int argc, char **argv)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (argc == 3 && strcmp(argv[1], "--now") == 0 && parse_i64(argv[2], &now))
		;
	else if (argc != 1) {
		usage(stderr);
		return 2;
	}
	struct mamori_engine *eng = rescan_engine(cfg);
	if (eng == NULL)
		return 1;
	printf("expired %u\n", ppap_expire(st, eng, now));
	mamori_engine_free(eng);
	return 0;
}

/*
 * learn ID spam|ham [--forget]: the entry's message (in any state whose
 * message is kept: a released false positive is the ham to learn) through
 * an engine of the configuration with the same store, committed at once.
 */
static int
do_learn(struct mamori_store *st, struct mamori_config **cfg, int argc, char **argv)
{
	const char *id = NULL, *cls = NULL;
	bool forget = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--forget") == 0)
			forget = true;
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else if (argv[i][0] != '-' && cls == NULL)
			cls = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (id == NULL || cls == NULL || (strcmp(cls, "spam") != 0 && strcmp(cls, "ham") != 0)) {
		usage(stderr);
		return 2;
	}
	struct q_entry *e = store_quarantine_get(st, id);
	if (e == NULL) {
		fprintf(stderr, "mamori: quarantine: %s: no such entry\n", id);
		return 1;
	}
	bool deleted = e->state == Q_DELETED;
	q_entry_free(e);
	if (deleted) {
		fprintf(stderr, "mamori: quarantine: %s: the message was deleted\n", id);
		return 1;
	}
	size_t len;
	uint8_t *m = store_quarantine_raw(st, id, &len);
	if (m == NULL) {
		fprintf(stderr, "mamori: quarantine: %s: no stored message\n", id);
		return 1;
	}
	struct mamori_engine *eng = rescan_engine(cfg);
	int ret = 1;
	if (eng != NULL) {
		char err[512] = "";
		enum mamori_learn_outcome o;
		mamori_engine_set_store(eng, st);
		enum mamori_status rc = mamori_learn(eng, m, len, strcmp(cls, "spam") == 0 ?
		    MAMORI_LEARN_SPAM : MAMORI_LEARN_HAM, forget, &o, err, sizeof err);
		if (rc == MAMORI_OK)
			rc = mamori_learn_commit(eng, err, sizeof err);
		if (rc != MAMORI_OK) {
			fprintf(stderr, "mamori: quarantine: %s: not learned: %s\n", id, err);
		} else {
			printf("%s: %s%s: %s\n", id, cls, forget ? " (forget)" : "",
			    mamori_learn_outcome_name(o));
			ret = 0;
		}
		mamori_engine_free(eng);
	}
	g_free(m);
	return ret;
}

int
cmd_quarantine(int argc, char **argv)
{
	const char *state = NULL, *config = NULL;
	struct mamori_config *cfg = NULL;
	char err[1024];
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) &&
		    i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i];
	if (strcmp(cmd, "list") != 0 && strcmp(cmd, "show") != 0 &&
	    strcmp(cmd, "release") != 0 && strcmp(cmd, "delete") != 0 &&
	    strcmp(cmd, "purge") != 0 && strcmp(cmd, "password") != 0 &&
	    strcmp(cmd, "expire") != 0 && strcmp(cmd, "reset") != 0 &&
	    strcmp(cmd, "learn") != 0) {
		fprintf(stderr, "mamori: quarantine: unknown command %s\n", cmd);
		usage(stderr);
		return 2;
	}
	const char *path = cli_config_path(config);
	if (path == NULL)
		cfg = mamori_config_new_default();
	else if (mamori_config_load(path, &cfg, err, sizeof err) != MAMORI_OK) {
		fprintf(stderr, "mamori: %s\n", err);
		return 1;
	}
	const char *dir = state != NULL ? state : cfg->quarantine.state_dir;
	if (dir == NULL || !g_path_is_absolute(dir)) {
		fprintf(stderr, "mamori: quarantine: the state directory \"%s\" is not an "
		    "absolute path: give --state /path/to/dir (e.g. /var/lib/mamori)\n",
		    dir != NULL ? dir : "");
		mamori_config_free(cfg);
		return 2;
	}
	if (!cli_as_daemon_user(cfg->daemon.user, dir, err, sizeof err)) {
		fprintf(stderr, "mamori: quarantine: %s\n", err);
		mamori_config_free(cfg);
		return 1;
	}
	struct mamori_store *st = store_open(dir, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "mamori: quarantine: %s\n", err);
		mamori_config_free(cfg);
		return 1;
	}
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (strcmp(cmd, "list") == 0)
		ret = do_list(st, sub_argc, sub_argv);
	else if (strcmp(cmd, "show") == 0)
		ret = do_show(st, sub_argc, sub_argv);
	else if (strcmp(cmd, "release") == 0)
		ret = do_release(st, &cfg->quarantine, sub_argc, sub_argv);
	else if (strcmp(cmd, "delete") == 0)
		ret = do_delete(st, sub_argc, sub_argv);
	else if (strcmp(cmd, "password") == 0)
		ret = do_password(st, &cfg, sub_argc, sub_argv);
	else if (strcmp(cmd, "expire") == 0)
		ret = do_expire(st, &cfg, sub_argc, sub_argv);
	else if (strcmp(cmd, "reset") == 0)
		ret = do_reset(st, &cfg->quarantine, sub_argc, sub_argv);
	else if (strcmp(cmd, "learn") == 0)
		ret = do_learn(st, &cfg, sub_argc, sub_argv);
	else
		ret = do_purge(st, sub_argc, sub_argv);
	store_close(st);
	mamori_config_free(cfg);
	return ret;
}
