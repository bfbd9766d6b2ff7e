/*
 * markup.c - what the analysers that read XML with GMarkupParser share
 * (ooxml.c, flatxml.c, odf.c, ppt.c): GMarkup hands over
 * qualified names ("w:instrText") without resolving namespaces, and the
 * formats are matched by local name, whatever prefix a writer chose; part
 * names are compared without regard to ASCII case, as OPC says.
 */
#include <string.h>

#include "documents.h"

void
xml_parse_part(struct mobj *doc, const struct mobj *part, const GMarkupParser *parser,
    void *ud)
{
	const char *p = (const char *)part->data;
	size_t n = part->len;

	if (p == NULL || n == 0)
		return;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	bool cut = n > XML_PART_MAX;
	if (cut)
		n = XML_PART_MAX;
	GMarkupParseContext *c = g_markup_parse_context_new(parser, 0, ud, NULL);
	GError *err = NULL;
	if (!g_markup_parse_context_parse(c, p, (gssize)n, &err) ||
	    (!cut && !g_markup_parse_context_end_parse(c, &err))) {
		if (doc != NULL)
			obj_fact(doc, OBJ_FACT_DOCUMENT_MALFORMED, "%s: %s", part->name,
			    err != NULL ? err->message : "XML error");
	} else if (cut && doc != NULL) {
		obj_fact(doc, OBJ_FACT_DOCUMENT_MALFORMED, "%s: larger than %u bytes, the rest not read",
		    part->name, XML_PART_MAX);
	}
	if (err != NULL)
		g_error_free(err);
	g_markup_parse_context_free(c);
}

const char *
xml_local_name(const char *qname)
{
	const char *c = strrchr(qname, ':');

	return c != NULL ? c + 1 : qname;
}

const char *
xml_attr(const char **names, const char **values, const char *local)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		if (strcmp(xml_local_name(names[i]), local) == 0)
			return values[i];
	}
	return NULL;
}

bool
has_prefix_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && g_ascii_strcasecmp(s + n - m, suffix) == 0;
}
