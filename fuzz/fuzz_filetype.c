/*
 * fuzz_filetype.c - libFuzzer target for ftype_detect() and the file-name
 * checks.
 *
 * The input is detected whole, as a prefix of a larger object, and with
 * libmagic's description; the result must be a table entry and the
 * description NUL-terminated.  The first 256 bytes also go, as a name, to
 * the name checks, whose outputs must be terminated and printable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "objects/filename.h"
#include "objects/filetype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_filetype: %s\n", what);
	abort();
}

static void
check_type(const struct ftype *t)
{
	size_t n = 0;
	const struct ftype *tab = ftype_table(&n);
	if (t == NULL || t < tab || t >= tab + n)
		die("type outside the table");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that any overread is caught */
	uint8_t *p = g_memdup2(data, size);
	char desc[64];
	memset(desc, 'x', sizeof desc);
	const struct ftype *a = ftype_detect(p, size, size, NULL, 0);
	check_type(a);
	const struct ftype *b = ftype_detect(p, size, size, desc, sizeof desc);
	check_type(b);
	if (a != b)
		die("desc changed the type");
	if (memchr(desc, '\0', sizeof desc) == NULL)
		die("desc not terminated");
	check_type(ftype_detect(p, size / 2, (uint64_t)size * 4, NULL, 0));

	size_t nl = size < 256 ? size : 256;
	char *name = g_strndup((const char *)data, nl);
	char d[8], r[8];
	if (fname_double_extension(name, d, sizeof d, r, sizeof r) &&
	    (memchr(d, '\0', sizeof d) == NULL || memchr(r, '\0', sizeof r) == NULL))
		die("extension not terminated");
	(void)fname_deceptive(name);
	char *e = fname_escape(name);
	for (const char *c = e; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			die("escape not printable ASCII");
	g_free(e);
	const struct ftype *c = ftype_from_extension(name);
	if (c != NULL)
		check_type(c);
	(void)ftype_mismatch(c, a);
	g_free(name);
	g_free(p);
	return 0;
}
