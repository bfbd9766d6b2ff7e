/*
 * test_facts.c - the document analysers' facts (src/objects/facts.h) and
 * the documents module's symbols (src/checks/documents/check_documents.c):
 * every fact is one symbol of the same name, in the order of the list,
 * with a weight and a description (the build checks the mapping; this
 * checks what the engine is handed); obj_fact() and obj_has_fact() go by
 * the fact's id.
 */
#include "test_helpers.h"

#include "core/module.h"
#include "objects/object.h"

extern const struct mamori_module module_documents;

/* One symbol per fact, in the order of the facts, named by obj_fact_name(). */
static void
test_every_fact_has_its_symbol(void **state)
{
	(void)state;
	assert_int_equal(module_documents.nsymbols, OBJ_FACT_COUNT);
	for (unsigned i = 0; i < OBJ_FACT_COUNT; i++) {
		const struct mamori_symbol_def *d = &module_documents.symbols[i];
		if (d->name == NULL) {
			print_error("fact %s has no symbol in check_documents.c\n",
			    obj_fact_name((enum obj_fact_id)i));
			fail();
		}
		assert_string_equal(d->name, obj_fact_name((enum obj_fact_id)i));
		assert_non_null(d->desc);
		assert_true(d->weight > 0.0);
		assert_int_equal(d->force, NO_FORCE);
	}
}

/* The names are the symbols the reports and docs/documents.md use. */
static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(obj_fact_name(OBJ_FACT_VBA_MACRO), "VBA_MACRO");
	assert_string_equal(obj_fact_name(OBJ_FACT_ENCRYPTED_OFFICE), "ENCRYPTED_OFFICE");
	assert_string_equal(obj_fact_name(OBJ_FACT_HTML_REDIRECT), "HTML_REDIRECT");
	assert_string_equal(obj_fact_name(OBJ_FACT_COUNT), "?");
	assert_string_equal(obj_fact_name((enum obj_fact_id)-1), "?");
	/* first and last of the list: the order of the check's symbols */
	assert_int_equal(OBJ_FACT_VBA_MACRO, 0);
	assert_string_equal(obj_fact_name(OBJ_FACT_PPT_ACTION_RUN), "PPT_ACTION_RUN");
	assert_int_equal(OBJ_FACT_PPT_ACTION_RUN, OBJ_FACT_COUNT - 1);
	assert_int_equal(OBJ_FACT_COUNT, 35);
}

/* A fact is recorded once per (id, detail); obj_has_fact() finds it by id. */
static void
test_record(void **state)
{
	struct mobj o = { 0 };

	(void)state;
	assert_false(obj_has_fact(&o, OBJ_FACT_DDE_FIELD));
	obj_fact(&o, OBJ_FACT_DDE_FIELD, "cmd %s", "/c calc");
	obj_fact(&o, OBJ_FACT_DDE_FIELD, "cmd /c calc");
	obj_fact(&o, OBJ_FACT_DDE_FIELD, NULL);
	obj_fact(&o, OBJ_FACT_XLM_MACRO, "cmd /c calc");
	assert_int_equal(o.facts->len, 3);
	assert_true(obj_has_fact(&o, OBJ_FACT_DDE_FIELD));
	assert_true(obj_has_fact(&o, OBJ_FACT_XLM_MACRO));
	assert_false(obj_has_fact(&o, OBJ_FACT_VBA_MACRO));
	const struct obj_fact *f = &g_array_index(o.facts, struct obj_fact, 2);
	assert_int_equal(f->id, OBJ_FACT_XLM_MACRO);
	assert_string_equal(f->detail, "cmd /c calc");
	for (guint i = 0; i < o.facts->len; i++)
		g_free(g_array_index(o.facts, struct obj_fact, i).detail);
	g_array_free(o.facts, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fact_has_its_symbol),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
