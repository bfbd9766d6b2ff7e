/*
 * fuzz_config.c - libFuzzer target for mamori_config_load().
 *
 * libconfig reads a file, so each input is written to an anonymous memfd
 * and loaded through /proc/self/fd/N.  A configuration that loads is also
 * turned into an engine (which checks symbol names), then freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mamori/mamori.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;

static void
die(const char *what)
{
	perror(what);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("mamori-fuzz-config", 0);
		if (fd < 0)
			die("memfd_create");
	}
	if (ftruncate(fd, 0) != 0)
		die("ftruncate");
	size_t off = 0;
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			die("pwrite");
		off += (size_t)n;
	}

	char path[64], err[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct mamori_config *cfg = NULL;
	err[0] = '\0';
	if (mamori_config_load(path, &cfg, err, sizeof err) == MAMORI_OK) {
		if (cfg == NULL)
			die("config_load: OK without a configuration");
		(void)mamori_config_threads(cfg);
		struct mamori_engine *eng = NULL;
		if (mamori_engine_new(cfg, &eng, err, sizeof err) == MAMORI_OK)
			mamori_engine_free(eng);
	} else if (cfg != NULL) {
		die("config_load: error with a configuration");
	}
	if (memchr(err, '\0', sizeof err) == NULL)
		die("error message not terminated");
	return 0;
}
