#include <gtest/gtest.h>

#include "clone/catalog.h"
#include "clone/clone.h"
#include "clone/copy_pool.h"
#include "clone/db_settings.h"
#include "clone/existing_objects.h"
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

// A resumed post-data restore skips what the target already has, matched by
// pg_restore -l's "DESC schema tag" spelling (names may hold spaces).
TEST(CloneSchema, TocEntryExistsMatchesByKindAndName) {
  auto toc = ParseToc(
      "10; 2606 1 CONSTRAINT public Events 2023 Events 2023_pkey app owner\n"
      "11; 0 2 INDEX ATTACH public Events 2023_pkey app\n"
      "12; 2606 3 FK CONSTRAINT public orders orders_cust_fkey app\n"
      "13; 2620 4 TRIGGER public orders audit app\n"
      "14; 1259 5 INDEX public t_a_idx app\n"
      "15; 0 6 COMMENT public INDEX t_a_idx app\n");
  ASSERT_EQ(toc.size(), 6u);
  std::set<std::string> existing = {"CONSTRAINT public Events 2023 Events 2023_pkey",
                                    "INDEX ATTACH public Events 2023_pkey", "INDEX public t_a_idx"};
  EXPECT_TRUE(TocEntryExists(toc[0], existing));
  EXPECT_TRUE(TocEntryExists(toc[1], existing));
  EXPECT_FALSE(TocEntryExists(toc[2], existing));  // not restored yet
  EXPECT_FALSE(TocEntryExists(toc[3], existing));
  EXPECT_TRUE(TocEntryExists(toc[4], existing));
  EXPECT_FALSE(TocEntryExists(toc[5], existing));  // comments are re-run, never skipped
  // A longer name is not the same object.
  EXPECT_FALSE(TocEntryExists(ParseToc("16; 1259 7 INDEX public t_a_idx2 app\n")[0], existing));
}

TEST(CloneSize, Parses) {
  EXPECT_EQ(ParseSize("1048576").value(), 1048576);
  EXPECT_EQ(ParseSize("1MB").value(), 1048576);
  EXPECT_EQ(ParseSize("2 GB").value(), 2LL * 1024 * 1024 * 1024);
  EXPECT_EQ(ParseSize("0.5kB").value(), 512);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("MB").ok());
  EXPECT_FALSE(ParseSize("12 parsecs").ok());
  // Overflow was accepted as a negative size; "1.2.3" silently as 1.2.
  EXPECT_FALSE(ParseSize("99999999999999999999TB").ok());
  EXPECT_FALSE(ParseSize("9000000TB").ok());
  EXPECT_FALSE(ParseSize("1.2.3MB").ok());
  EXPECT_EQ(ParseSize("1TB").value(), 1LL << 40);
}

TEST(CloneIndex, AttachSql) {
  IndexInfo ix;
  ix.name = "Orders_pkey";
  ix.table_qualified = "\"s\".\"Orders\"";
  ix.constraint_oid = 1;
  ix.conname = "Orders_pkey";
  ix.contype = 'p';
  EXPECT_EQ(IndexAttachSql(ix),
            " ALTER TABLE \"s\".\"Orders\" ADD CONSTRAINT \"Orders_pkey\" PRIMARY KEY USING INDEX "
            "\"Orders_pkey\";");
  ix.contype = 'u';
  ix.deferrable = ix.deferred = true;
  ix.replica_identity = true;
  std::string sql = IndexAttachSql(ix);
  EXPECT_NE(sql.find("UNIQUE USING INDEX \"Orders_pkey\" DEFERRABLE INITIALLY DEFERRED;"),
            std::string::npos);
  EXPECT_NE(sql.find("REPLICA IDENTITY USING INDEX"), std::string::npos);
  ix.constraint_oid = 0;
  ix.replica_identity = false;
  EXPECT_EQ(IndexAttachSql(ix), "");
}

TEST(CloneIndex, SortMemoryFollowsTableSizeWithinBounds) {
  constexpr int64_t kMB = 1024;  // in kB
  // Small tables keep the 256 MB every target session sets.
  EXPECT_EQ(IndexSortMemoryKb(0, 2), 256 * kMB);
  EXPECT_EQ(IndexSortMemoryKb(100LL << 20, 2), 256 * kMB);
  // The scale-1 price table (444 MB): its bytes, a quarter more, 16 MB.
  EXPECT_EQ(IndexSortMemoryKb(444LL << 20, 2), 444 * kMB + 111 * kMB + 16 * kMB);
  // At most 1 GB per builder, 2 GB for all of them, never below the floor.
  EXPECT_EQ(IndexSortMemoryKb(100LL << 30, 1), 1024 * kMB);
  EXPECT_EQ(IndexSortMemoryKb(100LL << 30, 4), 512 * kMB);
  EXPECT_EQ(IndexSortMemoryKb(100LL << 30, 64), 256 * kMB);
  EXPECT_EQ(IndexSortMemoryKb(100LL << 30, 0), 1024 * kMB);
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
