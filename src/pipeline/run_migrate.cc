#include "pipeline/run_migrate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "backup/location.h"
#include "backup/restore_into.h"
#include "backup/verify_backup.h"
#include "cdc/cleanup.h"
#include "cdc/follow_state.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "common/log.h"
#include "common/secrets.h"
#include "common/subprocess.h"
#include "cutover/config.h"
#include "cutover/cutover.h"
#include "cutover/cutover_state.h"
#include "cutover/follower_proc.h"
#include "notify/notifier.h"
#include "pg/connection.h"
#include "pg/error.h"
#include "pipeline/clone_follow.h"
#include "pipeline/rehearsal.h"
#include "pipeline/stage_record.h"
#include "pipeline/stages.h"
#include "status/record.h"

namespace hk::pipeline {
namespace {

/// What one stage did: ok, or the error and the stage command's exit code.
struct StageResult {
  Status status = Status::Ok();
  int exit_code = 0;
  nlohmann::json detail = nlohmann::json::object();
  bool skipped = false;  ///< Nothing to do (e.g. no backup destination).
};

StageResult Failed(Error e, int exit_code = 0) {
  StageResult r;
  r.status = std::move(e);
  r.exit_code = exit_code;
  return r;
}

class Migration {
 public:
  Migration(const MigrateOptions& o, EventStream& ev, bool rehearse = false)
      : o_(o), ev_(ev), rehearse_(rehearse) {}
  MigrateOutcome Run();

 private:
  StageResult RunStage(const std::string& name);
  StageResult Check();
  StageResult Backup();
  StageResult Clone();
  StageResult Verify();
  StageResult Window();
  StageResult Cutover();
  /// The rehearsal's cutover: on a throwaway copy of the scratch database.
  StageResult RehearsedCutover();
  /// Runs `hikkoshi ARGS...` with both connection strings in its environment
  /// (never on its command line); its output is passed through.
  Result<ProcessOutput> Child(std::vector<std::string> args);
  Status EnsureFollower();
  /// Sends the user notice once per window when its time has come.
  void MaybeNotice();
  bool StillValid(const std::string& stage);
  bool Stopping() const { return o_.stop && o_.stop->load(); }

  const MigrateOptions& o_;
  EventStream& ev_;
  bool rehearse_;  ///< o_.target is the scratch database, o_.workdir the rehearsal's.
  MigrateRecord rec_;
};

Result<ProcessOutput> Migration::Child(std::vector<std::string> args) {
  std::vector<std::string> argv = {o_.exe};
  if (!o_.config_path.empty()) {
    argv.push_back("--config");
    argv.push_back(o_.config_path);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions po;
  po.env["HIKKOSHI_SOURCE"] = o_.source.ToKeywordString(true);
  po.env["HIKKOSHI_TARGET"] = o_.target.ToKeywordString(true);
  po.capture_stdout = true;
  po.stop = o_.stop;
  HK_ASSIGN_OR_RETURN(ProcessOutput out, RunProcess(argv, po));
  std::fputs(Scrub(out.out).c_str(), stdout);
  std::fflush(stdout);
  if (out.exit_code != 0) std::fputs(Scrub(out.err).c_str(), stderr);
  return out;
}

Error ChildError(const std::string& what, const ProcessOutput& out) {
  std::string last = out.err;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  auto at = last.rfind("hikkoshi: error: ");
  last = at == std::string::npos ? "" : last.substr(at + 17);
  if (auto nl = last.find('\n'); nl != std::string::npos) last = last.substr(0, nl);
  if (last.empty() && what == "verify") last = "differences found (listed above)";
  return MakeError(ErrorKind::kInternal,
                   "`hikkoshi " + what + "` failed (exit " + std::to_string(out.exit_code) + ")" +
                       (last.empty() ? "" : ": " + last),
                   "fix what it reports above, then run `hikkoshi migrate` again (finished stages "
                   "are skipped)");
}

StageResult Migration::Check() {
  auto out = Child({"check", "--dir", o_.workdir});
  if (!out.ok()) return Failed(out.TakeError());
  if (out->exit_code > kExitWarnings) return Failed(ChildError("check", *out), out->exit_code);
  StageResult r;
  r.detail["warnings"] = out->exit_code == kExitWarnings;
  return r;
}

StageResult Migration::Backup() {
  StageResult r;
  if (o_.backup_to.empty() || rehearse_) {
    r.skipped = true;
    r.detail["reason"] = rehearse_ ? "not rehearsed: a rehearsal writes no backup"
                                   : "no [backup] to destinations in the config";
    return r;
  }
  std::string name = "migrate-" + status::IsoOfMs(status::NowMs()).substr(0, 19);
  for (char& c : name)
    if (c == ':') c = '-';
  std::vector<std::string> args = {"backup", "--name", name, "--dir", o_.workdir};
  for (const auto& to : o_.backup_to) {
    args.push_back("--to");
    args.push_back(to);
  }
  auto out = Child(args);
  if (!out.ok()) return Failed(out.TakeError());
  if (out->exit_code != 0) return Failed(ChildError("backup", *out), out->exit_code);
  // The restore proof, in this process: the scratch database's URL stays off
  // every command line.
  nlohmann::json proofs = nlohmann::json::array();
  for (const auto& to : o_.backup_to) {
    auto loc = backup::Location::Parse(to);
    if (!loc.ok()) return Failed(loc.TakeError());
    backup::VerifyOptions vo;
    vo.from = *loc;
    vo.name = name;
    if (!o_.backup_restore_into.empty()) {
      auto ri = pg::ConnInfo::Parse(o_.backup_restore_into);
      if (!ri.ok()) return Failed(ri.TakeError().Context("[backup] restore_into"));
      vo.restore_into = *ri;
    }
    auto rep = backup::VerifyBackup(vo);
    if (!rep.ok()) return Failed(rep.TakeError());
    if (!rep->blocked.empty())
      return Failed(MakeError(ErrorKind::kBadInput, "backup proof refused: " + rep->blocked,
                              "fix it and run `hikkoshi migrate` again"),
                    kExitBlocked);
    if (!rep->problems.empty())
      return Failed(MakeError(ErrorKind::kInternal,
                              "backup " + rep->backup + " is not proven: " + rep->problems.front(),
                              "see `hikkoshi backup verify --from " + to + " --name " + name + "`"),
                    kExitWarnings);
    proofs.push_back({{"at", Scrub(to)}, {"restore_checked", rep->restore_checked}});
    std::printf("backup %s proven%s\n", Scrub(rep->backup).c_str(),
                rep->restore_checked ? " (restored and compared)" : " (checksums)");
  }
  r.detail = {{"name", name}, {"proofs", proofs}};
  return r;
}

Status Migration::EnsureFollower() {
  HK_ASSIGN_OR_RETURN(cdc::FollowState fs, cdc::LoadFollowState(o_.workdir));
  int self = static_cast<int>(::getpid());
  if (fs.pid > 0 && fs.pid != self && cutover::FollowerAlive(fs.pid)) return Status::Ok();
  int rec = cutover::RecordedFollowerPid(o_.workdir);
  if (rec > 0 && rec != self && cutover::FollowerAlive(rec)) return Status::Ok();
  HK_ASSIGN_OR_RETURN(int pid, cutover::SpawnFollower(o_.exe, o_.source, o_.target, o_.workdir));
  ev_.Emit("progress", "clone", "started `hikkoshi follow` in the background (pid " +
                                    std::to_string(pid) + ", log " + o_.workdir + "/follow.log)");
  return Status::Ok();
}

StageResult Migration::Clone() {
  auto fs = cdc::LoadFollowState(o_.workdir);
  bool have = fs.ok() && fs->phase != "cleaned-up";
  if (!have || fs->copy != "done") {
    CloneFollowOptions co;
    co.clone.source = o_.source;
    co.clone.target = o_.target;
    co.clone.workdir = o_.workdir;
    co.clone.jobs = o_.clone_jobs;
    co.clone.index_jobs = o_.index_jobs;
    co.clone.role_map = o_.role_map;
    co.clone.exclude_tables = o_.exclude_tables;
    co.clone.resume = have;  // an interrupted copy starts over at a new slot
    co.clone.stop = o_.stop;
    co.replica_identity_full = o_.replica_identity_full;
    co.until_caught_up = true;
    co.stop = o_.stop;
    if (have) ev_.Emit("warning", "clone", "an interrupted copy is recorded: starting it over");
    Status st = RunCloneFollow(co);
    if (!st.ok()) return Failed(st.TakeError());
  }
  if (Stopping()) return Failed(MakeError(ErrorKind::kInterrupted, "stopped"));
  if (Status st = EnsureFollower(); !st.ok()) return Failed(st.TakeError());
  return {};
}

StageResult Migration::Verify() {
  auto out = Child({"verify", "--following", "--retries", "10", "--retry-wait", "500", "--dir",
                    o_.workdir});
  if (!out.ok()) return Failed(out.TakeError());
  if (out->exit_code != 0) return Failed(ChildError("verify", *out), out->exit_code);
  return {};
}

Result<int64_t> LagBytes(const MigrateOptions& o) {
  HK_ASSIGN_OR_RETURN(cdc::FollowState fs, cdc::LoadFollowState(o.workdir));
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(o.source));
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      c.Exec("SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::"
             "bigint::text FROM pg_replication_slots WHERE slot_name = $1",
             {fs.slot}));
  if (r.rows() == 0)
    return MakeError(ErrorKind::kBadInput, "replication slot " + fs.slot + " is gone",
                     "run `hikkoshi migrate` again after `hikkoshi cleanup`");
  return static_cast<int64_t>(std::stoll(r.Str(0, 0)));
}

void Migration::MaybeNotice() {
  if (!o_.window_ms || o_.notice_before_ms <= 0) return;
  std::string at = status::IsoOfMs(*o_.window_ms);
  int64_t now = status::NowMs();
  if (rec_.notice_sent_for == at || now >= *o_.window_ms ||
      now < *o_.window_ms - o_.notice_before_ms)
    return;
  int64_t left_s = (*o_.window_ms - now) / 1000;
  nlohmann::json d = {{"window", at}, {"seconds_left", left_s}};
  std::string pause = "for seconds while the application moves";
  // A rehearsal's measured window, when there is one, is the honest number.
  if (auto reh = LoadMigrateRecord(o_.workdir, kRehearsalRecord); reh.ok()) {
    auto c = reh->stages.find("cutover");
    if (c != reh->stages.end() && c->second.detail.value("window_ms", int64_t{-1}) >= 0) {
      int64_t w = c->second.detail["window_ms"];
      d["expected_window_ms"] = w;
      pause = fmt::format("for about {:.1f} s (measured by the rehearsal)", w / 1000.0);
    }
  }
  ev_.Emit("window_notice", "window",
           "the switch window opens at " + at + " (in " +
               HumanDuration(static_cast<double>(left_s)) + "): writes will pause " + pause,
           d);
  rec_.notice_sent_for = at;
  (void)SaveMigrateRecord(o_.workdir, rec_);
}

StageResult Migration::Window() {
  StageResult r;
  if (!o_.window_ms) {
    r.skipped = true;
    r.detail["reason"] = "no window set: the cutover follows at once";
    return r;
  }
  r.detail["window"] = status::IsoOfMs(*o_.window_ms);
  int64_t last_report = 0;
  while (status::NowMs() < *o_.window_ms) {
    if (Stopping()) return Failed(MakeError(ErrorKind::kInterrupted, "stopped while waiting"));
    MaybeNotice();
    int64_t now = status::NowMs();
    if (now - last_report >= o_.lag_report_ms) {
      last_report = now;
      auto lag = LagBytes(o_);
      if (!lag.ok()) return Failed(lag.TakeError());
      int64_t left_s = (*o_.window_ms - now) / 1000;
      ev_.Emit("lag", "window",
               "waiting for the window at " + status::IsoOfMs(*o_.window_ms) + " (" +
                   std::to_string(left_s) + " s left); follow lag " + std::to_string(*lag) +
                   " bytes",
               {{"lag_bytes", *lag}, {"seconds_left", left_s}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ev_.Emit("progress", "window", "the window is open", {{"window_open", true}});
  return r;
}

StageResult Migration::Cutover() {
  auto cc = cutover::LoadCutoverConfig(o_.config_path);
  if (!cc.ok()) return Failed(cc.TakeError());
  cutover::SwitchContext ctx;
  ctx.source = o_.source;
  ctx.target = o_.target;
  ctx.workdir = o_.workdir;
  ctx.cfg = *cc;
  ctx.exe = o_.exe;
  ctx.tty_view = o_.tty_view;
  cutover::CutoverFlags flags;
  // Without --yes the cutover asks, after printing its preconditions (the
  // run refused at its start when there is no terminal to ask on).
  flags.yes = o_.yes;
  // The backup stage proved a backup of this run: that is the precondition's
  // "recent verified backup" unless the config names its own check.
  auto b = rec_.stages.find("backup");
  flags.skip_backup_check =
      ctx.cfg.backup_check.empty() && b != rec_.stages.end() && b->second.state == "done";
  auto out = cutover::RunCutover(ctx, flags, cutover::PrintToStdout);
  StageResult r;
  r.detail = {{"run", out.run},
              {"window_ms", out.window_ms},
              {"tables", out.tables},
              {"rows", out.rows},
              {"sequences", out.sequences}};
  if (out.status.ok()) return r;
  Error e = out.status.TakeError();
  int code = pg::ExitCodeFor(e);
  e.hint = (e.hint.empty() ? "" : e.hint + "; ") +
           "then run `hikkoshi migrate` again (a cut-over that failed was rolled back)";
  r.status = std::move(e);
  r.exit_code = code;
  r.detail["rolled_back"] = out.rolled_back;
  return r;
}

StageResult Migration::RehearsedCutover() {
  // The follower into the scratch database stops, and its slot leaves the
  // real source at once (it would retain WAL there).
  (void)cutover::StopFollowersOf(o_.workdir, 10000);
  auto cl = cdc::CleanupFollow(o_.source, o_.target, o_.workdir);
  if (!cl.ok())
    return Failed(cl.TakeError().Context("removing the rehearsal's slot from the source"));
  RehearseCutoverOptions ro;
  ro.scratch = o_.target;
  ro.dir = o_.workdir + "/cutover";
  ro.exe = o_.exe;
  ro.config_path = o_.config_path;
  ro.clone_jobs = o_.clone_jobs;
  ro.index_jobs = o_.index_jobs;
  ro.stop = o_.stop;
  ev_.Emit("progress", "cutover",
           "rehearsing the switch on a throwaway copy of the scratch database (the real source "
           "is not frozen; hooks are not run)");
  auto m = RehearseCutover(ro);
  if (!m.ok()) return Failed(m.TakeError());
  StageResult r;
  r.detail = *m;
  return r;
}

StageResult Migration::RunStage(const std::string& name) {
  if (name == "check") return Check();
  if (name == "backup") return Backup();
  if (name == "clone") return Clone();
  if (name == "verify") return Verify();
  if (name == "window") return Window();
  return rehearse_ ? RehearsedCutover() : Cutover();
}

/// A recorded stage that still holds: the clone only while its follow setup
/// exists (then the follower is made sure to run); the window is always
/// looked at again.
bool Migration::StillValid(const std::string& stage) {
  if (!rec_.Done(stage)) return false;
  if (stage == "window") return false;
  if (stage == "clone") {
    auto fs = cdc::LoadFollowState(o_.workdir);
    if (!fs.ok() || fs->phase == "cleaned-up" || fs->copy != "done") return false;
    if (Status st = EnsureFollower(); !st.ok()) {
      ev_.Emit("warning", "clone", "cannot start the follower: " + st.error().message);
      return false;
    }
  }
  return true;
}

MigrateOutcome Migration::Run() {
  MigrateOutcome out;
  auto loaded = LoadMigrateRecord(o_.workdir);
  if (!loaded.ok()) {
    out.failed_stage = "migrate";
    out.error = loaded.TakeError();
    return out;
  }
  rec_ = *loaded;
  int until = o_.until.empty() ? static_cast<int>(Stages().size()) - 1 : StageIndex(o_.until);
  if (until >= StageIndex("cutover") && !o_.yes && !o_.can_ask) {
    out.failed_stage = "cutover";
    out.error = MakeError(ErrorKind::kBadInput,
                          "migrate asks before the freeze, but there is no terminal to ask on",
                          "pass --yes for an unattended run, or --until window to stop before "
                          "the cutover");
    return out;
  }
  // Already cut over: the forward follower was stopped on purpose; nothing
  // before the cutover is looked at again.
  auto cs = cutover::LoadCutoverState(o_.workdir);
  bool cut_over = cs.ok() && cs->phase == "cut-over";
  ev_.Emit("progress", "", "migrate: " + StageNames() + " (work directory " + o_.workdir + ")");
  MaybeNotice();
  for (int i = 0; i <= until; ++i) {
    const std::string name = Stages()[i].name;
    if (cut_over || (name == "cutover" && rec_.Done(name)) || (name != "cutover" && StillValid(name))) {
      auto it = rec_.stages.find(name);
      std::string at = it == rec_.stages.end() ? "" : it->second.finished_at;
      ev_.Emit("stage_skipped", name,
               cut_over ? "already cut over" : "done at " + at + "; still valid");
      continue;
    }
    StageRecord& r = rec_.stages[name];
    r = StageRecord{};
    r.state = "running";
    r.started_at = NowIso8601();
    int64_t t0 = status::NowMs();
    ev_.Emit("stage_started", name, Stages()[i].does);
    (void)SaveMigrateRecord(o_.workdir, rec_);
    StageResult res = RunStage(name);
    r.finished_at = NowIso8601();
    r.duration_ms = status::NowMs() - t0;
    r.detail = res.detail;
    if (!res.status.ok()) {
      r.state = "failed";
      r.detail["error"] = Scrub(res.status.error().message);
      (void)SaveMigrateRecord(o_.workdir, rec_);
      ev_.Emit("stage_failed", name, Scrub(res.status.error().message),
               {{"exit_code", res.exit_code}, {"duration_ms", r.duration_ms}});
      out.failed_stage = name;
      out.stage_exit_code = res.exit_code;
      out.error = res.status.TakeError();
      return out;
    }
    r.state = res.skipped ? "skipped" : "done";
    if (name == "clone") rec_.InvalidateAfter("clone");  // a new copy: verify it again
    if (Status st = SaveMigrateRecord(o_.workdir, rec_); !st.ok()) {
      out.failed_stage = name;
      out.error = st.TakeError();
      return out;
    }
    ev_.Emit(res.skipped ? "stage_skipped" : "stage_finished", name,
             res.skipped ? res.detail.value("reason", "nothing to do")
                         : "done in " + std::to_string(r.duration_ms) + " ms",
             {{"duration_ms", r.duration_ms}});
    // Test hook: die like kill -9 right after a stage is recorded.
    // (Its notifications are delivered first, so a test can assert on them.)
    if (const char* k = std::getenv("HIKKOSHI_TEST_MIGRATE_KILL_AFTER"); k && name == k) {
      notify::Shutdown();
      std::raise(SIGKILL);
    }
  }
  if (until < StageIndex("cutover")) {
    out.stopped_after = Stages()[until].name;
    ev_.Emit("progress", "", "stopped after " + out.stopped_after + " (--until)");
    return out;
  }
  out.finished = true;
  ev_.Emit("progress", "", "migrated: the application runs on the target, reverse replication "
                           "keeps the source current (`hikkoshi rollback` goes back)");
  return out;
}

}  // namespace

/// The rehearsal: the same stages with the scratch database as the target,
/// in their own work directory, starting over each time; the record is
/// copied to WORKDIR/rehearsal.json and everything made on the servers is
/// removed at the end, whatever the outcome.
MigrateOutcome RunRehearsal(const MigrateOptions& o, EventStream& events) {
  MigrateOptions r = o;
  r.target = *o.scratch;
  r.workdir = RehearsalDir(o.workdir);
  r.backup_to.clear();
  r.window_ms.reset();
  r.notice_before_ms = 0;
  r.yes = true;
  MigrateOutcome out;
  auto fail = [&](Error e) {
    out.failed_stage = "rehearsal";
    out.error = std::move(e);
    return out;
  };
  if (o.scratch->Redacted() == o.source.Redacted() || o.scratch->Redacted() == o.target.Redacted())
    return fail(MakeError(ErrorKind::kBadInput, "--scratch names the source or the target database",
                          "give an empty throwaway database (it is overwritten)"));
  // An earlier rehearsal's leftovers (a kill, a failure) go first.
  if (Status st = CleanupRehearsal(o.source, *o.scratch, o.workdir); !st.ok())
    return fail(st.TakeError());
  auto busy = backup::NonEmptyReason(*o.scratch);
  if (!busy.ok()) return fail(busy.TakeError().Context("the scratch database"));
  if (!busy->empty())
    return fail(
        BlockedError("the scratch database " + o.scratch->Redacted() + " is not empty: " + *busy,
                     "give an empty database (drop and create it again between "
                     "rehearsals); the rehearsal copies the whole source into it"));
  std::error_code ec;
  std::filesystem::remove_all(r.workdir, ec);
  std::filesystem::create_directories(r.workdir, ec);
  events.Emit("progress", "",
              "rehearsal against " + o.scratch->Redacted() + " (state in " + r.workdir + ")");
  out = Migration(r, events, true).Run();
  if (Status st = CleanupRehearsal(o.source, *o.scratch, o.workdir); !st.ok())
    events.Emit("warning", "", "rehearsal cleanup: " + st.error().message);
  auto rec = LoadMigrateRecord(r.workdir);
  if (rec.ok()) {
    (void)SaveMigrateRecord(o.workdir, *rec, kRehearsalRecord);
    nlohmann::json m = nlohmann::json::object();
    int64_t total = 0;
    for (const auto& [name, s] : rec->stages) {
      m[name + "_ms"] = s.duration_ms;
      total += s.duration_ms;
    }
    if (auto c = rec->stages.find("cutover"); c != rec->stages.end())
      m["cutover"] = c->second.detail;
    m["total_ms"] = total;
    out.rehearsal = m;
  }
  return out;
}

MigrateOutcome RunMigrate(const MigrateOptions& o, EventStream& events) {
  if (o.scratch) return RunRehearsal(o, events);
  return Migration(o, events).Run();
}

}  // namespace hk::pipeline
