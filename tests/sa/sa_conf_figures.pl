#!/usr/bin/perl
# tests/sa/sa_conf_figures.pl - the figures tests/unit/test_sa_conf.c checks
# on the stock rules, computed by SpamAssassin itself (Mail::SpamAssassin's
# parser) with the plugins mamori evaluates natively loaded (the list of
# sa_parse_defaults in src/spam/sa_conf.c) and no others.
#
#   perl tests/sa/sa_conf_figures.pl [RULES_DIR] [RULE ...]
#
# Prints the number of rules of each type (header, mimeheader, body,
# rawbody, full, uri, meta; the eval rules of a type counted with it and
# also apart, "TYPE eval"; mimeheader rules are body evals to SpamAssassin,
# counted as mimeheader here) and
# the four scores of each RULE named.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Mail::SpamAssassin;

my $rules = shift // '/usr/share/spamassassin';
my @names = @ARGV ? @ARGV : qw(BAYES_99 BAYES_00 HTML_MESSAGE MISSING_DATE
    FREEMAIL_FROM DKIM_VALID SPF_PASS T_REMOTE_IMAGE);
my @plugins = qw(Check HeaderEval BodyEval MIMEEval HTMLEval URIEval RelayEval
    MIMEHeader ReplaceTags FreeMail WLBLEval DKIM SPF DMARC Bayes URIDetail
    HTTPSMismatch DNSEval ImageInfo);

my $site = tempdir(CLEANUP => 1);
open(my $pre, '>', "$site/mamori.pre") or die "$site: $!";
print $pre "loadplugin Mail::SpamAssassin::Plugin::$_\n" for @plugins;
close($pre);

my $sa = Mail::SpamAssassin->new({
	rules_filename => $rules,
	site_rules_filename => $site,
	userprefs_filename => '/dev/null',
	dont_copy_prefs => 1,
	local_tests_only => 1,
});
$sa->init(0);
my $conf = $sa->{conf};

my %loaded = map { (my $n = $_) =~ s/.*:://; ($n => 1) } keys %{$conf->{plugins_loaded}};
print "plugins: ", join(' ', sort keys %loaded), "\n";

my %count;
my %mimeheader = map { $_ => 1 } keys %{$conf->{mimeheader_tests} // {}};
for my $name (keys %{$conf->{test_types}}) {
	my $t = $conf->{test_types}{$name};
	my $type = $mimeheader{$name} ? 'mimeheader'
	    : $Mail::SpamAssassin::Conf::TYPE_AS_STRING{$t};
	$count{$type}++;
	$count{"$type eval"}++ if ($t & 1) && !$mimeheader{$name};
	$count{total}++;
}
print "$_ $count{$_}\n" for sort keys %count;
# The pattern of every regular expression rule (header, body, rawbody,
# full, uri; ReplaceTags applied), as SpamAssassin compiled it, with the
# leading flag groups "(?aa)(?i)..." cut: "NAME\tPATTERN\n" sorted by
# name, its SHA-256 (SA_PATTERNS_OUT=FILE: the text itself, to compare).
use Digest::SHA qw(sha256_hex);
my $text = '';
my $n = 0;
for my $name (sort keys %{$conf->{test_qrs}}) {
	my $re = Mail::SpamAssassin::Util::qr_to_string($conf->{test_qrs}{$name});
	$re =~ s/^(?:\(\?\^?[a-z]*\))+//;
	# parse_captures() escaped the capture templates %{TAG} (as %\{TAG\});
	# mamori keeps them as written
	$re =~ s/%\\\{([A-Z][A-Z0-9_]*(?:\([^\)\}]*\))?)\\\}/%{$1}/g;
	$text .= "$name\t$re\n";
	$n++;
}
print "patterns $n ", sha256_hex($text), "\n"; if ($ENV{SA_PATTERNS_OUT}) { open(my $o, ">", $ENV{SA_PATTERNS_OUT}) or die; print $o $text; close $o }
for my $name (@names) {
	my @s = map { $conf->{scoreset}[$_]{$name} // 'undef' } 0 .. 3;
	print "score $name @s\n";
}
