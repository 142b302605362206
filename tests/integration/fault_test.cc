// Fault scenarios (#14): a FaultProxy between hikkoshi and a server, or a
// server restarted under it, at chosen points of clone, verify and follow.
// Every scenario ends with an independent comparison by SQL alone (row
// counts and md5 of the sorted row texts, catalog definitions), sharing no
// code with `hikkoshi verify`: nothing lost, nothing duplicated.
// Budget: about 2-3 minutes on 2 idle cores.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/fault_proxy.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Rows of every user table (count + md5 of the sorted row texts), indexes,
// constraints and sequences.
std::map<std::string, std::string> Contents(Cluster& c, const std::string& db) {
  std::map<std::string, std::string> out;
  auto conn = c.Connect(db);
  auto rels = conn.Exec(R"sql(
    SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_%' ORDER BY 1)sql");
  EXPECT_TRUE(rels.ok());
  if (!rels.ok()) return out;
  for (int i = 0; i < rels->rows(); ++i) {
    std::string q = rels->Str(i, 0);
    auto v = conn.QueryValue(
        "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
        " FROM " +
        q + " t");
    out["rows " + q] = v.ok() ? *v : "error: " + v.error().message;
  }
  const std::map<std::string, std::string> catalog = {
      {"indexes",
       "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname NOT IN "
       "('pg_catalog', 'information_schema')"},
      {"constraints",
       "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
       "|| convalidated FROM pg_constraint WHERE connamespace NOT IN "
       "('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"},
      {"invalid indexes", "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"},
      {"sequences",
       "SELECT format('%I.%I', schemaname, sequencename) || ' ' || coalesce(last_value::text, '-') "
       "FROM pg_sequences"},
  };
  for (const auto& [name, sql] : catalog) {
    auto v = conn.QueryValue("SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (" + sql +
                             ") s(x)");
    out[name] = v.ok() ? *v : "error: " + v.error().message;
  }
  return out;
}

// A ~7 MB table with a slow-to-build unique index (about 2 s), a foreign
// key (post-data) and a sequence.
void MakeShop(Cluster& src) {
  src.CreateDatabase("shop");
  src.Sql(R"sql(
    CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL);
    INSERT INTO big SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 60000) g;
    CREATE INDEX big_payload ON big (payload);
    CREATE TABLE small (id serial PRIMARY KEY, big_id int REFERENCES big (id), v text);
    INSERT INTO small (big_id, v) SELECT g, 'v' || g FROM generate_series(1, 200) g;
    CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i';
    CREATE TABLE slow_t (id int); INSERT INTO slow_t SELECT generate_series(1, 20);
    CREATE UNIQUE INDEX slow_t_key ON slow_t (public.slow_key(id));
    CREATE OR REPLACE FUNCTION slow_key(i int) RETURNS int LANGUAGE sql IMMUTABLE AS
      $$SELECT i FROM pg_catalog.pg_sleep(CASE WHEN pg_catalog.current_query() LIKE 'CREATE%'
        THEN 0.1 ELSE 0 END)$$;
  )sql",
          "shop");
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string TempDir(const char* label) {
  std::string tmpl = std::string("/tmp/hk-fault-") + label + "-XXXXXX";
  return mkdtemp(tmpl.data());
}

// Polls `cond` every 50 ms until it holds or `limit` passes.
template <class F>
bool WaitFor(F cond, std::chrono::milliseconds limit) {
  auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

bool TargetRuns(Cluster& c, const std::string& db, const std::string& like) {
  auto v = c.Connect(db).QueryValue(
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1", {like});
  return v.ok() && *v != "0";
}

TEST(Fault, CloneRetriesAConnectionCutMidCopy) {
  Cluster src("f-cut-src");
  Cluster dst("f-cut-dst");
  MakeShop(src);
  dst.CreateDatabase("shop");
  FaultProxy proxy(src.port());
  const std::string dir = TempDir("cut");
  // Everything before the data (pg_dump, catalogs) is far below 2 MB: the
  // cut lands in the COPY of the big table, on every source connection.
  proxy.CutAfterBytes(2'000'000);
  auto r = RunHikkoshi({"clone", "--source", proxy.Through(src.Uri("shop")), "--target",
                        dst.Uri("shop"), "--jobs", "2", "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("transient, retrying"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("copying"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("retried on the way"), std::string::npos) << r.out;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, CloneWithRetriesDisabledStopsWithExit8AndResumes) {
  Cluster src("f-noretry-src");
  Cluster dst("f-noretry-dst");
  MakeShop(src);
  dst.CreateDatabase("shop");
  FaultProxy proxy(src.port());
  const std::string dir = TempDir("noretry");
  proxy.CutAfterBytes(2'000'000);
  std::vector<std::string> args = {"clone",    "--source",      proxy.Through(src.Uri("shop")),
                                   "--target", dst.Uri("shop"), "--dir",
                                   dir};
  auto off = args;
  off.insert(off.end(), {"--retry-for", "0"});
  auto r = RunHikkoshi(off);
  ASSERT_EQ(r.exit_code, 8) << r.err;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  args.push_back("--resume");
  r = RunHikkoshi(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, CloneSurvivesATargetRestartAndACutDuringAnIndexBuild) {
  Cluster src("f-restart-src");
  Cluster dst("f-restart-dst");
  MakeShop(src);
  FaultProxy to_src(src.port());
  FaultProxy to_dst(dst.port());
  to_src.SetBandwidth(1'500'000);  // the copy takes a few seconds
  const auto want = Contents(src, "shop");
  const std::string dir = TempDir("restart");

  // 1. The target restarts (-m immediate) in the middle of the COPY.
  dst.CreateDatabase("a");
  {
    BackgroundHikkoshi clone({"clone", "--source", to_src.Through(src.Uri("shop")), "--target",
                              dst.Uri("a"), "--jobs", "2", "--dir", dir + "/a"},
                             dir + "/a.log");
    clone.Start();
    ASSERT_TRUE(WaitFor([&] { return TargetRuns(dst, "a", "COPY%FROM STDIN%"); }, 60s))
        << Slurp(dir + "/a.log");
    auto rs = RunShell(ShellQuote(SourceDir() + "/scripts/pgcluster") + " restart " +
                       ShellQuote(dst.name()) + " --mode immediate");
    ASSERT_EQ(rs.exit_code, 0) << rs.err;
    EXPECT_EQ(clone.Wait(), 0) << Slurp(dir + "/a.log");
  }
  std::string log = Slurp(dir + "/a.log");
  EXPECT_NE(log.find("transient, retrying"), std::string::npos) << log;
  EXPECT_EQ(Contents(dst, "a"), want);

  // 2. Every target connection is cut while the slow index is being built:
  // the orphaned build is ended, the index built again.
  to_src.SetBandwidth(0);
  dst.CreateDatabase("b");
  {
    BackgroundHikkoshi clone({"clone", "--source", src.Uri("shop"), "--target",
                              to_dst.Through(dst.Uri("b")), "--dir", dir + "/b"},
                             dir + "/b.log");
    clone.Start();
    ASSERT_TRUE(WaitFor([&] { return TargetRuns(dst, "b", "CREATE UNIQUE INDEX%slow_key%"); }, 90s))
        << Slurp(dir + "/b.log");
    to_dst.CutAll();
    EXPECT_EQ(clone.Wait(), 0) << Slurp(dir + "/b.log");
  }
  log = Slurp(dir + "/b.log");
  EXPECT_NE(log.find("transient, retrying"), std::string::npos) << log;
  EXPECT_EQ(Contents(dst, "b"), want);
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, CloneRetriesACutAfterTheCopyWithoutTheReleasedSnapshot) {
  Cluster src("f-post-src");
  Cluster dst("f-post-dst");
  MakeShop(src);
  // A materialized view whose REFRESH on the target takes ~2 s: a step
  // after the data is in, when the copy's snapshot is already released.
  src.Sql(
      "CREATE FUNCTION slow_mv(i int) RETURNS int LANGUAGE sql AS $$SELECT i FROM "
      "pg_catalog.pg_sleep(CASE WHEN pg_catalog.current_query() LIKE 'REFRESH%' THEN 0.1 ELSE 0 "
      "END)$$;"
      "CREATE MATERIALIZED VIEW mv AS SELECT public.slow_mv(id) AS id FROM slow_t",
      "shop");
  dst.CreateDatabase("shop");
  FaultProxy to_dst(dst.port());
  const std::string dir = TempDir("post");
  {
    BackgroundHikkoshi clone({"clone", "--source", src.Uri("shop"), "--target",
                              to_dst.Through(dst.Uri("shop")), "--dir", dir + "/c"},
                             dir + "/c.log");
    clone.Start();
    ASSERT_TRUE(WaitFor([&] { return TargetRuns(dst, "shop", "REFRESH MATERIALIZED VIEW%"); }, 90s))
        << Slurp(dir + "/c.log");
    to_dst.CutAll();
    EXPECT_EQ(clone.Wait(), 0) << Slurp(dir + "/c.log");
  }
  std::string log = Slurp(dir + "/c.log");
  EXPECT_NE(log.find("transient, retrying"), std::string::npos) << log;
  EXPECT_NE(log.find("continuing after the copy"), std::string::npos) << log;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));
  EXPECT_EQ(dst.Value("SELECT count(*) || ' ' || sum(id) FROM mv", "shop"),
            src.Value("SELECT count(*) || ' ' || sum(id) FROM mv", "shop"));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, SourceTimeoutsAreOverriddenAndSaidSo) {
  Cluster src("f-timeout-src");
  Cluster dst("f-timeout-dst");
  MakeShop(src);
  src.Sql(
      "ALTER DATABASE shop SET statement_timeout = '100ms';"
      "ALTER DATABASE shop SET idle_in_transaction_session_timeout = '200ms'");
  dst.CreateDatabase("shop");
  FaultProxy proxy(src.port());
  proxy.SetBandwidth(2'000'000);  // the COPY and the held snapshot last seconds
  const std::string dir = TempDir("timeout");
  auto r = RunHikkoshi({"clone", "--source", proxy.Through(src.Uri("shop")), "--target",
                        dst.Uri("shop"), "--dir", dir, "--retry-for", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("statement_timeout=100ms"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("override"), std::string::npos) << r.err;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));
  // The settings were carried to the target; verify overrides them there too.
  proxy.SetBandwidth(0);
  r = RunHikkoshi({"verify", "--source", proxy.Through(src.Uri("shop")), "--target",
                   dst.Uri("shop"), "--retry-for", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, CloneWaitsVisiblyForASourceLockAndHonoursLockTimeout) {
  Cluster src("f-lock-src");
  Cluster dst("f-lock-dst");
  MakeShop(src);
  dst.CreateDatabase("a");
  dst.CreateDatabase("b");
  const std::string dir = TempDir("lock");
  pg::Connection holder = src.Connect("shop");
  ASSERT_TRUE(holder.Run("BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE").ok());

  // 1. --lock-timeout: a clear stop naming the table and its holder; the
  //    target is untouched.
  auto r = RunHikkoshi({"clone", "--source", src.Uri("shop"), "--target", dst.Uri("a"), "--dir",
                        dir + "/a", "--lock-timeout", "2s"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("public.big is locked on the source by pid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--lock-timeout"), std::string::npos) << r.err;
  EXPECT_EQ(
      dst.Value("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", "a"),
      "0");

  // 2. Without it: waits, saying so, and finishes once the lock is gone.
  {
    BackgroundHikkoshi clone(
        {"clone", "--source", src.Uri("shop"), "--target", dst.Uri("b"), "--dir", dir + "/b"},
        dir + "/b.log");
    clone.Start();
    ASSERT_TRUE(WaitFor(
        [&] {
          return Slurp(dir + "/b.log").find("waiting: public.big is locked") != std::string::npos;
        },
        60s))
        << Slurp(dir + "/b.log");
    ASSERT_TRUE(holder.Run("COMMIT").ok());
    EXPECT_EQ(clone.Wait(), 0) << Slurp(dir + "/b.log");
  }
  EXPECT_EQ(Contents(dst, "b"), Contents(src, "shop"));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, VerifyRedoesATableCutMidComparison) {
  Cluster src("f-verify-src");
  Cluster dst("f-verify-dst");
  MakeShop(src);
  dst.CreateDatabase("shop");
  const std::string dir = TempDir("verify");
  auto r = RunHikkoshi(
      {"clone", "--source", src.Uri("shop"), "--target", dst.Uri("shop"), "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  dst.Sql("UPDATE big SET payload = 'changed' WHERE id = 7", "shop");
  FaultProxy proxy(dst.port());
  std::vector<std::string> args = {
      "verify", "--source", src.Uri("shop"), "--target", proxy.Through(dst.Uri("shop")), "--json",
      "--jobs", "1",        "--chunk-rows",  "500"};
  auto clean = RunHikkoshi(args);
  ASSERT_EQ(clean.exit_code, 1) << clean.err;
  const int64_t total = proxy.bytes_forwarded();
  // The schema comparison comes first; three quarters of the way is in the
  // table hashing.
  proxy.CutAfterBytes(total * 3 / 4);
  auto cut = RunHikkoshi(args);
  ASSERT_EQ(cut.exit_code, 1) << cut.err;
  EXPECT_NE(cut.err.find("transient, retrying"), std::string::npos) << cut.err;
  auto a = nlohmann::json::parse(clean.out);
  auto b = nlohmann::json::parse(cut.out);
  // The same single difference, named once.
  EXPECT_EQ(a["differences"], b["differences"]) << cut.out;
  ASSERT_EQ(b["differences"].size(), 1u) << cut.out;
  EXPECT_EQ(b["differences"][0]["key"], "id=7");
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, CloneAndVerifyNoticeAStalledConnectionWithinSeconds) {
  Cluster src("f-stall-src");
  Cluster dst("f-stall-dst");
  MakeShop(src);
  dst.CreateDatabase("shop");
  FaultProxy to_src(src.port());
  FaultProxy to_dst(dst.port());
  to_src.SetBandwidth(1'500'000);  // the copy of the big table takes seconds
  const std::string dir = TempDir("stall");
  // 1. clone: the source's path goes silent mid-COPY (sockets stay open,
  //    nothing is forwarded for 2 minutes); new connections work.
  {
    BackgroundHikkoshi clone({"clone", "--source", to_src.Through(src.Uri("shop")), "--target",
                              dst.Uri("shop"), "--dir", dir + "/c", "--stall-timeout", "3s"},
                             dir + "/c.log");
    const auto t0 = Clock::now();
    clone.Start();
    ASSERT_TRUE(WaitFor([&] { return TargetRuns(dst, "shop", "COPY%FROM STDIN%"); }, 60s))
        << Slurp(dir + "/c.log");
    std::this_thread::sleep_for(500ms);
    to_src.StallOpen(120s);
    EXPECT_EQ(clone.Wait(), 0) << Slurp(dir + "/c.log");
    EXPECT_LT(Clock::now() - t0, 100s);  // not after the 2-minute stall
  }
  std::string log = Slurp(dir + "/c.log");
  EXPECT_NE(log.find("a stalled connection"), std::string::npos) << log;
  EXPECT_NE(log.find("transient, retrying"), std::string::npos) << log;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));

  // 2. verify: the target's path goes silent in the middle of the hashing.
  to_src.SetBandwidth(0);
  to_dst.SetLatency(40ms);  // every chunk's round trip: the hashing lasts seconds
  {
    BackgroundHikkoshi verify({"verify", "--source", src.Uri("shop"), "--target",
                               to_dst.Through(dst.Uri("shop")), "--jobs", "1", "--chunk-rows",
                               "500", "--stall-timeout", "3s"},
                              dir + "/v.log");
    const auto t0 = Clock::now();
    verify.Start();
    ASSERT_TRUE(WaitFor([&] { return to_dst.bytes_forwarded() > 40'000; }, 60s))
        << Slurp(dir + "/v.log");
    to_dst.StallOpen(120s);
    EXPECT_EQ(verify.Wait(), 0) << Slurp(dir + "/v.log");
    EXPECT_LT(Clock::now() - t0, 100s);
  }
  log = Slurp(dir + "/v.log");
  EXPECT_NE(log.find("a stalled connection"), std::string::npos) << log;
  EXPECT_NE(log.find("transient, retrying"), std::string::npos) << log;
  RunShell("rm -rf " + ShellQuote(dir));
}

// A size-limited tmpfs mounted for the target's tablespace; unmounted on
// every path. Needs root (mount); the test skips without it.
class SmallVolume {
 public:
  explicit SmallVolume(const std::string& size) : dir_(TempDir("disk")) {
    auto r = RunShell("mount -t tmpfs -o size=" + size + " hk-diskfull " + ShellQuote(dir_));
    mounted_ = r.exit_code == 0;
    why_ = r.err;
  }
  ~SmallVolume() {
    if (mounted_) RunShell("umount -l " + ShellQuote(dir_));
    RunShell("rmdir " + ShellQuote(dir_));
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  const std::string& dir() const { return dir_; }
  bool Resize(const std::string& size) {
    return RunShell("mount -o remount,size=" + size + " " + ShellQuote(dir_)).exit_code == 0;
  }

 private:
  std::string dir_, why_;
  bool mounted_ = false;
};

TEST(Fault, TargetDiskFullDuringCopyStopsClearlyAndResumesOnceSpaceIsFreed) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a size-limited tmpfs needs root";
  Cluster src("f-disk-src");
  Cluster dst("f-disk-dst");
  MakeShop(src);
  // The target database lives in a tablespace on a 14 MB tmpfs: its
  // catalogs take about 8 MB, the big table does not fit in the rest.
  SmallVolume vol("14m");
  if (!vol.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << vol.why();
  const std::string owner =
      RunShell("stat -c %U " + ShellQuote(dst.Value("SHOW data_directory"))).out;
  ASSERT_EQ(RunShell("mkdir " + ShellQuote(vol.dir() + "/ts") + " && chown " + owner.substr(0, owner.find('\n')) +
                     " " + ShellQuote(vol.dir() + "/ts"))
                .exit_code,
            0);
  dst.Sql("CREATE TABLESPACE tiny LOCATION '" + vol.dir() + "/ts'");
  dst.Sql("CREATE DATABASE shop TABLESPACE tiny");
  const std::string dir = TempDir("diskfull");
  std::vector<std::string> args = {"clone", "--source", src.Uri("shop"), "--target",
                                   dst.Uri("shop"), "--dir", dir};
  auto r = RunHikkoshi(args);
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("ran out of disk space"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  // Its state is kept; once there is room it continues, not from zero.
  ASSERT_TRUE(vol.Resize("300m"));
  args.push_back("--resume");
  r = RunHikkoshi(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Contents(dst, "shop"), Contents(src, "shop"));
  dst.Sql("DROP DATABASE shop");
  dst.Sql("DROP TABLESPACE tiny");
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, BackupDumpsAgainAfterACutAndTheRestoreEqualsTheSource) {
  Cluster src("f-backup-src");
  MakeShop(src);
  FaultProxy proxy(src.port());
  const std::string dir = TempDir("backup");
  proxy.CutAfterBytes(2'000'000);  // in the middle of pg_dump's COPY of the big table
  auto r = RunHikkoshi(
      {"backup", "--source", proxy.Through(src.Uri("shop")), "--to", dir + "/b", "--name", "cut1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pg_dump lost its connection"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("transient, retrying"), std::string::npos) << r.err;
  src.CreateDatabase("scratch");
  r = RunHikkoshi(
      {"restore", "--from", dir + "/b", "--name", "cut1", "--target", src.Uri("scratch")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Contents(src, "scratch"), Contents(src, "shop"));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, BackupStoppedBySigtermLeavesNoPartialFiles) {
  Cluster src("f-bsig-src");
  MakeShop(src);
  FaultProxy proxy(src.port());
  proxy.SetBandwidth(1'000'000);  // pg_dump takes seconds
  const std::string dir = TempDir("bsig");
  BackgroundHikkoshi backup(
      {"backup", "--source", proxy.Through(src.Uri("shop")), "--to", dir + "/b", "--name", "sig1"},
      dir + "/backup.log");
  backup.Start();
  ASSERT_TRUE(WaitFor([&] { return proxy.bytes_forwarded() > 1'000'000; }, 60s));
  EXPECT_EQ(backup.Signal(SIGTERM), 130) << Slurp(dir + "/backup.log");
  std::string log = Slurp(dir + "/backup.log");
  EXPECT_NE(log.find("backup interrupted"), std::string::npos) << log;
  // No half-written file is left: nothing of the backup, no staging files.
  auto left = RunShell("find " + ShellQuote(dir + "/b") + " -mindepth 1 -name '*sig1*'");
  EXPECT_EQ(left.out, "") << left.out;
  auto list = RunHikkoshi({"backup", "list", "--from", dir + "/b"});
  EXPECT_EQ(list.out.find("sig1"), std::string::npos) << list.out;
  RunShell("rm -rf " + ShellQuote(dir));
}

// follow: the source's view and the target's view of the followed tables.
std::string Followed(Cluster& c) {
  return c.Value(
      "SELECT (SELECT count(*) || ' ' || coalesce(sum(v), 0) || ' ' || md5(coalesce(string_agg("
      "e::text, ',' ORDER BY e::text), '')) FROM events e) || ' / ' || (SELECT md5(coalesce("
      "string_agg(a::text, ',' ORDER BY a.id), '')) FROM acct a)",
      "app");
}

TEST(Fault, FollowSurvivesCutsAStallAndSourceRestarts) {
  // Durable commits: an immediate restart must not lose the source's own.
  Cluster src("f-follow-src", {"--set", "synchronous_commit=on"});
  Cluster dst("f-follow-dst");
  src.CreateDatabase("app");
  dst.CreateDatabase("app");
  // events has no key: a change applied twice would show as a duplicate row.
  src.Sql(
      "CREATE TABLE events (v int, note text); CREATE TABLE acct (id int PRIMARY KEY, n int);"
      "INSERT INTO acct SELECT g, 0 FROM generate_series(1, 20) g;"
      "INSERT INTO events SELECT g, 'seed' FROM generate_series(1, 100) g",
      "app");
  const std::string dir = TempDir("follow");
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                        "--source", src.Uri("app"), "--target", dst.Uri("app"), "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  FaultProxy to_src(src.port());
  FaultProxy to_dst(dst.port());
  int next = 1000;
  auto write = [&](int txns) {
    auto c = src.Connect("app");
    for (int i = 0; i < txns; ++i, ++next) {
      ASSERT_TRUE(c.Run("BEGIN; INSERT INTO events VALUES (" + std::to_string(next) +
                        ", 'w'); UPDATE acct SET n = n + 1 WHERE id = " +
                        std::to_string(next % 20 + 1) + "; COMMIT")
                      .ok());
    }
  };
  auto converged = [&](std::chrono::milliseconds limit) {
    return WaitFor([&] { return Followed(src) == Followed(dst); }, limit);
  };

  BackgroundHikkoshi follow({"follow", "--source", to_src.Through(src.Uri("app")), "--target",
                             to_dst.Through(dst.Uri("app")), "--dir", dir, "--stall-timeout", "2s",
                             "--status-interval", "200"},
                            dir + "/follow.log");
  follow.Start();
  write(20);
  ASSERT_TRUE(converged(60s)) << Slurp(dir + "/follow.log");

  // 1. The replication connection is cut in the middle of a large
  //    transaction's stream.
  to_src.CutAfterBytes(300'000);
  src.Sql("INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g", "app");
  EXPECT_TRUE(converged(90s)) << Slurp(dir + "/follow.log");
  EXPECT_EQ(to_src.connections_accepted() > 2, true);

  // 2. The target connection is cut at several points of a stream of small
  //    transactions: between a COMMIT sent and its confirmation among them.
  for (int i = 0; i < 4; ++i) {
    to_dst.CutAfterBytes(1500 + 2500 * i);
    write(25);
    EXPECT_TRUE(converged(60s)) << "cut " << i << "\n" << Slurp(dir + "/follow.log");
  }

  // 3. The source's path goes silent (a half-open connection): the
  //    watchdog reconnects within seconds, not after the 2-minute stall.
  to_src.StallOpen(120s);
  write(10);
  EXPECT_TRUE(converged(60s)) << Slurp(dir + "/follow.log");  // the stall lasts 120 s
  EXPECT_NE(Slurp(dir + "/follow.log").find("no message and no keepalive"), std::string::npos);

  // 4. The source restarts, fast then immediate (crash), with writes around.
  for (const char* mode : {"fast", "immediate"}) {
    write(10);
    auto rs = RunShell(ShellQuote(SourceDir() + "/scripts/pgcluster") + " restart " +
                       ShellQuote(src.name()) + " --mode " + mode);
    ASSERT_EQ(rs.exit_code, 0) << rs.err;
    write(10);
    EXPECT_TRUE(converged(90s)) << mode << "\n" << Slurp(dir + "/follow.log");
  }
  EXPECT_EQ(follow.Signal(SIGINT), 130) << Slurp(dir + "/follow.log");
  EXPECT_EQ(Followed(dst), Followed(src));
  // No duplicates (every written (v, note) is distinct), nothing lost.
  EXPECT_EQ(dst.Value("SELECT count(*) - count(DISTINCT (v, note)) FROM events", "app"), "0");
  EXPECT_EQ(dst.Value("SELECT count(*) FROM events", "app"),
            std::to_string(100 + 20000 + next - 1000));
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, FollowStopsOnAPermanentErrorInsteadOfRetryingForever) {
  Cluster src("f-perm-src");
  Cluster dst("f-perm-dst");
  src.CreateDatabase("app");
  dst.CreateDatabase("app");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY, v int)", "app");
  const std::string dir = TempDir("perm");
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("app"),
                        "--target", dst.Uri("app"), "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // A trigger on the target that fails every apply as "out of memory"
  // (53200, class 53 like "too many connections", but permanent).
  dst.Sql(
      "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION "
      "'simulated' USING ERRCODE = '53200'; END$$;"
      "CREATE TRIGGER boom BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION boom();"
      "ALTER TABLE t ENABLE ALWAYS TRIGGER boom",
      "app");
  src.Sql("INSERT INTO t VALUES (1, 1)", "app");
  auto t0 = Clock::now();
  r = RunShell("timeout 60 " + ShellQuote(HIKKOSHI_BINARY) + " follow --until-caught-up --source " +
               ShellQuote(src.Uri("app")) + " --target " + ShellQuote(dst.Uri("app")) + " --dir " +
               ShellQuote(dir));
  EXPECT_EQ(r.exit_code, 7) << r.err;  // not 124: the old code retried it forever
  EXPECT_LT(Clock::now() - t0, 30s);
  EXPECT_NE(r.err.find("simulated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a transient failure"), std::string::npos) << r.err;
  EXPECT_EQ(dst.Value("SELECT count(*) FROM t", "app"), "0");
  RunShell("rm -rf " + ShellQuote(dir));
}

TEST(Fault, SlotInvalidatedWhileFollowIsStoppedIsAClearStop) {
  Cluster src("f-slot-src", {"--set", "max_slot_wal_keep_size=1MB"});
  Cluster dst("f-slot-dst");
  src.CreateDatabase("app");
  dst.CreateDatabase("app");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')", "app");
  const std::string dir = TempDir("slot");
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("app"),
                        "--target", dst.Uri("app"), "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Follow is stopped; the source writes far more WAL than the slot may keep.
  for (int i = 0; i < 3; ++i)
    src.Sql("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(" +
                std::to_string(100000 * i + 2) + ", " + std::to_string(100000 * (i + 1)) +
                ") g; SELECT pg_switch_wal(); CHECKPOINT;",
            "app");
  ASSERT_TRUE(WaitFor(
      [&] {
        src.Sql("SELECT pg_switch_wal(); CHECKPOINT;");
        return src.Value(
                   "SELECT coalesce(string_agg(wal_status, ','), '') FROM pg_replication_slots") ==
               "lost";
      },
      30s));
  r = RunHikkoshi({"follow", "--until-caught-up", "--source", src.Uri("app"), "--target",
                   dst.Uri("app"), "--dir", dir});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("clone again"), std::string::npos) << r.err;
  // Nothing was applied half-way: the target still has the copy only.
  EXPECT_EQ(dst.Value("SELECT count(*) FROM t", "app"), "1");
  RunShell("rm -rf " + ShellQuote(dir));
}

}  // namespace
}  // namespace hk::test
