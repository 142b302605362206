#include "cdc/setup.h"

#include <filesystem>

#include "cdc/identity.h"
#include "common/log.h"

namespace hk::cdc {

Result<FollowSetup> StartFollowSetup(const FollowSetupOptions& opts) {
  if (std::filesystem::exists(FollowStatePath(opts.workdir))) {
    auto old = LoadFollowState(opts.workdir);
    if (old.ok() && old->phase != "cleaned-up" && old->copy == "pending") {
      return MakeError(ErrorKind::kBadInput,
                       "work directory " + opts.workdir +
                           " holds a clone --follow whose initial copy did not finish",
                       "rerun `hikkoshi clone --follow --resume` (it starts the copy over), or "
                       "`hikkoshi cleanup` "
                       "to drop it");
    }
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
  if (!missing.empty() && !opts.replica_identity_full) return NoIdentityError(missing);
  if (opts.preflight) HK_RETURN_IF_ERROR(opts.preflight(src));

  // Everything checked: from here on the source changes.
  if (!missing.empty()) {
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
  auto slot = CreateSlotWithSnapshot(opts.source, s.state.slot);
  if (!slot.ok()) {
    (void)DropUnusedPublication(src);
    return slot.TakeError();
  }
  s.snapshot = std::move(slot).value();
  s.state.consistent_point = s.snapshot.consistent_point();
  s.state.phase = "setup";
  s.state.copy = opts.copy_pending ? "pending" : "done";
  auto st = SaveFollowState(opts.workdir, s.state);
  if (!st.ok()) {
    // Do not leave a slot behind that nobody knows about.
    s.snapshot.Release();
    (void)DropSlotIfExists(src, s.state.slot, 5);
    (void)DropUnusedPublication(src);
    return st.TakeError();
  }
  return s;
}

Status AbandonFollowSetup(const pg::ConnInfo& source, const FollowState& state) {
  HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(source));
  HK_RETURN_IF_ERROR(DropSlotIfExists(src, state.slot, 5));
  HK_ASSIGN_OR_RETURN(bool dropped, DropUnusedPublication(src));
  LogInfo("dropped replication slot {}{} on the source", state.slot,
          dropped ? std::string(" and publication ") + kPublicationName : "");
  return Status::Ok();
}

Status MarkCopyDone(const std::string& workdir) {
  HK_ASSIGN_OR_RETURN(FollowState s, LoadFollowState(workdir));
  s.copy = "done";
  return SaveFollowState(workdir, s);
}

}  // namespace hk::cdc
