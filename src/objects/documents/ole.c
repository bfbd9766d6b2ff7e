/*
 * ole.c - the analyser of OLE2 compound files: Word, Excel and PowerPoint
 * 97-2003 documents, a vbaProject.bin part of an OOXML document, and OLE
 * objects (documents.h, docs/documents.md).
 *
 * libgsf reads the compound file (GsfInfileMSOle over the kept bytes); we
 * walk its storages and streams, bounded in depth and count, and look for:
 *  - VBA projects: a storage holding a "VBA" storage with a "dir" stream
 *    (Word "Macros/VBA", Excel "_VBA_PROJECT_CUR/VBA", a vbaProject.bin
 *    with "VBA" at its root, PowerPoint's compressed ExOleObjStg records in
 *    the "PowerPoint Document" stream, [MS-PPT] 2.10.42, inflated with
 *    zlib).  The modules (vba.c, [MS-OVBA]) become children
 *    "VBA/<module>.bas" of type "vba"; their source is analysed once, as a
 *    whole, with the facts on this object; each module's p-code is
 *    compared with its source (pcode.c: VBA_STOMPED), and the source runs
 *    through the static sandbox with the strings the document keeps for
 *    its macros (docstrings.c: UserForm storages, Word's document
 *    variables, the OLE property sets, the p-code literals the source
 *    lacks); for a vbaProject.bin part of an OOXML package the package's
 *    analyser does that last step (ole_vba_sandbox(), from ooxml.c);
 *  - embedded objects: "\001Ole10Native" streams ([MS-OLEDS] 2.3.6; the
 *    Packager format inside: label, source path, temporary path, data),
 *    "Package" and "CONTENTS" streams: each becomes a child;
 *  - encryption: EncryptionInfo + EncryptedPackage (encrypted OOXML,
 *    [MS-OFFCRYPTO] 2.3.4.5/2.3.4.10), the Word FIB fEncrypted bit,
 *    Excel's FILEPASS record (xlm.c), PowerPoint's EncryptedSummary stream
 *    or CryptSession10Container record.  The document is then flagged
 *    OBJ_ENCRYPTED with its cipher, and the scan's candidate passwords
 *    (password.h) are tried on it (offcrypto.c; Excel's default
 *    "VelvetSweatshop" too).  With the right one an OOXML package is
 *    decrypted into a child "EncryptedPackage.<type>" that is unpacked and
 *    analysed like any document; an Excel Workbook stream is decrypted and
 *    read for XLM macros, a Word WordDocument stream for DDE fields;
 *    PowerPoint's password is only verified;
 *  - DDE fields in the WordDocument stream (see dde_scan());
 *  - Excel 4.0 macros in the Workbook stream (xlm.c);
 *  - PowerPoint shapes that run a program or macro on click or mouse-over
 *    (ppt.c).
 *
 * libgsf reports damage through g_warning() and g_return_if_fail() in its
 * own log domains, and one warning in the default domain; those messages
 * are dropped here (handlers installed once), so malformed files neither
 * abort tests nor flood stderr.
 */
#include <string.h>

#include <gsf/gsf-infile.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-utils.h>
#include <zlib.h>

#include "documents.h"
#include "objects/filetype.h"
#include "objects/tree_api.h"
#include "offcrypto.h"
#include "ole.h"
#include "objects/password.h"
#include "util/bytes.h"

#define OLE_DEPTH_MAX 8		/* storages inside storages */
#define OLE_ENTRIES_MAX 4096	/* storages and streams visited per file */
#define OLE_STREAM_MAX (64u << 20)	/* bytes read from one stream */
#define OLE_NEST_MAX 2		/* compound files inside (PowerPoint) */
#define PPT_RECORDS_MAX 200000
#define PPT_DEPTH_MAX 16
#define VBA_ALL_SOURCE_MAX (8u << 20)	/* source analysed per document */
#define DDE_DETAIL_MAX 100
#define DDE_FIELDS_MAX 32
#define PPT_CRYPT_MAX 4096	/* CryptSession10Container bytes kept */

struct ole_ctx {
	struct obj_tree *t;
	struct mobj *doc;	/* where facts go */
	struct cwalk w;
	unsigned entries;
	unsigned nest;
	GString *src;		/* all module source, for one analysis */
	GString *modules;	/* module names */
	unsigned projects;
	uint8_t *ppt_crypt;	/* the first CryptSession10Container's body */
	size_t ppt_crypt_n;
	GHashTable *extra;	/* the document's strings (docstrings.c) */
	GString *pcode;		/* p-code literals not in the source, as VBA
				 * reading them from extra (for the sandbox) */
	unsigned pcode_n;
	bool quiet;		/* ole_vba_sandbox(): collect, no facts */
};

static void walk(struct ole_ctx *c, GsfInfile *dir, unsigned depth, bool root);

/* ---- GLib plumbing ---- */

static void
drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

/*
 * gsf-infile.c warns in the default domain ("Unable to get child[%d] for
 * infile ...") when a damaged directory entry cannot be opened: those
 * lines are dropped, everything else in that domain goes on to GLib's
 * default handler as before (mamori installs no handler of its own).
 */
static void
filter_default_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer data)
{
	if (msg != NULL && (g_str_has_prefix(msg, "Unable to get child[") ||
	    strstr(msg, "failure reading block") != NULL))
		return;
	g_log_default_handler(domain, level, msg, data);
}

static gpointer
ole_init_once(gpointer unused)
{
	(void)unused;
	gsf_init();
	static const char *const domains[] = { "libgsf", "libgsf:msole",
		"libgsf:utils", NULL };
	for (size_t i = 0; domains[i] != NULL; i++)
		g_log_set_handler(domains[i], G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
		    G_LOG_FLAG_RECURSION, drop_log, NULL);
	g_log_set_handler(NULL, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL,
	    filter_default_log, NULL);
	return NULL;
}

static void
ole_init(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, ole_init_once, NULL);
}

static GsfInfile *
ole_open(const uint8_t *p, size_t len)
{
	ole_init();
	GsfInput *in = gsf_input_memory_new(p, (gsf_off_t)len, FALSE);
	if (in == NULL)
		return NULL;
	GsfInfile *f = gsf_infile_msole_new(in, NULL);
	g_object_unref(in);
	return f;
}

/* The whole of a stream, at most OLE_STREAM_MAX bytes; g_free(). */
static uint8_t *
read_all(GsfInput *in, size_t *n)
{
	gsf_off_t sz = gsf_input_size(in);
	*n = 0;
	if (sz <= 0)
		return NULL;
	size_t want = (uint64_t)sz > OLE_STREAM_MAX ? OLE_STREAM_MAX : (size_t)sz;
	uint8_t *b = g_try_malloc(want);
	if (b == NULL)
		return NULL;
	if (gsf_input_seek(in, 0, G_SEEK_SET) ||
	    gsf_input_read(in, want, b) == NULL) {
		g_free(b);
		return NULL;
	}
	*n = want;
	return b;
}

static uint8_t *
read_child(GsfInfile *dir, const char *name, size_t *n)
{
	*n = 0;
	GsfInput *in = gsf_infile_child_by_name(dir, name);
	if (in == NULL)
		return NULL;
	uint8_t *b = NULL;
	if (!GSF_IS_INFILE(in) || gsf_infile_num_children(GSF_INFILE(in)) < 0)
		b = read_all(in, n);
	g_object_unref(in);
	return b;
}

static bool
is_storage(GsfInput *in)
{
	return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

static bool
has_child(GsfInfile *dir, const char *name)
{
	GsfInput *in = gsf_infile_child_by_name(dir, name);
	if (in == NULL)
		return false;
	g_object_unref(in);
	return true;
}

/* ---- VBA projects ---- */

/* A child name for a module: "VBA/<name>.bas", kept to plain characters. */
static char *
module_child_name(const char *name)
{
	GString *s = g_string_new("VBA/");
	for (const char *q = name; *q != '\0' && s->len < 80; q++) {
		unsigned char ch = (unsigned char)*q;
		g_string_append_c(s, (ch < 0x20 || ch == '/' || ch == '\\') ? '_' : (char)ch);
	}
	g_string_append(s, ".bas");
	return g_string_free(s, FALSE);
}

/* A fact on the document, unless only collecting (ole_vba_sandbox()). */
#define CFACT(c, f, ...) do { if (!(c)->quiet) obj_fact((c)->doc, f, __VA_ARGS__); } while (0)

/* PROJECTSYSKIND ([MS-OVBA] 2.3.4.2.1.1) of a decompressed dir stream:
 * whether it is 3 (64-bit Windows). */
static bool
dir_is64(const uint8_t *p, size_t n)
{
	return n >= 10 && le16(p) == 0x0001 && le32(p + 2) == 4 && le32(p + 6) == 3;
}

/*
 * A module's p-code (the PerformanceCache before its source, pcode.c):
 * VBA_STOMPED when it disagrees with the source; the literals the source
 * lacks are what runs, handed to the sandbox as document strings.
 */
static void
module_pcode(struct ole_ctx *c, const struct vba_module *m, const uint8_t *s, size_t slen,
    const uint8_t *src, size_t olen, unsigned version, bool is64)
{
	struct vba_pcode pc;
	if (m->offset == 0 || m->offset > slen ||
	    vba_pcode_read(s, m->offset, version, is64, &pc) != PCODE_OK || pc.lines == 0) {
		vba_pcode_clear(&pc);
		return;
	}
	GString *why = g_string_new(NULL);
	if (vba_pcode_stomped(&pc, (const char *)src, olen, why))
		CFACT(c, OBJ_FACT_VBA_STOMPED, "%s: %s", m->name, why->str);
	g_string_free(why, TRUE);
	for (guint i = 0; i < pc.lits->len && c->pcode_n < 1000; i++) {
		gsize n = 0;
		const char *l = g_bytes_get_data(pc.lits->pdata[i], &n);
		char *q = g_strndup(l, n);
		char **parts = g_strsplit(q, "\"", -1);
		char *esc = g_strjoinv("\"\"", parts);
		g_strfreev(parts);
		char *lit = g_strconcat("\"", esc, "\"", NULL);
		if (n < 4 || memmem(src, olen, lit, strlen(lit)) != NULL) {
			g_free(q);
			g_free(esc);
			g_free(lit);
			continue;
		}
		char key[32];
		g_snprintf(key, sizeof key, "pcode_literal_%u", ++c->pcode_n);
		char *latin = g_convert(q, (gssize)n, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
		docstr_add(c->extra, key, latin != NULL ? latin : q);
		g_string_append_printf(c->pcode, "PCodeRuns %s\n", key);
		g_free(latin);
		g_free(q);
		g_free(esc);
		g_free(lit);
	}
	vba_pcode_clear(&pc);
}

/* vba is the "VBA" storage of a project. */
static void
vba_project(struct ole_ctx *c, GsfInfile *vba)
{
	size_t dlen = 0;
	uint8_t *dir = read_child(vba, "dir", &dlen);
	if (dir == NULL) {
		CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA project without a dir stream");
		return;
	}
	bool damaged = false;
	size_t plen = 0;
	uint8_t *plain = vba_decompress(dir, dlen, VBA_DIR_MAX, &plen, &damaged);
	g_free(dir);
	if (plain == NULL) {
		CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA dir stream not compressed");
		return;
	}
	GPtrArray *mods = vba_dir_modules(plain, plen, &damaged);
	bool is64 = dir_is64(plain, plen);
	g_free(plain);
	if (damaged)
		CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA dir stream damaged");
	/* _VBA_PROJECT: 0x61CC, then the Version of its p-code (2.3.4.1) */
	size_t vlen = 0;
	uint8_t *vp = read_child(vba, "_VBA_PROJECT", &vlen);
	unsigned version = vp != NULL && vlen >= 7 && le16(vp) == 0x61CC ? le16(vp + 2) : 0;
	g_free(vp);
	c->projects++;
	for (guint i = 0; i < mods->len; i++) {
		const struct vba_module *m = g_ptr_array_index(mods, i);
		size_t slen = 0;
		uint8_t *s = read_child(vba, m->stream, &slen);
		if (s == NULL) {
			CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA module stream missing");
			continue;
		}
		size_t olen = 0;
		uint8_t *src = NULL;
		bool bad = false;
		if (m->offset < slen)
			src = vba_decompress(s + m->offset, slen - m->offset,
			    VBA_SOURCE_MAX, &olen, &bad);
		if (src != NULL && !bad && olen < VBA_SOURCE_MAX)
			module_pcode(c, m, s, slen, src, olen, version, is64);
		g_free(s);
		if (src == NULL || bad)
			CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA module source damaged");
		if (c->modules->len > 0)
			g_string_append(c->modules, ", ");
		if (c->modules->len < 400)
			g_string_append(c->modules, m->name);
		if (src != NULL) {
			if (c->src->len + olen + 1 <= VBA_ALL_SOURCE_MAX) {
				g_string_append_len(c->src, (const char *)src, (gssize)olen);
				g_string_append_c(c->src, '\n');
			}
			char *cn = module_child_name(m->name);
			if (olen > 0 && !c->quiet)
				(void)cwalk_add(&c->w, cn, src, olen, OBJ_FROM_EMBEDDED);
			g_free(cn);
			g_free(src);
		}
	}
	if (mods->len == 0)
		CFACT(c, OBJ_FACT_DOCUMENT_MALFORMED, "VBA project without modules");
	g_ptr_array_unref(mods);
}

/* ---- the document's strings (docstrings.c) ---- */

/* A UserForm: a storage holding "f" and "o". */
static void
user_form(struct ole_ctx *c, GsfInfile *dir, const char *name)
{
	size_t fn = 0, on = 0;
	uint8_t *f = read_child(dir, "f", &fn);
	uint8_t *o = f != NULL ? read_child(dir, "o", &on) : NULL;
	if (f != NULL)
		docstr_form(c->extra, name, f, fn, o, on);
	g_free(f);
	g_free(o);
}

/* "\005SummaryInformation", "\005DocumentSummaryInformation" ([MS-OLEPS],
 * docstrings.c; not libgsf's reader, which leaks on damaged sets). */
static void
summary_info(struct ole_ctx *c, GsfInput *in, bool docsummary)
{
	size_t n = 0;
	uint8_t *p = read_all(in, &n);
	docstr_olps(c->extra, p, n, docsummary);
	g_free(p);
}

/* Word's document variables: the table streams beside WordDocument. */
static void
word_docvars(struct ole_ctx *c, GsfInfile *dir, const uint8_t *wd, size_t wn)
{
	size_t n0 = 0, n1 = 0;
	uint8_t *t0 = read_child(dir, "0Table", &n0);
	uint8_t *t1 = read_child(dir, "1Table", &n1);
	docstr_word(c->extra, wd, wn, t0, n0, t1, n1);
	g_free(t0);
	g_free(t1);
}

/* ---- embedded objects ---- */

/* A NUL-terminated string at *pos within [p, p+n), advancing *pos; NULL
 * when there is none. */
static const char *
cstr(const uint8_t *p, size_t n, size_t *pos, size_t *slen)
{
	if (*pos >= n)
		return NULL;
	const uint8_t *z = memchr(p + *pos, 0, n - *pos);
	if (z == NULL)
		return NULL;
	const char *s = (const char *)p + *pos;
	*slen = (size_t)(z - (p + *pos));
	*pos += *slen + 1;
	return s;
}

/* The last path component of s[0..n), cleaned into a child name. */
static char *
base_name(const char *s, size_t n)
{
	size_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\' || s[i] == '/')
			b = i + 1;
	GString *r = g_string_new(NULL);
	for (size_t i = b; i < n && r->len < 200; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f)
			g_string_append_c(r, '_');
		else
			g_string_append_c(r, (char)ch);
	}
	return g_string_free(r, FALSE);
}

/*
 * [MS-OLEDS] 2.3.6 OLENativeStream: NativeDataSize then the native data.
 * For the Packager (the usual case, and what droppers use) the native data
 * is: a 16-bit type (2), the label and source path as NUL-terminated ANSI
 * strings, a 32-bit type (0x00030000), the length of the temporary path and
 * the path, the data size and the data.  Anything else is carved whole.
 */
static void
ole10native(struct ole_ctx *c, const uint8_t *p, size_t n)
{
	if (n < 4) {
		obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "Ole10Native stream too short");
		return;
	}
	size_t total = le32(p);
	const uint8_t *d = p + 4;
	size_t dn = n - 4;
	if (total < dn)
		dn = total;
	size_t pos = 2, llen = 0, slen = 0;
	const char *label = NULL, *src = NULL;
	if (dn >= 2 && le16(d) == 2) {
		label = cstr(d, dn, &pos, &llen);
		if (label != NULL)
			src = cstr(d, dn, &pos, &slen);
	}
	if (src != NULL && dn - pos >= 8) {
		size_t tplen = le32(d + pos + 4);
		pos += 8;
		if (tplen <= dn - pos && dn - pos - tplen >= 4) {
			pos += tplen;
			size_t size = le32(d + pos);
			pos += 4;
			if (size > dn - pos) {
				obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "Ole10Native data cut");
				size = dn - pos;
			}
			char *name = llen > 0 ? base_name(label, llen) : base_name(src, slen);
			if (name[0] == '\0') {
				g_free(name);
				name = g_strdup("Ole10Native.bin");
			}
			obj_fact(c->doc, OBJ_FACT_OLE_EMBEDDED_OBJECT, "%s", name);
			(void)cwalk_add(&c->w, name, d + pos, size, OBJ_FROM_EMBEDDED);
			g_free(name);
			return;
		}
	}
	obj_fact(c->doc, OBJ_FACT_OLE_EMBEDDED_OBJECT, "Ole10Native");
	(void)cwalk_add(&c->w, "Ole10Native.bin", d, dn, OBJ_FROM_EMBEDDED);
}

/* ---- encryption ---- */

static void
encryption_info(struct ole_ctx *c, GsfInfile *dir)
{
	size_t n = 0;
	uint8_t *p = read_child(dir, "EncryptionInfo", &n);
	const char *what = "OOXML";
	if (p != NULL && n >= 4) {
		uint16_t major = le16(p), minor = le16(p + 2);
		if (major == 4 && minor == 4)
			what = "OOXML Agile";
		else if ((major == 2 || major == 3 || major == 4) && minor == 2)
			what = "OOXML Standard";
		else if ((major == 3 || major == 4) && minor == 3)
			what = "OOXML Extensible";
	}
	g_free(p);
	obj_fact(c->doc, OBJ_FACT_ENCRYPTED_OFFICE, "%s", what);
}

/* The detail of the first ENCRYPTED_OFFICE fact, as the cipher of a
 * document offcrypto.c could not name. */
static const char *
encryption_name(const struct mobj *o)
{
	for (guint i = 0; o->facts != NULL && i < o->facts->len; i++) {
		const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, i);
		if (f->id == OBJ_FACT_ENCRYPTED_OFFICE && f->detail != NULL)
			return f->detail;
	}
	return "encrypted";
}

/* [MS-DOC] 2.5.1 FibBase: wIdent 0xA5EC, then fEncrypted (bit 8 of the
 * flags at 0x0A) and fObfuscated (bit 15: XOR). */
static void
word_fib(struct ole_ctx *c, const uint8_t *p, size_t n)
{
	if (n < 0x0C || le16(p) != 0xA5EC)
		return;
	uint16_t fl = le16(p + 0x0A);
	if (fl & 0x0100)
		obj_fact(c->doc, OBJ_FACT_ENCRYPTED_OFFICE, "%s",
		    (fl & 0x8000) ? "XOR obfuscation" : "RC4/CryptoAPI");
}

/* ---- DDE ---- */

static bool
dde_word(const char *s)
{
	while (*s == ' ')
		s++;
	if (g_ascii_strncasecmp(s, "DDE", 3) != 0)
		return false;
	s += 3;
	if (g_ascii_strncasecmp(s, "AUTO", 4) == 0)
		s += 4;
	return *s == ' ' || *s == '\0';
}

static void
dde_report(struct ole_ctx *c, GString *f)
{
	while (f->len > 0 && f->str[f->len - 1] == ' ')
		g_string_truncate(f, f->len - 1);
	char *s = f->str;
	while (*s == ' ')
		s++;
	if (!dde_word(s))
		return;
	/* cut to DDE_DETAIL_MAX characters (UTF-8: whole characters) */
	const char *end = s;
	for (unsigned k = 0; *end != '\0' && k < DDE_DETAIL_MAX; k++)
		end = g_utf8_next_char(end);
	obj_fact(c->doc, OBJ_FACT_DDE_FIELD, "%.*s", (int)(end - s), s);
}

/*
 * Field codes in a Word binary document: a field is 0x13, its
 * instructions, then 0x14 (separator) or 0x15 (end).  The text lives in
 * the WordDocument stream, in pieces that are either 8-bit (cp1252) or
 * UTF-16LE per the piece table; rather than follow the piece table we scan
 * the stream in both encodings (bounded: at most DDE_FIELDS_MAX fields,
 * 512 characters of instructions each), which finds the same field
 * instructions and costs one pass each.  Characters outside ASCII are
 * taken as Latin-1.
 */
static void
dde_scan(struct ole_ctx *c, const uint8_t *p, size_t n)
{
	unsigned found = 0;
	for (unsigned wide = 0; wide < 2; wide++) {
		size_t step = wide ? 2 : 1;
		for (size_t i = 0; i + step <= n && found < DDE_FIELDS_MAX; i++) {
			if (p[i] != 0x13 || (wide && (i + 1 >= n || p[i + 1] != 0)))
				continue;
			GString *f = g_string_new(NULL);
			size_t j = i + step;
			bool ok = false;
			for (unsigned k = 0; j + step <= n && k < 512; k++, j += step) {
				unsigned ch = wide ? le16(p + j) : p[j];
				if (ch == 0x14 || ch == 0x15 || ch == 0x13) {
					ok = ch != 0x13;
					break;
				}
				if (ch == 0 || ch == '\r')
					break;
				if (ch < 0x20)
					ch = ' ';
				g_string_append_unichar(f, (gunichar)(ch == 0xFFFF ? '?' : ch));
			}
			if (ok && f->len > 0) {
				found++;
				dde_report(c, f);
			}
			g_string_free(f, TRUE);
		}
	}
}

/* ---- PowerPoint ---- */

static void nested(struct ole_ctx *c, const uint8_t *p, size_t n);

/*
 * A compound file compressed with zlib after its inflated size (a u32):
 * PowerPoint's compressed ExOleObjStg and VbaProjectStg ([MS-PPT]
 * 2.10.34), and the streams of Word 2003's oledata.mso, one per embedded
 * object, named by its ObjectID.  Inflated to at most OLE_STREAM_MAX bytes
 * and read as a nested compound file.
 */
static void
inflate_storage(struct ole_ctx *c, const uint8_t *p, size_t n, const char *what)
{
	if (n < 4)
		return;
	uint32_t want = le32(p);
	size_t cap = want < OLE_STREAM_MAX ? want : OLE_STREAM_MAX;
	uint8_t *out = cap > 0 ? g_try_malloc(cap) : NULL;
	if (out == NULL)
		return;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) == Z_OK) {
		z.next_in = (Bytef *)(uintptr_t)(p + 4);
		z.avail_in = (uInt)MIN(n - 4, (size_t)UINT32_MAX);
		z.next_out = out;
		z.avail_out = (uInt)cap;
		int r = inflate(&z, Z_FINISH);
		size_t got = cap - z.avail_out;
		inflateEnd(&z);
		if (r != Z_STREAM_END && got < cap)
			obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "%s does not inflate", what);
		nested(c, out, got);
	}
	g_free(out);
}

/* Word 2003's oledata.mso names an embedded object's stream by its
 * ObjectID: "_" and digits ("_1577691300"). */
static bool
object_id_stream(const char *name)
{
	size_t n = strlen(name);

	if (n < 2 || n > 20 || name[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (!g_ascii_isdigit(name[i]))
			return false;
	}
	return true;
}

/* [MS-PPT] 2.3.1 RecordHeader: recVer:4 recInstance:12, recType, recLen. */
static void
ppt_records(struct ole_ctx *c, const uint8_t *p, size_t n, unsigned depth,
    unsigned *count)
{
	size_t off = 0;
	while (n - off >= 8 && *count < PPT_RECORDS_MAX && cwalk_go(&c->w)) {
		(*count)++;
		uint16_t vi = le16(p + off), type = le16(p + off + 2);
		uint32_t rlen = le32(p + off + 4);
		const uint8_t *body = p + off + 8;
		size_t avail = n - off - 8;
		if (rlen > avail) {
			rlen = (uint32_t)avail;
			if (depth == 0)
				obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "PowerPoint record cut");
		}
		unsigned ver = vi & 0xF, inst = vi >> 4;
		if (type == 0x2F14) {	/* CryptSession10Container: not records */
			obj_fact(c->doc, OBJ_FACT_ENCRYPTED_OFFICE, "RC4/CryptoAPI");
			if (c->ppt_crypt == NULL && c->nest == 0) {
				c->ppt_crypt_n = MIN(rlen, PPT_CRYPT_MAX);
				c->ppt_crypt = g_memdup2(body, c->ppt_crypt_n);
			}
		} else if (ver == 0xF && depth < PPT_DEPTH_MAX) {
			ppt_records(c, body, rlen, depth + 1, count);
		} else if (type == 0x1011 && inst == 1 && rlen >= 4) {
			/* ExOleObjStg / VbaProjectStg, compressed with zlib */
			inflate_storage(c, body, rlen, "PowerPoint storage");
		} else if (type == 0x1011 && inst == 0) {
			nested(c, body, rlen);
		}
		off += 8 + (size_t)rlen;
	}
}

/* A compound file inside this one (PowerPoint's ExOleObjStg): its VBA
 * project and embedded objects are this document's. */
static void
nested(struct ole_ctx *c, const uint8_t *p, size_t n)
{
	if (c->nest >= OLE_NEST_MAX || n < 512 ||
	    memcmp(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) != 0)
		return;
	GsfInfile *f = ole_open(p, n);
	if (f == NULL) {
		obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "embedded storage unreadable");
		return;
	}
	c->nest++;
	walk(c, f, 0, true);
	c->nest--;
	g_object_unref(f);
}

/* ---- the walk ---- */

static void
stream(struct ole_ctx *c, GsfInfile *dir, GsfInput *in, const char *name, bool root)
{
	bool native = strcmp(name, "\001Ole10Native") == 0;
	bool package = strcmp(name, "Package") == 0 || strcmp(name, "CONTENTS") == 0;
	bool worddoc = root && c->nest == 0 && strcmp(name, "WordDocument") == 0;
	bool workbook = root && c->nest == 0 &&
	    (strcmp(name, "Workbook") == 0 || strcmp(name, "Book") == 0);
	bool ppt = root && c->nest == 0 && strcmp(name, "PowerPoint Document") == 0;
	/* oledata.mso (Word 2003 XML, MHT): [size][zlib] of an object */
	bool mso = root && c->nest == 0 && object_id_stream(name);

	if (root && c->nest == 0 && strcmp(name, "\005SummaryInformation") == 0)
		summary_info(c, in, false);
	if (root && c->nest == 0 && strcmp(name, "\005DocumentSummaryInformation") == 0)
		summary_info(c, in, true);
	if (c->quiet)
		return;
	if (root && strcmp(name, "EncryptedSummary") == 0)
		obj_fact(c->doc, OBJ_FACT_ENCRYPTED_OFFICE, "RC4/CryptoAPI");
	if (root && strcmp(name, "EncryptionInfo") == 0 &&
	    has_child(dir, "EncryptedPackage"))
		encryption_info(c, dir);
	if (!native && !package && !worddoc && !workbook && !ppt && !mso)
		return;
	size_t n = 0;
	uint8_t *p = read_all(in, &n);
	if (p == NULL)
		return;
	if (native) {
		ole10native(c, p, n);
	} else if (package) {
		obj_fact(c->doc, OBJ_FACT_OLE_EMBEDDED_OBJECT, "%s", name);
		(void)cwalk_add(&c->w, name, p, n, OBJ_FROM_EMBEDDED);
	} else if (worddoc) {
		word_fib(c, p, n);
		dde_scan(c, p, n);
		word_docvars(c, dir, p, n);
	} else if (workbook) {
		xlm_analyse_workbook(c->t, c->doc, p, n);
	} else if (mso) {
		if (n >= 6 && p[4] == 0x78 && ((p[4] << 8) | p[5]) % 31 == 0)
			inflate_storage(c, p, n, "oledata.mso object");
	} else {
		unsigned count = 0;
		ppt_records(c, p, n, 0, &count);
		ppt_binary_actions(c->t, c->doc, p, n);
	}
	g_free(p);
}

static void
walk(struct ole_ctx *c, GsfInfile *dir, unsigned depth, bool root)
{
	int n = gsf_infile_num_children(dir);

	/* a VBA project: this storage holds "VBA" with "dir" in it */
	GsfInput *v = gsf_infile_child_by_name(dir, "VBA");
	if (v != NULL) {
		if (is_storage(v) && has_child(GSF_INFILE(v), "dir") && c->projects < 4)
			vba_project(c, GSF_INFILE(v));
		g_object_unref(v);
	}
	for (int i = 0; i < n && c->entries < OLE_ENTRIES_MAX; i++) {
		if (!cwalk_go(&c->w))
			return;
		c->entries++;
		GsfInput *in = gsf_infile_child_by_index(dir, i);
		if (in == NULL)
			continue;
		const char *name = gsf_input_name(in);
		if (name == NULL)
			name = "";
		if (is_storage(in)) {
			if (has_child(GSF_INFILE(in), "f") && has_child(GSF_INFILE(in), "o"))
				user_form(c, GSF_INFILE(in), name);
			if (depth + 1 < OLE_DEPTH_MAX && strcmp(name, "VBA") != 0)
				walk(c, GSF_INFILE(in), depth + 1, false);
		} else {
			stream(c, dir, in, name, root);
		}
		g_object_unref(in);
	}
	if (c->entries >= OLE_ENTRIES_MAX)
		obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "too many storages and streams");
}

/* ---- decryption (offcrypto.c) ---- */

struct pw_trial {
	struct obj_tree *t;
	struct mobj *o;
	struct offcrypto *oc;
};

/* One candidate: the verifier only, bounded by the scan's deadline and
 * what is left of the password time budget. */
static enum pw_verdict
pw_test(void *arg, const char *pw)
{
	struct pw_trial *a = arg;
	const struct obj_limits *lim = a->t->lim;
	const struct pw_list *l = lim->passwords;
	gint64 deadline = lim->deadline_us;

	if (l != NULL && l->budget_us != 0) {
		gint64 left = l->budget_us - a->t->pw_us;
		gint64 d = g_get_monotonic_time() + (left > 0 ? left : 0);
		if (deadline == 0 || d < deadline)
			deadline = d;
	}
	switch (offcrypto_verify(a->oc, pw, lim->spin_max, deadline)) {
	case OC_RIGHT:
		return PW_RIGHT;
	case OC_WRONG:
		return PW_WRONG;
	case OC_GIVE_UP:
		break;
	}
	/* the key derivation ran out of time: a bound, as obj_pw_try's */
	if (deadline != 0 && g_get_monotonic_time() >= deadline)
		obj_tree_hit(a->t, OBJ_LIMIT_PASSWORDS, a->o->path);
	return PW_GIVE_UP;
}

static char velvet[] = "VelvetSweatshop";
static char velvet_where[] = "Excel's default password";
static const struct pw_cand xls_default[] = {
	{ velvet, PW_SRC_DEFAULT, velvet_where },
};

/*
 * Parse the encryption (header p, n; ooxml: an EncryptionInfo stream, else
 * an RC4 header), name the cipher on the document, and try the passwords.
 * The verified parameters, or NULL.
 */
static struct offcrypto *
try_passwords(struct ole_ctx *c, const uint8_t *p, size_t n, bool ooxml,
    const struct pw_cand *defaults, size_t ndefaults)
{
	struct mobj *o = c->doc;
	const char *why = NULL;
	bool damaged = false;
	struct offcrypto *oc = ooxml ? offcrypto_ooxml(p, n, &why, &damaged) :
	    offcrypto_rc4(p, n, &why, &damaged);

	if (oc == NULL) {
		if (damaged)
			obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "%s", why);
		return NULL;
	}
	g_free(o->cipher);
	o->cipher = g_strdup(offcrypto_cipher(oc));
	if (c->t->lim->passwords == NULL && ndefaults == 0) {
		offcrypto_free(oc);
		return NULL;
	}
	uint32_t spin_max = c->t->lim->spin_max != 0 ? c->t->lim->spin_max : OFFCRYPTO_SPIN_MAX;
	if (offcrypto_spin(oc) > spin_max) {
		char *e = g_strdup_printf("%s: spinCount %u above %u, no password tried",
		    offcrypto_cipher(oc), offcrypto_spin(oc), spin_max);
		cwalk_fail(o, 0, e);
		g_free(e);
		offcrypto_free(oc);
		return NULL;
	}
	struct pw_trial a = { c->t, o, oc };
	if (obj_pw_try(c->t, o, defaults, ndefaults, pw_test, &a) == NULL) {
		offcrypto_free(oc);
		return NULL;
	}
	o->flags |= OBJ_DECRYPTED;
	return oc;
}

/* A child name for a decrypted package, by its true type. */
static const char *
package_name(const uint8_t *p, size_t n)
{
	static const char *const names[] = { "docx", "docm", "xlsx", "xlsm", "xlsb",
		"pptx", "pptm", NULL };
	const struct ftype *ft = ftype_detect(p, n, n, NULL, 0);

	for (size_t i = 0; ft != NULL && names[i] != NULL; i++)
		if (strcmp(ft->name, names[i]) == 0)
			return ft->name;
	return "zip";
}

static void
decrypt_ooxml(struct ole_ctx *c, GsfInfile *f)
{
	size_t in = 0, pn = 0, plen = 0;
	uint8_t *info = read_child(f, "EncryptionInfo", &in);
	struct offcrypto *oc = info != NULL ? try_passwords(c, info, in, true, NULL, 0) : NULL;
	uint8_t *pkg = oc != NULL ? read_child(f, "EncryptedPackage", &pn) : NULL;
	bool damaged = false;
	int integrity = -1;
	uint8_t *plain = pkg != NULL ?
	    offcrypto_package(oc, pkg, pn, &plen, &damaged, &integrity) : NULL;

	if (damaged)
		obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "EncryptedPackage cut or its size wrong");
	if (integrity == 0)
		obj_fact(c->doc, OBJ_FACT_DOCUMENT_MALFORMED, "EncryptedPackage fails its integrity check");
	if (plain != NULL && plen > 0) {
		char *name = g_strconcat("EncryptedPackage.", package_name(plain, plen), NULL);
		struct mobj *ch = cwalk_add(&c->w, name, plain, plen, OBJ_FROM_EMBEDDED);
		if (ch != NULL) {
			ch->flags |= OBJ_DECRYPTED;
			ch->password = c->doc->password;
		}
		g_free(name);
	}
	g_free(plain);
	g_free(pkg);
	g_free(info);
	offcrypto_free(oc);
}

/* Word: the FIB says which table stream holds the encryption header
 * (lKey bytes at its start); the WordDocument stream is read for DDE. */
static void
decrypt_word(struct ole_ctx *c, GsfInfile *f)
{
	size_t wn = 0, tn = 0;
	uint8_t *wd = read_child(f, "WordDocument", &wn);

	if (wd == NULL || wn < 68 || le16(wd) != 0xA5EC || !(le16(wd + 0x0A) & 0x0100) ||
	    (le16(wd + 0x0A) & 0x8000)) {
		g_free(wd);
		return;
	}
	const char *table = (le16(wd + 0x0A) & 0x0200) ? "1Table" : "0Table";
	uint8_t *tb = read_child(f, table, &tn);
	size_t hn = MIN((size_t)le32(wd + 0x0E), tn);
	struct offcrypto *oc = tb != NULL ? try_passwords(c, tb, hn, false, NULL, 0) : NULL;
	uint8_t *plain = oc != NULL ? offcrypto_doc_stream(oc, wd, wn, 68, true) : NULL;

	if (plain != NULL)
		dde_scan(c, plain, wn);
	g_free(plain);
	offcrypto_free(oc);
	g_free(tb);
	g_free(wd);
}

/* Excel: FILEPASS with wEncryptionType 1 (RC4, RC4 CryptoAPI); the
 * decrypted Workbook stream is read for XLM macros. */
static void
decrypt_excel(struct ole_ctx *c, GsfInfile *f)
{
	size_t wn = 0, fl = 0, pn = 0;
	uint8_t *wb = read_child(f, "Workbook", &wn);

	if (wb == NULL)
		wb = read_child(f, "Book", &wn);
	const uint8_t *fp = wb != NULL ? offcrypto_xls_filepass(wb, wn, &fl) : NULL;
	if (fp == NULL || fl < 6 || le16(fp) != 1) {
		g_free(wb);
		return;
	}
	struct offcrypto *oc = try_passwords(c, fp + 2, fl - 2, false, xls_default,
	    G_N_ELEMENTS(xls_default));
	uint8_t *plain = oc != NULL ? offcrypto_xls_workbook(oc, wb, wn, &pn) : NULL;

	if (plain != NULL)
		xlm_analyse_workbook(c->t, c->doc, plain, pn);
	g_free(plain);
	offcrypto_free(oc);
	g_free(wb);
}

/* After the walk: decrypt what is encrypted, when a password opens it. */
static void
decrypt(struct ole_ctx *c, GsfInfile *f)
{
	if (has_child(f, "EncryptionInfo") && has_child(f, "EncryptedPackage")) {
		decrypt_ooxml(c, f);
	} else if (has_child(f, "WordDocument")) {
		decrypt_word(c, f);
	} else if (has_child(f, "Workbook") || has_child(f, "Book")) {
		decrypt_excel(c, f);
	} else if (c->ppt_crypt != NULL) {
		/* PowerPoint: verified only (its records are encrypted one by
		 * one through the persist directory: not decrypted here) */
		struct offcrypto *oc = try_passwords(c, c->ppt_crypt, c->ppt_crypt_n,
		    false, NULL, 0);
		if (oc != NULL) {
			/* the password is right, but nothing was read with it:
			 * the presentation stays closed for the PPAP check (a
			 * held one is not released unscanned) */
			c->doc->flags &= ~(unsigned)OBJ_DECRYPTED;
			c->doc->password = NULL;
			cwalk_fail(c->doc, 0, "PowerPoint: password verified, the "
			    "presentation is not decrypted");
		}
		offcrypto_free(oc);
	}
}

static bool
macro_free(const char *type)
{
	return strcmp(type, "docx") == 0 || strcmp(type, "xlsx") == 0 ||
	    strcmp(type, "pptx") == 0 || strcmp(type, "ooxml") == 0;
}

/*
 * Whether o's macros are run through the sandbox by its OOXML package's
 * analyser (ooxml.c, which runs after all the parts are children) rather
 * than here: the document variables and properties are other parts.
 */
static bool
sandbox_deferred(const struct mobj *o)
{
	static const char *const pkg[] = { "docx", "docm", "xlsx", "xlsm", "xlsb", "pptx",
		"pptm", "ooxml", NULL };
	const struct mobj *p = o->parent;
	if (p == NULL || p->type == NULL || o->origin != OBJ_FROM_ARCHIVE)
		return false;
	for (size_t i = 0; pkg[i] != NULL; i++)
		if (strcmp(p->type->name, pkg[i]) == 0)
			return true;
	return false;
}

/* The source, the document strings and the p-code lines, to the sandbox. */
static void
run_sandbox(struct obj_tree *t, struct mobj *o, struct ole_ctx *c)
{
	GString *text = g_string_new_len(c->src->str, (gssize)c->src->len);
	g_string_append_len(text, c->pcode->str, (gssize)c->pcode->len);
	sandbox_run_extra(t, o, SANDBOX_VBA, text->str, text->len, NULL, c->extra);
	g_string_free(text, TRUE);
}

static void
ctx_init(struct ole_ctx *c, struct obj_tree *t, struct mobj *o)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->doc = o;
	cwalk_init(&c->w, t, o);
	c->src = g_string_new(NULL);
	c->modules = g_string_new(NULL);
	c->pcode = g_string_new(NULL);
	c->extra = docstr_new();
}

static void
ctx_clear(struct ole_ctx *c)
{
	g_free(c->ppt_crypt);
	g_string_free(c->src, TRUE);
	g_string_free(c->modules, TRUE);
	g_string_free(c->pcode, TRUE);
	g_hash_table_unref(c->extra);
}

/* Copy the entries of b into a (a's own win). */
static void
extra_merge(gpointer k, gpointer v, gpointer a)
{
	docstr_add(a, k, v);
}

void
ole_vba_sandbox(struct obj_tree *t, struct mobj *o, GHashTable *extra)
{
	GsfInfile *f = ole_open(o->data, o->len);
	if (f == NULL)
		return;
	struct ole_ctx c;
	ctx_init(&c, t, o);
	c.quiet = true;
	walk(&c, f, 0, true);
	g_object_unref(f);
	if (extra != NULL)
		g_hash_table_foreach(extra, extra_merge, c.extra);
	if (c.projects > 0)
		run_sandbox(t, o, &c);
	ctx_clear(&c);
}

void
ole_analyse(struct obj_tree *t, struct mobj *o)
{
	GsfInfile *f = ole_open(o->data, o->len);
	if (f == NULL) {
		obj_fact(o, OBJ_FACT_DOCUMENT_MALFORMED, "OLE2 file unreadable");
		return;
	}
	struct ole_ctx c;
	ctx_init(&c, t, o);
	walk(&c, f, 0, true);
	if (obj_has_fact(o, OBJ_FACT_ENCRYPTED_OFFICE)) {
		/* the PPAP check reads this flag; o's content was analysed
		 * above all the same (its analyser has run) */
		o->flags |= OBJ_ENCRYPTED;
		decrypt(&c, f);
		if (o->cipher == NULL)
			o->cipher = g_strdup(encryption_name(o));
	}
	g_object_unref(f);

	if (c.projects > 0) {
		obj_fact(o, OBJ_FACT_VBA_MACRO, "%s", c.modules->len > 0 ? c.modules->str : "no modules");
		/* the OOXML package holding this part: its content type, or
		 * failing that what its name claims (a .docx with a
		 * vbaProject.bin is typed docm by content) */
		const struct mobj *p = o->parent;
		const char *free_fmt = NULL;
		if (p != NULL && p->type != NULL && macro_free(p->type->name))
			free_fmt = p->type->name;
		const struct ftype *claim = p != NULL && p->name != NULL ?
		    ftype_from_extension(p->name) : NULL;
		if (free_fmt == NULL && claim != NULL && macro_free(claim->name))
			free_fmt = claim->name;
		if (free_fmt != NULL)
			obj_fact(o, OBJ_FACT_VBA_IN_MACRO_FREE_FORMAT, "%s", free_fmt);
		vba_analyse_source(NULL, o, c.src->str, c.src->len);
		if (!sandbox_deferred(o))
			run_sandbox(t, o, &c);
	}
	ctx_clear(&c);
}
