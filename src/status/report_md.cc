// The report as Markdown, for tickets: the same facts as the HTML page, the
// timeline as a table.
#include <fmt/format.h>

#include <algorithm>

#include "common/human.h"
#include "status/report.h"
#include "status/svg.h"

namespace hk::status {
namespace {

using nlohmann::json;

std::string Cell(std::string s) {
  for (size_t p = 0; (p = s.find_first_of("|\n", p)) != std::string::npos;)
    s.replace(p, 1, s[p] == '|' ? "\\|" : " "), p += 2;
  return s;
}

}  // namespace

std::string RenderMarkdown(const json& r) {
  std::string o = "# Migration report\n\n";
  o += fmt::format("Generated {} from `{}` — stage **{}**.\n\n", r.value("generated_at", ""),
                   r.value("workdir", ""), r.value("stage", ""));
  int64_t w = r.value("write_unavailable_ms", int64_t{-1});
  o += "- write-unavailability window: **" +
       (w >= 0 ? fmt::format("{:.3f} s", w / 1000.0) : std::string("not measured")) + "**\n";
  int64_t fr = r.value("failed_requests", int64_t{-1});
  const json fd = r.value("failed_requests_detail", json::object());
  o +=
      "- failed requests: " +
      (fr >= 0 ? fmt::format("{} (health checks {}, SQL probe {}, write probe {})", fr,
                             std::max<int64_t>(fd.value("health_http", int64_t{0}), 0),
                             fd.value("sql_probe", int64_t{0}), fd.value("write_probe", int64_t{0}))
               : std::string("not measured")) +
      "\n";
  if (r["verify"].is_object())
    o += fmt::format("- verify: **{}** ({} differences)\n", r["verify"].value("result", ""),
                     r["verify"].value("differences", 0));
  else
    o += "- verify: not run\n";

  o += "\n## Success metrics\n\n| criterion | target | measured | result | from "
       "|\n|---|---|---|---|---|\n";
  for (const auto& m : r["metrics"])
    o += fmt::format("| {} | {} | {} | {} | {} |\n", Cell(m.value("criterion", "")),
                     Cell(m.value("target", "")), Cell(m.value("measured", "")),
                     m.value("result", "") == "pass"   ? "✅ pass"
                     : m.value("result", "") == "fail" ? "❌ fail"
                                                       : "not measured",
                     Cell(m.value("source", "")));

  o += "\n## Timeline\n\n| stage | step | start (UTC) | duration | outcome "
       "|\n|---|---|---|---|---|\n";
  for (const auto& b : r["timeline"])
    o += fmt::format("| {} | {} | {} | {} | {} |\n", Cell(b.value("section", "")),
                     Cell(b.value("label", "")), b.value("start", ""),
                     HumanValue(b.value("duration_ms", int64_t{0}) / 1000.0, "s"),
                     b.value("outcome", ""));

  if (!r.value("runbook", json::array()).empty()) {
    o += "\n## Runbook (`hikkoshi migrate`)\n\n| stage | this run | rehearsal |\n|---|---|---|\n";
    for (const auto& row : r["runbook"])
      o += fmt::format("| {} | {} | {} |\n", Cell(row.value("stage", "")),
                       Cell(RunbookCell(row["run"])), Cell(RunbookCell(row["rehearsal"])));
  }

  o += "\n## Environment\n\n";
  for (const char* side : {"source", "target"}) {
    const json& e = r["environment"][side];
    if (!e.is_object()) continue;
    for (auto it = e.begin(); it != e.end(); ++it)
      if (!it.value().is_structured())
        o +=
            fmt::format("- {} {}: {}\n", side, it.key(),
                        it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  }
  if (r["clone"].is_object()) {
    const json& c = r["clone"];
    o += fmt::format("\n## Copy\n\n{}: {} of {} tables, {} rows, {} copied.\n\n",
                     c.value("state", ""), c.value("tables_done", 0), c.value("tables_total", 0),
                     c.value("rows_copied", int64_t{0}),
                     HumanBytes(c.value("bytes_copied", int64_t{0})));
    o += "| table | seconds | rows | bytes |\n|---|---|---|---|\n";
    for (const auto& t : r["table_durations"])
      o += fmt::format("| {} | {:.3f} | {} | {} |\n", Cell(t.value("table", "")),
                       t.value("seconds", 0.0), t.value("rows", int64_t{0}),
                       HumanBytes(t.value("bytes", int64_t{0})));
  }
  if (r["follow"].is_object()) {
    const json& f = r["follow"];
    o += fmt::format(
        "\n## Follow\n\nphase {}, lag now {}, max lag {} ({} samples over the period), "
        "max {} behind source commits.\n",
        f.value("phase", ""), HumanBytes(f.value("lag_bytes", int64_t{-1})),
        HumanBytes(f.value("max_lag_bytes", int64_t{-1})), f["samples"].size(),
        HumanValue(std::max(0.0, f.value("max_commit_lag_seconds", -1.0)), "s"));
  }
  o += "\n## Verify\n\n";
  if (r["verify"].is_object()) {
    const json& v = r["verify"];
    o +=
        fmt::format("{} at {}: {} tables, {} rows on the source, {} on the target.\n",
                    v.value("result", ""), v.value("finished_at", ""), v.value("tables_checked", 0),
                    v.value("source_rows", int64_t{0}), v.value("target_rows", int64_t{0}));
    if (!v["difference_list"].empty()) {
      o += "\n| kind | object type | object | key | columns |\n|---|---|---|---|---|\n";
      for (const auto& d : v["difference_list"]) {
        std::string cols;
        for (const auto& c : d.value("columns", json::array()))
          cols += (cols.empty() ? "" : ", ") + c.get<std::string>();
        o += fmt::format("| {}{} | {} | {} | {} | {} |\n", Cell(d.value("kind", "")),
                         d.value("informational", false) ? " (informational)" : "",
                         Cell(d.value("object_type", "")), Cell(d.value("object", "")),
                         Cell(d.value("key", "")), Cell(cols));
      }
    }
  } else {
    o += "not run.\n";
  }
  if (r["cutover"].is_object())
    for (const auto& run : r["cutover"]["runs"]) {
      int64_t ww = run.value("write_unavailable_ms", int64_t{-1});
      o += fmt::format("\n## {} ({}){}\n\n| at | step | ms | outcome |\n|---|---|---|---|\n",
                       run.value("run", ""), run.value("outcome", ""),
                       ww >= 0 ? fmt::format(" — writes unavailable {:.3f} s", ww / 1000.0) : "");
      int64_t t0 = run.value("start_ms", int64_t{0});
      for (const auto& s : run["steps"])
        o += fmt::format("| +{:.3f} s | {} | {} | {} |\n",
                         (s.value("start_ms", int64_t{0}) - t0) / 1000.0, Cell(s.value("step", "")),
                         s.value("duration_ms", int64_t{0}), s.value("outcome", ""));
    }
  o += "\n## Warnings and errors\n\n";
  if (r["problems"].empty()) o += "none\n";
  for (const auto& p : r["problems"])
    o += fmt::format("- **{}** {}: {}{}\n", p.value("severity", ""), p.value("where", ""),
                     p.value("message", ""),
                     p.value("fix", "").empty() ? "" : " — fix: " + p.value("fix", ""));
  return o;
}

}  // namespace hk::status
