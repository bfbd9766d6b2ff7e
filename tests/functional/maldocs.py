#!/usr/bin/env python3
"""maldocs.py - the real test documents of tests/data/maldocs (written by
other projects' authors: oletools, strelka, ClamAV, LnkParse3) and of
Debian's clamav-testfiles, each attached to a mail and scanned: the
document symbols must be exactly those below (the class of each macro
document, and none on the clean files), and what the analysers carve out
must be in the object tree.

usage: maldocs.py --mamori BIN WORKDIR

The expectations follow each file's line in MANIFEST.tsv (its
expected_verdict column); where mamori says more (a YARA rule, the
dangerous type of a carved program), that is listed too, so the symbol
sets are exact.
"""
import argparse
import base64
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "maldocs")
CLAMAV = "/usr/share/clamav-testfiles"

# Symbols of the document analysers: exactly these must appear (others, of
# the message or the engines, are in OTHER and checked separately).
DOC_SYMBOLS = {
    "VBA_MACRO", "VBA_AUTOEXEC", "VBA_AUTOEXEC_EXECUTE", "VBA_SUSPICIOUS",
    "VBA_OBFUSCATED", "VBA_IN_MACRO_FREE_FORMAT", "XLM_MACRO", "XLM_AUTOEXEC",
    "XLM_HIDDEN_SHEET", "XLM_SUSPICIOUS_FORMULA", "DDE_FIELD", "TEMPLATE_INJECTION",
    "OLE_EMBEDDED_OBJECT", "ENCRYPTED_OFFICE", "DOCUMENT_MALFORMED", "LNK_FILE",
    "LNK_SUSPICIOUS_COMMAND", "ONENOTE_EMBEDDED_FILE", "PDF_JAVASCRIPT", "PDF_LAUNCH",
    "PDF_AUTO_ACTION", "PDF_EMBEDDED_FILE", "RTF_OLE_OBJECT", "RTF_OBJUPDATE",
    "RTF_EQUATION_EDITOR", "HTML_SMUGGLING", "HTML_CREDENTIAL_FORM", "HTML_REDIRECT",
    "ODF_MACRO", "ODF_MACRO_AUTOEXEC", "PPT_ACTION_RUN",
}

# file -> (document symbols, object paths that must exist (name inside the
# attachment, "" = the attachment itself) with their true type)
EXPECT = {}


def load_expectations():
    path = os.path.join(HERE, "maldocs_expect.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def eml(path, name, data):
    body = base64.encodebytes(data).decode()
    with open(path, "w") as f:
        f.write(f"From: sender@example.com\nTo: rcpt@example.jp\nSubject: {name}\n"
                f"Date: Thu, 26 Nov 2026 09:00:00 +0900\n"
                f"Message-ID: <{os.path.basename(path)}@example.com>\nMIME-Version: 1.0\n"
                f"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                f"Content-Type: text/plain\n\nthe file\n--b\n"
                f"Content-Type: application/octet-stream; name=\"{name}\"\n"
                f"Content-Disposition: attachment; filename=\"{name}\"\n"
                f"Content-Transfer-Encoding: base64\n\n{body}--b--\n")


def flatten(objs, out):
    for o in objs:
        out[o["path"]] = o
        flatten(o["children"], out)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    expect = load_expectations()
    files, emls = [], []
    for rel in sorted(expect):
        src = os.path.join(CLAMAV, rel[len("clamav-testfiles/"):]) \
            if rel.startswith("clamav-testfiles/") else os.path.join(DATA, rel)
        if not os.path.exists(src):
            print(f"maldocs: {src} missing")
            return 1
        name = os.path.basename(rel)
        e = os.path.join(a.workdir, rel.replace("/", "_") + ".eml")
        data = open(src, "rb").read()
        if rel.startswith("lnk/"):
            data = base64.b64decode(data)   # LnkParse3 keeps its samples in base64
        eml(e, name, data)
        files.append((rel, name))
        emls.append(e)
    p = subprocess.run([a.mamori, "scan", "--json"] + emls, capture_output=True, text=True)
    if p.returncode not in (0, 1) or p.stderr:
        print(f"maldocs: mamori exit {p.returncode}: {p.stderr[:1000]}")
        return 1
    reports = [json.loads(line) for line in p.stdout.splitlines()]
    errors = []
    for (rel, name), r in zip(files, reports):
        want = expect[rel]
        got = sorted(s for s in r["symbols"] if s in DOC_SYMBOLS)
        if got != sorted(want["symbols"]):
            errors.append(f"{rel}: document symbols {got}, expected {sorted(want['symbols'])}"
                          f" {({k: v['options'][:3] for k, v in r['symbols'].items() if k in DOC_SYMBOLS})}")
        for sym, opt in want.get("options", {}).items():
            have = r["symbols"].get(sym, {}).get("options", [])
            if opt not in have:
                errors.append(f"{rel}: {sym} option {opt!r} not in {have}")
        objs = flatten(r["objects"], {})
        for sub, typ in want.get("objects", {}).items():
            path = name + ("/" + sub if sub else "")
            o = objs.get(path)
            if o is None:
                errors.append(f"{rel}: object {path} missing; have {sorted(objs)[:12]}")
            elif typ is not None and o["type"] != typ:
                errors.append(f"{rel}: {path} is {o['type']}, expected {typ}")
        for sym in want.get("also", []):
            if sym not in r["symbols"]:
                errors.append(f"{rel}: {sym} missing (have {sorted(r['symbols'])})")
        if "action" in want and r["action"] != want["action"]:
            errors.append(f"{rel}: action {r['action']}, expected {want['action']}")
    for e in errors:
        print("FAIL", e)
    print(f"maldocs: {len(files)} documents, {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
