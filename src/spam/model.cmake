# src/spam/model.cmake - the spam classifier's model (model.c): counts per
# feature in memory and in the store (through include/mamori/store.h, the
# interface: no backend is linked), learning batches, Fisher's combination.
# Below the bayes module (src/checks/bayes/), beside the tokeniser.
mamori_layer(mamori_spam_model
  SOURCES src/spam/model.c
  DEPS mamori_util PkgConfig::GLIB m)
