#include <gtest/gtest.h>

#include "clone/catalog.h"
#include "clone/clone.h"
#include "clone/db_settings.h"
#include "clone/schema.h"

namespace hk::clone {
namespace {

TEST(CloneToc, ParsesPgRestoreList) {
  const std::string list =
      ";\n; Archive created at 2026-11-26\n;\n"
      "215; 1259 16390 TABLE public users postgres\n"
      "3320; 2606 16420 CONSTRAINT public users users_pkey postgres\n"
      "3321; 1259 16430 INDEX Odd \"Schema\" ü Orders customer idx postgres\n"
      "3400; 0 0 TABLE DATA public users postgres\n"
      "3401; 1259 16500 MATERIALIZED VIEW public mv postgres\n"
      "3402; 0 16500 MATERIALIZED VIEW DATA public mv postgres\n"
      "3403; 0 0 INDEX ATTACH public x_idx postgres\n"
      "garbage line\n";
  auto toc = ParseToc(list);
  ASSERT_EQ(toc.size(), 7u);
  EXPECT_EQ(toc[0].dump_id, 215);
  EXPECT_EQ(toc[0].catalog_oid, 1259);
  EXPECT_EQ(toc[0].object_oid, 16390);
  EXPECT_TRUE(toc[0].Is("TABLE"));
  EXPECT_TRUE(toc[1].Is("CONSTRAINT"));
  EXPECT_TRUE(toc[2].Is("INDEX"));
  EXPECT_FALSE(toc[3].Is("TABLE"));  // TABLE DATA
  EXPECT_TRUE(toc[4].Is("MATERIALIZED VIEW"));
  EXPECT_FALSE(toc[5].Is("MATERIALIZED VIEW"));
  EXPECT_FALSE(toc[6].Is("INDEX"));  // INDEX ATTACH
}

TEST(CloneSize, Parses) {
  EXPECT_EQ(ParseSize("1048576").value(), 1048576);
  EXPECT_EQ(ParseSize("1MB").value(), 1048576);
  EXPECT_EQ(ParseSize("2 GB").value(), 2LL * 1024 * 1024 * 1024);
  EXPECT_EQ(ParseSize("0.5kB").value(), 512);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("MB").ok());
  EXPECT_FALSE(ParseSize("12 parsecs").ok());
}

TEST(CloneIndex, AttachSql) {
  IndexInfo ix;
  ix.name = "Orders_pkey";
  ix.table_qualified = "\"s\".\"Orders\"";
  ix.constraint_oid = 1;
  ix.conname = "Orders_pkey";
  ix.contype = 'p';
  EXPECT_EQ(IndexAttachSql(ix),
            " ALTER TABLE \"s\".\"Orders\" ADD CONSTRAINT \"Orders_pkey\" PRIMARY KEY USING INDEX \"Orders_pkey\";");
  ix.contype = 'u';
  ix.deferrable = ix.deferred = true;
  ix.replica_identity = true;
  std::string sql = IndexAttachSql(ix);
  EXPECT_NE(sql.find("UNIQUE USING INDEX \"Orders_pkey\" DEFERRABLE INITIALLY DEFERRED;"), std::string::npos);
  EXPECT_NE(sql.find("REPLICA IDENTITY USING INDEX"), std::string::npos);
  ix.constraint_oid = 0;
  ix.replica_identity = false;
  EXPECT_EQ(IndexAttachSql(ix), "");
}

TEST(CloneErrors, BlockedIsExitTwo) {
  EXPECT_EQ(ExitCodeForClone(BlockedError("x", "y")), 2);
  EXPECT_TRUE(IsBlocked(BlockedError("x", "y")));
  EXPECT_FALSE(IsBlocked(MakeError(ErrorKind::kBadInput, "x")));
}

}  // namespace
}  // namespace hk::clone

namespace hk::clone {
namespace {

TEST(CloneDbSettings, AlterStatementsQuoteLikePgDump) {
  EXPECT_EQ(AlterConfigSql("shop", {"", "timezone=Europe/Paris"}).value(),
            "ALTER DATABASE \"shop\" SET \"timezone\" TO 'Europe/Paris'");
  EXPECT_EQ(AlterConfigSql("shop", {"", "search_path=abc, \"$user\", public"}).value(),
            "ALTER DATABASE \"shop\" SET \"search_path\" TO 'abc', '$user', 'public'");
  EXPECT_EQ(AlterConfigSql("shop", {"", "search_path=\"My \"\"S\", x"}).value(),
            "ALTER DATABASE \"shop\" SET \"search_path\" TO 'My \"S', 'x'");
  EXPECT_EQ(AlterConfigSql("shop", {"", "search_path="}).value(),
            "ALTER DATABASE \"shop\" SET \"search_path\" TO ''");
  EXPECT_EQ(AlterConfigSql("sh\"op", {"app", "work_mem=8MB"}).value(),
            "ALTER ROLE \"app\" IN DATABASE \"sh\"\"op\" SET \"work_mem\" TO '8MB'");
  EXPECT_EQ(AlterConfigSql("shop", {"", "app.note=it's a=b"}).value(),
            "ALTER DATABASE \"shop\" SET \"app.note\" TO 'it''s a=b'");
  EXPECT_FALSE(AlterConfigSql("shop", {"", "garbage"}).has_value());
}

}  // namespace
}  // namespace hk::clone
