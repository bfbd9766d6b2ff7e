/*
 * unpack.c - build the object tree of a message (object.h): the tree
 * driver.
 *
 * The roots are the message's attachments and attached messages.  Each
 * object's true type decides how it is opened and analysed, through two
 * registries of the same kind (tree_api.h): the containers
 * (containers/registry.c: libarchive, libmspack, mail files on GMime)
 * open it into children, then the document analysers
 * (documents/documents.c) look inside it.  What comes out is unpacked in
 * turn, depth first, until a limit says stop.  A limit never passes
 * silently: it is recorded in tree->hits (the objects check turns those
 * into symbols) and on the object it stopped at.  The driver knows no
 * format by name.
 */
#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>

#include "filetype.h"
#include "html/extract.h"
#include "mime/charset.h"
#include "mime/message.h"
#include "sink.h"
#include "unpack.h"
#include "util/text.h"

#define NAME_MAX_BYTES 1024

const char *
obj_limit_name(enum obj_limit l)
{
	switch (l) {
	case OBJ_LIMIT_DEPTH: return "unpack_depth";
	case OBJ_LIMIT_OBJECTS: return "objects";
	case OBJ_LIMIT_OBJECT_BYTES: return "object_bytes";
	case OBJ_LIMIT_UNPACKED: return "unpacked_bytes";
	case OBJ_LIMIT_STREAMED: return "stream_bytes";
	case OBJ_LIMIT_RATIO: return "compression_ratio";
	case OBJ_LIMIT_TIME: return "scan_time";
	case OBJ_LIMIT_OVERLAP: return "overlapping_entries";
	case OBJ_LIMIT_PASSWORDS: return "ppap_attempts";
	case OBJ_LIMIT_NAMES: return "listed_names";
	case OBJ_LIMIT_DEOBFUSCATION: return "deobfuscation";
	case OBJ_LIMIT_COUNT: break;
	}
	return "?";
}

const char *
obj_origin_name(enum obj_origin o)
{
	switch (o) {
	case OBJ_FROM_MIME: return "mime";
	case OBJ_FROM_ARCHIVE: return "archive";
	case OBJ_FROM_STREAM: return "stream";
	case OBJ_FROM_MAIL_FILE: return "mail_file";
	case OBJ_FROM_EMBEDDED: return "embedded";
	}
	return "?";
}

void
obj_hex(const uint8_t *d, size_t n, char *buf)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hex[d[i] >> 4];
		buf[2 * i + 1] = hex[d[i] & 15];
	}
	buf[2 * n] = '\0';
}

static void
mobj_free(gpointer p)
{
	struct mobj *o = p;

	g_ptr_array_unref(o->children);
	g_free(o->name);
	g_free(o->path);
	g_free(o->declared_type);
	g_free(o->container);
	g_free(o->cipher);
	g_free(o->error);
	g_free(o->owned);
	if (o->facts != NULL) {
		for (guint i = 0; i < o->facts->len; i++)
			g_free(g_array_index(o->facts, struct obj_fact, i).detail);
		g_array_free(o->facts, TRUE);
	}
	if (o->urls != NULL)
		g_ptr_array_unref(o->urls);
	if (o->iocs != NULL)
		g_ptr_array_unref(o->iocs);
	html_doc_free(o->html);
	g_free(o);
}

const char *
obj_fact_name(enum obj_fact_id id)
{
	static const char *const names[] = {
#define OBJ_FACT_NAME_(name) [OBJ_FACT_##name] = #name,
		OBJ_FACTS(OBJ_FACT_NAME_)
#undef OBJ_FACT_NAME_
	};

	return (unsigned)id < G_N_ELEMENTS(names) ? names[id] : "?";
}

void
obj_fact(struct mobj *o, enum obj_fact_id id, const char *fmt, ...)
{
	char *detail = NULL;

	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		char *d = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		detail = text_clean_copy(d, strlen(d), 200);
		g_free(d);
	}
	if (o->facts == NULL)
		o->facts = g_array_new(FALSE, FALSE, sizeof(struct obj_fact));
	for (guint i = 0; i < o->facts->len; i++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, i);
		if (f->id == id && g_strcmp0(f->detail, detail) == 0) {
			g_free(detail);
			return;
		}
	}
	if (o->facts->len >= OBJ_FACTS_MAX) {
		g_free(detail);
		return;
	}
	struct obj_fact f = { .id = id, .detail = detail };
	g_array_append_val(o->facts, f);
}

bool
obj_has_fact(const struct mobj *o, enum obj_fact_id id)
{
	for (guint i = 0; o->facts != NULL && i < o->facts->len; i++)
		if (g_array_index(o->facts, struct obj_fact, i).id == id)
			return true;
	return false;
}

void
obj_url(struct mobj *o, const char *url, size_t len)
{
	if (o->urls == NULL)
		o->urls = g_ptr_array_new_with_free_func(g_free);
	if (o->urls->len >= OBJ_URLS_MAX) {
		o->urls_dropped++;
		return;
	}
	char *u = text_clean_copy(url, len, 2048);
	for (guint i = 0; i < o->urls->len; i++) {
		if (strcmp(g_ptr_array_index(o->urls, i), u) == 0) {
			g_free(u);
			return;
		}
	}
	g_ptr_array_add(o->urls, u);
}

/* A byte that may be part of a URL written in code or text: printable
 * ASCII but for blanks, quotes, angle brackets, parentheses, backquote
 * and backslash (what ends a string or an argument around it). */
static bool
url_char(char c)
{
	return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f && c != '"' &&
	    c != '\'' && c != '<' && c != '>' && c != '(' && c != ')' && c != '`' &&
	    c != '\\';
}

unsigned
obj_text_urls(const char *text, size_t len, unsigned max,
    void (*fn)(const char *url, size_t len, void *arg), void *arg)
{
	static const char *const schemes[] = { "http://", "https://", "ftp://", NULL };
	unsigned count = 0;

	for (size_t i = 0; i < len && count < max; i++) {
		char c = g_ascii_tolower(text[i]);
		if (c != 'h' && c != 'f')
			continue;
		size_t sl = 0;
		for (size_t s = 0; schemes[s] != NULL && sl == 0; s++) {
			size_t l = strlen(schemes[s]);
			if (len - i >= l && g_ascii_strncasecmp(text + i, schemes[s], l) == 0)
				sl = l;
		}
		if (sl == 0)
			continue;
		size_t e = i + sl;
		while (e < len && url_char(text[e]) && e - i < 2048)
			e++;
		/* punctuation that ends a sentence is not part of the URL */
		while (e > i + sl && strchr(".,;:!?", text[e - 1]) != NULL)
			e--;
		if (e > i + sl + 1) {
			fn(text + i, e - i, arg);
			count++;
		}
		i = e > i ? e - 1 : i;
	}
	return count;
}

static void
url_to_obj(const char *url, size_t len, void *arg)
{
	obj_url(arg, url, len);
}

unsigned
obj_urls_in_text(struct mobj *o, const char *text, size_t len)
{
	return obj_text_urls(text, len, OBJ_URLS_MAX + 1, url_to_obj, o);
}

static void
ioc_free(gpointer p)
{
	struct obj_ioc *i = p;
	g_free(i->value);
	g_free(i);
}

void
obj_ioc(struct mobj *o, const char *kind, const char *value, size_t len, const char *how)
{
	if (o->iocs == NULL)
		o->iocs = g_ptr_array_new_with_free_func(ioc_free);
	if (o->iocs->len >= OBJ_IOCS_MAX || len == 0)
		return;
	char *v = text_clean_copy(value, len, OBJ_IOC_BYTES);
	for (guint i = 0; i < o->iocs->len; i++) {
		const struct obj_ioc *x = o->iocs->pdata[i];
		if (strcmp(x->kind, kind) == 0 && strcmp(x->value, v) == 0) {
			g_free(v);
			return;
		}
	}
	struct obj_ioc *x = g_new(struct obj_ioc, 1);
	x->kind = kind;
	x->value = v;
	x->how = how;
	g_ptr_array_add(o->iocs, x);
}

static void
message_free(gpointer p)
{
	mime_message_free(p);
}

/*
 * A path fit to show in a report, a log line or a terminal: bidi controls
 * and invisible characters (a right-to-left override turns "fdp.exe" into
 * "exe.pdf" on screen) are written as \uXXXX.  Everything else, Japanese
 * included, stays as it is.
 */
static bool
invisible(gunichar c)
{
	return (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x2069) || c == 0x061c || c == 0xfeff;
}

static char *
display_path(const char *path)
{
	if (path == NULL)
		return NULL;
	GString *s = g_string_sized_new(strlen(path));
	for (const char *p = path; *p != '\0';) {
		gunichar c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(s, "\\x%02x", (unsigned char)*p++);
			continue;
		}
		const char *next = g_utf8_next_char(p);
		if (invisible(c))
			g_string_append_printf(s, "\\u%04x", (unsigned)c);
		else
			g_string_append_len(s, p, next - p);
		p = next;
	}
	return g_string_free(s, FALSE);
}

bool
unpack_name_beyond(struct obj_tree *t, const char *name, const char *path)
{
	if (t->beyond->len >= t->lim->names) {
		obj_tree_hit(t, OBJ_LIMIT_NAMES, path);
		return false;
	}
	struct mime_name *n = g_new(struct mime_name, 1);
	n->name = g_strdup(name);
	n->path = display_path(path);
	g_ptr_array_add(t->beyond, n);
	return true;
}

struct mobj *
unpack_new_object(struct obj_tree *t, struct mobj *parent, enum obj_origin origin,
    const char *name, const char *path)
{
	if (t->all->len >= t->lim->objects) {
		obj_tree_hit(t, OBJ_LIMIT_OBJECTS, parent != NULL ? parent->path : "");
		if (name != NULL)
			unpack_name_beyond(t, name, path);
		return NULL;
	}
	struct mobj *o = g_new0(struct mobj, 1);
	o->id = t->all->len;
	o->children = g_ptr_array_new();
	o->origin = origin;
	o->parent = parent;
	o->depth = parent != NULL ? parent->depth + 1 : 0;
	o->name = g_strdup(name);
	o->path = display_path(path);
	g_ptr_array_add(t->all, o);
	if (parent != NULL)
		g_ptr_array_add(parent->children, o);
	else
		g_ptr_array_add(t->roots, o);
	return o;
}

char *
unpack_clean_name(const uint8_t *raw, size_t len)
{
	char *u = NULL;

	if (!g_utf8_validate((const char *)raw, (gssize)len, NULL))
		u = charset_to_utf8(NULL, raw, len, "CP932", NULL, NULL, NULL);
	char *out = text_clean_copy(u != NULL ? u : (const char *)raw,
	    u != NULL ? strlen(u) : len, NAME_MAX_BYTES);
	g_free(u);
	return out;
}

void
unpack_identify(struct mobj *o)
{
	if (o->flags & OBJ_ENCRYPTED)
		return;
	o->type = ftype_detect(o->data, o->len, o->size, NULL, 0);
}

static void add_mime_parts(struct obj_tree *t, const struct mime_message *msg,
    struct mobj *parent, enum obj_origin origin);

void
unpack_add_message(struct obj_tree *t, struct mobj *o, struct mime_message *m)
{
	g_ptr_array_add(t->messages, m);
	add_mime_parts(t, m, o, OBJ_FROM_MAIL_FILE);
}

/* May o be opened?  The depth and time limits, recorded when they stop it. */
bool
open_allowed(struct obj_tree *t, struct mobj *o)
{
	if (o->depth + 1 > t->lim->depth) {
		o->flags |= OBJ_NOT_UNPACKED;
		obj_tree_hit(t, OBJ_LIMIT_DEPTH, o->path);
		return false;
	}
	if (obj_tree_expired(t)) {
		o->flags |= OBJ_NOT_UNPACKED;
		obj_tree_hit(t, OBJ_LIMIT_TIME, o->path);
		return false;
	}
	return true;
}

/* The first row of a registry that takes o (tree_api.h), or NULL. */
static const struct obj_handler *
handler_for(const struct obj_handler *tab, const struct obj_tree *t,
    const struct mobj *o)
{
	for (const struct obj_handler *h = tab; h->run != NULL; h++) {
		if (h->type != NULL && strcmp(h->type, o->type->name) != 0)
			continue;
		if (h->ftflags != 0 && !(h->ftflags & o->type->flags))
			continue;
		if (h->takes != NULL && !h->takes(t, o))
			continue;
		return h;
	}
	return NULL;
}

void
unpack_object(struct obj_tree *t, struct mobj *o)
{
	if (o->type == NULL || (o->flags & (OBJ_ENCRYPTED | OBJ_NOT_UNPACKED)) ||
	    o->len == 0)
		return;
	const struct obj_handler *c = handler_for(obj_containers, t, o);
	if (c != NULL && !t->stopped && open_allowed(t, o))
		c->run(t, o);
	/* after unpacking: an OOXML analyser reads the parts it finds */
	if (o->data == NULL || (o->flags & OBJ_ENCRYPTED) || t->stopped)
		return;
	const struct obj_handler *a = handler_for(obj_analysers, t, o);
	if (a != NULL)
		a->run(t, o);
}

static struct mobj *
mime_object(struct obj_tree *t, const struct mime_part *p, struct mobj *parent,
    enum obj_origin origin)
{
	char *path;

	if (origin == OBJ_FROM_MIME || parent == NULL)
		path = g_strdup(p->path);
	else
		path = g_strconcat(parent->path, "/", p->path, NULL);
	struct mobj *o = unpack_new_object(t, parent, origin, p->filename, path);
	g_free(path);
	if (o == NULL)
		return NULL;
	o->part = p;
	o->declared_type = g_strdup(p->type);
	if (p->kind == MIME_PART_MESSAGE) {
		o->type = ftype_by_name("email");
		return o;
	}
	sink_borrowed(t, o, p->data, p->len);
	if (p->truncated) {
		/* cut by limits.decoded_bytes: a hash of part of it would lie */
		o->flags |= OBJ_TRUNCATED;
		o->hashed = false;
	}
	unpack_identify(o);
	return o;
}

static bool
part_is_object(const struct mime_part *p)
{
	return p->kind == MIME_PART_ATTACHMENT || p->kind == MIME_PART_MESSAGE;
}

/* The attachments of a message, under parent (NULL: roots). */
static void
add_mime_parts(struct obj_tree *t, const struct mime_message *msg,
    struct mobj *parent, enum obj_origin origin)
{
	guint n = msg->parts->len;
	struct mobj **of = g_new0(struct mobj *, n);

	/* parts past limits.parts or limits.depth: their names only */
	for (guint i = 0; i < msg->names_beyond->len; i++) {
		const struct mime_name *nb = g_ptr_array_index(msg->names_beyond, i);
		char *path = parent != NULL ? g_strconcat(parent->path, "/", nb->path, NULL)
		    : g_strdup(nb->path);
		bool more = unpack_name_beyond(t, nb->name, path);
		g_free(path);
		if (!more)
			break;
	}

	for (guint i = 0; i < n; i++) {
		const struct mime_part *p = g_ptr_array_index(msg->parts, i);
		if (!part_is_object(p))
			continue;
		/* the nearest enclosing attached message, if any */
		struct mobj *up = parent;
		for (const struct mime_part *a = p->parent; a != NULL; a = a->parent) {
			if (a->kind == MIME_PART_MESSAGE) {
				up = of[a->index] != NULL ? of[a->index] : parent;
				break;
			}
		}
		if (up != NULL && up->depth + 1 > t->lim->depth) {
			up->flags |= OBJ_NOT_UNPACKED;
			obj_tree_hit(t, OBJ_LIMIT_DEPTH, up->path);
			continue;
		}
		/* (past limits.objects: NULL, and the name is listed; the parts
		 * are parsed already, so listing the rest costs nothing) */
		struct mobj *o = mime_object(t, p, up, origin);
		if (o == NULL)
			continue;
		of[i] = o;
		unpack_object(t, o);
	}
	g_free(of);
}

struct obj_tree *
obj_tree_new(const struct obj_limits *lim)
{
	struct obj_tree *t = g_new0(struct obj_tree, 1);

	t->all = g_ptr_array_new_with_free_func(mobj_free);
	t->roots = g_ptr_array_new();
	t->hits = g_array_new(FALSE, FALSE, sizeof(struct obj_limit_hit));
	t->messages = g_ptr_array_new_with_free_func(message_free);
	t->beyond = g_ptr_array_new_with_free_func(mime_name_free);
	t->lim = lim;
	return t;
}

struct obj_tree *
obj_tree_build(const struct mime_message *msg, const struct obj_limits *lim)
{
	struct obj_tree *t = obj_tree_new(lim);

	add_mime_parts(t, msg, NULL, OBJ_FROM_MIME);
	return t;
}

struct obj_tree *
obj_tree_build_file(const char *name, const uint8_t *p, size_t len,
    const struct obj_limits *lim)
{
	struct obj_tree *t = obj_tree_new(lim);
	struct mobj *o = unpack_new_object(t, NULL, OBJ_FROM_MIME, name, name);

	if (o != NULL) {
		sink_borrowed(t, o, p, len);
		unpack_identify(o);
		unpack_object(t, o);
	}
	return t;
}

void
obj_tree_free(struct obj_tree *t)
{
	if (t == NULL)
		return;
	g_ptr_array_unref(t->roots);
	g_ptr_array_unref(t->all);
	for (guint i = 0; i < t->hits->len; i++)
		g_free(g_array_index(t->hits, struct obj_limit_hit, i).where);
	g_array_free(t->hits, TRUE);
	g_ptr_array_unref(t->messages);
	g_ptr_array_unref(t->beyond);
	g_free(t);
	/*
	 * OpenSSL 3 (offcrypto.c, libarchive's zip decryption) keeps an
	 * error queue per thread, made by any fetch, freed only when the
	 * thread ends.  The scan threads of a GLib pool outlive the scan and
	 * may be alive when the process exits, which LeakSanitizer reported
	 * (ppap.body, on a loaded machine).  Freed here, at the end of every
	 * tree: the next scan on the thread makes a new one when it needs it.
	 */
	OPENSSL_thread_stop();
}
