#!/usr/bin/env python3
"""Hand-computed cases for bench/spam_metrics.py (ctest bench.metrics; or by
hand: python3 bench/test_spam_metrics.py).  No corpus needed."""
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import spam_metrics as sm  # noqa: E402


class Auc(unittest.TestCase):
    def test_separated(self):
        self.assertEqual(sm.auc([0, 1, 2], [3, 4]), 1.0)
        self.assertEqual(sm.auc([3, 4], [0, 1, 2]), 0.0)

    def test_all_tied_is_half(self):
        self.assertEqual(sm.auc([1, 1, 1], [1, 1]), 0.5)

    def test_hand_computed_with_a_tie(self):
        # spam 2 beats ham 0 and 1, ties ham 2 (1/2), loses to 3: 2.5;
        # spam 4 and 5 beat all four: 4 + 4.  (2.5 + 8) / 12
        self.assertAlmostEqual(sm.auc([0, 1, 2, 3], [2, 4, 5]), 10.5 / 12)

    def test_ties_across_several_values(self):
        # ham 1 1 2, spam 1 2 2: spam 1 -> 0.5+0.5+0 = 1; each spam 2 -> 1+1+0.5
        self.assertAlmostEqual(sm.auc([1, 1, 2], [1, 2, 2]), (1 + 2.5 + 2.5) / 9)

    def test_needs_both_classes(self):
        with self.assertRaises(sm.InputError):
            sm.auc([], [1])


class Recall(unittest.TestCase):
    def test_k_zero_means_above_the_highest_ham(self):
        r, k, bar = sm.recall_at_fp([0, 1, 2, 3], [2, 4, 5], 0.001)
        self.assertEqual((k, bar), (0, 3))
        self.assertAlmostEqual(r, 2 / 3)

    def test_spam_tied_with_the_bar_ham_is_not_caught(self):
        # k = 1: bar = second highest ham = 2; the spam at 2 is not caught
        r, k, bar = sm.recall_at_fp([0, 1, 2, 3], [2, 4, 5], 0.25)
        self.assertEqual((k, bar), (1, 2))
        self.assertAlmostEqual(r, 2 / 3)
        r, k, bar = sm.recall_at_fp([0, 1, 2, 3], [2, 4, 5], 0.5)
        self.assertEqual((k, bar, r), (2, 1, 1.0))

    def test_ham_tied_at_the_threshold_counts_as_fp(self):
        # k = 1 but two ham score 1: a threshold of 1 would flag 2 ham, so
        # the spam at 1 is not caught.
        r, k, bar = sm.recall_at_fp([1, 1, 0], [1], 0.34)
        self.assertEqual((k, bar, r), (1, 1, 0.0))

    def test_thousand_ham(self):
        ham = list(range(1000))
        spam = [999.5, 998.5, 995, 990.5, 989]
        fig = sm.figures([('ham', s) for s in ham] + [('spam', s) for s in spam])
        # k = 1, 5, 10: bars 998, 994, 989
        self.assertEqual([(k, bar) for _, k, bar in fig['recall']],
                         [(1, 998), (5, 994), (10, 989)])
        self.assertEqual([r for r, _, _ in fig['recall']], [0.4, 0.6, 0.8])
        self.assertEqual((fig['ham'], fig['spam']), (1000, 5))

    def test_k_from_the_issue(self):
        # 1,525 ham: 0.1 % is one message, 0.5 % seven, 1 % fifteen
        fig = sm.figures([('ham', float(i)) for i in range(1525)] + [('spam', 2000.0)])
        self.assertEqual([k for _, k, _ in fig['recall']], [1, 7, 15])

    def test_no_bar_when_k_covers_all_ham(self):
        self.assertEqual(sm.recall_at_fp([5], [0], 1.0), (1.0, 1, None))


class Io(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(sm.parse(['ham 1', '', 'spam -2.5e1\n']),
                         [('ham', 1.0), ('spam', -25.0)])
        for bad in ('junk 1', 'ham', 'ham x', 'ham 1 2', 'spam nan'):
            with self.assertRaises(sm.InputError, msg=bad):
                sm.parse([bad])

    def test_row_and_header(self):
        fig = sm.figures([('ham', 0), ('ham', 1), ('ham', 2), ('ham', 3),
                          ('spam', 2), ('spam', 4), ('spam', 5)])
        self.assertEqual(sm.row('x', fig), '| x | 0.8750 | 0.667 | 0.667 | 0.667 |')
        self.assertEqual(sm.header().splitlines()[1], '|---|---|---|---|---|')

    def test_cli(self):
        p = subprocess.run([sys.executable, os.path.join(HERE, 'spam_metrics.py'), '--row', 'sys'],
                           input='ham 0\nham 1\nspam 1\nspam 2\n', capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        # spam 1: 1 + 0.5, spam 2: 2 -> 3.5 / 4; k = 0, bar = 1: one spam of two
        self.assertEqual(p.stdout, '| sys | 0.8750 | 0.500 | 0.500 | 0.500 |\n')
        p = subprocess.run([sys.executable, os.path.join(HERE, 'spam_metrics.py')],
                           input='ham 0\nspam x\n', capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('line 2', p.stderr)

    def test_mamori_scores(self):
        reps = [{'score': 3.5, 'message': {'source': 'c/test/ham/a.eml'}},
                {'source': '/x/spam/b.eml', 'score': 12},
                {'score': -1.25, 'message': {'source': 'c/spam/ham/m.mbox#2'}}]
        out = io.StringIO()
        n = sm.mamori_scores(io.StringIO('\n'.join(json.dumps(r) for r in reps) + '\n'), out)
        self.assertEqual(n, 3)
        self.assertEqual(out.getvalue(), 'ham 3.5\nspam 12\nham -1.25\n')
        for bad in ({'message': {'source': 'a/ham/x'}},                 # no score
                    {'score': True, 'message': {'source': 'a/ham/x'}},  # not a number
                    {'score': 1, 'message': {'source': 'a/other/x'}},   # no label
                    {'score': 1}):                                       # no source
            with self.assertRaises(sm.InputError, msg=bad):
                sm.mamori_scores(io.StringIO(json.dumps(bad)), io.StringIO())

    def test_folds(self):
        with tempfile.TemporaryDirectory() as t:
            src = os.path.join(t, 'src')
            names = {'ham': [f'h{i}.eml' for i in range(40)], 'spam': [f's{i}.eml' for i in range(20)]}
            for kind, files in names.items():
                os.makedirs(os.path.join(src, kind))
                for f in files:
                    with open(os.path.join(src, kind, f), 'w') as fh:
                        fh.write(f)
            counts = sm.make_folds(4, src, os.path.join(t, 'out'))
            self.assertEqual(sum(h for h, _ in counts), 40)
            self.assertEqual(sum(s for _, s in counts), 20)
            scored = {}
            for i in range(4):
                for kind, files in names.items():
                    d = os.path.join(t, 'out', f'4-{i}')
                    sc = set(os.listdir(os.path.join(d, 'score', kind))) \
                        if os.path.isdir(os.path.join(d, 'score', kind)) else set()
                    le = set(os.listdir(os.path.join(d, 'learn', kind)))
                    self.assertEqual(sc | le, set(files))  # every file, once
                    self.assertFalse(sc & le)
                    for f in sc:
                        self.assertNotIn(f, scored)
                        scored[f] = i
                        self.assertEqual(sm.fold_of(f, 4), i)
            self.assertEqual(len(scored), 60)  # each file scored in exactly one fold
            # deterministic: the fold of a name does not depend on the run
            self.assertEqual(sm.fold_of('spam-1-00001.eml', 5), sm.fold_of('spam-1-00001.eml', 5))
            self.assertEqual(sm.fold_of('h0.eml', 4),
                             int.from_bytes(__import__('hashlib').sha256(b'h0.eml').digest()[:8], 'big') % 4)

    def test_later(self):
        with tempfile.TemporaryDirectory() as t:
            src = os.path.join(t, 'src')
            names = {'ham': ['easy-ham-1-00003.eml', 'easy-ham-1-00010.eml',
                             'easy-ham-1-00002.eml', 'hard-ham-1-00005.eml',
                             'hard-ham-1-00001.eml'],
                     'spam': ['spam-1-00020.eml', 'spam-1-00004.eml']}
            for kind, files in names.items():
                os.makedirs(os.path.join(src, kind))
                for f in files:
                    with open(os.path.join(src, kind, f), 'w') as fh:
                        fh.write(f)
            counts = sm.make_later(src, os.path.join(t, 'out'))
            self.assertEqual(counts, {'learn': [3, 1], 'score': [2, 1]})
            d = os.path.join(t, 'out', 'later')
            ls = lambda *p: sorted(os.listdir(os.path.join(d, *p)))  # noqa: E731
            # by number within each group, not by name order across groups;
            # an odd group learns its middle one
            self.assertEqual(ls('learn', 'ham'), ['easy-ham-1-00002.eml', 'easy-ham-1-00003.eml',
                                                  'hard-ham-1-00001.eml'])
            self.assertEqual(ls('score', 'ham'), ['easy-ham-1-00010.eml', 'hard-ham-1-00005.eml'])
            self.assertEqual(ls('learn', 'spam'), ['spam-1-00004.eml'])
            self.assertEqual(ls('score', 'spam'), ['spam-1-00020.eml'])
            os.rename(os.path.join(src, 'ham', 'easy-ham-1-00002.eml'),
                      os.path.join(src, 'ham', 'oddly-named.eml'))
            with self.assertRaises(sm.InputError):
                sm.make_later(src, os.path.join(t, 'out2'))


class Parts(unittest.TestCase):
    def test_split_by_origin(self):
        rep = {'source': '/x/spam/1.eml', 'score': 9.5,
               'symbols': {'FREE_RULE': {'score': 2.0, 'options': []},
                           'SA_MISSING_FROM': {'score': 1.0, 'options': []},
                           'BAYES_SPAM': {'score': 5.5, 'options': ['0.99']},
                           'DKIM_PASS': {'score': -0.5, 'options': []},
                           'HTML_ONLY': {'score': 1.5, 'options': []}},
               'spam': {'hits': {'FREE_RULE': 1, 'MISSING_FROM': 1, '__SUB': 3}}}
        self.assertEqual(sm.report_parts(rep), (3.0, 5.5, 1.0))
        out = io.StringIO()
        self.assertEqual(sm.mamori_parts(io.StringIO(json.dumps(rep) + '\n'), out), 1)
        self.assertEqual(out.getvalue(), 'spam 9.5 3.0 5.5 1.0\n')

    def test_without_spam_section(self):
        rep = {'score': 1, 'symbols': {'X': {'score': 1}}}
        self.assertEqual(sm.report_parts(rep), (0.0, 0.0, 1.0))


class AtThreshold(unittest.TestCase):
    def test_inclusive(self):
        pairs = [('ham', 1), ('ham', 6), ('ham', 2), ('ham', 0),
                 ('spam', 6), ('spam', 5.9), ('spam', 10)]
        self.assertEqual(sm.at_threshold(pairs, 6), (0.25, 2 / 3))
        with self.assertRaises(sm.InputError):
            sm.at_threshold([('ham', 1)], 6)


if __name__ == '__main__':
    unittest.main(verbosity=1)
