// `hikkoshi clone --follow`: copy at the slot's snapshot, then follow, while
// the source keeps taking writes. An independent SQL comparison proves the
// target equals the source afterwards: nothing lost, nothing doubled.
#include <gtest/gtest.h>

#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

const char* kTables[] = {"users", "products", "price_snapshots", "alerts",
                         "ai_analyses", "scrape_jobs", "audit_log"};

std::string TableDigest(Cluster& c, const std::string& table) {
  return c.Value("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM " +
                     table + " t",
                 "shop");
}

void Workload(Cluster& src, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    src.Sql("INSERT INTO price_snapshots (product_id, price, in_stock, captured_at, source, raw_payload) "
            "SELECT id, 10.5 + " + std::to_string(i) + ", true, now(), 'follow-test', repeat('x', 50) "
            "FROM products ORDER BY id LIMIT 20;"
            "UPDATE products SET current_price = current_price + 1 WHERE id % 7 = " + std::to_string(i % 7) + ";"
            "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts ORDER BY id LIMIT 3);"
            "INSERT INTO audit_log SELECT now(), 'tester', 'touch', '{}'::jsonb;"
            "UPDATE audit_log SET action = 'seen' WHERE ctid = (SELECT ctid FROM audit_log WHERE action <> 'seen' LIMIT 1);",
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
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                        "--jobs", "2", "--source", src.Uri("shop"), "--target", tgt.Uri("shop"),
                        "--dir", dir});
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
  EXPECT_EQ(src.Value("SELECT count(*) FROM price_snapshots WHERE source = 'follow-test'", "shop"), "800");

  auto c = RunHikkoshi({"cleanup", "--source", src.Uri("shop"), "--target", tgt.Uri("shop"), "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  RunShell("rm -rf " + dir);
}

TEST(CloneFollow, ResumeIsRefused) {
  auto r = RunHikkoshi({"clone", "--follow", "--resume", "--source", "postgresql://u@127.0.0.1:1/x",
                        "--target", "postgresql://u@127.0.0.1:1/y", "--dir", "/tmp/hk-cf-none"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resume cannot be combined with --follow"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hk::test
