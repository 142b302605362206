// status judgement and follow.json round trip (no database).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "cdc/follow_state.h"
#include "cdc/status_report.h"

namespace hk::cdc {
namespace {

FollowState Following() {
  FollowState s;
  s.id = "abc";
  s.slot = s.origin = "hikkoshi_abc";
  s.publication = "hikkoshi_pub";
  s.phase = "following";
  s.pid = 1234;
  s.updated_unix_ms = 1000000;
  s.slot_retained_bytes = 10;
  return s;
}

TEST(FollowStatus, RunningFollowerHasNoWarnings) {
  auto r = JudgeStatus(Following(), 1000500, 1 << 30, true);
  EXPECT_TRUE(r.running);
  EXPECT_EQ(r.phase, "following");
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_DOUBLE_EQ(r.age_s, 0.5);
}

// #10.4: an interrupted clone --follow copy is never "caught up".
TEST(FollowStatus, IncompleteCopyIsReportedAndRoundTrips) {
  FollowState s = Following();
  s.phase = "setup";
  s.copy = "pending";
  auto r = JudgeStatus(s, 1000500, 1 << 30, false);
  EXPECT_EQ(r.phase, "copy-incomplete");
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("clone --follow --resume"), std::string::npos);
  std::string dir = "/tmp/hk-follow-state-" + std::to_string(getpid());
  ASSERT_TRUE(SaveFollowState(dir, s).ok());
  auto back = LoadFollowState(dir);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->copy, "pending");
  std::filesystem::remove_all(dir);
}

TEST(FollowStatus, DeadFollowerIsReported) {
  auto r = JudgeStatus(Following(), 1000500, 1 << 30, false);
  EXPECT_FALSE(r.running);
  EXPECT_EQ(r.phase, "not running");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("hikkoshi follow"), std::string::npos);
}

TEST(FollowStatus, RetainedWalOverThresholdWarns) {
  auto s = Following();
  s.slot_retained_bytes = 5LL << 30;
  auto r = JudgeStatus(s, 1000500, 1LL << 30, true);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("5.0 GB"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.ToText().find("warning:"), std::string::npos);
  EXPECT_EQ(r.ToJson()["warnings"].size(), 1u);
}

TEST(FollowStatus, HumanBytes) {
  EXPECT_EQ(HumanBytes(-1), "unknown");
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 kB");
}

TEST(FollowState, RoundTripsThroughDisk) {
  auto dir = std::filesystem::temp_directory_path() / ("hk-state-" + std::to_string(getpid()));
  auto s = Following();
  s.applied_lsn = 0x16B374D848ULL;
  s.commit_lag_s = 0.25;
  ASSERT_TRUE(SaveFollowState(dir.string(), s).ok());
  auto back = LoadFollowState(dir.string());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->slot, "hikkoshi_abc");
  EXPECT_EQ(back->applied_lsn, 0x16B374D848ULL);
  EXPECT_DOUBLE_EQ(back->commit_lag_s, 0.25);
  EXPECT_EQ(back->phase, "following");
  std::filesystem::remove_all(dir);
  auto missing = LoadFollowState(dir.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kBadInput);
}

TEST(FollowState, IdsAreSlotNameSafe) {
  std::string id = NewFollowId();
  EXPECT_EQ(id.size(), 10u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

}  // namespace
}  // namespace hk::cdc
