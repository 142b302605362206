#include "cdc/setup.h"

#include <filesystem>

#include "cdc/identity.h"
#include "cdc/publication.h"
#include "cdc/target_table.h"
#include "common/log.h"

namespace hk::cdc {
namespace {

Error NotOwnedError(Result<std::string> user, const std::vector<std::string>& tables) {
  std::string who = user.ok() ? "\"" + *user + "\"" : "the source user";
  std::string names;
  for (size_t i = 0; i < tables.size() && i < 10; ++i) names += (i ? ", " : "") + tables[i];
  if (tables.size() > 10) names += " and " + std::to_string(tables.size() - 10) + " more";
  // A precondition: nothing was changed.
  return BlockedError(who + " is not a superuser and does not own " + names +
                          ", so it cannot publish them (CREATE PUBLICATION ... FOR TABLE needs "
                          "the owner; FOR ALL TABLES a superuser)",
                      "connect to the source as the tables' owner, or run ALTER TABLE ... OWNER "
                      "TO " +
                          who +
                          " for them, or leave them out with --exclude-table / "
                          "--copy-only-table");
}

}  // namespace

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
    return BlockedError("the source has wal_level = " + wal_level + "; change capture needs logical",
                        "set wal_level = logical on the source and restart it (on RDS: rds.logical_replication = 1)");
  }
  // FOR ALL TABLES needs a superuser; any other role publishes the tables it
  // owns by name, and follow watches for tables created later.
  std::vector<std::string> tables = opts.tables;
  HK_ASSIGN_OR_RETURN(bool superuser, IsSuperuser(src));
  if (tables.empty() && !superuser) {
    HK_ASSIGN_OR_RETURN(tables, PublishableTables(src));
  }
  std::vector<std::string> left_out;
  if (!tables.empty()) {
    if (!superuser) {
      HK_ASSIGN_OR_RETURN(auto not_owned, TablesNotOwned(src, tables));
      if (!not_owned.empty())
        return NotOwnedError(src.QueryValue("SELECT current_user"), not_owned);
    }
    HK_ASSIGN_OR_RETURN(left_out, TablesLeftOut(src, tables));
  } else if (opts.tables.empty() && !superuser) {
    return MakeError(ErrorKind::kBadInput, "the source database has no table to follow",
                     "create the tables first, or drop --follow");
  }
  // All tables: one query rather than one per table.
  HK_ASSIGN_OR_RETURN(
      auto missing,
      TablesWithoutIdentity(src, opts.tables.empty() ? std::vector<std::string>{} : tables));
  if (!missing.empty() && !opts.replica_identity_full) return NoIdentityError(missing);
  if (opts.preflight) HK_RETURN_IF_ERROR(opts.preflight(src));

  // Everything checked: from here on the source changes.
  if (!missing.empty()) {
    HK_RETURN_IF_ERROR(SetReplicaIdentityFull(src, missing));
    LogInfo("set REPLICA IDENTITY FULL on {} table(s) without a primary key", missing.size());
  }
  // The publication must exist before the slot: decoding reads it at the
  // catalog state of each change.
  HK_RETURN_IF_ERROR(CreatePublication(src, tables));

  FollowSetup s;
  s.state.id = NewFollowId();
  s.state.slot = "hikkoshi_" + s.state.id;
  s.state.origin = "hikkoshi_" + s.state.id;
  s.state.publication = kPublicationName;
  s.state.publication_tables = tables.empty() ? "all" : "listed";
  s.state.left_out = left_out;
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
