// Pure parts of src/backup: digests, locations, S3 XML, manifest round trip,
// fact comparison. No database, no network.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "backup/digest.h"
#include "backup/location.h"
#include "backup/manifest.h"
#include "backup/progress.h"
#include "backup/s3_client.h"
#include "backup/s3_xml.h"

namespace hk::backup {
namespace {

TEST(BackupDigest, KnownVectors) {
  Digest sha(Digest::Algo::kSha256);
  sha.Update("abc");
  EXPECT_EQ(sha.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Digest md5(Digest::Algo::kMd5);
  md5.Update("");
  std::string raw = md5.FinishRaw();
  EXPECT_EQ(ToHex(raw), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Base64(raw), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(BackupDigest, FileAndRangeStreaming) {
  std::string path = ::testing::TempDir() + "/hk-digest-test.bin";
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 3 * 1024 * 1024 + 7; ++i) f.put(static_cast<char>(i * 31));
  }
  auto d = HashFile(path);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->size, 3u * 1024 * 1024 + 7);
  // Two ranges at offsets that are not a multiple of the pattern length differ.
  auto a = Md5OfRange(path, 0, 1024 * 1024);
  auto b = Md5OfRange(path, 1000, 1024 * 1024);  // the pattern repeats every 256 bytes
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(Md5OfRange(path, 3 * 1024 * 1024, 100).ok());  // past the end: size changed
  EXPECT_FALSE(HashFile(path + ".missing").ok());
  std::remove(path.c_str());
}

TEST(BackupLocation, ParsesLocalAndS3) {
  auto l = Location::Parse("/var/backups/");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->kind, Location::Kind::kLocal);
  EXPECT_EQ(l->path, "/var/backups");
  auto s = Location::Parse("s3://bucket/a/b/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, Location::Kind::kS3);
  EXPECT_EQ(s->bucket, "bucket");
  EXPECT_EQ(s->prefix, "a/b");
  EXPECT_EQ(s->Describe(), "s3://bucket/a/b");
  auto nb = Location::Parse("s3://");
  EXPECT_FALSE(nb.ok());
  EXPECT_FALSE(Location::Parse("gs://x").ok());
  EXPECT_TRUE(ValidateBackupName("shop-20261126T104000Z").ok());
  EXPECT_FALSE(ValidateBackupName("../etc").ok());
  EXPECT_FALSE(ValidateBackupName("a/b").ok());
  EXPECT_FALSE(ValidateBackupName("").ok());
}

TEST(BackupS3Xml, ReadsErrorsAndListings) {
  std::string err =
      "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>x &amp; y</Message></Error>";
  EXPECT_EQ(XmlText(err, "Code"), "NoSuchBucket");
  EXPECT_EQ(XmlText(err, "Message"), "x & y");
  EXPECT_EQ(XmlText(err, "Missing"), "");
  std::string list =
      "<ListBucketResult><Contents><Key>p/a&amp;b</Key><Size>3</Size></Contents>"
      "<Contents><Key>p/c</Key><Size>4</Size></Contents><IsTruncated>false</IsTruncated></"
      "ListBucketResult>";
  auto blocks = XmlBlocks(list, "Contents");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(XmlText(blocks[0], "Key"), "p/a&b");
  EXPECT_EQ(XmlText(blocks[1], "Size"), "4");
  EXPECT_EQ(XmlUnescape("&#x41;&#66;&quot;"), "AB\"");
  EXPECT_EQ(XmlEscape("<a&\">"), "&lt;a&amp;&quot;&gt;");
  EXPECT_EQ(UriEncode("a b/c+d~", true), "a%20b/c%2Bd~");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

TEST(BackupS3Errors, MapToKindsWithoutTheSecret) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:9";
  o.region = "us-east-1";
  S3Client c(o, {"AKIDEXAMPLE", "wJalrXUtnFEMI-secret", ""}, "bkt");
  S3Response r;
  r.status = 403;
  r.body = "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>";
  Error e = c.ErrorFor(r, "listing");
  EXPECT_EQ(e.kind, ErrorKind::kPermission);
  EXPECT_NE(e.message.find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(e.message.find("wJalrXUtnFEMI"), std::string::npos);
  r.status = 404;
  r.body = "<Error><Code>NoSuchBucket</Code></Error>";
  EXPECT_EQ(c.ErrorFor(r, "listing").kind, ErrorKind::kBadInput);
  r.status = 500;
  r.body = "<Error><Code>InternalError</Code><Message>boom</Message></Error>";
  e = c.ErrorFor(r, "upload of x");
  EXPECT_EQ(e.kind, ErrorKind::kInternal);
  EXPECT_NE(e.message.find("boom"), std::string::npos);
  EXPECT_EQ(c.Url("a b/c", {{"uploadId", "x/y"}}), "http://bkt.127.0.0.1:9/a%20b/c?uploadId=x%2Fy");
  auto resolved = ResolveS3Options(o);  // an IP endpoint forces path style
  ASSERT_TRUE(resolved.ok());
  S3Client p(*resolved, {"AKIDEXAMPLE", "wJalrXUtnFEMI-secret", ""}, "bkt");
  EXPECT_EQ(p.Url("k", {}), "http://127.0.0.1:9/bkt/k");
}

Manifest Sample() {
  Manifest m;
  m.name = "shop-1";
  m.created_at = "2026-11-26T10:00:00.000Z";
  m.completed_at = "2026-11-26T10:01:00.000Z";
  m.source.url = "postgresql://postgres@127.0.0.1:5432/shop";
  m.source.database = "shop";
  m.source.server_version = "15.18";
  m.source.server_version_num = 150018;
  m.source.lsn = "0/2E268F8";
  m.source.database_size_bytes = 123;
  m.dump_format = "custom";
  m.dump_path = "dump.pgdump";
  m.facts.tables = {{"public", "users", 200}, {"odd \"schema\"", "t", 0}};
  m.facts.sequences = {{"public", "users_id_seq", "200", true}};
  m.facts.objects = {{"tables", 2}};
  m.files = {{"dump.pgdump", 42, std::string(64, 'a')}};
  return m;
}

TEST(BackupManifest, RoundTrips) {
  Manifest m = Sample();
  auto back = Manifest::Parse(m.ToJson().dump());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->TotalSize(), 42u);
  EXPECT_FALSE(Manifest::Parse("{").ok());
  auto j = m.ToJson();
  j["files"][0]["path"] = "../../etc/passwd";
  EXPECT_FALSE(Manifest::Parse(j.dump()).ok());
  j = m.ToJson();
  j["format_version"] = 99;
  EXPECT_FALSE(Manifest::Parse(j.dump()).ok());
}

TEST(BackupFacts, ComparesCountsAndSequences) {
  DbFacts want = Sample().facts;
  std::vector<std::string> notes;
  EXPECT_TRUE(CompareFacts(want, want, &notes).empty());
  DbFacts got = want;
  got.tables[0].rows = 199;
  got.sequences[0].last_value = "201";  // ahead: sequences are not transactional
  auto d = CompareFacts(want, got, &notes);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].find("users"), std::string::npos);
  EXPECT_EQ(notes.size(), 1u);
  got = want;
  got.sequences[0].last_value = "150";
  got.tables.pop_back();
  d = CompareFacts(want, got, nullptr);
  EXPECT_EQ(d.size(), 2u);
}

// The live view's bookkeeping: a table is done when its backend moves on to
// another table or its COPY is gone; a failed poll changes nothing.
TEST(BackupProgress, TableTrackerCountsTablesFromSamples) {
  DbFacts f;
  f.tables = {{"public", "a", 100}, {"public", "b", 50}, {"s", "c", 0}};
  TableTracker t;
  t.SetTables(f, 4);
  EXPECT_EQ(t.Counts(), "tables 0/3  rows 0/150");
  CopySample s1;
  s1.ok = true;
  s1.copies = {{"public.a", 7, 1000, 40}};
  s1.indexes_present = 1;
  t.OnSample(s1);
  EXPECT_EQ(t.Counts(), "tables 0/3  rows 40/150");
  auto lines = t.Lines("dump", "", true);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_NE(lines[1].find("public.a"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(" 40%"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "  indexes 1/4");
  CopySample s2 = s1;
  s2.copies = {{"public.b", 7, 10, 5}};
  t.OnSample(s2);  // backend 7 moved on: a is done (all its rows)
  EXPECT_EQ(t.Counts(), "tables 1/3  rows 105/150");
  t.OnSample(CopySample{});  // a failed poll: nothing changes
  EXPECT_EQ(t.Counts(), "tables 1/3  rows 105/150");
  CopySample none;
  none.ok = true;
  t.OnSample(none);  // b's COPY ended
  EXPECT_EQ(t.Counts(), "tables 2/3  rows 150/150");
  t.AllDone();
  EXPECT_EQ(t.Counts(), "tables 3/3  rows 150/150");
  EXPECT_EQ(t.Lines("restored", "", true)[0].rfind("restored   tables 3/3  rows 150/150  in ", 0),
            0u);
}

}  // namespace
}  // namespace hk::backup
