#!/usr/bin/python3
"""test_bec_history_e2e.py - the bec module's correspondent history in a
real mail flow (issue 17): swaks -> Postfix (smtpd_milters = mamori
milter --state) -> the sink, the set-up of test_postfix_e2e.py.
ctest `e2e.bec_history` (tests/e2e/e2e.cmake).

  1. a first mail (alice@partner.example -> bob@example.jp, Cc
     carol@example.jp) is delivered: the milter records its participants;
  2. a reply to it (In-Reply-To) from mallory@evil.example, who was not
     in the thread, is delivered tagged: X-Spam-Status yes, naming
     THREAD_HIJACK (6 points: add_header);
  3. carol's reply to the same thread is delivered clean: X-Spam-Status
     no, THREAD_HIJACK named nowhere, the first mail's score;
  4. (bec.first_contact_min_history = 2: two delivered messages recorded,
     the hijack was not) eve@new.example writes to bob for the first time:
     FIRST_CONTACT named, the first mail's score + 1.0;
  5. alice writes to bob again: no FIRST_CONTACT, the first mail's score.
The scores compared are X-Spam-Score (the same authentication symbols
for every message: one client, one DNS zone that answers nothing).

Exit status 0: passed; 1: a failure; 77: skipped (as test_postfix_e2e.py).
"""
import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import test_postfix_e2e as base  # noqa: E402
from test_postfix_e2e import fail, hdr_all, ok, sink_by_mid, swaks, wait_for  # noqa: E402


def write(e, name, frm, mid, subject, cc=None, irt=None):
    h = [f"From: {frm}", "To: Bob <bob@example.jp>"]
    if cc:
        h.append(f"Cc: {cc}")
    h += [f"Subject: {subject}", f"Message-ID: <{mid}>",
          "Date: Mon, 07 Dec 2026 10:00:00 +0900", "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=us-ascii"]
    if irt:
        h += [f"In-Reply-To: <{irt}>", f"References: <{irt}>"]
    data = "\r\n".join(h) + "\r\n\r\nThe figures for this month are below.\r\nRegards\r\n"
    p = os.path.join(e.work, "msgs", name + ".eml")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(data)
    return p


def deliver(e, what, path, mid):
    """Send path; the one copy at the sink (raw) or None (a failure)."""
    code, out = swaks(e.pf.port, path)
    if code != 250:
        fail(f"{what}: swaks got {code}:\n{out[-1200:]}")
        return None
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        fail(f"{what}: {len(got or [])} copies at the sink")
        return None
    return got[0][1]


def status(raw):
    st = hdr_all(raw, "X-Spam-Status")
    return (st[0].strip() if st else ""), " ".join(hdr_all(raw, "X-Spam-Symbols") + st)


def score(raw):
    v = hdr_all(raw, "X-Spam-Score")
    return float(v[0]) if v else None


def case_history(e):
    tag = f"{random.getrandbits(40):x}"
    first = f"first.{tag}@partner.example"
    raw = deliver(e, "first", write(e, "first", "Alice <alice@partner.example>", first,
                                    "invoice " + tag, cc="Carol <carol@example.jp>"), first)
    if raw is None:
        return
    st, _ = status(raw)
    base_score = score(raw)
    if not st.lower().startswith("no") or base_score is None:
        return fail(f"first: X-Spam-Status {st!r}, score {base_score}, want no")
    ok(f"first: delivered clean ({st!r}), its participants recorded")

    hij = f"hijack.{tag}@evil.example"
    raw = deliver(e, "hijack", write(e, "hijack", "Mallory <mallory@evil.example>", hij,
                                     "Re: invoice " + tag, irt=first), hij)
    if raw is None:
        return
    st, syms = status(raw)
    if (not st.lower().startswith("yes") or "THREAD_HIJACK" not in syms
            or score(raw) != round(base_score + 6.0, 2)):
        return fail(f"hijack: X-Spam-Status {st!r}, symbols {syms!r}: want yes, THREAD_HIJACK, "
                    f"score {base_score} + 6")
    ok(f"hijack: tagged, THREAD_HIJACK ({st!r})")

    rep = f"reply.{tag}@example.jp"
    raw = deliver(e, "participant", write(e, "participant", "Carol <carol@example.jp>", rep,
                                          "Re: invoice " + tag, irt=first), rep)
    if raw is None:
        return
    st, syms = status(raw)
    if not st.lower().startswith("no") or "THREAD_HIJACK" in syms or score(raw) != base_score:
        return fail(f"participant: X-Spam-Status {st!r}, symbols {syms!r}: want no, "
                    f"no THREAD_HIJACK, score {base_score}")
    ok(f"participant: delivered clean ({st!r})")

    new = f"new.{tag}@new.example"
    raw = deliver(e, "newcomer", write(e, "newcomer", "Eve <eve@new.example>", new,
                                       "hello " + tag), new)
    if raw is None:
        return
    st, syms = status(raw)
    if "FIRST_CONTACT" not in syms or score(raw) != round(base_score + 1.0, 2):
        return fail(f"newcomer: symbols {syms!r}, score {score(raw)}: want FIRST_CONTACT, "
                    f"{base_score} + 1")
    ok(f"newcomer: FIRST_CONTACT ({st!r})")

    again = f"again.{tag}@partner.example"
    raw = deliver(e, "known", write(e, "known", "Alice <alice@partner.example>", again,
                                    "next invoice " + tag), again)
    if raw is None:
        return
    st, syms = status(raw)
    if "FIRST_CONTACT" in syms or score(raw) != base_score:
        return fail(f"known: symbols {syms!r}, score {score(raw)}: want no FIRST_CONTACT, "
                    f"{base_score}")
    ok(f"known: no FIRST_CONTACT ({st!r})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--milter-user", default="nobody")
    a = ap.parse_args()
    why = base.unavailable("swaks")
    if why:
        print(f"SKIP: {why}")
        return 77
    a.mamori = os.path.abspath(a.mamori)
    a.milter_conf = "bec = { first_contact_min_history = 2; };"
    return base.run(a, "mamori-bec-", [case_history],
                    lambda e: f"setup: postfix 127.0.0.1:{e.pf.port}, milter "
                              f"127.0.0.1:{e.milter_port}")


if __name__ == "__main__":
    sys.exit(main())
