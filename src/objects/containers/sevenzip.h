/*
 * sevenzip.h - encrypted 7z archives through 7-Zip (sevenzip.c; private to
 * containers/).
 */
#ifndef MAMORI_OBJECTS_SEVENZIP_H
#define MAMORI_OBJECTS_SEVENZIP_H

#include <stdbool.h>

#include "objects/object.h"

/* Whether path is an executable 7zz. */
bool sevenzip_usable(const char *path);
/* Try the tree's candidates on the encrypted 7z o with 7zz (exe); when one
 * opens it, add its entries as o's children (decrypted) and unpack them.
 * False: not opened (o is left as it was, apart from the trials). */
bool sevenzip_unpack(struct obj_tree *t, struct mobj *o, const char *exe);

#endif
