// The report as one self-contained HTML page: inline CSS, inline SVG, no
// script and no external resource (it must open air-gapped, from a ticket).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/human.h"
#include "status/record.h"
#include "status/report.h"
#include "status/svg.h"

namespace hk::status {
namespace {

using nlohmann::json;

std::string E(const std::string& s) { return HtmlEscape(s); }
std::string S(const json& j, const char* k) {
  if (!j.is_object() || !j.contains(k) || j[k].is_null()) return "";
  return j[k].is_string() ? j[k].get<std::string>() : j[k].dump();
}

const char* kCss = R"css(
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#2e7d32;font-weight:bold}.fail{color:#c62828;font-weight:bold}.nm{color:#888}
.headline{display:flex;gap:24px;margin:12px 0}.headline div{background:#f4f7fb;padding:10px 14px;border-radius:6px}
.headline b{display:block;font-size:20px}.muted{color:#777;font-size:12px}code{background:#f4f4f4;padding:0 3px}
)css";

std::string ResultClass(const std::string& r) {
  return r == "pass" ? "pass" : r == "fail" ? "fail" : "nm";
}

std::string Table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows, const std::string& id = "") {
  std::string o = id.empty() ? "<table>" : "<table id=\"" + id + "\">";
  o += "<tr>";
  for (const auto& h : head) o += "<th>" + E(h) + "</th>";
  o += "</tr>\n";
  for (const auto& r : rows) {
    o += "<tr>";
    for (const auto& c : r) o += "<td>" + c + "</td>";  // cells are escaped by the caller
    o += "</tr>\n";
  }
  return o + "</table>\n";
}

std::vector<GanttSection> Sections(const json& timeline) {
  std::vector<GanttSection> out;
  std::map<std::string, size_t> idx;
  for (const auto& b : timeline) {
    std::string sec = b.value("section", "");
    if (!idx.count(sec)) {
      idx[sec] = out.size();
      out.push_back({sec, {}});
    }
    out[idx[sec]].bars.push_back({b.value("label", ""), b.value("start_ms", int64_t{0}),
                                  b.value("end_ms", int64_t{0}), b.value("outcome", "")});
  }
  for (auto& s : out) {
    int64_t t0 = s.bars.front().start_ms, t1 = t0;
    for (const auto& b : s.bars) {
      t0 = std::min(t0, b.start_ms);
      t1 = std::max(t1, b.end_ms);
    }
    s.title =
        fmt::format("{} — from {}, {}", s.title, IsoOfMs(t0), HumanValue((t1 - t0) / 1000.0, "s"));
  }
  return out;
}

}  // namespace

std::string RenderHtml(const json& r) {
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>hikkoshi migration report</title>\n<style>";
  o += kCss;
  o += "</style></head><body>\n";
  o += "<h1>Migration report</h1>\n<p class=\"muted\">generated " + E(S(r, "generated_at")) +
       " from <code>" + E(S(r, "workdir")) + "</code> · stage <b id=\"stage\">" + E(S(r, "stage")) +
       "</b></p>\n";

  // Headline numbers.
  int64_t w = r.value("write_unavailable_ms", int64_t{-1});
  int pass = 0, fail = 0, nm = 0;
  for (const auto& m : r["metrics"]) {
    std::string x = m.value("result", "");
    (x == "pass" ? pass : x == "fail" ? fail : nm)++;
  }
  std::string verify = "not run";
  if (r["verify"].is_object())
    verify = r["verify"].value("result", "") == "identical"
                 ? "identical"
                 : fmt::format("{} difference(s)", r["verify"].value("differences", 0));
  o += "<div class=\"headline\">";
  o += "<div>write-unavailability window<b id=\"window\">" +
       (w >= 0 ? fmt::format("{:.3f} s", w / 1000.0) : std::string("not measured")) + "</b></div>";
  o += "<div>success metrics<b id=\"metrics-summary\">" +
       fmt::format("{} pass, {} fail, {} not measured", pass, fail, nm) + "</b></div>";
  o += "<div>verify<b id=\"verify-result\">" + E(verify) + "</b></div>";
  int64_t fr = r.value("failed_requests", int64_t{-1});
  const json fd = r.value("failed_requests_detail", json::object());
  o +=
      "<div>failed requests<b id=\"failed-requests\">" +
      (fr >= 0 ? std::to_string(fr) : std::string("not measured")) + "</b>" +
      (fr >= 0 ? fmt::format("<span class=\"muted\">health checks {}, SQL probe {}, write probe "
                             "{}</span>",
                             std::max<int64_t>(fd.value("health_http", int64_t{0}), 0),
                             fd.value("sql_probe", int64_t{0}), fd.value("write_probe", int64_t{0}))
               : std::string()) +
      "</div>";
  o += "</div>\n";

  // Success metrics of the plan.
  o += "<h2>Success metrics</h2>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : r["metrics"]) {
    std::string res = m.value("result", "");
    rows.push_back({E(m.value("criterion", "")), E(m.value("target", "")),
                    E(m.value("measured", "")),
                    "<span class=\"" + ResultClass(res) + "\">" + E(res) + "</span>",
                    E(m.value("source", ""))});
  }
  o += Table({"criterion", "target", "measured", "result", "from"}, rows, "metrics");

  // Timeline.
  o += "<h2>Timeline</h2>\n";
  if (r["timeline"].empty())
    o += "<p class=\"muted\">no step recorded yet</p>\n";
  else
    o += GanttSvg(Sections(r["timeline"]), "timeline");
  rows.clear();
  for (const auto& b : r["timeline"])
    rows.push_back({E(b.value("section", "")), E(b.value("label", "")), E(b.value("start", "")),
                    E(HumanValue(b.value("duration_ms", int64_t{0}) / 1000.0, "s")),
                    E(b.value("outcome", ""))});
  o += "<details><summary>every step (" + std::to_string(rows.size()) + ")</summary>" +
       Table({"stage", "step", "start (UTC)", "duration", "outcome"}, rows, "steps") +
       "</details>\n";

  // migrate's stages, the rehearsal's beside them.
  if (!r.value("runbook", json::array()).empty()) {
    o += "<h2>Runbook</h2>\n";
    rows.clear();
    for (const auto& row : r["runbook"])
      rows.push_back({E(row.value("stage", "")), E(RunbookCell(row["run"])),
                      E(RunbookCell(row["rehearsal"]))});
    o += Table({"stage", "this run", "rehearsal"}, rows, "runbook");
  }

  // Environment.
  o += "<h2>Environment</h2>\n";
  rows.clear();
  const json& env = r["environment"];
  for (const char* side : {"source", "target"}) {
    if (!env.contains(side) || !env[side].is_object()) continue;
    for (auto it = env[side].begin(); it != env[side].end(); ++it) {
      if (it.value().is_object() || it.value().is_array()) continue;
      rows.push_back(
          {side, E(it.key()),
           E(it.value().is_string() ? it.value().get<std::string>() : it.value().dump())});
    }
  }
  rows.push_back({"", "hikkoshi", E(S(env, "hikkoshi_version"))});
  o += Table({"side", "fact", "value"}, rows, "environment");

  // Clone.
  if (r["clone"].is_object()) {
    const json& c = r["clone"];
    o += "<h2>Copy</h2>\n<p>" +
         E(fmt::format("{}: {} of {} tables, {} rows, {} copied, {} indexes built",
                       c.value("state", ""), c.value("tables_done", 0), c.value("tables_total", 0),
                       c.value("rows_copied", int64_t{0}),
                       HumanBytes(c.value("bytes_copied", int64_t{0})),
                       c.value("indexes_built", 0))) +
         "</p>\n";
    std::vector<std::pair<std::string, double>> d;
    for (const auto& t : r["table_durations"])
      d.emplace_back(t.value("table", ""), t.value("seconds", 0.0));
    o += "<p class=\"muted\">per-table copy durations, largest first</p>" +
         BarsSvg(d, "s", "table-durations");
    std::vector<Point> pts;
    for (const auto& p : r["copy_throughput"])
      pts.push_back({p.value("t", 0.0), p.value("bytes_per_second", 0.0)});
    o += LineSvg(pts, "copy throughput", "B/s", "copy-throughput");
  }

  // Follow.
  if (r["follow"].is_object()) {
    const json& f = r["follow"];
    o += "<h2>Change capture (follow)</h2>\n<p>" +
         E(fmt::format("phase {}, lag {} now, at most {} and {} behind commits over the period",
                       f.value("phase", ""), HumanBytes(f.value("lag_bytes", int64_t{-1})),
                       HumanBytes(f.value("max_lag_bytes", int64_t{-1})),
                       HumanValue(std::max(0.0, f.value("max_commit_lag_seconds", -1.0)), "s"))) +
         "</p>\n";
    std::vector<Point> lag, clag;
    for (const auto& s : f["samples"]) {
      if (s.value("lag_bytes", int64_t{-1}) >= 0)
        lag.push_back({s.value("t", 0.0), s.value("lag_bytes", 0.0)});
      if (s.value("commit_lag_seconds", -1.0) >= 0)
        clag.push_back({s.value("t", 0.0), s.value("commit_lag_seconds", 0.0)});
    }
    o += LineSvg(lag, "lag (bytes)", "bytes", "lag-bytes");
    o += LineSvg(clag, "lag behind source commits", "s", "lag-seconds");
  }

  // Verify.
  o += "<h2>Verify</h2>\n";
  if (r["verify"].is_object()) {
    const json& v = r["verify"];
    o += "<p>" +
         E(fmt::format("{} at {}: {} tables, {} rows on the source, {} on the target",
                       v.value("result", ""), v.value("finished_at", ""),
                       v.value("tables_checked", 0), v.value("source_rows", int64_t{0}),
                       v.value("target_rows", int64_t{0}))) +
         "</p>\n";
    rows.clear();
    for (const auto& d : v["difference_list"]) {
      std::string cols;
      for (const auto& c : d.value("columns", json::array()))
        cols += (cols.empty() ? "" : ", ") + c.get<std::string>();
      rows.push_back(
          {E(d.value("kind", "") + (d.value("informational", false) ? " (informational)" : "")),
           E(d.value("object_type", "")), E(d.value("object", "")), E(d.value("key", "")),
           E(cols)});
    }
    if (!rows.empty())
      o += Table({"kind", "object type", "object", "key", "columns"}, rows, "differences");
  } else {
    o += "<p class=\"nm\">not run: <code>hikkoshi verify</code></p>\n";
  }

  // Cutover and rollback runs.
  if (r["cutover"].is_object()) {
    o += "<h2>Cutover and rollback</h2>\n<p>phase <b>" + E(S(r["cutover"], "phase")) + "</b></p>\n";
    for (const auto& run : r["cutover"]["runs"]) {
      int64_t ww = run.value("write_unavailable_ms", int64_t{-1});
      o += "<h3>" + E(run.value("run", "")) + " (" + E(run.value("outcome", "")) + ")" +
           (ww >= 0 ? E(fmt::format(" — writes unavailable {:.3f} s", ww / 1000.0)) : "") +
           "</h3>\n";
      rows.clear();
      int64_t t0 = run.value("start_ms", int64_t{0});
      for (const auto& s : run["steps"]) {
        std::string d = s["details"].is_object() ? s["details"].value("summary", "") : "";
        if (s["details"].is_object() && s["details"].contains("error"))
          d = s["details"]["error"].is_string() ? s["details"]["error"].get<std::string>() : "";
        rows.push_back(
            {E(fmt::format("+{:.3f} s", (s.value("start_ms", int64_t{0}) - t0) / 1000.0)),
             E(s.value("step", "")), E(fmt::format("{} ms", s.value("duration_ms", int64_t{0}))),
             E(s.value("outcome", "")), E(d)});
      }
      o += Table({"at", "step", "duration", "outcome", "details"}, rows);
    }
  }

  // Backups and check.
  if (!r["backups"].empty()) {
    o += "<h2>Backups</h2>\n";
    rows.clear();
    for (const auto& b : r["backups"])
      rows.push_back(
          {E(b.value("event", "")), E(b.value("name", "")),
           E(b.value("completed_at", b.value("recorded_at", ""))),
           E(b.contains("size_bytes") ? HumanBytes(b.value("size_bytes", int64_t{0}))
                                      : (b.value("passed", false) ? "passed" : "FAILED"))});
    o += Table({"event", "name", "at", "size / result"}, rows, "backups");
  }
  if (r["check"].is_object())
    o += "<h2>Preflight check</h2>\n<p>" +
         E(fmt::format("{} ({} pass, {} warn, {} fail) at {}", S(r["check"], "result"),
                       r["check"].value("pass", 0), r["check"].value("warn", 0),
                       r["check"].value("fail", 0), S(r["check"], "recorded_at"))) +
         "</p>\n";

  // Problems with fixes.
  o += "<h2>Warnings and errors</h2>\n";
  rows.clear();
  for (const auto& p : r["problems"])
    rows.push_back({E(p.value("severity", "")), E(p.value("where", "")), E(p.value("message", "")),
                    E(p.value("fix", ""))});
  if (rows.empty())
    o += "<p id=\"problems\" class=\"pass\">none</p>\n";
  else
    o += Table({"severity", "where", "what", "fix"}, rows, "problems");
  o += "</body></html>\n";
  return o;
}

}  // namespace hk::status
