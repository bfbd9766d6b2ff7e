#!/usr/bin/python3
"""maldocs_oracles.py - mamori's document verdicts against independent
implementations, on every Office file of tests/data/maldocs and Debian's
clamav-testfiles:

  - msoffcrypto-tool (python3-msoffcrypto-tool): is the file encrypted?
    must agree with ENCRYPTED_OFFICE (or PPAP_DECRYPTED, when a candidate
    password opened it);
  - olefile (python3-olefile): does the OLE2 file hold a VBA project
    (a "VBA" storage with a "dir" stream), an Ole10Native embedded object,
    or macro sheets?  VBA must agree with VBA_MACRO, Ole10Native with
    OLE_EMBEDDED_OBJECT;
  - Python's zipfile: does an OOXML package hold vbaProject.bin?  must
    agree with VBA_MACRO.

usage: maldocs_oracles.py --mamori BIN WORKDIR   (Debian's python3: the
oracles are Debian packages)
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import zipfile

import msoffcrypto
import olefile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
CLAMAV = "/usr/share/clamav-testfiles"
OFFICE = (".doc", ".xls", ".ppt", ".docx", ".docm", ".xlsx", ".xlsm", ".pptx")


def files():
    out = []
    for root, _, names in os.walk(DATA):
        for n in sorted(names):
            if n.lower().endswith(OFFICE):
                out.append(os.path.join(root, n))
    for n in ("clam.ole.doc", "clam.ppt"):
        if os.path.exists(os.path.join(CLAMAV, n)):
            out.append(os.path.join(CLAMAV, n))
    return sorted(out)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_ole(data):
    # (olefile reads short bytes as a file name: test the signature here)
    return len(data) >= 1536 and data[:8] == OLE_MAGIC


def ole_streams(data):
    """(vba, ole10native) of an OLE2 file given as bytes, by olefile."""
    vba = native = False
    ole = olefile.OleFileIO(data)
    for entry in ole.listdir(streams=True, storages=False):
        low = [e.lower() for e in entry]
        if len(low) >= 2 and low[-2] == "vba" and low[-1] == "dir":
            vba = True
        if low[-1] == "\x01ole10native":
            native = True
    ole.close()
    return vba, native


def oracle(path):
    """What the independent tools say: (encrypted, vba, ole10native), or
    None for a question they cannot answer (PowerPoint keeps its VBA
    project and embedded objects in zlib-compressed records inside the
    "PowerPoint Document" stream, which olefile does not open)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        enc = msoffcrypto.OfficeFile(open(path, "rb")).is_encrypted()
    except Exception:
        enc = False
    vba = native = False
    if path.lower().endswith(".ppt"):
        return enc, None, None
    if is_ole(data):
        vba, native = ole_streams(data)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                part = z.read(n)
                if is_ole(part):   # vbaProject.bin, oleObject*.bin
                    v, o = ole_streams(part)
                    vba |= v
                    native |= o
    return enc, vba, native


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    paths = files()
    emls = []
    for i, p in enumerate(paths):
        e = os.path.join(a.workdir, f"{i:02d}.eml")
        name = os.path.basename(p)
        body = base64.encodebytes(open(p, "rb").read()).decode()
        with open(e, "w") as f:
            f.write(f"From: a@example.com\nTo: b@example.jp\nSubject: {name}\n"
                    f"Message-ID: <{i}@example.com>\nMIME-Version: 1.0\n"
                    f"Content-Type: application/octet-stream; name=\"{name}\"\n"
                    f"Content-Transfer-Encoding: base64\n\n{body}")
        emls.append(e)
    r = subprocess.run([a.mamori, "scan", "--json"] + emls, capture_output=True, text=True)
    if r.returncode not in (0, 1) or r.stderr:
        print(f"mamori: exit {r.returncode} {r.stderr[:500]}")
        return 1
    reports = [json.loads(line) for line in r.stdout.splitlines()]
    errors = []
    checked = {"encrypted": 0, "vba": 0, "ole10native": 0}
    for p, rep in zip(paths, reports):
        enc, vba, native = oracle(p)
        syms = rep["symbols"]
        # ENCRYPTED_OFFICE names the encrypted file itself; a VBA project
        # may sit in a part, so VBA_MACRO anywhere in the tree counts
        # (or PPAP_DECRYPTED: a candidate password opened it, e.g.
        # Excel's default VelvetSweatshop or the dictionary's "password")
        pairs = (("encrypted", enc, "ENCRYPTED_OFFICE" in syms or "PPAP_DECRYPTED" in syms),
                 ("vba", vba, "VBA_MACRO" in syms),
                 ("ole10native", native, "OLE_EMBEDDED_OBJECT" in syms))
        for what, want, got in pairs:
            if want is None:
                continue
            if want:
                checked[what] += 1
            if want != got:
                errors.append(f"{os.path.relpath(p, HERE)}: {what}: oracle says {want}, "
                              f"mamori {got} ({sorted(syms)})")
    for e in errors:
        print("FAIL", e)
    print(f"maldocs_oracles: {len(paths)} Office files; positives per the oracles: "
          f"{checked}; {len(errors)} disagreements")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
