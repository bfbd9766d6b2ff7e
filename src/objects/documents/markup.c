/*
 * markup.c - what the analysers that read XML with GMarkupParser share
 * (ooxml.c, flatxml.c, odf.c, ppt.c): GMarkup hands over
 * qualified names ("w:instrText") without resolving namespaces, and the
 * formats are matched by local name, whatever prefix a writer chose; part
 * names are compared without regard to ASCII case, as OPC says.
 */
#include <string.h>

#include "documents.h"

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
