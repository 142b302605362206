// check's verdict on the local pg_dump/pg_restore (#12.6), on plain structs.
#include "check/client_tools.h"

#include <gtest/gtest.h>

#include "pg/client_tools.h"

namespace hk::check {
namespace {

pg::PgTool Tool(const std::string& name, int major) {
  return {"/usr/lib/postgresql/" + std::to_string(major) + "/bin/" + name,
          name + " (PostgreSQL) " + std::to_string(major) + ".1", major};
}

ServerFacts Server(int version_num) {
  ServerFacts f;
  f.version_num = version_num;
  return f;
}

TEST(ClientTools, ParsesMajorFromVersionLine) {
  EXPECT_EQ(pg::ParseToolMajor("pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)"), 15);
  EXPECT_EQ(pg::ParseToolMajor("pg_restore (PostgreSQL) 17.2"), 17);
  EXPECT_EQ(pg::ParseToolMajor("something else"), 0);
}

TEST(ClientTools, OlderPgDumpThanSourceIsABlockerNamingTheVersion) {
  ClientToolFacts t{Tool("pg_dump", 15), Tool("pg_restore", 15), "", "", ""};
  Report r;
  EvaluateClientTools(Server(170002), Server(170002), t, r);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].verdict, Verdict::kFail);
  EXPECT_NE(r.items[0].detail.find("PostgreSQL 17"), std::string::npos) << r.items[0].detail;
  EXPECT_NE(r.items[0].fix.find("postgresql-client-17"), std::string::npos) << r.items[0].fix;
  EXPECT_NE(r.items[0].fix.find("--pg-bin-dir"), std::string::npos) << r.items[0].fix;
}

TEST(ClientTools, SameOrNewerPgDumpPasses) {
  ClientToolFacts t{Tool("pg_dump", 15), Tool("pg_restore", 15), "", "", ""};
  Report r;
  EvaluateClientTools(Server(140010), Server(170002), t, r);
  EXPECT_EQ(r.items.at(0).verdict, Verdict::kPass) << r.items[0].detail;
}

TEST(ClientTools, MissingOrMismatchedToolsFail) {
  ClientToolFacts missing{std::nullopt, Tool("pg_restore", 15),
                          "pg_dump was not found (looked in $PATH)", "", ""};
  Report r;
  EvaluateClientTools(Server(150004), Server(150004), missing, r);
  EXPECT_EQ(r.items.at(0).verdict, Verdict::kFail);
  EXPECT_NE(r.items[0].detail.find("not found"), std::string::npos);
  ClientToolFacts mixed{Tool("pg_dump", 17), Tool("pg_restore", 15), "", "", "/opt/pg17/bin"};
  Report r2;
  EvaluateClientTools(Server(150004), Server(150004), mixed, r2);
  EXPECT_EQ(r2.items.at(0).verdict, Verdict::kFail);
}

}  // namespace
}  // namespace hk::check
