#include "cutover/preconditions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>

#include "cdc/state.h"
#include "common/secrets.h"
#include "cutover/env_file.h"
#include "cutover/follower_proc.h"
#include "cutover/hooks.h"
#include "cutover/journal.h"
#include "cutover/pgbouncer.h"
#include "pg/connection.h"

namespace hk::cutover {

bool PreconditionReport::ok() const {
  for (const auto& c : checks)
    if (!c.ok) return false;
  return true;
}

std::string PreconditionReport::ToText() const {
  std::string out = "preconditions:\n";
  for (const auto& c : checks)
    out += fmt::format("  [{}] {}: {}\n", c.ok ? " ok " : "FAIL", c.name, c.detail);
  return Scrub(out);
}

namespace {

void Add(PreconditionReport& r, std::string name, bool ok, std::string detail) {
  r.checks.push_back({std::move(name), ok, std::move(detail)});
}

void CheckFollow(const SwitchContext& ctx, PreconditionReport& r) {
  auto st = cdc::LoadFollowState(ctx.workdir);
  if (!st.ok()) return Add(r, "follow running", false, st.error().message + "; " + st.error().hint);
  bool alive = FollowerAlive(st->pid);
  int64_t age_ms = UnixMsNow() - st->updated_unix_ms;
  bool fresh = age_ms < 15000;
  bool phase_ok = st->phase == "following" || st->phase == "caught-up";
  if (!alive || !fresh || !phase_ok)
    return Add(r, "follow running", false,
               fmt::format("follower pid {} is {} (phase {}, last update {} s ago); start "
                           "`hikkoshi follow --dir {}`",
                           st->pid, alive ? "alive" : "not running", st->phase, age_ms / 1000,
                           ctx.workdir));
  Add(r, "follow running", true, fmt::format("pid {}, phase {}", st->pid, st->phase));
  r.follow_lag_bytes = st->lag_bytes;
  r.follow_lag_s = st->commit_lag_s;
  bool lag_ok = st->lag_bytes >= 0 && st->lag_bytes <= ctx.cfg.max_lag_bytes &&
                st->commit_lag_s <= ctx.cfg.max_lag_seconds;
  Add(r, "follow lag", lag_ok,
      fmt::format("{} bytes, {:.2f} s behind (limits {} bytes, {} s){}", st->lag_bytes,
                  st->commit_lag_s, ctx.cfg.max_lag_bytes, ctx.cfg.max_lag_seconds,
                  lag_ok ? "" : "; wait for follow to catch up"));
}

void CheckDatabases(const SwitchContext& ctx, PreconditionReport& r) {
  for (int side = 0; side < 2; ++side) {
    const char* name = side == 0 ? "source reachable" : "target reachable";
    auto c = pg::Connection::Open(side == 0 ? ctx.source : ctx.target,
                                  {"hikkoshi cutover check", 10, false});
    if (!c.ok()) {
      Add(r, name, false, c.error().message);
      continue;
    }
    auto q = c->Exec(
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR "
        "pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = "
        "current_database()), 'MEMBER'), "
        "current_setting('wal_level'), current_database()");
    if (!q.ok()) {
      Add(r, name, false, q.error().message);
      continue;
    }
    bool owner = q->Bool(0, 0);
    std::string wal = q->Str(0, 1);
    bool ok = owner && (side == 0 || wal == "logical");
    std::string why =
        !owner
            ? "; connect as the database owner or a superuser (ALTER DATABASE is needed to freeze)"
        : !ok ? "; the target needs wal_level = logical for reverse replication (rollback)"
              : "";
    Add(r, name, ok, c->redacted() + ", wal_level " + wal + why);
  }
}

}  // namespace

PreconditionReport CheckPreconditions(const SwitchContext& ctx, bool skip_backup_check) {
  PreconditionReport r;
  const auto& cfg = ctx.cfg;
  CheckFollow(ctx, r);
  CheckDatabases(ctx, r);
  Add(r, "application sessions named", !cfg.app_roles.empty() || !cfg.app_names.empty(),
      cfg.app_roles.empty() && cfg.app_names.empty()
          ? "set cutover.app_roles or cutover.app_names so the freeze can end the app's sessions"
          : fmt::format("roles [{}], application names [{}]", fmt::join(cfg.app_roles, ", "),
                        fmt::join(cfg.app_names, ", ")));
  for (const auto& h : cfg.hooks) {
    std::string missing = MissingProgram(h.run);
    Add(r, "hook " + h.name, missing.empty(),
        missing.empty() ? "found"
                        : "`" + missing + "` is not on PATH; install it or fix the command");
  }
  Add(r, "health URLs configured", !cfg.http.empty(),
      cfg.http.empty() ? "add [[cutover.health.http]] url = \"http://.../health\" entries"
                       : std::to_string(cfg.http.size()) + " endpoint(s)");
  if (!cfg.env_path.empty()) {
    auto text = ReadWholeFile(cfg.env_path);
    if (!text.ok()) {
      Add(r, "env file", false, text.error().message);
    } else {
      auto v = EnvValue(*text, cfg.env_variable);
      bool ok = v.has_value() && !cfg.env_target_value.empty();
      Add(r, "env file", ok,
          !v ? cfg.env_path + " does not set " + cfg.env_variable
          : cfg.env_target_value.empty()
              ? "set cutover.env_file.target_value to the URL the app should use"
              : cfg.env_path + " sets " + cfg.env_variable);
    }
  }
  if (ctx.pgbouncer()) {
    auto st = PgbouncerCheck(cfg);
    Add(r, "pgbouncer", st.ok(),
        st.ok()
            ? "database " + cfg.pgb_database + " on the admin console, entry in " + cfg.pgb_ini_path
            : st.error().message + (st.error().hint.empty() ? "" : "; " + st.error().hint));
  }
  if (skip_backup_check) {
    Add(r, "recent verified backup", true, "skipped (--skip-backup-check)");
  } else if (cfg.backup_check.empty()) {
    Add(r, "recent verified backup", false,
        "set cutover.backup_check to a command that succeeds when a recent verified backup exists, "
        "or pass --skip-backup-check");
  } else {
    auto h = RunHookCommand(cfg.backup_check, 120000);
    bool ok = h.ok() && h->exit_code == 0;
    Add(r, "recent verified backup", ok,
        ok ? "`" + cfg.backup_check + "` succeeded"
           : "`" + cfg.backup_check + "` failed" +
                 (h.ok() ? " (exit " + std::to_string(h->exit_code) + ")" : ""));
  }
  return r;
}

std::string PlanText(const SwitchContext& ctx, const PreconditionReport& pre) {
  const auto& cfg = ctx.cfg;
  std::string out = "plan:\n";
  int n = 0;
  auto step = [&](const std::string& s) { out += fmt::format("  {:>2}. {}\n", ++n, s); };
  step("create hikkoshi.cutover_probe on both databases (if missing)");
  if (ctx.pgbouncer())
    step("PAUSE " + cfg.pgb_database +
         " on PgBouncer (in-flight transactions finish, new ones wait)");
  step(fmt::format(
      "freeze writes on the source ({}): read-only default, end sessions of roles [{}] / "
      "application names [{}], confirm none can write",
      cfg.freeze, fmt::join(cfg.app_roles, ", "), fmt::join(cfg.app_names, ", ")));
  step(
      fmt::format("drain: commit a marker on the source, wait for it on the target (abort and "
                  "unfreeze after {} ms)",
                  cfg.max_freeze_ms));
  if (cfg.verify == "counts")
    step("verify: exact row counts of every published table on both sides");
  step("stop the forward follower");
  step(fmt::format("sequences: set every target sequence to the source value + {}",
                   cfg.sequence_gap));
  step("reverse replication: slot + publication on the target, follower target -> source in " +
       ctx.reverse_dir());
  if (!cfg.env_path.empty())
    step(fmt::format("switch {} in {} (backup in {})", cfg.env_variable, cfg.env_path,
                     ctx.env_backup()));
  if (ctx.pgbouncer())
    step("point PgBouncer's " + cfg.pgb_database + " entry in " + cfg.pgb_ini_path +
         " at the target, RELOAD, RESUME");
  for (const auto& h : cfg.hooks)
    if (h.on_cutover) step(fmt::format("hook (timeout {} ms): {}", h.timeout_ms, h.run));
  for (const auto& h : cfg.http)
    step(
        fmt::format("health: GET {} expects {} within {} ms", h.url, h.expect_status, h.budget_ms));
  step(fmt::format("health: SQL probe on the target within {} ms{}", cfg.sql_budget_ms,
                   cfg.write_probe ? ", write probe" : ""));
  step("on failure: rollback (unless --no-auto-rollback)");
  int64_t hooks_ms = 0;
  for (const auto& h : cfg.hooks)
    if (h.on_cutover) hooks_ms += h.timeout_ms;
  double lag = pre.follow_lag_s > 0 ? pre.follow_lag_s : 0;
  out += fmt::format(
      "estimate: write freeze ≈ drain ({:.1f} s of lag) + verify + hooks + app start; bounded by "
      "max_freeze {:.0f} s + hook timeouts {:.0f} s + health wait {:.0f} s\n",
      lag, static_cast<double>(cfg.max_freeze_ms) / 1000, static_cast<double>(hooks_ms) / 1000,
      static_cast<double>(cfg.health_wait_ms) / 1000);
  return Scrub(out);
}

}  // namespace hk::cutover
