// The catalog module (src/pg/catalog) against one real cluster, and every
// stage that lists the user's tables and sequences through it: check,
// clone, verify, backup facts and cutover (counts, sequences) must see the
// same set. The source database holds what the filter must leave out (an
// extension's member table and sequence, hikkoshi's own schema with a
// probe and a progress table) beside what it must keep (partitions,
// inheritance, a matview, an unlogged and a foreign table, owned, identity
// and free sequences, odd identifiers). The target is a second database of
// the same cluster, filled by `hikkoshi clone`. Budget: ~30 s.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "backup/db_facts.h"
#include "check/facts.h"
#include "cutover/counts.h"
#include "cutover/sequences.h"
#include "pg/catalog/relations.h"
#include "pg/conninfo.h"
#include "support/harness.h"
#include "verify/tables.h"

namespace hk::test {
namespace {

using Names = std::set<std::string>;  // "schema.name", unquoted

Names NamesOf(const Result<std::vector<pg::catalog::Relation>>& rels) {
  Names out;
  EXPECT_TRUE(rels.ok()) << rels.error().message;
  if (!rels.ok()) return out;
  for (const auto& r : rels.value()) out.insert(r.schema + "." + r.name);
  return out;
}

std::vector<pg::catalog::Relation> Listed(pg::Connection& c, const char* kinds) {
  auto rels = pg::catalog::ListRelations(c, kinds);
  EXPECT_TRUE(rels.ok()) << rels.error().message;
  return rels.ok() ? std::move(rels).value() : std::vector<pg::catalog::Relation>{};
}

const Names kDataTables = {"public.plain",      "public.parent",   "public.child",
                           "public.meas_2024",  "public.meas_def", "public.scratch",
                           "Odd \"Schema\".T.x"};
const Names kPublishable = {"public.plain", "public.parent", "public.child", "public.meas",
                            "Odd \"Schema\".T.x"};
const Names kSequences = {"public.plain_id_seq", "public.free_seq", "Odd \"Schema\".T.x_id_seq"};

class CatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = std::make_unique<Cluster>("catalog");
    cluster_->CreateDatabase("src");
    cluster_->CreateDatabase("tgt");
    cluster_->Sql(R"SQL(
      CREATE EXTENSION citext;
      CREATE TABLE ext_member (v text);
      INSERT INTO ext_member VALUES ('x'), ('y');
      CREATE SEQUENCE ext_seq;
      SELECT nextval('ext_seq');
      ALTER EXTENSION citext ADD TABLE ext_member;
      ALTER EXTENSION citext ADD SEQUENCE ext_seq;

      CREATE SCHEMA hikkoshi;
      CREATE TABLE hikkoshi.cutover_probe (token text PRIMARY KEY, kind text, note text);
      INSERT INTO hikkoshi.cutover_probe VALUES ('m1', 'marker', NULL);
      CREATE TABLE hikkoshi.progress_nokey (id bigserial, lsn pg_lsn);
      INSERT INTO hikkoshi.progress_nokey (lsn) VALUES ('0/1');

      CREATE TABLE plain (id serial PRIMARY KEY, v text);
      INSERT INTO plain (v) VALUES ('a'), ('b'), ('c');
      CREATE SEQUENCE free_seq;
      SELECT setval('free_seq', 42);
      CREATE TABLE parent (id int PRIMARY KEY, v text);
      CREATE TABLE child (extra int) INHERITS (parent);
      INSERT INTO parent VALUES (1, 'p');
      INSERT INTO child VALUES (2, 'c', 7);
      CREATE TABLE meas (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
      CREATE TABLE meas_2024 PARTITION OF meas FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE meas_def PARTITION OF meas DEFAULT;
      INSERT INTO meas VALUES (1, '2024-05-01'), (2, '2030-01-01');
      CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM plain;
      CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY);
      INSERT INTO scratch VALUES (1);
      CREATE EXTENSION postgres_fdw;
      CREATE SERVER far FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'nowhere');
      CREATE FOREIGN TABLE far_t (id int) SERVER far;
      CREATE SCHEMA "Odd ""Schema""";
      CREATE TABLE "Odd ""Schema"""."T.x" (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                          "Mixed Case" text);
      INSERT INTO "Odd ""Schema"""."T.x" ("Mixed Case") VALUES ('one'), ('two');
      ANALYZE;
    )SQL",
                  "src");
    char dir[] = "/tmp/hk-catalog-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    ProcessResult r = RunHikkoshi({"clone", "--source", cluster_->Uri("src"), "--target",
                                   cluster_->Uri("tgt"), "--dir", std::string(dir) + "/clone"});
    RunShell("rm -rf " + ShellQuote(dir));
    clone_exit_ = r.exit_code;
    clone_out_ = r.out + r.err;
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  static pg::ConnInfo Ci(const std::string& db) {
    auto ci = pg::ConnInfo::Parse(cluster_->Uri(db));
    EXPECT_TRUE(ci.ok());
    return ci.value();
  }

  static std::unique_ptr<Cluster> cluster_;
  static int clone_exit_;
  static std::string clone_out_;
};
std::unique_ptr<Cluster> CatalogTest::cluster_;
int CatalogTest::clone_exit_ = -1;
std::string CatalogTest::clone_out_;

TEST_F(CatalogTest, ModuleListsOnlyTheUsersRelations) {
  pg::Connection c = cluster_->Connect("src");
  EXPECT_EQ(NamesOf(pg::catalog::ListRelations(c, "r")), kDataTables);
  EXPECT_EQ(NamesOf(pg::catalog::ListRelations(c, "p")), Names({"public.meas"}));
  EXPECT_EQ(NamesOf(pg::catalog::ListRelations(c, "m")), Names({"public.mv"}));
  EXPECT_EQ(NamesOf(pg::catalog::ListRelations(c, "f")), Names({"public.far_t"}));
  EXPECT_EQ(NamesOf(pg::catalog::ListPublishableTables(c)), kPublishable);
  EXPECT_EQ(NamesOf(pg::catalog::ListSequences(c)), kSequences);
  for (const auto& r : Listed(c, "rp")) {
    EXPECT_EQ(r.partition, r.name == "meas_2024" || r.name == "meas_def") << r.name;
    EXPECT_EQ(r.unlogged, r.name == "scratch") << r.name;
  }
  // Columns in attnum order, with the binary/text decision.
  auto odd = Listed(c, "r");
  std::erase_if(odd, [](const auto& r) { return r.name != "T.x"; });
  ASSERT_EQ(odd.size(), 1u);
  auto all_cols = pg::catalog::ListColumns(c, {odd[0].oid});
  ASSERT_TRUE(all_cols.ok()) << all_cols.error().message;
  auto cols = (*all_cols)[odd[0].oid];
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].name, "id");
  EXPECT_EQ(cols[1].name, "Mixed Case");
  EXPECT_TRUE(cols[0].binary_ok && cols[1].binary_ok);
}

TEST_F(CatalogTest, CheckSeesTheSameTables) {
  pg::Connection c = cluster_->Connect("src");
  auto facts = check::GatherFacts(c);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  Names seen;
  for (const auto& t : facts->tables) seen.insert(t.schema + "." + t.name);
  Names want = kDataTables;
  want.insert("public.meas");
  EXPECT_EQ(seen, want);
  EXPECT_EQ(facts->matviews, std::vector<std::string>({"public.mv"}));
  // Through the command: hikkoshi's key-less progress table is not the
  // user's, so no warning names it.
  ProcessResult r = RunHikkoshi(
      {"check", "--source", cluster_->Uri("src"), "--target", cluster_->Uri("tgt"), "--json"});
  EXPECT_NE(r.out.find("\"items\""), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.out.find("progress_nokey"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ext_member"), std::string::npos) << r.out;
}

TEST_F(CatalogTest, BackupFactsSeeTheSameTablesAndSequences) {
  pg::Connection c = cluster_->Connect("src");
  auto facts = backup::CollectDbFacts(c);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  Names tables, seqs;
  for (const auto& t : facts->tables) tables.insert(t.schema + "." + t.name);
  for (const auto& s : facts->sequences) seqs.insert(s.schema + "." + s.name);
  Names want = kDataTables;
  want.insert("public.mv");
  EXPECT_EQ(tables, want);
  EXPECT_EQ(seqs, kSequences);
  // Through the command: the manifest lists the same, and its proof by
  // restore (the dump holds hikkoshi's schema too) agrees.
  char dir[] = "/tmp/hk-catalog-backup-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ProcessResult r =
      RunHikkoshi({"backup", "--source", cluster_->Uri("src"), "--to", dir, "--name", "b1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream mf(std::string(dir) + "/b1/manifest.json");
  nlohmann::json m = nlohmann::json::parse(mf, nullptr, false);
  ASSERT_FALSE(m.is_discarded());
  Names mtables, mseqs;
  for (const auto& t : m["tables"])
    mtables.insert(t["schema"].get<std::string>() + "." + t["name"].get<std::string>());
  for (const auto& t : m["sequences"])
    mseqs.insert(t["schema"].get<std::string>() + "." + t["name"].get<std::string>());
  EXPECT_EQ(mtables, want);
  EXPECT_EQ(mseqs, kSequences);
  cluster_->CreateDatabase("restored");
  r = RunHikkoshi({"backup", "verify", "--from", dir, "--name", "b1", "--restore-into",
                   cluster_->Uri("restored")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST_F(CatalogTest, VerifySeesTheSameTables) {
  pg::Connection c = cluster_->Connect("src");
  auto tables = verify::ListTables(c);
  ASSERT_TRUE(tables.ok()) << tables.error().message;
  Names seen;
  for (const auto& t : *tables) seen.insert(t.schema + "." + t.name);
  Names want = kDataTables;
  want.insert("public.mv");
  EXPECT_EQ(seen, want);
}

TEST_F(CatalogTest, CloneCopiesExactlyThatSet) {
  ASSERT_EQ(clone_exit_, 0) << clone_out_;
  // 7 tables (the partitions' rows, not their parent) and 3 sequences.
  EXPECT_NE(clone_out_.find("clone finished: 7 tables, 10 rows"), std::string::npos) << clone_out_;
  EXPECT_NE(clone_out_.find(" 3 sequences"), std::string::npos) << clone_out_;
  pg::Connection s = cluster_->Connect("src");
  pg::Connection t = cluster_->Connect("tgt");
  for (const char* kinds : {"r", "p", "m", "f", "S"})
    EXPECT_EQ(NamesOf(pg::catalog::ListRelations(t, kinds)),
              NamesOf(pg::catalog::ListRelations(s, kinds)))
        << kinds;
  // hikkoshi's own schema stays on the source (before #11 clone copied it).
  EXPECT_EQ(cluster_->Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'hikkoshi'", "tgt"),
            "0");
  EXPECT_EQ(cluster_->Value("SELECT last_value FROM free_seq", "tgt"), "42");
}

TEST_F(CatalogTest, VerifyCommandIgnoresExtensionMembersAndHikkoshisSchema) {
  ASSERT_EQ(clone_exit_, 0) << clone_out_;
  // The extension's member sequence moves on the source only (pg_dump never
  // dumps it); hikkoshi keeps a progress table on the target.
  cluster_->Sql("SELECT nextval('ext_seq'); INSERT INTO ext_member VALUES ('z')", "src");
  cluster_->Sql(
      "CREATE SCHEMA hikkoshi; CREATE TABLE hikkoshi.apply_progress (id int PRIMARY KEY, lsn "
      "pg_lsn); INSERT INTO hikkoshi.apply_progress VALUES (1, '0/2')",
      "tgt");
  ProcessResult r =
      RunHikkoshi({"verify", "--source", cluster_->Uri("src"), "--target", cluster_->Uri("tgt"),
                   "--json", "--retries", "1", "--retry-wait", "10"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["summary"]["tables_checked"], kDataTables.size() + 1) << r.out;  // + the matview
  EXPECT_EQ(j["differences"].size(), 0u) << j["differences"].dump(2);
}

TEST_F(CatalogTest, CutoverCountsThePublishableTables) {
  ASSERT_EQ(clone_exit_, 0) << clone_out_;
  // Before #11 the extension's member table was counted (and missing on
  // the target: an error).
  auto counts = cutover::CompareCounts(Ci("src"), Ci("tgt"), "");
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->tables, static_cast<int>(kPublishable.size()));
  EXPECT_TRUE(counts->diffs.empty());
  // Narrowed to a publication's tables: the same filter, fewer tables.
  cluster_->Sql(
      "CREATE PUBLICATION cat_pub FOR TABLE plain, meas, hikkoshi.cutover_probe "
      "WITH (publish_via_partition_root = true)",
      "src");
  counts = cutover::CompareCounts(Ci("src"), Ci("tgt"), "cat_pub");
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->tables, 2);
  cluster_->Sql("DROP PUBLICATION cat_pub", "src");
}

TEST_F(CatalogTest, CutoverCopiesTheSameSequences) {
  ASSERT_EQ(clone_exit_, 0) << clone_out_;
  pg::Connection s = cluster_->Connect("src");
  pg::Connection t = cluster_->Connect("tgt");
  auto sync = cutover::CopySequences(s, t, 1000);
  ASSERT_TRUE(sync.ok()) << sync.error().message;
  // Before #11 the extension's member sequence was listed as missing.
  EXPECT_TRUE(sync->missing.empty()) << sync->missing.front();
  EXPECT_EQ(sync->copied + sync->already_ahead + sync->never_used,
            static_cast<int>(kSequences.size()));
  EXPECT_EQ(cluster_->Value("SELECT last_value FROM free_seq", "tgt"), "1042");
}

TEST_F(CatalogTest, CloneFollowPublishesThePublishableTables) {
  // A table list (because of --copy-only-table) from the same filter:
  // before #11 it held hikkoshi's key-less progress table, and the
  // replica-identity check refused the whole run.
  cluster_->CreateDatabase("tgt2");
  char dir[] = "/tmp/hk-catalog-follow-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ProcessResult r =
      RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", cluster_->Uri("src"),
                   "--target", cluster_->Uri("tgt2"), "--dir", dir, "--copy-only-table",
                   "public.plain", "--copy-only-table", "public.scratch"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  pg::Connection c = cluster_->Connect("src");
  auto pub = c.Exec(
      "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = "
      "'hikkoshi_pub'");
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  Names published;
  for (int i = 0; i < pub->rows(); ++i) published.insert(pub->Str(i, 0));
  Names want = kPublishable;
  want.erase("public.plain");
  // hikkoshi's own cutover probe is published too (its markers must reach
  // the stream), never its other tables.
  want.insert("hikkoshi.cutover_probe");
  EXPECT_EQ(published, want);
  ProcessResult cl = RunHikkoshi({"cleanup", "--source", cluster_->Uri("src"), "--target",
                                  cluster_->Uri("tgt2"), "--dir", dir});
  EXPECT_EQ(cl.exit_code, 0) << cl.out << cl.err;
  RunShell("rm -rf " + ShellQuote(dir));
}

}  // namespace
}  // namespace hk::test
