// Owner of one PGconn. Move-only; PQfinish runs exactly once. All failures
// come back as hk::Error classified in pg/error.cc.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"
#include "pg/result.h"

namespace hk::pg {

using Param = std::optional<std::string>;  // nullopt is SQL NULL

struct ConnectOptions {
  std::string application_name = "hikkoshi";
  int connect_timeout_s = 10;    ///< Used when the connection string sets none.
  bool replication = false;      ///< replication=database (walsender, logical).
};

class Connection {
 public:
  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  static Result<Connection> Open(const ConnInfo& info, const ConnectOptions& opts = {});

  /// Runs one or more statements; returns the last result.
  Result<QueryResult> Exec(std::string_view sql);
  /// Runs one statement with text parameters $1..$n.
  Result<QueryResult> Exec(std::string_view sql, const std::vector<Param>& params);
  /// Like Exec, for statements whose rows we do not need.
  Status Run(std::string_view sql);
  Status Run(std::string_view sql, const std::vector<Param>& params);

  /// Convenience for single-value queries. Error if no row.
  Result<std::string> QueryValue(std::string_view sql, const std::vector<Param>& params = {});

  int ServerVersion() const { return PQserverVersion(conn_.get()); }
  bool Healthy() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
  const std::string& redacted() const { return redacted_; }
  /// What Open was given (for the stall watchdog's probe connection).
  const std::shared_ptr<const ConnInfo>& info() const { return info_; }
  PGconn* raw() const { return conn_.get(); }

  /// Asks the server to cancel the running statement. Safe from another thread.
  void Cancel() const;

 private:
  struct Deleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  Result<QueryResult> Check(PGresult* r);

  std::unique_ptr<PGconn, Deleter> conn_;
  std::string redacted_;
  std::shared_ptr<const ConnInfo> info_;
};

/// Rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& c, std::string_view begin_sql = "BEGIN");
  Transaction(Transaction&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection* c) : c_(c) {}
  Connection* c_;
};

}  // namespace hk::pg
