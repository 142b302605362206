#include "cutover/rollback.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cdc/cleanup.h"
#include "cdc/follow_state.h"
#include "cdc/progress_table.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "cutover/drain.h"
#include "cutover/env_file.h"
#include "cutover/follower_proc.h"
#include "cutover/health.h"
#include "cutover/hooks.h"
#include "cutover/large_objects.h"
#include "cutover/pgbouncer.h"
#include "cutover/sequences.h"
#include "cutover/write_watch.h"
#include "notify/switch_events.h"
#include "pg/error.h"

namespace hk::cutover {
namespace {

Status Save(const SwitchContext& ctx, const CutoverState& st) {
  return SaveCutoverState(ctx.workdir, st);
}

bool PgbouncerOnTarget(const SwitchContext& ctx) {
  if (!ctx.pgbouncer()) return false;
  auto cur = PgbouncerCurrentEntry(ctx.cfg);
  return cur.ok() && *cur == ctx.cfg.pgb_target_entry;
}

bool EnvOnTarget(const SwitchContext& ctx) {
  if (ctx.cfg.env_path.empty() || ctx.cfg.env_target_value.empty()) return false;
  auto text = ReadWholeFile(ctx.cfg.env_path, true);
  return text.ok() && EnvValue(*text, ctx.cfg.env_variable) == ctx.cfg.env_target_value;
}

Status RunHooks(const SwitchContext& ctx, Journal& j, bool cutover) {
  for (const auto& h : ctx.cfg.hooks) {
    if (cutover ? !h.on_cutover : !h.on_rollback) continue;
    auto s = j.Begin("hook: " + h.name);
    auto r = RunHookCommand(h.run, h.timeout_ms);
    if (!r.ok()) return s.Finish(r.TakeError());
    s.details()["exit_code"] = r->exit_code;
    s.details()["timed_out"] = r->timed_out;
    s.details()["output"] =
        r->output.size() > 4096 ? r->output.substr(r->output.size() - 4096) : r->output;
    if (r->timed_out || r->exit_code != 0)
      return s.Finish(
          MakeError(ErrorKind::kInternal,
                    "hook `" + h.run + "` " +
                        (r->timed_out ? "timed out after " + std::to_string(h.timeout_ms) + " ms"
                                      : "exited with " + std::to_string(r->exit_code)),
                    "see its output in the journal"));
    (void)s.Finish(Status::Ok());
  }
  return Status::Ok();
}

}  // namespace

LoginBlock LoginsOf(const SwitchContext& ctx, Journal& j, CutoverState& st, bool source,
                    bool same_cluster) {
  LoginBlock b;
  b.saved = source ? &st.source_logins : &st.target_logins;
  b.skip = same_cluster;
  b.persist = [&ctx, &j, &st, source]() -> Status {
    HK_RETURN_IF_ERROR(SaveCutoverState(ctx.workdir, st));
    const auto& v = source ? st.source_logins : st.target_logins;
    nlohmann::json roles = nlohmann::json::array();
    for (const auto& r : v)
      roles.push_back({{"role", r.role}, {"can_login", r.can_login}, {"conn_limit", r.conn_limit}});
    j.Mark(v.empty() ? "app-logins-restored" : "app-logins-recorded",
           {{"database", source ? "source" : "target"}, {"original", roles}});
    return Status::Ok();
  };
  return b;
}

Status RunSwitchHooks(const SwitchContext& ctx, Journal& j, bool cutover) {
  return RunHooks(ctx, j, cutover);
}

Status RollbackSteps(const SwitchContext& ctx, Journal& j, CutoverState& st) {
  const auto& cfg = ctx.cfg;
  st.phase = "rolling-back";
  st.run = j.run();
  HK_RETURN_IF_ERROR(Save(ctx, st));
  HK_ASSIGN_OR_RETURN(pg::Connection src, OpenAdmin(ctx.source));
  HK_ASSIGN_OR_RETURN(pg::Connection tgt, OpenAdmin(ctx.target));
  bool app_touched = st.app_on_target || EnvOnTarget(ctx) || PgbouncerOnTarget(ctx);
  HK_ASSIGN_OR_RETURN(bool src_frozen, IsFrozen(src));
  const bool same_cluster = SameCluster(src, tgt);
  LoginBlock src_logins = LoginsOf(ctx, j, st, /*source=*/true, same_cluster);
  LoginBlock tgt_logins = LoginsOf(ctx, j, st, /*source=*/false, same_cluster);

  // 1. The target stops taking writes first: never two writable databases.
  // The window starts where clients first stop being served: PAUSE, or the
  // first step of the freeze (logins blocked, read-only default).
  if (app_touched)
    j.Mark("writes-frozen", ctx.pgbouncer()
                                ? nlohmann::json{{"database", "target"}, {"via", "pgbouncer"}}
                                : nlohmann::json{{"database", "target"}});
  if (app_touched && ctx.pgbouncer()) {
    auto s = j.Begin("pause-pgbouncer");
    HK_RETURN_IF_ERROR(s.Finish(PgbouncerPause(cfg, std::max<int64_t>(cfg.max_freeze_ms, 60000))));
  }
  if (app_touched) {
    auto s = j.Begin("freeze-target");
    auto f = FreezeDatabase(tgt, ctx.app(), tgt_logins);
    if (!f.ok()) return s.Finish(f.TakeError());
    s.details()["terminated_sessions"] = f->terminated;
    (void)s.Finish(Status::Ok());
  }

  // 2. Everything the app wrote on the target reaches the source.
  auto rev = cdc::LoadFollowState(ctx.reverse_dir());
  if (rev.ok() && rev->phase != "cleaned-up") {
    int pid = rev->pid;
    if (!FollowerAlive(pid)) pid = RecordedFollowerPid(ctx.reverse_dir());
    if (app_touched) {
      auto s = j.Begin("drain-reverse");
      if (!FollowerAlive(pid)) {
        auto p = SpawnFollower(ctx.exe, ctx.target, Writable(ctx.source), ctx.reverse_dir());
        if (!p.ok()) return s.Finish(p.TakeError());
        pid = *p;
        s.details()["restarted_follower_pid"] = pid;
      }
      int64_t limit = std::max<int64_t>(cfg.max_freeze_ms, 60000);
      DrainView view(ctx.tty_view, "drain", ctx.reverse_dir(), limit, 0);
      auto d = Drain(
          tgt, src, rev->origin, "rollback", limit, [&] { return ProcessExists(pid); }, &view);
      if (!d.ok()) {
        Error e = d.TakeError();
        e.hint = "both databases stay frozen, nothing is lost; fix the reverse follower (" +
                 ctx.reverse_dir() + "/follow.log) and run `hikkoshi rollback` again";
        return s.Finish(e);
      }
      s.details() = d->ToJson();
      (void)s.Finish(Status::Ok());
    }
    auto s = j.Begin("stop-reverse");
    HK_RETURN_IF_ERROR(s.Finish([&]() -> Status {
      HK_RETURN_IF_ERROR(StopFollower(pid, 10000));
      HK_RETURN_IF_ERROR(StopFollowersOf(ctx.reverse_dir(), 10000));
      // Also gives the source back the user triggers a reverse follower in
      // disable-triggers mode disabled (from its record, after a kill too).
      auto c = cdc::CleanupFollow(Writable(ctx.target), Writable(ctx.source), ctx.reverse_dir());
      if (!c.ok()) return c.TakeError();
      s.details()["cleaned_up"] = c->dropped;
      return Status::Ok();
    }()));
  }

  // Large objects are not replicated back either: name the ones that differ
  // (the rollback goes on: stopping here would leave both databases frozen).
  if (app_touched) {
    auto s = j.Begin("large-objects");
    auto lo = CompareLargeObjects(tgt, src);
    if (lo.ok() && !lo->diffs.empty()) {
      std::string list;
      for (size_t i = 0; i < lo->diffs.size() && i < 5; ++i) list += (i ? ", " : "") + lo->diffs[i];
      std::string what =
          std::to_string(lo->diffs.size()) +
          " large object(s) differ between target and source (not carried back): " + list +
          "; copy them to the source by hand";
      LogWarn("{}", what);
      s.details()["summary"] = what;
    } else if (lo.ok()) {
      s.details()["summary"] = "0 differ";
    }
    (void)s.Finish(lo.ok() ? Status::Ok() : Status(lo.TakeError()), "ok");
  }

  // 3. Sequences back on the source.
  if (app_touched) {
    auto s = j.Begin("sequences");
    auto r = CopySequences(tgt, src, cfg.sequence_gap);
    if (!r.ok()) return s.Finish(r.TakeError());
    s.details()["copied"] = r->copied;
    s.details()["already_ahead"] = r->already_ahead;
    s.details()["missing"] = r->missing;
    (void)s.Finish(Status::Ok());
  }

  // 4. The forward follower again (from past what the reverse one wrote).
  if (src_frozen) {
    auto fwd = cdc::LoadFollowState(ctx.workdir);
    if (fwd.ok() && fwd->phase != "cleaned-up" && !FollowerAlive(fwd->pid)) {
      // Advancing the slot skips what the reverse follower wrote here, and
      // must skip nothing else: a source commit the target has not received
      // (a session that bypassed the freeze) would be lost to the target.
      std::vector<ForeignCommit> unapplied;
      if (st.forward_stopped && app_touched) {
        // Where the target stands: its origin, or hikkoshi.apply_progress.
        auto applied = cdc::AppliedPosition(tgt, *fwd);
        auto lsn = applied.ok() ? *applied : std::nullopt;
        auto u = UnappliedSourceCommits(src, fwd->slot, fwd->publication, lsn.value_or(0));
        if (u.ok())
          unapplied = std::move(*u);
        else
          LogWarn("could not check the forward slot before advancing it: {}", u.error().message);
      }
      if (!unapplied.empty()) {
        auto s = j.Begin("restart-follow");
        std::string list;
        for (size_t i = 0; i < unapplied.size() && i < 5; ++i)
          list += (i ? "; " : "") + unapplied[i].Describe();
        std::string why =
            std::to_string(unapplied.size()) +
            " transaction(s) committed on the frozen source are not on the target "
            "(a session bypassed the freeze): " +
            list +
            "; follow is left stopped (advancing its slot would lose them): run "
            "`hikkoshi cleanup` and clone again with --follow before the next cutover";
        LogWarn("{}", why);
        s.details()["summary"] = why;
        s.Skip(why);
      } else {
        auto s = j.Begin("restart-follow");
        HK_RETURN_IF_ERROR(s.Finish([&]() -> Status {
          if (st.forward_stopped && app_touched) {
            // Everything up to the freeze was applied before the follower was
            // stopped; since then only the reverse follower wrote here. (When
            // the app never reached the target, the reverse follower wrote
            // nothing and the slot is left where it is: anything committed on
            // the source since, e.g. by a session that bypassed the freeze, is
            // still carried.)
            HK_RETURN_IF_ERROR(src.Run(
                "SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())", {fwd->slot}));
          }
          auto p = SpawnFollower(ctx.exe, ctx.source, Writable(ctx.target), ctx.workdir);
          if (!p.ok()) return p.TakeError();
          s.details()["pid"] = *p;
          return Status::Ok();
        }()));
        st.forward_stopped = false;
        HK_RETURN_IF_ERROR(Save(ctx, st));
      }
    }
  }

  // 5. The source takes writes again (and the app roles' logins recorded by
  // a freeze that may have been killed before ALTER DATABASE come back).
  if (src_frozen || !st.source_logins.empty()) {
    auto s = j.Begin("unfreeze-source");
    HK_RETURN_IF_ERROR(s.Finish(UnfreezeDatabase(src, ctx.app(), src_logins)));
  }

  // 6. The application back on the source.
  if (!cfg.env_path.empty()) {
    auto s = j.Begin("switch-env-back");
    HK_RETURN_IF_ERROR(s.Finish([&]() -> Status {
      HK_ASSIGN_OR_RETURN(std::string backup, ReadWholeFile(ctx.env_backup(), true));
      auto orig = EnvValue(backup, cfg.env_variable);
      if (!orig) {
        if (EnvOnTarget(ctx))
          return MakeError(ErrorKind::kInternal,
                           "no backup of " + cfg.env_path + " in " + ctx.env_backup(),
                           "set " + cfg.env_variable + " back to the source by hand");
        return Status::Ok();
      }
      HK_RETURN_IF_ERROR(SetEnvVar(cfg.env_path, cfg.env_variable, *orig, ""));
      std::error_code ec;
      std::filesystem::remove(ctx.env_backup(), ec);
      return Status::Ok();
    }()));
  }
  if (ctx.pgbouncer()) {
    auto s = j.Begin("switch-pgbouncer-back");
    HK_RETURN_IF_ERROR(s.Finish([&]() -> Status {
      HK_ASSIGN_OR_RETURN(std::string backup, ReadWholeFile(ctx.pgbouncer_backup(), true));
      auto orig = IniEntry(backup, cfg.pgb_database);
      if (orig) {
        HK_RETURN_IF_ERROR(PgbouncerPoint(cfg, *orig, ""));
        std::error_code ec;
        std::filesystem::remove(ctx.pgbouncer_backup(), ec);
      } else if (PgbouncerOnTarget(ctx)) {
        return MakeError(ErrorKind::kInternal,
                         "no backup of " + cfg.pgb_ini_path + " in " + ctx.pgbouncer_backup(),
                         "point the " + cfg.pgb_database +
                             " entry back at the source by hand, RELOAD and RESUME");
      }
      return PgbouncerResume(cfg);
    }()));
  }
  st.app_on_target = false;
  HK_RETURN_IF_ERROR(Save(ctx, st));
  if (app_touched) HK_RETURN_IF_ERROR(RunHooks(ctx, j, /*cutover=*/false));

  // 7. Healthy on the source?
  st.phase = "rolled-back";
  HK_RETURN_IF_ERROR(Save(ctx, st));
  auto s = j.Begin("health");
  HealthReport h = RunHealthChecks(cfg, ctx.source);
  s.details() = h.ToJson();
  if (!h.ok)
    return s.Finish(
        MakeError(ErrorKind::kInternal, h.failure, "the app is on the source; look at its logs"));
  (void)s.Finish(Status::Ok());
  j.Mark("writes-resumed", {{"database", "source"}});
  return Status::Ok();
}

RollbackOutcome RunRollback(const SwitchContext& ctx, const Print& print) {
  RollbackOutcome out;
  auto st = LoadCutoverState(ctx.workdir);
  if (!st.ok()) {
    out.status = st.TakeError();
    return out;
  }
  if (st->phase == "idle" && !std::filesystem::exists(CutoverStatePath(ctx.workdir))) {
    print("nothing to roll back: no cutover recorded in " + ctx.workdir + "\n");
    out.nothing = true;
    return out;
  }
  Journal j(ctx.workdir, "rollback");
  out.run = j.run();
  auto s = RollbackSteps(ctx, j, *st);
  notify::RolledBack(j.run(), s.ok(), s.ok() ? "" : pg::Describe(s.error()));
  print(j.Timeline());
  if (!s.ok()) {
    out.status = std::move(s.TakeError()).Context("rollback");
    return out;
  }
  print("rolled back: the application is on the source\n");
  return out;
}

}  // namespace hk::cutover
