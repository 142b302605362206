// Decoder for the pgoutput logical replication protocol, version 1 (the
// "Logical Replication Message Formats" chapter of the PostgreSQL docs).
// Pure code: bytes in, structs out. Values stay in PostgreSQL's text form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cdc/lsn.h"
#include "common/status.h"

namespace hk::cdc {

/// One column of a TupleData: kind 'n' (NULL), 'u' (unchanged TOASTed value,
/// not sent), 't' (text) or 'b' (binary); value holds the bytes for t/b.
struct TupleColumn {
  char kind = 'n';
  std::string value;
};
using TupleData = std::vector<TupleColumn>;

struct RelationColumn {
  bool key = false;  ///< Part of the replica identity (flag bit 1).
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
};

struct BeginMsg {
  Lsn final_lsn = 0;      ///< LSN of the commit record.
  int64_t commit_ts = 0;  ///< Microseconds since 2000-01-01.
  uint32_t xid = 0;
};
struct CommitMsg {
  uint8_t flags = 0;
  Lsn commit_lsn = 0;  ///< LSN of the commit record.
  Lsn end_lsn = 0;     ///< End of the commit record: the position to confirm.
  int64_t commit_ts = 0;
};
struct OriginMsg {
  Lsn lsn = 0;
  std::string name;
};
struct RelationMsg {
  uint32_t relid = 0;
  std::string nspname;  ///< "pg_catalog" when the wire carries "".
  std::string relname;
  char replident = 'd';  ///< d default, n nothing, f full, i index.
  std::vector<RelationColumn> columns;
};
struct TypeMsg {
  uint32_t oid = 0;
  std::string nspname, name;
};
struct InsertMsg {
  uint32_t relid = 0;
  TupleData new_tuple;
};
struct UpdateMsg {
  uint32_t relid = 0;
  char old_kind = 0;  ///< 0 (no old tuple), 'K' (old key) or 'O' (old row).
  TupleData old_tuple;
  TupleData new_tuple;
};
struct DeleteMsg {
  uint32_t relid = 0;
  char old_kind = 'K';  ///< 'K' or 'O'.
  TupleData old_tuple;
};
struct TruncateMsg {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;
  uint8_t options = 0;
  std::vector<uint32_t> relids;
};
struct LogicalMsg {
  uint8_t flags = 0;  ///< 1 = transactional.
  Lsn lsn = 0;
  std::string prefix;
  std::string content;
};

using PgoutputMessage = std::variant<BeginMsg, CommitMsg, OriginMsg, RelationMsg, TypeMsg,
                                     InsertMsg, UpdateMsg, DeleteMsg, TruncateMsg, LogicalMsg>;

/// Decodes one pgoutput message (the payload of one XLogData). Malformed or
/// unknown input is a kInternal error naming the message type and offset.
Result<PgoutputMessage> DecodePgoutput(std::string_view buf);

/// Big-endian reader with bounds checks, shared with the stream framing.
class WireReader {
 public:
  explicit WireReader(std::string_view buf) : buf_(buf) {}
  bool U8(uint8_t& v);
  bool U16(uint16_t& v);
  bool U32(uint32_t& v);
  bool U64(uint64_t& v);
  bool I64(int64_t& v);
  /// A NUL-terminated string.
  bool CStr(std::string& v);
  bool Bytes(size_t n, std::string& v);
  size_t pos() const { return pos_; }
  size_t remaining() const { return buf_.size() - pos_; }
  std::string_view rest() const { return buf_.substr(pos_); }

 private:
  std::string_view buf_;
  size_t pos_ = 0;
};

}  // namespace hk::cdc
