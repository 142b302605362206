#include <gtest/gtest.h>

#include <regex>

#include "pipeline/clone_follow.h"

namespace hk::pipeline {
namespace {

bool Matches(const std::string& re, const std::string& s) {
  return std::regex_match(s, std::regex(re, std::regex::extended));
}

TEST(TablePattern, UnqualifiedWildcards) {
  auto p = ParseTablePattern("audit_*");
  EXPECT_TRUE(p.schema_regex.empty());
  EXPECT_TRUE(Matches(p.name_regex, "audit_log"));
  EXPECT_FALSE(Matches(p.name_regex, "xaudit_log"));
  EXPECT_TRUE(Matches(ParseTablePattern("t?").name_regex, "t1"));
}

TEST(TablePattern, QualifiedAndQuoted) {
  auto p = ParseTablePattern("\"Odd \"\"Schema\"\" ü\".\"Mixed Case\"");
  EXPECT_TRUE(Matches(p.schema_regex, "Odd \"Schema\" ü"));
  EXPECT_TRUE(Matches(p.name_regex, "Mixed Case"));
  auto q = ParseTablePattern("Public.Users");
  EXPECT_TRUE(Matches(q.schema_regex, "public"));
  EXPECT_TRUE(Matches(q.name_regex, "users"));
  EXPECT_FALSE(Matches(q.name_regex, "Users"));
  auto dot = ParseTablePattern("\"a.b\"");
  EXPECT_TRUE(dot.schema_regex.empty());
  EXPECT_TRUE(Matches(dot.name_regex, "a.b"));
}

}  // namespace
}  // namespace hk::pipeline
