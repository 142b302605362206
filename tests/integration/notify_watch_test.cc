// Notifications, `hikkoshi watch` and `hikkoshi config check` with real
// parts: two PostgreSQL clusters, `hikkoshi follow` in the background, and an
// HTTP receiver in this process (a thread on a 127.0.0.1 socket) that records
// every webhook POST and answers with scripted statuses — or never answers.
//
// Budget: well under 2 minutes on 2 cores.
#include <cctype>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cdc/follow_state.h"
#include "cdc/setup.h"
#include "support/harness.h"
#include "support/webhook_receiver.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* kSchema = R"SQL(
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;
)SQL";

class NotifyWatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("nsrc");
    tgt_ = new Cluster("ntgt");
  }
  static void TearDownTestSuite() {
    delete src_;
    delete tgt_;
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hk-notify-" + std::to_string(getpid()) + "-" + std::to_string(n_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    work_ = dir_ + "/work";
    db_ = "shop" + std::to_string(n_);
    for (auto* c : {src_, tgt_}) {
      c->Sql("DO $$BEGIN CREATE ROLE app LOGIN; EXCEPTION WHEN duplicate_object THEN END$$");
      c->CreateDatabase(db_);
    }
    src_->Sql(kSchema, db_);
    auto r = RunShell("pg_dump --schema-only " + ShellQuote(src_->Uri(db_)) +
                      " | psql -X -q -v ON_ERROR_STOP=1 " + ShellQuote(tgt_->Uri(db_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override {
    KillFollowers();
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // Slot + snapshot, the copy at that snapshot, then follow in the background.
  void CloneAndFollow() {
    cdc::FollowSetupOptions o;
    o.source = pg::ConnInfo::Parse(src_->Uri(db_)).value();
    o.workdir = work_;
    auto s = cdc::StartFollowSetup(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto r = RunShell("pg_dump --data-only --snapshot=" + s->snapshot.snapshot_name() + " " +
                      ShellQuote(src_->Uri(db_)) + " | psql -X -q -v ON_ERROR_STOP=1 " +
                      ShellQuote(tgt_->Uri(db_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    s->snapshot.Release();
    r = RunShell("HIKKOSHI_SOURCE=" + ShellQuote(src_->Uri(db_)) + " HIKKOSHI_TARGET=" +
                 ShellQuote(tgt_->Uri(db_)) + " setsid " + ShellQuote(HIKKOSHI_BINARY) +
                 " follow --status-interval 200 --dir " + ShellQuote(work_) + " >>" +
                 ShellQuote(work_ + "/follow.log") + " 2>&1 </dev/null &");
    ASSERT_EQ(r.exit_code, 0);
    auto until = std::chrono::steady_clock::now() + 30s;
    bool caught_up = false;
    while (!caught_up && std::chrono::steady_clock::now() < until) {
      auto st = cdc::LoadFollowState(work_);
      caught_up = st.ok() && (st->phase == "following" || st->phase == "caught-up") &&
                  st->lag_bytes >= 0 && st->lag_bytes < 1024 * 1024;
      if (!caught_up) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(caught_up) << Slurp(work_ + "/follow.log");
  }
  void KillFollowers() {
    for (const std::string& d : {work_, work_ + "/reverse"}) {
      auto st = cdc::LoadFollowState(d);
      if (st.ok() && st->pid > 0) {
        std::string cmd = Slurp("/proc/" + std::to_string(st->pid) + "/cmdline");
        if (cmd.find("follow") != std::string::npos) kill(st->pid, SIGKILL);
      }
    }
    // A follower whose pid follow.json no longer names (a test that cleaned
    // up, a state rewritten by watch) must not outlive the test either.
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
      std::string cmd = Slurp(e.path().string() + "/cmdline");
      for (char& c : cmd)
        if (c == '\0') c = ' ';
      if (cmd.find(" follow ") != std::string::npos && cmd.find(work_) != std::string::npos)
        kill(std::stoi(name), SIGKILL);
    }
  }

  std::string Toml(const std::string& body) {
    std::string path = dir_ + "/hikkoshi.toml";
    std::ofstream(path) << "source = \"" << src_->Uri(db_) << "\"\ntarget = \"" << tgt_->Uri(db_)
                        << "\"\nworkdir = \"" << work_ << "\"\n\n"
                        << body;
    return path;
  }

  static Cluster* src_;
  static Cluster* tgt_;
  static int n_;
  std::string dir_, work_, db_;
};
Cluster* NotifyWatchTest::src_ = nullptr;
Cluster* NotifyWatchTest::tgt_ = nullptr;
int NotifyWatchTest::n_ = 0;

// A full cutover and a rollback: the webhook sees the freeze, its end with
// the measured window, the success, then the rollback — in that order.
TEST_F(NotifyWatchTest, CutoverAndRollbackSendTheirEventsInOrder) {
  CloneAndFollow();
  Receiver rx;
  std::string cfg = Toml(
      "[cutover]\napp_roles = [\"app\"]\nmax_freeze = \"20s\"\n"
      "[cutover.health]\nwait = \"10s\"\n"
      "[[cutover.health.http]]\nurl = \"" +
      rx.Url("/health") +
      "\"\nbudget_ms = 2000\n\n"
      "[[notify]]\nurl = \"" +
      rx.Url("/hooks/T0/B1/tok3nSecret9") + "\"\n");
  auto r = RunHikkoshi({"--config", cfg, "cutover", "--yes", "--skip-backup-check"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = RunHikkoshi({"--config", cfg, "rollback"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find("tok3nSecret9"), std::string::npos) << r.err;
  auto ev = rx.Events();
  std::vector<std::string> want = {"freeze_start", "freeze_end", "cutover_success",
                                   "freeze_start", "freeze_end", "rollback"};
  EXPECT_EQ(ev, want);
  auto posts = rx.Posts();
  ASSERT_EQ(posts.size(), want.size());
  EXPECT_GE(posts[1]["details"]["window_ms"].get<int64_t>(), 0);
  EXPECT_NE(posts[2]["text"].get<std::string>().find("cut over"), std::string::npos);
  EXPECT_EQ(posts[5]["severity"], "warning");
  for (const auto& p : posts) EXPECT_TRUE(p.contains("time")) << p.dump();
}

// A cutover whose health check fails rolls back by itself: the webhook sees
// the freeze, the failure, and the rollback. (The health URL is the receiver:
// it answers 503 until cutover_failed arrives, so the rollback's check passes.)
TEST_F(NotifyWatchTest, FailedCutoverNotifiesFailureAndRollback) {
  CloneAndFollow();
  Receiver rx;
  rx.FailHealthUntil("cutover_failed");
  std::string cfg = Toml(
      "[cutover]\napp_roles = [\"app\"]\nmax_freeze = \"20s\"\n"
      "[cutover.health]\nwait = \"1s\"\n"
      "[[cutover.health.http]]\nurl = \"" +
      rx.Url("/health") +
      "\"\n\n"
      "[[notify]]\nurl = \"" +
      rx.Url("/n") + "\"\n");
  auto r = RunHikkoshi({"--config", cfg, "cutover", "--yes", "--skip-backup-check"});
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  auto ev = rx.Events();
  ASSERT_GE(ev.size(), 3u) << r.err;
  EXPECT_EQ(ev.front(), "freeze_start");
  EXPECT_EQ(ev.back(), "rollback");
  EXPECT_NE(std::find(ev.begin(), ev.end(), "cutover_failed"), ev.end());
  EXPECT_EQ(std::find(ev.begin(), ev.end(), "cutover_success"), ev.end());
}

// After a real cutover (reverse replication running), watch --once is clean
// and --retire-after 0s drops both directions' slots and origins.
TEST_F(NotifyWatchTest, WatchAfterCutoverThenRetire) {
  CloneAndFollow();
  Receiver rx;
  std::string cfg = Toml(
      "[cutover]\napp_roles = [\"app\"]\nmax_freeze = \"20s\"\n"
      "[cutover.health]\nwait = \"10s\"\n"
      "[[cutover.health.http]]\nurl = \"" +
      rx.Url("/health") +
      "\"\nbudget_ms = 2000\n\n"
      "[[notify]]\nurl = \"" +
      rx.Url("/n") + "\"\nevents = [\"verify_differences\", \"failure\"]\n");
  auto r = RunHikkoshi({"--config", cfg, "cutover", "--yes", "--skip-backup-check"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  tgt_->Sql("INSERT INTO items VALUES (500, 'written on the new server')", db_);
  // The reverse follower carries it to the old server; wait for that.
  auto until = std::chrono::steady_clock::now() + 20s;
  while (src_->Value("SELECT count(*) FROM items WHERE id = 500", db_) == "0" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  r = RunHikkoshi({"--config", cfg, "watch", "--once"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("health " + rx.Url("/health") + ": ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("query probe:"), std::string::npos) << r.out;
  r = RunHikkoshi({"--config", cfg, "watch", "--once", "--retire-after", "0s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (auto* c : {src_, tgt_})
    EXPECT_EQ(c->Value("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                       "'hikkoshi%' AND database = '" +
                       db_ + "'"),
              "0");
  EXPECT_TRUE(rx.Events().empty()) << rx.Posts()[0].dump();
}

// 500, 500, then 200: the third try delivers it; verify's exit code is its own.
TEST_F(NotifyWatchTest, WebhookRetriesAfterServerErrors) {
  src_->Sql("INSERT INTO items VALUES (101, 'only on the source')", db_);
  Receiver rx({500, 500});
  std::string cfg = Toml("[[notify]]\nurl = \"" + rx.Url("/hook?token=q9w8e7r6") +
                         "\"\nevents = [\"verify_differences\"]\n");
  auto r = RunHikkoshi({"--config", cfg, "verify", "--retries", "0"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(rx.attempts(), 3) << r.err;
  ASSERT_EQ(rx.Events(), std::vector<std::string>{"verify_differences"});
  EXPECT_NE(rx.Posts()[0]["text"].get<std::string>().find("id=101"), std::string::npos)
      << rx.Posts()[0].dump();
  EXPECT_NE(r.err.find("try 1 of 5"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("q9w8e7r6"), std::string::npos) << r.err;
}

// A webhook that accepts and never answers delays the command by at most the
// flush deadline (5 s), and a command target still gets the event.
TEST_F(NotifyWatchTest, HangingWebhookNeverDelaysBeyondTheFlushDeadline) {
  src_->Sql("INSERT INTO items VALUES (102, 'only on the source')", db_);
  Receiver rx({}, /*hang=*/true);
  std::string out = dir_ + "/event.json";
  std::string script = dir_ + "/record.sh";
  std::ofstream(script) << "#!/bin/sh\ncat > " << out << "\necho \"$HIKKOSHI_EVENT\" > " << out
                        << ".env\n";
  fs::permissions(script, fs::perms::owner_all);
  std::string cfg =
      Toml("[[notify]]\nurl = \"" + rx.Url("/hang") + "\"\ncommand = [\"" + script + "\"]\n");
  auto start = std::chrono::steady_clock::now();
  auto r = RunHikkoshi({"--config", cfg, "verify", "--retries", "0"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(took, 15s);
  EXPECT_NE(r.err.find("flush deadline"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(Slurp(out), nullptr, false);
  EXPECT_EQ(j.value("event", ""), "verify_differences") << Slurp(out);
  EXPECT_EQ(nlohmann::json::parse(Slurp(out + ".env"), nullptr, false).value("event", ""),
            "verify_differences");
}

// After clone + follow, a write on the old server that follow does not carry
// (follow stopped): watch --once notifies verify_differences naming the key.
TEST_F(NotifyWatchTest, WatchOnceNamesTheKeyOfADifference) {
  CloneAndFollow();
  Receiver rx;
  std::string cfg = Toml("[[notify]]\nurl = \"" + rx.Url("/w") + "\"\n");
  auto r = RunHikkoshi({"--config", cfg, "watch", "--once"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(work_ + "/watch.json"));
  EXPECT_TRUE(rx.Events().empty()) << rx.Posts()[0].dump();
  EXPECT_NE(r.err.find("every table"), std::string::npos) << r.err;  // no watch.json yet
  // Nothing changed since that clean pass: no table is hashed again.
  r = RunHikkoshi({"--config", cfg, "watch", "--once"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("(0 of 1 tables changed"), std::string::npos) << r.err;
  KillFollowers();
  src_->Sql("UPDATE items SET name = 'changed on the old server' WHERE id = 7", db_);
  // The change counters reach pg_stat_user_tables as the writing backend
  // reports them (at the latest when it exits): wait for that, so this pass
  // (not only the next one) sees the table as changed.
  auto until = std::chrono::steady_clock::now() + 15s;
  while (src_->Value("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'items'", db_) ==
             "0" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  r = RunHikkoshi({"--config", cfg, "watch", "--once"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  ASSERT_TRUE(rx.WaitFor("verify_differences", 1s)) << r.out << r.err;
  std::string text;
  for (const auto& p : rx.Posts())
    if (p["event"] == "verify_differences") text = p.dump();
  EXPECT_NE(text.find("id=7"), std::string::npos) << text;
  EXPECT_NE(text.find("public.items"), std::string::npos) << text;
}

// --retire-after 0s --once: one last verify, then follow's slot and
// publication are gone from the source and its origin from the target.
TEST_F(NotifyWatchTest, RetireAfterCleansUpBothSides) {
  CloneAndFollow();
  std::string cfg = Toml("");
  auto fst = cdc::LoadFollowState(work_);
  ASSERT_TRUE(fst.ok());
  std::string origin = fst->origin;
  ASSERT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                        "'hikkoshi%' AND database = '" +
                        db_ + "'"),
            "1");
  auto r = RunHikkoshi({"--config", cfg, "watch", "--once", "--retire-after", "0s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("retired"), std::string::npos) << r.out;
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                        "'hikkoshi%' AND database = '" +
                        db_ + "'"),
            "0");
  EXPECT_EQ(src_->Value("SELECT count(*) FROM pg_publication WHERE pubname LIKE 'hikkoshi%'", db_),
            "0");
  EXPECT_EQ(
      tgt_->Value("SELECT count(*) FROM pg_replication_origin WHERE roname = '" + origin + "'"),
      "0");
}

TEST(ConfigCheckCli, UnknownKeyWrongTypeAndGoodFile) {
  std::string dir = fs::temp_directory_path() / ("hk-cfgcheck-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string bad = dir + "/bad.toml";
  std::ofstream(bad) << "source = \"postgresql://h/db\"\ntarget = \"postgresql://h2/db\"\n"
                        "[clone]\njobs = \"four\"\nindexjobs = 2\n[[notify]]\nurl = \"x\"\n";
  auto r = RunHikkoshi({"--config", bad, "config", "check"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find(":4: clone.jobs must be a whole number"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":5: clone.indexjobs is not a known key (did you mean clone.index_jobs?)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(":7: notify.url"), std::string::npos) << r.out;
  r = RunHikkoshi({"--config", bad, "config", "check", "--json"});
  EXPECT_EQ(r.exit_code, 3);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["issues"].size(), 3u) << r.out;
  std::string good = dir + "/good.toml";
  std::ofstream(good) << "source = \"postgresql://h/db\"\ntarget = \"postgresql://h2/db\"\n"
                         "[clone]\njobs = 4\n[watch]\nevery = \"6h\"\n[[notify]]\nurl = "
                         "\"https://hooks.example.com/x\"\n";
  r = RunHikkoshi({"--config", good, "config", "check"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hk::test
