#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>

#include "verify/int_buckets.h"
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

// Arithmetic chunks: every key lies in the range of its own chunk
// (key / width, truncating toward zero, as PostgreSQL's integer division).
int64_t FromText(const std::string& s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool InRange(const KeyRange& r, int64_t k) {
  if (r.lo && k < FromText((*r.lo)[0])) return false;
  if (r.hi && k >= FromText((*r.hi)[0])) return false;
  return true;
}

TEST(VerifyIntBuckets, EveryKeyIsInItsChunksRange) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    std::string type, lo, hi;
    int64_t n;
  };
  for (const Case& c : {Case{"integer", "1", "1200000", 600}, Case{"integer", "-500", "500", 7},
                        Case{"bigint", std::to_string(kMin), std::to_string(kMax), 3000},
                        Case{"bigint", std::to_string(kMin), std::to_string(kMax), 2},
                        Case{"smallint", "-32768", "32767", 50}, Case{"bigint", "5", "5", 4}}) {
    auto b = PlanIntBuckets(c.type, c.lo, c.hi, c.n);
    ASSERT_TRUE(b) << c.type << " " << c.lo << " " << c.hi;
    EXPECT_GE(b->width, 1);
    for (int64_t k : {kMin, kMin + 1, int64_t{-70000}, int64_t{-32768}, int64_t{-2001},
                      int64_t{-2000}, int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{1999},
                      int64_t{2000}, int64_t{2001}, int64_t{32767}, int64_t{1200000}, kMax - 1,
                      kMax}) {
      if (k < b->type_min || k > b->type_max) continue;
      int64_t bucket = k / b->width;
      EXPECT_TRUE(InRange(IntBucketRange(*b, bucket), k))
          << c.type << " width " << b->width << " key " << k << " bucket " << bucket;
      // ... and in no neighbour's.
      // (no neighbour beyond the int64 range: bucket -+ 1 would overflow)
      if (bucket > kMin) {
        EXPECT_FALSE(InRange(IntBucketRange(*b, bucket - 1), k)) << k;
      }
      if (bucket < kMax) {
        EXPECT_FALSE(InRange(IntBucketRange(*b, bucket + 1), k)) << k;
      }
    }
  }
}

TEST(VerifyIntBuckets, WidthAndExpression) {
  auto b = PlanIntBuckets("integer", "1", "1200000", 600);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->width, 2000);
  EXPECT_EQ(IntBucketExpr(*b, "t.\"id\"", 1), "t.\"id\" / $1::smallint");
  KeyRange r = IntBucketRange(*b, 3);
  EXPECT_EQ((*r.lo)[0], "6000");
  EXPECT_EQ((*r.hi)[0], "8000");
  r = IntBucketRange(*b, 0);
  EXPECT_EQ((*r.lo)[0], "-1999");
  EXPECT_EQ((*r.hi)[0], "2000");
  r = IntBucketRange(*b, -1);
  EXPECT_EQ((*r.lo)[0], "-3999");
  EXPECT_EQ((*r.hi)[0], "-1999");
  auto wide = PlanIntBuckets("bigint", "-9223372036854775808", "9223372036854775807", 2);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->param_type, "bigint");
  EXPECT_FALSE(IntBucketRange(*wide, -1).lo);  // open toward the type's minimum
  EXPECT_FALSE(IntBucketRange(*wide, 1).hi);
  EXPECT_FALSE(PlanIntBuckets("numeric", "1", "2", 2));
  EXPECT_FALSE(PlanIntBuckets("text", "1", "2", 2));
  EXPECT_FALSE(PlanIntBuckets("integer", "x", "2", 2));
}

}  // namespace
}  // namespace hk::verify
