// hikkoshi backup / backup list / backup verify / restore against a real
// PostgreSQL 15 cluster and a real S3-compatible server (s3rver from
// tools/node_modules, installed by scripts/bootstrap) on loopback. Uploads are
// cross-checked with an independent client (awscli); restores are checked
// with SQL-side hashes on both servers. Budget: 4 minutes; about 55 s on a
// quiet 2-core machine, about 100 s at load average 12.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/fault_proxy.h"
#include "support/harness.h"
#include "support/s3_server.h"

namespace hk::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBucket = "hkbucket";
constexpr const char* kSecret = "S3RVER";  // s3rver's built-in key pair is S3RVER/S3RVER

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::map<std::string, std::string> S3Env() {
  return {{"AWS_ACCESS_KEY_ID", "S3RVER"},
          {"AWS_SECRET_ACCESS_KEY", kSecret},
          {"AWS_REGION", "us-east-1"}};
}

// The independent client: Debian's awscli.
ProcessResult Aws(const S3Server& s3, const std::string& args) {
  std::string aws = fs::exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";
  return RunShell(
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 " + aws +
      " --endpoint-url " + s3.Endpoint() + " " + args);
}

std::string Sha256File(const std::string& path) {
  auto r = RunShell("sha256sum " + ShellQuote(path));
  return r.out.substr(0, 64);
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void FlipByte(const std::string& path, long offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(offset);
  f.write(&c, 1);
}

class BackupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new Cluster("backup");
    pg_->CreateDatabase("shop");
    pg_->PsqlFile(SourceDir() + "/scripts/sample-data.sql", "shop", {"scale=0.01"});
    s3_ = new S3Server(kBucket);
    work_ = Trim(RunShell("mktemp -d /tmp/hk-backup-test-XXXXXX").out);
  }
  static void TearDownTestSuite() {
    delete s3_;
    delete pg_;
    RunShell("rm -rf " + ShellQuote(work_));
  }

  static std::string S3Url() { return std::string("s3://") + kBucket + "/backups"; }
  static std::vector<std::string> S3Flags() {
    return {"--s3-endpoint", s3_->Endpoint(), "--s3-path-style"};
  }
  static std::vector<std::string> With(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // Per-table hash of every row's text, computed by each server itself.
  static std::map<std::string, std::string> TableHashes(const std::string& db) {
    std::map<std::string, std::string> out;
    auto c = pg_->Connect(db);
    auto tables =
        c.Exec("SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1");
    EXPECT_TRUE(tables.ok());
    for (int i = 0; i < tables->rows(); ++i) {
      std::string t = tables->Str(i, 0);
      out[t] = pg_->Value(
          "SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY "
          "md5(x::text))), '') FROM " +
              t + " x",
          db);
    }
    return out;
  }

  static nlohmann::json ListJson(const std::string& from, bool s3) {
    std::vector<std::string> args = {"backup", "list", "--from", from, "--json"};
    if (s3) args = With(args, S3Flags());
    auto r = RunHikkoshi(args, S3Env());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  static const nlohmann::json* Find(const nlohmann::json& list, const std::string& name) {
    for (const auto& b : list["backups"]) {
      if (b["name"] == name) return &b;
    }
    return nullptr;
  }

  static Cluster* pg_;
  static S3Server* s3_;
  static std::string work_;
};

Cluster* BackupTest::pg_ = nullptr;
S3Server* BackupTest::s3_ = nullptr;
std::string BackupTest::work_;

TEST_F(BackupTest, LocalAndS3BackupVerifiesRestoresAndMatchesSource) {
  std::string local = work_ + "/local";
  auto r = RunHikkoshi(With({"backup", "--source", pg_->Uri("shop"), "--to", local, "--to", S3Url(),
                             "--name", "full1"},
                            S3Flags()),
                       S3Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(kSecret + std::string("@")), std::string::npos);
  EXPECT_EQ(r.err.find("hk-local-pw"), std::string::npos) << "password leaked: " << r.err;

  // The manifest: exact counts from the snapshot and a checksum that matches the file.
  std::ifstream mf(local + "/full1/manifest.json");
  auto m = nlohmann::json::parse(mf);
  EXPECT_EQ(m["format"], "hikkoshi-backup");
  EXPECT_EQ(m["source"]["url"].get<std::string>().find("hk-local-pw"), std::string::npos);
  EXPECT_FALSE(m["source"]["lsn"].get<std::string>().empty());
  bool saw_users = false;
  for (const auto& t : m["tables"]) {
    std::string q =
        "\"" + t["schema"].get<std::string>() + "\".\"" + t["name"].get<std::string>() + "\"";
    EXPECT_EQ(std::to_string(t["rows"].get<int64_t>()),
              pg_->Value("SELECT count(*) FROM " + q, "shop"))
        << q;
    if (t["name"] == "users") saw_users = true;
  }
  EXPECT_TRUE(saw_users);
  ASSERT_EQ(m["files"].size(), 1u);
  std::string sha = m["files"][0]["sha256"];
  EXPECT_EQ(Sha256File(local + "/full1/dump.pgdump"), sha);

  // Independent client: the S3 object is there and byte-identical.
  auto ls = Aws(*s3_, std::string("s3 ls s3://") + kBucket + "/backups/full1/");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("manifest.json"), std::string::npos);
  EXPECT_NE(ls.out.find("dump.pgdump"), std::string::npos);
  auto cp = Aws(*s3_, std::string("s3 cp s3://") + kBucket + "/backups/full1/dump.pgdump " + work_ +
                          "/aws.pgdump");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(Sha256File(work_ + "/aws.pgdump"), sha);

  // verify --restore-into a scratch database, from S3.
  pg_->CreateDatabase("scratch_s3");
  auto v = RunHikkoshi(With({"backup", "verify", "--from", S3Url(), "--name", "full1",
                             "--restore-into", pg_->Uri("scratch_s3")},
                            S3Flags()),
                       S3Env());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(TableHashes("scratch_s3"), TableHashes("shop"));

  // verify of the local copy (checksums + pg_restore --list).
  auto vl = RunHikkoshi({"backup", "verify", "--from", local, "--name", "full1"});
  EXPECT_EQ(vl.exit_code, 0) << vl.out << vl.err;

  // list: complete and verified.
  auto l = ListJson(S3Url(), true);
  const auto* e = Find(l, "full1");
  ASSERT_NE(e, nullptr) << l.dump();
  EXPECT_TRUE((*e)["complete"].get<bool>());
  EXPECT_EQ((*e)["verification"], "ok");
  EXPECT_TRUE((*e)["restore_checked"].get<bool>());
  auto text = RunHikkoshi({"backup", "list", "--from", local});
  EXPECT_NE(text.out.find("full1"), std::string::npos);
  EXPECT_NE(text.out.find("complete"), std::string::npos);

  // restore from the local copy into an empty database, in parallel.
  pg_->CreateDatabase("restored");
  auto rs = RunHikkoshi({"restore", "--from", local, "--name", "full1", "--target",
                         pg_->Uri("restored"), "--jobs", "2"});
  EXPECT_EQ(rs.exit_code, 0) << rs.out << rs.err;
  EXPECT_EQ(TableHashes("restored"), TableHashes("shop"));

  // A non-empty target is refused (exit 2) and left alone.
  auto again = RunHikkoshi(
      {"restore", "--from", local, "--name", "full1", "--target", pg_->Uri("restored")});
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
}

// Seconds between two log lines' timestamps ("...T12:34:56.789Z INFO <a>" and <b>).
double LoggedSeconds(const std::string& out, const std::string& a, const std::string& b) {
  auto at = [&](const std::string& what) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("T(\\d\\d):(\\d\\d):(\\d\\d\\.\\d+)Z INFO +" + what)))
      return -1.0;
    return std::stod(m[1]) * 3600 + std::stod(m[2]) * 60 + std::stod(m[3]);
  };
  double x = at(a), y = at(b);
  return x < 0 || y < 0 ? -1 : y - x;
}

// The live views of backup and restore under a pseudo-terminal (cursor
// hidden, then shown; the last frame holds the final numbers), none off a
// terminal, and Ctrl-C during a backup leaves the cursor shown.
TEST_F(BackupTest, TerminalViewsForBackupAndRestore) {
  pg_->CreateDatabase("viewdb");
  pg_->Sql(
      "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS t"
      " FROM generate_series(1, 200000) g; ALTER TABLE big ADD PRIMARY KEY (id);"
      " CREATE INDEX big_t ON big (t)",
      "viewdb");
  std::string local = work_ + "/views", B = ShellQuote(HIKKOSHI_BINARY);
  auto tty = RunShell("script -qec " +
                      ShellQuote(B + " backup --source " + ShellQuote(pg_->Uri("viewdb")) +
                                 " --to " + ShellQuote(local) + " --name view1") +
                      " /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  size_t hide = tty.out.find("\x1b[?25l"), show = tty.out.rfind("\x1b[?25h");
  ASSERT_NE(hide, std::string::npos) << tty.out;
  ASSERT_NE(show, std::string::npos) << tty.out;
  EXPECT_LT(hide, show);
  EXPECT_TRUE(std::regex_search(
      tty.out, std::regex("backup +done in [^\\n]*tables 1/1  rows 200000/200000 [^\\n]*"
                          "stored in 1 destination")))
      << tty.out;
  EXPECT_EQ(tty.out.find("hk-local-pw"), std::string::npos) << "password leaked: " << tty.out;
  double dump_s = LoggedSeconds(tty.out, "dumping ", "dump of view1 done");
  if (dump_s > 1.2) {  // slow enough for a redraw with the table in flight
    EXPECT_TRUE(std::regex_search(tty.out, std::regex("public\\.big +\\[#*\\.*\\] +[0-9]+%")))
        << tty.out;
  }

  // restore under a terminal: the manifest's table, its rows, index builds counted.
  pg_->CreateDatabase("viewrestore");
  auto rs = RunShell("script -qec " +
                     ShellQuote(B + " restore --from " + ShellQuote(local) +
                                " --name view1 --target " + ShellQuote(pg_->Uri("viewrestore"))) +
                     " /dev/null");
  ASSERT_EQ(rs.exit_code, 0) << rs.out << rs.err;
  EXPECT_LT(rs.out.find("\x1b[?25l"), rs.out.rfind("\x1b[?25h")) << rs.out;
  EXPECT_NE(rs.out.find("restored   tables 1/1  rows 200000/200000  in "), std::string::npos)
      << rs.out;
  EXPECT_EQ(pg_->Value("SELECT count(*) FROM big", "viewrestore"), "200000");

  // Off a terminal: today's log lines, no escape sequence.
  auto plain =
      RunHikkoshi({"backup", "--source", pg_->Uri("viewdb"), "--to", local, "--name", "view2"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err.find("\x1b["), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("dump of view2 done"), std::string::npos) << plain.err;
  pg_->CreateDatabase("viewplain");
  auto vp = RunHikkoshi({"backup", "verify", "--from", local, "--name", "view2", "--restore-into",
                         pg_->Uri("viewplain")});
  ASSERT_EQ(vp.exit_code, 0) << vp.out << vp.err;
  EXPECT_EQ(vp.err.find("\x1b["), std::string::npos) << vp.err;

  // Ctrl-C (SIGINT to backup) while the view is up: the cursor comes back.
  pg_->Sql("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(200001, 600000) g",
           "viewdb");
  std::string pidfile = work_ + "/intr.pid", out = work_ + "/intr.out";
  std::ofstream(work_ + "/intr.sh")
      << "echo $$ > " << pidfile << "\nexec " << B << " backup --source "
      << ShellQuote(pg_->Uri("viewdb")) << " --to " << ShellQuote(local) << " --name view3\n";
  ASSERT_EQ(RunShell("(script -qec " + ShellQuote("sh " + work_ + "/intr.sh") + " /dev/null >" +
                     ShellQuote(out) + " 2>&1 &)")
                .exit_code,
            0);
  bool drawn = false;
  for (int i = 0; i < 300 && !drawn; ++i) {
    drawn = ReadAll(out).find("\x1b[?25l") != std::string::npos;
    if (!drawn) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(drawn) << ReadAll(out);
  int pid = std::atoi(ReadAll(pidfile).c_str());
  ASSERT_GT(pid, 0);
  kill(pid, SIGINT);
  for (int i = 0; i < 400 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // script copies the last output
  std::string o = ReadAll(out);
  hide = o.find("\x1b[?25l");
  show = o.rfind("\x1b[?25h");
  ASSERT_NE(show, std::string::npos) << o;
  EXPECT_GT(show, hide) << o;
  EXPECT_NE(o.find("interrupted"), std::string::npos) << o;
  EXPECT_FALSE(fs::exists(local + "/view3/manifest.json"));
}

TEST_F(BackupTest, EdgeCaseSchemaRoundTripsInDirectoryFormat) {
  pg_->CreateDatabase("edge");
  pg_->PsqlFile(SourceDir() + "/tests/sql/edge_cases.sql", "edge");
  std::string local = work_ + "/edge";
  auto r = RunHikkoshi(
      {"backup", "--source", pg_->Uri("edge"), "--to", local, "--name", "edge1", "--jobs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pg_->CreateDatabase("edge_scratch");
  auto v = RunHikkoshi({"backup", "verify", "--from", local, "--name", "edge1", "--restore-into",
                        pg_->Uri("edge_scratch"), "--jobs", "2"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(TableHashes("edge_scratch"), TableHashes("edge"));
  EXPECT_EQ(pg_->Value("SELECT count(*) FROM pg_largeobject_metadata", "edge_scratch"),
            pg_->Value("SELECT count(*) FROM pg_largeobject_metadata", "edge"));
}

TEST_F(BackupTest, FlippedByteFailsVerifyAndNamesTheFile) {
  std::string local = work_ + "/flip";
  auto r = RunHikkoshi(With({"backup", "--source", pg_->Uri("shop"), "--to", local, "--to", S3Url(),
                             "--name", "flip1"},
                            S3Flags()),
                       S3Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;

  FlipByte(local + "/flip1/dump.pgdump", 12345);
  auto v = RunHikkoshi({"backup", "verify", "--from", local, "--name", "flip1"});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("dump.pgdump"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("SHA-256 mismatch"), std::string::npos) << v.out;
  auto flist = ListJson(local, false);
  const auto* e = Find(flist, "flip1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["verification"], "FAILED");

  // The same for the S3 object, damaged through the independent client.
  std::string tmp = work_ + "/flip-s3.pgdump";
  std::string obj = std::string("s3://") + kBucket + "/backups/flip1/dump.pgdump";
  ASSERT_EQ(Aws(*s3_, "s3 cp " + obj + " " + tmp).exit_code, 0);
  FlipByte(tmp, 4242);
  ASSERT_EQ(Aws(*s3_, "s3 cp " + tmp + " " + obj).exit_code, 0);
  auto vs = RunHikkoshi(With({"backup", "verify", "--from", S3Url(), "--name", "flip1"}, S3Flags()),
                        S3Env());
  EXPECT_EQ(vs.exit_code, 1) << vs.out << vs.err;
  EXPECT_NE(vs.out.find("dump.pgdump"), std::string::npos) << vs.out;

  // A damaged backup is never restored.
  pg_->CreateDatabase("never_restored");
  auto rs = RunHikkoshi(
      {"restore", "--from", local, "--name", "flip1", "--target", pg_->Uri("never_restored")});
  EXPECT_EQ(rs.exit_code, 2) << rs.err;
  EXPECT_EQ(pg_->Value("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace",
                       "never_restored"),
            "0");
}

TEST_F(BackupTest, KilledHalfwayNeverListedComplete) {
  std::string local = work_ + "/crash";
  for (const char* point : {"dump", "upload"}) {
    std::string name = std::string("crash-") + point;
    auto env = S3Env();
    env["HIKKOSHI_TEST_CRASH_AFTER"] = point;
    auto r = RunHikkoshi(With({"backup", "--source", pg_->Uri("shop"), "--to", local, "--to",
                               S3Url(), "--name", name},
                              S3Flags()),
                         env);
    EXPECT_EQ(r.exit_code, 128 + 9) << point << ": " << r.err;
    for (bool s3 : {false, true}) {
      auto l = ListJson(s3 ? S3Url() : local, s3);
      const auto* e = Find(l, name);
      if (e) {
        EXPECT_FALSE((*e)["complete"].get<bool>()) << point << " " << l.dump();
      }
    }
    auto v = RunHikkoshi(With({"backup", "verify", "--from", S3Url(), "--name", name}, S3Flags()),
                         S3Env());
    EXPECT_EQ(v.exit_code, 3) << v.err;
    EXPECT_NE(v.err.find("no complete backup"), std::string::npos) << v.err;
  }
  // After the upload crash the files are there, the manifest is not.
  auto clist = ListJson(local, false);
  const auto* e = Find(clist, "crash-upload");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE((*e)["complete"].get<bool>());
  EXPECT_GT((*e)["size_bytes"].get<uint64_t>(), 0u);
}

TEST_F(BackupTest, MultipartUploadWithSmallParts) {
  auto env = S3Env();
  env["HIKKOSHI_S3_PART_SIZE"] = "1048576";
  env["HIKKOSHI_TEST_ALLOW_SMALL_PARTS"] = "1";
  auto r = RunHikkoshi(With({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--name",
                             "multi", "--jobs", "2"},
                            S3Flags()),
                       env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(" parts"), std::string::npos)
      << "no file was large enough for multipart: " << r.err;

  // Every file as the independent client sees it matches the manifest.
  std::string mpath = work_ + "/multi-manifest.json";
  ASSERT_EQ(
      Aws(*s3_, std::string("s3 cp s3://") + kBucket + "/backups/multi/manifest.json " + mpath)
          .exit_code,
      0);
  std::ifstream mf(mpath);
  auto m = nlohmann::json::parse(mf);
  EXPECT_EQ(m["dump"]["format"], "directory");
  bool big = false;
  for (const auto& f : m["files"]) {
    if (f["size"].get<uint64_t>() <= 1048576) continue;
    big = true;
    std::string dst = work_ + "/multi-" + std::to_string(f["size"].get<uint64_t>());
    ASSERT_EQ(Aws(*s3_, std::string("s3 cp s3://") + kBucket + "/backups/multi/" +
                            f["path"].get<std::string>() + " " + dst)
                  .exit_code,
              0);
    EXPECT_EQ(Sha256File(dst), f["sha256"].get<std::string>()) << f["path"];
  }
  EXPECT_TRUE(big);
  auto v = RunHikkoshi(With({"backup", "verify", "--from", S3Url(), "--name", "multi"}, S3Flags()),
                       S3Env());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// #10.12: a kill -9 during a multipart upload leaves an unfinished upload in
// the bucket; the UploadId was remembered locally before the first part, and
// the next backup to that bucket aborts it. s3rver 3.7 implements neither
// ListMultipartUploads (hence the local record) nor AbortMultipartUpload (it
// answers 405), so against it the record stays and the warning says so; the
// test checks that the abort is sent for exactly the remembered upload.
TEST_F(BackupTest, KilledDuringMultipartUploadIsAbortedByTheNextRun) {
  std::string state = work_ + "/mp-state";
  auto env = S3Env();
  env["HIKKOSHI_S3_PART_SIZE"] = "1048576";
  env["HIKKOSHI_TEST_ALLOW_SMALL_PARTS"] = "1";
  env["HIKKOSHI_DIR"] = state;
  auto crash_env = env;
  crash_env["HIKKOSHI_TEST_CRASH_AFTER"] = "part";
  auto r = RunHikkoshi(With({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--name",
                             "mp-killed", "--jobs", "2"},
                            S3Flags()),
                       crash_env);
  ASSERT_EQ(r.exit_code, 128 + 9) << r.err;
  auto records = RunShell("ls " + ShellQuote(state + "/s3-uploads"));
  ASSERT_EQ(records.exit_code, 0) << "no upload remembered";
  std::ifstream rf(state + "/s3-uploads/" + Trim(records.out));
  auto rec = nlohmann::json::parse(rf);
  std::string id = rec["upload_id"].get<std::string>();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(rec["bucket"], kBucket);
  EXPECT_EQ(rec["key"].get<std::string>().rfind("backups/mp-killed/", 0), 0u) << rec.dump();

  auto next = RunHikkoshi(
      With({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--name", "mp-next"},
           S3Flags()),
      env);
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("unfinished multipart upload " + id), std::string::npos) << next.err;
  bool aborted =
      next.err.find("aborted the unfinished multipart upload " + id) != std::string::npos;
  bool kept = RunShell("ls " + ShellQuote(state + "/s3-uploads") + " | grep -q .").exit_code == 0;
  EXPECT_NE(aborted, kept) << next.err;  // forgotten exactly when the server aborted it
  if (!aborted) {
    EXPECT_NE(next.err.find("kept for the next run"), std::string::npos) << next.err;
  }
}

TEST_F(BackupTest, S3ErrorsAreClearSentencesWithDistinctCodes) {
  auto base =
      With({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--name", "never"}, S3Flags());
  auto env = S3Env();
  env["AWS_ACCESS_KEY_ID"] = "NOT-A-KEY";
  env["AWS_SECRET_ACCESS_KEY"] = "very-secret-value-42";
  auto r = RunHikkoshi(base, env);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("refused the credentials"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("very-secret-value-42"), std::string::npos);

  auto nb = RunHikkoshi(
      With({"backup", "--source", pg_->Uri("shop"), "--to", "s3://no-such-bucket/x"}, S3Flags()),
      S3Env());
  EXPECT_EQ(nb.exit_code, 3) << nb.err;
  EXPECT_NE(nb.err.find("does not exist"), std::string::npos) << nb.err;

  auto un = RunHikkoshi({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--s3-endpoint",
                         "http://127.0.0.1:" + std::to_string(FreePort())},
                        S3Env());
  EXPECT_EQ(un.exit_code, 4) << un.err;
  EXPECT_NE(un.err.find("cannot reach the S3 endpoint"), std::string::npos) << un.err;

  auto nocred = RunHikkoshi(base, {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_EQ(nocred.exit_code, 3) << nocred.err;
  EXPECT_NE(nocred.err.find("no S3 credentials"), std::string::npos) << nocred.err;
}

TEST_F(BackupTest, FullDiskIsAClearSentenceAndNothingComplete) {
  std::string dir = work_ + "/fulldisk";
  fs::create_directories(dir);
  if (RunShell("mount -t tmpfs -o size=1m tmpfs " + ShellQuote(dir)).exit_code != 0) {
    GTEST_SKIP() << "cannot mount a 1 MiB tmpfs here (needs root)";
  }
  struct Unmount {
    std::string d;
    ~Unmount() { RunShell("umount " + ShellQuote(d)); }
  } unmount{dir};
  auto r = RunHikkoshi({"backup", "--source", pg_->Uri("shop"), "--to", dir, "--name", "nospace"});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.err.find("is full"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/nospace/manifest.json"));
  auto l = ListJson(dir, false);
  for (const auto& b : l["backups"]) EXPECT_FALSE(b["complete"].get<bool>()) << l.dump();
}

TEST_F(BackupTest, MissingOrOldPgDumpIsAClearError) {
  std::string empty = work_ + "/emptybin";
  fs::create_directories(empty);
  std::string local = work_ + "/nodump";
  auto r = RunHikkoshi({"backup", "--source", pg_->Uri("shop"), "--to", local, "--name", "x"},
                       {{"HIKKOSHI_PG_BINDIR", empty}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("pg_dump was not found"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(local + "/x"));

  std::string old = work_ + "/oldbin";
  fs::create_directories(old);
  {
    std::ofstream f(old + "/pg_dump");
    f << "#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n";
  }
  fs::permissions(old + "/pg_dump", fs::perms::owner_all);
  auto o = RunHikkoshi({"backup", "--source", pg_->Uri("shop"), "--to", local, "--name", "y"},
                       {{"HIKKOSHI_PG_BINDIR", old}});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_NE(o.err.find("older pg_dump cannot dump a newer server"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(local + "/y"));
}

// #12/#14: an S3 outage longer than the fixed attempts (new connections
// closed for 8 s) is ridden out under --retry-for, by backup and restore.
TEST_F(BackupTest, S3OutageIsRetriedForRetryForByBackupAndRestore) {
  FaultProxy proxy(s3_->port());
  const std::vector<std::string> s3 = {"--s3-endpoint",
                                       "http://127.0.0.1:" + std::to_string(proxy.port()),
                                       "--s3-path-style", "--retry-for", "1m"};
  proxy.RefuseFor(std::chrono::seconds(8));
  auto r = RunHikkoshi(
      With({"backup", "--source", pg_->Uri("shop"), "--to", S3Url(), "--name", "outage1"}, s3),
      S3Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("transient, retrying"), std::string::npos) << r.err;
  pg_->CreateDatabase("outage_restore");
  proxy.RefuseFor(std::chrono::seconds(8));
  r = RunHikkoshi(With({"restore", "--from", S3Url(), "--name", "outage1", "--target",
                        pg_->Uri("outage_restore")},
                       s3),
                  S3Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("transient, retrying"), std::string::npos) << r.err;
  EXPECT_EQ(TableHashes("outage_restore"), TableHashes("shop"));
}

}  // namespace
}  // namespace hk::test
