#include <gtest/gtest.h>

#include "common/secrets.h"
#include "pg/conninfo.h"

namespace hk::pg {
namespace {

TEST(ConnInfo, ParsesUri) {
  auto ci = ConnInfo::Parse("postgresql://alice:s3cret-pw@db.example.com:6543/shop?sslmode=require");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->params().at("host"), "db.example.com");
  EXPECT_EQ(ci->params().at("port"), "6543");
  EXPECT_EQ(ci->params().at("dbname"), "shop");
  EXPECT_EQ(ci->params().at("user"), "alice");
  EXPECT_EQ(ci->params().at("password"), "s3cret-pw");
  EXPECT_EQ(ci->params().at("sslmode"), "require");
}

TEST(ConnInfo, ParsesKeywordString) {
  auto ci = ConnInfo::Parse("host=10.0.0.5 port=5433 dbname='my db' user=bob password='p w'");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->params().at("dbname"), "my db");
  EXPECT_EQ(ci->params().at("password"), "p w");
}

TEST(ConnInfo, PercentEncodedPassword) {
  auto ci = ConnInfo::Parse("postgres://u:p%40ss%3Aword@h/d");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->params().at("password"), "p@ss:word");
  EXPECT_EQ(ci->Redacted().find("p@ss"), std::string::npos);
}

TEST(ConnInfo, MalformedIsBadInputWithoutPassword) {
  auto ci = ConnInfo::Parse("postgresql://u:topsecret@host:notaport/db");
  ASSERT_FALSE(ci.ok());
  EXPECT_EQ(ci.error().kind, ErrorKind::kBadInput);
  EXPECT_EQ(ci.error().message.find("topsecret"), std::string::npos);
  auto q = ConnInfo::Parse("postgresql://u:topsecret@host/db?nosuchoption=1");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message.find("topsecret"), std::string::npos);
  auto kw = ConnInfo::Parse("host=x password=hunter2xyz dbname");
  ASSERT_FALSE(kw.ok());
  EXPECT_EQ(kw.error().message.find("hunter2xyz"), std::string::npos);
}

TEST(ConnInfo, RedactedHasNoPassword) {
  auto ci = ConnInfo::Parse("postgresql://alice:VerySecret123@db.example.com:5432/shop?sslmode=require");
  ASSERT_TRUE(ci.ok());
  std::string r = ci->Redacted();
  EXPECT_EQ(r, "postgresql://alice@db.example.com:5432/shop?sslmode=require");
  EXPECT_EQ(ci->ToKeywordString(false).find("VerySecret123"), std::string::npos);
  EXPECT_NE(ci->ToKeywordString(true).find("VerySecret123"), std::string::npos);
}

TEST(ConnInfo, EmptyMeansEnvironment) {
  setenv("PGDATABASE", "envdb", 1);
  auto ci = ConnInfo::Parse("");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->Database(), "envdb");
  unsetenv("PGDATABASE");
}

TEST(ConnInfo, WithOverrides) {
  auto ci = ConnInfo::Parse("postgresql://a@h/d");
  ASSERT_TRUE(ci.ok());
  auto c2 = ci->With("dbname", "other");
  EXPECT_EQ(c2.Database(), "other");
  EXPECT_EQ(ci->Database(), "d");
}

TEST(Scrub, MasksUriKeywordAndRegistered) {
  EXPECT_EQ(Scrub("x postgresql://u:pw123@h:5/d y"), "x postgresql://u:****@h:5/d y");
  EXPECT_EQ(Scrub("host=h password=abc123 dbname=d"), "host=h password=**** dbname=d");
  EXPECT_EQ(Scrub("host=h password='a b c' dbname=d"), "host=h password=**** dbname=d");
  EXPECT_EQ(Scrub("?password=zz&sslmode=require"), "?password=****&sslmode=require");
  RegisterSecret("TopSecretValue42");
  EXPECT_EQ(Scrub("error near TopSecretValue42!"), "error near ****!");
}

TEST(Scrub, LongInputsAndEdgeCases) {
  std::string big = "x postgresql://u:pw@h/d " + std::string(200000, 'a') + " http://" + std::string(100000, 'b');
  std::string out = Scrub(big);
  EXPECT_EQ(out.find(":pw@"), std::string::npos);
  EXPECT_EQ(out.size(), big.size() + 2);
  EXPECT_EQ(Scrub("see https://example.com/path and a:b@c"), "see https://example.com/path and a:b@c");
  EXPECT_EQ(Scrub("postgresql://u@h:5432/d"), "postgresql://u@h:5432/d");
  EXPECT_EQ(Scrub("password = 'x\\'y' rest"), "password = **** rest");
  EXPECT_EQ(Scrub("no passwords here=1"), "no passwords here=1");
}

TEST(Scrub, ArgvIsOverwritten) {
  char a0[] = "hikkoshi";
  char a1[] = "--source=postgresql://u:hunter2@h/d";
  char* argv[] = {a0, a1};
  ScrubArgv(2, argv);
  EXPECT_EQ(std::string(a1).find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace hk::pg
