/*
 * text.h - untrusted text made fit to show and store.
 */
#ifndef MAMORI_UTIL_TEXT_H
#define MAMORI_UTIL_TEXT_H

#include <stddef.h>

/*
 * A copy of len bytes of untrusted text: at most max of them (cut on a
 * UTF-8 character boundary), invalid UTF-8 repaired (U+FFFD), C0 controls
 * and DEL turned into spaces so that it cannot break a log line or a
 * header.  NULL gives NULL.  Free with g_free().
 */
char *text_clean_copy(const char *s, size_t len, size_t max);

#endif
