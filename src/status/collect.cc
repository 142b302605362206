#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include "cdc/follow_state.h"
#include "cdc/trigger_guard.h"
#include "check/provider.h"
#include "cutover/cutover_state.h"
#include "pg/connection.h"
#include "pipeline/stage_record.h"
#include "pipeline/stages.h"
#include "status/model.h"
#include "status/record.h"

namespace hk::status {
namespace {

namespace fs = std::filesystem;

// ---- check.json ----------------------------------------------------------

Status CollectCheck(const std::string& dir, Migration& m) {
  HK_ASSIGN_OR_RETURN(auto rec, ReadRecord(dir, "check.json"));
  if (!rec || !rec->is_object()) return Status::Ok();
  *rec = DropNulls(std::move(*rec));
  const nlohmann::json r = rec->value("report", nlohmann::json::object());
  CheckStage c;
  c.recorded_at = rec->value("recorded_at", "");
  if (r.is_object()) {
    auto s = r.value("summary", nlohmann::json::object());
    c.pass = s.value("pass", 0);
    c.info = s.value("info", 0);
    c.warn = s.value("warn", 0);
    c.fail = s.value("fail", 0);
    c.exit_code = s.value("exit_code", 0);
    c.source = r.value("source", nlohmann::json::object());
    c.target = r.value("target", nlohmann::json::object());
    for (const auto& i : r.value("items", nlohmann::json::array())) {
      std::string v = i.value("verdict", "");
      if (v == "WARN" || v == "FAIL" || v == "warn" || v == "fail")
        c.items.push_back({{"id", i.value("id", "")},
                           {"title", i.value("title", "")},
                           {"verdict", v},
                           {"detail", i.value("detail", "")},
                           {"fix", i.value("fix", "")}});
    }
  }
  c.result = c.fail > 0 ? "blockers" : c.warn > 0 ? "warnings" : "pass";
  if (c.fail > 0)
    m.warnings.push_back("check found " + std::to_string(c.fail) +
                         " blocker(s); see `hikkoshi check` for the fixes");
  m.check = std::move(c);
  return Status::Ok();
}

// ---- clone.db -------------------------------------------------------------

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

struct Q {
  sqlite3_stmt* s = nullptr;
  Q(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) s = nullptr;
  }
  ~Q() { sqlite3_finalize(s); }
  bool ok() const { return s != nullptr; }
  bool Step() { return s && sqlite3_step(s) == SQLITE_ROW; }
  int64_t Int(int c) const { return sqlite3_column_int64(s, c); }
  double Dbl(int c) const { return sqlite3_column_double(s, c); }
  std::string Text(int c) const {
    auto* t = sqlite3_column_text(s, c);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
};

bool HasColumn(sqlite3* db, const std::string& table, const std::string& col) {
  Q q(db, ("PRAGMA table_info(" + table + ")").c_str());
  while (q.Step())
    if (q.Text(1) == col) return true;
  return false;
}

/// In-flight COPYs on the target: "schema.table" -> bytes, tuples.
std::map<std::string, std::pair<int64_t, int64_t>> LiveCopies(const pg::ConnInfo& target,
                                                              std::string& error) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  pg::ConnectOptions co;
  co.application_name = "hikkoshi-status";
  co.connect_timeout_s = 3;
  auto c = pg::Connection::Open(target, co);
  if (!c.ok()) {
    error = c.error().message;
    return out;
  }
  auto r = c->Exec(
      "SELECT n.nspname || '.' || c.relname, p.bytes_processed, p.tuples_processed"
      " FROM pg_stat_progress_copy p JOIN pg_class c ON c.oid = p.relid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE p.command = 'COPY FROM' AND p.datid = (SELECT oid FROM pg_database"
      " WHERE datname = current_database())");
  if (!r.ok()) {
    error = r.error().message;
    return out;
  }
  for (int i = 0; i < r->rows(); ++i) {
    auto& e = out[r->Str(i, 0)];
    e.first += r->Int(i, 1);
    e.second += r->Int(i, 2);
  }
  return out;
}

Status CollectClone(const CollectOptions& o, Migration& m, int64_t now) {
  std::string path = o.workdir + "/clone.db";
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Ok();
  Db d;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return MakeError(
        ErrorKind::kInternal,
        "the clone state file " + path + " cannot be read (" + sqlite3_errmsg(d.db) + ")",
        "check its permissions; it is never needed by status to be writable");
  sqlite3_busy_timeout(d.db, 2000);
  if (!HasColumn(d.db, "parts", "status")) return Status::Ok();  // not a clone state file yet
  CloneStage c;
  {
    Q q(d.db, "SELECT key, value FROM meta");
    while (q.Step()) {
      std::string k = q.Text(0), v = q.Text(1);
      if (k == "started_at") c.started_at = v;
      if (k == "finished") c.finished_at = v;
      if (k == "snapshot") c.snapshot = v;
      if (k == "fingerprint") {
        auto f = nlohmann::json::parse(v, nullptr, false);
        if (f.is_object()) {
          c.source = f.value("source", "");
          c.target = f.value("target", "");
        }
      }
    }
  }
  bool any_running = false;
  {
    Q q(d.db,
        "SELECT name, status, coalesce(started_at,''), coalesce(finished_at,''),"
        " coalesce(seconds,0) FROM steps ORDER BY coalesce(started_at, finished_at)");
    while (q.Step()) {
      CloneStep s{q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Dbl(4)};
      if (s.status == "running") any_running = true;
      if (s.name == "copy") c.copy_seconds = s.seconds;
      c.steps.push_back(std::move(s));
    }
  }
  bool part_started = HasColumn(d.db, "parts", "started_at");
  std::map<int64_t, size_t> by_oid;
  {
    Q q(d.db,
        "SELECT oid, nspname || '.' || relname, bytes, parts, indexes_done FROM tables"
        " ORDER BY bytes DESC, oid");
    while (q.Step()) {
      CloneTable t;
      t.name = q.Text(1);
      t.disk_bytes = q.Int(2);
      t.parts = static_cast<int>(q.Int(3));
      t.indexes_done = q.Int(4) != 0;
      by_oid[q.Int(0)] = c.tables.size();
      c.tables.push_back(std::move(t));
    }
  }
  {
    std::string sql =
        std::string("SELECT table_oid, status, rows, bytes, coalesce(updated_at,''), ") +
        (part_started ? "coalesce(started_at,'')" : "''") + " FROM parts";
    Q q(d.db, sql.c_str());
    std::map<size_t, int> copying;
    while (q.Step()) {
      auto it = by_oid.find(q.Int(0));
      if (it == by_oid.end()) continue;
      CloneTable& t = c.tables[it->second];
      std::string st = q.Text(1);
      int64_t started = MsOfIso(q.Text(5)), updated = MsOfIso(q.Text(4));
      if (started > 0 && (t.started_ms < 0 || started < t.started_ms)) t.started_ms = started;
      if (st == "done") {
        ++t.parts_done;
        t.rows += q.Int(2);
        t.bytes_copied += q.Int(3);
        if (updated > t.finished_ms) t.finished_ms = updated;
      } else if (st == "copying" || st == "committing") {
        ++copying[it->second];
      }
    }
    for (auto& t : c.tables) {
      t.status = t.parts_done == t.parts ? "done" : "pending";
      if (t.status != "done") t.finished_ms = -1;
    }
    for (auto& [i, n] : copying) c.tables[i].status = "copying";
  }
  if (HasColumn(d.db, "indexes", "name")) {
    bool ix_started = HasColumn(d.db, "indexes", "started_at");
    std::string sql =
        std::string("SELECT i.name, coalesce(t.nspname || '.' || t.relname, ''),") +
        (ix_started ? " coalesce(i.started_at,'')," : " '',") +
        " coalesce(i.finished_at,'') FROM indexes i LEFT JOIN tables t ON t.oid = i.table_oid"
        " ORDER BY i.finished_at";
    Q q(d.db, sql.c_str());
    while (q.Step())
      c.indexes.push_back({q.Text(0), q.Text(1), MsOfIso(q.Text(2)), MsOfIso(q.Text(3))});
    c.indexes_built = static_cast<int>(c.indexes.size());
  }

  // Live: bytes and rows of the COPYs running on the target now.
  bool live_copy = false;
  if (o.target && c.finished_at.empty()) {
    std::string err;
    auto live = LiveCopies(*o.target, err);
    if (err.empty()) {
      c.live = true;
      for (auto& t : c.tables) {
        auto it = live.find(t.name);
        if (it == live.end()) continue;
        live_copy = true;
        t.status = "copying";
        t.bytes_copied += it->second.first;
        t.rows += it->second.second;
      }
    }
  }

  // Totals, progress and ETAs. Disk bytes measure what is left; the COPY
  // text is usually within a factor of two of it, so a table in flight is
  // capped at 99 %.
  int64_t copy_start = -1;
  for (const auto& s : c.steps)
    if (s.name == "copy") copy_start = MsOfIso(s.started_at);
  double slowest = -1;
  for (auto& t : c.tables) {
    c.disk_bytes_total += t.disk_bytes;
    c.bytes_copied += t.bytes_copied;
    c.rows_copied += t.rows;
    if (t.status == "done") {
      ++c.tables_done;
      c.disk_bytes_done += t.disk_bytes;
      t.progress = 1;
      t.eta_seconds = 0;
    } else if (t.status == "copying") {
      double p = t.disk_bytes > 0 ? static_cast<double>(t.bytes_copied) / t.disk_bytes
                                  : (t.parts > 0 ? double(t.parts_done) / t.parts : 0);
      t.progress = std::min(0.99, p);
      if (t.started_ms > 0 && t.progress > 0.01)
        t.eta_seconds = (now - t.started_ms) / 1000.0 * (1 - t.progress) / t.progress;
    }
    double secs =
        t.started_ms > 0 ? ((t.finished_ms > 0 ? t.finished_ms : now) - t.started_ms) / 1000.0 : -1;
    if (t.status != "pending" && secs > slowest) {
      slowest = secs;
      c.slowest_table = t.name;
    }
  }
  if (!c.finished_at.empty()) {
    c.state = "done";
  } else {
    c.state = live_copy ? "running" : "in-progress";
    double elapsed = copy_start > 0 ? (now - copy_start) / 1000.0 : 0;
    if (elapsed > 0) c.rate_bytes_per_second = c.bytes_copied / elapsed;
    if (elapsed > 1 && c.disk_bytes_done > 0 && c.disk_bytes_total > c.disk_bytes_done)
      c.eta_seconds = elapsed * (c.disk_bytes_total - c.disk_bytes_done) / c.disk_bytes_done;
    else if (c.disk_bytes_total == c.disk_bytes_done)
      c.eta_seconds = 0;
  }
  if (c.state == "done" && c.copy_seconds > 0)
    c.rate_bytes_per_second = c.bytes_copied / c.copy_seconds;
  (void)any_running;
  m.clone = std::move(c);
  return Status::Ok();
}

// ---- follow.json ----------------------------------------------------------

// A provider that removes inactive slots (Neon, about 40 hours): how long
// the slot has been without a follower, and a warning from 60% of the window.
void WarnSlotRemovalWindow(const CollectOptions& o, const cdc::FollowState& st, bool running,
                           int64_t now, Migration& m) {
  if (running || st.updated_unix_ms <= 0 || st.phase == "cleaned-up") return;
  std::string host;
  if (o.source) {
    host = o.source->Host();
  } else if (auto ci = pg::ConnInfo::Parse(st.source); ci.ok()) {
    host = ci->Host();
  }
  const check::Provider p = check::DetectProvider(host, "");
  const int64_t window = check::InactiveSlotRemovalMs(p);
  const int64_t idle = now - st.updated_unix_ms;
  if (window <= 0 || idle < window * 6 / 10) return;
  auto hours = [](int64_t ms) { return std::to_string((ms + 1800000) / 3600000); };
  std::string msg = "slot " + st.slot + " has had no follower since " + st.updated_at + " (" +
                    hours(idle) + " h); " + check::ProviderName(p) +
                    " removes a replication slot inactive for about " + hours(window) + " h: ";
  if (idle >= window)
    msg += "it may already be gone: run `hikkoshi follow` now; if it says the slot is lost, "
           "the target must be cloned again";
  else
    msg += "about " + hours(window - idle) +
           " h remain: start `hikkoshi follow` (under a supervisor) before then";
  m.warnings.push_back("follow: " + msg);
}

Status CollectFollow(const CollectOptions& o, Migration& m, int64_t now) {
  std::error_code ec;
  if (!fs::exists(cdc::FollowStatePath(o.workdir), ec)) return Status::Ok();
  auto st = cdc::LoadFollowState(o.workdir);
  if (!st.ok()) return st.TakeError();
  bool alive = st->pid > 0 && ::kill(st->pid, 0) == 0;
  FollowStage f;
  f.report = cdc::JudgeStatus(*st, now, o.warn_retained_bytes, alive);
  if (!f.report.running && fs::exists(cdc::TriggerRecordPath(o.workdir), ec))
    f.report.warnings.push_back(
        "user triggers of the target are disabled by a follow that did not stop normally (" +
        cdc::TriggerRecordPath(o.workdir) +
        "): `hikkoshi follow` or `hikkoshi cleanup` re-enables them");
  int64_t retained = st->slot_retained_bytes;
  std::string wal_status = st->slot_wal_status;
  if (o.source && st->phase != "cleaned-up") {
    pg::ConnectOptions co;
    co.application_name = "hikkoshi-status";
    co.connect_timeout_s = 3;
    auto c = pg::Connection::Open(*o.source, co);
    if (c.ok()) {
      auto r = c->Exec(
          "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint,"
          " (pg_current_wal_lsn() - restart_lsn)::bigint, coalesce(wal_status, '')"
          " FROM pg_replication_slots WHERE slot_name = $1",
          {st->slot});
      if (r.ok() && r->rows() == 1) {
        f.live = true;
        f.live_lag_bytes = r->Int(0, 0, -1);
        f.live_retained_bytes = r->Int(0, 1, -1);
        f.live_wal_status = r->Str(0, 2);
        retained = f.live_retained_bytes;
        wal_status = f.live_wal_status;
      } else if (r.ok()) {
        f.live_error = "slot " + st->slot + " does not exist on the source";
      } else {
        f.live_error = r.error().message;
      }
    } else {
      f.live_error = c.error().message;
    }
  }
  if (wal_status == "lost" || wal_status == "unreserved")
    f.danger = "critical";
  else if ((retained >= 0 && retained >= o.warn_retained_bytes) || wal_status == "extended")
    f.danger = "warn";
  else
    f.danger = "ok";
  for (const auto& w : f.report.warnings) m.warnings.push_back("follow: " + w);
  WarnSlotRemovalWindow(o, *st, f.report.running, now, m);
  m.follow = std::move(f);
  return Status::Ok();
}

// ---- verify.json ----------------------------------------------------------

Status CollectVerify(const std::string& dir, Migration& m) {
  HK_ASSIGN_OR_RETURN(auto rec, ReadRecord(dir, "verify.json"));
  if (!rec || !rec->is_object()) return Status::Ok();
  *rec = DropNulls(std::move(*rec));
  VerifyStage v;
  v.started_at = rec->value("started_at", "");
  v.finished_at = rec->value("finished_at", "");
  v.start_ms = rec->value("start_ms", int64_t{0});
  v.end_ms = rec->value("end_ms", int64_t{0});
  v.scope = rec->value("scope", "all");
  auto r = rec->value("report", nlohmann::json::object());
  v.identical = r.value("identical", false);
  auto s = r.value("summary", nlohmann::json::object());
  v.differences = s.value("differences", int64_t{0});
  v.informational = s.value("informational", int64_t{0});
  v.tables_checked = s.value("tables_checked", int64_t{0});
  v.source_rows = s.value("source_rows", int64_t{0});
  v.target_rows = s.value("target_rows", int64_t{0});
  v.difference_list = r.value("differences", nlohmann::json::array());
  v.tables = r.value("tables", nlohmann::json::array());
  if (!v.identical)
    m.warnings.push_back("verify (" + v.finished_at + ") found " + std::to_string(v.differences) +
                         " difference(s); see `hikkoshi report` or rerun `hikkoshi verify`");
  m.verify = std::move(v);
  return Status::Ok();
}

Status CollectVerifyProgress(const std::string& dir, Migration& m) {
  HK_ASSIGN_OR_RETURN(auto rec, ReadRecord(dir, "verify-progress.json"));
  if (!rec || !rec->is_object()) return Status::Ok();
  *rec = DropNulls(std::move(*rec));
  VerifyProgress p;
  int64_t pid = rec->value("pid", int64_t{0});
  bool alive = pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
  p.state = rec->value("finished", false) ? "done" : alive ? "running" : "interrupted";
  p.started_at = rec->value("started_at", "");
  p.start_ms = rec->value("start_ms", int64_t{0});
  p.updated_ms = rec->value("updated_ms", int64_t{0});
  p.updated_at = p.updated_ms > 0 ? IsoOfMs(p.updated_ms) : "";
  p.tables_total = rec->value("tables_total", int64_t{0});
  p.tables_done = rec->value("tables_done", int64_t{0});
  p.rows = rec->value("rows", int64_t{0});
  p.differences = rec->value("differences", int64_t{0});
  p.bytes_total = rec->value("bytes_total", int64_t{0});
  p.bytes_done = rec->value("bytes_done", int64_t{0});
  p.seconds = rec->value("seconds", 0.0);
  for (const auto& t : rec->value("in_flight", nlohmann::json::array()))
    if (t.is_string()) p.in_flight.push_back(t.get<std::string>());
  m.verify_progress = std::move(p);
  return Status::Ok();
}

// ---- journal.jsonl + cutover.json -----------------------------------------

int64_t WindowOf(const std::vector<cutover::JournalEntry>& es) {
  int64_t frozen = -1, resumed = -1;
  for (const auto& e : es) {
    if (e.step == "writes-frozen" && frozen < 0) frozen = e.start_ms;
    if (e.step == "writes-resumed") resumed = e.start_ms;
  }
  if (frozen < 0) return -1;
  if (resumed < frozen) return -1;
  return resumed - frozen;
}

Status CollectCutover(const std::string& dir, Migration& m) {
  std::error_code ec;
  bool has_journal = fs::exists(dir + "/journal.jsonl", ec);
  bool has_state = fs::exists(cutover::CutoverStatePath(dir), ec);
  if (!has_journal && !has_state) return Status::Ok();
  CutoverStage c;
  auto st = cutover::LoadCutoverState(dir);
  if (!st.ok()) return st.TakeError();
  c.phase = st->phase;
  c.run = st->run;
  c.updated_at = st->updated_at;
  for (auto& e : cutover::ReadJournal(dir)) {
    if (c.runs.empty() || c.runs.back().run != e.run) {
      CutoverRun r;
      r.run = e.run;
      r.kind = e.run.rfind("rollback", 0) == 0 ? "rollback" : "cutover";
      r.start_ms = e.start_ms;
      c.runs.push_back(std::move(r));
    }
    CutoverRun& r = c.runs.back();
    r.end_ms = std::max(r.end_ms, e.end_ms);
    e.details = DropNulls(std::move(e.details));
    r.steps.push_back(std::move(e));
  }
  for (auto& r : c.runs) {
    r.write_unavailable_ms = WindowOf(r.steps);
    bool failed = false;
    for (const auto& s : r.steps) failed = failed || s.outcome == "failed";
    r.outcome = failed ? "failed" : "ok";
    for (const auto& s : r.steps)
      if (s.step.rfind("rollback", 0) == 0) r.kind = "cutover+rollback";
  }
  if (st->InProgress() || st->phase == "rolling-back") {
    if (!c.runs.empty() && c.runs.back().run == st->run) c.runs.back().outcome = "running";
    m.warnings.push_back("cutover: " + st->run + " is in phase " + st->phase +
                         " (running, or interrupted: `hikkoshi rollback` brings everything back)");
  }
  m.cutover = std::move(c);
  return Status::Ok();
}

/// migrate.json and rehearsal.json (each read once) in pipeline order, and
/// the last 20 lines of migrate-events.jsonl.
Status CollectRunbook(const std::string& workdir, Migration& m) {
  HK_ASSIGN_OR_RETURN(auto rec, ReadRecord(workdir, pipeline::kMigrateRecord));
  HK_ASSIGN_OR_RETURN(auto reh, ReadRecord(workdir, pipeline::kRehearsalRecord));
  if (!rec && !reh) return Status::Ok();
  auto rows = [](const pipeline::MigrateRecord& r) {
    std::vector<RunbookStage> out;
    for (const auto& s : pipeline::Stages()) {
      RunbookStage row;
      row.name = s.name;
      if (auto it = r.stages.find(s.name); it != r.stages.end()) {
        row.state = it->second.state;
        row.started_at = it->second.started_at;
        row.finished_at = it->second.finished_at;
        row.duration_ms = it->second.duration_ms;
        row.detail = it->second.detail;
      }
      out.push_back(row);
    }
    return out;
  };
  Runbook rb;
  if (rec) {
    pipeline::MigrateRecord r = pipeline::MigrateRecord::FromJson(*rec);
    rb.stages = rows(r);
    rb.notice_sent_for = r.notice_sent_for;
  }
  if (reh) rb.rehearsal = rows(pipeline::MigrateRecord::FromJson(*reh));
  std::ifstream f(workdir + "/migrate-events.jsonl");
  std::deque<nlohmann::json> last;
  for (std::string line; std::getline(f, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_discarded() || !e.is_object()) continue;  // a line cut by a kill
    last.push_back(std::move(e));
    if (last.size() > 20) last.pop_front();
  }
  for (auto& e : last) rb.recent_events.push_back(std::move(e));
  m.runbook = std::move(rb);
  return Status::Ok();
}

}  // namespace

Result<Migration> Collect(const CollectOptions& o) {
  Migration m;
  int64_t now = o.now_ms > 0 ? o.now_ms : NowMs();
  m.workdir = o.workdir;
  m.generated_ms = now;
  m.generated_at = IsoOfMs(now);
  HK_RETURN_IF_ERROR(CollectCheck(o.workdir, m));
  {
    HK_ASSIGN_OR_RETURN(auto b, ReadRecord(o.workdir, "backups.json"));
    if (b && b->is_array()) m.backups = DropNulls(*b);
  }
  HK_RETURN_IF_ERROR(CollectClone(o, m, now));
  HK_RETURN_IF_ERROR(CollectFollow(o, m, now));
  HK_RETURN_IF_ERROR(CollectVerify(o.workdir, m));
  HK_RETURN_IF_ERROR(CollectVerifyProgress(o.workdir, m));
  HK_RETURN_IF_ERROR(CollectCutover(o.workdir, m));
  HK_RETURN_IF_ERROR(CollectRunbook(o.workdir, m));

  m.stage = "none";
  if (m.check) m.stage = "check";
  if (!m.backups.empty()) m.stage = "backup";
  if (m.clone) m.stage = "clone";
  if (m.follow && m.follow->report.state.copy != "pending") m.stage = "follow";
  if (m.verify || (m.verify_progress && m.verify_progress->state == "running")) m.stage = "verify";
  if (m.cutover && !m.cutover->runs.empty()) {
    m.stage = m.cutover->phase == "rolled-back" || m.cutover->phase == "rolling-back" ? "rollback"
                                                                                      : "cutover";
  }
  return m;
}

}  // namespace hk::status
