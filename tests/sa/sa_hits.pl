#!/usr/bin/perl
# sa_hits.pl - SpamAssassin's side of the differential test (tests/sa/,
# issue 15): which rules and sub-rules fire on each message, or which rules
# SpamAssassin has defined.  See tests/sa/README.md.
#
# usage: sa_hits.pl --site DIR --rules DIR [--jobs N] --list-rules
#        sa_hits.pl --site DIR --rules DIR [--jobs N] [--files-from LIST] [FILE...]
#   --site DIR        the site configuration (*.pre plugin loads and the
#                     overrides; run-diff.sh builds it)
#   --rules DIR       the rules (default /usr/share/spamassassin)
#   --jobs N          worker processes (default 2)
#   --files-from LIST a file naming one message per line (- for stdin)
#   --list-rules      print the rules defined, one a line, tab-separated:
#                     name type kind eval_function tflags score active file
#                       type   header body rawbody full uri meta empty
#                       kind   regex | eval | meta | rbl_eval | empty
#                       score  the score in the current score set
#                       active 1 when SpamAssassin runs it (a zero score
#                              in the current set disables a rule)
#                       file   the rule file that defined it (last definition)
#
# Messages: one JSON line a message, in the order given:
#   {"file": PATH, "hits": {RULE: COUNT, ...}, "cpu_ms": X, "wall_ms": Y}
# with every rule and "__" sub-rule that fired; COUNT is what SpamAssassin
# recorded in tests_already_hit: the number of matches for tflags multiple
# (up to maxhits), a meta rule's value (an arithmetic meta can exceed 1),
# 1 otherwise.  "deadline_exceeded": true is added when SpamAssassin gave up
# on a message (its rules then ran only in part).  cpu_ms is the worker's
# process CPU time for parse + check + finish of that message.
#
# The SpamAssassin object is the Perl API's, as spamd uses it: the
# configuration is compiled once, then the workers are forked.  Local tests
# only (no DNS, Razor, Pyzor, DCC), a private HOME, empty user prefs; Bayes
# and the auto-welcomelist are turned off by the site configuration.
# Exit status: 0, 2 on an error (a message that cannot be read included).
use strict;
use warnings;
use Getopt::Long qw(GetOptions);
use JSON::PP ();
use File::Temp qw(tempdir);
use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID CLOCK_MONOTONIC);
use Mail::SpamAssassin;

my ($site, $rules, $jobs, $files_from, $list) = (undef, '/usr/share/spamassassin', 2, undef, 0);
GetOptions(
	'site=s'       => \$site,
	'rules=s'      => \$rules,
	'jobs=i'       => \$jobs,
	'files-from=s' => \$files_from,
	'list-rules'   => \$list,
) or die "usage: sa_hits.pl --site DIR --rules DIR [--jobs N] [--list-rules | --files-from LIST | FILE...]\n";
die "sa_hits.pl: --site DIR is required\n" unless defined $site && -d $site;
die "sa_hits.pl: --rules $rules: not a directory or file\n" unless -e $rules;
die "sa_hits.pl: --jobs must be >= 1\n" unless $jobs >= 1;

my $home = $ENV{HOME} // die "sa_hits.pl: HOME unset\n";
my $prefs = "$home/user_prefs";
unless (-e $prefs) {
	open(my $fh, '>', $prefs) or die "sa_hits.pl: $prefs: $!\n";
	close $fh;
}

my $sa = Mail::SpamAssassin->new({
	site_rules_filename => $site,
	rules_filename      => $rules,
	userprefs_filename  => $prefs,
	userstate_dir       => $home,
	local_tests_only    => 1,
	dont_copy_prefs     => 1,
	# the rules' source files, for the list (Conf keeps no rule text after
	# parsing: {tests} is freed, {test_types} stays)
	keep_config_parsing_metadata => $list ? 1 : 0,
});
$sa->compile_now(1, 1);
my $conf = $sa->{conf};
# the contract: no Bayes, no network scores; refuse a configuration that
# would make the hits depend on learned state or on DNS
die "sa_hits.pl: use_bayes is on; the site configuration must turn it off\n" if $conf->{use_bayes};
die "sa_hits.pl: the auto-welcomelist is on\n" if $conf->{use_auto_whitelist} || $conf->{use_auto_welcomelist};
die "sa_hits.pl: TxRep is on\n" if $conf->{use_txrep};
die "sa_hits.pl: score set " . $conf->get_score_set() . ", want 0 (no network, no Bayes)\n"
	if $conf->get_score_set() != 0;

if ($list) {
	my %kind_of = (
		$Mail::SpamAssassin::Conf::TYPE_META_TESTS  => 'meta',
		$Mail::SpamAssassin::Conf::TYPE_RBL_EVALS   => 'rbl_eval',
		$Mail::SpamAssassin::Conf::TYPE_EMPTY_TESTS => 'empty',
	);
	my %fn_of;
	while (my ($fn, $names) = each %{ $conf->{eval_to_rule} || {} }) {
		$fn_of{$_} = $fn for @$names;
	}
	binmode(STDOUT, ':raw');
	for my $name (sort keys %{ $conf->{test_types} }) {
		my $t = $conf->{test_types}->{$name};
		my $type = $Mail::SpamAssassin::Conf::TYPE_AS_STRING{$t} // "unknown-$t";
		my $kind = $kind_of{$t} // (($t & 1) ? 'eval' : 'regex');
		my $fn = $fn_of{$name} // '-';
		my $tflags = $conf->{tflags}->{$name} // '';
		$tflags =~ s/\s+/,/g;
		$tflags = '-' if $tflags eq '';
		my $score = $conf->{scores}->{$name} // 0;
		my $src = $conf->{source_file}->{$name} // '-';
		$src =~ s{.*/}{};
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", $name, $type, $kind, $fn, $tflags, $score,
			$score ? 1 : 0, $src;
	}
	$sa->finish();
	exit 0;
}

my @files = @ARGV;
if (defined $files_from) {
	my $fh;
	if ($files_from eq '-') { $fh = \*STDIN }
	else { open($fh, '<', $files_from) or die "sa_hits.pl: $files_from: $!\n" }
	while (my $l = <$fh>) {
		chomp $l;
		push @files, $l if length $l;
	}
}
die "sa_hits.pl: no messages\n" unless @files;

my $tmp = tempdir('sa_hits.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $json = JSON::PP->new->canonical(1)->utf8(1);
my %pid_of;
for my $w (0 .. $jobs - 1) {
	my $pid = fork();
	die "sa_hits.pl: fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		my $ok = eval {
			open(my $out, '>:raw', "$tmp/$w") or die "$tmp/$w: $!\n";
			for (my $i = $w; $i < @files; $i += $jobs) {
				my $path = $files[$i];
				open(my $fh, '<:raw', $path) or die "$path: $!\n";
				my $text = do { local $/; <$fh> };
				close $fh;
				my $c0 = clock_gettime(CLOCK_PROCESS_CPUTIME_ID);
				my $w0 = clock_gettime(CLOCK_MONOTONIC);
				my $mail = $sa->parse($text, 1);
				my $status = $sa->check($mail);
				my $h = $status->{tests_already_hit};
				my %hits = map { ($_ => $h->{$_} + 0) } grep { $h->{$_} } keys %$h;
				my $rec = { file => $path, hits => \%hits };
				$rec->{deadline_exceeded} = JSON::PP::true if $status->{deadline_exceeded};
				$status->finish();
				$mail->finish();
				$rec->{cpu_ms} = sprintf('%.3f', 1000 * (clock_gettime(CLOCK_PROCESS_CPUTIME_ID) - $c0)) + 0;
				$rec->{wall_ms} = sprintf('%.3f', 1000 * (clock_gettime(CLOCK_MONOTONIC) - $w0)) + 0;
				print $out "$i\t", $json->encode($rec), "\n" or die "write: $!\n";
			}
			close $out or die "close: $!\n";
			1;
		};
		if (!$ok) {
			print STDERR "sa_hits.pl: worker $w: $@";
			exit 2;
		}
		$sa->finish();
		exit 0;
	}
	$pid_of{$pid} = $w;
}
my $bad = 0;
for my $pid (keys %pid_of) {
	waitpid($pid, 0);
	$bad = 1 if $?;
}
exit 2 if $bad;

my @lines;
for my $w (0 .. $jobs - 1) {
	open(my $fh, '<:raw', "$tmp/$w") or die "sa_hits.pl: $tmp/$w: $!\n";
	while (my $l = <$fh>) {
		my ($i, $rec) = split(/\t/, $l, 2);
		$lines[$i] = $rec;
	}
	close $fh;
}
binmode(STDOUT, ':raw');
for my $i (0 .. $#files) {
	die "sa_hits.pl: no result for $files[$i]\n" unless defined $lines[$i];
	print $lines[$i];
}
exit 0;
