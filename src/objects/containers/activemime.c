/*
 * activemime.c - ActiveMime (MSO) data as a container: its one zlib
 * stream, an OLE2 compound file, becomes the child (containers.h).
 *
 * Office 2003 keeps the binary parts of a document saved as XML or as a
 * web page in this undocumented format: the VBA project of a Word 2003
 * XML document (<w:binData w:name="editdata.mso">, carved by flatxml.c),
 * the editdata.mso and oledata.mso parts of an MHT file, Outlook's
 * oledata.mso.  Inflated, it is an OLE2 file holding the project ("VBA"
 * storage) or the embedded objects, which ole.c then analyses like any
 * other: the macros of an MHT saved as .doc are found this way.
 *
 * The layout, as reverse engineered in public (phishme's ActiveMime
 * notes, oletools' olevba and Google's maldoca, which agree); the fields
 * we do not use are left alone:
 *
 *   0x00  10  "ActiveMime" (then two zero bytes)
 *   0x0C   2  0xF001
 *   0x1E   2  the size of a variable header field: the zlib stream
 *             (RFC 1950) starts 46 bytes further, at 0x32 in Word's
 *             parts (a field of 4) and 0x22A in Excel's (0x1FC)
 *   ...    4  the inflated size, just before the stream (not trusted)
 *
 * The stream is looked for at the offset the header gives, then at 0x32
 * and 0x22A (what olevba and maldoca try); the first of them that holds a
 * valid zlib header is inflated.  Nothing is searched by brute force: a
 * part none of them fits is damaged (OBJ_DAMAGED, no child).
 *
 * Why a container and not an analyser: like gzip or SZDD, this is a
 * compressed stream whose one child is then typed and analysed in turn;
 * a cwalk gives the inflation every limit of the other unpackers
 * (limits.object_bytes and unpacked_bytes through the sink, stream_bytes
 * as a bomb, the compression ratio, the deadline).  The child is named as
 * the container with ".ole" for ".mso" ("editdata.ole"), or
 * "activemime.ole" when it has no name.
 */
#include <string.h>

#include <zlib.h>

#include "containers.h"

#define MAGIC "ActiveMime"
#define OFF_FIELD 0x1E		/* u16: size of the variable field */
#define OFF_BASE 46		/* the stream starts this far past it */
#define OFF_WORD 0x32
#define OFF_EXCEL 0x22A
#define CHUNK (64u * 1024u)	/* inflated bytes handed to the sink at once */

/* Is there a zlib header (RFC 1950 2.2: deflate, window <= 32K, check
 * bits right, no preset dictionary) at off? */
static bool
zlib_header_at(const uint8_t *p, size_t len, size_t off)
{
	if (off > len || len - off < 2)
		return false;
	unsigned cmf = p[off], flg = p[off + 1];
	return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0 &&
	    (flg & 0x20) == 0;
}

/* Where the zlib stream starts, or 0 when no known offset holds one. */
static size_t
stream_offset(const uint8_t *p, size_t len)
{
	size_t offs[3] = { 0, OFF_WORD, OFF_EXCEL };

	if (len >= OFF_FIELD + 2)
		offs[0] = (size_t)(p[OFF_FIELD] | (p[OFF_FIELD + 1] << 8)) + OFF_BASE;
	for (size_t i = 0; i < G_N_ELEMENTS(offs); i++) {
		if (offs[i] != 0 && zlib_header_at(p, len, offs[i]))
			return offs[i];
	}
	return 0;
}

/* The child's name: the container's, ".mso" made ".ole". */
static char *
child_name(const struct mobj *o)
{
	if (o->name == NULL || o->name[0] == '\0')
		return g_strdup("activemime.ole");
	const char *slash = strrchr(o->name, '/');
	const char *base = slash != NULL && slash[1] != '\0' ? slash + 1 : o->name;
	size_t n = strlen(base);
	if (n > 4 && g_ascii_strcasecmp(base + n - 4, ".mso") == 0)
		n -= 4;
	return g_strdup_printf("%.*s.ole", (int)n, base);
}

/* Inflate [p, p+len) into child through a sink; false on damage. */
static bool
inflate_into(struct cwalk *w, struct mobj *child, const uint8_t *p, size_t len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		cwalk_fail(child, OBJ_UNSUPPORTED, "ActiveMime: zlib unavailable");
		return false;
	}
	uint8_t *buf = g_malloc(CHUNK);
	struct sink *s = g_new(struct sink, 1);
	sink_init(s, w->t, child, false);
	bool ok = true, complete = false;
	size_t done = 0;
	/* avail_in is a uInt: feed at most UINT_MAX bytes at a time */
	while (ok && !complete) {
		if (z.avail_in == 0 && done < len) {
			size_t n = MIN(len - done, (size_t)(1u << 30));
			z.next_in = (Bytef *)(uintptr_t)(p + done);
			z.avail_in = (uInt)n;
			done += n;
		}
		z.next_out = buf;
		z.avail_out = CHUNK;
		int r = inflate(&z, Z_NO_FLUSH);
		size_t got = CHUNK - z.avail_out;
		if (got > 0 && !cwalk_wrote(w, child, sink_write(s, buf, got)))
			break;	/* a limit, recorded: not damage */
		if (r == Z_STREAM_END) {
			complete = true;
		} else if (r == Z_BUF_ERROR || (got == 0 && z.avail_in == 0 && done >= len)) {
			/* no progress: the input is all used */
			cwalk_fail(child, OBJ_DAMAGED, "ActiveMime: zlib stream cut short");
			ok = false;
		} else if (r != Z_OK) {
			cwalk_fail(child, OBJ_DAMAGED, z.msg != NULL ? z.msg :
			    "ActiveMime: damaged zlib stream");
			ok = false;
		} else if (!cwalk_go(w)) {
			break;
		}
	}
	inflateEnd(&z);
	sink_finish(s, complete);
	g_free(s);
	g_free(buf);
	return ok;
}

void
activemime_unpack(struct obj_tree *t, struct mobj *o)
{
	struct cwalk w;

	if (o->len < sizeof(MAGIC) - 1 || memcmp(o->data, MAGIC, sizeof(MAGIC) - 1) != 0)
		return;
	size_t off = stream_offset(o->data, o->len);
	if (off == 0) {
		cwalk_fail(o, OBJ_DAMAGED, "ActiveMime: no zlib stream at a known offset");
		return;
	}
	cwalk_init(&w, t, o);
	if (!cwalk_go(&w))
		return;
	char *name = child_name(o);
	struct mobj *c = cwalk_child(&w, (const uint8_t *)name, strlen(name), OBJ_FROM_STREAM);
	g_free(name);
	if (c == NULL)
		return;
	inflate_into(&w, c, o->data + off, o->len - off);
	cwalk_done(&w, c);
}
