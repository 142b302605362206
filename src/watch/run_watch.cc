#include "watch/run_watch.h"

#include <cstdio>
#include <filesystem>
#include <thread>

#include "cdc/cleanup.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/secrets.h"
#include "cutover/follower_proc.h"
#include "cutover/health.h"
#include "cutover/journal.h"
#include "notify/notifier.h"
#include "notify/verify_event.h"
#include "pg/error.h"
#include "verify/verify.h"
#include "watch/probes.h"
#include "watch/watch_state.h"

namespace hk::watch {
namespace {

void Failure(bool& clean, const std::string& what,
             nlohmann::json details = nlohmann::json::object()) {
  clean = false;
  LogWarn("watch: {}", Scrub(what));
  std::printf("FAIL %s\n", Scrub(what).c_str());
  details["check"] = what;
  notify::Emit("failure", "watch: " + what, details);
}

// After a cutover the old server is frozen by design: its database setting
// default_transaction_read_only = on is not a difference to report.
bool ExpectedAfterSwitch(const verify::Difference& d) {
  return d.object_type == "database setting" && d.object == "default_transaction_read_only";
}

// Verifies changed tables; false when a difference was found or it failed.
bool VerifyPass(const WatchOptions& o, WatchState& st, bool full, bool switched) {
  auto sc = ChangeCounters(o.source);
  auto tc = ChangeCounters(o.target);
  bool clean = true;
  if (!sc.ok() || !tc.ok()) {
    Failure(clean,
            "reading pg_stat_user_tables: " + pg::Describe(sc.ok() ? tc.error() : sc.error()));
    return false;
  }
  verify::VerifyOptions v;
  v.source = o.source;
  v.target = o.target;
  v.jobs = o.verify_jobs;
  v.sequences_informational = true;  // reverse replication does not carry sequence values
  v.progress_log = false;
  size_t changed = 0, total = 0;
  full = full || !st.last_clean;  // first pass, or differences last time: everything
  if (!full) {
    for (const auto& [t, ch] : ChangedTables(st, *sc, *tc)) {
      ++total;
      if (ch) {
        ++changed;
        v.include.push_back(t);
      }
    }
    if (changed == 0) v.data = false;  // schema only: nothing changed since the last clean pass
  }
  if (full)
    LogInfo("watch: verifying every table");
  else
    LogInfo("watch: verifying changed tables ({} of {} tables changed since the last clean pass)",
            changed, total);
  auto report = verify::RunVerify(v);
  if (!report.ok()) {
    Failure(clean, "verify could not complete: " + pg::Describe(report.error()));
    return false;
  }
  std::printf("verify: %s", Scrub(report->ToText()).c_str());
  std::vector<verify::Difference> found;
  for (const auto& d : report->differences()) {
    if (d.informational) continue;
    if (switched && ExpectedAfterSwitch(d)) {
      std::printf("expected after the cutover: %s %s on the old server\n", d.object_type.c_str(),
                  d.object.c_str());
      continue;
    }
    found.push_back(d);
  }
  st.last_clean = found.empty();
  if (!found.empty()) notify::Emit(notify::VerifyDifferencesEvent(found));
  if (st.last_clean) {
    st.source = *sc;
    st.target = *tc;
  }
  return st.last_clean;
}

bool ProbePass(const WatchOptions& o) {
  bool clean = true;
  for (const auto& h : o.cfg.http) {
    auto r = cutover::CheckHttp(h);
    std::printf("health %s: %s (%d, %lld ms)\n", Scrub(h.url).c_str(), r.ok ? "ok" : "FAIL",
                r.status, static_cast<long long>(r.latency_ms));
    if (!r.ok)
      Failure(clean,
              "health check " + h.url + " failed: " +
                  (r.error.empty() ? "status " + std::to_string(r.status) + ", " +
                                         std::to_string(r.latency_ms) + " ms (budget " +
                                         std::to_string(h.budget_ms) + " ms)"
                                   : r.error),
              {{"url", h.url}, {"status", r.status}, {"latency_ms", r.latency_ms}});
  }
  auto ms = QueryLatencyMs(o.target, o.cfg.sql_probe);
  if (!ms.ok()) {
    Failure(clean, "query probe on the target failed: " + pg::Describe(ms.error()));
  } else {
    std::printf("query probe: %lld ms median (budget %lld ms)\n", static_cast<long long>(*ms),
                static_cast<long long>(o.cfg.sql_budget_ms));
    if (*ms > o.cfg.sql_budget_ms)
      Failure(clean,
              "query probe on the target: " + std::to_string(*ms) + " ms median, over the " +
                  std::to_string(o.cfg.sql_budget_ms) + " ms budget",
              {{"median_ms", *ms}, {"budget_ms", o.cfg.sql_budget_ms}});
  }
  for (auto [side, db] : {std::pair{"source", &o.source}, std::pair{"target", &o.target}}) {
    auto slots = HikkoshiSlots(*db);
    if (!slots.ok()) {
      Failure(clean,
              std::string("reading the slots on the ") + side + ": " + pg::Describe(slots.error()));
      continue;
    }
    for (const auto& s : *slots) {
      std::printf("slot %s on the %s: %s, %lld bytes of WAL retained, %lld bytes behind\n",
                  s.slot.c_str(), side, s.active ? "active" : "INACTIVE",
                  static_cast<long long>(s.retained_bytes), static_cast<long long>(s.lag_bytes));
      nlohmann::json d = {{"slot", s.slot},
                          {"side", side},
                          {"active", s.active},
                          {"retained_bytes", s.retained_bytes},
                          {"lag_bytes", s.lag_bytes}};
      notify::Emit("slot_retention_high",
                   "slot " + s.slot + " on the " + side + " retains " +
                       std::to_string(s.retained_bytes) + " bytes of WAL",
                   d);
      notify::Emit("lag_high",
                   "slot " + s.slot + " on the " + side + " is " + std::to_string(s.lag_bytes) +
                       " bytes behind",
                   d);
    }
  }
  return clean;
}

// When the switch happened: the last cutover's writes-resumed (0: none).
int64_t CutoverAtMs(const WatchOptions& o) {
  int64_t at = 0;
  for (const auto& e : cutover::ReadJournal(o.workdir))
    if (e.run.rfind("cutover-", 0) == 0 && e.step == "writes-resumed") at = e.start_ms;
  return at;
}

int Retire(const WatchOptions& o) {
  std::printf("retiring: dropping follow's slots, publications and origins on both sides\n");
  std::string reverse = o.workdir + "/reverse";
  bool has_reverse = std::filesystem::exists(reverse + "/follow.json");
  if (has_reverse) (void)cutover::StopFollowersOf(reverse, 10000);
  (void)cutover::StopFollowersOf(o.workdir, 10000);
  int rc = kExitOk;
  auto clean = [&](const pg::ConnInfo& s, const pg::ConnInfo& t, const std::string& dir) {
    auto r = cdc::CleanupFollow(s, t, dir);
    if (!r.ok()) {
      bool unused = true;
      Failure(unused, "cleanup of " + dir + " failed: " + pg::Describe(r.error()));
      rc = pg::ExitCodeFor(r.error());
      return;
    }
    for (const auto& x : r->dropped) std::printf("dropped %s\n", x.c_str());
  };
  if (std::filesystem::exists(o.workdir + "/follow.json")) clean(o.source, o.target, o.workdir);
  if (has_reverse) clean(o.target, o.source, reverse);
  if (rc == kExitOk) std::printf("retired: nothing of hikkoshi is left on either server\n");
  return rc;
}

}  // namespace

int RunWatch(const WatchOptions& o, const std::atomic<bool>* stop) {
  for (;;) {
    auto loaded = LoadWatchState(o.workdir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "hikkoshi: error: %s\nhikkoshi: fix: %s\n",
                   loaded.error().message.c_str(), loaded.error().hint.c_str());
      return kExitInternal;
    }
    WatchState st = *loaded;
    int64_t now = cutover::UnixMsNow();
    if (!st.first_pass_ms) st.first_pass_ms = now;
    int64_t cutover_at = CutoverAtMs(o);  // with none recorded, the first pass counts
    bool retire = o.retire_after_ms &&
                  now - (cutover_at ? cutover_at : st.first_pass_ms) >= *o.retire_after_ms;
    std::printf("watch pass at %s%s\n", NowIso8601().c_str(),
                retire ? " (the last one: retiring)" : "");
    bool ok = VerifyPass(o, st, /*full=*/retire, /*switched=*/cutover_at > 0);
    ok = ProbePass(o) && ok;
    st.last_pass_ms = now;
    if (Status s = SaveWatchState(o.workdir, st); !s.ok()) LogWarn("watch: {}", s.error().message);
    if (retire) {
      if (!st.last_clean) {
        std::fprintf(stderr,
                     "hikkoshi: error: the last verify before retiring found differences; "
                     "nothing was cleaned up\n"
                     "hikkoshi: fix: resolve them (see above) and run watch again\n");
        return kExitWarnings;
      }
      return Retire(o);
    }
    if (o.once) return ok ? kExitOk : kExitWarnings;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.every_ms);
    while (std::chrono::steady_clock::now() < until) {
      if (stop && stop->load()) return kExitInterrupted;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace hk::watch
