// hikkoshi follow against real servers: a random mixed workload runs on the
// source from before the slot exists until after the follower started; the
// initial copy is taken at the slot's exported snapshot; at the end the
// target must equal the source (SQL-side hashes per table). The fault test
// kill -9s the follower 12 times, terminates its connections and restarts
// the target and the source server.
//
// Budget: about 2 minutes on 2 cores.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cdc/setup.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;

const char* kSchema = R"SQL(
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int, big text);
ALTER TABLE items ALTER big SET STORAGE EXTERNAL;
CREATE TABLE logs (msg text, n int, meta json);
CREATE TABLE parts (id int, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parts_eu PARTITION OF parts FOR VALUES IN ('eu');
CREATE TABLE parts_us PARTITION OF parts FOR VALUES IN ('us');
CREATE TABLE orders (id int PRIMARY KEY, note text);
CREATE TABLE scratch (id int PRIMARY KEY, v text);
CREATE TABLE order_lines (id int PRIMARY KEY,
  order_id int REFERENCES orders DEFERRABLE INITIALLY DEFERRED, amount numeric);
CREATE TABLE "Odd Name" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "v a l" float8,
  ts timestamptz, arr int[], p point, g text GENERATED ALWAYS AS (upper("v a l"::text)) STORED);
)SQL";

const char* kSeed = R"SQL(
INSERT INTO items SELECT g, 'item ' || g, g, repeat(md5(g::text), 200) FROM generate_series(1, 200) g;
INSERT INTO logs SELECT 'dup', 1, '{"a": 1}' FROM generate_series(1, 20);
INSERT INTO logs SELECT 'row ' || g, g, NULL FROM generate_series(1, 50) g;
INSERT INTO parts SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 50) g;
INSERT INTO order_lines SELECT g, g, g * 1.5 FROM generate_series(1, 50) g;
INSERT INTO "Odd Name" ("v a l", ts, arr, p) SELECT g / 3.0, now(), ARRAY[g, g + 1], point(g, -g)
  FROM generate_series(1, 30) g;
)SQL";

const std::vector<std::string> kTables = {"items", "logs", "parts", "orders", "order_lines", "scratch",
                                          "\"Odd Name\""};

std::string TableHash(Cluster& c, const std::string& db, const std::string& t) {
  return c.Value("SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM " + t + " x", db);
}

// Random mixed transactions on the source until *stop.
class Workload {
 public:
  Workload(Cluster& c, std::string db, uint32_t seed) : c_(c), db_(std::move(db)), rng_(seed) {}
  void Start() {
    th_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (th_.joinable()) th_.join();
  }
  int64_t committed() const { return committed_; }
  ~Workload() { Stop(); }

 private:
  int R(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }
  std::string Big() { return "repeat(md5(random()::text), " + std::to_string(100 + R(200)) + ")"; }

  std::string Op() {
    int id = next_id_++;
    switch (R(14)) {
      case 0: case 1:
        return "INSERT INTO items VALUES (" + std::to_string(id) + ", 'n" + std::to_string(id) + "', 1, " + Big() + ")";
      case 2: case 3:  // TOASTed column untouched
        return "UPDATE items SET qty = qty + 1 WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 2)";
      case 4:
        return "UPDATE items SET big = " + Big() + " WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 1)";
      case 5:  // key change
        return "UPDATE items SET id = " + std::to_string(id) + " WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 1)";
      case 6:
        return "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 1)";
      case 7:
        return "INSERT INTO logs VALUES ('dup', 1, '{\"a\": 1}'), ('dup', 1, '{\"a\": 1}'), ('x', " + std::to_string(id) + ", NULL)";
      case 8:
        return "UPDATE logs SET n = n + 1 WHERE ctid = (SELECT ctid FROM logs WHERE msg = 'dup' LIMIT 1)";
      case 9:
        return "DELETE FROM logs WHERE ctid = (SELECT ctid FROM logs ORDER BY random() LIMIT 1)";
      case 10:  // rows move between partitions
        return "UPDATE parts SET region = CASE region WHEN 'eu' THEN 'us' ELSE 'eu' END, v = v + 1 "
               "WHERE id IN (SELECT id FROM parts ORDER BY random() LIMIT 2)";
      case 11:
        return "INSERT INTO parts VALUES (" + std::to_string(id) + ", 'eu', 0); DELETE FROM parts WHERE id IN "
               "(SELECT id FROM parts ORDER BY random() LIMIT 1)";
      case 12:  // deferred foreign key: the line before its order
        return "INSERT INTO order_lines VALUES (" + std::to_string(id) + ", " + std::to_string(id) + ", " +
               std::to_string(id) + ".25); INSERT INTO orders VALUES (" + std::to_string(id) + ", 'late')";
      default:
        return "INSERT INTO \"Odd Name\" (\"v a l\", ts, arr, p) VALUES (random(), now(), ARRAY[1,NULL,3], point(1.5, 2)); "
               "UPDATE \"Odd Name\" SET \"v a l\" = -0.0 WHERE id IN (SELECT id FROM \"Odd Name\" ORDER BY random() LIMIT 1)";
    }
  }

  void Loop() {
    auto conn = c_.Connect(db_);
    while (!stop_) {
      if (!conn.Healthy()) {  // the source was restarted: reconnect
        std::this_thread::sleep_for(200ms);
        try {
          conn = c_.Connect(db_);
        } catch (const std::exception&) {
          continue;
        }
      }
      std::string sql = "BEGIN; ";
      int n = 1 + R(5);
      for (int i = 0; i < n; ++i) {
        if (R(8) == 0) sql += "SAVEPOINT s; " + Op() + "; ROLLBACK TO SAVEPOINT s; ";
        sql += Op() + "; ";
      }
      // TRUNCATE only here: it is not MVCC-safe, so a snapshot copy taken
      // before it sees the table empty (the stream then replays it).
      if (R(30) == 0) sql += "TRUNCATE scratch; ";
      sql += "INSERT INTO scratch VALUES (" + std::to_string(next_id_++) + ", 's'); ";
      if (R(40) == 0) {  // a bigger transaction, so kills land in the middle of one
        int base = next_id_;
        next_id_ += 2000;
        sql += "INSERT INTO items SELECT g, 'bulk', g, NULL FROM generate_series(" + std::to_string(base) +
               ", " + std::to_string(base + 1999) + ") g; UPDATE parts SET v = v + 1; ";
      }
      bool rollback = R(10) == 0;
      sql += rollback ? "ROLLBACK" : "COMMIT";
      auto st = conn.Run(sql);
      if (!st.ok()) {
        // Two transactions may pick the same random row; that is not our bug.
        conn.Run("ROLLBACK").ok();
        ++failed_;
      } else if (!rollback) {
        ++committed_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(R(8)));
    }
  }

  Cluster& c_;
  std::string db_;
  std::mt19937 rng_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> committed_{0};
  int failed_ = 0;
  int next_id_ = 1000000;
  std::thread th_;
};

using Follower = BackgroundHikkoshi;  // a background `hikkoshi follow`

class FollowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("fsrc");
    tgt_ = new Cluster("ftgt", {"--set", "synchronous_commit=on"});
  }
  static void TearDownTestSuite() {
    delete src_;
    delete tgt_;
  }

  // Databases with the schema and seed rows on the source, the schema on the target.
  void Prepare(const std::string& name) {
    db_ = name;
    src_->CreateDatabase(db_);
    tgt_->CreateDatabase(db_);
    src_->Sql(kSchema, db_);
    src_->Sql(kSeed, db_);
    auto r = RunShell("pg_dump --schema-only " + ShellQuote(src_->Uri(db_)) + " | psql -X -q -v ON_ERROR_STOP=1 " +
                      ShellQuote(tgt_->Uri(db_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    dir_ = std::filesystem::temp_directory_path() / ("hk-follow-" + std::to_string(getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  // Slot + snapshot, and the initial copy at that snapshot.
  void SetupAndCopy() {
    cdc::FollowSetupOptions o;
    o.source = pg::ConnInfo::Parse(src_->Uri(db_)).value();
    o.workdir = dir_;
    o.replica_identity_full = true;
    auto s = cdc::StartFollowSetup(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto r = RunShell("pg_dump --data-only --snapshot=" + s->snapshot.snapshot_name() + " " +
                      ShellQuote(src_->Uri(db_)) + " | psql -X -q -v ON_ERROR_STOP=1 " + ShellQuote(tgt_->Uri(db_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The copy equals the source as of the snapshot.
    auto c = src_->Connect(db_);
    ASSERT_TRUE(c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '" +
                      s->snapshot.snapshot_name() + "'").ok());
    for (const auto& t : kTables) {
      if (t == "scratch") continue;  // TRUNCATE is not MVCC-safe: reads after it see it
      auto h = c.QueryValue("SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM " + t + " x");
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(*h, TableHash(*tgt_, db_, t)) << "initial copy of " << t;
    }
    s->snapshot.Release();
  }

  std::vector<std::string> FollowArgs() {
    return {"follow", "--source", src_->Uri(db_), "--target", tgt_->Uri(db_), "--dir", dir_, "--status-interval", "100"};
  }

  void CatchUpAndCompare() {
    auto args = FollowArgs();
    args.push_back("--until-caught-up");
    auto r = RunHikkoshi(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& t : kTables)
      EXPECT_EQ(TableHash(*src_, db_, t), TableHash(*tgt_, db_, t)) << "table " << t;
    auto st = RunHikkoshi({"status", "--dir", dir_, "--json"});
    auto j = nlohmann::json::parse(st.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << st.out << st.err;
    EXPECT_EQ(j["phase"], "caught-up");
    EXPECT_EQ(j["lag_bytes"], 0);
  }

  void CleanupAndCheck() {
    std::vector<std::string> args = {"cleanup", "--source", src_->Uri(db_), "--target", tgt_->Uri(db_), "--dir", dir_};
    auto r = RunHikkoshi(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'hikkoshi%'", db_), "0");
    EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_publication", db_), "0");
    EXPECT_EQ(tgt_->Value("SELECT count(*) FROM pg_replication_origin", db_), "0");
    r = RunHikkoshi(args);  // idempotent
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }

  std::string Log() { return (dir_ / "follower.log").string(); }

  static Cluster* src_;
  static Cluster* tgt_;
  std::string db_;
  std::filesystem::path dir_;
};

Cluster* FollowTest::src_ = nullptr;
Cluster* FollowTest::tgt_ = nullptr;

TEST_F(FollowTest, RefusesTablesWithoutIdentityWithoutFlag) {
  Prepare("noident");
  cdc::FollowSetupOptions o;
  o.source = pg::ConnInfo::Parse(src_->Uri(db_)).value();
  o.workdir = dir_;
  auto s = cdc::StartFollowSetup(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("logs"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().hint.find("--replica-identity-full"), std::string::npos);
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_publication", db_), "0");
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots", db_), "0");
  EXPECT_EQ(src_->Value("SELECT relreplident FROM pg_class WHERE relname = 'logs'", db_), "d");
}

TEST_F(FollowTest, MixedWorkloadArrivesExactlyOnce) {
  Prepare("mixed");
  Workload w(*src_, db_, 42);
  w.Start();  // writes before, during and after the snapshot
  std::this_thread::sleep_for(300ms);
  SetupAndCopy();
  Follower f(FollowArgs(), Log());
  f.Start();
  std::this_thread::sleep_for(4s);
  EXPECT_TRUE(f.Alive()) << RunShell("cat " + Log()).out;
  w.Stop();
  EXPECT_GT(w.committed(), 50);
  EXPECT_EQ(f.Signal(SIGTERM), 130) << RunShell("cat " + Log()).out;
  CatchUpAndCompare();
  CleanupAndCheck();
}

TEST_F(FollowTest, SurvivesKillsTerminatedConnectionsAndTargetRestart) {
  Prepare("faults");
  Workload w(*src_, db_, 7);
  w.Start();
  SetupAndCopy();
  std::mt19937 rng(1234);
  for (int i = 0; i < 12; ++i) {
    Follower f(FollowArgs(), Log());
    f.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
    if (i == 4) {
      src_->Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hikkoshi follow'");
      tgt_->Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hikkoshi follow'");
      std::this_thread::sleep_for(1500ms);
      EXPECT_TRUE(f.Alive()) << "the follower should reconnect, not exit";
    }
    if (i == 8) {
      tgt_->Restart();
      std::this_thread::sleep_for(1500ms);
      EXPECT_TRUE(f.Alive()) << "the follower should wait for the target to come back";
    }
    if (i == 10) {
      src_->Restart();
      std::this_thread::sleep_for(1500ms);
      EXPECT_TRUE(f.Alive()) << "the follower should wait for the source to come back";
    }
    f.Signal(SIGKILL);
    if (i == 0) {  // status notices the dead follower
      auto st = RunHikkoshi({"status", "--dir", dir_.string(), "--json"});
      EXPECT_EQ(st.exit_code, 1) << st.out << st.err;
      EXPECT_NE(st.out.find("not running"), std::string::npos) << st.out;
    }
  }
  w.Stop();
  CatchUpAndCompare();
  EXPECT_EQ(RunShell("grep -c 'duplicate key' " + ShellQuote(Log())).out, "0\n");
  CleanupAndCheck();
}

TEST_F(FollowTest, StopsOnSchemaChangeAndContinuesAfterTheFix) {
  Prepare("ddl");
  // The CLI setup path: slot + snapshot, copy by a shell command at that snapshot.
  auto setup = RunHikkoshi({"follow", "--setup", "--replica-identity-full", "--source", src_->Uri(db_), "--target",
                            tgt_->Uri(db_), "--dir", dir_, "--copy-command",
                            "pg_dump --data-only --snapshot=$HIKKOSHI_SNAPSHOT " + ShellQuote(src_->Uri(db_)) +
                                " | psql -X -q -v ON_ERROR_STOP=1 " + ShellQuote(tgt_->Uri(db_))});
  ASSERT_EQ(setup.exit_code, 0) << setup.err;
  for (const auto& t : kTables) EXPECT_EQ(TableHash(*src_, db_, t), TableHash(*tgt_, db_, t)) << t;
  auto again = RunHikkoshi({"follow", "--setup", "--source", src_->Uri(db_), "--target", tgt_->Uri(db_), "--dir", dir_});
  EXPECT_EQ(again.exit_code, 3) << again.err;  // WORKDIR already holds a setup
  src_->Sql("INSERT INTO orders VALUES (900, 'before'); ALTER TABLE orders ADD COLUMN extra int; "
            "INSERT INTO orders VALUES (901, 'after', 7)", db_);
  auto args = FollowArgs();
  args.push_back("--until-caught-up");
  auto r = RunHikkoshi(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("orders"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("extra"), std::string::npos) << r.err;
  tgt_->Sql("ALTER TABLE orders ADD COLUMN extra int", db_);
  r = RunHikkoshi(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TableHash(*src_, db_, "orders"), TableHash(*tgt_, db_, "orders"));
  CleanupAndCheck();
}

TEST_F(FollowTest, AFailedBatchStopsEverythingAfterIt) {
  Prepare("failing");
  SetupAndCopy();
  // The target refuses one row, slowly, so the later batches (pipelined, one
  // source transaction each here) are surely sent before the error returns;
  // none of them may be applied.
  tgt_->Sql("CREATE FUNCTION slow_check(t text) RETURNS bool LANGUAGE sql AS "
            "$$ SELECT pg_sleep(CASE WHEN t = 'bad' THEN 0.5 ELSE 0 END) IS NOT NULL AND t <> 'bad' $$; "
            "ALTER TABLE orders ADD CONSTRAINT no_bad CHECK (slow_check(note))", db_);
  src_->Sql("INSERT INTO orders VALUES (1000, 'ok')", db_);
  src_->Sql("INSERT INTO orders VALUES (1001, 'bad')", db_);
  for (int i = 0; i < 20; ++i) src_->Sql("INSERT INTO orders VALUES (" + std::to_string(1002 + i) + ", 'later')", db_);
  auto args = FollowArgs();
  args.insert(args.end(), {"--until-caught-up", "--max-batch", "1"});
  auto r = RunHikkoshi(args);
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("no_bad"), std::string::npos) << r.err;
  EXPECT_EQ(tgt_->Value("SELECT count(*) FROM orders WHERE id >= 1001", db_), "0");
  tgt_->Sql("ALTER TABLE orders DROP CONSTRAINT no_bad", db_);
  r = RunHikkoshi(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TableHash(*src_, db_, "orders"), TableHash(*tgt_, db_, "orders"));
  CleanupAndCheck();
}

TEST_F(FollowTest, ReportsADroppedSlot) {
  Prepare("dropped");
  SetupAndCopy();
  auto state = nlohmann::json::parse(RunShell("cat " + ShellQuote((dir_ / "follow.json").string())).out);
  src_->Sql("SELECT pg_drop_replication_slot('" + state["slot"].get<std::string>() + "')", db_);
  auto args = FollowArgs();
  args.push_back("--until-caught-up");
  auto r = RunHikkoshi(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no longer exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cleanup"), std::string::npos) << r.err;
  CleanupAndCheck();
}

}  // namespace
}  // namespace hk::test
