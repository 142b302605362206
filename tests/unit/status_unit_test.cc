// Pure parts of status/report/serve: parsing, time, records, the model
// collected from a synthetic work directory, metrics and timeline.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cdc/follow_state.h"
#include "status/history.h"
#include "status/model.h"
#include "status/record.h"
#include "status/report.h"
#include "status/server.h"
#include "status/svg.h"

namespace hk::status {
namespace {

namespace fs = std::filesystem;

TEST(StatusUnit, ListenAndLoopback) {
  auto a = ParseListen("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  a = ParseListen("[::1]:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "::1");
  a = ParseListen("9000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 9000);
  EXPECT_FALSE(ParseListen("0.0.0.0:http").ok());
  EXPECT_FALSE(ParseListen("0.0.0.0:70000").ok());
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.1.2.3"));
  EXPECT_TRUE(IsLoopback("localhost"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("0.0.0.0"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
  EXPECT_FALSE(IsLoopback("::"));
}

TEST(StatusUnit, TokenRequiredBeyondLoopback) {
  ServeOptions o;
  o.host = "0.0.0.0";
  std::atomic<bool> stop{true};
  Status s = Serve(o, &stop);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("needs a token"), std::string::npos);
}

TEST(StatusUnit, ReportFormatFromExtension) {
  EXPECT_EQ(ReportFormat("", "a/report.html"), "html");
  EXPECT_EQ(ReportFormat("", "r.htm"), "html");
  EXPECT_EQ(ReportFormat("", "r.md"), "md");
  EXPECT_EQ(ReportFormat("", "r.json"), "json");
  EXPECT_EQ(ReportFormat("md", "r.html"), "md");
  EXPECT_EQ(ReportFormat("", "r.txt"), "");
}

TEST(StatusUnit, IsoTimes) {
  EXPECT_EQ(IsoOfMs(1796200383988), "2026-12-02T08:33:03.988Z");
  EXPECT_EQ(MsOfIso("2026-12-02T08:33:03.988Z"), 1796200383988);
  EXPECT_EQ(MsOfIso("2026-12-02T08:33:03Z"), 1796200383000);
  EXPECT_EQ(MsOfIso(""), -1);
  EXPECT_EQ(MsOfIso("yesterday"), -1);
}

TEST(StatusUnit, DropNullsAndScrub) {
  nlohmann::json j = {{"a", nullptr}, {"b", {{"c", nullptr}, {"d", 1}}}, {"e", {nullptr, 2}}};
  auto d = DropNulls(j);
  EXPECT_FALSE(d.contains("a"));
  EXPECT_FALSE(d["b"].contains("c"));
  EXPECT_EQ(d["b"]["d"], 1);
  EXPECT_EQ(d["e"].size(), 2u);  // array elements stay (positions matter)
  auto s = ScrubJson({{"url", "postgresql://u:hunter2@h/db"}});
  EXPECT_EQ(s["url"].get<std::string>().find("hunter2"), std::string::npos) << s.dump();
}

TEST(StatusUnit, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

class StatusWorkdir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hk-status-unit-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Journal(const std::string& run, const std::string& step, int64_t s, int64_t e,
               const std::string& outcome, nlohmann::json details = nlohmann::json::object()) {
    std::ofstream(dir_ + "/journal.jsonl", std::ios::app)
        << nlohmann::json{{"run", run},  {"step", step},       {"start_ms", s},
                          {"end_ms", e}, {"outcome", outcome}, {"details", details}}
               .dump()
        << "\n";
  }
  std::string dir_;
};

TEST_F(StatusWorkdir, EmptyDirectoryIsEmpty) {
  CollectOptions o;
  o.workdir = dir_;
  auto m = Collect(o);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Empty());
  EXPECT_EQ(m->stage, "none");
}

TEST_F(StatusWorkdir, CorruptRecordIsNamed) {
  std::ofstream(dir_ + "/verify.json") << "{not json";
  CollectOptions o;
  o.workdir = dir_;
  auto m = Collect(o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find(dir_ + "/verify.json is corrupt"), std::string::npos);
}

TEST_F(StatusWorkdir, JournalVerifyAndCheckMakeTheReport) {
  const int64_t t = 1796200000000;
  ASSERT_TRUE(
      WriteRecord(dir_, "check.json",
                  {{"recorded_at", "2026-12-02T08:00:00.000Z"},
                   {"report",
                    {{"summary", {{"pass", 10}, {"warn", 1}, {"fail", 0}, {"exit_code", 1}}},
                     {"source", {{"version", "15.18"}, {"database_bytes", 123}}},
                     {"items",
                      {{{"id", "x"},
                        {"title", "wal"},
                        {"verdict", "WARN"},
                        {"detail", "d"},
                        {"fix", "f"}}}}}}})
          .ok());
  ASSERT_TRUE(
      WriteRecord(
          dir_, "verify.json",
          {{"start_ms", t - 5000},
           {"end_ms", t - 4000},
           {"finished_at", IsoOfMs(t - 4000)},
           {"scope", "all"},
           {"report",
            {{"identical", false},
             {"summary",
              {{"differences", 1}, {"tables_checked", 2}, {"source_rows", 10}, {"target_rows", 9}}},
             {"tables", {{{"table", "public.a"}, {"source_rows", 10}, {"target_rows", 9}}}},
             {"differences",
              {{{"area", "data"},
                {"object_type", "row"},
                {"object", "public.a"},
                {"kind", "missing_on_target"},
                {"key", "id=7"},
                {"source_count", nullptr}}}}}}})
          .ok());
  Journal("cutover-1", "preconditions", t, t + 10, "ok");
  Journal("cutover-1", "writes-frozen", t + 100, t + 100, "info");
  Journal("cutover-1", "drain", t + 100, t + 400, "ok");
  Journal("cutover-1", "health", t + 500, t + 900, "ok",
          {{"http", {{{"url", "http://app/health"}, {"latency_ms", 250}, {"ok", true}}}},
           {"sql_p50_ms", 2.0},
           {"sql_max_ms", 3.5},
           {"write_ok", true},
           {"write_probe_ms", 1.0}});
  Journal("cutover-1", "writes-resumed", t + 1234, t + 1234, "info");
  std::ofstream(dir_ + "/journal.jsonl", std::ios::app) << "{\"run\": \"cut";  // a torn line
  std::ofstream(dir_ + "/cutover.json")
      << R"({"schema_version": 1, "phase": "cut-over", "run": "cutover-1"})";

  CollectOptions o;
  o.workdir = dir_;
  o.now_ms = t + 2000;
  auto m = Collect(o);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->stage, "cutover");
  ASSERT_TRUE(m->cutover);
  ASSERT_EQ(m->cutover->runs.size(), 1u);
  EXPECT_EQ(m->cutover->runs[0].write_unavailable_ms, 1134);
  ASSERT_TRUE(m->verify);
  EXPECT_FALSE(m->verify->identical);
  EXPECT_EQ(m->check->result, "warnings");

  auto j = ToJson(*m);
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["stages"]["cutover"]["write_unavailable_ms"], 1134);
  EXPECT_EQ(j["stages"]["verify"]["result"], "differences");
  EXPECT_NE(ToText(*m).find("writes unavailable 1.134 s"), std::string::npos) << ToText(*m);

  auto r = BuildReport(*m);
  std::map<std::string, nlohmann::json> metrics;
  for (const auto& x : r["metrics"]) metrics[x["id"]] = x;
  EXPECT_EQ(metrics["row_counts"]["result"], "fail");
  EXPECT_EQ(metrics["api_latency"]["result"], "fail") << "250 ms is over 200 ms";
  EXPECT_EQ(metrics["api_latency"]["measured"], "250 ms (slowest of 1 endpoint(s))");
  EXPECT_EQ(metrics["db_latency"]["result"], "pass");
  EXPECT_EQ(metrics["downtime"]["measured"], "1.134 s");
  EXPECT_EQ(metrics["downtime"]["result"], "pass");
  EXPECT_EQ(metrics["writes"]["result"], "pass");
  EXPECT_EQ(metrics["no_errors"]["result"], "pass");
  EXPECT_EQ(r["timeline"].size(), 6u);  // verify + 5 journal entries
  EXPECT_EQ(r["failed_health_requests"], 0);
  std::string html = RenderHtml(r), md = RenderMarkdown(r);
  EXPECT_NE(html.find("id=\"window\">1.134 s<"), std::string::npos);
  EXPECT_NE(html.find("data-step=\"writes-resumed\""), std::string::npos);
  EXPECT_NE(html.find("id=\"differences\""), std::string::npos);
  EXPECT_NE(md.find("| cutover-1 | drain |"), std::string::npos) << md;
  EXPECT_NE(md.find("| missing_on_target | row | public.a | id=7 |"), std::string::npos) << md;
}

TEST_F(StatusWorkdir, WarnsAsNeonsSlotRemovalWindowApproaches) {
  const int64_t t = 1796200000000;
  cdc::FollowState s;
  s.slot = "hikkoshi_abc";
  s.origin = "hikkoshi_abc";
  s.source = "postgresql://owner@ep-quiet-1.eu-central-1.aws.neon.tech/app";
  s.phase = "stopped";
  s.updated_unix_ms = t;
  s.updated_at = IsoOfMs(t);
  ASSERT_TRUE(cdc::SaveFollowState(dir_, s, false).ok());
  auto warnings_at = [&](int64_t hours_later) {
    CollectOptions o;
    o.workdir = dir_;
    o.now_ms = t + hours_later * 3600 * 1000;
    auto m = Collect(o);
    if (!m.ok()) { ADD_FAILURE() << m.error().message; return std::string(); }
    std::string all;
    for (const auto& w : m->warnings) all += w + "\n";
    return all;
  };
  EXPECT_EQ(warnings_at(10).find("removes a replication slot"), std::string::npos);
  std::string w = warnings_at(30);
  EXPECT_NE(w.find("slot hikkoshi_abc has had no follower since " + IsoOfMs(t) + " (30 h)"),
            std::string::npos) << w;
  EXPECT_NE(w.find("about 10 h remain"), std::string::npos) << w;
  w = warnings_at(45);
  EXPECT_NE(w.find("may already be gone"), std::string::npos) << w;
  // Not Neon: no such window.
  s.source = "postgresql://postgres@db.example.com/app";
  ASSERT_TRUE(cdc::SaveFollowState(dir_, s, false).ok());
  EXPECT_EQ(warnings_at(45).find("removes a replication slot"), std::string::npos);
}

TEST_F(StatusWorkdir, FollowHistoryRoundTrip) {
  cdc::FollowState s;
  s.phase = "following";
  s.lag_bytes = 42;
  s.commit_lag_s = 0.5;
  AppendFollowSample(dir_, s);
  s.phase = "caught-up";  // a phase change is kept at once
  s.lag_bytes = 0;
  AppendFollowSample(dir_, s);
  std::ofstream(dir_ + "/follow-history.jsonl", std::ios::app) << "{\"t\": 1";  // torn
  auto h = ReadFollowHistory(dir_);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].lag_bytes, 42);
  EXPECT_EQ(h[1].phase, "caught-up");
}

TEST(StatusUnit, SvgCountsPoints) {
  std::string s = LineSvg({{1000, 1}, {2000, 3}}, "lag", "bytes", "c");
  EXPECT_NE(s.find("data-points=\"2\""), std::string::npos);
  EXPECT_NE(LineSvg({}, "lag", "bytes", "c").find("no data"), std::string::npos);
  std::string g =
      GanttSvg({{"run", {{"drain", 0, 300, "ok"}, {"writes-frozen", 0, 0, "info"}}}}, "t");
  EXPECT_NE(g.find("data-bars=\"2\""), std::string::npos);
}

}  // namespace
}  // namespace hk::status
