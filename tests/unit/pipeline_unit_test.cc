#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pg/startup_options.h"
#include "pipeline/rehearsal.h"
#include "pipeline/stage_record.h"
#include "pipeline/window.h"
#include "status/model.h"
#include "status/report.h"

namespace hk {
namespace {

namespace fs = std::filesystem;

TEST(Window, NeedsAZone) {
  EXPECT_EQ(pipeline::ParseWindowMs("2026-12-05T02:00Z"), int64_t{1796436000} * 1000);
  EXPECT_EQ(pipeline::ParseWindowMs("2026-12-05T02:00+08:00"),
            (int64_t{1796436000} - 8 * 3600) * 1000);
  EXPECT_FALSE(pipeline::ParseWindowMs("2026-12-05T02:00"));
  EXPECT_FALSE(pipeline::ParseWindowMs("2026-13-05T02:00Z"));
}

TEST(MigrateRecord, KeepsTheNoticeAcrossARoundTrip) {
  pipeline::MigrateRecord r;
  r.stages["check"].state = "done";
  r.stages["cutover"].state = "done";
  r.notice_sent_for = "2026-12-05T02:00:00Z";
  auto back = pipeline::MigrateRecord::FromJson(r.ToJson());
  EXPECT_EQ(back.notice_sent_for, r.notice_sent_for);
  EXPECT_TRUE(back.Done("check"));
  back.InvalidateAfter("clone");
  EXPECT_TRUE(back.Done("check"));
  EXPECT_FALSE(back.Done("cutover"));
  // An older record without the key reads as "no notice sent".
  EXPECT_EQ(
      pipeline::MigrateRecord::FromJson({{"stages", nlohmann::json::object()}}).notice_sent_for,
      "");
}

// A rehearsal must never block real roles (they are cluster-wide), run hooks
// or PgBouncer commands, or touch the real env file.
TEST(Rehearsal, ConfigRunsNothingOfTheApplication) {
  std::string dir = fs::temp_directory_path() / ("hk-reh-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string env = dir + "/real.env";
  std::ofstream(env) << "DATABASE_URL=postgresql://app@src/shop\n";
  cutover::CutoverConfig c;
  c.freeze = "pgbouncer";
  c.pgb_admin_url = "postgresql://pgb@127.0.0.1:6432/pgbouncer";
  c.app_roles = {"app"};
  c.hooks.push_back({"restart app", "supervisorctl restart app"});
  c.backup_check = "true";
  c.env_path = env;
  c.http.push_back({"http://127.0.0.1:1/health", 200, 200});
  std::vector<std::string> dry;
  cutover::CutoverConfig r = pipeline::RehearsalConfig(c, dir, dry);
  EXPECT_EQ(r.freeze, "readonly");
  EXPECT_TRUE(r.pgb_admin_url.empty());
  EXPECT_TRUE(r.app_roles.empty());
  ASSERT_EQ(r.app_names.size(), 1u);
  EXPECT_TRUE(r.hooks.empty());
  EXPECT_TRUE(r.backup_check.empty());
  EXPECT_EQ(r.env_path, dir + "/app.env");
  std::ifstream f(r.env_path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), "DATABASE_URL=postgresql://app@src/shop\n");
  EXPECT_TRUE(r.http.empty());
  ASSERT_EQ(dry.size(), 3u);
  EXPECT_NE(dry[1].find("restart app"), std::string::npos);
  EXPECT_NE(dry[2].find("/health"), std::string::npos);
  fs::remove_all(dir);
}

TEST(StartupOptions, AppendOnce) {
  auto ci = pg::ConnInfo::Parse("host=127.0.0.1 dbname=x options='-c work_mem=64MB'").value();
  auto a = pg::WithStartupOptions(ci, "-c statement_timeout=0");
  EXPECT_EQ(a.params().at("options"), "-c work_mem=64MB -c statement_timeout=0");
  auto b = pg::WithStartupOptions(a, "-c statement_timeout=0");
  EXPECT_EQ(b.params().at("options"), a.params().at("options"));
}

TEST(Runbook, ReportCellsNameTheWritePause) {
  EXPECT_EQ(status::RunbookCell(nullptr), "-");
  std::string c =
      status::RunbookCell({{"state", "done"}, {"duration_ms", 1500}, {"window_ms", 1234}});
  EXPECT_NE(c.find("done"), std::string::npos) << c;
  EXPECT_NE(c.find("writes paused 1.234 s"), std::string::npos) << c;
  EXPECT_EQ(status::RunbookCell({{"state", "skipped"}, {"duration_ms", 0}}), "skipped");
}

TEST(Runbook, StatusTextShowsTheRehearsalBesideTheRun) {
  status::Migration m;
  m.workdir = "/w";
  m.stage = "clone";
  status::Runbook rb;
  rb.stages = {{"check", "done", "", "", 2000, {}}, {"clone", "running", "", "", 0, {}}};
  rb.rehearsal = {{"check", "done", "", "", 1000, {}},
                  {"cutover", "done", "", "", 9000, {{"window_ms", 700}}}};
  m.runbook = rb;
  std::string t = status::ToText(m);
  EXPECT_NE(t.find("migrate     check done"), std::string::npos) << t;
  EXPECT_NE(t.find("clone running"), std::string::npos) << t;
  EXPECT_NE(t.find("expected write-unavailability: 0.7 s"), std::string::npos) << t;
}

}  // namespace
}  // namespace hk
