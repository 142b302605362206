// Restoring a checked dump into a database with pg_restore, and proving the
// result: exact row counts and sequence values compared with the manifest.
#pragma once

#include <string>
#include <vector>

#include "backup/manifest.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::backup {

/// "" when the database holds no user tables, views or sequences; else why not.
Result<std::string> NonEmptyReason(const pg::ConnInfo& target);

struct PgRestoreOptions {
  int jobs = 1;
  bool no_owner = false;           ///< --no-owner --no-acl: roles of the source need not exist.
  bool tty = false;                ///< Draw the live view (backup/progress.h).
  const DbFacts* facts = nullptr;  ///< The manifest's tables and rows, for the view.
};

/// `pg_restore --list` on the dump; error sentence when it fails.
Status PgRestoreList(const std::string& dump_path);
/// `pg_restore --exit-on-error` into target.
Status PgRestoreInto(const std::string& dump_path, const pg::ConnInfo& target,
                     const PgRestoreOptions& o);

/// Differences between the manifest's facts and the target's (see CompareFacts).
Result<std::vector<std::string>> CompareWithManifest(const pg::ConnInfo& target, const Manifest& m,
                                                     std::vector<std::string>* notes);

}  // namespace hk::backup
