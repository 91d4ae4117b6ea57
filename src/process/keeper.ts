/**
 * The keeper: a few lines of Perl (perl-base is essential on Debian and ships with macOS) that zk-coord runs
 * between itself and a supervised command, because Node can neither put a child in a new process group of
 * the same session (it only offers setsid, which takes the terminal away), nor hand it the terminal
 * (tcsetpgrp), nor make it die with its parent.
 *
 * The keeper:
 * - makes a process group of its own (setpgid) in zk-coord's session, so one signal to the group reaches the
 *   command and everything it started, and hands that group the terminal when zk-coord had it (Ctrl+C and
 *   interactive programs then work as if the shell had started the command);
 * - forks and execs the command, and exits with its status (128 + N when a signal killed it, as a shell does);
 * - reads a lifeline pipe on fd 3 whose write end only zk-coord holds: at EOF (zk-coord died: SIGKILL, OOM,
 *   crash) it SIGKILLs the whole group at once;
 * - with a deadline (first argument, ms; 0 for none), also SIGKILLs the group when no renewal arrived for
 *   that long: zk-coord renews only when it hears from ZooKeeper, so a zk-coord that is paused (SIGSTOP),
 *   starved or partitioned cannot keep its command running into the time another holder may start. A renewal
 *   is a line with the absolute deadline (epoch ms: when the server last provably heard zk-coord, plus the
 *   margin), and the third argument is the first one: a renewal that waited in the pipe, or a spawn that came
 *   late after the acquire, cannot stretch the deadline. The relative deadline still caps each one.
 * - once the command has exited, stays until what it left running in its group is gone (SIGTERM, SIGKILL after
 *   the cleanup grace, second argument, ms), still guarded by the lifeline and the deadline: a zk-coord killed
 *   or stalled during that cleanup must not leave a background job running (found by the margin benchmark,
 *   bench/margin.mjs: a SIGTERM-proof background job outlived a SIGKILLed zk-coord).
 * Signals sent to the group reach the keeper too (and elect --standby's --role-signal: USR1, USR2, ALRM, WINCH):
 * it survives them (a handler, not SIG_IGN, so the command
 * still gets the default dispositions through exec) to report the command's real status.
 */
/** The signals the keeper takes as "stop" (its %stop_number below): before its fork, one means never start. */
export const KEEPER_STOP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM']);

export const KEEPER_SCRIPT = String.raw`
use strict; use warnings;
use POSIX qw(setpgid tcgetpgrp tcsetpgrp WNOHANG _exit);
use Time::HiRes qw(time);
my $deadline_ms = shift @ARGV;
my $cleanup_ms = shift @ARGV;
my $first_until_ms = shift @ARGV;
my $original = getpgrp();
# Handlers before setpgid: from then on signals to the group reach the keeper, which must survive them to
# report the command's status (a stop right after the spawn is resent by zk-coord as soon as the group
# exists). A stop signal that comes before the fork is remembered: the command is then never started.
my %stop_number = (HUP => 1, INT => 2, QUIT => 3, TERM => 15);
my $stopped_by;
$SIG{$_} = sub { $stopped_by //= $_[0] } for keys %stop_number;
$SIG{$_} = sub {} for qw(CHLD USR1 USR2 ALRM WINCH);
setpgid(0, 0);
# Perl's own start-up may have used what was left of the margin (a starved machine): then never start it.
if ($deadline_ms > 0 && $first_until_ms > 0 && $first_until_ms / 1000 <= time()) {
  print STDERR "zk-coord: past the supervision deadline before the command could start: not starting it\n";
  _exit(137);
}
my $tty = 0;
if (-t STDIN) {
  local $SIG{TTOU} = 'IGNORE';
  $tty = 1 if tcgetpgrp(0) == $original && tcsetpgrp(0, $$);
}
if (defined $stopped_by) {
  if ($tty) { local $SIG{TTOU} = 'IGNORE'; tcsetpgrp(0, $original); }
  _exit(128 + $stop_number{$stopped_by});
}
my $pid = fork();
if (!defined $pid) { print STDERR "zk-coord: cannot fork: $!\n"; _exit(126); }
if ($pid == 0) {
  # The command's own dispositions (exec resets caught signals anyway); a stop caught between the fork and
  # here is honoured, one after it now acts as it would on the command.
  $SIG{$_} = 'DEFAULT' for keys %stop_number, qw(CHLD USR1 USR2 ALRM WINCH);
  _exit(128 + $stop_number{$stopped_by}) if defined $stopped_by;
  POSIX::close(3);
  { no warnings 'exec'; exec { $ARGV[0] } @ARGV; }
  my $missing = $!{ENOENT};
  print STDERR "zk-coord: could not run $ARGV[0]: $!\n";
  _exit($missing ? 127 : 126);
}
open(my $lifeline, '<&=', 3) or do { kill 'KILL', -$$; _exit(126); };
# The deadline a renewal line asks for (epoch ms), never later than the relative deadline from now.
sub renewed {
  my ($asked_ms) = @_;
  my $cap = time() + $deadline_ms / 1000;
  return (defined $asked_ms && $asked_ms > 0 && $asked_ms / 1000 < $cap) ? $asked_ms / 1000 : $cap;
}
my $until = $deadline_ms > 0 ? renewed($first_until_ms) : undef;
my $pending = '';
# Reads what zk-coord wrote; returns false at EOF (zk-coord died), else moves the deadline to the last whole line.
sub read_lifeline {
  my $got = sysread($lifeline, my $buffer, 4096);
  return 0 if !$got;
  $pending .= $buffer;
  if ($pending =~ /(\d+)\n[^\n]*\z/) { $until = renewed($1) if defined $until; }
  $pending =~ s/.*\n//s;
  return 1;
}
my $status;
for (;;) {
  my $done = waitpid($pid, WNOHANG);
  if ($done == $pid) { $status = $?; last; }
  my $wait = 1;
  if (defined $until) { my $left = $until - time(); $wait = $left if $left < $wait; }
  if ($wait <= 0) {
    print STDERR "zk-coord: past the supervision deadline (not renewed in time: ZooKeeper not heard from, or zk-coord stalled): killing the command's process group\n";
    kill 'KILL', -$$;
  }
  my $in = ''; vec($in, 3, 1) = 1;
  my $ready = select(my $out = $in, undef, undef, $wait);
  if ($ready > 0) {
    kill 'KILL', -$$ if !read_lifeline();
  }
}
if ($tty) { local $SIG{TTOU} = 'IGNORE'; tcsetpgrp(0, $original); }
my $group = $$;
# Members of the group that are not zombies (kill 0 counts zombies, which a container's PID 1 may reap late);
# where there is no /proc, kill's answer stands.
sub members {
  my ($g) = @_;
  return 0 unless kill(0, -$g);
  opendir(my $proc, '/proc') or return 1;
  for my $entry (readdir $proc) {
    next unless $entry =~ /^\d+$/;
    open(my $f, '<', "/proc/$entry/stat") or next;
    my $stat = <$f>;
    close $f;
    next unless defined $stat;
    my @fields = split / /, substr($stat, rindex($stat, ')') + 2);
    return 1 if $fields[2] == $g && $fields[0] ne 'Z' && $fields[0] ne 'X';
  }
  return 0;
}
# What the command left running in its group stays under this guard until the group is empty: the keeper
# steps out of the group (back into zk-coord's) to see it empty, SIGTERMs it, SIGKILLs it after the cleanup
# grace, and still kills it at once on the lifeline's EOF or the deadline.
if (setpgid(0, $original) && members($group)) {
  kill 'TERM', -$group;
  my $kill_at = time() + $cleanup_ms / 1000;
  my $killed_at;
  while (members($group)) {
    my $now = time();
    if (!defined $killed_at && ($now >= $kill_at || (defined $until && $now >= $until))) {
      print STDERR "zk-coord: past the supervision deadline (not renewed in time: ZooKeeper not heard from, or zk-coord stalled): killing the command's process group\n" if $now < $kill_at;
      kill 'KILL', -$group;
      $killed_at = $now;
    }
    # Killed members are reaped by init; do not wait on a slow one for ever.
    last if defined $killed_at && $now - $killed_at > 2;
    my $in = ''; vec($in, 3, 1) = 1;
    if (select(my $out = $in, undef, undef, 0.02) > 0) {
      if (!read_lifeline() && !defined $killed_at) { kill 'KILL', -$group; $killed_at = time(); }
    }
  }
}
_exit(($status & 127) ? 128 + ($status & 127) : $status >> 8);
`;
