#!/usr/bin/env python3
"""fixtures_selfcheck.py - the fixture manifest, checked without mamori.

    fixtures_selfcheck.py OUTDIR            generate the small fixtures, check them
    fixtures_selfcheck.py --existing OUTDIR check what OUTDIR holds (also --big ones)

Every expected path of every fixture's object tree is listed and, except
for bombs and encrypted entries without a known password, extracted with
the usual command-line tools (unzip, 7z, tar, gzip, xz, bzip2, gcab,
xorriso, cpio, bsdtar); every expected type is checked by magic bytes;
encryption (Encrypted = + and the cipher) by `7z l -slt`; bombs only by
what their directories claim (never inflated); the padded documents by
streaming `unzip -p`.  Quiet on success but for one summary line.
"""

import argparse
import email
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "support", "make_fixtures.py")
DATA = os.path.join(HERE, "support", "data")
MAX_EXTRACT = 8 << 20  # never extract an entry claiming more than this

FAILS = []


def fail(fx, msg):
    FAILS.append("%s: %s" % (fx["name"], msg))


def sh(cmd, stdin=None, check=True, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC"))
    if check and p.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                p.stdout.decode(errors="replace")[-400:]))
    return p.stdout.decode("utf-8", errors="replace")


def seven():
    for b in ("7z", "7zz", "7za"):
        if subprocess.run(["sh", "-c", "command -v " + b], stdout=subprocess.DEVNULL).returncode == 0:
            return b
    raise RuntimeError("7z not found")


Z7 = None


def slt(path, password=None):
    """7z l -slt -> (archive props, [entry props])."""
    cmd = [Z7, "l", "-slt", "-p" + (password or "wrong-password"), path]
    out = sh(cmd, check=False)
    blocks = out.split("\n\n")
    entries, arch = [], {}
    in_entries = False
    for b in blocks:
        props = dict(line.split(" = ", 1) for line in b.splitlines() if " = " in line)
        if "----------" in b:
            in_entries = True
        if not props:
            continue
        if in_entries and "Path" in props and ("Size" in props or "Encrypted" in props) \
                and props.get("Path") != path:
            entries.append(props)
        elif not in_entries:
            arch.update(props)
    return arch, entries, out


# ---- type checks by magic ---------------------------------------------------------

def head(path, n=4096):
    with open(path, "rb") as f:
        return f.read(n)


def is_type(path, t):
    h = head(path)
    if t == "pe":
        if h[:2] != b"MZ" or len(h) < 0x40:
            return False
        off = int.from_bytes(h[0x3C:0x40], "little")
        return h[off:off + 4] == b"PE\0\0"
    if t == "zip":
        return h[:4] == b"PK\3\4"
    if t == "docm":
        if h[:4] != b"PK\3\4":
            return False
        names = sh(["unzip", "-Z1", path]).split("\n")
        ct = sh(["unzip", "-p", path, "[[]Content_Types].xml"])
        return "word/vbaProject.bin" in names and "macroEnabled.main+xml" in ct
    if t == "ole2":
        return h[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    magics = {"7z": b"7z\xbc\xaf\x27\x1c", "rar": b"Rar!\x1a\x07", "cab": b"MSCF",
              "gzip": b"\x1f\x8b", "xz": b"\xfd7zXZ\0", "bzip2": b"BZh", "cpio": b"070701",
              "sh": b"#!"}
    if t in magics:
        return h.startswith(magics[t])
    if t == "tar":
        return h[257:262] == b"ustar"
    if t == "iso":
        with open(path, "rb") as f:
            f.seek(0x8001)
            return f.read(5) == b"CD001"
    if t == "text":
        try:
            head(path, 1 << 20).decode("ascii")
            return True
        except UnicodeDecodeError:
            return False
    raise RuntimeError("no check for type %s" % t)


# ---- list and extract one container --------------------------------------------------

def unpack(path, types, dest, password):
    """Returns {child name: local file or None (not extracted)}."""
    t = types if isinstance(types, list) else [types]
    os.makedirs(dest, exist_ok=True)
    if "tar" in t and "gzip" in t:
        names = [n for n in sh(["tar", "-tzf", path]).splitlines() if n]
        sh(["tar", "-xzf", path, "-C", dest])
        return {n: os.path.join(dest, n) for n in names}
    kind = t[0]
    if kind in ("gzip", "xz", "bzip2"):
        base = os.path.basename(path)
        name = re.sub(r"\.(gz|xz|bz2)$", "", base)
        if kind == "gzip":  # the FNAME field must say the same
            lst = sh(["gzip", "-l", "-N", path]).splitlines()[-1].split()[-1]
            if os.path.basename(lst) != name:
                raise RuntimeError("gzip FNAME %s, expected %s" % (lst, name))
        tool = {"gzip": "gzip", "xz": "xz", "bzip2": "bzip2"}[kind]
        with open(os.path.join(dest, name), "wb") as out:
            subprocess.run([tool, "-dc", path], stdout=out, check=True)
        return {name: os.path.join(dest, name)}
    if kind == "zip":
        names = [n for n in sh(["unzip", "-Z1", path]).splitlines() if n]
        sizes = {e["Path"]: int(e.get("Size") or 0) for e in slt(path)[1]}
        if max(sizes.values() or [0]) > MAX_EXTRACT:
            raise RuntimeError("refusing to extract: an entry claims > %d bytes" % MAX_EXTRACT)
        listed7 = sorted(sizes)
        if sorted(n for n in names if not n.endswith("/")) != [n for n in listed7
                                                               if not n.endswith("/")]:
            raise RuntimeError("unzip lists %s, 7z lists %s" % (names, listed7))
        # 7z, not unzip: Info-ZIP unzip cannot decrypt WinZip AES
        sh([Z7, "x", "-y", "-p" + (password or "wrong-password"), "-o" + dest, path],
           check=False)
        return {n: os.path.join(dest, n) if os.path.exists(os.path.join(dest, n)) else None
                for n in names}
    if kind == "7z":
        arch, entries, _ = slt(path, password)
        sh([Z7, "x", "-y", "-p" + (password or "wrong-password"), "-o" + dest, path],
           check=False)
        return {e["Path"]: os.path.join(dest, e["Path"])
                if os.path.exists(os.path.join(dest, e["Path"])) else None for e in entries}
    if kind == "cab":
        names = [n for n in sh(["gcab", "-t", path]).splitlines() if n]
        sh(["gcab", "-x", "-C", dest, path])
        return {n: os.path.join(dest, n) for n in names}
    if kind == "iso":
        found = sh(["xorriso", "-indev", path, "-find", "/", "-type", "f"]).splitlines()
        names = [n.strip("'").lstrip("/") for n in found if n.startswith("'/")]
        sh(["xorriso", "-osirrox", "on", "-indev", path, "-extract", "/", dest])
        return {n: os.path.join(dest, n) for n in names}
    if kind == "cpio":
        if shutil.which("cpio"):
            with open(path, "rb") as f:
                names = [n for n in sh(["cpio", "-it", "--quiet"], stdin=f).splitlines() if n]
            with open(path, "rb") as f:
                sh(["cpio", "-id", "--quiet", "--no-absolute-filenames"], stdin=f, cwd=dest)
        else:  # GNU cpio is not always installed; libarchive's bsdtar reads newc too
            names = [n for n in sh(["bsdtar", "-tf", path]).splitlines() if n]
            sh(["bsdtar", "-xf", path, "-C", dest])
        return {n: os.path.join(dest, n) for n in names}
    if kind == "rar":
        names = [n for n in sh(["bsdtar", "-tf", path]).splitlines() if n]
        return {n: None for n in names}
    raise RuntimeError("no unpacker for %s" % kind)


def check_encrypted(fx, local, enc):
    """7z must say Encrypted = + with the right method; the password must work."""
    parent, _, name = enc["path"].rpartition("/")
    target = local.get(parent if name and enc["names_visible"] else enc["path"])
    if target is None:
        return fail(fx, "no local file for %s" % enc["path"])
    method = {"ZipCrypto": "ZipCrypto", "AES-128": "AES-128", "AES-256": "AES-256",
              "7zAES": "7zAES", "RAR": None}[enc["cipher"]]
    if not enc["names_visible"]:
        arch, entries, out = slt(target)
        if entries or "Wrong password" not in out and "Can not open encrypted archive" not in out:
            fail(fx, "%s: names visible without the password" % enc["path"])
        arch, entries, out = slt(target, enc["password"])
        if not entries or not all(e.get("Encrypted") == "+" and "7zAES" in e.get("Method", "")
                                  for e in entries):
            fail(fx, "%s: not listed as 7zAES with the password:\n%s" % (enc["path"], out))
        return
    arch, entries, out = slt(target, enc.get("password"))
    e = [x for x in entries if x["Path"] == name]
    if not e:
        return fail(fx, "%s: 7z does not list %s" % (target, name))
    e = e[0]
    if e.get("Encrypted") != "+":
        fail(fx, "%s: 7z says Encrypted = %s" % (enc["path"], e.get("Encrypted")))
    if method and method not in e.get("Method", ""):
        fail(fx, "%s: 7z says Method = %s, expected %s" % (enc["path"], e.get("Method"), method))
    if enc["cipher"] == "RAR" and "AES" not in e.get("Method", "") and "Crypto" not in \
            e.get("Characteristics", "") and e.get("Encrypted") != "+":
        fail(fx, "%s: RAR entry not seen as encrypted" % enc["path"])
    if enc.get("content_type") and enc.get("password"):
        got = local.get(enc["path"])
        if not got or not is_type(got, enc["content_type"]):
            fail(fx, "%s: decrypting with the password did not give a %s"
                 % (enc["path"], enc["content_type"]))


def check_tree(fx, outdir, work):
    att = fx["file"]
    local = {att: os.path.join(outdir, att)}
    types = fx["types"]
    passwords = {e["path"]: e.get("password") for e in fx["findings"].get("encrypted", [])}
    seen = {att}
    for path in fx["tree"]:
        lp = local.get(path)
        t = types.get(path)
        if path not in seen:
            fail(fx, "%s: not found in its parent" % path)
            continue
        if lp is None:
            if t is not None:
                fail(fx, "%s: could not be extracted to check type %s" % (path, t))
            continue
        for tt in (t if isinstance(t, list) else [t] if t else []):
            if tt == "tar":
                continue  # checked by tar itself
            if not is_type(lp, tt):
                fail(fx, "%s: not a %s" % (path, tt))
        kids = [p for p in fx["tree"] if p.rpartition("/")[0] == path]
        if t in (None, "pe", "text", "sh", "ole2", "docm") and not kids:
            continue
        if any(e["path"] == path and not e["names_visible"]
               for e in fx["findings"].get("encrypted", [])):
            continue  # entries unknown without the password: check_encrypted
        pw = passwords.get(path) or next((v for k, v in passwords.items()
                                          if k.startswith(path + "/")), None)
        got = unpack(lp, t, os.path.join(work, str(len(local))), pw)
        for name, f in got.items():
            if name.endswith("/") or name in (".", ""):
                continue
            local[path + "/" + name] = f
            seen.add(path + "/" + name)
        listed = {path + "/" + n for n in got if n not in (".", "") and not n.endswith("/")}
        if fx.get("complete", True) and listed != set(kids):
            fail(fx, "%s holds %s, manifest says %s" % (path, sorted(listed), sorted(kids)))
    for enc in fx["findings"].get("encrypted", []):
        check_encrypted(fx, local, enc)


# ---- bombs: only what the directories claim ---------------------------------------------

def zip_listing(path):
    """(count, total claimed bytes) from unzip -l."""
    last = sh(["unzip", "-l", path]).strip().splitlines()[-1].split()
    return int(last[1]), int(last[0])


def zipinfo_offsets(path):
    out = sh(["zipinfo", "-v", path])
    offs = [int(x) for x in re.findall(r"offset of local header from start of archive:\s+(\d+)", out)]
    csz = [int(x) for x in re.findall(r"^\s+compressed size:\s+(\d+) bytes", out, re.M)]
    names = sh(["unzip", "-Z1", path]).splitlines()  # central directory order
    return offs, csz, names


def check_bomb(fx, outdir, work):
    path = os.path.join(outdir, fx["file"])
    c = fx["claims"]
    if fx["name"] == "bomb_42":
        cur, total = path, 1
        for lvl in range(c["levels"]):
            n, claimed = zip_listing(cur)
            if n != c["fanout"]:
                return fail(fx, "level %d holds %d entries" % (lvl + 1, n))
            if lvl == c["levels"] - 1:
                if claimed != c["fanout"] * c["leaf_bytes"]:
                    return fail(fx, "innermost claims %d bytes" % claimed)
                total *= claimed
                break
            if claimed > MAX_EXTRACT:
                return fail(fx, "level %d claims %d bytes" % (lvl + 1, claimed))
            first = sh(["unzip", "-Z1", cur]).splitlines()[0]
            nxt = os.path.join(work, "l%d.zip" % lvl)
            with open(nxt, "wb") as f:
                subprocess.run(["unzip", "-p", cur, first], stdout=f, check=True)
            cur, total = nxt, total * n
        if total != c["total_bytes"]:
            fail(fx, "claims %d bytes in all, manifest %d" % (total, c["total_bytes"]))
        return
    n, claimed = zip_listing(path)
    if n != c["entries"] or claimed != c["total_bytes"]:
        fail(fx, "unzip -l: %d entries, %d bytes; manifest %d, %d"
             % (n, claimed, c["entries"], c["total_bytes"]))
    offs, csz, names = zipinfo_offsets(path)
    if fx["name"] == "bomb_same_lfh" and len(set(offs)) != 1:
        fail(fx, "entries do not share one local header: %d offsets" % len(set(offs)))
    if fx["name"] == "bomb_overlap":
        ends = {o + 30 + len(nm.encode()) + s for o, s, nm in zip(offs, csz, names)}
        if len(set(offs)) != n or len(ends) != 1:
            fail(fx, "entries are not overlapping (%d offsets, %d data ends)"
                 % (len(set(offs)), len(ends)))


# ---- padded documents (big): stream unzip -p ---------------------------------------------

def stream_entry(zpath, name):
    p = subprocess.Popen(["unzip", "-p", zpath, name], stdout=subprocess.PIPE)
    while True:
        b = p.stdout.read(1 << 20)
        if not b:
            break
        yield b
    p.wait()


def check_padded(fx, outdir, work):
    path = os.path.join(outdir, fx["file"])
    pad = fx["findings"]["padded"]
    inner = pad["path"][len(fx["file"]) + 1:]
    if fx["name"] == "padded_docm_entry":
        docm_name, _, part = inner.partition("/")
        docm = os.path.join(work, docm_name)
        with open(docm, "wb") as f:
            subprocess.run(["unzip", "-p", path, docm_name], stdout=f, check=True)
        if not is_type(docm, "docm"):
            fail(fx, "%s is not a docm" % docm_name)
        path, inner, doc = docm, part, b""
    else:
        with open(os.path.join(DATA, "excel4_sample_macro.xls"), "rb") as f:
            doc = f.read()
    fill = None if pad["padding"] == "zeros" else \
        b"<!-- Lorem ipsum dolor sit amet, consectetur adipiscing el -->\r\n"
    got, n, bad = b"", 0, 0
    for b in stream_entry(path, inner):
        if len(got) < len(doc):
            take = len(doc) - len(got)
            got += b[:take]
            b = b[take:]
        if b:
            if fill is None:
                bad += len(b) - b.count(0)
            else:
                k = n % len(fill)
                rot = fill[k:] + fill[:k]
                want = (rot * (len(b) // len(rot) + 1))[:len(b)]
                bad += b != want
            n += len(b)
    if got != doc:
        fail(fx, "the document part differs from the source document")
    if n != pad["padding_bytes"] or bad:
        fail(fx, "padding: %d bytes (%s unexpected), manifest %d"
             % (n, bad, pad["padding_bytes"]))


def check_eml(fx, outdir):
    with open(os.path.join(outdir, fx["eml"]), "rb") as f:
        msg = email.message_from_binary_file(f)
    for h in ("Message-ID", "Date", "From", "To", "Subject"):
        if not msg[h]:
            fail(fx, "eml lacks %s" % h)
    parts = [p for p in msg.walk() if p.get_filename()]
    if len(parts) != 1 or parts[0].get_filename() != fx["file"]:
        return fail(fx, "eml attachment name %r" % [p.get_filename() for p in parts])
    h = hashlib.sha256(parts[0].get_payload(decode=True)).hexdigest()
    if h != fx["sha256"]:
        fail(fx, "eml attachment differs from %s" % fx["file"])


def main():
    global Z7
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--existing", action="store_true", help="check OUTDIR as it is")
    args = ap.parse_args()
    Z7 = seven()
    t0 = time.monotonic()
    if not args.existing:
        subprocess.run([sys.executable, GEN, "-q", args.outdir], check=True)
    with open(os.path.join(args.outdir, "fixtures.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    checked = 0
    for fx in manifest["fixtures"]:
        fpath = os.path.join(args.outdir, fx["file"])
        with tempfile.TemporaryDirectory(prefix="mamori-fxcheck-") as work:
            try:
                if os.path.getsize(fpath) != fx["size"]:
                    fail(fx, "size differs from the manifest")
                elif not fx["big"]:
                    with open(fpath, "rb") as f:
                        if hashlib.sha256(f.read()).hexdigest() != fx["sha256"]:
                            fail(fx, "sha256 differs from the manifest")
                if not fx["big"]:
                    check_eml(fx, args.outdir)
                if fx["findings"].get("bomb"):
                    check_bomb(fx, args.outdir, work)
                elif fx["findings"].get("padded"):
                    check_padded(fx, args.outdir, work)
                else:
                    check_tree(fx, args.outdir, work)
            except Exception as e:  # a tool failed: report it as this fixture's failure
                fail(fx, "%s: %s" % (type(e).__name__, e))
        checked += 1
    for f in FAILS:
        print("FAIL", f)
    print("fixtures.selfcheck: %d fixtures, %d failures, %.1fs"
          % (checked, len(FAILS), time.monotonic() - t0))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
