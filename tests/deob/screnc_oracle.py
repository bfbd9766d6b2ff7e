#!/usr/bin/env python3
"""screnc_oracle.py - deob_screnc() (src/deob/screnc.c) against an encoder of its own.

usage: screnc_oracle.py --driver SCRENC_DRIVER --work DIR [--cases N] [--seed S]

The Microsoft Script Encoder substitutes each byte of a script through one
of three tables, which one a 64-entry pattern says for the byte's
position; CR, LF, '<', '>' and '@' are written as the escapes @# @& @! @*
@$; a block is #@~^ + base64(le32 length of the encoded text) + text +
base64(le32 sum of the plain bytes) + ^#~@.  This script holds the
decoding tables as published (per encoded byte, the plain byte under each
table; the same data as MrBrownstone's scrdec and the 2003 Full-Disclosure
post "VBScript/JScript.Encode Decoder"), checks that each is a permutation,
inverts them into an encoder, and

  1. decodes the published samples itself (CyberChef's test of its
     "Microsoft Script Decoder", gchq/CyberChef
     tests/operations/tests/MS.mjs; and "MsgBox "Hello"" from its
     CharEnc.mjs, whose invisible DEL at the tenth byte is restored), so the
     tables are right;
  2. encodes random VBScript and JScript texts into .vbe and .jse files,
     HTML with <SCRIPT LANGUAGE="VBScript.Encode">, WSF files of several
     jobs, files re-saved as UTF-8 (the length then counts characters),
     bytes of the ANSI code page (copied, no position), wrong checksums
     (decoded all the same), and broken blocks (wrong length, cut, no end
     marker: copied as they are);
  3. runs the driver (the text on stdout, "blocks N" on stderr) and
     compares with the expected text and block count, byte for byte.
Exit 0 when every case matches, 1 otherwise.
"""
import argparse
import base64
import os
import random
import struct
import subprocess
import sys

# The three decoding tables: encoded byte -> (plain under table 0, 1, 2).
DECODE = {
    0x09: (0x57, 0x7b, 0x6e),
    0x20: (0x2e, 0x32, 0x2d),
    0x21: (0x47, 0x30, 0x75),
    0x22: (0x7a, 0x21, 0x52),
    0x23: (0x56, 0x29, 0x60),
    0x24: (0x42, 0x5b, 0x71),
    0x25: (0x6a, 0x38, 0x5e),
    0x26: (0x2f, 0x33, 0x49),
    0x27: (0x26, 0x3d, 0x5c),
    0x28: (0x49, 0x58, 0x62),
    0x29: (0x41, 0x3a, 0x7d),
    0x2a: (0x34, 0x35, 0x29),
    0x2b: (0x32, 0x65, 0x36),
    0x2c: (0x5b, 0x39, 0x20),
    0x2d: (0x76, 0x5c, 0x7c),
    0x2e: (0x72, 0x56, 0x7a),
    0x2f: (0x43, 0x73, 0x7f),
    0x30: (0x38, 0x66, 0x6b),
    0x31: (0x39, 0x4e, 0x63),
    0x32: (0x70, 0x45, 0x33),
    0x33: (0x45, 0x6b, 0x2b),
    0x34: (0x68, 0x62, 0x68),
    0x35: (0x71, 0x59, 0x51),
    0x36: (0x4f, 0x78, 0x66),
    0x37: (0x09, 0x5e, 0x76),
    0x38: (0x62, 0x7d, 0x31),
    0x39: (0x44, 0x4a, 0x64),
    0x3a: (0x23, 0x6d, 0x54),
    0x3b: (0x75, 0x71, 0x43),
    0x3c: (0x3c, 0x3c, 0x3c),
    0x3d: (0x7e, 0x60, 0x3a),
    0x3e: (0x3e, 0x3e, 0x3e),
    0x3f: (0x5e, 0x53, 0x7e),
    0x41: (0x77, 0x42, 0x45),
    0x42: (0x4a, 0x27, 0x2c),
    0x43: (0x61, 0x48, 0x2a),
    0x44: (0x5d, 0x72, 0x74),
    0x45: (0x22, 0x75, 0x27),
    0x46: (0x4b, 0x31, 0x37),
    0x47: (0x6f, 0x37, 0x44),
    0x48: (0x4e, 0x4d, 0x79),
    0x49: (0x3b, 0x52, 0x59),
    0x4a: (0x4c, 0x22, 0x2f),
    0x4b: (0x50, 0x54, 0x6f),
    0x4c: (0x67, 0x6a, 0x26),
    0x4d: (0x2a, 0x47, 0x72),
    0x4e: (0x7d, 0x64, 0x6a),
    0x4f: (0x74, 0x2d, 0x39),
    0x50: (0x54, 0x20, 0x7b),
    0x51: (0x2b, 0x7f, 0x3f),
    0x52: (0x2d, 0x2e, 0x38),
    0x53: (0x2c, 0x4c, 0x77),
    0x54: (0x30, 0x5d, 0x67),
    0x55: (0x6e, 0x7e, 0x53),
    0x56: (0x6b, 0x6c, 0x47),
    0x57: (0x66, 0x6f, 0x34),
    0x58: (0x35, 0x79, 0x78),
    0x59: (0x25, 0x74, 0x5d),
    0x5a: (0x21, 0x43, 0x30),
    0x5b: (0x64, 0x26, 0x23),
    0x5c: (0x4d, 0x76, 0x5a),
    0x5d: (0x52, 0x25, 0x5b),
    0x5e: (0x63, 0x24, 0x6c),
    0x5f: (0x3f, 0x2b, 0x48),
    0x60: (0x7b, 0x28, 0x55),
    0x61: (0x78, 0x23, 0x70),
    0x62: (0x29, 0x41, 0x69),
    0x63: (0x28, 0x34, 0x2e),
    0x64: (0x73, 0x09, 0x4c),
    0x65: (0x59, 0x2a, 0x21),
    0x66: (0x33, 0x44, 0x24),
    0x67: (0x7f, 0x3f, 0x4e),
    0x68: (0x6d, 0x77, 0x50),
    0x69: (0x55, 0x3b, 0x09),
    0x6a: (0x53, 0x55, 0x56),
    0x6b: (0x7c, 0x69, 0x73),
    0x6c: (0x3a, 0x61, 0x35),
    0x6d: (0x5f, 0x63, 0x61),
    0x6e: (0x65, 0x50, 0x4b),
    0x6f: (0x46, 0x67, 0x58),
    0x70: (0x58, 0x51, 0x3b),
    0x71: (0x31, 0x49, 0x57),
    0x72: (0x69, 0x4f, 0x22),
    0x73: (0x6c, 0x46, 0x6d),
    0x74: (0x5a, 0x68, 0x4d),
    0x75: (0x48, 0x7c, 0x25),
    0x76: (0x27, 0x36, 0x28),
    0x77: (0x5c, 0x70, 0x46),
    0x78: (0x3d, 0x6e, 0x4a),
    0x79: (0x24, 0x7a, 0x32),
    0x7a: (0x79, 0x2f, 0x41),
    0x7b: (0x37, 0x5f, 0x3d),
    0x7c: (0x60, 0x4b, 0x5f),
    0x7d: (0x51, 0x5a, 0x4f),
    0x7e: (0x20, 0x2c, 0x42),
    0x7f: (0x36, 0x57, 0x65),
}
# which table decodes position i (i counted per decoded character)
PICK = [int(c) for c in
        "0210212112120121012100211201211200121210100210120121002110021012"]
ESCAPES = {ord("\n"): b"@&", ord("\r"): b"@#", ord("<"): b"@!", ord(">"): b"@*",
           ord("@"): b"@$"}
UNESCAPE = {v[1]: k for k, v in ESCAPES.items()}

# Published samples: (block, plain).  The first from CyberChef's MS.mjs;
# the second from its CharEnc.mjs with the DEL (0x7f) it lost in print.
SAMPLES = [
    (b"#@~^RQAAAA==-mD~sX|:/TP{~J:+dYbxL~@!F@*@!+@*@!&@*eEI@#@&@#@&\x7fjm.raY "
     b"214Wv:zms/obI0xEAAA==^#~@",
     b'var my_msg = "Testing <1><2><3>!";\r\n\r\nWScript.Echo(my_msg);'),
    (b'#@~^DgAAAA==\\ko$K6,JC\x7fV^GJqAQAAA==^#~@', b'MsgBox "Hello"'),
]


def tables():
    """The encoding tables (plain byte -> encoded byte), checked to be inverses."""
    enc = [{}, {}, {}]
    for e, plains in DECODE.items():
        for t, p in enumerate(plains):
            if p in enc[t]:
                sys.exit("table %d is not a permutation at 0x%02x" % (t, p))
            enc[t][p] = e
    domain = set(DECODE)
    for t in range(3):
        if set(enc[t]) != domain:
            sys.exit("table %d does not cover its domain" % t)
    return enc


ENCODE = tables()


def field(n):
    """Six base64 characters and '==': a little-endian 32-bit value."""
    return base64.b64encode(struct.pack("<I", n & 0xFFFFFFFF))


def encode_text(plain):
    """The encoded text of plain (bytes)."""
    out = bytearray()
    pos = 0
    for b in plain:
        if b in ESCAPES:
            out += ESCAPES[b]
        elif b >= 0x80:
            out.append(b)
            continue            # no position
        elif b in ENCODE[0]:
            out.append(ENCODE[PICK[pos % 64]][b])
        else:
            out.append(b)       # other control bytes stand for themselves
        pos += 1
    return bytes(out)


def chars(b):
    """UTF-8 characters of b (bytes that do not continue a sequence)."""
    return sum(1 for x in b if x & 0xC0 != 0x80)


def block(plain, utf8_len=False, bad_sum=False, length=None):
    text = encode_text(plain)
    n = chars(text) if utf8_len else len(text)
    if length is not None:
        n = length
    s = sum(plain) + (1 if bad_sum else 0)
    return b"#@~^" + field(n) + text + field(s) + b"^#~@"


def decode_self(blk):
    """This script's own decoder, for the published samples."""
    n = struct.unpack("<I", base64.b64decode(blk[4:12]))[0]
    text = blk[12:12 + n]
    out = bytearray()
    pos = 0
    i = 0
    while i < len(text):
        b = text[i]
        if b == ord("@") and i + 1 < len(text):
            out.append(UNESCAPE.get(text[i + 1], text[i + 1]))
            i += 2
            pos += 1
            continue
        if b >= 0x80:
            out.append(b)
        elif b in DECODE:
            out.append(DECODE[b][PICK[pos % 64]])
            pos += 1
        else:
            out.append(b)
            pos += 1
        i += 1
    if blk[12 + n + 8:] != b"^#~@" or sum(out) != struct.unpack(
            "<I", base64.b64decode(blk[12 + n:12 + n + 8]))[0]:
        sys.exit("sample trailer or checksum wrong")
    return bytes(out)


WORDS = ["Dim", "Set", "obj", "WScript", "Shell", "CreateObject", "Run", "var", "function",
         "http", "Echo", "MsgBox", "If", "Then", "End", "For", "Next", "return", "x", "y",
         "Msxml2.XMLHTTP", "ADODB.Stream", "SaveToFile", "%TEMP%", "a.exe", "cmd /c"]
PUNCT = list(" \t.,;:()[]{}=+-*/\\'\"&|!?~^%$#_`") + ["<", ">", "@", "<!--", "-->"]


def random_script(rnd, vbs, ansi=False, utf8=False):
    """A random script: words, literals, URLs, the escaped bytes, line ends."""
    parts = []
    for _ in range(rnd.randint(1, 60)):
        k = rnd.random()
        if k < 0.45:
            parts.append(rnd.choice(WORDS).encode())
        elif k < 0.75:
            parts.append(rnd.choice(PUNCT).encode())
        elif k < 0.85:
            parts.append(b"\r\n" if vbs or rnd.random() < 0.5 else b"\n")
        elif k < 0.92:
            host = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
                           for _ in range(rnd.randint(1, 12)))
            parts.append(('"http://%s.example/%d"' % (host, rnd.randint(0, 999))).encode())
        elif k < 0.96 and ansi:
            parts.append(bytes([rnd.randint(0x80, 0xFF)]))
        elif k < 0.96 and utf8:
            parts.append(rnd.choice(["é", "日本語", "ß", "€", "😀"]).encode())
        else:
            parts.append(bytes([rnd.choice([0x7F, 0x01, 0x0B, 0x1F])]))
    return b" ".join(parts) if rnd.random() < 0.5 else b"".join(parts)


def make_case(rnd):
    """(input bytes, expected output bytes, expected blocks)."""
    kind = rnd.choice(["vbe", "jse", "html", "wsf", "utf8", "ansi", "broken"])
    vbs = rnd.random() < 0.5
    if kind in ("vbe", "jse"):
        p = random_script(rnd, kind == "vbe")
        return block(p, bad_sum=rnd.random() < 0.2), p, 1
    if kind == "ansi":
        p = random_script(rnd, vbs, ansi=True)
        return block(p), p, 1
    if kind == "utf8":
        p = random_script(rnd, vbs, utf8=True)
        return block(p, utf8_len=True), p, 1
    if kind == "html":
        p = random_script(rnd, True)
        lang = "VBScript.Encode" if vbs else "JScript.Encode"
        head = b'<html><head><SCRIPT LANGUAGE="' + lang.encode() + b'">\r\n<!--\r\n//'
        tail = b'\r\n//-->\r\n</SCRIPT></head><body>#@~^ not a block</body></html>'
        return head + block(p) + tail, head + p + tail, 1
    if kind == "wsf":
        inp = bytearray(b'<?xml version="1.0"?>\n<package>\n')
        out = bytearray(inp)
        n = rnd.randint(1, 5)
        for i in range(n):
            p = random_script(rnd, i % 2 == 0)
            lang = b"VBScript.Encode" if i % 2 == 0 else b"JScript.Encode"
            j = b'<job id="j%d"><script language="' % i + lang + b'">'
            inp += j + block(p) + b"</script></job>\n"
            out += j + p + b"</script></job>\n"
        inp += b"</package>\n"
        out += b"</package>\n"
        return bytes(inp), bytes(out), n
    # broken: a wrong length, a cut, a missing end marker: copied as is
    p = random_script(rnd, vbs)
    text = encode_text(p)
    how = rnd.choice(["length", "cut", "end"])
    if how == "length":
        n = len(text) + rnd.choice([-3, -2, -1, 1, 2, 3, 1000])
        if n < 0 or n == chars(text):
            n = len(text) + 7
        b = block(p, length=n)
    elif how == "cut":
        b = block(p)[:rnd.randint(0, len(text) + 16)]
    else:
        b = block(p)[:-rnd.randint(1, 4)]
    good = block(b"x = 1")
    return b + b" " + good, b + b" x = 1", 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cases", type=int, default=600)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    cases = [(blk, plain, 1) for blk, plain in SAMPLES]
    for blk, plain in SAMPLES:
        if decode_self(blk) != plain:
            sys.exit("the tables do not decode the published sample %r" % blk[:20])
        # and this encoder gives the published block back
        if block(plain) != blk:
            sys.exit("the encoder does not give the published sample %r" % blk[:20])
    rnd = random.Random(a.seed)
    cases += [make_case(rnd) for _ in range(a.cases)]
    bad = 0
    for i, (inp, want, nblocks) in enumerate(cases):
        path = os.path.join(a.work, "case%04d.txt" % i)
        with open(path, "wb") as f:
            f.write(inp)
        p = subprocess.run([a.driver, path], capture_output=True, timeout=60)
        got_blocks = p.stderr.decode(errors="replace").strip()
        if p.returncode != 0 or p.stdout != want or got_blocks != "blocks %d" % nblocks:
            bad += 1
            if bad <= 5:
                print("case %d (%s): rc %d, %s (want blocks %d)\n  in   %r\n  got  %r\n  want %r"
                      % (i, path, p.returncode, got_blocks, nblocks, inp[:200],
                         p.stdout[:200], want[:200]))
    print("screnc oracle: %d cases, %d mismatches" % (len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
