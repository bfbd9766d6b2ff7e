#!/usr/bin/env python3
"""Accuracy figures of a spam score, for bench/spam-accuracy.sh (stdlib only).

Input: lines "LABEL SCORE", LABEL ham or spam, SCORE a number (higher =
more spammy); blank lines are skipped, anything else is an error.

Figures:
  AUC    the probability that a random spam scores above a random ham, a
         spam and a ham with the same score counting one half
         (Mann-Whitney U / (nham * nspam), with mid-ranks).
  recall at ham FP <= f
         k = floor(f * nham) ham may be flagged.  A message is flagged when
         its score >= t, t the smallest score seen such that at most k ham
         score >= t.  Ties are conservative: a ham tied with a spam at t is
         flagged too (it counts as an FP), so t must lie above the
         (k+1)-th highest ham score, and a spam tied with that ham is NOT
         caught.  Equivalently: recall = (spam scoring strictly above the
         (k+1)-th highest ham score) / nspam; with nham <= k, every spam.

Usage:
  spam_metrics.py [FILE]                 the figures, readable (stdin: -)
  spam_metrics.py --row NAME [FILE]      one markdown row of the table:
                                         | NAME | AUC | r@0.1% | r@0.5% | r@1% |
  spam_metrics.py --header               the table's header (two lines)
  spam_metrics.py mamori-scores          `mamori scan --json` reports on
                                         stdin -> "LABEL SCORE" lines, the
                                         label from the report's source path
                                         (a directory named ham or spam)
  spam_metrics.py mamori-parts           the same, "LABEL SCORE RULES BAYES
                                         OTHER": the score split into the
                                         SpamAssassin rules' symbols (the spam
                                         module), the classifier's (BAYES_SPAM,
                                         BAYES_HAM) and every other symbol's
  spam_metrics.py --at T [FILE]          ham FP rate and spam recall of the
                                         verdict score >= T (a threshold)
  spam_metrics.py folds K SRC OUT        cross-validation folds of SRC/{ham,
                                         spam}: OUT/K-i/{learn,score}/{ham,spam}
                                         (hard links), fold of a file =
                                         sha256(file name) mod K
  spam_metrics.py later SRC OUT          the "later mail" split of SRC/{ham,
                                         spam}: OUT/later/{learn,score}/...,
                                         per group (a file name without its
                                         number: "easy-ham-1", "spam-1") the
                                         lower half of the numbers learned,
                                         the upper half scored
Exit status: 0, 2 on bad input.
"""
import hashlib
import json
import math
import os
import shutil
import sys

FP_RATES = (0.001, 0.005, 0.01)


class InputError(Exception):
    pass


def parse(lines):
    """[(label, score)] from "LABEL SCORE" lines."""
    out = []
    for n, line in enumerate(lines, 1):
        f = line.split()
        if not f:
            continue
        if len(f) != 2 or f[0] not in ('ham', 'spam'):
            raise InputError(f'line {n}: want "ham|spam SCORE", got {line.strip()!r}')
        try:
            s = float(f[1])
        except ValueError:
            raise InputError(f'line {n}: score {f[1]!r} is not a number') from None
        if math.isnan(s):
            raise InputError(f'line {n}: score is NaN')
        out.append((f[0], s))
    return out


def auc(ham, spam):
    """Mann-Whitney AUC, ties counted one half (mid-ranks)."""
    if not ham or not spam:
        raise InputError('AUC needs at least one ham and one spam')
    allv = sorted([(s, 0) for s in ham] + [(s, 1) for s in spam])
    rank_sum = 0.0  # sum of the spam's ranks (1-based, ties share the mean rank)
    i = 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # mean of ranks i+1 .. j
        rank_sum += mid * sum(1 for _, y in allv[i:j] if y)
        i = j
    ns, nh = len(spam), len(ham)
    return (rank_sum - ns * (ns + 1) / 2.0) / (ns * nh)


def recall_at_fp(ham, spam, rate):
    """(recall, k, threshold): see the module's doc.  threshold is the score
    the (k+1)-th highest ham has (flagged: strictly above it), None when
    nham <= k."""
    k = math.floor(rate * len(ham) + 1e-9)
    if not spam:
        raise InputError('recall needs at least one spam')
    if len(ham) <= k:
        return 1.0, k, None
    bar = sorted(ham, reverse=True)[k]
    return sum(1 for s in spam if s > bar) / len(spam), k, bar


def figures(pairs):
    ham = [s for lab, s in pairs if lab == 'ham']
    spam = [s for lab, s in pairs if lab == 'spam']
    return {
        'ham': len(ham),
        'spam': len(spam),
        'auc': auc(ham, spam),
        'recall': [recall_at_fp(ham, spam, r) for r in FP_RATES],
    }


def header():
    return ('| system | AUC | spam recall at ham FP ≤ 0.1 % | at FP ≤ 0.5 % | at FP ≤ 1 % |\n'
            '|---|---|---|---|---|')


def row(name, fig):
    cells = [f'{fig["auc"]:.4f}'] + [f'{r:.3f}' for r, _, _ in fig['recall']]
    return '| ' + ' | '.join([name] + cells) + ' |'


def readable(fig):
    lines = [f'ham {fig["ham"]}, spam {fig["spam"]}', f'AUC {fig["auc"]:.4f}']
    for rate, (r, k, bar) in zip(FP_RATES, fig['recall']):
        where = 'no bar (k >= nham)' if bar is None else f'flagged: score > {bar:g}'
        lines.append(f'recall at ham FP <= {rate * 100:g} % (k = {k} ham): {r:.4f}  [{where}]')
    return '\n'.join(lines)


def label_of(source):
    """ham or spam from a report's source path (its last directory named so)."""
    path = source.split('#', 1)[0]
    for part in reversed(os.path.dirname(path).split(os.sep)):
        if part in ('ham', 'spam'):
            return part
    raise InputError(f'no ham/ spam/ directory in the source path {source!r}')


def reports(stream):
    """(label, score, report) of each `mamori scan --json` report; the label
    from its source path."""
    for ln, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            rep = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f'report {ln}: not JSON ({e.msg})') from None
        src = rep.get('source')
        if src is None:
            src = (rep.get('message') or {}).get('source')
        score = rep.get('score')
        if not isinstance(src, str):
            raise InputError(f'report {ln}: no source')
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise InputError(f'report {ln}: no numeric "score" (an error report?)')
        yield label_of(src), score, rep


def mamori_scores(stream, out):
    """One "LABEL SCORE" line per report; only source and score are read."""
    n = 0
    for label, score, _ in reports(stream):
        out.write(f'{label} {score!r}\n')
        n += 1
    return n


BAYES_SYMBOLS = ('BAYES_SPAM', 'BAYES_HAM')


def report_parts(rep):
    """(rules, bayes, other): the report's score split by where its
    symbols come from.  A symbol is a rule's when the spam module's hits
    name it (or it is "SA_" + a hit's name, a renamed rule)."""
    hits = (rep.get('spam') or {}).get('hits') or {}
    rules = bayes = other = 0.0
    for name, sym in (rep.get('symbols') or {}).items():
        sc = float(sym.get('score', 0) if isinstance(sym, dict) else sym)
        if name in BAYES_SYMBOLS:
            bayes += sc
        elif name in hits or (name.startswith('SA_') and name[3:] in hits):
            rules += sc
        else:
            other += sc
    return rules, bayes, other


def mamori_parts(stream, out):
    """One "LABEL SCORE RULES BAYES OTHER" line per report."""
    n = 0
    for label, score, rep in reports(stream):
        r, b, o = report_parts(rep)
        out.write(f'{label} {score!r} {r!r} {b!r} {o!r}\n')
        n += 1
    return n


def at_threshold(pairs, t):
    """(ham FP rate, spam recall) of flagging score >= t."""
    ham = [s for lab, s in pairs if lab == 'ham']
    spam = [s for lab, s in pairs if lab == 'spam']
    if not ham or not spam:
        raise InputError('a threshold needs at least one ham and one spam')
    return (sum(1 for s in ham if s >= t) / len(ham),
            sum(1 for s in spam if s >= t) / len(spam))


def fold_of(name, k):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], 'big') % k


def make_folds(k, src, out):
    """OUT/K-i/{learn,score}/{ham,spam}: fold i scored, the others learned."""
    if k < 2:
        raise InputError('K must be at least 2')
    shutil.rmtree(out, ignore_errors=True)
    counts = [[0, 0] for _ in range(k)]
    for c, kind in enumerate(('ham', 'spam')):
        for name in sorted(os.listdir(os.path.join(src, kind))):
            f = fold_of(name, k)
            counts[f][c] += 1
            for i in range(k):
                d = os.path.join(out, f'{k}-{i}', 'score' if i == f else 'learn', kind)
                os.makedirs(d, exist_ok=True)
                os.link(os.path.join(src, kind, name), os.path.join(d, name))
    return counts


def group_and_number(name):
    """'spam-1-00123.eml' -> ('spam-1', 123); None for another pattern."""
    stem = name.rsplit('.', 1)[0]
    head, _, num = stem.rpartition('-')
    return (head, int(num)) if head and num.isdigit() else None


def make_later(src, out):
    """OUT/later/{learn,score}/{ham,spam}: the upper half of each group's
    numbers scored, the lower half learned (ties of an odd count learned):
    inside the train split, mail that came later, as the test split is."""
    shutil.rmtree(out, ignore_errors=True)
    counts = {'learn': [0, 0], 'score': [0, 0]}
    for c, kind in enumerate(('ham', 'spam')):
        groups = {}
        for name in sorted(os.listdir(os.path.join(src, kind))):
            gn = group_and_number(name)
            if gn is None:
                raise InputError(f'{kind}/{name}: not GROUP-NUMBER.eml')
            groups.setdefault(gn[0], []).append((gn[1], name))
        for members in groups.values():
            members.sort()
            half = (len(members) + 1) // 2
            for i, (_, name) in enumerate(members):
                part = 'learn' if i < half else 'score'
                counts[part][c] += 1
                d = os.path.join(out, 'later', part, kind)
                os.makedirs(d, exist_ok=True)
                os.link(os.path.join(src, kind, name), os.path.join(d, name))
    return counts


def main(argv):
    try:
        if argv[:1] == ['--header']:
            print(header())
        elif argv[:1] == ['mamori-scores']:
            mamori_scores(sys.stdin, sys.stdout)
        elif argv[:1] == ['mamori-parts']:
            mamori_parts(sys.stdin, sys.stdout)
        elif argv[:1] == ['--at'] and len(argv) in (2, 3):
            t = float(argv[1])
            if len(argv) == 3 and argv[2] != '-':
                with open(argv[2], encoding='utf-8') as fh:
                    pairs = parse(fh)
            else:
                pairs = parse(sys.stdin)
            fp, rec = at_threshold(pairs, t)
            print(f'score >= {t:g}: ham FP {fp * 100:.3f} %, spam recall {rec:.3f}')
        elif argv[:1] == ['later'] and len(argv) == 3:
            for part, (h, sp) in make_later(argv[1], argv[2]).items():
                print(f'{part}: ham {h}, spam {sp}')
        elif argv[:1] == ['folds'] and len(argv) == 4:
            for i, (h, s) in enumerate(make_folds(int(argv[1]), argv[2], argv[3])):
                print(f'fold {i}: ham {h}, spam {s}')
        else:
            name = None
            if argv[:1] == ['--row'] and len(argv) >= 2:
                name, argv = argv[1], argv[2:]
            if len(argv) > 1 or (argv and argv[0].startswith('-') and argv[0] != '-'):
                print(__doc__, file=sys.stderr)
                return 2
            if argv and argv[0] != '-':
                with open(argv[0], encoding='utf-8') as fh:
                    pairs = parse(fh)
            else:
                pairs = parse(sys.stdin)
            fig = figures(pairs)
            print(row(name, fig) if name is not None else readable(fig))
    except (InputError, OSError, ValueError) as e:
        print(f'spam_metrics.py: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
