#!/usr/bin/python3
"""offcrypto.py - mamori's decryption of password-encrypted Office
documents (src/objects/documents/offcrypto.c) against independent implementations.

  - officecrypto-tool (npm, installed here into WORKDIR/npm; never
    committed) encrypts plaintext OOXML documents of tests/data (a .docx
    with a VBA project, a DDE .docx, an XLM .xlsm, a clean .docx) with
    Agile and Standard encryption and several passwords (one not ASCII);
  - msoffcrypto-tool (Debian's python3-msoffcrypto-tool) decrypts every
    encrypted fixture, those and the real ones of tests/data/maldocs
    (strelka's Agile test_password.docx, oletools' RC4 .xls with Excel's
    default password, ClamAV's RC4 .doc).

For each file, `test_offcrypto --dump FILE PASSWORD OUT` (the unit test's
helper: the object tree with that one candidate, and offcrypto.c on the
binary formats' streams) must open it with the right password: the
document flagged encrypted and decrypted, the plaintext (the package
child, the Workbook stream, the WordDocument and table streams) equal to
msoffcrypto-tool's byte for byte (and, for the packages, to the file that
was encrypted), and the decrypted package analysed exactly as the same
package on its own (same facts, same paths below it).  A wrong password
opens nothing.  The npm install must succeed: a failure fails the test.

usage: offcrypto.py --helper TEST_OFFCRYPTO WORKDIR   (Debian's python3)
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import sys

import msoffcrypto
import olefile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
ENCRYPT_JS = os.path.join(ROOT, "tests", "support", "office_encrypt.js")
NPM_PACKAGE = "officecrypto-tool@0.0.19"

OBJ_ENCRYPTED = 0x1
OBJ_DECRYPTED = 0x100

# plaintext OOXML -> a fact that must be found below the decrypted package
PLAIN = {
    "ole/macro-in-docx.docx": "VBA_MACRO",
    "maldocs/oletools/dde/dde-test.docx": "DDE_FIELD",
    "maldocs/oletools/xlm/excel4_sample_macro.xlsm": "XLM_MACRO",
    "maldocs/oletools/clean/harmless-clean.docx": None,
}
# (mode, password)
ENCRYPTIONS = [
    ("agile", "Passw0rd!"),
    ("standard", "secret-2024"),
    ("agile", "パスワード2024"),
]
# real encrypted files: (path, password, what to compare)
REAL = [
    ("maldocs/strelka/test_password.docx", "Password1!", "package"),
    ("maldocs/oletools/encrypted/autostart-encrypt-standardpassword.xls",
     "VelvetSweatshop", "Workbook"),
    ("maldocs/clamav/password.fat.doc", "password", "doc"),
]

results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    return ok


def npm_install(work):
    """officecrypto-tool into WORK/npm/node_modules; its path."""
    prefix = os.path.join(work, "npm")
    mod = os.path.join(prefix, "node_modules")
    pkg = os.path.join(mod, "officecrypto-tool", "package.json")
    want = NPM_PACKAGE.split("@")[1]
    if os.path.exists(pkg):
        with open(pkg, encoding="utf-8") as f:
            if json.load(f).get("version") == want:
                return mod
    os.makedirs(prefix, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("offcrypto.py: npm not found (scripts/install-deps.sh installs it)")
    r = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund",
                        "--no-save", NPM_PACKAGE], capture_output=True, text=True,
                       timeout=600, check=False)
    if r.returncode != 0 or not os.path.exists(pkg):
        sys.stderr.write(r.stdout + r.stderr)
        sys.exit("offcrypto.py: npm install %s failed" % NPM_PACKAGE)
    return mod


def dump(helper, path, password, out):
    """Run the helper: (objects {path: (type, flags, cipher, password)},
    facts [(path, symbol, detail)])."""
    r = subprocess.run([helper, "--dump", path, password, out], capture_output=True,
                       timeout=120, check=False)
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode("utf-8", "replace"))
        raise RuntimeError("helper failed on %s" % path)
    objects, facts = {}, []
    for line in r.stdout.decode("utf-8").splitlines():
        if line.startswith("object "):
            head, rest = line[7:].split(" type=", 1)
            fields = dict(kv.split("=", 1) for kv in
                          ("type=" + rest).replace(" flags=", "\0flags=")
                          .replace(" cipher=", "\0cipher=")
                          .replace(" password=", "\0password=").split("\0"))
            objects[head] = (fields["type"], int(fields["flags"], 16), fields["cipher"],
                             fields["password"])
        elif line.startswith("fact "):
            p, sym, *detail = line[5:].split(" ", 2)
            facts.append((p, sym, detail[0] if detail else ""))
    return objects, facts


def msoffcrypto_decrypt(path, password):
    with open(path, "rb") as f:
        o = msoffcrypto.OfficeFile(f)
        o.load_key(password=password)
        out = io.BytesIO()
        o.decrypt(out)
    return out.getvalue()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def under(facts, prefix):
    """The facts below prefix (itself included), with prefix cut off."""
    return sorted((p[len(prefix):], s, d) for p, s, d in facts
                  if p == prefix or p.startswith(prefix + "/"))


def check_package(helper, work, enc, password, plain, cipher, fact):
    name = os.path.basename(enc)
    out = os.path.join(work, name + ".out")
    objects, facts = dump(helper, enc, password, out)
    root = objects.get(name)
    check(root is not None and root[1] & OBJ_ENCRYPTED and root[1] & OBJ_DECRYPTED
          and root[3] == password, "%s: encrypted and opened with %r" % (name, password))
    check(root is not None and root[2].startswith(cipher),
          "%s: cipher %s" % (name, root[2] if root else None))
    kids = [p for p in objects if p.startswith(name + "/EncryptedPackage.")
            and p.count("/") == 1]
    if not check(len(kids) == 1, "%s: one EncryptedPackage child %s" % (name, kids)):
        return
    kid = kids[0]
    check(objects[kid][1] & OBJ_DECRYPTED and objects[kid][3] == password,
          "%s: flagged decrypted" % kid)
    got = read(out + ".package")
    oracle = msoffcrypto_decrypt(enc, password)
    check(got == oracle, "%s: plaintext == msoffcrypto's (%d bytes)" % (kid, len(got)))
    if plain is not None:
        check(got == read(plain), "%s: plaintext == the file encrypted" % kid)
        # the same package on its own, under the child's name
        alone = os.path.join(work, os.path.basename(kid))
        shutil.copyfile(plain, alone)
        _, facts2 = dump(helper, alone, "-", alone + ".out")
        prefix = name + "/" + os.path.basename(kid)
        mine = under(facts, prefix)
        ref = under(facts2, os.path.basename(kid))
        check(mine == ref, "%s: analysed as the package alone (%d facts)" % (kid, len(ref)))
        if mine != ref:
            print("  decrypted: %s\n  alone:     %s" % (mine, ref))
    if fact is not None:
        check(any(s == fact for _, s, _ in under(facts, kid)), "%s: %s found" % (kid, fact))
    # a wrong password opens nothing
    objects, _ = dump(helper, enc, password + "x", out + ".wrong")
    check(len(objects) == 1 and not objects[name][1] & OBJ_DECRYPTED,
          "%s: wrong password opens nothing" % name)


def check_binary(helper, work, path, password, what):
    name = os.path.basename(path)
    out = os.path.join(work, name + ".out")
    objects, facts = dump(helper, path, password, out)
    root = objects[name]
    check(root[1] & OBJ_ENCRYPTED and root[1] & OBJ_DECRYPTED and root[3] == password,
          "%s: opened with %r (%s)" % (name, password, root[2]))
    ole = olefile.OleFileIO(msoffcrypto_decrypt(path, password))
    if what == "Workbook":
        ref = ole.openstream("Workbook").read()
        check(read(out + ".Workbook") == ref,
              "%s: Workbook stream == msoffcrypto's (%d bytes)" % (name, len(ref)))
    else:
        ref = ole.openstream("WordDocument").read()
        check(read(out + ".WordDocument") == ref,
              "%s: WordDocument stream == msoffcrypto's (%d bytes)" % (name, len(ref)))
        table = "1Table" if ref[0x0B] & 0x02 else "0Table"
        # msoffcrypto decrypts the encryption header at the start of the
        # table stream too (into noise): compare after it
        got_t = read(out + ".table")
        ref_t = ole.openstream(table).read()
        # (lKey of the encrypted file's FIB: the header's size)
        orig = olefile.OleFileIO(read(path))
        skip = int.from_bytes(orig.openstream("WordDocument").read()[0x0E:0x12], "little")
        check(len(got_t) == len(ref_t) and got_t[skip:] == ref_t[skip:],
              "%s: %s stream == msoffcrypto's after its %d-byte header" % (name, table, skip))
    objects, _ = dump(helper, path, password + "x", out + ".wrong")
    if what == "Workbook":
        # Excel's default is tried after the candidate anyway
        check(objects[name][1] & OBJ_DECRYPTED and objects[name][3] == "VelvetSweatshop",
              "%s: the default password after a wrong one" % name)
    else:
        check(not objects[name][1] & OBJ_DECRYPTED, "%s: wrong password opens nothing" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helper", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    mod = npm_install(work)
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        sys.exit("offcrypto.py: node not found")

    n = 0
    for rel, fact in PLAIN.items():
        plain = os.path.join(DATA, rel)
        base, ext = os.path.splitext(os.path.basename(plain))
        for mode, password in ENCRYPTIONS:
            n += 1
            enc = os.path.join(work, "enc%d-%s-%s%s" % (n, mode, base, ext))
            r = subprocess.run([node, ENCRYPT_JS, mod, plain, enc, password, mode],
                               capture_output=True, text=True, timeout=120, check=False)
            if not check(r.returncode == 0, "officecrypto-tool %s %s" % (mode, rel)):
                sys.stderr.write(r.stderr)
                continue
            check_package(a.helper, work, enc, password, plain,
                          "OOXML Agile" if mode == "agile" else "OOXML Standard", fact)
    for rel, password, what in REAL:
        path = os.path.join(DATA, rel)
        if what == "package":
            check_package(a.helper, work, path, password, None, "OOXML Agile", None)
        else:
            check_binary(a.helper, work, path, password, what)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
