#!/bin/sh
# make.sh - regenerate the QR test images of this folder (tests/unit/test_qr.c,
# and the fuzz seeds in fuzz/corpus/qr/).  Needs qrencode, iconv, cc and the
# -dev packages of libpng, libjpeg and giflib (scripts/install-deps.sh).
# The codes come from `qrencode -t ASCII`; mkimg.c draws them into PNG, JPEG
# and GIF files.  The output is committed: the tests do not run this.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/mkimg" mkimg.c -lpng -ljpeg -lgif
# mkimg.c writes JPEG at quality 90

# qrencode's module matrix, no margin (mkimg adds its own)
ascii() { # NAME [qrencode options] TEXT
	n=$1; shift
	qrencode -t ASCII -m 0 "$@" > "$tmp/$n.txt"
}

URL='https://example.com/login?id=42&ref=mail'
JA='https://例え.jp/ログイン?q=日本語'

# PNG straight from qrencode (1-bit grey)
qrencode -o url.png -s 4 -m 4 "$URL"
# 296x296: the size the speed figure is given for (test_qr.c, QR_BENCH)
qrencode -o url300.png -s 8 -m 4 "$URL"
# RGBA with a transparent black background: only compositing on white shows it
qrencode -o url-alpha.png -t PNG32 -s 4 -m 4 --background=00000000 "$URL"
# light modules on a dark background (found only with qr_limits.inverted)
qrencode -o inverted.png -s 4 -m 4 --foreground=FFFFFF --background=000000 "$URL"
# the same code cropped to its modules: no quiet zone at all
qrencode -o nomargin.png -s 4 -m 0 "$URL"
ascii url "$URL"
# JPEG, dark blue on light yellow, baseline; progressive; CMYK
"$tmp/mkimg" jpg url.jpg -s 5 -fg 1a237e -bg fff8e1 "$tmp/url.txt"
"$tmp/mkimg" jpg url-progressive.jpg -s 5 -i "$tmp/url.txt"
"$tmp/mkimg" jpg url-cmyk.jpg -s 5 -cmyk -fg 202020 -bg f0f0f0 "$tmp/url.txt"
# GIF, interlaced, palette colours; one whose background is transparent
# (palette colour near black: only a decoder that honours it sees the code)
"$tmp/mkimg" gif url.gif -s 4 -i -fg 003300 -bg ccffcc "$tmp/url.txt"
"$tmp/mkimg" gif url-transparent.gif -s 4 -t -fg 000000 -bg 010101 "$tmp/url.txt"
# two codes side by side in an interlaced RGB PNG
ascii one 'https://one.example/a'
ascii two 'https://two.example/b?x=1'
"$tmp/mkimg" png two.png -s 4 -i "$tmp/one.txt" "$tmp/two.txt"
# no code at all
"$tmp/mkimg" png nocode.png -n 200x150
"$tmp/mkimg" jpg nocode.jpg -n 200x150
# Japanese: UTF-8 bytes in 8-bit mode; Shift_JIS in kanji mode (-k)
qrencode -o ja-utf8.png -s 4 -m 4 -8 "$JA"
printf '%s' "$JA" | iconv -f UTF-8 -t SHIFT_JIS > "$tmp/ja.sjis"
qrencode -o ja-sjis.png -s 4 -m 4 -k < "$tmp/ja.sjis"
chmod 644 ./*.png ./*.jpg ./*.gif
ls -l ./*.png ./*.jpg ./*.gif
