#include "backup/verify_backup.h"

#include "backup/backup_reader.h"
#include "backup/manifest.h"
#include "backup/restore_into.h"
#include "common/log.h"
#include "common/retry.h"

namespace hk::backup {

nlohmann::json VerifyReport::ToJson() const {
  return {{"format", "hikkoshi-backup-verify"},
          {"format_version", 1},
          {"backup", backup},
          {"verified_at", NowIso8601()},
          {"ok", problems.empty() && blocked.empty()},
          {"restore_checked", restore_checked},
          {"problems", problems},
          {"notes", notes},
          {"hikkoshi", HIKKOSHI_VERSION}};
}

Result<VerifyReport> VerifyBackup(const VerifyOptions& o) {
  VerifyReport rep;
  if (o.restore_into) {
    HK_ASSIGN_OR_RETURN(std::string why, NonEmptyReason(*o.restore_into));
    if (!why.empty()) {
      rep.blocked = "--restore-into " + o.restore_into->Redacted() + " is not empty: " + why;
      return rep;
    }
  }
  HK_ASSIGN_OR_RETURN(auto b, OpenedBackup::Open(o.from, o.s3, o.name));
  rep.backup = b->Describe();
  HK_ASSIGN_OR_RETURN(rep.problems, b->CheckFiles());
  if (rep.problems.empty()) {
    Status st = PgRestoreList(b->DumpPath());
    if (!st.ok()) rep.problems.push_back(st.error().message);
  }
  if (rep.problems.empty() && o.restore_into) {
    Status st = PgRestoreInto(
        b->DumpPath(), *o.restore_into,
        {.jobs = o.jobs, .no_owner = true, .tty = o.tty_progress, .facts = &b->manifest().facts});
    if (!st.ok()) {
      rep.problems.push_back(st.error().message);
    } else {
      HK_ASSIGN_OR_RETURN(auto diffs,
                          CompareWithManifest(*o.restore_into, b->manifest(), &rep.notes));
      rep.restore_checked = true;
      for (auto& d : diffs) rep.problems.push_back(std::move(d));
    }
  }
  // The result is recorded next to the manifest for `backup list`.
  Status rec = b->store().PutSmall(o.name + "/" + kVerifyFile, rep.ToJson().dump(2) + "\n");
  if (!rec.ok()) LogWarn("could not record the verification result: {}", rec.error().message);
  return rep;
}

Result<VerifyReport> RestoreBackup(const RestoreOptions& o) {
  VerifyReport rep;
  HK_ASSIGN_OR_RETURN(std::string why, NonEmptyReason(o.target));
  if (!why.empty()) {
    rep.blocked = "the target " + o.target.Redacted() + " is not empty: " + why;
    return rep;
  }
  HK_ASSIGN_OR_RETURN(auto b, OpenedBackup::Open(o.from, o.s3, o.name));
  rep.backup = b->Describe();
  HK_ASSIGN_OR_RETURN(rep.problems, b->CheckFiles());
  if (!rep.problems.empty()) {
    rep.blocked = "the backup is damaged; nothing was restored";
    return rep;
  }
  RetryBudget budget(o.retry_for_ms, nullptr, "restore");
  for (;;) {
    Status st = PgRestoreInto(b->DumpPath(), o.target,
                              {.jobs = o.jobs,
                               .no_owner = o.no_owner,
                               .tty = o.tty_progress,
                               .facts = &b->manifest().facts});
    if (st.ok()) break;
    Error e = st.TakeError();
    if (!ToolLostConnection(e.message)) return e;
    e.kind = ErrorKind::kConnection;
    if (!budget.Wait(e, true)) return e;
    // Only a target the cut restore left untouched is restored again; part
    // of a backup is never restored twice.
    auto again = NonEmptyReason(o.target);
    while (!again.ok()) {
      Error ce = again.TakeError();
      if (!budget.Wait(ce, true)) return ce;
      again = NonEmptyReason(o.target);
    }
    if (!again->empty())
      return MakeError(ErrorKind::kConnection,
                       "pg_restore lost its connection after restoring part of the backup into " +
                           o.target.Redacted() + " (" + *again + ")",
                       "drop and recreate the target database, then rerun the same restore");
    LogInfo("restoring {} again into {}", o.name, o.target.Redacted());
  }
  HK_ASSIGN_OR_RETURN(auto diffs, CompareWithManifest(o.target, b->manifest(), &rep.notes));
  rep.restore_checked = true;
  rep.problems = std::move(diffs);
  return rep;
}

}  // namespace hk::backup
