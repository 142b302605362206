// status --json (schema_version 2, documented in docs/state.md). The follow
// stage's fields are also kept at the top level, exactly as schema 1 printed
// them, so scripts written against `status --json` of follow keep working.
#include "status/model.h"
#include "status/record.h"

namespace hk::status {
namespace {

nlohmann::json MsOrNull(int64_t ms) {
  if (ms <= 0) return nullptr;
  return IsoOfMs(ms);
}

nlohmann::json CloneJson(const CloneStage& c) {
  nlohmann::json steps = nlohmann::json::array(), tables = nlohmann::json::array(),
                 indexes = nlohmann::json::array();
  for (const auto& s : c.steps)
    steps.push_back({{"name", s.name},
                     {"status", s.status},
                     {"started_at", s.started_at},
                     {"finished_at", s.finished_at},
                     {"seconds", s.seconds}});
  for (const auto& t : c.tables)
    tables.push_back(
        {{"name", t.name},
         {"status", t.status},
         {"parts", t.parts},
         {"parts_done", t.parts_done},
         {"disk_bytes", t.disk_bytes},
         {"bytes_copied", t.bytes_copied},
         {"rows", t.rows},
         {"started_at", MsOrNull(t.started_ms)},
         {"finished_at", MsOrNull(t.finished_ms)},
         {"start_ms", t.started_ms},
         {"end_ms", t.finished_ms},
         {"seconds",
          t.started_ms > 0 && t.finished_ms > 0 ? (t.finished_ms - t.started_ms) / 1000.0 : -1.0},
         {"indexes_done", t.indexes_done},
         {"progress", t.progress},
         {"eta_seconds", t.eta_seconds}});
  for (const auto& i : c.indexes)
    indexes.push_back(
        {{"name", i.name},
         {"table", i.table},
         {"start_ms", i.started_ms},
         {"end_ms", i.finished_ms},
         {"seconds",
          i.started_ms > 0 && i.finished_ms > 0 ? (i.finished_ms - i.started_ms) / 1000.0 : -1.0}});
  return {{"state", c.state},
          {"started_at", c.started_at},
          {"finished_at", c.finished_at},
          {"snapshot", c.snapshot},
          {"source", c.source},
          {"target", c.target},
          {"tables_total", c.tables.size()},
          {"tables_done", c.tables_done},
          {"indexes_built", c.indexes_built},
          {"disk_bytes_total", c.disk_bytes_total},
          {"disk_bytes_done", c.disk_bytes_done},
          {"bytes_copied", c.bytes_copied},
          {"rows_copied", c.rows_copied},
          {"rate_bytes_per_second", c.rate_bytes_per_second},
          {"eta_seconds", c.eta_seconds},
          {"slowest_table", c.slowest_table},
          {"live", c.live},
          {"steps", steps},
          {"tables", tables},
          {"indexes", indexes}};
}

nlohmann::json FollowJson(const FollowStage& f) {
  nlohmann::json j = f.report.ToJson();
  j.erase("schema_version");
  j["live"] = f.live;
  j["live_lag_bytes"] = f.live_lag_bytes;
  j["live_retained_bytes"] = f.live_retained_bytes;
  j["live_wal_status"] = f.live_wal_status;
  j["live_error"] = f.live_error;
  j["danger"] = f.danger;
  j["copy"] = f.report.state.copy;
  j["consistent_point"] = cdc::FormatLsn(f.report.state.consistent_point);
  j["created_at"] = f.report.state.created_at;
  return j;
}

nlohmann::json CutoverJson(const CutoverStage& c) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : c.runs) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps) {
      nlohmann::json e = s.ToJson();
      e.erase("run");
      steps.push_back(std::move(e));
    }
    runs.push_back({{"run", r.run},
                    {"kind", r.kind},
                    {"start_ms", r.start_ms},
                    {"end_ms", r.end_ms},
                    {"outcome", r.outcome},
                    {"write_unavailable_ms", r.write_unavailable_ms},
                    {"steps", steps}});
  }
  int64_t last = -1;
  for (const auto& r : c.runs)
    if (r.write_unavailable_ms >= 0) last = r.write_unavailable_ms;
  return {{"phase", c.phase},
          {"run", c.run},
          {"updated_at", c.updated_at},
          {"write_unavailable_ms", last},
          {"runs", runs}};
}

}  // namespace

nlohmann::json ToJson(const Migration& m) {
  nlohmann::json j = nlohmann::json::object();
  if (m.follow) j = FollowJson(*m.follow);
  // Schema-1 compatibility: follow's fields at the top level (see above).
  for (const char* k : {"live", "live_lag_bytes", "live_retained_bytes", "live_wal_status",
                        "live_error", "danger", "copy", "consistent_point", "created_at"})
    j.erase(k);
  j["schema_version"] = 2;
  j["workdir"] = m.workdir;
  j["generated_at"] = m.generated_at;
  j["generated_ms"] = m.generated_ms;
  j["stage"] = m.stage;
  j["warnings"] = m.warnings;
  nlohmann::json check = nullptr;
  if (m.check) {
    check = {{"recorded_at", m.check->recorded_at},
             {"result", m.check->result},
             {"exit_code", m.check->exit_code},
             {"pass", m.check->pass},
             {"info", m.check->info},
             {"warn", m.check->warn},
             {"fail", m.check->fail},
             {"items", m.check->items},
             {"source", m.check->source},
             {"target", m.check->target}};
  }
  nlohmann::json verify = nullptr;
  if (m.verify) {
    const VerifyStage& v = *m.verify;
    verify = {{"started_at", v.started_at},
              {"finished_at", v.finished_at},
              {"start_ms", v.start_ms},
              {"end_ms", v.end_ms},
              {"seconds", (v.end_ms - v.start_ms) / 1000.0},
              {"scope", v.scope},
              {"result", v.identical ? "identical" : "differences"},
              {"differences", v.differences},
              {"informational", v.informational},
              {"tables_checked", v.tables_checked},
              {"source_rows", v.source_rows},
              {"target_rows", v.target_rows},
              {"difference_list", v.difference_list},
              {"tables", v.tables}};
  }
  nlohmann::json vp = nullptr;
  if (m.verify_progress) {
    const VerifyProgress& p = *m.verify_progress;
    vp = {{"state", p.state},
          {"started_at", p.started_at},
          {"updated_at", p.updated_at},
          {"tables_total", p.tables_total},
          {"tables_done", p.tables_done},
          {"rows", p.rows},
          {"differences", p.differences},
          {"bytes_total", p.bytes_total},
          {"bytes_done", p.bytes_done},
          {"in_flight", p.in_flight},
          {"seconds", p.seconds}};
  }
  nlohmann::json runbook = nullptr;
  if (m.runbook) {
    auto rows = [](const std::vector<RunbookStage>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& s : v)
        a.push_back({{"name", s.name},
                     {"state", s.state},
                     {"started_at", s.started_at},
                     {"finished_at", s.finished_at},
                     {"duration_ms", s.duration_ms},
                     {"detail", s.detail}});
      return a;
    };
    runbook = {{"stages", rows(m.runbook->stages)},
               {"rehearsal", rows(m.runbook->rehearsal)},
               {"window_notice_sent_for", m.runbook->notice_sent_for},
               {"recent_events", m.runbook->recent_events}};
  }
  j["stages"] = {{"migrate", runbook},
                 {"check", check},
                 {"backups", m.backups},
                 {"clone", m.clone ? CloneJson(*m.clone) : nlohmann::json()},
                 {"follow", m.follow ? FollowJson(*m.follow) : nlohmann::json()},
                 {"verify", verify},
                 {"verify_progress", vp},
                 {"cutover", m.cutover ? CutoverJson(*m.cutover) : nlohmann::json()}};
  // Every string that came from a file passes Scrub once more.
  return ScrubJson(std::move(j));
}

}  // namespace hk::status
