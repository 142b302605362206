// `hikkoshi migrate --rehearse --scratch URL`: the whole plan against a
// scratch database, measured, without touching the application or freezing
// the real source. check, clone --follow and verify run from the real source
// into the scratch database (their durations are what the real run will
// take); the cutover and the rollback are rehearsed on a throwaway copy: a
// second database on the scratch server ("<scratch>_hkcut") cloned and
// followed from the scratch database, then a real freeze of the scratch
// database, drain, counts, sequences, switch of a copy of the env file, the
// SQL and write probes on the copy, and a rollback. Hooks, PgBouncer
// commands and the application's HTTP health checks are not run (listed as
// "dry": the application is not switched), no real role is blocked. Everything the rehearsal made
// on the servers (slots, publication use, origins, the copy) is removed at
// its end; the scratch database keeps the copy for inspection.
#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "cutover/config.h"
#include "pg/conninfo.h"

namespace hk::pipeline {

/// Where a rehearsal keeps its state: WORKDIR/rehearsal (its own follow.json,
/// clone.db, journal); the record of its stages ends up in
/// WORKDIR/rehearsal.json.
std::string RehearsalDir(const std::string& workdir);

/// The [cutover] config as a rehearsal runs it: readonly freeze, no role
/// blocked, no hook or PgBouncer command run, the env file switched in a
/// copy under `dir` (copied there). `dry` receives what was left out.
cutover::CutoverConfig RehearsalConfig(cutover::CutoverConfig cfg, const std::string& dir,
                                       std::vector<std::string>& dry);

struct RehearseCutoverOptions {
  pg::ConnInfo scratch;  ///< The rehearsal's "source" for the switch.
  std::string dir;       ///< RehearsalDir(workdir)/cutover
  std::string exe;
  std::string config_path;
  int clone_jobs = 2, index_jobs = 2;
  std::atomic<bool>* stop = nullptr;
};

/// Copies the scratch database into a throwaway one, follows it, cuts over
/// (freezing only the scratch database) and rolls back; removes the
/// throwaway database and every replication object it made. Returns the
/// measurements: window_ms (writes unavailable), cutover_ms, rollback_ms,
/// copy_ms, dry (what was not run).
Result<nlohmann::json> RehearseCutover(const RehearseCutoverOptions& o);

/// Stops the rehearsal's followers and removes its slots and origins on the
/// source, the scratch and the throwaway database, and drops the throwaway
/// database. Safe to call when none of it exists.
Status CleanupRehearsal(const pg::ConnInfo& source, const pg::ConnInfo& scratch,
                        const std::string& workdir);

}  // namespace hk::pipeline
