# Determinism, progress past filtered transactions, option errors.
#
# (i)  Decoding the same slot range twice gives the same bytes: twice in one
#      session, in another session, and in a session whose settings change
#      how values print as text (TimeZone, DateStyle, IntervalStyle,
#      extra_float_digits, search_path, bytea_output). Event ids are a
#      function of the log position; the rest of a message must be one too,
#      or a redelivery is not a duplicate.
# (ii) A stream whose transactions are all filtered out (exclude-tables)
#      writes nothing, yet pg_recvlogical's confirmed position moves past
#      them, so the slot does not hold WAL back.
# (iii) pg_recvlogical --start with an unknown option, an option without a
#      value or a bad value fails with an error that names the option.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use W2ETest;

my $cli = W2ETest::cli();
my $node = W2ETest::new_node('determinism');
$node->start;
my $dir = PostgreSQL::Test::Utils::tempdir();

# ---- (i) determinism -------------------------------------------------------

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
	CREATE SCHEMA app;
	CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
	-- every column natively encoded
	CREATE TABLE readings (
	    id int PRIMARY KEY, ok bool, f4 real, f8 float8, n numeric(20,6),
	    b bytea, u uuid, j jsonb, js json, iv interval, ts timestamp,
	    tstz timestamptz, d date, t time, m mood, p app.positive,
	    words text[], nums int[], stamps timestamptz[]);
	-- columns sent as their type's text output
	CREATE TABLE spans (id int PRIMARY KEY, during tstzrange, days daterange,
	                    grid interval[][]);
	SELECT 'init' FROM pg_create_logical_replication_slot('det', 'wal2events');
});
$node->safe_psql(
	'postgres', q{
	INSERT INTO readings
	SELECT g, g % 2 = 0, g / 3.0, 0.1 * g, 12345.678901 * g,
	       decode(md5(g::text), 'hex'), md5(g::text)::uuid,
	       jsonb_build_object('g', g, 'half', g / 2.0), '{"raw": [1, 2.50]}',
	       make_interval(days => g, secs => 1.5), '2024-02-29 12:34:56.789',
	       '2024-02-29 12:34:56.789+05:30', '2024-02-29', '23:59:59.999999',
	       'happy', g, ARRAY['a,b', 'c"d', NULL], ARRAY[g, -g],
	       ARRAY['2024-01-01 00:00+00'::timestamptz, 'infinity']
	  FROM generate_series(1, 10) g;
	BEGIN;
	UPDATE readings SET f8 = 'NaN', n = 'NaN', m = 'sad' WHERE id = 1;
	DELETE FROM readings WHERE id = 2;
	SELECT wal2events.emit('readings-checked', '1', '{"at": "2024-02-29T00:00:00Z"}',
	                       '{"by": "tap"}');
	COMMIT;
	INSERT INTO spans VALUES
	    (1, tstzrange('2024-01-01 10:00+00', '2024-01-02 10:00+00'),
	     daterange('2024-01-01', '2024-02-01'),
	     ARRAY[['1 day 2 hours', '-3 mons'], ['00:00:01.5', '1 year']]::interval[]);
});
my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

# count, size and md5 of everything the slot range decodes to, in order
sub peek_query
{
	my ($table) = @_;
	return qq{
	SELECT count(*) || ' messages, ' || sum(length(data)) || ' bytes, md5 '
	       || md5(string_agg(data, ''::bytea ORDER BY n))
	  FROM pg_catalog.pg_logical_slot_peek_binary_changes(
	           'det', '$endpos', NULL, 'tables', 'public.$table', 'max-events', '3')
	       WITH ORDINALITY AS c(lsn, xid, data, n);
	};
}
my $other_settings = q{
	SET TimeZone = 'Asia/Kolkata';
	SET DateStyle = 'SQL, DMY';
	SET IntervalStyle = 'sql_standard';
	SET extra_float_digits = -3;
	SET search_path = app, pg_catalog;
	SET bytea_output = 'escape';
};

my $readings = peek_query('readings');
my ($first, $second) = split /\n/,
  $node->safe_psql('postgres', $readings . $readings);
like($first, qr/^(\d+) messages/, 'the slot range decodes to messages');
my ($count) = $first =~ /^(\d+)/;
cmp_ok($count, '>', 4, 'including chunks (max-events 3)');
is($second, $first, 'peek twice in one session: identical bytes');
is($node->safe_psql('postgres', $readings),
	$first, 'peek in another session: identical bytes');
is($node->safe_psql('postgres', $other_settings . $readings),
	$first,
	'peek in a session with other TimeZone, DateStyle, IntervalStyle, '
	  . 'extra_float_digits, search_path, bytea_output: identical bytes');

# The same for values PostgreSQL prints as text (ranges, 2-D arrays): their
# output functions follow the session's TimeZone, DateStyle and IntervalStyle,
# which must not leak into the stream.
my $spans = peek_query('spans');
my $spans_default = $node->safe_psql('postgres', $spans);
is($node->safe_psql('postgres', $spans), $spans_default,
	'text-output types: peek in another session: identical bytes');
is($node->safe_psql('postgres', $other_settings . $spans),
	$spans_default,
	'text-output types: peek under other TimeZone, DateStyle, IntervalStyle: identical bytes'
);

# ---- (ii) progress past filtered transactions ------------------------------

$node->safe_psql(
	'postgres', q{
	CREATE TABLE noise (id serial PRIMARY KEY, v int);
	CREATE TABLE signal (id int PRIMARY KEY);
	SELECT 'init' FROM pg_create_logical_replication_slot('progress', 'wal2events');
});
my $stream = "$dir/progress.bin";
my @cmd = W2ETest::recvlogical_command(
	$node,
	slot => 'progress',
	file => $stream,
	options => ['exclude-tables=public.noise'],
	extra => [ '--status-interval', '1', '--fsync-interval', '1' ]);
my $recv = IPC::Run::start(\@cmd, '>', '/dev/null', '2>', "$dir/progress.stderr");
$node->poll_query_until('postgres',
	"SELECT active FROM pg_replication_slots WHERE slot_name = 'progress'")
  or die 'pg_recvlogical did not start streaming';
my $start_lsn = $node->safe_psql('postgres',
	"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'progress'"
);

# 30 small transactions and a 10,000-row one, all on the excluded table
$node->safe_psql('postgres', "INSERT INTO noise (v) VALUES ($_)") for 1 .. 30;
$node->safe_psql('postgres',
	'INSERT INTO noise (v) SELECT g FROM generate_series(1, 10000) g');
my $target = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

# Wait (30s at most) for the slot to confirm past the filtered writes.
sub wait_confirmed
{
	my ($lsn) = @_;
	my $deadline = time + 30;
	my $now;
	while (time < $deadline)
	{
		$now = $node->safe_psql('postgres',
			"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'progress'"
		);
		return ($now, 1)
		  if $node->safe_psql('postgres', "SELECT '$now'::pg_lsn >= '$lsn'::pg_lsn")
		  eq 't';
		sleep 0.2;
	}
	return ($now, 0);
}
my ($confirmed, $passed) = wait_confirmed($target);
ok($passed,
	"confirmed_flush_lsn passes the filtered writes (from $start_lsn to $confirmed, target $target)"
);
is(-s $stream // 0, 0, 'filtered transactions write no message');

# The stream is live and filters only noise: a change to another table comes.
$node->safe_psql('postgres', 'INSERT INTO signal VALUES (1)');
my $deadline = time + 30;
sleep 0.1 while (-s $stream // 0) == 0 && time < $deadline;
my ($out, $err) = ('', '');
IPC::Run::run([ $cli, 'decode', $stream ], '>', \$out, '2>', \$err);
my @lines = split /\n/, $out;
is(scalar @lines, 1, 'one message after a change to a table not excluded')
  or diag($err);
is(eval { decode_json($lines[0])->{events}[0]{type} } // '',
	'signal-created', 'it is the signal row');
$target = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');
($confirmed, $passed) = wait_confirmed($target);
ok($passed, "confirmed_flush_lsn passes it too ($confirmed, target $target)");

$recv->signal('TERM');
$recv->finish;
$node->poll_query_until('postgres',
	"SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'progress'");

# ---- (iii) option errors -----------------------------------------------------

$node->safe_psql('postgres',
	"SELECT 'init' FROM pg_create_logical_replication_slot('opts', 'wal2events')");
for my $case (
	[ 'no-such-option=1', qr/unknown wal2events option "no-such-option"/,
		'an unknown option' ],
	[ 'max-events', qr/wal2events option "max-events" needs a value/,
		'an option without its value' ],
	[ 'format=xml', qr/invalid value "xml" for wal2events option "format"/,
		'a bad value' ],
	[ 'exclude-tables', qr/wal2events option "exclude-tables" needs a value/,
		'a missing table list' ])
{
	my ($option, $message, $what) = @$case;
	my ($rc, $stderr) = W2ETest::recvlogical(
		$node,
		slot => 'opts',
		options => [$option],
		timeout => 60);
	ok($rc > 0, "pg_recvlogical -o $option fails ($what)");
	like($stderr, $message, "the error names the option (-o $option)");
}
my ($rc, $stderr) = W2ETest::recvlogical(
	$node,
	slot => 'opts',
	options => [ 'max-events=5', 'max-events=6' ],
	timeout => 60);
ok($rc > 0, 'pg_recvlogical with an option given twice fails');
like($stderr, qr/wal2events option "max-events" given more than once/,
	'the error names the repeated option');

$node->stop;
done_testing();
