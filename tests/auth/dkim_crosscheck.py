#!/usr/bin/python3
"""dkim_crosscheck.py - mamori's DKIM verifier against dkimpy, message by message.

Run with /usr/bin/python3 (Debian's python3-dkim lives there):

  /usr/bin/python3 dkim_crosscheck.py --driver build/tests/dkim_driver \
      --keys tests/auth/data/dkim/keys --work /tmp/dkim-cc [--count 1200] [--seed N]

It generates --count messages deterministically (seeded random): folded headers, 8-bit
UTF-8 and ISO-2022-JP bytes in headers and bodies, long lines, runs of tabs and spaces,
trailing blank lines, empty bodies, CRLF and some bare LF; the four c= combinations;
rsa-sha256 with the dkimpy 1024- and 2048-bit test keys and ed25519-sha256 with
dkimpy's ed25519 test key; some with l=, i=, extra (absent and repeated) h= names.
About half are then tampered with (body changed or appended, header changed, header
added above, signature corrupted).  Each message is verified by dkimpy
(dkim.verify with a dnsfunc serving --keys) and by the C driver (first signature);
any pass/fail disagreement fails the test.  Output ends with "N passed, M failed":
messages on which the two agree / disagree.  Exit 77 (skip) without python3-dkim.
"""
import argparse
import os
import random
import subprocess
import sys

try:
    import dkim
except ImportError:
    print("python3-dkim not installed for", sys.executable, "- skipped")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "dkim", "dkimpy")
DOMAIN = b"example.com"
KEYS = {  # selector -> (private key file, algorithm)
    b"k1024": ("1024_testkey.key", b"rsa-sha256"),
    b"k2048": ("2048_testkey.key", b"rsa-sha256"),
    b"ked": ("ed25519test.key", b"ed25519-sha256"),
}

WORDS = [b"invoice", b"meeting", b"hello", b"re:", b"urgent", b"payment", b"the", b"a",
         b"report", b"2026", b"Q3", b"(draft)", b"\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8",
         b"\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1", b"caf\xc3\xa9", b"=?UTF-8?B?5pel5pys?=",
         b"\x1b$B@A5a=q\x1b(B", b"\x1b$B$*@$OC\x1b(B", b"x", b"...", b"<b>", b"100%"]


def load_keys(path):
    recs = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            name, val = line.split(None, 1)
            recs[name.lower()] = val
    return recs


def ws(r):
    return r.choice([b" ", b" ", b" ", b"  ", b"\t", b" \t ", b"   "])


def phrase(r, n):
    out = b""
    for k in range(n):
        if k:
            out += ws(r)
        out += r.choice(WORDS)
    return out


def fold(r, value):
    """Fold a header value at some of its spaces."""
    if r.random() < 0.6:
        return value
    parts = value.split(b" ")
    out = parts[0]
    for p in parts[1:]:
        out += (b"\r\n" + r.choice([b" ", b"\t", b"  "]) if r.random() < 0.3 else b" ") + p
    return out


def make_headers(r):
    h = []
    h.append((b"Received", fold(r, b"from mx%d.example.net (mx.example.net [192.0.2.%d]) by mx.example.com"
                                % (r.randrange(9), r.randrange(255)))))
    name = r.choice([b"Joe SixPack", b"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", b"=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=",
                     b"Alice", b"\"Bob  Smith\""])
    h.append((b"From", fold(r, name + b" <user%d@example.com>" % r.randrange(100))))
    h.append((b"To", fold(r, b"Suzie Q <suzie@shopping.example.net>")))
    if r.random() < 0.3:
        h.append((b"Cc", fold(r, b"a@example.org, b@example.org")))
    subj = phrase(r, r.randrange(1, 12))
    if r.random() < 0.2:
        subj += ws(r)  # trailing whitespace
    h.append((b"Subject", fold(r, subj)))
    h.append((b"Date", b"Fri, 11 Jul 2003 21:00:37 -0700 (PDT)"))
    h.append((b"Message-ID", b"<%d.%d@example.com>" % (r.randrange(10**9), r.randrange(10**6))))
    if r.random() < 0.5:
        h.append((b"MIME-Version", b"1.0"))
        h.append((b"Content-Type", fold(r, r.choice([b"text/plain; charset=utf-8",
                                                   b"text/plain; charset=ISO-2022-JP",
                                                   b"text/plain;\tcharset=\"us-ascii\"; format=flowed"]))))
    if r.random() < 0.3:
        h.append((b"X-Mailer", phrase(r, 3)))
    r.shuffle(h[3:])
    sep = r.choice([b":", b":", b": ", b":  ", b":\t"])
    return [(n, v, sep if r.random() < 0.3 else b": ") for n, v in h]


def make_body(r):
    kind = r.random()
    if kind < 0.06:
        return b""
    if kind < 0.10:
        return b"\r\n" * r.randrange(1, 4)
    lines = []
    for _ in range(r.randrange(1, 30)):
        c = r.random()
        if c < 0.15:
            lines.append(b"")
        elif c < 0.22:
            lines.append(phrase(r, r.randrange(100, 400)))  # long line
        elif c < 0.30:
            lines.append(ws(r) + phrase(r, 4) + ws(r) + ws(r))  # leading / trailing WSP
        elif c < 0.35:
            lines.append(ws(r))  # whitespace-only line
        else:
            lines.append(phrase(r, r.randrange(1, 15)))
    body = b"\r\n".join(lines)
    e = r.random()
    if e < 0.6:
        body += b"\r\n"
    elif e < 0.85:
        body += b"\r\n" * r.randrange(2, 5)  # trailing blank lines
    elif e < 0.93:
        body += b"\r\n" + ws(r) + b"\r\n"
    # else: no final line end
    return body


def build(headers, body):
    return b"".join(n + s + v + b"\r\n" for n, v, s in headers) + b"\r\n" + body


def sign(r, msg, privs):
    sel = r.choice(list(KEYS))
    keyfile, alg = KEYS[sel]
    canon = (r.choice([b"simple", b"relaxed"]), r.choice([b"simple", b"relaxed"]))
    inc = None
    if r.random() < 0.5:
        inc = [b"from", b"to", b"subject", b"date", b"message-id"]
        r.shuffle(inc)
        extra = r.sample([b"reply-to", b"cc", b"from", b"subject", b"content-type",
                          b"x-nonexistent", b"mime-version", b"x-mailer"], r.randrange(0, 4))
        inc += extra
    length = r.random() < 0.2
    identity = None
    c = r.random()
    if c < 0.15:
        identity = b"@example.com"
    elif c < 0.25:
        identity = b"user@mail.example.com"
    sig = dkim.sign(msg, sel, DOMAIN, privs[sel], canonicalize=canon,
                    signature_algorithm=alg, include_headers=inc, length=length,
                    identity=identity)
    return sig + msg, (sel, canon, inc is not None, length, identity is not None)


def tamper(r, msg):
    hdr, _, body = msg.partition(b"\r\n\r\n")
    t = r.random()
    if t < 0.2:
        # change a body byte
        if body:
            k = r.randrange(len(body))
            body = body[:k] + (b"X" if body[k:k + 1] != b"X" else b"Y") + body[k + 1:]
        else:
            body = b"added\r\n"
        return hdr + b"\r\n\r\n" + body, "body-changed"
    if t < 0.3:
        return hdr + b"\r\n\r\n" + body + b"appended line\r\n", "body-appended"
    if t < 0.4:
        return hdr + b"\r\n\r\n" + body + b"\r\n\r\n", "blank-lines-added"
    if t < 0.6:
        lines = hdr.split(b"\r\n")
        idx = [i for i, l in enumerate(lines) if l.lower().startswith((b"subject", b"to:", b"to :", b"to:\t"))]
        if idx:
            i = r.choice(idx)
            mode = r.random()
            if mode < 0.5:
                lines[i] = lines[i] + b" changed"
            elif mode < 0.75:
                lines[i] = lines[i].replace(b" ", b"  ", 1)  # whitespace only: relaxed passes
            else:
                lines[i] = lines[i][:1].lower() + lines[i][1:]  # name case: relaxed passes
        return b"\r\n".join(lines) + b"\r\n\r\n" + body, "header-changed"
    if t < 0.8:
        extra = r.choice([b"Subject: cheap meds", b"From: ceo@example.com", b"X-Spam: no",
                          b"Received: from evil", b"To: other@example.net"])
        return extra + b"\r\n" + msg, "header-added-above"
    # corrupt the signature: one base64 character of b=
    k = msg.find(b" b=")
    if k < 0:
        k = msg.find(b"b=")
    k += 3 + r.randrange(20)
    ch = msg[k:k + 1]
    return msg[:k] + (b"A" if ch != b"A" else b"B") + msg[k + 1:], "signature-corrupted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=8463)
    a = ap.parse_args()

    recs = load_keys(a.keys)
    privs = {}
    for sel, (f, _) in KEYS.items():
        with open(os.path.join(DATA, f), "rb") as fh:
            privs[sel] = fh.read().strip() if sel == b"ked" else fh.read()

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return recs.get(name.rstrip(b".").lower())

    os.makedirs(a.work, exist_ok=True)
    r = random.Random(a.seed)
    cases = []
    for n in range(a.count):
        msg = build(make_headers(r), make_body(r))
        msg, params = sign(r, msg, privs)
        what = "clean"
        if r.random() < 0.5:
            msg, what = tamper(r, msg)
        if r.random() < 0.1:
            msg = msg.replace(b"\r\n", b"\n")  # bare LF line ends
            what += "+lf"
        py = dkim.verify(msg, dnsfunc=dnsfunc)
        path = os.path.join(a.work, "m%05d.eml" % n)
        with open(path, "wb") as fh:
            fh.write(msg)
        cases.append((path, "pass" if py else "fail", what, params))

    listfile = os.path.join(a.work, "list.txt")
    with open(listfile, "w") as fh:
        fh.write("".join(c[0] + "\n" for c in cases))
    out = subprocess.run([a.driver, a.keys, "--list", listfile], check=True,
                         capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        p, verdict, reason = line.split("\t", 2)
        got[p] = (verdict, reason)

    agree = dis = 0
    outcome = {}
    for path, py, what, params in cases:
        c_verdict, reason = got.get(path, ("missing", ""))
        c = "pass" if c_verdict == "pass" else "fail"
        outcome[(py, what.split("+")[0])] = outcome.get((py, what.split("+")[0]), 0) + 1
        if c == py:
            agree += 1
        else:
            dis += 1
            print("DISAGREE %s: dkimpy %s, mamori %s (%s) [%s %s]" % (
                path, py, c_verdict, reason, what, params))
    npass = sum(1 for c in cases if c[1] == "pass")
    print("messages: %d, agreements: %d, disagreements: %d" % (len(cases), agree, dis))
    print("dkimpy verdicts: %d pass, %d fail" % (npass, len(cases) - npass))
    for (py, what), k in sorted(outcome.items()):
        print("  %-4s %-20s %d" % (py, what, k))
    print("%d passed, %d failed" % (agree, dis))
    return 0 if dis == 0 and len(cases) >= 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
