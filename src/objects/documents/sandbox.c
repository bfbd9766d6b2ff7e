/*
 * sandbox.c - the static sandbox (issue 18): what a script or a macro
 * would download and run, recovered without running it, and judged.
 *
 * The evaluators of src/deob/ fold the constant string-building of each
 * language (PowerShell, VBA/VBScript, JScript, the Script Encoder, Excel
 * 4.0 macro sheets, cmd.exe batch files and command lines) into
 * the strings it yields; here those strings become, on the object they
 * came from:
 *   - indicators (obj_ioc(), the report's "iocs" of the object): every
 *     http(s)/ftp URL in a recovered string (also handed to obj_url(), so
 *     that the URL checks, feeds and heuristics see it), the string as a
 *     command line when it runs a program droppers use
 *     (sandbox_is_command()), and
 *     Windows paths (C:\..., %TEMP%\..., \\host\share\...);
 *   - facts: DEOBFUSCATED_URL for a URL the text does not hold as written
 *     and whose host is not written in it either (in any case), or that
 *     was decoded (an -EncodedCommand, FromBase64String, a document
 *     string): a URL assembled from visible pieces hides nothing;
 *     DEOBFUSCATED_COMMAND for a command line not written as is whose
 *     program is not written in the text, or that holds such a URL, or
 *     that was decoded;
 *     POWERSHELL_ENCODED for an -EncodedCommand; SCRIPT_DROPPER for a
 *     script attachment that downloads (a download API or tool, and a URL)
 *     or runs a program with arguments;
 *   - children: a decoded -EncodedCommand script and a Script Encoder
 *     file's decoded text, which are then typed, scanned by every engine
 *     and analysed in turn, and a recovered base64 string that decodes to
 *     a Windows program or a ZIP.
 * A limit the evaluators hit (limits.deobfuscation_steps, _bytes, the
 * scan's deadline) is recorded as the tree limit "deobfuscation" (what was
 * recovered before it counts).
 *
 * Who calls it: script_analyse() for script attachments (true types js,
 * vbs, wsf, hta, ps1, bat; .jse and .vbe are js and vbs by name), the
 * shortcut analyser with its command line (lnk.c), the VBA analyser with
 * each module's source (vba.c), and an OLE2 document's or OOXML package's
 * VBA project (ole.c, ooxml.c) through sandbox_run_extra() with the
 * strings the document holds for its macros (UserForm controls, document
 * variables and properties, p-code literals the source lacks:
 * docstrings.c, pcode.c), which the VBA evaluator reads as
 * "vba document string".  Through sandbox_run_xlm() the Excel 4.0 macro
 * sheets of .xls (xlm.c), .xlsm (ooxml.c) and SYLK (sylk.c): their cells
 * are run by deob_xlm (src/deob/xlm.c) and what it recovers is judged the
 * same way, against the formulas as written (XLM_SOURCE_MAX bytes of
 * them).  HTML pages are not run through it: the
 * scripts of ordinary web pages build URLs all the time.
 */
#include <string.h>

#include "deob/deob.h"
#include "documents.h"
#include "objects/filetype.h"
#include "util/text.h"

#define MARKER_TEXT_MAX (4u * 1024u * 1024u)	/* bytes searched for markers */
#define DETAIL_MAX 160		/* of a value shown in a fact */
#define PAYLOAD_B64_MIN 64	/* a base64 string this long may be a file */
#define XLM_SOURCE_MAX (16u << 20)	/* bytes of a macro sheet's formulas kept as its text */

/* Programs whose start with arguments is what droppers do. */
static const char *const progs[] = {
	"powershell", "pwsh", "mshta", "rundll32", "regsvr32", "wscript", "cscript",
	"certutil", "bitsadmin", "msiexec", "curl", "wget", "cmd", NULL
};

/* What downloads, in any of the languages. */
static const char *const dl_markers[] = {
	"msxml2.xmlhttp", "microsoft.xmlhttp", "msxml2.serverxmlhttp", "winhttp.winhttprequest",
	"net.webclient", "downloadfile", "downloadstring", "downloaddata", "invoke-webrequest",
	"invoke-restmethod", "iwr ", "start-bitstransfer", "urldownloadtofile", "adodb.stream",
	"bitsadmin", "certutil", "curl ", "wget ", NULL
};

static bool
word_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-';
}

/*
 * The program of progs[] that s runs with an argument, or NULL: the name
 * at the start of a word (after a path or a quote:
 * "C:\...\powershell.exe"), ".exe" optional, then blanks and something
 * more; cmd needs "/c" or "/k".  Case-insensitive.
 */
static const char *
command_prog(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && word_char(s[i - 1]))
			continue;
		for (size_t k = 0; progs[k] != NULL; k++) {
			size_t l = strlen(progs[k]);
			if (n - i < l || g_ascii_strncasecmp(s + i, progs[k], l) != 0)
				continue;
			size_t e = i + l;
			if (n - e >= 4 && g_ascii_strncasecmp(s + e, ".exe", 4) == 0)
				e += 4;
			if (e < n && (word_char(s[e]) || s[e] == '.'))
				continue;
			if (e < n && (s[e] == '"' || s[e] == '\''))
				e++;
			size_t b = e;
			while (e < n && (s[e] == ' ' || s[e] == '\t'))
				e++;
			if (e == b || e >= n)
				continue;	/* no argument */
			if (strcmp(progs[k], "cmd") == 0 && !(n - e >= 2 && (s[e] == '/' ||
			    s[e] == '-') && (g_ascii_tolower(s[e + 1]) == 'c' ||
			    g_ascii_tolower(s[e + 1]) == 'k')))
				continue;
			return progs[k];
		}
	}
	return NULL;
}

bool
sandbox_is_command(const char *s, size_t n)
{
	return command_prog(s, n) != NULL;
}

/* A byte of a Windows path: up to a quote, a blank run at its end, a
 * control or a shell operator. */
static bool
path_char(char c)
{
	return (unsigned char)c >= 0x20 && c != '"' && c != '\'' && c != '<' && c != '>' &&
	    c != '|' && c != '*' && c != '?' && c != ';' && c != '&' && c != '(' && c != ')';
}

/* The Windows paths in s: "X:\..." , "%NAME%\..." and "\\host\share...". */
static void
find_paths(struct mobj *o, const char *s, size_t n, const char *how)
{
	for (size_t i = 0; i + 3 < n; i++) {
		size_t start = n;
		if (g_ascii_isalpha(s[i]) && s[i + 1] == ':' && s[i + 2] == '\\' &&
		    (i == 0 || !word_char(s[i - 1])))
			start = i;
		else if (s[i] == '%' && (i == 0 || !word_char(s[i - 1]))) {
			size_t e = i + 1;
			while (e < n && e - i < 32 && (g_ascii_isalnum(s[e]) || s[e] == '_'))
				e++;
			if (e > i + 1 && e + 1 < n && s[e] == '%' && s[e + 1] == '\\')
				start = i;
		} else if (s[i] == '\\' && s[i + 1] == '\\' && g_ascii_isalnum(s[i + 2]) &&
		    (i == 0 || s[i - 1] != '\\'))
			start = i;
		if (start == n)
			continue;
		size_t e = start;
		while (e < n && path_char(s[e]) && e - start < OBJ_IOC_BYTES)
			e++;
		while (e > start && (s[e - 1] == ' ' || s[e - 1] == '.' || s[e - 1] == ','))
			e--;
		if (e - start >= 5)
			obj_ioc(o, "path", s + start, e - start, how);
		i = e;
	}
}

/* Case-insensitive: whether any marker is in lc (lower case). */
static const char *
marker_in(const char *lc, const char *const *markers)
{
	for (size_t k = 0; markers[k] != NULL; k++)
		if (strstr(lc, markers[k]) != NULL)
			return markers[k];
	return NULL;
}

struct judge {
	struct obj_tree *t;
	struct mobj *o;
	const char *text;	/* the source as written */
	size_t len;
	const char *how;	/* of the string being judged */
	bool literal;		/* it is written in the source as is */
	char *lc;		/* the source in lower case, made when first needed */
	unsigned hidden;	/* URLs whose host is hidden (DEOBFUSCATED_URL) */
	char *first_url, *first_cmd;
};

/* Whether s[0..n) is written in the source as is. */
static bool
in_source(const struct judge *j, const char *s, size_t n)
{
	return n <= j->len && memmem(j->text, j->len, s, n) != NULL;
}

/* The same, in any case (ASCII). */
static bool
in_source_ci(struct judge *j, const char *s, size_t n)
{
	if (n == 0 || n > j->len)
		return n == 0;
	if (j->lc == NULL) {
		j->lc = g_malloc(j->len);
		for (size_t i = 0; i < j->len; i++)
			j->lc[i] = g_ascii_tolower(j->text[i]);
	}
	char *l = g_ascii_strdown(s, (gssize)n);
	bool hit = memmem(j->lc, j->len, l, n) != NULL;
	g_free(l);
	return hit;
}

/*
 * Whether the host of url is hidden from the source: not written in it
 * in any case.  A URL put together from pieces whose host is written as
 * is ("https://intranet.example" & "/api") hides nothing; droppers hide
 * the host, which is what blocklists and URL extraction would catch.
 */
static bool
host_hidden(struct judge *j, const char *url, size_t n)
{
	const char *p = memmem(url, n, "://", 3);
	if (p == NULL)
		return false;
	p += 3;
	const char *e = p;
	while (e < url + n && *e != '/' && *e != '?' && *e != '#' && *e != '\\')
		e++;
	const char *at = memrchr(p, '@', (size_t)(e - p));
	if (at != NULL)
		p = at + 1;
	const char *colon = memchr(p, ':', (size_t)(e - p));
	if (colon != NULL && *p != '[')
		e = colon;
	return e > p && !in_source_ci(j, p, (size_t)(e - p));
}

/* Strings the evaluators decoded rather than folded: hidden whole. */
static bool
decoded_how(const char *how)
{
	return strstr(how, "EncodedCommand") != NULL || strstr(how, "FromBase64") != NULL ||
	    strstr(how, "document string") != NULL;
}

static void
judge_url(const char *url, size_t n, void *arg)
{
	struct judge *j = arg;
	obj_url(j->o, url, n);
	obj_ioc(j->o, "url", url, n, j->how);
	if (j->first_url == NULL)
		j->first_url = text_clean_copy(url, n, DETAIL_MAX);
	if (!j->literal && !in_source(j, url, n) && (decoded_how(j->how) ||
	    host_hidden(j, url, n))) {
		j->hidden++;
		char *d = text_clean_copy(url, n, DETAIL_MAX);
		obj_fact(j->o, OBJ_FACT_DEOBFUSCATED_URL, "%s, %s", d, j->how);
		g_free(d);
	}
}

/* A recovered base64 string that is a file: a child object. */
static void
payload_child(struct obj_tree *t, struct mobj *o, const char *s, size_t n)
{
	if (n < PAYLOAD_B64_MIN)
		return;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/' && s[i] != '=' &&
		    s[i] != '\r' && s[i] != '\n')
			return;
	char *copy = g_strndup(s, n);
	gsize dl = 0;
	guchar *d = g_base64_decode(copy, &dl);
	g_free(copy);
	const char *name = NULL;
	if (dl >= 2 && d[0] == 'M' && d[1] == 'Z')
		name = "payload.exe";
	else if (dl >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
		name = "payload.zip";
	if (name != NULL) {
		struct cwalk w;
		cwalk_init(&w, t, o);
		(void)cwalk_add(&w, name, d, dl, OBJ_FROM_EMBEDDED);
	}
	g_free(d);
}

static void
judge_str(struct judge *j, const struct deob_str *s)
{
	j->how = s->how;
	j->literal = g_str_has_suffix(s->how, "literal");
	unsigned hidden_before = j->hidden;
	obj_text_urls(s->value, s->len, OBJ_URLS_MAX, judge_url, j);
	const char *prog = command_prog(s->value, s->len);
	if (prog != NULL) {
		obj_ioc(j->o, "command", s->value, s->len, s->how);
		if (j->first_cmd == NULL)
			j->first_cmd = text_clean_copy(s->value, s->len, DETAIL_MAX);
		/* hidden: decoded, or its program or one of its URLs' hosts is
		 * not written in the source */
		if (!j->literal && !in_source(j, s->value, s->len) && (decoded_how(s->how) ||
		    !in_source_ci(j, prog, strlen(prog)) || j->hidden > hidden_before)) {
			char *d = text_clean_copy(s->value, s->len, DETAIL_MAX);
			obj_fact(j->o, OBJ_FACT_DEOBFUSCATED_COMMAND, "%s, %s", d,
			    s->how);
			g_free(d);
		}
	}
	find_paths(j->o, s->value, s->len, s->how);
	if (strcmp(s->how, "powershell -EncodedCommand") == 0) {
		char *d = text_clean_copy(s->value, s->len, 80);
		obj_fact(j->o, OBJ_FACT_POWERSHELL_ENCODED, "%s", d);
		g_free(d);
		struct cwalk w;
		cwalk_init(&w, j->t, j->o);
		(void)cwalk_add(&w, "EncodedCommand.ps1", (const uint8_t *)s->value, s->len,
		    OBJ_FROM_EMBEDDED);
	}
	payload_child(j->t, j->o, s->value, s->len);
}

/* Whether a recovered string starts PowerShell (worth the evaluator). */
static bool
runs_powershell(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (g_ascii_strncasecmp(s + i, "pwsh", 4) == 0 ||
		    (n - i >= 10 && g_ascii_strncasecmp(s + i, "powershell", 10) == 0))
			return true;
	return false;
}

static void
evaluate(enum sandbox_lang lang, const char *text, size_t len, GHashTable *extra,
    const struct deob_limits *lim, struct deob_result *r)
{
	switch (lang) {
	case SANDBOX_POWERSHELL:
		deob_powershell(text, len, lim, r);
		break;
	case SANDBOX_CMD:
		/* cmd.exe's expansion first: what it runs is then unfolded
		 * (results()); a PowerShell line written plainly in a batch file
		 * is one cmd.exe does not change, so read the text as such too */
		deob_cmd(text, len, lim, r);
		deob_powershell(text, len, lim, r);
		break;
	case SANDBOX_VBA:
		deob_vba(text, len, extra, lim, r);
		break;
	case SANDBOX_JS:
		deob_js(text, len, lim, r);
		break;
	}
}

/*
 * What the evaluators recovered in r from text (what o holds as written),
 * judged: the limit hit, indicators, facts and children on o; found, when
 * not NULL, is added to.  r is cleared.
 */
static void
results(struct obj_tree *t, struct mobj *o, const char *text, size_t len,
    const struct deob_limits *lim, bool powershell, struct deob_result *r,
    struct sandbox_found *found)
{
	/* a command line the macro or script builds may run PowerShell: its
	 * own encodings are unfolded too (appended while walking: bounded by
	 * the result's byte limit) */
	if (!powershell)
		for (guint i = 0; i < r->strs->len && r->limit == NULL; i++) {
			const struct deob_str *s = r->strs->pdata[i];
			if (runs_powershell(s->value, s->len))
				deob_powershell(s->value, s->len, lim, r);
		}
	if (r->limit != NULL)
		obj_tree_hit(t, OBJ_LIMIT_DEOBFUSCATION, o->path);

	struct judge j = { .t = t, .o = o, .text = text, .len = len };
	for (guint i = 0; i < r->strs->len; i++)
		judge_str(&j, r->strs->pdata[i]);
	if (found != NULL) {
		if (found->first_url == NULL) {
			found->first_url = j.first_url;
			j.first_url = NULL;
		}
		if (found->first_cmd == NULL) {
			found->first_cmd = j.first_cmd;
			j.first_cmd = NULL;
		}
		if (found->lc == NULL)
			found->lc = g_string_new(NULL);
		for (guint i = 0; i < r->strs->len && found->lc->len < MARKER_TEXT_MAX; i++) {
			const struct deob_str *s = r->strs->pdata[i];
			char *l = g_ascii_strdown(s->value, (gssize)s->len);
			g_string_append_c(found->lc, '\n');
			g_string_append(found->lc, l);
			g_free(l);
		}
	}
	g_free(j.first_url);
	g_free(j.first_cmd);
	g_free(j.lc);
	deob_result_clear(r);
}

/* The evaluators' limits from the tree's. */
static struct deob_limits
limits_of(const struct obj_tree *t)
{
	return (struct deob_limits){
		.steps = t->lim->deob_steps,
		.bytes = (size_t)MIN(t->lim->deob_bytes, (uint64_t)SIZE_MAX),
		.deadline = t->lim->deadline_us,
	};
}

void
sandbox_run(struct obj_tree *t, struct mobj *o, enum sandbox_lang lang, const char *text,
    size_t len, struct sandbox_found *found)
{
	sandbox_run_extra(t, o, lang, text, len, found, NULL);
}

void
sandbox_run_extra(struct obj_tree *t, struct mobj *o, enum sandbox_lang lang, const char *text,
    size_t len, struct sandbox_found *found, GHashTable *extra)
{
	struct deob_limits lim = limits_of(t);
	struct deob_result r;
	deob_result_init(&r);
	evaluate(lang, text, len, extra, &lim, &r);
	results(t, o, text, len, &lim, lang == SANDBOX_POWERSHELL, &r,
	    found);
}

/* ---- Excel 4.0 macro sheets ------------------------------------------------- */

void
sandbox_xlm_init(struct sandbox_xlm *s)
{
	s->x = deob_xlm_new();
	s->src = g_string_new(NULL);
	s->formulas = 0;
}

void
sandbox_xlm_cell(struct sandbox_xlm *s, const char *sheet, uint32_t row, uint32_t col,
    const char *text, size_t len)
{
	if (s->x == NULL || len == 0)
		return;
	if (!deob_xlm_cell(s->x, sheet, row, col, text, len))
		return;
	if (text[0] == '=')
		s->formulas++;
	if (s->src->len + len < XLM_SOURCE_MAX) {
		g_string_append_len(s->src, text, (gssize)len);
		g_string_append_c(s->src, '\n');
	}
}

void
sandbox_xlm_start(struct sandbox_xlm *s, const char *sheet, uint32_t row, uint32_t col)
{
	if (s->x != NULL)
		deob_xlm_start(s->x, sheet, row, col);
}

void
sandbox_run_xlm(struct obj_tree *t, struct mobj *o, struct sandbox_xlm *s)
{
	if (s->x == NULL)
		return;
	if (t != NULL && s->formulas > 0) {
		struct deob_limits lim = limits_of(t);
		struct deob_result r;
		deob_result_init(&r);
		deob_xlm_run(s->x, &lim, &r);
		results(t, o, s->src->str, s->src->len, &lim, false, &r, NULL);
	}
	deob_xlm_free(s->x);
	g_string_free(s->src, TRUE);
	memset(s, 0, sizeof *s);
}

void
sandbox_found_clear(struct sandbox_found *f)
{
	g_free(f->first_url);
	g_free(f->first_cmd);
	if (f->lc != NULL)
		g_string_free(f->lc, TRUE);
	memset(f, 0, sizeof *f);
}

/* ---- script attachments ----------------------------------------------------- */

/* The extension of o's name, lower case without the dot, or "". */
static const char *
ext_of(const struct mobj *o, char *buf, size_t n)
{
	const char *dot = o->name != NULL ? strrchr(o->name, '.') : NULL;
	buf[0] = '\0';
	if (dot != NULL && strlen(dot + 1) < n) {
		for (size_t i = 0; dot[1 + i] != '\0'; i++)
			buf[i] = g_ascii_tolower(dot[1 + i]);
		buf[strlen(dot + 1)] = '\0';
	}
	return buf;
}

/* The evaluators of a script type ("js", "vbs" ...; a true type or an
 * extension), or 0. */
static unsigned
lang_of(const char *t, const char *lc)
{
	static const struct { const char *t; unsigned m; } map[] = {
		{ "js", 1u << SANDBOX_JS }, { "jse", 1u << SANDBOX_JS },
		{ "vbs", 1u << SANDBOX_VBA }, { "vbe", 1u << SANDBOX_VBA },
		{ "ps1", 1u << SANDBOX_POWERSHELL }, { "psm1", 1u << SANDBOX_POWERSHELL },
		{ "bat", 1u << SANDBOX_CMD }, { "cmd", 1u << SANDBOX_CMD },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(t, map[i].t) == 0)
			return map[i].m;
	if (strcmp(t, "wsf") == 0 || strcmp(t, "wsc") == 0 || strcmp(t, "hta") == 0) {
		unsigned m = 0;
		if (strstr(lc, "vbscript") != NULL)
			m |= 1u << SANDBOX_VBA;
		if (strstr(lc, "jscript") != NULL || strstr(lc, "javascript") != NULL || m == 0)
			m |= 1u << SANDBOX_JS;
		return m;
	}
	return 0;
}

/*
 * Which evaluators read a script: those of its true type and those of its
 * extension, which is what Windows goes by when it runs the file (a
 * VBScript whose text reads like a batch file is still run by wscript).
 */
static unsigned
langs_of(const char *type, const char *ext, const char *lc)
{
	return lang_of(type, lc) | lang_of(ext, lc);
}

void
script_analyse(struct obj_tree *t, struct mobj *o)
{
	if (strcmp(o->type->name, "hta") == 0)
		html_analyse(t, o);
	const char *text = (const char *)o->data;
	size_t len = o->len;
	char extbuf[16];
	const char *ext = ext_of(o, extbuf, sizeof extbuf);
	char *decoded = NULL;

	/* the Script Encoder: the decoded text is what runs; as a child of
	 * its own (named for its language) it is typed, scanned and analysed
	 * like any script, and only when no child can be added (a limit) is
	 * it evaluated here */
	if (len >= 4 && memmem(text, len, "#@~^", 4) != NULL) {
		size_t dl = 0;
		unsigned blocks = 0;
		decoded = deob_screnc(text, len, &dl, &blocks);
		if (blocks > 0) {
			unsigned pre = langs_of(o->type->name, ext, "");
			char *name = g_strdup_printf("%s.decoded.%s", o->name != NULL ?
			    o->name : "script", (pre & (1u << SANDBOX_VBA)) != 0 ? "vbs" :
			    (pre & (1u << SANDBOX_JS)) != 0 ? "js" : "txt");
			struct cwalk w;
			cwalk_init(&w, t, o);
			struct mobj *c = cwalk_add(&w, name, (const uint8_t *)decoded, dl,
			    OBJ_FROM_EMBEDDED);
			g_free(name);
			if (c != NULL) {
				g_free(decoded);
				return;
			}
			text = decoded;
			len = dl;
		}
	}
	char *lc = g_ascii_strdown(text, (gssize)MIN(len, (size_t)MARKER_TEXT_MAX));
	/* a NUL in the text ends lc: markers after it are not seen */
	struct sandbox_found f = { 0 };
	unsigned langs = langs_of(o->type->name, ext, lc);
	for (unsigned l = 0; l <= SANDBOX_CMD; l++)
		if (langs & (1u << l))
			sandbox_run(t, o, (enum sandbox_lang)l, text, len, &f);
	/* the plain text's own URLs and commands count for the dropper rule */
	struct judge j = { .t = t, .o = o, .text = text, .len = len, .how = "as written",
		.literal = true };
	obj_text_urls(text, MIN(len, (size_t)MARKER_TEXT_MAX), OBJ_URLS_MAX, judge_url, &j);
	/* without a recovered one, the first command line written as is */
	for (const char *p = text, *e = text + MIN(len, (size_t)MARKER_TEXT_MAX);
	    f.first_cmd == NULL && p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(e - p);
		if (sandbox_is_command(p, n))
			f.first_cmd = text_clean_copy(p, n, DETAIL_MAX);
		p += n + 1;
	}
	const char *dl = marker_in(lc, dl_markers);
	if (dl == NULL && f.lc != NULL)
		dl = marker_in(f.lc->str, dl_markers);
	const char *url = f.first_url != NULL ? f.first_url : j.first_url;
	if (dl != NULL && url != NULL)
		obj_fact(o, OBJ_FACT_SCRIPT_DROPPER, "downloads %s", url);
	else if (f.first_cmd != NULL)
		obj_fact(o, OBJ_FACT_SCRIPT_DROPPER, "runs %s", f.first_cmd);
	g_free(j.first_url);
	g_free(j.first_cmd);
	g_free(j.lc);
	sandbox_found_clear(&f);
	g_free(lc);
	g_free(decoded);
}
