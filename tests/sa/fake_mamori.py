#!/usr/bin/env python3
"""fake_mamori.py - a stand-in for the mamori binary in run-diff.sh --self-test.

It replays sa_hits.pl's results as mamori's reports, so that run-diff.sh's
mamori path (check-config, `scan --json -j N FILE...`, reports found by
message.source, the "spam" section and its score set) is exercised before
mamori's own module exists.  It is never used against mamori's results.

  FAKE_SA_HITS=FILE  sa_hits.pl's output to replay (required)
  FAKE_DROP=RULE     leave RULE out of every report (the perturbation)

  fake_mamori.py check-config FILE        exit 0
  fake_mamori.py scan --json -j N FILE... one report a line, in the order given
"""
import json
import os
import sys


def main(argv):
    if len(argv) >= 2 and argv[1] == 'check-config':
        return 0
    if len(argv) < 2 or argv[1] != 'scan':
        print('fake_mamori: check-config FILE | scan --json -j N FILE...', file=sys.stderr)
        return 2
    args, files = argv[2:], []
    i = 0
    while i < len(args):
        if args[i] == '--json':
            i += 1
        elif args[i] == '-j':
            i += 2
        else:
            files.append(args[i])
            i += 1
    hits = {}
    with open(os.environ['FAKE_SA_HITS'], encoding='utf-8') as f:
        for line in f:
            r = json.loads(line)
            hits[r['file']] = r['hits']
    drop = os.environ.get('FAKE_DROP')
    for p in files:
        if p not in hits:
            print(json.dumps({'error': 'unknown file', 'message': {'source': p}}))
            continue
        h = {k: v for k, v in hits[p].items() if k != drop}
        print(json.dumps({'action': 'accept', 'score': 0, 'message': {'source': p},
                          'spam': {'set': 0, 'hits': h}}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
