#include "cdc/setup.h"

#include <filesystem>

#include "cdc/identity.h"
#include "common/log.h"

namespace hk::cdc {

Result<FollowSetup> StartFollowSetup(const FollowSetupOptions& opts) {
  if (std::filesystem::exists(FollowStatePath(opts.workdir))) {
    auto old = LoadFollowState(opts.workdir);
    if (old.ok() && old->phase != "cleaned-up") {
      return MakeError(ErrorKind::kBadInput,
                       "work directory " + opts.workdir + " already holds a follow setup (slot " +
                           old->slot + ")",
                       "run `hikkoshi follow` to continue it, or `hikkoshi cleanup` to drop it first");
    }
  }
  HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(opts.source));
  HK_ASSIGN_OR_RETURN(std::string wal_level, src.QueryValue("SHOW wal_level"));
  if (wal_level != "logical") {
    Error e = MakeError(ErrorKind::kBadInput,
                        "the source has wal_level = " + wal_level + "; change capture needs logical",
                        "set wal_level = logical on the source and restart it (on RDS: rds.logical_replication = 1)");
    e.sqlstate = "55000";
    return e;
  }
  HK_ASSIGN_OR_RETURN(auto missing, TablesWithoutIdentity(src, opts.tables));
  if (!missing.empty()) {
    if (!opts.replica_identity_full) return NoIdentityError(missing);
    HK_RETURN_IF_ERROR(SetReplicaIdentityFull(src, missing));
    LogInfo("set REPLICA IDENTITY FULL on {} table(s) without a primary key", missing.size());
  }
  // The publication must exist before the slot: decoding reads it at the
  // catalog state of each change.
  HK_RETURN_IF_ERROR(CreatePublication(src, opts.tables));

  FollowSetup s;
  s.state.id = NewFollowId();
  s.state.slot = "hikkoshi_" + s.state.id;
  s.state.origin = "hikkoshi_" + s.state.id;
  s.state.publication = kPublicationName;
  s.state.source = opts.source.Redacted();
  s.state.target = opts.target_redacted;
  s.state.created_at = NowIso8601();
  HK_ASSIGN_OR_RETURN(s.snapshot, CreateSlotWithSnapshot(opts.source, s.state.slot));
  s.state.consistent_point = s.snapshot.consistent_point();
  s.state.phase = "setup";
  auto st = SaveFollowState(opts.workdir, s.state);
  if (!st.ok()) {
    // Do not leave a slot behind that nobody knows about.
    s.snapshot.Release();
    (void)DropSlotIfExists(src, s.state.slot, 5);
    return st.TakeError();
  }
  return s;
}

}  // namespace hk::cdc
