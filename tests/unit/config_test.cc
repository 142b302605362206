#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "config/config.h"

namespace hk {
namespace {

std::string WriteTemp(const std::string& text) {
  std::string p = "/tmp/hk-config-test-" + std::to_string(getpid()) + ".toml";
  std::ofstream(p) << text;
  return p;
}

TEST(Config, PrecedenceFlagEnvFile) {
  std::string p = WriteTemp("source = \"postgresql://file/src\"\n[clone]\njobs = 4\n");
  auto c = Config::Load(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->GetInt("clone.jobs"), 4);
  std::string v;
  unsetenv("HK_TEST_SRC");
  c->Resolve(v, false, "HK_TEST_SRC", "source");
  EXPECT_EQ(v, "postgresql://file/src");
  setenv("HK_TEST_SRC", "postgresql://env/src", 1);
  c->Resolve(v, false, "HK_TEST_SRC", "source");
  EXPECT_EQ(v, "postgresql://env/src");
  std::string flag = "postgresql://flag/src";
  c->Resolve(flag, true, "HK_TEST_SRC", "source");
  EXPECT_EQ(flag, "postgresql://flag/src");
  unsetenv("HK_TEST_SRC");
  unlink(p.c_str());
}

TEST(Config, MissingAndBrokenFiles) {
  auto missing = Config::Load("/nonexistent/hikkoshi.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kBadInput);
  std::string p = WriteTemp("source = \n");
  auto broken = Config::Load(p);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("line 1"), std::string::npos);
  unlink(p.c_str());
}

}  // namespace
}  // namespace hk
