#!/usr/bin/python3
"""oracle.py - the URL library's normalisation against an independent oracle.

    oracle.py --tool build-test/tests/url_tool \
              --differences tests/url/oracle-differences.txt CORPUS_TRAIN_DIR

The URLs: every message of CORPUS_TRAIN_DIR/{ham,spam}/ (the train split
only: a path with a "test" component is refused) decoded with Python's email
package, its text parts (and HTML parts) searched for http(s)://... and for
href="..." values (HTML entities decoded, as a browser reads them); line
breaks inside a value are dropped (both sides drop them, and url_tool reads
one URL a line); deduplicated, sorted.  At least MIN_URLS (10,000) are
required.

Each URL goes through url_tool (src/url/url.c) and through the reference
below, built from Python's standard library and the idna package only:

  ok        urllib.parse.urlsplit() succeeds, finds a scheme, and a host
            when the scheme is http, https or ftp;
  scheme    urlsplit()'s (lower case);
  host      urlsplit().hostname, percent-decoded (urllib.parse.unquote
            to bytes, which must be UTF-8), trailing dots dropped, then
              - with a ":" : ipaddress.IPv6Address, compressed, in brackets;
              - a dotted quad of decimals: itself (ipaddress.IPv4Address);
              - the other IPv4 notations: the WHATWG URL standard's IPv4
                parser (written out below from the standard: decimal,
                0x hex and 0-prefixed octal parts, the last part filling
                the remaining bytes), which browsers follow; checked
                against socket.inet_aton();
              - a name with a non-ASCII character or an "xn--" label:
                idna.encode(host, uts46=True, transitional=False),
                lower case (IDNA 2008 with the UTS #46 mapping);
              - another name: lower case;
  port      urlsplit().port, None (-1) when it is the scheme's default
            (http 80, https 443, ftp 21);
  path      urlsplit() path ("/" when empty and there is a host) + "?" +
            query when the URL has a "?", compared after both sides are
            brought to RFC 3986's normal form (6.2.2.1 and 6.2.2.2: bytes
            outside unreserved / reserved / "%" percent-encoded, escapes
            upper case, escapes of unreserved characters decoded), so that
            what is compared is the bytes the path names, not how GUri
            chose to spell them;
  userinfo  what urlsplit() puts before the host's "@", percent-decoded.

For a URL without a host (mailto:, javascript:, data: ...) only ok and the
scheme are compared.

Every URL on which the two disagree must fall into one of the classes named
in --differences (each class: a name, its justification); the classifier of
each class is below (CLASSES).  Exit 0 when every difference is explained,
1 otherwise (the first few unexplained ones printed), 2 on error, 77 when
the corpus is missing (as the other corpus oracles do).
"""

import argparse
import ctypes
import ctypes.util
import email
import email.policy
import html
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
from urllib.parse import unquote_to_bytes, urlsplit

import idna

MIN_URLS = 10000
SPECIAL = {"http": 80, "https": 443, "ftp": 21}

URL_RE = re.compile(rb"(?i)(?:\b(?:https?|ftp)://|(?<![\w/.@:-])www\.)[^\s<>\"'\x00-\x1f\x7f]+")
HREF_RE = re.compile(r"(?i)\b(?:href|src|action|background)\s*=\s*"
                     r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))")
TRAIL = ".,;:!?)]}'>*"


# --- extraction -----------------------------------------------------------

def part_texts(msg):
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            raw = part.get_payload(decode=True)
        except Exception:  # a broken encoding: the part as it is
            raw = None
        if not raw:
            continue
        cs = part.get_content_charset() or "us-ascii"
        try:
            text = raw.decode(cs, errors="replace")
        except LookupError:
            text = raw.decode("latin-1")
        yield text


def extract(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    out = set()
    for text in part_texts(msg):
        for m in URL_RE.finditer(text.encode("utf-8", errors="surrogateescape")):
            u = m.group(0).decode("utf-8", errors="replace").rstrip(TRAIL)
            if len(u) > len("http://") and not u.lower().endswith("://"):
                out.add(u)
        for m in HREF_RE.finditer(text):
            v = m.group(1) if m.group(1) is not None else (
                m.group(2) if m.group(2) is not None else m.group(3))
            v = html.unescape(v)
            v = v.replace("\r", "").replace("\n", "").replace("\x00", "").strip()
            if v:
                out.add(v)
    return out


def corpus_urls(root):
    urls = set()
    messages = 0
    for cls in ("ham", "spam"):
        d = os.path.join(root, cls)
        for name in sorted(os.listdir(d)):
            messages += 1
            urls |= extract(os.path.join(d, name))
    return messages, sorted(urls)


# --- the reference --------------------------------------------------------

class RefError(Exception):
    pass


def whatwg_ipv4_number(part):
    """The WHATWG URL standard's "IPv4 number parser": None on failure."""
    if part == "":
        return None
    radix = 10
    if len(part) >= 2 and part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) >= 2 and part[0] == "0":
        part, radix = part[1:], 8
    if part == "":
        return 0
    digits = {10: "0123456789", 16: "0123456789abcdefABCDEF", 8: "01234567"}[radix]
    if any(c not in digits for c in part):
        return None
    return int(part, radix)


def whatwg_ends_in_number(host):
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    if last != "" and all(c in "0123456789" for c in last):
        return True
    return whatwg_ipv4_number(last) is not None


def whatwg_ipv4(host):
    """The WHATWG URL standard's IPv4 parser: the dotted quad, or None when
    the host is no IPv4 address ("failure" for a host that ends in a
    number: see the class ipv4-invalid-kept-as-name)."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    nums = []
    for p in parts:
        n = whatwg_ipv4_number(p)
        if n is None:
            return None
        nums.append(n)
    if any(n > 255 for n in nums[:-1]):
        return None
    if nums[-1] >= 256 ** (5 - len(nums)):
        return None
    v = nums[-1]
    for i, n in enumerate(nums[:-1]):
        v += n * 256 ** (3 - i)
    return str(ipaddress.IPv4Address(v))


class RefInvalid(Exception):
    """The URL standard rejects the URL (the reference's ok is false)."""


def ref_host(h):
    """The reference's host fields of a urlsplit() hostname.  Percent-
    decoding gives bytes; as in the WHATWG URL standard, bytes that are not
    UTF-8 become U+FFFD (which IDNA then refuses)."""
    h = unquote_to_bytes(h).decode("utf-8", errors="replace").rstrip(".")
    r = {"ip_obfuscated": False, "idn": False, "idn_invalid": False}
    if ":" in h:
        try:
            r.update(host="[%s]" % ipaddress.IPv6Address(h).compressed, host_kind="ipv6")
            return r
        except ValueError:
            pass
    lc = h.lower()
    try:
        ipaddress.IPv4Address(lc)
        r.update(host=lc, host_kind="ipv4")
        return r
    except ValueError:
        pass
    r["idn"] = not lc.isascii() or any(l.startswith("xn--") for l in lc.split("."))
    a = lc
    if r["idn"]:
        try:
            a = idna.encode(h, uts46=True, transitional=False).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError):
            r.update(host=lc, host_kind="name", idn_invalid=True)
            return r
        a = a.rstrip(".")
    if a != "" and whatwg_ends_in_number(a):
        q = whatwg_ipv4(a)
        if q is None:
            raise RefInvalid("WHATWG: the host ends in a number but is no IPv4 address")
        if a.isascii():
            try:
                if socket.inet_ntoa(socket.inet_aton(a)) != q:
                    raise RefError("WHATWG and inet_aton disagree on " + a)
            except OSError:
                pass  # inet_aton refuses ("0x"): the standard decides
        r.update(host=q, host_kind="ipv4", ip_obfuscated=(q != h), idn=False)
        return r
    r.update(host=a, host_kind="name")
    return r


UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
RESERVED = set(b":/?#[]@!$&'()*+,;=")
HEX = set(b"0123456789abcdefABCDEF")


def rfc3986_norm(s):
    """RFC 3986 6.2.2.1 + 6.2.2.2 over the UTF-8 bytes of s."""
    b = s.encode("utf-8", errors="surrogateescape")
    out = []
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x25 and i + 2 < len(b) + 0 and b[i + 1] in HEX and b[i + 2] in HEX:
            v = int(b[i + 1:i + 3], 16)
            out.append(chr(v) if v in UNRESERVED else "%%%02X" % v)
            i += 3
            continue
        if c in UNRESERVED or c in RESERVED:
            out.append(chr(c))
        else:
            out.append("%%%02X" % c)
        i += 1
    return "".join(out)


def reference(s):
    """The reference's fields of s, or {"ok": False}."""
    try:
        p = urlsplit(s)
        port = p.port
        hostname = p.hostname
    except ValueError as e:
        return {"ok": False, "why": str(e)}
    scheme = p.scheme.lower()
    if scheme == "":
        return {"ok": False, "why": "no scheme"}
    if scheme in SPECIAL and not hostname:
        return {"ok": False, "why": "no host"}
    r = {"ok": True, "scheme": scheme}
    if not hostname:
        r["host"] = None
        return r
    try:
        r.update(ref_host(hostname))
    except RefInvalid as e:
        return {"ok": False, "why": str(e)}
    if scheme in SPECIAL and r["host"] == "":
        return {"ok": False, "why": "WHATWG: empty host"}
    r["port"] = -1 if port is None or port == SPECIAL.get(scheme) else port
    has_query = "?" in s.split("#", 1)[0]
    r["path"] = (p.path or "/") + ("?" + p.query if has_query else "")
    ui = p.netloc.rpartition("@")[0] if "@" in p.netloc else ""
    r["userinfo"] = unquote_to_bytes(ui).decode("utf-8", errors="replace") or None
    return r


# --- comparison -----------------------------------------------------------

def diff_fields(ours, ref):
    """The names of the fields on which ours and ref disagree."""
    if ours["ok"] != ref["ok"]:
        return ["ok"]
    if not ours["ok"]:
        return []
    d = []
    if ours["scheme"] != ref["scheme"]:
        d.append("scheme")
    if (ours["host"] is None) != (ref["host"] is None):
        d.append("host")
        return d
    if ref["host"] is None:
        return d
    if ours["host"] != ref["host"]:
        d.append("host")
    if ours["host_kind"] != ref["host_kind"]:
        d.append("host_kind")
    if ours["ip_obfuscated"] != ref["ip_obfuscated"]:
        d.append("ip_obfuscated")
    if ours["idn_invalid"] != ref["idn_invalid"]:
        d.append("idn_invalid")
    if ours["host_kind"] == ref["host_kind"] == "name" and ours["idn"] != ref["idn"]:
        d.append("idn")
    if ours["port"] != ref["port"]:
        d.append("port")
    if rfc3986_norm(ours["path"]) != rfc3986_norm(ref["path"]):
        d.append("path")
    if (ours["userinfo"] or None) != ref["userinfo"]:
        d.append("userinfo")
    return d


# --- the classes of differences -------------------------------------------
#
# Each class: (name, predicate(url, ours, ref, fields)).  The first that
# takes a difference explains it; the justifications are in
# oracle-differences.txt, which must name every class here and no other.
# A class that says "the browser reads it so" checks it: the reference run
# again on the URL as the browser rewrites it must agree with ours on every
# field.

def agrees(ours, s):
    try:
        return not diff_fields(ours, reference(s))
    except RefError:
        return False


def c_www(s, ours, ref, fields):
    return (s[:4].lower() == "www." and ours.get("www") is True
            and agrees(ours, "http://" + s))


def c_wrapper(s, ours, ref, fields):
    if not (s.startswith("<") and s.endswith(">")):
        return False
    inner = s[1:-1]
    if inner[:4].upper() == "URL:":
        inner = inner[4:]
    return agrees(ours, inner)


def browser_slashes(s):
    """The WHATWG URL standard on a special scheme: any run of "/" and "\"
    after "scheme:" is the "//" of the authority, and "\" before the query
    is "/"."""
    m = re.match(r"^(https?|ftp):[/\\]*", s, re.I)
    if not m:
        return s
    rest = s[m.end():]
    q = len(rest)
    for c in "?#":
        i = rest.find(c)
        if i >= 0:
            q = min(q, i)
    return m.group(1) + "://" + rest[:q].replace("\\", "/") + rest[q:]


def c_slashes(s, ours, ref, fields):
    t = browser_slashes(s)
    return t != s and agrees(ours, t)


_glib = None


def glib_hostname_to_ascii(b):
    """GLib's g_hostname_to_ascii() (what GUri applies to a non-ASCII
    host), through ctypes: the bytes, or None when GLib refuses."""
    global _glib
    if _glib is None:
        _glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
        _glib.g_hostname_to_ascii.restype = ctypes.c_void_p
        _glib.g_hostname_to_ascii.argtypes = [ctypes.c_char_p]
        _glib.g_free.argtypes = [ctypes.c_void_p]
    p = _glib.g_hostname_to_ascii(b)
    if not p:
        return None
    v = ctypes.string_at(p)
    _glib.g_free(p)
    return v




def c_ipv6_mapped(s, ours, ref, fields):
    if fields != ["host"] or ours["host_kind"] != "ipv6" or ref["host_kind"] != "ipv6":
        return False
    return (ipaddress.IPv6Address(ours["host"].strip("[]"))
            == ipaddress.IPv6Address(ref["host"].strip("[]")) and "." in ours["host"])


def c_ipv4_invalid(s, ours, ref, fields):
    if fields != ["ok"] or ref["ok"] or not ref.get("why", "").startswith("WHATWG: the host"):
        return False
    return ours["host_kind"] == "name" and ours["host"] == (
        unquote_to_bytes(urlsplit(s).hostname).decode("utf-8", "replace").lower().rstrip("."))


def c_semicolon(s, ours, ref, fields):
    """GUri (relaxed) ends the host at ";": the rest of it starts the path."""
    if not set(fields) <= {"host", "path", "idn"} or ref["host"] is None:
        return False
    h0, semi, h1 = ref["host"].partition(";")
    if not semi or ours["host"] != h0:
        return False
    p = "/;" + h1
    return ours["path"] in (p + ref["path"], p if ref["path"] == "/" else None)








def c_zone_refused(s, ours, ref, fields):
    """An IPv6 literal with a zone id: refused by url.c as by browsers."""
    return (fields == ["ok"] and not ours["ok"] and ref["ok"]
            and ref.get("host_kind") == "ipv6" and "%" in (ref.get("host") or ""))


CLASSES = [
    ("www-given-http", c_www),
    ("wrapper-dropped", c_wrapper),
    ("browser-slashes", c_slashes),
    ("ipv4-invalid-kept-as-name", c_ipv4_invalid),
    ("ipv6-mapped-dotted-quad", c_ipv6_mapped),
    ("semicolon-ends-host", c_semicolon),
    ("ipv6-zone-id-refused", c_zone_refused),
]


def classify(s, ours, ref, fields):
    for name, pred in CLASSES:
        if pred(s, ours, ref, fields):
            return name
    return None


def read_classes(path):
    """The class names of the differences file: lines "class: NAME"."""
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^class:\s*(\S+)\s*$", line)
            if m:
                names.append(m.group(1))
    return names


def read_extra(path):
    """The URLs of an extra file: "#" lines skipped, \\uXXXX and \\xXX decoded."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "" or line.startswith("#"):
                continue
            line = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), line)
            line = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), line)
            out.append(line)
    return out


def compare(tool, urls, counts, dump):
    """Run urls through tool and the reference: (agreeing, unexplained);
    counts[class] += 1 for each explained difference."""
    data = "".join(u + "\n" for u in urls).encode("utf-8", errors="surrogateescape")
    res = subprocess.run([tool], input=data, stdout=subprocess.PIPE, check=True)
    lines = res.stdout.decode("utf-8").splitlines()
    if len(lines) != len(urls):
        raise RuntimeError("%d URLs in, %d lines out" % (len(urls), len(lines)))
    agree = 0
    unexplained = []
    for s, line in zip(urls, lines):
        ours = json.loads(line)
        try:
            ref = reference(s)
        except RefError as e:
            ref = {"ok": None, "why": str(e)}
        fields = ["reference"] if ref["ok"] is None else diff_fields(ours, ref)
        if not fields:
            agree += 1
            continue
        cls = classify(s, ours, ref, fields)
        if dump:
            dump.write(json.dumps({"url": s, "class": cls, "fields": fields,
                                   "ours": ours, "ref": ref}, ensure_ascii=False) + "\n")
        if cls is None:
            unexplained.append((s, fields, ours, ref))
        else:
            counts[cls] += 1
    return agree, unexplained


def report(title, n, agree, counts, unexplained, show):
    print("%s: %d compared, %d agreeing (%.2f %%), %d explained differences, "
          "%d unexplained" % (title, n, agree, 100.0 * agree / max(n, 1),
                              n - agree - len(unexplained), len(unexplained)))
    for name, c in counts.items():
        if c:
            print("  %-36s %d" % (name, c))
    for s, fields, ours, ref in unexplained[:show]:
        print("  UNEXPLAINED %r: %s differ" % (s, ", ".join(fields)))
        for f in fields:
            print("     ours %s=%r  ref %s=%r" % (f, ours.get(f), f, ref.get(f)))
        if ref.get("why"):
            print("     ref: %s" % ref["why"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--differences", required=True)
    ap.add_argument("--extra", help="hand-written URLs compared too (extra-urls.txt)")
    ap.add_argument("--show", type=int, default=10, help="unexplained ones printed")
    ap.add_argument("--dump", help="write every difference (JSON lines) here")
    ap.add_argument("corpus")
    a = ap.parse_args()

    if "test" in os.path.normpath(a.corpus).split(os.sep):
        print("oracle.py: %s: the train split only" % a.corpus, file=sys.stderr)
        return 2
    if not all(os.path.isdir(os.path.join(a.corpus, c)) for c in ("ham", "spam")):
        print("oracle.py: no corpus at %s (bench/lib.sh bench_corpus): skipped" % a.corpus)
        return 77
    listed = read_classes(a.differences)
    known = {n for n, _ in CLASSES}
    missing = [n for n in known if n not in listed]
    if missing:
        print("oracle.py: classes without a justification in %s: %s"
              % (a.differences, " ".join(sorted(missing))), file=sys.stderr)
        return 2
    unknown = [n for n in listed if n not in known]
    if unknown:
        print("oracle.py: %s names classes oracle.py does not know: %s"
              % (a.differences, " ".join(unknown)), file=sys.stderr)
        return 2

    messages, urls = corpus_urls(a.corpus)
    print("messages read: %d, distinct URLs extracted: %d" % (messages, len(urls)))
    if len(urls) < MIN_URLS:
        print("oracle.py: fewer than %d URLs" % MIN_URLS, file=sys.stderr)
        return 1
    dump = open(a.dump, "w", encoding="utf-8") if a.dump else None
    counts = {n: 0 for n in listed}
    agree, unexplained = compare(a.tool, urls, counts, dump)
    report("corpus URLs", len(urls), agree, counts, unexplained, a.show)
    bad = len(unexplained)
    if a.extra:
        extra = read_extra(a.extra)
        counts = {n: 0 for n in listed}
        agree, unexplained = compare(a.tool, extra, counts, dump)
        report("hand-written URLs (%s)" % os.path.basename(a.extra), len(extra), agree,
               counts, unexplained, a.show)
        bad += len(unexplained)
    if dump:
        dump.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
