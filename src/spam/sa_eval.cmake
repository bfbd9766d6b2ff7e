# src/spam/sa_eval.cmake - SpamAssassin's eval: functions, implemented
# natively (sa_eval.h; issue 15), and the header fields as its rules read
# them (sa_msg.c).  One file per family of SpamAssassin's plugins.  Above
# the content layer (texts, HTML parses, links), below the spam module.
mamori_layer(mamori_sa_eval
  SOURCES src/spam/sa_msg.c src/spam/sa_eval.c src/spam/sa_eval_header.c
          src/spam/sa_eval_body.c src/spam/sa_eval_html.c src/spam/sa_eval_relay.c
          src/spam/sa_eval_mapped.c
  DEPS mamori_sa_relays mamori_sa_conf mamori_content mamori_mime mamori_html PkgConfig::GMIME
       PkgConfig::GLIB m)
# DNSEval's check_rbl family (sa_eval_dnsbl.c) reads the dnsbl module's
# answers: the sub-tests and zone names of src/spam/dnsbl.c, dns_answer
target_sources(mamori_sa_eval PRIVATE src/spam/sa_eval_dnsbl.c)
target_link_libraries(mamori_sa_eval PUBLIC mamori_dnsbl mamori_dns)
