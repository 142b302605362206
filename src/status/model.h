// The whole migration as `status`, `report` and `serve` see it: what every
// stage left in the work directory (check.json, backups.json, clone.db,
// follow.json, verify.json, journal.jsonl, cutover.json), plus live numbers
// from the databases when they can be reached. Collected by Collect()
// (collect.cc), rendered by ToJson() (json.cc; schema in docs/state.md) and
// ToText() (text.cc).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cdc/status_report.h"
#include "cutover/journal.h"
#include "pg/conninfo.h"

namespace hk::status {

struct CheckStage {
  std::string recorded_at;
  int exit_code = 0;
  std::string result;  ///< pass | warnings | blockers
  int pass = 0, info = 0, warn = 0, fail = 0;
  nlohmann::json items =
      nlohmann::json::array();    ///< WARN and FAIL items: id, title, verdict, detail, fix
  nlohmann::json source, target;  ///< check's facts (versions, sizes, provider)
};

struct CloneStep {
  std::string name, status, started_at, finished_at;
  double seconds = 0;
};

struct CloneTable {
  std::string name;    ///< schema.table
  std::string status;  ///< pending | copying | done
  int parts = 1, parts_done = 0;
  int64_t disk_bytes = 0;    ///< On-disk size at planning time.
  int64_t bytes_copied = 0;  ///< COPY bytes of finished parts, plus in flight (live).
  int64_t rows = 0;
  int64_t started_ms = -1, finished_ms = -1;
  bool indexes_done = false;
  double progress = 0;      ///< 0..1
  double eta_seconds = -1;  ///< -1 unknown
};

struct CloneIndex {
  std::string name, table;
  int64_t started_ms = -1, finished_ms = -1;
};

struct CloneStage {
  std::string state;  ///< running | interrupted-or-running | done
  std::string started_at, finished_at, snapshot, source, target;
  std::vector<CloneStep> steps;
  std::vector<CloneTable> tables;  ///< Largest first.
  std::vector<CloneIndex> indexes;
  int tables_done = 0, indexes_built = 0;
  int64_t disk_bytes_total = 0, disk_bytes_done = 0, bytes_copied = 0, rows_copied = 0;
  double copy_seconds = 0;
  double rate_bytes_per_second = 0;
  double eta_seconds = -1;
  bool live = false;          ///< In-flight COPYs were read from the target.
  std::string slowest_table;  ///< Largest seconds among finished or in-flight tables.
};

struct FollowStage {
  cdc::StatusReport report;
  bool live = false;  ///< The source was queried just now.
  int64_t live_lag_bytes = -1, live_retained_bytes = -1;
  std::string live_wal_status, live_error;
  std::string danger;  ///< ok | warn | critical (retained WAL / wal_status)
};

struct VerifyStage {
  std::string started_at, finished_at;
  int64_t start_ms = 0, end_ms = 0;
  std::string scope;  ///< all | schema | data
  bool identical = false;
  int64_t differences = 0, informational = 0, tables_checked = 0, source_rows = 0, target_rows = 0;
  nlohmann::json difference_list = nlohmann::json::array();  ///< As verify --json lists them.
  nlohmann::json tables = nlohmann::json::array();
};

/// verify-progress.json: the latest verify while it runs (and after).
struct VerifyProgress {
  std::string state;  ///< running | done | interrupted (its process is gone)
  std::string started_at, updated_at;
  int64_t start_ms = 0, updated_ms = 0;
  int64_t tables_total = 0, tables_done = 0, rows = 0, differences = 0;
  int64_t bytes_total = 0, bytes_done = 0;
  std::vector<std::string> in_flight;
  double seconds = 0;
};

struct CutoverRun {
  std::string run, kind;  ///< kind: cutover | rollback
  int64_t start_ms = 0, end_ms = 0;
  std::string outcome;  ///< ok | failed | running
  int64_t write_unavailable_ms = -1;
  std::vector<cutover::JournalEntry> steps;
};

struct CutoverStage {
  std::string phase, run, updated_at;
  std::vector<CutoverRun> runs;  ///< Oldest first.
};

/// One stage of `hikkoshi migrate` as migrate.json (or rehearsal.json)
/// records it.
struct RunbookStage {
  std::string name, state;  ///< state: running | done | skipped | failed | "" (not reached)
  std::string started_at, finished_at;
  int64_t duration_ms = 0;
  nlohmann::json detail = nlohmann::json::object();
};

/// `hikkoshi migrate`'s own record: every stage in pipeline order, the
/// rehearsal's when there is one, and the last events of the run.
struct Runbook {
  std::vector<RunbookStage> stages, rehearsal;
  std::string notice_sent_for;
  nlohmann::json recent_events = nlohmann::json::array();  ///< Last 20 of migrate-events.jsonl.
};

struct Migration {
  std::string workdir, generated_at;
  int64_t generated_ms = 0;
  std::string stage;  ///< The furthest stage reached: none, check, backup, clone, follow, verify,
                      ///< cutover, rollback.
  std::optional<CheckStage> check;
  nlohmann::json backups = nlohmann::json::array();  ///< backups.json as written.
  std::optional<CloneStage> clone;
  std::optional<FollowStage> follow;
  std::optional<VerifyStage> verify;
  std::optional<VerifyProgress> verify_progress;
  std::optional<CutoverStage> cutover;
  std::optional<Runbook> runbook;  ///< migrate.json / rehearsal.json, when migrate ran.
  std::vector<std::string> warnings;

  bool Empty() const {
    return !check && backups.empty() && !clone && !follow && !verify && !verify_progress &&
           !cutover && !runbook;
  }
};

struct CollectOptions {
  std::string workdir;
  /// When set, the databases are asked for live numbers (in-flight COPYs on
  /// the target, the slot's lag and retained WAL on the source), each with a
  /// short connect timeout; an unreachable server is noted, not an error.
  std::optional<pg::ConnInfo> source, target;
  int64_t warn_retained_bytes = int64_t{1024} * 1024 * 1024;
  int64_t now_ms = 0;  ///< 0: the clock.
};

/// Reads everything. Errors only for a corrupt state file (named).
Result<Migration> Collect(const CollectOptions& o);

nlohmann::json ToJson(const Migration& m);
std::string ToText(const Migration& m);

}  // namespace hk::status
