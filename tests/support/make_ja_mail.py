#!/usr/bin/env python3
"""make_ja_mail.py - Japanese spam and ham mails for the classifier's tests
(tests/functional/bayes_ja.py) and the demo's training set.

usage: make_ja_mail.py OUTDIR [--seed N] [--spam N] [--ham N] [--no-body]

Writes OUTDIR/spam/NNN.eml and OUTDIR/ham/NNN.eml.  Every mail is made of
sentences drawn (seeded, so the same seed gives the same bytes) from pools
written for this project: spam is marketing, phishing ("your account is
suspended", "confirm your card"), side-job and prize lures; ham is office
mail: invoices and quotes between companies, HR notices, meetings,
minutes.  Spam and ham share their senders' domains, mailers, MIME
structure and the charsets they rotate through (ISO-2022-JP, Shift_JIS,
EUC-JP, UTF-8), so that only the Japanese words tell them apart.
--no-body writes the same mails with an empty body (the Subject stays
neutral in both classes), which leaves the classifier nothing to go on.
The texts are generated with Python's codecs, independently of mamori.
"""
import argparse
import base64
import email.header
import os
import random

SENDERS = ["info", "support", "tanaka", "sato", "office", "admin"]
DOMAINS = ["example.co.jp", "example.jp", "example.com"]
NAMES = ["田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺"]
CHARSETS = ["iso-2022-jp", "shift_jis", "euc-jp", "utf-8"]
# the Subject says nothing of the class (both draw from it)
SUBJECTS = ["ご連絡", "お知らせ", "ご確認のお願い", "重要なお知らせ", "ご案内", "お問い合わせの件"]

SPAM = [
    "お客様のアカウントは一時的に停止されています。",
    "本人確認のため、以下のリンクからログインしてください。",
    "クレジットカードの不正利用が検出されました。",
    "二十四時間以内にご対応いただけない場合、アカウントは削除されます。",
    "今すぐこちらをクリックして情報を更新してください。",
    "おめでとうございます！抽選で豪華賞品に当選しました。",
    "期間限定の特別キャンペーンを実施中です。",
    "完全無料で今すぐお試しいただけます。",
    "スマホだけで毎月三十万円稼げる副業をご紹介します。",
    "初期費用ゼロ、誰でも簡単に始められます。",
    "残りわずか、お申し込みはお早めに。",
    "未払い料金が発生しています。至急お支払いください。",
    "セキュリティ強化のため、パスワードの再設定が必要です。",
    "配送できなかったお荷物があります。再配達の手続きはこちら。",
    "秘密の投資情報を会員様だけにお届けします。",
    "ポイントの有効期限が迫っています。今すぐ交換してください。",
]
HAM = [
    "いつもお世話になっております。",
    "先日の打ち合わせの議事録を添付いたします。",
    "来週の会議の日程について、ご都合をお知らせください。",
    "今月分の請求書を送付いたしますので、ご査収ください。",
    "お見積書を作成しましたので、ご確認をお願いいたします。",
    "年末調整の書類は人事部までご提出ください。",
    "新入社員研修の資料を共有フォルダに格納しました。",
    "有給休暇の申請は勤怠システムからお願いします。",
    "プロジェクトの進捗状況を報告いたします。",
    "評価面談の時間を調整させていただきたく存じます。",
    "納品物の検収が完了しましたのでご連絡いたします。",
    "社内規程の改定について、説明会を開催します。",
    "ご不明な点がございましたら、担当までお問い合わせください。",
    "引き続きよろしくお願いいたします。",
    "会議室の予約を変更しました。",
    "契約書の原本を郵送いたしましたので、ご確認ください。",
]


def mail(rng, kind, i, no_body):
    pool = SPAM if kind == "spam" else HAM
    cs = CHARSETS[i % len(CHARSETS)]
    frm = f"{rng.choice(SENDERS)}@{rng.choice(DOMAINS)}"
    name = rng.choice(NAMES)
    subject = rng.choice(SUBJECTS)
    body = name + "様\n\n" + "\n".join(rng.sample(pool, 5)) + "\n"
    if no_body:     # drawn all the same: the rest of the mail stays the same
        body = ""
    cte = "7bit" if cs == "iso-2022-jp" else "base64"
    data = body.encode(cs)
    if cte == "base64":
        data = base64.encodebytes(data)
    hdr = email.header.Header(subject, cs).encode()
    head = (f"From: {frm}\r\nTo: user@example.co.jp\r\nSubject: {hdr}\r\n"
            f"Date: Mon, 7 Dec 2026 09:{i % 60:02d}:00 +0900\r\n"
            f"Message-ID: <{kind}-{i}-{rng.randrange(10**9)}@{frm.split('@')[1]}>\r\n"
            "MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={cs}\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n\r\n")
    return head.encode("ascii") + data.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spam", type=int, default=40)
    ap.add_argument("--ham", type=int, default=40)
    ap.add_argument("--no-body", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    for kind, n in (("spam", a.spam), ("ham", a.ham)):
        d = os.path.join(a.out, kind)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            with open(os.path.join(d, f"{i:03d}.eml"), "wb") as f:
                f.write(mail(rng, kind, i, a.no_body))


if __name__ == "__main__":
    main()
