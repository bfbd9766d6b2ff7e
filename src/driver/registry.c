/*
 * registry.c - the table of modules.  A new module is a folder of its own
 * under src/checks/ and one row here; the driver (scan.c) does not change.
 * Within a stage, modules run in this order, and their symbols appear in
 * the report in the order added.
 */
#include "core/scan_ctx.h"

#define SYMBOLS(X) \
	X(SCAN_LIMIT_EXCEEDED, 1.0, NO_FORCE, "A limit stopped part of the scan (message_size, parts, depth, decoded_bytes, scan_time, objects, unpack_depth ...); the option names it and where. What was not examined is not passed: each limit forces its action of limits.on_exceeded (quarantine for content limits by default), and the names of attachments and archive entries past the objects, parts and depth limits are still judged.") \
	/* end */
MAMORI_SYMBOLS(SYMBOLS);

/* the core's own symbol (scan_limit() adds it) */
static const struct mamori_module module_core = {
	.name = "core",
	.stage = MAMORI_STAGE_MESSAGE,
	.symbols = symbols,
	.nsymbols = G_N_ELEMENTS(symbols),
};

extern const struct mamori_module module_message;
extern const struct mamori_module module_date;
extern const struct mamori_module module_auth;
extern const struct mamori_module module_dnsbl;
extern const struct mamori_module module_objects;
extern const struct mamori_module module_documents;
extern const struct mamori_module module_ppap;
extern const struct mamori_module module_yara;
extern const struct mamori_module module_clamd;
extern const struct mamori_module module_urls;
extern const struct mamori_module module_bec;
extern const struct mamori_module module_bayes;
extern const struct mamori_module module_spam;

const struct mamori_module *const mamori_modules[] = {
	&module_core,
	&module_message,
	&module_date,
	&module_auth,
	&module_dnsbl,
	&module_objects,
	&module_documents,
	&module_ppap,
	&module_yara,
	&module_clamd,
	&module_urls,
	&module_bec,
	&module_bayes,
	&module_spam,
	NULL,
};

