# An UPDATE that leaves a key TOASTed out of line unchanged, through the
# replication protocol.
#
# The new row of such an UPDATE only points into the TOAST table; a
# walsender decodes with no snapshot to read it with, so a plugin that
# follows the pointer fails ("cannot fetch toast data without an active
# snapshot") on every retry and the slot holds WAL for ever. wal2events
# takes the key from the old row, where PostgreSQL logs the replica
# identity inlined (sql/toast_key.sql proves the same through SQL, with the
# TOAST rows vacuumed away). Here pg_recvlogical streams the same kinds of
# table and must reach its end position, with every partition key right.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;
use W2ETest;

my $node = W2ETest::new_node('toast_key');
$node->start;

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE FUNCTION incompressible(n int, seed text) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$
	    SELECT left(string_agg(md5(seed || i::text), '' ORDER BY i), n) FROM generate_series(1, n / 32 + 1) i
	$$;
	CREATE TABLE tk_external (k text PRIMARY KEY, v int);
	ALTER TABLE tk_external ALTER COLUMN k SET STORAGE EXTERNAL;
	CREATE TABLE tk_plain (k text PRIMARY KEY, v int);
	CREATE TABLE tk_multi (a int, b text, v int, PRIMARY KEY (a, b));
	ALTER TABLE tk_multi ALTER COLUMN b SET STORAGE EXTERNAL;
	CREATE TABLE tk_full (k text PRIMARY KEY, v int, note text);
	ALTER TABLE tk_full REPLICA IDENTITY FULL;
	CREATE TABLE tk_index (id int PRIMARY KEY, k text NOT NULL, v int);
	CREATE UNIQUE INDEX tk_index_k ON tk_index (k);
	ALTER TABLE tk_index REPLICA IDENTITY USING INDEX tk_index_k;
	CREATE TABLE tk_soft (id int PRIMARY KEY, k text NOT NULL, deleted boolean NOT NULL DEFAULT false);
	ALTER TABLE tk_soft REPLICA IDENTITY FULL;
	SELECT wal2events.route('tk_soft', partition_key => '{k}', soft_delete => 'deleted');
	CREATE TABLE tk_outbox (id uuid PRIMARY KEY, aggregatetype text NOT NULL, aggregateid text NOT NULL,
	                        type text NOT NULL, payload jsonb);
	ALTER TABLE tk_outbox ALTER COLUMN aggregateid SET STORAGE EXTERNAL;
	SELECT wal2events.route('tk_outbox', outbox => true);
	CREATE TABLE tk_nothing (k text PRIMARY KEY, v int);
	ALTER TABLE tk_nothing ALTER COLUMN k SET STORAGE EXTERNAL;
	ALTER TABLE tk_nothing REPLICA IDENTITY NOTHING;
	SELECT 'init' FROM pg_create_logical_replication_slot('toast_key', 'wal2events');
});

$node->safe_psql(
	'postgres', q{
	INSERT INTO tk_external VALUES (repeat('x', 2500), 1);
	INSERT INTO tk_plain VALUES (incompressible(2400, 'p'), 1);
	INSERT INTO tk_multi VALUES (7, repeat('b', 2500), 1);
	INSERT INTO tk_full VALUES (incompressible(2500, 'f'), 1, incompressible(5000, 'n'));
	INSERT INTO tk_index VALUES (1, incompressible(2500, 'i'), 1);
	INSERT INTO tk_soft VALUES (1, incompressible(2500, 's'));
	INSERT INTO tk_outbox VALUES ('00000000-0000-0000-0000-000000000001', 'order', repeat('a', 3000),
	                              'order-placed', '{}');
	INSERT INTO tk_nothing VALUES (repeat('n', 2500), 1);
});

# The keys as the events must carry them, before the rows go.
my %key = map { split /\|/, $_, 2 } split /\n/, $node->safe_psql(
	'postgres', q{
	SELECT 'tk_external|' || k FROM tk_external UNION ALL SELECT 'tk_plain|' || k FROM tk_plain
	UNION ALL SELECT 'tk_multi|' || a || ',' || b FROM tk_multi UNION ALL SELECT 'tk_full|' || k FROM tk_full
	UNION ALL SELECT 'tk_index|' || k FROM tk_index UNION ALL SELECT 'tk_soft|' || k FROM tk_soft
	UNION ALL SELECT 'tk_outbox|' || aggregateid FROM tk_outbox
});

$node->safe_psql(
	'postgres', q{
	UPDATE tk_external SET v = 2;
	UPDATE tk_plain SET v = 2;
	UPDATE tk_multi SET v = 2;
	UPDATE tk_full SET v = 2;
	UPDATE tk_index SET v = 2;
	UPDATE tk_soft SET deleted = true;
	UPDATE tk_outbox SET type = 'changed';
	UPDATE tk_nothing SET v = 2;
});
$node->safe_psql('postgres',
	'DELETE FROM tk_external; DELETE FROM tk_plain; DELETE FROM tk_multi; DELETE FROM tk_full; '
	  . 'DELETE FROM tk_index; DELETE FROM tk_soft; DELETE FROM tk_outbox; DELETE FROM tk_nothing');
$node->safe_psql('postgres',
	'VACUUM tk_external, tk_plain, tk_multi, tk_full, tk_index, tk_soft, tk_outbox, tk_nothing');
my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

my $dir = PostgreSQL::Test::Utils::tempdir();
my ($rc, $stderr) = W2ETest::recvlogical(
	$node,
	slot => 'toast_key',
	endpos => $endpos,
	file => "$dir/out.json",
	options => ['format=json']);
is($rc, 0, 'pg_recvlogical streams past the UPDATEs to its end position');
unlike($stderr, qr/toast|ERROR/i, 'no TOAST fetch, no error') or diag($stderr);

my @events = map { @{ decode_json($_)->{events} } } grep { /\S/ } split /\n/,
  slurp_file("$dir/out.json");
my %by = map { (($_->{table} // 'outbox') . ' ' . ($_->{operation} // 'domain')) => $_ } @events;

for my $table (qw(tk_external tk_plain tk_multi tk_full tk_index tk_soft))
{
	for my $operation (qw(insert update delete))
	{
		my $event = $by{"$table $operation"};
		ok(defined $event && $event->{partition_key} eq $key{$table},
			"$table $operation: the partition key is the whole key ("
			  . length($key{$table}) . ' chars)');
	}
}
is($by{'tk_soft update'}{type}, 'tk_soft-deleted', 'the soft delete is a delete');
is_deeply($by{'tk_external update'}{unchanged_toast}, ['k'],
	'the unchanged key is unchanged_toast in new');
is($by{'outbox domain'}{partition_key}, $key{tk_outbox}, 'the outbox event is whole');
is(scalar(grep { ($_->{table} // '') eq 'tk_outbox' } @events), 0,
	'outbox updates and deletes are no events');
is($by{'tk_nothing update'}{partition_key}, '',
	'REPLICA IDENTITY NOTHING: the key is not in the WAL, so it is empty');

# Nothing is left to decode: the slot moved past everything.
my $pending = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_logical_slot_peek_binary_changes('toast_key', '$endpos', NULL)");
is($pending, 0, 'the slot confirmed past the UPDATEs');

$node->stop;
done_testing();
