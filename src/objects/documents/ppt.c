/*
 * ppt.c - PowerPoint actions that run a program or a macro when a shape is
 * clicked or the mouse passes over it (issue 18: PPT_ACTION_RUN).
 *
 * PowerPoint has no macro that runs when a presentation opens; droppers
 * instead give a shape that covers the slide an action: "run program"
 * (powershell with its arguments, as the 2017 mouse-over .ppsx did) or
 * "run macro", fired on a click or on mouse-over during the slide show
 * (a .pps/.ppsx opens straight into the show).
 *
 *  - Binary .ppt ([MS-PPT]): the "PowerPoint Document" stream is a tree
 *    of records (2.3.1 RecordHeader: recVer:4 recInstance:12, recType:16,
 *    recLen:32; recVer 0xF is a container of records).  A shape's
 *    OfficeArtClientData holds a MouseClickInteractiveInfoContainer
 *    (2.6.8; RT_InteractiveInfo 0x0FF2, recInstance 0) or a
 *    MouseOverInteractiveInfoContainer (2.6.9; recInstance 1), each an
 *    InteractiveInfoAtom (2.6.10; 0x0FF3: soundIdRef, exHyperlinkIdRef,
 *    then the action byte, 2.13.13 InteractiveInfoActionEnum: 1
 *    II_MacroAction, 2 II_RunProgramAction) and an optional MacroNameAtom
 *    (a CString, 0x0FBA, recInstance 2, UTF-16LE) naming the macro or the
 *    program.  A program without a MacroNameAtom is looked up in the
 *    ExObjList's ExHyperlinkContainers (2.10.16; 0x0FD7: ExHyperlinkAtom
 *    0x0FD3 with the id, the target as CString recInstance 1) by
 *    exHyperlinkIdRef.  ole.c hands the stream here (ppt_binary_actions(),
 *    ole.h) after its own walk.  The stream is walked as it is, records of
 *    older saves included (the persist directory is not followed), bounded
 *    in records and depth.
 *  - .pptx, .ppsx, .pptm (ECMA-376 part 1, 21.1.2.3.5 and 20.1.2.2.23):
 *    in the slide, layout, master, notes and handout parts, an
 *    <a:hlinkClick>, <a:hlinkHover> or <a:hlinkMouseOver> with
 *    action="ppaction://program" runs the target of the relationship its
 *    r:id names (in the part's .rels, usually TargetMode="External");
 *    action="ppaction://macro?name=X" runs the macro X.  Other actions
 *    (ppaction://hlinkfile, hlinksldjump, ole ...) and plain hyperlinks
 *    are not reported.  ooxml.c calls ppt_ooxml_actions() once the parts
 *    are its children.
 *
 * The option says what fires it and what runs ("mouse-over:
 * C:\Windows\System32\calc.exe", "click: macro Action_Click").  A program
 * with its command line also goes through the static sandbox as a
 * command line (sandbox.c), so that an encoded PowerShell command or a
 * download URL in it is unfolded and reported as anywhere else.
 */
#include <string.h>

#include "documents.h"
#include "ole.h"
#include "util/bytes.h"

#define PPT_RECORDS_MAX 200000	/* records walked per stream */
#define PPT_DEPTH_MAX 16	/* containers inside containers */
#define PPT_LINKS_MAX 4096	/* hyperlinks kept per stream */
#define CSTRING_MAX 1024	/* characters of a CString kept */
#define TARGET_SHOW 160		/* bytes of a target in a fact */
#define COMMANDS_MAX 16		/* programs run through the sandbox per
				 * document (each is bounded; thousands of
				 * shapes are not run thousands of times) */

#define RT_INTERACTIVE_INFO 0x0FF2
#define RT_INTERACTIVE_INFO_ATOM 0x0FF3
#define RT_EX_HYPERLINK 0x0FD7
#define RT_EX_HYPERLINK_ATOM 0x0FD3
#define RT_CSTRING 0x0FBA
#define RT_CRYPT_SESSION 0x2F14

#define II_MACRO 1
#define II_RUN_PROGRAM 2

/* One program or macro a shape runs: the fact, and the sandbox over a
 * program's command line (t NULL: not), COMMANDS_MAX times at most
 * (*runs counts them). */
static void
report(struct obj_tree *t, struct mobj *doc, unsigned *runs, const char *trigger,
    bool macro, const char *target)
{
	if (macro) {
		obj_fact(doc, OBJ_FACT_PPT_ACTION_RUN, "%s: macro %.*s", trigger, TARGET_SHOW,
		    target);
		return;
	}
	obj_fact(doc, OBJ_FACT_PPT_ACTION_RUN, "%s: %.*s", trigger, TARGET_SHOW, target);
	if (t != NULL && target[0] != '\0' && *runs < COMMANDS_MAX) {
		(*runs)++;
		sandbox_run(t, doc, SANDBOX_CMD, target, strlen(target), NULL);
	}
}

/* ---- binary .ppt ---- */

struct walk {
	struct obj_tree *t;
	struct mobj *doc;
	GHashTable *links;	/* exHyperlinkId -> target (owned) */
	unsigned records;
	unsigned runs;		/* programs run through the sandbox */
	bool actions;		/* second pass: the actions; first: the links */
};

/* A CString's UTF-16LE characters as UTF-8 (g_free); a lone surrogate
 * is '?'. */
static char *
cstring(const uint8_t *p, size_t n)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i + 1 < n && i / 2 < CSTRING_MAX; i += 2) {
		gunichar c = le16(p + i);
		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
			gunichar lo = le16(p + i + 2);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			} else {
				c = '?';
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = '?';
		}
		if (c == 0)
			break;
		g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

/* The children of a container body, one at a time: false at the end.
 * *type, *inst, the body and its length (cut to what is there). */
static bool
next_record(const uint8_t *p, size_t n, size_t *off, uint16_t *type, unsigned *inst,
    unsigned *ver, const uint8_t **body, size_t *len)
{
	if (*off > n || n - *off < 8)
		return false;
	uint16_t vi = le16(p + *off);
	*type = le16(p + *off + 2);
	size_t rlen = le32(p + *off + 4);
	size_t avail = n - *off - 8;
	if (rlen > avail)
		rlen = avail;
	*ver = vi & 0xF;
	*inst = vi >> 4;
	*body = p + *off + 8;
	*len = rlen;
	*off += 8 + rlen;
	return true;
}

/* An ExHyperlinkContainer: its id and target, kept for the actions. */
static void
ex_hyperlink(struct walk *w, const uint8_t *p, size_t n)
{
	size_t off = 0, len;
	uint16_t type;
	unsigned inst, ver;
	const uint8_t *b;
	bool have_id = false;
	uint32_t id = 0;
	char *target = NULL;

	while (next_record(p, n, &off, &type, &inst, &ver, &b, &len)) {
		if (type == RT_EX_HYPERLINK_ATOM && len >= 4) {
			id = le32(b);
			have_id = true;
		} else if (type == RT_CSTRING && inst == 1 && target == NULL) {
			target = cstring(b, len);
		}
	}
	if (have_id && target != NULL && g_hash_table_size(w->links) < PPT_LINKS_MAX)
		g_hash_table_replace(w->links, GUINT_TO_POINTER(id), target);
	else
		g_free(target);
}

/* A Mouse{Click,Over}InteractiveInfoContainer (inst 0: click, 1: over). */
static void
interactive_info(struct walk *w, unsigned inst, const uint8_t *p, size_t n)
{
	size_t off = 0, len;
	uint16_t type;
	unsigned ri, ver;
	const uint8_t *b;
	int action = -1;
	uint32_t link = 0;
	char *name = NULL;

	while (next_record(p, n, &off, &type, &ri, &ver, &b, &len)) {
		if (type == RT_INTERACTIVE_INFO_ATOM && len >= 16 && action < 0) {
			link = le32(b + 4);
			action = b[8];
		} else if (type == RT_CSTRING && ri == 2 && name == NULL) {
			name = cstring(b, len);
		}
	}
	const char *trigger = inst == 1 ? "mouse-over" : "click";
	if (action == II_MACRO) {
		report(w->t, w->doc, &w->runs, trigger, true, name != NULL ? name : "");
	} else if (action == II_RUN_PROGRAM) {
		const char *target = name != NULL && name[0] != '\0' ? name :
		    g_hash_table_lookup(w->links, GUINT_TO_POINTER(link));
		report(w->t, w->doc, &w->runs, trigger, false, target != NULL ? target : "");
	}
	g_free(name);
}

/* The records of p[0..n): containers entered, the two passes' records
 * handled. */
static void
walk_records(struct walk *w, const uint8_t *p, size_t n, unsigned depth)
{
	size_t off = 0, len;
	uint16_t type;
	unsigned inst, ver;
	const uint8_t *b;

	while (w->records < PPT_RECORDS_MAX &&
	    next_record(p, n, &off, &type, &inst, &ver, &b, &len)) {
		w->records++;
		if (ver != 0xF || type == RT_CRYPT_SESSION)
			continue;
		if (type == RT_INTERACTIVE_INFO) {
			if (w->actions)
				interactive_info(w, inst, b, len);
		} else if (type == RT_EX_HYPERLINK) {
			if (!w->actions)
				ex_hyperlink(w, b, len);
		} else if (depth < PPT_DEPTH_MAX) {
			walk_records(w, b, len, depth + 1);
		}
	}
}

void
ppt_binary_actions(struct obj_tree *t, struct mobj *doc, const uint8_t *p, size_t n)
{
	struct walk w = { .t = t, .doc = doc };

	w.links = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	walk_records(&w, p, n, 0);
	w.records = 0;
	w.actions = true;
	walk_records(&w, p, n, 0);
	g_hash_table_destroy(w.links);
}

/* ---- .pptx ---- */

struct px {
	struct obj_tree *t;
	struct mobj *o;
	bool rels;		/* parsing the part's relationships */
	GHashTable *targets;	/* rId -> target (owned) */
	unsigned runs;		/* programs run through the sandbox */
};

/* ppaction://macro?name=X: X, percent-decoded (g_free). */
static char *
macro_name(const char *action)
{
	const char *q = strchr(action, '?');
	const char *n = q != NULL ? strstr(q, "name=") : NULL;
	if (n == NULL)
		return g_strdup("");
	n += 5;
	size_t len = strcspn(n, "&");
	char *raw = g_strndup(n, len);
	char *dec = g_uri_unescape_string(raw, NULL);
	if (dec == NULL)
		return raw;
	g_free(raw);
	return dec;
}

/* An a:hlinkClick / a:hlinkHover / a:hlinkMouseOver element. */
static void
hlink(struct px *x, const char *el, const char **an, const char **av)
{
	const char *action = xml_attr(an, av, "action");
	if (action == NULL)
		return;
	const char *trigger = strcmp(el, "hlinkClick") == 0 ? "click" : "mouse-over";
	if (has_prefix_ci(action, "ppaction://program")) {
		const char *rid = xml_attr(an, av, "id");
		const char *target = rid != NULL ? g_hash_table_lookup(x->targets, rid) : NULL;
		char *dec = target != NULL ? g_uri_unescape_string(target, NULL) : NULL;
		report(x->t, x->o, &x->runs, trigger, false,
		    dec != NULL ? dec : target != NULL ? target : "");
		g_free(dec);
	} else if (has_prefix_ci(action, "ppaction://macro")) {
		char *name = macro_name(action);
		report(x->t, x->o, &x->runs, trigger, true, name);
		g_free(name);
	}
}

/* GMarkup: an element opens. */
static void
on_start(GMarkupParseContext *c, const gchar *qname, const gchar **an,
    const gchar **av, gpointer ud, GError **err)
{
	struct px *x = ud;
	const char *el = xml_local_name(qname);

	(void)c;
	(void)err;
	if (x->rels) {
		const char *id = xml_attr(an, av, "Id"), *target = xml_attr(an, av, "Target");
		if (strcmp(el, "Relationship") == 0 && id != NULL && target != NULL)
			g_hash_table_replace(x->targets, g_strdup(id), g_strdup(target));
	} else if (strcmp(el, "hlinkClick") == 0 || strcmp(el, "hlinkHover") == 0 ||
	    strcmp(el, "hlinkMouseOver") == 0) {
		hlink(x, el, an, av);
	}
}

static const GMarkupParser parser = {
	.start_element = on_start,
};

/* Parse part (a damaged part: DOCUMENT_MALFORMED is ooxml.c's to say,
 * which reads every .rels part; here what was read counts). */
static void
parse_part(struct px *x, const struct mobj *part, bool rels)
{
	x->rels = rels;
	xml_parse_part(NULL, part, &parser, x);
}

/* A part that can hold shapes with actions. */
static bool
is_slide_part(const char *name)
{
	static const char *const dirs[] = {
		"ppt/slides/", "ppt/slideLayouts/", "ppt/slideMasters/", "ppt/notesSlides/",
		"ppt/notesMasters/", "ppt/handoutMasters/", NULL,
	};
	size_t n = strlen(name);

	if (n < 4 || g_ascii_strcasecmp(name + n - 4, ".xml") != 0)
		return false;
	for (size_t i = 0; dirs[i] != NULL; i++)
		if (has_prefix_ci(name, dirs[i]) && strchr(name + strlen(dirs[i]), '/') == NULL)
			return true;
	return false;
}

void
ppt_ooxml_actions(struct obj_tree *t, struct mobj *o)
{
	struct px x = { .t = t, .o = o };
	/* the parts by name, lower case: each slide's .rels found at once */
	GHashTable *parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name != NULL)
			g_hash_table_insert(parts, g_ascii_strdown(c->name, -1), (gpointer)c);
	}
	x.targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < o->children->len; i++) {
		const struct mobj *c = g_ptr_array_index(o->children, i);
		if (c->name == NULL || !is_slide_part(c->name))
			continue;
		/* ppt/slides/slide1.xml -> ppt/slides/_rels/slide1.xml.rels */
		const char *slash = strrchr(c->name, '/');
		char *rn = g_strdup_printf("%.*s/_rels/%s.rels", (int)(slash - c->name), c->name,
		    slash + 1);
		char *lower = g_ascii_strdown(rn, -1);
		const struct mobj *r = g_hash_table_lookup(parts, lower);
		g_free(lower);
		g_free(rn);
		g_hash_table_remove_all(x.targets);
		if (r != NULL)
			parse_part(&x, r, true);
		parse_part(&x, c, false);
	}
	g_hash_table_destroy(x.targets);
	g_hash_table_destroy(parts);
}
