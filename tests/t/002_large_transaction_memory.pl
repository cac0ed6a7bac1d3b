# A large transaction is decoded in flat memory.
#
# One INSERT of 500,000 narrow rows and one of 5,000,000, each decoded by a
# walsender (pg_recvlogical up to the transaction's end) from a slot of its
# own. While it runs, the walsender's peak resident set (VmHWM in
# /proc/<pid>/status) is sampled. With logical_decoding_work_mem at its
# default of 64MB the reorder buffer spills both transactions to disk; if the
# plugin then kept what it writes, or anything per event, the 5M run would
# need some 300MB more than the 500k one. The peak must stay within 1.5x.
# The output must also be cut into ceil(rows / max-events) chunks: the
# plugin may only keep one chunk.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use JSON::PP;
use POSIX qw(ceil WNOHANG);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use W2ETest;

my $cli = W2ETest::cli();
my $max_events = 10_000;    # the plugin's default

my $node = W2ETest::new_node('large_txn');
$node->append_conf(
	'postgresql.conf', q{
logical_decoding_work_mem = 64MB
shared_buffers = 128MB
max_wal_size = 4GB
checkpoint_timeout = 1h
});
$node->start;
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE TABLE narrow (id int PRIMARY KEY, note text NOT NULL);
});

my $dir = PostgreSQL::Test::Utils::tempdir();

# Peak RSS (kB) of the walsender decoding the slot, sampled until
# pg_recvlogical exits; also its exit status and run time.
sub decode_and_measure
{
	my ($slot, $endpos, $file) = @_;
	my @cmd = W2ETest::recvlogical_command(
		$node,
		slot => $slot,
		endpos => $endpos,
		file => $file,
		extra => [ '--status-interval', '1' ]);
	my $started = time;
	my $pid = fork // die "fork: $!";
	if ($pid == 0)
	{
		open STDOUT, '>', "$dir/$slot.stdout" or die $!;
		open STDERR, '>', "$dir/$slot.stderr" or die $!;
		{ exec @cmd };
		print STDERR "cannot run @cmd: $!\n";
		POSIX::_exit(127);
	}

	my ($walsender, $peak_kb, $samples) = (undef, 0, 0);
	my $deadline = $started + $PostgreSQL::Test::Utils::timeout_default;
	while (waitpid($pid, WNOHANG) == 0)
	{
		if (time > $deadline)
		{
			kill 'KILL', $pid;
			waitpid($pid, 0);
			die "pg_recvlogical on $slot did not reach $endpos in time";
		}
		$walsender //= $node->safe_psql('postgres',
			"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'"
		) || undef;
		if ($walsender && open my $status, '<', "/proc/$walsender/status")
		{
			while (<$status>)
			{
				if (/^VmHWM:\s+(\d+) kB/)
				{
					$peak_kb = $1 if $1 > $peak_kb;
					$samples++;
				}
			}
			close $status;
		}
		sleep 0.1;
	}
	my $rc = $? >> 8;
	diag(slurp_file("$dir/$slot.stderr")) if $rc != 0;
	return ($rc, $peak_kb, $samples, time - $started);
}

# Count the messages in the file and decode the first and the last.
sub check_chunks
{
	my ($rows, $file, $last_id) = @_;
	my $chunks = ceil($rows / $max_events);
	my @frames = W2ETest::scan_frames($file);
	is(scalar @frames, $chunks, "$rows rows come as $chunks chunk messages");

	W2ETest::extract_frames($file, "$file.ends", $frames[0], $frames[-1]);
	my ($out, $err) = ('', '');
	IPC::Run::run([ $cli, 'decode', "$file.ends" ], '>', \$out, '2>', \$err);
	is($? >> 8, 0, 'first and last chunk decode') or diag($err);
	my ($first, $last) = map { decode_json($_) } split /\n/, $out;
	is_deeply(
		[
			$first->{chunk}, ($first->{last_chunk} ? 1 : 0),
			scalar @{ $first->{events} }, $first->{events}[0]{position}
		],
		[ 0, 0, $max_events, 0 ],
		"first chunk: index 0, not last, $max_events events from position 0");
	is_deeply(
		[
			$last->{chunk}, ($last->{last_chunk} ? 1 : 0),
			$last->{events}[-1]{position}, $last->{events}[-1]{new}{id}
		],
		[ $chunks - 1, 1, $rows - 1, $last_id ],
		"last chunk: index @{[$chunks - 1]}, last, ends at position @{[$rows - 1]}"
	);
	is($last->{commit_lsn}, $first->{commit_lsn},
		'first and last chunk carry the same commit_lsn');
	return;
}

my %peak;
my $next_id = 1;
for my $rows (500_000, 5_000_000)
{
	my $slot = "rows_$rows";
	$node->safe_psql('postgres',
		"SELECT 'init' FROM pg_create_logical_replication_slot('$slot', 'wal2events')"
	);
	my $t0 = time;
	$node->safe_psql('postgres',
		"INSERT INTO narrow SELECT g, 'row ' || g FROM generate_series($next_id, $next_id + $rows - 1) g"
	);
	my $insert_secs = time - $t0;
	$next_id += $rows;
	my $last_id = $next_id - 1;
	my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

	my $file = "$dir/$slot.bin";
	my ($rc, $peak_kb, $samples, $secs) =
	  decode_and_measure($slot, $endpos, $file);
	is($rc, 0, "pg_recvlogical decodes the $rows-row transaction");
	cmp_ok($samples, '>', 0, "walsender memory was sampled ($samples times)");
	note(
		sprintf(
			'%d rows: insert %.1fs, decode %.1fs, walsender peak RSS (VmHWM) %.1f MB, output %.1f MB',
			$rows, $insert_secs, $secs, $peak_kb / 1024, (-s $file) / 1048576));
	$peak{$rows} = $peak_kb;

	# prove that the reorder buffer did spill, i.e. the test measured the
	# plugin's memory and not a transaction held whole by PostgreSQL
	my $spilled = $node->safe_psql('postgres',
		"SELECT spill_txns > 0 FROM pg_stat_replication_slots WHERE slot_name = '$slot'"
	);
	is($spilled, 't', "the $rows-row transaction spilled to disk");

	check_chunks($rows, $file, $last_id);
	unlink $file, "$file.ends";
	$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('$slot')");
}

note(sprintf('walsender peak RSS: 500k rows %.1f MB, 5M rows %.1f MB (ratio %.2f)',
	$peak{500_000} / 1024, $peak{5_000_000} / 1024,
	$peak{5_000_000} / ($peak{500_000} || 1)));
cmp_ok($peak{5_000_000}, '<', 1.5 * $peak{500_000},
	'peak RSS for 5M rows is under 1.5x that for 500k rows');

$node->stop;
done_testing();
