// The clone's crash-safe progress record: WORKDIR/clone.db, SQLite in WAL
// mode with synchronous=FULL, so a row written before a target COMMIT
// survives a kill -9. docs/state.md specifies the tables.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk::clone {

/// One unit of COPY work: a whole table (part 0 of 1) or a ctid page range.
struct PartRow {
  int64_t table_oid = 0;
  int part = 0;
  int64_t first_page = 0;
  std::optional<int64_t> end_page;  ///< Exclusive; nullopt = to the end of the table.
  std::string status;               ///< pending | copying | committing | done
  int64_t rows = 0;
  int64_t bytes = 0;
};

struct TableRow {
  int64_t oid = 0;
  std::string nspname, relname;
  int64_t bytes = 0;  ///< On-disk size at planning time (for ordering and ETA).
  int parts = 1;
  bool indexes_done = false;
};

/// Thread-safe: one SQLite connection behind a mutex.
class StateStore {
 public:
  /// Opens (creating if needed) WORKDIR/clone.db.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();

  Status Reset();      ///< Deletes every row (a fresh clone).
  Status ClearPlan();  ///< Deletes the tables, parts and indexes rows.

  std::optional<std::string> GetMeta(const std::string& key);
  Status SetMeta(const std::string& key, const std::string& value);

  bool StepDone(const std::string& step);
  Status StepStarted(const std::string& step);
  Status StepFinished(const std::string& step, double seconds);
  /// Seconds recorded for each finished step (for the summary after a resume).
  std::map<std::string, double> StepSeconds();

  Status AddTable(const TableRow& t, const std::vector<PartRow>& parts);
  std::vector<TableRow> Tables();
  std::vector<PartRow> Parts();
  Status SetPartStatus(int64_t table_oid, int part, const std::string& status, int64_t rows = 0,
                       int64_t bytes = 0);
  /// Resets every part of a table to pending (its data is truncated again).
  Status ResetTable(int64_t table_oid);
  Status SetIndexesDone(int64_t table_oid);

  /// Individual index/constraint builds, keyed by the source index OID.
  bool IndexDone(int64_t index_oid);
  /// started_unix_ms: when the build began (status/report timelines); 0 unknown.
  Status SetIndexDone(int64_t index_oid, int64_t table_oid, const std::string& name,
                      int64_t started_unix_ms = 0);

 private:
  explicit StateStore(sqlite3* db) : db_(db) {}
  Status Exec(const std::string& sql);
  Status ExecLocked(const std::string& sql);
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace hk::clone
