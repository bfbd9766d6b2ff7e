#!/usr/bin/perl
# sa_match_oracle.pl - Perl as the oracle for src/spam/sa_match.c (issue 15).
#
#   sa_match_oracle.pl RULEDIR CORPUSDIR N MAXCOUNT
#
# Takes every body, rawbody, uri, full and header regular expression of
# RULEDIR/*.cf (a line extraction, not SpamAssassin's parser: conditionals
# are ignored, every rule line counts), compiles each with SpamAssassin's
# own Mail::SpamAssassin::Util::compile_regexp (its delimiters, modifiers
# and refusals), then matches each against the raw bytes of the first N
# messages (names sorted) of CORPUSDIR/ham and of CORPUSDIR/spam as Perl's
# m//g counts them, up to MAXCOUNT.  Prints, tab-separated:
#
#   P <perl_ok> <flags> <pattern>     one per pattern, in order (index 0..)
#   M <path> <idx>:<count> ...        one per message, the patterns that match
#
# The pattern is printed as written between the delimiters (raw bytes; no
# tab or newline can be in a rule line's pattern).
use strict;
use warnings;
use Mail::SpamAssassin::Util qw(compile_regexp);

my ($ruledir, $corpus, $n, $maxcount) = @ARGV;
die "usage: $0 RULEDIR CORPUSDIR N MAXCOUNT\n" unless defined $maxcount;
binmode STDOUT;

my @pats;    # [flags, re, qr or undef]
for my $cf (sort glob("$ruledir/*.cf")) {
	open my $fh, '<:raw', $cf or die "$cf: $!";
	while (my $l = <$fh>) {
		$l =~ s/\r?\n\z//;
		my $text;
		if ($l =~ /^\s*(?:body|rawbody|uri|full)\s+\S+\s+(.*)$/) {
			$text = $1;
			next if $text =~ /^eval:/;
		} elsif ($l =~ /^\s*header\s+\S+\s+\S+\s*[=!]~\s*(.*)$/) {
			$text = $1;
			$text =~ s/\s*\[if-unset:[^\]]*\]\s*$//;
		} else {
			next;
		}
		$text =~ s/\s+$//;
		# the split SpamAssassin's compile_regexp makes
		my ($re, $flags);
		if ($text =~ m{^/(.*)/([a-z]*)\z}s) {
			($re, $flags) = ($1, $2);
		} elsif ($text =~ /^m([\{\(\<\[])(.*)([\}\)\>\]])([a-z]*)\z/s) {
			($re, $flags) = ($2, $4);
		} elsif ($text =~ /^m(\W)(.*)\1([a-z]*)\z/s) {
			($re, $flags) = ($2, $3);
		} else {
			next;
		}
		next if $re =~ /[\t\n]/;
		my ($qr, $err) = compile_regexp($text, 1);
		push @pats, [$flags, $re, $qr];
	}
}
for my $p (@pats) {
	print "P\t", (defined $p->[2] ? 1 : 0), "\t$p->[0]\t$p->[1]\n";
}

for my $kind ('ham', 'spam') {
	opendir my $d, "$corpus/$kind" or next;
	my @files = (sort grep { !/^\./ } readdir $d)[0 .. $n - 1];
	for my $f (grep { defined } @files) {
		my $path = "$corpus/$kind/$f";
		open my $fh, '<:raw', $path or die "$path: $!";
		local $/;
		my $text = <$fh>;
		my @hits;
		for my $i (0 .. $#pats) {
			my $qr = $pats[$i][2] or next;
			my $c = 0;
			pos($text) = 0;
			while ($text =~ /$qr/g) {
				last if ++$c >= $maxcount;
			}
			push @hits, "$i:$c" if $c;
		}
		print "M\t$path\t@hits\n";
	}
}
