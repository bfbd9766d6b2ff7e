#!/usr/bin/perl
# sa_relays_oracle.pl - SpamAssassin as the oracle for src/spam/sa_relays.c
# (issue 15).
#
#   sa_relays_oracle.pl RULEDIR CORPUSDIR N
#
# Reads the first N messages (names sorted) of CORPUSDIR/ham and of
# CORPUSDIR/spam, lets SpamAssassin 4.0.1 parse their Received fields
# (Message::Metadata's parse_received_headers, with RULEDIR's settings:
# originating_ip_headers; no trusted_networks, so trust is inferred) and
# prints one line a message, tab-separated:
#
#   path unparseable last_trusted_index last_internal_index flags
#        trusted_str untrusted_str internal_str external_str envelope_from
#
# flags: one word per relay, trusted ones first then untrusted, each of
# p (ip_private), n (no_reverse_dns), h (rdns_not_in_headers), or "-".
# envelope_from: get_envelope_from()'s guess (no SMTP envelope), "<undef>"
# when it has none.
use strict;
use warnings;
use Mail::SpamAssassin;

my ($ruledir, $corpus, $n) = @ARGV;
die "usage: $0 RULEDIR CORPUSDIR N\n" unless defined $n;
binmode STDOUT;

my $sa = Mail::SpamAssassin->new({
	rules_filename => $ruledir,
	site_rules_filename => '/nonexistent',
	userprefs_filename => '/dev/null',
	local_tests_only => 1,
	dont_copy_prefs => 1,
	use_user_prefs => 0,
});
$sa->init(0);

for my $class ('ham', 'spam') {
	opendir(my $d, "$corpus/$class") or die "$corpus/$class: $!";
	my @f = grep { !/^\./ && -f "$corpus/$class/$_" } readdir($d);
	closedir $d;
	@f = (sort @f)[0 .. ($n < @f ? $n : scalar @f) - 1];
	for my $name (@f) {
		my $path = "$corpus/$class/$name";
		open my $fh, '<:raw', $path or die "$path: $!";
		local $/;
		my $text = <$fh>;
		close $fh;
		my $msg = $sa->parse($text, 1);
		my $pms = Mail::SpamAssassin::PerMsgStatus->new($sa, $msg);
		$pms->extract_message_metadata();
		my @flags;
		for my $r (@{$pms->{relays_trusted}}, @{$pms->{relays_untrusted}}) {
			my $f = ($r->{ip_private} ? 'p' : '') . ($r->{no_reverse_dns} ? 'n' : '')
			    . ($r->{rdns_not_in_headers} ? 'h' : '');
			push @flags, $f eq '' ? '-' : $f;
		}
		my @cols = ($path, $pms->{num_relays_unparseable} // 0,
		    $pms->{last_trusted_relay_index}, $pms->{last_internal_relay_index},
		    join(' ', @flags),
		    map { my $s = $pms->{$_} // ''; $s =~ s/[\t\n]/ /g; $s }
		    qw(relays_trusted_str relays_untrusted_str relays_internal_str relays_external_str));
		my $env = $pms->get_envelope_from();
		$env = '<undef>' unless defined $env;
		$env =~ s/[\t\n]/ /g;
		push @cols, $env;
		print join("\t", @cols), "\n";
		$pms->finish();
		$msg->finish();
	}
}
