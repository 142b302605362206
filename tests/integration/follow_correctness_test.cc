// follow's correctness fixes of issue #10, each against real servers: a
// target crash right after the source confirmed (3), batches that change no
// row (7), GENERATED ALWAYS identity columns (8), domain/enum/composite
// columns (14), REPLICA IDENTITY FULL near-duplicates (12) and cleanup that
// touches only its own objects (18); and the set-based runs of #13.
//
// The target runs with synchronous_commit = off (pgcluster's default) and a
// 10 s wal_writer_delay, so an async commit stays in WAL buffers long enough
// for an immediate shutdown to lose it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cdc/setup.h"
#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;

class FollowCorrectness : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("fcsrc");
    tgt_ = new Cluster("fctgt",
                       {"--set", "synchronous_commit=off", "--set", "wal_writer_delay=10000ms"});
  }
  static void TearDownTestSuite() {
    delete src_;
    delete tgt_;
  }

  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // `schema` on both sides, `seed` on the source, the slot, and the copy of
  // the seed rows at the slot's snapshot.
  void Prepare(const std::string& name, const std::string& schema, const std::string& seed) {
    db_ = name;
    src_->CreateDatabase(db_);
    tgt_->CreateDatabase(db_);
    src_->Sql(schema, db_);
    tgt_->Sql(schema, db_);
    if (!seed.empty()) src_->Sql(seed, db_);
    dir_ =
        std::filesystem::temp_directory_path() / ("hk-fc-" + std::to_string(getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    cdc::FollowSetupOptions o;
    o.source = pg::ConnInfo::Parse(src_->Uri(db_)).value();
    o.workdir = dir_;
    o.replica_identity_full = true;
    auto s = cdc::StartFollowSetup(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto r = RunShell("pg_dump --data-only --snapshot=" + s->snapshot.snapshot_name() + " " +
                      ShellQuote(src_->Uri(db_)) + " | psql -X -q -v ON_ERROR_STOP=1 " +
                      ShellQuote(tgt_->Uri(db_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    s->snapshot.Release();
  }

  ProcessResult Follow(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"follow",       "--until-caught-up", "--source",
                                     src_->Uri(db_), "--target",          tgt_->Uri(db_),
                                     "--dir",        dir_.string(),       "--status-interval",
                                     "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunHikkoshi(args);
  }

  // Rows as text, sorted: equal text on both sides, not merely equal values.
  std::string Rows(Cluster& c, const std::string& table) {
    return c.Value(
        "SELECT count(*) || ':' || coalesce(string_agg(x::text, '|' ORDER BY x::text), '') FROM " +
            table + " x",
        db_);
  }

  void ExpectSame(const std::string& table) {
    EXPECT_EQ(Rows(*src_, table), Rows(*tgt_, table)) << table;
  }

  ProcessResult Cleanup(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"cleanup",      "--source", src_->Uri(db_), "--target",
                                     tgt_->Uri(db_), "--dir",    dir_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunHikkoshi(args);
  }

  static Cluster* src_;
  static Cluster* tgt_;
  std::string db_;
  std::filesystem::path dir_;
};

Cluster* FollowCorrectness::src_ = nullptr;
Cluster* FollowCorrectness::tgt_ = nullptr;

// #10.3: the apply session commits with synchronous_commit = on, so what the
// source was told is durable survives an immediate shutdown of the target.
TEST_F(FollowCorrectness, TargetCrashAfterConfirmLosesNothing) {
  Prepare("crash", "CREATE TABLE t (id int PRIMARY KEY, v text);", "");
  for (int i = 1; i <= 5; ++i)
    src_->Sql("INSERT INTO t SELECT g, 'v' || g FROM generate_series(" + std::to_string(i * 10) +
                  ", " + std::to_string(i * 10 + 9) + ") g",
              db_);
  std::string head = src_->Value("SELECT pg_current_wal_lsn()", db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Wait for the walsender to have taken the confirmation...
  bool confirmed = false;
  for (int i = 0; i < 100 && !confirmed; ++i) {
    confirmed = src_->Value("SELECT confirmed_flush_lsn >= '" + head +
                                "' FROM pg_replication_slots WHERE database = current_database()",
                            db_) == "t";
    if (!confirmed) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(confirmed);
  // ...then crash the target well within its 10 s wal_writer_delay.
  auto crash = RunShell(ShellQuote(SourceDir() + "/scripts/pgcluster") + " restart " +
                        ShellQuote(tgt_->name()) + " --mode immediate");
  ASSERT_EQ(crash.exit_code, 0) << crash.err;
  r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(tgt_->Value("SELECT count(*) FROM t", db_), "50");
  ExpectSame("t");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #10.7: an UPDATE that matches no row on the target gives a batch without a
// transaction id; the next batch must still pass its check.
TEST_F(FollowCorrectness, BatchThatChangesNoRowKeepsFollowing) {
  Prepare("norow", "CREATE TABLE e (id int PRIMARY KEY, v int);",
          "INSERT INTO e VALUES (1, 1), (2, 2);");
  tgt_->Sql("DELETE FROM e WHERE id = 1", db_);  // the target diverged
  src_->Sql("UPDATE e SET v = 5 WHERE id = 1", db_);
  src_->Sql("INSERT INTO e VALUES (3, 3)", db_);
  src_->Sql("UPDATE e SET v = 6 WHERE id = 1", db_);
  src_->Sql("INSERT INTO e VALUES (4, 4)", db_);
  auto r = Follow({"--max-batch", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("division by zero"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("matched no row"), std::string::npos) << r.err;
  EXPECT_EQ(tgt_->Value("SELECT string_agg(id::text, ',' ORDER BY id) FROM e", db_), "2,3,4");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// Timeouts the application set on the target database (clone carries
// database settings) do not cut the apply of a large transaction.
TEST_F(FollowCorrectness, TargetDatabaseTimeoutsDoNotCutTheApply) {
  Prepare("timeouts", "CREATE TABLE big (id int PRIMARY KEY, v text);", "");
  tgt_->Sql("ALTER DATABASE timeouts SET statement_timeout = '1ms'");
  tgt_->Sql("ALTER DATABASE timeouts SET idle_in_transaction_session_timeout = '1ms'");
  // Values of several MB take far longer than 1 ms to store.
  src_->Sql(
      "INSERT INTO big SELECT g, (SELECT string_agg(md5(g::text || h), '') FROM "
      "generate_series(1, 100000) h) FROM generate_series(1, 3) g",
      db_);
  auto r = Follow();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto count = RunShell("PGOPTIONS='-c statement_timeout=0' psql -X -At " +
                        ShellQuote(tgt_->Uri(db_)) + " -c 'SELECT count(*) FROM big'");
  EXPECT_EQ(count.out, "3\n") << count.err;
  tgt_->Sql("ALTER DATABASE timeouts RESET ALL");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #10.8: UPDATEs of tables with a non-key GENERATED ALWAYS identity column,
// including one that changes it (SET n = DEFAULT), by key and by FULL identity.
TEST_F(FollowCorrectness, GeneratedAlwaysIdentityColumns) {
  Prepare("ident",
          "CREATE TABLE g (id uuid PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, v int, big "
          "text);"
          "ALTER TABLE g ALTER big SET STORAGE EXTERNAL;"
          "CREATE TABLE gf (n bigint GENERATED ALWAYS AS IDENTITY, v int);"
          "ALTER TABLE gf REPLICA IDENTITY FULL;"
          "CREATE TABLE gk (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int);",
          "INSERT INTO g (id, v, big) SELECT gen_random_uuid(), g, repeat(md5(g::text), 100) "
          "  FROM generate_series(1, 5) g;"
          "INSERT INTO gf (v) SELECT g FROM generate_series(1, 3) g;"
          "INSERT INTO gk (v) SELECT g FROM generate_series(1, 3) g;");
  src_->Sql(
      "UPDATE g SET v = v + 10 WHERE v <= 2;"  // big stays unchanged TOAST
      "UPDATE g SET n = DEFAULT, v = 100 WHERE v = 3;"
      "UPDATE g SET n = DEFAULT WHERE v = 4;"
      "INSERT INTO g (id, v) VALUES (gen_random_uuid(), 6);"
      "UPDATE gf SET v = 20 WHERE v = 2;"
      "UPDATE gf SET n = DEFAULT WHERE v = 3;"
      "UPDATE gk SET v = 30 WHERE v = 1;"
      "UPDATE gk SET id = DEFAULT WHERE v = 2;"
      "DELETE FROM g WHERE v = 5;",
      db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* t : {"g", "gf", "gk"}) ExpectSame(t);
  EXPECT_EQ(r.err.find("matched no row"), std::string::npos) << r.err;
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #10.14: pgoutput names a domain's base type; domains, enums and composite
// types in a published table must not look like a schema change.
TEST_F(FollowCorrectness, DomainEnumAndCompositeColumns) {
  Prepare("types",
          "CREATE DOMAIN money2 AS numeric(12,2) CHECK (value >= 0);"
          "CREATE DOMAIN cents AS money2;"
          "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
          "CREATE TYPE pair AS (x int, y text);"
          "CREATE TABLE m (id int PRIMARY KEY, p money2, c cents, md mood, pr pair, ps money2[]);"
          "CREATE TABLE mf (p money2, md mood, pr pair);"
          "ALTER TABLE mf REPLICA IDENTITY FULL;",
          "INSERT INTO m VALUES (1, 1.5, 2, 'ok', ROW(1, 'a'), ARRAY[1.25]::money2[]);"
          "INSERT INTO mf VALUES (1.5, 'ok', ROW(1, 'a')), (2.5, 'sad', ROW(2, 'b'));");
  src_->Sql(
      "INSERT INTO m VALUES (2, 3.25, 4, 'happy', ROW(2, 'b c'), NULL);"
      "UPDATE m SET p = 9.99, md = 'sad', pr = ROW(3, NULL) WHERE id = 1;"
      "INSERT INTO mf VALUES (3.5, 'happy', ROW(3, 'c'));"
      "UPDATE mf SET md = 'happy' WHERE p = 1.5;"
      "DELETE FROM mf WHERE p = 2.5;"
      "DELETE FROM m WHERE id = 2;"
      "INSERT INTO m VALUES (3, 0, 0, 'ok', ROW(0, ''), '{}');",
      db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("schema of table"), std::string::npos) << r.err;
  ExpectSame("m");
  ExpectSame("mf");
  // A real type change is still caught.
  src_->Sql(
      "CREATE DOMAIN other AS int; ALTER TABLE m ALTER c TYPE other USING 0; INSERT INTO m (id) "
      "VALUES (4)",
      db_);
  r = Follow();
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
  EXPECT_NE(r.err.find("column \"c\""), std::string::npos) << r.err;
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #10.12 (follow's part): REPLICA IDENTITY FULL matches the old row by its
// text form, not by each type's `=` (numeric 1.0 = 1.00, interval '1 day' =
// '24 hours', float -0 = 0, citext 'a' = 'A').
TEST_F(FollowCorrectness, FullIdentityPicksTheExactRow) {
  Prepare(
      "neardup",
      "CREATE EXTENSION IF NOT EXISTS citext;"
      "CREATE TABLE f (n numeric, i interval, fl float8, c citext, v int);"
      "ALTER TABLE f REPLICA IDENTITY FULL;",
      "INSERT INTO f VALUES (1.0, '1 day', 0, 'a', 1), (1.00, '24 hours', '-0', 'A', 1),"
      "  (2.0, '2 days', 0, 'b', 1), (2.00, '48 hours', '-0', 'B', 1), (NULL, NULL, 1, NULL, 1);");
  // Each statement changes the second of two rows that `=` cannot tell apart.
  src_->Sql(
      "UPDATE f SET v = 2 WHERE n::text = '1.00';"
      "DELETE FROM f WHERE n::text = '2.00';"
      "UPDATE f SET v = 3 WHERE n IS NULL;",
      db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSame("f");
  EXPECT_EQ(
      tgt_->Value("SELECT string_agg(n || '/' || c || '/' || v, ',' ORDER BY n::text) FROM f", db_),
      "1.0/a/1,1.00/A/2,2.0/b/1");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #10.18: without a readable follow.json, cleanup drops nothing and lists
// the candidates; it drops only what it is told by name, and with a state
// file only that work directory's objects.
TEST_F(FollowCorrectness, CleanupRemovesOnlyItsOwnObjects) {
  Prepare("cleanup", "CREATE TABLE t (id int PRIMARY KEY);", "");
  std::string own = src_->Value(
      "SELECT slot_name FROM pg_replication_slots WHERE database = current_database()", db_);
  auto r = Follow();  // creates this migration's origin on the target
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Another migration's objects, on the same servers.
  src_->Sql("SELECT pg_create_logical_replication_slot('hikkoshi_other1', 'pgoutput')", db_);
  tgt_->Sql("SELECT pg_replication_origin_create('hikkoshi_other1')", db_);
  std::filesystem::path state = dir_ / "follow.json";
  std::filesystem::rename(state, dir_ / "follow.json.bak");

  auto count = [&] {
    return src_->Value(
               "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()",
               db_) +
           "/" +
           tgt_->Value("SELECT count(*) FROM pg_replication_origin WHERE roname IN ('" + own +
                           "', 'hikkoshi_other1')",
                       db_) +
           "/" + src_->Value("SELECT count(*) FROM pg_publication", db_);
  };
  // No state file: nothing dropped, candidates listed.
  auto c = Cleanup();
  EXPECT_NE(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.err.find("hikkoshi_other1"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find(own), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("--slot"), std::string::npos) << c.err;
  EXPECT_EQ(count(), "2/2/1");
  // A garbled state file: the same.
  RunShell("echo '{garbled' > " + ShellQuote(state.string()));
  c = Cleanup();
  EXPECT_NE(c.exit_code, 0) << c.out << c.err;
  EXPECT_EQ(count(), "2/2/1");
  // The readable state file: only this work directory's slot and origin; the
  // publication stays while another hikkoshi slot of the database needs it.
  std::filesystem::rename(dir_ / "follow.json.bak", state);
  c = Cleanup();
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(count(), "1/1/1");
  EXPECT_EQ(
      src_->Value("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()",
                  db_),
      "hikkoshi_other1");
  EXPECT_EQ(tgt_->Value(
                "SELECT count(*) FROM pg_replication_origin WHERE roname = 'hikkoshi_other1'", db_),
            "1");
  // Named explicitly (as the other migration's owner would).
  std::filesystem::remove(state);
  c = Cleanup({"--slot", "hikkoshi_other1", "--origin", "hikkoshi_other1"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(count(), "0/0/0");
}

// #13: runs of INSERT/UPDATE/DELETE into one table go as one statement over
// arrays. Within one source transaction: runs longer than one statement's
// rows, a key updated twice (the run splits), key changes inside a run,
// unchanged TOAST values next to changed ones, rows inserted and then
// updated/deleted, values that need quoting in an array literal, and
// changes alternating between two tables. Compared row by row as text.
TEST_F(FollowCorrectness, SetBasedRunsMatchTheSource) {
  Prepare("runs",
          "CREATE TABLE k (id int PRIMARY KEY, v text, n numeric, j jsonb, a int[], b bytea,"
          "  ts timestamptz, big text);"
          "CREATE TABLE k2 (a int, b text, v int, PRIMARY KEY (a, b));"
          "CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, v int);",
          // big: > 2 kB and incompressible, so it is stored out of line.
          "INSERT INTO k SELECT g, 'v' || g, g / 3.0, jsonb_build_object('g', g), ARRAY[g, NULL],"
          "  '\\x00ff', '2020-01-01'::timestamptz + g * interval '1 second',"
          "  (SELECT string_agg(md5(g::text || h), '') FROM generate_series(1, 100) h)"
          "  FROM generate_series(1, 5000) g;"
          "INSERT INTO k2 SELECT g, 'b,{\"' || g, g FROM generate_series(1, 300) g;"
          "INSERT INTO u SELECT g, 'e' || g, g FROM generate_series(1, 100) g;");
  src_->Sql(
      "BEGIN;"
      "UPDATE k SET v = 'a' WHERE id <= 4500;"                    // more than one statement's rows
      "UPDATE k SET v = 'b\"\\,{}' || id, n = NULL WHERE id <= 100;"  // the same keys again
      "UPDATE k SET big = big || 'x' WHERE id % 7 = 0 AND id <= 300;"  // TOAST column changed
      "UPDATE k SET v = 'NULL' WHERE id BETWEEN 50 AND 60;"
      "UPDATE k SET id = id + 100000 WHERE id BETWEEN 55 AND 58;"     // key changes
      "UPDATE k SET v = 'moved' WHERE id BETWEEN 50 AND 100060;"
      "INSERT INTO k SELECT g, '', 1e-20, 'null', '{}', '', NULL, NULL FROM generate_series(6001, 6500) g;"
      "UPDATE k SET v = NULL, j = '[1, \"x\"]' WHERE id > 6000;"
      "DELETE FROM k WHERE id BETWEEN 1000 AND 3999;"
      "DELETE FROM k WHERE id BETWEEN 6401 AND 6500;"
      "INSERT INTO k (id, v) SELECT g, 're' FROM generate_series(1000, 1010) g;"
      "DELETE FROM k WHERE id = 1005;"
      "DO $$ BEGIN FOR i IN 1..200 LOOP"
      "  UPDATE k SET v = 'mix' || i WHERE id = 4000 + i;"
      "  UPDATE k2 SET v = v + i WHERE a = i;"
      "  IF i % 3 = 0 THEN DELETE FROM k2 WHERE a = i; END IF;"
      "END LOOP; END $$;"
      "UPDATE k2 SET v = -v;"
      // Values of another unique column move between rows (UPDATEs of u stay row by row).
      "UPDATE u SET email = 'tmp' WHERE id = 1;"
      "UPDATE u SET email = 'e1' WHERE id = 2;"
      "UPDATE u SET email = 'e2', v = 0 WHERE id = 1;"
      "UPDATE u SET v = v + 1;"
      "COMMIT;",
      db_);
  src_->Sql("UPDATE k SET ts = ts + interval '1 day' WHERE id % 2 = 0", db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("matched no row"), std::string::npos) << r.err;
  ExpectSame("k");
  ExpectSame("k2");
  ExpectSame("u");
  EXPECT_EQ(tgt_->Value("SELECT count(*) FROM k WHERE id > 100000", db_), "4");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

// #13: REPLICA IDENTITY FULL tables keep the row-by-row path for UPDATE and
// DELETE (each changes exactly one of several identical rows) while their
// INSERTs, duplicates included, go as a run.
TEST_F(FollowCorrectness, SetBasedRunsKeepFullIdentityDuplicates) {
  Prepare("rundup", "CREATE TABLE d (x int, v text); ALTER TABLE d REPLICA IDENTITY FULL;",
          "INSERT INTO d SELECT g % 10, 'same' FROM generate_series(1, 100) g;");
  src_->Sql(
      "BEGIN;"
      "INSERT INTO d SELECT 1, 'same' FROM generate_series(1, 20);"
      "UPDATE d SET v = 'one' WHERE ctid = (SELECT ctid FROM d WHERE x = 1 LIMIT 1);"
      "DELETE FROM d WHERE ctid IN (SELECT ctid FROM d WHERE x = 2 LIMIT 3);"
      "UPDATE d SET v = 'two' WHERE ctid IN (SELECT ctid FROM d WHERE x = 3 LIMIT 4);"
      "COMMIT;",
      db_);
  auto r = Follow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSame("d");
  EXPECT_EQ(tgt_->Value("SELECT count(*) FILTER (WHERE x = 1) || '/' || count(*) FILTER (WHERE x = 2)"
                        " || '/' || count(*) FILTER (WHERE v = 'two') FROM d",
                        db_),
            "30/7/4");
  EXPECT_EQ(Cleanup().exit_code, 0);
}

}  // namespace
}  // namespace hk::test
