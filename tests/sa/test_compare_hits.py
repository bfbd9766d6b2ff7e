#!/usr/bin/env python3
"""compare_hits.py on hand-made cases (no SpamAssassin, no corpus): which
rules are compared, the pooled and per-rule gates, the known differences'
budgets and directions, and the inputs it must refuse."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_hits  # noqa: E402

RULES = [
    # name type kind fn tflags score active file
    ('A_HDR', 'header', 'regex', '-', '-', '1', '1'),
    ('B_BODY', 'body', 'regex', '-', 'multiple', '0.5', '1'),
    ('__SUB', 'body', 'regex', '-', '-', '1', '1'),
    ('M_META', 'meta', 'meta', '-', '-', '2', '1'),
    ('RBL_X', 'header', 'rbl_eval', 'check_rbl', 'net', '1', '1'),
    ('URIBL_X', 'body', 'eval', 'check_uridnsbl', 'net', '0', '0'),
    ('BAYES_99', 'body', 'eval', 'check_bayes', 'learn', '3.5', '1'),
    ('OFF_RULE', 'header', 'regex', '-', '-', '0', '0'),
    ('NEVER', 'header', 'regex', '-', '-', '1', '1'),
]


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        self.rules = self.write('rules.tsv', ''.join('\t'.join(r + ('x.cf',)) + '\n' for r in RULES))
        self.files = [os.path.join(self.d, f'msg{i:03d}.eml') for i in range(100)]

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        p = os.path.join(self.d, name)
        with open(p, 'w', encoding='utf-8') as f:
            f.write(text)
        return p

    def sa_lines(self, hits_of):
        return ''.join(json.dumps({'file': f, 'hits': hits_of(i)}) + '\n'
                       for i, f in enumerate(self.files))

    def mamori_lines(self, hits_of, spam_set=0):
        return ''.join(json.dumps({'action': 'accept', 'score': 0, 'message': {'source': f},
                                   'spam': {'set': spam_set, 'hits': hits_of(i)}}) + '\n'
                       for i, f in enumerate(self.files))

    def run_cmp(self, sa_hits, m_hits, *extra, mamori_format=True, spam_set=0):
        sa = self.write('sa.jsonl', self.sa_lines(sa_hits))
        m = self.write('m.jsonl', self.mamori_lines(m_hits, spam_set) if mamori_format
                       else self.sa_lines(m_hits))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = compare_hits.main([sa, m, '--sa-rules', self.rules, *extra])
        return rc, out.getvalue() + err.getvalue()


def base(i):
    """What SpamAssassin fires on message i."""
    h = {}
    if i % 2 == 0:
        h['A_HDR'] = 1
    if i % 5 == 0:
        h['B_BODY'] = 3
        h['__SUB'] = 1
    if i % 10 == 0:
        h['M_META'] = 1
        h['RBL_X'] = 1     # a network rule: never compared
        h['BAYES_99'] = 1  # Bayes: never compared
    return h


class Compare(Case):
    def test_identical(self):
        rc, out = self.run_cmp(base, base)
        self.assertEqual(rc, 0, out)
        # fired anywhere and comparable: A_HDR B_BODY __SUB M_META
        self.assertIn('rules compared: 4 ', out)
        self.assertIn('pairs (rule, message): 400, disagreeing 0, of which counted 0', out)
        self.assertIn('agreement: 100.000 %', out)
        self.assertTrue(out.rstrip().endswith('PASS'))

    def test_sa_format_on_both_sides(self):
        rc, out = self.run_cmp(base, base, mamori_format=False)
        self.assertEqual(rc, 0, out)

    def test_excluded_rules_do_not_count(self):
        def m(i):
            h = dict(base(i))
            h.pop('RBL_X', None)
            h.pop('BAYES_99', None)
            return h
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 0, out)
        self.assertIn('not compared: 2 network (tflags net)', out)
        self.assertIn('not compared: 1 Bayes', out)

    def test_disabled_rule_fired_by_mamori_is_warned(self):
        def m(i):
            return dict(base(i), OFF_RULE=1) if i == 3 else base(i)
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 0, out)
        self.assertIn('WARNING: mamori fires rules SpamAssassin disables (zero score): OFF_RULE 1', out)

    def test_one_rule_dropped_fails_per_rule_not_pooled(self):
        def m(i):
            h = dict(base(i))
            h.pop('A_HDR', None)
            return h
        # 50 of 400 pairs: pooled 87.5 %
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 1, out)
        self.assertIn('agreement: 87.500 %', out)
        self.assertIn('A_HDR header regex: 0 / 50 / 0; sa: msg000.eml msg002.eml msg004.eml', out)
        self.assertIn('A_HDR(50/100)', out)
        # pooled alone would pass at 0.8; the per-rule gate still fails
        rc, out = self.run_cmp(base, m, '--threshold', '0.8', '--rule-threshold', '0.9')
        self.assertEqual(rc, 1, out)
        self.assertNotIn('agreement 87.500 % <', out)
        rc, out = self.run_cmp(base, m, '--threshold', '0.8', '--rule-threshold', '0.5')
        self.assertEqual(rc, 0, out)

    def test_per_rule_threshold_boundary(self):
        def m(i):  # one message of 100: exactly 99 % for A_HDR
            h = dict(base(i))
            if i == 0:
                h.pop('A_HDR')
            return h
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 0, out)

        def m2(i):  # two: 98 %
            h = dict(base(i))
            if i in (0, 2):
                h.pop('A_HDR')
            return h
        rc, out = self.run_cmp(base, m2)
        self.assertEqual(rc, 1, out)
        self.assertIn('A_HDR(98/100)', out)

    def test_mamori_extra_hits(self):
        def m(i):
            return dict(base(i), M_META=1) if i < 10 else base(i)
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 1, out)
        self.assertIn('M_META meta meta: 10 / 0 / 9; mamori: msg001.eml msg002.eml msg003.eml', out)

    def test_counts_reported_not_gated(self):
        def m(i):
            h = dict(base(i))
            if 'B_BODY' in h:
                h['B_BODY'] = 1
            return h
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 0, out)
        self.assertIn('both fired, counts differ (not gated): 20 pairs: B_BODY 20', out)

    def test_rules_list_restricts_and_keeps_never_fired(self):
        names = self.write('loaded.txt', '# mamori\nA_HDR\nNEVER\nM_META\nMAMORI_OWN\n')

        def m(i):
            h = dict(base(i))
            h.pop('B_BODY', None)  # not loaded by mamori: not compared
            return h
        rc, out = self.run_cmp(base, m, '--rules', names)
        self.assertEqual(rc, 0, out)
        self.assertIn('rules compared: 3 ', out)  # A_HDR M_META NEVER
        self.assertIn('pairs (rule, message): 300,', out)
        self.assertIn('not compared: 2 not loaded by mamori', out)

    def test_without_rules_list_unsupported_rule_counts(self):
        def m(i):
            h = dict(base(i))
            h.pop('__SUB', None)
            return h
        rc, out = self.run_cmp(base, m)
        self.assertEqual(rc, 1, out)
        self.assertIn('__SUB(80/100)', out)


class Known(Case):
    def drop_a(self, n):
        def m(i):
            h = dict(base(i))
            if i < 2 * n:
                h.pop('A_HDR', None)
            return h
        return m

    def test_within_budget_is_excused(self):
        known = self.write('k.tsv', '# c\nA_*\tsa\t5\tfolded Subject read differently\n')
        rc, out = self.run_cmp(base, self.drop_a(5), '--known', known)
        self.assertEqual(rc, 0, out)
        self.assertIn('disagreeing 5, of which counted 0', out)
        self.assertIn('A_* sa: 5 / 5; folded Subject read differently', out)
        self.assertIn('without the known differences 98.750 %', out)

    def test_grown_counts_all(self):
        known = self.write('k.tsv', 'A_HDR\tsa\t5\tcause\n')
        rc, out = self.run_cmp(base, self.drop_a(6), '--known', known)
        self.assertEqual(rc, 1, out)
        self.assertIn('disagreeing 6, of which counted 6', out)
        self.assertIn('A_HDR sa: 6 / 5; cause  GROWN', out)
        self.assertIn('A_HDR(94/100)', out)
        # --strict-known fails on growth even when the agreement holds
        rc, out = self.run_cmp(base, self.drop_a(6), '--known', known, '--threshold', '0.9',
                               '--strict-known')
        self.assertEqual(rc, 1, out)
        self.assertIn('known differences grown: A_HDR', out)

    def test_direction_is_kept(self):
        known = self.write('k.tsv', 'A_HDR\tmamori\t50\tcause\n')
        rc, out = self.run_cmp(base, self.drop_a(5), '--known', known)
        self.assertEqual(rc, 1, out)
        self.assertIn('disagreeing 5, of which counted 5', out)
        self.assertIn('STALE: matches nothing', out)

    def test_stale_budget(self):
        known = self.write('k.tsv', 'A_HDR\tany\t40\tcause\n')
        rc, out = self.run_cmp(base, self.drop_a(3), '--known', known)
        self.assertEqual(rc, 0, out)
        self.assertIn('A_HDR any: 3 / 40; cause  stale: lower MAX to 3', out)

    def test_bad_known_file(self):
        for text in ('A_HDR\tsa\t0\tcause\n', 'A_HDR\tboth\t3\tcause\n', 'A_HDR\tsa\t3\n',
                     'A_HDR\tsa\t3\t \n'):
            known = self.write('k.tsv', text)
            rc, out = self.run_cmp(base, base, '--known', known)
            self.assertEqual(rc, 2, (text, out))


class BadInput(Case):
    def test_missing_message(self):
        sa = self.write('sa.jsonl', self.sa_lines(base))
        m = self.write('m.jsonl', ''.join(self.mamori_lines(base).splitlines(True)[:-1]))
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = compare_hits.main([sa, m, '--sa-rules', self.rules])
        self.assertEqual(rc, 2)
        self.assertIn('1 only in SpamAssassin', err.getvalue())

    def test_report_without_spam_section(self):
        sa = self.write('sa.jsonl', self.sa_lines(base))
        m = self.write('m.jsonl', json.dumps({'message': {'source': self.files[0]}, 'score': 0}) + '\n')
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = compare_hits.main([sa, m, '--sa-rules', self.rules])
        self.assertEqual(rc, 2)
        self.assertIn('no "spam"', err.getvalue())

    def test_other_score_set(self):
        rc, out = self.run_cmp(base, base, spam_set=1)
        self.assertEqual(rc, 2, out)
        self.assertIn('score set(s) [1]', out)

    def test_duplicate_and_bad_count(self):
        sa = self.write('sa.jsonl', self.sa_lines(base) + self.sa_lines(base)[:1000].splitlines(True)[0])
        m = self.write('m.jsonl', self.mamori_lines(base))
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = compare_hits.main([sa, m, '--sa-rules', self.rules])
        self.assertEqual(rc, 2)
        self.assertIn('reported twice', err.getvalue())
        rc, out = self.run_cmp(base, lambda i: {'A_HDR': 'yes'})
        self.assertEqual(rc, 2, out)

    def test_deadline_exceeded_left_out(self):
        lines = self.sa_lines(base).splitlines(True)
        r = json.loads(lines[0])
        r['deadline_exceeded'] = True
        r['hits'] = {}
        lines[0] = json.dumps(r) + '\n'
        sa = self.write('sa.jsonl', ''.join(lines))
        m = self.write('m.jsonl', self.mamori_lines(base))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = compare_hits.main([sa, m, '--sa-rules', self.rules])
        self.assertEqual(rc, 0, out.getvalue())
        self.assertIn('messages: 99', out.getvalue())
        self.assertIn('deadline exceeded: left out', err.getvalue())


if __name__ == '__main__':
    unittest.main()
