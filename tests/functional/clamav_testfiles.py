#!/usr/bin/env python3
"""clamav_testfiles.py - every file of Debian's clamav-testfiles, attached
to a mail, through mamori with a real clamd (run under
tests/support/clamd.py, which sets MAMORI_CLAMD_SOCKET).

usage: clamd.py -- clamav_testfiles.py --mamori BIN WORKDIR

Checks, for each of the files in /usr/share/clamav-testfiles:
  - the object tree reaches its innermost object: where mamori unpacks the
    container, clam.exe (the payload: 544 bytes, MD5 below, true type pe)
    is found at the path given in INNER; where it does not (packed
    executables, installers, formats without a library), the attachment
    is the innermost object and carries the flag said in INNER;
  - with clamd.send = ["attachments"], AV_VIRUS names the signature and
    the attachment, and the action is reject;
  - with clamd.send = ["objects"], AV_VIRUS also names the innermost
    object mamori unpacked;
and that with clamd unreachable the message is tempfailed, never
accepted (AV_ENGINE_ERROR).
"""
import argparse
import base64
import json
import os
import subprocess
import sys

TESTFILES = "/usr/share/clamav-testfiles"
CLAM_MD5 = "aa15bcf478d165efd2065190eb473bcb"
SIG = "Mamori.Test.ClamExe.UNOFFICIAL"

# file -> path of clam.exe inside, or ("leaf", flag or None) when mamori
# does not open the file (clamd still does)
INNER = {
    "clam.7z": "clam.7z/clam.exe",
    "clam.bin-be.cpio": "clam.bin-be.cpio/clam.exe",
    "clam.bin-le.cpio": "clam.bin-le.cpio/clam.exe",
    "clam.newc.cpio": "clam.newc.cpio/clam.exe",
    "clam.odc.cpio": "clam.odc.cpio/clam.exe",
    "clam.bz2.zip": "clam.bz2.zip/clam.exe",
    "clam.cab": "clam.cab/clam.exe",
    "clam.exe.bz2": "clam.exe.bz2/clam.exe",
    "clam.exe.mbox.base64": "clam.exe.mbox.base64/clam.exe",
    "clam.exe.mbox.uu": "clam.exe.mbox.uu/clam.exe",
    "clam.mail": "clam.mail/clam.exe",
    "clam.tar.gz": "clam.tar.gz/clam.exe",
    "clam.zip": "clam.zip/clam.exe",
    "clam.ole.doc": "clam.ole.doc/Clam.exe",    # Ole10Native, OLE analyser
    "clam.ppt": "clam.ppt/clam.exe",            # ExOleObjStg, OLE analyser
    "clam.chm": "clam.chm/clam.exe.txt",        # libmspack
    "clam.exe.szdd": "clam.exe.szdd/clam.exe",  # libmspack
    "clam.exe": "clam.exe",
    "clam.exe.rtf": "clam.exe.rtf/clam.exe",    # rtf.c: OLE1 Package
    # eight nested .tgz (ClamAV's recursion test): within limits.unpack_depth
    "clam_cache_emax.tgz": "clam_cache_emax.tgz/clam01.tgz/clam02.tgz/clam03.tgz/"
                           "clam04.tgz/clam05.tgz/clam06.tgz/clam07.tgz/clam08.tgz/clam.exe",
    # ZIP methods libarchive cannot decompress: the entry is found, not read
    "clam.d64.zip": ("entry", "clam.d64.zip/clam.exe", "unsupported"),
    "clam.impl.zip": ("entry", "clam.impl.zip/CLAM.EXE", "unsupported"),
    # formats without a library mamori uses
    "clam.arj": ("leaf", "unsupported"),
    "clam.exe.binhex": ("leaf", "unsupported"),
    "clam.sis": ("leaf", None),
    "clam.tnef": ("leaf", "unsupported"),
    # documents: their embedded objects are the document checks' work
    "clam.exe.html": "clam.exe.html/smuggled.bin",  # html.c carves the data: link
    "clam.pdf": "clam.pdf/clam.exe",           # pdf.c: /EmbeddedFile carved
}
# packed and self-extracting executables: clamd unpacks those, mamori not
for f in os.listdir(TESTFILES) if os.path.isdir(TESTFILES) else []:
    if f.endswith(".exe") and f not in INNER:
        INNER[f] = ("leaf", None)


def eml(path, name, data):
    body = base64.encodebytes(data).decode()
    with open(path, "w") as f:
        f.write(f"From: sender@example.com\nTo: rcpt@example.jp\nSubject: {name}\n"
                f"Date: Thu, 26 Nov 2026 09:00:00 +0900\n"
                f"Message-ID: <{name}@example.com>\nMIME-Version: 1.0\n"
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


def scan(mamori, conf, emls):
    p = subprocess.run([mamori, "scan", "--json", "--config", conf] + emls,
                       capture_output=True, text=True)
    if p.returncode not in (0, 1) or p.stderr:
        sys.exit(f"mamori failed: {p.returncode} {p.stderr[:500]}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    sock = os.environ.get("MAMORI_CLAMD_SOCKET")
    if not sock or not os.path.isdir(TESTFILES):
        print("clamav_testfiles: needs clamd.py and clamav-testfiles: skipped")
        return 77
    os.makedirs(a.workdir, exist_ok=True)
    names = sorted(os.listdir(TESTFILES))
    emls = []
    for n in names:
        e = os.path.join(a.workdir, n + ".eml")
        eml(e, n, open(os.path.join(TESTFILES, n), "rb").read())
        emls.append(e)
    errors = []
    confs = {}
    for mode in ("attachments", "objects"):
        confs[mode] = os.path.join(a.workdir, f"{mode}.conf")
        with open(confs[mode], "w") as f:
            f.write(f'clamd = {{ socket = "{sock}"; send = ["{mode}"]; }};\n')
    by_mode = {m: scan(a.mamori, c, emls) for m, c in confs.items()}
    for i, n in enumerate(names):
        err = lambda m: errors.append(f"{n}: {m}")  # noqa: E731
        r = by_mode["attachments"][i]
        objs = flatten(r["objects"], {})
        inner = INNER.get(n)
        if inner is None:
            err("not in the INNER table")
        elif isinstance(inner, str):
            o = objs.get(inner)
            if o is None:
                err(f"{inner} not unpacked (objects: {sorted(objs)})")
            elif o.get("md5") != CLAM_MD5 or o["type"] != "pe" or o["children"]:
                err(f"{inner}: md5 {o.get('md5')} type {o['type']}")
        elif inner[0] == "entry":
            o = objs.get(inner[1])
            if o is None or inner[2] not in o["flags"]:
                err(f"{inner[1]} missing or not flagged {inner[2]}")
        else:
            o = objs.get(n)
            if o is None or o["children"]:
                err(f"expected a leaf, got {sorted(objs)}")
            elif inner[1] is not None and inner[1] not in o["flags"]:
                err(f"expected flag {inner[1]}, got {o['flags']}")
        for mode, rs in by_mode.items():
            r = rs[i]
            opts = r["symbols"].get("AV_VIRUS", {}).get("options", [])
            want = f"clamd: {SIG} ({n})"
            if want not in opts:
                err(f"[{mode}] AV_VIRUS {want!r} not in {opts}")
            if mode == "objects" and isinstance(inner, str):
                want = f"clamd: {SIG} ({inner})"
                if want not in opts:
                    err(f"[objects] AV_VIRUS {want!r} not in {opts}")
            if r["action"] != "reject":
                err(f"[{mode}] action {r['action']}")
            if "AV_ENGINE_ERROR" in r["symbols"]:
                err(f"[{mode}] AV_ENGINE_ERROR {r['symbols']['AV_ENGINE_ERROR']}")
    # clamd unreachable: tempfail, never accept
    down = os.path.join(a.workdir, "down.conf")
    with open(down, "w") as f:
        f.write(f'clamd = {{ socket = "{a.workdir}/no-such.sock"; timeout_ms = 2000; }};\n')
    clean = os.path.join(a.workdir, "clean.eml")
    eml(clean, "notes.txt", b"Minutes of the meeting.\n")
    r_clean, r_exe = scan(a.mamori, down, [clean, emls[0]])
    if r_clean["action"] != "tempfail" or set(r_clean["symbols"]) != {"AV_ENGINE_ERROR"}:
        errors.append(f"clamd down, clean mail: action {r_clean['action']}, "
                      f"symbols {sorted(r_clean['symbols'])}")
    # a more severe verdict stands (here: quarantine for a program)
    if r_exe["action"] in ("accept", "add_header") or "AV_ENGINE_ERROR" not in r_exe["symbols"]:
        errors.append(f"clamd down, {names[0]}: action {r_exe['action']}")
    for e in errors:
        print("FAIL", e)
    print(f"clamav_testfiles: {len(names)} files, {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
