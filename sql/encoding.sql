--
-- encoding: a database whose encoding is not UTF-8.
--
-- Everything the plugin writes is UTF-8 (protobuf strings must be): names,
-- text values, enum labels, JSON, domain events. Text is converted from
-- the database encoding, and decode() converts its JSON back, so a LATIN1
-- database shows "é" as "é".
--
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_w2e_latin1 ENCODING 'LATIN1' TEMPLATE template0
    LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_w2e_latin1
SET client_encoding = 'UTF8';
SHOW server_encoding;
CREATE EXTENSION wal2events;
SELECT 'init' FROM pg_create_logical_replication_slot('latin1_slot', 'wal2events');

CREATE SCHEMA "schéma";
CREATE TYPE "schéma".humeur AS ENUM ('gêné', 'ravi');
CREATE TABLE "schéma"."tablé" ("clé" text PRIMARY KEY, "humeur" "schéma".humeur,
                                 j jsonb, a text[], c char(3));
INSERT INTO "schéma"."tablé" VALUES ('é,ü', 'gêné', '{"clé": "välue ß"}', '{à,NULL,ÿ}', 'ñ');
SELECT wal2events.emit('évènement', 'clé', '{"prix": "5 ¢"}', '{"étiquette": "½"}') IS NOT NULL AS emitted;

-- as a consumer sees it
SELECT e->'type' AS type, e->'partition_key' AS key, e->'schema' AS schema, e->'table' AS table
FROM pg_logical_slot_peek_binary_changes('latin1_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e;
SELECT e->'new' AS new, e->'payload' AS payload, e->'tags' AS tags
FROM pg_logical_slot_peek_binary_changes('latin1_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e;
-- on the wire: UTF-8 ("é" is c3 a9), never the LATIN1 byte
SELECT s AS text, encode(convert_to(s, 'UTF8'), 'hex') AS utf8,
       bool_or(position(convert_to(s, 'UTF8') IN p.data) > 0) AS sent_as_utf8,
       bool_or(position(convert_to(s, 'LATIN1') IN p.data) > 0) AS sent_as_latin1
FROM pg_logical_slot_peek_binary_changes('latin1_slot', NULL, NULL) p,
     unnest(ARRAY['tablé', 'schéma', 'gêné', 'välue ß', 'évènement']) s
GROUP BY s ORDER BY s;

SELECT pg_drop_replication_slot('latin1_slot');
\c :regress_db
DROP DATABASE regress_w2e_latin1;
SELECT slot_name AS slots_left FROM pg_replication_slots;
