# Routes survive pg_dump and restore.
#
# wal2events.routes is a configuration table of the extension
# (pg_extension_config_dump), so pg_dump writes its rows with the
# extension; the table is stored as regclass, so the rows name their tables
# and a restore maps them to the new tables by name, whatever their OIDs.
# Restored into a fresh database, the routes apply as before: event types,
# key, subject, tags, the excluded column, the outbox.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use Test::More;
use W2ETest;

my $node = W2ETest::new_node('routes_dump');
$node->start;
my $dir = PostgreSQL::Test::Utils::tempdir();

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION wal2events;
	CREATE SCHEMA shop;
	-- a dropped column shifts attribute numbers in the source database only
	CREATE TABLE shop.customers (id int PRIMARY KEY, gone int, name text NOT NULL, email text);
	ALTER TABLE shop.customers DROP COLUMN gone;
	CREATE TABLE shop.outbox (id uuid PRIMARY KEY, aggregatetype text NOT NULL,
	                          aggregateid text NOT NULL, type text NOT NULL, payload jsonb);
	SELECT wal2events.route('shop.customers', entity => 'customer', exclude => '{email}',
	                        subject => 'shop.{type}', tags => '{"team": "crm"}');
	SELECT wal2events.route('shop.outbox', outbox => true);
});

my $routes_query = q{
	SELECT rel, entity, created, partition_key, columns, exclude, subject, tags, outbox
	  FROM wal2events.routes ORDER BY rel::text};
my $before = $node->safe_psql('postgres', $routes_query);

my $dump = "$dir/routes.dump";
command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ],
	'pg_dump of a database with routes');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore into a fresh database');

is($node->safe_psql('restored', $routes_query),
	$before, 'the routes are restored, naming the same tables');
isnt(
	$node->safe_psql('restored', q{SELECT 'shop.customers'::regclass::oid}),
	$node->safe_psql('postgres', q{SELECT 'shop.customers'::regclass::oid}),
	'although the tables have new OIDs');

# The restored routes apply.
$node->safe_psql(
	'restored', q{
	SELECT 'init' FROM pg_create_logical_replication_slot('s', 'wal2events');
	INSERT INTO shop.customers VALUES (1, 'ada', 'ada@example.com');
	INSERT INTO shop.outbox VALUES ('6f1e0f4e-0000-4000-8000-000000000001', 'Customer', '1',
	                                'CustomerRegistered', '{"id": 1}');
});
my $events = $node->safe_psql(
	'restored', q{
	SELECT e->>'type', e->>'partition_key', e->>'subject', e->'new', e->'tags',
	       CASE WHEN e->>'id' ~ '^[0-9]+/[0-9A-F]{16}/[0-9]+$' THEN 'log id' ELSE e->>'id' END
	  FROM pg_logical_slot_peek_binary_changes('s', NULL, NULL) p,
	       jsonb_array_elements(wal2events.decode(p.data)->'events') e});
is( $events,
	qq{customer-created|1|shop.{type}|{"id": 1, "name": "ada"}|{"team": "crm"}|log id\n}
	  . qq{CustomerRegistered|1|||{"aggregatetype": "Customer"}|6f1e0f4e-0000-4000-8000-000000000001},
	'restored routes shape the events: type, key, subject, tags, excluded column, outbox');

# A plain SQL dump restores them too.
my $sql = "$dir/routes.sql";
command_ok([ 'pg_dump', '-f', $sql, '-d', $node->connstr('postgres') ],
	'pg_dump as SQL');
$node->safe_psql('postgres', 'CREATE DATABASE restored_sql');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $sql, '-d', $node->connstr('restored_sql') ],
	'the SQL dump replays');
is($node->safe_psql('restored_sql', $routes_query),
	$before, 'the routes are restored from the SQL dump');

$node->stop;
done_testing();
