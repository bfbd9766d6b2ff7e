#!/usr/bin/env python3
"""Tune how the SpamAssassin rules and the classifier add up (issue 15), on
out-of-fold scores of the TRAIN split only (bench/spam-tune.sh writes them).

Input: "LABEL SCORE RULES BAYES OTHER" lines (spam_metrics.py mamori-parts):
a message's score split into the rules' symbols, the classifier's symbols
(BAYES_SPAM, BAYES_HAM) and every other symbol.  A candidate weighting
(a, b) scores a message a * RULES + b * BAYES + OTHER.

For every (a, b) of the grid: the ham FP rate and the spam recall at the
verdict threshold T (the shipped add_header threshold, 6), and the AUC.
The choice: the largest recall at T among the candidates whose FP rate at
T is at most FP_MAX (default 0.1 %), ties broken by the AUC, then by the
distance from (1, 1) (the scores as SpamAssassin and the classifier give
them).  With --fixed-b B only a is tuned.

Usage: spam_tune.py [--threshold T] [--fp-max F] [--fixed-b B] PARTS
Exit status: 0, 2 on bad input.
"""
import math
import sys

sys.path.insert(0, __import__('os').path.dirname(__file__))
import spam_metrics as sm  # noqa: E402

A_GRID = [round(0.4 + 0.05 * i, 2) for i in range(33)]   # 0.40 .. 2.00
B_GRID = [round(0.0 + 0.1 * i, 2) for i in range(21)]    # 0.0 .. 2.0


def read_parts(path):
    rows = []
    with open(path, encoding='utf-8') as fh:
        for n, line in enumerate(fh, 1):
            f = line.split()
            if not f:
                continue
            if len(f) != 5 or f[0] not in ('ham', 'spam'):
                raise sm.InputError(f'{path}:{n}: want "LABEL SCORE RULES BAYES OTHER"')
            v = [float(x) for x in f[1:]]
            if any(math.isnan(x) for x in v):
                raise sm.InputError(f'{path}:{n}: NaN')
            rows.append((f[0], v[1], v[2], v[3]))
    if not rows:
        raise sm.InputError(f'{path}: no lines')
    return rows


def evaluate(rows, a, b, t):
    pairs = [(lab, a * r + b * y + o) for lab, r, y, o in rows]
    fp, rec = sm.at_threshold(pairs, t)
    fig = sm.figures(pairs)
    return fp, rec, fig


def main(argv):
    t, fp_max, fixed_b, path = 6.0, 0.001, None, None
    i = 0
    try:
        while i < len(argv):
            if argv[i] == '--threshold':
                t = float(argv[i + 1]); i += 2
            elif argv[i] == '--fp-max':
                fp_max = float(argv[i + 1]); i += 2
            elif argv[i] == '--fixed-b':
                fixed_b = float(argv[i + 1]); i += 2
            elif path is None and not argv[i].startswith('-'):
                path = argv[i]; i += 1
            else:
                raise IndexError
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    if path is None:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        rows = read_parts(path)
        best = None
        for a in A_GRID:
            for b in ([fixed_b] if fixed_b is not None else B_GRID):
                fp, rec, fig = evaluate(rows, a, b, t)
                if fp > fp_max:
                    continue
                key = (rec, fig['auc'], -math.hypot(a - 1, b - 1))
                if best is None or key > best[0]:
                    best = (key, a, b, fp, rec, fig)
        base = evaluate(rows, 1.0, 1.0 if fixed_b is None else fixed_b, t)
    except sm.InputError as e:
        print(f'spam_tune.py: {e}', file=sys.stderr)
        return 2
    nh = sum(1 for r in rows if r[0] == 'ham')
    ns = len(rows) - nh
    print(f'{path}: {nh} ham, {ns} spam (out-of-fold, train split); threshold {t:g}, '
          f'FP at most {fp_max * 100:g} %')
    fp, rec, fig = base[0], base[1], base[2]
    print(f'as given (a 1, b {1.0 if fixed_b is None else fixed_b:g}): FP {fp * 100:.3f} %, '
          f'recall {rec:.3f} at {t:g}; AUC {fig["auc"]:.4f}, recall at FP 0.1 % '
          f'{fig["recall"][0][0]:.3f}')
    if best is None:
        print('no weighting keeps the FP rate at the threshold within the bound')
        return 1
    _, a, b, fp, rec, fig = best
    print(f'chosen: rules x {a:g}, classifier x {b:g}: FP {fp * 100:.3f} %, recall {rec:.3f} '
          f'at {t:g}; AUC {fig["auc"]:.4f}, recall at FP 0.1 % {fig["recall"][0][0]:.3f}, '
          f'0.5 % {fig["recall"][1][0]:.3f}, 1 % {fig["recall"][2][0]:.3f}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
