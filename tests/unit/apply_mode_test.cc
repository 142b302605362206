// Least-privilege apply (#12.1): choosing the modes from the role's
// capabilities, and the trigger record's SQL and parsing.
#include "cdc/apply_mode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cdc/trigger_guard.h"

namespace hk::cdc {
namespace {

ApplyCapabilities Caps(bool origin, bool role) {
  ApplyCapabilities c;
  c.origin_functions = origin;
  c.replica_role = role;
  return c;
}

TEST(ApplyModes, AutoFollowsCapabilities) {
  auto all = ChooseApplyModes(Caps(true, true), "auto", "auto", "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->progress, "origin");
  EXPECT_EQ(all->triggers, "replica-role");
  auto none = ChooseApplyModes(Caps(false, false), "auto", "auto", "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->progress, "progress-table");
  EXPECT_EQ(none->triggers, "disable-triggers");
  EXPECT_NE(none->Describe().find("pg_replication_origin"), std::string::npos);
  auto mixed = ChooseApplyModes(Caps(false, true), "auto", "auto", "");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->progress, "progress-table");
  EXPECT_EQ(mixed->triggers, "replica-role");
}

TEST(ApplyModes, RecordedProgressModeWins) {
  // Grants added after the first run: the resume point still lives in the table.
  auto m = ChooseApplyModes(Caps(true, true), "auto", "auto", "progress-table");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->progress, "progress-table");
  auto clash = ChooseApplyModes(Caps(true, true), "origin", "auto", "progress-table");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().kind, ErrorKind::kBadInput);
  // Origins recorded but no longer allowed: a permission error, not a silent switch.
  auto lost = ChooseApplyModes(Caps(false, false), "auto", "auto", "origin");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind, ErrorKind::kPermission);
}

TEST(ApplyModes, AskingForWhatTheRoleCannotDoIsRefused) {
  auto o = ChooseApplyModes(Caps(false, false), "origin", "auto", "");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().kind, ErrorKind::kPermission);
  auto r = ChooseApplyModes(Caps(false, false), "auto", "replica-role", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kPermission);
  // The weaker modes may always be asked for.
  auto w = ChooseApplyModes(Caps(true, true), "progress-table", "disable-triggers", "");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->progress, "progress-table");
  EXPECT_EQ(w->triggers, "disable-triggers");
  EXPECT_FALSE(ChooseApplyModes(Caps(true, true), "fast", "auto", "").ok());
}

TEST(TriggerGuard, RestoresEachTriggerAsItWasEnabled) {
  EXPECT_EQ(EnableTriggerSql({"public", "orders", "audit", 'O'}),
            "ALTER TABLE ONLY \"public\".\"orders\" ENABLE TRIGGER \"audit\"");
  EXPECT_EQ(EnableTriggerSql({"Odd Schema", "t", "Trg", 'A'}),
            "ALTER TABLE ONLY \"Odd Schema\".\"t\" ENABLE ALWAYS TRIGGER \"Trg\"");
  EXPECT_EQ(EnableTriggerSql({"s", "t", "r", 'R'}),
            "ALTER TABLE ONLY \"s\".\"t\" ENABLE REPLICA TRIGGER \"r\"");
}

TEST(TriggerGuard, ReadsTheRecordAndRefusesAGarbledOne) {
  char tmpl[] = "/tmp/hk-trigger-unit-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto none = ReadTriggerRecord(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::ofstream(TriggerRecordPath(dir))
      << R"({"schema_version":1,"database":"shop","disabled":[{"schema":"public","table":"orders","trigger":"audit","enabled":"A"}]})";
  auto one = ReadTriggerRecord(dir);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].enabled, 'A');
  EXPECT_EQ((*one)[0].name, "audit");
  std::ofstream(TriggerRecordPath(dir)) << R"({"disabled":[{"schema":"public","table":"orders"}]})";
  auto bad = ReadTriggerRecord(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("corrupt"), std::string::npos);
  std::ofstream(TriggerRecordPath(dir))
      << R"({"disabled":[{"schema":"p","table":"o","trigger":"t","enabled":"D"}]})";
  EXPECT_FALSE(ReadTriggerRecord(dir).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hk::cdc
