// The drain's live terminal view (common/live_view.h): while the marker is
// on its way, how long writes have been frozen (of --max-freeze), the lag
// left (the frozen side's WAL position after the marker minus what the
// follower last recorded as applied in its follow.json) and how long the
// drain has waited. Everything it shows is read on the redraw thread or set
// with a store: the drain loop never waits for it. Off a terminal it draws
// nothing (the cutover journal's lines are the record).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/live_view.h"

namespace hk::cutover {

class DrainView {
 public:
  /// `follow_dir` holds the follower's follow.json; `frozen_at_unix_ms` 0:
  /// the freeze time is not known (the wait is shown instead).
  DrainView(bool tty, std::string label, std::string follow_dir, int64_t max_freeze_ms,
            int64_t frozen_at_unix_ms);
  ~DrainView() { Stop(); }
  DrainView(const DrainView&) = delete;
  DrainView& operator=(const DrainView&) = delete;

  /// The marker is committed; the frozen side's WAL is at `frozen_lsn`.
  void Start(const std::string& frozen_lsn);
  void Waited(int64_t ms) { waited_ms_ = ms; }
  void Arrived() { arrived_ = true; }
  /// Draws the last line and shows the cursor; idempotent.
  void Stop();

 private:
  std::vector<std::string> Render();

  std::string label_, follow_dir_;
  int64_t max_freeze_ms_, frozen_at_ms_;
  std::atomic<int64_t> waited_ms_{0};
  std::atomic<bool> arrived_{false}, stopping_{false};
  std::mutex mu_;
  std::string frozen_lsn_, applied_;  // guarded by mu_
  int64_t lag_ = -1;                  // guarded by mu_
  LiveView view_;                     // last: stopped before the members its render reads
};

}  // namespace hk::cutover
