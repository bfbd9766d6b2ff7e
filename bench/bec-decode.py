#!/usr/bin/env python3
"""bec-decode.py SRC_DIR DST_DIR - the bodies bench_bec reads: for each SRC_DIR/NAME.eml,
DST_DIR/NAME.txt (its text/plain and text/html parts decoded by Python's email
package, HTML tags stripped, joined) and DST_DIR/NAME.norm (that text in
content_norm()'s shape: NFKC per line, blank runs one space, lines trimmed,
empty lines dropped).  DST_DIR belongs outside git (/tmp)."""
import email, email.policy, os, re, sys, unicodedata, html

src, dst = sys.argv[1], sys.argv[2]
def norm(t):
    out = []
    for line in t.split('\n'):
        line = unicodedata.normalize('NFKC', line)
        line = re.sub(r'[ \t\r\f\v\u3000\u00a0]+', ' ', line).strip()
        if line:
            out.append(line)
    return '\n'.join(out)
n = 0
for f in sorted(os.listdir(src)):
    raw = open(os.path.join(src, f), 'rb').read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    texts = []
    for part in m.walk():
        ct = part.get_content_type()
        if ct not in ('text/plain', 'text/html') or part.is_attachment():
            continue
        try:
            t = part.get_content()
        except Exception:
            p = part.get_payload(decode=True) or b''
            t = p.decode('latin-1')
        if ct == 'text/html':
            t = re.sub(r'(?is)<(script|style).*?</\1>', ' ', t)
            t = re.sub(r'(?i)<br\s*/?>|</p>|</div>|</tr>', '\n', t)
            t = html.unescape(re.sub(r'<[^>]*>', '', t))
        texts.append(t)
    body = '\n'.join(texts)
    base = os.path.join(dst, f[:-4])
    open(base + '.txt', 'w', encoding='utf-8', errors='replace').write(body)
    open(base + '.norm', 'w', encoding='utf-8', errors='replace').write(norm(body))
    n += 1
print(n, 'messages')
