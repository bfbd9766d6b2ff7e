/*
 * documents.h - the name html.c still includes for the analysers' header;
 * it is documents/documents.h now (html.c moves into documents/ with its
 * rewrite).
 */
#ifndef MAMORI_OBJECTS_DOCUMENTS_FORWARD_H
#define MAMORI_OBJECTS_DOCUMENTS_FORWARD_H

#include "documents/documents.h"

#endif
