// Issue #14, secrets and bad input: the real binary given what a hostile new
// user gives it. Each test names the item it covers; docs/errors.md lists the
// inputs, exit codes and sentences.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/exit_codes.h"
#include "support/fault_proxy.h"
#include "support/harness.h"
#include "support/s3_server.h"

namespace hk::test {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int Mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

std::string Scratch(const std::string& tag) {
  std::string d = "/tmp/hk-badinput-" + std::to_string(getpid()) + "-" + tag;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string Both(const ProcessResult& r) { return r.out + r.err; }

// #14.1: libpq cannot parse the URL; its password must not be printed, in
// text or in --json.
TEST(BadInput, UnparsableUrlPasswordIsMaskedTextAndJson) {
  for (const char* pw : {"Zq%zzLeakOne", "Zq%00LeakTwo"}) {
    std::string url = std::string("postgresql://app:") + pw + "@127.0.0.1:1/shop";
    for (bool json : {false, true}) {
      std::vector<std::string> args = {"check", "--source", url, "--target",
                                       "postgresql://127.0.0.1:1/x"};
      if (json) args.push_back("--json");
      auto r = RunHikkoshi(args);
      EXPECT_EQ(r.exit_code, kExitUsage) << Both(r);
      EXPECT_EQ(Both(r).find("Leak"), std::string::npos) << "password leaked: " << Both(r);
      EXPECT_NE(r.err.find("--source: the connection string is malformed"), std::string::npos)
          << r.err;
      if (json) {
        EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["exit_code"], kExitUsage);
      }
    }
  }
}

// #14.3: the password is gone from /proc/PID/cmdline before the argument
// parser runs (the test hook stops the process right there).
TEST(BadInput, ArgvIsScrubbedBeforeParsing) {
  std::string url = "postgresql://app:ArgvLeak77@127.0.0.1:1/shop";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("HIKKOSHI_TEST_STOP_AFTER_ARGV", "1", 1);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(HIKKOSHI_BINARY, "hikkoshi", "check", "--source", url.c_str(), "--target",
          "host=127.0.0.1 port=1 password=ArgvLeak88", static_cast<char*>(nullptr));
    _exit(127);
  }
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, WUNTRACED), pid);
  ASSERT_TRUE(WIFSTOPPED(st)) << "the test hook did not stop the process";
  std::string cmdline = Slurp("/proc/" + std::to_string(pid) + "/cmdline");
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  for (char& c : cmdline)
    if (c == '\0') c = ' ';
  EXPECT_NE(cmdline.find("check --source postgresql://app:"), std::string::npos) << cmdline;
  EXPECT_EQ(cmdline.find("ArgvLeak"), std::string::npos)
      << "password in the process title: " << cmdline;
}

// #14.4: a short password is masked where it stands, not inside "postgresql".
TEST(BadInput, ShortPasswordIsNotMaskedInsideWords) {
  auto r = RunHikkoshi({"check", "--source", "postgresql://postgres:post@127.0.0.1:1/postgres",
                        "--target", "postgresql://127.0.0.1:1/x"});
  EXPECT_EQ(r.exit_code, kExitUnreachable) << Both(r);
  EXPECT_EQ(Both(r).find("****gres"), std::string::npos) << Both(r);
  EXPECT_NE(r.err.find("postgresql://postgres@127.0.0.1:1/postgres"), std::string::npos) << r.err;
  EXPECT_EQ(Both(r).find(":post@"), std::string::npos) << Both(r);
}

// #14.5: every section of hikkoshi.toml is validated; exit 3, one sentence
// naming the line.
TEST(BadInput, ConfigOutsideCutoverIsValidated) {
  std::string d = Scratch("config");
  struct Case {
    const char* toml;
    const char* sentence;
  } cases[] = {
      {"sourse = \"postgresql://127.0.0.1:1/x\"\n", "line 1: sourse is not a known key"},
      {"[clone]\njobz = 4\n", "line 2: clone.jobz is not a known key"},
      {"[clone]\njobs = \"four\"\n", "line 2: clone.jobs must be a whole number from 1 to 64"},
      {"[clone]\njobs = -3\n", "line 2: clone.jobs is -3, out of range (1 to 64)"},
      {"[cutover]\nmax_frezee = \"5s\"\n", "line 2: cutover.max_frezee is not a known key"},
  };
  for (const auto& c : cases) {
    std::ofstream(d + "/hikkoshi.toml") << c.toml;
    auto r = RunHikkoshi({"--config", d + "/hikkoshi.toml", "clone", "--source",
                          "postgresql://127.0.0.1:1/x", "--target", "postgresql://127.0.0.1:1/y",
                          "--dir", d + "/work"});
    EXPECT_EQ(r.exit_code, kExitUsage) << c.toml << Both(r);
    EXPECT_NE(r.err.find(d + "/hikkoshi.toml " + c.sentence), std::string::npos) << c.toml << r.err;
  }
  fs::remove_all(d);
}

// #14.6: an overflowing duration is refused, not wrapped to a negative number.
TEST(BadInput, OverflowingDurationIsExit3) {
  for (const char* v : {"99999999999999999999h", "-5s", "8d"}) {
    auto r =
        RunHikkoshi({"cutover", "--source", "postgresql://127.0.0.1:1/x", "--target",
                     "postgresql://127.0.0.1:1/y", "--max-freeze", v, "--dir", "/nonexistent"});
    EXPECT_EQ(r.exit_code, kExitUsage) << v << Both(r);
    EXPECT_NE(r.err.find("--max-freeze"), std::string::npos) << v << r.err;
  }
}

// #14.9: follow.json with a wrong field type: one sentence naming the file.
TEST(BadInput, CorruptFollowJsonIsOneSentence) {
  std::string d = Scratch("follow");
  std::ofstream(d + "/follow.json")
      << R"({"id": "x", "slot": ["not", "a", "name"], "origin": "o"})";
  auto r = RunHikkoshi({"status", "--dir", d});
  EXPECT_EQ(r.exit_code, kExitInternal) << Both(r);
  EXPECT_NE(r.err.find("the follow state file " + d +
                       "/follow.json is corrupt (field \"slot\" has the wrong type)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Both(r).find("json.exception"), std::string::npos) << Both(r);
  fs::remove_all(d);
}

// One TLS cluster (pgcluster --ssl) for the tests that need a server.
class BadInputTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new Cluster("tls", {"--ssl"});
    pg_->CreateDatabase("shop");
    pg_->Sql(
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a'), "
        "(2, 'b')",
        "shop");
    pg_->CreateDatabase("copy");
    const char* b = std::getenv("HIKKOSHI_CLUSTER_BASE");
    const char* t = std::getenv("TMPDIR");
    std::string base = b && *b ? b : std::string(t && *t ? t : "/tmp") + "/hikkoshi-clusters";
    ca_ = base + "/" + pg_->name() + "/ssl/ca.crt";
  }
  static void TearDownTestSuite() { delete pg_; }

  // URI of `db` with extra query parameters.
  static std::string Url(const std::string& db, const std::string& query,
                         const std::string& host = "127.0.0.1") {
    return "postgresql://postgres:hk-local-pw@" + host + ":" + std::to_string(pg_->port()) + "/" +
           db + "?" + query;
  }

  static Cluster* pg_;
  static std::string ca_;
};
Cluster* BadInputTls::pg_ = nullptr;
std::string BadInputTls::ca_;

// #14.8: a wrong CA and a host name the certificate does not name are both
// TLS failures: exit 5 and their own sentence (not "is the server running?").
TEST_F(BadInputTls, CertificateFailuresAreExit5) {
  std::string d = Scratch("wrongca");
  auto mk = RunShell(
      "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout " +
      d + "/k.pem -out " + d + "/ca.crt -days 1 -subj /CN=wrong-ca");
  ASSERT_EQ(mk.exit_code, 0) << mk.err;
  ASSERT_EQ(Mode(ca_) & 0444, 0444) << ca_;
  const std::string cases[] = {
      Url("shop", "sslmode=verify-full&sslrootcert=" + d + "/ca.crt"),
      Url("shop", "sslmode=verify-full&sslrootcert=" + ca_ + "&hostaddr=127.0.0.1",
          "wrong.example"),
  };
  for (const auto& src : cases) {
    for (bool json : {false, true}) {
      std::vector<std::string> args = {"check", "--source", src, "--target",
                                       Url("copy", "sslmode=require")};
      if (json) args.push_back("--json");
      auto r = RunHikkoshi(args);
      EXPECT_EQ(r.exit_code, kExitAuth) << src << Both(r);
      EXPECT_NE(r.err.find("the TLS certificate of the server at"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("server running"), std::string::npos) << r.err;
      EXPECT_EQ(Both(r).find("hk-local-pw"), std::string::npos) << Both(r);
      if (json) {
        EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["exit_code"], kExitAuth) << r.out;
      }
    }
  }
  fs::remove_all(d);
}

// The rest of the docs/errors.md catalogue: one input, its exit code, the
// start of its sentence.
TEST_F(BadInputTls, CatalogueOfConnectionInputs) {
  std::string good = Url("postgres", "sslmode=require");
  std::string port = std::to_string(pg_->port());
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string sentence;
  } cases[] = {
      {{"check", "--source", "postgresql://u@h:notaport/db", "--target", good},
       kExitUsage,
       "--source: the connection string has an invalid port \"notaport\""},
      {{"check", "--source", "postgresql://h/db?nosuchoption=1", "--target", good},
       kExitUsage,
       "--source: the connection string is malformed (invalid URI query parameter"},
      {{"check", "--source",
        "postgresql://postgres:hk-local-pw@127.0.0.1:" + port + "/postgres?sslmode=bogus",
        "--target", good},
       kExitUsage,
       "the connection string of postgresql://postgres@127.0.0.1:" + port +
           "/postgres?sslmode=bogus has an invalid setting: invalid sslmode value"},
      {{"check", "--source", "postgresql://postgres:WrongPw1@127.0.0.1:" + port + "/postgres",
        "--target", good},
       kExitAuth,
       "authentication failed at postgresql://postgres@127.0.0.1:" + port + "/postgres"},
      {{"check", "--source", Url("nosuchdb", "sslmode=require"), "--target", good},
       kExitNoDatabase,
       "cannot connect to postgresql://postgres@127.0.0.1:" + port + "/nosuchdb"},
      {{"check", "--source", Url("postgres", "sslmode=verify-ca&sslrootcert=/nonexistent/ca.crt"),
        "--target", good},
       kExitAuth,
       "the TLS certificate of the server at"},
      {{"--config", "/nonexistent/hikkoshi.toml", "check", "--source", good, "--target", good},
       kExitUsage,
       "config file /nonexistent/hikkoshi.toml does not exist"},
      {{"check", "--frobnicate"},
       kExitUsage,
       "The following argument was not expected: --frobnicate"},
      {{"clone", "--jobs", "0", "--source", good, "--target", good},
       kExitUsage,
       "--jobs: Value 0 not in range 1 to 64"},
  };
  for (const auto& c : cases) {
    auto r = RunHikkoshi(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.sentence << "\n" << Both(r);
    EXPECT_NE(r.err.find("hikkoshi: error: " + c.sentence), std::string::npos) << r.err;
    EXPECT_EQ(Both(r).find("hk-local-pw"), std::string::npos) << Both(r);
    EXPECT_EQ(Both(r).find("WrongPw1"), std::string::npos) << Both(r);
  }
}

// Fake pg_dump / pg_restore that record their command line and the service
// file they were given, then run the real tool.
std::string MakeToolSpies(const std::string& dir) {
  auto bindir = RunShell("pg_config --bindir");
  std::string real = bindir.out.substr(0, bindir.out.find('\n'));
  for (const char* tool : {"pg_dump", "pg_restore"}) {
    std::string p = dir + "/" + tool;
    std::ofstream(p) << "#!/bin/sh\n"
                     << "if [ \"$1\" != --version ]; then\n"
                     << "  printf '%s\\n' \"$*\" >> " << dir << "/argv.txt\n"
                     << "  if [ -n \"$PGSERVICEFILE\" ]; then cat \"$PGSERVICEFILE\" >> " << dir
                     << "/service.txt; stat -c %a \"$PGSERVICEFILE\" >> " << dir
                     << "/mode.txt; fi\n"
                     << "fi\n"
                     << "exec " << real << "/" << tool << " \"$@\"\n";
    fs::permissions(p, fs::perms::owner_all);
  }
  return dir;
}

// #14.2 and #14.10: backup and clone hand sslpassword to pg_dump/pg_restore
// in a 0600 service file, never on the command line; backup files are 0600
// in 0700 directories.
TEST_F(BadInputTls, SslPasswordNeverOnToolCommandLinesAndBackupIsPrivate) {
  std::string d = Scratch("spy");
  std::string spies = MakeToolSpies(d);
  std::string q = "sslmode=verify-full&sslrootcert=" + ca_ + "&sslpassword=SslPwSpy42";

  auto b =
      RunHikkoshi({"backup", "--source", Url("shop", q), "--to", d + "/backups", "--name", "b1"},
                  {{"HIKKOSHI_PG_BINDIR", spies}});
  ASSERT_EQ(b.exit_code, kExitOk) << Both(b);
  EXPECT_EQ(Both(b).find("SslPwSpy42"), std::string::npos) << Both(b);
  EXPECT_EQ(Mode(d + "/backups"), 0700);
  EXPECT_EQ(Mode(d + "/backups/b1"), 0700);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(d + "/backups/b1")) {
    if (e.is_regular_file()) {
      ++files;
      EXPECT_EQ(Mode(e.path().string()), 0600) << e.path();
    } else if (e.is_directory()) {
      EXPECT_EQ(Mode(e.path().string()), 0700) << e.path();
    }
  }
  EXPECT_GE(files, 2);

  auto c = RunHikkoshi({"clone", "--source", Url("shop", q), "--target", Url("copy", q), "--dir",
                        d + "/work", "--jobs", "1", "--index-jobs", "1"},
                       {{"PATH", spies + ":" + std::string(std::getenv("PATH"))}});
  ASSERT_EQ(c.exit_code, kExitOk) << Both(c);
  EXPECT_EQ(pg_->Value("SELECT count(*) FROM items", "copy"), "2");

  std::string argv = Slurp(d + "/argv.txt");
  EXPECT_NE(argv.find("--snapshot"), std::string::npos) << "the spies were not used: " << argv;
  EXPECT_NE(argv.find("--list"), std::string::npos) << "pg_restore was not spied on: " << argv;
  EXPECT_EQ(argv.find("SslPwSpy42"), std::string::npos)
      << "sslpassword on a command line: " << argv;
  EXPECT_EQ(argv.find("hk-local-pw"), std::string::npos) << "password on a command line: " << argv;
  EXPECT_NE(Slurp(d + "/service.txt").find("sslpassword=SslPwSpy42"), std::string::npos);
  std::string modes = Slurp(d + "/mode.txt");
  EXPECT_FALSE(modes.empty());
  EXPECT_EQ(modes.find_first_not_of("600\n"), std::string::npos) << modes;
  fs::remove_all(d);
}

// #14.7: a corrupt clone.db: exit 10, the file named as corrupt, not
// "check the work directory is writable".
TEST_F(BadInputTls, CorruptCloneDbIsNamed) {
  std::string d = Scratch("clonedb");
  fs::create_directories(d + "/work");
  std::ofstream(d + "/work/clone.db") << std::string(8192, 'x');
  auto r = RunHikkoshi({"clone", "--resume", "--source", Url("shop", "sslmode=require"), "--target",
                        Url("copy", "sslmode=require"), "--dir", d + "/work"});
  EXPECT_EQ(r.exit_code, kExitInternal) << Both(r);
  EXPECT_NE(r.err.find("the clone state file " + d + "/work/clone.db is corrupt"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("writable"), std::string::npos) << r.err;
  fs::remove_all(d);
}

}  // namespace
}  // namespace hk::test

namespace hk::test {
namespace {

// #14.1: malformed --retry-for / --stall-timeout are usage errors (3) in
// every command that takes them, and a first connection that fails is the
// user's input (exit 4 at once), never retried for --retry-for's 10 minutes.
TEST(BadInput, RetryDurationsAndFirstConnectionsAreNotRetried) {
  const std::string a = "postgresql://postgres:pw@127.0.0.1:1/db";
  const std::string b = "postgresql://postgres:pw@127.0.0.1:2/db";
  const std::string dir = Scratch("retry");
  struct Case {
    std::vector<std::string> args;
    const char* sentence;
  };
  const std::vector<Case> cases = {
      {{"clone", "--source", a, "--target", b, "--dir", dir, "--retry-for", "5 parsecs"},
       "--retry-for 5 parsecs is not a duration"},
      {{"verify", "--source", a, "--target", b, "--retry-for", "-1m"},
       "--retry-for -1m is not a duration"},
      {{"verify", "--source", a, "--target", b, "--retry-for", "99999999999999999999h"},
       "--retry-for 99999999999999999999h is longer than 7d, the most it accepts"},
      {{"follow", "--source", a, "--target", b, "--dir", dir, "--stall-timeout", "soon"},
       "--stall-timeout soon is not a duration"},
  };
  for (const auto& c : cases) {
    auto r = RunHikkoshi(c.args);
    EXPECT_EQ(r.exit_code, kExitUsage) << c.sentence << "\n" << r.err;
    EXPECT_NE(r.err.find(c.sentence), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hikkoshi: fix: write it like"), std::string::npos) << r.err;
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"clone", "--source", a, "--target", b, "--dir", dir},
        std::vector<std::string>{"verify", "--source", a, "--target", b},
        std::vector<std::string>{"clone", "--source",
                                 "postgresql://postgres:pw@no-such-host.invalid/db", "--target", b,
                                 "--dir", dir}}) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = RunHikkoshi(args);
    EXPECT_EQ(r.exit_code, kExitUnreachable) << args[0] << "\n" << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
    EXPECT_EQ(r.err.find("retrying"), std::string::npos) << r.err;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hk::test

namespace hk::test {
namespace {

// What a failing command must not have changed: databases, user relations,
// slots, publications, origins on each server.
std::string ServerState(Cluster& c, const std::string& db) {
  return c.Value(
      "SELECT (SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database) || ' | ' ||"
      " (SELECT count(*) FROM pg_class WHERE relnamespace NOT IN ('pg_catalog'::regnamespace,"
      " 'information_schema'::regnamespace, 'pg_toast'::regnamespace)) || ' | ' ||"
      " (SELECT count(*) FROM pg_replication_slots) || ' ' || (SELECT count(*) FROM"
      " pg_publication) || ' ' || (SELECT count(*) FROM pg_replication_origin) || ' | ' ||"
      " (SELECT coalesce(string_agg(setconfig::text, ','), '') FROM pg_db_role_setting)",
      db);
}

// #14.3: more of the catalogue (docs/errors.md), each with its exit code, its
// sentence, and nothing changed on either server.
TEST(BadInput, CatalogueSameDatabaseConflictsSizesLsnsAndStrings) {
  Cluster src("bi-cat-src");
  Cluster dst("bi-cat-dst");
  src.CreateDatabase("shop");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)", "shop");
  dst.CreateDatabase("tgt");
  const std::string dir = Scratch("catalogue");
  const std::string s = src.Uri("shop");
  std::string local = s;  // the same database through "localhost"
  local.replace(local.find("127.0.0.1"), 9, "localhost");
  const std::string kw = "host=127.0.0.1 port=" + std::to_string(src.port()) +
                         " dbname=shop user=postgres password=hk-local-pw";
  const std::string t = dst.Uri("tgt");
  struct Case {
    std::vector<std::string> args;
    int exit;
    const char* sentence;
  };
  const std::vector<Case> cases = {
      {{"clone", "--source", s, "--target", local, "--dir", dir + "/1"},
       kExitBlocked,
       "the source and the target are the same database"},
      {{"clone", "--source", kw, "--target", local, "--dir", dir + "/2"},
       kExitBlocked,
       "the source and the target are the same database"},
      {{"verify", "--source", s, "--target", local},
       kExitBlocked,
       "the source and the target are the same database"},
      {{"verify", "--source", kw, "--target", s, "--json"}, kExitBlocked, "\"exit_code\": 2"},
      {{"verify", "--source", s, "--target", t, "--schema-only", "--data-only"},
       kExitUsage,
       "--schema-only excludes --data-only"},
      {{"follow", "--source", s, "--target", t, "--dir", dir + "/3", "--until-lsn", "0/1",
        "--until-caught-up"},
       kExitUsage,
       "--until-lsn excludes --until-caught-up"},
      {{"clone", "--source", s, "--target", t, "--dir", dir + "/4", "--copy-only-table", "t"},
       kExitUsage,
       "only make sense with --follow"},
      {{"clone", "--source", s, "--target", t, "--dir", dir + "/5", "--split-tables-larger-than",
        "12parsecs"},
       kExitUsage,
       "invalid size unit in \"12parsecs\""},
      {{"follow", "--source", s, "--target", t, "--dir", dir + "/6", "--until-lsn", "nonsense"},
       kExitUsage,
       "--until-lsn nonsense is not an LSN"},
      {{"clone", "--source", "host=127.0.0.1 port", "--target", t, "--dir", dir + "/7"},
       kExitUsage,
       "missing \"=\" after \"port\""},
      {{"clone", "--source", "postgresql://[::1", "--target", t, "--dir", dir + "/8"},
       kExitUsage,
       "IPv6 host address"},
      {{"clone", "--source", "mysql://x/y", "--target", t, "--dir", dir + "/9"},
       kExitUsage,
       "the connection string is malformed"},
      {{"clone", "--source", s, "--target", t, "--dir", dir + "/10", "--lock-timeout", "forever"},
       kExitUsage,
       "--lock-timeout forever is not a duration"},
      {{"clone", "--source", s, "--target", t, "--dir", dir + "/11", "--resume"},
       kExitBlocked,
       "there is no clone to resume"},
      {{"follow", "--source", s, "--target", t, "--dir", dir + "/12"},
       kExitUsage,
       "no follow state in"},
      {{"clone", "--source", s, "--target", dst.Uri("nosuch"), "--dir", dir + "/13"},
       kExitNoDatabase,
       "database \"nosuch\" does not exist"},
  };
  const std::string before_s = ServerState(src, "shop"), before_t = ServerState(dst, "tgt");
  for (const auto& c : cases) {
    auto r = RunHikkoshi(c.args);
    std::string all = r.out + r.err;
    EXPECT_EQ(r.exit_code, c.exit) << c.sentence << "\n" << all;
    EXPECT_NE(all.find(c.sentence), std::string::npos) << all;
    EXPECT_EQ(ServerState(src, "shop"), before_s) << c.sentence;
    EXPECT_EQ(ServerState(dst, "tgt"), before_t) << c.sentence;
  }
  fs::remove_all(dir);
}

// #14 / #16: the same condition gives the same exit code in every command. A
// table without a primary key blocks change capture: exit 2 (kBlocked) from
// `follow --setup` and from `clone --follow` alike, with the same sentence,
// and nothing changed on either server.
TEST(BadInput, BlockedIsTheSameExitCodeInFollowAndCloneFollow) {
  Cluster src("bi-blk-src");
  Cluster dst("bi-blk-dst");
  src.CreateDatabase("shop");
  src.Sql("CREATE TABLE nokey (v int); INSERT INTO nokey VALUES (1)", "shop");
  dst.CreateDatabase("tgt");
  const std::string dir = Scratch("blocked");
  const std::string s = src.Uri("shop"), t = dst.Uri("tgt");
  const std::string before_s = ServerState(src, "shop"), before_t = ServerState(dst, "tgt");
  const std::vector<std::vector<std::string>> commands = {
      {"follow", "--setup", "--source", s, "--target", t, "--dir", dir + "/follow"},
      {"clone", "--follow", "--source", s, "--target", t, "--dir", dir + "/clone-follow"},
  };
  for (const auto& args : commands) {
    auto r = RunHikkoshi(args);
    std::string all = r.out + r.err;
    EXPECT_EQ(r.exit_code, kExitBlocked) << args[0] << " " << args[1] << "\n" << all;
    EXPECT_NE(all.find("cannot follow changes of tables without a primary key or replica "
                       "identity: public.nokey"),
              std::string::npos)
        << all;
    EXPECT_EQ(ServerState(src, "shop"), before_s) << args[0] << " " << args[1];
    EXPECT_EQ(ServerState(dst, "tgt"), before_t) << args[0] << " " << args[1];
  }
  fs::remove_all(dir);
}

// Rows and md5 of every public table, by SQL alone (independent of verify).
std::string TableDigests(Cluster& c, const std::string& db) {
  auto conn = c.Connect(db);
  auto rels = conn.Exec(
      "SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'r' AND relnamespace = "
      "'public'::regnamespace ORDER BY 1");
  EXPECT_TRUE(rels.ok());
  std::string out;
  if (!rels.ok()) return out;
  for (int i = 0; i < rels->rows(); ++i) {
    auto v = conn.QueryValue("SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, ',' ORDER "
                             "BY x::text), '')) FROM public." +
                             rels->Str(i, 0) + " x");
    out += rels->Str(i, 0) + " " + (v.ok() ? *v : "error") + "\n";
  }
  return out;
}

std::string Indexes(Cluster& c, const std::string& db) {
  return c.Value(
      "SELECT coalesce(string_agg(indexdef, ';' ORDER BY indexdef), '') FROM pg_indexes WHERE "
      "schemaname = 'public'",
      db);
}

// #14.4 SigV4 clock skew: S3 (s3rver, its clock an hour ahead) refuses
// every request; one sentence names the clock, exit 5, nothing is stored.
TEST(BadInput, SigV4ClockSkewIsNamed) {
  Cluster src("bi-skew");
  src.CreateDatabase("shop");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)", "shop");
  S3Server s3("skewbucket", 3600);
  const std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "S3RVER"},
                                                  {"AWS_SECRET_ACCESS_KEY", "S3RVER"},
                                                  {"AWS_REGION", "us-east-1"}};
  for (bool json : {false, true}) {
    std::vector<std::string> args = {"backup", "--source",      src.Uri("shop"), "--to",
                                     "s3://skewbucket/b",       "--s3-endpoint", s3.Endpoint(),
                                     "--s3-path-style"};
    if (json) args.push_back("--json");
    auto r = RunHikkoshi(args, env);
    EXPECT_EQ(r.exit_code, kExitAuth) << Both(r);
    EXPECT_NE(Both(r).find("clock is more than 15 minutes off"), std::string::npos) << Both(r);
    EXPECT_NE(Both(r).find("RequestTimeTooSkewed"), std::string::npos) << Both(r);
  }
  auto stored = RunShell("find " + ShellQuote(s3.dir() + "/data/skewbucket") + " -type f");
  EXPECT_EQ(stored.out, "") << stored.out;
}

// #14.4/#14.6 Ctrl-C at each stage of clone (schema, mid-COPY, index
// build, post-data): exit 130 with the resume sentence, the rerun with
// --resume finishes, and the target equals the source.
TEST(BadInput, CtrlCAtEachStageOfCloneIsResumable) {
  Cluster src("bi-int-src");
  Cluster dst("bi-int-dst");
  src.CreateDatabase("shop");
  src.Sql(
      "CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL);"
      "INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 30000) g;"
      "CREATE INDEX big_payload ON big (payload);"
      "CREATE TABLE small (id int PRIMARY KEY, big_id int REFERENCES big (id));"
      "INSERT INTO small SELECT g, g FROM generate_series(1, 100) g;",
      "shop");
  const std::string dir = Scratch("ctrlc-clone");
  const std::string want = TableDigests(src, "shop"), want_idx = Indexes(src, "shop");
  int n = 0;
  for (const char* point :
       {"pre-data-restored:1", "copy-bytes:1", "index-commit:1", "post-data-restored:1"}) {
    const std::string db = "t" + std::to_string(++n);
    dst.CreateDatabase(db);
    std::vector<std::string> args = {"clone", "--source", src.Uri("shop"), "--target",
                                     dst.Uri(db), "--dir", dir + "/" + db};
    auto r = RunHikkoshi(args, {{"HIKKOSHI_TEST_INTERRUPT_AFTER", point}});
    EXPECT_EQ(r.exit_code, kExitInterrupted) << point << "\n" << r.err;
    EXPECT_NE(r.err.find("--resume"), std::string::npos) << point << "\n" << r.err;
    // No temporary file is left in the work directory.
    auto tmp = RunShell("find " + ShellQuote(dir + "/" + db) + " -name '*.tmp*' -o -name '*.part'");
    EXPECT_EQ(tmp.out, "") << point;
    args.push_back("--resume");
    r = RunHikkoshi(args);
    ASSERT_EQ(r.exit_code, 0) << point << "\n" << r.err;
    EXPECT_EQ(TableDigests(dst, db), want) << point;
    EXPECT_EQ(Indexes(dst, db), want_idx) << point;
  }
  fs::remove_all(dir);
}

// #14.4/#14.6 Ctrl-C in verify, backup and follow: exit 130, no
// half-written file, and the next run works from what is there.
TEST(BadInput, CtrlCInVerifyBackupAndFollow) {
  Cluster src("bi-int2-src");
  Cluster dst("bi-int2-dst");
  src.CreateDatabase("shop");
  dst.CreateDatabase("shop");
  src.Sql(
      "CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL);"
      "INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 30000) g;",
      "shop");
  const std::string dir = Scratch("ctrlc");
  auto r = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--source", src.Uri("shop"),
                        "--target", dst.Uri("shop"), "--dir", dir + "/w"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // verify, slowed by a proxy so that Ctrl-C lands in the hashing.
  FaultProxy slow(dst.port());
  slow.SetLatency(std::chrono::milliseconds(40));
  {
    BackgroundHikkoshi v({"verify", "--source", src.Uri("shop"), "--target",
                          slow.Through(dst.Uri("shop")), "--chunk-rows", "500", "--jobs", "1",
                          "--dir", dir + "/w"},
                         dir + "/verify.log");
    v.Start();
    for (int i = 0; i < 200 && slow.bytes_forwarded() < 20000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(v.Signal(SIGINT), kExitInterrupted) << Slurp(dir + "/verify.log");
  }
  // Either no verify.json or a whole one.
  if (fs::exists(dir + "/w/verify.json")) {
    EXPECT_TRUE(nlohmann::json::accept(Slurp(dir + "/w/verify.json")));
  }
  auto left = RunShell("find " + ShellQuote(dir + "/w") + " -name '*.tmp*'");
  EXPECT_EQ(left.out, "");
  r = RunHikkoshi(
      {"verify", "--source", src.Uri("shop"), "--target", dst.Uri("shop"), "--dir", dir + "/w"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // backup: Ctrl-C while pg_dump runs (SIGTERM has its own fault test).
  FaultProxy narrow(src.port());
  narrow.SetBandwidth(500'000);
  {
    BackgroundHikkoshi b({"backup", "--source", narrow.Through(src.Uri("shop")), "--to",
                          dir + "/b", "--name", "int1"},
                         dir + "/backup.log");
    b.Start();
    for (int i = 0; i < 400 && narrow.bytes_forwarded() < 600'000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(b.Signal(SIGINT), kExitInterrupted) << Slurp(dir + "/backup.log");
  }
  auto partial = RunShell("find " + ShellQuote(dir + "/b") + " -mindepth 1 -name '*int1*'");
  EXPECT_EQ(partial.out, "") << partial.out;

  // follow: Ctrl-C while it applies; the next run picks up from the slot.
  {
    BackgroundHikkoshi f({"follow", "--source", src.Uri("shop"), "--target", dst.Uri("shop"),
                          "--dir", dir + "/w"},
                         dir + "/follow.log");
    f.Start();
    src.Sql("UPDATE big SET payload = 'x' || id WHERE id <= 20000", "shop");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(f.Signal(SIGINT), kExitInterrupted) << Slurp(dir + "/follow.log");
  }
  EXPECT_TRUE(nlohmann::json::accept(Slurp(dir + "/w/follow.json")));
  r = RunHikkoshi({"follow", "--until-caught-up", "--source", src.Uri("shop"), "--target",
                   dst.Uri("shop"), "--dir", dir + "/w"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TableDigests(dst, "shop"), TableDigests(src, "shop"));
  RunHikkoshi({"cleanup", "--source", src.Uri("shop"), "--target", dst.Uri("shop"), "--dir",
               dir + "/w"});
  fs::remove_all(dir);
}

// #14.4 A corrupt or truncated backup manifest: restore and backup verify
// name the manifest; nothing is restored.
TEST(BadInput, CorruptOrTruncatedBackupManifest) {
  Cluster src("bi-manifest");
  src.CreateDatabase("shop");
  src.Sql("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)", "shop");
  const std::string dir = Scratch("manifest");
  auto r =
      RunHikkoshi({"backup", "--source", src.Uri("shop"), "--to", dir + "/b", "--name", "m1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto found = RunShell("find " + ShellQuote(dir + "/b") + " -name '*manifest*' -path '*m1*'");
  const std::string manifest = found.out.substr(0, found.out.find('\n'));
  ASSERT_FALSE(manifest.empty()) << RunShell("find " + ShellQuote(dir + "/b")).out;
  const std::string good = Slurp(manifest);
  for (const std::string how : {"truncated", "garbage"}) {
    std::ofstream(manifest, std::ios::trunc)
        << (how == "truncated" ? good.substr(0, good.size() / 2) : std::string("{\"not\": [1, 2"));
    src.CreateDatabase("r_" + how);
    r = RunHikkoshi(
        {"restore", "--from", dir + "/b", "--name", "m1", "--target", src.Uri("r_" + how)});
    EXPECT_NE(r.exit_code, 0) << how;
    EXPECT_NE(r.err.find("manifest"), std::string::npos) << how << "\n" << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    EXPECT_EQ(src.Value("SELECT count(*) FROM pg_class WHERE relnamespace = "
                        "'public'::regnamespace",
                        "r_" + how),
              "0")
        << how;
    auto v = RunHikkoshi({"backup", "verify", "--from", dir + "/b", "--name", "m1"});
    EXPECT_NE(v.exit_code, 0) << how;
    EXPECT_NE(v.err.find("manifest"), std::string::npos) << how << "\n" << v.err;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hk::test
