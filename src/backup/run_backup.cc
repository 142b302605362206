#include "backup/run_backup.h"

#include <stdlib.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <memory>

#include "backup/child_conn.h"
#include "backup/file_io.h"
#include "backup/progress.h"
#include "backup/snapshot.h"
#include "backup/stop.h"
#include "backup/store.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "common/retry.h"
#include "common/secrets.h"
#include "common/subprocess.h"

namespace hk::backup {
namespace {

std::string CompactUtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string LastLines(const std::string& s, size_t max_chars = 600) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  if (t.size() > max_chars) t = "..." + t.substr(t.size() - max_chars);
  return t;
}

// Removes partial files everywhere on failure unless Dismiss()ed.
class PartialGuard {
 public:
  PartialGuard(std::vector<std::unique_ptr<Store>>* stores, std::string name)
      : stores_(stores), name_(std::move(name)) {}
  ~PartialGuard() {
    for (size_t i = 0; i < begun_; ++i) (*stores_)[i]->DiscardPartial(name_);
    if (!temp_dir_.empty()) RemoveTree(temp_dir_);
  }
  void Begun() { ++begun_; }
  void Dismiss() { begun_ = 0; }
  void SetTempDir(std::string d) { temp_dir_ = std::move(d); }

 private:
  std::vector<std::unique_ptr<Store>>* stores_;
  std::string name_;
  size_t begun_ = 0;
  std::string temp_dir_;
};

Error DumpFailed(const ProcessOutput& p, const std::string& where) {
  if (p.err.find("No space left on device") != std::string::npos) {
    return MakeError(ErrorKind::kInternal,
                     "the disk holding " + where + " is full; pg_dump stopped",
                     "free some space or choose another destination; nothing was marked complete");
  }
  return MakeError(ErrorKind::kInternal,
                   "pg_dump failed (exit " + std::to_string(p.exit_code) + "): " + LastLines(p.err),
                   "fix the cause above and run the backup again; nothing was marked complete");
}

}  // namespace

Result<BackupOutcome> RunBackup(const BackupOptions& o) {
  if (o.destinations.empty()) {
    return MakeError(ErrorKind::kBadInput, "no destination given",
                     "pass --to DIR or --to s3://bucket/prefix");
  }
  if (o.jobs < 1) return MakeError(ErrorKind::kBadInput, "--jobs must be at least 1");
  if (!o.name.empty()) HK_RETURN_IF_ERROR(ValidateBackupName(o.name));

  // 1. Every destination is reachable and writable before the database is touched.
  std::vector<std::unique_ptr<Store>> stores;
  for (const auto& loc : o.destinations) {
    HK_ASSIGN_OR_RETURN(auto st, OpenStore(loc, o.s3));
    HK_RETURN_IF_ERROR(st->Probe());
    stores.push_back(std::move(st));
  }
  HK_ASSIGN_OR_RETURN(PgTool pg_dump, FindPgTool("pg_dump"));

  // 2. One snapshot for pg_dump and for the facts.
  HK_ASSIGN_OR_RETURN(auto snap, HeldSnapshot::Take(o.source));
  HK_RETURN_IF_ERROR(CheckToolNotOlder(pg_dump, snap->info().server_version_num));
  CrashPoint("snapshot");

  Manifest m;
  m.name = o.name.empty() ? snap->info().database + "-" + CompactUtcNow() : o.name;
  HK_RETURN_IF_ERROR(ValidateBackupName(m.name));
  m.created_at = snap->info().snapshot_time;
  m.source = snap->info();
  m.facts = snap->facts();
  m.jobs = o.jobs;
  m.dump_format = o.jobs > 1 ? "directory" : "custom";
  m.dump_path = o.jobs > 1 ? "dump" : "dump.pgdump";
  m.pg_dump_version = pg_dump.version_text;
  m.hikkoshi_version = HIKKOSHI_VERSION;

  PartialGuard guard(&stores, m.name);
  for (auto& st : stores) {
    HK_RETURN_IF_ERROR(st->BeginBackup(m.name));
    guard.Begun();
  }

  // 3. pg_dump writes straight into the first local destination, else into a
  // temporary staging directory.
  std::string staging;
  for (size_t i = 0; i < stores.size() && staging.empty(); ++i) {
    if (auto p = stores[i]->LocalPath(m.name)) staging = *p;
  }
  if (staging.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/hikkoshi-backup-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      return IoError("cannot create a staging directory in", tmpl, errno);
    staging = tmpl;
    guard.SetTempDir(staging);
  }
  std::string dump_target = staging + "/" + m.dump_path;
  std::string app = ChildAppName("backup");
  ChildConn cc = ChildConnFor(o.source, app);
  std::vector<std::string> argv = {pg_dump.path, "--format=" + m.dump_format,
                                   "--file=" + dump_target, "--snapshot=" + m.source.snapshot,
                                   "--no-password"};
  if (o.jobs > 1) argv.push_back("--jobs=" + std::to_string(o.jobs));
  if (!cc.dbname_arg.empty()) argv.push_back(cc.dbname_arg);
  LogInfo("dumping {} with {} ({} format{})", m.source.url, pg_dump.path, m.dump_format,
          o.jobs > 1 ? ", " + std::to_string(o.jobs) + " jobs" : "");
  BackupProgress progress(o.tty_progress);  // stopped before the guard cleans up
  progress.StartDump(o.source, app, m.facts, dump_target);
  RetryBudget budget(o.retry_for_ms, nullptr, "backup");
  for (;;) {
    HK_ASSIGN_OR_RETURN(auto dump, RunProcess(argv, {.env = cc.env, .stop = StopFlag()}));
    if (StopRequested()) return InterruptedError();
    if (dump.exit_code == 0) break;
    Error e = DumpFailed(dump, staging);
    if (!ToolLostConnection(dump.err)) return e;
    // pg_dump lost its connection: an outage. Dump again from the start at
    // a new snapshot (the old one may have died with the server), into a
    // clean place; nothing was stored or marked complete yet.
    e.kind = ErrorKind::kConnection;
    e.message = "pg_dump lost its connection: " + LastLines(dump.err, 300);
    if (!budget.Wait(e, true)) return e;
    (void)snap->Release();
    RemoveTree(dump_target);
    auto again = HeldSnapshot::Take(o.source);
    while (!again.ok()) {
      Error ce = again.TakeError();
      if (!budget.Wait(ce, true)) return ce;
      again = HeldSnapshot::Take(o.source);
    }
    snap = std::move(again).value();
    m.created_at = snap->info().snapshot_time;
    m.source = snap->info();
    m.facts = snap->facts();
    argv[3] = "--snapshot=" + m.source.snapshot;
    LogInfo("dumping {} again at snapshot {}", m.source.url, m.source.snapshot);
  }
  HK_RETURN_IF_ERROR(snap->Release());
  progress.DumpDone();
  CrashPoint("dump");

  // 4. Checksums of what pg_dump wrote.
  std::vector<std::string> rel;
  if (o.jobs > 1) {
    HK_ASSIGN_OR_RETURN(auto files, ListFilesRecursive(dump_target));
    for (auto& f : files) rel.push_back(m.dump_path + "/" + f);
  } else {
    rel.push_back(m.dump_path);
  }
  if (progress.tty()) {
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& r : rel) total += std::filesystem::file_size(staging + "/" + r, ec);
    progress.StartChecksums(total);
  }
  for (const auto& r : rel) {
    HK_ASSIGN_OR_RETURN(auto d, HashFile(staging + "/" + r, &BytesMoved()));
    m.files.push_back({r, d.size, d.sha256});
  }
  LogInfo("dump of {} done: {} file(s), {} bytes; SHA-256 computed", m.name, m.files.size(),
          m.TotalSize());
  CrashPoint("checksums");

  // 5. Copies to every destination, each confirmed.
  std::vector<std::string> described;
  for (auto& st : stores) described.push_back(Scrub(st->Describe()));
  progress.StartUpload(described, m.TotalSize());
  for (auto& st : stores) {
    for (const auto& f : m.files) {
      if (StopRequested()) return InterruptedError();
      HK_RETURN_IF_ERROR(st->PutFile(staging + "/" + f.path, m.name + "/" + f.path, f));
    }
    progress.DestinationDone();
    LogInfo("stored {} in {}", m.name, st->Describe());
  }
  CrashPoint("upload");

  if (StopRequested()) return InterruptedError();
  // 6. The manifest, last: its presence is what makes the backup complete.
  m.completed_at = NowIso8601();
  std::string text = m.ToJson().dump(2) + "\n";
  BackupOutcome out;
  for (auto& st : stores) {
    HK_RETURN_IF_ERROR(st->PutSmall(m.name + "/" + kManifestFile, text));
    out.stored_at.push_back(st->Describe() + "/" + m.name);
  }
  progress.Done();
  progress.Stop();
  guard.Dismiss();
  out.manifest = std::move(m);
  return out;
}

}  // namespace hk::backup
