/*
 * arc_driver.c - run arc_validate over message files, for the ARC suite.
 *
 * Usage: arc_driver KEYFILE MSGFILE...
 * KEYFILE has one record a line: NAME<whitespace>VALUE (the TXT record);
 * ~~TEMPFAIL~~ means a temporary failure; lines starting with # are
 * comments.  A name not listed is not found.  No network.
 *
 * Output, one line per message:
 * PATH<TAB>CV<TAB>REASON<TAB>oldest-pass<TAB>sealer<TAB>aar
 *
 * Limits: files are read whole (test data).  Security: test tool only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "auth/arc.h"
#include "keyfile.h"


int
main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: arc_driver KEYFILE MSGFILE...\n");
		return 2;
	}
	keyfile_load(argv[1], "arc_driver");
	for (int k = 2; k < argc; k++) {
		gchar *data = NULL;
		gsize len = 0;
		if (!g_file_get_contents(argv[k], &data, &len, NULL)) {
			printf("%s\terror\tunreadable\n", argv[k]);
			rc = 1;
			continue;
		}
		struct arc_result r;
		arc_validate((const uint8_t *)data, len, keyfile_fetch, NULL, &r);
		printf("%s\t%s\t%s\t%d\t%s\t%s\n", argv[k], arc_cv_name(r.cv),
		    r.reason ? r.reason : "", r.oldest_pass,
		    r.sealer ? r.sealer : "-", r.aar ? r.aar : "-");
		arc_result_clear(&r);
		g_free(data);
	}
	keyfile_free();
	return rc;
}
