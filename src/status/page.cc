#include "status/page.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/human.h"
#include "status/record.h"
#include "status/report.h"
#include "status/svg.h"

namespace hk::status {
namespace {

std::string E(const std::string& s) { return HtmlEscape(s); }

std::string Dur(double s) {
  if (s < 0) return "--";
  return HumanValue(s, "s");
}

const char* kPageCss = R"css(
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px auto;max-width:1000px;color:#222}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
.headline{display:flex;flex-wrap:wrap;gap:16px;margin:10px 0}.headline div{background:#f4f7fb;padding:8px 12px;border-radius:6px;min-width:130px}
.headline b{display:block;font-size:20px}table{border-collapse:collapse;font-size:13px;margin:6px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;white-space:nowrap}th{background:#f4f4f4}
.bar{display:inline-block;vertical-align:middle;width:220px;height:12px;background:#eee;border-radius:3px;overflow:hidden}.bar div{height:12px;background:#4a90d9}
.ok{color:#2e7d32}.warn{color:#b26a00}.critical{color:#c62828;font-weight:bold}.muted{color:#777;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:10px}
)css";

// Re-fetches the live fragment once a second; carries the page's ?token=.
const char* kPageJs = R"js(
(function(){
  var q = new URLSearchParams(location.search); var t = q.get('token');
  var url = '/api/fragment' + (t ? '?token=' + encodeURIComponent(t) : '');
  function tick(){
    fetch(url, {cache:'no-store'}).then(function(r){ return r.ok ? r.text() : null; })
      .then(function(h){ if (h !== null) { document.getElementById('live').innerHTML = h;
        document.getElementById('conn').textContent = 'live'; } })
      .catch(function(){ document.getElementById('conn').textContent = 'disconnected'; });
  }
  setInterval(tick, 1000);
})();
)js";

}  // namespace

std::string LiveFragment(const std::optional<Migration>& mm, const nlohmann::json& status,
                         const std::vector<Sample>& samples) {
  std::string o;
  if (!mm) {
    std::string msg = status.contains("error") ? status["error"].value("message", "") : "";
    return "<p class=\"critical\" id=\"error\">" + E(msg) + "</p>";
  }
  const Migration& m = *mm;
  int64_t window = -1;
  std::string cut_phase = "—";
  if (m.cutover) {
    cut_phase = m.cutover->phase;
    for (const auto& r : m.cutover->runs)
      if (r.write_unavailable_ms >= 0) window = r.write_unavailable_ms;
  }
  o += fmt::format("<p class=\"muted\">updated <span id=\"generated\">{}</span></p>\n",
                   E(m.generated_at));
  o += "<div class=\"headline\">";
  o += "<div>stage<b id=\"stage\">" + E(m.stage) + "</b></div>";
  o += "<div>write-unavailability window<b id=\"window\" data-ms=\"" + std::to_string(window) +
       "\">" + (window >= 0 ? fmt::format("{:.3f} s", window / 1000.0) : std::string("—")) +
       "</b></div>";
  if (m.follow) {
    const auto& f = *m.follow;
    int64_t lag = f.live ? f.live_lag_bytes : f.report.state.lag_bytes;
    o += "<div>lag<b id=\"lag-bytes\" data-bytes=\"" + std::to_string(lag) + "\">" +
         E(lag < 0 ? "unknown" : HumanBytes(lag)) + "</b><span id=\"lag-seconds\" data-s=\"" +
         fmt::format("{:.3f}", f.report.state.commit_lag_s) + "\">" +
         E(f.report.state.commit_lag_s < 0
               ? ""
               : fmt::format("{:.3f} s behind", f.report.state.commit_lag_s)) +
         "</span></div>";
    o += "<div>apply rate<b id=\"apply-rate\">" +
         fmt::format("{:.0f} rows/s", f.report.state.apply_rows_per_s) + "</b></div>";
  }
  o += "<div>cutover<b id=\"cutover-phase\">" + E(cut_phase) + "</b></div>";
  o += "</div>\n";

  // `hikkoshi migrate`'s stages (and a rehearsal's) with its latest events:
  // the pipeline's event stream as the page sees it.
  if (m.runbook) {
    const Runbook& rb = *m.runbook;
    o += "<h2>Runbook</h2><table id=\"runbook\"><tr><th>stage</th><th>this run</th>"
         "<th>rehearsal</th></tr>\n";
    for (const auto& row : RunbookRows(rb)) {
      std::string name = row.value("stage", "");
      o += "<tr data-stage=\"" + E(name) + "\"><td>" + E(name) + "</td><td>" +
           E(RunbookCell(row["run"])) + "</td><td>" + E(RunbookCell(row["rehearsal"])) +
           "</td></tr>\n";
    }
    o += "</table>\n";
    if (!rb.recent_events.empty()) {
      o += "<details><summary>latest events</summary><ul id=\"migrate-events\">";
      for (const auto& e : rb.recent_events)
        o += "<li>" + E(e.value("time", "")) + " " + E(e.value("kind", "")) + " " +
             E(e.value("stage", "")) + ": " + E(e.value("text", "")) + "</li>";
      o += "</ul></details>\n";
    }
  }

  if (m.clone) {
    const auto& c = *m.clone;
    o += fmt::format(
        "<h2>Copy</h2><p id=\"clone-summary\" data-tables-done=\"{}\" data-tables-total=\"{}\" "
        "data-rows=\"{}\">{}: <b>{}/{}</b> tables, {} rows, {} copied{}</p>\n",
        c.tables_done, c.tables.size(), c.rows_copied, E(c.state), c.tables_done, c.tables.size(),
        c.rows_copied, E(HumanBytes(c.bytes_copied)),
        c.state == "done"
            ? ""
            : E(fmt::format(", {}/s, ETA {}", HumanBytes(int64_t(c.rate_bytes_per_second)),
                            Dur(c.eta_seconds))));
    o += "<table id=\"tables\"><tr><th>table</th><th>progress</th><th>rows</th><th>size</th><th>"
         "ETA</th></tr>\n";
    for (const auto& t : c.tables)
      o += fmt::format(
          "<tr class=\"table-row\" data-table=\"{0}\" data-status=\"{1}\" data-rows=\"{2}\">"
          "<td>{0}</td><td><div class=\"bar\"><div style=\"width:{3:.0f}%\"></div></div> {3:.0f} "
          "%</td><td class=\"rows\">{2}</td><td>{4}</td><td>{5}</td></tr>\n",
          E(t.name), E(t.status), t.rows, t.progress * 100, E(HumanBytes(t.disk_bytes)),
          t.status == "done" ? "done" : E(Dur(t.eta_seconds)));
    o += "</table>\n";
    if (!c.slowest_table.empty())
      o += "<p class=\"muted\">slowest table: " + E(c.slowest_table) + "</p>";
    // Per-table copy durations, largest first (finished tables).
    std::vector<std::pair<double, std::string>> took;
    for (const auto& t : c.tables)
      if (t.started_ms >= 0 && t.finished_ms >= t.started_ms)
        took.push_back({(t.finished_ms - t.started_ms) / 1000.0, t.name});
    std::sort(took.begin(), took.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    if (!took.empty()) {
      o += "<table id=\"table-durations\"><tr><th>table</th><th>copy took</th></tr>\n";
      for (const auto& [secs, name] : took)
        o += fmt::format(
            "<tr class=\"duration-row\" data-table=\"{0}\" "
            "data-seconds=\"{1:.3f}\"><td>{0}</td><td>{2}</td></tr>\n",
            E(name), secs, E(Dur(secs)));
      o += "</table>\n";
    }
  }

  if (m.follow) {
    const auto& f = *m.follow;
    const auto& s = f.report.state;
    int64_t kept = f.live ? f.live_retained_bytes : s.slot_retained_bytes;
    o += "<h2>Follow</h2><p>phase <b id=\"follow-phase\">" + E(f.report.phase) + "</b>, slot " +
         E(s.slot) + " keeps <b id=\"retained\" class=\"" + E(f.danger) + "\" data-bytes=\"" +
         std::to_string(kept) + "\">" + E(HumanBytes(kept)) + "</b> of WAL (" + E(f.danger) +
         (s.slot_wal_status.empty()
              ? ""
              : ", wal_status " + E(f.live ? f.live_wal_status : s.slot_wal_status)) +
         "); " + std::to_string(s.txns_applied) + " txns, " + std::to_string(s.rows_applied) +
         " rows applied</p>\n";
  }
  // Charts over the last hour, from the server's ring of samples.
  std::vector<Point> lag, clag, rate, kept, copy;
  for (const auto& s : samples) {
    if (s.lag_bytes >= 0) lag.push_back({double(s.t_ms), double(s.lag_bytes)});
    if (s.commit_lag_s >= 0) clag.push_back({double(s.t_ms), s.commit_lag_s});
    if (s.lag_bytes >= 0) rate.push_back({double(s.t_ms), s.apply_rows_per_s});
    if (s.retained_bytes >= 0) kept.push_back({double(s.t_ms), double(s.retained_bytes)});
    if (s.bytes_copied >= 0) copy.push_back({double(s.t_ms), s.copy_bytes_per_s});
  }
  o += "<div class=\"charts\">";
  if (m.follow) {
    o += LineSvg(lag, "lag (bytes), last hour", "bytes", "chart-lag-bytes");
    o += LineSvg(clag, "lag behind commits (s)", "s", "chart-lag-seconds");
    o += LineSvg(rate, "apply rate (rows/s)", "", "chart-apply-rate");
    o += LineSvg(kept, "WAL retained by the slot", "bytes", "chart-retained");
  }
  if (m.clone && m.clone->state != "done")
    o += LineSvg(copy, "copy throughput", "B/s", "chart-copy");
  o += "</div>\n";

  o += "<h2>Verify</h2>";
  if (m.verify_progress) {
    const auto& p = *m.verify_progress;
    double f = p.bytes_total > 0    ? double(p.bytes_done) / double(p.bytes_total)
               : p.tables_total > 0 ? double(p.tables_done) / double(p.tables_total)
                                    : 0;
    o += fmt::format(
        "<p id=\"verify-progress\" data-state=\"{0}\" data-tables-done=\"{1}\" "
        "data-tables-total=\"{2}\" data-rows=\"{3}\" data-differences=\"{4}\">verify {0}: "
        "<b>{1}/{2}</b> tables, {3} rows hashed, {4} difference(s) so far, {5} "
        "<span class=\"bar\"><div style=\"width:{6:.0f}%\"></div></span> {6:.0f} %</p>\n",
        E(p.state), p.tables_done, p.tables_total, p.rows, p.differences, E(Dur(p.seconds)),
        f * 100);
    if (p.state == "running" && !p.in_flight.empty()) {
      std::string names;
      for (const auto& t : p.in_flight) names += (names.empty() ? "" : ", ") + t;
      o += "<p class=\"muted\" id=\"verify-in-flight\">comparing " + E(names) + "</p>\n";
    }
  }
  if (m.verify) {
    const auto& v = *m.verify;
    o += fmt::format(
        "<p><b id=\"verify-result\" data-differences=\"{}\">{}</b> at {} ({} tables, {} "
        "rows)</p>\n",
        v.differences, v.identical ? "identical" : fmt::format("{} difference(s)", v.differences),
        E(v.finished_at), v.tables_checked, v.source_rows);
    if (!v.difference_list.empty()) {
      o += "<table "
           "id=\"differences\"><tr><th>kind</th><th>object</th><th>key</th><th>columns</th></tr>";
      for (const auto& d : v.difference_list) {
        std::string cols;
        for (const auto& c : d.value("columns", nlohmann::json::array()))
          cols += (cols.empty() ? "" : ", ") + c.get<std::string>();
        o += "<tr><td>" + E(d.value("kind", "")) +
             (d.value("informational", false) ? " (informational)" : "") + "</td><td>" +
             E(d.value("object", "")) + "</td><td>" + E(d.value("key", "")) + "</td><td>" +
             E(cols) + "</td></tr>";
      }
      o += "</table>\n";
    }
  } else {
    o += "<p id=\"verify-result\" class=\"muted\">not run</p>";
  }

  if (m.cutover && !m.cutover->runs.empty()) {
    const auto& r = m.cutover->runs.back();
    o += "<h2>Cutover timeline</h2><p>" + E(r.run) + " (" + E(r.outcome) + ")</p>";
    GanttSection sec{r.run, {}};
    for (const auto& s : r.steps) sec.bars.push_back({s.step, s.start_ms, s.end_ms, s.outcome});
    o += GanttSvg({sec}, "cutover-timeline");
  }
  if (!m.warnings.empty()) {
    o += "<h2>Warnings</h2><ul id=\"warnings\">";
    for (const auto& w : m.warnings) o += "<li class=\"warn\">" + E(w) + "</li>";
    o += "</ul>";
  }
  (void)status;
  return o;
}

std::string LivePage(const std::string& fragment) {
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>hikkoshi status</title>\n<style>";
  o += kPageCss;
  o += "</style></head><body>\n<h1>hikkoshi migration status <span id=\"conn\" "
       "class=\"muted\"></span></h1>\n<div id=\"live\">";
  o += fragment;
  o += "</div>\n<script>";
  o += kPageJs;
  o += "</script></body></html>\n";
  return o;
}

}  // namespace hk::status
