# src/spam/sa_conf.cmake - SpamAssassin rule files (.cf) read into a rule
# set (sa_conf.c, sa_conf.h; issue 15): rule lines, scores, if/ifplugin
# blocks, includes and ReplaceTags.  Beside the tokeniser; the rule
# matcher (sa_match) and the meta expressions (sa_meta) read its rule set.
mamori_layer(mamori_sa_conf
  SOURCES src/spam/sa_conf.c
  DEPS mamori_util PkgConfig::GLIB m)
