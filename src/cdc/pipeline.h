// libpq pipeline mode for the apply session: statements are sent without
// waiting for their results, which are read at Sync() — one round trip per
// batch instead of one per row. Each sent statement carries a tag so a
// failure can be reported with its table and operation.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk::cdc {

class Pipeline {
 public:
  struct Tag {
    std::string what;             ///< "INSERT on public.t", for error messages.
    bool expect_row = false;      ///< UPDATE/DELETE: fewer rows affected than `rows` count as "not found".
    int64_t rows = 1;             ///< Rows an expect_row statement should change (a set-based run: many).
    bool is_commit = false;       ///< COMMIT: a "ROLLBACK" answer is an error.
    bool is_sync = false;         ///< A pipeline sync point.
    uint64_t cookie = 0;          ///< For sync points: reported by Completed() once reached without error.
  };

  /// Enters pipeline mode on conn (which must outlive this object).
  static Result<Pipeline> Enter(PGconn* conn);
  Pipeline() = default;
  Pipeline(Pipeline&& o) noexcept { *this = std::move(o); }
  Pipeline& operator=(Pipeline&& o) noexcept {
    conn_ = o.conn_;
    pending_ = std::move(o.pending_);
    not_found_ = o.not_found_;
    error_ = std::move(o.error_);
    completed_ = o.completed_;
    syncs_pending_ = o.syncs_pending_;
    o.conn_ = nullptr;
    return *this;
  }

  Status Query(const std::string& sql, const std::vector<const char*>& params, Tag tag);
  Status Prepare(const std::string& name, const std::string& sql, int nparams, Tag tag);
  Status ExecPrepared(const std::string& name, const std::vector<const char*>& params, Tag tag);

  /// Sends a sync and reads every pending result. Returns the first failure.
  Status Sync();
  /// Sends a sync point without waiting; Drain() later reports it in completed().
  Status SyncNoWait(uint64_t cookie);
  /// Reads results: all of them up to the last sync point when block, else
  /// only those already arrived. Returns the first failure (sticky).
  Status Drain(bool block);
  /// Highest cookie of a sync point reached with no failure before it.
  uint64_t completed() const { return completed_; }
  /// Syncs, then leaves pipeline mode so PQexec can be used; Resume() re-enters.
  Status Pause();
  Status Resume();

  size_t pending() const { return pending_.size(); }
  /// UPDATE/DELETE row changes that matched no row, since the start.
  int64_t not_found() const { return not_found_; }
  /// The tag of the last not-found statement, for the warning.
  const std::string& last_not_found() const { return last_not_found_; }

 private:
  Status Sent(int ok, Tag tag);
  /// Handles one non-null result against pending_.front().
  void Take(PGresult* r);
  PGconn* conn_ = nullptr;
  std::optional<Error> error_;
  uint64_t completed_ = 0;
  size_t syncs_pending_ = 0;
  std::deque<Tag> pending_;
  int64_t not_found_ = 0;
  std::string last_not_found_;
};

}  // namespace hk::cdc
