// The streaming replication protocol around pgoutput: START_REPLICATION on a
// logical walsender connection, then CopyBoth messages. The server sends
// XLogData ('w') and primary keepalives ('k'); we send standby status updates
// ('r') with write/flush/apply positions. Reading is asynchronous
// (PQconsumeInput + select) so status updates go out on time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cdc/lsn.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

struct XLogData {
  Lsn start = 0;
  Lsn wal_end = 0;
  int64_t send_time = 0;
  std::string_view payload;  ///< One pgoutput message.
};

struct Keepalive {
  Lsn wal_end = 0;
  int64_t send_time = 0;
  bool reply_requested = false;
};

/// One CopyData message from the server.
struct StreamEvent {
  enum Type { kTimeout, kData, kKeepalive } type = kTimeout;
  XLogData data;
  Keepalive keepalive;
};

/// Parses one CopyData payload ('w' or 'k'). The XLogData payload view points into buf.
Result<StreamEvent> ParseCopyMessage(std::string_view buf);

/// The 34-byte standby status update ('r').
std::string EncodeStandbyStatus(Lsn write, Lsn flush, Lsn apply, int64_t now_pg_us,
                                bool reply_requested);

/// Reads a logical replication stream from a replication=database connection.
class ReplicationStream {
 public:
  /// Sends START_REPLICATION SLOT slot LOGICAL start (proto_version '1',
  /// publication_names 'publication'). The connection must stay owned by the
  /// caller and outlive this object.
  static Result<ReplicationStream> Start(pg::Connection& repl, const std::string& slot,
                                         Lsn start, const std::string& publication);
  ReplicationStream(ReplicationStream&& o) noexcept : conn_(o.conn_), buf_(o.buf_) {
    o.buf_ = nullptr;
  }
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;
  ~ReplicationStream();

  /// The next message, waiting at most timeout_ms (0: do not wait). The data
  /// view of a kData event stays valid until the next call.
  Result<StreamEvent> Next(int timeout_ms);

  /// Sends a standby status update and flushes it.
  Status SendStatus(Lsn write, Lsn flush, Lsn apply, bool reply_requested);

 private:
  explicit ReplicationStream(pg::Connection* c) : conn_(c) {}
  Error LostError(const char* what);
  pg::Connection* conn_;
  char* buf_ = nullptr;
};

}  // namespace hk::cdc
