// pgoutput protocol v1 and replication framing, decoded from hand-built bytes.
#include "cdc/pgoutput.h"

#include <gtest/gtest.h>

#include "cdc/lsn.h"
#include "cdc/stream.h"

namespace hk::cdc {
namespace {

// Builds wire messages the way the server does (network byte order).
class Buf {
 public:
  Buf& C(char c) { s_.push_back(c); return *this; }
  Buf& U16(uint16_t v) { return Be(v, 2); }
  Buf& U32(uint32_t v) { return Be(v, 4); }
  Buf& U64(uint64_t v) { return Be(v, 8); }
  Buf& Str(const std::string& v) { s_ += v; s_.push_back('\0'); return *this; }
  Buf& Text(const std::string& v) { C('t'); U32(static_cast<uint32_t>(v.size())); s_ += v; return *this; }
  std::string str() const { return s_; }

 private:
  Buf& Be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
    return *this;
  }
  std::string s_;
};

TEST(Lsn, FormatAndParse) {
  EXPECT_EQ(FormatLsn(0x16B374D848ULL), "16/B374D848");
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_EQ(ParseLsn("16/B374D848"), 0x16B374D848ULL);
  EXPECT_EQ(ParseLsn("0/0"), 0u);
  EXPECT_FALSE(ParseLsn("16B374D848").has_value());
  EXPECT_FALSE(ParseLsn("/1").has_value());
  EXPECT_FALSE(ParseLsn("1/").has_value());
  EXPECT_FALSE(ParseLsn("1/xyz").has_value());
  EXPECT_FALSE(ParseLsn("123456789/0").has_value());
}

TEST(Pgoutput, Begin) {
  auto m = DecodePgoutput(Buf().C('B').U64(0x100000020).U64(777).U32(42).str());
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& b = std::get<BeginMsg>(*m);
  EXPECT_EQ(b.final_lsn, 0x100000020u);
  EXPECT_EQ(b.commit_ts, 777);
  EXPECT_EQ(b.xid, 42u);
}

TEST(Pgoutput, Commit) {
  auto m = DecodePgoutput(Buf().C('C').C(0).U64(10).U64(20).U64(30).str());
  ASSERT_TRUE(m.ok());
  const auto& c = std::get<CommitMsg>(*m);
  EXPECT_EQ(c.commit_lsn, 10u);
  EXPECT_EQ(c.end_lsn, 20u);
  EXPECT_EQ(c.commit_ts, 30);
}

TEST(Pgoutput, Origin) {
  auto m = DecodePgoutput(Buf().C('O').U64(5).Str("node_a").str());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<OriginMsg>(*m).name, "node_a");
  EXPECT_EQ(std::get<OriginMsg>(*m).lsn, 5u);
}

TEST(Pgoutput, Relation) {
  auto m = DecodePgoutput(Buf().C('R').U32(16384).Str("public").Str("Odd \"t\"").C('f').U16(2)
                              .C(1).Str("id").U32(23).U32(0xffffffff)
                              .C(0).Str("name").U32(1043).U32(14)
                              .str());
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& r = std::get<RelationMsg>(*m);
  EXPECT_EQ(r.relid, 16384u);
  EXPECT_EQ(r.nspname, "public");
  EXPECT_EQ(r.relname, "Odd \"t\"");
  EXPECT_EQ(r.replident, 'f');
  ASSERT_EQ(r.columns.size(), 2u);
  EXPECT_TRUE(r.columns[0].key);
  EXPECT_EQ(r.columns[0].typmod, -1);
  EXPECT_FALSE(r.columns[1].key);
  EXPECT_EQ(r.columns[1].type_oid, 1043u);
  EXPECT_EQ(r.columns[1].typmod, 14);
}

TEST(Pgoutput, RelationInPgCatalogHasEmptyNamespace) {
  auto m = DecodePgoutput(Buf().C('R').U32(1).Str("").Str("t").C('d').U16(0).str());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<RelationMsg>(*m).nspname, "pg_catalog");
}

TEST(Pgoutput, Type) {
  auto m = DecodePgoutput(Buf().C('Y').U32(99999).Str("shop").Str("mood").str());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<TypeMsg>(*m).name, "mood");
}

TEST(Pgoutput, InsertWithNullUnchangedAndText) {
  auto m = DecodePgoutput(
      Buf().C('I').U32(7).C('N').U16(4).Text("1").C('n').C('u').Text(std::string("a\0b", 3)).str());
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& i = std::get<InsertMsg>(*m);
  EXPECT_EQ(i.relid, 7u);
  ASSERT_EQ(i.new_tuple.size(), 4u);
  EXPECT_EQ(i.new_tuple[0].kind, 't');
  EXPECT_EQ(i.new_tuple[0].value, "1");
  EXPECT_EQ(i.new_tuple[1].kind, 'n');
  EXPECT_EQ(i.new_tuple[2].kind, 'u');
  EXPECT_EQ(i.new_tuple[3].value, std::string("a\0b", 3));
}

TEST(Pgoutput, UpdateWithoutOldTuple) {
  auto m = DecodePgoutput(Buf().C('U').U32(7).C('N').U16(2).Text("1").C('u').str());
  ASSERT_TRUE(m.ok());
  const auto& u = std::get<UpdateMsg>(*m);
  EXPECT_EQ(u.old_kind, 0);
  EXPECT_TRUE(u.old_tuple.empty());
  EXPECT_EQ(u.new_tuple[1].kind, 'u');
}

TEST(Pgoutput, UpdateWithOldKey) {
  auto m = DecodePgoutput(
      Buf().C('U').U32(7).C('K').U16(2).Text("1").C('n').C('N').U16(2).Text("2").Text("x").str());
  ASSERT_TRUE(m.ok());
  const auto& u = std::get<UpdateMsg>(*m);
  EXPECT_EQ(u.old_kind, 'K');
  EXPECT_EQ(u.old_tuple[0].value, "1");
  EXPECT_EQ(u.new_tuple[0].value, "2");
}

TEST(Pgoutput, UpdateWithOldRow) {
  auto m = DecodePgoutput(
      Buf().C('U').U32(7).C('O').U16(1).Text("a").C('N').U16(1).Text("b").str());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<UpdateMsg>(*m).old_kind, 'O');
}

TEST(Pgoutput, Delete) {
  auto m = DecodePgoutput(Buf().C('D').U32(8).C('O').U16(2).Text("a").C('n').str());
  ASSERT_TRUE(m.ok());
  const auto& d = std::get<DeleteMsg>(*m);
  EXPECT_EQ(d.old_kind, 'O');
  EXPECT_EQ(d.old_tuple.size(), 2u);
}

TEST(Pgoutput, Truncate) {
  auto m = DecodePgoutput(Buf().C('T').U32(2).C(3).U32(10).U32(11).str());
  ASSERT_TRUE(m.ok());
  const auto& t = std::get<TruncateMsg>(*m);
  EXPECT_EQ(t.options, TruncateMsg::kCascade | TruncateMsg::kRestartIdentity);
  EXPECT_EQ(t.relids, (std::vector<uint32_t>{10, 11}));
}

TEST(Pgoutput, Message) {
  auto m = DecodePgoutput(Buf().C('M').C(1).U64(99).Str("app").U32(3).C('x').C('y').C('z').str());
  ASSERT_TRUE(m.ok());
  const auto& l = std::get<LogicalMsg>(*m);
  EXPECT_EQ(l.flags, 1);
  EXPECT_EQ(l.prefix, "app");
  EXPECT_EQ(l.content, "xyz");
}

TEST(Pgoutput, RejectsTruncatedAndUnknown) {
  EXPECT_FALSE(DecodePgoutput("").ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('B').U64(1).str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('I').U32(7).C('N').U16(1).C('t').U32(100).C('a').str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('I').U32(7).C('N').U16(1).C('?').str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('I').U32(7).C('X').str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('T').U32(1000000).C(0).str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('R').U32(1).Str("s").str()).ok());
  EXPECT_FALSE(DecodePgoutput(Buf().C('Z').str()).ok());
}

TEST(Stream, XLogData) {
  std::string b = Buf().C('w').U64(100).U64(200).U64(300).C('B').str();
  auto ev = ParseCopyMessage(b);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, StreamEvent::kData);
  EXPECT_EQ(ev->data.start, 100u);
  EXPECT_EQ(ev->data.wal_end, 200u);
  EXPECT_EQ(ev->data.payload, "B");
}

TEST(Stream, Keepalive) {
  auto ev = ParseCopyMessage(Buf().C('k').U64(0xABCDEF).U64(5).C(1).str());
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, StreamEvent::kKeepalive);
  EXPECT_EQ(ev->keepalive.wal_end, 0xABCDEFu);
  EXPECT_TRUE(ev->keepalive.reply_requested);
  EXPECT_FALSE(ParseCopyMessage(Buf().C('k').U64(1).str()).ok());
  EXPECT_FALSE(ParseCopyMessage(Buf().C('q').str()).ok());
}

TEST(Stream, StandbyStatusUpdate) {
  std::string s = EncodeStandbyStatus(1, 2, 3, 4, true);
  EXPECT_EQ(s, Buf().C('r').U64(1).U64(2).U64(3).U64(4).C(1).str());
  EXPECT_EQ(s.size(), 34u);
}

}  // namespace
}  // namespace hk::cdc
