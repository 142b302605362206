#include "cutover/preconditions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>

#include "cdc/follow_state.h"
#include "common/secrets.h"
#include "cutover/env_file.h"
#include "cutover/follower_proc.h"
#include "cutover/freeze.h"
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

void CheckFreeSlots(pg::Connection& c, int side, PreconditionReport& r) {
  std::string where = side == 0 ? "source" : "target";
  auto q = c.Exec(
      "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM "
      "pg_replication_slots), current_setting('max_wal_senders')::int - (SELECT count(*) FROM "
      "pg_stat_replication)");
  if (!q.ok()) {
    Add(r, "free replication slot on the " + where, false, q.error().message);
    return;
  }
  int64_t slots = q->Int(0, 0), senders = q->Int(0, 1);
  bool ok = slots >= 1 && senders >= 1;
  std::string what = side == 0 ? "the proof that nothing was written after the drain copies "
                                 "the forward slot into a temporary one"
                               : "reverse replication (rollback) needs a slot and a WAL sender";
  Add(r, "free replication slot on the " + where, ok,
      fmt::format("{} free slot(s), {} free WAL sender(s){}", slots, senders,
                  ok ? ""
                     : "; " + what +
                           ": raise max_replication_slots / max_wal_senders (a "
                           "restart) or drop an unused slot"));
}

// The freeze holds only if no session can make itself writable: the app's
// roles are refused at login for its duration, so any other login role whose
// settings turn the read-only default off (ALTER ROLE r [IN DATABASE d] SET
// default_transaction_read_only = off) is refused here. Also: hikkoshi must
// be able to ALTER ROLE the app roles without locking itself out, and (on the
// source) copy the forward slot for the proof.
void CheckFreezeHolds(const SwitchContext& ctx, PreconditionReport& r) {
  for (int side = 0; side < 2; ++side) {
    std::string where = side == 0 ? "source" : "target";
    auto c = pg::Connection::Open(side == 0 ? ctx.source : ctx.target,
                                  {"hikkoshi cutover check", 10, false});
    if (!c.ok()) continue;  // reported by CheckDatabases
    CheckFreeSlots(*c, side, r);
    const std::string roles = TextArrayLiteral(ctx.cfg.app_roles);
    auto o = c->Exec(
        "SELECT DISTINCT r.rolname, CASE WHEN s.setdatabase = 0 THEN 'ALTER ROLE' ELSE "
        "'ALTER ROLE ... IN DATABASE' END, cfg "
        "FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) cfg "
        "WHERE (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname "
        "= current_database())) AND r.rolcanlogin "
        "AND lower(split_part(cfg, '=', 1)) IN ('default_transaction_read_only', "
        "'transaction_read_only') "
        "AND lower(trim(split_part(cfg, '=', 2))) NOT IN ('on', 'true', 'yes', '1', 't', 'tr', "
        "'tru', 'y', 'ye') "
        "AND NOT r.rolname = ANY($1::text[]) AND r.rolname <> current_user ORDER BY 1",
        {roles});
    if (!o.ok()) {
      Add(r, "freeze holds on the " + where, false, o.error().message);
      continue;
    }
    std::string overriding;
    for (int i = 0; i < o->rows(); ++i)
      overriding +=
          fmt::format("{}{} ({} SET {})", i ? ", " : "", o->Str(i, 0), o->Str(i, 1), o->Str(i, 2));
    auto me = c->Exec(
        "SELECT current_user = ANY($1::text[]) OR session_user = ANY($1::text[]), "
        "(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user), "
        "(SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user) OR "
        "coalesce((SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = "
        "'rds_replication'), false), "
        "(SELECT string_agg(rolname, ', ') FROM pg_roles WHERE rolname = ANY($1::text[]) AND "
        "rolsuper AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))",
        {roles});
    if (!me.ok()) {
      Add(r, "freeze holds on the " + where, false, me.error().message);
      continue;
    }
    std::string why;
    if (!overriding.empty())
      why =
          "these roles' settings turn the read-only freeze off and they are not in "
          "cutover.app_roles (whose logins are blocked during the freeze): " +
          overriding +
          "; add them to cutover.app_roles or `ALTER ROLE ... RESET "
          "default_transaction_read_only`";
    else if (me->Bool(0, 0))
      why =
          "cutover.app_roles contains the role hikkoshi connects as; the freeze blocks the "
          "app roles' logins, so connect as another role (a superuser or the database owner)";
    else if (!me->Bool(0, 1) || !me->IsNull(0, 3))
      why = "hikkoshi's role may not ALTER ROLE the app roles (" +
            (me->IsNull(0, 3) ? std::string("needs CREATEROLE or superuser")
                              : "superuser app roles: " + me->Str(0, 3)) +
            ") to block their logins during the freeze";
    else if (side == 0 && !me->Bool(0, 2))
      why =
          "hikkoshi's role needs REPLICATION (or superuser) on the source to copy the "
          "forward slot for the proof that nothing was written after the drain";
    else if (side == 1 && !me->Bool(0, 2))
      why =
          "hikkoshi's role needs REPLICATION on the target for the reverse replication that "
          "lets a rollback keep the writes made there (RDS: GRANT rds_replication TO " +
          ctx.target.Effective("user") +
          " and rds.logical_replication = 1; else ALTER ROLE ... REPLICATION)";
    Add(r, "freeze holds on the " + where, why.empty(),
        why.empty() ? "no role setting overrides the read-only default; app roles' logins "
                      "blocked during the freeze"
                    : why);
  }
}

// The proof copies the forward slot into a temporary one on the source, and
// reverse replication creates a slot and starts a WAL sender on the target:
// each needs a free one, checked before the freeze rather than failing in it.

}  // namespace

PreconditionReport CheckPreconditions(const SwitchContext& ctx, bool skip_backup_check) {
  PreconditionReport r;
  const auto& cfg = ctx.cfg;
  CheckFollow(ctx, r);
  CheckDatabases(ctx, r);
  CheckFreezeHolds(ctx, r);
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
  if (cfg.rehearsal)
    Add(r, "health URLs configured", true, "not needed: a rehearsal switches no application");
  else
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
      "freeze writes on the source ({}): block logins of roles [{}] (NOLOGIN, restored "
      "afterwards), read-only default, end their sessions and those of application names [{}], "
      "confirm none can write",
      cfg.freeze, fmt::join(cfg.app_roles, ", "), fmt::join(cfg.app_names, ", ")));
  step(
      fmt::format("drain: commit a marker on the source, wait for it on the target (abort and "
                  "unfreeze after {} ms)",
                  cfg.max_freeze_ms));
  if (cfg.verify == "counts")
    step("verify: exact row counts of every published table on both sides");
  step("stop the forward follower");
  step(
      fmt::format("sequences: bring every target sequence to the source value + {} (never "
                  "lowered)",
                  cfg.sequence_gap));
  step("reverse replication: slot + publication on the target, follower target -> source in " +
       ctx.reverse_dir());
  step(
      "confirm from the forward stream that only hikkoshi committed on the source after the "
      "marker");
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
