#!/usr/bin/python3
"""make_auth_corpus.py - DKIM-sign real messages for the authentication benchmark.

usage: make_auth_corpus.py SRC_DIR OUT_DIR [N]

Takes the first N (default 1000) messages under SRC_DIR (the SpamAssassin
train split that bench/scan-throughput.sh unpacks), converts them to CRLF,
and signs each with dkimpy (python3-dkim: run with Debian's /usr/bin/python3)
as d=example.com: alternately rsa-sha256 with the published 2048-bit dkimpy
test key and ed25519-sha256, relaxed/relaxed.  Writes OUT_DIR/msg/*.eml,
OUT_DIR/zone.json (for tests/support/dnsserver.py: SPF, DMARC and the two
DKIM keys of example.com) and OUT_DIR/keys (for tests/auth/dkim_driver).
The keys are published test keys: never use them for real mail.
"""
import json
import os
import sys

import dkim

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
KEYS = os.path.join(ROOT, "tests", "auth", "data", "dkim")


def main():
    src, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rsa = open(os.path.join(KEYS, "dkimpy", "2048_testkey.key"), "rb").read()
    ed = open(os.path.join(KEYS, "dkimpy", "ed25519test.key"), "rb").read()
    records = dict(l.strip().split(" ", 1) for l in open(os.path.join(KEYS, "keys"))
                   if not l.startswith("#") and " " in l)
    rsa_pub = records["k2048._domainkey.example.com"]
    ed_rec = records["ked._domainkey.example.com"]
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs)[:n]
    os.makedirs(os.path.join(out, "msg"), exist_ok=True)
    for i, path in enumerate(files):
        msg = open(path, "rb").read()
        if msg.startswith(b"From "):  # the mbox From_ line
            msg = msg.split(b"\n", 1)[1]
        msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if i % 2:
            sig = dkim.sign(msg, b"ked", b"example.com", ed,
                            canonicalize=(b"relaxed", b"relaxed"),
                            signature_algorithm=b"ed25519-sha256")
        else:
            sig = dkim.sign(msg, b"k2048", b"example.com", rsa,
                            canonicalize=(b"relaxed", b"relaxed"))
        with open(os.path.join(out, "msg", f"{i:05d}.eml"), "wb") as f:
            f.write(sig + msg)
    zone = {
        "example.com": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
        "mx.example.com": [{"A": "192.0.2.25"}, {"TXT": "v=spf1 a -all"}],
        "_dmarc.example.com": [{"TXT": "v=DMARC1; p=reject"}],
        "k2048._domainkey.example.com": [{"TXT": rsa_pub}],
        "ked._domainkey.example.com": [{"TXT": ed_rec}],
    }
    json.dump(zone, open(os.path.join(out, "zone.json"), "w"))
    with open(os.path.join(out, "keys"), "w") as f:
        f.write(f"k2048._domainkey.example.com {rsa_pub}\n")
        f.write(f"ked._domainkey.example.com {ed_rec}\n")
    print(len(files))


if __name__ == "__main__":
    main()
