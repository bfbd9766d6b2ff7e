#!/usr/bin/env python3
"""xlm_oracle.py - deob_xlm_lines() (src/deob/xlm.c) against a Python
reference evaluator of Excel 4.0 macro sheets, over generated macros.

usage: xlm_oracle.py --driver XLM_DRIVER --work DIR [--cases N] [--seed S]

Each case hides random targets (download URLs, command lines) the way XLM
droppers do: expressions of CHAR codes (with arithmetic), MID/LEFT/RIGHT
of padded strings, CONCATENATE, SUBSTITUTE, pieces joined by &, values
kept in other cells (A1 and R1C1 references, relative R[n]C[n]), written
there by SET.VALUE or FORMULA; the EXEC or CALL that uses them is itself
written into a cell by FORMULA (its text built with CHAR(34) quotes) and
reached down the column, by GOTO over junk, or by RUN of a subroutine
that RETURNs; IF with constant conditions chooses branches.

The reference (class Ref below) is written here from Excel's grammar, not
from the C code: it tokenizes, parses with Excel's precedence and runs the
cells from the start cell.  Its EXEC/CALL arguments must equal the
targets (the generator is checked), and the driver must report each one
as "xlm EXEC" or "xlm CALL" (or "xlm folding" where the same string was
already recorded as a built value; a recorded string keeps its first how).
Exit 0 when every case is recovered.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys

# ---- the reference evaluator -------------------------------------------------

TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<num>\d+(?:\.\d+)?)'
                   r'|(?P<ref>\$?[A-Za-z]{1,3}\$?\d+(?![A-Za-z0-9_.(\[])'
                   r'|R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+))'
                   r'|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)'
                   r'|(?P<op><>|<=|>=|[-+*/^&=<>(),:!]))')


def col_num(letters):
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


class Ref:
    """Cells: (row, col) -> ("f", text) or ("v", value)."""

    def __init__(self, cells):
        self.cells = dict(cells)
        self.vals = {}
        self.records = []  # (how, value)
        self.names = {}

    def value(self, rc):
        if rc in self.vals:
            return self.vals[rc]
        c = self.cells.get(rc)
        if c is None:
            return ""
        return c[1] if c[0] == "v" else None

    def run(self, start):
        rc, stack, steps = start, [], 0
        while steps < 20000:
            steps += 1
            c = self.cells.get(rc)
            if c is None:
                below = [r for (r, k) in self.cells if k == rc[1] and r > rc[0]]
                if not below:
                    if not stack:
                        return
                    rc = stack.pop()
                    continue
                rc = (min(below), rc[1])
                continue
            ctl = None
            if c[0] == "f":
                self.cur = rc
                self.ctl = None
                self.toks = [m for m in TOKEN.finditer(c[1])]
                self.i = 0
                v = self.deref(self.expr(True))
                self.vals[rc] = v
                ctl = self.ctl
            if ctl is None:
                rc = (rc[0] + 1, rc[1])
            elif ctl[0] == "goto":
                rc = ctl[1]
            elif ctl[0] == "run":
                stack.append((rc[0] + 1, rc[1]))
                rc = ctl[1]
            elif ctl[0] == "halt":
                return
            elif ctl[0] == "return":
                if not stack:
                    return
                rc = stack.pop()

    # tokens
    def peek(self):
        if self.i >= len(self.toks):
            return None
        m = self.toks[self.i]
        return m.group(m.lastgroup)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def deref(self, v):
        if isinstance(v, tuple):
            return self.value(v)
        return v

    @staticmethod
    def text(v):
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return str(int(v)) if v == int(v) else repr(v)
        return v

    def expr(self, live):
        a = self.concat(live)
        while self.peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()
            b = self.deref(self.concat(live))
            a = self.deref(a)
            if isinstance(a, str) and isinstance(b, str):
                x, y = a.lower(), b.lower()
            else:
                x, y = a, b
            a = {"=": x == y, "<>": x != y, "<": x < y, ">": x > y,
                 "<=": x <= y, ">=": x >= y}[op]
        return a

    def concat(self, live):
        a = self.add(live)
        while self.peek() == "&":
            self.take()
            b = self.add(live)
            a = self.text(self.deref(a)) + self.text(self.deref(b))
        return a

    def add(self, live):
        a = self.mul(live)
        while self.peek() in ("+", "-"):
            op = self.take()
            b = float(self.deref(self.mul(live)))
            a = float(self.deref(a))
            a = a + b if op == "+" else a - b
        return a

    def mul(self, live):
        a = self.unary(live)
        while self.peek() in ("*", "/"):
            op = self.take()
            b = float(self.deref(self.unary(live)))
            a = float(self.deref(a))
            a = a * b if op == "*" else a / b
        return a

    def unary(self, live):
        if self.peek() == "-":
            self.take()
            return -float(self.deref(self.unary(live)))
        return self.primary(live)

    def ref(self, w):
        m = re.fullmatch(r"R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)", w, re.I)
        if m:
            def part(p, base):
                return base + int(p[1:-1]) if p.startswith("[") else int(p)
            return (part(m.group(1), self.cur[0]), part(m.group(2), self.cur[1]))
        m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", w)
        if m:
            return (int(m.group(2)), col_num(m.group(1)))
        return None

    def primary(self, live):
        t = self.take()
        if t.startswith('"'):
            return t[1:-1].replace('""', '"')
        if re.fullmatch(r"\d+(\.\d+)?", t):
            return float(t)
        if t == "(":
            v = self.expr(live)
            self.take()
            return v
        if self.peek() == "(":
            self.take()
            return self.call(t.upper(), live)
        if t.upper() in ("TRUE", "FALSE"):
            return t.upper() == "TRUE"
        r = self.ref(t)
        if r is not None:
            return r
        return self.names.get(t.lower())

    def call(self, name, live):
        args = []
        cond = None
        if self.peek() == ")":
            self.take()
        else:
            while True:
                branch_live = live
                if name == "IF" and args:
                    branch_live = live and cond == len(args)
                args.append(self.expr(branch_live))
                if name == "IF" and len(args) == 1:
                    c = self.deref(args[0])
                    cond = 1 if (c if isinstance(c, bool) else float(c) != 0) else 2
                if self.take() != ",":
                    break
        keep_ref = {"FORMULA": 1, "SET.VALUE": 0, "GOTO": 0, "RUN": 0}
        vals = [a if keep_ref.get(name) == i else self.deref(a) for i, a in enumerate(args)]
        if name == "IF":
            return vals[cond] if cond < len(vals) else False
        if name == "CHAR":
            return chr(int(float(vals[0])))
        if name == "MID":
            s, a, n = vals[0], int(float(vals[1])), int(float(vals[2]))
            return s[a - 1:a - 1 + n]
        if name == "LEFT":
            return vals[0][:int(float(vals[1]))]
        if name == "RIGHT":
            n = int(float(vals[1]))
            return vals[0][len(vals[0]) - n:] if n else ""
        if name == "LEN":
            return float(len(vals[0]))
        if name == "CONCATENATE":
            return "".join(self.text(v) for v in vals)
        if name == "SUBSTITUTE":
            return vals[0].replace(vals[1], vals[2])
        if name in ("EXEC", "CALL"):
            for v in vals:
                if isinstance(v, str) and v:
                    self.records.append(("xlm " + name, v))
            return None
        if not live:
            return None
        if name == "FORMULA":
            t = self.text(vals[0])
            self.cells[vals[1]] = ("f", t[1:]) if t.startswith("=") else ("v", t)
            self.vals.pop(vals[1], None)
        elif name == "SET.VALUE":
            self.vals[vals[0]] = vals[1]
        elif name in ("GOTO", "RUN") and self.ctl is None:
            self.ctl = (name.lower(), vals[0])
        elif name in ("HALT", "RETURN") and self.ctl is None:
            self.ctl = (name.lower(),)
        return None


# ---- the generator -------------------------------------------------------------

HOSTS = ["cdn", "files", "update", "static", "dl", "img", "mirror", "drop", "a1", "x9"]
TLDS = ["example", "example.net", "example.org", "test"]
PROGS = ["cmd /c start", "powershell -w hidden -c iex", "mshta", "rundll32", "regsvr32 /s",
         "certutil -urlcache -f", "msiexec /q /i"]


def rand_url(rnd):
    host = "%s%d.%s" % (rnd.choice(HOSTS), rnd.randint(1, 999), rnd.choice(TLDS))
    path = "/".join(rnd.choice(["a", "b", "inv", "doc", "x", "2026", "q"])
                    for _ in range(rnd.randint(1, 3)))
    return "%s://%s/%s.%s" % (rnd.choice(["http", "https"]), host, path,
                              rnd.choice(["exe", "dll", "hta", "msi", "png"]))


def xlm_str(s):
    return '"' + s.replace('"', '""') + '"'


def char_expr(rnd, ch):
    c = ord(ch)
    k = rnd.random()
    if k < 0.4:
        return "CHAR(%d)" % c
    if k < 0.7:
        d = rnd.randint(1, min(c - 1, 60))
        return "CHAR(%d+%d)" % (c - d, d)
    if k < 0.85:
        d = rnd.randint(1, 40)
        return "CHAR(%d-%d)" % (c + d, d)
    return "CHAR(%d*%d-%d)" % (2, (c + 1) // 2, 2 * ((c + 1) // 2) - c)


class Gen:
    def __init__(self, rnd):
        self.rnd = rnd
        self.cells = {}   # (row, col) -> text as in the lines form
        self.free_col = 4

    def store(self, s):
        """A value cell holding s; its reference."""
        rnd = self.rnd
        col = self.free_col
        self.free_col += 1
        row = rnd.randint(1, 50)
        self.cells[(row, col)] = s
        return row, col

    def ref_text(self, rc, at):
        """A reference to rc written in a random form, relative to at."""
        k = self.rnd.random()
        if k < 0.3:
            col, n = "", rc[1]
            while n:
                n, r = divmod(n - 1, 26)
                col = chr(65 + r) + col
            return "%s%s%d" % (col, self.rnd.choice(["", "$"]), rc[0])
        if k < 0.6:
            return "R%dC%d" % rc
        return "R[%d]C[%d]" % (rc[0] - at[0], rc[1] - at[1])

    def piece(self, s, depth, at):
        """An expression whose value is s."""
        rnd = self.rnd
        if not s:
            return '""'
        k = rnd.random()
        if depth > 2 or len(s) == 1:
            if len(s) == 1 and k < 0.6:
                return char_expr(rnd, s)
            return xlm_str(s)
        if k < 0.3:
            cut = rnd.randint(1, len(s) - 1)
            return "%s&%s" % (self.piece(s[:cut], depth + 1, at), self.piece(s[cut:], depth + 1, at))
        if k < 0.45:
            pad1 = "".join(rnd.choice("qzjxv") for _ in range(rnd.randint(0, 4)))
            pad2 = "".join(rnd.choice("qzjxv") for _ in range(rnd.randint(0, 4)))
            return "MID(%s,%d,%d)" % (xlm_str(pad1 + s + pad2), len(pad1) + 1, len(s))
        if k < 0.55:
            pad = "".join(rnd.choice("qzjxv") for _ in range(rnd.randint(1, 4)))
            if rnd.random() < 0.5:
                return "LEFT(%s,%d)" % (xlm_str(s + pad), len(s))
            return "RIGHT(%s,%d)" % (xlm_str(pad + s), len(s))
        if k < 0.65:
            parts, i = [], 0
            while i < len(s):
                j = rnd.randint(i + 1, len(s))
                parts.append(self.piece(s[i:j], depth + 1, at))
                i = j
            return "CONCATENATE(%s)" % ",".join(parts)
        if k < 0.72 and "~" not in s:
            junk = "~"
            mixed = "".join(ch + (junk if rnd.random() < 0.3 else "") for ch in s)
            return "SUBSTITUTE(%s,%s,%s)" % (xlm_str(mixed), xlm_str(junk), '""')
        if k < 0.85 and not re.fullmatch(r"[\d.eE+-]+", s) and s[0] != "=":
            rc = self.store(s)
            return self.ref_text(rc, at)
        if k < 0.92:
            return "IF(%d>%d,%s,%s)" % (2, 1, self.piece(s, depth + 1, at), xlm_str("decoy"))
        return "".join("&" * (i > 0) + char_expr(rnd, ch) for i, ch in enumerate(s[:12])) + \
            ("&" + self.piece(s[12:], depth + 1, at) if len(s) > 12 else "")


def formula_text_expr(inner):
    """An XLM expression whose value is the text "=" + inner, quotes as CHAR(34)."""
    parts = inner.split('"')
    return "\"=\"&" + "&CHAR(34)&".join(xlm_str(p) for p in parts)


def make_case(rnd):
    g = Gen(rnd)
    targets = []
    col = 1
    row = rnd.randint(1, 5)
    start = (row, col)
    lines = []
    sub_row = 60
    n_actions = rnd.randint(1, 3)
    for _ in range(n_actions):
        url = rand_url(rnd)
        action_at = (rnd.randint(100, 200), 2)
        while any((action_at[0] + d, 2) in g.cells for d in (-1, 0, 1, 2)):
            action_at = (action_at[0] + 3, 2)
        if rnd.random() < 0.5:
            cmd = "%s %s" % (rnd.choice(PROGS), url)
            targets.append(("xlm EXEC", cmd))
            inner = "EXEC(%s)" % g.piece(cmd, 0, action_at)
        else:
            path = "C:\\Users\\Public\\%s.exe" % rnd.choice(["a", "inv", "upd"])
            targets.append(("xlm CALL", url))
            targets.append(("xlm CALL", path))
            inner = 'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,%s,%s,0,0)' % (
                g.piece(url, 0, action_at), xlm_str(path))
        # the action is written by FORMULA, then reached by RUN or GOTO+back
        lines.append((row, col, "=FORMULA(%s,%s)" % (formula_text_expr(inner),
                                                     g.ref_text(action_at, (row, col)))))
        row += 1
        g.cells[(action_at[0] + 1, 2)] = "=RETURN()"
        if rnd.random() < 0.3:
            lines.append((row, col, "=GOTO(R%dC%d)" % (row + 3, col)))
            lines.append((row + 1, col, '=EXEC("never "&"run")'))
            row += 3
        if rnd.random() < 0.5:
            lines.append((row, col, "=RUN(%s)" % g.ref_text(action_at, (row, col))))
            row += 1
        else:
            # a subroutine that runs it
            lines.append((row, col, "=RUN(R%dC3)" % sub_row))
            g.cells[(sub_row, 3)] = "=RUN(%s)" % g.ref_text(action_at, (sub_row, 3))
            g.cells[(sub_row + 1, 3)] = "=RETURN()"
            sub_row += 3
            row += 1
    lines.append((row, col, "=HALT()"))
    cells = {}
    for (r, c), t in g.cells.items():
        cells[(r, c)] = t
    for r, c, t in lines:
        cells[(r, c)] = t
    return start, cells, targets


def to_lines(start, cells):
    out = ["@start R%dC%d" % start]
    items = list(cells.items())
    random.Random(len(items)).shuffle(items)
    for (r, c), t in items:
        out.append("R%dC%d %s" % (r, c, t))
    return "\n".join(out) + "\n"


def reference(start, cells):
    ref_cells = {}
    for rc, t in cells.items():
        ref_cells[rc] = ("f", t[1:]) if t.startswith("=") else ("v", t)
    ref = Ref(ref_cells)
    ref.run(start)
    return ref.records


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1812)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rnd = random.Random(a.seed)
    failed = 0
    for n in range(a.cases):
        start, cells, targets = make_case(rnd)
        recs = reference(start, cells)
        got_ref = set(recs)
        for t in targets:
            if t not in got_ref:
                print("case %d: the reference misses %r (generator bug?)" % (n, t))
                failed += 1
        path = os.path.join(a.work, "case%03d.txt" % n)
        with open(path, "w", encoding="utf-8") as f:
            f.write(to_lines(start, cells))
        out = subprocess.run([a.driver, path], capture_output=True, text=True, check=True).stdout
        got = {}
        for line in out.splitlines():
            o = json.loads(line)
            if "value" in o:
                got.setdefault(o["value"], o["how"])
        for how, value in recs:
            if value == "never run":
                continue
            h = got.get(value)
            if h is None or (h != how and h != "xlm folding"):
                print("case %d: %s %r not recovered (got %r); %s" % (n, how, value, h, path))
                failed += 1
    print("%d cases, %d failures" % (a.cases, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
