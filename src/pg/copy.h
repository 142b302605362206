// COPY streaming with bounded memory: one libpq buffer at a time travels from
// a COPY TO STDOUT on one connection to a COPY FROM STDIN on another.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::pg {

/// Reads a COPY TO STDOUT. Next() returns chunks until it returns an empty view.
class CopyOut {
 public:
  static Result<CopyOut> Start(Connection& c, std::string_view copy_sql);
  CopyOut(CopyOut&& o) noexcept : c_(o.c_), buf_(o.buf_), done_(o.done_) { o.buf_ = nullptr; o.c_ = nullptr; }
  CopyOut(const CopyOut&) = delete;
  ~CopyOut();
  /// The next chunk (one row for text COPY); empty at the end. The view is
  /// valid until the next call.
  Result<std::string_view> Next();

 private:
  explicit CopyOut(Connection* c) : c_(c) {}
  Connection* c_;
  char* buf_ = nullptr;
  bool done_ = false;
};

/// Writes a COPY FROM STDIN. Finish() ends it and reports the server's verdict.
class CopyIn {
 public:
  static Result<CopyIn> Start(Connection& c, std::string_view copy_sql);
  CopyIn(CopyIn&& o) noexcept : c_(o.c_), open_(o.open_) { o.open_ = false; }
  CopyIn(const CopyIn&) = delete;
  /// Aborts the COPY (the server discards the rows) if Finish() was not called.
  ~CopyIn();
  Status Put(std::string_view data);
  /// Ends the COPY; returns the number of rows the server stored.
  Result<int64_t> Finish();
  /// Aborts the COPY with a message; the server rolls the rows back.
  void Abort(const char* why);

 private:
  explicit CopyIn(Connection* c) : c_(c), open_(true) {}
  Connection* c_;
  bool open_ = false;
};

struct CopyStats {
  int64_t rows = 0;
  int64_t bytes = 0;
};

/// Streams `out_sql` (COPY ... TO STDOUT) from src into `in_sql`
/// (COPY ... FROM STDIN) on dst. on_bytes is called every ~1 MB. When *stop
/// becomes true the target COPY is aborted and an kInterrupted error returned.
Result<CopyStats> StreamCopy(Connection& src, std::string_view out_sql, Connection& dst,
                             std::string_view in_sql,
                             const std::function<void(int64_t)>& on_bytes = nullptr,
                             const std::atomic<bool>* stop = nullptr);

}  // namespace hk::pg
