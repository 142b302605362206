// The source side of change capture: the publication hikkoshi_pub and a
// logical replication slot created together with an exported snapshot, so
// the initial copy (at the snapshot) and the stream (from the slot) meet with
// no gap and no overlap.
#pragma once

#include <string>
#include <vector>

#include "cdc/lsn.h"
#include "common/status.h"
#include "pg/connection.h"
#include "pg/conninfo.h"

namespace hk::cdc {

inline constexpr const char* kPublicationName = "hikkoshi_pub";

/// A freshly created slot and the snapshot exported with it. The snapshot
/// lives only while the replication connection held here stays idle: keep
/// this object alive (and do nothing else with it) until every copy worker
/// has run SET TRANSACTION SNAPSHOT, then Release() it.
class SlotSnapshot {
 public:
  SlotSnapshot() = default;
  SlotSnapshot(SlotSnapshot&&) noexcept = default;
  SlotSnapshot& operator=(SlotSnapshot&&) noexcept = default;

  const std::string& slot_name() const { return slot_name_; }
  const std::string& snapshot_name() const { return snapshot_name_; }
  Lsn consistent_point() const { return consistent_point_; }
  bool held() const { return conn_.Healthy(); }
  /// Closes the replication connection; the snapshot ends, the slot stays.
  void Release() { conn_ = pg::Connection(); }

 private:
  friend Result<SlotSnapshot> CreateSlotWithSnapshot(const pg::ConnInfo&, const std::string&);
  pg::Connection conn_;
  std::string slot_name_, snapshot_name_;
  Lsn consistent_point_ = 0;
};

/// Creates slot `slot_name` (plugin pgoutput) with SNAPSHOT 'export' on a new
/// replication connection to `source`.
Result<SlotSnapshot> CreateSlotWithSnapshot(const pg::ConnInfo& source, const std::string& slot_name);

/// Creates (or replaces) publication hikkoshi_pub for `tables`
/// (schema-qualified, quoted as needed) or FOR ALL TABLES when empty, with
/// publish_via_partition_root = true.
Status CreatePublication(pg::Connection& source, const std::vector<std::string>& tables);

/// Drops the slot if it exists. Waits up to wait_s for a still-active
/// walsender to let go of it.
Status DropSlotIfExists(pg::Connection& source, const std::string& slot_name, int wait_s = 10);

/// Drops publication hikkoshi_pub if it exists.
Status DropPublicationIfExists(pg::Connection& source);

/// Drops publication hikkoshi_pub unless a hikkoshi_* slot of this database
/// remains (another migration of the same database streams through it).
/// Returns whether it was dropped.
Result<bool> DropUnusedPublication(pg::Connection& source);

}  // namespace hk::cdc
