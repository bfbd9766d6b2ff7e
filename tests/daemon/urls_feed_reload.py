#!/usr/bin/env python3
"""urls_feed_reload.py - a running `mamori serve` picks up a changed URL
feed without a restart: by itself when the file changes
(urls.feeds_refresh_s = 1), and on SIGHUP; scans keep being answered while
the feed is reloaded.

usage: urls_feed_reload.py --mamori BIN --qput BIN --work DIR

A mail links to https://dl.phish-kit.example/a.zip.  The feed first lists
another host: no URL_BLOCKLISTED.  The feed is replaced (written aside,
renamed over) with one that lists phish-kit.example: within 3 s, POST /scan
gives URL_BLOCKLISTED with the feed's name, while 4 threads scan without
a failure.  A second server (feeds_refresh_s = 86400: never by itself)
sees a new feed only after SIGHUP.
"""
import os
import signal
import sys
import threading
import time

from daemon_util import check, exit_status, parse_args
from learn_util import Server, give_to_nobody, has, new_state, sanitizer_clean, write_conf

MAIL = (b"From: a@sender.example\r\nTo: b@example.co.jp\r\nSubject: invoice\r\n"
        b"Message-ID: <feed-reload@sender.example>\r\n"
        b"Date: Mon, 07 Dec 2026 09:12:00 +0900\r\n\r\n"
        b"Download: https://dl.phish-kit.example/a.zip\r\n")


def write_feed(path, hosts):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write("# test feed\n" + "".join(h + "\n" for h in hosts))
    give_to_nobody(tmp)
    os.rename(tmp, path)


def blocklisted(rep):
    return ((rep or {}).get("symbols", {}).get("URL_BLOCKLISTED") or {}).get("options")


def conf(work, name, feed, refresh):
    return write_conf(work, name, 'http = { max_body = "64K"; };\n'
                      'urls = { feeds = ( { name = "kit"; path = "%s"; } ); '
                      'feeds_refresh_s = %d; };\n' % (feed, refresh))


def by_itself(a, w):
    feed = os.path.join(w, "feed-1.txt")
    write_feed(feed, ["other.example"])
    srv = Server(a.mamori, conf(w, "one.conf", feed, 1), new_state(w, "state1"),
                 os.path.join(w, "serve1.log"))
    errors = []
    stop = threading.Event()

    def scanner():
        while not stop.is_set():
            try:
                if srv.scan(MAIL) is None:
                    errors.append("no report")
            except OSError as e:
                errors.append(str(e))

    try:
        check(srv.wait_ready(), "mamori serve came up")
        check(blocklisted(srv.scan(MAIL)) is None, "before: the feed does not list the host")
        threads = [threading.Thread(target=scanner) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.2)
        write_feed(feed, ["other.example", "phish-kit.example"])
        changed = time.monotonic()
        got, waited = None, None
        while time.monotonic() - changed < 3.0:
            got = blocklisted(srv.scan(MAIL))
            if got is not None:
                waited = time.monotonic() - changed
                break
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join()
        check(waited is not None, "URL_BLOCKLISTED within 3 s of the change (after %s)"
              % (None if waited is None else "%.2f s" % waited))
        check(got == ["kit: https://dl.phish-kit.example/a.zip (text part 1)"],
              "its option names the feed and the URL: %r" % got)
        check(not errors, "the scans during the reload were all answered (%d errors: %r)"
              % (len(errors), errors[:3]))
        srv.stop_checked()
    finally:
        stop.set()
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    sanitizer_clean(os.path.join(w, "serve1.log"))


def on_sighup(a, w):
    feed = os.path.join(w, "feed-2.txt")
    write_feed(feed, ["other.example"])
    srv = Server(a.mamori, conf(w, "two.conf", feed, 86400), new_state(w, "state2"),
                 os.path.join(w, "serve2.log"))
    try:
        check(srv.wait_ready(), "the second mamori serve came up")
        check(blocklisted(srv.scan(MAIL)) is None, "before: not listed")
        write_feed(feed, ["phish-kit.example"])
        time.sleep(1.5)
        check(blocklisted(srv.scan(MAIL)) is None,
              "feeds_refresh_s = 86400: the change alone is not read")
        srv.proc.send_signal(signal.SIGHUP)
        got = None
        end = time.monotonic() + 10
        while time.monotonic() < end and got is None:
            got = blocklisted(srv.scan(MAIL))
            time.sleep(0.1)
        check(got is not None, "after SIGHUP the new feed lists the URL: %r" % got)
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    sanitizer_clean(os.path.join(w, "serve2.log"))


def main():
    a = parse_args("qput", "work", work="work")
    w = a.work
    os.makedirs(w, exist_ok=True)
    give_to_nobody(w)
    by_itself(a, w)
    on_sighup(a, w)
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())
