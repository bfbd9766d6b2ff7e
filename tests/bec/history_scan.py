#!/usr/bin/env python3
"""history_scan.py - the bec module's correspondent history through
`mamori scan --state DIR` (issue 17: THREAD_HIJACK's stateful form and
FIRST_CONTACT, docs/bec.md "History").

usage: history_scan.py --mamori BIN WORKDIR

One state directory, messages scanned one at a time, in order (each scan
sees what the delivered ones before it recorded), with
bec.first_contact_min_history = 5, ours.example protected and FAKE_REPLY
forced to quarantine
(a message that is not delivered):

  1. alice@partner -> bob@ours, Cc carol@ours (Message-ID first-1):
     accepted, recorded; no stateful symbol (an empty history);
  2. mallory@evil replies to first-1 (In-Reply-To) -> bob: THREAD_HIJACK
     "thread <first-1@partner.example>: sender not a participant", and it
     is not recorded (an impersonation);
  3. carol@ours (a Cc participant) replies to first-1: no THREAD_HIJACK;
  4. alice replies to first-1 through References only: no THREAD_HIJACK;
  5. mallory again, with a List-Id (a mailing list): no THREAD_HIJACK;
  6. frank@fake -> bob "Re: hello" without In-Reply-To: FAKE_REPLY,
     quarantined, not recorded;
  7. bob@ours -> dave@other (outbound): recorded; 4 delivered before it,
     below the minimum: no FIRST_CONTACT yet (nor at 6, for frank);
  8. eve@new -> bob: FIRST_CONTACT "eve@new.example -> bob@ours.example";
  9. dave@other -> bob (bob wrote to dave): no FIRST_CONTACT;
 10. alice@partner -> bob (alice wrote to bob): no FIRST_CONTACT;
 11. frank@fake -> bob: FIRST_CONTACT (message 6 was not delivered);
 11b. zed@else (a stranger) replies to message 5, list traffic recorded
     as an open thread: no THREAD_HIJACK (referenced_open 1), but
     FIRST_CONTACT;
 11c. Carol Tanaka <carol@ours.example> (a protected domain) -> bob: her
     name is learned; 11d. "Tanaka Carol" from gmail.com -> bob, never in
     touch with bob: IMPERSONATION_DISPLAY_NAME (known person), not
     recorded; 11e. "Carol Tanaka" from dave@other, whom bob wrote to: no
     symbol;
 12. a scan without --state: no history section, no stateful symbol;
 13. a store that refuses the module's writes (an SQLite trigger added to
     mamori.db): the scan still succeeds, nothing is recorded and the
     report's bec.history.error says why; 14. with the trigger gone, the
     count of delivered messages is what it was before 13;
 15. a pair written less than a day ago is not written again (its value,
     the time written, stays), one written two days ago is (value and
     expiry move to now).
Each step checks the exact symbols of the bec module, the report's
bec.history counters and what was recorded.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


BEC = {"THREAD_HIJACK", "FIRST_CONTACT", "IMPERSONATION_DISPLAY_NAME", "IMPERSONATION_DOMAIN",
       "BEC_PAYMENT_CHANGE", "FREEMAIL_FROM", "REPLYTO_MISMATCH", "FAKE_REPLY",
       "BEC_IMPERSONATION_PAYLOAD"}


def mail(frm, to, mid, subject, cc=None, irt=None, refs=None, extra=""):
    h = ["From: %s" % frm, "To: %s" % to]
    if cc:
        h.append("Cc: %s" % cc)
    h += ["Subject: %s" % subject, "Message-ID: <%s>" % mid,
          "Date: Mon, 7 Dec 2026 10:00:00 +0000", "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=us-ascii"]
    if irt:
        h.append("In-Reply-To: <%s>" % irt)
    if refs:
        h.append("References: %s" % " ".join("<%s>" % r for r in refs))
    if extra:
        h.append(extra)
    return ("\r\n".join(h) + "\r\n\r\nThe figures for this month are attached below.\r\n"
            "Best regards\r\n").encode()


def scan(a, conf, state, name, data, rcpt):
    path = os.path.join(a.work, name + ".eml")
    with open(path, "wb") as f:
        f.write(data)
    cmd = [a.mamori, "scan", "--json", "-c", conf, "--rcpt", rcpt, path]
    if state is not None:
        cmd[2:2] = ["--state", state]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1) or p.stderr.strip():
        sys.exit("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout)


def bec_syms(rep):
    return {k: v.get("options", []) for k, v in rep["symbols"].items() if k in BEC}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("work")
    a = ap.parse_args()
    a.work = os.path.abspath(a.work)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    state = os.path.join(a.work, "state")
    os.makedirs(state)
    conf = os.path.join(a.work, "mamori.conf")
    with open(conf, "w") as f:
        f.write('bec = { first_contact_min_history = 5; protected_domains = [ "ours.example" ]; };\n'
                'symbols = { FAKE_REPLY = { action = "quarantine"; }; };\n')

    def step(name, data, rcpt, syms, action, delivered, known, recorded, opened=0):
        rep = scan(a, conf, state, name, data, rcpt)
        got = bec_syms(rep)
        check(got == syms, "%s: bec symbols %r (want %r)" % (name, got, syms))
        check(rep["action"] == action, "%s: action %s (want %s)" % (name, rep["action"], action))
        hist = rep["bec"].get("history")
        want = {"checked": True, "delivered": delivered, "referenced_known": known,
                "referenced_open": opened, "recorded": recorded}
        check(hist == want, "%s: bec.history %r (want %r)" % (name, hist, want))

    step("01-first", mail("Alice <alice@partner.example>", "bob@ours.example", "first-1@partner.example",
                          "invoice", cc="Carol <Carol@Ours.example>"),
         "bob@ours.example", {}, "accept", 0, 0, "yes")
    step("02-hijack", mail("Mallory <mallory@evil.example>", "bob@ours.example",
                           "hijack-2@evil.example", "Re: invoice", irt="first-1@partner.example",
                           refs=["first-1@partner.example"]),
         "bob@ours.example",
         {"THREAD_HIJACK": ["thread <first-1@partner.example>: sender not a participant"]},
         "add_header", 1, 1, "no: an impersonation")
    step("03-cc-reply", mail("carol@ours.example", "alice@partner.example", "reply-3@ours.example",
                             "Re: invoice", irt="first-1@partner.example"),
         "alice@partner.example", {}, "accept", 1, 1, "yes")
    step("04-refs-reply", mail("ALICE@partner.example", "bob@ours.example", "reply-4@partner.example",
                               "Re: invoice", refs=["unknown@x.example", "first-1@partner.example"]),
         "bob@ours.example", {}, "accept", 2, 1, "yes")
    step("05-list", mail("Mallory <mallory@evil.example>", "list@ours.example", "list-5@evil.example",
                         "Re: invoice", irt="first-1@partner.example",
                         extra="List-Id: <talk.ours.example>"),
         "bob@ours.example", {}, "accept", 3, 0, "yes")
    step("06-fake-reply", mail("frank@fake.example", "bob@ours.example", "fake-6@fake.example",
                               "Re: hello"),
         "bob@ours.example", {"FAKE_REPLY": ["re:"]}, "quarantine", 4, 0, "no: not delivered")
    # 05 was recorded: mallory -> bob is a pair now; 07 is outbound
    step("07-outbound", mail("bob@ours.example", "dave@other.example", "out-7@ours.example",
                             "meeting"),
         "dave@other.example", {}, "accept", 4, 0, "yes")
    step("08-newcomer", mail("eve@new.example", "bob@ours.example", "new-8@new.example", "hello"),
         "bob@ours.example", {"FIRST_CONTACT": ["eve@new.example -> bob@ours.example"]},
         "accept", 5, 0, "yes")
    step("09-reverse", mail("dave@other.example", "bob@ours.example", "rev-9@other.example",
                            "meeting"),
         "bob@ours.example", {}, "accept", 6, 0, "yes")
    step("10-forward", mail("alice@partner.example", "bob@ours.example", "fwd-10@partner.example",
                            "next invoice"),
         "bob@ours.example", {}, "accept", 7, 0, "yes")
    step("11-frank", mail("frank@fake.example", "bob@ours.example", "frank-11@fake.example",
                          "hello"),
         "bob@ours.example", {"FIRST_CONTACT": ["frank@fake.example -> bob@ours.example"]},
         "accept", 8, 0, "yes")
    # 05 was list traffic: recorded as an open thread, which anyone may answer
    step("11b-open-thread", mail("Zed <zed@else.example>", "bob@ours.example",
                                 "zed-11b@else.example", "Re: invoice", irt="list-5@evil.example"),
         "bob@ours.example", {"FIRST_CONTACT": ["zed@else.example -> bob@ours.example"]},
         "accept", 9, 1, "yes", opened=1)
    # a protected domain's person: learned from delivered mail, then their
    # name from an address outside, which never wrote to bob nor bob to it
    step("11c-colleague", mail("Carol Tanaka <carol@ours.example>", "bob@ours.example",
                               "carol-11c@ours.example", "lunch"),
         "bob@ours.example", {"FIRST_CONTACT": ["carol@ours.example -> bob@ours.example"]},
         "accept", 10, 0, "yes")
    step("11d-fake-colleague", mail("Tanaka Carol <carol.tanaka@gmail.com>", "bob@ours.example",
                                    "fake-11d@gmail.com", "quick favour"),
         "bob@ours.example",
         {"IMPERSONATION_DISPLAY_NAME":
          ["Tanaka Carol <carol.tanaka@gmail.com> (known person carol@ours.example)"],
          "FREEMAIL_FROM": ["carol.tanaka@gmail.com"],
          "FIRST_CONTACT": ["carol.tanaka@gmail.com -> bob@ours.example"]},
         "add_header", 11, 0, "no: an impersonation")
    # the same name from dave, a correspondent of bob's (07): not flagged
    step("11e-correspondent", mail("Carol Tanaka <dave@other.example>", "bob@ours.example",
                                   "dave-11e@other.example", "minutes"),
         "bob@ours.example", {}, "accept", 11, 0, "yes")

    rep = scan(a, conf, None, "12-nostate",
               mail("Mallory <mallory@evil.example>", "bob@ours.example", "ns-12@evil.example",
                    "Re: invoice", irt="first-1@partner.example"),
               "bob@ours.example")
    check(bec_syms(rep) == {} and "history" not in rep["bec"],
          "12-nostate: no stateful symbol, no history section (%r, %r)"
          % (bec_syms(rep), rep["bec"]))

    db = sqlite3.connect(os.path.join(state, "mamori.db"))
    db.execute("CREATE TRIGGER refuse_bec BEFORE INSERT ON state_kv WHEN NEW.ns = 'bec' "
               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    db.commit()
    rep = scan(a, conf, state, "13-store-error",
               mail("alice@partner.example", "bob@ours.example", "err-13@partner.example",
                    "again"), "bob@ours.example")
    hist = rep["bec"].get("history", {})
    check(rep["action"] == "accept" and bec_syms(rep) == {} and hist.get("checked") is True
          and hist.get("delivered") == 12 and hist.get("recorded") == "no: store error"
          and hist.get("error", "").startswith("recording the history: store error: ")
          and "refused by the test" in hist.get("error", ""),
          "13-store-error: scanned, not recorded, the error reported (%r)" % hist)
    db.execute("DROP TRIGGER refuse_bec")
    db.commit()
    db.close()
    step("14-after-error", mail("alice@partner.example", "bob@ours.example",
                                "ok-14@partner.example", "again"),
         "bob@ours.example", {}, "accept", 12, 0, "yes")

    db = sqlite3.connect(os.path.join(state, "mamori.db"))
    now = int(time.time())
    fresh = "p:alice@partner.example\nbob@ours.example"
    stale = "p:alice@partner.example\ncarol@ours.example"
    db.execute("UPDATE state_kv SET value = ?, expires = ? WHERE ns = 'bec' AND key = ?",
               (str(now - 3600).encode(), now + 1000, fresh))
    db.execute("UPDATE state_kv SET value = ?, expires = ? WHERE ns = 'bec' AND key = ?",
               (str(now - 2 * 86400).encode(), now + 1000, stale))
    db.commit()
    scan(a, conf, state, "15-refresh",
         mail("alice@partner.example", "bob@ours.example", "ref-15@partner.example", "again",
              cc="carol@ours.example"), "bob@ours.example")
    rows = dict((k, (bytes(v).decode(), e)) for k, v, e in db.execute(
        "SELECT key, value, expires FROM state_kv WHERE ns = 'bec' AND key IN (?, ?)",
        (fresh, stale)))
    db.close()
    check(rows.get(fresh) == (str(now - 3600), now + 1000),
          "15-refresh: a pair written an hour ago is left as it was (%r)" % (rows.get(fresh),))
    v, e = rows.get(stale, ("0", 0))
    check(abs(int(v) - now) < 60 and abs(e - (now + 180 * 86400)) < 60,
          "15-refresh: a pair written two days ago is written again (%r)" % (rows.get(stale),))
    if FAILS:
        sys.exit("%d checks failed" % len(FAILS))
    print("all checks passed")


if __name__ == "__main__":
    main()
