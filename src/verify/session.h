// Verify's connections: read-only sessions with fixed output settings (so
// both servers print values identically), snapshots, and running the same
// query on both servers at the same time.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::verify {

using Params = std::vector<std::optional<std::string>>;

/// Opens a session: default_transaction_read_only, search_path '' (so every
/// name the catalog functions print is schema-qualified), UTC, ISO dates,
/// hex bytea, shortest-exact floats.
Result<pg::Connection> OpenSession(const pg::ConnInfo& info, const std::string& app_name);

/// A source and a target session, each inside one REPEATABLE READ READ ONLY
/// transaction (one snapshot per side) between Begin() and End().
class SessionPair {
 public:
  SessionPair(pg::Connection s, pg::Connection t) : src_(std::move(s)), tgt_(std::move(t)) {}
  pg::Connection& src() { return src_; }
  pg::Connection& tgt() { return tgt_; }

  /// Starts a fresh snapshot on both sides (ends any open one first).
  Status Begin();
  /// Ends the snapshot (COMMIT of a read-only transaction).
  Status End();

  /// txid_current_snapshot() of both sides as of the last Begin(). Two equal
  /// values mean no transaction with writes committed in between on either
  /// server, so both snapshots see exactly the same data.
  const std::string& snapshot_ids() const { return snapshot_ids_; }

  /// Sends the statement to both servers, then waits for both answers, so
  /// the two servers work concurrently.
  Result<std::pair<pg::QueryResult, pg::QueryResult>> Both(const std::string& sql,
                                                           const Params& src_params,
                                                           const Params& tgt_params);
  Result<std::pair<pg::QueryResult, pg::QueryResult>> Both(const std::string& sql,
                                                           const Params& params = {}) {
    return Both(sql, params, params);
  }

  void Cancel() const {
    src_.Cancel();
    tgt_.Cancel();
  }

 private:
  pg::Connection src_, tgt_;
  bool open_ = false;
  std::string snapshot_ids_;
};

}  // namespace hk::verify
