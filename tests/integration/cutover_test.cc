// hikkoshi cutover / rollback end to end, with real parts: two PostgreSQL
// clusters, `hikkoshi follow` in the background, and a demo web app
// (tests/fixtures/demoapp) under a private supervisord, writing continuously
// and restarted by the cutover's hooks exactly as the plan does
// (`supervisorctl restart ...`). The app logs every write attempt, so the
// write-unavailability window is measured from outside hikkoshi.
//
// Budget: about 2 minutes on 2 cores (98 s measured: 6 tests).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cdc/follow_state.h"
#include "cdc/setup.h"
#include "cutover/env_file.h"
#include "cutover/health.h"
#include "cutover/journal.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* kSchema = R"SQL(
CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
CREATE TABLE app_writes (id bigserial PRIMARY KEY, token uuid UNIQUE NOT NULL, via int,
  at timestamptz NOT NULL DEFAULT now());
CREATE TABLE audit_log (msg text, at timestamptz DEFAULT now());
INSERT INTO products (name, price) SELECT 'product ' || g, g * 1.25 FROM generate_series(1, 50) g;
INSERT INTO audit_log (msg) SELECT 'seed ' || g FROM generate_series(1, 20) g;
GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app;
)SQL";

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(s);
  return port;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct WriteRecord {
  int64_t t = 0;
  bool ok = false;
  int port = 0;
  std::string token, error;
};

std::vector<WriteRecord> ReadWrites(const std::string& path) {
  std::vector<WriteRecord> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    WriteRecord w;
    w.t = j.value("t", int64_t{0});
    w.ok = j.value("ok", false);
    w.port = j.contains("port") && j["port"].is_number() ? j["port"].get<int>() : 0;
    w.token = j.value("token", "");
    w.error = j.value("error", "");
    out.push_back(w);
  }
  return out;
}

/// The longest time between two successful writes among records after `since_ms`.
int64_t LongestGapMs(const std::vector<WriteRecord>& w, int64_t since_ms) {
  int64_t last = -1, gap = 0;
  for (const auto& r : w) {
    if (r.t < since_ms || !r.ok) continue;
    if (last >= 0) gap = std::max(gap, r.t - last);
    last = r.t;
  }
  return gap;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class CutoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<Cluster>("csrc");
    tgt_ = std::make_unique<Cluster>("ctgt");
    dir_ = fs::temp_directory_path() / ("hk-cutover-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    work_ = dir_ + "/work";
    for (auto* c : {src_.get(), tgt_.get()}) {
      c->Sql("CREATE ROLE app LOGIN PASSWORD 'app-pw'");
      c->CreateDatabase("shop");
    }
    src_->Sql(kSchema, "shop");
    auto r = RunShell("pg_dump --schema-only " + ShellQuote(src_->Uri("shop")) +
                      " | psql -X -q -v ON_ERROR_STOP=1 " + ShellQuote(tgt_->Uri("shop")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Slot + snapshot, the copy at that snapshot, then follow in the background.
    cdc::FollowSetupOptions o;
    o.source = pg::ConnInfo::Parse(src_->Uri("shop")).value();
    o.workdir = work_;
    o.replica_identity_full = true;
    auto s = cdc::StartFollowSetup(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    r = RunShell("pg_dump --data-only --snapshot=" + s->snapshot.snapshot_name() + " " +
                 ShellQuote(src_->Uri("shop")) + " | psql -X -q -v ON_ERROR_STOP=1 " +
                 ShellQuote(tgt_->Uri("shop")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    s->snapshot.Release();
    StartFollow();

    // The app, under its own supervisord.
    app_port_ = FreePort();
    env_ = dir_ + "/app.env";
    writes_ = dir_ + "/writes.jsonl";
    src_app_url_ = "postgresql://app:app-pw@127.0.0.1:" + std::to_string(src_->port()) + "/shop";
    tgt_app_url_ = "postgresql://app:app-pw@127.0.0.1:" + std::to_string(tgt_->port()) + "/shop";
    std::ofstream(env_) << "# demo app\nSECRET_KEY=x\nDATABASE_URL=" << src_app_url_ << "\n";
    sv_conf_ = dir_ + "/supervisord.conf";
    std::ofstream(sv_conf_)
        << "[unix_http_server]\nfile=" << dir_ << "/supervisor.sock\n\n"
        << "[supervisord]\nlogfile=" << dir_ << "/supervisord.log\npidfile=" << dir_
        << "/supervisord.pid\nchildlogdir=" << dir_ << "\n\n"
        << "[rpcinterface:supervisor]\n"
           "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
        << "[supervisorctl]\nserverurl=unix://" << dir_ << "/supervisor.sock\n\n"
        << "[program:demoapp]\ncommand=/usr/bin/python3 " << SourceDir()
        << "/tests/fixtures/demoapp/demoapp.py --env-file " << env_ << " --port " << app_port_
        << " --writes-log " << writes_ << "\nautorestart=true\nstartsecs=0\nstopwaitsecs=5\n"
        << "stopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n";
    r = RunShell("supervisord -c " + ShellQuote(sv_conf_));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    ASSERT_TRUE(WaitHealthy(20s)) << Slurp(dir_ + "/supervisord.log");
    ASSERT_TRUE(WaitFollowCaughtUp(30s)) << Slurp(work_ + "/follow.log");
  }

  void TearDown() override {
    RunShell("supervisorctl -c " + ShellQuote(sv_conf_) + " shutdown");
    if (!pgb_dir_.empty()) {
      // PgBouncer removes its pid file as it exits: wait for that before
      // removing the directory under it.
      std::string pidfile = ShellQuote(pgb_dir_ + "/pgbouncer.pid");
      RunShell("p=$(cat " + pidfile +
               " 2>/dev/null) && kill $p && for i in $(seq 50); do "
               "kill -0 $p 2>/dev/null || break; sleep 0.1; done");
    }
    for (const std::string& d : {work_, work_ + "/reverse"}) {
      auto st = cdc::LoadFollowState(d);
      if (st.ok() && st->pid > 0) {
        std::string cmd = Slurp("/proc/" + std::to_string(st->pid) + "/cmdline");
        if (cmd.find("follow") != std::string::npos) kill(st->pid, SIGKILL);
      }
    }
    if (!HasFailure()) {
      std::error_code ec;  // a file some child removes as it exits is not a failure
      fs::remove_all(dir_, ec);
      if (ec) fs::remove_all(dir_, ec);
    }
  }

  void StartFollow() {
    auto r = RunShell("HIKKOSHI_SOURCE=" + ShellQuote(src_->Uri("shop")) + " HIKKOSHI_TARGET=" +
                      ShellQuote(tgt_->Uri("shop")) + " setsid " + ShellQuote(HIKKOSHI_BINARY) +
                      " follow --status-interval 200 --dir " + ShellQuote(work_) + " >>" +
                      ShellQuote(work_ + "/follow.log") + " 2>&1 </dev/null &");
    ASSERT_EQ(r.exit_code, 0);
  }

  bool WaitHealthy(std::chrono::milliseconds within) {
    cutover::HttpCheck h;
    h.url = "http://127.0.0.1:" + std::to_string(app_port_) + "/health";
    h.budget_ms = 2000;
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      if (cutover::CheckHttp(h).ok) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  bool WaitFollowCaughtUp(std::chrono::milliseconds within) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      auto st = cdc::LoadFollowState(work_);
      if (st.ok() && (st->phase == "following" || st->phase == "caught-up") && st->lag_bytes >= 0 &&
          st->lag_bytes < 1024 * 1024 && st->updated_unix_ms > NowMs() - 3000)
        return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::string Toml(const std::string& extra_health = "") {
    std::string path = dir_ + "/hikkoshi" + std::to_string(toml_n_++) + ".toml";
    std::string app = "http://127.0.0.1:" + std::to_string(app_port_);
    std::ofstream(path)
        << "source = \"" << src_->Uri("shop") << "\"\ntarget = \"" << tgt_->Uri("shop")
        << "\"\nworkdir = \"" << work_ << "\"\n\n[cutover]\napp_roles = [\"app\"]\n"
        << "max_freeze = \"20s\"\nsequence_gap = 1000\n\n"
        << "[cutover.env_file]\npath = \"" << env_ << "\"\nvariable = \"DATABASE_URL\"\n"
        << "target_value = \"" << tgt_app_url_ << "\"\n\n"
        << "[[cutover.hooks]]\nname = \"restart demoapp\"\nrun = \"supervisorctl -c " << sv_conf_
        << " restart demoapp\"\ntimeout = \"30s\"\n\n"
        << "[cutover.health]\nwait = \"15s\"\nsql_budget_ms = 50\n\n"
        << "[[cutover.health.http]]\nurl = \"" << app << "/health\"\nbudget_ms = 200\n\n"
        << "[[cutover.health.http]]\nurl = \"" << app
        << "/api/v1/products?limit=10\"\nbudget_ms = 200\n"
        << extra_health;
    return path;
  }

  std::string EnvUrl() { return cutover::EnvValue(Slurp(env_), "DATABASE_URL").value_or(""); }
  std::string ReadOnlyDefault(Cluster& c) {
    return c.Value("SHOW default_transaction_read_only", "shop");
  }
  int64_t WritesVia(Cluster& c, int port) {
    return std::stoll(
        c.Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(port), "shop"));
  }

  // A private PgBouncer in front of the source (`pool_mode`), the app
  // switched to it; returns a config for freeze = "pgbouncer".
  std::string StartPgbouncer(const std::string& pool_mode, const std::string& max_freeze) {
    pgb_dir_ = dir_ + "/pgbouncer";
    fs::create_directories(pgb_dir_);
    pgb_port_ = FreePort();
    std::string ini = pgb_dir_ + "/databases.ini";
    auto entry = [](int port) {
      return "host=127.0.0.1 port=" + std::to_string(port) +
             " dbname=shop user=app password=app-pw";
    };
    std::ofstream(ini) << "[databases]\nshop = " << entry(src_->port()) << "\n";
    std::ofstream(pgb_dir_ + "/pgbouncer.ini")
        << "%include " << ini
        << "\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << pgb_port_
        << "\nunix_socket_dir = " << pgb_dir_ << "\nauth_type = trust\nauth_file = " << pgb_dir_
        << "/userlist.txt\nadmin_users = postgres\n"
        << "pool_mode = " << pool_mode << "\npidfile = " << pgb_dir_
        << "/pgbouncer.pid\nlogfile = " << pgb_dir_
        << "/pgbouncer.log\nignore_startup_parameters = extra_float_digits,options\n";
    std::ofstream(pgb_dir_ + "/userlist.txt") << "\"app\" \"app-pw\"\n\"postgres\" \"\"\n";
    auto r = RunShell("chown -R postgres " + ShellQuote(pgb_dir_) + " && chmod 0755 " +
                      ShellQuote(dir_) + " && pgbouncer -d -u postgres " +
                      ShellQuote(pgb_dir_ + "/pgbouncer.ini"));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // The app now goes through PgBouncer.
    std::ofstream(env_) << "DATABASE_URL=postgresql://app:app-pw@127.0.0.1:" << pgb_port_
                        << "/shop\n";
    r = RunShell("supervisorctl -c " + ShellQuote(sv_conf_) + " restart demoapp");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(WaitHealthy(10s)) << Slurp(pgb_dir_ + "/pgbouncer.log");

    std::string toml = dir_ + "/pgb.toml";
    std::string app = "http://127.0.0.1:" + std::to_string(app_port_);
    std::ofstream(toml) << "source = \"" << src_->Uri("shop") << "\"\ntarget = \""
                        << tgt_->Uri("shop") << "\"\nworkdir = \"" << work_
                        << "\"\n\n[cutover]\nfreeze = \"pgbouncer\"\n"
                        << "app_roles = [\"app\"]\nmax_freeze = \"" << max_freeze
                        << "\"\nsequence_gap = 1000\n\n"
                        << "[cutover.pgbouncer]\nadmin_url = \"postgresql://postgres@127.0.0.1:"
                        << pgb_port_ << "/pgbouncer\"\ndatabase = \"shop\"\nini_path = \"" << ini
                        << "\"\ntarget_entry = \"" << entry(tgt_->port())
                        << "\"\n\n[cutover.health]\nwait = \"10s\"\n\n"
                        << "[[cutover.health.http]]\nurl = \"" << app
                        << "/api/v1/products?limit=10\"\n";
    return toml;
  }

  // A shell loop in its own process group (killed by StopLoop).
  int StartLoop(const std::string& name, const std::string& script) {
    std::string path = dir_ + "/" + name + ".sh";
    std::ofstream(path) << script;
    auto r = RunShell("setsid bash " + ShellQuote(path) + " >" +
                      ShellQuote(dir_ + "/" + name + ".log") + " 2>&1 </dev/null & echo $!");
    return std::atoi(r.out.c_str());
  }
  void StopLoop(int pid) {
    if (pid > 0) kill(-pid, SIGTERM);
    std::this_thread::sleep_for(300ms);
  }
  std::string RoleLogin(Cluster& c, const std::string& role) {
    return c.Value(
        "SELECT rolcanlogin::text || ' ' || rolconnlimit FROM pg_roles WHERE rolname = '" + role +
        "'");
  }

  std::unique_ptr<Cluster> src_, tgt_;
  std::string pgb_dir_;
  int pgb_port_ = 0;
  std::string dir_, work_, env_, writes_, sv_conf_, src_app_url_, tgt_app_url_;
  int app_port_ = 0;
  int toml_n_ = 0;
};

TEST_F(CutoverTest, CutoverRollbackAndAutomaticRollback) {
  std::string toml = Toml();
  std::this_thread::sleep_for(500ms);
  ASSERT_GT(WritesVia(*src_, src_->port()), 0) << "the app writes to the source";

  // --dry-run touches nothing.
  auto dry = RunHikkoshi({"cutover", "--config", toml, "--dry-run", "--skip-backup-check"});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("plan:"), std::string::npos) << dry.out;
  EXPECT_EQ(dry.out.find("app-pw"), std::string::npos) << "no password in output";
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_EQ(EnvUrl(), src_app_url_);
  EXPECT_FALSE(fs::exists(work_ + "/cutover.json"));
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'hikkoshi'", "shop"),
            "0");

  // Without a backup check configured (and no --skip-backup-check) it is blocked.
  auto blocked = RunHikkoshi({"cutover", "--config", toml, "--yes"});
  EXPECT_EQ(blocked.exit_code, 2) << blocked.out << blocked.err;
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");

  // Cutover.
  int64_t t_cut = NowMs();
  auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  ASSERT_EQ(cut.exit_code, 0) << cut.out << cut.err << Slurp(work_ + "/reverse/follow.log");
  EXPECT_NE(cut.out.find("write-unavailability window"), std::string::npos) << cut.out;
  // Off a terminal the drain draws no view: no escape sequence anywhere.
  EXPECT_EQ(cut.err.find("\x1b["), std::string::npos) << cut.err;
  EXPECT_EQ(cut.out.find("\x1b["), std::string::npos) << cut.out;
  EXPECT_EQ(cut.out.find("app-pw"), std::string::npos);
  EXPECT_EQ(cut.err.find("app-pw"), std::string::npos);
  std::cout << cut.out;
  EXPECT_EQ(EnvUrl(), tgt_app_url_);
  EXPECT_EQ(ReadOnlyDefault(*src_), "on") << "the source stays frozen";
  EXPECT_TRUE(WaitHealthy(5s));
  int64_t before = WritesVia(*tgt_, tgt_->port());
  std::this_thread::sleep_for(1s);
  EXPECT_GT(WritesVia(*tgt_, tgt_->port()), before) << "writes flow to the target";
  int64_t gap_cut = LongestGapMs(ReadWrites(writes_), t_cut);
  std::cout << "measured from the app: longest gap between successful writes at cutover: "
            << gap_cut << " ms\n";
  RecordProperty("cutover_write_gap_ms", std::to_string(gap_cut));
  EXPECT_LT(gap_cut, 15000);
  EXPECT_FALSE(Slurp(work_ + "/journal.jsonl").empty());

  // Rerunning cutover is a no-op.
  auto again = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("already cut over"), std::string::npos);

  // Rollback: every write made on the target reaches the source.
  int64_t t_rb = NowMs();
  auto rb = RunHikkoshi({"rollback", "--config", toml});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err << Slurp(work_ + "/reverse/follow.log");
  std::cout << rb.out;
  EXPECT_EQ(EnvUrl(), src_app_url_);
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_EQ(ReadOnlyDefault(*tgt_), "on") << "the target is frozen: never two writable databases";
  EXPECT_TRUE(WaitHealthy(5s));
  std::this_thread::sleep_for(1s);
  {
    auto w = ReadWrites(writes_);
    std::set<std::string> on_target;
    for (const auto& r : w)
      if (r.ok && r.port == tgt_->port()) on_target.insert(r.token);
    ASSERT_GT(on_target.size(), 0u);
    auto c = src_->Connect("shop");
    auto q =
        c.Exec("SELECT token::text FROM app_writes WHERE via = $1", {std::to_string(tgt_->port())});
    ASSERT_TRUE(q.ok());
    std::set<std::string> on_source;
    for (int i = 0; i < q->rows(); ++i) on_source.insert(q->Str(i, 0));
    for (const auto& t : on_target)
      EXPECT_TRUE(on_source.count(t)) << "write " << t << " made on the target is lost";
    EXPECT_EQ(on_source.size(), on_target.size());
    int64_t gap_rb = LongestGapMs(w, t_rb);
    std::cout << "measured from the app: longest gap between successful writes at rollback: "
              << gap_rb << " ms\n";
    RecordProperty("rollback_write_gap_ms", std::to_string(gap_rb));
  }
  int64_t src_before = WritesVia(*src_, src_->port());
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(WritesVia(*src_, src_->port()), src_before) << "writes flow to the source again";

  // A failing health check rolls back automatically; the source stays writable.
  ASSERT_TRUE(WaitFollowCaughtUp(30s)) << Slurp(work_ + "/follow.log");
  // The SQL probe fails on the target only (division by zero there), as a
  // broken new server would.
  std::string bad = Toml();
  {
    std::string text = Slurp(bad);
    auto pos = text.find("sql_budget_ms = 50");
    text.replace(pos, 18,
                 "sql_budget_ms = 50\nsql = \"SELECT 1 / (inet_server_port() - " +
                     std::to_string(tgt_->port()) + ")\"");
    std::ofstream(bad) << text;
  }
  auto fail = RunHikkoshi({"cutover", "--config", bad, "--yes", "--skip-backup-check"});
  EXPECT_EQ(fail.exit_code, 2) << fail.out << fail.err;
  EXPECT_NE(fail.err.find("rolled back automatically"), std::string::npos) << fail.err;
  std::cout << fail.out;
  EXPECT_EQ(EnvUrl(), src_app_url_);
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_TRUE(WaitHealthy(5s));
  src_before = WritesVia(*src_, src_->port());
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(WritesVia(*src_, src_->port()), src_before)
      << "writes flow to the source after the automatic rollback";
  // Every write made on the target during the failed attempt is on the source too.
  EXPECT_EQ(src_->Value("SELECT count(*) FROM app_writes", "shop") >=
                tgt_->Value("SELECT count(*) FROM app_writes", "shop"),
            true);
  auto missing = tgt_->Value(
      "SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()), "shop");
  EXPECT_EQ(
      src_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                  "shop"),
      missing);
}

// kill -9 of cutover right after each step, then `rollback` (or a rerun of
// `cutover`, which rolls the interrupted one back first): the application
// ends on the source, writable, with every write it made on the target, and
// the two databases are never both writable by the application.
TEST_F(CutoverTest, KilledAtEveryStepConverges) {
  std::string toml = Toml();
  const std::vector<std::string> steps = {"freeze-source",         "stop-follow",
                                          "reverse-replication",   "switch-env",
                                          "hook: restart demoapp", "health"};
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("killed after " + steps[i]);
    ASSERT_TRUE(WaitFollowCaughtUp(30s)) << Slurp(work_ + "/follow.log");
    auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"},
                           {{"HIKKOSHI_TEST_CRASH_AFTER", steps[i]}});
    ASSERT_EQ(cut.exit_code, 128 + SIGKILL) << cut.out << cut.err;
    // Never two writable databases: if the app may be on the target, the
    // source is frozen.
    EXPECT_EQ(ReadOnlyDefault(*src_), "on");
    // Half the time a rerun of cutover (which rolls back first), else rollback.
    auto again = i % 2 == 0
                     ? RunHikkoshi({"rollback", "--config", toml})
                     : RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
    EXPECT_EQ(again.exit_code, i % 2 == 0 ? 0 : 2) << again.out << again.err;
    EXPECT_EQ(EnvUrl(), src_app_url_);
    EXPECT_EQ(ReadOnlyDefault(*src_), "off");
    ASSERT_TRUE(WaitHealthy(10s));
    int64_t before = WritesVia(*src_, src_->port());
    std::this_thread::sleep_for(400ms);
    EXPECT_GT(WritesVia(*src_, src_->port()), before) << "writes flow to the source";
    // Every write made on the target is on the source.
    EXPECT_EQ(
        src_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                    "shop"),
        tgt_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                    "shop"));
    // The app role's logins, blocked by the freeze, are back (#10.6).
    EXPECT_EQ(RoleLogin(*src_, "app"), "true -1");
    // A second rollback has nothing left to do but check health.
    auto idem = RunHikkoshi({"rollback", "--config", toml});
    EXPECT_EQ(idem.exit_code, 0) << idem.out << idem.err;
    EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  }
  // And after all that, a clean cutover still works.
  ASSERT_TRUE(WaitFollowCaughtUp(30s));
  auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  EXPECT_EQ(cut.exit_code, 0) << cut.out << cut.err;
  EXPECT_EQ(EnvUrl(), tgt_app_url_);
}

// freeze = "pgbouncer": the app reaches the source through a private
// PgBouncer (transaction pooling). PAUSE makes its writes wait instead of
// fail; the entry is pointed at the target, RELOAD, RESUME. No app restart,
// no failed write, in both directions.
TEST_F(CutoverTest, PgbouncerModePausesInsteadOfFailing) {
  std::string toml = StartPgbouncer("transaction", "20s");
  ASSERT_FALSE(HasFailure());
  std::this_thread::sleep_for(500ms);

  int64_t t_cut = NowMs();
  auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  ASSERT_EQ(cut.exit_code, 0) << cut.out << cut.err << Slurp(pgb_dir_ + "/pgbouncer.log");
  std::cout << cut.out;
  int64_t before = WritesVia(*tgt_, tgt_->port());
  std::this_thread::sleep_for(1s);
  EXPECT_GT(WritesVia(*tgt_, tgt_->port()), before)
      << "writes flow to the target through PgBouncer";
  EXPECT_EQ(ReadOnlyDefault(*src_), "on");

  int64_t t_rb = NowMs();
  auto rb = RunHikkoshi({"rollback", "--config", toml});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  std::cout << rb.out;
  std::this_thread::sleep_for(1s);
  auto w = ReadWrites(writes_);
  int failed = 0;
  for (const auto& x : w)
    if (x.t >= t_cut && !x.ok) ++failed;
  int64_t gap_cut = LongestGapMs(w, t_cut), gap_rb = LongestGapMs(w, t_rb);
  std::cout << "pgbouncer mode, measured from the app: " << failed << " failed writes; longest gap "
            << gap_cut << " ms (cutover and rollback), " << gap_rb << " ms (rollback)\n";
  RecordProperty("pgbouncer_failed_writes", std::to_string(failed));
  RecordProperty("pgbouncer_write_gap_ms", std::to_string(gap_cut));
  EXPECT_EQ(failed, 0) << "clients see a pause, not an error";
  EXPECT_EQ(
      src_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                  "shop"),
      tgt_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                  "shop"));
  EXPECT_NE(
      tgt_->Value("SELECT count(*) FROM app_writes WHERE via = " + std::to_string(tgt_->port()),
                  "shop"),
      "0");
  int64_t src_before = WritesVia(*src_, src_->port());
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(WritesVia(*src_, src_->port()), src_before) << "writes flow to the source again";
}

// #10.6: `ALTER ROLE app SET default_transaction_read_only = off` makes the
// app's new sessions writable despite the read-only default. The freeze
// blocks the app roles' logins (restored afterwards), so nothing the app
// writes lands on the source after the marker; a role outside app_roles with
// such a setting is refused by the preconditions. Also #10.23 (the window
// starts before the freeze step) and #10.12 (sequences: missing on the
// target, restarted but not called, never lowered).
TEST_F(CutoverTest, FreezeHoldsAgainstARoleSettingOverride) {
  src_->Sql("ALTER ROLE app SET default_transaction_read_only = off");
  src_->Sql("ALTER ROLE app CONNECTION LIMIT 40");
  std::string toml = Toml();

  // Another login role whose setting overrides the freeze: refused.
  src_->Sql(
      "CREATE ROLE batch LOGIN PASSWORD 'b'; ALTER ROLE batch IN DATABASE shop SET "
      "default_transaction_read_only = off");
  auto refused = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("FAIL] freeze holds on the source"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("batch"), std::string::npos) << refused.out;
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_EQ(RoleLogin(*src_, "app"), "true 40");
  src_->Sql("DROP ROLE batch");

  // No free replication slot on the target for reverse replication: refused
  // before the freeze, not failing inside it.
  tgt_->Sql(
      "SELECT pg_create_physical_replication_slot('fill' || g) FROM generate_series(1, "
      "current_setting('max_replication_slots')::int - (SELECT count(*)::int FROM "
      "pg_replication_slots)) g");
  refused = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("FAIL] free replication slot on the target"), std::string::npos)
      << refused.out;
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  tgt_->Sql(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE "
      "'fill%'");

  // Sequences (#10.12): one only on the source, one restarted but not called,
  // one already ahead on the target.
  src_->Sql(
      "CREATE SEQUENCE only_on_source; SELECT nextval('only_on_source'); "
      "ALTER SEQUENCE products_id_seq RESTART WITH 5000",
      "shop");
  tgt_->Sql("SELECT setval('app_writes_id_seq', 1000000000)", "shop");
  ASSERT_TRUE(WaitFollowCaughtUp(30s));

  auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  ASSERT_EQ(cut.exit_code, 0) << cut.out << cut.err << Slurp(work_ + "/reverse/follow.log");
  std::cout << cut.out;
  // The app's role cannot log in to the frozen source; nothing it wrote
  // there is missing on the target.
  EXPECT_EQ(RoleLogin(*src_, "app"), "false 40");
  std::this_thread::sleep_for(1s);
  std::string via_src =
      "SELECT count(*) FROM app_writes WHERE via = " + std::to_string(src_->port());
  EXPECT_EQ(src_->Value(via_src, "shop"), tgt_->Value(via_src, "shop"))
      << "app writes committed on the source after the marker were lost";
  // Sequences.
  EXPECT_EQ(tgt_->Value("SELECT last_value || ' ' || is_called FROM products_id_seq", "shop"),
            "5000 false");
  EXPECT_GE(std::stoll(tgt_->Value("SELECT last_value FROM app_writes_id_seq", "shop")),
            1000000000LL)
      << "a target sequence was moved backwards";
  EXPECT_NE(Slurp(work_ + "/journal.jsonl").find("only_on_source"), std::string::npos);
  // #10.23: the window starts where clients stop being served: before the
  // freeze step, in readonly mode too.
  {
    int64_t frozen = -1, freeze_start = -1;
    std::string run;
    auto journal = cutover::ReadJournal(work_);
    for (const auto& e : journal)
      if (e.step == "freeze-source") {
        freeze_start = e.start_ms;
        run = e.run;
      }
    for (const auto& e : journal)
      if (e.run == run && e.step == "writes-frozen") frozen = e.start_ms;
    ASSERT_GE(frozen, 0);
    EXPECT_LE(frozen, freeze_start) << "writes-frozen is marked after the freeze step began";
  }

  // A superuser writes on the frozen source anyway. Rollback must not advance
  // the forward slot past that write (the target would never get it): follow
  // is left stopped, and the journal names the transaction.
  src_->Sql(
      "BEGIN READ WRITE; "
      "INSERT INTO audit_log (msg) VALUES ('written on the frozen source'); COMMIT",
      "shop");
  auto rb = RunHikkoshi({"rollback", "--config", toml});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  std::cout << rb.out;
  EXPECT_NE(rb.out.find("not on the target"), std::string::npos) << rb.out;
  EXPECT_NE(rb.out.find("public.audit_log"), std::string::npos) << rb.out;
  EXPECT_EQ(RoleLogin(*src_, "app"), "true 40") << "logins restored as they were";
  EXPECT_EQ(RoleLogin(*tgt_, "app"), "false -1") << "the frozen target refuses the app";
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = "
                        "s.setrole WHERE r.rolname = 'app'"),
            "1")
      << "the role's own settings are left alone";
  int64_t before = WritesVia(*src_, src_->port());
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(WritesVia(*src_, src_->port()), before) << "writes flow to the source again";
}

// #10.6, the proof: a role outside app_roles (so its logins are not blocked)
// writes through PGOPTIONS despite the freeze. The forward stream shows its
// commits after the marker: cutover rolls back, names the transaction, and
// nothing is lost (the forward follower carries those writes afterwards).
// Also #10.12: a large object written while following refuses the cutover.
TEST_F(CutoverTest, ForwardStreamCatchesAWriteThatBypassedTheFreeze) {
  std::string toml = Toml();
  // A large object written while following: not carried, not counted.
  std::string oid = src_->Value("SELECT lo_from_bytea(0, 'written while following')", "shop");
  ASSERT_TRUE(WaitFollowCaughtUp(30s));
  auto lo = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  EXPECT_EQ(lo.exit_code, 2) << lo.out << lo.err;
  EXPECT_NE(lo.err.find("large object"), std::string::npos) << lo.err;
  EXPECT_NE(lo.err.find("OID " + oid), std::string::npos) << lo.err;
  EXPECT_EQ(EnvUrl(), src_app_url_);
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  tgt_->Sql("SELECT lo_from_bytea(" + oid + ", 'written while following')", "shop");

  src_->Sql("CREATE ROLE other LOGIN PASSWORD 'other-pw'");
  src_->Sql("GRANT ALL ON ALL TABLES IN SCHEMA public TO other", "shop");
  std::string other =
      "postgresql://other:other-pw@127.0.0.1:" + std::to_string(src_->port()) + "/shop";
  int loop = StartLoop("bypass",
                       "while true; do PGOPTIONS='-c default_transaction_read_only=off' "
                       "psql -X -q " +
                           ShellQuote(other) +
                           " -c \"INSERT INTO audit_log (msg) VALUES ('bypass')\"; "
                           "sleep 0.05; done\n");
  ASSERT_GT(loop, 0);
  ASSERT_TRUE(WaitFollowCaughtUp(30s));
  auto cut = RunHikkoshi({"cutover", "--config", toml, "--yes", "--skip-backup-check"});
  StopLoop(loop);
  std::cout << cut.out;
  EXPECT_EQ(cut.exit_code, 2) << cut.out << cut.err;
  EXPECT_NE(cut.err.find("the freeze was bypassed"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("public.audit_log"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("xid "), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("rolled back automatically"), std::string::npos) << cut.err;
  EXPECT_EQ(EnvUrl(), src_app_url_);
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_EQ(RoleLogin(*src_, "app"), "true -1");
  // Nothing lost: every bypassing write reaches the target once follow runs again.
  std::string q = "SELECT count(*) FROM audit_log WHERE msg = 'bypass'";
  std::string want = src_->Value(q, "shop");
  EXPECT_NE(want, "0");
  std::string got;
  for (int i = 0; i < 100 && (got = tgt_->Value(q, "shop")) != want; ++i)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got, want) << "writes committed on the source after the marker were lost";
}

// #10.22: in pgbouncer mode, a PAUSE that cannot complete (a client holds a
// transaction open longer than max_freeze) is RESUMEd and the cutover rolls
// back (exit 2) instead of waiting forever for PgBouncer's answer.
TEST_F(CutoverTest, PgbouncerPauseThatCannotCompleteRollsBack) {
  std::string toml = StartPgbouncer("transaction", "3s");
  ASSERT_FALSE(HasFailure());
  std::string via = "postgresql://app:app-pw@127.0.0.1:" + std::to_string(pgb_port_) + "/shop";
  int holder = StartLoop(
      "holder", "psql -X -q " + ShellQuote(via) + " -c 'BEGIN; SELECT pg_sleep(25); COMMIT;'\n");
  ASSERT_GT(holder, 0);
  std::this_thread::sleep_for(1s);
  auto t0 = std::chrono::steady_clock::now();
  auto cut = RunShell("timeout 60 " + ShellQuote(HIKKOSHI_BINARY) + " cutover --config " +
                      ShellQuote(toml) + " --yes --skip-backup-check");
  auto took = std::chrono::steady_clock::now() - t0;
  StopLoop(holder);
  EXPECT_EQ(cut.exit_code, 2) << cut.out << cut.err << Slurp(pgb_dir_ + "/pgbouncer.log");
  EXPECT_LT(took, 20s) << "cutover waited for the answer to a cancelled PAUSE";
  EXPECT_NE(cut.err.find("could not pause"), std::string::npos) << cut.err;
  auto st = nlohmann::json::parse(Slurp(work_ + "/cutover.json"));
  EXPECT_EQ(st["phase"], "rolled-back");
  EXPECT_EQ(ReadOnlyDefault(*src_), "off");
  EXPECT_TRUE(WaitHealthy(10s));
  int64_t before = WritesVia(*src_, src_->port());
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(WritesVia(*src_, src_->port()), before) << "PgBouncer was resumed";
}

}  // namespace
}  // namespace hk::test
