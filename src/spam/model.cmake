# src/spam/model.cmake - the spam classifier's model (model.c): counts per
# feature in memory and in the store (through include/mamori/store.h, the
# interface: no backend is linked), learning batches, Fisher's combination.
# Below the bayes module (src/checks/bayes/), beside the tokeniser.
mamori_layer(mamori_spam_model
  SOURCES src/spam/model.c
  DEPS mamori_util PkgConfig::GLIB m)

# bench/model-memory.c: the model's memory for N features and its load
# time (bench/README.md, model-memory); built with the tests, not installed.
if(MAMORI_TESTS)
  add_executable(bench_model_memory bench/model-memory.c)
  target_compile_options(bench_model_memory PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(bench_model_memory PRIVATE mamori_spam_model mamori_store)
endif()
