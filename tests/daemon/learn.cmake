# tests/daemon/learn.cmake - learning with the daemons (docs/spam.md,
# "Feedback and autolearn"): mamori serve on 127.0.0.1 with a state
# directory, Japanese training mail of tests/support/make_ja_mail.py;
# daemon_store_test() is in store.cmake (--mamori, --qput, --work).
# A running server sees what `mamori learn` learned in another process
# within 3 s (bayes.refresh_s = 1).
daemon_store_test(learn_reload learn_reload.py 180)
# 4 scanning threads, 200 HTTP learns from 2 threads and 2 CLI learners at
# once: the counts are exact, no request fails.
daemon_store_test(learn_concurrency learn_concurrency.py 300)
# POST /learn/spam|ham (token, 403/401/503/413/400, idempotence, forget,
# relearn, metrics) and mamori quarantine learn ID spam|ham.
daemon_store_test(learn_http learn_http.py 180)
# bayes.autolearn: thresholds without the bayes symbols, min_learned, no
# move of a message learned as the other class, written after
# autolearn_commit_s, by SIGHUP and by SIGTERM.
daemon_store_test(learn_autolearn learn_autolearn.py 180)
