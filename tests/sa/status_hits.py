#!/usr/bin/env python3
"""status_hits.py - the rules `spamassassin -t` lists, as sa_hits.pl's records.

usage: status_hits.py MESSAGE OUTPUT
  MESSAGE  the message's path (written as "file")
  OUTPUT   what `spamassassin -t` printed for it (- for stdin)

Prints {"file": MESSAGE, "hits": {RULE: 1, ...}} from the first
X-Spam-Status header of OUTPUT (its tests=... list, unfolded).  The CLI
lists named rules only (no "__" sub-rules) and no counts: run-diff.sh
--self-test compares it with sa_hits.pl's named rules to check that the
Perl API driven by sa_hits.pl sees what the command line sees.
Exit status: 0, 2 when OUTPUT has no X-Spam-Status with tests=.
"""
import json
import re
import sys


def tests_of(text):
    head = text.split(b'\n\n', 1)[0].replace(b'\r\n', b'\n')
    m = re.search(rb'(?im)^X-Spam-Status:((?:.*)(?:\n[ \t].*)*)', head)
    if not m:
        return None
    value = re.sub(rb'\s+', b' ', m.group(1)).decode('ascii', 'replace')
    value = re.sub(r',\s+', ',', value)  # SpamAssassin folds the list after commas
    t = re.search(r'\btests=(\S*)', value)
    if not t:
        return None
    names = [n for n in t.group(1).split(',') if n and n != 'none']
    return names


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    data = sys.stdin.buffer.read() if argv[2] == '-' else open(argv[2], 'rb').read()
    names = tests_of(data)
    if names is None:
        print(f'status_hits: {argv[2]}: no X-Spam-Status with tests=', file=sys.stderr)
        return 2
    for n in names:
        if not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', n):
            print(f'status_hits: {argv[2]}: odd test name {n!r}', file=sys.stderr)
            return 2
    print(json.dumps({'file': argv[1], 'hits': {n: 1 for n in names}}, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
