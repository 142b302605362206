// status as text: one block per stage that left a record, most recent last.
#include <fmt/format.h>

#include <algorithm>

#include "common/human.h"
#include "common/secrets.h"
#include "status/model.h"
#include "status/record.h"

namespace hk::status {
namespace {

std::string Bar(double p, int width = 20) {
  int n = static_cast<int>(p * width + 0.5);
  if (n > width) n = width;
  return std::string(n, '#') + std::string(width - n, '.');
}

}  // namespace

std::string ToText(const Migration& m) {
  std::string out = fmt::format("migration in {}: stage {}\n", m.workdir, m.stage);
  if (m.runbook) {
    auto line = [](const std::vector<RunbookStage>& v) {
      std::string l;
      for (const auto& s : v) {
        if (!l.empty()) l += " · ";
        l += s.name + " " + (s.state.empty() ? "-" : s.state);
        if (s.state == "done" || s.state == "failed")
          l += " " + HumanDuration(static_cast<double>(s.duration_ms) / 1000.0);
      }
      return l;
    };
    if (!m.runbook->stages.empty() &&
        std::any_of(m.runbook->stages.begin(), m.runbook->stages.end(),
                    [](const auto& s) { return !s.state.empty(); }))
      out += "\nmigrate     " + line(m.runbook->stages) + "\n";
    if (!m.runbook->rehearsal.empty()) {
      out += "rehearsal   " + line(m.runbook->rehearsal) + "\n";
      for (const auto& s : m.runbook->rehearsal)
        if (s.name == "cutover" && s.detail.value("window_ms", int64_t{-1}) >= 0)
          out +=
              fmt::format("  expected write-unavailability: {:.1f} s (measured by the rehearsal)\n",
                          s.detail["window_ms"].get<int64_t>() / 1000.0);
    }
    if (!m.runbook->notice_sent_for.empty())
      out += "  user notice sent for the window at " + m.runbook->notice_sent_for + "\n";
  }
  if (m.check) {
    const auto& c = *m.check;
    out += fmt::format("\ncheck       {} ({} pass, {} info, {} warn, {} fail) at {}\n", c.result,
                       c.pass, c.info, c.warn, c.fail, c.recorded_at);
    for (const auto& i : c.items)
      out += fmt::format("  {} {}: {}\n", i.value("verdict", ""), i.value("title", ""),
                         i.value("detail", ""));
  }
  if (!m.backups.empty()) {
    out += "\nbackups\n";
    for (const auto& b : m.backups) {
      if (b.value("event", "") == "verify")
        out += fmt::format("  verify {}  {}{} at {}\n", b.value("name", ""),
                           b.value("passed", false) ? "passed" : "FAILED",
                           b.value("restore_checked", false) ? " (restored and compared)" : "",
                           b.value("recorded_at", ""));
      else
        out +=
            fmt::format("  {}  {}  completed {}\n", b.value("name", ""),
                        HumanBytes(b.value("size_bytes", int64_t{0})), b.value("completed_at", ""));
    }
  }
  if (m.clone) {
    const auto& c = *m.clone;
    double p = c.disk_bytes_total > 0 ? double(c.disk_bytes_done) / c.disk_bytes_total : 1;
    out += fmt::format(
        "\nclone       {}: tables {}/{}, {} rows, {} copied, indexes built {}{}\n", c.state,
        c.tables_done, c.tables.size(), c.rows_copied, HumanBytes(c.bytes_copied), c.indexes_built,
        c.state == "done"
            ? ""
            : fmt::format(", {}/s, ETA {}", HumanBytes(int64_t(c.rate_bytes_per_second)),
                          HumanDuration(c.eta_seconds)));
    if (c.state != "done") {
      out += fmt::format("  [{}] {:.0f} %\n", Bar(p, 40), p * 100);
      for (const auto& t : c.tables)
        if (t.status == "copying")
          out += fmt::format("  {:<32} [{}] {:>3.0f} %  {} rows  ETA {}\n", t.name, Bar(t.progress),
                             t.progress * 100, t.rows, HumanDuration(t.eta_seconds));
    }
    for (const auto& s : c.steps)
      if (s.status != "done") out += fmt::format("  step {} {}\n", s.name, s.status);
    if (!c.slowest_table.empty()) out += fmt::format("  slowest table: {}\n", c.slowest_table);
  }
  if (m.follow) {
    const auto& f = *m.follow;
    const auto& s = f.report.state;
    out += fmt::format("\nfollow      {}{}\n", f.report.phase,
                       f.report.running
                           ? fmt::format(" (pid {}, updated {:.1f} s ago)", s.pid, f.report.age_s)
                           : "");
    int64_t lag = f.live ? f.live_lag_bytes : s.lag_bytes;
    out += fmt::format("  lag {}{}{}\n", lag < 0 ? "unknown" : HumanBytes(lag),
                       s.commit_lag_s < 0 ? "" : fmt::format(", {:.3f} s", s.commit_lag_s),
                       f.live ? " (live)" : "");
    out += fmt::format("  apply {:.0f} txn/s, {:.0f} rows/s ({} txns, {} rows)\n",
                       s.apply_txn_per_s, s.apply_rows_per_s, s.txns_applied, s.rows_applied);
    out += fmt::format("  last minute {:.0f} txn/s, {:.0f} rows/s, commit lag p50/p99 {}\n",
                       s.apply_txn_per_s_1m, s.apply_rows_per_s_1m,
                       s.lag_p50_ms_1m < 0 ? std::string("-")
                                           : fmt::format("{:.0f}/{:.0f} ms", s.lag_p50_ms_1m,
                                                         s.lag_p99_ms_1m));
    if (!s.apply_mode.empty())
      out += fmt::format("  apply mode:       {}, triggers {}\n", s.apply_mode, s.trigger_mode);
    int64_t kept = f.live ? f.live_retained_bytes : s.slot_retained_bytes;
    out += fmt::format("  slot {} retains {} ({})\n", s.slot, HumanBytes(kept), f.danger);
    if (!f.live_error.empty()) out += "  live query: " + f.live_error + "\n";
  }
  if (m.verify_progress && m.verify_progress->state != "done") {
    const auto& p = *m.verify_progress;
    out +=
        fmt::format("\nverify      {}: {}/{} tables, {} rows hashed, {} difference(s) so far, {}\n",
                    p.state, p.tables_done, p.tables_total, p.rows, p.differences, HumanDuration(p.seconds));
  }
  if (m.verify) {
    const auto& v = *m.verify;
    out += fmt::format("\nverify      {} at {} ({} tables, {} rows, {})\n",
                       v.identical ? "identical" : fmt::format("{} difference(s)", v.differences),
                       v.finished_at, v.tables_checked, v.source_rows,
                       HumanDuration((v.end_ms - v.start_ms) / 1000.0));
    int n = 0;
    for (const auto& d : v.difference_list) {
      if (++n > 10) break;
      out += fmt::format("  {}{} {} {} {}\n", d.value("kind", ""),
                         d.value("informational", false) ? " (informational)" : "",
                         d.value("object_type", ""), d.value("object", ""), d.value("key", ""));
    }
  }
  if (m.cutover) {
    const auto& c = *m.cutover;
    out += fmt::format("\ncutover     phase {}{}\n", c.phase,
                       c.run.empty() ? "" : " (last run " + c.run + ")");
    for (const auto& r : c.runs) {
      out += fmt::format("  {} {} {}: {} steps, {}{}\n", r.kind, r.run, r.outcome, r.steps.size(),
                         HumanDuration((r.end_ms - r.start_ms) / 1000.0),
                         r.write_unavailable_ms >= 0 ? fmt::format(", writes unavailable {:.3f} s",
                                                                   r.write_unavailable_ms / 1000.0)
                                                     : "");
      if (&r == &c.runs.back())
        for (const auto& s : r.steps)
          out +=
              fmt::format("    +{:>7.3f}s {:<24} {:>7} ms {}\n", (s.start_ms - r.start_ms) / 1000.0,
                          s.step, s.duration_ms(), s.outcome);
    }
  }
  if (m.Empty()) out += "nothing recorded yet: run `hikkoshi check` or `hikkoshi clone`\n";
  for (const auto& w : m.warnings) out += "warning: " + w + "\n";
  return Scrub(out);
}

}  // namespace hk::status
