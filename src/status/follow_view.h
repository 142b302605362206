// follow's live terminal view (common/live_view.h): phase, lag in bytes and
// seconds, apply rate and, while the lag shrinks, the time until caught up,
// read from the follower's own follow.json twice a second (so it needs no
// hook in the apply loop). Off a terminal it draws nothing: follow's log
// lines are the record.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/live_view.h"

namespace hk::status {

class FollowView {
 public:
  FollowView(bool tty, std::string workdir);
  ~FollowView() { view_.Stop(); }
  void Start() { view_.Start(); }
  void Stop() { view_.Stop(); }

 private:
  std::vector<std::string> Render();

  std::string workdir_;
  std::mutex mu_;
  int64_t first_lag_ = -1, last_lag_ = -1;
  double shrink_rate_ = 0;  ///< Bytes of lag removed per second (smoothed).
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_at_{};
  LiveView view_;  // last: stopped before the members its render reads
};

}  // namespace hk::status
