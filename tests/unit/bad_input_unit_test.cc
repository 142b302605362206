// Issue #14, secrets and bad input: the pure-logic halves (the command halves
// are in tests/integration/bad_input_test.cc).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cdc/follow_state.h"
#include "clone/clone_state.h"
#include "common/exit_codes.h"
#include "common/secrets.h"
#include "config/config.h"
#include "cutover/config.h"
#include "pg/child_secrets.h"
#include "pg/conninfo.h"
#include "pg/error.h"

namespace hk {
namespace {

std::string TempDir(const std::string& tag) {
  std::string d = "/tmp/hk-badinput-unit-" + tag + "-" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

int Mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// #14.1: libpq refuses the string, the password is still masked.
TEST(BadInputSecrets, UnparsableUriPasswordIsMasked) {
  for (const char* uri : {"postgresql://u:Zq%zzSecretA@h/db", "postgresql://u:Zq%00SecretB@h/db"}) {
    auto ci = pg::ConnInfo::Parse(uri);
    ASSERT_FALSE(ci.ok()) << uri;
    EXPECT_EQ(ci.error().message.find("Secret"), std::string::npos) << ci.error().message;
    EXPECT_EQ(Scrub(std::string("echo: ") + uri).find("Secret"), std::string::npos);
  }
  auto kw = pg::ConnInfo::Parse("host=h password='Zq%zzSecretC dbname=x");
  ASSERT_FALSE(kw.ok());
  EXPECT_EQ(Scrub("got Zq%zzSecretC here").find("SecretC"), std::string::npos);
}

TEST(BadInputSecrets, RegisterSecretsInFindsEveryForm) {
  RegisterSecretsIn("postgres://u:Pw%41xq9Reg1@h/d");  // percent-decoded form too
  EXPECT_EQ(Scrub("x PwAxq9Reg1 y"), "x **** y");
  EXPECT_EQ(Scrub("x Pw%41xq9Reg1 y"), "x **** y");
  RegisterSecretsIn("host=h sslpassword='k\\'ey Reg2'");
  EXPECT_EQ(Scrub("[k'ey Reg2]"), "[****]");
  RegisterSecretsIn("postgresql://h/d?password=Reg3xyz&sslmode=disable");
  EXPECT_EQ(Scrub("(Reg3xyz)"), "(****)");
}

// #14.4: a short password is masked as a token, not inside other words.
TEST(BadInputSecrets, ShortPasswordMaskedOnlyAsWholeToken) {
  auto ci = pg::ConnInfo::Parse("postgresql://postgres:post@127.0.0.1:5432/postgres");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(Scrub("connecting to postgresql://postgres:post@127.0.0.1:5432/postgres"),
            "connecting to postgresql://postgres:****@127.0.0.1:5432/postgres");
  EXPECT_EQ(Scrub("user postgres on postgresql"), "user postgres on postgresql");
  EXPECT_EQ(Scrub("the password post was refused"), "the password **** was refused");
  EXPECT_EQ(Scrub("\"post\""), "\"****\"");
  EXPECT_EQ(ci->Redacted(), "postgresql://postgres@127.0.0.1:5432/postgres");
}

// #14.2: sslpassword is a secret like password: never in a keyword string for
// a command line, never in Redacted(), handed over in a 0600 service file.
TEST(BadInputSecrets, SslPasswordNeverOnTheCommandLine) {
  EXPECT_TRUE(pg::IsSecretOption("password"));
  EXPECT_TRUE(pg::IsSecretOption("sslpassword"));
  EXPECT_FALSE(pg::IsSecretOption("sslkey"));
  auto ci = pg::ConnInfo::Parse("host=h dbname=d password=PwChild1 sslpassword=SslChild1");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->ToKeywordString(false).find("Child1"), std::string::npos)
      << ci->ToKeywordString(false);
  EXPECT_EQ(ci->Redacted().find("Child1"), std::string::npos) << ci->Redacted();
  EXPECT_EQ(Scrub("SslChild1"), "****");

  std::string file;
  {
    auto s = pg::ChildSecrets::For(*ci);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->env().at("PGPASSWORD"), "PwChild1");
    ASSERT_TRUE(s->env().count("PGSERVICEFILE"));
    EXPECT_EQ(s->env().at("PGSERVICE"), "hikkoshi");
    file = s->env().at("PGSERVICEFILE");
    EXPECT_EQ(Mode(file), 0600);
    EXPECT_EQ(Mode(std::filesystem::path(file).parent_path().string()), 0700);
    std::ifstream f(file);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_EQ(ss.str(), "[hikkoshi]\nsslpassword=SslChild1\n");
  }
  EXPECT_FALSE(std::filesystem::exists(file)) << "service file left behind";

  auto plain = pg::ConnInfo::Parse("host=h dbname=d password=PwOnly");
  ASSERT_TRUE(plain.ok());
  auto p = pg::ChildSecrets::For(*plain);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->env().size(), 1u);
}

// #12.3: TLS settings reach pg_dump/pg_restore through PGSSL* variables,
// never their command line.
TEST(BadInputSecrets, TlsSettingsTravelInTheEnvironment) {
  auto ci = pg::ConnInfo::Parse(
      "postgresql://u@db.example/app?sslmode=verify-full&sslrootcert=/ca/root.pem"
      "&sslcert=/c/client.crt&sslkey=/c/client.key&application_name=x");
  ASSERT_TRUE(ci.ok());
  auto s = pg::ChildSecrets::For(*ci);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->env().at("PGSSLMODE"), "verify-full");
  EXPECT_EQ(s->env().at("PGSSLROOTCERT"), "/ca/root.pem");
  EXPECT_EQ(s->env().at("PGSSLCERT"), "/c/client.crt");
  EXPECT_EQ(s->env().at("PGSSLKEY"), "/c/client.key");
  EXPECT_EQ(s->env().count("PGSERVICEFILE"), 0u);
  std::string line = pg::ChildSecrets::CommandLine(*ci).ToKeywordString(false);
  EXPECT_EQ(line.find("ssl"), std::string::npos) << line;
  EXPECT_NE(line.find("db.example"), std::string::npos) << line;
  EXPECT_NE(line.find("application_name"), std::string::npos) << line;
}

// #14.5: every section is validated.
TEST(BadInputConfig, UnknownKeysWrongTypesAndRangesAreErrors) {
  std::string d = TempDir("cfg");
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"sourse = \"postgresql://h/d\"\n", "line 1: sourse is not a known key"},
      {"[clone]\njobz = 4\n", "line 2: clone.jobz is not a known key"},
      {"[clone]\njobs = \"four\"\n", "line 2: clone.jobs must be a whole number from 1 to 64"},
      {"[clone]\njobs = -3\n", "line 2: clone.jobs is -3, out of range (1 to 64)"},
      {"source = 5\n", "line 1: source must be a string"},
      {"[clon]\njobs = 4\n", "[clon] is not a known section"},
  };
  for (const auto& c : cases) {
    auto cfg = Config::Load(WriteFile(d + "/h.toml", c.text));
    ASSERT_FALSE(cfg.ok()) << c.text;
    EXPECT_EQ(cfg.error().kind, ErrorKind::kBadInput);
    EXPECT_NE(cfg.error().message.find(c.expect), std::string::npos)
        << c.text << " -> " << cfg.error().message;
  }
  auto good =
      Config::Load(WriteFile(d + "/h.toml",
                             "source = \"a\"\ntarget = \"b\"\nworkdir = \"w\"\n[clone]\n"
                             "jobs = 2\nindex_jobs = 64\n[cutover]\nfreeze = \"readonly\"\n"));
  EXPECT_TRUE(good.ok()) << good.error().message;
  auto cut = cutover::ParseCutoverConfig("[cutover]\nmax_frezee = \"3s\"\n", "h.toml");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("h.toml line 2: cutover.max_frezee is not a known key"),
            std::string::npos)
      << cut.error().message;
  std::filesystem::remove_all(d);
}

// #14.6: durations that overflow are refused, not wrapped to negative numbers.
TEST(BadInputDurations, OverflowIsRefused) {
  EXPECT_FALSE(ParseDuration("99999999999999999999h", "").ok());
  EXPECT_FALSE(ParseDuration(std::string(400, '9') + "s", "").ok());
  EXPECT_FALSE(ParseDuration("169h", "").ok());
  EXPECT_EQ(ParseDuration("168h", "").value(), cutover::kMaxDurationMs);
  EXPECT_EQ(ParseDuration("30s", "").value(), 30000);
  auto cut = cutover::ParseCutoverConfig("[cutover]\nmax_freeze = 9223372036854775807\n", "h.toml");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("out of range"), std::string::npos) << cut.error().message;
  auto neg = cutover::ParseCutoverConfig("[cutover]\nmax_freeze = -5\n", "h.toml");
  EXPECT_FALSE(neg.ok());
}

// #14.7: a corrupt clone.db is named as corrupt, not as "not writable".
TEST(BadInputState, CorruptCloneDbIsNamed) {
  std::string d = TempDir("clonedb");
  std::string db = WriteFile(d + "/clone.db", std::string(8192, 'x'));
  auto s = clone::StateStore::Open(db);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("the clone state file " + db + " is corrupt"), std::string::npos)
      << s.error().message;
  EXPECT_EQ(s.error().hint.find("writable"), std::string::npos) << s.error().hint;
  EXPECT_EQ(pg::ExitCodeFor(s.error()), kExitInternal);
  std::filesystem::remove_all(d);
}

// #14.9: follow.json with a wrong field type: one sentence, no JSON exception.
TEST(BadInputState, FollowJsonWrongTypeIsOneSentence) {
  std::string d = TempDir("follow");
  WriteFile(cdc::FollowStatePath(d), R"({"slot": 42, "origin": "o", "id": "x"})");
  auto s = cdc::LoadFollowState(d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("the follow state file " + cdc::FollowStatePath(d) +
                                   " is corrupt (field \"slot\" has the wrong type)"),
            std::string::npos)
      << s.error().message;
  EXPECT_EQ(s.error().message.find("json.exception"), std::string::npos) << s.error().message;
  EXPECT_FALSE(s.error().hint.empty());
  std::filesystem::remove_all(d);
}

// #14.8: TLS failures have their own sentence and exit code 5.
TEST(BadInputTls, CertificateFailuresAreExit5) {
  const char* msgs[] = {
      "connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify "
      "failed\n",
      "connection to server at \"127.0.0.1\", port 5432 failed: server certificate for "
      "\"127.0.0.1\" "
      "(and 1 other name) does not match host name \"wrong.example\"\n",
      "connection to server at \"::1\", port 5432 failed: Connection refused\n\tIs the server "
      "running "
      "on that host and accepting TCP/IP connections?\nconnection to server at \"127.0.0.1\", port "
      "5432 failed: SSL error: certificate verify failed\n",
  };
  for (const char* m : msgs) {
    Error e = pg::ClassifyConnectMessage(m, "postgresql://u@h/d");
    EXPECT_EQ(pg::ExitCodeFor(e), kExitAuth) << m;
    EXPECT_NE(e.message.find("TLS certificate"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("is the server running"), std::string::npos) << e.message;
  }
  Error bad = pg::ClassifyConnectMessage("invalid sslmode value: \"bogus\"\n", "x");
  EXPECT_EQ(pg::ExitCodeFor(bad), kExitUsage) << bad.message;
  Error n = pg::ClassifyConnectMessage("server does not support SSL, but SSL was required\n", "x");
  EXPECT_EQ(pg::ExitCodeFor(n), kExitAuth);
  EXPECT_NE(n.message.find("TLS negotiation"), std::string::npos) << n.message;
}

}  // namespace
}  // namespace hk
