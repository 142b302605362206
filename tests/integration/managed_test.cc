// Managed services as the migration meets them: a Neon-like owner role on the
// source and an RDS-like admin on the target, neither a superuser, TLS with
// verify-full and scram-sha-256 only (pgcluster --managed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

const char* kSchema = R"SQL(
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     total numeric(10,2) NOT NULL);
CREATE TABLE events (at timestamptz NOT NULL DEFAULT now(), what text);
INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 20) g;
INSERT INTO orders (customer_id, total) SELECT 1 + g % 20, g * 1.5 FROM generate_series(1, 50) g;
INSERT INTO events (what) SELECT 'e' || g FROM generate_series(1, 10) g;
)SQL";

std::string Digest(Cluster& c, const std::string& table, const std::string& db = "app") {
  return c.Value("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY "
                 "t::text)), '') FROM " + table + " t",
                 db);
}

std::string WorkDir(const std::string& tag) {
  std::string d = "/tmp/hk-managed-" + tag + "-" + std::to_string(getpid());
  RunShell("rm -rf " + d);
  return d;
}

struct Pair {
  Cluster src{"mg-src", {"--managed"}};
  Cluster tgt{"mg-tgt", {"--managed"}};
  ManagedRole owner, admin;
  explicit Pair(bool source_grants = false, bool target_grants = true) {
    src.CreateDatabase("app");
    src.Sql(kSchema, "app");
    owner = CreateNeonLikeOwner(src, "app", source_grants);
    admin = CreateRdsLikeAdmin(tgt, "app", target_grants);
  }
};

TEST(Managed, CloneFollowVerifyCleanupAsManagedRoles) {
  Pair p;
  std::string dir = WorkDir("story");
  auto chk = RunHikkoshi({"check", "--source", p.owner.uri, "--target", p.admin.uri});
  EXPECT_LE(chk.exit_code, 1) << chk.out << chk.err;
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                        "--no-owner", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // No sequence moves: sequences are carried at cutover, and verify compares them.
  p.src.Sql("INSERT INTO events (what) VALUES ('late'); UPDATE orders SET total = total + 1 "
            "WHERE id < 5; DELETE FROM events WHERE what = 'e3'; UPDATE customers SET name = "
            "'renamed' WHERE id = 2",
            "app");
  auto f = RunHikkoshi({"follow", "--until-caught-up", "--source", p.owner.uri, "--target",
                        p.admin.uri, "--dir", dir});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  for (const char* t : {"customers", "orders", "events"})
    EXPECT_EQ(Digest(p.src, t), Digest(p.tgt, t)) << t;
  auto v = RunHikkoshi({"verify", "--source", p.owner.uri, "--target", p.admin.uri});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto c = RunHikkoshi({"cleanup", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_publication", "app"), "0");
  RunShell("rm -rf " + dir);
}

}  // namespace
}  // namespace hk::test
