// The clone pipeline: checks, snapshot, schema (pre-data), data + indexes,
// large objects, post-data, materialized views, sequences, ANALYZE. Each
// step is recorded in the state file so --resume skips what is done.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "clone/catalog.h"
#include "clone/clone.h"
#include "clone/clone_state.h"
#include "clone/copy_pool.h"
#include "clone/db_settings.h"
#include "clone/existing_objects.h"
#include "clone/finish.h"
#include "clone/lock_wait.h"
#include "clone/progress.h"
#include "clone/roles.h"
#include "clone/schema.h"
#include "clone/session.h"
#include "common/crash_point.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/retry.h"
#include "pg/client_tools.h"
#include "pg/error.h"
#include "pg/quote.h"

namespace hk::clone {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

nlohmann::json Fingerprint(const CloneOptions& o) {
  return {{"source", o.source.Redacted()},
          {"target", o.target.Redacted()},
          {"exclude_tables", o.exclude_tables},
          {"no_owner", o.no_owner},
          {"no_acl", o.no_acl},
          {"role_map", o.role_map},
          {"split_tables_larger_than", o.split_tables_larger_than},
          {"external_snapshot", !o.snapshot_name.empty()}};
}

/// Decides fresh vs resume from the existing state, before anything changes.
Status CheckResume(const CloneOptions& o, const std::string& db_path, bool& resuming) {
  resuming = false;
  bool exists = std::filesystem::exists(db_path);
  std::optional<std::string> fp;
  bool finished = false;
  if (exists) {
    HK_ASSIGN_OR_RETURN(auto st, StateStore::Open(db_path));
    fp = st->GetMeta("fingerprint");
    finished = st->GetMeta("finished").has_value();
  }
  if (!fp) {
    if (o.resume)
      return BlockedError(
          "there is no clone to resume in " + o.workdir,
          "run without --resume to start a clone, or pass the --dir of the earlier run");
    return Status::Ok();
  }
  if (!o.resume) {
    if (o.drop_if_exists) return Status::Ok();  // starting over on purpose
    return BlockedError(
        std::string(finished ? "a finished" : "an unfinished") + " clone's state is in " +
            o.workdir,
        finished ? "remove " + db_path + " (or use another --dir) to clone again"
                 : "pass --resume to continue it, or remove " + db_path + " to start over");
  }
  if (finished)
    return BlockedError("the clone recorded in " + o.workdir + " already finished",
                        "remove " + db_path + " (or use another --dir) to clone again");
  nlohmann::json was = nlohmann::json::parse(*fp, nullptr, false);
  nlohmann::json now = Fingerprint(o);
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (!was.contains(it.key()) || was[it.key()] != it.value()) {
      std::string a = was.contains(it.key()) ? was[it.key()].dump() : "unset";
      return BlockedError(
          fmt::format("--resume with a different {}: the interrupted clone used {}, "
                      "this run {}",
                      it.key(), a, it.value().dump()),
          "resume with the same source, target and options, or remove " + db_path +
              " to start over");
    }
  }
  resuming = true;
  return Status::Ok();
}

struct Run {
  const CloneOptions& o;
  std::atomic<bool>* stop;
  std::unique_ptr<StateStore> state;
  SchemaFiles schema;
  std::string encoding;
  std::string snapshot;
  pg::Connection coord;  // holds the exported snapshot
  pg::Connection cat;    // catalog reads at the snapshot
  pg::Connection target;
  CloneSummary summary;
  Progress progress;
  /// Set by RunClone's retry loop: the snapshot a failed attempt exported,
  /// still held open by `held` (its coordinator connection), reused so the
  /// retry reads at the same snapshot as the attempt it continues.
  std::string inherited_snapshot;
  pg::Connection* held = nullptr;
  bool retrying = false;       ///< This attempt continues a failed one of the same run.
  bool snapshot_open = false;  ///< The snapshot is still importable (not yet released).
  bool contacted = false;      ///< Both servers were reached (a later failure is an outage).

  Run(const CloneOptions& opts, std::atomic<bool>* s)
      : o(opts), stop(s), schema(opts.workdir), progress(opts.tty_progress) {}

  Status Interrupted() {
    if (stop->load()) return MakeError(ErrorKind::kInterrupted, "interrupted");
    return Status::Ok();
  }

  template <class F>
  Status Step(const std::string& name, F&& body) {
    if (state->StepDone(name)) return Status::Ok();
    HK_RETURN_IF_ERROR(Interrupted());
    progress.SetPhase(name);
    progress.Event("step " + name + ": started", true);
    HK_RETURN_IF_ERROR(state->StepStarted(name));
    auto t0 = Clock::now();
    HK_RETURN_IF_ERROR(body());
    double s = Since(t0);
    HK_RETURN_IF_ERROR(state->StepFinished(name, s));
    progress.Event(fmt::format("step {}: done in {}", name, HumanDuration(s)), true);
    CrashPoint(("step-" + name).c_str());
    return Status::Ok();
  }

  Status Plan() {
    std::vector<int64_t> oids = schema.TableOids();
    HK_ASSIGN_OR_RETURN(std::vector<TableInfo> tables, LoadTables(cat, oids));
    int64_t total = 0;
    for (const auto& t : tables) total += t.bytes;
    const int64_t share = std::max<int64_t>(1, total / std::max(1, o.jobs));
    for (const auto& t : tables) {
      TableRow row{t.oid, t.nspname, t.relname, t.bytes, 1, false};
      std::vector<PartRow> parts;
      int64_t split = o.split_tables_larger_than;
      int64_t n = 1;
      if (split > 0 && t.bytes > split) {
        n = (t.bytes + split - 1) / split;
      } else if (split < 0 && o.jobs > 1 && t.bytes > std::max<int64_t>(100LL << 20, share)) {
        // One table would keep one worker busy long after the others are
        // done: let all workers share it.
        n = std::min<int64_t>(o.jobs, (t.bytes + share - 1) / share);
      }
      n = std::min<int64_t>(n, t.pages);
      if (n > 1) {
        int64_t per = (t.pages + n - 1) / n;
        for (int64_t i = 0; i * per < t.pages; ++i) {
          PartRow p{t.oid, static_cast<int>(i), i * per, (i + 1) * per, "pending"};
          parts.push_back(p);
        }
        parts.back().end_page.reset();  // the last part takes whatever was appended since
      } else {
        parts.push_back(PartRow{t.oid, 0, 0, std::nullopt, "pending"});
      }
      row.parts = static_cast<int>(parts.size());
      HK_RETURN_IF_ERROR(state->AddTable(row, parts));
    }
    return Status::Ok();
  }

  Status CopyData(const std::vector<TableInfo>& infos, const std::vector<IndexInfo>& indexes) {
    PoolInput in;
    in.opts = &o;
    in.encoding = encoding;
    in.snapshot = snapshot;
    in.state = state.get();
    in.progress = &progress;
    for (const auto& t : infos) in.tables[t.oid] = t;
    std::vector<TableRow> rows = state->Tables();
    std::vector<PartRow> parts = state->Parts();
    int done_tables = 0;
    int64_t remaining_bytes = 0;
    for (const auto& t : rows) {
      if (!in.tables.count(t.oid))
        return MakeError(ErrorKind::kInternal,
                         "table " + pg::QualifiedName(t.nspname, t.relname) +
                             " is in the state file but no longer on the source",
                         "remove " + o.workdir + "/clone.db and clone again");
      std::vector<PartRow> mine;
      for (const auto& p : parts)
        if (p.table_oid == t.oid) mine.push_back(p);
      // A split table whose parts were not all copied before the last run
      // stopped would mix snapshots (the earlier run's for the finished
      // parts, this run's for the rest: rows deleted meanwhile in finished
      // ranges would survive). It is consistent at one snapshot or copied
      // again whole; a part in doubt ('committing') forces the same.
      int finished = 0, started = 0;
      for (const auto& p : mine) {
        finished += p.status == "done";
        started += p.status == "done" || p.status == "committing";
      }
      std::string q = pg::QualifiedName(t.nspname, t.relname);
      if (mine.size() > 1 && started > 0 && finished < static_cast<int>(mine.size())) {
        LogWarn(
            "{}: {} of its {} parts were copied by the earlier run, at its snapshot; copying the "
            "whole table again at this run's snapshot",
            q, started, mine.size());
        HK_RETURN_IF_ERROR(target.Run("TRUNCATE ONLY " + q));
        HK_RETURN_IF_ERROR(state->ResetTable(t.oid));
        for (auto& p : mine) p.status = "pending";
      } else if (mine.size() > 1 && summary.resumed && finished == static_cast<int>(mine.size())) {
        LogInfo("{}: all {} parts were copied by the earlier run at one snapshot; kept", q,
                mine.size());
      }
      int left = 0;
      for (const auto& p : mine) {
        if (p.status != "done") {
          in.pending.push_back(p);
          ++left;
        }
      }
      in.parts_total[t.oid] = static_cast<int>(mine.size());
      in.parts_remaining[t.oid] = left;
      if (left == 0) {
        ++done_tables;
        if (!t.indexes_done) in.ready_for_indexes.push_back(t.oid);
      } else {
        remaining_bytes += t.bytes;
      }
    }
    // Largest tables first; parts of one table next to each other.
    std::map<int64_t, int64_t> size;
    for (const auto& t : rows) size[t.oid] = t.bytes;
    std::stable_sort(in.pending.begin(), in.pending.end(), [&](const PartRow& a, const PartRow& b) {
      if (size[a.table_oid] != size[b.table_oid]) return size[a.table_oid] > size[b.table_oid];
      return a.table_oid < b.table_oid;
    });
    for (const auto& ix : indexes)
      if (!state->IndexDone(ix.index_oid)) in.indexes[ix.table_oid].push_back(ix);
    progress.Start(static_cast<int>(rows.size()), done_tables, remaining_bytes);
    auto r = RunCopyPool(std::move(in));
    progress.Stop();
    if (!r.ok()) return r.TakeError();
    summary.rows += r->rows;
    summary.bytes += r->bytes;
    summary.indexes += r->indexes_built;
    progress.Event(fmt::format("step copy: done, {} rows, {} in {}; {} indexes built and tables "
                               "analyzed in {} (overlapping the copy)",
                               r->rows, HumanBytes(static_cast<double>(r->bytes)),
                               HumanDuration(r->copy_seconds), r->indexes_built,
                               HumanDuration(r->index_seconds)),
                   true);
    HK_RETURN_IF_ERROR(state->StepFinished("copy", r->copy_seconds));
    HK_RETURN_IF_ERROR(state->StepFinished("indexes", r->index_seconds));
    return Status::Ok();
  }

  Result<CloneSummary> Go() {
    std::error_code ec;
    std::filesystem::create_directories(o.workdir, ec);
    if (ec)
      return MakeError(ErrorKind::kInternal,
                       "cannot create the work directory " + o.workdir + ": " + ec.message(),
                       "pass --dir with a writable directory");
    chmod(o.workdir.c_str(), 0700);
    std::string db_path = o.workdir + "/clone.db";
    bool resuming = false;
    HK_RETURN_IF_ERROR(CheckResume(o, db_path, resuming));
    summary.resumed = resuming;

    // Both servers reachable and authenticated before anything changes.
    HK_ASSIGN_OR_RETURN(coord, OpenSource(o.source, "UTF8", "hikkoshi clone (snapshot)"));
    HK_ASSIGN_OR_RETURN(encoding, coord.QueryValue("SHOW server_encoding"));
    HK_RETURN_IF_ERROR(coord.Run("SET client_encoding = " + pg::QuoteLiteral(encoding)));
    HK_ASSIGN_OR_RETURN(target, OpenTarget(o.target, encoding));
    contacted = true;
    HK_RETURN_IF_ERROR(CheckDistinct(coord, target));
    {
      // pg_dump refuses a newer server; say so before anything is touched.
      auto pg_dump = pg::FindPgTool("pg_dump");
      Status usable = pg_dump.ok() ? pg::CheckToolNotOlder(*pg_dump, coord.ServerVersion())
                                   : Status(pg_dump.error());
      if (!usable.ok()) return BlockedError(usable.error().message, usable.error().hint);
    }
    if (!retrying) {
      for (auto [conn, side] : {std::pair{&coord, "source"}, std::pair{&target, "target"}}) {
        auto t = OverriddenTimeouts(*conn);
        if (t.ok() && !t->empty())
          LogInfo(
              "the {} sets {} for this database or user; hikkoshi's own sessions override "
              "them (0), so a long COPY, index build or held snapshot is not cut",
              side, *t);
      }
    }
    if (resuming || o.drop_if_exists) {
      HK_ASSIGN_OR_RETURN(int ended, EndOrphanedSessions(target));
      if (ended > 0)
        LogWarn("ended {} target session(s) left running by an earlier, killed clone", ended);
    }
    if (!resuming) {
      HK_ASSIGN_OR_RETURN(std::string contents, DescribeTargetContents(target));
      if (!contents.empty() && !o.drop_if_exists)
        return BlockedError(
            "the target database " + o.target.Redacted() + " is not empty (" + contents + ")",
            "clone into an empty database, or pass --drop-if-exists to replace its contents");
    }

    // Roles the restore needs: refused now, or created (--create-roles).
    std::vector<RoleMapping> role_map;
    std::vector<std::string> mapped_from;
    for (const auto& text : o.role_map) {
      HK_ASSIGN_OR_RETURN(RoleMapping m, ParseRoleMapping(text));
      mapped_from.push_back(m.from);
      role_map.push_back(std::move(m));
    }
    HK_ASSIGN_OR_RETURN(
        std::vector<RoleRef> new_roles,
        CheckRoles(coord, target, o.no_owner, o.no_acl, o.create_roles, mapped_from));
    HK_RETURN_IF_ERROR(PrepareRoleMap(target, role_map));
    if (!new_roles.empty()) {
      HK_RETURN_IF_ERROR(CreateMissingRoles(target, new_roles));
      std::string names;
      for (const auto& r : new_roles) names += (names.empty() ? "" : ", ") + r.name;
      LogInfo("created missing role(s) on the target (NOLOGIN): {}", names);
    }

    HK_ASSIGN_OR_RETURN(state, StateStore::Open(db_path));
    if (!resuming) {
      HK_RETURN_IF_ERROR(state->Reset());
      HK_RETURN_IF_ERROR(state->SetMeta("fingerprint", Fingerprint(o).dump()));
      HK_RETURN_IF_ERROR(state->SetMeta("started_at", NowIso8601()));
    } else if (retrying && state->StepDone("copy")) {
      LogInfo("continuing after the copy: the data is in; the remaining steps run again");
    } else if (retrying && (!inherited_snapshot.empty() || !o.snapshot_name.empty())) {
      LogInfo("continuing at the same snapshot {}: tables copied before the failure are kept",
              o.snapshot_name.empty() ? inherited_snapshot : o.snapshot_name);
    } else {
      LogWarn(
          "resuming: tables finished earlier were read at the earlier run's snapshot; the rest is "
          "read at a new one, so the copy is consistent per table, not as a whole");
    }
    auto t_total = Clock::now();

    if (!o.snapshot_name.empty()) {
      snapshot = o.snapshot_name;
    } else if (!inherited_snapshot.empty()) {
      snapshot = inherited_snapshot;
    } else {
      HK_RETURN_IF_ERROR(coord.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
      HK_ASSIGN_OR_RETURN(snapshot, coord.QueryValue("SELECT pg_export_snapshot()"));
    }
    snapshot_open = true;
    summary.snapshot_name = snapshot;
    HK_RETURN_IF_ERROR(state->SetMeta("snapshot", snapshot));
    progress.Event("reading the source at snapshot " + snapshot, true);
    HK_ASSIGN_OR_RETURN(cat, OpenSource(o.source, encoding, "hikkoshi clone (catalog)"));
    HK_RETURN_IF_ERROR(BeginAtSnapshot(cat, snapshot));

    if (!state->StepDone("copy")) HK_RETURN_IF_ERROR(WaitForSourceLocks(o, stop));
    HK_RETURN_IF_ERROR(Step("schema", [&]() -> Status {
      if (!resuming && o.drop_if_exists) HK_RETURN_IF_ERROR(DropTargetContents(target));
      HK_RETURN_IF_ERROR(state->ClearPlan());  // a half-made plan from an interrupted run
      HK_RETURN_IF_ERROR(schema.Dump(o, snapshot, stop));
      HK_RETURN_IF_ERROR(schema.RestorePreData(o, resuming, stop));
      CrashPoint("pre-data-restored");
      return Plan();
    }));
    if (schema.toc().empty()) HK_RETURN_IF_ERROR(schema.LoadToc(o.source, stop));

    std::vector<int64_t> table_oids;
    for (const auto& t : state->Tables()) table_oids.push_back(t.oid);
    HK_ASSIGN_OR_RETURN(std::vector<TableInfo> infos, LoadTables(cat, table_oids));
    HK_ASSIGN_OR_RETURN(std::vector<IndexInfo> indexes, LoadIndexes(cat, table_oids));

    if (!state->StepDone("copy")) {
      HK_RETURN_IF_ERROR(Interrupted());
      progress.SetPhase("copy");
      HK_RETURN_IF_ERROR(state->StepStarted("copy"));
      HK_RETURN_IF_ERROR(CopyData(infos, indexes));
      CrashPoint("step-copy");
    }
    HK_RETURN_IF_ERROR(Step("large-objects", [&]() -> Status {
      HK_ASSIGN_OR_RETURN(summary.large_objects, CopyLargeObjects(cat, target, o.no_owner, stop));
      return Status::Ok();
    }));
    // The data is in: the snapshot may go.
    (void)cat.Run("COMMIT");
    if (o.snapshot_name.empty() && inherited_snapshot.empty()) (void)coord.Run("COMMIT");
    if (held) (void)held->Run("COMMIT");
    snapshot_open = false;

    std::set<int64_t> skip;
    for (const auto& ix : indexes) {
      skip.insert(ix.index_oid);
      if (ix.constraint_oid) skip.insert(ix.constraint_oid);
    }
    HK_RETURN_IF_ERROR(Step("constraints", [&]() -> Status {
      std::set<std::string> existing;
      if (resuming) {
        HK_ASSIGN_OR_RETURN(existing, ExistingPostDataObjects(target));
      }
      HK_RETURN_IF_ERROR(schema.RestorePostData(o, skip, resuming ? &existing : nullptr, stop));
      CrashPoint("post-data-restored");
      return Status::Ok();
    }));
    HK_RETURN_IF_ERROR(Step("matviews", [&]() -> Status {
      return RefreshMatviews(cat, target, schema.MatviewOids());
    }));
    HK_RETURN_IF_ERROR(Step("sequences", [&]() -> Status {
      HK_ASSIGN_OR_RETURN(summary.sequences, CopySequences(cat, target));
      return Status::Ok();
    }));
    HK_RETURN_IF_ERROR(Step("analyze", [&]() -> Status {
      return AnalyzeAll(o.target, encoding, o.index_jobs, stop);
    }));
    // --role-map: the stand-ins' objects, privileges and policies to their new roles.
    HK_RETURN_IF_ERROR(Step("roles", [&]() -> Status { return FinishRoleMap(target, role_map); }));
    // Last: a statement_timeout or default_transaction_read_only set on the
    // source database must not reach the clone's own sessions.
    HK_RETURN_IF_ERROR(Step("settings", [&]() -> Status {
      HK_ASSIGN_OR_RETURN(std::vector<DbSetting> settings, LoadDbSettings(cat));
      HK_ASSIGN_OR_RETURN(DbSettingsOutcome out, ApplyDbSettings(target, settings));
      progress.Event(fmt::format("database settings: {} carried to the target", out.applied), true);
      if (!out.skipped_freeze.empty())
        LogWarn(
            "the source database defaults to read-only transactions (a cutover freeze?); not "
            "carried to the target (to make it read-only too, run: {})",
            out.skipped_freeze.front());
      if (!out.left_to_run.empty()) {
        std::string stmts;
        for (const auto& sql : out.left_to_run) stmts += "\n  " + sql;
        LogWarn(
            "{} database setting(s) could not be set by the target user (missing privilege or "
            "role); run as a superuser on the target:{}",
            out.left_to_run.size(), stmts);
      }
      return Status::Ok();
    }));
    HK_RETURN_IF_ERROR(state->SetMeta("finished", NowIso8601()));

    for (const auto& t : state->Tables())
      summary.copied_tables.push_back(pg::QualifiedName(t.nspname, t.relname));
    auto secs = state->StepSeconds();
    for (const char* s : {"schema", "copy", "indexes", "large-objects", "constraints", "matviews",
                          "sequences", "analyze", "settings"})
      summary.steps.push_back({s, secs.count(s) ? secs[s] : 0});
    summary.steps.push_back({"total", Since(t_total)});
    return summary;
  }
};

}  // namespace

Result<int64_t> ParseSize(const std::string& text) {
  size_t i = 0;
  if (text.empty() || !isdigit(static_cast<unsigned char>(text[0])))
    return MakeError(ErrorKind::kBadInput, "invalid size \"" + text + "\"",
                     "use e.g. 500MB or 2GB");
  while (i < text.size() && (isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0)
    return MakeError(ErrorKind::kBadInput, "invalid size \"" + text + "\"",
                     "use e.g. 500MB or 2GB");
  std::string number = text.substr(0, i);
  if (std::count(number.begin(), number.end(), '.') > 1)
    return MakeError(ErrorKind::kBadInput, "invalid size \"" + text + "\"",
                     "use e.g. 500MB or 2GB");
  double n = std::stod(number);
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  for (auto& c : unit) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  double mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    mult = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else
    return MakeError(ErrorKind::kBadInput, "invalid size unit in \"" + text + "\"",
                     "use B, kB, MB, GB or TB");
  // 2^62 bytes is far beyond any table; anything larger would overflow.
  if (n * mult > 4.6e18)
    return MakeError(ErrorKind::kBadInput, "size \"" + text + "\" is too large",
                     "use e.g. 500MB or 2GB");
  return static_cast<int64_t>(n * mult);
}

Result<CloneSummary> RunClone(const CloneOptions& opts) {
  std::atomic<bool> never{false};
  std::atomic<bool>* stop = opts.stop ? opts.stop : &never;
  RetryBudget budget(opts.retry_for_ms, stop, "clone");
  CloneOptions o = opts;
  pg::Connection held;  // a failed attempt's snapshot, while its connection lives
  std::string held_snapshot;
  bool contacted = false;
  std::string first_snapshot;  // what the first attempt that wrote state read at
  for (int attempt = 1;; ++attempt) {
    auto run = std::make_unique<Run>(o, stop);
    run->retrying = attempt > 1;
    if (!held_snapshot.empty()) {
      run->inherited_snapshot = held_snapshot;
      run->held = &held;
    }
    auto r = run->Go();
    contacted = contacted || run->contacted;
    if (r.ok()) {
      r->retries = budget.retries();
      if (attempt > 1)
        r->resumed = opts.resume || (!first_snapshot.empty() && r->snapshot_name != first_snapshot);
      return r;
    }
    Error e = r.TakeError();
    // The attempt's own exported snapshot outlives it while its coordinator
    // connection does: keep that connection for the next attempt.
    if (o.snapshot_name.empty() && run->snapshot_open) {
      if (held_snapshot.empty() && run->coord.Healthy()) {
        held = std::move(run->coord);
        held_snapshot = run->snapshot;
      }  // else `held` already holds the snapshot this attempt inherited
    } else {
      // Released after the data was in (a later step failed), or never
      // taken: the next attempt exports its own if it needs one.
      held = pg::Connection();
      held_snapshot.clear();
    }
    bool had_state = run->state != nullptr;
    if (had_state && first_snapshot.empty()) first_snapshot = run->snapshot;
    run.reset();  // its sessions end before the wait
    if (!budget.Wait(e, contacted)) return e;
    if (had_state) {
      // Resume the recorded work, as `--resume` would.
      o.resume = true;
    }
    if (!held_snapshot.empty() && !held.QueryValue("SELECT 1").ok()) {
      LogWarn(
          "the snapshot {} ended with the source connection that exported it (the source "
          "restarted or the connection dropped); continuing at a new snapshot: tables copied "
          "before were read at the old one, so the copy is consistent per table, not as a whole",
          held_snapshot);
      held = pg::Connection();
      held_snapshot.clear();
    }
    if (!o.snapshot_name.empty()) {
      // clone --follow: the slot's snapshot lives on its replication
      // connection; if that is gone, the copy cannot end at the slot's start.
      auto probe = OpenSource(o.source, "UTF8", "hikkoshi clone (probe)");
      if (probe.ok() && !BeginAtSnapshot(*probe, o.snapshot_name).ok()) {
        Error gone = MakeError(
            ErrorKind::kConnection,
            "the snapshot " + o.snapshot_name +
                " exported with the replication slot is gone (its source connection was lost), "
                "so the copy cannot be finished at the slot's position; retrying cannot help");
        return gone;
      }
    }
  }
}

}  // namespace hk::clone
