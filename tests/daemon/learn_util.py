"""learn_util.py - what the classifier's daemon tests share (learn_*.py):
Japanese training sets (tests/support/make_ja_mail.py), the mamori
command line run as the daemon's user, `mamori serve` with a token and a
state directory, and a scan's "bayes" section.  Loopback only.

As root (CI containers) the server runs as nobody (daemon_util.Serve),
so the state directory is nobody's and every command that opens the
store (learn, scan --state, quarantine, qput) runs as nobody too: a file
of the store created by root would stop the server."""
import glob
import json
import os
import subprocess
import sys

from daemon_util import Serve, fail

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_JA = os.path.join(HERE, "..", "support", "make_ja_mail.py")
TOKEN = "learn-test-token-0123456789"
AUTH = {"Authorization": "Bearer " + TOKEN}
NOBODY = 65534


def as_nobody():
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def give_to_nobody(path):
    """As root: path and everything below it to nobody."""
    if os.geteuid() != 0:
        return
    for root, dirs, names in os.walk(path):
        for n in [root] + [os.path.join(root, x) for x in dirs + names]:
            os.chown(n, NOBODY, NOBODY)


def run(cmd, ok=(0,), **kw):
    """cmd (as nobody when root): its CompletedProcess (text); exits the
    test when its status is not in ok."""
    p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=as_nobody,
                       timeout=kw.pop("timeout", 300), **kw)
    if ok is not None and p.returncode not in ok:
        sys.exit("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def make_ja(out, seed, spam, ham):
    """Japanese spam and ham (out/spam/NNN.eml, out/ham/NNN.eml): the sorted
    paths of each, (spam, ham)."""
    subprocess.run([sys.executable, MAKE_JA, out, "--seed", str(seed), "--spam",
                    str(spam), "--ham", str(ham)], check=True)
    return (sorted(glob.glob(os.path.join(out, "spam", "*.eml"))),
            sorted(glob.glob(os.path.join(out, "ham", "*.eml"))))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def new_state(work, name="state"):
    d = os.path.join(work, name)
    os.makedirs(d)
    give_to_nobody(d)
    return d


def write_conf(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def conf_text(bayes="min_learned = 20; refresh_s = 1;", http='max_body = "64K";',
              token=True, extra=""):
    return ('http = { %s%s };\nbayes = { %s };\n%s'
            % (http, (' token = "%s";' % TOKEN) if token else "", bayes, extra))


class Server(Serve):
    """mamori serve with 4 scan threads."""

    def __init__(self, mamori, config, state, log):
        super().__init__(mamori, config, state, log, threads=4)

    def scan(self, data):
        """The report of POST /scan (None and a failure if not 200 JSON)."""
        st, _, body = self.request("POST", "/scan", body=data)
        if st != 200:
            fail("POST /scan: status %d: %r" % (st, body[:200]))
            return None
        return json.loads(body)

    def learn(self, cls, data, forget=False, headers=AUTH):
        """(status, JSON body or None) of POST /learn/cls."""
        st, hdrs, body = self.request("POST", "/learn/%s%s" % (cls, "?forget=1" if forget
                                                                else ""),
                                      body=data, headers=headers)
        try:
            j = json.loads(body)
        except ValueError:
            j = None
        if hdrs.get("Content-Type") != "application/json":
            fail("POST /learn/%s: Content-Type %r" % (cls, hdrs.get("Content-Type")))
        return st, j


def bayes(rep):
    return (rep or {}).get("bayes", {})


def learned(rep):
    """The model's counts a report shows: (spam, ham)."""
    lr = bayes(rep).get("learned", {})
    return lr.get("spam", 0), lr.get("ham", 0)


def has(rep, sym):
    return sym in (rep or {}).get("symbols", {})


def sanitizer_clean(*logs):
    for path in logs:
        with open(path, errors="replace") as f:
            text = f.read()
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if bad in text:
                fail("sanitizer report in %s: %s" % (path, bad))
