// Set-based apply (cdc/apply_run.h): which changes may join a run, the
// statements, and the text[] literals that carry the values.
#include "cdc/apply_run.h"

#include <gtest/gtest.h>

namespace hk::cdc {
namespace {

TargetTable Table(char replident) {
  TargetTable t;
  t.rel.relname = "t";
  t.rel.replident = replident;
  t.rel.columns = {{true, "id", 23, -1}, {false, "v", 25, -1}, {false, "big", 25, -1}};
  t.qname = "\"public\".\"t\"";
  t.has_equality = {true, true, true};
  t.identity_always = {false, false, false};
  t.type_sql = {"integer", "text", "text"};
  return t;
}

TupleData Row(std::vector<std::pair<char, std::string>> cols) {
  TupleData d;
  for (auto& [k, v] : cols) d.push_back({k, v});
  return d;
}

TEST(ApplyRun, UpdateByUnchangedKeyJoinsARun) {
  UpdateMsg m;
  m.new_tuple = Row({{'t', "1"}, {'t', "x"}, {'u', ""}});
  RunShape s;
  ASSERT_TRUE(RunnableUpdate(Table('d'), m, s));
  EXPECT_EQ(s.key, std::vector<size_t>({0}));
  EXPECT_EQ(s.set, std::vector<size_t>({1}));  // the unchanged TOAST value stays out
  EXPECT_EQ(UpdateRunSql(Table('d'), s),
            "UPDATE \"public\".\"t\" SET \"v\" = hk_u.c1::text FROM unnest($1::text[], "
            "$2::text[]) AS hk_u(c0, c1) WHERE \"public\".\"t\".\"id\" = hk_u.c0::integer");
}

TEST(ApplyRun, KeyChangeFullIdentityAndIdentityColumnsGoRowByRow) {
  RunShape s;
  UpdateMsg key_change;
  key_change.old_kind = 'K';
  key_change.old_tuple = Row({{'t', "1"}, {'n', ""}, {'n', ""}});
  key_change.new_tuple = Row({{'t', "2"}, {'t', "x"}, {'t', "y"}});
  EXPECT_FALSE(RunnableUpdate(Table('d'), key_change, s));
  UpdateMsg full;
  full.old_kind = 'O';
  full.old_tuple = full.new_tuple = Row({{'t', "1"}, {'t', "x"}, {'t', "y"}});
  EXPECT_FALSE(RunnableUpdate(Table('f'), full, s));
  DeleteMsg del;
  del.old_kind = 'O';
  del.old_tuple = full.old_tuple;
  EXPECT_FALSE(RunnableDelete(Table('f'), del, s));
  TargetTable ident = Table('d');
  ident.identity_always[1] = true;
  UpdateMsg plain;
  plain.new_tuple = Row({{'t', "1"}, {'t', "x"}, {'t', "y"}});
  EXPECT_TRUE(RunnableUpdate(Table('d'), plain, s));
  EXPECT_FALSE(RunnableUpdate(ident, plain, s));
}

TEST(ApplyRun, DeleteByKey) {
  DeleteMsg m;
  m.old_tuple = Row({{'t', "7"}, {'n', ""}, {'n', ""}});
  RunShape s;
  ASSERT_TRUE(RunnableDelete(Table('i'), m, s));
  EXPECT_EQ(DeleteRunSql(Table('i'), s),
            "DELETE FROM \"public\".\"t\" USING unnest($1::text[]) AS hk_u(c0) WHERE "
            "\"public\".\"t\".\"id\" = hk_u.c0::integer");
}

TEST(ApplyRun, ArrayLiteralQuotesEveryValue) {
  std::string a;
  AppendArrayElement(a, {'t', "plain"});
  AppendArrayElement(a, {'n', ""});
  AppendArrayElement(a, {'t', "NULL"});
  AppendArrayElement(a, {'t', "a\"b\\c,{d}"});
  AppendArrayElement(a, {'t', ""});
  EXPECT_EQ(a, "{\"plain\",NULL,\"NULL\",\"a\\\"b\\\\c,{d}\",\"\"");
}

TEST(ApplyRun, RunStopsAtARepeatedKeyAnotherTableOrShape) {
  ChangeRun r;
  RunShape s{{0}, {1}};
  auto row = Row({{'t', "1"}, {'t', "x"}, {'u', ""}});
  r.Start('U', 5, "-v-", s, 2);
  r.Add(row, {0, 1}, RunKey(row, {0}));
  EXPECT_FALSE(r.Accepts('U', 5, "-v-", RunKey(row, {0})));
  EXPECT_TRUE(r.Accepts('U', 5, "-v-", "1:2"));
  EXPECT_FALSE(r.Accepts('U', 6, "-v-", "1:2"));
  EXPECT_FALSE(r.Accepts('U', 5, "-vv", "1:2"));
  EXPECT_FALSE(r.Accepts('D', 5, "", "1:2"));
  auto p = r.Params();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_STREQ(p[0], "{\"1\"}");
  EXPECT_STREQ(p[1], "{\"x\"}");
  r.Clear();
  EXPECT_TRUE(r.empty());
}

TEST(ApplyRun, KeysOfSeveralColumnsDoNotCollide) {
  EXPECT_NE(RunKey(Row({{'t', "a1"}, {'t', "b"}}), {0, 1}), RunKey(Row({{'t', "a"}, {'t', "1b"}}), {0, 1}));
}

}  // namespace
}  // namespace hk::cdc
