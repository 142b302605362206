-- Edge-case schema + data for hikkoshi clone/verify tests.
--   psql "$URI" -v ON_ERROR_STOP=1 -f tests/sql/edge_cases.sql
-- Targets PostgreSQL 15 (needs contrib for citext/hstore). Re-runnable: drops
-- and recreates schema "Odd ""Schema"" ü" and its large objects.
-- Everything is deterministic (no random(), no now() in stored data).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;

CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;

DROP SCHEMA IF EXISTS "Odd ""Schema"" ü" CASCADE;
SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid IN (4200001, 4200002);

CREATE SCHEMA "Odd ""Schema"" ü";
COMMENT ON SCHEMA "Odd ""Schema"" ü" IS 'Edge cases: identifiers with spaces, "quotes", MixedCase and ünïcödé 日本語';
SET search_path = "Odd ""Schema"" ü", public;

-- ---------------------------------------------------------------- types
CREATE TYPE "Mood" AS ENUM ('sad', 'ok', 'happy', 'very happy 😀', 'it''s "quoted"');
CREATE DOMAIN positive_int AS integer CONSTRAINT positive_int_check CHECK (VALUE > 0);
CREATE TYPE "Pair" AS (a integer, "B text" text);

-- ---------------------------------------------------------------- every common type
CREATE TABLE "All Types" (
  id            integer PRIMARY KEY,
  c_smallint    smallint,
  c_int         integer,
  c_bigint      bigint,
  c_numeric     numeric,
  c_numeric_p   numeric(38, 18),
  c_real        real,
  c_double      double precision,
  c_text        text,
  c_varchar     varchar(10),
  c_char        char(5),
  c_bytea       bytea,
  c_bool        boolean,
  c_date        date,
  c_time        time,
  c_timetz      timetz,
  c_ts          timestamp,
  c_tstz        timestamptz,
  c_interval    interval,
  c_uuid        uuid,
  c_json        json,
  c_jsonb       jsonb,
  c_inet        inet,
  c_cidr        cidr,
  c_macaddr     macaddr,
  c_macaddr8    macaddr8,
  c_int4range   int4range,
  c_tstzrange   tstzrange,
  c_numrange    numrange,
  c_int_arr     integer[],
  c_text_arr    text[],
  c_enum        "Mood",
  c_enum_arr    "Mood"[],
  c_domain      positive_int,
  c_composite   "Pair",
  c_bit         bit(8),
  c_varbit      varbit(20),
  c_xml         xml,
  c_tsvector    tsvector,
  c_point       point,
  c_citext      citext,
  c_hstore      hstore
);
COMMENT ON TABLE "All Types" IS 'One column per common type; row 2 holds extreme values, row 3 all NULLs';
COMMENT ON COLUMN "All Types".c_numeric IS 'includes 1e-1000, 1e1000, NaN and ±Infinity';

INSERT INTO "All Types" VALUES
-- 1: ordinary values
(1, 1, 2, 3, 123.456, 1.5, 1.25, 3.141592653589793,
 'plain text', 'varchar', 'ab', '\xdeadbeef', true,
 '2024-02-29', '12:34:56.789', '12:34:56.789+09', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+05:30',
 '1 year 2 mons 3 days 04:05:06.789',
 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
 '{"a": 1, "b": [1, 2, 3]}', '{"a": 1, "b": {"c": [true, false, null]}}',
 '192.168.1.10/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
 '[1,10)', '[2024-01-01 00:00:00+00,2024-12-31 23:59:59.999999+00)', '(1.5,2.5]',
 '{1,2,3}', '{a,b,c}', 'ok', '{sad,happy}', 7, ROW(1, 'one'),
 B'10101010', B'101', '<doc><item id="1">text &amp; more</item></doc>',
 to_tsvector('simple', 'The quick brown fox jumps over the lazy dog'), '(1.5,-2.25)',
 'MiXeD Case', 'a=>1, b=>2'),
-- 2: extremes and special values
(2, -32768, -2147483648, -9223372036854775808,
 ('1e-1000')::numeric, -99999999999999999999.999999999999999999, 'NaN', 1e-310,
 E'line1\nline2\r\n\ttabbed \\ backslash ''single'' "double" ü 日本語 中文 😀 עברית e\u0301 \u00a0nbsp',
 'ünïcödé日本', 'é', '\x00010200ff00', false,
 'infinity', '24:00:00', '23:59:59.999999+14', '294276-12-31 23:59:59.999999', 'infinity',
 '-178000000 years -1 mon +1 day -00:00:00.000001',
 'ffffffff-ffff-ffff-ffff-ffffffffffff',
 E'{"a":1,  "a" : 2,\n "dup":"first", "dup":"second", "nested" : { "x" : [ 1 , 2 ] } }',
 '{"big": 1e400, "small": -1.5e-300, "u": "\u00e9\u65e5", "esc": "tab\tnl\nq\"", "empty": {}, "arr": [], "null": null}',
 '2001:db8::1/64', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff',
 'empty', '[-infinity,infinity]', 'empty',
 '[0:2]={1,NULL,3}', '{"a b",NULL,"NULL","","quote\"","back\\slash","comma,brace{}","日本"}',
 'very happy 😀', '{"very happy 😀","it''s \"quoted\"",NULL}', 2147483647, ROW(NULL, 'x "y" (z), \'),
 B'00000000', B'', 'fragment <b>bold</b> &lt;tail&gt;',
 'a:1A b:2B,3C ''with space'':4 ''quote''''s''', '(-1.7976931348623157e+308,1.7976931348623157e+308)',
 'ÄÖÜ ß', '"key with space"=>"value, with => arrow", "nullval"=>NULL, ""=>"empty key"'),
-- 3: NULL everywhere
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL),
-- 4: empties, other extremes
(4, 32767, 2147483647, 9223372036854775807,
 ('1e1000')::numeric, 99999999999999999999.999999999999999999, 'Infinity', 'NaN',
 '', '', '', '\x', true,
 '-infinity', '00:00:00', '00:00:00-12', '4713-01-01 00:00:00 BC', '-infinity',
 '0', '00000000-0000-0000-0000-000000000000',
 '[]', '[]',
 '0.0.0.0/0', '0.0.0.0/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
 '(,)', 'empty', '(,)',
 '{}', '{}', 'sad', '{}', 1, ROW(NULL, NULL),
 B'11111111', B'11111111111111111111', '', '', '(0,0)', '', ''),
-- 5: more special floats / numerics
(5, 0, 0, 0, 'NaN', 0, '-Infinity', '-Infinity',
 repeat('x', 5000), 'abc       ', 'a b  ', decode(repeat('00', 100), 'hex'), NULL,
 '0001-01-01', '23:59:59.999999', '00:00:00+00', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000001+00',
 '-1 days +23:59:59.999999', '123e4567-e89b-12d3-a456-426614174000',
 '"just a string"', 'null',
 '::1', '::/0', '01:23:45:67:89:ab', '01:23:45:67:89:ab:cd:ef',
 '[-2147483648,2147483647)', '(2024-01-01 00:00:00+00,)', '[-1e-20,1e20]',
 '{{1,2},{3,NULL}}', '{{"a","b"},{NULL,"d"}}', 'it''s "quoted"', '{ok,ok,ok}', 42, ROW(-1, ''),
 B'00001111', B'0', '<?xml version="1.0"?><r/>', 'ü:1 日本:2', '(NaN,Infinity)', '', NULL),
(6, NULL, NULL, NULL, 'Infinity', -0.000000000000000001, '-0', '-0',
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(7, NULL, NULL, NULL, '-Infinity', NULL, 3.4028235e38, 1.7976931348623157e308,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(8, NULL, NULL, NULL, -('1e-1000')::numeric, NULL, 1e-37, 4.9406564584124654e-324,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---------------------------------------------------------------- odd identifiers
CREATE TABLE "Tablé ""Quoted"" Name" (
  "Spaced Col"   integer PRIMARY KEY,
  "MixedCase"    text,
  "ü日本"        text,
  "select"       text,          -- reserved word
  "a.b"          text,          -- dot in a name
  "UPPER"        integer,
  upper          integer        -- differs from "UPPER" only by case
);
INSERT INTO "Tablé ""Quoted"" Name" VALUES
  (1, 'A', 'ü', 'kw', 'dot', 1, 2),
  (2, 'b', '日本', NULL, NULL, 3, 4);

CREATE TABLE "lowercase_plain" (id int PRIMARY KEY, v text);   -- boring control table
INSERT INTO lowercase_plain SELECT g, 'v' || g FROM generate_series(1, 1000) g;

CREATE TABLE "Empty Table" (id int PRIMARY KEY, v text);          -- zero rows
CREATE TABLE "No Columns" ();                                     -- zero columns, 3 rows
INSERT INTO "No Columns" DEFAULT VALUES;
INSERT INTO "No Columns" DEFAULT VALUES;
INSERT INTO "No Columns" DEFAULT VALUES;

-- ---------------------------------------------------------------- generated / identity
CREATE TABLE "Gen Cols" (
  id     bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10) PRIMARY KEY,
  qty    integer NOT NULL,
  price  numeric(10, 2) NOT NULL,
  total  numeric GENERATED ALWAYS AS (qty * price) STORED,
  label  text GENERATED ALWAYS AS ('item-' || qty::text) STORED
);
INSERT INTO "Gen Cols" (qty, price) SELECT g, g * 1.25 FROM generate_series(1, 50) g;

-- ---------------------------------------------------------------- partitioned
CREATE TABLE "Events" (
  id          bigint NOT NULL,
  happened_on date NOT NULL,
  payload     text,
  PRIMARY KEY (id, happened_on)
) PARTITION BY RANGE (happened_on);
CREATE TABLE "Events 2023" PARTITION OF "Events" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE "Events 2024" PARTITION OF "Events" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE "Events 2025" PARTITION OF "Events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE "Events default" PARTITION OF "Events" DEFAULT;
INSERT INTO "Events"
SELECT g, date '2022-07-01' + (g * 7) % 1460, 'event ' || g
FROM generate_series(1, 400) g;
INSERT INTO "Events" VALUES (100000, 'infinity', 'far future'), (100001, '-infinity', 'far past');

-- ---------------------------------------------------------------- no primary key, duplicates
CREATE TABLE "Dupes" (a integer, b text, c jsonb);
INSERT INTO "Dupes" VALUES
  (1, 'x', '{"k": 1}'), (1, 'x', '{"k": 1}'), (1, 'x', '{"k": 1}'),
  (NULL, NULL, NULL), (NULL, NULL, NULL),
  (2, 'y', NULL), (3, E'multi\nline', '[1, 2]'), (3, E'multi\nline', '[1, 2]');

-- ---------------------------------------------------------------- TOAST
CREATE TABLE "Toasty" (
  id         integer PRIMARY KEY,
  big_text   text,
  big_bytes  bytea,
  compressible text
);
-- hex md5 chain: ~102 kB text that pglz cannot compress; sha512 chain: ~200 kB random bytes
INSERT INTO "Toasty"
SELECT r,
       (SELECT string_agg(md5(r::text || '-' || g::text), '' ORDER BY g) FROM generate_series(1, 3200 + r) g),
       (SELECT string_agg(sha512(int4send(r) || int4send(g)), ''::bytea ORDER BY g) FROM generate_series(1, 3125 * r) g),
       repeat('compressible 圧縮可能 ', 20000 * r)
FROM generate_series(1, 4) r;
INSERT INTO "Toasty" VALUES (5, NULL, NULL, NULL), (6, 'small', '\x01', 'small');

-- ---------------------------------------------------------------- large objects
SELECT lo_from_bytea(4200001, convert_to('hello large object ü 日本', 'UTF8'));
SELECT lo_from_bytea(4200002, (SELECT string_agg(sha256(int4send(g)), ''::bytea ORDER BY g) FROM generate_series(1, 10000) g));
COMMENT ON LARGE OBJECT 4200001 IS 'small large object';
CREATE TABLE "Docs" (id integer PRIMARY KEY, name text NOT NULL, blob oid);
INSERT INTO "Docs" VALUES (1, 'small.txt', 4200001), (2, 'random.bin', 4200002), (3, 'none', NULL);

-- ---------------------------------------------------------------- sequences
CREATE SEQUENCE "Seq Down" INCREMENT BY -3 START WITH 1000 MINVALUE -10 MAXVALUE 1000 CYCLE;
SELECT count(nextval('"Seq Down"')) FROM generate_series(1, 345);   -- wraps around once
CREATE SEQUENCE seq_never_called START WITH 42;
CREATE SEQUENCE seq_not_called INCREMENT BY 7;
SELECT setval('seq_not_called', 500, false);                        -- next nextval() = 500
CREATE SEQUENCE seq_called AS smallint INCREMENT BY 1000 CACHE 5;
SELECT nextval('seq_called'), nextval('seq_called');

-- ---------------------------------------------------------------- constraints, indexes, FK
CREATE TABLE "Customers" (
  "Id"      integer PRIMARY KEY,
  "Name ü"  citext NOT NULL,
  "e""mail" text,
  active    boolean NOT NULL DEFAULT true,
  mood      "Mood" DEFAULT 'ok',
  CONSTRAINT "name not blank" CHECK (length("Name ü") > 0)
);
CREATE UNIQUE INDEX "Customers email lower uq" ON "Customers" (lower("e""mail"));   -- unique + expression
CREATE INDEX "Customers active name partial" ON "Customers" ("Name ü") WHERE active;  -- partial
COMMENT ON COLUMN "Customers"."e""mail" IS 'column name contains a double quote';

CREATE TABLE "Orders" (
  id          integer PRIMARY KEY,
  customer_id integer NOT NULL
              CONSTRAINT "Orders customer fk" REFERENCES "Customers" ("Id") DEFERRABLE INITIALLY DEFERRED,
  parent_id   integer REFERENCES "Orders" (id) DEFERRABLE INITIALLY IMMEDIATE,
  amount      numeric(12, 2) NOT NULL CONSTRAINT "amount non-negative" CHECK (amount >= 0),
  note        text,
  created     timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);
CREATE INDEX "Orders customer idx" ON "Orders" (customer_id);

CREATE TABLE "Order Audit" (
  seq      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  order_id integer,
  amount   numeric(12, 2),
  op       text
);

CREATE FUNCTION "audit order"() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "Odd ""Schema"" ü"."Order Audit" (order_id, amount, op) VALUES (NEW.id, NEW.amount, TG_OP);
  RETURN NEW;
END;
$$;
CREATE TRIGGER "Orders audit trg" AFTER INSERT OR UPDATE ON "Orders"
  FOR EACH ROW EXECUTE FUNCTION "audit order"();

CREATE FUNCTION "order total"(cust integer) RETURNS numeric
  LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(amount), 0) FROM "Odd ""Schema"" ü"."Orders" WHERE customer_id = cust $$;

-- orders inserted before their customers: only valid because the FK is deferred
BEGIN;
INSERT INTO "Orders" (id, customer_id, parent_id, amount, note) VALUES
  (1, 10, NULL, 99.99, 'first'),
  (2, 10, 1, 1500.00, E'child of 1\twith tab'),
  (3, 20, NULL, 0, NULL),
  (4, 30, NULL, 12345.67, 'Ünïcödé note 注文');
INSERT INTO "Customers" ("Id", "Name ü", "e""mail", active, mood) VALUES
  (10, 'Alice', 'Alice@Example.com', true, 'happy'),
  (20, 'bob', NULL, false, 'sad'),
  (30, 'Zoë 山田', 'zoe@example.jp', true, 'very happy 😀');
COMMIT;
UPDATE "Orders" SET note = note || ' (updated)' WHERE id = 1;

ALTER TABLE "Orders" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "small orders only" ON "Orders" FOR SELECT USING (amount < 10000);

-- ---------------------------------------------------------------- views
CREATE VIEW "Customer Totals" AS
SELECT c."Id", c."Name ü", "order total"(c."Id") AS total
FROM "Customers" c;
COMMENT ON VIEW "Customer Totals" IS 'per-customer order totals';

CREATE MATERIALIZED VIEW "Events per Year" AS
SELECT extract(year FROM happened_on) AS yr, count(*) AS n
FROM "Events"
WHERE happened_on NOT IN ('infinity', '-infinity')
GROUP BY 1
WITH DATA;

ANALYZE;

-- summary
SELECT c.relname, c.relkind, c.reltuples::bigint AS approx_rows
FROM pg_class c
WHERE c.relnamespace = '"Odd ""Schema"" ü"'::regnamespace AND c.relkind IN ('r', 'p', 'm')
ORDER BY 1;
