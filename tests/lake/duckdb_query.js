// tests/lake/duckdb_query.js: DuckDB reads the event lake as it is (zstd
// JSON lines under Hive partitions), and what it answers equals what
// `wal2events consume` printed of the same stream.
//
//   node tests/lake/duckdb_query.js LAKE_DIR STREAM CONSUME_FILE TABLE
//
// Checks: the count; events per type per hour (the partitions' date and
// hour against each event's commit time); one entity's history (the key of
// TABLE with the most events: its ids in commit order); the latest state
// of that key. Prints the README's three queries' results. One line per
// check ("ok: ..." or "FAILED: ..."); exit status 1 when one failed.
'use strict';
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require(path.join(__dirname, 'node_modules', '@duckdb', 'node-api'));

const [dir, stream, consumeFile, table] = process.argv.slice(2);
if (!table) {
  console.error('usage: node duckdb_query.js LAKE_DIR STREAM CONSUME_FILE TABLE');
  process.exit(2);
}
const lake = `read_json('${dir}/stream=${stream}/**/*.ndjson.zst', format = 'newline_delimited', ` +
  `compression = 'zstd', hive_partitioning = true)`;
const events = fs.readFileSync(consumeFile, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
let failed = 0;
function check(name, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g === w) console.log(`ok: ${name}`);
  else {
    failed++;
    console.log(`FAILED: ${name}: DuckDB ${g.slice(0, 300)}, consume ${w.slice(0, 300)}`);
  }
}

async function main() {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();

  // 1. every event
  const [{ n }] = await rows(`SELECT count(*)::INTEGER AS n FROM ${lake}`);
  check(`count(*) = ${events.length} events`, n, events.length);

  // 2. events per type per hour: the partitions against the commit times
  const perHour = await rows(`SELECT strftime(date, '%Y-%m-%d') AS date, hour::INTEGER AS hour, type,
      count(*)::INTEGER AS events FROM ${lake} GROUP BY ALL ORDER BY date, hour, type`);
  const want = new Map();
  for (const e of events) {
    const k = `${e.commit_time.slice(0, 10)}|${Number(e.commit_time.slice(11, 13))}|${e.type}`;
    want.set(k, (want.get(k) || 0) + 1);
  }
  const wantRows = [...want.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => { const [d, h, t] = k.split('|'); return { date: d, hour: Number(h), type: t, events: v }; });
  const byKey = (r) => `${r.date}|${String(r.hour).padStart(2, '0')}|${r.type}`;
  check(`events per type per hour (${wantRows.length} groups)`,
    perHour.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)), wantRows.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)));

  // 3. one entity's history: the key of TABLE with the most events
  const counts = new Map();
  for (const e of events) if (e.table === table) counts.set(e.partition_key, (counts.get(e.partition_key) || 0) + 1);
  const key = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const history = events.filter((e) => e.table === table && e.partition_key === key);
  const got = await rows(`SELECT id FROM ${lake} WHERE "table" = '${table}' AND partition_key = '${key}'
      ORDER BY split_part(id, '/', 2), position`);
  check(`the history of ${table} key ${key}: ${history.length} events in commit order`,
    got.map((r) => r.id), history.map((e) => e.id));

  // 4. the latest state of that key
  const [latest] = await rows(`SELECT id, operation, to_json(new) AS new FROM ${lake}
      WHERE "table" = '${table}' AND partition_key = '${key}'
      ORDER BY split_part(id, '/', 2) DESC, position DESC LIMIT 1`);
  const last = history[history.length - 1];
  check(`the latest state of ${table} key ${key} (${last.operation})`,
    { id: latest.id, operation: latest.operation, new: latest.new === null ? null : JSON.parse(latest.new) },
    { id: last.id, operation: last.operation, new: last.new === undefined ? null : last.new });

  // the README's three queries, their results printed
  console.log('-- events per type per hour');
  for (const r of perHour) console.log(`${r.date} ${String(r.hour).padStart(2, '0')} ${r.type} ${r.events}`);
  console.log(`-- the history of ${table} key ${key}`);
  for (const r of await rows(`SELECT commit_time, type, operation, to_json(new) AS new FROM ${lake}
      WHERE "table" = '${table}' AND partition_key = '${key}' ORDER BY split_part(id, '/', 2), position`))
    console.log(`${r.commit_time} ${r.type} ${r.operation} ${r.new}`);
  console.log(`-- the latest state of ${table} key ${key}`);
  console.log(`${latest.operation} ${latest.new}`);
  c.closeSync();
  db.closeSync();
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.log(`FAILED: ${e.message.split('\n')[0]}`); process.exit(1); });
