# tests/daemon/urls.cmake - the URL module in a running daemon: a changed
# feed is read without a restart (urls.feeds_refresh_s, SIGHUP), scans go on.
daemon_store_test(urls_feed_reload urls_feed_reload.py 120)
