/*
 * iconv_cache.h - charset converters opened once per thread and reused.
 *
 * glibc's iconv_open() looks the pair up in the gconv module cache, takes
 * a process-wide lock, allocates the conversion steps and, for every
 * charset that is not built in (CP932, EUC-JP-MS, ISO-2022-JP ...),
 * dlopen()s its module; iconv_close() dlclose()s the module again once
 * other modules have been released a couple of times.  Japanese mail
 * converts a dozen short strings per message (headers, encoded-words,
 * parameters, text parts) in two or three charsets, so that set-up was
 * more than half of the scan's time (issue 12, point 10).
 *
 * This module keeps idle converters instead of closing them:
 *  - a per-thread cache (no lock) of up to ICONV_CACHE_THREAD_SLOTS idle
 *    converters keyed by the exact (to, from) names, least recently used
 *    evicted;
 *  - a process-wide pool (one mutex) of up to ICONV_CACHE_POOL_SLOTS idle
 *    converters that a thread's cache is handed to when the thread ends,
 *    so that short-lived threads (libmilter and libmicrohttpd run one per
 *    connection) start warm; a thread misses in its own cache, then tries
 *    the pool, then opens.
 * A converter is reset (iconv(cd, NULL, NULL, NULL, NULL): shift state to
 * the initial one, the "first call" counter cleared) before it is handed
 * out again, so a reused converter behaves as a new one: results are byte
 * for byte those of a fresh iconv_open().  The exception is glibc's
 * UTF-16/UTF-32/UCS/UNICODE decoders, whose byte order learnt from a BOM
 * survives a reset: those are never cached (ICONV_CACHE_PASSTHROUGH).
 *
 * GMime 3.2.13 (Debian 12: g_mime_iconv_open() is iconv_open() on
 * g_mime_charset_iconv_name(), g_mime_iconv_close() is iconv_close(), no
 * cache) and GLib (g_iconv_open, g_convert) call iconv_open() and
 * iconv_close() directly;
 * iconv_cache.c defines those two functions, so that in any executable
 * linking it the dynamic linker binds the libraries' calls to this cache
 * (the executable's definition comes first, as for sigwait() in
 * src/daemon/milter.c).  mamori's own code calls iconv_cache_get/put.
 *
 * Thread safety: any thread may open and close; a converter closed on
 * another thread than the one that opened it goes to the closing thread's
 * cache.  A converter is used by one caller at a time (as iconv(3) asks).
 */
#ifndef MAMORI_MIME_ICONV_CACHE_H
#define MAMORI_MIME_ICONV_CACHE_H

#include <iconv.h>
#include <stdint.h>

#define ICONV_CACHE_THREAD_SLOTS 16
#define ICONV_CACHE_POOL_SLOTS 64

/*
 * A converter from `from` to `to`, reset to its initial state: from this
 * thread's cache, the process pool, or a new one.  (iconv_t)-1 with errno
 * set (EINVAL: unknown pair) on failure.
 */
iconv_t iconv_cache_get(const char *to, const char *from);

/*
 * Give back a converter got with the same (to, from): kept for reuse
 * (or closed if it cannot be).  cd may be (iconv_t)-1 (nothing done).
 */
void iconv_cache_put(iconv_t cd, const char *to, const char *from);

/* What the calling thread did (tests, benchmarks). */
struct iconv_cache_stats {
	uint64_t opened;	/* converters really opened (iconv_open of libc) */
	uint64_t reused;	/* handed out from this thread's cache */
	uint64_t pooled;	/* handed out from the process pool */
	uint64_t closed;	/* really closed (evicted, not cacheable) */
	uint64_t passthrough;	/* pairs never cached (UTF-16 ...) */
};
void iconv_cache_thread_stats(struct iconv_cache_stats *st);

/* Number of converters really opened by all threads since start. */
uint64_t iconv_cache_total_opened(void);

#endif
