#include "cdc/pgoutput.h"

#include <fmt/format.h>

namespace hk::cdc {

bool WireReader::U8(uint8_t& v) {
  if (remaining() < 1) return false;
  v = static_cast<uint8_t>(buf_[pos_++]);
  return true;
}
bool WireReader::U16(uint16_t& v) {
  if (remaining() < 2) return false;
  v = 0;
  for (int i = 0; i < 2; ++i) v = static_cast<uint16_t>((v << 8) | static_cast<uint8_t>(buf_[pos_++]));
  return true;
}
bool WireReader::U32(uint32_t& v) {
  if (remaining() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(buf_[pos_++]);
  return true;
}
bool WireReader::U64(uint64_t& v) {
  if (remaining() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(buf_[pos_++]);
  return true;
}
bool WireReader::I64(int64_t& v) {
  uint64_t u;
  if (!U64(u)) return false;
  v = static_cast<int64_t>(u);
  return true;
}
bool WireReader::CStr(std::string& v) {
  size_t end = buf_.find('\0', pos_);
  if (end == std::string_view::npos) return false;
  v.assign(buf_.substr(pos_, end - pos_));
  pos_ = end + 1;
  return true;
}
bool WireReader::Bytes(size_t n, std::string& v) {
  if (remaining() < n) return false;
  v.assign(buf_.substr(pos_, n));
  pos_ += n;
  return true;
}

namespace {

Error Malformed(char type, const WireReader& r, const char* what) {
  return MakeError(ErrorKind::kInternal,
                   fmt::format("malformed pgoutput message '{}' at byte {}: {}", type, r.pos(), what),
                   "this is a bug in hikkoshi or an unsupported server version; report it");
}

bool ReadTuple(WireReader& r, TupleData& out) {
  uint16_t n;
  if (!r.U16(n)) return false;
  out.clear();
  out.resize(n);
  for (uint16_t i = 0; i < n; ++i) {
    uint8_t kind;
    if (!r.U8(kind)) return false;
    out[i].kind = static_cast<char>(kind);
    switch (kind) {
      case 'n':
      case 'u':
        break;
      case 't':
      case 'b': {
        uint32_t len;
        if (!r.U32(len) || !r.Bytes(len, out[i].value)) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

Result<PgoutputMessage> DecodePgoutput(std::string_view buf) {
  WireReader r(buf);
  uint8_t t8;
  if (!r.U8(t8)) return MakeError(ErrorKind::kInternal, "empty pgoutput message");
  char type = static_cast<char>(t8);
  switch (type) {
    case 'B': {
      BeginMsg m;
      uint64_t lsn;
      if (!r.U64(lsn) || !r.I64(m.commit_ts) || !r.U32(m.xid)) return Malformed(type, r, "truncated");
      m.final_lsn = lsn;
      return PgoutputMessage(m);
    }
    case 'C': {
      CommitMsg m;
      uint64_t a, b;
      if (!r.U8(m.flags) || !r.U64(a) || !r.U64(b) || !r.I64(m.commit_ts))
        return Malformed(type, r, "truncated");
      m.commit_lsn = a;
      m.end_lsn = b;
      return PgoutputMessage(m);
    }
    case 'O': {
      OriginMsg m;
      uint64_t lsn;
      if (!r.U64(lsn) || !r.CStr(m.name)) return Malformed(type, r, "truncated");
      m.lsn = lsn;
      return PgoutputMessage(m);
    }
    case 'R': {
      RelationMsg m;
      uint8_t ident;
      uint16_t ncols;
      if (!r.U32(m.relid) || !r.CStr(m.nspname) || !r.CStr(m.relname) || !r.U8(ident) ||
          !r.U16(ncols))
        return Malformed(type, r, "truncated header");
      if (m.nspname.empty()) m.nspname = "pg_catalog";
      m.replident = static_cast<char>(ident);
      m.columns.resize(ncols);
      for (auto& c : m.columns) {
        uint8_t flags;
        uint32_t typmod;
        if (!r.U8(flags) || !r.CStr(c.name) || !r.U32(c.type_oid) || !r.U32(typmod))
          return Malformed(type, r, "truncated column");
        c.key = (flags & 1) != 0;
        c.typmod = static_cast<int32_t>(typmod);
      }
      return PgoutputMessage(std::move(m));
    }
    case 'Y': {
      TypeMsg m;
      if (!r.U32(m.oid) || !r.CStr(m.nspname) || !r.CStr(m.name)) return Malformed(type, r, "truncated");
      if (m.nspname.empty()) m.nspname = "pg_catalog";
      return PgoutputMessage(std::move(m));
    }
    case 'I': {
      InsertMsg m;
      uint8_t n;
      if (!r.U32(m.relid) || !r.U8(n)) return Malformed(type, r, "truncated");
      if (n != 'N') return Malformed(type, r, "expected 'N'");
      if (!ReadTuple(r, m.new_tuple)) return Malformed(type, r, "bad tuple");
      return PgoutputMessage(std::move(m));
    }
    case 'U': {
      UpdateMsg m;
      uint8_t k;
      if (!r.U32(m.relid) || !r.U8(k)) return Malformed(type, r, "truncated");
      if (k == 'K' || k == 'O') {
        m.old_kind = static_cast<char>(k);
        if (!ReadTuple(r, m.old_tuple)) return Malformed(type, r, "bad old tuple");
        if (!r.U8(k)) return Malformed(type, r, "truncated");
      }
      if (k != 'N') return Malformed(type, r, "expected 'N'");
      if (!ReadTuple(r, m.new_tuple)) return Malformed(type, r, "bad new tuple");
      return PgoutputMessage(std::move(m));
    }
    case 'D': {
      DeleteMsg m;
      uint8_t k;
      if (!r.U32(m.relid) || !r.U8(k)) return Malformed(type, r, "truncated");
      if (k != 'K' && k != 'O') return Malformed(type, r, "expected 'K' or 'O'");
      m.old_kind = static_cast<char>(k);
      if (!ReadTuple(r, m.old_tuple)) return Malformed(type, r, "bad old tuple");
      return PgoutputMessage(std::move(m));
    }
    case 'T': {
      TruncateMsg m;
      uint32_t n;
      if (!r.U32(n) || !r.U8(m.options)) return Malformed(type, r, "truncated");
      if (n > r.remaining() / 4) return Malformed(type, r, "relation count too large");
      m.relids.resize(n);
      for (auto& id : m.relids)
        if (!r.U32(id)) return Malformed(type, r, "truncated relation list");
      return PgoutputMessage(std::move(m));
    }
    case 'M': {
      LogicalMsg m;
      uint64_t lsn;
      uint32_t len;
      if (!r.U8(m.flags) || !r.U64(lsn) || !r.CStr(m.prefix) || !r.U32(len) ||
          !r.Bytes(len, m.content))
        return Malformed(type, r, "truncated");
      m.lsn = lsn;
      return PgoutputMessage(std::move(m));
    }
    default:
      return MakeError(ErrorKind::kInternal,
                       fmt::format("unknown pgoutput message type 0x{:02x}", t8),
                       "hikkoshi speaks pgoutput protocol version 1; report this");
  }
}

}  // namespace hk::cdc
