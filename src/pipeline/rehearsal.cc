#include "pipeline/rehearsal.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cdc/cleanup.h"
#include "cdc/follow_state.h"
#include "common/log.h"
#include "cutover/cutover.h"
#include "cutover/follower_proc.h"
#include "cutover/rollback.h"
#include "pg/connection.h"
#include "pg/error.h"
#include "pg/quote.h"
#include "pipeline/clone_follow.h"
#include "status/record.h"

namespace hk::pipeline {
namespace {

namespace fs = std::filesystem;

/// The application name a rehearsal's freeze "ends": no real session has it.
constexpr const char* kNoAppName = "hikkoshi-rehearsal-no-app";

std::string DbName(const pg::ConnInfo& c) {
  std::string d = c.Effective("dbname");
  return d.empty() ? c.Effective("user") : d;
}

/// "<scratch>_hkcut", within PostgreSQL's 63 bytes.
std::string CopyName(const pg::ConnInfo& scratch) {
  return DbName(scratch).substr(0, 57) + "_hkcut";
}

pg::ConnInfo CopyConn(const pg::ConnInfo& scratch) {
  return scratch.With("dbname", CopyName(scratch));
}

Result<bool> CopyExists(const pg::ConnInfo& scratch) {
  HK_ASSIGN_OR_RETURN(pg::Connection c,
                      pg::Connection::Open(scratch, {.application_name = "hikkoshi rehearsal"}));
  HK_ASSIGN_OR_RETURN(auto r, c.Exec("SELECT 1 FROM pg_database WHERE datname = $1",
                                     {CopyName(scratch)}));
  return r.rows() > 0;
}

Status DropCopy(const pg::ConnInfo& scratch) {
  HK_ASSIGN_OR_RETURN(pg::Connection c,
                      pg::Connection::Open(scratch, {.application_name = "hikkoshi rehearsal"}));
  return c.Run("DROP DATABASE IF EXISTS " + pg::QuoteIdent(CopyName(scratch)) + " WITH (FORCE)");
}

/// Waits until the follower of `dir` reports following (cutover's
/// precondition), up to 60 s.
Status WaitFollowing(const std::string& dir) {
  for (int i = 0; i < 600; ++i) {
    auto st = cdc::LoadFollowState(dir);
    if (st.ok() && cutover::FollowerAlive(st->pid) &&
        (st->phase == "following" || st->phase == "caught-up"))
      return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return MakeError(ErrorKind::kInternal,
                   "the rehearsal's follower did not start following within 60 s",
                   "see " + dir + "/follow.log");
}

int64_t Ms(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace

std::string RehearsalDir(const std::string& workdir) { return workdir + "/rehearsal"; }

cutover::CutoverConfig RehearsalConfig(cutover::CutoverConfig cfg, const std::string& dir,
                                       std::vector<std::string>& dry) {
  if (cfg.freeze == "pgbouncer")
    dry.push_back("PgBouncer PAUSE/RESUME and its ini switch (the rehearsal freezes read-only)");
  cfg.freeze = "readonly";
  cfg.pgb_admin_url.clear();
  cfg.pgb_database.clear();
  cfg.pgb_ini_path.clear();
  cfg.pgb_target_entry.clear();
  // Roles are cluster-wide: blocking an application role's logins on the
  // scratch server could stop the real application (#16.3: no surprises).
  cfg.app_roles.clear();
  cfg.app_names = {kNoAppName};
  for (const auto& h : cfg.hooks) dry.push_back("hook: " + (h.name.empty() ? h.run : h.name));
  cfg.hooks.clear();
  cfg.backup_check.clear();
  // The application is not switched: its health says nothing about the copy
  // (and it may not run yet). The SQL and write probes on the copy stay.
  for (const auto& h : cfg.http) dry.push_back("health check " + h.url);
  cfg.http.clear();
  cfg.rehearsal = true;
  if (!cfg.env_path.empty()) {
    std::string copy = dir + "/app.env";
    std::error_code ec;
    fs::copy_file(cfg.env_path, copy, fs::copy_options::overwrite_existing, ec);
    if (ec) std::fclose(std::fopen(copy.c_str(), "w"));  // an env file that does not exist yet
    fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write, ec);
    cfg.env_path = copy;
    if (cfg.env_target_value.empty()) cfg.env_target_value = "hikkoshi-rehearsal";
  }
  return cfg;
}

Status CleanupRehearsal(const pg::ConnInfo& source, const pg::ConnInfo& scratch,
                        const std::string& workdir) {
  std::string dir = RehearsalDir(workdir), cut = dir + "/cutover";
  HK_ASSIGN_OR_RETURN(bool have_copy, CopyExists(scratch));
  // Without the copy its slots are gone with it; what remains of it (origins
  // and publication) is on the same server, reached through the scratch.
  pg::ConnInfo copy = have_copy ? CopyConn(scratch) : scratch;
  Status first = Status::Ok();
  auto keep = [&](Status st) {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  // Followers first (they would recreate what is dropped), newest first.
  for (const std::string& d : {cut + "/reverse", cut, dir})
    if (fs::exists(d)) (void)cutover::StopFollowersOf(d, 10000);
  auto clean = [&](const pg::ConnInfo& s, const pg::ConnInfo& t, const std::string& d) {
    if (!fs::exists(d + "/follow.json")) return;
    auto st = cdc::LoadFollowState(d);
    if (st.ok() && st->phase == "cleaned-up") return;
    auto r = cdc::CleanupFollow(s, t, d);
    if (!r.ok()) return keep(std::move(r.TakeError()).Context("rehearsal cleanup of " + d));
    for (const auto& x : r->dropped) LogInfo("rehearsal: dropped {}", x);
  };
  clean(copy, scratch, cut + "/reverse");
  clean(scratch, copy, cut);
  clean(source, scratch, dir);
  keep(DropCopy(scratch));
  return first;
}

Result<nlohmann::json> RehearseCutover(const RehearseCutoverOptions& o) {
  nlohmann::json out = nlohmann::json::object();
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  fs::create_directories(o.dir, ec);
  pg::ConnInfo copy = CopyConn(o.scratch);
  {
    HK_RETURN_IF_ERROR(DropCopy(o.scratch));
    HK_ASSIGN_OR_RETURN(
        pg::Connection c,
        pg::Connection::Open(o.scratch, {.application_name = "hikkoshi rehearsal"}));
    Status st = c.Run("CREATE DATABASE " + pg::QuoteIdent(CopyName(o.scratch)));
    if (!st.ok()) {
      Error e = st.TakeError();
      e.hint =
          "the rehearsal cuts over to a throwaway copy of the scratch database on the same "
          "server: give the scratch role CREATEDB (or rehearse with --until verify)";
      return std::move(e).Context("creating the rehearsal's throwaway database");
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  CloneFollowOptions co;
  co.clone.source = o.scratch;
  co.clone.target = copy;
  co.clone.workdir = o.dir;
  co.clone.jobs = o.clone_jobs;
  co.clone.index_jobs = o.index_jobs;
  co.clone.stop = o.stop;
  co.until_caught_up = true;
  co.stop = o.stop;
  HK_RETURN_IF_ERROR(RunCloneFollow(co));
  out["copy_ms"] = Ms(t0);
  HK_RETURN_IF_ERROR(cutover::SpawnFollower(o.exe, o.scratch, copy, o.dir).status());
  HK_RETURN_IF_ERROR(WaitFollowing(o.dir));

  cutover::CutoverConfig base;
  if (!o.config_path.empty()) {
    HK_ASSIGN_OR_RETURN(base, cutover::LoadCutoverConfig(o.config_path));
  }
  std::vector<std::string> dry;
  cutover::SwitchContext ctx;
  ctx.source = o.scratch;
  ctx.target = copy;
  ctx.workdir = o.dir;
  ctx.cfg = RehearsalConfig(base, o.dir, dry);
  ctx.exe = o.exe;
  out["dry"] = dry;
  cutover::CutoverFlags flags;
  flags.yes = true;
  flags.skip_backup_check = true;
  auto t1 = std::chrono::steady_clock::now();
  cutover::CutoverOutcome cut = cutover::RunCutover(ctx, flags, cutover::PrintToStdout);
  out["cutover_ms"] = Ms(t1);
  out["window_ms"] = cut.window_ms;
  out["run"] = cut.run;
  if (!cut.status.ok()) return std::move(cut.status.TakeError()).Context("rehearsal cutover");
  auto t2 = std::chrono::steady_clock::now();
  cutover::RollbackOutcome rb = cutover::RunRollback(ctx, cutover::PrintToStdout);
  out["rollback_ms"] = Ms(t2);
  if (!rb.status.ok()) return std::move(rb.status.TakeError()).Context("rehearsal rollback");
  return out;
}

}  // namespace hk::pipeline
