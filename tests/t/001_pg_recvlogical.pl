# pg_recvlogical writes what wal2events decode reads back.
#
# The same workload (row changes, emit(), a 20,000-row transaction cut into
# chunks by a small max-events) is streamed by pg_recvlogical from two slots
# created at the same point: one in the default protobuf format (framed
# messages, a newline after each), one with -o format=json. `wal2events
# decode` on the binary file must print exactly the lines of the JSON file:
# the plugin and the CLI render with the same library. Then the messages are
# checked one by one (count, chunks, last_chunk flags, positions), and a
# truncated or corrupted copy of the binary file must make the CLI fail with
# the byte offset of the bad frame.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;
use W2ETest;

my $cli = W2ETest::cli();
my $node = W2ETest::new_node('recvlogical');
$node->start;

my $max_events = 1000;
my $bulk_rows = 20_000;

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL,
	                     total numeric(12,2), placed_at timestamptz);
	CREATE TABLE bulk (id int PRIMARY KEY, note text);
	SELECT 'init' FROM pg_create_logical_replication_slot('stream_bin', 'wal2events');
	SELECT 'init' FROM pg_create_logical_replication_slot('stream_json', 'wal2events');
});

# The workload: five transactions, one of them 20 chunks long.
$node->safe_psql('postgres',
	q{INSERT INTO orders VALUES (1, 'ada', 12.50, '2024-05-01 10:00:00+00')});
$node->safe_psql(
	'postgres', q{
	BEGIN;
	INSERT INTO orders VALUES (2, 'grace', 99.99, '2024-05-01 11:00:00+00');
	UPDATE orders SET total = 13.00 WHERE id = 1;
	SELECT wal2events.emit('order-placed', '2', '{"total": 99.99}', '{"source": "tap"}');
	COMMIT;
});
$node->safe_psql('postgres', q{DELETE FROM orders WHERE id = 1});
$node->safe_psql('postgres',
	"INSERT INTO bulk SELECT g, 'note ' || g FROM generate_series(1, $bulk_rows) g"
);
$node->safe_psql('postgres',
	q{SELECT wal2events.emit('import-finished', '', '{"rows": 20000}')});
my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

my $dir = PostgreSQL::Test::Utils::tempdir();
my $bin_file = "$dir/stream.bin";
my $json_file = "$dir/stream.json";

my ($rc, $stderr) = W2ETest::recvlogical(
	$node,
	slot => 'stream_bin',
	endpos => $endpos,
	file => $bin_file,
	options => ["max-events=$max_events"]);
is($rc, 0, 'pg_recvlogical (protobuf) stops at endpos') or diag($stderr);
($rc, $stderr) = W2ETest::recvlogical(
	$node,
	slot => 'stream_json',
	endpos => $endpos,
	file => $json_file,
	options => ['format=json', "max-events=$max_events"]);
is($rc, 0, 'pg_recvlogical (format=json) stops at endpos') or diag($stderr);

# The binary file is framed messages, each followed by pg_recvlogical's newline.
my $bytes = W2ETest::read_binary($bin_file);
my @frames = W2ETest::split_frames($bytes);
my $expected_messages = 4 + $bulk_rows / $max_events;
is(scalar @frames, $expected_messages,
	"binary file holds $expected_messages framed messages");

# wal2events decode prints exactly what format=json wrote.
my ($out, $err) = ('', '');
IPC::Run::run([ $cli, 'decode', $bin_file ], '>', \$out, '2>', \$err);
is($? >> 8, 0, 'wal2events decode exits 0') or diag($err);
is($err, '', 'wal2events decode writes nothing to stderr');
my @decoded = split /\n/, $out;
my @json_lines = split /\n/, slurp_file($json_file);
is(scalar @json_lines, $expected_messages,
	"JSON file holds $expected_messages lines");
is_deeply(\@decoded, \@json_lines,
	'decoded binary stream equals the format=json stream line for line');

# Reading from standard input gives the same.
my $stdin_out = '';
IPC::Run::run([ $cli, 'decode', '-' ], '<', $bin_file, '>', \$stdin_out);
is($stdin_out, $out, 'wal2events decode - (standard input) gives the same lines');

# The messages themselves.
my @messages = map { decode_json($_) } @json_lines;
my @plain = grep { !$_->{chunk} && $_->{last_chunk} } @messages;
is(scalar @plain, 4, 'four transactions come as a single message each');

my @bulk = grep { @{ $_->{events} } && $_->{events}[0]{type} eq 'bulk-created' }
  @messages;
is(scalar @bulk, $bulk_rows / $max_events,
	'the 20,000-row transaction comes as 20 chunks');
is_deeply([ map { $_->{chunk} } @bulk ],
	[ 0 .. $#bulk ], 'chunks are numbered 0..19 in order');
is_deeply(
	[ map { $_->{last_chunk} ? 1 : 0 } @bulk ],
	[ (0) x $#bulk, 1 ],
	'only the last chunk has last_chunk');
is_deeply(
	[ map { scalar @{ $_->{events} } } @bulk ],
	[ ($max_events) x @bulk ],
	"every chunk holds max-events ($max_events) events");
is_deeply(
	[ map { $_->{position} } map { @{ $_->{events} } } @bulk ],
	[ 0 .. $bulk_rows - 1 ],
	'event positions run 0..19999 across the chunks');
my %bulk_ids = map { ($_->{xid} . '/' . $_->{commit_lsn} => 1) } @bulk;
is(scalar keys %bulk_ids, 1, 'all chunks carry the same xid and commit_lsn');
is($bulk[-1]{events}[-1]{new}{id}, $bulk_rows, 'the last chunk ends with the last row');

# Whole transactions, in commit order.
is_deeply(
	[ map { $_->{type} } @{ $messages[1]{events} } ],
	[ 'orders-created', 'orders-updated', 'order-placed' ],
	'the second transaction holds its three events in order');
is_deeply(
	[ $messages[1]{events}[2]{payload}, $messages[1]{events}[2]{tags} ],
	[ { total => 99.99 }, { source => 'tap' } ],
	'emit() payload and tags arrive');
is($messages[2]{events}[0]{type}, 'orders-deleted', 'then the DELETE');
is($messages[-1]{events}[0]{type}, 'import-finished',
	'the stand-alone emit() comes last');
my @lsns = map { my ($hi, $lo) = split m{/}, $_->{commit_lsn}; hex($hi) * 2**32 + hex($lo) }
  @messages;
is_deeply(\@lsns, [ sort { $a <=> $b } @lsns ], 'commit LSNs never go back');

# A truncated copy: the frames before the cut decode, then an error naming
# the offset of the frame that was cut.
my $cut = $frames[3]{offset};
my $truncated = "$dir/truncated.bin";
W2ETest::write_binary($truncated, substr($bytes, 0, $cut + 7));
($out, $err) = ('', '');
IPC::Run::run([ $cli, 'decode', $truncated ], '>', \$out, '2>', \$err);
isnt($? >> 8, 0, 'wal2events decode of a truncated file fails');
like($err, qr/\boffset $cut\b/, "the error names the cut frame's offset ($cut)");
is_deeply([ split /\n/, $out ],
	[ @json_lines[ 0 .. 2 ] ],
	'the three whole frames before the cut were printed');

# A corrupted copy: the second frame's marker byte overwritten.
my $bad = $frames[1]{offset};
my $corrupt = "$dir/corrupt.bin";
my $copy = $bytes;
substr($copy, $bad, 1) = 'X';
W2ETest::write_binary($corrupt, $copy);
($out, $err) = ('', '');
IPC::Run::run([ $cli, 'decode', $corrupt ], '>', \$out, '2>', \$err);
isnt($? >> 8, 0, 'wal2events decode of a corrupted file fails');
like($err, qr/\boffset $bad\b/, "the error names the bad frame's offset ($bad)");

$node->stop;
done_testing();
