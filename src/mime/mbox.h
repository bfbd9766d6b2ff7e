/*
 * mbox.h - split an mbox file into messages.
 *
 * A message starts at a "From " line that is at the start of the file or
 * follows an empty line, and that looks like a real From_ line (a sender
 * and an asctime date with a time and a year).  The strict check keeps a
 * body line such as "From the desk of ..." from splitting a message.
 * ">From " quoting (mboxrd) is left as it is: scanners see what the MUA
 * would deliver.
 */
#ifndef MAMORI_MIME_MBOX_H
#define MAMORI_MIME_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct mbox_msg {
	size_t off;		/* first byte after the From_ line */
	size_t len;
};

/* True if the data starts with a From_ line. */
bool mbox_is_mbox(const uint8_t *p, size_t len);
/* True if the line [p, p+len) (without newline) is a From_ line. */
bool mbox_is_from_line(const uint8_t *p, size_t len);
/* The messages of an mbox: a GArray of struct mbox_msg. */
GArray *mbox_split(const uint8_t *p, size_t len);

#endif
