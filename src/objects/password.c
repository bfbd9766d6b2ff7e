/*
 * password.c - candidate lists and the bounded trial loop (password.h).
 */
#include <string.h>

#include "object.h"
#include "password.h"
#include "sink.h"

static void
cand_free(gpointer p)
{
	struct pw_cand *c = p;

	g_free(c->pw);
	g_free(c->where);
	g_free(c);
}

struct pw_list *
pw_list_new(unsigned max_attempts, gint64 budget_us)
{
	struct pw_list *l = g_new0(struct pw_list, 1);

	l->cands = g_ptr_array_new_with_free_func(cand_free);
	l->max_attempts = max_attempts;
	l->budget_us = budget_us;
	return l;
}

void
pw_list_free(struct pw_list *l)
{
	if (l == NULL)
		return;
	g_ptr_array_unref(l->cands);
	g_free(l);
}

bool
pw_list_add(struct pw_list *l, const char *pw, enum pw_source src, const char *where)
{
	size_t n = pw != NULL ? strlen(pw) : 0;

	if (n == 0 || n > PW_LEN_MAX)
		return false;
	for (guint i = 0; i < l->cands->len; i++)
		if (strcmp(((struct pw_cand *)l->cands->pdata[i])->pw, pw) == 0)
			return false;
	struct pw_cand *c = g_new0(struct pw_cand, 1);
	c->pw = g_strdup(pw);
	c->src = src;
	c->where = g_strdup(where != NULL ? where : pw_source_name(src));
	g_ptr_array_add(l->cands, c);
	return true;
}

const char *
pw_source_name(enum pw_source s)
{
	switch (s) {
	case PW_SRC_BODY: return "body";
	case PW_SRC_FOLLOWUP: return "follow-up";
	case PW_SRC_OPERATOR: return "operator";
	case PW_SRC_STATIC: return "static";
	case PW_SRC_DICTIONARY: return "dictionary";
	case PW_SRC_DEFAULT: return "default";
	}
	return "?";
}

/* Whether the per-message bounds allow one more trial. */
static bool
pw_budget_left(const struct obj_tree *t, const struct pw_list *l)
{
	if (l != NULL && l->max_attempts != 0 && t->pw_attempts >= l->max_attempts)
		return false;
	if (l != NULL && l->budget_us != 0 && t->pw_us >= l->budget_us)
		return false;
	return !obj_tree_expired(t);
}

const struct pw_cand *
obj_pw_try(struct obj_tree *t, struct mobj *o, const struct pw_cand *defaults,
    size_t ndefaults, pw_test_fn test, void *arg)
{
	const struct pw_list *l = t->lim != NULL ? t->lim->passwords : NULL;
	size_t n = l != NULL ? l->cands->len : 0;

	for (size_t i = 0; i < n + ndefaults; i++) {
		const struct pw_cand *c = i < n ? l->cands->pdata[i] : &defaults[i - n];
		/* a default already tried as a listed candidate is skipped */
		bool dup = false;
		for (size_t k = 0; i >= n && k < n && !dup; k++)
			dup = strcmp(((struct pw_cand *)l->cands->pdata[k])->pw, c->pw) == 0;
		if (dup)
			continue;
		if (!pw_budget_left(t, l)) {
			obj_tree_hit(t, OBJ_LIMIT_PASSWORDS, o->path);
			return NULL;
		}
		gint64 t0 = g_get_monotonic_time();
		enum pw_verdict v = test(arg, c->pw);
		t->pw_us += g_get_monotonic_time() - t0;
		t->pw_attempts++;
		if (v == PW_RIGHT) {
			o->password = c;
			return c;
		}
		if (v == PW_GIVE_UP)
			return NULL;
	}
	return NULL;
}
