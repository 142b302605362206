#include "cutover/drain.h"

#include <chrono>
#include <thread>

#include "cdc/follow_state.h"
#include "cutover/probe_table.h"

namespace hk::cutover {

nlohmann::json DrainResult::ToJson() const {
  return {{"marker", token},
          {"marker_xid", marker_xid},
          {"frozen_lsn", frozen_lsn},
          {"applied_lsn", applied_lsn},
          {"waited_ms", waited_ms}};
}

Result<DrainResult> Drain(pg::Connection& frozen, pg::Connection& other, const std::string& origin,
                          const std::string& note, int64_t timeout_ms,
                          const std::function<bool()>& alive, DrainView* view) {
  using Clock = std::chrono::steady_clock;
  DrainResult d;
  d.token = "marker-" + cdc::NewFollowId();
  HK_ASSIGN_OR_RETURN(d.marker_xid, InsertMarker(frozen, d.token, note));
  HK_ASSIGN_OR_RETURN(d.frozen_lsn, frozen.QueryValue("SELECT pg_current_wal_lsn()::text"));
  auto start = Clock::now();
  // Gone (last line drawn, cursor shown) on every way out of the wait.
  struct StopView {
    DrainView* v;
    ~StopView() {
      if (v) v->Stop();
    }
  } stop_view{view};
  if (view) view->Start(d.frozen_lsn);
  int polls = 0;
  while (true) {
    HK_ASSIGN_OR_RETURN(bool there, HasMarker(other, d.token));
    d.waited_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    if (view) view->Waited(d.waited_ms);
    if (there) {
      if (view) {
        view->Arrived();
        view->Stop();
      }
      break;
    }
    if (d.waited_ms > timeout_ms)
      return MakeError(ErrorKind::kRetryable,
                       "the follower did not apply the last changes within " +
                           std::to_string(timeout_ms) + " ms",
                       "check `hikkoshi status`; raise --max-freeze if the lag is just large");
    if (++polls % 25 == 0 && alive && !alive())
      return MakeError(ErrorKind::kInternal,
                       "the follower is not running, so the last changes cannot arrive",
                       "start `hikkoshi follow` again and rerun");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!origin.empty()) {
    auto r = other.Exec("SELECT pg_replication_origin_progress($1, true)::text", {origin});
    if (r.ok() && r->rows() > 0) d.applied_lsn = r->Str(0, 0);
    if (d.applied_lsn.empty()) {
      // progress-table mode: the row is keyed by the slot, named like the origin.
      auto p =
          other.Exec("SELECT end_lsn::text FROM hikkoshi.apply_progress WHERE slot = $1", {origin});
      if (p.ok() && p->rows() > 0) d.applied_lsn = p->Str(0, 0);
    }
  }
  return d;
}

}  // namespace hk::cutover
