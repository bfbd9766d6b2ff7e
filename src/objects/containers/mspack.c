/*
 * mspack.c - CHM (Compiled HTML Help, a classic dropper: HTML and script
 * that the help viewer runs with local rights), SZDD and KWAJ (MS-DOS
 * COMPRESS.EXE: SETUP.EX_ and friends), on libmspack.
 *
 * libmspack reads and writes through a struct mspack_system of I/O
 * callbacks that open "files" by name.  Ours has two names: IN_NAME, the
 * object's bytes in memory (read-only, any number of handles, every read
 * and seek bounded by its length), and OUT_NAME, the sink of the child
 * being extracted.  Nothing else can be opened: no temporary file, no
 * access to the file system.  A write that a limit refuses fails, which
 * makes libmspack stop the extraction.  Allocations above ALLOC_MAX are
 * refused, and the others are zeroed (see m_alloc).  libmspack's warnings become the object's error text.
 *
 * CHM: every file of the directory becomes a child (OBJ_FROM_ARCHIVE),
 * named without its leading '/', except directories and the help
 * compiler's own index files (/#SYSTEM, /#TOPICS, /$FIftiMain, ...: see
 * chm_internal); the ::DataSpace storage files are never listed by
 * libmspack.  Unknown /# and /$ names are kept, since a payload can hide
 * there and still be reached with ms-its:.  Files are extracted in the
 * order of their place in the LZX stream, so the stream is decoded once;
 * a file placed after limits.stream_bytes of decoding is a bomb.
 *
 * SZDD and KWAJ: the one stream is a child (OBJ_FROM_STREAM) named like
 * the original: KWAJ's stored name, or the container's name with the
 * trailing '_' given back its letter (SZDD's missing character) or the
 * .szdd/.kwaj suffix taken off.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mspack.h>

#include "containers.h"
#include "objects/filetype.h"
#include "objects/tree_api.h"

#define IN_NAME "mamori:in"
#define OUT_NAME "mamori:out"
#define ALLOC_MAX (256u * 1024u * 1024u)
#define MSG_MAX 200

struct memsys {
	struct mspack_system sys;	/* first: libmspack passes &sys back */
	const uint8_t *in;
	size_t inlen;
	struct cwalk *w;
	struct sink *sink;	/* OUT_NAME, while a child is extracted */
	struct mobj *child;
	bool refused;		/* a limit refused a write */
	char msg[MSG_MAX];	/* last warning */
};

struct memfile {
	struct memsys *ms;
	bool out;
	size_t pos;
};

static struct mspack_file *
m_open(struct mspack_system *self, const char *name, int mode)
{
	struct memsys *ms = (struct memsys *)self;
	bool out;

	if (mode == MSPACK_SYS_OPEN_READ && strcmp(name, IN_NAME) == 0)
		out = false;
	else if (mode == MSPACK_SYS_OPEN_WRITE && strcmp(name, OUT_NAME) == 0 &&
	    ms->sink != NULL)
		out = true;
	else
		return NULL;
	struct memfile *f = g_new0(struct memfile, 1);
	f->ms = ms;
	f->out = out;
	return (struct mspack_file *)f;
}

static void
m_close(struct mspack_file *file)
{
	g_free(file);
}

static int
m_read(struct mspack_file *file, void *buf, int bytes)
{
	struct memfile *f = (struct memfile *)file;

	if (f->out || bytes < 0)
		return -1;
	size_t n = MIN((size_t)bytes, f->ms->inlen - f->pos);
	memcpy(buf, f->ms->in + f->pos, n);
	f->pos += n;
	return (int)n;
}

static int
m_write(struct mspack_file *file, void *buf, int bytes)
{
	struct memfile *f = (struct memfile *)file;
	struct memsys *ms = f->ms;

	if (!f->out || bytes < 0 || ms->refused)
		return -1;
	enum sink_stop st = sink_write(ms->sink, buf, (size_t)bytes);
	if (!cwalk_wrote(ms->w, ms->child, st)) {
		ms->refused = true;
		return -1;
	}
	return bytes;
}

static int
m_seek(struct mspack_file *file, off_t off, int mode)
{
	struct memfile *f = (struct memfile *)file;
	off_t base;

	if (f->out)
		return -1;
	switch (mode) {
	case MSPACK_SYS_SEEK_START: base = 0; break;
	case MSPACK_SYS_SEEK_CUR: base = (off_t)f->pos; break;
	case MSPACK_SYS_SEEK_END: base = (off_t)f->ms->inlen; break;
	default: return -1;
	}
	if (off < -base || off > (off_t)f->ms->inlen - base)
		return -1;
	f->pos = (size_t)(base + off);
	return 0;
}

static off_t
m_tell(struct mspack_file *file)
{
	return (off_t)((struct memfile *)file)->pos;
}

__attribute__((format(printf, 2, 3)))
static void
m_message(struct mspack_file *file, const char *fmt, ...)
{
	va_list ap;

	if (file == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(((struct memfile *)file)->ms->msg, MSG_MAX, fmt, ap);
	va_end(ap);
}

static void *
m_alloc(struct mspack_system *self, size_t bytes)
{
	(void)self;
	/* zeroed: libmspack 0.11's KWAJ reader frees header fields it never
	 * set when the header is cut short (an invalid free without this) */
	return bytes <= ALLOC_MAX ? g_try_malloc0(bytes != 0 ? bytes : 1) : NULL;
}

static void
m_free(void *p)
{
	g_free(p);
}

static void
m_copy(void *src, void *dst, size_t bytes)
{
	memcpy(dst, src, bytes);
}

static bool
mspack_usable(void)
{
	static gsize once;
	static int ok;

	if (g_once_init_enter(&once)) {
		int r;
		MSPACK_SYS_SELFTEST(r);
		ok = r == MSPACK_ERR_OK ? 1 : 2;
		g_once_init_leave(&once, 1);
	}
	return ok == 1;
}

static void
memsys_init(struct memsys *ms, struct cwalk *w)
{
	memset(ms, 0, sizeof *ms);
	ms->sys.open = m_open;
	ms->sys.close = m_close;
	ms->sys.read = m_read;
	ms->sys.write = m_write;
	ms->sys.seek = m_seek;
	ms->sys.tell = m_tell;
	ms->sys.message = m_message;
	ms->sys.alloc = m_alloc;
	ms->sys.free = m_free;
	ms->sys.copy = m_copy;
	ms->in = w->o->data;
	ms->inlen = w->o->len;
	ms->w = w;
}

static const char *
err_text(int e)
{
	switch (e) {
	case MSPACK_ERR_OK: return "ok";
	case MSPACK_ERR_ARGS: return "bad arguments";
	case MSPACK_ERR_OPEN: return "cannot open";
	case MSPACK_ERR_READ: return "read error (truncated?)";
	case MSPACK_ERR_WRITE: return "write refused";
	case MSPACK_ERR_SEEK: return "seek out of bounds (truncated?)";
	case MSPACK_ERR_NOMEMORY: return "out of memory";
	case MSPACK_ERR_SIGNATURE: return "bad signature";
	case MSPACK_ERR_DATAFORMAT: return "bad data format";
	case MSPACK_ERR_CHECKSUM: return "checksum error";
	case MSPACK_ERR_DECRUNCH: return "decompression error";
	default: return "error";
	}
}

/* Record libmspack's error e on o (the last warning, if any, says more). */
static void
fail(struct memsys *ms, struct mobj *o, const char *what, int e, unsigned flags)
{
	char *s = ms->msg[0] != '\0' ? g_strdup_printf("%s: %s (%s)", what, err_text(e), ms->msg)
	    : g_strdup_printf("%s: %s", what, err_text(e));
	cwalk_fail(o, flags, s);
	g_free(s);
	ms->msg[0] = '\0';
}

/*
 * Extract one child through the sink: run(ctx) calls libmspack's extract
 * with OUT_NAME.  A refused write is a limit (already recorded), not
 * damage.
 */
typedef int (*extract_fn)(void *ctx);

static void
extract_child(struct memsys *ms, struct mobj *c, const char *what, extract_fn run,
    void *ctx, unsigned fail_flags)
{
	struct sink *s = g_new(struct sink, 1);

	sink_init(s, ms->w->t, c, false);
	ms->sink = s;
	ms->child = c;
	ms->refused = false;
	int e = run(ctx);
	bool complete = e == MSPACK_ERR_OK && !ms->refused;
	if (e != MSPACK_ERR_OK && !ms->refused)
		fail(ms, c, what, e, fail_flags);
	sink_finish(s, complete);
	ms->sink = NULL;
	ms->child = NULL;
	g_free(s);
	cwalk_done(ms->w, c);
}

/* ---- CHM ---- */

static bool
chm_internal(const char *name)
{
	static const char *const sys[] = { "/#SYSTEM", "/#TOPICS", "/#URLTBL",
	    "/#URLSTR", "/#STRINGS", "/#IDXHDR", "/#IVB", "/#TOCIDX", "/#WINDOWS",
	    "/#ITBITS", "/#SUBSETS", "/#TOCIDX", "/$FIftiMain", "/$OBJINST", NULL };
	static const char *const dirs[] = { "/$WWAssociativeLinks/",
	    "/$WWKeywordLinks/", NULL };

	for (size_t i = 0; sys[i] != NULL; i++)
		if (strcmp(name, sys[i]) == 0)
			return true;
	for (size_t i = 0; dirs[i] != NULL; i++)
		if (strncmp(name, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

static int
chm_file_cmp(const void *a, const void *b)
{
	const struct mschmd_file *x = *(struct mschmd_file *const *)a;
	const struct mschmd_file *y = *(struct mschmd_file *const *)b;

	if (x->section->id != y->section->id)
		return x->section->id < y->section->id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

struct chm_job {
	struct mschm_decompressor *d;
	struct mschmd_file *f;
};

static int
chm_run(void *ctx)
{
	struct chm_job *j = ctx;

	return j->d->extract(j->d, j->f, OUT_NAME);
}

static void
chm_unpack(struct memsys *ms, struct cwalk *w)
{
	struct mschm_decompressor *d = mspack_create_chm_decompressor(&ms->sys);
	struct mobj *o = w->o;

	if (d == NULL) {
		cwalk_fail(o, OBJ_UNSUPPORTED, "CHM: no decompressor");
		return;
	}
	struct mschmd_header *chm = d->open(d, IN_NAME);
	if (chm == NULL) {
		fail(ms, o, "CHM", d->last_error(d), OBJ_DAMAGED);
		mspack_destroy_chm_decompressor(d);
		return;
	}
	GPtrArray *files = g_ptr_array_new();
	for (struct mschmd_file *f = chm->files; f != NULL; f = f->next) {
		size_t nlen = strlen(f->filename);
		if (nlen == 0 || f->filename[nlen - 1] == '/' || chm_internal(f->filename))
			continue;
		g_ptr_array_add(files, f);
	}
	g_ptr_array_sort(files, chm_file_cmp);
	const struct obj_limits *lim = w->t->lim;
	for (guint i = 0; i < files->len; i++) {
		struct mschmd_file *f = g_ptr_array_index(files, i);
		if (!cwalk_go(w))
			break;
		const char *n = f->filename[0] == '/' ? f->filename + 1 : f->filename;
		struct mobj *c = cwalk_child(w, (const uint8_t *)n, strlen(n), OBJ_FROM_ARCHIVE);
		if (c == NULL)
			break;
		if (f->section->id == 1 && (uint64_t)f->offset >
		    (lim->stream_bytes > w->t->streamed_bytes ?
		    lim->stream_bytes - w->t->streamed_bytes : 0)) {
			/* decoding up to it would pass the stream limit */
			obj_tree_hit(w->t, OBJ_LIMIT_STREAMED, c->path);
			c->flags |= OBJ_BOMB | OBJ_TRUNCATED;
			o->flags |= OBJ_BOMB;
			w->t->stopped = true;
			break;
		}
		struct chm_job j = { d, f };
		extract_child(ms, c, "CHM", chm_run, &j, OBJ_DAMAGED);
	}
	if (o->children->len == 0 && o->error == NULL && files->len > 0 &&
	    !w->stop && !w->t->stopped)
		cwalk_fail(o, OBJ_DAMAGED, "CHM: nothing could be extracted");
	g_ptr_array_free(files, TRUE);
	d->close(d, chm);
	mspack_destroy_chm_decompressor(d);
}

/* ---- SZDD and KWAJ ---- */

/* "SETUP.EX_" + 'E' -> "SETUP.EXE"; "a.exe.szdd" -> "a.exe". */
static char *
stream_name(const struct mobj *o, char missing, const char *sfx)
{
	const char *n = o->name != NULL ? o->name : "data";
	size_t len = strlen(n), k = strlen(sfx);

	if (len > 1 && n[len - 1] == '_' && missing != '\0' && g_ascii_isprint(missing)) {
		char *s = g_strdup(n);
		s[len - 1] = g_ascii_isupper(n[len - 2]) ? g_ascii_toupper(missing)
		    : g_ascii_tolower(missing);
		return s;
	}
	if (len > k && g_ascii_strcasecmp(n + len - k, sfx) == 0)
		return g_strndup(n, len - k);
	return g_strconcat(n, ".data", NULL);
}

/*
 * The LZSS stream has no end marker: libmspack stops at the end of the
 * input, so a cut file decompresses "fine" to less than the header says.
 */
static void
short_stream(struct mobj *c, uint64_t declared, const char *what)
{
	if (c->flags & (OBJ_DAMAGED | OBJ_TRUNCATED | OBJ_BOMB) || c->size == declared)
		return;
	char *e = g_strdup_printf("%s: %llu bytes, the header says %llu", what,
	    (unsigned long long)c->size, (unsigned long long)declared);
	cwalk_fail(c, OBJ_DAMAGED, e);
	g_free(e);
}

struct szdd_job {
	struct msszdd_decompressor *d;
	struct msszddd_header *h;
};

static int
szdd_run(void *ctx)
{
	struct szdd_job *j = ctx;

	return j->d->extract(j->d, j->h, OUT_NAME);
}

static void
szdd_unpack(struct memsys *ms, struct cwalk *w)
{
	struct msszdd_decompressor *d = mspack_create_szdd_decompressor(&ms->sys);
	struct mobj *o = w->o;

	if (d == NULL) {
		cwalk_fail(o, OBJ_UNSUPPORTED, "SZDD: no decompressor");
		return;
	}
	struct msszddd_header *h = d->open(d, IN_NAME);
	if (h == NULL) {
		fail(ms, o, "SZDD", d->last_error(d), OBJ_DAMAGED);
		mspack_destroy_szdd_decompressor(d);
		return;
	}
	char *name = stream_name(o, h->missing_char, ".szdd");
	struct mobj *c = cwalk_child(w, (const uint8_t *)name, strlen(name), OBJ_FROM_STREAM);
	g_free(name);
	if (c != NULL) {
		struct szdd_job j = { d, h };
		extract_child(ms, c, "SZDD", szdd_run, &j, OBJ_DAMAGED);
		short_stream(c, (uint64_t)h->length, "SZDD");
	}
	d->close(d, h);
	mspack_destroy_szdd_decompressor(d);
}

struct kwaj_job {
	struct mskwaj_decompressor *d;
	struct mskwajd_header *h;
};

static int
kwaj_run(void *ctx)
{
	struct kwaj_job *j = ctx;

	return j->d->extract(j->d, j->h, OUT_NAME);
}

static void
kwaj_unpack(struct memsys *ms, struct cwalk *w)
{
	struct mskwaj_decompressor *d = mspack_create_kwaj_decompressor(&ms->sys);
	struct mobj *o = w->o;

	if (d == NULL) {
		cwalk_fail(o, OBJ_UNSUPPORTED, "KWAJ: no decompressor");
		return;
	}
	struct mskwajd_header *h = d->open(d, IN_NAME);
	if (h == NULL) {
		fail(ms, o, "KWAJ", d->last_error(d), OBJ_DAMAGED);
		mspack_destroy_kwaj_decompressor(d);
		return;
	}
	char *name = h->filename != NULL && h->filename[0] != '\0' ? g_strdup(h->filename)
	    : stream_name(o, '\0', ".kwaj");
	struct mobj *c = cwalk_child(w, (const uint8_t *)name, strlen(name), OBJ_FROM_STREAM);
	g_free(name);
	if (c != NULL) {
		/* 0 none, 1 xor, 2 szdd, 3 lzh, 4 mszip: anything else is unknown */
		unsigned fl = h->comp_type > MSKWAJ_COMP_MSZIP ? OBJ_UNSUPPORTED : OBJ_DAMAGED;
		struct kwaj_job j = { d, h };
		extract_child(ms, c, "KWAJ", kwaj_run, &j, fl);
		if (h->headers & MSKWAJ_HDR_HASLENGTH)
			short_stream(c, (uint64_t)h->length, "KWAJ");
	}
	d->close(d, h);
	mspack_destroy_kwaj_decompressor(d);
}

void
mspack_unpack(struct obj_tree *t, struct mobj *o)
{
	struct cwalk w;
	struct memsys *ms;
	const char *type = o->type->name;

	cwalk_init(&w, t, o);
	if (!mspack_usable()) {
		cwalk_fail(o, OBJ_UNSUPPORTED, "libmspack: incompatible build");
		return;
	}
	ms = g_new(struct memsys, 1);
	memsys_init(ms, &w);
	if (strcmp(type, "chm") == 0) {
		g_free(o->container);
		o->container = g_strdup("CHM");
		chm_unpack(ms, &w);
	} else if (strcmp(type, "szdd") == 0) {
		g_free(o->container);
		o->container = g_strdup("SZDD");
		szdd_unpack(ms, &w);
	} else if (strcmp(type, "kwaj") == 0) {
		g_free(o->container);
		o->container = g_strdup("KWAJ");
		kwaj_unpack(ms, &w);
	}
	g_free(ms);
}
