// `hikkoshi verify`: proves that the target database equals the source, or
// names every difference (schema objects, rows by key, large objects).
// Read-only on both servers.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"
#include "verify/progress.h"
#include "verify/report.h"

namespace hk::verify {

struct VerifyOptions {
  pg::ConnInfo source, target;
  int jobs = 2;                      ///< Table workers; each holds one connection per side.
  std::vector<std::string> include;  ///< Glob patterns on schema.table (or table); empty = all.
  std::vector<std::string> exclude;  ///< Glob patterns applied after include.
  bool schema = true;                ///< Compare schema objects (false with --data-only).
  bool data = true;                  ///< Compare table contents (false with --schema-only).
  int max_diffs = 100;               ///< Differences listed in the report; the rest are counted.
  int retries = 3;                   ///< Re-checks of a differing chunk at fresh snapshots.
  int retry_wait_ms = 200;           ///< Pause before each re-check.
  int64_t chunk_rows = 2000;         ///< Target rows per hash chunk (chosen on the source).
  int64_t leaf_rows = 4096;          ///< Bisect until a range holds at most this many rows.
  /// First-pass chunks of a single integer key: "auto" = key / width
  /// (arithmetic), "width-bucket" = sampled thresholds (the mode before #13,
  /// kept for comparison). Other keys always use sampled thresholds.
  std::string chunking = "auto";
  bool progress_tty = false;         ///< Live progress line on stderr (else a log line per table).
  bool progress_log = true;          ///< Log line per table when not on a TTY.
  /// Snapshots of the comparison while it runs (at most twice a second, and
  /// when it ends), for the work directory's verify-progress.json.
  ProgressSink on_progress;
  /// Report differing sequence values as informational: while follow runs
  /// they legitimately differ (logical decoding does not carry sequences;
  /// cutover sets them). Definitions are still compared strictly.
  bool sequences_informational = false;
  /// How long an outage may last: a lost connection or a server restart is
  /// retried with backoff, redoing the table it cut (#14). 0: no retries.
  int64_t retry_for_ms = 10LL * 60 * 1000;
  /// Set by SIGINT/SIGTERM: stops waiting for a retry.
  const std::atomic<bool>* stop = nullptr;
};

/// Runs the comparison. Differences are data in the report, not errors; an
/// error means the comparison could not be completed.
Result<VerifyReport> RunVerify(const VerifyOptions& opts);

}  // namespace hk::verify
