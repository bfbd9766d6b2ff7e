/*
 * qput.c - test helper: put one message into the quarantine of a store and
 * print its id; with --kill, raise SIGKILL right after the put returned
 * (nothing closed, nothing flushed but stdout), as a daemon killed after
 * answering the MTA would be; with --hold SECONDS, put it as a PPAP hold
 * whose window ends SECONDS from now (store_hold_put).
 *
 *   qput [--kill] [--hold SECONDS] STATE_DIR MESSAGE_FILE MAIL_FROM RCPT...
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "store/store.h"

int
main(int argc, char **argv)
{
	bool kill_after = false;
	char err[512], id[40];
	gchar *msg;
	gsize len;
	int i = 1;

	gint64 hold = -1;

	if (argc > i && strcmp(argv[i], "--kill") == 0) {
		kill_after = true;
		i++;
	}
	if (argc > i + 1 && strcmp(argv[i], "--hold") == 0) {
		hold = g_ascii_strtoll(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (argc - i < 4) {
		fprintf(stderr, "usage: qput [--kill] [--hold SECONDS] STATE_DIR MESSAGE_FILE MAIL_FROM RCPT...\n");
		return 2;
	}
	if (!g_file_get_contents(argv[i + 1], &msg, &len, NULL)) {
		fprintf(stderr, "qput: cannot read %s\n", argv[i + 1]);
		return 1;
	}
	struct mamori_store *st = store_open(argv[i], err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "qput: %s\n", err);
		return 1;
	}
	struct mamori_envelope env = {
		.client_ip = "192.0.2.7", .helo = "sender.example",
		.mail_from = argv[i + 2],
		.rcpt = (const char *const *)(argv + i + 3),
		.n_rcpt = (size_t)(argc - i - 3),
		.queue_id = "4XyzQ1",
	};
	gint64 expires = g_get_real_time() / G_USEC_PER_SEC + 30 * 86400;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	bool put = hold >= 0
	    ? store_hold_put(st, (const uint8_t *)msg, len, &env, NULL, "hold: test",
		now + hold, expires, "Test subject", "Sender <s@example.org>", "testsubject",
		id, err, sizeof err)
	    : store_quarantine_put_hdr(st, (const uint8_t *)msg, len, &env, NULL,
		"quarantine: test", expires, "Test subject", "Sender <s@example.org>",
		id, err, sizeof err);
	if (!put) {
		fprintf(stderr, "qput: %s\n", err);
		return 1;
	}
	printf("%s\n", id);
	fflush(stdout);
	if (kill_after)
		raise(SIGKILL);
	store_close(st);
	g_free(msg);
	return 0;
}
