// `hikkoshi backup`: pg_dump from one exported snapshot, the facts of that
// same snapshot, SHA-256 of every file, copies to every destination, and
// manifest.json written last everywhere.
#pragma once

#include <string>
#include <vector>

#include "backup/location.h"
#include "backup/manifest.h"
#include "backup/s3_config.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::backup {

struct BackupOptions {
  pg::ConnInfo source;
  std::vector<Location> destinations;
  int jobs = 1;      ///< > 1: directory format dumped by that many workers.
  std::string name;  ///< "" = DBNAME-YYYYMMDDTHHMMSSZ
  S3Options s3;
  /// A pg_dump that lost its connection (cut, server restart) is run again
  /// at a new snapshot, with backoff, for up to this long (#14). 0: never.
  int64_t retry_for_ms = 10LL * 60 * 1000;
  /// stderr is a terminal: draw the live view (backup/progress.h).
  bool tty_progress = false;
};

struct BackupOutcome {
  Manifest manifest;
  std::vector<std::string> stored_at;  ///< Each destination, described.
};

Result<BackupOutcome> RunBackup(const BackupOptions& o);

}  // namespace hk::backup
