/*
 * docstrings.c - the strings a document keeps outside its macros' source
 * and that the macros read: droppers hide their URL or command line in a
 * UserForm's TextBox, a document variable or the Comments property, and
 * the source only says UserForm1.TextBox1.Text.  Gathered here into the
 * `extra` table of the VBA evaluator (deob_vba(), src/deob/deob.h), whose
 * keys are the lower-case member chains a macro would write:
 *   userform1.textbox1 / .value / .text / .caption / .tag / .controltiptext
 *     (and the same without the form's name, as the form's own module
 *     writes it);
 *   activedocument.variables("name").value (thisdocument. too);
 *   activedocument.builtindocumentproperties("comments") and
 *     .customdocumentproperties("name"), with and without .value, under
 *     activedocument, thisdocument, activeworkbook and thisworkbook.
 *
 * Sources:
 *   - UserForms, [MS-OFORMS]: a storage per form holding "f", the form's
 *     FormControl (2.2.10.1) whose site list (OleSiteConcrete, 2.2.10.12)
 *     names each control, its class (ClsidCacheIndex), Tag,
 *     ControlTipText and the size of its data in "o", which holds the
 *     controls' data one after the other: MorphDataControl (TextBox,
 *     ComboBox, ListBox, CheckBox, OptionButton, ToggleButton: Value and
 *     Caption, 2.2.5), LabelControl (2.2.4) and CommandButtonControl
 *     (2.2.1): Caption.  Each DataBlock holds the properties of at most 4
 *     bytes, each aligned to its size, the ExtraDataBlock the strings
 *     (padded to 4 bytes); a string's size has its top bit set when it is
 *     one byte a character.  Design learnt from oletools' oleform.py;
 *     written from the specification.
 *   - Word 97-2003 document variables: [MS-DOC] 2.5.6 FibRgFcLcb97
 *     fcStwUser/lcbStwUser (entry 60) into the table stream, a StwUser
 *     (2.9.281): an extended STTB of the names (2-byte cch, UTF-16,
 *     cbExtra bytes) then one Xst value per name.
 *   - OOXML: word/settings.xml <w:docVars><w:docVar w:name w:val/>,
 *     docProps/core.xml (dc:title, dc:subject, dc:creator,
 *     cp:keywords, dc:description = Comments, cp:category,
 *     cp:lastModifiedBy), docProps/app.xml (Company, Manager),
 *     docProps/custom.xml (<property name=...><vt:lpwstr>...) read with
 *     GMarkupParser.
 *   - OLE property sets, [MS-OLEPS] 2.21 PropertySetStream: in
 *     "\005SummaryInformation" Title (PID 2), Subject (3), Author (4),
 *     Keywords (5), Comments (6), Last Author (8); in
 *     "\005DocumentSummaryInformation" Category (2), Manager (14),
 *     Company (15) and, in its second set, the user-defined properties
 *     named by its dictionary (PID 0); string values only (VT_LPSTR in
 *     the set's code page, PID 1, or VT_LPWSTR).
 *
 * Every reader takes (pointer, length), checks each size against what is
 * there and gives up on the rest of a stream at the first inconsistency.
 */
#include <string.h>

#include "ole.h"
#include "util/bytes.h"

#define DOCSTR_KEYS_MAX 4096		/* names in one table */
#define DOCSTR_VALUE_MAX (64u * 1024u)	/* bytes of one value */
#define DOCSTR_KEY_MAX 512		/* bytes of one name */
#define FORM_SITES_MAX 1024		/* controls read per form */
#define STW_VARS_MAX 4096		/* document variables read */
#define XML_PART_MAX (1u << 20)		/* bytes of an OOXML part parsed */

GHashTable *
docstr_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
docstr_add(GHashTable *x, const char *key, const char *val)
{
	if (x == NULL || key == NULL || val == NULL || val[0] == '\0' ||
	    strlen(key) > DOCSTR_KEY_MAX || g_hash_table_size(x) >= DOCSTR_KEYS_MAX)
		return;
	char *k = g_ascii_strdown(key, -1);
	if (g_hash_table_contains(x, k)) {
		g_free(k);
		return;
	}
	size_t n = strlen(val);
	if (n > DOCSTR_VALUE_MAX)
		n = DOCSTR_VALUE_MAX;
	char *v = g_utf8_make_valid(val, (gssize)n);
	g_hash_table_insert(x, k, v);
}

/* key = a "." b "." c (c may be NULL). */
static void
add3(GHashTable *x, const char *a, const char *b, const char *c, const char *val)
{
	char *k = c != NULL ? g_strconcat(a, ".", b, ".", c, NULL) : g_strconcat(a, ".", b, NULL);
	docstr_add(x, k, val);
	g_free(k);
}

void
docstr_docvar(GHashTable *x, const char *name, const char *val)
{
	static const char *const heads[] = { "activedocument", "thisdocument" };
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++) {
		char *k = g_strdup_printf("%s.variables(\"%s\").value", heads[i], name);
		docstr_add(x, k, val);
		g_free(k);
	}
}

void
docstr_property(GHashTable *x, const char *name, const char *val, bool custom)
{
	static const char *const heads[] = { "activedocument", "thisdocument", "activeworkbook",
		"thisworkbook" };
	const char *coll = custom ? "customdocumentproperties" : "builtindocumentproperties";
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++) {
		char *k = g_strdup_printf("%s.%s(\"%s\")", heads[i], coll, name);
		char *kv = g_strconcat(k, ".value", NULL);
		docstr_add(x, k, val);
		docstr_add(x, kv, val);
		g_free(k);
		g_free(kv);
	}
}

/* ---- UserForms ([MS-OFORMS]) ------------------------------------------------ */

/* A bounded cursor over one stream. */
struct cur {
	const uint8_t *p;
	size_t n, i;
	bool bad;
};

static bool
need(struct cur *c, size_t k)
{
	if (c->bad || c->n - c->i < k) {
		c->bad = true;
		return false;
	}
	return true;
}

static unsigned
get8(struct cur *c)
{
	return need(c, 1) ? c->p[c->i++] : 0;
}

static unsigned
get16(struct cur *c)
{
	if (!need(c, 2))
		return 0;
	unsigned v = le16(c->p + c->i);
	c->i += 2;
	return v;
}

static uint32_t
get32(struct cur *c)
{
	if (!need(c, 4))
		return 0;
	uint32_t v = le32(c->p + c->i);
	c->i += 4;
	return v;
}

static void
skip(struct cur *c, size_t k)
{
	if (need(c, k))
		c->i += k;
}

/* Align to a multiple of a from base. */
static void
align(struct cur *c, size_t base, size_t a)
{
	size_t r = (c->i - base) % a;
	if (r != 0)
		skip(c, a - r);
}

/* An fmString of the size field sz (CountOfBytesWithCompressionFlag),
 * padded to 4: UTF-8, or NULL. */
static char *
fm_string(struct cur *c, uint32_t sz, size_t base)
{
	bool compressed = (sz & 0x80000000u) != 0;
	size_t n = sz & 0x7FFFFFFFu;
	if (n == 0 || !need(c, n))
		return NULL;
	const uint8_t *s = c->p + c->i;
	c->i += n;
	align(c, base, 4);
	GString *out = g_string_sized_new(MIN(n, (size_t)DOCSTR_VALUE_MAX));
	if (compressed) {
		for (size_t k = 0; k < n && out->len < DOCSTR_VALUE_MAX; k++)
			g_string_append_unichar(out, s[k]);	/* Latin-1 */
	} else {
		for (size_t k = 0; k + 1 < n && out->len < DOCSTR_VALUE_MAX; k += 2) {
			gunichar u = le16(s + k);
			if (u >= 0xD800 && u <= 0xDFFF)
				u = 0xFFFD;
			g_string_append_unichar(out, u);
		}
	}
	return g_string_free(out, FALSE);
}

/* One property of a DataBlock: its PropMask bit, its size (0: none in
 * the DataBlock), and which string size it is (slot >= 0). */
struct fld {
	uint8_t bit, size;
	int8_t slot;
};

/* A DataBlock from c's position: the string sizes into sz[]. */
static void
datablock(struct cur *c, uint64_t mask, const struct fld *f, size_t nf, uint32_t *sz)
{
	size_t base = c->i;
	for (size_t k = 0; k < nf && !c->bad; k++) {
		if (!(mask & ((uint64_t)1 << f[k].bit)) || f[k].size == 0)
			continue;
		align(c, base, f[k].size);
		if (f[k].slot >= 0 && f[k].size == 4)
			sz[f[k].slot] = get32(c);
		else
			skip(c, f[k].size);
	}
	align(c, base, 4);
}

/* A control of the form, from "f". */
struct site {
	char *name, *tag, *tip;
	unsigned cls;		/* ClsidCacheIndex */
	uint32_t osize;		/* its bytes in "o" */
};

/* OleSiteConcrete (2.2.10.12.1) at c's position. */
static bool
site_read(struct cur *c, struct site *s)
{
	static const struct fld f[] = {
		{ 0, 4, 0 }, { 1, 4, 1 }, { 2, 4, -1 }, { 3, 4, -1 }, { 4, 4, -1 },
		{ 5, 4, 2 }, { 6, 2, -1 }, { 7, 2, 3 }, { 9, 2, -1 }, { 11, 4, 4 },
		{ 12, 4, 5 }, { 13, 4, 6 }, { 14, 4, 7 },
	};
	memset(s, 0, sizeof *s);
	if (get16(c) != 0)
		return false;
	size_t cb = get16(c);
	size_t start = c->i;
	if (!need(c, cb))
		return false;
	struct cur in = { .p = c->p + start, .n = cb };
	c->i += cb;
	uint32_t mask = get32(&in);
	uint32_t sz[8] = { 0 };
	/* the class index and object size are not strings: read them apart */
	size_t base = in.i;
	for (size_t k = 0; k < G_N_ELEMENTS(f) && !in.bad; k++) {
		if (!(mask & (1u << f[k].bit)))
			continue;
		align(&in, base, f[k].size);
		uint32_t v = f[k].size == 4 ? get32(&in) : get16(&in);
		if (f[k].slot == 2)
			s->osize = v;
		else if (f[k].slot == 3)
			s->cls = v & 0x7FFF;
		else if (f[k].slot >= 0)
			sz[f[k].slot] = v;
	}
	align(&in, base, 4);
	size_t eb = in.i;
	if (mask & (1u << 0))
		s->name = fm_string(&in, sz[0], eb);
	if (mask & (1u << 1))
		s->tag = fm_string(&in, sz[1], eb);
	if (mask & (1u << 8))
		skip(&in, 8);	/* SitePosition */
	if (mask & (1u << 11))
		s->tip = fm_string(&in, sz[4], eb);
	if (!(mask & (1u << 7)))
		s->cls = 0x7FFF;	/* no class: unknown data */
	return !in.bad || s->name != NULL;
}

static void
site_clear(struct site *s)
{
	g_free(s->name);
	g_free(s->tag);
	g_free(s->tip);
}

/* A TextProps / StdFont (GuidAndFont 2.4.7) or GuidAndPicture (2.4.8). */
static void
guid_font(struct cur *c)
{
	static const uint8_t stdfont[16] = { 0x03, 0x52, 0xE3, 0x0B, 0x91, 0x8F, 0xCE, 0x11,
		0x9D, 0xE3, 0x00, 0xAA, 0x00, 0x4B, 0xB8, 0x51 };
	if (!need(c, 16))
		return;
	bool std = memcmp(c->p + c->i, stdfont, 16) == 0;
	c->i += 16;
	if (std) {
		skip(c, 10);
		skip(c, get8(c));
	} else {
		skip(c, 2);
		skip(c, get16(c));
	}
}

static void
guid_picture(struct cur *c)
{
	skip(c, 16 + 4);
	skip(c, get32(c));
}

/* The sites of a FormControl ("f", 2.2.10.1); their count. */
static size_t
form_sites(const uint8_t *p, size_t n, struct site *sites, size_t max)
{
	struct cur c = { .p = p, .n = n };
	if (get8(&c) != 0 || get8(&c) != 4)
		return 0;
	size_t cb = get16(&c);
	size_t start = c.i;
	uint32_t mask = get32(&c);
	uint32_t boolprops = 0;
	if (mask & (1u << 1))
		skip(&c, 4);
	if (mask & (1u << 2))
		skip(&c, 4);
	if (mask & (1u << 3))
		skip(&c, 4);
	if (mask & (1u << 6))
		boolprops = get32(&c);
	if (c.bad || cb > n - start)
		return 0;
	c.i = start + cb;
	/* FormStreamData (2.2.10.5) */
	if (mask & (1u << 15))
		guid_picture(&c);
	if (mask & (1u << 20))
		guid_font(&c);
	if (mask & (1u << 21))
		guid_picture(&c);
	/* FormSiteData (2.2.10.6) */
	if (!(boolprops & (1u << 15))) {	/* FORM_FLAG_DONTSAVECLASSTABLE */
		unsigned k = get16(&c);
		for (unsigned i = 0; i < k && !c.bad; i++) {
			skip(&c, 2);
			skip(&c, get16(&c));
		}
	}
	uint32_t count = get32(&c);
	(void)get32(&c);	/* CountOfBytes */
	if (c.bad || count == 0)
		return 0;
	size_t base = c.i;
	for (uint32_t seen = 0; seen < count && !c.bad;) {
		(void)get8(&c);	/* depth */
		unsigned t = get8(&c);
		if (t & 0x80) {
			(void)get8(&c);
			seen += (t & 0x7F) > 0 ? (t & 0x7F) : 1;
		} else {
			seen++;
		}
	}
	align(&c, base, 4);
	size_t got = 0;
	for (uint32_t i = 0; i < count && got < max && !c.bad; i++) {
		if (!site_read(&c, &sites[got])) {
			site_clear(&sites[got]);
			break;
		}
		got++;
	}
	return got;
}

/* Value and Caption of one control's data in "o" (cls: its class). */
static void
control_data(const uint8_t *p, size_t n, unsigned cls, char **value, char **caption)
{
	struct cur c = { .p = p, .n = n };
	*value = *caption = NULL;
	bool morph = cls == 15 || (cls >= 23 && cls <= 28);
	if (!morph && cls != 21 && cls != 17)
		return;
	if (get8(&c) != 0 || get8(&c) != 2)
		return;
	size_t cb = get16(&c);
	if (c.bad || cb > n - c.i)
		return;
	struct cur in = { .p = p + c.i, .n = cb };
	uint32_t sz[2] = { 0 };
	uint64_t mask;
	bool size_first;
	if (morph) {
		static const struct fld f[] = {
			{ 0, 4, -1 }, { 1, 4, -1 }, { 2, 4, -1 }, { 3, 4, -1 }, { 4, 1, -1 },
			{ 5, 1, -1 }, { 6, 1, -1 }, { 7, 1, -1 }, { 9, 2, -1 }, { 10, 4, -1 },
			{ 11, 2, -1 }, { 12, 2, -1 }, { 13, 2, -1 }, { 14, 2, -1 }, { 15, 2, -1 },
			{ 16, 1, -1 }, { 17, 1, -1 }, { 18, 1, -1 }, { 20, 1, -1 }, { 21, 1, -1 },
			{ 22, 4, 0 }, { 23, 4, 1 }, { 24, 4, -1 }, { 25, 4, -1 }, { 26, 4, -1 },
			{ 27, 2, -1 }, { 28, 2, -1 }, { 29, 2, -1 }, { 32, 4, -1 },
		};
		uint32_t lo = get32(&in), hi = get32(&in);
		mask = (uint64_t)lo | (uint64_t)hi << 32;
		datablock(&in, mask, f, G_N_ELEMENTS(f), sz);
		size_first = true;
	} else if (cls == 21) {	/* Label */
		static const struct fld f[] = {
			{ 0, 4, -1 }, { 1, 4, -1 }, { 2, 4, -1 }, { 3, 4, 1 }, { 4, 4, -1 },
			{ 6, 1, -1 }, { 7, 4, -1 }, { 8, 2, -1 }, { 9, 2, -1 }, { 10, 2, -1 },
			{ 11, 2, -1 }, { 12, 2, -1 },
		};
		mask = get32(&in);
		datablock(&in, mask, f, G_N_ELEMENTS(f), sz);
		size_first = false;
	} else {	/* CommandButton */
		static const struct fld f[] = {
			{ 0, 4, -1 }, { 1, 4, -1 }, { 2, 4, -1 }, { 3, 4, 1 }, { 4, 4, -1 },
			{ 6, 1, -1 }, { 7, 2, -1 }, { 8, 2, -1 }, { 10, 2, -1 },
		};
		mask = get32(&in);
		datablock(&in, mask, f, G_N_ELEMENTS(f), sz);
		size_first = false;
	}
	if (in.bad)
		return;
	size_t eb = in.i;
	/* the ExtraDataBlock: MorphData Size, Value, Caption; others
	 * Caption, Size */
	unsigned size_bit = morph ? 8 : 5;
	if (size_first && (mask & ((uint64_t)1 << size_bit)))
		skip(&in, 8);
	if (morph && (mask & ((uint64_t)1 << 22)))
		*value = fm_string(&in, sz[0], eb);
	if (mask & ((uint64_t)1 << (morph ? 23 : 3)))
		*caption = fm_string(&in, sz[1], eb);
}

/* The names of one control's strings. */
static void
add_control(GHashTable *x, const char *form, const struct site *s, const char *value,
    const char *caption)
{
	const char *heads[2] = { form, NULL };
	const char *dflt = value != NULL ? value : caption != NULL ? caption : NULL;
	for (size_t h = 0; h < 2; h++) {
		char *pre = heads[h] != NULL ? g_strconcat(heads[h], ".", s->name, NULL) :
		    g_strdup(s->name);
		if (dflt != NULL)
			docstr_add(x, pre, dflt);
		if (value != NULL) {
			add3(x, pre, "value", NULL, value);
			add3(x, pre, "text", NULL, value);
		}
		if (caption != NULL)
			add3(x, pre, "caption", NULL, caption);
		if (s->tag != NULL)
			add3(x, pre, "tag", NULL, s->tag);
		if (s->tip != NULL)
			add3(x, pre, "controltiptext", NULL, s->tip);
		g_free(pre);
	}
}

void
docstr_form(GHashTable *x, const char *form, const uint8_t *f, size_t fn, const uint8_t *o,
    size_t on)
{
	if (x == NULL || f == NULL)
		return;
	struct site *sites = g_new0(struct site, FORM_SITES_MAX);
	size_t n = form_sites(f, fn, sites, FORM_SITES_MAX);
	size_t at = 0;
	/* a frame's own storage ("i07"...): its controls by their names alone */
	bool nested = form[0] == 'i' && g_ascii_isdigit(form[1]);
	for (size_t i = 0; i < n; i++) {
		struct site *s = &sites[i];
		char *value = NULL, *caption = NULL;
		if (o != NULL && at < on && s->osize <= on - at)
			control_data(o + at, s->osize, s->cls, &value, &caption);
		if (o != NULL && s->osize <= on - MIN(at, on))
			at += s->osize;
		else
			at = on;
		if (s->name != NULL && s->name[0] != '\0')
			add_control(x, nested ? NULL : form, s, value, caption);
		g_free(value);
		g_free(caption);
		site_clear(s);
	}
	g_free(sites);
}

/* A property identifier and the name VBA gives the property. */
struct olps_pid {
	uint32_t pid;
	const char *name;
};

/* ---- Word 97-2003 document variables ([MS-DOC]) ------------------------------ */

/* UTF-16LE p[0..2*cch) as UTF-8. */
static char *
u16(const uint8_t *p, size_t cch)
{
	GString *s = g_string_new(NULL);
	for (size_t k = 0; k < cch && s->len < DOCSTR_VALUE_MAX; k++) {
		gunichar u = le16(p + 2 * k);
		if (u >= 0xD800 && u <= 0xDFFF)
			u = 0xFFFD;
		g_string_append_unichar(s, u);
	}
	return g_string_free(s, FALSE);
}

/* StwUser (2.9.281) p[0..n). */
static void
stwuser(GHashTable *x, const uint8_t *p, size_t n)
{
	struct cur c = { .p = p, .n = n };
	if (get16(&c) != 0xFFFF)
		return;		/* only the extended (UTF-16) form is defined */
	size_t count = get16(&c), extra = get16(&c);
	if (c.bad || count > STW_VARS_MAX)
		return;
	char **names = g_new0(char *, count + 1);
	for (size_t i = 0; i < count && !c.bad; i++) {
		size_t cch = get16(&c);
		if (!need(&c, cch * 2))
			break;
		names[i] = u16(p + c.i, cch);
		c.i += cch * 2;
		skip(&c, extra);
	}
	for (size_t i = 0; i < count && !c.bad; i++) {
		size_t cch = get16(&c);
		if (!need(&c, cch * 2))
			break;
		char *v = u16(p + c.i, cch);
		c.i += cch * 2;
		if (names[i] != NULL)
			docstr_docvar(x, names[i], v);
		g_free(v);
	}
	g_strfreev(names);
}

void
docstr_word(GHashTable *x, const uint8_t *wd, size_t wn, const uint8_t *t0, size_t n0,
    const uint8_t *t1, size_t n1)
{
	if (x == NULL || wd == NULL || wn < 34 || le16(wd) != 0xA5EC)
		return;
	unsigned flags = le16(wd + 0x0A);
	if (flags & 0x0100)
		return;		/* fEncrypted */
	const uint8_t *t = (flags & 0x0200) ? t1 : t0;
	size_t tn = (flags & 0x0200) ? n1 : n0;
	size_t pos = 32;
	size_t csw = le16(wd + pos);
	pos += 2 + csw * 2;
	if (pos + 2 > wn)
		return;
	size_t cslw = le16(wd + pos);
	pos += 2 + cslw * 4;
	if (pos + 2 > wn)
		return;
	size_t cb = le16(wd + pos);
	pos += 2;
	if (cb < 61 || pos + 61 * 8 > wn || t == NULL)
		return;
	uint32_t fc = le32(wd + pos + 60 * 8), lcb = le32(wd + pos + 60 * 8 + 4);
	if (lcb == 0 || fc > tn || lcb > tn - fc)
		return;
	stwuser(x, t + fc, lcb);
}

/* ---- OLE property sets ([MS-OLEPS]) ------------------------------------------ */

#define OLEPS_PROPS_MAX 1024	/* properties read per set */

/* A string property at p[0..n) (TypedPropertyValue 2.15: VT_LPSTR in
 * the set's code page, VT_LPWSTR), UTF-8 or NULL. */
static char *
olps_string(const uint8_t *p, size_t n, unsigned codepage)
{
	if (n < 8)
		return NULL;
	unsigned type = le16(p);
	size_t len = le32(p + 4);
	if (type == 0x1F || (type == 0x1E && codepage == 1200)) {
		size_t bytes = type == 0x1F ? len * 2 : len;
		if (len > n || bytes > n - 8)
			return NULL;
		return u16(p + 8, bytes / 2);
	}
	if (type != 0x1E || len > n - 8)
		return NULL;
	const char *s = (const char *)p + 8;
	size_t l = strnlen(s, MIN(len, (size_t)DOCSTR_VALUE_MAX));
	char *v = g_convert(s, (gssize)l, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return v != NULL ? v : g_strndup(s, l);
}

/* The dictionary (PID 0, 2.17) of a user-defined set: the name of pid. */
static char *
olps_name(const uint8_t *p, size_t n, unsigned codepage, uint32_t pid)
{
	if (n < 4)
		return NULL;
	size_t count = le32(p), i = 4;
	for (size_t k = 0; k < count && k < OLEPS_PROPS_MAX && n - i >= 8; k++) {
		uint32_t id = le32(p + i);
		size_t len = le32(p + i + 4);
		i += 8;
		size_t bytes = codepage == 1200 ? len * 2 : len;
		if (len > n || bytes > n - i)
			return NULL;
		if (id == pid) {
			if (codepage == 1200)
				return u16(p + i, len);
			return g_strndup((const char *)p + i, strnlen((const char *)p + i, bytes));
		}
		i += bytes;
		if (codepage == 1200)
			i += (4 - (bytes % 4)) % 4;
		if (i > n)
			return NULL;
	}
	return NULL;
}

/* One PropertySet (2.20) at p[0..n): its strings to x, named by names
 * (PID -> VBA name, 0-terminated) or, user-defined, by the dictionary. */
static void
olps_set(GHashTable *x, const uint8_t *p, size_t n, const struct olps_pid *names, bool user)
{
	if (n < 8)
		return;
	size_t size = le32(p), count = le32(p + 4);
	if (size < 8 || size > n || count > OLEPS_PROPS_MAX || count > (size - 8) / 8)
		return;
	n = size;
	unsigned codepage = 1252;
	size_t dict = 0;
	for (size_t k = 0; k < count; k++) {	/* the code page and dictionary first */
		uint32_t pid = le32(p + 8 + k * 8), off = le32(p + 12 + k * 8);
		if (pid == 1 && off <= n - 6 && le16(p + off) == 0x02)
			codepage = le16(p + off + 4);
		else if (pid == 0 && off < n)
			dict = off;
	}
	for (size_t k = 0; k < count; k++) {
		uint32_t pid = le32(p + 8 + k * 8), off = le32(p + 12 + k * 8);
		if (pid < 2 || off >= n)
			continue;
		char *name = NULL;
		if (user && dict != 0)
			name = olps_name(p + dict, n - dict, codepage, pid);
		for (size_t i = 0; !user && names[i].pid != 0; i++)
			if (names[i].pid == pid)
				name = g_strdup(names[i].name);
		if (name == NULL)
			continue;
		char *v = olps_string(p + off, n - off, codepage);
		if (v != NULL)
			docstr_property(x, name, v, user);
		g_free(v);
		g_free(name);
	}
}

void
docstr_olps(GHashTable *x, const uint8_t *p, size_t n, bool docsummary)
{
	static const struct olps_pid summary[] = { { 2, "title" }, { 3, "subject" },
		{ 4, "author" }, { 5, "keywords" }, { 6, "comments" }, { 8, "last author" },
		{ 0, NULL } };
	static const struct olps_pid docsum[] = { { 2, "category" }, { 14, "manager" },
		{ 15, "company" }, { 0, NULL } };
	if (x == NULL || p == NULL || n < 48 || le16(p) != 0xFFFE)
		return;
	size_t sets = le32(p + 24);
	for (size_t k = 0; k < sets && k < 2 && 28 + k * 20 + 20 <= n; k++) {
		size_t off = le32(p + 28 + k * 20 + 16);
		if (off >= n)
			continue;
		olps_set(x, p + off, n - off, docsummary ? docsum : summary, docsummary && k == 1);
	}
}

/* ---- OOXML parts --------------------------------------------------------------- */

enum xpart { X_SETTINGS, X_CORE, X_APP, X_CUSTOM };

struct xml {
	GHashTable *x;
	enum xpart part;
	const char *prop;	/* the element being read: its property name */
	bool custom;
	char *cname;		/* custom.xml: the property's name */
	GString *text;
	unsigned depth;
};

/* The local part of an XML name. */
static const char *
local(const char *n)
{
	const char *c = strrchr(n, ':');
	return c != NULL ? c + 1 : n;
}

static void
x_start(GMarkupParseContext *ctx, const gchar *el, const gchar **an, const gchar **av,
    gpointer data, GError **err)
{
	(void)ctx;
	(void)err;
	struct xml *m = data;
	const char *l = local(el);
	m->depth++;
	if (m->part == X_SETTINGS) {
		if (strcmp(l, "docVar") != 0)
			return;
		const char *name = NULL, *val = NULL;
		for (size_t i = 0; an[i] != NULL; i++) {
			if (strcmp(local(an[i]), "name") == 0)
				name = av[i];
			else if (strcmp(local(an[i]), "val") == 0)
				val = av[i];
		}
		if (name != NULL && val != NULL)
			docstr_docvar(m->x, name, val);
		return;
	}
	if (m->part == X_CUSTOM) {
		if (strcmp(l, "property") == 0) {
			g_free(m->cname);
			m->cname = NULL;
			for (size_t i = 0; an[i] != NULL && m->cname == NULL; i++)
				if (strcmp(an[i], "name") == 0)
					m->cname = g_strdup(av[i]);
		} else if (m->cname != NULL && strcmp(l, "property") != 0) {
			m->prop = m->cname;
			m->custom = true;
			g_string_truncate(m->text, 0);
		}
		return;
	}
	static const struct { const char *el, *name; } core[] = {
		{ "title", "title" }, { "subject", "subject" }, { "creator", "author" },
		{ "keywords", "keywords" }, { "description", "comments" },
		{ "category", "category" }, { "lastModifiedBy", "last author" },
		{ "Company", "company" }, { "Manager", "manager" },
	};
	m->prop = NULL;
	if (m->depth != 2)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(core); i++)
		if (strcmp(l, core[i].el) == 0) {
			m->prop = core[i].name;
			m->custom = false;
			g_string_truncate(m->text, 0);
		}
}

static void
x_text(GMarkupParseContext *ctx, const gchar *t, gsize n, gpointer data, GError **err)
{
	(void)ctx;
	(void)err;
	struct xml *m = data;
	if (m->prop != NULL && m->text->len + n <= DOCSTR_VALUE_MAX)
		g_string_append_len(m->text, t, (gssize)n);
}

static void
x_end(GMarkupParseContext *ctx, const gchar *el, gpointer data, GError **err)
{
	(void)ctx;
	(void)el;
	(void)err;
	struct xml *m = data;
	if (m->depth > 0)
		m->depth--;
	if (m->prop == NULL)
		return;
	docstr_property(m->x, m->prop, m->text->str, m->custom);
	m->prop = NULL;
}

void
docstr_ooxml_part(GHashTable *x, const char *name, const uint8_t *p, size_t n)
{
	enum xpart part;
	if (x == NULL || name == NULL || p == NULL)
		return;
	if (g_ascii_strcasecmp(name, "word/settings.xml") == 0)
		part = X_SETTINGS;
	else if (g_ascii_strcasecmp(name, "docProps/core.xml") == 0)
		part = X_CORE;
	else if (g_ascii_strcasecmp(name, "docProps/app.xml") == 0)
		part = X_APP;
	else if (g_ascii_strcasecmp(name, "docProps/custom.xml") == 0)
		part = X_CUSTOM;
	else
		return;
	static const GMarkupParser parser = { .start_element = x_start,
		.end_element = x_end, .text = x_text };
	struct xml m = { .x = x, .part = part, .text = g_string_new(NULL) };
	GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &m, NULL);
	(void)g_markup_parse_context_parse(ctx, (const char *)p, (gssize)MIN(n,
	    (size_t)XML_PART_MAX), NULL);
	g_markup_parse_context_free(ctx);
	g_string_free(m.text, TRUE);
	g_free(m.cname);
}
