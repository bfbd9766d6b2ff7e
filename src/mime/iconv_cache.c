/*
 * iconv_cache.c - see iconv_cache.h for why converters are kept.
 *
 * Design: idle converters live in a per-thread array (GPrivate, freed by
 * its destroy notify when the thread ends: the idle converters go to the
 * process pool or are closed) and in a process pool under one mutex.
 * Busy converters are the caller's.  For the iconv_open()/iconv_close()
 * that libraries call (GMime, GLib), the (to, from) names of each busy
 * converter are kept in a table under a mutex, so that iconv_close() knows
 * where to put it back, whatever thread closes it.
 *
 * Why interposition rather than the alternatives (issue 12, point 10):
 *  - GMime 3.2.13 has no converter cache and no hook for one (its
 *    g_mime_iconv_open is a tail call of iconv_open on
 *    g_mime_charset_iconv_name, g_mime_iconv_close one of iconv_close), and
 *    it converts from the parser, the address and parameter decoders and
 *    g_mime_header_get_value(): decoding everything ourselves instead
 *    would mean re-implementing most of GMime's header handling;
 *  - keeping the gconv modules loaded (holding one converter per module
 *    for the process lifetime) stops the dlopen()/dlclose() but not
 *    iconv_open()'s lookup, allocation and process-wide lock, and needs
 *    the list of every charset GMime might be asked for;
 *  - defining iconv_open()/iconv_close() in the executable is what the
 *    dynamic linker was built for (mamori already does it for libmilter's
 *    sigwait()), covers GMime, GLib and any other library at once, and
 *    keeps iconv's contract: a reused converter is reset, so it converts
 *    as a new one would, and converters glibc cannot fully reset (BOM
 *    byte order of UTF-16/UTF-32) are never reused.
 *
 * Limits: ICONV_CACHE_THREAD_SLOTS idle converters per thread,
 * ICONV_CACHE_POOL_SLOTS in the pool; names longer than KEY_MAX together
 * are not cached.  Memory: a converter is a few hundred bytes (the module
 * text is shared and mapped once).
 */
#include "iconv_cache.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define KEY_MAX 64			/* "to\0from\0" */

struct slot {
	iconv_t cd;
	uint64_t stamp;			/* last use, for LRU eviction */
	size_t klen;
	char key[KEY_MAX];
};

struct tcache {
	struct slot slot[ICONV_CACHE_THREAD_SLOTS];
	unsigned n;
	uint64_t clock;
	struct iconv_cache_stats st;
};

static iconv_t (*real_open)(const char *, const char *);
static int (*real_close)(iconv_t);
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static GMutex pool_lock;
static struct slot pool[ICONV_CACHE_POOL_SLOTS];
static unsigned pool_n;
static uint64_t pool_clock;

static GMutex lent_lock;
static GHashTable *lent;		/* cd -> key (g_malloc'd) */

static atomic_uint_fast64_t total_opened;

static void
real_init(void)
{
	/* the next definitions after this executable's: libc's */
	real_open = (iconv_t (*)(const char *, const char *))dlsym(RTLD_NEXT, "iconv_open");
	real_close = (int (*)(iconv_t))dlsym(RTLD_NEXT, "iconv_close");
	if (real_open == NULL || real_close == NULL) {
		fprintf(stderr, "mamori: iconv_open/iconv_close not found in libc: %s\n",
		    dlerror());
		abort();
	}
}

static void
tcache_free(gpointer p)
{
	struct tcache *tc = p;
	for (unsigned i = 0; i < tc->n; i++) {
		struct slot *s = &tc->slot[i];
		iconv_t evicted = s->cd;
		g_mutex_lock(&pool_lock);
		if (pool_n < ICONV_CACHE_POOL_SLOTS) {
			pool[pool_n] = *s;
			pool[pool_n++].stamp = ++pool_clock;
			evicted = (iconv_t)-1;
		}
		g_mutex_unlock(&pool_lock);
		if (evicted != (iconv_t)-1)
			real_close(evicted);
	}
	g_free(tc);
}

static GPrivate tkey = G_PRIVATE_INIT(tcache_free);

static struct tcache *
tcache(void)
{
	struct tcache *tc = g_private_get(&tkey);
	if (tc == NULL) {
		tc = g_new0(struct tcache, 1);
		g_private_set(&tkey, tc);
	}
	return tc;
}

/*
 * glibc keeps the byte order a UTF-16/UTF-32 (UCS-2, UCS-4, UNICODE)
 * decoder learnt from a BOM in flags that iconv(cd, NULL, ...) does not
 * clear: a reused converter would read the next text in that order.
 */
static bool
keeps_state_across_reset(const char *name)
{
	char n[24];
	size_t k = 0;
	for (const char *s = name; *s != '\0' && k + 1 < sizeof n; s++)
		if (g_ascii_isalnum(*s))
			n[k++] = g_ascii_toupper(*s);
	n[k] = '\0';
	return strncmp(n, "UTF16", 5) == 0 || strncmp(n, "UTF32", 5) == 0 ||
	    strncmp(n, "UCS", 3) == 0 || strncmp(n, "CSUCS", 5) == 0 ||
	    strncmp(n, "WCHAR", 5) == 0 || strstr(n, "UNICODE") != NULL ||
	    strstr(n, "10646") != NULL;
}

/* The cache key of a pair, false if the pair is not to be cached. */
static bool
make_key(const char *to, const char *from, char *key, size_t *klen)
{
	if (to == NULL || from == NULL)
		return false;
	size_t lt = strlen(to), lf = strlen(from);
	if (lt + lf + 2 > KEY_MAX)
		return false;
	if (keeps_state_across_reset(to) || keeps_state_across_reset(from))
		return false;
	memcpy(key, to, lt + 1);
	memcpy(key + lt + 1, from, lf + 1);
	*klen = lt + lf + 2;
	return true;
}

/* Back to the initial state: no shift state, no "first call" pending. */
static void
reset(iconv_t cd)
{
	(void)iconv(cd, NULL, NULL, NULL, NULL);
}

static iconv_t
pool_take(const char *key, size_t klen)
{
	iconv_t cd = (iconv_t)-1;
	g_mutex_lock(&pool_lock);
	for (unsigned i = 0; i < pool_n; i++) {
		if (pool[i].klen == klen && memcmp(pool[i].key, key, klen) == 0) {
			cd = pool[i].cd;
			pool[i] = pool[--pool_n];
			break;
		}
	}
	g_mutex_unlock(&pool_lock);
	return cd;
}

iconv_t
iconv_cache_get(const char *to, const char *from)
{
	char key[KEY_MAX];
	size_t klen;

	pthread_once(&real_once, real_init);
	struct tcache *tc = tcache();
	if (!make_key(to, from, key, &klen)) {
		tc->st.passthrough++;
		return real_open(to, from);
	}
	for (unsigned i = 0; i < tc->n; i++) {
		struct slot *s = &tc->slot[i];
		if (s->klen == klen && memcmp(s->key, key, klen) == 0) {
			iconv_t cd = s->cd;
			*s = tc->slot[--tc->n];
			tc->st.reused++;
			reset(cd);
			return cd;
		}
	}
	iconv_t cd = pool_take(key, klen);
	if (cd != (iconv_t)-1) {
		tc->st.pooled++;
		reset(cd);
		return cd;
	}
	cd = real_open(to, from);
	if (cd != (iconv_t)-1) {
		tc->st.opened++;
		atomic_fetch_add(&total_opened, 1);
	}
	return cd;
}

static void
put_key(iconv_t cd, const char *key, size_t klen)
{
	struct tcache *tc = tcache();
	struct slot *s;
	if (tc->n < ICONV_CACHE_THREAD_SLOTS) {
		s = &tc->slot[tc->n++];
	} else {
		/* full: the least recently used one goes */
		s = &tc->slot[0];
		for (unsigned i = 1; i < tc->n; i++)
			if (tc->slot[i].stamp < s->stamp)
				s = &tc->slot[i];
		real_close(s->cd);
		tc->st.closed++;
	}
	s->cd = cd;
	s->stamp = ++tc->clock;
	s->klen = klen;
	memcpy(s->key, key, klen);
}

void
iconv_cache_put(iconv_t cd, const char *to, const char *from)
{
	char key[KEY_MAX];
	size_t klen;

	if (cd == (iconv_t)-1)
		return;
	pthread_once(&real_once, real_init);
	if (!make_key(to, from, key, &klen)) {
		real_close(cd);
		tcache()->st.closed++;
		return;
	}
	put_key(cd, key, klen);
}

void
iconv_cache_thread_stats(struct iconv_cache_stats *st)
{
	*st = tcache()->st;
}

uint64_t
iconv_cache_total_opened(void)
{
	return (uint64_t)atomic_load(&total_opened);
}

/* ---- the libraries' iconv_open()/iconv_close() ------------------------ */

iconv_t
iconv_open(const char *to, const char *from)
{
	char key[KEY_MAX];
	size_t klen;

	iconv_t cd = iconv_cache_get(to, from);
	if (cd == (iconv_t)-1 || !make_key(to, from, key, &klen))
		return cd;
	g_mutex_lock(&lent_lock);
	if (lent == NULL)
		lent = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	g_hash_table_insert(lent, cd, g_memdup2(key, klen));
	g_mutex_unlock(&lent_lock);
	return cd;
}

int
iconv_close(iconv_t cd)
{
	char *key = NULL;

	pthread_once(&real_once, real_init);
	g_mutex_lock(&lent_lock);
	if (lent != NULL)
		g_hash_table_steal_extended(lent, cd, NULL, (gpointer *)&key);
	g_mutex_unlock(&lent_lock);
	if (key == NULL)	/* not cacheable, or not opened here */
		return real_close(cd);
	size_t lt = strlen(key);
	put_key(cd, key, lt + 1 + strlen(key + lt + 1) + 1);
	g_free(key);
	return 0;
}
