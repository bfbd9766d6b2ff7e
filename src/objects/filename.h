/*
 * filename.h - checks on a declared (UTF-8) attachment file name: double
 * extensions and deceptive Unicode that hide what the file really is.
 */
#ifndef MAMORI_OBJECTS_FILENAME_H
#define MAMORI_OBJECTS_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A double extension that hides the real one: "invoice.pdf.exe",
 * "scan.jpg   .scr", "doc.docx.js".  True when the name has a decoy
 * extension (one of a document, image, archive, text or mail) right before
 * the last one, and the last one is dangerous (executable, script,
 * shortcut, disk image, or .reg/.inf/.msc/...), or the two are separated by
 * padding (three or more spaces or underscores).  "archive.tar.gz",
 * "backup.2024.zip", "v1.2.exe" and "report.final.docx" are not.  On true,
 * decoy and real (no dots, lower case) are filled when non-NULL.
 */
bool fname_double_extension(const char *name, char *decoy, size_t decoylen,
    char *real, size_t reallen);

/*
 * Deceptive Unicode in a name, as a short stable reason, or NULL when
 * clean.  In order of precedence: "invalid_utf8", "rtlo" (U+202E),
 * "bidi_control" (U+202A-202D, U+2066-2069, U+200E/F, U+061C),
 * "zero_width" (U+200B-200D, U+2060, U+FEFF), "lookalike_dot" (U+2024,
 * U+FE52, U+2215, U+2044 anywhere; U+FF0E, U+FF0F only where they stand
 * for an extension separator, since Japanese names use them as text), and
 * "padding_spaces" (a run of five or more spaces, NBSPs, ideographic spaces
 * or fillers before a later extension).
 */
const char *fname_deceptive(const char *name);

/*
 * A printable ASCII copy for reports: ASCII printables as they are (the
 * backslash doubled), every other character as \uXXXX (\UXXXXXXXX above
 * U+FFFF), invalid bytes as \xNN.  NULL gives NULL.  Free with g_free().
 */
char *fname_escape(const char *name);

#endif
