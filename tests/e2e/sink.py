#!/usr/bin/python3
"""sink.py - the SMTP sink standing in for the mailbox service (Microsoft
365, Google Workspace) in the end-to-end test and the load benchmark.

An aiosmtpd Controller (Debian's python3-aiosmtpd: run with
/usr/bin/python3) on 127.0.0.1 and a kernel-chosen free port.  Every
message is written to OUTDIR as NNNNNN.eml (the DATA bytes exactly as
received, CRLF line ends) with NNNNNN.json next to it:
    {"mail_from": ..., "rcpt_tos": [...], "peer": "127.0.0.1",
     "received_at": <Unix time, float>, "size": <bytes>}
The .json is written after the .eml (both renamed into place), so a
reader that sees the .json sees the complete message.

--count-only keeps no message files: only a line per message
"<received_at> <size>" appended to OUTDIR/received.log (the benchmark:
100,000 messages).

Used as a class (Sink(outdir).start(); .port; .messages(); .stop()) or as a
program: `sink.py OUTDIR [--count-only]` prints "PORT <n>" on stdout and
runs until killed or its parent exits.
Security: binds 127.0.0.1 only; accepts any envelope (it is a test peer).
"""
import argparse
import email.parser
import email.policy
import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


from postfix import free_port  # noqa: E402 (one set of ports given out a process)


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        self.sink._store(session, envelope)
        return "250 2.0.0 Ok: stored"


class Sink:
    def __init__(self, outdir, count_only=False):
        self.outdir = outdir
        self.count_only = count_only
        os.makedirs(outdir, exist_ok=True)
        self.lock = threading.Lock()
        self.n = 0
        self.port = None
        self.controller = None

    def _store(self, session, envelope):
        now = time.time()
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with self.lock:
            self.n += 1
            n = self.n
            if self.count_only:
                with open(os.path.join(self.outdir, "received.log"), "a") as f:
                    f.write(f"{now:.6f} {len(data)}\n")
                return
        base = os.path.join(self.outdir, f"{n:06d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": session.peer[0] if session.peer else None,
            "received_at": now,
            "size": len(data),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")

    def start(self):
        # Controller(port=0) is not supported by every aiosmtpd: pick one.
        for _ in range(20):
            port = free_port()
            # decode_data=False: the bytes as received (8BITMIME safe);
            # SMTPUTF8 not offered (the gateway sends smtputf8_enable=no).
            c = Controller(_Handler(self), hostname="127.0.0.1", port=port,
                           server_kwargs={"data_size_limit": 64 * 1024 * 1024})
            try:
                c.start()
            except Exception:
                continue
            self.controller = c
            self.port = port
            return self
        raise RuntimeError("sink: no free port")

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def messages(self):
        """[(meta dict, eml bytes)] of the complete messages, in order."""
        out = []
        for name in sorted(os.listdir(self.outdir)):
            if not name.endswith(".json"):
                continue
            base = os.path.join(self.outdir, name[:-5])
            with open(base + ".json") as f:
                meta = json.load(f)
            with open(base + ".eml", "rb") as f:
                out.append((meta, f.read()))
        return out


def headers_of(raw):
    """The parsed header block of a message (email.message.Message)."""
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count-only", action="store_true")
    a = ap.parse_args()
    s = Sink(a.outdir, count_only=a.count_only).start()
    print(f"PORT {s.port}", flush=True)
    ppid = os.getppid()
    try:
        while os.getppid() == ppid:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
