#include "status/follow_view.h"

#include <fmt/format.h>

#include "cdc/lsn.h"
#include "cdc/follow_state.h"
#include "common/human.h"

namespace hk::status {

FollowView::FollowView(bool tty, std::string workdir)
    : workdir_(std::move(workdir)), view_(tty, [this] { return Render(); }) {}

std::vector<std::string> FollowView::Render() {
  auto st = cdc::LoadFollowState(workdir_);
  std::lock_guard<std::mutex> l(mu_);
  if (!st.ok())
    return {fmt::format("follow     starting ({})", HumanDuration(SecondsSince(start_)))};
  int64_t lag = st->lag_bytes;
  auto now = std::chrono::steady_clock::now();
  if (lag >= 0) {
    if (first_lag_ < 0) first_lag_ = lag;
    if (last_lag_ >= 0) {
      double dt = std::chrono::duration<double>(now - last_at_).count();
      if (dt > 0) {
        double r = double(last_lag_ - lag) / dt;  // > 0: catching up
        shrink_rate_ = shrink_rate_ == 0 ? r : 0.7 * shrink_rate_ + 0.3 * r;
      }
    }
    last_lag_ = lag;
    last_at_ = now;
  }
  std::string eta = "--";
  if (lag == 0 || st->phase == "caught-up")
    eta = "caught up";
  else if (lag > 0 && shrink_rate_ > 0)
    eta = HumanDuration(double(lag) / shrink_rate_);
  double caught = first_lag_ > 0 && lag >= 0 ? 1.0 - double(lag) / double(first_lag_) : 1.0;
  std::vector<std::string> out = {
      fmt::format("follow     {}  lag {}{}  {:.0f} rows/s  {:.0f} txn/s  caught up in {}",
                  st->phase, lag < 0 ? std::string("unknown") : HumanBytes(lag),
                  st->commit_lag_s < 0 ? "" : fmt::format(" ({:.1f} s behind)", st->commit_lag_s),
                  st->apply_rows_per_s, st->apply_txn_per_s, eta)};
  if (first_lag_ > 0)
    out.push_back(fmt::format("  catch-up   {} {:>3.0f}%  from {}  applied {} txns, {} rows",
                              Bar(caught), caught * 100, HumanBytes(first_lag_), st->txns_applied,
                              st->rows_applied));
  else
    out.push_back(fmt::format("  applied {} txns, {} rows at {}", st->txns_applied,
                              st->rows_applied, cdc::FormatLsn(st->applied_lsn)));
  return out;
}

}  // namespace hk::status
