// `hikkoshi migrate` end to end with real parts: two PostgreSQL clusters, a
// writer thread playing the application (it reads DATABASE_URL from an env
// file before every write, as a restarted app would, and logs in as role
// "app" so the freeze blocks it), and a webhook receiver. migrate is killed
// with SIGKILL right after each stage in turn and rerun; it must converge
// to the application on the target with nothing lost, like an uninterrupted
// run. (No supervisord here, as in notify_watch_test: the env file switch
// is what moves the writer.)
//
// Budget: about a minute on 2 cores.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cdc/follow_state.h"
#include "cutover/cutover_state.h"
#include "pg/connection.h"
#include "pipeline/stage_record.h"
#include "status/record.h"
#include "support/harness.h"
#include "support/webhook_receiver.h"

namespace hk::test {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* kSchema = R"SQL(
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
CREATE TABLE app_writes (id bigserial PRIMARY KEY, token text UNIQUE NOT NULL, via int);
CREATE TABLE no_pk_log (msg text);
INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.25 FROM generate_series(1, 2000) g;
INSERT INTO no_pk_log SELECT 'seed ' || g FROM generate_series(1, 50) g;
GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app;
)SQL";

/// The application: one write every 20 ms to whatever database the env file
/// names; remembers every write that was acknowledged.
class Writer {
 public:
  explicit Writer(std::string env_file) : env_(std::move(env_file)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// verify compares a live source; a write every 20 ms to the newest rows
  /// would keep its last chunk moving (docs/migrate.md), so the application
  /// pauses while verify runs, as the demo's writer stops.
  void Pause(bool p) { paused_ = p; }
  std::set<std::string> acked() {
    std::lock_guard<std::mutex> lk(mu_);
    return acked_;
  }

 private:
  std::string Url() {
    std::ifstream f(env_);
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("DATABASE_URL=", 0) == 0) return line.substr(13);
    return "";
  }
  void Loop() {
    std::optional<pg::Connection> c;
    std::string url;
    for (int n = 0; !stop_; ++n) {
      std::this_thread::sleep_for(20ms);
      if (paused_) continue;
      std::string now = Url();
      if (now != url) c.reset();
      url = now;
      if (!c) {
        pg::ConnectOptions co;
        co.application_name = "demo app";
        auto o = pg::Connection::Open(pg::ConnInfo::Parse(url).value(), co);
        if (!o.ok()) continue;
        c.emplace(std::move(o).value());
      }
      std::string token = "w" + std::to_string(n);
      auto r = c->Exec("INSERT INTO app_writes (token, via) VALUES ($1, inet_server_port())",
                       {token});
      if (!r.ok()) {
        c.reset();
        continue;
      }
      (void)c->Exec("UPDATE items SET price = price + 1 WHERE id = " + std::to_string(n % 2000 + 1));
      (void)c->Exec("INSERT INTO no_pk_log VALUES ('" + token + "')");
      std::lock_guard<std::mutex> lk(mu_);
      acked_.insert(token);
    }
  }
  std::string env_;
  std::atomic<bool> stop_{false}, paused_{false};
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> acked_;
};

class MigrateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("msrc");
    tgt_ = new Cluster("mtgt");
    for (auto* c : {src_, tgt_})
      c->Sql("DO $$BEGIN CREATE ROLE app LOGIN PASSWORD 'app-pw'; EXCEPTION WHEN "
             "duplicate_object THEN END$$");
  }
  static void TearDownTestSuite() {
    delete src_;
    delete tgt_;
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hk-migrate-" + std::to_string(getpid()) + "-" + std::to_string(n_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    work_ = dir_ + "/work";
    db_ = "shop" + std::to_string(n_);
    for (auto* c : {src_, tgt_}) c->CreateDatabase(db_);
    src_->Sql(kSchema, db_);
    env_ = dir_ + "/app.env";
    tgt_app_ = AppUrl(*tgt_);
    std::ofstream(env_) << "SECRET_KEY=x\nDATABASE_URL=" << AppUrl(*src_) << "\n";
  }
  void TearDown() override {
    for (const std::string& d :
         {work_, work_ + "/reverse", work_ + "/rehearsal", work_ + "/rehearsal/cutover",
          work_ + "/rehearsal/cutover/reverse"}) {
      auto st = cdc::LoadFollowState(d);
      if (st.ok() && st->pid > 0) {
        std::string cmd = Slurp("/proc/" + std::to_string(st->pid) + "/cmdline");
        if (cmd.find("follow") != std::string::npos) kill(st->pid, SIGKILL);
      }
    }
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  std::string AppUrl(const Cluster& c) {
    return "postgresql://app:app-pw@127.0.0.1:" + std::to_string(c.port()) + "/" + db_;
  }
  std::string Toml(const Receiver& rx) {
    std::string path = dir_ + "/hikkoshi.toml";
    std::ofstream(path) << "source = \"" << src_->Uri(db_) << "\"\ntarget = \"" << tgt_->Uri(db_)
                        << "\"\nworkdir = \"" << work_ << "\"\n\n"
                        << "[backup]\nto = [\"" << dir_ << "/backups\"]\n\n"
                        << "[clone]\njobs = 2\nindex_jobs = 2\nreplica_identity_full = true\n\n"
                        << "[migrate]\nwindow = \"" << status::IsoOfMs(status::NowMs() + 3000).substr(0, 19)
                        << "Z\"\n\n"
                        << "[cutover]\napp_roles = [\"app\"]\nmax_freeze = \"20s\"\n"
                        << "[cutover.env_file]\npath = \"" << env_
                        << "\"\nvariable = \"DATABASE_URL\"\ntarget_value = \"" << tgt_app_ << "\"\n"
                        << "[cutover.health]\nwait = \"10s\"\n"
                        << "[[cutover.health.http]]\nurl = \"" << rx.Url("/health")
                        << "\"\nbudget_ms = 2000\n\n"
                        << "[[notify]]\nurl = \"" << rx.Url("/hooks/T0/B1/s3cretTok") << "\"\n";
    return path;
  }
  // What the test compares independently of hikkoshi: every table's rows,
  // in a canonical order, on both sides.
  std::string Contents(Cluster& c) {
    return c.Value(
        "SELECT md5(string_agg(t, E'\\n' ORDER BY t)) FROM ("
        " SELECT 'i' || i::text t FROM items i UNION ALL"
        " SELECT 'w' || w.token || ',' || w.id FROM app_writes w UNION ALL"
        " SELECT 'l' || l::text FROM no_pk_log l) x",
        db_);
  }
  void ExpectConverged(const Writer& w_unused, const std::set<std::string>& acked) {
    (void)w_unused;
    // The application is on the target, reverse replication running.
    auto cs = cutover::LoadCutoverState(work_);
    ASSERT_TRUE(cs.ok());
    EXPECT_EQ(cs->phase, "cut-over");
    EXPECT_NE(Slurp(env_).find(tgt_app_), std::string::npos);
    auto rec = pipeline::LoadMigrateRecord(work_);
    ASSERT_TRUE(rec.ok());
    for (const char* s : {"check", "backup", "clone", "verify", "window", "cutover"})
      EXPECT_TRUE(rec->Done(s)) << s << ": " << rec->ToJson().dump();
    // Nothing lost: every acknowledged write is on the target.
    std::string on_target = tgt_->Value("SELECT string_agg(token, ',') FROM app_writes", db_);
    std::set<std::string> have;
    std::stringstream ss(on_target);
    for (std::string t; std::getline(ss, t, ',');) have.insert(t);
    for (const auto& t : acked) EXPECT_TRUE(have.count(t)) << "lost write " << t;
    EXPECT_GT(std::stoi(tgt_->Value("SELECT count(*) FROM app_writes WHERE via = " +
                                        std::to_string(tgt_->port()),
                                    db_)),
              0)
        << "the application never wrote to the target";
    // Reverse replication keeps the source identical to the target.
    bool same = false;
    for (int i = 0; i < 150 && !same; ++i) {
      same = Contents(*src_) == Contents(*tgt_);
      if (!same) std::this_thread::sleep_for(200ms);
    }
    EXPECT_TRUE(same) << "source and target differ after the cutover";
  }

  static Cluster* src_;
  static Cluster* tgt_;
  static int n_;
  std::string dir_, work_, db_, env_, tgt_app_;
};
Cluster* MigrateTest::src_ = nullptr;
Cluster* MigrateTest::tgt_ = nullptr;
int MigrateTest::n_ = 0;

int StageIndexOf(const std::string& name) {
  const char* order[] = {"check", "backup", "clone", "verify", "window", "cutover"};
  for (int i = 0; i < 6; ++i)
    if (name == order[i]) return i;
  return -1;
}

std::vector<std::string> StageEvents(const std::vector<std::string>& all) {
  std::vector<std::string> out;
  for (const auto& e : all)
    if (e != "window_start" && e != "lag_high" && e != "window_notice") out.push_back(e);
  return out;
}

// Killed with SIGKILL after every stage in turn, rerun each time: converges.
TEST_F(MigrateTest, KilledAfterEveryStageConverges) {
  Receiver rx;
  std::string cfg = Toml(rx);
  Writer w(env_);
  std::vector<std::string> want;
  for (const char* stage : {"check", "backup", "clone", "verify", "window", "cutover"}) {
    w.Pause(std::string(stage) == "verify");
    auto r = RunHikkoshi({"--config", cfg, "migrate", "--yes"},
                         {{"HIKKOSHI_TEST_MIGRATE_KILL_AFTER", stage}});
    w.Pause(false);
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << stage << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(std::string("ok ") + stage), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("s3cretTok"), std::string::npos) << r.err;
    // The window is looked at again on every run that gets past it.
    if (std::string(stage) == "cutover") {
      want.push_back("stage_started");
      want.push_back("stage_finished");
    }
    want.push_back("stage_started");
    if (std::string(stage) == "cutover")
      for (const char* e : {"freeze_start", "freeze_end", "cutover_success"}) want.push_back(e);
    want.push_back("stage_finished");
  }
  auto r = RunHikkoshi({"--config", cfg, "migrate", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("already cut over"), std::string::npos) << r.err;
  std::this_thread::sleep_for(1s);  // writes on the target after the switch
  w.Stop();
  ExpectConverged(w, w.acked());
  EXPECT_EQ(StageEvents(rx.Events()), want);
  // The user notice (the window is less than [migrate] notice_before away):
  // once, at the first run's start, though six runs saw the window ahead.
  auto events = rx.Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front(), "window_notice");
  EXPECT_EQ(std::count(events.begin(), events.end(), "window_notice"), 1);
  auto posts = rx.Posts();
  ASSERT_GE(posts.size(), 2u);
  EXPECT_EQ(posts[0]["details"]["stage"], "window");
  EXPECT_GE(posts[0]["details"]["seconds_left"].get<int64_t>(), 0);
  EXPECT_EQ(posts[1]["details"]["stage"], "check");
  // The journal of events has all runs, stage by stage.
  std::string journal = Slurp(work_ + "/migrate-events.jsonl");
  EXPECT_NE(journal.find("\"stage_skipped\""), std::string::npos);
  EXPECT_EQ(journal.find("app-pw"), std::string::npos);
}

// The same plan uninterrupted: one run, the same end state; --until stops
// early and a run without --yes and no terminal refuses before touching anything.
TEST_F(MigrateTest, UninterruptedRunEndsTheSame) {
  Receiver rx;
  std::string cfg = Toml(rx);
  auto r = RunHikkoshi({"--config", cfg, "migrate"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/migrate.json"));
  Writer w(env_);
  w.Pause(true);
  r = RunHikkoshi({"--config", cfg, "migrate", "--until", "verify"});
  w.Pause(false);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rec = pipeline::LoadMigrateRecord(work_);
  ASSERT_TRUE(rec.ok());
  EXPECT_TRUE(rec->Done("verify"));
  EXPECT_FALSE(rec->Done("cutover"));
  r = RunHikkoshi({"--config", cfg, "plan"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("measured in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hikkoshi rollback"), std::string::npos) << r.out;
  r = RunHikkoshi({"--config", cfg, "migrate", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::this_thread::sleep_for(1s);
  w.Stop();
  ExpectConverged(w, w.acked());
}

// The rehearsal (#16.3): the plan against a scratch database on the target
// server, measured, with the application running: the source is
// never frozen, the env file and the webhooks are untouched, nothing of the
// rehearsal is left on either server, and plan and report show what it
// measured. A second rehearsal into the now non-empty scratch is refused
// before anything changes.
TEST_F(MigrateTest, RehearsalMeasuresWithoutTouchingTheApplication) {
  Receiver rx;
  std::string cfg = Toml(rx);
  std::string scratch_db = db_ + "_scratch";
  tgt_->CreateDatabase(scratch_db);
  // The clusters are shared by the suite: an earlier test's cutover left the
  // application role blocked on the source (the application runs on the target).
  src_->Sql("ALTER ROLE app LOGIN");
  const std::string mine = "database IN ('" + db_ + "', '" + scratch_db + "', '" + scratch_db +
                           "_hkcut')";
  std::string env_before = Slurp(env_);
  Writer w(env_);
  // verify compares a live source: the writer pauses as in the real runs
  // (docs/migrate.md); it writes before and after.
  std::this_thread::sleep_for(200ms);
  w.Pause(true);
  auto r =
      RunHikkoshi({"--config", cfg, "migrate", "--rehearse", "--scratch", tgt_->Uri(scratch_db)});
  w.Pause(false);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("expected write-unavailability in the real cutover"), std::string::npos)
      << r.out;
  // The application was never switched or frozen.
  EXPECT_EQ(Slurp(env_), env_before);
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                        "s.setdatabase WHERE d.datname = '" +
                        db_ + "'"),
            "0");
  EXPECT_EQ(src_->Value("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'app'"), "t");
  int before = std::stoi(src_->Value("SELECT count(*) FROM app_writes", db_));
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(std::stoi(src_->Value("SELECT count(*) FROM app_writes", db_)), before)
      << "the application stopped writing to the source";
  // Nothing of the rehearsal is left on the servers.
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots WHERE " + mine), "0");
  EXPECT_EQ(tgt_->Value("SELECT count(*) FROM pg_replication_slots WHERE " + mine), "0");
  EXPECT_EQ(tgt_->Value("SELECT count(*) FROM pg_database WHERE datname = '" + scratch_db +
                        "_hkcut'"),
            "0");
  EXPECT_TRUE(rx.Events().empty()) << "a rehearsal sends no webhook";
  // The record: every stage but backup and window measured, the window too.
  auto rec = pipeline::LoadMigrateRecord(work_, pipeline::kRehearsalRecord);
  ASSERT_TRUE(rec.ok());
  for (const char* s : {"check", "clone", "verify", "cutover"})
    EXPECT_EQ(rec->stages[s].state, "done") << s << ": " << rec->ToJson().dump();
  EXPECT_EQ(rec->stages["backup"].state, "skipped");
  const auto& cut = rec->stages["cutover"].detail;
  EXPECT_GE(cut.value("window_ms", int64_t{-1}), 0) << cut.dump();
  EXPECT_GT(cut.value("rollback_ms", int64_t{0}), 0) << cut.dump();
  EXPECT_FALSE(fs::exists(work_ + "/migrate.json")) << "the real run's record is untouched";
  // plan, status and the report use the measurements.
  r = RunHikkoshi({"--config", cfg, "plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(rehearsal)"), std::string::npos) << r.out;
  r = RunHikkoshi({"--config", cfg, "status", "--json", "--no-live"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto st = nlohmann::json::parse(r.out);
  ASSERT_TRUE(st["stages"]["migrate"].is_object()) << r.out;
  EXPECT_EQ(st["stages"]["migrate"]["rehearsal"][StageIndexOf("cutover")]["state"], "done");
  r = RunHikkoshi({"--config", cfg, "report", "--out", dir_ + "/report.md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Slurp(dir_ + "/report.md").find("## Runbook"), std::string::npos);
  // Again into the scratch that now holds the copy: refused, nothing made.
  r = RunHikkoshi({"--config", cfg, "migrate", "--rehearse", "--scratch", tgt_->Uri(scratch_db)});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots WHERE " + mine), "0");
  w.Stop();
}

}  // namespace
}  // namespace hk::test
