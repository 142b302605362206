#include "cutover/drain_view.h"

#include <fmt/format.h>

#include "cdc/follow_state.h"
#include "cdc/lsn.h"
#include "common/human.h"
#include "cutover/journal.h"

namespace hk::cutover {

DrainView::DrainView(bool tty, std::string label, std::string follow_dir, int64_t max_freeze_ms,
                     int64_t frozen_at_unix_ms)
    : label_(std::move(label)),
      follow_dir_(std::move(follow_dir)),
      max_freeze_ms_(max_freeze_ms),
      frozen_at_ms_(frozen_at_unix_ms),
      view_(tty, [this] { return Render(); }) {}

void DrainView::Start(const std::string& frozen_lsn) {
  if (!view_.tty()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    frozen_lsn_ = frozen_lsn;
  }
  view_.Start();
}

void DrainView::Stop() {
  stopping_ = true;  // the last frame reads no file: the cutover goes on at once
  view_.Stop();
}

std::vector<std::string> DrainView::Render() {
  std::string frozen_lsn;
  {
    std::lock_guard<std::mutex> l(mu_);
    frozen_lsn = frozen_lsn_;
  }
  if (!stopping_) {
    // The follower records what it applied at most every ~200 ms.
    auto st = cdc::LoadFollowState(follow_dir_);
    auto frozen = cdc::ParseLsn(frozen_lsn);
    if (st.ok() && frozen && st->applied_lsn > 0) {
      std::lock_guard<std::mutex> l(mu_);
      lag_ = *frozen > st->applied_lsn ? static_cast<int64_t>(*frozen - st->applied_lsn) : 0;
      applied_ = cdc::FormatLsn(st->applied_lsn);
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  int64_t waited = waited_ms_;
  std::string frozen_for =
      frozen_at_ms_ > 0
          ? fmt::format("writes frozen {:.1f} s of {:.0f} s",
                        static_cast<double>(UnixMsNow() - frozen_at_ms_) / 1000.0,
                        static_cast<double>(max_freeze_ms_) / 1000.0)
          : fmt::format("limit {:.0f} s", static_cast<double>(max_freeze_ms_) / 1000.0);
  if (arrived_)
    return {fmt::format("{:<10} marker arrived after {} ms  {}", label_, waited, frozen_for)};
  std::string lag = lag_ < 0 ? "unknown" : HumanBytes(lag_);
  return {fmt::format("{:<10} {}  lag {}  waited {} ms", label_, frozen_for, lag, waited),
          fmt::format("  marker committed at {}; follower applied {}", frozen_lsn,
                      applied_.empty() ? "unknown" : applied_)};
}

}  // namespace hk::cutover
