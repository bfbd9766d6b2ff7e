/*
 * odf.c - macros in OpenDocument files (.odt, .ods, .odp, .odg and their
 * templates), and the events that run them (issue 18).
 *
 * An ODF document is a ZIP package (ODF 1.3 part 2, "Packages"): a stored
 * "mimetype" member first (which is how filetype.c tells odt, ods, odp and
 * the rest apart), META-INF/manifest.xml, content.xml, styles.xml ...  The
 * archive unpacker has made the members children of the document, named
 * by their paths, when this runs.  ODF itself leaves scripts to the
 * application (part 3, 10.4 <office:scripts>, 10.3 <office:event-listeners>);
 * what LibreOffice and OpenOffice write, and what they run, is:
 *
 *  - StarBasic modules: Basic/<library>/<module>.xml, a
 *    <script:module script:name="Module1" script:language="StarBasic">
 *    element whose text is the source, XML-escaped; the libraries are
 *    listed in Basic/script-lc.xml and each library's modules in
 *    Basic/<library>/script-lb.xml (whose library:passwordprotected says
 *    when the modules are stored encrypted).  Dialogs (Dialogs/) are no
 *    code.
 *  - scripts in the package: Scripts/python/..., Scripts/beanshell/...,
 *    Scripts/javascript/... (the scripting framework's "document"
 *    location); each is a child, which the script analysers read when its
 *    name says what it is (.js).
 *  - event bindings, in content.xml, styles.xml and settings.xml:
 *    <script:event-listener script:event-name="office:load"
 *    xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&
 *    location=document"/> (ODF 1.2+, part 3, 10.3.2), the ODF 1.0 form
 *    <script:event script:event-name="OnLoad" script:macro-name=
 *    "Standard.Module1.Main" script:location="document"/>, and the older
 *    macro: URLs, among them macro:shell("...") which runs a command by
 *    itself (what the CVE-2023-2255 proofs of concept write).  The same
 *    elements bind form controls' and links' events (dom:click,
 *    dom:mouseover, form:performaction ...).  A presentation's
 *    <presentation:event-listener presentation:action="execute"
 *    xlink:href="program"> starts a program when a shape is clicked.
 *
 * What we report:
 *  - ODF_MACRO: the document holds macros (its modules and package
 *    scripts, listed), or binds an event to a script outside the document
 *    (location=application or share, a macro: URL: code the document does
 *    not carry, as CVE-2018-16858 ran a Python script of the installation
 *    with its own arguments on mouse-over);
 *  - ODF_MACRO_AUTOEXEC: a script bound to an event that fires when the
 *    document is opened (office:load, office:new, office:load-finished,
 *    office:view-created, office:layout-finished, office:focus, dom:load
 *    and the ODF 1.0 names OnLoad, OnNew ...), which runs without a click.
 *    Two symbols, as VBA_MACRO and VBA_AUTOEXEC are: the "ODF_MACRO
 *    with an autoexec class";
 *  - PPT_ACTION_RUN for a presentation action that executes a program.
 * The Basic source of all modules is run, as one text, through the static
 * sandbox as VBA (sandbox.c: StarBasic builds its strings with the same
 * Chr(), &, Mid, StrReverse ... and runs programs with Shell), so the URLs
 * and commands it hides come out as for a VBA macro; so is the command of
 * a macro:shell binding, as a command line.
 *
 * The XML is read with GLib's GMarkupParser (as ooxml.c does: no DTDs,
 * no external entities); a part it rejects is DOCUMENT_MALFORMED and the
 * others are still read.  At most XML_PART_MAX bytes of a part are parsed and
 * SOURCE_MAX bytes of Basic source are run through the sandbox.  Not
 * read: documents encrypted with a password (their parts are encrypted
 * too: see the manifest's encryption-data), the flat XML forms (.fodt ...)
 * and OpenOffice 1.x (.sxw) files.
 */
#include <string.h>

#include "documents.h"

#define SOURCE_MAX (8u << 20)	/* bytes of Basic source per document */
#define NAMES_MAX 400		/* bytes of module names in ODF_MACRO */
#define HREF_SHOW 160		/* bytes of a script URL in a fact */
#define COMMANDS_MAX 16		/* command lines of bindings run through the
				 * sandbox per document (each is bounded; a
				 * file with thousands of bindings is not run
				 * thousands of times) */

enum odf_part {
	ODF_MODULE,	/* Basic/<library>/<module>.xml */
	ODF_LIBRARY,	/* Basic/<library>/script-lb.xml */
	ODF_EVENTS,	/* content.xml, styles.xml, settings.xml */
};

struct odf {
	struct obj_tree *t;
	struct mobj *o;
	enum odf_part kind;
	char *library;		/* of the module part being read */
	bool in_module;
	char *module;		/* script:name of that module */
	GString *text;		/* its source */
	GString *src;		/* the source of every module, for the sandbox */
	GString *names;		/* what ODF_MACRO lists */
	unsigned commands;	/* command lines run through the sandbox */
};

/* Add one entry to the ODF_MACRO list, while it is short enough. */
static void name_add(struct odf *x, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
name_add(struct odf *x, const char *fmt, ...)
{
	if (x->names->len >= NAMES_MAX)
		return;
	if (x->names->len > 0)
		g_string_append(x->names, ", ");
	va_list ap;
	va_start(ap, fmt);
	g_string_append_vprintf(x->names, fmt, ap);
	va_end(ap);
}

/* ---- event bindings ---- */

/*
 * Events that fire when the document is opened, without the user doing
 * anything: the ODF 1.2 names (LibreOffice's xmloff event table) and the
 * ODF 1.0 / API names they stand for.  dom:load is what form and
 * document loads are written as.
 */
static bool
is_autoexec_event(const char *ev)
{
	static const char *const names[] = {
		"office:load", "office:new", "office:load-finished", "office:view-created",
		"office:layout-finished", "office:focus", "office:start-app",
		"office:create-document", "dom:load",
		"OnLoad", "OnNew", "OnLoadFinished", "OnViewCreated", "OnLayoutFinished",
		"OnFocus", "OnStartApp", "OnCreate", "OnPageCountChange", NULL,
	};

	for (size_t i = 0; names[i] != NULL; i++)
		if (g_ascii_strcasecmp(ev, names[i]) == 0)
			return true;
	return false;
}

/* A URL that runs a script or macro (not a hyperlink). */
static bool
is_script_url(const char *href)
{
	return has_prefix_ci(href, "vnd.sun.star.script:") || has_prefix_ci(href, "macro:");
}

/* The script lives outside the document: in the installation or the
 * user's profile (location=application, user, share), or a macro: URL. */
static bool
is_outside(const char *href)
{
	static const char *const where[] = {
		"location=application", "location=share", "location=user", NULL,
	};

	if (has_prefix_ci(href, "macro:"))
		return true;
	for (size_t i = 0; where[i] != NULL; i++) {
		size_t m = strlen(where[i]);
		for (const char *p = href; *p != '\0'; p++)
			if (g_ascii_strncasecmp(p, where[i], m) == 0)
				return true;
	}
	return false;
}

/* "click" and "mouse-over" for the DOM events, the event's name else. */
static const char *
trigger_name(const char *ev)
{
	if (g_ascii_strcasecmp(ev, "dom:click") == 0 || g_ascii_strcasecmp(ev, "OnClick") == 0)
		return "click";
	if (g_ascii_strcasecmp(ev, "dom:mouseover") == 0 ||
	    g_ascii_strcasecmp(ev, "OnMouseOver") == 0)
		return "mouse-over";
	return ev;
}

/*
 * href with its %XX escapes decoded (g_free); unlike
 * g_uri_unescape_string(), a '%' that starts no escape stays as it is
 * (hostile bindings write "%TEMP%" unescaped, and the office suite
 * accepts them), and so does %00.
 */
static char *
percent_decode(const char *href)
{
	GString *s = g_string_new(NULL);

	for (const char *p = href; *p != '\0'; p++) {
		int hi = p[0] == '%' ? g_ascii_xdigit_value(p[1]) : -1;
		int lo = hi >= 0 ? g_ascii_xdigit_value(p[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			g_string_append_c(s, (char)(hi << 4 | lo));
			p += 2;
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

/*
 * macro:shell("command"): the command; NULL when href is
 * no such URL.  g_free() it.
 */
static char *
shell_command(const char *href)
{
	if (!has_prefix_ci(href, "macro:"))
		return NULL;
	const char *p = href + 6;
	while (*p == '/')
		p++;
	if (!has_prefix_ci(p, "shell("))
		return NULL;
	p += 6;
	size_t n = strlen(p);
	if (n > 0 && p[n - 1] == ')')
		n--;
	char *dec = g_strndup(p, n);
	/* the argument is a Basic string: its quotes go */
	n = strlen(dec);
	if (n >= 2 && dec[0] == '"' && dec[n - 1] == '"') {
		memmove(dec, dec + 1, n - 2);
		dec[n - 2] = '\0';
	}
	return dec;
}

/* A binding's command line through the static sandbox, COMMANDS_MAX at
 * most. */
static void
run_command(struct odf *x, const char *cmd)
{
	if (cmd[0] == '\0' || x->commands >= COMMANDS_MAX)
		return;
	x->commands++;
	sandbox_run(x->t, x->o, SANDBOX_CMD, cmd, strlen(cmd), NULL);
}

/* One <script:event-listener>, <script:event> or
 * <presentation:event-listener>. */
static void
event_element(struct odf *x, const char **an, const char **av)
{
	const char *ev = xml_attr(an, av, "event-name");
	const char *href = xml_attr(an, av, "href");
	const char *macro = xml_attr(an, av, "macro-name");
	const char *action = xml_attr(an, av, "action");

	if (ev == NULL)
		return;
	/* a presentation shape's action: "execute" starts a program */
	if (action != NULL) {
		if (strcmp(action, "execute") == 0 && href != NULL && href[0] != '\0') {
			obj_fact(x->o, OBJ_FACT_PPT_ACTION_RUN, "%s: %.*s", trigger_name(ev),
			    HREF_SHOW, href);
			run_command(x, href);
		}
		return;
	}
	/* the ODF 1.0 form names the macro and its location */
	char *target = NULL;
	if (href != NULL && is_script_url(href)) {
		target = percent_decode(href);
	} else if (href == NULL && macro != NULL && macro[0] != '\0') {
		const char *loc = xml_attr(an, av, "location");
		target = g_strdup_printf("%s?location=%s", macro, loc != NULL ? loc : "document");
	}
	if (target == NULL)
		return;
	char *cmd = shell_command(target);
	if (is_autoexec_event(ev))
		obj_fact(x->o, OBJ_FACT_ODF_MACRO_AUTOEXEC, "%s -> %.*s", ev, HREF_SHOW, target);
	else if (is_outside(target))
		obj_fact(x->o, OBJ_FACT_ODF_MACRO, "%s -> %.*s", trigger_name(ev), HREF_SHOW,
		    target);
	if (cmd != NULL)
		run_command(x, cmd);
	g_free(cmd);
	g_free(target);
}

/* ---- the parser ---- */

/* GMarkup: an element opens. */
static void
on_start(GMarkupParseContext *c, const gchar *qname, const gchar **an,
    const gchar **av, gpointer ud, GError **err)
{
	struct odf *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	switch (x->kind) {
	case ODF_MODULE:
		if (strcmp(el, "module") == 0 && !x->in_module) {
			const char *name = xml_attr(an, av, "name");
			x->in_module = true;
			g_free(x->module);
			x->module = g_strdup(name != NULL ? name : "?");
			g_string_truncate(x->text, 0);
		}
		break;
	case ODF_LIBRARY:
		if (strcmp(el, "library") == 0) {
			const char *pw = xml_attr(an, av, "passwordprotected");
			const char *name = xml_attr(an, av, "name");
			if (pw != NULL && strcmp(pw, "true") == 0)
				name_add(x, "%.60s (password-protected)",
				    name != NULL ? name : x->library);
		}
		break;
	case ODF_EVENTS:
		if (strcmp(el, "event-listener") == 0 || strcmp(el, "event") == 0)
			event_element(x, an, av);
		break;
	}
}

/* Whether s has anything but blanks and Basic comment lines (REM, '). */
static bool
has_code(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && g_ascii_isspace(s[i]))
			i++;
		if (i >= n)
			break;
		bool comment = s[i] == '\'' || (n - i >= 3 && g_ascii_strncasecmp(s + i, "rem", 3) == 0 &&
		    (n - i == 3 || g_ascii_isspace(s[i + 3])));
		if (!comment)
			return true;
		while (i < n && s[i] != '\n' && s[i] != '\r')
			i++;
	}
	return false;
}

/* GMarkup: an element closes (a module's source is complete). */
static void
on_end(GMarkupParseContext *c, const gchar *qname, gpointer ud, GError **err)
{
	struct odf *x = ud;

	(void)c;
	(void)err;
	if (x->kind != ODF_MODULE || !x->in_module || strcmp(xml_local_name(qname), "module") != 0)
		return;
	x->in_module = false;
	if (!has_code(x->text->str, x->text->len))
		return;
	name_add(x, "%.60s.%.60s", x->library, x->module);
	if (x->src->len + x->text->len + 1 <= SOURCE_MAX) {
		g_string_append_len(x->src, x->text->str, (gssize)x->text->len);
		g_string_append_c(x->src, '\n');
	}
}

/* GMarkup: text (a module's source, unescaped). */
static void
on_text(GMarkupParseContext *c, const gchar *text, gsize len, gpointer ud,
    GError **err)
{
	struct odf *x = ud;

	(void)c;
	(void)err;
	if (x->in_module && x->text->len < SOURCE_MAX)
		g_string_append_len(x->text, text, (gssize)MIN(len, SOURCE_MAX - x->text->len));
}

static const GMarkupParser parser = {
	.start_element = on_start,
	.end_element = on_end,
	.text = on_text,
};

/* Parse one part as kind: at most XML_PART_MAX bytes; damage is a fact. */
static void
parse_part(struct odf *x, const struct mobj *part, enum odf_part kind)
{
	if (part->data == NULL || part->len == 0)
		return;
	x->kind = kind;
	x->in_module = false;
	xml_parse_part(x->o, part, &parser, x);
}

/* Basic/<library>/<file>: the library's name (g_free), or NULL when name
 * is no such path. */
static char *
basic_library(const char *name)
{
	if (!has_prefix_ci(name, "Basic/"))
		return NULL;
	const char *lib = name + 6;
	const char *slash = strchr(lib, '/');
	if (slash == NULL || slash == lib || strchr(slash + 1, '/') != NULL)
		return NULL;
	return g_strndup(lib, (gsize)(slash - lib));
}

/* A script in the package: Scripts/<language>/.../<file>. */
static bool
package_script(const char *name)
{
	return has_prefix_ci(name, "Scripts/") && !has_suffix_ci(name, "/") &&
	    !has_suffix_ci(name, "parcel-descriptor.xml") && strchr(name + 8, '/') != NULL;
}

void
odf_analyse(struct obj_tree *t, struct mobj *o)
{
	struct odf x = { .t = t, .o = o };

	x.text = g_string_new(NULL);
	x.src = g_string_new(NULL);
	x.names = g_string_new(NULL);
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name == NULL)
			continue;
		char *lib = basic_library(c->name);
		if (lib != NULL && has_suffix_ci(c->name, "/script-lb.xml")) {
			x.library = lib;
			parse_part(&x, c, ODF_LIBRARY);
		} else if (lib != NULL && has_suffix_ci(c->name, ".xml") &&
		    !has_suffix_ci(c->name, "/dialog-lb.xml")) {
			x.library = lib;
			parse_part(&x, c, ODF_MODULE);
		} else if (package_script(c->name)) {
			name_add(&x, "%.120s", c->name);
		}
		g_free(lib);
		x.library = NULL;
	}
	if (x.names->len > 0)
		obj_fact(o, OBJ_FACT_ODF_MACRO, "%s", x.names->str);
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name != NULL && (strcmp(c->name, "content.xml") == 0 ||
		    strcmp(c->name, "styles.xml") == 0 || strcmp(c->name, "settings.xml") == 0))
			parse_part(&x, c, ODF_EVENTS);
	}
	if (x.src->len > 0)
		sandbox_run(t, o, SANDBOX_VBA, x.src->str, x.src->len, NULL);

	g_free(x.module);
	g_string_free(x.text, TRUE);
	g_string_free(x.src, TRUE);
	g_string_free(x.names, TRUE);
}
