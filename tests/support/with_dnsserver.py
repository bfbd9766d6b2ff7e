#!/usr/bin/python3
"""with_dnsserver.py - run a command against a test DNS server.

usage: with_dnsserver.py ZONE -- COMMAND [ARGS...]
Starts tests/support/dnsserver.py (next to this file) on ZONE, then runs
COMMAND ARGS... --dns 127.0.0.1:PORT and exits with its status; the
server is killed afterwards (and exits by itself if we die).
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    server = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dnsserver.py")
    proc = subprocess.Popen(["/usr/bin/python3", server, sys.argv[1], "--timeout", "600"],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        f = proc.stdout.readline().decode().split()
        if len(f) != 2 or f[0] != "PORT":
            sys.exit("dnsserver did not start")
        cmd = sys.argv[3:] + ["--dns", "127.0.0.1:" + f[1]]
        return subprocess.call(cmd)
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
