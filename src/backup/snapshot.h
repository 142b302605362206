// The exported snapshot a backup is taken from. Take() opens a REPEATABLE
// READ, READ ONLY transaction, exports its snapshot (pg_dump --snapshot
// imports it) and reads the manifest's facts inside it. The transaction is
// held open until Release(), after pg_dump has finished.
#pragma once

#include <memory>

#include "backup/db_facts.h"
#include "backup/manifest.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::backup {

class HeldSnapshot {
 public:
  static Result<std::unique_ptr<HeldSnapshot>> Take(const pg::ConnInfo& source);
  const SourceInfo& info() const { return info_; }
  const DbFacts& facts() const { return facts_; }
  /// Ends the transaction (the snapshot dies with it).
  Status Release();

 private:
  HeldSnapshot() = default;
  pg::Connection conn_;
  SourceInfo info_;
  DbFacts facts_;
  bool open_ = false;
};

}  // namespace hk::backup
