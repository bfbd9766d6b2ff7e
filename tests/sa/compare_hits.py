#!/usr/bin/env python3
"""Differential test of SpamAssassin rules: mamori's hits against SpamAssassin's.

Issue 15's acceptance: on >= 1,000 train-split messages, for every supported
non-network rule, the set of messages on which it fires agrees with
SpamAssassin on >= 99 % of (rule, message) pairs; every class of
disagreement is listed with its cause in tests/sa/known-differences.tsv.
Both readings are gated: all pairs together (--threshold) and each rule
alone, over the messages (--rule-threshold, default the same): the pooled
figure alone is mostly pairs where no side fires, and would let a rule that
never fires in mamori pass (one rule is ~0.1 % of the pairs).

Inputs (JSON Lines, either format on either side):
  SpamAssassin  tests/sa/sa_hits.pl:  {"file": PATH, "hits": {RULE: N}}
  mamori        `mamori scan --json`: {"message": {"source": PATH}, ...,
                                       "spam": {"set": N, "hits": {RULE: N}}}
  A message is identified by its path (os.path.realpath of it).

The rules compared: those SpamAssassin defines (--sa-rules, sa_hits.pl
--list-rules), minus those that cannot agree without the network or learned
state (tflags net, RBL evals, "empty" placeholders, Bayes: tflags learn or
check_bayes) and those SpamAssassin disables (a zero score in its score set:
it never runs them); of these, with --rules FILE (mamori's list of the rules
it loaded, a name a line), those mamori loaded; without it, those that fired
on either side at least once (a rule that never fires anywhere adds only
agreeing pairs).  A rule mamori fires that SpamAssassin disables is
reported, not compared (its metas are).

A pair (rule, message) agrees when both fire or neither does; counts (tflags
multiple, arithmetic metas) are reported, not gated.  A disagreement is
"known" when an entry of the known-differences file (--known) matches its
rule and direction; an entry's disagreements are left out of the agreement
figure only while their number stays within the entry's recorded maximum:
past it, all of them count, and the entry is reported as grown.  Entries
that match nothing, or much less than their maximum, are reported as stale.

Known-differences file, tab-separated, '#' comments:
  PATTERN  DIRECTION  MAX  CAUSE
    PATTERN    a rule name or an fnmatch pattern (FOO_*)
    DIRECTION  sa (SpamAssassin fires, mamori not), mamori (the reverse)
               or any
    MAX        the most disagreeing pairs this entry may cover (integer)
    CAUSE      why, in words (not empty)

Exit status: 0 both agreements >= their thresholds (and no grown entry
when --strict-known), 1 below, 2 bad input (a message missing on one side,
a report without the "spam" section, different score sets, ...).
"""
import argparse
import collections
import fnmatch
import json
import os
import sys


class InputError(Exception):
    pass


# ---- reading -------------------------------------------------------------

def read_hits(path, side):
    """{realpath: {rule: count}} and the score sets seen, from JSON Lines.

    Each line is either sa_hits.pl's record or a mamori report."""
    out = {}
    sets = set()
    dropped = []  # (file, why): messages that cannot be compared
    with open(path, 'rb') as f:
        for ln, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError as e:
                raise InputError(f'{side} {path}:{ln}: not JSON ({e})') from None
            if not isinstance(rec, dict):
                raise InputError(f'{side} {path}:{ln}: not an object')
            if 'file' in rec and 'hits' in rec:
                src, hits = rec['file'], rec['hits']
                if rec.get('deadline_exceeded'):
                    dropped.append((src, 'SpamAssassin deadline exceeded'))
            else:
                src = rec.get('source')
                if src is None:
                    src = (rec.get('message') or {}).get('source')
                spam = rec.get('spam')
                if not isinstance(spam, dict) or not isinstance(spam.get('hits'), dict):
                    why = rec.get('error') or 'no "spam": {"hits": ...} section'
                    raise InputError(f'{side} {path}:{ln}: report for {src!r}: {why}')
                hits = spam['hits']
                if 'set' in spam:
                    sets.add(spam['set'])
            if not isinstance(src, str) or not isinstance(hits, dict):
                raise InputError(f'{side} {path}:{ln}: no file/source path or no hits object')
            for r, n in hits.items():
                if isinstance(n, bool) or not isinstance(n, (int, float)):
                    raise InputError(f'{side} {path}:{ln}: hit count of {r} is not a number')
            key = os.path.realpath(src)
            if key in out:
                raise InputError(f'{side} {path}:{ln}: {src} reported twice')
            out[key] = {r: n for r, n in hits.items() if n > 0}
    return out, sets, dropped


def read_sa_rules(path):
    """{name: {type, kind, fn, tflags, score, active, file}} from --list-rules."""
    rules = {}
    with open(path, encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line:
                continue
            p = line.split('\t')
            if len(p) < 7:
                raise InputError(f'{path}:{ln}: want 7+ tab-separated fields, got {len(p)}')
            rules[p[0]] = {
                'type': p[1], 'kind': p[2], 'fn': p[3],
                'tflags': set() if p[4] == '-' else set(p[4].split(',')),
                'score': float(p[5]), 'active': p[6] == '1',
                'file': p[7] if len(p) > 7 else '-',
            }
    if not rules:
        raise InputError(f'{path}: no rules')
    return rules


def read_names(path):
    names = set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if line:
                names.add(line[0])
    return names


class Known:
    def __init__(self, ln, pattern, direction, maxn, cause):
        self.ln, self.pattern, self.direction, self.max, self.cause = ln, pattern, direction, maxn, cause
        self.pairs = []  # (rule, file, direction)

    def matches(self, rule, direction):
        return (self.direction in ('any', direction)
                and fnmatch.fnmatchcase(rule, self.pattern))


def read_known(path):
    entries = []
    with open(path, encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            p = line.split('\t')
            if len(p) != 4:
                raise InputError(f'{path}:{ln}: want PATTERN DIRECTION MAX CAUSE (4 tab-separated fields)')
            pattern, direction, maxn, cause = (x.strip() for x in p)
            if direction not in ('sa', 'mamori', 'any'):
                raise InputError(f'{path}:{ln}: direction {direction!r}: sa, mamori or any')
            if not maxn.isdigit() or int(maxn) < 1:
                raise InputError(f'{path}:{ln}: MAX {maxn!r} must be a positive integer')
            if not pattern or not cause:
                raise InputError(f'{path}:{ln}: empty pattern or cause')
            entries.append(Known(ln, pattern, direction, int(maxn), cause))
    return entries


# ---- comparing -----------------------------------------------------------

EXCLUDE_FN = {'check_bayes'}


def exclusion(rule, info):
    """Why a rule SpamAssassin defines is not compared, or None."""
    if 'net' in info['tflags']:
        return 'network (tflags net)'
    if info['kind'] == 'rbl_eval':
        return 'network (RBL eval)'
    if 'learn' in info['tflags'] or info['fn'] in EXCLUDE_FN:
        return 'Bayes'
    if info['kind'] == 'empty':
        return 'placeholder (no test)'
    if not info['active']:
        return 'disabled in SpamAssassin (zero score in its score set)'
    return None


def compare(sa, mam, sa_rules, loaded, known):
    """The whole comparison; returns a dict of results (see report())."""
    files = sorted(sa)
    res = {'files': files}
    excluded = collections.Counter()
    universe = []
    for rule, info in sorted(sa_rules.items()):
        why = exclusion(rule, info)
        if why:
            excluded[why] += 1
            continue
        if loaded is not None and rule not in loaded:
            excluded['not loaded by mamori'] += 1
            continue
        universe.append(rule)
    if loaded is None:
        fired = set()
        for h in list(sa.values()) + list(mam.values()):
            fired.update(h)
        kept = [r for r in universe if r in fired]
        excluded['fired on neither side (no --rules list)'] += len(universe) - len(kept)
        universe = kept
    res['excluded'] = excluded
    res['universe'] = universe
    res['mamori_only_rules'] = sorted({r for h in mam.values() for r in h} - set(sa_rules))
    disabled = {r for r, i in sa_rules.items() if not i['active']}
    res['mamori_fires_disabled'] = collections.Counter(
        r for h in mam.values() for r in h if r in disabled)

    per_rule = {}
    disagreements = []  # (rule, file, direction)
    count_diff = collections.Counter()
    for rule in universe:
        st = collections.Counter()
        for f in files:
            a, b = sa[f].get(rule, 0), mam[f].get(rule, 0)
            if a and b:
                st['both'] += 1
                if a != b:
                    count_diff[rule] += 1
            elif a:
                st['sa_only'] += 1
                disagreements.append((rule, f, 'sa'))
            elif b:
                st['mamori_only'] += 1
                disagreements.append((rule, f, 'mamori'))
        per_rule[rule] = st
    res['per_rule'] = per_rule
    res['count_diff'] = count_diff

    unknown = []
    for d in disagreements:
        for k in known:
            if k.matches(d[0], d[2]):
                k.pairs.append(d)
                break
        else:
            unknown.append(d)
    grown = [k for k in known if len(k.pairs) > k.max]
    excused = sum(len(k.pairs) for k in known if len(k.pairs) <= k.max)
    # what counts against each rule: the unexplained and the grown entries'
    counted_by_rule = collections.Counter(d[0] for d in unknown)
    for k in grown:
        counted_by_rule.update(d[0] for d in k.pairs)
    res['counted_by_rule'] = counted_by_rule
    res['unknown'] = unknown
    res['known'] = known
    res['grown'] = grown
    total = len(universe) * len(files)
    counted = len(disagreements) - excused
    res['pairs'] = total
    res['disagree'] = len(disagreements)
    res['counted'] = counted
    res['agreement'] = 1.0 if total == 0 else (total - counted) / total
    res['agreement_raw'] = 1.0 if total == 0 else (total - len(disagreements)) / total
    fired_pairs = sum(st['both'] + st['sa_only'] + st['mamori_only'] for st in per_rule.values())
    res['fired_pairs'] = fired_pairs
    res['fired_agreement'] = 1.0 if fired_pairs == 0 else \
        sum(st['both'] for st in per_rule.values()) / fired_pairs
    return res


# ---- reporting -----------------------------------------------------------

def pct(x):
    return f'{100 * x:.3f} %'


def report(res, sa_rules, args, out):
    w = out.write
    files = res['files']
    w(f'messages: {len(files)}\n')
    by_type = collections.Counter(
        (sa_rules[r]['type'], sa_rules[r]['kind']) for r in res['universe'])
    w(f'rules compared: {len(res["universe"])} ('
      + ', '.join(f'{t} {k} {n}' for (t, k), n in sorted(by_type.items())) + ')\n')
    for why, n in sorted(res['excluded'].items()):
        w(f'  not compared: {n} {why}\n')
    if res['mamori_only_rules']:
        sample = ' '.join(res['mamori_only_rules'][:10])
        w(f'  rules mamori fired that SpamAssassin does not define: {len(res["mamori_only_rules"])} ({sample})\n')
    if res['mamori_fires_disabled']:
        top = ', '.join(f'{r} {n}' for r, n in res['mamori_fires_disabled'].most_common(10))
        w(f'  WARNING: mamori fires rules SpamAssassin disables (zero score): {top}\n')
    w(f'pairs (rule, message): {res["pairs"]}, disagreeing {res["disagree"]}, '
      f'of which counted {res["counted"]}\n')
    w(f'agreement: {pct(res["agreement"])} (threshold {pct(args.threshold)}; '
      f'without the known differences {pct(res["agreement_raw"])})\n')
    w(f'agreement on pairs where either side fired: {pct(res["fired_agreement"])} '
      f'of {res["fired_pairs"]}\n')

    bad = [(st['sa_only'] + st['mamori_only'], r, st) for r, st in res['per_rule'].items()
           if st['sa_only'] or st['mamori_only']]
    bad.sort(key=lambda x: (-x[0], x[1]))
    examples = collections.defaultdict(lambda: {'sa': [], 'mamori': []})
    for rule, f, d in res['unknown']:
        if len(examples[rule][d]) < args.examples:
            examples[rule][d].append(os.path.basename(f))
    unknown_rules = {d[0] for d in res['unknown']}
    w(f'\nrules with unexplained disagreements: {len(unknown_rules)} '
      f'(rule type kind: both / SpamAssassin only / mamori only; examples)\n')
    shown = 0
    for n, rule, st in bad:
        if rule not in unknown_rules:
            continue
        if shown >= args.top:
            w(f'  ... {len(unknown_rules) - shown} more (--per-rule FILE for all)\n')
            break
        i = sa_rules[rule]
        ex = examples[rule]
        exs = '; '.join(f'{d}: ' + ' '.join(ex[d]) for d in ('sa', 'mamori') if ex[d])
        w(f'  {rule} {i["type"]} {i["kind"]}{"(" + i["fn"] + ")" if i["fn"] != "-" else ""}: '
          f'{st["both"]} / {st["sa_only"]} / {st["mamori_only"]}; {exs}\n')
        shown += 1

    if res['known']:
        w('\nknown differences (pattern direction: pairs / max; cause):\n')
        for k in res['known']:
            state = ''
            if len(k.pairs) > k.max:
                state = '  GROWN: counted against the threshold'
            elif len(k.pairs) == 0:
                state = '  STALE: matches nothing, remove it'
            elif len(k.pairs) * 2 < k.max:
                state = f'  stale: lower MAX to {len(k.pairs)}'
            w(f'  {k.pattern} {k.direction}: {len(k.pairs)} / {k.max}; {k.cause}{state}\n')
    if res['count_diff']:
        top = ', '.join(f'{r} {n}' for r, n in res['count_diff'].most_common(10))
        w(f'\nboth fired, counts differ (not gated): {sum(res["count_diff"].values())} pairs: {top}\n')

    if args.per_rule:
        with open(args.per_rule, 'w', encoding='utf-8') as f:
            f.write('rule\ttype\tkind\tfile\tboth\tsa_only\tmamori_only\tagreement\n')
            for r in res['universe']:
                st, i = res['per_rule'][r], sa_rules[r]
                d = st['sa_only'] + st['mamori_only']
                f.write(f'{r}\t{i["type"]}\t{i["kind"]}\t{i["file"]}\t{st["both"]}\t{st["sa_only"]}'
                        f'\t{st["mamori_only"]}\t{(len(files) - d) / len(files):.4f}\n')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('sa', help="SpamAssassin's hits (sa_hits.pl output)")
    ap.add_argument('mamori', help="mamori's reports (mamori scan --json), or a second sa_hits.pl output")
    ap.add_argument('--sa-rules', required=True, help='sa_hits.pl --list-rules output')
    ap.add_argument('--rules', help="mamori's loaded rules, a name a line")
    ap.add_argument('--known', help='known differences (TSV, see above)')
    ap.add_argument('--threshold', type=float, default=0.99)
    ap.add_argument('--rule-threshold', type=float, default=None,
                    help="each rule's agreement over the messages (default: --threshold)")
    ap.add_argument('--min-fired-agreement', type=float, default=None,
                    help='also require this agreement on pairs where either side fired')
    ap.add_argument('--strict-known', action='store_true',
                    help='fail when a known difference has grown past its MAX')
    ap.add_argument('--sa-set', type=int, default=0, help="SpamAssassin's score set (default 0)")
    ap.add_argument('--top', type=int, default=30)
    ap.add_argument('--examples', type=int, default=3)
    ap.add_argument('--per-rule', help='write every compared rule\'s figures here (TSV)')
    args = ap.parse_args(argv)
    if args.rule_threshold is None:
        args.rule_threshold = args.threshold
    if not 0 < args.threshold <= 1 or not 0 <= args.rule_threshold <= 1:
        ap.error('--threshold must be in (0, 1], --rule-threshold in [0, 1]')
    try:
        sa_rules = read_sa_rules(args.sa_rules)
        sa, _, sa_dropped = read_hits(args.sa, 'SpamAssassin')
        mam, sets, m_dropped = read_hits(args.mamori, 'mamori')
        loaded = read_names(args.rules) if args.rules else None
        known = read_known(args.known) if args.known else []
        if not sa:
            raise InputError('no SpamAssassin results')
        if set(sa) != set(mam):
            only_sa, only_m = sorted(set(sa) - set(mam)), sorted(set(mam) - set(sa))
            raise InputError(f'the two sides scanned different messages: {len(only_sa)} only in '
                             f'SpamAssassin\'s ({only_sa[:3]}), {len(only_m)} only in mamori\'s ({only_m[:3]})')
        if sets and sets != {args.sa_set}:
            raise InputError(f'mamori used score set(s) {sorted(sets)}, SpamAssassin {args.sa_set}: '
                             'the rules enabled differ')
        for f, why in sa_dropped + m_dropped:
            print(f'warning: {f}: {why}: left out', file=sys.stderr)
            sa.pop(os.path.realpath(f), None)
            mam.pop(os.path.realpath(f), None)
        if loaded is not None and not loaded & set(sa_rules):
            raise InputError(f'{args.rules}: no rule SpamAssassin defines')
    except (InputError, OSError) as e:
        print(f'compare_hits: {e}', file=sys.stderr)
        return 2
    res = compare(sa, mam, sa_rules, loaded, known)
    report(res, sa_rules, args, sys.stdout)
    fail = []
    if res['agreement'] < args.threshold:
        fail.append(f'agreement {pct(res["agreement"])} < {pct(args.threshold)}')
    n = len(res['files'])
    below = sorted((r for r, c in res['counted_by_rule'].items() if (n - c) / n < args.rule_threshold),
                   key=lambda r: (-res['counted_by_rule'][r], r))
    if below:
        fail.append(f'{len(below)} rule(s) below {pct(args.rule_threshold)} each: '
                    + ' '.join(f'{r}({n - res["counted_by_rule"][r]}/{n})' for r in below[:10])
                    + (' ...' if len(below) > 10 else ''))
    if args.min_fired_agreement is not None and res['fired_agreement'] < args.min_fired_agreement:
        fail.append(f'agreement where fired {pct(res["fired_agreement"])} < {pct(args.min_fired_agreement)}')
    if args.strict_known and res['grown']:
        fail.append('known differences grown: ' + ', '.join(k.pattern for k in res['grown']))
    if fail:
        print('\nFAIL: ' + '; '.join(fail))
        return 1
    print('\nPASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
