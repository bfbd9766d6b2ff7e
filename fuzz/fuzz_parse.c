/*
 * fuzz_parse.c - libFuzzer target: the whole scan of one hostile message.
 *
 * Each input is
 *   1. scanned by mamori_scan() with the built-in configuration, and its
 *      JSON report read (and checked to be UTF-8 with no raw control bytes);
 *   2. parsed by mime_message_parse() with tight limits, so the limit paths
 *      (parts, depth, decoded bytes, size) are reached with small inputs;
 *   3. split by mbox_split(), whose spans must lie inside the input.
 *
 * The engine is built once and shared by every input, as in the CLI.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mamori/mamori.h"
#include "mime/mbox.h"
#include "mime/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mamori_engine *engine;

static const struct mime_limits tight = {
	.max_size = 1024 * 1024,
	.max_decoded = 1024 * 1024,
	.max_parts = 50,
	.max_depth = 8,
	.max_names = 100,
};

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_parse: %s\n", what);
	abort();
}

static struct mamori_engine *
get_engine(void)
{
	if (engine == NULL) {
		char err[512] = "";
		if (mamori_engine_new(mamori_config_new_default(), &engine, err,
		    sizeof err) != MAMORI_OK)
			die(err);
	}
	return engine;
}

/* The report is one line of JSON: valid UTF-8, control bytes escaped. */
static void
check_json(const char *json)
{
	if (json == NULL || json[0] != '{')
		die("report is not a JSON object");
	size_t len = strlen(json);
	if (json[len - 1] != '}')
		die("report does not end with }");
	if (!g_utf8_validate(json, (gssize)len, NULL))
		die("report is not valid UTF-8");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)json[i] < 0x20)
			die("raw control byte in report");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_result *res = NULL;

	if (mamori_scan(get_engine(), data, size, NULL, &res) == MAMORI_OK)
		check_json(mamori_result_json(res));
	if (res != NULL) {
		char *sum = mamori_result_summary(res, 6);
		g_free(sum);
		mamori_result_free(res);
	}

	struct mime_message *m = mime_message_parse(data, size, &tight);
	if (m == NULL)
		die("mime_message_parse returned NULL");
	if (m->parts->len > tight.max_parts)
		die("more parts than max_parts");
	mime_message_free(m);

	GArray *msgs = mbox_split(data, size);
	for (guint i = 0; i < msgs->len; i++) {
		const struct mbox_msg *mm = &g_array_index(msgs, struct mbox_msg, i);
		if (mm->off > size || mm->len > size - mm->off)
			die("mbox_split span outside the input");
	}
	g_array_unref(msgs);
	return 0;
}
