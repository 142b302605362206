// status, report and serve against a real migration: two PostgreSQL
// clusters, `clone --follow` running in the background, check and verify
// leaving their records, `serve` fetched with curl and rendered by headless
// Chromium (the numbers on the page must be those of `status --json`), then
// a real cutover that writes report.html, and `report` in all three formats
// (every journal step and the success-metric table must be there).
// Screenshots of the page and the report are kept under
// BUILD/test-artifacts/.
//
// Budget: about 40 s on 2 cores.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "cdc/follow_state.h"
#include "common/exit_codes.h"
#include "cutover/journal.h"
#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

const char* kSchema = R"SQL(
CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
CREATE TABLE app_writes (id bigserial PRIMARY KEY, token uuid UNIQUE NOT NULL, via int,
  at timestamptz NOT NULL DEFAULT now());
CREATE INDEX app_writes_at ON app_writes (at);
INSERT INTO products (name, price) SELECT 'product ' || g, g * 1.25 FROM generate_series(1, 3000) g;
GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app;
)SQL";

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string ArtifactDir() {
  std::string d = fs::path(HIKKOSHI_BINARY).parent_path() / "test-artifacts";
  fs::create_directories(d);
  return d;
}

bool HaveChromium() { return RunShell("command -v chromium").exit_code == 0; }

std::string Chromium(const std::string& args) {
  return RunShell(
             "timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
             "--no-first-run --no-proxy-server --user-data-dir=$(mktemp -d) " +
             args + " 2>/dev/null")
      .out;
}

/// The value of attribute `attr` on the element with id `id`.
std::string Attr(const std::string& dom, const std::string& id, const std::string& attr) {
  std::smatch m;
  std::regex re("<[^>]*id=\"" + id + "\"[^>]*>");
  if (!std::regex_search(dom, m, re)) return "<no #" + id + ">";
  std::smatch a;
  std::string tag = m.str();
  if (!std::regex_search(tag, a, std::regex(attr + "=\"([^\"]*)\""))) return "<no " + attr + ">";
  return a[1];
}
/// The text right inside the element with id `id`.
std::string Text(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex("id=\"" + id + "\"[^>]*>([^<]*)<")))
    return "<no #" + id + ">";
  return m[1];
}

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<Cluster>("stsrc");
    tgt_ = std::make_unique<Cluster>("sttgt");
    dir_ = fs::temp_directory_path() / ("hk-status-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    work_ = dir_ + "/work";
    for (auto* c : {src_.get(), tgt_.get()}) {
      c->Sql("CREATE ROLE app LOGIN PASSWORD 'app-pw'");
      c->CreateDatabase("shop");
    }
    src_->Sql(kSchema, "shop");
  }
  void TearDown() override {
    int app = std::atoi(Slurp(dir_ + "/app.pid").c_str());
    if (app > 0) kill(app, SIGTERM);
    serve_.reset();
    clone_.reset();
    for (const std::string& d : {work_, work_ + "/reverse"}) {  // cutover starts a reverse one
      auto st = cdc::LoadFollowState(d);
      if (st.ok() && st->pid > 0) {
        std::string cmd = Slurp("/proc/" + std::to_string(st->pid) + "/cmdline");
        if (cmd.find("follow") != std::string::npos) kill(st->pid, SIGKILL);
      }
    }
    if (!HasFailure()) fs::remove_all(dir_);
  }

  json StatusJson(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> a = {"status", "--dir", work_, "--json"};
    a.insert(a.end(), extra.begin(), extra.end());
    auto r = RunHikkoshi(a);
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }

  bool WaitFollowing(std::chrono::milliseconds within) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      auto st = cdc::LoadFollowState(work_);
      if (st.ok() && st->copy == "done" && (st->phase == "following" || st->phase == "caught-up") &&
          st->lag_bytes >= 0 && st->lag_bytes < 65536)
        return true;
      if (clone_ && !clone_->Alive()) return false;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  /// Starts `serve` with extra args; returns its URL (empty when it did not
  /// print one within 10 s).
  std::string StartServe(const std::vector<std::string>& extra, const std::string& log) {
    std::vector<std::string> a = {"serve", "--dir", work_};
    a.insert(a.end(), extra.begin(), extra.end());
    serve_ = std::make_unique<BackgroundHikkoshi>(a, log);
    serve_->Start();
    for (int i = 0; i < 100; ++i) {
      std::smatch m;
      std::string out = Slurp(log);
      if (std::regex_search(out, m, std::regex("serving (http://[^ \n]+)"))) return m[1];
      if (!serve_->Alive()) break;
      std::this_thread::sleep_for(100ms);
    }
    return "";
  }

  std::unique_ptr<Cluster> src_, tgt_;
  std::unique_ptr<BackgroundHikkoshi> clone_, serve_;
  std::string dir_, work_;
};

TEST_F(StatusTest, StatusReportServeOnARealMigration) {
  std::string S = src_->Uri("shop"), T = tgt_->Uri("shop");
  auto chk = RunHikkoshi({"check", "--source", S, "--target", T, "--dir", work_});
  EXPECT_LE(chk.exit_code, 2) << chk.err;
  ASSERT_TRUE(fs::exists(work_ + "/check.json"));

  clone_ = std::make_unique<BackgroundHikkoshi>(
      std::vector<std::string>{"clone", "--follow", "--source", S, "--target", T, "--dir", work_,
                               "--jobs", "2"},
      dir_ + "/clone.log");
  clone_->Start();
  ASSERT_TRUE(WaitFollowing(60s)) << Slurp(dir_ + "/clone.log");
  src_->Sql(
      "INSERT INTO products (name, price) SELECT 'new ' || g, g FROM generate_series(1, 50) g",
      "shop");
  for (int i = 0; i < 200 && tgt_->Value("SELECT count(*) FROM products", "shop") != "3050"; ++i)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(WaitFollowing(20s));
  for (int i = 0; i < 50; ++i) {  // follow.json catches up with what was applied
    auto f = cdc::LoadFollowState(work_);
    if (f.ok() && f->rows_applied >= 50) break;
    std::this_thread::sleep_for(100ms);
  }
  auto v = RunHikkoshi(
      {"verify", "--source", S, "--target", T, "--dir", work_, "--sequences-informational"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;

  // status --json: every stage.
  json st = StatusJson({"--source", S, "--target", T});
  EXPECT_EQ(st["schema_version"], 2);
  EXPECT_EQ(st["stage"], "verify");
  const json& g = st["stages"];
  ASSERT_TRUE(g["check"].is_object()) << st.dump(2);
  EXPECT_TRUE(g["check"]["source"].is_object());
  ASSERT_TRUE(g["clone"].is_object());
  EXPECT_EQ(g["clone"]["state"], "done");
  EXPECT_EQ(g["clone"]["tables_total"], 2);
  EXPECT_EQ(g["clone"]["tables_done"], 2);
  EXPECT_EQ(g["clone"]["rows_copied"], 3000);
  EXPECT_GE(g["clone"]["indexes_built"].get<int>(), 3);  // two keys, one index, one unique
  for (const auto& t : g["clone"]["tables"]) {
    EXPECT_TRUE(t["started_at"].is_string()) << t.dump();
    EXPECT_TRUE(t["finished_at"].is_string()) << t.dump();
    EXPECT_EQ(t["progress"], 1.0);
    if (t["name"] == "public.products") {
      EXPECT_EQ(t["rows"], 3000);
    }
  }
  ASSERT_TRUE(g["follow"].is_object());
  EXPECT_TRUE(g["follow"]["phase"] == "following" || g["follow"]["phase"] == "caught-up")
      << g["follow"].dump();
  EXPECT_TRUE(g["follow"]["live"]) << g["follow"]["live_error"];
  EXPECT_GE(g["follow"]["live_retained_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(g["follow"]["danger"], "ok");
  EXPECT_GE(g["follow"]["rows_applied"].get<int64_t>(), 50);
  EXPECT_EQ(st["phase"], g["follow"]["phase"]) << "schema-1 fields stay at the top level";
  ASSERT_TRUE(g["verify"].is_object());
  EXPECT_EQ(g["verify"]["result"], "identical");
  EXPECT_EQ(g["verify"]["source_rows"], 3050);
  // verify's progress record, finished: the totals of its result.
  const json& vp = g["verify_progress"];
  ASSERT_TRUE(vp.is_object()) << st.dump(2);
  EXPECT_EQ(vp["state"], "done");
  EXPECT_EQ(vp["tables_total"], 2);
  EXPECT_EQ(vp["tables_done"], 2);
  EXPECT_EQ(vp["rows"],
            g["verify"]["source_rows"].get<int64_t>() + g["verify"]["target_rows"].get<int64_t>());
  EXPECT_EQ(vp["differences"], 0);
  EXPECT_TRUE(g["cutover"].is_null());
  auto text = RunHikkoshi({"status", "--dir", work_});
  EXPECT_NE(text.out.find("clone       done: tables 2/2, 3000 rows"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("verify      identical"), std::string::npos) << text.out;

  // serve on loopback: /api/status is status --json (files only on both sides).
  std::string url = StartServe({"--listen", "127.0.0.1:0"}, dir_ + "/serve.log");
  ASSERT_FALSE(url.empty()) << Slurp(dir_ + "/serve.log");
  auto fetch = [&](const std::string& path) {
    auto r = RunShell("curl -s --noproxy '*' --max-time 10 " + ShellQuote(url + path));
    return json::parse(r.out, nullptr, false);
  };
  json api = fetch("api/status");
  json cli = StatusJson({"--no-live"});
  ASSERT_FALSE(api.is_discarded());
  for (const char* k : {"stage", "slot", "workdir"}) EXPECT_EQ(api[k], cli[k]) << k;
  for (const char* k : {"check", "clone", "verify", "verify_progress", "backups", "cutover"})
    EXPECT_EQ(api["stages"][k], cli["stages"][k]) << k;
  EXPECT_EQ(RunShell("curl -s --noproxy '*' -o /dev/null -w '%{http_code}' " + ShellQuote(url)).out,
            "200");
  std::string page = RunShell("curl -s --noproxy '*' " + ShellQuote(url)).out;
  for (const char* external : {"src=", "href=", "https://", "@import", "url("})
    EXPECT_EQ(page.find(external), std::string::npos) << "the page loads nothing: " << external;

  if (HaveChromium()) {
    json before = fetch("api/status");
    std::string dom = Chromium("--virtual-time-budget=2500 --dump-dom " + ShellQuote(url));
    json after = fetch("api/status");
    ASSERT_NE(dom.find("id=\"live\""), std::string::npos) << dom.substr(0, 2000);
    EXPECT_EQ(Text(dom, "stage"), before["stage"].get<std::string>());
    const json& c = before["stages"]["clone"];
    EXPECT_EQ(Attr(dom, "clone-summary", "data-tables-done"),
              std::to_string(c["tables_done"].get<int>()));
    EXPECT_EQ(Attr(dom, "clone-summary", "data-rows"),
              std::to_string(c["rows_copied"].get<int64_t>()));
    for (const auto& t : c["tables"]) {
      std::regex row("data-table=\"" + t["name"].get<std::string>() +
                     "\" data-status=\"done\" data-rows=\"" +
                     std::to_string(t["rows"].get<int64_t>()) + "\"");
      EXPECT_TRUE(std::regex_search(dom, row)) << t.dump();
    }
    std::string lag = Attr(dom, "lag-bytes", "data-bytes");
    EXPECT_TRUE(lag == std::to_string(before["lag_bytes"].get<int64_t>()) ||
                lag == std::to_string(after["lag_bytes"].get<int64_t>()))
        << lag << " vs " << before["lag_bytes"] << "/" << after["lag_bytes"];
    EXPECT_EQ(Attr(dom, "verify-result", "data-differences"), "0");
    EXPECT_EQ(Text(dom, "verify-result"), "identical");
    const json& p = before["stages"]["verify_progress"];
    EXPECT_EQ(Attr(dom, "verify-progress", "data-state"), p["state"].get<std::string>());
    for (const char* k : {"tables_done", "tables_total", "rows", "differences"}) {
      std::string attr = std::string("data-") + k;
      std::replace(attr.begin(), attr.end(), '_', '-');
      EXPECT_EQ(Attr(dom, "verify-progress", attr), std::to_string(p[k].get<int64_t>())) << k;
    }
    int points = std::stoi(Attr(dom, "chart-lag-bytes", "data-points"));
    EXPECT_GE(points, 1) << "the lag chart has data";
    EXPECT_EQ(Text(dom, "conn"), "live") << "the script re-fetched the live fragment";
    Chromium("--virtual-time-budget=2500 --window-size=1100,1500 --screenshot=" +
             ShellQuote(ArtifactDir() + "/status-page.png") + " " + ShellQuote(url));
    EXPECT_TRUE(fs::exists(ArtifactDir() + "/status-page.png"));
  } else {
    GTEST_LOG_(WARNING) << "chromium is not installed: the rendered-DOM part is skipped";
  }
  serve_->Signal(SIGTERM);

  // Beyond loopback: refused without a token; with one, every request needs it.
  auto no_token = RunHikkoshi({"serve", "--dir", work_, "--listen", "0.0.0.0:0"});
  EXPECT_EQ(no_token.exit_code, kExitUsage) << no_token.err;
  EXPECT_NE(no_token.err.find("needs a token"), std::string::npos) << no_token.err;
  std::ofstream(dir_ + "/token") << "s3cret-token-42\n";
  url =
      StartServe({"--listen", "0.0.0.0:0", "--token-file", dir_ + "/token"}, dir_ + "/serve2.log");
  ASSERT_FALSE(url.empty()) << Slurp(dir_ + "/serve2.log");
  std::smatch pm;
  ASSERT_TRUE(std::regex_search(url, pm, std::regex(":([0-9]+)/"))) << url;
  std::string port = pm[1];
  std::string base = "http://127.0.0.1:" + port;
  auto code = [&](const std::string& args) {
    return RunShell("curl -s --noproxy '*' -o /dev/null -w '%{http_code}' " + args).out;
  };
  EXPECT_EQ(code(ShellQuote(base + "/api/status")), "401");
  EXPECT_EQ(code(ShellQuote(base + "/")), "401");
  EXPECT_EQ(code("-H 'Authorization: Bearer wrong' " + ShellQuote(base + "/api/status")), "401");
  EXPECT_EQ(code("-H 'Authorization: Bearer s3cret-token-42' " + ShellQuote(base + "/api/status")),
            "200");
  EXPECT_EQ(code(ShellQuote(base + "/?token=s3cret-token-42")), "200");
  serve_->Signal(SIGTERM);

  // A real cutover (app under no supervisor: an env file and a health URL).
  int app_port = 0;
  {
    auto r = RunShell(
        "/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
        "print(s.getsockname()[1])'");
    app_port = std::atoi(r.out.c_str());
  }
  std::string env = dir_ + "/app.env";
  std::ofstream(env) << "DATABASE_URL=postgresql://app:app-pw@127.0.0.1:" << src_->port()
                     << "/shop\n";
  // The app (re)started by a script: the cutover's hook runs it again so the
  // app re-reads the env file, as `supervisorctl restart` would.
  std::string restart = dir_ + "/restart-app.sh";
  std::ofstream(restart)
      << "p=$(cat " << dir_ << "/app.pid 2>/dev/null) && kill $p 2>/dev/null\n"
      << "for i in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done\n"
      << "setsid /usr/bin/python3 " << SourceDir()
      << "/tests/fixtures/demoapp/demoapp.py --env-file " << env << " --port " << app_port
      << " --writes-log " << dir_ << "/writes.jsonl >>" << dir_
      << "/app.log 2>&1 </dev/null &\necho $! > " << dir_ << "/app.pid\n";
  ASSERT_EQ(RunShell("bash " + ShellQuote(restart)).exit_code, 0);
  std::string app = "http://127.0.0.1:" + std::to_string(app_port);
  for (int i = 0; i < 100 && code(ShellQuote(app + "/health")) != "200"; ++i)
    std::this_thread::sleep_for(100ms);
  std::string toml = dir_ + "/hikkoshi.toml";
  std::ofstream(toml) << "source = \"" << S << "\"\ntarget = \"" << T << "\"\nworkdir = \"" << work_
                      << "\"\n\n[cutover]\napp_roles = [\"app\"]\nmax_freeze = \"20s\"\n"
                      << "sequence_gap = 1000\n\n[cutover.env_file]\npath = \"" << env
                      << "\"\nvariable = \"DATABASE_URL\"\ntarget_value = "
                         "\"postgresql://app:app-pw@127.0.0.1:"
                      << tgt_->port() << "/shop\"\n\n[[cutover.hooks]]\nname = \"restart app\"\n"
                      << "run = \"bash " << restart << "\"\ntimeout = \"20s\"\n\n"
                      << "[cutover.health]\nwait = \"10s\"\n\n"
                      << "[[cutover.health.http]]\nurl = \"" << app << "/health\"\n";
  ASSERT_TRUE(WaitFollowing(20s));
  // Under a pseudo-terminal: the drain's live view ends with its last line
  // and the cursor shown, before the timeline.
  auto cut = RunShell("script -qec " +
                      ShellQuote(ShellQuote(HIKKOSHI_BINARY) + " cutover --config " +
                                 ShellQuote(toml) + " --yes --skip-backup-check") +
                      " /dev/null");
  ASSERT_EQ(cut.exit_code, 0) << cut.out << cut.err << Slurp(dir_ + "/app.log");
  EXPECT_NE(cut.out.find("report: " + work_ + "/report.html"), std::string::npos) << cut.out;
  {
    size_t hide = cut.out.find("\x1b[?25l"), show = cut.out.rfind("\x1b[?25h");
    size_t arrived = cut.out.find("marker arrived after ");
    ASSERT_NE(hide, std::string::npos) << cut.out;
    ASSERT_NE(show, std::string::npos) << cut.out;
    EXPECT_LT(hide, show) << cut.out;
    EXPECT_TRUE(std::regex_search(cut.out, std::regex("drain +marker arrived after [0-9]+ ms  "
                                                      "writes frozen [0-9.]+ s of 20 s")))
        << cut.out;
    EXPECT_LT(arrived, cut.out.find("write-unavailability window")) << cut.out;
  }
  ASSERT_TRUE(fs::exists(work_ + "/report.html"));

  // report in three formats; every journal step and the metrics table.
  auto journal = cutover::ReadJournal(work_);
  ASSERT_FALSE(journal.empty());
  for (const char* ext : {"html", "md", "json"}) {
    std::string out = dir_ + "/report." + ext;
    auto rr = RunHikkoshi({"report", "--dir", work_, "--out", out});
    ASSERT_EQ(rr.exit_code, 0) << rr.err;
  }
  json rep = json::parse(Slurp(dir_ + "/report.json"));
  std::string html = Slurp(dir_ + "/report.html"), md = Slurp(dir_ + "/report.md");
  std::set<std::string> labels;
  for (const auto& b : rep["timeline"])
    labels.insert(b["section"].get<std::string>() + "/" + b["label"].get<std::string>());
  for (const auto& e : journal) {
    EXPECT_TRUE(labels.count(e.run + "/" + e.step)) << "timeline lacks " << e.run << " " << e.step;
    EXPECT_NE(html.find("data-step=\"" + e.step + "\""), std::string::npos) << e.step;
    EXPECT_NE(md.find("| " + e.run + " | " + e.step + " |"), std::string::npos) << e.step;
  }
  for (const char* t :
       {"copy public.products", "copy public.app_writes", "index products_pkey", "step copy"})
    EXPECT_TRUE(labels.count(std::string("clone/") + t)) << t;
  EXPECT_TRUE(labels.count("verify/verify (all)"));
  std::map<std::string, json> metrics;
  for (const auto& m : rep["metrics"]) metrics[m["id"]] = m;
  for (const char* id : {"tables_present", "row_counts", "indexes_sequences", "api_latency",
                         "db_latency", "writes", "downtime", "no_errors"})
    EXPECT_TRUE(metrics.count(id)) << id;
  EXPECT_EQ(metrics["tables_present"]["result"], "pass");
  EXPECT_EQ(metrics["row_counts"]["result"], "pass");
  EXPECT_EQ(metrics["no_errors"]["result"], "pass");
  EXPECT_NE(metrics["db_latency"]["result"], "not measured");
  EXPECT_NE(metrics["api_latency"]["result"], "not measured");
  // The window is the journal's: first writes-frozen to last writes-resumed.
  int64_t frozen = -1, resumed = -1;
  for (const auto& e : journal) {
    if (e.step == "writes-frozen" && frozen < 0) frozen = e.start_ms;
    if (e.step == "writes-resumed") resumed = e.start_ms;
  }
  ASSERT_GT(frozen, 0);
  EXPECT_EQ(rep["write_unavailable_ms"], resumed - frozen);
  EXPECT_EQ(metrics["downtime"]["measured"], fmt::format("{:.3f} s", (resumed - frozen) / 1000.0));
  EXPECT_NE(html.find("id=\"metrics\""), std::string::npos);
  EXPECT_NE(md.find("| criterion | target | measured | result | from |"), std::string::npos);
  for (const char* external : {"src=", "href=", "https://", "<script"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  json after_cut = StatusJson();
  EXPECT_EQ(after_cut["stage"], "cutover");
  EXPECT_EQ(after_cut["stages"]["cutover"]["phase"], "cut-over");
  EXPECT_EQ(after_cut["stages"]["cutover"]["write_unavailable_ms"], resumed - frozen);
  if (HaveChromium()) {
    std::string dom = Chromium("--dump-dom " + ShellQuote("file://" + dir_ + "/report.html"));
    EXPECT_EQ(Text(dom, "window"), fmt::format("{:.3f} s", (resumed - frozen) / 1000.0));
    EXPECT_NE(dom.find("id=\"timeline\""), std::string::npos);
    Chromium("--window-size=1100,2400 --screenshot=" + ShellQuote(ArtifactDir() + "/report.png") +
             " " + ShellQuote("file://" + dir_ + "/report.html"));
    EXPECT_TRUE(fs::exists(ArtifactDir() + "/report.png"));
  }
}

// The clone's live view on a terminal (under `script`, a pseudo-terminal):
// the cursor is hidden while the view is redrawn and shown again at the end,
// also after Ctrl-C; off a terminal, plain log lines without escapes.
TEST_F(StatusTest, CloneTerminalViewAndLineMode) {
  src_->Sql(
      "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS t"
      " FROM generate_series(1, 200000) g",
      "shop");
  auto clone_cmd = [&](const std::string& db, const std::string& dir) {
    tgt_->CreateDatabase(db);
    return ShellQuote(HIKKOSHI_BINARY) + " clone --jobs 2 --source " +
           ShellQuote(src_->Uri("shop")) + " --target " + ShellQuote(tgt_->Uri(db)) + " --dir " +
           ShellQuote(dir_ + "/" + dir);
  };
  auto tty = RunShell("script -qec " + ShellQuote(clone_cmd("tty1", "w1")) + " /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  size_t hide = tty.out.find("\x1b[?25l"), show = tty.out.rfind("\x1b[?25h");
  ASSERT_NE(hide, std::string::npos) << tty.out;
  ASSERT_NE(show, std::string::npos) << tty.out;
  EXPECT_LT(hide, show);
  EXPECT_NE(tty.out.find("tables 3/3  rows 203000"), std::string::npos) << tty.out;
  std::smatch m;
  if (std::regex_search(tty.out, m, std::regex("step copy: done, [^\\n]* in ([0-9.]+) s;")) &&
      std::stod(m[1]) >= 1.2) {  // slow enough for a redraw with a table in flight
    EXPECT_TRUE(
        std::regex_search(tty.out, std::regex("\"public\"\\.\"big\" +\\[#*\\.*\\] +[0-9]+%")))
        << tty.out;
    EXPECT_NE(tty.out.find("slowest table: "), std::string::npos) << tty.out;
  }
  auto plain = RunShell(clone_cmd("plain", "w2") + " 2>&1");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_EQ(plain.out.find("\x1b["), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("copied \"public\".\"big\""), std::string::npos) << plain.out;

  // --log-format json: no view even on a terminal, and every log line on
  // stderr is one JSON object (errors too, with their fix and exit code).
  auto jt = RunShell("script -qec " + ShellQuote(clone_cmd("json1", "w4") + " --log-format json") +
                     " /dev/null");
  ASSERT_EQ(jt.exit_code, 0) << jt.out;
  EXPECT_EQ(jt.out.find("\x1b["), std::string::npos) << jt.out;
  std::string err_file = dir_ + "/json.err";
  auto jl = RunShell(clone_cmd("json2", "w5") + " --log-format json 2>" + ShellQuote(err_file));
  ASSERT_EQ(jl.exit_code, 0) << Slurp(err_file);
  auto every_line_json = [&](const std::string& text, const std::string& level) {
    std::stringstream ss(text);
    int n = 0;
    bool seen = false;
    for (std::string line; std::getline(ss, line);) {
      if (line.empty()) continue;
      auto j = json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      if (j.is_discarded()) continue;
      EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("message")) << line;
      seen = seen || j.value("level", "") == level;
      ++n;
    }
    EXPECT_TRUE(seen) << text;
    return n;
  };
  EXPECT_GT(every_line_json(Slurp(err_file), "info"), 3);
  auto bad = RunShell(ShellQuote(HIKKOSHI_BINARY) +
                      " --log-format json clone --source postgresql://nobody@127.0.0.1:1/x"
                      " --target " + ShellQuote(tgt_->Uri("json2")) + " --dir " +
                      ShellQuote(dir_ + "/w6") + " 2>" + ShellQuote(err_file));
  EXPECT_NE(bad.exit_code, 0);
  std::string bad_err = Slurp(err_file);
  every_line_json(bad_err, "error");
  EXPECT_NE(bad_err.find("\"exit_code\""), std::string::npos) << bad_err;

  // Ctrl-C (SIGINT to clone) while the view is up: the cursor comes back.
  src_->Sql("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(200001, 600000) g",
            "shop");
  std::string pidfile = dir_ + "/intr.pid", out = dir_ + "/intr.out";
  std::ofstream(dir_ + "/intr.sh")
      << "echo $$ > " << pidfile << "\nexec " << clone_cmd("intr", "w3") << "\n";
  ASSERT_EQ(RunShell("(script -qec " + ShellQuote("sh " + dir_ + "/intr.sh") + " /dev/null >" +
                     ShellQuote(out) + " 2>&1 &)")
                .exit_code,
            0);
  bool drawn = false;
  for (int i = 0; i < 300 && !drawn; ++i) {
    drawn = Slurp(out).find("\x1b[?25l") != std::string::npos;
    if (!drawn) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(drawn) << Slurp(out);
  int pid = std::atoi(Slurp(pidfile).c_str());
  ASSERT_GT(pid, 0);
  kill(pid, SIGINT);
  for (int i = 0; i < 400 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(300ms);  // script copies the last output
  std::string o = Slurp(out);
  hide = o.find("\x1b[?25l");
  show = o.rfind("\x1b[?25h");
  ASSERT_NE(show, std::string::npos) << o;
  EXPECT_GT(show, hide) << o;
  EXPECT_NE(o.find("interrupted"), std::string::npos) << o;
}

// The live view of follow's catch-up (clone --follow --until-caught-up) and
// of verify under a pseudo-terminal; verify's progress record; Ctrl-C during
// verify leaves the terminal clean and the record says interrupted; off a
// terminal, log lines without escapes.
TEST_F(StatusTest, FollowAndVerifyTerminalViews) {
  src_->Sql(
      "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 150000) g;"
      "ALTER TABLE big ADD PRIMARY KEY (id)",
      "shop");
  std::string S = src_->Uri("shop"), T = tgt_->Uri("shop"), B = ShellQuote(HIKKOSHI_BINARY);
  std::string conn = " --source " + ShellQuote(S) + " --target " + ShellQuote(T);
  auto cl = RunShell("script -qec " +
                     ShellQuote(B + " clone --follow --until-caught-up --jobs 2" + conn +
                                " --dir " + ShellQuote(work_)) +
                     " /dev/null");
  ASSERT_EQ(cl.exit_code, 0) << cl.out << cl.err;
  EXPECT_TRUE(std::regex_search(cl.out, std::regex("follow +(following|caught-up|setup)  lag ")))
      << cl.out;
  EXPECT_LT(cl.out.find("\x1b[?25l"), cl.out.rfind("\x1b[?25h")) << cl.out;

  std::string verify = B + " verify --jobs 1" + conn + " --dir " + ShellQuote(work_);
  auto tty = RunShell("script -qec " + ShellQuote(verify) + " /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_NE(tty.out.find("verify     tables 3/3  rows 306000  differences 0"), std::string::npos)
      << tty.out;
  EXPECT_LT(tty.out.find("\x1b[?25l"), tty.out.rfind("\x1b[?25h")) << tty.out;
  json st = StatusJson();
  const json& vp = st["stages"]["verify_progress"];
  EXPECT_EQ(vp["state"], "done") << st.dump(2);
  EXPECT_EQ(vp["tables_done"], 3);
  EXPECT_EQ(vp["rows"], 306000);

  auto plain = RunShell(verify + " 2>&1");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_EQ(plain.out.find("\x1b["), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("verify: public.big (1/3)"), std::string::npos) << plain.out;

  // Ctrl-C while verify's view is drawn: a lock on the target keeps verify
  // waiting (its lock_timeout is 10 s) so the signal cannot arrive too late.
  // The signal goes as soon as the view is seen (on a loaded machine a
  // status call before it let verify finish first).
  ASSERT_EQ(RunShell("(psql -X -q " + ShellQuote(T) +
                     " -c 'BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); "
                     "COMMIT' >/dev/null 2>&1 &)")
                .exit_code,
            0);
  for (int i = 0; i < 100 && tgt_->Value("SELECT count(*) FROM pg_locks WHERE mode = "
                                         "'AccessExclusiveLock' AND relation = 'big'::regclass",
                                         "shop") == "0";
       ++i)
    std::this_thread::sleep_for(50ms);
  std::string pidfile = dir_ + "/v.pid", out = dir_ + "/v.out";
  std::ofstream(dir_ + "/v.sh") << "echo $$ > " << pidfile << "\nexec " << verify
                                << " --chunk-rows 100\n";
  ASSERT_EQ(RunShell("(script -qec " + ShellQuote("sh " + dir_ + "/v.sh") + " /dev/null >" +
                     ShellQuote(out) + " 2>&1 &)")
                .exit_code,
            0);
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    json now = StatusJson();
    running = Slurp(out).find("\x1b[?25l") != std::string::npos &&
              now["stages"]["verify_progress"].value("state", "") == "running";
    if (!running) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(running) << Slurp(out);
  int pid = std::atoi(Slurp(pidfile).c_str());
  ASSERT_GT(pid, 0);
  kill(pid, SIGINT);
  EXPECT_EQ(StatusJson()["stage"], "verify");
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(300ms);  // script copies the last output
  std::string o = Slurp(out);
  size_t hide = o.find("\x1b[?25l"), show = o.rfind("\x1b[?25h");
  ASSERT_NE(show, std::string::npos) << o;
  EXPECT_GT(show, hide) << o;
  EXPECT_EQ(StatusJson()["stages"]["verify_progress"]["state"], "interrupted");
  tgt_->Value("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE relation = "
              "'big'::regclass AND mode = 'AccessExclusiveLock' AND pid <> pg_backend_pid()",
              "shop");
}

}  // namespace
}  // namespace hk::test
