/*
 * sa_msg.c - the header fields as SpamAssassin reads them (sa_msg.h).
 */
#include <string.h>

#include <gmime/gmime.h>

#include "spam/sa_msg.h"

static void
sa_field_free(gpointer p)
{
	struct sa_field *f = p;
	g_free(f->name);
	g_free(f->raw);
	g_free(f->decoded);
	g_free(f);
}

static bool
decode_skipped(const char *name)
{
	static const char *const names[] = { "Received", "Message-ID", "Resent-Message-ID",
	    "Date", "Resent-Date", "MIME-Version", "References", "In-Reply-To" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (sa_field_name_is(name, names[i]))
			return true;
	return g_ascii_strncasecmp(name, "List-", 5) == 0;
}

GPtrArray *
sa_fields_parse(const uint8_t *raw, size_t len)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(sa_field_free);
	size_t i = 0;

	if (len > 5 && memcmp(raw, "From ", 5) == 0) {	/* an mbox separator */
		const uint8_t *nl = memchr(raw, '\n', len);
		i = nl != NULL ? (size_t)(nl - raw) + 1 : len;
	}
	while (i < len && out->len < SA_FIELDS_MAX) {
		/* one field: its first line and the lines that begin with a blank */
		size_t start = i;
		if (raw[i] == '\n' || (raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			break;	/* the empty line: end of the header block */
		do {
			const uint8_t *nl = memchr(raw + i, '\n', len - i);
			i = nl != NULL ? (size_t)(nl - raw) + 1 : len;
		} while (i < len && (raw[i] == ' ' || raw[i] == '\t'));
		const uint8_t *colon = memchr(raw + start, ':', i - start);
		if (colon == NULL)
			continue;	/* not a field (a "From " line, garbage) */
		size_t nlen = (size_t)(colon - (raw + start));
		while (nlen > 0 && (raw[start + nlen - 1] == ' ' || raw[start + nlen - 1] == '\t'))
			nlen--;
		if (nlen == 0)
			continue;
		size_t v = (size_t)(colon - raw) + 1;
		while (v < i && (raw[v] == ' ' || raw[v] == '\t'))
			v++;
		struct sa_field *f = g_new0(struct sa_field, 1);
		f->name = g_strndup((const char *)raw + start, nlen);
		GString *r = g_string_sized_new(i - v + 1), *d = g_string_sized_new(i - v + 1);
		/* CRLF made LF: the runs between CRs copied as they are */
		for (size_t k = v; k < i;) {
			const uint8_t *cr = memchr(raw + k, '\r', i - k);
			size_t c = cr != NULL ? (size_t)(cr - raw) : i;
			g_string_append_len(r, (const char *)raw + k, (gssize)(c - k));
			if (c < i && !(c + 1 < i && raw[c + 1] == '\n'))
				g_string_append_c(r, '\r');
			k = c + 1;
		}
		if (r->len == 0 || r->str[r->len - 1] != '\n')
			g_string_append_c(r, '\n');
		/* decoded (Node.pm header()): a line end and the blanks after
		 * it one space, white space trimmed at both ends */
		for (size_t k = 0; k < r->len;) {
			const char *nl = memchr(r->str + k, '\n', r->len - k);
			size_t c = nl != NULL ? (size_t)(nl - r->str) : r->len;
			g_string_append_len(d, r->str + k, (gssize)(c - k));
			if (c == r->len)
				break;
			if (c + 1 < r->len && (r->str[c + 1] == ' ' || r->str[c + 1] == '\t')) {
				while (c + 1 < r->len && (r->str[c + 1] == ' ' || r->str[c + 1] == '\t'))
					c++;
				g_string_append_c(d, ' ');
			} else {
				g_string_append_c(d, '\n');
			}
			k = c + 1;
		}
		while (d->len > 0 && g_ascii_isspace(d->str[d->len - 1]))
			g_string_truncate(d, d->len - 1);
		if (!decode_skipped(f->name) && strstr(d->str, "=?") != NULL) {
			char *x = g_mime_utils_header_decode_text(NULL, d->str);
			if (x != NULL)
				g_string_assign(d, x);
			g_free(x);
		}
		g_string_append_c(d, '\n');
		f->raw = g_string_free(r, FALSE);
		f->decoded = g_string_free(d, FALSE);
		g_ptr_array_add(out, f);
	}
	return out;
}

/* One text to match, appended to out: a header's values joined. */
void
sa_header_values(const GPtrArray *fields, const char *name, bool raw, GString *out)
{
	for (guint i = 0; i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (!sa_field_name_is(f->name, name))
			continue;
		if (raw) {	/* get_header(raw): folds made spaces */
			for (const char *p = f->raw; *p != '\0'; p++) {
				if (*p == '\n' && p[1] != '\0') {
					g_string_append_c(out, ' ');
					while (p[1] == ' ' || p[1] == '\t')
						p++;
					continue;
				}
				g_string_append_c(out, *p);
			}
		} else {
			g_string_append(out, f->decoded);
		}
	}
}

/*
 * One value's addresses and display names as GMime parses it, kept per
 * thread by the value's text: the header rules (From:addr, From:name ...)
 * and several eval functions read the same few fields of every scan, and
 * the same values come back from scan to scan (a list's To:).  The parse
 * depends on the text alone, so a kept one is the same answer.
 */
struct addr_parse {
	char *addrs;	/* the mailboxes' addresses, '\n' between them */
	guint n_addrs;
	char *names;	/* the non-empty display names, '\n' between them */
	guint n_names;
};

struct addr_memo {
	GHashTable *parses;	/* value (copy) -> struct addr_parse * */
	size_t bytes;		/* the texts kept, about */
};

/* a value longer than this is parsed each time, not kept */
#define ADDR_MEMO_VALUE_MAX 4096
/* the texts a thread keeps at most; the memo is emptied past it */
#define ADDR_MEMO_BYTES_MAX (256 * 1024)

static void
addr_parse_free(gpointer p)
{
	struct addr_parse *a = p;
	g_free(a->addrs);
	g_free(a->names);
	g_free(a);
}

static void
addr_memo_free(gpointer p)
{
	struct addr_memo *m = p;
	g_hash_table_destroy(m->parses);
	g_free(m);
}

static GPrivate addr_memo = G_PRIVATE_INIT(addr_memo_free);

static void
list_add(GString *s, guint *n, const char *v)
{
	if ((*n)++ > 0)
		g_string_append_c(s, '\n');
	g_string_append(s, v);
}

static struct addr_parse *
addr_parse(const char *value)
{
	struct addr_parse *a = g_new0(struct addr_parse, 1);
	GString *addrs = g_string_new(NULL), *names = g_string_new(NULL);
	InternetAddressList *l = internet_address_list_parse(NULL, value);
	for (int k = 0; l != NULL && k < internet_address_list_length(l); k++) {
		InternetAddress *ia = internet_address_list_get_address(l, k);
		const char *name = internet_address_get_name(ia);
		if (name != NULL && *name != '\0')
			list_add(names, &a->n_names, name);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *v = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			if (v != NULL)
				list_add(addrs, &a->n_addrs, v);
		}
	}
	if (l != NULL)
		g_object_unref(l);
	a->addrs = g_string_free(addrs, FALSE);
	a->names = g_string_free(names, FALSE);
	return a;
}

/* value's parse: the thread's kept one, or made (and kept when short);
 * *own set when the caller frees it */
static const struct addr_parse *
addr_parse_of(const char *value, bool *own)
{
	size_t len = strlen(value);
	*own = len > ADDR_MEMO_VALUE_MAX;
	if (*own)
		return addr_parse(value);
	struct addr_memo *m = g_private_get(&addr_memo);
	if (m == NULL) {
		m = g_new0(struct addr_memo, 1);
		m->parses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, addr_parse_free);
		g_private_set(&addr_memo, m);
	}
	struct addr_parse *a = g_hash_table_lookup(m->parses, value);
	if (a != NULL)
		return a;
	a = addr_parse(value);
	size_t cost = 2 * len + strlen(a->addrs) + strlen(a->names) + 64;
	if (m->bytes + cost > ADDR_MEMO_BYTES_MAX) {
		g_hash_table_remove_all(m->parses);
		m->bytes = 0;
	}
	g_hash_table_insert(m->parses, g_strndup(value, len), a);
	m->bytes += cost;
	return a;
}

/* :addr and :name (PerMsgStatus.pm _get): every address (or display
 * name) of every value of the header, one a line, parsed by GMime */
void
sa_header_addresses(const GPtrArray *fields, const char *name, bool want_name, GString *out)
{
	bool first = true;
	for (guint i = 0; i < fields->len; i++) {
		const struct sa_field *f = fields->pdata[i];
		if (!sa_field_name_is(f->name, name))
			continue;
		bool own;
		const struct addr_parse *a = addr_parse_of(f->raw, &own);
		const char *v = want_name ? a->names : a->addrs;
		if ((want_name ? a->n_names : a->n_addrs) > 0) {
			if (!first)
				g_string_append_c(out, '\n');
			g_string_append(out, v);
			first = false;
		}
		if (own)
			addr_parse_free((struct addr_parse *)a);
	}
}

unsigned
sa_header_count(const GPtrArray *fields, const char *name)
{
	unsigned n = 0;
	for (guint i = 0; i < fields->len; i++)
		n += sa_field_name_is(((const struct sa_field *)fields->pdata[i])->name, name);
	return n;
}
