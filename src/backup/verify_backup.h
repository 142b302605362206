// `hikkoshi backup verify` and `hikkoshi restore`: both first prove every
// stored file against the manifest's SHA-256.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backup/location.h"
#include "backup/s3_config.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::backup {

struct VerifyOptions {
  Location from;
  std::string name;
  S3Options s3;
  std::optional<pg::ConnInfo> restore_into;  ///< An empty scratch database.
  int jobs = 1;
  bool tty_progress = false;  ///< Draw the restore's live view.
};

struct VerifyReport {
  std::string backup;                 ///< location/name
  std::vector<std::string> problems;  ///< Empty: the backup is proven.
  std::vector<std::string> notes;
  std::string blocked;  ///< Non-empty: refused to start (exit 2).
  bool restore_checked = false;
  nlohmann::json ToJson() const;
};

/// Checks files, `pg_restore --list`, optionally restores and compares; records
/// the result as verify.json next to the manifest.
Result<VerifyReport> VerifyBackup(const VerifyOptions& o);

struct RestoreOptions {
  Location from;
  std::string name;
  S3Options s3;
  pg::ConnInfo target;
  int jobs = 1;
  bool no_owner = false;
  /// --retry-for: S3 downloads retry for this long, and a pg_restore that
  /// lost its connection before it changed the target is run again.
  int64_t retry_for_ms = 0;
  bool tty_progress = false;  ///< Draw the restore's live view.
};

/// Checks every file, refuses a non-empty target, restores, compares facts.
Result<VerifyReport> RestoreBackup(const RestoreOptions& o);

}  // namespace hk::backup
