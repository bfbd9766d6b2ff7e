#!/usr/bin/env python3
"""The bec module's false-positive budget on ham, for bench/bec-fp.sh
(issue 17; stdlib only).  Reads `mamori scan --json` reports (JSON Lines)
on standard input.

Usage:
  bec_fp.py pick N CONF PICKS      reports of all ham (any configuration)
                                   -> CONF, a mamori configuration with the
                                   N most frequent recipient domains as
                                   bec.protected_domains and the N most
                                   frequent sender display names as bec.vip,
                                   and PICKS, the same as JSON with the counts
  bec_fp.py count SPLIT OUT [--evidence N]
                                   reports of one split's ham -> OUT (JSON):
                                   the messages, and per bec symbol how many
                                   got it; with --evidence N also the first N
                                   (by file name) of each budgeted symbol's
                                   messages, file name and options, and its
                                   N most frequent options with their counts
                                   (only ever asked for the train split)
  bec_fp.py report PICKS BUDGET EVIDENCE SPLIT.json... [-- STATEFUL.json...]
                                   the tables: protected domains and VIPs,
                                   per symbol count and % of ham per split
                                   and in total, PASS/FAIL of the budgeted
                                   symbols (at most BUDGET %), and up to
                                   EVIDENCE messages' options (and the
                                   EVIDENCE most frequent options) of each
                                   budgeted symbol that fired, from the
                                   splits that kept evidence; after --, the
                                   same splits scanned with a state
                                   directory (the correspondent history),
                                   a second table, budgeted alike

Recipient domains: the domain (after the last @, lower-cased) of every To
and Cc address, counted once per message.  Sender names: the From display
name, blanks collapsed, counted once per message, grouped case-insensitively
(the most frequent spelling is kept); a name that is empty, is an address,
or has no letter (bec.vip.name needs one) is skipped; each with the address
(lower-cased) it is used with most often.  Ties: the higher count, then
alphabetical order.
Exit status: 0, 2 on bad input.
"""
import collections
import json
import os
import re
import sys

SYMBOLS = ("IMPERSONATION_DISPLAY_NAME", "IMPERSONATION_DOMAIN", "THREAD_HIJACK",
           "BEC_PAYMENT_CHANGE", "FREEMAIL_FROM", "REPLYTO_MISMATCH", "FAKE_REPLY",
           "BEC_IMPERSONATION_PAYLOAD", "FIRST_CONTACT")
BUDGETED = SYMBOLS[:4]
ADDRESS = re.compile(r"^[<'\"]*[^\s@<>]+@[^\s@<>]+[>'\"]*$")
NAME_MAX = 256  # bytes, bec.vip.name


class InputError(Exception):
    pass


def reports(stream):
    for no, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            raise InputError(f"line {no}: not JSON: {e}") from None
        if not isinstance(r, dict) or not isinstance(r.get("message"), dict):
            raise InputError(f"line {no}: not a mamori report (no message)")
        yield r


def addrs(msg, field):
    v = msg.get(field) or []
    if not isinstance(v, list):
        raise InputError(f"message.{field} is not a list")
    return [a for a in v if isinstance(a, dict)]


def usable_name(name):
    """None when the display name is skipped, else its collapsed form."""
    name = " ".join(name.split())
    if not name or ADDRESS.match(name) or len(name.encode()) > NAME_MAX:
        return None
    if not any(c.isalpha() for c in name):
        return None
    return name


def top(counter, n):
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def conf_string(s):
    """A libconfig string literal."""
    out = []
    for c in s:
        if c in '\\"':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7f:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def pick(n, conf, picks_out):
    domains = collections.Counter()
    names = collections.Counter()  # key: casefolded name
    spellings = collections.defaultdict(collections.Counter)
    addresses = collections.defaultdict(collections.Counter)
    messages = skipped = 0
    for r in reports(sys.stdin):
        messages += 1
        msg = r["message"]
        doms = set()
        for a in addrs(msg, "to") + addrs(msg, "cc"):
            addr = str(a.get("address") or "")
            if "@" in addr:
                d = addr.rsplit("@", 1)[1].strip().strip(".").lower()
                if d:
                    doms.add(d)
        domains.update(doms)
        seen = set()
        for a in addrs(msg, "from"):
            addr = str(a.get("address") or "").strip().lower()
            name = usable_name(str(a.get("name") or ""))
            if name is None or "@" not in addr:
                skipped += 1
                continue
            key = name.casefold()
            if key in seen:
                continue
            seen.add(key)
            names[key] += 1
            spellings[key][name] += 1
            addresses[key][addr] += 1
    if messages == 0:
        raise InputError("no reports")
    pd = [{"domain": d, "messages": c} for d, c in top(domains, n)]
    vips = []
    for key, c in top(names, n):
        name = top(spellings[key], 1)[0][0]
        addr, ac = top(addresses[key], 1)[0]
        vips.append({"name": name, "address": addr, "messages": c, "with_address": ac})
    with open(conf, "w", encoding="utf-8") as f:
        f.write("# written by bench/bec_fp.py pick: the corpus ham's "
                f"{n} most frequent recipient domains and sender names\n")
        f.write("bec = {\n\tprotected_domains = [ ")
        f.write(", ".join(conf_string(p["domain"]) for p in pd))
        f.write(" ];\n\tvip = (\n")
        f.write(",\n".join(f"\t\t{{ name = {conf_string(v['name'])}; "
                           f"address = {conf_string(v['address'])}; }}" for v in vips))
        f.write("\n\t);\n};\n")
    with open(picks_out, "w", encoding="utf-8") as f:
        json.dump({"messages": messages, "from_skipped": skipped,
                   "protected_domains": pd, "vip": vips}, f, ensure_ascii=False, indent=1)
    print(f"{messages} messages, {len(domains)} recipient domains, {len(names)} sender names "
          f"({skipped} From entries without a usable name)")


def count(split, out, evidence):
    counts = {s: 0 for s in SYMBOLS}
    fired = collections.defaultdict(list)
    messages = 0
    for r in reports(sys.stdin):
        messages += 1
        syms = r.get("symbols")
        if not isinstance(syms, dict):
            raise InputError("a report without symbols")
        src = os.path.basename(str(r["message"].get("source") or "?"))
        for s in SYMBOLS:
            if s in syms:
                counts[s] += 1
                if evidence:
                    opts = syms[s].get("options") if isinstance(syms[s], dict) else None
                    fired[s].append((src, [str(o) for o in opts or []]))
    ev, distinct = {}, {}
    if evidence:
        for s in BUDGETED:
            ev[s] = [{"file": f, "options": o} for f, o in sorted(fired[s])[:evidence]]
            c = collections.Counter(o for _, opts in fired[s] for o in opts)
            distinct[s] = [{"option": o, "messages": n} for o, n in top(c, evidence)]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"split": split, "messages": messages, "counts": counts,
                   "evidence": ev if evidence else None,
                   "distinct": distinct if evidence else None}, f, ensure_ascii=False, indent=1)


def pct(c, n):
    return f"{100.0 * c / n:.2f} %" if n else "-"


def load_splits(paths, picks):
    splits = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            splits.append(json.load(f))
    total = sum(s["messages"] for s in splits)
    if total != picks["messages"]:
        raise InputError(f"{total} reports scored, {picks['messages']} picked from")
    return splits, total


def report(picks_path, budget, evidence, split_paths, stateful_paths):
    with open(picks_path, encoding="utf-8") as f:
        picks = json.load(f)
    print(f"Protected domains (the {len(picks['protected_domains'])} most frequent "
          "recipient domains of To and Cc, messages of all ham addressed there):")
    print()
    print("| domain | ham messages |")
    print("|---|---|")
    for p in picks["protected_domains"]:
        print(f"| {p['domain']} | {p['messages']} |")
    print()
    print(f"VIPs (the {len(picks['vip'])} most frequent From display names, each with the "
          "address it is most often used with):")
    print()
    print("| name | address | ham messages from the name | of them from the address |")
    print("|---|---|---|---|")
    for v in picks["vip"]:
        print(f"| {v['name']} | {v['address']} | {v['messages']} | {v['with_address']} |")
    verdicts = []
    runs = [("without a state directory", split_paths)]
    if stateful_paths:
        runs.append(("with a state directory (the history of the ham delivered before, "
                     "in file order, train first)", stateful_paths))
    for how, paths in runs:
        splits, total = load_splits(paths, picks)
        verdicts += table(splits, total, budget, evidence, how)
    print()
    for sym, verdict, t, total, how in verdicts:
        print(f"{verdict}: {sym} on {t} of {total} ham ({pct(t, total)}; budget {budget:g} %), "
              f"{how.split(' (')[0]}")


def table(splits, total, budget, evidence, how):
    print()
    head = " | ".join(f"{s['split']} ({s['messages']})" for s in splits)
    print(f"Ham messages with each symbol, {how} ({total} ham; budget: at most {budget:g} % "
          f"for {', '.join(BUDGETED)}):")
    print()
    print(f"| symbol | {head} | total ({total}) | budget |")
    print("|---|" + "---|" * len(splits) + "---|---|")
    verdicts = []
    for sym in SYMBOLS:
        cells = [f"{s['counts'][sym]} ({pct(s['counts'][sym], s['messages'])})" for s in splits]
        t = sum(s["counts"][sym] for s in splits)
        verdict = "—"
        if sym in BUDGETED:
            verdict = "PASS" if 100.0 * t / total <= budget else "FAIL"
            verdicts.append((sym, verdict, t, total, how))
        print(f"| {sym} | {' | '.join(cells)} | {t} ({pct(t, total)}) | {verdict} |")
    for sym, _, t, _, _ in verdicts:
        if not t:
            continue
        for s in splits:
            if s.get("evidence") is None:
                print(f"\n{sym}, {s['split']} split: {s['counts'][sym]} messages "
                      "(held out: counts only)")
                continue
            ev = s["evidence"].get(sym) or []
            if not ev:
                continue
            print(f"\n{sym}, {s['split']} split: {s['counts'][sym]} messages, "
                  f"the first {min(len(ev), evidence)} by file name:")
            for e in ev[:evidence]:
                print(f"  {e['file']}: {'; '.join(e['options']) or '(no option)'}")
            dist = (s.get("distinct") or {}).get(sym) or []
            if len(dist) > 1 or (dist and dist[0]["messages"] > 1):
                print(f"  the {len(dist)} most frequent options of the {s['split']} split, "
                      "with their messages:")
                for d in dist:
                    print(f"  {d['messages']:5d}  {d['option']}")
    return verdicts


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "pick":
            pick(int(argv[2]), argv[3], argv[4])
        elif len(argv) in (4, 6) and argv[1] == "count":
            evidence = 0
            if len(argv) == 6:
                if argv[4] != "--evidence":
                    raise InputError(f"unknown option {argv[4]}")
                evidence = int(argv[5])
            count(argv[2], argv[3], evidence)
        elif len(argv) >= 6 and argv[1] == "report":
            rest = argv[5:]
            cut = rest.index("--") if "--" in rest else len(rest)
            if cut == 0:
                raise InputError("report: no split before --")
            report(argv[2], float(argv[3]), int(argv[4]), rest[:cut], rest[cut + 1:])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (InputError, OSError, ValueError, KeyError) as e:
        print(f"bec_fp.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
