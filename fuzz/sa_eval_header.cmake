# fuzz/sa_eval_header.cmake - the sa_eval_header fuzz target
# (fuzz_sa_eval_header.c: every function of SpamAssassin's HeaderEval,
# FreeMail and the address lists, src/spam/sa_eval_header.c, on one message
# with rule-file settings that make them all reach their parsing).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sa_eval_header)
set(fuzz_libs_sa_eval_header mamori_sa_eval)
set(fuzz_secs_sa_eval_header 30)
