# Backfills (issue 9) against the server: consistency under a concurrent
# writer, the committed-but-invisible trap, crashes of the driver, a chunk
# larger than logical_decoding_work_mem, the walsender's memory.
#
# Every part checks the slot's stream with tests/t/backfill_check.sql:
# applied in order (read, insert, update = upsert by key; delete = remove;
# a key-changing update moves the key) it must equal the table; no read may
# differ from what the stream itself had for the key just before it (so no
# read is older than a change before it); no key is read twice.
#
# (1) 20,000 rows under a concurrent writer (pgbench, 4 clients: updates,
#     deletes, inserts inside the key range and above it, key changes, in
#     transactions that span chunks) while CALL wal2events.backfill_run()
#     reads them 500 rows a chunk.
# (2) The trap of the issue: a committed transaction kept invisible by a
#     synchronous standby that does not answer (its commit record is in the
#     WAL, before the low mark, and it is still running for every snapshot).
#     The chunk must wait for it, and its read of the row must carry the
#     update.
# (3) The driver killed in the middle of a chunk (after its low mark, held
#     there by a lock on the table): pg_terminate_backend() of the session
#     running backfill_run(), then kill -9 of it (the server restarts);
#     running it again continues; no key read twice, and the chunks killed
#     leave open windows that must not disturb the next ones.
# (4) Chunks of 5,000 rows of 1 kB with logical_decoding_work_mem = 64kB:
#     the chunk's transaction spills and decodes right.
# (5) A route's entity names the read type; an excluded column is in no
#     WAL record of the backfill.
# (6) Report only: the walsender's peak memory (VmHWM) while pg_recvlogical
#     decodes the backfill of 10,000 rows and of 100,000.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use W2ETest;

my $node = W2ETest::new_node('backfill');
$node->append_conf(
	'postgresql.conf', q{
max_connections = 40
log_statement = none
# (3) kills a backend with SIGKILL: the server must restart, not stop
restart_after_crash = on
});
$node->start;
my $dir = PostgreSQL::Test::Utils::tempdir();

$node->safe_psql('postgres', 'CREATE EXTENSION wal2events');
$node->safe_psql('postgres',
	slurp_file("$FindBin::RealBin/backfill_check.sql"));

# A writer's step on a table (id int PRIMARY KEY, v int, note text) with
# keys up to hi: an update (half), a delete, an insert (into a gap or above
# the table's keys), or a key change; a unique violation or deadlock only
# loses that step.
$node->safe_psql(
	'postgres', q{
CREATE FUNCTION writer_step(tab regclass, hi int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r float8 := random();
    k int := 1 + floor(random() * hi)::int;
    k2 int := 1 + floor(random() * hi)::int;
BEGIN
    IF r < 0.5 THEN
        EXECUTE format('UPDATE %s SET v = v + 1, note = $2 WHERE id = $1', tab)
          USING k, 'updated by ' || pg_backend_pid();
    ELSIF r < 0.65 THEN
        EXECUTE format('DELETE FROM %s WHERE id = $1', tab) USING k;
    ELSIF r < 0.85 THEN
        EXECUTE format('INSERT INTO %s VALUES ($1, 0, $2) ON CONFLICT (id) DO NOTHING', tab)
          USING k, 'inserted';
    ELSE
        EXECUTE format('UPDATE %s SET id = $2, note = $3 WHERE id = $1', tab)
          USING k, k2, 'moved from ' || k;
    END IF;
EXCEPTION WHEN unique_violation OR deadlock_detected THEN
    NULL;
END
$$;
});

sub make_table
{
	my ($table, $rows, $note) = @_;
	$note //= q{'row ' || g};
	$node->safe_psql(
		'postgres', qq{
	CREATE TABLE $table (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL);
	INSERT INTO $table SELECT g, 0, $note FROM generate_series(1, $rows) g;
	SELECT 'init' FROM pg_create_logical_replication_slot('$table', 'wal2events');
	});
	return;
}

# pgbench running writer_step() on the table for some seconds: transactions
# of three steps with a pause inside (open across chunks) and single steps.
sub start_writer
{
	my ($table, $hi, $seconds) = @_;
	my $script = "$dir/writer_$table.sql";
	open my $fh, '>', $script or die "cannot write $script: $!";
	print $fh qq{BEGIN;
SELECT writer_step('$table', $hi);
SELECT writer_step('$table', $hi);
\\sleep 10 ms
SELECT writer_step('$table', $hi);
COMMIT;
SELECT writer_step('$table', $hi);
};
	close $fh;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'pgbench', '-n', '-c', '4', '-j', '4', '-T', $seconds, '-f', $script,
			'-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', \$out, '2>', \$err,
		IPC::Run::timeout($seconds + 120));
	return { h => $h, out => \$out, err => \$err };
}

sub finish_writer
{
	my ($w) = @_;
	$w->{h}->finish;
	my ($tx) = ${ $w->{out} } =~ /number of transactions actually processed: (\d+)/;
	return ($? >> 8, $tx // 0, ${ $w->{err} });
}

# `CALL wal2events.backfill_run(id [, rows_per_second])` in a psql of its own.
sub start_run
{
	my ($id, $rate) = @_;
	my ($out, $err) = ('', '');
	my $call = "CALL wal2events.backfill_run($id" . (defined $rate ? ", $rate" : '') . ')';
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', $call ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(180));
	return { h => $h, out => \$out, err => \$err };
}

sub progress
{
	my ($id) = @_;
	return $node->safe_psql('postgres',
		"SELECT state || ' ' || chunks || ' ' || rows FROM wal2events.backfills WHERE id = $id");
}

# Consume the slot into bf_stream (with the given settings) and return the
# problems bf_problems() finds ('' when none) and the counts by operation.
sub check_stream
{
	my ($table, $settings) = @_;
	$settings //= '';
	$node->safe_psql('postgres', "$settings SELECT bf_capture('$table')");
	my $problems = $node->safe_psql('postgres',
		"SELECT string_agg(p, E'\\n') FROM (SELECT p FROM bf_problems('$table', '$table') p LIMIT 20) x");
	my $counts = $node->safe_psql('postgres', "SELECT bf_counts('$table', '$table')");
	return ($problems, $counts);
}

sub count_of
{
	my ($counts, $op) = @_;
	return $counts =~ /"$op": (\d+)/ ? $1 : 0;
}

# ---- (1) a concurrent writer -------------------------------------------------

make_table('items', 20_000);
my $id = $node->safe_psql('postgres',
	"SELECT wal2events.backfill('items', chunk_rows => 500)");
like($id, qr/^\d+$/, "backfill() registers the backfill of items (id $id)");
is(progress($id), 'pending 0 0', 'registered: pending, nothing read');

my $writer = start_writer('items', 24_000, 9);
sleep 1;
my $t0 = time;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"CALL wal2events.backfill_run($id, 5000)", timeout => 120);
my $run_secs = time - $t0;
is($ret, 0, 'backfill_run() completes under the writer') or diag($stderr);
my ($wrc, $wtx, $werr) = finish_writer($writer);
is($wrc, 0, "the writer ran ($wtx transactions)") or diag($werr);
cmp_ok($wtx, '>', 100, 'the writer wrote throughout');
like(progress($id), qr/^done \d+ \d+$/, 'the backfill is done: ' . progress($id));
note(sprintf('backfill of 20000 rows at 5000 rows/s under the writer: %.1fs', $run_secs));

my ($problems, $counts) = check_stream('items');
is($problems, '', 'the stream applied in order equals the table; no read older than a change before it; no key read twice');
note("items: $counts");
cmp_ok(count_of($counts, 'read'), '>', 10_000, 'most rows arrive as reads');
cmp_ok(count_of($counts, $_), '>', 0, "the stream has ${_}s of the writer")
  for qw(insert update delete);
is($node->safe_psql('postgres',
	q{SELECT count(*) > 0 FROM bf_stream WHERE slot = 'items' AND ev->>'operation' = 'update' AND ev ? 'old'}),
	't', 'and key changes');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM bf_stream WHERE slot = 'items' AND ev->>'operation' = 'read' AND ev->>'type' <> 'items-read'}),
	'0', 'read events have the type items-read');

# ---- (2) a committed transaction still invisible -------------------------------

make_table('trap', 100);
$id = $node->safe_psql('postgres',
	"SELECT wal2events.backfill('trap', chunk_rows => 10)");
$node->safe_psql('postgres',
	"ALTER SYSTEM SET synchronous_standby_names = 'nobody'; SELECT pg_reload_conf();");
# (new sessions have it once the postmaster has reloaded)
$node->poll_query_until('postgres', 'SHOW synchronous_standby_names', 'nobody')
  or die 'synchronous_standby_names was not reloaded';

# A session commits an update of a row of the first chunk: the commit record
# is written and flushed, then the session waits for the standby, and until
# it stops waiting the transaction is running for every snapshot.
my $committer = $node->background_psql('postgres', on_error_stop => 0);
$committer->query_until(qr/sent/,
	"\\echo sent\nUPDATE trap SET v = 1, note = 'committed, not yet visible' WHERE id = 3;\n\\echo committer done\n");
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE 'UPDATE trap%'}),
	'the update is waiting for the synchronous standby');
# (SyncRep is waited for in RecordTransactionCommit after the commit record
# is flushed and the clog is set; the ProcArray still lists the transaction)
is($node->safe_psql('postgres', 'SELECT note FROM trap WHERE id = 3'),
	'row 3', 'its change is committed in the WAL and still invisible');

# The chunk, in a session that does not wait for the standby itself.
my $chunker = $node->background_psql('postgres', on_error_stop => 0);
$chunker->query_safe('SET synchronous_commit = local');
$chunker->query_until(qr/sent/,
	"\\echo sent\nSELECT wal2events.backfill_chunk($id);\n\\echo chunk done\n");
sleep 2;
my $chunk_pid = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT wal2events.backfill_chunk%' AND pid <> pg_backend_pid()});
my $waiting = $node->safe_psql('postgres',
	"SELECT state || ' ' || coalesce(wait_event_type, '-') || ' ' || coalesce(wait_event, '-') FROM pg_stat_activity WHERE pid = '$chunk_pid'");
like($waiting, qr/^active /, "after 2 s the chunk still waits ($waiting)");
is(progress($id), 'pending 0 0', 'and has not committed anything');

# The standby "answers": the update becomes visible, the chunk goes on.
$node->safe_psql('postgres',
	'ALTER SYSTEM RESET synchronous_standby_names; SELECT pg_reload_conf();');
my $chunk_out = $chunker->query_until(qr/chunk done/, '');
like($chunk_out, qr/^10$/m, 'released, the chunk reads its 10 rows');
like($committer->query_until(qr/committer done/, ''), qr/committer done/,
	'and the update returns');
$committer->quit;
$chunker->quit;
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL wal2events.backfill_run($id)");
is($ret, 0, 'the rest of the backfill runs') or diag($stderr);

($problems, $counts) = check_stream('trap');
is($problems, '', 'the stream applied in order equals the table, no stale read');
is($node->safe_psql('postgres', q{
	SELECT string_agg(ev->>'operation' || ' ' || (ev->'new'->>'note'), ', ' ORDER BY m, i)
	  FROM bf_stream WHERE slot = 'trap' AND ev->'new'->>'id' = '3'}),
	'update committed, not yet visible, read committed, not yet visible',
	'row 3: the update, then its read carries the update (not the older row)');
is(count_of($counts, 'read'), 100, 'all 100 rows read');

# ---- (3) the driver killed ------------------------------------------------------

make_table('crashy', 6000);
$id = $node->safe_psql('postgres',
	"SELECT wal2events.backfill('crashy', chunk_rows => 200)");
$writer = start_writer('crashy', 7000, 60);

sub driver_pid
{
	return $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE query LIKE 'CALL wal2events.backfill_run%' AND pid <> pg_backend_pid()});
}

sub wait_chunks
{
	my ($id, $n) = @_;
	return $node->poll_query_until('postgres',
		"SELECT chunks >= $n FROM wal2events.backfills WHERE id = $id");
}

# Stop the driver in the middle of a chunk: a session holds the table
# (ACCESS EXCLUSIVE) between two chunks, so the next one updates its
# backfill's row, writes its low mark, and then waits to read the table.
sub hold_table
{
	my ($table) = @_;
	my $locker = $node->background_psql('postgres', on_error_stop => 0);
	$locker->query_safe("BEGIN; LOCK TABLE $table IN ACCESS EXCLUSIVE MODE;");
	return $locker;
}

sub wait_driver_in_chunk
{
	my ($pid) = @_;
	return $node->poll_query_until('postgres',
		"SELECT wait_event_type = 'Lock' AND wait_event = 'relation' FROM pg_stat_activity WHERE pid = $pid");
}

my $run = start_run($id, 1000);
ok(wait_chunks($id, 5), 'the driver runs: ' . progress($id));
my $pid = driver_pid();
my $locker = hold_table('crashy');
ok(wait_driver_in_chunk($pid), "the driver ($pid) waits in a chunk, after its low mark");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$run->{h}->finish;
$locker->query_safe('COMMIT');
$locker->quit;
my $after_term = progress($id);
like($after_term, qr/^running \d+ \d+$/, "terminated in the middle of a chunk: $after_term");
my (undef, $chunks1, $rows1) = split / /, $after_term;
cmp_ok($rows1, '<', 6000, 'not all rows were read');

$run = start_run($id, 1000);
ok(wait_chunks($id, $chunks1 + 5), 'run again, it continues: ' . progress($id));
$pid = driver_pid();
$locker = hold_table('crashy');
ok(wait_driver_in_chunk($pid), "the driver ($pid) waits in a chunk again");
kill 'KILL', $pid;
$run->{h}->finish;
eval { $locker->quit };    # the crash ended its session
ok($node->poll_query_until('postgres', 'SELECT true'),
	'the server is back after kill -9 of the driver');
finish_writer($writer);    # its sessions died with the crash
my $after_kill = progress($id);
my (undef, $chunks2, $rows2) = split / /, $after_kill;
cmp_ok($rows2, '>', $rows1, "it had gone on: $after_kill");
cmp_ok($rows2, '<', 6000, 'and was killed before the end');

$node->safe_psql('postgres', "UPDATE crashy SET v = v + 1, note = 'after the crash' WHERE id % 97 = 0");
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL wal2events.backfill_run($id)");
is($ret, 0, 'run once more, it completes') or diag($stderr);
like(progress($id), qr/^done /, 'done: ' . progress($id));

($problems, $counts) = check_stream('crashy');
is($problems, '', 'after terminate and kill -9: the stream applied in order equals the table, no key read twice');
note("crashy: $counts");

# ---- (4) a chunk larger than logical_decoding_work_mem -------------------------

make_table('wide', 10_000, q{lpad(g::text, 1000, md5(g::text))});
$id = $node->safe_psql('postgres',
	"SELECT wal2events.backfill('wide', chunk_rows => 5000)");
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL wal2events.backfill_run($id)");
is($ret, 0, 'backfill of 10,000 rows of 1 kB in chunks of 5,000') or diag($stderr);
($problems, $counts) = check_stream('wide', "SET logical_decoding_work_mem = '64kB';");
is($problems, '', 'decoded with logical_decoding_work_mem = 64kB: the stream equals the table');
is(count_of($counts, 'read'), 10_000, 'every row read once');
ok($node->poll_query_until('postgres',
	q{SELECT spill_txns > 0 FROM pg_stat_replication_slots WHERE slot_name = 'wide'}),
	'the chunks spilled to disk: '
	  . $node->safe_psql('postgres',
		q{SELECT spill_txns || ' transactions, ' || spill_bytes || ' bytes' FROM pg_stat_replication_slots WHERE slot_name = 'wide'}));

# ---- (5) routes: the entity's read type, an excluded column never in the WAL ----

$node->safe_psql(
	'postgres', q{
	CREATE TABLE secrets (id int PRIMARY KEY, v int NOT NULL, secret text NOT NULL);
	INSERT INTO secrets SELECT g, 0, 'TOPSECRET-' || g FROM generate_series(1, 50) g;
	SELECT rel FROM wal2events.route('secrets', entity => 'thing', exclude => '{secret}');
	SELECT 'init' FROM pg_create_logical_replication_slot('secrets', 'wal2events');
	SELECT 'init' FROM pg_create_logical_replication_slot('secrets_raw', 'test_decoding');
});
$id = $node->safe_psql('postgres', "SELECT wal2events.backfill('secrets', chunk_rows => 20)");
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL wal2events.backfill_run($id)");
is($ret, 0, 'backfill of a routed table with an excluded column') or diag($stderr);
$node->safe_psql('postgres', "SELECT bf_capture('secrets')");
is($node->safe_psql('postgres', q{
	SELECT count(*) || ' ' || string_agg(DISTINCT ev->>'type', ',') || ' '
	       || count(*) FILTER (WHERE ev->'new' ? 'secret') || ' ' || count(*) FILTER (WHERE ev->'new' ? 'v')
	  FROM bf_stream WHERE slot = 'secrets' AND ev->>'operation' = 'read'}),
	'50 thing-read 0 50', "read events of the route's entity (thing-read), without the excluded column");
my ($leaks, $marks) = split /\|/, $node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE position('TOPSECRET'::bytea IN data) > 0),
	       count(*) FILTER (WHERE position('prefix: wal2events.backfill'::bytea IN data) > 0)
	  FROM pg_logical_slot_get_binary_changes('secrets_raw', NULL, NULL)});
cmp_ok($marks, '>', 0, "test_decoding shows the backfill's logical messages ($marks)");
is($leaks, 0, 'none of them, nor any other record, holds an excluded value');

# ---- (6) the walsender's memory, reported ---------------------------------------

# Peak RSS (kB) of the walsender while pg_recvlogical decodes the slot up to
# endpos, and the number of messages it wrote. pg_recvlogical runs without
# --endpos (with it, it may exit before the walsender was ever sampled) and
# is stopped once the slot confirmed endpos.
sub decode_and_measure
{
	my ($slot, $endpos) = @_;
	my $file = "$dir/$slot.bin";
	my @cmd = W2ETest::recvlogical_command(
		$node,
		slot => $slot,
		file => $file,
		extra => [ '--status-interval', '1', '--fsync-interval', '1' ]);
	my $started = time;
	my $h = IPC::Run::start(\@cmd, '>', '/dev/null', '2>', "$dir/$slot.stderr");
	my ($walsender, $peak_kb, $done) = (undef, 0, 0);
	my $deadline = $started + 120;
	while (!$done && time < $deadline)
	{
		$walsender //= $node->safe_psql('postgres',
			"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'") || undef;
		if ($walsender && open my $status, '<', "/proc/$walsender/status")
		{
			while (<$status>)
			{
				$peak_kb = $1 if /^VmHWM:\s+(\d+) kB/ && $1 > $peak_kb;
			}
			close $status;
		}
		$done = $node->safe_psql('postgres',
			"SELECT confirmed_flush_lsn >= '$endpos' FROM pg_replication_slots WHERE slot_name = '$slot'") eq 't';
		sleep 0.05;
	}
	$h->signal('TERM');
	$h->finish;
	diag(slurp_file("$dir/$slot.stderr")) unless $done;
	my @frames = $done ? W2ETest::scan_frames($file) : ();
	unlink $file;
	return ($done, $peak_kb, scalar @frames, time - $started);
}

my %peak;
for my $rows (10_000, 100_000)
{
	my $table = "mem_$rows";
	make_table($table, $rows);
	$id = $node->safe_psql('postgres',
		"SELECT wal2events.backfill('$table', chunk_rows => 1000)");
	$t0 = time;
	($ret, $stdout, $stderr) = $node->psql('postgres', "CALL wal2events.backfill_run($id)");
	my $bf_secs = time - $t0;
	is($ret, 0, "backfill of $rows rows") or diag($stderr);
	my $endpos = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');
	my ($done, $peak_kb, $messages, $secs) = decode_and_measure($table, $endpos);
	ok($done, "pg_recvlogical decodes the backfill of $rows rows");
	# a message per chunk's rows and one per low mark at least
	cmp_ok($messages, '>=', 2 * $rows / 1000, "into at least @{[2 * $rows / 1000]} messages ($messages)");
	$peak{$rows} = $peak_kb;
	note(sprintf('%d rows: backfill %.1fs, decode %.1fs, walsender peak RSS (VmHWM) %.1f MB',
		$rows, $bf_secs, $secs, $peak_kb / 1024));
}
diag(sprintf('walsender peak RSS decoding a backfill: 10k rows %.1f MB, 100k rows %.1f MB (ratio %.2f; reported, not asserted)',
	$peak{10_000} / 1024, $peak{100_000} / 1024, $peak{100_000} / ($peak{10_000} || 1)));

$node->stop;
done_testing();
