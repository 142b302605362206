// Unit tests of the cutover building blocks that need no database: config,
// durations, env file rewriting, hooks, journal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cutover/config.h"
#include "cutover/cutover_state.h"
#include "cutover/env_file.h"
#include "cutover/hooks.h"
#include "cutover/journal.h"
#include "cutover/pgbouncer.h"
#include "cutover/sequences.h"
#include "cutover/write_watch.h"

namespace hk::cutover {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/hk-cutover-unit-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(CutoverConfig, ReadsThePlanExample) {
  auto c = ParseCutoverConfig(R"(
source = "postgresql://old/gogojap"
[cutover]
app_roles = ["gogojap"]
max_freeze = "20s"
sequence_gap = 1000
[cutover.env_file]
path = "/var/www/gogojap/.env"
[[cutover.hooks]]
run = "cd /var/www/gogojap && alembic upgrade head"
when = "cutover"
timeout = "5m"
[[cutover.hooks]]
run = "supervisorctl restart gogojap"
[cutover.health]
sql_budget_ms = 50
[[cutover.health.http]]
url = "http://127.0.0.1:8000/health"
budget_ms = 200
)",
                              "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->app_roles.size(), 1u);
  EXPECT_EQ(c->max_freeze_ms, 20000);
  EXPECT_EQ(c->sequence_gap, 1000);
  EXPECT_EQ(c->env_variable, "DATABASE_URL");
  ASSERT_EQ(c->hooks.size(), 2u);
  EXPECT_FALSE(c->hooks[0].on_rollback);
  EXPECT_EQ(c->hooks[0].timeout_ms, 300000);
  EXPECT_TRUE(c->hooks[1].on_rollback);
  ASSERT_EQ(c->http.size(), 1u);
  EXPECT_EQ(c->http[0].expect_status, 200);
}

TEST(CutoverConfig, RejectsUnknownKeysAndBadTypes) {
  auto c = ParseCutoverConfig("[cutover]\nmax_freez = \"1s\"\n", "t.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cutover.max_freez"), std::string::npos);
  auto d = ParseCutoverConfig("[cutover]\nmax_freeze = \"soon\"\n", "t.toml");
  ASSERT_FALSE(d.ok());
  auto e = ParseCutoverConfig("[cutover]\nfreeze = \"magic\"\n", "t.toml");
  ASSERT_FALSE(e.ok());
}

TEST(EnvFile, ReadsAndRewritesOneVariable) {
  std::string text =
      "# app\nSECRET_KEY='abc'\nexport DATABASE_URL=\"postgresql://a@old/db\"\nOTHER=1 # c\n";
  EXPECT_EQ(EnvValue(text, "DATABASE_URL"), "postgresql://a@old/db");
  EXPECT_EQ(EnvValue(text, "SECRET_KEY"), "abc");
  EXPECT_EQ(EnvValue(text, "OTHER"), "1");
  EXPECT_FALSE(EnvValue(text, "DATABASE"));
  std::string out = WithEnvValue(text, "DATABASE_URL", "postgresql://a:p w@new/db");
  EXPECT_EQ(
      out,
      "# app\nSECRET_KEY='abc'\nexport DATABASE_URL=\"postgresql://a:p w@new/db\"\nOTHER=1 # c\n");
  EXPECT_EQ(EnvValue(out, "DATABASE_URL"), "postgresql://a:p w@new/db");
  EXPECT_EQ(WithEnvValue("A=1", "B", "x"), "A=1\nB=x\n");
}

TEST(EnvFile, AtomicRewriteKeepsModeAndBackup) {
  std::string d = TempDir();
  std::string p = d + "/.env", b = d + "/env.backup";
  {
    std::ofstream f(p);
    f << "DATABASE_URL=postgresql://old/db\n";
  }
  chmod(p.c_str(), 0640);
  ASSERT_TRUE(SetEnvVar(p, "DATABASE_URL", "postgresql://new/db", b).ok());
  struct stat st {};
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(EnvValue(ReadWholeFile(p).value(), "DATABASE_URL"), "postgresql://new/db");
  EXPECT_EQ(EnvValue(ReadWholeFile(b).value(), "DATABASE_URL"), "postgresql://old/db");
  ASSERT_EQ(stat(b.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A rerun does not overwrite the backup with the switched file.
  ASSERT_TRUE(SetEnvVar(p, "DATABASE_URL", "postgresql://new/db", b).ok());
  EXPECT_EQ(EnvValue(ReadWholeFile(b).value(), "DATABASE_URL"), "postgresql://old/db");
  // A new file is 0600.
  std::string n = d + "/new.env";
  ASSERT_TRUE(SetEnvVar(n, "X", "1", "").ok());
  ASSERT_EQ(stat(n.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(d);
}

TEST(Hooks, CapturesOutputExitCodeAndTimeout) {
  auto r = RunHookCommand("echo out; echo err >&2; exit 3", 5000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
  EXPECT_NE(r->output.find("out"), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
  auto t = RunHookCommand("sleep 10", 300);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->timed_out);
  EXPECT_LT(t->duration_ms, 5000);
}

TEST(Hooks, FindsMissingPrograms) {
  EXPECT_EQ(MissingProgram("sh -c true"), "");
  EXPECT_EQ(MissingProgram("cd /tmp && no-such-program-hk restart x"), "no-such-program-hk");
  EXPECT_EQ(MissingProgram("/no/such/binary"), "/no/such/binary");
  EXPECT_EQ(MissingProgram("FOO=1 true"), "");
}

TEST(Journal, WritesLinesAndMeasuresTheWindow) {
  std::string d = TempDir();
  {
    Journal j(d, "cutover");
    auto s = j.Begin("preconditions");
    (void)s.Finish(Status::Ok());
    j.Mark("writes-frozen");
    usleep(20000);
    j.Mark("writes-resumed");
    EXPECT_GE(j.WriteUnavailableMs(), 15);
    EXPECT_NE(j.Timeline().find("write-unavailability window"), std::string::npos);
    { auto f = j.Begin("drain"); }  // dropped unfinished: recorded as failed
  }
  auto all = ReadJournal(d);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].step, "preconditions");
  EXPECT_EQ(all[3].outcome, "failed");
  std::filesystem::remove_all(d);
}

// #10.22: only the [databases] entry is read and rewritten, never a line of
// the same name in [users] or [pgbouncer].
TEST(PgbouncerIni, OnlyTheDatabasesSection) {
  std::string ini =
      "[pgbouncer]\nshop = not-a-db\n\n[users]\nshop = pool_mode=session\n\n"
      "[databases]\nother = host=x\nshop = host=old port=5432\n\n[users]\nx = y\n";
  EXPECT_EQ(IniEntry(ini, "shop"), "host=old port=5432");
  std::string out = WithIniEntry(ini, "shop", "host=new port=5433");
  EXPECT_EQ(out,
            "[pgbouncer]\nshop = not-a-db\n\n[users]\nshop = pool_mode=session\n\n"
            "[databases]\nother = host=x\nshop = host=new port=5433\n\n[users]\nx = y\n");
  // [users] first with the name, [databases] without it: added to [databases].
  std::string u = "[users]\nshop = pool_mode=session\n[databases]\nother = host=x\n\n";
  EXPECT_FALSE(IniEntry(u, "shop"));
  EXPECT_EQ(WithIniEntry(u, "shop", "host=new"),
            "[users]\nshop = pool_mode=session\n[databases]\nother = host=x\nshop = host=new\n\n");
  // An %include'd file without a section header is the [databases] section.
  EXPECT_EQ(IniEntry("shop = host=a\n", "shop"), "host=a");
  EXPECT_EQ(WithIniEntry("shop = host=a\n", "shop", "host=b"), "shop = host=b\n");
  EXPECT_EQ(IniEntry("[Databases]\nshop=host=a\n", "shop"), "host=a");
}

// #10.12: never lower a target sequence, carry a restarted-but-uncalled one.
TEST(Sequences, WantedPosition) {
  const int64_t kMax = INT64_MAX;
  // Called on the source: value + gap, called.
  auto w = WantedSequencePos({100, true}, {50, true}, 1, 1, kMax, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->last_value, 1100);
  EXPECT_TRUE(w->is_called);
  // The target is already ahead: left alone (never moved backwards).
  EXPECT_FALSE(WantedSequencePos({100, true}, {5000, true}, 1, 1, kMax, 1000));
  EXPECT_FALSE(WantedSequencePos({100, true}, {1100, true}, 1, 1, kMax, 1000));
  // Restarted on the source (RESTART WITH 5000, not called yet): carried as such.
  w = WantedSequencePos({5000, false}, {40, true}, 1, 1, kMax, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->last_value, 5000);
  EXPECT_FALSE(w->is_called);
  // Never used on either side: nothing to do.
  EXPECT_FALSE(WantedSequencePos({1, false}, {1, false}, 1, 1, kMax, 1000));
  // Descending sequences go the other way, clamped to their minimum.
  w = WantedSequencePos({-100, true}, {-1, true}, -1, -150, -1, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->last_value, -150);
  EXPECT_FALSE(WantedSequencePos({-100, true}, {-200, true}, -1, -1000, -1, 0));
  // Clamped to the maximum.
  w = WantedSequencePos({kMax - 5, true}, {1, true}, 1, 1, kMax, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->last_value, kMax);
}

// Builds pgoutput messages (network byte order).
class Wire {
 public:
  Wire& C(char c) {
    s_.push_back(c);
    return *this;
  }
  Wire& U16(uint16_t v) { return Be(v, 2); }
  Wire& U32(uint32_t v) { return Be(v, 4); }
  Wire& U64(uint64_t v) { return Be(v, 8); }
  Wire& Str(const std::string& v) {
    s_ += v;
    s_.push_back('\0');
    return *this;
  }
  std::string str() const { return s_; }

 private:
  Wire& Be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
    return *this;
  }
  std::string s_;
};

std::vector<std::string> Txn(uint32_t xid, uint64_t lsn, uint32_t relid, const std::string& rel,
                             const std::string& origin = "") {
  std::vector<std::string> m;
  m.push_back(Wire().C('B').U64(lsn).U64(1000000).U32(xid).str());
  if (!origin.empty()) m.push_back(Wire().C('O').U64(lsn).Str(origin).str());
  m.push_back(Wire()
                  .C('R')
                  .U32(relid)
                  .Str("public")
                  .Str(rel)
                  .C('d')
                  .U16(1)
                  .C(1)
                  .Str("id")
                  .U32(23)
                  .U32(0xffffffff)
                  .str());
  m.push_back(Wire().C('I').U32(relid).C('N').U16(1).C('t').U32(1).str() + "1");
  m.push_back(Wire().C('C').C(0).U64(lsn).U64(lsn + 8).U64(1000000).str());
  return m;
}

// #10.6: the proof. Transactions committed at or after the watch position
// that are not hikkoshi's own are named; earlier ones are not.
TEST(WriteWatch, NamesForeignCommitsAfterTheMarker) {
  std::vector<std::string> all;
  for (auto& m : Txn(700, 0x100, 1, "orders")) all.push_back(m);         // before the freeze
  for (auto& m : Txn(701, 0x200, 2, "cutover_probe")) all.push_back(m);  // the marker
  for (auto& m : Txn(702, 0x300, 1, "orders")) all.push_back(m);         // bypassed the freeze
  auto f = ForeignCommitsIn(all, 0x180, {701});
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ((*f)[0].xid, 702u);
  ASSERT_EQ((*f)[0].tables.size(), 1u);
  EXPECT_EQ((*f)[0].tables[0], "public.orders");
  EXPECT_NE((*f)[0].Describe().find("xid 702"), std::string::npos);
  EXPECT_NE((*f)[0].Describe().find("public.orders"), std::string::npos);
  auto none =
      ForeignCommitsIn(std::vector<std::string>(all.begin(), all.begin() + 8), 0x180, {701});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// #12.1: a reverse follower without replication origins (progress-table
// mode) marks each applied batch with a hikkoshi-apply message and writes
// hikkoshi.apply_progress: rollback must not take those for source writes
// that bypassed the freeze (and must still name a plain one).
TEST(WriteWatch, KnowsProgressTableBatchesAsHikkoshis) {
  std::vector<std::string> all;
  // A batch with the message.
  auto batch = Txn(800, 0x100, 1, "orders");
  batch.insert(batch.end() - 1,
               Wire().C('M').C(1).U64(0x100).Str("hikkoshi-apply").U32(4).str() + "slot");
  all.insert(all.end(), batch.begin(), batch.end());
  // cleanup deleting its row of hikkoshi.apply_progress.
  all.push_back(Wire().C('B').U64(0x200).U64(1000000).U32(801).str());
  all.push_back(Wire()
                    .C('R')
                    .U32(9)
                    .Str("hikkoshi")
                    .Str("apply_progress")
                    .C('d')
                    .U16(1)
                    .C(1)
                    .Str("slot")
                    .U32(25)
                    .U32(0xffffffff)
                    .str());
  all.push_back(Wire().C('D').U32(9).C('K').U16(1).C('t').U32(1).str() + "s");
  all.push_back(Wire().C('C').C(0).U64(0x200).U64(0x208).U64(1000000).str());
  // A foreign write, and a message outside any transaction (follow's probe).
  all.push_back(Wire().C('M').C(0).U64(0x250).Str("hikkoshi-apply").U32(1).str() + "x");
  for (auto& m : Txn(802, 0x300, 1, "orders")) all.push_back(m);
  auto c = CommitsIn(all);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->size(), 3u);
  EXPECT_TRUE((*c)[0].hikkoshi_apply);
  EXPECT_TRUE((*c)[1].hikkoshi_apply);
  EXPECT_FALSE((*c)[2].hikkoshi_apply);
  // The freeze's proof stays strict: any commit but the marker is named.
  auto f = ForeignCommitsIn(all, 0, {});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->size(), 3u);
}

// #10.6: the app roles' original login rights survive a kill in cutover.json.
TEST(CutoverState, KeepsBlockedLogins) {
  std::string d = TempDir();
  CutoverState s;
  s.phase = "frozen";
  s.source_logins = {{"app", true, 7}, {"batch", false, -1}};
  s.target_logins = {{"app", true, -1}};
  ASSERT_TRUE(SaveCutoverState(d, s).ok());
  auto l = LoadCutoverState(d);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->source_logins.size(), 2u);
  EXPECT_EQ(l->source_logins[0].role, "app");
  EXPECT_TRUE(l->source_logins[0].can_login);
  EXPECT_EQ(l->source_logins[0].conn_limit, 7);
  EXPECT_FALSE(l->source_logins[1].can_login);
  ASSERT_EQ(l->target_logins.size(), 1u);
  std::filesystem::remove_all(d);
}

}  // namespace
}  // namespace hk::cutover
