// `hikkoshi clone`: one consistent, parallel, resumable copy of a database's
// schema and data from a source to a target. docs/clone.md describes the
// pipeline; docs/state.md the work-directory state it keeps.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/retry.h"
#include "common/status.h"
#include "pg/connection.h"
#include "pg/conninfo.h"

namespace hk::clone {

struct CloneOptions {
  pg::ConnInfo source;
  pg::ConnInfo target;
  int jobs = 4;        ///< Parallel table COPY workers.
  int index_jobs = 4;  ///< Parallel index builders (and post-data restore jobs).
  std::string workdir = ".hikkoshi";
  bool resume = false;
  bool drop_if_exists = false;
  bool no_owner = false;
  bool no_acl = false;
  /// Create the roles the schema names that the target lacks (NOLOGIN, and
  /// granted to the target user when not a superuser) before the schema.
  bool create_roles = false;
  /// --role-map OLD=NEW (clone/roles.h): owners and grantees renamed.
  std::vector<std::string> role_map;
  /// pg_dump --exclude-table patterns (psql pattern syntax). Excluded tables
  /// get neither schema nor data.
  std::vector<std::string> exclude_tables;
  /// Tables larger than this (on-disk bytes) are split into ctid ranges that
  /// several workers copy at once. 0 (default) never splits. -1 is
  /// automatic: a table over 100 MB that is bigger than a worker's fair share
  /// of all the data (total / jobs) is split into up to `jobs` parts.
  int64_t split_tables_larger_than = 0;
  /// When non-empty, clone does not export a snapshot of its own: every
  /// worker and pg_dump import this one. The caller keeps it alive for the
  /// whole clone (e.g. a CREATE_REPLICATION_SLOT ... (SNAPSHOT 'export')
  /// connection left idle), so the copy ends exactly at the slot's start.
  std::string snapshot_name;
  /// Live progress line (terminal) instead of one log line per event.
  bool tty_progress = false;
  /// Set to true (e.g. from a signal handler) to stop cleanly; the state
  /// stays resumable and RunClone returns a kInterrupted error.
  std::atomic<bool>* stop = nullptr;
  /// How long an outage (lost connection, server restart, too many
  /// connections) may last: each transient failure is retried with backoff,
  /// resuming the recorded work. 0 disables retries (#14).
  int64_t retry_for_ms = kDefaultRetryForMs;
  /// How long to wait for a lock another session holds on a source table
  /// (with a message saying who holds it); 0 waits as long as it takes.
  int64_t lock_timeout_ms = 0;
};

struct StepTiming {
  std::string name;
  double seconds = 0;
};

struct CloneSummary {
  /// Every table whose rows were copied, as schema-qualified quoted names
  /// ("public"."users"), in copy order. Leaf partitions appear themselves
  /// (partitioned parents hold no rows).
  std::vector<std::string> copied_tables;
  /// The snapshot the data was read at (exported by clone or given).
  std::string snapshot_name;
  /// True when this run resumed an earlier one: tables finished before the
  /// crash were read at an older snapshot (consistent per table only).
  bool resumed = false;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t large_objects = 0;
  int64_t sequences = 0;
  int64_t indexes = 0;
  int retries = 0;                ///< Transient failures retried on the way.
  std::vector<StepTiming> steps;  ///< schema, copy, indexes, constraints, ..., total
};

/// Runs the whole clone. Errors are classified (pg::ExitCodeFor gives the
/// exit code). A refusal before anything was changed (non-empty target,
/// --resume mismatch, source == target) is a kBlocked error (exit 2).
Result<CloneSummary> RunClone(const CloneOptions& opts);

/// Refuses (BlockedError) when src and dst are sessions on the same database.
/// Needs no privilege beyond LOGIN; never fails for want of one.
Status CheckDistinct(pg::Connection& src, pg::Connection& dst);

/// Parses sizes like "500MB", "2GB", "1048576" into bytes.
Result<int64_t> ParseSize(const std::string& text);

}  // namespace hk::clone
