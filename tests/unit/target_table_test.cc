// DDL detection: a source relation against the target table's columns.
#include "cdc/target_table.h"

#include <gtest/gtest.h>

namespace hk::cdc {
namespace {

RelationMsg Rel(std::vector<RelationColumn> cols) {
  RelationMsg r;
  r.nspname = "public";
  r.relname = "t";
  r.columns = std::move(cols);
  return r;
}

TEST(CompareColumns, SameColumnsAnyOrder) {
  auto r = Rel({{true, "id", 23, -1}, {false, "name", 25, -1}});
  EXPECT_EQ(CompareColumns(r, {{"name", 25, -1, "pg_catalog.text"}, {"id", 23, -1, "pg_catalog.int4"}}, {}), "");
}

TEST(CompareColumns, ColumnAddedOnSourceOnly) {
  auto r = Rel({{true, "id", 23, -1}, {false, "extra", 23, -1}});
  std::string d = CompareColumns(r, {{"id", 23, -1, "pg_catalog.int4"}}, {});
  EXPECT_NE(d.find("\"extra\""), std::string::npos) << d;
  EXPECT_NE(d.find("not on the target"), std::string::npos) << d;
}

TEST(CompareColumns, ExtraTargetColumnIsAllowed) {
  auto r = Rel({{true, "id", 23, -1}});
  EXPECT_EQ(CompareColumns(r, {{"id", 23, -1, "pg_catalog.int4"}, {"x", 23, -1, "pg_catalog.int4"}}, {}), "");
}

TEST(CompareColumns, BuiltinTypeOrTypmodChanged) {
  auto r = Rel({{true, "id", 20, -1}});
  EXPECT_NE(CompareColumns(r, {{"id", 23, -1, "pg_catalog.int4"}}, {}), "");
  auto v = Rel({{false, "v", 1043, 24}});
  EXPECT_NE(CompareColumns(v, {{"v", 1043, 14, "pg_catalog.varchar"}}, {}), "");
}

TEST(CompareColumns, UserTypesComparedByName) {
  auto r = Rel({{false, "m", 70000, -1}});
  EXPECT_EQ(CompareColumns(r, {{"m", 81234, -1, "shop.mood"}}, {{70000, "shop.mood"}}), "");
  EXPECT_NE(CompareColumns(r, {{"m", 81234, -1, "shop.other"}}, {{70000, "shop.mood"}}), "");
  EXPECT_EQ(CompareColumns(r, {{"m", 81234, -1, "shop.other"}}, {}), "");  // unknown: not judged
}

// #10.14: pgoutput's Type message names a domain's base type.
TEST(CompareColumns, DomainComparedByItsBaseType) {
  auto r = Rel({{false, "p", 70001, -1}});
  TypeNames types{{70001, "pg_catalog.numeric"}};
  EXPECT_EQ(CompareColumns(r, {{"p", 81235, -1, "public.money2", "pg_catalog.numeric"}}, types),
            "");
  std::string d = CompareColumns(r, {{"p", 81235, -1, "public.money2", "pg_catalog.int8"}}, types);
  EXPECT_NE(d.find("public.money2 (over pg_catalog.int8)"), std::string::npos) << d;
}

}  // namespace
}  // namespace hk::cdc
