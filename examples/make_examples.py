#!/usr/bin/env python3
"""Write the example mails in this directory.

Run from anywhere:  python3 examples/make_examples.py
The output is byte-for-byte reproducible (fixed dates, Message-IDs and
boundaries), so the committed .eml/.mbox files can be regenerated and
compared with `git diff`.

Every Japanese text is encoded with Python's own codecs (iso2022_jp,
cp932, euc_jp, utf-8), the way real mail clients write it:

* ISO-2022-JP as Outlook and Thunderbird send it: JIS X 0208 with the
  NEC row 13 extensions (circled digits, (株)), produced by encoding with
  cp932 and shifting each double-byte character to its JIS form.
* RFC 2047 encoded-words for headers, RFC 2231 for attachment names.

Lines end in LF, as in an mbox or a Maildir file.
"""

import base64
import os
import quopri
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- encodings ----------------------------------------------------------

def sjis_to_jis(b1, b2):
    """One Shift_JIS (cp932) double-byte character to its two JIS bytes."""
    if b1 >= 0xE0:
        b1 -= 0x40
    row = (b1 - 0x81) * 2 + 0x21
    if b2 >= 0x9F:
        row += 1
        col = b2 - 0x9F + 0x21
    else:
        col = b2 - 0x40 + 0x21 - (1 if b2 >= 0x80 else 0)
    return bytes((row, col))


def iso2022jp(text):
    """Encode text as ISO-2022-JP (with NEC row 13), ending in ASCII."""
    raw = text.encode("cp932")
    out = bytearray()
    kanji = False
    i = 0
    while i < len(raw):
        c = raw[i]
        if c < 0x80:
            if kanji:
                out += b"\x1b(B"
                kanji = False
            out.append(c)
            i += 1
            continue
        if 0xA1 <= c <= 0xDF:
            raise ValueError("half-width kana are not allowed in ISO-2022-JP")
        if not kanji:
            out += b"\x1b$B"
            kanji = True
        jis = sjis_to_jis(c, raw[i + 1])
        if not (0x21 <= jis[0] <= 0x7E and 0x21 <= jis[1] <= 0x7E):
            raise ValueError("%r is outside JIS X 0208 / NEC row 13" % text)
        out += jis
        i += 2
    if kanji:
        out += b"\x1b(B"
    # self-check: where Python's strict codec can encode the text, we agree
    try:
        assert bytes(out) == text.encode("iso2022_jp"), text
    except UnicodeEncodeError:
        pass  # NEC row 13 characters: only our CP932 route has them
    return bytes(out)


def encoded_words(text, charset="ISO-2022-JP", first_room=60):
    """RFC 2047 B encoded-words for a header, each at most 75 characters,
    split on character boundaries; folded onto continuation lines."""
    codec = iso2022jp if charset == "ISO-2022-JP" else (
        lambda s: s.encode(charset))
    words, chunk = [], ""
    prefix = "=?%s?B?" % charset
    for ch in text:
        trial = chunk + ch
        if len(prefix) + len(base64.b64encode(codec(trial))) + 2 > 75 and chunk:
            words.append(chunk)
            chunk = ch
        else:
            chunk = trial
    if chunk:
        words.append(chunk)
    enc = [prefix + base64.b64encode(codec(w)).decode() + "?=" for w in words]
    return "\n ".join(enc)


def rfc2231(param, value, charset="UTF-8", width=40):
    """A parameter in RFC 2231 form, with continuations: name*0*=...;"""
    quoted = urllib.parse.quote(value.encode(charset), safe="")
    pieces, cur = [], ""
    i = 0
    while i < len(quoted):
        step = 3 if quoted[i] == "%" else 1
        if len(cur) + step > width and cur:
            pieces.append(cur)
            cur = ""
        cur += quoted[i:i + step]
        i += step
    pieces.append(cur)
    out = []
    for n, p in enumerate(pieces):
        lead = "%s''" % charset if n == 0 else ""
        out.append("%s*%d*=%s%s" % (param, n, lead, p))
    return ";\n ".join(out)


def b64_lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def qp(text):
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def write(name, data):
    path = os.path.join(HERE, name)
    if isinstance(data, str):
        data = data.encode("ascii")
    with open(path, "wb") as f:
        f.write(data)
    print("wrote", os.path.relpath(path))


def lines(*parts):
    """Join header/body parts (str or bytes) into one message of bytes."""
    out = b""
    for p in parts:
        out += p.encode("ascii") if isinstance(p, str) else p
    return out


# ---- the examples -------------------------------------------------------

def ex01_iso2022jp():
    """A normal Japanese business mail, as Outlook sends it."""
    body = (
        "佐藤様\n"
        "\n"
        "いつもお世話になっております。\n"
        "㈱サンプル商事 営業部の山田です。\n"
        "\n"
        "10月分の請求書を本日郵送いたしました。\n"
        "内容をご確認のうえ、下記のとおりお手続きをお願いいたします。\n"
        "\n"
        "① お支払期日：11月30日（土）\n"
        "② お振込先：さくら銀行 本店営業部 普通 1234567\n"
        "\n"
        "ご不明な点がございましたら、お気軽にお問い合わせください。\n"
        "今後ともよろしくお願い申し上げます。\n"
        "\n"
        "──────────────────\n"
        "株式会社サンプル商事 営業部\n"
        "山田 太郎\n"
        "TEL: 03-1234-5678\n"
        "──────────────────\n"
    )
    return lines(
        "Return-Path: <taro.yamada@sample-shoji.example>\n"
        "Received: from mail.sample-shoji.example (mail.sample-shoji.example [192.0.2.25])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTPS id 4XyZ1a2B3c\n"
        "\tfor <hanako.sato@example.co.jp>; Tue, 12 Nov 2024 10:15:02 +0900 (JST)\n"
        "Date: Tue, 12 Nov 2024 10:14:58 +0900\n",
        "From: " + encoded_words("山田 太郎") + " <taro.yamada@sample-shoji.example>\n",
        "To: " + encoded_words("佐藤 花子") + " <hanako.sato@example.co.jp>\n",
        "Subject: " + encoded_words("【ご確認】10月分請求書送付のご案内") + "\n",
        "Message-ID: <20241112011458.A1B2C3@sample-shoji.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=\"ISO-2022-JP\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "X-Mailer: Microsoft Outlook 16.0\n"
        "\n",
        iso2022jp(body),
    )


def ex02_shiftjis():
    """An old in-house system: raw Shift_JIS in the Subject and From."""
    body = (
        "各位\n"
        "\n"
        "来週の定例会議の日程が決まりましたのでお知らせします。\n"
        "\n"
        "日時：11月19日（火） 14:00～15:00\n"
        "場所：本社 3階 第2会議室\n"
        "議題：来期予算案について\n"
        "\n"
        "出欠を金曜日までにご返信ください。\n"
        "\n"
        "総務部 鈴木\n"
    )
    return lines(
        "Received: from intranet.example.co.jp (intranet.example.co.jp [10.0.0.12])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTP id 4XyZ2b3C4d\n"
        "\tfor <all-staff@example.co.jp>; Wed, 13 Nov 2024 09:00:03 +0900 (JST)\n"
        "Date: Wed, 13 Nov 2024 09:00:01 +0900\n"
        "From: ",
        "総務部 鈴木".encode("cp932"),
        " <soumu@example.co.jp>\n"
        "To: all-staff@example.co.jp\n"
        "Subject: ",
        "【連絡】定例会議の日程について".encode("cp932"),
        "\n"
        "Message-ID: <kaigi-20241113-0001@intranet.example.co.jp>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=Shift_JIS\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body.encode("cp932"),
    )


def ex03_newsletter():
    """A UTF-8 newsletter: multipart/alternative, quoted-printable + base64."""
    text = (
        "mamori ニュース 2024年11月号\n"
        "\n"
        "■ 今月のトピック\n"
        "・年末年始のサポート窓口について\n"
        "・「PPAP」廃止に向けたチェックリストを公開しました\n"
        "\n"
        "詳しくはウェブサイトをご覧ください。\n"
        "https://news.example.jp/2024/11/\n"
        "\n"
        "配信停止: https://news.example.jp/unsubscribe?u=8f14e45f\n"
    )
    html = (
        "<!DOCTYPE html>\n"
        "<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<title>mamori ニュース 2024年11月号</title></head>\n"
        "<body>\n"
        "<h1>mamori ニュース 2024年11月号</h1>\n"
        "<h2>今月のトピック</h2>\n"
        "<ul>\n"
        "<li>年末年始のサポート窓口について</li>\n"
        "<li>「PPAP」廃止に向けたチェックリストを公開しました</li>\n"
        "</ul>\n"
        "<p>詳しくは<a href=\"https://news.example.jp/2024/11/\">ウェブサイト</a>"
        "をご覧ください。</p>\n"
        "<p style=\"font-size:small\"><a href=\"https://news.example.jp/unsubscribe?u=8f14e45f\">"
        "配信停止</a></p>\n"
        "</body></html>\n"
    )
    b = "=_news_20241115_alt"
    return lines(
        "Received: from out.news.example.jp (out.news.example.jp [198.51.100.7])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTPS id 4XyZ3c4D5e\n"
        "\tfor <hanako.sato@example.co.jp>; Fri, 15 Nov 2024 12:00:09 +0900 (JST)\n"
        "Date: Fri, 15 Nov 2024 12:00:00 +0900\n",
        "From: " + encoded_words("mamori ニュース", "UTF-8") + " <news@news.example.jp>\n",
        "To: hanako.sato@example.co.jp\n",
        "Subject: " + encoded_words("【mamori ニュース】2024年11月号：PPAP廃止チェックリスト", "UTF-8") + "\n",
        "Message-ID: <news-2024-11.8f14e45f@news.example.jp>\n"
        "List-Id: mamori news <news.example.jp>\n"
        "List-Unsubscribe: <https://news.example.jp/unsubscribe?u=8f14e45f>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=\"" + b + "\"\n"
        "\n"
        "--" + b + "\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(text) + "\n"
        "--" + b + "\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64_lines(html.encode("utf-8")) + "\n"
        "--" + b + "--\n",
    )


def ex04_malformed():
    """What a bulk mailer or a dropper campaign sends: no Date, no
    Message-ID, two From headers, NUL bytes, broken base64 and a
    multipart that is never closed."""
    b = "----=_Part_0_1731"
    return lines(
        "Received: from unknown (HELO user) ([203.0.113.66])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTP id 4XyZ4d5E6f\n"
        "\tfor <keiri@example.co.jp>; Mon, 18 Nov 2024 03:12:44 +0900 (JST)\n"
        "From: \"Accounts Payable\" <ap@invoice-portal.example>\n"
        "From: \"Microsoft 365\" <no-reply@invoice-portal.example>\n"
        "To: keiri@example.co.jp\n"
        "Subject: Invoice #88231 overdue - action required\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n"
        "\n"
        "--" + b + "\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Please review the attached invoice today.\n",
        b"\x00\x00\x00\n",
        "\n"
        "--" + b + "\n"
        "Content-Type: application/msword; name=\"Invoice_88231.doc\"\n"
        "Content-Disposition: attachment; filename=\"Invoice_88231.doc\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "0M8R4KGxGuEAAAAAAAAAAAAAAAAAAAAAPgADAP7/CQAGAAAAAAAAAAAAAAABAAAA\n"
        "Lw!!AAAAAAAAAAAQAAAxAAAAAQAAAP7///8AAAAALgAAAP////////////////\n",
    )


def ex05_rfc2231():
    """An attachment whose Japanese name is written in RFC 2231 form
    (with continuations), plus the RFC 2047 name= Outlook adds."""
    name = "御見積書_2024年11月_サンプル商事様.pdf"
    pdf = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
           b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
           b"trailer << /Root 1 0 R >>\n%%EOF\n")
    body = (
        "サンプル商事\n"
        "高橋様\n"
        "\n"
        "お世話になっております。\n"
        "ご依頼いただいた御見積書をお送りいたします。\n"
        "ご査収のほどよろしくお願いいたします。\n"
        "\n"
        "株式会社エグザンプル 田中\n"
    )
    b = "=_quote_20241120"
    return lines(
        "Received: from mail.example-corp.example (mail.example-corp.example [192.0.2.80])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTPS id 4XyZ5e6F7g\n"
        "\tfor <takahashi@example.co.jp>; Wed, 20 Nov 2024 16:42:10 +0900 (JST)\n"
        "Date: Wed, 20 Nov 2024 16:42:07 +0900\n",
        "From: " + encoded_words("田中 一郎") + " <ichiro.tanaka@example-corp.example>\n",
        "To: " + encoded_words("高橋 様") + " <takahashi@example.co.jp>\n",
        "Subject: " + encoded_words("御見積書送付の件") + "\n",
        "Message-ID: <mitsumori.20241120074207@example-corp.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n"
        "\n"
        "--" + b + "\n"
        "Content-Type: text/plain; charset=\"ISO-2022-JP\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n",
        iso2022jp(body),
        "\n"
        "--" + b + "\n"
        "Content-Type: application/pdf;\n"
        " name=\"" + encoded_words(name, "UTF-8") + "\"\n"
        "Content-Disposition: attachment;\n"
        " " + rfc2231("filename", name) + "\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64_lines(pdf) + "\n"
        "--" + b + "--\n",
    )


def ex06_mbox():
    """An mbox with two messages; a body line "From the ..." after an
    empty line does not split the first message (it has no date)."""
    m1 = (
        "From alice@example.org Thu Nov 21 09:30:00 2024\n"
        "Date: Thu, 21 Nov 2024 09:30:00 +0000\n"
        "From: Alice Example <alice@example.org>\n"
        "To: bob@example.co.jp\n"
        "Subject: Meeting notes, 21 November\n"
        "Message-ID: <notes-20241121@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Hi Bob,\n"
        "\n"
        "From the meeting this morning: we ship the release candidate on\n"
        "Monday, and the Osaka office runs the pilot.\n"
        "\n"
        "Alice\n"
        "\n"
    )
    body2 = (
        "ボブさん\n"
        "\n"
        "大阪オフィスでの試験運用、承知しました。\n"
        "月曜日にリリース候補版を受け取り次第、開始します。\n"
        "\n"
        "伊藤\n"
    )
    m2 = lines(
        "From ito@osaka.example.co.jp Thu Nov 21 11:05:12 2024\n"
        "Date: Thu, 21 Nov 2024 20:05:12 +0900\n",
        "From: " + encoded_words("伊藤 誠", "EUC-JP") + " <ito@osaka.example.co.jp>\n",
        "To: bob@example.co.jp\n",
        "Subject: " + encoded_words("Re: Meeting notes, 21 November 試験運用について", "EUC-JP") + "\n",
        "Message-ID: <re-notes-20241121@osaka.example.co.jp>\n"
        "In-Reply-To: <notes-20241121@example.org>\n"
        "References: <notes-20241121@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=EUC-JP\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body2.encode("euc_jp"),
        "\n",
    )
    return lines(m1, m2)


def ex07_forward():
    """A forwarded mail: the original travels as a message/rfc822
    attachment, with its own attachment inside."""
    inner_text = (
        "関係者各位\n"
        "\n"
        "本日の打ち合わせの議事録を添付します。\n"
        "\n"
        "小林\n"
    )
    minutes = (
        "議事録 2024年11月22日\n"
        "出席者：小林、山本、中村\n"
        "1. 新システムの導入時期：来年4月\n"
        "2. 次回打ち合わせ：12月6日\n"
    )
    ib = "=_inner_minutes"
    inner = lines(
        "Date: Fri, 22 Nov 2024 15:20:00 +0900\n",
        "From: " + encoded_words("小林 健") + " <ken.kobayashi@partner.example.jp>\n",
        "To: yamamoto@example.co.jp\n",
        "Subject: " + encoded_words("打ち合わせ議事録（11/22）") + "\n",
        "Message-ID: <minutes-20241122@partner.example.jp>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"" + ib + "\"\n"
        "\n"
        "--" + ib + "\n"
        "Content-Type: text/plain; charset=\"ISO-2022-JP\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n",
        iso2022jp(inner_text),
        "\n"
        "--" + ib + "\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Disposition: attachment;\n"
        " " + rfc2231("filename", "議事録_20241122.txt") + "\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64_lines(minutes.encode("utf-8")) + "\n"
        "--" + ib + "--\n",
    )
    outer_text = (
        "中村さん\n"
        "\n"
        "小林さんからの議事録を転送します。\n"
        "\n"
        "山本\n"
    )
    ob = "=_outer_forward"
    return lines(
        "Received: from mail.example.co.jp (mail.example.co.jp [192.0.2.10])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTPS id 4XyZ7g8H9i\n"
        "\tfor <nakamura@example.co.jp>; Fri, 22 Nov 2024 17:01:30 +0900 (JST)\n"
        "Date: Fri, 22 Nov 2024 17:01:27 +0900\n",
        "From: " + encoded_words("山本 由美") + " <yamamoto@example.co.jp>\n",
        "To: nakamura@example.co.jp\n",
        "Subject: " + encoded_words("転送: 打ち合わせ議事録（11/22）") + "\n",
        "Message-ID: <fwd-minutes-20241122@example.co.jp>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"" + ob + "\"\n"
        "\n"
        "--" + ob + "\n"
        "Content-Type: text/plain; charset=\"ISO-2022-JP\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n",
        iso2022jp(outer_text),
        "\n"
        "--" + ob + "\n"
        "Content-Type: message/rfc822; name=\"minutes.eml\"\n"
        "Content-Disposition: attachment; filename=\"minutes.eml\"\n"
        "\n",
        inner,
        "\n"
        "--" + ob + "--\n",
    )


def ex08_mislabelled():
    """A web form that declares UTF-8 but sends Shift_JIS bytes."""
    body = (
        "お問い合わせフォームから送信されました。\n"
        "\n"
        "お名前：渡辺 直樹\n"
        "会社名：株式会社テスト\n"
        "内容：製品カタログを送付してください。\n"
    )
    return lines(
        "Received: from web01.example.co.jp (web01.example.co.jp [192.0.2.41])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTP id 4XyZ8h9I0j\n"
        "\tfor <info@example.co.jp>; Mon, 25 Nov 2024 08:45:00 +0900 (JST)\n"
        "Date: Mon, 25 Nov 2024 08:44:59 +0900\n"
        "From: webform@example.co.jp\n"
        "To: info@example.co.jp\n",
        "Subject: " + encoded_words("お問い合わせがありました") + "\n",
        "Message-ID: <form-20241125-0042@web01.example.co.jp>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body.encode("cp932"),
    )


def ex09_future_date():
    """A sale mail dated four days after it was received (the newest
    Received header): DATE_IN_FUTURE, from the date module."""
    return lines(
        "Received: from mta.promo-deals.example (mta.promo-deals.example [198.51.100.7])\n"
        "\tby mx.example.co.jp (Postfix) with ESMTP id 4TQ2bX0cXbz9;\n"
        "\tMon, 15 Jan 2024 09:12:40 +0900\n"
        "From: Promo Deals <news@promo-deals.example>\n"
        "To: taro@example.co.jp\n"
        "Subject: Last chance: 80% off today only\n"
        "Date: Fri, 19 Jan 2024 23:59:00 +0900\n"
        "Message-ID: <20240119235900.1@promo-deals.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Our biggest sale ends tonight. Order now!\n",
    )


def ex10_image_mailing():
    """An image-only mailing: HTML without a text alternative, a banner
    image link and two words of text, a Subject in capitals, 60 visible
    recipients: HTML_ONLY_LITTLE_TEXT (spam module), SUBJECT_ALL_CAPS and
    RCPT_MANY (message module), the native heuristics."""
    to = ",\n\t".join(f"member{i:02d}@example.co.jp" for i in range(60))
    return lines(
        "From: Member Rewards <rewards@points-club.example>\n"
        f"To: {to}\n"
        "Subject: YOUR POINTS EXPIRE TODAY\n"
        "Date: Mon, 15 Jan 2024 09:12:40 +0900\n"
        "Message-ID: <20240115091240.77@points-club.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=us-ascii\n"
        "\n"
        "<html><body>\n"
        "<a href=\"https://points-club.example/redeem\"><img src=\"https://points-club.example/b.png\""
        " width=\"600\" height=\"400\" alt=\"\"></a>\n"
        "<p>Redeem now</p>\n"
        "</body></html>\n",
    )


EXAMPLES = [
    ("01-iso2022jp-business.eml", ex01_iso2022jp),
    ("02-shiftjis-8bit-subject.eml", ex02_shiftjis),
    ("03-utf8-newsletter.eml", ex03_newsletter),
    ("04-malformed.eml", ex04_malformed),
    ("05-rfc2231-attachment-name.eml", ex05_rfc2231),
    ("06-two-messages.mbox", ex06_mbox),
    ("07-forwarded-rfc822.eml", ex07_forward),
    ("08-mislabelled-charset.eml", ex08_mislabelled),
    ("09-date-in-future.eml", ex09_future_date),
    ("10-image-only-mailing.eml", ex10_image_mailing),
]


def main():
    for name, fn in EXAMPLES:
        write(name, fn())
    return 0


if __name__ == "__main__":
    sys.exit(main())
