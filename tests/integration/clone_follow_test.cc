// `hikkoshi clone --follow`: copy at the slot's snapshot, then follow, while
// the source keeps taking writes. An independent SQL comparison proves the
// target equals the source afterwards: nothing lost, nothing doubled.
#include <gtest/gtest.h>

#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

const char* kTables[] = {"users",       "products",    "price_snapshots", "alerts",
                         "ai_analyses", "scrape_jobs", "audit_log"};

std::string TableDigest(Cluster& c, const std::string& table, const std::string& db = "shop") {
  return c.Value(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
      "FROM " +
          table + " t",
      db);
}

void Workload(Cluster& src, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    src.Sql(
        "INSERT INTO price_snapshots (product_id, price, in_stock, captured_at, source, "
        "raw_payload) "
        "SELECT id, 10.5 + " +
            std::to_string(i) +
            ", true, now(), 'follow-test', repeat('x', 50) "
            "FROM products ORDER BY id LIMIT 20;"
            "UPDATE products SET current_price = current_price + 1 WHERE id % 7 = " +
            std::to_string(i % 7) +
            ";"
            "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts ORDER BY id LIMIT 3);"
            "INSERT INTO audit_log SELECT now(), 'tester', 'touch', '{}'::jsonb;"
            "UPDATE audit_log SET action = 'seen' WHERE ctid = (SELECT ctid FROM audit_log WHERE "
            "action <> 'seen' LIMIT 1);",
        "shop");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST(CloneFollow, CopiesAtTheSlotSnapshotAndFollowsWrites) {
  Cluster src("cf-src"), tgt("cf-tgt");
  src.CreateDatabase("shop");
  src.PsqlFile(SourceDir() + "/scripts/sample-data.sql", "shop", {"scale=0.005"});
  tgt.CreateDatabase("shop");
  std::string dir = "/tmp/hk-cf-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);

  // Without a choice for audit_log (no primary key) clone --follow refuses
  // and leaves both databases untouched.
  auto refused = RunHikkoshi({"clone", "--follow", "--source", src.Uri("shop"), "--target",
                              tgt.Uri("shop"), "--dir", dir});
  EXPECT_EQ(refused.exit_code, kExitBlocked) << refused.err;
  EXPECT_NE(refused.err.find("audit_log"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--copy-only-table"), std::string::npos) << refused.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_publication", "shop"), "0");
  EXPECT_EQ(tgt.Value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "shop"), "0");
  RunShell("rm -rf " + dir);

  // Writes run while the clone copies and while it follows.
  std::thread writer([&] { Workload(src, 40); });
  auto r =
      RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full", "--jobs",
                   "2", "--source", src.Uri("shop"), "--target", tgt.Uri("shop"), "--dir", dir});
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("following changes"), std::string::npos) << r.out;
  // Apply whatever the writer committed after the first catch-up.
  auto f = RunHikkoshi({"follow", "--until-caught-up", "--source", src.Uri("shop"), "--target",
                        tgt.Uri("shop"), "--dir", dir});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;

  for (const char* t : kTables) {
    EXPECT_EQ(TableDigest(src, t), TableDigest(tgt, t)) << "table " << t;
  }
  EXPECT_EQ(src.Value("SELECT count(*) FROM price_snapshots WHERE source = 'follow-test'", "shop"),
            "800");

  auto c = RunHikkoshi(
      {"cleanup", "--source", src.Uri("shop"), "--target", tgt.Uri("shop"), "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  RunShell("rm -rf " + dir);
}

TEST(CloneFollow, ResumeWithoutAnEarlierRunIsRefused) {
  auto r = RunHikkoshi({"clone", "--follow", "--resume", "--source", "postgresql://u@127.0.0.1:1/x",
                        "--target", "postgresql://u@127.0.0.1:1/y", "--dir", "/tmp/hk-cf-none"});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
  EXPECT_NE(r.err.find("no clone --follow to resume"), std::string::npos) << r.err;
}

std::string SlotsAndPublications(Cluster& src, const std::string& db) {
  return src.Value("SELECT count(*) FROM pg_replication_slots", db) + "/" +
         src.Value("SELECT count(*) FROM pg_publication", db);
}

// #10.19: every target check runs before the source gets a publication or a
// slot; retries do not pile up slots.
TEST(CloneFollow, ChecksTheTargetBeforeChangingTheSource) {
  Cluster src("cf19-src"), tgt("cf19-tgt");
  src.CreateDatabase("app");
  src.Sql(
      "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'x' FROM "
      "generate_series(1, 20) g",
      "app");
  tgt.CreateDatabase("app");
  tgt.Sql("CREATE TABLE already_here (id int)", "app");
  std::string dir = "/tmp/hk-cf19-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);
  std::string bad_pw = tgt.Uri("app");
  bad_pw.replace(bad_pw.find(':', 14) + 1, bad_pw.find('@') - bad_pw.find(':', 14) - 1,
                 "wrong-password");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("app"),
                          "--target", tgt.Uri("app"), "--dir", dir});
    EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
    EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
    EXPECT_EQ(SlotsAndPublications(src, "app"), "0/0");
    r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("app"),
                     "--target", bad_pw, "--dir", dir});
    EXPECT_EQ(r.exit_code, kExitAuth) << r.err;
    EXPECT_EQ(SlotsAndPublications(src, "app"), "0/0");
    r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("app"),
                     "--target", src.Uri("app"), "--dir", dir});
    EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
    EXPECT_EQ(SlotsAndPublications(src, "app"), "0/0");
  }
  RunShell("rm -rf " + dir);
}

// #10.4: a copy interrupted (Ctrl-C) or killed never counts: follow refuses,
// status does not say caught up, and `clone --follow --resume` starts over.
TEST(CloneFollow, AnInterruptedCopyMustBeResumed) {
  Cluster src("cf4-src"), tgt("cf4-tgt");
  src.CreateDatabase("app");
  src.Sql(
      "CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text);"
      "INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 2000) g;"
      "INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 500) g;",
      "app");
  tgt.CreateDatabase("app");
  std::string dir = "/tmp/hk-cf4-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);
  std::vector<std::string> clone = {
      "clone",        "--follow", "--until-caught-up", "--jobs", "1", "--source",
      src.Uri("app"), "--target", tgt.Uri("app"),      "--dir",  dir};
  std::vector<std::string> follow = {"follow",   "--until-caught-up", "--source", src.Uri("app"),
                                     "--target", tgt.Uri("app"),      "--dir",    dir};
  auto expect_refused = [&](const char* when) {
    auto f = RunHikkoshi(follow);
    EXPECT_EQ(f.exit_code, kExitBlocked) << when << ": " << f.err;
    EXPECT_NE(
        f.err.find("the initial copy did not finish; rerun `hikkoshi clone --follow --resume`"),
        std::string::npos)
        << f.err;
    auto st = RunHikkoshi({"status", "--dir", dir, "--json"});
    EXPECT_EQ(st.out.find("caught-up"), std::string::npos) << st.out;
  };

  // Ctrl-C after the first table: the slot is dropped at once, the copy is pending.
  auto r = RunHikkoshi(clone, {{"HIKKOSHI_TEST_INTERRUPT_AFTER", "after-commit:1"}});
  EXPECT_EQ(r.exit_code, kExitInterrupted) << r.err;
  EXPECT_NE(r.err.find("clone --follow --resume"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("continue following"), std::string::npos) << r.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  expect_refused("after Ctrl-C");

  // Killed (kill -9) during the next attempt: its slot is left behind.
  r = RunHikkoshi({"clone", "--follow", "--resume", "--until-caught-up", "--jobs", "1", "--source",
                   src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir},
                  {{"HIKKOSHI_TEST_CRASH_AFTER", "after-commit:1"}});
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "1");
  expect_refused("after kill -9");

  // --resume: the dead snapshot is said, the old slot dropped, the copy redone.
  src.Sql("INSERT INTO b VALUES (10000, 'written between the runs')", "app");
  r = RunHikkoshi({"clone", "--follow", "--resume", "--until-caught-up", "--jobs", "1", "--source",
                   src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("snapshot ended with its connection"), std::string::npos) << r.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "1");
  for (const char* t : {"a", "b"})
    EXPECT_EQ(TableDigest(src, t, "app"), TableDigest(tgt, t, "app")) << t;
  src.Sql("UPDATE a SET v = 'changed' WHERE id = 1", "app");
  auto f = RunHikkoshi(follow);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(TableDigest(src, "a", "app"), TableDigest(tgt, "a", "app"));
  auto c = RunHikkoshi(
      {"cleanup", "--source", src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  RunShell("rm -rf " + dir);
}

// Setting REPLICA IDENTITY FULL takes ACCESS EXCLUSIVE table after table in
// one transaction; an application transaction holding a row lock on the
// second table and then writing the first deadlocks with it (found by the
// randomized soak, seed 20262468). The server rolls hikkoshi's transaction
// back (its deadlock_timeout is the shorter here); it must try again, not
// fail the clone.
TEST(CloneFollow, ReplicaIdentityFullSurvivesADeadlockWithTheApplication) {
  Cluster src("cfdl-src"), tgt("cfdl-tgt");
  src.CreateDatabase("app");
  src.Sql(
      "CREATE TABLE a (x int); CREATE TABLE b (x int); INSERT INTO a VALUES (1); "
      "INSERT INTO b VALUES (1)",
      "app");
  tgt.CreateDatabase("app");
  std::string dir = "/tmp/hk-cfdl-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);

  pg::Connection app = src.Connect("app");
  ASSERT_TRUE(app.Run("SET deadlock_timeout = '20s'").ok());
  ASSERT_TRUE(app.Run("BEGIN").ok());
  ASSERT_TRUE(app.Run("INSERT INTO b VALUES (2)").ok());  // row lock on b

  ProcessResult r;
  std::thread clone([&] {
    r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                     "--source", src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  });
  // hikkoshi holds a and waits for b ...
  bool waiting = false;
  for (int i = 0; i < 300 && !waiting; ++i) {
    waiting = src.Value(
                  "SELECT count(*) FROM pg_locks WHERE relation = 'b'::regclass AND "
                  "mode = 'AccessExclusiveLock' AND NOT granted",
                  "app") == "1";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(waiting) << "hikkoshi never waited for table b";
  // ... and the application now writes a: a deadlock, hikkoshi's the victim.
  ASSERT_TRUE(app.Run("INSERT INTO a VALUES (2)").ok());
  ASSERT_TRUE(app.Run("COMMIT").ok());
  clone.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("deadlock"), std::string::npos) << r.err;  // the retry was said
  EXPECT_EQ(src.Value("SELECT string_agg(relreplident::text, '' ORDER BY relname) FROM pg_class "
                      "WHERE relname IN ('a', 'b')",
                      "app"),
            "ff");
  EXPECT_EQ(tgt.Value("SELECT count(*) FROM a", "app"), "2");
  EXPECT_EQ(tgt.Value("SELECT count(*) FROM b", "app"), "2");
  auto c = RunHikkoshi(
      {"cleanup", "--source", src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  RunShell("rm -rf " + dir);
}

}  // namespace
}  // namespace hk::test
