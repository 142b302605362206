#include <gtest/gtest.h>

#include "verify/report.h"
#include "verify/session.h"
#include "verify/sql_text.h"

namespace hk::verify {
namespace {

TableInfo Sample() {
  TableInfo t;
  t.qualified = "public.t";
  t.schema = "public";
  t.name = "t";
  t.columns = {"a", "B", "we\"ird"};
  t.key_cols = {"a", "b"};
  t.key_types = {"integer", "text"};
  return t;
}

TEST(VerifySql, RowTextUsesGivenOrderAndQuotes) {
  EXPECT_EQ(RowTextExpr(Sample()), "ROW(t.\"a\", t.\"B\", t.\"we\"\"ird\")::text");
}

TEST(VerifySql, RangePredicate) {
  TableInfo t = Sample();
  Params p;
  KeyRange r{KeyValue{"1", "x"}, KeyValue{"5", "y"}};
  std::string s = RangePredicate(t, r, p);
  EXPECT_EQ(s,
            "(t.\"a\", t.\"b\") >= ($1::integer, $2::text) AND (t.\"a\", t.\"b\") < ($3::integer, "
            "$4::text)");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(*p[3], "y");
  Params q;
  EXPECT_EQ(RangePredicate(t, KeyRange{}, q), "true");
  EXPECT_TRUE(q.empty());
}

TEST(VerifySql, ArrayLiteralEscapes) {
  EXPECT_EQ(ArrayLiteral({"a", "b\"c", "d\\e"}), "{\"a\",\"b\\\"c\",\"d\\\\e\"}");
  EXPECT_EQ(ArrayLiteral({}), "{}");
}

TEST(VerifySql, ParseSimpleArray) {
  auto v = ParseSimpleArray("{1,-2,NULL}");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(*v[0], "1");
  EXPECT_EQ(*v[1], "-2");
  EXPECT_FALSE(v[2].has_value());
  EXPECT_TRUE(ParseSimpleArray("{}").empty());
}

TEST(VerifySql, TruncateKeepsUtf8Whole) {
  EXPECT_EQ(Truncate("abc", 5), "abc");
  std::string jp = "\xe4\xbe\xa1\xe6\xa0\xbc";  // two 3-byte characters
  EXPECT_EQ(Truncate(jp, 4), "\xe4\xbe\xa1\xe2\x80\xa6 (6 bytes)");
}

TEST(VerifySql, TableSelection) {
  EXPECT_TRUE(TableSelected("public.users", "users", {}, {}));
  EXPECT_TRUE(TableSelected("public.users", "users", {"users"}, {}));
  EXPECT_FALSE(TableSelected("public.users", "users", {"public.p*"}, {}));
  EXPECT_FALSE(TableSelected("public.users", "users", {}, {"public.*"}));
  EXPECT_TRUE(TableSelected("app.users", "users", {"app.*"}, {"public.*"}));
}

TEST(VerifyReport, ExitCodeAndCap) {
  VerifyReport r;
  r.max_diffs = 1;
  EXPECT_EQ(r.ExitCode(), 0);
  Difference info;
  info.area = "matview_data";
  info.informational = true;
  r.Add(info);
  EXPECT_EQ(r.ExitCode(), 0);
  for (int i = 0; i < 3; ++i) {
    Difference d;
    d.area = "data";
    d.object = "public.t";
    d.object_type = "row";
    d.kind = "changed";
    d.key = "id=" + std::to_string(i);
    r.Add(d);
  }
  EXPECT_EQ(r.ExitCode(), 1);
  auto j = r.ToJson();
  EXPECT_EQ(j["summary"]["differences"], 3);
  EXPECT_EQ(j["differences"].size(), 1u);
  EXPECT_EQ(j["summary"]["not_listed"], 3);
  EXPECT_EQ(j["differences"][0]["key"], "id=0");
}

// Differences are kept in report order as they arrive (inserted in place;
// it was a full sort per difference, quadratic for a badly diverged table).
TEST(VerifyReport, KeepsReportOrderAsDifferencesArrive) {
  VerifyReport r;
  r.max_diffs = 100000;
  auto mk = [](std::string area, std::string object, std::string type, std::string key, bool info) {
    Difference d;
    d.area = std::move(area);
    d.object = std::move(object);
    d.object_type = std::move(type);
    d.kind = "changed";
    d.key = std::move(key);
    d.informational = info;
    return d;
  };
  r.Add(mk("matview_data", "public.mv", "table", "", true));
  r.Add(mk("data", "public.t", "key_range", "id 1..9", false));
  r.Add(mk("data", "public.t", "row", "id=2", false));
  r.Add(mk("schema", "public.t", "index", "", false));
  r.Add(mk("data", "public.a", "row", "id=1", false));
  for (int i = 0; i < 5000; ++i)
    r.Add(mk("data", "public.z", "row", "id=" + std::to_string(i), false));
  auto j = r.ToJson();
  ASSERT_EQ(j["differences"].size(), 5005u);
  EXPECT_EQ(j["differences"][0]["object_type"], "index");
  EXPECT_EQ(j["differences"][1]["object"], "public.a");
  EXPECT_EQ(j["differences"][2]["key"], "id=2");
  EXPECT_EQ(j["differences"][3]["object_type"], "key_range");
  EXPECT_EQ(j["differences"][5004]["area"], "matview_data");
}

}  // namespace
}  // namespace hk::verify
