#include "cdc/stream.h"

#include <sys/select.h>

#include <cerrno>

#include "cdc/pgoutput.h"
#include "pg/error.h"
#include "pg/quote.h"

namespace hk::cdc {

Result<StreamEvent> ParseCopyMessage(std::string_view buf) {
  WireReader r(buf);
  uint8_t type;
  if (!r.U8(type)) return MakeError(ErrorKind::kInternal, "empty replication message");
  StreamEvent ev;
  if (type == 'w') {
    uint64_t start, end;
    if (!r.U64(start) || !r.U64(end) || !r.I64(ev.data.send_time))
      return MakeError(ErrorKind::kInternal, "truncated XLogData header");
    ev.type = StreamEvent::kData;
    ev.data.start = start;
    ev.data.wal_end = end;
    ev.data.payload = r.rest();
    return ev;
  }
  if (type == 'k') {
    uint64_t end;
    uint8_t reply;
    if (!r.U64(end) || !r.I64(ev.keepalive.send_time) || !r.U8(reply))
      return MakeError(ErrorKind::kInternal, "truncated keepalive message");
    ev.type = StreamEvent::kKeepalive;
    ev.keepalive.wal_end = end;
    ev.keepalive.reply_requested = reply != 0;
    return ev;
  }
  return MakeError(ErrorKind::kInternal,
                   "unexpected replication message type " + std::to_string(type));
}

std::string EncodeStandbyStatus(Lsn write, Lsn flush, Lsn apply, int64_t now_pg_us,
                                bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  auto put64 = [&](uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
  };
  put64(write);
  put64(flush);
  put64(apply);
  put64(static_cast<uint64_t>(now_pg_us));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

Result<ReplicationStream> ReplicationStream::Start(pg::Connection& repl, const std::string& slot,
                                                   Lsn start, const std::string& publication) {
  std::string sql = "START_REPLICATION SLOT " + pg::QuoteIdent(slot) + " LOGICAL " +
                    FormatLsn(start) + " (proto_version '1', publication_names " +
                    pg::QuoteLiteral(pg::QuoteIdent(publication)) + ")";
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, repl.Exec(sql));
  if (PQresultStatus(r.raw()) != PGRES_COPY_BOTH)
    return MakeError(ErrorKind::kInternal, "START_REPLICATION did not enter COPY BOTH mode");
  return ReplicationStream(&repl);
}

ReplicationStream::~ReplicationStream() {
  if (buf_) PQfreemem(buf_);
}

Error ReplicationStream::LostError(const char* what) {
  // The server's error, when it sent one (slot dropped, terminated, ...).
  PGresult* res = PQgetResult(conn_->raw());
  Error e = pg::ErrorFromResult(res, conn_->raw());
  if (res) PQclear(res);
  if (e.sqlstate.empty() || e.sqlstate.substr(0, 2) == "57") e.kind = ErrorKind::kConnection;
  if (e.message == "unknown error") e.message = "the server closed the connection (restarting?)";
  e.message = std::string(what) + ": " + e.message;
  return e;
}

Result<StreamEvent> ReplicationStream::Next(int timeout_ms) {
  if (buf_) {
    PQfreemem(buf_);
    buf_ = nullptr;
  }
  PGconn* c = conn_->raw();
  for (int attempt = 0; attempt < 2; ++attempt) {
    int n = PQgetCopyData(c, &buf_, 1);
    if (n > 0) return ParseCopyMessage(std::string_view(buf_, static_cast<size_t>(n)));
    if (n == -1) return LostError("the source ended the replication stream");
    if (n == -2) return LostError("reading the replication stream failed");
    if (attempt == 1 || timeout_ms < 0) break;
    // Nothing buffered: wait for the socket, then read what arrived.
    if (timeout_ms > 0) {
      int fd = PQsocket(c);
      fd_set rs;
      FD_ZERO(&rs);
      FD_SET(fd, &rs);
      timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
      int s = select(fd + 1, &rs, nullptr, nullptr, &tv);
      if (s < 0 && errno != EINTR)
        return MakeError(ErrorKind::kConnection, "waiting for the replication stream failed");
      if (s <= 0) return StreamEvent{};
    }
    if (PQconsumeInput(c) == 0) return LostError("the replication connection was lost");
  }
  return StreamEvent{};
}

Status ReplicationStream::SendStatus(Lsn write, Lsn flush, Lsn apply, bool reply_requested) {
  std::string msg = EncodeStandbyStatus(write, flush, apply, PgEpochMicrosNow(), reply_requested);
  PGconn* c = conn_->raw();
  if (PQputCopyData(c, msg.data(), static_cast<int>(msg.size())) != 1 || PQflush(c) != 0)
    return LostError("sending a status update to the source failed");
  return Status::Ok();
}

}  // namespace hk::cdc
