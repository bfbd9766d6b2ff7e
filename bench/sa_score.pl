#!/usr/bin/perl
# sa_score.pl - SpamAssassin's score of every message under some ham/ and
# spam/ directories, for bench/spam-accuracy.sh: one "LABEL SCORE" line per
# message (in no particular order), nothing else.
#
# usage: sa_score.pl SITE_DIR RULES_DIR JOBS DIR...
#   SITE_DIR   the site configuration (the *.pre plugin loads and the
#              bench's overrides; the Bayes path is set there)
#   RULES_DIR  the rules (/usr/share/spamassassin: the stock rules)
#   JOBS       worker processes
#   DIR        a directory named ham or spam; every file in it is a message
#
# The same engine as spamd: the configuration is compiled once, then JOBS
# processes are forked, each checking its share of the messages.  Unlike
# spamd, whose protocol rounds the score to 0.1 (ties that the metrics
# would count), this prints the score as SpamAssassin keeps it (3 decimals).
# local_tests_only is spamassassin -L: no DNS, no Razor/Pyzor/DCC.
use strict;
use warnings;
use File::Basename qw(basename);
use Mail::SpamAssassin;

die "usage: sa_score.pl SITE_DIR RULES_DIR JOBS DIR...\n" unless @ARGV >= 4;
my ($site, $rules, $jobs, @dirs) = @ARGV;
die "sa_score.pl: JOBS must be a positive integer\n" unless $jobs =~ /^[1-9][0-9]*$/;

my @msgs;
for my $d (@dirs) {
	my $label = basename($d);
	die "sa_score.pl: $d: the directory must be named ham or spam\n"
		unless $label eq 'ham' || $label eq 'spam';
	opendir(my $dh, $d) or die "sa_score.pl: $d: $!\n";
	push @msgs, map { [$label, "$d/$_"] } sort grep { !/^\./ && -f "$d/$_" } readdir $dh;
	closedir $dh;
}

my $sa = Mail::SpamAssassin->new({
	site_rules_filename => $site,
	rules_filename      => $rules,
	userprefs_filename  => "$ENV{HOME}/user_prefs",
	userstate_dir       => $ENV{HOME},
	local_tests_only    => 1,
	dont_copy_prefs     => 1,
});
$sa->compile_now(1, 1);

$| = 1;
my @pids;
for my $w (0 .. $jobs - 1) {
	my $pid = fork();
	die "sa_score.pl: fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		for (my $i = $w; $i < @msgs; $i += $jobs) {
			my ($label, $path) = @{ $msgs[$i] };
			open(my $fh, '<:raw', $path) or die "sa_score.pl: $path: $!\n";
			my $text = do { local $/; <$fh> };
			close $fh;
			my $mail = $sa->parse($text, 1);
			my $status = $sa->check($mail);
			my $score = $status->get_score();
			$status->finish();
			$mail->finish();
			# one short line per write: atomic on the shared pipe
			syswrite(STDOUT, "$label $score\n") or die "sa_score.pl: write: $!\n";
		}
		$sa->finish();
		exit 0;
	}
	push @pids, $pid;
}
my $bad = 0;
for my $pid (@pids) {
	waitpid($pid, 0);
	$bad = 1 if $?;
}
exit($bad ? 2 : 0);
