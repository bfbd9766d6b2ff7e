/*
 * mailfile.c - a mail file (.eml, or an mbox) as a container: each message
 * is parsed with the tree's MIME limits and its attachments become the
 * file's children (containers.h).
 */
#include "containers.h"
#include "mime/mbox.h"
#include "mime/message.h"

void
mail_file_unpack(struct obj_tree *t, struct mobj *o)
{
	GArray *msgs = NULL;

	if (mbox_is_mbox(o->data, o->len))
		msgs = mbox_split(o->data, o->len);
	size_t n = msgs != NULL ? msgs->len : 1;
	for (size_t i = 0; i < n; i++) {
		size_t off = 0, len = o->len;
		if (msgs != NULL) {
			const struct mbox_msg *m = &g_array_index(msgs, struct mbox_msg, i);
			off = m->off;
			len = m->len;
		}
		struct mime_message *m = mime_message_parse(o->data + off, len, t->lim->mime);
		unpack_add_message(t, o, m);
	}
	if (msgs != NULL)
		g_array_free(msgs, TRUE);
}
