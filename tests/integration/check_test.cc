// `hikkoshi check` against real clusters.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

class CheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = new Cluster("check-src");
    target_ = new Cluster("check-tgt");
    replica_ = new Cluster("check-replica", {"--wal-level", "replica"});
    source_->CreateDatabase("shop");
    source_->PsqlFile(SourceDir() + "/scripts/sample-data.sql", "shop", {"scale=0.002"});
    target_->CreateDatabase("shop");
    replica_->CreateDatabase("shop");
    replica_->Sql("CREATE TABLE t (id int primary key)", "shop");
  }
  static void TearDownTestSuite() {
    delete source_;
    delete target_;
    delete replica_;
  }
  static Cluster* source_;
  static Cluster* target_;
  static Cluster* replica_;
};
Cluster* CheckTest::source_ = nullptr;
Cluster* CheckTest::target_ = nullptr;
Cluster* CheckTest::replica_ = nullptr;

const nlohmann::json* FindItem(const nlohmann::json& j, const std::string& id) {
  for (const auto& i : j["items"])
    if (i["id"] == id) return &i;
  return nullptr;
}

TEST_F(CheckTest, GoodPairWarnsAboutTableWithoutPrimaryKey) {
  auto r = RunHikkoshi({"check", "--source", source_->Uri("shop"), "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitWarnings) << r.out << r.err;
  EXPECT_NE(r.out.find("[WARN] primary keys / replica identity"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"public\".\"audit_log\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REPLICA IDENTITY FULL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[PASS] source wal_level"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hk-local-pw"), std::string::npos) << "password leaked: " << r.out;
  EXPECT_EQ((r.out + r.err).find("hk-local-pw"), std::string::npos) << "password leaked";
}

TEST_F(CheckTest, JsonParsesAndIsStable) {
  auto r = RunHikkoshi(
      {"check", "--json", "--source", source_->Uri("shop"), "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitWarnings) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["summary"]["exit_code"], kExitWarnings);
  const auto* ri = FindItem(j, "source.replica_identity");
  ASSERT_NE(ri, nullptr);
  EXPECT_EQ((*ri)["verdict"], "WARN");
  EXPECT_EQ((*ri)["data"]["tables"][0]["name"], "audit_log");
  const auto* size = FindItem(j, "source.size");
  ASSERT_NE(size, nullptr);
  EXPECT_GT((*size)["data"]["database_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(r.out.find("hk-local-pw"), std::string::npos);
  EXPECT_EQ(j["source"]["url"].get<std::string>().find("hk-local-pw"), std::string::npos);
}

TEST_F(CheckTest, WalLevelReplicaIsABlocker) {
  auto r = RunHikkoshi({"check", "--source", replica_->Uri("shop"), "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.out << r.err;
  EXPECT_NE(r.out.find("[FAIL] source wal_level"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wal_level = logical"), std::string::npos) << r.out;
  auto j = RunHikkoshi({"check", "--json", "--source", replica_->Uri("shop"), "--target",
                        target_->Uri("shop")});
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ((*FindItem(doc, "source.wal_level"))["verdict"], "FAIL");
  EXPECT_NE((*FindItem(doc, "source.wal_level"))["fix"].get<std::string>().find("logical"),
            std::string::npos);
}

TEST_F(CheckTest, NonEmptyTargetIsABlockerUnlessDropIfExists) {
  auto r = RunHikkoshi({"check", "--source", source_->Uri("shop"), "--target", source_->Uri("postgres"),
                        "--json"});
  // source's postgres db is empty; use the replica cluster's non-empty db as target
  auto r2 = RunHikkoshi({"check", "--json", "--source", source_->Uri("shop"), "--target",
                         replica_->Uri("shop")});
  auto doc = nlohmann::json::parse(r2.out);
  EXPECT_EQ((*FindItem(doc, "target.empty"))["verdict"], "FAIL");
  EXPECT_EQ(r2.exit_code, kExitBlocked);
  auto r3 = RunHikkoshi({"check", "--json", "--drop-if-exists", "--source", source_->Uri("shop"),
                         "--target", replica_->Uri("shop")});
  auto doc3 = nlohmann::json::parse(r3.out);
  EXPECT_EQ((*FindItem(doc3, "target.empty"))["verdict"], "WARN");
}

TEST_F(CheckTest, SameDatabaseTwiceIsABlocker) {
  auto r = RunHikkoshi({"check", "--json", "--source", source_->Uri("shop"), "--target", source_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitBlocked);
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_NE(FindItem(doc, "pair.distinct"), nullptr) << r.out;
}

TEST_F(CheckTest, WrongPasswordIsOneSentenceAndExit5) {
  std::string bad = "postgresql://postgres:WrongPass987@127.0.0.1:" + std::to_string(source_->port()) + "/shop";
  auto r = RunHikkoshi({"check", "--source", bad, "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitAuth) << r.err;
  EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("WrongPass987"), std::string::npos) << r.err;
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  auto j = RunHikkoshi({"check", "--json", "--source", bad, "--target", target_->Uri("shop")});
  EXPECT_EQ(j.exit_code, kExitAuth);
  EXPECT_EQ(nlohmann::json::parse(j.out)["error"]["kind"], "permission");
  EXPECT_EQ(j.out.find("WrongPass987"), std::string::npos);
}

TEST_F(CheckTest, UnreachableHostIsExit4) {
  auto r = RunHikkoshi({"check", "--source", "postgresql://postgres:pw12345@127.0.0.1:1/shop",
                        "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitUnreachable) << r.err;
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("pw12345"), std::string::npos);
}

TEST_F(CheckTest, MissingDatabaseIsExit6) {
  auto r = RunHikkoshi({"check", "--source", source_->Uri("nosuchdb"), "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitNoDatabase) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST_F(CheckTest, MalformedUrlAndBadFlagsAreUsageErrors) {
  auto r = RunHikkoshi({"check", "--source", "postgresql://u:sekret99@h:port/db", "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
  EXPECT_EQ(r.err.find("sekret99"), std::string::npos) << r.err;
  auto r2 = RunHikkoshi({"check", "--no-such-flag"});
  EXPECT_EQ(r2.exit_code, kExitUsage);
  auto r3 = RunHikkoshi({"check", "--target", target_->Uri("shop")}, {{"PGHOST", ""}});
  EXPECT_EQ(r3.exit_code, kExitUsage) << r3.err;
  EXPECT_NE(r3.err.find("no source database given"), std::string::npos) << r3.err;
}

TEST_F(CheckTest, NoPrivilegeUserIsNamed) {
  source_->Sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='plain') THEN "
               "CREATE ROLE plain LOGIN PASSWORD 'plainpw1'; END IF; END $$;"
               "GRANT CONNECT ON DATABASE shop TO plain;");
  std::string plain = "postgresql://plain:plainpw1@127.0.0.1:" + std::to_string(source_->port()) + "/shop";
  auto r = RunHikkoshi({"check", "--json", "--source", plain, "--target", target_->Uri("shop")});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ((*FindItem(doc, "source.replication_privilege"))["verdict"], "FAIL");
  EXPECT_EQ((*FindItem(doc, "source.select_privilege"))["verdict"], "FAIL");
  EXPECT_EQ(r.out.find("plainpw1"), std::string::npos);
}

TEST_F(CheckTest, EnvAndConfigFileSupplyUrls) {
  auto r = RunHikkoshi({"check", "--json"}, {{"HIKKOSHI_SOURCE", source_->Uri("shop")},
                                             {"HIKKOSHI_TARGET", target_->Uri("shop")}});
  EXPECT_EQ(r.exit_code, kExitWarnings) << r.err;
  std::string cfg = "/tmp/hk-check-cfg-" + std::to_string(getpid()) + ".toml";
  RunShell("printf 'source = \"%s\"\\ntarget = \"%s\"\\n' " + ShellQuote(source_->Uri("shop")) + " " +
           ShellQuote(replica_->Uri("shop")) + " > " + cfg);
  // The file points at a non-empty target; the env overrides it with the empty one.
  auto f = RunHikkoshi({"--config", cfg, "check", "--json"});
  EXPECT_EQ(f.exit_code, kExitBlocked) << f.err;
  auto e = RunHikkoshi({"--config", cfg, "check", "--json"},
                       {{"HIKKOSHI_TARGET", target_->Uri("shop")}});
  EXPECT_EQ(e.exit_code, kExitWarnings) << e.err;
  auto flag = RunHikkoshi({"--config", cfg, "check", "--json", "--target", target_->Uri("shop")},
                          {{"HIKKOSHI_TARGET", replica_->Uri("shop")}});
  EXPECT_EQ(flag.exit_code, kExitWarnings) << flag.err;
  std::remove(cfg.c_str());
}

TEST_F(CheckTest, PgEnvironmentAndPgpass) {
  std::string pgpass = "/tmp/hk-pgpass-" + std::to_string(getpid());
  RunShell("echo '127.0.0.1:" + std::to_string(source_->port()) + ":*:postgres:hk-local-pw' > " + pgpass +
           " && chmod 600 " + pgpass);
  auto r = RunHikkoshi({"check", "--json", "--source",
                        "host=127.0.0.1 port=" + std::to_string(source_->port()) + " dbname=shop user=postgres",
                        "--target", target_->Uri("shop")},
                       {{"PGPASSFILE", pgpass}});
  EXPECT_EQ(r.exit_code, kExitWarnings) << r.err;
  auto env = RunHikkoshi({"check", "--json", "--target", target_->Uri("shop")},
                         {{"PGHOST", "127.0.0.1"}, {"PGPORT", std::to_string(source_->port())},
                          {"PGDATABASE", "shop"}, {"PGUSER", "postgres"}, {"PGPASSWORD", "hk-local-pw"}});
  EXPECT_EQ(env.exit_code, kExitWarnings) << env.err;
  std::remove(pgpass.c_str());
}

}  // namespace
}  // namespace hk::test
