#include "cutover/cutover.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cdc/cleanup.h"
#include "cdc/follow_state.h"
#include "cdc/setup.h"
#include "cdc/trigger_guard.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/secrets.h"
#include "cutover/counts.h"
#include "cutover/drain.h"
#include "cutover/env_file.h"
#include "cutover/follower_proc.h"
#include "cutover/health.h"
#include "cutover/large_objects.h"
#include "cutover/pgbouncer.h"
#include "cutover/preconditions.h"
#include "cutover/probe_table.h"
#include "cutover/rollback.h"
#include "cutover/sequences.h"
#include "cutover/write_watch.h"
#include "notify/switch_events.h"
#include "pg/error.h"

namespace hk::cutover {
namespace {

struct Metrics {
  int tables = -1;
  int64_t rows = -1;
  int sequences = -1;
  HealthReport health;
};

class Cutover {
 public:
  Cutover(const SwitchContext& ctx, Journal& j, CutoverState& st) : ctx_(ctx), j_(j), st_(st) {}
  /// Every step; `frozen` tells the caller whether a rollback is needed on failure.
  Status Run(bool& frozen);
  const Metrics& metrics() const { return m_; }

 private:
  Status Save() { return SaveCutoverState(ctx_.workdir, st_); }
  Status Prepare();
  Status Freeze();
  Status DrainAndVerify();
  Status StopForward();
  Status Sequences();
  Status Reverse();
  Status ConfirmNoForeignWrites();
  Status Switch();
  Status Health();
  int64_t FrozenForMs() const { return UnixMsNow() - frozen_at_ms_; }

  const SwitchContext& ctx_;
  Journal& j_;
  CutoverState& st_;
  cdc::FollowState fwd_;
  pg::Connection src_, tgt_;
  bool same_cluster_ = false;
  WriteWatch watch_;
  uint32_t marker_xid_ = 0;
  int64_t frozen_at_ms_ = 0;
  Metrics m_;
};

namespace {

Error BypassError(const std::vector<ForeignCommit>& f) {
  std::string list;
  for (size_t i = 0; i < f.size() && i < 5; ++i) list += (i ? "; " : "") + f[i].Describe();
  return MakeError(
      ErrorKind::kDataError,
      fmt::format("the freeze was bypassed: {} transaction(s) committed on the frozen source after "
                  "the drain marker: {}",
                  f.size(), list),
      "a session wrote despite the freeze (a role that is not in cutover.app_roles, or "
      "PGOPTIONS / SET SESSION CHARACTERISTICS ... READ WRITE): add its role to "
      "cutover.app_roles or stop it, then cut over again");
}

}  // namespace

Status Cutover::Prepare() {
  auto s = j_.Begin("prepare");
  return s.Finish([&]() -> Status {
    HK_ASSIGN_OR_RETURN(fwd_, cdc::LoadFollowState(ctx_.workdir));
    HK_ASSIGN_OR_RETURN(src_, OpenAdmin(ctx_.source));
    HK_ASSIGN_OR_RETURN(tgt_, OpenAdmin(ctx_.target));
    // Roles are per cluster: with both databases on one, blocking the app's
    // logins on the source would block them on the target too.
    same_cluster_ = SameCluster(src_, tgt_);
    // On the target first: the follower must find it when the source's
    // first marker arrives.
    HK_RETURN_IF_ERROR(EnsureProbeTable(tgt_));
    HK_RETURN_IF_ERROR(EnsureProbeTable(src_));
    HK_ASSIGN_OR_RETURN(
        auto p, src_.Exec("SELECT puballtables, EXISTS (SELECT 1 FROM pg_publication_tables t "
                          "WHERE t.pubname = $1 AND t.schemaname = 'hikkoshi' AND "
                          "t.tablename = 'cutover_probe') FROM pg_publication WHERE pubname = $1",
                          {fwd_.publication}));
    if (p.rows() == 0)
      return MakeError(
          ErrorKind::kBadInput, "publication " + fwd_.publication + " is missing on the source",
          "the follow setup is broken: run `hikkoshi cleanup` and clone again with --follow");
    if (!p.Bool(0, 0) && !p.Bool(0, 1))
      HK_RETURN_IF_ERROR(
          src_.Run("ALTER PUBLICATION " + fwd_.publication + " ADD TABLE hikkoshi.cutover_probe"));
    return Status::Ok();
  }());
}

Status Cutover::Freeze() {
  st_.phase = "frozen";
  HK_RETURN_IF_ERROR(Save());
  // The window starts where clients first stop being served, in both modes:
  // at PAUSE, or at the freeze's first step (app logins blocked, read-only
  // default, sessions ended).
  j_.Mark("writes-frozen", ctx_.pgbouncer()
                               ? nlohmann::json{{"database", "source"}, {"via", "pgbouncer"}}
                               : nlohmann::json{{"database", "source"}});
  frozen_at_ms_ = UnixMsNow();
  if (ctx_.pgbouncer()) {
    auto p = j_.Begin("pause-pgbouncer");
    HK_RETURN_IF_ERROR(p.Finish(PgbouncerPause(ctx_.cfg, ctx_.cfg.max_freeze_ms)));
  }
  auto s = j_.Begin("freeze-source");
  auto f = FreezeDatabase(src_, ctx_.app(), LoginsOf(ctx_, j_, st_, true, same_cluster_));
  if (!f.ok()) return s.Finish(f.TakeError());
  s.details()["terminated_sessions"] = f->terminated;
  s.details()["logins_blocked"] = st_.source_logins.size();
  s.details()["summary"] = std::to_string(f->terminated) + " app session(s) ended, " +
                           std::to_string(st_.source_logins.size()) + " app role(s) NOLOGIN";
  (void)s.Finish(Status::Ok());
  return Save();
}

Status Cutover::DrainAndVerify() {
  {
    auto s = j_.Begin("drain");
    // The proof that the freeze holds: a copy of the forward stream from
    // before the marker, decoded before the switch (ConfirmNoForeignWrites).
    auto w = StartWriteWatch(src_, fwd_.slot);
    if (!w.ok()) return s.Finish(w.TakeError());
    watch_ = *w;
    s.details()["watch_from_lsn"] = cdc::FormatLsn(watch_.from);
    int pid = fwd_.pid;
    DrainView view(ctx_.tty_view, "drain", ctx_.workdir, ctx_.cfg.max_freeze_ms, frozen_at_ms_);
    auto d = Drain(
        src_, tgt_, fwd_.origin, "cutover", ctx_.cfg.max_freeze_ms - FrozenForMs(),
        [&] { return FollowerAlive(pid); }, &view);
    if (!d.ok()) return s.Finish(d.TakeError());
    marker_xid_ = d->marker_xid;
    nlohmann::json details = d->ToJson();
    details["watch_from_lsn"] = cdc::FormatLsn(watch_.from);
    s.details() = details;
    s.details()["summary"] = "marker arrived after " + std::to_string(d->waited_ms) + " ms";
    (void)s.Finish(Status::Ok());
  }
  // Checked now (a bypassing write would make the counts differ, for a less
  // clear reason) and again right before the switch.
  HK_RETURN_IF_ERROR(ConfirmNoForeignWrites());
  {
    // Logical decoding does not carry large objects and the counts do not
    // see them: refuse when the two sides' differ.
    auto s = j_.Begin("large-objects");
    auto lo = CompareLargeObjects(src_, tgt_);
    if (!lo.ok()) return s.Finish(lo.TakeError());
    s.details()["source"] = lo->source;
    s.details()["target"] = lo->target;
    s.details()["contents_compared"] = lo->contents_compared;
    s.details()["summary"] =
        fmt::format("{} on the source, {} differ", lo->source, lo->diffs.size());
    if (!lo->diffs.empty()) {
      std::string list;
      for (size_t i = 0; i < lo->diffs.size() && i < 5; ++i) list += (i ? ", " : "") + lo->diffs[i];
      return s.Finish(MakeError(
          ErrorKind::kDataError,
          fmt::format("{} large object(s) differ between source and target: {}", lo->diffs.size(),
                      list),
          "logical replication does not carry large objects: copy them to the target (e.g. "
          "lo_export/lo_import, or pg_dump --large-objects --data-only of them) while the "
          "application does not write them, then cut over again"));
    }
    (void)s.Finish(Status::Ok());
  }
  if (ctx_.cfg.verify == "counts") {
    auto s = j_.Begin("verify-counts");
    auto c = CompareCounts(ctx_.source, ctx_.target, fwd_.publication);
    if (!c.ok()) return s.Finish(c.TakeError());
    m_.tables = c->tables;
    m_.rows = c->rows;
    s.details()["tables"] = c->tables;
    s.details()["rows"] = c->rows;
    s.details()["summary"] =
        fmt::format("{} tables, {} rows, {} differ", c->tables, c->rows, c->diffs.size());
    if (!c->diffs.empty()) {
      // A write that bypassed the freeze after confirm-no-writes shows up
      // here first: read the stream again so the error names it.
      auto again = CheckWriteWatch(src_, watch_, fwd_.publication, {marker_xid_});
      if (again.ok() && !again->empty()) return s.Finish(BypassError(*again));
      std::string list;
      for (size_t i = 0; i < c->diffs.size() && i < 5; ++i)
        list += fmt::format("{}{} (source {}, target {})", i ? ", " : "", c->diffs[i].table,
                            c->diffs[i].source, c->diffs[i].target);
      return s.Finish(MakeError(ErrorKind::kDataError, "row counts differ after the drain: " + list,
                                "the target is not a faithful copy; run `hikkoshi verify` and fix "
                                "it before cutting over"));
    }
    (void)s.Finish(Status::Ok());
  }
  if (FrozenForMs() > ctx_.cfg.max_freeze_ms)
    return MakeError(
        ErrorKind::kRetryable,
        "the freeze has lasted " + std::to_string(FrozenForMs()) + " ms, over --max-freeze",
        "raise --max-freeze or cut over when the lag is smaller");
  return Status::Ok();
}

Status Cutover::StopForward() {
  st_.forward_stopped = true;
  HK_RETURN_IF_ERROR(Save());
  {
    auto s = j_.Begin("stop-follow");
    HK_RETURN_IF_ERROR(s.Finish(StopFollowersOf(ctx_.workdir, 10000)));
  }
  // disable-triggers mode: a follower stopped by SIGTERM re-enabled the
  // target's user triggers itself; one that had to be killed left them in
  // its record. Either way they are back before the target takes writes.
  if (!std::filesystem::exists(cdc::TriggerRecordPath(ctx_.workdir))) return Status::Ok();
  auto s = j_.Begin("restore-triggers");
  auto n = cdc::RestoreUserTriggers(tgt_, ctx_.workdir);
  if (!n.ok()) return s.Finish(n.TakeError());
  s.details()["database"] = "target";
  s.details()["summary"] = std::to_string(*n) + " user trigger(s) re-enabled on the target";
  return s.Finish(Status::Ok());
}

Status Cutover::Sequences() {
  auto s = j_.Begin("sequences");
  auto r = CopySequences(src_, tgt_, ctx_.cfg.sequence_gap);
  if (!r.ok()) return s.Finish(r.TakeError());
  m_.sequences = r->copied;
  s.details()["copied"] = r->copied;
  s.details()["never_used"] = r->never_used;
  s.details()["already_ahead"] = r->already_ahead;
  s.details()["missing_on_target"] = r->missing;
  s.details()["summary"] = fmt::format("{} set, {} already ahead, {} missing on the target",
                                       r->copied, r->already_ahead, r->missing.size());
  return s.Finish(Status::Ok());
}

Status Cutover::Reverse() {
  auto s = j_.Begin("reverse-replication");
  return s.Finish([&]() -> Status {
    auto old = cdc::LoadFollowState(ctx_.reverse_dir());
    if (old.ok() && old->phase != "cleaned-up") {
      HK_RETURN_IF_ERROR(StopFollowersOf(ctx_.reverse_dir(), 10000));
      auto c = cdc::CleanupFollow(Writable(ctx_.target), Writable(ctx_.source), ctx_.reverse_dir());
      if (!c.ok()) return c.TakeError();
    }
    cdc::FollowSetupOptions o;
    o.source = Writable(ctx_.target);
    o.target_redacted = ctx_.source.Redacted();
    o.workdir = ctx_.reverse_dir();
    o.replica_identity_full = true;
    HK_ASSIGN_OR_RETURN(cdc::FollowSetup setup, cdc::StartFollowSetup(o));
    setup.snapshot.Release();  // nothing to copy: both sides are equal now
    HK_ASSIGN_OR_RETURN(
        int pid, SpawnFollower(ctx_.exe, ctx_.target, Writable(ctx_.source), ctx_.reverse_dir()));
    s.details()["slot"] = setup.state.slot;
    s.details()["pid"] = pid;
    // Wait until it streams, so the app's first writes are already captured
    // (the slot captures them anyway; this catches a follower that dies at once).
    for (int i = 0; i < 200; ++i) {
      auto rs = cdc::LoadFollowState(ctx_.reverse_dir());
      if (rs.ok() && rs->pid == pid && (rs->phase == "following" || rs->phase == "caught-up"))
        return Status::Ok();
      if (!ProcessExists(pid))
        return MakeError(ErrorKind::kInternal, "the reverse follower exited at once",
                         "see " + ctx_.reverse_dir() + "/follow.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return MakeError(ErrorKind::kInternal,
                     "the reverse follower did not start streaming within 5 s",
                     "see " + ctx_.reverse_dir() + "/follow.log");
  }());
}

Status Cutover::ConfirmNoForeignWrites() {
  auto s = j_.Begin("confirm-no-writes");
  auto f = CheckWriteWatch(src_, watch_, fwd_.publication, {marker_xid_});
  if (!f.ok()) return s.Finish(f.TakeError());
  s.details()["from_lsn"] = cdc::FormatLsn(watch_.from);
  s.details()["foreign_commits"] = f->size();
  if (f->empty()) {
    s.details()["summary"] = "no transaction but hikkoshi's committed on the source since " +
                             cdc::FormatLsn(watch_.from);
    return s.Finish(Status::Ok());
  }
  return s.Finish(BypassError(*f));
}

Status Cutover::Switch() {
  HK_ASSIGN_OR_RETURN(bool tgt_frozen, IsFrozen(tgt_));
  if (tgt_frozen || !st_.target_logins.empty()) {  // left read-only by an earlier rollback
    auto s = j_.Begin("unfreeze-target");
    HK_RETURN_IF_ERROR(s.Finish(
        UnfreezeDatabase(tgt_, ctx_.app(), LoginsOf(ctx_, j_, st_, false, same_cluster_))));
  }
  st_.app_on_target = true;
  st_.phase = "switching";
  HK_RETURN_IF_ERROR(Save());
  if (!ctx_.cfg.env_path.empty()) {
    auto s = j_.Begin("switch-env");
    s.details()["file"] = ctx_.cfg.env_path;
    s.details()["variable"] = ctx_.cfg.env_variable;
    HK_RETURN_IF_ERROR(s.Finish(SetEnvVar(ctx_.cfg.env_path, ctx_.cfg.env_variable,
                                          ctx_.cfg.env_target_value, ctx_.env_backup())));
  }
  if (ctx_.pgbouncer()) {
    auto s = j_.Begin("switch-pgbouncer");
    HK_RETURN_IF_ERROR(s.Finish([&]() -> Status {
      HK_RETURN_IF_ERROR(
          PgbouncerPoint(ctx_.cfg, ctx_.cfg.pgb_target_entry, ctx_.pgbouncer_backup()));
      return PgbouncerResume(ctx_.cfg);
    }()));
  }
  return RunSwitchHooks(ctx_, j_, /*cutover=*/true);
}

Status Cutover::Health() {
  auto s = j_.Begin("health");
  m_.health = RunHealthChecks(ctx_.cfg, ctx_.target);
  s.details() = m_.health.ToJson();
  if (!m_.health.ok) return s.Finish(MakeError(ErrorKind::kInternal, m_.health.failure));
  (void)s.Finish(Status::Ok());
  j_.Mark("writes-resumed", {{"database", "target"}});
  st_.phase = "cut-over";
  return Save();
}

Status Cutover::Run(bool& frozen) {
  frozen = false;
  st_.phase = "preparing";
  st_.run = j_.run();
  st_.app_on_target = false;
  st_.forward_stopped = false;
  HK_RETURN_IF_ERROR(Save());
  auto st = Prepare();
  if (!st.ok()) {
    st_.phase = "idle";
    (void)Save();
    return st;
  }
  st = Freeze();
  if (!st.ok()) {  // FreezeDatabase lifted its own freeze
    HK_ASSIGN_OR_RETURN(bool still, IsFrozen(src_));
    // Rollback RESUMEs PgBouncer and restores logins left blocked.
    still = still || !st_.source_logins.empty();
    frozen = still || ctx_.pgbouncer();
    if (!still && !ctx_.pgbouncer()) {
      st_.phase = "idle";
      (void)Save();
    }
    return st;
  }
  frozen = true;
  HK_RETURN_IF_ERROR(DrainAndVerify());
  HK_RETURN_IF_ERROR(StopForward());
  HK_RETURN_IF_ERROR(Sequences());
  HK_RETURN_IF_ERROR(Reverse());
  HK_RETURN_IF_ERROR(ConfirmNoForeignWrites());
  HK_RETURN_IF_ERROR(Switch());
  return Health();
}

std::string MetricsText(const Metrics& m, int64_t window_ms) {
  std::string out = "success metrics:\n";
  if (m.tables >= 0)
    out += fmt::format("  tables present, row counts identical: {} tables, {} rows\n", m.tables,
                       m.rows);
  if (m.sequences >= 0) out += fmt::format("  sequences set on the target: {}\n", m.sequences);
  for (const auto& h : m.health.http)
    out += fmt::format("  API {}: HTTP {} in {} ms\n", h.url, h.status, h.latency_ms);
  if (m.health.sql_p50_ms >= 0)
    out += fmt::format("  DB query: {} ms median, {} ms max\n", m.health.sql_p50_ms,
                       m.health.sql_max_ms);
  if (m.health.write_probe_ms >= 0)
    out += fmt::format("  write probe: {} ms\n", m.health.write_probe_ms);
  if (window_ms >= 0)
    out += fmt::format("  write-unavailability window: {:.3f} s\n",
                       static_cast<double>(window_ms) / 1000.0);
  return out;
}

bool Confirm() {
  if (!isatty(STDIN_FILENO)) return false;
  std::fprintf(stderr,
               "Freeze writes on the source and switch the application to the target? Type yes: ");
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

}  // namespace

CutoverOutcome RunCutover(SwitchContext ctx, const CutoverFlags& flags, const Print& print) {
  CutoverOutcome out;
  out.dry_run = flags.dry_run;
  if (flags.max_freeze_ms) ctx.cfg.max_freeze_ms = *flags.max_freeze_ms;
  auto loaded = LoadCutoverState(ctx.workdir);
  if (!loaded.ok()) {
    out.status = loaded.TakeError();
    return out;
  }
  CutoverState st = *loaded;
  if (st.phase == "cut-over") {
    print("already cut over (run " + st.run + "); `hikkoshi rollback` goes back\n");
    out.cut_over = out.already = true;
    out.run = st.run;
    return out;
  }
  if (st.InProgress() || st.phase == "rolling-back") {
    if (flags.dry_run) {
      out.status = BlockedError(
          "an interrupted " + st.run + " (phase " + st.phase + ") is recorded in " +
              CutoverStatePath(ctx.workdir),
          "run `hikkoshi rollback` (or cutover without --dry-run) to bring everything back to "
          "the source first");
      return out;
    }
    LogWarn("an interrupted {} (phase {}) is recorded: rolling it back first", st.run, st.phase);
    Journal j(ctx.workdir, "rollback");
    out.run = j.run();
    auto r = RollbackSteps(ctx, j, st);
    print(j.Timeline());
    if (!r.ok()) {
      out.status = std::move(r.TakeError()).Context("rollback of the interrupted cutover");
      return out;
    }
    out.status =
        BlockedError("an interrupted cutover was rolled back; the application is on the source",
                     "run `hikkoshi cutover` again once `hikkoshi status` shows follow caught up");
    return out;
  }

  PreconditionReport pre = CheckPreconditions(ctx, flags.skip_backup_check);
  print(pre.ToText());
  if (flags.dry_run) {
    print(PlanText(ctx, pre));
    print("dry run: nothing was changed\n");
    if (!pre.ok())
      out.status = BlockedError("a precondition failed (dry run; nothing was changed)",
                                "see the FAIL lines above");
    return out;
  }
  if (!pre.ok()) {
    out.status = BlockedError("a precondition failed; nothing was changed",
                              "see the FAIL lines above (--dry-run shows the plan)");
    return out;
  }
  if (!flags.yes && !Confirm()) {
    out.status =
        BlockedError("not confirmed; nothing was changed", "pass --yes to run without a question");
    return out;
  }

  Journal j(ctx.workdir, "cutover");
  out.run = j.run();
  {
    auto s = j.Begin("preconditions");
    for (const auto& c : pre.checks) s.details()[c.name] = c.detail;
    (void)s.Finish(Status::Ok());
  }
  Cutover c(ctx, j, st);
  bool frozen = false;
  Status result = c.Run(frozen);
  const Metrics& m = c.metrics();
  out.tables = m.tables;
  out.rows = m.rows;
  out.sequences = m.sequences;
  out.window_ms = frozen ? j.WriteUnavailableMs() : -1;
  if (result.ok()) {
    print(j.Timeline());
    print(MetricsText(m, j.WriteUnavailableMs()));
    print("cut over: the application is on the target; `hikkoshi rollback` goes back\n");
    notify::CutoverSucceeded(j.run(), j.WriteUnavailableMs());
    out.cut_over = true;
    return out;
  }
  Error err = result.TakeError();
  LogError("cutover failed: {}", pg::Describe(err));
  notify::CutoverFailed(j.run(), pg::Describe(err), frozen);
  if (!frozen) {
    print(j.Timeline());
    if (err.kind == ErrorKind::kBadInput) err.kind = ErrorKind::kBlocked;
    out.status = std::move(err).Context("cutover");
    return out;
  }
  if (!flags.auto_rollback) {
    print(j.Timeline());
    err.hint =
        "the source is frozen (--no-auto-rollback); fix the cause and run `hikkoshi rollback` (or "
        "roll forward by hand)";
    out.status = std::move(err).Context("cutover");
    return out;
  }
  LogWarn("rolling back automatically");
  Status rb = RollbackSteps(ctx, j, st);
  notify::RolledBack(j.run(), rb.ok(), rb.ok() ? "" : pg::Describe(rb.error()));
  print(j.Timeline());
  out.window_ms = j.WriteUnavailableMs();
  if (!rb.ok()) {
    Error e = rb.TakeError();
    e.message = "cutover failed (" + pg::Describe(err) +
                ") and the automatic rollback failed too: " + e.message;
    e.hint = (e.hint.empty() ? "" : e.hint + "; ") + "then run `hikkoshi rollback` again";
    out.status = std::move(e);
    return out;
  }
  out.rolled_back = true;
  out.status = BlockedError("cutover failed (" + pg::Describe(err) +
                                "); rolled back automatically, the application is on the source",
                            "fix the cause, wait for follow to catch up, and run `hikkoshi "
                            "cutover` again");
  return out;
}

}  // namespace hk::cutover
