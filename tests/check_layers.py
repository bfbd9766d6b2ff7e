#!/usr/bin/env python3
"""check_layers.py - folders are layers: no file includes a header of a layer above its own.

usage: check_layers.py REPO_ROOT [ALLOW_FILE]

The layer map (DESIGN.md: "util <- mime, dns <- objects <- checks (auth, urls,
impersonation, spam, engines) <- core driver and verdict <- cli, daemon; the
store is reached only through its interface"), applied to today's folders
under src/:

  rank 0  util             no mail knowledge
  rank 1  mime, dns, html  the message model; the resolver; the one HTML pass
                           (text, links, what the HTML analyser judges from)
          url, qr          URLs parsed, normalised and unwrapped; QR codes
                           decoded from images (no mail knowledge either)
          bec              what the bec module judges from: look-alike
                           domains, the authors of quoted messages, the
                           payment-change phrases (no mail knowledge)
          deob             the static sandbox's evaluators: the strings a
                           macro or script builds (no mail knowledge)
  rank 2  objects          the object tree: its driver and the interface it
                           implements (tree_api.h) directly in objects/, the
                           format parsers in objects/containers/ and
                           objects/documents/ (a subfolder is its folder's
                           layer)
  rank 3  content          the content of a scan: text and links of every
                           text and HTML part (body and attachments), the
                           password candidates; read by the modules
  rank 4  auth, engines,   what the modules alone call (SPF/DKIM/DMARC/ARC,
          ppap, spam       clamd/YARA, PPAP discovery and rewriting, the
                           spam classifier: its tokeniser and model)
          core             the module interface (core/module.h, core/conf.h),
                           the configuration, symbols, score and verdict
  rank 5  checks           the modules, one folder each (src/checks/<module>/)
  rank 6  driver           the registry of modules, the scan driver, the report
  rank 7  store            the store's SQLite backend and its quarantine part,
                           linked by the front ends; the modules reach a store
                           only through include/mamori/store.h (the interface)
  rank 8  daemon, cli      the front ends
  include/mamori/          the public API: any file may include it

A file in folder F may include a header in folder G when G is F, or G has a
lower rank than F, or the edge F -> G is in ALLOWED_EDGES below. Any other
include is a violation: upward (G ranks above F) or sideways (another folder of
the same rank). A header in PRIVATE may be included only from its own
directory, subfolders excluded, and from the folders PRIVATE_TO names
(core/scan_ctx.h is the scan driver's private state; objects/unpack.h the
tree driver's, which the format parsers in objects/containers/ and
objects/documents/ must not see). Within a layer, the SEPARATE subfolders
may not include each other's headers (the containers and the document
analysers reach each other only through the tree driver's registries).

Includes are read from `#include "..."` lines of src/**/*.c and *.h, and
resolved as the compiler does with -I src -I include: first next to the
including file, then under src/, then under include/. An include that resolves
nowhere, or a file in a folder that the map does not know, is an error (so a
new folder such as src/checks/ must be placed in the map first).

ALLOW_FILE (default tests/layers.allow) lists today's violations, one
"FILE -> HEADER" per line (paths relative to src/), "#" comments. This is a
ratchet: the check fails (exit 1, one line per problem) on a violation that is
not in the list, and on a list entry that no longer occurs, so the list can
only shrink. Exit 2 on a usage error or when the sources cannot be read.
"""

import os
import re
import sys

RANK = {
    "util": 0,
    "mime": 1,
    "dns": 1,
    "html": 1,
    "url": 1,
    "qr": 1,
    "bec": 1,
    "deob": 1,
    "objects": 2,
    "content": 3,
    "auth": 4,
    "engines": 4,
    "ppap": 4,
    "spam": 4,
    "core": 4,
    "checks": 5,
    "driver": 6,
    "store": 7,
    "daemon": 8,
    "cli": 8,
}

# Same-rank (or upward) edges that the map allows, with the reason.
ALLOWED_EDGES = {
    ("cli", "daemon"): "the `mamori milter` and `mamori serve` commands start the front ends",
}

# Headers private to their own folder.
# Folders besides its own that may include a private header.
PRIVATE_TO = {
    "core/scan_ctx.h": ("driver",),
}
PRIVATE = {
    "core/scan_ctx.h": "the driver's scan state; modules go through core/module.h",
    "objects/unpack.h": "the tree driver's own header; format parsers go through objects/tree_api.h",
}

# Sibling subfolders of one layer that may not include each other.
SEPARATE = [
    ("objects/containers", "objects/documents"),
]

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def folder_of(rel):
    """'core/scan.c' -> 'core'; a file directly under src/ -> ''."""
    return rel.split("/", 1)[0] if "/" in rel else ""


def within(path, folder):
    """Whether the directory path is folder or under it."""
    return path == folder or path.startswith(folder + "/")


def resolve(root, src, including_rel, name):
    """The included file as ('src', rel) or ('include', rel), or None."""
    here = os.path.dirname(including_rel)
    cand = os.path.normpath(os.path.join(here, name))
    if not cand.startswith("..") and os.path.isfile(os.path.join(src, cand)):
        return ("src", cand.replace(os.sep, "/"))
    cand = os.path.normpath(name)
    if not cand.startswith("..") and os.path.isfile(os.path.join(src, cand)):
        return ("src", cand.replace(os.sep, "/"))
    if os.path.isfile(os.path.join(root, "include", cand)):
        return ("include", cand.replace(os.sep, "/"))
    return None


def read_allow(path):
    """{(file, header): line number} from the allow list."""
    allow = {}
    errors = []
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split("->")]
            if len(parts) != 2 or not all(parts):
                errors.append(f"{path}:{no}: not FILE -> HEADER: {line}")
                continue
            key = (parts[0], parts[1])
            if key in allow:
                errors.append(f"{path}:{no}: duplicate entry {parts[0]} -> {parts[1]}")
            allow[key] = no
    return allow, errors


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1]
    src = os.path.join(root, "src")
    allow_path = argv[2] if len(argv) == 3 else os.path.join(root, "tests", "layers.allow")
    problems = []
    try:
        allow, errs = read_allow(allow_path)
        problems += errs
        files = []
        for dirpath, dirs, names in os.walk(src):
            dirs.sort()
            for fn in sorted(names):
                if fn.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, fn), src).replace(os.sep, "/"))
        texts = {}
        for rel in files:
            with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
                texts[rel] = f.read()
    except OSError as e:
        print(f"check_layers: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    if not files:
        print(f"check_layers: no sources under {src}", file=sys.stderr)
        return 2

    n_includes = 0
    found = set()
    for rel in files:
        fold = folder_of(rel)
        if fold not in RANK:
            problems.append(f"src/{rel}: folder '{fold or 'src/'}' is not in the layer map (check_layers.py RANK)")
            continue
        text = texts[rel]
        for m in INCLUDE.finditer(text):
            n_includes += 1
            name = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            where = resolve(root, src, rel, name)
            if where is None:
                problems.append(f"src/{rel}:{line}: #include \"{name}\" resolves neither next to it, nor under src/ nor include/")
                continue
            kind, hdr = where
            if kind == "include":
                continue  # the public API
            target = folder_of(hdr)
            whys = []
            here, there = os.path.dirname(rel), os.path.dirname(hdr)
            if hdr in PRIVATE and here != there and fold not in PRIVATE_TO.get(hdr, ()):
                whys.append(f"private to {there}/")
            for pair in SEPARATE:
                for a, b in (pair, pair[::-1]):
                    if within(here, a) and within(there, b):
                        whys.append(f"sideways: {b}/ and {a}/ are separate")
            if target == fold:
                pass
            elif target not in RANK:
                whys.append(f"folder '{target}' is not in the layer map")
            elif (fold, target) in ALLOWED_EDGES:
                pass
            elif RANK[target] > RANK[fold]:
                whys.append(f"upward: {target} (rank {RANK[target]}) above {fold} (rank {RANK[fold]})")
            elif RANK[target] == RANK[fold]:
                whys.append(f"sideways: {target} and {fold} share rank {RANK[fold]}")
            if not whys:
                continue
            why = "; ".join(whys)
            key = (rel, hdr)
            found.add(key)
            if key not in allow:
                problems.append(f"src/{rel}:{line}: includes {hdr}: {why}")

    for key, no in sorted(allow.items(), key=lambda kv: kv[1]):
        if key not in found:
            problems.append(f"{allow_path}:{no}: stale entry {key[0]} -> {key[1]}: no longer a violation, remove it")

    allowed = len(found & set(allow))
    for p in problems:
        print(p)
    print(f"check_layers: {len(files)} files read, {n_includes} includes, "
          f"{allowed} allowed violations, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
