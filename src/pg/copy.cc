#include "pg/copy.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "pg/error.h"
#include "pg/stall_watchdog.h"

namespace hk::pg {

Result<CopyOut> CopyOut::Start(Connection& c, std::string_view copy_sql) {
  HK_ASSIGN_OR_RETURN(QueryResult r, c.Exec(copy_sql));
  if (PQresultStatus(r.raw()) != PGRES_COPY_OUT)
    return MakeError(ErrorKind::kInternal, "expected COPY TO STDOUT");
  return CopyOut(&c);
}

CopyOut::~CopyOut() {
  if (buf_) PQfreemem(buf_);
  // An unfinished COPY OUT is drained by cancelling; the connection is then
  // unusable for the caller anyway, who drops it.
  if (c_ && !done_ && c_->Healthy()) {
    StallGuard guard(*c_);
    c_->Cancel();
    char* b = nullptr;
    while (PQgetCopyData(c_->raw(), &b, 0) > 0) PQfreemem(b);
    while (PGresult* r = PQgetResult(c_->raw())) PQclear(r);
  }
}

Result<std::string_view> CopyOut::Next() {
  if (buf_) {
    PQfreemem(buf_);
    buf_ = nullptr;
  }
  if (done_) return std::string_view();
  StallGuard guard(*c_);
  int n = PQgetCopyData(c_->raw(), &buf_, 0);
  if (n > 0) return std::string_view(buf_, static_cast<size_t>(n));
  if (n == -1) {
    done_ = true;
    QueryResult r(PQgetResult(c_->raw()));
    while (PGresult* extra = PQgetResult(c_->raw())) PQclear(extra);
    if (PQresultStatus(r.raw()) != PGRES_COMMAND_OK) return ErrorFromResult(r.raw(), c_->raw());
    return std::string_view();
  }
  done_ = true;
  return ErrorFromResult(nullptr, c_->raw());
}

Result<CopyIn> CopyIn::Start(Connection& c, std::string_view copy_sql) {
  HK_ASSIGN_OR_RETURN(QueryResult r, c.Exec(copy_sql));
  if (PQresultStatus(r.raw()) != PGRES_COPY_IN)
    return MakeError(ErrorKind::kInternal, "expected COPY FROM STDIN");
  return CopyIn(&c);
}

CopyIn::~CopyIn() {
  if (open_) Abort("hikkoshi: copy abandoned");
}

Status CopyIn::Put(std::string_view data) {
  StallGuard guard(*c_);
  if (PQputCopyData(c_->raw(), data.data(), static_cast<int>(data.size())) != 1) {
    open_ = false;
    return ErrorFromResult(nullptr, c_->raw());
  }
  return Status::Ok();
}

Result<int64_t> CopyIn::Finish() {
  open_ = false;
  StallGuard guard(*c_);
  if (PQputCopyEnd(c_->raw(), nullptr) != 1) return ErrorFromResult(nullptr, c_->raw());
  QueryResult r(PQgetResult(c_->raw()));
  while (PGresult* extra = PQgetResult(c_->raw())) PQclear(extra);
  if (PQresultStatus(r.raw()) != PGRES_COMMAND_OK) return ErrorFromResult(r.raw(), c_->raw());
  const char* tuples = PQcmdTuples(r.raw());
  int64_t n = 0;
  if (tuples) std::from_chars(tuples, tuples + strlen(tuples), n);
  return n;
}

void CopyIn::Abort(const char* why) {
  if (!open_) return;
  open_ = false;
  if (!c_->Healthy()) return;
  StallGuard guard(*c_);
  PQputCopyEnd(c_->raw(), why);
  while (PGresult* r = PQgetResult(c_->raw())) PQclear(r);
}

Result<CopyStats> StreamCopy(Connection& src, std::string_view out_sql, Connection& dst,
                             std::string_view in_sql, const std::function<void(int64_t)>& on_bytes,
                             const std::atomic<bool>* stop) {
  HK_ASSIGN_OR_RETURN(CopyIn in, CopyIn::Start(dst, in_sql));
  HK_ASSIGN_OR_RETURN(CopyOut out, CopyOut::Start(src, out_sql));
  CopyStats stats;
  int64_t reported = 0;
  for (;;) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      in.Abort("hikkoshi: interrupted");
      return MakeError(ErrorKind::kInterrupted, "interrupted");
    }
    HK_ASSIGN_OR_RETURN(std::string_view chunk, out.Next());
    if (chunk.empty()) break;
    HK_RETURN_IF_ERROR(in.Put(chunk));
    stats.bytes += static_cast<int64_t>(chunk.size());
    if (on_bytes && stats.bytes - reported >= (1 << 20)) {
      on_bytes(stats.bytes - reported);
      reported = stats.bytes;
    }
  }
  HK_ASSIGN_OR_RETURN(stats.rows, in.Finish());
  if (on_bytes && stats.bytes > reported) on_bytes(stats.bytes - reported);
  return stats;
}

}  // namespace hk::pg
