# No committed transaction can stop a slot: 1 GB cases.
#
# LONG TEST (about two and a half minutes, some 4 GB of walsender memory at its peak,
# 2.2 GB of WAL, of which PostgreSQL's own decoding takes most: the pgoutput
# floor needs as much). It runs in CI all the same, because
# what it proves cannot be proven with small values: that PostgreSQL's 1 GB
# limit on a buffer is never reached, whatever a transaction holds.
#
# Each case commits a transaction that, before the Oversized marker, made
# the plugin fail with "Cannot enlarge string buffer" on every retry, so
# the slot never moved again; then a small transaction after it. Then
# pg_recvlogical reads the slot up to past that later transaction: it must
# get there (exit 0), with the big event or value as a marker (its size
# and SHA-256) and everything else intact.
#
#  1. a few MB of emit() events, then a ~1 GB logical message with the
#     prefix "wal2events", in one transaction (protobuf);
#  2. 9,000 small rows and one ~1 GB text value (stored uncompressed), in
#     one transaction (protobuf);
#  3. one 180 MB bytea with format=json (its hex rendering would be 360 MB,
#     past the default max-event-bytes of 256 MB).
#
# The walsender's peak resident set (VmHWM) is sampled as in
# 002_large_transaction_memory.pl. PostgreSQL itself holds several copies of
# a 1 GB record or value while decoding it (the WAL reader's buffer, the
# reorder buffer's change, its spill and restore buffers), so the peak is
# compared with the floor: a pgoutput slot with an empty publication
# decoding the same transaction, which does all that and sends nothing. The
# plugin may add no copy of its own (256 MB of slack; a copy is 1 GB).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use Digest::SHA;
use JSON::PP;
use POSIX qw(WNOHANG);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use W2ETest;

my $cli = W2ETest::cli();
my $gb = 1_000_000_000;
my $blob_bytes = 180 * 1024 * 1024;

my $node = W2ETest::new_node('oversized');
$node->append_conf(
	'postgresql.conf', q{
logical_decoding_work_mem = 64MB
shared_buffers = 128MB
max_wal_size = 8GB
checkpoint_timeout = 1h
});
$node->start;
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE TABLE small (id int PRIMARY KEY, note text NOT NULL);
	CREATE TABLE big (id int PRIMARY KEY, v text);
	ALTER TABLE big ALTER v SET STORAGE EXTERNAL;
	CREATE TABLE blob (id int PRIMARY KEY, b bytea);
	ALTER TABLE blob ALTER b SET STORAGE EXTERNAL;
	CREATE TABLE later (id int PRIMARY KEY);
	CREATE PUBLICATION floor_pub;
});

my $dir = PostgreSQL::Test::Utils::tempdir();

# pg_recvlogical on the slot up to endpos into file, sampling the
# walsender's peak RSS; returns (exit status, peak kB, seconds).
sub decode_and_measure
{
	my ($slot, $endpos, $file, @options) = @_;
	my @cmd = W2ETest::recvlogical_command(
		$node,
		slot => $slot,
		endpos => $endpos,
		file => $file,
		options => \@options);
	my $started = time;
	my $pid = fork // die "fork: $!";
	if ($pid == 0)
	{
		open STDOUT, '>', "$dir/$slot.stdout" or die $!;
		open STDERR, '>', "$dir/$slot.stderr" or die $!;
		{ exec @cmd };
		POSIX::_exit(127);
	}
	my ($walsender, $peak_kb) = (undef, 0);
	my $deadline = $started + $PostgreSQL::Test::Utils::timeout_default;
	while (waitpid($pid, WNOHANG) == 0)
	{
		if (time > $deadline)
		{
			kill 'KILL', $pid;
			waitpid($pid, 0);
			diag("pg_recvlogical on $slot did not reach $endpos in time");
			return (-1, $peak_kb, time - $started);
		}
		$walsender //= $node->safe_psql('postgres',
			"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'"
		) || undef;
		if ($walsender && open my $status, '<', "/proc/$walsender/status")
		{
			while (<$status>)
			{
				$peak_kb = $1 if /^VmHWM:\s+(\d+) kB/ && $1 > $peak_kb;
			}
			close $status;
		}
		sleep 0.1;
	}
	my $rc = $? >> 8;
	diag(slurp_file("$dir/$slot.stderr")) if $rc != 0;
	return ($rc, $peak_kb, time - $started);
}

# Commit $sql in one transaction, then a later one; read the slot past it.
# Returns the messages as decoded JSON objects.
sub run_case
{
	my ($slot, $later_id, $sql, @options) = @_;
	$node->safe_psql('postgres',
		"SELECT 'init' FROM pg_create_logical_replication_slot('$slot', 'wal2events');"
		  . "SELECT 'init' FROM pg_create_logical_replication_slot('${slot}_floor', 'pgoutput')");
	my $t0 = time;
	$node->safe_psql('postgres', "BEGIN; $sql; COMMIT;");
	my $write_secs = time - $t0;
	$node->safe_psql('postgres', "INSERT INTO later VALUES ($later_id)");
	my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

	my $file = "$dir/$slot.out";
	my ($rc, $peak_kb, $secs) = decode_and_measure($slot, $endpos, $file, @options);
	is($rc, 0, "$slot: pg_recvlogical reads past the transaction to $endpos");
	my ($floor_rc, $floor_kb, $floor_secs) = decode_and_measure("${slot}_floor", $endpos,
		'/dev/null', 'proto_version=1', 'publication_names=floor_pub');
	is($floor_rc, 0, "$slot: the pgoutput floor decodes it too");
	note(sprintf('%s: write %.1fs, decode %.1fs (floor %.1fs), walsender peak RSS %.0f MB '
		  . '(floor %.0f MB), output %.1f MB',
		$slot, $write_secs, $secs, $floor_secs, $peak_kb / 1024, $floor_kb / 1024,
		(-s $file // 0) / 1048576));
	cmp_ok($peak_kb, '<', $floor_kb + 256 * 1024,
		"$slot: the walsender's peak RSS stays within 256 MB of the floor's");

	my $json = '';
	if (grep { $_ eq 'format=json' } @options)
	{
		$json = slurp_file($file);
	}
	else
	{
		my $err = '';
		IPC::Run::run([ $cli, 'decode', $file ], '>', \$json, '2>', \$err);
		is($? >> 8, 0, "$slot: wal2events decode reads what the plugin wrote")
		  or diag($err);
	}
	my @messages = map { decode_json($_) } grep { /\S/ } split /\n/, $json;
	my @later = grep { ($_->{type} // '') eq 'later-created' && $_->{new}{id} == $later_id }
	  map { @{ $_->{events} } } @messages;
	is(scalar @later, 1, "$slot: the transaction after it arrives");
	unlink $file;
	$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('$slot');"
		  . "SELECT pg_drop_replication_slot('${slot}_floor')");
	return @messages;
}

# The marker of $bytes bytes, each $byte; undef $byte: any SHA-256.
sub is_marker
{
	my ($marker, $bytes, $byte, $what) = @_;
	my $sha = qr/^[0-9a-f]{64}$/;
	if (defined $byte)
	{
		my $digest = Digest::SHA->new(256);
		my $mb = $byte x 1048576;
		$digest->add($mb) for 1 .. int($bytes / 1048576);
		$digest->add($byte x ($bytes % 1048576));
		$sha = $digest->hexdigest;
	}
	ok( ref $marker eq 'HASH'
		  && ($marker->{bytes} // -1) == $bytes
		  && ($marker->{sha256} // '') =~ (ref $sha ? $sha : qr/^$sha$/),
		"$what: an oversized marker of $bytes bytes"
		  . (defined $byte ? ' and their SHA-256' : ' with a SHA-256'))
	  or diag(explain($marker));
	return;
}

# 1. a few MB of emit() events, then a ~1 GB logical message
my @m1 = run_case(
	'big_message', 1, qq{
	SELECT count(wal2events.emit('filler', g::text, jsonb_build_object('pad', repeat('p', 1000))))
	FROM generate_series(1, 4000) g;
	SELECT pg_logical_emit_message(true, 'wal2events', repeat('x', $gb)) IS NOT NULL});
my @events1 = map { @{ $_->{events} } } grep { $_->{xid} == $m1[0]{xid} } @m1;
is(scalar(grep { $_->{type} eq 'filler' && $_->{payload}{pad} } @events1),
	4000, 'big_message: the 4,000 emit() events arrive whole');
is_marker($events1[-1]{oversized}, $gb, 'x', 'big_message: the 1 GB message');
is($events1[-1]{position}, 4000, 'big_message: the marker keeps its position');
is($m1[-2]{oversized}, 1, 'big_message: its message counts one marker');

# 2. 9,000 small rows and one ~1 GB value
my @m2 = run_case(
	'big_value', 2, qq{
	INSERT INTO small SELECT g, 'row ' || g FROM generate_series(1, 9000) g;
	INSERT INTO big VALUES (1, repeat('v', $gb))});
my @events2 = map { @{ $_->{events} } } grep { $_->{xid} == $m2[0]{xid} } @m2;
is(scalar(grep { $_->{type} eq 'small-created' } @events2),
	9000, 'big_value: the 9,000 small rows arrive');
is($events2[-1]{type}, 'big-created', 'big_value: the big row is an event');
is($events2[-1]{new}{id}, 1, 'big_value: with its other values');
is_marker($events2[-1]{new}{v}{oversized}, $gb, 'v', 'big_value: the 1 GB value');

# 3. format=json: a 180 MB bytea
my @m3 = run_case(
	'big_json', 3,
	"INSERT INTO blob VALUES (1, decode(repeat('ab', $blob_bytes), 'hex'))",
	'format=json');
my @blob = grep { ($_->{type} // '') eq 'blob-created' } map { @{ $_->{events} } } @m3;
is_marker($blob[0]{new}{b}{oversized}, $blob_bytes, "\xab",
	'big_json: the 180 MB bytea in JSON');

$node->stop;
done_testing();
