#include "backup/verify_backup.h"

#include "backup/backup_reader.h"
#include "backup/manifest.h"
#include "backup/restore_into.h"
#include "common/log.h"

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
    Status st = PgRestoreInto(b->DumpPath(), *o.restore_into, {.jobs = o.jobs, .no_owner = true});
    if (!st.ok()) {
      rep.problems.push_back(st.error().message);
    } else {
      HK_ASSIGN_OR_RETURN(auto diffs, CompareWithManifest(*o.restore_into, b->manifest(), &rep.notes));
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
  HK_RETURN_IF_ERROR(PgRestoreInto(b->DumpPath(), o.target, {.jobs = o.jobs, .no_owner = o.no_owner}));
  HK_ASSIGN_OR_RETURN(auto diffs, CompareWithManifest(o.target, b->manifest(), &rep.notes));
  rep.restore_checked = true;
  rep.problems = std::move(diffs);
  return rep;
}

}  // namespace hk::backup
