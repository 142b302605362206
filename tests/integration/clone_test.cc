// hikkoshi clone against real clusters. Every clone is checked by an
// independent comparison computed by SQL on both servers: per-table row
// counts and md5 of the ordered row texts, sequences, index and constraint
// definitions, triggers, policies, views, large objects.
// Budget: about 1.5 minutes on 2 idle cores, 3.5 under heavy load (two
// clusters, ~20 small clones, each compared in full).
#include "clone/clone.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "pg/quote.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using Fingerprint = std::map<std::string, std::string>;

/// Everything the clone must reproduce, keyed by object, valued by a hash.
Fingerprint Snapshot(Cluster& c, const std::string& db) {
  Fingerprint fp;
  auto conn = c.Connect(db);
  auto rels = conn.Exec(R"sql(
    SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_%' ORDER BY 1, 2)sql");
  EXPECT_TRUE(rels.ok());
  if (!rels.ok()) return fp;
  for (int i = 0; i < rels->rows(); ++i) {
    std::string q = pg::QualifiedName(rels->Get(i, 0), rels->Get(i, 1));
    auto v = conn.Exec(
        "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
        " FROM " +
        q + " t");
    EXPECT_TRUE(v.ok()) << q;
    if (v.ok()) fp["rows " + q] = v->Str(0, 0);
  }
  // Each query yields one text per object; they are sorted and joined.
  const std::map<std::string, std::string> catalog = {
      {"sequences", R"sql(
        SELECT format('%I.%I', schemaname, sequencename) || ' ' || coalesce(last_value::text, 'null') || ' ' ||
               increment_by || ' ' || min_value || ' ' || max_value || ' ' || cycle || ' ' || data_type
        FROM pg_sequences)sql"},
      {"indexes", R"sql(
        SELECT schemaname || '.' || tablename || ' ' || indexname || ' ' || indexdef
        FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))sql"},
      {"constraints", R"sql(
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(c.oid) || ' ' ||
               condeferrable || condeferred || convalidated
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))sql"},
      {"triggers",
       "SELECT pg_get_triggerdef(oid) || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal"},
      {"policies",
       "SELECT schemaname || tablename || policyname || coalesce(qual, '') FROM pg_policies"},
      {"views", R"sql(
        SELECT schemaname || '.' || viewname || definition FROM pg_views
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))sql"},
      {"matviews",
       "SELECT schemaname || '.' || matviewname || ispopulated || definition FROM pg_matviews"},
      {"rls", R"sql(
        SELECT oid::regclass::text || relrowsecurity || relforcerowsecurity || relreplident::text
        FROM pg_class WHERE relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
          AND relkind IN ('r', 'p'))sql"},
      {"columns", R"sql(
        SELECT attrelid::regclass::text || ' ' || attname || ' ' || format_type(atttypid, atttypmod) ||
               attnotnull || attgenerated::text || attidentity::text || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
                                     'pg_toast'::regnamespace))sql"},
      {"comments", R"sql(
        SELECT c.oid::regclass::text || coalesce(obj_description(c.oid, 'pg_class'), '') || '|' ||
               coalesce(col_description(c.oid, 1), '')
        FROM pg_class c WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace,
                                                      'information_schema'::regnamespace, 'pg_toast'::regnamespace))sql"},
      {"types", R"sql(
        SELECT t.typname || ':' || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                                             FROM pg_enum e WHERE e.enumtypid = t.oid), '')
        FROM pg_type t WHERE t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
                                                    'pg_toast'::regnamespace) AND t.typtype IN ('e', 'd', 'c'))sql"},
      {"functions", R"sql(
        SELECT p.oid::regprocedure::text || md5(prosrc) FROM pg_proc p
        WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))sql"},
      {"extensions", "SELECT extname FROM pg_extension"},
      {"large objects", R"sql(
        SELECT oid::text || ' ' || md5(lo_get(oid)) || ' ' || coalesce(obj_description(oid, 'pg_largeobject'), '')
        FROM pg_largeobject_metadata)sql"},
  };
  for (const auto& [name, sql] : catalog) {
    auto v =
        conn.Exec("SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (" + sql + ") s(x)");
    EXPECT_TRUE(v.ok()) << name << ": " << (v.ok() ? "" : v.error().message);
    if (v.ok()) fp[name] = v->Str(0, 0);
  }
  // is_called is not in pg_sequences; read each sequence.
  auto seqs =
      conn.Exec("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences ORDER BY 1");
  if (seqs.ok())
    for (int i = 0; i < seqs->rows(); ++i) {
      auto v = conn.Exec("SELECT last_value || ' ' || is_called FROM " + seqs->Str(i, 0));
      if (v.ok()) fp["sequence " + seqs->Str(i, 0)] = v->Str(0, 0);
    }
  return fp;
}

void ExpectSame(const Fingerprint& a, const Fingerprint& b) {
  EXPECT_GT(a.size(), 10u);
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) {
      ADD_FAILURE() << "missing on target: " << k;
      continue;
    }
    EXPECT_EQ(v, it->second) << "differs: " << k;
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) ADD_FAILURE() << "extra on target: " << k;
}

class CloneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("clone-src");
    dst_ = new Cluster("clone-dst");
    // Clusters are stopped even when a failure here makes gtest skip TearDown.
    std::atexit([] { TearDownTestSuite(); });
    for (Cluster* c : {src_, dst_}) c->Sql("CREATE ROLE app_owner; CREATE ROLE reader;");
    src_->CreateDatabase("shop");
    src_->PsqlFile(SourceDir() + "/scripts/sample-data.sql", "shop", {"scale=0.01"});
    src_->PsqlFile(SourceDir() + "/tests/sql/edge_cases.sql", "shop");
    src_->Sql(
        "CREATE TABLE public.owned (x int PRIMARY KEY); INSERT INTO public.owned VALUES (1), (2);"
        "ALTER TABLE public.owned OWNER TO app_owner; GRANT SELECT ON public.owned TO reader;",
        "shop");
    source_fp_ = new Fingerprint(Snapshot(*src_, "shop"));
    char tmpl[] = "/tmp/hk-clone-test-XXXXXX";
    dirs_ = mkdtemp(tmpl);
  }
  static void TearDownTestSuite() {
    delete source_fp_;
    delete dst_;
    delete src_;
    source_fp_ = nullptr;
    dst_ = src_ = nullptr;
    if (!dirs_.empty()) RunShell("rm -rf " + ShellQuote(dirs_));
    dirs_.clear();
  }

  std::string Dir(const std::string& name) { return dirs_ + "/" + name; }
  ProcessResult Clone(const std::string& db, const std::string& dir,
                      std::vector<std::string> extra = {},
                      const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {
        "clone",        "--source", src_->Uri("shop"), "--target", dst_->Uri(db), "--jobs", "2",
        "--index-jobs", "2",        "--dir",           Dir(dir)};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunHikkoshi(args, env);
  }
  void ExpectIdentical(const std::string& db) { ExpectSame(*source_fp_, Snapshot(*dst_, db)); }
  std::string TargetObjects(const std::string& db) {
    return dst_->Value(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        db);
  }

  static Cluster* src_;
  static Cluster* dst_;
  static Fingerprint* source_fp_;
  static std::string dirs_;
};

Cluster* CloneTest::src_ = nullptr;
Cluster* CloneTest::dst_ = nullptr;
Fingerprint* CloneTest::source_fp_ = nullptr;
std::string CloneTest::dirs_;

TEST_F(CloneTest, SampleAndEdgeCasesBinaryWherepossible) {
  dst_->CreateDatabase("t_basic");
  auto r = Clone("t_basic", "basic");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("analyze"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("hk-local-pw"), std::string::npos) << "password leaked: " << r.err;
  EXPECT_EQ(r.err.find(":hk-local-pw"), std::string::npos) << "password leaked: " << r.err;
  ExpectIdentical("t_basic");
  EXPECT_EQ(dst_->Value(
                "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.owned'::regclass",
                "t_basic"),
            "app_owner");
  EXPECT_EQ(
      dst_->Value("SELECT has_table_privilege('reader', 'public.owned', 'SELECT')", "t_basic"),
      "t");
}

TEST_F(CloneTest, NoOwnerNoAcl) {
  dst_->CreateDatabase("t_noowner");
  auto r = Clone("t_noowner", "noowner", {"--no-owner", "--no-acl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectIdentical("t_noowner");
  EXPECT_EQ(dst_->Value(
                "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.owned'::regclass",
                "t_noowner"),
            "postgres");
  EXPECT_EQ(
      dst_->Value("SELECT has_table_privilege('reader', 'public.owned', 'SELECT')", "t_noowner"),
      "f");
}

// The follow command's use: a snapshot exported by someone else (there a
// replication slot), table exclusions, and the list of copied tables.
TEST_F(CloneTest, LibraryWithExternalSnapshotAndExclusions) {
  src_->CreateDatabase("live");
  src_->Sql(
      "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM "
      "generate_series(1, 100) g;"
      "CREATE TABLE skip_me (x int); INSERT INTO skip_me VALUES (1);"
      "CREATE SEQUENCE s; SELECT nextval('s');",
      "live");
  auto holder = src_->Connect("live");
  ASSERT_TRUE(holder.Run("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  auto snap = holder.QueryValue("SELECT pg_export_snapshot()");
  ASSERT_TRUE(snap.ok());
  // Changes after the snapshot must not arrive.
  src_->Sql(
      "INSERT INTO t SELECT g, 'late' FROM generate_series(101, 150) g; DELETE FROM t WHERE id <= "
      "10;",
      "live");
  dst_->CreateDatabase("t_live");

  clone::CloneOptions o;
  o.source = pg::ConnInfo::Parse(src_->Uri("live")).value();
  o.target = pg::ConnInfo::Parse(dst_->Uri("t_live")).value();
  o.jobs = 2;
  o.index_jobs = 1;
  o.workdir = Dir("live");
  o.snapshot_name = *snap;
  o.exclude_tables = {"public.skip_me"};
  auto r = clone::RunClone(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->snapshot_name, *snap);
  EXPECT_EQ(r->copied_tables, std::vector<std::string>{"\"public\".\"t\""});
  EXPECT_EQ(dst_->Value("SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM t", "t_live"),
            "100 1 100");
  EXPECT_EQ(dst_->Value("SELECT to_regclass('skip_me') IS NULL", "t_live"), "t");
  EXPECT_TRUE(holder.Run("COMMIT").ok());
}

TEST_F(CloneTest, InterruptThenResume) {
  dst_->CreateDatabase("t_int");
  auto r = Clone("t_int", "int", {}, {{"HIKKOSHI_TEST_INTERRUPT_AFTER", "after-commit:3"}});
  ASSERT_EQ(r.exit_code, 130) << r.err << r.out;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  r = Clone("t_int", "int", {"--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectIdentical("t_int");
}

TEST_F(CloneTest, TextCopyAndSplitTables) {
  dst_->CreateDatabase("t_text");
  auto r = Clone("t_text", "text", {}, {{"HIKKOSHI_COPY_FORMAT", "text"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectIdentical("t_text");

  // Binary forced even for user types (enums, composites, extension types):
  // accepted or refused and retried in text, the result must be identical.
  dst_->CreateDatabase("t_binary");
  r = Clone("t_binary", "binary", {}, {{"HIKKOSHI_COPY_FORMAT", "binary"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectIdentical("t_binary");

  dst_->CreateDatabase("t_split");
  r = Clone("t_split", "split", {"--split-tables-larger-than", "1MB"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("part 2/"), std::string::npos) << r.err;
  ExpectIdentical("t_split");
}

TEST_F(CloneTest, NonEmptyTargetRefusedThenDropIfExists) {
  dst_->CreateDatabase("t_nonempty");
  dst_->Sql("CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42)", "t_nonempty");
  auto r = Clone("t_nonempty", "nonempty");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--drop-if-exists"), std::string::npos) << r.err;
  EXPECT_EQ(TargetObjects("t_nonempty"), "1");
  EXPECT_EQ(dst_->Value("SELECT x FROM keep_me", "t_nonempty"), "42");

  r = Clone("t_nonempty", "nonempty", {"--drop-if-exists"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dst_->Value("SELECT to_regclass('keep_me') IS NULL", "t_nonempty"), "t");
  ExpectIdentical("t_nonempty");

  // A second clone into the same directory without --resume is refused too.
  r = Clone("t_nonempty", "nonempty");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(CloneTest, WrongPasswordTouchesNothing) {
  dst_->CreateDatabase("t_auth");
  std::string bad = dst_->Uri("t_auth");
  bad.replace(bad.find(":hk-local-pw@"), 13, ":wrong@");
  auto r =
      RunHikkoshi({"clone", "--source", src_->Uri("shop"), "--target", bad, "--dir", Dir("auth")});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.err.find("wrong"), std::string::npos) << "password leaked: " << r.err;
  EXPECT_EQ(TargetObjects("t_auth"), "0");
  std::string bad_src = src_->Uri("shop");
  bad_src.replace(bad_src.find(":hk-local-pw@"), 13, ":wrong@");
  r = RunHikkoshi(
      {"clone", "--source", bad_src, "--target", dst_->Uri("t_auth"), "--dir", Dir("auth")});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(TargetObjects("t_auth"), "0");
}

TEST_F(CloneTest, ResumeRefusals) {
  auto r = Clone("postgres", "never", {"--resume"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // Source and target the same database.
  r = RunHikkoshi({"clone", "--source", src_->Uri("shop"), "--target", src_->Uri("shop"), "--dir",
                   Dir("same"), "--drop-if-exists"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("same database"), std::string::npos) << r.err;
}

// kill -9 at named points (HIKKOSHI_TEST_CRASH_AFTER), then --resume.
TEST_F(CloneTest, KillNineThenResume) {
  // One point per kind of resume path: pre-data rolled back, schema done,
  // a COPY stream cut, a split table's COMMIT in doubt, an index built but
  // not recorded, a constraint attached to its index but not recorded,
  // post-data half applied, post-data applied (partition keys
  // attached to their parent's: --clean cannot drop them) with some entries
  // missing again. (Other points: docs/clone.md.)
  const std::vector<std::string> points = {
      "tool-pre-data:2", "step-schema",      "copy-bytes:2",      "after-commit:2",
      "index-commit:3",  "index-attached:2", "tool-post-data:2", "post-data-restored"};
  int n = 0;
  for (const auto& point : points) {
    SCOPED_TRACE(point);
    std::string db = "t_kill" + std::to_string(n);
    std::string dir = "kill" + std::to_string(n++);
    dst_->CreateDatabase(db);
    std::vector<std::string> extra;
    if (point.rfind("after-commit", 0) == 0) extra = {"--split-tables-larger-than", "1MB"};
    auto r = Clone(db, dir, extra, {{"HIKKOSHI_TEST_CRASH_AFTER", point}});
    ASSERT_EQ(r.exit_code, 137) << "expected SIGKILL at " << point << "\n" << r.err;
    if (n == 1) {
      // Resuming with another target (or options) is refused.
      auto bad = Clone("t_basic", dir, {"--resume"});
      EXPECT_EQ(bad.exit_code, 2) << bad.err;
      EXPECT_NE(bad.err.find("target"), std::string::npos) << bad.err;
      bad = RunHikkoshi(
          {"clone", "--source", src_->Uri("shop"), "--target", dst_->Uri(db), "--dir", Dir(dir)});
      EXPECT_EQ(bad.exit_code, 2) << bad.err;
      EXPECT_NE(bad.err.find("--resume"), std::string::npos) << bad.err;
    }
    if (point == "post-data-restored") {
      // As if the kill came between pg_restore's entries: a foreign key and
      // a trigger not yet restored, the rest there.
      dst_->Sql(
          "DO $$ DECLARE r record; BEGIN"
          "  SELECT conrelid::regclass AS t, conname INTO r FROM pg_constraint WHERE contype = 'f' "
          "LIMIT 1;"
          "  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);"
          "  SELECT tgrelid::regclass AS t, tgname INTO r FROM pg_trigger WHERE NOT tgisinternal "
          "LIMIT 1;"
          "  EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.t);"
          "END $$",
          db);
    }
    r = Clone(db, dir,
              extra.empty() ? std::vector<std::string>{"--resume"}
                            : std::vector<std::string>{extra[0], extra[1], "--resume"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ExpectIdentical(db);
  }
}

}  // namespace
}  // namespace hk::test
