#!/usr/bin/python3
"""offcrypto_seed.py - turn an Agile-encrypted OOXML file into one whose
password key encryptor uses a small spinCount, for the offcrypto fuzz
seed corpus (fuzz/corpus/offcrypto/): the fuzz target tries its passwords
with a spinCount bound of 1000, so a seed with the usual 100000 would
never be opened.

The package key (and so EncryptedPackage and the dataIntegrity HMAC) stays
as it is; the verifier input, its hash and the package key are decrypted
with the old password-derived keys and encrypted again with keys derived
with the new spinCount, written zero-padded to the old attribute's length
("001000") so that the EncryptionInfo stream keeps its size and olefile
can write it in place.

usage: offcrypto_seed.py IN OUT PASSWORD SPINCOUNT   (Debian's python3:
python3-olefile, python3-cryptography)
"""
import base64
import hashlib
import re
import shutil
import sys

import olefile
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BK_VHI = bytes.fromhex("fea7d2763b4b9e79")
BK_VHV = bytes.fromhex("d7aa0f6d3061344e")
BK_KEY = bytes.fromhex("146e0be7abacd0d6")


def attrs(xml, element):
    m = re.search(r"<(?:\w+:)?%s\b([^>]*)>" % element, xml)
    return dict(re.findall(r'(\w+)="([^"]*)"', m.group(1))), m.span(1)


def key_of(h, hash_name, block_key, bits):
    d = hashlib.new(hash_name, h + block_key).digest()
    n = bits // 8
    return (d + b"\x36" * n)[:n]


def spin(password, salt, hash_name, count):
    h = hashlib.new(hash_name, salt + password.encode("utf-16-le")).digest()
    for i in range(count):
        h = hashlib.new(hash_name, i.to_bytes(4, "little") + h).digest()
    return h


def aes(key, iv, data, enc):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = c.encryptor() if enc else c.decryptor()
    return op.update(data) + op.finalize()


def main():
    src, dst, password, new_spin = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ole = olefile.OleFileIO(src)
    info = ole.openstream("EncryptionInfo").read()
    ole.close()
    head, xml = info[:8], info[8:].decode("utf-8")
    a, (start, end) = attrs(xml, "encryptedKey")
    hname = a["hashAlgorithm"].lower().replace("-", "")
    bits = int(a["keyBits"])
    salt = base64.b64decode(a["saltValue"])
    iv = salt[:16]
    old = spin(password, salt, hname, int(a["spinCount"]))
    new = spin(password, salt, hname, new_spin)
    body = xml[start:end]
    for name, bk in (("encryptedVerifierHashInput", BK_VHI),
                     ("encryptedVerifierHashValue", BK_VHV),
                     ("encryptedKeyValue", BK_KEY)):
        plain = aes(key_of(old, hname, bk, bits), iv, base64.b64decode(a[name]), False)
        again = base64.b64encode(aes(key_of(new, hname, bk, bits), iv, plain, True)).decode()
        body = body.replace('%s="%s"' % (name, a[name]), '%s="%s"' % (name, again))
    width = len(a["spinCount"])
    if len(str(new_spin)) > width:
        sys.exit("offcrypto_seed.py: the new spinCount is longer than the old one")
    body = body.replace('spinCount="%s"' % a["spinCount"],
                        'spinCount="%s"' % str(new_spin).zfill(width))
    out = head + (xml[:start] + body + xml[end:]).encode("utf-8")
    assert len(out) == len(info)
    shutil.copyfile(src, dst)
    ole = olefile.OleFileIO(dst, write_mode=True)
    ole.write_stream("EncryptionInfo", out)
    ole.close()


if __name__ == "__main__":
    main()
