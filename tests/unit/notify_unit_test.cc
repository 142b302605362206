// notify, watch and `config check` logic without servers: URL redaction,
// the backoff schedule, [[notify]] parsing, the Notifier's queue, watch's
// durations and changed-table selection, config check's issues with lines.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "common/secrets.h"
#include "config/config.h"
#include "config/config_check.h"
#include "notify/backoff.h"
#include "notify/notifier.h"
#include "notify/targets.h"
#include "notify/url_redact.h"
#include "watch/watch_state.h"

namespace hk {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string p = "/tmp/hk-notify-unit-" + std::to_string(getpid()) + "-" + name + ".toml";
  std::ofstream(p) << text;
  return p;
}

TEST(NotifyRedaction, UrlShowsOnlySchemeAndHost) {
  EXPECT_EQ(notify::RedactUrl("https://hooks.slack.com/services/T0/B1/s3cr3tTok"),
            "https://hooks.slack.com/…");
  EXPECT_EQ(notify::RedactUrl("http://bob:pw9876@127.0.0.1:8080/hook?token=abcdef123"),
            "http://127.0.0.1:8080/…");
  EXPECT_EQ(notify::RedactUrl("https://example.com"), "https://example.com");
}

TEST(NotifyRedaction, SecretPartsAreScrubbedEverywhere) {
  notify::RegisterUrlSecrets(
      "https://hookuser:hookpass77@hooks.example.com/services/T0AAA/B1BBB/zXy987TokenQ?"
      "key=qk_55aa66bb");
  std::string line = Scrub(
      "POST https://hookuser:hookpass77@hooks.example.com/services/T0AAA/B1BBB/zXy987TokenQ"
      "?key=qk_55aa66bb failed; token zXy987TokenQ");
  EXPECT_EQ(line.find("hookpass77"), std::string::npos) << line;
  EXPECT_EQ(line.find("zXy987TokenQ"), std::string::npos) << line;
  EXPECT_EQ(line.find("qk_55aa66bb"), std::string::npos) << line;
  EXPECT_NE(line.find("hooks.example.com"), std::string::npos) << line;
}

TEST(NotifyBackoff, DoublesFrom250msCappedAt4s) {
  EXPECT_EQ(notify::BackoffMs(1), 250);
  EXPECT_EQ(notify::BackoffMs(2), 500);
  EXPECT_EQ(notify::BackoffMs(3), 1000);
  EXPECT_EQ(notify::BackoffMs(4), 2000);
  EXPECT_EQ(notify::BackoffMs(5), 4000);
  EXPECT_EQ(notify::BackoffMs(60), 4000);
  EXPECT_EQ(notify::kMaxAttempts, 5);
}

TEST(NotifyConfig, ParsesEntriesFiltersAndThresholds) {
  auto p = notify::ParseTargets(R"(
[[notify]]
url = "https://hooks.example.com/services/x"
events = ["freeze_start", "lag_high"]
min_lag_bytes = 1000

[[notify]]
command = ["/usr/local/bin/page", "--team", "db"]
)",
                                "t.toml");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].message;
  ASSERT_EQ(p.targets.size(), 2u);
  const auto& hook = p.targets[0];
  EXPECT_TRUE(hook.Wants(notify::Make("freeze_start", "x")));
  EXPECT_FALSE(hook.Wants(notify::Make("rollback", "x")));
  EXPECT_FALSE(hook.Wants(notify::Make("lag_high", "x", {{"lag_bytes", 999}})));
  EXPECT_TRUE(hook.Wants(notify::Make("lag_high", "x", {{"lag_bytes", 1000}})));
  const auto& cmd = p.targets[1];
  EXPECT_EQ(cmd.command.size(), 3u);
  EXPECT_TRUE(cmd.Wants(notify::Make("rollback", "x")));  // default: every event
  // Default thresholds: 1 GiB of WAL, 16 MiB of lag.
  EXPECT_FALSE(cmd.Wants(notify::Make("slot_retention_high", "x", {{"retained_bytes", 4096}})));
  EXPECT_TRUE(
      cmd.Wants(notify::Make("slot_retention_high", "x", {{"retained_bytes", int64_t{1} << 31}})));
}

TEST(NotifyConfig, BadEntriesNameKeyAndLine) {
  auto p = notify::ParseTargets(R"([[notify]]
url = "ftp://nope"
events = ["freeze_started"]

[[notify]]
min_lag_bytes = 5
)",
                                "t.toml");
  ASSERT_EQ(p.issues.size(), 3u);
  EXPECT_EQ(p.issues[0].line, 2);
  EXPECT_EQ(p.issues[0].key, "notify.url");
  EXPECT_EQ(p.issues[1].line, 3);
  EXPECT_NE(p.issues[1].message.find("freeze_started"), std::string::npos);
  EXPECT_EQ(p.issues[2].line, 5);
  EXPECT_NE(p.issues[2].message.find("url or a command"), std::string::npos);
}

TEST(NotifyConfig, LoaderAcceptsNotifyAndRejectsUnknownKeysInIt) {
  std::string ok = WriteTemp("ok", "[[notify]]\nurl = \"http://127.0.0.1:9/x\"\n");
  EXPECT_TRUE(Config::Load(ok).ok());
  std::string bad = WriteTemp("bad", "[[notify]]\nurl = \"http://127.0.0.1:9/x\"\nevnets = []\n");
  auto c = Config::Load(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("line 3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("did you mean notify.events"), std::string::npos)
      << c.error().message;
  unlink(ok.c_str());
  unlink(bad.c_str());
}

TEST(Notifier, FullQueueDropsInsteadOfBlocking) {
  // A command that takes a while: the first event occupies the thread, the
  // queue holds one more, the rest are dropped at once.
  std::string script = "/tmp/hk-notify-unit-slow-" + std::to_string(getpid()) + ".sh";
  std::ofstream(script) << "#!/bin/sh\nsleep 1\n";
  chmod(script.c_str(), 0755);
  notify::Target t;
  t.command = {script};
  notify::Notifier n({t}, /*queue_limit=*/1);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) n.Emit(notify::Make("failure", "x"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  n.Flush(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  EXPECT_GE(n.dropped(), 8u);
  EXPECT_GE(n.delivered(), 1u);
  unlink(script.c_str());
}

TEST(Notifier, FlushDeadlineBoundsAHangingCommand) {
  notify::Target t;
  t.command = {"/bin/sleep", "30"};
  notify::Notifier n({t});
  n.Emit(notify::Make("failure", "x"));
  auto start = std::chrono::steady_clock::now();
  n.Flush(std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(n.delivered(), 0u);
}

TEST(WatchState, ChangedTablesFromCounters) {
  watch::WatchState st;
  st.last_clean = true;
  st.source = {{"public.a", 5}, {"public.b", 7}};
  st.target = {{"public.a", 5}, {"public.b", 7}};
  auto ch = watch::ChangedTables(st, {{"public.a", 5}, {"public.b", 8}, {"public.c", 0}},
                                 {{"public.a", 5}, {"public.b", 7}, {"public.c", 0}});
  EXPECT_FALSE(ch["public.a"]);
  EXPECT_TRUE(ch["public.b"]);  // changed on one side
  EXPECT_TRUE(ch["public.c"]);  // new
  st.last_clean = false;        // after a pass with differences: everything again
  ch = watch::ChangedTables(st, {{"public.a", 5}}, {{"public.a", 5}});
  EXPECT_TRUE(ch["public.a"]);
}

TEST(ConfigCheck, UnknownKeysWrongTypesAndDurationsWithLines) {
  std::string p = WriteTemp("check", R"(source = "postgresql://h/db"
target = 5
[clone]
jbos = 4
[watch]
every = "6 hours"
[[notify]]
url = "https://hooks.example.com/x"
events = "freeze_start"
)");
  auto issues = CheckConfigFile(p);
  ASSERT_GE(issues.size(), 4u);
  auto has = [&](int line, const std::string& key, const std::string& part) {
    for (const auto& i : issues)
      if (i.line == line && i.key == key && i.message.find(part) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(2, "target", "must be a string"));
  EXPECT_TRUE(has(4, "clone.jbos", "did you mean clone.jobs"));
  EXPECT_TRUE(has(6, "watch.every", "not a duration"));
  EXPECT_TRUE(has(9, "notify.events", "array of strings"));
  unlink(p.c_str());
}

TEST(ConfigCheck, GoodFileHasNoIssues) {
  std::string p = WriteTemp("good", R"(source = "postgresql://h/db"
target = "postgresql://h2/db"
[watch]
every = "6h"
retire_after = "30d"
[[notify]]
url = "https://hooks.example.com/x"
events = ["freeze_start", "cutover_success"]
min_retained_wal_bytes = 1073741824
)");
  auto issues = CheckConfigFile(p);
  EXPECT_TRUE(issues.empty()) << issues[0].key << " " << issues[0].message;
  unlink(p.c_str());
}

}  // namespace
}  // namespace hk
