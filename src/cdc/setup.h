// Setting up change capture on the source: checks, publication, slot with an
// exported snapshot, and the follow state in WORKDIR. The caller copies the
// data at setup.snapshot.snapshot_name() while keeping `setup` alive, then
// runs `hikkoshi follow` (or RunFollow) to stream from the slot.
#pragma once

#include <string>
#include <vector>

#include "cdc/slot.h"
#include "cdc/state.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::cdc {

struct FollowSetupOptions {
  pg::ConnInfo source;
  std::string target_redacted;  ///< For follow.json only.
  std::string workdir = ".hikkoshi";
  /// Tables to publish (schema-qualified SQL names); empty = ALL TABLES.
  std::vector<std::string> tables;
  /// Set REPLICA IDENTITY FULL on published tables that lack a key. Without
  /// it, such tables make the setup fail with nothing changed.
  bool replica_identity_full = false;
};

struct FollowSetup {
  SlotSnapshot snapshot;
  FollowState state;
};

/// Creates publication hikkoshi_pub and slot hikkoshi_<id> (snapshot
/// exported and held) and writes WORKDIR/follow.json. Refuses when WORKDIR
/// already holds an active follow setup.
Result<FollowSetup> StartFollowSetup(const FollowSetupOptions& opts);

}  // namespace hk::cdc
