// hikkoshi clone: regressions of issue #10 ("correctness first"), each on a
// tiny database of its own in one pair of clusters: column order of
// inherited columns, reg* values, rewrites after the snapshot, resumed split
// tables, orphaned index builds after kill -9, all-generated and zero-column
// tables, definitions under another search_path, database settings,
// publications. Budget: well under a minute on 2 idle cores.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "clone/clone.h"
#include "support/harness.h"

namespace hk::test {
namespace {

class CloneCorrectnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("cc-src");
    dst_ = new Cluster("cc-dst");
    std::atexit([] { TearDownTestSuite(); });
    char tmpl[] = "/tmp/hk-clone-cc-XXXXXX";
    dirs_ = mkdtemp(tmpl);
  }
  static void TearDownTestSuite() {
    delete dst_;
    delete src_;
    dst_ = src_ = nullptr;
    if (!dirs_.empty()) RunShell("rm -rf " + ShellQuote(dirs_));
    dirs_.clear();
  }

  std::string Dir(const std::string& name) { return dirs_ + "/" + name; }
  /// A fresh source database `name` (with `sql`) and an empty target of the same name.
  void Databases(const std::string& name, const std::string& sql) {
    src_->CreateDatabase(name);
    if (!sql.empty()) src_->Sql(sql, name);
    dst_->CreateDatabase(name);
  }
  /// --jobs 2 unless `extra` sets it.
  std::vector<std::string> Args(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"clone",       "--source", src_->Uri(db), "--target",
                                  dst_->Uri(db), "--dir",    Dir(db)};
    if (std::find(extra.begin(), extra.end(), "--jobs") == extra.end())
      a.insert(a.end(), {"--jobs", "2"});
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  ProcessResult Clone(const std::string& db, std::vector<std::string> extra = {},
                      const std::map<std::string, std::string>& env = {}) {
    return RunHikkoshi(Args(db, std::move(extra)), env);
  }
  /// The same query on both sides.
  void ExpectBothSides(const std::string& db, const std::string& sql, const std::string& want) {
    EXPECT_EQ(src_->Value(sql, db), want) << "source: " << sql;
    EXPECT_EQ(dst_->Value(sql, db), want) << "target: " << sql;
  }

  static Cluster* src_;
  static Cluster* dst_;
  static std::string dirs_;
};

Cluster* CloneCorrectnessTest::src_ = nullptr;
Cluster* CloneCorrectnessTest::dst_ = nullptr;
std::string CloneCorrectnessTest::dirs_;

// #10.1: pg_dump leaves inherited columns out of a child's CREATE TABLE, so a
// parent's column added after the child was created lands at another
// position on the target. COPY must name the columns on both sides.
TEST_F(CloneCorrectnessTest, InheritedColumnsKeepTheirValues) {
  Databases("inh",
            "CREATE TABLE parent (id int, a int); CREATE TABLE child (c text) INHERITS (parent);"
            "ALTER TABLE parent ADD COLUMN d text; INSERT INTO child VALUES (1, 10, 'C', 'D');"
            "INSERT INTO child SELECT g, g, 'c' || g, 'd' || g FROM generate_series(2, 2000) g;");
  // The column orders really differ (else this test proves nothing).
  EXPECT_NE(src_->Value("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = 'child'::regclass AND attnum > 0",
                        "inh"),
            "");
  auto r = Clone("inh");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(src_->Value("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = 'child'::regclass AND attnum > 0",
                        "inh"),
            dst_->Value("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = 'child'::regclass AND attnum > 0",
                        "inh"));
  EXPECT_EQ(dst_->Value("SELECT c || '|' || d FROM child WHERE id = 1", "inh"), "C|D");
  const std::string all =
      "SELECT count(*) || md5(string_agg(format('%s/%s/%s/%s', id, a, c, d), ',' "
      "ORDER BY id)) FROM child";
  ExpectBothSides("inh", all, src_->Value(all, "inh"));

  // The same through split parts (a SELECT list on the source).
  dst_->CreateDatabase("inh_split");
  r = RunHikkoshi({"clone", "--source", src_->Uri("inh"), "--target", dst_->Uri("inh_split"),
                   "--dir", Dir("inh_split"), "--split-tables-larger-than", "16kB"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("part 2/"), std::string::npos) << r.err;
  EXPECT_EQ(dst_->Value(all, "inh_split"), src_->Value(all, "inh"));
}

// #10.2: reg* values are OIDs in binary form and names in text form; the
// OIDs differ between the two databases, so they must travel as text.
TEST_F(CloneCorrectnessTest, RegTypesTravelAsNames) {
  // Burn OIDs on the source so that its objects' OIDs differ from the target's.
  Databases(
      "reg",
      "DO $$ BEGIN FOR i IN 1..60 LOOP EXECUTE format('CREATE TABLE pad%s (x int)', i);"
      " EXECUTE format('DROP TABLE pad%s', i); END LOOP; END $$;"
      "CREATE SCHEMA app; CREATE TABLE app.items (x int); CREATE TYPE app.mood AS ENUM ('ok');"
      "CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';"
      "CREATE DOMAIN app.rc AS regclass;"
      "CREATE TEXT SEARCH CONFIGURATION app.cfg (COPY = simple);"
      "CREATE TABLE app.refs (id int, c regclass, t regtype, p regproc, pp regprocedure,"
      " n regnamespace, cf regconfig, ca regclass[], d app.rc, da app.rc[], o regoperator);"
      "INSERT INTO app.refs VALUES (1, 'app.items', 'app.mood', 'app.f', 'app.f(int)', 'app',"
      " 'app.cfg', ARRAY['app.items'::regclass, 'pg_class'::regclass], 'app.items',"
      " ARRAY['app.items'::app.rc], '+(int,int)');");
  src_->Sql(
      "DO $$ BEGIN FOR i IN 1..30 LOOP EXECUTE format('CREATE TABLE pad%s (x int)', i);"
      " EXECUTE format('DROP TABLE pad%s', i); END LOOP; END $$;",
      "postgres");
  const std::string q = "SELECT concat_ws(' ', c, t, p, pp, n, cf, ca, d, da, o) FROM app.refs";
  const std::string want = src_->Value(q, "reg");
  EXPECT_NE(want.find("app.items"), std::string::npos) << want;
  auto r = Clone("reg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("app\".\"refs\" (text)"), std::string::npos) << r.err;
  EXPECT_EQ(dst_->Value(q, "reg"), want);
  EXPECT_EQ(src_->Value("SELECT 'app.items'::regclass::oid <> c::oid FROM app.refs", "reg"), "f");
  EXPECT_NE(src_->Value("SELECT 'app.items'::regclass::oid", "reg"),
            dst_->Value("SELECT 'app.items'::regclass::oid", "reg"))
      << "the OIDs happen to match: this test proves nothing";

  // Even when binary is forced for every table (a test hook), reg* stays text.
  dst_->CreateDatabase("reg_bin");
  r = RunHikkoshi({"clone", "--source", src_->Uri("reg"), "--target", dst_->Uri("reg_bin"), "--dir",
                   Dir("reg_bin")},
                  {{"HIKKOSHI_COPY_FORMAT", "binary"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dst_->Value(q, "reg_bin"), want);
}

// #10.15: a table whose every column is generated, and one without columns.
TEST_F(CloneCorrectnessTest, AllGeneratedAndZeroColumnTablesKeepTheirRowCount) {
  Databases(
      "gen",
      "CREATE TABLE gen (nb int GENERATED ALWAYS AS (1) STORED); INSERT INTO gen VALUES (DEFAULT);"
      "CREATE TABLE biggen (nb int GENERATED ALWAYS AS (7) STORED);"
      "INSERT INTO biggen SELECT FROM generate_series(1, 5000);"
      "CREATE TABLE nocols (); INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT "
      "VALUES;");
  auto r = Clone("gen");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* t : {"gen", "biggen", "nocols"}) {
    std::string q = std::string("SELECT count(*) FROM ") + t;
    EXPECT_EQ(dst_->Value(q, "gen"), src_->Value(q, "gen")) << t;
  }
  EXPECT_EQ(dst_->Value("SELECT sum(nb) FROM biggen", "gen"), "35000");
  // Split into parts (an empty SELECT list on the source).
  dst_->CreateDatabase("gen_split");
  r = RunHikkoshi({"clone", "--source", src_->Uri("gen"), "--target", dst_->Uri("gen_split"),
                   "--dir", Dir("gen_split"), "--split-tables-larger-than", "16kB"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("part 2/"), std::string::npos) << r.err;
  EXPECT_EQ(dst_->Value("SELECT count(*) || ' ' || sum(nb) FROM biggen", "gen_split"),
            "5000 35000");
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM nocols", "gen_split"), "2");
}

// #10.5: a table rewritten (or truncated) after the snapshot and before a
// worker reaches it reads as empty at the old snapshot: an error, never an
// empty copy.
TEST_F(CloneCorrectnessTest, RewriteAfterTheSnapshotIsAnErrorNotAnEmptyTable) {
  for (const std::string ddl : {"ALTER TABLE t ALTER COLUMN v TYPE bigint", "TRUNCATE t"}) {
    SCOPED_TRACE(ddl);
    std::string db = ddl[0] == 'A' ? "rewrite" : "trunc";
    Databases(db,
              "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM "
              "generate_series(1, 50) g;");
    auto holder = src_->Connect(db);
    ASSERT_TRUE(holder.Run("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
    auto snap = holder.QueryValue("SELECT pg_export_snapshot()");
    ASSERT_TRUE(snap.ok());
    src_->Sql(ddl, db);

    clone::CloneOptions o;
    o.source = pg::ConnInfo::Parse(src_->Uri(db)).value();
    o.target = pg::ConnInfo::Parse(dst_->Uri(db)).value();
    o.jobs = 1;
    o.index_jobs = 1;
    o.workdir = Dir(db);
    o.snapshot_name = *snap;
    auto r = clone::RunClone(o);
    EXPECT_FALSE(r.ok()) << "clone succeeded; target rows: "
                         << dst_->Value("SELECT count(*) FROM t", db);
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("\"public\".\"t\""), std::string::npos) << r.error().message;
      EXPECT_NE(r.error().message.find("after the snapshot"), std::string::npos)
          << r.error().message;
    }
    EXPECT_TRUE(holder.Run("COMMIT").ok());
  }
}

// #10.9: after a crash, a split table is either entirely from one snapshot
// or copied again whole; a row deleted meanwhile in a finished part's range
// must not survive.
TEST_F(CloneCorrectnessTest, ResumedSplitTableIsOneSnapshot) {
  Databases("split9",
            "CREATE TABLE s (id int PRIMARY KEY, pad text);"
            "INSERT INTO s SELECT g, repeat('x', 60) FROM generate_series(1, 3000) g;");
  // --jobs 1: part 1 commits, part 2 starts, kill.
  auto r = Clone("split9", {"--jobs", "1", "--split-tables-larger-than", "64kB"},
                 {{"HIKKOSHI_TEST_CRASH_AFTER", "copy-started:2"}});
  ASSERT_EQ(r.exit_code, 137) << r.err;
  ASSERT_NE(dst_->Value("SELECT count(*) FROM s", "split9"), "0") << "part 1 should have committed";
  src_->Sql("DELETE FROM s WHERE id <= 20; INSERT INTO s VALUES (5000, 'late');", "split9");
  r = Clone("split9", {"--jobs", "1", "--split-tables-larger-than", "64kB", "--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("copying the whole table again"), std::string::npos) << r.err;
  const std::string q = "SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM s";
  EXPECT_EQ(dst_->Value(q, "split9"), "2981 21 5000");
  EXPECT_EQ(src_->Value(q, "split9"), "2981 21 5000");
}

// #10.13: kill -9 while the target runs a CREATE INDEX: the server finishes
// and commits the orphaned build while the resumed run builds the same
// index. The resumed run must end such sessions and trust the catalog.
TEST_F(CloneCorrectnessTest, ResumeAfterKillDuringIndexBuild) {
  // An index whose build on the target takes ~4 s (0.8 s per row); fast on
  // the source, where it is built before the function becomes slow.
  Databases("slowidx",
            "CREATE FUNCTION public.slow(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i';"
            "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 5);"
            "CREATE UNIQUE INDEX t_slow ON t (public.slow(id));"
            "CREATE OR REPLACE FUNCTION public.slow(i int) RETURNS int LANGUAGE sql IMMUTABLE"
            " AS 'SELECT i FROM pg_catalog.pg_sleep(0.8)';");
  std::string cmd;
  for (const auto& a : Args("slowidx")) cmd += " " + ShellQuote(a);
  std::string log = Dir("slowidx.log");
  auto bg =
      RunShell(ShellQuote(HIKKOSHI_BINARY) + cmd + " >" + ShellQuote(log) + " 2>&1 & echo $!");
  ASSERT_EQ(bg.exit_code, 0);
  pid_t pid = std::atoi(bg.out.c_str());
  ASSERT_GT(pid, 0);
  // Wait (bounded) until the target runs the slow build, then kill -9.
  bool seen = false;
  for (int i = 0; i < 600 && !seen; ++i) {
    seen = dst_->Value(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = 'slowidx' AND state = "
               "'active' AND query LIKE 'CREATE UNIQUE INDEX t_slow%'") != "0";
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  ASSERT_TRUE(seen) << "the index build never started";
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // The orphaned build is still running on the target.
  ASSERT_EQ(
      dst_->Value("SELECT count(*) FROM pg_stat_activity WHERE datname = 'slowidx' AND state = "
                  "'active' AND query LIKE 'CREATE UNIQUE INDEX t_slow%'"),
      "1");
  auto r = Clone("slowidx", {"--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("left running by an earlier, killed clone"), std::string::npos) << r.err;
  EXPECT_EQ(dst_->Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_slow'::regclass",
                        "slowidx"),
            "t");
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM t", "slowidx"), "5");
}

// #10.13: an index found on the target but invalid (a failed build) is
// dropped and built again, not taken as done.
TEST_F(CloneCorrectnessTest, InvalidIndexOnTheTargetIsRebuilt) {
  Databases("invalidx",
            "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 3);"
            "CREATE UNIQUE INDEX t_idx ON t (id);");
  auto r = Clone("invalidx", {}, {{"HIKKOSHI_TEST_CRASH_AFTER", "step-schema"}});
  ASSERT_EQ(r.exit_code, 137) << r.err;
  // A failed CREATE INDEX CONCURRENTLY leaves an invalid index of that name.
  dst_->Sql("INSERT INTO t VALUES (1), (1)", "invalidx");
  auto c = dst_->Connect("invalidx");
  EXPECT_FALSE(c.Run("CREATE UNIQUE INDEX CONCURRENTLY t_idx ON t (id)").ok());
  ASSERT_EQ(dst_->Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass",
                        "invalidx"),
            "f");
  r = Clone("invalidx", {"--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dst_->Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass",
                        "invalidx"),
            "t");
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM t", "invalidx"), "3");
}

// #10.16: definitions read under the source database's search_path come out
// unqualified and fail on the target; they are read with pg_catalog only.
TEST_F(CloneCorrectnessTest, DefinitionsDoNotDependOnTheSourceSearchPath) {
  Databases("sp",
            "CREATE SCHEMA abc; CREATE TYPE abc.state AS ENUM ('SCHEDULED', 'DONE');"
            "CREATE TABLE abc.job (id int PRIMARY KEY, state abc.state);"
            "INSERT INTO abc.job VALUES (1, 'SCHEDULED'), (2, 'DONE');"
            "ALTER DATABASE sp SET search_path = abc, public;");
  src_->Sql("CREATE INDEX indexname ON \"abc\".job (state) WHERE (state = 'SCHEDULED'::state)",
            "sp");
  auto r = Clone("sp");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dst_->Value("SELECT pg_get_indexdef('abc.indexname'::regclass)", "sp"),
            src_->Value("SELECT pg_get_indexdef('abc.indexname'::regclass)", "sp"));
}

// #10.17: ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET.
TEST_F(CloneCorrectnessTest, DatabaseSettingsAreCarried) {
  src_->Sql("CREATE ROLE app_user; CREATE ROLE only_on_source;");
  dst_->Sql("CREATE ROLE app_user;");
  Databases("settings",
            "CREATE SCHEMA \"My Schema\"; CREATE TABLE t (x int); INSERT INTO t VALUES (1);"
            "ALTER DATABASE settings SET search_path = \"My Schema\", \"$user\", public;"
            "ALTER DATABASE settings SET timezone = 'Europe/Paris';"
            "ALTER DATABASE settings SET statement_timeout = '5min';"
            "ALTER DATABASE settings SET default_transaction_read_only = on;"
            "ALTER ROLE app_user IN DATABASE settings SET work_mem = '8MB';"
            "ALTER ROLE only_on_source IN DATABASE settings SET work_mem = '16MB';");
  auto r = Clone("settings");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Every setting, in order, but the role missing on the target and the freeze.
  const std::string q =
      "SELECT string_agg(coalesce(r.rolname, '-') || ' ' || c.item, E'\\n' ORDER BY r.rolname"
      " NULLS FIRST, c.n) FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole"
      " CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY c(item, n)"
      " WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
      "   AND coalesce(r.rolname, '-') <> 'only_on_source'"
      "   AND c.item <> 'default_transaction_read_only=on'";
  EXPECT_EQ(dst_->Value(q, "settings"), src_->Value(q, "settings"));
  EXPECT_NE(src_->Value(q, "settings").find("statement_timeout=5min"), std::string::npos);
  EXPECT_EQ(dst_->Value("SHOW search_path", "settings"), "\"My Schema\", \"$user\", public");
  // The role that does not exist on the target: its statement is printed.
  EXPECT_NE(
      r.err.find(
          "ALTER ROLE \"only_on_source\" IN DATABASE \"settings\" SET \"work_mem\" TO '16MB'"),
      std::string::npos)
      << r.err;
  // cutover's freeze (a read-only default for the database) never travels.
  EXPECT_NE(r.err.find("not carried to the target"), std::string::npos) << r.err;
  EXPECT_EQ(dst_->Value("SHOW default_transaction_read_only", "settings"), "off");
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM public.t", "settings"), "1");
}

// #10.20: publications (hikkoshi_pub during clone --follow, and the user's)
// never reach the target.
TEST_F(CloneCorrectnessTest, PublicationsDoNotTravel) {
  Databases("pub",
            "CREATE TABLE keyless (x int); INSERT INTO keyless VALUES (1), (2);"
            "CREATE PUBLICATION hikkoshi_pub FOR ALL TABLES; CREATE PUBLICATION user_pub FOR TABLE "
            "keyless;");
  auto r = Clone("pub");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM pg_publication", "pub"), "0");
  dst_->Sql("UPDATE keyless SET x = x + 1; DELETE FROM keyless WHERE x = 3;", "pub");
  EXPECT_EQ(dst_->Value("SELECT count(*) FROM keyless", "pub"), "1");
}

}  // namespace
}  // namespace hk::test
