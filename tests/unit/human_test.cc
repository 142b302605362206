// The one parser and the one formatter of human durations (#16.1), and the
// overflow the cutover-config fuzzer found (#14.6).
#include <gtest/gtest.h>

#include <string>

#include "common/human.h"
#include "cutover/config.h"
#include "watch/run_watch.h"

namespace hk {
namespace {

int64_t Ms(std::string_view text, const DurationRules& rules = {}) {
  auto r = ParseDuration(text, "--x", rules);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : -1;
}

std::string Refusal(std::string_view text, const DurationRules& rules = {}) {
  auto r = ParseDuration(text, "--x", rules);
  EXPECT_FALSE(r.ok()) << text << " was accepted as " << (r.ok() ? *r : 0) << " ms";
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::kBadInput);
  return r.error().message;
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(Ms("250ms"), 250);
  EXPECT_EQ(Ms("30s"), 30000);
  EXPECT_EQ(Ms("1.5s"), 1500);
  EXPECT_EQ(Ms("2m"), 120000);
  EXPECT_EQ(Ms("2min"), 120000);
  EXPECT_EQ(Ms("1h"), 3600000);
  EXPECT_EQ(Ms("2d"), 2 * kDayMs);
  EXPECT_EQ(Ms("1w"), 7 * kDayMs);
  EXPECT_EQ(Ms("12"), 12000);  // a bare number is seconds (cutover, clone, follow)
  EXPECT_EQ(Ms(" 0 "), 0);
  EXPECT_EQ(Ms("168h"), cutover::kMaxDurationMs);
}

TEST(ParseDuration, WatchRules) {
  EXPECT_EQ(Ms("6h", watch::kWatchDurations), 6 * 3600000LL);
  EXPECT_EQ(Ms("30d", watch::kWatchDurations), 30 * kDayMs);
  EXPECT_EQ(Ms("0s", watch::kWatchDurations), 0);
  EXPECT_EQ(Ms("500ms", watch::kWatchDurations), 500);
  EXPECT_EQ(Ms("2w", watch::kWatchDurations), 14 * kDayMs);
  EXPECT_NE(Refusal("6", watch::kWatchDurations).find("is not a duration"), std::string::npos);
  EXPECT_NE(Refusal("99999999999d", watch::kWatchDurations).find("is longer than 3660d"),
            std::string::npos);
}

TEST(ParseDuration, MalformedIsOneSentence) {
  for (const char* t : {"", "s", "h", "-1d", "-5s", "10 parsecs", "forever", "1.5.3s", "5x"})
    EXPECT_EQ(Refusal(t), std::string("--x ") + t + " is not a duration") << t;
}

TEST(ParseDuration, OverflowIsRefusedNotWrapped) {
  EXPECT_EQ(Refusal("99999999999999999999h"),
            "--x 99999999999999999999h is longer than 7d, the most it accepts");
  EXPECT_NE(Refusal(std::string(400, '9') + "s").find("is longer than 7d"), std::string::npos);
  EXPECT_NE(Refusal("9223372036854775807ms").find("is longer than"), std::string::npos);
  EXPECT_NE(Refusal("169h").find("is longer than 7d"), std::string::npos);
  EXPECT_NE(Refusal("25h", {.max_ms = kDayMs}).find("is longer than 1d"), std::string::npos);
}

// The libFuzzer crash input (fuzz/corpus/cutover_config/regression-max-freeze-overflow,
// once crash-eb4ca167... in the repository root): an overflowing max_freeze.
TEST(ParseDuration, FuzzerCrashInputIsAnError) {
  const std::string crash = "[cutover]\nmax_freeze = \"99999999999999999999h\"\n";
  auto c = cutover::ParseCutoverConfig(crash, "crash.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cutover.max_freeze is not a duration"), std::string::npos)
      << c.error().message;
}

TEST(HumanDuration, OneFormat) {
  EXPECT_EQ(HumanDuration(4.24), "4.2 s");
  EXPECT_EQ(HumanDuration(185), "3m05s");
  EXPECT_EQ(HumanDuration(7380), "2h03m");
  EXPECT_EQ(HumanDuration(-1), "--");
}

}  // namespace
}  // namespace hk
