#!/usr/bin/python3
"""dnsserver.py - a small authoritative DNS server for mamori's tests.

Purpose: serve the zone data of one SPF-suite scenario (or any test zone)
over real DNS, so the resolver and the checks are tested end to end.

Design: UDP and TCP on 127.0.0.1, same kernel-chosen port (port 0); the
port is printed on stdout as "PORT <n>" (and written to --port-file).
Packets are parsed and built with dnslib (Debian python3-dnslib, so run it
with /usr/bin/python3).  The zone file (JSON or YAML) is exactly the SPF
suite's `zonedata` format:
    name -> [ {TYPE: value}, ... ]   TYPE in A AAAA MX PTR CNAME TXT SPF
  - TXT/SPF value: a string or list of strings = the character-strings of
    ONE record (strings over 255 bytes are split, which is equivalent);
    str values are encoded as UTF-8 (as pyspf's driver does), so "\\xNN"
    escapes of the YAML reach the client byte-exact;
  - SPF records are also published as TXT unless the name has a TXT entry;
    `TXT: NONE` means no TXT record at all;
  - a bare `TIMEOUT` item: queries for that name are never answered;
    `{TYPE: TIMEOUT}`: queries of that type are never answered;
  - a name absent from the zone is NXDOMAIN; names are case-insensitive;
  - CNAME: answered with the CNAME and the target's records (one level).
UDP answers over 512 bytes are sent truncated (TC) so the client retries
over TCP.

Limits: one scenario per process; answers carry TTL 300 (--ttl).
Security: binds 127.0.0.1 only; exits when its parent dies (the parent pid
changes) or after --timeout seconds (default 600).
"""
import argparse
import json
import os
import select
import socket
import sys
import threading
import time

from dnslib import AAAA, A, CNAME, DNSHeader, DNSRecord, MX, PTR, QTYPE, RCODE, RR, TXT
from dnslib.dns import DNSError

TYPES = {"A": QTYPE.A, "AAAA": QTYPE.AAAA, "MX": QTYPE.MX, "PTR": QTYPE.PTR,
         "CNAME": QTYPE.CNAME, "TXT": QTYPE.TXT, "SPF": 99}


def to_bytes(v):
    if isinstance(v, bytes):
        return v
    return str(v).encode("utf-8")


def strings_of(v):
    """The character-strings of one TXT/SPF record, each <= 255 bytes."""
    if not isinstance(v, list):
        v = [v]
    out = []
    for s in v:
        b = to_bytes(s)
        if not b:
            out.append(b"")
        while b:
            out.append(b[:255])
            b = b[255:]
    return out


class Zone:
    def __init__(self, data):
        # name -> list of (TYPE, value) in zone order; ("TIMEOUT", None)
        # marks a bare TIMEOUT item; generated TXT copies of SPF records
        # come last (as in pyspf's driver)
        self.names = {}
        for name, items in (data or {}).items():
            key = str(name).lower().rstrip(".")
            rrs = []
            has_txt = False
            spf = []
            for item in items or []:
                if item == "TIMEOUT":
                    rrs.append(("TIMEOUT", None))
                    continue
                if not isinstance(item, dict):
                    continue
                for t, v in item.items():
                    t = str(t).upper()
                    if t not in TYPES:
                        continue
                    if t == "TXT":
                        has_txt = True
                    if v == "NONE" and t in ("TXT", "SPF"):
                        continue
                    if t == "SPF" and v != "TIMEOUT":
                        spf.append(v)
                    rrs.append((t, v))
            if not has_txt:
                for v in spf:
                    rrs.append(("TXT", v))
            self.names[key] = rrs

    def records(self, name, qtype):
        """The records of a type, or None for a timeout (pyspf semantics:
        a bare TIMEOUT times out unless records of the type came before
        it; a {TYPE: TIMEOUT} item times out that type)."""
        out = []
        for t, v in self.names[name]:
            if t == "TIMEOUT":
                if not out:
                    return None
                break
            if TYPES[t] != qtype:
                continue
            if v == "TIMEOUT":
                return None
            out.append((t, v))
        return out

    def rdata(self, t, v):
        if t == "A":
            return A(str(v))
        if t == "AAAA":
            return AAAA(str(v))
        if t == "MX":
            prio, host = v
            return MX(str(host) if host else ".", int(prio))
        if t == "PTR":
            return PTR(str(v))
        if t == "CNAME":
            return CNAME(str(v))
        return TXT(strings_of(v))

    def answer(self, request, ttl):
        """The reply to a request, or None to stay silent (TIMEOUT)."""
        q = request.q
        labels = [lab.decode("utf-8", "surrogateescape") for lab in q.qname.label]
        name = ".".join(labels).lower()
        qtype = q.qtype
        reply = request.reply()
        reply.header.aa = 1
        reply.header.ra = 0
        if name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if qtype != QTYPE.CNAME:
            cnames = self.records(name, QTYPE.CNAME)
            if cnames:
                target = str(cnames[0][1])
                reply.add_answer(RR(q.qname, QTYPE.CNAME, rdata=CNAME(target), ttl=ttl))
                tkey = target.lower().rstrip(".")
                if tkey in self.names:
                    recs = self.records(tkey, qtype)
                    if recs is None:
                        return None
                    for t, v in recs:
                        reply.add_answer(RR(target, qtype, rdata=self.rdata(t, v), ttl=ttl))
                return reply
        recs = self.records(name, qtype)
        if recs is None:
            return None
        for t, v in recs:
            reply.add_answer(RR(q.qname, qtype, rdata=self.rdata(t, v), ttl=ttl))
        return reply


def load_zone(path):
    with open(path, "rb") as f:
        text = f.read()
    if path.endswith(".json"):
        data = json.loads(text.decode("utf-8"))
    else:
        import yaml
        data = yaml.safe_load(text)
    if isinstance(data, dict) and "zonedata" in data:
        data = data["zonedata"]
    return Zone(data)


def handle(zone, ttl, data):
    try:
        request = DNSRecord.parse(data)
    except (DNSError, Exception):
        return None
    try:
        reply = zone.answer(request, ttl)
    except Exception as e:  # a bad zone entry: answer SERVFAIL
        sys.stderr.write("dnsserver: %r\n" % (e,))
        reply = request.reply()
        reply.header.rcode = RCODE.SERVFAIL
    if reply is None:
        return None
    return reply.pack()


def serve_udp(sock, zone, ttl):
    while True:
        data, addr = sock.recvfrom(65535)
        out = handle(zone, ttl, data)
        if out is None:
            continue
        if len(out) > 512:
            req = DNSRecord.parse(data)
            tc = DNSRecord(DNSHeader(id=req.header.id, qr=1, aa=1, tc=1, rd=req.header.rd), q=req.q)
            out = tc.pack()
        sock.sendto(out, addr)


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_tcp_conn(conn, zone, ttl):
    try:
        conn.settimeout(10)
        while True:
            hdr = recv_exact(conn, 2)
            if hdr is None:
                return
            data = recv_exact(conn, int.from_bytes(hdr, "big"))
            if data is None:
                return
            out = handle(zone, ttl, data)
            if out is None:
                continue  # never answer: the client times out
            conn.sendall(len(out).to_bytes(2, "big") + out)
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(sock, zone, ttl):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, zone, ttl), daemon=True).start()


def bind_pair():
    """UDP and TCP sockets on the same kernel-chosen port of 127.0.0.1."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp, port
    raise SystemExit("dnsserver: no free port pair")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zone", help="zone file (JSON or YAML, SPF-suite zonedata format)")
    ap.add_argument("--port-file", help="write the chosen port here")
    ap.add_argument("--timeout", type=float, default=600.0, help="exit after this many seconds")
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches EOF")
    args = ap.parse_args()

    zone = load_zone(args.zone)
    udp, tcp, port = bind_pair()
    threading.Thread(target=serve_udp, args=(udp, zone, args.ttl), daemon=True).start()
    threading.Thread(target=serve_tcp, args=(tcp, zone, args.ttl), daemon=True).start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()

    parent = os.getppid()
    end = time.monotonic() + args.timeout
    while time.monotonic() < end and os.getppid() == parent:
        if args.watch_stdin:
            # stdin closed by the parent also ends the server
            r, _, _ = select.select([sys.stdin], [], [], 0.2)
            if r and not sys.stdin.buffer.read1(4096):
                break
        else:
            time.sleep(0.2)
    os._exit(0)


if __name__ == "__main__":
    main()
