/*
 * rtf.c - OLE objects in RTF documents: the exploit kit's way in
 * (CVE-2017-11882 and its family through the Equation Editor, OLE
 * packages that drop a program, objects that update themselves).
 *
 * This is a bounded scanner of RTF's syntax (RTF 1.9.1 specification:
 * groups, control words with their optional numeric parameter, control
 * symbols, \bin N raw binary, \'hh), not a renderer.  It follows
 * {\object ...} groups: their \objclass, \objupdate, and the hex of
 * {\*\objdata ...}.  Exploit documents interleave that hex with
 * whitespace, unknown control words and nested groups, which Word skips:
 * so do we (text inside a group nested in \objdata is not data, which is
 * what makes oletools' issue_251.rtf line up).  The decoded bytes are an
 * OLE1 ObjectHeader and its object (MS-OLEDS 2.2.4 EmbeddedObject:
 * OLEVersion, FormatID, ClassName, TopicName, ItemName as length-prefixed
 * ANSI strings, NativeDataSize, NativeData); the NativeData is carved as a
 * child (an OLE2 compound file, usually, which the OLE analyser reads in
 * turn).  For class Package the NativeData is the Packager's own format
 * (label, file name, temporary path, size, the file itself: the same as
 * an Ole10Native stream without its size prefix): the file is carved.
 * HYPERLINK and INCLUDE* fields (\fldinst) give their URL, and so does
 * the document template ({\*\template ...}): Word loads a remote one when
 * the document opens (RTF template injection, as a .docx's
 * attachedTemplate relationship): TEMPLATE_INJECTION.
 *
 * Every size from the file is checked against the bytes we have; the
 * group stack, the objects and the strings kept are bounded.
 */
#include <string.h>

#include "documents.h"
#include "objects/tree_api.h"
#include "util/bytes.h"

#define GROUP_MAX 1024		/* group nesting we track; deeper counts only */
#define OBJECTS_MAX 64		/* \object groups (or lone \objdata) we keep */
#define CLASS_MAX 128		/* bytes of an \objclass */
#define FLD_MAX 4096		/* bytes of a field instruction */
#define WORD_MAX 32		/* letters of a control word we keep */
#define NAME_MAX_OLE1 1024	/* bytes of an OLE1/Packager string */

enum dest {
	D_NONE,
	D_OBJCLASS,
	D_OBJDATA,
	D_INOBJDATA,	/* a group nested in \objdata: not data */
	D_FLDINST,
	D_TEMPLATE,	/* {\*\template ...}: the attached template's path */
};

struct group {
	enum dest dest;
	int obj;		/* index in objs, or -1 */
};

struct robj {
	GString *cls;		/* \objclass */
	GByteArray *data;	/* decoded \objdata */
	int nibble;		/* pending high nibble, or -1 */
	bool update;		/* \objupdate */
};

struct rtf {
	struct mobj *o;
	struct group g[GROUP_MAX];
	size_t depth;		/* groups open (g[depth - 1] is the current) */
	size_t lost;		/* groups open beyond GROUP_MAX */
	struct robj objs[OBJECTS_MAX];
	size_t nobjs;
	GString *fld;		/* the field instruction being read */
	GString *tmpl;		/* the template path being read */
	struct group outside;	/* the state outside every tracked group */
};

static const uint8_t clsid_equation[16] = {	/* {0002CE02-0000-0000-C000-000000000046} */
	0x02, 0xce, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
};

static struct group *
cur(struct rtf *r)
{
	if (r->depth == 0 || r->lost > 0) {
		r->outside.dest = D_NONE;
		r->outside.obj = -1;
		return &r->outside;
	}
	return &r->g[r->depth - 1];
}

static int
new_object(struct rtf *r)
{
	if (r->nobjs >= OBJECTS_MAX)
		return -1;
	struct robj *b = &r->objs[r->nobjs];
	b->cls = g_string_new(NULL);
	b->data = g_byte_array_new();
	b->nibble = -1;
	b->update = false;
	return (int)r->nobjs++;
}

static void
fld_judge(struct rtf *r)
{
	const char *p = r->fld->str;
	size_t n = r->fld->len;

	while (n > 0 && g_ascii_isspace(*p)) {
		p++;
		n--;
	}
	if ((n >= 9 && g_ascii_strncasecmp(p, "HYPERLINK", 9) == 0) ||
	    (n >= 14 && g_ascii_strncasecmp(p, "INCLUDEPICTURE", 14) == 0) ||
	    (n >= 11 && g_ascii_strncasecmp(p, "INCLUDETEXT", 11) == 0)) {
		const char *q = memchr(p, '"', n);
		if (q != NULL) {
			const char *e = memchr(q + 1, '"', (size_t)(p + n - q - 1));
			if (e != NULL && e > q + 1)
				obj_url(r->o, q + 1, (size_t)(e - q - 1));
		}
	}
	g_string_truncate(r->fld, 0);
}

/* The end of a {\*\template ...} destination: a URL or UNC path is the
 * document's URL, and a template loaded from the network. */
static void
template_judge(struct rtf *r)
{
	char *p = g_strstrip(r->tmpl->str);
	size_t n = strlen(p);

	if (n > 0 && (strstr(p, "://") != NULL || strncmp(p, "\\\\", 2) == 0)) {
		obj_url(r->o, p, n);
		if (g_ascii_strncasecmp(p, "http://", 7) == 0 ||
		    g_ascii_strncasecmp(p, "https://", 8) == 0 ||
		    g_ascii_strncasecmp(p, "file://", 7) == 0 || strncmp(p, "\\\\", 2) == 0)
			obj_fact(r->o, OBJ_FACT_TEMPLATE_INJECTION, "template %.*s",
			    (int)MIN(n, (size_t)200), p);
	}
	g_string_truncate(r->tmpl, 0);
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One character of text in the current destination. */
static void
text(struct rtf *r, uint8_t c)
{
	struct group *g = cur(r);
	struct robj *b = g->obj >= 0 ? &r->objs[g->obj] : NULL;

	switch (g->dest) {
	case D_OBJDATA:
		if (b != NULL) {
			int v = hexval(c);
			if (v < 0)
				break;
			if (b->nibble < 0) {
				b->nibble = v;
			} else {
				uint8_t byte = (uint8_t)(b->nibble << 4 | v);
				g_byte_array_append(b->data, &byte, 1);
				b->nibble = -1;
			}
		}
		break;
	case D_OBJCLASS:
		if (b != NULL && b->cls->len < CLASS_MAX && c >= 0x20)
			g_string_append_c(b->cls, (char)c);
		break;
	case D_FLDINST:
		if (r->fld->len < FLD_MAX)
			g_string_append_c(r->fld, (char)c);
		break;
	case D_TEMPLATE:
		if (r->tmpl->len < FLD_MAX)
			g_string_append_c(r->tmpl, (char)c);
		break;
	case D_NONE:
	case D_INOBJDATA:
		break;
	}
}

static void
open_group(struct rtf *r)
{
	if (r->depth >= GROUP_MAX || r->lost > 0) {
		r->lost++;
		return;
	}
	struct group g = *cur(r);
	if (r->depth == 0)
		g = (struct group){ D_NONE, -1 };
	if (g.dest == D_OBJDATA)
		g.dest = D_INOBJDATA;
	r->g[r->depth++] = g;
}

static void
close_group(struct rtf *r)
{
	if (r->lost > 0) {
		r->lost--;
		return;
	}
	if (r->depth == 0)
		return;		/* unbalanced: ignored */
	enum dest was = r->g[r->depth - 1].dest;
	r->depth--;
	if (was == D_FLDINST && cur(r)->dest != D_FLDINST)
		fld_judge(r);
	if (was == D_TEMPLATE && cur(r)->dest != D_TEMPLATE)
		template_judge(r);
}

/* A control word (letters in w), with its parameter if has_param. */
static void
control(struct rtf *r, const char *w, bool has_param, long param,
    const uint8_t *p, size_t n, size_t *i)
{
	struct group *g = cur(r);

	if (strcmp(w, "bin") == 0) {
		/* \binN: N raw bytes follow */
		size_t len = has_param && param > 0 ? (size_t)param : 0;
		if (len > n - *i)
			len = n - *i;
		if (g->dest == D_OBJDATA && g->obj >= 0)
			g_byte_array_append(r->objs[g->obj].data, p + *i, (guint)len);
		*i += len;
		return;
	}
	if (r->lost > 0 || r->depth == 0)
		return;
	if (strcmp(w, "object") == 0) {
		int k = new_object(r);
		if (k >= 0)
			g->obj = k;
	} else if (strcmp(w, "objclass") == 0) {
		g->dest = D_OBJCLASS;
	} else if (strcmp(w, "objdata") == 0) {
		if (g->obj < 0)
			g->obj = new_object(r);
		if (g->obj >= 0)
			g->dest = D_OBJDATA;
	} else if (strcmp(w, "objupdate") == 0) {
		if (g->obj >= 0)
			r->objs[g->obj].update = true;
	} else if (strcmp(w, "fldinst") == 0) {
		g->dest = D_FLDINST;
		g_string_truncate(r->fld, 0);
	} else if (strcmp(w, "template") == 0) {
		g->dest = D_TEMPLATE;
		g_string_truncate(r->tmpl, 0);
	}
}

static void
scan(struct rtf *r, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i++];
		if (c == '{') {
			open_group(r);
		} else if (c == '}') {
			close_group(r);
		} else if (c == '\\') {
			if (i >= n)
				break;
			c = p[i];
			if (g_ascii_isalpha(c)) {
				char w[WORD_MAX + 1];
				size_t wl = 0;
				while (i < n && g_ascii_isalpha(p[i])) {
					if (wl < WORD_MAX)
						w[wl] = (char)p[i];
					wl++;
					i++;
				}
				w[MIN(wl, (size_t)WORD_MAX)] = '\0';
				if (wl > WORD_MAX)
					w[0] = '\0';	/* no word we know is that long */
				bool neg = false, has = false;
				long v = 0;
				if (i < n && p[i] == '-') {
					neg = true;
					i++;
				}
				while (i < n && g_ascii_isdigit(p[i])) {
					if (v < 100000000L)
						v = v * 10 + (p[i] - '0');
					has = true;
					i++;
				}
				if (neg)
					v = -v;
				if (i < n && p[i] == ' ')
					i++;
				control(r, w, has, v, p, n, &i);
			} else if (c == '\'') {
				/* \'hh: one character */
				i++;
				int hi = i < n ? hexval(p[i]) : -1;
				int lo = i + 1 < n ? hexval(p[i + 1]) : -1;
				if (hi >= 0 && lo >= 0) {
					i += 2;
					if (cur(r)->dest == D_FLDINST || cur(r)->dest == D_TEMPLATE)
						text(r, (uint8_t)(hi << 4 | lo));
				}
			} else {
				/* control symbol: \\ \{ \} are text, others not */
				i++;
				if (c == '\\' || c == '{' || c == '}')
					text(r, c);
			}
		} else if (c != '\r' && c != '\n') {
			text(r, c);
		}
	}
	if (r->fld->len > 0)
		fld_judge(r);
	if (r->tmpl->len > 0)
		template_judge(r);
}

static bool
get_u32(const uint8_t *p, size_t n, size_t *off, uint32_t *v)
{
	if (n < 4 || *off > n - 4)
		return false;
	*v = le32(p + *off);
	*off += 4;
	return true;
}

/* LengthPrefixedAnsiString (MS-OLEDS 2.1.4): length with the NUL. */
static bool
get_lpstr(const uint8_t *p, size_t n, size_t *off, char **out)
{
	uint32_t len;

	if (!get_u32(p, n, off, &len) || len > n - *off)
		return false;
	size_t keep = len;
	const uint8_t *nul = memchr(p + *off, 0, len);
	if (nul != NULL)
		keep = (size_t)(nul - (p + *off));
	*out = g_strndup((const char *)p + *off, MIN(keep, (size_t)NAME_MAX_OLE1));
	*off += len;
	return true;
}

/* A NUL-terminated string in the Packager's data. */
static bool
get_cstr(const uint8_t *p, size_t n, size_t *off, char **out)
{
	if (*off >= n)
		return false;
	const uint8_t *nul = memchr(p + *off, 0, n - *off);
	if (nul == NULL)
		return false;
	size_t len = (size_t)(nul - (p + *off));
	*out = g_strndup((const char *)p + *off, MIN(len, (size_t)NAME_MAX_OLE1));
	*off += len + 1;
	return true;
}

static bool
contains(const uint8_t *p, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++) {
		if (p[i] == needle[0] && memcmp(p + i, needle, m) == 0)
			return true;
	}
	return false;
}

static const char *
base_name(const char *path)
{
	const char *b = path;

	for (const char *s = path; *s != '\0'; s++) {
		if (*s == '\\' || *s == '/')
			b = s + 1;
	}
	return b;
}

/*
 * The Packager's native data: u16 2, label, file name, u16 0, u16 type
 * (3: an embedded file), u32 length and the temporary path, u32 size and
 * the file.  Carves the file; false if it is not that.
 */
static bool
carve_package(struct cwalk *w, struct mobj *o, const uint8_t *p, size_t n)
{
	size_t off = 2;
	char *label = NULL, *file = NULL;
	uint32_t tlen, size;
	bool ok = false;

	if (n < 2 || p[0] != 2 || p[1] != 0)
		return false;
	if (!get_cstr(p, n, &off, &label) || !get_cstr(p, n, &off, &file))
		goto out;
	if (off > n || n - off < 4 || p[off + 2] != 3 || p[off + 3] != 0)
		goto out;
	off += 4;
	if (!get_u32(p, n, &off, &tlen) || tlen > n - off)
		goto out;
	off += tlen;
	if (!get_u32(p, n, &off, &size))
		goto out;
	if (size > n - off) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "objdata: package file cut (%zu of %u bytes)",
		    n - off, size);
		size = (uint32_t)(n - off);
	}
	const char *name = base_name(file);
	if (*name == '\0')
		name = label;
	if (*name == '\0')
		name = "package.bin";
	obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "Package (%s)", name);
	cwalk_add(w, name, p + off, size, OBJ_FROM_EMBEDDED);
	ok = true;
out:
	g_free(label);
	g_free(file);
	return ok;
}

static bool
is_equation(const char *cls)
{
	return g_ascii_strncasecmp(cls, "Equation.3", 10) == 0;
}

/*
 * One object: its facts and its child.  RTF_EQUATION_EDITOR once per
 * object, when its \objclass, its OLE1 class name or the CLSID inside its
 * native data says Equation Editor.
 */
static void
object_done(struct rtf *r, struct cwalk *w, struct robj *b)
{
	struct mobj *o = r->o;
	const uint8_t *p = b->data->data;
	size_t n = b->data->len;
	char *cls = NULL, *topic = NULL, *item = NULL;
	size_t off = 8;
	uint32_t fmt = 0, size;
	const char *name = NULL;
	bool eq_clsid = false;

	g_strstrip(b->cls->str);
	b->cls->len = strlen(b->cls->str);
	if (b->update)
		obj_fact(o, OBJ_FACT_RTF_OBJUPDATE, NULL);
	if (n == 0)
		goto out;
	if (n >= 8)
		fmt = le32(p + 4);
	if (n < 8 || (fmt != 1 && fmt != 2 && fmt != 5) ||
	    !get_lpstr(p, n, &off, &cls)) {
		/* no OLE1 header: the bytes as they are */
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "objdata: no OLE1 object header");
		obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "%s", b->cls->len > 0 ? b->cls->str : "?");
		cwalk_add(w, "objdata.bin", p, n, OBJ_FROM_EMBEDDED);
		goto out;
	}
	name = cls[0] != '\0' ? cls : b->cls->len > 0 ? b->cls->str : "object";
	if (fmt == 5) {
		/* a static picture of an object: nothing to run */
		goto out;
	}
	if (!get_lpstr(p, n, &off, &topic) || !get_lpstr(p, n, &off, &item)) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "objdata: OLE1 header cut");
		obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "%s", name);
		goto out;
	}
	if (fmt == 1) {
		/* linked: the topic names the linked file or URL */
		obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "%s, linked to %s", name, topic);
		if (strstr(topic, "://") != NULL || strncmp(topic, "\\\\", 2) == 0)
			obj_url(o, topic, strlen(topic));
		goto out;
	}
	if (!get_u32(p, n, &off, &size)) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "objdata: OLE1 header cut");
		obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "%s", name);
		goto out;
	}
	if (size > n - off) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "objdata: native data cut (%zu of %u bytes)",
		    n - off, size);
		size = (uint32_t)(n - off);
	}
	const uint8_t *nat = p + off;
	eq_clsid = contains(nat, size, clsid_equation, sizeof(clsid_equation));
	if (g_ascii_strcasecmp(name, "Package") == 0 && carve_package(w, o, nat, size))
		goto out;
	obj_fact(o, OBJ_FACT_RTF_OLE_OBJECT, "%s", name);
	if (size > 0) {
		char *cname = g_strconcat(name, ".bin", NULL);
		cwalk_add(w, cname, nat, size, OBJ_FROM_EMBEDDED);
		g_free(cname);
	}
out:
	if (eq_clsid)
		obj_fact(o, OBJ_FACT_RTF_EQUATION_EDITOR, "%s, CLSID {0002CE02-0000-0000-C000-000000000046}",
		    name);
	else if (name != NULL && is_equation(name))
		obj_fact(o, OBJ_FACT_RTF_EQUATION_EDITOR, "%s", name);
	else if (b->cls->len > 0 && is_equation(b->cls->str))
		obj_fact(o, OBJ_FACT_RTF_EQUATION_EDITOR, "%s", b->cls->str);
	g_free(cls);
	g_free(topic);
	g_free(item);
}

void
rtf_analyse(struct obj_tree *t, struct mobj *o)
{
	struct rtf *r = g_new0(struct rtf, 1);
	struct cwalk w;

	r->o = o;
	r->fld = g_string_new(NULL);
	r->tmpl = g_string_new(NULL);
	scan(r, o->data, o->len);
	cwalk_init(&w, t, o);
	for (size_t i = 0; i < r->nobjs; i++) {
		object_done(r, &w, &r->objs[i]);
		g_string_free(r->objs[i].cls, TRUE);
		g_byte_array_free(r->objs[i].data, TRUE);
	}
	g_string_free(r->fld, TRUE);
	g_string_free(r->tmpl, TRUE);
	g_free(r);
}
