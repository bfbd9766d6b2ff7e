/*
 * registry.c - the table of checks.  A new check is a new row here and a
 * file of its own; the driver (scan.c) does not change.
 */
#include "scan_ctx.h"

static const struct mamori_symbol_def core_symbols[] = {
	{ "SCAN_LIMIT_EXCEEDED", 1.0, "A limit stopped part of the scan (message_size, parts, depth, decoded_bytes, scan_time, objects, unpack_depth ...); the option names it and where. What was not examined is not passed: each limit forces its action of limits.on_exceeded (quarantine for content limits by default), and the names of attachments and archive entries past the objects, parts and depth limits are still judged.", NO_FORCE },
};

static const struct mamori_check check_core = {
	.name = "core",
	.stage = MAMORI_STAGE_MESSAGE,
	.symbols = core_symbols,
	.nsymbols = G_N_ELEMENTS(core_symbols),
	.run = NULL,
};

extern const struct mamori_check check_message;
extern const struct mamori_check check_auth;
extern const struct mamori_check check_objects;
extern const struct mamori_check check_documents;
extern const struct mamori_check check_ppap;
extern const struct mamori_check check_engines;

const struct mamori_check *const mamori_registry[] = {
	&check_core,
	&check_message,
	&check_auth,
	&check_objects,
	&check_documents,
	&check_ppap,
	&check_engines,
	NULL,
};
