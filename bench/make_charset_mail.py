#!/usr/bin/env python3
"""make_charset_mail.py - Japanese mail in ISO-2022-JP, Shift_JIS and EUC-JP
for bench/charset.sh, written with Python's own codecs.

Each message is what a Japanese mailer sends: From, To and Subject as
RFC 2047 encoded-words in the message's charset, a text/plain body in that
charset (8bit for Shift_JIS and EUC-JP, 7bit for ISO-2022-JP), and a text
attachment whose file name is an encoded-word.  Output is reproducible
byte for byte.

usage: make_charset_mail.py OUTDIR
"""
import base64
import os
import sys

SUBJECT = "【ご確認】11月分請求書送付のご案内（第{n}回）"
FROM_NAME = "山田 太郎"
TO_NAME = "佐藤 花子"
BODY = """佐藤様

いつもお世話になっております。サンプル商事の山田です。

11月分の請求書を添付いたします。ご査収のほど、よろしくお願い申し上げます。
お支払い期限は12月末日となっております。

ご不明な点がございましたら、お気軽にお問い合わせください。
今後ともよろしくお願いいたします。

――――――――――――――――
株式会社サンプル商事　営業部
山田 太郎
電話：03-1234-5678
――――――――――――――――
"""
ATTACH_NAME = "請求書_2024年11月.txt"
ATTACH_TEXT = "請求書\n品目：コンサルティング業務一式\n金額：１２０，０００円（税込）\n"

CHARSETS = [
    # (file stem, MIME label, Python codec, transfer encoding)
    ("iso-2022-jp", "ISO-2022-JP", "iso2022_jp", "7bit"),
    ("shift_jis", "Shift_JIS", "cp932", "8bit"),
    ("euc-jp", "EUC-JP", "euc_jp", "8bit"),
]


def ew(text, label, codec):
    """One RFC 2047 B encoded-word per 20 characters, as mailers fold."""
    words = []
    for i in range(0, len(text), 20):
        raw = text[i:i + 20].encode(codec)
        words.append("=?%s?B?%s?=" % (label, base64.b64encode(raw).decode()))
    return "\r\n ".join(words)


def message(label, codec, cte, n):
    body = BODY.replace("\n", "\r\n").encode(codec)
    att = base64.b64encode(ATTACH_TEXT.encode(codec)).decode()
    att = "\r\n".join(att[i:i + 76] for i in range(0, len(att), 76))
    name = ew(ATTACH_NAME, label, codec)
    head = (
        "Return-Path: <taro.yamada@sample-shoji.example>\r\n"
        "Received: from mail.sample-shoji.example (mail.sample-shoji.example [192.0.2.25])\r\n"
        "\tby mx.example.co.jp (Postfix) with ESMTPS id 4XyZ1a2B3c\r\n"
        "\tfor <hanako.sato@example.co.jp>; Tue, 12 Nov 2024 10:15:02 +0900 (JST)\r\n"
        "From: %s <taro.yamada@sample-shoji.example>\r\n"
        "To: %s <hanako.sato@example.co.jp>\r\n"
        "Subject: %s\r\n"
        "Date: Tue, 12 Nov 2024 10:14:58 +0900\r\n"
        "Message-ID: <20241112011458.%04d@sample-shoji.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"=_bench_boundary\"\r\n"
        "\r\n"
        "--=_bench_boundary\r\n"
        "Content-Type: text/plain; charset=%s\r\n"
        "Content-Transfer-Encoding: %s\r\n"
        "\r\n"
    ) % (ew(FROM_NAME, label, codec), ew(TO_NAME, label, codec),
         ew(SUBJECT.format(n=n), label, codec), n, label, cte)
    tail = (
        "\r\n--=_bench_boundary\r\n"
        "Content-Type: text/plain; charset=%s;\r\n name=\"%s\"\r\n"
        "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n%s\r\n"
        "--=_bench_boundary--\r\n"
    ) % (label, name, name, att)
    return head.encode("ascii") + body + tail.encode("ascii")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for stem, label, codec, cte in CHARSETS:
        with open(os.path.join(out, stem + ".eml"), "wb") as f:
            f.write(message(label, codec, cte, 1))


if __name__ == "__main__":
    main()
