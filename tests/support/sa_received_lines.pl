#!/usr/bin/perl
# sa_received_lines.pl - SpamAssassin as the oracle for single Received
# fields (src/spam/sa_relays.c's sa_received_parse, issue 15).
#
#   sa_received_lines.pl N SEED
#
# Takes the example fields of SpamAssassin's own Received.pm (its comments:
# one or more per MTA format), then N variants of them made with a fixed
# seed (words dropped, inserted from a list of Received vocabulary, swapped,
# upper-cased; addresses replaced by IPv4/IPv6 forms; characters inserted
# and deleted), and prints for each, tab-separated, the field and what
# SpamAssassin's parse_received_line makes of it:
#
#   -1                                     unparseable
#   0                                      skipped (holds no relay)
#   1 [ ip=... msa=0 ] p=0|1 nrd=0|1 nih=0|1   a relay (ip_private,
#                                          no_reverse_dns, rdns_not_in_headers)
use strict;
use warnings;
use Mail::SpamAssassin;
use Mail::SpamAssassin::Message::Metadata;

my ($n, $seed) = @ARGV;
die "usage: $0 N SEED\n" unless defined $seed;
binmode STDOUT;

my $pm = $INC{'Mail/SpamAssassin/Message/Metadata.pm'};
$pm =~ s{Metadata\.pm$}{Metadata/Received.pm};
open my $fh, '<', $pm or die "$pm: $!";
my @src = <$fh>;
close $fh;
my @ex;
for (my $i = 0; $i < @src; $i++) {
	next unless $src[$i] =~ /^\s*#\s*(?:Received:\s*)?((?:from|FROM|\(from)\s.*?)\s*$/;
	my $t = $1;
	# continuation lines of the same example: indented comment text
	while ($i + 1 < @src && $src[$i + 1] =~ /^\s*#(\s{2,})(\S.*?)\s*$/
	    && $2 !~ /^(?:Received:|from |FROM |\(from |[A-Z][a-z]+:|http|bug|Note|\$|if |these|This|See|MS|Exim|Sendmail|Postfix)/) {
		$t .= " $2";
		$i++;
	}
	push @ex, $t;
}

my @ips = ('10.0.0.1', '192.0.2.55', 'IPv6:2001:db8::5', '::ffff:10.1.1.1', 'fe80::1%eth0',
    '2001:db8:1:2:3:4:5:6', '127.0.0.1', '300.1.1.1', '1.2.3', '[1.2.3.4]', '::');
my @words = ('by', 'from', 'with', 'ESMTPA', 'ESMTPSA', 'HTTP', '(Postfix)', 'Exim', 'helo=x.y',
    'ident=z', '(authenticated bits=0)', 'envelope-from <a@b.c>', 'id <abc@def>', 'SMTPSVC',
    '(qmail-1.03)', 'via', 'for', 'unknown', '(may be forged)', '[', ']', '(', ')', ';',
    'localhost', 'IMAP', '(fetchmail-6)', 'CommuniGate Pro SMTP', '(account x',
    'Microsoft SMTP Server', 'mapi id 15.20.1.2');
my @chars = split //, '()[]<>@;:.=-_ /\\!#%*$^&?+,"\'aAzZ09';
srand($seed);
my @lines = @ex;
for my $k (1 .. $n) {
	my @t = split / /, $ex[int(rand(@ex))];
	for (1 .. 1 + int(rand(4))) {
		my $op = rand();
		my $i = int(rand(@t));
		if ($op < 0.25 && @t > 2) { splice(@t, $i, 1) }
		elsif ($op < 0.5) { splice(@t, int(rand(@t + 1)), 0, $words[int(rand(@words))]) }
		elsif ($op < 0.7) { my $ip = $ips[int(rand(@ips))]; $t[$i] =~ s/\d+\.\d+\.\d+\.\d+/$ip/ }
		elsif ($op < 0.8) { $t[$i] = uc $t[$i] }
		elsif ($op < 0.9) { my $j = int(rand(@t)); @t[$i, $j] = @t[$j, $i] }
		else { $t[$i] .= ('.', ';', '[', ')', '(', '>', '@')[int(rand(7))] }
	}
	my $l = join(' ', @t);
	if ($k % 2) {
		my @c = split //, $l;
		for (1 .. 1 + int(rand(6))) {
			my $i = int(rand(@c + 1));
			if (rand() < 0.5) { splice(@c, $i, 1) if $i < @c }
			else { splice(@c, $i, 0, $chars[int(rand(@chars))]) }
		}
		$l = join('', @c);
	}
	push @lines, $l;
}

my $md = bless {}, 'Mail::SpamAssassin::Message::Metadata';
for my $l (@lines) {
	my $r = $md->parse_received_line($l);
	my $res = !defined $r ? '-1' : !$r ? '0' :
	    sprintf('1 %s p=%d nrd=%d nih=%d', $r->{as_string}, $r->{ip_private} ? 1 : 0,
	    $r->{no_reverse_dns} ? 1 : 0, $r->{rdns_not_in_headers} ? 1 : 0);
	print "$l\t$res\n";
}
