/*
 * password.h - candidate passwords for encrypted objects (PPAP, docs/ppap.md).
 *
 * A scan gathers candidates before the object tree is built: from the
 * message's own text (src/ppap/discover.c), from a follow-up "password
 * mail" (the hold-and-match path), from the operator (by hand, or static
 * in the configuration) and from a small dictionary.  They are kept best
 * first.  Whoever meets an encrypted object (archive.c for ZIP/7z/RAR,
 * offcrypto.c for Office) tries them through obj_pw_try(), which bounds
 * the work: at most pw_list.max_attempts trials and pw_list.budget_us of
 * time per message, counted on the tree; reaching either is recorded as
 * the limit OBJ_LIMIT_PASSWORDS.
 */
#ifndef MAMORI_OBJECTS_PASSWORD_H
#define MAMORI_OBJECTS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

struct obj_tree;
struct mobj;

enum pw_source {
	PW_SRC_BODY,		/* the message's own text */
	PW_SRC_FOLLOWUP,	/* a later mail of the same sender */
	PW_SRC_OPERATOR,	/* supplied by hand (quarantine CLI / HTTP) */
	PW_SRC_STATIC,		/* ppap.passwords in the configuration */
	PW_SRC_DICTIONARY,	/* ppap.dictionary */
	PW_SRC_DEFAULT,		/* a format's default (Excel's VelvetSweatshop) */
};

struct pw_cand {
	char *pw;		/* UTF-8, NUL-terminated */
	enum pw_source src;
	char *where;		/* human description: "body line 4 (パスワード)" */
};

struct pw_list {
	GPtrArray *cands;	/* struct pw_cand *, best first, no duplicates */
	unsigned max_attempts;	/* trials per message, all objects together */
	gint64 budget_us;	/* time for trials per message */
};

struct pw_list *pw_list_new(unsigned max_attempts, gint64 budget_us);
void pw_list_free(struct pw_list *l);
/* Append a candidate unless it is already there (then false).  Empty
 * strings and strings over PW_LEN_MAX bytes are refused. */
#define PW_LEN_MAX 128
bool pw_list_add(struct pw_list *l, const char *pw, enum pw_source src,
    const char *where);
/* "body", "follow-up", "operator", "static", "dictionary", "default". */
const char *pw_source_name(enum pw_source s);

/* One trial: whether pw opens the object. */
enum pw_verdict {
	PW_WRONG,		/* try the next one */
	PW_RIGHT,		/* this is it */
	PW_GIVE_UP,		/* no candidate can work (unsupported, damaged) */
};
typedef enum pw_verdict (*pw_test_fn)(void *arg, const char *pw);

/*
 * Try the tree's candidates (lim->passwords, then the format's defaults,
 * an array of ndefaults) on o, best first, within the per-message bounds.  Returns
 * the candidate that worked, or NULL.  On success o->password is set.
 * Every trial is counted in t->pw_attempts; reaching a bound records
 * OBJ_LIMIT_PASSWORDS at o's path (once per object).
 */
const struct pw_cand *obj_pw_try(struct obj_tree *t, struct mobj *o,
    const struct pw_cand *defaults, size_t ndefaults, pw_test_fn test, void *arg);

#endif
