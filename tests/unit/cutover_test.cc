// Unit tests of the cutover building blocks that need no database: config,
// durations, env file rewriting, hooks, journal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cutover/config.h"
#include "cutover/env_file.h"
#include "cutover/hooks.h"
#include "cutover/journal.h"

namespace hk::cutover {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/hk-cutover-unit-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(Duration, Parses) {
  EXPECT_EQ(ParseDurationMs("30s"), 30000);
  EXPECT_EQ(ParseDurationMs("250ms"), 250);
  EXPECT_EQ(ParseDurationMs("2m"), 120000);
  EXPECT_EQ(ParseDurationMs("1.5s"), 1500);
  EXPECT_EQ(ParseDurationMs("12"), 12000);
  EXPECT_FALSE(ParseDurationMs("s"));
  EXPECT_FALSE(ParseDurationMs("10 parsecs"));
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

}  // namespace
}  // namespace hk::cutover
