/*
 * yara.h - the YARA engine: libyara in process.
 *
 * A struct mamori_yara is a compiled rule set: it is made once (at start
 * or on reload) by mamori_yara_load() and is then immutable, so any number
 * of threads may scan with it at once (mamori_yara_scan() makes its own
 * libyara scanner per call).  libyara's global state (yr_initialize /
 * yr_finalize) is reference-counted here: the first load initialises it,
 * the last free finalises it.
 *
 * Rule files: every *.yar and *.yara file of each directory given (not
 * recursive, dot files skipped, sorted by name), or a single rule file
 * where a path names a file.  Each file is its own namespace, named after
 * the file's base name without the extension, so two files may define
 * the same rule name.  Two files with the same base name share a
 * namespace.
 *
 * Externals: rules may use the string variables `filename` (the object's
 * declared file name) and `filetype` (its true-type id as the object tree
 * names it); both are "" when the caller gives NULL.
 *
 * Metadata convention (yara/README.md): description, severity
 * ("low", "medium", "high" or "critical"), author, reference, date.
 */
#ifndef MAMORI_ENGINES_YARA_H
#define MAMORI_ENGINES_YARA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mamori_yara;	/* compiled rules: immutable, shared by all threads */

/*
 * Compile the rule files of dirs[0..ndirs) (each a directory or a single
 * rule file; dirs may be NULL when ndirs is 0).  A path that does not
 * exist is an error.  On error: NULL, and "FILE:LINE: message" (or
 * "PATH: message" when there is no line) in err.  Warnings are no errors:
 * mamori_yara_warnings() returns them.
 */
struct mamori_yara *mamori_yara_load(const char *const *dirs, size_t ndirs,
    char *err, size_t errlen);
void mamori_yara_free(struct mamori_yara *y);
size_t mamori_yara_rule_count(const struct mamori_yara *y);
/* The compiler's warnings, one "FILE:LINE: warning: message" a line, or
 * NULL when there were none.  Owned by y. */
const char *mamori_yara_warnings(const struct mamori_yara *y);

/* One match; the strings belong to the rule set and live as long as it. */
struct mamori_yara_match {
	const char *ns;		 /* namespace (file base name) */
	const char *rule;	 /* rule identifier */
	const char *description; /* meta "description", or NULL */
	const char *severity;	 /* meta "severity" ("low"/"medium"/"high"/"critical"), or NULL */
};

/* Called once per matching rule, in rule order; return false to stop. */
typedef bool (*mamori_yara_cb)(const struct mamori_yara_match *m, void *ud);

/*
 * Scan p[0..len) (p may be NULL when len is 0) with the externals
 * filename and filetype (NULL = "").  cb() is called for each matching
 * rule.  timeout_ms bounds the scan (0 = no bound).  Returns 0 (also when
 * cb stopped the scan), or -1 with a message in err: "timeout",
 * "too many matches", "out of memory" or "internal error N".  Matches
 * reported before an error stand.  Thread-safe.
 */
int mamori_yara_scan(const struct mamori_yara *y, const uint8_t *p, size_t len,
    const char *filename, const char *filetype, unsigned timeout_ms,
    mamori_yara_cb cb, void *ud, char *err, size_t errlen);

#endif
