#!/usr/bin/perl
# tests/sa/meta-perl.pl - SpamAssassin's own meta rule evaluation, for the
# differential test of src/spam/sa_meta.c (tests/sa/meta-perl.sh runs it,
# then test_sa_meta --perl on its output).
#
# Loads SpamAssassin 4 with its stock rules (/usr/share/spamassassin) plus
# every expression of tests/sa/meta-exprs.txt as a meta rule
# (post_config_text: SpamAssassin itself validates them, is_meta_valid(),
# and compiles them, compile_meta_rules(): no rewriting is copied here),
# then calls SpamAssassin's compiled meta subs ($conf->{meta_tests}, as
# Plugin/Check.pm do_meta_tests() does) with random hit counts 0, 1 or 2
# for every name of the expression.  Prints, tab-separated:
#   V <expr> <1|0> <mamori>              SpamAssassin accepted the expression;
#                                        mamori: "refuse" after the line
#                                        [mamori-refuses] of the list, else "same"
#   E <rule> <expr> <n=v ...> <value>    value printed %.17g, or DIE
# Usage: meta-perl.pl EXPRS_FILE ROUNDS_STOCK ROUNDS_SYNTHETIC [SEED]
use strict;
use warnings;
use Mail::SpamAssassin;
use Mail::SpamAssassin::Constants;

my ($exprs_file, $rounds_stock, $rounds_syn, $seed) = @ARGV;
die "usage: $0 EXPRS ROUNDS_STOCK ROUNDS_SYNTHETIC [SEED]\n" unless defined $rounds_syn;
srand(defined $seed ? $seed : 15);

my (@syn, @refuse);
my $refusing = 0;
open(my $fh, '<', $exprs_file) or die "$exprs_file: $!\n";
while (my $l = <$fh>) {
  chomp $l;
  next if $l =~ /^\s*(?:;|$)/;    # ';' starts a comment line of the list
  if ($l eq '[mamori-refuses]') { $refusing = 1; next; }
  push @syn, $l;
  push @refuse, $refusing;
}
close $fh;

my $post = '';
for my $i (0 .. $#syn) {
  $post .= sprintf("meta __MAMORI_SYN_%03d %s\n", $i, $syn[$i]);
}

my $sa = Mail::SpamAssassin->new({
  rules_filename => '/usr/share/spamassassin',
  site_rules_filename => '/nonexistent',
  userprefs_filename => '/dev/null',
  dont_copy_prefs => 1,
  local_tests_only => 1,
  post_config_text => "allow_user_rules 1\n" . $post,
});
{
  local $SIG{__WARN__} = sub { };    # the invalid synthetic ones are warned about
  $sa->init(0);
}
my $conf = $sa->{conf};
my $lexer = Mail::SpamAssassin::Constants::ARITH_EXPRESSION_LEXER;
my $isname = Mail::SpamAssassin::Constants::IS_RULENAME;
my $pms = { main => { local_tests_only => 0 } };

sub one_line { my $s = shift; $s =~ s/\s+/ /g; $s =~ s/^ | $//g; return $s; }

sub rounds {
  my ($rule, $expr, $n) = @_;
  my %names;
  for my $t ($expr =~ /($lexer)/g) {
    $names{$t} = 1 if $t =~ $isname;
  }
  my @names = sort keys %names;
  local $SIG{__WARN__} = sub { };    # undef + 1 in "a + ()"
  for (1 .. $n) {
    my %h = map { $_ => int(rand(3)) } @names;
    my $v = eval { $conf->{meta_tests}->{$rule}->($pms, \%h) };
    my $out = $@ ne '' ? 'DIE' : sprintf('%.17g', defined $v && $v ne '' ? $v : 0);
    print join("\t", 'E', $rule, one_line($expr),
        join(' ', map { "$_=$h{$_}" } @names), $out), "\n";
  }
}

for my $i (0 .. $#syn) {
  my $rule = sprintf('__MAMORI_SYN_%03d', $i);
  my $ok = defined $conf->{tests}->{$rule} && defined $conf->{meta_tests}->{$rule} ? 1 : 0;
  print join("\t", 'V', one_line($syn[$i]), $ok, $refuse[$i] ? 'refuse' : 'same'), "\n";
  rounds($rule, $conf->{tests}->{$rule}, $rounds_syn) if $ok && !$refuse[$i];
}

my $stock = 0;
for my $rule (sort keys %{$conf->{meta_tests}}) {
  next if $rule =~ /^__MAMORI_SYN_/;
  next unless ($conf->{test_types}->{$rule} || 0) == $Mail::SpamAssassin::Conf::TYPE_META_TESTS;
  my $expr = $conf->{tests}->{$rule};
  next unless defined $expr;
  next if $expr =~ /rules_matching/;    # expanded by the loader, not here
  $stock++;
  rounds($rule, $expr, $rounds_stock);
}
print STDERR "meta-perl.pl: ", scalar(@syn), " synthetic expressions, $stock stock meta rules\n";
