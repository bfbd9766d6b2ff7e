/*
 * qput.c - test helper: put one message into the quarantine of a store and
 * print its id; with --kill, raise SIGKILL right after the put returned
 * (nothing closed, nothing flushed but stdout), as a daemon killed after
 * answering the MTA would be.
 *
 *   qput [--kill] STATE_DIR MESSAGE_FILE MAIL_FROM RCPT...
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

	if (argc > 1 && strcmp(argv[1], "--kill") == 0) {
		kill_after = true;
		i++;
	}
	if (argc - i < 4) {
		fprintf(stderr, "usage: qput [--kill] STATE_DIR MESSAGE_FILE MAIL_FROM RCPT...\n");
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
	if (!store_quarantine_put_hdr(st, (const uint8_t *)msg, len, &env, NULL,
	    "quarantine: test", expires, "Test subject", "Sender <s@example.org>",
	    id, err, sizeof err)) {
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
