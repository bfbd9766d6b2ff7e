/*
 * tnef.c - TNEF streams (winmail.dat, application/ms-tnef: what Outlook
 * sends instead of plain MIME attachments when it wants to keep rich
 * text), on libytnef.
 *
 * Every attachment inside becomes a child (OBJ_FROM_ARCHIVE), named by
 * its long file name when it has one (PR_ATTACH_LONG_FILENAME, UTF-16 or
 * 8-bit), else its 8.3 title; its bytes are PR_ATTACH_DATA_OBJ for an
 * embedded object (minus the 16-byte interface id that starts it) or the
 * attAttachData attribute.  The message body (RTF) is not a child.
 *
 * libytnef is not trusted with the framing: an attribute's 32-bit size is
 * handed to calloc() and, when it is 2 GiB or more, becomes a negative
 * int that its memory reader passes to memcpy(); and a TNEF version
 * attribute shorter than 4 bytes is read past its end.  So the attribute
 * list is walked here first (bounded, every size checked against what is
 * left; checksums fixed, see tnef_sound_prefix) and libytnef only sees
 * the whole attributes that passed; a stream cut short or malformed is
 * parsed as far as it is sound and the container is marked damaged.  libytnef prints its errors on stdout;
 * that cannot be turned off.
 */
#include <stdio.h>	/* ytnef.h needs FILE */
#include <string.h>

#include "formats.h"
#include "unpack.h"

#include <ytnef.h>

#define TNEF_SIG 0x223E9F78u
#define ATT_TNEF_VERSION 0x00089006u
#define ATTRS_MAX 100000u
#define NAME_MAX_BYTES 4096

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * How many leading bytes of p are sound TNEF: the signature, the key and
 * then whole attributes (level 1, type 4, size 4, data, checksum 2).
 * *whole is false when something was left out; trailing CR, LF, NUL and
 * spaces (added in transit) are not.  A checksum that does not match is
 * rewritten: libytnef would stop at it, and real files (ClamAV's
 * clam.tnef among them) carry wrong ones; they protect nothing.
 */
static size_t
tnef_sound_prefix(uint8_t *p, size_t len, bool *whole)
{
	size_t pos = 6;
	unsigned n = 0;

	*whole = false;
	if (len < 6 || rd32(p) != TNEF_SIG)
		return 0;
	while (pos < len) {
		if (++n > ATTRS_MAX)
			return pos;
		if (len - pos < 9) {
			for (size_t i = pos; i < len; i++)
				if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0' && p[i] != ' ')
					return pos;
			*whole = true;
			return pos;
		}
		uint32_t type = rd32(p + pos + 1), size = rd32(p + pos + 5);
		if (size == 0 || size > len - pos - 9 || len - pos - 9 - size < 2)
			return pos;
		if (type == ATT_TNEF_VERSION && size < 4)
			return pos;
		uint16_t sum = 0;
		for (size_t i = 0; i < size; i++)
			sum = (uint16_t)(sum + p[pos + 9 + i]);
		p[pos + 9 + size] = (uint8_t)(sum & 0xff);
		p[pos + 9 + size + 1] = (uint8_t)(sum >> 8);
		pos += 9 + (size_t)size + 2;
	}
	*whole = true;
	return pos;
}

static bool
found(const variableLength *v)
{
	return v != MAPI_UNDEFINED && v != NULL && v->data != NULL && v->size > 0;
}

/* The attachment's name, raw bytes (cleaned by cwalk_child); g_free it. */
static char *
attachment_name(Attachment *a, unsigned idx)
{
	variableLength *v = MAPIFindProperty(&a->MAPI,
	    PROP_TAG(PT_UNICODE, PR_ATTACH_LONG_FILENAME));
	if (found(v))	/* libytnef made it NUL-terminated UTF-8 */
		return g_strndup((const char *)v->data, NAME_MAX_BYTES);
	v = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_STRING8, PR_ATTACH_LONG_FILENAME));
	if (!found(v))
		v = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_STRING8, PR_ATTACH_FILENAME));
	if (!found(v))
		v = &a->Title;
	if (found(v)) {
		char *s = g_strndup((const char *)v->data, MIN((size_t)v->size, NAME_MAX_BYTES));
		if (*s != '\0')
			return s;
		g_free(s);
	}
	return g_strdup_printf("attachment%u", idx);
}

static void
add_attachment(struct cwalk *w, Attachment *a, unsigned idx)
{
	const uint8_t *data;
	size_t len;
	variableLength *obj = MAPIFindProperty(&a->MAPI,
	    PROP_TAG(PT_OBJECT, PR_ATTACH_DATA_OBJ));

	if (found(obj) && obj->size > 16) {
		data = obj->data + 16;
		len = (size_t)obj->size - 16;
	} else if (a->FileData.data != NULL && a->FileData.size > 0) {
		data = a->FileData.data;
		len = (size_t)a->FileData.size;
	} else {
		return;	/* rendering information only, no content */
	}
	char *name = attachment_name(a, idx);
	struct mobj *c = cwalk_child(w, (const uint8_t *)name, strlen(name),
	    OBJ_FROM_ARCHIVE);
	g_free(name);
	if (c == NULL)
		return;
	struct sink *s = g_new(struct sink, 1);
	sink_init(s, w->t, c, false);
	bool complete = cwalk_wrote(w, c, sink_write(s, data, len));
	sink_finish(s, complete);
	g_free(s);
	cwalk_done(w, c);
}

void
tnef_unpack(struct obj_tree *t, struct mobj *o)
{
	struct cwalk w;
	bool whole;
	/* libytnef wants a writable buffer, and checksums are fixed in it */
	BYTE *copy = g_memdup2(o->data, o->len);
	size_t n = tnef_sound_prefix(copy, o->len, &whole);

	cwalk_init(&w, t, o);
	if (o->container == NULL)
		o->container = g_strdup("TNEF");
	if (n == 0) {
		cwalk_fail(o, OBJ_DAMAGED, "TNEF: no signature");
		g_free(copy);
		return;
	}
	TNEFStruct *tn = g_new0(TNEFStruct, 1);
	TNEFInitialize(tn);
	tn->Debug = 0;
	int r = TNEFParseMemory(copy, (long)n, tn);
	if (!whole)
		cwalk_fail(o, OBJ_DAMAGED, "TNEF: truncated or malformed attribute");
	else if (r < 0)
		cwalk_fail(o, OBJ_DAMAGED, "TNEF: malformed attribute");
	unsigned idx = 0;
	for (Attachment *a = tn->starting_attach.next; a != NULL; a = a->next) {
		if (!cwalk_go(&w))
			break;
		add_attachment(&w, a, ++idx);
	}
	TNEFFree(tn);
	g_free(tn);
	g_free(copy);
}
