#include "status/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "status/history.h"
#include "status/record.h"
#include "status/svg.h"

namespace hk::status {
namespace {

using nlohmann::json;

json Bar(const std::string& section, const std::string& label, int64_t s, int64_t e,
         const std::string& outcome, const std::string& kind) {
  return {{"section", section}, {"label", label}, {"start_ms", s},       {"end_ms", e},
          {"outcome", outcome}, {"kind", kind},   {"start", IsoOfMs(s)}, {"duration_ms", e - s}};
}

json Timeline(const Migration& m) {
  json t = json::array();
  if (m.clone) {
    const auto& c = *m.clone;
    for (const auto& s : c.steps) {
      int64_t e = MsOfIso(s.finished_at), b = MsOfIso(s.started_at);
      if (b < 0 && e > 0) b = e - static_cast<int64_t>(s.seconds * 1000);
      if (b < 0) continue;
      if (e < 0) e = m.generated_ms;
      t.push_back(Bar("clone", "step " + s.name, b, e, s.status == "done" ? "ok" : "running",
                      "clone-step"));
    }
    std::vector<const CloneTable*> tabs;
    for (const auto& x : c.tables)
      if (x.started_ms > 0) tabs.push_back(&x);
    std::sort(tabs.begin(), tabs.end(),
              [](auto* a, auto* b) { return a->started_ms < b->started_ms; });
    for (const auto* x : tabs)
      t.push_back(Bar("clone", "copy " + x->name, x->started_ms,
                      x->finished_ms > 0 ? x->finished_ms : m.generated_ms,
                      x->status == "done" ? "ok" : "running", "table-copy"));
    for (const auto& i : c.indexes)
      if (i.started_ms > 0 && i.finished_ms > 0)
        t.push_back(Bar("clone", "index " + i.name, i.started_ms, i.finished_ms, "ok", "index"));
  }
  std::stable_sort(t.begin(), t.end(), [](const json& a, const json& b) {
    return a["start_ms"].get<int64_t>() < b["start_ms"].get<int64_t>();
  });
  if (m.verify && m.verify->start_ms > 0)
    t.push_back(Bar("verify", "verify (" + m.verify->scope + ")", m.verify->start_ms,
                    m.verify->end_ms, m.verify->identical ? "ok" : "failed", "verify"));
  if (m.cutover)
    for (const auto& r : m.cutover->runs)
      for (const auto& s : r.steps)
        t.push_back(Bar(r.run, s.step, s.start_ms, s.end_ms, s.outcome, r.kind));
  return t;
}

const CutoverRun* LastCutover(const Migration& m) {
  if (!m.cutover) return nullptr;
  const CutoverRun* last = nullptr;
  for (const auto& r : m.cutover->runs)
    if (r.kind != "rollback") last = &r;
  return last;
}

const cutover::JournalEntry* StepOf(const CutoverRun* r, const std::string& name) {
  if (!r) return nullptr;
  const cutover::JournalEntry* e = nullptr;
  for (const auto& s : r->steps)
    if (s.step == name) e = &s;
  return e;
}

json Metric(const std::string& id, const std::string& criterion, const std::string& target,
            const std::string& measured, const std::string& result, const std::string& source) {
  return {{"id", id},         {"criterion", criterion}, {"target", target}, {"measured", measured},
          {"result", result}, {"source", source}};
}

json Metrics(const Migration& m) {
  json out = json::array();
  const std::string nm = "not measured";
  // Data integrity: verify's record.
  const VerifyStage* v = m.verify ? &*m.verify : nullptr;
  auto diffs_of = [&](auto pred) {
    int64_t n = 0;
    if (v)
      for (const auto& d : v->difference_list)
        if (!d.value("informational", false) && pred(d)) ++n;
    return n;
  };
  if (v && v->scope != "schema") {
    int64_t missing = diffs_of([](const json& d) {
      return d.value("object_type", "") == "table" && d.value("kind", "") != "changed";
    });
    out.push_back(
        Metric("tables_present", "all tables migrated", "every table on the target",
               fmt::format("{} tables compared, {} missing or extra", v->tables_checked, missing),
               missing == 0 ? "pass" : "fail", "verify " + v->finished_at));
    // A live source moves between the two sides' counts; what verify's
    // re-checks left as data differences is the answer.
    int64_t data = diffs_of([](const json& d) { return d.value("area", "") == "data"; });
    out.push_back(
        Metric("row_counts", "row counts identical", "source = target for every table",
               fmt::format("{} rows on the source; {} row difference(s)", v->source_rows, data),
               data == 0 ? "pass" : "fail", "verify " + v->finished_at));
  } else {
    out.push_back(Metric("tables_present", "all tables migrated", "every table on the target", nm,
                         nm, "run `hikkoshi verify`"));
    out.push_back(Metric("row_counts", "row counts identical", "source = target for every table",
                         nm, nm, "run `hikkoshi verify`"));
  }
  if (v && v->scope != "data") {
    int64_t ix = diffs_of([](const json& d) {
      std::string o = d.value("object_type", "");
      return o.find("index") != std::string::npos || o.find("sequence") != std::string::npos ||
             o.find("constraint") != std::string::npos;
    });
    out.push_back(Metric("indexes_sequences", "indexes and sequences right",
                         "no index, constraint or sequence difference",
                         fmt::format("{} difference(s)", ix), ix == 0 ? "pass" : "fail",
                         "verify " + v->finished_at));
  } else {
    out.push_back(Metric("indexes_sequences", "indexes and sequences right",
                         "no index, constraint or sequence difference", nm, nm,
                         "run `hikkoshi verify`"));
  }
  // The cutover's health checks.
  const CutoverRun* cut = LastCutover(m);
  if (const auto* vc = StepOf(cut, "verify-counts"); vc && vc->outcome != "skipped") {
    for (auto& x : out)
      if (x["id"] == "row_counts")
        x = Metric("row_counts", "row counts identical", "source = target for every table",
                   fmt::format("{} tables, {} rows, counted on both sides while writes were "
                               "frozen{}",
                               vc->details.value("tables", int64_t{0}),
                               vc->details.value("rows", int64_t{0}),
                               vc->outcome == "ok" ? "" : ": they differ"),
                   vc->outcome == "ok" ? "pass" : "fail", "cutover " + cut->run);
  }
  const cutover::JournalEntry* health = StepOf(cut, "health");
  if (health && health->details.contains("http") && !health->details["http"].empty()) {
    int64_t mx = 0;
    bool ok = true;
    for (const auto& h : health->details["http"]) {
      mx = std::max<int64_t>(mx, h.value("latency_ms", int64_t{0}));
      ok = ok && h.value("ok", false);
    }
    out.push_back(Metric("api_latency", "API response time", "< 200 ms",
                         fmt::format("{} ms (slowest of {} endpoint(s)){}", mx,
                                     health->details["http"].size(), ok ? "" : ", a check failed"),
                         ok && mx < 200 ? "pass" : "fail", "cutover health " + cut->run));
  } else {
    out.push_back(Metric("api_latency", "API response time", "< 200 ms", nm, nm,
                         "add [[cutover.health.http]] checks"));
  }
  if (health && health->details.value("sql_max_ms", -1.0) >= 0) {
    double mx = health->details.value("sql_max_ms", 0.0);
    out.push_back(Metric(
        "db_latency", "database queries", "< 50 ms",
        fmt::format("p50 {:.1f} ms, max {:.1f} ms", health->details.value("sql_p50_ms", 0.0), mx),
        mx < 50 ? "pass" : "fail", "cutover health " + cut->run));
    bool w = health->details.value("write_ok", false);
    out.push_back(Metric(
        "writes", "writes work on the new database", "a write succeeds",
        w ? fmt::format("write probe {:.1f} ms", health->details.value("write_probe_ms", 0.0))
          : "write probe failed",
        w ? "pass" : "fail", "cutover health " + cut->run));
  } else {
    out.push_back(Metric("db_latency", "database queries", "< 50 ms", nm, nm,
                         "runs in the cutover's health step"));
    out.push_back(Metric("writes", "writes work on the new database", "a write succeeds", nm, nm,
                         "runs in the cutover's health step"));
  }
  if (cut && cut->write_unavailable_ms >= 0) {
    out.push_back(Metric("downtime", "write unavailability", "< 60 min",
                         fmt::format("{:.3f} s", cut->write_unavailable_ms / 1000.0),
                         cut->write_unavailable_ms < 3600000 ? "pass" : "fail",
                         "journal " + cut->run));
  } else {
    out.push_back(Metric("downtime", "write unavailability", "< 60 min", nm, nm,
                         "measured by `hikkoshi cutover`"));
  }
  // No errors: failed steps in the journal, follow errors, check blockers.
  int64_t errors = 0;
  if (m.cutover)
    for (const auto& r : m.cutover->runs)
      for (const auto& s : r.steps) errors += s.outcome == "failed";
  if (m.follow && m.follow->report.state.phase == "error") ++errors;
  bool measured = m.cutover || m.follow || m.clone;
  out.push_back(Metric("no_errors", "no errors", "0 failed steps",
                       measured ? fmt::format("{} failed step(s)", errors) : nm,
                       measured ? (errors == 0 ? "pass" : "fail") : nm, "journal, follow state"));
  return out;
}

json Problems(const Migration& m) {
  json out = json::array();
  if (m.check)
    for (const auto& i : m.check->items)
      out.push_back({{"where", "check"},
                     {"severity", i.value("verdict", "")},
                     {"message", i.value("title", "") + ": " + i.value("detail", "")},
                     {"fix", i.value("fix", "")}});
  if (m.cutover)
    for (const auto& r : m.cutover->runs)
      for (const auto& s : r.steps)
        if (s.outcome == "failed")
          out.push_back(
              {{"where", r.run + " / " + s.step},
               {"severity", "FAIL"},
               {"message", s.details.value("error", s.details.value("failure", "failed"))},
               {"fix", r.kind == "cutover" ? "see the timeline; `hikkoshi rollback` "
                                             "brings the application back"
                                           : "rerun `hikkoshi rollback`"}});
  for (const auto& w : m.warnings)
    out.push_back({{"where", "status"}, {"severity", "WARN"}, {"message", w}, {"fix", ""}});
  return out;
}

json Environment(const Migration& m) {
  json env = {{"hikkoshi_version", HIKKOSHI_VERSION}, {"workdir", m.workdir}};
  json src = json::object(), tgt = json::object();
  if (m.check) {
    if (m.check->source.is_object()) src = m.check->source;
    if (m.check->target.is_object()) tgt = m.check->target;
  }
  if (m.clone) {
    if (!src.contains("url")) src["url"] = m.clone->source;
    if (!tgt.contains("url")) tgt["url"] = m.clone->target;
    src["copied_table_bytes"] = m.clone->disk_bytes_total;
    src["tables"] = m.clone->tables.size();
  }
  if (m.follow) {
    if (!src.contains("url")) src["url"] = m.follow->report.state.source;
    if (!tgt.contains("url")) tgt["url"] = m.follow->report.state.target;
  }
  for (const auto& b : m.backups)
    if (b.value("event", "") == "backup" && b.contains("server_version"))
      src["server_version_at_backup"] = b["server_version"];
  env["source"] = src;
  env["target"] = tgt;
  return env;
}

json CopyThroughput(const Migration& m) {
  // Bytes of finished tables per time bucket (a table counted when it ends).
  json out = json::array();
  if (!m.clone) return out;
  std::vector<std::pair<int64_t, int64_t>> ends;
  int64_t t0 = -1, t1 = -1;
  for (const auto& t : m.clone->tables) {
    if (t.finished_ms <= 0 || t.started_ms <= 0) continue;
    ends.emplace_back(t.finished_ms, t.bytes_copied);
    t0 = t0 < 0 ? t.started_ms : std::min(t0, t.started_ms);
    t1 = std::max(t1, t.finished_ms);
  }
  if (ends.empty()) return out;
  int buckets = 30;
  double w = std::max<double>(200, double(t1 - t0) / buckets);
  std::map<int, int64_t> sum;
  for (auto [e, b] : ends) sum[static_cast<int>((e - t0) / w)] += b;
  for (int i = 0; i <= static_cast<int>((t1 - t0) / w); ++i)
    out.push_back({{"t", static_cast<int64_t>(t0 + (i + 1) * w)},
                   {"bytes_per_second", sum[i] / (w / 1000.0)}});
  return out;
}

}  // namespace

nlohmann::json RunbookRows(const Runbook& rb) {
  json rows = json::array();
  auto side = [](const std::vector<RunbookStage>& v, size_t i) -> json {
    if (i >= v.size() || v[i].state.empty()) return nullptr;
    json j = {{"state", v[i].state}, {"duration_ms", v[i].duration_ms}};
    if (v[i].detail.contains("window_ms")) j["window_ms"] = v[i].detail["window_ms"];
    return j;
  };
  for (size_t i = 0; i < std::max(rb.stages.size(), rb.rehearsal.size()); ++i)
    rows.push_back({{"stage", i < rb.stages.size() ? rb.stages[i].name : rb.rehearsal[i].name},
                    {"run", side(rb.stages, i)},
                    {"rehearsal", side(rb.rehearsal, i)}});
  return rows;
}

std::string RunbookCell(const nlohmann::json& s) {
  if (!s.is_object()) return "-";
  std::string c = s.value("state", "");
  if (c == "done" || c == "failed")
    c += " " + HumanValue(static_cast<double>(s.value("duration_ms", int64_t{0})) / 1000.0, "s");
  if (s.value("window_ms", int64_t{-1}) >= 0)
    c += fmt::format(" (writes paused {:.3f} s)",
                     static_cast<double>(s["window_ms"].get<int64_t>()) / 1000.0);
  return c;
}

nlohmann::json BuildReport(const Migration& m) {
  json r;
  r["schema_version"] = 1;
  r["generated_at"] = m.generated_at;
  r["workdir"] = m.workdir;
  r["stage"] = m.stage;
  r["environment"] = Environment(m);
  r["timeline"] = Timeline(m);
  const CutoverRun* cut = LastCutover(m);
  r["write_unavailable_ms"] = cut ? cut->write_unavailable_ms : -1;
  int64_t failed_requests = -1, failed_http = -1, failed_sql = 0, failed_write = 0;
  if (const auto* h = StepOf(cut, "health"); h && h->details.contains("http")) {
    failed_http = 0;
    for (const auto& x : h->details["http"]) failed_http += !x.value("ok", false);
  }
  if (const auto* h = StepOf(cut, "health"); h && h->details.is_object()) {
    // The cutover's own probes against the new primary: a SQL probe that
    // errored, a write probe that failed.
    failed_sql = h->details.value("failure", "").rfind("SQL probe failed", 0) == 0 ? 1 : 0;
    failed_write =
        h->details.value("write_probe_ms", int64_t{-1}) >= 0 && !h->details.value("write_ok", true)
            ? 1
            : 0;
    failed_requests = std::max<int64_t>(failed_http, 0) + failed_sql + failed_write;
  }
  r["failed_health_requests"] = failed_http;
  r["failed_requests"] = failed_requests;
  r["failed_requests_detail"] = {
      {"health_http", failed_http}, {"sql_probe", failed_sql}, {"write_probe", failed_write}};
  r["metrics"] = Metrics(m);
  // migrate's stages, the rehearsal's beside them (#16.3).
  json runbook = m.runbook ? RunbookRows(*m.runbook) : json::array();
  r["runbook"] = runbook;
  json st = ToJson(m);
  r["verify"] = st["stages"]["verify"];
  r["check"] = st["stages"]["check"];
  r["backups"] = st["stages"]["backups"];
  r["cutover"] = st["stages"]["cutover"];
  json clone = st["stages"]["clone"];
  if (clone.is_object()) clone.erase("indexes");
  r["clone"] = clone;
  json follow = st["stages"]["follow"];
  json samples = json::array();
  int64_t max_lag = -1;
  double max_commit_lag = -1;
  for (const auto& s : ReadFollowHistory(m.workdir)) {
    samples.push_back({{"t", s.t_ms},
                       {"lag_bytes", s.lag_bytes},
                       {"commit_lag_seconds", s.commit_lag_s},
                       {"apply_rows_per_second", s.apply_rows_per_s},
                       {"retained_bytes", s.retained_bytes}});
    max_lag = std::max(max_lag, s.lag_bytes);
    max_commit_lag = std::max(max_commit_lag, s.commit_lag_s);
  }
  if (follow.is_object()) {
    follow["samples"] = samples;
    follow["max_lag_bytes"] = max_lag;
    follow["max_commit_lag_seconds"] = max_commit_lag;
  }
  r["follow"] = follow;
  r["copy_throughput"] = CopyThroughput(m);
  json durations = json::array();
  if (m.clone) {
    std::vector<const CloneTable*> t;
    for (const auto& x : m.clone->tables)
      if (x.started_ms > 0 && x.finished_ms > 0) t.push_back(&x);
    std::sort(t.begin(), t.end(), [](auto* a, auto* b) {
      return a->finished_ms - a->started_ms > b->finished_ms - b->started_ms;
    });
    for (const auto* x : t)
      durations.push_back({{"table", x->name},
                           {"seconds", (x->finished_ms - x->started_ms) / 1000.0},
                           {"bytes", x->bytes_copied},
                           {"rows", x->rows}});
  }
  r["table_durations"] = durations;
  r["problems"] = Problems(m);
  return ScrubJson(std::move(r));
}

std::string ReportFormat(const std::string& format, const std::string& out) {
  if (!format.empty()) return format;
  auto ends = [&](const std::string& suf) {
    return out.size() >= suf.size() && out.compare(out.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends(".html") || ends(".htm")) return "html";
  if (ends(".md")) return "md";
  if (ends(".json")) return "json";
  return "";
}

bool WorkdirHasJournal(const std::string& workdir) {
  std::ifstream f(workdir + "/journal.jsonl");
  return static_cast<bool>(f);
}

Result<std::string> WriteWorkdirReport(const std::string& workdir) {
  CollectOptions co;
  co.workdir = workdir;
  HK_ASSIGN_OR_RETURN(Migration m, Collect(co));
  std::string html = RenderHtml(BuildReport(m));
  std::string path = workdir + "/report.html";
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << html;
    if (!f)
      return MakeError(ErrorKind::kInternal, "cannot write " + tmp,
                       "check that the work directory is writable");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return MakeError(ErrorKind::kInternal, "cannot write " + path);
  return path;
}

}  // namespace hk::status
