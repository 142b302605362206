// Setting up change capture on the source: checks, publication, slot with an
// exported snapshot, and the follow state in WORKDIR. The caller copies the
// data at setup.snapshot.snapshot_name() while keeping `setup` alive, then
// runs `hikkoshi follow` (or RunFollow) to stream from the slot.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cdc/follow_state.h"
#include "cdc/slot.h"
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
  /// Record the initial copy as pending (follow.json "copy"); the caller
  /// marks it done with MarkCopyDone once the copy finished.
  bool copy_pending = false;
  /// More checks (e.g. of the target) run after the source's own checks and
  /// before anything is changed; a failure leaves both servers untouched.
  std::function<Status(pg::Connection& source)> preflight;
};

struct FollowSetup {
  SlotSnapshot snapshot;
  FollowState state;
};

/// Checks everything first (work directory, wal_level, identities,
/// opts.preflight), then sets REPLICA IDENTITY FULL where asked, creates
/// publication hikkoshi_pub and, last, slot hikkoshi_<id> (snapshot exported
/// and held), and writes WORKDIR/follow.json. Refuses when WORKDIR already
/// holds an active follow setup. A failure after the publication or slot was
/// created drops them again.
Result<FollowSetup> StartFollowSetup(const FollowSetupOptions& opts);

/// Drops what a setup whose copy failed created on the source (slot, and the
/// publication unless another hikkoshi slot of the database remains), keeping
/// follow.json with its copy pending so follow refuses and
/// `clone --follow --resume` starts over. Best effort: returns what it could
/// not do.
Status AbandonFollowSetup(const pg::ConnInfo& source, const FollowState& state);

/// Records the initial copy as finished in WORKDIR/follow.json.
Status MarkCopyDone(const std::string& workdir);

}  // namespace hk::cdc
