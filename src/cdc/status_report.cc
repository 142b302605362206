#include "cdc/status_report.h"

#include <fmt/format.h>

namespace hk::cdc {


StatusReport JudgeStatus(const FollowState& s, int64_t now_unix_ms, int64_t warn_retained_bytes,
                         bool pid_alive) {
  StatusReport r;
  r.state = s;
  r.phase = s.phase;
  r.age_s = s.updated_unix_ms > 0 ? static_cast<double>(now_unix_ms - s.updated_unix_ms) / 1000.0 : -1;
  bool live_phase = s.phase == "following" || s.phase == "reconnecting";
  r.running = live_phase && pid_alive;
  if (live_phase && !pid_alive) {
    r.phase = "not running";
    r.warnings.push_back("the follower (pid " + std::to_string(s.pid) +
                         ") is not running: the target falls behind and the source keeps WAL; "
                         "run `hikkoshi follow` to resume");
  }
  if (s.phase != "cleaned-up" && s.copy == "pending") {
    // Never "caught up": the target lacks whatever the copy did not write.
    r.phase = "copy-incomplete";
    r.warnings.push_back(
        "the initial copy did not finish; rerun `hikkoshi clone --follow --resume`");
  }
  if (s.phase != "cleaned-up" && s.slot_retained_bytes >= 0 && s.slot_retained_bytes >= warn_retained_bytes) {
    r.warnings.push_back("replication slot " + s.slot + " keeps " + HumanBytes(s.slot_retained_bytes) +
                         " of WAL on the source; a forgotten slot fills its disk — keep following, or run "
                         "`hikkoshi cleanup` when done");
  }
  if (s.slot_wal_status == "lost") {
    r.warnings.push_back("the source has removed WAL that slot " + s.slot +
                         " still needed; run `hikkoshi cleanup` and clone again with --follow");
  }
  if (!s.last_error.empty() && (s.phase == "error" || s.phase == "reconnecting"))
    r.warnings.push_back("last error: " + s.last_error);
  return r;
}

nlohmann::json StatusReport::ToJson() const {
  const FollowState& s = state;
  return {{"schema_version", 1},
          {"phase", phase},
          {"running", running},
          {"updated_at", s.updated_at},
          {"seconds_since_update", age_s},
          {"pid", s.pid},
          {"slot", s.slot},
          {"publication", s.publication},
          {"origin", s.origin},
          {"apply_mode", s.apply_mode},
          {"trigger_mode", s.trigger_mode},
          {"source", s.source},
          {"target", s.target},
          {"received_lsn", FormatLsn(s.received_lsn)},
          {"applied_lsn", FormatLsn(s.applied_lsn)},
          {"source_current_lsn", FormatLsn(s.source_current_lsn)},
          {"lag_bytes", s.lag_bytes},
          {"commit_lag_seconds", s.commit_lag_s},
          {"apply_txn_per_second", s.apply_txn_per_s},
          {"apply_rows_per_second", s.apply_rows_per_s},
          {"lag_p50_ms_last_minute", s.lag_p50_ms_1m},
          {"lag_p99_ms_last_minute", s.lag_p99_ms_1m},
          {"apply_txn_per_second_last_minute", s.apply_txn_per_s_1m},
          {"apply_rows_per_second_last_minute", s.apply_rows_per_s_1m},
          {"txns_applied", s.txns_applied},
          {"rows_applied", s.rows_applied},
          {"slot_retained_bytes", s.slot_retained_bytes},
          {"slot_wal_status", s.slot_wal_status},
          {"warnings", warnings}};
}

std::string StatusReport::ToText() const {
  const FollowState& s = state;
  std::string out;
  out += fmt::format("phase:            {}{}\n", phase,
                     running ? fmt::format(" (pid {}, updated {:.1f} s ago)", s.pid, age_s) : "");
  out += fmt::format("source:           {}\ntarget:           {}\n", s.source, s.target);
  out += fmt::format("slot:             {} (publication {}, {})\n", s.slot, s.publication,
                     s.apply_mode == "progress-table" ? "position in hikkoshi.apply_progress"
                                                      : "origin " + s.origin);
  if (!s.apply_mode.empty())
    out += fmt::format("apply mode:       {}, triggers {}\n", s.apply_mode, s.trigger_mode);
  out += fmt::format("applied up to:    {} (source at {})\n", FormatLsn(s.applied_lsn),
                     FormatLsn(std::max(s.source_current_lsn, s.received_lsn)));
  out += fmt::format("lag:              {}{}\n", s.lag_bytes < 0 ? "unknown" : HumanBytes(s.lag_bytes),
                     s.commit_lag_s < 0 ? "" : fmt::format(", {:.3f} s behind source commits", s.commit_lag_s));
  out += fmt::format("apply rate:       {:.0f} txn/s, {:.0f} rows/s ({} txns, {} rows applied)\n",
                     s.apply_txn_per_s, s.apply_rows_per_s, s.txns_applied, s.rows_applied);
  out += fmt::format("last minute:      {:.0f} txn/s, {:.0f} rows/s, commit lag p50/p99 {}\n",
                     s.apply_txn_per_s_1m, s.apply_rows_per_s_1m,
                     s.lag_p50_ms_1m < 0 ? std::string("-")
                                         : fmt::format("{:.0f}/{:.0f} ms", s.lag_p50_ms_1m, s.lag_p99_ms_1m));
  out += fmt::format("slot retains:     {}{}\n", HumanBytes(s.slot_retained_bytes),
                     s.slot_wal_status.empty() ? "" : " (wal_status " + s.slot_wal_status + ")");
  for (const auto& w : warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace hk::cdc
